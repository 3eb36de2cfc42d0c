/* assign, access1, access2 and delete against a reference model, for random
 * sequences of operations that grow maps of each builtin key kind up to a few
 * thousand entries and shrink them again, crossing many growth steps. Also the
 * plain rules: a missing key reads as the zero value, deleting one does nothing,
 * assigning an existing key overwrites its value. */
#include "map_test.h"

#define UNIVERSE 8000
#define VERIFY_EVERY 97

static mt_model model;

/* A random key that is (or, with want false, is not) in the model, if any. */
static size_t pick(uint64_t *rng, bool want)
{
    size_t i = (size_t)(rt_splitmix64(rng) % UNIVERSE);
    for (size_t n = 0; n < UNIVERSE && model.present[i] != want; n++)
        i = (i + 1) % UNIVERSE;
    return i;
}

static void one_op(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, uint64_t *rng,
                   bool growing)
{
    unsigned r = (unsigned)(rt_splitmix64(rng) % 100);
    unsigned assign_pct = growing ? 65 : 20, delete_pct = growing ? 20 : 65;
    size_t i = (size_t)(rt_splitmix64(rng) % UNIVERSE);
    if (r < assign_pct) {
        /* mostly a new key, so that growing makes progress; sometimes a random
           one, which may overwrite */
        if (r % 4 != 0)
            i = pick(rng, false);
        mt_key k = mt_key_of(kind, i);
        uint64_t v = rt_splitmix64(rng) | 1;
        uint64_t *slot = rtmap_mapassign(t, h, &k);
        assert_non_null(slot);
        *slot = v;
        mt_model_set(&model, i, v);
    } else if (r < assign_pct + delete_pct) {
        /* mostly delete a present key, so that shrinking makes progress; sometimes
           a random one, which is often missing */
        if (r % 4 != 0)
            i = pick(rng, true);
        mt_key k = mt_key_of(kind, i);
        rtmap_mapdelete(t, h, &k);
        mt_model_del(&model, i);
    } else {
        mt_key k = mt_key_of(kind, i);
        bool ok = !model.present[i];
        uint64_t *v = rtmap_mapaccess2(t, h, &k, &ok);
        assert_int_equal(ok, model.present[i]);
        assert_int_equal(*v, model.value[i]);
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &k), model.value[i]);
    }
    assert_int_equal(rtmap_maplen(h), model.len);
}

static void random_ops(mt_kind kind, uint64_t seed)
{
    const rtmap_maptype *t = rt_map_of(mt_key_type(kind), &rtmap_type_uint64);
    static const intptr_t targets[] = { 5000, 40, 2600, 0, 4500, 7, 1300, 9, 0 };
    mt_model_reset(&model);
    uint64_t rng = seed;
    rtmap_hmap *h = rtmap_makemap(t, 0);
    assert_non_null(h);
    long step = 0;
    for (size_t phase = 0; phase < sizeof targets / sizeof targets[0]; phase++) {
        intptr_t target = targets[phase];
        bool growing = model.len < target;
        while (growing ? model.len < target : model.len > target) {
            one_op(t, h, kind, &rng, growing);
            if (++step % VERIFY_EVERY == 0)
                RT_VERIFY(t, h);
        }
        /* churn at this size: the mix keeps it about level */
        for (int n = 0; n < 400; n++) {
            one_op(t, h, kind, &rng, model.len < target);
            if (++step % VERIFY_EVERY == 0)
                RT_VERIFY(t, h);
        }
        RT_VERIFY(t, h);
        mt_check_model(t, h, kind, &model, UNIVERSE);
    }
    rtmap_mapfree(t, h);
}

static void test_random_ops_uint32(void **state)  { (void)state; random_ops(MT_U32, 1); }
static void test_random_ops_uint64(void **state)  { (void)state; random_ops(MT_U64, 2); }
static void test_random_ops_string(void **state)  { (void)state; random_ops(MT_STR, 3); }
static void test_random_ops_float64(void **state) { (void)state; random_ops(MT_F64, 4); }

/* Inserting every key in order and deleting every key in order, one map per
 * kind, checking the whole map at a few sizes including every power of two
 * (where growth happens in both builds). */
static void test_fill_and_drain(void **state)
{
    (void)state;
    for (int kind = 0; kind < MT_KIND_COUNT; kind++) {
        const rtmap_maptype *t = rt_map_of(mt_key_type((mt_kind)kind), &rtmap_type_uint64);
        mt_model_reset(&model);
        rtmap_hmap *h = rtmap_makemap_small(t);
        for (size_t i = 0; i < 3000; i++) {
            mt_key k = mt_key_of((mt_kind)kind, i);
            *(uint64_t *)rtmap_mapassign(t, h, &k) = i + 100;
            mt_model_set(&model, i, i + 100);
            assert_int_equal(rtmap_maplen(h), (intptr_t)i + 1);
            if ((i & (i + 1)) == 0 || i % 500 == 0) {
                RT_VERIFY(t, h);
                mt_check_model(t, h, (mt_kind)kind, &model, 3100);
            }
        }
        for (size_t i = 0; i < 3000; i++) {
            mt_key k = mt_key_of((mt_kind)kind, i);
            rtmap_mapdelete(t, h, &k);
            mt_model_del(&model, i);
            assert_int_equal(rtmap_maplen(h), 3000 - (intptr_t)i - 1);
            if (i % 499 == 0)
                RT_VERIFY(t, h);
        }
        RT_VERIFY(t, h);
        mt_check_model(t, h, (mt_kind)kind, &model, 3100);
        rtmap_mapfree(t, h);
    }
}

static void test_missing_keys_read_zero(void **state)
{
    (void)state;
    for (int kind = 0; kind < MT_KIND_COUNT; kind++) {
        const rtmap_maptype *t = rt_map_of(mt_key_type((mt_kind)kind), &rtmap_type_uint64);
        rtmap_hmap *h = rtmap_makemap(t, 0);
        for (size_t size = 0; size <= 200; size += 50) {
            for (size_t i = 0; i < size; i++) {
                mt_key k = mt_key_of((mt_kind)kind, i);
                *(uint64_t *)rtmap_mapassign(t, h, &k) = 7;
            }
            for (size_t i = 1000; i < 1100; i++) {
                mt_key k = mt_key_of((mt_kind)kind, i);
                bool ok = true;
                const uint64_t *v1 = rtmap_mapaccess1(t, h, &k);
                const uint64_t *v2 = rtmap_mapaccess2(t, h, &k, &ok);
                assert_non_null(v1);
                assert_non_null(v2);
                assert_int_equal(*v1, 0);
                assert_int_equal(*v2, 0);
                assert_false(ok);
                rtmap_mapdelete(t, h, &k);        /* missing: no change */
                assert_int_equal(rtmap_maplen(h), (intptr_t)size);
            }
            RT_VERIFY(t, h);
            for (size_t i = 0; i < size; i++) {
                mt_key k = mt_key_of((mt_kind)kind, i);
                assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &k), 7);
            }
        }
        rtmap_mapfree(t, h);
    }
}

static void test_assign_existing_overwrites(void **state)
{
    (void)state;
    for (int kind = 0; kind < MT_KIND_COUNT; kind++) {
        const rtmap_maptype *t = rt_map_of(mt_key_type((mt_kind)kind), &rtmap_type_uint64);
        rtmap_hmap *h = rtmap_makemap(t, 0);
        for (uint64_t round = 1; round <= 3; round++) {
            for (size_t i = 0; i < 700; i++) {
                mt_key k = mt_key_of((mt_kind)kind, i);
                uint64_t *slot = rtmap_mapassign(t, h, &k);
                /* the slot of an existing key holds its current value */
                assert_int_equal(*slot, round == 1 ? 0 : (round - 1) * 1000 + i);
                *slot = round * 1000 + i;
            }
            assert_int_equal(rtmap_maplen(h), 700);
            RT_VERIFY(t, h);
        }
        for (size_t i = 0; i < 700; i++) {
            mt_key k = mt_key_of((mt_kind)kind, i);
            assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &k), 3000 + i);
        }
        rtmap_mapfree(t, h);
    }
}

/* Elems larger than the shared zero value need the _fat entry points, which
 * return the caller's zero for a missing key. */
static void test_fat_access(void **state)
{
    (void)state;
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 2000, &big), RTMAP_OK);
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, big);
    static const uint8_t zero[2000];
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (uint64_t i = 0; i < 300; i++) {
        uint8_t *slot = rtmap_mapassign(t, h, &i);
        memset(slot, (int)(i & 0xff), 2000);
        slot[1999] = 0xee;
    }
    RT_VERIFY(t, h);
    for (uint64_t i = 0; i < 400; i++) {
        bool ok = false;
        const uint8_t *v1 = rtmap_mapaccess1_fat(t, h, &i, zero);
        const uint8_t *v2 = rtmap_mapaccess2_fat(t, h, &i, zero, &ok);
        if (i < 300) {
            assert_true(ok);
            assert_ptr_equal(v1, v2);
            assert_int_equal(v1[0], i & 0xff);
            assert_int_equal(v1[1998], i & 0xff);
            assert_int_equal(v1[1999], 0xee);
        } else {
            assert_false(ok);
            assert_ptr_equal(v1, zero);
            assert_ptr_equal(v2, zero);
        }
    }
    rtmap_mapfree(t, h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_ops_uint32),
        cmocka_unit_test(test_random_ops_uint64),
        cmocka_unit_test(test_random_ops_string),
        cmocka_unit_test(test_random_ops_float64),
        cmocka_unit_test(test_fill_and_drain),
        cmocka_unit_test(test_missing_keys_read_zero),
        cmocka_unit_test(test_assign_existing_overwrites),
        cmocka_unit_test(test_fat_access),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
