/*
 * A stand-in for the few FreeRTOS declarations that ports/freertos/heap_chop.c
 * uses, so that tests/test_freertos.c can build and check it without FreeRTOS
 * (which Debian does not package).  Not FreeRTOS: names and types as FreeRTOS
 * 10.5 and 11 declare them, the configuration as a FreeRTOSConfig.h would set it.
 * SPDX-License-Identifier: MIT
 */
#ifndef CHOP_TEST_FREERTOS_H
#define CHOP_TEST_FREERTOS_H

#include <stddef.h>
#include <stdint.h>

typedef long BaseType_t;

/* FreeRTOSConfig.h: the heap is the test's (configAPPLICATION_ALLOCATED_HEAP). */
#define configTOTAL_HEAP_SIZE ((size_t)16384)
#define configAPPLICATION_ALLOCATED_HEAP 1
#define configUSE_MALLOC_FAILED_HOOK 1
#define portBYTE_ALIGNMENT 8

/* The test's records of what the heap does. */
void test_assert_failed(const char *file, int line);
void test_trace_malloc(void *address, size_t size);
void test_trace_free(void *address, size_t size);
#define configASSERT(x) ((x) ? (void)0 : test_assert_failed(__FILE__, __LINE__))
#define traceMALLOC(pvAddress, uiSize) test_trace_malloc((pvAddress), (uiSize))
#define traceFREE(pvAddress, uiSize) test_trace_free((pvAddress), (uiSize))

/* portable.h: the heap's interface. */
typedef struct xHeapStats {
    size_t xAvailableHeapSpaceInBytes;
    size_t xSizeOfLargestFreeBlockInBytes;
    size_t xSizeOfSmallestFreeBlockInBytes;
    size_t xNumberOfFreeBlocks;
    size_t xMinimumEverFreeBytesRemaining;
    size_t xNumberOfSuccessfulAllocations;
    size_t xNumberOfSuccessfulFrees;
} HeapStats_t;

typedef struct HeapRegion {
    uint8_t *pucStartAddress;
    size_t xSizeInBytes;
} HeapRegion_t;

void vPortDefineHeapRegions(const HeapRegion_t *const pxHeapRegions);
void *pvPortMalloc(size_t xWantedSize);
void *pvPortCalloc(size_t xNum, size_t xSize);
void vPortFree(void *pv);
void vPortInitialiseBlocks(void);
size_t xPortGetFreeHeapSize(void);
size_t xPortGetMinimumEverFreeHeapSize(void);
void xPortResetHeapMinimumEverFreeHeapSize(void);
void vPortGetHeapStats(HeapStats_t *pxHeapStats);
void vPortHeapResetState(void);

#endif
