/*
 * chop_add_region() and chop_try_allocate_in(): several regions in one heap.  Every
 * refused addition changes nothing; blocks of adjacent regions never merge; the
 * allocation takes the smallest block of any region; every call works on pointers of
 * any region, with the same refusals; statistics, chop_check() and chop_walk() cover
 * all regions; the lock and the hooks see every call.
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <string.h>

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

#define REGION 512u
/* Two regions side by side, buddies of one node of 2 * REGION were they one heap. */
static _Alignas(2 * REGION) unsigned char pair[2 * REGION];
static _Alignas(REGION) unsigned char third[REGION];
static uint64_t bitmap_a[CHOP_BITMAP_WORDS(REGION)];
static uint64_t bitmap_b[CHOP_BITMAP_WORDS(REGION)];
static uint64_t bitmap_c[CHOP_BITMAP_WORDS(REGION)];
static uint64_t bitmap_small[1];

static chop_heap heap;
static chop_region region_b, region_c, stranger;

#define OWN (pair)
#define IN_B (pair + REGION)

static uint64_t *bitmap_for(int mode, uint64_t *bitmap)
{
    return mode == MODE_BITMAP ? bitmap : NULL;
}

static size_t words_for(int mode)
{
    return mode == MODE_BITMAP ? CHOP_BITMAP_WORDS(REGION) : 0u;
}

/* A heap over the first half of pair, with (if asked) the second half and third. */
static void build(int mode, int regions)
{
    chop_status s = chop_init(&heap, OWN, REGION, bitmap_for(mode, bitmap_a), words_for(mode));
    if (s == CHOP_OK && regions >= 1)
        s = chop_add_region(&heap, &region_b, IN_B, REGION, bitmap_for(mode, bitmap_b),
                            words_for(mode));
    if (s == CHOP_OK && regions >= 2)
        s = chop_add_region(&heap, &region_c, third, REGION, bitmap_for(mode, bitmap_c),
                            words_for(mode));
    if (s != CHOP_OK)
        tap_bail_out("%s: building the heap: %s", mode_name(mode), tap_status_name(s));
}

static int within(const void *p, const unsigned char *start, size_t size)
{
    return (uintptr_t)p - (uintptr_t)start < size;
}

/* The heap's bytes, its statistics and chop_check(), to compare after a refusal. */
struct snapshot {
    chop_heap bytes;
    chop_stats stats;
};

static struct snapshot snap(void)
{
    struct snapshot s;
    memcpy(&s.bytes, &heap, sizeof heap);
    s.stats = stats_of(&heap);
    return s;
}

static int same_as(const struct snapshot *before)
{
    chop_stats now = stats_of(&heap);
    return memcmp(&before->bytes, &heap, sizeof heap) == 0 &&
           memcmp(&before->stats, &now, sizeof now) == 0 && chop_check(&heap) == CHOP_OK;
}

static void refused_add(int mode, chop_heap *h, chop_region *r, void *memory, size_t size,
                        uint64_t *bitmap, size_t words, chop_status want, const char *what)
{
    struct snapshot before = snap();
    chop_region pristine;
    int readable = r == &stranger;
    if (readable)
        memset(&stranger, HEAP_FILL, sizeof stranger);
    memcpy(&pristine, &stranger, sizeof pristine);
    chop_status got = chop_add_region(h, r, memory, size, bitmap, words);
    int untouched = same_as(&before) && (!readable || memcmp(&pristine, &stranger, sizeof pristine) == 0);
    tap_ok(got == want && untouched, "%s: chop_add_region, %s -> %s (want %s), heap and descriptor unchanged",
           mode_name(mode), what, tap_status_name(got), tap_status_name(want));
}

static void test_refusals(int mode)
{
    int bm = mode == MODE_BITMAP;
    build(mode, 1);
    refused_add(mode, NULL, &stranger, third, REGION, bitmap_for(mode, bitmap_c), words_for(mode),
                CHOP_ERR_NULL_ARGUMENT, "NULL heap");
    refused_add(mode, &heap, NULL, third, REGION, bitmap_for(mode, bitmap_c), words_for(mode),
                CHOP_ERR_NULL_ARGUMENT, "NULL region");
    refused_add(mode, &heap, &stranger, NULL, REGION, bitmap_for(mode, bitmap_c), words_for(mode),
                CHOP_ERR_BAD_REGION, "NULL memory");
    refused_add(mode, &heap, &stranger, third, 1, bitmap_for(mode, bitmap_c), words_for(mode),
                CHOP_ERR_BAD_REGION, "one byte");
    refused_add(mode, &heap, &stranger, addr(UINTPTR_MAX - 63u), REGION, bitmap_for(mode, bitmap_c),
                words_for(mode), CHOP_ERR_BAD_REGION, "a region that wraps");
    refused_add(mode, &heap, &stranger, OWN + 64, 64, bitmap_for(mode, bitmap_c), words_for(mode),
                CHOP_ERR_BAD_REGION, "memory inside the heap's own region");
    refused_add(mode, &heap, &stranger, IN_B + REGION - 8, 64 + 8, bitmap_for(mode, bitmap_c),
                words_for(mode), CHOP_ERR_BAD_REGION, "memory overlapping an added region");
    refused_add(mode, &heap, &stranger, addr((uintptr_t)&heap + 64u), 128, bitmap_for(mode, bitmap_c),
                words_for(mode), CHOP_ERR_BAD_REGION, "memory over the heap structure");
    refused_add(mode, &heap, &stranger, addr((uintptr_t)&region_b - 64u), 128,
                bitmap_for(mode, bitmap_c), words_for(mode), CHOP_ERR_BAD_REGION,
                "memory over an added region's descriptor");
    refused_add(mode, &heap, &region_b, third, REGION, bitmap_for(mode, bitmap_c), words_for(mode),
                CHOP_ERR_BAD_REGION, "a region added twice");
    refused_add(mode, &heap, (chop_region *)(void *)&heap, third, REGION,
                bitmap_for(mode, bitmap_c), words_for(mode), CHOP_ERR_BAD_REGION,
                "the heap as the descriptor");
    refused_add(mode, &heap, (chop_region *)(void *)(IN_B + 64), third, REGION,
                bitmap_for(mode, bitmap_c), words_for(mode), CHOP_ERR_BAD_REGION,
                "a descriptor inside an added region");
    if (bm) {
        refused_add(mode, &heap, &stranger, third, REGION, NULL, 0,
                    CHOP_ERR_FREE_LIST_UNSUPPORTED, "no bitmap for a heap in bitmap mode");
        refused_add(mode, &heap, &stranger, third, REGION, bitmap_small, 0,
                    CHOP_ERR_BITMAP_TOO_SMALL, "a bitmap too small");
        refused_add(mode, &heap, &stranger, third, REGION, bitmap_a, CHOP_BITMAP_WORDS(REGION),
                    CHOP_ERR_BAD_REGION, "the heap's own bitmap");
        refused_add(mode, &heap, &stranger, third, REGION, bitmap_b, CHOP_BITMAP_WORDS(REGION),
                    CHOP_ERR_BAD_REGION, "an added region's bitmap");
        refused_add(mode, &heap, &stranger, third, REGION, (uint64_t *)(void *)IN_B,
                    CHOP_BITMAP_WORDS(REGION), CHOP_ERR_BAD_REGION,
                    "a bitmap inside an added region");
    } else {
        refused_add(mode, &heap, &stranger, third, REGION, bitmap_c, CHOP_BITMAP_WORDS(REGION),
                    CHOP_ERR_BITMAP_UNSUPPORTED,
                    "a bitmap for a heap in free-list mode");
        tap_skip(4, "bitmap refusals: free-list mode");
    }
    /* After all those refusals, a third region is taken. */
    chop_status s = chop_add_region(&heap, &region_c, third, REGION, bitmap_for(mode, bitmap_c),
                                    words_for(mode));
    chop_stats st = stats_of(&heap);
    tap_ok(s == CHOP_OK && st.managed_bytes == 3u * REGION && st.free_bytes == 3u * REGION &&
               chop_check(&heap) == CHOP_OK,
           "%s: a third region: %s, 3 regions managed, all free, sound", mode_name(mode),
           tap_status_name(s));
}

/* Adjacent regions: buddies by address, yet never merged. */
static void test_no_merge(int mode)
{
    if (!block_exists(2u * REGION, 4, "merging two regions' blocks"))
        return;
    build(mode, 1);
    unsigned k = expected_order(REGION, 1);
    chop_stats st = stats_of(&heap);
    void *whole = NULL, *p = NULL, *q = NULL, *r = NULL;
    chop_status s = chop_try_allocate(&heap, 2u * REGION, 1, &whole);
    tap_ok(st.largest_free_block == REGION && st.free_blocks[k] == 2 &&
               s == CHOP_ERR_OUT_OF_MEMORY && whole == NULL && stats_of(&heap).failed_requests == 1,
           "%s: two adjacent regions: two free blocks of %u bytes, none of %u (%s)",
           mode_name(mode), REGION, 2u * REGION, tap_status_name(s));
    s = chop_try_allocate(&heap, REGION, 1, &p);
    chop_status s2 = chop_try_allocate(&heap, REGION, 1, &q);
    chop_status s3 = chop_try_allocate(&heap, REGION, 1, &r);
    tap_ok(s == CHOP_OK && s2 == CHOP_OK && s3 == CHOP_ERR_OUT_OF_MEMORY && p == OWN && q == IN_B,
           "%s: a region each, the heap's own first; a third is refused", mode_name(mode));
    s = chop_try_deallocate(&heap, p, REGION, 1);
    s2 = chop_try_deallocate(&heap, q, REGION, 1);
    st = stats_of(&heap);
    tap_ok(s == CHOP_OK && s2 == CHOP_OK && st.largest_free_block == REGION &&
               st.free_blocks[k] == 2 && st.free_bytes == 2u * REGION && chop_check(&heap) == CHOP_OK,
           "%s: freed, the buddies across the regions' border stay apart", mode_name(mode));
    s = chop_try_allocate(&heap, 2u * REGION, 1, &whole);
    tap_is_status(s, CHOP_ERR_OUT_OF_MEMORY, "%s: still no block of %u bytes", mode_name(mode),
                  2u * REGION);
}

/* The smallest free block that fits, in any region; ties to the region added first. */
static void test_best_fit(int mode)
{
    if (!block_exists(REGION, 4, "blocks of a whole region"))
        return;
    build(mode, 2);
    void *tie = NULL, *half = NULL, *fit = NULL, *next = NULL;
    chop_status s = chop_try_allocate(&heap, 1, 1, &tie);
    tap_ok(s == CHOP_OK && tie == OWN, "%s: equal blocks everywhere: the heap's own region",
           mode_name(mode));
    (void)chop_try_deallocate(&heap, tie, 1, 1);
    /* The own region keeps a block of REGION/2 free; the others, REGION. */
    s = chop_try_allocate_in(&heap, NULL, REGION / 2u, 1, &half);
    chop_status s2 = chop_try_allocate(&heap, REGION / 2u - 1u, 1, &fit);
    chop_status s3 = chop_try_allocate(&heap, REGION / 2u, 1, &next);
    tap_ok(s == CHOP_OK && s2 == CHOP_OK && s3 == CHOP_OK && within(half, OWN, REGION) &&
               within(fit, OWN, REGION) && within(next, IN_B, REGION),
           "%s: the own region's half block fits best; the next comes from the second region",
           mode_name(mode));
    void *c = NULL;
    s = chop_try_allocate_in(&heap, &region_b, REGION / 2u, 1, &c);
    void *d = NULL;
    s2 = chop_try_allocate(&heap, REGION / 4u, 1, &d);
    tap_ok(s == CHOP_OK && within(c, IN_B, REGION) && s2 == CHOP_OK && within(d, third, REGION) &&
               chop_check(&heap) == CHOP_OK,
           "%s: with the first two regions full, the third", mode_name(mode));
    /* A smaller block in a later region beats a larger one in an earlier region. */
    build(mode, 2);
    (void)chop_try_allocate_in(&heap, &region_b, REGION / 2u, 1, &half);
    s = chop_try_allocate(&heap, REGION / 2u, 1, &fit);
    tap_ok(s == CHOP_OK && fit == IN_B + REGION / 2u,
           "%s: the second region's half block, not the heap's own whole one", mode_name(mode));
}

/* Every call on a pointer works in any region, with the same refusals. */
static void test_pointers(int mode)
{
    int bm = mode == MODE_BITMAP;
    if (!block_exists(8u * MIN_BLOCK, 10, "blocks of 8 minimum blocks"))
        return;
    build(mode, 2);
    void *p = NULL, *q = NULL;
    chop_status s = chop_try_allocate_in(&heap, &region_c, 3u * MIN_BLOCK, 1, &p);
    chop_status s2 = chop_try_allocate_in(&heap, &region_b, MIN_BLOCK, 1, &q);
    tap_ok(s == CHOP_OK && s2 == CHOP_OK && within(p, third, REGION) && within(q, IN_B, REGION),
           "%s: blocks in the second and third regions", mode_name(mode));
    fill(p, 3u * MIN_BLOCK, 7);
    struct snapshot before = snap();
    int stack_object = 0;
    struct {
        void *ptr;
        size_t size;
        chop_status want;
        const char *what;
    } bad[] = {
        { (unsigned char *)p + MIN_BLOCK, MIN_BLOCK, CHOP_ERR_INTERIOR_POINTER,
          "inside a block of the third region" },
        { (unsigned char *)p + 1, 1, CHOP_ERR_MISALIGNED, "misaligned, third region" },
        { p, 8u * MIN_BLOCK, CHOP_ERR_SIZE_MISMATCH, "the wrong size, third region" },
        { (unsigned char *)q + MIN_BLOCK, MIN_BLOCK, CHOP_ERR_DOUBLE_FREE,
          "free memory of the second region" },
        { &stack_object, MIN_BLOCK, CHOP_ERR_OUTSIDE_HEAP, "outside every region" },
        { bitmap_small, MIN_BLOCK, CHOP_ERR_OUTSIDE_HEAP, "another static object" },
    };
    if (!bm) { /* free-list mode sees what the free blocks show (README) */
        bad[0].ptr = (unsigned char *)p + 4u * MIN_BLOCK; /* the free buddy above */
        bad[0].size = 4u * MIN_BLOCK;
        bad[0].want = CHOP_ERR_DOUBLE_FREE;
        bad[0].what = "free memory of the third region";
        bad[2].want = CHOP_ERR_SIZE_MISMATCH;
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = chop_try_deallocate(&heap, bad[i].ptr, bad[i].size, 1);
        tap_ok(s == bad[i].want && same_as(&before), "%s: sized free, %s -> %s (want %s), unchanged",
               mode_name(mode), bad[i].what, tap_status_name(s), tap_status_name(bad[i].want));
    }
    if (bm) {
        s = chop_try_free(&heap, (unsigned char *)p + MIN_BLOCK);
        s2 = chop_pointer_status(&heap, p);
        tap_ok(s == CHOP_ERR_INTERIOR_POINTER && s2 == CHOP_OK &&
                   chop_usable_size(&heap, p) == 4u * MIN_BLOCK &&
                   chop_usable_size(&heap, q) == MIN_BLOCK && same_as(&before),
               "%s: unsized free, pointer status and usable size in any region", mode_name(mode));
    } else {
        tap_ok(chop_usable_size(&heap, p) == 0 &&
                   chop_pointer_status(&heap, p) == CHOP_ERR_NEEDS_BITMAP && same_as(&before),
               "%s: no sizes recorded, in any region", mode_name(mode));
    }
    tap_ok(verify(p, 3u * MIN_BLOCK, 7), "%s: the block kept its contents", mode_name(mode));
    s = chop_try_deallocate(&heap, p, 3u * MIN_BLOCK, 1);
    s2 = bm ? chop_try_free(&heap, q) : chop_try_deallocate(&heap, q, MIN_BLOCK, 1);
    chop_status again = chop_try_deallocate(&heap, q, MIN_BLOCK, 1);
    chop_stats st = stats_of(&heap);
    tap_ok(s == CHOP_OK && s2 == CHOP_OK && again == CHOP_ERR_DOUBLE_FREE &&
               st.free_bytes == st.managed_bytes && st.live_allocations == 0 &&
               chop_check(&heap) == CHOP_OK,
           "%s: both freed, then a double free refused: all free again", mode_name(mode));
}

static void test_allocate_in(int mode)
{
    build(mode, 1);
    void *p = addr(1), *q = NULL;
    chop_status s = chop_try_allocate_in(&heap, NULL, 1, 1, &p);
    chop_status s2 = chop_try_allocate_in(&heap, &region_b, 1, 1, &q);
    tap_ok(s == CHOP_OK && s2 == CHOP_OK && within(p, OWN, REGION) && within(q, IN_B, REGION),
           "%s: NULL is the heap's own region; a region, its own", mode_name(mode));
    struct snapshot before = snap();
    void *r = addr(1);
    s = chop_try_allocate_in(&heap, &stranger, 1, 1, &r);
    tap_ok(s == CHOP_ERR_BAD_REGION && r == NULL && same_as(&before),
           "%s: a region not added -> %s, out NULL, unchanged", mode_name(mode), tap_status_name(s));
    s = chop_try_allocate_in(&heap, &region_b, 1, 1, NULL);
    s2 = chop_try_allocate_in(NULL, &region_b, 1, 1, &r);
    tap_ok(s == CHOP_ERR_NULL_ARGUMENT && s2 == CHOP_ERR_NULL_ARGUMENT && r == NULL &&
               same_as(&before),
           "%s: NULL out or heap -> NULL_ARGUMENT", mode_name(mode));
    s = chop_try_allocate_in(&heap, &region_b, 0, 1, &r);
    tap_ok(s == CHOP_ERR_INVALID_LAYOUT && stats_of(&heap).failed_requests == 1,
           "%s: a bad layout is refused as by chop_try_allocate, and counted", mode_name(mode));
    /* Fill the second region: it refuses, though the heap's own has room. */
    (void)chop_try_deallocate(&heap, q, 1, 1);
    size_t took = 0;
    while (chop_try_allocate_in(&heap, &region_b, 1, 1, &r) == CHOP_OK)
        took++;
    chop_stats st = stats_of(&heap);
    tap_ok(took == REGION / MIN_BLOCK && r == NULL && st.failed_requests == 2 &&
               st.free_bytes == REGION - MIN_BLOCK,
           "%s: the second region gives %zu minimum blocks, then refuses with the heap not full",
           mode_name(mode), took);
    chop_heap plain;
    chop_status init = chop_init(&plain, third, REGION, bitmap_for(mode, bitmap_c), words_for(mode));
    s = chop_try_allocate_in(&plain, NULL, 1, 1, &r);
    s2 = chop_try_allocate_in(&plain, &region_b, 1, 1, &q);
    tap_ok(init == CHOP_OK && s == CHOP_OK && within(r, third, REGION) &&
               s2 == CHOP_ERR_BAD_REGION && q == NULL,
           "%s: a heap of one region: NULL allocates, another heap's region is refused",
           mode_name(mode));
}

static void test_resize(int mode)
{
    if (!block_exists(REGION, 4, "resizing to a whole region"))
        return;
    build(mode, 1);
    void *p = NULL;
    (void)chop_try_allocate_in(&heap, &region_b, 64, 1, &p);
    fill(p, 64, 3);
    void *was = p;
    chop_status s = chop_try_reallocate(&heap, &p, 64, 128, 1);
    tap_ok(s == CHOP_OK && p == was && verify(p, 64, 3) && chop_check(&heap) == CHOP_OK,
           "%s: grown in place in its region", mode_name(mode));
    s = chop_try_reallocate(&heap, &p, 128, 32, 1);
    tap_ok(s == CHOP_OK && p == was && stats_of(&heap).allocated_bytes == 32 &&
               chop_check(&heap) == CHOP_OK,
           "%s: shrunk in place in its region", mode_name(mode));
    /* With the upper half of its region taken, p cannot grow to REGION: it moves. */
    void *upper = NULL;
    (void)chop_try_allocate_in(&heap, &region_b, REGION / 2u, 1, &upper);
    s = chop_try_reallocate(&heap, &p, 32, REGION, 1);
    chop_stats st = stats_of(&heap);
    tap_ok(s == CHOP_OK && p == OWN && verify(p, 32, 3) && upper == IN_B + REGION / 2u &&
               st.allocated_bytes == REGION + REGION / 2u && st.live_allocations == 2 &&
               st.peak_allocated_bytes == REGION + REGION / 2u + 32u &&
               chop_check(&heap) == CHOP_OK,
           "%s: moved to the other region, contents kept, old block freed, peak %zu",
           mode_name(mode), st.peak_allocated_bytes);
    was = p;
    struct snapshot before = snap();
    s = chop_try_reallocate(&heap, &p, REGION, REGION + 1u, 1);
    chop_stats want = before.stats;
    want.failed_requests++;
    st = stats_of(&heap);
    tap_ok(s == (2u * REGION <= LARGEST ? CHOP_ERR_OUT_OF_MEMORY : CHOP_ERR_TOO_LARGE) &&
               p == was && verify(p, 32, 3) && memcmp(&st, &want, sizeof st) == 0 &&
               chop_check(&heap) == CHOP_OK,
           "%s: no room in any region -> %s, block and heap unchanged but the count",
           mode_name(mode), tap_status_name(s));
}

static void test_stats(int mode)
{
    if (!block_exists(REGION / 2u, 3, "half-region blocks"))
        return;
    build(mode, 2);
    chop_stats st = stats_of(&heap);
    tap_ok(st.managed_bytes == 3u * REGION && st.unusable_bytes == 0 &&
               st.free_bytes == 3u * REGION && st.free_blocks[expected_order(REGION, 1)] ==
                   (REGION <= LARGEST ? 3u : 0u),
           "%s: three regions: managed and free bytes and blocks added up", mode_name(mode));
    void *a = NULL, *b = NULL, *c = NULL;
    (void)chop_try_allocate_in(&heap, NULL, REGION / 2u, 1, &a);
    (void)chop_try_allocate_in(&heap, &region_b, REGION / 2u, 1, &b);
    (void)chop_try_deallocate(&heap, a, REGION / 2u, 1);
    (void)chop_try_allocate_in(&heap, &region_c, REGION / 4u, 1, &c);
    (void)chop_try_allocate(&heap, 0, 1, &a);                       /* refused by the heap */
    (void)chop_try_allocate_in(&heap, &region_c, REGION, 2u * REGION, &a); /* by a region */
    st = stats_of(&heap);
    tap_ok(st.allocated_bytes == REGION / 2u + REGION / 4u && st.live_allocations == 2 &&
               st.peak_allocated_bytes == REGION && st.failed_requests == 2,
           "%s: peak of the whole heap (%zu), refusals of the heap and its regions (%zu)",
           mode_name(mode), st.peak_allocated_bytes, st.failed_requests);
    chop_reset_watermarks(&heap);
    st = stats_of(&heap);
    tap_ok(st.peak_allocated_bytes == REGION / 2u + REGION / 4u && st.failed_requests == 0,
           "%s: watermarks restart over all regions", mode_name(mode));
}

struct tally {
    size_t blocks, bytes, in_order;
    const unsigned char *last_region;
    uintptr_t last;
};

static const unsigned char *region_start_of(const void *p)
{
    return within(p, OWN, REGION) ? OWN : within(p, IN_B, REGION) ? IN_B
                                                                  : within(p, third, REGION) ? third : NULL;
}

static int count_block(void *ctx, void *block, size_t size, int allocated)
{
    struct tally *t = ctx;
    const unsigned char *in = region_start_of(block);
    (void)allocated;
    t->blocks++;
    t->bytes += size;
    /* In the order added, and by address within each. */
    int order_ok = in && (in == t->last_region ? (uintptr_t)block >= t->last
                          : (t->last_region == NULL && in == OWN) ||
                                (t->last_region == OWN && in == IN_B) ||
                                (t->last_region == IN_B && in == third));
    t->in_order += (size_t)order_ok;
    t->last_region = in;
    t->last = (uintptr_t)block + size;
    return 0;
}

static int free_visited(void *ctx, void *block, size_t size, int allocated)
{
    (void)size;
    if (allocated)
        (void)chop_try_free(ctx, block);
    return 0;
}

static void test_walk(int mode)
{
    build(mode, 2);
    void *p[3] = { NULL, NULL, NULL };
    (void)chop_try_allocate_in(&heap, &region_c, 40, 1, &p[0]);
    (void)chop_try_allocate_in(&heap, NULL, 8, 1, &p[1]);
    (void)chop_try_allocate_in(&heap, &region_b, 100, 1, &p[2]);
    struct tally t = { 0, 0, 0, NULL, 0 };
    chop_status s = chop_walk(&heap, count_block, &t);
    tap_ok(s == CHOP_OK && t.bytes == 3u * REGION && t.in_order == t.blocks &&
               t.last_region == third,
           "%s: the walk covers every region, in the order added (%zu blocks)", mode_name(mode),
           t.blocks);
    if (mode == MODE_BITMAP) {
        s = chop_walk(&heap, free_visited, &heap);
        chop_stats st = stats_of(&heap);
        tap_ok(s == CHOP_OK && st.live_allocations == 0 && st.free_bytes == 3u * REGION &&
                   chop_check(&heap) == CHOP_OK,
               "%s: a visitor frees every block of every region", mode_name(mode));
    } else {
        tap_skip(1, "free-list mode: the walk's spans are not blocks to free");
    }
}

struct counter {
    int depth, max_depth, calls;
    unsigned events, in_regions;
};

static void lock(void *ctx)
{
    struct counter *c = ctx;
    if (++c->depth > c->max_depth)
        c->max_depth = c->depth;
    c->calls++;
}

static void unlock(void *ctx)
{
    ((struct counter *)ctx)->depth--;
}

static struct counter seen;

static void trace(void *ctx, const chop_event *event)
{
    (void)ctx;
    seen.events++;
    seen.in_regions += event->kind == CHOP_EVENT_ALLOCATE && event->status == CHOP_OK &&
                       (within(event->ptr, IN_B, REGION) ||
                                                    within(event->ptr, third, REGION));
}

static int fail_all(void *ctx, size_t size, size_t align)
{
    (void)ctx, (void)size, (void)align;
    return 1;
}

static void test_lock_and_hooks(int mode)
{
    if (!block_exists(REGION, 4, "blocks of a whole region"))
        return;
    memset(&seen, 0, sizeof seen);
    chop_status s = chop_init(&heap, OWN, REGION, bitmap_for(mode, bitmap_a), words_for(mode));
    chop_set_lock(&heap, lock, unlock, &seen);
    s = s == CHOP_OK ? chop_add_region(&heap, &region_b, IN_B, REGION, bitmap_for(mode, bitmap_b),
                                       words_for(mode))
                     : s;
    int calls = seen.calls;
    void *p = NULL, *q = NULL;
    (void)chop_try_allocate_in(&heap, &region_b, 8, 1, &p);
    (void)chop_try_allocate(&heap, REGION, 1, &q);
    (void)chop_try_deallocate(&heap, p, 8, 1);
    (void)chop_try_deallocate(&heap, q, REGION, 1);
    (void)chop_check(&heap);
    tap_ok(s == CHOP_OK && calls == 1 && seen.calls == 6 && seen.depth == 0 &&
               seen.max_depth == 1,
           "%s: with a lock: the addition and each call take it once (%d calls)",
           mode_name(mode), seen.calls);
    chop_set_lock(&heap, NULL, NULL, NULL);
    s = chop_try_allocate_in(&heap, &region_b, 8, 1, &p);
    tap_ok(s == CHOP_OK && within(p, IN_B, REGION) && seen.calls == 6 &&
               chop_try_deallocate(&heap, p, 8, 1) == CHOP_OK,
           "%s: lock removed, the regions stay", mode_name(mode));
    chop_hooks hooks = { trace, NULL, NULL };
    chop_set_hooks(&heap, &hooks);
    void *r = NULL;
    (void)chop_try_allocate_in(&heap, &region_b, 8, 1, &p);
    (void)chop_try_allocate(&heap, REGION, 1, &q); /* the heap's own region */
    (void)chop_try_deallocate(&heap, p, 8, 1);
    (void)chop_try_allocate(&heap, REGION, 1, &r); /* the second region: the first is taken */
    (void)chop_try_deallocate(&heap, q, REGION, 1);
    unsigned events = seen.events, in_regions = seen.in_regions;
    hooks.fail = fail_all;
    s = chop_try_allocate_in(&heap, &region_b, 8, 1, &p);
    tap_ok(events == 5 && in_regions == 2 && q == OWN && r == IN_B && seen.events == 6 &&
               s == CHOP_ERR_OUT_OF_MEMORY && p == NULL,
           "%s: with hooks: calls in any region traced, the fault hook fails chop_try_allocate_in",
           mode_name(mode));
    chop_set_hooks(&heap, NULL);
    s = chop_try_deallocate(&heap, r, REGION, 1);
    tap_ok(s == CHOP_OK && seen.events == 6 && stats_of(&heap).live_allocations == 0,
           "%s: hooks removed, the regions stay", mode_name(mode));
}

/* A region added to a heap that has hooks already: its calls are traced too. */
static void test_hooks_first(int mode)
{
    memset(&seen, 0, sizeof seen);
    chop_hooks hooks = { trace, NULL, NULL };
    chop_status s = chop_init(&heap, OWN, REGION, bitmap_for(mode, bitmap_a), words_for(mode));
    chop_set_hooks(&heap, &hooks);
    if (s == CHOP_OK)
        s = chop_add_region(&heap, &region_c, third, REGION, bitmap_for(mode, bitmap_c),
                            words_for(mode));
    void *p = NULL;
    chop_status s2 = chop_try_allocate_in(&heap, &region_c, 8, 1, &p);
    chop_status s3 = chop_try_deallocate(&heap, p, 8, 1);
    tap_ok(s == CHOP_OK && s2 == CHOP_OK && s3 == CHOP_OK && within(p, third, REGION) &&
               seen.events == 2 && seen.in_regions == 1,
           "%s: a region added after the hooks: its allocate and free are traced",
           mode_name(mode));
    chop_set_hooks(&heap, NULL);
}

static void test_check_and_init(int mode)
{
    build(mode, 2);
    chop_heap *b = &region_b.blocks, *c = &region_c.blocks;
    c->next_region = b; /* a chain that loops back */
    chop_status loop = chop_check(&heap);
    c->next_region = NULL;
    uint64_t *bits = b->bitmap;
    b->bitmap = mode == MODE_BITMAP ? NULL : bitmap_b;
    chop_status mixed = chop_check(&heap);
    b->bitmap = bits;
    uintptr_t start = b->start;
    b->start = c->start; /* two regions over the same memory */
    b->end = c->end;
    chop_status overlap = chop_check(&heap);
    b->start = start;
    b->end = start + REGION;
    tap_ok(loop == CHOP_ERR_CORRUPTED && mixed == CHOP_ERR_CORRUPTED &&
               overlap == CHOP_ERR_CORRUPTED && chop_check(&heap) == CHOP_OK,
           "%s: chop_check finds a looping chain, a region of the other mode, overlapping"
           " regions", mode_name(mode));
    void *p = NULL;
    (void)chop_try_allocate_in(&heap, &region_b, 8, 1, &p);
    void *own_blocks = p;
    chop_status s = chop_init(&heap, OWN, REGION, bitmap_for(mode, bitmap_a), words_for(mode));
    chop_stats st = stats_of(&heap);
    chop_status s2 = chop_try_allocate_in(&heap, &region_b, 8, 1, &p);
    chop_status s3 = chop_try_deallocate(&heap, own_blocks, 8, 1);
    tap_ok(s == CHOP_OK && st.managed_bytes == REGION && s2 == CHOP_ERR_BAD_REGION &&
               s3 == CHOP_ERR_OUTSIDE_HEAP,
           "%s: chop_init forgets the regions", mode_name(mode));
    s = chop_add_region(&heap, &region_b, IN_B, REGION, bitmap_for(mode, bitmap_b), words_for(mode));
    tap_ok(s == CHOP_OK && stats_of(&heap).managed_bytes == 2u * REGION &&
               chop_check(&heap) == CHOP_OK,
           "%s: and takes a region again", mode_name(mode));
}

int main(void)
{
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        if (!mode_runs(mode))
            continue;
        test_refusals(mode);
        test_no_merge(mode);
        test_best_fit(mode);
        test_pointers(mode);
        test_allocate_in(mode);
        test_resize(mode);
        test_stats(mode);
        test_walk(mode);
        test_lock_and_hooks(mode);
        test_hooks_first(mode);
        test_check_and_init(mode);
    }
    return tap_done();
}
