#!/bin/sh
# The README's recipe for building chopalloc without its build system, checked as a
# firmware project would use it: the files it lists, compiled with plain flags (no
# -fno-builtin, no -ffreestanding, no generated header), must need nothing from
# outside themselves.
# SPDX-License-Identifier: MIT
#
# Usage: tools/dropin-check.sh [--strict]
#
# For each compiler and each of -O2, -O3 and -Os, in the three builds (both modes,
# -DCHOPALLOC_HAVE_BITMAP=0 and -DCHOPALLOC_HAVE_FREE_LIST=0):
#   - the sources are compiled and linked into one relocatable object, whose
#     undefined symbols must be none (nm -u);
#   - for the bare-metal compilers, tools/dropin-firmware.c, which calls every public
#     function, is linked with them with -nostdlib: no C library, no start-up code and
#     no libgcc, so any call out of the sources fails the link.
# Compilers: the host's gcc and clang; arm-none-eabi-gcc for Cortex-M0 and clang
# for the same target, where installed.  A missing one is skipped, with --strict an
# error.  Prints a line per compiler and a summary "dropin: N passed, N failed".
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
strict=no
case ${1:-} in
    --strict) strict=yes ;;
    "") ;;
    *) echo "usage: $0 [--strict]" >&2; exit 2 ;;
esac

# The README's list: every .c of src/ (with src/internal.h and src/annotate.h beside
# them) and include/ on the include path.
sources=$(cd "$srcdir" && ls src/*.c)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/chop-dropin.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0

# check NAME CC LD NM FIRMWARE: all optimisation levels and the three builds for one
# compiler; FIRMWARE is yes for a bare-metal target.
check() {
    name=$1 cc=$2 ld=$3 nm=$4 firmware=$5
    tool=${cc%% *}
    if ! command -v "$tool" > /dev/null 2>&1; then
        echo "dropin: $name: $tool not found"
        [ "$strict" = no ] || failed=$((failed + 1))
        return 0
    fi
    bad=
    for opt in -O2 -O3 -Os; do
        for modes in 11 01 10; do # bitmap, free list
            bitmap=${modes%?} free_list=${modes#?}
            dir=$tmp/$name$opt$modes
            mkdir -p "$dir"
            flags="$opt -std=c11 -Wall -Wextra -Werror -DCHOPALLOC_HAVE_BITMAP=$bitmap"
            flags="$flags -DCHOPALLOC_HAVE_FREE_LIST=$free_list -I$srcdir/include"
            objs=
            for src in $sources; do
                obj=$dir/$(basename "$src" .c).o
                # shellcheck disable=SC2086
                $cc $flags -c "$srcdir/$src" -o "$obj" || { bad="$bad $opt/compile"; continue 2; }
                objs="$objs $obj"
            done
            # shellcheck disable=SC2086
            $ld -r $objs -o "$dir/all.o"
            undefined=$($nm -u "$dir/all.o" | awk '{ print $NF }' | tr '\n' ' ')
            if [ -n "$undefined" ]; then
                echo "dropin: $name $opt bitmap=$bitmap free_list=$free_list: the sources need: $undefined" >&2
                bad="$bad $opt"
            fi
            if [ "$firmware" = yes ]; then
                # shellcheck disable=SC2086
                if ! $cc $flags -nostdlib -nostartfiles -Wl,-e,_start -o "$dir/fw.elf" \
                    "$srcdir/tools/dropin-firmware.c" $objs 2> "$dir/link.err"; then
                    sed 's/^/    /' "$dir/link.err" >&2
                    bad="$bad $opt/link"
                fi
            fi
        done
    done
    if [ -z "$bad" ]; then
        echo "dropin: $name: no undefined symbol at -O2, -O3, -Os, in the three builds"
        passed=$((passed + 1))
    else
        echo "dropin: $name: FAILED at$bad"
        failed=$((failed + 1))
    fi
}

check host-gcc gcc ld nm no
check host-clang clang ld nm no
check cortex-m0-gcc "arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb" arm-none-eabi-ld arm-none-eabi-nm yes
check cortex-m0-clang "clang --target=arm-none-eabi -mcpu=cortex-m0 -mthumb" \
    arm-none-eabi-ld arm-none-eabi-nm no

echo "dropin: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
