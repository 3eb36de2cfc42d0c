/* Hostile keys: the seed a map hashes with changes whenever the map is cleared or
 * emptied by deletes (Go issue 25237), keys crafted against one seed do not
 * collide under another, and a map keeps working (correctness only; speed is the
 * benchmark's business, see hostile_bench.c) on keys crafted against its own
 * seed. Black-box: the seed is observed through an embedder-made key type that
 * records what it is hashed with. */
#include "support.h"
#include "hostile_keys.h"

#include <stdlib.h>
#include <string.h>

static uint64_t counter_value;
static uint64_t counter_rand(void *ctx)
{
    (void)ctx;
    return counter_value += 0x1000193;
}

static uint64_t constant_rand(void *ctx)
{
    return *(const uint64_t *)ctx;
}

static void put_u64(const rtmap_maptype *mt, rtmap_hmap *h, uint64_t k)
{
    *(uint64_t *)rtmap_mapassign(mt, h, &k) = k;
}

/* The seed the map hashes new keys with now (an assignment is hashed even where
   a lookup on an empty map is not). */
static uint64_t seed_now(const rtmap_maptype *mt, rtmap_hmap *h)
{
    uint64_t probe = 0xfeedface;
    hostile_last_seed = 0;
    put_u64(mt, h, probe);
    uint64_t s = hostile_last_seed;
    rtmap_mapdelete(mt, h, &probe);
    return s;
}

static void test_seed_is_stable_while_the_map_holds_entries(void **state)
{
    (void)state;
    rtmap_set_rand(counter_rand, NULL);
    const rtmap_maptype *mt = rt_map_of(&hostile_recorded_u64, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(mt, 0);
    put_u64(mt, h, 1);
    uint64_t s0 = hostile_last_seed;
    for (uint64_t k = 2; k < 3000; k++) {       /* growth, splits, evacuation */
        put_u64(mt, h, k);
        assert_true(hostile_last_seed == s0);
        if (k % 3 == 0) {
            rtmap_mapdelete(mt, h, &k);          /* never empties the map */
            assert_true(hostile_last_seed == s0);
        }
    }
    uint64_t absent = 1u << 30;
    rtmap_mapdelete(mt, h, &absent);
    assert_true(seed_now(mt, h) == s0);
    RT_VERIFY(mt, h);
    rtmap_mapfree(mt, h);
    rtmap_set_rand(NULL, NULL);
}

static void clear_way(const rtmap_maptype *mt, rtmap_hmap *h, int way)
{
    switch (way) {
    case 0: rtmap_mapclear(mt, h); break;
    case 1: rtmap_reflect_mapclear(mt, h); break;
    default: assert_int_equal(rtmap_map_clear(mt, h), RTMAP_OK); break;
    }
}

static void test_seed_changes_after_clear(void **state)
{
    (void)state;
    rtmap_set_rand(counter_rand, NULL);
    const rtmap_maptype *mt = rt_map_of(&hostile_recorded_u64, &rtmap_type_uint64);
    for (int way = 0; way < 3; way++) {
        for (uint64_t n = 1; n <= 2000; n *= 20) {   /* a small map and a grown one */
            rtmap_hmap *h = rtmap_makemap(mt, 0);
            for (uint64_t k = 0; k < n; k++)
                put_u64(mt, h, k);
            uint64_t before = seed_now(mt, h);
            clear_way(mt, h, way);
            put_u64(mt, h, 0xfeedface);
            assert_true(hostile_last_seed != before);
            RT_VERIFY(mt, h);
            rtmap_mapfree(mt, h);
        }
    }
    rtmap_set_rand(NULL, NULL);
}

static void delete_u64(const rtmap_maptype *mt, rtmap_hmap *h, uint64_t k, int way)
{
    switch (way) {
    case 0: rtmap_mapdelete(mt, h, &k); break;
    case 1: rtmap_mapdelete_fast64(mt, h, k); break;
    case 2: rtmap_reflect_mapdelete(mt, h, &k); break;
    default: assert_int_equal(rtmap_set_map_index(mt, h, &k, NULL), RTMAP_OK); break;
    }
}

static void test_seed_changes_when_emptied_by_deletes(void **state)
{
    (void)state;
    rtmap_set_rand(counter_rand, NULL);
    const rtmap_maptype *mt = rt_map_of(&hostile_recorded_u64, &rtmap_type_uint64);
    for (int way = 0; way < 4; way++) {
        for (uint64_t n = 1; n <= 1000; n *= 10) {
            rtmap_hmap *h = rtmap_makemap(mt, 0);
            for (uint64_t k = 0; k < n; k++)
                put_u64(mt, h, k);
            uint64_t s0 = hostile_last_seed;
            for (uint64_t k = 1; k < n; k++)
                delete_u64(mt, h, k, way);
            assert_int_equal(rtmap_maplen(h), 1);
            assert_true(seed_now(mt, h) == s0);          /* not empty yet */
            delete_u64(mt, h, 0, way);
            assert_int_equal(rtmap_maplen(h), 0);
            assert_true(seed_now(mt, h) != s0);
            RT_VERIFY(mt, h);
            rtmap_mapfree(mt, h);
        }
    }
    rtmap_set_rand(NULL, NULL);
}

static void test_string_map_reseeds_when_emptied(void **state)
{
    (void)state;
    rtmap_set_rand(counter_rand, NULL);
    const rtmap_maptype *mt = rt_map_of(&hostile_recorded_string, &rtmap_type_uint64);
    static const char *words[] = { "alpha", "beta", "gamma", "" };
    for (int way = 0; way < 3; way++) {
        rtmap_hmap *h = rtmap_makemap(mt, 0);
        for (int i = 0; i < 4; i++) {
            rtmap_string k = { words[i], strlen(words[i]) };
            *(uint64_t *)rtmap_mapassign_faststr(mt, h, k) = (uint64_t)i;
        }
        uint64_t s0 = hostile_last_seed;
        for (int i = 0; i < 4; i++) {
            rtmap_string k = { words[i], strlen(words[i]) };
            if (way == 0)
                rtmap_mapdelete_faststr(mt, h, k);
            else if (way == 1)
                rtmap_reflect_mapdelete_faststr(mt, h, k);
            else
                rtmap_mapdelete(mt, h, &k);
        }
        assert_int_equal(rtmap_maplen(h), 0);
        rtmap_string probe = { "probe", 5 };
        hostile_last_seed = s0;
        *(uint64_t *)rtmap_mapassign_faststr(mt, h, probe) = 9;
        assert_true(hostile_last_seed != s0);
        RT_VERIFY(mt, h);
        rtmap_mapfree(mt, h);
    }
    rtmap_set_rand(NULL, NULL);
}

enum { CRAFTED = 2000, CRAFTED_TOP = 16 };

static void test_crafted_keys_do_not_collide_under_another_seed(void **state)
{
    (void)state;
    uint64_t sigma = hostile_seed_for_rand(0x5eed);
    assert_true(hostile_seed_for_rand(0x5eed) == sigma);   /* the hook decides it */
    uint64_t other = hostile_seed_for_rand(0x5eee);
    assert_true(other != sigma);
    uint64_t *keys = malloc(CRAFTED * sizeof *keys), st = 1;
    hostile_craft(sigma, HOSTILE_LOW_BITS, 0, keys, CRAFTED, &st);
    size_t still = 0;
    for (size_t i = 0; i < CRAFTED; i++)
        still += (rtmap_type_uint64.hasher(&rtmap_type_uint64, &keys[i], other) & HOSTILE_LOW_BITS) == 0;
    /* about CRAFTED / 1024 by chance */
    assert_true(still < 40);
    free(keys);
}

static void test_map_works_on_keys_crafted_for_its_seed(void **state)
{
    (void)state;
    uint64_t value = 0x5eed;
    uint64_t sigma = hostile_seed_for_rand(value);
    size_t n = CRAFTED + CRAFTED_TOP;
    uint64_t *keys = malloc(n * sizeof *keys), st = 7;
    hostile_craft(sigma, HOSTILE_LOW_BITS, 0, keys, CRAFTED, &st);
    hostile_craft(sigma, HOSTILE_LOW_BITS | HOSTILE_TOP_BYTE, 0x5a00000000000000ull,
                  keys + CRAFTED, CRAFTED_TOP, &st);

    const rtmap_maptype *mt = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    rtmap_set_rand(constant_rand, &value);     /* the map gets seed sigma */
    rtmap_hmap *h = rtmap_makemap(mt, 0);
    rtmap_set_rand(NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        if (i & 1)
            *(uint64_t *)rtmap_mapassign_fast64(mt, h, keys[i]) = i;
        else
            *(uint64_t *)rtmap_mapassign(mt, h, &keys[i]) = i;
        if (i % 512 == 0)
            RT_VERIFY(mt, h);
    }
    assert_int_equal(rtmap_maplen(h), n);
    RT_VERIFY(mt, h);
    for (size_t i = 0; i < n; i++) {
        bool ok;
        uint64_t *e = rtmap_mapaccess2_fast64(mt, h, keys[i], &ok);
        assert_true(ok);
        assert_int_equal(*e, i);
    }
    size_t seen = 0;
    rtmap_hiter it;
    for (rtmap_mapiterinit(mt, h, &it); it.key; rtmap_mapiternext(&it)) {
        size_t i = (size_t)*(uint64_t *)it.elem;
        assert_true(i < n && keys[i] == *(uint64_t *)it.key);
        seen++;
    }
    assert_int_equal(seen, n);
    for (size_t i = 0; i < n; i += 2)
        rtmap_mapdelete_fast64(mt, h, keys[i]);
    RT_VERIFY(mt, h);
    assert_int_equal(rtmap_maplen(h), n / 2);
    for (size_t i = 0; i < n; i++) {
        bool ok;
        rtmap_mapaccess2(mt, h, &keys[i], &ok);
        assert_int_equal(ok, i & 1);
    }
    rtmap_mapfree(mt, h);
    free(keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_is_stable_while_the_map_holds_entries),
        cmocka_unit_test(test_seed_changes_after_clear),
        cmocka_unit_test(test_seed_changes_when_emptied_by_deletes),
        cmocka_unit_test(test_string_map_reseeds_when_emptied),
        cmocka_unit_test(test_crafted_keys_do_not_collide_under_another_seed),
        cmocka_unit_test(test_map_works_on_keys_crafted_for_its_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
