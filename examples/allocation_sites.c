/*
 * allocation_sites: a leak report by call site, built on the trace hook, and an
 * out-of-memory path exercised with the fault hook.
 * SPDX-License-Identifier: MIT
 *
 * A trace hook keeps a table of the live allocations and the return address each came
 * from: everything a firmware needs for a leak report or allocation-site statistics,
 * in a fixed table, with no allocation of its own.  At the end the live allocations
 * are printed by call site, each site named as "function+offset" (the offset from the
 * start of the function that made the call), which on a target is what addr2line or
 * the map file turns into a source line.  Then a fault hook fails one allocation in
 * three, so that the program's out-of-memory paths run.
 */
#include <stdint.h>
#include <stdio.h>

#include "chopalloc.h"

#define HEAP_BYTES 4096u
#define LARGEST_REQUEST 128u

#if CHOPALLOC_MAX_ORDER - 1 < 7 /* 2^7 = LARGEST_REQUEST */

int main(void)
{
    printf("allocation_sites: skipped: the example needs %u-byte blocks, but this build's "
           "largest block is %zu bytes (configure --with-max-order=8 or more)\n",
           LARGEST_REQUEST, chop_largest_block_size());
    return 0;
}

#else

static _Alignas(HEAP_BYTES) unsigned char memory[HEAP_BYTES];
#if CHOPALLOC_HAVE_BITMAP
static uint64_t bitmap[CHOP_BITMAP_WORDS(HEAP_BYTES)];
#define BITMAP bitmap
#define BITMAP_WORDS CHOP_BITMAP_WORDS(HEAP_BYTES)
#else
#define BITMAP NULL
#define BITMAP_WORDS 0
#endif
static chop_heap heap;

/* --- the leak tracker: a fixed table filled by the trace hook ------------------- */

#define MAX_LIVE 64
struct live {
    void *ptr;          /* NULL: a free slot */
    size_t size;        /* bytes asked for */
    const void *caller; /* where the allocation was made */
};

struct tracker {
    struct live live[MAX_LIVE];
    unsigned refusals;
    unsigned asked; /* allocations the fault hook was asked about */
};

static void track(void *ctx, const chop_event *event)
{
    struct tracker *t = ctx;
    if (event->status != CHOP_OK) {
        t->refusals++;
        return;
    }
    void *gone = event->kind == CHOP_EVENT_FREE     ? event->ptr
                 : event->kind == CHOP_EVENT_RESIZE ? event->old_ptr
                                                    : NULL;
    void *added = event->kind == CHOP_EVENT_FREE ? NULL : event->ptr;
    for (unsigned i = 0; i < MAX_LIVE && gone; i++)
        if (t->live[i].ptr == gone) {
            t->live[i].ptr = NULL;
            gone = NULL;
        }
    for (unsigned i = 0; i < MAX_LIVE && added; i++)
        if (!t->live[i].ptr) {
            t->live[i].ptr = added;
            t->live[i].size = event->size;
            t->live[i].caller = event->caller;
            added = NULL;
        }
}

/* --- the program: three modules that allocate, one of which leaks --------------- */

/*
 * A call site is a return address, so it lies in the function that made the call: in
 * a function the compiler inlined (or cloned), that is the function it was copied
 * into.  Here each module stays a function of its own, so that the report names it.
 */
#if defined(__clang__)
#define OWN_FUNCTION __attribute__((noinline))
#elif defined(__GNUC__) && __GNUC__ >= 8
#define OWN_FUNCTION __attribute__((noipa))
#elif defined(__GNUC__)
#define OWN_FUNCTION __attribute__((noinline, noclone))
#else
#define OWN_FUNCTION
#endif

OWN_FUNCTION static void *sensor_buffer(void)
{
    void *p = NULL;
    (void)chop_try_allocate(&heap, 96, 8, &p);
    return p;
}

OWN_FUNCTION static void log_line(unsigned n)
{
    void *p = NULL;
    if (chop_try_allocate(&heap, 24, 1, &p) == CHOP_OK && n % 3 != 0)
        (void)chop_try_deallocate(&heap, p, 24, 1); /* every third line is leaked */
}

OWN_FUNCTION static int parse_packet(void)
{
    void *header = NULL, *body = NULL;
    if (chop_try_allocate(&heap, 16, 4, &header) != CHOP_OK)
        return -1;
    if (chop_try_allocate(&heap, 40, 4, &body) != CHOP_OK) {
        (void)chop_try_deallocate(&heap, header, 16, 4); /* the out-of-memory path */
        return -1;
    }
    (void)chop_try_deallocate(&heap, body, 40, 4);
    (void)chop_try_deallocate(&heap, header, 16, 4);
    return 0;
}

/* The functions above, to name a call site by the function it lies in. */
struct function {
    const char *name;
    uintptr_t start;
};

/* The function that holds code address pc: the one that starts closest below it. */
static const struct function *function_at(const struct function *f, unsigned n, uintptr_t pc)
{
    const struct function *best = NULL;
    for (unsigned i = 0; i < n; i++)
        if (f[i].start <= pc && (!best || f[i].start > best->start))
            best = &f[i];
    return best;
}

static void report(const struct tracker *t, const struct function *f, unsigned n)
{
    /* Group the live allocations by caller: each site once, in order of first use. */
    printf("live allocations by call site:\n");
    for (unsigned i = 0; i < MAX_LIVE; i++) {
        const void *site = t->live[i].caller;
        int seen = !t->live[i].ptr;
        for (unsigned j = 0; j < i && !seen; j++)
            seen = t->live[j].ptr && t->live[j].caller == site;
        if (seen)
            continue;
        unsigned count = 0;
        size_t bytes = 0;
        for (unsigned j = i; j < MAX_LIVE; j++)
            if (t->live[j].ptr && t->live[j].caller == site) {
                count++;
                bytes += t->live[j].size;
            }
        const struct function *in = function_at(f, n, (uintptr_t)site);
        if (in)
            printf("  %-14s+0x%-4lx %2u live, %4zu bytes asked\n", in->name,
                   (unsigned long)((uintptr_t)site - in->start), count, bytes);
        else
            printf("  %-20p %2u live, %4zu bytes asked\n", site, count, bytes);
    }
}

/* Fails one allocation in three: the second, the fifth, the eighth... */
static int every_third(void *ctx, size_t size, size_t align)
{
    struct tracker *t = ctx;
    (void)size;
    (void)align;
    return ++t->asked % 3 == 2;
}

int main(void)
{
    struct tracker tracker = { { { NULL, 0, NULL } }, 0, 0 };
    const chop_hooks tracing = { track, NULL, &tracker };
    const struct function functions[] = {
        { "sensor_buffer", (uintptr_t)sensor_buffer },
        { "log_line", (uintptr_t)log_line },
        { "parse_packet", (uintptr_t)parse_packet },
        { "main", (uintptr_t)main },
    };
    const unsigned n_functions = sizeof functions / sizeof functions[0];
    chop_stats st;

    if (chop_init(&heap, memory, sizeof memory, BITMAP, BITMAP_WORDS) != CHOP_OK)
        return 1;
    chop_set_hooks(&heap, &tracing);

    void *sensors[2] = { sensor_buffer(), sensor_buffer() };
    for (unsigned n = 1; n <= 9; n++)
        log_line(n);
    for (int i = 0; i < 5; i++)
        (void)parse_packet();
    report(&tracker, functions, n_functions);
    chop_get_stats(&heap, &st);
    printf("heap: %zu live allocations, %zu bytes in blocks, peak %zu\n",
           st.live_allocations, st.allocated_bytes, st.peak_allocated_bytes);

    /* One allocation in three fails now: parse_packet() must give its header back. */
    const chop_hooks faults = { track, every_third, &tracker };
    size_t live_before = st.live_allocations;
    chop_reset_watermarks(&heap);
    chop_set_hooks(&heap, &faults);
    int parsed = 0, refused = 0;
    for (int i = 0; i < 6; i++) {
        if (parse_packet() == 0)
            parsed++;
        else
            refused++;
    }
    chop_set_hooks(&heap, NULL);
    chop_get_stats(&heap, &st);
    printf("with one allocation in three failed: %d packets parsed, %d refused, "
           "%zu failed requests, %u refusals traced, %zu live allocations (as before: %s)\n",
           parsed, refused, st.failed_requests, tracker.refusals, st.live_allocations,
           st.live_allocations == live_before ? "yes" : "no");

    for (unsigned i = 0; i < 2; i++)
        (void)chop_try_deallocate(&heap, sensors[i], 96, 8);
    int sound = chop_check(&heap) == CHOP_OK && st.live_allocations == live_before;
    printf("allocation_sites: %s\n", sound ? "OK" : "FAILED");
    return sound ? 0 : 1;
}

#endif
