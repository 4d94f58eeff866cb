#!/bin/sh
# Misuse detection for the library's users (TAP).  Runs each scenario of tests/misuse
# under the memory checkers this build supports:
#   - memcheck, when the library has memcheck hooks (configure --enable-valgrind) and
#     valgrind is installed: every misuse must be reported against its misuse_*
#     function, with memcheck's exit status 99; the correct program must be silent;
#   - AddressSanitizer, when the library was compiled with -fsanitize=address: every
#     misuse ASan can see must stop the program with a report naming the function.
# A misuse being reported is what this test expects, so it counts as a pass.
# SPDX-License-Identifier: MIT
set -u

prog="${top_builddir:-.}/tests/misuse${EXEEXT:-}"
libtool="${top_builddir:-.}/libtool"
valgrind="${VALGRIND:-}"
# Cross builds: the command that runs the program (configure's TEST_EMULATOR).
emulator="${TEST_EMULATOR:-}"
out=$(mktemp) || exit 99
trap 'rm -f "$out"' EXIT

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; sed 's/^/# /' "$out" | head -n 40; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }

checkers=$($emulator "$prog" --checkers) || { echo "Bail out! $prog --checkers failed"; exit 99; }
case $checkers in *memcheck-hooks=1*) hooks=1 ;; *) hooks=0 ;; esac
case $checkers in *asan=1*) asan=1 ;; *) asan=0 ;; esac
# The modes this build has; each scenario reports the others as skipped.
modes=
case $checkers in *" bitmap=1"*) modes="bitmap" ;; esac
case $checkers in *" free-list=1"*) modes="$modes free-list" ;; esac
echo "# $checkers"

# What each checker must say.  "-": the checker cannot see this misuse.
#   scenario                      memcheck                                asan
expectations='
clean                          -                                        -
read-after-free                Invalid read                             use-after-poison
write-after-free               Invalid write                            use-after-poison
overflow-into-free-neighbour   Invalid write                            use-after-poison
read-free-memory               Invalid read                             use-after-poison
read-after-shrink              Invalid read                             use-after-poison
read-after-move                Invalid read                             use-after-poison
uninitialised-read             depends on uninitialised value           -
leak                           definitely lost                          -
'

# expect SCENARIO COLUMN: the expected phrase (COLUMN 1 memcheck, 2 asan).
expect() {
    echo "$expectations" | awk -v s="$1" -v c="$2" '
        $1 == s { line = $0; sub(/^[^ ]+ +/, "", line)
                  split(line, part, /  +/); print part[c]; exit }'
}

# function_of SCENARIO: the function in tests/misuse.c that commits it.
function_of() {
    echo "misuse_$1" | tr - _
}

# verdict CHECKER SCENARIO WHAT PHRASE CLEAN REPORTED: one TAP line for the run whose
# output is in $out and exit status in $status.  CLEAN is 0 when the run ended as a
# clean one must, REPORTED is 0 when the checker objected; a misuse passes only when
# the report holds PHRASE and names the function that committed it.
verdict() {
    if [ "$4" = - ]; then
        if [ "$5" -eq 0 ]; then
            ok "$1: $3 runs clean"
        else
            not_ok "$1: $3 should run clean (exit $status)"
        fi
    elif [ "$6" -eq 0 ] && grep -q "$4" "$out" && grep -q "$(function_of "$2")" "$out"; then
        ok "$1: $3 reported as '$4' in $(function_of "$2")"
    else
        not_ok "$1: $3 should be reported as '$4' (exit $status)"
    fi
}

# run_memcheck SCENARIO MODE
run_memcheck() {
    "$libtool" --mode=execute "$valgrind" --tool=memcheck -q --error-exitcode=99 \
        --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
        "$prog" "$1" "$2" >"$out" 2>&1
}

# Can valgrind run this build's programs at all?  (Valgrind 3.19 cannot read the
# DWARF 5 that clang 14 emits by default: build with -gdwarf-4 there.)
valgrind_runs=no
if [ "$hooks" = 1 ] && [ "$asan" = 0 ] && [ -n "$valgrind" ] && [ -z "$emulator" ]; then
    if "$libtool" --mode=execute "$valgrind" -q "$prog" --checkers >"$out" 2>&1; then
        valgrind_runs=yes
    else
        echo "# valgrind cannot run $prog:"
        sed 's/^/#   /' "$out" | tail -n 5
    fi
fi

for scenario in $($emulator "$prog" --list); do
    for mode in bitmap free-list; do
        what="$scenario ($mode)"
        case " $modes " in
        *" $mode "*) ;;
        *)
            skip "memcheck: $what: library built with --disable-$mode"
            skip "asan: $what: library built with --disable-$mode"
            continue
            ;;
        esac
        # --- memcheck ---
        phrase=$(expect "$scenario" 1)
        if [ "$hooks" = 0 ]; then
            skip "memcheck: $what: library built without memcheck hooks"
        elif [ "$asan" = 1 ]; then
            skip "memcheck: $what: an AddressSanitizer build cannot run under valgrind"
        elif [ -n "$emulator" ]; then
            skip "memcheck: $what: the program runs under $emulator, which valgrind cannot check"
        elif [ -z "$valgrind" ]; then
            skip "memcheck: $what: valgrind not found by configure"
        elif [ "$valgrind_runs" = no ]; then
            skip "memcheck: $what: valgrind cannot run this build's programs (see above)"
        else
            run_memcheck "$scenario" "$mode"
            status=$?
            clean=1 reported=1
            if [ "$status" -eq 0 ] && [ ! -s "$out" ]; then clean=0; fi
            if [ "$status" -eq 99 ]; then reported=0; fi
            verdict memcheck "$scenario" "$what" "$phrase" "$clean" "$reported"
        fi
        # --- AddressSanitizer ---
        phrase=$(expect "$scenario" 2)
        if [ "$asan" = 0 ]; then
            skip "asan: $what: library not built with -fsanitize=address"
        elif [ "$phrase" = - ] && [ "$scenario" != clean ]; then
            skip "asan: $what: invisible to AddressSanitizer"
        else
            ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" \
                $emulator "$prog" "$scenario" "$mode" >"$out" 2>&1
            status=$?
            clean=1 reported=1
            if [ "$status" -eq 0 ] && ! grep -q AddressSanitizer "$out"; then clean=0; fi
            if [ "$status" -ne 0 ]; then reported=0; fi
            verdict asan "$scenario" "$what" "$phrase" "$clean" "$reported"
        fi
    done
done
echo "1..$n"
