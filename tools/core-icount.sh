#!/bin/sh
# Instructions executed per allocator call on Cortex-M0, Cortex-M4 and RV32IMAC, counted
# under qemu (make icount runs it).
# SPDX-License-Identifier: MIT
#
# Usage: tools/core-icount.sh [--quick] [--strict] [--update FILE]
#
# For each core and both builds (bitmap, -DCHOPALLOC_HAVE_BITMAP=0) the library's
# sources are compiled as tools/rom-size.sh compiles them (-Os, -D flags, no generated
# header) and linked with tools/icount-firmware.c and picolibc (semihosting), on the
# boards of tools/run-bare-metal.sh.  qemu runs one instruction per translation block
# (-singlestep, or -accel tcg,one-insn-per-tb=on from qemu 8.1) and logs every block
# it executes (-d exec,nochain): one line per executed instruction, with its address.
# Each measured call is made from a wrapper function of its own (see the firmware);
# its count is the number of lines from the callee's entry to the first line back in
# the wrapper, whose address range nm gives: the call and all it calls, nothing of
# the measuring.  A calibration loop of 2n + 1 instructions is counted first on each
# run; any other count is an error.  On RV32, run with -icount shift=0, the minstret
# counter read around each worst-case call must also agree: the same count plus the
# call's set-up, the same for each call.
#
# Printed, as Markdown (doc/performance.md's table), per core, build and call:
#   - the median and maximum over the churn workload (CHOPALLOC_MAX_ORDER n = 32);
#   - a + b·k + c·n, fitted by least squares to the adversarial calls (one minimum
#     block allocated from a fresh heap of one block: k splits; then freed: k
#     merges) over arenas of 64 B to 1 MiB and n = 16, 24 and 32, and the largest
#     deviation of a measured call from it;
#   - for a free that merges nothing, its count with no other free block, and the
#     largest with f = 0..64 free blocks (n = 32).
# Terms whose coefficient rounds to 0, or whose variable does not vary, are left out.
# --quick: a smoke run (n = 32 only, 256 churn steps, arenas up to 16 KiB), whose
# figures are not the documented ones.
# --update FILE: also replace the table in FILE (doc/performance.md) with this one.
# A core whose compiler or qemu is missing is reported and skipped; with --strict it
# is an error.  The raw counts stay in a directory kept when ICOUNT_KEEP is set.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/.." && pwd)
quick=no
strict=no
update=
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=yes ;;
        --strict) strict=yes ;;
        --update) update=${2:?"--update needs a file"}; shift ;;
        *) echo "usage: $0 [--quick] [--strict] [--update FILE]" >&2; exit 2 ;;
    esac
    shift
done
if [ -n "$update" ] && ! grep -q '^| Core | Build | Call | Churn p50 ' "$update"; then
    echo "core-icount: $update has no table to update" >&2
    exit 2
fi

if [ "$quick" = yes ]; then
    orders=32
    steps=256 worst_shift=14
else
    orders="32 24 16"
    steps=2048 worst_shift=20
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/chop-icount.XXXXXX")
[ -n "${ICOUNT_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
[ -z "${ICOUNT_KEEP:-}" ] || echo "core-icount: the raw counts are kept in $tmp" >&2

# name|tool prefix|flags|qemu and board|memory map (tools/run-bare-metal.sh's, with
# 16 MiB of RAM on every board)
targets='Cortex-M0|arm-none-eabi-|-mcpu=cortex-m0 -mthumb|qemu-system-arm -M microbit -global nrf51-soc.flash-size=0x400000 -global nrf51-soc.sram-size=0x1000000|__flash=0 __flash_size=0x400000 __ram=0x20000000 __ram_size=0x1000000
Cortex-M4|arm-none-eabi-|-mcpu=cortex-m4 -mthumb|qemu-system-arm -M mps2-an386|__flash=0 __flash_size=0x400000 __ram=0x21000000 __ram_size=0x1000000
RV32IMAC|riscv64-unknown-elf-|-march=rv32imac -mabi=ilp32|qemu-system-riscv32 -M virt -bios none -icount shift=0|__flash=0x80000000 __flash_size=0x200000 __ram=0x80200000 __ram_size=0x1000000'

common="-Os -ffunction-sections -fdata-sections --specs=picolibc.specs
 -Wall -Wextra -Wconversion -Wshadow -Wstrict-prototypes -Werror"

# The callee each wrapper calls (icount_w_<call>_<workload>).
callee() {
    case $1 in
        icount_w_calib) echo icount_loop ;;
        icount_w_alloc_*) echo chop_try_allocate ;;
        icount_w_dealloc_*) echo chop_try_deallocate ;;
        icount_w_free_*) echo chop_free ;;
        *) echo "core-icount: unknown wrapper $1" >&2; exit 1 ;;
    esac
}

# one_insn_per_tb QEMU: its option for one instruction per translation block:
# -singlestep up to qemu 8.0 (removed in 9.0), the TCG property from 8.1.
one_insn_per_tb() {
    version=$("$1" --version | sed -n 's/^QEMU emulator version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
    # shellcheck disable=SC2086
    set -- $version
    if [ "${1:-0}" -gt 8 ] || { [ "${1:-0}" -eq 8 ] && [ "${2:-0}" -ge 1 ]; }; then
        echo "-accel tcg,one-insn-per-tb=on"
    else
        echo "-singlestep"
    fi
}

# count_calls RANGES NAME: counts the instructions of each wrapped call in a qemu
# -d exec log on stdin; prints "WRAPPER COUNT" per call, in order.  RANGES: lines
# "WRAPPER LO HI ENTRY" (hex, 8 digits, compared as strings with an x in front so
# that awk never takes them for numbers).
count_calls() {
    awk -v name="$2" '
        FNR == NR { w[n] = $1; lo[n] = "x" $2; hi[n] = "x" $3; entry[n] = "x" $4; n++; next }
        {
            # qemu logged a block, then left it before executing its instruction (an
            # exit request, the end of an -icount budget): it runs it again later.
            if ($0 ~ /^Stopped execution of TB chain before /) {
                i = index($0, "[")
                if ("x" substr($0, i + 1, 8) != last) {
                    print "core-icount: " name ": a stopped block that was not the last one logged" > "/dev/stderr"
                    exit 1
                }
                if (counted) count--
                counted = 0; last = ""
                next
            }
            if ($0 !~ /^Trace /) next
            i = index($0, "[")
            split(substr($0, i + 1), f, "/")
            pc = "x" f[2]
            last = pc; counted = 0
            if (cur >= 0) {
                if (pc >= lo[cur] && pc < hi[cur]) { print w[cur], count; cur = -1 }
                else { count++; counted = 1; next }
            } else if (in_w >= 0 && pc == entry[in_w]) {
                cur = in_w; count = 1; counted = 1; in_w = -1; next
            }
            in_w = -1
            for (j = 0; j < n; j++)
                if (pc >= lo[j] && pc < hi[j]) { in_w = j; break }
        }
        BEGIN { n = 0; cur = -1; in_w = -1; last = ""; counted = 0 }
        END { if (cur >= 0) { print "core-icount: " name ": the log ends inside a call" > "/dev/stderr"; exit 1 } }
    ' "$1" -
}

# measure NAME PREFIX FLAGS QEMU MAP BITMAP ORDER: build and run the firmware; leaves
# "CALL_WORKLOAD COUNT [PARAM [MINSTRET]]" lines in $tmp/NAME.BITMAP.ORDER, one per
# measured call, in order.
measure() {
    dir=$tmp/build.$1.$6.$7
    mkdir "$dir"
    cc="${2}gcc $3 $common -DCHOPALLOC_NO_CONFIG_H -DCHOPALLOC_HAVE_BITMAP=$6"
    cc="$cc -DCHOPALLOC_MAX_ORDER=$7 -I$srcdir/include -I$srcdir/src"
    objs=
    for src in "$srcdir"/src/*.c; do
        obj=$dir/$(basename "$src" .c).o
        $cc -c "$src" -o "$obj"
        objs="$objs $obj"
    done
    fw_flags="-DICOUNT_WORST_SHIFT=$worst_shift -DICOUNT_STEPS=$steps"
    # The churn at the default order only.
    [ "$7" = 32 ] || fw_flags="-DICOUNT_WORST_SHIFT=$worst_shift -DICOUNT_STEPS=0"
    # shellcheck disable=SC2086
    $cc $fw_flags -c "$srcdir/tools/icount-firmware.c" -o "$dir/fw.o"
    ldmap=
    for sym in $5; do ldmap="$ldmap -Wl,--defsym=$sym"; done
    # shellcheck disable=SC2086
    $cc --oslib=semihost --crt0=semihost -Wl,--gc-sections $ldmap -o "$dir/fw.elf" \
        "$dir/fw.o" $objs
    "${2}nm" -S "$dir/fw.elf" > "$dir/nm"
    : > "$dir/ranges"
    # shellcheck disable=SC2013 # symbol names: one word each
    for wrapper in $(awk '$4 ~ /^icount_w_/ { print $4 }' "$dir/nm"); do
        start=$(awk -v s="$wrapper" '$4 == s { print $1 }' "$dir/nm")
        size=$(awk -v s="$wrapper" '$4 == s { print $2 }' "$dir/nm")
        entry=$(awk -v s="$(callee "$wrapper")" '$4 == s { print $1 }' "$dir/nm")
        printf '%s %s %08x %s\n' "$wrapper" "$start" $((0x$start + 0x$size)) "$entry" \
            >> "$dir/ranges"
    done
    # The firmware's output goes to a file, the log to the pipe.
    # shellcheck disable=SC2086,SC2046 # option words
    { timeout 600 $4 $(one_insn_per_tb "${4%% *}") -display none -monitor none -serial none \
          -chardev file,id=semihosting,path="$dir/out" \
          -semihosting-config enable=on,target=native,arg=,chardev=semihosting \
          -kernel "$dir/fw.elf" -d exec,nochain -D /dev/stdout </dev/null
      echo $? > "$dir/status"; } | count_calls "$dir/ranges" "$1 bitmap=$6 order=$7" > "$dir/counts"
    if [ "$(cat "$dir/status")" != 0 ] || grep FAILED "$dir/out" >&2; then
        echo "core-icount: $1 bitmap=$6 order=$7: the firmware failed (status $(cat "$dir/status"))" >&2
        cat "$dir/out" >&2
        exit 1
    fi
    # Pair the counts with the firmware's "param CALL VALUE" lines, call by call.
    churn_steps=$steps
    [ "$7" = 32 ] || churn_steps=0
    awk -v steps="$churn_steps" '
        FNR == NR { if ($1 == "param") { i = p[$2]++; param[$2, i] = $3; extra[$2, i] = $4 }
                    next }
        {
            call = substr($1, 10) # after icount_w_
            if (call in p) { j = c[call]++; print call, $2, param[call, j], extra[call, j] }
            else print call, $2
        }
        $1 == "icount_w_alloc_churn" { allocs++ }
        END {
            if (allocs + 0 != steps) {
                printf "core-icount: %d churn allocations counted for %d steps\n", allocs, steps > "/dev/stderr"
                exit 1
            }
            for (call in p)
                if (c[call] != p[call]) {
                    printf "core-icount: %d counts of %s for %d calls\n", c[call], call, p[call] > "/dev/stderr"
                    exit 1
                }
        }
    ' "$dir/out" "$dir/counts" > "$tmp/$1.$6.$7"
    # The calibration loop: 2n + 1 instructions exactly.
    awk -v name="$1" '
        $1 == "calib" { n++; if ($2 != 2 * $3 + 1) { bad++; printf "core-icount: %s: the loop of n = %d counted %d, not %d\n", name, $3, $2, 2 * $3 + 1 > "/dev/stderr" } }
        END { exit !(n > 0 && bad == 0) }
    ' "$tmp/$1.$6.$7"
    # Under -icount (RV32), minstret around each worst-case call: the same count plus
    # the instructions that set up the call, a constant for each call.
    case $4 in
    *-icount*)
        awk -v name="$1" '
            $1 ~ /_worst$/ { d = $4 - $2
                if (!($1 in setup)) setup[$1] = d
                else if (d != setup[$1]) bad++
                if (d < 1 || d > 16) bad++ }
            END { if (bad) printf "core-icount: %s: minstret and the log disagree\n", name > "/dev/stderr"
                  exit bad != 0 }
        ' "$tmp/$1.$6.$7"
        echo "minstret" >> "$tmp/$1.instret" ;;
    esac
    sed -n 's/^churn: /  churn: /p' "$dir/out" | sed "s/^/core-icount: $1 bitmap=$6:/" >&2
}

echo "$targets" | while IFS='|' read -r name prefix flags qemu map; do
    tool=${qemu%% *}
    if ! command -v "${prefix}gcc" > /dev/null 2>&1 || ! command -v "$tool" > /dev/null 2>&1; then
        echo "core-icount: $name: ${prefix}gcc or $tool not found" >&2
        echo "$name" >> "$tmp/missing"
        continue
    fi
    for bitmap in 1 0; do
        for order in $orders; do
            measure "$name" "$prefix" "$flags" "$qemu" "$map" "$bitmap" "$order"
        done
    done
    echo "core-icount: $name: calibration loop counted exactly (2n + 1 for n = 1, 2, 7, 100, 1000)" >&2
    if [ -f "$tmp/$name.instret" ]; then
        echo "core-icount: $name: minstret under -icount shift=0 agrees with every worst-case count" >&2
    fi
done

# percentiles CALL FILE: "p50 max" of CALL's churn counts in FILE.
percentiles() {
    awk -v c="$1_churn" '$1 == c { print $2 }' "$2" | sort -n | awk '
        { v[NR] = $1 }
        END { if (NR) print v[int((NR + 1) / 2)], v[NR]; else print "-", "-" }'
}

# fit: least squares of y = c0 + c1·x1 + ... on lines "y x1 x2 ..." on stdin (all with
# the same number of fields); a variable that does not vary is left out (its
# coefficient 0).  Prints the coefficients, the largest |residual|, and the range of
# each variable as MIN..MAX.
fit() {
    awk '
        { m++; p = NF - 1
          for (j = 1; j <= p; j++) {
              x[m, j] = $(j + 1)
              if (m == 1 || $(j + 1) < lo[j]) lo[j] = $(j + 1)
              if (m == 1 || $(j + 1) > hi[j]) hi[j] = $(j + 1)
          }
          y[m] = $1 }
        END {
            # The columns of the design matrix: 1, then each variable that varies.
            q = 1; col[1] = 0
            for (j = 1; j <= p; j++) if (hi[j] > lo[j]) col[++q] = j
            for (r = 1; r <= q; r++) {
                for (c = 1; c <= q; c++) a[r, c] = 0
                a[r, q + 1] = 0
            }
            for (i = 1; i <= m; i++) {
                for (r = 1; r <= q; r++) v[r] = col[r] ? x[i, col[r]] : 1
                for (r = 1; r <= q; r++) {
                    for (c = 1; c <= q; c++) a[r, c] += v[r] * v[c]
                    a[r, q + 1] += v[r] * y[i]
                }
            }
            # Gauss-Jordan elimination with partial pivoting.
            for (c = 1; c <= q; c++) {
                piv = c
                for (r = c + 1; r <= q; r++)
                    if ((a[r, c] < 0 ? -a[r, c] : a[r, c]) > (a[piv, c] < 0 ? -a[piv, c] : a[piv, c])) piv = r
                for (k = 1; k <= q + 1; k++) { t = a[c, k]; a[c, k] = a[piv, k]; a[piv, k] = t }
                for (r = 1; r <= q; r++) {
                    if (r == c) continue
                    f = a[r, c] / a[c, c]
                    for (k = c; k <= q + 1; k++) a[r, k] -= f * a[c, k]
                }
            }
            for (j = 0; j <= p; j++) coef[j] = 0
            for (r = 1; r <= q; r++) coef[col[r]] = a[r, q + 1] / a[r, r]
            dev = 0
            for (i = 1; i <= m; i++) {
                e = y[i] - coef[0]
                for (j = 1; j <= p; j++) e -= coef[j] * x[i, j]
                if (e < 0) e = -e
                if (e > dev) dev = e
            }
            for (j = 0; j <= p; j++) printf "%.1f ", coef[j]
            printf "%.1f", dev
            for (j = 1; j <= p; j++) printf " %d..%d", lo[j], hi[j]
            printf "\n"
        }'
}

# term COEF VAR: " + COEF·VAR", nothing for 0; num: 12.0 -> 12.
num() {
    echo "$1" | sed 's/\.0$//'
}
term() {
    case $1 in
        0.0 | -0.0) ;;
        -*) printf ' − %s·%s' "$(num "${1#-}")" "$2" ;;
        *) printf ' + %s·%s' "$(num "$1")" "$2" ;;
    esac
}

print_table() {
    echo "| Core | Build | Call | Churn p50 | Churn max | Worst case (instructions) | Largest deviation |"
    echo "|------|-------|------|----------:|----------:|---------------------------|------------------:|"
    echo "$targets" | while IFS='|' read -r name rest; do
        if grep -qx "$name" "$tmp/missing" 2>/dev/null; then
            echo "| $name | | not measured | | | | |"
            continue
        fi
        for bitmap in 1 0; do
            if [ "$bitmap" = 1 ]; then build=bitmap; calls="alloc dealloc scan free"
            else build=free-list; calls="alloc dealloc scan"; fi
            for call in $calls; do
                # shellcheck disable=SC2016 # Markdown's backquotes
                case $call in
                    alloc) fn='`chop_try_allocate`' ;;
                    dealloc) fn='`chop_try_deallocate`' ;;
                    scan) fn='`chop_try_deallocate`, no merge' ;;
                    free) fn='`chop_free` (unsized)' ;;
                esac
                if [ "$call" = scan ]; then
                    # No model of how f counts (it depends on the mode's structures): the
                    # call with no other free block, and the most over f = 0..64.
                    formula=$(awk '$1 == "dealloc_scan" {
                            if ($3 == 0) base = $2
                            if ($2 > mx) mx = $2
                            if ($3 > fmax) fmax = $3 }
                        END { printf "%d (f = 0), at most %d (f ≤ %d)", base, mx, fmax }' \
                        "$tmp/$name.$bitmap.32")
                    set -- - -
                    dev=-
                else
                    # y k n, over every order's runs
                    for order in $orders; do
                        awk -v c="${call}_worst" -v n="$order" '$1 == c { print $2, $3, n }' \
                            "$tmp/$name.$bitmap.$order"
                    done > "$tmp/points"
                    # shellcheck disable=SC2046
                    set -- $(percentiles "$call" "$tmp/$name.$bitmap.32") $(fit < "$tmp/points")
                    formula="$(num "$3")$(term "$4" k)$(term "$5" n)"
                    dev=$6
                fi
                printf '| %s | %s | %s | %s | %s | %s | %s |\n' \
                    "$name" "$build" "$fn" "$1" "$2" "$formula" "$(num "$dev")"
            done
        done
    done
}

print_table > "$tmp/table"
cat "$tmp/table"
if [ -n "$update" ] && [ -s "$tmp/missing" ]; then
    echo "core-icount: $update is left alone: some cores were not measured" >&2
    exit 1
elif [ -n "$update" ]; then
    # The lines of the table, from its header to the first line that is not a row.
    awk -v table="$tmp/table" '
        !done && /^\| Core \| Build \| Call \| Churn p50 / {
            while ((getline line < table) > 0) print line
            skipping = 1; done = 1; next }
        skipping && /^\|/ { next }
        { skipping = 0; print }
    ' "$update" > "$tmp/updated"
    cat "$tmp/updated" > "$update"
    echo "core-icount: the table in $update is updated" >&2
fi
[ "$strict" = no ] || [ ! -s "$tmp/missing" ]
