/*
 * ports/freertos/heap_chop.c against FreeRTOS's heap contract, with a stand-in for the
 * scheduler calls it makes (tests/freertos/): every call suspends the scheduler once
 * and resumes it, NULL and the malloc-failed hook as heap_4.c gives them, the
 * statistics FreeRTOS reports, and refused frees caught by configASSERT.
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "FreeRTOS.h"
#include "task.h"

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

#if CHOPALLOC_HAVE_BITMAP

/* configAPPLICATION_ALLOCATED_HEAP: the heap is ours, so the test can see it. */
uint8_t ucHeap[configTOTAL_HEAP_SIZE];

/* The scheduler, as far as the heap sees it. */
static int suspended;         /* depth of vTaskSuspendAll() */
static int deepest;           /* the deepest it has been */
static unsigned suspensions;  /* calls of vTaskSuspendAll() */
static unsigned unbalanced;   /* resumes without a suspend */
static unsigned failed_hooks; /* vApplicationMallocFailedHook() calls */
static unsigned asserts;      /* configASSERT() failures */
static unsigned traced_mallocs, traced_frees;
static void *last_traced;
static size_t last_traced_size;

void vTaskSuspendAll(void)
{
    suspensions++;
    if (++suspended > deepest)
        deepest = suspended;
}

BaseType_t xTaskResumeAll(void)
{
    if (suspended == 0)
        unbalanced++;
    else
        suspended--;
    return 0;
}

void vApplicationMallocFailedHook(void);
void vApplicationMallocFailedHook(void)
{
    failed_hooks++;
}

void test_assert_failed(const char *file, int line)
{
    (void)file, (void)line;
    asserts++;
}

void test_trace_malloc(void *address, size_t size)
{
    traced_mallocs++;
    last_traced = address;
    last_traced_size = size;
}

void test_trace_free(void *address, size_t size)
{
    traced_frees++;
    last_traced = address;
    last_traced_size = size;
}

/* Request sizes, capped to the largest block of small --with-max-order builds. */
#define FIRST (LARGEST >= 128u ? (size_t)100 : (size_t)LARGEST)
#define SECOND (LARGEST >= 64u ? (size_t)64 : (size_t)LARGEST)
#define BIG (LARGEST >= 4096u ? (size_t)4096 : (size_t)LARGEST)

/* The block a request of n bytes gets. */
static size_t block_of(size_t n)
{
    return pow2(expected_order(n, portBYTE_ALIGNMENT));
}

/* The port's heap, where chop_init_region() puts it inside ucHeap. */
static const chop_heap *port_heap(void)
{
    return (const chop_heap *)region_heap_at((uintptr_t)ucHeap);
}

static int in_heap(const void *p, size_t size)
{
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)ucHeap;
    return a >= lo && a + size <= lo + sizeof ucHeap;
}

static void test_allocate_and_free(void)
{
    size_t fresh = xPortGetFreeHeapSize();
    tap_ok(fresh > configTOTAL_HEAP_SIZE / 2 && fresh < configTOTAL_HEAP_SIZE,
           "the first call builds the heap inside ucHeap: %zu of %zu bytes free", fresh,
           (size_t)configTOTAL_HEAP_SIZE);

    unsigned before = suspensions;
    void *p = pvPortMalloc(FIRST);
    tap_ok(p != NULL && in_heap(p, FIRST) && (uintptr_t)p % portBYTE_ALIGNMENT == 0,
           "pvPortMalloc(%zu): a block in ucHeap, aligned to portBYTE_ALIGNMENT", FIRST);
    tap_ok(suspensions == before + 1u && suspended == 0,
           "... with the scheduler suspended once and resumed");
    tap_ok(last_traced == p && last_traced_size == FIRST, "... and traceMALLOC(block, %zu)", FIRST);
    tap_is_size(xPortGetFreeHeapSize(), fresh - block_of(FIRST),
                "... a %zu-byte block: as many bytes less free", block_of(FIRST));
    memset(p, 0xAB, FIRST);

    vPortFree(p);
    tap_ok(last_traced == p && last_traced_size == block_of(FIRST) && traced_frees == 1,
           "vPortFree: traceFREE(block, its %zu bytes)", block_of(FIRST));
    tap_is_size(xPortGetFreeHeapSize(), fresh, "... and the heap is whole again");

    unsigned asserted = asserts;
    vPortFree(p);
    tap_ok(asserts == asserted + 1u && xPortGetFreeHeapSize() == fresh && traced_frees == 1,
           "a second vPortFree fails configASSERT and changes nothing");
    void *q = pvPortMalloc(SECOND);
    vPortFree((unsigned char *)q + MIN_BLOCK / 2u);
    int local;
    vPortFree(&local);
    tap_ok(asserts == asserted + 3u && xPortGetFreeHeapSize() == fresh - block_of(SECOND),
           "an interior pointer and a foreign one fail configASSERT; the block stays live");
    vPortFree(q);
    vPortFree(NULL);
    tap_ok(asserts == asserted + 3u && xPortGetFreeHeapSize() == fresh,
           "vPortFree(NULL) does nothing");

    /* pvPortCalloc zeroes memory that held data. */
    unsigned char *z = pvPortCalloc(4, FIRST / 4u);
    int zero = z != NULL && in_heap(z, FIRST);
    for (size_t i = 0; zero && i < FIRST; i++)
        zero = z[i] == 0;
    tap_ok(zero && z == p, "pvPortCalloc(4, %zu): %zu zero bytes, in the block that held 0xAB",
           FIRST / 4u, FIRST);
    vPortFree(z);
}

static void test_failures(void)
{
    size_t fresh = xPortGetFreeHeapSize();
    unsigned hooks = failed_hooks;

    tap_ok(pvPortMalloc(0) == NULL && failed_hooks == hooks + 1u,
           "pvPortMalloc(0) is NULL and calls the malloc-failed hook, as heap_4.c does");
    tap_ok(pvPortMalloc(configTOTAL_HEAP_SIZE) == NULL && failed_hooks == hooks + 2u &&
               xPortGetFreeHeapSize() == fresh,
           "more than the heap: NULL, the hook, nothing changed");
    tap_ok(pvPortCalloc(SIZE_MAX / 2u + 1u, 2) == NULL && failed_hooks == hooks + 2u,
           "pvPortCalloc whose product overflows: NULL, without the hook");
    tap_ok(pvPortCalloc(0, 8) == NULL && pvPortCalloc(8, 0) == NULL,
           "pvPortCalloc of 0 bytes is NULL");
}

static void test_statistics(void)
{
    HeapStats_t stats;
    vPortHeapResetState();
    size_t fresh = xPortGetFreeHeapSize();

    vPortGetHeapStats(&stats);
    tap_ok(stats.xAvailableHeapSpaceInBytes == fresh && stats.xNumberOfFreeBlocks >= 1 &&
               stats.xSizeOfLargestFreeBlockInBytes <= fresh &&
               stats.xSizeOfSmallestFreeBlockInBytes <= stats.xSizeOfLargestFreeBlockInBytes &&
               stats.xNumberOfSuccessfulAllocations == 0 && stats.xNumberOfSuccessfulFrees == 0 &&
               stats.xMinimumEverFreeBytesRemaining == fresh,
           "vPortGetHeapStats of a fresh heap: %zu bytes in %zu free blocks", fresh,
           stats.xNumberOfFreeBlocks);

    void *small = pvPortMalloc(8);
    void *big = pvPortMalloc(BIG);
    size_t low = xPortGetFreeHeapSize();
    vPortFree(big);
    vPortGetHeapStats(&stats);
    tap_ok(stats.xNumberOfSuccessfulAllocations == 2 && stats.xNumberOfSuccessfulFrees == 1,
           "... counts two allocations and one free");
    tap_ok(stats.xMinimumEverFreeBytesRemaining == low && xPortGetMinimumEverFreeHeapSize() == low &&
               low < xPortGetFreeHeapSize(),
           "the minimum ever free is the low point, %zu bytes", low);
    /* The free blocks FreeRTOS is told of are those of the heap inside ucHeap. */
    chop_stats inside = stats_of(port_heap());
    size_t blocks = 0, smallest = 0;
    for (unsigned k = CHOPALLOC_MAX_ORDER; k-- > 0;) {
        if (inside.free_blocks[k] != 0) {
            blocks += inside.free_blocks[k];
            smallest = pow2(k);
        }
    }
    tap_ok(stats.xSizeOfSmallestFreeBlockInBytes == smallest &&
               stats.xNumberOfFreeBlocks == blocks &&
               stats.xSizeOfLargestFreeBlockInBytes == inside.largest_free_block &&
               stats.xAvailableHeapSpaceInBytes == inside.free_bytes,
           "the free blocks reported are the heap's: %zu, from %zu to %zu bytes", blocks,
           smallest, inside.largest_free_block);
    xPortResetHeapMinimumEverFreeHeapSize();
    tap_is_size(xPortGetMinimumEverFreeHeapSize(), xPortGetFreeHeapSize(),
                "xPortResetHeapMinimumEverFreeHeapSize: the minimum is the free size now");
    vPortFree(small);
    vPortInitialiseBlocks();
    tap_is_size(xPortGetFreeHeapSize(), fresh, "vPortInitialiseBlocks changes nothing");

    vPortHeapResetState();
    vPortGetHeapStats(&stats);
    tap_ok(stats.xAvailableHeapSpaceInBytes == fresh && stats.xNumberOfSuccessfulAllocations == 0,
           "vPortHeapResetState: the next call builds a fresh heap");
}

/* heap_5.c's vPortDefineHeapRegions(): one heap over several banks. */
static _Alignas(8) uint8_t bank_a[4096];
static _Alignas(8) uint8_t bank_b[2048 + 3];
static _Alignas(8) uint8_t bank_tiny[16];

static int in_bank(const void *p, const uint8_t *bank, size_t size)
{
    return (uintptr_t)p - (uintptr_t)bank < size;
}

static void test_heap_regions(void)
{
    vPortHeapResetState();
    const HeapRegion_t regions[] = {
        { bank_b + 3, sizeof bank_b - 3 }, /* an odd start: the descriptor is aligned */
        { bank_tiny, sizeof bank_tiny },   /* too small for a descriptor: left out */
        { bank_a, sizeof bank_a },
        { NULL, 0 },
    };
    unsigned asserted = asserts;
    vPortDefineHeapRegions(regions);
    size_t fresh = xPortGetFreeHeapSize();
    tap_ok(asserts == asserted + 1u && fresh > (sizeof bank_a + sizeof bank_b) / 2u &&
               fresh < sizeof bank_a + sizeof bank_b && xPortGetMinimumEverFreeHeapSize() == fresh,
           "vPortDefineHeapRegions: one heap over two banks, %zu bytes free; the tiny one is"
           " refused by configASSERT", fresh);
    static void *blocks[1024]; /* enough for 8-byte blocks */
    size_t n = 0, in_a = 0, in_b = 0, block = block_of(SECOND);
    while (n < 1024 && (blocks[n] = pvPortMalloc(SECOND)) != NULL) {
        in_a += (size_t)in_bank(blocks[n], bank_a, sizeof bank_a);
        in_b += (size_t)in_bank(blocks[n], bank_b, sizeof bank_b);
        n++;
    }
    HeapStats_t full;
    vPortGetHeapStats(&full);
    tap_ok(n > 0 && n < 1024 && in_a + in_b == n && in_a > 0 && in_b > 0 &&
               full.xSizeOfLargestFreeBlockInBytes < block,
           "pvPortMalloc(%zu) until the heap is full: %zu blocks, %zu in the first bank,"
           " %zu in the second", SECOND, n, in_a, in_b);
    vPortDefineHeapRegions(regions);
    tap_ok(asserts == asserted + 2u && xPortGetFreeHeapSize() == fresh - n * block,
           "defining the regions again fails configASSERT and changes nothing");
    vPortFree(bank_b + 8);
    tap_ok(asserts == asserted + 3u, "vPortFree of a bank's descriptor fails configASSERT");
    while (n > 0)
        vPortFree(blocks[--n]);
    tap_ok(asserts == asserted + 3u && xPortGetFreeHeapSize() == fresh,
           "vPortFree takes back every block, in either bank");
    vPortHeapResetState();
    tap_ok(xPortGetFreeHeapSize() > configTOTAL_HEAP_SIZE / 2,
           "vPortHeapResetState: back to ucHeap");
}

int main(void)
{
    test_allocate_and_free();
    test_failures();
    test_statistics();
    test_heap_regions();
    tap_ok(suspended == 0 && deepest == 1 && unbalanced == 0,
           "every call suspended the scheduler once and resumed it (%u calls)", suspensions);
    return tap_done();
}

#else

int main(void)
{
    printf("1..0 # SKIP heap_chop.c needs bitmap mode: library built with --disable-bitmap\n");
    return 0;
}

#endif
