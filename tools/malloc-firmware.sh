#!/bin/sh
# libchopalloc-malloc in real firmware under qemu: tests/firmware/malloc_firmware
# (the C library's stdio, strdup and qsort on allocated arrays, C and POSIX
# semantics, refused frees; C++ containers, new and std::bad_alloc where the C++
# library is there) built for newlib and picolibc, run with tools/run-bare-metal.sh,
# and its output compared with tests/firmware/malloc_firmware.expected.
# `make check-malloc-firmware` runs it; .ci/embedded runs it with --strict.
# SPDX-License-Identifier: MIT
#
# Usage: tools/malloc-firmware.sh [--strict]
#
# Built with the cross compilers straight from the sources (the configured build's
# compiler plays no part):
#   cortex-m4-newlib       newlib + rdimon (semihosting), C and C++, the shim and the
#                          library compiled into the firmware, tests/firmware's own
#                          vector table and linker script (CMSIS heap symbols
#                          __HeapBase/__HeapLimit), newlib's __malloc_lock() as the lock
#   cortex-m0-newlib-nano  the same with newlib-nano (--specs=nano.specs), Cortex-M0,
#                          and an older CMSIS script's heap (__end__/__HeapLimit);
#                          its C++ library has no exceptions, so no std::bad_alloc
#   cortex-m4-picolibc     picolibc's crt0 and picolibc.ld (__heap_start/__heap_end),
#   cortex-m0-picolibc     C and C++, linked against libchopalloc-malloc.a and
#                          libchopalloc.a as a firmware links the installed ones; the
#                          shim's lock hooks, or on Cortex-M0 the default one through
#                          picolibc's retargetable locks
#   rv32imac-picolibc      the same in C: Debian has no C++ library for picolibc on RISC-V
# Each passes three points: the C library's own malloc is not linked in, the firmware
# exits 0, and its output is the expected text.  Each prints
#   malloc-firmware-NAME: N passed, N failed, N skipped
# Without a tool the script exits 77 (skipped); with --strict, 1.
# MALLOC_FIRMWARE_KEEP=1 keeps the build directory (its name is in the diff headers).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
fw=$srcdir/tests/firmware
strict=no
case ${1:-} in
    --strict) strict=yes ;;
    "") ;;
    *) echo "usage: $0 [--strict]" >&2; exit 2 ;;
esac

missing() {
    echo "malloc-firmware: $1 (Debian: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi" \
        "libstdc++-arm-none-eabi-newlib picolibc-arm-none-eabi libstdc++-arm-none-eabi-picolibc" \
        "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-arm qemu-system-misc)" >&2
    [ "$strict" = yes ] && exit 1
    echo "malloc-firmware: SKIP"
    exit 77
}
for tool in arm-none-eabi-gcc arm-none-eabi-g++ arm-none-eabi-ar arm-none-eabi-nm \
            riscv64-unknown-elf-gcc riscv64-unknown-elf-ar riscv64-unknown-elf-nm \
            qemu-system-arm qemu-system-riscv32; do
    command -v "$tool" > /dev/null 2>&1 || missing "$tool not found"
done
for specs in rdimon.specs picolibc.specs picolibcpp.specs; do
    [ "$(arm-none-eabi-gcc -print-file-name=$specs)" != $specs ] || missing "no $specs for arm-none-eabi"
done
for variant in "" --specs=picolibcpp.specs; do
    lib=$(arm-none-eabi-g++ -mcpu=cortex-m4 -mthumb $variant -print-file-name=libstdc++.a)
    [ "$lib" != libstdc++.a ] || missing "no libstdc++.a for arm-none-eabi ${variant:-newlib}"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/chop-malloc-fw.XXXXXX")
[ -n "${MALLOC_FIRMWARE_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT

warn="-Wall -Wextra -Werror"
cwarn="$warn -Wconversion -Wshadow -Wstrict-prototypes"
includes="-I$srcdir/include -I$fw -DCHOPALLOC_HAVE_BITMAP=1"
pico_arm_ld="--oslib=semihost --crt0=semihost -Wl,--defsym=__flash=0 -Wl,--defsym=__flash_size=0x400000"
total_failed=0

# The symbols by which the C libraries' own malloc would show in a firmware.
libc_malloc_symbols='^(__malloc_av_|__malloc_free_list|__malloc_sbrk_start|__malloc_sbrk_base|_malloc_trim_r|__malloc_current_mallinfo)$'

# expected TAG...: the expected output of a build with these tags.
expected() {
    awk -v tags="|$(IFS='|'; echo "$*")|" '
        /^#/ { next }
        /^\[/ { tag = substr($0, 2, index($0, "]") - 2)
                if (index(tags, "|" tag "|")) print substr($0, length(tag) + 4)
                next }
        { print }' "$fw/malloc_firmware.expected"
}

# run NAME BOARD ELF NM TAG...: the three points for a linked firmware.
run() {
    name=$1 board=$2 elf=$3 nm=$4 p=0 f=0 status=0
    shift 4
    if "$nm" "$elf" | awk '{ print $NF }' | grep -Eq "$libc_malloc_symbols"; then
        echo "not ok - $name: the C library's malloc is linked in:"
        "$nm" "$elf" | awk '{ print $NF }' | grep -E "$libc_malloc_symbols"
        f=$((f + 1))
    else
        echo "ok - $name: only the shim's malloc is linked"
        p=$((p + 1))
    fi
    "$srcdir/tools/run-bare-metal.sh" "$board" "$elf" > "$tmp/$name.out" 2>&1 || status=$?
    if [ "$status" -eq 0 ]; then
        echo "ok - $name: exit status 0"
        p=$((p + 1))
    else
        echo "not ok - $name: exit status $status"
        f=$((f + 1))
    fi
    expected "$@" > "$tmp/$name.expected"
    if diff -u "$tmp/$name.expected" "$tmp/$name.out" > "$tmp/$name.diff"; then
        echo "ok - $name: the output is the expected $(wc -l < "$tmp/$name.out") lines"
        p=$((p + 1))
    else
        echo "not ok - $name: the output differs from the expected text:"
        cat "$tmp/$name.diff"
        f=$((f + 1))
    fi
    echo "malloc-firmware-$name: $p passed, $f failed, 0 skipped"
    [ "$f" -eq 0 ]
}

# compile_core DIR CC FLAGS...: the library's sources and the shim into DIR, with
# libchopalloc.a and libchopalloc-malloc.a made from them as the build installs them.
compile_core() {
    dir=$1 cc=$2
    shift 2
    mkdir -p "$dir/core"
    for src in "$srcdir"/src/*.c; do
        # shellcheck disable=SC2086
        "$cc" "$@" $cwarn $includes -c "$src" -o "$dir/core/$(basename "$src" .c).o"
    done
    # shellcheck disable=SC2086
    "$cc" "$@" $cwarn $includes -c "$srcdir/malloc/chopalloc_malloc.c" -o "$dir/shim.o"
    "${cc%gcc}ar" rcs "$dir/libchopalloc.a" "$dir"/core/*.o
    "${cc%gcc}ar" rcs "$dir/libchopalloc-malloc.a" "$dir/shim.o"
}

# The firmware's own objects: CC, CXX (empty for C only), the heap symbols, flags.
compile_firmware() {
    dir=$1 cc=$2 cxx=$3 start=$4 end=$5
    shift 5
    # shellcheck disable=SC2086
    "$cc" "$@" $warn -fno-builtin $includes ${cxx:+-DFIRMWARE_CXX} -DHEAP_START="$start" \
        -DHEAP_END="$end" -c "$fw/malloc_firmware.c" -o "$dir/firmware.o"
    if [ -n "$cxx" ]; then
        # shellcheck disable=SC2086
        "$cxx" "$@" $warn -std=c++17 -fno-allocation-dce $includes \
            -c "$fw/malloc_firmware_cxx.cpp" -o "$dir/firmware_cxx.o"
    fi
}

# newlib NAME BOARD RAM THROW START CPU-FLAGS...: newlib and rdimon, our startup and
# linker script, the shim and the library as objects; THROW "yes" when the C++ library
# has exceptions; START the heap's first symbol, __HeapBase or (an older CMSIS script,
# without __HeapBase) __end__.
newlib() {
    name=$1 board=$2 ram=$3 throw=$4 start=$5 no_heapbase=
    shift 5
    [ "$start" = __HeapBase ] || no_heapbase=-Wl,--defsym=NO_HEAPBASE=1
    dir=$tmp/$name
    set -- "$@" -Os -g -ffunction-sections -fdata-sections --specs=rdimon.specs
    compile_core "$dir" arm-none-eabi-gcc "$@"
    if [ "$throw" = yes ]; then
        tags="newlib|c++|c++ throw"
    else
        tags="newlib|c++"
        set -- "$@" -DFIRMWARE_CXX_NO_THROW
    fi
    compile_firmware "$dir" arm-none-eabi-gcc arm-none-eabi-g++ "$start" __HeapLimit "$@"
    # shellcheck disable=SC2086
    arm-none-eabi-gcc "$@" $cwarn -c "$fw/newlib_startup.c" -o "$dir/startup.o"
    # -u _printf_float: newlib-nano's printf has %f only on request.
    arm-none-eabi-g++ "$@" -u _printf_float -nostartfiles -T "$fw/newlib_cortex_m.ld" -Wl,--defsym=RAM_ORIGIN="$ram" \
        $no_heapbase -Wl,--gc-sections -o "$dir/firmware.elf" "$dir/startup.o" "$dir/firmware.o" \
        "$dir/firmware_cxx.o" "$dir/shim.o" "$dir/libchopalloc.a"
    # shellcheck disable=SC2086 # the tags are split at "|" on purpose
    (IFS="|"; run "$name" "$board" "$dir/firmware.elf" arm-none-eabi-nm $tags) ||
        total_failed=$((total_failed + 1))
}

# picolibc NAME BOARD CC CXX LDFLAGS CPU-FLAGS...: picolibc's crt0 and picolibc.ld, the
# firmware linked against the two archives (the shim's whole, see doc/porting.md).
picolibc() {
    name=$1 board=$2 cc=$3 cxx=$4 ldflags=$5
    shift 5
    dir=$tmp/$name
    set -- "$@" -Os -g -ffunction-sections -fdata-sections
    compile_core "$dir" "$cc" "$@" --specs=picolibc.specs
    if [ -n "$cxx" ]; then
        compile_firmware "$dir" "$cc" "$cxx" __heap_start __heap_end "$@" --specs=picolibcpp.specs
        link=$cxx objects="$dir/firmware.o $dir/firmware_cxx.o" specs=--specs=picolibcpp.specs
        tags="c++|c++ throw"
    else
        compile_firmware "$dir" "$cc" "" __heap_start __heap_end "$@" --specs=picolibc.specs
        link=$cc objects=$dir/firmware.o specs=--specs=picolibc.specs
        tags=
    fi
    # shellcheck disable=SC2086
    "$link" "$@" $specs $ldflags -Wl,--gc-sections -o "$dir/firmware.elf" $objects \
        -L"$dir" -Wl,--whole-archive -lchopalloc-malloc -Wl,--no-whole-archive -lchopalloc
    # shellcheck disable=SC2086 # the tags are split at "|" on purpose
    (IFS='|'; run "$name" "$board" "$dir/firmware.elf" "${cc%gcc}nm" $tags) ||
        total_failed=$((total_failed + 1))
}

newlib cortex-m4-newlib cortex-m4 0x21000000 yes __HeapBase -mcpu=cortex-m4 -mthumb
newlib cortex-m0-newlib-nano cortex-m0 0x20000000 no __end__ -mcpu=cortex-m0 -mthumb --specs=nano.specs
picolibc cortex-m4-picolibc cortex-m4 arm-none-eabi-gcc arm-none-eabi-g++ \
    "$pico_arm_ld -Wl,--defsym=__ram=0x21000000 -Wl,--defsym=__ram_size=0x1000000" \
    -mcpu=cortex-m4 -mthumb
picolibc cortex-m0-picolibc cortex-m0 arm-none-eabi-gcc arm-none-eabi-g++ \
    "$pico_arm_ld -Wl,--defsym=__ram=0x20000000 -Wl,--defsym=__ram_size=0x1000000" \
    -mcpu=cortex-m0 -mthumb -DFIRMWARE_PICOLIBC_LOCKS
picolibc rv32imac-picolibc rv32 riscv64-unknown-elf-gcc "" \
    "--oslib=semihost --crt0=semihost -Wl,--defsym=__flash=0x80000000 -Wl,--defsym=__flash_size=0x200000 -Wl,--defsym=__ram=0x80200000 -Wl,--defsym=__ram_size=0x800000" \
    -march=rv32imac -mabi=ilp32

[ "$total_failed" -eq 0 ]
