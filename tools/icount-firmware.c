/*
 * The firmware tools/core-icount.sh runs under qemu to count the instructions each
 * allocator call executes.
 * SPDX-License-Identifier: MIT
 *
 * Every measured call is made from a wrapper of its own, icount_w_<call>_<workload>:
 * a noipa function that makes that one call and stores its result (so that the call
 * is no tail call).  The script logs every instruction qemu executes and counts, for
 * each wrapper, the instructions from the first one outside the wrapper (the callee's
 * entry) to the first one back in it (the instruction after the call): the call
 * and everything it calls, none of the wrapper's own instructions.
 *
 * Workloads:
 *   churn  a 64 KiB arena and ICOUNT_SLOTS slots: each step frees a random slot (if
 *          it holds a block) and allocates 16..1023 bytes (log-uniform by octave)
 *          into it, fixed seed; ICOUNT_WARMUP steps unmeasured, then ICOUNT_STEPS
 *          measured.  In bitmap mode every other free is chop_free() (unsized).
 *   worst  for each arena of 2^s bytes (s = 6 .. ICOUNT_WORST_SHIFT, up to the
 *          largest block): a fresh heap, one free block; allocate one minimum block
 *          (k splits), free it (k merges); in bitmap mode again with chop_free().
 *   scan   an arena of SCAN_BLOCKS minimum blocks, all allocated, then f of them
 *          freed, none next to another (f = 0 .. SCAN_BLOCKS / 4); free one more
 *          block, whose buddy is allocated: no merge, f other free blocks.
 *   calib  a loop of known length (2n + 1 instructions), to check the counting.
 * What the script cannot see in the log, the firmware prints: "param CALL VALUE"
 * for each measured worst, scan or calib call, in order (k, f or n; for worst calls
 * also the minstret difference around the call, on RISC-V), and a summary line.
 */
#include <stdio.h>

#include "chopalloc.h"

#ifndef ICOUNT_SLOTS
#define ICOUNT_SLOTS 128
#endif
#ifndef ICOUNT_WARMUP
#define ICOUNT_WARMUP (4 * ICOUNT_SLOTS)
#endif
#ifndef ICOUNT_STEPS
#define ICOUNT_STEPS 2048
#endif
#ifndef ICOUNT_WORST_SHIFT
#define ICOUNT_WORST_SHIFT 20
#endif

#define CHURN_ARENA ((size_t)64 * 1024)
#define WORST_ARENA ((size_t)1 << ICOUNT_WORST_SHIFT)
#define ARENA (WORST_ARENA > CHURN_ARENA ? WORST_ARENA : CHURN_ARENA)
#define ALIGN 8u

/*
 * The arena and the bitmap are in the free RAM past the program's data (picolibc's
 * __heap_start .. __heap_end, which nothing else uses here): as static arrays, the
 * C library's start-up code would clear them first, megabytes of instructions in
 * the log.  The arena is aligned to its size, so that an arena of 2^s bytes at its
 * start is one block of 2^s.
 */
extern char __heap_start[], __heap_end[];
static unsigned char *arena;
#if CHOPALLOC_HAVE_BITMAP
static uint64_t *bitmap;
#define BITMAP_WORDS CHOP_BITMAP_WORDS(ARENA)
#define BITMAP bitmap, BITMAP_WORDS
#else
#define BITMAP_WORDS 0
#define BITMAP NULL, 0
#endif
static chop_heap heap;

volatile chop_status icount_status;

/* The calibration loop, in assembly so that its length is known: n >= 1 iterations
 * of two instructions, and the return. */
void icount_loop(unsigned n);
#if defined(__thumb__)
__asm__(".text\n"
        ".syntax unified\n"
        ".thumb\n"
        ".balign 4\n"
        ".global icount_loop\n"
        ".type icount_loop, %function\n"
        ".thumb_func\n"
        "icount_loop:\n"
        "1: subs r0, r0, #1\n"
        "   bne 1b\n"
        "   bx lr\n"
        ".size icount_loop, . - icount_loop\n");
#elif defined(__riscv)
__asm__(".text\n"
        ".balign 4\n"
        ".global icount_loop\n"
        ".type icount_loop, @function\n"
        "icount_loop:\n"
        "1: addi a0, a0, -1\n"
        "   bnez a0, 1b\n"
        "   ret\n"
        ".size icount_loop, . - icount_loop\n");
#else
#error "icount-firmware.c: no calibration loop for this architecture"
#endif

#define WRAPPER __attribute__((noinline, noipa))

/*
 * RISC-V: the minstret counter, which qemu -icount shift=0 keeps as the number of
 * instructions executed (without -icount it counts host time).  The worst-case
 * wrappers read it around their call, for the script to compare with its count.
 * Encoded by hand (csrr a0, minstret), as -march=rv32imac has no Zicsr for the
 * assembler; 0 on other cores.
 */
static inline uint32_t instret(void)
{
#if defined(__riscv)
    register uint32_t value __asm__("a0");
    __asm__ volatile(".4byte 0xb0202573" : "=r"(value));
    return value;
#else
    return 0;
#endif
}

volatile uint32_t icount_instret;

/* The first instruction after a call must be in the wrapper: a store to a volatile. */
WRAPPER void icount_w_calib(unsigned n)
{
    icount_loop(n);
    icount_status = CHOP_OK;
}

WRAPPER void icount_w_alloc_churn(size_t size, void **out)
{
    icount_status = chop_try_allocate(&heap, size, ALIGN, out);
}

WRAPPER void icount_w_dealloc_churn(void *ptr, size_t size)
{
    icount_status = chop_try_deallocate(&heap, ptr, size, ALIGN);
}

WRAPPER void icount_w_alloc_worst(void **out)
{
    uint32_t start = instret();
    icount_status = chop_try_allocate(&heap, 1, 1, out);
    icount_instret = instret() - start;
}

WRAPPER void icount_w_dealloc_worst(void *ptr)
{
    uint32_t start = instret();
    icount_status = chop_try_deallocate(&heap, ptr, 1, 1);
    icount_instret = instret() - start;
}

WRAPPER void icount_w_dealloc_scan(void *ptr)
{
    icount_status = chop_try_deallocate(&heap, ptr, 1, 1);
}

#if CHOPALLOC_HAVE_BITMAP
WRAPPER void icount_w_free_churn(void *ptr)
{
    chop_free(&heap, ptr);
    icount_status = CHOP_OK;
}

WRAPPER void icount_w_free_worst(void *ptr)
{
    uint32_t start = instret();
    chop_free(&heap, ptr);
    icount_instret = instret() - start;
}
#endif

static uint32_t rng_state = 0x2545F491u;

static uint32_t rng(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

/* 16..1023 bytes: an octave 2^4..2^9 at random, then a size within it. */
static size_t churn_size(void)
{
    unsigned octave = 4u + (unsigned)(((rng() >> 16) * 6u) >> 16); /* no division */
    return ((size_t)1 << octave) + (size_t)(rng() & ((1u << octave) - 1u));
}

static size_t free_blocks(void)
{
    chop_stats stats;
    size_t n = 0;
    chop_get_stats(&heap, &stats);
    for (unsigned k = 0; k < CHOPALLOC_MAX_ORDER; k++)
        n += stats.free_blocks[k];
    return n;
}

static int failures;

static void fail(const char *what)
{
    printf("icount: FAILED: %s (status %d)\n", what, (int)icount_status);
    failures++;
}

static void churn(void)
{
    static void *slot[ICOUNT_SLOTS];
    static size_t slot_size[ICOUNT_SLOTS];
    unsigned refused = 0, frees = 0;

    if (chop_init(&heap, arena, CHURN_ARENA, BITMAP) != CHOP_OK) {
        fail("chop_init (churn)");
        return;
    }
    for (unsigned step = 0; step < ICOUNT_WARMUP + ICOUNT_STEPS; step++) {
        unsigned measured = step >= ICOUNT_WARMUP;
        unsigned i = (unsigned)(rng() % ICOUNT_SLOTS);
        size_t size = churn_size();
        if (slot[i]) {
            if (!measured) {
                icount_status = chop_try_deallocate(&heap, slot[i], slot_size[i], ALIGN);
#if CHOPALLOC_HAVE_BITMAP
            } else if (frees++ % 2u) {
                icount_w_free_churn(slot[i]);
#endif
            } else {
                icount_w_dealloc_churn(slot[i], slot_size[i]);
            }
            if (icount_status != CHOP_OK)
                fail("free (churn)");
            slot[i] = NULL;
        }
        if (measured)
            icount_w_alloc_churn(size, &slot[i]);
        else
            icount_status = chop_try_allocate(&heap, size, ALIGN, &slot[i]);
        if (icount_status == CHOP_OK)
            slot_size[i] = size;
        else if (icount_status == CHOP_ERR_OUT_OF_MEMORY)
            refused += measured;
        else
            fail("allocate (churn)");
    }
    (void)frees;
    printf("churn: %u measured steps, %u slots, %u refused allocations\n",
           (unsigned)ICOUNT_STEPS, (unsigned)ICOUNT_SLOTS, refused);
}

static void worst(void)
{
    unsigned top = ICOUNT_WORST_SHIFT;
    if (top > CHOPALLOC_MAX_ORDER - 1u)
        top = CHOPALLOC_MAX_ORDER - 1u;
    for (unsigned s = 6; s <= top; s++) {
        void *p = NULL;
        size_t k;
        if (chop_init(&heap, arena, (size_t)1 << s, BITMAP) != CHOP_OK || free_blocks() != 1) {
            fail("chop_init (worst)");
            return;
        }
        uint32_t alloc_instret;
        icount_w_alloc_worst(&p);
        alloc_instret = icount_instret;
        if (icount_status != CHOP_OK)
            fail("allocate (worst)");
        k = free_blocks(); /* one buddy left free by each split */
        icount_w_dealloc_worst(p);
        if (icount_status != CHOP_OK || free_blocks() != 1)
            fail("deallocate (worst)");
        printf("param alloc_worst %u %lu\nparam dealloc_worst %u %lu\n", (unsigned)k,
               (unsigned long)alloc_instret, (unsigned)k, (unsigned long)icount_instret);
#if CHOPALLOC_HAVE_BITMAP
        if (chop_try_allocate(&heap, 1, 1, &p) != CHOP_OK)
            fail("allocate (worst, again)");
        icount_w_free_worst(p);
        if (free_blocks() != 1)
            fail("chop_free (worst)");
        printf("param free_worst %u %lu\n", (unsigned)k, (unsigned long)icount_instret);
#endif
    }
}

static int place_arena(void)
{
    uintptr_t start = ((uintptr_t)__heap_start + ARENA - 1u) & ~(uintptr_t)(ARENA - 1u);
    uintptr_t end = start + ARENA + BITMAP_WORDS * sizeof(uint64_t);
    if (end > (uintptr_t)__heap_end) {
        printf("icount: FAILED: no room for a %u-byte arena below %p\n", (unsigned)ARENA,
               (void *)__heap_end);
        return -1;
    }
    arena = (unsigned char *)start;
#if CHOPALLOC_HAVE_BITMAP
    bitmap = (uint64_t *)(start + ARENA);
#endif
    return 0;
}

#define SCAN_BLOCKS 256u

static void scan(void)
{
    static const unsigned spread[] = {0, 8, 16, 32, 64};
    for (unsigned i = 0; i < sizeof spread / sizeof spread[0]; i++) {
        void *p;
        size_t f;
        if (chop_init(&heap, arena, SCAN_BLOCKS * CHOP_MIN_BLOCK_SIZE, BITMAP) != CHOP_OK) {
            fail("chop_init (scan)");
            return;
        }
        for (unsigned b = 0; b < SCAN_BLOCKS; b++)
            if (chop_try_allocate(&heap, 1, 1, &p) != CHOP_OK)
                fail("allocate (scan)");
        /* Blocks 0, 4, 8, ...: no two of them buddies, none the buddy of block 2. */
        for (unsigned b = 0; b < spread[i]; b++)
            if (chop_try_deallocate(&heap, arena + 4u * b * CHOP_MIN_BLOCK_SIZE, 1, 1) != CHOP_OK)
                fail("deallocate (scan, unmeasured)");
        f = free_blocks();
        icount_w_dealloc_scan(arena + 2u * CHOP_MIN_BLOCK_SIZE);
        if (icount_status != CHOP_OK || free_blocks() != f + 1)
            fail("deallocate (scan)");
        printf("param dealloc_scan %u\n", (unsigned)f);
    }
}

int main(void)
{
    if (place_arena() != 0)
        return 1;
    static const unsigned calib[] = {1, 2, 7, 100, 1000};
    for (unsigned i = 0; i < sizeof calib / sizeof calib[0]; i++) {
        icount_w_calib(calib[i]);
        printf("param calib %u\n", calib[i]);
    }
    if (ICOUNT_STEPS > 0) {
        churn();
        scan();
    }
    worst();
    printf("icount: max order %d, min block %u, bitmap %d, %d failures\n",
           CHOPALLOC_MAX_ORDER, (unsigned)CHOP_MIN_BLOCK_SIZE, CHOPALLOC_HAVE_BITMAP, failures);
    return failures != 0;
}
