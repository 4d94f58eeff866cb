# A Python workload for libchopalloc-preload.so: threads, fork, json, unittest
# (tests/test_preload.sh, make bench).  SPDX-License-Identifier: MIT
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
