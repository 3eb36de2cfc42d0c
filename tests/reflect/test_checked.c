/* The checked API: every call's success path and every documented error and
 * edge (docs/api.md "Checked API edges", "Checked iterator"), with the map
 * checked unchanged after each error. No panic may reach the handler: the
 * catcher installed here aborts on any panic outside RT_TRY. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

static const rtmap_maptype *ii;     /* map[int64]int64 */

static int setup(void **state)
{
    (void)state;
    rt_install_panic_catcher();
    ii = rt_map_of(&rtmap_type_int64, &rtmap_type_int64);
    return 0;
}

/* ---- snapshots: a map's content as sorted (key, elem) pairs -------------------- */

typedef struct pair { int64_t k, v; } pair;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    return (x->k > y->k) - (x->k < y->k);
}

typedef struct snapshot { size_t n; pair *p; } snapshot;

static snapshot snap(rtmap_hmap *h)
{
    snapshot s = { 0, NULL };
    size_t len = (size_t)rtmap_maplen(h);
    s.p = calloc(len + 1, sizeof *s.p);
    rtmap_hiter it;
    for (rtmap_mapiterinit(ii, h, &it); it.key; rtmap_mapiternext(&it)) {
        assert_true(s.n < len);
        s.p[s.n].k = *(int64_t *)it.key;
        s.p[s.n].v = *(int64_t *)it.elem;
        s.n++;
    }
    assert_int_equal(s.n, len);
    qsort(s.p, s.n, sizeof *s.p, cmp_pair);
    return s;
}

static void assert_same(snapshot a, rtmap_hmap *h)
{
    snapshot b = snap(h);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.p, b.p, a.n * sizeof *a.p);
    free(b.p);
    RT_VERIFY(ii, h);
}

static rtmap_hmap *filled(int64_t n)
{
    rtmap_hmap *h = NULL;
    assert_int_equal(rtmap_make_map(ii, 0, &h), RTMAP_OK);
    for (int64_t i = 0; i < n; i++) {
        int64_t v = i * 10;
        assert_int_equal(rtmap_set_map_index(ii, h, &i, &v), RTMAP_OK);
    }
    return h;
}

/* ---- strerror ------------------------------------------------------------------ */

static void test_strerror(void **state)
{
    (void)state;
    const char *seen[8];
    for (int e = RTMAP_OK; e <= RTMAP_ECONCURRENT; e++) {
        seen[e] = rtmap_strerror((rtmap_err)e);
        assert_non_null(seen[e]);
        assert_true(strlen(seen[e]) > 0);
        assert_string_not_equal(seen[e], "unknown error");
        for (int f = 0; f < e; f++)
            assert_string_not_equal(seen[e], seen[f]);
    }
    assert_string_equal(rtmap_strerror((rtmap_err)99), "unknown error");
    assert_string_equal(rtmap_strerror((rtmap_err)-1), "unknown error");
}

/* ---- make_map ------------------------------------------------------------------ */

static void test_make_map(void **state)
{
    (void)state;
    rtmap_hmap *h = (rtmap_hmap *)1;
    assert_int_equal(rtmap_make_map(ii, 10, &h), RTMAP_OK);
    assert_non_null(h);
    assert_int_equal(rtmap_maplen(h), 0);
    RT_VERIFY(ii, h);
    rtmap_mapfree(ii, h);

    assert_int_equal(rtmap_make_map(ii, 0, NULL), RTMAP_EINVAL);
    h = (rtmap_hmap *)1;
    assert_int_equal(rtmap_make_map(NULL, 0, &h), RTMAP_EINVAL);
    assert_null(h);

    rtmap_maptype bad = *ii;
    bad.type.kind = RTMAP_KIND_STRUCT;
    assert_int_equal(rtmap_make_map(&bad, 0, &h), RTMAP_EINVAL);
    bad = *ii;
    bad.bucket = NULL;
    assert_int_equal(rtmap_make_map(&bad, 0, &h), RTMAP_EINVAL);
    bad = *ii;
    bad.keysize = 3;                 /* reflect_makemap's invariants are checked */
    assert_int_equal(rtmap_make_map(&bad, 0, &h), RTMAP_EINVAL);
    assert_null(h);
    rtmap_type noeq = rtmap_type_int64;
    noeq.equal = NULL;
    bad = *ii;
    bad.key = &noeq;
    assert_int_equal(rtmap_make_map(&bad, 0, &h), RTMAP_EINVAL);

    /* absurd hints are ignored, as Go does */
    assert_int_equal(rtmap_make_map(ii, SIZE_MAX, &h), RTMAP_OK);
    assert_non_null(h);
    int64_t k = 1, v = 2;
    assert_int_equal(rtmap_set_map_index(ii, h, &k, &v), RTMAP_OK);
    rtmap_mapfree(ii, h);
    assert_int_equal(rtmap_make_map(ii, (size_t)INTPTR_MAX + 1, &h), RTMAP_OK);
    rtmap_mapfree(ii, h);
}

/* ---- index / set / delete ------------------------------------------------------- */

static void test_index_and_set(void **state)
{
    (void)state;
    rtmap_hmap *h = filled(200);
    for (int64_t i = 0; i < 200; i++) {
        int64_t v = -1;
        bool found = false;
        assert_int_equal(rtmap_map_index(ii, h, &i, &v, &found), RTMAP_OK);
        assert_true(found);
        assert_int_equal(v, i * 10);
    }
    int64_t miss = 5000, v = 0x7777;
    bool found = true;
    assert_int_equal(rtmap_map_index(ii, h, &miss, &v, &found), RTMAP_OK);
    assert_false(found);
    assert_int_equal(v, 0);                  /* zeroed on a miss */
    v = 0x7777;
    assert_int_equal(rtmap_map_index(ii, h, &miss, &v, NULL), RTMAP_OK);
    assert_int_equal(v, 0);

    /* overwrite and delete */
    int64_t k = 7, nv = -7;
    assert_int_equal(rtmap_set_map_index(ii, h, &k, &nv), RTMAP_OK);
    assert_int_equal(rtmap_map_index(ii, h, &k, &v, &found), RTMAP_OK);
    assert_int_equal(v, -7);
    assert_int_equal(rtmap_maplen(h), 200);
    assert_int_equal(rtmap_set_map_index(ii, h, &k, NULL), RTMAP_OK);
    assert_int_equal(rtmap_maplen(h), 199);
    assert_int_equal(rtmap_map_index(ii, h, &k, &v, &found), RTMAP_OK);
    assert_false(found);
    assert_int_equal(rtmap_set_map_index(ii, h, &miss, NULL), RTMAP_OK);  /* absent: no-op */
    assert_int_equal(rtmap_maplen(h), 199);

    /* bad arguments change nothing */
    snapshot before = snap(h);
    found = true;
    assert_int_equal(rtmap_map_index(NULL, h, &k, &v, &found), RTMAP_EINVAL);
    assert_false(found);
    assert_int_equal(rtmap_map_index(ii, h, NULL, &v, &found), RTMAP_EINVAL);
    assert_int_equal(rtmap_map_index(ii, h, &k, NULL, &found), RTMAP_EINVAL);
    assert_int_equal(rtmap_set_map_index(NULL, h, &k, &nv), RTMAP_EINVAL);
    assert_int_equal(rtmap_set_map_index(ii, h, NULL, &nv), RTMAP_EINVAL);
    assert_int_equal(rtmap_set_map_index(ii, h, NULL, NULL), RTMAP_EINVAL);
    rtmap_maptype notmap = *ii;
    notmap.type.kind = RTMAP_KIND_INT64;
    assert_int_equal(rtmap_set_map_index(&notmap, h, &k, &nv), RTMAP_EINVAL);
    assert_int_equal(rtmap_map_index(&notmap, h, &k, &v, &found), RTMAP_EINVAL);
    assert_same(before, h);
    free(before.p);
    rtmap_mapfree(ii, h);
}

static void test_indirect_elems_copied(void **state)
{
    (void)state;
    const rtmap_type *big = NULL, *bigkey = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 300, &big), RTMAP_OK);
    assert_int_equal(rtmap_array_of(&rtmap_type_uint64, 20, &bigkey), RTMAP_OK);
    const rtmap_maptype *mt = rt_map_of(bigkey, big);
    assert_true(mt->flags & RTMAP_INDIRECT_KEY);
    assert_true(mt->flags & RTMAP_INDIRECT_ELEM);
    rtmap_hmap *h = NULL;
    assert_int_equal(rtmap_make_map(mt, 0, &h), RTMAP_OK);
    uint64_t key[20];
    uint8_t elem[300], out[300];
    for (unsigned i = 0; i < 50; i++) {
        memset(key, 0, sizeof key);
        key[i % 20] = i;
        key[19] = i;
        memset(elem, (int)i, sizeof elem);
        assert_int_equal(rtmap_set_map_index(mt, h, key, elem), RTMAP_OK);
    }
    for (unsigned i = 0; i < 50; i++) {
        memset(key, 0, sizeof key);
        key[i % 20] = i;
        key[19] = i;
        bool found = false;
        assert_int_equal(rtmap_map_index(mt, h, key, out, &found), RTMAP_OK);
        assert_true(found);
        memset(elem, (int)i, sizeof elem);
        assert_memory_equal(out, elem, sizeof out);
    }
    /* keys come back as values, not as pointers to them */
    uint64_t keys[50][20];
    size_t n = 0;
    assert_int_equal(rtmap_map_keys(mt, h, keys, 50, &n), RTMAP_OK);
    assert_int_equal(n, 50);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += keys[i][19];
    assert_int_equal(sum, 49 * 50 / 2);
    rtmap_mapfree(mt, h);
}

/* ---- nil maps ------------------------------------------------------------------- */

static void test_nil_map(void **state)
{
    (void)state;
    int64_t k = 1, v = 99;
    bool found = true;
    assert_int_equal(rtmap_map_index(ii, NULL, &k, &v, &found), RTMAP_OK);
    assert_false(found);
    assert_int_equal(v, 0);
    v = 5;
    assert_int_equal(rtmap_set_map_index(ii, NULL, &k, &v), RTMAP_ENILMAP);
    assert_int_equal(rtmap_set_map_index(ii, NULL, &k, NULL), RTMAP_OK);
    assert_int_equal(rtmap_map_clear(ii, NULL), RTMAP_OK);
    rtmap_hmap *out = (rtmap_hmap *)1;
    assert_int_equal(rtmap_map_clone(ii, NULL, &out), RTMAP_OK);
    assert_null(out);
    size_t n = 77;
    int64_t keys[4];
    assert_int_equal(rtmap_map_keys(ii, NULL, keys, 4, &n), RTMAP_OK);
    assert_int_equal(n, 0);
    assert_int_equal(rtmap_map_keys(ii, NULL, NULL, 0, &n), RTMAP_OK);
    assert_int_equal(n, 0);
}

/* ---- unhashable keys --------------------------------------------------------------- */

static void test_unhashable(void **state)
{
    (void)state;
    const rtmap_maptype *am = rt_map_of(&rtmap_type_any, &rtmap_type_int64);
    rtmap_eface bad = { &ii->type, NULL };      /* dynamic type map: unhashable */
    int64_t v = 3;
    bool found = true;

    /* nil map: EUNHASHABLE wins over ENILMAP and over the no-op delete */
    assert_int_equal(rtmap_set_map_index(am, NULL, &bad, &v), RTMAP_EUNHASHABLE);
    assert_int_equal(rtmap_set_map_index(am, NULL, &bad, NULL), RTMAP_EUNHASHABLE);
    assert_int_equal(rtmap_map_index(am, NULL, &bad, &v, &found), RTMAP_EUNHASHABLE);
    assert_false(found);
    assert_int_equal(v, 0);

    rtmap_hmap *h = NULL;
    assert_int_equal(rtmap_make_map(am, 0, &h), RTMAP_OK);
    /* empty map */
    assert_int_equal(rtmap_set_map_index(am, h, &bad, &v), RTMAP_EUNHASHABLE);
    assert_int_equal(rtmap_map_index(am, h, &bad, &v, &found), RTMAP_EUNHASHABLE);
    assert_int_equal(rtmap_set_map_index(am, h, &bad, NULL), RTMAP_EUNHASHABLE);
    assert_int_equal(rtmap_maplen(h), 0);
    RT_VERIFY(am, h);

    /* non-empty map */
    int64_t nums[64];
    for (int64_t i = 0; i < 64; i++) {
        nums[i] = i;
        rtmap_eface key = { &rtmap_type_int64, &nums[i] };
        assert_int_equal(rtmap_set_map_index(am, h, &key, &nums[i]), RTMAP_OK);
    }
    assert_int_equal(rtmap_set_map_index(am, h, &bad, &v), RTMAP_EUNHASHABLE);
    assert_int_equal(rtmap_map_index(am, h, &bad, &v, &found), RTMAP_EUNHASHABLE);
    assert_false(found);
    assert_int_equal(rtmap_set_map_index(am, h, &bad, NULL), RTMAP_EUNHASHABLE);
    assert_int_equal(rtmap_maplen(h), 64);
    RT_VERIFY(am, h);
    for (int64_t i = 0; i < 64; i++) {
        int64_t probe = i, got = -1;
        rtmap_eface key = { &rtmap_type_int64, &probe };
        assert_int_equal(rtmap_map_index(am, h, &key, &got, &found), RTMAP_OK);
        assert_true(found);
        assert_int_equal(got, i);
    }
    /* an unhashable value inside a struct key */
    rtmap_field f[] = { { "n", &rtmap_type_int64 }, { "a", &rtmap_type_any } };
    const rtmap_type *st = NULL;
    assert_int_equal(rtmap_struct_of(f, 2, &st), RTMAP_OK);
    const rtmap_maptype *sm = rt_map_of(st, &rtmap_type_int64);
    assert_true(sm->flags & RTMAP_HASH_MIGHT_PANIC);
    struct { int64_t n; rtmap_eface a; } sk = { 1, { &ii->type, NULL } };
    assert_int_equal(rtmap_set_map_index(sm, NULL, &sk, &v), RTMAP_EUNHASHABLE);
    sk.a.type = NULL;
    assert_int_equal(rtmap_set_map_index(sm, NULL, &sk, &v), RTMAP_ENILMAP);
    rtmap_mapfree(am, h);
}

/* ---- keys ------------------------------------------------------------------------- */

static void test_map_keys(void **state)
{
    (void)state;
    rtmap_hmap *h = filled(100);
    int64_t keys[101];
    size_t n = 0;
    keys[100] = -12345;
    assert_int_equal(rtmap_map_keys(ii, h, keys, 101, &n), RTMAP_OK);
    assert_int_equal(n, 100);
    assert_int_equal(keys[100], -12345);
    bool seen[100] = { 0 };
    for (size_t i = 0; i < n; i++) {
        assert_true(keys[i] >= 0 && keys[i] < 100);
        assert_false(seen[keys[i]]);
        seen[keys[i]] = true;
    }

    /* too small: cap keys written, *n the length, EINVAL */
    int64_t few[11];
    for (int i = 0; i < 11; i++)
        few[i] = -1;
    assert_int_equal(rtmap_map_keys(ii, h, few, 10, &n), RTMAP_EINVAL);
    assert_int_equal(n, 100);
    for (int i = 0; i < 10; i++)
        assert_true(few[i] >= 0 && few[i] < 100);
    assert_int_equal(few[10], -1);
    assert_int_equal(rtmap_map_keys(ii, h, NULL, 0, &n), RTMAP_EINVAL);
    assert_int_equal(n, 100);

    assert_int_equal(rtmap_map_keys(ii, h, NULL, 5, &n), RTMAP_EINVAL);
    assert_int_equal(rtmap_map_keys(ii, h, keys, 101, NULL), RTMAP_EINVAL);
    assert_int_equal(rtmap_map_keys(NULL, h, keys, 101, &n), RTMAP_EINVAL);
    rtmap_mapfree(ii, h);

    h = filled(0);
    assert_int_equal(rtmap_map_keys(ii, h, NULL, 0, &n), RTMAP_OK);
    assert_int_equal(n, 0);
    rtmap_mapfree(ii, h);
}

/* ---- clear / clone ------------------------------------------------------------------- */

static void test_clear_and_clone(void **state)
{
    (void)state;
    rtmap_hmap *h = filled(500);
    rtmap_hmap *c = NULL;
    assert_int_equal(rtmap_map_clone(ii, h, &c), RTMAP_OK);
    assert_non_null(c);
    assert_ptr_not_equal(c, h);
    snapshot s = snap(h);
    assert_same(s, c);
    free(s.p);

    assert_int_equal(rtmap_map_clear(ii, h), RTMAP_OK);
    assert_int_equal(rtmap_maplen(h), 0);
    RT_VERIFY(ii, h);
    assert_int_equal(rtmap_maplen(c), 500);   /* independent */
    int64_t k = 3, v = 0;
    bool found;
    assert_int_equal(rtmap_map_index(ii, c, &k, &v, &found), RTMAP_OK);
    assert_true(found);
    assert_int_equal(v, 30);

    assert_int_equal(rtmap_map_clear(NULL, h), RTMAP_EINVAL);
    assert_int_equal(rtmap_map_clone(ii, c, NULL), RTMAP_EINVAL);
    rtmap_hmap *out = (rtmap_hmap *)1;
    assert_int_equal(rtmap_map_clone(NULL, c, &out), RTMAP_EINVAL);
    assert_null(out);
    rtmap_mapfree(ii, h);
    rtmap_mapfree(ii, c);
}

/* ---- concurrent misuse --------------------------------------------------------------
 * A key type whose equality, when armed, calls the checked API on the map being
 * written: the runtime compares keys while its write is in progress, which is
 * exactly what another thread would see. */

static rtmap_hmap *spied_map;
static const rtmap_maptype *spied_type;
static bool spy_armed;
static int spy_calls;
static rtmap_err spy_results[6];

static bool spy_equal(const rtmap_type *t, const void *a, const void *b)
{
    if (spy_armed) {
        spy_armed = false;
        int64_t k = 1, v = 0;
        size_t n;
        rtmap_hmap *c = NULL;
        spy_results[0] = rtmap_map_index(spied_type, spied_map, &k, &v, NULL);
        spy_results[1] = rtmap_set_map_index(spied_type, spied_map, &k, &v);
        spy_results[2] = rtmap_set_map_index(spied_type, spied_map, &k, NULL);
        spy_results[3] = rtmap_map_clear(spied_type, spied_map);
        spy_results[4] = rtmap_map_clone(spied_type, spied_map, &c);
        spy_results[5] = rtmap_map_keys(spied_type, spied_map, NULL, 0, &n);
        spy_calls++;
    }
    return rtmap_type_int64.equal(t, a, b);
}

static void test_concurrent_write_detected(void **state)
{
    (void)state;
    rtmap_type spy = rtmap_type_int64;
    spy.kind = RTMAP_KIND_INVALID;      /* keep it off any int64 fast path */
    spy.str = "spy";
    spy.equal = spy_equal;
    spied_type = rt_map_of(&spy, &rtmap_type_int64);
    assert_int_equal(rtmap_make_map(spied_type, 0, &spied_map), RTMAP_OK);
    int64_t k = 1, v = 10;
    assert_int_equal(rtmap_set_map_index(spied_type, spied_map, &k, &v), RTMAP_OK);
    spy_armed = true;
    v = 11;
    /* assigning the same key compares it with the stored one during the write */
    assert_int_equal(rtmap_set_map_index(spied_type, spied_map, &k, &v), RTMAP_OK);
    assert_int_equal(spy_calls, 1);
    for (int i = 0; i < 6; i++)
        assert_int_equal(spy_results[i], RTMAP_ECONCURRENT);
    assert_int_equal(rtmap_maplen(spied_map), 1);
    bool found;
    assert_int_equal(rtmap_map_index(spied_type, spied_map, &k, &v, &found), RTMAP_OK);
    assert_int_equal(v, 11);
    RT_VERIFY(spied_type, spied_map);
    rtmap_mapfree(spied_type, spied_map);
}

/* ---- out of memory ----------------------------------------------------------------- */

static void test_out_of_memory(void **state)
{
    (void)state;
    rt_use_test_allocator();
    rtmap_hmap *h = NULL;

    /* make_map: every allocation of a sized map may fail; nothing leaks */
    int enomem = 0;
    for (long k = 1;; k++) {
        rt_fail_allocation_after(k);
        rtmap_err err = rtmap_make_map(ii, 5000, &h);
        if (err == RTMAP_OK)
            break;
        assert_int_equal(err, RTMAP_ENOMEM);
        assert_null(h);
        assert_int_equal(rt_alloc.live_blocks, 0);
        enomem++;
        assert_true(k < 1000);
    }
    assert_true(enomem >= 1);
    rt_fail_allocation_after(0);
    rtmap_mapfree(ii, h);
    assert_int_equal(rt_alloc.live_blocks, 0);

    /* set_map_index through growth: each failure leaves the map as it was */
    h = filled(0);
    enomem = 0;
    for (int64_t i = 0; i < 3000; i++) {
        int64_t v = i + 1;
        if (i % 7 == 0) {
            snapshot before = snap(h);
            rt_fail_allocation_after(1);
            rtmap_err err = rtmap_set_map_index(ii, h, &i, &v);
            rt_fail_allocation_after(0);
            if (err == RTMAP_ENOMEM) {
                enomem++;
                assert_same(before, h);
            } else {
                assert_int_equal(err, RTMAP_OK);
            }
            free(before.p);
        }
        assert_int_equal(rtmap_set_map_index(ii, h, &i, &v), RTMAP_OK);
    }
    assert_true(enomem >= 1);     /* growth happened under a failing allocator */
    assert_int_equal(rtmap_maplen(h), 3000);

    /* clone and clear under failures */
    enomem = 0;
    for (long k = 1;; k++) {
        rtmap_hmap *c = (rtmap_hmap *)1;
        long live = rt_alloc.live_blocks;
        rt_fail_allocation_after(k);
        rtmap_err err = rtmap_map_clone(ii, h, &c);
        rt_fail_allocation_after(0);
        if (err == RTMAP_OK) {
            assert_int_equal(rtmap_maplen(c), 3000);
            rtmap_mapfree(ii, c);
            break;
        }
        assert_int_equal(err, RTMAP_ENOMEM);
        assert_null(c);
        assert_int_equal(rt_alloc.live_blocks, live);
        enomem++;
        assert_true(k < 100000);
    }
    assert_true(enomem >= 1);
    snapshot before = snap(h);
    for (long k = 1;; k++) {
        rt_fail_allocation_after(k);
        rtmap_err err = rtmap_map_clear(ii, h);
        rt_fail_allocation_after(0);
        if (err == RTMAP_OK)
            break;
        assert_int_equal(err, RTMAP_ENOMEM);
        assert_same(before, h);
        assert_true(k < 100000);
    }
    free(before.p);
    assert_int_equal(rtmap_maplen(h), 0);
    RT_VERIFY(ii, h);
    rtmap_mapfree(ii, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

/* ---- the iterator ----------------------------------------------------------------------- */

static void test_iter_basic(void **state)
{
    (void)state;
    rtmap_hmap *h = filled(0);
    rtmap_map_iter it;
    rtmap_map_range(ii, h, &it);
    /* lazy: entries added before the first Next are seen */
    for (int64_t i = 0; i < 300; i++) {
        int64_t v = i * 10;
        assert_int_equal(rtmap_set_map_index(ii, h, &i, &v), RTMAP_OK);
    }
    int64_t k, v;
    assert_int_equal(rtmap_map_iter_key(&it, &k), RTMAP_EITER);      /* before Next */
    assert_int_equal(rtmap_map_iter_value(&it, &v), RTMAP_EITER);
    bool seen[300] = { 0 };
    size_t count = 0;
    while (rtmap_map_iter_next(&it)) {
        assert_int_equal(rtmap_map_iter_key(&it, &k), RTMAP_OK);
        assert_int_equal(rtmap_map_iter_value(&it, &v), RTMAP_OK);
        assert_true(k >= 0 && k < 300);
        assert_false(seen[k]);
        seen[k] = true;
        assert_int_equal(v, k * 10);
        assert_int_equal(rtmap_map_iter_key(&it, NULL), RTMAP_EINVAL);
        assert_int_equal(rtmap_map_iter_value(&it, NULL), RTMAP_EINVAL);
        count++;
    }
    assert_int_equal(count, 300);
    assert_false(rtmap_map_iter_next(&it));                          /* and after */
    assert_false(rtmap_map_iter_next(&it));
    assert_int_equal(rtmap_map_iter_key(&it, &k), RTMAP_EITER);
    assert_int_equal(rtmap_map_iter_value(&it, &v), RTMAP_EITER);
    assert_int_equal(rtmap_map_iter_key(NULL, &k), RTMAP_EINVAL);
    assert_int_equal(rtmap_map_iter_value(NULL, &v), RTMAP_EINVAL);
    assert_false(rtmap_map_iter_next(NULL));

    /* reset to the same map starts over */
    rtmap_map_iter_reset(&it, ii, h);
    count = 0;
    while (rtmap_map_iter_next(&it))
        count++;
    assert_int_equal(count, 300);

    /* reset with no map: Next is false, Key/Value are misuse */
    rtmap_map_iter_reset(&it, NULL, NULL);
    assert_false(rtmap_map_iter_next(&it));
    assert_int_equal(rtmap_map_iter_key(&it, &k), RTMAP_EITER);

    /* a zeroed iterator has no map */
    rtmap_map_iter z;
    memset(&z, 0, sizeof z);
    assert_false(rtmap_map_iter_next(&z));
    assert_int_equal(rtmap_map_iter_value(&z, &v), RTMAP_EITER);
    rtmap_map_iter_reset(&z, ii, h);
    assert_true(rtmap_map_iter_next(&z));
    rtmap_map_iter_reset(&z, NULL, NULL);

    /* nil and empty maps */
    rtmap_map_range(ii, NULL, &it);
    assert_false(rtmap_map_iter_next(&it));
    assert_int_equal(rtmap_map_iter_key(&it, &k), RTMAP_EITER);
    rtmap_hmap *e = filled(0);
    rtmap_map_range(ii, e, &it);
    assert_false(rtmap_map_iter_next(&it));
    rtmap_mapfree(ii, e);
    rtmap_map_range(ii, h, NULL);     /* no crash */
    rtmap_map_iter_reset(NULL, ii, h);
    rtmap_mapfree(ii, h);
}

static void test_iter_abandoned_and_mutation(void **state)
{
    (void)state;
    rt_use_test_allocator();
    rtmap_hmap *h = filled(8);
    rtmap_map_iter it;
    rtmap_map_range(ii, h, &it);
    assert_true(rtmap_map_iter_next(&it));
    /* grow the map while the iterator is live, then abandon it through Reset:
       whatever the map retired for the iterator is released by then */
    for (int64_t i = 8; i < 4000; i++) {
        int64_t v = i * 10;
        assert_int_equal(rtmap_set_map_index(ii, h, &i, &v), RTMAP_OK);
    }
    int64_t k, v;
    size_t count = 1;
    while (rtmap_map_iter_next(&it)) {
        assert_int_equal(rtmap_map_iter_key(&it, &k), RTMAP_OK);
        assert_int_equal(rtmap_map_iter_value(&it, &v), RTMAP_OK);
        assert_int_equal(v, k * 10);
        if (++count == 20)
            break;
    }
    rtmap_map_iter_reset(&it, ii, h);
    /* deletes during iteration: a deleted entry is not produced */
    bool seen[4000] = { 0 };
    count = 0;
    while (rtmap_map_iter_next(&it)) {
        assert_int_equal(rtmap_map_iter_key(&it, &k), RTMAP_OK);
        assert_false(seen[k]);
        seen[k] = true;
        count++;
        int64_t partner = k ^ 1;
        if (!seen[partner])
            assert_int_equal(rtmap_set_map_index(ii, h, &partner, NULL), RTMAP_OK);
    }
    assert_int_equal(count, 2000);
    assert_int_equal(rtmap_maplen(h), 2000);
    RT_VERIFY(ii, h);
    rtmap_mapfree(ii, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_make_map),
        cmocka_unit_test(test_index_and_set),
        cmocka_unit_test(test_indirect_elems_copied),
        cmocka_unit_test(test_nil_map),
        cmocka_unit_test(test_unhashable),
        cmocka_unit_test(test_map_keys),
        cmocka_unit_test(test_clear_and_clone),
        cmocka_unit_test(test_concurrent_write_detected),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_iter_basic),
        cmocka_unit_test(test_iter_abandoned_and_mutation),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
