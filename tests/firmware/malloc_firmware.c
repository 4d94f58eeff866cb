/*
 * A firmware on libchopalloc-malloc: the C library's own allocations (stdio, strdup,
 * qsort's arrays) and, with FIRMWARE_CXX, C++'s containers through operator new
 * (malloc_firmware_cxx.cpp), all on the one chopalloc heap that the linker script's
 * heap symbols name.  tools/malloc-firmware.sh builds it for newlib and picolibc on
 * Cortex-M and RV32 and compares what it prints with the .expected files here:
 * every line is the same on every target, and a failed check prints something else.
 * Exits 0 when every check held.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chopalloc.h"
#include "chopalloc_malloc.h"
#include "malloc_firmware.h"

#if defined(_NEWLIB_VERSION) && !defined(__PICOLIBC__)
#include <malloc.h>
#include <sys/reent.h>
#define FIRMWARE_NEWLIB 1
#else
#define FIRMWARE_NEWLIB 0
#endif

/* These are not in every C library's <stdlib.h> or <malloc.h>. */
void *memalign(size_t align, size_t size);
size_t malloc_usable_size(void *ptr);

/* The linker script's heap region, named by the build (-DHEAP_START=__heap_start). */
extern char HEAP_START[], HEAP_END[];

int firmware_failures;

void firmware_check(int ok, const char *what)
{
    if (!ok) {
        firmware_failures++;
        printf("FAILED: %s\n", what);
    }
}

/* ------------------------------------------------------------------------- */
/* The hooks: refusals are recorded; the lock counted (newlib: its own
 * __malloc_lock(), which the shim's default lock hook takes; picolibc: the shim's
 * hooks, or with FIRMWARE_PICOLIBC_LOCKS the C library's lock that the default
 * hook takes). */

static unsigned refusals;
static chop_status last_refusal;
static int lock_depth, lock_deepest;
static unsigned lock_count;

void chopalloc_malloc_refused(void *ptr, chop_status status)
{
    (void)ptr;
    refusals++;
    last_refusal = status;
}

static void count_lock(void)
{
    lock_count++;
    if (++lock_depth > lock_deepest)
        lock_deepest = lock_depth;
}

static void count_unlock(void)
{
    lock_depth--;
}

#if FIRMWARE_NEWLIB
void __malloc_lock(struct _reent *r)
{
    (void)r;
    count_lock();
}

void __malloc_unlock(struct _reent *r)
{
    (void)r;
    count_unlock();
}
#elif defined(FIRMWARE_PICOLIBC_LOCKS)
/* picolibc's retargetable locks, as an RTOS port defines them: the shim's default
 * lock hook takes the C library's recursive mutex, which is counted here. */
#include <sys/lock.h>
struct __lock {
    int unused;
};
struct __lock __lock___libc_recursive_mutex;

void __retarget_lock_init(_LOCK_T *lock)
{
    *lock = NULL;
}

void __retarget_lock_init_recursive(_LOCK_T *lock)
{
    *lock = NULL;
}

void __retarget_lock_close(_LOCK_T lock)
{
    (void)lock;
}

void __retarget_lock_close_recursive(_LOCK_T lock)
{
    (void)lock;
}

void __retarget_lock_acquire(_LOCK_T lock)
{
    (void)lock;
}

void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
    if (lock == &__lock___libc_recursive_mutex)
        count_lock();
}

int __retarget_lock_try_acquire(_LOCK_T lock)
{
    (void)lock;
    return 1;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
    __retarget_lock_acquire_recursive(lock);
    return 1;
}

void __retarget_lock_release(_LOCK_T lock)
{
    (void)lock;
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
    if (lock == &__lock___libc_recursive_mutex)
        count_unlock();
}
#else
void chopalloc_malloc_lock(void)
{
    count_lock();
}

void chopalloc_malloc_unlock(void)
{
    count_unlock();
}
#endif

size_t firmware_live_allocations(void)
{
    chop_stats stats;
    chop_get_stats(chopalloc_malloc_heap(), &stats);
    return stats.live_allocations;
}

static const char *yes(int ok)
{
    return ok ? "yes" : "NO";
}

/* ------------------------------------------------------------------------- */

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* newlib's printf allocates stdout's buffer and, for %f, big integers that it keeps
 * for later calls: those stay live. */
static void test_stdio(void)
{
    printf("printf: %d %s %.3f %e\n", 42, "chopalloc", 3.25, 1.5e10);
    char line[64];
    snprintf(line, sizeof line, "%08.2f|%-6s|%x", 2.5, "ab", 0xbeefu);
    printf("snprintf: %s\n", line);
}

static void test_strings(void)
{
    char *copy = strdup("bare-metal heap");
    firmware_check(copy != NULL, "strdup");
    printf("strdup: %s (%s)\n", copy ? copy : "(null)",
           yes(copy && (char *)chopalloc_malloc_heap() < copy && copy < HEAP_END));
    free(copy);

    const char *words[] = {"delta", "alpha", "echo", "charlie", "bravo"};
    size_t n = sizeof words / sizeof words[0];
    char **list = malloc(n * sizeof *list);
    for (size_t i = 0; i < n; i++)
        list[i] = strdup(words[i]);
    qsort(list, n, sizeof *list, compare_strings);
    printf("qsort strings:");
    for (size_t i = 0; i < n; i++) {
        printf(" %s", list[i]);
        free(list[i]);
    }
    printf("\n");
    free(list);

    enum { COUNT = 2000 };
    int *values = calloc(COUNT, sizeof *values);
    firmware_check(values != NULL, "calloc of 2000 ints");
    if (values == NULL)
        return;
    for (int i = 0; i < COUNT; i++)
        values[i] = (int)((i * 7919u) % COUNT) - COUNT / 2;
    qsort(values, COUNT, sizeof *values, compare_ints);
    int sorted = 1;
    for (int i = 1; i < COUNT; i++)
        sorted &= values[i - 1] < values[i];
    printf("qsort ints: %d %d %d ... %d (sorted: %s)\n", values[0], values[1], values[2],
           values[COUNT - 1], yes(sorted));
    int *grown = realloc(values, 2 * COUNT * sizeof *values);
    firmware_check(grown != NULL, "realloc to 4000 ints");
    printf("realloc keeps the sorted ints: %s\n",
           yes(grown && grown[0] == -COUNT / 2 && grown[COUNT - 1] == COUNT / 2 - 1));
    free(grown ? grown : values);
}

/* Sizes the compiler does not see, so that it neither warns nor folds the calls. */
static volatile size_t half_of_memory = SIZE_MAX / 2, quarter_of_memory = SIZE_MAX / 4;

static void test_semantics(void)
{
    void *a = malloc(0), *b = malloc(0);
    printf("malloc(0): unique pointers: %s\n", yes(a && b && a != b));
    free(a);
    free(b);
    errno = 0;
    void *huge = malloc(half_of_memory);
    printf("malloc(SIZE_MAX / 2): NULL with ENOMEM: %s\n", yes(huge == NULL && errno == ENOMEM));
    errno = 0;
    void *over = calloc(quarter_of_memory, 8);
    printf("calloc overflow: NULL with ENOMEM: %s\n", yes(over == NULL && errno == ENOMEM));

    unsigned char *z = calloc(300, 1);
    int zero = z != NULL;
    for (int i = 0; zero && i < 300; i++)
        zero = z[i] == 0;
    printf("calloc(300, 1) zeroed: %s\n", yes(zero));
    free(z);

    void *al = aligned_alloc(512, 100);
    void *ml = memalign(128, 8);
    void *pm = NULL;
    int pm_status = posix_memalign(&pm, 64, 1000);
    printf("aligned_alloc(512), memalign(128), posix_memalign(64): %s\n",
           yes(al && ((uintptr_t)al & 511u) == 0 && ml && ((uintptr_t)ml & 127u) == 0 &&
               pm_status == 0 && ((uintptr_t)pm & 63u) == 0));
    printf("malloc_usable_size(aligned_alloc(512, 100)): %lu\n",
           (unsigned long)malloc_usable_size(al));
    free(al);
    free(ml);
    free(pm);
    errno = 0;
    void *bad = aligned_alloc(48, 96);
    void *keep = &bad;
    pm = keep;
    int einval = posix_memalign(&pm, 3, 8);
    printf("bad alignments: EINVAL: %s\n",
           yes(bad == NULL && errno == EINVAL && einval == EINVAL && pm == keep));

    char *p = malloc(40);
    strcpy(p, "kept");
    errno = 0;
    char *same = realloc(p, half_of_memory);
    printf("failed realloc: NULL with ENOMEM, block kept: %s\n",
           yes(same == NULL && errno == ENOMEM && strcmp(p, "kept") == 0));
    size_t before = firmware_live_allocations();
    printf("realloc(p, 0) frees: %s\n", yes(realloc(p, 0) == NULL &&
                                            firmware_live_allocations() == before - 1));
    free(NULL);
}

static void test_refusals(void)
{
    int on_stack = 0;
    size_t before = firmware_live_allocations();
    char *p = malloc(24);
    free(p);
    free(p);
    printf("double free refused: %s (%s)\n", yes(refusals == 1), chop_strerror(last_refusal));
    p = malloc(64);
    free(p + 32);
    printf("interior free refused: %s (%s)\n", yes(refusals == 2), chop_strerror(last_refusal));
    free(&on_stack);
    printf("foreign free refused: %s (%s)\n", yes(refusals == 3), chop_strerror(last_refusal));
    errno = 0;
    char *q = realloc(&on_stack, 10);
    printf("foreign realloc refused with EINVAL: %s\n",
           yes(q == NULL && errno == EINVAL && refusals == 4));
    free(p);
    printf("heap consistent, nothing leaked: %s\n",
           yes(chop_check(chopalloc_malloc_heap()) == CHOP_OK &&
               firmware_live_allocations() == before));
}

#if FIRMWARE_NEWLIB
/* newlib's reentrant calls: errno goes to the struct _reent given, not the global. */
static void test_reentrant(void)
{
    struct _reent other;
    memset(&other, 0, sizeof other);
    errno = 0;
    void *none = _malloc_r(&other, half_of_memory);
    int own_errno = other._errno == ENOMEM && errno == 0;
    void *p = _malloc_r(&other, 100);
    void *c = _calloc_r(&other, 10, 10);
    void *m = _memalign_r(&other, 256, 10);
    p = _realloc_r(&other, p, 1000);
    int ok = none == NULL && p && c && m && ((uintptr_t)m & 255u) == 0 &&
             _malloc_usable_size_r(&other, p) >= 1000;
    _free_r(&other, p);
    _free_r(&other, c);
    _free_r(&other, m);
    printf("newlib _malloc_r family: %s, errno in its struct _reent: %s\n", yes(ok), yes(own_errno));
}
#endif

int main(void)
{
    printf("malloc firmware: start\n");
    chop_heap *heap = chopalloc_malloc_heap();
    printf("heap inside the linker script's heap region: %s\n",
           yes(heap != NULL && (char *)heap >= HEAP_START && (char *)heap < HEAP_END));
    test_stdio();
    size_t base = firmware_live_allocations();
    test_strings();
    test_semantics();
    test_refusals();
#if FIRMWARE_NEWLIB
    test_reentrant();
#endif
#ifdef FIRMWARE_CXX
    firmware_cxx();
#endif
    printf("all freed: %s\n", yes(firmware_live_allocations() == base));
    printf("locks balanced, never nested: %s\n", yes(lock_depth == 0 && lock_deepest == 1));
    firmware_check(refusals == 4, "exactly the four refusals");
    firmware_check(lock_count > 0, "the lock hook was called");
    printf("malloc firmware: %s\n", firmware_failures == 0 ? "done" : "FAILED");
    fflush(stdout);
    return firmware_failures == 0 ? 0 : 1;
}
