/*
 * A small TAP producer; see tap.h.
 * SPDX-License-Identifier: MIT
 */
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Portability: the C libraries of small targets (avr-libc) have neither %zu nor %lld,
 * and little RAM for buffers.  Numbers wider than int are therefore formatted here,
 * and TAP_LINE_MAX (which such a build may lower) bounds every buffer.
 */
#ifndef TAP_LINE_MAX
#define TAP_LINE_MAX 512
#endif

/* The digits of v in base 10 or 16 (with "0x"), in buf[24]; returns buf. */
static const char *unsigned_text(char *buf, unsigned long long v, unsigned base)
{
    char digits[24];
    size_t n = 0, i = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0);
    if (base == 16) {
        buf[i++] = '0';
        buf[i++] = 'x';
    }
    while (n != 0)
        buf[i++] = digits[--n];
    buf[i] = '\0';
    return buf;
}

/* The decimal text of v, in buf[24]; returns buf. */
static const char *signed_text(char *buf, long long v)
{
    if (v >= 0)
        return unsigned_text(buf, (unsigned long long)v, 10u);
    buf[0] = '-';
    unsigned_text(buf + 1, 0u - (unsigned long long)v, 10u);
    return buf;
}

static unsigned planned; /* 0: no plan printed yet */
static int plan_printed;
static unsigned run;
static unsigned failed;
static int done;

void tap_plan(unsigned count)
{
    if (plan_printed || run != 0)
        tap_bail_out("tap_plan() called twice or after the first test");
    planned = count;
    plan_printed = 1;
    printf("1..%u\n", count);
    fflush(stdout);
}

/* Prints the description with '#' replaced, so it cannot be read as a directive. */
static void print_description(const char *fmt, va_list ap)
{
    char buf[TAP_LINE_MAX];
    vsnprintf(buf, sizeof buf, fmt, ap);
    for (char *p = buf; *p; p++) {
        if (*p == '#')
            *p = '_';
        else if (*p == '\n')
            *p = ' ';
    }
    if (buf[0])
        printf(" - %s", buf);
}

static int vtap_ok(int cond, const char *fmt, va_list ap)
{
    if (done)
        tap_bail_out("a test ran after tap_done()");
    run++;
    if (!cond)
        failed++;
    printf("%sok %u", cond ? "" : "not ", run);
    if (fmt)
        print_description(fmt, ap);
    putchar('\n');
    fflush(stdout);
    return cond != 0;
}

int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int result = vtap_ok(cond, fmt, ap);
    va_end(ap);
    return result;
}

int tap_is_int(long long got, long long expected, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int result = vtap_ok(got == expected, fmt, ap);
    va_end(ap);
    if (!result) {
        char g[24], e[24];
        tap_diag("     got: %s\n expected: %s", signed_text(g, got), signed_text(e, expected));
    }
    return result;
}

int tap_is_size(size_t got, size_t expected, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int result = vtap_ok(got == expected, fmt, ap);
    va_end(ap);
    if (!result) {
        char g[24], gx[24], e[24], ex[24];
        tap_diag("     got: %s (%s)\n expected: %s (%s)", unsigned_text(g, got, 10u),
                 unsigned_text(gx, got, 16u), unsigned_text(e, expected, 10u),
                 unsigned_text(ex, expected, 16u));
    }
    return result;
}

int tap_is_ptr(const void *got, const void *expected, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int result = vtap_ok(got == expected, fmt, ap);
    va_end(ap);
    if (!result)
        tap_diag("     got: %p\n expected: %p", got, expected);
    return result;
}

int tap_is_str(const char *got, const char *expected, const char *fmt, ...)
{
    int same = (got == NULL && expected == NULL) ||
               (got != NULL && expected != NULL && strcmp(got, expected) == 0);
    va_list ap;
    va_start(ap, fmt);
    int result = vtap_ok(same, fmt, ap);
    va_end(ap);
    if (!result)
        tap_diag("     got: \"%s\"\n expected: \"%s\"", got ? got : "(null)",
                 expected ? expected : "(null)");
    return result;
}

static const char *const status_names[] = {
    "CHOP_OK",
    "CHOP_ERR_NULL_ARGUMENT",
    "CHOP_ERR_BAD_REGION",
    "CHOP_ERR_BITMAP_TOO_SMALL",
    "CHOP_ERR_BITMAP_UNSUPPORTED",
    "CHOP_ERR_INVALID_LAYOUT",
    "CHOP_ERR_TOO_LARGE",
    "CHOP_ERR_OUT_OF_MEMORY",
    "CHOP_ERR_OUTSIDE_HEAP",
    "CHOP_ERR_MISALIGNED",
    "CHOP_ERR_DOUBLE_FREE",
    "CHOP_ERR_INTERIOR_POINTER",
    "CHOP_ERR_SIZE_MISMATCH",
    "CHOP_ERR_CORRUPTED",
    "CHOP_ERR_NEEDS_BITMAP",
    "CHOP_ERR_FREE_LIST_UNSUPPORTED",
};
_Static_assert(sizeof status_names / sizeof status_names[0] == CHOP_STATUS_COUNT,
               "tap_status_name() has a name for every status");

const char *tap_status_name(chop_status status)
{
    static char buf[2][40];
    static int which;
    char digits[24];
    long long value = (long long)status;
    if (value >= 0 && value < (long long)(sizeof status_names / sizeof status_names[0]))
        return status_names[value];
    which ^= 1;
    snprintf(buf[which], sizeof buf[which], "(status %s)", signed_text(digits, value));
    return buf[which];
}

int tap_is_status(chop_status got, chop_status expected, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int result = vtap_ok(got == expected, fmt, ap);
    va_end(ap);
    if (!result) {
        const char *g = tap_status_name(got);
        tap_diag("     got: %s", g);
        tap_diag(" expected: %s", tap_status_name(expected));
    }
    return result;
}

static int stats_field(const char *name, size_t got, size_t expected, int verbose)
{
    if (got == expected)
        return 1;
    if (verbose) {
        char g[24], e[24];
        tap_diag("   %s: got %s, expected %s", name, unsigned_text(g, got, 10u),
                 unsigned_text(e, expected, 10u));
    }
    return 0;
}

static int compare_stats(const chop_stats *got, const chop_stats *expected, int verbose)
{
    int same = 1;
    same &= stats_field("managed_bytes", got->managed_bytes, expected->managed_bytes, verbose);
    same &= stats_field("unusable_bytes", got->unusable_bytes, expected->unusable_bytes, verbose);
    same &= stats_field("free_bytes", got->free_bytes, expected->free_bytes, verbose);
    same &=
        stats_field("allocated_bytes", got->allocated_bytes, expected->allocated_bytes, verbose);
    same &= stats_field("largest_free_block", got->largest_free_block, expected->largest_free_block,
                        verbose);
    same &=
        stats_field("live_allocations", got->live_allocations, expected->live_allocations, verbose);
    same &= stats_field("peak_allocated_bytes", got->peak_allocated_bytes,
                        expected->peak_allocated_bytes, verbose);
    same &=
        stats_field("failed_requests", got->failed_requests, expected->failed_requests, verbose);
    for (unsigned k = 0; k < (unsigned)CHOPALLOC_MAX_ORDER; k++) {
        char name[32];
        snprintf(name, sizeof name, "free_blocks[%u]", k);
        same &= stats_field(name, got->free_blocks[k], expected->free_blocks[k], verbose);
    }
    return same;
}

int tap_is_stats(const chop_stats *got, const chop_stats *expected, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int result = vtap_ok(compare_stats(got, expected, 0), fmt, ap);
    va_end(ap);
    if (!result)
        compare_stats(got, expected, 1);
    return result;
}

void tap_skip(unsigned count, const char *why, ...)
{
    char buf[TAP_LINE_MAX];
    va_list ap;
    va_start(ap, why);
    vsnprintf(buf, sizeof buf, why, ap);
    va_end(ap);
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '#')
            *p = ' ';
    for (unsigned i = 0; i < count; i++) {
        run++;
        printf("ok %u # SKIP %s\n", run, buf);
    }
    fflush(stdout);
}

/* Prints each line of the message with a "# " prefix. */
static void vdiag(const char *fmt, va_list ap)
{
    char buf[4 * TAP_LINE_MAX];
    vsnprintf(buf, sizeof buf, fmt, ap);
    const char *line = buf;
    for (;;) {
        const char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        printf("# %.*s\n", len, line);
        if (!nl)
            break;
        line = nl + 1;
    }
    fflush(stdout);
}

void tap_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(fmt, ap);
    va_end(ap);
}

void tap_bail_out(const char *fmt, ...)
{
    char buf[TAP_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    printf("Bail out! %s\n", buf);
    fflush(stdout);
    exit(255);
}

int tap_done(void)
{
    if (done)
        return failed != 0 || (plan_printed && planned != run);
    done = 1;
    if (!plan_printed) {
        printf("1..%u\n", run);
        planned = run;
        plan_printed = 1;
    }
    if (failed)
        tap_diag("Looks like you failed %u test%s of %u.", failed, failed == 1 ? "" : "s", run);
    if (planned != run)
        tap_diag("Looks like you planned %u test%s but ran %u.", planned, planned == 1 ? "" : "s",
                 run);
    fflush(stdout);
    return (failed != 0 || planned != run) ? 1 : 0;
}

unsigned tap_count(void)
{
    return run;
}

unsigned tap_failures(void)
{
    return failed;
}
