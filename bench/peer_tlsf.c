/*
 * bench/peer_tlsf.c: TLSF, for make bench to compare with (configure --with-tlsf=DIR).
 * SPDX-License-Identifier: MIT
 *
 * Not part of chopalloc: this file only compiles TLSF's own tlsf.c, found on the
 * include path (-I DIR), as the benchmark measures it: asserts off (tlsf.c takes a
 * tlsf_assert defined before it; NDEBUG turns off the standard assert it defaults to).
 * Its printf() calls, which it has no switch for, are in tlsf_add_pool()'s refusals
 * and the pool walker, never in tlsf_malloc(), tlsf_realloc() or tlsf_free(): the
 * benchmark's arenas are aligned and in range, and it walks no pool, so none is
 * reached.  Built with this build's CPPFLAGS and CFLAGS.
 */
#ifndef NDEBUG
#define NDEBUG 1
#endif
#define tlsf_assert(x) ((void)0)

#include "tlsf.c"
