/* mapclear: the map is empty afterwards (length, lookups, iteration) whatever
 * state it was in (small, large, emptied by deletes, in the middle of growth,
 * holding indirect keys and elems), and it is fully usable again: refilled maps
 * match the reference model. */
#include "map_test.h"

static mt_model model;

static void expect_empty(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, size_t universe)
{
    RT_VERIFY(t, h);
    assert_int_equal(rtmap_maplen(h), 0);
    rtmap_hiter it;
    rtmap_mapiterinit(t, h, &it);
    assert_null(it.key);
    mt_model_reset(&model);
    mt_check_model(t, h, kind, &model, universe);
}

static void fill(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        mt_key k = mt_key_of(kind, i);
        *(uint64_t *)rtmap_mapassign(t, h, &k) = i * 3 + 1;
        mt_model_set(&model, i, i * 3 + 1);
    }
}

/* Every size up to 300 (small maps, each growth step and any growth left in
 * progress by the last insert), then a few large ones: clear, then refill with
 * other keys and check. */
static void test_clear_each_size(void **state)
{
    (void)state;
    for (int kind = 0; kind < MT_KIND_COUNT; kind++) {
        const rtmap_maptype *t = rt_map_of(mt_key_type((mt_kind)kind), &rtmap_type_uint64);
        for (size_t n = 0; n <= 300 + 3; n++) {
            size_t size = n <= 300 ? n : n == 301 ? 1000 : n == 302 ? 2048 : 5000;
            rtmap_hmap *h = rtmap_makemap(t, 0);
            mt_model_reset(&model);
            fill(t, h, (mt_kind)kind, 0, size);
            rtmap_mapclear(t, h);
            expect_empty(t, h, (mt_kind)kind, size < 400 ? size + 10 : 400);
            /* usable again, through growth */
            fill(t, h, (mt_kind)kind, 1000, 1000 + size / 2 + 20);
            RT_VERIFY(t, h);
            if (n % 17 == 0 || n > 300)
                mt_check_model(t, h, (mt_kind)kind, &model, 1000 + size / 2 + 40);
            else
                assert_int_equal(rtmap_maplen(h), model.len);
            rtmap_mapfree(t, h);
        }
    }
}

static void test_clear_after_deletes_and_repeatedly(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_string, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    uint64_t rng = 99;
    for (int round = 0; round < 40; round++) {
        mt_model_reset(&model);
        size_t n = (size_t)(rt_splitmix64(&rng) % 3000);
        fill(t, h, MT_STR, 0, n);
        /* delete most of it first on some rounds: tombstones or emptied buckets */
        if (round % 2)
            for (size_t i = 0; i < n; i += 1 + round % 3) {
                mt_key k = mt_key_of(MT_STR, i);
                rtmap_mapdelete(t, h, &k);
            }
        rtmap_mapclear(t, h);
        rtmap_mapclear(t, h);                /* clearing an empty map is fine */
        expect_empty(t, h, MT_STR, 200);
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1_faststr(t, h, mt_string_of(1)), 0);
    }
    mt_model_reset(&model);
    fill(t, h, MT_STR, 0, 4000);
    mt_check_model(t, h, MT_STR, &model, 4100);
    rtmap_mapfree(t, h);
}

/* Indirect keys and elems: clear releases or reuses their storage; afterwards
 * the map refills correctly and nothing leaks at free. */
static void test_clear_indirect(void **state)
{
    (void)state;
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 160, &big), RTMAP_OK);
    const rtmap_maptype *t = rt_map_of(big, big);
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_makemap(t, 0);
    uint8_t key[160] = { 0 };
    for (int round = 0; round < 3; round++) {
        for (uint64_t i = 0; i < 700; i++) {
            memcpy(key + 152, &i, 8);
            uint8_t *slot = rtmap_mapassign(t, h, key);
            memset(slot, (int)(round + 1), 160);
        }
        assert_int_equal(rtmap_maplen(h), 700);
        rtmap_mapclear(t, h);
        RT_VERIFY(t, h);
        assert_int_equal(rtmap_maplen(h), 0);
        for (uint64_t i = 0; i < 700; i += 50) {
            memcpy(key + 152, &i, 8);
            bool ok = true;
            const uint8_t *v = rtmap_mapaccess2(t, h, key, &ok);
            assert_false(ok);
            assert_int_equal(v[0], 0);
        }
    }
    rtmap_mapfree(t, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clear_each_size),
        cmocka_unit_test(test_clear_after_deletes_and_repeatedly),
        cmocka_unit_test(test_clear_indirect),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
