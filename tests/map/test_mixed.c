/* Every entry point mixed at random on one map against the reference model:
 * generic and fast assign, access and delete, clear, clone (going on with the
 * clone or with the source, freeing the other), mapkeys/mapvalues, and short
 * iterations that write as they go. A map made by mapclone or left by mapclear
 * must behave like any other in whatever state its source was. */
#include "map_test.h"

#define UNIVERSE 4000

static mt_model model;

static void *assign_by(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, const mt_key *k, bool fast)
{
    if (!fast)
        return rtmap_mapassign(t, h, k);
    switch (kind) {
    case MT_U32: return rtmap_mapassign_fast32(t, h, k->u32);
    case MT_U64: return rtmap_mapassign_fast64(t, h, k->u64);
    case MT_STR: return rtmap_mapassign_faststr(t, h, k->str);
    default:     return rtmap_mapassign(t, h, k);
    }
}

static void delete_by(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, const mt_key *k, bool fast)
{
    if (!fast) {
        rtmap_mapdelete(t, h, k);
        return;
    }
    switch (kind) {
    case MT_U32: rtmap_mapdelete_fast32(t, h, k->u32); break;
    case MT_U64: rtmap_mapdelete_fast64(t, h, k->u64); break;
    case MT_STR: rtmap_mapdelete_faststr(t, h, k->str); break;
    default:     rtmap_mapdelete(t, h, k); break;
    }
}

static uint64_t *access_by(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, const mt_key *k,
                           bool fast, bool *ok)
{
    if (!fast)
        return rtmap_mapaccess2(t, h, k, ok);
    switch (kind) {
    case MT_U32: return rtmap_mapaccess2_fast32(t, h, k->u32, ok);
    case MT_U64: return rtmap_mapaccess2_fast64(t, h, k->u64, ok);
    case MT_STR: return rtmap_mapaccess2_faststr(t, h, k->str, ok);
    default:     return rtmap_mapaccess2(t, h, k, ok);
    }
}

/* Elems are the key index in the high half and a counter in the low half. */
static size_t index_of_value(uint64_t v)
{
    return (size_t)(v >> 32);
}

static void put(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, size_t i, bool fast, uint64_t *counter)
{
    mt_key k = mt_key_of(kind, i);
    uint64_t *slot = assign_by(t, h, kind, &k, fast);
    assert_int_equal(*slot, model.value[i]);
    uint64_t v = (uint64_t)i << 32 | ++*counter;
    *slot = v;
    mt_model_set(&model, i, v);
}

static void check_collected(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind)
{
    static unsigned char keys[UNIVERSE * sizeof(mt_key)];     /* packed, key size apart */
    static uint64_t values[UNIVERSE];
    static uint8_t seen[UNIVERSE];
    size_t cap = (size_t)model.len;
    assert_int_equal(rtmap_mapkeys(t, h, keys, cap), cap);
    assert_int_equal(rtmap_mapvalues(t, h, values, cap), cap);
    memset(seen, 0, sizeof seen);
    for (size_t j = 0; j < cap; j++) {
        size_t i = index_of_value(values[j]);
        assert_true(i < UNIVERSE && model.present[i]);
        assert_int_equal(values[j], model.value[i]);
        assert_int_equal(seen[i] & 1, 0);
        seen[i] |= 1;
        /* each key is in the map, and is the key of the value found for it */
        bool ok = false;
        const unsigned char *key = keys + j * t->key->size;
        uint64_t v = *(uint64_t *)rtmap_mapaccess2(t, h, key, &ok);
        assert_true(ok);
        size_t ki = index_of_value(v);
        mt_key want = mt_key_of(kind, ki);
        assert_memory_equal(key, &want, t->key->size);
        assert_int_equal(seen[ki] & 2, 0);
        seen[ki] |= 2;
    }
}

/* A short iteration that writes as it goes; stopped after a few entries. */
static void iterate_a_little(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind, uint64_t *rng,
                             uint64_t *counter)
{
    static uint8_t produced[UNIVERSE];
    memset(produced, 0, sizeof produced);
    int budget = (int)(rt_splitmix64(rng) % 60);
    rtmap_hiter it;
    for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
        uint64_t v = *(uint64_t *)it.elem;
        size_t i = index_of_value(v);
        assert_true(i < UNIVERSE && model.present[i]);
        assert_int_equal(v, model.value[i]);
        mt_key want = mt_key_of(kind, i);
        assert_memory_equal(it.key, &want, t->key->size);
        assert_int_equal(produced[i]++, 0);
        size_t j = (size_t)(rt_splitmix64(rng) % UNIVERSE);
        if (rt_splitmix64(rng) % 2) {
            if (!model.present[j])
                produced[j] = 0;                /* a new entry */
            put(t, h, kind, j, j % 2, counter);
        } else {
            mt_key k = mt_key_of(kind, j);
            delete_by(t, h, kind, &k, j % 2);
            mt_model_del(&model, j);
        }
        if (--budget < 0) {
            rtmap_mapiterstop(&it);
            break;
        }
    }
}

static void mixed(mt_kind kind, uint64_t seed)
{
    const rtmap_maptype *t = rt_map_of(mt_key_type(kind), &rtmap_type_uint64);
    mt_model_reset(&model);
    uint64_t rng = seed, counter = 0;
    rtmap_hmap *h = rtmap_makemap(t, (intptr_t)(rt_splitmix64(&rng) % 3000));
    for (int step = 0; step < 12000; step++) {
        uint64_t r = rt_splitmix64(&rng);
        size_t i = (size_t)(r >> 40) % UNIVERSE;
        bool fast = (r >> 8) & 1;
        /* long stretches of growth and of shrinking */
        bool growing = (step / 2000) % 2 == 0;
        unsigned op = (unsigned)(r % 1000);
        if (op < (growing ? 550u : 250u)) {
            put(t, h, kind, i, fast, &counter);
        } else if (op < 850) {
            mt_key k = mt_key_of(kind, i);
            if (op % 2)
                for (size_t n = 0; n < UNIVERSE && !model.present[i]; n++)
                    i = (i + 1) % UNIVERSE, k = mt_key_of(kind, i);
            delete_by(t, h, kind, &k, fast);
            mt_model_del(&model, i);
        } else if (op < 990) {
            mt_key k = mt_key_of(kind, i);
            bool ok = !model.present[i];
            assert_int_equal(*access_by(t, h, kind, &k, fast, &ok), model.value[i]);
            assert_int_equal(ok, model.present[i]);
        } else if (op < 994) {
            /* clone, and go on with one of the two */
            rtmap_hmap *c = rtmap_mapclone(t, h);
            RT_VERIFY(t, c);
            mt_check_model(t, c, kind, &model, UNIVERSE);
            if (r & 0x10000) {
                rtmap_mapfree(t, h);
                h = c;
            } else {
                rtmap_mapfree(t, c);
            }
        } else if (op < 996) {
            check_collected(t, h, kind);
        } else if (op < 999) {
            iterate_a_little(t, h, kind, &rng, &counter);
        } else if (r & 0x20000) {
            rtmap_mapclear(t, h);
            mt_model_reset(&model);
        }
        assert_int_equal(rtmap_maplen(h), model.len);
        if (step % 1000 == 999) {
            RT_VERIFY(t, h);
            mt_check_model(t, h, kind, &model, UNIVERSE);
        }
    }
    RT_VERIFY(t, h);
    mt_check_model(t, h, kind, &model, UNIVERSE);
    rtmap_mapfree(t, h);
}

static void test_mixed_uint32(void **state)  { (void)state; mixed(MT_U32, 71); mixed(MT_U32, 72); }
static void test_mixed_uint64(void **state)  { (void)state; mixed(MT_U64, 73); mixed(MT_U64, 74); }
static void test_mixed_string(void **state)  { (void)state; mixed(MT_STR, 75); mixed(MT_STR, 76); }
static void test_mixed_float64(void **state) { (void)state; mixed(MT_F64, 77); mixed(MT_F64, 78); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_uint32),
        cmocka_unit_test(test_mixed_uint64),
        cmocka_unit_test(test_mixed_string),
        cmocka_unit_test(test_mixed_float64),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
