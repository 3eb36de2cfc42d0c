/* The map fuzzer without libFuzzer: runs every file of a corpus directory, then
 * pseudo-random inputs from a fixed seed, through the same target. A normal test
 * of both builds (suite 'reliability'); with --write-corpus DIR it writes the
 * seed corpus instead (scenarios that reach growth, iteration with writes,
 * clone, NaN and ±0 keys, panics and allocation failures for every key type).
 *   fuzz_replay [CORPUS_DIR_OR_FILE] [RANDOM_INPUTS]
 *   fuzz_replay --write-corpus DIR */
#include "fuzz_keys.h"
#include "fuzz_target.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- replaying ------------------------------------------------------------------- */

static bool replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    static uint8_t buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    /* named first, so that the input of a failure is known */
    fprintf(stderr, "%s\n", path);
    fz_run(buf, len);
    return true;
}

/* A directory: every file in it; anything else: that one file. */
static long replay_path(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        if (!replay_file(path)) {
            fprintf(stderr, "cannot open %s\n", path);
            exit(2);
        }
        return 1;
    }
    long n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char file[4096];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        n += replay_file(file);
    }
    closedir(d);
    return n;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A failing random input is written to ./fuzz-replay-crash, for replaying alone. */
static const uint8_t *current_input;
static size_t current_len;

static void save_failing_input(int sig)
{
    int fd = open("fuzz-replay-crash", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, current_input, current_len);
        (void)w;
        close(fd);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Random bytes, except that every third byte is biased towards small values, so
   that counts and mutation choices vary rather than being mostly large, and that
   the key domain is mostly small (keys meet again) and never the largest (the
   corpus covers big maps; this keeps the test short under sanitizers). */
static void replay_random(long count)
{
    uint64_t s = 0x5eed5eed2026ull;
    static uint8_t buf[1024];
    for (long i = 0; i < count; i++) {
        size_t len = 9 + splitmix(&s) % 400;
        for (size_t j = 0; j < len; j++) {
            uint64_t r = splitmix(&s);
            buf[j] = (uint8_t)(j % 3 == 2 ? r % 24 : r);
        }
        unsigned domain_sel = i % 8 == 7 ? 2 : (unsigned)(i & 1);
        buf[0] = (uint8_t)((buf[0] & ~0x30u) | domain_sel << 4);
        current_input = buf;
        current_len = len;
        fz_run(buf, len);
    }
}

/* ---- writing the seed corpus ---------------------------------------------------- */

typedef struct enc { uint8_t b[4096]; size_t n; } enc;

static void put8(enc *e, unsigned v) { e->b[e->n++] = (uint8_t)v; }
static void put16(enc *e, unsigned v) { put8(e, v & 0xff); put8(e, v >> 8); }

static void header(enc *e, unsigned keytype, bool big, unsigned domain_sel, unsigned ctor, uint64_t seed)
{
    e->n = 0;
    put8(e, keytype | (unsigned)big << 3 | domain_sel << 4 | ctor << 6);
    for (int i = 0; i < 8; i++)
        put8(e, (unsigned)(seed >> (8 * i)));
}

static void op_idx(enc *e, unsigned op, unsigned idx, unsigned flags)
{
    put8(e, op);
    put16(e, idx);
    put8(e, flags);
}

static void op_assign(enc *e, unsigned idx, unsigned flags, unsigned value)
{
    op_idx(e, FZ_OP_ASSIGN, idx, flags);
    put16(e, value);
}

static void op_bulk(enc *e, unsigned op, unsigned start, unsigned count4, unsigned flags)
{
    op_idx(e, op, start, count4);
    put8(e, flags);
}

static void write_file(const char *dir, const char *name, const enc *e)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(e->b, 1, e->n, f) != e->n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

/* A big map: growth, splits / evacuation, iteration with every kind of write,
   keys and values, clone, deletes in bulk, a clear inside an iteration. */
static void scenario_grow(enc *e, unsigned kt)
{
    header(e, kt, false, 3, 0, 0x1000 + kt);
    op_bulk(e, FZ_OP_BULK_ASSIGN, 0, 255, 0);
    op_bulk(e, FZ_OP_BULK_ASSIGN, 1021, 255, 2 | 1);
    put8(e, FZ_OP_ITERATE);
    put8(e, 0 | 7 << 2);
    put8(e, 10);
    put8(e, FZ_MUT_DELETE); put16(e, 3000);
    put8(e, FZ_MUT_GROW); put8(e, 40);
    put8(e, FZ_MUT_DELETE_CURRENT);
    put8(e, FZ_MUT_UPDATE_CURRENT);
    put8(e, FZ_MUT_ASSIGN); put16(e, 2500);
    put8(e, FZ_MUT_DELETE_RANGE); put16(e, 100); put8(e, 20);
    put8(e, 0);
    put8(e, FZ_MUT_GROW); put8(e, 63);
    put8(e, FZ_MUT_GROW); put8(e, 63);
    put8(e, FZ_MUT_DELETE_CURRENT);
    put8(e, FZ_OP_KEYS_VALUES); put8(e, 0);
    put8(e, FZ_OP_KEYS_VALUES); put8(e, 2);
    put8(e, FZ_OP_CLONE); put8(e, 2);
    put8(e, FZ_OP_CLONE); put8(e, 1);
    put8(e, FZ_OP_ITERATE); put8(e, 1 | 2 << 2); put8(e, 3);
    put8(e, FZ_MUT_GROW); put8(e, 50);
    put8(e, FZ_MUT_DELETE); put16(e, 7);
    put8(e, FZ_MUT_UPDATE_CURRENT);
    op_bulk(e, FZ_OP_BULK_DELETE, 0, 200, 4);
    put8(e, FZ_OP_ITERATE); put8(e, 2 | 5 << 2); put8(e, 3);
    put8(e, FZ_MUT_DELETE_CURRENT);
    put8(e, FZ_MUT_CLEAR);
    put8(e, FZ_MUT_GROW); put8(e, 30);
    put8(e, FZ_OP_CHECK_ALL);
    /* two iterators through a growth: the second starts late, one is abandoned */
    op_bulk(e, FZ_OP_BULK_ASSIGN, 0, 100, 0);
    put8(e, FZ_OP_ITERATE_TWO); put8(e, 2); put8(e, 4);
    for (int i = 0; i < 6; i++)
        put8(e, 0);                          /* the first iterator advances */
    put8(e, 1);                              /* the second starts */
    put8(e, 2); put8(e, FZ_MUT_GROW); put8(e, 63);
    put8(e, 3); put8(e, FZ_MUT_GROW); put8(e, 63);
    put8(e, 2); put8(e, FZ_MUT_DELETE_CURRENT);
    put8(e, 3); put8(e, FZ_MUT_GROW); put8(e, 63);
}

/* A small map: key update (±0, string copies), NaN keys, every access way,
   nil map, unhashable keys, allocation failures, odd hints, emptied by deletes. */
static void scenario_edges(enc *e, unsigned kt)
{
    header(e, kt, kt & 1, 0, 1, 0x2000 + kt);
    op_assign(e, 0, 0, 11);
    op_assign(e, 0, 1, 12);
    for (unsigned way = 0; way < 7; way++)
        op_idx(e, FZ_OP_ACCESS, 0, way << 1 | (way & 1));
    for (unsigned i = 0; i < 3; i++) {
        op_assign(e, 1, i & 1, 20 + i);     /* NaN for float64 */
        op_assign(e, 6, i & 1, 30 + i);     /* NaN inside an any */
    }
    for (unsigned i = 2; i < 16; i++)
        op_assign(e, i, (i & 1) | (i % 4) << 1, 100 + i);
    put8(e, FZ_OP_ITERATE); put8(e, 0); put8(e, 0);
    /* two iterators; the second is abandoned, the first sees a clear */
    put8(e, FZ_OP_ITERATE_TWO); put8(e, 1); put8(e, 2);
    put8(e, 0); put8(e, 1); put8(e, 0xfd);
    put8(e, 2); put8(e, FZ_MUT_CLEAR);
    put8(e, 0);
    for (unsigned i = 2; i < 16; i++)
        op_assign(e, i, i & 1, 200 + i);
    put8(e, FZ_OP_KEYS_VALUES); put8(e, 1);
    put8(e, FZ_OP_KEYS_VALUES); put8(e, 3);
    op_idx(e, FZ_OP_DELETE, 0, 1 << 1);
    put8(e, FZ_OP_NIL_MAP);
    for (unsigned w = 0; w < 8; w++) {
        put8(e, FZ_OP_UNHASHABLE);
        put8(e, w);
    }
    put8(e, FZ_OP_FAIL_ALLOC); put8(e, 0);
    op_bulk(e, FZ_OP_BULK_ASSIGN, 0, 10, 0);
    put8(e, FZ_OP_FAIL_ALLOC); put8(e, 2);
    put8(e, FZ_OP_CLONE); put8(e, 0);
    put8(e, FZ_OP_FAIL_ALLOC); put8(e, 1);
    put8(e, FZ_OP_REMAKE); put8(e, 4); put16(e, 100);
    put8(e, FZ_OP_CLEAR); put8(e, 1);
    put8(e, FZ_OP_REMAKE); put8(e, 0); put16(e, 4);
    op_bulk(e, FZ_OP_BULK_ASSIGN, 0, 3, 2);
    op_bulk(e, FZ_OP_BULK_DELETE, 0, 3, 4);
    op_assign(e, 5, 0, 55);
    put8(e, FZ_OP_CHECK_ALL);
}

static void write_corpus(const char *dir)
{
    fz_keys_init();
    enc e;
    char name[64];
    for (unsigned kt = 0; kt < FZ_KEYTYPES; kt++) {
        const char *kname = fz_keytype_at(kt)->name;
        char clean[32];
        size_t j = 0;
        for (const char *p = kname; *p && j + 1 < sizeof clean; p++)
            clean[j++] = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ? *p : '_';
        clean[j] = 0;
        scenario_grow(&e, kt);
        snprintf(name, sizeof name, "grow-%u-%s", kt, clean);
        write_file(dir, name, &e);
        scenario_edges(&e, kt);
        snprintf(name, sizeof name, "edges-%u-%s", kt, clean);
        write_file(dir, name, &e);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0) {
        write_corpus(argv[2]);
        return 0;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long files = argc > 1 ? replay_path(argv[1]) : 0;
    long randoms = argc > 2 ? atol(argv[2]) : 2000;
    signal(SIGABRT, save_failing_input);
    replay_random(randoms);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("replayed %ld corpus files and %ld random inputs in %.2f s\n", files, randoms,
           (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    printf("%lu inputs, %lu operations; %lu allocations made to fail, %lu reported as out of memory\n",
           fz_totals.inputs, fz_totals.operations, fz_totals.injected_failures, fz_totals.oom_reported);
    return 0;
}
