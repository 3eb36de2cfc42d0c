/* The fast entry points (fast32, fast64, faststr and the ptr variants) and the
 * generic ones are two views of one map: random sequences mix them on the same
 * map against a reference model, and both must find the same elem slot. Small
 * string maps get keys that differ only at the start, the end or the middle,
 * short and long, because single-bucket lookups take shortcuts there. */
#include "map_test.h"

#define UNIVERSE 3000

static mt_model model;

static void *fast_assign(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, const mt_key *k,
                         bool ptr_variant)
{
    switch (kind) {
    case MT_U32:
        return ptr_variant ? rtmap_mapassign_fast32ptr(t, h, (void *)(uintptr_t)k->u32)
                           : rtmap_mapassign_fast32(t, h, k->u32);
    case MT_U64:
        return ptr_variant ? rtmap_mapassign_fast64ptr(t, h, (void *)(uintptr_t)k->u64)
                           : rtmap_mapassign_fast64(t, h, k->u64);
    default:
        return rtmap_mapassign_faststr(t, h, k->str);
    }
}

static void *fast_access1(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, const mt_key *k)
{
    switch (kind) {
    case MT_U32: return rtmap_mapaccess1_fast32(t, h, k->u32);
    case MT_U64: return rtmap_mapaccess1_fast64(t, h, k->u64);
    default:     return rtmap_mapaccess1_faststr(t, h, k->str);
    }
}

static void *fast_access2(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, const mt_key *k,
                          bool *ok)
{
    switch (kind) {
    case MT_U32: return rtmap_mapaccess2_fast32(t, h, k->u32, ok);
    case MT_U64: return rtmap_mapaccess2_fast64(t, h, k->u64, ok);
    default:     return rtmap_mapaccess2_faststr(t, h, k->str, ok);
    }
}

static void fast_delete(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, const mt_key *k)
{
    switch (kind) {
    case MT_U32: rtmap_mapdelete_fast32(t, h, k->u32); break;
    case MT_U64: rtmap_mapdelete_fast64(t, h, k->u64); break;
    default:     rtmap_mapdelete_faststr(t, h, k->str); break;
    }
}

/* Both paths agree on key i: presence, value and the very slot. */
static void agree_on(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, size_t i)
{
    mt_key k = mt_key_of(kind, i);
    bool ok_fast = !model.present[i], ok_gen = !model.present[i];
    uint64_t *f1 = fast_access1(t, h, kind, &k), *f2 = fast_access2(t, h, kind, &k, &ok_fast);
    uint64_t *g1 = rtmap_mapaccess1(t, h, &k), *g2 = rtmap_mapaccess2(t, h, &k, &ok_gen);
    assert_int_equal(ok_fast, model.present[i]);
    assert_int_equal(ok_gen, model.present[i]);
    assert_int_equal(*f1, model.value[i]);
    assert_int_equal(*f2, model.value[i]);
    assert_int_equal(*g1, model.value[i]);
    assert_int_equal(*g2, model.value[i]);
    if (model.present[i]) {
        assert_ptr_equal(f1, g1);
        assert_ptr_equal(f2, g1);
        assert_ptr_equal(g2, g1);
    }
}

static void mixed_paths(mt_kind kind, uint64_t seed)
{
    const rtmap_maptype *t = rt_map_of(mt_key_type(kind), &rtmap_type_uint64);
    mt_model_reset(&model);
    uint64_t rng = seed;
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (int step = 0; step < 30000; step++) {
        /* grow to about 2500 keys, then shrink while deletes outnumber inserts,
           then grow again */
        bool growing = (step / 10000) % 2 == 0 ? model.len < 2500 : model.len < 5;
        uint64_t r = rt_splitmix64(&rng);
        size_t i = (size_t)(r >> 32) % UNIVERSE;
        bool fast = r & 1;
        mt_key k = mt_key_of(kind, i);
        switch ((r >> 1) % 8) {
        case 0: case 1: case 2:
            if (growing || (r >> 1) % 8 == 0) {
                uint64_t v = (r >> 8) | 1;
                bool ptr_variant = kind != MT_STR && (r & 2);
                uint64_t *slot = fast ? fast_assign(t, h, kind, &k, ptr_variant)
                                      : rtmap_mapassign(t, h, &k);
                assert_non_null(slot);
                assert_int_equal(*slot, model.value[i]);   /* existing value or zero */
                *slot = v;
                mt_model_set(&model, i, v);
                break;
            }
            /* fall through */
        case 3: case 4: case 5:
            if (fast)
                fast_delete(t, h, kind, &k);
            else
                rtmap_mapdelete(t, h, &k);
            mt_model_del(&model, i);
            break;
        default:
            agree_on(t, h, kind, i);
            break;
        }
        assert_int_equal(rtmap_maplen(h), model.len);
        if (step % 499 == 0)
            RT_VERIFY(t, h);
    }
    RT_VERIFY(t, h);
    for (size_t i = 0; i < UNIVERSE; i++)
        agree_on(t, h, kind, i);
    rtmap_mapfree(t, h);
}

static void test_mixed_paths_32(void **state)  { (void)state; mixed_paths(MT_U32, 11); }
static void test_mixed_paths_64(void **state)  { (void)state; mixed_paths(MT_U64, 12); }
static void test_mixed_paths_str(void **state) { (void)state; mixed_paths(MT_STR, 13); }

/* fast64ptr is the assign of pointer-keyed maps: the key is the pointer's value. */
static void test_fast64ptr_pointer_keys(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_unsafe_pointer, &rtmap_type_uint64);
    static uint64_t objects[1000];
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (size_t i = 0; i < 1000; i++)
        *(uint64_t *)rtmap_mapassign_fast64ptr(t, h, &objects[i]) = i + 1;
    void *null_key = NULL;
    *(uint64_t *)rtmap_mapassign(t, h, &null_key) = 5555;
    RT_VERIFY(t, h);
    assert_int_equal(rtmap_maplen(h), 1001);
    for (size_t i = 0; i < 1000; i++) {
        void *p = &objects[i];
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &p), i + 1);
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast64(t, h, (uint64_t)(uintptr_t)p), i + 1);
    }
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast64(t, h, 0), 5555);
    assert_int_equal(*(uint64_t *)rtmap_mapassign_fast64ptr(t, h, NULL), 5555);
    assert_int_equal(rtmap_maplen(h), 1001);
    rtmap_mapfree(t, h);
}

/* ---- faststr in small maps --------------------------------------------------------- */

static const rtmap_maptype *str_map(void)
{
    return rt_map_of(&rtmap_type_string, &rtmap_type_uint64);
}

/* Fills a map with n <= 8 keys made by `make` and checks faststr and the generic
 * path against each other for the keys and for near misses made by `make` with
 * other indices (which differ from the keys where `make` varies them). */
static void small_map_case(void (*make)(char *buf, size_t len, size_t i), size_t len, size_t n)
{
    const rtmap_maptype *t = str_map();
    static char keys[16][80], probe[80];
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (size_t i = 0; i < n; i++) {
        make(keys[i], len, i);
        rtmap_string s = { keys[i], len };
        *(uint64_t *)rtmap_mapassign_faststr(t, h, s) = i + 1;
    }
    assert_int_equal(rtmap_maplen(h), (intptr_t)n);
    RT_VERIFY(t, h);
    for (size_t i = 0; i < 16; i++) {
        make(probe, len, i);     /* same bytes as key i in another buffer */
        rtmap_string s = { probe, len };
        uint64_t want = i < n ? i + 1 : 0;
        bool ok = i >= n;
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1_faststr(t, h, s), want);
        assert_int_equal(*(uint64_t *)rtmap_mapaccess2_faststr(t, h, s, &ok), want);
        assert_int_equal(ok, i < n);
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &s), want);
        /* a prefix of a key, and the key with one more byte, are other keys */
        if (len > 0) {
            rtmap_string shorter = { keys[i % n], len - 1 };
            rtmap_mapaccess2_faststr(t, h, shorter, &ok);
            assert_false(ok);
        }
        probe[len] = 'x';
        rtmap_string longer = { probe, len + 1 };
        rtmap_mapaccess2_faststr(t, h, longer, &ok);
        assert_false(ok);
        /* deleting a missing key does nothing */
        if (i >= n) {
            rtmap_mapdelete_faststr(t, h, s);
            assert_int_equal(rtmap_maplen(h), (intptr_t)n);
        }
    }
    /* delete every other key through faststr, the rest through the generic path */
    for (size_t i = 0; i < n; i++) {
        make(probe, len, i);
        rtmap_string s = { probe, len };
        if (i % 2)
            rtmap_mapdelete_faststr(t, h, s);
        else
            rtmap_mapdelete(t, h, &s);
        assert_int_equal(rtmap_maplen(h), (intptr_t)(n - i - 1));
        for (size_t j = 0; j < n; j++) {
            rtmap_string kj = { keys[j], len };
            bool ok;
            assert_int_equal(*(uint64_t *)rtmap_mapaccess2_faststr(t, h, kj, &ok), j > i ? j + 1 : 0);
            assert_int_equal(ok, j > i);
        }
    }
    RT_VERIFY(t, h);
    rtmap_mapfree(t, h);
}

static void fill_base(char *buf, size_t len)
{
    for (size_t b = 0; b < len; b++)
        buf[b] = (char)('a' + b % 23);
}

static void differ_at_end(char *buf, size_t len, size_t i)
{
    fill_base(buf, len);
    buf[len - 1] = (char)('A' + i);
}

static void differ_at_start(char *buf, size_t len, size_t i)
{
    fill_base(buf, len);
    buf[0] = (char)('A' + i);
}

static void differ_in_middle(char *buf, size_t len, size_t i)
{
    fill_base(buf, len);
    buf[len / 2] = (char)('A' + i);
}

static void test_faststr_small_maps(void **state)
{
    (void)state;
    static const size_t lens[] = { 1, 2, 4, 7, 8, 15, 16, 31, 32, 33, 40, 64, 72 };
    void (*makers[])(char *, size_t, size_t) = { differ_at_end, differ_at_start, differ_in_middle };
    for (size_t m = 0; m < 3; m++)
        for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
            for (size_t n = 1; n <= 8; n++)
                small_map_case(makers[m], lens[l], n);
}

/* Keys of different lengths in one small map, the empty string among them, and a
 * lookup through the very pointer of a stored key but a shorter length. */
static void test_faststr_mixed_lengths(void **state)
{
    (void)state;
    const rtmap_maptype *t = str_map();
    static const char text[] = "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP";
    static const size_t lens[] = { 0, 1, 3, 8, 31, 32, 47, 60 };
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (size_t i = 0; i < 8; i++) {
        rtmap_string s = { text, lens[i] };
        *(uint64_t *)rtmap_mapassign_faststr(t, h, s) = 100 + i;
    }
    assert_int_equal(rtmap_maplen(h), 8);
    RT_VERIFY(t, h);
    for (size_t len = 0; len <= 60; len++) {
        rtmap_string s = { text, len };
        uint64_t want = 0;
        for (size_t i = 0; i < 8; i++)
            if (lens[i] == len)
                want = 100 + i;
        bool ok;
        assert_int_equal(*(uint64_t *)rtmap_mapaccess2_faststr(t, h, s, &ok), want);
        assert_int_equal(ok, want != 0);
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &s), want);
    }
    rtmap_string null_empty = { NULL, 0 };
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1_faststr(t, h, null_empty), 100);
    /* assigning an equal key from another buffer keeps one entry */
    char copy[64];
    memcpy(copy, text, 60);
    *(uint64_t *)rtmap_mapassign_faststr(t, h, (rtmap_string){ copy, 60 }) = 7;
    assert_int_equal(rtmap_maplen(h), 8);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1_faststr(t, h, (rtmap_string){ text, 60 }), 7);
    RT_VERIFY(t, h);
    rtmap_mapfree(t, h);
}

/* faststr assign of an equal key from another buffer replaces the stored header,
 * in a small map and after growth. */
static void test_faststr_key_update(void **state)
{
    (void)state;
    const rtmap_maptype *t = str_map();
    static char copies[2000][72];
    for (size_t n = 1; n <= 2000; n *= 5) {
        rtmap_hmap *h = rtmap_makemap(t, 0);
        for (size_t i = 0; i < n; i++)
            *(uint64_t *)rtmap_mapassign_faststr(t, h, mt_string_of(i)) = i;
        for (size_t i = 0; i < n; i += 2) {
            rtmap_string s = mt_string_of(i);
            memcpy(copies[i], s.ptr, s.len);
            *(uint64_t *)rtmap_mapassign_faststr(t, h, (rtmap_string){ copies[i], s.len }) += 10000;
        }
        assert_int_equal(rtmap_maplen(h), (intptr_t)n);
        RT_VERIFY(t, h);
        size_t count = 0;
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
            const rtmap_string *k = it.key;
            uint64_t v = *(uint64_t *)it.elem;
            size_t i = v % 10000;
            assert_int_equal(v >= 10000, i % 2 == 0);
            assert_ptr_equal(k->ptr, i % 2 == 0 ? copies[i] : mt_string_of(i).ptr);
            count++;
        }
        assert_int_equal(count, n);
        rtmap_mapfree(t, h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_paths_32),
        cmocka_unit_test(test_mixed_paths_64),
        cmocka_unit_test(test_mixed_paths_str),
        cmocka_unit_test(test_fast64ptr_pointer_keys),
        cmocka_unit_test(test_faststr_small_maps),
        cmocka_unit_test(test_faststr_mixed_lengths),
        cmocka_unit_test(test_faststr_key_update),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
