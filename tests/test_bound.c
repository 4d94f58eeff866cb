/*
 * chop_required_arena(): known values, saturation, and the bound against workloads
 * built to fragment a buddy system.
 * SPDX-License-Identifier: MIT
 *
 * The adversary is the sequence of D. E. Knuth, The Art of Computer Programming,
 * Vol. 1, section 2.5, exercise 41: reserve 2^(r+1) minimum blocks, then for
 * k = 1..r free every block whose offset (in minimum blocks) is not a multiple of
 * 2^k and reserve 2^(r-k) blocks of 2^k minimum blocks.  Every hole it leaves is
 * too small for the next round, so the buddy system needs about (1 + r/2) times the
 * peak.  In an arena of chop_required_arena() bytes it must never be refused; in
 * an arena a little below (1 + r/2) times the peak it must be (so the bound is not
 * vacuous).  A random workload of power-of-two blocks that keeps the live bytes
 * under the peak must never be refused either.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

#define ARENA_MAX ((size_t)1 << 20)
static _Alignas(1 << 20) unsigned char arena[ARENA_MAX];
static uint64_t bitmap_store[CHOP_BITMAP_WORDS(ARENA_MAX)];

struct live {
    void *ptr;
    size_t size;
};
static struct live live[ARENA_MAX / MIN_BLOCK];

static chop_status init_mode(chop_heap *heap, size_t size, int mode)
{
    if (mode == MODE_BITMAP)
        return chop_init(heap, arena, size, bitmap_store, chop_bitmap_words_needed(size));
    return chop_init(heap, arena, size, NULL, 0);
}

/* ------------------------------------------------------------------------------ */

/* @p bytes when a request of @p request bytes has a block, else SIZE_MAX ("no arena will
 * do"): at small --with-max-order the known values' requests can exceed the largest block. */
static size_t or_none(size_t request, size_t bytes)
{
    return request <= LARGEST ? bytes : SIZE_MAX;
}

static void known_values(void)
{
    const size_t u = MIN_BLOCK;

    tap_is_size(chop_required_arena(0, 100), 0, "nothing live: no arena");
    tap_is_size(chop_required_arena(0, SIZE_MAX), 0, "nothing live, any request: no arena");
    tap_is_size(chop_required_arena(1, 1), u, "one byte: one minimum block");
    tap_is_size(chop_required_arena(1, 0), u, "a request of 0 counts as a minimum block");
    tap_is_size(chop_required_arena(u, u), u, "r = 0: the peak itself");
    tap_is_size(chop_required_arena(1000 * u, u), 1000 * u, "r = 0, 1000 blocks: 1000 blocks");
    tap_is_size(chop_required_arena(1000 * u + 1, u), 1001 * u,
                "r = 0: the peak is rounded up to a minimum block");
    /* A request whose block is past the largest (small --with-max-order) gets SIZE_MAX. */
    tap_is_size(chop_required_arena(4 * u, 2 * u), or_none(2 * u, 2 * 4 * u), "r = 1: twice the peak");
    tap_is_size(chop_required_arena(4 * u, 2 * u - 1), or_none(2 * u, 2 * 4 * u),
                "the largest request is rounded up to its block");
    tap_is_size(chop_required_arena(1000 * u, 4 * u), or_none(4 * u, 3 * 1000 * u),
                "r = 2: three times");
    tap_is_size(chop_required_arena(1001 * u, 4 * u), or_none(4 * u, 3 * 1004 * u),
                "r = 2: the peak is rounded up to a multiple of the largest block");
    unsigned r = 0;
    while ((u << r) < 1024)
        r++;
    tap_is_size(chop_required_arena(64 * 1024, 1024), or_none(1024, (r + 1) * (size_t)64 * 1024),
                "64 KiB live, 1 KiB requests: (log2(1 KiB / minimum block) + 1) * 64 KiB");
    size_t orders = (size_t)CHOPALLOC_MAX_ORDER - CHOP_MIN_ORDER;
    /* A peak within one largest block (100 bytes, or the block itself at small orders). */
    tap_is_size(chop_required_arena(LARGEST < 100 ? LARGEST : 100, LARGEST),
                LARGEST <= SIZE_MAX / orders ? orders * LARGEST : SIZE_MAX,
                "largest request the largest block: (top - min + 1) blocks of it");
    if (LARGEST < SIZE_MAX / 2)
        tap_is_size(chop_required_arena(100, LARGEST + 1), SIZE_MAX,
                    "a request above the largest block: no arena will do (SIZE_MAX)");
    else
        tap_skip(1, "the largest block is the largest size_t power of two");
    tap_is_size(chop_required_arena(SIZE_MAX, u), SIZE_MAX,
                "a peak of SIZE_MAX bytes saturates when rounded up");
    tap_is_size(chop_required_arena(SIZE_MAX / 2, 4 * u), SIZE_MAX,
                "three times half the address space saturates");
    tap_is_size(chop_required_arena(SIZE_MAX / 4, 2 * u), or_none(2 * u, ((SIZE_MAX >> 2) + 1) * 2),
                "a quarter of the address space, rounded up, twice: fits exactly");
}

/* ------------------------------------------------------------------------------ */

/*
 * Knuth's sequence with blocks of 1 .. 2^r minimum blocks, in an arena of `size`
 * bytes.  Returns 1 if every allocation succeeded; *peak gets the most bytes live.
 */
static int knuth_sequence(int mode, unsigned r, size_t size, size_t *peak)
{
    chop_heap heap;
    size_t n = (size_t)1 << (r + 1), count = 0, live_bytes = 0;
    int ok = 1;

    *peak = 0;
    if (init_mode(&heap, size, mode) != CHOP_OK)
        tap_bail_out("chop_init(%zu bytes) failed", size);
    for (size_t i = 0; i < n && ok; i++) {
        void *p;
        if (chop_try_allocate(&heap, MIN_BLOCK, 1, &p) != CHOP_OK)
            ok = 0;
        else {
            live[count].ptr = p;
            live[count++].size = MIN_BLOCK;
            live_bytes += MIN_BLOCK;
        }
    }
    *peak = live_bytes;
    for (unsigned k = 1; k <= r && ok; k++) {
        size_t step = (size_t)1 << k, kept = 0;
        for (size_t i = 0; i < count; i++) {
            size_t offset = (size_t)((unsigned char *)live[i].ptr - arena) / MIN_BLOCK;
            if (offset % step != 0) {
                if (chop_try_deallocate(&heap, live[i].ptr, live[i].size, 1) != CHOP_OK)
                    tap_bail_out("Knuth sequence: a free was refused");
                live_bytes -= live[i].size;
            } else {
                live[kept++] = live[i];
            }
        }
        count = kept;
        for (size_t i = 0; i < n >> (k + 1) && ok; i++) {
            void *p;
            if (chop_try_allocate(&heap, step * MIN_BLOCK, 1, &p) != CHOP_OK)
                ok = 0;
            else {
                live[count].ptr = p;
                live[count++].size = step * MIN_BLOCK;
                live_bytes += step * MIN_BLOCK;
                if (live_bytes > *peak)
                    *peak = live_bytes;
            }
        }
    }
    if (chop_check(&heap) != CHOP_OK)
        tap_bail_out("Knuth sequence: chop_check failed");
    return ok;
}

static void knuth(int mode)
{
    for (unsigned r = 1; r <= 10; r++) {
        size_t largest = ((size_t)1 << r) * MIN_BLOCK, peak;
        if (largest > LARGEST) {
            tap_skip(2, "%s, r = %u: the sequence needs %zu-byte blocks; the largest is %zu bytes",
                     mode_name(mode), r, largest, (size_t)LARGEST);
            continue;
        }
        /* The peak the sequence reaches, measured in a roomy arena. */
        if (!knuth_sequence(mode, r, ARENA_MAX, &peak)) {
            tap_ok(0, "%s, r = %u: the sequence runs in 1 MiB", mode_name(mode), r);
            continue;
        }
        size_t need = chop_required_arena(peak, largest);
        if (need > ARENA_MAX) {
            tap_skip(2, "%s, r = %u: the bound (%zu bytes) exceeds the test arena",
                     mode_name(mode), r, need);
            continue;
        }
        size_t again;
        tap_ok(knuth_sequence(mode, r, need, &again),
               "%s, r = %u: Knuth's sequence (peak %zu bytes) fits in "
               "chop_required_arena() = %zu bytes", mode_name(mode), r, peak, need);
        /* It needs (1 + r/2) times its peak: one largest block less must fail. */
        size_t low = peak + peak / 2u * r - largest, low_peak;
        tap_ok(!knuth_sequence(mode, r, low, &low_peak),
               "%s, r = %u: it is refused in %zu bytes, a block below (1 + r/2) * peak",
               mode_name(mode), r, low);
    }
}

/* ------------------------------------------------------------------------------ */

static uint64_t rng_state = UINT64_C(0x2545F4914F6CDD1D);

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

/*
 * Random blocks of 1 .. 2^r minimum blocks, allocated while the live bytes stay at
 * most `peak` (the new block included) and freed at random otherwise, in an arena of
 * chop_required_arena(peak, 2^r blocks): never refused.
 */
static void random_workload(int mode, unsigned r, size_t peak, unsigned steps)
{
    chop_heap heap;
    size_t largest = ((size_t)1 << r) * MIN_BLOCK;
    size_t need = chop_required_arena(peak, largest);
    size_t count = 0, live_bytes = 0, refused = 0;

    if (need > ARENA_MAX) {
        tap_skip(1, "random workload: bound %zu exceeds the test arena", need);
        return;
    }
    if (init_mode(&heap, need, mode) != CHOP_OK)
        tap_bail_out("chop_init(%zu bytes) failed", need);
    for (unsigned s = 0; s < steps; s++) {
        size_t size = MIN_BLOCK << (rng() % (r + 1));
        int want_alloc = rng() % 8 < 5;
        if (want_alloc && live_bytes + size <= peak) {
            void *p;
            if (chop_try_allocate(&heap, size, 1, &p) != CHOP_OK) {
                refused++;
                continue;
            }
            live[count].ptr = p;
            live[count++].size = size;
            live_bytes += size;
        } else if (count) {
            size_t i = (size_t)(rng() % count);
            if (chop_try_deallocate(&heap, live[i].ptr, live[i].size, 1) != CHOP_OK)
                tap_bail_out("random workload: a free was refused");
            live_bytes -= live[i].size;
            live[i] = live[--count];
        }
    }
    tap_is_size(refused, 0, "%s, r = %u, peak %zu: %u random steps in %zu bytes, none refused",
                mode_name(mode), r, peak, steps, need);
}

/* r, or less when blocks of 2^r minimum blocks exceed the largest block. */
static unsigned capped_r(unsigned r)
{
    unsigned top = TOP_ORDER - CHOP_MIN_ORDER;
    return r < top ? r : top;
}

int main(void)
{
    known_values();
    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        if (!mode_runs(mode))
            continue;
        knuth(mode);
        random_workload(mode, capped_r(4), 64 * 1024, mode == MODE_BITMAP ? 200000 : 20000);
        random_workload(mode, capped_r(8), 32 * 1024, mode == MODE_BITMAP ? 200000 : 20000);
    }
    return tap_done();
}
