/*
 * Messages for status codes.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

/* Every message once, for the table in RAM and, on AVR, the one in flash. */
#define CHOPI_MESSAGES(X)                                                                   \
    X(CHOP_OK, "success")                                                                   \
    X(CHOP_ERR_NULL_ARGUMENT, "a required pointer argument is NULL")                        \
    X(CHOP_ERR_BAD_REGION, "the region is NULL, holds no whole minimum block or wraps "      \
                           "around the address space, or the region, bitmap and heap "    \
                           "overlap")                                                     \
    X(CHOP_ERR_BITMAP_TOO_SMALL, "the bitmap has fewer words than chop_bitmap_words_needed()") \
    X(CHOP_ERR_BITMAP_UNSUPPORTED, "a bitmap was given, but the library was built with "     \
                                   "--disable-bitmap")                                    \
    X(CHOP_ERR_INVALID_LAYOUT, "invalid layout: size is 0, or alignment is 0 or not a "      \
                               "power of two")                                            \
    X(CHOP_ERR_TOO_LARGE, "the size or alignment exceeds the largest block size")           \
    X(CHOP_ERR_OUT_OF_MEMORY, "out of memory: no free block is large enough")               \
    X(CHOP_ERR_OUTSIDE_HEAP, "the pointer is outside the heap")                             \
    X(CHOP_ERR_MISALIGNED, "the pointer is not aligned to the block its layout implies")    \
    X(CHOP_ERR_DOUBLE_FREE, "double free: the pointer lies in free memory")                 \
    X(CHOP_ERR_INTERIOR_POINTER, "the pointer lies inside an allocation but is not its "     \
                                 "start")                                                 \
    X(CHOP_ERR_SIZE_MISMATCH, "the size or alignment does not match the allocation at "      \
                              "this pointer")                                             \
    X(CHOP_ERR_CORRUPTED, "the heap is corrupted: an invariant does not hold")              \
    X(CHOP_ERR_NEEDS_BITMAP, "only bitmap mode records block sizes: free with "              \
                             "chop_try_deallocate() and the allocation's size")          \
    X(CHOP_ERR_FREE_LIST_UNSUPPORTED, "no bitmap was given, but the library was built "      \
                                      "with --disable-free-list")

#define CHOPI_UNKNOWN_STATUS "unknown chopalloc status"

#define CHOPI_MESSAGE_ENTRY(status, text) [status] = (text),
static const char *const messages[CHOP_STATUS_COUNT] = { CHOPI_MESSAGES(CHOPI_MESSAGE_ENTRY) };

_Static_assert(CHOP_ERR_FREE_LIST_UNSUPPORTED + 1 == CHOP_STATUS_COUNT,
               "CHOP_STATUS_COUNT must follow the last status");

const char *chop_strerror(chop_status status)
{
    /* Compare as unsigned: a negative value cast to the enum is out of range too. */
    if ((unsigned)status >= (unsigned)CHOP_STATUS_COUNT)
        return CHOPI_UNKNOWN_STATUS;
    return messages[status];
}

#if CHOPALLOC_HAVE_FLASH_STRINGS
/*
 * AVR keeps constant data in RAM unless told otherwise: the strings above take about
 * 900 bytes of it once chop_strerror() is linked.  These copies stay in flash.
 */
#define CHOPI_FLASH_STRING(status, text) static const __flash char flash_##status[] = text;
CHOPI_MESSAGES(CHOPI_FLASH_STRING)
static const __flash char flash_unknown[] = CHOPI_UNKNOWN_STATUS;

#define CHOPI_FLASH_ENTRY(status, text) [status] = flash_##status,
static const __flash char *const __flash flash_messages[CHOP_STATUS_COUNT] = {
    CHOPI_MESSAGES(CHOPI_FLASH_ENTRY)
};

const __flash char *chop_strerror_flash(chop_status status)
{
    if ((unsigned)status >= (unsigned)CHOP_STATUS_COUNT)
        return flash_unknown;
    return flash_messages[status];
}
#endif
