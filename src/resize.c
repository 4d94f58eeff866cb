/*
 * Calls that ask about or change a live block: chop_usable_size(),
 * chop_pointer_status() and chop_try_reallocate().
 * SPDX-License-Identifier: MIT
 */
#include "annotate.h"

/* Whether ptr starts a live block of the heap, in any region, and its order: under the
 * lock, for the two queries below. */
static chop_status live_block_locked(const chop_heap *heap, const void *ptr, unsigned *order)
{
    chopi_lock(heap);
    chop_status status = chopi_live_block(chopi_region_of(heap, (uintptr_t)ptr), (uintptr_t)ptr,
                                          order);
    chopi_unlock(heap);
    return status;
}

size_t chop_usable_size(const chop_heap *heap, const void *ptr)
{
    if (!heap || !ptr)
        return 0;
    unsigned order;
    return live_block_locked(heap, ptr, &order) == CHOP_OK ? (size_t)chopi_size_of(order) : 0;
}

chop_status chop_pointer_status(const chop_heap *heap, const void *ptr)
{
    if (!heap || !ptr)
        return CHOP_ERR_NULL_ARGUMENT;
    unsigned order;
    return live_block_locked(heap, ptr, &order);
}

/*
 * Whether the block at addr can grow in place from order `from` to order `to`: at
 * each order k on the way it is the lower buddy, its parent is a node, and the upper
 * buddy is a free block of order k.  Changes nothing.
 */
static int can_grow(const chop_heap *heap, uintptr_t addr, unsigned from, unsigned to)
{
    for (unsigned k = from; k < to; k++) {
        uintptr_t buddy = addr + chopi_size_of(k);
        if ((addr & chopi_size_of(k)) != 0 || !chopi_parent_is_node(heap, addr, k))
            return 0;
        int buddy_free = chopi_has_bitmap(heap)
                             ? chopi_buddy_is_free(heap->bitmap, chopi_index(heap, buddy), k)
                             : chopi_tree_find(heap, k, buddy, NULL) != NULL;
        if (!buddy_free)
            return 0;
    }
    return 1;
}

/* Grows the block at addr in place, as can_grow() allowed: takes the buddies in. */
static void grow(chop_heap *heap, uintptr_t addr, unsigned from, unsigned to)
{
    for (unsigned k = from; k < to; k++) {
        uintptr_t buddy = addr + chopi_size_of(k);
        chopi_unlink_free(heap, (chop_free_block *)buddy, k);
        if (chopi_has_bitmap(heap))
            chopi_clear_bits(heap->bitmap, chopi_index(heap, buddy), CHOPI_START);
    }
    /* After the unlinking, which closes each buddy's links again. */
    chopi_block_resized(heap, (void *)addr, chopi_size_of(from), chopi_size_of(to));
    chopi_note_peak(heap);
}

/* Shrinks the block at addr in place: its upper halves become free blocks. */
static void shrink(chop_heap *heap, uintptr_t addr, unsigned from, unsigned to)
{
    chopi_block_resized(heap, (void *)addr, chopi_size_of(from), chopi_size_of(to));
    for (unsigned k = from; k-- > to;) {
        uintptr_t upper = addr + chopi_size_of(k);
        if (chopi_has_bitmap(heap))
            chopi_set_bits(heap->bitmap, chopi_index(heap, upper), CHOPI_START);
        chopi_push_free(heap, upper, k); /* its buddy is our block: nothing to merge */
    }
}

/* Byte by byte: the library calls no memcpy, and the bytes may hold any type. */
static void copy_bytes(unsigned char *to, const unsigned char *from, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        to[i] = from[i];
        CHOPI_NOT_A_LIBCALL(i);
    }
}

chop_status chopi_reallocate(chop_heap *heap, chop_heap *region, void **ptr, unsigned old_order,
                             size_t new_size, size_t align, int fail)
{
    uintptr_t addr = (uintptr_t)*ptr;
    unsigned new_order;
    chop_status status = chopi_layout_order(new_size, align, &new_order);
    if (status != CHOP_OK) {
        heap->failed_requests++;
        return status;
    }
    if (new_order < old_order) {
        shrink(region, addr, old_order, new_order);
        return CHOP_OK;
    }
    if (new_order == old_order)
        return CHOP_OK;
    if (fail) { /* the fault hook refuses every larger block, in place or moved */
        heap->failed_requests++;
        return CHOP_ERR_OUT_OF_MEMORY;
    }
    if (can_grow(region, addr, old_order, new_order)) {
        grow(region, addr, old_order, new_order);
        if (heap->next_region)
            chopi_note_whole_peak(heap);
        return CHOP_OK;
    }
    void *moved = NULL; /* to any region: the block's own may have no room (R1) */
    status = chopi_allocate_anywhere(heap, new_size, align, &moved);
    if (status != CHOP_OK)
        return status;
    copy_bytes(moved, *ptr, (size_t)chopi_size_of(old_order));
    chopi_free_block(region, addr, old_order);
    *ptr = moved;
    return CHOP_OK;
}

chop_status chop_try_reallocate(chop_heap *heap, void **ptr, size_t old_size, size_t new_size,
                                size_t align)
{
    if (!heap || !ptr || !*ptr)
        return CHOP_ERR_NULL_ARGUMENT;
    const void *caller = CHOPI_CALLER();
    unsigned old_order;
    chop_status status = chopi_layout_order(old_size, align, &old_order);
    if (status != CHOP_OK) {
        chopi_report(heap, CHOP_EVENT_RESIZE, status, *ptr, *ptr, new_size, 0, 0, caller);
        return status;
    }
    void *old = *ptr;
    int fail = chopi_fail(heap, new_size, align);
    chopi_lock(heap);
    chop_heap *region = chopi_region_of(heap, (uintptr_t)old);
    status = chopi_validate_free(region, (uintptr_t)old, old_order);
    if (status == CHOP_OK)
        status = chopi_reallocate(heap, region, ptr, old_order, new_size, align, fail);
    chopi_unlock(heap);
    chopi_report(heap, CHOP_EVENT_RESIZE, status, *ptr, old, new_size,
                 chopi_layout_block(new_size, align), chopi_size_of(old_order), caller);
    return status;
}
