#!/usr/bin/env bash
# Static analysis of the library sources (src/): cppcheck, clang-tidy, GCC's
# -fanalyzer, and a check that no function in src/ recurses.
# SPDX-License-Identifier: MIT
#
# Run from anywhere; no configured build is needed.  The sources are analysed in
# each build (both modes, --disable-bitmap, --disable-free-list), chosen with -D as a
# build without configure does (CHOPALLOC_NO_CONFIG_H: a generated
# chopalloc_config.h, of an in-tree build say, is never read).
#
# Prints one result line per tool and build, with a failing tool's findings before
# it.  Exit status: 0 if every tool passes, 1 if any fails (or is missing), 2 if
# there are no sources.
set -euo pipefail

cd "$(dirname "$0")/.."

shopt -s nullglob
sources=(src/*.c)
if [ "${#sources[@]}" -eq 0 ]; then
    echo "static-analysis: no src/*.c found" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/chop-sa.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

failed=0

# report NAME STATUS DETAIL LOG: print LOG (indented) if the tool failed, then the result line.
report() {
    if [ "$2" != PASS ] && [ -s "$4" ]; then
        sed 's/^/    /' "$4"
    fi
    printf '%-15s %s: %s\n' "$1" "$2" "$3"
    if [ "$2" != PASS ]; then
        failed=1
    fi
}

# have TOOL NAME: whether TOOL is installed; if not, report NAME as failed.
have() {
    if command -v "$1" >/dev/null 2>&1; then
        return 0
    fi
    : >"$tmp/missing.log"
    report "$2" FAIL "$1 is not installed (apt-get install -y cppcheck clang-tidy gcc)" "$tmp/missing.log"
    return 1
}

# Each build as "bitmap free_list": both modes, --disable-bitmap, --disable-free-list.
for build in "1 1" "0 1" "1 0"; do
    read -r have_bitmap have_free_list <<<"$build"
    defs=(-DCHOPALLOC_NO_CONFIG_H "-DCHOPALLOC_HAVE_BITMAP=$have_bitmap"
          "-DCHOPALLOC_HAVE_FREE_LIST=$have_free_list")
    case $build in
        "1 1") tag=" (both modes)" ;;
        "0 1") tag=" (--disable-bitmap)" ;;
        *) tag=" (--disable-free-list)" ;;
    esac
    id=$have_bitmap$have_free_list # names this build's files in $tmp
    # --- 1. cppcheck --------------------------------------------------------------------
    if have cppcheck cppcheck; then
        log=$tmp/cppcheck$id.log
        if cppcheck -q --std=c11 "${defs[@]}" -I include -I src \
            --enable=warning,style,performance,portability \
            --error-exitcode=1 --inline-suppr --suppress=missingIncludeSystem \
            src/ >"$log" 2>&1; then
            report "cppcheck$tag" PASS "no findings in src/" "$log"
        else
            report "cppcheck$tag" FAIL "findings in src/ (see above)" "$log"
        fi
    fi

    # --- 2. clang-tidy ------------------------------------------------------------------
    # Disabled checks, each with the reason:
    #   bugprone-easily-swappable-parameters: flags every (addr, order) pair of uintptr_t
    #     and unsigned, the allocator's basic signature; the types cannot be made distinct.
    tidy_checks='-*,bugprone-*,cert-*,clang-analyzer-*'
    tidy_checks+=',-bugprone-easily-swappable-parameters'
    if have clang-tidy clang-tidy; then
        log=$tmp/clang-tidy$id.log
        bad=()
        for f in "${sources[@]}"; do
            # -header-filter: also report findings in src/internal.h and include/
            # (system headers stay excluded).
            if ! clang-tidy --quiet --checks="$tidy_checks" --warnings-as-errors='*' \
                --header-filter='.*' "$f" -- -std=c11 "${defs[@]}" -Iinclude -Isrc >>"$log" 2>&1; then
                bad+=("$f")
            fi
        done
        # Drop clang-tidy's "N warnings generated." chatter from the log.
        sed -i '/^[0-9]* warnings\{0,1\} \(and [0-9]* errors\{0,1\} \)\{0,1\}generated\.$/d' "$log"
        if [ "${#bad[@]}" -eq 0 ]; then
            report "clang-tidy$tag" PASS "no findings in ${#sources[@]} files" "$log"
        else
            report "clang-tidy$tag" FAIL "findings in ${bad[*]}" "$log"
        fi
    fi

    # --- 3. gcc -fanalyzer --------------------------------------------------------------
    if have gcc 'gcc -fanalyzer'; then
        log=$tmp/analyzer$id.log
        bad=()
        for f in "${sources[@]}"; do
            if ! gcc -std=c11 -fanalyzer -Werror "${defs[@]}" -Iinclude -Isrc -c -o /dev/null "$f" >>"$log" 2>&1; then
                bad+=("$f")
            fi
        done
        if [ "${#bad[@]}" -eq 0 ]; then
            report "gcc -fanalyzer$tag" PASS "no findings in ${#sources[@]} files" "$log"
        else
            report "gcc -fanalyzer$tag" FAIL "findings in ${bad[*]}" "$log"
        fi
    fi

    # --- 4. no recursion ----------------------------------------------------------------
    # GCC writes each translation unit's call graph with -fcallgraph-info (one .ci file,
    # VCG format, per object).  At -O0 nothing is inlined, so every call in the source is
    # an edge.  A function is titled "file.c:name" if static, else "name", so calls across
    # files join up.  Self-calls are found directly (tsort ignores "a a" pairs), longer
    # cycles by tsort, and a call through a pointer fails the check (it cannot be followed)
    # unless it is a call to one of the user's hooks.
    if have gcc recursion; then
        log=$tmp/recursion$id.log
        cgdir=$tmp/cg$id
        mkdir "$cgdir"
        ok=1
        for f in "${sources[@]}"; do
            base=$(basename "$f" .c)
            if ! gcc -std=c11 -O0 "${defs[@]}" -Iinclude -Isrc -fcallgraph-info=su -c \
                -o "$cgdir/$base.o" "$f" >>"$log" 2>&1; then
                ok=0
            fi
        done
        cis=("$cgdir"/*.ci)
        if [ "$ok" -eq 1 ] && [ "${#cis[@]}" -ne "${#sources[@]}" ]; then
            echo "gcc wrote ${#cis[@]} call graphs for ${#sources[@]} sources" >>"$log"
            ok=0
        fi
        if [ "$ok" -eq 1 ]; then
            # Edges "caller callee"; functions defined in src/ are the nodes without
            # "shape" (external and built-in callees are ellipses), counted once each by
            # where they are defined (a static inline in a header is compiled in every file).
            sed -n 's/^edge: { sourcename: "\([^"]*\)" targetname: "\([^"]*\)".*/\1 \2/p' \
                "${cis[@]}" | sort -u >"$tmp/edges$id"
            nfuncs=$(grep '^node: ' "${cis[@]}" | grep -v 'shape' |
                sed -n 's/.*label: "[^"\\]*\\n\([^"\\]*\)\\n.*/\1/p' | sort -u | wc -l)
            nfuncs=${nfuncs// /}
            # Calls through a pointer are of two kinds.  The user's hooks, where they are
            # made: the lock hooks (chopi_lock, chopi_unlock, a static inline in every
            # file), chop_walk()'s visitor, and the trace and fault hooks (hooks.c's
            # report and ask_fail); none runs library code for it.  And a heap's path
            # (H1, src/internal.h), whose members are the functions of chopi_locked_path
            # and chopi_traced_path: every other call through a pointer is taken to call
            # each of them, so that the cycle search below follows it.
            hooks='^(([a-z_/]+[.]c:)?chopi_(un)?lock|chop_walk|src/hooks[.]c:(report|ask_fail))$'
            members='src/heap.c:allocate_locked src/heap.c:deallocate_locked src/heap.c:free_locked
                     src/hooks.c:allocate_traced src/hooks.c:deallocate_traced
                     src/hooks.c:free_traced src/hooks.c:ask_fail src/hooks.c:report'
            for m in $members; do
                grep -q "^$m " "$tmp/edges$id" ||
                    echo "path member $m not found in the call graph" >>"$log"
            done
            awk -v hooks="$hooks" -v members="$members" '
                $2 == "__indirect_call" && $1 !~ hooks {
                    n = split(members, m, /[ \n]+/)
                    for (i = 1; i <= n; i++) if (m[i] != "") print $1, m[i]
                    next
                }
                { print }' "$tmp/edges$id" >"$tmp/edges$id.paths"
            mv "$tmp/edges$id.paths" "$tmp/edges$id"
            awk '$1 == $2 { print "direct recursion: " $1 " calls itself" }' "$tmp/edges$id" >>"$log"
            if ! tsort "$tmp/edges$id" >/dev/null 2>>"$log"; then
                echo "mutual recursion: the functions tsort lists above form a cycle" >>"$log"
            fi
            if [ -s "$log" ]; then
                ok=0
            fi
        fi
        if [ "$ok" -eq 1 ]; then
            report "recursion$tag" PASS "no recursion in src/ ($nfuncs functions)" "$log"
        else
            report "recursion$tag" FAIL "recursion or an unfollowable call in src/ (see above)" "$log"
        fi
    fi
done

if [ "$failed" -ne 0 ]; then
    echo "static-analysis: FAILED" >&2
    exit 1
fi
echo "static-analysis: all passed"
