/* Iteration under random writes, checked against Go's guarantees step by step:
 * every produced entry is in the map at that moment, with its current elem and
 * (for keys with key update: signed zeros, strings) its current key bytes; each
 * entry is produced at most once (an entry deleted and added again is a new
 * entry); every entry present when the loop began and never deleted is
 * produced exactly once. The writes (inserts, updates, deletes of the current
 * key and of others, re-inserts) make the map grow, shrink and churn under the
 * iterator, for direct, string, float and indirect keys. */
#include "map_test.h"

#define UNIVERSE 3000
#define BIG 140

typedef enum config_kind { CFG_U64, CFG_STR, CFG_F64, CFG_BIG } config_kind;

typedef struct key_state {
    bool     present;
    bool     original;        /* present at iterinit and never deleted since */
    bool     produced;        /* this incarnation of the entry was produced */
    uint8_t  variant;         /* which of the equal representations was written last */
    uint64_t value;
} key_state;

static key_state keys[UNIVERSE];
static intptr_t live;

static char copies[UNIVERSE][72];     /* second buffers with the bytes of string keys */

static size_t key_size(config_kind c)
{
    return c == CFG_U64 || c == CFG_F64 ? 8 : c == CFG_STR ? sizeof(rtmap_string) : BIG;
}

/* Key i as written with representation `variant`: two equal keys whose bytes
 * differ (a string in another buffer, -0.0 for +0.0) where the key type has them. */
static void make_key(config_kind c, size_t i, unsigned variant, void *out)
{
    switch (c) {
    case CFG_U64: {
        uint64_t k = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
        memcpy(out, &k, 8);
        break;
    }
    case CFG_STR: {
        rtmap_string s = mt_string_of(i);
        if (variant) {
            memcpy(copies[i], s.ptr, s.len);
            s.ptr = copies[i];
        }
        memcpy(out, &s, sizeof s);
        break;
    }
    case CFG_F64: {
        double d = i == 0 ? (variant ? -0.0 : 0.0) : (double)i * 1.5;
        memcpy(out, &d, 8);
        break;
    }
    default:
        memset(out, 0x3c, BIG);
        memcpy((uint8_t *)out + BIG - sizeof i, &i, sizeof i);
        break;
    }
}

static unsigned variants(config_kind c, size_t i)
{
    return c == CFG_STR || (c == CFG_F64 && i == 0) ? 2 : 1;
}

static const rtmap_maptype *config_type(config_kind c)
{
    switch (c) {
    case CFG_U64: return rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    case CFG_STR: return rt_map_of(&rtmap_type_string, &rtmap_type_uint64);
    case CFG_F64: return rt_map_of(&rtmap_type_float64, &rtmap_type_uint64);
    default: {
        const rtmap_type *big = NULL;
        assert_int_equal(rtmap_array_of(&rtmap_type_uint8, BIG, &big), RTMAP_OK);
        return rt_map_of(big, big);
    }
    }
}

/* Elems carry the key index in the high half, so a produced entry names its key. */
static void write_elem(const rtmap_maptype *t, void *slot, uint64_t v)
{
    if (t->elem->size > 8)
        memset(slot, (int)(v & 0xff), t->elem->size);
    memcpy(slot, &v, 8);
}

static void put(const rtmap_maptype *t, rtmap_hmap *h, config_kind c, size_t i, uint64_t *counter,
                uint64_t *rng)
{
    uint8_t key[BIG];
    unsigned variant = (unsigned)(rt_splitmix64(rng) % variants(c, i));
    make_key(c, i, variant, key);
    uint64_t v = (uint64_t)i << 32 | ++*counter;
    write_elem(t, rtmap_mapassign(t, h, key), v);
    if (!keys[i].present) {
        keys[i].present = true;
        keys[i].produced = false;          /* a new entry */
        live++;
    }
    keys[i].variant = (uint8_t)variant;
    keys[i].value = v;
}

static void del(const rtmap_maptype *t, rtmap_hmap *h, config_kind c, size_t i)
{
    uint8_t key[BIG];
    make_key(c, i, 0, key);
    rtmap_mapdelete(t, h, key);
    if (keys[i].present)
        live--;
    keys[i].present = false;
    keys[i].original = false;
}

static void check_produced(const rtmap_maptype *t, config_kind c, const rtmap_hiter *it)
{
    uint64_t v;
    memcpy(&v, it->elem, 8);
    size_t i = (size_t)(v >> 32);
    assert_true(i < UNIVERSE);
    key_state *ks = &keys[i];
    assert_true(ks->present);               /* not deleted before it was reached */
    assert_false(ks->produced);             /* at most once */
    ks->produced = true;
    assert_int_equal(v, ks->value);          /* the current elem */
    if (t->elem->size > 8)
        assert_int_equal(((const uint8_t *)it->elem)[t->elem->size - 1], v & 0xff);
    uint8_t want[BIG];
    make_key(c, i, ks->variant, want);       /* the key as written last */
    assert_memory_equal(it->key, want, key_size(c));
}

static void iterate_under_writes(config_kind c, size_t start, uint64_t seed)
{
    const rtmap_maptype *t = config_type(c);
    memset(keys, 0, sizeof keys);
    live = 0;
    uint64_t rng = seed, counter = 0;
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (size_t n = 0; n < start; n++)
        put(t, h, c, (size_t)(rt_splitmix64(&rng) % UNIVERSE), &counter, &rng);
    for (size_t i = 0; i < UNIVERSE; i++)
        keys[i].original = keys[i].present;

    /* the write mix: growing at first, then shrinking, then churning */
    rtmap_hiter it;
    long step = 0;
    for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it), step++) {
        check_produced(t, c, &it);
        uint64_t current;
        memcpy(&current, it.elem, 8);
        size_t cur = (size_t)(current >> 32);
        int phase = (int)(step / 400) % 3;
        int writes = (int)(rt_splitmix64(&rng) % 7);
        for (int w = 0; w < writes; w++) {
            unsigned r = (unsigned)(rt_splitmix64(&rng) % 100);
            size_t i = (size_t)(rt_splitmix64(&rng) % UNIVERSE);
            unsigned insert_pct = phase == 0 ? 75 : phase == 1 ? 15 : 45;
            if (r < insert_pct)
                put(t, h, c, i, &counter, &rng);
            else if (r < insert_pct + 5 && keys[cur].present)
                put(t, h, c, cur, &counter, &rng);       /* update the current entry */
            else if (r < insert_pct + 10)
                del(t, h, c, cur);                       /* delete the current entry */
            else {
                /* delete a present key most of the time */
                for (size_t n = 0; n < UNIVERSE && !keys[i].present && r % 4; n++)
                    i = (i + 1) % UNIVERSE;
                del(t, h, c, i);
            }
        }
        assert_int_equal(rtmap_maplen(h), live);
        if (step % 200 == 0)
            RT_VERIFY(t, h);
        if (step > 40000)
            fail_msg("iteration does not end");
    }
    for (size_t i = 0; i < UNIVERSE; i++)
        if (keys[i].original)
            assert_true(keys[i].produced);
    RT_VERIFY(t, h);
    rtmap_mapfree(t, h);
}

static void run_config(config_kind c, uint64_t seed0)
{
    static const size_t starts[] = { 0, 1, 5, 8, 9, 60, 300, 1000, 2000 };
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++)
        for (uint64_t round = 0; round < 3; round++)
            iterate_under_writes(c, starts[s], seed0 + s * 10 + round);
}

static void test_writes_under_iteration_u64(void **state)    { (void)state; run_config(CFG_U64, 1000); }
static void test_writes_under_iteration_string(void **state) { (void)state; run_config(CFG_STR, 2000); }
static void test_writes_under_iteration_float(void **state)  { (void)state; run_config(CFG_F64, 3000); }
static void test_writes_under_iteration_big(void **state)    { (void)state; run_config(CFG_BIG, 4000); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_under_iteration_u64),
        cmocka_unit_test(test_writes_under_iteration_string),
        cmocka_unit_test(test_writes_under_iteration_float),
        cmocka_unit_test(test_writes_under_iteration_big),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
