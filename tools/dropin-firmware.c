/*
 * A firmware built from chopalloc's sources alone, as a project that drops them into
 * its own build does: tools/dropin-check.sh links it with no C library, no start-up
 * code and no libgcc, so the link fails on any call the sources make outside
 * themselves.  Every public function is called, so every source file is linked in.
 * SPDX-License-Identifier: MIT
 */
#include "chopalloc.h"

static chop_heap heap;
static uint64_t region[128]; /* 1 KiB */
static uint64_t region2[128];
static uint64_t region3[128];
static chop_region added;
#if CHOPALLOC_HAVE_BITMAP
static uint64_t bitmap[CHOP_BITMAP_WORDS(sizeof region)];
static uint64_t bitmap3[CHOP_BITMAP_WORDS(sizeof region3)];
#define BITMAP bitmap, sizeof bitmap / sizeof bitmap[0]
#define BITMAP3 bitmap3, sizeof bitmap3 / sizeof bitmap3[0]
#else
#define BITMAP NULL, 0
#define BITMAP3 NULL, 0
#endif

/* Volatile, so that no call is evaluated at build time. */
volatile size_t dropin_size = 24;
volatile size_t dropin_count = 3;
volatile uintptr_t dropin_result;

static int count_blocks(void *ctx, void *block, size_t size, int allocated)
{
    (void)block, (void)size, (void)allocated;
    ++*(size_t *)ctx;
    return 0;
}

static void no_lock(void *ctx)
{
    (void)ctx;
}

static void no_trace(void *ctx, const chop_event *event)
{
    (void)ctx, (void)event;
}

static const chop_hooks hooks = { no_trace, NULL, NULL };

void _start(void);

void _start(void)
{
    chop_stats stats;
    size_t blocks = 0;
    void *block = NULL;
    size_t size = dropin_size;

    chop_heap *inside = NULL;
    dropin_result = chop_init_region(&inside, region2, sizeof region2, CHOPALLOC_HAVE_BITMAP);
    dropin_result = chop_init(&heap, region, sizeof region, BITMAP);
    chop_set_lock(&heap, no_lock, no_lock, NULL);
    chop_set_hooks(&heap, &hooks);
    dropin_result = chop_add_region(&heap, &added, region3, sizeof region3, BITMAP3);
    dropin_result = chop_try_allocate_in(&heap, &added, size, 8, &block);
    dropin_result = chop_pointer_status(&heap, block);
    dropin_result = chop_try_allocate(&heap, size, 8, &block);
    dropin_result = chop_try_reallocate(&heap, &block, size, 2 * size, 8);
    dropin_result = chop_try_deallocate(&heap, block, 2 * size, 8);
    block = chop_calloc(&heap, dropin_count, size);
    dropin_result = chop_usable_size(&heap, block);
    block = chop_realloc(&heap, block, 3 * size);
    dropin_result = chop_try_free(&heap, block);
    chop_free(&heap, chop_malloc(&heap, size));
    dropin_result = chop_walk(&heap, count_blocks, &blocks);
    dropin_result = chop_check(&heap);
    chop_get_stats(&heap, &stats);
    chop_reset_watermarks(&heap);
    dropin_result = stats.free_bytes + blocks + chop_bitmap_words_needed(size) +
                    chop_largest_block_size() + chop_min_block_size() +
                    chop_required_arena(size, size) +
                    (uintptr_t)chop_strerror((chop_status)dropin_result);
    for (;;) {
    }
}
