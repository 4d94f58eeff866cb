#!/bin/sh
# Runs one bare-metal test program under qemu system emulation, for configure's
# TEST_EMULATOR (make check runs it as LOG_COMPILER, the shell tests call it):
#   run-bare-metal.sh TARGET PROGRAM [ARG...]
# TARGET and the memory map the program must be linked for (picolibc's picolibc.ld,
# set with -Wl,--defsym=...; README "Embedded targets" has the configure commands):
#   cortex-m0  qemu-system-arm -M microbit (nRF51, a real Cortex-M0: ARMv6-M only,
#              unaligned accesses fault), its RAM and flash enlarged:
#              __flash=0 (4 MiB), __ram=0x20000000 (16 MiB)
#   cortex-m3  qemu-system-arm -M mps2-an385: __flash=0 (4 MiB),
#              __ram=0x21000000 (16 MiB)
#   cortex-m4  qemu-system-arm -M mps2-an386: the same map as cortex-m3
#   rv32       qemu-system-riscv32 -M virt -bios none (128 MiB of RAM at 0x80000000):
#              __flash=0x80000000 (2 MiB), __ram=0x80200000 (up to 126 MiB)
# The program talks to the host by semihosting (picolibc --oslib=semihost
# --crt0=semihost): its stdout and stderr both reach our stdout, and its exit
# status is ours.  A fault ends it with a non-zero status (picolibc's handlers:
# 1 on Arm, after printing the registers, 255 on RISC-V); a program that hangs is
# killed after RUN_BARE_METAL_TIMEOUT seconds (default 300), status 124.
# SPDX-License-Identifier: MIT
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 cortex-m0|cortex-m3|cortex-m4|rv32 PROGRAM [ARG...]" >&2
    exit 99
fi
target=$1 prog=$2
shift 2

# RUN_BARE_METAL_SKIP: names of programs not to run (say "test_random", which takes
# about two minutes under qemu): each is reported as one TAP SKIP instead.
for name in ${RUN_BARE_METAL_SKIP:-}; do
    if [ "$name" = "$(basename "$prog")" ]; then
        echo "1..0 # SKIP $name: in RUN_BARE_METAL_SKIP, not run under qemu"
        exit 0
    fi
done

# The board (qemu words without spaces, so one unquoted string).
case $target in
cortex-m0) qemu="qemu-system-arm -M microbit -global nrf51-soc.flash-size=0x400000
                 -global nrf51-soc.sram-size=0x1000000" ;;
cortex-m3) qemu="qemu-system-arm -M mps2-an385" ;;
cortex-m4) qemu="qemu-system-arm -M mps2-an386" ;;
rv32)      qemu="qemu-system-riscv32 -M virt -bios none" ;;
*) echo "$0: unknown target '$target'" >&2; exit 99 ;;
esac

# The semihosting command line.  picolibc's crt0 puts "program-name" in argv[0]
# itself and splits the rest at spaces, so it gets the arguments only (an empty
# arg= makes argc 1; with no arg= at all, qemu would pass the file name).  Commas
# are doubled for qemu's option syntax; an argument with a space cannot be passed.
config=enable=on,target=native
[ $# -gt 0 ] || config=$config,arg=
for a in "$@"; do
    case $a in
    *' '*) echo "$0: cannot pass an argument with a space: '$a'" >&2; exit 99 ;;
    esac
    config=$config,arg=$(printf '%s\n' "$a" | sed 's/,/,,/g')
done

# No display, monitor or serial port: semihosting is the only way out.  qemu 7.2
# writes the program's stdout and stderr both to its console: the stdio chardev
# makes that our stdout, where make check's TAP driver reads it (qemu's own
# messages stay on stderr).  Nothing reads stdin.
# shellcheck disable=SC2086 # $qemu is split into words on purpose
exec timeout --foreground "${RUN_BARE_METAL_TIMEOUT:-300}" $qemu -display none \
    -monitor none -serial none -chardev stdio,id=semihosting,signal=off \
    -semihosting-config "$config,chardev=semihosting" -kernel "$prog" </dev/null
