#!/bin/sh
# `make check`'s test driver: Automake's tap-driver.sh, with the console kept short.
# SPDX-License-Identifier: MIT
#
# Usage (Makefile.am's LOG_DRIVER): tap-summary.sh TAP-DRIVER DRIVER-OPTIONS...
#
# tap-driver.sh prints a line for every test point (thousands).  This runs it with the
# same options, passes on every line except those of points that passed, skipped or
# failed as expected, and ends with one line for the program:
#   PASS: tests/test_api (342 test points: 340 passed, 2 skipped)
# The .log and .trs files, and so test-suite.log, keep every point as before.
set -u

driver=$1
shift
name=? trs= prev=
for arg; do
    case $prev in
        --test-name) name=$arg ;;
        --trs-file) trs=$arg ;;
    esac
    prev=$arg
done

out=${trs:-tap-summary}.console
status=0
${SHELL:-/bin/sh} "$driver" "$@" > "$out" || status=$?
# The driver colours its results when the terminal does: drop the colour to match.
esc=$(printf '\033')
sed "s/$esc\[[0-9;]*m//g" "$out" | grep -Ev '^(PASS|SKIP|XFAIL): ' || :
rm -f "$out"

if [ -n "$trs" ] && [ -f "$trs" ]; then
    awk -v name="$name" '
        /^:test-result: (PASS|XFAIL)/       { passed++ }
        /^:test-result: SKIP/               { skipped++ }
        /^:test-result: (FAIL|XPASS|ERROR)/ { failed++ }
        /^:global-test-result: /            { verdict = $2 }
        END {
            line = sprintf("%s: %s (%d test points: %d passed", verdict, name,
                           passed + skipped + failed, passed)
            if (skipped) line = line sprintf(", %d skipped", skipped)
            if (failed) line = line sprintf(", %d failed", failed)
            print line ")"
        }' "$trs"
fi
exit $status
