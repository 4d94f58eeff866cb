/*
 * Helpers shared by the test programs: the two modes, and the contract's model of a
 * fresh heap (how chop_init() carves a region), written once so no test carries a
 * private copy of it.
 * SPDX-License-Identifier: MIT
 */
#ifndef CHOP_TESTS_TESTLIB_H
#define CHOP_TESTS_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "chopalloc.h"

#define MIN_BLOCK CHOP_MIN_BLOCK_SIZE
#define LARGEST CHOP_LARGEST_BLOCK_SIZE
#define TOP_ORDER ((unsigned)CHOPALLOC_MAX_ORDER - 1u)

/** The two algorithms a heap can run: with a bitmap, or free lists alone. */
enum { MODE_BITMAP, MODE_FREELIST };

/** "bitmap" or "free-list", for test descriptions. */
const char *mode_name(int mode);

/** 2^k as a size_t. */
size_t pow2(unsigned k);

/** chop_get_stats() as a value. */
chop_stats stats_of(const chop_heap *heap);

/** What chop_init() must make of a region, by the contract. */
struct carving {
    int ok;              /* at least one whole minimum block */
    uintptr_t start, end;
    chop_stats fresh;    /* the statistics of the fresh heap */
};

/** The contract's carving: start rounded up, end rounded down to the minimum block,
 *  then at each address the largest aligned order that fits, up to the top order. */
void carve(uintptr_t base, size_t size, struct carving *c);

#endif /* CHOP_TESTS_TESTLIB_H */
