/*
 * bench/peer_o1heap.c: o1heap, for make bench to compare with (configure --with-o1heap=DIR).
 * SPDX-License-Identifier: MIT
 *
 * Not part of chopalloc: this file only compiles o1heap's own o1heap.c, found on the
 * include path (-I DIR), as the benchmark measures it: asserts off (o1heap.c lets
 * O1HEAP_ASSERT be defined; NDEBUG turns off the standard assert it defaults to), no
 * tracing hooks, its defaults otherwise.  Built with this build's CPPFLAGS and CFLAGS.
 */
#ifndef NDEBUG
#define NDEBUG 1
#endif
#define O1HEAP_ASSERT(x) ((void)0)
#define O1HEAP_TRACE 0

#include "o1heap.c"
