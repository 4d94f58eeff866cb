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
 *   I2  a block is free iff it is in free_list[k] for its order k: in bitmap mode a doubly
 *       linked list, in free-list mode a search tree (tree.c, T1); free_count[k] is the
 *       number of blocks there and bit k of nonempty is set iff it is not 0;
 *   I3  no two free blocks of the same order k are buddies whose parent is a node
 *       (freeing merges eagerly), so the set of free blocks is a function of the set of
 *       allocated blocks;
 *   I4  free_bytes is the sum of the free blocks' sizes;
 *   I5  in bitmap mode, for each minimum block i: START(i) iff a block begins at i, and
 *       ALLOC(i) iff a block begins at i and is allocated.  Both bits are 0 elsewhere,
 *       including the unused bits of the last word.
 *
 * Several regions (chop_add_region(), add_region.c):
 *   R1  a heap's regions are its own range and those chained from next_region, in the
 *       order added.  Each region's blocks are a heap of their own (the region's
 *       descriptor), for which I1-I5 hold as stated: so blocks never merge across
 *       regions.  All are in the heap's mode; their ranges, bitmaps and descriptors
 *       are pairwise disjoint.  Calls run on the region holding the pointer, or the
 *       region chosen for the allocation, under the heap's lock.
 *   R2  each region counts its own blocks (free_count, free_bytes, live_allocations).
 *       A region's failed_requests counts the refusals of chop_try_allocate_in() in
 *       it, the heap's all other refusals; the whole heap's is their sum.  The heap's
 *       peak_allocated_bytes is the whole heap's; a region's is its own.
 */
#ifndef CHOPALLOC_INTERNAL_H
#define CHOPALLOC_INTERNAL_H

#include <limits.h>

#include "chopalloc.h"

/* A free block begins with its list links and holds nothing else we rely on. */
typedef struct chop_free_block {
    struct chop_free_block *next;
    struct chop_free_block *prev;
} chop_free_block;

_Static_assert(sizeof(chop_free_block) == CHOP_MIN_BLOCK_SIZE,
               "the minimum block must be exactly the two free-list links");

#define CHOPI_MIN CHOP_MIN_ORDER
#define CHOPI_TOP (CHOPALLOC_MAX_ORDER - 1) /* order of the largest block */

/* Bitmap encoding: two bits per minimum block, 32 blocks per word. */
#define CHOPI_START 1u
#define CHOPI_ALLOC 2u

static inline uintptr_t chopi_size_of(unsigned order)
{
    return (uintptr_t)1 << order;
}

/*
 * The compiler's bit-scan builtins, where they become an instruction.  Elsewhere (for
 * example Cortex-M0, RV32 without Zbb, AVR) they are calls into libgcc, so the code
 * below does the scan itself.
 */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__aarch64__) || defined(__ARM_FEATURE_CLZ))
#define CHOPI_HAVE_CLZ 1
#else
#define CHOPI_HAVE_CLZ 0
#endif

/* Index of the highest set bit; x must not be 0. */
static inline unsigned chopi_floor_log2(uintptr_t x)
{
    /* width - 1 - clz, written as an xor (equal for clz < width) so that x86 is one bsr. */
#if CHOPI_HAVE_CLZ && UINTPTR_MAX == UINT_MAX
    return (unsigned)(sizeof x * CHAR_BIT - 1u) ^ (unsigned)__builtin_clz(x);
#elif CHOPI_HAVE_CLZ && UINTPTR_MAX == ULONG_MAX
    return (unsigned)(sizeof x * CHAR_BIT - 1u) ^ (unsigned)__builtin_clzl(x);
#else
    unsigned log = 0; /* binary search */
    for (unsigned step = (unsigned)(sizeof x * 4u); step != 0; step /= 2u) {
        if (x >> step) {
            x >>= step;
            log += step;
        }
    }
    return log;
#endif
}

/*
 * Narrower cores than 64 bits read the bitmap by byte (see below): a 64-bit shift by a
 * variable amount is a call into libgcc there (__aeabi_llsl, __lshrdi3 ...), which a
 * bare-metal link may not have and which costs ROM.
 */
#if UINTPTR_MAX > 0xFFFFFFFFu
#define CHOPI_SPLIT_64 0
#else
#define CHOPI_SPLIT_64 1
#endif

/* Index of the lowest set bit of a 32-bit value; x must not be 0. */
static inline unsigned chopi_lowest_bit32(uint32_t x)
{
#if CHOPI_HAVE_CLZ
    return (unsigned)__builtin_ctz(x);
#else
    /* Binary search: no __ctzsi2 call on cores without ctz. */
    unsigned bit = 0;
    for (unsigned step = 16u; step != 0; step /= 2u) {
        if ((x & ((UINT32_C(1) << step) - 1u)) == 0) {
            x >>= step;
            bit += step;
        }
    }
    return bit;
#endif
}

/* Index of the lowest set bit of a 64-bit value; x must not be 0. */
static inline unsigned chopi_lowest_bit(uint64_t x)
{
#if CHOPI_HAVE_CLZ && !CHOPI_SPLIT_64
    return (unsigned)__builtin_ctzll(x);
#else
    uint32_t low = (uint32_t)x; /* by halves: no 64-bit shift by a variable amount */
    return low ? chopi_lowest_bit32(low) : 32u + chopi_lowest_bit32((uint32_t)(x >> 32));
#endif
}

/* Index of the lowest set bit of an address, which is not 0. */
static inline unsigned chopi_lowest_address_bit(uintptr_t x)
{
#if UINTPTR_MAX > 0xFFFFFFFFu
    return chopi_lowest_bit(x);
#else
    return chopi_lowest_bit32((uint32_t)x);
#endif
}

/*
 * The mask of non-empty orders (chop_heap's nonempty) is a register wide: size_t, and
 * so the orders (chopalloc.h), fit in that many bits.  No 64-bit halves to combine on
 * 32-bit cores, and 16 bits on AVR.
 */
typedef uintptr_t chopi_mask;
_Static_assert(CHOPALLOC_MAX_ORDER <= sizeof(chopi_mask) * CHAR_BIT,
               "the mask of non-empty orders has a bit for every order");

/* The mask of order n alone. */
static inline chopi_mask chopi_bit(unsigned n)
{
    return (chopi_mask)1 << n;
}

/* The mask of orders n and above. */
static inline chopi_mask chopi_bits_from(unsigned n)
{
    return ~(chopi_mask)0 << n;
}

/* The lowest order in a mask that is not 0. */
static inline unsigned chopi_lowest_order(chopi_mask x)
{
    return chopi_lowest_address_bit(x);
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

/*
 * The bitmap holds a pair of bits per minimum block, 32 pairs per 64-bit word.  Where
 * in its word a pair lies is for these accessors alone to say: chop_init() clears the
 * bitmap and nothing else reads it.  64-bit cores use bits 2 * (index % 32) of word
 * index / 32.  Narrower ones would need 64-bit shifts for that (libgcc calls) and would
 * write both halves of the word back, so they use bits 2 * (index % 4) of byte
 * index / 4: a pair never straddles a byte, and C lets any object be accessed as bytes.
 */
#if CHOPI_SPLIT_64
static inline size_t chopi_pair_byte(size_t index)
{
    return index / 4u;
}

static inline unsigned chopi_pair_shift(size_t index)
{
    return (unsigned)(index % 4u) * 2u;
}

static inline unsigned chopi_bits(const uint64_t *bitmap, size_t index)
{
    const unsigned char *bytes = (const unsigned char *)bitmap;
    return (unsigned)(bytes[chopi_pair_byte(index)] >> chopi_pair_shift(index)) & 3u;
}

static inline void chopi_set_bits(uint64_t *bitmap, size_t index, unsigned bits)
{
    unsigned char *byte = (unsigned char *)bitmap + chopi_pair_byte(index);
    *byte = (unsigned char)(*byte | (bits << chopi_pair_shift(index)));
}

static inline void chopi_clear_bits(uint64_t *bitmap, size_t index, unsigned bits)
{
    unsigned char *byte = (unsigned char *)bitmap + chopi_pair_byte(index);
    *byte = (unsigned char)(*byte & ~(bits << chopi_pair_shift(index)));
}
#else
/* Bit 2 * index of the array: word / 64, place % 64 (x86 masks a shift count itself). */
static inline unsigned chopi_bits(const uint64_t *bitmap, size_t index)
{
    size_t bit = index * 2u;
    return (unsigned)(bitmap[bit / 64u] >> (bit % 64u)) & 3u;
}

static inline void chopi_set_bits(uint64_t *bitmap, size_t index, unsigned bits)
{
    size_t bit = index * 2u;
    bitmap[bit / 64u] |= (uint64_t)bits << (bit % 64u);
}

static inline void chopi_clear_bits(uint64_t *bitmap, size_t index, unsigned bits)
{
    size_t bit = index * 2u;
    bitmap[bit / 64u] &= ~((uint64_t)bits << (bit % 64u));
}
#endif

/*
 * The heap's bitmap, or NULL in free-list mode.  A --disable-bitmap build never has
 * one (chop_init() refuses it); saying so at compile time lets the compiler drop the
 * bitmap code from allocation and freeing.
 */
static inline uint64_t *chopi_bitmap(const chop_heap *heap)
{
#if CHOPALLOC_HAVE_BITMAP
    return heap->bitmap;
#else
    (void)heap;
    return NULL;
#endif
}

/*
 * Whether the heap is in bitmap mode.  A build with one mode answers at compile time,
 * so that the compiler drops the other mode's code and the linker its functions: a
 * --disable-free-list firmware carries no search tree (tree.c).
 */
static inline int chopi_has_bitmap(const chop_heap *heap)
{
#if !CHOPALLOC_HAVE_FREE_LIST
    (void)heap;
    return 1; /* chop_init() refuses a heap without a bitmap */
#else
    return chopi_bitmap(heap) != NULL;
#endif
}

/* Whether a block begins at index, which lies inside the heap. */
static inline int chopi_starts(const chop_heap *heap, size_t index)
{
    return (chopi_bits(heap->bitmap, index) & CHOPI_START) != 0;
}

/*
 * Bitmap mode: whether the order-k buddy at minimum block `index` is one whole free
 * block: not allocated and not split.  The buddy must be the sibling of a split node,
 * so that a block begins there (I1).  O(1): merging (heap.c) and growing in place
 * (resize.c) ask it.
 */
static inline int chopi_buddy_is_free(const uint64_t *bitmap, size_t index, unsigned order)
{
    if (chopi_bits(bitmap, index) & CHOPI_ALLOC)
        return 0;
    return order == CHOPI_MIN ||
           !(chopi_bits(bitmap, index + ((size_t)1 << (order - CHOPI_MIN - 1u))) & CHOPI_START);
}

/*
 * Whether the parent of the order-k node at addr is itself a node (so buddies may
 * merge), in a heap of span bytes from start.  addr must be a node, so the parent is
 * one exactly when the buddy lies in the heap too: one test, as a buddy below start
 * wraps to a huge offset.  Taking start and span lets a loop keep them in registers.
 */
static inline int chopi_parent_is_node_in(uintptr_t start, uintptr_t span, uintptr_t addr,
                                          unsigned order)
{
    uintptr_t size = chopi_size_of(order);
    return order < (unsigned)CHOPI_TOP && (addr ^ size) - start <= span - size;
}

static inline int chopi_parent_is_node(const chop_heap *heap, uintptr_t addr, unsigned order)
{
    return chopi_parent_is_node_in(heap->start, heap->end - heap->start, addr, order);
}

/*
 * Order of the largest node that begins at addr (addr inside the heap): what carving
 * would give it, and the first guess when reading a block's order off the bitmap.
 */
static inline unsigned chopi_largest_node(const chop_heap *heap, uintptr_t addr)
{
    unsigned order = chopi_floor_log2(heap->end - addr); /* the largest that fits */
    unsigned aligned = chopi_lowest_address_bit(addr);    /* addr is not 0: in the heap */
    if (order > aligned)
        order = aligned;
    if (order > (unsigned)CHOPI_TOP)
        order = CHOPI_TOP;
    return order;
}

/*
 * L1  Every public call that reads or changes a heap (all but chop_init() and
 *     chop_set_lock(), which run before it is shared) brackets its work with exactly
 *     one chopi_lock() and one chopi_unlock(), on every path, and calls no user code
 *     in between.  The functions named chopi_* below run with the lock held and never
 *     take it.
 */
static inline void chopi_lock(const chop_heap *heap)
{
    if (heap->lock)
        heap->lock(heap->lock_ctx);
}

static inline void chopi_unlock(const chop_heap *heap)
{
    if (heap->lock)
        heap->unlock(heap->lock_ctx);
}


/*
 * Branch hints for the error paths, and the inlining (or not) of helpers on the hot
 * paths.  Builds for size (-Os, __OPTIMIZE_SIZE__) leave inlining to the compiler:
 * forced copies, and calls to forced out-of-line pieces, cost firmware ROM.  Coverage
 * builds (CHOPI_COVERAGE) do too, so that each source branch is counted once rather
 * than once per inlined copy.
 */
#if defined(__GNUC__)
#define CHOPI_ALWAYS_INLINE inline __attribute__((always_inline)) /* whatever the build */
#else
#define CHOPI_ALWAYS_INLINE inline
#endif
#if defined(__GNUC__) && !defined(CHOPI_COVERAGE) && !defined(__OPTIMIZE_SIZE__)
#define CHOPI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CHOPI_HOT_INLINE inline __attribute__((always_inline))
#define CHOPI_OUT_OF_LINE __attribute__((noinline))
#elif defined(__GNUC__)
#define CHOPI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CHOPI_HOT_INLINE inline
#define CHOPI_OUT_OF_LINE
#else
#define CHOPI_UNLIKELY(x) (x)
#define CHOPI_HOT_INLINE inline
#define CHOPI_OUT_OF_LINE
#endif

/*
 * The library calls no C library function, whatever flags it is compiled with.  Yet
 * optimisers turn a loop that zeroes or copies memory into a call to memset or memcpy
 * (GCC's loop distribution, which -ffreestanding and -fno-builtin leave on, and
 * clang's loop idioms), which a bare-metal link may not have.  So every such loop
 * passes its index through an empty asm statement that claims to change it: the loop
 * then no longer has the shape of a memset, on any flags.  Other compilers get
 * nothing here; build with their equivalent of -fno-builtin.  Static analysers see
 * the plain loop, whose index they can follow.
 */
#if defined(__GNUC__) && !defined(__clang_analyzer__)
#define CHOPI_NOT_A_LIBCALL(index) __asm__("" : "+r"(index))
#else
#define CHOPI_NOT_A_LIBCALL(index) ((void)0)
#endif

/*
 * Clang also merges a run of stores of zero to adjacent fields into one memset call.
 * Functions that clear a structure field by field carry this attribute, which is
 * -fno-builtin for one function.
 */
#if defined(__clang__) && defined(__has_attribute)
#if __has_attribute(no_builtin)
#define CHOPI_NO_LIBCALLS __attribute__((no_builtin))
#endif
#endif
#ifndef CHOPI_NO_LIBCALLS
#define CHOPI_NO_LIBCALLS
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

/* The counts kept beside the free blocks of each order (I2, I4). */
static inline void chopi_note_free(chop_heap *heap, unsigned order)
{
    heap->free_count[order]++;
    heap->nonempty |= chopi_bit(order);
    heap->free_bytes += chopi_size_of(order);
}

static inline void chopi_note_unfree(chop_heap *heap, unsigned order)
{
    if (--heap->free_count[order] == 0)
        heap->nonempty &= ~chopi_bit(order);
    heap->free_bytes -= chopi_size_of(order);
}

/*
 * Free blocks of either mode: adding the block of this order at addr, and taking a
 * free block out.  Bitmap mode: O(1) list operations; free-list mode: O(depth of the
 * tree) (tree.c).
 */
void chopi_push_free(chop_heap *heap, uintptr_t addr, unsigned order);
void chopi_unlink_free(chop_heap *heap, chop_free_block *block, unsigned order);

/*
 * Free-list mode's trees (tree.c).  A link is where a block hangs: a side of its
 * parent, or the root when parent is NULL.  Each call visits at most one block per
 * address bit from tree_top() down to the order (T2).
 */
typedef struct chopi_tree_link {
    chop_free_block *parent;
    unsigned side;
} chopi_tree_link;

/* The free block of this order at addr, or NULL; *link (if given) says where it hangs. */
chop_free_block *chopi_tree_find(const chop_heap *heap, unsigned order, uintptr_t addr,
                                 chopi_tree_link *link);
/* Adds the block at addr, which is not in the tree. */
void chopi_tree_insert(chop_heap *heap, uintptr_t addr, unsigned order);
/* Takes out the block that hangs at link, as chopi_tree_find() gave it. */
void chopi_tree_remove(chop_heap *heap, unsigned order, chop_free_block *block,
                       chopi_tree_link link);
/* Takes out some free block of order `have`, which has one, and splits it down to
 * `order`, adding the upper halves: the block of that order it returns is not free. */
chop_free_block *chopi_tree_take(chop_heap *heap, unsigned have, unsigned order);
/* Whether the block of this order at addr (inside the heap, aligned) may be freed, as
 * far as the free blocks tell: CHOP_OK, CHOP_ERR_DOUBLE_FREE or CHOP_ERR_SIZE_MISMATCH. */
chop_status chopi_tree_check_free(const chop_heap *heap, uintptr_t addr, unsigned order);
/* The block after `block` (NULL: the first) in one pass over the tree, or NULL at the
 * end.  Checks every block it reads; sets *corrupted and returns NULL if T1 fails. */
const chop_free_block *chopi_tree_next(const chop_heap *heap, unsigned order,
                                       const chop_free_block *block, int *corrupted);

/* Whether [a, a+alen) and [b, b+blen) share a byte; neither range wraps. */
static inline int chopi_overlaps(uintptr_t a, size_t alen, uintptr_t b, size_t blen)
{
    return a < b ? b - a < alen : a - b < blen;
}

/* chop_init()'s checks of its arguments, heap not NULL, in its order of statuses;
 * writes nothing (heap.c). */
chop_status chopi_check_init(const chop_heap *heap, const void *memory, size_t size,
                             const uint64_t *bitmap, size_t bitmap_words);

/* Allocation and sized free (heap.c); *out is NULL on entry to chopi_allocate(). */
chop_status chopi_allocate(chop_heap *heap, size_t size, size_t align, void **out);

/*
 * The region of the heap whose range holds addr (R1), or the heap itself if none does,
 * whose checks then refuse addr as outside.  O(regions); one test for a heap without
 * added regions, which the search, out of line (heap.c), never sees.  Like strchr(),
 * it returns a pointer into what it was given as const: the caller knows whether it
 * may write.
 */
chop_heap *chopi_find_region(const chop_heap *heap, uintptr_t addr);

static inline chop_heap *chopi_region_of(const chop_heap *heap, uintptr_t addr)
{
    return heap->next_region ? chopi_find_region(heap, addr) : (chop_heap *)(uintptr_t)heap;
}

/* chopi_allocate() over all of the heap's regions (R1): the smallest free block that
 * fits, of equal ones the first region's.  O(regions) on top, out of line (heap.c). */
chop_status chopi_allocate_spread(chop_heap *heap, size_t size, size_t align, void **out);

static inline chop_status chopi_allocate_anywhere(chop_heap *heap, size_t size, size_t align,
                                                  void **out)
{
    return heap->next_region ? chopi_allocate_spread(heap, size, align, out)
                             : chopi_allocate(heap, size, align, out);
}

/* Records a new high-water mark of the whole heap's allocated bytes (R2), after
 * allocating or growing a block in any region.  O(regions) (heap.c). */
void chopi_note_whole_peak(chop_heap *heap);
chop_status chopi_validate_free(const chop_heap *heap, uintptr_t addr, unsigned order);
void chopi_free_block(chop_heap *heap, uintptr_t addr, unsigned order);

/* Bytes of the heap's (or one region's) range in allocated blocks (I4). */
static inline size_t chopi_allocated_bytes(const chop_heap *heap)
{
    return (size_t)(heap->end - heap->start) - heap->free_bytes;
}

/* Records a new high-water mark of allocated bytes, if it is one. */
static inline void chopi_note_peak(chop_heap *heap)
{
    size_t allocated = chopi_allocated_bytes(heap);
    if (allocated > heap->peak_allocated_bytes)
        heap->peak_allocated_bytes = allocated;
}

/*
 * Bitmap mode: the order of the block beginning at index (START set).  By I1 and I5
 * the next block begins right after it, so the next START bit after index is at
 * index + 2^(order - CHOPI_MIN), unless the block ends the heap.  The general method
 * tests those spans in turn, up to the largest node at the block's address, so that
 * a corrupted bitmap still yields a node.  O(MAX_ORDER).
 *
 * 64-bit cores first read the span off whole words: the rest of the index's word (32
 * pairs) with one load and one bit scan, or, for a block that starts a word and fills
 * it, the first pair of each word a power of two of words further on.  The span is
 * taken if it names a node at the address; a corrupted bitmap gets the general method.
 */
static CHOPI_HOT_INLINE unsigned chopi_block_order(const chop_heap *heap, size_t index)
{
    const uintptr_t addr = chopi_address(heap, index);
    const unsigned largest = chopi_largest_node(heap, addr);
#if !CHOPI_SPLIT_64
    const uint64_t *bitmap = heap->bitmap;
    const size_t blocks = chopi_blocks(heap);
    uint64_t later = (bitmap[index / 32u] >> (index % 32u * 2u)) >> 2;
    later &= UINT64_C(0x5555555555555555); /* the START bits after index's, in its word */
    size_t span = 0;
    if (later != 0) {
        span = ((size_t)chopi_lowest_bit(later) >> 1) + 1u;
    } else if (index % 32u == 0) {
        span = 32u;
        while (span < blocks - index && !(bitmap[(index + span) / 32u] & 1u))
            span <<= 1;
    }
    if (span != 0 && (span & (span - 1u)) == 0) {
        unsigned order = chopi_floor_log2(span) + CHOPI_MIN;
        if (order <= largest)
            return order;
    }
#endif
    unsigned order = CHOPI_MIN;
    while (order < largest && !chopi_starts(heap, index + ((size_t)1 << (order - CHOPI_MIN))))
        order++;
    return order;
}

/*
 * Bitmap mode: the block holding addr (inside the heap): its start and order, and
 * whether it is allocated.  Per I1 the first node boundary at or below addr where
 * a block begins is that block's start.  O(MAX_ORDER); CHOP_ERR_CORRUPTED if the
 * bitmap shows no block there.
 */
chop_status chopi_block_holding(const chop_heap *heap, uintptr_t addr, uintptr_t *block,
                                unsigned *order, int *allocated);

/*
 * Bitmap mode: whether addr starts a live block (and its order), or why not: the
 * refusals of a sized free (outside, in free memory, inside a block), and
 * CHOP_ERR_NEEDS_BITMAP in free-list mode.  O(1) bit tests and chopi_block_order().
 */
chop_status chopi_live_block(const chop_heap *heap, uintptr_t addr, unsigned *order);

/* Resizes the validated live block *ptr of old_order, in `region` of the heap (resize.c);
 * `fail` non-zero makes a resize that needs a larger block fail as the fault hook asked
 * (chopi_fail()). */
chop_status chopi_reallocate(chop_heap *heap, chop_heap *region, void **ptr, unsigned old_order,
                             size_t new_size, size_t align, int fail);

/*
 * The paths off the plain one.  H1  heap->path is NULL exactly when the heap has no
 * lock, no hooks and no added regions: the hot calls then make that one test and run
 * the plain code, which knows one region.  A heap with hooks has chopi_traced_path
 * (hooks.c); any other has chopi_locked_path (heap.c).  Both take the lock if there is
 * one and work over all the regions (R1).  The core names only the second, so a
 * firmware that never calls chop_set_hooks() links no code of the hooks.  Each member
 * runs the whole call, lock included; `fail` and `report` are NULL on a path without
 * hooks.  The hooks are user code, called only with the lock released (L1).
 */
typedef struct chopi_path {
    chop_status (*allocate)(chop_heap *heap, size_t size, size_t align, void **out,
                            const void *caller);
    chop_status (*deallocate)(chop_heap *heap, void *ptr, size_t size, size_t align,
                              const void *caller);
    chop_status (*free)(chop_heap *heap, uintptr_t addr, const void *caller);
    /* Whether the fault hook fails an allocation of this layout; asked without the lock,
     * and only for a valid layout (a refused one is refused for its own reason). */
    int (*fail)(const chop_heap *heap, size_t size, size_t align);
    /* Reports a call to the trace hook; block sizes are 0 when refused. */
    void (*report)(const chop_heap *heap, chop_event_kind kind, chop_status status, void *ptr,
                   void *old_ptr, size_t size, size_t block_size, size_t old_block_size,
                   const void *caller);
} chopi_path;

extern const chopi_path chopi_locked_path;
extern const chopi_path chopi_traced_path;

/* The path of a heap without hooks, as H1 gives it. */
static inline const chopi_path *chopi_untraced_path(const chop_heap *heap)
{
    return heap->lock || heap->next_region ? &chopi_locked_path : NULL;
}

/* Where the public call was made from: its return address, where the compiler says.
 * Not on AVR cores with 3-byte program counters, where GCC gives only 2 of the bytes. */
#if defined(__GNUC__) && !defined(__AVR_3_BYTE_PC__)
#define CHOPI_CALLER() __builtin_return_address(0)
#else
#define CHOPI_CALLER() ((const void *)0)
#endif

/* For resize.c and malloc.c, which take the lock themselves: the fault hook's answer
 * (0 without hooks) and the report of a call (nothing without hooks). */
static inline int chopi_fail(const chop_heap *heap, size_t size, size_t align)
{
    return heap->path && heap->path->fail && heap->path->fail(heap, size, align);
}

static inline void chopi_report(const chop_heap *heap, chop_event_kind kind, chop_status status,
                                void *ptr, void *old_ptr, size_t size, size_t block_size,
                                size_t old_block_size, const void *caller)
{
    if (heap->path && heap->path->report)
        heap->path->report(heap, kind, status, ptr, old_ptr, size, block_size, old_block_size,
                           caller);
}

/* Bytes of the block a valid layout gets, or 0 for a refused one. */
static inline size_t chopi_layout_block(size_t size, size_t align)
{
    unsigned order;
    return chopi_layout_order(size, align, &order) == CHOP_OK ? (size_t)chopi_size_of(order)
                                                               : 0u;
}

/* The plain calls, without lock or hooks, for the paths and malloc.c (heap.c). */
chop_status chopi_deallocate(chop_heap *heap, uintptr_t addr, unsigned order);
chop_status chopi_free_unsized(chop_heap *heap, uintptr_t addr);

#endif /* CHOPALLOC_INTERNAL_H */
