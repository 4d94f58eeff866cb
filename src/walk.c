/*
 * chop_walk(): every block, region by region in address order, one block per turn of
 * the lock, so that the visitor runs unlocked and may itself call chopalloc.
 * SPDX-License-Identifier: MIT
 */
#include "annotate.h"

/*
 * The next block at or after `from` (inside the heap) in bitmap mode.  A block that
 * now begins before `from` (the visitor changed the heap) is skipped.
 */
static chop_status next_in_bitmap(const chop_heap *heap, uintptr_t from, uintptr_t *block,
                                  size_t *size, int *allocated)
{
    while (from < heap->end) {
        unsigned order;
        chop_status status = chopi_block_holding(heap, from, block, &order, allocated);
        if (status != CHOP_OK)
            return status;
        if (*block == from) {
            *size = (size_t)chopi_size_of(order);
            return CHOP_OK;
        }
        from = *block + chopi_size_of(order); /* past from: it holds from */
    }
    *size = 0;
    return CHOP_OK;
}

/*
 * Free-list mode: the free block at `from`, or the allocated span from `from` to the
 * next free block.  O(free blocks * address bits).  A free block that now begins
 * before `from` is skipped, as in bitmap mode.
 */
static chop_status next_in_free_lists(const chop_heap *heap, uintptr_t from, uintptr_t *block,
                                      size_t *size, int *allocated)
{
    while (from < heap->end) {
        /* The lowest free block that ends after from. */
        uintptr_t lowest = heap->end;
        uintptr_t lowest_size = 0;
        int corrupted = 0;
        for (unsigned k = CHOPI_MIN; k <= (unsigned)CHOPI_TOP; k++) {
            for (const chop_free_block *b = chopi_tree_next(heap, k, NULL, &corrupted); b;
                 b = chopi_tree_next(heap, k, b, &corrupted)) {
                uintptr_t addr = (uintptr_t)b;
                if (addr < lowest && addr + chopi_size_of(k) > from) {
                    lowest = addr;
                    lowest_size = chopi_size_of(k);
                }
            }
        }
        if (corrupted)
            return CHOP_ERR_CORRUPTED;
        if (lowest > from) { /* from is in allocated memory */
            *block = from;
            *size = (size_t)(lowest - from);
            *allocated = 1;
            return CHOP_OK;
        }
        if (lowest == from) {
            *block = from;
            *size = (size_t)lowest_size;
            *allocated = 0;
            return CHOP_OK;
        }
        from = lowest + lowest_size;
    }
    *size = 0;
    return CHOP_OK;
}

/*
 * The walk over one region's blocks, as chop_walk() describes.  The turn of the lock
 * that finds the region's end also reads the next region, which chop_add_region()
 * may be adding meanwhile; NULL there when the walk ends here.
 */
static chop_status walk_region(const chop_heap *heap, const chop_heap **region,
                               chop_visit_fn visit, void *ctx)
{
    /* start and end are fixed by chop_init(): read without the lock. */
    const chop_heap *here = *region;
    uintptr_t cursor = here->start;
    *region = NULL;
    for (;;) {
        uintptr_t block = 0;
        size_t size = 0;
        int allocated = 0;
        chop_status status = CHOP_OK;
        chopi_lock(heap);
        if (chopi_has_bitmap(here))
            status = next_in_bitmap(here, cursor, &block, &size, &allocated);
        else
            status = next_in_free_lists(here, cursor, &block, &size, &allocated);
        if (status == CHOP_OK && size == 0)
            *region = here->next_region;
        chopi_unlock(heap);
        if (status != CHOP_OK || size == 0 || visit(ctx, (void *)block, size, allocated))
            return status;
        cursor = block + size;
    }
}

chop_status chop_walk(const chop_heap *heap, chop_visit_fn visit, void *ctx)
{
    if (!heap || !visit)
        return CHOP_ERR_NULL_ARGUMENT;
    chop_status status = CHOP_OK;
    for (const chop_heap *region = heap; region;) /* NULL after an error or a stop */
        status = walk_region(heap, &region, visit, ctx);
    return status;
}
