/*
 * chop_init_region(): a heap whose structure and bitmap live in the region it manages,
 * checked against the layout the header documents, in both modes.
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <string.h>

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

#define REGION 8192u
/* Room to move the region's start by up to two minimum blocks. */
static _Alignas(64) unsigned char memory[REGION + 64];
static unsigned char before[REGION + 64];

/* The layout the header documents: where the structure, the bitmap and the managed
 * range go, and whether there is room for them and one whole minimum block. */
struct layout {
    int fits;
    uintptr_t heap;         /* where the chop_heap goes */
    size_t bitmap_bytes;    /* the bitmap right after it */
    uintptr_t managed;      /* the region chop_init() is given */
    size_t managed_size;
    struct carving carving; /* what chop_init() makes of it */
};

/* The bytes the structure takes: its size, rounded up so the bitmap after it is aligned. */
#define HEAP_FOOTPRINT ((sizeof(chop_heap) + sizeof(uint64_t) - 1u) & ~(sizeof(uint64_t) - 1u))

static struct layout layout_of(uintptr_t base, size_t size, int use_bitmap)
{
    struct layout l;
    memset(&l, 0, sizeof l);
    size_t pad = (size_t)(region_heap_at(base) - base);
    if (pad + HEAP_FOOTPRINT > size)
        return l;
    l.heap = base + pad;
    size_t rest = size - pad - HEAP_FOOTPRINT;
    l.bitmap_bytes = use_bitmap ? chop_bitmap_words_needed(rest) * sizeof(uint64_t) : 0;
    if (l.bitmap_bytes + MIN_BLOCK > rest)
        return l;
    l.managed = l.heap + HEAP_FOOTPRINT + l.bitmap_bytes;
    l.managed_size = rest - l.bitmap_bytes;
    carve(l.managed, l.managed_size, &l.carving);
    l.fits = l.carving.ok;
    return l;
}

static const char *mode_arg_name(int use_bitmap)
{
    return use_bitmap ? "bitmap" : "free-list";
}

/* Every start offset and size around the smallest regions that fit: the status is the
 * layout's verdict, and a refusal writes neither *out nor a byte of the region.  Free-list
 * mode in a build without it refuses the regions that fit too, with its own status: that
 * check comes after the region's. */
static void test_sweep(int use_bitmap)
{
    const char *m = mode_arg_name(use_bitmap);
    chop_status fit = use_bitmap || CHOPALLOC_HAVE_FREE_LIST ? CHOP_OK
                                                             : CHOP_ERR_FREE_LIST_UNSUPPORTED;
    unsigned checked = 0, wrong = 0, wrote = 0, fitted = 0, refused = 0;
    size_t smallest = sizeof(chop_heap) - 2u;
    size_t largest = sizeof(chop_heap) + 4u * MIN_BLOCK + 3u * sizeof(uint64_t);
    size_t span = largest + 2u * MIN_BLOCK; /* the bytes any of these regions covers */

    for (size_t offset = 0; offset < 2u * MIN_BLOCK; offset++) {
        for (size_t size = smallest; size <= largest; size++) {
            uintptr_t base = (uintptr_t)(memory + offset);
            struct layout l = layout_of(base, size, use_bitmap);
            chop_heap *out = (chop_heap *)addr(1);

            reclaim(memory, span);
            raw_fill(memory, 0xC3, span);
            raw_copy(before, memory, span);
            chop_status st = chop_init_region(&out, memory + offset, size, use_bitmap);
            checked++;
            if (l.fits) {
                fitted++;
                if (st != fit || (st == CHOP_OK && (uintptr_t)out != l.heap))
                    wrong++;
            } else {
                refused++;
                if (st != CHOP_ERR_BAD_REGION)
                    wrong++;
            }
            if (st != CHOP_OK && (out != (chop_heap *)addr(1) || !raw_equal(before, memory, span)))
                wrote++;
        }
    }
    tap_ok(fitted > 0 && refused > 0, "%s: the sweep has regions that fit (%u) and that do not (%u)",
           m, fitted, refused);
    tap_is_int(wrong, 0, "%s: %u regions of %zu to %zu bytes at %zu offsets: the layout's status%s",
               m, checked, smallest, largest, (size_t)(2u * MIN_BLOCK),
               fit == CHOP_OK ? "" : ", CHOP_ERR_FREE_LIST_UNSUPPORTED for those that fit");
    tap_is_int(wrote, 0, "%s: ... and a refused one writes neither the heap pointer nor the region",
               m);
}

/* A region at offset @p offset: the heap inside it, the statistics of the managed range,
 * every block handed out beyond the structure and bitmap, and back again. */
static void test_region(int use_bitmap, size_t offset, size_t size)
{
    const char *m = mode_arg_name(use_bitmap);
    uintptr_t base = (uintptr_t)(memory + offset);
    struct layout l = layout_of(base, size, use_bitmap);
    chop_heap *heap = NULL;

    reclaim(memory, sizeof memory);
    tap_is_status(chop_init_region(&heap, memory + offset, size, use_bitmap), CHOP_OK,
                  "%s: chop_init_region(memory + %zu, %zu bytes)", m, offset, size);
    if (heap == NULL) {
        tap_skip(6, "%s: no heap", m);
        return;
    }
    tap_is_ptr(heap, (void *)l.heap,
               "%s: ... the heap is at the region's first multiple of its alignment", m);
    chop_stats fresh = stats_of(heap);
    tap_is_stats(&fresh, &l.carving.fresh,
                 "%s: ... its statistics are those of the rest, %zu bytes after a %zu-byte bitmap",
                 m, l.managed_size, l.bitmap_bytes);

    /* Minimum blocks until none is left: all of them past the bitmap, inside the region. */
    size_t blocks = 0, stray = 0;
    void *p;
    while (chop_try_allocate(heap, 1, 1, &p) == CHOP_OK) {
        uintptr_t a = (uintptr_t)p;
        if (a < l.managed || a + MIN_BLOCK > base + size)
            stray++;
        blocks++;
    }
    tap_ok(blocks == fresh.managed_bytes / MIN_BLOCK && stray == 0,
           "%s: ... %zu minimum blocks, all after the structure and bitmap (%zu outside)", m,
           blocks, stray);
    tap_is_status(chop_check(heap), CHOP_OK, "%s: ... chop_check OK when full", m);
    tap_is_status(chop_try_deallocate(heap, heap, MIN_BLOCK, 1), CHOP_ERR_OUTSIDE_HEAP,
                  "%s: ... freeing the heap structure itself is refused", m);
    /* Free them all again, lowest first, by the address each must have had. */
    uintptr_t a = l.carving.start;
    size_t freed = 0;
    for (; a < l.carving.end; a += MIN_BLOCK)
        freed += chop_try_deallocate(heap, (void *)a, 1, 1) == CHOP_OK;
    chop_stats after = stats_of(heap);
    after.peak_allocated_bytes = fresh.peak_allocated_bytes;
    after.failed_requests = fresh.failed_requests;
    tap_ok(freed == blocks && chop_check(heap) == CHOP_OK &&
           memcmp(&after, &fresh, sizeof after) == 0,
           "%s: ... all freed, the heap is whole again", m);
}

/* Bitmap mode from a region has bitmap mode's checks. */
static void test_bitmap_checks(void)
{
    chop_heap *heap = NULL;
    void *p = NULL;
    size_t size = 4u * MIN_BLOCK < LARGEST ? 4u * MIN_BLOCK : LARGEST;

    reclaim(memory, sizeof memory);
    if (chop_init_region(&heap, memory, REGION, 1) != CHOP_OK ||
        chop_try_allocate(heap, size, 1, &p) != CHOP_OK) {
        tap_bail_out("bitmap: chop_init_region or the first allocation failed");
    }
    tap_is_size(chop_usable_size(heap, p), size, "bitmap: chop_usable_size knows the block");
    if (size > MIN_BLOCK)
        tap_is_status(chop_try_free(heap, (unsigned char *)p + MIN_BLOCK),
                      CHOP_ERR_INTERIOR_POINTER, "bitmap: an interior pointer is refused");
    else
        tap_skip(1, "bitmap: an interior pointer needs a block larger than the minimum");
    tap_is_status(chop_try_free(heap, p), CHOP_OK, "bitmap: chop_try_free frees it");
    tap_is_status(chop_try_free(heap, p), CHOP_ERR_DOUBLE_FREE, "bitmap: a second free is refused");
}

static void test_refusals(void)
{
    chop_heap *out = (chop_heap *)addr(1);

    tap_is_status(chop_init_region(NULL, memory, REGION, 0), CHOP_ERR_NULL_ARGUMENT,
                  "a NULL heap pointer is refused");
    tap_is_status(chop_init_region(&out, NULL, REGION, 0), CHOP_ERR_BAD_REGION,
                  "a NULL region is refused");
    tap_is_status(chop_init_region(&out, addr(UINTPTR_MAX - 63u), 128, 0), CHOP_ERR_BAD_REGION,
                  "a region that wraps around the address space is refused");
    tap_is_status(chop_init_region(&out, memory + 1, 0, 0), CHOP_ERR_BAD_REGION,
                  "an empty region is refused");
    tap_ok(out == (chop_heap *)addr(1), "... and none of them writes the heap pointer");
    if (CHOPALLOC_HAVE_BITMAP) {
        tap_skip(1, "bitmap mode is built in");
    } else {
        tap_is_status(chop_init_region(&out, memory, REGION, 1), CHOP_ERR_BITMAP_UNSUPPORTED,
                      "bitmap mode in a --disable-bitmap build is refused");
    }

    /* Free-list mode: a heap where the build has it; else refused, with nothing written. */
    reclaim(memory, sizeof memory);
    raw_fill(memory, 0xC3, REGION);
    raw_copy(before, memory, REGION);
    out = (chop_heap *)addr(1);
    chop_status st = chop_init_region(&out, memory, REGION, 0);
    if (CHOPALLOC_HAVE_FREE_LIST)
        tap_ok(st == CHOP_OK && (uintptr_t)out == region_heap_at((uintptr_t)memory) &&
                   chop_check(out) == CHOP_OK,
               "free-list mode makes a sound heap at the region's start (%s)", tap_status_name(st));
    else
        tap_ok(st == CHOP_ERR_FREE_LIST_UNSUPPORTED && out == (chop_heap *)addr(1) &&
                   raw_equal(before, memory, REGION),
               "free-list mode in a --disable-free-list build is refused (%s), and neither the"
               " heap pointer nor the region is written",
               tap_status_name(st));
}

int main(void)
{
    test_refusals();
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        int use_bitmap = mode == MODE_BITMAP;
        if (mode == MODE_FREELIST && !mode_built(mode))
            test_sweep(use_bitmap); /* its refusal, at every offset and size */
        if (!mode_runs(mode))
            continue;
        test_sweep(use_bitmap);
        test_region(use_bitmap, 0, REGION);
        test_region(use_bitmap, 3, REGION - 5u);
        test_region(use_bitmap, MIN_BLOCK + 1u, sizeof(chop_heap) + 1000u);
    }
    if (CHOPALLOC_HAVE_BITMAP)
        test_bitmap_checks();
    else
        tap_skip(4, "bitmap mode: library built with --disable-bitmap");
    return tap_done();
}
