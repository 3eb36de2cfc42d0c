/* Workloads for what rtmap does beyond Go's maps (issue 8): giving memory back
 * after deletes, clear and iteration of a large but sparse map, and waves of
 * deletes and inserts around one size. int64 keys through the fast path. */
#include "bench.h"

#include <stdlib.h>

static const rtmap_maptype *int64_map(void)
{
    static const rtmap_maptype *t;
    if (!t && rtmap_map_of(&rtmap_type_int64, &rtmap_type_int64, &t) != RTMAP_OK)
        abort();
    return t;
}

static void put(const rtmap_maptype *t, rtmap_hmap *m, uint64_t k)
{
    *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
}

/* A few writes that change nothing, so that incremental work (a shrink in
   progress in the classic build) can finish before memory is measured. */
static void settle(const rtmap_maptype *t, rtmap_hmap *m)
{
    for (int i = 0; i < 4096; i++) {
        put(t, m, UINT64_MAX);
        rtmap_mapdelete_fast64(t, m, UINT64_MAX);
    }
}

/* One op: one delete, while 99% of a map of len entries is deleted. Reports the
   bytes the map held at its fullest and after the deletes. */
static void run_shrink99(bench_state *s, bench *b)
{
    const rtmap_maptype *t = int64_map();
    const uint64_t *keys = s->keys->i64;
    uint64_t per_round = s->len - (s->len + 99) / 100;
    uint64_t rounds = per_round ? (b->n + per_round - 1) / per_round : 1;
    for (uint64_t r = 0; r < rounds; r++) {
        alloc_counts before, full, after;
        alloc_counts_read(&before);
        rtmap_hmap *m = rtmap_makemap(t, 0);
        for (size_t i = 0; i < s->len; i++)
            put(t, m, keys[i]);
        alloc_counts_read(&full);
        bench_start_timer(b);
        for (size_t i = 0; i < s->len; i++)
            if (i % 100 != 0)
                rtmap_mapdelete_fast64(t, m, keys[i]);
        bench_stop_timer(b);
        settle(t, m);
        alloc_counts_read(&after);
        if ((size_t)rtmap_maplen(m) != (s->len + 99) / 100)
            state_fail(s, "len after deletes = %ld", (long)rtmap_maplen(m));
        state_report(s, (double)(full.live_bytes - before.live_bytes), "peak-B");
        state_report(s, (double)(after.live_bytes - before.live_bytes), "after-B");
        rtmap_mapfree(t, m);
    }
    b->ops = rounds * per_round;
}

/* A map made for 1M entries (the hint is a floor: it keeps that capacity)
   holding len of them. */
static void setup_sparse(bench_state *s)
{
    const rtmap_maptype *t = int64_map();
    s->m = rtmap_makemap(t, 1 << 20);
    for (size_t i = 0; i < s->len; i++)
        put(t, s->m, s->keys->i64[i]);
}

static void teardown_sparse(bench_state *s)
{
    rtmap_mapfree(int64_map(), s->m);
    s->m = NULL;
}

/* One op: one mapclear of the sparse map (refilled with the clock stopped). */
static void run_sparse_clear(bench_state *s, bench *b)
{
    const rtmap_maptype *t = int64_map();
    for (uint64_t i = 0; i < b->n; i++) {
        bench_start_timer(b);
        rtmap_mapclear(t, s->m);
        bench_stop_timer(b);
        for (size_t k = 0; k < s->len; k++)
            put(t, s->m, s->keys->i64[k]);
    }
    b->ops = b->n;
}

/* One op: one whole iteration of the sparse map. */
static void run_sparse_iter(bench_state *s, bench *b)
{
    const rtmap_maptype *t = int64_map();
    uint64_t seen = 0;
    bench_start_timer(b);
    for (uint64_t i = 0; i < b->n; i++) {
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, s->m, &it); it.key; rtmap_mapiternext(&it))
            seen += *(uint64_t *)it.elem == *(uint64_t *)it.key;
    }
    bench_stop_timer(b);
    b->ops = b->n;
    if (seen != b->n * s->len)
        state_fail(s, "iterations produced %llu entries, want %llu", (unsigned long long)seen,
                   (unsigned long long)(b->n * s->len));
}

static void setup_waves(bench_state *s)
{
    const rtmap_maptype *t = int64_map();
    s->m = rtmap_makemap(t, 0);
    for (size_t i = 0; i < s->len; i++)
        put(t, s->m, s->keys->i64[i]);
    /* Two waves untimed, so the map has settled at its size. */
    for (int w = 0; w < 2; w++) {
        for (size_t i = 0; i < s->len; i += 3)
            rtmap_mapdelete_fast64(t, s->m, s->keys->i64[i]);
        for (size_t i = 0; i < s->len; i += 3)
            put(t, s->m, s->keys->i64[i]);
    }
}

/* One op: one delete or insert, in waves that delete a third of the map and
   put it back. allocs/op shows whether the map rebuilds on the way. */
static void run_waves(bench_state *s, bench *b)
{
    const rtmap_maptype *t = int64_map();
    uint64_t per_wave = 2 * ((s->len + 2) / 3);
    uint64_t waves = (b->n + per_wave - 1) / per_wave;
    bench_start_timer(b);
    for (uint64_t w = 0; w < waves; w++) {
        for (size_t i = 0; i < s->len; i += 3)
            rtmap_mapdelete_fast64(t, s->m, s->keys->i64[i]);
        for (size_t i = 0; i < s->len; i += 3)
            put(t, s->m, s->keys->i64[i]);
    }
    bench_stop_timer(b);
    b->ops = waves * per_wave;
    if ((size_t)rtmap_maplen(s->m) != s->len)
        state_fail(s, "len after waves = %ld", (long)rtmap_maplen(s->m));
}

const workload wl_shrink99_int64 = { NULL, run_shrink99, NULL };
const workload wl_sparse_clear_int64 = { setup_sparse, run_sparse_clear, teardown_sparse };
const workload wl_sparse_iter_int64 = { setup_sparse, run_sparse_iter, teardown_sparse };
const workload wl_waves_int64 = { setup_waves, run_waves, teardown_sparse };
