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
#include "tap.h"

#define MIN_BLOCK CHOP_MIN_BLOCK_SIZE
#define LARGEST CHOP_LARGEST_BLOCK_SIZE
#define TOP_ORDER ((unsigned)CHOPALLOC_MAX_ORDER - 1u)

/** The two algorithms a heap can run: with a bitmap, or free lists alone. */
enum { MODE_BITMAP, MODE_FREELIST };

/** "bitmap" or "free-list", for test descriptions. */
const char *mode_name(int mode);

/** Whether this build has @p mode (bitmap mode after --disable-bitmap, free-list mode
 *  after --disable-free-list it has not). */
static inline int mode_built(int mode)
{
    return mode == MODE_BITMAP ? CHOPALLOC_HAVE_BITMAP : CHOPALLOC_HAVE_FREE_LIST;
}

/** Whether this build can run a heap in @p mode; when it cannot, reports one skipped
 *  test point saying so.  Inline, so that programs without the TAP harness (misuse,
 *  the fuzz target) need no tap.c. */
static inline int mode_runs(int mode)
{
    if (!mode_built(mode)) {
        tap_skip(1, "%s mode: library built with %s", mode == MODE_BITMAP ? "bitmap" : "free-list",
                 mode == MODE_BITMAP ? "--disable-bitmap" : "--disable-free-list");
        return 0;
    }
    return 1;
}

/** Whether this build has blocks of @p bytes; when it has not (a small
 *  --with-max-order), reports @p points skipped test points, saying that @p what needs
 *  such a block and how large the largest is. */
static inline int block_exists(size_t bytes, unsigned points, const char *what)
{
    if (bytes > CHOP_LARGEST_BLOCK_SIZE) {
        tap_skip(points, "%s needs a %zu-byte block, but the largest block is %zu bytes", what,
                 bytes, (size_t)CHOP_LARGEST_BLOCK_SIZE);
        return 0;
    }
    return 1;
}

/** 2^k as a size_t. */
size_t pow2(unsigned k);

/** chop_get_stats() as a value. */
chop_stats stats_of(const chop_heap *heap);

/** The order of a request (size, align), straight from the contract. */
unsigned expected_order(size_t size, size_t align);

/** Fills len bytes of a block with a pattern derived from seed; verify() checks it. */
void fill(void *block, size_t len, unsigned seed);
int verify(const void *block, size_t len, unsigned seed);

/** An address computed without pointer arithmetic, for pointers outside any object. */
void *addr(uintptr_t a);

/** The byte a chop_heap is pre-filled with before a call that must not write it;
 *  heap_untouched() tells whether every byte still holds it. */
#define HEAP_FILL 0x5A
int heap_untouched(const chop_heap *heap);

/** What chop_init() must make of a region, by the contract. */
struct carving {
    int ok;              /* at least one whole minimum block */
    uintptr_t start, end;
    chop_stats fresh;    /* the statistics of the fresh heap */
};

/** The contract's carving: start rounded up, end rounded down to the minimum block,
 *  then at each address the largest aligned order that fits, up to the top order. */
void carve(uintptr_t base, size_t size, struct carving *c);

/** Where chop_init_region() puts the chop_heap of a region starting at @p base, by
 *  the contract: the first multiple of its alignment at or after @p base. */
uintptr_t region_heap_at(uintptr_t base);

/*
 * Region memory seen past the memory checkers.  With memcheck hooks or under
 * AddressSanitizer the library marks free blocks off limits (src/annotate.h), so a test
 * that snapshots a whole region, or reuses one after its heap is abandoned, goes through
 * these instead of memcpy, memcmp and memset.
 */

/** Whether the library was built with memcheck hooks (configure --enable-valgrind). */
int built_with_memcheck_hooks(void);

/** Whether the library has memcheck hooks and runs under Valgrind now: a misuse of a
 *  heap is then reported by memcheck, and fails the program (make check-valgrind). */
int memcheck_is_watching(void);

/** Whether the library was built with AddressSanitizer, which poisons free blocks. */
int built_with_asan(void);

/** Copies @p n bytes, accessible or not. */
void raw_copy(void *dst, const void *src, size_t n);

/** Sets @p n bytes to @p byte, accessible or not: a stray write, on purpose. */
void raw_fill(void *dst, unsigned char byte, size_t n);

/** Whether the @p n bytes at @p a and @p b are equal, accessible or not. */
int raw_equal(const void *a, const void *b, size_t n);

/** Hands @p n bytes at @p mem back to the test from whatever heap managed them. */
void reclaim(void *mem, size_t n);

#endif /* CHOP_TESTS_TESTLIB_H */
