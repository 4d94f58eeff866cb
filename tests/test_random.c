/*
 * Randomised differential test of chopalloc against an independent reference model.
 * SPDX-License-Identifier: MIT
 *
 * The model knows nothing of free lists or bitmaps: it keeps one owner entry per
 * minimum block of the region (0: free, else the live block covering it) and derives
 * everything else from the contract's canonical rule:
 *   - an allocation of order k succeeds iff some 2^k-aligned range of 2^k bytes inside
 *     [start, end) holds no allocated byte;
 *   - the free blocks are the nodes (aligned 2^j ranges inside [start, end), j at most
 *     the top order) that hold no allocated byte and whose parent is not a node or
 *     holds an allocated byte.
 * From that it predicts every status, and the statistics (free bytes, largest free
 * block, free blocks of each order, live allocations, peak, failed requests).
 *
 * Each seed runs many thousand steps on a region of a few KiB at an odd address (so
 * there are several roots).  After every step: chop_check() is CHOP_OK and the
 * statistics equal the model's; every 16 steps (and at the end) every live block still
 * holds the pattern written into it.  Results are aggregated: one TAP line per seed and
 * property, with the first failing step in a diagnostic.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

#define SEEDS 8u
#define STEPS_PER_SEED 20000u /* 160000 operations per mode */
#define VERIFY_EVERY 16u
#define BUF_SIZE 8192u
#define MAX_BLOCKS (BUF_SIZE / 4u)
#define RANDOM_NEEDS (8u * MIN_BLOCK)

static _Alignas(4096) unsigned char buf[BUF_SIZE];
static uint64_t bitmap_store[CHOP_BITMAP_WORDS(BUF_SIZE)];

/* ------------------------------------------------------------------------------ */
/* PRNG: splitmix64, local and seeded, so every run is the same.                   */

static uint64_t rng_state;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static size_t below(size_t n)
{
    return (size_t)(rng() % (uint64_t)n);
}

/* ------------------------------------------------------------------------------ */
/* The reference model.                                                             */

struct live_block {
    uintptr_t addr;
    unsigned order;
    uint32_t id;
    size_t size, align; /* as allocated */
};

static struct model {
    uintptr_t start, end;
    size_t n; /* minimum blocks in [start, end) */
    uint32_t owner[MAX_BLOCKS]; /* 0: free; else index into live[] + 1 */
    size_t prefix[MAX_BLOCKS + 1]; /* allocated minimum blocks before index i */
    int prefix_stale;
    struct live_block live[MAX_BLOCKS];
    size_t nlive;
    size_t managed, unusable, allocated, peak, failed;
    uint32_t next_id;
    /* Recently freed blocks, for double frees. */
    struct {
        uintptr_t addr;
        unsigned order;
    } freed[32];
    size_t nfreed;
} M;

static size_t index_of(uintptr_t a)
{
    return (size_t)((a - M.start) / MIN_BLOCK);
}

static void model_init(uintptr_t base, size_t size)
{
    memset(&M, 0, sizeof M);
    M.start = (base + MIN_BLOCK - 1u) / MIN_BLOCK * MIN_BLOCK;
    M.end = (base + size) / MIN_BLOCK * MIN_BLOCK;
    M.n = (size_t)(M.end - M.start) / MIN_BLOCK;
    M.managed = (size_t)(M.end - M.start);
    M.unusable = size - M.managed;
    M.prefix_stale = 1;
}

static void refresh_prefix(void)
{
    if (!M.prefix_stale)
        return;
    M.prefix[0] = 0;
    for (size_t i = 0; i < M.n; i++)
        M.prefix[i + 1] = M.prefix[i] + (M.owner[i] != 0);
    M.prefix_stale = 0;
}

/* Allocated minimum blocks in [a, a+len), which lies inside [start, end). */
static size_t allocated_in(uintptr_t a, size_t len)
{
    refresh_prefix();
    size_t i = index_of(a);
    return M.prefix[i + len / MIN_BLOCK] - M.prefix[i];
}

static int is_node(uintptr_t a, unsigned j)
{
    return j <= TOP_ORDER && a % pow2(j) == 0 && a >= M.start && a <= M.end && M.end - a >= pow2(j);
}

static uintptr_t first_node(unsigned j)
{
    return (M.start + pow2(j) - 1u) / pow2(j) * pow2(j);
}

/* Whether an allocation of order k can succeed. */
static int model_can_allocate(unsigned k)
{
    if (k > TOP_ORDER || pow2(k) > M.managed)
        return 0;
    for (uintptr_t a = first_node(k); a < M.end && M.end - a >= pow2(k); a += pow2(k))
        if (allocated_in(a, pow2(k)) == 0)
            return 1;
    return 0;
}

/* The canonical free blocks, as the statistics should report them. */
static void model_stats(chop_stats *st)
{
    memset(st, 0, sizeof *st);
    st->managed_bytes = M.managed;
    st->unusable_bytes = M.unusable;
    st->allocated_bytes = M.allocated;
    st->free_bytes = M.managed - M.allocated;
    st->live_allocations = M.nlive;
    st->peak_allocated_bytes = M.peak;
    st->failed_requests = M.failed;
    for (unsigned j = CHOP_MIN_ORDER; j <= TOP_ORDER; j++) {
        if (pow2(j) > M.managed)
            break;
        for (uintptr_t a = first_node(j); a < M.end && M.end - a >= pow2(j); a += pow2(j)) {
            if (allocated_in(a, pow2(j)) != 0)
                continue;
            uintptr_t parent = a & ~(uintptr_t)(pow2(j + 1u) - 1u);
            if (j < TOP_ORDER && is_node(parent, j + 1u) && allocated_in(parent, pow2(j + 1u)) == 0)
                continue; /* part of a larger free block */
            st->free_blocks[j]++;
            st->largest_free_block = pow2(j);
        }
    }
}

/* The order of a layout, or the status that rejects it. */
static chop_status model_layout(size_t size, size_t align, unsigned *order)
{
    if (size == 0 || align == 0 || (align & (align - 1u)) != 0)
        return CHOP_ERR_INVALID_LAYOUT;
    if (size > LARGEST || align > LARGEST)
        return CHOP_ERR_TOO_LARGE;
    unsigned k = CHOP_MIN_ORDER;
    while (pow2(k) < size || pow2(k) < align)
        k++;
    *order = k;
    return CHOP_OK;
}

/*
 * The status chop_try_deallocate must give.  *unsafe is set when the contract says
 * free-list mode would accept a free that is not of a live block (a test must never
 * make such a call).
 */
static chop_status model_free_status(int mode, uintptr_t p, size_t size, size_t align, int *unsafe)
{
    unsigned k = 0;
    *unsafe = 0;
    if (p == 0)
        return CHOP_ERR_NULL_ARGUMENT;
    chop_status s = model_layout(size, align, &k);
    if (s != CHOP_OK)
        return s;
    if (p < M.start || p >= M.end)
        return CHOP_ERR_OUTSIDE_HEAP;
    if (p % pow2(k) != 0)
        return CHOP_ERR_MISALIGNED;
    uint32_t o = M.owner[index_of(p)];
    if (o == 0)
        return CHOP_ERR_DOUBLE_FREE;
    const struct live_block *b = &M.live[o - 1u];
    if (mode == MODE_BITMAP) {
        if (b->addr != p)
            return CHOP_ERR_INTERIOR_POINTER;
        if (b->order != k)
            return CHOP_ERR_SIZE_MISMATCH;
        return CHOP_OK;
    }
    if (M.end - p < pow2(k) || allocated_in(p, pow2(k)) != pow2(k) / MIN_BLOCK)
        return CHOP_ERR_SIZE_MISMATCH;
    if (b->addr != p || b->order != k)
        *unsafe = 1;
    return CHOP_OK;
}

static void stamp(uintptr_t a, unsigned order, uint32_t value)
{
    size_t first = index_of(a);
    for (size_t i = 0; i < pow2(order) / MIN_BLOCK; i++)
        M.owner[first + i] = value;
    M.prefix_stale = 1;
}

static void model_add(uintptr_t a, unsigned order, size_t size, size_t align)
{
    struct live_block *b = &M.live[M.nlive++];
    b->addr = a;
    b->order = order;
    b->id = ++M.next_id;
    b->size = size;
    b->align = align;
    stamp(a, order, (uint32_t)M.nlive);
    M.allocated += pow2(order);
    if (M.allocated > M.peak)
        M.peak = M.allocated;
}

static void model_remove(size_t slot)
{
    struct live_block *b = &M.live[slot];
    stamp(b->addr, b->order, 0);
    M.allocated -= pow2(b->order);
    M.freed[M.nfreed % 32u].addr = b->addr;
    M.freed[M.nfreed % 32u].order = b->order;
    M.nfreed++;
    M.nlive--;
    if (slot != M.nlive) {
        M.live[slot] = M.live[M.nlive];
        stamp(M.live[slot].addr, M.live[slot].order, (uint32_t)slot + 1u);
    }
}

/* ------------------------------------------------------------------------------ */
/* Block contents.                                                                  */

static unsigned char pattern_byte(uint32_t id, size_t j)
{
    uint32_t h = id * UINT32_C(0x9E3779B1);
    return (unsigned char)((h >> 24) ^ (uint32_t)(j * 13u) ^ (uint32_t)(j >> 8));
}

static void fill_block(const struct live_block *b)
{
    unsigned char *p = (unsigned char *)b->addr;
    for (size_t j = 0; j < pow2(b->order); j++)
        p[j] = pattern_byte(b->id, j);
}

static int block_intact(const struct live_block *b)
{
    const unsigned char *p = (const unsigned char *)b->addr;
    for (size_t j = 0; j < pow2(b->order); j++)
        if (p[j] != pattern_byte(b->id, j))
            return 0;
    return 1;
}

/* ------------------------------------------------------------------------------ */
/* The run.                                                                         */

enum prop {
    P_ALLOC_STATUS, /* allocation status as the model predicts */
    P_ALLOC_BLOCK, /* returned block aligned, inside, free in the model */
    P_FREE, /* valid frees (any equivalent layout) succeed */
    P_BAD, /* refused frees: the model's status, chop_heap untouched */
    P_CHECK, /* chop_check() == CHOP_OK after every step */
    P_PATTERN, /* live blocks keep their contents */
    P_STATS, /* statistics equal the model's after every step */
    P_COUNT
};

static const char *const prop_text[P_COUNT] = {
    "every allocation succeeds exactly when the model has an aligned free range",
    "every block returned is aligned to its order, inside the region, free in the model",
    "every free of a live block, with an equivalent layout, succeeds",
    "every bad free gives the model's status and leaves the heap untouched",
    "chop_check() is CHOP_OK after every step",
    "every live block keeps its pattern (checked every 16 steps and at the end)",
    "the statistics equal the model's after every step",
};

static struct {
    unsigned long first_fail[P_COUNT]; /* step + 1; 0: never failed */
    unsigned long fails[P_COUNT];
    unsigned long allocs_ok, allocs_oom, allocs_invalid, frees, bad_calls;
    unsigned long bad_by_status[CHOP_STATUS_COUNT];
    size_t max_live;
    int aborted;
} R;

static unsigned long step_no;

static void fail(enum prop p, const char *fmt, ...) TAP_PRINTF(2, 3);

static void fail(enum prop p, const char *fmt, ...)
{
    if (R.fails[p]++ == 0) {
        char msg[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        R.first_fail[p] = step_no + 1u;
        tap_diag("step %lu: %s", step_no, msg);
    }
}

/* A random size, log-uniform over 1..2*region. */
static size_t random_size(size_t region)
{
    unsigned bits = 0;
    while (pow2(bits) < region)
        bits++;
    unsigned e = (unsigned)below(bits + 1u);
    return pow2(e) + below(pow2(e)); /* [2^e, 2^(e+1)) */
}

static size_t random_align(size_t region)
{
    if (below(2) == 0)
        return 1;
    unsigned bits = 0;
    while (pow2(bits) < region)
        bits++;
    return pow2((unsigned)below(bits + 2u));
}

static void do_allocate(chop_heap *heap, size_t region)
{
    size_t size = random_size(region), align = random_align(region);
    unsigned r = (unsigned)below(100);
    if (r < 2)
        size = 0;
    else if (r < 4)
        align = 3u << below(4);
    else if (r < 14)
        size = 1u + below(align < 64u ? 64u : align); /* align often > size */

    unsigned k = 0;
    chop_status want = model_layout(size, align, &k);
    if (want == CHOP_OK && !model_can_allocate(k))
        want = CHOP_ERR_OUT_OF_MEMORY;

    void *p = (void *)&p;
    chop_status got = chop_try_allocate(heap, size, align, &p);
    if (got != want) {
        fail(P_ALLOC_STATUS, "allocate(%zu, %zu): %s, the model says %s", size, align,
             tap_status_name(got), tap_status_name(want));
        R.aborted = 1;
        return;
    }
    if (got != CHOP_OK) {
        if (p != NULL)
            fail(P_ALLOC_STATUS, "allocate(%zu, %zu) failed but left *out = %p", size, align, p);
        M.failed++;
        if (got == CHOP_ERR_OUT_OF_MEMORY)
            R.allocs_oom++;
        else
            R.allocs_invalid++;
        return;
    }
    uintptr_t a = (uintptr_t)p;
    if (a % pow2(k) != 0 || a < M.start || a >= M.end || M.end - a < pow2(k) ||
        allocated_in(a, pow2(k)) != 0) {
        fail(P_ALLOC_BLOCK,
             "allocate(%zu, %zu) gave %p: misaligned for order %u, outside"
             " [%p, %p) or overlapping a live block",
             size, align, p, k, (void *)M.start, (void *)M.end);
        R.aborted = 1;
        return;
    }
    model_add(a, k, size, align);
    fill_block(&M.live[M.nlive - 1u]);
    R.allocs_ok++;
    if (M.nlive > R.max_live)
        R.max_live = M.nlive;
}

/* A layout other than (perhaps) the original that gives the same order k. */
static void equivalent_layout(const struct live_block *b, size_t *size, size_t *align)
{
    unsigned k = b->order;
    size_t lo = k == CHOP_MIN_ORDER ? 1u : pow2(k - 1u) + 1u; /* sizes giving exactly k */
    switch (below(4)) {
    case 0:
        *size = b->size;
        *align = b->align;
        break;
    case 1:
        *size = pow2(k);
        *align = 1;
        break;
    case 2:
        *size = lo + below(pow2(k) - lo + 1u);
        *align = pow2((unsigned)below(k + 1u));
        break;
    default:
        *size = 1u + below(pow2(k));
        *align = pow2(k);
        break;
    }
}

static void do_free(chop_heap *heap)
{
    size_t slot = below(M.nlive);
    struct live_block b = M.live[slot];
    size_t size, align;
    equivalent_layout(&b, &size, &align);

    if (!block_intact(&b))
        fail(P_PATTERN, "block %u at %p lost its contents before its free", (unsigned)b.id,
             (void *)b.addr);
    chop_status got = chop_try_deallocate(heap, (void *)b.addr, size, align);
    if (got != CHOP_OK) {
        fail(P_FREE,
             "deallocate(%p, %zu, %zu) of a live order-%u block allocated as (%zu, %zu):"
             " %s",
             (void *)b.addr, size, align, b.order, b.size, b.align, tap_status_name(got));
        R.aborted = 1;
        return;
    }
    model_remove(slot);
    R.frees++;
}

/* One bad (or, from a random pointer, possibly good) free whose status the model knows. */
static void do_bad_call(chop_heap *heap, int mode)
{
    uintptr_t p = 0;
    size_t size = 0, align = 1;
    unsigned kind = (unsigned)below(mode == MODE_BITMAP ? 5u : 2u);

    if (kind == 0) { /* double free of a recently freed block */
        if (M.nfreed == 0)
            return;
        size_t n = M.nfreed < 32u ? M.nfreed : 32u;
        size_t i = below(n);
        p = M.freed[i].addr;
        size = pow2(M.freed[i].order);
    } else if (kind == 1) { /* a bigger claim on a live block */
        if (M.nlive == 0)
            return;
        const struct live_block *b = &M.live[below(M.nlive)];
        p = b->addr;
        size = pow2(b->order + 1u + (unsigned)below(3));
        if (below(3) == 0 && mode == MODE_BITMAP && b->order > CHOP_MIN_ORDER)
            size = pow2(b->order - 1u); /* or a smaller one */
    } else if (kind == 2) { /* interior pointer */
        if (M.nlive == 0)
            return;
        const struct live_block *b = &M.live[below(M.nlive)];
        if (b->order == CHOP_MIN_ORDER)
            return;
        size_t slots = pow2(b->order) / MIN_BLOCK;
        size_t off = (1u + below(slots - 1u)) * MIN_BLOCK;
        p = b->addr + off;
        size = MIN_BLOCK << below(2); /* may be misaligned too */
    } else if (kind == 3) { /* misaligned */
        if (M.nlive == 0)
            return;
        const struct live_block *b = &M.live[below(M.nlive)];
        p = b->addr + 1u + below(MIN_BLOCK - 1u);
        size = b->size;
        align = b->align;
    } else { /* anywhere in the buffer, any order */
        p = (uintptr_t)buf + below(BUF_SIZE);
        if (below(2))
            p &= ~(uintptr_t)(MIN_BLOCK - 1u);
        size = pow2((unsigned)below(11));
    }

    int unsafe = 0;
    chop_status want = model_free_status(mode, p, size, align, &unsafe);
    if (unsafe)
        return; /* free-list mode would accept it and corrupt the accounting */
    if (want == CHOP_OK) {
        /* A random pointer that happens to name a live block exactly: a real free. */
        size_t slot = M.owner[index_of(p)] - 1u;
        chop_status got = chop_try_deallocate(heap, (void *)p, size, align);
        if (got != CHOP_OK) {
            fail(P_FREE, "deallocate(%p, %zu, %zu) of a live block: %s", (void *)p, size, align,
                 tap_status_name(got));
            R.aborted = 1;
            return;
        }
        model_remove(slot);
        R.frees++;
        return;
    }

    chop_heap before;
    memcpy(&before, heap, sizeof before);
    chop_status got = chop_try_deallocate(heap, (void *)p, size, align);
    R.bad_calls++;
    R.bad_by_status[want]++;
    if (got != want) {
        fail(P_BAD, "deallocate(%p = start%+ld, %zu, %zu): %s, the model says %s", (void *)p,
             (long)(p - M.start), size, align, tap_status_name(got), tap_status_name(want));
        if (got == CHOP_OK)
            R.aborted = 1; /* the heap and the model now disagree */
        return;
    }
    if (memcmp(&before, heap, sizeof before) != 0)
        fail(P_BAD, "deallocate(%p, %zu, %zu) was refused (%s) but changed the chop_heap",
             (void *)p, size, align, tap_status_name(got));
}

static void check_step(chop_heap *heap, int verify_contents)
{
    chop_status c = chop_check(heap);
    if (c != CHOP_OK) {
        fail(P_CHECK, "chop_check: %s", tap_status_name(c));
        R.aborted = 1;
    }
    chop_stats got, want;
    chop_get_stats(heap, &got);
    model_stats(&want);
    if (memcmp(&got, &want, sizeof got) != 0) {
        char msg[300] = "";
        size_t len = 0;
        for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER && len < 200; k++)
            if (got.free_blocks[k] != want.free_blocks[k])
                len += (size_t)snprintf(msg + len, sizeof msg - len, " [%u]: %zu vs %zu", k,
                                        got.free_blocks[k], want.free_blocks[k]);
        fail(P_STATS,
             "stats differ: free %zu vs %zu, largest %zu vs %zu, live %zu vs %zu,"
             " peak %zu vs %zu, failed %zu vs %zu; free blocks%s",
             got.free_bytes, want.free_bytes, got.largest_free_block, want.largest_free_block,
             got.live_allocations, want.live_allocations, got.peak_allocated_bytes,
             want.peak_allocated_bytes, got.failed_requests, want.failed_requests, msg);
        R.aborted = 1;
    }
    if (verify_contents)
        for (size_t i = 0; i < M.nlive; i++)
            if (!block_intact(&M.live[i])) {
                fail(P_PATTERN, "block %u at %p (order %u) lost its contents",
                     (unsigned)M.live[i].id, (void *)M.live[i].addr, M.live[i].order);
                R.aborted = 1;
                break;
            }
}

static unsigned long run_seed(int mode, uint64_t seed)
{
    chop_heap heap;
    const char *m = mode_name(mode);

    memset(&R, 0, sizeof R);
    rng_state = seed;
    size_t offset = 2u * below(MIN_BLOCK + 2u) + 1u; /* odd */
    size_t size = 3000u + below(3000u);
    /* Three or four largest blocks where they are small, so that large requests still
     * run out of memory; but room for dozens of live minimum blocks. */
    if (LARGEST <= SIZE_MAX / 4u && size > 4u * LARGEST) {
        size = 3u * LARGEST + size % LARGEST;
        if (size < 48u * MIN_BLOCK)
            size = 48u * MIN_BLOCK + size % (16u * MIN_BLOCK);
    }
    unsigned char *mem = buf + offset;
    chop_status s = mode == MODE_BITMAP
                        ? chop_init(&heap, mem, size, bitmap_store, chop_bitmap_words_needed(size))
                        : chop_init(&heap, mem, size, NULL, 0);
    if (s != CHOP_OK)
        tap_bail_out("%s: chop_init(offset %zu, size %zu): %s", m, offset, size,
                     tap_status_name(s));
    model_init((uintptr_t)mem, size);
    chop_stats fresh;
    model_stats(&fresh);
    size_t roots = 0;
    for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++)
        roots += fresh.free_blocks[k];
    tap_diag("%s, seed %#llx: region at offset %zu, %zu bytes, %zu managed in %zu roots", m,
             (unsigned long long)seed, offset, size, M.managed, roots);

    unsigned long step;
    unsigned alloc_bias = 50;
    for (step = 0; step < STEPS_PER_SEED && !R.aborted; step++) {
        step_no = step;
        if (step % 2000u == 0)
            alloc_bias = 30u + (unsigned)below(45); /* phases of filling and draining */
        unsigned r = (unsigned)below(100);
        if (M.nlive == 0 || r < alloc_bias * 88u / 100u)
            do_allocate(&heap, M.managed < LARGEST ? M.managed : LARGEST);
        else if (r < 88)
            do_free(&heap);
        else
            do_bad_call(&heap, mode);
        if (!R.aborted)
            check_step(&heap, step % VERIFY_EVERY == 0);
    }

    /* The end: all contents intact, then drain and compare with the fresh heap. */
    step_no = step;
    if (!R.aborted) {
        check_step(&heap, 1);
        while (M.nlive > 0 && !R.aborted) {
            do_free(&heap);
            if (!R.aborted)
                check_step(&heap, 0);
        }
        chop_stats got, want;
        chop_get_stats(&heap, &got);
        want = fresh;
        want.peak_allocated_bytes = M.peak;
        want.failed_requests = M.failed;
        if (memcmp(&got, &want, sizeof got) != 0)
            fail(P_STATS, "after draining everything the statistics are not the fresh heap's");
    }

    for (int p = 0; p < P_COUNT; p++) {
        tap_ok(R.fails[p] == 0, "%s, seed %#llx: %s", m, (unsigned long long)seed, prop_text[p]);
        if (R.fails[p])
            tap_diag("%lu failures, the first at step %lu", R.fails[p], R.first_fail[p] - 1u);
    }
    tap_ok(!R.aborted && step == STEPS_PER_SEED, "%s, seed %#llx: all %u steps ran (%lu done)", m,
           (unsigned long long)seed, STEPS_PER_SEED, step);

    /* The generator must have exercised what it claims to. */
    int covered = R.allocs_ok > STEPS_PER_SEED / 5u && R.allocs_oom > 100u &&
                  R.allocs_invalid > 50u && R.frees > STEPS_PER_SEED / 5u &&
                  R.bad_by_status[CHOP_ERR_DOUBLE_FREE] > 50u &&
                  R.bad_by_status[CHOP_ERR_SIZE_MISMATCH] > 50u && R.max_live > 20u;
    if (mode == MODE_BITMAP)
        covered = covered && R.bad_by_status[CHOP_ERR_INTERIOR_POINTER] > 50u &&
                  R.bad_by_status[CHOP_ERR_MISALIGNED] > 50u &&
                  R.bad_by_status[CHOP_ERR_OUTSIDE_HEAP] > 10u;
    tap_ok(covered,
           "%s, seed %#llx: coverage: %lu allocations, %lu out of memory, %lu invalid,"
           " %lu frees, %lu bad frees (double %lu, size %lu, interior %lu, misaligned"
           " %lu, outside %lu), up to %zu live",
           m, (unsigned long long)seed, R.allocs_ok, R.allocs_oom, R.allocs_invalid, R.frees,
           R.bad_calls, R.bad_by_status[CHOP_ERR_DOUBLE_FREE],
           R.bad_by_status[CHOP_ERR_SIZE_MISMATCH], R.bad_by_status[CHOP_ERR_INTERIOR_POINTER],
           R.bad_by_status[CHOP_ERR_MISALIGNED], R.bad_by_status[CHOP_ERR_OUTSIDE_HEAP],
           R.max_live);
    return step;
}

int main(void)
{
    static const uint64_t seeds[SEEDS] = {UINT64_C(0x5EED0001),         UINT64_C(0xC0FFEE),
                                          UINT64_C(0xBADDCAFE12345678), UINT64_C(42),
                                          UINT64_C(0x0123456789ABCDEF), UINT64_C(7),
                                          UINT64_C(0xFEEDFACE),         UINT64_C(0x1D1D1D1D1D)};
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        if (!mode_runs(mode))
            continue;
        /* The coverage it demands (dozens of live blocks, yet requests out of memory,
         * size mismatches, interior pointers) needs blocks of several orders. */
        if (!block_exists(RANDOM_NEEDS, SEEDS * 9u + 1u, "the random run's coverage"))
            continue;
        unsigned long total = 0;
        for (unsigned i = 0; i < SEEDS; i++)
            total += run_seed(mode, seeds[i]);
        tap_ok(total >= 100000u, "%s: %lu random operations in all (at least 100000)",
               mode_name(mode), total);
    }
    return tap_done();
}
