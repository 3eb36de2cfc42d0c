/* Differential map fuzzer: one map, one model, every result compared.
 *
 * The model knows, for each key number of the domain (fuzz_keys.h), whether it
 * is in the map, with which value and in which representation; keys that never
 * equal themselves (NaN) are a list of their own, told apart by unique values.
 * After every operation the build's invariant checker runs and the length is
 * compared; full lookups of the whole domain and a checked iteration run after
 * the operations that rebuild a map and every few steps. Any disagreement,
 * unexpected panic, bad free or leak is an abort(), which libFuzzer reports. */
#include "fuzz_target.h"
#include "fuzz_keys.h"
#include "internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPS     512
#define MAX_NANS    48
#define BIG_ELEM    144           /* > RTMAP_MAX_ELEM_BYTES: stored indirectly */
#define NAN_TAG     0x4e614e0000000000ull
#define CHECK_EVERY 32

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rtmap fuzz mismatch: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

/* ---- input ------------------------------------------------------------------ */

typedef struct input { const uint8_t *p; size_t n, pos; } input;

static unsigned rd8(input *in) { return in->pos < in->n ? in->p[in->pos++] : 0; }
static unsigned rd16(input *in) { unsigned lo = rd8(in); return lo | rd8(in) << 8; }
static uint64_t rd64(input *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)rd8(in) << (8 * i);
    return v;
}

/* ---- hooks: randomness from the input, a checking allocator, caught panics ---- */

static uint64_t rand_state;

static uint64_t input_rand(void *ctx)
{
    (void)ctx;
    uint64_t z = (rand_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

typedef struct block { size_t size; size_t magic; void *raw; size_t pad; } block;
#define BLOCK_MAGIC 0xb10c4a11ull

static long live_blocks;
static long fail_in;            /* the fail_in-th allocation from now fails; 0: none */
static unsigned long failed_allocations;

static void *checking_alloc(void *ctx, size_t size, size_t align, const rtmap_type *layout)
{
    (void)ctx;
    if (fail_in > 0 && --fail_in == 0) {
        failed_allocations++;
        fz_totals.injected_failures++;
        return NULL;
    }
    if (align == 0 || (align & (align - 1)) != 0)
        fail("allocation alignment %zu is not a power of two", align);
    if (layout && (align < layout->align || (layout->size && size % layout->size != 0)))
        fail("allocation of %zu (align %zu) does not fit layout %s", size, align,
             layout->str ? layout->str : "?");
    if (align < 32)
        align = 32;
    uint8_t *raw = malloc(size + align + sizeof(block));
    if (!raw)
        fail("out of memory in the fuzzer itself");
    uintptr_t user = ((uintptr_t)raw + sizeof(block) + align - 1) & ~(uintptr_t)(align - 1);
    block *b = (block *)user - 1;
    *b = (block){ size, BLOCK_MAGIC, raw, 0 };
    memset((void *)user, 0, size);
    live_blocks++;
    return (void *)user;
}

static void checking_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    if (!p)
        return;
    block *b = (block *)p - 1;
    if (b->magic != BLOCK_MAGIC || b->size != size)
        fail("free of %p with size %zu (allocated %zu, magic %zx)", p, size, b->size, b->magic);
    b->magic = 0;
    live_blocks--;
    free(b->raw);
}

static jmp_buf *catch_jb;
static int caught_kind = -1;
static char caught_msg[256];

static void catching_handler(void *ctx, rtmap_panic_kind kind, const char *msg)
{
    (void)ctx;
    if (kind >= RTMAP_FATAL_CONCURRENT_WRITES || !catch_jb)
        fail("unexpected panic %d: %s", (int)kind, msg);
    caught_kind = (int)kind;
    snprintf(caught_msg, sizeof caught_msg, "%s", msg);
    jmp_buf *jb = catch_jb;
    catch_jb = NULL;
    longjmp(*jb, 1);
}

typedef void (*action_fn)(void *arg);

/* Runs fn(arg); returns the kind of the panic that ended it, or -1. */
static int try_call(action_fn fn, void *arg)
{
    jmp_buf jb;
    jmp_buf *volatile outer = catch_jb;
    caught_kind = -1;
    if (setjmp(jb) == 0) {
        catch_jb = &jb;
        fn(arg);
        catch_jb = outer;
        return -1;
    }
    catch_jb = outer;
    return caught_kind;
}

static bool trace;   /* FZ_TRACE in the environment: each operation on stderr */
fz_stats fz_totals;

/* ---- the map and its model -------------------------------------------------------- */

typedef struct nan_entry { unsigned idx, variant; uint64_t value; } nan_entry;

static struct {
    const fz_keytype    *kt;
    const rtmap_maptype *mt;
    size_t               esize;
    unsigned             domain;
    rtmap_hmap          *h;
    unsigned             ops;
    /* model */
    uint8_t   present[FZ_DOMAIN], variant[FZ_DOMAIN];
    uint64_t  value[FZ_DOMAIN];
    uint32_t  incarnation[FZ_DOMAIN];   /* changes at each insert of an absent key */
    size_t    count;
    nan_entry nans[MAX_NANS];
    size_t    nnan;
    uint32_t  serial;
} S;

typedef struct keybuf { _Alignas(16) uint8_t b[FZ_MAX_KEY]; } keybuf;
typedef struct elembuf { _Alignas(16) uint8_t b[BIG_ELEM]; } elembuf;

static keybuf key_of(unsigned idx, unsigned variant)
{
    keybuf k;
    memset(&k, 0, sizeof k);
    S.kt->make(idx, variant, k.b);
    return k;
}

static bool irreflexive(unsigned idx) { return S.kt->irreflexive(idx); }
static size_t model_len(void) { return S.count + S.nnan; }
static bool fast_ok(void) { return S.esize <= RTMAP_MAX_ELEM_BYTES; }

static void fill_elem(uint64_t v, void *out)
{
    uint8_t *b = out;
    memcpy(b, &v, 8);
    for (size_t i = 8; i < S.esize; i++)
        b[i] = (uint8_t)((v >> (i % 8 * 8)) ^ i);
}

static uint64_t elem_value(const void *p)
{
    if (!p)
        fail("NULL elem pointer");
    const uint8_t *b = p;
    uint64_t v;
    memcpy(&v, b, 8);
    for (size_t i = 8; i < S.esize; i++)
        if (b[i] != (uint8_t)((v >> (i % 8 * 8)) ^ i))
            fail("elem of value %llx corrupted at byte %zu", (unsigned long long)v, i);
    return v;
}

static void expect_zero(const void *p, const char *what)
{
    if (!p)
        fail("%s: NULL instead of the zero value", what);
    for (size_t i = 0; i < S.esize; i++)
        if (((const uint8_t *)p)[i] != 0)
            fail("%s: zero value has byte %zu = %u", what, i, ((const uint8_t *)p)[i]);
}

static void check_elem(const void *p, unsigned idx, const char *what)
{
    uint64_t v = elem_value(p);
    if (v != S.value[idx])
        fail("%s of key %u: elem %llx, model %llx", what, idx, (unsigned long long)v,
             (unsigned long long)S.value[idx]);
}

static void model_reset(void)
{
    memset(S.present, 0, sizeof S.present);
    S.count = 0;
    S.nnan = 0;
}

static void model_assign(unsigned idx, unsigned variant, uint64_t v)
{
    if (irreflexive(idx)) {
        S.nans[S.nnan++] = (nan_entry){ idx, variant, v };
        return;
    }
    if (!S.present[idx]) {
        S.present[idx] = 1;
        S.count++;
        S.incarnation[idx] = ++S.serial;
        S.variant[idx] = (uint8_t)variant;
    } else if (S.kt->key_update) {
        S.variant[idx] = (uint8_t)variant;
    }
    S.value[idx] = v;
}

static void model_delete(unsigned idx)
{
    if (!irreflexive(idx) && S.present[idx]) {
        S.present[idx] = 0;
        S.count--;
    }
}

/* A checked-API call failed with ENOMEM: only acceptable while an allocation failure
   was injected during this operation. */
static unsigned long failures_before_op;
static bool oom_allowed(rtmap_err err, const char *what)
{
    if (err == RTMAP_OK)
        return false;
    if (err == RTMAP_ENOMEM && failed_allocations > failures_before_op) {
        fz_totals.oom_reported++;
        return true;
    }
    fail("%s: %s", what, rtmap_strerror(err));
    return true;
}

static void verify(const rtmap_hmap *h, const char *when)
{
    char why[512] = "";
    if (!rtmap_verify(S.mt, h, why, sizeof why))
        fail("invariant violated after %s (op %u): %s", when, S.ops, why);
}

static void check_len(rtmap_hmap *h)
{
    intptr_t n = rtmap_maplen(h);
    if (n != (intptr_t)model_len() || rtmap_reflect_maplen(h) != n || rtmap_reflectlite_maplen(h) != n)
        fail("len %ld, reflect %ld, reflectlite %ld; model %zu", (long)n,
             (long)rtmap_reflect_maplen(h), (long)rtmap_reflectlite_maplen(h), model_len());
}

/* ---- single-key operations ------------------------------------------------------ */

static void assign_key(unsigned idx, unsigned variant, uint64_t v, unsigned api)
{
    if (irreflexive(idx)) {
        if (S.nnan == MAX_NANS)
            return;
        v = NAN_TAG | ++S.serial;   /* NaN entries are told apart by their values */
    }
    keybuf k = key_of(idx, variant);
    elembuf e;
    fill_elem(v, e.b);
    void *slot = NULL;
    switch (api % 4) {
    case 0:
        slot = rtmap_mapassign(S.mt, S.h, k.b);
        break;
    case 1:
        if (S.kt->fast32 && fast_ok())
            slot = rtmap_mapassign_fast32(S.mt, S.h, *(uint32_t *)k.b);
        else if (S.kt->fast64 && fast_ok())
            slot = rtmap_mapassign_fast64(S.mt, S.h, *(uint64_t *)k.b);
        else if (S.kt->faststr && fast_ok())
            slot = rtmap_mapassign_faststr(S.mt, S.h, *(rtmap_string *)k.b);
        else
            slot = rtmap_mapassign(S.mt, S.h, k.b);
        break;
    case 2:
        if (S.kt->faststr && fast_ok())
            rtmap_reflect_mapassign_faststr(S.mt, S.h, *(rtmap_string *)k.b, e.b);
        else
            rtmap_reflect_mapassign(S.mt, S.h, k.b, e.b);
        model_assign(idx, variant, v);
        return;
    default:
        if (oom_allowed(rtmap_set_map_index(S.mt, S.h, k.b, e.b), "rtmap_set_map_index"))
            return;
        model_assign(idx, variant, v);
        return;
    }
    if (!slot)
        fail("mapassign returned NULL without a panic");
    memcpy(slot, e.b, S.esize);
    model_assign(idx, variant, v);
}

static void access_key(rtmap_hmap *h, unsigned idx, unsigned variant, unsigned api)
{
    bool want = !irreflexive(idx) && S.present[idx];
    keybuf k = key_of(idx, variant);
    static const uint8_t zero[BIG_ELEM];
    bool ok = false;
    const void *p;
    switch (api % 7) {
    case 0:
        p = rtmap_mapaccess1(S.mt, h, k.b);
        ok = want;                      /* no flag: the elem tells */
        break;
    case 1:
        p = rtmap_mapaccess2(S.mt, h, k.b, &ok);
        break;
    case 2:
        p = rtmap_mapaccess1_fat(S.mt, h, k.b, zero);
        ok = want;
        break;
    case 3:
        p = rtmap_mapaccess2_fat(S.mt, h, k.b, zero, &ok);
        break;
    case 4:
        if (S.kt->fast32 && fast_ok())
            p = variant ? rtmap_mapaccess2_fast32(S.mt, h, *(uint32_t *)k.b, &ok)
                        : (ok = want, rtmap_mapaccess1_fast32(S.mt, h, *(uint32_t *)k.b));
        else if (S.kt->fast64 && fast_ok())
            p = variant ? rtmap_mapaccess2_fast64(S.mt, h, *(uint64_t *)k.b, &ok)
                        : (ok = want, rtmap_mapaccess1_fast64(S.mt, h, *(uint64_t *)k.b));
        else if (S.kt->faststr && fast_ok())
            p = idx & 1 ? rtmap_mapaccess2_faststr(S.mt, h, *(rtmap_string *)k.b, &ok)
                        : (ok = want, rtmap_mapaccess1_faststr(S.mt, h, *(rtmap_string *)k.b));
        else
            p = rtmap_mapaccess2(S.mt, h, k.b, &ok);
        break;
    case 5:
        p = S.kt->faststr && fast_ok() ? rtmap_reflect_mapaccess_faststr(S.mt, h, *(rtmap_string *)k.b)
                          : rtmap_reflect_mapaccess(S.mt, h, k.b);
        if ((p != NULL) != want)
            fail("reflect_mapaccess of key %u: %s, model %s", idx, p ? "found" : "absent",
                 want ? "present" : "absent");
        if (p)
            check_elem(p, idx, "reflect_mapaccess");
        return;
    default: {
        elembuf out;
        memset(out.b, 0xcc, sizeof out.b);
        rtmap_err err = rtmap_map_index(S.mt, h, k.b, out.b, &ok);
        if (err != RTMAP_OK)
            fail("rtmap_map_index: %s", rtmap_strerror(err));
        if (ok != want)
            fail("map_index of key %u: found %d, model %d", idx, ok, want);
        if (ok)
            check_elem(out.b, idx, "map_index");
        else
            expect_zero(out.b, "map_index miss");
        return;
    }
    }
    if (ok != want)
        fail("access (way %u) of key %u: found %d, model %d", api % 7, idx, ok, want);
    if (want)
        check_elem(p, idx, "access");
    else
        expect_zero(p, "access miss");
}

static void delete_key(unsigned idx, unsigned variant, unsigned api)
{
    keybuf k = key_of(idx, variant);
    switch (api % 4) {
    case 0:
        rtmap_mapdelete(S.mt, S.h, k.b);
        break;
    case 1:
        if (S.kt->fast32 && fast_ok())
            rtmap_mapdelete_fast32(S.mt, S.h, *(uint32_t *)k.b);
        else if (S.kt->fast64 && fast_ok())
            rtmap_mapdelete_fast64(S.mt, S.h, *(uint64_t *)k.b);
        else if (S.kt->faststr && fast_ok())
            rtmap_mapdelete_faststr(S.mt, S.h, *(rtmap_string *)k.b);
        else
            rtmap_mapdelete(S.mt, S.h, k.b);
        break;
    case 2:
        if (S.kt->faststr && fast_ok())
            rtmap_reflect_mapdelete_faststr(S.mt, S.h, *(rtmap_string *)k.b);
        else
            rtmap_reflect_mapdelete(S.mt, S.h, k.b);
        break;
    default:
        if (oom_allowed(rtmap_set_map_index(S.mt, S.h, k.b, NULL), "set_map_index(delete)"))
            return;
        break;
    }
    model_delete(idx);
}

static void clear_map(unsigned api)
{
    switch (api % 3) {
    case 0: rtmap_mapclear(S.mt, S.h); break;
    case 1: rtmap_reflect_mapclear(S.mt, S.h); break;
    default:
        if (oom_allowed(rtmap_map_clear(S.mt, S.h), "rtmap_map_clear"))
            return;
    }
    model_reset();
}

/* ---- iteration against the model ------------------------------------------------ */

/* What one iterator has produced so far, against what the map held when it began. */
typedef struct iter_track {
    uint32_t start_inc[FZ_DOMAIN], produced_inc[FZ_DOMAIN];
    uint64_t nan_start[MAX_NANS], nan_seen[4 * MAX_NANS];
    size_t   nnan_start, nnan_seen;
} iter_track;

static void iter_begin(iter_track *t)
{
    for (unsigned i = 0; i < S.domain; i++) {
        t->start_inc[i] = S.present[i] ? S.incarnation[i] : 0;
        t->produced_inc[i] = 0;
    }
    for (size_t j = 0; j < S.nnan; j++)
        t->nan_start[j] = S.nans[j].value;
    t->nnan_start = S.nnan;
    t->nnan_seen = 0;
}

static bool nan_seen(const iter_track *t, uint64_t v)
{
    for (size_t j = 0; j < t->nnan_seen; j++)
        if (t->nan_seen[j] == v)
            return true;
    return false;
}

/* Checks one entry that iterator t produced; returns its key number. */
static unsigned iter_entry(iter_track *t, const void *key, const void *elem)
{
    if (!key)
        fail("iteration produced a NULL key");
    long d = S.kt->decode(key);
    if (d < 0 || (unsigned)d >= S.domain)
        fail("iteration produced a key that was never inserted (decodes to %ld)", d);
    unsigned idx = (unsigned)d;
    uint64_t v = elem_value(elem);
    if (irreflexive(idx)) {
        if (t->nnan_seen == 4 * MAX_NANS || nan_seen(t, v))
            fail("iteration produced a NaN entry (value %llx) twice", (unsigned long long)v);
        for (size_t j = 0; j < S.nnan; j++) {
            nan_entry *n = &S.nans[j];
            keybuf want = key_of(idx, n->variant);
            if (n->value == v && n->idx == idx && S.kt->identical(key, want.b)) {
                t->nan_seen[t->nnan_seen++] = v;
                return idx;
            }
        }
        fail("iteration produced a NaN entry (value %llx) the map does not hold",
             (unsigned long long)v);
    }
    if (!S.present[idx])
        fail("iteration produced key %u, which is not in the map", idx);
    if (t->produced_inc[idx] == S.incarnation[idx])
        fail("iteration produced key %u twice", idx);
    keybuf want = key_of(idx, S.variant[idx]);
    if (!S.kt->identical(key, want.b))
        fail("iteration produced key %u in representation other than variant %u", idx, S.variant[idx]);
    if (v != S.value[idx])
        fail("iteration produced key %u with elem %llx, model %llx", idx,
             (unsigned long long)v, (unsigned long long)S.value[idx]);
    t->produced_inc[idx] = S.incarnation[idx];
    return idx;
}

/* After a complete iteration: every entry there at the start and never deleted
   was produced. */
static void iter_complete(const iter_track *t)
{
    for (unsigned i = 0; i < S.domain; i++)
        if (t->start_inc[i] && S.present[i] && S.incarnation[i] == t->start_inc[i] &&
            t->produced_inc[i] != t->start_inc[i])
            fail("iteration missed key %u", i);
    for (size_t j = 0; j < t->nnan_start; j++) {
        bool still_there = false;
        for (size_t k = 0; k < S.nnan; k++)
            still_there |= S.nans[k].value == t->nan_start[j];
        if (still_there && !nan_seen(t, t->nan_start[j]))
            fail("iteration missed a NaN entry (value %llx)", (unsigned long long)t->nan_start[j]);
    }
}

static iter_track tracks[3];   /* two live iterators, and mapkeys */

static unsigned fresh_idx(unsigned from)
{
    for (unsigned i = 0; i < S.domain; i++) {
        unsigned idx = (from + i) % S.domain;
        if (!S.present[idx] && !irreflexive(idx))
            return idx;
    }
    return from % S.domain;
}

/* One mutation during iteration, chosen by the input; returns false to stop. */
static bool mutate_during_iteration(input *in, unsigned current)
{
    unsigned b = rd8(in) % 16, idx, n;
    if (trace)
        fprintf(stderr, "  at key %u: mutation %u\n", current, b);
    switch (b) {
    case FZ_MUT_ASSIGN:
        idx = rd16(in) % S.domain;
        assign_key(idx, idx >> 4 & 1, (uint64_t)S.ops << 32 | idx, idx);
        break;
    case FZ_MUT_DELETE:
        idx = rd16(in) % S.domain;
        delete_key(idx, idx >> 3 & 1, idx);
        break;
    case FZ_MUT_DELETE_CURRENT:
        delete_key(current, 0, current >> 1);
        break;
    case FZ_MUT_UPDATE_CURRENT:
        if (!irreflexive(current))
            assign_key(current, 1, ~S.value[current], current);
        break;
    case FZ_MUT_GROW:
        n = rd8(in) % 64 + 1;
        idx = fresh_idx(current);
        for (unsigned i = 0; i < n; i++) {
            idx = fresh_idx(idx + 1);
            assign_key(idx, 0, idx, i);
        }
        break;
    case FZ_MUT_DELETE_RANGE:
        idx = rd16(in);
        n = rd8(in) % 64 + 1;
        for (unsigned i = 0; i < n; i++)
            delete_key((idx + i) % S.domain, 0, i);
        break;
    case FZ_MUT_CLEAR:
        clear_map(current);
        break;
    case FZ_MUT_STOP:
        return false;
    default:
        return true;
    }
    verify(S.h, "a write during iteration");
    check_len(S.h);
    return true;
}

/* in == NULL: read only. Otherwise up to nmut mutations from the input, one after
   every gap-th entry produced. */
typedef struct mutations { input *in; unsigned nmut, gap, seen; } mutations;

static bool next_mutation(mutations *m, unsigned current)
{
    if (!m->in || m->nmut == 0 || m->seen++ % m->gap != 0)
        return true;
    m->nmut--;
    return mutate_during_iteration(m->in, current);
}

static void iterate(rtmap_hmap *h, unsigned api, input *in, unsigned nmut)
{
    mutations mut = { in, nmut, (api >> 2) % 16 + 1, 0 };
    iter_track *t = &tracks[0];
    iter_begin(t);
    bool stopped = false;
    /* entries added during the loop may be produced too: at most 64 per mutation */
    size_t produced = 0, limit = 4 * FZ_DOMAIN + MAX_NANS * 2 + 64 * (size_t)nmut;
    switch (api % 3) {
    case 0: {
        rtmap_hiter it;
        for (rtmap_mapiterinit(S.mt, h, &it); it.key; rtmap_mapiternext(&it)) {
            unsigned idx = iter_entry(t, it.key, it.elem);
            if (++produced > limit)
                fail("iteration does not end");
            if (!next_mutation(&mut, idx)) {
                rtmap_mapiterstop(&it);
                stopped = true;
                break;
            }
        }
        if (!stopped) {
            rtmap_mapiternext(&it);
            if (it.key)
                fail("mapiternext after the end produced a key");
        }
        break;
    }
    case 1: {
        rtmap_hiter it;
        rtmap_reflect_mapiterinit(S.mt, h, &it);
        for (void *k; (k = rtmap_reflect_mapiterkey(&it)); rtmap_reflect_mapiternext(&it)) {
            unsigned idx = iter_entry(t, k, rtmap_reflect_mapiterelem(&it));
            if (++produced > limit)
                fail("iteration does not end");
            if (!next_mutation(&mut, idx)) {
                rtmap_mapiterstop(&it);
                stopped = true;
                break;
            }
        }
        break;
    }
    default: {
        rtmap_map_iter it;
        keybuf k;
        elembuf e;
        rtmap_map_range(S.mt, h, &it);
        while (rtmap_map_iter_next(&it)) {
            if (rtmap_map_iter_key(&it, k.b) != RTMAP_OK || rtmap_map_iter_value(&it, e.b) != RTMAP_OK)
                fail("checked iterator: Key/Value failed after Next");
            unsigned idx = iter_entry(t, k.b, e.b);
            if (++produced > limit)
                fail("iteration does not end");
            if (!next_mutation(&mut, idx)) {
                rtmap_map_iter_reset(&it, NULL, NULL);
                stopped = true;
                break;
            }
        }
        if (!stopped && rtmap_map_iter_key(&it, k.b) != RTMAP_EITER)
            fail("checked iterator: Key after the end is not RTMAP_EITER");
        break;
    }
    }
    if (!stopped)
        iter_complete(t);
}

/* Two iterators over one map, advanced in an order the input picks (the second
   starts when first picked, later than the first), with writes between steps:
   storage a growth retires must stay valid while either is live, and each must
   follow the iteration rules on its own. Either may be stopped or, the second,
   abandoned without a stop. */
static void iterate_two(input *in)
{
    unsigned flags = rd8(in), nmut = rd8(in);
    rtmap_hiter it[2];
    bool started[2] = { false, false }, done[2] = { false, false }, checked[2] = { false, false };
    unsigned cur[2] = { 0, 0 };
    size_t produced = 0, limit = 8 * FZ_DOMAIN + 4 * MAX_NANS + 128 * (size_t)nmut;
    while (!done[0] || !done[1]) {
        unsigned step = rd8(in), which = step & 1;
        if (done[which])
            which ^= 1;
        rtmap_hiter *i = &it[which];
        iter_track *t = &tracks[which];
        if (!started[which]) {
            started[which] = true;
            iter_begin(t);
            if (flags >> which & 1)
                rtmap_reflect_mapiterinit(S.mt, S.h, i);
            else
                rtmap_mapiterinit(S.mt, S.h, i);
        } else if ((step & 0xfc) == 0xfc && which == 1) {
            done[1] = true;           /* abandoned: no stop, no completeness check */
            continue;
        } else if (step & 2 && nmut > 0) {
            nmut--;
            if (!mutate_during_iteration(in, cur[which])) {
                rtmap_mapiterstop(i);
                done[which] = true;
            }
            continue;
        } else {
            rtmap_mapiternext(i);
        }
        if (!i->key) {
            done[which] = checked[which] = true;
            continue;
        }
        cur[which] = iter_entry(t, i->key, i->elem);
        if (++produced > limit)
            fail("two iterations do not end");
    }
    for (int w = 0; w < 2; w++)
        if (checked[w])
            iter_complete(&tracks[w]);
}

/* Every key of the domain looked up, then a read-only iteration. */
static void check_all(rtmap_hmap *h)
{
    check_len(h);
    for (unsigned idx = 0; idx < S.domain; idx++) {
        keybuf k = key_of(idx, idx >> 1 & 1);
        bool ok;
        void *p = rtmap_mapaccess2(S.mt, h, k.b, &ok);
        bool want = !irreflexive(idx) && S.present[idx];
        if (ok != want)
            fail("check_all: key %u found %d, model %d", idx, ok, want);
        if (want)
            check_elem(p, idx, "check_all");
        else
            expect_zero(p, "check_all miss");
    }
    iterate(h, 0, NULL, 0);
}

/* ---- whole-map operations --------------------------------------------------------- */

static void keys_and_values(unsigned capsel)
{
    size_t len = model_len();
    size_t cap = capsel % 4 == 0 ? len : capsel % 4 == 1 ? len + 2 : capsel % 4 == 2 ? len / 2 : 0;
    size_t ksize = S.mt->key->size;
    uint8_t *keys = malloc(cap * ksize + 1);
    uint8_t *vals = malloc(cap * S.esize + 1);
    uint64_t *got = malloc((cap + 1) * sizeof *got);
    uint64_t *want = malloc((len + 1) * sizeof *want);
    size_t expect_n = cap < len ? cap : len;

    for (int round = 0; round < 2; round++) {
        size_t n;
        if (round == 0) {
            n = rtmap_mapkeys(S.mt, S.h, keys, cap);
        } else {
            rtmap_err err = rtmap_map_keys(S.mt, S.h, keys, cap, &n);
            if (err != (cap < len ? RTMAP_EINVAL : RTMAP_OK) || n != len)
                fail("rtmap_map_keys(cap %zu, len %zu): %s, n %zu", cap, len, rtmap_strerror(err), n);
            n = expect_n;
        }
        if (n != expect_n)
            fail("mapkeys wrote %zu keys, expected %zu", n, expect_n);
        iter_track *t = &tracks[2];   /* reuse the produced-once bookkeeping */
        iter_begin(t);
        size_t nans = 0;
        for (size_t i = 0; i < n; i++) {
            const uint8_t *k = keys + i * ksize;
            long d = S.kt->decode(k);
            if (d < 0 || (unsigned)d >= S.domain)
                fail("mapkeys produced an unknown key");
            if (irreflexive((unsigned)d)) {
                nans++;
                continue;
            }
            if (!S.present[d] || t->produced_inc[d] == S.incarnation[d])
                fail("mapkeys produced key %ld absent or twice", d);
            keybuf w = key_of((unsigned)d, S.variant[d]);
            if (!S.kt->identical(k, w.b))
                fail("mapkeys produced key %ld in a stale representation", d);
            t->produced_inc[d] = S.incarnation[d];
        }
        if (nans > S.nnan || (cap >= len && nans != S.nnan))
            fail("mapkeys produced %zu NaN keys, model %zu", nans, S.nnan);
    }

    size_t n = rtmap_mapvalues(S.mt, S.h, vals, cap);
    if (n != expect_n)
        fail("mapvalues wrote %zu values, expected %zu", n, expect_n);
    for (size_t i = 0; i < n; i++)
        got[i] = elem_value(vals + i * S.esize);
    size_t m = 0;
    for (unsigned i = 0; i < S.domain; i++)
        if (S.present[i] && !irreflexive(i))
            want[m++] = S.value[i];
    for (size_t j = 0; j < S.nnan; j++)
        want[m++] = S.nans[j].value;
    /* got must be a sub-multiset of want (all of it when cap >= len) */
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < m && want[j] != got[i])
            j++;
        if (j == m)
            fail("mapvalues produced %llx, which no entry holds (or too often)",
                 (unsigned long long)got[i]);
        want[j] = want[--m];
    }
    free(keys);
    free(vals);
    free(got);
    free(want);
}

static void clone_map(unsigned flags)
{
    rtmap_hmap *c = NULL;
    if (flags & 1) {
        if (oom_allowed(rtmap_map_clone(S.mt, S.h, &c), "rtmap_map_clone"))
            return;
    } else {
        c = rtmap_mapclone(S.mt, S.h);
    }
    if (!c && S.h)
        fail("clone of a map returned NULL");
    verify(c, "clone");
    check_all(c);
    if (flags & 2) {   /* go on with the clone: it must not share the original's memory */
        rtmap_mapfree(S.mt, S.h);
        S.h = c;
    } else {
        rtmap_mapfree(S.mt, c);
    }
}

static rtmap_hmap *make_map(unsigned api, unsigned hint)
{
    /* mostly small hints: the checker walks every slot after every operation */
    intptr_t h = hint % 5 == 4 ? (hint & 8 ? -1 : INTPTR_MAX)
               : (intptr_t)(hint & 0x8000 ? hint % 3000 : hint % 64);
    rtmap_hmap *m = NULL;
    switch (api % 5) {
    case 0: m = rtmap_makemap(S.mt, h); break;
    case 1: m = rtmap_makemap64(S.mt, h); break;
    case 2: m = rtmap_makemap_small(S.mt); break;
    case 3: m = rtmap_reflect_makemap(S.mt, h); break;
    default:
        if (oom_allowed(rtmap_make_map(S.mt, h < 0 ? SIZE_MAX : (size_t)h, &m), "rtmap_make_map"))
            return NULL;
    }
    if (!m)
        fail("makemap returned NULL without a panic");
    return m;
}

static void remake(unsigned api, unsigned hint)
{
    rtmap_hmap *m = make_map(api, hint);
    if (!m)
        return;
    rtmap_mapfree(S.mt, S.h);
    S.h = m;
    model_reset();
}

/* ---- operations that must panic --------------------------------------------------- */

typedef struct panic_call { unsigned which; rtmap_hmap *h; } panic_call;

static void nil_write(void *arg)
{
    (void)arg;
    keybuf k = key_of(0, 0);
    rtmap_mapassign(S.mt, NULL, k.b);
}

static void nil_map_ops(void)
{
    keybuf k = key_of(1 % S.domain, 0);
    bool ok = true;
    expect_zero(rtmap_mapaccess1(S.mt, NULL, k.b), "nil map access1");
    expect_zero(rtmap_mapaccess2(S.mt, NULL, k.b, &ok), "nil map access2");
    if (ok || rtmap_maplen(NULL) != 0)
        fail("nil map: found a key or nonzero len");
    rtmap_mapdelete(S.mt, NULL, k.b);
    rtmap_hiter it;
    rtmap_mapiterinit(S.mt, NULL, &it);
    if (it.key)
        fail("nil map: iteration produced a key");
    if (rtmap_mapkeys(S.mt, NULL, k.b, 1) != 0 || rtmap_mapclone(S.mt, NULL) != NULL)
        fail("nil map: keys or clone");
    if (try_call(nil_write, NULL) != RTMAP_PANIC_NIL_MAP_WRITE ||
        !strstr(caught_msg, "assignment to entry in nil map"))
        fail("nil map write: panic %d (%s)", caught_kind, caught_msg);
    elembuf e;
    fill_elem(1, e.b);
    if (rtmap_set_map_index(S.mt, NULL, k.b, e.b) != RTMAP_ENILMAP ||
        rtmap_set_map_index(S.mt, NULL, k.b, NULL) != RTMAP_OK || rtmap_map_clear(S.mt, NULL) != RTMAP_OK)
        fail("checked API on a nil map");
}

static void unhashable_call(void *arg)
{
    panic_call *c = arg;
    rtmap_eface key = fz_unhashable_any();
    bool ok;
    switch (c->which % 4) {
    case 0: rtmap_mapaccess1(S.mt, c->h, &key); break;
    case 1: rtmap_mapaccess2(S.mt, c->h, &key, &ok); break;
    case 2: rtmap_mapassign(S.mt, c->h, &key); break;
    default: rtmap_mapdelete(S.mt, c->h, &key); break;
    }
}

static void unhashable_ops(unsigned which)
{
    panic_call c = { which, which & 4 && which % 4 != 2 ? NULL : S.h };
    int kind = try_call(unhashable_call, &c);
    if (kind != RTMAP_PANIC_UNHASHABLE || !strstr(caught_msg, "hash of unhashable type ") ||
        !strstr(caught_msg, fz_unhashable_type_name()))
        fail("unhashable key (way %u): panic %d (%s)", which % 4, kind, caught_msg);
    rtmap_eface key = fz_unhashable_any();
    elembuf e;
    fill_elem(2, e.b);
    bool found = true;
    if (rtmap_map_index(S.mt, S.h, &key, e.b, &found) != RTMAP_EUNHASHABLE ||
        rtmap_set_map_index(S.mt, S.h, &key, e.b) != RTMAP_EUNHASHABLE ||
        rtmap_set_map_index(S.mt, S.h, &key, NULL) != RTMAP_EUNHASHABLE)
        fail("checked API with an unhashable key");
}

/* ---- the driver -------------------------------------------------------------------- */

static void bulk(input *in, bool assign)
{
    unsigned start = rd16(in), n = rd8(in) * 4 + 1, flags = rd8(in);
    unsigned stride = 1 + (flags >> 3 & 7);
    for (unsigned i = 0; i < n; i++) {
        unsigned idx = (start + i * stride) % S.domain;
        if (assign)
            assign_key(idx, flags & 1, (uint64_t)S.ops << 32 | i, flags >> 1);
        else
            delete_key(idx, flags & 1, flags >> 1);
    }
}

static bool pending_failure;
static unsigned pending_k;

static void run_op(void *arg)
{
    input *in = arg;
    unsigned op = rd8(in) % 16, idx, flags;
    if (op >= FZ_OP_COUNT)
        op = FZ_OP_ASSIGN;
    if (trace)
        fprintf(stderr, "op %u: %u at byte %zu, args %02x %02x %02x %02x, len %zu (%zu NaN)\n",
                S.ops, op, in->pos, in->pos < in->n ? in->p[in->pos] : 0,
                in->pos + 1 < in->n ? in->p[in->pos + 1] : 0, in->pos + 2 < in->n ? in->p[in->pos + 2] : 0,
                in->pos + 3 < in->n ? in->p[in->pos + 3] : 0, model_len(), S.nnan);
    switch (op) {
    case FZ_OP_ASSIGN:
        idx = rd16(in) % S.domain;
        flags = rd8(in);
        assign_key(idx, flags & 1, (uint64_t)S.ops << 32 | rd16(in), flags >> 1);
        break;
    case FZ_OP_ACCESS:
        idx = rd16(in) % S.domain;
        flags = rd8(in);
        access_key(S.h, idx, flags & 1, flags >> 1);
        break;
    case FZ_OP_DELETE:
        idx = rd16(in) % S.domain;
        flags = rd8(in);
        delete_key(idx, flags & 1, flags >> 1);
        break;
    case FZ_OP_BULK_ASSIGN: bulk(in, true); break;
    case FZ_OP_BULK_DELETE: bulk(in, false); break;
    case FZ_OP_CLEAR: clear_map(rd8(in)); break;
    case FZ_OP_CLONE: clone_map(rd8(in)); break;
    case FZ_OP_ITERATE:
        flags = rd8(in);
        iterate(S.h, flags, in, rd8(in));
        break;
    case FZ_OP_KEYS_VALUES: keys_and_values(rd8(in)); break;
    case FZ_OP_REMAKE:
        flags = rd8(in);
        remake(flags, rd16(in));
        break;
    case FZ_OP_FAIL_ALLOC:
        pending_failure = true;
        pending_k = rd8(in) % 16 + 1;
        break;
    case FZ_OP_NIL_MAP: nil_map_ops(); break;
    case FZ_OP_ITERATE_TWO: iterate_two(in); break;
    case FZ_OP_UNHASHABLE:
        flags = rd8(in);
        if (S.kt->may_panic)
            unhashable_ops(flags);
        else
            access_key(S.h, flags % S.domain, 0, flags);
        break;
    default:
        check_all(S.h);
        break;
    }
}

static const rtmap_maptype *map_type_for(const fz_keytype *kt, bool big)
{
    static const rtmap_type *big_elem;
    const rtmap_maptype *mt;
    if (!big_elem && rtmap_array_of(&rtmap_type_uint8, BIG_ELEM, &big_elem) != RTMAP_OK)
        fail("rtmap_array_of(uint8, %d)", BIG_ELEM);
    rtmap_err err = rtmap_map_of(kt->type, big ? big_elem : &rtmap_type_uint64, &mt);
    if (err != RTMAP_OK)
        fail("rtmap_map_of(%s): %s", kt->name, rtmap_strerror(err));
    if (!!(mt->flags & RTMAP_NEED_KEY_UPDATE) != kt->key_update)
        fail("map of %s: NEED_KEY_UPDATE flag %d", kt->name, !!(mt->flags & RTMAP_NEED_KEY_UPDATE));
    if (!!(mt->flags & RTMAP_HASH_MIGHT_PANIC) != kt->may_panic)
        fail("map of %s: HASH_MIGHT_PANIC flag", kt->name);
    return mt;
}

void fz_run(const uint8_t *data, size_t size)
{
    static bool hooks_installed;
    fz_keys_init();
    if (!hooks_installed) {
        trace = getenv("FZ_TRACE") != NULL;
        rtmap_allocator a = { checking_alloc, checking_free, NULL };
        rtmap_set_allocator(&a);
        rtmap_set_panic_handler(catching_handler, NULL);
        rtmap_set_rand(input_rand, NULL);
        hooks_installed = true;
    }
    static const unsigned domains[4] = { 16, 128, 1024, FZ_DOMAIN };
    input in = { data, size, 0 };
    fz_totals.inputs++;
    unsigned hdr = rd8(&in);
    rand_state = rd64(&in);
    S.kt = fz_keytype_at(hdr & 7);
    S.mt = map_type_for(S.kt, hdr >> 3 & 1);
    S.esize = S.mt->elem->size;
    S.domain = domains[hdr >> 4 & 3];
    S.ops = 0;
    pending_failure = false;
    fail_in = 0;
    model_reset();
    S.h = make_map(hdr >> 6, hdr);
    verify(S.h, "makemap");

    while (in.pos < in.n && S.ops < MAX_OPS) {
        S.ops++;
        bool injected = pending_failure;
        pending_failure = false;
        fail_in = injected ? (long)pending_k : 0;
        failures_before_op = failed_allocations;
        int kind = try_call(run_op, &in);
        fail_in = 0;
        if (kind >= 0 && (kind != RTMAP_PANIC_OUT_OF_MEMORY || failed_allocations == failures_before_op))
            fail("unexpected panic %d (%s) in op %u", kind, caught_msg, S.ops);
        fz_totals.oom_reported += kind == RTMAP_PANIC_OUT_OF_MEMORY;
        fz_totals.operations++;
        verify(S.h, "an operation");
        check_len(S.h);
        if (injected || S.ops % CHECK_EVERY == 0)
            check_all(S.h);
    }
    check_all(S.h);
    rtmap_mapfree(S.mt, S.h);
    S.h = NULL;
    if (live_blocks != 0)
        fail("%ld blocks still allocated after mapfree", live_blocks);
}
