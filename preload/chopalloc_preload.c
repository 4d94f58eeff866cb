/*
 * libchopalloc-preload.so: the C library's malloc family on one chopalloc heap, for
 * programs run unchanged:
 *
 *   LD_PRELOAD=/usr/local/lib/libchopalloc-preload.so program ...
 *
 * SPDX-License-Identifier: MIT
 *
 * The heap is built on the first call, in bitmap mode, over memory from mmap():
 * CHOPALLOC_HEAP_SIZE bytes (a number, with an optional K, M or G suffix; 1 GiB by
 * default), reserved without being committed, with its start aligned so that the
 * whole heap is one block when its size is a power of two no larger than the largest
 * block.  No single allocation can exceed the largest block: general programs want
 * the default --with-max-order (32) or at least 27 (64 MiB blocks).  One mutex serialises
 * the calls, and fork() takes it first, so the child's heap is consistent.
 *
 * The functions keep glibc's semantics (errno ENOMEM on failure, EINVAL for a bad
 * alignment, malloc(0) a unique pointer, realloc(p, 0) frees and returns NULL, free
 * keeps errno), and add chopalloc's checks: a free of a pointer this heap did not
 * hand out, freed already or interior, is refused and counted instead of
 * corrupting the heap.  With CHOPALLOC_REPORT=FILE the counts are written to FILE
 * at exit: "chopalloc-preload: allocations A, refused frees R, failed requests F,
 * peak P bytes".
 *
 * This is an integration beside the library: the library keeps no global state and
 * calls no C library function; this file has both.  It calls nothing that
 * allocates (glibc's malloc replacement rules), except pthread_atfork() from a
 * constructor, outside the lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chopalloc.h"

#define DEFAULT_HEAP_SIZE ((size_t)1 << 30)

static chop_heap heap;
static int heap_state; /* 0: not built yet, 1: built, -1: mmap failed */
static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t allocations, refused_frees;

/* CHOPALLOC_HEAP_SIZE, or the default; getenv() does not allocate. */
static size_t heap_size_wanted(void)
{
    const char *text = getenv("CHOPALLOC_HEAP_SIZE");
    size_t n = 0;
    if (text == NULL || *text == '\0')
        return DEFAULT_HEAP_SIZE;
    for (; *text >= '0' && *text <= '9'; text++) {
        if (n > (SIZE_MAX - 9u) / 10u)
            return DEFAULT_HEAP_SIZE;
        n = n * 10u + (size_t)(*text - '0');
    }
    unsigned shift = *text == 'K' || *text == 'k' ? 10u
                   : *text == 'M' || *text == 'm' ? 20u
                   : *text == 'G' || *text == 'g' ? 30u : 0u;
    if (n == 0 || n > (SIZE_MAX >> shift) >> 1)
        return DEFAULT_HEAP_SIZE;
    return n << shift;
}

/* With the lock held: builds the heap on first use.  Returns whether there is one. */
static int heap_ready(void)
{
    if (heap_state != 0)
        return heap_state > 0;
    heap_state = -1;

    size_t size = heap_size_wanted();
    /* The largest power of two in size, up to the largest block: the start is aligned
     * to it, so that a heap of 2^k bytes is as few blocks as the build allows.  Reserve
     * that much more and keep the aligned part. */
    size_t align = chop_largest_block_size();
    while (align > size)
        align >>= 1;
    size_t words = chop_bitmap_words_needed(size);
    size_t bitmap_bytes = words * sizeof(uint64_t);
    size_t reserve = size + align + bitmap_bytes;
    void *mem = mmap(NULL, reserve, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        return 0;
    uintptr_t base = ((uintptr_t)mem + align - 1u) & ~(uintptr_t)(align - 1u);
    uint64_t *bitmap = (uint64_t *)(base + size); /* after the region, inside the mapping */
    if (chop_init(&heap, (void *)base, size, bitmap, words) != CHOP_OK)
        return 0;
    heap_state = 1;
    return 1;
}

static void lock(void)
{
    (void)pthread_mutex_lock(&heap_lock);
}

static void unlock(void)
{
    (void)pthread_mutex_unlock(&heap_lock);
}

/* A block of size bytes aligned to align (a power of two), or NULL with errno. */
static void *allocate(size_t size, size_t align)
{
    void *block = NULL;
    lock();
    if (heap_ready() && chop_try_allocate(&heap, size ? size : 1u, align, &block) == CHOP_OK)
        allocations++;
    unlock();
    if (block == NULL)
        errno = ENOMEM;
    return block;
}

void *malloc(size_t size)
{
    return allocate(size, 1);
}

void free(void *ptr)
{
    if (ptr == NULL)
        return;
    int saved = errno;
    lock();
    if (!heap_ready() || chop_try_free(&heap, ptr) != CHOP_OK)
        refused_frees++;
    unlock();
    errno = saved;
}

void cfree(void *ptr);
void cfree(void *ptr)
{
    free(ptr);
}

void *calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    void *block = allocate(n * size, 1);
    if (block != NULL)
        memset(block, 0, n * size);
    return block;
}

void *realloc(void *ptr, size_t size)
{
    if (ptr == NULL)
        return malloc(size);
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    void *moved = NULL;
    lock();
    if (heap_ready())
        moved = chop_realloc(&heap, ptr, size);
    /* Only a failure asks why: no memory, or a pointer the heap did not hand out. */
    if (moved == NULL && (heap_state <= 0 || chop_usable_size(&heap, ptr) == 0))
        refused_frees++;
    unlock();
    if (moved == NULL)
        errno = ENOMEM;
    return moved;
}

void *reallocarray(void *ptr, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(ptr, n * size);
}

static int is_power_of_two(size_t x)
{
    return x != 0 && (x & (x - 1u)) == 0;
}

void *aligned_alloc(size_t align, size_t size)
{
    if (!is_power_of_two(align)) {
        errno = EINVAL;
        return NULL;
    }
    return allocate(size, align);
}

void *memalign(size_t align, size_t size)
{
    return aligned_alloc(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    if (!is_power_of_two(align) || align % sizeof(void *) != 0)
        return EINVAL;
    int saved = errno;
    void *block = allocate(size, align);
    errno = saved;
    if (block == NULL)
        return ENOMEM;
    *out = block;
    return 0;
}

void *valloc(size_t size)
{
    return allocate(size, (size_t)sysconf(_SC_PAGESIZE));
}

void *pvalloc(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (size > SIZE_MAX - page) {
        errno = ENOMEM;
        return NULL;
    }
    return allocate((size + page - 1u) & ~(page - 1u), page);
}

size_t malloc_usable_size(void *ptr);
size_t malloc_usable_size(void *ptr)
{
    size_t size = 0;
    if (ptr == NULL)
        return 0;
    lock();
    if (heap_ready())
        size = chop_usable_size(&heap, ptr);
    unlock();
    return size;
}

/* fork(): the child gets the heap as the parent had it between two calls. */
static void before_fork(void)
{
    lock();
}

static void after_fork(void)
{
    unlock();
}

__attribute__((constructor)) static void register_fork_handlers(void)
{
    (void)pthread_atfork(before_fork, after_fork, after_fork);
}

/* CHOPALLOC_REPORT=FILE: the counts, at exit, with write() alone. */
static char *put_number(char *at, size_t n)
{
    char digits[24];
    unsigned len = 0;
    do {
        digits[len++] = (char)('0' + n % 10u);
        n /= 10u;
    } while (n != 0);
    while (len > 0)
        *at++ = digits[--len];
    return at;
}

static char *put_text(char *at, const char *text)
{
    while (*text != '\0')
        *at++ = *text++;
    return at;
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("CHOPALLOC_REPORT");
    if (path == NULL || *path == '\0')
        return;
    chop_stats stats;
    /* Another thread may be inside a call as the process exits: never wait for it. */
    if (pthread_mutex_trylock(&heap_lock) != 0)
        return;
    chop_get_stats(heap_state > 0 ? &heap : NULL, &stats);
    size_t counted = allocations, refused = refused_frees;
    unlock();

    char line[192], *at = line;
    at = put_text(at, "chopalloc-preload: allocations ");
    at = put_number(at, counted);
    at = put_text(at, ", refused frees ");
    at = put_number(at, refused);
    at = put_text(at, ", failed requests ");
    at = put_number(at, stats.failed_requests);
    at = put_text(at, ", peak ");
    at = put_number(at, stats.peak_allocated_bytes);
    at = put_text(at, " bytes\n");
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        (void)!write(fd, line, (size_t)(at - line));
        (void)close(fd);
    }
}
