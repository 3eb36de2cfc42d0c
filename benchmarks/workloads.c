/* The workloads of Go's map benchmarks (runtime/map_benchmark_test.go, with the
 * swiss-table benchmarks of Go 1.24), written once against a table of entry
 * points and instantiated per key type so that each timed loop calls the entry
 * point directly. Each setup checks the values it reads back; a wrong value
 * fails the benchmark instead of producing a figure. */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* ---- entry points per variant ----------------------------------------------- */

typedef struct map_ops {
    void *(*access)(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i, bool *ok);
    void *(*assign)(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i);
    void  (*del)(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i);
    size_t size;                       /* of a key and of an elem */
} map_ops;

ALWAYS_INLINE const void *key_at(const map_ops *o, const key_set *k, size_t i)
{
    switch (o->size) {
    case 4:  return &k->i32[i];
    case 8:  return &k->i64[i];
    default: return &k->str[i];
    }
}

static void *access_i32(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i, bool *ok)
{ return rtmap_mapaccess2_fast32(t, m, k->i32[i], ok); }
static void *assign_i32(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i)
{ return rtmap_mapassign_fast32(t, m, k->i32[i]); }
static void delete_i32(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i)
{ rtmap_mapdelete_fast32(t, m, k->i32[i]); }

static void *access_i64(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i, bool *ok)
{ return rtmap_mapaccess2_fast64(t, m, k->i64[i], ok); }
static void *assign_i64(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i)
{ return rtmap_mapassign_fast64(t, m, k->i64[i]); }
static void delete_i64(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i)
{ rtmap_mapdelete_fast64(t, m, k->i64[i]); }

static void *access_str(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i, bool *ok)
{ return rtmap_mapaccess2_faststr(t, m, k->str[i], ok); }
static void *assign_str(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i)
{ return rtmap_mapassign_faststr(t, m, k->str[i]); }
static void delete_str(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i)
{ rtmap_mapdelete_faststr(t, m, k->str[i]); }

static void *access_generic(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i, bool *ok)
{ return rtmap_mapaccess2(t, m, &k->i64[i], ok); }
static void *assign_generic(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i)
{ return rtmap_mapassign(t, m, &k->i64[i]); }
static void delete_generic(const rtmap_maptype *t, rtmap_hmap *m, const key_set *k, size_t i)
{ rtmap_mapdelete(t, m, &k->i64[i]); }

static const map_ops ops_int32   = { access_i32, assign_i32, delete_i32, 4 };
static const map_ops ops_int64   = { access_i64, assign_i64, delete_i64, 8 };
static const map_ops ops_string  = { access_str, assign_str, delete_str, sizeof(rtmap_string) };
static const map_ops ops_generic = { access_generic, assign_generic, delete_generic, 8 };

/* ---- helpers (untimed parts) --------------------------------------------------- */

ALWAYS_INLINE void put(const map_ops *o, const rtmap_maptype *t, rtmap_hmap *m,
                       const key_set *k, size_t i)
{
    void *slot = o->assign(t, m, k, i);
    memcpy(slot, key_at(o, k, i), o->size);
}

ALWAYS_INLINE void fill(const map_ops *o, const rtmap_maptype *t, rtmap_hmap *m,
                        const key_set *k, size_t first, size_t n)
{
    for (size_t i = first; i < first + n; i++)
        put(o, t, m, k, i);
}

/* Every key [0, len) maps to itself, a sample of [len, 2 len) is absent. */
ALWAYS_INLINE bool check_contents(const map_ops *o, bench_state *s, rtmap_hmap *m, size_t len)
{
    const rtmap_maptype *t = s->v->type;
    if ((size_t)rtmap_maplen(m) != len) {
        state_fail(s, "len(m) = %ld after %zu distinct inserts", (long)rtmap_maplen(m), len);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        bool ok = false;
        const void *e = o->access(t, m, s->keys, i, &ok);
        if (!ok || memcmp(e, key_at(o, s->keys, i), o->size) != 0) {
            state_fail(s, "key %zu of %zu: %s", i, len, ok ? "wrong elem" : "missing");
            return false;
        }
    }
    for (size_t i = len; i < len + (len < 4096 ? len : 4096); i++) {
        bool ok = true;
        o->access(t, m, s->keys, i, &ok);
        if (ok) {
            state_fail(s, "absent key %zu found", i);
            return false;
        }
    }
    return true;
}

/* A map of len keys, checked. */
ALWAYS_INLINE rtmap_hmap *make_filled(const map_ops *o, bench_state *s, intptr_t hint)
{
    rtmap_hmap *m = rtmap_makemap(s->v->type, hint);
    fill(o, s->v->type, m, s->keys, 0, s->len);
    check_contents(o, s, m, s->len);
    return m;
}

static uint64_t rounds_for(const bench *b, size_t len)
{
    uint64_t r = (b->n + len - 1) / len;
    return r ? r : 1;
}

static void free_map(bench_state *s)
{
    if (s->m)
        rtmap_mapfree(s->v->type, s->m);
    s->m = NULL;
}

/* ---- MapAccessHit / MapAccessMiss (and their Random forms) ----------------------
 * ns per lookup; keys cycle through the hits (or the misses) in key order, which
 * is a random order over the table. Go's order repeats every len lookups, and in
 * a map of 1K entries (not yet at 64K, on the development machine) the branch
 * predictor learns the branches each key takes (in the classic map, which of its
 * bucket's slots matched). The Random forms draw every key at random (xorshift64,
 * the same sequence in every build), so nothing repeats for it to learn. */

ALWAYS_INLINE void setup_lookup(const map_ops *o, bench_state *s)
{
    s->m = make_filled(o, s, (intptr_t)s->len);
}

ALWAYS_INLINE void run_lookup(const map_ops *o, bench_state *s, bench *b, bool hit, bool random)
{
    const rtmap_maptype *t = s->v->type;
    rtmap_hmap *m = s->m;
    const key_set *k = s->keys;
    size_t first = hit ? 0 : s->len, j = first, end = first + s->len;
    uint64_t found = 0, sink = 0, draw = UINT64_C(0x9E3779B97F4A7C15);
    bench_start_timer(b);
    for (uint64_t i = 0; i < b->n; i++) {
        if (random) {
            draw ^= draw << 13;
            draw ^= draw >> 7;
            draw ^= draw << 17;
            /* The top 32 bits scaled to [0, len): a multiply, where % divides. */
            j = first + (size_t)(((draw >> 32) * (uint64_t)s->len) >> 32);
        }
        bool ok;
        const uint8_t *e = o->access(t, m, k, j, &ok);
        found += ok;
        sink += *e;
        if (!random && ++j == end)
            j = first;
    }
    bench_stop_timer(b);
    b->ops = b->n;
    s->sink += sink;
    if (found != (hit ? b->n : 0))
        state_fail(s, "%llu of %llu lookups found their key", (unsigned long long)found,
                   (unsigned long long)b->n);
}

ALWAYS_INLINE void run_access_hit(const map_ops *o, bench_state *s, bench *b) { run_lookup(o, s, b, true, false); }
ALWAYS_INLINE void run_access_miss(const map_ops *o, bench_state *s, bench *b) { run_lookup(o, s, b, false, false); }

/* ---- MapAssignGrow / MapAssignPreAllocate / MapPopulate -------------------------
 * Each round makes a map (hint 0, or len), fills it with len keys and frees it.
 * Grow and PreAllocate report ns per insert; Populate (Go's older benchmark)
 * ns per filled map, and the bytes the map holds per entry. */

ALWAYS_INLINE uint64_t make_fill_free(const map_ops *o, bench_state *s, uint64_t rounds, intptr_t hint)
{
    const rtmap_maptype *t = s->v->type;
    const key_set *k = s->keys;
    size_t len = s->len;
    uint64_t wrong = 0;
    for (uint64_t r = 0; r < rounds; r++) {
        rtmap_hmap *m = rtmap_makemap(t, hint);
        fill(o, t, m, k, 0, len);
        wrong += (size_t)rtmap_maplen(m) != len;
        rtmap_mapfree(t, m);
    }
    return wrong;
}

ALWAYS_INLINE void setup_assign(const map_ops *o, bench_state *s)
{
    rtmap_hmap *m = make_filled(o, s, 0);
    rtmap_mapfree(s->v->type, m);
}

ALWAYS_INLINE void run_assign(const map_ops *o, bench_state *s, bench *b, intptr_t hint)
{
    uint64_t rounds = rounds_for(b, s->len);
    bench_start_timer(b);
    uint64_t wrong = make_fill_free(o, s, rounds, hint);
    bench_stop_timer(b);
    b->ops = rounds * s->len;
    if (wrong)
        state_fail(s, "%llu maps had the wrong length", (unsigned long long)wrong);
}

ALWAYS_INLINE void run_assign_grow(const map_ops *o, bench_state *s, bench *b)
{ run_assign(o, s, b, 0); }
ALWAYS_INLINE void run_assign_preallocate(const map_ops *o, bench_state *s, bench *b)
{ run_assign(o, s, b, (intptr_t)s->len); }

ALWAYS_INLINE void setup_populate(const map_ops *o, bench_state *s)
{
    alloc_counts before, after;
    alloc_counts_read(&before);
    rtmap_hmap *m = make_filled(o, s, 0);
    alloc_counts_read(&after);
    state_report(s, (double)(after.live_bytes - before.live_bytes) / (double)s->len, "B/entry");
    rtmap_mapfree(s->v->type, m);
}

ALWAYS_INLINE void run_populate(const map_ops *o, bench_state *s, bench *b)
{
    bench_start_timer(b);
    uint64_t wrong = make_fill_free(o, s, b->n, 0);
    bench_stop_timer(b);
    b->ops = b->n;
    if (wrong)
        state_fail(s, "%llu maps had the wrong length", (unsigned long long)wrong);
}

/* ---- MapAssignReuse: one map made with hint len, filled and cleared each round. */

ALWAYS_INLINE void setup_assign_reuse(const map_ops *o, bench_state *s)
{
    s->m = make_filled(o, s, (intptr_t)s->len);
    rtmap_mapclear(s->v->type, s->m);
}

ALWAYS_INLINE void run_assign_reuse(const map_ops *o, bench_state *s, bench *b)
{
    const rtmap_maptype *t = s->v->type;
    rtmap_hmap *m = s->m;
    uint64_t rounds = rounds_for(b, s->len), wrong = 0;
    bench_start_timer(b);
    for (uint64_t r = 0; r < rounds; r++) {
        fill(o, t, m, s->keys, 0, s->len);
        wrong += (size_t)rtmap_maplen(m) != s->len;
        rtmap_mapclear(t, m);
    }
    bench_stop_timer(b);
    b->ops = rounds * s->len;
    if (wrong)
        state_fail(s, "%llu fills had the wrong length", (unsigned long long)wrong);
}

/* ---- MapDelete ------------------------------------------------------------------
 * ns per delete of a present key. Go refills its one map (timer stopped) each
 * time it is empty; here a pool of maps holding ~4096 entries in all is emptied
 * per timed batch, so that stopping the clock does not weigh on small maps while
 * the entries stay as hot in cache as Go's. */

enum { DELETE_BATCH_ENTRIES = 4096 };

ALWAYS_INLINE void setup_delete(const map_ops *o, bench_state *s)
{
    s->pool_len = s->len >= DELETE_BATCH_ENTRIES ? 1 : DELETE_BATCH_ENTRIES / s->len;
    s->pool = calloc(s->pool_len, sizeof *s->pool);
    if (!s->pool) {
        state_fail(s, "out of memory");
        s->pool_len = 0;
        return;
    }
    for (size_t p = 0; p < s->pool_len; p++)
        s->pool[p] = make_filled(o, s, (intptr_t)s->len);
}

ALWAYS_INLINE void run_delete(const map_ops *o, bench_state *s, bench *b)
{
    const rtmap_maptype *t = s->v->type;
    const key_set *k = s->keys;
    uint64_t done = 0, left = 0;
    while (done < b->n && s->pool_len) {
        bench_start_timer(b);
        for (size_t p = 0; p < s->pool_len; p++)
            for (size_t i = 0; i < s->len; i++)
                o->del(t, s->pool[p], k, i);
        bench_stop_timer(b);
        done += s->pool_len * s->len;
        for (size_t p = 0; p < s->pool_len; p++) {
            left += (uint64_t)rtmap_maplen(s->pool[p]);
            fill(o, t, s->pool[p], k, 0, s->len);
        }
    }
    b->ops = done;
    if (left)
        state_fail(s, "%llu entries left after deleting every key", (unsigned long long)left);
}

static void teardown_pool(bench_state *s)
{
    for (size_t p = 0; p < s->pool_len; p++)
        rtmap_mapfree(s->v->type, s->pool[p]);
    free(s->pool);
    s->pool = NULL;
    s->pool_len = 0;
}

/* ---- MapIter: ns per entry visited by whole-map iterations. -------------------- */

ALWAYS_INLINE void run_iter(const map_ops *o, bench_state *s, bench *b)
{
    const rtmap_maptype *t = s->v->type;
    rtmap_hmap *m = s->m;
    uint64_t rounds = rounds_for(b, s->len), seen = 0, sink = 0;
    rtmap_hiter it;
    bench_start_timer(b);
    for (uint64_t r = 0; r < rounds; r++) {
        for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it)) {
            seen++;
            sink += *(const uint8_t *)it.key + *(const uint8_t *)it.elem;
        }
    }
    bench_stop_timer(b);
    (void)o;
    b->ops = rounds * s->len;
    s->sink += sink;
    if (seen != rounds * s->len)
        state_fail(s, "iterations visited %llu entries, not %llu", (unsigned long long)seen,
                   (unsigned long long)(rounds * s->len));
}

/* ---- MapClear ------------------------------------------------------------------
 * ns per clear of a map that once held len entries and now holds one (Go's
 * BenchmarkMapClear: one entry so that len(m) != 0 skips no work). Small maps
 * (len <= 8) take the single-group / single-bucket path, large ones clear every
 * table or bucket the map grew. */

ALWAYS_INLINE void setup_clear(const map_ops *o, bench_state *s)
{
    s->m = make_filled(o, s, 0);
    rtmap_mapclear(s->v->type, s->m);
}

ALWAYS_INLINE void run_clear(const map_ops *o, bench_state *s, bench *b)
{
    const rtmap_maptype *t = s->v->type;
    rtmap_hmap *m = s->m;
    uint64_t wrong = 0;
    bench_start_timer(b);
    for (uint64_t i = 0; i < b->n; i++) {
        put(o, t, m, s->keys, 0);
        wrong += rtmap_maplen(m) != 1;
        rtmap_mapclear(t, m);
    }
    bench_stop_timer(b);
    b->ops = b->n;
    if (wrong || rtmap_maplen(m) != 0)
        state_fail(s, "clear left entries behind");
}

/* ---- MapInsertLatency -------------------------------------------------------------
 * Each single insert into a map growing from empty to len is timed on its own;
 * reports the mean (ns/op), the maximum and the 99.99th percentile. The figures
 * include one clock read (about 20 ns with the vDSO). */

ALWAYS_INLINE void setup_latency(const map_ops *o, bench_state *s)
{
    (void)o;
    s->latencies = calloc(s->len, sizeof *s->latencies);
    if (!s->latencies)
        state_fail(s, "out of memory for %zu latencies", s->len);
}

static uint32_t select_kth(uint32_t *a, size_t n, size_t k)   /* k-th smallest, 0-based */
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        uint32_t pivot = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                uint32_t tmp = a[i]; a[i] = a[j]; a[j] = tmp;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return a[k];
    }
    return a[k];
}

ALWAYS_INLINE void run_latency(const map_ops *o, bench_state *s, bench *b)
{
    if (!s->latencies)
        return;
    const rtmap_maptype *t = s->v->type;
    size_t len = s->len;
    rtmap_hmap *m = rtmap_makemap(t, 0);
    uint32_t *lat = s->latencies;
    uint64_t prev = bench_now_ns();
    bench_start_timer(b);
    for (size_t i = 0; i < len; i++) {
        put(o, t, m, s->keys, i);
        uint64_t now = bench_now_ns();
        uint64_t d = now - prev;
        lat[i] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
        prev = now;
    }
    bench_stop_timer(b);
    b->ops = len;
    check_contents(o, s, m, len);
    rtmap_mapfree(t, m);
    uint32_t max = 0;
    for (size_t i = 0; i < len; i++)
        max = lat[i] > max ? lat[i] : max;
    /* the smallest value that at least 99.99% of the inserts do not exceed */
    size_t rank = (size_t)((double)len * 0.9999 + 0.999999);
    uint32_t p9999 = select_kth(lat, len, (rank ? rank : 1) - 1);
    state_report(s, max, "max-ns");
    state_report(s, p9999, "p99.99-ns");
}

static void teardown_latency(bench_state *s)
{
    free(s->latencies);
    s->latencies = NULL;
}

/* ---- instantiation per variant -------------------------------------------------- */

static void teardown_map(bench_state *s) { free_map(s); }

/* The workloads every variant runs, and those only the fast paths run (iteration,
   clear and single-insert latency have no generic/fast split of their own). */
#define VARIANT_WORKLOADS(suffix, ops)                                                      \
    static void setup_lookup_##suffix(bench_state *s) { setup_lookup(&ops, s); }            \
    static void setup_assign_##suffix(bench_state *s) { setup_assign(&ops, s); }            \
    static void setup_populate_##suffix(bench_state *s) { setup_populate(&ops, s); }        \
    static void setup_reuse_##suffix(bench_state *s) { setup_assign_reuse(&ops, s); }       \
    static void setup_delete_##suffix(bench_state *s) { setup_delete(&ops, s); }            \
    static void run_hit_##suffix(bench_state *s, bench *b) { run_access_hit(&ops, s, b); }  \
    static void run_miss_##suffix(bench_state *s, bench *b) { run_access_miss(&ops, s, b); } \
    static void run_grow_##suffix(bench_state *s, bench *b) { run_assign_grow(&ops, s, b); } \
    static void run_prealloc_##suffix(bench_state *s, bench *b) { run_assign_preallocate(&ops, s, b); } \
    static void run_reuse_##suffix(bench_state *s, bench *b) { run_assign_reuse(&ops, s, b); } \
    static void run_delete_##suffix(bench_state *s, bench *b) { run_delete(&ops, s, b); }   \
    static void run_populate_##suffix(bench_state *s, bench *b) { run_populate(&ops, s, b); } \
    static const workload wl_hit_##suffix = { setup_lookup_##suffix, run_hit_##suffix, teardown_map }; \
    static const workload wl_miss_##suffix = { setup_lookup_##suffix, run_miss_##suffix, teardown_map }; \
    static const workload wl_grow_##suffix = { setup_assign_##suffix, run_grow_##suffix, NULL }; \
    static const workload wl_prealloc_##suffix = { setup_assign_##suffix, run_prealloc_##suffix, NULL }; \
    static const workload wl_reuse_##suffix = { setup_reuse_##suffix, run_reuse_##suffix, teardown_map }; \
    static const workload wl_delete_##suffix = { setup_delete_##suffix, run_delete_##suffix, teardown_pool }; \
    static const workload wl_populate_##suffix = { setup_populate_##suffix, run_populate_##suffix, NULL };

#define FAST_ONLY_WORKLOADS(suffix, ops)                                                    \
    static void setup_clear_##suffix(bench_state *s) { setup_clear(&ops, s); }              \
    static void setup_latency_##suffix(bench_state *s) { setup_latency(&ops, s); }          \
    static void run_iter_##suffix(bench_state *s, bench *b) { run_iter(&ops, s, b); }       \
    static void run_clear_##suffix(bench_state *s, bench *b) { run_clear(&ops, s, b); }     \
    static void run_latency_##suffix(bench_state *s, bench *b) { run_latency(&ops, s, b); } \
    static const workload wl_iter_##suffix = { setup_lookup_##suffix, run_iter_##suffix, teardown_map }; \
    static const workload wl_clear_##suffix = { setup_clear_##suffix, run_clear_##suffix, teardown_map }; \
    static const workload wl_latency_##suffix = { setup_latency_##suffix, run_latency_##suffix, teardown_latency };

VARIANT_WORKLOADS(int32, ops_int32)
VARIANT_WORKLOADS(int64, ops_int64)
VARIANT_WORKLOADS(string, ops_string)
VARIANT_WORKLOADS(generic, ops_generic)

/* Lookups in random order: for 64-bit keys only, the issue-4 grid's key type. */
static void run_hit_random_int64(bench_state *s, bench *b) { run_lookup(&ops_int64, s, b, true, true); }
static void run_miss_random_int64(bench_state *s, bench *b) { run_lookup(&ops_int64, s, b, false, true); }
static const workload wl_hit_random_int64 = { setup_lookup_int64, run_hit_random_int64, teardown_map };
static const workload wl_miss_random_int64 = { setup_lookup_int64, run_miss_random_int64, teardown_map };

FAST_ONLY_WORKLOADS(int32, ops_int32)
FAST_ONLY_WORKLOADS(int64, ops_int64)
FAST_ONLY_WORKLOADS(string, ops_string)

/* ---- workloads with fixed types (Go's BenchmarkNewEmptyMap, ...) -------------------- */

static const rtmap_maptype *fixed_type(const rtmap_type *k, const rtmap_type *e)
{
    const rtmap_maptype *t = NULL;
    if (rtmap_map_of(k, e, &t) != RTMAP_OK)
        abort();
    return t;
}

static void run_new_empty_map(bench_state *s, bench *b)
{
    const rtmap_maptype *t = fixed_type(&rtmap_type_int64, &rtmap_type_int64);
    uint64_t sink = 0;
    bench_start_timer(b);
    for (uint64_t i = 0; i < b->n; i++) {
        rtmap_hmap *m = rtmap_makemap(t, 0);
        sink += (uint64_t)rtmap_maplen(m);
        rtmap_mapfree(t, m);
    }
    bench_stop_timer(b);
    b->ops = b->n;
    if (sink)
        state_fail(s, "a new map was not empty");
}

static void run_new_small_map(bench_state *s, bench *b)   /* m := make(map[int]int); m[0] = 0; m[1] = 1 */
{
    const rtmap_maptype *t = fixed_type(&rtmap_type_int64, &rtmap_type_int64);
    uint64_t wrong = 0;
    bench_start_timer(b);
    for (uint64_t i = 0; i < b->n; i++) {
        rtmap_hmap *m = rtmap_makemap(t, 0);
        *(int64_t *)rtmap_mapassign_fast64(t, m, 0) = 0;
        *(int64_t *)rtmap_mapassign_fast64(t, m, 1) = 1;
        wrong += rtmap_maplen(m) != 2;
        rtmap_mapfree(t, m);
    }
    bench_stop_timer(b);
    b->ops = b->n;
    if (wrong)
        state_fail(s, "a two-entry map had the wrong length");
}

/* map[string]bool holding `count` keys, looked up with one absent key: Go's
   SmallStrMap, MapStringKeysEight_* and MegMap. Keys are prefix_len copies of
   prefix_char followed by suffixes[i], or (no suffixes) i + 1 copies of it. */
static void string_lookup_setup(bench_state *s, size_t count, size_t prefix_len,
                                char prefix_char, const char *const *suffixes,
                                size_t lookup_len, char lookup_char, const char *lookup_suffix)
{
    const rtmap_maptype *t = fixed_type(&rtmap_type_string, &rtmap_type_bool);
    size_t longest = lookup_len + strlen(lookup_suffix);
    for (size_t i = 0; i < count; i++) {
        size_t l = prefix_len + (suffixes ? strlen(suffixes[i]) : i + 1);
        longest = l > longest ? l : longest;
    }
    char *buf = malloc((count + 1) * longest + 1);
    if (!buf) {
        state_fail(s, "out of memory");
        return;
    }
    s->m = rtmap_makemap(t, 0);
    for (size_t i = 0; i < count; i++) {
        char *p = buf + i * longest;
        size_t l;
        if (suffixes) {             /* prefix + suffix */
            memset(p, prefix_char, prefix_len);
            l = prefix_len + strlen(suffixes[i]);
            memcpy(p + prefix_len, suffixes[i], strlen(suffixes[i]));
        } else {                    /* Go's strings.Repeat("K", i+1) */
            l = i + 1;
            memset(p, prefix_char, l);
        }
        *(bool *)rtmap_mapassign_faststr(t, s->m, (rtmap_string){ p, l }) = true;
    }
    char *q = buf + count * longest;
    memset(q, lookup_char, lookup_len);
    memcpy(q + lookup_len, lookup_suffix, strlen(lookup_suffix));
    s->text = buf;
    s->probe = (rtmap_string){ q, lookup_len + strlen(lookup_suffix) };
    if ((size_t)rtmap_maplen(s->m) != count)
        state_fail(s, "len(m) = %ld, want %zu", (long)rtmap_maplen(s->m), count);
}

static void run_string_lookup(bench_state *s, bench *b)
{
    const rtmap_maptype *t = fixed_type(&rtmap_type_string, &rtmap_type_bool);
    rtmap_string key = s->probe;
    rtmap_hmap *m = s->m;
    uint64_t found = 0;
    bench_start_timer(b);
    for (uint64_t i = 0; i < b->n; i++)
        found += *(const bool *)rtmap_mapaccess1_faststr(t, m, key);
    bench_stop_timer(b);
    b->ops = b->n;
    if (found)
        state_fail(s, "an absent key was found");
}

static void teardown_string_lookup(bench_state *s)
{
    if (s->m)
        rtmap_mapfree(fixed_type(&rtmap_type_string, &rtmap_type_bool), s->m);
    s->m = NULL;
    free(s->text);
    s->text = NULL;
}

static const char *const letter_codes[] = { "65", "66", "67", "68", "69", "70", "71" };  /* fmt.Sprint('A'..'G') */
static const char *const letters[] = { "A", "B", "C", "D", "E", "F", "G" };

static void setup_small_str_map(bench_state *s)
{ string_lookup_setup(s, 7, 0, 0, letter_codes, 0, 0, "k"); }
static void setup_keys_eight_16(bench_state *s)
{ string_lookup_setup(s, 8, 0, 'K', NULL, 16, 'X', ""); }
static void setup_keys_eight_32(bench_state *s)
{ string_lookup_setup(s, 8, 0, 'K', NULL, 32, 'X', ""); }
static void setup_keys_eight_64(bench_state *s)
{ string_lookup_setup(s, 8, 0, 'K', NULL, 64, 'X', ""); }
static void setup_keys_eight_1m(bench_state *s)
{ string_lookup_setup(s, 8, 0, 'K', NULL, 1 << 20, 'X', ""); }
/* Go's MegMap appends fmt.Sprint(rune) ("65"), so its keys are longer than the
   lookup key; single letters keep the lengths equal so that the 1 MiB key is
   hashed and compared. */
static void setup_meg_map(bench_state *s)
{ string_lookup_setup(s, 7, (1 << 20) - 1, 'X', letters, (1 << 20) - 1, 'X', "k"); }

static const workload new_empty_map = { NULL, run_new_empty_map, NULL };
static const workload new_small_map = { NULL, run_new_small_map, NULL };
static const workload small_str_map = { setup_small_str_map, run_string_lookup, teardown_string_lookup };
static const workload keys_eight_16 = { setup_keys_eight_16, run_string_lookup, teardown_string_lookup };
static const workload keys_eight_32 = { setup_keys_eight_32, run_string_lookup, teardown_string_lookup };
static const workload keys_eight_64 = { setup_keys_eight_64, run_string_lookup, teardown_string_lookup };
static const workload keys_eight_1m = { setup_keys_eight_1m, run_string_lookup, teardown_string_lookup };
static const workload meg_map = { setup_meg_map, run_string_lookup, teardown_string_lookup };

/* ---- the list, in output order -------------------------------------------------- */

#define ALL_VARIANTS(w) { &wl_##w##_int32, &wl_##w##_int64, &wl_##w##_string, &wl_##w##_generic }
#define FAST_VARIANTS(w) { &wl_##w##_int32, &wl_##w##_int64, &wl_##w##_string, NULL }
#define INT64_ONLY(w) { NULL, &wl_##w##_int64, NULL, NULL }

static const family families[] = {
    { "MapAccessHit",         FAM_SIZED, ALL_VARIANTS(hit), NULL },
    { "MapAccessMiss",        FAM_SIZED, ALL_VARIANTS(miss), NULL },
    { "MapAccessHitRandom",   FAM_SIZED, INT64_ONLY(hit_random), NULL },
    { "MapAccessMissRandom",  FAM_SIZED, INT64_ONLY(miss_random), NULL },
    { "MapAssignGrow",        FAM_SIZED, ALL_VARIANTS(grow), NULL },
    { "MapAssignPreAllocate", FAM_SIZED, ALL_VARIANTS(prealloc), NULL },
    { "MapAssignReuse",       FAM_SIZED, ALL_VARIANTS(reuse), NULL },
    { "MapDelete",            FAM_SIZED, ALL_VARIANTS(delete), NULL },
    { "MapIter",              FAM_SIZED, FAST_VARIANTS(iter), NULL },
    { "MapPopulate",          FAM_SIZED, ALL_VARIANTS(populate), NULL },
    { "MapClear",             FAM_SIZED, FAST_VARIANTS(clear), NULL },
    { "MapInsertLatency",     FAM_LATENCY, FAST_VARIANTS(latency), NULL },
    { "MapShrink99",          FAM_SIZED | FAM_EXTRA, INT64_ONLY(shrink99), NULL },
    { "MapSparseClear",       FAM_SIZED | FAM_EXTRA, INT64_ONLY(sparse_clear), NULL },
    { "MapSparseIter",        FAM_SIZED | FAM_EXTRA, INT64_ONLY(sparse_iter), NULL },
    { "MapWaves",             FAM_SIZED | FAM_EXTRA, INT64_ONLY(waves), NULL },
    { "NewEmptyMap",          0, { NULL }, &new_empty_map },
    { "NewSmallMap",          0, { NULL }, &new_small_map },
    { "SmallStrMap",          0, { NULL }, &small_str_map },
    { "MapStringKeysEight_16", 0, { NULL }, &keys_eight_16 },
    { "MapStringKeysEight_32", 0, { NULL }, &keys_eight_32 },
    { "MapStringKeysEight_64", 0, { NULL }, &keys_eight_64 },
    { "MapStringKeysEight_1M", 0, { NULL }, &keys_eight_1m },
    { "MegMap",               0, { NULL }, &meg_map },
};

size_t bench_families(const family **out)
{
    *out = families;
    return sizeof families / sizeof families[0];
}

/* ---- variants ------------------------------------------------------------------- */

const variant *variant_get(variant_id id)
{
    static variant vs[VAR_COUNT] = {
        [VAR_INT32]  = { "Key=int32/Elem=int32", KEY_INT32, NULL },
        [VAR_INT64]  = { "Key=int64/Elem=int64", KEY_INT64, NULL },
        [VAR_STRING] = { "Key=string/Elem=string", KEY_STRING, NULL },
        [VAR_INT64_GENERIC] = { "Key=int64/Elem=int64/Path=generic", KEY_INT64, NULL },
    };
    static const rtmap_type *const types[VAR_COUNT] = {
        &rtmap_type_int32, &rtmap_type_int64, &rtmap_type_string, &rtmap_type_int64
    };
    if (!vs[id].type)
        vs[id].type = fixed_type(types[id], types[id]);
    return &vs[id];
}
