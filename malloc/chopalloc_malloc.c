/*
 * chopalloc_malloc.c: the C library's malloc family on one chopalloc heap, for
 * bare-metal firmware (libchopalloc-malloc.a, or this file compiled in).
 * SPDX-License-Identifier: MIT
 *
 * Defines malloc(), free(), calloc(), realloc(), aligned_alloc(), posix_memalign(),
 * memalign() and malloc_usable_size(), and with newlib (not picolibc, which has no
 * reentrant calls) _malloc_r(), _free_r(), _calloc_r(), _realloc_r(), _memalign_r()
 * and _malloc_usable_size_r(), which newlib's own code calls.  The hooks, their
 * defaults and the semantics are in include/chopalloc_malloc.h and doc/porting.md.
 *
 * Semantics, as C and POSIX give them:
 *   - failure returns NULL with errno ENOMEM (for the _r calls, the errno of the
 *     struct _reent passed); posix_memalign() returns its error and keeps errno;
 *   - malloc(0), calloc() with a zero count or size, aligned_alloc(a, 0) and the
 *     like return a unique pointer (a minimum block) that free() takes back;
 *   - realloc(NULL, n) is malloc(n); realloc(p, 0) frees p and returns NULL;
 *     a failed realloc() leaves p and its contents as they were;
 *   - an alignment that is not a power of two is EINVAL (posix_memalign() also
 *     wants a multiple of sizeof(void *)); one the heap cannot give is ENOMEM;
 *   - free(NULL) does nothing, and free() keeps errno;
 *   - a pointer free() or realloc() did not hand out (freed already, foreign,
 *     interior) is refused without touching the heap and reported to
 *     chopalloc_malloc_refused(); realloc() then returns NULL with EINVAL;
 *   - calloc()'s n * size is checked for overflow (ENOMEM).
 *
 * The one global state is the heap pointer; the heap lives inside the region.
 * Needs chopalloc's bitmap mode: a free without a size.
 *
 * CHOPALLOC_MALLOC_PREFIX, when defined, is put before the name of every function of
 * the malloc family (not the hooks), so that a hosted test can build the shim beside
 * its C library's malloc: -DCHOPALLOC_MALLOC_PREFIX=test_ defines test_malloc().
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chopalloc.h"
#include "chopalloc_malloc.h"

#if !CHOPALLOC_HAVE_BITMAP
#error "chopalloc_malloc.c frees without a size, which needs chopalloc's bitmap mode (built without --disable-bitmap)"
#endif

#if defined(_NEWLIB_VERSION) && !defined(__PICOLIBC__)
#define CHOPM_NEWLIB 1
#include <malloc.h>
#include <sys/reent.h>
#else
#define CHOPM_NEWLIB 0
#endif
#if defined(__PICOLIBC__) && defined(_RETARGETABLE_LOCKING)
#include <sys/lock.h>
#endif

#ifdef CHOPALLOC_MALLOC_PREFIX
#define CHOPM_CAT2(a, b) a##b
#define CHOPM_CAT(a, b) CHOPM_CAT2(a, b)
#define CHOPM_NAME(name) CHOPM_CAT(CHOPALLOC_MALLOC_PREFIX, name)
#else
#define CHOPM_NAME(name) name
#endif

#if defined(__GNUC__) || defined(__clang__)
#define CHOPM_WEAK __attribute__((weak))
#else
#error "chopalloc_malloc.c needs weak symbols (GCC or Clang)"
#endif

/* ---------------------------------------------------------------------------
 * Hooks: weak defaults. */

/* The linker symbols the default region hook looks for: weak references, so an
 * undefined one has the address 0. */
extern char __heap_start[] CHOPM_WEAK, __heap_end[] CHOPM_WEAK;
extern char __HeapBase[] CHOPM_WEAK, __HeapLimit[] CHOPM_WEAK, __end__[] CHOPM_WEAK;

/* Whether [start, end) is a region: both defined, end above start. */
static int region_between(const char *start, const char *end, void **out, size_t *size)
{
    uintptr_t from = (uintptr_t)start, to = (uintptr_t)end;
    if (from == 0 || to <= from)
        return 0;
    *out = (void *)start;
    *size = (size_t)(to - from);
    return 1;
}

CHOPM_WEAK void chopalloc_malloc_region(void **start, size_t *size)
{
    *start = NULL;
    *size = 0;
    if (!region_between(__heap_start, __heap_end, start, size) &&
        !region_between(__HeapBase, __HeapLimit, start, size))
        (void)region_between(__end__, __HeapLimit, start, size);
}

CHOPM_WEAK void chopalloc_malloc_lock(void)
{
#if CHOPM_NEWLIB
    __malloc_lock(_REENT);
#elif defined(__PICOLIBC__) && defined(_RETARGETABLE_LOCKING)
    __retarget_lock_acquire_recursive(&__lock___libc_recursive_mutex);
#endif
}

CHOPM_WEAK void chopalloc_malloc_unlock(void)
{
#if CHOPM_NEWLIB
    __malloc_unlock(_REENT);
#elif defined(__PICOLIBC__) && defined(_RETARGETABLE_LOCKING)
    __retarget_lock_release_recursive(&__lock___libc_recursive_mutex);
#endif
}

CHOPM_WEAK void chopalloc_malloc_refused(void *ptr, chop_status status)
{
    (void)ptr;
    (void)status;
}

/* ---------------------------------------------------------------------------
 * The heap. */

/* NULL until a call builds it.  Written once, under the lock; read without it, with
 * acquire ordering where the target has lock-free pointer atomics, so that another
 * core never sees the pointer before the heap it points to. */
static chop_heap *heap;

static chop_heap *load_heap(void)
{
#if defined(__GCC_ATOMIC_POINTER_LOCK_FREE) && __GCC_ATOMIC_POINTER_LOCK_FREE == 2
    return __atomic_load_n(&heap, __ATOMIC_ACQUIRE);
#else
    return heap;
#endif
}

static void store_heap(chop_heap *h)
{
#if defined(__GCC_ATOMIC_POINTER_LOCK_FREE) && __GCC_ATOMIC_POINTER_LOCK_FREE == 2
    __atomic_store_n(&heap, h, __ATOMIC_RELEASE);
#else
    heap = h;
#endif
}

static void lock_hook(void *ctx)
{
    (void)ctx;
    chopalloc_malloc_lock();
}

static void unlock_hook(void *ctx)
{
    (void)ctx;
    chopalloc_malloc_unlock();
}

chop_heap *chopalloc_malloc_heap(void)
{
    chop_heap *h = load_heap();
    if (h != NULL)
        return h;
    chopalloc_malloc_lock();
    h = heap;
    if (h == NULL) {
        void *start = NULL;
        size_t size = 0;
        chopalloc_malloc_region(&start, &size);
        if (start != NULL && chop_init_region(&h, start, size, 1) == CHOP_OK) {
            chop_set_lock(h, lock_hook, unlock_hook, NULL);
            store_heap(h);
        } else {
            h = NULL;
        }
    }
    chopalloc_malloc_unlock();
    return h;
}

/* ---------------------------------------------------------------------------
 * The calls, with errno passed in: the C library's errno, or a struct _reent's. */

static int is_power_of_two(size_t x)
{
    return x != 0 && (x & (x - 1u)) == 0;
}

/* A block of at least size bytes (a minimum block for 0) aligned to align, a power
 * of two; NULL with *err = ENOMEM. */
static void *allocate(int *err, size_t size, size_t align)
{
    void *block = NULL;
    chop_heap *h = chopalloc_malloc_heap();
    if (h == NULL || chop_try_allocate(h, size != 0 ? size : 1u, align, &block) != CHOP_OK) {
        *err = ENOMEM;
        return NULL;
    }
    return block;
}

static void release(void *ptr)
{
    if (ptr == NULL)
        return;
    chop_heap *h = load_heap();
    chop_status status = h != NULL ? chop_try_free(h, ptr) : CHOP_ERR_NULL_ARGUMENT;
    if (status != CHOP_OK)
        chopalloc_malloc_refused(ptr, status);
}

static void *zeroed(int *err, size_t n, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes)) {
        *err = ENOMEM;
        return NULL;
    }
    void *block = allocate(err, bytes, 1);
    if (block != NULL)
        memset(block, 0, bytes); /* the block is the caller's: outside the lock */
    return block;
}

static void *resize(int *err, void *ptr, size_t size)
{
    if (ptr == NULL)
        return allocate(err, size, 1);
    if (size == 0) {
        release(ptr);
        return NULL;
    }
    chop_heap *h = load_heap();
    if (h == NULL) {
        chopalloc_malloc_refused(ptr, CHOP_ERR_NULL_ARGUMENT);
        *err = EINVAL;
        return NULL;
    }
    void *moved = chop_realloc(h, ptr, size);
    if (moved != NULL)
        return moved;
    /* Refused: a live block with no room for the new size, or not a live block, for
     * the reason free() would give.  Asking changes nothing. */
    chop_status status = chop_pointer_status(h, ptr);
    if (status == CHOP_OK) {
        *err = ENOMEM;
        return NULL;
    }
    chopalloc_malloc_refused(ptr, status);
    *err = EINVAL;
    return NULL;
}

static void *aligned(int *err, size_t align, size_t size)
{
    if (!is_power_of_two(align)) {
        *err = EINVAL;
        return NULL;
    }
    return allocate(err, size, align);
}

static size_t usable(const void *ptr)
{
    chop_heap *h = load_heap();
    return ptr != NULL && h != NULL ? chop_usable_size(h, ptr) : 0;
}

/* ---------------------------------------------------------------------------
 * The malloc family. */

#if CHOPM_NEWLIB
/* newlib: the plain calls are the reentrant ones on _REENT, as newlib's own are. */
#ifdef _REENT_ERRNO
#define CHOPM_ERRNO(r) (&_REENT_ERRNO(r))
#else
#define CHOPM_ERRNO(r) (&(r)->_errno)
#endif

void *_malloc_r(struct _reent *r, size_t size)
{
    return allocate(CHOPM_ERRNO(r), size, 1);
}

void _free_r(struct _reent *r, void *ptr)
{
    (void)r;
    release(ptr);
}

void *_calloc_r(struct _reent *r, size_t n, size_t size)
{
    return zeroed(CHOPM_ERRNO(r), n, size);
}

void *_realloc_r(struct _reent *r, void *ptr, size_t size)
{
    return resize(CHOPM_ERRNO(r), ptr, size);
}

void *_memalign_r(struct _reent *r, size_t align, size_t size)
{
    return aligned(CHOPM_ERRNO(r), align, size);
}

size_t _malloc_usable_size_r(struct _reent *r, void *ptr)
{
    (void)r;
    return usable(ptr);
}

#define CHOPM_PLAIN_ERRNO CHOPM_ERRNO(_REENT)
#else
#define CHOPM_PLAIN_ERRNO (&errno)
#endif

void *CHOPM_NAME(malloc)(size_t size)
{
    return allocate(CHOPM_PLAIN_ERRNO, size, 1);
}

void CHOPM_NAME(free)(void *ptr)
{
    release(ptr);
}

void *CHOPM_NAME(calloc)(size_t n, size_t size)
{
    return zeroed(CHOPM_PLAIN_ERRNO, n, size);
}

void *CHOPM_NAME(realloc)(void *ptr, size_t size)
{
    return resize(CHOPM_PLAIN_ERRNO, ptr, size);
}

void *CHOPM_NAME(aligned_alloc)(size_t align, size_t size)
{
    return aligned(CHOPM_PLAIN_ERRNO, align, size);
}

void *CHOPM_NAME(memalign)(size_t align, size_t size);
void *CHOPM_NAME(memalign)(size_t align, size_t size)
{
    return aligned(CHOPM_PLAIN_ERRNO, align, size);
}

int CHOPM_NAME(posix_memalign)(void **out, size_t align, size_t size);
int CHOPM_NAME(posix_memalign)(void **out, size_t align, size_t size)
{
    int err = 0;
    if (!is_power_of_two(align) || align % sizeof(void *) != 0)
        return EINVAL;
    void *block = allocate(&err, size, align);
    if (block == NULL)
        return err;
    *out = block;
    return 0;
}

size_t CHOPM_NAME(malloc_usable_size)(void *ptr);
size_t CHOPM_NAME(malloc_usable_size)(void *ptr)
{
    return usable(ptr);
}
