/*
 * What the parts of tests/firmware/malloc_firmware share.
 * SPDX-License-Identifier: MIT
 */
#ifndef CHOP_MALLOC_FIRMWARE_H
#define CHOP_MALLOC_FIRMWARE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Checks that failed. */
extern int firmware_failures;
/** Counts a failure, printing "FAILED: what", unless ok. */
void firmware_check(int ok, const char *what);
/** Live allocations on the shim's heap. */
size_t firmware_live_allocations(void);
/** The C++ part (malloc_firmware_cxx.cpp). */
void firmware_cxx(void);

#ifdef __cplusplus
}
#endif

#endif
