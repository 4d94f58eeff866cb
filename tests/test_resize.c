/*
 * chop_try_free(), chop_usable_size(), chop_pointer_status(), chop_try_reallocate() and
 * the malloc family, in bitmap mode and in free-list mode.
 * SPDX-License-Identifier: MIT
 *
 * Every refusal is checked to leave the heap byte for byte as it was: the chop_heap,
 * the bitmap and the whole arena, live blocks included.
 */
#include <limits.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

#define ARENA 4096u
static _Alignas(ARENA) unsigned char arena[ARENA];
static uint64_t bitmap[CHOP_BITMAP_WORDS(ARENA)];

/* The heap of most fixtures: the arena, or the largest block where that is smaller, as
 * one block.  S(n): a size n of the 4 KiB fixture, scaled to that heap. */
#define HEAP (LARGEST < ARENA ? LARGEST : (size_t)ARENA)
#define S(n) ((size_t)(n) / (ARENA / HEAP))
/* The fixtures need a heap of eight minimum blocks. */
#define FIXTURE_NEEDS (8u * MIN_BLOCK)

static int mode_of_heap; /* the mode the current test runs in */

/* The block a request (size, align) gets. */
static size_t block_for(size_t size, size_t align)
{
    return pow2(expected_order(size, align));
}

static void fresh(chop_heap *heap, int mode, size_t offset, size_t size)
{
    reclaim(arena, sizeof arena);
    memset(bitmap, 0xFF, sizeof bitmap);
    mode_of_heap = mode;
    chop_status st = chop_init(heap, arena + offset, size, mode == MODE_BITMAP ? bitmap : NULL,
                               mode == MODE_BITMAP ? CHOP_BITMAP_WORDS(ARENA) : 0);
    if (st != CHOP_OK)
        tap_bail_out("chop_init: %s", chop_strerror(st));
}

static void *must_allocate(chop_heap *heap, size_t size, size_t align)
{
    void *p = NULL;
    chop_status st = chop_try_allocate(heap, size, align, &p);
    if (st != CHOP_OK)
        tap_bail_out("chop_try_allocate(%zu, %zu): %s", size, align, chop_strerror(st));
    return p;
}

/* The whole state a refused call must leave alone. */
struct snapshot {
    chop_heap heap;
    unsigned char arena[ARENA];
    uint64_t bitmap[CHOP_BITMAP_WORDS(ARENA)];
};
static struct snapshot before_call;

static void take(const chop_heap *heap)
{
    before_call.heap = *heap;
    raw_copy(before_call.arena, arena, sizeof arena);
    memcpy(before_call.bitmap, bitmap, sizeof bitmap);
}

/* Whether nothing changed but failed_requests, by `failed` more. */
static int unchanged(const chop_heap *heap, size_t failed)
{
    chop_heap expect = before_call.heap;
    expect.failed_requests += failed;
    return memcmp(&expect, heap, sizeof expect) == 0 &&
           raw_equal(before_call.arena, arena, sizeof arena) &&
           memcmp(before_call.bitmap, bitmap, sizeof bitmap) == 0 && chop_check(heap) == CHOP_OK;
}

/* ------------------------------------------------------------------------------ */

static void test_try_free(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    static unsigned char outside[64];

    /* a, b, c and d: 1, 100, 1000 (aligned to 256) and 64 (aligned to 64) bytes in a
     * 4 KiB heap; d holds two minimum blocks at least. */
    const size_t bs = S(100) ? S(100) : 1u, cs = S(1000), ca = S(256) ? S(256) : 1u;
    const size_t ds = S(64) < 2u * MIN_BLOCK ? 2u * MIN_BLOCK : S(64);
    fresh(&heap, mode, 0, HEAP);
    chop_stats empty = stats_of(&heap);
    void *a = must_allocate(&heap, 1, 1);
    void *b = must_allocate(&heap, bs, 1);
    void *c = must_allocate(&heap, cs, ca);
    unsigned char *d = must_allocate(&heap, ds, ds);

    if (mode == MODE_FREELIST) {
        take(&heap);
        tap_is_status(chop_try_free(&heap, a), CHOP_ERR_NEEDS_BITMAP,
                      "%s: chop_try_free needs the bitmap", m);
        tap_ok(unchanged(&heap, 0), "%s: ... and changes nothing", m);
        tap_is_size(chop_usable_size(&heap, a), 0, "%s: chop_usable_size is 0", m);
        tap_is_status(chop_pointer_status(&heap, a), CHOP_ERR_NEEDS_BITMAP,
                      "%s: chop_pointer_status needs the bitmap", m);
        chop_free(&heap, a);
        tap_ok(unchanged(&heap, 0), "%s: chop_free changes nothing", m);
        return;
    }

    tap_is_size(chop_usable_size(&heap, a), MIN_BLOCK, "%s: usable size of 1 byte", m);
    tap_is_size(chop_usable_size(&heap, b), block_for(bs, 1), "%s: usable size of %zu bytes", m,
                bs);
    tap_is_size(chop_usable_size(&heap, c), block_for(cs, ca),
                "%s: usable size of %zu bytes (aligned to %zu)", m, cs, ca);
    tap_is_size(chop_usable_size(&heap, d), ds, "%s: usable size of %zu bytes", m, ds);
    tap_ok(chop_pointer_status(&heap, a) == CHOP_OK && chop_pointer_status(&heap, b) == CHOP_OK &&
               chop_pointer_status(&heap, c) == CHOP_OK && chop_pointer_status(&heap, d) == CHOP_OK,
           "%s: chop_pointer_status of each live block is CHOP_OK", m);

    struct {
        const char *what;
        chop_heap *heap;
        void *ptr;
        chop_status want;
    } refused[] = {
        {"NULL heap", NULL, a, CHOP_ERR_NULL_ARGUMENT},
        {"NULL pointer", &heap, NULL, CHOP_ERR_NULL_ARGUMENT},
        {"a pointer outside the heap", &heap, outside, CHOP_ERR_OUTSIDE_HEAP},
        {"one past the heap's end", &heap, arena + HEAP, CHOP_ERR_OUTSIDE_HEAP},
        {"just below the heap", &heap, addr((uintptr_t)arena - MIN_BLOCK), CHOP_ERR_OUTSIDE_HEAP},
        {"a pointer 1 byte into a block", &heap, d + 1, CHOP_ERR_INTERIOR_POINTER},
        {"a pointer a minimum block into a block", &heap, d + MIN_BLOCK,
         CHOP_ERR_INTERIOR_POINTER},
        {"the last byte of a block", &heap, d + ds - 1u, CHOP_ERR_INTERIOR_POINTER},
        {"free memory never handed out", &heap, arena + HEAP - MIN_BLOCK, CHOP_ERR_DOUBLE_FREE},
        {"inside free memory, unaligned", &heap, arena + HEAP - 3, CHOP_ERR_DOUBLE_FREE},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        take(&heap);
        tap_is_status(chop_try_free(refused[i].heap, refused[i].ptr), refused[i].want,
                      "%s: chop_try_free of %s", m, refused[i].what);
        tap_ok(unchanged(&heap, 0), "%s: ... heap unchanged", m);
        tap_is_size(chop_usable_size(refused[i].heap, refused[i].ptr), 0,
                    "%s: chop_usable_size of %s is 0", m, refused[i].what);
        tap_is_status(chop_pointer_status(refused[i].heap, refused[i].ptr), refused[i].want,
                      "%s: chop_pointer_status of %s", m, refused[i].what);
        tap_ok(unchanged(&heap, 0), "%s: ... heap unchanged", m);
        chop_free(refused[i].heap, refused[i].ptr);
        tap_ok(unchanged(&heap, 0), "%s: chop_free of %s changes nothing", m, refused[i].what);
    }

    tap_is_status(chop_try_free(&heap, b), CHOP_OK, "%s: chop_try_free of a live block", m);
    take(&heap);
    tap_is_status(chop_try_free(&heap, b), CHOP_ERR_DOUBLE_FREE, "%s: ... twice is refused", m);
    tap_ok(unchanged(&heap, 0), "%s: ... heap unchanged", m);
    tap_is_size(chop_usable_size(&heap, b), 0, "%s: a freed block has no usable size", m);
    tap_is_status(chop_pointer_status(&heap, b), CHOP_ERR_DOUBLE_FREE,
                  "%s: ... and its pointer status says it is free", m);
    chop_free(&heap, a);
    chop_free(&heap, NULL);
    tap_is_size(stats_of(&heap).live_allocations, 2, "%s: chop_free frees", m);
    tap_is_status(chop_try_free(&heap, c), CHOP_OK, "%s: chop_try_free of an aligned block", m);
    tap_is_status(chop_try_free(&heap, d), CHOP_OK, "%s: chop_try_free of the last block", m);
    chop_stats now = stats_of(&heap);
    now.peak_allocated_bytes = empty.peak_allocated_bytes;
    tap_is_stats(&now, &empty, "%s: the heap is whole again", m);
}

/* Sized chop_try_reallocate: in place, by moving, and every refusal. */
static void test_reallocate(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    void *p;

    /* Shrinking splits the tail off in place: 1000 -> 100 bytes in a 4 KiB heap. */
    const size_t big = S(1000), small = S(100) ? S(100) : 1u, same = S(120) ? S(120) : 1u;
    const size_t bigb = block_for(big, 1), smallb = block_for(small, 1);
    fresh(&heap, mode, 0, HEAP);
    p = must_allocate(&heap, big, 1);
    void *was = p;
    fill(p, big, 1);
    size_t free_before = stats_of(&heap).free_bytes;
    tap_is_status(chop_try_reallocate(&heap, &p, big, small, 1), CHOP_OK,
                  "%s: shrink %zu -> %zu", m, big, small);
    tap_is_ptr(p, was, "%s: ... in place", m);
    tap_ok(verify(p, small, 1), "%s: ... the first %zu bytes kept", m, small);
    tap_is_size(stats_of(&heap).free_bytes, free_before + bigb - smallb,
                "%s: ... the tail (%zu - %zu bytes) is free", m, bigb, smallb);
    tap_ok(chop_check(&heap) == CHOP_OK, "%s: ... chop_check passes", m);
    tap_is_ptr(must_allocate(&heap, bigb / 2u, 1), (unsigned char *)was + bigb / 2u,
               "%s: ... the tail's upper half is allocatable", m);

    /* Same block size: nothing to do. */
    was = p;
    take(&heap);
    tap_is_status(chop_try_reallocate(&heap, &p, small, same, 1), CHOP_OK,
                  "%s: %zu -> %zu bytes, the same block", m, small, same);
    tap_ok(p == was && unchanged(&heap, 0), "%s: ... changes nothing", m);

    /* Growing in place takes free buddies in, over several orders. */
    /* 1 -> 2000 bytes in a 4 KiB heap. */
    const size_t grown = S(2000);
    fresh(&heap, mode, 0, HEAP);
    p = must_allocate(&heap, 1, 1);
    was = p;
    fill(p, MIN_BLOCK, 2);
    tap_is_status(chop_try_reallocate(&heap, &p, 1, grown, 1), CHOP_OK, "%s: grow 1 -> %zu", m,
                  grown);
    tap_is_ptr(p, was, "%s: ... in place (all its buddies were free)", m);
    tap_ok(verify(p, MIN_BLOCK, 2), "%s: ... contents kept", m);
    tap_is_size(stats_of(&heap).free_bytes, HEAP - HEAP / 2u, "%s: ... %zu bytes allocated", m,
                HEAP / 2u);
    tap_is_size(stats_of(&heap).peak_allocated_bytes, HEAP / 2u, "%s: ... and the peak follows",
                m);
    tap_ok(chop_check(&heap) == CHOP_OK, "%s: ... chop_check passes", m);
    fill(p, grown, 3);
    tap_is_status(chop_try_deallocate(&heap, p, grown, 1), CHOP_OK,
                  "%s: ... and frees with its new size", m);

    /* Growing when the buddy is allocated: moved.  u: 64 bytes, or an eighth of a
     * smaller heap. */
    const size_t u = HEAP / 8u < 64u ? HEAP / 8u : 64u;
    fresh(&heap, mode, 0, HEAP);
    void *a = must_allocate(&heap, u, 1);
    void *b = must_allocate(&heap, u, 1);
    fill(a, u, 4);
    fill(b, u, 5);
    p = a;
    tap_is_status(chop_try_reallocate(&heap, &p, u, 2u * u, 1), CHOP_OK,
                  "%s: grow %zu -> %zu with the buddy allocated", m, u, 2u * u);
    tap_ok(p != a && ((uintptr_t)p % (2u * u)) == 0, "%s: ... moved to an aligned block", m);
    tap_ok(verify(p, u, 4) && verify(b, u, 5), "%s: ... contents kept, neighbour intact", m);
    tap_is_size(stats_of(&heap).live_allocations, 2, "%s: ... the old block freed", m);
    tap_is_status(chop_try_deallocate(&heap, a, u, 1), CHOP_ERR_DOUBLE_FREE,
                  "%s: ... the old pointer is stale", m);

    /* Growing the upper buddy: moved too. */
    p = b;
    tap_is_status(chop_try_reallocate(&heap, &p, u, 4u * u, 1), CHOP_OK,
                  "%s: grow an upper buddy", m);
    tap_ok(p != b && verify(p, u, 5), "%s: ... moved, contents kept", m);

    /* Growing when the buddy is free but split: moved.  v: 64 bytes, or a quarter of a
     * smaller heap; its buddy is split in halves. */
    const size_t v = HEAP / 4u < 64u ? HEAP / 4u : 64u;
    fresh(&heap, mode, 0, HEAP);
    a = must_allocate(&heap, v, 1);
    b = must_allocate(&heap, v / 2u, 1);
    void *c = must_allocate(&heap, v / 2u, 1);
    tap_is_status(chop_try_deallocate(&heap, b, v / 2u, 1), CHOP_OK,
                  "%s: half of a's buddy freed", m);
    fill(a, v, 6);
    p = a;
    tap_is_status(chop_try_reallocate(&heap, &p, v, 2u * v, 1), CHOP_OK,
                  "%s: grow %zu -> %zu with the buddy split", m, v, 2u * v);
    tap_ok(p != a && verify(p, v, 6), "%s: ... moved, contents kept", m);
    tap_ok(chop_check(&heap) == CHOP_OK && c != NULL, "%s: ... chop_check passes", m);

    /* A block whose parent is not a node (the region is that one block) cannot grow,
     * whether it is a lower (offset 0) or an upper (offset w) buddy. */
    const size_t w = HEAP / 2u < 64u ? HEAP / 2u : 64u;
    for (size_t offset = 0; offset <= w; offset += w) {
        fresh(&heap, mode, offset, w);
        p = must_allocate(&heap, w, 1);
        take(&heap);
        tap_is_status(chop_try_reallocate(&heap, &p, w, 2u * w, 1), CHOP_ERR_OUT_OF_MEMORY,
                      "%s: grow the only block of a %zu-byte heap at offset %zu", m, w, offset);
        tap_ok(p == arena + offset && unchanged(&heap, 1), "%s: ... refused, heap unchanged",
               m);
    }

    /* Out of memory: nothing changes but failed_requests. */
    fresh(&heap, mode, 0, HEAP);
    a = must_allocate(&heap, HEAP / 2, 1);
    b = must_allocate(&heap, HEAP / 2, 1);
    fill(a, HEAP / 2, 7);
    p = a;
    take(&heap);
    tap_is_status(chop_try_reallocate(&heap, &p, HEAP / 2, HEAP / 2 + 1, 1),
                  CHOP_ERR_OUT_OF_MEMORY, "%s: grow in a full heap", m);
    tap_ok(p == a && verify(a, HEAP / 2, 7) && unchanged(&heap, 1),
           "%s: ... *ptr, contents and heap unchanged; failed_requests + 1", m);

    /* Refusals of the new layout, then of the old block. */
    struct {
        const char *what;
        void *ptr;
        size_t old_size, new_size, align;
        chop_status want;
        size_t failed;
    } refused[] = {
        {"new size 0", a, HEAP / 2, 0, 1, CHOP_ERR_INVALID_LAYOUT, 1},
        {"new size past the largest block", a, HEAP / 2, LARGEST + 1u, 1, CHOP_ERR_TOO_LARGE, 1},
        {"old size 0", a, 0, 8, 1, CHOP_ERR_INVALID_LAYOUT, 0},
        {"alignment 3", a, HEAP / 2, 8, 3, CHOP_ERR_INVALID_LAYOUT, 0},
        {"a pointer outside the heap", &heap, 16, 8, 1, CHOP_ERR_OUTSIDE_HEAP, 0},
        {"a misaligned pointer", (unsigned char *)a + 16, 64, 8, 1, CHOP_ERR_MISALIGNED, 0},
        {"a wrong old size", a, small, 8, 1,
         mode == MODE_BITMAP ? CHOP_ERR_SIZE_MISMATCH : CHOP_OK, 0},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (refused[i].want == CHOP_OK)
            continue; /* free-list mode cannot see it (see README) */
        p = refused[i].ptr;
        take(&heap);
        tap_is_status(chop_try_reallocate(&heap, &p, refused[i].old_size, refused[i].new_size,
                                          refused[i].align),
                      refused[i].want, "%s: reallocate with %s", m, refused[i].what);
        tap_ok(p == refused[i].ptr && unchanged(&heap, refused[i].failed),
               "%s: ... *ptr and heap unchanged", m);
    }
    take(&heap);
    tap_is_status(chop_try_reallocate(NULL, &p, 8, 8, 1), CHOP_ERR_NULL_ARGUMENT,
                  "%s: reallocate with a NULL heap", m);
    tap_is_status(chop_try_reallocate(&heap, NULL, 8, 8, 1), CHOP_ERR_NULL_ARGUMENT,
                  "%s: reallocate with a NULL ptr", m);
    p = NULL;
    tap_is_status(chop_try_reallocate(&heap, &p, 8, 8, 1), CHOP_ERR_NULL_ARGUMENT,
                  "%s: reallocate with *ptr NULL", m);
    tap_ok(unchanged(&heap, 0), "%s: ... heap unchanged", m);
    tap_is_status(chop_try_deallocate(&heap, b, HEAP / 2, 1), CHOP_OK, "%s: free b", m);
    p = b;
    take(&heap);
    tap_is_status(chop_try_reallocate(&heap, &p, HEAP / 2, 8, 1), CHOP_ERR_DOUBLE_FREE,
                  "%s: reallocate a freed block", m);
    tap_ok(p == b && unchanged(&heap, 0), "%s: ... *ptr and heap unchanged", m);
}

/* A random run: blocks resized at random keep their contents, the heap stays sound. */
static void test_random_reallocations(int mode)
{
    enum { SLOTS = 16, STEPS = 3000 };
    const char *m = mode_name(mode);
    chop_heap heap;
    void *ptr[SLOTS] = {0};
    size_t size[SLOTS] = {0};
    unsigned seed[SLOTS] = {0};
    uint32_t rng = 12345u;
    unsigned moved = 0, in_place = 0, refused = 0, bad = 0;

    /* Sizes up to 400 bytes in a 4 KiB heap (two minimum blocks at least), in up to
     * SLOTS blocks: as many as half the heap holds at the largest size. */
    const size_t most = S(400) < 2u * MIN_BLOCK ? 2u * MIN_BLOCK : S(400);
    const unsigned slots = HEAP / (most / 2u) < SLOTS ? (unsigned)(HEAP / (most / 2u)) : SLOTS;
    fresh(&heap, mode, 0, HEAP);
    for (unsigned step = 0; step < STEPS && !bad; step++) {
        rng = rng * 1103515245u + 12345u;
        unsigned i = (rng >> 8) % slots;
        size_t want = 1u + (rng >> 16) % most;
        if (!ptr[i]) {
            if (chop_try_allocate(&heap, want, 1, &ptr[i]) == CHOP_OK) {
                size[i] = want;
                seed[i] = step;
                fill(ptr[i], want, seed[i]);
            }
            continue;
        }
        void *p = ptr[i];
        chop_status st = chop_try_reallocate(&heap, &p, size[i], want, 1);
        size_t kept = size[i] < want ? size[i] : want;
        if (st == CHOP_OK) {
            if (!verify(p, kept, seed[i]))
                bad = 1;
            if (p == ptr[i])
                in_place++;
            else
                moved++;
            ptr[i] = p;
            size[i] = want;
            seed[i] = step;
            fill(p, want, seed[i]);
        } else if (st == CHOP_ERR_OUT_OF_MEMORY && p == ptr[i] && verify(p, size[i], seed[i])) {
            refused++;
        } else {
            bad = 1;
        }
        if (chop_check(&heap) != CHOP_OK)
            bad = 1;
    }
    tap_ok(!bad, "%s: %u random reallocations keep contents and chop_check passing", m, STEPS);
    tap_ok(moved > 0 && in_place > 0 && refused > 0,
           "%s: ... %u in place, %u moved, %u refused for lack of memory", m, in_place, moved,
           refused);
    for (unsigned i = 0; i < SLOTS; i++)
        if (ptr[i] && chop_try_deallocate(&heap, ptr[i], size[i], 1) != CHOP_OK)
            bad = 1;
    tap_ok(!bad && stats_of(&heap).free_bytes == HEAP, "%s: ... and everything frees", m);
}

static void test_malloc_family(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;

    /* 100, 10 * 10, 40 and 400 bytes in a 4 KiB heap. */
    const size_t ps = S(100) ? S(100) : 1u, zs = S(100) < 10u ? 10u : S(100);
    const size_t r0 = S(40) ? S(40) : 1u;
    const size_t rs = S(400) < 2u * MIN_BLOCK ? 2u * MIN_BLOCK : S(400);
    fresh(&heap, mode, 0, HEAP);
    tap_ok(chop_malloc(&heap, 0) == NULL, "%s: chop_malloc(0) is NULL", m);
    tap_ok(chop_malloc(NULL, 8) == NULL, "%s: chop_malloc with a NULL heap is NULL", m);
    tap_ok(chop_malloc(&heap, HEAP + 1u) == NULL, "%s: chop_malloc too large is NULL", m);
    unsigned char *p = chop_malloc(&heap, ps);
    size_t max_align = alignof(max_align_t);
    tap_ok(p != NULL && ((uintptr_t)p % (max_align < 128 ? max_align : 128)) == 0,
           "%s: chop_malloc(%zu) is aligned to alignof(max_align_t)", m, ps);
    unsigned char *q = chop_malloc(&heap, 1);
    tap_ok(q != NULL && ((uintptr_t)q % MIN_BLOCK) == 0,
           "%s: chop_malloc(1) is aligned to its block", m);

    /* calloc: zeroes memory that held data. */
    memset(p, 0xAB, ps);
    tap_is_status(chop_try_deallocate(&heap, p, ps, 1), CHOP_OK, "%s: free the dirty block", m);
    unsigned char *z = chop_calloc(&heap, 10, zs / 10u);
    int zero = z != NULL;
    for (size_t i = 0; zero && i < zs / 10u * 10u; i++)
        zero = z[i] == 0;
    tap_ok(zero, "%s: chop_calloc(10, %zu) returns %zu zero bytes", m, zs / 10u, zs / 10u * 10u);
    size_t failed = stats_of(&heap).failed_requests;
    tap_ok(chop_calloc(&heap, SIZE_MAX / 2u + 1u, 2) == NULL,
           "%s: chop_calloc whose product overflows is NULL", m);
    /* The overflow test works on half-width parts: each way a product can overflow. */
    const unsigned half = (unsigned)(sizeof(size_t) * CHAR_BIT / 2u);
    const size_t half_mask = ((size_t)1 << half) - 1u;
    tap_ok(chop_calloc(&heap, (size_t)1 << half, (size_t)1 << half) == NULL &&
           chop_calloc(&heap, SIZE_MAX, SIZE_MAX) == NULL,
           "%s: chop_calloc with both factors of 2^%u or more is NULL", m, half);
    tap_ok(chop_calloc(&heap, 2, SIZE_MAX / 2u + 1u) == NULL,
           "%s: chop_calloc(2, SIZE_MAX / 2 + 1) is NULL", m);
    tap_ok(chop_calloc(&heap, ((size_t)1 << half) | half_mask, half_mask) == NULL &&
           chop_calloc(&heap, half_mask, ((size_t)1 << half) | half_mask) == NULL,
           "%s: chop_calloc(2^%u + 2^%u - 1, 2^%u - 1), which overflows in the last sum, is NULL",
           m, half, half, half);
    tap_ok(chop_calloc(&heap, 0, 8) == NULL && chop_calloc(&heap, 8, 0) == NULL,
           "%s: chop_calloc of 0 bytes is NULL", m);
    tap_is_size(stats_of(&heap).failed_requests, failed,
                "%s: ... none of them reached the heap", m);
    tap_ok(chop_calloc(&heap, 2, HEAP) == NULL && stats_of(&heap).failed_requests == failed + 1u,
           "%s: chop_calloc larger than the heap is NULL, a failed request", m);
    tap_ok(chop_calloc(&heap, ((size_t)1 << half) - 1u, ((size_t)1 << half) + 1u) == NULL &&
           stats_of(&heap).failed_requests == failed + 2u,
           "%s: chop_calloc(2^%u - 1, 2^%u + 1), SIZE_MAX bytes, fits: a failed request", m,
           half, half);

    /* realloc: NULL allocates, 0 frees. */
    unsigned char *r = chop_realloc(&heap, NULL, r0);
    tap_ok(r != NULL, "%s: chop_realloc(NULL, %zu) allocates", m, r0);
    if (mode == MODE_FREELIST) {
        fill(r, r0, 8);
        take(&heap);
        tap_ok(chop_realloc(&heap, r, rs) == NULL && verify(r, r0, 8) && unchanged(&heap, 0),
               "%s: chop_realloc of a block returns NULL, block and heap untouched", m);
        tap_ok(chop_realloc(&heap, r, 0) == NULL && unchanged(&heap, 0),
               "%s: chop_realloc(p, 0) cannot free either", m);
        return;
    }
    fill(r, r0, 8);
    unsigned char *r2 = chop_realloc(&heap, r, rs);
    tap_ok(r2 != NULL && verify(r2, r0, 8), "%s: chop_realloc(p, %zu) keeps the contents", m, rs);
    tap_is_size(chop_usable_size(&heap, r2), block_for(rs, 1), "%s: ... in a %zu-byte block", m,
                block_for(rs, 1));
    take(&heap);
    tap_ok(chop_realloc(&heap, r2, HEAP) == NULL && verify(r2, r0, 8) && unchanged(&heap, 1),
           "%s: chop_realloc too large is NULL, block untouched", m);
    tap_ok(chop_realloc(&heap, r2 + MIN_BLOCK, 8) == NULL && unchanged(&heap, 1),
           "%s: chop_realloc of an interior pointer is NULL, heap untouched", m);
    tap_ok(chop_realloc(NULL, r2, 8) == NULL && unchanged(&heap, 1),
           "%s: chop_realloc with a NULL heap is NULL", m);
    size_t live = stats_of(&heap).live_allocations;
    tap_ok(chop_realloc(&heap, r2, 0) == NULL && stats_of(&heap).live_allocations == live - 1u,
           "%s: chop_realloc(p, 0) frees p and returns NULL", m);
    chop_free(&heap, q);
    chop_free(&heap, z);
    tap_is_size(stats_of(&heap).free_bytes, HEAP, "%s: chop_free returns the rest", m);
}

int main(void)
{
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        if (!mode_runs(mode))
            continue;
        int bm = mode == MODE_BITMAP;
        /* Each fixture is one block of min(4 KiB, largest), of eight minimum blocks at
         * least (its blocks scale with it). */
        if (block_exists(FIXTURE_NEEDS, bm ? 52u : 4u, "chop_try_free's scene"))
            test_try_free(mode);
        if (block_exists(FIXTURE_NEEDS, bm ? 53u : 51u, "reallocation in place"))
            test_reallocate(mode);
        if (block_exists(FIXTURE_NEEDS, 3u, "the random reallocations"))
            test_random_reallocations(mode);
        if (block_exists(FIXTURE_NEEDS, bm ? 23u : 18u, "the malloc family"))
            test_malloc_family(mode);
    }
    return tap_done();
}
