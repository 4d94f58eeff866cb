#!/bin/sh
# tests/test_small.c on an 8-bit AVR (ATmega2560: 8 KiB of RAM, 16-bit size_t and
# pointers) under simavr, with and without the bitmap.  `make check-avr` runs it.
# SPDX-License-Identifier: MIT
#
# Usage: tools/avr-check.sh [--strict]
#
# The library, the test and tests/avr/glue.c are built with avr-gcc straight from the
# sources (the configured build's compiler plays no part).  The glue sends stdout to
# UART0; simavr prints each line the firmware writes there on its standard error, in
# colour and with the newline shown as '.', which is undone here to recover the TAP
# stream.  A TAP consumer then counts it: the run passes only with a plan, as many
# results as planned, no "not ok" and no "Bail out!".  Each build prints
#   avr-atmega2560-bitmap: N passed, N failed, N skipped
# Without avr-gcc or simavr the script exits 77 (skipped); with --strict, 1.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
strict=no
case ${1:-} in
    --strict) strict=yes ;;
    "") ;;
    *) echo "usage: $0 [--strict]" >&2; exit 2 ;;
esac

MCU=${AVR_MCU:-atmega2560}
TIMEOUT=${AVR_TIMEOUT:-180}

for tool in avr-gcc avr-size simavr; do
    if ! command -v "$tool" > /dev/null 2>&1; then
        echo "avr-check: $tool not found (Debian: apt-get install gcc-avr avr-libc simavr)" >&2
        [ "$strict" = yes ] && exit 1
        echo "avr-check: SKIP"
        exit 77
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/chop-avr.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The avr-libc printf has no %zu or %lld (tests/tap.c does without) and every string
# literal lives in RAM, so the TAP lines are kept short.
cflags="-mmcu=$MCU -Os -std=gnu11 -ffunction-sections -fdata-sections -fno-builtin
 -Wall -Wextra -Wconversion -Wshadow -Wstrict-prototypes -Werror -DTAP_LINE_MAX=96"

# tap_count FILE: "passed failed skipped" for a TAP stream; a missing or unmet plan
# or a bail-out counts as one more failure.
tap_count() {
    awk '
        /^1\.\.[0-9]+/   { plan = substr($0, 4) + 0; planned = 1; next }
        /^not ok/        { n++; failed++; next }
        /^ok/            { n++; if ($0 ~ /# [Ss][Kk][Ii][Pp]/) skipped++; else passed++; next }
        /^Bail out!/     { bail = 1 }
        END {
            if (!planned || plan != n || bail) failed++
            printf "%d %d %d\n", passed, failed, skipped
        }' "$1"
}

status=0
for bitmap in 1 0; do
    name=avr-$MCU-$( [ $bitmap = 1 ] && echo bitmap || echo no-bitmap )
    dir=$tmp/$name
    mkdir -p "$dir"
    # The build is chosen with -D, as without configure: no generated header is read.
    # shellcheck disable=SC2086
    avr-gcc $cflags -DCHOPALLOC_NO_CONFIG_H -DCHOPALLOC_HAVE_BITMAP=$bitmap \
        -I"$srcdir/include" -Wl,--gc-sections -o "$dir/test_small.elf" \
        "$srcdir"/src/*.c "$srcdir/tests/test_small.c" "$srcdir/tests/tap.c" "$srcdir/tests/testlib.c" \
        "$srcdir/tests/avr/glue.c"
    ram=$(avr-size "$dir/test_small.elf" | awk 'NR == 2 { print $2 + $3 }')
    echo "# $name: $ram bytes of static RAM (data + bss)"

    rc=0
    timeout "$TIMEOUT" simavr -m "$MCU" -f 16000000 "$dir/test_small.elf" \
        > "$dir/simavr.out" 2> "$dir/simavr.err" || rc=$?
    # Undo simavr's colours and its '.' for the newline; keep the TAP lines.
    sed 's/\x1b\[[0-9;]*m//g' "$dir/simavr.err" |
        sed -n '/^\(ok\|not ok\|1\.\.\|#\|Bail out!\)/{s/\.$//;p}' > "$dir/tap"
    grep -v '^ok' "$dir/tap" | sed "s/^/# $name: /" || true
    if [ "$rc" -ne 0 ]; then
        echo "# $name: simavr exited with status $rc"
        echo "Bail out! simavr exited with status $rc" >> "$dir/tap"
    fi
    # The program must have run the build it is named after: a --disable-bitmap
    # library skips bitmap mode, saying so, and a bitmap one does not.
    built=bitmap
    if grep -q '# SKIP bitmap mode: library built with --disable-bitmap' "$dir/tap"; then
        built=no-bitmap
    fi
    if [ "$name" != "avr-$MCU-$built" ]; then
        echo "Bail out! $name ran a $built build" >> "$dir/tap"
    fi
    read -r p f s <<EOF
$(tap_count "$dir/tap")
EOF
    echo "$name: $p passed, $f failed, $s skipped"
    [ "$f" -eq 0 ] || status=1
done
exit $status
