/*
 * Free-list mode: each order's free blocks as a digital search tree on their addresses.
 * SPDX-License-Identifier: MIT
 *
 * Without a bitmap, nothing outside the free blocks says where they are, and a block's
 * own bytes cannot be trusted: an allocated block may hold anything.  So whether the
 * order-k node at some address is free is asked of the free blocks of order k, which
 * form a tree in which that question costs one step per address bit.
 *
 * T1  The free blocks of order k form a binary tree rooted at free_list[k]; a block's
 *     two links are its children (next: child 0, prev: child 1).  Addresses of blocks
 *     in the heap agree above bit top = floor(log2((end - 1) ^ start)) (tree_top()).
 *     A block at depth d agrees with the path that leads to it on bits top .. top-d+1:
 *     from depth d the path takes the child named by bit top - d.  Below bit k all
 *     addresses agree (they are 2^k-aligned), so the depth is at most top - k + 1.
 * T2  Hence every search (find, insert, a free's check) visits at most top - k + 2 blocks,
 *     and the blocks of a subtree share the bits of the path to it.
 */
#include "annotate.h"

/* The highest bit in which two addresses inside the heap can differ. */
static unsigned tree_top(const chop_heap *heap)
{
    return chopi_floor_log2((heap->end - 1u) ^ heap->start);
}

/* The side bit `bit` of addr names.  The mask keeps a search of a corrupted tree, which
 * can run past bit 0, defined; a sound tree never gets there (T2). */
static unsigned side_of(uintptr_t addr, unsigned bit)
{
    return (unsigned)(addr >> (bit % (sizeof addr * CHAR_BIT))) & 1u;
}

static chop_free_block *child(const chop_free_block *block, unsigned side)
{
    chop_free_block *zero, *one;
    chopi_get_links(block, &zero, &one);
    return side ? one : zero;
}

/* Points the link at `link` (a parent and a side; no parent: the root) to block. */
static void set_link(chop_heap *heap, unsigned order, chopi_tree_link link,
                     chop_free_block *block)
{
    if (!link.parent)
        heap->free_list[order] = block;
    else if (link.side)
        chopi_set_prev(link.parent, block);
    else
        chopi_set_next(link.parent, block);
}

/*
 * Not found, *link is the empty link where addr would hang.  A tree of n blocks is
 * less than n deep, so the n-th block met has no child there to read: no cache miss
 * for the many orders holding one block (see also chopi_tree_check_free()).
 */
chop_free_block *chopi_tree_find(const chop_heap *heap, unsigned order, uintptr_t addr,
                                 chopi_tree_link *link)
{
    chop_free_block *block = heap->free_list[order];
    size_t left = heap->free_count[order]; /* blocks not yet met */
    chopi_tree_link at = { NULL, 0 };

    /* A sound tree's path ends by bit `order` (T2), at addr or at an empty link. */
    for (unsigned bit = tree_top(heap); block && (uintptr_t)block != addr; bit--) {
        at.parent = block;
        at.side = side_of(addr, bit);
        if (--left == 0) {
            block = NULL; /* the tree's last block, and not addr: its link is empty */
            break;
        }
        block = child(block, at.side);
    }
    if (link)
        *link = at;
    return block;
}

void chopi_tree_insert(chop_heap *heap, uintptr_t addr, unsigned order)
{
    chopi_tree_link at;
    (void)chopi_tree_find(heap, order, addr, &at); /* addr is not in the tree */
    chopi_set_links((chop_free_block *)addr, NULL, NULL);
    set_link(heap, order, at, (chop_free_block *)addr);
    chopi_note_free(heap, order);
}

/* Detaches and returns a leaf of the subtree under `link`, which is not empty. */
static chop_free_block *detach_leaf(chop_heap *heap, unsigned order, chopi_tree_link link,
                                    chop_free_block *block)
{
    for (;;) {
        chop_free_block *zero, *one;
        chopi_get_links(block, &zero, &one);
        if (!zero && !one)
            break;
        link.parent = block;
        link.side = zero ? 0u : 1u;
        block = zero ? zero : one;
    }
    set_link(heap, order, link, NULL);
    return block;
}

void chopi_tree_remove(chop_heap *heap, unsigned order, chop_free_block *block,
                       chopi_tree_link link)
{
    chopi_tree_link below = { block, 0 };
    chop_free_block *zero, *one;

    /* Any leaf below may take the block's place: it shares the path's bits (T2). */
    chopi_get_links(block, &zero, &one);
    chop_free_block *heir = NULL;
    if (zero || one) {
        below.side = zero ? 0u : 1u;
        heir = detach_leaf(heap, order, below, zero ? zero : one);
        chopi_get_links(block, &zero, &one); /* the leaf may have been a child */
        chopi_set_links(heir, zero, one);
    }
    set_link(heap, order, link, heir);
    chopi_note_unfree(heap, order);
}

/*
 * The lowest-addressed block: every block under a link's side 0 lies below every block
 * under its side 1 (T1), so it is on the path that takes side 0 wherever it can.
 * Choosing by address, not by where a walk first meets a leaf, keeps the heap's use
 * independent of the trees' shapes.
 */
chop_free_block *chopi_tree_take(chop_heap *heap, unsigned have, unsigned order)
{
    chop_free_block *block = heap->free_list[have], *lowest = block;
    chopi_tree_link at = { NULL, 0 }, lowest_at = at;

    do { /* the tree is not empty */
        chop_free_block *zero, *one;
        if ((uintptr_t)block < (uintptr_t)lowest) {
            lowest = block;
            lowest_at = at;
        }
        chopi_get_links(block, &zero, &one);
        at.parent = block;
        at.side = zero ? 0u : 1u;
        block = zero ? zero : one;
    } while (block);
    chopi_tree_remove(heap, have, lowest, lowest_at);
    block = lowest;
    while (have > order) { /* keep the lower half, free the upper */
        have--;
        chopi_tree_insert(heap, (uintptr_t)block + chopi_size_of(have), have);
    }
    return block;
}

/*
 * Refused: addr in a free block of any order, or a free block beginning inside the
 * claimed one, or a claimed block passing the heap's end.  For each non-empty order k
 * one path is walked, that of the order-k node holding addr: it meets that node if it
 * is free, and for k below the claimed order it meets any free block inside the claim,
 * since those share addr's bits from the claimed order up (T2).  One loop for both
 * kinds of order: a second one would cost firmware ROM for a few per cent.
 */
chop_status chopi_tree_check_free(const chop_heap *heap, uintptr_t addr, unsigned order)
{
    const unsigned top = tree_top(heap);
    int overlapping = heap->end - addr < chopi_size_of(order);

    for (chopi_mask orders = heap->nonempty; orders != 0; orders &= orders - 1u) {
        unsigned k = chopi_lowest_order(orders);
        uintptr_t node = addr & ~(chopi_size_of(k) - 1u);
        unsigned bit = top;
        /* As in chopi_tree_find(): the n-th block met has no child to read. */
        size_t left = heap->free_count[k];
        for (const chop_free_block *block = heap->free_list[k]; block;
             block = child(block, side_of(node, bit--))) {
            if ((uintptr_t)block == node)
                return CHOP_ERR_DOUBLE_FREE;
            if (k < order && (((uintptr_t)block ^ addr) >> order) == 0)
                overlapping = 1;
            if (--left == 0)
                break;
        }
    }
    return overlapping ? CHOP_ERR_SIZE_MISMATCH : CHOP_OK;
}

/* Whether a block of this order may lie at addr: inside the heap, aligned, fitting. */
static int may_be_block(const chop_heap *heap, uintptr_t addr, unsigned order)
{
    return addr >= heap->start && addr < heap->end && heap->end - addr >= chopi_size_of(order) &&
           (addr & (chopi_size_of(order) - 1u)) == 0;
}

/*
 * Preorder: a block's first child, else the right-hand sibling of its nearest ancestor
 * that has one, found by searching for the block from the root: no stack and no
 * parent links.  Every block is tested with may_be_block() before its links are read.
 */
const chop_free_block *chopi_tree_next(const chop_heap *heap, unsigned order,
                                       const chop_free_block *block, int *corrupted)
{
    chop_free_block *next = NULL;

    if (!block) {
        next = heap->free_list[order];
    } else {
        chop_free_block *zero, *one;
        chopi_get_links(block, &zero, &one);
        next = zero ? zero : one;
        if (!next) {
            uintptr_t addr = (uintptr_t)block;
            const chop_free_block *at = heap->free_list[order];
            for (unsigned bit = tree_top(heap); at != block; bit--) {
                if (bit < order || !may_be_block(heap, (uintptr_t)at, order)) {
                    *corrupted = 1; /* the block is not where its address says (T1) */
                    return NULL;
                }
                chopi_get_links(at, &zero, &one);
                if (!side_of(addr, bit) && one)
                    next = one;
                at = side_of(addr, bit) ? one : zero;
            }
        }
    }
    if (next && !may_be_block(heap, (uintptr_t)next, order)) {
        *corrupted = 1;
        return NULL;
    }
    return next;
}
