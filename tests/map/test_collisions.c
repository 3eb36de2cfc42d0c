/* Keys whose hashes collide: a hand-made 8-byte key type whose hasher keeps only
 * some bits (none, the low 7, the top 8, the low 16, the low 32) so that many
 * keys share a bucket, a probe sequence, a tophash or control byte, or a table of
 * the directory. Random operations against the reference model, iteration while
 * the map grows, clone and clear must all still be exact. Hashers that leave the
 * top bits constant but vary below (low 16, low 32: a 32-bit hash, an identity
 * hash) grow past one swiss table of 1024 slots, which the swiss build's
 * directory mixing makes possible. No map holds more keys of one hash value
 * than one table can (896): no table can separate keys with equal hashes, so
 * the one-value hashers stop at 500 keys, low 7 bits at 700 (about 6 per
 * value) and top 8 bits at 2500 (about 10 per value). */
#include "map_test.h"

typedef struct degenerate {
    const char *name;
    uint64_t  (*hash)(uint64_t k);
    size_t      max_entries;
} degenerate;

static uint64_t hash_constant(uint64_t k)  { (void)k; return 0x5555555555555555ULL; }
static uint64_t hash_low7(uint64_t k)      { return k & 0x7f; }
static uint64_t hash_top8(uint64_t k)      { return (k & 0xff) << 56; }
static uint64_t hash_low16(uint64_t k)     { return k & 0xffff; }
static uint64_t hash_low32(uint64_t k)     { return k & 0xffffffff; }
static uint64_t hash_zero(uint64_t k)      { (void)k; return 0; }

static const degenerate degenerates[] = {
    { "constant", hash_constant, 500 },
    { "zero", hash_zero, 500 },
    { "low 7 bits", hash_low7, 700 },
    { "top 8 bits", hash_top8, 2500 },
    { "low 16 bits", hash_low16, 3000 },
    { "low 32 bits", hash_low32, 3000 },
};

static const degenerate *current;

static uint64_t degenerate_hash(const rtmap_type *t, const void *key, uint64_t seed)
{
    (void)t;
    (void)seed;
    uint64_t k;
    memcpy(&k, key, sizeof k);
    return current->hash(k);
}

static bool equal64(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    return memcmp(a, b, 8) == 0;
}

static const rtmap_type colliding_key = {
    .size = 8, .align = 8, .kind = RTMAP_KIND_UINT64,
    .equal = equal64, .hasher = degenerate_hash, .str = "main.collidingKey",
};

static mt_model model;

/* Keys: index i spread so that different i differ in the bits each hasher keeps
 * and also share them (i and i + 256 agree in the low byte). */
static uint64_t key_of(size_t i)
{
    return (uint64_t)i * 0x0101010101010101ULL ^ ((uint64_t)i << 40);
}

static void check_all(const rtmap_maptype *t, rtmap_hmap *h, size_t universe)
{
    RT_VERIFY(t, h);
    assert_int_equal(rtmap_maplen(h), model.len);
    for (size_t i = 0; i < universe; i++) {
        uint64_t k = key_of(i);
        bool ok = !model.present[i];
        assert_int_equal(*(uint64_t *)rtmap_mapaccess2(t, h, &k, &ok), model.value[i]);
        assert_int_equal(ok, model.present[i]);
    }
}

static void random_ops_with(const degenerate *d, uint64_t seed)
{
    current = d;
    const rtmap_maptype *t = rt_map_of(&colliding_key, &rtmap_type_uint64);
    size_t universe = d->max_entries + d->max_entries / 4;
    mt_model_reset(&model);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    uint64_t rng = seed;
    for (int step = 0; step < 8000; step++) {
        size_t i = (size_t)(rt_splitmix64(&rng) % universe);
        uint64_t k = key_of(i);
        unsigned r = (unsigned)(rt_splitmix64(&rng) % 10);
        /* grow in the first half, shrink in the second */
        if ((step < 4000 ? r < 7 : r < 3) && (size_t)model.len < d->max_entries) {
            uint64_t v = rt_splitmix64(&rng) | 1;
            uint64_t *slot = rtmap_mapassign(t, h, &k);
            assert_int_equal(*slot, model.value[i]);
            *slot = v;
            mt_model_set(&model, i, v);
        } else {
            rtmap_mapdelete(t, h, &k);
            mt_model_del(&model, i);
        }
        assert_int_equal(rtmap_maplen(h), model.len);
        if (step % 1000 == 999)
            check_all(t, h, universe);
    }
    check_all(t, h, universe);
    rtmap_mapfree(t, h);
}

static void test_random_ops_colliding(void **state)
{
    (void)state;
    for (size_t d = 0; d < sizeof degenerates / sizeof degenerates[0]; d++)
        random_ops_with(&degenerates[d], 100 + d);
}

/* Every entry once while the map grows under the iterator, with colliding keys;
 * then clone and clear. */
static void test_iterate_clone_clear_colliding(void **state)
{
    (void)state;
    static uint8_t produced[4000];
    for (size_t d = 0; d < sizeof degenerates / sizeof degenerates[0]; d++) {
        current = &degenerates[d];
        const rtmap_maptype *t = rt_map_of(&colliding_key, &rtmap_type_uint64);
        size_t n = current->max_entries / 4, total = current->max_entries;
        mt_model_reset(&model);
        rtmap_hmap *h = rtmap_makemap(t, 0);
        for (size_t i = 0; i < n; i++) {
            uint64_t k = key_of(i);
            *(uint64_t *)rtmap_mapassign(t, h, &k) = i + 1;
            mt_model_set(&model, i, i + 1);
        }
        memset(produced, 0, sizeof produced);
        size_t next = n;
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
            uint64_t v = *(uint64_t *)it.elem;
            assert_true(v >= 1 && v <= total);
            assert_int_equal(*(uint64_t *)it.key, key_of(v - 1));
            assert_int_equal(produced[v - 1]++, 0);
            for (int j = 0; j < 3 && next < total; j++, next++) {
                uint64_t k = key_of(next);
                *(uint64_t *)rtmap_mapassign(t, h, &k) = next + 1;
                mt_model_set(&model, next, next + 1);
            }
        }
        for (size_t i = 0; i < n; i++)
            assert_int_equal(produced[i], 1);
        check_all(t, h, total + 10);

        rtmap_hmap *c = rtmap_mapclone(t, h);
        check_all(t, c, total + 10);
        rtmap_mapclear(t, h);
        assert_int_equal(rtmap_maplen(h), 0);
        RT_VERIFY(t, h);
        check_all(t, c, total + 10);
        rtmap_mapfree(t, c);
        rtmap_mapfree(t, h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_ops_colliding),
        cmocka_unit_test(test_iterate_clone_clear_colliding),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
