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
    void *p = pvPortMalloc(100);
    tap_ok(p != NULL && in_heap(p, 100) && (uintptr_t)p % portBYTE_ALIGNMENT == 0,
           "pvPortMalloc(100): a block in ucHeap, aligned to portBYTE_ALIGNMENT");
    tap_ok(suspensions == before + 1u && suspended == 0,
           "... with the scheduler suspended once and resumed");
    tap_ok(last_traced == p && last_traced_size == 100, "... and traceMALLOC(block, 100)");
    tap_is_size(xPortGetFreeHeapSize(), fresh - 128u, "... a 128-byte block: 128 bytes less free");
    memset(p, 0xAB, 100);

    vPortFree(p);
    tap_ok(last_traced == p && last_traced_size == 128 && traced_frees == 1,
           "vPortFree: traceFREE(block, its 128 bytes)");
    tap_is_size(xPortGetFreeHeapSize(), fresh, "... and the heap is whole again");

    unsigned asserted = asserts;
    vPortFree(p);
    tap_ok(asserts == asserted + 1u && xPortGetFreeHeapSize() == fresh && traced_frees == 1,
           "a second vPortFree fails configASSERT and changes nothing");
    void *q = pvPortMalloc(64);
    vPortFree((unsigned char *)q + 8);
    int local;
    vPortFree(&local);
    tap_ok(asserts == asserted + 3u && xPortGetFreeHeapSize() == fresh - 64u,
           "an interior pointer and a foreign one fail configASSERT; the block stays live");
    vPortFree(q);
    vPortFree(NULL);
    tap_ok(asserts == asserted + 3u && xPortGetFreeHeapSize() == fresh,
           "vPortFree(NULL) does nothing");

    /* pvPortCalloc zeroes memory that held data. */
    unsigned char *z = pvPortCalloc(10, 10);
    int zero = z != NULL && in_heap(z, 100);
    for (size_t i = 0; zero && i < 100; i++)
        zero = z[i] == 0;
    tap_ok(zero && z == p, "pvPortCalloc(10, 10): 100 zero bytes, in the block that held 0xAB");
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
    void *big = pvPortMalloc(4096);
    size_t low = xPortGetFreeHeapSize();
    vPortFree(big);
    vPortGetHeapStats(&stats);
    tap_ok(stats.xNumberOfSuccessfulAllocations == 2 && stats.xNumberOfSuccessfulFrees == 1,
           "... counts two allocations and one free");
    tap_ok(stats.xMinimumEverFreeBytesRemaining == low && xPortGetMinimumEverFreeHeapSize() == low &&
               low < xPortGetFreeHeapSize(),
           "the minimum ever free is the low point, %zu bytes", low);
    tap_ok(stats.xSizeOfSmallestFreeBlockInBytes == MIN_BLOCK && stats.xNumberOfFreeBlocks > 1,
           "with a minimum block live, the smallest free block is its buddy, %zu bytes",
           (size_t)MIN_BLOCK);
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

int main(void)
{
    test_allocate_and_free();
    test_failures();
    test_statistics();
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
