/*
 * The program of tests/cmake/CMakeLists.txt: a heap over a static region, one block
 * allocated and freed in whichever mode the library was built with.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

#include "chopalloc.h"

static _Alignas(4096) unsigned char region[4096];
#if CHOPALLOC_HAVE_BITMAP
static uint64_t bitmap[CHOP_BITMAP_WORDS(sizeof region)];
#define BITMAP bitmap
#define BITMAP_WORDS (sizeof bitmap / sizeof bitmap[0])
#else
#define BITMAP NULL
#define BITMAP_WORDS 0
#endif

static int fail(const char *what, chop_status status)
{
    printf("consumer: %s: %s\n", what, chop_strerror(status));
    return 1;
}

int main(void)
{
    static chop_heap heap;
    void *block = NULL;
    chop_status status = chop_init(&heap, region, sizeof region, BITMAP, BITMAP_WORDS);
    if (status != CHOP_OK)
        return fail("chop_init", status);
    status = chop_try_allocate(&heap, 100, 16, &block);
    if (status != CHOP_OK)
        return fail("chop_try_allocate", status);
    status = chop_try_deallocate(&heap, block, 100, 16);
    if (status != CHOP_OK)
        return fail("chop_try_deallocate", status);
    status = chop_check(&heap);
    if (status != CHOP_OK)
        return fail("chop_check", status);
    printf("consumer: OK: chopalloc %s, bitmap %d, max order %d\n", CHOPALLOC_VERSION,
           (int)CHOPALLOC_HAVE_BITMAP, (int)CHOPALLOC_MAX_ORDER);
    return 0;
}
