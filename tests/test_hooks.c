/*
 * chop_set_hooks() and chop_reset_watermarks(): a recording trace hook proves that every
 * allocate, free and resize is reported once, refusals included, with what happened and
 * where it was called from; a fault hook fails chosen allocations exactly like a full
 * heap; the hooks run with the lock released; the watermarks restart.
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <string.h>

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

/* Where the compiler gives no return address (src/internal.h), callers are NULL. */
#if defined(__GNUC__) && !defined(__AVR_3_BYTE_PC__)
#define CHOPI_TEST_NO_CALLER 0
#else
#define CHOPI_TEST_NO_CALLER 1
#endif

#define ARENA 4096u
static _Alignas(ARENA) unsigned char arena[ARENA];
static uint64_t bitmap[CHOP_BITMAP_WORDS(ARENA)];

#define MAX_EVENTS 64
struct recorder {
    chop_event events[MAX_EVENTS];
    unsigned count;
    unsigned asked;       /* calls of the fault hook */
    unsigned fail_from;   /* the fault hook fails calls number fail_from and later */
    size_t asked_size;    /* the size the fault hook was last asked about */
    int lock_depth;       /* the lock, counted by the lock hooks */
    int locked_in_hook;   /* a hook ran with the lock held */
};

static void record(void *ctx, const chop_event *event)
{
    struct recorder *r = ctx;
    if (r->lock_depth != 0)
        r->locked_in_hook = 1;
    if (r->count < MAX_EVENTS)
        r->events[r->count] = *event;
    r->count++;
}

static int fail_chosen(void *ctx, size_t size, size_t align)
{
    struct recorder *r = ctx;
    (void)align;
    if (r->lock_depth != 0)
        r->locked_in_hook = 1;
    r->asked_size = size;
    return ++r->asked >= r->fail_from;
}

static void lock(void *ctx)
{
    ((struct recorder *)ctx)->lock_depth++;
}

static void unlock(void *ctx)
{
    ((struct recorder *)ctx)->lock_depth--;
}

static chop_status init_mode(chop_heap *heap, int mode)
{
    if (mode == MODE_BITMAP)
        return chop_init(heap, arena, ARENA, bitmap, CHOP_BITMAP_WORDS(ARENA));
    return chop_init(heap, arena, ARENA, NULL, 0);
}

/* The last event recorded, or a zeroed one when there is none. */
static chop_event last(const struct recorder *r)
{
    chop_event none;
    memset(&none, 0, sizeof none);
    return r->count ? r->events[(r->count - 1u) % MAX_EVENTS] : none;
}

static void expect_event(const struct recorder *r, unsigned count, chop_event_kind kind,
                         chop_status status, const void *ptr, size_t size, size_t block_size,
                         const char *what)
{
    chop_event e = last(r);
    tap_ok(r->count == count && e.kind == kind && e.status == status && e.ptr == ptr &&
               e.size == size && e.block_size == block_size,
           "%s: event %u kind %d status %s ptr %p size %zu block %zu", what, r->count,
           (int)e.kind, chop_strerror(e.status), e.ptr, e.size, e.block_size);
}

/* Allocations made from one line of code report one caller, two lines two callers. */
static void test_callers(int mode)
{
    chop_heap heap;
    struct recorder r;
    chop_hooks hooks = { record, NULL, &r };
    void *p[4];
    memset(&r, 0, sizeof r);
    (void)init_mode(&heap, mode);
    chop_set_hooks(&heap, &hooks);
    volatile int times = 2; /* not a constant: the loop stays one call site */
    for (int i = 0; i < times; i++)
        (void)chop_try_allocate(&heap, 1, 1, &p[i]);
    (void)chop_try_allocate(&heap, 1, 1, &p[2]);
    p[3] = chop_malloc(&heap, 1);
    tap_ok(r.events[0].caller != NULL || CHOPI_TEST_NO_CALLER,
           "%s: a caller is reported", mode_name(mode));
    tap_ok(r.events[0].caller == r.events[1].caller, "%s: one call site, one caller",
           mode_name(mode));
    tap_ok(r.events[1].caller != r.events[2].caller || CHOPI_TEST_NO_CALLER,
           "%s: two call sites, two callers", mode_name(mode));
    tap_ok(r.events[3].caller != r.events[2].caller || CHOPI_TEST_NO_CALLER,
           "%s: chop_malloc() reports its own caller, not a call inside chopalloc",
           mode_name(mode));
}

/* Every kind of call is reported once, with its result. */
static void test_trace(int mode)
{
    chop_heap heap;
    struct recorder r;
    chop_hooks hooks = { record, NULL, &r };
    const char *m = mode_name(mode);
    void *a = NULL, *b = NULL;
    unsigned n = 0;
    /* A request for the largest block runs out once a block is taken from the first
     * root, when that root is the whole arena. */
    const int runs_out = LARGEST >= ARENA;
    memset(&r, 0, sizeof r);
    (void)init_mode(&heap, mode);
    chop_set_hooks(&heap, &hooks);

    tap_is_status(chop_try_allocate(&heap, 3, 1, &a), CHOP_OK, "%s: allocate", m);
    expect_event(&r, ++n, CHOP_EVENT_ALLOCATE, CHOP_OK, a, 3, MIN_BLOCK, "allocate");
    tap_is_status(chop_try_allocate(&heap, 0, 1, &b), CHOP_ERR_INVALID_LAYOUT,
                  "%s: a zero-size allocate is refused", m);
    expect_event(&r, ++n, CHOP_EVENT_ALLOCATE, CHOP_ERR_INVALID_LAYOUT, NULL, 0, 0,
                 "refused allocate");
    if (runs_out) {
        tap_is_status(chop_try_allocate(&heap, LARGEST, 1, &b), CHOP_ERR_OUT_OF_MEMORY,
                      "%s: a full-size allocate runs out", m);
        expect_event(&r, ++n, CHOP_EVENT_ALLOCATE, CHOP_ERR_OUT_OF_MEMORY, NULL, LARGEST, 0,
                     "out of memory");
    }
    tap_is_status(chop_try_deallocate(&heap, a, 3, 1), CHOP_OK, "%s: sized free", m);
    expect_event(&r, ++n, CHOP_EVENT_FREE, CHOP_OK, a, 3, MIN_BLOCK, "sized free");
    tap_is_status(chop_try_deallocate(&heap, a, 3, 1), CHOP_ERR_DOUBLE_FREE,
                  "%s: a double free is refused", m);
    expect_event(&r, ++n, CHOP_EVENT_FREE, CHOP_ERR_DOUBLE_FREE, a, 3, 0, "double free");
    tap_is_status(chop_try_deallocate(&heap, a, 3, 3), CHOP_ERR_INVALID_LAYOUT,
                  "%s: a bad layout is refused", m);
    expect_event(&r, ++n, CHOP_EVENT_FREE, CHOP_ERR_INVALID_LAYOUT, a, 3, 0, "bad layout");

    a = NULL;
    (void)chop_try_allocate(&heap, 1, 1, &a);
    n++;
    tap_is_status(chop_try_reallocate(&heap, &a, 1, 1, 1), CHOP_OK, "%s: resize", m);
    chop_event e = last(&r);
    tap_ok(r.count == ++n && e.kind == CHOP_EVENT_RESIZE && e.ptr == a && e.old_ptr == a &&
               e.block_size == MIN_BLOCK && e.old_block_size == MIN_BLOCK,
           "%s: resize reported with both blocks", m);
    tap_is_status(chop_try_reallocate(&heap, &a, 1, 1, 3), CHOP_ERR_INVALID_LAYOUT,
                  "%s: a resize with a bad layout is refused", m);
    expect_event(&r, ++n, CHOP_EVENT_RESIZE, CHOP_ERR_INVALID_LAYOUT, a, 1, 0, "bad resize");
    if (runs_out) {
        tap_is_status(chop_try_reallocate(&heap, &a, 1, LARGEST, 1), CHOP_ERR_OUT_OF_MEMORY,
                      "%s: a resize to the largest block runs out", m);
        expect_event(&r, ++n, CHOP_EVENT_RESIZE, CHOP_ERR_OUT_OF_MEMORY, a, LARGEST, 0,
                     "resize out of memory");
    }

    if (mode == MODE_BITMAP) {
        chop_free(&heap, a);
        expect_event(&r, ++n, CHOP_EVENT_FREE, CHOP_OK, a, 0, MIN_BLOCK, "chop_free");
        tap_is_status(chop_try_free(&heap, a), CHOP_ERR_DOUBLE_FREE, "%s: unsized double free",
                      m);
        expect_event(&r, ++n, CHOP_EVENT_FREE, CHOP_ERR_DOUBLE_FREE, a, 0, 0, "try_free");
        a = chop_realloc(&heap, NULL, 5);
        expect_event(&r, ++n, CHOP_EVENT_ALLOCATE, CHOP_OK, a, 5, MIN_BLOCK, "realloc(NULL)");
        b = chop_calloc(&heap, 1, 2);
        expect_event(&r, ++n, CHOP_EVENT_ALLOCATE, CHOP_OK, b, 2, MIN_BLOCK, "calloc");
        tap_ok(chop_realloc(&heap, a, 0) == NULL, "%s: realloc to 0 frees", m);
        expect_event(&r, ++n, CHOP_EVENT_FREE, CHOP_OK, a, 0, MIN_BLOCK, "realloc(p, 0)");
        chop_free(&heap, NULL);
        tap_is_int((long long)r.count, (long long)n, "%s: chop_free(NULL) is no call to report",
                   m);
    } else {
        tap_ok(chop_realloc(&heap, a, 8) == NULL, "%s: realloc needs a bitmap", m);
        expect_event(&r, ++n, CHOP_EVENT_RESIZE, CHOP_ERR_NEEDS_BITMAP, a, 8, 0,
                     "realloc in free-list mode");
    }

    tap_ok(chop_realloc(NULL, NULL, 8) == NULL && chop_realloc(&heap, NULL, 0) == NULL,
           "%s: realloc of NULL to 0 bytes, or on no heap, allocates nothing", m);
    chop_set_hooks(&heap, NULL);
    unsigned before = r.count;
    (void)chop_try_allocate(&heap, 1, 1, &b);
    tap_is_int((long long)r.count, (long long)before, "%s: removed hooks are not called", m);
    chop_set_hooks(&heap, &hooks);
    (void)init_mode(&heap, mode);
    (void)chop_try_allocate(&heap, 1, 1, &b);
    tap_is_int((long long)r.count, (long long)before, "%s: chop_init() removes the hooks", m);
}

/* Injected failures: refused exactly as a full heap refuses, and nothing changes. */
static void test_faults(int mode)
{
    chop_heap heap;
    struct recorder r;
    chop_hooks hooks = { record, fail_chosen, &r };
    const char *m = mode_name(mode);
    void *a = NULL, *b = NULL;
    chop_stats before, after;
    memset(&r, 0, sizeof r);
    r.fail_from = 2;
    (void)init_mode(&heap, mode);
    chop_set_hooks(&heap, &hooks);

    tap_is_status(chop_try_allocate(&heap, 1, 1, &a), CHOP_OK, "%s: the first is let through", m);
    chop_get_stats(&heap, &before);
    tap_is_status(chop_try_allocate(&heap, 7, 1, &b), CHOP_ERR_OUT_OF_MEMORY,
                  "%s: the second is failed", m);
    tap_ok(b == NULL && r.asked == 2 && r.asked_size == 7, "%s: the hook saw the request", m);
    expect_event(&r, 2, CHOP_EVENT_ALLOCATE, CHOP_ERR_OUT_OF_MEMORY, NULL, 7, 0,
                 "injected failure");
    chop_get_stats(&heap, &after);
    before.failed_requests++;
    tap_is_stats(&after, &before, "%s: only failed_requests changed", m);
    tap_is_status(chop_check(&heap), CHOP_OK, "%s: the heap is sound", m);
    tap_is_status(chop_try_allocate(&heap, 1, 3, &b), CHOP_ERR_INVALID_LAYOUT,
                  "%s: a bad layout keeps its own refusal", m);
    tap_is_int((long long)r.asked, 2, "%s: and the hook is not asked about it", m);
    tap_ok(chop_malloc(&heap, 1) == NULL, "%s: chop_malloc() fails too", m);

    if (block_exists(2u * MIN_BLOCK, 3, "growing a block")) {
        tap_is_status(chop_try_reallocate(&heap, &a, 1, 2u * MIN_BLOCK, 1),
                      CHOP_ERR_OUT_OF_MEMORY, "%s: a resize that grows is failed", m);
        tap_is_status(chop_try_reallocate(&heap, &a, 1, 1, 1), CHOP_OK,
                      "%s: a resize that keeps the block is not", m);
        tap_is_status(chop_check(&heap), CHOP_OK, "%s: the heap is still sound", m);
    }
    /* A fault hook alone: failures without a trace. */
    const chop_hooks fail_only = { NULL, fail_chosen, &r };
    unsigned traced = r.count;
    chop_set_hooks(&heap, &fail_only);
    tap_is_status(chop_try_allocate(&heap, 1, 1, &b), CHOP_ERR_OUT_OF_MEMORY,
                  "%s: a fault hook without a trace hook fails", m);
    tap_is_int((long long)r.count, (long long)traced, "%s: and nothing is traced", m);
    chop_set_hooks(&heap, &hooks);
    r.fail_from = ~0u;
    tap_is_status(chop_try_allocate(&heap, 1, 1, &b), CHOP_OK, "%s: let through again", m);
    tap_is_status(chop_try_deallocate(&heap, b, 1, 1), CHOP_OK, "%s: frees are never failed", m);
    tap_is_status(chop_try_deallocate(&heap, a, 1, 1), CHOP_OK, "%s: the first block frees", m);
}

/* Hooks and a lock together: the hooks run unlocked, the lock stays balanced, and
 * setting or removing either keeps the other. */
static void test_with_lock(int mode)
{
    chop_heap heap;
    struct recorder r;
    chop_hooks hooks = { record, fail_chosen, &r };
    const char *m = mode_name(mode);
    void *a = NULL;
    memset(&r, 0, sizeof r);
    r.fail_from = ~0u;
    (void)init_mode(&heap, mode);
    chop_set_hooks(&heap, &hooks);
    chop_set_lock(&heap, lock, unlock, &r);
    (void)chop_try_allocate(&heap, 1, 1, &a);
    (void)chop_try_reallocate(&heap, &a, 1, 2, 1);
    (void)chop_try_deallocate(&heap, a, 2, 1);
    (void)chop_try_deallocate(&heap, a, 2, 1);
    tap_ok(r.count == 4 && r.asked == 2, "%s: locked heap: every call reported", m);
    tap_ok(!r.locked_in_hook && r.lock_depth == 0, "%s: hooks run unlocked, lock balanced", m);
    chop_set_lock(&heap, NULL, NULL, NULL);
    (void)chop_try_allocate(&heap, 1, 1, &a);
    tap_is_int((long long)r.count, 5, "%s: removing the lock keeps the hooks", m);
    chop_set_lock(&heap, lock, unlock, &r);
    chop_set_hooks(&heap, NULL);
    unsigned locks_before = r.count;
    (void)chop_try_deallocate(&heap, a, 1, 1);
    tap_ok(r.count == locks_before && r.lock_depth == 0 && chop_check(&heap) == CHOP_OK,
           "%s: removing the hooks keeps the lock", m);
}

static void test_watermarks(int mode)
{
    chop_heap heap;
    chop_stats st;
    const char *m = mode_name(mode);
    void *a = NULL, *b = NULL, *c = NULL;
    (void)init_mode(&heap, mode);
    (void)chop_try_allocate(&heap, MIN_BLOCK, 1, &a);
    (void)chop_try_allocate(&heap, MIN_BLOCK, 1, &b);
    (void)chop_try_allocate(&heap, 0, 1, &c);
    (void)chop_try_deallocate(&heap, b, MIN_BLOCK, 1);
    chop_get_stats(&heap, &st);
    tap_ok(st.peak_allocated_bytes == 2u * MIN_BLOCK && st.failed_requests == 1,
           "%s: before the reset: peak %zu, failed %zu", m, st.peak_allocated_bytes,
           st.failed_requests);
    chop_reset_watermarks(&heap);
    chop_get_stats(&heap, &st);
    tap_ok(st.peak_allocated_bytes == MIN_BLOCK && st.failed_requests == 0 &&
               st.allocated_bytes == MIN_BLOCK && st.live_allocations == 1,
           "%s: after: the peak is what is allocated now, no failures, nothing else changed",
           m);
    chop_reset_watermarks(NULL); /* nothing happens */
    chop_set_hooks(NULL, NULL);
    tap_is_status(chop_try_deallocate(&heap, a, MIN_BLOCK, 1), CHOP_OK, "%s: still frees", m);
}

int main(void)
{
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        if (!mode_runs(mode))
            continue;
        test_callers(mode);
        test_trace(mode);
        test_faults(mode);
        test_with_lock(mode);
        test_watermarks(mode);
    }
    return tap_done();
}
