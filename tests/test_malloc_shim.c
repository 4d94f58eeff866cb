/*
 * malloc/chopalloc_malloc.c's C semantics, built with CHOPALLOC_MALLOC_PREFIX=shim_ so
 * that it runs beside this C library's malloc: errno, NULL and 0 as C and POSIX give
 * them, the region hook (none at first, then a static array), the lock hooks (one
 * lock per call, never nested), refused frees reported to the hook and harmless.
 * The same file with its real names runs on Cortex-M and RV32 firmware under qemu
 * (tools/malloc-firmware.sh).
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "chopalloc.h"
#include "tap.h"

#if CHOP_TEST_MALLOC_SHIM

#include "chopalloc_malloc.h"

void *shim_malloc(size_t size);
void shim_free(void *ptr);
void *shim_calloc(size_t n, size_t size);
void *shim_realloc(void *ptr, size_t size);
void *shim_aligned_alloc(size_t align, size_t size);
void *shim_memalign(size_t align, size_t size);
int shim_posix_memalign(void **out, size_t align, size_t size);
size_t shim_malloc_usable_size(void *ptr);

#define REGION_SIZE ((size_t)64 * 1024)
/* Sizes the tests ask for, down to this build's largest block (--with-max-order). */
#define FIT(n) ((size_t)(n) < CHOP_LARGEST_BLOCK_SIZE ? (size_t)(n) : CHOP_LARGEST_BLOCK_SIZE)
#define GROWN FIT(3000)              /* what a 40-byte block grows to */
#define QUARTER FIT(REGION_SIZE / 4) /* what fits again once everything is freed */
#define WIDE_ALIGN FIT(1024)
/* The smallest largest block the tests can run with: malloc(200), memalign(256, ...). */
#define NEEDED_BLOCK 256u
static alignas(4096) unsigned char region[REGION_SIZE];
static int region_given;       /* 0: the hook names no region */
static unsigned region_calls;  /* chopalloc_malloc_region() calls */
static int depth, deepest;     /* of the lock */
static unsigned locks, unbalanced;
static unsigned refusals;      /* chopalloc_malloc_refused() calls */
static void *refused_ptr;
static chop_status refused_status;

void chopalloc_malloc_region(void **start, size_t *size)
{
    region_calls++;
    *start = region_given ? region : NULL;
    *size = region_given ? sizeof region : 0;
}

void chopalloc_malloc_lock(void)
{
    locks++;
    if (++depth > deepest)
        deepest = depth;
}

void chopalloc_malloc_unlock(void)
{
    if (depth == 0)
        unbalanced++;
    else
        depth--;
}

void chopalloc_malloc_refused(void *ptr, chop_status status)
{
    refusals++;
    refused_ptr = ptr;
    refused_status = status;
    tap_ok(depth == 0, "the refusal hook runs without the lock held");
}

static int aligned_to(const void *p, size_t align)
{
    return ((uintptr_t)p & (align - 1u)) == 0;
}

static size_t live(void)
{
    chop_stats stats;
    chop_get_stats(chopalloc_malloc_heap(), &stats);
    return stats.live_allocations;
}

static void test_no_region(void)
{
    int local;
    errno = 0;
    tap_ok(shim_malloc(16) == NULL && errno == ENOMEM, "no region: malloc fails with ENOMEM");
    tap_ok(shim_calloc(2, 8) == NULL && errno == ENOMEM, "no region: calloc fails with ENOMEM");
    void *p = &local;
    tap_is_int(shim_posix_memalign(&p, 16, 8), ENOMEM, "no region: posix_memalign returns ENOMEM");
    tap_ok(p == &local, "posix_memalign leaves *out alone on failure");
    tap_ok(chopalloc_malloc_heap() == NULL, "no region: chopalloc_malloc_heap() is NULL");
    shim_free(&local);
    tap_ok(refusals == 1 && refused_ptr == &local && refused_status == CHOP_ERR_NULL_ARGUMENT,
           "no region: a free is refused as CHOP_ERR_NULL_ARGUMENT");
    tap_ok(region_calls >= 4, "the region hook is asked again while it names none (%u calls)",
           region_calls);
    region_given = 1;
}

static void test_basics(void)
{
    unsigned calls = region_calls;
    char *p = shim_malloc(100);
    tap_ok(p != NULL && region_calls == calls + 1, "malloc builds the heap from the region hook");
    tap_ok((unsigned char *)p >= region && (unsigned char *)p < region + sizeof region,
           "the block lies in the region");
    tap_ok(aligned_to(p, alignof(max_align_t)), "malloc(100) is aligned to max_align_t");
    tap_ok(shim_malloc_usable_size(p) >= 100, "malloc_usable_size >= the size asked (%zu)",
           shim_malloc_usable_size(p));
    memset(p, 'x', 100);
    shim_malloc(8); /* leaked on purpose: the heap is not one block any more */
    calls = region_calls;
    unsigned before = locks;
    void *q = shim_malloc(24);
    tap_ok(q != NULL && locks == before + 1, "after the first call: one lock per malloc");
    before = locks;
    shim_free(q);
    tap_ok(locks == before + 1, "one lock per free");
    before = locks;
    shim_free(NULL);
    tap_ok(locks == before && refusals == 1, "free(NULL) does nothing");
    tap_ok(region_calls == calls, "the region hook is not called once the heap is built");

    void *z1 = shim_malloc(0), *z2 = shim_malloc(0);
    tap_ok(z1 != NULL && z2 != NULL && z1 != z2, "malloc(0) returns unique pointers");
    shim_free(z1);
    shim_free(z2);
    tap_ok(refusals == 1, "free takes back malloc(0)'s pointers");

    errno = 0;
    tap_ok(shim_malloc(REGION_SIZE) == NULL && errno == ENOMEM,
           "malloc larger than the region: NULL, ENOMEM");
    errno = 0;
    tap_ok(shim_malloc(SIZE_MAX) == NULL && errno == ENOMEM, "malloc(SIZE_MAX): NULL, ENOMEM");
    errno = 1234;
    shim_free(p);
    tap_is_int(errno, 1234, "free keeps errno");
}

static void test_calloc(void)
{
    unsigned char *p = shim_malloc(200);
    memset(p, 0xAA, 200);
    shim_free(p);
    unsigned char *z = shim_calloc(25, 8);
    int zero = z != NULL;
    for (size_t i = 0; zero && i < 200; i++)
        zero = z[i] == 0;
    tap_ok(zero, "calloc(25, 8) is zeroed over a dirty block");
    shim_free(z);
    errno = 0;
    tap_ok(shim_calloc(SIZE_MAX / 2 + 2, 2) == NULL && errno == ENOMEM,
           "calloc whose product overflows: NULL, ENOMEM");
    errno = 0;
    tap_ok(shim_calloc((size_t)1 << (sizeof(size_t) * 4), (size_t)1 << (sizeof(size_t) * 4)) == NULL &&
               errno == ENOMEM,
           "calloc(2^(w/2), 2^(w/2)): overflow, ENOMEM");
    void *c0 = shim_calloc(0, 16), *c1 = shim_calloc(16, 0);
    tap_ok(c0 != NULL && c1 != NULL && c0 != c1, "calloc with a zero count or size: unique pointers");
    shim_free(c0);
    shim_free(c1);
}

static void test_realloc(void)
{
    char *p = shim_realloc(NULL, 40);
    tap_ok(p != NULL && shim_malloc_usable_size(p) >= 40, "realloc(NULL, 40) allocates");
    for (int i = 0; i < 40; i++)
        p[i] = (char)i;
    char *q = shim_realloc(p, GROWN);
    int same = q != NULL;
    for (int i = 0; same && i < 40; i++)
        same = q[i] == (char)i;
    tap_ok(same, "realloc to %zu bytes keeps the contents", GROWN);
    errno = 0;
    tap_ok(shim_realloc(q, REGION_SIZE) == NULL && errno == ENOMEM, "realloc too large: NULL, ENOMEM");
    same = shim_malloc_usable_size(q) >= GROWN;
    for (int i = 0; same && i < 40; i++)
        same = q[i] == (char)i;
    tap_ok(same, "a failed realloc leaves the block and its contents");
    size_t before = live();
    errno = 1234;
    tap_ok(shim_realloc(q, 0) == NULL && live() == before - 1, "realloc(p, 0) frees p, returns NULL");
    tap_is_int(errno, 1234, "realloc(p, 0) keeps errno");
    tap_is_size(shim_malloc_usable_size(q), 0, "malloc_usable_size of a freed block: 0");

    unsigned seen = refusals;
    errno = 0;
    tap_ok(shim_realloc(q, 10) == NULL && errno == EINVAL, "realloc of a freed block: NULL, EINVAL");
    tap_ok(refusals == seen + 1 && refused_ptr == q && refused_status == CHOP_ERR_DOUBLE_FREE,
           "realloc of a freed block is refused as CHOP_ERR_DOUBLE_FREE (%s)",
           tap_status_name(refused_status));
    char *r = shim_malloc(64);
    errno = 0;
    void *moved = shim_realloc(r + 16, 100);
    tap_ok(moved == NULL && errno == EINVAL && refusals == seen + 2 &&
               refused_status == CHOP_ERR_INTERIOR_POINTER,
           "realloc of an interior pointer: NULL, EINVAL, refused as CHOP_ERR_INTERIOR_POINTER (%s)",
           tap_status_name(refused_status));
    tap_is_size(shim_malloc_usable_size(r), 64, "the block itself is untouched");
    shim_free(r);
}

static void test_aligned(void)
{
    errno = 0;
    tap_ok(shim_aligned_alloc(24, 8) == NULL && errno == EINVAL, "aligned_alloc(24, 8): EINVAL");
    errno = 0;
    tap_ok(shim_aligned_alloc(0, 8) == NULL && errno == EINVAL, "aligned_alloc(0, 8): EINVAL");
    errno = 0;
    tap_ok(shim_memalign(3, 8) == NULL && errno == EINVAL, "memalign(3, 8): EINVAL");
    void *a = shim_aligned_alloc(WIDE_ALIGN, 10);
    tap_ok(a != NULL && aligned_to(a, WIDE_ALIGN), "aligned_alloc(%zu, 10) is aligned", WIDE_ALIGN);
    void *m = shim_memalign(256, 0);
    tap_ok(m != NULL && aligned_to(m, 256), "memalign(256, 0): an aligned unique pointer");
    void *one = shim_aligned_alloc(1, 3);
    tap_ok(one != NULL, "aligned_alloc(1, 3)");
    errno = 0;
    tap_ok(shim_aligned_alloc(REGION_SIZE * 2, 8) == NULL && errno == ENOMEM,
           "an alignment larger than the heap: ENOMEM");
    shim_free(a);
    shim_free(m);
    shim_free(one);

    void *p = NULL;
    errno = 1234;
    tap_is_int(shim_posix_memalign(&p, 64, 100), 0, "posix_memalign(&p, 64, 100)");
    tap_ok(p != NULL && aligned_to(p, 64), "posix_memalign's block is aligned");
    shim_free(p);
    void *keep = &p;
    p = keep;
    tap_is_int(shim_posix_memalign(&p, sizeof(void *) / 2, 8), EINVAL,
               "posix_memalign: an alignment below sizeof(void *) is EINVAL");
    tap_is_int(shim_posix_memalign(&p, 48, 8), EINVAL, "posix_memalign: 48 is EINVAL");
    tap_is_int(shim_posix_memalign(&p, 16, SIZE_MAX), ENOMEM, "posix_memalign(SIZE_MAX): ENOMEM");
    tap_ok(p == keep && errno == 1234, "posix_memalign's failures keep *out and errno");
    tap_is_int(shim_posix_memalign(&p, sizeof(void *), 0), 0, "posix_memalign of 0 bytes succeeds");
    tap_ok(p != keep && p != NULL, "with a unique pointer");
    shim_free(p);
}

static void test_refused(void)
{
    int on_stack = 0;
    size_t before = live();
    unsigned seen = refusals;
    char *p = shim_malloc(32);
    shim_free(p);
    shim_free(p);
    tap_ok(refusals == seen + 1 && refused_ptr == p && refused_status == CHOP_ERR_DOUBLE_FREE,
           "a double free is refused as CHOP_ERR_DOUBLE_FREE (%s)", tap_status_name(refused_status));
    p = shim_malloc(64);
    shim_free(p + 16);
    tap_ok(refusals == seen + 2 && refused_ptr == p + 16 &&
               refused_status == CHOP_ERR_INTERIOR_POINTER,
           "an interior pointer is refused as CHOP_ERR_INTERIOR_POINTER (%s)",
           tap_status_name(refused_status));
    shim_free(&on_stack);
    tap_ok(refusals == seen + 3 && refused_status == CHOP_ERR_OUTSIDE_HEAP,
           "a pointer outside the heap is refused as CHOP_ERR_OUTSIDE_HEAP (%s)",
           tap_status_name(refused_status));
    tap_is_size(shim_malloc_usable_size(&on_stack), 0, "malloc_usable_size of a foreign pointer: 0");
    tap_is_size(shim_malloc_usable_size(NULL), 0, "malloc_usable_size(NULL): 0");
    tap_ok(shim_malloc_usable_size(p) == 64 && live() == before + 1,
           "the block survives the refused interior free");
    shim_free(p);
    tap_is_status(chop_check(chopalloc_malloc_heap()), CHOP_OK, "the heap is consistent after refusals");
}

static void test_exhaustion(void)
{
    static void *blocks[REGION_SIZE / 64];
    size_t n = 0, base = live();
    errno = 0;
    while (n < sizeof blocks / sizeof blocks[0] && (blocks[n] = shim_malloc(60)) != NULL)
        n++;
    tap_ok(n > 100 && errno == ENOMEM, "the heap runs out with ENOMEM after %zu blocks", n);
    while (n > 0)
        shim_free(blocks[--n]);
    tap_is_size(live(), base, "every block freed");
    tap_is_status(chop_check(chopalloc_malloc_heap()), CHOP_OK, "the heap is consistent");
    void *big = shim_malloc(QUARTER);
    tap_ok(big != NULL, "the freed blocks merge back: %zu bytes fit again", QUARTER);
    shim_free(big);
}

int main(void)
{
    if (CHOP_LARGEST_BLOCK_SIZE < NEEDED_BLOCK) {
        printf("1..0 # SKIP the malloc shim's tests need %u-byte blocks, but the largest "
               "block is %zu bytes\n", NEEDED_BLOCK, (size_t)CHOP_LARGEST_BLOCK_SIZE);
        return 0;
    }
    test_no_region();
    test_basics();
    test_calloc();
    test_realloc();
    test_aligned();
    test_refused();
    test_exhaustion();
    tap_ok(depth == 0 && deepest == 1 && unbalanced == 0,
           "every call took the lock once and released it, never nested (%u locks)", locks);
    return tap_done();
}

#else

int main(void)
{
    printf("1..0 # SKIP the malloc shim needs bitmap mode: built with --disable-bitmap or --disable-malloc-shim\n");
    return 0;
}

#endif
