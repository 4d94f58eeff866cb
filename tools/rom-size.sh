#!/bin/sh
# ROM cost of chopalloc on bare-metal targets: what chop_init, chop_try_allocate and
# chop_try_deallocate add to a firmware image; on AVR also the RAM chop_strerror()'s
# messages take, and what chop_strerror_flash() takes instead.
# SPDX-License-Identifier: MIT
#
# Usage: tools/rom-size.sh [--strict] [--budget BYTES [--enforce]]   (make size runs it)
#
# For each target and for each build (both modes, --disable-free-list, --disable-bitmap)
# the library's sources are compiled as separate objects, like libchopalloc.a, and
# linked into
# tools/rom-firmware.c with -Wl,--gc-sections and libgcc; the same firmware is linked
# again with the three functions stubbed out.  The cost is the difference in text +
# data (what goes to flash) between the two images.  The stubs are a few bytes each,
# so the figure slightly understates the library's own code.
#
# A target whose compiler is missing is reported and skipped; with --strict it is an
# error.  A one-mode build that is not smaller than the both-modes build is an error.
# --budget BYTES says whether Cortex-M4's bitmap-only build (--disable-free-list, what
# a firmware whose heaps all have bitmaps links) fits in BYTES; with --enforce, not
# fitting is an error.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
strict=no
budget=
enforce=no
while [ $# -gt 0 ]; do
    case $1 in
        --strict) strict=yes ;;
        --budget) budget=$2; shift ;;
        --enforce) enforce=yes ;;
        *) echo "usage: $0 [--strict] [--budget BYTES [--enforce]]" >&2; exit 2 ;;
    esac
    shift
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/chop-rom.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# name|tool prefix|flags
targets='Cortex-M0|arm-none-eabi-|-mcpu=cortex-m0 -mthumb
Cortex-M4|arm-none-eabi-|-mcpu=cortex-m4 -mthumb
RV32IMAC|riscv64-unknown-elf-|-march=rv32imac -mabi=ilp32
ATmega2560|avr-|-mmcu=atmega2560'

common="-Os -ffunction-sections -fdata-sections -ffreestanding
 -Wall -Wextra -Wconversion -Wshadow -Wstrict-prototypes -Werror"

# The builds as "BITMAP FREE_LIST" (the two macros' values).
both='1 1'
bitmap_only='1 0'
free_list_only='0 1'

# link PREFIX FLAGS BUILD STUBS [CFLAGS]: links the firmware as $dir/fw.elf.
link() {
    set -- "$1" "$2" "${3% *}" "$4" "${5:-}" "${3#* }"
    dir=$tmp/build.$$.$3$6.$4
    rm -rf "$dir"; mkdir "$dir"
    # The build is chosen with -D, as without configure: no generated header is read.
    cc="${1}gcc $2 $common $5 -DCHOPALLOC_NO_CONFIG_H -DCHOPALLOC_HAVE_BITMAP=$3"
    cc="$cc -DCHOPALLOC_HAVE_FREE_LIST=$6"
    cc="$cc -I$srcdir/include -I$srcdir/src"
    objs=
    if [ "$4" = 1 ]; then
        $cc -DCHOP_ROM_STUBS -c "$srcdir/tools/rom-firmware.c" -o "$dir/fw.o"
    else
        $cc -c "$srcdir/tools/rom-firmware.c" -o "$dir/fw.o"
        for src in "$srcdir"/src/*.c; do
            obj=$dir/$(basename "$src" .c).o
            $cc -c "$src" -o "$obj"
            objs="$objs $obj"
        done
    fi
    # shellcheck disable=SC2086
    $cc -nostdlib -nostartfiles -Wl,--gc-sections -Wl,-e,_start \
        -o "$dir/fw.elf" "$dir/fw.o" $objs -lgcc
}

# image_size PREFIX FLAGS BUILD STUBS: text + data (flash) of the linked firmware.
image_size() {
    link "$@"
    "${1}size" -B "$dir/fw.elf" | awk 'NR == 2 { print $1 + $2 }'
}

# ram_flash PREFIX FLAGS CFLAGS: "RAM flash" (data + bss, text + data) of the bitmap
# firmware with those extra flags.
ram_flash() {
    link "$1" "$2" "$both" 0 "$3"
    "${1}size" -B "$dir/fw.elf" | awk 'NR == 2 { print $2 + $3, $1 + $2 }'
}

results=$tmp/results
: > "$results"
echo "$targets" | while IFS='|' read -r name prefix flags; do
    if ! command -v "${prefix}gcc" > /dev/null 2>&1; then
        echo "$name - -" >> "$results"
        continue
    fi
    # cost BUILD: what the three calls add to the image in that build.
    cost() {
        echo $(($(image_size "$prefix" "$flags" "$1" 0) - $(image_size "$prefix" "$flags" "$1" 1)))
    }
    echo "$name $(cost "$both") $(cost "$bitmap_only") $(cost "$free_list_only")" >> "$results"
done

echo "| Target (-Os)   | both modes, bitmap heap | \`--disable-free-list\` | \`--disable-bitmap\` |"
echo "|----------------|------------------------:|----------------------:|-------------------:|"
status=0
while read -r name both_cost bitmap_cost free_list_cost; do
    if [ "$both_cost" = - ]; then
        echo "| $name | not measured | not measured | not measured |"
        echo "rom-size: $name: compiler not found" >&2
        [ "$strict" = no ] || status=1
        continue
    fi
    printf '| %-14s | %21d B | %19d B | %16d B |\n' "$name" "$both_cost" "$bitmap_cost" \
        "$free_list_cost"
    for one in "--disable-free-list $bitmap_cost" "--disable-bitmap $free_list_cost"; do
        set -- $one
        if [ "$2" -ge "$both_cost" ]; then
            echo "rom-size: $name: $1 ($2 B) is not smaller than both modes ($both_cost B)" >&2
            status=1
        fi
    done
    if [ "$name" = Cortex-M4 ] && [ -n "$budget" ]; then
        if [ "$bitmap_cost" -le "$budget" ]; then
            verdict="within the budget of $budget B"
        else
            verdict="OVER the budget of $budget B by $((bitmap_cost - budget)) B"
            [ "$enforce" = no ] || status=1
        fi
    fi
done < "$results"
[ -z "${verdict:-}" ] || echo "Cortex-M4 --disable-free-list build: $verdict"

# AVR keeps constant data in RAM: what the messages cost there, either way.
if command -v avr-gcc > /dev/null 2>&1; then
    avr=-mmcu=atmega2560
    set -- $(ram_flash avr- "$avr" "") $(ram_flash avr- "$avr" -DCHOP_ROM_STRERROR=1) \
        $(ram_flash avr- "$avr" -DCHOP_ROM_STRERROR=2)
    echo
    echo "| ATmega2560 messages     |   RAM |  flash |"
    echo "|-------------------------|------:|-------:|"
    printf '| %-23s | %3d B | %4d B |\n' "\`chop_strerror()\`" $(($3 - $1)) $(($4 - $2))
    printf '| %-23s | %3d B | %4d B |\n' "\`chop_strerror_flash()\`" $(($5 - $1)) $(($6 - $2))
elif [ "$strict" = yes ]; then
    echo "rom-size: ATmega2560 messages: avr-gcc not found" >&2
    status=1
fi
exit $status
