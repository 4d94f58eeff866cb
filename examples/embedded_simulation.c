/*
 * embedded_simulation: a small firmware's heap, simulated on the host.
 * SPDX-License-Identifier: MIT
 *
 * All memory is static: a 16 KiB pool, its bitmap and the heap structure.
 * At boot the firmware allocates its task control blocks and stacks and a DMA
 * buffer that must be aligned to 512 bytes.  Then, tick by tick, network
 * packets of varying sizes arrive (each one is copied out of the DMA buffer
 * into a freshly allocated block) and are processed and freed later.  At a busy
 * moment, a firmware-update task needs one large buffer for a while.
 *
 * A deterministic generator (xorshift32, fixed seed) drives the traffic, so
 * every run prints the same numbers.  A full pool is a normal event here: the
 * packet is dropped and counted.  Anything that breaks the allocator's promises
 * (an unexpected status, a misaligned block, a packet whose bytes changed while
 * it waited, a failed chop_check) ends the program with exit status 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chopalloc.h"

#define POOL_BYTES (16u * 1024u)
#define TASKS 4u
#define STACK_BYTES 512u
#define DMA_BYTES 1536u /* one Ethernet frame */
#define DMA_ALIGN 512u  /* what a DMA engine might demand */
#define UPDATE_BYTES 4096u
#define QUEUE_MAX 32u
#define TICKS 6000u
#define UPDATE_START 1300u
#define UPDATE_TICKS 1000u
#define NEEDED_ORDER 14 /* the 16 KiB pool as one block */

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fflush(stdout);                                                              \
            fprintf(stderr, "embedded_simulation: FAILED: %s:%d: %s\n", __FILE__, __LINE__, \
                    #cond);                                                              \
            exit(EXIT_FAILURE);                                                          \
        }                                                                                \
    } while (0)

#if CHOPALLOC_MAX_ORDER - 1 < NEEDED_ORDER

int main(void)
{
    printf("embedded_simulation: skipped: the example needs %u-byte blocks, but this build's "
           "largest block is %zu bytes (configure --with-max-order=%d or more)\n",
           POOL_BYTES, CHOP_LARGEST_BLOCK_SIZE, NEEDED_ORDER + 1);
    return 0;
}

#else

/* ---- static memory: nothing here is allocated at run time ------------------------ */

static chop_heap heap;
static _Alignas(POOL_BYTES) unsigned char pool[POOL_BYTES];
#if CHOPALLOC_HAVE_BITMAP
static uint64_t pool_bitmap[CHOP_BITMAP_WORDS(POOL_BYTES)];
#endif

/* ---- the heap behind a critical section ----------------------------------------- */

/*
 * chopalloc is not thread-safe.  Firmware that allocates from interrupt handlers
 * and tasks wraps every call, for example with __disable_irq()/__enable_irq() on a
 * Cortex-M.  Here the "interrupt mask" is a counter that the simulation checks.
 */
static unsigned irq_masked;

static void irq_disable(void)
{
    irq_masked++;
}

static void irq_enable(void)
{
    CHECK(irq_masked > 0u);
    irq_masked--;
}

static chop_status pool_alloc(size_t size, size_t align, void **out)
{
    irq_disable();
    chop_status status = chop_try_allocate(&heap, size, align, out);
    irq_enable();
    CHECK(status == CHOP_OK || status == CHOP_ERR_OUT_OF_MEMORY);
    CHECK(status != CHOP_OK || (uintptr_t)*out % align == 0u);
    return status;
}

static void pool_free(void *p, size_t size, size_t align)
{
    irq_disable();
    chop_status status = chop_try_deallocate(&heap, p, size, align);
    irq_enable();
    if (status != CHOP_OK) {
        fflush(stdout);
        fprintf(stderr, "embedded_simulation: FAILED: chop_try_deallocate: %s\n",
                chop_strerror(status));
        exit(EXIT_FAILURE);
    }
}

static size_t offset_of(const void *p)
{
    return (size_t)((const unsigned char *)p - pool);
}

static size_t block_size_for(size_t size, size_t align)
{
    size_t block = CHOP_MIN_BLOCK_SIZE;
    while (block < size || block < align)
        block *= 2u;
    return block;
}

/* ---- deterministic traffic ------------------------------------------------------ */

static uint32_t rng_state = 0x2545F491u;

static uint32_t rng(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

/* Mostly small packets (ACKs, sensor reports), some full-size frames. */
static size_t packet_size(void)
{
    uint32_t r = rng();
    if (r % 10u < 7u)
        return 20u + (size_t)(rng() % 181u);  /* 20..200 bytes */
    return 200u + (size_t)(rng() % 1319u);    /* 200..1518 bytes */
}

/* ---- the firmware's objects ------------------------------------------------------- */

struct tcb {
    uint32_t id;
    uint8_t priority;
    uint8_t state;
    uint16_t stack_bytes;
    uint32_t *stack;
    uint32_t activations;
    char name[12];
};

struct packet {
    uint8_t *data;
    size_t size;
    uint32_t seq;
};

static struct tcb *tasks[TASKS];
static uint8_t *dma_buffer;
static struct packet queue[QUEUE_MAX]; /* a ring of packets waiting to be processed */
static unsigned queue_head, queue_len;

/* Counters for the summary. */
static unsigned long received, delivered, dropped_oom, dropped_full, oom_fragmented;
static size_t peak_queue, worst_frag_percent;
static size_t requested_bytes, block_bytes; /* of all packets allocated */

static void create_task(unsigned i, const char *name, uint8_t priority)
{
    void *p;
    CHECK(pool_alloc(sizeof(struct tcb), _Alignof(struct tcb), &p) == CHOP_OK);
    struct tcb *t = p;
    CHECK(pool_alloc(STACK_BYTES, 8u, &p) == CHOP_OK);
    t->id = i + 1u;
    t->priority = priority;
    t->state = 0;
    t->stack_bytes = (uint16_t)STACK_BYTES;
    t->stack = p;
    t->activations = 0;
    memset(t->name, 0, sizeof t->name);
    strncpy(t->name, name, sizeof t->name - 1u);
    for (size_t w = 0; w < STACK_BYTES / sizeof(uint32_t); w++)
        t->stack[w] = 0xDEADBEEFu; /* stack painting, as for a high-water mark */
    tasks[i] = t;
    printf("  task %u %-8s TCB %2zu bytes at offset %5zu, %u-byte stack at offset %5zu\n",
           (unsigned)t->id, t->name, sizeof *t, offset_of(t), STACK_BYTES, offset_of(t->stack));
}

static void destroy_task(unsigned i)
{
    struct tcb *t = tasks[i];
    for (size_t w = 0; w < STACK_BYTES / sizeof(uint32_t); w++)
        CHECK(t->stack[w] == 0xDEADBEEFu); /* nobody wrote over the stack */
    pool_free(t->stack, STACK_BYTES, 8u);
    pool_free(t, sizeof(struct tcb), _Alignof(struct tcb));
    tasks[i] = NULL;
}

/* An interrupt: a frame lands in the DMA buffer and is copied into a packet. */
static void receive_packet(uint32_t seq)
{
    size_t size = packet_size();
    void *p;

    received++;
    tasks[1]->activations++;
    memset(dma_buffer, (int)(seq & 0xFFu), size);
    if (queue_len == QUEUE_MAX) {
        dropped_full++;
        return;
    }
    if (pool_alloc(size, 4u, &p) != CHOP_OK) {
        chop_stats s;
        chop_get_stats(&heap, &s);
        dropped_oom++;
        if (s.free_bytes >= block_size_for(size, 4u))
            oom_fragmented++; /* enough bytes, but no block large enough */
        return;
    }
    memcpy(p, dma_buffer, size);
    requested_bytes += size;
    block_bytes += block_size_for(size, 4u);
    struct packet *pk = &queue[(queue_head + queue_len) % QUEUE_MAX];
    pk->data = p;
    pk->size = size;
    pk->seq = seq;
    queue_len++;
    if (queue_len > peak_queue)
        peak_queue = queue_len;
}

/* The network task: checks and frees the oldest packet. */
static void process_packet(void)
{
    struct packet *pk = &queue[queue_head];
    tasks[2]->activations++;
    for (size_t i = 0; i < pk->size; i++)
        CHECK(pk->data[i] == (uint8_t)(pk->seq & 0xFFu));
    pool_free(pk->data, pk->size, 4u);
    queue_head = (queue_head + 1u) % QUEUE_MAX;
    queue_len--;
    delivered++;
}

static void report(unsigned tick)
{
    chop_stats s;
    chop_get_stats(&heap, &s);
    printf("  tick %4u: queue %2u, %5zu bytes in use, largest free block %5zu\n",
           tick, queue_len, s.allocated_bytes, s.largest_free_block);
}

int main(void)
{
    chop_status status;
    chop_stats s;
    void *update_buffer = NULL;
    unsigned update_started = 0, update_retries = 0;
    uint32_t seq = 0;

    printf("embedded_simulation: %u-byte static pool, ", POOL_BYTES);
#if CHOPALLOC_HAVE_BITMAP
    status = chop_init(&heap, pool, sizeof pool, pool_bitmap,
                       sizeof pool_bitmap / sizeof pool_bitmap[0]);
    printf("bitmap mode (%zu bytes of bitmap)\n", sizeof pool_bitmap);
#else
    status = chop_init(&heap, pool, sizeof pool, NULL, 0);
    printf("free-list mode (this library was built with --disable-bitmap)\n");
#endif
    CHECK(status == CHOP_OK);

    /* Boot: tasks and the DMA buffer live for the whole run. */
    printf("boot:\n");
    create_task(0, "idle", 0);
    create_task(1, "rx_isr", 7);
    create_task(2, "net", 5);
    create_task(3, "sensors", 3);
    void *p;
    CHECK(pool_alloc(DMA_BYTES, DMA_ALIGN, &p) == CHOP_OK);
    dma_buffer = p;
    CHECK((uintptr_t)dma_buffer % DMA_ALIGN == 0u); /* the DMA engine's requirement */
    printf("  DMA buffer %u bytes at offset %zu, aligned to %u: yes\n", DMA_BYTES,
           offset_of(dma_buffer), DMA_ALIGN);
    chop_get_stats(&heap, &s);
    printf("  after boot: %zu of %zu bytes in use\n", s.allocated_bytes, s.managed_bytes);

    printf("running %u ticks:\n", TICKS);
    for (unsigned tick = 1; tick <= TICKS; tick++) {
        /* Arrivals 0..2 per tick (mean 1); the network task keeps up only just (mean 1.125). */
        unsigned arrivals = (unsigned)(rng() % 3u);
        unsigned services = (unsigned)(rng() % 3u);
        if (rng() % 8u == 0u)
            services++;
        for (unsigned i = 0; i < arrivals; i++)
            receive_packet(seq++);
        for (unsigned i = 0; i < services && queue_len > 0u; i++)
            process_packet();
        tasks[3]->activations++;

        /* The update task wants one large buffer; it retries until it gets one. */
        if (tick >= UPDATE_START && update_started == 0u) {
            if (pool_alloc(UPDATE_BYTES, 4u, &update_buffer) == CHOP_OK) {
                update_started = tick;
                memset(update_buffer, 0x5A, UPDATE_BYTES);
                printf("  tick %4u: update task got its %u-byte buffer at offset %zu "
                       "after %u retries\n",
                       tick, UPDATE_BYTES, offset_of(update_buffer), update_retries);
            } else {
                update_retries++;
            }
        }
        if (update_started != 0u && update_buffer && tick == update_started + UPDATE_TICKS) {
            pool_free(update_buffer, UPDATE_BYTES, 4u);
            update_buffer = NULL;
            printf("  tick %4u: update task done, buffer freed\n", tick);
        }

        chop_get_stats(&heap, &s);
        if (s.free_bytes > 0u) {
            size_t frag = 100u - s.largest_free_block * 100u / s.free_bytes;
            if (frag > worst_frag_percent)
                worst_frag_percent = frag;
        }
        if (tick % 500u == 0u)
            CHECK(chop_check(&heap) == CHOP_OK);
        if (tick % 1000u == 0u)
            report(tick);
        tasks[0]->activations++;
    }
    CHECK(irq_masked == 0u);

    /* Shutdown: drain the queue, free everything, and the pool is whole again. */
    chop_get_stats(&heap, &s);
    size_t peak = s.peak_allocated_bytes;
    size_t failed = s.failed_requests;
    while (queue_len > 0u)
        process_packet();
    if (update_buffer)
        pool_free(update_buffer, UPDATE_BYTES, 4u);
    pool_free(dma_buffer, DMA_BYTES, DMA_ALIGN);
    for (unsigned i = 0; i < TASKS; i++)
        destroy_task(i);
    chop_get_stats(&heap, &s);
    CHECK(s.live_allocations == 0u);
    CHECK(s.free_bytes == s.managed_bytes);
    CHECK(s.largest_free_block == POOL_BYTES);
    CHECK(chop_check(&heap) == CHOP_OK);
    CHECK(received == delivered + dropped_oom + dropped_full);

    printf("summary:\n");
    printf("  packets: %lu received, %lu delivered, %lu dropped (%lu pool full, %lu queue full)\n",
           received, delivered, dropped_oom + dropped_full, dropped_oom, dropped_full);
    printf("  peak heap use: %zu of %u bytes (%zu%%), peak queue length %zu\n", peak, POOL_BYTES,
           peak * 100u / POOL_BYTES, peak_queue);
    printf("  failed requests: %zu (update task retries %u); %lu packet drops had enough free\n"
           "  bytes in total but no block large enough (fragmentation)\n",
           failed, update_retries, oom_fragmented);
    printf("  worst fragmentation: %zu%% of the free bytes outside the largest free block\n",
           worst_frag_percent);
    printf("  rounding to powers of two: packets used %zu%% of the bytes of their blocks\n",
           block_bytes ? requested_bytes * 100u / block_bytes : 0u);
    printf("  after shutdown: %zu of %zu bytes free in one block, chop_check OK\n", s.free_bytes,
           s.managed_bytes);
    printf("embedded_simulation: OK\n");
    return EXIT_SUCCESS;
}

#endif /* CHOPALLOC_MAX_ORDER large enough */
