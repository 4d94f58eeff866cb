/*
 * The malloc family over a heap: the C library's shapes and semantics for NULL and 0.
 * SPDX-License-Identifier: MIT
 */
#include "annotate.h"

/*
 * Every block is aligned to its own size, so asking for alignment 1 gives alignment
 * to alignof(max_align_t) or to the block's size, whichever is smaller, as C asks.
 */
void *chop_malloc(chop_heap *heap, size_t size)
{
    void *block = NULL;
    if (size != 0)
        (void)chop_try_allocate(heap, size, 1, &block);
    return block;
}

void *chop_calloc(chop_heap *heap, size_t n, size_t size)
{
    if (n == 0 || size == 0 || n > SIZE_MAX / size)
        return NULL;
    unsigned char *block = chop_malloc(heap, n * size);
    if (block) /* the block is the caller's now: zeroed outside the lock */
        for (size_t i = 0; i < n * size; i++)
            block[i] = 0;
    return block;
}

void *chop_realloc(chop_heap *heap, void *ptr, size_t size)
{
    if (!ptr)
        return chop_malloc(heap, size);
    if (!heap)
        return NULL;
    if (size == 0) {
        chop_free(heap, ptr);
        return NULL;
    }
    unsigned order;
    chopi_lock(heap);
    chop_status status = chopi_live_block(heap, (uintptr_t)ptr, &order);
    if (status == CHOP_OK)
        status = chopi_reallocate(heap, &ptr, order, size, 1);
    chopi_unlock(heap);
    return status == CHOP_OK ? ptr : NULL;
}

void chop_free(chop_heap *heap, void *ptr)
{
    if (ptr)
        (void)chop_try_free(heap, ptr);
}
