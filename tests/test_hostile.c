/*
 * A catalogue of hostile inputs: every bad argument a user can pass to chopalloc,
 * each with the exact status it must get and proof that the heap did not change.
 * SPDX-License-Identifier: MIT
 *
 * The cases are tables (see "The catalogue" below): a name, the call, and the status
 * expected in bitmap mode and in free-list mode.  Every case that takes a heap runs
 * in both modes against the same "scene", a heap holding live, freed and merged
 * blocks.  A refused call must leave that heap exactly as it was:
 *
 *   - chop_check() is CHOP_OK;
 *   - chop_get_stats() is as before, but for failed_requests, which a refused
 *     allocation (given a heap and an out pointer) increments by exactly one;
 *   - the chop_heap's bytes are as before (with that one increment), and so is every
 *     word of the bitmap and of the guard words after it;
 *   - every live block still holds the pattern written into its requested bytes;
 *   - draining: a twin heap, built by the same calls on a second arena with the same
 *     alignment but never given the hostile call, and the heap under test are both
 *     filled with minimum blocks until CHOP_ERR_OUT_OF_MEMORY; the two drains must
 *     hand out the same number of blocks at the same offsets from the region's
 *     start, and afterwards every block (drained and live) must free in both.
 *
 * Free-list mode cannot detect a pointer inside a live allocation, or a layout
 * smaller than the allocation, when the claimed block lies wholly in live memory
 * (README, "What free-list mode cannot detect").  The tables say so explicitly
 * (FL_ACCEPTS): for those cases the test asserts the documented outcome — the free
 * is accepted, and the next allocation of that layout hands out the live memory.
 *
 * Every live case runs four times: on plain heaps; on heaps with diagnostics hooks
 * (chop_set_hooks()) whose trace hook must hear of each traced call exactly once, with
 * the status the call returned, and whose fault hook never fails; again with a fault
 * hook that fails every allocation the hostile call asks about, which must not change
 * its status; and with the scene in a region added to the heap (chop_add_region()).
 *
 * The library may poison free blocks for memcheck and AddressSanitizer, so this
 * program reads and writes region memory only through the requested bytes of blocks
 * it holds.  Other pointers are given to the library (which compares addresses) but
 * never dereferenced.  chop_init() refusals use a scratch buffer that no call ever
 * turns into a heap, so that buffer may be read back in full.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "chopalloc.h"
#include "tap.h"
#include "testlib.h"

/* ------------------------------------------------------------------------------ */
/* Memory.                                                                          */

#define ARENA_SIZE 8192u
#define REGION_OFFSET 5u /* an odd start: the region has an unusable head and tail */
/* The scene scales with the largest block.  big is a block of BIG bytes: 1 KiB, or a
 * quarter of the largest block where that is smaller, so that the region (four times
 * BIG, in roots of up to 2 * BIG) never holds a block of the largest size.  The other
 * blocks keep their sizes: a (A_BLOCK bytes), al (a minimum block aligned to AL), c, p,
 * x, y, m1, m2, lo, q1 and lo2, each taking a root (or part of one) of its own size
 * below big's; so big must be at least 2 * AL, and the scene needs blocks of
 * SCENE_NEEDS = 4 * 2 * AL bytes. */
#define BIG (LARGEST / 4u < 1024u ? LARGEST / 4u : (size_t)1024u)
#define BIG_SIZE (BIG - BIG / 32u * 3u / 4u) /* 1000 in a 1 KiB block */
#define A_BLOCK 128u
#define A_SIZE 100u
#define AL 256u
#define SCENE_NEEDS (8u * AL)
#define REGION_SIZE (4u * BIG + 2u * MIN_BLOCK)
#define REGION_WORDS CHOP_BITMAP_WORDS(REGION_SIZE)
#define GUARD_WORDS 4u
#define GUARD UINT64_C(0xC0FFEE00DEADBEEF)
#define MAX_DRAIN (ARENA_SIZE / MIN_BLOCK)

/* The hooks pass: whether the scene's heaps get hooks, and what the trace hook heard. */
static int hooked_pass;
static unsigned traced_calls;
static chop_status traced_status;

static void hear(void *ctx, const chop_event *event)
{
    (void)ctx;
    traced_calls++;
    traced_status = event->status;
}

static int never_fail(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    (void)size;
    (void)align;
    return 0;
}

static const chop_hooks listening = { hear, never_fail, NULL };

/* The faults pass: hooks whose fault hook fails every allocation during the hostile
 * call (and none while the scene is built or drained), which must change nothing: a
 * refused call is refused for its own reason first. */
static int faults_pass;
static int in_hostile_call;

static int fail_hostile_calls(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    (void)size;
    (void)align;
    return in_hostile_call;
}

static const chop_hooks failing = { hear, fail_hostile_calls, NULL };

/* The regions pass: the scene lies in a region added to a heap whose own region, a
 * decoy of one minimum block, is allocated before the scene, so that every block of
 * the scene, and of the drains, comes from the added region. */
static int regions_pass;
static _Alignas(MIN_BLOCK) unsigned char decoys[2][MIN_BLOCK];
static uint64_t decoy_bitmaps[2][CHOP_BITMAP_WORDS(MIN_BLOCK)];

/* [0]: the heap under test; [1]: its twin.  Same alignment, same offsets. */
static _Alignas(4096) unsigned char arenas[2][ARENA_SIZE];
static uint64_t bitmaps[2][REGION_WORDS + GUARD_WORDS];

/* chop_init refusals only: never made into a heap, so it may be read back whole. */
#define SCRATCH_SIZE 8192u
#define SCRATCH_FILL 0x3C
static _Alignas(4096) unsigned char scratch[SCRATCH_SIZE];
static uint64_t init_bitmap[CHOP_BITMAP_WORDS(SCRATCH_SIZE) + GUARD_WORDS];

/* Each used once, for a chop_init() that must succeed: a bitmap or a chop_heap right
 * next to the region, touching it but not overlapping. */
#define ADJ_REGION 1024u
#if CHOPALLOC_HAVE_BITMAP
static struct {
    uint64_t bitmap[CHOP_BITMAP_WORDS(ADJ_REGION)];
    unsigned char region[ADJ_REGION];
} adj_bitmap;
#endif
static struct {
    chop_heap heap;
    unsigned char region[ADJ_REGION];
} adj_heap_before;
static struct {
    unsigned char region[ADJ_REGION];
    chop_heap heap;
} adj_heap_after;

/* ------------------------------------------------------------------------------ */
/* The scene: the same calls build the heap under test and its twin.              */

enum slot { S_BIG, S_A, S_C, S_P, S_X, S_Y, S_M1, S_M2, S_AL, S_LO, S_Q1, S_LO2, N_SLOTS };

static const struct {
    const char *name;
    size_t size, align;
} slot_layout[N_SLOTS] = {
    [S_BIG] = {"big", BIG_SIZE, 1},        /* a block of BIG bytes */
    [S_A] = {"a", A_SIZE, 1},              /* a block of A_BLOCK bytes */
    [S_C] = {"c", 3u * MIN_BLOCK, 1},      /* 4 minimum blocks */
    [S_P] = {"p", 1, 1},                   /* a minimum-block root */
    [S_X] = {"x", 1, 1},                   /* x and y: buddies; x is freed again */
    [S_Y] = {"y", 1, 1},
    [S_M1] = {"m1", 1, 1},                 /* m1 and m2: buddies, both freed: merged */
    [S_M2] = {"m2", 1, 1},
    [S_AL] = {"al", MIN_BLOCK, AL},        /* small, but aligned: a block of AL */
    [S_LO] = {"lo", MIN_BLOCK, 1},         /* lo and q1: live buddies */
    [S_Q1] = {"q1", 1, 1},
    [S_LO2] = {"lo2", MIN_BLOCK, 1},       /* lo2: live, its buddy free */
};

static const struct {
    int free;
    enum slot slot;
} scene[] = {
    {0, S_BIG}, {0, S_A},  {0, S_C},  {0, S_P},  {0, S_X},   {0, S_Y},  {0, S_M1}, {0, S_M2},
    {0, S_AL},  {0, S_LO}, {0, S_Q1}, {0, S_LO2}, {1, S_X}, {1, S_M1}, {1, S_M2},
};

struct side {
    chop_heap heap;
    chop_region region; /* the regions pass: where the scene lies */
    void *decoy;        /* the regions pass: the decoy's block, live */
    unsigned char *mem;
    uint64_t *bitmap;
    void *blk[N_SLOTS];
    int live[N_SLOTS];
};

struct fixture {
    int mode;
    struct side side[2];
};

static size_t block_of(enum slot s)
{
    return pow2(expected_order(slot_layout[s].size, slot_layout[s].align));
}

static void build_side(struct side *sd, int mode, int which)
{
    sd->mem = arenas[which] + REGION_OFFSET;
    sd->bitmap = bitmaps[which];
    for (size_t i = 0; i < REGION_WORDS + GUARD_WORDS; i++)
        sd->bitmap[i] = GUARD;
    int bm = mode == MODE_BITMAP;
    chop_status s;
    if (regions_pass) {
        s = chop_init(&sd->heap, decoys[which], MIN_BLOCK, bm ? decoy_bitmaps[which] : NULL,
                      bm ? CHOP_BITMAP_WORDS(MIN_BLOCK) : 0u);
        if (s == CHOP_OK)
            s = chop_add_region(&sd->heap, &sd->region, sd->mem, REGION_SIZE,
                                bm ? sd->bitmap : NULL, bm ? REGION_WORDS : 0u);
        sd->decoy = NULL;
        if (s == CHOP_OK)
            s = chop_try_allocate(&sd->heap, 1, 1, &sd->decoy);
        if (s == CHOP_OK && sd->decoy != decoys[which])
            s = CHOP_ERR_CORRUPTED;
    } else {
        s = chop_init(&sd->heap, sd->mem, REGION_SIZE, bm ? sd->bitmap : NULL,
                      bm ? REGION_WORDS : 0u);
    }
    if (s != CHOP_OK)
        tap_bail_out("%s: scene: chop_init: %s", mode_name(mode), tap_status_name(s));
    if (hooked_pass)
        chop_set_hooks(&sd->heap, faults_pass ? &failing : &listening);
    for (size_t i = 0; i < N_SLOTS; i++) {
        sd->blk[i] = NULL;
        sd->live[i] = 0;
    }
    for (size_t i = 0; i < sizeof scene / sizeof scene[0]; i++) {
        enum slot sl = scene[i].slot;
        size_t size = slot_layout[sl].size, align = slot_layout[sl].align;
        if (scene[i].free) {
            s = chop_try_deallocate(&sd->heap, sd->blk[sl], size, align);
            sd->live[sl] = 0;
        } else {
            s = chop_try_allocate(&sd->heap, size, align, &sd->blk[sl]);
            if (s == CHOP_OK) {
                fill(sd->blk[sl], size, (unsigned)sl + 1u);
                sd->live[sl] = 1;
            }
        }
        if (s != CHOP_OK)
            tap_bail_out("%s: scene step %zu (%s): %s", mode_name(mode), i,
                         slot_layout[sl].name, tap_status_name(s));
    }
}

static void build(struct fixture *fx, int mode)
{
    fx->mode = mode;
    build_side(&fx->side[0], mode, 0);
    build_side(&fx->side[1], mode, 1);
}

static uintptr_t slot_addr(const struct fixture *fx, enum slot s)
{
    return (uintptr_t)fx->side[0].blk[s];
}

/* Whether [a, a+len) overlaps a block live in the scene. */
static int hits_live(const struct fixture *fx, uintptr_t a, size_t len)
{
    for (int s = 0; s < N_SLOTS; s++)
        if (fx->side[0].live[s] && slot_addr(fx, (enum slot)s) < a + len &&
            a < slot_addr(fx, (enum slot)s) + block_of((enum slot)s))
            return 1;
    return 0;
}

/* The expectations in the tables rest on these facts about the scene. */
static void check_scene(int mode)
{
    struct fixture fx;
    build(&fx, mode);
    uintptr_t big = slot_addr(&fx, S_BIG), al = slot_addr(&fx, S_AL), c = slot_addr(&fx, S_C);
    uintptr_t x = slot_addr(&fx, S_X), y = slot_addr(&fx, S_Y);
    uintptr_t m1 = slot_addr(&fx, S_M1), m2 = slot_addr(&fx, S_M2);
    uintptr_t lo = slot_addr(&fx, S_LO), q1 = slot_addr(&fx, S_Q1), lo2 = slot_addr(&fx, S_LO2);
    uintptr_t p = slot_addr(&fx, S_P);
    int same = 1;
    for (int s = 0; s < N_SLOTS; s++)
        same &= (uintptr_t)fx.side[0].blk[s] - (uintptr_t)fx.side[0].mem ==
                (uintptr_t)fx.side[1].blk[s] - (uintptr_t)fx.side[1].mem;
    int ok = same && (x ^ y) == MIN_BLOCK && x < y && (m1 ^ m2) == MIN_BLOCK &&
             big % BIG == 0 && big % (2u * BIG) != 0 && al % AL == 0 && al % (2u * AL) != 0 &&
             p % (2u * MIN_BLOCK) != 0 && c % (8u * MIN_BLOCK) != 0 &&
             lo % (4u * MIN_BLOCK) == 0 && q1 == lo + MIN_BLOCK && lo2 == lo + 2u * MIN_BLOCK &&
             !hits_live(&fx, lo2 + MIN_BLOCK, MIN_BLOCK);
    if (!tap_ok(ok, "%s: scene: both heaps alike; x,y and m1,m2 buddies; lo,q1 live buddies;"
                    " lo2 live beside its free buddy; big, al, c, p not aligned beyond their"
                    " blocks",
                mode_name(mode)))
        tap_bail_out("the catalogue's expectations assume this scene");
}

/* ------------------------------------------------------------------------------ */
/* The catalogue.                                                                   */

/* CALL_REALLOC: a free case run again through chop_try_reallocate(), with the case's
 * layout as the old one and a new size of one minimum block: its old block is checked
 * exactly as a free checks it, so every refused free must be refused alike. */
enum call { CALL_ALLOC, CALL_FREE, CALL_INIT, CALL_CHECK, CALL_REALLOC };

/* Where a pointer argument points: base + off, computed as an integer. */
enum base {
    B_NULL,       /* NULL (off 0) */
    B_SLOT,       /* a scene block of the heap under test */
    B_TWIN,       /* the same block in the twin: another heap's live block */
    B_START,      /* the heap's first managed byte */
    B_END,        /* one past its last managed byte */
    B_REGION,     /* the first byte of the region given to chop_init */
    B_REGION_END, /* one past the region's last byte */
    B_TOP,        /* 2^N: with a negative off, the top of the address space */
    B_ZERO,       /* address 0: with a positive off, a tiny address */
    B_STACK,      /* a local variable */
    B_HEAP,       /* the chop_heap structure itself */
    B_BITMAP      /* the heap's bitmap store */
};

/* One argument becomes a series of calls, each checked in full. */
enum sweep {
    SW_NONE,
    SW_MIN_STEPS,  /* pointer + k * MIN_BLOCK for every k inside the slot's block */
    SW_BYTE_STEPS, /* pointer + 1 .. MIN_BLOCK - 1 */
    SW_BAD_ALIGNS  /* every alignment in [0, BAD_ALIGN_MAX] that is not a power of two */
};
#define BAD_ALIGN_MAX 1025u

#define F_HEAP_NULL 1u /* pass NULL for the heap */
#define F_OUT_NULL 2u  /* pass NULL for chop_try_allocate's out */

struct live_case {
    const char *name;
    enum call call;
    unsigned flags;
    enum base base; /* FREE: the pointer; INIT: the region */
    int slot;
    intptr_t off;
    size_t size, align;  /* ALLOC, FREE: the layout; INIT: size is the region's */
    enum base bm_base;   /* INIT: the bitmap (B_NULL, B_BITMAP or B_START + bm_off) */
    intptr_t bm_off;
    size_t words;        /* INIT: bitmap words */
    enum sweep sweep;
    chop_status bitmap, freelist; /* the expected status in each mode */
};

#define BOTH(s) .bitmap = (s), .freelist = (s)
#define SLOT(sl) .base = B_SLOT, .slot = (sl)
#define SLOT_AT(sl, o) .base = B_SLOT, .slot = (sl), .off = (intptr_t)(o)
#define AT(b, o) .base = (b), .off = (intptr_t)(o)
#define LAYOUT(s, a) .size = (s), .align = (a)
#define MINB MIN_BLOCK
#define BIG_LAYOUT LAYOUT(BIG_SIZE, 1)
#define P63 (SIZE_MAX / 2u + 1u) /* 2^63 with a 64-bit size_t */

/* Free-list mode accepts these frees: the claimed block lies wholly in live memory
 * (README, "What free-list mode cannot detect"). */
#define FL_ACCEPTS CHOP_OK

/* Statuses that depend on the build. */
#define HAVE_BITMAP_OR_UNSUPPORTED(s) (CHOPALLOC_HAVE_BITMAP ? (s) : CHOP_ERR_BITMAP_UNSUPPORTED)
#define TOO_LARGE_IF_ABOVE(v, otherwise) ((v) > LARGEST ? CHOP_ERR_TOO_LARGE : (otherwise))
/* 2 * LARGEST wraps to 0 when the largest block is 2^(N-1). */
#define TWICE_LARGEST (LARGEST <= SIZE_MAX / 2u ? LARGEST * 2u : 0u)
#define TWICE_LARGEST_STATUS \
    (LARGEST <= SIZE_MAX / 2u ? CHOP_ERR_TOO_LARGE : CHOP_ERR_INVALID_LAYOUT)

static const struct live_case null_cases[] = {
    {"allocate: heap NULL", CALL_ALLOC, F_HEAP_NULL, LAYOUT(16, 1), BOTH(CHOP_ERR_NULL_ARGUMENT)},
    {"allocate: out NULL", CALL_ALLOC, F_OUT_NULL, LAYOUT(16, 1), BOTH(CHOP_ERR_NULL_ARGUMENT)},
    {"allocate: heap and out NULL", CALL_ALLOC, F_HEAP_NULL | F_OUT_NULL, LAYOUT(16, 1),
     BOTH(CHOP_ERR_NULL_ARGUMENT)},
    {"allocate: heap NULL, size 0, align 3 (NULL first)", CALL_ALLOC, F_HEAP_NULL, LAYOUT(0, 3),
     BOTH(CHOP_ERR_NULL_ARGUMENT)},
    {"allocate: out NULL, size SIZE_MAX (NULL first)", CALL_ALLOC, F_OUT_NULL,
     LAYOUT(SIZE_MAX, 1), BOTH(CHOP_ERR_NULL_ARGUMENT)},
    {"free: heap NULL, a live block", CALL_FREE, F_HEAP_NULL, SLOT(S_BIG), BIG_LAYOUT,
     BOTH(CHOP_ERR_NULL_ARGUMENT)},
    {"free: ptr NULL", CALL_FREE, 0, AT(B_NULL, 0), LAYOUT(MINB, 1), BOTH(CHOP_ERR_NULL_ARGUMENT)},
    {"free: heap and ptr NULL", CALL_FREE, F_HEAP_NULL, AT(B_NULL, 0), LAYOUT(MINB, 1),
     BOTH(CHOP_ERR_NULL_ARGUMENT)},
    {"free: ptr NULL, size 0, align 3 (NULL first)", CALL_FREE, 0, AT(B_NULL, 0), LAYOUT(0, 3),
     BOTH(CHOP_ERR_NULL_ARGUMENT)},
    {"free: heap NULL, a stack address, size 0 (NULL first)", CALL_FREE, F_HEAP_NULL,
     AT(B_STACK, 0), LAYOUT(0, 1), BOTH(CHOP_ERR_NULL_ARGUMENT)},
    {"chop_init: heap NULL, valid arguments", CALL_INIT, F_HEAP_NULL, AT(B_REGION, 0),
     .size = REGION_SIZE, BOTH(CHOP_ERR_NULL_ARGUMENT)},
    {"chop_check: heap NULL", CALL_CHECK, F_HEAP_NULL, BOTH(CHOP_ERR_NULL_ARGUMENT)},
};

static const struct live_case alloc_layout_cases[] = {
    {"size 0", CALL_ALLOC, 0, LAYOUT(0, 1), BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"size 0, align 0", CALL_ALLOC, 0, LAYOUT(0, 0), BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"align 0", CALL_ALLOC, 0, LAYOUT(16, 0), BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"align 3", CALL_ALLOC, 0, LAYOUT(16, 3), BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"every align in [0, 1025] not a power of two", CALL_ALLOC, 0, LAYOUT(1, 0),
     .sweep = SW_BAD_ALIGNS, BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"align SIZE_MAX", CALL_ALLOC, 0, LAYOUT(16, SIZE_MAX), BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"align largest + 1", CALL_ALLOC, 0, LAYOUT(16, LARGEST + 1u), BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"align 2^63 + 1", CALL_ALLOC, 0, LAYOUT(16, P63 + 1u), BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"size SIZE_MAX, align 3 (layout before size)", CALL_ALLOC, 0, LAYOUT(SIZE_MAX, 3),
     BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"size 0, align 2^63 (size 0 before a huge align)", CALL_ALLOC, 0, LAYOUT(0, P63),
     BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"size SIZE_MAX", CALL_ALLOC, 0, LAYOUT(SIZE_MAX, 1), BOTH(CHOP_ERR_TOO_LARGE)},
    {"size SIZE_MAX - 1", CALL_ALLOC, 0, LAYOUT(SIZE_MAX - 1u, 1), BOTH(CHOP_ERR_TOO_LARGE)},
    {"size largest + 1", CALL_ALLOC, 0, LAYOUT(LARGEST + 1u, 1), BOTH(CHOP_ERR_TOO_LARGE)},
    {"size 2^63", CALL_ALLOC, 0, LAYOUT(P63, 1),
     BOTH(TOO_LARGE_IF_ABOVE(P63, CHOP_ERR_OUT_OF_MEMORY))},
    {"align 2^63", CALL_ALLOC, 0, LAYOUT(1, P63),
     BOTH(TOO_LARGE_IF_ABOVE(P63, CHOP_ERR_OUT_OF_MEMORY))},
    {"size 2 * largest", CALL_ALLOC, 0, LAYOUT(TWICE_LARGEST, 1), BOTH(TWICE_LARGEST_STATUS)},
    {"align 2 * largest", CALL_ALLOC, 0, LAYOUT(1, TWICE_LARGEST), BOTH(TWICE_LARGEST_STATUS)},
    {"size largest + 1, align largest", CALL_ALLOC, 0, LAYOUT(LARGEST + 1u, LARGEST),
     BOTH(CHOP_ERR_TOO_LARGE)},
    /* Valid layouts that this small heap cannot satisfy. */
    {"size largest (a region of 4 * big)", CALL_ALLOC, 0, LAYOUT(LARGEST, 1),
     BOTH(CHOP_ERR_OUT_OF_MEMORY)},
    {"align largest (a region of 4 * big)", CALL_ALLOC, 0, LAYOUT(1, LARGEST),
     BOTH(CHOP_ERR_OUT_OF_MEMORY)},
    {"size 2 * big + 1 (more than the largest free block)", CALL_ALLOC, 0,
     LAYOUT(2u * BIG + 1u, 1), BOTH(CHOP_ERR_OUT_OF_MEMORY)},
    {"size 1, align 4 * big (no free block so aligned)", CALL_ALLOC, 0, LAYOUT(1, 4u * BIG),
     BOTH(CHOP_ERR_OUT_OF_MEMORY)},
};

static const struct live_case free_layout_cases[] = {
    {"big, size 0", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(0, 1), BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"big, align 0", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(BIG_SIZE, 0), BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"big, align 3", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(BIG_SIZE, 3), BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"big, every align in [0, 1025] not a power of two", CALL_FREE, 0, SLOT(S_BIG),
     LAYOUT(BIG_SIZE, 0), .sweep = SW_BAD_ALIGNS, BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"big, align SIZE_MAX", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(BIG_SIZE, SIZE_MAX),
     BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"big, size SIZE_MAX", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(SIZE_MAX, 1),
     BOTH(CHOP_ERR_TOO_LARGE)},
    {"big, size largest + 1", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(LARGEST + 1u, 1),
     BOTH(CHOP_ERR_TOO_LARGE)},
    {"big, size 2^63", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(P63, 1),
     BOTH(TOO_LARGE_IF_ABOVE(P63, CHOP_ERR_MISALIGNED))},
    {"big, align 2^63", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(BIG_SIZE, P63),
     BOTH(TOO_LARGE_IF_ABOVE(P63, CHOP_ERR_MISALIGNED))},
    {"big, size 2 * largest", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(TWICE_LARGEST, 1),
     BOTH(TWICE_LARGEST_STATUS)},
    {"big, align 2 * largest", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(BIG_SIZE, TWICE_LARGEST),
     BOTH(TWICE_LARGEST_STATUS)},
    {"a stack address, size 0 (layout before position)", CALL_FREE, 0, AT(B_STACK, 0),
     LAYOUT(0, 1), BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"stale x, size SIZE_MAX (layout before state)", CALL_FREE, 0, SLOT(S_X),
     LAYOUT(SIZE_MAX, 1), BOTH(CHOP_ERR_TOO_LARGE)},
};

static const struct live_case stale_cases[] = {
    {"x, freed (its buddy y live)", CALL_FREE, 0, SLOT(S_X), LAYOUT(1, 1),
     BOTH(CHOP_ERR_DOUBLE_FREE)},
    {"x, freed, claimed with its parent's size", CALL_FREE, 0, SLOT(S_X), LAYOUT(2u * MINB, 1),
     BOTH(CHOP_ERR_DOUBLE_FREE)},
    {"x + min/2, freed (misaligned before double free)", CALL_FREE, 0, SLOT_AT(S_X, MINB / 2u),
     LAYOUT(1, 1), BOTH(CHOP_ERR_MISALIGNED)},
    {"m1, freed and merged with its buddy", CALL_FREE, 0, SLOT(S_M1), LAYOUT(1, 1),
     BOTH(CHOP_ERR_DOUBLE_FREE)},
    {"m2, freed and merged into m1's block", CALL_FREE, 0, SLOT(S_M2), LAYOUT(1, 1),
     BOTH(CHOP_ERR_DOUBLE_FREE)},
    {"m1, as the merged block", CALL_FREE, 0, SLOT(S_M1), LAYOUT(2u * MINB, 1),
     BOTH(CHOP_ERR_DOUBLE_FREE)},
    {"m2, as the merged block (misaligned)", CALL_FREE, 0, SLOT(S_M2), LAYOUT(2u * MINB, 1),
     BOTH(CHOP_ERR_MISALIGNED)},
    {"lo2's free buddy, never handed out", CALL_FREE, 0, SLOT_AT(S_LO2, MINB), LAYOUT(MINB, 1),
     BOTH(CHOP_ERR_DOUBLE_FREE)},
    {"the twin's stale x is foreign, not stale", CALL_FREE, 0, AT(B_TWIN, 0), .slot = S_X,
     LAYOUT(1, 1), BOTH(CHOP_ERR_OUTSIDE_HEAP)},
};

static const struct live_case foreign_cases[] = {
    {"the twin heap's live big", CALL_FREE, 0, AT(B_TWIN, 0), .slot = S_BIG, BIG_LAYOUT,
     BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"a stack address", CALL_FREE, 0, AT(B_STACK, 0), LAYOUT(MINB, 1),
     BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"the chop_heap structure", CALL_FREE, 0, AT(B_HEAP, 0), LAYOUT(MINB, 1),
     BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"the bitmap store", CALL_FREE, 0, AT(B_BITMAP, 0), LAYOUT(MINB, 1),
     BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"one minimum block below start", CALL_FREE, 0, AT(B_START, -(intptr_t)MINB),
     LAYOUT(MINB, 1), BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"start - 1", CALL_FREE, 0, AT(B_START, -1), LAYOUT(1, 1), BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"the region's first byte (unusable head)", CALL_FREE, 0, AT(B_REGION, 0), LAYOUT(1, 1),
     BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"end", CALL_FREE, 0, AT(B_END, 0), LAYOUT(MINB, 1), BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"end + 1 (outside before misaligned)", CALL_FREE, 0, AT(B_END, 1), LAYOUT(MINB, 1),
     BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"the region's last byte (unusable tail)", CALL_FREE, 0, AT(B_REGION_END, -1), LAYOUT(1, 1),
     BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"the region's end", CALL_FREE, 0, AT(B_REGION_END, 0), LAYOUT(1, 1),
     BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"the top minimum block of the address space", CALL_FREE, 0, AT(B_TOP, -(intptr_t)MINB),
     LAYOUT(MINB, 1), BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"UINTPTR_MAX", CALL_FREE, 0, AT(B_TOP, -1), LAYOUT(1, 1), BOTH(CHOP_ERR_OUTSIDE_HEAP)},
    {"a tiny address", CALL_FREE, 0, AT(B_ZERO, MINB), LAYOUT(MINB, 1),
     BOTH(CHOP_ERR_OUTSIDE_HEAP)},
};

static const struct live_case misaligned_cases[] = {
    {"big + 1 .. big + min-1, size 1", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(1, 1),
     .sweep = SW_BYTE_STEPS, BOTH(CHOP_ERR_MISALIGNED)},
    {"big + 1 .. big + min-1, big's layout", CALL_FREE, 0, SLOT(S_BIG), BIG_LAYOUT,
     .sweep = SW_BYTE_STEPS, BOTH(CHOP_ERR_MISALIGNED)},
    {"y (the upper buddy), size 2*min", CALL_FREE, 0, SLOT(S_Y), LAYOUT(2u * MINB, 1),
     BOTH(CHOP_ERR_MISALIGNED)},
    {"p + 1 .. p + min-1, p's layout", CALL_FREE, 0, SLOT(S_P), LAYOUT(1, 1),
     .sweep = SW_BYTE_STEPS, BOTH(CHOP_ERR_MISALIGNED)},
};

static const struct live_case interior_cases[] = {
    {"big + k*min for every k, size min", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(MINB, 1),
     .sweep = SW_MIN_STEPS, .bitmap = CHOP_ERR_INTERIOR_POINTER, .freelist = FL_ACCEPTS},
    {"big + k*min for every k, big's layout", CALL_FREE, 0, SLOT(S_BIG), BIG_LAYOUT,
     .sweep = SW_MIN_STEPS, BOTH(CHOP_ERR_MISALIGNED)},
    {"a + k*min for every k, size min", CALL_FREE, 0, SLOT(S_A), LAYOUT(MINB, 1),
     .sweep = SW_MIN_STEPS, .bitmap = CHOP_ERR_INTERIOR_POINTER, .freelist = FL_ACCEPTS},
    {"c + k*min for every k, size 1", CALL_FREE, 0, SLOT(S_C), LAYOUT(1, 1),
     .sweep = SW_MIN_STEPS, .bitmap = CHOP_ERR_INTERIOR_POINTER, .freelist = FL_ACCEPTS},
    {"big + big/2, size big/2", CALL_FREE, 0, SLOT_AT(S_BIG, BIG / 2u), LAYOUT(BIG / 2u, 1),
     .bitmap = CHOP_ERR_INTERIOR_POINTER, .freelist = FL_ACCEPTS},
    {"big + big/4, size 1, align big/4", CALL_FREE, 0, SLOT_AT(S_BIG, BIG / 4u),
     LAYOUT(1, BIG / 4u),
     .bitmap = CHOP_ERR_INTERIOR_POINTER, .freelist = FL_ACCEPTS},
    {"al + min, size min", CALL_FREE, 0, SLOT_AT(S_AL, MINB), LAYOUT(MINB, 1),
     .bitmap = CHOP_ERR_INTERIOR_POINTER, .freelist = FL_ACCEPTS},
};

static const struct live_case size_cases[] = {
    {"big, size big/2 (one order smaller)", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(BIG / 2u, 1),
     .bitmap = CHOP_ERR_SIZE_MISMATCH, .freelist = FL_ACCEPTS},
    {"big, size 1 (the smallest order)", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(1, 1),
     .bitmap = CHOP_ERR_SIZE_MISMATCH, .freelist = FL_ACCEPTS},
    {"a, size a's block/2 (smaller)", CALL_FREE, 0, SLOT(S_A), LAYOUT(A_BLOCK / 2u, 1),
     .bitmap = CHOP_ERR_SIZE_MISMATCH, .freelist = FL_ACCEPTS},
    {"c, size min (smaller)", CALL_FREE, 0, SLOT(S_C), LAYOUT(MINB, 1),
     .bitmap = CHOP_ERR_SIZE_MISMATCH, .freelist = FL_ACCEPTS},
    {"lo, size 2*min (larger, over its live buddy)", CALL_FREE, 0, SLOT(S_LO),
     LAYOUT(2u * MINB, 1), .bitmap = CHOP_ERR_SIZE_MISMATCH, .freelist = FL_ACCEPTS},
    {"lo2, size 2*min (larger, over its free buddy)", CALL_FREE, 0, SLOT(S_LO2),
     LAYOUT(2u * MINB, 1), BOTH(CHOP_ERR_SIZE_MISMATCH)},
    {"lo, size 4*min (larger, over live and free blocks)", CALL_FREE, 0, SLOT(S_LO),
     LAYOUT(4u * MINB, 1), BOTH(CHOP_ERR_SIZE_MISMATCH)},
    {"big, size big + 1 (one order larger: misaligned)", CALL_FREE, 0, SLOT(S_BIG),
     LAYOUT(BIG + 1u, 1), BOTH(CHOP_ERR_MISALIGNED)},
    {"big, size 4 * big", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(4u * BIG, 1),
     BOTH(CHOP_ERR_MISALIGNED)},
    {"big, size largest", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(LARGEST, 1),
     BOTH(CHOP_ERR_MISALIGNED)},
    {"c, size 8*min (larger: misaligned)", CALL_FREE, 0, SLOT(S_C), LAYOUT(8u * MINB, 1),
     BOTH(CHOP_ERR_MISALIGNED)},
    {"p, size 2*min (a root: misaligned)", CALL_FREE, 0, SLOT(S_P), LAYOUT(2u * MINB, 1),
     BOTH(CHOP_ERR_MISALIGNED)},
};

static const struct live_case align_cases[] = {
    {"al (min, al), align 1", CALL_FREE, 0, SLOT(S_AL), LAYOUT(MINB, 1),
     .bitmap = CHOP_ERR_SIZE_MISMATCH, .freelist = FL_ACCEPTS},
    {"al (min, al), align al/2", CALL_FREE, 0, SLOT(S_AL), LAYOUT(MINB, AL / 2u),
     .bitmap = CHOP_ERR_SIZE_MISMATCH, .freelist = FL_ACCEPTS},
    {"al (min, al), align 2 * al", CALL_FREE, 0, SLOT(S_AL), LAYOUT(MINB, 2u * AL),
     BOTH(CHOP_ERR_MISALIGNED)},
    {"al (min, al), align 0", CALL_FREE, 0, SLOT(S_AL), LAYOUT(MINB, 0),
     BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"al (min, al), align 3", CALL_FREE, 0, SLOT(S_AL), LAYOUT(MINB, 3),
     BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"al (min, al), align al + 1", CALL_FREE, 0, SLOT(S_AL), LAYOUT(MINB, AL + 1u),
     BOTH(CHOP_ERR_INVALID_LAYOUT)},
    {"al (min, al), align 2^63", CALL_FREE, 0, SLOT(S_AL), LAYOUT(MINB, P63),
     BOTH(TOO_LARGE_IF_ABOVE(P63, CHOP_ERR_MISALIGNED))},
    {"big, align 2 * big", CALL_FREE, 0, SLOT(S_BIG), LAYOUT(BIG_SIZE, 2u * BIG),
     BOTH(CHOP_ERR_MISALIGNED)},
    {"x (stale), align 2*min", CALL_FREE, 0, SLOT(S_X), LAYOUT(1, 2u * MINB),
     BOTH(CHOP_ERR_DOUBLE_FREE)},
};

/* chop_init given the live heap's structure: a refusal must not disturb that heap. */
static const struct live_case reinit_cases[] = {
    {"memory NULL", CALL_INIT, 0, AT(B_NULL, 0), .size = REGION_SIZE, BOTH(CHOP_ERR_BAD_REGION)},
    {"bitmap NULL with 1 word", CALL_INIT, 0, AT(B_REGION, 0), .size = REGION_SIZE,
     .bm_base = B_NULL, .words = 1, BOTH(CHOP_ERR_NULL_ARGUMENT)},
    {"size 0", CALL_INIT, 0, AT(B_REGION, 0), .size = 0, BOTH(CHOP_ERR_BAD_REGION)},
    {"a region wrapping past the top", CALL_INIT, 0, AT(B_TOP, -64), .size = 4096,
     BOTH(CHOP_ERR_BAD_REGION)},
    {"its own region, size SIZE_MAX", CALL_INIT, 0, AT(B_REGION, 0), .size = SIZE_MAX,
     BOTH(CHOP_ERR_BAD_REGION)},
    {"its own region and bitmap, one word short", CALL_INIT, 0, AT(B_REGION, 0),
     .size = REGION_SIZE, .bm_base = B_BITMAP, .words = REGION_WORDS - 1u,
     BOTH(HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BITMAP_TOO_SMALL))},
    {"its own region and bitmap, 0 words", CALL_INIT, 0, AT(B_REGION, 0), .size = REGION_SIZE,
     .bm_base = B_BITMAP, .words = 0,
     BOTH(HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BITMAP_TOO_SMALL))},
    {"its own region, a bitmap inside it", CALL_INIT, 0, AT(B_REGION, 0), .size = REGION_SIZE,
     .bm_base = B_START, .bm_off = (intptr_t)(BIG / 2u), .words = REGION_WORDS,
     BOTH(HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION))},
    {"a region made of the chop_heap itself", CALL_INIT, 0, AT(B_HEAP, 0),
     .size = sizeof(chop_heap), BOTH(CHOP_ERR_BAD_REGION)},
};

static const struct {
    const char *name;
    const struct live_case *cases;
    size_t count;
} groups[] = {
#define GROUP(name, table) {name, table, sizeof table / sizeof table[0]}
    GROUP("NULL arguments", null_cases),
    GROUP("allocate: bad and huge layouts", alloc_layout_cases),
    GROUP("free: bad and huge layouts", free_layout_cases),
    GROUP("free: stale pointers", stale_cases),
    GROUP("free: foreign pointers", foreign_cases),
    GROUP("free: misaligned pointers", misaligned_cases),
    GROUP("free: interior pointers", interior_cases),
    GROUP("free: wrong sizes", size_cases),
    GROUP("free: wrong alignments", align_cases),
    GROUP("chop_init over a live heap", reinit_cases),
#undef GROUP
};

/* ------------------------------------------------------------------------------ */
/* Running a live case.                                                             */

struct snapshot {
    chop_stats stats;
    chop_heap heap;
    chop_region region;
    uint64_t bitmap[REGION_WORDS + GUARD_WORDS];
};

static void snap(const struct side *sd, struct snapshot *sn)
{
    sn->stats = stats_of(&sd->heap);
    memcpy(&sn->heap, &sd->heap, sizeof sn->heap);
    memcpy(&sn->region, &sd->region, sizeof sn->region);
    memcpy(sn->bitmap, sd->bitmap, sizeof sn->bitmap);
}

static size_t n_bad_aligns(void)
{
    size_t n = 0;
    for (size_t a = 0; a <= BAD_ALIGN_MAX; a++)
        n += (a & (a - 1u)) != 0 || a == 0;
    return n;
}

static size_t bad_align(size_t i)
{
    for (size_t a = 0;; a++)
        if (((a & (a - 1u)) != 0 || a == 0) && i-- == 0)
            return a;
}

static size_t sweep_count(const struct live_case *c)
{
    switch (c->sweep) {
    case SW_MIN_STEPS:
        return block_of((enum slot)c->slot) / MIN_BLOCK - 1u;
    case SW_BYTE_STEPS:
        return MIN_BLOCK - 1u;
    case SW_BAD_ALIGNS:
        return n_bad_aligns();
    case SW_NONE:
        break;
    }
    return 1;
}

static uintptr_t resolve(const struct fixture *fx, enum base b, int slot, intptr_t off,
                         const void *stack)
{
    const struct side *sd = &fx->side[0];
    struct carving cv;
    uintptr_t base = 0;
    switch (b) {
    case B_NULL:
    case B_TOP:
    case B_ZERO:
        base = 0;
        break;
    case B_SLOT:
        base = (uintptr_t)sd->blk[slot];
        break;
    case B_TWIN:
        base = (uintptr_t)fx->side[1].blk[slot];
        break;
    case B_START:
    case B_END:
        carve((uintptr_t)sd->mem, REGION_SIZE, &cv);
        base = b == B_START ? cv.start : cv.end;
        break;
    case B_REGION:
        base = (uintptr_t)sd->mem;
        break;
    case B_REGION_END:
        base = (uintptr_t)sd->mem + REGION_SIZE;
        break;
    case B_STACK:
        base = (uintptr_t)stack;
        break;
    case B_HEAP:
        base = (uintptr_t)&sd->heap;
        break;
    case B_BITMAP:
        base = (uintptr_t)sd->bitmap;
        break;
    }
    return base + (uintptr_t)off;
}

/* The call of case c, element i of its sweep, on the heap under test. */
struct call_result {
    chop_status status;
    uintptr_t ptr; /* FREE: the pointer passed */
    size_t size, align;
    void *out;     /* ALLOC: what *out became */
};

static struct call_result make_call(struct fixture *fx, const struct live_case *c, size_t i)
{
    int on_stack = 0;
    struct call_result r;
    chop_heap *heap = (c->flags & F_HEAP_NULL) ? NULL : &fx->side[0].heap;
    r.ptr = resolve(fx, c->base, c->slot, c->off, &on_stack);
    r.size = c->size;
    r.align = c->align;
    r.out = (void *)&r; /* a sentinel: must become NULL */
    if (c->sweep == SW_MIN_STEPS)
        r.ptr += (i + 1u) * MIN_BLOCK;
    else if (c->sweep == SW_BYTE_STEPS)
        r.ptr += i + 1u;
    else if (c->sweep == SW_BAD_ALIGNS)
        r.align = bad_align(i);
    traced_calls = 0;
    in_hostile_call = 1;
    switch (c->call) {
    case CALL_ALLOC:
        r.status =
            chop_try_allocate(heap, r.size, r.align, (c->flags & F_OUT_NULL) ? NULL : &r.out);
        break;
    case CALL_FREE:
        r.status = chop_try_deallocate(heap, addr(r.ptr), r.size, r.align);
        break;
    case CALL_INIT: {
        uint64_t *bm = c->bm_base == B_NULL ? NULL
                                            : addr(resolve(fx, c->bm_base, 0, c->bm_off, NULL));
        r.status = chop_init(heap, addr(r.ptr), r.size, bm, c->words);
        break;
    }
    case CALL_CHECK:
        r.status = chop_check(heap);
        break;
    case CALL_REALLOC: {
        void *p = addr(r.ptr);
        r.status = chop_try_reallocate(heap, &p, r.size, MIN_BLOCK, r.align);
        if (p != addr(r.ptr))
            r.status = CHOP_ERR_CORRUPTED; /* a refusal moved *ptr: fail the case */
        break;
    }
    }
    in_hostile_call = 0;
    /* With hooks, allocate, free and resize on a heap are traced once, with their status
     * (an allocate without an out pointer, and a free of NULL, are not calls to trace). */
    int traced = heap && ((c->call == CALL_ALLOC && !(c->flags & F_OUT_NULL)) ||
                          ((c->call == CALL_FREE || c->call == CALL_REALLOC) && r.ptr != 0));
    if (hooked_pass && (traced_calls != (unsigned)traced ||
                        (traced && traced_status != r.status)))
        r.status = CHOP_ERR_CORRUPTED; /* the trace disagrees: fail the case */
    return r;
}

/* Fills a heap with minimum blocks; records their offsets from the region's start. */
static size_t drain(struct side *sd, uintptr_t *offsets, void **blocks, chop_status *last)
{
    size_t n = 0;
    void *p = NULL;
    while ((*last = chop_try_allocate(&sd->heap, 1, 1, &p)) == CHOP_OK) {
        if (n == MAX_DRAIN)
            tap_bail_out("drain: more minimum blocks than the arena holds");
        offsets[n] = (uintptr_t)p - (uintptr_t)sd->mem;
        blocks[n++] = p;
    }
    return n;
}

/* Frees what drain() handed out and every live scene block; whether all succeeded. */
static int free_all(struct side *sd, void **blocks, size_t n)
{
    int ok = 1;
    while (n > 0)
        ok &= chop_try_deallocate(&sd->heap, blocks[--n], 1, 1) == CHOP_OK;
    for (int s = 0; s < N_SLOTS; s++)
        if (sd->live[s])
            ok &= chop_try_deallocate(&sd->heap, sd->blk[s], slot_layout[s].size,
                                      slot_layout[s].align) == CHOP_OK;
    if (regions_pass)
        ok &= chop_try_deallocate(&sd->heap, sd->decoy, 1, 1) == CHOP_OK;
    return ok;
}

static uintptr_t drain_off[2][MAX_DRAIN];
static void *drain_blk[2][MAX_DRAIN];

/* Whether the heap under test is exactly as before the hostile call (see the top of
 * the file); failed_delta: the expected growth of failed_requests.  Consumes the
 * fixture (drains and frees both heaps).  Prints why not when verbose. */
static int unchanged(struct fixture *fx, const struct snapshot *before, size_t failed_delta,
                     int verbose)
{
    struct side *sd = &fx->side[0], *twin = &fx->side[1];
    int same = 1;
    chop_status c = chop_check(&sd->heap);
    if (c != CHOP_OK) {
        if (verbose)
            tap_diag("chop_check: %s", tap_status_name(c));
        same = 0;
    }
    chop_stats want = before->stats, now = stats_of(&sd->heap);
    want.failed_requests += failed_delta;
    if (memcmp(&now, &want, sizeof now) != 0) {
        if (verbose)
            tap_diag("statistics changed: failed_requests %zu -> %zu (want +%zu), free_bytes"
                     " %zu -> %zu, live %zu -> %zu",
                     before->stats.failed_requests, now.failed_requests, failed_delta,
                     before->stats.free_bytes, now.free_bytes, before->stats.live_allocations,
                     now.live_allocations);
        same = 0;
    }
    chop_heap want_heap;
    memcpy(&want_heap, &before->heap, sizeof want_heap);
    want_heap.failed_requests += failed_delta;
    if (memcmp(&want_heap, &sd->heap, sizeof want_heap) != 0) {
        if (verbose)
            tap_diag("the chop_heap's bytes changed");
        same = 0;
    }
    if (regions_pass && memcmp(&before->region, &sd->region, sizeof sd->region) != 0) {
        if (verbose)
            tap_diag("the region's descriptor changed");
        same = 0;
    }
    if (memcmp(before->bitmap, sd->bitmap, sizeof before->bitmap) != 0) {
        if (verbose)
            tap_diag("the bitmap or the guard words after it changed");
        same = 0;
    }
    for (int s = 0; s < N_SLOTS; s++)
        if (sd->live[s] && !verify(sd->blk[s], slot_layout[s].size, (unsigned)s + 1u)) {
            if (verbose)
                tap_diag("live block %s lost its contents", slot_layout[s].name);
            same = 0;
        }

    chop_status last[2];
    size_t n0 = drain(sd, drain_off[0], drain_blk[0], &last[0]);
    size_t n1 = drain(twin, drain_off[1], drain_blk[1], &last[1]);
    if (n0 != n1 || last[0] != CHOP_ERR_OUT_OF_MEMORY || last[1] != CHOP_ERR_OUT_OF_MEMORY ||
        memcmp(drain_off[0], drain_off[1], n0 * sizeof drain_off[0][0]) != 0) {
        if (verbose)
            tap_diag("drain differs from the twin's: %zu blocks (%s) vs %zu (%s)", n0,
                     tap_status_name(last[0]), n1, tap_status_name(last[1]));
        same = 0;
    }
    int freed = free_all(sd, drain_blk[0], n0) & free_all(twin, drain_blk[1], n1);
    chop_stats end0 = stats_of(&sd->heap), end1 = stats_of(&twin->heap);
    end1.failed_requests += failed_delta;
    if (!freed || memcmp(&end0, &end1, sizeof end0) != 0 || end0.free_bytes != end0.managed_bytes ||
        chop_check(&sd->heap) != CHOP_OK || chop_check(&twin->heap) != CHOP_OK) {
        if (verbose)
            tap_diag("after the drain, freeing every block did not empty both heaps alike");
        same = 0;
    }
    return same;
}

/* The documented free-list outcome of a free wholly inside live memory: accepted, and
 * the claimed block is handed out again while still in use.  Consumes the fixture; the
 * blocks the bogus free overlapped are never read again. */
static int accepted_as_documented(struct fixture *fx, const struct snapshot *before,
                                  const struct call_result *r, int verbose)
{
    chop_heap *heap = &fx->side[0].heap;
    size_t claimed = pow2(expected_order(r->size, r->align));
    chop_stats now = stats_of(heap);
    /* Allocations of the claimed layout, until one hands out the claimed block: it is
     * free memory now, whichever free block of its order comes first. */
    void *again = NULL;
    chop_status s = CHOP_OK;
    size_t tries = 0;
    while ((uintptr_t)again != r->ptr && tries++ <= now.free_bytes / claimed)
        s = chop_try_allocate(heap, claimed, claimed, &again);
    int ok = now.live_allocations + 1u == before->stats.live_allocations &&
             now.free_bytes == before->stats.free_bytes + claimed && s == CHOP_OK &&
             (uintptr_t)again == r->ptr && hits_live(fx, r->ptr, claimed);
    if (!ok && verbose)
        tap_diag("live %zu -> %zu, free_bytes %zu -> %zu (claimed %zu); allocations of %zu:"
                 " %s, the last at %p after %zu, the claimed block was %p",
                 before->stats.live_allocations, now.live_allocations, before->stats.free_bytes,
                 now.free_bytes, claimed, claimed, tap_status_name(s), again, tries,
                 addr(r->ptr));
    return ok;
}

static void run_live_case(const char *group, const struct live_case *c, int mode)
{
    const char *m = mode_name(mode);
    chop_status want = mode == MODE_BITMAP ? c->bitmap : c->freelist;
    int accepted = want == CHOP_OK;
    size_t failed_delta = c->call == CALL_ALLOC && !(c->flags & (F_HEAP_NULL | F_OUT_NULL));
    size_t n = sweep_count(c);
    int status_ok = 1, effect_ok = 1;
    struct fixture fx;
    struct snapshot before;

    if (accepted && c->call != CALL_FREE)
        tap_bail_out("%s: only a free can be accepted", c->name);
    if (accepted && memcheck_is_watching()) {
        /* The accepted free hands live memory out twice: memcheck reports that, as it
         * should (tests/test_misuse.sh checks such reports), and the run would fail. */
        tap_skip(2, "%s: %s: %s: accepted, but memcheck reports the misuse", m, group,
                 c->name);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        build(&fx, mode);
        snap(&fx.side[0], &before);
        struct call_result r = make_call(&fx, c, i);
        if (r.status != want || (c->call == CALL_ALLOC && !(c->flags & F_OUT_NULL) && r.out)) {
            if (status_ok)
                tap_diag("%s: call %zu of %zu (ptr %p, size %zu, align %zu): %s, *out %p", c->name,
                         i + 1u, n, addr(r.ptr), r.size, r.align, tap_status_name(r.status),
                         c->call == CALL_ALLOC ? r.out : NULL);
            status_ok = 0;
        }
        if (r.status != want)
            continue; /* the heap's state is unknown: nothing more to learn */
        int good = accepted ? accepted_as_documented(&fx, &before, &r, effect_ok)
                            : unchanged(&fx, &before, failed_delta, effect_ok);
        if (!good && effect_ok)
            tap_diag("%s: call %zu of %zu (ptr %p, size %zu, align %zu)", c->name, i + 1u, n,
                     addr(r.ptr), r.size, r.align);
        effect_ok &= good;
    }
    char calls[32] = "";
    if (n > 1)
        snprintf(calls, sizeof calls, " [%zu calls]", n);
    tap_ok(status_ok, "%s: %s: %s -> %s%s%s", m, group, c->name,
           accepted ? "CHOP_OK (free-list mode cannot tell)" : tap_status_name(want),
           c->call == CALL_ALLOC && !(c->flags & F_OUT_NULL) ? ", *out = NULL" : "", calls);
    if (accepted)
        tap_ok(effect_ok, "%s: ... accepted, as documented for free-list mode: one live"
                          " allocation fewer, and allocations of the claimed layout"
                          " hand out that live memory", m);
    else
        tap_ok(effect_ok, "%s: ... heap unchanged: chop_check, stats%s, heap bytes, bitmap,"
                          " live contents, drain identical to the twin's", m,
               failed_delta ? " (failed_requests + 1)" : "");
}

/* ------------------------------------------------------------------------------ */
/* chop_init on a fresh, pattern-filled chop_heap.                                  */

enum heap_arg { HP_OWN, HP_NULL, HP_SCRATCH };
enum mem_arg { MB_NULL, MB_SCRATCH, MB_TOP };
enum bm_arg { BK_NULL, BK_STORE, BK_SCRATCH, BK_TOP /* 2^N - bm_off */ };
enum init_sweep {
    IS_NONE,
    IS_TINY,      /* offset mem_off + o for every o < MIN, every size short of one block */
    IS_TOP,       /* base 2^N - k for every k < 4*MIN, every size that wraps or holds no
                     whole block (by carve()), and SIZE_MAX */
    IS_BM_LENGTHS /* every bitmap length from 0 to chop_bitmap_words_needed(size) - 1 */
};
#define NEEDED ((size_t)-2)        /* words: chop_bitmap_words_needed(size) */
#define NEEDED_LESS_1 ((size_t)-3) /* words: one fewer */

struct init_case {
    const char *name;
    enum heap_arg hp;
    size_t hp_off;
    enum mem_arg mb;
    intptr_t mem_off; /* from scratch, or (negative) from 2^N */
    size_t size;
    enum bm_arg bk;
    size_t bm_off;
    size_t words;
    enum init_sweep sweep;
    chop_status want;
};

#define MEM_SCRATCH(o) .mb = MB_SCRATCH, .mem_off = (intptr_t)(o)
#define MEM_TOP(k) .mb = MB_TOP, .mem_off = -(intptr_t)(k)
#define HP_AT(o) .hp = HP_SCRATCH, .hp_off = (o)
#define BM_AT(o) .bk = BK_SCRATCH, .bm_off = (o)

/* Regions in the scratch buffer start at 2048, with room for bitmaps and heaps below. */
#define R0 2048u
#define W1K CHOP_BITMAP_WORDS(1024)

static const struct init_case init_cases[] = {
    /* NULL arguments. */
    {"heap NULL", .hp = HP_NULL, MEM_SCRATCH(R0), .size = 1024, .want = CHOP_ERR_NULL_ARGUMENT},
    {"heap NULL, memory NULL, size 0, bitmap NULL with 5 words (heap first)", .hp = HP_NULL,
     .mb = MB_NULL, .size = 0, .words = 5, .want = CHOP_ERR_NULL_ARGUMENT},
    {"memory NULL", .mb = MB_NULL, .size = 4096, .want = CHOP_ERR_BAD_REGION},
    {"memory NULL, size 0", .mb = MB_NULL, .size = 0, .want = CHOP_ERR_BAD_REGION},
    {"memory NULL, with a bitmap (region first)", .mb = MB_NULL, .size = 4096, .bk = BK_STORE,
     .words = NEEDED, .want = CHOP_ERR_BAD_REGION},
    {"bitmap NULL with 1 word", MEM_SCRATCH(R0), .size = 1024, .words = 1,
     .want = CHOP_ERR_NULL_ARGUMENT},
    {"bitmap NULL with SIZE_MAX words", MEM_SCRATCH(R0), .size = 1024, .words = SIZE_MAX,
     .want = CHOP_ERR_NULL_ARGUMENT},
    {"bitmap NULL with words, size 0 (before the region's size)", MEM_SCRATCH(R0), .size = 0,
     .words = 1, .want = CHOP_ERR_NULL_ARGUMENT},
    /* Regions too small. */
    {"size 0", MEM_SCRATCH(R0), .size = 0, .want = CHOP_ERR_BAD_REGION},
    {"size 0, a bitmap of 0 words", MEM_SCRATCH(R0), .size = 0, .bk = BK_STORE, .words = 0,
     .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    {"every misalignment, every size short of one whole block", MEM_SCRATCH(R0),
     .sweep = IS_TINY, .want = CHOP_ERR_BAD_REGION},
    {"every misalignment, every size short of one whole block, with a bitmap", MEM_SCRATCH(R0),
     .bk = BK_STORE, .words = NEEDED, .sweep = IS_TINY,
     .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    /* Regions at the end of the address space, or wrapping past it. */
    {"UINTPTR_MAX - k, every size that wraps or holds no block, and SIZE_MAX", .mb = MB_TOP,
     .sweep = IS_TOP, .want = CHOP_ERR_BAD_REGION},
    {"UINTPTR_MAX - k, ..., with a bitmap", .mb = MB_TOP, .bk = BK_STORE, .words = NEEDED,
     .sweep = IS_TOP, .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    {"the top minimum block, exactly (ends at 2^N)", MEM_TOP(MIN_BLOCK), .size = MIN_BLOCK,
     .want = CHOP_ERR_BAD_REGION},
    {"UINTPTR_MAX - 63, size 4096", MEM_TOP(64), .size = 4096, .want = CHOP_ERR_BAD_REGION},
    {"UINTPTR_MAX, size SIZE_MAX", MEM_TOP(1), .size = SIZE_MAX, .want = CHOP_ERR_BAD_REGION},
    {"a real region, size SIZE_MAX", MEM_SCRATCH(R0), .size = SIZE_MAX,
     .want = CHOP_ERR_BAD_REGION},
    {"a real region, size SIZE_MAX, bitmap of 0 words", MEM_SCRATCH(R0), .size = SIZE_MAX,
     .bk = BK_STORE, .words = 0, .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    {"a bitmap wrapping past the top", MEM_SCRATCH(R0), .size = 1024, .bk = BK_TOP,
     .bm_off = 8u, .words = NEEDED, .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    {"a bitmap ending at 2^N (its end wraps to 0)", MEM_SCRATCH(R0), .size = 1024,
     .bk = BK_TOP, .bm_off = 8u * W1K, .words = NEEDED,
     .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    /* Bitmaps too small. */
    {"every too-small bitmap, size min", MEM_SCRATCH(R0), .size = MIN_BLOCK, .bk = BK_STORE,
     .sweep = IS_BM_LENGTHS, .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BITMAP_TOO_SMALL)},
    {"every too-small bitmap, size 1000", MEM_SCRATCH(R0), .size = 1000, .bk = BK_STORE,
     .sweep = IS_BM_LENGTHS, .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BITMAP_TOO_SMALL)},
    {"every too-small bitmap, size 4096", MEM_SCRATCH(R0), .size = 4096, .bk = BK_STORE,
     .sweep = IS_BM_LENGTHS, .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BITMAP_TOO_SMALL)},
    {"every too-small bitmap, size 4093 at offset 3", MEM_SCRATCH(R0 + 3u), .size = 4093,
     .bk = BK_STORE, .sweep = IS_BM_LENGTHS,
     .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BITMAP_TOO_SMALL)},
    {"every too-small bitmap, size 6000 at offset 5", MEM_SCRATCH(R0 + 5u), .size = 6000,
     .bk = BK_STORE, .sweep = IS_BM_LENGTHS,
     .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BITMAP_TOO_SMALL)},
    /* A bitmap overlapping the region. */
    {"bitmap inside the region", MEM_SCRATCH(R0), .size = 1024, BM_AT(R0 + 512u), .words = NEEDED,
     .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    {"bitmap's last byte is the region's first", MEM_SCRATCH(R0 - 1u), .size = 1024,
     BM_AT(R0 - 8u * W1K), .words = NEEDED,
     .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    {"region's last byte is the bitmap's first", MEM_SCRATCH(R0 - 1024u), .size = 1025,
     BM_AT(R0), .words = NEEDED, .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    {"bitmap over the region's unusable head only", MEM_SCRATCH(R0 - 7u), .size = 1024,
     BM_AT(R0 - 8u * W1K), .words = NEEDED,
     .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    {"bitmap inside the region and one word short (size first)", MEM_SCRATCH(R0), .size = 1024,
     BM_AT(R0 + 512u), .words = NEEDED_LESS_1,
     .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BITMAP_TOO_SMALL)},
    /* The chop_heap overlapping the region or the bitmap. */
    {"bitmap over the chop_heap", HP_AT(512u), MEM_SCRATCH(R0), .size = 1024, BM_AT(512u),
     .words = NEEDED, .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    {"bitmap's last byte is the chop_heap's first", HP_AT(512u), MEM_SCRATCH(R0), .size = 1024,
     BM_AT(512u - 8u * W1K + 8u), .words = NEEDED,
     .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    {"chop_heap's last byte is the bitmap's first", HP_AT(512u), MEM_SCRATCH(R0), .size = 1024,
     BM_AT(512u + sizeof(chop_heap) - 8u), .words = NEEDED,
     .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
    {"chop_heap inside the region", HP_AT(R0 + 256u), MEM_SCRATCH(R0), .size = 1024,
     .want = CHOP_ERR_BAD_REGION},
    {"chop_heap straddling the region's start", HP_AT(R0 - 64u), MEM_SCRATCH(R0), .size = 1024,
     .want = CHOP_ERR_BAD_REGION},
    {"chop_heap over the region's last byte", HP_AT(R0 + 1024u - 64u), MEM_SCRATCH(R0),
     .size = 1024, .want = CHOP_ERR_BAD_REGION},
    {"chop_heap over the region's unusable head only", HP_AT(R0 - sizeof(chop_heap)),
     MEM_SCRATCH(R0 - 7u), .size = 1024, .want = CHOP_ERR_BAD_REGION},
    {"chop_heap inside the region, with a bitmap", HP_AT(R0 + 256u), MEM_SCRATCH(R0),
     .size = 1024, .bk = BK_STORE, .words = NEEDED,
     .want = HAVE_BITMAP_OR_UNSUPPORTED(CHOP_ERR_BAD_REGION)},
};

static void init_reset(void)
{
    memset(scratch, SCRATCH_FILL, sizeof scratch);
    for (size_t i = 0; i < sizeof init_bitmap / sizeof init_bitmap[0]; i++)
        init_bitmap[i] = GUARD;
}

static int init_untouched(void)
{
    for (size_t i = 0; i < sizeof scratch; i++)
        if (scratch[i] != SCRATCH_FILL)
            return 0;
    for (size_t i = 0; i < sizeof init_bitmap / sizeof init_bitmap[0]; i++)
        if (init_bitmap[i] != GUARD)
            return 0;
    return 1;
}

/*
 * The heaps that chop_add_region() cases add their region to, one per mode: a region
 * is refused exactly as chop_init() refuses it, its descriptor standing for the heap.
 */
#define HOST_SIZE 256u
static _Alignas(HOST_SIZE) unsigned char host_mem[HOST_SIZE];
static uint64_t host_bitmap[CHOP_BITMAP_WORDS(HOST_SIZE)];
static chop_heap host;

/* A host in the mode of the case's bitmap argument, where the build has that mode. */
static void build_host(int with_bitmap)
{
    int bitmap = CHOPALLOC_HAVE_BITMAP && (with_bitmap || !CHOPALLOC_HAVE_FREE_LIST);
    chop_status s = chop_init(&host, host_mem, HOST_SIZE, bitmap ? host_bitmap : NULL,
                              bitmap ? CHOP_BITMAP_WORDS(HOST_SIZE) : 0u);
    void *p = NULL;
    if (s == CHOP_OK)
        s = chop_try_allocate(&host, 1, 1, &p); /* a host with a live block */
    if (s != CHOP_OK)
        tap_bail_out("chop_add_region cases: the host heap: %s", tap_status_name(s));
}

/* One chop_init call, or with as_region one chop_add_region call that passes the case's
 * heap as the descriptor; whether it gave `want` and wrote nothing. */
static int init_refused(const struct init_case *c, uintptr_t mem, size_t size, size_t words,
                        int verbose, int as_region)
{
    chop_heap own;
    chop_heap *heap = c->hp == HP_NULL      ? NULL
                      : c->hp == HP_SCRATCH ? addr((uintptr_t)scratch + c->hp_off)
                                            : &own;
    uint64_t *bm = c->bk == BK_NULL      ? NULL
                   : c->bk == BK_STORE   ? init_bitmap
                   : c->bk == BK_SCRATCH ? addr((uintptr_t)scratch + c->bm_off)
                                         : addr((uintptr_t)0 - c->bm_off);
    if (words == NEEDED)
        words = chop_bitmap_words_needed(size);
    else if (words == NEEDED_LESS_1)
        words = chop_bitmap_words_needed(size) - 1u;
    init_reset();
    memset(&own, HEAP_FILL, sizeof own);
    chop_status s;
    int host_same = 1;
    if (as_region) {
        build_host(bm != NULL);
        chop_heap host_before;
        memcpy(&host_before, &host, sizeof host);
        chop_stats stats_before = stats_of(&host), stats_after;
        s = chop_add_region(&host, (chop_region *)(void *)heap, addr(mem), size, bm, words);
        stats_after = stats_of(&host);
        host_same = memcmp(&host_before, &host, sizeof host) == 0 &&
                    memcmp(&stats_before, &stats_after, sizeof stats_after) == 0 &&
                    chop_check(&host) == CHOP_OK;
    } else {
        s = chop_init(heap, addr(mem), size, bm, words);
    }
    int ok = s == c->want && heap_untouched(&own) && init_untouched() && host_same;
    if (!ok && verbose)
        tap_diag("%s(heap %p, memory %p, size %zu, bitmap %p, words %zu): %s, heap %s,"
                 " scratch and bitmap %s%s",
                 as_region ? "chop_add_region" : "chop_init", (void *)heap, addr(mem), size,
                 (void *)bm, words, tap_status_name(s),
                 heap_untouched(&own) ? "untouched" : "WRITTEN",
                 init_untouched() ? "untouched" : "WRITTEN",
                 host_same ? "" : ", the host heap CHANGED");
    return ok;
}

static void run_init_case(const struct init_case *c, int as_region)
{
    uintptr_t base = c->mb == MB_NULL      ? 0
                     : c->mb == MB_SCRATCH ? (uintptr_t)scratch + (uintptr_t)c->mem_off
                                           : (uintptr_t)c->mem_off;
    size_t calls = 0, skipped = 0;
    int ok = 1;
    switch (c->sweep) {
    case IS_NONE:
        calls++;
        ok &= init_refused(c, base, c->size, c->words, 1, as_region);
        break;
    case IS_TINY:
        for (size_t o = 0; o < MIN_BLOCK; o++) {
            size_t head = (MIN_BLOCK - o % MIN_BLOCK) % MIN_BLOCK;
            for (size_t size = 0; size < head + MIN_BLOCK; size++, calls++)
                ok &= init_refused(c, base + o, size, c->words, ok, as_region);
        }
        break;
    case IS_TOP:
        for (uintptr_t k = 1; k <= 4u * MIN_BLOCK; k++) {
            uintptr_t at = (uintptr_t)0 - k;
            for (size_t size = 0; size <= (size_t)k + 2u * MIN_BLOCK + 1u; size++) {
                struct carving cv;
                carve(at, size, &cv);
                if (cv.ok) { /* would be accepted: not memory of ours, never call */
                    skipped++;
                    continue;
                }
                calls++;
                ok &= init_refused(c, at, size, c->words, ok, as_region);
            }
            calls += 2;
            ok &= init_refused(c, at, SIZE_MAX, c->words, ok, as_region);
            ok &= init_refused(c, at, SIZE_MAX - (size_t)k + 1u, c->words, ok, as_region);
        }
        break;
    case IS_BM_LENGTHS:
        for (size_t w = 0; w < chop_bitmap_words_needed(c->size); w++, calls++)
            ok &= init_refused(c, base, c->size, w, ok, as_region);
        break;
    }
    char extra[80] = "";
    if (calls > 1)
        snprintf(extra, sizeof extra, " [%zu calls%s]", calls,
                 skipped ? ", leaving out the regions that hold a block" : "");
    if (as_region)
        tap_ok(ok, "chop_add_region: %s (the heap as the descriptor) -> %s, descriptor"
                   " (pre-filled), bitmap, scratch and the heap added to untouched%s",
               c->name, tap_status_name(c->want), extra);
    else
        tap_ok(ok, "chop_init: %s -> %s, heap (pre-filled), bitmap and scratch untouched%s",
               c->name, tap_status_name(c->want), extra);
}

/* Heaps that must be built use no bitmap where the build has free-list mode, else bitmap
 * `which` of bitmaps[], with the words a region of `size` bytes needs. */
#define ANY_BITMAP(which) (CHOPALLOC_HAVE_FREE_LIST ? NULL : bitmaps[which])
#define ANY_WORDS(size) (CHOPALLOC_HAVE_FREE_LIST ? 0u : chop_bitmap_words_needed(size))

/* The refusals above are exact: their nearest valid neighbours are accepted. */
static void init_boundaries(void)
{
    chop_heap h;
    chop_status s, s2;
    int ok = 1;
    for (size_t o = 0; o < MIN_BLOCK; o++) {
        size_t head = (MIN_BLOCK - o) % MIN_BLOCK;
        s = chop_init(&h, arenas[0] + o, head + MIN_BLOCK, ANY_BITMAP(0),
                      ANY_WORDS(head + MIN_BLOCK));
        ok &= s == CHOP_OK && stats_of(&h).managed_bytes == MIN_BLOCK && chop_check(&h) == CHOP_OK;
    }
    tap_ok(ok, "chop_init: at every misalignment, the smallest region holding a block is"
               " accepted");

    /* The same regions without a bitmap: free-list mode, or where the build lacks it
     * CHOP_ERR_FREE_LIST_UNSUPPORTED, which comes after every check of the region (the
     * sweeps above refuse each smaller one with CHOP_ERR_BAD_REGION in every build). */
    const chop_status no_bitmap =
        CHOPALLOC_HAVE_FREE_LIST ? CHOP_OK : CHOP_ERR_FREE_LIST_UNSUPPORTED;
    unsigned char region_before[2u * MIN_BLOCK];
    ok = 1;
    for (size_t o = 0; o < MIN_BLOCK; o++) {
        size_t size = (MIN_BLOCK - o) % MIN_BLOCK + MIN_BLOCK;
        raw_copy(region_before, arenas[0] + o, size);
        memset(&h, HEAP_FILL, sizeof h);
        s = chop_init(&h, arenas[0] + o, size, NULL, 0);
        if (s != no_bitmap)
            tap_diag("offset %zu, size %zu: %s", o, size, tap_status_name(s));
        if (s == CHOP_OK)
            ok &= stats_of(&h).managed_bytes == MIN_BLOCK && chop_check(&h) == CHOP_OK;
        else
            ok &= heap_untouched(&h) && raw_equal(region_before, arenas[0] + o, size);
        ok &= s == no_bitmap;
    }
    tap_ok(ok, "chop_init without a bitmap: at every misalignment, the smallest region holding a"
               " block -> %s, %s",
           tap_status_name(no_bitmap),
           CHOPALLOC_HAVE_FREE_LIST ? "a sound heap" : "heap (pre-filled) and region untouched");

#if CHOPALLOC_HAVE_BITMAP
    static const struct {
        size_t off, size;
    } regions[] = {{0, MIN_BLOCK}, {0, 1000}, {0, 4096}, {3, 4093}, {5, 6000}};
    ok = 1;
    for (size_t r = 0; r < sizeof regions / sizeof regions[0]; r++) {
        size_t need = chop_bitmap_words_needed(regions[r].size);
        for (size_t i = 0; i < sizeof init_bitmap / sizeof init_bitmap[0]; i++)
            init_bitmap[i] = GUARD;
        s = chop_init(&h, arenas[0] + regions[r].off, regions[r].size, init_bitmap, need);
        ok &= s == CHOP_OK && chop_check(&h) == CHOP_OK;
        for (size_t i = need; i < sizeof init_bitmap / sizeof init_bitmap[0]; i++)
            ok &= init_bitmap[i] == GUARD;
    }
    tap_ok(ok, "chop_init: each region of the bitmap sweeps, with exactly the words needed, is"
               " accepted and writes no word beyond them");
    s = chop_init(&h, adj_bitmap.region, ADJ_REGION, adj_bitmap.bitmap, W1K);
    tap_ok(s == CHOP_OK && (uintptr_t)(adj_bitmap.bitmap + W1K) == (uintptr_t)adj_bitmap.region &&
               chop_check(&h) == CHOP_OK,
           "chop_init: a bitmap ending right where the region begins is accepted (%s)",
           tap_status_name(s));
#else
    tap_skip(2, "bitmap boundaries: library built with --disable-bitmap");
#endif
    chop_heap *before = &adj_heap_before.heap, *after = &adj_heap_after.heap;
    s = chop_init(before, adj_heap_before.region, ADJ_REGION, ANY_BITMAP(0), ANY_WORDS(ADJ_REGION));
    s2 = chop_init(after, adj_heap_after.region, ADJ_REGION, ANY_BITMAP(1), ANY_WORDS(ADJ_REGION));
    tap_ok(s == CHOP_OK && s2 == CHOP_OK &&
               (uintptr_t)(before + 1) == (uintptr_t)adj_heap_before.region &&
               (uintptr_t)after == (uintptr_t)adj_heap_after.region + ADJ_REGION &&
               chop_check(before) == CHOP_OK && chop_check(after) == CHOP_OK,
           "chop_init: a chop_heap right before or right after the region is accepted (%s, %s)",
           tap_status_name(s), tap_status_name(s2));
}

/* ------------------------------------------------------------------------------ */
/* chop_get_stats, chop_bitmap_words_needed and chop_strerror.                    */

static void test_stats_null_out(int mode)
{
    const char *m = mode_name(mode);
    struct fixture fx;
    struct snapshot before;
    build(&fx, mode);
    snap(&fx.side[0], &before);
    chop_get_stats(&fx.side[0].heap, NULL);
    tap_ok(unchanged(&fx, &before, 0, 1), "%s: chop_get_stats(heap, NULL): heap unchanged", m);
}

static void test_stateless(void)
{
    chop_stats st, zero;
    memset(&st, 0xA5, sizeof st);
    memset(&zero, 0, sizeof zero);
    chop_get_stats(NULL, NULL);
    chop_get_stats(NULL, &st);
    tap_ok(memcmp(&st, &zero, sizeof st) == 0,
           "chop_get_stats(NULL, NULL) returns; chop_get_stats(NULL, out) zeroes every field");

    tap_is_size(chop_bitmap_words_needed(SIZE_MAX), (SIZE_MAX / MIN_BLOCK / 32u) + 1u,
                "chop_bitmap_words_needed(SIZE_MAX) does not overflow");
    tap_is_size(chop_bitmap_words_needed(MIN_BLOCK - 1u), 0,
                "chop_bitmap_words_needed(min - 1) = 0");

    static const long long bad[] = {-1, CHOP_STATUS_COUNT, CHOP_STATUS_COUNT + 1, 1000, INT32_MAX};
    const char *unknown = chop_strerror((chop_status)CHOP_STATUS_COUNT);
    int ok = unknown != NULL && unknown[0] != '\0';
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *msg = chop_strerror((chop_status)bad[i]);
        ok &= msg != NULL && strcmp(msg, unknown) == 0;
    }
    for (int s = 0; s < CHOP_STATUS_COUNT; s++)
        ok &= strcmp(chop_strerror((chop_status)s), unknown) != 0;
    tap_ok(ok, "chop_strerror: -1, %d, %d, 1000 and INT32_MAX all give the one 'unknown'"
               " sentence, which no real status gives",
           CHOP_STATUS_COUNT, CHOP_STATUS_COUNT + 1);
}

/* ------------------------------------------------------------------------------ */

/* Every live case of the catalogue, each named by its group behind `pass`. */
static void run_every_live_case(const char *pass, int mode)
{
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        char group[96];
        snprintf(group, sizeof group, "%s%s", pass, groups[g].name);
        for (size_t i = 0; i < groups[g].count; i++)
            run_live_case(group, &groups[g].cases[i], mode);
    }
}

int main(void)
{
    for (int as_region = 0; as_region <= 1; as_region++)
        for (size_t i = 0; i < sizeof init_cases / sizeof init_cases[0]; i++)
            run_init_case(&init_cases[i], as_region);
    init_boundaries();
    test_stateless();

    for (int mode = MODE_BITMAP; mode <= MODE_FREELIST; mode++) {
        if (!mode_runs(mode))
            continue;
        /* The scene and every live case: a region of 4 * BIG. */
        size_t live_cases = 0;
        for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
            live_cases += groups[g].count;
        /* Each live case is two points; the hooks, faults and regions passes run them all
         * again. */
        if (!block_exists(SCENE_NEEDS, (mode == MODE_BITMAP ? 370u : 344u) + 6u * (unsigned)live_cases,
                          "the hostile scene and its live cases (big, of 512 bytes at least,"
                          " in a region of 4 * big)"))
            continue;
        check_scene(mode);
        run_every_live_case("", mode);
        hooked_pass = 1;
        run_every_live_case("with hooks, ", mode);
        faults_pass = 1;
        run_every_live_case("with a fault hook failing it, ", mode);
        faults_pass = 0;
        hooked_pass = 0;
        regions_pass = 1;
        run_every_live_case("in an added region, ", mode);
        regions_pass = 0;
        /* Every refused free again, as the old block of a reallocation. */
        for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
            for (size_t i = 0; i < groups[g].count; i++) {
                struct live_case c = groups[g].cases[i];
                if (c.call != CALL_FREE || (mode == MODE_BITMAP ? c.bitmap : c.freelist) == CHOP_OK)
                    continue;
                char group[96];
                snprintf(group, sizeof group, "chop_try_reallocate, as %s", groups[g].name);
                c.call = CALL_REALLOC;
                run_live_case(group, &c, mode);
            }
        }
        test_stats_null_out(mode);
    }
    return tap_done();
}
