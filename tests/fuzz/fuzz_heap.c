/*
 * libFuzzer target: the input is a heap and a sequence of calls on it, checked against a
 * model of the live allocations.
 * SPDX-License-Identifier: MIT
 *
 * Input: byte 0 picks the mode (bit 0: free-list; a build with one mode runs in that one)
 * and, with byte 1, where the region starts in the arena; bytes 2-3 its size.  Then
 * 4-byte operations: an opcode byte and three argument bytes.  The top two bits of the
 * opcode choose allocate (0, 1), sized free (2) or, by the first argument byte, a stale
 * free, a reallocation, an unsized free or usable-size query, or a heap walk (3); the
 * rest picks a slot.  After every call: the status is the one the model expects (a
 * refused call left the heap, the bitmap and the whole arena byte-for-byte unchanged),
 * chop_check() passes, and every live block still holds the bytes written into it.
 * Free-list mode cannot detect an interior pointer or a too-small layout inside live
 * memory (README), so those frees are tried in bitmap mode only.
 *
 * With bit 7 of byte 2 set the heap has hooks (chop_set_hooks()): every allocate, free
 * and resize must then be traced exactly once with the status it returned, and bit 5 of
 * an allocate's or resize's first argument byte makes the fault hook fail it, which must
 * be refused as a full heap would refuse it.
 *
 * With bit 6 of byte 2 the region is cut in three at minimum-block boundaries: the heap
 * gets the first third, and the other two are added with chop_add_region(), each with
 * its own slice of the bitmap.  Every block must then lie inside one third, and bit 4
 * of an allocate's first argument byte allocates with chop_try_allocate_in() from the
 * third that its second byte picks, which must hold the block.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chopalloc.h"
#include "../testlib.h"

#define ARENA 16384u
#define SLOTS 64u

static _Alignas(ARENA) unsigned char arena[ARENA];
static unsigned char arena_before[ARENA];
/* Room for three regions' bitmaps: each may need a word more than its share. */
#define BITMAP_WORDS (CHOP_BITMAP_WORDS(ARENA) + 3u)
static uint64_t bitmap[BITMAP_WORDS];
static uint64_t bitmap_before[BITMAP_WORDS];

typedef struct slot {
    unsigned char *ptr; /* NULL: unused */
    size_t size, align, block;
    unsigned char fill;
} slot;

static slot live[SLOTS];
static chop_heap heap, heap_before;
static int bitmap_mode;
static uintptr_t region_lo, region_hi;

/* With regions: the added ones, and where the thirds begin (cut[0] = region_lo) and end. */
static chop_region added[2], added_before[2];
static int with_regions;
static int is_added[3]; /* which thirds are the heap's: the first, and each one added */
static uintptr_t cut[4];
static unsigned char *stale_ptr; /* the last pointer freed, and its layout */
static size_t stale_size, stale_align;

/* The hooks: the last event traced, how many, and whether the next allocation fails. */
static int hooked;
static chop_event last_event;
static unsigned long events;
static int fail_next;

#define REQUIRE(cond) \
    do { \
        if (!(cond)) \
            abort(); \
    } while (0)

/* The block a valid layout gets: the model's copy of the allocation rule. */
static size_t block_size(size_t size, size_t align)
{
    size_t block = CHOP_MIN_BLOCK_SIZE;
    while (block < size || block < align)
        block *= 2u;
    return block;
}

static void trace(void *ctx, const chop_event *event)
{
    (void)ctx;
    last_event = *event;
    events++;
}

static int fail(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    (void)size;
    (void)align;
    return fail_next;
}

static const chop_hooks hooks = { trace, fail, NULL };

/* With hooks: the call just made was traced once, as kind, with its status and pointer. */
static void require_traced(unsigned long before, chop_event_kind kind, chop_status st,
                           const void *ptr)
{
    if (!hooked)
        return;
    REQUIRE(events == before + 1u);
    REQUIRE(last_event.kind == kind && last_event.status == st && last_event.ptr == ptr);
    REQUIRE(last_event.caller != NULL);
}

static void snapshot(void)
{
    heap_before = heap;
    memcpy(added_before, added, sizeof added);
    raw_copy(arena_before, arena, ARENA); /* free blocks are poisoned: see testlib.h */
    memcpy(bitmap_before, bitmap, sizeof bitmap);
}

/* A refused call changes nothing but, for an allocation, the failed-request count. */
static void require_unchanged(int was_allocation)
{
    chop_heap now = heap;
    chop_region now_added[2];
    memcpy(now_added, added, sizeof added);
    /* The refusal is counted by the heap or by the region asked (chop_try_allocate_in). */
    size_t *counted[3] = { &now.failed_requests, &now_added[0].blocks.failed_requests,
                           &now_added[1].blocks.failed_requests };
    size_t was[3] = { heap_before.failed_requests, added_before[0].blocks.failed_requests,
                      added_before[1].blocks.failed_requests };
    for (unsigned k = 0; was_allocation && k < 3u; k++)
        if (*counted[k] == was[k] + 1u) {
            *counted[k] = was[k];
            break;
        }
    REQUIRE(memcmp(&now, &heap_before, sizeof now) == 0);
    REQUIRE(memcmp(now_added, added_before, sizeof now_added) == 0);
    REQUIRE(raw_equal(arena, arena_before, ARENA));
    REQUIRE(memcmp(bitmap, bitmap_before, sizeof bitmap) == 0);
}

static void require_sound(void)
{
    REQUIRE(chop_check(&heap) == CHOP_OK);
    for (unsigned i = 0; i < SLOTS; i++)
        for (size_t j = 0; live[i].ptr && j < live[i].size; j++)
            REQUIRE(live[i].ptr[j] == live[i].fill);
}

/* Whether the block of `size` bytes at a lies inside one region: no block spans two. */
static int inside_one_region(uintptr_t a, size_t size)
{
    if (!with_regions)
        return 1;
    for (unsigned k = 0; k < 3u; k++)
        if (a >= cut[k] && a < cut[k + 1])
            return cut[k + 1] - a >= size;
    return 0;
}

/* The live slot whose block holds addr, or -1. */
static int slot_holding(uintptr_t addr)
{
    for (unsigned i = 0; i < SLOTS; i++) {
        uintptr_t p = (uintptr_t)live[i].ptr;
        if (live[i].ptr && addr >= p && addr - p < live[i].block)
            return (int)i;
    }
    return -1;
}

static void do_allocate(unsigned i, const uint8_t *arg)
{
    /* Mostly small sizes; sometimes huge ones and invalid alignments. */
    size_t size = (size_t)arg[1] << 8 | arg[2];
    size_t align = (size_t)1 << (arg[0] % 16u);
    if (arg[0] & 0x80u)
        size = SIZE_MAX - size;
    if (arg[0] & 0x40u)
        align = arg[0] & 0x0Fu; /* 0 and non-powers of two */
    if (live[i].ptr)
        return;

    void *p = NULL;
    snapshot();
    unsigned long before = events;
    fail_next = (arg[0] & 0x20u) != 0;
    unsigned chosen = arg[1] % 3u; /* with bit 4: chop_try_allocate_in() of this third */
    int placed = with_regions && (arg[0] & 0x10u) != 0;
    chop_status st = placed ? chop_try_allocate_in(&heap, chosen ? &added[chosen - 1u] : NULL,
                                                   size, align, &p)
                            : chop_try_allocate(&heap, size, align, &p);
    int layout_ok = size != 0 && align != 0 && (align & (align - 1u)) == 0 &&
                    size <= CHOP_LARGEST_BLOCK_SIZE && align <= CHOP_LARGEST_BLOCK_SIZE;
    require_traced(before, CHOP_EVENT_ALLOCATE, st, p);
    if (placed && !is_added[chosen]) { /* chop_add_region() refused that third */
        REQUIRE(st == CHOP_ERR_BAD_REGION && p == NULL);
        require_unchanged(0);
        return;
    }
    if (hooked && fail_next && layout_ok)
        REQUIRE(st == CHOP_ERR_OUT_OF_MEMORY);
    if (st != CHOP_OK) {
        REQUIRE(p == NULL);
        REQUIRE(st == CHOP_ERR_OUT_OF_MEMORY || st == CHOP_ERR_TOO_LARGE ||
                st == CHOP_ERR_INVALID_LAYOUT);
        if (st == CHOP_ERR_OUT_OF_MEMORY)
            REQUIRE(layout_ok);
        require_unchanged(1);
        return;
    }
    REQUIRE(layout_ok);
    size_t block = block_size(size, align);
    uintptr_t a = (uintptr_t)p;
    REQUIRE(a >= region_lo && a < region_hi && region_hi - a >= block);
    REQUIRE(a % block == 0);
    REQUIRE(inside_one_region(a, block));
    if (placed)
        REQUIRE(a >= cut[chosen] && a < cut[chosen + 1]);
    for (unsigned j = 0; j < SLOTS; j++) {
        uintptr_t q = (uintptr_t)live[j].ptr;
        if (live[j].ptr)
            REQUIRE(a + block <= q || q + live[j].block <= a);
    }
    live[i] = (slot){p, size, align, block, (unsigned char)(i * 37u + 1u)};
    memset(p, live[i].fill, size);
}

static void forget(unsigned i)
{
    stale_ptr = live[i].ptr;
    stale_size = live[i].size;
    stale_align = live[i].align;
    live[i].ptr = NULL;
}

static void free_expect(void *ptr, size_t size, size_t align, int should_succeed)
{
    snapshot();
    unsigned long before = events;
    chop_status st = chop_try_deallocate(&heap, ptr, size, align);
    require_traced(before, CHOP_EVENT_FREE, st, ptr);
    if (should_succeed) {
        REQUIRE(st == CHOP_OK);
    } else {
        REQUIRE(st != CHOP_OK);
        require_unchanged(0);
    }
}

static void do_free(unsigned i, const uint8_t *arg)
{
    slot *s = &live[i];
    if (!s->ptr)
        return;
    switch (arg[0] % 4u) {
    case 0: /* the right layout */
        free_expect(s->ptr, s->size, s->align, 1);
        forget(i);
        break;
    case 1: { /* another size: fine if it maps to the same block */
        size_t size = (size_t)arg[1] << 8 | arg[2];
        int same = size != 0 && block_size(size, s->align) == s->block;
        if (!same && !bitmap_mode && size != 0)
            return; /* may claim only live memory: undetectable without a bitmap */
        free_expect(s->ptr, size, s->align, same);
        if (same)
            forget(i);
        break;
    }
    case 2: { /* an interior pointer */
        size_t offset = (size_t)(arg[1] + 1u) * CHOP_MIN_BLOCK_SIZE % s->block;
        if (offset == 0 || !bitmap_mode)
            return;
        free_expect(s->ptr + offset, CHOP_MIN_BLOCK_SIZE, 1, 0);
        break;
    }
    default: { /* a foreign pointer: in the arena but outside the region, or wild */
        unsigned char *p = (arg[1] & 1u) ? arena + (arg[2] % 2u ? ARENA - 16u : 0u)
                                         : (unsigned char *)&heap_before;
        if ((uintptr_t)p >= region_lo && (uintptr_t)p < region_hi)
            return;
        free_expect(p, 16, 1, 0);
        break;
    }
    }
}

/* The last pointer freed, freed again: refused unless it became live again. */
static void do_stale_free(void)
{
    if (!stale_ptr)
        return;
    int holder = slot_holding((uintptr_t)stale_ptr);
    if (holder >= 0 && (!bitmap_mode || live[holder].ptr == stale_ptr))
        return; /* a legitimate free of the new owner, or undetectable */
    free_expect(stale_ptr, stale_size, stale_align, 0);
}

/* chop_try_reallocate of a live slot to an arbitrary size. */
static void do_reallocate(unsigned i, const uint8_t *arg)
{
    slot *s = &live[i];
    if (!s->ptr)
        return;
    size_t size = (size_t)arg[1] << 8 | arg[2];
    if (arg[0] & 0x80u)
        size = SIZE_MAX - size;
    void *p = s->ptr;
    snapshot();
    unsigned long before = events;
    fail_next = (arg[0] & 0x20u) != 0;
    chop_status st = chop_try_reallocate(&heap, &p, s->size, size, s->align);
    int layout_ok = size != 0 && size <= CHOP_LARGEST_BLOCK_SIZE;
    require_traced(before, CHOP_EVENT_RESIZE, st, p);
    if (hooked && fail_next && layout_ok && block_size(size, s->align) > s->block)
        REQUIRE(st == CHOP_ERR_OUT_OF_MEMORY);
    if (st != CHOP_OK) {
        REQUIRE(p == s->ptr);
        REQUIRE(layout_ok ? st == CHOP_ERR_OUT_OF_MEMORY && block_size(size, s->align) > s->block
                          : st == CHOP_ERR_INVALID_LAYOUT || st == CHOP_ERR_TOO_LARGE);
        require_unchanged(1);
        return;
    }
    REQUIRE(layout_ok);
    size_t block = block_size(size, s->align);
    uintptr_t a = (uintptr_t)p;
    if (block <= s->block)
        REQUIRE(p == s->ptr); /* shrinking never moves */
    REQUIRE(a >= region_lo && a < region_hi && region_hi - a >= block && a % block == 0);
    REQUIRE(inside_one_region(a, block));
    size_t kept = s->size < size ? s->size : size;
    for (size_t j = 0; j < kept; j++)
        REQUIRE(((unsigned char *)p)[j] == s->fill);
    s->ptr = p;
    s->size = size;
    s->block = block;
    for (unsigned j = 0; j < SLOTS; j++) {
        uintptr_t q = (uintptr_t)live[j].ptr;
        if (live[j].ptr && j != i)
            REQUIRE(a + block <= q || q + live[j].block <= a);
    }
    memset(p, s->fill, size);
}

/* chop_usable_size and chop_try_free: of a live block, inside one, or a stale pointer. */
static void do_unsized(unsigned i, const uint8_t *arg)
{
    slot *s = &live[i];
    unsigned char *p = NULL;
    int valid = 0;
    switch (arg[1] % 3u) {
    case 0:
        p = s->ptr;
        valid = p != NULL;
        break;
    case 1:
        if (s->ptr)
            p = s->ptr + 1u + arg[2] % (s->block - 1u);
        break;
    default:
        p = stale_ptr;
        if (p && slot_holding((uintptr_t)p) >= 0 && live[slot_holding((uintptr_t)p)].ptr == p)
            return; /* a live block again */
        break;
    }
    if (!p)
        return;
    REQUIRE(chop_usable_size(&heap, p) == (valid && bitmap_mode ? s->block : 0u));
    snapshot();
    unsigned long before = events;
    chop_status st = chop_try_free(&heap, p);
    require_traced(before, CHOP_EVENT_FREE, st, p);
    if (valid && bitmap_mode) {
        REQUIRE(st == CHOP_OK);
        forget(i);
        return;
    }
    REQUIRE(!bitmap_mode ? st == CHOP_ERR_NEEDS_BITMAP
                         : st == CHOP_ERR_INTERIOR_POINTER || st == CHOP_ERR_DOUBLE_FREE ||
                               st == CHOP_ERR_OUTSIDE_HEAP);
    require_unchanged(0);
}

/* chop_walk: the visits tile the heap; in bitmap mode each live block is one visit. */
struct walk_state {
    uintptr_t next; /* where the next visit must begin; 0 before the first */
    size_t free_bytes, allocated_bytes;
    unsigned live_seen;
};

static int check_visit(void *ctx, void *block, size_t size, int allocated)
{
    struct walk_state *w = ctx;
    uintptr_t a = (uintptr_t)block;
    REQUIRE(w->next == 0 || a == w->next);
    REQUIRE(a >= region_lo && size != 0 && region_hi - a >= size);
    w->next = a + size;
    int holder = slot_holding(a);
    if (allocated) {
        w->allocated_bytes += size;
        REQUIRE(holder >= 0); /* allocated memory starts with a live block */
        if (bitmap_mode) {
            REQUIRE((uintptr_t)live[holder].ptr == a && live[holder].block == size);
            w->live_seen++;
        }
    } else {
        w->free_bytes += size;
        REQUIRE(holder < 0 && slot_holding(a + size - 1u) < 0);
    }
    return 0;
}

static void do_walk(void)
{
    struct walk_state w = {0, 0, 0, 0};
    chop_stats stats;
    REQUIRE(chop_walk(&heap, check_visit, &w) == CHOP_OK);
    chop_get_stats(&heap, &stats);
    REQUIRE(w.free_bytes == stats.free_bytes && w.allocated_bytes == stats.allocated_bytes);
    if (bitmap_mode)
        REQUIRE(w.live_seen == stats.live_allocations);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    bitmap_mode = !mode_built(MODE_FREELIST) || (mode_built(MODE_BITMAP) && !(data[0] & 1u));
    size_t offset = ((size_t)data[0] >> 1 | (size_t)data[1] << 7) % 1024u;
    size_t length = ((size_t)data[2] << 8 | data[3]) % (ARENA - offset + 1u);

    memset(live, 0, sizeof live);
    stale_ptr = NULL;
    memset(bitmap, 0, sizeof bitmap);
    memset(added, 0, sizeof added);
    region_lo = (uintptr_t)(arena + offset);
    region_hi = region_lo + length;
    with_regions = (data[2] & 0x40u) != 0;
    cut[0] = region_lo;
    cut[3] = region_hi;
    for (unsigned k = 1; k < 3u; k++) { /* minimum-block boundaries: no bytes lost between */
        uintptr_t at = region_lo + length * k / 3u;
        at = (at + CHOP_MIN_BLOCK_SIZE - 1u) & ~(uintptr_t)(CHOP_MIN_BLOCK_SIZE - 1u);
        cut[k] = with_regions && at < region_hi ? at : region_hi;
    }
    size_t words = 0;
    chop_status st = CHOP_OK;
    for (unsigned k = 0; k < 3u && st == CHOP_OK; k++) {
        size_t span = (size_t)(cut[k + 1] - cut[k]);
        uint64_t *bits = bitmap_mode ? bitmap + words : NULL;
        size_t need = bitmap_mode ? CHOP_BITMAP_WORDS(span) : 0u;
        if (k == 0) {
            st = chop_init(&heap, addr(cut[0]), span, bits, need);
            is_added[0] = 1;
        } else if (with_regions) {
            chop_status added_st = chop_add_region(&heap, &added[k - 1u], addr(cut[k]), span,
                                                   bits, need);
            REQUIRE(added_st == CHOP_OK || added_st == CHOP_ERR_BAD_REGION);
            is_added[k] = added_st == CHOP_OK;
        }
        words += need;
    }
    if (st != CHOP_OK) {
        REQUIRE(st == CHOP_ERR_BAD_REGION);
        return 0;
    }
    hooked = (data[2] & 0x80u) != 0;
    fail_next = 0;
    if (hooked)
        chop_set_hooks(&heap, &hooks);
    chop_stats stats;
    chop_get_stats(&heap, &stats);
    require_sound();

    for (size_t at = 4; at + 4 <= size; at += 4) {
        unsigned op = data[at] >> 6;
        unsigned i = data[at] % SLOTS;
        const uint8_t *arg = data + at + 1;
        if (op == 0 || op == 1)
            do_allocate(i, arg);
        else if (op == 2)
            do_free(i, arg);
        else if (arg[0] % 4u == 0)
            do_stale_free();
        else if (arg[0] % 4u == 1)
            do_reallocate(i, arg);
        else if (arg[0] % 4u == 2)
            do_unsized(i, arg);
        else
            do_walk();
        require_sound();
    }
    /* Drain: everything frees and the heap is whole again. */
    for (unsigned i = 0; i < SLOTS; i++)
        if (live[i].ptr)
            free_expect(live[i].ptr, live[i].size, live[i].align, 1);
    chop_stats after;
    chop_get_stats(&heap, &after);
    REQUIRE(after.live_allocations == 0 && after.free_bytes == after.managed_bytes);
    REQUIRE(after.managed_bytes == stats.managed_bytes);
    REQUIRE(chop_check(&heap) == CHOP_OK);
    return 0;
}
