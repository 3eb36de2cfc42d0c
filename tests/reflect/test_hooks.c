/* The embedder's hooks seen from outside: the allocator (layouts, sizes,
 * alignment, a map frees through the allocator it was made with), the default
 * heap allocator's alignment, the rand hook driving seeds and iteration starts,
 * and the panic handler (default message and abort; longjmp out leaves a valid
 * map). */
#define _GNU_SOURCE
#include "support.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- a recording allocator ------------------------------------------------------ */

#define MAX_BLOCKS 8192

typedef struct recorder {
    int    allocs, frees, live, problems;
    void  *ptr[MAX_BLOCKS];
    size_t size[MAX_BLOCKS];
} recorder;

static void *rec_alloc(void *ctx, size_t size, size_t align, const rtmap_type *layout)
{
    recorder *r = ctx;
    if (!layout || !layout->size || size % layout->size != 0 ||
        align == 0 || (align & (align - 1)) || align < layout->align) {
        fprintf(stderr, "bad allocation: size %zu align %zu layout %s\n", size, align,
                layout && layout->str ? layout->str : "(null)");
        r->problems++;
    }
    if (align < sizeof(void *))
        align = sizeof(void *);
    void *p = NULL;
    if (posix_memalign(&p, align, size ? size : 1) != 0)
        return NULL;
    memset(p, 0, size);
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (!r->ptr[i]) {
            r->ptr[i] = p;
            r->size[i] = size;
            r->allocs++;
            r->live++;
            return p;
        }
    }
    free(p);
    return NULL;
}

static void rec_free(void *ctx, void *p, size_t size)
{
    recorder *r = ctx;
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (r->ptr[i] == p) {
            if (r->size[i] != size) {
                fprintf(stderr, "free of %zu bytes, allocated %zu\n", size, r->size[i]);
                r->problems++;
            }
            r->ptr[i] = NULL;
            r->frees++;
            r->live--;
            free(p);
            return;
        }
    }
    fprintf(stderr, "free of unknown block %p\n", p);
    r->problems++;
}

static void use_recorder(recorder *r)
{
    memset(r, 0, sizeof *r);
    rtmap_allocator a = { rec_alloc, rec_free, r };
    rtmap_set_allocator(&a);
}

static void exercise(const rtmap_maptype *mt, size_t n, void (*make_key)(void *, size_t))
{
    unsigned char key[512], elem[512];
    rtmap_hmap *h = rtmap_makemap(mt, 0);
    assert_non_null(h);
    for (size_t i = 0; i < n; i++) {
        make_key(key, i);
        memset(elem, (int)i, mt->elem->size);
        void *slot = rtmap_mapassign(mt, h, key);
        memcpy(slot, elem, mt->elem->size);
        if (i % 3 == 0) {
            make_key(key, i / 2);
            rtmap_mapdelete(mt, h, key);
        }
    }
    rtmap_hmap *c = rtmap_mapclone(mt, h);
    rtmap_mapclear(mt, h);
    RT_VERIFY(mt, c);
    rtmap_mapfree(mt, c);
    rtmap_mapfree(mt, h);
}

static void int_key(void *k, size_t i)
{
    int64_t v = (int64_t)i * 7919;
    memcpy(k, &v, sizeof v);
}

static void big_key(void *k, size_t i)
{
    memset(k, 0, 200);
    memcpy(k, &i, sizeof i);
}

static void string_key(void *k, size_t i)
{
    static char text[2048][12];
    snprintf(text[i % 2048], sizeof text[0], "k%zu", i);
    rtmap_string s = { text[i % 2048], strlen(text[i % 2048]) };
    memcpy(k, &s, sizeof s);
}

static void test_allocator_layouts(void **state)
{
    (void)state;
    recorder r;
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 200, &big), RTMAP_OK);
    const rtmap_maptype *types[] = {
        rt_map_of(&rtmap_type_int64, &rtmap_type_int64),
        rt_map_of(big, big),                       /* indirect key and elem */
        rt_map_of(&rtmap_type_string, big),
    };
    void (*keys[])(void *, size_t) = { int_key, big_key, string_key };
    for (int t = 0; t < 3; t++) {
        use_recorder(&r);
        exercise(types[t], 1000, keys[t]);
        rtmap_set_allocator(NULL);
        assert_int_equal(r.problems, 0);
        assert_true(r.allocs > 0);
        assert_int_equal(r.live, 0);
        assert_int_equal(r.allocs, r.frees);
    }
}

static void test_map_frees_through_its_allocator(void **state)
{
    (void)state;
    recorder a, b;
    const rtmap_maptype *mt = rt_map_of(&rtmap_type_int64, &rtmap_type_int64);
    use_recorder(&a);
    rtmap_hmap *h = rtmap_makemap(mt, 0);
    memset(&b, 0, sizeof b);
    rtmap_allocator other = { rec_alloc, rec_free, &b };
    rtmap_set_allocator(&other);
    for (int64_t i = 0; i < 5000; i++)
        *(int64_t *)rtmap_mapassign(mt, h, &i) = i;
    rtmap_mapfree(mt, h);
    rtmap_set_allocator(NULL);
    assert_int_equal(b.allocs, 0);
    assert_true(a.allocs > 1);
    assert_int_equal(a.live, 0);
    assert_int_equal(a.problems + b.problems, 0);
}

static void test_heap_allocator_alignment(void **state)
{
    (void)state;
    rtmap_set_allocator(NULL);
    rtmap_allocator heap;
    rtmap_current_allocator(&heap);
    size_t aligns[] = { 1, 8, 16, 64, 256, 4096 };
    for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        size_t sizes[] = { 1, 24, 1000, 5000 };
        for (size_t j = 0; j < 4; j++) {
            unsigned char *p = heap.alloc(heap.ctx, sizes[j], aligns[i], &rtmap_type_uint8);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % aligns[i], 0);
            for (size_t b = 0; b < sizes[j]; b++)
                assert_int_equal(p[b], 0);
            heap.free(heap.ctx, p, sizes[j]);
        }
    }
    /* and the slots a map hands out are aligned for their types */
    const rtmap_maptype *mt = rt_map_of(&rtmap_type_int8, &rtmap_type_complex128);
    rtmap_hmap *h = rtmap_makemap(mt, 100);
    for (int8_t i = 0; i < 100; i++) {
        void *slot = rtmap_mapassign(mt, h, &i);
        assert_int_equal((uintptr_t)slot % _Alignof(double), 0);
    }
    rtmap_mapfree(mt, h);
}

/* ---- the rand hook ------------------------------------------------------------------- */

static uint64_t rand_calls;

static uint64_t constant_rand(void *ctx)
{
    rand_calls++;
    return *(uint64_t *)ctx;
}

static size_t iteration_order(const rtmap_maptype *mt, rtmap_hmap *h, int64_t *out, size_t cap)
{
    rtmap_hiter it;
    size_t n = 0;
    for (rtmap_mapiterinit(mt, h, &it); it.key && n < cap; rtmap_mapiternext(&it))
        out[n++] = *(int64_t *)it.key;
    if (it.key)
        rtmap_mapiterstop(&it);
    return n;
}

static void test_rand_hook_drives_seeds(void **state)
{
    (void)state;
    const rtmap_maptype *mt = rt_map_of(&rtmap_type_int64, &rtmap_type_int64);
    enum { N = 500 };
    static int64_t o1[N], o2[N], o3[N];
    uint64_t value = 0x123456789abcdefULL;
    rtmap_set_rand(constant_rand, &value);
    rand_calls = 0;
    rtmap_hmap *a = rtmap_makemap(mt, 0);
    assert_true(rand_calls > 0);                 /* the seed came from the hook */
    rtmap_hmap *b = rtmap_makemap(mt, 0);
    for (int64_t i = 0; i < N; i++) {
        *(int64_t *)rtmap_mapassign(mt, a, &i) = i;
        *(int64_t *)rtmap_mapassign(mt, b, &i) = i;
    }
    uint64_t before = rand_calls;
    assert_int_equal(iteration_order(mt, a, o1, N), N);
    assert_true(rand_calls > before);            /* and the iteration start */
    assert_int_equal(iteration_order(mt, b, o2, N), N);
    assert_memory_equal(o1, o2, sizeof o1);
    assert_int_equal(iteration_order(mt, a, o3, N), N);
    assert_memory_equal(o1, o3, sizeof o1);

    /* another constant gives another order for a map made under it */
    value = 0xfedcba9876543210ULL;
    rtmap_hmap *c = rtmap_makemap(mt, 0);
    for (int64_t i = 0; i < N; i++)
        *(int64_t *)rtmap_mapassign(mt, c, &i) = i;
    assert_int_equal(iteration_order(mt, c, o3, N), N);
    rtmap_set_rand(NULL, NULL);
    assert_memory_not_equal(o1, o3, sizeof o1);
    rtmap_mapfree(mt, a);
    rtmap_mapfree(mt, b);
    rtmap_mapfree(mt, c);

    /* the built-in source: two maps iterate differently (overwhelmingly likely
       over a few tries) */
    bool differed = false;
    for (int attempt = 0; attempt < 5 && !differed; attempt++) {
        rtmap_hmap *x = rtmap_makemap(mt, 0), *y = rtmap_makemap(mt, 0);
        for (int64_t i = 0; i < N; i++) {
            *(int64_t *)rtmap_mapassign(mt, x, &i) = i;
            *(int64_t *)rtmap_mapassign(mt, y, &i) = i;
        }
        iteration_order(mt, x, o1, N);
        iteration_order(mt, y, o2, N);
        differed = memcmp(o1, o2, sizeof o1) != 0;
        rtmap_mapfree(mt, x);
        rtmap_mapfree(mt, y);
    }
    assert_true(differed);
}

/* ---- the panic handler --------------------------------------------------------------- */

/* Runs fn in a child with the default handler; returns its stderr and status. */
static int run_child(void (*fn)(void), char *err, size_t cap)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        rtmap_set_panic_handler(NULL, NULL);
        fn();
        _exit(0);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t got;
    while (n + 1 < cap && (got = read(fds[0], err + n, cap - 1 - n)) > 0)
        n += (size_t)got;
    err[n] = 0;
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

static void nil_map_write(void)
{
    const rtmap_maptype *mt = NULL;
    if (rtmap_map_of(&rtmap_type_int64, &rtmap_type_int64, &mt) != RTMAP_OK)
        _exit(3);
    int64_t k = 1;
    rtmap_mapassign(mt, NULL, &k);
    _exit(4);     /* not reached: the default handler aborts */
}

static void unhashable_lookup(void)
{
    const rtmap_maptype *mt = NULL, *am = NULL;
    if (rtmap_map_of(&rtmap_type_int64, &rtmap_type_int64, &mt) != RTMAP_OK ||
        rtmap_map_of(&rtmap_type_any, &rtmap_type_int64, &am) != RTMAP_OK)
        _exit(3);
    rtmap_eface bad = { &mt->type, NULL };
    rtmap_mapaccess1(am, NULL, &bad);
    _exit(4);
}

static void test_default_handler_aborts(void **state)
{
    (void)state;
    char err[1024];
    int status = run_child(nil_map_write, err, sizeof err);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(err, "rtmap: panic: assignment to entry in nil map"));

    status = run_child(unhashable_lookup, err, sizeof err);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(err, "rtmap: panic: hash of unhashable type map[int64]int64"));
}

static void test_longjmp_out_leaves_valid_map(void **state)
{
    (void)state;
    rt_install_panic_catcher();
    const rtmap_maptype *ii = rt_map_of(&rtmap_type_int64, &rtmap_type_int64);
    const rtmap_maptype *am = rt_map_of(&rtmap_type_any, &rtmap_type_int64);
    rtmap_hmap *h = rtmap_makemap(am, 0);
    static int64_t nums[300];
    for (int64_t i = 0; i < 300; i++) {
        nums[i] = i;
        rtmap_eface k = { &rtmap_type_int64, &nums[i] };
        *(int64_t *)rtmap_mapassign(am, h, &k) = i;
    }
    rtmap_eface bad = { &ii->type, NULL };
    for (int round = 0; round < 3; round++) {
        int kind;
        RT_TRY(kind) {
            rtmap_mapassign(am, h, &bad);
        }
        assert_int_equal(kind, RTMAP_PANIC_UNHASHABLE);
        RT_TRY(kind) {
            rtmap_mapdelete(am, h, &bad);
        }
        assert_int_equal(kind, RTMAP_PANIC_UNHASHABLE);
        RT_VERIFY(am, h);
        assert_int_equal(rtmap_maplen(h), 300);
    }
    /* the map still works, writes included (no flag left set) */
    for (int64_t i = 0; i < 300; i++) {
        rtmap_eface k = { &rtmap_type_int64, &nums[i] };
        assert_int_equal(*(int64_t *)rtmap_mapaccess1(am, h, &k), i);
        *(int64_t *)rtmap_mapassign(am, h, &k) = -i;
    }
    rtmap_mapfree(am, h);

    /* out of memory through the runtime entry points: longjmp, map unchanged */
    rt_use_test_allocator();
    rtmap_hmap *m = rtmap_makemap(ii, 0);
    volatile int oom = 0;
    for (int64_t i = 0; i < 2000; i++) {
        int kind;
        rt_fail_allocation_after(1);
        RT_TRY(kind) {
            *(int64_t *)rtmap_mapassign(ii, m, &i) = i;
        }
        rt_fail_allocation_after(0);
        if (kind != -1) {
            assert_int_equal(kind, RTMAP_PANIC_OUT_OF_MEMORY);
            assert_int_equal(rtmap_maplen(m), i);
            RT_VERIFY(ii, m);
            oom++;
            *(int64_t *)rtmap_mapassign(ii, m, &i) = i;
        }
    }
    assert_true(oom > 0);
    assert_int_equal(rtmap_maplen(m), 2000);
    for (int64_t i = 0; i < 2000; i++)
        assert_int_equal(*(int64_t *)rtmap_mapaccess1(ii, m, &i), i);
    rtmap_mapfree(ii, m);
    assert_int_equal(rt_alloc.live_blocks, 0);
    rt_use_heap_allocator();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allocator_layouts),
        cmocka_unit_test(test_map_frees_through_its_allocator),
        cmocka_unit_test(test_heap_allocator_alignment),
        cmocka_unit_test(test_rand_hook_drives_seeds),
        cmocka_unit_test(test_default_handler_aborts),
        cmocka_unit_test(test_longjmp_out_leaves_valid_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
