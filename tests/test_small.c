/*
 * The core of the test suite in a few KiB of RAM: initialisation, allocation and
 * freeing, splitting and merging, every refusal (chop_check's CHOP_ERR_CORRUPTED
 * included), and a randomised run checked against the contract.  It runs in `make check`
 * on the build machine, under qemu for cross builds, and on an 8-bit AVR (ATmega2560,
 * 8 KiB of RAM, 16-bit size_t) under simavr
 * (tools/avr-check.sh), so it uses only what avr-libc offers: no %zu, no %lld, no
 * 64-bit arithmetic in the hot loops, and short test descriptions, since on AVR every
 * string literal is copied to RAM.
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

/* 2 KiB of heap: a quarter of an ATmega2560's RAM. */
#define REGION_SIZE 2048u
/* An aligned part of the region whose heap is a single root block. */
#define SUB_SIZE 1024u
#define MAX_LIVE 40u
#define RANDOM_STEPS 1500u

static unsigned char region[REGION_SIZE];
static uint64_t bitmap[CHOP_BITMAP_WORDS(REGION_SIZE)];
static chop_heap heap;

/* The region's SUB_SIZE-aligned part of SUB_SIZE bytes. */
static unsigned char *sub_region(void)
{
    uintptr_t base = (uintptr_t)region;
    size_t skip = (size_t)((SUB_SIZE - base % SUB_SIZE) % SUB_SIZE);
    return region + skip;
}

static unsigned long ul(size_t n)
{
    return (unsigned long)n;
}

/* chop_init over [mem, mem+size) in this mode, with the whole bitmap in bitmap mode. */
static chop_status init_mode(int mode, void *mem, size_t size)
{
    if (mode == MODE_BITMAP)
        return chop_init(&heap, mem, size, bitmap, sizeof bitmap / sizeof bitmap[0]);
    return chop_init(&heap, mem, size, NULL, 0);
}

/* Whether the heap's statistics are those of a fresh heap over [mem, mem+size). */
static int is_fresh(const void *mem, size_t size)
{
    struct carving c;
    chop_stats st = stats_of(&heap);
    carve((uintptr_t)mem, size, &c);
    if (!c.ok || st.live_allocations != 0 || st.free_bytes != c.fresh.free_bytes ||
        st.managed_bytes != c.fresh.managed_bytes || st.largest_free_block != c.fresh.largest_free_block)
        return 0;
    for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++)
        if (st.free_blocks[k] != c.fresh.free_blocks[k])
            return 0;
    return chop_check(&heap) == CHOP_OK;
}

/* --- chop_init ------------------------------------------------------------------ */

static void test_init(int mode)
{
    const char *m = mode_name(mode);
    struct carving c;

    tap_is_status(init_mode(mode, region, REGION_SIZE), CHOP_OK, "%s: init the region", m);
    carve((uintptr_t)region, REGION_SIZE, &c);
    chop_stats fresh = stats_of(&heap);
    tap_is_stats(&fresh, &c.fresh, "%s: fresh stats are the contract's carving", m);
    tap_is_status(chop_check(&heap), CHOP_OK, "%s: fresh heap checks", m);

    tap_is_status(init_mode(mode, region + 3, 1001u), CHOP_OK, "%s: init at an odd address", m);
    carve((uintptr_t)(region + 3), 1001u, &c);
    fresh = stats_of(&heap);
    tap_is_stats(&fresh, &c.fresh, "%s: odd region carved as the contract says", m);
    tap_is_status(chop_check(&heap), CHOP_OK, "%s: odd heap checks", m);
}

/* --- allocation and freeing ------------------------------------------------------- */

static void test_allocate_free(int mode)
{
    const char *m = mode_name(mode);
    /* Blocks of 1, 4 and 8 minimum blocks, each no larger than the largest block. */
    static const size_t sizes[3] = {1u, 3u * MIN_BLOCK < LARGEST ? 3u * MIN_BLOCK : LARGEST,
                                    MIN_BLOCK};
    static const size_t aligns[3] = {1u, 1u, 8u * MIN_BLOCK < LARGEST ? 8u * MIN_BLOCK : LARGEST};
    void *p[3];
    int placed = 1, intact = 1, freed = 1;
    size_t allocated = 0;

    init_mode(mode, region, REGION_SIZE);
    chop_stats before = stats_of(&heap);
    for (unsigned i = 0; i < 3u; i++) {
        size_t block = pow2(expected_order(sizes[i], aligns[i]));
        if (chop_try_allocate(&heap, sizes[i], aligns[i], &p[i]) != CHOP_OK || !p[i])
            tap_bail_out("%s: allocate(%lu, %lu) failed on a fresh heap", m, ul(sizes[i]),
                         ul(aligns[i]));
        uintptr_t a = (uintptr_t)p[i];
        placed &= a >= (uintptr_t)region && a - (uintptr_t)region <= REGION_SIZE - block &&
                  a % block == 0;
        fill(p[i], block, i + 1u);
        allocated += block;
    }
    tap_ok(placed, "%s: 3 blocks inside the region, aligned to their size", m);
    chop_stats st = stats_of(&heap);
    tap_is_size(st.allocated_bytes, allocated, "%s: allocated_bytes is the blocks' sizes", m);
    tap_is_size(st.live_allocations, 3u, "%s: 3 live allocations", m);
    tap_is_status(chop_check(&heap), CHOP_OK, "%s: heap checks with 3 live", m);
    for (unsigned i = 0; i < 3u; i++) {
        size_t block = pow2(expected_order(sizes[i], aligns[i]));
        intact &= verify(p[i], block, i + 1u);
        freed &= chop_try_deallocate(&heap, p[i], sizes[i], aligns[i]) == CHOP_OK;
    }
    tap_ok(intact, "%s: each block kept its data", m);
    tap_ok(freed, "%s: each block freed", m);
    tap_ok(is_fresh(region, REGION_SIZE), "%s: heap whole again after the frees", m);
    st = stats_of(&heap);
    tap_is_size(st.peak_allocated_bytes, allocated, "%s: peak_allocated_bytes", m);
    tap_is_size(st.failed_requests, before.failed_requests, "%s: no failed request", m);
}

/* --- splitting and merging -------------------------------------------------------- */

static void test_merge(int mode)
{
    const char *m = mode_name(mode);
    unsigned char *sub = sub_region();
    /* The sub-region is one block, or several of the largest size at small orders. */
    unsigned top = expected_order(SUB_SIZE, 1u) < TOP_ORDER ? expected_order(SUB_SIZE, 1u) : TOP_ORDER;
    size_t roots = SUB_SIZE / pow2(top);
    void *a = NULL, *b = NULL;

    init_mode(mode, sub, SUB_SIZE);
    chop_try_allocate(&heap, 1u, 1u, &a);
    chop_try_allocate(&heap, 1u, 1u, &b);
    tap_ok(a == sub && b == sub + MIN_BLOCK, "%s: two minimum blocks split off, lower first", m);
    chop_stats st;
    if (top == CHOP_MIN_ORDER) {
        tap_skip(4, "%s: the largest block is the minimum block: nothing splits or merges", m);
        chop_try_deallocate(&heap, a, 1u, 1u);
        chop_try_deallocate(&heap, b, 1u, 1u);
    } else {
        st = stats_of(&heap);
        int split = st.free_blocks[CHOP_MIN_ORDER] == 0;
        for (unsigned k = CHOP_MIN_ORDER + 1u; k < top; k++)
            split &= st.free_blocks[k] == 1u;
        tap_ok(split && st.free_blocks[top] == roots - 1u, "%s: one free block of each order left", m);

        chop_try_deallocate(&heap, a, 1u, 1u);
        st = stats_of(&heap);
        tap_ok(st.free_blocks[CHOP_MIN_ORDER] == 1u && st.free_blocks[top] == roots - 1u,
               "%s: no merge while the buddy is live", m);
        tap_is_status(chop_try_deallocate(&heap, b, 1u, 1u), CHOP_OK, "%s: free the buddy", m);
        st = stats_of(&heap);
        tap_ok(st.free_blocks[top] == roots && st.largest_free_block == pow2(top) &&
                   is_fresh(sub, SUB_SIZE),
               "%s: merged all the way up to one block", m);
    }

    /* Fill with minimum blocks, then free the even ones and the odd ones. */
    static void *blocks[SUB_SIZE / CHOP_MIN_BLOCK_SIZE];
    size_t n = 0;
    void *p;
    while (n < sizeof blocks / sizeof blocks[0] && chop_try_allocate(&heap, 1u, 1u, &p) == CHOP_OK)
        blocks[n++] = p;
    tap_is_size(n, SUB_SIZE / MIN_BLOCK, "%s: the heap holds exactly its minimum blocks", m);
    tap_is_status(chop_try_allocate(&heap, 1u, 1u, &p), CHOP_ERR_OUT_OF_MEMORY,
                  "%s: then it is full", m);
    int freed = 1;
    for (size_t i = 0; i < n; i += 2u)
        freed &= chop_try_deallocate(&heap, blocks[i], 1u, 1u) == CHOP_OK;
    st = stats_of(&heap);
    tap_ok(freed && st.free_blocks[CHOP_MIN_ORDER] == n / 2u && chop_check(&heap) == CHOP_OK,
           "%s: every other block freed: no merges", m);
    for (size_t i = 1; i < n; i += 2u)
        freed &= chop_try_deallocate(&heap, blocks[i], 1u, 1u) == CHOP_OK;
    tap_ok(freed && is_fresh(sub, SUB_SIZE), "%s: the rest freed: whole again", m);
}

/* --- every refusal ---------------------------------------------------------------- */

static void test_init_refusals(void)
{
    unsigned char *sub = sub_region();
    size_t words = sizeof bitmap / sizeof bitmap[0];

    tap_is_status(chop_init(NULL, sub, SUB_SIZE, NULL, 0), CHOP_ERR_NULL_ARGUMENT, "init: heap NULL");
    memset(&heap, HEAP_FILL, sizeof heap);
    tap_is_status(chop_init(&heap, NULL, SUB_SIZE, NULL, 0), CHOP_ERR_BAD_REGION, "init: memory NULL");
    tap_is_status(chop_init(&heap, sub, SUB_SIZE, NULL, 1), CHOP_ERR_NULL_ARGUMENT,
                  "init: bitmap NULL, 1 word");
    tap_is_status(chop_init(&heap, sub, MIN_BLOCK - 1u, NULL, 0), CHOP_ERR_BAD_REGION,
                  "init: smaller than a block");
    tap_is_status(chop_init(&heap, addr(UINTPTR_MAX - MIN_BLOCK + 1u), 2u * MIN_BLOCK, NULL, 0),
                  CHOP_ERR_BAD_REGION, "init: region wraps");
    tap_is_status(chop_init((chop_heap *)(void *)sub, sub, SUB_SIZE, NULL, 0), CHOP_ERR_BAD_REGION,
                  "init: heap inside the region");
#if CHOPALLOC_HAVE_BITMAP
    tap_is_status(chop_init(&heap, sub, SUB_SIZE, bitmap, chop_bitmap_words_needed(SUB_SIZE) - 1u),
                  CHOP_ERR_BITMAP_TOO_SMALL, "init: bitmap too small");
    tap_is_status(chop_init(&heap, sub, SUB_SIZE, (uint64_t *)(void *)(sub + SUB_SIZE / 2u), words),
                  CHOP_ERR_BAD_REGION, "init: bitmap inside the region");
#else
    tap_skip(2, "the library has no bitmap");
    tap_is_status(chop_init(&heap, sub, SUB_SIZE, bitmap, words), CHOP_ERR_BITMAP_UNSUPPORTED,
                  "init: bitmap without bitmap support");
#endif
    tap_ok(heap_untouched(&heap), "init: no refusal wrote the heap");
}

/* Whether the heap is as it was in *before and still checks. */
static int unchanged(const chop_stats *before)
{
    chop_stats now = stats_of(&heap);
    return memcmp(&now, before, sizeof now) == 0 && chop_check(&heap) == CHOP_OK;
}

static void test_allocate_refusals(int mode)
{
    const char *m = mode_name(mode);
    void *p = &heap;
    int cleared = 1;

    init_mode(mode, sub_region(), SUB_SIZE);
    tap_is_status(chop_try_allocate(&heap, 1u, 1u, NULL), CHOP_ERR_NULL_ARGUMENT, "%s: out NULL", m);
    tap_is_status(chop_try_allocate(NULL, 1u, 1u, &p), CHOP_ERR_NULL_ARGUMENT, "%s: heap NULL", m);
    cleared &= p == NULL;
    chop_stats before = stats_of(&heap);
    tap_is_status(chop_try_allocate(&heap, 0u, 1u, &p), CHOP_ERR_INVALID_LAYOUT, "%s: size 0", m);
    tap_is_status(chop_try_allocate(&heap, 1u, 0u, &p), CHOP_ERR_INVALID_LAYOUT, "%s: align 0", m);
    tap_is_status(chop_try_allocate(&heap, 1u, 3u, &p), CHOP_ERR_INVALID_LAYOUT, "%s: align 3", m);
    cleared &= p == NULL;
    tap_is_status(chop_try_allocate(&heap, LARGEST + 1u, 1u, &p), CHOP_ERR_TOO_LARGE,
                  "%s: size largest+1", m);
    size_t refused = 4;
    if (LARGEST <= SIZE_MAX / 2u) {
        tap_is_status(chop_try_allocate(&heap, 1u, 2u * LARGEST, &p), CHOP_ERR_TOO_LARGE,
                      "%s: align 2*largest", m);
        refused++;
    } else {
        tap_skip(1, "2*largest does not fit in size_t");
    }
    if (2u * SUB_SIZE <= LARGEST) {
        tap_is_status(chop_try_allocate(&heap, 2u * SUB_SIZE, 1u, &p), CHOP_ERR_OUT_OF_MEMORY,
                      "%s: more than the heap", m);
        refused++;
    } else {
        tap_skip(1, "%s: no request larger than the %u-byte heap fits the %lu-byte largest block",
                 m, SUB_SIZE, ul(LARGEST));
    }
    cleared &= p == NULL;
    tap_ok(cleared, "%s: *out is NULL after each refusal", m);
    before.failed_requests += refused;
    tap_ok(unchanged(&before), "%s: only failed_requests changed", m);
}

static void test_free_refusals(int mode)
{
    const char *m = mode_name(mode);
    unsigned char *sub = sub_region();
    void *a = NULL, *b = NULL;

    if (LARGEST < 8u * MIN_BLOCK) {
        tap_skip(17, "%s: the refused frees need a block of 8 minimum blocks; the largest is %lu bytes",
                 m, ul(LARGEST));
        return;
    }
    init_mode(mode, sub, SUB_SIZE);
    chop_try_allocate(&heap, 4u * MIN_BLOCK, 1u, &a);
    chop_try_allocate(&heap, 1u, 1u, &b);
    if (a != sub || b != sub + 4u * MIN_BLOCK)
        tap_bail_out("%s: fixture: unexpected placement", m);
    chop_stats before = stats_of(&heap);
    int same = 1;

    tap_is_status(chop_try_deallocate(NULL, a, 1u, 1u), CHOP_ERR_NULL_ARGUMENT, "%s: free heap NULL", m);
    tap_is_status(chop_try_deallocate(&heap, NULL, 1u, 1u), CHOP_ERR_NULL_ARGUMENT, "%s: free NULL", m);
    same &= unchanged(&before);
    tap_is_status(chop_try_deallocate(&heap, a, 0u, 1u), CHOP_ERR_INVALID_LAYOUT, "%s: free size 0", m);
    tap_is_status(chop_try_deallocate(&heap, a, 1u, 3u), CHOP_ERR_INVALID_LAYOUT, "%s: free align 3", m);
    tap_is_status(chop_try_deallocate(&heap, a, LARGEST + 1u, 1u), CHOP_ERR_TOO_LARGE,
                  "%s: free size largest+1", m);
    same &= unchanged(&before);
    tap_is_status(chop_try_deallocate(&heap, sub + SUB_SIZE, 1u, 1u), CHOP_ERR_OUTSIDE_HEAP,
                  "%s: free past the end", m);
    tap_is_status(chop_try_deallocate(&heap, region + REGION_SIZE - 1u, 1u, 1u), CHOP_ERR_OUTSIDE_HEAP,
                  "%s: free outside", m);
    tap_is_status(chop_try_deallocate(&heap, sub + MIN_BLOCK, 4u * MIN_BLOCK, 1u), CHOP_ERR_MISALIGNED,
                  "%s: free misaligned", m);
    same &= unchanged(&before);
    tap_is_status(chop_try_deallocate(&heap, sub + 8u * MIN_BLOCK, 1u, 1u), CHOP_ERR_DOUBLE_FREE,
                  "%s: free in free memory", m);
    tap_is_status(chop_try_deallocate(&heap, a, 8u * MIN_BLOCK, 1u), CHOP_ERR_SIZE_MISMATCH,
                  "%s: free over free memory", m);
    same &= unchanged(&before);
    if (mode == MODE_BITMAP) {
        tap_is_status(chop_try_deallocate(&heap, sub + 2u * MIN_BLOCK, 2u * MIN_BLOCK, 1u),
                      CHOP_ERR_INTERIOR_POINTER, "%s: free interior", m);
        tap_is_status(chop_try_deallocate(&heap, a, 2u * MIN_BLOCK, 1u), CHOP_ERR_SIZE_MISMATCH,
                      "%s: free with a smaller size", m);
        same &= unchanged(&before);
    } else {
        tap_skip(2, "free-list mode cannot see interior pointers");
    }
    tap_is_status(chop_try_deallocate(&heap, b, 1u, 1u), CHOP_OK, "%s: free b", m);
    tap_is_status(chop_try_deallocate(&heap, b, 1u, 1u), CHOP_ERR_DOUBLE_FREE, "%s: free b twice", m);
    tap_ok(same, "%s: refusals left the heap unchanged", m);
    tap_is_status(chop_try_deallocate(&heap, a, 4u * MIN_BLOCK, 1u), CHOP_OK, "%s: free a", m);
    tap_ok(is_fresh(sub, SUB_SIZE), "%s: whole again", m);
}

/* chop_check's refusal: a stray write over a free block's link is caught. */
static void test_corrupted(int mode)
{
    const char *m = mode_name(mode);
    unsigned char *sub = sub_region();
    unsigned char saved[CHOP_MIN_BLOCK_SIZE];
    void *a = NULL;

    init_mode(mode, sub, SUB_SIZE);
    chop_try_allocate(&heap, 1u, 1u, &a); /* its buddy, sub + MIN_BLOCK, is free */
    raw_copy(saved, sub + MIN_BLOCK, sizeof saved);
    raw_fill(sub + MIN_BLOCK, 0xA5u, sizeof(void *));
    tap_is_status(chop_check(&heap), CHOP_ERR_CORRUPTED, "%s: a free link overwritten", m);
    raw_copy(sub + MIN_BLOCK, saved, sizeof saved);
    tap_is_status(chop_check(&heap), CHOP_OK, "%s: checks again once restored", m);
    chop_try_deallocate(&heap, a, 1u, 1u);
    tap_ok(is_fresh(sub, SUB_SIZE), "%s: whole again", m);
}

static void test_other_calls(void)
{
    int distinct = 1;
    tap_is_status(chop_check(NULL), CHOP_ERR_NULL_ARGUMENT, "check(NULL)");
    for (int i = 0; i < CHOP_STATUS_COUNT; i++) {
        const char *s = chop_strerror((chop_status)i);
        distinct &= s != NULL && s[0] != '\0';
        for (int j = 0; j < i && distinct; j++)
            distinct &= strcmp(s, chop_strerror((chop_status)j)) != 0;
    }
    tap_ok(distinct, "strerror: distinct messages");
#if CHOPALLOC_HAVE_FLASH_STRINGS
    /* The flash copies hold the same sentences, the unknown status's included. */
    int same = 1;
    for (int i = 0; i <= CHOP_STATUS_COUNT; i++) {
        const char *ram = chop_strerror((chop_status)i);
        const __flash char *flash = chop_strerror_flash((chop_status)i);
        size_t n = 0;
        while (ram[n] != '\0' && ram[n] == flash[n])
            n++;
        same &= ram[n] == flash[n];
    }
    tap_ok(same, "strerror_flash: the same sentences, kept in flash");
#endif
}

/* --- randomised run ----------------------------------------------------------------- */

static uint32_t rng_state;

/* xorshift32: 32-bit arithmetic only, cheap on an 8-bit core. */
static uint32_t rng(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

struct live {
    unsigned char *p;
    size_t size, align, block;
    unsigned seed;
};

static struct live live[MAX_LIVE];

enum { P_PREDICT, P_PLACE, P_CHECK, P_STATS, P_DATA, P_COUNT };
static const char *const prop_text[P_COUNT] = {
    "each outcome as predicted", "blocks in range, aligned, disjoint", "chop_check after each step",
    "stats after each step", "data intact",
};

static void test_random(int mode, uint32_t seed)
{
    const char *m = mode_name(mode);
    unsigned first_bad[P_COUNT];
    unsigned n = 0, allocations = 0;
    size_t allocated = 0;

    for (unsigned i = 0; i < P_COUNT; i++)
        first_bad[i] = 0;
    rng_state = seed;
    /* An odd start and length, so the heap has several roots. */
    unsigned char *mem = region + 1u + rng() % 7u;
    size_t size = REGION_SIZE - 8u - (size_t)(rng() % 64u);
    init_mode(mode, mem, size);
    uintptr_t lo = (uintptr_t)mem, hi = lo + size;

    for (unsigned step = 1; step <= RANDOM_STEPS; step++) {
        uint32_t r = rng();
        if (n == 0 || (n < MAX_LIVE && r % 8u < 5u)) {
            static const size_t scale[4] = {2u * CHOP_MIN_BLOCK_SIZE, 64u, 256u, 700u};
            size_t want = 1u + (size_t)((r >> 8) % scale[(r >> 4) % 4u]);
            size_t align = (size_t)1 << ((r >> 20) % 6u);
            size_t block = pow2(expected_order(want, align));
            int fits = stats_of(&heap).largest_free_block >= block;
            /* Past the largest block (small --with-max-order) the refusal is TOO_LARGE. */
            chop_status refusal = block > LARGEST ? CHOP_ERR_TOO_LARGE : CHOP_ERR_OUT_OF_MEMORY;
            void *p = NULL;
            chop_status s = chop_try_allocate(&heap, want, align, &p);
            if ((s == CHOP_OK) != fits || (s != CHOP_OK && s != refusal))
                first_bad[P_PREDICT] = first_bad[P_PREDICT] ? first_bad[P_PREDICT] : step;
            if (s == CHOP_OK) {
                uintptr_t a = (uintptr_t)p;
                int ok = a >= lo && hi - a >= block && a % block == 0;
                for (unsigned i = 0; i < n; i++)
                    ok &= a + block <= (uintptr_t)live[i].p || (uintptr_t)live[i].p + live[i].block <= a;
                if (!ok && !first_bad[P_PLACE])
                    first_bad[P_PLACE] = step;
                live[n] = (struct live){p, want, align, block, step};
                fill(p, block, step);
                allocated += block;
                allocations++;
                n++;
            }
        } else {
            unsigned i = (unsigned)((r >> 8) % n);
            if (!verify(live[i].p, live[i].block, live[i].seed) && !first_bad[P_DATA])
                first_bad[P_DATA] = step;
            if (chop_try_deallocate(&heap, live[i].p, live[i].size, live[i].align) != CHOP_OK &&
                !first_bad[P_PREDICT])
                first_bad[P_PREDICT] = step;
            allocated -= live[i].block;
            live[i] = live[--n];
        }
        if (chop_check(&heap) != CHOP_OK && !first_bad[P_CHECK])
            first_bad[P_CHECK] = step;
        chop_stats st = stats_of(&heap);
        if ((st.allocated_bytes != allocated || st.live_allocations != n ||
             st.free_bytes + st.allocated_bytes != st.managed_bytes) && !first_bad[P_STATS])
            first_bad[P_STATS] = step;
    }
    for (unsigned p = 0; p < P_COUNT; p++) {
        tap_ok(first_bad[p] == 0, "random %s seed %lu: %s", m, (unsigned long)seed, prop_text[p]);
        if (first_bad[p])
            tap_diag("first failure at step %u", first_bad[p]);
    }
    int freed = 1;
    while (n != 0) {
        n--;
        freed &= verify(live[n].p, live[n].block, live[n].seed) &&
                 chop_try_deallocate(&heap, live[n].p, live[n].size, live[n].align) == CHOP_OK;
    }
    tap_ok(freed && is_fresh(mem, size), "random %s seed %lu: all freed, whole again (%u allocations)",
           m, (unsigned long)seed, allocations);
}

/* --- the target's own limits ------------------------------------------------------- */

#if defined(__AVR__)
/* tests/avr/glue.c paints the free RAM between the heap of avr-libc and the stack. */
extern unsigned char __heap_start;
extern unsigned char __stack;
#define STACK_PAINT 0xA5u

static void test_stack(void)
{
    const unsigned char *p = &__heap_start;
    size_t untouched = 0;
    while (p + untouched < &__stack && p[untouched] == STACK_PAINT)
        untouched++;
    tap_ok(untouched > 0, "the stack never reached the static data (%lu bytes to spare)", ul(untouched));
}
#else
static void test_stack(void)
{
}
#endif

int main(void)
{
    test_init_refusals();
    test_other_calls();
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        if (!mode_runs(mode))
            continue;
        test_init(mode);
        test_allocate_free(mode);
        test_merge(mode);
        test_allocate_refusals(mode);
        test_free_refusals(mode);
        test_corrupted(mode);
        test_random(mode, UINT32_C(0x2545F491));
        test_random(mode, UINT32_C(0x9E3779B9));
    }
    test_stack();
    return tap_done();
}
