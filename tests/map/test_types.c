/* Key and elem shapes beyond the common ones: zero-size keys and elems, 1- and
 * 2-byte keys (every value), bool, complex and composite float keys (signed
 * zeros keep the last key written, NaN parts never match), keys and elems just
 * below and above the 128-byte indirect threshold, odd elem sizes, and elems
 * that are pointers or maps. */
#include "map_test.h"

static const rtmap_type *array_of(const rtmap_type *elem, size_t n)
{
    const rtmap_type *t = NULL;
    assert_int_equal(rtmap_array_of(elem, n, &t), RTMAP_OK);
    return t;
}

static const rtmap_type *empty_struct(void)
{
    const rtmap_type *t = NULL;
    assert_int_equal(rtmap_struct_of(NULL, 0, &t), RTMAP_OK);
    assert_int_equal(t->size, 0);
    return t;
}

static void test_zero_size_key(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(empty_struct(), &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    char a, b;
    bool ok = true;
    rtmap_mapaccess2(t, h, &a, &ok);
    assert_false(ok);
    *(uint64_t *)rtmap_mapassign(t, h, &a) = 1;
    *(uint64_t *)rtmap_mapassign(t, h, &b) = 2;     /* struct{}{} == struct{}{} */
    assert_int_equal(rtmap_maplen(h), 1);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess2(t, h, &a, &ok), 2);
    assert_true(ok);
    rtmap_hiter it;
    rtmap_mapiterinit(t, h, &it);
    assert_non_null(it.key);                         /* even for a zero-size key */
    assert_int_equal(*(uint64_t *)it.elem, 2);
    rtmap_mapiternext(&it);
    assert_null(it.key);
    RT_VERIFY(t, h);
    rtmap_mapdelete(t, h, &b);
    assert_int_equal(rtmap_maplen(h), 0);
    RT_VERIFY(t, h);
    rtmap_hmap *c = rtmap_mapclone(t, h);
    assert_int_equal(rtmap_maplen(c), 0);
    rtmap_mapfree(t, c);
    rtmap_mapfree(t, h);
}

/* map[uint64]struct{}: a set. */
static void test_zero_size_elem(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, empty_struct());
    static mt_model model;
    mt_model_reset(&model);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    uint64_t rng = 3;
    for (int step = 0; step < 6000; step++) {
        size_t i = (size_t)(rt_splitmix64(&rng) % 2000);
        mt_key k = mt_key_of(MT_U64, i);
        if (rt_splitmix64(&rng) % 3) {
            assert_non_null(rtmap_mapassign(t, h, &k));
            mt_model_set(&model, i, 0);
        } else {
            rtmap_mapdelete(t, h, &k);
            mt_model_del(&model, i);
        }
        assert_int_equal(rtmap_maplen(h), model.len);
        if (step % 500 == 0)
            RT_VERIFY(t, h);
    }
    for (size_t i = 0; i < 2000; i++) {
        mt_key k = mt_key_of(MT_U64, i);
        bool ok;
        assert_non_null(rtmap_mapaccess2(t, h, &k, &ok));
        assert_int_equal(ok, model.present[i]);
        assert_non_null(rtmap_mapaccess1(t, h, &k));
    }
    size_t count = 0;
    rtmap_hiter it;
    for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
        assert_non_null(it.elem);
        count++;
    }
    assert_int_equal(count, (size_t)model.len);
    rtmap_mapfree(t, h);
}

/* Every value of a 1- and 2-byte key type, and bool. */
static void test_small_key_types(void **state)
{
    (void)state;
    const rtmap_maptype *t8 = rt_map_of(&rtmap_type_uint8, &rtmap_type_uint16);
    rtmap_hmap *h = rtmap_makemap(t8, 0);
    for (unsigned v = 0; v < 256; v++)
        *(uint16_t *)rtmap_mapassign(t8, h, &(uint8_t){ (uint8_t)v }) = (uint16_t)(v + 1000);
    assert_int_equal(rtmap_maplen(h), 256);
    RT_VERIFY(t8, h);
    for (unsigned v = 0; v < 256; v += 2)
        rtmap_mapdelete(t8, h, &(uint8_t){ (uint8_t)v });
    for (unsigned v = 0; v < 256; v++) {
        bool ok;
        uint16_t got = *(uint16_t *)rtmap_mapaccess2(t8, h, &(uint8_t){ (uint8_t)v }, &ok);
        assert_int_equal(ok, v % 2 == 1);
        assert_int_equal(got, v % 2 ? v + 1000 : 0);
    }
    RT_VERIFY(t8, h);
    rtmap_mapfree(t8, h);

    const rtmap_maptype *t16 = rt_map_of(&rtmap_type_int16, &rtmap_type_uint8);
    h = rtmap_makemap(t16, 0);
    for (int v = -32768; v < 32768; v++)
        *(uint8_t *)rtmap_mapassign(t16, h, &(int16_t){ (int16_t)v }) = (uint8_t)v;
    assert_int_equal(rtmap_maplen(h), 65536);
    RT_VERIFY(t16, h);
    for (int v = -32768; v < 32768; v += 7)
        assert_int_equal(*(uint8_t *)rtmap_mapaccess1(t16, h, &(int16_t){ (int16_t)v }), (uint8_t)v);
    rtmap_mapfree(t16, h);

    const rtmap_maptype *tb = rt_map_of(&rtmap_type_bool, &rtmap_type_uint64);
    h = rtmap_makemap(tb, 0);
    bool f = false, tr = true;
    *(uint64_t *)rtmap_mapassign(tb, h, &f) = 1;
    *(uint64_t *)rtmap_mapassign(tb, h, &tr) = 2;
    *(uint64_t *)rtmap_mapassign(tb, h, &f) = 3;
    assert_int_equal(rtmap_maplen(h), 2);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1(tb, h, &f), 3);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1(tb, h, &tr), 2);
    rtmap_mapfree(tb, h);
}

/* The only key of a one-entry map. */
static void only_key(const rtmap_maptype *t, rtmap_hmap *h, void *out)
{
    assert_int_equal(rtmap_maplen(h), 1);
    rtmap_hiter it;
    rtmap_mapiterinit(t, h, &it);
    assert_non_null(it.key);
    memcpy(out, it.key, t->key->size);
    rtmap_mapiternext(&it);
    assert_null(it.key);
}

/* complex128, [2]float64 and struct{ int32; float64 } keys: -0.0 and +0.0 in a
 * float part are one key, the stored key is the one written last, and a NaN
 * part makes every insert a new entry. */
static void test_composite_float_keys(void **state)
{
    (void)state;
    const rtmap_type *pair = array_of(&rtmap_type_float64, 2);
    const rtmap_type *st = NULL;
    rtmap_field fields[] = { { "n", &rtmap_type_int32 }, { "x", &rtmap_type_float64 } };
    assert_int_equal(rtmap_struct_of(fields, 2, &st), RTMAP_OK);
    const rtmap_type *kinds[] = { &rtmap_type_complex128, pair, st };
    for (int ki = 0; ki < 3; ki++) {
        const rtmap_type *kt = kinds[ki];
        const rtmap_maptype *t = rt_map_of(kt, &rtmap_type_uint64);
        assert_true(t->flags & RTMAP_NEED_KEY_UPDATE);
        assert_false(t->flags & RTMAP_REFLEXIVE_KEY);
        /* the float part the test varies, and another part set to 1 */
        size_t zero_at = ki == 2 ? st->fields[1].offset : 0;
        size_t other_at = ki == 2 ? st->fields[0].offset : 8;
        for (size_t fill = 0; fill <= 600; fill += 300) {
            rtmap_hmap *h = rtmap_makemap(t, 0);
            uint8_t key[16], stored[16];
            for (size_t i = 0; i < fill; i++) {
                memset(key, 0, sizeof key);
                double x = (double)i + 1;
                memcpy(key + zero_at, &x, 8);
                *(uint64_t *)rtmap_mapassign(t, h, key) = i;
            }
            memset(key, 0, sizeof key);
            if (ki == 2)
                memcpy(key + other_at, &(int32_t){ 1 }, 4);
            else
                memcpy(key + other_at, &(double){ 1.0 }, 8);
            memcpy(key + zero_at, &(double){ -0.0 }, 8);
            *(uint64_t *)rtmap_mapassign(t, h, key) = 10;
            memcpy(key + zero_at, &(double){ 0.0 }, 8);
            *(uint64_t *)rtmap_mapassign(t, h, key) = 20;
            assert_int_equal(rtmap_maplen(h), (intptr_t)fill + 1);
            for (size_t i = 0; i < fill; i++) {
                uint8_t k[16] = { 0 };
                double x = (double)i + 1;
                memcpy(k + zero_at, &x, 8);
                rtmap_mapdelete(t, h, k);
            }
            only_key(t, h, stored);
            double z;
            memcpy(&z, stored + zero_at, 8);
            assert_true(z == 0.0 && !signbit(z));
            memcpy(key + zero_at, &(double){ -0.0 }, 8);
            assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, key), 20);
            *(uint64_t *)rtmap_mapassign(t, h, key) = 30;
            only_key(t, h, stored);
            memcpy(&z, stored + zero_at, 8);
            assert_true(z == 0.0 && signbit(z));

            /* a NaN part: never found, each insert new */
            memcpy(key + zero_at, &(double){ NAN }, 8);
            for (int j = 0; j < 3; j++)
                *(uint64_t *)rtmap_mapassign(t, h, key) = 40;
            assert_int_equal(rtmap_maplen(h), 4);
            bool ok = true;
            rtmap_mapaccess2(t, h, key, &ok);
            assert_false(ok);
            RT_VERIFY(t, h);
            rtmap_mapclear(t, h);
            assert_int_equal(rtmap_maplen(h), 0);
            rtmap_mapfree(t, h);
        }
    }
}

/* struct{ uint8; string } and [2]string keys: string parts compare by bytes,
 * padding is ignored, and the stored key is the one written last (its headers). */
static void test_keys_with_string_parts(void **state)
{
    (void)state;
    const rtmap_type *st = NULL;
    rtmap_field fields[] = { { "tag", &rtmap_type_uint8 }, { "name", &rtmap_type_string } };
    assert_int_equal(rtmap_struct_of(fields, 2, &st), RTMAP_OK);
    const rtmap_type *pair = array_of(&rtmap_type_string, 2);
    const rtmap_type *kinds[] = { st, pair };
    static char buf_a[600][72], buf_b[600][72];
    for (int ki = 0; ki < 2; ki++) {
        const rtmap_maptype *t = rt_map_of(kinds[ki], &rtmap_type_uint64);
        assert_true(t->flags & RTMAP_NEED_KEY_UPDATE);
        size_t str_at = ki == 0 ? st->fields[1].offset : sizeof(rtmap_string);
        rtmap_hmap *h = rtmap_makemap(t, 0);
        uint8_t key[32];
        for (int pass = 0; pass < 2; pass++) {
            for (size_t i = 0; i < 600; i++) {
                rtmap_string s = mt_string_of(i);
                char *buf = pass ? buf_b[i] : buf_a[i];
                memcpy(buf, s.ptr, s.len);
                s.ptr = buf;
                memset(key, pass ? 0x99 : 0x11, sizeof key);     /* padding differs */
                if (ki == 0)
                    key[0] = (uint8_t)(i % 5);
                else
                    memcpy(key, &(rtmap_string){ "same", 4 }, sizeof(rtmap_string));
                memcpy(key + str_at, &s, sizeof s);
                *(uint64_t *)rtmap_mapassign(t, h, key) = i + (uint64_t)pass * 1000;
            }
            assert_int_equal(rtmap_maplen(h), 600);
            RT_VERIFY(t, h);
        }
        size_t count = 0;
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
            uint64_t v = *(uint64_t *)it.elem;
            assert_true(v >= 1000 && v < 1600);
            rtmap_string s;
            memcpy(&s, (const uint8_t *)it.key + str_at, sizeof s);
            assert_ptr_equal(s.ptr, buf_b[v - 1000]);
            count++;
        }
        assert_int_equal(count, 600);
        rtmap_mapfree(t, h);
    }
}

/* Sizes around the indirect threshold, and odd ones: random operations against
 * the model, elems filled whole so that a short copy is seen. */
static void shape_case(size_t key_size, size_t elem_size)
{
    const rtmap_maptype *t = rt_map_of(array_of(&rtmap_type_uint8, key_size),
                                       array_of(&rtmap_type_uint8, elem_size));
    assert_int_equal((t->flags & RTMAP_INDIRECT_KEY) != 0, key_size > RTMAP_MAX_KEY_BYTES);
    assert_int_equal((t->flags & RTMAP_INDIRECT_ELEM) != 0, elem_size > RTMAP_MAX_ELEM_BYTES);
    static mt_model model;
    mt_model_reset(&model);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    uint8_t key[200], want[200];
    uint64_t rng = key_size * 1000 + elem_size;
    const size_t universe = 600;
    for (int step = 0; step < 2500; step++) {
        size_t i = (size_t)(rt_splitmix64(&rng) % universe);
        /* key bytes: index in the last two bytes (or the only one), a pattern before */
        memset(key, 0xc3, key_size);
        key[key_size - 1] = (uint8_t)i;
        if (key_size > 1)
            key[key_size - 2] = (uint8_t)(i >> 8);
        else
            i &= 0xff;
        if (rt_splitmix64(&rng) % 3) {
            uint8_t v = (uint8_t)(rt_splitmix64(&rng) | 1);
            uint8_t *slot = rtmap_mapassign(t, h, key);
            memset(slot, v, elem_size);
            mt_model_set(&model, i, v);
        } else {
            rtmap_mapdelete(t, h, key);
            mt_model_del(&model, i);
        }
        assert_int_equal(rtmap_maplen(h), model.len);
        if (step % 500 == 0)
            RT_VERIFY(t, h);
    }
    RT_VERIFY(t, h);
    for (size_t i = 0; i < universe; i++) {
        if (key_size == 1 && i > 0xff)
            break;
        memset(key, 0xc3, key_size);
        key[key_size - 1] = (uint8_t)i;
        if (key_size > 1)
            key[key_size - 2] = (uint8_t)(i >> 8);
        bool ok;
        const uint8_t *v = rtmap_mapaccess2(t, h, key, &ok);
        assert_int_equal(ok, model.present[i]);
        memset(want, (int)model.value[i], elem_size);
        assert_memory_equal(v, want, elem_size);
    }
    rtmap_mapfree(t, h);
}

static void test_sizes_around_indirect_threshold(void **state)
{
    (void)state;
    static const size_t sizes[][2] = {
        { 127, 128 }, { 128, 128 }, { 129, 129 }, { 128, 129 }, { 129, 128 },
        { 3, 3 }, { 1, 200 }, { 200, 1 }, { 12, 20 }, { 64, 100 },
    };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        shape_case(sizes[s][0], sizes[s][1]);
}

/* A delete zeroes its elem (Go issue 25936): m[k] op= v after delete(m, k) must
 * start from the zero value, and an insert does not clear the slot it takes. Each
 * key is inserted with every elem byte set, deleted and assigned again at once,
 * so that the insert reuses the slot the delete freed; the elem it returns must
 * read zero. Elem sizes cover the delete's plain-store cases (4, 8, 16 bytes),
 * the general clear, and an indirect elem; maps of one group and of tables; the
 * generic and the 64-bit fast paths. */
static void reassign_after_delete(size_t elem_size, intptr_t hint, size_t keys, bool fast)
{
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, array_of(&rtmap_type_uint8, elem_size));
    rtmap_hmap *h = rtmap_makemap(t, hint);
    uint8_t zero[200] = { 0 };
    for (uint64_t k = 0; k < keys; k++) {
        uint8_t *e = fast ? rtmap_mapassign_fast64(t, h, k) : rtmap_mapassign(t, h, &k);
        memset(e, 0xa5, elem_size);
    }
    for (uint64_t k = 0; k < keys; k++) {
        if (fast)
            rtmap_mapdelete_fast64(t, h, k);
        else
            rtmap_mapdelete(t, h, &k);
        uint8_t *e = fast ? rtmap_mapassign_fast64(t, h, k) : rtmap_mapassign(t, h, &k);
        assert_memory_equal(e, zero, elem_size);
        memset(e, 0x5a, elem_size);
    }
    RT_VERIFY(t, h);
    assert_int_equal(rtmap_maplen(h), (intptr_t)keys);
    rtmap_mapfree(t, h);
}

static void test_reassign_after_delete_reads_zero(void **state)
{
    (void)state;
    static const size_t elem_sizes[] = { 1, 4, 8, 12, 16, 24, 40, 128, 200 };
    for (size_t s = 0; s < sizeof elem_sizes / sizeof elem_sizes[0]; s++)
        for (int fast = 0; fast < 2; fast++) {
            if (fast && elem_sizes[s] > RTMAP_MAX_ELEM_BYTES)
                continue;   /* the fast paths take direct elems only */
            reassign_after_delete(elem_sizes[s], 0, 5, fast);        /* one group */
            reassign_after_delete(elem_sizes[s], 4096, 3000, fast);  /* tables */
        }
}

/* Elems that are pointers, `any` values and maps (stored as their hmap pointer). */
static void test_pointer_and_map_elems(void **state)
{
    (void)state;
    const rtmap_maptype *inner = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    const rtmap_maptype *outer = rt_map_of(&rtmap_type_string, &inner->type);
    assert_int_equal(outer->elem->size, sizeof(void *));
    rtmap_hmap *h = rtmap_makemap(outer, 0);
    for (size_t i = 0; i < 50; i++) {
        rtmap_string s = mt_string_of(i);
        rtmap_hmap **slot = rtmap_mapassign(outer, h, &s);
        assert_null(*slot);                     /* a new elem starts as a nil map */
        *slot = rtmap_makemap(inner, 0);
        for (uint64_t j = 0; j < i; j++)
            *(uint64_t *)rtmap_mapassign(inner, *slot, &j) = j;
    }
    RT_VERIFY(outer, h);
    rtmap_hiter it;
    size_t count = 0;
    for (rtmap_mapiterinit(outer, h, &it); it.key; rtmap_mapiternext(&it)) {
        rtmap_hmap *m = *(rtmap_hmap **)it.elem;
        const rtmap_string *k = it.key;
        size_t i = 0;
        while (mt_string_of(i).ptr != k->ptr)
            i++;
        assert_int_equal(rtmap_maplen(m), (intptr_t)i);
        RT_VERIFY(inner, m);
        rtmap_mapfree(inner, m);
        count++;
    }
    assert_int_equal(count, 50);
    rtmap_mapfree(outer, h);

    const rtmap_maptype *ta = rt_map_of(&rtmap_type_uint64, &rtmap_type_any);
    h = rtmap_makemap(ta, 0);
    static uint64_t values[300];
    for (uint64_t i = 0; i < 300; i++) {
        values[i] = i * i;
        rtmap_eface *slot = rtmap_mapassign(ta, h, &i);
        slot->type = &rtmap_type_uint64;
        slot->data = &values[i];
    }
    for (uint64_t i = 0; i < 300; i++) {
        const rtmap_eface *e = rtmap_mapaccess1(ta, h, &i);
        assert_ptr_equal(e->type, &rtmap_type_uint64);
        assert_int_equal(*(const uint64_t *)e->data, i * i);
    }
    uint64_t missing = 1000;
    const rtmap_eface *z = rtmap_mapaccess1(ta, h, &missing);
    assert_null(z->type);
    assert_null(z->data);
    rtmap_mapfree(ta, h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_size_key),
        cmocka_unit_test(test_zero_size_elem),
        cmocka_unit_test(test_small_key_types),
        cmocka_unit_test(test_composite_float_keys),
        cmocka_unit_test(test_keys_with_string_parts),
        cmocka_unit_test(test_sizes_around_indirect_threshold),
        cmocka_unit_test(test_pointer_and_map_elems),
        cmocka_unit_test(test_reassign_after_delete_reads_zero),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
