/*
 * Diagnostics: the trace and fault-injection hooks of chop_set_hooks().
 * SPDX-License-Identifier: MIT
 *
 * A heap with hooks runs its calls through chopi_traced_path (H1, internal.h): ask the
 * fault hook, take the lock, do the work in its region (R1), release the lock, report to
 * the trace hook.
 * Only chop_set_hooks() names that path, so none of this file reaches a firmware that
 * does not call it.
 */
#include "internal.h"

static int ask_fail(const chop_heap *heap, size_t size, size_t align)
{
    const chop_hooks *hooks = heap->hooks;
    return hooks->fail && chopi_layout_block(size, align) != 0 &&
           hooks->fail(hooks->ctx, size, align) != 0;
}

CHOPI_NO_LIBCALLS
static void report(const chop_heap *heap, chop_event_kind kind, chop_status status, void *ptr,
                   void *old_ptr, size_t size, size_t block_size, size_t old_block_size,
                   const void *caller)
{
    const chop_hooks *hooks = heap->hooks;
    if (!hooks->trace)
        return;
    chop_event event;
    event.kind = kind;
    event.status = status;
    event.ptr = ptr;
    event.old_ptr = old_ptr;
    event.size = size;
    event.block_size = status == CHOP_OK ? block_size : 0u;
    event.old_block_size = status == CHOP_OK ? old_block_size : 0u;
    event.caller = caller;
    hooks->trace(hooks->ctx, &event);
}

static chop_status allocate_traced(chop_heap *heap, size_t size, size_t align, void **out,
                                   const void *caller)
{
    chop_status status = CHOP_ERR_OUT_OF_MEMORY;
    int fail = ask_fail(heap, size, align);
    chopi_lock(heap);
    if (fail)
        heap->failed_requests++; /* refused as a full heap would be */
    else
        status = chopi_allocate_anywhere(heap, size, align, out);
    chopi_unlock(heap);
    report(heap, CHOP_EVENT_ALLOCATE, status, *out, NULL, size,
           chopi_layout_block(size, align), 0, caller);
    return status;
}

static chop_status deallocate_traced(chop_heap *heap, void *ptr, size_t size, size_t align,
                                     const void *caller)
{
    unsigned order = 0;
    chop_status status = chopi_layout_order(size, align, &order);
    if (status == CHOP_OK) {
        chopi_lock(heap);
        status = chopi_deallocate(chopi_region_of(heap, (uintptr_t)ptr), (uintptr_t)ptr, order);
        chopi_unlock(heap);
    }
    report(heap, CHOP_EVENT_FREE, status, ptr, NULL, size, chopi_size_of(order), 0, caller);
    return status;
}

static chop_status free_traced(chop_heap *heap, uintptr_t addr, const void *caller)
{
    unsigned order = 0;
    chopi_lock(heap);
    chop_heap *region = chopi_region_of(heap, addr);
    chop_status status = chopi_live_block(region, addr, &order);
    if (status == CHOP_OK)
        chopi_free_block(region, addr, order);
    chopi_unlock(heap);
    report(heap, CHOP_EVENT_FREE, status, (void *)addr, NULL, 0, chopi_size_of(order), 0,
           caller);
    return status;
}

const chopi_path chopi_traced_path = { allocate_traced, deallocate_traced, free_traced,
                                       ask_fail, report };

void chop_set_hooks(chop_heap *heap, const chop_hooks *hooks)
{
    if (!heap)
        return;
    heap->hooks = hooks;
    heap->path = hooks ? &chopi_traced_path : chopi_untraced_path(heap);
}
