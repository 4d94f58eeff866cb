/*
 * chop_check() against corrupted heaps: each case breaks one invariant the way a stray
 * write would (a free block's links, the chop_heap's counters, a bitmap bit) and asserts
 * that chop_check() answers CHOP_ERR_CORRUPTED, having first answered CHOP_OK.
 * SPDX-License-Identifier: MIT
 *
 * White-box: it includes src/internal.h (through src/annotate.h, whose link accessors
 * keep memory checkers informed) for the free-block layout and the bitmap encoding, so
 * the corruptions follow the library if either changes.
 */
#include <stdint.h>
#include <string.h>

#include "chopalloc.h"
#include "../src/annotate.h"
#include "tap.h"
#include "testlib.h"

#define ARENA 4096u
/*
 * The scene's allocation: above the minimum block on every target, so its buddy is a
 * node, and an eighth of the largest block at most, so that the scene's free blocks of
 * orders SMALL's + 1 and + 2 lie inside one top block (64 bytes from --with-max-order=10
 * with 64-bit pointers).  Where even twice the minimum block is too large for that the
 * scene cannot exist and its tests skip; SMALL is then the minimum block.
 */
#define SMALL_WANTED 64u
#define SMALL                                                                            \
    ((size_t)(LARGEST / 8u >= SMALL_WANTED ? SMALL_WANTED                                \
              : LARGEST / 8u >= MIN_BLOCK  ? LARGEST / 8u                                \
                                           : MIN_BLOCK))
#define SCENE_FITS (SMALL >= 2u * MIN_BLOCK && LARGEST / 8u >= SMALL)
#define SCENE_SKIP_WHY                                                                   \
    "the scene needs blocks of 2, 4 and 8 times a %zu-byte allocation above the %zu-byte " \
    "minimum block; the largest block is %zu bytes"

/*
 * With at most 16 orders the arena is aligned to the largest block, so that a search
 * for an enclosing block from inside it can run past the top order (see test_bitmap).
 */
#define TOP_BLOCK ((size_t)1 << (CHOPALLOC_MAX_ORDER - 1))
#define ARENA_ALIGN (CHOPALLOC_MAX_ORDER <= 16 && TOP_BLOCK > ARENA ? TOP_BLOCK : ARENA)

static _Alignas(ARENA_ALIGN) unsigned char arena[2u * ARENA];
static uint64_t bitmap[CHOP_BITMAP_WORDS(2u * ARENA)];

/* A fresh heap over `size` bytes of the arena from `offset`; fails the run if refused. */
static void fresh_heap_in(chop_heap *heap, int mode, size_t offset, size_t size)
{
    for (size_t w = 0; w < sizeof bitmap / sizeof bitmap[0]; w++)
        bitmap[w] = 0;
    chop_status st = chop_init(heap, arena + offset, size, mode == MODE_BITMAP ? bitmap : NULL,
                               mode == MODE_BITMAP ? sizeof bitmap / sizeof bitmap[0] : 0);
    if (st != CHOP_OK)
        tap_bail_out("chop_init: %s", chop_strerror(st));
}

static void fresh_heap(chop_heap *heap, int mode, size_t size)
{
    fresh_heap_in(heap, mode, 0, size);
}

static void fresh_heap_at(chop_heap *heap, size_t offset, size_t size)
{
    fresh_heap_in(heap, MODE_BITMAP, offset, size);
}

static void *allocate(chop_heap *heap, size_t size)
{
    void *p = NULL;
    chop_status st = chop_try_allocate(heap, size, 1, &p);
    if (st != CHOP_OK)
        tap_bail_out("chop_try_allocate(%zu): %s", size, chop_strerror(st));
    return p;
}

static unsigned order_of(size_t size)
{
    return chopi_floor_log2(size);
}

static size_t index_of(const chop_heap *heap, const void *p)
{
    return chopi_index(heap, (uintptr_t)p);
}

/* The first free block of an order: the head of its list. */
static chop_free_block *free_head(const chop_heap *heap, unsigned order)
{
    return (chop_free_block *)heap->free_list[order];
}

/*
 * A heap holding three SMALL allocations: a and b are buddies (both allocated), c's
 * buddy is free, and one free block of every order from SMALL's up to the arena's half.
 */
typedef struct scene {
    chop_heap heap;
    unsigned char *a, *b, *c;
    chop_free_block *free_small; /* c's free buddy */
} scene;

static void set_scene(scene *s, int mode)
{
    fresh_heap(&s->heap, mode, ARENA);
    s->a = allocate(&s->heap, SMALL);
    s->b = allocate(&s->heap, SMALL);
    s->c = allocate(&s->heap, SMALL);
    s->free_small = free_head(&s->heap, order_of(SMALL));
    if (((uintptr_t)s->a ^ (uintptr_t)s->b) != SMALL || s->free_small == NULL ||
        ((uintptr_t)s->c ^ (uintptr_t)s->free_small) != SMALL ||
        chopi_next(s->free_small) != NULL || chop_check(&s->heap) != CHOP_OK)
        tap_bail_out("the scene's layout is not what the tests assume");
}

static void expect_corrupted(const chop_heap *heap, const char *mode, const char *what)
{
    tap_is_status(chop_check(heap), CHOP_ERR_CORRUPTED, "%s: %s", mode, what);
}

/* Corruptions every mode detects: the free lists and the heap's own counters. */
static void test_lists(int mode)
{
    const char *name = mode == MODE_BITMAP ? "bitmap" : "free-list";
    unsigned k = order_of(SMALL);
    scene s;

    if (!SCENE_FITS) {
        tap_skip(18, "%s: " SCENE_SKIP_WHY, name, (size_t)(2u * MIN_BLOCK), (size_t)MIN_BLOCK,
                 (size_t)LARGEST);
        return;
    }
    set_scene(&s, mode);
    tap_is_status(chop_check(&s.heap), CHOP_OK, "%s: the scene is sound", name);

    set_scene(&s, mode);
    chopi_set_next(s.free_small, s.free_small);
    expect_corrupted(&s.heap, name, "a free block's next link points to itself (a cycle)");

    set_scene(&s, mode);
    chopi_set_prev(s.free_small, s.free_small);
    expect_corrupted(&s.heap, name, "a list head's prev link is not NULL");

    set_scene(&s, mode);
    s.heap.free_list[k] = &s.heap;
    expect_corrupted(&s.heap, name, "a list head points outside the heap");

    set_scene(&s, mode);
    s.heap.free_list[k] = (void *)(s.heap.start - SMALL);
    expect_corrupted(&s.heap, name, "a list head points below the heap");

    set_scene(&s, mode);
    s.heap.free_list[k] = (unsigned char *)s.free_small + CHOP_MIN_BLOCK_SIZE;
    expect_corrupted(&s.heap, name, "a list head is not aligned to its order");

    set_scene(&s, mode);
    s.heap.free_list[k] = (void *)(s.heap.end - CHOP_MIN_BLOCK_SIZE);
    s.heap.free_count[k] = 1;
    expect_corrupted(&s.heap, name, "a list node reaches past the end of the heap");

    set_scene(&s, mode);
    s.heap.free_list[k] = (void *)s.heap.end;
    expect_corrupted(&s.heap, name, "a list head points just past the end of the heap");

    set_scene(&s, mode);
    s.heap.free_list[0] = s.free_small;
    s.heap.nonempty |= 1u;
    expect_corrupted(&s.heap, name, "a list below the minimum order is not empty");

    set_scene(&s, mode);
    s.heap.nonempty ^= chopi_bit(k);
    expect_corrupted(&s.heap, name, "the non-empty mask disagrees with a list");

    set_scene(&s, mode);
    s.heap.free_count[0] = 1;
    expect_corrupted(&s.heap, name, "a count below the minimum order is not zero");

    set_scene(&s, mode);
    s.heap.free_count[k]++;
    expect_corrupted(&s.heap, name, "a list is shorter than its count");

    set_scene(&s, mode);
    s.heap.free_bytes -= CHOP_MIN_BLOCK_SIZE;
    expect_corrupted(&s.heap, name, "free_bytes is not the sum of the free blocks");

    set_scene(&s, mode);
    s.heap.free_bytes = SIZE_MAX;
    expect_corrupted(&s.heap, name, "free_bytes exceeds the heap");

    set_scene(&s, mode);
    s.heap.start = s.heap.end;
    expect_corrupted(&s.heap, name, "the heap's start is not below its end");

    set_scene(&s, mode);
    s.heap.start += 1u;
    expect_corrupted(&s.heap, name, "the heap's start is not minimum-block aligned");

    /*
     * The order k + 2 free block, alone on its list, also heads list k in place of
     * c's buddy: every list is well formed and every count right, but a node on list
     * k is a larger block, and c's buddy is free without being on a list.
     */
    set_scene(&s, mode);
    chop_free_block *bigger = free_head(&s.heap, k + 2u);
    if (!bigger || chopi_next(bigger) != NULL)
        tap_bail_out("no lone free block of order %u", k + 2u);
    s.heap.free_list[k] = bigger;
    expect_corrupted(&s.heap, name, "a list holds a free block of a larger order");

    /* A cycle with a count too large to stop it: the count alone must be refused. */
    set_scene(&s, mode);
    chopi_set_links(s.free_small, s.free_small, s.free_small);
    s.heap.free_count[k] = SIZE_MAX;
    expect_corrupted(&s.heap, name, "a free block its own child, and a count of SIZE_MAX");
}

/*
 * Free-list mode: a block added by hand to its order's tree, where its address puts
 * it and with the counters kept, so only the overlap and merge checks can catch it.
 */
static void push_fake_free(chop_heap *heap, void *where, unsigned order)
{
    chopi_tree_insert(heap, (uintptr_t)where, order);
}

static void test_free_list_sets(void)
{
    unsigned k = order_of(SMALL);
    scene s;

    if (!SCENE_FITS) {
        tap_skip(2, "free-list: " SCENE_SKIP_WHY, (size_t)(2u * MIN_BLOCK), (size_t)MIN_BLOCK,
                 (size_t)LARGEST);
        return;
    }
    set_scene(&s, MODE_FREELIST);
    push_fake_free(&s.heap, s.c, k);
    expect_corrupted(&s.heap, "free-list", "two free buddies left unmerged");

    set_scene(&s, MODE_FREELIST);
    /* Order k + 1 is empty: c and its free buddy came from its only block. */
    chop_free_block *bigger = free_head(&s.heap, k + 2u);
    if (!bigger)
        tap_bail_out("no free block of order %u", k + 2u);
    push_fake_free(&s.heap, (unsigned char *)bigger + SMALL, k);
    expect_corrupted(&s.heap, "free-list", "a free block lies inside another");
}

static void clear_bits(chop_heap *heap, const void *p, unsigned bits)
{
    chopi_clear_bits(heap->bitmap, index_of(heap, p), bits);
}

static void set_bits(chop_heap *heap, const void *p, unsigned bits)
{
    chopi_set_bits(heap->bitmap, index_of(heap, p), bits);
}

/* Bitmap mode: a bit flipped by a stray write in the scene. */
static void test_bitmap_scene(void)
{
    const char *name = "bitmap";
    scene s;

    set_scene(&s, MODE_BITMAP);
    clear_bits(&s.heap, s.a, CHOPI_START);
    expect_corrupted(&s.heap, name, "an allocated block lost its START bit");

    set_scene(&s, MODE_BITMAP);
    set_bits(&s.heap, s.a + CHOP_MIN_BLOCK_SIZE, CHOPI_ALLOC);
    expect_corrupted(&s.heap, name, "a bit is set inside a block");

    set_scene(&s, MODE_BITMAP);
    clear_bits(&s.heap, s.a, CHOPI_ALLOC);
    clear_bits(&s.heap, s.b, CHOPI_ALLOC);
    s.heap.live_allocations -= 2u;
    expect_corrupted(&s.heap, name, "two buddies marked free but not merged");

    set_scene(&s, MODE_BITMAP);
    s.heap.live_allocations++;
    expect_corrupted(&s.heap, name, "live_allocations disagrees with the ALLOC bits");

    set_scene(&s, MODE_BITMAP);
    clear_bits(&s.heap, s.a, CHOPI_ALLOC);
    s.heap.live_allocations--;
    expect_corrupted(&s.heap, name, "more free blocks in the bitmap than on the list");

    set_scene(&s, MODE_BITMAP);
    clear_bits(&s.heap, s.a, CHOPI_ALLOC);
    set_bits(&s.heap, s.free_small, CHOPI_ALLOC);
    expect_corrupted(&s.heap, name, "a list node is allocated in the bitmap");

    /* A spurious START inside b: the block the bitmap shows at b ends before b + 2*MIN. */
    set_scene(&s, MODE_BITMAP);
    set_bits(&s.heap, s.b + CHOP_MIN_BLOCK_SIZE, CHOPI_START);
    tap_is_status(chop_try_free(&s.heap, s.b + 2u * CHOP_MIN_BLOCK_SIZE), CHOP_ERR_CORRUPTED,
                  "bitmap: chop_try_free where the block found ends before the pointer");
    tap_is_size(chop_usable_size(&s.heap, s.b + 2u * CHOP_MIN_BLOCK_SIZE), 0,
                "bitmap: ... chop_usable_size there is 0");
}

/* Bitmap mode: a bit flipped by a stray write, in the scene and outside it. */
static void test_bitmap(void)
{
    const char *name = "bitmap";

    if (!SCENE_FITS)
        tap_skip(8, "bitmap: " SCENE_SKIP_WHY, (size_t)(2u * MIN_BLOCK), (size_t)MIN_BLOCK,
                 (size_t)LARGEST);
    else
        test_bitmap_scene();

    /* A heap whose last bitmap word has room past the last block. */
    chop_heap heap;
    fresh_heap(&heap, MODE_BITMAP, ARENA + 3u * CHOP_MIN_BLOCK_SIZE);
    size_t blocks = chopi_blocks(&heap);
    tap_ok(blocks % 32u != 0, "bitmap: %zu blocks leave bits spare in the last word", blocks);
    tap_is_status(chop_check(&heap), CHOP_OK, "bitmap: the heap with spare bits is sound");
    chopi_set_bits(heap.bitmap, blocks, CHOPI_START);
    expect_corrupted(&heap, name, "a bit is set past the last block");

    /*
     * A free that finds no block start at or around its pointer: the search for an
     * enclosing block runs below the heap's start (region at half the arena's
     * alignment) or, when the arena is aligned to the largest block, off the top order.
     */
    for (unsigned start = 0; start <= ARENA / 2u; start += ARENA / 2u) {
        fresh_heap_at(&heap, start, ARENA);
        void *p = allocate(&heap, SMALL);
        for (size_t w = 0; w < sizeof bitmap / sizeof bitmap[0]; w++)
            bitmap[w] = 0;
        chop_heap before = heap;
        tap_is_status(chop_try_deallocate(&heap, p, SMALL, 1), CHOP_ERR_CORRUPTED,
                      "bitmap, region at offset %u: freeing into a bitmap with no START bits "
                      "is refused", start);
        tap_ok(memcmp(&heap, &before, sizeof heap) == 0,
               "bitmap, region at offset %u: the refused free changed nothing", start);
    }
}

/* --- free-list mode's trees (src/tree.c) ------------------------------------------ */

#define TREE_BLOCKS 16u /* minimum blocks in the heap of the tree cases */

/* The first bit a tree of the heap branches on (tree.c's T1). */
static unsigned tree_top_of(const chop_heap *heap)
{
    return chopi_floor_log2((heap->end - 1u) ^ heap->start);
}

static unsigned bit_of(const void *p, unsigned bit)
{
    return (unsigned)((uintptr_t)p >> bit) & 1u;
}

/* A free-list heap of TREE_BLOCKS minimum blocks, all allocated, then the blocks named
 * by `freed` (a mask of block numbers) freed in increasing order: none merges. */
static void tree_scene(chop_heap *heap, void **blocks, unsigned freed)
{
    fresh_heap(heap, MODE_FREELIST, TREE_BLOCKS * MIN_BLOCK);
    for (unsigned i = 0; i < TREE_BLOCKS; i++)
        blocks[i] = allocate(heap, MIN_BLOCK);
    for (unsigned i = 0; i < TREE_BLOCKS; i++)
        if (freed & (1u << i) && chop_try_deallocate(heap, blocks[i], MIN_BLOCK, 1) != CHOP_OK)
            tap_bail_out("freeing block %u of the tree scene", i);
    if (chop_check(heap) != CHOP_OK)
        tap_bail_out("the tree scene is not sound");
}

static int visit_nothing(void *ctx, void *block, size_t size, int allocated)
{
    (void)ctx, (void)block, (void)size, (void)allocated;
    return 0;
}

static void test_trees(void)
{
    const unsigned k = CHOP_MIN_ORDER;
    void *b[TREE_BLOCKS];
    chop_heap heap;

    /* Two free blocks: the second, a leaf, moved to its parent's other side. */
    tree_scene(&heap, b, 1u << 0 | 1u << 2);
    unsigned side = bit_of(b[2], tree_top_of(&heap));
    if (free_head(&heap, k) != b[0])
        tap_bail_out("the first block freed is not the root");
    chopi_set_links(b[0], side ? b[2] : NULL, side ? NULL : b[2]);
    expect_corrupted(&heap, "free-list", "a leaf on the side its address does not name");
    tap_is_status(chop_walk(&heap, visit_nothing, NULL), CHOP_ERR_CORRUPTED,
                  "free-list: ... and chop_walk() says so");
    chopi_set_links(b[0], side ? NULL : b[2], side ? b[2] : NULL);
    tap_is_status(chop_check(&heap), CHOP_OK, "free-list: sound again once restored");

    /*
     * A chain deeper than the address bits allow: blocks 0, 2, ... hung one below the
     * other along the last one's path, which then lies below bit k.
     */
    unsigned top = tree_top_of(&heap);
    unsigned chain = top - k + 2u; /* blocks above the leaf: depths 0 .. top - k + 1 */
    unsigned freed = 0;
    for (unsigned i = 0; i <= chain; i++)
        freed |= 1u << (2u * i);
    tree_scene(&heap, b, freed);
    void *leaf = b[2u * chain];
    heap.free_list[k] = b[0];
    for (unsigned i = 0; i < chain; i++) {
        void *below = b[2u * (i + 1u)];
        int right = bit_of(leaf, top - i) != 0;
        chopi_set_links(b[2u * i], right ? NULL : below, right ? below : NULL);
    }
    chopi_set_links(leaf, NULL, NULL);
    expect_corrupted(&heap, "free-list", "a tree deeper than the address bits");

    /* An inner block on the wrong side, above a leaf that is where its path says. */
    tree_scene(&heap, b, 1u << 0 | 1u << 2 | 1u << 8);
    if (bit_of(b[2], top) != 0 || bit_of(b[8], top) != 1)
        tap_bail_out("blocks 2 and 8 are not in different halves of the heap");
    heap.free_list[k] = b[0];
    chopi_set_links(b[0], b[8], NULL); /* block 8's address names side 1 */
    int low = bit_of(b[2], top - 1u) != 0;
    chopi_set_links(b[8], low ? NULL : b[2], low ? b[2] : NULL);
    chopi_set_links(b[2], NULL, NULL);
    expect_corrupted(&heap, "free-list", "an inner tree block on the wrong side");

    /* One leaf hanging from both sides of the root: as many blocks met as counted. */
    tree_scene(&heap, b, 1u << 0 | 1u << 8);
    heap.free_list[k] = b[0];
    chopi_set_links(b[0], b[8], b[8]);
    chopi_set_links(b[8], NULL, NULL);
    expect_corrupted(&heap, "free-list", "a block hanging from both sides of its parent");
}

/* Bitmap mode: the order of a live block read off a bitmap with a stray START bit. */
static void test_block_order(void)
{
    chop_heap heap;

    if (!block_exists(4u * MIN_BLOCK, 4, "the stray START cases"))
        return;
    fresh_heap(&heap, MODE_BITMAP, 16u * MIN_BLOCK);
    unsigned char *q[4];
    for (int i = 0; i < 4; i++)
        q[i] = allocate(&heap, 4u * MIN_BLOCK);
    for (int i = 1; i < 4; i++)
        if (q[i] != q[0] + (size_t)i * 4u * MIN_BLOCK)
            tap_bail_out("the four blocks are not in address order");

    set_bits(&heap, q[0] + 3u * MIN_BLOCK, CHOPI_START);
    expect_corrupted(&heap, "bitmap", "a START bit three blocks into a live block");
    tap_is_size(chop_usable_size(&heap, q[0]), 4u * MIN_BLOCK,
                "bitmap: ... whose size still reads as a node at its address");
    clear_bits(&heap, q[0] + 3u * MIN_BLOCK, CHOPI_START);

    clear_bits(&heap, q[2], CHOPI_START | CHOPI_ALLOC);
    expect_corrupted(&heap, "bitmap", "the START bit after a live block cleared");
    tap_is_size(chop_usable_size(&heap, q[1]), 4u * MIN_BLOCK,
                "bitmap: ... its size is still no larger than its address is aligned");
}

int main(void)
{
    if (CHOPALLOC_HAVE_BITMAP) {
        test_lists(MODE_BITMAP);
        test_bitmap();
    } else {
        tap_skip(33, "built with --disable-bitmap");
    }
    if (CHOPALLOC_HAVE_FREE_LIST) {
        test_lists(MODE_FREELIST);
        test_free_list_sets();
        test_trees();
    } else {
        tap_skip(26, "built with --disable-free-list");
    }
    if (CHOPALLOC_HAVE_BITMAP)
        test_block_order();
    else
        tap_skip(4, "built with --disable-bitmap");
    return tap_done();
}
