/* Memory release: mapfree returns every block the map allocated, whatever it
 * went through (growth, deletes, clear, indirect keys and elems, iterators that
 * finished, were stopped with mapiterstop, or were abandoned while memory was
 * retired). Memory a map stops using while an iterator is live is kept until no
 * iterator is live and then given back at the next write. */
#include "map_test.h"

#define BIG 180

static void expect_all_freed(void)
{
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_int_equal(rt_alloc.live_bytes, 0);
    assert_false(rt_alloc.bad_free);
}

static void big_key(uint8_t *k, uint64_t i)
{
    memset(k, 0x5a, BIG);
    memcpy(k, &i, sizeof i);
}

static void test_free_after_each_kind_of_use(void **state)
{
    (void)state;
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, BIG, &big), RTMAP_OK);
    const rtmap_maptype *tb = rt_map_of(big, big);
    const rtmap_maptype *ts = rt_map_of(&rtmap_type_string, &rtmap_type_uint64);
    uint8_t key[BIG];
    for (int scenario = 0; scenario < 5; scenario++) {
        rt_use_test_allocator();
        rtmap_hmap *h = rtmap_makemap(tb, scenario == 1 ? 3000 : 0);
        rtmap_hmap *s = rtmap_makemap(ts, 0);
        for (uint64_t i = 0; i < 1500; i++) {
            big_key(key, i);
            memset(rtmap_mapassign(tb, h, key), 1, BIG);
            rtmap_string str = mt_string_of((size_t)i);
            *(uint64_t *)rtmap_mapassign_faststr(ts, s, str) = i;
        }
        assert_true(rt_alloc.live_blocks > 3000);     /* indirect keys and elems are blocks */
        switch (scenario) {
        case 2:                                       /* deleted down to a few */
            for (uint64_t i = 0; i < 1490; i++) {
                big_key(key, i);
                rtmap_mapdelete(tb, h, key);
                rtmap_mapdelete_faststr(ts, s, mt_string_of((size_t)i));
            }
            break;
        case 3:                                       /* cleared, refilled a little */
            rtmap_mapclear(tb, h);
            rtmap_mapclear(ts, s);
            for (uint64_t i = 0; i < 20; i++) {
                big_key(key, i);
                memset(rtmap_mapassign(tb, h, key), 2, BIG);
            }
            break;
        case 4: {                                     /* cloned; the clone freed first */
            rtmap_hmap *c = rtmap_mapclone(tb, h);
            rtmap_hmap *cs = rtmap_mapclone(ts, s);
            RT_VERIFY(tb, c);
            rtmap_mapfree(tb, c);
            rtmap_mapfree(ts, cs);
            break;
        }
        default:
            break;
        }
        RT_VERIFY(tb, h);
        RT_VERIFY(ts, s);
        rtmap_mapfree(tb, h);
        rtmap_mapfree(ts, s);
        expect_all_freed();
        rt_use_heap_allocator();
    }
}

/* Grows a map of n entries to n + extra while an iterator is live, so that
 * storage is retired under it. */
static void grow_under(const rtmap_maptype *t, rtmap_hmap *h, uint64_t n, uint64_t extra, rtmap_hiter *it)
{
    rtmap_mapiterinit(t, h, it);
    assert_non_null(it->key);
    for (uint64_t i = n; i < n + extra; i++) {
        *(uint64_t *)rtmap_mapassign(t, h, &i) = i;
        if (i % 64 == 0)
            RT_VERIFY(t, h);
    }
}

static rtmap_hmap *filled(const rtmap_maptype *t, uint64_t n)
{
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (uint64_t i = 0; i < n; i++)
        *(uint64_t *)rtmap_mapassign(t, h, &i) = i;
    return h;
}

static void test_stopped_iterator_releases_retired(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    for (int how = 0; how < 3; how++) {       /* stopped, run to its end, abandoned */
        rt_use_test_allocator();
        rtmap_hmap *h = filled(t, 100);
        rtmap_hiter it;
        grow_under(t, h, 100, 5000, &it);
        size_t held = rt_alloc.live_bytes;
        if (how == 0) {
            for (int i = 0; i < 10 && it.key; i++)
                rtmap_mapiternext(&it);
            rtmap_mapiterstop(&it);
        } else if (how == 1) {
            size_t produced = 0;
            for (; it.key; rtmap_mapiternext(&it))
                produced++;
            assert_true(produced >= 100);
        }
        /* one more write: with no live iterator, retired storage goes back */
        uint64_t k = 1u << 20;
        *(uint64_t *)rtmap_mapassign(t, h, &k) = 1;
        if (how < 2)
            assert_true(rt_alloc.live_bytes < held);
        RT_VERIFY(t, h);
        /* the map goes on working, and a new iterator sees every entry */
        size_t count = 0;
        rtmap_hiter it2;
        for (rtmap_mapiterinit(t, h, &it2); it2.key; rtmap_mapiternext(&it2))
            count++;
        assert_int_equal(count, 5101);
        rtmap_mapfree(t, h);
        expect_all_freed();
        rt_use_heap_allocator();
    }
}

/* mapiterstop on an iterator that already ended, twice on one iterator, or on
 * one of a nil map changes nothing: a later iterator still keeps the storage it
 * reads alive while the map grows under it (a miscount would free it early,
 * which the sanitizer build reports), that storage is given back once no
 * iterator is live, and every block is returned at the end. */
static void test_stop_is_idempotent(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    rt_use_test_allocator();
    rtmap_hmap *h = filled(t, 40);
    rtmap_hiter a, b, n;
    rtmap_mapiterinit(t, h, &a);
    while (a.key)
        rtmap_mapiternext(&a);
    rtmap_mapiterstop(&a);                     /* after its end */
    rtmap_mapiterstop(&a);
    rtmap_mapiterinit(t, h, &b);
    rtmap_mapiternext(&b);
    rtmap_mapiterstop(&b);
    rtmap_mapiterstop(&b);                     /* twice */
    rtmap_mapiterinit(t, NULL, &n);
    rtmap_mapiterstop(&n);

    static uint8_t seen[6000];
    memset(seen, 0, sizeof seen);
    rtmap_hiter c;
    uint64_t next = 40;
    for (rtmap_mapiterinit(t, h, &c); c.key; rtmap_mapiternext(&c)) {
        uint64_t k = *(uint64_t *)c.key;
        assert_true(k < 6000);
        assert_int_equal(seen[k]++, 0);
        assert_int_equal(*(uint64_t *)c.elem, k);
        for (int j = 0; j < 20 && next < 6000; j++, next++)
            *(uint64_t *)rtmap_mapassign(t, h, &next) = next;
    }
    for (uint64_t k = 0; k < 40; k++)
        assert_int_equal(seen[k], 1);
    /* no iterator is live now (a miscount the other way would keep storage) */
    size_t held = rt_alloc.live_bytes;
    uint64_t k = 3;
    *(uint64_t *)rtmap_mapassign(t, h, &k) = 3;
    assert_true(rt_alloc.live_bytes < held);
    RT_VERIFY(t, h);
    rtmap_mapfree(t, h);
    expect_all_freed();
    rt_use_heap_allocator();
}

/* Several iterators stopped at different points, retired storage of several
 * growth steps, indirect keys and elems: mapfree gives every block back. */
static void test_free_with_retired_indirect(void **state)
{
    (void)state;
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, BIG, &big), RTMAP_OK);
    const rtmap_maptype *t = rt_map_of(big, big);
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_makemap(t, 0);
    uint8_t key[BIG];
    rtmap_hiter its[4];
    uint64_t next = 0;
    for (int round = 0; round < 4; round++) {
        for (int j = 0; j < 10; j++, next++) {
            big_key(key, next);
            memset(rtmap_mapassign(t, h, key), 3, BIG);
        }
        rtmap_mapiterinit(t, h, &its[round]);
        /* growth and deletes under the live iterators */
        for (int j = 0; j < 300; j++, next++) {
            big_key(key, next);
            memset(rtmap_mapassign(t, h, key), 4, BIG);
            if (j % 3 == 0) {
                big_key(key, next - 5);
                rtmap_mapdelete(t, h, key);
            }
        }
        rtmap_mapiternext(&its[round]);
    }
    RT_VERIFY(t, h);
    rtmap_mapiterstop(&its[0]);
    rtmap_mapiterstop(&its[2]);
    /* its[1] and its[3] are abandoned: mapfree still releases everything */
    rtmap_mapfree(t, h);
    expect_all_freed();
    rt_use_heap_allocator();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_after_each_kind_of_use),
        cmocka_unit_test(test_stopped_iterator_releases_retired),
        cmocka_unit_test(test_free_with_retired_indirect),
        cmocka_unit_test(test_stop_is_idempotent),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
