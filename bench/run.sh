#!/bin/sh
# bench/run.sh: what `make bench` runs, from the top of a configured build tree.
#
#   1. bench/bench in this build: churn, latency, fill/drain, fragmentation, scaling
#      with the arena, glibc malloc alongside in the same run, and o1heap and TLSF when
#      configure was given them (--with-o1heap, --with-tlsf); Lua behind lua_newstate()
#      when configure found Lua 5.4;
#   2. instruction counts per call under callgrind (valgrind), machine-independent;
#   3. unless BENCH_QUICK: builds of this source tree with --with-max-order=N for N in
#      BENCH_ORDERS, and one with the memcheck hooks (--enable-valgrind=yes), in
#      BENCH_OUT/build-*, each running the sections that depend on that choice;
#   4. unless BENCH_QUICK: the churn section again in BENCH_CHURN_RUNS - 1 fresh
#      processes, and the median over all of them;
#   5. real programs (tests/preload/) timed with and without libchopalloc-preload.so,
#      when this build has it;
#   6. plots with gnuplot, when it is installed;
#   7. the targets set for the allocator, each with its figure: met or not met.
#
# Output: Markdown on stdout, BENCH_OUT/bench.csv, BENCH_OUT/*.png.
# Environment (set by Makefile.am): top_srcdir, LIBTOOL, BENCH_OUT, BENCH_QUICK,
# BENCH_ORDERS, BENCH_CHURN_RUNS, CC, CFLAGS, VALGRIND, GNUPLOT.
set -eu

srcdir=${top_srcdir:?}
out=${BENCH_OUT:-bench-out}
quick=${BENCH_QUICK:-}
[ "$quick" = 0 ] && quick=
orders=${BENCH_ORDERS:-16 24 40}
churn_runs=${BENCH_CHURN_RUNS:-5}
libtool=${LIBTOOL:-./libtool}
valgrind=${VALGRIND:-}
gnuplot=${GNUPLOT:-gnuplot}

mkdir -p "$out"
out=$(cd "$out" && pwd)
srcdir=$(cd "$srcdir" && pwd)
csv=$out/bench.csv
echo "section,variant,allocator,metric,param,value" > "$csv"
qflag=
[ -n "$quick" ] && qflag=--quick

run() { # run BUILD-DIR ARGS...: bench/bench of that build
    dir=$1
    shift
    (cd "$dir" && $libtool --mode=execute ./bench/bench $qflag --csv "$csv" "$@")
}

hooks=$(sed -n 's/^CHOP_VALGRIND_CPPFLAGS = //p' Makefile)
echo "## chopalloc benchmarks"
echo
echo "Machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
     "$(nproc) CPUs; $(${CC:-cc} --version | head -n 1); CFLAGS: ${CFLAGS:-}."
echo "Library: this build's src/libchopalloc (shared), CHOPALLOC_MAX_ORDER default," \
     "memcheck hooks: ${hooks:-off}."
if [ -n "$hooks" ]; then
    echo
    echo "**Note:** this build has the memcheck hooks; configure without --enable-valgrind" \
         "for release figures."
fi
echo
echo "What the figures depend on: times (ns, TSC ticks) depend on this machine's processor,"
echo "caches and memory, on its load while the benchmark ran (on a shared or virtual machine"
echo "they move by several per cent from run to run), on the compiler and flags above and,"
echo "for malloc, on the C library's version; compare allocators within one run, not"
echo "across machines.  Instruction counts (callgrind) depend only on the code, the"
echo "compiler and the flags, not on the machine or its load.  Memory figures (arena used,"
echo "fragmentation) depend only on the workloads, which use fixed seeds."
[ -n "$quick" ] && { echo; echo "BENCH_QUICK: small counts, a smoke run; the figures are rough."; }

run . --variant release --outdir "$out"

# The allocators this build of bench/bench has (glibc malloc, chopalloc's kinds, and
# o1heap and TLSF when configure was given them).
kinds=$($libtool --mode=execute ./bench/bench --list-kinds | tr '\n' ' ')
has_kind() { case " $kinds " in *" $1 "*) return 0 ;; esac; return 1; }

# churn_median [KIND [METRIC]]: "median count lowest highest" of KIND's churn ratio
# (METRIC: vs_malloc, or vs_o1heap) over the processes that ran it (the main run and
# any churn-N runs); KIND is chopalloc's bitmap mode unless given.
churn_median() {
    awk -F, -v kind="${1:-chop-bitmap}" -v metric="${2:-vs_malloc}" '
        $1 == "churn" && ($2 == "release" || $2 ~ /^churn-/) && $3 == kind &&
            $4 == metric && $5 == "" { r[++n] = $6 }
        END {
            if (n == 0) exit
            for (i = 2; i <= n; i++) # insertion sort, n is small
                for (j = i; j > 1 && r[j - 1] > r[j]; j--) { t = r[j]; r[j] = r[j - 1]; r[j - 1] = t }
            med = (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
            print med, n, r[1], r[n]
        }' "$csv"
}

# --- churn in more processes ------------------------------------------------------------
# The churn ratio moves by a few per cent from one process to the next (where the arena
# and malloc's heap land in physical memory), more than between the turns of one run,
# so one process's figure is a sample, not the answer.  They run right after the main
# run, so that all of them see the machine as nearly alike as it allows.
if [ -z "$quick" ] && [ "$churn_runs" -gt 1 ]; then
    i=2
    while [ "$i" -le "$churn_runs" ]; do
        run . --variant "churn-$i" --section churn >/dev/null
        i=$((i + 1))
    done
    echo
    echo "### Churn in $churn_runs processes"
    echo
    echo "The churn section in fresh processes (the first is the run above): ns per step"
    echo "of glibc malloc, of chopalloc's bitmap mode with the sized calls and with"
    echo "chop_malloc/chop_free (unsized)$(has_kind o1heap && echo ' and of o1heap'), and each"
    echo "of chopalloc's over malloc, with the medians over the processes."
    echo
    o1=0
    has_kind o1heap && o1=1
    if [ "$o1" = 1 ]; then
        echo "| Process | glibc malloc | o1heap | bitmap mode | ratio | unsized | ratio |"
        echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    else
        echo "| Process | glibc malloc | bitmap mode | ratio | unsized | ratio |"
        echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
    fi
    awk -F, -v o1="$o1" '
        $1 == "churn" && ($2 == "release" || $2 ~ /^churn-/) && $5 == "" {
            p = ($2 == "release") ? 1 : substr($2, 7)
            if ($4 == "ns_per_step") ns[$3 " " p] = $6
            if ($4 == "vs_malloc") r[$3 " " p] = $6
            if ($3 == "malloc" && $4 == "vs_malloc") n++
        }
        END {
            for (p = 1; p <= n; p++) {
                printf "| %d | %.1f |", p, ns["malloc " p]
                if (o1) printf " %.1f |", ns["o1heap " p]
                printf " %.1f | %.2fx | %.1f | %.2fx |\n", ns["chop-bitmap " p],
                    r["chop-bitmap " p], ns["chop-unsized " p], r["chop-unsized " p]
            }
        }' "$csv"
    b=$(churn_median chop-bitmap)
    u=$(churn_median chop-unsized)
    printf '%s\n%s\n' "$b" "$u" | awk -v o1="$o1" '
        { m[NR] = sprintf("%.2fx (%.2fx .. %.2fx)", $1, $3, $4) }
        END { printf "| median | |%s | %s | | %s |\n", o1 ? " |" : "", m[1], m[2] }'
fi

# --- instruction counts --------------------------------------------------------------
# callgrind collects only inside the allocator's entry points (--toggle-collect), and
# bench/bench dumps after every call, so each dump is one call, named in its trigger.
# One process per allocator, each with its own entry points: a toggle entered inside
# another would turn collection off (chop_malloc calls chop_try_allocate).
toggles() { # toggles KIND: callgrind's options for KIND's allocate and free
    case $1 in
        malloc) echo "--toggle-collect=malloc --toggle-collect=free" ;;
        chop-unsized) echo "--toggle-collect=chop_malloc --toggle-collect=chop_free" ;;
        o1heap) echo "--toggle-collect=o1heapAllocate --toggle-collect=o1heapFree" ;;
        tlsf) echo "--toggle-collect=tlsf_malloc --toggle-collect=tlsf_free" ;;
        *) echo "--toggle-collect=chop_try_allocate --toggle-collect=chop_try_deallocate" ;;
    esac
}

icount() { # icount BUILD-DIR VARIANT SECTION KIND...
    cg=$out/callgrind-$2
    icount_dir=$1
    variant_name=$2
    section=$3
    shift 3
    for kind in "$@"; do
        rm -rf "$cg"
        mkdir -p "$cg"
        # LD_BIND_NOW: a lazy binding resolved inside a call (chop_malloc calling
        # chop_try_allocate) would be counted as that call's.
        # shellcheck disable=SC2046
        (cd "$icount_dir" && LD_BIND_NOW=1 $libtool --mode=execute "$valgrind" --tool=callgrind --quiet \
            --callgrind-out-file="$cg/cg.out" $(toggles "$kind") \
            ./bench/bench $qflag --section "$section" --kinds "$kind") >/dev/null
        i=1
        while [ -f "$cg/cg.out.$i" ]; do # in dump order
            f=$cg/cg.out.$i
            i=$((i + 1))
            sed -n -e 's/^desc: Trigger: Client Request: //p' -e 's/^summary: //p' "$f" |
                paste -d ' ' - -
        done
    done | awk -v variant="$variant_name" -v csv="$csv" '
        $1 != "setup" {
            key = $1 " " $2; n[key]++; s[key] += $3
            if ($3 > max[key]) max[key] = $3
            if (first[key] == "") first[key] = $3
        }
        END {
            for (key in n) {
                split(key, k, " ")
                pair = k[1] ~ /^chop-/ # only chopalloc begins with the adversarial pair
                printf "| %s | %s | %d | %.0f | %d | %s |\n", k[1], k[2], n[key],
                       s[key] / n[key], max[key], pair ? first[key] : "n/a"
                printf "icount,%s,%s,mean_instructions,%s,%.1f\n", variant, k[1], k[2],
                       s[key] / n[key] >> csv
                printf "icount,%s,%s,max_instructions,%s,%d\n", variant, k[1], k[2],
                       max[key] >> csv
                printf "icount,%s,%s,first_instructions,%s,%d\n", variant, k[1], k[2],
                       first[key] >> csv
            }
        }'
    rm -rf "$cg"
}

# icount_table: icount's rows in reading order (the order of bench/bench's tables;
# allocate, then free), with the names the other tables use.
icount_table() {
    awk '
        { gsub(/^\| | \|$/, ""); split($0, f, / \| /); row[f[1] " " f[2]] = $0 }
        END {
            nk = split("malloc chop-bitmap chop-freelist chop-unsized o1heap tlsf", kinds, " ")
            title["malloc"] = "glibc malloc"
            title["chop-bitmap"] = "chopalloc, bitmap mode"
            title["chop-freelist"] = "chopalloc, free-list mode"
            title["chop-unsized"] = "chopalloc, bitmap mode, chop_malloc/chop_free"
            title["o1heap"] = "o1heap"
            title["tlsf"] = "TLSF"
            for (k = 1; k <= nk; k++)
                for (c = 1; c <= 2; c++) {
                    key = kinds[k] " " (c == 1 ? "allocate" : "free")
                    if (!(key in row)) continue
                    r = row[key]
                    sub(/^[^|]*\| /, "", r)
                    printf "| %s | %s |\n", title[kinds[k]], r
                }
        }'
}

if [ -n "$valgrind" ]; then
    echo
    echo "### Instructions per call (callgrind, all the call executes, machine-independent)"
    echo
    echo "Churn workload as above from a fresh heap, each allocator in its own process under"
    echo "callgrind, counting from the entry to the return of its allocate and free calls;"
    echo "for chopalloc the first call of each kind is the adversarial pair (allocate one"
    echo "minimum block from a single 1 MiB free block, then free it: a split, then a merge,"
    echo "at every order)."
    echo
    echo "| Allocator | call | calls | mean | max | adversarial (first) |"
    echo "| --- | --- | ---: | ---: | ---: | ---: |"
    # shellcheck disable=SC2086
    icount . release icount $kinds | icount_table
else
    echo
    echo "Instruction counts: skipped, valgrind was not found by configure."
fi

# --- builds with other configure choices -----------------------------------------------
variant_build() { # variant_build NAME CONFIGURE-ARGS...: configure and build bench/bench
    name=$1
    shift
    dir=$out/build-$name
    if [ ! -f "$dir/Makefile" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        (cd "$dir" && "$srcdir/configure" --cache-file="$out/config.cache" \
            CC="${CC:-cc}" CFLAGS="${CFLAGS:-}" "$@") >"$dir.log" 2>&1 ||
            { echo "bench: configure $* failed, see $dir.log" >&2; exit 1; }
    fi
    make -C "$dir" bench/bench >>"$dir.log" 2>&1 ||
        { echo "bench: make in $dir failed, see $dir.log" >&2; exit 1; }
}

if [ -z "$quick" ]; then
    echo
    echo "### Worst case against CHOPALLOC_MAX_ORDER"
    echo
    echo "The adversarial pair in builds with --with-max-order=N, arena = the largest block"
    echo "(at most 1 GiB): ticks (median of 101) and instructions (callgrind)."
    echo
    echo "| MAX_ORDER | arena | splits/merges | bitmap alloc ticks | bitmap free ticks |" \
         "free-list alloc ticks | free-list free ticks | bitmap alloc instr | bitmap free instr |" \
         "free-list alloc instr | free-list free instr |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for n in $orders default; do
        if [ "$n" = default ]; then
            dir=.
        else
            variant_build "mo$n" --with-max-order="$n" --enable-valgrind=no
            dir=$out/build-mo$n
        fi
        ticks=$(run "$dir" --variant "mo$n" --section orders)
        instr=$(icount "$dir" "mo$n" icount-worst chop-bitmap chop-freelist)
        printf '%s\n%s\n' "$ticks" "$instr" | awk '
            /^orders/ { mo = $2; split_n = $4; t[$3 " a"] = $5; t[$3 " f"] = $6 }
            /^\|/ { gsub(/\|/, ""); i[$1 " " ($2 == "allocate" ? "a" : "f")] = $4 }
            END {
                arena = mo - 1 > 30 ? 30 : mo - 1
                printf "| %d | 2^%d B | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                    mo, arena, split_n, t["chop-bitmap a"], t["chop-bitmap f"],
                    t["chop-freelist a"], t["chop-freelist f"], i["chop-bitmap a"],
                    i["chop-bitmap f"], i["chop-freelist a"], i["chop-freelist f"]
            }'
    done >"$out/orders.md"
    sort -t '|' -k 2n "$out/orders.md" # MAX_ORDER ascending, the default among the others
    # The fit: instructions per order split or merged, from the extremes.
    awk -F, '
        $1 == "icount" && $2 ~ /^mo/ && $3 == "chop-bitmap" && $4 == "max_instructions" {
            worst[$2 " " $5] = $6 }
        $1 == "orders" && $3 == "chop-bitmap" && $4 == "splits" { splits[$2] = $6 }
        END {
            n = 0
            for (v in splits)
                if ((v " allocate") in worst) {
                    n++; s[n] = splits[v]; a[n] = worst[v " allocate"]; f[n] = worst[v " free"]
                }
            if (n < 2) exit
            lo = 1; hi = 1
            for (i = 2; i <= n; i++) { if (s[i] < s[lo]) lo = i; if (s[i] > s[hi]) hi = i }
            if (s[hi] == s[lo]) exit
            ba = (a[hi] - a[lo]) / (s[hi] - s[lo]); bf = (f[hi] - f[lo]) / (s[hi] - s[lo])
            printf "\nBitmap mode, in instructions: an allocation that splits s times costs" \
                " about %d + %.0f s, a free that merges m times about %d + %.0f m.\n",
                a[lo] - ba * s[lo], ba, f[lo] - bf * s[lo], bf
        }' "$csv"

    echo
    echo "### Cost of the memcheck hooks (--enable-valgrind=yes, run natively)"
    echo
    variant_build hooks --enable-valgrind=yes
    run "$out/build-hooks" --variant hooks --section churn,latency >"$out/hooks.md"
    echo "The same churn and latency sections in a build with the hooks (full output:"
    echo "$out/hooks.md), against this build's figures above."
    echo
    echo "| Build | bitmap churn vs malloc | free-list churn vs malloc |" \
         "bitmap allocate p50 / p99.9 | bitmap free p50 / p99.9 |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    awk -F, '
        $1 == "churn" && $5 == "" && $4 == "vs_malloc" { churn[$2 " " $3] = $6 }
        $1 == "latency" && $3 == "chop-bitmap" { lat[$2 " " $5 " " $4] = $6 }
        END {
            split("release hooks", v, " ")
            name["release"] = "this build"
            name["hooks"] = "`--enable-valgrind=yes`"
            for (i = 1; i <= 2; i++)
                printf "| %s | %.2fx | %.2fx | %d / %d | %d / %d |\n", name[v[i]],
                    churn[v[i] " chop-bitmap"], churn[v[i] " chop-freelist"],
                    lat[v[i] " allocate p50"], lat[v[i] " allocate p99.9"],
                    lat[v[i] " free p50"], lat[v[i] " free p99.9"]
        }' "$csv"
fi

# --- real programs on libchopalloc-preload.so -------------------------------------------
# The workloads of tests/test_preload.sh, each timed as it is and with the library
# preloaded: the median wall time of BENCH_PRELOAD_RUNS runs (1 with BENCH_QUICK).
preload=preload/.libs/libchopalloc-preload.so
if [ -f "$preload" ]; then
    preload=$(pwd)/$preload
    runs=${BENCH_PRELOAD_RUNS:-5}
    [ -n "$quick" ] && runs=1
    work=$srcdir/tests/preload
    # seconds COMMAND...: the median wall time of $runs runs, in seconds.
    seconds() {
        for _ in $(seq "$runs"); do
            start=$(date +%s%N)
            "$@" >/dev/null 2>&1
            end=$(date +%s%N)
            echo $((end - start))
        done | sort -n | awk '{ t[NR] = $1 } END { printf "%.3f", t[int((NR + 1) / 2)] / 1e9 }'
    }
    echo
    echo "### Real programs on libchopalloc-preload.so"
    echo
    echo "Wall time, median of $runs runs, each program as it is (glibc malloc) and with"
    echo "\`LD_PRELOAD\` of this build's libchopalloc-preload.so (workloads: tests/preload/)."
    echo
    echo "| Program | glibc malloc | chopalloc | ratio |"
    echo "| --- | ---: | ---: | ---: |"
    python=$(command -v /usr/bin/python3 || command -v python3 || true)
    # workload NAME [env LD_PRELOAD=...]: runs NAME's workload, with the prefix given.
    workload() {
        name=$1
        shift
        case $name in
            python3) "$@" "$python" "$work/work.py" ;;
            lua5.4) "$@" lua5.4 "$work/work.lua" ;;
            sqlite3) "$@" sqlite3 :memory: ".read $work/work.sql" ;;
        esac
    }
    for name in python3 lua5.4 sqlite3; do
        tool=$name
        [ "$name" != python3 ] || tool=${python:-python3}
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "| $name | not installed | | |"
            continue
        fi
        plain=$(seconds workload "$name" env)
        chop=$(seconds workload "$name" env LD_PRELOAD="$preload")
        ratio=$(awk -v a="$chop" -v b="$plain" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }')
        echo "| $name | $plain s | $chop s | $ratio |"
        echo "preload,release,glibc,seconds,$name,$plain" >> "$csv"
        echo "preload,release,chopalloc,seconds,$name,$chop" >> "$csv"
    done
fi

# --- plots ------------------------------------------------------------------------------
if command -v "$gnuplot" >/dev/null 2>&1; then
    (cd "$out" && "$gnuplot" "$srcdir/bench/plots.gp") && {
        echo
        echo "Plots: $out/latency.png, $out/scaling.png"
    } || echo "bench: gnuplot failed; the tables above stand" >&2
else
    echo
    echo "Plots: skipped, gnuplot is not installed."
fi

# --- targets ----------------------------------------------------------------------------
# The figures the allocator's open targets are set on, each judged on the figure as
# printed.  Churn ratios: the median over the processes that ran the churn section.
echo
echo "### Targets"
echo
echo "| Target | measured | result |"
echo "| --- | ---: | --- |"
# target TEXT VALUE LIMIT [WHAT]: one row; VALUE empty: not measured, WHAT says why.
target() {
    if [ -z "$2" ]; then
        echo "| $1 | ${4:-not measured} | not judged |"
        return
    fi
    awk -v t="$1" -v v="$2" -v lim="$3" 'BEGIN {
        f = sprintf("%.2f", v)
        printf "| %s | %sx | %s |\n", t, f, (f + 0 <= lim + 0) ? "met" : "not met" }'
}
first() { awk '{ print $1 }'; }
no_o1heap="o1heap not built (configure --with-o1heap=DIR)"
target "Churn, chop_malloc/chop_free over glibc malloc: at most 1.0x" \
    "$(churn_median chop-unsized | first)" 1.0
if has_kind o1heap; then
    target "Churn, chop_malloc/chop_free over o1heap: at most 1.0x" \
        "$(churn_median chop-unsized vs_o1heap | first)" 1.0
    target "Churn, bitmap mode (sized calls) over o1heap: at most 1.0x" \
        "$(churn_median chop-bitmap vs_o1heap | first)" 1.0
else
    target "Churn, chop_malloc/chop_free over o1heap: at most 1.0x" "" 1.0 "$no_o1heap"
    target "Churn, bitmap mode (sized calls) over o1heap: at most 1.0x" "" 1.0 "$no_o1heap"
fi
lua=$(awk -F, '$1 == "lua" && $2 == "release" && $3 == "chop-freelist" &&
               $4 == "vs_stock" { print $6 }' "$csv")
target "Lua, free-list mode over the stock allocator: at most 1.5x" "$lua" 1.5 \
    "Lua section not built (liblua5.4-dev, configure)"
echo
echo "CSV: $csv"
