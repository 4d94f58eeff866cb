/*
 * What a test program needs on an ATmega2560 under simavr (tools/avr-check.sh):
 * stdout on UART0, whose bytes simavr prints on the host; RAM painted so that
 * tests/test_small.c can tell how close the stack came to the static data; and a
 * clean stop at exit, which simavr takes as the end of the run.
 * SPDX-License-Identifier: MIT
 */
#include <avr/io.h>
#include <stdint.h>
#include <stdio.h>

#define STACK_PAINT 0xA5u

extern unsigned char __heap_start;

static int uart_putchar(char c, FILE *stream)
{
    (void)stream;
    while (!(UCSR0A & (1u << UDRE0))) {
    }
    UDR0 = (uint8_t)c;
    return 0;
}

static FILE uart_stdout = FDEV_SETUP_STREAM(uart_putchar, NULL, _FDEV_SETUP_WRITE);

/* Runs before main (avr-libc calls constructors from .init6). */
__attribute__((constructor)) static void avr_glue_start(void)
{
    UCSR0B = (uint8_t)(1u << TXEN0);
    stdout = &uart_stdout;

    /* Paint from the end of the static data up to a little below this frame. */
    volatile unsigned char *p = &__heap_start;
    volatile unsigned char *top = (volatile unsigned char *)SP - 32;
    while (p < top)
        *p++ = STACK_PAINT;
}

/*
 * After exit() and before avr-libc's final endless loop: sleep with interrupts off,
 * which simavr reports as "sleeping with interrupts off, quitting gracefully".
 */
__attribute__((naked, used, section(".fini1"))) static void avr_glue_stop(void)
{
    __asm__ __volatile__("cli");
    SMCR = (uint8_t)(1u << SE);
    __asm__ __volatile__("sleep");
}
