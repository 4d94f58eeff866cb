/*
 * memory_banks: one heap over three RAM banks, with DMA buffers kept in the banks
 * that DMA can reach.
 * SPDX-License-Identifier: MIT
 *
 * Modelled on an STM32F4: SRAM1 and SRAM2 are on the bus matrix, where DMA can reach
 * them; CCM (core-coupled memory) is fast but reachable by the CPU alone.  The heap is
 * built over SRAM1 and the other banks are added with chop_add_region().  Ordinary
 * allocations take the best-fitting block of any bank; DMA buffers are allocated with
 * chop_try_allocate_in() from the DMA-capable banks only.  A walk of the heap tells how
 * full each bank is.
 */
#include <stdint.h>
#include <stdio.h>

#include "chopalloc.h"

#define SRAM1_BYTES 8192u
#define CCM_BYTES 4096u
#define SRAM2_BYTES 2048u
#define DMA_BUFFER 1024u

#if CHOPALLOC_MAX_ORDER - 1 < 13 /* 2^13 = SRAM1_BYTES */

int main(void)
{
    printf("memory_banks: skipped: the example needs a bank to be one block of %u bytes, but"
           " this build's largest block is %zu bytes (configure --with-max-order=14 or"
           " more)\n", SRAM1_BYTES, chop_largest_block_size());
    return 0;
}

#else

/* On the target, the linker script places each bank; here they are static arrays. */
static _Alignas(SRAM1_BYTES) unsigned char sram1[SRAM1_BYTES];
static _Alignas(CCM_BYTES) unsigned char ccm[CCM_BYTES];
static _Alignas(SRAM2_BYTES) unsigned char sram2[SRAM2_BYTES];

#if CHOPALLOC_HAVE_BITMAP
static uint64_t sram1_bitmap[CHOP_BITMAP_WORDS(SRAM1_BYTES)];
static uint64_t ccm_bitmap[CHOP_BITMAP_WORDS(CCM_BYTES)];
static uint64_t sram2_bitmap[CHOP_BITMAP_WORDS(SRAM2_BYTES)];
#define BITMAP(b) (b)
#define WORDS(bytes) CHOP_BITMAP_WORDS(bytes)
#else
#define BITMAP(b) NULL
#define WORDS(bytes) 0u
#endif

static chop_heap heap;
static chop_region ccm_region, sram2_region;

struct bank {
    const char *name;
    unsigned char *memory;
    size_t size;
    int dma;             /* whether DMA can reach it */
    chop_region *region; /* for chop_try_allocate_in(); NULL: the heap's own */
    size_t used;         /* filled in by the walk */
};

static struct bank banks[] = {
    { "SRAM1", sram1, SRAM1_BYTES, 1, NULL, 0 },
    { "CCM", ccm, CCM_BYTES, 0, &ccm_region, 0 },
    { "SRAM2", sram2, SRAM2_BYTES, 1, &sram2_region, 0 },
};
#define BANKS (sizeof banks / sizeof banks[0])

static struct bank *bank_of(const void *p)
{
    for (size_t b = 0; b < BANKS; b++)
        if ((uintptr_t)p - (uintptr_t)banks[b].memory < banks[b].size)
            return &banks[b];
    return NULL;
}

/* Where a block lies, as "BANK+offset". */
static void print_place(const char *what, const void *p, size_t size)
{
    const struct bank *b = bank_of(p);
    printf("  %-14s %5zu bytes  in %s+%zu\n", what, size, b ? b->name : "?",
           b ? (size_t)((const unsigned char *)p - b->memory) : 0u);
}

/* A DMA buffer: from the first DMA-capable bank with room. */
static void *dma_buffer(size_t size)
{
    for (size_t b = 0; b < BANKS; b++) {
        void *p = NULL;
        if (banks[b].dma && chop_try_allocate_in(&heap, banks[b].region, size, 4, &p) == CHOP_OK)
            return p;
    }
    return NULL;
}

static int tally(void *ctx, void *block, size_t size, int allocated)
{
    struct bank *b = bank_of(block);
    (void)ctx;
    if (b && allocated)
        b->used += size;
    return 0;
}

static void print_banks(void)
{
    for (size_t b = 0; b < BANKS; b++)
        banks[b].used = 0;
    (void)chop_walk(&heap, tally, NULL);
    for (size_t b = 0; b < BANKS; b++)
        printf("  %-6s %5zu of %5zu bytes allocated%s\n", banks[b].name, banks[b].used,
               banks[b].size, banks[b].dma ? "" : "  (no DMA)");
}

static int fail(const char *what, chop_status status)
{
    printf("memory_banks: %s: %s\n", what, chop_strerror(status));
    return 1;
}

int main(void)
{
    chop_status s = chop_init(&heap, sram1, SRAM1_BYTES, BITMAP(sram1_bitmap), WORDS(SRAM1_BYTES));
    if (s != CHOP_OK)
        return fail("chop_init", s);
    s = chop_add_region(&heap, &ccm_region, ccm, CCM_BYTES, BITMAP(ccm_bitmap), WORDS(CCM_BYTES));
    if (s != CHOP_OK)
        return fail("chop_add_region(CCM)", s);
    s = chop_add_region(&heap, &sram2_region, sram2, SRAM2_BYTES, BITMAP(sram2_bitmap),
                        WORDS(SRAM2_BYTES));
    if (s != CHOP_OK)
        return fail("chop_add_region(SRAM2)", s);
    chop_stats st;
    chop_get_stats(&heap, &st);
    printf("one heap over SRAM1, CCM and SRAM2: %zu bytes managed, largest block %zu\n",
           st.managed_bytes, st.largest_free_block);

    /* Ordinary allocations: the smallest free block that fits, in any bank. */
    printf("task stacks and queues (any bank, best fit):\n");
    void *stack[2], *queue[3], *spare = NULL;
    for (size_t i = 0; i < 2; i++) {
        s = chop_try_allocate(&heap, 1536, 8, &stack[i]);
        if (s != CHOP_OK)
            return fail("a task stack", s);
        print_place("task stack", stack[i], 2048);
    }
    for (size_t i = 0; i < 3; i++) {
        s = chop_try_allocate(&heap, 200, 4, &queue[i]);
        if (s != CHOP_OK)
            return fail("a queue", s);
        print_place("queue", queue[i], 256);
    }

    /* DMA buffers: never in CCM, which DMA cannot reach. */
    printf("DMA buffers (SRAM1 or SRAM2 only):\n");
    void *dma[16];
    size_t got = 0;
    while (got < 16 && (dma[got] = dma_buffer(DMA_BUFFER)) != NULL)
        print_place("DMA buffer", dma[got++], DMA_BUFFER);
    chop_get_stats(&heap, &st);
    printf("  DMA buffer %zu refused: SRAM1 and SRAM2 are full, though %zu bytes are free"
           " in CCM\n", got + 1u, st.free_bytes);
    s = chop_try_allocate(&heap, DMA_BUFFER, 4, &spare);
    if (s != CHOP_OK)
        return fail("an ordinary request", s);
    print_place("but not DMA", spare, DMA_BUFFER);
    print_banks();

    /* Freeing is the same call whatever the bank. */
    (void)chop_try_deallocate(&heap, spare, DMA_BUFFER, 4);
    for (size_t i = 0; i < got; i++)
        (void)chop_try_deallocate(&heap, dma[i], DMA_BUFFER, 4);
    for (size_t i = 0; i < 3; i++)
        (void)chop_try_deallocate(&heap, queue[i], 200, 4);
    for (size_t i = 0; i < 2; i++)
        (void)chop_try_deallocate(&heap, stack[i], 1536, 8);
    chop_get_stats(&heap, &st);
    s = chop_check(&heap);
    printf("all freed: %zu of %zu bytes free, chop_check %s\n", st.free_bytes, st.managed_bytes,
           s == CHOP_OK ? "OK" : chop_strerror(s));
    if (s != CHOP_OK || st.free_bytes != st.managed_bytes)
        return 1;
    printf("memory_banks: OK\n");
    return 0;
}

#endif
