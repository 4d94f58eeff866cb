/*
 * The allocator: carving a region, allocating by splitting, freeing by merging.
 * SPDX-License-Identifier: MIT
 */
#include "annotate.h"

size_t chop_bitmap_words_needed(size_t size)
{
    return CHOP_BITMAP_WORDS(size);
}

size_t chop_largest_block_size(void)
{
    return CHOP_LARGEST_BLOCK_SIZE;
}

size_t chop_min_block_size(void)
{
    return CHOP_MIN_BLOCK_SIZE;
}

/* The bound and its sources are in the header's comment. */
size_t chop_required_arena(size_t peak_live, size_t largest)
{
    unsigned top;

    if (peak_live == 0)
        return 0;
    if (chopi_layout_order(largest ? largest : 1u, 1u, &top) != CHOP_OK)
        return SIZE_MAX; /* larger than the largest block: no arena will do */
    size_t block = (size_t)1 << top;
    /* M: the peak rounded up to a multiple of the largest request's block. */
    size_t blocks = (peak_live >> top) + ((peak_live & (block - 1u)) != 0);
    if (blocks > (SIZE_MAX >> top))
        return SIZE_MAX;
    size_t m = blocks << top;
    /* (r + 1) * M by repeated addition, saturating: no division, no libgcc helper. */
    size_t total = 0;
    for (unsigned k = CHOPI_MIN; k <= top; k++) {
        if (total > SIZE_MAX - m)
            return SIZE_MAX;
        total += m;
    }
    return total;
}

/* --- free lists: O(1) push and unlink ------------------------------------------ */

static CHOPI_HOT_INLINE void push_free(chop_heap *heap, uintptr_t addr, unsigned order)
{
    chop_free_block *block = (chop_free_block *)addr;
    chop_free_block *head = heap->free_list[order];

    chopi_set_links(block, head, NULL);
    if (head)
        chopi_set_prev(head, block);
    heap->free_list[order] = block;
    chopi_note_free(heap, order);
}

static CHOPI_HOT_INLINE void unlink_free(chop_heap *heap, chop_free_block *block,
                                          unsigned order)
{
    chop_free_block *next, *prev;

    chopi_get_links(block, &next, &prev);
    if (prev)
        chopi_set_next(prev, next);
    else
        heap->free_list[order] = next;
    if (next)
        chopi_set_prev(next, prev);
    /* chopi_note_unfree(), with the list's emptiness read off its head. */
    heap->free_count[order]--;
    if (!heap->free_list[order])
        heap->nonempty &= ~chopi_bit(order);
    heap->free_bytes -= chopi_size_of(order);
}

/* Either mode's way of adding a free block: bitmap mode's lists, free-list mode's trees. */
static CHOPI_HOT_INLINE void add_free(chop_heap *heap, uintptr_t addr, unsigned order)
{
    if (chopi_has_bitmap(heap))
        push_free(heap, addr, order);
    else
        chopi_tree_insert(heap, addr, order);
}

/* The same for the other files (resize.c), which are off the hot paths. */
void chopi_push_free(chop_heap *heap, uintptr_t addr, unsigned order)
{
    add_free(heap, addr, order);
}

void chopi_unlink_free(chop_heap *heap, chop_free_block *block, unsigned order)
{
    chopi_tree_link link;
    if (chopi_has_bitmap(heap)) {
        unlink_free(heap, block, order);
    } else {
        (void)chopi_tree_find(heap, order, (uintptr_t)block, &link); /* block is free */
        chopi_tree_remove(heap, order, block, link);
    }
}

/* --- chop_init ------------------------------------------------------------------ */

/*
 * chop_init()'s checks, in its order of statuses, and the range [start, end) it would
 * manage, in range[0] and range[1]; nothing else is written.  Always inlined into
 * chop_init(), even at -Os: a call would cost every firmware ROM for the sake of
 * chop_add_region(), which has its own copy in chopi_check_init().
 */
static CHOPI_ALWAYS_INLINE chop_status check_init(const chop_heap *heap, const void *memory,
                                                  size_t size, const uint64_t *bitmap,
                                                  size_t bitmap_words, uintptr_t *range)
{
    if (!memory)
        return CHOP_ERR_BAD_REGION;
    if (!bitmap && bitmap_words != 0)
        return CHOP_ERR_NULL_ARGUMENT;
#if !CHOPALLOC_HAVE_BITMAP
    if (bitmap)
        return CHOP_ERR_BITMAP_UNSUPPORTED;
#endif

    uintptr_t base = (uintptr_t)memory;
    if (size > UINTPTR_MAX - base)
        return CHOP_ERR_BAD_REGION; /* wraps around the address space */
    uintptr_t misalign = base & (CHOP_MIN_BLOCK_SIZE - 1u);
    uintptr_t head = misalign ? CHOP_MIN_BLOCK_SIZE - misalign : 0u;
    if (head >= size)
        return CHOP_ERR_BAD_REGION;
    uintptr_t start = base + head;
    uintptr_t end = (base + size) & ~(uintptr_t)(CHOP_MIN_BLOCK_SIZE - 1u);
    if (end <= start)
        return CHOP_ERR_BAD_REGION;

    size_t words = chop_bitmap_words_needed(size);
    if (bitmap) {
        if (bitmap_words < words)
            return CHOP_ERR_BITMAP_TOO_SMALL;
        /* The three pieces of memory the heap owns must be disjoint. */
        uintptr_t bits = (uintptr_t)bitmap;
        size_t bitmap_bytes = words * sizeof *bitmap;
        if (bitmap_bytes > UINTPTR_MAX - bits)
            return CHOP_ERR_BAD_REGION; /* wraps around the address space */
        if (chopi_overlaps(bits, bitmap_bytes, base, size) ||
            chopi_overlaps(bits, bitmap_bytes, (uintptr_t)heap, sizeof *heap))
            return CHOP_ERR_BAD_REGION;
    }
    if (chopi_overlaps((uintptr_t)heap, sizeof *heap, base, size))
        return CHOP_ERR_BAD_REGION;

#if !CHOPALLOC_HAVE_FREE_LIST
    if (!bitmap)
        return CHOP_ERR_FREE_LIST_UNSUPPORTED; /* after the region's checks, which hold too */
#endif
    range[0] = start;
    range[1] = end;
    return CHOP_OK;
}

chop_status chopi_check_init(const chop_heap *heap, const void *memory, size_t size,
                             const uint64_t *bitmap, size_t bitmap_words)
{
    uintptr_t range[2];
    return check_init(heap, memory, size, bitmap, bitmap_words, range);
}

CHOPI_NO_LIBCALLS
chop_status chop_init(chop_heap *heap, void *memory, size_t size,
                      uint64_t *bitmap, size_t bitmap_words)
{
    if (!heap)
        return CHOP_ERR_NULL_ARGUMENT;
    uintptr_t range[2];
    chop_status status = check_init(heap, memory, size, bitmap, bitmap_words, range);
    if (status != CHOP_OK)
        return status;

    /* Validated: from here on the call succeeds. */
    uintptr_t start = range[0], end = range[1];
    size_t words = chop_bitmap_words_needed(size);
    heap->start = start;
    heap->end = end;
    heap->bitmap = bitmap;
    for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++) {
        heap->free_list[k] = NULL;
        heap->free_count[k] = 0;
        CHOPI_NOT_A_LIBCALL(k);
    }
    heap->nonempty = 0;
    heap->unusable_bytes = size - (size_t)(end - start);
    heap->free_bytes = 0;
    heap->live_allocations = 0;
    heap->peak_allocated_bytes = 0;
    heap->failed_requests = 0;
    heap->lock = NULL;
    heap->unlock = NULL;
    heap->lock_ctx = NULL;
    heap->hooks = NULL;
    heap->path = NULL;
    heap->next_region = NULL;
    if (chopi_has_bitmap(heap))
        for (size_t w = 0; w < words; w++) {
            bitmap[w] = 0;
            CHOPI_NOT_A_LIBCALL(w);
        }
    chopi_region_fresh(heap);

    /*
     * Carve [start, end) into the largest nodes, from the top down, so that the
     * lowest-addressed root ends up first on its free list.  Carving from either end
     * yields the same roots: the maximal nodes inside the range.
     */
    uintptr_t top = end;
    while (top > start) {
        /* The largest node ending at top: it fits, top is aligned to it, at most TOP. */
        unsigned order = chopi_floor_log2(top - start);
        unsigned aligned = chopi_lowest_address_bit(top);
        if (order > aligned)
            order = aligned;
        if (order > (unsigned)CHOPI_TOP)
            order = CHOPI_TOP;
        top -= chopi_size_of(order);
        if (chopi_has_bitmap(heap))
            chopi_set_bits(bitmap, chopi_index(heap, top), CHOPI_START);
        add_free(heap, top, order);
    }
    return CHOP_OK;
}

/* --- chop_set_lock -------------------------------------------------------------- */

void chop_set_lock(chop_heap *heap, void (*lock)(void *ctx), void (*unlock)(void *ctx),
                   void *ctx)
{
    if (!heap)
        return;
    int locking = lock && unlock;
    heap->lock = locking ? lock : NULL;
    heap->unlock = locking ? unlock : NULL;
    heap->lock_ctx = locking ? ctx : NULL;
    if (!heap->hooks) /* with hooks, their path takes the lock (H1) */
        heap->path = chopi_untraced_path(heap);
}

/* --- chop_try_allocate ---------------------------------------------------------- */

/* The end of every allocation: the block of this order goes to the caller. */
static CHOPI_HOT_INLINE chop_status hand_out(chop_heap *heap, chop_free_block *block,
                                            unsigned order, void **out)
{
    heap->live_allocations++;
    chopi_note_peak(heap);
    chopi_block_handed_out(heap, block, chopi_size_of(order));
    *out = block;
    return CHOP_OK;
}

/* Free-list mode's allocation, out of line: the bitmap path then makes no call. */
static CHOPI_OUT_OF_LINE chop_status allocate_from_trees(chop_heap *heap, unsigned have,
                                                         unsigned order, void **out)
{
    return hand_out(heap, chopi_tree_take(heap, have, order), order, out);
}

/* The allocation itself, under the lock; *out is NULL on entry. */
static CHOPI_HOT_INLINE chop_status allocate(chop_heap *heap, size_t size, size_t align,
                                             void **out)
{
    unsigned order = 0;
    chopi_mask candidates = 0;
    chop_status status = chopi_layout_order(size, align, &order);
    if (status == CHOP_OK) {
        /* Free lists of order >= the request's as one mask: one bit scan finds the best. */
        candidates = heap->nonempty & chopi_bits_from(order);
        if (candidates == 0)
            status = CHOP_ERR_OUT_OF_MEMORY;
    }
    if (status != CHOP_OK) {
        heap->failed_requests++;
        return status;
    }

    unsigned have = chopi_lowest_order(candidates);
    /* In locals: the bitmap stores could, for all the compiler knows, change the heap. */
    if (!chopi_has_bitmap(heap))
        return allocate_from_trees(heap, have, order, out);
    uint64_t *bitmap = chopi_bitmap(heap);
    chop_free_block *block = heap->free_list[have];
    uintptr_t addr = (uintptr_t)block;
    size_t index = chopi_index(heap, addr);
    unlink_free(heap, block, have);
    while (have > order) { /* keep the lower half, free the upper */
        have--;
        chopi_set_bits(bitmap, index + ((size_t)1 << (have - CHOPI_MIN)), CHOPI_START);
        push_free(heap, addr + chopi_size_of(have), have);
    }
    chopi_set_bits(bitmap, index, CHOPI_ALLOC);
    return hand_out(heap, block, order, out);
}

/*
 * The path of a heap with a lock or regions (H1): each call once under the lock, in
 * the region it concerns (R1).  The path is set before the heap is shared
 * (chop_set_lock(), chop_set_hooks(); chop_add_region() sets it only on a heap
 * without a lock, which is not shared), so reading it needs no lock.
 */
static chop_status allocate_locked(chop_heap *heap, size_t size, size_t align, void **out,
                                   const void *caller)
{
    (void)caller;
    chopi_lock(heap);
    chop_status status = chopi_allocate_anywhere(heap, size, align, out);
    chopi_unlock(heap);
    return status;
}

static chop_status deallocate_locked(chop_heap *heap, void *ptr, size_t size, size_t align,
                                     const void *caller)
{
    (void)caller;
    unsigned order;
    chop_status status = chopi_layout_order(size, align, &order);
    if (status != CHOP_OK)
        return status;
    chopi_lock(heap);
    status = chopi_deallocate(chopi_region_of(heap, (uintptr_t)ptr), (uintptr_t)ptr, order);
    chopi_unlock(heap);
    return status;
}

static chop_status free_locked(chop_heap *heap, uintptr_t addr, const void *caller)
{
    (void)caller;
    chopi_lock(heap);
    chop_status status = chopi_free_unsized(chopi_region_of(heap, addr), addr);
    chopi_unlock(heap);
    return status;
}

const chopi_path chopi_locked_path = { allocate_locked, deallocate_locked, free_locked, NULL,
                                       NULL };

/*
 * The hot public calls are trampolines: the arguments' checks, then a jump to the
 * heap's path or to the one out-of-line copy of the work (chopi_allocate() ...).  Had
 * the work been inlined here, GCC would save registers before the path test, for the
 * return address the path is given, on every call.
 */
chop_status chop_try_allocate(chop_heap *heap, size_t size, size_t align, void **out)
{
    if (!out)
        return CHOP_ERR_NULL_ARGUMENT;
    *out = NULL;
    if (!heap)
        return CHOP_ERR_NULL_ARGUMENT;
    if (heap->path)
        return heap->path->allocate(heap, size, align, out, CHOPI_CALLER());
    return chopi_allocate(heap, size, align, out);
}

/* The work of an allocation: for the trampoline, the paths and resize.c. */
chop_status chopi_allocate(chop_heap *heap, size_t size, size_t align, void **out)
{
    return allocate(heap, size, align, out);
}

/* --- several regions (R1, R2) ---------------------------------------------------- */

/*
 * The region with the smallest free block that fits decides; an order stands for the
 * block, so the first region with the lowest candidate order wins.  The allocation
 * there cannot fail: the refusals are counted here, in the heap (R2).
 */
chop_status chopi_allocate_spread(chop_heap *heap, size_t size, size_t align, void **out)
{
    unsigned order = 0;
    chop_status status = chopi_layout_order(size, align, &order);
    chop_heap *best = NULL;
    unsigned best_order = 0;
    for (chop_heap *region = heap; status == CHOP_OK && region; region = region->next_region) {
        chopi_mask candidates = region->nonempty & chopi_bits_from(order);
        if (candidates != 0 && (!best || chopi_lowest_order(candidates) < best_order)) {
            best = region;
            best_order = chopi_lowest_order(candidates);
        }
    }
    if (status == CHOP_OK && !best)
        status = CHOP_ERR_OUT_OF_MEMORY;
    if (status != CHOP_OK) {
        heap->failed_requests++;
        return status;
    }
    status = chopi_allocate(best, size, align, out);
    chopi_note_whole_peak(heap);
    return status;
}

chop_heap *chopi_find_region(const chop_heap *heap, uintptr_t addr)
{
    for (const chop_heap *region = heap; region; region = region->next_region)
        if (addr - region->start < region->end - region->start)
            return (chop_heap *)(uintptr_t)region;
    return (chop_heap *)(uintptr_t)heap;
}

void chopi_note_whole_peak(chop_heap *heap)
{
    size_t allocated = 0;
    for (const chop_heap *region = heap; region; region = region->next_region)
        allocated += chopi_allocated_bytes(region);
    if (allocated > heap->peak_allocated_bytes)
        heap->peak_allocated_bytes = allocated;
}

/* --- chop_try_deallocate -------------------------------------------------------- */

chop_status chopi_block_holding(const chop_heap *heap, uintptr_t addr, uintptr_t *block,
                                unsigned *order, int *allocated)
{
    for (unsigned k = CHOPI_MIN; k <= (unsigned)CHOPI_TOP; k++) {
        uintptr_t node = addr & ~(chopi_size_of(k) - 1u);
        if (node < heap->start)
            break;
        size_t index = chopi_index(heap, node);
        unsigned bits = chopi_bits(heap->bitmap, index);
        if (bits & CHOPI_START) {
            unsigned have = chopi_block_order(heap, index);
            if (addr - node >= chopi_size_of(have))
                return CHOP_ERR_CORRUPTED; /* a block begins inside this one */
            *block = node;
            *order = have;
            *allocated = (bits & CHOPI_ALLOC) != 0;
            return CHOP_OK;
        }
    }
    return CHOP_ERR_CORRUPTED; /* unreachable while invariant I1 holds */
}

/*
 * Bitmap mode, a pointer that does not start a live block: inside some block, or the
 * start of a free one.  Out of line: only a misuse comes here, and the valid free
 * keeps its registers.
 */
static CHOPI_OUT_OF_LINE chop_status classify_inside(const chop_heap *heap, uintptr_t addr)
{
    uintptr_t block;
    unsigned order;
    int allocated;
    chop_status status = chopi_block_holding(heap, addr, &block, &order, &allocated);
    if (status != CHOP_OK)
        return status;
    return allocated ? CHOP_ERR_INTERIOR_POINTER : CHOP_ERR_DOUBLE_FREE;
}

/*
 * Bitmap mode: whether the block of this order at addr may be freed.  O(1) bit tests,
 * plus O(MAX_ORDER) to tell an interior pointer from one into free memory.
 *
 * The block beginning at addr has exactly this order if it is not smaller (the node
 * fits in the heap and no block begins at its midpoint) and not larger (a block
 * begins right after it, or it ends the heap).  The end of the heap is handled
 * without a branch: there the last test reads addr's own START bit, which is set.
 */
static CHOPI_HOT_INLINE chop_status classify_bitmap(const chop_heap *heap, uintptr_t addr,
                                                    unsigned order)
{
    const uint64_t *bitmap = heap->bitmap;
    uintptr_t size = chopi_size_of(order);
    uintptr_t room = heap->end - addr; /* bytes from addr to the end of the heap */
    size_t index = chopi_index(heap, addr);
    size_t span = (size_t)size >> CHOPI_MIN;
    unsigned bits = chopi_bits(bitmap, index);

    if (CHOPI_UNLIKELY(bits != (CHOPI_START | CHOPI_ALLOC)))
        return (bits & CHOPI_START) ? CHOP_ERR_DOUBLE_FREE : classify_inside(heap, addr);
    if (CHOPI_UNLIKELY(room < size))
        return CHOP_ERR_SIZE_MISMATCH; /* a block that large would pass the heap's end */
    if (CHOPI_UNLIKELY(order > CHOPI_MIN &&
                       (chopi_bits(bitmap, index + span / 2u) & CHOPI_START)))
        return CHOP_ERR_SIZE_MISMATCH; /* the block at addr is smaller */
    if (CHOPI_UNLIKELY(!(chopi_bits(bitmap, room != size ? index + span : index) & CHOPI_START)))
        return CHOP_ERR_SIZE_MISMATCH; /* the block at addr is larger */
    return CHOP_OK;
}

/* Bitmap mode: returns a validated block to the heap, merging it with free buddies.
 * O(MAX_ORDER). */
static CHOPI_HOT_INLINE void release_bitmap(chop_heap *heap, uintptr_t addr, unsigned order)
{
    /* Locals: the compiler cannot tell that the bitmap and block stores below leave
     * the heap's fields alone (chop_init() made them disjoint), and would reload them. */
    uint64_t *bitmap = chopi_bitmap(heap);
    const uintptr_t start = heap->start;
    const uintptr_t span = heap->end - start;

    chopi_clear_bits(bitmap, (addr - start) >> CHOPI_MIN, CHOPI_ALLOC);
    while (chopi_parent_is_node_in(start, span, addr, order)) {
        uintptr_t size = chopi_size_of(order);
        uintptr_t buddy = addr ^ size;
        if (!chopi_buddy_is_free(bitmap, (buddy - start) >> CHOPI_MIN, order))
            break;
        unlink_free(heap, (chop_free_block *)buddy, order);
        chopi_clear_bits(bitmap, ((addr | size) - start) >> CHOPI_MIN, CHOPI_START);
        addr &= ~size;
        order++;
    }
    push_free(heap, addr, order);
}

/*
 * Free-list mode: the same, finding each free buddy in its order's tree.  O(MAX_ORDER *
 * address bits).  Out of line, so that the bitmap path does not carry its registers.
 */
static CHOPI_OUT_OF_LINE void release_free_lists(chop_heap *heap, uintptr_t addr,
                                                 unsigned order)
{
    while (chopi_parent_is_node(heap, addr, order)) {
        chopi_tree_link link;
        chop_free_block *free_buddy =
            chopi_tree_find(heap, order, addr ^ chopi_size_of(order), &link);
        if (!free_buddy)
            break;
        chopi_tree_remove(heap, order, free_buddy, link);
        addr &= ~chopi_size_of(order);
        order++;
    }
    chopi_tree_insert(heap, addr, order);
}

/* Whether the block of this order at addr may be freed: the checks of a sized free. */
static CHOPI_HOT_INLINE chop_status validate_free(const chop_heap *heap, uintptr_t addr,
                                                  unsigned order)
{
    if (addr - heap->start >= heap->end - heap->start) /* below start wraps: one test */
        return CHOP_ERR_OUTSIDE_HEAP;
    if (addr & (chopi_size_of(order) - 1u))
        return CHOP_ERR_MISALIGNED;
    /* Free-list mode: judged by the free blocks alone (tree.c).  A claimed block lying
     * wholly in allocated memory is accepted: nothing records where allocations begin. */
    return chopi_has_bitmap(heap) ? classify_bitmap(heap, addr, order)
                                  : chopi_tree_check_free(heap, addr, order);
}

/* Frees the validated block of this order at addr. */
static CHOPI_HOT_INLINE void free_block(chop_heap *heap, uintptr_t addr, unsigned order)
{
    chopi_block_taken_back(heap, (void *)addr, chopi_size_of(order));
    if (chopi_has_bitmap(heap))
        release_bitmap(heap, addr, order);
    else
        release_free_lists(heap, addr, order);
    heap->live_allocations--;
}

/* A sized free once its layout is known: validated, then done. */
static CHOPI_HOT_INLINE chop_status deallocate(chop_heap *heap, uintptr_t addr, unsigned order)
{
    chop_status status = validate_free(heap, addr, order);
    if (status == CHOP_OK)
        free_block(heap, addr, order);
    return status;
}

chop_status chop_try_deallocate(chop_heap *heap, void *ptr, size_t size, size_t align)
{
    if (!heap || !ptr)
        return CHOP_ERR_NULL_ARGUMENT;
    if (heap->path)
        return heap->path->deallocate(heap, ptr, size, align, CHOPI_CALLER());
    unsigned order;
    chop_status status = chopi_layout_order(size, align, &order);
    if (status != CHOP_OK)
        return status;
    return chopi_deallocate(heap, (uintptr_t)ptr, order);
}

/* A sized free once its layout is known, for the paths (H1). */
chop_status chopi_deallocate(chop_heap *heap, uintptr_t addr, unsigned order)
{
    return deallocate(heap, addr, order);
}

/* The same two steps for the other files (resize.c, malloc.c). */
chop_status chopi_validate_free(const chop_heap *heap, uintptr_t addr, unsigned order)
{
    return validate_free(heap, addr, order);
}

void chopi_free_block(chop_heap *heap, uintptr_t addr, unsigned order)
{
    free_block(heap, addr, order);
}

/* --- chop_try_free -------------------------------------------------------------- */

/* A live block begins at addr exactly when addr is a minimum-block boundary whose
 * pair reads START | ALLOC (I5); anything else is classified out of line. */
static CHOPI_HOT_INLINE chop_status live_block(const chop_heap *heap, uintptr_t addr,
                                               unsigned *order)
{
    if (!chopi_has_bitmap(heap))
        return CHOP_ERR_NEEDS_BITMAP;
    if (addr - heap->start >= heap->end - heap->start) /* below start wraps: one test */
        return CHOP_ERR_OUTSIDE_HEAP;
    size_t index = chopi_index(heap, addr);
    if (CHOPI_UNLIKELY((addr & (CHOP_MIN_BLOCK_SIZE - 1u)) != 0 ||
                       chopi_bits(heap->bitmap, index) != (CHOPI_START | CHOPI_ALLOC)))
        return classify_inside(heap, addr);
    *order = chopi_block_order(heap, index);
    return CHOP_OK;
}

chop_status chopi_live_block(const chop_heap *heap, uintptr_t addr, unsigned *order)
{
    return live_block(heap, addr, order);
}

/* An unsized free: the block's order is read off the bitmap, then as a sized free. */
static CHOPI_HOT_INLINE chop_status free_unsized(chop_heap *heap, uintptr_t addr)
{
    unsigned order = 0;
    chop_status status = live_block(heap, addr, &order);
    if (status == CHOP_OK)
        free_block(heap, addr, order);
    return status;
}

chop_status chop_try_free(chop_heap *heap, void *ptr)
{
    if (!heap || !ptr)
        return CHOP_ERR_NULL_ARGUMENT;
    if (heap->path)
        return heap->path->free(heap, (uintptr_t)ptr, CHOPI_CALLER());
    return chopi_free_unsized(heap, (uintptr_t)ptr);
}

/* The plain unsized free, for malloc.c's chop_free() and the paths (H1). */
chop_status chopi_free_unsized(chop_heap *heap, uintptr_t addr)
{
    return free_unsized(heap, addr);
}
