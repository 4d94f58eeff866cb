/*
 * malloc_style: the malloc family over a static heap, in-place reallocation,
 * a heap walk and lock hooks.
 * SPDX-License-Identifier: MIT
 *
 * A string grows through chop_realloc() (in place while the buddies above it are
 * free), a table comes zeroed from chop_calloc(), every call goes through a lock
 * hook that counts its use, and chop_walk() prints the heap.  In a build with
 * --disable-bitmap the unsized calls are not available and the example says so.
 */
#include <stdio.h>
#include <string.h>

#include "chopalloc.h"

#define HEAP_BYTES 4096u

#define HEAP_ORDER 12 /* HEAP_BYTES = 2^HEAP_ORDER */

#if !CHOPALLOC_HAVE_BITMAP

int main(void)
{
    printf("malloc_style: skipped: chop_free and chop_realloc need the bitmap "
           "(configure without --disable-bitmap)\n");
    return 0;
}

#elif CHOPALLOC_MAX_ORDER - 1 < HEAP_ORDER

int main(void)
{
    printf("malloc_style: skipped: the example needs %u-byte blocks, but this build's "
           "largest block is %zu bytes (configure --with-max-order=%d or more)\n", HEAP_BYTES,
           chop_largest_block_size(), HEAP_ORDER + 1);
    return 0;
}

#else

static chop_heap heap;
static _Alignas(HEAP_BYTES) unsigned char region[HEAP_BYTES];
static uint64_t bitmap[CHOP_BITMAP_WORDS(HEAP_BYTES)];

/* Lock hooks: a firmware build would mask interrupts or take an RTOS mutex here. */
struct lock_state {
    int held;
    unsigned taken;
};

static void lock(void *ctx)
{
    struct lock_state *state = ctx;
    state->held = 1;
    state->taken++;
}

static void unlock(void *ctx)
{
    struct lock_state *state = ctx;
    state->held = 0;
}

static int print_block(void *ctx, void *block, size_t size, int allocated)
{
    const struct lock_state *state = ctx;
    printf("    %+6ld  %5zu bytes  %s%s\n", (long)((unsigned char *)block - region), size,
           allocated ? "allocated" : "free",
           state->held ? "  (lock held: must not happen)" : "");
    return 0;
}

static int fail(const char *what)
{
    printf("malloc_style: %s\n", what);
    return 1;
}

int main(void)
{
    struct lock_state state = {0, 0};
    chop_status st = chop_init(&heap, region, sizeof region, bitmap,
                               sizeof bitmap / sizeof bitmap[0]);
    if (st != CHOP_OK)
        return fail(chop_strerror(st));
    chop_set_lock(&heap, lock, unlock, &state);

    /* A string that grows: chop_realloc keeps its bytes, in place when it can. */
    char *text = chop_malloc(&heap, 16);
    if (!text)
        return fail("chop_malloc failed");
    strcpy(text, "buddy");
    const char *words[] = {" blocks", " split", " and", " merge", " in place"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t need = strlen(text) + strlen(words[i]) + 1u;
        char *grown = chop_realloc(&heap, text, need);
        if (!grown)
            return fail("chop_realloc failed");
        printf("grow to %3zu bytes: %s, block of %zu bytes\n", need,
               grown == text ? "in place" : "moved   ", chop_usable_size(&heap, grown));
        text = grown;
        strcat(text, words[i]);
    }
    printf("text: \"%s\"\n", text);

    /* A zeroed table, and a neighbour that stops the string growing in place. */
    unsigned *table = chop_calloc(&heap, 32, sizeof *table);
    if (!table)
        return fail("chop_calloc failed");
    unsigned sum = 0;
    for (size_t i = 0; i < 32; i++)
        sum += table[i];
    printf("chop_calloc(32, %zu): %zu-byte block, sum of entries %u\n", sizeof *table,
           chop_usable_size(&heap, table), sum);

    char *longer = chop_realloc(&heap, text, 300);
    if (!longer)
        return fail("chop_realloc failed");
    printf("grow to 300 bytes: %s; text still \"%.5s...\"\n",
           longer == text ? "in place" : "moved, contents copied", longer);
    text = longer;

    /* What the C library would not tell you: why a free is refused. */
    st = chop_try_free(&heap, text + 1);
    printf("chop_try_free(text + 1): %s\n", chop_strerror(st));

    printf("the heap, by chop_walk():\n");
    chop_walk(&heap, print_block, &state);

    chop_free(&heap, table);
    chop_free(&heap, text);
    chop_free(&heap, NULL); /* like free(NULL): nothing */

    chop_stats stats;
    chop_get_stats(&heap, &stats);
    printf("lock taken %u times; %zu of %zu bytes free, %zu live allocation(s)\n", state.taken,
           stats.free_bytes, stats.managed_bytes, stats.live_allocations);
    if (chop_check(&heap) != CHOP_OK || stats.live_allocations != 0 ||
        stats.free_bytes != stats.managed_bytes)
        return fail("the heap is not whole again");
    printf("malloc_style: heap whole again, chop_check OK\n");
    return 0;
}

#endif
