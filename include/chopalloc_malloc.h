/**
 * @file chopalloc_malloc.h
 * @brief The hooks of libchopalloc-malloc, the C library's malloc family on one
 *        chopalloc heap for bare-metal firmware.
 *
 * Linking `libchopalloc-malloc.a` (or compiling `malloc/chopalloc_malloc.c`) into
 * a firmware replaces the C library's `malloc()`, `free()`, `calloc()`,
 * `realloc()`, `aligned_alloc()`, `posix_memalign()`, `memalign()` and
 * `malloc_usable_size()`, and with newlib its reentrant `_malloc_r()`,
 * `_free_r()`, `_calloc_r()`, `_realloc_r()`, `_memalign_r()` and
 * `_malloc_usable_size_r()`, so that the C library's own allocations (stdio
 * buffers, `strdup()`) and C++'s `operator new` come from one bitmap-mode heap.
 *
 * The heap is built on the first call, inside the region that
 * chopalloc_malloc_region() names.  Every hook below is defined weakly by the
 * shim: a firmware overrides one by defining a function of the same name.  None
 * is needed when the linker script defines one of the usual heap symbols and the
 * firmware has a single thread of execution.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CHOPALLOC_MALLOC_H
#define CHOPALLOC_MALLOC_H

#include <stddef.h>

#include "chopalloc.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Names the region the heap is built in (weak: override it).
 *
 * Called with the lock held (chopalloc_malloc_lock()) by the first call that
 * needs the heap, and again by each later call for as long as no heap could be
 * built.  The default returns the first pair of these linker symbols that are
 * both defined, with the end above the start:
 *
 * | Start            | End             | Defined by                          |
 * | ---------------- | --------------- | ----------------------------------- |
 * | `__heap_start`   | `__heap_end`    | picolibc's `picolibc.ld`            |
 * | `__HeapBase`     | `__HeapLimit`   | CMSIS `gcc_arm.ld` (Arm, most vendors) |
 * | `__end__`        | `__HeapLimit`   | older CMSIS `gcc_arm.ld`            |
 *
 * and no region (`*start` NULL, `*size` 0) when none is: every allocation then
 * fails with `ENOMEM`.  The symbols are weak references, so a missing one is
 * seen, not a link error.
 *
 * The #chop_heap and its bitmap are placed at the start of the region
 * (chop_init_region()), about 1/32 of it on 32-bit cores; the region must not be
 * used for anything else, and the C library's `sbrk()` must not hand it out.
 *
 * @param start Receives the first byte of the region, or NULL for none.
 * @param size  Receives its size in bytes.
 */
void chopalloc_malloc_region(void **start, size_t *size);

/**
 * @brief Takes the lock around every call of the shim (weak: override it).
 *
 * The shim gives these to its heap with chop_set_lock(), so every chopalloc call
 * on the heap takes the lock once, on every path, and releases it: once the heap
 * is built, one lock and unlock per malloc(), free(), calloc() or successful
 * realloc(), and the heap's statistics, check and walk through
 * chopalloc_malloc_heap() locked as well.  The lock is never
 * nested, is held for O(`CHOPALLOC_MAX_ORDER`) steps (plus the copy when
 * realloc() moves a block; chopalloc_malloc_region() and chop_init_region() on
 * the first call), and no other hook and no C library function is called while
 * it is held.
 *
 * The default takes the lock the C library's own malloc would take:
 * `__malloc_lock(_REENT)` with newlib (which RTOS ports of newlib define), the
 * retargetable `__lock___libc_recursive_mutex` with picolibc, and nothing with
 * any other C library.  On a single-core microcontroller whose interrupt
 * handlers allocate, override it to mask interrupts (saving the previous state
 * for chopalloc_malloc_unlock()); with an RTOS, to take a mutex.
 */
void chopalloc_malloc_lock(void);

/** @brief Releases what chopalloc_malloc_lock() took (weak: override both). */
void chopalloc_malloc_unlock(void);

/**
 * @brief Called for each refused pointer (weak: override it).
 *
 * `free()` (and `_free_r()`) and `realloc()` check their pointer: one that this
 * heap did not hand out, that was freed already or that points inside a block is
 * refused, the heap is left as it was, and this hook is called after the lock is
 * released (so it may print, or allocate).  `free()` then returns; `realloc()`
 * returns NULL with `errno` set to `EINVAL`.  The default does nothing.
 *
 * @param ptr    The pointer refused.
 * @param status Why: #CHOP_ERR_OUTSIDE_HEAP, #CHOP_ERR_DOUBLE_FREE,
 *               #CHOP_ERR_INTERIOR_POINTER, #CHOP_ERR_MISALIGNED,
 *               #CHOP_ERR_SIZE_MISMATCH, or #CHOP_ERR_NULL_ARGUMENT when there is
 *               no heap yet (chop_strerror() words each).
 */
void chopalloc_malloc_refused(void *ptr, chop_status status);

/**
 * @brief The shim's heap, built first if need be, for chop_get_stats(),
 *        chop_check() and chop_walk().
 *
 * Not a hook.  Those calls take the lock hooks as the shim's own do.  The heap
 * must not be freed into, allocated from or reinitialised other than through the
 * malloc family, and its lock must not be changed.
 *
 * @return The heap, or NULL when chopalloc_malloc_region() names no usable region.
 */
chop_heap *chopalloc_malloc_heap(void);

#ifdef __cplusplus
}
#endif

#endif /* CHOPALLOC_MALLOC_H */
