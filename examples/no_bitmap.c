/*
 * no_bitmap: chopalloc in free-list mode, with no bitmap at all.
 * SPDX-License-Identifier: MIT
 *
 * Passing NULL and 0 for the bitmap selects free-list mode.  It works the same
 * in every build that has it, including one configured with --disable-bitmap
 * (which leaves the bitmap code out of the library); one configured with
 * --disable-free-list has bitmap mode only, and the example says so.
 *
 * The trade-off:
 *   + no bookkeeping memory beyond the chop_heap struct: each order's free
 *     blocks form a search tree on their addresses, linked inside the blocks;
 *   + allocation is O(CHOPALLOC_MAX_ORDER x address bits);
 *   - a free searches one tree path per order holding free blocks, to validate
 *     the pointer and find the buddies: O(CHOPALLOC_MAX_ORDER x address bits),
 *     against bitmap mode's O(CHOPALLOC_MAX_ORDER);
 *   - chop_check() is O(free blocks x CHOPALLOC_MAX_ORDER x address bits);
 *   - a free is checked against free memory only.  A pointer into free memory
 *     (a double free) and a size that reaches into free memory are refused, but
 *     nothing records where live allocations begin, so a pointer into the
 *     middle of a live allocation, or a smaller size than the allocation's,
 *     cannot be told from a valid free and would corrupt the heap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chopalloc.h"

#define POOL_BYTES 2048u
#define NEEDED_ORDER 11 /* the pool as one block, so the placement below is known */

#if !CHOPALLOC_HAVE_FREE_LIST

int main(void)
{
    printf("no_bitmap: skipped: this library was built with --disable-free-list "
           "(configure without it for free-list mode)\n");
    return 0;
}

#elif CHOPALLOC_MAX_ORDER - 1 < NEEDED_ORDER

int main(void)
{
    printf("no_bitmap: skipped: the example needs %u-byte blocks, but this build's largest "
           "block is %zu bytes (configure --with-max-order=%d or more)\n",
           POOL_BYTES, CHOP_LARGEST_BLOCK_SIZE, NEEDED_ORDER + 1);
    return 0;
}

#else

static _Alignas(POOL_BYTES) unsigned char pool[POOL_BYTES];
static chop_heap heap;

static const char *status_name(chop_status status)
{
    static const char *const names[CHOP_STATUS_COUNT] = {
        "CHOP_OK", "CHOP_ERR_NULL_ARGUMENT", "CHOP_ERR_BAD_REGION",
        "CHOP_ERR_BITMAP_TOO_SMALL", "CHOP_ERR_BITMAP_UNSUPPORTED",
        "CHOP_ERR_INVALID_LAYOUT", "CHOP_ERR_TOO_LARGE", "CHOP_ERR_OUT_OF_MEMORY",
        "CHOP_ERR_OUTSIDE_HEAP", "CHOP_ERR_MISALIGNED", "CHOP_ERR_DOUBLE_FREE",
        "CHOP_ERR_INTERIOR_POINTER", "CHOP_ERR_SIZE_MISMATCH", "CHOP_ERR_CORRUPTED",
    };
    return (unsigned)status < CHOP_STATUS_COUNT ? names[status] : "(unknown status)";
}

static void expect(chop_status got, chop_status want, const char *call)
{
    if (got == want)
        return;
    fflush(stdout);
    fprintf(stderr, "no_bitmap: FAILED: %s returned %s (%s), expected %s\n", call,
            status_name(got), chop_strerror(got), status_name(want));
    exit(EXIT_FAILURE);
}

static size_t offset_of(const void *p)
{
    return (size_t)((const unsigned char *)p - pool);
}

static void *allocate(const char *what, size_t size, size_t align)
{
    void *p = NULL;
    expect(chop_try_allocate(&heap, size, align, &p), CHOP_OK, "chop_try_allocate");
    printf("  %-22s %4zu bytes, align %2zu -> offset %4zu\n", what, size, align, offset_of(p));
    return p;
}

static void show_refusal(const char *call, chop_status got, chop_status want)
{
    expect(got, want, call);
    printf("  %s\n    -> %s: %s\n", call, status_name(got), chop_strerror(got));
}

static void print_free_blocks(void)
{
    chop_stats s;
    chop_get_stats(&heap, &s);
    printf("  %zu bytes free in", s.free_bytes);
    const char *sep = " ";
    size_t blocks = 0;
    for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++) {
        if (s.free_blocks[k] != 0) {
            printf("%s%zu x %zu", sep, s.free_blocks[k], (size_t)1 << k);
            sep = ", ";
            blocks += s.free_blocks[k];
        }
    }
    printf(" bytes: %zu free block%s in the trees\n", blocks, blocks == 1 ? "" : "s");
}

int main(void)
{
    printf("chopalloc %s in free-list mode: bitmap NULL, 0 words\n", CHOPALLOC_VERSION);
#if CHOPALLOC_HAVE_BITMAP
    printf("(this library also has bitmap mode; free-list mode is chosen per heap)\n");
#else
    printf("(this library was built with --disable-bitmap: free-list mode is its only mode)\n");
#endif
    expect(chop_init(&heap, pool, sizeof pool, NULL, 0), CHOP_OK, "chop_init");
    printf("memory: the %u-byte pool and a %zu-byte chop_heap; bitmap mode would add\n"
           "        %zu words (%zu bytes) of bitmap for this pool\n",
           POOL_BYTES, sizeof heap, (size_t)CHOP_BITMAP_WORDS(POOL_BYTES),
           (size_t)CHOP_BITMAP_WORDS(POOL_BYTES) * sizeof(uint64_t));

    printf("allocations (the same calls as in bitmap mode):\n");
    uint8_t *frame = allocate("frame", 64, 64);
    char *log = allocate("log line", 200, 1);
    uint32_t *counters = allocate("uint32_t counters[4]", 4 * sizeof(uint32_t), 4);
    double *reading = allocate("double reading", sizeof(double), _Alignof(double));
    memset(frame, 0, 64);
    strcpy(log, "free-list mode keeps its bookkeeping inside the free blocks");
    for (uint32_t i = 0; i < 4; i++)
        counters[i] = i;
    *reading = 21.5;
    print_free_blocks();
    expect(chop_check(&heap), CHOP_OK, "chop_check");

    printf("checks that free-list mode still makes:\n");
    expect(chop_try_deallocate(&heap, reading, sizeof(double), _Alignof(double)), CHOP_OK,
           "chop_try_deallocate");
    printf("  freed the reading at offset %zu\n", offset_of(reading));
    show_refusal("free the reading again (double free)",
                 chop_try_deallocate(&heap, reading, sizeof(double), _Alignof(double)),
                 CHOP_ERR_DOUBLE_FREE);
    show_refusal("free the frame as 2048 bytes (reaches into free memory)",
                 chop_try_deallocate(&heap, frame, 2048, 1), CHOP_ERR_SIZE_MISMATCH);
    show_refusal("free frame + 8 as a 64-byte block",
                 chop_try_deallocate(&heap, frame + 8, 64, 64), CHOP_ERR_MISALIGNED);
    show_refusal("free a pointer outside the pool",
                 chop_try_deallocate(&heap, &heap, sizeof heap, 1), CHOP_ERR_OUTSIDE_HEAP);
    expect(chop_check(&heap), CHOP_OK, "chop_check");

    printf("what free-list mode cannot detect (so this example does not do it):\n"
           "  - freeing log + 32 as a 32-byte block: the range lies wholly inside the live\n"
           "    log line, so it is accepted as if it were a block of its own;\n"
           "  - freeing the log line as 100 bytes instead of 200: the first half would go\n"
           "    back to the heap while the second half stayed lost.\n"
           "  Bitmap mode refuses both (CHOP_ERR_INTERIOR_POINTER, CHOP_ERR_SIZE_MISMATCH).\n");

    expect(chop_try_deallocate(&heap, counters, 4 * sizeof(uint32_t), 4), CHOP_OK,
           "chop_try_deallocate");
    expect(chop_try_deallocate(&heap, log, 200, 1), CHOP_OK, "chop_try_deallocate");
    expect(chop_try_deallocate(&heap, frame, 64, 64), CHOP_OK, "chop_try_deallocate");
    printf("after freeing everything:\n");
    print_free_blocks();

    chop_stats s;
    chop_get_stats(&heap, &s);
    if (s.live_allocations != 0 || s.free_bytes != POOL_BYTES ||
        s.largest_free_block != POOL_BYTES) {
        fprintf(stderr, "no_bitmap: FAILED: the pool is not whole after freeing everything\n");
        return EXIT_FAILURE;
    }
    expect(chop_check(&heap), CHOP_OK, "chop_check");
    printf("chop_check: %s\n", chop_strerror(CHOP_OK));
    printf("no_bitmap: OK\n");
    return EXIT_SUCCESS;
}

#endif /* free-list mode, CHOPALLOC_MAX_ORDER large enough */
