/*
 * Small programs, one per scenario, that use a chopalloc heap the way a buggy user
 * would, and one that uses it correctly.  tests/test_misuse.sh runs them under Valgrind
 * memcheck and AddressSanitizer and asserts that each misuse is reported against the
 * function below that commits it, and that the correct program is clean.
 * SPDX-License-Identifier: MIT
 *
 * Usage: misuse SCENARIO MODE   (MODE: bitmap or free-list)
 *        misuse --checkers      prints which checkers and modes the library was built for
 *        misuse --list          prints the scenarios
 *
 * Reading a freed block of a static arena is not undefined behaviour in C, so without a
 * checker every scenario simply runs to the end: it is the checkers that must object.
 * Each misuse is a noinline function named misuse_* so that reports can be matched to it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chopalloc.h"
#include "testlib.h"

#define ARENA 4096u
#define NOINLINE __attribute__((noinline))

static _Alignas(ARENA) unsigned char arena[ARENA];
static uint64_t bitmap[CHOP_BITMAP_WORDS(ARENA)];
static chop_heap heap;
static volatile unsigned char sink; /* keeps reads from being optimised away */

static void *must_allocate(size_t size)
{
    void *p = NULL;
    if (chop_try_allocate(&heap, size, 1, &p) != CHOP_OK) {
        fprintf(stderr, "misuse: allocating %zu bytes failed\n", size);
        exit(2);
    }
    return p;
}

static void must_free(void *p, size_t size)
{
    if (chop_try_deallocate(&heap, p, size, 1) != CHOP_OK) {
        fprintf(stderr, "misuse: freeing %p failed\n", p);
        exit(2);
    }
}

/* Correct use: every byte of every block written and read back, everything freed. */
static NOINLINE void correct_use(void)
{
    static const size_t sizes[] = {1, 16, 24, 100, 512, 33, 7, 1000};
    unsigned char *blocks[sizeof sizes / sizeof sizes[0]];
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            blocks[i] = must_allocate(sizes[i]);
            memset(blocks[i], (int)i, sizes[i]);
        }
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            for (size_t j = 0; j < sizes[i]; j++)
                if (blocks[i][j] != (unsigned char)i)
                    exit(3);
            must_free(blocks[i], sizes[i]);
        }
    }
    /* Resized blocks: one grown in place, then shrunk, each byte it has written and read. */
    void *grown = must_allocate(16);
    memset(grown, 5, 16);
    if (chop_try_reallocate(&heap, &grown, 16, 512, 1) != CHOP_OK || grown != arena)
        exit(3); /* the fresh heap's first block grows in place */
    memset(grown, 6, 512);
    if (chop_try_reallocate(&heap, &grown, 512, 40, 1) != CHOP_OK)
        exit(3);
    for (size_t j = 0; j < 40; j++)
        if (((unsigned char *)grown)[j] != 6)
            exit(3);
    must_free(grown, 40);
}

static NOINLINE void misuse_read_after_free(void)
{
    unsigned char *p = must_allocate(64);
    memset(p, 1, 64);
    must_free(p, 64);
    sink = p[0];
}

static NOINLINE void misuse_write_after_free(void)
{
    unsigned char *p = must_allocate(64);
    must_free(p, 64);
    p[8] = 42;
}

/* A fresh heap hands out its lowest block, so the block right after it is free. */
static NOINLINE void misuse_overflow_into_free_neighbour(void)
{
    unsigned char *p = must_allocate(32);
    memset(p, 1, 32);
    p[32] = 1; /* one past the block */
}

static NOINLINE void misuse_read_free_memory(void)
{
    unsigned char *volatile region = arena; /* hides that the index is in bounds */
    (void)must_allocate(16);
    sink = region[ARENA / 2]; /* never handed out */
}

/* The tail a shrink gives back is free memory at once. */
static NOINLINE void misuse_read_after_shrink(void)
{
    void *p = must_allocate(1000);
    memset(p, 1, 1000);
    if (chop_try_reallocate(&heap, &p, 1000, 100, 1) != CHOP_OK)
        exit(2);
    sink = ((unsigned char *)p)[512]; /* was ours before the shrink */
}

/* A reallocation that moves frees the old block. */
static NOINLINE void misuse_read_after_move(void)
{
    unsigned char *a = must_allocate(64);
    (void)must_allocate(64); /* a's buddy: a cannot grow in place */
    memset(a, 1, 64);
    void *p = a;
    if (chop_try_reallocate(&heap, &p, 64, 128, 1) != CHOP_OK || p == a)
        exit(2);
    sink = a[0];
}

static NOINLINE void misuse_uninitialised_read(void)
{
    unsigned char *p = must_allocate(64);
    if (p[5] == 7) /* never written */
        sink = 1;
    must_free(p, 64);
}

static unsigned char *leaked;
static void *volatile c_heap_block; /* volatile: the malloc must stay */

/*
 * Not the region's first block: chop_heap holds that address, so memcheck would count
 * it as still reachable.  And memcheck searches for leaks only when the C heap has a
 * block in use at exit (measured with valgrind 3.19), so one malloc'd block stays.
 */
static NOINLINE void misuse_leak(void)
{
    c_heap_block = malloc(1);
    (void)must_allocate(128);
    leaked = must_allocate(128);
    leaked = NULL; /* the only pointer to it, dropped */
    sink = 0;      /* no tail call: this function stays on the allocation's stack */
}

static const struct scenario {
    const char *name;
    void (*run)(void);
} scenarios[] = {
    {"clean", correct_use},
    {"read-after-free", misuse_read_after_free},
    {"write-after-free", misuse_write_after_free},
    {"overflow-into-free-neighbour", misuse_overflow_into_free_neighbour},
    {"read-free-memory", misuse_read_free_memory},
    {"read-after-shrink", misuse_read_after_shrink},
    {"read-after-move", misuse_read_after_move},
    {"uninitialised-read", misuse_uninitialised_read},
    {"leak", misuse_leak},
};

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--checkers") == 0) {
        printf("memcheck-hooks=%d asan=%d bitmap=%d free-list=%d\n", built_with_memcheck_hooks(),
               built_with_asan(), mode_built(MODE_BITMAP), mode_built(MODE_FREELIST));
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
            puts(scenarios[i].name);
        return 0;
    }
    if (argc != 3 || (strcmp(argv[2], "bitmap") != 0 && strcmp(argv[2], "free-list") != 0)) {
        fprintf(stderr, "usage: misuse SCENARIO bitmap|free-list | --checkers | --list\n");
        return 2;
    }
    int use_bitmap = strcmp(argv[2], "bitmap") == 0;
    chop_status s = chop_init(&heap, arena, sizeof arena, use_bitmap ? bitmap : NULL,
                              use_bitmap ? sizeof bitmap / sizeof bitmap[0] : 0);
    if (s != CHOP_OK) {
        fprintf(stderr, "misuse: chop_init: %s\n", chop_strerror(s));
        return 2;
    }
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        if (strcmp(argv[1], scenarios[i].name) == 0) {
            scenarios[i].run();
            return chop_check(&heap) == CHOP_OK ? 0 : 4;
        }
    }
    fprintf(stderr, "misuse: no scenario '%s'\n", argv[1]);
    return 2;
}
