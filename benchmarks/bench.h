/* rtmap_bench: shared types of the benchmark program (Go's map benchmarks in C). */
#ifndef RTMAP_BENCH_H
#define RTMAP_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtmap.h"

/* ---- keys ------------------------------------------------------------------
 * Key number i of a kind is a fixed function of i, so that every run, build and
 * language sees the same keys and keys [0, n) are the same whatever the size of
 * the set. Distinct i give distinct keys: hits are keys [0, n), misses [n, 2n).
 * Elems are the keys themselves (Go's benchmarks fill map[K]K the same way). */
typedef enum key_kind { KEY_INT32, KEY_INT64, KEY_STRING } key_kind;

typedef struct key_set {
    key_kind      kind;
    size_t        count;
    uint32_t     *i32;
    uint64_t     *i64;
    rtmap_string *str;        /* 16 hex digits of the int64 key, in chars */
    char         *chars;
} key_set;

const key_set *keys_get(key_kind kind, size_t count);  /* cached; exits when out of memory */
void keys_release_all(void);

/* ---- allocation accounting ---------------------------------------------------
 * A counting allocator (the same calls as the library's heap allocator) lets
 * every line report B/op and allocs/op and populate report bytes per entry. */
typedef struct alloc_counts {
    uint64_t allocs;
    uint64_t bytes;          /* allocated in total */
    int64_t  live_bytes;
} alloc_counts;
void counting_allocator_install(void);
void alloc_counts_read(alloc_counts *out);

/* ---- one measured run -----------------------------------------------------------
 * The runner calls a workload's run function with growing op counts until a run
 * lasts the benchtime; the workload starts and stops the timer around the part
 * that is measured. */
typedef struct bench {
    uint64_t     n;                  /* ops asked for */
    uint64_t     ops;                /* ops done (whole rounds of a map size may exceed n) */
    uint64_t     elapsed_ns;
    uint64_t     started_ns;
    bool         timing;
    alloc_counts alloc_at_start;
    uint64_t     allocs, alloc_bytes; /* while timing */
} bench;

uint64_t bench_now_ns(void);
void bench_start_timer(bench *b);
void bench_stop_timer(bench *b);

/* ---- workloads ---------------------------------------------------------------- */
typedef enum variant_id {            /* key/elem type and the entry points used */
    VAR_INT32, VAR_INT64, VAR_STRING, VAR_INT64_GENERIC, VAR_COUNT
} variant_id;

typedef struct variant {
    const char          *config;   /* "Key=int64/Elem=int64", ".../Path=generic" */
    key_kind             kind;
    const rtmap_maptype *type;
} variant;
const variant *variant_get(variant_id id);   /* map types made on first use */

typedef struct bench_state {
    const variant *v;               /* NULL for workloads with fixed types */
    size_t         len;             /* map size (0: unsized) */
    const key_set *keys;            /* >= 2 * len keys of v->kind */
    rtmap_hmap    *m;
    rtmap_hmap   **pool;
    size_t         pool_len;
    uint32_t      *latencies;
    char          *text;            /* fixed-type string workloads: key bytes */
    rtmap_string   probe;           /* ... and the key they look up */
    uint64_t       sink;            /* keeps results alive */
    int            nextra;          /* extra metrics printed after the standard ones */
    double         extra_value[2];
    const char    *extra_unit[2];
    bool           failed;
    char           fail_msg[200];
} bench_state;

void state_report(bench_state *s, double value, const char *unit);
void state_fail(bench_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef struct workload {
    void (*setup)(bench_state *s);               /* untimed; may be NULL */
    void (*run)(bench_state *s, bench *b);       /* b->n ops (or a few more) */
    void (*teardown)(bench_state *s);            /* may be NULL */
} workload;

enum {
    FAM_SIZED   = 1,     /* one benchmark per map size: .../len=N */
    FAM_LATENCY = 2,     /* one run of len single inserts, len = the latency size */
    FAM_EXTRA   = 4      /* beyond Go's benchmarks: own sizes, not run in quick mode */
};

typedef struct family {
    const char     *name;                     /* Go's name without "Benchmark" */
    unsigned        flags;
    const workload *by_variant[VAR_COUNT];    /* NULL: not run for that variant */
    const workload *unsized;                  /* families with fixed types */
} family;

size_t bench_families(const family **out);

/* shrink_workloads.c: memory back after deletes, sparse clear and iteration,
   delete/insert waves (int64 keys only). */
extern const workload wl_shrink99_int64, wl_sparse_clear_int64, wl_sparse_iter_int64,
    wl_waves_int64;

#endif
