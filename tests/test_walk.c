/*
 * chop_walk(): every block in address order, in bitmap mode and in free-list mode,
 * checked against a model of the blocks the test allocated.
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <string.h>

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

#define ARENA 4096u
static _Alignas(ARENA) unsigned char arena[ARENA];
static uint64_t bitmap[CHOP_BITMAP_WORDS(ARENA)];

static void fresh(chop_heap *heap, int mode, size_t offset, size_t size)
{
    reclaim(arena, sizeof arena);
    chop_status st = chop_init(heap, arena + offset, size, mode == MODE_BITMAP ? bitmap : NULL,
                               mode == MODE_BITMAP ? CHOP_BITMAP_WORDS(ARENA) : 0);
    if (st != CHOP_OK)
        tap_bail_out("chop_init: %s", chop_strerror(st));
}

/* A request of @p size bytes, capped to the largest block (small --with-max-order). */
static size_t capped(size_t size)
{
    return size < LARGEST ? size : LARGEST;
}

/* How many free blocks chop_init() carves the whole arena into: 1 when the largest block
 * holds it, ARENA / LARGEST at small orders. */
static size_t arena_roots(void)
{
    struct carving c;
    size_t n = 0;
    carve((uintptr_t)arena, ARENA, &c);
    for (unsigned k = 0; k < CHOPALLOC_MAX_ORDER; k++)
        n += c.fresh.free_blocks[k];
    return n;
}

/* What a walk saw, in order. */
#define MAX_VISITS 300
struct seen {
    unsigned count;
    uintptr_t block[MAX_VISITS];
    size_t size[MAX_VISITS];
    int allocated[MAX_VISITS];
    unsigned stop_after; /* stop after this many visits; 0: never */
    chop_heap *free_in_visit; /* free each allocated block visited (bitmap mode) */
};

static int record(void *ctx, void *block, size_t size, int allocated)
{
    struct seen *s = ctx;
    if (s->count < MAX_VISITS) {
        s->block[s->count] = (uintptr_t)block;
        s->size[s->count] = size;
        s->allocated[s->count] = allocated;
    }
    s->count++;
    if (s->free_in_visit && allocated)
        chop_free(s->free_in_visit, block);
    return s->stop_after != 0 && s->count >= s->stop_after;
}

static struct seen walk(const chop_heap *heap, chop_status *status)
{
    struct seen s;
    memset(&s, 0, sizeof s);
    *status = chop_walk(heap, record, &s);
    return s;
}

/* The visits tile [start, end) in address order with no gap. */
static int tiles(const struct seen *s, uintptr_t start, uintptr_t end)
{
    uintptr_t at = start;
    for (unsigned i = 0; i < s->count && i < MAX_VISITS; i++) {
        if (s->block[i] != at || s->size[i] == 0)
            return 0;
        at += s->size[i];
    }
    return at == end;
}

/* The visit at addr, or -1. */
static int visit_at(const struct seen *s, const void *addr)
{
    for (unsigned i = 0; i < s->count && i < MAX_VISITS; i++)
        if (s->block[i] == (uintptr_t)addr)
            return (int)i;
    return -1;
}

static void test_fresh_heap(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    chop_status st;

    /* A region of three roots: 64 bytes at offset 64, then 128, then 1024 ... */
    fresh(&heap, mode, 64, 64 + 128 + 256);
    struct carving c;
    carve((uintptr_t)arena + 64, 64 + 128 + 256, &c);
    struct seen s = walk(&heap, &st);
    tap_is_status(st, CHOP_OK, "%s: walk of a fresh heap", m);
    int free_only = 1;
    size_t expect_blocks = 0;
    for (unsigned k = 0; k < CHOPALLOC_MAX_ORDER; k++)
        expect_blocks += c.fresh.free_blocks[k];
    for (unsigned i = 0; i < s.count; i++)
        free_only = free_only && !s.allocated[i];
    tap_ok(tiles(&s, c.start, c.end) && free_only && s.count == expect_blocks,
           "%s: ... visits the %zu carved roots, free, in address order", m, expect_blocks);
    if (LARGEST >= 256u)
        tap_ok(s.count == 3 && s.size[0] == 64 && s.size[1] == 128 && s.size[2] == 256,
               "%s: ... of 64, 128 and 256 bytes", m);
    else
        tap_skip(1, "%s: roots of 64, 128 and 256 bytes need a 256-byte block; the largest is "
                    "%zu bytes", m, (size_t)LARGEST);
}

static void test_allocated_heap(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    chop_status st;

    fresh(&heap, mode, 0, ARENA);
    void *p[6];
    size_t sizes[6] = {capped(16), capped(100), capped(1000), capped(64), capped(300), capped(16)};
    for (int i = 0; i < 6; i++)
        if (chop_try_allocate(&heap, sizes[i], 1, &p[i]) != CHOP_OK)
            tap_bail_out("allocate %zu", sizes[i]);
    chop_try_deallocate(&heap, p[3], sizes[3], 1);

    struct seen s = walk(&heap, &st);
    tap_is_status(st, CHOP_OK, "%s: walk of a heap in use", m);
    tap_ok(tiles(&s, (uintptr_t)arena, (uintptr_t)arena + ARENA),
           "%s: ... the visits tile the heap in address order", m);
    size_t free_seen = 0, free_blocks = 0, allocated_seen = 0;
    for (unsigned i = 0; i < s.count; i++) {
        if (s.allocated[i]) {
            allocated_seen += s.size[i];
        } else {
            free_seen += s.size[i];
            free_blocks++;
        }
    }
    chop_stats stats = stats_of(&heap);
    size_t stat_free_blocks = 0;
    for (unsigned k = 0; k < CHOPALLOC_MAX_ORDER; k++)
        stat_free_blocks += stats.free_blocks[k];
    tap_ok(free_seen == stats.free_bytes && free_blocks == stat_free_blocks &&
               allocated_seen == stats.allocated_bytes,
           "%s: ... free and allocated bytes and the free blocks agree with the stats", m);

    if (mode == MODE_BITMAP) {
        int each = s.count == 5u + stat_free_blocks;
        for (int i = 0; i < 6; i++) {
            int v = visit_at(&s, p[i]);
            if (i == 3)
                each = each && (v < 0 || !s.allocated[v]);
            else
                each = each && v >= 0 && s.allocated[v] &&
                       s.size[v] == pow2(expected_order(sizes[i], 1));
        }
        tap_ok(each, "%s: ... each allocation visited once, with its block size", m);
    } else {
        /* Allocated memory comes as spans between free blocks. */
        int spans = 1;
        for (unsigned i = 0; i + 1 < s.count; i++)
            spans = spans && !(s.allocated[i] && s.allocated[i + 1]);
        for (int i = 0; i < 6; i++) {
            int inside = 0;
            for (unsigned j = 0; j < s.count; j++)
                inside = inside || ((uintptr_t)p[i] >= s.block[j] &&
                                    (uintptr_t)p[i] - s.block[j] < s.size[j] &&
                                    s.allocated[j] == (i != 3));
            spans = spans && inside;
        }
        tap_ok(spans, "%s: ... allocated memory as spans between free blocks, each allocation "
                      "inside one", m);
    }

    /* Stopping early. */
    struct seen stop;
    memset(&stop, 0, sizeof stop);
    stop.stop_after = 2;
    tap_is_status(chop_walk(&heap, record, &stop), CHOP_OK, "%s: a walk stopped by its visitor",
                  m);
    tap_is_int(stop.count, 2, "%s: ... visits no more after the visitor said stop", m);

    tap_is_status(chop_walk(NULL, record, &stop), CHOP_ERR_NULL_ARGUMENT, "%s: NULL heap", m);
    tap_is_status(chop_walk(&heap, NULL, &stop), CHOP_ERR_NULL_ARGUMENT, "%s: NULL visitor", m);
}

/* A visitor that frees what it visits: the walk goes on past merged blocks. */
static void test_visitor_frees(int mode)
{
    const char *m = mode_name(mode);
    chop_heap heap;
    chop_status st;

    fresh(&heap, mode, 0, ARENA);
    void *p[64];
    unsigned n = 0;
    size_t sizes[] = {capped(16), capped(32), capped(16), capped(200),
                      capped(64), capped(16), capped(700), capped(40)};
    for (unsigned i = 0; n < 64; i++) {
        size_t size = sizes[i % (sizeof sizes / sizeof sizes[0])];
        if (chop_try_allocate(&heap, size, 1, &p[n]) != CHOP_OK)
            break;
        n++;
    }
    /* Free every third block, so free neighbours wait to be merged. */
    for (unsigned i = 0; i < n; i += 3)
        chop_try_deallocate(&heap, p[i], sizes[i % (sizeof sizes / sizeof sizes[0])], 1);

    if (mode == MODE_FREELIST) {
        /* chop_free cannot free here; the visitor frees the spans' blocks by size. */
        struct seen s = walk(&heap, &st);
        tap_ok(st == CHOP_OK && tiles(&s, (uintptr_t)arena, (uintptr_t)arena + ARENA),
               "%s: walk before freeing", m);
        for (unsigned i = 0; i < n; i++)
            if (i % 3)
                chop_try_deallocate(&heap, p[i], sizes[i % (sizeof sizes / sizeof sizes[0])], 1);
        s = walk(&heap, &st);
        tap_ok(st == CHOP_OK && s.count == arena_roots() && !s.allocated[0] &&
                   s.size[0] == capped(ARENA) && tiles(&s, (uintptr_t)arena, (uintptr_t)arena + ARENA),
               "%s: ... after freeing all, one free block (per root chop_init carved)", m);
        return;
    }
    /* Without a merge the walk would visit every live block and every free one. */
    chop_stats before = stats_of(&heap);
    size_t unmerged = before.live_allocations;
    for (unsigned k = 0; k < CHOPALLOC_MAX_ORDER; k++)
        unmerged += before.free_blocks[k];
    struct seen s;
    memset(&s, 0, sizeof s);
    s.free_in_visit = &heap;
    tap_is_status(chop_walk(&heap, record, &s), CHOP_OK, "%s: a visitor freeing each block", m);
    chop_stats stats = stats_of(&heap);
    tap_ok(stats.live_allocations == 0 && stats.free_bytes == ARENA && chop_check(&heap) == CHOP_OK,
           "%s: ... frees them all; the heap is whole and sound", m);
    if (TOP_ORDER > CHOP_MIN_ORDER)
        tap_ok(s.count < unmerged,
               "%s: ... in %u visits, fewer than %zu: some blocks merged away", m, s.count,
               unmerged);
    else
        tap_skip(1, "%s: the largest block is the minimum block: no block merges", m);
}

/* A free block merged into one that begins before the cursor, in free-list mode. */
static int free_first_span(void *ctx, void *block, size_t size, int allocated)
{
    chop_heap *heap = ctx;
    (void)size;
    if (allocated)
        chop_try_deallocate(heap, block, 16, 1);
    return 0;
}

static void test_free_list_skip(void)
{
    chop_heap heap;
    fresh(&heap, MODE_FREELIST, 0, ARENA);
    void *a = NULL;
    chop_try_allocate(&heap, 16, 1, &a); /* [a:16][free 16][free 32]... */
    /* The walk visits a's span, whose visitor frees a: a merges with everything
     * after it, so the free block the walk goes on to now begins before it. */
    struct seen s;
    memset(&s, 0, sizeof s);
    tap_is_status(chop_walk(&heap, free_first_span, &heap), CHOP_OK,
                  "free-list: a visitor that frees the first span");
    s = walk(&heap, &(chop_status){CHOP_OK});
    tap_ok(s.count == arena_roots() && s.size[0] == capped(ARENA) &&
               tiles(&s, (uintptr_t)arena, (uintptr_t)arena + ARENA),
           "free-list: ... the heap is one free block (per root chop_init carved)");
}

static void test_corrupted(void)
{
    chop_heap heap;
    fresh(&heap, MODE_BITMAP, 0, ARENA);
    memset(bitmap, 0, sizeof bitmap);
    chop_status st;
    (void)walk(&heap, &st);
    tap_is_status(st, CHOP_ERR_CORRUPTED, "bitmap: a walk over a bitmap with no block starts");
}

int main(void)
{
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        if (!mode_runs(mode))
            continue;
        test_fresh_heap(mode);
        test_allocated_heap(mode);
        test_visitor_frees(mode);
    }
    if (CHOPALLOC_HAVE_FREE_LIST)
        test_free_list_skip();
    else
        tap_skip(2, "free-list mode: library built with --disable-free-list");
    if (CHOPALLOC_HAVE_BITMAP)
        test_corrupted();
    else
        tap_skip(1, "bitmap mode: library built with --disable-bitmap");
    return tap_done();
}
