/*
 * The malloc family over a heap: the C library's shapes and semantics for NULL and 0.
 * SPDX-License-Identifier: MIT
 */
#include "annotate.h"

/*
 * Every block is aligned to its own size, so asking for alignment 1 gives alignment
 * to alignof(max_align_t) or to the block's size, whichever is smaller, as C asks.
 */
/* The allocation of the calls below, reported as made from `caller`. */
static void *allocate_for(chop_heap *heap, size_t size, const void *caller)
{
    void *block = NULL;
    if (!heap || size == 0)
        return NULL;
    if (heap->path)
        (void)heap->path->allocate(heap, size, 1, &block, caller);
    else
        (void)chopi_allocate(heap, size, 1, &block);
    return block;
}

void *chop_malloc(chop_heap *heap, size_t size)
{
    void *block = NULL;
    if (!heap || size == 0)
        return NULL;
    if (heap->path) /* as chop_try_allocate(), one call deep */
        (void)heap->path->allocate(heap, size, 1, &block, CHOPI_CALLER());
    else
        (void)chopi_allocate(heap, size, 1, &block);
    return block;
}

/*
 * Whether n * size fits in a size_t, and the product.  By halves, each product of two
 * half-width numbers: the usual "n > SIZE_MAX / size" is a division, and clang makes
 * it a double-width multiply; on cores without either instruction (Cortex-M0, RV32I)
 * both are calls into the compiler's runtime library.
 */
static int product_fits(size_t n, size_t size, size_t *product)
{
    const unsigned half = (unsigned)(sizeof(size_t) * CHAR_BIT / 2u);
    const size_t low_mask = ((size_t)1 << half) - 1u;
    size_t n_high = n >> half, size_high = size >> half;

    if (n_high != 0 && size_high != 0)
        return 0; /* at least 2^half * 2^half */
    size_t cross = n_high * (size & low_mask) + size_high * (n & low_mask); /* one term */
    if (cross >> half != 0)
        return 0;
    size_t low = (n & low_mask) * (size & low_mask);
    *product = (cross << half) + low;
    return *product >= low; /* the sum did not wrap */
}

void *chop_calloc(chop_heap *heap, size_t n, size_t size)
{
    size_t bytes;
    if (n == 0 || size == 0 || !product_fits(n, size, &bytes))
        return NULL;
    unsigned char *block = allocate_for(heap, bytes, CHOPI_CALLER());
    if (block) /* the block is the caller's now: zeroed outside the lock */
        for (size_t i = 0; i < bytes; i++) {
            block[i] = 0;
            CHOPI_NOT_A_LIBCALL(i);
        }
    return block;
}

void *chop_realloc(chop_heap *heap, void *ptr, size_t size)
{
    const void *caller = CHOPI_CALLER();
    if (!ptr)
        return allocate_for(heap, size, caller);
    if (!heap)
        return NULL;
    if (size == 0) {
        if (heap->path)
            (void)heap->path->free(heap, (uintptr_t)ptr, caller);
        else
            (void)chopi_free_unsized(heap, (uintptr_t)ptr);
        return NULL;
    }
    unsigned order = 0;
    void *old = ptr;
    int fail = chopi_fail(heap, size, 1);
    chopi_lock(heap);
    chop_heap *region = chopi_region_of(heap, (uintptr_t)ptr);
    chop_status status = chopi_live_block(region, (uintptr_t)ptr, &order);
    if (status == CHOP_OK)
        status = chopi_reallocate(heap, region, &ptr, order, size, 1, fail);
    chopi_unlock(heap);
    chopi_report(heap, CHOP_EVENT_RESIZE, status, ptr, old, size, chopi_layout_block(size, 1),
                 chopi_size_of(order), caller);
    return status == CHOP_OK ? ptr : NULL;
}

void chop_free(chop_heap *heap, void *ptr)
{
    if (!ptr || !heap)
        return;
    if (heap->path) /* as chop_try_free(), one call deep */
        (void)heap->path->free(heap, (uintptr_t)ptr, CHOPI_CALLER());
    else
        (void)chopi_free_unsized(heap, (uintptr_t)ptr);
}
