#!/bin/sh
# Runs the seven example programs and checks what they print; writes TAP.
# SPDX-License-Identifier: MIT
#
# make check runs it through Automake's tap-driver.sh with top_builddir,
# top_srcdir and EXEEXT in the environment.  By hand, from the build directory:
#   sh tests/test_examples.sh
# An example built against a library without what it needs (the mode it shows,
# or a large enough block) prints "NAME: skipped: ..." and exits 0; its tests are
# then reported as skipped.

top_builddir=${top_builddir:-.}
EXEEXT=${EXEEXT:-}
# Cross builds: the command that runs the programs (configure's TEST_EMULATOR).
emulator=${TEST_EMULATOR:-}

tmp=${TMPDIR:-/tmp}/chopalloc-examples.$$
rm -rf "$tmp"
mkdir "$tmp" || { echo "Bail out! cannot create $tmp"; exit 1; }
trap 'rm -rf "$tmp"' 0
trap 'exit 1' HUP INT PIPE TERM

# configure --disable-examples (the default for a cross build without an emulator).
if test "${CHOP_BUILD_EXAMPLES:-yes}" = no; then
    echo "1..0 # SKIP the examples are not built (configure --enable-examples builds them)"
    exit 0
fi

echo "1..37"

n=0
# ok CONDITION-STATUS DESCRIPTION: prints one TAP line (SKIP while $skip is set).
ok() {
    n=$((n + 1))
    if test -n "$skip"; then
        echo "ok $n - $2 # SKIP $skip"
    elif test "$1" -eq 0; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
    fi
}

# diag FILE: the end of an example's output, as TAP comments.
diag() {
    test -n "$skip" || tail -n 15 "$1" 2>/dev/null | sed 's/^/# /'
}

# run NAME: runs the example twice; sets $out, $status and $skip.
run() {
    bin=$top_builddir/examples/$1$EXEEXT
    out=$tmp/$1.out
    skip=
    if test ! -f "$bin"; then
        echo "# $bin: not found (run make first)"
        : > "$out"
        status=127
        return
    fi
    $emulator "$bin" > "$out" 2>&1
    status=$?
    $emulator "$bin" > "$tmp/$1.again" 2>&1
    if grep "^$1: skipped:" "$out" > /dev/null && test "$status" -eq 0; then
        skip=$(sed -n "s/^$1: skipped: //p" "$out")
    fi
}

# has FILE FIXED-STRING: 0 when a line of FILE contains the string.
has() {
    grep -F -e "$2" "$1" > /dev/null
}

# Checks common to every example: exit status, final line, same output twice.
common() {
    test "$status" -eq 0
    r=$?
    ok $r "$1 exits with status 0"
    test $r -eq 0 || { echo "# exit status $status"; diag "$out"; }

    test "$(tail -n 1 "$out")" = "$2"
    r=$?
    ok $r "$1 ends with '$2'"
    test $r -eq 0 || diag "$out"

    cmp -s "$out" "$tmp/$1.again"
    ok $? "$1 prints the same output when run again"
}

# --- basic_usage ---------------------------------------------------------------
run basic_usage
common basic_usage "basic_usage: OK"
has "$out" "-> CHOP_ERR_DOUBLE_FREE: "
ok $? "basic_usage shows a double free refused with CHOP_ERR_DOUBLE_FREE"

# --- fragmentation_demo --------------------------------------------------------
run fragmentation_demo
common fragmentation_demo "fragmentation_demo: heap whole again, chop_check OK"

has "$out" "-> refused: CHOP_ERR_OUT_OF_MEMORY"
ok $? "fragmentation_demo shows a request refused with CHOP_ERR_OUT_OF_MEMORY"

has "$out" "-> refused: CHOP_ERR_DOUBLE_FREE"
ok $? "fragmentation_demo shows a double free after a merge refused"

# Map lines are "    [" + one character per minimum block + "]"; the header
# says how many characters that is.
width=$(sed -n 's/.*map width \([0-9][0-9]*\) characters.*/\1/p' "$out")
awk -v width="${width:-0}" '
    /^    \[.*\]$/ {
        maps++
        if (length($0) - 6 != width) { bad++; print "# wrong width: " $0 }
        inner = substr($0, 6, length($0) - 6)
        if (inner !~ /^[A-Z|.]*$/) { bad++; print "# unexpected character: " $0 }
    }
    END { exit !(width > 0 && maps >= 10 && bad == 0) }' "$out"
r=$?
ok $r "fragmentation_demo draws every map ${width:-?} characters wide"
test $r -eq 0 || diag "$out"

# The first and last maps show the whole heap as one free block: "|...".
whole=$(awk -v width="${width:-0}" 'BEGIN { s = "|"; for (i = 1; i < width; i++) s = s "."; print "    [" s "]" }')
first=$(grep '^    \[' "$out" | sed -n 1p)
last=$(grep '^    \[' "$out" | sed -n '$p')
test -n "$width" && test "$first" = "$whole" && test "$last" = "$whole"
ok $? "fragmentation_demo starts and ends with the heap as one free block"

# Somewhere in between, a map holds live allocations and several free blocks.
grep '^    \[[A-Z]*|.*[A-Z].*|' "$out" > /dev/null
ok $? "fragmentation_demo shows holes between live allocations"

# --- embedded_simulation -------------------------------------------------------
run embedded_simulation
common embedded_simulation "embedded_simulation: OK"
has "$out" "aligned to 512: yes"
ok $? "embedded_simulation reports its DMA buffer aligned to 512"
grep '^  peak heap use: [0-9]* of [0-9]* bytes' "$out" > /dev/null
ok $? "embedded_simulation prints a summary with the peak heap use"

# --- no_bitmap -----------------------------------------------------------------
run no_bitmap
common no_bitmap "no_bitmap: OK"
has "$out" "in free-list mode" && has "$out" "-> CHOP_ERR_DOUBLE_FREE: "
ok $? "no_bitmap runs in free-list mode and refuses a double free"

# --- malloc_style --------------------------------------------------------------
run malloc_style
common malloc_style "malloc_style: heap whole again, chop_check OK"
has "$out" ": in place, block of" && has "$out" "moved, contents copied; text still \"buddy...\""
ok $? "malloc_style grows a string in place, then by moving it"
has "$out" "sum of entries 0" && has "$out" "chop_try_free(text + 1): the pointer lies inside"
ok $? "malloc_style gets a zeroed table and an interior free refused"
! has "$out" "must not happen" && grep '^lock taken [1-9][0-9]* times' "$out" > /dev/null
ok $? "malloc_style's lock hook is used, and not held while the walk prints"

# --- allocation_sites ----------------------------------------------------------
run allocation_sites
common allocation_sites "allocation_sites: OK"
grep '^  log_line *+0x[0-9a-f]* *3 live, *72 bytes asked$' "$out" > /dev/null &&
    grep '^  sensor_buffer *+0x[0-9a-f]* *2 live, *192 bytes asked$' "$out" > /dev/null
ok $? "allocation_sites reports the live allocations by the call site that made them"
has "$out" "failed requests, 3 refusals traced, 5 live allocations (as before: yes)"
ok $? "allocation_sites fails chosen allocations, and the program's recovery leaks nothing"

# --- memory_banks --------------------------------------------------------------
run memory_banks
common memory_banks "memory_banks: OK"
! grep '^  DMA buffer .* in CCM+' "$out" > /dev/null &&
    has "$out" "DMA buffer 9 refused: SRAM1 and SRAM2 are full, though 1280 bytes are free in CCM"
ok $? "memory_banks keeps DMA buffers out of CCM, and refuses one when the DMA banks are full"
grep '^  task stack  *2048 bytes  in SRAM2+0$' "$out" > /dev/null &&
    grep '^  queue  *256 bytes  in CCM+2048$' "$out" > /dev/null &&
    grep '^  but not DMA  *1024 bytes  in CCM+3072$' "$out" > /dev/null
ok $? "memory_banks gives ordinary requests the best-fitting block of any bank"

test "$n" -eq 37 || echo "Bail out! planned 37 tests, ran $n"
