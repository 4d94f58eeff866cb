/*
 * A Cortex-M vector table and reset handler for newlib firmware with semihosting
 * (--specs=rdimon.specs -nostartfiles): newlib brings no Cortex-M startup of its own.
 * The memory map is newlib_cortex_m.ld's.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char __data_load[], __data_start[], __data_end[], __bss_start__[], __bss_end__[];
extern char __StackTop[];
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);
int main(void);

void Reset_Handler(void);
void Fault_Handler(void);
void _init(void);
void _fini(void);

/* crtbegin.o's, left out with the rest of the start files: C++'s static objects
 * register their destructors against it. */
__attribute__((visibility("hidden"))) void *__dso_handle = &__dso_handle;

/* __libc_init_array() and exit() call these; the .init_array sections do the work. */
void _init(void)
{
}

void _fini(void)
{
}

void Reset_Handler(void)
{
    memcpy(__data_start, __data_load, (size_t)(__data_end - __data_start));
    memset(__bss_start__, 0, (size_t)(__bss_end__ - __bss_start__));
    initialise_monitor_handles();
    __libc_init_array();
    exit(main());
}

/* Any fault or unexpected interrupt: say so through semihosting, stop with status 3. */
void Fault_Handler(void)
{
    static const char message[] = "newlib_startup: fault\n";
    (void)write(2, message, sizeof message - 1);
    _exit(3);
}

__attribute__((section(".vectors"), used)) void (*const vector_table[16])(void) = {
    (void (*)(void))(void *)__StackTop, Reset_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler,
    Fault_Handler, 0, Fault_Handler, Fault_Handler,
};
