/* mapkeys and mapvalues (maps.Keys, maps.Values): all keys and all values, each
 * once, NaN keys included; a buffer smaller than the map gets exactly cap items,
 * each a distinct entry, and nothing is written past it. */
#include "map_test.h"

#define SENTINEL 0xdeadbeefcafef00dULL

static uint64_t value_of(uint64_t k)
{
    return k * 7 + 3;
}

static uint64_t keys[5100], values[5100];
static uint8_t seen[5100];

static void test_keys_and_values(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    static const size_t sizes[] = { 0, 1, 2, 7, 8, 9, 100, 1000, 5000 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        rtmap_hmap *h = rtmap_makemap(t, 0);
        for (uint64_t i = 0; i < n; i++)
            *(uint64_t *)rtmap_mapassign(t, h, &i) = value_of(i);
        /* caps: more than enough, exact, and smaller ones */
        size_t caps[] = { n + 50, n, n / 2, 1, 0 };
        for (size_t c = 0; c < 5; c++) {
            size_t cap = caps[c];
            for (size_t i = 0; i < n + 60; i++)
                keys[i] = values[i] = SENTINEL;
            size_t nk = rtmap_mapkeys(t, h, keys, cap);
            size_t nv = rtmap_mapvalues(t, h, values, cap);
            size_t want = cap < n ? cap : n;
            assert_int_equal(nk, want);
            assert_int_equal(nv, want);
            memset(seen, 0, sizeof seen);
            for (size_t i = 0; i < nk; i++) {
                assert_true(keys[i] < n);
                assert_int_equal(seen[keys[i]]++, 0);
            }
            memset(seen, 0, sizeof seen);
            for (size_t i = 0; i < nv; i++) {
                assert_int_equal((values[i] - 3) % 7, 0);
                uint64_t k = (values[i] - 3) / 7;
                assert_true(k < n);
                assert_int_equal(seen[k]++, 0);
            }
            for (size_t i = want; i < n + 60; i++) {
                assert_int_equal(keys[i], SENTINEL);
                assert_int_equal(values[i], SENTINEL);
            }
        }
        RT_VERIFY(t, h);
        rtmap_mapfree(t, h);
    }
}

/* After deletes and while growth may be in progress: exactly the live entries. */
static void test_keys_after_deletes(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (uint64_t n = 1; n <= 3000; n++) {
        uint64_t k = n - 1;
        *(uint64_t *)rtmap_mapassign(t, h, &k) = value_of(k);
        if (k % 3 == 1) {
            uint64_t d = k - 1;
            rtmap_mapdelete(t, h, &d);
        }
        if (n % 113 != 0 && n > 40)
            continue;
        size_t len = (size_t)rtmap_maplen(h);
        assert_int_equal(rtmap_mapkeys(t, h, keys, 5100), len);
        memset(seen, 0, sizeof seen);
        for (size_t i = 0; i < len; i++) {
            assert_true(keys[i] < n);
            assert_true(keys[i] % 3 != 0 || keys[i] == n - 1);   /* not a deleted key */
            assert_int_equal(seen[keys[i]]++, 0);
        }
    }
    rtmap_mapfree(t, h);
}

static void test_nan_and_string_keys(void **state)
{
    (void)state;
    const rtmap_maptype *tf = rt_map_of(&rtmap_type_float64, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(tf, 0);
    double nan = NAN, fk[64];
    for (int i = 0; i < 20; i++) {
        *(uint64_t *)rtmap_mapassign(tf, h, &nan) = 1;
        *(uint64_t *)rtmap_mapassign(tf, h, &(double){ i + 0.5 }) = 2;
    }
    assert_int_equal(rtmap_mapkeys(tf, h, fk, 64), 40);
    int nans = 0;
    for (int i = 0; i < 40; i++)
        nans += isnan(fk[i]) != 0;
    assert_int_equal(nans, 20);
    uint64_t vals[64];
    assert_int_equal(rtmap_mapvalues(tf, h, vals, 64), 40);
    uint64_t sum = 0;
    for (int i = 0; i < 40; i++)
        sum += vals[i];
    assert_int_equal(sum, 60);
    rtmap_mapfree(tf, h);

    const rtmap_maptype *ts = rt_map_of(&rtmap_type_string, &rtmap_type_uint64);
    h = rtmap_makemap(ts, 0);
    for (size_t i = 0; i < 500; i++) {
        rtmap_string s = mt_string_of(i);
        *(uint64_t *)rtmap_mapassign(ts, h, &s) = i;
    }
    static rtmap_string sk[600];
    assert_int_equal(rtmap_mapkeys(ts, h, sk, 600), 500);
    memset(seen, 0, sizeof seen);
    for (size_t i = 0; i < 500; i++) {
        uint64_t v = *(uint64_t *)rtmap_mapaccess1(ts, h, &sk[i]);
        assert_ptr_equal(sk[i].ptr, mt_string_of(v).ptr);
        assert_int_equal(seen[v]++, 0);
    }
    rtmap_mapfree(ts, h);
}

/* Indirect keys and elems are copied out by value; the stored key bytes are the
 * ones written last (-0.0 after +0.0); zero-size elems are counted. */
static void test_indirect_updated_and_empty(void **state)
{
    (void)state;
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 200, &big), RTMAP_OK);
    const rtmap_maptype *t = rt_map_of(big, big);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    uint8_t key[200];
    for (uint64_t i = 0; i < 300; i++) {
        memset(key, (int)(i & 0xff), sizeof key);
        memcpy(key, &i, 8);
        uint8_t *slot = rtmap_mapassign(t, h, key);
        memset(slot, (int)(i & 0xff), 200);
        memcpy(slot + 192, &i, 8);
    }
    static uint8_t kbuf[310][200], vbuf[310][200];
    assert_int_equal(rtmap_mapkeys(t, h, kbuf, 310), 300);
    assert_int_equal(rtmap_mapvalues(t, h, vbuf, 310), 300);
    memset(seen, 0, sizeof seen);
    for (size_t j = 0; j < 300; j++) {
        uint64_t k, v;
        memcpy(&k, kbuf[j], 8);
        memcpy(&v, vbuf[j] + 192, 8);
        assert_true(k < 300 && v < 300);
        assert_int_equal(kbuf[j][199], k & 0xff);
        assert_int_equal(vbuf[j][0], v & 0xff);
        assert_int_equal(seen[k] & 1, 0);
        assert_int_equal(seen[v] & 2, 0);
        seen[k] |= 1;
        seen[v] |= 2;
    }
    rtmap_mapfree(t, h);

    const rtmap_maptype *tf = rt_map_of(&rtmap_type_float64, &rtmap_type_uint64);
    h = rtmap_makemap(tf, 0);
    double pos = 0.0, neg = -0.0, out[4];
    *(uint64_t *)rtmap_mapassign(tf, h, &pos) = 1;
    *(uint64_t *)rtmap_mapassign(tf, h, &neg) = 2;
    assert_int_equal(rtmap_mapkeys(tf, h, out, 4), 1);
    assert_true(out[0] == 0.0 && signbit(out[0]));
    rtmap_mapfree(tf, h);

    const rtmap_type *empty = NULL;
    assert_int_equal(rtmap_struct_of(NULL, 0, &empty), RTMAP_OK);
    const rtmap_maptype *ts = rt_map_of(&rtmap_type_uint64, empty);
    h = rtmap_makemap(ts, 0);
    for (uint64_t i = 0; i < 50; i++)
        rtmap_mapassign(ts, h, &i);
    uint8_t nothing[1] = { 0x77 };
    assert_int_equal(rtmap_mapvalues(ts, h, nothing, 100), 50);
    assert_int_equal(rtmap_mapvalues(ts, h, nothing, 7), 7);
    assert_int_equal(nothing[0], 0x77);
    assert_int_equal(rtmap_mapkeys(ts, h, keys, 5100), 50);
    rtmap_mapfree(ts, h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_and_values),
        cmocka_unit_test(test_keys_after_deletes),
        cmocka_unit_test(test_nan_and_string_keys),
        cmocka_unit_test(test_indirect_updated_and_empty),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
