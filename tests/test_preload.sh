#!/bin/sh
# Real programs on libchopalloc-preload.so (TAP): each runs once as it is and once with
# LD_PRELOAD, and must print the same output, allocate from chopalloc and have no free
# refused.  Programs that are not installed are skipped, saying so (Debian: python3,
# lua5.4, sqlite3).  Also tests/preload_probe, which checks the functions' C semantics.
# SPDX-License-Identifier: MIT
#
# make check runs it with top_builddir in the environment (configure --enable-preload).

top_builddir=${top_builddir:-.}
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
    cat > "$tmp/work.py" <<'EOF'
import io, json, os, sys, threading, unittest

def work(seed, out):
    table = {}
    for i in range(20000):
        key = "k%d" % ((i * 7919 + seed) % 5003)
        table.setdefault(key, []).append(str(i) * (i % 7))
    out[seed] = sum(len(v) for v in table.values())

class Heap(unittest.TestCase):
    def test_threads(self):
        out = {}
        threads = [threading.Thread(target=work, args=(s, out)) for s in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        self.assertEqual(sorted(out), [0, 1, 2, 3])
        print("threads", sorted(out.values()))

    def test_fork(self):
        pid = os.fork()
        if pid == 0:
            data = [json.dumps({"n": i, "s": "x" * i}) for i in range(2000)]
            os._exit(0 if len(data) == 2000 else 1)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(status, 0)
        print("fork ok")

    def test_json(self):
        doc = {"items": [{"id": i, "name": "item %d" % i, "tags": list(range(i % 10))} for i in range(5000)]}
        text = json.dumps(doc, sort_keys=True)
        self.assertEqual(json.loads(text), doc)
        print("json", len(text))

# The runner's report (with its timing) is kept out of the output compared.
result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(
    unittest.defaultTestLoader.loadTestsFromTestCase(Heap))
print("tests", result.testsRun, "failures", len(result.failures), "errors", len(result.errors))
sys.exit(0 if result.wasSuccessful() else 1)
EOF
    compare "python3" "$python" "$tmp/work.py"
else
    skip "python3: not installed"
    skip "python3: not installed"
fi

if command -v lua5.4 > /dev/null 2>&1; then
    cat > "$tmp/work.lua" <<'EOF'
local t = {}
for i = 1, 200000 do t[i] = tostring(i) .. string.rep("x", i % 13) end
local words = {}
for i = 1, #t, 3 do words[#words + 1] = t[i] end
table.sort(words)
local total = 0
for _, w in ipairs(words) do total = total + #w end
collectgarbage()
print(#words, total, words[1], words[#words])
EOF
    compare "lua5.4" lua5.4 "$tmp/work.lua"
else
    skip "lua5.4: not installed"
    skip "lua5.4: not installed"
fi

if command -v sqlite3 > /dev/null 2>&1; then
    cat > "$tmp/work.sql" <<'EOF'
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
INSERT INTO t SELECT i, printf('key-%05d', (i * 7919) % 50000), i * 0.5 FROM n;
CREATE INDEX t_k ON t(k);
SELECT count(*), sum(v), min(k), max(k) FROM t;
SELECT k, v FROM t WHERE k BETWEEN 'key-01000' AND 'key-01005' ORDER BY k;
EOF
    compare "sqlite3" sqlite3 :memory: ".read $tmp/work.sql"
else
    skip "sqlite3: not installed"
    skip "sqlite3: not installed"
fi

echo "1..$n"
