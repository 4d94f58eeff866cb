/*
 * A small TAP (Test Anything Protocol, version 12) producer for chopalloc's tests.
 * SPDX-License-Identifier: MIT
 *
 * Output goes to stdout: an optional plan "1..N", one "ok N - ..." or "not ok N - ..."
 * line per assertion, "ok N # SKIP ..." for skipped ones and "# ..." diagnostics.
 * A program ends with `return tap_done();`, which prints the plan if none was given
 * up front ("done_testing" style) and yields a non-zero exit status when any test
 * failed or the planned count was not met.
 *
 * The tests use the C library freely; only chopalloc itself is freestanding.
 */
#ifndef CHOP_TESTS_TAP_H
#define CHOP_TESTS_TAP_H

#include <stddef.h>

#include "chopalloc.h"

#if defined(__GNUC__) || defined(__clang__)
#define TAP_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#define TAP_NORETURN __attribute__((noreturn))
#else
#define TAP_PRINTF(fmt_index, first_arg)
#define TAP_NORETURN
#endif

#ifdef __cplusplus
extern "C" { /* tests/test_pmr.cpp links tap.c, compiled as C */
#endif

/** Announces the number of tests up front; call at most once, before any test. */
void tap_plan(unsigned count);

/** One test: passes when @p cond is non-zero.  Returns @p cond != 0. */
int tap_ok(int cond, const char *fmt, ...) TAP_PRINTF(2, 3);

/** Passes when got == expected; on failure prints both as diagnostics. */
int tap_is_int(long long got, long long expected, const char *fmt, ...) TAP_PRINTF(3, 4);
int tap_is_size(size_t got, size_t expected, const char *fmt, ...) TAP_PRINTF(3, 4);
int tap_is_ptr(const void *got, const void *expected, const char *fmt, ...) TAP_PRINTF(3, 4);
int tap_is_str(const char *got, const char *expected, const char *fmt, ...) TAP_PRINTF(3, 4);

/** Passes when got == expected; on failure names both statuses. */
int tap_is_status(chop_status got, chop_status expected, const char *fmt, ...) TAP_PRINTF(3, 4);

/** Passes when every field of the two snapshots is equal; on failure lists the fields
 *  that differ. */
int tap_is_stats(const chop_stats *got, const chop_stats *expected, const char *fmt, ...)
    TAP_PRINTF(3, 4);

/** Records @p count tests as skipped, for the reason given. */
void tap_skip(unsigned count, const char *why, ...) TAP_PRINTF(2, 3);

/** Prints a diagnostic line "# ...". */
void tap_diag(const char *fmt, ...) TAP_PRINTF(1, 2);

/** Prints "Bail out! ..." and exits with status 255. */
TAP_NORETURN void tap_bail_out(const char *fmt, ...) TAP_PRINTF(1, 2);

/** Ends the run: prints the plan if none was given; returns the exit status
 *  (0 only when every test passed and the plan, if any, was met). */
int tap_done(void);

/** Number of tests run and failed so far. */
unsigned tap_count(void);
unsigned tap_failures(void);

/** The enumerator's name ("CHOP_ERR_DOUBLE_FREE"), or "(status N)" for other values.
 *  The returned string may live in a static buffer overwritten by the next call. */
const char *tap_status_name(chop_status status);

#ifdef __cplusplus
}
#endif

#endif /* CHOP_TESTS_TAP_H */
