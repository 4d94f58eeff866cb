-- An SQLite workload for libchopalloc-preload.so: inserts, an index, queries
-- (tests/test_preload.sh, make bench).  SPDX-License-Identifier: MIT
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
INSERT INTO t SELECT i, printf('key-%05d', (i * 7919) % 50000), i * 0.5 FROM n;
CREATE INDEX t_k ON t(k);
SELECT count(*), sum(v), min(k), max(k) FROM t;
SELECT k, v FROM t WHERE k BETWEEN 'key-01000' AND 'key-01005' ORDER BY k;
