/* mapclone: a clone holds the same entries as its source at every size (so also
 * when the source is in the middle of growth), keeps the exact key bytes (signed
 * zeros, string headers) and NaN entries, and is independent of its source:
 * writes to one are not seen in the other, and it outlives the source. */
#include "map_test.h"

static uint64_t value_of(uint64_t k)
{
    return k * 0x9e3779b97f4a7c15ULL | 1;
}

/* The clone holds keys [0, n) of the u64 universe with value_of values: checked
 * by iterating it (each key once) and by its length. */
static void expect_clone_of_prefix(const rtmap_maptype *t, rtmap_hmap *c, size_t n)
{
    static uint8_t seen[MT_UNIVERSE];
    memset(seen, 0, n);
    assert_int_equal(rtmap_maplen(c), (intptr_t)n);
    rtmap_hiter it;
    size_t count = 0;
    for (rtmap_mapiterinit(t, c, &it); it.key; rtmap_mapiternext(&it)) {
        uint64_t k = *(uint64_t *)it.key;
        assert_true(k < n);
        assert_int_equal(seen[k]++, 0);
        assert_int_equal(*(uint64_t *)it.elem, value_of(k));
        count++;
    }
    assert_int_equal(count, n);
}

static void test_clone_every_size(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    rtmap_hmap *c = rtmap_mapclone(t, h);           /* of an empty map */
    assert_non_null(c);
    assert_int_equal(rtmap_maplen(c), 0);
    RT_VERIFY(t, c);
    *(uint64_t *)rtmap_mapassign(t, c, &(uint64_t){ 5 }) = 1;   /* and writable */
    assert_int_equal(rtmap_maplen(h), 0);
    rtmap_mapfree(t, c);

    for (uint64_t n = 1; n <= 2000; n++) {
        uint64_t k = n - 1;
        *(uint64_t *)rtmap_mapassign(t, h, &k) = value_of(k);
        c = rtmap_mapclone(t, h);
        RT_VERIFY(t, c);
        expect_clone_of_prefix(t, c, (size_t)n);
        if (n % 97 == 0) {
            /* lookups in the clone, and the clone grows on its own */
            for (uint64_t j = 0; j < n; j++)
                assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast64(t, c, j), value_of(j));
            for (uint64_t j = n; j < 2 * n; j++)
                *(uint64_t *)rtmap_mapassign(t, c, &j) = value_of(j);
            RT_VERIFY(t, c);
            expect_clone_of_prefix(t, c, (size_t)(2 * n));
            RT_VERIFY(t, h);
            assert_int_equal(rtmap_maplen(h), (intptr_t)n);
        }
        rtmap_mapfree(t, c);
    }
    rtmap_mapfree(t, h);
}

static void test_clone_nil(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_string, &rtmap_type_uint64);
    assert_null(rtmap_mapclone(t, NULL));
}

static void test_clone_is_independent(void **state)
{
    (void)state;
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 300, &big), RTMAP_OK);
    const rtmap_maptype *t = rt_map_of(big, big);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    uint8_t key[300] = { 0 };
    for (uint64_t i = 0; i < 500; i++) {
        memcpy(key, &i, 8);
        memset(rtmap_mapassign(t, h, key), 1, 300);
    }
    rtmap_hmap *c = rtmap_mapclone(t, h);
    /* change every value in the source, delete some keys, add others */
    for (uint64_t i = 0; i < 500; i++) {
        memcpy(key, &i, 8);
        if (i % 3 == 0)
            rtmap_mapdelete(t, h, key);
        else
            memset(rtmap_mapassign(t, h, key), 2, 300);
    }
    for (uint64_t i = 500; i < 800; i++) {
        memcpy(key, &i, 8);
        memset(rtmap_mapassign(t, h, key), 2, 300);
    }
    RT_VERIFY(t, h);
    RT_VERIFY(t, c);
    /* and the clone the other way round */
    for (uint64_t i = 0; i < 500; i += 2) {
        memcpy(key, &i, 8);
        memset(rtmap_mapassign(t, c, key), 3, 300);
    }
    assert_int_equal(rtmap_maplen(c), 500);
    for (uint64_t i = 0; i < 800; i++) {
        memcpy(key, &i, 8);
        bool ok;
        const uint8_t *v = rtmap_mapaccess2(t, h, key, &ok);
        assert_int_equal(ok, i % 3 != 0 || i >= 500);
        assert_int_equal(v[299], ok ? 2 : 0);
    }
    /* the clone outlives its source: its indirect keys and elems are its own */
    rtmap_mapfree(t, h);
    for (uint64_t i = 0; i < 800; i++) {
        memcpy(key, &i, 8);
        bool ok;
        const uint8_t *v = rtmap_mapaccess2(t, c, key, &ok);
        assert_int_equal(ok, i < 500);
        assert_int_equal(v[0], i >= 500 ? 0 : i % 2 ? 1 : 3);
        assert_int_equal(v[299], v[0]);
    }
    rtmap_hiter it;
    size_t count = 0;
    for (rtmap_mapiterinit(t, c, &it); it.key; rtmap_mapiternext(&it)) {
        uint64_t k;
        memcpy(&k, it.key, 8);
        assert_true(k < 500);
        assert_int_equal(((uint8_t *)it.key)[299], 0);
        count++;
    }
    assert_int_equal(count, 500);
    RT_VERIFY(t, c);
    rtmap_mapfree(t, c);
}

/* Exact key bytes and NaN entries survive cloning. */
static void test_clone_keeps_keys(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_float64, &rtmap_type_uint64);
    for (size_t fill = 0; fill <= 1000; fill += 250) {
        rtmap_hmap *h = rtmap_makemap(t, 0);
        for (size_t i = 1; i <= fill; i++)
            *(uint64_t *)rtmap_mapassign(t, h, &(double){ (double)i }) = i;
        double negzero = -0.0, nan = NAN;
        *(uint64_t *)rtmap_mapassign(t, h, &negzero) = 77;
        for (int i = 0; i < 5; i++)
            *(uint64_t *)rtmap_mapassign(t, h, &nan) = 1000 + (uint64_t)i;
        rtmap_hmap *c = rtmap_mapclone(t, h);
        RT_VERIFY(t, c);
        assert_int_equal(rtmap_maplen(c), (intptr_t)fill + 6);
        int nans = 0, zeros = 0;
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, c, &it); it.key; rtmap_mapiternext(&it)) {
            double k;
            memcpy(&k, it.key, sizeof k);
            uint64_t v = *(uint64_t *)it.elem;
            if (isnan(k)) {
                assert_true(v >= 1000 && v < 1005);
                nans++;
            } else if (k == 0.0) {
                assert_true(signbit(k));
                assert_int_equal(v, 77);
                zeros++;
            } else {
                assert_int_equal(v, (uint64_t)k);
            }
        }
        assert_int_equal(nans, 5);
        assert_int_equal(zeros, 1);
        /* the clone's NaNs are its own entries: clearing the source keeps them */
        rtmap_mapclear(t, h);
        assert_int_equal(rtmap_maplen(c), (intptr_t)fill + 6);
        rtmap_mapfree(t, h);
        rtmap_mapfree(t, c);
    }

    const rtmap_maptype *ts = rt_map_of(&rtmap_type_string, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(ts, 0);
    for (size_t i = 0; i < 300; i++) {
        rtmap_string s = mt_string_of(i);
        *(uint64_t *)rtmap_mapassign(ts, h, &s) = i;
    }
    rtmap_hmap *c = rtmap_mapclone(ts, h);
    rtmap_hiter it;
    for (rtmap_mapiterinit(ts, c, &it); it.key; rtmap_mapiternext(&it)) {
        const rtmap_string *k = it.key;
        /* string headers are copied as they are: same bytes, same pointer */
        assert_ptr_equal(k->ptr, mt_string_of(*(uint64_t *)it.elem).ptr);
    }
    rtmap_mapfree(ts, h);
    rtmap_mapfree(ts, c);
}

/* Cloning while an iterator of the source is live (and the source grows under
 * it) does not disturb the iteration. */
static void test_clone_during_iteration(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (uint64_t i = 0; i < 200; i++)
        *(uint64_t *)rtmap_mapassign(t, h, &i) = value_of(i);
    static uint8_t seen[4000];
    memset(seen, 0, sizeof seen);
    uint64_t next = 200;
    rtmap_hiter it;
    for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
        uint64_t k = *(uint64_t *)it.key;
        assert_true(k < 4000);
        assert_int_equal(seen[k]++, 0);
        for (int j = 0; j < 8 && next < 4000; j++, next++)
            *(uint64_t *)rtmap_mapassign(t, h, &next) = value_of(next);
        if (k % 16 == 0) {
            rtmap_hmap *c = rtmap_mapclone(t, h);
            RT_VERIFY(t, c);
            expect_clone_of_prefix(t, c, (size_t)next);
            rtmap_mapfree(t, c);
        }
    }
    for (uint64_t i = 0; i < 200; i++)
        assert_int_equal(seen[i], 1);
    rtmap_mapfree(t, h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clone_every_size),
        cmocka_unit_test(test_clone_nil),
        cmocka_unit_test(test_clone_is_independent),
        cmocka_unit_test(test_clone_keeps_keys),
        cmocka_unit_test(test_clone_during_iteration),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
