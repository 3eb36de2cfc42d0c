/* The peers workloads (benchmarks/peers/README.md) for rtmap, through the fast
 * paths (map[uint64]uint64 with *_fast64, map[string]uint64 with *_faststr).
 *   rtmap_peers [--full] */
#define _GNU_SOURCE
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MIN_OPS = 1 << 20 };

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void report(const char *op, const char *key, size_t n, uint64_t ops, uint64_t ns, const char *extra)
{
    printf("BenchmarkPeers/Op=%s/Key=%s/len=%zu\t%llu\t%.2f ns/op%s\n", op, key, n,
           (unsigned long long)ops, (double)ns / (double)ops, extra);
    fflush(stdout);
}

static void fail(const char *op, const char *key, size_t n)
{
    printf("--- FAIL: BenchmarkPeers/Op=%s/Key=%s/len=%zu\n", op, key, n);
    exit(1);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* One body for both key types: STR selects the string entry points. */
#define KEY_ASSIGN(t, m, i) (str ? rtmap_mapassign_faststr(t, m, ks->str[i]) : rtmap_mapassign_fast64(t, m, ki->i64[i]))
#define KEY_ACCESS(t, m, i, ok) (str ? rtmap_mapaccess2_faststr(t, m, ks->str[i], ok) : rtmap_mapaccess2_fast64(t, m, ki->i64[i], ok))
#define KEY_DELETE(t, m, i) (str ? rtmap_mapdelete_faststr(t, m, ks->str[i]) : rtmap_mapdelete_fast64(t, m, ki->i64[i]))

static inline __attribute__((always_inline)) void
run_size(bool str, const key_set *ki, const key_set *ks, size_t n, bool latency)
{
    const char *key_name = str ? "string16" : "uint64";
    const rtmap_maptype *t = NULL;
    if (rtmap_map_of(str ? &rtmap_type_string : &rtmap_type_uint64, &rtmap_type_uint64, &t) != RTMAP_OK)
        abort();
    size_t reps = (MIN_OPS + n - 1) / n;
    reps = reps ? reps : 1;
    size_t churn_ops = n > MIN_OPS ? n : MIN_OPS;
    char extra[96];

    for (int presized = 0; presized < 2; presized++) {
        uint64_t ns = 0;
        double per_entry = 0;
        for (size_t r = 0; r < reps; r++) {
            alloc_counts before, after;
            alloc_counts_read(&before);
            uint64_t t0 = now_ns();
            rtmap_hmap *m = rtmap_makemap(t, presized ? (intptr_t)n : 0);
            for (size_t i = 0; i < n; i++)
                *(uint64_t *)KEY_ASSIGN(t, m, i) = ki->i64[i];
            ns += now_ns() - t0;
            alloc_counts_read(&after);
            per_entry = (double)(after.live_bytes - before.live_bytes) / (double)n;
            if ((size_t)rtmap_maplen(m) != n)
                fail("insert", key_name, n);
            rtmap_mapfree(t, m);
        }
        snprintf(extra, sizeof extra, "\t%.2f B/entry", per_entry);
        report(presized ? "insert-presized" : "insert", key_name, n, (uint64_t)reps * n, ns,
               presized ? "" : extra);
    }

    rtmap_hmap *m = rtmap_makemap(t, 0);
    for (size_t i = 0; i < n; i++)
        *(uint64_t *)KEY_ASSIGN(t, m, i) = ki->i64[i];

    for (int hit = 1; hit >= 0; hit--) {
        size_t first = hit ? 0 : n;
        uint64_t found = 0, sum = 0, t0 = now_ns();
        for (size_t r = 0; r < reps; r++)
            for (size_t i = first; i < first + n; i++) {
                bool ok;
                const uint64_t *e = KEY_ACCESS(t, m, i, &ok);
                found += ok;
                sum += *e;
            }
        uint64_t ns = now_ns() - t0;
        if (found != (hit ? (uint64_t)reps * n : 0) || sum == 1)
            fail(hit ? "lookup-hit" : "lookup-miss", key_name, n);
        report(hit ? "lookup-hit" : "lookup-miss", key_name, n, (uint64_t)reps * n, ns, "");
    }

    {
        uint64_t sum = 0, seen = 0, t0 = now_ns();
        rtmap_hiter it;
        for (size_t r = 0; r < reps; r++)
            for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it)) {
                sum += *(const uint64_t *)it.elem;
                seen++;
            }
        uint64_t ns = now_ns() - t0;
        if (seen != (uint64_t)reps * n || sum == 1)
            fail("iterate", key_name, n);
        report("iterate", key_name, n, (uint64_t)reps * n, ns, "");
    }

    {
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < churn_ops; i++) {
            KEY_DELETE(t, m, i);
            *(uint64_t *)KEY_ASSIGN(t, m, n + i) = ki->i64[n + i];
        }
        uint64_t ns = now_ns() - t0;
        if ((size_t)rtmap_maplen(m) != n)
            fail("churn", key_name, n);
        report("churn", key_name, n, churn_ops, ns, "");
    }
    rtmap_mapfree(t, m);

    {
        uint64_t ns = 0;
        for (size_t r = 0; r < reps; r++) {
            rtmap_hmap *d = rtmap_makemap(t, 0);
            for (size_t i = 0; i < n; i++)
                *(uint64_t *)KEY_ASSIGN(t, d, i) = ki->i64[i];
            uint64_t t0 = now_ns();
            for (size_t i = 0; i < n; i++)
                KEY_DELETE(t, d, i);
            ns += now_ns() - t0;
            if (rtmap_maplen(d) != 0)
                fail("delete", key_name, n);
            rtmap_mapfree(t, d);
        }
        report("delete", key_name, n, (uint64_t)reps * n, ns, "");
    }

    {
        /* Bytes held after deleting 99% of the entries (issue 8): a few no-op
           writes afterwards let incremental work in progress finish. */
        alloc_counts before, full, after;
        alloc_counts_read(&before);
        rtmap_hmap *d = rtmap_makemap(t, 0);
        for (size_t i = 0; i < n; i++)
            *(uint64_t *)KEY_ASSIGN(t, d, i) = ki->i64[i];
        alloc_counts_read(&full);
        uint64_t t0 = now_ns(), deleted = 0;
        for (size_t i = 0; i < n; i++)
            if (i % 100 != 0) {
                KEY_DELETE(t, d, i);
                deleted++;
            }
        uint64_t ns = now_ns() - t0;
        for (int w = 0; w < 4096; w++) {
            *(uint64_t *)KEY_ASSIGN(t, d, n) = 0;
            KEY_DELETE(t, d, n);
        }
        alloc_counts_read(&after);
        if ((size_t)rtmap_maplen(d) != (n + 99) / 100)
            fail("shrink99", key_name, n);
        snprintf(extra, sizeof extra, "\t%lld peak-B\t%lld after-B",
                 (long long)(full.live_bytes - before.live_bytes),
                 (long long)(after.live_bytes - before.live_bytes));
        report("shrink99", key_name, n, deleted ? deleted : 1, ns, extra);
        rtmap_mapfree(t, d);
    }

    if (latency) {
        uint32_t *lat = calloc(n, sizeof *lat);
        if (!lat)
            fail("insert-latency", key_name, n);
        rtmap_hmap *g = rtmap_makemap(t, 0);
        uint64_t prev = now_ns(), start = prev, max = 0;
        for (size_t i = 0; i < n; i++) {
            *(uint64_t *)KEY_ASSIGN(t, g, i) = ki->i64[i];
            uint64_t now = now_ns(), d = now - prev;
            lat[i] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
            max = lat[i] > max ? lat[i] : max;
            prev = now;
        }
        uint64_t total = prev - start;
        rtmap_mapfree(t, g);
        qsort(lat, n, sizeof *lat, cmp_u32);
        size_t rank = (size_t)((double)n * 0.9999 + 0.999999);
        snprintf(extra, sizeof extra, "\t%llu max-ns\t%u p99.99-ns", (unsigned long long)max, lat[rank - 1]);
        report("insert-latency", key_name, n, n, total, extra);
        free(lat);
    }
}

int main(int argc, char **argv)
{
    size_t sizes[4] = { 1 << 10, 1 << 16, 1 << 20, 1 << 23 };
    size_t nsizes = argc > 1 && strcmp(argv[1], "--full") == 0 ? 4 : 3;
    size_t largest = sizes[nsizes - 1];
    counting_allocator_install();
    const key_set *ki = keys_get(KEY_INT64, largest + (largest > MIN_OPS ? largest : MIN_OPS));
    const key_set *ks = keys_get(KEY_STRING, largest + (largest > MIN_OPS ? largest : MIN_OPS));
    printf("peer: rtmap-%s\n", rtmap_experiment_swissmap() ? "swiss" : "noswiss");
    for (size_t i = 0; i < nsizes; i++)
        run_size(false, ki, ks, sizes[i], i == nsizes - 1);
    for (size_t i = 0; i < nsizes; i++)
        run_size(true, ki, ks, sizes[i], i == nsizes - 1);
    keys_release_all();
    puts("PASS");
    return 0;
}
