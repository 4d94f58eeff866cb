/*
 * Shared internals of chopalloc: block orders, the bitmap encoding and the free lists.
 * SPDX-License-Identifier: MIT
 *
 * Terms used throughout:
 *   order k     a block of 2^k bytes, always aligned to 2^k by absolute address;
 *   node        any 2^k-aligned range of 2^k bytes inside [start, end) with k < MAX_ORDER;
 *               every node lies inside exactly one of the blocks chop_init() carved
 *               (a "root"), so two blocks may merge exactly when their parent is a node;
 *   index       (address - start) / CHOP_MIN_BLOCK_SIZE, the minimum block an address is in.
 *
 * Invariants of a heap (chop_check() verifies all of them):
 *   I1  the blocks partition [start, end); each block is a node;
 *   I2  a block is free iff it is on free_list[k] for its order k; lists are doubly linked,
 *       free_count[k] is the length of list k and bit k of nonempty is set iff it is non-empty;
 *   I3  no two free blocks of the same order k are buddies whose parent is a node
 *       (freeing merges eagerly), so the set of free blocks is a function of the set of
 *       allocated blocks;
 *   I4  free_bytes is the sum of the free blocks' sizes;
 *   I5  in bitmap mode, for each minimum block i: START(i) iff a block begins at i, and
 *       ALLOC(i) iff a block begins at i and is allocated.  Both bits are 0 elsewhere,
 *       including the unused bits of the last word.
 */
#ifndef CHOPALLOC_INTERNAL_H
#define CHOPALLOC_INTERNAL_H

#include "chopalloc.h"

/* A free block begins with its list links and holds nothing else we rely on. */
typedef struct chop_free_block {
    struct chop_free_block *next;
    struct chop_free_block *prev;
} chop_free_block;

_Static_assert(sizeof(chop_free_block) == CHOP_MIN_BLOCK_SIZE,
               "the minimum block must be exactly the two free-list links");
_Static_assert(CHOPALLOC_MAX_ORDER <= 64, "nonempty is a 64-bit mask of orders");

#define CHOPI_MIN CHOP_MIN_ORDER
#define CHOPI_TOP (CHOPALLOC_MAX_ORDER - 1) /* order of the largest block */

/* Bitmap encoding: two bits per minimum block, 32 blocks per word. */
#define CHOPI_START 1u
#define CHOPI_ALLOC 2u

static inline uintptr_t chopi_size_of(unsigned order)
{
    return (uintptr_t)1 << order;
}

/* Index of the highest set bit; x must not be 0.  One instruction where the target has
 * one (never a libgcc call); elsewhere a branchy binary search. */
static inline unsigned chopi_floor_log2(uintptr_t x)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__aarch64__))
    return 63u - (unsigned)__builtin_clzll((unsigned long long)x);
#else
    unsigned log = 0;
    for (unsigned step = (unsigned)(sizeof x * 4u); step != 0; step /= 2u) {
        if (x >> step) {
            x >>= step;
            log += step;
        }
    }
    return log;
#endif
}

/* Index of the lowest set bit; x must not be 0. */
static inline unsigned chopi_lowest_bit(uint64_t x)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__aarch64__))
    return (unsigned)__builtin_ctzll(x);
#else
    unsigned bit = 0;
    for (unsigned step = 32u; step != 0; step /= 2u) {
        if ((x & ((UINT64_C(1) << step) - 1u)) == 0) {
            x >>= step;
            bit += step;
        }
    }
    return bit;
#endif
}

/* Number of minimum blocks in the heap. */
static inline size_t chopi_blocks(const chop_heap *heap)
{
    return (size_t)((heap->end - heap->start) >> CHOPI_MIN);
}

static inline size_t chopi_index(const chop_heap *heap, uintptr_t addr)
{
    return (size_t)((addr - heap->start) >> CHOPI_MIN);
}

static inline uintptr_t chopi_address(const chop_heap *heap, size_t index)
{
    return heap->start + ((uintptr_t)index << CHOPI_MIN);
}

static inline unsigned chopi_bits(const uint64_t *bitmap, size_t index)
{
    return (unsigned)(bitmap[index / 32u] >> (index % 32u * 2u)) & 3u;
}

static inline void chopi_set_bits(uint64_t *bitmap, size_t index, unsigned bits)
{
    bitmap[index / 32u] |= (uint64_t)bits << (index % 32u * 2u);
}

static inline void chopi_clear_bits(uint64_t *bitmap, size_t index, unsigned bits)
{
    bitmap[index / 32u] &= ~((uint64_t)bits << (index % 32u * 2u));
}

/* Whether a block begins at index; the end of the heap counts as a beginning. */
static inline int chopi_starts(const chop_heap *heap, size_t index)
{
    return index >= chopi_blocks(heap) || (chopi_bits(heap->bitmap, index) & CHOPI_START);
}

/* Whether the parent of the order-k node at addr is itself a node (so buddies may merge). */
static inline int chopi_parent_is_node(const chop_heap *heap, uintptr_t addr, unsigned order)
{
    if (order >= (unsigned)CHOPI_TOP)
        return 0;
    uintptr_t parent = addr & ~(chopi_size_of(order + 1u) - 1u);
    return parent >= heap->start && heap->end - parent >= chopi_size_of(order + 1u);
}

/*
 * Order of the largest node that begins at addr (addr inside the heap): what carving
 * would give it, and the first guess when reading a block's order off the bitmap.
 */
static inline unsigned chopi_largest_node(const chop_heap *heap, uintptr_t addr)
{
    unsigned order = chopi_floor_log2(heap->end - addr);
    if (order > (unsigned)CHOPI_TOP)
        order = CHOPI_TOP;
    while (addr & (chopi_size_of(order) - 1u))
        order--;
    return order;
}

/*
 * Bitmap mode: whether the block beginning at index (START set) has exactly this order.
 * Once the node is known to fit, its midpoint is inside the heap and needs no bound.
 */
static inline int chopi_block_has_order(const chop_heap *heap, size_t index, unsigned order)
{
    size_t span = (size_t)1 << (order - CHOPI_MIN);
    size_t blocks = chopi_blocks(heap);
    if (blocks - index < span)
        return 0;
    if (order > CHOPI_MIN && (chopi_bits(heap->bitmap, index + span / 2u) & CHOPI_START))
        return 0; /* split: the block at index is smaller */
    /* else it would be larger, unless the next block or the end of the heap follows */
    return index + span == blocks || (chopi_bits(heap->bitmap, index + span) & CHOPI_START);
}

/* Branch hints for the error paths, and inlining of the helpers on the hot paths. */
#if defined(__GNUC__)
#define CHOPI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CHOPI_HOT_INLINE inline __attribute__((always_inline))
#define CHOPI_OUT_OF_LINE __attribute__((noinline))
#else
#define CHOPI_UNLIKELY(x) (x)
#define CHOPI_HOT_INLINE inline
#define CHOPI_OUT_OF_LINE
#endif

/*
 * The order of a request, or the reason it can never be satisfied.  Inline: it is on
 * the path of every allocate and free.  The order is ceil(log2(max(size, align))), at
 * least CHOPI_MIN; or-ing in CHOP_MIN_BLOCK_SIZE - 1 makes the one bit scan yield both
 * the ceiling and the minimum, with no branch (size - 1 is below the largest block).
 */
static inline chop_status chopi_layout_order(size_t size, size_t align, unsigned *order)
{
    /*
     * One test for the usual case: size - 1 and align - 1 below the largest block (the
     * subtraction wraps a 0 to SIZE_MAX) and align a power of two.  The rest tells the
     * errors apart in the order the contract gives.
     */
    if (CHOPI_UNLIKELY(((size - 1u) | (align - 1u)) >= CHOP_LARGEST_BLOCK_SIZE ||
                       (align & (align - 1u)) != 0)) {
        if (size == 0 || align == 0 || (align & (align - 1u)) != 0)
            return CHOP_ERR_INVALID_LAYOUT;
        return CHOP_ERR_TOO_LARGE;
    }
    if (size < align)
        size = align;
    *order = chopi_floor_log2((size - 1u) | (CHOP_MIN_BLOCK_SIZE - 1u)) + 1u;
    return CHOP_OK;
}

#endif /* CHOPALLOC_INTERNAL_H */
