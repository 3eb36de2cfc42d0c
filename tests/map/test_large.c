/* A large map (200,000 entries) and what is left of it after nearly everything
 * is deleted: lookups through both paths, iteration from many random starts
 * over a large sparse map (every survivor once), iteration while the sparse map
 * refills, mapkeys, clone and clear at that size. */
#include "map_test.h"

#define LARGE 200000u

static uint8_t produced[LARGE];

static uint64_t key_of(uint64_t i)
{
    return i * 0x9e3779b97f4a7c15ULL;           /* odd multiplier: distinct keys */
}

static uint64_t index_of(uint64_t k)
{
    return k * 0xf1de83e19937733dULL;           /* the multiplier's inverse mod 2^64 */
}

static bool survives(uint64_t i)
{
    return i % 997 == 3;
}

static void test_large_then_sparse(void **state)
{
    (void)state;
    assert_int_equal(index_of(key_of(12345)), 12345);
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (uint64_t i = 0; i < LARGE; i++)
        *(uint64_t *)rtmap_mapassign_fast64(t, h, key_of(i)) = i;
    assert_int_equal(rtmap_maplen(h), LARGE);
    RT_VERIFY(t, h);
    for (uint64_t i = 0; i < LARGE; i += 7) {
        uint64_t k = key_of(i);
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &k), i);
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast64(t, h, k), i);
    }

    rtmap_hmap *c = rtmap_mapclone(t, h);
    assert_int_equal(rtmap_maplen(c), LARGE);
    RT_VERIFY(t, c);

    /* delete all but about one in a thousand */
    intptr_t left = LARGE;
    for (uint64_t i = 0; i < LARGE; i++) {
        if (!survives(i)) {
            uint64_t k = key_of(i);
            rtmap_mapdelete(t, h, &k);
            left--;
        }
        if (i % 50000 == 0)
            RT_VERIFY(t, h);
    }
    assert_int_equal(rtmap_maplen(h), left);
    RT_VERIFY(t, h);

    /* many iterations of the sparse map, each from its own random start */
    for (int round = 0; round < 40; round++) {
        memset(produced, 0, sizeof produced);
        intptr_t count = 0;
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
            uint64_t i = index_of(*(uint64_t *)it.key);
            assert_true(i < LARGE && survives(i));
            assert_int_equal(*(uint64_t *)it.elem, i);
            assert_int_equal(produced[i]++, 0);
            count++;
        }
        assert_int_equal(count, left);
    }

    static uint64_t keys[LARGE];
    assert_int_equal(rtmap_mapkeys(t, h, keys, LARGE), (size_t)left);
    for (intptr_t j = 0; j < left; j++)
        assert_true(survives(index_of(keys[j])));

    /* refill under a live iterator: every survivor still once */
    memset(produced, 0, sizeof produced);
    uint64_t next = 0;
    rtmap_hiter it;
    intptr_t survivors_seen = 0;
    for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
        uint64_t i = index_of(*(uint64_t *)it.key);
        assert_true(i < LARGE);
        assert_int_equal(produced[i]++, 0);
        if (survives(i))
            survivors_seen++;
        for (int j = 0; j < 200 && next < LARGE; j++, next++)
            if (!survives(next))
                *(uint64_t *)rtmap_mapassign_fast64(t, h, key_of(next)) = next;
    }
    assert_int_equal(survivors_seen, left);
    RT_VERIFY(t, h);

    /* the clone kept everything */
    for (uint64_t i = 0; i < LARGE; i += 11)
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast64(t, c, key_of(i)), i);
    rtmap_mapclear(t, c);
    assert_int_equal(rtmap_maplen(c), 0);
    RT_VERIFY(t, c);
    rtmap_mapiterinit(t, c, &it);
    assert_null(it.key);
    rtmap_mapfree(t, c);
    rtmap_mapfree(t, h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_then_sparse),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
