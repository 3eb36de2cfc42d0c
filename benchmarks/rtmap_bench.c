/* rtmap_bench: Go's map benchmarks against the rtmap build it is linked with,
 * printed in Go's benchmark format so that benchstat (and benchmarks/ab) read it.
 *
 *   rtmap_bench [--quick | --smoke] [--filter=REGEX] [--benchtime=200ms|1s|100x]
 *               [--sizes=6,64,...] [--latency-len=N] [--count=K [--turns=IN,OUT]] [--list]
 *
 * Each benchmark grows its op count the way Go's testing package does until one
 * run lasts the benchtime, and reports that run, or K more runs of that count. */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <regex.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

/* ---- timer --------------------------------------------------------------------- */

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_start_timer(bench *b)
{
    if (b->timing)
        return;
    alloc_counts_read(&b->alloc_at_start);
    b->timing = true;
    b->started_ns = bench_now_ns();
}

void bench_stop_timer(bench *b)
{
    if (!b->timing)
        return;
    b->elapsed_ns += bench_now_ns() - b->started_ns;
    b->timing = false;
    alloc_counts now;
    alloc_counts_read(&now);
    b->allocs += now.allocs - b->alloc_at_start.allocs;
    b->alloc_bytes += now.bytes - b->alloc_at_start.bytes;
}

void state_report(bench_state *s, double value, const char *unit)
{
    for (int i = 0; i < s->nextra; i++) {
        if (strcmp(s->extra_unit[i], unit) == 0) {
            s->extra_value[i] = value;
            return;
        }
    }
    if (s->nextra < (int)(sizeof s->extra_value / sizeof s->extra_value[0])) {
        s->extra_unit[s->nextra] = unit;
        s->extra_value[s->nextra++] = value;
    }
}

void state_fail(bench_state *s, const char *fmt, ...)
{
    if (s->failed)
        return;
    s->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->fail_msg, sizeof s->fail_msg, fmt, ap);
    va_end(ap);
}

/* ---- options ---------------------------------------------------------------------- */

static const size_t all_sizes[] = { 6, 12, 18, 24, 30, 64, 128, 256, 512, 1024, 8192,
                                    131072, 1 << 20, 1 << 22 };
static const size_t quick_sizes[] = { 6, 64, 1024, 131072 };
static const size_t smoke_sizes[] = { 6, 64, 1024 };
/* MapShrink99, MapSparse*, MapWaves: a small map, a medium one, 1M entries. */
static const size_t extra_sizes[] = { 100, 65536, 1 << 20 };

typedef struct options {
    const size_t *sizes;
    size_t        nsizes;
    size_t        latency_len;
    uint64_t      benchtime_ns;      /* 0: fixed op count */
    uint64_t      benchtime_ops;
    unsigned      count;             /* 0: report the calibrating run; K: K runs after it */
    int           turn_in, turn_out; /* --turns: lockstep with another process, or -1 */
    bool          list;
    bool          quick;             /* --quick: skip the FAM_EXTRA families */
    bool          own_sizes;         /* --smoke or --sizes: every family uses `sizes` */
    bool          use_regex;
    regex_t       filter;
    const char   *filter_text;
} options;

static size_t custom_sizes[32];

static void usage(FILE *f)
{
    fputs("usage: rtmap_bench [--quick | --smoke] [--filter=REGEX] [--benchtime=D|Nx]\n"
          "                   [--sizes=N,N,...] [--latency-len=N] [--list]\n"
          "  --quick        sizes 6,64,1024,131072, benchtime 50ms, latency to 1<<20\n"
          "  --smoke        sizes 6,64,1024, one run of each (--benchtime=1x), latency to 4096\n"
          "  (default)      sizes 6..1<<22 as Go's benchmarks, benchtime 200ms, latency to 1<<22;\n"
          "                 MapShrink99, MapSparse*, MapWaves at 100, 65536, 1<<20 (not in --quick)\n"
          "  --filter=RE    run benchmarks whose name (without \"Benchmark\") matches the\n"
          "                 extended regular expression RE (or contains it, if RE does not compile)\n"
          "  --benchtime=D  minimum time of the reported run: 50ms, 1s, ...; Nx runs N ops\n"
          "  --count=K      after calibrating, report K runs of the calibrated op count\n"
          "  --turns=IN,OUT with --count: run only while holding the turn, a byte read from\n"
          "                 file descriptor IN and passed on to OUT after setup and after\n"
          "                 each run (two processes alternate; benchmarks/ab --lockstep)\n"
          "  --list         print the names that would run\n", f);
}

static bool parse_benchtime(const char *text, options *o)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || v < 0)
        return false;
    double scale;
    if (strcmp(end, "x") == 0) {
        o->benchtime_ns = 0;
        o->benchtime_ops = v < 1 ? 1 : (uint64_t)v;
        return true;
    }
    if (strcmp(end, "ns") == 0) scale = 1;
    else if (strcmp(end, "us") == 0) scale = 1e3;
    else if (strcmp(end, "ms") == 0) scale = 1e6;
    else if (strcmp(end, "s") == 0) scale = 1e9;
    else return false;
    o->benchtime_ns = (uint64_t)(v * scale);
    o->benchtime_ops = 0;
    return o->benchtime_ns > 0;
}

static bool parse_sizes(const char *text, options *o)
{
    size_t n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 0);
        if (errno || end == p || v == 0 || v > (1ull << 26) || n == 32)
            return false;
        custom_sizes[n++] = (size_t)v;
        if (*end == ',')
            end++;
        else if (*end)
            return false;
        p = end;
    }
    o->sizes = custom_sizes;
    o->nsizes = n;
    return n > 0;
}

static void parse_options(int argc, char **argv, options *o)
{
    *o = (options){ .sizes = all_sizes, .nsizes = sizeof all_sizes / sizeof all_sizes[0],
                    .latency_len = 1 << 22, .benchtime_ns = 200000000,
                    .turn_in = -1, .turn_out = -1 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool ok = true;
        if (strcmp(a, "--quick") == 0) {
            o->sizes = quick_sizes;
            o->nsizes = sizeof quick_sizes / sizeof quick_sizes[0];
            o->benchtime_ns = 50000000;
            o->latency_len = 1 << 20;
            o->quick = true;
        } else if (strcmp(a, "--smoke") == 0) {
            o->sizes = smoke_sizes;
            o->nsizes = sizeof smoke_sizes / sizeof smoke_sizes[0];
            o->benchtime_ns = 0;
            o->benchtime_ops = 1;
            o->latency_len = 4096;
            o->own_sizes = true;
        } else if (strncmp(a, "--filter=", 9) == 0) {
            o->filter_text = a + 9;
        } else if (strncmp(a, "--benchtime=", 12) == 0) {
            ok = parse_benchtime(a + 12, o);
        } else if (strncmp(a, "--sizes=", 8) == 0) {
            ok = parse_sizes(a + 8, o);
            o->own_sizes = true;
        } else if (strncmp(a, "--latency-len=", 14) == 0) {
            char *end;
            unsigned long long v = strtoull(a + 14, &end, 0);
            ok = *end == 0 && v > 0 && v <= (1ull << 26);
            o->latency_len = (size_t)v;
        } else if (strncmp(a, "--count=", 8) == 0) {
            char *end;
            unsigned long v = strtoul(a + 8, &end, 10);
            ok = *end == 0 && v > 0 && v <= 1000;
            o->count = (unsigned)v;
        } else if (strncmp(a, "--turns=", 8) == 0) {
            char *end;
            long in = strtol(a + 8, &end, 10), out = -1;
            ok = *end == ',' && in >= 0;
            if (ok) {
                out = strtol(end + 1, &end, 10);
                ok = *end == 0 && out >= 0 && in != out;
            }
            o->turn_in = (int)in;
            o->turn_out = (int)out;
        } else if (strcmp(a, "--list") == 0) {
            o->list = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "rtmap_bench: bad argument %s\n", a);
            usage(stderr);
            exit(2);
        }
    }
    if (o->turn_in >= 0 && o->count == 0) {
        fprintf(stderr, "rtmap_bench: --turns needs --count\n");
        exit(2);
    }
    if (o->filter_text)
        o->use_regex = regcomp(&o->filter, o->filter_text, REG_EXTENDED | REG_NOSUB) == 0;
}

static bool selected(const options *o, const char *name)
{
    if (!o->filter_text)
        return true;
    if (o->use_regex)
        return regexec(&o->filter, name, 0, NULL, 0) == 0;
    return strstr(name, o->filter_text) != NULL;
}

/* ---- running one benchmark ---------------------------------------------------------- */

static int procs_suffix;   /* Go's -GOMAXPROCS name suffix: CPUs this process may use */

static void run_once(const workload *w, bench_state *s, bench *b, uint64_t n)
{
    *b = (bench){ .n = n };
    w->run(s, b);
    bench_stop_timer(b);
    if (b->ops == 0)
        b->ops = n;
}

/* Go's testing.B.launch: predict the ops that fill the benchtime from the last
   run, with headroom, growing at least by one. Go grows at most 100x per step;
   here only while a run is too short to time reliably (< 100 us), so that a
   benchmark costs about one benchtime instead of up to two. */
static void run_calibrated(const options *o, const workload *w, bench_state *s,
                           bench *b, bool once)
{
    if (once) {
        run_once(w, s, b, s->len);
        return;
    }
    if (o->benchtime_ns == 0) {
        run_once(w, s, b, o->benchtime_ops);
        return;
    }
    uint64_t n = 1;
    run_once(w, s, b, n);
    while (!s->failed && b->elapsed_ns < o->benchtime_ns && n < 1000000000) {
        uint64_t last = b->ops > n ? b->ops : n;
        uint64_t prev_ns = b->elapsed_ns ? b->elapsed_ns : 1;
        double goal = (double)o->benchtime_ns * (double)b->ops / (double)prev_ns;
        uint64_t next = (uint64_t)(goal * 1.1);
        if (prev_ns < 100000 && next > 100 * last) next = 100 * last;
        if (next < last + 1) next = last + 1;
        if (next > 1000000000) next = 1000000000;
        n = next;
        run_once(w, s, b, n);
    }
}

static void print_result(const char *name, const bench *b, const bench_state *s)
{
    char full[256];
    if (procs_suffix > 1)
        snprintf(full, sizeof full, "Benchmark%s-%d", name, procs_suffix);
    else
        snprintf(full, sizeof full, "Benchmark%s", name);
    double ops = (double)b->ops;
    printf("%-64s\t%10llu\t%12.2f ns/op\t%8.0f B/op\t%8.2f allocs/op", full,
           (unsigned long long)b->ops, (double)b->elapsed_ns / ops,
           (double)b->alloc_bytes / ops, (double)b->allocs / ops);
    for (int i = 0; i < s->nextra; i++)
        printf("\t%10.2f %s", s->extra_value[i], s->extra_unit[i]);
    putchar('\n');
    fflush(stdout);
}

static int failures;

/* ---- lockstep (--turns) -------------------------------------------------------------
 * Two processes pinned to one CPU pass a byte back and forth, so that one runs
 * while the other waits and their timed runs alternate. A slow spell of a shared
 * machine then falls on neighbouring runs of both builds alike, and the runs can
 * be compared in pairs. When the other process is gone (end of file, or a failed
 * write), this one goes on alone. */

static void turn_take(options *o)
{
    if (o->turn_in < 0)
        return;
    char c;
    ssize_t r;
    do
        r = read(o->turn_in, &c, 1);
    while (r < 0 && errno == EINTR);
    if (r != 1) {
        close(o->turn_in);
        o->turn_in = -1;
    }
}

static void turn_give(options *o)
{
    if (o->turn_out < 0)
        return;
    ssize_t r;
    do
        r = write(o->turn_out, "t", 1);
    while (r < 0 && errno == EINTR);
    if (r != 1) {
        close(o->turn_out);
        o->turn_out = -1;
    }
}

/* Setup, calibration and teardown run in a turn of their own, then each of the
   --count runs in one more: every benchmark takes 1 + count turns, whether it
   fails or not, so that two processes running the same list stay paired. */
static void run_benchmark(options *o, const char *name, const workload *w,
                          const variant *v, size_t len, bool once)
{
    if (!selected(o, name))
        return;
    if (o->list) {
        printf("Benchmark%s\n", name);
        return;
    }
    turn_take(o);
    bench_state s = { .v = v, .len = len };
    if (v)
        s.keys = keys_get(v->kind, 2 * len);
    bench b = { 0 };
    if (w->setup)
        w->setup(&s);
    if (!s.failed)
        run_calibrated(o, w, &s, &b, once);
    if (!s.failed && (o->count == 0 || once))
        print_result(name, &b, &s);
    uint64_t n = b.n;
    for (unsigned k = 0; k < o->count; k++) {
        turn_give(o);
        turn_take(o);
        if (s.failed || once)
            continue;
        run_once(w, &s, &b, n);
        if (!s.failed)
            print_result(name, &b, &s);
    }
    if (w->teardown)
        w->teardown(&s);
    if (s.failed) {
        printf("--- FAIL: Benchmark%s\n    %s\n", name, s.fail_msg);
        fflush(stdout);
        failures++;
    }
    turn_give(o);
}

static void print_header(void)
{
    printf("goos: linux\n");
#if defined(__x86_64__)
    printf("goarch: amd64\n");
#elif defined(__aarch64__)
    printf("goarch: arm64\n");
#endif
    printf("pkg: rtmap\n");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c) {
                    c += 1 + (c[1] == ' ');
                    printf("cpu: %s", c);
                }
                break;
            }
        }
        fclose(f);
    }
    printf("rtmap-impl: %s\n", rtmap_experiment_swissmap() ? "swiss" : "noswiss");
}

int main(int argc, char **argv)
{
    options o;
    parse_options(argc, argv, &o);
    if (o.turn_out >= 0)
        signal(SIGPIPE, SIG_IGN);   /* a partner gone: turn_give sees EPIPE */
    cpu_set_t cpus;
    procs_suffix = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
    counting_allocator_install();
    if (!o.list)
        print_header();

    const family *fams;
    size_t nfam = bench_families(&fams);
    char name[256];
    for (size_t f = 0; f < nfam; f++) {
        const family *fam = &fams[f];
        if (!(fam->flags & (FAM_SIZED | FAM_LATENCY))) {
            run_benchmark(&o, fam->name, fam->unsized, NULL, 0, false);
            continue;
        }
        for (int vi = 0; vi < VAR_COUNT; vi++) {
            const workload *w = fam->by_variant[vi];
            if (!w)
                continue;
            const variant *v = variant_get((variant_id)vi);
            if (fam->flags & FAM_LATENCY) {
                snprintf(name, sizeof name, "%s/%s/len=%zu", fam->name, v->config, o.latency_len);
                run_benchmark(&o, name, w, v, o.latency_len, true);
                continue;
            }
            const size_t *sizes = o.sizes;
            size_t nsizes = o.nsizes;
            if (fam->flags & FAM_EXTRA) {
                /* Each op of these costs a map of up to 1M entries to set up:
                   too long for quick mode, and their sizes are their own. */
                if (o.quick)
                    continue;
                if (!o.own_sizes) {
                    sizes = extra_sizes;
                    nsizes = sizeof extra_sizes / sizeof extra_sizes[0];
                }
            }
            for (size_t si = 0; si < nsizes; si++) {
                snprintf(name, sizeof name, "%s/%s/len=%zu", fam->name, v->config, sizes[si]);
                run_benchmark(&o, name, w, v, sizes[si], false);
            }
        }
    }
    keys_release_all();
    if (o.use_regex)
        regfree(&o.filter);
    if (!o.list)
        puts(failures ? "FAIL" : "PASS");
    return failures ? 1 : 0;
}
