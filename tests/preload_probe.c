/*
 * Run by tests/test_preload.sh under LD_PRELOAD=libchopalloc-preload.so: the C library's
 * allocation calls, now chopalloc's, keep their C and POSIX semantics.  Ends with a
 * double free and a free of a foreign pointer, which the library must refuse and
 * count (a plain C library would abort here: the program is not run without it).
 * Exits 0 when every check holds; prints each failure.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chopalloc.h"

static int failures;

/* Values the compiler cannot see through: its warnings about the misuses below
 * (a huge size, a double free, a free of a local) would stop the build. */
static volatile size_t huge = SIZE_MAX;
static volatile size_t not_a_power_of_two = 24;
static void *volatile opaque;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAILED", what);
    failures += !ok;
}

static int aligned(const void *p, size_t align)
{
    return p != NULL && (uintptr_t)p % align == 0;
}

int main(int argc, char **argv)
{
    /* For tests/test_preload.sh, without the library: whether real programs fit. */
    if (argc > 1 && strcmp(argv[1], "--largest-block") == 0) {
        printf("%zu\n", (size_t)CHOP_LARGEST_BLOCK_SIZE);
        return 0;
    }
    char *p = malloc(100);
    check(p != NULL && malloc_usable_size(p) == 128,
          "malloc(100) is a 128-byte block: chopalloc's, not the C library's");

    void *z1 = malloc(0), *z2 = malloc(0);
    check(z1 != NULL && z2 != NULL && z1 != z2, "malloc(0) gives unique pointers");
    free(z1);
    free(z2);

    unsigned *c = calloc(1000, sizeof *c);
    int zero = c != NULL;
    for (size_t i = 0; zero && i < 1000; i++)
        zero = c[i] == 0;
    check(zero, "calloc(1000, 4) is zeroed");
    errno = 0;
    check(calloc(huge / 2u + 1u, 4) == NULL && errno == ENOMEM,
          "calloc whose product overflows: NULL and ENOMEM");
    errno = 0;
    check(malloc(huge) == NULL && errno == ENOMEM, "malloc(SIZE_MAX): NULL and ENOMEM");
    errno = 0;
    check(reallocarray(NULL, huge, 2) == NULL && errno == ENOMEM,
          "reallocarray that overflows: NULL and ENOMEM");

    memcpy(p, "chopalloc", 10);
    p = realloc(p, 5000);
    check(p != NULL && strcmp(p, "chopalloc") == 0 && malloc_usable_size(p) == 8192,
          "realloc grows to 8192 bytes and keeps the contents");
    check(realloc(p, 0) == NULL, "realloc(p, 0) frees and returns NULL");

    void *q = NULL;
    check(posix_memalign(&q, 4096, 100) == 0 && aligned(q, 4096), "posix_memalign(4096)");
    free(q);
    check(posix_memalign(&q, not_a_power_of_two, 8) == EINVAL,
          "posix_memalign: 24 is not a power of two");
    check(posix_memalign(&q, sizeof(void *) / 2u, 8) == EINVAL,
          "posix_memalign: an alignment below sizeof(void *)");
    void *a = aligned_alloc(64, 64), *m = memalign(256, 10), *v = valloc(10), *pv = pvalloc(10);
    long page = sysconf(_SC_PAGESIZE);
    check(aligned(a, 64) && aligned(m, 256) && aligned(v, (size_t)page) &&
              aligned(pv, (size_t)page) && malloc_usable_size(pv) >= (size_t)page,
          "aligned_alloc, memalign, valloc and pvalloc align as asked");
    errno = 0;
    check(aligned_alloc(not_a_power_of_two, 8) == NULL && errno == EINVAL,
          "aligned_alloc(24): EINVAL");
    free(a);
    free(m);
    free(v);
    free(pv);

    free(c);
    errno = 1234;
    free(NULL);
    char *r = malloc(10);
    opaque = r;
    free(r);
    check(errno == 1234, "free keeps errno");
    free(opaque); /* refused: freed already */
    int local;
    opaque = &local;
    free(opaque); /* refused: not the heap's */
    check(errno == 1234, "a refused free keeps errno too");
    return failures == 0 ? 0 : 1;
}
