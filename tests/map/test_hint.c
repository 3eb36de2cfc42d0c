/* makemap hints: a hint sizes the map (filling a presized map to its hint needs
 * fewer allocations than filling an unsized one), any hint works, and hints that
 * are negative or too large to honour are ignored as Go ignores them. */
#include "map_test.h"

#include <limits.h>

static mt_model model;

static void fill_and_check(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, size_t n)
{
    assert_true(n <= MT_UNIVERSE);
    mt_model_reset(&model);
    for (size_t i = 0; i < n; i++) {
        mt_key k = mt_key_of(kind, i);
        *(uint64_t *)rtmap_mapassign(t, h, &k) = i + 1;
        mt_model_set(&model, i, i + 1);
        if (i % 512 == 0)
            RT_VERIFY(t, h);
    }
    RT_VERIFY(t, h);
    mt_check_model(t, h, kind, &model, n + 16 < MT_UNIVERSE ? n + 16 : MT_UNIVERSE);
}

static void test_presized_then_filled(void **state)
{
    (void)state;
    static const intptr_t hints[] = { 0, 1, 7, 8, 9, 13, 14, 63, 64, 65, 100, 1000, 5000 };
    for (int kind = 0; kind < MT_KIND_COUNT; kind++) {
        const rtmap_maptype *t = rt_map_of(mt_key_type((mt_kind)kind), &rtmap_type_uint64);
        for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
            intptr_t hint = hints[i];
            rtmap_hmap *h = rtmap_makemap(t, hint);
            assert_non_null(h);
            assert_int_equal(rtmap_maplen(h), 0);
            RT_VERIFY(t, h);
            fill_and_check(t, h, (mt_kind)kind, (size_t)hint);
            /* and past the hint */
            fill_and_check(t, h, (mt_kind)kind, (size_t)hint + (size_t)hint / 2 + 3);
            rtmap_mapfree(t, h);
        }
    }
}

static void test_ignored_hints(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 1000, &big), RTMAP_OK);
    const rtmap_maptype *tb = rt_map_of(&rtmap_type_uint64, big);
    static const intptr_t hints[] = { -1, -8, -1000, INTPTR_MIN, INTPTR_MAX, INTPTR_MAX / 2 };
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
        rtmap_hmap *h = rtmap_makemap(t, hints[i]);
        assert_non_null(h);
        fill_and_check(t, h, MT_U64, 100);
        rtmap_mapfree(t, h);
        h = rtmap_makemap(tb, hints[i]);
        assert_non_null(h);
        *(uint8_t *)rtmap_mapassign(tb, h, &(uint64_t){ 3 }) = 4;
        assert_int_equal(rtmap_maplen(h), 1);
        RT_VERIFY(tb, h);
        rtmap_mapfree(tb, h);
    }
    static const int64_t hints64[] = { -1, INT64_MIN, INT64_MAX, INT64_MAX / 3, (int64_t)1 << 62 };
    for (size_t i = 0; i < sizeof hints64 / sizeof hints64[0]; i++) {
        rtmap_hmap *h = rtmap_makemap64(t, hints64[i]);
        assert_non_null(h);
        fill_and_check(t, h, MT_U64, 100);
        rtmap_mapfree(t, h);
    }
    /* makemap64 with a hint that fits honours it like makemap */
    rtmap_hmap *h = rtmap_makemap64(t, 3000);
    fill_and_check(t, h, MT_U64, 3000);
    rtmap_mapfree(t, h);
}

static void test_makemap_small(void **state)
{
    (void)state;
    for (int kind = 0; kind < MT_KIND_COUNT; kind++) {
        const rtmap_maptype *t = rt_map_of(mt_key_type((mt_kind)kind), &rtmap_type_uint64);
        rtmap_hmap *h = rtmap_makemap_small(t);
        assert_non_null(h);
        assert_int_equal(rtmap_maplen(h), 0);
        fill_and_check(t, h, (mt_kind)kind, 8);
        fill_and_check(t, h, (mt_kind)kind, 1000);
        rtmap_mapfree(t, h);
    }
}

/* Allocations made while filling to n, for a map made with hint. */
static long allocations_to_fill(const rtmap_maptype *t, intptr_t hint, size_t n)
{
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_makemap(t, hint);
    long before = rt_alloc.allocs;
    for (uint64_t i = 0; i < n; i++)
        *(uint64_t *)rtmap_mapassign(t, h, &i) = i;
    long during = rt_alloc.allocs - before;
    RT_VERIFY(t, h);
    rtmap_mapfree(t, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    rt_use_heap_allocator();
    return during;
}

static void test_hint_saves_growth(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    static const size_t sizes[] = { 100, 1000, 5000 };
    for (size_t i = 0; i < 3; i++) {
        long unsized = allocations_to_fill(t, 0, sizes[i]);
        long presized = allocations_to_fill(t, (intptr_t)sizes[i], sizes[i]);
        print_message("fill to %zu: %ld allocations unsized, %ld presized\n", sizes[i], unsized, presized);
        assert_true(presized < unsized);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presized_then_filled),
        cmocka_unit_test(test_ignored_hints),
        cmocka_unit_test(test_makemap_small),
        cmocka_unit_test(test_hint_saves_growth),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
