/*
 * The firmware tools/rom-size.sh links to measure chopalloc's ROM cost.
 * SPDX-License-Identifier: MIT
 *
 * A bare-metal program with no C library and no start-up code: _start builds a heap,
 * allocates one block and frees it.  Volatile inputs keep the compiler from
 * evaluating the calls at build time.  Built with -DCHOP_ROM_STUBS, the three
 * functions are replaced by stubs that do nothing, so the size difference between
 * the two links is what the real calls bring in.  -DCHOP_ROM_STRERROR=1 adds a call
 * of chop_strerror(), =2 one of chop_strerror_flash() (AVR), for what the messages
 * cost.
 */
#include "chopalloc.h"

#ifndef CHOP_ROM_USE_BITMAP
#define CHOP_ROM_USE_BITMAP CHOPALLOC_HAVE_BITMAP
#endif

/* noipa: each call site stays a real call to an opaque function, as with the library
 * (older compilers, such as avr-gcc 5, only know noinline and noclone). */
#if defined(__has_attribute)
#if __has_attribute(noipa)
#define CHOP_ROM_OPAQUE __attribute__((noipa))
#endif
#endif
#ifndef CHOP_ROM_OPAQUE
#define CHOP_ROM_OPAQUE __attribute__((noinline, noclone))
#endif

#ifdef CHOP_ROM_STUBS
CHOP_ROM_OPAQUE chop_status chop_init(chop_heap *heap, void *memory, size_t size,
                                             uint64_t *bitmap, size_t bitmap_words)
{
    (void)heap, (void)memory, (void)size, (void)bitmap, (void)bitmap_words;
    return CHOP_OK;
}

CHOP_ROM_OPAQUE chop_status chop_try_allocate(chop_heap *heap, size_t size,
                                                     size_t align, void **out)
{
    (void)heap, (void)size, (void)align, (void)out;
    return CHOP_OK;
}

CHOP_ROM_OPAQUE chop_status chop_try_deallocate(chop_heap *heap, void *ptr,
                                                       size_t size, size_t align)
{
    (void)heap, (void)ptr, (void)size, (void)align;
    return CHOP_OK;
}
#endif

static chop_heap heap;
static uint64_t region[64]; /* 512 bytes */
#if CHOP_ROM_USE_BITMAP
static uint64_t bitmap[CHOP_BITMAP_WORDS(sizeof region)];
#endif

volatile size_t rom_size_request = 24;
volatile size_t rom_align_request = 8;
volatile chop_status rom_result;
volatile uintptr_t rom_message; /* in every build, so that its RAM cancels out */

void _start(void);

void _start(void)
{
    void *block = NULL;
    size_t size = rom_size_request;
    size_t align = rom_align_request;

#if CHOP_ROM_USE_BITMAP
    rom_result = chop_init(&heap, region, sizeof region, bitmap, sizeof bitmap / sizeof bitmap[0]);
#else
    rom_result = chop_init(&heap, region, sizeof region, NULL, 0);
#endif
    rom_result = chop_try_allocate(&heap, size, align, &block);
    rom_result = chop_try_deallocate(&heap, block, size, align);
#if CHOP_ROM_STRERROR == 1
    rom_message = (uintptr_t)chop_strerror(rom_result);
#elif CHOP_ROM_STRERROR == 2
    rom_message = (uintptr_t)chop_strerror_flash(rom_result);
#endif
    for (;;) {
    }
}
