-- A Lua workload for libchopalloc-preload.so: strings, tables, sorting, the GC
-- (tests/test_preload.sh, make bench).  SPDX-License-Identifier: MIT
local t = {}
for i = 1, 200000 do t[i] = tostring(i) .. string.rep("x", i % 13) end
local words = {}
for i = 1, #t, 3 do words[#words + 1] = t[i] end
table.sort(words)
local total = 0
for _, w in ipairs(words) do total = total + #w end
collectgarbage()
print(#words, total, words[1], words[#words])
