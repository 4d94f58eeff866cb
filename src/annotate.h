/*
 * Telling memory checkers which bytes of a heap's region the program may touch.
 * SPDX-License-Identifier: MIT
 *
 * Under Valgrind memcheck (built with CHOP_VALGRIND, which configure sets when it finds
 * <valgrind/memcheck.h>) and under AddressSanitizer (the library compiled with
 * -fsanitize=address), a heap keeps its region in this state:
 *
 *   A1  an allocated block is accessible, all 2^k bytes of it as the contract gives
 *       them: to memcheck it is a chunk of a memory pool named by the heap's address,
 *       undefined until written;
 *   A2  every other byte of [start, end), that is every free block, is off limits;
 *   A3  the library itself touches the region only through the link accessors below,
 *       which open a free block's two links for the one read or write and close them
 *       again.
 *
 * So a read or write after free, or an overflow into a free neighbour, is reported
 * against the user's code, with the stacks where the block was allocated and freed.
 * An overflow into an allocated neighbour is not: a buddy allocator has no redzones.
 * Without either checker every function here compiles to nothing.
 *
 * A4  chop_init() on a heap object that already has a pool replaces the pool: the old
 *     heap's blocks are forgotten, as the C contract of chop_init() says.
 */
#ifndef CHOPALLOC_ANNOTATE_H
#define CHOPALLOC_ANNOTATE_H

#include "internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define CHOPI_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHOPI_ASAN 1
#endif
#endif

#ifndef CHOPI_ASAN
#define CHOPI_ASAN 0
#endif
#ifndef CHOP_VALGRIND
#define CHOP_VALGRIND 0
#endif

#if CHOP_VALGRIND
#include <valgrind/memcheck.h>
#endif
#if CHOPI_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* A3: a free block's links become readable and writable, then off limits again. */
static inline void chopi_links_open(const chop_free_block *block)
{
    (void)block;
#if CHOP_VALGRIND
    VALGRIND_MAKE_MEM_DEFINED(block, sizeof *block);
#endif
#if CHOPI_ASAN
    ASAN_UNPOISON_MEMORY_REGION(block, sizeof *block);
#endif
}

static inline void chopi_links_close(const chop_free_block *block)
{
    (void)block;
#if CHOP_VALGRIND
    VALGRIND_MAKE_MEM_NOACCESS(block, sizeof *block);
#endif
#if CHOPI_ASAN
    ASAN_POISON_MEMORY_REGION(block, sizeof *block);
#endif
}

/* The link accessors: the library's only reads and writes of the region (A3). */
static inline void chopi_get_links(const chop_free_block *block, chop_free_block **next,
                                   chop_free_block **prev)
{
    chopi_links_open(block);
    *next = block->next;
    *prev = block->prev;
    chopi_links_close(block);
}

static inline chop_free_block *chopi_next(const chop_free_block *block)
{
    chopi_links_open(block);
    chop_free_block *next = block->next;
    chopi_links_close(block);
    return next;
}

static inline void chopi_set_links(chop_free_block *block, chop_free_block *next,
                                   chop_free_block *prev)
{
    chopi_links_open(block);
    block->next = next;
    block->prev = prev;
    chopi_links_close(block);
}

static inline void chopi_set_next(chop_free_block *block, chop_free_block *next)
{
    chopi_links_open(block);
    block->next = next;
    chopi_links_close(block);
}

static inline void chopi_set_prev(chop_free_block *block, chop_free_block *prev)
{
    chopi_links_open(block);
    block->prev = prev;
    chopi_links_close(block);
}

/* A2 and A4: chop_init() has validated [start, end); nothing in it is handed out yet. */
static inline void chopi_region_fresh(const chop_heap *heap)
{
    (void)heap;
#if CHOP_VALGRIND
    if (VALGRIND_MEMPOOL_EXISTS(heap))
        VALGRIND_DESTROY_MEMPOOL(heap);
    VALGRIND_CREATE_MEMPOOL(heap, 0, 0);
    VALGRIND_MAKE_MEM_NOACCESS(heap->start, heap->end - heap->start);
#endif
#if CHOPI_ASAN
    ASAN_POISON_MEMORY_REGION((void *)heap->start, heap->end - heap->start);
#endif
}

/* A1: a block of `block_size` bytes goes to the user. */
static inline void chopi_block_handed_out(const chop_heap *heap, void *block, size_t block_size)
{
    (void)heap, (void)block, (void)block_size;
#if CHOP_VALGRIND
    VALGRIND_MEMPOOL_ALLOC(heap, block, block_size);
#endif
#if CHOPI_ASAN
    ASAN_UNPOISON_MEMORY_REGION(block, block_size);
#endif
}

/* A2: a block of `block_size` bytes comes back from the user. */
static inline void chopi_block_taken_back(const chop_heap *heap, void *block, size_t block_size)
{
    (void)heap, (void)block, (void)block_size;
#if CHOP_VALGRIND
    VALGRIND_MEMPOOL_FREE(heap, block);
#endif
#if CHOPI_ASAN
    ASAN_POISON_MEMORY_REGION(block, block_size);
#endif
}

/* A1 and A2: an allocated block changes size in place; it keeps its contents. */
static inline void chopi_block_resized(const chop_heap *heap, void *block, size_t old_size,
                                       size_t new_size)
{
    (void)heap, (void)block, (void)old_size, (void)new_size;
#if CHOP_VALGRIND
    VALGRIND_MEMPOOL_CHANGE(heap, block, block, new_size);
    if (new_size < old_size)
        VALGRIND_MAKE_MEM_NOACCESS((char *)block + new_size, old_size - new_size);
    else
        VALGRIND_MAKE_MEM_UNDEFINED((char *)block + old_size, new_size - old_size);
#endif
#if CHOPI_ASAN
    if (new_size < old_size)
        ASAN_POISON_MEMORY_REGION((char *)block + new_size, old_size - new_size);
    else
        ASAN_UNPOISON_MEMORY_REGION((char *)block + old_size, new_size - old_size);
#endif
}

#endif /* CHOPALLOC_ANNOTATE_H */
