/* The embedder's hooks: allocator, panic handler, randomness. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

const uint8_t rtmap_zero_val[RTMAP_ZERO_VAL_SIZE];

/* ---- allocator ------------------------------------------------------------ */

static void *heap_alloc(void *ctx, size_t size, size_t align, const rtmap_type *layout)
{
    (void)ctx;
    (void)layout;
    if (size == 0)
        size = 1;
    if (align <= _Alignof(max_align_t))
        return calloc(1, size);
    /* aligned_alloc wants a size that is a multiple of the alignment */
    size_t rounded = (size + align - 1) & ~(align - 1);
    if (rounded < size)
        return NULL;
    void *p = aligned_alloc(align, rounded);
    if (p)
        memset(p, 0, rounded);
    return p;
}

static void heap_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

static const rtmap_allocator heap_allocator = { heap_alloc, heap_free, NULL };

/* Maps copy the allocator when they are made; only that copy must be consistent,
 * so a mutex-free snapshot of three words guarded by a sequence count suffices. */
static rtmap_allocator current_allocator = { heap_alloc, heap_free, NULL };
static atomic_uint allocator_seq;

void rtmap_set_allocator(const rtmap_allocator *a)
{
    atomic_fetch_add_explicit(&allocator_seq, 1, memory_order_acq_rel);
    current_allocator = (a && a->alloc && a->free) ? *a : heap_allocator;
    atomic_fetch_add_explicit(&allocator_seq, 1, memory_order_acq_rel);
}

void rtmap_current_allocator(rtmap_allocator *out)
{
    unsigned s0, s1;
    do {
        s0 = atomic_load_explicit(&allocator_seq, memory_order_acquire);
        *out = current_allocator;
        s1 = atomic_load_explicit(&allocator_seq, memory_order_acquire);
    } while (s0 != s1 || (s0 & 1));
}

void *rtmap_alloc_with(const rtmap_allocator *a, size_t size, size_t align, const rtmap_type *layout)
{
    return a->alloc(a->ctx, size, align, layout);
}

void rtmap_free_with(const rtmap_allocator *a, void *p, size_t size)
{
    if (p)
        a->free(a->ctx, p, size);
}

/* ---- panics ----------------------------------------------------------------- */

static rtmap_panic_handler panic_handler;
static void *panic_ctx;
_Thread_local unsigned rtmap_tls_panics;
static _Thread_local rtmap_panic_collector *collector;

void rtmap_set_panic_handler(rtmap_panic_handler fn, void *ctx)
{
    panic_ctx = ctx;
    panic_handler = fn;
}

static bool is_fatal(rtmap_panic_kind kind)
{
    return kind >= RTMAP_FATAL_CONCURRENT_WRITES;
}

void rtmap_panic(rtmap_panic_kind kind, const char *msg)
{
    if (is_fatal(kind))
        rtmap_fatal(kind, msg);
    rtmap_tls_panics++;
    if (collector) {
        if (!collector->raised) {
            collector->raised = true;
            collector->kind = kind;
        }
        return;
    }
    if (panic_handler) {
        panic_handler(panic_ctx, kind, msg);
        return;
    }
    fprintf(stderr, "rtmap: panic: %s\n", msg);
    fflush(stderr);
    abort();
}

void rtmap_fatal(rtmap_panic_kind kind, const char *msg)
{
    if (panic_handler)
        panic_handler(panic_ctx, kind, msg);
    fprintf(stderr, "rtmap: fatal error: %s\n", msg);
    fflush(stderr);
    abort();
}

void rtmap_panic_unhashable(const rtmap_type *t)
{
    char msg[256];
    snprintf(msg, sizeof msg, "hash of unhashable type %s", t && t->str ? t->str : "?");
    rtmap_panic(RTMAP_PANIC_UNHASHABLE, msg);
}

void rtmap_panic_oom(void)
{
    rtmap_panic(RTMAP_PANIC_OUT_OF_MEMORY, "out of memory");
}

void rtmap_collect_panics_begin(rtmap_panic_collector *c)
{
    c->outer = collector;
    c->raised = false;
    collector = c;
}

void rtmap_collect_panics_end(rtmap_panic_collector *c)
{
    collector = c->outer;
}

/* ---- randomness --------------------------------------------------------------
 * Seeds and iteration starts only need to be unpredictable to an outsider and
 * cheap: one getrandom per thread, then wyrand (a 64-bit Weyl sequence through a
 * 128-bit multiply-fold), which passes BigCrush and costs a few cycles. */

static uint64_t (*rand_fn)(void *);
static void *rand_ctx;
static _Thread_local uint64_t rand_state;
static _Thread_local bool rand_seeded;

void rtmap_set_rand(uint64_t (*fn)(void *ctx), void *ctx)
{
    rand_ctx = ctx;
    rand_fn = fn;
}

static void seed_thread_rand(void)
{
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s) {
        /* No entropy source: fall back to the clock and an address, which still
           differ between processes. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)&s;
    }
    rand_state = s;
    rand_seeded = true;
}

uint64_t rtmap_rand(void)
{
    if (rand_fn)
        return rand_fn(rand_ctx);
    if (RTMAP_UNLIKELY(!rand_seeded))
        seed_thread_rand();
    rand_state += 0xa0761d6478bd642fULL;
    __uint128_t m = (__uint128_t)rand_state * (rand_state ^ 0xe7037ed1a0b428dbULL);
    return (uint64_t)(m >> 64) ^ (uint64_t)m;
}

/* ---- indirect keys and elems ------------------------------------------------ */

void *rtmap_alloc_value(const rtmap_allocator *a, const rtmap_type *vt)
{
    return rtmap_alloc_with(a, vt->size, vt->align ? vt->align : 1, vt);
}

bool rtmap_new_entry_prepare(const rtmap_allocator *a, const rtmap_maptype *t, rtmap_new_entry *ne)
{
    ne->key_obj = ne->elem_obj = NULL;
    if ((t->flags & RTMAP_INDIRECT_KEY) && !(ne->key_obj = rtmap_alloc_value(a, t->key)))
        return false;
    if ((t->flags & RTMAP_INDIRECT_ELEM) && !(ne->elem_obj = rtmap_alloc_value(a, t->elem))) {
        rtmap_new_entry_release(a, t, ne);
        return false;
    }
    return true;
}

void rtmap_new_entry_release(const rtmap_allocator *a, const rtmap_maptype *t, rtmap_new_entry *ne)
{
    if (ne->key_obj)
        rtmap_free_with(a, ne->key_obj, t->key->size);
    if (ne->elem_obj)
        rtmap_free_with(a, ne->elem_obj, t->elem->size);
    ne->key_obj = ne->elem_obj = NULL;
}
