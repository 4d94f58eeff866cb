/*
 * A heap that lives wholly inside the region it manages: chop_init_region().
 * SPDX-License-Identifier: MIT
 *
 * The region is laid out, from its start:
 *
 *   [padding to alignof(chop_heap)] [chop_heap] [bitmap, in bitmap mode] [managed range]
 *
 * The bitmap needs no padding of its own: chop_heap holds a uint64_t, so its size is
 * a multiple of uint64_t's alignment.  The bitmap is sized for everything after the
 * chop_heap, a little more than the managed range that follows it, which is all
 * chop_init() asks of it.  chop_init() then validates and carves the managed range
 * as for any region, so the heap structure and the bitmap lie outside the blocks.
 */
#include "internal.h"

_Static_assert(sizeof(chop_heap) % _Alignof(uint64_t) == 0,
               "a bitmap placed right after a chop_heap is aligned");

chop_status chop_init_region(chop_heap **heap, void *memory, size_t size, int use_bitmap)
{
    if (!heap)
        return CHOP_ERR_NULL_ARGUMENT;
    if (!memory)
        return CHOP_ERR_BAD_REGION;
#if !CHOPALLOC_HAVE_BITMAP
    if (use_bitmap)
        return CHOP_ERR_BITMAP_UNSUPPORTED;
#endif

    uintptr_t base = (uintptr_t)memory;
    if (size > UINTPTR_MAX - base)
        return CHOP_ERR_BAD_REGION; /* wraps around the address space */
    size_t pad = (size_t)(-base & (_Alignof(chop_heap) - 1u));
    if (pad > size || size - pad < sizeof(chop_heap))
        return CHOP_ERR_BAD_REGION; /* no room for the heap structure */

    uintptr_t after_heap = base + pad + sizeof(chop_heap);
    size_t rest = size - pad - sizeof(chop_heap);
    size_t words = use_bitmap ? CHOP_BITMAP_WORDS(rest) : 0u;
    size_t bitmap_bytes = words * sizeof(uint64_t);
    if (rest < bitmap_bytes + CHOP_MIN_BLOCK_SIZE)
        return CHOP_ERR_BAD_REGION; /* no room for the bitmap and a block */

    chop_heap *placed = (chop_heap *)(base + pad);
    chop_status status = chop_init(placed, (void *)(after_heap + bitmap_bytes),
                                   rest - bitmap_bytes,
                                   use_bitmap ? (uint64_t *)after_heap : NULL, words);
    if (status == CHOP_OK)
        *heap = placed;
    return status;
}
