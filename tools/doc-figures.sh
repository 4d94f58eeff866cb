#!/bin/sh
# The figures the documentation quotes that the code determines, computed by the
# compilers themselves.
# SPDX-License-Identifier: MIT
#
# Usage: tools/doc-figures.sh [--check FILE...]
#
# For x86-64 (the host's cc), Cortex-M4 (arm-none-eabi-gcc) and ATmega2560 (avr-gcc)
# it compiles a probe that declares one char array per figure, sized by the figure
# (sizeof(chop_heap), CHOP_MIN_BLOCK_SIZE, CHOP_BITMAP_WORDS(...), ...), and reads the
# arrays' sizes back with nm -S: each figure is what that target's compiler computes,
# without running anything.  The sources are compiled as a drop-in build would
# compile them: -DCHOPALLOC_NO_CONFIG_H -Iinclude, -DCHOPALLOC_MAX_ORDER=N or none.
#
# It prints the figures as the Markdown table rows the documentation carries.  With
# --check, every row must appear in at least one of the FILEs, and every table row
# there with the same first cell (indented or not) must be exactly that row; any other
# is reported as a mismatch, with its file and line.
# Exit status: 0 when all rows are found, 1 on a mismatch or a missing row, 2 when a
# compiler is missing or a probe does not compile.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
check=no
if [ $# -gt 0 ]; then
    case $1 in
        --check) check=yes; shift
                 [ $# -gt 0 ] || { echo "usage: $0 [--check FILE...]" >&2; exit 2; } ;;
        *) echo "usage: $0 [--check FILE...]" >&2; exit 2 ;;
    esac
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/chop-figures.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/probe.c" <<'EOF'
#include "chopalloc.h"
char fig_heap[sizeof(chop_heap)];
char fig_max_order[CHOPALLOC_MAX_ORDER];
char fig_min_block[CHOP_MIN_BLOCK_SIZE];
char fig_bw_1k[CHOP_BITMAP_WORDS(1024)];
char fig_bw_4k[CHOP_BITMAP_WORDS(4096)];
#if SIZE_MAX > 0xFFFFu
char fig_bw_1m[CHOP_BITMAP_WORDS(1048576)];
#endif
EOF

# probe NAME CC FLAGS...: compile the probe into NAME.o.
probe() {
    name=$1 cc=$2
    shift 2
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "doc-figures: $cc not found" >&2
        exit 2
    fi
    "$cc" -std=c11 -ffreestanding -fno-common -DCHOPALLOC_NO_CONFIG_H \
        -I"$srcdir/include" "$@" -c "$tmp/probe.c" -o "$tmp/$name.o" ||
        { echo "doc-figures: the probe does not compile with $cc $*" >&2; exit 2; }
}

# get NAME FIGURE: a figure of a probe, the size nm prints (in hexadecimal) of its array.
get() {
    hex=$("${nm_of:-nm}" -S "$tmp/$1.o" 2>/dev/null | awk -v s="fig_$2" '$4 == s { print $2 }')
    [ -n "$hex" ] || { echo "doc-figures: no figure $2 for $1" >&2; exit 2; }
    printf '%d\n' "0x$hex"
}

# Each probe: NAME|COMPILER|FLAGS (FLAGS word-split on purpose).
probes='x64|cc|
x64_16|cc|-DCHOPALLOC_MAX_ORDER=16
m4|arm-none-eabi-gcc|-mcpu=cortex-m4 -mthumb
m4_16|arm-none-eabi-gcc|-mcpu=cortex-m4 -mthumb -DCHOPALLOC_MAX_ORDER=16
avr|avr-gcc|-mmcu=atmega2560
avr_16|avr-gcc|-mmcu=atmega2560 -DCHOPALLOC_MAX_ORDER=16'

while IFS='|' read -r name cc flags; do
    # shellcheck disable=SC2086 # flags are words
    probe "$name" "$cc" $flags
done <<EOF
$probes
EOF
# x86-64 is the host: say so if it is not.
host_arch=$(cc -dumpmachine 2>/dev/null || echo unknown)
case $host_arch in
    x86_64-*) ;;
    *) echo "doc-figures: the host cc targets $host_arch, not x86-64" >&2; exit 2 ;;
esac

fig() { # fig PROBE FIGURE
    case $1 in
        m4*) nm_of=arm-none-eabi-nm ;;
        avr*) nm_of=avr-nm ;;
        *) nm_of=nm ;;
    esac
    get "$1" "$2"
}

words() { # words N: "N words (M bytes)", M in bytes or KiB
    bytes=$(($1 * 8))
    if [ "$bytes" -ge 1024 ] && [ $((bytes % 1024)) -eq 0 ]; then
        echo "$1 words ($((bytes / 1024)) KiB)"
    else
        echo "$1 words ($bytes bytes)"
    fi
}

{
    printf '| Default `CHOPALLOC_MAX_ORDER` | %s | %s | %s |\n' \
        "$(fig x64 max_order)" "$(fig m4 max_order)" "$(fig avr max_order)"
    printf '| `CHOP_MIN_BLOCK_SIZE` | %s B | %s B | %s B |\n' \
        "$(fig x64 min_block)" "$(fig m4 min_block)" "$(fig avr min_block)"
    printf '| `sizeof(chop_heap)`, default order | %s B | %s B | %s B |\n' \
        "$(fig x64 heap)" "$(fig m4 heap)" "$(fig avr heap)"
    printf '| `sizeof(chop_heap)`, `--with-max-order=16` | %s B | %s B | %s B |\n' \
        "$(fig x64_16 heap)" "$(fig m4_16 heap)" "$(fig avr_16 heap)"
    printf '| 1 KiB region | %s | %s | %s |\n' \
        "$(words "$(fig x64 bw_1k)")" "$(words "$(fig m4 bw_1k)")" "$(words "$(fig avr bw_1k)")"
    printf '| 4 KiB region | %s | %s | %s |\n' \
        "$(words "$(fig x64 bw_4k)")" "$(words "$(fig m4 bw_4k)")" "$(words "$(fig avr bw_4k)")"
    printf '| 1 MiB region | %s | %s | (no such region) |\n' \
        "$(words "$(fig x64 bw_1m)")" "$(words "$(fig m4 bw_1m)")"
} >"$tmp/rows"

if [ "$check" = no ]; then
    cat "$tmp/rows"
    exit 0
fi

status=0
while IFS= read -r row; do
    key=$(printf '%s\n' "$row" | cut -d '|' -f 2)
    # Every line of the FILEs that starts a row with this first cell (indented or
    # not, as in a list) must be this row; at least one must exist.
    lines=$(grep -Fn -- "|$key|" "$@" | grep -E '^[^:]*:[0-9]+:[[:space:]]*\|' || true)
    if [ -z "$lines" ]; then
        status=1
        echo "MISSING: no file of $* has the row"
        echo "    $row"
        continue
    fi
    bad=$(printf '%s\n' "$lines" |
        awk -v row="$row" '{ l = $0; sub(/^[^:]*:[0-9]+:[[:space:]]*/, "", l); if (l != row) print }')
    if [ -n "$bad" ]; then
        status=1
        echo "MISMATCH: the code gives"
        echo "    $row"
        echo "  but the docs say"
        printf '%s\n' "$bad" | sed 's/^/    /'
    else
        echo "ok ($(printf '%s\n' "$lines" | cut -d : -f 1,2 | tr '\n' ' ' | sed 's/ $//')): $row"
    fi
done <"$tmp/rows"
[ "$status" -eq 0 ] && echo "doc-figures: every figure matches the code"
exit "$status"
