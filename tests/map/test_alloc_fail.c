/* Allocation failure: scripted workloads (makemap with hints, inserts through
 * growth, deletes down to small sizes, clone, clear, growth under a live
 * iterator; direct and indirect keys and elems) are rerun with the k-th
 * allocation failing, for every k the workload reaches. The failing call raises
 * RTMAP_PANIC_OUT_OF_MEMORY, the map then holds exactly its previous entries and
 * passes the checker, the call works when repeated, and at mapfree no block is
 * left. (An implementation may also absorb a failed allocation it can do
 * without, such as the classic build's retired list at the end of a growth,
 * which postpones that end: then the call must complete in full, which the
 * model check after every step sees.) A handler that returns instead makes mapassign return NULL with the map
 * unchanged. */
#include "map_test.h"

#define BIG 200
#define MAX_KEYS 3000

typedef enum op_code {
    OP_MAKE, OP_INSERT, OP_DELETE, OP_CLONE, OP_CLEAR, OP_ITER_BEGIN, OP_ITER_FINISH
} op_code;

typedef struct op {
    op_code code;
    size_t  from, to, stride;   /* key range of inserts and deletes; hint of OP_MAKE in from */
} op;

typedef struct workload {
    const char         *name;
    const rtmap_maptype *t;
    void              (*make_key)(void *out, size_t i);
    const op           *ops;
    size_t              nops;
    size_t              keys;       /* every key index used is below this */
} workload;

static mt_model model;

/* ---- keys and elems ------------------------------------------------------------ */

static void u64_key(void *out, size_t i)
{
    uint64_t k = (uint64_t)i * 0x100000001ULL;
    memcpy(out, &k, sizeof k);
}

static void big_key(void *out, size_t i)
{
    memset(out, (int)(i & 0x7f), BIG);
    memcpy((uint8_t *)out + BIG - sizeof i, &i, sizeof i);
}

static void str_key(void *out, size_t i)
{
    rtmap_string s = mt_string_of(i);
    memcpy(out, &s, sizeof s);
}

/* An elem holds the value in its first 8 bytes; a larger one repeats its low
 * byte up to its last byte, so a partly copied elem is seen. */
static void write_elem(const rtmap_maptype *t, void *slot, uint64_t v)
{
    if (t->elem->size > 8)
        memset(slot, (int)(v & 0xff), t->elem->size);
    memcpy(slot, &v, 8);
}

static void check_elem(const rtmap_maptype *t, const void *slot, uint64_t v)
{
    uint64_t got;
    memcpy(&got, slot, 8);
    assert_int_equal(got, v);
    if (t->elem->size > 8)
        assert_int_equal(((const uint8_t *)slot)[t->elem->size - 1], v & 0xff);
}

/* The map holds exactly what the model holds. */
static void check_map(const workload *w, rtmap_hmap *h)
{
    RT_VERIFY(w->t, h);
    assert_int_equal(rtmap_maplen(h), model.len);
    uint8_t key[BIG];
    for (size_t i = 0; i < w->keys; i++) {
        w->make_key(key, i);
        bool ok = !model.present[i];
        const void *v = rtmap_mapaccess2(w->t, h, key, &ok);
        assert_int_equal(ok, model.present[i]);
        check_elem(w->t, v, model.value[i]);
    }
}

/* ---- single calls under RT_TRY (the result goes through a pointer, so nothing
 * local is changed between setjmp and longjmp) ------------------------------------ */

static int try_make(const rtmap_maptype *t, intptr_t hint, rtmap_hmap **out)
{
    int kind;
    RT_TRY(kind) {
        *out = rtmap_makemap(t, hint);
    }
    return kind;
}

static int try_assign(const rtmap_maptype *t, rtmap_hmap *h, const void *key, void **slot)
{
    int kind;
    RT_TRY(kind) {
        *slot = rtmap_mapassign(t, h, key);
    }
    return kind;
}

static int try_delete(const rtmap_maptype *t, rtmap_hmap *h, const void *key)
{
    int kind;
    RT_TRY(kind) {
        rtmap_mapdelete(t, h, key);
    }
    return kind;
}

static int try_clone(const rtmap_maptype *t, rtmap_hmap *h, rtmap_hmap **out)
{
    int kind;
    RT_TRY(kind) {
        *out = rtmap_mapclone(t, h);
    }
    return kind;
}

static int try_clear(const rtmap_maptype *t, rtmap_hmap *h)
{
    int kind;
    RT_TRY(kind) {
        rtmap_mapclear(t, h);
    }
    return kind;
}

/* ---- running a workload ------------------------------------------------------------ */

typedef struct run_state {
    const workload *w;
    rtmap_hmap     *h;
    long            ooms;        /* OOM panics seen */
    rtmap_hiter     it;
    bool            iterating;
    uint8_t         expect_once[MAX_KEYS];   /* keys present when the iterator began */
    uint8_t         produced[MAX_KEYS];
} run_state;

/* After a call returned `kind`: either it succeeded, or it failed with OOM and
 * left the map as it was (then the caller repeats it, now without failure). */
static bool failed_cleanly(run_state *rs, int kind)
{
    if (kind == -1)
        return false;
    assert_int_equal(kind, RTMAP_PANIC_OUT_OF_MEMORY);
    rs->ooms++;
    if (rs->h)
        check_map(rs->w, rs->h);
    return true;
}

static size_t key_index(const workload *w, const void *key)
{
    uint8_t probe[BIG];
    /* keys are made from their index; find it from the bytes that encode it */
    if (w->t->key->size == BIG) {
        size_t i;
        memcpy(&i, (const uint8_t *)key + BIG - sizeof i, sizeof i);
        return i;
    }
    if (w->t->key->kind == RTMAP_KIND_STRING) {
        const rtmap_string *s = key;
        for (size_t i = 0; i < MAX_KEYS; i++) {
            str_key(probe, i);
            if (((rtmap_string *)probe)->ptr == s->ptr)
                return i;
        }
        fail_msg("unknown string key");
    }
    uint64_t k;
    memcpy(&k, key, sizeof k);
    return (size_t)(k / 0x100000001ULL);
}

/* The entry the iterator just produced: in the map now, with its current elem,
 * and not produced before in this incarnation. */
static void record_produced(run_state *rs)
{
    if (!rs->it.key)
        return;
    size_t i = key_index(rs->w, rs->it.key);
    assert_true(i < MAX_KEYS);
    assert_true(model.present[i]);
    assert_int_equal(rs->produced[i]++, 0);
    check_elem(rs->w->t, rs->it.elem, model.value[i]);
}

static void advance_iterator(run_state *rs)
{
    if (!rs->it.key)
        return;
    rtmap_mapiternext(&rs->it);
    record_produced(rs);
}

static void run_op(run_state *rs, const op *o)
{
    const workload *w = rs->w;
    const rtmap_maptype *t = w->t;
    uint8_t key[BIG];
    switch (o->code) {
    case OP_MAKE: {
        long live = rt_alloc.live_blocks;
        while (failed_cleanly(rs, try_make(t, (intptr_t)o->from, &rs->h)))
            assert_int_equal(rt_alloc.live_blocks, live);   /* a failed makemap leaks nothing */
        assert_non_null(rs->h);
        mt_model_reset(&model);
        break;
    }
    case OP_INSERT:
        for (size_t i = o->from; i < o->to; i += o->stride) {
            w->make_key(key, i);
            void *slot = NULL;
            while (failed_cleanly(rs, try_assign(t, rs->h, key, &slot)))
                ;
            assert_non_null(slot);
            if (!model.present[i])
                rs->produced[i] = 0;              /* a new entry: may be produced */
            uint64_t v = (uint64_t)i * 3 + 1 + (uint64_t)rs->ooms;
            write_elem(t, slot, v);
            mt_model_set(&model, i, v);
            if (rs->iterating && i % 4 == 0)
                advance_iterator(rs);
            if (i % 256 == 0)
                RT_VERIFY(t, rs->h);
        }
        break;
    case OP_DELETE:
        for (size_t i = o->from; i < o->to; i += o->stride) {
            w->make_key(key, i);
            while (failed_cleanly(rs, try_delete(t, rs->h, key)))
                ;
            mt_model_del(&model, i);
            rs->expect_once[i] = 0;
            assert_int_equal(rtmap_maplen(rs->h), model.len);
            if (rs->iterating && i % 4 == 0)
                advance_iterator(rs);
        }
        break;
    case OP_CLONE: {
        rtmap_hmap *c = NULL;
        long live = rt_alloc.live_blocks;
        while (failed_cleanly(rs, try_clone(t, rs->h, &c)))
            assert_int_equal(rt_alloc.live_blocks, live);   /* a failed clone leaks nothing */
        check_map(w, c);
        /* the clone is a map of its own: a write to it is not seen in the source */
        w->make_key(key, w->keys - 1);
        void *slot = NULL;
        int kind;
        while ((kind = try_assign(t, c, key, &slot)) != -1) {
            assert_int_equal(kind, RTMAP_PANIC_OUT_OF_MEMORY);
            rs->ooms++;
            check_map(w, c);
        }
        write_elem(t, slot, 5);
        assert_int_equal(rtmap_maplen(c), model.len + !model.present[w->keys - 1]);
        rtmap_mapfree(t, c);
        check_map(w, rs->h);
        break;
    }
    case OP_CLEAR:
        while (failed_cleanly(rs, try_clear(t, rs->h)))
            ;
        mt_model_reset(&model);
        memset(rs->expect_once, 0, sizeof rs->expect_once);
        check_map(w, rs->h);
        break;
    case OP_ITER_BEGIN:
        rtmap_mapiterinit(t, rs->h, &rs->it);
        rs->iterating = true;
        for (size_t i = 0; i < MAX_KEYS; i++) {
            rs->expect_once[i] = model.present[i];
            rs->produced[i] = 0;
        }
        record_produced(rs);
        break;
    case OP_ITER_FINISH:
        while (rs->it.key)
            advance_iterator(rs);
        rs->iterating = false;
        for (size_t i = 0; i < MAX_KEYS; i++)
            if (rs->expect_once[i])          /* present from the start, never deleted */
                assert_int_equal(rs->produced[i], 1);
        break;
    }
    assert_int_equal(rtmap_maplen(rs->h), model.len);
}

/* Runs the workload with allocation number fail_at failing (0: none); returns
 * how many allocations it made. */
static uint64_t rand_state;

static uint64_t replayable_rand(void *ctx)
{
    (void)ctx;
    return rt_splitmix64(&rand_state);
}

static long absorbed;    /* runs whose one failed allocation raised no panic */

static long run_workload(const workload *w, long fail_at)
{
    static run_state rs;
    memset(&rs, 0, sizeof rs);
    rs.w = w;
    /* the same seeds and iteration starts on every run, so that run k reaches the
       allocations of the first run up to its k-th */
    rand_state = 12345;
    rtmap_set_rand(replayable_rand, NULL);
    rt_use_test_allocator();
    rt_fail_allocation_after(fail_at);
    for (size_t o = 0; o < w->nops; o++)
        run_op(&rs, &w->ops[o]);
    check_map(w, rs.h);
    rtmap_mapfree(w->t, rs.h);
    long allocs = rt_alloc.allocs;
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    if (fail_at > 0) {
        assert_int_equal(rt_alloc.failures, 1);
        assert_true(rs.ooms <= 1);
        if (rs.ooms == 0)
            absorbed++;
    } else {
        assert_int_equal(rs.ooms, 0);
    }
    rt_use_heap_allocator();
    rtmap_set_rand(NULL, NULL);
    return allocs;
}

static void fail_everywhere(const workload *w)
{
    long total = run_workload(w, 0);
    assert_true(total > 0);
    absorbed = 0;
    for (long k = 1; k <= total; k++)
        run_workload(w, k);
    print_message("%s: failed each of %ld allocations in turn (%ld absorbed without a panic)\n",
                  w->name, total, absorbed);
    assert_true(absorbed < total);
}

static const op growth_ops[] = {
    { OP_MAKE, 0, 0, 0 },
    { OP_INSERT, 0, 1500, 1 },
    { OP_DELETE, 0, 1500, 2 },
    { OP_CLONE, 0, 0, 0 },
    { OP_ITER_BEGIN, 0, 0, 0 },
    { OP_INSERT, 1500, 2600, 1 },       /* growth while the iterator is live */
    { OP_ITER_FINISH, 0, 0, 0 },
    { OP_DELETE, 0, 2590, 1 },           /* down to a few entries */
    { OP_INSERT, 0, 40, 1 },
    { OP_CLEAR, 0, 0, 0 },
    { OP_INSERT, 0, 300, 1 },
    { OP_CLONE, 0, 0, 0 },
    { OP_ITER_BEGIN, 0, 0, 0 },
    { OP_DELETE, 0, 300, 3 },           /* deletes and a clear under a live iterator */
    { OP_INSERT, 300, 500, 1 },
    { OP_CLEAR, 0, 0, 0 },
    { OP_INSERT, 0, 100, 1 },
    { OP_ITER_FINISH, 0, 0, 0 },
};

static void test_fail_each_allocation_direct(void **state)
{
    (void)state;
    workload w = { "uint64 keys and elems", rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64),
                   u64_key, growth_ops, sizeof growth_ops / sizeof growth_ops[0], 2601 };
    fail_everywhere(&w);
}

static void test_fail_each_allocation_indirect(void **state)
{
    (void)state;
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, BIG, &big), RTMAP_OK);
    static const op ops[] = {
        { OP_MAKE, 20, 0, 0 },
        { OP_INSERT, 0, 90, 1 },
        { OP_DELETE, 1, 90, 2 },
        { OP_CLONE, 0, 0, 0 },
        { OP_ITER_BEGIN, 0, 0, 0 },
        { OP_INSERT, 90, 200, 1 },
        { OP_DELETE, 0, 200, 5 },
        { OP_ITER_FINISH, 0, 0, 0 },
        { OP_CLEAR, 0, 0, 0 },
        { OP_INSERT, 0, 30, 1 },
        { OP_DELETE, 0, 30, 1 },
        { OP_INSERT, 100, 110, 1 },
        { OP_ITER_BEGIN, 0, 0, 0 },
        { OP_INSERT, 110, 160, 1 },
        { OP_CLEAR, 0, 0, 0 },              /* indirect slots retired under the iterator */
        { OP_INSERT, 0, 20, 1 },
        { OP_ITER_FINISH, 0, 0, 0 },
    };
    workload w = { "[200]uint8 keys and elems", rt_map_of(big, big), big_key, ops,
                   sizeof ops / sizeof ops[0], 201 };
    fail_everywhere(&w);
}

static void test_fail_each_allocation_hinted(void **state)
{
    (void)state;
    static const op ops[] = {
        { OP_MAKE, 1000, 0, 0 },
        { OP_INSERT, 0, 1200, 1 },
        { OP_CLONE, 0, 0, 0 },
        { OP_DELETE, 0, 1200, 3 },
        { OP_CLEAR, 0, 0, 0 },
        { OP_INSERT, 0, 20, 1 },
    };
    workload w = { "string keys, hint 1000", rt_map_of(&rtmap_type_string, &rtmap_type_uint64),
                   str_key, ops, sizeof ops / sizeof ops[0], 1201 };
    fail_everywhere(&w);

    static const op big_hint_ops[] = {
        { OP_MAKE, 2900, 0, 0 },
        { OP_INSERT, 0, 50, 1 },
        { OP_CLONE, 0, 0, 0 },
    };
    workload w2 = { "uint64, hint 2900", rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64),
                    u64_key, big_hint_ops, sizeof big_hint_ops / sizeof big_hint_ops[0], 51 };
    fail_everywhere(&w2);
}

/* ---- a handler that returns -------------------------------------------------------- */

/* The returning-handler tests run on uint64 keys and elems (which == 0) and on
 * [200]uint8 ones, stored indirectly (which == 1), with key indexes below keys. */
static workload direct_or_indirect(int which, size_t keys)
{
    if (which == 0)
        return (workload){ "uint64", rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64), u64_key,
                           NULL, 0, keys };
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, BIG, &big), RTMAP_OK);
    return (workload){ "[200]uint8", rt_map_of(big, big), big_key, NULL, 0, keys };
}

/* The end of a test on the test allocator: every block freed, each with its size. */
static void expect_everything_freed(void)
{
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

/* Each insert is tried first with its first allocation failing: where it needs
 * one, mapassign returns NULL and the map is unchanged. */
static void test_returning_handler_assign_returns_null(void **state)
{
    (void)state;
    for (int which = 0; which < 2; which++) {
        workload w = direct_or_indirect(which, 1000);
        const rtmap_maptype *t = w.t;
        rt_use_test_allocator();
        rt_install_returning_handler();
        mt_model_reset(&model);
        rtmap_hmap *h = rtmap_makemap(t, 0);
        long nulls = 0;
        uint8_t key[BIG];
        for (size_t i = 0; i < 1000; i++) {
            w.make_key(key, i);
            rt_fail_allocation_after(1);
            void *slot = rtmap_mapassign(t, h, key);
            rt_fail_allocation_after(0);
            if (!slot) {
                nulls++;
                assert_int_equal(rt_returned_panics, nulls);
                assert_int_equal(rt_last_panic_kind, RTMAP_PANIC_OUT_OF_MEMORY);
                if (nulls % 8 == 1)
                    check_map(&w, h);
                else
                    assert_int_equal(rtmap_maplen(h), model.len);
                slot = rtmap_mapassign(t, h, key);
                assert_non_null(slot);
            }
            write_elem(t, slot, i + 1);
            mt_model_set(&model, i, i + 1);
        }
        assert_true(nulls > 0);
        /* deletes down to nothing: any failed one leaves the map as it was */
        for (size_t i = 0; i < 1000; i++) {
            w.make_key(key, i);
            int before = rt_returned_panics;
            rt_fail_allocation_after(1);
            rtmap_mapdelete(t, h, key);
            rt_fail_allocation_after(0);
            if (rt_returned_panics != before) {
                assert_int_equal(rt_last_panic_kind, RTMAP_PANIC_OUT_OF_MEMORY);
                check_map(&w, h);
                rtmap_mapdelete(t, h, key);
            }
            mt_model_del(&model, i);
            assert_int_equal(rtmap_maplen(h), model.len);
        }
        check_map(&w, h);
        rtmap_mapfree(t, h);
        rt_install_panic_catcher();
        expect_everything_freed();
    }
}

/* makemap and mapclone whose allocation fails under a returning handler return
 * NULL (there is no map to give) and leak nothing; the source is unchanged. */
static void test_returning_handler_make_and_clone(void **state)
{
    (void)state;
    for (int which = 0; which < 2; which++) {
        workload w = direct_or_indirect(which, 300);
        const rtmap_maptype *t = w.t;
        rt_use_test_allocator();
        mt_model_reset(&model);
        rtmap_hmap *src = rtmap_makemap(t, 0);
        uint8_t key[BIG];
        for (size_t i = 0; i < 300; i++) {
            w.make_key(key, i);
            write_elem(t, rtmap_mapassign(t, src, key), i + 1);
            mt_model_set(&model, i, i + 1);
        }
        for (int what = 0; what < 3; what++) {
            /* fail each allocation the call makes, in turn, until one run needs no more */
            for (long k = 1;; k++) {
                long live = rt_alloc.live_blocks;
                rt_fail_allocation_after(k);
                rt_install_returning_handler();
                rtmap_hmap *m = what == 0 ? rtmap_makemap(t, 1000)
                              : what == 1 ? rtmap_makemap_small(t)
                                          : rtmap_mapclone(t, src);
                rt_install_panic_catcher();
                rt_fail_allocation_after(0);
                if (m) {
                    assert_int_equal(rt_returned_panics, 0);
                    rtmap_mapfree(t, m);
                    assert_int_equal(rt_alloc.live_blocks, live);
                    break;
                }
                assert_int_equal(rt_returned_panics, 1);
                assert_int_equal(rt_last_panic_kind, RTMAP_PANIC_OUT_OF_MEMORY);
                assert_int_equal(rt_alloc.live_blocks, live);
                check_map(&w, src);
            }
        }
        rtmap_mapfree(t, src);
        expect_everything_freed();
    }
}

/* The fast assign paths under allocation failure: each insert first runs with
 * its first allocation failing. With the catching handler the failure is an
 * OUT_OF_MEMORY panic, with a returning one a NULL slot; either way the map is
 * unchanged and the insert then succeeds. */
static void *fast_assign(int path, const rtmap_maptype *t, rtmap_hmap *h, uint64_t i)
{
    switch (path) {
    case 0: return rtmap_mapassign_fast32(t, h, (uint32_t)i * 2654435761u);
    case 1: return rtmap_mapassign_fast64(t, h, i << 20 | i);
    case 2: return rtmap_mapassign_fast64ptr(t, h, (void *)(uintptr_t)(i * 64 + 64));
    default: return rtmap_mapassign_faststr(t, h, mt_string_of((size_t)i));
    }
}

static int try_fast_assign(int path, const rtmap_maptype *t, rtmap_hmap *h, uint64_t i, void **slot)
{
    int kind;
    RT_TRY(kind) {
        *slot = fast_assign(path, t, h, i);
    }
    return kind;
}

static void test_fast_paths_under_failure(void **state)
{
    (void)state;
    const rtmap_maptype *types[] = {
        rt_map_of(&rtmap_type_uint32, &rtmap_type_uint64),
        rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64),
        rt_map_of(&rtmap_type_unsafe_pointer, &rtmap_type_uint64),
        rt_map_of(&rtmap_type_string, &rtmap_type_uint64),
    };
    for (int returning = 0; returning < 2; returning++) {
        for (int path = 0; path < 4; path++) {
            const rtmap_maptype *t = types[path];
            rt_use_test_allocator();
            rtmap_hmap *h = rtmap_makemap(t, 0);
            long failures = 0;
            for (uint64_t i = 0; i < 1500; i++) {
                void *slot = NULL;
                rt_fail_allocation_after(1);
                if (returning) {
                    rt_install_returning_handler();
                    slot = fast_assign(path, t, h, i);
                    rt_install_panic_catcher();
                    assert_int_equal(rt_returned_panics, slot == NULL);
                    if (!slot)
                        assert_int_equal(rt_last_panic_kind, RTMAP_PANIC_OUT_OF_MEMORY);
                } else {
                    int kind = try_fast_assign(path, t, h, i, &slot);
                    if (kind != -1) {
                        assert_int_equal(kind, RTMAP_PANIC_OUT_OF_MEMORY);
                        slot = NULL;
                    }
                }
                rt_fail_allocation_after(0);
                if (!slot) {
                    failures++;
                    assert_int_equal(rtmap_maplen(h), (intptr_t)i);
                    RT_VERIFY(t, h);
                    slot = fast_assign(path, t, h, i);
                }
                assert_non_null(slot);
                *(uint64_t *)slot = i + 1;
            }
            assert_true(failures > 0);
            assert_int_equal(rtmap_maplen(h), 1500);
            RT_VERIFY(t, h);
            size_t count = 0;
            rtmap_hiter it;
            for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
                assert_true(*(uint64_t *)it.elem >= 1 && *(uint64_t *)it.elem <= 1500);
                count++;
            }
            assert_int_equal(count, 1500);
            rtmap_mapfree(t, h);
            expect_everything_freed();
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_each_allocation_direct),
        cmocka_unit_test(test_fail_each_allocation_indirect),
        cmocka_unit_test(test_fail_each_allocation_hinted),
        cmocka_unit_test(test_returning_handler_assign_returns_null),
        cmocka_unit_test(test_fast_paths_under_failure),
        cmocka_unit_test(test_returning_handler_make_and_clone),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
