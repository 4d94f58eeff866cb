/*
 * A heap that lives wholly inside the region it manages: chop_init_region().
 * SPDX-License-Identifier: MIT
 *
 * The region is laid out, from its start:
 *
 *   [padding to alignof(chop_heap)] [chop_heap, padded to 8 bytes]
 *   [bitmap, in bitmap mode] [managed range]
 *
 * The structure's footprint is its size rounded up to a multiple of sizeof(uint64_t),
 * so that the bitmap after it is aligned for its words.  The bitmap is sized for
 * everything after the footprint, a little more than the managed range that follows
 * it, which is all chop_init() asks of it.  chop_init() then validates and carves the managed range
 * as for any region, so the heap structure and the bitmap lie outside the blocks.
 */
#include "internal.h"

/* The bytes the structure takes: a multiple of 8, which is a multiple of uint64_t's
 * alignment, and chop_heap's alignment divides it as it divides sizeof(chop_heap). */
#define HEAP_FOOTPRINT ((sizeof(chop_heap) + sizeof(uint64_t) - 1u) & ~(sizeof(uint64_t) - 1u))

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
    if (pad > size || size - pad < HEAP_FOOTPRINT)
        return CHOP_ERR_BAD_REGION; /* no room for the heap structure */

    uintptr_t after_heap = base + pad + HEAP_FOOTPRINT;
    size_t rest = size - pad - HEAP_FOOTPRINT;
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
