/*
 * Regions of odd sizes and addresses, and the largest-block boundaries.
 * SPDX-License-Identifier: MIT
 *
 * For every region the expected carving (managed and unusable bytes, the free blocks
 * of each order) is computed here independently from the contract's greedy rule.
 */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS, MAP_NORESERVE */
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

#define BUF_SIZE 16384u
static _Alignas(8192) unsigned char buf[BUF_SIZE];
static uint64_t bitmap_store[CHOP_BITMAP_WORDS(BUF_SIZE)];
/* One flag per minimum block of buf: handed out and not yet freed. */
static unsigned char taken[BUF_SIZE / 4];
static void *blocks[BUF_SIZE / 4];

static uint64_t rng_state = UINT64_C(0x9E3779B97F4A7C15);

static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

static chop_status init_mode(chop_heap *heap, void *memory, size_t size, int mode)
{
    if (mode == MODE_BITMAP)
        return chop_init(heap, memory, size, bitmap_store, chop_bitmap_words_needed(size));
    return chop_init(heap, memory, size, NULL, 0);
}

/* ------------------------------------------------------------------------------ */

/*
 * One region: the carving must match; then minimum blocks until out of memory must be
 * exactly managed/min distinct aligned blocks inside [start, end); freeing them all in
 * a random order must restore the fresh statistics.  Returns a bit mask of failures:
 * 1 carving, 2 fill, 4 drain.  Diagnostics for the first failure only.
 */
static unsigned one_region(int mode, size_t offset, size_t size, int verbose)
{
    unsigned char *mem = buf + offset;
    struct carving c;
    chop_heap heap;
    unsigned failures = 0;

    carve((uintptr_t)mem, size, &c);
    chop_status s = init_mode(&heap, mem, size, mode);
    if (!c.ok) {
        if (s != CHOP_ERR_BAD_REGION) {
            if (verbose)
                tap_diag("offset %zu size %zu: no whole block, yet chop_init gave %s", offset, size,
                         tap_status_name(s));
            failures |= 1;
        }
        return failures;
    }
    chop_stats st = stats_of(&heap);
    if (s != CHOP_OK || memcmp(&st, &c.fresh, sizeof st) != 0 || chop_check(&heap) != CHOP_OK) {
        if (verbose) {
            tap_diag("offset %zu size %zu: chop_init %s, managed %zu (want %zu), unusable %zu"
                     " (want %zu), largest %zu (want %zu)",
                     offset, size, tap_status_name(s), st.managed_bytes, c.fresh.managed_bytes,
                     st.unusable_bytes, c.fresh.unusable_bytes, st.largest_free_block,
                     c.fresh.largest_free_block);
            for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++)
                if (st.free_blocks[k] != c.fresh.free_blocks[k])
                    tap_diag("  free_blocks[%u] = %zu, want %zu", k, st.free_blocks[k],
                             c.fresh.free_blocks[k]);
        }
        return failures | 1;
    }

    /* Fill with minimum blocks. */
    size_t want_count = c.fresh.managed_bytes / MIN_BLOCK;
    size_t count = 0;
    memset(taken, 0, sizeof taken);
    for (;;) {
        void *p = NULL;
        s = chop_try_allocate(&heap, 1, 1, &p);
        if (s != CHOP_OK)
            break;
        uintptr_t a = (uintptr_t)p;
        size_t idx = (size_t)(a - (uintptr_t)buf) / MIN_BLOCK;
        if (a < c.start || a >= c.end || a % MIN_BLOCK != 0 || count >= want_count || taken[idx]) {
            if (verbose)
                tap_diag("offset %zu size %zu: block %zu at %p is outside [%p, %p), misaligned"
                         " or handed out twice",
                         offset, size, count, p, (void *)c.start, (void *)c.end);
            failures |= 2;
            break;
        }
        taken[idx] = 1;
        memset(p, (int)(idx & 0xFFu), MIN_BLOCK);
        blocks[count++] = p;
    }
    st = stats_of(&heap);
    if (!(failures & 2) && (s != CHOP_ERR_OUT_OF_MEMORY || count != want_count ||
                            st.free_bytes != 0 || st.largest_free_block != 0 ||
                            st.live_allocations != want_count || chop_check(&heap) != CHOP_OK)) {
        if (verbose)
            tap_diag("offset %zu size %zu: %zu minimum blocks then %s, expected %zu then OOM",
                     offset, size, count, tap_status_name(s), want_count);
        failures |= 2;
    }
    if (failures)
        return failures;

    /* Contents intact, then drain in a random order. */
    for (size_t i = 0; i < count; i++) {
        const unsigned char *p = blocks[i];
        size_t idx = (size_t)((uintptr_t)p - (uintptr_t)buf) / MIN_BLOCK;
        for (size_t j = 0; j < MIN_BLOCK; j++)
            if (p[j] != (unsigned char)(idx & 0xFFu))
                failures |= 2;
    }
    for (size_t i = count; i > 1; i--) {
        size_t j = (size_t)(rng() % i);
        void *t = blocks[i - 1u];
        blocks[i - 1u] = blocks[j];
        blocks[j] = t;
    }
    for (size_t i = 0; i < count; i++) {
        s = chop_try_deallocate(&heap, blocks[i], 1, 1);
        if (s != CHOP_OK) {
            if (verbose)
                tap_diag("offset %zu size %zu: freeing block %zu: %s", offset, size, i,
                         tap_status_name(s));
            return failures | 4;
        }
        if (i == count / 2u && chop_check(&heap) != CHOP_OK)
            failures |= 4;
    }
    st = stats_of(&heap);
    chop_stats want = c.fresh;
    want.peak_allocated_bytes = c.fresh.managed_bytes;
    want.failed_requests = 1;
    if (memcmp(&st, &want, sizeof st) != 0 || chop_check(&heap) != CHOP_OK) {
        if (verbose)
            tap_diag("offset %zu size %zu: after draining, free %zu (want %zu), largest %zu"
                     " (want %zu)",
                     offset, size, st.free_bytes, want.free_bytes, st.largest_free_block,
                     want.largest_free_block);
        failures |= 4;
    }
    return failures;
}

static void test_sweep(int mode)
{
    const char *m = mode_name(mode);
    size_t sizes[160];
    size_t n = 0;
    for (size_t s = 1; s <= 3u * MIN_BLOCK + 1u; s++)
        sizes[n++] = s;
    static const size_t primes[] = {37,   97,   101,  127,  131,  251,  257,  509, 521,
                                    1021, 1031, 2039, 2053, 4093, 4099, 7919, 8191};
    for (size_t i = 0; i < sizeof primes / sizeof primes[0]; i++)
        sizes[n++] = primes[i];
    for (unsigned k = 6; k <= 13; k++) {
        sizes[n++] = pow2(k) - 1u;
        sizes[n++] = pow2(k);
        sizes[n++] = pow2(k) + 1u;
        sizes[n++] = pow2(k) + pow2(k - 1u) + MIN_BLOCK; /* several roots */
    }
    static const size_t misc[] = {100, 1000, 3000, 5000, 6000, 7777};
    for (size_t i = 0; i < sizeof misc / sizeof misc[0]; i++)
        sizes[n++] = misc[i];

    const size_t max_offset = 2u * MIN_BLOCK + 3u;
    for (size_t i = 0; i < n; i++) {
        unsigned all = 0;
        size_t bad_offset = 0;
        for (size_t off = 0; off <= max_offset; off++) {
            unsigned f = one_region(mode, off, sizes[i], 0);
            if (f && !all) {
                bad_offset = off;
                one_region(mode, off, sizes[i], 1); /* again, with diagnostics */
            }
            all |= f;
        }
        tap_ok(!(all & 1), "%s: size %zu at offsets 0..%zu: chop_init's carving is the greedy one",
               m, sizes[i], max_offset);
        tap_ok(!(all & 6),
               "%s: size %zu at offsets 0..%zu: managed/min distinct aligned minimum blocks,"
               " then OOM; freeing all restores the fresh stats",
               m, sizes[i], max_offset);
        if (all)
            tap_diag("first failure at offset %zu", bad_offset);
    }
}

/* ------------------------------------------------------------------------------ */

/* Regions whose size is not the whole buffer, at addresses aligned to large powers:
 * within T bytes, 8 KiB or twice the largest block where that is smaller, so that T/2
 * is a block; the structure needs T/2 of four minimum blocks at least. */
#define ROOTS_T (LARGEST < 4096u ? 2u * LARGEST : (size_t)8192u)
#define ROOTS_NEEDS (4u * MIN_BLOCK)

/* Compiled only where blocks of four minimum blocks exist: it indexes free_blocks[] up
 * to the order of T/2. */
#if CHOPALLOC_MAX_ORDER >= CHOP_MIN_ORDER + 3
static unsigned order_of(size_t bytes)
{
    unsigned k = 0;
    while (pow2(k) < bytes)
        k++;
    return k;
}

static void test_root_structure(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    struct carving c;
    const size_t T = ROOTS_T;
    const unsigned half = order_of(T / 2u), quarter = half - 1u;

    /* [min, T - min) of a T-aligned buffer: roots grow, then shrink. */
    unsigned char *mem = buf + MIN_BLOCK;
    size_t size = T - 2u * MIN_BLOCK;
    carve((uintptr_t)mem, size, &c);
    init_mode(&heap, mem, size, mode);
    chop_stats st = stats_of(&heap);
    int good = st.free_blocks[half] == 0;
    for (unsigned k = CHOP_MIN_ORDER; k <= quarter; k++)
        good &= st.free_blocks[k] == 2u;
    tap_ok(good && memcmp(&st, &c.fresh, sizeof st) == 0,
           "%s: [min, %zu-min) of a %zu-aligned buffer: two roots of every order %u..%u", m, T, T,
           CHOP_MIN_ORDER, quarter);

    /* Almost T bytes free, but no aligned T/2 range lies inside the region. */
    void *none = (void *)1;
    chop_status s = chop_try_allocate(&heap, T / 2u, 1, &none);
    tap_ok(s == CHOP_ERR_OUT_OF_MEMORY && none == NULL,
           "%s: ... so allocate(%zu) is out of memory with %zu bytes free", m, T / 2u,
           st.free_bytes);
    void *lo = NULL, *hi = NULL;
    chop_try_allocate(&heap, T / 4u, 1, &lo);
    chop_try_allocate(&heap, T / 4u, 1, &hi);
    s = chop_try_allocate(&heap, T / 4u, 1, &none);
    tap_ok(lo == (void *)(buf + T / 4u) && hi == (void *)(buf + T / 2u) &&
               s == CHOP_ERR_OUT_OF_MEMORY && none == NULL,
           "%s: ... and holds exactly the two %zu-byte roots at %zu and %zu", m, T / 4u, T / 4u,
           T / 2u);
    chop_try_deallocate(&heap, lo, T / 4u, 1);
    chop_try_deallocate(&heap, hi, T / 4u, 1);
    st = stats_of(&heap);
    chop_stats want = c.fresh;
    want.peak_allocated_bytes = T / 2u;
    want.failed_requests = 2;
    tap_is_stats(&st, &want, "%s: freed, the heap is back to its carving", m);

    /* [T/2 - min, T): a minimum root, then a T/2 one. */
    mem = buf + T / 2u - MIN_BLOCK;
    size = T / 2u + MIN_BLOCK;
    carve((uintptr_t)mem, size, &c);
    init_mode(&heap, mem, size, mode);
    st = stats_of(&heap);
    tap_ok(st.free_blocks[CHOP_MIN_ORDER] == 1 && st.free_blocks[half] == 1 &&
               st.free_bytes == T / 2u + MIN_BLOCK && memcmp(&st, &c.fresh, sizeof st) == 0,
           "%s: [%zu-min, %zu): a minimum root and a %zu-byte root", m, T / 2u, T, T / 2u);
    void *p = NULL, *q = NULL;
    chop_try_allocate(&heap, 1, 1, &p);
    chop_try_deallocate(&heap, p, 1, 1);
    chop_try_allocate(&heap, 2u * MIN_BLOCK, 1, &q);
    tap_ok(p == (void *)mem && q != NULL && (uintptr_t)q >= (uintptr_t)buf + T / 2u,
           "%s: a minimum request takes the minimum root; a bigger one must split the other", m);
    chop_try_deallocate(&heap, q, 2u * MIN_BLOCK, 1);
    st = stats_of(&heap);
    tap_ok(st.free_blocks[CHOP_MIN_ORDER] == 1 && st.free_blocks[CHOP_MIN_ORDER + 1] == 0 &&
               st.free_blocks[half] == 1 && chop_check(&heap) == CHOP_OK,
           "%s: the minimum root never merges with its neighbour", m);
}
#endif

/* ------------------------------------------------------------------------------ */

static void largest_in_real_memory(int mode, unsigned char *base, const char *where)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    uint64_t *bitmap = NULL;
    size_t region = 4u * LARGEST;

    if (mode == MODE_BITMAP) {
        bitmap = calloc(chop_bitmap_words_needed(region), sizeof *bitmap);
        if (!bitmap) {
            tap_skip(1, "no memory for the bitmap");
            return;
        }
    }
    /* One largest block. */
    chop_status s =
        chop_init(&heap, base, LARGEST, bitmap, bitmap ? chop_bitmap_words_needed(LARGEST) : 0);
    void *p = NULL;
    chop_status a = chop_try_allocate(&heap, LARGEST, 1, &p);
    tap_ok(s == CHOP_OK && a == CHOP_OK && p == (void *)base,
           "%s: a region of exactly the largest block (%zu bytes, %s) serves allocate(largest)", m,
           LARGEST, where);
    memset(p, 0x3C, LARGEST);
    chop_stats st = stats_of(&heap);
    tap_ok(st.allocated_bytes == LARGEST && st.free_bytes == 0 &&
               chop_try_deallocate(&heap, p, LARGEST, 1) == CHOP_OK,
           "%s: ... the whole block is writable and frees", m);
    a = chop_try_allocate(&heap, 1, LARGEST, &p);
    tap_ok(a == CHOP_OK && p == (void *)base &&
               chop_try_deallocate(&heap, p, 1, LARGEST) == CHOP_OK,
           "%s: allocate(1, align largest) gets the same block", m);
    tap_is_status(chop_try_allocate(&heap, LARGEST + 1u, 1, &p), CHOP_ERR_TOO_LARGE,
                  "%s: allocate(largest+1) -> TOO_LARGE", m);

    /* Four largest blocks: four roots that never merge. */
    s = chop_init(&heap, base, region, bitmap, bitmap ? chop_bitmap_words_needed(region) : 0);
    st = stats_of(&heap);
    int roots_ok = s == CHOP_OK && st.free_blocks[TOP_ORDER] == 4 && st.free_bytes == region &&
                   st.largest_free_block == LARGEST;
    for (unsigned k = 0; k < (unsigned)TOP_ORDER; k++)
        roots_ok &= st.free_blocks[k] == 0;
    tap_ok(roots_ok, "%s: a region of four largest blocks has four roots of the top order", m);

    void *small = NULL;
    chop_try_allocate(&heap, 1, 1, &small);
    st = stats_of(&heap);
    int split_ok = st.free_blocks[TOP_ORDER] == 3;
    for (unsigned k = CHOP_MIN_ORDER; k < (unsigned)TOP_ORDER; k++)
        split_ok &= st.free_blocks[k] == 1;
    tap_ok(split_ok && chop_check(&heap) == CHOP_OK,
           "%s: a minimum block splits one root: one free block of every lower order", m);
    chop_try_deallocate(&heap, small, 1, 1);
    st = stats_of(&heap);
    tap_ok(st.free_blocks[TOP_ORDER] == 4 && st.free_bytes == region &&
               chop_check(&heap) == CHOP_OK,
           "%s: freeing it merges back up to the top order, and no further", m);

    void *big[5] = {NULL, NULL, NULL, NULL, NULL};
    int all = 1;
    for (int i = 0; i < 4; i++)
        all &= chop_try_allocate(&heap, LARGEST, 1, &big[i]) == CHOP_OK &&
               (uintptr_t)big[i] % LARGEST == 0;
    tap_ok(all, "%s: four allocate(largest) succeed", m);
    tap_is_status(chop_try_allocate(&heap, LARGEST, 1, &big[4]), CHOP_ERR_OUT_OF_MEMORY,
                  "%s: a fifth is out of memory", m);
    /* Free the two roots at base and base + largest: adjacent, aligned like buddies of
     * order TOP, but their parent would exceed the largest block. */
    int freed = 1;
    for (int i = 0; i < 4; i++)
        if (big[i] == (void *)base || big[i] == (void *)(base + LARGEST))
            freed &= chop_try_deallocate(&heap, big[i], LARGEST, 1) == CHOP_OK;
    st = stats_of(&heap);
    tap_ok(freed && st.free_blocks[TOP_ORDER] == 2 && st.largest_free_block == LARGEST &&
               st.free_bytes == 2u * LARGEST && chop_check(&heap) == CHOP_OK,
           "%s: two adjacent largest blocks freed stay two blocks", m);
    if (LARGEST <= SIZE_MAX / 2u)
        tap_is_status(chop_try_allocate(&heap, 2u * LARGEST, 1, &p), CHOP_ERR_TOO_LARGE,
                      "%s: and allocate(2*largest) is TOO_LARGE, not served by them", m);
    else
        tap_skip(1, "2*largest does not fit in size_t");

    /* A region offset by half a largest block: half, largest, largest, half. */
    if (!block_exists(2u * MIN_BLOCK, 2, "a root of half the largest block")) {
        free(bitmap);
        return;
    }
    unsigned char *mem = base + LARGEST / 2u;
    size_t size = 3u * LARGEST;
    struct carving c;
    carve((uintptr_t)mem, size, &c);
    s = chop_init(&heap, mem, size, bitmap, bitmap ? chop_bitmap_words_needed(size) : 0);
    st = stats_of(&heap);
    tap_ok(s == CHOP_OK && st.free_blocks[TOP_ORDER] == 2 && st.free_blocks[TOP_ORDER - 1] == 2 &&
               memcmp(&st, &c.fresh, sizeof st) == 0,
           "%s: [largest/2, 3.5*largest): roots half, largest, largest, half", m);
    int got = 0;
    while (chop_try_allocate(&heap, LARGEST, 1, &p) == CHOP_OK)
        got++;
    st = stats_of(&heap);
    tap_ok(got == 2 && st.free_bytes == LARGEST && st.largest_free_block == LARGEST / 2u,
           "%s: only two largest blocks fit although a largest block's worth stays free", m);
    free(bitmap);
}

static void test_largest(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;

    /* Layout limits, on a small region, whatever the largest block. */
    init_mode(&heap, buf, 4096, mode);
    void *p = (void *)1;
    tap_is_status(chop_try_allocate(&heap, LARGEST + 1u, 1, &p), CHOP_ERR_TOO_LARGE,
                  "%s: allocate(largest+1) -> TOO_LARGE", m);
    tap_ok(p == NULL, "%s: ... *out = NULL", m);
    if (LARGEST <= SIZE_MAX / 2u)
        tap_is_status(chop_try_allocate(&heap, 1, 2u * LARGEST, &p), CHOP_ERR_TOO_LARGE,
                      "%s: allocate(1, align 2*largest) -> TOO_LARGE", m);
    else
        tap_skip(1, "2*largest does not fit in size_t");
    tap_is_status(chop_try_allocate(&heap, 1, LARGEST, &p),
                  LARGEST <= 4096u ? CHOP_OK : CHOP_ERR_OUT_OF_MEMORY,
                  "%s: allocate(1, align largest) on a 4 KiB region -> %s", m,
                  LARGEST <= 4096u ? "OK" : "OUT_OF_MEMORY, a valid layout");
    tap_is_status(chop_try_allocate(&heap, LARGEST, 1, &p),
                  LARGEST < 4096u ? CHOP_OK : CHOP_ERR_OUT_OF_MEMORY,
                  "%s: allocate(largest) on a 4 KiB region -> %s", m,
                  LARGEST < 4096u ? "OK" : "OUT_OF_MEMORY, a valid layout");
    chop_stats st = stats_of(&heap);
    tap_is_size(st.failed_requests,
                2u + (LARGEST <= SIZE_MAX / 2u) + (LARGEST > 4096u) + (LARGEST >= 4096u) - 1u,
                "%s: failed_requests counted all of them", m);

    if (LARGEST <= 4u * 1024u * 1024u) {
        unsigned char *base = aligned_alloc(LARGEST, 4u * LARGEST);
        if (!base) {
            tap_skip(1, "aligned_alloc(%zu, %zu) failed", LARGEST, 4u * LARGEST);
            return;
        }
        largest_in_real_memory(mode, base, "aligned_alloc");
        free(base);
        return;
    }
#if defined(__linux__) && defined(MAP_NORESERVE) && UINTPTR_MAX > 0xFFFFFFFFu
    /* A large largest block: reserve address space without touching it.  Only the
     * pages holding free-list links are touched (and the bitmap, 64 MiB for two 2 GiB
     * blocks with a 16-byte minimum block). */
    if (LARGEST <= SIZE_MAX / 8u) {
        size_t span = 5u * LARGEST;
        void *map = mmap(NULL, span, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (map == MAP_FAILED) {
            tap_skip(1, "cannot reserve %zu bytes of address space", span);
            return;
        }
        uintptr_t aligned = ((uintptr_t)map + LARGEST - 1u) & ~(uintptr_t)(LARGEST - 1u);
        unsigned char *base = (unsigned char *)map + (aligned - (uintptr_t)map);
        chop_heap big;
        size_t words = mode == MODE_BITMAP ? chop_bitmap_words_needed(2u * LARGEST) : 0u;
        uint64_t *bitmap = words ? malloc(words * sizeof *bitmap) : NULL;
        if (words && !bitmap) {
            munmap(map, span);
            tap_skip(1, "no memory for a %zu-word bitmap", words);
            return;
        }
        chop_status s = chop_init(&big, base, 2u * LARGEST, bitmap, words);
        st = stats_of(&big);
        tap_ok(s == CHOP_OK && st.free_blocks[TOP_ORDER] == 2 && st.free_bytes == 2u * LARGEST,
               "%s: a reserved region of two largest blocks (%zu bytes each): two roots", m,
               LARGEST);
        void *r1 = NULL, *r2 = NULL, *r3 = (void *)1;
        chop_try_allocate(&big, LARGEST, 1, &r1);
        chop_try_allocate(&big, 1, LARGEST, &r2);
        s = chop_try_allocate(&big, LARGEST, 1, &r3);
        tap_ok(r1 && r2 && r1 != r2 && (uintptr_t)r1 % LARGEST == 0 &&
                   (uintptr_t)r2 % LARGEST == 0 && s == CHOP_ERR_OUT_OF_MEMORY && r3 == NULL,
               "%s: allocate(largest) twice, then out of memory", m);
        chop_try_deallocate(&big, r1, LARGEST, 1);
        chop_try_deallocate(&big, r2, LARGEST, LARGEST);
        st = stats_of(&big);
        tap_ok(st.free_blocks[TOP_ORDER] == 2 && chop_check(&big) == CHOP_OK,
               "%s: both freed: still two blocks of the top order", m);
        void *small = NULL;
        chop_try_allocate(&big, 1, 1, &small);
        st = stats_of(&big);
        int split_ok = st.free_blocks[TOP_ORDER] == 1;
        for (unsigned k = CHOP_MIN_ORDER; k < (unsigned)TOP_ORDER; k++)
            split_ok &= st.free_blocks[k] == 1;
        tap_ok(split_ok && chop_check(&big) == CHOP_OK,
               "%s: a minimum block splits one root into one free block of each lower order", m);
        chop_try_deallocate(&big, small, 1, 1);
        st = stats_of(&big);
        tap_ok(st.free_blocks[TOP_ORDER] == 2 && st.free_bytes == 2u * LARGEST &&
                   chop_check(&big) == CHOP_OK,
               "%s: freed: merged back to two separate roots", m);
        munmap(map, span);
        free(bitmap);
        return;
    }
#endif
    tap_skip(1, "%s: the largest block (%zu bytes) is too big to test in real memory here", m,
             LARGEST);
}

/* ------------------------------------------------------------------------------ */

int main(void)
{
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        if (!mode_runs(mode))
            continue;
        /* The sweep's expectations come from carve(): they hold at every order. */
        test_sweep(mode);
#if CHOPALLOC_MAX_ORDER >= CHOP_MIN_ORDER + 3
        if (block_exists(ROOTS_NEEDS, 7u, "the root structure"))
            test_root_structure(mode);
#else
        (void)block_exists(ROOTS_NEEDS, 7u, "the root structure");
#endif
        test_largest(mode);
    }
    return tap_done();
}
