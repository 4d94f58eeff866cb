/*
 * fragmentation_demo: buddy splitting and merging, drawn one character per
 * minimum block.
 * SPDX-License-Identifier: MIT
 *
 * The demo keeps its own model of the heap: the letter of the allocation that
 * owns each minimum block.  From that model alone it derives the free blocks
 * with the rule of the behaviour contract (a node is a free block iff it holds
 * no allocated byte and its parent holds one, or it is the whole heap), draws
 * the map from what chop_walk() visits, and checks after every step that the
 * walk and chop_get_stats() report exactly the same free blocks as the model and
 * that chop_check() is happy.  Any disagreement ends the demo with a non-zero
 * exit status.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "chopalloc.h"

/* The heap: 64 minimum blocks (1 KiB with 64-bit pointers, 512 bytes with 32-bit). */
#define CELLS 64u
#define HEAP_ORDER (CHOP_MIN_ORDER + 6)
#define HEAP_BYTES ((size_t)1 << HEAP_ORDER)
#define MB CHOP_MIN_BLOCK_SIZE

#if CHOPALLOC_MAX_ORDER - 1 < HEAP_ORDER

int main(void)
{
    printf("fragmentation_demo: skipped: the demo needs %zu-byte blocks, but this build's "
           "largest block is %zu bytes (configure --with-max-order=%d or more)\n",
           HEAP_BYTES, CHOP_LARGEST_BLOCK_SIZE, HEAP_ORDER + 1);
    return 0;
}

#else

static chop_heap heap;
/* Aligned to its size, so the whole region is one block of the buddy tree. */
static _Alignas(HEAP_BYTES) unsigned char region[HEAP_BYTES];
#if CHOPALLOC_HAVE_BITMAP
static uint64_t bitmap[CHOP_BITMAP_WORDS(HEAP_BYTES)];
#endif

struct allocation {
    void *ptr;   /* NULL when not live */
    size_t size;
    size_t align;
    size_t block; /* size of the block handed out */
};
static struct allocation allocs[26]; /* A..Z */
static char owner[CELLS];            /* letter owning each minimum block, 0 when free */

struct free_block {
    size_t first; /* first minimum block */
    size_t cells; /* length in minimum blocks */
};
static struct free_block free_blocks[CELLS];
static size_t free_count;
static int step;

static const char *status_name(chop_status status)
{
    static const char *const names[CHOP_STATUS_COUNT] = {
        "CHOP_OK", "CHOP_ERR_NULL_ARGUMENT", "CHOP_ERR_BAD_REGION",
        "CHOP_ERR_BITMAP_TOO_SMALL", "CHOP_ERR_BITMAP_UNSUPPORTED",
        "CHOP_ERR_INVALID_LAYOUT", "CHOP_ERR_TOO_LARGE", "CHOP_ERR_OUT_OF_MEMORY",
        "CHOP_ERR_OUTSIDE_HEAP", "CHOP_ERR_MISALIGNED", "CHOP_ERR_DOUBLE_FREE",
        "CHOP_ERR_INTERIOR_POINTER", "CHOP_ERR_SIZE_MISMATCH", "CHOP_ERR_CORRUPTED",
    };
    return (unsigned)status < CHOP_STATUS_COUNT ? names[status] : "(unknown status)";
}

static void die(const char *what, chop_status status)
{
    fflush(stdout);
    fprintf(stderr, "fragmentation_demo: FAILED: %s: %s (%s)\n", what, status_name(status),
            chop_strerror(status));
    exit(EXIT_FAILURE);
}

static void die_model(const char *what)
{
    fflush(stdout);
    fprintf(stderr, "fragmentation_demo: FAILED: the library disagrees with the model: %s\n",
            what);
    exit(EXIT_FAILURE);
}

static size_t offset_of(const void *p)
{
    return (size_t)((uintptr_t)p - (uintptr_t)region);
}

/* The block a request gets: the smallest power of two >= size, align and MB. */
static size_t block_size_for(size_t size, size_t align)
{
    size_t block = MB;
    while (block < size || block < align)
        block *= 2u;
    return block;
}

static unsigned order_of_cells(size_t cells)
{
    unsigned order = CHOP_MIN_ORDER;
    while (cells > 1u) {
        cells /= 2u;
        order++;
    }
    return order;
}

static int cells_unowned(size_t first, size_t cells)
{
    for (size_t i = first; i < first + cells; i++)
        if (owner[i])
            return 0;
    return 1;
}

/*
 * The free blocks, from the model alone.  Scanning left to right, the first free
 * minimum block not yet covered starts a free block: the largest aligned node
 * beginning there that holds no allocated byte.
 */
static void derive_free_blocks(void)
{
    free_count = 0;
    for (size_t i = 0; i < CELLS;) {
        if (owner[i]) {
            i++;
            continue;
        }
        size_t cells = CELLS;
        while (i % cells != 0 || !cells_unowned(i, cells))
            cells /= 2u;
        free_blocks[free_count].first = i;
        free_blocks[free_count].cells = cells;
        free_count++;
        i += cells;
    }
}

/* The free block (of the model) containing byte offset off; NULL if allocated. */
static const struct free_block *free_block_at(size_t off)
{
    size_t cell = off / MB;
    for (size_t b = 0; b < free_count; b++)
        if (free_blocks[b].first <= cell && cell < free_blocks[b].first + free_blocks[b].cells)
            return &free_blocks[b];
    return NULL;
}

/* The map as chop_walk() reports the heap, and whether it agrees with the model. */
struct drawing {
    char map[CELLS + 1u];
    size_t free_seen; /* free blocks visited so far */
    int disagrees;
};

/* chop_walk() visitor: draws one block (or, in free-list mode, one allocated span). */
static int draw_block(void *ctx, void *block, size_t size, int allocated)
{
    struct drawing *d = ctx;
    size_t first = offset_of(block) / MB;
    size_t cells = size / MB;
    for (size_t i = first; i < first + cells; i++) {
        if (allocated && !owner[i])
            d->disagrees = 1; /* allocated memory the model says is free */
        d->map[i] = allocated ? owner[i] : '.';
    }
    if (!allocated) {
        d->map[first] = '|';
        if (d->free_seen >= free_count || free_blocks[d->free_seen].first != first ||
            free_blocks[d->free_seen].cells != cells)
            d->disagrees = 1;
        d->free_seen++;
    }
    return 0;
}

/* Draws the heap with chop_walk(), prints the histogram, and checks the library
 * against the model. */
static void draw(void)
{
    struct drawing d = {.free_seen = 0, .disagrees = 0};
    size_t counts[CHOPALLOC_MAX_ORDER] = {0};
    size_t model_free = 0;
    chop_stats stats;
    chop_status status;

    derive_free_blocks();
    status = chop_walk(&heap, draw_block, &d);
    if (status != CHOP_OK)
        die("chop_walk", status);
    if (d.disagrees || d.free_seen != free_count)
        die_model("the blocks chop_walk() visits");
    d.map[CELLS] = '\0';
    printf("    [%s]\n", d.map);
    for (size_t b = 0; b < free_count; b++) {
        counts[order_of_cells(free_blocks[b].cells)]++;
        model_free += free_blocks[b].cells * MB;
    }

    chop_get_stats(&heap, &stats);
    for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++)
        if (stats.free_blocks[k] != counts[k])
            die_model("free blocks per order");
    if (stats.free_bytes != model_free)
        die_model("free bytes");

    printf("    free blocks by size:");
    for (unsigned k = CHOP_MIN_ORDER; k <= (unsigned)HEAP_ORDER; k++)
        printf("  %zu:%zu", (size_t)1 << k, stats.free_blocks[k]);
    printf("   (%zu bytes free)\n", stats.free_bytes);

    status = chop_check(&heap);
    if (status != CHOP_OK)
        die("chop_check", status);
}

/* Byte offsets above the map, every 16 characters. */
static void print_ruler(void)
{
    printf("     ");
    for (size_t c = 0; c < CELLS; c += 16u) {
        int width = printf("%zu", c * MB);
        if (c + 16u < CELLS)
            for (; width < 16; width++)
                putchar(' ');
    }
    printf("\n");
}

static void allocate(char name, size_t size, size_t align)
{
    struct allocation *a = &allocs[name - 'A'];
    size_t block = block_size_for(size, align);
    void *p;

    printf("\n%2d. allocate %c: %zu bytes, align %zu\n", ++step, name, size, align);
    chop_status status = chop_try_allocate(&heap, size, align, &p);
    if (status != CHOP_OK)
        die("chop_try_allocate", status);

    size_t off = offset_of(p);
    if ((uintptr_t)p % block != 0 || off >= HEAP_BYTES || HEAP_BYTES - off < block)
        die_model("block misplaced or misaligned");
    if (!cells_unowned(off / MB, block / MB))
        die_model("block overlaps a live allocation");
    const struct free_block *from = free_block_at(off); /* the model before this step */
    if (from == NULL)
        die_model("block not taken from a free block");
    if (from->cells * MB == block)
        printf("    -> %zu-byte block at offset %zu: an exact fit\n", block, off);
    else
        printf("    -> %zu-byte block at offset %zu, split off the free %zu-byte block at %zu\n",
               block, off, from->cells * MB, from->first * MB);

    for (size_t i = off / MB; i < (off + block) / MB; i++)
        owner[i] = name;
    a->ptr = p;
    a->size = size;
    a->align = align;
    a->block = block;
    draw();
}

static void deallocate(char name)
{
    struct allocation *a = &allocs[name - 'A'];
    size_t off = offset_of(a->ptr);

    printf("\n%2d. free %c (offset %zu)\n", ++step, name, off);
    chop_status status = chop_try_deallocate(&heap, a->ptr, a->size, a->align);
    if (status != CHOP_OK)
        die("chop_try_deallocate", status);
    for (size_t i = off / MB; i < (off + a->block) / MB; i++)
        owner[i] = 0;
    a->ptr = NULL;

    derive_free_blocks();
    const struct free_block *now = free_block_at(off);
    if (now->cells == CELLS)
        printf("    -> merged with its buddies all the way up: the heap is one block again\n");
    else if (now->cells * MB > a->block) {
        unsigned merges = order_of_cells(now->cells) - order_of_cells(a->block / MB);
        printf("    -> merged with %u free %s into the free %zu-byte block at %zu\n", merges,
               merges == 1u ? "buddy" : "buddies", now->cells * MB, now->first * MB);
    }
    else
        printf("    -> a free %zu-byte block; no merge, its buddy holds live data\n", a->block);
    draw();
}

static void allocate_expecting_oom(char name, size_t size, size_t align)
{
    chop_stats before, after;
    void *p;

    printf("\n%2d. allocate %c: %zu bytes, align %zu\n", ++step, name, size, align);
    chop_get_stats(&heap, &before);
    chop_status status = chop_try_allocate(&heap, size, align, &p);
    if (status != CHOP_ERR_OUT_OF_MEMORY)
        die("expected CHOP_ERR_OUT_OF_MEMORY from chop_try_allocate", status);
    chop_get_stats(&heap, &after);
    if (p != NULL || after.failed_requests != before.failed_requests + 1u)
        die_model("a refused allocation changed more than failed_requests");
    printf("    -> refused: %s (%s)\n", status_name(status), chop_strerror(status));
    printf("       %zu bytes are free, more than the %zu requested, but the largest free\n"
           "       block is %zu bytes: the free memory is fragmented into holes\n",
           before.free_bytes, size, before.largest_free_block);
    draw();
}

static void free_again(char name, size_t off, size_t size, size_t align)
{
    void *p = region + off;

    printf("\n%2d. free %c again (offset %zu): a double free\n", ++step, name, off);
    chop_status status = chop_try_deallocate(&heap, p, size, align);
    if (status != CHOP_ERR_DOUBLE_FREE)
        die("expected CHOP_ERR_DOUBLE_FREE from chop_try_deallocate", status);
    const struct free_block *now = free_block_at(off);
    printf("    -> refused: %s (%s)\n", status_name(status), chop_strerror(status));
    printf("       caught although %c's block has merged into the free %zu-byte block at %zu\n",
           name, now->cells * MB, now->first * MB);
    draw();
}

int main(void)
{
    chop_status status;
    chop_stats stats;

#if CHOPALLOC_HAVE_BITMAP
    status = chop_init(&heap, region, sizeof region, bitmap, sizeof bitmap / sizeof bitmap[0]);
    const char *mode = "bitmap mode";
#else
    status = chop_init(&heap, region, sizeof region, NULL, 0);
    const char *mode = "free-list mode (this library was built with --disable-bitmap)";
#endif
    if (status != CHOP_OK)
        die("chop_init", status);

    printf("chopalloc %s fragmentation demo, %s\n", CHOPALLOC_VERSION, mode);
    printf("heap: %zu bytes, aligned to %zu\n", HEAP_BYTES, HEAP_BYTES);
    printf("scale: 1 character = %zu bytes (one minimum block); map width %u characters = %zu bytes\n",
           MB, CELLS, HEAP_BYTES);
    printf("legend: A-Z  a live allocation, over its whole block\n"
           "        |    the first minimum block of a free block\n"
           "        .    the rest of a free block\n");

    printf("\n%2d. fresh heap: one free block covers everything\n", ++step);
    print_ruler();
    draw();

    /* One small block: the whole heap splits in halves down to its size. */
    allocate('A', MB + MB / 2u, 4);
    /* More blocks of mixed sizes; sizes round up to powers of two. */
    allocate('B', 6u * MB + MB / 4u, 4);
    allocate('C', 4u * MB, 4u * MB);
    allocate('D', MB / 2u, 4);
    allocate('E', 13u * MB, 4);
    allocate('F', 8u * MB, 8u * MB);
    allocate('G', 4u * MB - 1u, 4);
    allocate('H', 16u * MB, 4);

    /* Free some: holes appear, and a block merges only with a free buddy. */
    deallocate('B');
    deallocate('G');
    deallocate('C');

    /* Plenty of free bytes, but no free block of 16 minimum blocks. */
    allocate_expecting_oom('I', 16u * MB, 4);

    /* Free the rest: buddies merge back up. */
    size_t d_offset = offset_of(allocs['D' - 'A'].ptr);
    deallocate('D');
    free_again('D', d_offset, allocs['D' - 'A'].size, allocs['D' - 'A'].align);
    deallocate('A');
    deallocate('E');
    deallocate('F');
    deallocate('H');

    chop_get_stats(&heap, &stats);
    if (stats.free_blocks[HEAP_ORDER] != 1u || stats.free_bytes != HEAP_BYTES ||
        stats.live_allocations != 0u || stats.largest_free_block != HEAP_BYTES)
        die_model("the heap is not whole after freeing everything");
    printf("\nsummary: peak %zu of %zu bytes allocated, %zu refused request(s), "
           "%zu live allocation(s)\n",
           stats.peak_allocated_bytes, stats.managed_bytes, stats.failed_requests,
           stats.live_allocations);
    status = chop_check(&heap);
    if (status != CHOP_OK)
        die("chop_check", status);
    printf("fragmentation_demo: heap whole again, chop_check OK\n");
    return EXIT_SUCCESS;
}

#endif /* CHOPALLOC_MAX_ORDER large enough */
