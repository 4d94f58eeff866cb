/*
 * basic_usage: the fundamental operations of chopalloc.
 * SPDX-License-Identifier: MIT
 *
 *   - a static region and a static bitmap sized with CHOP_BITMAP_WORDS();
 *   - chop_init(), chop_try_allocate() with several sizes and alignments,
 *     chop_try_deallocate() with the same size and alignment;
 *   - chop_get_stats() and chop_check();
 *   - error handling: every call returns a chop_status, and chop_strerror()
 *     turns it into a sentence.
 *
 * Pointers are printed as offsets from the start of the region, so the output
 * is the same from run to run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chopalloc.h"

#define POOL_BYTES 4096u
#define NEEDED_ORDER 12 /* the pool as one block, so the placement below is known */

#if CHOPALLOC_MAX_ORDER - 1 < NEEDED_ORDER

int main(void)
{
    printf("basic_usage: skipped: the example needs %u-byte blocks, but this build's largest "
           "block is %zu bytes (configure --with-max-order=%d or more)\n",
           POOL_BYTES, CHOP_LARGEST_BLOCK_SIZE, NEEDED_ORDER + 1);
    return 0;
}

#else

/*
 * The memory the allocator manages.  Any address and size would do; aligning
 * the region to its size makes it one single block, so nothing is lost.
 */
static _Alignas(POOL_BYTES) unsigned char pool[POOL_BYTES];

#if CHOPALLOC_HAVE_BITMAP
/* Two bits per minimum block: 8 words (64 bytes) for 4 KiB with 64-bit pointers. */
static uint64_t pool_bitmap[CHOP_BITMAP_WORDS(POOL_BYTES)];
#endif

/* The heap itself: a plain struct, outside the region it manages. */
static chop_heap heap;

/* Something to allocate. */
struct sensor_reading {
    uint32_t timestamp_ms;
    int16_t temperature_centi_c;
    uint16_t humidity_permille;
    const char *sensor_name;
};

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

/* Any status other than the expected one ends the example with exit status 1. */
static void expect(chop_status got, chop_status want, const char *call)
{
    if (got == want)
        return;
    fflush(stdout);
    fprintf(stderr, "basic_usage: FAILED: %s returned %s (%s), expected %s\n", call,
            status_name(got), chop_strerror(got), status_name(want));
    exit(EXIT_FAILURE);
}

static size_t offset_of(const void *p)
{
    return (size_t)((const unsigned char *)p - pool);
}

/* A checked allocation, printed as an offset. */
static void *allocate(const char *what, size_t size, size_t align)
{
    void *p = NULL;
    expect(chop_try_allocate(&heap, size, align, &p), CHOP_OK, "chop_try_allocate");
    if ((uintptr_t)p % align != 0) {
        fprintf(stderr, "basic_usage: FAILED: %s is not aligned to %zu\n", what, align);
        exit(EXIT_FAILURE);
    }
    printf("  %-24s %4zu bytes, align %3zu  -> offset %4zu\n", what, size, align, offset_of(p));
    return p;
}

static void print_stats(const char *when)
{
    chop_stats s;
    chop_get_stats(&heap, &s);
    printf("stats %s:\n", when);
    printf("  managed %zu, free %zu, allocated %zu (whole blocks), largest free block %zu\n",
           s.managed_bytes, s.free_bytes, s.allocated_bytes, s.largest_free_block);
    printf("  live allocations %zu, peak allocated %zu, refused requests %zu\n",
           s.live_allocations, s.peak_allocated_bytes, s.failed_requests);
    printf("  free blocks:");
    const char *sep = " ";
    for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++) {
        if (s.free_blocks[k] != 0) {
            printf("%s%zu x %zu bytes", sep, s.free_blocks[k], (size_t)1 << k);
            sep = ", ";
        }
    }
    printf("\n");
}

/* Shows a call that chopalloc refuses, and checks that it is the expected refusal. */
static void show_refusal(const char *call, chop_status got, chop_status want)
{
    expect(got, want, call);
    printf("  %s\n    -> %s: %s\n", call, status_name(got), chop_strerror(got));
}

int main(void)
{
    printf("chopalloc %s: minimum block %zu bytes, largest block %zu bytes\n", CHOPALLOC_VERSION,
           chop_min_block_size(), chop_largest_block_size());

    /* 1. Build the heap. */
#if CHOPALLOC_HAVE_BITMAP
    expect(chop_init(&heap, pool, sizeof pool, pool_bitmap,
                     sizeof pool_bitmap / sizeof pool_bitmap[0]),
           CHOP_OK, "chop_init");
    printf("bitmap mode: %zu-byte region, %zu bitmap words (%zu bytes) of bookkeeping\n",
           sizeof pool, sizeof pool_bitmap / sizeof pool_bitmap[0], sizeof pool_bitmap);
#else
    /* This library was built with --disable-bitmap: only free-list mode exists. */
    expect(chop_init(&heap, pool, sizeof pool, NULL, 0), CHOP_OK, "chop_init");
    printf("free-list mode (this library was built with --disable-bitmap): "
           "%zu-byte region, no bitmap\n", sizeof pool);
#endif
    print_stats("after chop_init");

    /* 2. Allocate: the block is the next power of two of max(size, align). */
    printf("allocations:\n");
    struct sensor_reading *reading =
        allocate("struct sensor_reading", sizeof *reading, _Alignof(struct sensor_reading));
    char *message = allocate("100-byte message", 100, 1);
    uint8_t *dma = allocate("256-byte aligned buffer", 256, 256);
    uint32_t *samples = allocate("uint32_t samples[10]", 10 * sizeof *samples, _Alignof(uint32_t));

    /* The memory is ordinary memory. */
    reading->timestamp_ms = 1234;
    reading->temperature_centi_c = 2150;
    reading->humidity_permille = 455;
    reading->sensor_name = "bme280";
    strcpy(message, "hello from a buddy block");
    memset(dma, 0xA5, 256);
    for (uint32_t i = 0; i < 10; i++)
        samples[i] = i * i;
    print_stats("after four allocations");
    expect(chop_check(&heap), CHOP_OK, "chop_check");

    /* 3. Errors: a refused call changes nothing. */
    printf("refused calls:\n");
    void *p = NULL;
    show_refusal("chop_try_allocate(size 32, align 3)",
                 chop_try_allocate(&heap, 32, 3, &p), CHOP_ERR_INVALID_LAYOUT);
    show_refusal("chop_try_allocate(size SIZE_MAX, align 1)",
                 chop_try_allocate(&heap, SIZE_MAX, 1, &p), CHOP_ERR_TOO_LARGE);
    show_refusal("chop_try_allocate(size 4096, align 1)",
                 chop_try_allocate(&heap, 4096, 1, &p), CHOP_ERR_OUT_OF_MEMORY);

    expect(chop_try_deallocate(&heap, message, 100, 1), CHOP_OK, "chop_try_deallocate");
    printf("  freed the message at offset %zu\n", offset_of(message));
    show_refusal("free the message again (double free)",
                 chop_try_deallocate(&heap, message, 100, 1), CHOP_ERR_DOUBLE_FREE);
    show_refusal("free a local variable",
                 chop_try_deallocate(&heap, &p, sizeof p, 1), CHOP_ERR_OUTSIDE_HEAP);
    show_refusal("free dma + 8 as a 256-byte block",
                 chop_try_deallocate(&heap, dma + 8, 256, 256), CHOP_ERR_MISALIGNED);
#if CHOPALLOC_HAVE_BITMAP
    /* Only the bitmap records where live blocks begin and how large they are. */
    show_refusal("free dma + 128 as a 128-byte block",
                 chop_try_deallocate(&heap, dma + 128, 128, 1), CHOP_ERR_INTERIOR_POINTER);
    show_refusal("free dma as a 128-byte block",
                 chop_try_deallocate(&heap, dma, 128, 1), CHOP_ERR_SIZE_MISMATCH);
#else
    printf("  (interior pointers and wrong sizes inside live blocks are caught in bitmap mode\n"
           "   only; free-list mode cannot see them, so this build does not try)\n");
#endif
    print_stats("after the refused calls");
    expect(chop_check(&heap), CHOP_OK, "chop_check");

    /* 4. Free the rest with the size and alignment each was allocated with. */
    expect(chop_try_deallocate(&heap, reading, sizeof *reading, _Alignof(struct sensor_reading)),
           CHOP_OK, "chop_try_deallocate");
    expect(chop_try_deallocate(&heap, dma, 256, 256), CHOP_OK, "chop_try_deallocate");
    expect(chop_try_deallocate(&heap, samples, 10 * sizeof *samples, _Alignof(uint32_t)),
           CHOP_OK, "chop_try_deallocate");
    print_stats("after freeing everything");

    chop_stats s;
    chop_get_stats(&heap, &s);
    if (s.live_allocations != 0 || s.free_bytes != s.managed_bytes) {
        fprintf(stderr, "basic_usage: FAILED: the heap is not empty after freeing everything\n");
        return EXIT_FAILURE;
    }
    expect(chop_check(&heap), CHOP_OK, "chop_check");
    printf("chop_check: %s\n", chop_strerror(CHOP_OK));
    printf("basic_usage: OK\n");
    return EXIT_SUCCESS;
}

#endif /* CHOPALLOC_MAX_ORDER large enough */
