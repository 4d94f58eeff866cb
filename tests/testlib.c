/*
 * Helpers shared by the test programs (see testlib.h).
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "testlib.h"

const char *mode_name(int mode)
{
    return mode == MODE_BITMAP ? "bitmap" : "free-list";
}

size_t pow2(unsigned k)
{
    return (size_t)1 << k;
}

chop_stats stats_of(const chop_heap *heap)
{
    chop_stats st;
    chop_get_stats(heap, &st);
    return st;
}

void carve(uintptr_t base, size_t size, struct carving *c)
{
    memset(c, 0, sizeof *c);
    if (size > UINTPTR_MAX - base)
        return;
    c->start = (base + MIN_BLOCK - 1u) / MIN_BLOCK * MIN_BLOCK;
    c->end = (base + size) / MIN_BLOCK * MIN_BLOCK;
    if (c->end <= c->start || c->start < base)
        return;
    c->ok = 1;
    c->fresh.managed_bytes = (size_t)(c->end - c->start);
    c->fresh.unusable_bytes = size - c->fresh.managed_bytes;
    c->fresh.free_bytes = c->fresh.managed_bytes;
    for (uintptr_t a = c->start; a < c->end;) {
        unsigned t = TOP_ORDER;
        while (a % pow2(t) != 0 || c->end - a < pow2(t))
            t--;
        c->fresh.free_blocks[t]++;
        if (pow2(t) > c->fresh.largest_free_block)
            c->fresh.largest_free_block = pow2(t);
        a += pow2(t);
    }
}
