/*
 * heap_chop.c: FreeRTOS's heap on chopalloc, in place of heap_1.c ... heap_5.c.
 * SPDX-License-Identifier: MIT
 *
 * Add this file to a FreeRTOS build instead of portable/MemMang/heap_N.c, with
 * chopalloc's sources (or libchopalloc.a) and include/ on the include path.  It
 * provides pvPortMalloc(), vPortFree(), pvPortCalloc(), xPortGetFreeHeapSize(),
 * xPortGetMinimumEverFreeHeapSize(), xPortResetHeapMinimumEverFreeHeapSize(),
 * vPortGetHeapStats(), vPortInitialiseBlocks() and vPortHeapResetState(), with
 * heap_4.c's semantics, and heap_5.c's vPortDefineHeapRegions():
 *
 *   - the heap is ucHeap[configTOTAL_HEAP_SIZE], defined here or, with
 *     configAPPLICATION_ALLOCATED_HEAP set to 1, by the application (to place it
 *     in a chosen RAM section); chop_init_region() builds the heap inside it, on
 *     the first call;
 *   - or, as with heap_5.c, the regions given to vPortDefineHeapRegions() before the
 *     first allocation, a list that ends with a region of 0 bytes: one heap over all
 *     of them (chop_add_region()), in any order, each keeping its descriptor and
 *     bitmap at its start.  Without configTOTAL_HEAP_SIZE there is no ucHeap, and
 *     every allocation fails until the regions are defined;
 *   - every call runs with the scheduler suspended (vTaskSuspendAll() and
 *     xTaskResumeAll()), as FreeRTOS's own heaps do: not from an interrupt handler;
 *   - pvPortMalloc(0) and a request that cannot be met return NULL and call
 *     vApplicationMallocFailedHook() when configUSE_MALLOC_FAILED_HOOK is 1;
 *     pvPortCalloc() whose product overflows returns NULL without calling it;
 *   - every block is aligned to portBYTE_ALIGNMENT (and to its own size, up to it);
 *   - traceMALLOC() and traceFREE() are called as heap_4.c calls them.
 *
 * What chopalloc adds: vPortFree() validates its pointer.  A pointer that was not
 * allocated here, was freed already or points inside a block is refused, the heap
 * left as it was, and configASSERT() fails; with configASSERT() defined empty the
 * refusal is silent but still harmless.  Needs chopalloc's bitmap mode (a free
 * without a size), so chopalloc built without --disable-bitmap.
 *
 * The port's own state (the heap pointer and the counters FreeRTOS reports) is the
 * one global state of this file; chopalloc itself keeps none.
 */
#include <stddef.h>
#include <stdint.h>

#include "FreeRTOS.h"
#include "task.h"

#include "chopalloc.h"

#if !CHOPALLOC_HAVE_BITMAP
#error "heap_chop.c frees without a size, which needs chopalloc's bitmap mode (built without --disable-bitmap)"
#endif

#ifndef configAPPLICATION_ALLOCATED_HEAP
#define configAPPLICATION_ALLOCATED_HEAP 0
#endif
#ifndef configUSE_MALLOC_FAILED_HOOK
#define configUSE_MALLOC_FAILED_HOOK 0
#endif
#ifndef traceMALLOC
#define traceMALLOC(pvAddress, uiSize)
#endif
#ifndef traceFREE
#define traceFREE(pvAddress, uiSize)
#endif
#ifndef configASSERT
#define configASSERT(x)
#endif

#if !defined(configTOTAL_HEAP_SIZE)
/* heap_5.c's way: vPortDefineHeapRegions() gives the memory. */
#elif configAPPLICATION_ALLOCATED_HEAP == 1
extern uint8_t ucHeap[configTOTAL_HEAP_SIZE];
#else
static uint8_t ucHeap[configTOTAL_HEAP_SIZE];
#endif

#if configUSE_MALLOC_FAILED_HOOK == 1
extern void vApplicationMallocFailedHook(void);
#endif

static chop_heap *heap;          /* NULL until the first call builds it */
static size_t minimum_ever_free; /* xPortGetMinimumEverFreeHeapSize() */
static size_t successful_allocations;
static size_t successful_frees;

/* With the scheduler suspended: builds the heap on the first call.  A heap that
 * cannot hold configTOTAL_HEAP_SIZE's structure, bitmap and one block stays NULL,
 * and every allocation then fails. */
static size_t free_bytes(const chop_heap *h)
{
    chop_stats stats;
    chop_get_stats(h, &stats);
    return stats.free_bytes;
}

static chop_heap *the_heap(void)
{
#ifdef configTOTAL_HEAP_SIZE
    if (heap == NULL && chop_init_region(&heap, ucHeap, sizeof ucHeap, 1) == CHOP_OK)
        minimum_ever_free = free_bytes(heap);
#endif
    return heap;
}

/*
 * A region of vPortDefineHeapRegions() after the first: its chop_region and then its
 * bitmap at its start, both aligned to 8 bytes (uint64_t's alignment at most), and
 * the rest added to the heap.
 */
static chop_status add_heap_region(chop_heap *h, uint8_t *start, size_t size)
{
    const size_t descriptor = (sizeof(chop_region) + 7u) & ~(size_t)7u;
    size_t pad = (size_t)(-(uintptr_t)start & 7u);
    if (size < pad + descriptor)
        return CHOP_ERR_BAD_REGION;
    size_t rest = size - pad - descriptor;
    size_t words = CHOP_BITMAP_WORDS(rest);
    if (rest <= words * sizeof(uint64_t))
        return CHOP_ERR_BAD_REGION;
    chop_region *region = (chop_region *)(void *)(start + pad);
    uint64_t *bitmap = (uint64_t *)(void *)(start + pad + descriptor);
    return chop_add_region(h, region, (uint8_t *)(bitmap + words), rest - words * sizeof(uint64_t),
                           bitmap, words);
}

void vPortDefineHeapRegions(const HeapRegion_t *const pxHeapRegions)
{
    vTaskSuspendAll();
    {
        configASSERT(heap == NULL); /* as heap_5.c: before the first allocation */
        chop_heap *h = heap;
        for (const HeapRegion_t *r = pxHeapRegions; heap == NULL && r->xSizeInBytes > 0; r++) {
            chop_status status =
                h == NULL ? chop_init_region(&h, r->pucStartAddress, r->xSizeInBytes, 1)
                          : add_heap_region(h, r->pucStartAddress, r->xSizeInBytes);
            configASSERT(status == CHOP_OK); /* a region too small for a block is left out */
        }
        if (heap == NULL && h != NULL)
            minimum_ever_free = free_bytes(h);
        heap = h;
    }
    (void)xTaskResumeAll();
}

void *pvPortMalloc(size_t xWantedSize)
{
    void *block = NULL;

    vTaskSuspendAll();
    {
        chop_heap *h = the_heap();
        if (h != NULL && xWantedSize != 0 &&
            chop_try_allocate(h, xWantedSize, portBYTE_ALIGNMENT, &block) == CHOP_OK) {
            size_t left = free_bytes(h);
            if (left < minimum_ever_free)
                minimum_ever_free = left;
            successful_allocations++;
        }
        traceMALLOC(block, xWantedSize);
    }
    (void)xTaskResumeAll();

#if configUSE_MALLOC_FAILED_HOOK == 1
    if (block == NULL) /* pvPortMalloc(0) too, as in heap_4.c */
        vApplicationMallocFailedHook();
#endif
    return block;
}

void vPortFree(void *pv)
{
    if (pv == NULL)
        return;
    chop_status status = CHOP_ERR_OUTSIDE_HEAP;
    vTaskSuspendAll();
    {
        chop_heap *h = the_heap();
        size_t size = h != NULL ? chop_usable_size(h, pv) : 0;
        if (h != NULL)
            status = chop_try_free(h, pv);
        if (status == CHOP_OK) {
            successful_frees++;
            traceFREE(pv, size);
        }
    }
    (void)xTaskResumeAll();
    configASSERT(status == CHOP_OK);
}

void *pvPortCalloc(size_t xNum, size_t xSize)
{
    if (xNum == 0 || xSize == 0 || xNum > SIZE_MAX / xSize)
        return NULL;
    unsigned char *block = pvPortMalloc(xNum * xSize);
    if (block != NULL)
        for (size_t i = 0; i < xNum * xSize; i++)
            block[i] = 0;
    return block;
}

size_t xPortGetFreeHeapSize(void)
{
    size_t left = 0;
    vTaskSuspendAll();
    {
        chop_heap *h = the_heap();
        if (h != NULL)
            left = free_bytes(h);
    }
    (void)xTaskResumeAll();
    return left;
}

size_t xPortGetMinimumEverFreeHeapSize(void)
{
    size_t minimum;
    vTaskSuspendAll();
    {
        (void)the_heap();
        minimum = minimum_ever_free;
    }
    (void)xTaskResumeAll();
    return minimum;
}

void xPortResetHeapMinimumEverFreeHeapSize(void)
{
    vTaskSuspendAll();
    {
        chop_heap *h = the_heap();
        minimum_ever_free = h != NULL ? free_bytes(h) : 0;
    }
    (void)xTaskResumeAll();
}

void vPortGetHeapStats(HeapStats_t *pxHeapStats)
{
    chop_stats stats;
    size_t blocks = 0, smallest = 0;

    vTaskSuspendAll();
    {
        chop_get_stats(the_heap(), &stats); /* all zero without a heap */
        for (unsigned k = CHOPALLOC_MAX_ORDER; k-- > 0;) {
            if (stats.free_blocks[k] != 0) {
                blocks += stats.free_blocks[k];
                smallest = (size_t)1 << k;
            }
        }
        pxHeapStats->xAvailableHeapSpaceInBytes = stats.free_bytes;
        pxHeapStats->xSizeOfLargestFreeBlockInBytes = stats.largest_free_block;
        pxHeapStats->xSizeOfSmallestFreeBlockInBytes = smallest;
        pxHeapStats->xNumberOfFreeBlocks = blocks;
        pxHeapStats->xMinimumEverFreeBytesRemaining = minimum_ever_free;
        pxHeapStats->xNumberOfSuccessfulAllocations = successful_allocations;
        pxHeapStats->xNumberOfSuccessfulFrees = successful_frees;
    }
    (void)xTaskResumeAll();
}

void vPortInitialiseBlocks(void)
{
    /* Nothing to do: the heap is built on first use, as in heap_4.c. */
}

void vPortHeapResetState(void)
{
    /* For tests and restarts: the next call builds a fresh heap over ucHeap. */
    heap = NULL;
    minimum_ever_free = 0;
    successful_allocations = 0;
    successful_frees = 0;
}
