/*
 * bench: chopalloc against the C library's malloc, in one run.  Not a test: `make bench`
 * builds and runs it through bench/run.sh, which also builds the MAX_ORDER variants,
 * counts instructions under callgrind and draws the plots.
 * SPDX-License-Identifier: MIT
 *
 * Allocators (--kinds, comma-separated names; default: all this build has): glibc
 * malloc; chopalloc in bitmap mode with the sized calls (chop_try_allocate,
 * chop_try_deallocate); bitmap mode with the unsized ones (chop_malloc, chop_free);
 * free-list mode (sized); and, when configure was given their sources (--with-o1heap,
 * --with-tlsf, which define BENCH_HAVE_O1HEAP and BENCH_HAVE_TLSF), o1heap and TLSF in
 * the same arenas.  The peers take part in churn, latency, icount and lua only.
 *
 * Sections (--section, comma-separated; default: all but icount and orders):
 *   churn      1 MiB arena, 1024 slots; each step frees a random slot and allocates a
 *              log-uniform 16..1023 B into it; ns per step.
 *   fill       fixed sizes until the arena is full, then freed in random order.
 *   frag       random allocate/free (60/40) of 16..4096 B until the first failure.
 *   latency    per-call TSC ticks of the churn workload: p50, p99, p99.9, max.
 *   scaling    worst case and churn per call for arenas of 4 KiB .. 1 GiB.
 *   orders     the worst case of this build's CHOPALLOC_MAX_ORDER (bench/run.sh runs it
 *              in builds with several --with-max-order values).
 *   icount     one call per callgrind dump, for instruction counts (bench/run.sh runs it
 *              under callgrind, one allocator per process (--kinds), with --toggle-collect
 *              on that allocator's entry points); icount-worst: the adversarial pair only.
 *   lua        (with BENCH_HAVE_LUA) an allocation-heavy Lua script in a lua_State made by
 *              lua_newstate() over each allocator, CPU time against the stock allocator.
 *
 * Every workload is drawn from a fixed seed, before the timed loop, so that every
 * allocator sees the same calls and the random numbers cost nothing inside it.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "chopalloc.h"

/* The peers' own headers (configure puts their directories on the include path). */
#ifndef BENCH_HAVE_O1HEAP
#define BENCH_HAVE_O1HEAP 0
#endif
#ifndef BENCH_HAVE_TLSF
#define BENCH_HAVE_TLSF 0
#endif
#ifndef BENCH_HAVE_LUA
#define BENCH_HAVE_LUA 0
#endif
#if BENCH_HAVE_O1HEAP
#include <o1heap.h>
#endif
#if BENCH_HAVE_TLSF
#include <tlsf.h>
#endif
#if BENCH_HAVE_LUA
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define HAVE_CALLGRIND 0
#endif

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
#define GIB ((size_t)1 << 30)

/* --- options and output -------------------------------------------------------------- */

static int quick;              /* BENCH_QUICK: smaller counts, for a smoke run */
static int counting;           /* under callgrind: no prefaulting, which only costs time */
static const char *variant = "default";
static FILE *csv;              /* --csv FILE: one row per figure */
static const char *outdir;     /* --outdir DIR: data files for gnuplot */
static const char *kinds;      /* --kinds LIST: only these allocators (NULL: all) */

static void csv_row(const char *section, const char *alloc, const char *metric,
                    const char *param, double value)
{
    if (csv)
        fprintf(csv, "%s,%s,%s,%s,%s,%.6g\n", section, variant, alloc, metric, param, value);
}

static FILE *data_file(const char *name)
{
    char path[4096];
    if (!outdir)
        return NULL;
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        perror(path);
    return f;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* --- random numbers: splitmix64 ------------------------------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static uint32_t rng_below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(rng_unit(s) * n);
}

/* Log-uniform integer in [lo, hi]. */
static uint32_t rng_logu(uint64_t *s, uint32_t lo, uint32_t hi)
{
    double x = (double)lo * exp(rng_unit(s) * log((double)(hi + 1u) / lo));
    uint32_t v = (uint32_t)x;
    return v > hi ? hi : v < lo ? lo : v;
}

/* --- clocks -------------------------------------------------------------------------- */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * The loops are timed in this thread's CPU time: on a shared machine another
 * process's time slice then does not count against the allocator that was running.
 */
static double cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Per-call timestamps: the TSC, fenced so that the call lies between the two reads. */
static inline uint64_t ticks_begin(void)
{
#if HAVE_TSC
    _mm_lfence();
    uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
#else
    return (uint64_t)now_ns();
#endif
}

static inline uint64_t ticks_end(void)
{
#if HAVE_TSC
    unsigned aux;
    uint64_t t = __rdtscp(&aux);
    _mm_lfence();
    return t;
#else
    return (uint64_t)now_ns();
#endif
}

static double ticks_per_ns = 1.0;
static uint64_t timer_overhead;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void calibrate(void)
{
    double t0 = now_ns();
    uint64_t c0 = ticks_begin();
    while (now_ns() - t0 < 50e6)
        ;
    uint64_t c1 = ticks_end();
    double t1 = now_ns();
    ticks_per_ns = (double)(c1 - c0) / (t1 - t0);

    uint32_t v[1001];
    for (size_t i = 0; i < 1001; i++) {
        uint64_t t = ticks_begin();
        v[i] = (uint32_t)(ticks_end() - t);
    }
    qsort(v, 1001, sizeof v[0], cmp_u32);
    timer_overhead = v[500];
}

/* --- the allocators under test ------------------------------------------------------- */

/*
 * K_BITMAP and K_FREELIST are the sized calls; K_UNSIZED is bitmap mode through
 * chop_malloc() and chop_free().  fill, frag, scaling and orders measure chopalloc's two
 * modes only (K_BITMAP .. K_FREELIST); churn, latency, icount and lua measure them all.
 */
enum kind { K_MALLOC, K_BITMAP, K_FREELIST, K_UNSIZED, K_O1HEAP, K_TLSF, K_COUNT };
static const char *const kind_name[K_COUNT] = {
    "malloc", "chop-bitmap", "chop-freelist", "chop-unsized", "o1heap", "tlsf"
};
static const char *const kind_title[K_COUNT] = {
    "glibc malloc", "chopalloc, bitmap mode", "chopalloc, free-list mode",
    "chopalloc, bitmap mode, chop_malloc/chop_free", "o1heap", "TLSF"
};

static int wanted(const char *list, const char *name);

/* Whether this build has allocator k and --kinds asks for it. */
static int kind_on(int k)
{
    if ((k == K_O1HEAP && !BENCH_HAVE_O1HEAP) || (k == K_TLSF && !BENCH_HAVE_TLSF))
        return 0;
    return !kinds || wanted(kinds, kind_name[k]);
}

struct ctx {
    chop_heap heap;
    void *peer;           /* o1heap's or TLSF's instance, in the arena */
    unsigned char *map;   /* the mapping the arena lies in */
    size_t map_size;
    unsigned char *arena; /* aligned to its own size */
    size_t size;
    uint64_t *bitmap;
    size_t words;
};

/* An arena of `size` bytes (a power of two) aligned to its size, prefaulted. */
static void arena_map(struct ctx *c, size_t size)
{
    c->map_size = 2 * size;
    void *m = mmap(NULL, c->map_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    c->map = m;
    uintptr_t a = ((uintptr_t)m + size - 1u) & ~(uintptr_t)(size - 1u);
    c->arena = c->map + (a - (uintptr_t)m);
    c->size = size;
    if (!counting)
        memset(c->arena, 0, size);
    c->words = chop_bitmap_words_needed(size);
    c->bitmap = xmalloc(c->words * sizeof *c->bitmap);
    memset(c->bitmap, 0, c->words * sizeof *c->bitmap);
}

static void arena_unmap(struct ctx *c)
{
    munmap(c->map, c->map_size);
    free(c->bitmap);
}

static void arena_reset(struct ctx *c, enum kind k)
{
    if (k == K_MALLOC)
        return;
#if BENCH_HAVE_O1HEAP
    if (k == K_O1HEAP) {
        c->peer = o1heapInit(c->arena, c->size);
        if (!c->peer) {
            fprintf(stderr, "bench: o1heapInit failed\n");
            exit(1);
        }
        return;
    }
#endif
#if BENCH_HAVE_TLSF
    if (k == K_TLSF) {
        c->peer = tlsf_create_with_pool(c->arena, c->size);
        if (!c->peer) {
            fprintf(stderr, "bench: tlsf_create_with_pool failed\n");
            exit(1);
        }
        return;
    }
#endif
    int bitmap = k != K_FREELIST;
    chop_status st = chop_init(&c->heap, c->arena, c->size, bitmap ? c->bitmap : NULL,
                               bitmap ? c->words : 0);
    if (st != CHOP_OK) {
        fprintf(stderr, "bench: chop_init: %s\n", chop_strerror(st));
        exit(1);
    }
}

/* Inlined with a constant `k`, so each loop below is compiled once per allocator. */
static inline __attribute__((always_inline)) void *a_alloc(struct ctx *c, enum kind k,
                                                             size_t n)
{
    if (k == K_MALLOC)
        return malloc(n);
    if (k == K_UNSIZED)
        return chop_malloc(&c->heap, n);
#if BENCH_HAVE_O1HEAP
    if (k == K_O1HEAP)
        return o1heapAllocate(c->peer, n);
#endif
#if BENCH_HAVE_TLSF
    if (k == K_TLSF)
        return tlsf_malloc(c->peer, n);
#endif
    void *p;
    return chop_try_allocate(&c->heap, n, 1, &p) == CHOP_OK ? p : NULL;
}

static inline __attribute__((always_inline)) void a_free(struct ctx *c, enum kind k,
                                                           void *p, size_t n)
{
    if (k == K_MALLOC) {
        free(p);
        return;
    }
    if (k == K_UNSIZED) { /* refusals are ignored; chop_empty() checks after each run */
        chop_free(&c->heap, p);
        return;
    }
#if BENCH_HAVE_O1HEAP
    if (k == K_O1HEAP) {
        o1heapFree(c->peer, p);
        return;
    }
#endif
#if BENCH_HAVE_TLSF
    if (k == K_TLSF) {
        tlsf_free(c->peer, p);
        return;
    }
#endif
    chop_status st = chop_try_deallocate(&c->heap, p, n, 1);
    if (st != CHOP_OK) {
        fprintf(stderr, "bench: chop_try_deallocate: %s\n", chop_strerror(st));
        exit(1);
    }
}

/*
 * After a run that freed everything: chop_free() ignores a refused pointer, so an
 * unsized run checks here that every block came back (a refusal would leave bytes
 * allocated).
 */
static void check_empty(const struct ctx *c, enum kind k)
{
    if (k != K_UNSIZED)
        return;
    chop_stats s;
    chop_get_stats(&c->heap, &s);
    if (s.allocated_bytes != 0) {
        fprintf(stderr, "bench: chop_free refused blocks: %zu bytes still allocated\n",
                (size_t)s.allocated_bytes);
        exit(1);
    }
}

static size_t free_blocks(const chop_heap *heap)
{
    chop_stats s;
    size_t n = 0;
    chop_get_stats(heap, &s);
    for (size_t k = 0; k < CHOPALLOC_MAX_ORDER; k++)
        n += s.free_blocks[k];
    return n;
}

/* --- churn ---------------------------------------------------------------------------- */

#define CHURN_SLOTS 1024u

struct plan {
    size_t slots, steps;
    uint32_t *init_size; /* [slots] */
    uint32_t *victim;    /* [steps] */
    uint32_t *size;      /* [steps] */
};

static void plan_make(struct plan *p, size_t slots, size_t steps, uint32_t lo, uint32_t hi,
                      uint64_t seed)
{
    p->slots = slots;
    p->steps = steps;
    p->init_size = xmalloc(slots * sizeof(uint32_t));
    p->victim = xmalloc(steps * sizeof(uint32_t));
    p->size = xmalloc(steps * sizeof(uint32_t));
    for (size_t i = 0; i < slots; i++)
        p->init_size[i] = rng_logu(&seed, lo, hi);
    for (size_t i = 0; i < steps; i++) {
        p->victim[i] = rng_below(&seed, (uint32_t)slots);
        p->size[i] = rng_logu(&seed, lo, hi);
    }
}

static void plan_free(struct plan *p)
{
    free(p->init_size);
    free(p->victim);
    free(p->size);
}

struct slots {
    void **ptr;
    uint32_t *size;
};

static inline __attribute__((always_inline)) size_t
slots_fill(struct ctx *c, enum kind k, const struct plan *p, struct slots *s)
{
    size_t failed = 0;
    for (size_t i = 0; i < p->slots; i++) {
        s->size[i] = p->init_size[i];
        s->ptr[i] = a_alloc(c, k, s->size[i]);
        failed += !s->ptr[i];
    }
    return failed;
}

static inline __attribute__((always_inline)) void
slots_drain(struct ctx *c, enum kind k, const struct plan *p, struct slots *s)
{
    for (size_t i = 0; i < p->slots; i++)
        if (s->ptr[i])
            a_free(c, k, s->ptr[i], s->size[i]);
}

/* ns per churn step; *failed counts refused allocations. */
static inline __attribute__((always_inline)) double
churn_run(struct ctx *c, enum kind k, const struct plan *p, struct slots *s, size_t steps,
          size_t *failed)
{
    arena_reset(c, k);
    size_t fails = slots_fill(c, k, p, s);
    double t0 = cpu_ns();
    for (size_t i = 0; i < steps; i++) {
        uint32_t v = p->victim[i];
        if (s->ptr[v])
            a_free(c, k, s->ptr[v], s->size[v]);
        s->size[v] = p->size[i];
        s->ptr[v] = a_alloc(c, k, p->size[i]);
        fails += !s->ptr[v];
    }
    double t1 = cpu_ns();
    slots_drain(c, k, p, s);
    *failed = fails;
    return (t1 - t0) / (double)steps;
}

/* A switch on k whose every case calls `call` with a constant K: one loop per allocator. */
#define FOR_KIND(k, call)                                                                  \
    switch (k) {                                                                           \
    case K_MALLOC: { const enum kind K = K_MALLOC; call; } break;                          \
    case K_BITMAP: { const enum kind K = K_BITMAP; call; } break;                          \
    case K_FREELIST: { const enum kind K = K_FREELIST; call; } break;                      \
    case K_UNSIZED: { const enum kind K = K_UNSIZED; call; } break;                        \
    case K_O1HEAP: { const enum kind K = K_O1HEAP; call; } break;                          \
    case K_TLSF: { const enum kind K = K_TLSF; call; } break;                              \
    default: abort();                                                                      \
    }

static double churn_of(struct ctx *c, enum kind k, const struct plan *p, struct slots *s,
                       size_t n, size_t *f)
{
    double ns = 0;
    FOR_KIND(k, ns = churn_run(c, K, p, s, n, f));
    check_empty(c, k);
    return ns;
}

static void section_churn(void)
{
    size_t steps = quick ? 100000 : 400000;
    size_t reps = quick ? 3 : 11; /* many short runs: the median shrugs off preemption */
    struct plan p;
    struct ctx c;
    struct slots s = { xmalloc(CHURN_SLOTS * sizeof(void *)),
                       xmalloc(CHURN_SLOTS * sizeof(uint32_t)) };
    double v[K_COUNT][16], ratio[K_COUNT][16], ratio_o1[K_COUNT][16];
    size_t fails[K_COUNT] = { 0 };
    int o1 = kind_on(K_O1HEAP);

    plan_make(&p, CHURN_SLOTS, steps, 16, 1023, 1);
    arena_map(&c, MIB);
    for (int k = 0; k < K_COUNT; k++) /* warm-up: page faults, malloc's arenas */
        if (kind_on(k))
            churn_of(&c, (enum kind)k, &p, &s, steps / 10, &fails[k]);
    for (size_t r = 0; r < reps; r++) {
        for (int k = 0; k < K_COUNT; k++) {
            if (!kind_on(k))
                continue;
            /* Free-list mode frees scan the free lists: fewer steps keep it short. */
            size_t n = k == K_FREELIST ? steps / 10 : steps;
            v[k][r] = churn_of(&c, (enum kind)k, &p, &s, n, &fails[k]);
            ratio[k][r] = v[k][r] / v[K_MALLOC][r];
        }
        for (int k = 0; o1 && k < K_COUNT; k++)
            if (kind_on(k))
                ratio_o1[k][r] = v[k][r] / v[K_O1HEAP][r];
    }

    printf("\n### Churn: 1 MiB arena, %u slots, free a random slot and allocate 16..1023 B "
           "(log-uniform)\n\n", CHURN_SLOTS);
    printf("Thread CPU time, median of %zu runs of %zu steps (free-list mode: %zu steps), "
           "the allocators taking turns; the ratio is the median of each turn's ratio to "
           "malloc's run just before%s.\n\n", reps, steps, steps / 10,
           o1 ? " (to o1heap's run in the same turn)" : "");
    printf("| Allocator | ns per step | vs malloc |%s refused |\n| --- | ---: | ---: |%s ---: |\n",
           o1 ? " vs o1heap |" : "", o1 ? " ---: |" : "");
    for (int k = 0; k < K_COUNT; k++) {
        if (!kind_on(k))
            continue;
        double ns = median(v[k], reps);
        double rel = median(ratio[k], reps);
        printf("| %s | %.1f | %.2fx |", kind_title[k], ns, rel);
        if (o1)
            printf(" %.2fx |", median(ratio_o1[k], reps));
        printf(" %zu |\n", fails[k]);
        csv_row("churn", kind_name[k], "ns_per_step", "", ns);
        csv_row("churn", kind_name[k], "vs_malloc", "", rel);
        if (o1)
            csv_row("churn", kind_name[k], "vs_o1heap", "", median(ratio_o1[k], reps));
        csv_row("churn", kind_name[k], "refused", "", (double)fails[k]);
    }
    arena_unmap(&c);
    plan_free(&p);
    free(s.ptr);
    free(s.size);
}

/* --- latency ------------------------------------------------------------------------- */

static inline __attribute__((always_inline)) void
latency_run(struct ctx *c, enum kind k, const struct plan *p, struct slots *s, size_t steps,
            uint32_t *ta, uint32_t *tf, size_t *na, size_t *nf)
{
    arena_reset(c, k);
    slots_fill(c, k, p, s);
    size_t a = 0, f = 0;
    for (size_t i = 0; i < steps; i++) {
        uint32_t v = p->victim[i];
        if (s->ptr[v]) {
            uint64_t t = ticks_begin();
            a_free(c, k, s->ptr[v], s->size[v]);
            uint64_t d = ticks_end() - t;
            tf[f++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
        }
        s->size[v] = p->size[i];
        uint64_t t = ticks_begin();
        s->ptr[v] = a_alloc(c, k, p->size[i]);
        uint64_t d = ticks_end() - t;
        ta[a++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    }
    slots_drain(c, k, p, s);
    *na = a;
    *nf = f;
}

static void latency_of(struct ctx *c, enum kind k, const struct plan *p, struct slots *s,
                       size_t steps, uint32_t *ta, uint32_t *tf, size_t *na, size_t *nf)
{
    FOR_KIND(k, latency_run(c, K, p, s, steps, ta, tf, na, nf));
    check_empty(c, k);
}

static uint32_t pct(const uint32_t *sorted, size_t n, double q)
{
    size_t i = (size_t)(q * (double)n);
    return sorted[i >= n ? n - 1 : i];
}

static void section_latency(void)
{
    size_t steps = quick ? 100000 : 500000;
    struct plan p;
    struct ctx c;
    struct slots s = { xmalloc(CHURN_SLOTS * sizeof(void *)),
                       xmalloc(CHURN_SLOTS * sizeof(uint32_t)) };
    uint32_t *ta = xmalloc(steps * sizeof(uint32_t));
    uint32_t *tf = xmalloc(steps * sizeof(uint32_t));
    static const double qs[] = { 0.5, 0.99, 0.999 };

    plan_make(&p, CHURN_SLOTS, steps, 16, 1023, 2);
    arena_map(&c, MIB);
    printf("\n### Latency: per call, churn workload as above, %zu steps\n\n", steps);
    printf("TSC ticks per call (%.2f ticks per ns), including the timer's own %llu ticks "
           "(median of an empty measurement).  Free-list mode: %zu steps.\n\n",
           ticks_per_ns, (unsigned long long)timer_overhead, steps / 10);
    printf("| Allocator | call | p50 | p99 | p99.9 | max |\n"
           "| --- | --- | ---: | ---: | ---: | ---: |\n");
    for (int k = 0; k < K_COUNT; k++) {
        if (!kind_on(k))
            continue;
        size_t n = k == K_FREELIST ? steps / 10 : steps, na, nf;
        latency_of(&c, (enum kind)k, &p, &s, n / 10, ta, tf, &na, &nf); /* warm-up */
        latency_of(&c, (enum kind)k, &p, &s, n, ta, tf, &na, &nf);
        for (int op = 0; op < 2; op++) {
            uint32_t *t = op ? tf : ta;
            size_t m = op ? nf : na;
            const char *opname = op ? "free" : "allocate";
            qsort(t, m, sizeof *t, cmp_u32);
            printf("| %s | %s | %u | %u | %u | %u |\n", kind_title[k], opname,
                   pct(t, m, qs[0]), pct(t, m, qs[1]), pct(t, m, qs[2]), t[m - 1]);
            const char *names[] = { "p50", "p99", "p99.9" };
            for (int q = 0; q < 3; q++)
                csv_row("latency", kind_name[k], names[q], opname, pct(t, m, qs[q]));
            csv_row("latency", kind_name[k], "max", opname, t[m - 1]);
            /* The distribution for the plot: ticks against the fraction of calls slower. */
            char name[128];
            snprintf(name, sizeof name, "latency-%s-%s.dat", kind_name[k], opname);
            FILE *f = data_file(name);
            if (f) {
                fprintf(f, "# fraction_slower ticks\n");
                for (double e = 0.0; e <= 6.0; e += 0.02) {
                    double q = 1.0 - pow(10.0, -e);
                    if (q * (double)m >= (double)m - 1)
                        break;
                    fprintf(f, "%.8g %u\n", 1.0 - q, pct(t, m, q));
                }
                fprintf(f, "%.8g %u\n", 1.0 / (double)m, t[m - 1]);
                fclose(f);
            }
        }
    }
    arena_unmap(&c);
    plan_free(&p);
    free(ta);
    free(tf);
    free(s.ptr);
    free(s.size);
}

/* --- fill / drain -------------------------------------------------------------------- */

static inline __attribute__((always_inline)) void
fill_run(struct ctx *c, enum kind k, size_t size, size_t limit, void **ptrs,
         const uint32_t *order, int drain, size_t *count, double *ns_alloc, double *ns_free)
{
    arena_reset(c, k);
    size_t n = 0;
    double t0 = cpu_ns();
    while (n < limit) {
        void *q = a_alloc(c, k, size);
        if (!q)
            break;
        ptrs[n++] = q;
    }
    double t1 = cpu_ns();
    if (drain)
        for (size_t i = 0; i < n; i++)
            if (order[i] < n)
                a_free(c, k, ptrs[order[i]], size);
    double t2 = cpu_ns();
    *count = n;
    *ns_alloc = (t1 - t0) / (double)n;
    *ns_free = (t2 - t1) / (double)n;
}

static void fill_of(struct ctx *c, enum kind k, size_t size, size_t limit, void **ptrs,
                    const uint32_t *order, int drain, size_t *count, double *na, double *nf)
{
    FOR_KIND(k, fill_run(c, K, size, limit, ptrs, order, K == K_MALLOC || drain, count, na,
                         nf));
}

static void section_fill(void)
{
    static const size_t sizes[] = { 16, 64, 256, 4096 };
    size_t reps = quick ? 3 : 7;
    size_t maxn = MIB / 16;
    struct ctx c;
    void **ptrs = xmalloc(maxn * sizeof(void *));
    uint32_t *order = xmalloc(maxn * sizeof(uint32_t));
    uint64_t seed = 3;

    arena_map(&c, MIB);
    printf("\n### Fill and drain: 1 MiB arena, one size until full, then free in random "
           "order\n\n");
    printf("Thread CPU time, median of %zu runs.  malloc is given as many blocks as fit in 1 MiB with no "
           "overhead; its arena use is the request over what each block takes "
           "(malloc_usable_size() plus the one-word header).\n\n", reps);
    printf("| Size | Allocator | blocks | arena used by data | ns per allocate | "
           "ns per free |\n| ---: | --- | ---: | ---: | ---: | ---: |\n");
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t size = sizes[si], limit = MIB / size;
        /* A random permutation of 0..limit-1; a heap that got fewer blocks skips the rest. */
        for (uint32_t i = 0; i < limit; i++)
            order[i] = i;
        for (size_t i = limit - 1; i > 0; i--) {
            uint32_t j = rng_below(&seed, (uint32_t)(i + 1));
            uint32_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int k = 0; k <= K_FREELIST; k++) {
            double va[16], vf[16];
            size_t count = 0;
            double used;
            /*
             * Free-list mode frees scan the free lists, so a random drain of tens of
             * thousands of blocks is quadratic: it is timed from 4096 blocks down only.
             * (chop_init() starts each run afresh, so nothing needs draining.)
             */
            int drain = k != K_FREELIST || limit <= 4096;
            fill_of(&c, (enum kind)k, size, limit, ptrs, order, drain, &count, &va[0], &vf[0]);
            if (k == K_MALLOC) {
                /* glibc: each block takes its usable size plus a one-word header. */
                void *q = malloc(size);
                used = (double)size / (double)(malloc_usable_size(q) + sizeof(size_t));
                free(q);
            } else {
                used = (double)(count * size) / (double)MIB;
            }
            for (size_t r = 0; r < reps; r++)
                fill_of(&c, (enum kind)k, size, limit, ptrs, order, drain, &count, &va[r],
                        &vf[r]);
            double a = median(va, reps), f = median(vf, reps);
            char fs[32];
            if (drain)
                snprintf(fs, sizeof fs, "%.1f", f);
            else
                snprintf(fs, sizeof fs, "not timed");
            printf("| %zu | %s | %zu | %.1f %% | %.1f | %s |\n", size, kind_title[k], count,
                   100.0 * used, a, fs);
            char param[32];
            snprintf(param, sizeof param, "%zu", size);
            csv_row("fill", kind_name[k], "blocks", param, (double)count);
            csv_row("fill", kind_name[k], "arena_used", param, used);
            csv_row("fill", kind_name[k], "ns_per_alloc", param, a);
            if (drain)
                csv_row("fill", kind_name[k], "ns_per_free", param, f);
        }
    }
    arena_unmap(&c);
    free(ptrs);
    free(order);
}

/* --- fragmentation ------------------------------------------------------------------- */

static void section_frag(void)
{
    size_t seeds = quick ? 10 : 50;
    struct ctx c;
    size_t cap = MIB / 16;
    void **ptr = xmalloc(cap * sizeof(void *));
    uint32_t *sz = xmalloc(cap * sizeof(uint32_t));

    arena_map(&c, MIB);
    printf("\n### Fragmentation: 1 MiB arena, allocate (60 %%) or free (40 %%) 16..4096 B "
           "(log-uniform) until the first refusal\n\n");
    printf("Mean over %zu seeds (min .. max); requested bytes and whole blocks live at the "
           "first refusal, over the arena.\n\n", seeds);
    printf("| Allocator | live requested / arena | live blocks / arena | operations |\n"
           "| --- | ---: | ---: | ---: |\n");
    /* malloc first, as in every other table. */
    printf("| %s | no arena limit: not applicable | | |\n", kind_title[K_MALLOC]);
    for (int k = K_BITMAP; k <= K_FREELIST; k++) {
        double sum_req = 0, sum_blk = 0, sum_ops = 0, min_req = 1, max_req = 0;
        for (size_t seed = 1; seed <= seeds; seed++) {
            uint64_t rs = seed * 1000003u;
            size_t live = 0, ops = 0, req = 0;
            arena_reset(&c, (enum kind)k);
            for (;;) {
                ops++;
                if (live == 0 || rng_below(&rs, 10) < 6) {
                    uint32_t n = rng_logu(&rs, 16, 4096);
                    void *q;
                    if (chop_try_allocate(&c.heap, n, 1, &q) != CHOP_OK)
                        break;
                    ptr[live] = q;
                    sz[live++] = n;
                    req += n;
                } else {
                    uint32_t i = rng_below(&rs, (uint32_t)live);
                    a_free(&c, (enum kind)k, ptr[i], sz[i]);
                    req -= sz[i];
                    ptr[i] = ptr[--live];
                    sz[i] = sz[live];
                }
            }
            chop_stats st;
            chop_get_stats(&c.heap, &st);
            double r = (double)req / (double)MIB;
            sum_req += r;
            sum_blk += (double)st.allocated_bytes / (double)MIB;
            sum_ops += (double)ops;
            min_req = r < min_req ? r : min_req;
            max_req = r > max_req ? r : max_req;
        }
        double n = (double)seeds;
        printf("| %s | %.1f %% (%.1f .. %.1f) | %.1f %% | %.0f |\n", kind_title[k],
               100 * sum_req / n, 100 * min_req, 100 * max_req, 100 * sum_blk / n,
               sum_ops / n);
        csv_row("frag", kind_name[k], "live_requested_over_arena", "", sum_req / n);
        csv_row("frag", kind_name[k], "live_blocks_over_arena", "", sum_blk / n);
    }
    arena_unmap(&c);
    free(ptr);
    free(sz);
}

/* --- worst case and scaling ----------------------------------------------------------- */

/*
 * The adversarial call pair: on a fresh heap whose only free block is the whole arena,
 * allocate one minimum block (a split at every order on the way down), then free it
 * (a merge at every order on the way up).  Median of 101 pairs, in ticks.
 */
static void worst_case(struct ctx *c, enum kind k, double *alloc, double *dealloc)
{
    double va[101], vf[101];
    arena_reset(c, k);
    for (size_t r = 0; r < 101; r++) {
        void *q;
        uint64_t t0 = ticks_begin();
        chop_status st = chop_try_allocate(&c->heap, 1, 1, &q);
        uint64_t t1 = ticks_end();
        if (st != CHOP_OK)
            exit(1);
        uint64_t t2 = ticks_begin();
        a_free(c, k, q, 1);
        uint64_t t3 = ticks_end();
        va[r] = (double)(t1 - t0);
        vf[r] = (double)(t3 - t2);
    }
    *alloc = median(va, 101);
    *dealloc = median(vf, 101);
}

static unsigned log2_of(size_t x)
{
    unsigned l = 0;
    while (x >>= 1)
        l++;
    return l;
}

/*
 * Steady state at one arena size: allocate 16..1023 B until 60 % of the arena is in
 * blocks, free a third of them at random, then time `steps` churn steps call by call.
 */
static void steady_state(struct ctx *c, enum kind k, double budget_ns, double *mean_a,
                         double *max_a, double *mean_f, double *max_f, size_t *nfree,
                         size_t *nsteps)
{
    uint64_t seed = 11;
    size_t cap = 1024, live = 0;
    void **ptr = xmalloc(cap * sizeof(void *));
    uint32_t *sz = xmalloc(cap * sizeof(uint32_t));
    chop_stats st;

    arena_reset(c, k);
    for (;;) {
        chop_get_stats(&c->heap, &st);
        if (st.allocated_bytes >= c->size / 10 * 6)
            break;
        uint32_t n = rng_logu(&seed, 16, 1023);
        void *q;
        if (chop_try_allocate(&c->heap, n, 1, &q) != CHOP_OK)
            break;
        if (live == cap) {
            cap *= 2;
            ptr = realloc(ptr, cap * sizeof(void *));
            sz = realloc(sz, cap * sizeof(uint32_t));
            if (!ptr || !sz)
                exit(1);
        }
        ptr[live] = q;
        sz[live++] = n;
    }
    for (size_t i = 0; i < live; i++)
        if (rng_below(&seed, 3) == 0) {
            a_free(c, k, ptr[i], sz[i]);
            ptr[i] = NULL;
        }
    size_t na = 0, nf = 0, steps = 0, max_steps = quick ? 5000 : 20000;
    uint32_t *ta = xmalloc(max_steps * sizeof(uint32_t));
    uint32_t *tf = xmalloc(max_steps * sizeof(uint32_t));
    double t_start = now_ns();
    while (steps < max_steps && (steps < 50 || now_ns() - t_start < budget_ns)) {
        uint32_t v = rng_below(&seed, (uint32_t)live);
        uint32_t n = rng_logu(&seed, 16, 1023);
        if (ptr[v]) {
            uint64_t t0 = ticks_begin();
            a_free(c, k, ptr[v], sz[v]);
            uint64_t d = ticks_end() - t0;
            tf[nf++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
        }
        uint64_t t0 = ticks_begin();
        void *q = a_alloc(c, k, n);
        uint64_t d = ticks_end() - t0;
        ta[na++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
        ptr[v] = q;
        sz[v] = n;
        steps++;
    }
    /* Medians, not means: one preemption of a shared machine would swamp a mean. */
    qsort(ta, na, sizeof *ta, cmp_u32);
    qsort(tf, nf, sizeof *tf, cmp_u32);
    *nfree = free_blocks(&c->heap);
    *mean_a = pct(ta, na, 0.5);
    *max_a = ta[na - 1];
    *mean_f = nf ? pct(tf, nf, 0.5) : 0;
    *max_f = nf ? tf[nf - 1] : 0;
    *nsteps = steps;
    free(ta);
    free(tf);
    free(ptr);
    free(sz);
}

static void section_scaling(void)
{
    size_t top = quick ? 16 * MIB : GIB;
    FILE *f = data_file("scaling.dat");

    printf("\n### Scaling with the arena (CHOPALLOC_MAX_ORDER = %d)\n\n", CHOPALLOC_MAX_ORDER);
    printf("Worst case: the adversarial pair on a fresh heap, allocate one minimum block "
           "from the single free block (one split per order) and free it (one merge per "
           "order), median of 101, TSC ticks.  Steady state: 60 %% of the arena "
           "allocated in 16..1023 B blocks, a third of them freed, then churn steps timed "
           "call by call (median and max ticks).\n\n");
    printf("| Arena | Allocator | orders split | worst alloc | worst free | free blocks | "
           "p50 alloc | max alloc | p50 free | max free |\n"
           "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    if (f)
        fprintf(f, "# log2_arena kind worst_alloc worst_free free_blocks p50_alloc max_alloc "
                   "p50_free max_free\n");
    static const size_t sizes[] = { 4 * KIB, 64 * KIB, MIB, 16 * MIB, 256 * MIB, GIB };
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0] && sizes[si] <= top; si++) {
        size_t size = sizes[si];
        struct ctx c;
        arena_map(&c, size);
        for (int k = K_BITMAP; k <= K_FREELIST; k++) {
            double wa, wf, ma, xa, mf, xf;
            size_t nfree, steps;
            worst_case(&c, (enum kind)k, &wa, &wf);
            steady_state(&c, (enum kind)k, quick ? 5e7 : 3e8, &ma, &xa, &mf, &xf, &nfree,
                         &steps);
            unsigned top_order = log2_of(size) < CHOPALLOC_MAX_ORDER - 1u
                                     ? log2_of(size) : CHOPALLOC_MAX_ORDER - 1u;
            unsigned splits = top_order - CHOP_MIN_ORDER;
            char label[32];
            if (size >= GIB)
                snprintf(label, sizeof label, "%zu GiB", size / GIB);
            else if (size >= MIB)
                snprintf(label, sizeof label, "%zu MiB", size / MIB);
            else
                snprintf(label, sizeof label, "%zu KiB", size / KIB);
            printf("| %s | %s | %u | %.0f | %.0f | %zu | %.0f | %.0f | %.0f | %.0f |\n", label,
                   kind_title[k], splits, wa, wf, nfree, ma, xa, mf, xf);
            char param[32];
            snprintf(param, sizeof param, "%zu", size);
            csv_row("scaling", kind_name[k], "worst_alloc_ticks", param, wa);
            csv_row("scaling", kind_name[k], "worst_free_ticks", param, wf);
            csv_row("scaling", kind_name[k], "free_blocks", param, (double)nfree);
            csv_row("scaling", kind_name[k], "p50_alloc_ticks", param, ma);
            csv_row("scaling", kind_name[k], "max_alloc_ticks", param, xa);
            csv_row("scaling", kind_name[k], "p50_free_ticks", param, mf);
            csv_row("scaling", kind_name[k], "max_free_ticks", param, xf);
            if (f)
                fprintf(f, "%u %s %.0f %.0f %zu %.0f %.0f %.0f %.0f\n", log2_of(size),
                        kind_name[k], wa, wf, nfree, ma, xa, mf, xf);
        }
        arena_unmap(&c);
    }
    if (f)
        fclose(f);
}

static size_t orders_arena(void);

/* This build's MAX_ORDER: the worst case with an arena of the largest block (at most 1 GiB). */
static void section_orders(void)
{
    size_t size = orders_arena();
    struct ctx c;
    arena_map(&c, size);
    for (int k = K_BITMAP; k <= K_FREELIST; k++) {
        double wa, wf;
        worst_case(&c, (enum kind)k, &wa, &wf);
        char param[32];
        snprintf(param, sizeof param, "%d", CHOPALLOC_MAX_ORDER);
        csv_row("orders", kind_name[k], "worst_alloc_ticks", param, wa);
        csv_row("orders", kind_name[k], "worst_free_ticks", param, wf);
        csv_row("orders", kind_name[k], "splits", param,
                (double)(log2_of(size) - CHOP_MIN_ORDER));
        printf("orders %d %s %u %.0f %.0f\n", CHOPALLOC_MAX_ORDER, kind_name[k],
               log2_of(size) - CHOP_MIN_ORDER, wa, wf);
    }
    arena_unmap(&c);
}

/* --- instruction counts (under callgrind) -------------------------------------------- */

#if HAVE_CALLGRIND
#define DUMP(label) CALLGRIND_DUMP_STATS_AT(label)
#else
#define DUMP(label) ((void)(label))
#endif

/*
 * One callgrind dump after every call: with --toggle-collect on the allocators' entry
 * points, each dump holds exactly the instructions of one call (all it calls included).
 * The dump's label names the allocator and the call; "setup" dumps are not counted.
 */
static size_t orders_arena(void)
{
    return CHOP_LARGEST_BLOCK_SIZE < GIB ? CHOP_LARGEST_BLOCK_SIZE : GIB;
}

static void icount_kind(enum kind k, size_t steps, size_t arena)
{
    struct plan p;
    struct ctx c;
    struct slots s = { xmalloc(CHURN_SLOTS * sizeof(void *)),
                       xmalloc(CHURN_SLOTS * sizeof(uint32_t)) };
    char la[64], lf[64];
    snprintf(la, sizeof la, "%s allocate", kind_name[k]);
    snprintf(lf, sizeof lf, "%s free", kind_name[k]);

    plan_make(&p, CHURN_SLOTS, steps, 16, 1023, 4);
    arena_map(&c, arena);
    if (k == K_BITMAP || k == K_FREELIST || k == K_UNSIZED) {
        /* The adversarial pair first, on the fresh heap. */
        arena_reset(&c, k);
        DUMP("setup");
        void *q = a_alloc(&c, k, 1);
        DUMP(la);
        a_free(&c, k, q, 1);
        DUMP(lf);
    }
    arena_reset(&c, k);
    for (size_t i = 0; i < p.slots; i++) {
        s.size[i] = p.init_size[i];
        s.ptr[i] = a_alloc(&c, k, s.size[i]);
    }
    DUMP("setup");
    for (size_t i = 0; i < steps; i++) {
        uint32_t v = p.victim[i];
        if (s.ptr[v]) {
            a_free(&c, k, s.ptr[v], s.size[v]);
            DUMP(lf);
        }
        s.size[v] = p.size[i];
        s.ptr[v] = a_alloc(&c, k, p.size[i]);
        DUMP(la);
    }
    for (size_t i = 0; i < p.slots; i++)
        if (s.ptr[i])
            a_free(&c, k, s.ptr[i], s.size[i]);
    DUMP("setup");
    arena_unmap(&c);
    plan_free(&p);
    free(s.ptr);
    free(s.size);
}

static void section_icount(int worst_only)
{
    size_t steps = worst_only ? 0 : quick ? 200 : 1000;
    for (int k = 0; k < K_COUNT; k++)
        if (kind_on(k) && (!worst_only || k == K_BITMAP || k == K_FREELIST))
            icount_kind((enum kind)k, steps, worst_only ? orders_arena() : MIB);
}

/* --- Lua behind lua_newstate() -------------------------------------------------------- */

#if BENCH_HAVE_LUA
/*
 * The workload of tests/preload/work.lua (strings, a table of them, sorting, the GC),
 * with short-lived records and string building added, scaled by its argument N.  It
 * returns a checksum, the same whatever the allocator.
 */
static const char lua_script[] =
    "local N = ...\n"
    "local t = {}\n"
    "for i = 1, N do t[i] = tostring(i) .. string.rep('x', i % 13) end\n"
    "local words = {}\n"
    "for i = 1, #t, 3 do words[#words + 1] = t[i] end\n"
    "table.sort(words)\n"
    "local total = 0\n"
    "for _, w in ipairs(words) do total = total + #w end\n"
    "local recs = {}\n"
    "for i = 1, N do recs[i % 1000 + 1] = { id = i, name = 'r' .. i, tags = { i, 2 * i } } end\n"
    "local parts = {}\n"
    "for i = 1, N // 10 do parts[#parts + 1] = string.format('%d:%s', i, words[i % #words + 1]) end\n"
    "local s = table.concat(parts, ',')\n"
    "t, words, parts = nil, nil, nil\n"
    "collectgarbage()\n"
    "return total + #s + #recs\n";

/* lauxlib's l_alloc: realloc() and free(). */
static void *lua_alloc_stock(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

/*
 * chopalloc with the sizes Lua gives: osize is the block's size when ptr is not NULL
 * (when it is NULL, osize is the kind of object, not a size).
 */
static void *lua_alloc_chop(void *ud, void *ptr, size_t osize, size_t nsize)
{
    chop_heap *heap = ud;
    void *p = ptr;
    if (nsize == 0) {
        if (ptr) {
            chop_status st = chop_try_deallocate(heap, ptr, osize, 1);
            if (st != CHOP_OK) {
                fprintf(stderr, "bench: lua: chop_try_deallocate: %s\n", chop_strerror(st));
                exit(1);
            }
        }
        return NULL;
    }
    if (!ptr)
        return chop_try_allocate(heap, nsize, 1, &p) == CHOP_OK ? p : NULL;
    return chop_try_reallocate(heap, &p, osize, nsize, 1) == CHOP_OK ? p : NULL;
}

#if BENCH_HAVE_O1HEAP
/* o1heap has no realloc: a smaller size keeps the block, a larger one moves it. */
static void *lua_alloc_o1heap(void *ud, void *ptr, size_t osize, size_t nsize)
{
    if (nsize == 0) {
        o1heapFree(ud, ptr);
        return NULL;
    }
    if (ptr && nsize <= osize)
        return ptr;
    void *q = o1heapAllocate(ud, nsize);
    if (q && ptr) {
        memcpy(q, ptr, osize);
        o1heapFree(ud, ptr);
    }
    return q;
}
#endif

#if BENCH_HAVE_TLSF
static void *lua_alloc_tlsf(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)osize;
    if (nsize == 0) {
        tlsf_free(ud, ptr);
        return NULL;
    }
    return tlsf_realloc(ud, ptr, nsize);
}
#endif

/*
 * One run of the script in a fresh lua_State over allocator k: its CPU time in ns, or a
 * negative number when the heap ran out.  *sum receives the script's checksum.
 */
static double lua_run(struct ctx *c, enum kind k, lua_Integer n, lua_Integer *sum)
{
    lua_Alloc f = lua_alloc_stock;
    void *ud = NULL;
    if (k != K_MALLOC) {
        arena_reset(c, k);
        f = lua_alloc_chop;
        ud = &c->heap;
    }
#if BENCH_HAVE_O1HEAP
    if (k == K_O1HEAP) {
        f = lua_alloc_o1heap;
        ud = c->peer;
    }
#endif
#if BENCH_HAVE_TLSF
    if (k == K_TLSF) {
        f = lua_alloc_tlsf;
        ud = c->peer;
    }
#endif
    double t0 = cpu_ns();
    lua_State *L = lua_newstate(f, ud);
    if (!L)
        return -1;
    luaL_openlibs(L);
    int st = luaL_loadbuffer(L, lua_script, sizeof lua_script - 1, "=bench");
    if (st == LUA_OK) {
        lua_pushinteger(L, n);
        st = lua_pcall(L, 1, 1, 0);
    }
    if (st != LUA_OK && st != LUA_ERRMEM) {
        fprintf(stderr, "bench: lua: %s\n", lua_tostring(L, -1));
        exit(1);
    }
    *sum = st == LUA_OK ? lua_tointeger(L, -1) : 0;
    lua_close(L);
    double t1 = cpu_ns();
    if (k == K_BITMAP || k == K_FREELIST) {
        chop_stats cs;
        chop_get_stats(&c->heap, &cs);
        if (cs.allocated_bytes != 0) {
            fprintf(stderr, "bench: lua: %zu bytes still allocated after lua_close\n",
                    (size_t)cs.allocated_bytes);
            exit(1);
        }
    }
    return st == LUA_OK ? t1 - t0 : -1;
}

static void section_lua(void)
{
    /*
     * The arena: 64 MiB (the script needs a few), or the largest block if that is
     * smaller.  N = 50000 keeps the three runs of every allocator within seconds.
     */
    size_t largest = chop_largest_block_size();
    size_t arena = largest < 64 * MIB ? largest : 64 * MIB;
    lua_Integer n = quick ? 20000 : 50000;
    size_t reps = quick ? 1 : 3;
    double v[K_COUNT][8], ratio[K_COUNT][8];
    int oom[K_COUNT] = { 0 };
    lua_Integer sum[K_COUNT] = { 0 };
    struct ctx c;

    arena_map(&c, arena);
    for (size_t r = 0; r < reps; r++)
        for (int k = 0; k < K_COUNT; k++) {
            if (k == K_UNSIZED || !kind_on(k))
                continue;
            v[k][r] = lua_run(&c, (enum kind)k, n, &sum[k]);
            oom[k] |= v[k][r] < 0;
            ratio[k][r] = v[k][r] / v[K_MALLOC][r];
            if (v[k][r] >= 0 && sum[k] != sum[K_MALLOC]) {
                fprintf(stderr, "bench: lua: %s computed %lld, the stock allocator %lld\n",
                        kind_name[k], (long long)sum[k], (long long)sum[K_MALLOC]);
                exit(1);
            }
        }
    arena_unmap(&c);

    printf("\n### %s behind lua_newstate(): an allocation-heavy script, N = %lld\n\n",
           LUA_RELEASE, (long long)n);
    printf("lua_newstate(), luaL_openlibs(), the script (strings, tables, sorting, "
           "records, table.concat, a full GC) and lua_close(), in thread CPU time, "
           "median of %zu runs, the allocators taking turns.  Stock: realloc() and free(), "
           "as lauxlib's allocator; chopalloc: chop_try_allocate(), "
           "chop_try_reallocate() and chop_try_deallocate() with the sizes Lua gives, in "
           "a %zu MiB arena%s.\n\n", reps, arena / MIB,
           BENCH_HAVE_O1HEAP ? "; o1heap has no realloc: a larger size is allocate, copy, "
                               "free" : "");
    printf("| Allocator | ms | vs stock |\n| --- | ---: | ---: |\n");
    for (int k = 0; k < K_COUNT; k++) {
        if (k == K_UNSIZED || !kind_on(k))
            continue;
        const char *title = k == K_MALLOC ? "stock (glibc realloc/free)" : kind_title[k];
        if (oom[k]) {
            printf("| %s | out of memory | |\n", title);
            continue;
        }
        double ms = median(v[k], reps) / 1e6, rel = median(ratio[k], reps);
        printf("| %s | %.1f | %.2fx |\n", title, ms, rel);
        csv_row("lua", kind_name[k], "ms", "", ms);
        csv_row("lua", kind_name[k], "vs_stock", "", rel);
    }
}
#endif

/* --- main ------------------------------------------------------------------------------- */

static int wanted(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *sections = BENCH_HAVE_LUA ? "churn,latency,fill,frag,scaling,lua"
                                          : "churn,latency,fill,frag,scaling";
    const char *env = getenv("BENCH_QUICK");
    quick = env && *env && strcmp(env, "0") != 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--section") && i + 1 < argc)
            sections = argv[++i];
        else if (!strcmp(argv[i], "--variant") && i + 1 < argc)
            variant = argv[++i];
        else if (!strcmp(argv[i], "--outdir") && i + 1 < argc)
            outdir = argv[++i];
        else if (!strcmp(argv[i], "--kinds") && i + 1 < argc)
            kinds = argv[++i];
        else if (!strcmp(argv[i], "--list-kinds")) {
            for (int k = 0; k < K_COUNT; k++)
                if (kind_on(k))
                    printf("%s\n", kind_name[k]);
            return 0;
        }
        else if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
            csv = fopen(argv[++i], "a");
            if (!csv) {
                perror(argv[i]);
                return 1;
            }
        } else {
            fprintf(stderr, "usage: %s [--quick] [--section LIST] [--variant NAME] "
                            "[--kinds LIST] [--list-kinds] [--csv FILE] [--outdir DIR]\n", argv[0]);
            return 2;
        }
    }
    if (wanted(sections, "icount") || wanted(sections, "icount-worst")) {
        counting = 1;
        section_icount(wanted(sections, "icount-worst"));
        return 0;
    }
    calibrate();
    if (wanted(sections, "orders"))
        section_orders();
    if (wanted(sections, "churn"))
        section_churn();
    if (wanted(sections, "latency"))
        section_latency();
    if (wanted(sections, "fill"))
        section_fill();
    if (wanted(sections, "frag"))
        section_frag();
    if (wanted(sections, "scaling"))
        section_scaling();
#if BENCH_HAVE_LUA
    if (wanted(sections, "lua"))
        section_lua();
#endif
    if (csv)
        fclose(csv);
    return 0;
}
