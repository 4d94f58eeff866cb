/*
 * Messages for status codes.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

static const char *const messages[CHOP_STATUS_COUNT] = {
    [CHOP_OK] = "success",
    [CHOP_ERR_NULL_ARGUMENT] = "a required pointer argument is NULL",
    /* False positive: each entry is designated, and the literals continued on the next
       line of an entry are concatenated on purpose. */
    /* NOLINTNEXTLINE(bugprone-suspicious-missing-comma) */
    [CHOP_ERR_BAD_REGION] = "the region is NULL, holds no whole minimum block or wraps around "
                            "the address space, or the region, bitmap and heap overlap",
    [CHOP_ERR_BITMAP_TOO_SMALL] = "the bitmap has fewer words than chop_bitmap_words_needed()",
    [CHOP_ERR_BITMAP_UNSUPPORTED] = "a bitmap was given, but the library was built with "
                                    "--disable-bitmap",
    [CHOP_ERR_INVALID_LAYOUT] = "invalid layout: size is 0, or alignment is 0 or not a power of two",
    [CHOP_ERR_TOO_LARGE] = "the size or alignment exceeds the largest block size",
    [CHOP_ERR_OUT_OF_MEMORY] = "out of memory: no free block is large enough",
    [CHOP_ERR_OUTSIDE_HEAP] = "the pointer is outside the heap",
    [CHOP_ERR_MISALIGNED] = "the pointer is not aligned to the block its layout implies",
    [CHOP_ERR_DOUBLE_FREE] = "double free: the pointer lies in free memory",
    [CHOP_ERR_INTERIOR_POINTER] = "the pointer lies inside an allocation but is not its start",
    [CHOP_ERR_SIZE_MISMATCH] = "the size or alignment does not match the allocation at this pointer",
    [CHOP_ERR_CORRUPTED] = "the heap is corrupted: an invariant does not hold",
    [CHOP_ERR_NEEDS_BITMAP] = "only bitmap mode records block sizes: free with "
                              "chop_try_deallocate() and the allocation's size",
};

_Static_assert(CHOP_ERR_NEEDS_BITMAP + 1 == CHOP_STATUS_COUNT,
               "CHOP_STATUS_COUNT must follow the last status");

const char *chop_strerror(chop_status status)
{
    /* Compare as unsigned: a negative value cast to the enum is out of range too. */
    if ((unsigned)status >= (unsigned)CHOP_STATUS_COUNT)
        return "unknown chopalloc status";
    return messages[status];
}
