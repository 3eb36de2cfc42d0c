/* Go's key semantics seen through the map: +0.0 and -0.0 are one key and the
 * last one written is kept; every NaN is a new entry that can be iterated and
 * cleared but never found or deleted; strings compare by bytes and assigning
 * replaces the stored header; `any` keys compare dynamic type then value, and an
 * unhashable dynamic type panics without changing the map; keys and elems over
 * 128 bytes (stored indirectly); structs with padding compare by fields only. */
#include "map_test.h"

/* The only key of a one-entry map, as its iterator produces it. */
static void only_key(const rtmap_maptype *t, rtmap_hmap *h, void *out)
{
    rtmap_hiter it;
    rtmap_mapiterinit(t, h, &it);
    assert_non_null(it.key);
    memcpy(out, it.key, t->key->size);
    rtmap_mapiternext(&it);
    assert_null(it.key);
}

static void zero_sign_kept_last(const rtmap_maptype *t, rtmap_hmap *h, size_t fill)
{
    /* other keys first, so the update also happens in a grown map */
    for (size_t i = 1; i <= fill; i++) {
        double k = (double)i;
        *(uint64_t *)rtmap_mapassign(t, h, &k) = i;
    }
    double neg = -0.0, pos = 0.0;
    *(uint64_t *)rtmap_mapassign(t, h, &neg) = 1;
    *(uint64_t *)rtmap_mapassign(t, h, &pos) = 2;
    RT_VERIFY(t, h);
    assert_int_equal(rtmap_maplen(h), (intptr_t)fill + 1);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &neg), 2);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &pos), 2);

    rtmap_hiter it;
    int zeros = 0;
    for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
        double k;
        memcpy(&k, it.key, sizeof k);
        if (k == 0.0) {
            zeros++;
            assert_false(signbit(k));          /* the +0.0 written last */
            assert_int_equal(*(uint64_t *)it.elem, 2);
        }
    }
    assert_int_equal(zeros, 1);

    /* and back: -0.0 written last is the stored key */
    *(uint64_t *)rtmap_mapassign(t, h, &neg) = 3;
    rtmap_mapdelete(t, h, &(double){ 1.0 });   /* keep a map of one key when fill == 1 */
    for (size_t i = 2; i <= fill; i++)
        rtmap_mapdelete(t, h, &(double){ (double)i });
    RT_VERIFY(t, h);
    assert_int_equal(rtmap_maplen(h), 1);
    double k;
    only_key(t, h, &k);
    assert_true(k == 0.0 && signbit(k));
    /* delete through the other sign removes it */
    rtmap_mapdelete(t, h, &pos);
    assert_int_equal(rtmap_maplen(h), 0);
    RT_VERIFY(t, h);
}

static void test_float_zero_signs(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_float64, &rtmap_type_uint64);
    static const size_t fills[] = { 0, 1, 7, 8, 9, 100, 1500 };
    for (size_t f = 0; f < sizeof fills / sizeof fills[0]; f++) {
        rtmap_hmap *h = rtmap_makemap(t, 0);
        zero_sign_kept_last(t, h, fills[f]);
        rtmap_mapfree(t, h);
    }

    /* float32 keys follow the same rule */
    const rtmap_maptype *t32 = rt_map_of(&rtmap_type_float32, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(t32, 0);
    float n32 = -0.0f, p32 = 0.0f, k32;
    *(uint64_t *)rtmap_mapassign(t32, h, &n32) = 1;
    *(uint64_t *)rtmap_mapassign(t32, h, &p32) = 2;
    assert_int_equal(rtmap_maplen(h), 1);
    only_key(t32, h, &k32);
    assert_false(signbit(k32));
    rtmap_mapfree(t32, h);
}

static void test_nan_keys(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_float64, &rtmap_type_uint64);
    static const size_t others_counts[] = { 0, 5, 300 };
    for (size_t c = 0; c < 3; c++) {
        size_t others = others_counts[c];
        rtmap_hmap *h = rtmap_makemap(t, 0);
        for (size_t i = 0; i < others; i++)
            *(uint64_t *)rtmap_mapassign(t, h, &(double){ (double)i }) = 1;
        const size_t nans = 40;
        for (size_t i = 0; i < nans; i++) {
            /* NaNs with different payloads and signs are all NaN */
            uint64_t bits = 0x7ff8000000000000ULL | (i % 4) | ((uint64_t)(i % 2) << 63);
            double nan;
            memcpy(&nan, &bits, sizeof nan);
            uint64_t *slot = rtmap_mapassign(t, h, &nan);
            assert_int_equal(*slot, 0);             /* always a fresh entry */
            *slot = 1000 + i;
            assert_int_equal(rtmap_maplen(h), (intptr_t)(others + i + 1));
            if (i % 8 == 0)
                RT_VERIFY(t, h);
        }
        double nan = NAN;
        bool ok = true;
        assert_int_equal(*(uint64_t *)rtmap_mapaccess2(t, h, &nan, &ok), 0);
        assert_false(ok);
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &nan), 0);
        rtmap_mapdelete(t, h, &nan);
        assert_int_equal(rtmap_maplen(h), (intptr_t)(others + nans));
        RT_VERIFY(t, h);

        bool seen[40] = { false };
        size_t nan_seen = 0, other_seen = 0;
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
            double k;
            memcpy(&k, it.key, sizeof k);
            uint64_t v = *(uint64_t *)it.elem;
            if (isnan(k)) {
                assert_true(v >= 1000 && v < 1000 + nans);
                assert_false(seen[v - 1000]);
                seen[v - 1000] = true;
                nan_seen++;
            } else {
                other_seen++;
            }
        }
        assert_int_equal(nan_seen, nans);
        assert_int_equal(other_seen, others);

        rtmap_mapclear(t, h);
        assert_int_equal(rtmap_maplen(h), 0);
        RT_VERIFY(t, h);
        rtmap_mapiterinit(t, h, &it);
        assert_null(it.key);
        rtmap_mapfree(t, h);
    }
}

static void test_string_keys_by_bytes(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_string, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    char a[] = "same bytes", b[] = "same bytes";
    rtmap_string sa = { a, 10 }, sb = { b, 10 };
    *(uint64_t *)rtmap_mapassign(t, h, &sa) = 1;
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &sb), 1);
    *(uint64_t *)rtmap_mapassign(t, h, &sb) = 2;
    assert_int_equal(rtmap_maplen(h), 1);
    rtmap_string stored;
    only_key(t, h, &stored);
    assert_ptr_equal(stored.ptr, b);      /* key update: the header written last */
    assert_int_equal(stored.len, 10);

    /* prefixes, embedded NULs and the empty string are all different keys */
    static const char bytes[] = "ab\0cd\0";
    rtmap_string keys[] = {
        { bytes, 0 }, { bytes, 1 }, { bytes, 2 }, { bytes, 3 }, { bytes, 4 },
        { bytes + 3, 1 }, { bytes + 3, 2 }, { "ab\0ce", 5 }, { bytes, 5 }, { bytes, 6 },
    };
    size_t n = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < n; i++)
        *(uint64_t *)rtmap_mapassign(t, h, &keys[i]) = 10 + i;
    assert_int_equal(rtmap_maplen(h), 1 + (intptr_t)n);
    RT_VERIFY(t, h);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &keys[i]), 10 + i);

    /* {NULL, 0} is the empty string */
    rtmap_string null_empty = { NULL, 0 };
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &null_empty), 10);
    *(uint64_t *)rtmap_mapassign(t, h, &null_empty) = 99;
    assert_int_equal(rtmap_maplen(h), 1 + (intptr_t)n);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &keys[0]), 99);
    rtmap_mapdelete(t, h, &null_empty);
    assert_int_equal(rtmap_maplen(h), (intptr_t)n);
    RT_VERIFY(t, h);
    rtmap_mapfree(t, h);
}

/* After growth, a key update must still replace the header in the one slot. */
static void test_string_key_update_in_large_map(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_string, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    static char copies[2000][72];
    for (size_t i = 0; i < 2000; i++) {
        rtmap_string s = mt_string_of(i);
        *(uint64_t *)rtmap_mapassign(t, h, &s) = i;
        memcpy(copies[i], s.ptr, s.len);
    }
    for (size_t i = 0; i < 2000; i += 3) {
        rtmap_string s = { copies[i], mt_string_of(i).len };
        *(uint64_t *)rtmap_mapassign(t, h, &s) += 5000;
    }
    RT_VERIFY(t, h);
    assert_int_equal(rtmap_maplen(h), 2000);
    size_t produced = 0;
    rtmap_hiter it;
    for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
        const rtmap_string *k = it.key;
        uint64_t v = *(uint64_t *)it.elem;
        size_t i = v % 5000;
        assert_int_equal(v >= 5000, i % 3 == 0);
        assert_ptr_equal(k->ptr, i % 3 == 0 ? copies[i] : mt_string_of(i).ptr);
        produced++;
    }
    assert_int_equal(produced, 2000);
    rtmap_mapfree(t, h);
}

static const rtmap_maptype *any_map(void)
{
    return rt_map_of(&rtmap_type_any, &rtmap_type_uint64);
}

static void test_any_keys(void **state)
{
    (void)state;
    const rtmap_maptype *t = any_map();
    rtmap_hmap *h = rtmap_makemap(t, 0);
    static const int64_t i64 = 5;
    static const uint64_t u64 = 5;
    static const int32_t i32 = 5;
    static const uint8_t u8 = 5;
    static const double f64 = 5.0;
    static const rtmap_string str = { "5", 1 };
    rtmap_eface keys[] = {
        { &rtmap_type_int64, &i64 }, { &rtmap_type_uint64, &u64 },
        { &rtmap_type_int32, &i32 }, { &rtmap_type_uint8, &u8 },
        { &rtmap_type_float64, &f64 }, { &rtmap_type_string, &str },
        { NULL, NULL },                                   /* the nil interface */
    };
    size_t n = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < n; i++)
        *(uint64_t *)rtmap_mapassign(t, h, &keys[i]) = 100 + i;
    assert_int_equal(rtmap_maplen(h), (intptr_t)n);
    RT_VERIFY(t, h);

    /* equal dynamic type and value through other data pointers: the same keys */
    int64_t i64b = 5;
    double f64b = 5.0, negzero = -0.0, poszero = 0.0;
    char five[] = "5";
    rtmap_string strb = { five, 1 };
    rtmap_eface same[] = {
        { &rtmap_type_int64, &i64b }, { &rtmap_type_float64, &f64b },
        { &rtmap_type_string, &strb },
    };
    size_t same_index[] = { 0, 4, 5 };
    for (size_t i = 0; i < 3; i++) {
        bool ok = false;
        assert_int_equal(*(uint64_t *)rtmap_mapaccess2(t, h, &same[i], &ok), 100 + same_index[i]);
        assert_true(ok);
    }
    /* a float zero of either sign inside an any is one key */
    rtmap_eface nz = { &rtmap_type_float64, &negzero }, pz = { &rtmap_type_float64, &poszero };
    *(uint64_t *)rtmap_mapassign(t, h, &nz) = 1;
    *(uint64_t *)rtmap_mapassign(t, h, &pz) = 2;
    assert_int_equal(rtmap_maplen(h), (intptr_t)n + 1);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &nz), 2);
    /* any keys are updated on assign: the stored interface is the one written last */
    int zero_keys = 0;
    rtmap_hiter it;
    for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
        const rtmap_eface *k = it.key;
        if (k->type == &rtmap_type_float64 && *(const double *)k->data == 0.0) {
            assert_ptr_equal(k->data, &poszero);
            zero_keys++;
        }
    }
    assert_int_equal(zero_keys, 1);
    assert_true(t->flags & RTMAP_NEED_KEY_UPDATE);
    /* a NaN inside an any is a new entry each time */
    double nan = NAN;
    rtmap_eface nk = { &rtmap_type_float64, &nan };
    *(uint64_t *)rtmap_mapassign(t, h, &nk) = 3;
    *(uint64_t *)rtmap_mapassign(t, h, &nk) = 4;
    assert_int_equal(rtmap_maplen(h), (intptr_t)n + 3);
    bool ok = true;
    rtmap_mapaccess2(t, h, &nk, &ok);
    assert_false(ok);
    RT_VERIFY(t, h);

    /* many any keys of mixed dynamic types through growth */
    static int64_t ints[1000];
    static uint32_t words[1000];
    for (size_t i = 0; i < 1000; i++) {
        ints[i] = (int64_t)i + 1000;
        words[i] = (uint32_t)i + 1000;
        rtmap_eface a = { &rtmap_type_int64, &ints[i] }, b = { &rtmap_type_uint32, &words[i] };
        *(uint64_t *)rtmap_mapassign(t, h, &a) = i;
        *(uint64_t *)rtmap_mapassign(t, h, &b) = i + 1;
    }
    RT_VERIFY(t, h);
    assert_int_equal(rtmap_maplen(h), (intptr_t)n + 3 + 2000);
    for (size_t i = 0; i < 1000; i++) {
        int64_t iv = (int64_t)i + 1000;
        uint32_t wv = (uint32_t)i + 1000;
        rtmap_eface a = { &rtmap_type_int64, &iv }, b = { &rtmap_type_uint32, &wv };
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &a), i);
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &b), i + 1);
    }
    rtmap_mapfree(t, h);
}

static void expect_map_of_any_unchanged(const rtmap_maptype *t, rtmap_hmap *h, size_t n,
                                        const int64_t *vals)
{
    RT_VERIFY(t, h);
    assert_int_equal(rtmap_maplen(h), (intptr_t)n);
    for (size_t i = 0; i < n; i++) {
        rtmap_eface k = { &rtmap_type_int64, &vals[i] };
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &k), (uint64_t)vals[i] * 2);
    }
}

/* The panic kind that assign (0), access1 (1), access2 (2) or delete (3) of key
 * raises, -1 for none. */
static int panic_of_op(const rtmap_maptype *t, rtmap_hmap *h, const void *key, int op)
{
    int kind;
    RT_TRY(kind) {
        bool ok;
        switch (op) {
        case 0: rtmap_mapassign(t, h, key); break;
        case 1: rtmap_mapaccess1(t, h, key); break;
        case 2: rtmap_mapaccess2(t, h, key, &ok); break;
        default: rtmap_mapdelete(t, h, key); break;
        }
    }
    return kind;
}

static void test_unhashable_any_key_panics(void **state)
{
    (void)state;
    const rtmap_maptype *t = any_map();
    const rtmap_maptype *unhashable = rt_map_of(&rtmap_type_int64, &rtmap_type_int64);
    static const size_t sizes[] = { 0, 1, 8, 9, 500 };
    static int64_t vals[500];
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        rtmap_hmap *h = rtmap_makemap(t, 0);
        for (size_t i = 0; i < n; i++) {
            vals[i] = (int64_t)i;
            rtmap_eface k = { &rtmap_type_int64, &vals[i] };
            *(uint64_t *)rtmap_mapassign(t, h, &k) = (uint64_t)i * 2;
        }
        rtmap_hmap *inner = NULL;
        rtmap_eface bad = { &unhashable->type, &inner };
        for (int op = 0; op < 4; op++) {
            rt_last_panic_msg[0] = 0;
            assert_int_equal(panic_of_op(t, h, &bad, op), RTMAP_PANIC_UNHASHABLE);
            assert_non_null(strstr(rt_last_panic_msg, "hash of unhashable type map[int64]int64"));
            expect_map_of_any_unchanged(t, h, n, vals);
        }
        /* the map still takes writes afterwards */
        int64_t extra = 100000;
        rtmap_eface k = { &rtmap_type_int64, &extra };
        *(uint64_t *)rtmap_mapassign(t, h, &k) = 1;
        assert_int_equal(rtmap_maplen(h), (intptr_t)n + 1);
        RT_VERIFY(t, h);
        rtmap_mapfree(t, h);
    }

    /* an unhashable value nested in a struct key panics the same way */
    const rtmap_type *st = NULL;
    rtmap_field fields[] = { { "a", &rtmap_type_int64 }, { "b", &rtmap_type_any } };
    assert_int_equal(rtmap_struct_of(fields, 2, &st), RTMAP_OK);
    const rtmap_maptype *ts = rt_map_of(st, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(ts, 0);
    unsigned char key[64] = { 0 };
    *(uint64_t *)rtmap_mapassign(ts, h, key) = 1;         /* {0, nil} */
    rtmap_hmap *inner = NULL;
    rtmap_eface bad = { &unhashable->type, &inner };
    memcpy(key + st->fields[1].offset, &bad, sizeof bad);
    int kind;
    RT_TRY(kind) {
        rtmap_mapassign(ts, h, key);
    }
    assert_int_equal(kind, RTMAP_PANIC_UNHASHABLE);
    assert_non_null(strstr(rt_last_panic_msg, "hash of unhashable type map[int64]int64"));
    assert_int_equal(rtmap_maplen(h), 1);
    RT_VERIFY(ts, h);
    rtmap_mapfree(ts, h);

    /* and in an array key: [2]any whose second element is unhashable */
    const rtmap_type *arr = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_any, 2, &arr), RTMAP_OK);
    const rtmap_maptype *ta = rt_map_of(arr, &rtmap_type_uint64);
    assert_true(ta->flags & RTMAP_HASH_MIGHT_PANIC);
    h = rtmap_makemap(ta, 0);
    static const int64_t one = 1;
    rtmap_eface pair[2] = { { &rtmap_type_int64, &one }, { NULL, NULL } };
    *(uint64_t *)rtmap_mapassign(ta, h, pair) = 1;
    pair[1] = bad;
    for (int op = 0; op < 4; op++) {
        rt_last_panic_msg[0] = 0;
        assert_int_equal(panic_of_op(ta, h, pair, op), RTMAP_PANIC_UNHASHABLE);
        assert_non_null(strstr(rt_last_panic_msg, "hash of unhashable type map[int64]int64"));
    }
    assert_int_equal(rtmap_maplen(h), 1);
    RT_VERIFY(ta, h);
    rtmap_mapfree(ta, h);
}

/* A handler that returns from the unhashable-key panic: the call returns as if it
 * had not been made (zero value, ok false, NULL slot, nothing deleted). */
static void test_unhashable_key_handler_returns(void **state)
{
    (void)state;
    const rtmap_maptype *t = any_map();
    const rtmap_maptype *unhashable = rt_map_of(&rtmap_type_string, &rtmap_type_int64);
    static int64_t vals[100];
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (size_t i = 0; i < 100; i++) {
        vals[i] = (int64_t)i;
        rtmap_eface k = { &rtmap_type_int64, &vals[i] };
        *(uint64_t *)rtmap_mapassign(t, h, &k) = (uint64_t)i * 2;
    }
    rtmap_hmap *inner = NULL;
    rtmap_eface bad = { &unhashable->type, &inner };
    rt_install_returning_handler();
    void *slot = rtmap_mapassign(t, h, &bad);
    const uint64_t *v1 = rtmap_mapaccess1(t, h, &bad);
    bool ok = true;
    const uint64_t *v2 = rtmap_mapaccess2(t, h, &bad, &ok);
    rtmap_mapdelete(t, h, &bad);
    rt_install_panic_catcher();
    assert_int_equal(rt_returned_panics, 4);
    assert_int_equal(rt_last_panic_kind, RTMAP_PANIC_UNHASHABLE);
    assert_null(slot);
    assert_non_null(v1);
    assert_non_null(v2);
    assert_int_equal(*v1, 0);
    assert_int_equal(*v2, 0);
    assert_false(ok);
    expect_map_of_any_unchanged(t, h, 100, vals);
    rtmap_mapfree(t, h);
}

/* ---- indirect keys and elems --------------------------------------------------- */

#define BIG 200

static void big_key(uint8_t *k, size_t i)
{
    for (size_t b = 0; b < BIG; b++)
        k[b] = (uint8_t)(i * 31 + b);
    memcpy(k + BIG - sizeof i, &i, sizeof i);   /* distinct keys differ at the end */
}

static void test_indirect_keys_and_elems(void **state)
{
    (void)state;
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, BIG, &big), RTMAP_OK);
    const rtmap_maptype *types[] = {
        rt_map_of(big, big), rt_map_of(big, &rtmap_type_uint64), rt_map_of(&rtmap_type_uint64, big),
    };
    assert_true(types[0]->flags & RTMAP_INDIRECT_KEY);
    assert_true(types[0]->flags & RTMAP_INDIRECT_ELEM);
    static mt_model model;
    for (int ti = 0; ti < 3; ti++) {
        const rtmap_maptype *t = types[ti];
        bool key_big = t->key->size == BIG, elem_big = t->elem->size == BIG;
        mt_model_reset(&model);
        rtmap_hmap *h = rtmap_makemap(t, 0);
        uint64_t rng = 77 + (uint64_t)ti;
        uint8_t key[BIG], want[BIG];
        for (int step = 0; step < 6000; step++) {
            size_t i = (size_t)(rt_splitmix64(&rng) % 1500);
            uint64_t r = rt_splitmix64(&rng) % 10;
            if (key_big)
                big_key(key, i);
            else
                memcpy(key, &(uint64_t){ i }, 8);
            if (r < 6) {
                uint8_t *slot = rtmap_mapassign(t, h, key);
                uint64_t v = rt_splitmix64(&rng) | 1;
                if (elem_big)
                    memset(slot, (int)(v & 0xff), BIG);
                memcpy(slot, &v, 8);
                mt_model_set(&model, i, v);
            } else {
                rtmap_mapdelete(t, h, key);
                mt_model_del(&model, i);
            }
            assert_int_equal(rtmap_maplen(h), model.len);
            if (step % 211 == 0)
                RT_VERIFY(t, h);
        }
        RT_VERIFY(t, h);
        for (size_t i = 0; i < 1500; i++) {
            if (key_big)
                big_key(key, i);
            else
                memcpy(key, &(uint64_t){ i }, 8);
            bool ok = false;
            const uint8_t *v = rtmap_mapaccess2(t, h, key, &ok);
            assert_int_equal(ok, model.present[i]);
            memset(want, model.present[i] ? (int)(model.value[i] & 0xff) : 0, BIG);
            if (!elem_big)
                memset(want, 0, BIG);
            memcpy(want, &model.value[i], 8);
            assert_memory_equal(v, want, elem_big ? BIG : 8);
        }
        /* iterated keys and elems are the stored values */
        size_t produced = 0;
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
            size_t i;
            if (key_big) {
                memcpy(&i, (uint8_t *)it.key + BIG - sizeof i, sizeof i);
                big_key(key, i);
                assert_memory_equal(it.key, key, BIG);
            } else {
                i = (size_t)*(uint64_t *)it.key;
            }
            assert_true(i < 1500 && model.present[i]);
            assert_memory_equal(it.elem, &model.value[i], 8);
            produced++;
        }
        assert_int_equal(produced, (size_t)model.len);
        rtmap_mapfree(t, h);
    }
}

/* ---- structs with padding -------------------------------------------------------- */

static void test_padded_struct_keys(void **state)
{
    (void)state;
    const rtmap_type *st = NULL;
    rtmap_field fields[] = {
        { "tag", &rtmap_type_uint8 }, { "id", &rtmap_type_uint64 }, { "half", &rtmap_type_uint16 },
    };
    assert_int_equal(rtmap_struct_of(fields, 3, &st), RTMAP_OK);
    assert_int_equal(st->size, 24);        /* 7 padding bytes after tag, 6 at the end */
    const rtmap_maptype *t = rt_map_of(st, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    size_t off_id = st->fields[1].offset, off_half = st->fields[2].offset;
    uint8_t key[24];
    for (uint64_t i = 0; i < 1200; i++) {
        memset(key, 0xAA, sizeof key);          /* padding garbage when written */
        key[0] = (uint8_t)(i % 3);
        memcpy(key + off_id, &i, 8);
        memcpy(key + off_half, &(uint16_t){ (uint16_t)(i * 7) }, 2);
        *(uint64_t *)rtmap_mapassign(t, h, key) = i;
        if (i % 150 == 0)
            RT_VERIFY(t, h);
    }
    assert_int_equal(rtmap_maplen(h), 1200);
    for (uint64_t i = 0; i < 1200; i++) {
        memset(key, 0x55, sizeof key);          /* other garbage when read */
        key[0] = (uint8_t)(i % 3);
        memcpy(key + off_id, &i, 8);
        memcpy(key + off_half, &(uint16_t){ (uint16_t)(i * 7) }, 2);
        bool ok = false;
        assert_int_equal(*(uint64_t *)rtmap_mapaccess2(t, h, key, &ok), i);
        assert_true(ok);
        key[0] ^= 4;                              /* a field differs: another key */
        rtmap_mapaccess2(t, h, key, &ok);
        assert_false(ok);
        key[0] ^= 4;
        if (i % 2) {
            memset(key + 1, 0x11, off_id - 1);
            rtmap_mapdelete(t, h, key);
        }
    }
    assert_int_equal(rtmap_maplen(h), 600);
    RT_VERIFY(t, h);
    rtmap_mapfree(t, h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_zero_signs),
        cmocka_unit_test(test_nan_keys),
        cmocka_unit_test(test_string_keys_by_bytes),
        cmocka_unit_test(test_string_key_update_in_large_map),
        cmocka_unit_test(test_any_keys),
        cmocka_unit_test(test_unhashable_any_key_panics),
        cmocka_unit_test(test_unhashable_key_handler_returns),
        cmocka_unit_test(test_indirect_keys_and_elems),
        cmocka_unit_test(test_padded_struct_keys),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
