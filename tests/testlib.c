/*
 * Helpers shared by the test programs (see testlib.h).
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "testlib.h"
/* For CHOPI_ASAN, and the checkers' headers, exactly as the library sees them. */
#include "../src/annotate.h"

/* Unchecked by AddressSanitizer; under clang also uninstrumented for the fuzzer's
 * coverage, which would count every byte of a snapshot as an edge. */
#if CHOPI_ASAN && defined(__clang__)
#define RAW_ACCESS __attribute__((no_sanitize("address", "coverage"), noinline))
#elif CHOPI_ASAN
#define RAW_ACCESS __attribute__((no_sanitize_address, noinline))
#else
#define RAW_ACCESS
#endif

int built_with_memcheck_hooks(void)
{
    return CHOP_VALGRIND;
}

int memcheck_is_watching(void)
{
#if CHOP_VALGRIND
    return RUNNING_ON_VALGRIND != 0;
#else
    return 0;
#endif
}

int built_with_asan(void)
{
    return CHOPI_ASAN;
}

/*
 * Loops through volatile pointers, a word at a time where both sides are aligned (the
 * fuzz target snapshots its arena before every call): a compiler may not turn them into
 * memcpy or memcmp, which AddressSanitizer would check.  Under memcheck, error
 * reporting is off for the loop and the copy is declared defined.
 */
#define WORD sizeof(uintptr_t)

static int word_aligned(const void *a, const void *b)
{
    return (((uintptr_t)a | (uintptr_t)b) % WORD) == 0;
}

RAW_ACCESS void raw_copy(void *dst, const void *src, size_t n)
{
    volatile unsigned char *d = dst;
    const volatile unsigned char *s = src;
    size_t i = 0;
#if CHOP_VALGRIND
    VALGRIND_DISABLE_ERROR_REPORTING;
#endif
    if (word_aligned(dst, src))
        for (; n - i >= WORD; i += WORD)
            *(volatile uintptr_t *)(void *)(d + i) = *(const volatile uintptr_t *)(const void *)(s + i);
    for (; i < n; i++)
        d[i] = s[i];
#if CHOP_VALGRIND
    VALGRIND_ENABLE_ERROR_REPORTING;
    VALGRIND_MAKE_MEM_DEFINED(dst, n);
#endif
}

RAW_ACCESS void raw_fill(void *dst, unsigned char byte, size_t n)
{
    volatile unsigned char *d = dst;
#if CHOP_VALGRIND
    VALGRIND_DISABLE_ERROR_REPORTING;
#endif
    for (size_t i = 0; i < n; i++)
        d[i] = byte;
#if CHOP_VALGRIND
    VALGRIND_ENABLE_ERROR_REPORTING;
#endif
}

RAW_ACCESS int raw_equal(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a;
    const volatile unsigned char *y = b;
    int equal = 1;
    size_t i = 0;
#if CHOP_VALGRIND
    VALGRIND_DISABLE_ERROR_REPORTING;
#endif
    if (word_aligned(a, b))
        for (; n - i >= WORD && equal; i += WORD)
            equal = *(const volatile uintptr_t *)(const void *)(x + i) ==
                    *(const volatile uintptr_t *)(const void *)(y + i);
    for (; i < n && equal; i++)
        equal = x[i] == y[i];
#if CHOP_VALGRIND
    /* Bytes never written compare as whatever they hold: the answer is defined. */
    VALGRIND_MAKE_MEM_DEFINED(&equal, sizeof equal);
    VALGRIND_ENABLE_ERROR_REPORTING;
#endif
    return equal;
}

void reclaim(void *mem, size_t n)
{
    (void)mem, (void)n;
#if CHOP_VALGRIND
    VALGRIND_MAKE_MEM_DEFINED(mem, n);
#endif
#if CHOPI_ASAN
    ASAN_UNPOISON_MEMORY_REGION(mem, n);
#endif
}

uintptr_t region_heap_at(uintptr_t base)
{
    uintptr_t align = _Alignof(chop_heap);
    return (base + align - 1u) & ~(align - 1u);
}

const char *mode_name(int mode)
{
    return mode == MODE_BITMAP ? "bitmap" : "free-list";
}

size_t pow2(unsigned k)
{
    return (size_t)1 << k;
}

chop_stats stats_of(const chop_heap *heap)
{
    chop_stats st;
    chop_get_stats(heap, &st);
    return st;
}

unsigned expected_order(size_t size, size_t align)
{
    unsigned k = CHOP_MIN_ORDER;
    while (pow2(k) < size)
        k++;
    while (pow2(k) < align)
        k++;
    return k;
}

void fill(void *block, size_t len, unsigned seed)
{
    unsigned char *p = block;
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(seed * 37u + i * 11u + (i >> 8));
}

int verify(const void *block, size_t len, unsigned seed)
{
    const unsigned char *p = block;
    for (size_t i = 0; i < len; i++)
        if (p[i] != (unsigned char)(seed * 37u + i * 11u + (i >> 8)))
            return 0;
    return 1;
}

void *addr(uintptr_t a)
{
    return (void *)a;
}

int heap_untouched(const chop_heap *heap)
{
    const unsigned char *p = (const unsigned char *)heap;
    for (size_t i = 0; i < sizeof *heap; i++)
        if (p[i] != HEAP_FILL)
            return 0;
    return 1;
}

void carve(uintptr_t base, size_t size, struct carving *c)
{
    memset(c, 0, sizeof *c);
    if (size > UINTPTR_MAX - base)
        return;
    c->start = (base + MIN_BLOCK - 1u) / MIN_BLOCK * MIN_BLOCK;
    c->end = (base + size) / MIN_BLOCK * MIN_BLOCK;
    if (c->end <= c->start || c->start < base)
        return;
    c->ok = 1;
    c->fresh.managed_bytes = (size_t)(c->end - c->start);
    c->fresh.unusable_bytes = size - c->fresh.managed_bytes;
    c->fresh.free_bytes = c->fresh.managed_bytes;
    for (uintptr_t a = c->start; a < c->end;) {
        unsigned t = TOP_ORDER;
        while (a % pow2(t) != 0 || c->end - a < pow2(t))
            t--;
        c->fresh.free_blocks[t]++;
        if (pow2(t) > c->fresh.largest_free_block)
            c->fresh.largest_free_block = pow2(t);
        a += pow2(t);
    }
}
