#!/bin/sh
# ROM cost of chopalloc on bare-metal targets: what chop_init, chop_try_allocate and
# chop_try_deallocate add to a firmware image; on AVR also the RAM chop_strerror()'s
# messages take, and what chop_strerror_flash() takes instead.
# SPDX-License-Identifier: MIT
#
# Usage: tools/rom-size.sh [--strict] [--budget BYTES [--enforce]]   (make size runs it)
#
# For each target and for both builds (bitmap, --disable-bitmap) the library's sources
# are compiled as separate objects, like libchopalloc.a, and linked into
# tools/rom-firmware.c with -Wl,--gc-sections and libgcc; the same firmware is linked
# again with the three functions stubbed out.  The cost is the difference in text +
# data (what goes to flash) between the two images.  The stubs are a few bytes each,
# so the figure slightly understates the library's own code.
#
# A target whose compiler is missing is reported and skipped; with --strict it is an
# error.  A --disable-bitmap build that is not smaller than its bitmap build is an
# error.  --budget BYTES says whether Cortex-M4 in bitmap mode fits in BYTES; with
# --enforce, not fitting is an error.
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

# link PREFIX FLAGS BITMAP STUBS [CFLAGS]: links the firmware as $dir/fw.elf.
link() {
    dir=$tmp/build.$$.$3.$4
    rm -rf "$dir"; mkdir "$dir"
    # The build is chosen with -D, as without configure: no generated header is read.
    cc="${1}gcc $2 $common ${5:-} -DCHOPALLOC_NO_CONFIG_H -DCHOPALLOC_HAVE_BITMAP=$3"
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

# image_size PREFIX FLAGS BITMAP STUBS: text + data (flash) of the linked firmware.
image_size() {
    link "$@"
    "${1}size" -B "$dir/fw.elf" | awk 'NR == 2 { print $1 + $2 }'
}

# ram_flash PREFIX FLAGS CFLAGS: "RAM flash" (data + bss, text + data) of the bitmap
# firmware with those extra flags.
ram_flash() {
    link "$1" "$2" 1 0 "$3"
    "${1}size" -B "$dir/fw.elf" | awk 'NR == 2 { print $2 + $3, $1 + $2 }'
}

results=$tmp/results
: > "$results"
echo "$targets" | while IFS='|' read -r name prefix flags; do
    if ! command -v "${prefix}gcc" > /dev/null 2>&1; then
        echo "$name - -" >> "$results"
        continue
    fi
    cost1=$(($(image_size "$prefix" "$flags" 1 0) - $(image_size "$prefix" "$flags" 1 1)))
    cost0=$(($(image_size "$prefix" "$flags" 0 0) - $(image_size "$prefix" "$flags" 0 1)))
    echo "$name $cost1 $cost0" >> "$results"
done

echo "| Target (-Os)   | bitmap | \`--disable-bitmap\` |"
echo "|----------------|-------:|-------------------:|"
status=0
while read -r name cost1 cost0; do
    if [ "$cost1" = - ]; then
        echo "| $name | not measured | not measured |"
        echo "rom-size: $name: compiler not found" >&2
        [ "$strict" = no ] || status=1
        continue
    fi
    printf '| %-14s | %4d B | %16d B |\n' "$name" "$cost1" "$cost0"
    if [ "$cost0" -ge "$cost1" ]; then
        echo "rom-size: $name: --disable-bitmap ($cost0 B) is not smaller than bitmap ($cost1 B)" >&2
        status=1
    fi
    if [ "$name" = Cortex-M4 ] && [ -n "$budget" ]; then
        if [ "$cost1" -le "$budget" ]; then
            verdict="within the budget of $budget B"
        else
            verdict="OVER the budget of $budget B by $((cost1 - budget)) B"
            [ "$enforce" = no ] || status=1
        fi
    fi
done < "$results"
[ -z "${verdict:-}" ] || echo "Cortex-M4 bitmap build: $verdict"

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
