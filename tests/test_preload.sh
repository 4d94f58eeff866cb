#!/bin/sh
# Real programs on libchopalloc-preload.so (TAP): each runs once as it is and once with
# LD_PRELOAD, and must print the same output, allocate from chopalloc and have no free
# refused.  Programs that are not installed are skipped, saying so (Debian: python3,
# lua5.4, sqlite3).  Also tests/preload_probe, which checks the functions' C semantics.
# SPDX-License-Identifier: MIT
#
# make check runs it with top_builddir in the environment (configure --enable-preload).

top_builddir=${top_builddir:-.}
work=${top_srcdir:-.}/tests/preload # the workloads
EXEEXT=${EXEEXT:-}
lib=$top_builddir/preload/.libs/libchopalloc-preload.so

tmp=${TMPDIR:-/tmp}/chopalloc-preload.$$
rm -rf "$tmp"
mkdir "$tmp" || { echo "Bail out! cannot create $tmp"; exit 1; }
trap 'rm -rf "$tmp"' 0
trap 'exit 1' HUP INT PIPE TERM

if test ! -f "$lib"; then
    echo "1..0 # SKIP $lib not built (configure --enable-preload)"
    exit 0
fi
if readelf -d "$lib" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
    echo "1..0 # SKIP an AddressSanitizer library cannot be preloaded into programs built without it"
    exit 0
fi
if test -n "${TEST_EMULATOR:-}"; then
    echo "1..0 # SKIP the library is for the host, and the programs here are the build machine's"
    exit 0
fi

# Real programs make single allocations of several MiB; the probe's need 8 KiB.
largest=$("$top_builddir/tests/preload_probe$EXEEXT" --largest-block)
if test "${largest:-0}" -lt 67108864; then
    echo "1..0 # SKIP real programs need blocks of 64 MiB; this build's largest is $largest bytes (--with-max-order=27 or more)"
    exit 0
fi

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }

# compare NAME COMMAND...: runs COMMAND without and with the library.
compare() {
    name=$1
    shift
    "$@" > "$tmp/$name.plain" 2>&1
    plain=$?
    rm -f "$tmp/$name.report"
    CHOPALLOC_REPORT=$tmp/$name.report LD_PRELOAD=$lib "$@" > "$tmp/$name.chop" 2>&1
    chop=$?
    if test "$plain" -eq "$chop" && cmp -s "$tmp/$name.plain" "$tmp/$name.chop"; then
        ok "$name: the same output and exit status ($chop) with chopalloc"
    else
        not_ok "$name: output or exit status differ with chopalloc ($plain, $chop)"
        diff "$tmp/$name.plain" "$tmp/$name.chop" | head -n 20 | sed 's/^/# /'
    fi
    # One report line per process (a program that forks writes several).
    report=$(cat "$tmp/$name.report" 2>/dev/null)
    echo "$report" | sed 's/^/# /'
    if test -n "$report" && ! echo "$report" | grep -q 'allocations 0,' &&
        echo "$report" | grep -q 'refused frees 0,' &&
        ! echo "$report" | grep -v 'refused frees 0,' | grep -q .; then
        ok "$name: it allocated from chopalloc, and no free was refused"
    else
        not_ok "$name: the report shows no allocation or a refused free"
    fi
}

# --- the library's own semantics --------------------------------------------------
probe=$top_builddir/tests/preload_probe$EXEEXT
rm -f "$tmp/probe.report"
if CHOPALLOC_REPORT=$tmp/probe.report LD_PRELOAD=$lib "$probe" > "$tmp/probe.out" 2>&1; then
    ok "preload_probe: malloc, calloc, realloc, the aligned calls and free keep C's semantics"
else
    not_ok "preload_probe failed"
fi
sed 's/^/# /' "$tmp/probe.out"
if grep -q 'refused frees 2,' "$tmp/probe.report" 2>/dev/null; then
    ok "preload_probe: its double free and foreign free were refused and counted"
else
    not_ok "preload_probe: the report should count 2 refused frees: $(cat "$tmp/probe.report" 2>/dev/null)"
fi

# --- real programs ---------------------------------------------------------------
sort_input=$tmp/sort.in
i=0
while test $i -lt 2000; do echo "line $((i * 7919 % 2003)) of the input"; i=$((i + 1)); done > "$sort_input"
compare "sort" sort "$sort_input"

python=
for p in /usr/bin/python3 python3; do
    if command -v "$p" > /dev/null 2>&1; then python=$(command -v "$p"); break; fi
done
if test -n "$python"; then
    compare "python3" "$python" "$work/work.py"
else
    skip "python3: not installed"
    skip "python3: not installed"
fi

if command -v lua5.4 > /dev/null 2>&1; then
    compare "lua5.4" lua5.4 "$work/work.lua"
else
    skip "lua5.4: not installed"
    skip "lua5.4: not installed"
fi

if command -v sqlite3 > /dev/null 2>&1; then
    compare "sqlite3" sqlite3 :memory: ".read $work/work.sql"
else
    skip "sqlite3: not installed"
    skip "sqlite3: not installed"
fi

echo "1..$n"
