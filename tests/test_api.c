/*
 * Every public function and macro of chopalloc, in bitmap mode and in free-list mode.
 * SPDX-License-Identifier: MIT
 *
 * Expected values are computed here from the behaviour contract (the order rule, the
 * greedy carving of a region), never read back from the library.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

/* Constant-expression use of the macros: file-scope arrays and static assertions. */
static uint64_t static_bitmap_1k[CHOP_BITMAP_WORDS(1024)];
_Static_assert(sizeof static_bitmap_1k / sizeof static_bitmap_1k[0] ==
                   ((1024u / CHOP_MIN_BLOCK_SIZE) * 2u + 63u) / 64u,
               "CHOP_BITMAP_WORDS is a constant expression");
static chop_heap static_heap; /* a heap needs no allocation of its own */

/* Region buffers: aligned far beyond the minimum block so that tests know the
 * absolute alignment of every address in them. */
#define ARENA_SIZE 8192u
static _Alignas(4096) unsigned char arena[ARENA_SIZE];
static uint64_t bitmap_store[CHOP_BITMAP_WORDS(ARENA_SIZE) + 8];

/* The fresh heap's statistics, from the contract's greedy carving. */
static void expected_fresh(const void *memory, size_t size, chop_stats *st)
{
    struct carving c;
    carve((uintptr_t)memory, size, &c);
    *st = c.fresh;
}

static chop_status init_mode(chop_heap *heap, void *memory, size_t size, int mode)
{
    if (mode == MODE_BITMAP)
        return chop_init(heap, memory, size, bitmap_store, chop_bitmap_words_needed(size));
    return chop_init(heap, memory, size, NULL, 0);
}

/* The fresh statistics as they should read after every block has been freed again. */
static chop_stats after_drain(const chop_stats *fresh, size_t peak, size_t failed)
{
    chop_stats st = *fresh;
    st.peak_allocated_bytes = peak;
    st.failed_requests = failed;
    return st;
}

/* ------------------------------------------------------------------------------ */

static void test_sizes_and_macros(void)
{
    tap_is_size(CHOP_MIN_BLOCK_SIZE, 2u * sizeof(void *), "CHOP_MIN_BLOCK_SIZE is two pointers");
    tap_is_size(CHOP_MIN_BLOCK_SIZE, (size_t)1 << CHOP_MIN_ORDER,
                "CHOP_MIN_BLOCK_SIZE is 2^CHOP_MIN_ORDER");
    tap_is_size(chop_min_block_size(), CHOP_MIN_BLOCK_SIZE,
                "chop_min_block_size() == CHOP_MIN_BLOCK_SIZE");

    size_t largest = 1;
    for (int i = 0; i < CHOPALLOC_MAX_ORDER - 1; i++)
        largest *= 2u;
    tap_is_size(CHOP_LARGEST_BLOCK_SIZE, largest, "CHOP_LARGEST_BLOCK_SIZE is 2^(MAX_ORDER-1)");
    tap_is_size(chop_largest_block_size(), CHOP_LARGEST_BLOCK_SIZE,
                "chop_largest_block_size() == CHOP_LARGEST_BLOCK_SIZE");
#if CHOPALLOC_CONFIGURED_MAX_ORDER
    tap_is_int(CHOPALLOC_MAX_ORDER, CHOPALLOC_CONFIGURED_MAX_ORDER,
               "CHOPALLOC_MAX_ORDER follows --with-max-order");
#else
    tap_is_int(CHOPALLOC_MAX_ORDER, SIZE_MAX >= 0xFFFFFFFFu ? 32 : 16,
               "CHOPALLOC_MAX_ORDER defaults to 32 (16 for a 16-bit size_t)");
#endif
    tap_ok(CHOPALLOC_HAVE_BITMAP == 0 || CHOPALLOC_HAVE_BITMAP == 1,
           "CHOPALLOC_HAVE_BITMAP is 0 or 1 (it is %d)", CHOPALLOC_HAVE_BITMAP);
    tap_diag("configuration: MIN_ORDER %d, MAX_ORDER %d, bitmap %d, pointer %u bits",
             CHOP_MIN_ORDER, CHOPALLOC_MAX_ORDER, CHOPALLOC_HAVE_BITMAP,
             (unsigned)(sizeof(void *) * 8u));
    tap_ok(CHOPALLOC_HAVE_FREE_LIST == 0 || CHOPALLOC_HAVE_FREE_LIST == 1,
           "CHOPALLOC_HAVE_FREE_LIST is 0 or 1 (it is %d)", CHOPALLOC_HAVE_FREE_LIST);
    tap_ok(CHOPALLOC_HAVE_BITMAP || CHOPALLOC_HAVE_FREE_LIST, "the build has at least one mode");
    tap_ok(CHOP_STATUS_COUNT == (int)CHOP_ERR_FREE_LIST_UNSUPPORTED + 1 && CHOP_OK == 0,
           "statuses run from CHOP_OK == 0 to CHOP_STATUS_COUNT - 1 == "
           "CHOP_ERR_FREE_LIST_UNSUPPORTED");
    tap_ok(sizeof(CHOPALLOC_VERSION) > 1, "CHOPALLOC_VERSION is \"%s\"", CHOPALLOC_VERSION);

    /* Bitmap words: the macro, the function and an independent formula agree. */
    size_t bad = 0, first_bad = 0;
    for (size_t n = 0; n <= 3u * ARENA_SIZE; n++) {
        size_t blocks = n / MIN_BLOCK;
        size_t want = blocks / 32u + (blocks % 32u != 0);
        if (CHOP_BITMAP_WORDS(n) != want || chop_bitmap_words_needed(n) != want) {
            if (!bad++)
                first_bad = n;
        }
    }
    tap_ok(bad == 0,
           "CHOP_BITMAP_WORDS(n) == chop_bitmap_words_needed(n) == ceil(2*(n/min)/64)"
           " for n = 0..%u",
           3u * ARENA_SIZE);
    if (bad)
        tap_diag("%zu mismatches, first at n = %zu", bad, first_bad);

    bad = 0;
    for (unsigned i = 0; i < sizeof(size_t) * 8u; i++) {
        size_t p = pow2(i);
        size_t cases[3] = {p - 1u, p, p + 1u};
        for (int c = 0; c < 3; c++) {
            size_t n = cases[c];
            size_t blocks = n / MIN_BLOCK;
            size_t want = blocks / 32u + (blocks % 32u != 0);
            if (CHOP_BITMAP_WORDS(n) != want || chop_bitmap_words_needed(n) != want) {
                if (!bad++)
                    tap_diag("first mismatch at n = %zu", n);
            }
        }
    }
    tap_ok(bad == 0, "bitmap words agree at every power of two and its neighbours");

    size_t big_cases[] = {SIZE_MAX, SIZE_MAX - 1u, SIZE_MAX / 2u, SIZE_MAX / 2u + 1u,
                          SIZE_MAX - MIN_BLOCK};
    for (size_t i = 0; i < sizeof big_cases / sizeof big_cases[0]; i++) {
        size_t n = big_cases[i];
        size_t blocks = n / MIN_BLOCK;
        size_t want = blocks / 32u + (blocks % 32u != 0);
        tap_ok(CHOP_BITMAP_WORDS(n) == want && chop_bitmap_words_needed(n) == want,
               "bitmap words for n = %zu: macro %zu, function %zu, expected %zu (no overflow)", n,
               (size_t)CHOP_BITMAP_WORDS(n), chop_bitmap_words_needed(n), want);
    }
    tap_is_size(CHOP_BITMAP_WORDS(0), 0, "CHOP_BITMAP_WORDS(0) == 0");
    tap_is_size(chop_bitmap_words_needed(0), 0, "chop_bitmap_words_needed(0) == 0");

    /* The documented examples: 2 words per KiB and 2048 per MiB with 64-bit pointers,
     * twice that with 32-bit ones. */
    tap_is_size(sizeof static_bitmap_1k / sizeof static_bitmap_1k[0], 2u * 16u / MIN_BLOCK,
                "static uint64_t bitmap[CHOP_BITMAP_WORDS(1024)] has 2 words per 16-byte"
                " minimum block size");
    tap_is_size(CHOP_BITMAP_WORDS(1024u * 1024u), 2048u * 16u / MIN_BLOCK,
                "CHOP_BITMAP_WORDS(1 MiB) is 2048 words for a 16-byte minimum block, scaled");

    /* The static bitmap and the static heap actually work. */
    static _Alignas(1024) unsigned char mem1k[1024];
    chop_status s = chop_init(&static_heap, mem1k, sizeof mem1k,
                              CHOPALLOC_HAVE_BITMAP ? static_bitmap_1k : NULL,
                              CHOPALLOC_HAVE_BITMAP ? sizeof static_bitmap_1k / 8u : 0u);
    tap_is_status(s, CHOP_OK, "a static heap with a CHOP_BITMAP_WORDS-sized static bitmap%s",
                  CHOPALLOC_HAVE_BITMAP ? "" : " (free-list build: no bitmap)");
    void *p = NULL;
    /* Its whole 1 KiB, or its first root where the largest block is smaller. */
    const size_t whole = LARGEST < 1024u ? LARGEST : (size_t)1024u;
    s = chop_try_allocate(&static_heap, whole, 1, &p);
    tap_ok(s == CHOP_OK && p == (void *)mem1k,
           "the static heap hands out its whole 1 KiB (or its first %zu-byte root)", whole);
    tap_is_status(chop_try_deallocate(&static_heap, p, whole, 1), CHOP_OK, "and takes it back");
}

/* ------------------------------------------------------------------------------ */

static void test_init(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    chop_stats want;

    /* An aligned region. */
    tap_is_status(init_mode(&heap, arena, 4096, mode), CHOP_OK, "%s: init on an aligned 4 KiB", m);
    expected_fresh(arena, 4096, &want);
    chop_stats got = stats_of(&heap);
    tap_is_stats(&got, &want, "%s: fresh stats of an aligned 4 KiB region", m);
    tap_is_size(got.managed_bytes, 4096, "%s: managed_bytes is the whole aligned region", m);
    tap_is_size(got.unusable_bytes, 0, "%s: nothing unusable in an aligned region", m);
    tap_is_status(chop_check(&heap), CHOP_OK, "%s: chop_check on the fresh heap", m);

    /* Odd addresses and sizes. */
    struct {
        size_t offset, size;
    } cases[] = {{3, 1000},
                 {1, 4095},
                 {MIN_BLOCK - 1u, 2u * MIN_BLOCK - 1u},
                 {MIN_BLOCK + 5u, 3u * 1024u + 7u},
                 {0, MIN_BLOCK},
                 {7, 777}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        void *mem = arena + cases[i].offset;
        chop_status s = init_mode(&heap, mem, cases[i].size, mode);
        expected_fresh(mem, cases[i].size, &want);
        got = stats_of(&heap);
        tap_ok(s == CHOP_OK && chop_check(&heap) == CHOP_OK,
               "%s: init at offset %zu, size %zu succeeds and checks", m, cases[i].offset,
               cases[i].size);
        tap_is_stats(&got, &want, "%s: carving of offset %zu, size %zu", m, cases[i].offset,
                     cases[i].size);
    }

    /* Re-initialising a used heap starts afresh. */
    init_mode(&heap, arena, 2048, mode);
    void *p;
    chop_try_allocate(&heap, 100, 1, &p);
    chop_try_allocate(&heap, 1u << 20, 1, &p); /* a failure, to move failed_requests */
    chop_status s = init_mode(&heap, arena, 2048, mode);
    expected_fresh(arena, 2048, &want);
    got = stats_of(&heap);
    tap_ok(s == CHOP_OK, "%s: chop_init over a used heap", m);
    tap_is_stats(&got, &want, "%s: re-initialised heap reads as fresh (peak, failed reset)", m);
}

/* ------------------------------------------------------------------------------ */

struct layout {
    size_t size, align;
};

static void test_order_rule(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    chop_stats fresh;

    /* A fresh region aligned to its size: the first allocation returns its start. */
    expected_fresh(arena, 4096, &fresh);
    struct layout cases[64];
    size_t n = 0;
    for (size_t s = 1; s <= 2u * MIN_BLOCK + 1u; s++)
        cases[n++] = (struct layout){s, 1};
    cases[n++] = (struct layout){3u * MIN_BLOCK - 1u, 1};
    cases[n++] = (struct layout){3u * MIN_BLOCK + 1u, 2};
    cases[n++] = (struct layout){100, 4};
    cases[n++] = (struct layout){1000, 8};
    cases[n++] = (struct layout){1025, 1};
    cases[n++] = (struct layout){3000, 16};
    cases[n++] = (struct layout){4096, 4096};
    cases[n++] = (struct layout){1, 2};
    cases[n++] = (struct layout){1, 256};
    cases[n++] = (struct layout){1, 4096};
    cases[n++] = (struct layout){MIN_BLOCK + 1u, 4u * MIN_BLOCK};
    cases[n++] = (struct layout){5, 1024};
    cases[n++] = (struct layout){700, 2048};

    for (size_t i = 0; i < n; i++) {
        size_t size = cases[i].size, align = cases[i].align;
        unsigned k = expected_order(size, align);
        size_t bsize = pow2(k);
        void *p = (void *)1;
        int good = 1;

        if (bsize > LARGEST) {
            tap_skip(1, "%s: allocate(%zu, %zu) needs a %zu-byte block, but the largest block is "
                        "%zu bytes", m, size, align, bsize, (size_t)LARGEST);
            continue;
        }
        init_mode(&heap, arena, 4096, mode);
        chop_status s = chop_try_allocate(&heap, size, align, &p);
        if (s != CHOP_OK) {
            tap_ok(0, "%s: allocate(%zu, %zu)", m, size, align);
            tap_diag("status %s", tap_status_name(s));
            continue;
        }
        chop_stats st = stats_of(&heap);
        if (p != (void *)arena) {
            good = 0;
            tap_diag("block at %p, expected the region start %p", p, (void *)arena);
        }
        if ((uintptr_t)p % bsize != 0 || (uintptr_t)p % align != 0) {
            good = 0;
            tap_diag("block %p not aligned to 2^%u", p, k);
        }
        if (st.allocated_bytes != bsize || st.live_allocations != 1) {
            good = 0;
            tap_diag("allocated_bytes %zu, expected 2^%u = %zu", st.allocated_bytes, k, bsize);
        }
        /* The whole 2^k block is ours: filling it must not disturb the heap. */
        fill(p, bsize, (unsigned)i);
        if (chop_check(&heap) != CHOP_OK) {
            good = 0;
            tap_diag("chop_check failed after writing the whole 2^%u block", k);
        }
        if (!verify(p, bsize, (unsigned)i))
            good = 0;
        if (chop_try_deallocate(&heap, p, size, align) != CHOP_OK) {
            good = 0;
            tap_diag("freeing with the same layout failed");
        }
        chop_stats back = stats_of(&heap), want = after_drain(&fresh, bsize, 0);
        if (memcmp(&back, &want, sizeof back) != 0) {
            good = 0;
            tap_diag("stats after the free differ from the fresh heap's");
        }
        tap_ok(good, "%s: allocate(%zu, %zu) -> order %u block at the start, writable, freed", m,
               size, align, k);
    }

    /* Alignment is by absolute address, whatever the region's offset. */
    unsigned char *odd = arena + MIN_BLOCK + 1u;
    size_t odd_size = 6000;
    for (unsigned a = 0; a <= 11; a++) {
        size_t align = pow2(a);
        void *p = NULL;
        init_mode(&heap, odd, odd_size, mode);
        chop_status s = chop_try_allocate(&heap, 24, align, &p);
        unsigned k = expected_order(24, align);
        if (pow2(k) > LARGEST) {
            tap_skip(1, "%s: allocate(24, %zu) needs a %zu-byte block, but the largest block is "
                        "%zu bytes", m, align, pow2(k), (size_t)LARGEST);
            continue;
        }
        tap_ok(s == CHOP_OK && (uintptr_t)p % pow2(k) == 0 &&
                   (unsigned char *)p >= odd + MIN_BLOCK - 1u &&
                   (unsigned char *)p + pow2(k) <= odd + odd_size,
               "%s: allocate(24, %zu) in a region at an odd address: aligned to 2^%u, inside", m,
               align, k);
    }
}

/* ------------------------------------------------------------------------------ */

static void test_placement(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;

    for (unsigned k = CHOP_MIN_ORDER; k <= CHOP_MIN_ORDER + 3u; k++) {
        size_t bsize = pow2(k);
        size_t count = 1024u / bsize;
        int ascending = 1;
        /* At small orders the region is several roots, which still lie in address order. */
        if (bsize > LARGEST) {
            tap_skip(3, "%s: %zu-byte allocations: the largest block is %zu bytes", m, bsize,
                     (size_t)LARGEST);
            continue;
        }
        init_mode(&heap, arena, 1024, mode);
        for (size_t i = 0; i < count; i++) {
            void *p = NULL;
            chop_status s = chop_try_allocate(&heap, bsize, 1, &p);
            if (s != CHOP_OK || p != (void *)(arena + i * bsize)) {
                if (ascending)
                    tap_diag("allocation %zu: %s at %p, expected %p", i, tap_status_name(s), p,
                             (void *)(arena + i * bsize));
                ascending = 0;
            }
        }
        tap_ok(ascending,
               "%s: %zu allocations of %zu bytes return ascending adjacent blocks from"
               " the start",
               m, count, bsize);
        void *p = (void *)1;
        tap_is_status(chop_try_allocate(&heap, bsize, 1, &p), CHOP_ERR_OUT_OF_MEMORY,
                      "%s: the next one is out of memory", m);
        tap_is_ptr(p, NULL, "%s: and sets *out to NULL", m);
    }
}

/* ------------------------------------------------------------------------------ */

/* Free-block histogram helper: checks every order, and the derived fields. */
static int histogram_is(const chop_heap *heap, const size_t *want_orders, size_t n_want,
                        const char *what)
{
    chop_stats st = stats_of(heap);
    size_t want[CHOPALLOC_MAX_ORDER] = {0};
    size_t free_bytes = 0, largest = 0;
    for (size_t i = 0; i < n_want; i++) {
        want[want_orders[i]]++;
        free_bytes += pow2((unsigned)want_orders[i]);
        if (pow2((unsigned)want_orders[i]) > largest)
            largest = pow2((unsigned)want_orders[i]);
    }
    int good = 1;
    for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++)
        if (st.free_blocks[k] != want[k]) {
            tap_diag("%s: free_blocks[%u] = %zu, expected %zu", what, k, st.free_blocks[k],
                     want[k]);
            good = 0;
        }
    if (st.free_bytes != free_bytes || st.largest_free_block != largest ||
        st.allocated_bytes != st.managed_bytes - free_bytes) {
        tap_diag("%s: free_bytes %zu (want %zu), largest %zu (want %zu)", what, st.free_bytes,
                 free_bytes, st.largest_free_block, largest);
        good = 0;
    }
    return good && chop_check(heap) == CHOP_OK;
}

static void test_split_merge(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    /* A 1 KiB region aligned to 1 KiB, or the largest block: one root of order R. */
    const unsigned R = TOP_ORDER < 10u ? TOP_ORDER : 10u;
    const size_t root = pow2(R);
    const unsigned MN = CHOP_MIN_ORDER;
    size_t want[CHOPALLOC_MAX_ORDER > 10 ? CHOPALLOC_MAX_ORDER : 10];
    size_t n;
    chop_stats fresh;
    expected_fresh(arena, root, &fresh);

    init_mode(&heap, arena, root, mode);
    want[0] = R;
    tap_ok(histogram_is(&heap, want, 1, "fresh"), "%s: fresh %zu-byte heap is one order-%u block",
           m, root, R);

    void *a, *b, *c, *d;
    chop_try_allocate(&heap, MIN_BLOCK, 1, &a);
    n = 0;
    for (unsigned k = MN; k < R; k++)
        want[n++] = k;
    tap_ok(histogram_is(&heap, want, n, "after a"),
           "%s: one minimum block splits the root: one free block of each order %u..%u", m, MN,
           R - 1u);

    chop_try_allocate(&heap, MIN_BLOCK, 1, &b);
    tap_ok(b == (char *)a + MIN_BLOCK, "%s: the second minimum block is the first one's buddy", m);
    n = 0;
    for (unsigned k = MN + 1u; k < R; k++)
        want[n++] = k;
    tap_ok(histogram_is(&heap, want, n, "after b"), "%s: buddy taken: orders %u..%u free", m,
           MN + 1u, R - 1u);

    chop_try_allocate(&heap, 4u * MIN_BLOCK, 1, &c);
    tap_ok(c == (char *)a + 4u * MIN_BLOCK,
           "%s: a 4-minimum-block request takes the free order-%u block", m, MN + 2u);
    n = 0;
    want[n++] = MN + 1u;
    for (unsigned k = MN + 3u; k < R; k++)
        want[n++] = k;
    tap_ok(histogram_is(&heap, want, n, "after c"),
           "%s: after a, b, c: orders %u and %u..%u free", m, MN + 1u, MN + 3u, R - 1u);

    chop_try_allocate(&heap, 2u * MIN_BLOCK, 1, &d);
    tap_ok(d == (char *)a + 2u * MIN_BLOCK,
           "%s: a 2-minimum-block request takes the free order-%u block", m, MN + 1u);
    n = 0;
    for (unsigned k = MN + 3u; k < R; k++)
        want[n++] = k;
    tap_ok(histogram_is(&heap, want, n, "after d"),
           "%s: after d the low 8 minimum blocks are all allocated", m);

    /* Free a: no merge (b is live). */
    chop_try_deallocate(&heap, a, MIN_BLOCK, 1);
    n = 0;
    want[n++] = MN;
    for (unsigned k = MN + 3u; k < R; k++)
        want[n++] = k;
    tap_ok(histogram_is(&heap, want, n, "free a"), "%s: freeing a with its buddy live: no merge",
           m);

    /* Free c (order MN+2): its buddy holds b and d, both live: no merge. */
    chop_try_deallocate(&heap, c, 4u * MIN_BLOCK, 1);
    n = 0;
    want[n++] = MN;
    want[n++] = MN + 2u;
    for (unsigned k = MN + 3u; k < R; k++)
        want[n++] = k;
    tap_ok(histogram_is(&heap, want, n, "free c"), "%s: freeing c: order %u joins the lists", m,
           MN + 2u);

    /* Free b: merges with a into order MN+1; its buddy d is live. */
    chop_try_deallocate(&heap, b, MIN_BLOCK, 1);
    n = 0;
    want[n++] = MN + 1u;
    want[n++] = MN + 2u;
    for (unsigned k = MN + 3u; k < R; k++)
        want[n++] = k;
    tap_ok(histogram_is(&heap, want, n, "free b"), "%s: freeing b merges a+b, stops at live d", m);

    /* Free d: cascades all the way up to the root. */
    chop_try_deallocate(&heap, d, 2u * MIN_BLOCK, 1);
    want[0] = R;
    tap_ok(histogram_is(&heap, want, 1, "free d"), "%s: freeing d merges everything back", m);
    chop_stats back = stats_of(&heap), w = after_drain(&fresh, 8u * MIN_BLOCK, 0);
    tap_is_stats(&back, &w, "%s: after freeing everything the stats equal the fresh heap's", m);

    /* Several drain orders over a mix of sizes. */
    /* Capped to the largest block at small --with-max-order. */
#define CAP(x) ((size_t)(x) < LARGEST ? (size_t)(x) : LARGEST)
    static const size_t sizes[] = {CAP(1),   CAP(100), CAP(16), CAP(33), CAP(64),
                                   CAP(200), CAP(8),   CAP(48), CAP(17), CAP(128)};
#undef CAP
    const size_t count = sizeof sizes / sizeof sizes[0];
    for (int order = 0; order < 3; order++) {
        void *ptrs[sizeof sizes / sizeof sizes[0]];
        size_t total = 0;
        init_mode(&heap, arena, 4096, mode);
        expected_fresh(arena, 4096, &fresh);
        int ok_all = 1;
        for (size_t i = 0; i < count; i++) {
            ok_all &= chop_try_allocate(&heap, sizes[i], 1, &ptrs[i]) == CHOP_OK;
            total += pow2(expected_order(sizes[i], 1));
        }
        chop_stats mid = stats_of(&heap);
        ok_all &= mid.allocated_bytes == total && mid.live_allocations == count &&
                  mid.peak_allocated_bytes == total;
        for (size_t j = 0; j < count; j++) {
            size_t i = order == 0 ? j : order == 1 ? count - 1u - j : (j * 3u) % count;
            ok_all &= chop_try_deallocate(&heap, ptrs[i], sizes[i], 1) == CHOP_OK;
            ok_all &= chop_check(&heap) == CHOP_OK;
        }
        back = stats_of(&heap);
        w = after_drain(&fresh, total, 0);
        tap_ok(ok_all, "%s: ten mixed allocations (%s order of freeing) account exactly", m,
               order == 0   ? "same"
               : order == 1 ? "reverse"
                            : "interleaved");
        tap_is_stats(&back, &w, "%s: after the %s drain the stats equal the fresh heap's", m,
                     order == 0   ? "same-order"
                     : order == 1 ? "reverse"
                                  : "interleaved");
    }
}

/* ------------------------------------------------------------------------------ */

static void test_dealloc_layouts(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    chop_stats fresh;
    expected_fresh(arena, 2048, &fresh);

    /* Any layout that maps to the block's order frees it. */
    struct {
        struct layout alloc, release;
    } cases[] = {
        {{3u * MIN_BLOCK, 1}, {4u * MIN_BLOCK, 1}},
        {{3u * MIN_BLOCK, 1}, {1, 4u * MIN_BLOCK}},
        {{3u * MIN_BLOCK, 1}, {2u * MIN_BLOCK + 1u, 2u * MIN_BLOCK}},
        {{1, 1}, {MIN_BLOCK, MIN_BLOCK}},
        {{1, 1}, {2, 1}},
        {{MIN_BLOCK, 1}, {1, 1}},
        {{1, 64}, {64, 1}},
        {{1, 64}, {33, 64}},
        {{1000, 1}, {1, 1024}},
        {{1000, 1}, {513, 512}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        void *p = NULL;
        init_mode(&heap, arena, 2048, mode);
        size_t block = pow2(expected_order(cases[i].alloc.size, cases[i].alloc.align));
        if (block > LARGEST) {
            tap_skip(1, "%s: allocate(%zu, %zu) needs a %zu-byte block, but the largest block is "
                        "%zu bytes", m, cases[i].alloc.size, cases[i].alloc.align, block,
                     (size_t)LARGEST);
            continue;
        }
        chop_status s1 = chop_try_allocate(&heap, cases[i].alloc.size, cases[i].alloc.align, &p);
        chop_status s2 =
            chop_try_deallocate(&heap, p, cases[i].release.size, cases[i].release.align);
        chop_stats back = stats_of(&heap);
        chop_stats w =
            after_drain(&fresh, pow2(expected_order(cases[i].alloc.size, cases[i].alloc.align)), 0);
        tap_ok(s1 == CHOP_OK && s2 == CHOP_OK && memcmp(&back, &w, sizeof w) == 0 &&
                   chop_check(&heap) == CHOP_OK,
               "%s: allocate(%zu, %zu) freed with the equivalent layout (%zu, %zu)", m,
               cases[i].alloc.size, cases[i].alloc.align, cases[i].release.size,
               cases[i].release.align);
    }
}

/* ------------------------------------------------------------------------------ */

static void test_stats(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    unsigned char *mem = arena + 5; /* 11 bytes of head lost with a 16-byte minimum block */
    size_t size = 3000;
    chop_stats fresh;
    expected_fresh(mem, size, &fresh);
    init_mode(&heap, mem, size, mode);
    chop_stats st = stats_of(&heap);

    uintptr_t start = ((uintptr_t)mem + MIN_BLOCK - 1u) & ~(uintptr_t)(MIN_BLOCK - 1u);
    uintptr_t end = ((uintptr_t)mem + size) & ~(uintptr_t)(MIN_BLOCK - 1u);
    tap_is_size(st.managed_bytes, (size_t)(end - start), "%s: managed_bytes = end - start", m);
    tap_is_size(st.unusable_bytes, size - (size_t)(end - start),
                "%s: unusable_bytes = size - managed_bytes", m);
    tap_is_size(st.free_bytes, st.managed_bytes, "%s: all managed bytes free at first", m);

    /* 100 bytes (a 128-byte block), 1 and 300 (512), or less where blocks are small. */
    const size_t s0 = LARGEST / 2u < 100u ? LARGEST / 2u : 100u;
    const size_t s2 = LARGEST < 300u ? LARGEST : 300u;
    const size_t b2 = pow2(expected_order(s2, 1));
    void *p[4];
    chop_try_allocate(&heap, s0, 1, &p[0]);
    chop_try_allocate(&heap, 1, 1, &p[1]);
    chop_try_allocate(&heap, s2, 1, &p[2]);
    st = stats_of(&heap);
    size_t total = pow2(expected_order(s0, 1)) + MIN_BLOCK + b2;
    tap_is_size(st.allocated_bytes, total, "%s: allocated_bytes counts whole blocks", m);
    tap_is_size(st.free_bytes, fresh.managed_bytes - total, "%s: free_bytes = managed - allocated",
                m);
    tap_is_size(st.live_allocations, 3, "%s: live_allocations", m);
    tap_is_size(st.peak_allocated_bytes, total, "%s: peak follows allocated_bytes up", m);

    chop_try_deallocate(&heap, p[2], s2, 1);
    st = stats_of(&heap);
    tap_is_size(st.peak_allocated_bytes, total, "%s: peak stays after a free", m);
    tap_is_size(st.allocated_bytes, total - b2, "%s: allocated_bytes drops on a free", m);
    tap_is_size(st.live_allocations, 2, "%s: live_allocations drops on a free", m);

    size_t failed_before = st.failed_requests;
    tap_is_size(failed_before, 0, "%s: no failed requests yet", m);
    chop_try_allocate(&heap, 4096, 1, &p[3]); /* out of memory (or too large) */
    chop_try_allocate(&heap, 0, 1, &p[3]); /* invalid layout */
    chop_try_allocate(&heap, 1, 3, &p[3]); /* invalid layout */
    chop_try_allocate(&heap, SIZE_MAX, 1, &p[3]); /* too large */
    chop_try_deallocate(&heap, p[2], s2, 1); /* refused free: not counted */
    st = stats_of(&heap);
    tap_is_size(st.failed_requests, 4, "%s: failed_requests counts refused allocations only", m);

    /* largest_free_block tracks the highest order with a free block. */
    size_t largest_want = 0;
    for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++)
        if (st.free_blocks[k])
            largest_want = pow2(k);
    tap_is_size(st.largest_free_block, largest_want, "%s: largest_free_block matches free_blocks",
                m);

    /* Exhaust: largest_free_block 0. */
    const size_t full = LARGEST < 256u ? LARGEST : 256u;
    init_mode(&heap, arena, full, mode);
    void *q;
    chop_try_allocate(&heap, full, 1, &q);
    st = stats_of(&heap);
    tap_ok(st.largest_free_block == 0 && st.free_bytes == 0 && st.allocated_bytes == full,
           "%s: a full heap reports largest_free_block 0, free_bytes 0", m);

    /* chop_get_stats with NULL arguments. */
    chop_stats z;
    memset(&z, 0xAB, sizeof z);
    chop_get_stats(NULL, &z);
    chop_stats zero;
    memset(&zero, 0, sizeof zero);
    tap_is_stats(&z, &zero, "chop_get_stats(NULL, out) zeroes *out");
    chop_stats before = stats_of(&heap);
    chop_get_stats(&heap, NULL);
    st = stats_of(&heap);
    tap_is_stats(&st, &before, "%s: chop_get_stats(heap, NULL) is a no-op", m);
}

/* ------------------------------------------------------------------------------ */

static void test_check(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    void *p[8];
    int good = 1;

    init_mode(&heap, arena + 3, 3333, mode);
    good &= chop_check(&heap) == CHOP_OK;
    for (int i = 0; i < 8; i++) {
        chop_try_allocate(&heap, (size_t)(i * 37 + 1), 1, &p[i]);
        good &= chop_check(&heap) == CHOP_OK;
    }
    for (int i = 0; i < 8; i += 2) {
        chop_try_deallocate(&heap, p[i], (size_t)(i * 37 + 1), 1);
        good &= chop_check(&heap) == CHOP_OK;
    }
    tap_ok(good, "%s: chop_check is CHOP_OK through allocations and frees", m);
    tap_is_status(chop_check(NULL), CHOP_ERR_NULL_ARGUMENT, "chop_check(NULL)");
}

/* ------------------------------------------------------------------------------ */

static void test_strerror(void)
{
    int good = 1;
    for (int i = 0; i < CHOP_STATUS_COUNT; i++) {
        const char *msg = chop_strerror((chop_status)i);
        if (!msg || !msg[0]) {
            tap_diag("status %d has no message", i);
            good = 0;
            continue;
        }
        for (int j = 0; j < i; j++) {
            const char *other = chop_strerror((chop_status)j);
            if (other && strcmp(msg, other) == 0) {
                tap_diag("statuses %d and %d share \"%s\"", j, i, msg);
                good = 0;
            }
        }
    }
    tap_ok(good, "chop_strerror: distinct non-empty messages for all %d statuses",
           CHOP_STATUS_COUNT);
    for (int i = 0; i < CHOP_STATUS_COUNT; i++)
        tap_diag("chop_strerror(%s) = \"%s\"", tap_status_name((chop_status)i),
                 chop_strerror((chop_status)i) ? chop_strerror((chop_status)i) : "(null)");

    const int unknown[] = {-1, 999, CHOP_STATUS_COUNT, CHOP_STATUS_COUNT + 1, INT32_MIN};
    for (size_t u = 0; u < sizeof unknown / sizeof unknown[0]; u++) {
        /* Where enums are as small as their values (arm-none-eabi), the conversion
           wraps: (chop_status)INT32_MIN is CHOP_OK, a real status. */
        if ((unsigned)(chop_status)unknown[u] < (unsigned)CHOP_STATUS_COUNT) {
            tap_skip(1, "chop_status cannot hold %d: the conversion gives the real status %u",
                     unknown[u], (unsigned)(chop_status)unknown[u]);
            continue;
        }
        const char *msg = chop_strerror((chop_status)unknown[u]);
        int distinct = msg != NULL && msg[0] != '\0';
        for (int i = 0; distinct && i < CHOP_STATUS_COUNT; i++)
            if (strcmp(msg, chop_strerror((chop_status)i)) == 0)
                distinct = 0;
        tap_ok(distinct, "chop_strerror(%d) gives a generic message (\"%s\"), not a real one's",
               unknown[u], msg ? msg : "(null)");
    }
}

/*
 * Each mode is built or refused: chop_init() and chop_init_region() give a mode the
 * build lacks its own status, after the region's checks, and write nothing.
 */
static void test_mode_refusals(void)
{
    static _Alignas(64) unsigned char mem[4096];
    static uint64_t bm[CHOP_BITMAP_WORDS(sizeof mem)];
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        const char *m = mode_name(mode);
        chop_status unsupported = mode == MODE_BITMAP ? CHOP_ERR_BITMAP_UNSUPPORTED
                                                      : CHOP_ERR_FREE_LIST_UNSUPPORTED;
        chop_status want = mode_built(mode) ? CHOP_OK : unsupported;
        uint64_t *bitmap = mode == MODE_BITMAP ? bm : NULL;
        size_t words = mode == MODE_BITMAP ? sizeof bm / sizeof bm[0] : 0u;

        chop_heap heap;
        memset(&heap, HEAP_FILL, sizeof heap);
        reclaim(mem, sizeof mem); /* a heap of the last turn may have poisoned it */
        tap_is_status(chop_init(&heap, mem, sizeof mem, bitmap, words), want,
                      "%s: chop_init on a valid region, in this build", m);
        tap_ok(mode_built(mode) ? chop_check(&heap) == CHOP_OK : heap_untouched(&heap),
               "%s: ... %s", m, mode_built(mode) ? "gives a sound heap" : "writes nothing");
        memset(&heap, HEAP_FILL, sizeof heap);
        tap_is_status(chop_init(&heap, mem, 1u, bitmap, words),
                      mode_built(mode) || mode == MODE_FREELIST ? CHOP_ERR_BAD_REGION : unsupported,
                      "%s: chop_init on a region without a block", m);

        chop_heap *placed = NULL;
        reclaim(mem, sizeof mem);
        tap_is_status(chop_init_region(&placed, mem, sizeof mem, mode == MODE_BITMAP), want,
                      "%s: chop_init_region on a valid region, in this build", m);
        tap_ok(mode_built(mode) ? placed != NULL && chop_check(placed) == CHOP_OK : placed == NULL,
               "%s: ... %s", m, mode_built(mode) ? "gives a sound heap" : "writes nothing");
    }
}

/* ------------------------------------------------------------------------------ */

int main(void)
{
    test_sizes_and_macros();
    test_mode_refusals();
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        if (!mode_runs(mode))
            continue;
        test_init(mode);
        test_order_rule(mode);
        test_placement(mode);
        /* Blocks a, b, c and d fill eight minimum blocks of the root. */
        if (block_exists(8u * MIN_BLOCK, 19u, "the split and merge walk-through"))
            test_split_merge(mode);
        test_dealloc_layouts(mode);
        test_stats(mode);
        test_check(mode);
    }
    test_strerror();
    return tap_done();
}
