/*
 * chop_try_free(), chop_usable_size(), chop_try_reallocate() and the malloc family,
 * in bitmap mode and in free-list mode.
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

static int mode_of_heap; /* the mode the current test runs in */

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

    fresh(&heap, mode, 0, ARENA);
    chop_stats empty = stats_of(&heap);
    void *a = must_allocate(&heap, 1, 1);
    void *b = must_allocate(&heap, 100, 1);
    void *c = must_allocate(&heap, 1000, 256);
    unsigned char *d = must_allocate(&heap, 64, 64);

    if (mode == MODE_FREELIST) {
        take(&heap);
        tap_is_status(chop_try_free(&heap, a), CHOP_ERR_NEEDS_BITMAP,
                      "%s: chop_try_free needs the bitmap", m);
        tap_ok(unchanged(&heap, 0), "%s: ... and changes nothing", m);
        tap_is_size(chop_usable_size(&heap, a), 0, "%s: chop_usable_size is 0", m);
        chop_free(&heap, a);
        tap_ok(unchanged(&heap, 0), "%s: chop_free changes nothing", m);
        return;
    }

    tap_is_size(chop_usable_size(&heap, a), MIN_BLOCK, "%s: usable size of 1 byte", m);
    tap_is_size(chop_usable_size(&heap, b), 128, "%s: usable size of 100 bytes", m);
    tap_is_size(chop_usable_size(&heap, c), 1024, "%s: usable size of 1000 bytes", m);
    tap_is_size(chop_usable_size(&heap, d), 64, "%s: usable size of 64 bytes", m);

    struct {
        const char *what;
        chop_heap *heap;
        void *ptr;
        chop_status want;
    } refused[] = {
        {"NULL heap", NULL, a, CHOP_ERR_NULL_ARGUMENT},
        {"NULL pointer", &heap, NULL, CHOP_ERR_NULL_ARGUMENT},
        {"a pointer outside the heap", &heap, outside, CHOP_ERR_OUTSIDE_HEAP},
        {"one past the heap's end", &heap, arena + ARENA, CHOP_ERR_OUTSIDE_HEAP},
        {"just below the heap", &heap, addr((uintptr_t)arena - MIN_BLOCK), CHOP_ERR_OUTSIDE_HEAP},
        {"a pointer 1 byte into a block", &heap, d + 1, CHOP_ERR_INTERIOR_POINTER},
        {"a pointer a minimum block into a block", &heap, d + MIN_BLOCK,
         CHOP_ERR_INTERIOR_POINTER},
        {"the last byte of a block", &heap, d + 63, CHOP_ERR_INTERIOR_POINTER},
        {"free memory never handed out", &heap, arena + ARENA - MIN_BLOCK, CHOP_ERR_DOUBLE_FREE},
        {"inside free memory, unaligned", &heap, arena + ARENA - 3, CHOP_ERR_DOUBLE_FREE},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        take(&heap);
        tap_is_status(chop_try_free(refused[i].heap, refused[i].ptr), refused[i].want,
                      "%s: chop_try_free of %s", m, refused[i].what);
        tap_ok(unchanged(&heap, 0), "%s: ... heap unchanged", m);
        tap_is_size(chop_usable_size(refused[i].heap, refused[i].ptr), 0,
                    "%s: chop_usable_size of %s is 0", m, refused[i].what);
        chop_free(refused[i].heap, refused[i].ptr);
        tap_ok(unchanged(&heap, 0), "%s: chop_free of %s changes nothing", m, refused[i].what);
    }

    tap_is_status(chop_try_free(&heap, b), CHOP_OK, "%s: chop_try_free of a live block", m);
    take(&heap);
    tap_is_status(chop_try_free(&heap, b), CHOP_ERR_DOUBLE_FREE, "%s: ... twice is refused", m);
    tap_ok(unchanged(&heap, 0), "%s: ... heap unchanged", m);
    tap_is_size(chop_usable_size(&heap, b), 0, "%s: a freed block has no usable size", m);
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

    /* Shrinking splits the tail off in place. */
    fresh(&heap, mode, 0, ARENA);
    p = must_allocate(&heap, 1000, 1);
    void *was = p;
    fill(p, 1000, 1);
    size_t free_before = stats_of(&heap).free_bytes;
    tap_is_status(chop_try_reallocate(&heap, &p, 1000, 100, 1), CHOP_OK, "%s: shrink 1000 -> 100",
                  m);
    tap_is_ptr(p, was, "%s: ... in place", m);
    tap_ok(verify(p, 100, 1), "%s: ... the first 100 bytes kept", m);
    tap_is_size(stats_of(&heap).free_bytes, free_before + 1024 - 128,
                "%s: ... the tail (1024 - 128 bytes) is free", m);
    tap_ok(chop_check(&heap) == CHOP_OK, "%s: ... chop_check passes", m);
    tap_is_ptr(must_allocate(&heap, 512, 1), (unsigned char *)was + 512,
               "%s: ... the tail's upper half is allocatable", m);

    /* Same block size: nothing to do. */
    was = p;
    take(&heap);
    tap_is_status(chop_try_reallocate(&heap, &p, 100, 120, 1), CHOP_OK,
                  "%s: 100 -> 120 bytes, the same block", m);
    tap_ok(p == was && unchanged(&heap, 0), "%s: ... changes nothing", m);

    /* Growing in place takes free buddies in, over several orders. */
    fresh(&heap, mode, 0, ARENA);
    p = must_allocate(&heap, 1, 1);
    was = p;
    fill(p, MIN_BLOCK, 2);
    tap_is_status(chop_try_reallocate(&heap, &p, 1, 2000, 1), CHOP_OK, "%s: grow 1 -> 2000", m);
    tap_is_ptr(p, was, "%s: ... in place (all its buddies were free)", m);
    tap_ok(verify(p, MIN_BLOCK, 2), "%s: ... contents kept", m);
    tap_is_size(stats_of(&heap).free_bytes, ARENA - 2048, "%s: ... 2048 bytes allocated", m);
    tap_is_size(stats_of(&heap).peak_allocated_bytes, 2048, "%s: ... and the peak follows", m);
    tap_ok(chop_check(&heap) == CHOP_OK, "%s: ... chop_check passes", m);
    fill(p, 2000, 3);
    tap_is_status(chop_try_deallocate(&heap, p, 2000, 1), CHOP_OK,
                  "%s: ... and frees with its new size", m);

    /* Growing when the buddy is allocated: moved. */
    fresh(&heap, mode, 0, ARENA);
    void *a = must_allocate(&heap, 64, 1);
    void *b = must_allocate(&heap, 64, 1);
    fill(a, 64, 4);
    fill(b, 64, 5);
    p = a;
    tap_is_status(chop_try_reallocate(&heap, &p, 64, 128, 1), CHOP_OK,
                  "%s: grow 64 -> 128 with the buddy allocated", m);
    tap_ok(p != a && ((uintptr_t)p & 127u) == 0, "%s: ... moved to an aligned block", m);
    tap_ok(verify(p, 64, 4) && verify(b, 64, 5), "%s: ... contents kept, neighbour intact", m);
    tap_is_size(stats_of(&heap).live_allocations, 2, "%s: ... the old block freed", m);
    tap_is_status(chop_try_deallocate(&heap, a, 64, 1), CHOP_ERR_DOUBLE_FREE,
                  "%s: ... the old pointer is stale", m);

    /* Growing the upper buddy: moved too. */
    p = b;
    tap_is_status(chop_try_reallocate(&heap, &p, 64, 256, 1), CHOP_OK, "%s: grow an upper buddy",
                  m);
    tap_ok(p != b && verify(p, 64, 5), "%s: ... moved, contents kept", m);

    /* Growing when the buddy is free but split: moved. */
    fresh(&heap, mode, 0, ARENA);
    a = must_allocate(&heap, 64, 1);
    b = must_allocate(&heap, 32, 1);
    void *c = must_allocate(&heap, 32, 1);
    tap_is_status(chop_try_deallocate(&heap, b, 32, 1), CHOP_OK, "%s: half of a's buddy freed", m);
    fill(a, 64, 6);
    p = a;
    tap_is_status(chop_try_reallocate(&heap, &p, 64, 128, 1), CHOP_OK,
                  "%s: grow 64 -> 128 with the buddy split", m);
    tap_ok(p != a && verify(p, 64, 6), "%s: ... moved, contents kept", m);
    tap_ok(chop_check(&heap) == CHOP_OK && c != NULL, "%s: ... chop_check passes", m);

    /* A block whose parent is not a node (the region is that one block) cannot grow,
     * whether it is a lower (offset 0) or an upper (offset 64) buddy. */
    for (size_t offset = 0; offset <= 64; offset += 64) {
        fresh(&heap, mode, offset, 64);
        p = must_allocate(&heap, 64, 1);
        take(&heap);
        tap_is_status(chop_try_reallocate(&heap, &p, 64, 128, 1), CHOP_ERR_OUT_OF_MEMORY,
                      "%s: grow the only block of a 64-byte heap at offset %zu", m, offset);
        tap_ok(p == arena + offset && unchanged(&heap, 1), "%s: ... refused, heap unchanged",
               m);
    }

    /* Out of memory: nothing changes but failed_requests. */
    fresh(&heap, mode, 0, ARENA);
    a = must_allocate(&heap, ARENA / 2, 1);
    b = must_allocate(&heap, ARENA / 2, 1);
    fill(a, ARENA / 2, 7);
    p = a;
    take(&heap);
    tap_is_status(chop_try_reallocate(&heap, &p, ARENA / 2, ARENA / 2 + 1, 1),
                  CHOP_ERR_OUT_OF_MEMORY, "%s: grow in a full heap", m);
    tap_ok(p == a && verify(a, ARENA / 2, 7) && unchanged(&heap, 1),
           "%s: ... *ptr, contents and heap unchanged; failed_requests + 1", m);

    /* Refusals of the new layout, then of the old block. */
    struct {
        const char *what;
        void *ptr;
        size_t old_size, new_size, align;
        chop_status want;
        size_t failed;
    } refused[] = {
        {"new size 0", a, ARENA / 2, 0, 1, CHOP_ERR_INVALID_LAYOUT, 1},
        {"new size past the largest block", a, ARENA / 2, LARGEST + 1u, 1, CHOP_ERR_TOO_LARGE, 1},
        {"old size 0", a, 0, 8, 1, CHOP_ERR_INVALID_LAYOUT, 0},
        {"alignment 3", a, ARENA / 2, 8, 3, CHOP_ERR_INVALID_LAYOUT, 0},
        {"a pointer outside the heap", &heap, 16, 8, 1, CHOP_ERR_OUTSIDE_HEAP, 0},
        {"a misaligned pointer", (unsigned char *)a + 16, 64, 8, 1, CHOP_ERR_MISALIGNED, 0},
        {"a wrong old size", a, 100, 8, 1,
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
    tap_is_status(chop_try_deallocate(&heap, b, ARENA / 2, 1), CHOP_OK, "%s: free b", m);
    p = b;
    take(&heap);
    tap_is_status(chop_try_reallocate(&heap, &p, ARENA / 2, 8, 1), CHOP_ERR_DOUBLE_FREE,
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

    fresh(&heap, mode, 0, ARENA);
    for (unsigned step = 0; step < STEPS && !bad; step++) {
        rng = rng * 1103515245u + 12345u;
        unsigned i = (rng >> 8) % SLOTS;
        size_t want = 1u + (rng >> 16) % 400u;
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
    tap_ok(!bad && stats_of(&heap).free_bytes == ARENA, "%s: ... and everything frees", m);
}

static void test_malloc_family(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;

    fresh(&heap, mode, 0, ARENA);
    tap_ok(chop_malloc(&heap, 0) == NULL, "%s: chop_malloc(0) is NULL", m);
    tap_ok(chop_malloc(NULL, 8) == NULL, "%s: chop_malloc with a NULL heap is NULL", m);
    tap_ok(chop_malloc(&heap, ARENA + 1u) == NULL, "%s: chop_malloc too large is NULL", m);
    unsigned char *p = chop_malloc(&heap, 100);
    size_t max_align = alignof(max_align_t);
    tap_ok(p != NULL && ((uintptr_t)p % (max_align < 128 ? max_align : 128)) == 0,
           "%s: chop_malloc(100) is aligned to alignof(max_align_t)", m);
    unsigned char *q = chop_malloc(&heap, 1);
    tap_ok(q != NULL && ((uintptr_t)q % MIN_BLOCK) == 0,
           "%s: chop_malloc(1) is aligned to its block", m);

    /* calloc: zeroes memory that held data. */
    memset(p, 0xAB, 100);
    tap_is_status(chop_try_deallocate(&heap, p, 100, 1), CHOP_OK, "%s: free the dirty block", m);
    unsigned char *z = chop_calloc(&heap, 10, 10);
    int zero = z != NULL;
    for (size_t i = 0; zero && i < 100; i++)
        zero = z[i] == 0;
    tap_ok(zero, "%s: chop_calloc(10, 10) returns 100 zero bytes", m);
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
    tap_ok(chop_calloc(&heap, 2, ARENA) == NULL && stats_of(&heap).failed_requests == failed + 1u,
           "%s: chop_calloc larger than the heap is NULL, a failed request", m);
    tap_ok(chop_calloc(&heap, ((size_t)1 << half) - 1u, ((size_t)1 << half) + 1u) == NULL &&
           stats_of(&heap).failed_requests == failed + 2u,
           "%s: chop_calloc(2^%u - 1, 2^%u + 1), SIZE_MAX bytes, fits: a failed request", m,
           half, half);

    /* realloc: NULL allocates, 0 frees. */
    unsigned char *r = chop_realloc(&heap, NULL, 40);
    tap_ok(r != NULL, "%s: chop_realloc(NULL, 40) allocates", m);
    if (mode == MODE_FREELIST) {
        fill(r, 40, 8);
        take(&heap);
        tap_ok(chop_realloc(&heap, r, 400) == NULL && verify(r, 40, 8) && unchanged(&heap, 0),
               "%s: chop_realloc of a block returns NULL, block and heap untouched", m);
        tap_ok(chop_realloc(&heap, r, 0) == NULL && unchanged(&heap, 0),
               "%s: chop_realloc(p, 0) cannot free either", m);
        return;
    }
    fill(r, 40, 8);
    unsigned char *r2 = chop_realloc(&heap, r, 400);
    tap_ok(r2 != NULL && verify(r2, 40, 8), "%s: chop_realloc(p, 400) keeps the contents", m);
    tap_is_size(chop_usable_size(&heap, r2), 512, "%s: ... in a 512-byte block", m);
    take(&heap);
    tap_ok(chop_realloc(&heap, r2, ARENA) == NULL && verify(r2, 40, 8) && unchanged(&heap, 1),
           "%s: chop_realloc too large is NULL, block untouched", m);
    tap_ok(chop_realloc(&heap, r2 + 16, 8) == NULL && unchanged(&heap, 1),
           "%s: chop_realloc of an interior pointer is NULL, heap untouched", m);
    tap_ok(chop_realloc(NULL, r2, 8) == NULL && unchanged(&heap, 1),
           "%s: chop_realloc with a NULL heap is NULL", m);
    size_t live = stats_of(&heap).live_allocations;
    tap_ok(chop_realloc(&heap, r2, 0) == NULL && stats_of(&heap).live_allocations == live - 1u,
           "%s: chop_realloc(p, 0) frees p and returns NULL", m);
    chop_free(&heap, q);
    chop_free(&heap, z);
    tap_is_size(stats_of(&heap).free_bytes, ARENA, "%s: chop_free returns the rest", m);
}

int main(void)
{
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        if (!mode_runs(mode))
            continue;
        int bm = mode == MODE_BITMAP;
        /* The fixtures place blocks in the arena as one block; the random run and the
         * malloc family grow blocks to 512 bytes. */
        if (block_exists(ARENA, bm ? 52u : 4u, "chop_try_free's scene: the arena as one block"))
            test_try_free(mode);
        if (block_exists(ARENA, bm ? 53u : 51u, "reallocation in place: the arena as one block"))
            test_reallocate(mode);
        if (block_exists(512u, 3u, "the random reallocations up to 400 bytes"))
            test_random_reallocations(mode);
        if (block_exists(512u, bm ? 19u : 14u, "chop_realloc(p, 400)"))
            test_malloc_family(mode);
    }
    return tap_done();
}
