/*
 * Several regions in one heap: chop_add_region() and chop_try_allocate_in().
 * SPDX-License-Identifier: MIT
 *
 * Each added region is carved by chop_init() into a heap of its own, its descriptor,
 * chained from the heap's next_region (R1, internal.h).  The heap's path then runs
 * every call in the region it concerns (H1); the plain path, which knows one region,
 * is never taken again.
 */
#include "internal.h"

/* The memory a region of the heap owns: its range, its bitmap and its descriptor. */
typedef struct footprint {
    uintptr_t at[3];
    size_t bytes[3];
} footprint;

static footprint footprint_of(const chop_heap *region)
{
    size_t span = (size_t)(region->end - region->start);
    footprint f = { { region->start, (uintptr_t)region->bitmap, (uintptr_t)region },
                    { span, region->bitmap ? CHOP_BITMAP_WORDS(span) * sizeof(uint64_t) : 0u,
                      sizeof *region } };
    return f;
}

static int footprints_overlap(const footprint *a, const footprint *b)
{
    for (unsigned i = 0; i < 3u; i++)
        for (unsigned j = 0; j < 3u; j++)
            if (chopi_overlaps(a->at[i], a->bytes[i], b->at[j], b->bytes[j]))
                return 1;
    return 0;
}

/*
 * The checks of a new region beyond chop_init()'s (which come first, so that a region
 * is refused as chop_init() would refuse it): its mode is the heap's, and its memory,
 * bitmap and descriptor overlap nothing of the heap's (R1).
 */
static chop_status check_new_region(const chop_heap *heap, const chop_region *region,
                                    const void *memory, size_t size, const uint64_t *bitmap,
                                    size_t bitmap_words)
{
    chop_status status = chopi_check_init(&region->blocks, memory, size, bitmap, bitmap_words);
    if (status != CHOP_OK)
        return status;
    if (chopi_has_bitmap(heap) ? !bitmap : bitmap != NULL)
        return bitmap ? CHOP_ERR_BITMAP_UNSUPPORTED : CHOP_ERR_FREE_LIST_UNSUPPORTED;
    /* chop_init() checked that neither range wraps. */
    footprint added = { { (uintptr_t)memory, (uintptr_t)bitmap, (uintptr_t)region },
                        { size, bitmap ? CHOP_BITMAP_WORDS(size) * sizeof *bitmap : 0u,
                          sizeof *region } };
    for (const chop_heap *old = heap; old; old = old->next_region) {
        footprint have = footprint_of(old);
        if (footprints_overlap(&added, &have))
            return CHOP_ERR_BAD_REGION;
    }
    return CHOP_OK;
}

chop_status chop_add_region(chop_heap *heap, chop_region *region, void *memory, size_t size,
                            uint64_t *bitmap, size_t bitmap_words)
{
    if (!heap || !region)
        return CHOP_ERR_NULL_ARGUMENT;
    chopi_lock(heap);
    chop_status status = check_new_region(heap, region, memory, size, bitmap, bitmap_words);
    if (status == CHOP_OK) {
        (void)chop_init(&region->blocks, memory, size, bitmap, bitmap_words); /* checked */
        chop_heap **link = &heap->next_region;
        while (*link)
            link = &(*link)->next_region;
        *link = &region->blocks;
        if (!heap->hooks) /* with hooks, their path already covers the regions (H1) */
            heap->path = chopi_untraced_path(heap);
    }
    chopi_unlock(heap);
    return status;
}

chop_status chop_try_allocate_in(chop_heap *heap, chop_region *region, size_t size,
                                 size_t align, void **out)
{
    if (!out)
        return CHOP_ERR_NULL_ARGUMENT;
    *out = NULL;
    if (!heap)
        return CHOP_ERR_NULL_ARGUMENT;
    const void *caller = CHOPI_CALLER();
    chop_heap *target = region ? &region->blocks : heap;
    chop_status status = CHOP_ERR_BAD_REGION;
    int fail = chopi_fail(heap, size, align);
    chopi_lock(heap);
    for (const chop_heap *member = heap; member; member = member->next_region)
        if (member == target)
            status = CHOP_OK;
    if (status == CHOP_OK && fail) {
        target->failed_requests++; /* refused as a full region would be (R2) */
        status = CHOP_ERR_OUT_OF_MEMORY;
    } else if (status == CHOP_OK) {
        status = chopi_allocate(target, size, align, out);
        if (status == CHOP_OK)
            chopi_note_whole_peak(heap);
    }
    chopi_unlock(heap);
    chopi_report(heap, CHOP_EVENT_ALLOCATE, status, *out, NULL, size,
                 chopi_layout_block(size, align), 0, caller);
    return status;
}
