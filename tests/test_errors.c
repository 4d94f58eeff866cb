/*
 * Every failure of every chopalloc function, in bitmap mode and in free-list mode.
 * SPDX-License-Identifier: MIT
 *
 * Each refused call is checked twice: the exact status, and that nothing changed —
 * the statistics (but for failed_requests, which a refused allocation increments),
 * chop_check(), every byte of the region (live blocks' contents and the free lists'
 * links), the bitmap and, for a refused free, every byte of the chop_heap itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

#define ARENA_SIZE 8192u
#define GUARD_WORDS 4u
#define GUARD UINT64_C(0xC0FFEE00DEADBEEF)
static _Alignas(4096) unsigned char arena[ARENA_SIZE];
static uint64_t bitmap_store[CHOP_BITMAP_WORDS(ARENA_SIZE) + GUARD_WORDS];

/* ------------------------------------------------------------------------------ */
/* A heap under test and snapshots of everything a refused call must leave alone.  */

struct fixture {
    chop_heap heap;
    int mode;
    unsigned char *mem;
    size_t size;
    size_t words; /* bitmap words in use (bitmap mode) */
};

struct snapshot {
    chop_stats stats;
    chop_heap heap_bytes;
    unsigned char region[ARENA_SIZE];
    uint64_t bitmap[sizeof bitmap_store / sizeof bitmap_store[0]];
};

static struct snapshot snap_before;

static void fx_init(struct fixture *fx, int mode, unsigned char *mem, size_t size)
{
    fx->mode = mode;
    fx->mem = mem;
    fx->size = size;
    fx->words = chop_bitmap_words_needed(size);
    for (size_t i = 0; i < sizeof bitmap_store / sizeof bitmap_store[0]; i++)
        bitmap_store[i] = GUARD;
    chop_status s = mode == MODE_BITMAP ? chop_init(&fx->heap, mem, size, bitmap_store, fx->words)
                                        : chop_init(&fx->heap, mem, size, NULL, 0);
    if (s != CHOP_OK)
        tap_bail_out("%s: chop_init of the fixture failed: %s", mode_name(mode),
                     tap_status_name(s));
}

static void snap(const struct fixture *fx, struct snapshot *sn)
{
    sn->stats = stats_of(&fx->heap);
    memcpy(&sn->heap_bytes, &fx->heap, sizeof fx->heap);
    raw_copy(sn->region, fx->mem, fx->size); /* free blocks included */
    memcpy(sn->bitmap, bitmap_store, sizeof bitmap_store);
}

/* Whether the heap is as in the snapshot; failed_delta is the expected growth of
 * failed_requests; heap_bytes: compare the chop_heap byte for byte too. */
static int unchanged(const struct fixture *fx, const struct snapshot *sn, size_t failed_delta,
                     int heap_bytes)
{
    int same = 1;
    chop_stats now = stats_of(&fx->heap), want = sn->stats;
    want.failed_requests += failed_delta;
    if (memcmp(&now, &want, sizeof now) != 0) {
        tap_diag("statistics changed (failed_requests %zu -> %zu, free_bytes %zu -> %zu,"
                 " live %zu -> %zu)",
                 sn->stats.failed_requests, now.failed_requests, sn->stats.free_bytes,
                 now.free_bytes, sn->stats.live_allocations, now.live_allocations);
        same = 0;
    }
    if (heap_bytes && memcmp(&sn->heap_bytes, &fx->heap, sizeof fx->heap) != 0) {
        tap_diag("the chop_heap structure was written");
        same = 0;
    }
    if (!raw_equal(sn->region, fx->mem, fx->size)) {
        tap_diag("the region's bytes (live contents or free-list links) changed");
        same = 0;
    }
    if (memcmp(sn->bitmap, bitmap_store, sizeof bitmap_store) != 0) {
        tap_diag("the bitmap (or the guard words after it) changed");
        same = 0;
    }
    chop_status c = chop_check(&fx->heap);
    if (c != CHOP_OK) {
        tap_diag("chop_check: %s", tap_status_name(c));
        same = 0;
    }
    return same;
}

static void expect_alloc_fail(struct fixture *fx, size_t size, size_t align, chop_status want,
                              const char *what)
{
    const char *m = mode_name(fx->mode);
    void *out = (void *)&out;
    snap(fx, &snap_before);
    chop_status s = chop_try_allocate(&fx->heap, size, align, &out);
    tap_is_status(s, want, "%s: allocate(%zu, %zu) %s -> %s", m, size, align, what,
                  tap_status_name(want));
    tap_ok(out == NULL && unchanged(fx, &snap_before, 1, 0),
           "%s: ... *out = NULL, failed_requests + 1, nothing else changed", m);
}

static void expect_free_fail(struct fixture *fx, const void *ptr, size_t size, size_t align,
                             chop_status want, const char *what)
{
    const char *m = mode_name(fx->mode);
    snap(fx, &snap_before);
    chop_status s = chop_try_deallocate(&fx->heap, (void *)(uintptr_t)ptr, size, align);
    tap_is_status(s, want, "%s: deallocate(%s, %zu, %zu) -> %s", m, what, size, align,
                  tap_status_name(want));
    tap_ok(unchanged(fx, &snap_before, 0, 1), "%s: ... heap unchanged", m);
}

static void *must_alloc(struct fixture *fx, size_t size, size_t align)
{
    void *p = NULL;
    chop_status s = chop_try_allocate(&fx->heap, size, align, &p);
    if (s != CHOP_OK)
        tap_bail_out("%s: fixture allocation (%zu, %zu) failed: %s", mode_name(fx->mode), size,
                     align, tap_status_name(s));
    memset(p, (int)(0x40u + (size & 0x3Fu)), size);
    return p;
}

static void must_free(struct fixture *fx, void *p, size_t size, size_t align)
{
    chop_status s = chop_try_deallocate(&fx->heap, p, size, align);
    if (s != CHOP_OK)
        tap_bail_out("%s: fixture free (%zu, %zu) failed: %s", mode_name(fx->mode), size, align,
                     tap_status_name(s));
}

static unsigned char *at(unsigned char *base, size_t offset)
{
    return base + offset;
}

/* ------------------------------------------------------------------------------ */

/* The allocation refusals' region: one block of 4 KiB, or the largest block where that
 * is smaller. */
#define ALLOC_REGION (LARGEST < 4096u ? LARGEST : (size_t)4096u)
/* The fragmentation case's region: one block of 1 KiB, or the largest block. */
#define FRAG_REGION (LARGEST < 1024u ? LARGEST : (size_t)1024u)

static void test_allocate_errors(int mode)
{
    struct fixture fx;
    const char *m = mode_name(mode);
    const size_t R = ALLOC_REGION;
    fx_init(&fx, mode, arena, R);
    /* a and b use the lower half (all of a region of one or two minimum blocks). */
    size_t count = 1;
    void *a = must_alloc(&fx, R / 4u < 100u ? R / 4u : 100u, 1);
    (void)a;
    if (R >= 2u * MIN_BLOCK) {
        void *b = must_alloc(&fx, 1, 1);
        (void)b;
        count++;
    }

    /* NULL arguments. */
    {
        snap(&fx, &snap_before);
        tap_is_status(chop_try_allocate(&fx.heap, 16, 1, NULL), CHOP_ERR_NULL_ARGUMENT,
                      "%s: allocate with out NULL -> CHOP_ERR_NULL_ARGUMENT", m);
        tap_ok(unchanged(&fx, &snap_before, 0, 1), "%s: ... nothing written anywhere", m);

        void *out = (void *)&out;
        tap_is_status(chop_try_allocate(NULL, 16, 1, &out), CHOP_ERR_NULL_ARGUMENT,
                      "%s: allocate with heap NULL -> CHOP_ERR_NULL_ARGUMENT", m);
        tap_is_ptr(out, NULL, "%s: ... *out = NULL", m);
        tap_is_status(chop_try_allocate(NULL, 16, 1, NULL), CHOP_ERR_NULL_ARGUMENT,
                      "%s: allocate with heap and out NULL -> CHOP_ERR_NULL_ARGUMENT", m);
        out = (void *)&out;
        tap_is_status(chop_try_allocate(NULL, 0, 3, &out), CHOP_ERR_NULL_ARGUMENT,
                      "%s: heap NULL is reported before a bad layout", m);
        tap_is_ptr(out, NULL, "%s: ... *out = NULL", m);
    }

    /* Invalid layouts. */
    expect_alloc_fail(&fx, 0, 1, CHOP_ERR_INVALID_LAYOUT, "size 0");
    expect_alloc_fail(&fx, 0, 16, CHOP_ERR_INVALID_LAYOUT, "size 0");
    expect_alloc_fail(&fx, 16, 0, CHOP_ERR_INVALID_LAYOUT, "align 0");
    expect_alloc_fail(&fx, 16, 3, CHOP_ERR_INVALID_LAYOUT, "align 3");
    expect_alloc_fail(&fx, 16, 6, CHOP_ERR_INVALID_LAYOUT, "align 6");
    expect_alloc_fail(&fx, 16, 12, CHOP_ERR_INVALID_LAYOUT, "align 12");
    expect_alloc_fail(&fx, 16, SIZE_MAX, CHOP_ERR_INVALID_LAYOUT, "align SIZE_MAX");
    expect_alloc_fail(&fx, 16, LARGEST + 1u, CHOP_ERR_INVALID_LAYOUT, "align largest+1");
    expect_alloc_fail(&fx, SIZE_MAX, 3, CHOP_ERR_INVALID_LAYOUT,
                      "(bad align is reported before a size too large)");
    expect_alloc_fail(&fx, 0, SIZE_MAX / 2u + 1u, CHOP_ERR_INVALID_LAYOUT,
                      "(size 0 is reported before an align too large)");

    /* Too large: never an overflow. */
    expect_alloc_fail(&fx, SIZE_MAX, 1, CHOP_ERR_TOO_LARGE, "size SIZE_MAX");
    expect_alloc_fail(&fx, SIZE_MAX - 1u, 1, CHOP_ERR_TOO_LARGE, "size SIZE_MAX-1");
    expect_alloc_fail(&fx, SIZE_MAX / 2u + 1u, 1,
                      SIZE_MAX / 2u + 1u > LARGEST ? CHOP_ERR_TOO_LARGE : CHOP_ERR_OUT_OF_MEMORY,
                      "size SIZE_MAX/2+1");
    expect_alloc_fail(&fx, LARGEST + 1u, 1, CHOP_ERR_TOO_LARGE, "size largest+1");
    expect_alloc_fail(&fx, 1, SIZE_MAX / 2u + 1u,
                      SIZE_MAX / 2u + 1u > LARGEST ? CHOP_ERR_TOO_LARGE : CHOP_ERR_OUT_OF_MEMORY,
                      "align SIZE_MAX/2+1");
    if (LARGEST <= SIZE_MAX / 2u)
        expect_alloc_fail(&fx, 1, LARGEST * 2u, CHOP_ERR_TOO_LARGE, "align 2*largest");
    else
        tap_skip(1, "the largest block is the largest power of two in size_t");
    expect_alloc_fail(&fx, LARGEST + 1u, LARGEST, CHOP_ERR_TOO_LARGE, "size largest+1");

    /* Out of memory: valid layouts that no free block can satisfy. */
    expect_alloc_fail(&fx, LARGEST, 1, CHOP_ERR_OUT_OF_MEMORY,
                      "size largest (the region: one block, partly used)");
    expect_alloc_fail(&fx, 1, LARGEST, CHOP_ERR_OUT_OF_MEMORY,
                      "align largest (the region: one block, partly used)");
    expect_alloc_fail(&fx, R, 1, CHOP_ERR_OUT_OF_MEMORY, "the whole region, partly used");
    expect_alloc_fail(&fx, R / 2u + 1u, 1, CHOP_ERR_OUT_OF_MEMORY, "more than half the region");

    /* Exhaust the heap, then every request fails. */
    void *p;
    while (chop_try_allocate(&fx.heap, 1, 1, &p) == CHOP_OK) {
        memset(p, 0x77, MIN_BLOCK);
        count++;
    }
    chop_stats st = stats_of(&fx.heap);
    tap_ok(st.free_bytes == 0 && st.largest_free_block == 0 && count == st.live_allocations,
           "%s: filled the heap with minimum blocks (%zu live)", m, count);
    expect_alloc_fail(&fx, 1, 1, CHOP_ERR_OUT_OF_MEMORY, "on a full heap");
    expect_alloc_fail(&fx, MIN_BLOCK, MIN_BLOCK, CHOP_ERR_OUT_OF_MEMORY, "on a full heap");

    /* Fragmentation: half the bytes free, but no two adjacent minimum blocks, and in
     * two blocks at least. */
    if (!block_exists(4u * MIN_BLOCK, 7, "fragmenting a block into minimum blocks"))
        return;
    const size_t F = FRAG_REGION;
    fx_init(&fx, mode, arena, F);
    void *blocks[1024 / 8];
    size_t nb = F / MIN_BLOCK;
    for (size_t i = 0; i < nb; i++)
        blocks[i] = must_alloc(&fx, MIN_BLOCK, 1);
    for (size_t i = 0; i < nb; i += 2)
        must_free(&fx, blocks[i], MIN_BLOCK, 1);
    st = stats_of(&fx.heap);
    tap_ok(st.free_bytes == F / 2u && st.free_blocks[CHOP_MIN_ORDER] == nb / 2u &&
               st.largest_free_block == MIN_BLOCK,
           "%s: every other minimum block freed: %zu bytes free in %zu blocks", m, F / 2u,
           nb / 2u);
    expect_alloc_fail(&fx, MIN_BLOCK + 1u, 1, CHOP_ERR_OUT_OF_MEMORY,
                      "with free bytes but no free pair");
    expect_alloc_fail(&fx, 1, 2u * MIN_BLOCK, CHOP_ERR_OUT_OF_MEMORY,
                      "aligned beyond every free block");
    expect_alloc_fail(&fx, F / 2u, 1, CHOP_ERR_OUT_OF_MEMORY, "as much as is free, scattered");
}

/* ------------------------------------------------------------------------------ */

/* Live blocks of the deallocation fixture, to find memory that is surely free. */
static struct {
    uintptr_t addr;
    size_t len;
} live[64];
static size_t nlive;

static void *track_alloc(struct fixture *fx, size_t size, size_t align)
{
    void *p = must_alloc(fx, size, align);
    size_t len = MIN_BLOCK;
    while (len < size || len < align)
        len *= 2u;
    if (nlive == sizeof live / sizeof live[0])
        tap_bail_out("too many tracked blocks");
    live[nlive].addr = (uintptr_t)p;
    live[nlive].len = len;
    nlive++;
    return p;
}

static void track_free(struct fixture *fx, void *p, size_t size, size_t align)
{
    must_free(fx, p, size, align);
    for (size_t i = 0; i < nlive; i++)
        if (live[i].addr == (uintptr_t)p) {
            live[i] = live[--nlive];
            return;
        }
    tap_bail_out("freed an untracked block");
}

/* The highest (or lowest) len-aligned range of len bytes in [start, end) holding no live
 * block: free memory by the canonical rule. */
static uintptr_t free_range(uintptr_t start, uintptr_t end, size_t len, int highest)
{
    uintptr_t first = (start + len - 1u) / len * len;
    for (uintptr_t i = 0;; i++) {
        uintptr_t a;
        if (highest) {
            a = (end - len) / len * len - i * len;
            if (a < first || a > end)
                break;
        } else {
            a = first + i * len;
            if (a + len > end)
                break;
        }
        int clear = 1;
        for (size_t j = 0; j < nlive; j++)
            if (live[j].addr < a + len && a < live[j].addr + live[j].len)
                clear = 0;
        if (clear)
            return a;
    }
    tap_bail_out("no free range of %zu bytes", len);
}

/* Allocates fillers until no free block of `size`'s order is left, so that the next
 * two allocations of `size` split a larger block and come out as buddies. */
static void buddy_pair(struct fixture *fx, size_t size, void **lower, void **upper)
{
    unsigned k = CHOP_MIN_ORDER;
    while (pow2(k) < size)
        k++;
    while (stats_of(&fx->heap).free_blocks[k] != 0)
        track_alloc(fx, size, size);
    *lower = track_alloc(fx, size, size);
    *upper = track_alloc(fx, size, size);
    tap_ok(((uintptr_t)*lower ^ (uintptr_t)*upper) == size && *lower < *upper,
           "%s: fixture: with no free block of %zu bytes, two allocations of %zu split a"
           " larger block into buddies, lower half first",
           mode_name(fx->mode), size, size);
}

/* The free refusals' buddies of 64 bytes need their parent block. */
#define DEALLOC_NEEDS 128u
/* The test points after "outside the heap", skipped without such a block. */
#define DEALLOC_REST_BITMAP 71u
#define DEALLOC_REST_FREELIST 54u

static void test_deallocate_errors(int mode)
{
    struct fixture fx;
    const char *m = mode_name(mode);
    const size_t MINB = MIN_BLOCK;

    /* A region at an odd address with an unusable head and tail. */
    unsigned char *mem = arena + 4u * MINB - 3u;
    size_t size = 4096u + 2u * MINB + 2u;
    fx_init(&fx, mode, mem, size);
    nlive = 0;
    uintptr_t start = ((uintptr_t)mem + MINB - 1u) & ~(uintptr_t)(MINB - 1u);
    uintptr_t end = ((uintptr_t)mem + size) & ~(uintptr_t)(MINB - 1u);

    /* Blocks: x and y, live minimum buddies; big (4*min) and mid (2*min); lone and
     * gone, 64-byte buddies of which gone is freed again (lone stays live, so gone
     * cannot merge).  Without 128-byte blocks x alone is live: the refusals that need
     * no buddies (NULL, layout, outside the heap) still run. */
    const int full = LARGEST >= DEALLOC_NEEDS;
    void *x, *y = NULL, *lone = NULL, *gone = NULL, *big = NULL, *mid = NULL;
    if (full) {
        buddy_pair(&fx, MINB, &x, &y);
        big = track_alloc(&fx, 4u * MINB, 1);
        mid = track_alloc(&fx, 2u * MINB, 1);
        memset(big, 0x5B, 4u * MINB);
        buddy_pair(&fx, 64, &lone, &gone);
        track_free(&fx, gone, 64, 64);
    } else {
        x = track_alloc(&fx, MINB, 1);
        tap_skip(2, "the buddy-pair fixtures need a %zu-byte block, but the largest block is"
                 " %zu bytes", (size_t)DEALLOC_NEEDS, (size_t)LARGEST);
    }

    int here = 0;
    void *heap_block = malloc(64);

    /* 1. NULL arguments come first. */
    snap(&fx, &snap_before);
    tap_is_status(chop_try_deallocate(NULL, x, MINB, 1), CHOP_ERR_NULL_ARGUMENT,
                  "%s: deallocate with heap NULL", m);
    tap_is_status(chop_try_deallocate(NULL, NULL, 0, 0), CHOP_ERR_NULL_ARGUMENT,
                  "%s: deallocate with heap and ptr NULL, bad layout", m);
    tap_ok(unchanged(&fx, &snap_before, 0, 1), "%s: ... heap unchanged", m);
    expect_free_fail(&fx, NULL, MINB, 1, CHOP_ERR_NULL_ARGUMENT, "NULL");
    expect_free_fail(&fx, NULL, 0, 3, CHOP_ERR_NULL_ARGUMENT, "NULL (before the layout)");

    /* 2. Layout. */
    expect_free_fail(&fx, x, 0, 1, CHOP_ERR_INVALID_LAYOUT, "x, size 0");
    expect_free_fail(&fx, x, MINB, 0, CHOP_ERR_INVALID_LAYOUT, "x, align 0");
    expect_free_fail(&fx, x, MINB, 3, CHOP_ERR_INVALID_LAYOUT, "x, align 3");
    expect_free_fail(&fx, x, MINB, 6, CHOP_ERR_INVALID_LAYOUT, "x, align 6");
    expect_free_fail(&fx, x, SIZE_MAX, 1, CHOP_ERR_TOO_LARGE, "x, size SIZE_MAX");
    expect_free_fail(&fx, x, SIZE_MAX / 2u + 1u, 1,
                     SIZE_MAX / 2u + 1u > LARGEST ? CHOP_ERR_TOO_LARGE : CHOP_ERR_MISALIGNED,
                     "x, size SIZE_MAX/2+1");
    expect_free_fail(&fx, x, LARGEST + 1u, 1, CHOP_ERR_TOO_LARGE, "x, size largest+1");
    if (LARGEST <= SIZE_MAX / 2u)
        expect_free_fail(&fx, x, 1, LARGEST * 2u, CHOP_ERR_TOO_LARGE, "x, align 2*largest");
    else
        tap_skip(1, "the largest block is the largest power of two in size_t");
    expect_free_fail(&fx, &here, 0, 1, CHOP_ERR_INVALID_LAYOUT,
                     "a stack variable, size 0 (layout before position)");
    expect_free_fail(&fx, &here, SIZE_MAX, 1, CHOP_ERR_TOO_LARGE,
                     "a stack variable, size SIZE_MAX (layout before position)");

    /* 3. Outside the heap. */
    expect_free_fail(&fx, mem, 1, 1, CHOP_ERR_OUTSIDE_HEAP, "the region's first (unusable) byte");
    expect_free_fail(&fx, addr(start - MINB), MINB, 1, CHOP_ERR_OUTSIDE_HEAP,
                     "one minimum block below start");
    expect_free_fail(&fx, addr(start - 1u), 1, 1, CHOP_ERR_OUTSIDE_HEAP, "start - 1");
    expect_free_fail(&fx, addr(end), MINB, 1, CHOP_ERR_OUTSIDE_HEAP, "end");
    expect_free_fail(&fx, addr(end + 1u), MINB, 1, CHOP_ERR_OUTSIDE_HEAP,
                     "end + 1 (outside before misaligned)");
    expect_free_fail(&fx, addr(end + MINB), MINB, 1, CHOP_ERR_OUTSIDE_HEAP, "end + min");
    expect_free_fail(&fx, mem + size - 1u, 1, 1, CHOP_ERR_OUTSIDE_HEAP,
                     "the region's last (unusable) byte");
    uintptr_t far = start > UINTPTR_MAX / 2u ? start - UINTPTR_MAX / 4u : start + UINTPTR_MAX / 4u;
    far &= ~(uintptr_t)4095u;
    expect_free_fail(&fx, addr(far), MINB, 1, CHOP_ERR_OUTSIDE_HEAP, "an address far away");
    expect_free_fail(&fx, addr(UINTPTR_MAX & ~(uintptr_t)(MINB - 1u)), MINB, 1,
                     CHOP_ERR_OUTSIDE_HEAP, "the top of the address space");
    expect_free_fail(&fx, addr(MINB), MINB, 1, CHOP_ERR_OUTSIDE_HEAP, "a tiny address");
    expect_free_fail(&fx, &here, sizeof here, 1, CHOP_ERR_OUTSIDE_HEAP, "a stack variable");
    if (heap_block)
        expect_free_fail(&fx, heap_block, LARGEST < 64u ? LARGEST : 64u, 1,
                         CHOP_ERR_OUTSIDE_HEAP, "a malloc() block");
    else
        tap_skip(1, "malloc failed");
    /* Claimed no larger than the largest block: the layout is checked first. */
    expect_free_fail(&fx, &fx, LARGEST < sizeof fx ? LARGEST : sizeof fx, 1, CHOP_ERR_OUTSIDE_HEAP,
                     "the fixture itself");

    if (full) {
        /* 4. Misaligned. */
        expect_free_fail(&fx, at(x, 1), 1, 1, CHOP_ERR_MISALIGNED, "x + 1");
        expect_free_fail(&fx, at(x, MINB / 2u), 1, 1, CHOP_ERR_MISALIGNED, "x + min/2");
        expect_free_fail(&fx, at(big, MINB), 4u * MINB, 1, CHOP_ERR_MISALIGNED,
                         "big + min, big's layout");
        expect_free_fail(&fx, at(big, 2u * MINB), 4u * MINB, 1, CHOP_ERR_MISALIGNED,
                         "big + 2*min, big's layout");
        expect_free_fail(&fx, at(gone, 1), 1, 1, CHOP_ERR_MISALIGNED,
                         "gone + 1 (misaligned before double free)");
        {
            /* A block aligned to exactly its own size, claimed with twice the alignment. */
            void *odd = ((uintptr_t)y % (2u * MINB)) != 0 ? y : x;
            expect_free_fail(&fx, odd, MINB, 2u * MINB, CHOP_ERR_MISALIGNED,
                             "a minimum block not aligned to 2*min, align 2*min");
            expect_free_fail(&fx, odd, 2u * MINB, 1, CHOP_ERR_MISALIGNED,
                             "a minimum block not aligned to 2*min, size 2*min");
        }
        {
            /* lone is aligned to 64; 128 * k alignment picks an address that is not. */
            void *p64 = ((uintptr_t)lone % 128u) != 0 ? lone : gone;
            expect_free_fail(&fx, p64, 64, 128, CHOP_ERR_MISALIGNED,
                             "a 64-aligned block, align 128");
        }

        /* 5. Double free and never-allocated pointers (both modes). */
        expect_free_fail(&fx, gone, 64, 64, CHOP_ERR_DOUBLE_FREE, "gone, freed already");
        expect_free_fail(&fx, gone, 64, 1, CHOP_ERR_DOUBLE_FREE, "gone, equivalent layout");
        expect_free_fail(&fx, gone, MINB, 1, CHOP_ERR_DOUBLE_FREE, "gone, smaller layout");
        expect_free_fail(&fx, at(gone, MINB), MINB, 1, CHOP_ERR_DOUBLE_FREE, "inside gone");
        {
            /* Memory that no live block covers. */
            uintptr_t never = free_range(start, end, MINB, 1);
            expect_free_fail(&fx, addr(never), MINB, 1, CHOP_ERR_DOUBLE_FREE,
                             "the highest free minimum block");
            const size_t r256 = LARGEST < 256u ? LARGEST : 256u;
            never = free_range(start, end, r256, 0);
            expect_free_fail(&fx, addr(never), r256, 1, CHOP_ERR_DOUBLE_FREE,
                             "the lowest free 256-byte (or largest-block) range");
            never = free_range(start, end, 4u * MINB, 1);
            expect_free_fail(&fx, addr(never + MINB), MINB, 1, CHOP_ERR_DOUBLE_FREE,
                             "inside a free range");
        }
        /* Double free after the block merged with its buddy. */
        size_t free_min_before = stats_of(&fx.heap).free_blocks[CHOP_MIN_ORDER];
        track_free(&fx, x, MINB, 1);
        track_free(&fx, y, MINB, 1);
        chop_stats st = stats_of(&fx.heap);
        tap_ok(st.live_allocations == nlive && st.free_blocks[CHOP_MIN_ORDER] == free_min_before,
               "%s: fixture: x and y freed (they merged: no new minimum free block)", m);
        expect_free_fail(&fx, x, MINB, 1, CHOP_ERR_DOUBLE_FREE, "x again, after x+y merged");
        expect_free_fail(&fx, y, MINB, 1, CHOP_ERR_DOUBLE_FREE, "y again, after x+y merged");
        expect_free_fail(&fx, x, 2u * MINB, 1, CHOP_ERR_DOUBLE_FREE, "the merged x+y block");

        /* 6. Wrong size: a bigger claim overlapping free memory (both modes). */
        {
            /* `lone`'s buddy `gone` is free: claiming lone's parent overlaps it. */
            void *parent = (void *)((uintptr_t)lone < (uintptr_t)gone ? lone : gone);
            if (parent == lone)
                expect_free_fail(&fx, lone, 128, 1, CHOP_ERR_SIZE_MISMATCH,
                                 "lone, twice its size (over its free buddy)");
            else
                expect_free_fail(&fx, lone, 64, 128, CHOP_ERR_MISALIGNED,
                                 "lone, its parent's alignment");
        }
        const size_t k4 = LARGEST < 4096u ? LARGEST : 4096u;
        expect_free_fail(&fx, big, k4, 1,
                         ((uintptr_t)big % k4) ? CHOP_ERR_MISALIGNED : CHOP_ERR_SIZE_MISMATCH,
                         "big, as 4 KiB (or the largest block)");

        /* Bitmap mode only: interior pointers and smaller layouts inside live blocks,
         * and bigger layouts over live memory. */
        if (mode == MODE_BITMAP) {
            expect_free_fail(&fx, at(big, MINB), MINB, 1, CHOP_ERR_INTERIOR_POINTER, "big + min");
            expect_free_fail(&fx, at(big, 2u * MINB), 2u * MINB, 1, CHOP_ERR_INTERIOR_POINTER,
                             "big + 2*min");
            expect_free_fail(&fx, at(big, 3u * MINB), MINB, MINB, CHOP_ERR_INTERIOR_POINTER,
                             "big + 3*min");
            expect_free_fail(&fx, at(lone, 32), 32, 1, CHOP_ERR_INTERIOR_POINTER, "lone + 32");
            expect_free_fail(&fx, big, MINB, 1, CHOP_ERR_SIZE_MISMATCH, "big, size min (smaller)");
            expect_free_fail(&fx, big, 2u * MINB, 1, CHOP_ERR_SIZE_MISMATCH,
                             "big, size 2*min (smaller)");
            expect_free_fail(&fx, big, 1, 2u * MINB, CHOP_ERR_SIZE_MISMATCH,
                             "big, align 2*min (smaller)");
            expect_free_fail(&fx, lone, 32, 1, CHOP_ERR_SIZE_MISMATCH, "lone, size 32 (smaller)");
            if (((uintptr_t)mid % (4u * MINB)) == 0)
                expect_free_fail(&fx, mid, 4u * MINB, 1, CHOP_ERR_SIZE_MISMATCH,
                                 "mid, size 4*min (bigger)");
            else
                expect_free_fail(&fx, mid, 4u * MINB, 1, CHOP_ERR_MISALIGNED,
                                 "mid, size 4*min (bigger, misaligned)");
        } else {
            tap_skip(1, "free-list mode cannot detect interior pointers or smaller layouts");
        }

        /* Each live block is still whole and still frees correctly. */
        int good = 1;
        const unsigned char *bp = big;
        for (size_t i = 0; i < 4u * MINB; i++)
            good &= bp[i] == 0x5B;
        (void)mid;
        while (nlive > 0) {
            void *p = (void *)live[nlive - 1u].addr;
            good &= chop_try_deallocate(&fx.heap, p, live[nlive - 1u].len, 1) == CHOP_OK;
            nlive--;
        }
        st = stats_of(&fx.heap);
        good &= st.live_allocations == 0 && st.free_bytes == st.managed_bytes;
        tap_ok(good && chop_check(&fx.heap) == CHOP_OK,
               "%s: after all refused calls the live blocks are intact and free normally", m);
        free(heap_block);

        /* A claimed block running past the end of the heap. */
        {
            /* Region [0, 3*min) at an address aligned to 4*min: roots of 2*min and min. */
            unsigned char *small = arena + 4096;
            fx_init(&fx, mode, small, 3u * MINB);
            void *last = must_alloc(&fx, MINB, 1);
            void *first = must_alloc(&fx, 2u * MINB, 1);
            tap_ok(last == (void *)(small + 2u * MINB) && first == (void *)small,
                   "%s: fixture: a 3-minimum-block region holds roots of 2*min and min", m);
            expect_free_fail(&fx, last, 2u * MINB, 1, CHOP_ERR_SIZE_MISMATCH,
                             "the last block, claimed twice its size past the end");
            expect_free_fail(&fx, last, 4u * MINB, 1, CHOP_ERR_MISALIGNED,
                             "the last block, claimed 4*min");
            expect_free_fail(&fx, first, 4u * MINB, 1, CHOP_ERR_SIZE_MISMATCH,
                             "the first root, claimed 4*min past the end");
            must_free(&fx, last, MINB, 1);
            expect_free_fail(&fx, first, 4u * MINB, 1, CHOP_ERR_SIZE_MISMATCH,
                             "the first root, claimed 4*min past the end over free memory");
            expect_free_fail(&fx, last, MINB, 1, CHOP_ERR_DOUBLE_FREE,
                             "the last block again (a root: never merges)");
        }
    } else {
        tap_skip(mode == MODE_BITMAP ? DEALLOC_REST_BITMAP : DEALLOC_REST_FREELIST,
                 "misaligned, double-free and size-mismatch refusals need 64-byte buddies"
                 " (a %zu-byte block), but the largest block is %zu bytes",
                 (size_t)DEALLOC_NEEDS, (size_t)LARGEST);
        free(heap_block);
    }

    /* A fresh heap: every pointer into it is never-allocated. */
    /* 2 KiB as one block, or the largest block. */
    const size_t whole = LARGEST < 2048u ? LARGEST : 2048u;
    fx_init(&fx, mode, arena, whole);
    expect_free_fail(&fx, arena, MINB, 1, CHOP_ERR_DOUBLE_FREE, "start of a fresh heap");
    expect_free_fail(&fx, arena, whole, 1, CHOP_ERR_DOUBLE_FREE, "the whole fresh heap");
    if (block_exists(2u * MINB, 2, "the upper half of a fresh heap"))
        expect_free_fail(&fx, arena + whole / 2u, whole / 2u, whole / 2u, CHOP_ERR_DOUBLE_FREE,
                         "the upper half of a fresh heap");
}

/* ------------------------------------------------------------------------------ */
/* chop_init                                                                        */

static int bitmap_untouched(size_t words)
{
    for (size_t i = 0; i < words && i < sizeof bitmap_store / sizeof bitmap_store[0]; i++)
        if (bitmap_store[i] != GUARD)
            return 0;
    return 1;
}

/* chop_init must fail with `want` and write neither the heap nor the bitmap. */
static int init_fails(void *memory, size_t size, uint64_t *bitmap, size_t words, chop_status want,
                      const char *what, int verbose)
{
    chop_heap heap;
    memset(&heap, HEAP_FILL, sizeof heap);
    for (size_t i = 0; i < sizeof bitmap_store / sizeof bitmap_store[0]; i++)
        bitmap_store[i] = GUARD;
    chop_status s = chop_init(&heap, memory, size, bitmap, words);
    int untouched = heap_untouched(&heap) && bitmap_untouched(SIZE_MAX);
    if (verbose) {
        tap_is_status(s, want, "chop_init(%s) -> %s", what, tap_status_name(want));
        tap_ok(untouched, "... neither the heap nor the bitmap was written");
    }
    return s == want && untouched;
}

static void test_init_errors(void)
{
    const size_t needed = chop_bitmap_words_needed(4096);
    chop_heap heap;
    uint64_t *bm = CHOPALLOC_HAVE_BITMAP ? bitmap_store : NULL;
    size_t bm_words = CHOPALLOC_HAVE_BITMAP ? needed : 0;
    /* For heaps that must be built: no bitmap where the build has free-list mode. */
    uint64_t *any_bm = CHOPALLOC_HAVE_FREE_LIST ? NULL : bitmap_store;
    size_t any_words = CHOPALLOC_HAVE_FREE_LIST ? 0 : needed;

    /* NULL heap: the region is neither checked nor written. */
    reclaim(arena, sizeof arena);
    memset(arena, 0x33, 4096);
    tap_is_status(chop_init(NULL, arena, 4096, NULL, 0), CHOP_ERR_NULL_ARGUMENT,
                  "chop_init(heap NULL) -> CHOP_ERR_NULL_ARGUMENT");
    tap_is_status(chop_init(NULL, NULL, 0, NULL, 5), CHOP_ERR_NULL_ARGUMENT,
                  "chop_init(heap NULL, memory NULL, size 0, bitmap NULL with words)"
                  " -> CHOP_ERR_NULL_ARGUMENT first");
    int region_same = 1;
    for (size_t i = 0; i < 4096; i++)
        region_same &= arena[i] == 0x33;
    tap_ok(region_same, "... the region was not written");

    init_fails(NULL, 4096, NULL, 0, CHOP_ERR_BAD_REGION, "memory NULL", 1);
    init_fails(NULL, 4096, NULL, 7, CHOP_ERR_BAD_REGION,
               "memory NULL, bitmap NULL with words (region first)", 1);
    init_fails(NULL, 4096, bm, bm_words, CHOP_ERR_BAD_REGION,
               "memory NULL, with the build's bitmap", 1);
    init_fails(arena, 4096, NULL, 1, CHOP_ERR_NULL_ARGUMENT, "bitmap NULL, 1 word", 1);
    init_fails(arena, 4096, NULL, needed, CHOP_ERR_NULL_ARGUMENT, "bitmap NULL, needed words", 1);
    init_fails(arena, 0, NULL, 1, CHOP_ERR_NULL_ARGUMENT,
               "bitmap NULL with words, size 0 (before the region's size)", 1);

    /* Regions that wrap around the top of the address space: refused untouched. */
    void *top = addr(UINTPTR_MAX - 63u);
    init_fails(top, 4096, NULL, 0, CHOP_ERR_BAD_REGION, "UINTPTR_MAX-63, size 4096", 1);
    init_fails(top, 64, NULL, 0, CHOP_ERR_BAD_REGION, "UINTPTR_MAX-63, size 64 (ends at 2^N)", 1);
    init_fails(top, SIZE_MAX, NULL, 0, CHOP_ERR_BAD_REGION, "UINTPTR_MAX-63, size SIZE_MAX", 1);
    init_fails(arena, SIZE_MAX, NULL, 0, CHOP_ERR_BAD_REGION, "a real region, size SIZE_MAX", 1);
    init_fails(addr(UINTPTR_MAX), 2, NULL, 0, CHOP_ERR_BAD_REGION, "UINTPTR_MAX, size 2", 1);
#if CHOPALLOC_HAVE_BITMAP
    init_fails(top, 4096, bitmap_store, chop_bitmap_words_needed(4096), CHOP_ERR_BAD_REGION,
               "UINTPTR_MAX-63, size 4096, with a bitmap", 1);
    init_fails(top, 4096, bitmap_store, 0, CHOP_ERR_BAD_REGION,
               "UINTPTR_MAX-63, size 4096, bitmap of 0 words (wrap first)", 1);
#else
    tap_skip(1, "no bitmap in this build");
#endif

    /* Too small for one whole minimum block. */
    init_fails(arena, 0, NULL, 0, CHOP_ERR_BAD_REGION, "size 0", 1);
    init_fails(arena, 1, NULL, 0, CHOP_ERR_BAD_REGION, "size 1", 1);
    init_fails(arena, MIN_BLOCK - 1u, NULL, 0, CHOP_ERR_BAD_REGION, "size min-1, aligned", 1);
    init_fails(arena + 1, MIN_BLOCK, NULL, 0, CHOP_ERR_BAD_REGION, "size min at offset 1", 1);
    init_fails(arena + 1, 2u * MIN_BLOCK - 2u, NULL, 0, CHOP_ERR_BAD_REGION,
               "size 2*min-2 at offset 1", 1);
    init_fails(arena + MIN_BLOCK - 1u, MIN_BLOCK, NULL, 0, CHOP_ERR_BAD_REGION,
               "size min at offset min-1", 1);
    {
        chop_stats st;
        chop_status s = chop_init(&heap, arena + 1, 2u * MIN_BLOCK - 1u, any_bm, any_words);
        chop_get_stats(&heap, &st);
        tap_ok(s == CHOP_OK && st.managed_bytes == MIN_BLOCK &&
                   st.unusable_bytes == MIN_BLOCK - 1u && st.free_blocks[CHOP_MIN_ORDER] == 1,
               "chop_init(size 2*min-1 at offset 1) holds exactly one block (%s, %zu managed)",
               tap_status_name(s), st.managed_bytes);
        s = chop_init(&heap, arena, MIN_BLOCK, any_bm, any_words);
        chop_get_stats(&heap, &st);
        tap_ok(s == CHOP_OK && st.managed_bytes == MIN_BLOCK && st.unusable_bytes == 0,
               "chop_init(size min, aligned) holds exactly one block (%s, %zu managed)",
               tap_status_name(s), st.managed_bytes);
    }
#if CHOPALLOC_HAVE_BITMAP
    init_fails(arena, MIN_BLOCK - 1u, bitmap_store, 0, CHOP_ERR_BAD_REGION,
               "size min-1 with a bitmap of 0 words (region first)", 1);
    init_fails(arena + 1, MIN_BLOCK, bitmap_store, 0, CHOP_ERR_BAD_REGION,
               "size min at offset 1 with a bitmap of 0 words (region first)", 1);
#else
    tap_skip(1, "no bitmap in this build");
#endif

#if CHOPALLOC_HAVE_BITMAP
    tap_skip(1, "CHOP_ERR_BITMAP_UNSUPPORTED: the library has the bitmap");
    /* Every too-small bitmap length, for a few region sizes and offsets. */
    static const struct {
        size_t offset, size;
    } regions[] = {{0, 16}, {0, 1000}, {0, 4096}, {3, 4093}, {0, 8000}, {5, 5000}};
    for (size_t r = 0; r < sizeof regions / sizeof regions[0]; r++) {
        unsigned char *mem = arena + regions[r].offset;
        size_t size = regions[r].size;
        size_t need = chop_bitmap_words_needed(size);
        int good = 1;
        for (size_t w = 0; w < need; w++)
            if (!init_fails(mem, size, bitmap_store, w, CHOP_ERR_BITMAP_TOO_SMALL, "", 0)) {
                tap_diag("bitmap of %zu words (needs %zu) was not refused cleanly", w, need);
                good = 0;
            }
        tap_ok(good,
               "chop_init(offset %zu, size %zu): every bitmap of 0..%zu words ->"
               " CHOP_ERR_BITMAP_TOO_SMALL, nothing written",
               regions[r].offset, size, need - 1u);
        for (size_t i = 0; i < sizeof bitmap_store / sizeof bitmap_store[0]; i++)
            bitmap_store[i] = GUARD;
        chop_status s = chop_init(&heap, mem, size, bitmap_store, need);
        int guards = 1;
        for (size_t i = need; i < sizeof bitmap_store / sizeof bitmap_store[0]; i++)
            guards &= bitmap_store[i] == GUARD;
        tap_ok(s == CHOP_OK && guards && chop_check(&heap) == CHOP_OK,
               "chop_init(offset %zu, size %zu) with exactly %zu words: OK, no word past them"
               " written",
               regions[r].offset, size, need);
    }

    /* Bitmaps overlapping the region. */
    {
        unsigned char *mem = arena + 2048;
        size_t size = 1024;
        size_t need = chop_bitmap_words_needed(size);
        uint64_t *inside = (uint64_t *)(void *)(arena + 2048 + 512);
        reclaim(arena, sizeof arena);
        for (size_t i = 0; i < 4096; i++)
            arena[i] = 0x11;
        chop_status s = chop_init(&heap, mem, size, inside, need);
        tap_is_status(s, CHOP_ERR_BAD_REGION, "chop_init with the bitmap inside the region");
        int same = 1;
        for (size_t i = 0; i < 4096; i++)
            same &= arena[i] == 0x11;
        tap_ok(same, "... neither the region nor the bitmap was written");

        /* Bitmap's last byte is the region's first byte. */
        uint64_t *before = (uint64_t *)(void *)(arena + 2048 - need * 8u);
        s = chop_init(&heap, arena + 2047, size, before, need);
        tap_is_status(s, CHOP_ERR_BAD_REGION, "chop_init: bitmap overlaps the region's first byte");
        /* Region's last byte is the bitmap's first byte. */
        s = chop_init(&heap, arena + 1024, 1025, (uint64_t *)(void *)(arena + 2048), need + 1u);
        tap_is_status(s, CHOP_ERR_BAD_REGION, "chop_init: bitmap overlaps the region's last byte");
        /* Overlapping only the unusable head of the region. */
        s = chop_init(&heap, arena + 2048 - 7u, size, before, need);
        tap_is_status(s, CHOP_ERR_BAD_REGION,
                      "chop_init: bitmap overlaps only the region's unusable head");
        /* Overlap with too few words: the size is reported first. */
        s = chop_init(&heap, mem, size, inside, need - 1u);
        tap_is_status(s, CHOP_ERR_BITMAP_TOO_SMALL,
                      "chop_init: a too-small bitmap inside the region -> BITMAP_TOO_SMALL first");
        same = 1;
        for (size_t i = 0; i < 4096; i++)
            same &= arena[i] == 0x11;
        tap_ok(same, "... none of these calls wrote to memory");

        /* Adjacent, not overlapping: accepted. */
        s = chop_init(&heap, mem, size, before, need);
        tap_ok(s == CHOP_OK && chop_check(&heap) == CHOP_OK,
               "chop_init: a bitmap ending right where the region begins is fine");
        /* Extra words beyond the needed ones may overlap the region. */
        s = chop_init(&heap, mem, size, before, need + 4u);
        tap_ok(s == CHOP_OK && chop_check(&heap) == CHOP_OK,
               "chop_init: only the needed words must lie outside the region");
    }
#else
    /* A bitmap given to a build without it. */
    init_fails(arena, 4096, bitmap_store, needed, CHOP_ERR_BITMAP_UNSUPPORTED,
               "a bitmap in a --disable-bitmap build", 1);
    init_fails(arena, 4096, bitmap_store, 0, CHOP_ERR_BITMAP_UNSUPPORTED,
               "a bitmap of 0 words in a --disable-bitmap build", 1);
    init_fails(top, 4096, bitmap_store, needed, CHOP_ERR_BITMAP_UNSUPPORTED,
               "a bitmap and a wrapping region (bitmap first)", 1);
    init_fails(arena, 0, bitmap_store, 1, CHOP_ERR_BITMAP_UNSUPPORTED,
               "a bitmap and an empty region (bitmap first)", 1);
    init_fails(NULL, 4096, bitmap_store, needed, CHOP_ERR_BAD_REGION,
               "memory NULL and a bitmap (region first)", 1);
    tap_skip(1, "bitmap size and overlap checks: library built with --disable-bitmap");
#endif
    /* No bitmap for a region that passes every check: free-list mode where the build has
     * it, else refused.  (The refusals of regions above, made without a bitmap, keep their
     * own status in every build: the region is checked first.) */
#if CHOPALLOC_HAVE_FREE_LIST
    {
        struct carving want;
        carve((uintptr_t)arena, 4096, &want);
        memset(&heap, HEAP_FILL, sizeof heap);
        chop_status s = chop_init(&heap, arena, 4096, NULL, 0);
        tap_ok(s == CHOP_OK && chop_check(&heap) == CHOP_OK,
               "chop_init(no bitmap) -> CHOP_OK, a sound heap: the build has free-list mode (%s)",
               tap_status_name(s));
        chop_stats st = stats_of(s == CHOP_OK ? &heap : NULL); /* no heap: all zero */
        tap_is_stats(&st, &want.fresh, "... carved as the contract says");
    }
#else
    init_fails(arena, 4096, NULL, 0, CHOP_ERR_FREE_LIST_UNSUPPORTED,
               "no bitmap in a --disable-free-list build", 1);
#endif

    /* The heap structure inside or overlapping the region. */
    {
        unsigned char *mem = arena + 2048;
        size_t size = 1024;
        reclaim(arena, sizeof arena);
        for (size_t i = 0; i < 4096; i++)
            arena[i] = 0x22;
        chop_heap *inside = (chop_heap *)(void *)(arena + 2048 + 256);
        chop_status s = chop_init(inside, mem, size, bm, bm ? chop_bitmap_words_needed(size) : 0u);
        tap_is_status(s, CHOP_ERR_BAD_REGION, "chop_init with the chop_heap inside the region");
        size_t hs = (sizeof(chop_heap) + 63u) & ~(size_t)63u;
        chop_heap *straddle = (chop_heap *)(void *)(arena + 2048 - hs + 64u);
        s = chop_init(straddle, mem, size, NULL, 0);
        tap_is_status(s, CHOP_ERR_BAD_REGION, "chop_init with the chop_heap straddling the start");
        chop_heap *last = (chop_heap *)(void *)(arena + 2048 + 1024 - 64);
        s = chop_init(last, mem, size, NULL, 0);
        tap_is_status(s, CHOP_ERR_BAD_REGION, "chop_init with the chop_heap over the last byte");
        int same = 1;
        for (size_t i = 0; i < 4096; i++)
            same &= arena[i] == 0x22;
        tap_ok(same, "... none of these calls wrote to memory");
        size_t any_size_words = any_bm ? chop_bitmap_words_needed(size) : 0u;
        chop_heap *adjacent = (chop_heap *)(void *)(arena + 2048 - hs);
        s = chop_init(adjacent, mem, size, any_bm, any_size_words);
        tap_ok(s == CHOP_OK && chop_check(adjacent) == CHOP_OK,
               "chop_init with the chop_heap right before the region is fine");
        adjacent = (chop_heap *)(void *)(arena + 2048 + 1024);
        s = chop_init(adjacent, mem, size, any_bm, any_size_words);
        tap_ok(s == CHOP_OK && chop_check(adjacent) == CHOP_OK,
               "chop_init with the chop_heap right after the region is fine");
    }
}

/* ------------------------------------------------------------------------------ */
/* Corrupted heaps: chop_check must notice.                                        */

static void test_corruption(int mode)
{
    const char *m = mode_name(mode);
    struct fixture fx;
    const unsigned MN = CHOP_MIN_ORDER;

    /* 1 KiB aligned: after one minimum allocation at the start, the free blocks are the
     * nodes [2^j, 2^(j+1)) for j = MIN..9 (the canonical rule). */
    int good_next = 1, good_prev = 1, good_both = 1, good_restore = 1;
    for (unsigned j = MN; j < 10; j++) {
        for (int what = 0; what < 3; what++) {
            fx_init(&fx, mode, arena, 1024);
            void *p = must_alloc(&fx, 1, 1);
            if (p != (void *)arena)
                tap_bail_out("the first block of a fresh aligned heap is not its start");
            unsigned char *blk = arena + pow2(j);
            unsigned char saved[2 * sizeof(void *)];
            raw_copy(saved, blk, sizeof saved);
            if (what == 0) {
                void *bogus = blk + 1; /* misaligned, inside the heap */
                raw_copy(blk, &bogus, sizeof bogus);
            } else if (what == 1) {
                void *bogus = blk; /* a link to itself */
                raw_copy(blk + sizeof(void *), &bogus, sizeof bogus);
            } else {
                raw_fill(blk, 0xA5, sizeof saved);
            }
            chop_status c = chop_check(&fx.heap);
            int *flag = what == 0 ? &good_next : what == 1 ? &good_prev : &good_both;
            if (c != CHOP_ERR_CORRUPTED) {
                tap_diag("%s: scribble %d on the free block of order %u: %s", m, what, j,
                         tap_status_name(c));
                *flag = 0;
            }
            raw_copy(blk, saved, sizeof saved);
            good_restore &= chop_check(&fx.heap) == CHOP_OK;
        }
    }
    tap_ok(good_next, "%s: a bad next link in any free block -> CHOP_ERR_CORRUPTED", m);
    tap_ok(good_prev, "%s: a bad prev link in any free block -> CHOP_ERR_CORRUPTED", m);
    tap_ok(good_both, "%s: 0xA5 over any free block's links -> CHOP_ERR_CORRUPTED", m);
    tap_ok(good_restore, "%s: restoring the links makes the heap check again", m);

    /* An overrun: writing one minimum block past a live block's end. */
    fx_init(&fx, mode, arena, 1024);
    /* Two minimum blocks, or one where that is the largest block. */
    size_t over = 2u * MIN_BLOCK <= LARGEST ? 2u * MIN_BLOCK : MIN_BLOCK;
    void *p = must_alloc(&fx, over, 1);
    raw_fill(p, 0xEE, over + MIN_BLOCK);
    tap_is_status(chop_check(&fx.heap), CHOP_ERR_CORRUPTED,
                  "%s: an overrun into the next free block's links is caught", m);

    /* Two free blocks on one list: corrupt the second one's back link. */
    fx_init(&fx, mode, arena, 1024);
    void *q[4];
    for (int i = 0; i < 4; i++)
        q[i] = must_alloc(&fx, MIN_BLOCK, 1);
    must_free(&fx, q[0], MIN_BLOCK, 1);
    must_free(&fx, q[2], MIN_BLOCK, 1);
    /* Where the minimum block is the largest, the other roots are on that list too. */
    size_t on_list = TOP_ORDER == CHOP_MIN_ORDER ? 1024u / MIN_BLOCK - 2u : 2u;
    tap_ok(stats_of(&fx.heap).free_blocks[MN] == on_list && chop_check(&fx.heap) == CHOP_OK,
           "%s: fixture: two free minimum blocks on one list", m);
    {
        unsigned char saved[2 * sizeof(void *)];
        unsigned char *b0 = q[0], *b2 = q[2];
        chop_status c[2];
        for (int i = 0; i < 2; i++) {
            unsigned char *b = i ? b2 : b0, *other = i ? b0 : b2;
            raw_copy(saved, b, sizeof saved);
            if (mode == MODE_BITMAP) { /* next := prev: a broken forward link */
                raw_copy(b, b + sizeof(void *), sizeof(void *));
            } else { /* both children := the other block: a cycle or a block seen twice */
                raw_copy(b, &other, sizeof(void *));
                raw_copy(b + sizeof(void *), &other, sizeof(void *));
            }
            c[i] = chop_check(&fx.heap);
            raw_copy(b, saved, sizeof saved);
        }
        tap_ok(c[0] == CHOP_ERR_CORRUPTED && c[1] == CHOP_ERR_CORRUPTED,
               mode == MODE_BITMAP
                   ? "%s: next overwritten with prev in either list element -> CORRUPTED"
                   : "%s: either tree block's links aimed at the other -> CORRUPTED", m);
        /* Swap the two elements' links wholesale: a cycle or a broken back link. */
        unsigned char l0[2 * sizeof(void *)], l2[2 * sizeof(void *)];
        raw_copy(l0, b0, sizeof l0);
        raw_copy(l2, b2, sizeof l2);
        raw_copy(b0, l2, sizeof l2);
        raw_copy(b2, l0, sizeof l0);
        tap_is_status(chop_check(&fx.heap), CHOP_ERR_CORRUPTED,
                      "%s: two free blocks' links swapped -> CORRUPTED", m);
        raw_copy(b0, l0, sizeof l0);
        raw_copy(b2, l2, sizeof l2);
        tap_is_status(chop_check(&fx.heap), CHOP_OK, "%s: restored", m);
    }

    if (mode != MODE_BITMAP)
        return;

    /* Every single-bit flip of the bitmap, in several heap states. */
    unsigned char *mem = arena + 3;
    size_t size = 1500;
    uintptr_t start = ((uintptr_t)mem + MIN_BLOCK - 1u) & ~(uintptr_t)(MIN_BLOCK - 1u);
    uintptr_t end = ((uintptr_t)mem + size) & ~(uintptr_t)(MIN_BLOCK - 1u);
    size_t blocks = (size_t)(end - start) / MIN_BLOCK;
    for (int state = 0; state < 4; state++) {
        fx_init(&fx, mode, mem, size);
        void *ptrs[12];
        /* Capped to the largest block at small --with-max-order. */
#define CAP(n) ((size_t)(n) < LARGEST ? (size_t)(n) : LARGEST)
        static const size_t sizes[12] = {CAP(1),  CAP(40), CAP(100), CAP(16), CAP(3), CAP(8),
                                         CAP(64), CAP(17), CAP(33),  CAP(20), CAP(2), CAP(129)};
#undef CAP
        int nalloc = state == 0 ? 0 : 12;
        for (int i = 0; i < nalloc; i++)
            ptrs[i] = must_alloc(&fx, sizes[i], 1);
        if (state >= 2)
            for (int i = 0; i < nalloc; i += state)
                must_free(&fx, ptrs[i], sizes[i], 1);
        size_t flips = 0, missed = 0;
        int restored = 1;
        for (size_t i = 0; i < blocks; i++) {
            for (unsigned bit = 0; bit < 2; bit++) {
                uint64_t mask = UINT64_C(1) << ((i % 32u) * 2u + bit);
                bitmap_store[i / 32u] ^= mask;
                chop_status c = chop_check(&fx.heap);
                bitmap_store[i / 32u] ^= mask;
                flips++;
                if (c != CHOP_ERR_CORRUPTED) {
                    if (!missed)
                        tap_diag("state %d: flipping bit %u of minimum block %zu: %s", state, bit,
                                 i, tap_status_name(c));
                    missed++;
                }
            }
        }
        restored &= chop_check(&fx.heap) == CHOP_OK;
        tap_ok(missed == 0 && restored,
               "bitmap: each of the %zu single-bit flips (heap state %d) -> CHOP_ERR_CORRUPTED",
               flips, state);
    }
}

/* ------------------------------------------------------------------------------ */

int main(void)
{
    test_init_errors();
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        if (!mode_runs(mode))
            continue;
        test_allocate_errors(mode);
        test_deallocate_errors(mode);
        test_corruption(mode);
    }
    tap_is_status(chop_check(NULL), CHOP_ERR_NULL_ARGUMENT, "chop_check(NULL)");
    return tap_done();
}
