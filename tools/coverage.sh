#!/usr/bin/env bash
# The coverage gate: line and branch coverage of src/ by `make check`, in the
# default and --disable-bitmap builds together, must both be 100 %.
# SPDX-License-Identifier: MIT
#
# Usage: tools/coverage.sh [BUILD-ROOT]   (from anywhere; needs gcc and lcov)
# Configures and builds each mode in BUILD-ROOT (default: _coverage in the
# source tree), runs `make coverage` in each, merges the two coverage.info
# files into BUILD-ROOT/total.info with an HTML report in BUILD-ROOT/html, and
# prints the totals.  Exit status: 0 at 100 % lines and branches, 1 otherwise.
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-$srcdir/_coverage}
lcov_flags=(--rc lcov_branch_coverage=1 --quiet)

# Each build: a directory name and its configure switches.  Free-list mode is
# also exercised inside the default build (a NULL bitmap); --disable-bitmap adds
# the code compiled only without the bitmap.  With 16 orders the tests' arenas
# can hold whole top-order blocks, which some checks only meet there (two free
# top blocks that are buddies in name only; a search running past the top).
# The memcheck hooks are left out: natively each is a no-op client request, and
# tests/test_misuse.sh checks them under Valgrind.
builds=(
    "default:"
    "max16:--with-max-order=16"
    "nobitmap-max16:--disable-bitmap --with-max-order=16"
)

rm -rf "$root"
mkdir -p "$root"
tracefiles=()
for build in "${builds[@]}"; do
    name=${build%%:*}
    read -r -a switches <<<"${build#*:}"
    dir=$root/$name
    mkdir "$dir"
    echo "coverage: $name build (${switches[*]:-default switches})"
    (cd "$dir" && "$srcdir"/configure --enable-code-coverage --enable-valgrind=no CFLAGS="-O0 -g" \
        "${switches[@]}" >/dev/null)
    make -C "$dir" -j2 >/dev/null
    make -C "$dir" coverage >"$dir/coverage.out" 2>&1 || {
        cat "$dir/coverage.out" >&2
        echo "coverage: make coverage failed in the $name build" >&2
        exit 1
    }
    tracefiles+=(--add-tracefile "$dir/coverage.info")
done

lcov "${lcov_flags[@]}" "${tracefiles[@]}" --output-file "$root/total.info"
genhtml "${lcov_flags[@]}" --branch-coverage --output-directory "$root/html" \
    "$root/total.info"

# "LF:"/"LH:" and "BRF:"/"BRH:" are the per-file line and branch totals.
read -r lines_found lines_hit branches_found branches_hit < <(awk -F: '
    $1 == "LF" { lf += $2 } $1 == "LH" { lh += $2 }
    $1 == "BRF" { bf += $2 } $1 == "BRH" { bh += $2 }
    END { print lf + 0, lh + 0, bf + 0, bh + 0 }' "$root/total.info")

percent() { awk -v h="$1" -v f="$2" 'BEGIN { printf "%.1f", f ? 100 * h / f : 0 }'; }
echo "coverage of src/, builds ${builds[*]%%:*} together:"
echo "  lines:    $(percent "$lines_hit" "$lines_found") % ($lines_hit of $lines_found)"
echo "  branches: $(percent "$branches_hit" "$branches_found") % ($branches_hit of $branches_found)"
echo "  report:   $root/html/index.html"

if [ "$lines_found" -eq 0 ] || [ "$lines_hit" -ne "$lines_found" ] ||
   [ "$branches_hit" -ne "$branches_found" ]; then
    echo "coverage: below 100 %; uncovered lines and branches:" >&2
    # DA:line,0 is a line never run; BRDA:line,block,branch,- or 0 a branch never taken.
    awk -F'[:,]' '$1 == "SF" { file = $2 }
        $1 == "DA" && $3 == 0 { print "  " file ":" $2 ": line not run" }
        $1 == "BRDA" && ($5 == "-" || $5 == 0) { print "  " file ":" $2 ": branch " $4 " not taken" }' \
        "$root/total.info" | sort -u >&2
    exit 1
fi
