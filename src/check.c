/*
 * Reading a heap: the invariant checker, the statistics and their watermarks.
 * SPDX-License-Identifier: MIT
 */
#include "annotate.h"

/*
 * Bitmap mode, I2 (list shape) and I4: every list is a well-formed doubly linked list
 * of nodes of its order, as long as its count says.  No link is followed before the
 * node holding it is known to lie inside the heap, so a corrupted list cannot make
 * the check fault.
 */
static int free_lists_are_sound(const chop_heap *heap)
{
    uintptr_t free_bytes = 0;

    for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++) {
        const chop_free_block *prev = NULL;
        chop_free_block *block = heap->free_list[k];
        chop_free_block *next;
        size_t count = 0;

        if (((heap->nonempty & chopi_bit(k)) != 0) != (block != NULL))
            return 0;
        if (k < (unsigned)CHOPI_MIN && (block || heap->free_count[k]))
            return 0;
        if (heap->free_count[k] > chopi_blocks(heap))
            return 0; /* more than fit: a cycle must not keep the walk below going */
        for (; block; prev = block, block = next) {
            uintptr_t addr = (uintptr_t)block;
            chop_free_block *block_prev;
            if (count++ == heap->free_count[k])
                return 0; /* longer than counted, or a cycle */
            if (addr < heap->start || addr >= heap->end || heap->end - addr < chopi_size_of(k))
                return 0;
            if ((addr & (chopi_size_of(k) - 1u)) != 0)
                return 0;
            chopi_get_links(block, &next, &block_prev);
            if (block_prev != prev)
                return 0;
            free_bytes += chopi_size_of(k);
        }
        if (count != heap->free_count[k])
            return 0;
    }
    return free_bytes == heap->free_bytes;
}

/* Whether the search for block finds it hanging from parent's side. */
static int hangs_at(const chop_heap *heap, unsigned order, const chop_free_block *block,
                    const chop_free_block *parent, unsigned side)
{
    chopi_tree_link link = { NULL, 0 };
    int found = chopi_tree_find(heap, order, (uintptr_t)block, &link) == block;
    return found & (link.parent == parent) & (link.side == side);
}

/*
 * Free-list mode, I2 (tree shape, T1) and I4: each order's tree holds as many blocks as
 * counted, each a node of its order, and each block and each link is where the block's
 * address puts it.
 * chopi_tree_next() tests every block before reading its links, so a corrupted tree
 * cannot make the check fault; the searches run once every block has passed.
 */
static int trees_are_sound(const chop_heap *heap)
{
    uintptr_t free_bytes = 0;

    for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++) {
        const chop_free_block *block;
        size_t count = 0;
        int corrupted = 0;

        if (((heap->nonempty & chopi_bit(k)) != 0) != (heap->free_list[k] != NULL))
            return 0;
        if (k < (unsigned)CHOPI_MIN) {
            if (heap->free_list[k] || heap->free_count[k])
                return 0;
            continue;
        }
        if (heap->free_count[k] > chopi_blocks(heap))
            return 0; /* more than fit: a cycle must not keep the walk below going */
        for (block = chopi_tree_next(heap, k, NULL, &corrupted); block;
             block = chopi_tree_next(heap, k, block, &corrupted)) {
            if (count++ == heap->free_count[k])
                return 0; /* more than counted, or a cycle */
            free_bytes += chopi_size_of(k);
        }
        if (corrupted || count != heap->free_count[k])
            return 0;
        /* Every link is where a search puts its child, so every block is where its
         * address says (the root trivially), and no block hangs in two places, which
         * a subtree lost elsewhere could hide from the count. */
        for (block = chopi_tree_next(heap, k, NULL, &corrupted); block;
             block = chopi_tree_next(heap, k, block, &corrupted)) {
            chop_free_block *children[2];
            chopi_get_links(block, &children[0], &children[1]);
            for (unsigned side = 0; side < 2u; side++)
                if (children[side] && !hangs_at(heap, k, children[side], block, side))
                    return 0;
        }
    }
    return free_bytes == heap->free_bytes;
}

/*
 * Whether the order-k node at addr is a free block: bitmap mode, I5 assumed.  A free
 * block begins there and has exactly order k: it is not split at the node's midpoint,
 * and the end of the heap or another block follows the node.
 */
static int bitmap_block_is_free(const chop_heap *heap, uintptr_t addr, unsigned order)
{
    size_t index = chopi_index(heap, addr);
    size_t span = (size_t)1 << (order - CHOPI_MIN);

    if (chopi_bits(heap->bitmap, index) != CHOPI_START)
        return 0;
    if (order > CHOPI_MIN && chopi_starts(heap, index + span / 2u))
        return 0; /* split: the block at addr is smaller */
    return index + span == chopi_blocks(heap) || chopi_starts(heap, index + span);
}

/*
 * Bitmap mode, I1, I2 (membership), I3 and I5: walk the blocks in address order, read
 * each one's order off the START bits, and check that its inside is blank.  Counting
 * free blocks per order and matching each list node to a free block makes the free
 * blocks and the list nodes the same set.
 */
static int bitmap_is_sound(const chop_heap *heap)
{
    size_t free_blocks[CHOPALLOC_MAX_ORDER];
    size_t allocated = 0;
    size_t blocks = chopi_blocks(heap);
    size_t index = 0;

    /* A loop, not "= {0}": compilers lower a zero initialiser to memset. */
    for (unsigned k = 0; k < CHOPALLOC_MAX_ORDER; k++) {
        free_blocks[k] = 0;
        CHOPI_NOT_A_LIBCALL(k);
    }

    while (index < blocks) {
        uintptr_t addr = chopi_address(heap, index);
        unsigned bits = chopi_bits(heap->bitmap, index);
        unsigned order = chopi_largest_node(heap, addr);
        size_t span;

        if (!(bits & CHOPI_START))
            return 0;
        while (order > CHOPI_MIN && chopi_starts(heap, index + ((size_t)1 << (order - CHOPI_MIN - 1u))))
            order--;
        span = (size_t)1 << (order - CHOPI_MIN);
        for (size_t inside = index + 1u; inside < index + span; inside++)
            if (chopi_bits(heap->bitmap, inside) != 0)
                return 0;
        if (bits & CHOPI_ALLOC) {
            allocated++;
        } else {
            free_blocks[order]++;
            if (chopi_parent_is_node(heap, addr, order) &&
                bitmap_block_is_free(heap, addr ^ chopi_size_of(order), order))
                return 0; /* two free buddies left unmerged */
        }
        index += span;
    }
    /* Bits past the last block, in the last word, stay clear. */
    for (; index % 32u != 0; index++)
        if (chopi_bits(heap->bitmap, index) != 0)
            return 0;

    if (allocated != heap->live_allocations)
        return 0;
    for (unsigned k = CHOPI_MIN; k <= (unsigned)CHOPI_TOP; k++) {
        if (free_blocks[k] != heap->free_count[k])
            return 0;
        for (const chop_free_block *b = heap->free_list[k]; b; b = chopi_next(b))
            if (!bitmap_block_is_free(heap, (uintptr_t)b, k))
                return 0;
    }
    return 1;
}

/*
 * Free-list mode, I1 (free blocks are disjoint) and I3: no free block lies inside a
 * larger one (nodes nest or are disjoint) and no free block has a free buddy.  The
 * trees are sound (trees_are_sound()).  O(free blocks * MAX_ORDER * address bits).
 */
static int free_blocks_are_disjoint(const chop_heap *heap)
{
    for (unsigned k = CHOPI_MIN; k <= (unsigned)CHOPI_TOP; k++) {
        int corrupted = 0;
        for (const chop_free_block *b = chopi_tree_next(heap, k, NULL, &corrupted); b;
             b = chopi_tree_next(heap, k, b, &corrupted)) {
            uintptr_t addr = (uintptr_t)b;
            for (unsigned j = k + 1u; j <= (unsigned)CHOPI_TOP; j++)
                if (chopi_tree_find(heap, j, addr & ~(chopi_size_of(j) - 1u), NULL))
                    return 0;
            if (chopi_parent_is_node(heap, addr, k) &&
                chopi_tree_find(heap, k, addr ^ chopi_size_of(k), NULL))
                return 0; /* two free buddies left unmerged */
        }
    }
    return 1;
}

/* I1-I5, as far as they can be checked (see chop_check()). */
static int heap_is_sound(const chop_heap *heap)
{
    if (heap->start >= heap->end || ((heap->start | heap->end) & (CHOP_MIN_BLOCK_SIZE - 1u)) != 0)
        return 0;
    if (heap->free_bytes > heap->end - heap->start)
        return 0;
    if (chopi_has_bitmap(heap))
        return free_lists_are_sound(heap) && bitmap_is_sound(heap);
    return trees_are_sound(heap) && free_blocks_are_disjoint(heap);
}

/*
 * R1: the regions are pairwise disjoint and in the heap's mode.  Each is compared with
 * as many regions before it as its place in the chain, counted rather than followed
 * to itself, so that a chain that loops back meets a region twice and fails the check
 * rather than running forever.  O(regions^2).
 */
static int regions_are_sound(const chop_heap *heap)
{
    size_t place = 0;
    for (const chop_heap *region = heap->next_region; region;
         region = region->next_region, place++) {
        if ((region->bitmap != NULL) != (heap->bitmap != NULL))
            return 0;
        const chop_heap *earlier = heap;
        for (size_t i = 0; i <= place; i++, earlier = earlier->next_region)
            if (chopi_overlaps(earlier->start, (size_t)(earlier->end - earlier->start),
                               region->start, (size_t)(region->end - region->start)))
                return 0;
    }
    return 1;
}

chop_status chop_check(const chop_heap *heap)
{
    if (!heap)
        return CHOP_ERR_NULL_ARGUMENT;
    chopi_lock(heap);
    int sound = regions_are_sound(heap);
    for (const chop_heap *region = heap; sound && region; region = region->next_region)
        sound = heap_is_sound(region);
    chopi_unlock(heap);
    return sound ? CHOP_OK : CHOP_ERR_CORRUPTED;
}

CHOPI_NO_LIBCALLS
void chop_get_stats(const chop_heap *heap, chop_stats *out)
{
    if (!out)
        return;
    out->managed_bytes = out->unusable_bytes = out->free_bytes = 0;
    out->allocated_bytes = out->largest_free_block = out->live_allocations = 0;
    out->peak_allocated_bytes = out->failed_requests = 0;
    for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++) {
        out->free_blocks[k] = 0;
        CHOPI_NOT_A_LIBCALL(k);
    }
    if (!heap)
        return;
    chopi_lock(heap);
    chopi_mask nonempty = 0;
    for (const chop_heap *region = heap; region; region = region->next_region) { /* R2 */
        out->managed_bytes += (size_t)(region->end - region->start);
        out->unusable_bytes += region->unusable_bytes;
        out->free_bytes += region->free_bytes;
        out->live_allocations += region->live_allocations;
        out->failed_requests += region->failed_requests;
        nonempty |= region->nonempty;
        for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++) {
            out->free_blocks[k] += region->free_count[k];
            CHOPI_NOT_A_LIBCALL(k);
        }
    }
    out->allocated_bytes = out->managed_bytes - out->free_bytes;
    out->largest_free_block =
        nonempty ? (size_t)chopi_size_of(chopi_floor_log2((uintptr_t)nonempty)) : 0;
    out->peak_allocated_bytes = heap->peak_allocated_bytes;
    chopi_unlock(heap);
}

void chop_reset_watermarks(chop_heap *heap)
{
    if (!heap)
        return;
    chopi_lock(heap);
    for (chop_heap *region = heap; region; region = region->next_region) {
        region->peak_allocated_bytes = chopi_allocated_bytes(region);
        region->failed_requests = 0;
    }
    heap->peak_allocated_bytes = 0;
    chopi_note_whole_peak(heap);
    chopi_unlock(heap);
}
