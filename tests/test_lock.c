/*
 * chop_set_lock(): a counting hook proves that every call takes the lock once (or not
 * at all when it never touches the heap), releases it on every path, never nests it
 * and never holds it while calling user code; then threads hammer one heap under a
 * mutex and the heap must come out sound and whole.
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

struct counter {
    int depth;              /* locks held now */
    int max_depth;          /* most ever held at once */
    unsigned locks, unlocks;
    int held_during_visit;  /* the lock was held while a visitor ran */
};

static void count_lock(void *ctx)
{
    struct counter *c = ctx;
    c->locks++;
    if (++c->depth > c->max_depth)
        c->max_depth = c->depth;
}

static void count_unlock(void *ctx)
{
    struct counter *c = ctx;
    c->unlocks++;
    c->depth--;
}

/* The fixture: one block of min(4 KiB, largest) holding live[0] and live[1], buddies of
 * U bytes (64 in 4 KiB); live[2], an upper buddy of L2 bytes (256 in 4 KiB); live[3], a
 * minimum block, freed.  GROW: live[2] grown (1 KiB in 4 KiB), which must move.  Eight
 * minimum blocks at least. */
#define HEAP (LARGEST < ARENA ? LARGEST : (size_t)ARENA)
#define U (HEAP / 64u < MIN_BLOCK ? MIN_BLOCK : HEAP / 64u)
#define L2 (HEAP / 16u < 2u * U ? 2u * U : HEAP / 16u)
#define GROW (4u * L2 < HEAP / 2u ? 4u * L2 : HEAP / 2u)
#define FIXTURE_NEEDS (8u * MIN_BLOCK)

static struct counter counter;
static chop_heap heap;
static int mode;
static void *live[4];

static void fresh(int m)
{
    reclaim(arena, sizeof arena);
    mode = m;
    if (chop_init(&heap, arena, HEAP, m == MODE_BITMAP ? bitmap : NULL,
                  m == MODE_BITMAP ? CHOP_BITMAP_WORDS(ARENA) : 0) != CHOP_OK)
        tap_bail_out("chop_init");
    chop_try_allocate(&heap, U, 1, &live[0]);
    chop_try_allocate(&heap, U, 1, &live[1]);
    chop_try_allocate(&heap, L2, 1, &live[2]);
    chop_try_allocate(&heap, MIN_BLOCK, 1, &live[3]);
    chop_try_deallocate(&heap, live[3], MIN_BLOCK, 1);
    chop_set_lock(&heap, count_lock, count_unlock, &counter);
}

static int visit(void *ctx, void *block, size_t size, int allocated)
{
    (void)ctx, (void)block, (void)size, (void)allocated;
    if (counter.depth != 0)
        counter.held_during_visit = 1;
    return 0;
}

static int visit_and_free(void *ctx, void *block, size_t size, int allocated)
{
    visit(ctx, block, size, allocated);
    if (allocated)
        chop_free(&heap, block); /* calling back into chopalloc: must not deadlock */
    return 0;
}

static unsigned visits;
static int count_visits(void *ctx, void *block, size_t size, int allocated)
{
    visits++;
    return visit(ctx, block, size, allocated);
}

/* One call on the prepared heap; returns how many times it should take the lock. */
typedef unsigned (*call_fn)(void);

#define CALL(name, locks, body)                                                              \
    static unsigned name(void)                                                             \
    {                                                                                      \
        body;                                                                              \
        return locks;                                                                      \
    }

static void *out;
static void *moving;
CALL(alloc_ok, 1, chop_try_allocate(&heap, HEAP / 4u < 100u ? HEAP / 4u : 100u, 8, &out))
CALL(alloc_oom, 1, chop_try_allocate(&heap, HEAP, 1, &out))
CALL(alloc_bad_layout, 1, chop_try_allocate(&heap, 0, 1, &out))
CALL(alloc_null_out, 0, chop_try_allocate(&heap, 8, 1, NULL))
CALL(alloc_null_heap, 0, chop_try_allocate(NULL, 8, 1, &out))
CALL(dealloc_ok, 1, chop_try_deallocate(&heap, live[2], L2, 1))
CALL(dealloc_merging, 1, chop_try_deallocate(&heap, live[1], U, 1))
CALL(dealloc_bad_layout, 0, chop_try_deallocate(&heap, live[2], 0, 1))
CALL(dealloc_outside, 1, chop_try_deallocate(&heap, &heap, MIN_BLOCK, 1))
CALL(dealloc_misaligned, 1, chop_try_deallocate(&heap, (char *)live[2] + MIN_BLOCK, L2, 1))
CALL(dealloc_double, 1, chop_try_deallocate(&heap, live[3], MIN_BLOCK, 1))
CALL(dealloc_interior, 1,
     chop_try_deallocate(&heap, (char *)live[2] + MIN_BLOCK, MIN_BLOCK, 1))
CALL(dealloc_size, 1, chop_try_deallocate(&heap, live[2], 2u * L2, 1))
CALL(dealloc_null, 0, chop_try_deallocate(NULL, live[2], L2, 1))
CALL(free_ok, 1, chop_try_free(&heap, live[2]))
CALL(free_double, 1, chop_try_free(&heap, live[3]))
CALL(free_interior, 1, chop_try_free(&heap, (char *)live[2] + 1))
CALL(free_outside, 1, chop_try_free(&heap, &heap))
CALL(free_null, 0, chop_try_free(&heap, NULL))
CALL(usable, 1, (void)chop_usable_size(&heap, live[2]))
CALL(usable_bad, 1, (void)chop_usable_size(&heap, live[3]))
/* 256 -> 20, 200 and 1024 bytes (and 700 through chop_realloc) in 4 KiB. */
CALL(realloc_shrink, 1,
     (moving = live[2], chop_try_reallocate(&heap, &moving, L2, L2 * 5u / 64u, 1)))
CALL(realloc_same, 1,
     (moving = live[2], chop_try_reallocate(&heap, &moving, L2, L2 * 25u / 32u, 1)))
CALL(realloc_grow, 1, (moving = live[2], chop_try_reallocate(&heap, &moving, L2, GROW, 1)))
CALL(realloc_move, 1, (moving = live[0], chop_try_reallocate(&heap, &moving, U, 2u * U, 1)))
CALL(realloc_oom, 1, (moving = live[2], chop_try_reallocate(&heap, &moving, L2, HEAP, 1)))
CALL(realloc_bad_new, 1, (moving = live[2], chop_try_reallocate(&heap, &moving, L2, 0, 1)))
CALL(realloc_bad_old, 0, (moving = live[2], chop_try_reallocate(&heap, &moving, 0, 8, 1)))
CALL(realloc_stale, 1,
     (moving = live[3], chop_try_reallocate(&heap, &moving, MIN_BLOCK, 8, 1)))
CALL(c_malloc, 1, out = chop_malloc(&heap, 50))
CALL(c_malloc_zero, 0, out = chop_malloc(&heap, 0))
CALL(c_calloc, 1, out = chop_calloc(&heap, 5, 10))
CALL(c_calloc_overflow, 0, out = chop_calloc(&heap, SIZE_MAX, 2))
CALL(c_realloc_null, 1, out = chop_realloc(&heap, NULL, 30))
CALL(c_realloc_grow, 1, out = chop_realloc(&heap, live[2], GROW / 4u * 175u / 64u))
CALL(c_realloc_zero, 1, out = chop_realloc(&heap, live[2], 0))
CALL(c_realloc_bad, 1, out = chop_realloc(&heap, live[3], 30))
CALL(c_free, 1, chop_free(&heap, live[2]))
CALL(c_free_null, 0, chop_free(&heap, NULL))
CALL(check, 1, chop_check(&heap))
CALL(stats, 1, (void)stats_of(&heap))
CALL(walk_all, visits + 1u, (visits = 0, chop_walk(&heap, count_visits, NULL)))
CALL(walk_freeing, counter.locks, chop_walk(&heap, visit_and_free, NULL))

static const struct {
    const char *name;
    call_fn call;
    int bitmap_only; /* a misuse only bitmap mode refuses */
} calls[] = {
    {"chop_try_allocate", alloc_ok, 0},
    {"chop_try_allocate, out of memory", alloc_oom, 0},
    {"chop_try_allocate, bad layout", alloc_bad_layout, 0},
    {"chop_try_allocate, NULL out (no lock)", alloc_null_out, 0},
    {"chop_try_allocate, NULL heap (no lock)", alloc_null_heap, 0},
    {"chop_try_deallocate", dealloc_ok, 0},
    {"chop_try_deallocate, merging", dealloc_merging, 0},
    {"chop_try_deallocate, bad layout (no lock: heap not read)", dealloc_bad_layout, 0},
    {"chop_try_deallocate, outside", dealloc_outside, 0},
    {"chop_try_deallocate, misaligned", dealloc_misaligned, 0},
    {"chop_try_deallocate, double free", dealloc_double, 0},
    {"chop_try_deallocate, interior pointer", dealloc_interior, 1},
    {"chop_try_deallocate, size mismatch", dealloc_size, 1},
    {"chop_try_deallocate, NULL heap (no lock)", dealloc_null, 0},
    {"chop_try_free", free_ok, 0},
    {"chop_try_free, double free", free_double, 0},
    {"chop_try_free, interior pointer", free_interior, 0},
    {"chop_try_free, outside", free_outside, 0},
    {"chop_try_free, NULL pointer (no lock)", free_null, 0},
    {"chop_usable_size", usable, 0},
    {"chop_usable_size, freed block", usable_bad, 0},
    {"chop_try_reallocate, shrink", realloc_shrink, 0},
    {"chop_try_reallocate, same block", realloc_same, 0},
    {"chop_try_reallocate, grow (moves: it is an upper buddy)", realloc_grow, 0},
    {"chop_try_reallocate, move", realloc_move, 0},
    {"chop_try_reallocate, out of memory", realloc_oom, 0},
    {"chop_try_reallocate, bad new layout", realloc_bad_new, 0},
    {"chop_try_reallocate, bad old layout (no lock)", realloc_bad_old, 0},
    {"chop_try_reallocate, stale pointer", realloc_stale, 0},
    {"chop_malloc", c_malloc, 0},
    {"chop_malloc(0) (no lock)", c_malloc_zero, 0},
    {"chop_calloc", c_calloc, 0},
    {"chop_calloc, overflow (no lock)", c_calloc_overflow, 0},
    {"chop_realloc(NULL, n)", c_realloc_null, 0},
    {"chop_realloc, grow", c_realloc_grow, 0},
    {"chop_realloc(p, 0)", c_realloc_zero, 0},
    {"chop_realloc, freed block", c_realloc_bad, 0},
    {"chop_free", c_free, 0},
    {"chop_free(NULL) (no lock)", c_free_null, 0},
    {"chop_check", check, 0},
    {"chop_get_stats", stats, 0},
    {"chop_walk (once per block, plus the end)", walk_all, 0},
    {"chop_walk, a visitor that frees (balanced)", walk_freeing, 0},
};

static void test_counting_hook(int m)
{
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        if (calls[i].bitmap_only && m == MODE_FREELIST) {
            tap_skip(2, "%s: %s: free-list mode accepts it (see README)", mode_name(m),
                     calls[i].name);
            continue;
        }
        fresh(m);
        memset(&counter, 0, sizeof counter);
        unsigned want = calls[i].call();
        int ok = counter.locks == counter.unlocks && counter.depth == 0 &&
                 counter.max_depth <= 1 && !counter.held_during_visit && counter.locks == want;
        tap_ok(ok, "%s: %s: locked %u times (want %u), unlocked %u, nested %d deep%s",
               mode_name(m), calls[i].name, counter.locks, want, counter.unlocks,
               counter.max_depth, counter.held_during_visit ? ", HELD DURING A VISIT" : "");
        chop_set_lock(&heap, NULL, NULL, NULL);
        tap_ok(chop_check(&heap) == CHOP_OK, "%s: ... the heap is sound after it", mode_name(m));
    }
}

static void test_set_lock(void)
{
    int m = mode_built(MODE_FREELIST) ? MODE_FREELIST : MODE_BITMAP;
    fresh(m);
    memset(&counter, 0, sizeof counter);
    chop_set_lock(&heap, count_lock, NULL, &counter);
    chop_check(&heap);
    tap_is_int(counter.locks, 0, "chop_set_lock with a NULL unlock removes locking");
    chop_set_lock(&heap, count_lock, count_unlock, &counter);
    chop_set_lock(NULL, count_lock, count_unlock, &counter); /* nothing to do */
    chop_check(&heap);
    tap_is_int(counter.locks, 1, "chop_set_lock sets it again");
    chop_init(&heap, arena, ARENA, m == MODE_BITMAP ? bitmap : NULL,
              m == MODE_BITMAP ? CHOP_BITMAP_WORDS(ARENA) : 0);
    chop_check(&heap);
    tap_is_int(counter.locks, 1, "chop_init clears the lock");
}

#if CHOP_TEST_PTHREADS
#include <pthread.h>

#define THREADS 4
#define STEPS 20000
/* Requests of up to 700 bytes, or the largest block. */
#define MOST (LARGEST < 700u ? LARGEST : (size_t)700u)
#define BIG_ARENA 65536u
static _Alignas(BIG_ARENA) unsigned char big[BIG_ARENA];
static uint64_t big_bitmap[CHOP_BITMAP_WORDS(BIG_ARENA)];
static chop_heap shared;

struct guard {
    pthread_mutex_t mutex;
    int holders; /* inside the lock: must be 1 */
    int broken;
};
static struct guard guard = {PTHREAD_MUTEX_INITIALIZER, 0, 0};

static void mutex_lock(void *ctx)
{
    struct guard *g = ctx;
    pthread_mutex_lock(&g->mutex);
    if (++g->holders != 1)
        g->broken = 1;
}

static void mutex_unlock(void *ctx)
{
    struct guard *g = ctx;
    g->holders--;
    pthread_mutex_unlock(&g->mutex);
}

struct worker {
    unsigned id;
    int use_bitmap;
    int failed;       /* a block lost its contents or a call misbehaved */
    unsigned ops;
};

static void *hammer(void *arg)
{
    enum { SLOTS = 32 };
    struct worker *w = arg;
    void *ptr[SLOTS] = {0};
    size_t size[SLOTS] = {0};
    unsigned seed[SLOTS] = {0};
    uint32_t rng = 2654435761u * (w->id + 1u);

    for (unsigned step = 0; step < STEPS; step++) {
        rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
        unsigned i = rng % SLOTS;
        size_t want = 1u + (rng >> 8) % MOST;
        unsigned tag = w->id * 1000003u + step;
        if (!ptr[i]) {
            void *p = (rng >> 20) & 1u ? chop_malloc(&shared, want) : NULL;
            if (!p && chop_try_allocate(&shared, want, 1, &p) != CHOP_OK)
                continue;
            ptr[i] = p, size[i] = want, seed[i] = tag;
            fill(p, want, tag);
        } else if (!verify(ptr[i], size[i], seed[i])) {
            w->failed = 1;
        } else if ((rng >> 24) % 3u == 0) {
            void *p = ptr[i];
            chop_status st = chop_try_reallocate(&shared, &p, size[i], want, 1);
            if (st == CHOP_OK) {
                size_t kept = size[i] < want ? size[i] : want;
                if (!verify(p, kept, seed[i]))
                    w->failed = 1;
                ptr[i] = p, size[i] = want, seed[i] = tag;
                fill(p, want, tag);
            } else if (st != CHOP_ERR_OUT_OF_MEMORY || p != ptr[i]) {
                w->failed = 1;
            }
        } else {
            chop_status st = w->use_bitmap && (rng >> 26) & 1u
                                 ? chop_try_free(&shared, ptr[i])
                                 : chop_try_deallocate(&shared, ptr[i], size[i], 1);
            if (st != CHOP_OK)
                w->failed = 1;
            ptr[i] = NULL;
        }
        w->ops++;
    }
    for (unsigned i = 0; i < SLOTS; i++)
        if (ptr[i] && (!verify(ptr[i], size[i], seed[i]) ||
                       chop_try_deallocate(&shared, ptr[i], size[i], 1) != CHOP_OK))
            w->failed = 1;
    return NULL;
}

static void test_threads(int m)
{
    const char *name = mode_name(m);
    if (chop_init(&shared, big, BIG_ARENA, m == MODE_BITMAP ? big_bitmap : NULL,
                  m == MODE_BITMAP ? CHOP_BITMAP_WORDS(BIG_ARENA) : 0) != CHOP_OK)
        tap_bail_out("chop_init");
    chop_set_lock(&shared, mutex_lock, mutex_unlock, &guard);
    pthread_t thread[THREADS];
    struct worker worker[THREADS];
    for (unsigned t = 0; t < THREADS; t++) {
        worker[t] = (struct worker){t, m == MODE_BITMAP, 0, 0};
        if (pthread_create(&thread[t], NULL, hammer, &worker[t]) != 0)
            tap_bail_out("pthread_create");
    }
    int failed = 0;
    unsigned ops = 0;
    for (unsigned t = 0; t < THREADS; t++) {
        pthread_join(thread[t], NULL);
        failed |= worker[t].failed;
        ops += worker[t].ops;
    }
    tap_ok(!failed, "%s: %d threads, %u operations on one heap: every block kept its contents",
           name, THREADS, ops);
    tap_ok(!guard.broken, "%s: ... the mutex hook was never entered twice", name);
    tap_is_status(chop_check(&shared), CHOP_OK, "%s: ... chop_check passes", name);
    /* Drained, the heap must be carved as when fresh (the loader may not honour the
     * 64 KiB alignment, under Valgrind for one, so ask the model). */
    struct carving fresh_heap;
    carve((uintptr_t)big, BIG_ARENA, &fresh_heap);
    chop_stats st = stats_of(&shared);
    st.peak_allocated_bytes = fresh_heap.fresh.peak_allocated_bytes;
    st.failed_requests = fresh_heap.fresh.failed_requests;
    tap_is_stats(&st, &fresh_heap.fresh, "%s: ... drained, the heap is whole again", name);
}
#endif

int main(void)
{
    for (int m = MODE_BITMAP; m <= MODE_FREELIST; m++) {
        if (!mode_runs(m))
            continue;
        /* The fixture's blocks lie in one block (buddies, merges). */
        if (block_exists(FIXTURE_NEEDS, 86u, "the lock-counting fixture"))
            test_counting_hook(m);
#if CHOP_TEST_PTHREADS
        test_threads(m);
#else
        tap_skip(1, "%s: threads: no POSIX threads on this platform", mode_name(m));
#endif
    }
    test_set_lock();
    return tap_done();
}
