/*
 * chopalloc — a deterministic buddy allocator for embedded and bare-metal systems.
 * SPDX-License-Identifier: MIT
 */
/**
 * @file chopalloc.h
 * @brief The whole public interface of chopalloc.
 *
 * The caller hands the allocator a region of memory and, in bitmap mode, a small
 * array of `uint64_t` for its bookkeeping.  chopalloc never allocates memory of
 * its own, keeps no global state and calls no C library function, so it runs
 * unchanged on bare metal.  A heap shared between threads or interrupt handlers
 * needs a lock: see chop_set_lock().
 */
#ifndef CHOPALLOC_H
#define CHOPALLOC_H

#include <stddef.h>
#include <stdint.h>

/*
 * The build options.  configure and CMake record them in a generated
 * chopalloc_config.h, installed beside this header.  Sources compiled without one
 * (dropped into another project's build) get the defaults below, each of which can
 * be set with -D; pass the same to every file that includes this header.
 * -DCHOPALLOC_NO_CONFIG_H ignores any chopalloc_config.h; compilers without
 * __has_include need either it or the generated header.
 */
#if defined(CHOPALLOC_NO_CONFIG_H)
/* the defaults below, or -D */
#elif defined(__has_include)
#if __has_include("chopalloc_config.h")
#include "chopalloc_config.h"
#endif
#else
#include "chopalloc_config.h"
#endif

/** @brief The version of chopalloc, "MAJOR.MINOR.PATCH". */
#define CHOPALLOC_VERSION "0.1.0"

#ifndef CHOPALLOC_HAVE_BITMAP
/**
 * @brief 1 when the bitmap algorithm is built in (the default); 0 for free-list mode
 * only (`./configure --disable-bitmap`, or `-DCHOPALLOC_HAVE_BITMAP=0`).
 */
#define CHOPALLOC_HAVE_BITMAP 1
#endif

#ifndef CHOPALLOC_HAVE_FREE_LIST
/**
 * @brief 1 when free-list mode is built in (the default); 0 when every heap must have a
 * bitmap (`./configure --disable-free-list`, or `-DCHOPALLOC_HAVE_FREE_LIST=0`), which
 * leaves free-list mode's search trees out of the image.
 */
#define CHOPALLOC_HAVE_FREE_LIST 1
#endif

#if !CHOPALLOC_HAVE_BITMAP && !CHOPALLOC_HAVE_FREE_LIST
#error "chopalloc needs at least one mode: CHOPALLOC_HAVE_BITMAP or CHOPALLOC_HAVE_FREE_LIST"
#endif

#ifndef CHOPALLOC_CONFIGURED_MAX_ORDER
/**
 * @brief The `--with-max-order=N` choice, or 0 for the default of #CHOPALLOC_MAX_ORDER.
 *
 * Sources built without configure may set #CHOPALLOC_MAX_ORDER itself instead.
 */
#define CHOPALLOC_CONFIGURED_MAX_ORDER 0
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Widths the preprocessor can see: used to pick defaults and reject bad builds.
 * (Names ending in _ are private; the manual leaves them out, but Doxygen must read
 * them to show the values that depend on them.)
 */
#if UINTPTR_MAX > 0xFFFFFFFFu
#define CHOP_PTR_BITS_ 64
#elif UINTPTR_MAX > 0xFFFFu
#define CHOP_PTR_BITS_ 32
#else
#define CHOP_PTR_BITS_ 16
#endif

#if SIZE_MAX > 0xFFFFFFFFu
#define CHOP_SIZE_BITS_ 64
#elif SIZE_MAX > 0xFFFFu
#define CHOP_SIZE_BITS_ 32
#else
#define CHOP_SIZE_BITS_ 16
#endif

/**
 * @brief Order of the smallest block: log2(#CHOP_MIN_BLOCK_SIZE).
 *
 * A free block stores two pointers (its free-list links), so the minimum block is
 * 16 bytes with 64-bit pointers, 8 with 32-bit and 4 with 16-bit pointers.
 */
#if CHOP_PTR_BITS_ == 64
#define CHOP_MIN_ORDER 4
#elif CHOP_PTR_BITS_ == 32
#define CHOP_MIN_ORDER 3
#else
#define CHOP_MIN_ORDER 2
#endif

/** @brief Size in bytes of the smallest block: room for two free-list links. */
#define CHOP_MIN_BLOCK_SIZE ((size_t)1 << CHOP_MIN_ORDER)

#if defined(CHOPALLOC_MAX_ORDER) && CHOPALLOC_CONFIGURED_MAX_ORDER && \
    CHOPALLOC_MAX_ORDER != CHOPALLOC_CONFIGURED_MAX_ORDER
#error "CHOPALLOC_MAX_ORDER differs from the order chopalloc was configured with"
#endif

#ifndef CHOPALLOC_MAX_ORDER
/**
 * @brief Number of block orders the allocator manages.
 *
 * Blocks range from #CHOP_MIN_BLOCK_SIZE up to `2^(CHOPALLOC_MAX_ORDER-1)` bytes.
 * Set it with `./configure --with-max-order=N` (or `-DCHOPALLOC_MAX_ORDER=N` when
 * compiling the sources without configure); the default is 32 (largest block
 * 2 GiB), or 16 where `size_t` has 16 bits.  It is computed here rather than in
 * configure so that the installed header is the same on every architecture.
 */
#if CHOPALLOC_CONFIGURED_MAX_ORDER
#define CHOPALLOC_MAX_ORDER CHOPALLOC_CONFIGURED_MAX_ORDER
#elif CHOP_SIZE_BITS_ >= 32
#define CHOPALLOC_MAX_ORDER 32
#else
#define CHOPALLOC_MAX_ORDER 16
#endif
#endif

#if CHOPALLOC_MAX_ORDER <= CHOP_MIN_ORDER
#error "CHOPALLOC_MAX_ORDER must exceed CHOP_MIN_ORDER: the largest block must hold two pointers"
#endif
#if CHOPALLOC_MAX_ORDER > CHOP_SIZE_BITS_
#error "CHOPALLOC_MAX_ORDER is too large: the largest block size must fit in size_t"
#endif

/** @brief Size in bytes of the largest block, `2^(CHOPALLOC_MAX_ORDER-1)`. */
#define CHOP_LARGEST_BLOCK_SIZE ((size_t)1 << (CHOPALLOC_MAX_ORDER - 1))

/**
 * @brief Words of bitmap that chop_init() needs for a region of @p size bytes.
 *
 * A constant expression, so it can size a static array:
 * `static uint64_t bitmap[CHOP_BITMAP_WORDS(sizeof memory)];`.
 * The bitmap holds two bits per minimum block (a block starts here; that block
 * is allocated): 2 words for 1 KiB and 2048 for 1 MiB with 64-bit pointers,
 * twice that with 32-bit pointers.  The value is the same whether or not the
 * library was built with the bitmap.
 */
#define CHOP_BITMAP_WORDS(size) ((((size_t)(size) / CHOP_MIN_BLOCK_SIZE) * 2u + 63u) / 64u)

/**
 * @brief The result of every call that can fail.
 *
 * Every refused call leaves the heap, and every live allocation, exactly as it
 * was (only the `failed_requests` statistic counts refused allocations).
 * chop_strerror() turns any value into a sentence.
 */
typedef enum chop_status {
    CHOP_OK = 0,                 /**< Success. */
    CHOP_ERR_NULL_ARGUMENT,      /**< A required pointer (heap, output, block) is NULL. */
    CHOP_ERR_BAD_REGION,         /**< Region is NULL, holds no whole minimum block or
                                      wraps around the address space, or the regions, the
                                      bitmaps and the descriptors of a heap are not
                                      disjoint; or a region is not one of the heap's. */
    CHOP_ERR_BITMAP_TOO_SMALL,   /**< Fewer bitmap words than chop_bitmap_words_needed(). */
    CHOP_ERR_BITMAP_UNSUPPORTED, /**< A bitmap was passed to a library built with
                                      `--disable-bitmap`, or with a region for a heap in
                                      free-list mode. */
    CHOP_ERR_INVALID_LAYOUT,     /**< Size is 0, or alignment is 0 or not a power of two. */
    CHOP_ERR_TOO_LARGE,          /**< Size or alignment exceeds the largest block. */
    CHOP_ERR_OUT_OF_MEMORY,      /**< No free block is large enough. */
    CHOP_ERR_OUTSIDE_HEAP,       /**< The pointer is not inside the heap's blocks. */
    CHOP_ERR_MISALIGNED,         /**< The pointer is not aligned to the block its layout implies. */
    CHOP_ERR_DOUBLE_FREE,        /**< The pointer lies in free memory: freed already, or
                                      never handed out. */
    CHOP_ERR_INTERIOR_POINTER,   /**< The pointer lies inside a live allocation but is not
                                      its start. */
    CHOP_ERR_SIZE_MISMATCH,      /**< The size and alignment name a block other than the
                                      allocation at this pointer. */
    CHOP_ERR_CORRUPTED,          /**< chop_check() found a broken invariant. */
    CHOP_ERR_NEEDS_BITMAP,       /**< The call must find a block's size by itself, which
                                      only bitmap mode records (chop_try_free(),
                                      chop_realloc()). */
    CHOP_ERR_FREE_LIST_UNSUPPORTED /**< No bitmap was passed to a library built with
                                        `--disable-free-list`, or with a region for a
                                        heap in bitmap mode. */
} chop_status;

/** @brief Number of #chop_status values; every value below it has its own message. */
#define CHOP_STATUS_COUNT 16

/**
 * @brief One heap: a region carved into power-of-two blocks, and its free lists.
 *
 * A complete type so that a heap can be a static object with no allocation at
 * all.  Its fields are private: read them through chop_get_stats().  The
 * structure must not live inside the region it manages, and must not be copied
 * while blocks are live (chop_init() builds a fresh one).
 *
 * A heap is not thread-safe by itself; chop_set_lock() gives it a lock that every
 * call then takes.
 */
typedef struct chop_heap {
    /** @cond CHOP_PRIVATE */
    uintptr_t start;                      /* first managed byte, minimum-block aligned */
    uintptr_t end;                        /* one past the last managed byte, likewise */
    uint64_t *bitmap;                     /* two bits per minimum block; NULL: free-list mode */
    void *free_list[CHOPALLOC_MAX_ORDER]; /* head of each order's doubly linked free list */
    size_t free_count[CHOPALLOC_MAX_ORDER]; /* length of each free list */
    uintptr_t nonempty;                   /* bit k set iff free_list[k] is not empty */
    size_t unusable_bytes;                /* region bytes outside [start, end) */
    size_t free_bytes;                    /* sum of the sizes of all free blocks */
    size_t live_allocations;
    size_t peak_allocated_bytes;
    size_t failed_requests;
    void (*lock)(void *ctx);              /* chop_set_lock(); both NULL: no locking */
    void (*unlock)(void *ctx);
    void *lock_ctx;
    const struct chop_hooks *hooks;       /* chop_set_hooks(); NULL: none */
    const struct chopi_path *path;        /* how calls run: NULL without lock, hooks, regions */
    struct chop_heap *next_region;        /* chop_add_region(): a heap's first added region,
                                             a region's next one; NULL: no more */
    /** @endcond */
} chop_heap;

/**
 * @brief A region added to a heap with chop_add_region(): its descriptor.
 *
 * The caller owns it, as it owns the #chop_heap: a static object, outside every
 * region, that lives as long as the heap.  Its fields are private.
 */
typedef struct chop_region {
    /** @cond CHOP_PRIVATE */
    chop_heap blocks; /* the region's blocks, kept as a heap of their own */
    /** @endcond */
} chop_region;

/** @brief A snapshot of a heap's use, filled in by chop_get_stats(). */
typedef struct chop_stats {
    size_t managed_bytes;        /**< Bytes carved into blocks (the region less its lost
                                      head and tail). */
    size_t unusable_bytes;       /**< Bytes of the region lost to alignment at head and tail. */
    size_t free_bytes;           /**< Bytes in free blocks. */
    size_t allocated_bytes;      /**< Bytes in allocated blocks (whole blocks, so at least
                                      the requested sizes). */
    size_t largest_free_block;   /**< Size of the largest free block; 0 when none is free. */
    size_t live_allocations;     /**< Allocations not yet freed. */
    size_t peak_allocated_bytes; /**< Highest value allocated_bytes has had since chop_init()
                                      or chop_reset_watermarks(). */
    size_t failed_requests;      /**< Allocation calls refused since chop_init()
                                      or chop_reset_watermarks(). */
    size_t free_blocks[CHOPALLOC_MAX_ORDER]; /**< Free blocks of each order k
                                                  (blocks of 2^k bytes). */
} chop_stats;

/**
 * @brief Words of bitmap needed for a region of @p size bytes.
 * @param size Region size in bytes.
 * @return The same value as #CHOP_BITMAP_WORDS(size).
 */
size_t chop_bitmap_words_needed(size_t size);

/** @brief Size of the largest block, `2^(CHOPALLOC_MAX_ORDER-1)` bytes. */
size_t chop_largest_block_size(void);

/** @brief Size of the smallest block (#CHOP_MIN_BLOCK_SIZE), which no request goes below. */
size_t chop_min_block_size(void);

/**
 * @brief Builds a heap over a region of memory.
 *
 * Any address and size is accepted as long as one minimum block fits: the region
 * is carved into naturally aligned power-of-two blocks, losing at most an
 * unaligned head and a tail smaller than the minimum block (see
 * chop_stats::unusable_bytes).  Cost: O(bitmap words + number of carved blocks).
 *
 * @param heap         The heap to build; overwritten only on success.
 * @param memory       First byte of the region.
 * @param size         Region size in bytes.
 * @param bitmap       At least chop_bitmap_words_needed(@p size) words, outside the
 *                     region, for bitmap mode (O(1) checks); NULL selects free-list
 *                     mode (no bitmap; frees search the free blocks' trees).
 * @param bitmap_words Words available at @p bitmap; 0 when @p bitmap is NULL.
 * @return #CHOP_OK, #CHOP_ERR_NULL_ARGUMENT (heap NULL, or bitmap NULL with words),
 *         #CHOP_ERR_BAD_REGION, #CHOP_ERR_BITMAP_TOO_SMALL,
 *         #CHOP_ERR_BITMAP_UNSUPPORTED (a bitmap, built with `--disable-bitmap`) or
 *         #CHOP_ERR_FREE_LIST_UNSUPPORTED (no bitmap, built with
 *         `--disable-free-list`).
 */
chop_status chop_init(chop_heap *heap, void *memory, size_t size,
                      uint64_t *bitmap, size_t bitmap_words);

/**
 * @brief Adds another region of memory to a heap: SRAM banks, CCM, external SDRAM.
 *
 * The region is carved as chop_init() carves one, and its blocks join the heap:
 * every call then works on blocks of any region, with the same checks and statuses.
 * Blocks never merge across regions, even adjacent ones.  An allocation takes the
 * smallest free block that fits in any region; of equal ones, it takes the one in
 * the region added first, the heap's own region (chop_init()'s) before all.
 * chop_try_allocate_in() allocates from a chosen region.  chop_get_stats() and
 * chop_check() cover every region; chop_walk() visits them in the order added.
 * chop_init() on the heap forgets its regions.
 *
 * Cost: every call on a heap with regions costs what it costs on one region plus
 * O(regions) (the allocation compares one mask per region, a free finds its region
 * by address); this call costs O(regions) plus chop_init()'s.  A heap without added
 * regions pays nothing.  The regions take the heap's path through the lock (see
 * chop_set_lock()), so this call may be made while the heap is shared if it has a
 * lock; chop_set_lock() and chop_set_hooks() keep the regions.
 *
 * @param heap         An initialised heap.
 * @param region       The region's descriptor; overwritten only on success.
 * @param memory       First byte of the region.
 * @param size         Region size in bytes.
 * @param bitmap       For a heap in bitmap mode, at least
 *                     chop_bitmap_words_needed(@p size) words; NULL for one in
 *                     free-list mode: every region of a heap is in its mode.
 * @param bitmap_words Words available at @p bitmap; 0 when @p bitmap is NULL.
 * @return #CHOP_OK; any refusal of chop_init() for the region (the region, its
 *         bitmap and @p region must be disjoint); #CHOP_ERR_NULL_ARGUMENT
 *         (@p heap or @p region NULL); #CHOP_ERR_BAD_REGION (the region, its bitmap
 *         or @p region overlaps a region, bitmap or descriptor of the heap, or the
 *         heap itself: a region added twice, for one);
 *         #CHOP_ERR_BITMAP_UNSUPPORTED (a bitmap for a heap in free-list mode) or
 *         #CHOP_ERR_FREE_LIST_UNSUPPORTED (no bitmap for a heap in bitmap mode).
 *         On a refusal nothing changes.
 */
chop_status chop_add_region(chop_heap *heap, chop_region *region, void *memory, size_t size,
                            uint64_t *bitmap, size_t bitmap_words);

/**
 * @brief Allocates from one chosen region of a heap: DMA-capable RAM, fast RAM.
 *
 * As chop_try_allocate(), but only blocks of @p region qualify.  The block is freed
 * and resized as any other; a resize that must move it may move it to another
 * region.  To keep a region for such requests alone, make it a heap of its own
 * instead: allocations on a heap may take blocks from any of its regions.
 * Cost: O(CHOPALLOC_MAX_ORDER) plus O(regions) to find @p region.
 *
 * @param heap   An initialised heap.
 * @param region One of the heap's regions (chop_add_region()), or NULL for the one
 *               chop_init() gave it.
 * @param size   Bytes wanted, at least 1.
 * @param align  Alignment wanted, a power of two.
 * @param out    Receives the block, or NULL when the call fails.
 * @return As chop_try_allocate(), or #CHOP_ERR_BAD_REGION when @p region is not one
 *         of the heap's.
 */
chop_status chop_try_allocate_in(chop_heap *heap, chop_region *region, size_t size,
                                 size_t align, void **out);

/**
 * @brief Builds a heap that lives inside the region it manages.
 *
 * For a firmware whose linker script gives the heap one region (say
 * `__heap_start` to `__heap_end`): the #chop_heap and, in bitmap mode, its
 * bitmap are placed at the start of the region, and the rest is managed as by
 * chop_init(), with the same checks and statuses.  chop_get_stats() then covers
 * the managed rest: `managed_bytes + unusable_bytes` is @p size less the
 * structure (sizeof(#chop_heap) rounded up to a multiple of 8, after padding the
 * start to its alignment) and the bitmap (chop_bitmap_words_needed() of what
 * follows the structure, in 8-byte words).  Cost: as chop_init().
 *
 * @param heap       Receives the heap, which lies inside the region; written only
 *                   on success.
 * @param memory     First byte of the region.
 * @param size       Region size in bytes.
 * @param use_bitmap Non-zero for bitmap mode (O(1) checks; the bitmap comes out
 *                   of the region, 1/64 of it with 64-bit pointers, 1/32 with
 *                   32-bit), 0 for free-list mode.
 * @return #CHOP_OK, #CHOP_ERR_NULL_ARGUMENT (@p heap NULL), #CHOP_ERR_BAD_REGION
 *         (@p memory NULL, a region that wraps around the address space, or no
 *         room for the structure, the bitmap and one whole minimum block),
 *         #CHOP_ERR_BITMAP_UNSUPPORTED (@p use_bitmap in a library built with
 *         `--disable-bitmap`) or #CHOP_ERR_FREE_LIST_UNSUPPORTED (@p use_bitmap 0 in
 *         one built with `--disable-free-list`).  On a refusal nothing is written.
 */
chop_status chop_init_region(chop_heap **heap, void *memory, size_t size, int use_bitmap);

/**
 * @brief Allocates a block of at least @p size bytes aligned to @p align.
 *
 * The block has `2^k` bytes with `k = max(ceil(log2 size), log2 align,
 * CHOP_MIN_ORDER)` and is aligned to `2^k`.  Cost: O(CHOPALLOC_MAX_ORDER) in
 * both modes.
 *
 * @param heap  An initialised heap.
 * @param size  Bytes wanted, at least 1.
 * @param align Alignment wanted, a power of two.
 * @param out   Receives the block, or NULL when the call fails.
 * @return #CHOP_OK, #CHOP_ERR_NULL_ARGUMENT, #CHOP_ERR_INVALID_LAYOUT,
 *         #CHOP_ERR_TOO_LARGE or #CHOP_ERR_OUT_OF_MEMORY.
 */
chop_status chop_try_allocate(chop_heap *heap, size_t size, size_t align, void **out);

/**
 * @brief Frees a block, given the size and alignment it was allocated with.
 *
 * The pointer and layout are checked before anything changes; a refused call
 * leaves the heap as it was.  Bitmap mode detects every misuse listed below in
 * O(CHOPALLOC_MAX_ORDER).  Free-list mode scans the free lists: it detects
 * pointers into free memory (double frees) and layouts that overlap free memory,
 * but it cannot tell a pointer inside a live allocation, or a layout smaller
 * than the allocation, from a valid free.
 *
 * @param heap  The heap the block came from.
 * @param ptr   The block, as chop_try_allocate() returned it.
 * @param size  The size it was allocated with (any size giving the same block).
 * @param align The alignment it was allocated with (likewise).
 * @return #CHOP_OK, #CHOP_ERR_NULL_ARGUMENT, #CHOP_ERR_INVALID_LAYOUT,
 *         #CHOP_ERR_TOO_LARGE, #CHOP_ERR_OUTSIDE_HEAP, #CHOP_ERR_MISALIGNED,
 *         #CHOP_ERR_DOUBLE_FREE, #CHOP_ERR_INTERIOR_POINTER or
 *         #CHOP_ERR_SIZE_MISMATCH.
 */
chop_status chop_try_deallocate(chop_heap *heap, void *ptr, size_t size, size_t align);

/**
 * @brief Frees a block without being told its size (bitmap mode).
 *
 * The bitmap records where every block begins and how large it is, so the
 * pointer alone names the block.  Validated like chop_try_deallocate(): a
 * refused call leaves the heap as it was.  Cost: O(CHOPALLOC_MAX_ORDER).
 *
 * @param heap The heap the block came from.
 * @param ptr  The block, as an allocation returned it.
 * @return #CHOP_OK, #CHOP_ERR_NULL_ARGUMENT, #CHOP_ERR_NEEDS_BITMAP (free-list
 *         mode), #CHOP_ERR_OUTSIDE_HEAP, #CHOP_ERR_DOUBLE_FREE (the pointer lies
 *         in free memory) or #CHOP_ERR_INTERIOR_POINTER.
 */
chop_status chop_try_free(chop_heap *heap, void *ptr);

/**
 * @brief Size of the live block at @p ptr: the bytes the caller may use.
 *
 * Cost: O(CHOPALLOC_MAX_ORDER).
 *
 * @return The block's size, `2^k` bytes, at least the size requested; 0 when
 *         @p heap or @p ptr is NULL, when @p ptr is not the start of a live
 *         block, and always in free-list mode (which does not record sizes).
 */
size_t chop_usable_size(const chop_heap *heap, const void *ptr);

/**
 * @brief Whether @p ptr is the start of a live block, and if not, why not.
 *
 * The status chop_try_free() would return for @p ptr, without freeing anything:
 * for a wrapper that must tell a bad pointer from a full heap after a refused
 * call (say a realloc() shim), or for an assertion.  Cost: O(CHOPALLOC_MAX_ORDER).
 *
 * @return #CHOP_OK if @p ptr starts a live block; otherwise #CHOP_ERR_NULL_ARGUMENT,
 *         #CHOP_ERR_NEEDS_BITMAP (free-list mode), #CHOP_ERR_OUTSIDE_HEAP,
 *         #CHOP_ERR_DOUBLE_FREE (the pointer lies in free memory) or
 *         #CHOP_ERR_INTERIOR_POINTER.
 */
chop_status chop_pointer_status(const chop_heap *heap, const void *ptr);

/**
 * @brief Resizes a block, in place when it can, never losing its contents.
 *
 * The block is named by the layout it was allocated with (@p old_size,
 * @p align), as for chop_try_deallocate(), so this works in both modes.  A
 * smaller block is made in place by freeing the upper halves; a larger one in
 * place when the buddies above it are free (no copy); otherwise a new block is
 * allocated, the whole old block copied into it and the old block freed.
 * On success `*ptr` is the block (moved or not); on failure `*ptr`, its
 * contents and the heap are unchanged (a refused new layout or lack of memory
 * counts in chop_stats::failed_requests).  Cost: O(CHOPALLOC_MAX_ORDER) in
 * bitmap mode (O(free blocks) in free-list mode) plus the copy.
 *
 * @param heap     The heap the block came from.
 * @param ptr      Address of the block pointer; updated on success.
 * @param old_size The size the block was allocated with.
 * @param new_size The size wanted, at least 1.
 * @param align    The alignment the block was allocated with, kept for the new size.
 * @return #CHOP_OK, any refusal of chop_try_deallocate() for the old layout, or
 *         #CHOP_ERR_INVALID_LAYOUT, #CHOP_ERR_TOO_LARGE or
 *         #CHOP_ERR_OUT_OF_MEMORY for the new one.
 */
chop_status chop_try_reallocate(chop_heap *heap, void **ptr, size_t old_size, size_t new_size,
                                size_t align);

/**
 * @brief malloc() over a heap: a block of at least @p size bytes.
 *
 * Every block is aligned to its own size, so the block is aligned to
 * `alignof(max_align_t)` or to its size, whichever is smaller.
 *
 * @return The block, or NULL when @p heap is NULL, @p size is 0, or no block
 *         is free (chop_try_allocate() says why).
 */
void *chop_malloc(chop_heap *heap, size_t size);

/**
 * @brief calloc() over a heap: @p n objects of @p size bytes, zeroed.
 * @return The block, or NULL when @p n times @p size is 0, overflows `size_t`
 *         or cannot be allocated.
 */
void *chop_calloc(chop_heap *heap, size_t n, size_t size);

/**
 * @brief realloc() over a heap (bitmap mode): chop_try_reallocate() without sizes.
 *
 * A NULL @p ptr allocates, like chop_malloc(); a @p size of 0 frees @p ptr and
 * returns NULL.  In free-list mode, where a block's size is not recorded, it
 * returns NULL and changes nothing.
 *
 * @return The resized block, or NULL with @p ptr and its contents untouched.
 */
void *chop_realloc(chop_heap *heap, void *ptr, size_t size);

/**
 * @brief free() over a heap (bitmap mode): chop_try_free(), ignoring refusals.
 *
 * A NULL @p ptr does nothing.  A refused pointer is left alone, as the heap is;
 * call chop_try_free() to learn why.
 */
void chop_free(chop_heap *heap, void *ptr);

/**
 * @brief Called by chop_walk() for each block.
 * @param ctx       The context given to chop_walk().
 * @param block     First byte of the block.
 * @param size      Its size in bytes.
 * @param allocated 1 for an allocated block, 0 for a free one.
 * @return 0 to go on, anything else to stop the walk.
 */
typedef int (*chop_visit_fn)(void *ctx, void *block, size_t size, int allocated);

/**
 * @brief Visits every block of the heap in address order.
 *
 * In bitmap mode each block is visited with its size.  Free-list mode knows only
 * the free blocks: the allocated memory between two of them is visited as one
 * span (`allocated` 1), which may hold several allocations.
 *
 * @p visit is called without the heap's lock held, so it may call chopalloc,
 * even to free the block it is given: the walk goes on from the end of the
 * block it visited last, skipping what now begins before that.  Cost: O(blocks
 * · CHOPALLOC_MAX_ORDER) in bitmap mode, O(blocks · free blocks) in free-list
 * mode; the lock is taken once per block visited (see chop_set_lock()).
 *
 * @return #CHOP_OK (also when @p visit stopped the walk),
 *         #CHOP_ERR_NULL_ARGUMENT or #CHOP_ERR_CORRUPTED.
 */
chop_status chop_walk(const chop_heap *heap, chop_visit_fn visit, void *ctx);

/**
 * @brief Makes every call on @p heap take a lock: for threads and interrupts.
 *
 * From now on each call that reads or changes the heap calls `lock(ctx)` once
 * before touching it and `unlock(ctx)` once after, on every path, refusals
 * included; it never takes the lock twice, and never calls user code (a
 * chop_walk() visitor) while holding it.  chop_walk() takes it once per block.
 * The time it is held is bounded: O(CHOPALLOC_MAX_ORDER) for every call in
 * bitmap mode, plus the copy of the old block when chop_try_reallocate() or
 * chop_realloc() must move it; O(free blocks) for frees in free-list mode;
 * O(blocks) for chop_check().  chop_malloc() and chop_calloc() take it
 * through chop_try_allocate() and zero the block after releasing it.
 *
 * On a microcontroller, `lock` can disable interrupts (saving the previous
 * state in @p ctx) and `unlock` restore them; with an RTOS, take and give a
 * mutex.  Call this after chop_init(), which clears the lock, and before the
 * heap is shared.
 *
 * @param heap   The heap; nothing happens when NULL.
 * @param lock   Takes the lock; NULL (or a NULL @p unlock) removes locking.
 * @param unlock Releases it.
 * @param ctx    Passed to both.
 */
void chop_set_lock(chop_heap *heap, void (*lock)(void *ctx), void (*unlock)(void *ctx),
                   void *ctx);

/** @brief The call a #chop_event reports. */
typedef enum chop_event_kind {
    CHOP_EVENT_ALLOCATE, /**< chop_try_allocate(), chop_malloc(), chop_calloc(), or
                              chop_realloc() of NULL. */
    CHOP_EVENT_FREE,     /**< chop_try_deallocate(), chop_try_free(), chop_free(), or
                              chop_realloc() to size 0. */
    CHOP_EVENT_RESIZE    /**< chop_try_reallocate() or chop_realloc() of a block. */
} chop_event_kind;

/**
 * @brief One call on a heap, as its trace hook sees it (see chop_set_hooks()).
 *
 * A refused call is an event too: its `status` says why, and nothing changed.
 */
typedef struct chop_event {
    chop_event_kind kind; /**< Which call. */
    chop_status status;   /**< #CHOP_OK, or the refusal the call returned. */
    void *ptr;            /**< Allocate: the new block (NULL when refused).  Free: the
                               pointer passed.  Resize: the block after the call (where
                               it moved, or the old one when refused). */
    void *old_ptr;        /**< Resize: the block before the call; otherwise NULL. */
    size_t size;          /**< The size asked for: allocate and resize, the new size; a
                               sized free, the size passed; an unsized free, 0. */
    size_t block_size;    /**< Bytes of the block the call handed out, kept (resize) or
                               took back (free); 0 when refused. */
    size_t old_block_size; /**< Resize: bytes of the block before the call; 0 when refused
                                and for the other calls. */
    const void *caller;   /**< Return address of the chopalloc call in the program:
                               where it was called from.  A link-time optimiser that
                               inlines the call makes it the return address of the
                               function it was inlined into.  NULL where the compiler
                               gives none: not GCC or clang, or an AVR with more than
                               128 KiB of flash (3-byte program counter). */
} chop_event;

/**
 * @brief Diagnostics for one heap: a trace of its calls and injected failures.
 *
 * The caller owns the structure, which must outlive its use by the heap; either
 * member may be NULL.  Both are called without the heap's lock held, from whatever
 * thread or interrupt made the call, so they may call chopalloc (though `fail` not on
 * the same heap: it would be asked again).
 */
typedef struct chop_hooks {
    /**
     * Called once at the end of every allocate, free and resize on the heap, refusals
     * included, with what happened.  Calls with a NULL heap or NULL output pointer,
     * and frees of NULL, are not reported: they have no heap or nothing to report.
     */
    void (*trace)(void *ctx, const chop_event *event);
    /**
     * Asked before every allocation whose layout is valid (allocate, and a resize
     * that needs a larger block): non-zero makes it fail with
     * #CHOP_ERR_OUT_OF_MEMORY, as if the heap were full, counted in
     * chop_stats::failed_requests and traced like a real refusal.  For tests of the
     * out-of-memory paths of the code that uses the heap.
     */
    int (*fail)(void *ctx, size_t size, size_t align);
    void *ctx; /**< Passed to both. */
} chop_hooks;

/**
 * @brief Installs (or with NULL removes) a heap's diagnostics hooks.
 *
 * A heap without hooks pays nothing for them: its calls test one field, the same
 * test that a heap without a lock already makes.  Like chop_set_lock(), call it
 * before the heap is shared; chop_init() removes the hooks.
 *
 * @param heap  The heap; nothing happens when NULL.
 * @param hooks The hooks, which must stay valid while installed; NULL removes them.
 */
void chop_set_hooks(chop_heap *heap, const chop_hooks *hooks);

/**
 * @brief Restarts the heap's watermarks, for a device that runs for months.
 *
 * chop_stats::peak_allocated_bytes becomes the bytes allocated now, and
 * chop_stats::failed_requests becomes 0, so that the next reading covers only
 * what happened since.  Nothing else changes.  O(1).
 *
 * @param heap The heap; nothing happens when NULL.
 */
void chop_reset_watermarks(chop_heap *heap);

/**
 * @brief Verifies every invariant of the heap.
 *
 * Walks the free lists (links, bounds, alignment, counts) and, in bitmap mode,
 * the whole bitmap (block structure, free blocks exactly those on the lists, no
 * two free buddies left unmerged).  Cost: O(blocks) in bitmap mode, O(free
 * blocks^2) in free-list mode: a debugging aid, not for hot paths.
 *
 * @return #CHOP_OK, #CHOP_ERR_NULL_ARGUMENT or #CHOP_ERR_CORRUPTED.
 */
chop_status chop_check(const chop_heap *heap);

/**
 * @brief Reports the heap's use.  O(CHOPALLOC_MAX_ORDER); never walks the heap.
 * @param heap The heap; when NULL, @p out is zeroed.
 * @param out  Receives the statistics; nothing happens when NULL.
 */
void chop_get_stats(const chop_heap *heap, chop_stats *out);

/**
 * @brief Arena size that can never run out for a workload, by a published bound.
 *
 * The smallest arena this function vouches for, so that no allocation is ever refused
 * while at most @p peak_live bytes of blocks are live (counting whole blocks, as
 * chop_stats::peak_allocated_bytes does, the new block included) and no request
 * needs a block larger than the one for @p largest bytes.
 *
 * In units of the minimum block, let 2^r be the block of the largest request (r = 0
 * for requests that fit in a minimum block) and M the peak rounded up to a multiple
 * of 2^r.  The result is `(r + 1) * M` minimum blocks, in bytes.  That is the binary
 * buddy system's upper bound of D. E. Knuth, *The Art of Computer Programming*,
 * Vol. 1, section 2.5, exercise 41: with block sizes 1 to 2^r and never more than M
 * reserved, M a multiple of 2^r, the buddy system never overflows (r + 1) * M.  The
 * same exercise gives a sequence that needs (1 + r/2) * M; within 2^r - 1 that is
 * J. M. Robson's bound for the best possible allocator of power-of-two blocks,
 * M * (1 + log2(n) / 2) - n + 1 with n = 2^r ("Bounds for some functions concerning
 * dynamic storage allocation", J. ACM 21(3), 1974, 491-499).  The worst case of this
 * allocator lies between the two.
 *
 * The region must start on a multiple of the largest request's block (so every block
 * chop_init() carves can hold it) and hold the returned size; the result is such a
 * multiple.  Pure arithmetic, O(CHOPALLOC_MAX_ORDER), no division.
 *
 * @param peak_live Most bytes of blocks live at once.
 * @param largest   Largest request in bytes (its alignment included: pass the larger
 *                  of size and alignment); 0 counts as a minimum block.
 * @return The arena size in bytes; 0 when @p peak_live is 0; `SIZE_MAX` when
 *         @p largest exceeds the largest block or the size does not fit in a
 *         `size_t` (saturated).
 */
size_t chop_required_arena(size_t peak_live, size_t largest);

/**
 * @brief A constant English sentence describing @p status.
 *
 * On AVR the sentences are constant data, which avr-gcc places in RAM (about
 * 900 bytes, and only in a firmware that calls this function).  There, where
 * #CHOPALLOC_HAVE_FLASH_STRINGS is 1, C code also has
 * `const __flash char *chop_strerror_flash(chop_status status)`, which returns
 * the same sentence kept in flash: print it with avr-libc's `printf_P("%S", ...)`
 * or copy it with `strcpy_P()`.
 *
 * @return A message for every value, including ones that are not a #chop_status.
 */
const char *chop_strerror(chop_status status);

/**
 * @brief 1 where chop_strerror_flash() exists: avr-gcc compiling C with GNU
 *        extensions (its default, `-std=gnu11`), which have the `__flash` space.
 */
#if defined(__AVR__) && defined(__FLASH) && !defined(__STRICT_ANSI__) && !defined(__cplusplus)
#define CHOPALLOC_HAVE_FLASH_STRINGS 1
#else
#define CHOPALLOC_HAVE_FLASH_STRINGS 0
#endif

#if CHOPALLOC_HAVE_FLASH_STRINGS
const __flash char *chop_strerror_flash(chop_status status);
#endif

#ifdef __cplusplus
}
#endif

#endif /* CHOPALLOC_H */
