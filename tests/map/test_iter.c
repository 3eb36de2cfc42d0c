/* Iteration as Go specifies it: every entry exactly once, also while the map
 * grows under the loop; an entry deleted before it is reached is not produced;
 * an entry added during the loop at most once; after a clear no old entry; the
 * elem produced is the current one; the order differs between iterations, for
 * small maps too; nil maps and NaN keys. */
#include "map_test.h"

#define MAXKEYS 40000

static uint8_t produced[MAXKEYS];

static const rtmap_maptype *u64_map(void)
{
    return rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
}

static rtmap_hmap *filled(const rtmap_maptype *t, uint64_t n)
{
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (uint64_t i = 0; i < n; i++)
        *(uint64_t *)rtmap_mapassign(t, h, &i) = i * 10;
    return h;
}

static uint64_t key_at(const rtmap_hiter *it)
{
    uint64_t k;
    memcpy(&k, it->key, sizeof k);
    assert_true(k < MAXKEYS);
    return k;
}

static void test_every_entry_once(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64_map();
    static const uint64_t big[] = { 100, 1000, 5000 };
    for (uint64_t s = 0; s < 41 + 3; s++) {
        uint64_t n = s <= 40 ? s : big[s - 41];
        rtmap_hmap *h = filled(t, n);
        memset(produced, 0, sizeof produced);
        uint64_t count = 0;
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
            uint64_t k = key_at(&it);
            assert_true(k < n);
            assert_int_equal(produced[k]++, 0);
            assert_int_equal(*(uint64_t *)it.elem, k * 10);
            count++;
        }
        assert_int_equal(count, n);
        /* after the end, next keeps reporting the end */
        rtmap_mapiternext(&it);
        assert_null(it.key);
        RT_VERIFY(t, h);
        rtmap_mapfree(t, h);
    }
}

static void test_deleted_before_reached_not_produced(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64_map();
    static const uint64_t sizes[] = { 8, 9, 64, 2000 };
    static uint8_t deleted[MAXKEYS];
    for (size_t s = 0; s < 4; s++) {
        uint64_t n = sizes[s], rng = 5 + s;
        rtmap_hmap *h = filled(t, n);
        memset(produced, 0, sizeof produced);
        memset(deleted, 0, sizeof deleted);
        rtmap_hiter it;
        uint64_t steps = 0;
        for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
            uint64_t k = key_at(&it);
            assert_false(deleted[k]);
            assert_int_equal(produced[k]++, 0);
            /* delete two random keys, produced or not */
            for (int d = 0; d < 2; d++) {
                uint64_t victim = rt_splitmix64(&rng) % n;
                rtmap_mapdelete(t, h, &victim);
                deleted[victim] = 1;
            }
            if (++steps % 64 == 0)
                RT_VERIFY(t, h);
        }
        for (uint64_t k = 0; k < n; k++)
            if (!deleted[k])
                assert_int_equal(produced[k], 1);
        RT_VERIFY(t, h);
        rtmap_mapfree(t, h);
    }
}

/* Inserts during the loop, enough to make the map grow several times. */
static void test_insert_during_iteration(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64_map();
    static const uint64_t sizes[] = { 1, 7, 8, 9, 100, 1000, 3000 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t n = sizes[s];
        rtmap_hmap *h = filled(t, n);
        memset(produced, 0, sizeof produced);
        uint64_t next_new = n, limit = n * 8 + 64, steps = 0;
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
            uint64_t k = key_at(&it);
            assert_int_equal(produced[k]++, 0);
            assert_int_equal(*(uint64_t *)it.elem, k * 10);
            for (int j = 0; j < 5 && next_new < limit; j++, next_new++)
                *(uint64_t *)rtmap_mapassign(t, h, &next_new) = next_new * 10;
            if (++steps % 32 == 0)
                RT_VERIFY(t, h);
        }
        for (uint64_t k = 0; k < n; k++)
            assert_int_equal(produced[k], 1);
        assert_int_equal(rtmap_maplen(h), (intptr_t)next_new);
        RT_VERIFY(t, h);
        rtmap_mapfree(t, h);
    }
}

/* Go's TestMapIterDeleteReplace: delete the current key and put it back. */
static void test_delete_replace_current(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64_map();
    for (uint64_t n = 0; n <= 1024; n = n < 64 ? n + 1 : n * 2) {
        rtmap_hmap *h = filled(t, n);
        memset(produced, 0, sizeof produced);
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
            uint64_t k = key_at(&it);
            assert_int_equal(produced[k]++, 0);
            rtmap_mapdelete(t, h, &k);
            *(uint64_t *)rtmap_mapassign(t, h, &k) = k + 1;
        }
        for (uint64_t k = 0; k < n; k++) {
            assert_int_equal(produced[k], 1);
            assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, h, &k), k + 1);
        }
        assert_int_equal(rtmap_maplen(h), (intptr_t)n);
        RT_VERIFY(t, h);
        rtmap_mapfree(t, h);
    }
}

static void test_clear_during_iteration(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64_map();
    static const uint64_t sizes[] = { 1, 8, 9, 500, 3000 };
    for (size_t s = 0; s < 5; s++) {
        uint64_t n = sizes[s];
        for (int when = 0; when < 3; when++) {   /* after the first entry, the second, halfway */
            uint64_t clear_at = when == 0 ? 1 : when == 1 ? 2 : n / 2 + 1;
            rtmap_hmap *h = filled(t, n);
            memset(produced, 0, sizeof produced);
            bool cleared = false;
            uint64_t steps = 0, next_new = 20000;
            rtmap_hiter it;
            for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
                uint64_t k = key_at(&it);
                if (cleared)
                    assert_true(k >= 20000);
                assert_int_equal(produced[k]++, 0);
                if (++steps == clear_at) {
                    rtmap_mapclear(t, h);
                    cleared = true;
                    RT_VERIFY(t, h);
                    /* new entries after the clear may be produced, at most
                       once; enough of them for the map to grow again */
                    for (int j = 0; j < 300; j++, next_new++)
                        *(uint64_t *)rtmap_mapassign(t, h, &next_new) = 1;
                }
            }
            assert_int_equal(rtmap_maplen(h), cleared ? 300 : (intptr_t)n);
            RT_VERIFY(t, h);
            rtmap_mapfree(t, h);
        }
    }
}

/* A clear in the middle of the loop over a map holding NaN keys (which can be
 * neither found nor deleted, so only the clear removes them), also after the map
 * grew under the iterator: nothing from before the clear is produced. */
static void test_clear_during_iteration_nan(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_float64, &rtmap_type_uint64);
    static const uint64_t sizes[] = { 2, 8, 9, 100, 1000 };
    double nan = NAN;
    for (size_t s = 0; s < 5; s++) {
        for (int grow = 0; grow < 2; grow++) {
            uint64_t n = sizes[s];
            rtmap_hmap *h = rtmap_makemap(t, 0);
            for (uint64_t i = 0; i < n; i++) {
                double k = i % 2 ? nan : (double)i;
                *(uint64_t *)rtmap_mapassign(t, h, &k) = i;
            }
            rtmap_hiter it;
            rtmap_mapiterinit(t, h, &it);
            if (grow)
                for (uint64_t i = n; i < n + 2000; i++) {
                    double k = i % 2 ? nan : (double)i;
                    *(uint64_t *)rtmap_mapassign(t, h, &k) = i;
                }
            rtmap_mapclear(t, h);
            RT_VERIFY(t, h);
            /* entries made after the clear may be produced */
            for (uint64_t i = 100000; i < 100010; i++) {
                double k = i % 2 ? nan : (double)i;
                *(uint64_t *)rtmap_mapassign(t, h, &k) = i;
            }
            for (rtmap_mapiternext(&it); it.key; rtmap_mapiternext(&it))
                assert_true(*(uint64_t *)it.elem >= 100000);
            assert_int_equal(rtmap_maplen(h), 10);
            rtmap_mapfree(t, h);
        }
    }
}

/* Clear while a growth that began after the iterator started is still in
 * progress (every size up to 700, a few inserts after iterinit): the iterator's
 * own storage is then part of the growing map, and still nothing from before
 * the clear may be produced. */
static void test_clear_mid_growth_under_iteration(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64_map();
    for (uint64_t n = 1; n <= 700; n++) {
        for (uint64_t extra = 1; extra <= 3; extra += 2) {
            rtmap_hmap *h = filled(t, n);
            memset(produced, 0, sizeof produced);
            rtmap_hiter it;
            rtmap_mapiterinit(t, h, &it);
            produced[key_at(&it)]++;
            for (uint64_t i = n; i < n + extra; i++)
                *(uint64_t *)rtmap_mapassign(t, h, &i) = i * 10;
            rtmap_mapclear(t, h);
            uint64_t fresh = 30000;
            *(uint64_t *)rtmap_mapassign(t, h, &fresh) = 1;
            for (rtmap_mapiternext(&it); it.key; rtmap_mapiternext(&it)) {
                uint64_t k = key_at(&it);
                assert_int_equal(k, fresh);
                assert_int_equal(produced[k]++, 0);
            }
            if (n % 100 == 0)
                RT_VERIFY(t, h);
            rtmap_mapfree(t, h);
        }
    }
}

/* The elem produced is the current one: values changed by assign after the loop
 * started (also after the map grew under the loop) are what the loop sees. */
static void test_elem_is_current(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64_map();
    static const uint64_t sizes[] = { 5, 8, 300, 2000 };
    for (size_t s = 0; s < 4; s++) {
        for (int grow = 0; grow < 2; grow++) {
            uint64_t n = sizes[s];
            rtmap_hmap *h = filled(t, n);
            memset(produced, 0, sizeof produced);
            rtmap_hiter it;
            uint64_t count = 0;
            for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
                uint64_t k = key_at(&it);
                if (count == 0) {
                    if (grow)
                        for (uint64_t j = 30000; j < 30000 + 4 * n; j++)
                            *(uint64_t *)rtmap_mapassign(t, h, &j) = 1;
                    for (uint64_t j = 0; j < n; j++)
                        if (j != k)
                            *(uint64_t *)rtmap_mapassign(t, h, &j) = j * 10 + 7;
                    RT_VERIFY(t, h);
                } else if (k < n) {
                    assert_int_equal(*(uint64_t *)it.elem, k * 10 + 7);
                }
                assert_int_equal(produced[k]++, 0);
                if (k < n)
                    count++;
            }
            assert_int_equal(count, n);
            rtmap_mapfree(t, h);
        }
    }
}

/* The key produced is the current one too, where equal keys can differ in their
 * bytes: string keys rewritten from other buffers (and a -0.0 key rewritten as
 * +0.0) after the map grew under the iterator are produced as rewritten. */
static void test_key_is_current(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_string, &rtmap_type_uint64);
    static char copies[3000][72];
    static const uint64_t sizes[] = { 3, 8, 100, 1000 };
    for (size_t s = 0; s < 4; s++) {
        for (int grow = 0; grow < 2; grow++) {
            uint64_t n = sizes[s];
            rtmap_hmap *h = rtmap_makemap(t, 0);
            for (uint64_t i = 0; i < n; i++)
                *(uint64_t *)rtmap_mapassign_faststr(t, h, mt_string_of(i)) = i;
            rtmap_hiter it;
            rtmap_mapiterinit(t, h, &it);
            uint64_t first = *(uint64_t *)it.elem;      /* produced before the rewrite */
            if (grow)
                for (uint64_t i = n; i < n + 2000; i++)
                    *(uint64_t *)rtmap_mapassign_faststr(t, h, mt_string_of(i)) = i;
            for (uint64_t i = 0; i < n; i++) {
                rtmap_string k = mt_string_of(i);
                memcpy(copies[i], k.ptr, k.len);
                k.ptr = copies[i];
                *(uint64_t *)rtmap_mapassign(t, h, &k) = i;
            }
            size_t originals = 0;
            for (rtmap_mapiternext(&it); it.key; rtmap_mapiternext(&it)) {
                uint64_t v = *(uint64_t *)it.elem;
                if (v >= n)
                    continue;
                assert_true(v != first);
                assert_ptr_equal(((const rtmap_string *)it.key)->ptr, copies[v]);
                originals++;
            }
            assert_int_equal(originals, n - 1);
            rtmap_mapfree(t, h);
        }
    }

    const rtmap_maptype *tf = rt_map_of(&rtmap_type_float64, &rtmap_type_uint64);
    int checked = 0;
    for (int round = 0; round < 20; round++) {
        rtmap_hmap *h = rtmap_makemap(tf, 0);
        double negzero = -0.0, poszero = 0.0;
        *(uint64_t *)rtmap_mapassign(tf, h, &negzero) = 0;
        for (uint64_t i = 1; i < 20; i++)
            *(uint64_t *)rtmap_mapassign(tf, h, &(double){ (double)i }) = i;
        rtmap_hiter it;
        rtmap_mapiterinit(tf, h, &it);
        bool zero_first = *(uint64_t *)it.elem == 0;
        for (uint64_t i = 20; i < 3000; i++)
            *(uint64_t *)rtmap_mapassign(tf, h, &(double){ (double)i }) = i;
        *(uint64_t *)rtmap_mapassign(tf, h, &poszero) = 0;
        for (rtmap_mapiternext(&it); it.key; rtmap_mapiternext(&it)) {
            double k;
            memcpy(&k, it.key, sizeof k);
            if (k == 0.0) {
                assert_false(zero_first);
                assert_false(signbit(k));
                checked++;
            }
        }
        rtmap_mapfree(tf, h);
    }
    assert_true(checked > 0);
}

/* Over many iterations of one map, the first key is not always the same. */
static void test_order_varies(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64_map();
    static const uint64_t sizes[] = { 2, 3, 4, 5, 6, 7, 8, 9, 16, 100, 1000 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t n = sizes[s];
        rtmap_hmap *h = filled(t, n);
        memset(produced, 0, sizeof produced);
        int distinct_first = 0;
        for (int round = 0; round < 400; round++) {
            rtmap_hiter it;
            rtmap_mapiterinit(t, h, &it);
            uint64_t k = key_at(&it);
            if (!produced[k]++)
                distinct_first++;
            rtmap_mapiterstop(&it);
        }
        /* with n >= 2 a fixed order has one first key; random starts give several
           (the chance that 400 random starts all agree is below 1e-20) */
        assert_true(distinct_first >= 2);
        rtmap_mapfree(t, h);
    }
    /* separately made maps with the same keys do not all start with the same key */
    memset(produced, 0, sizeof produced);
    int distinct_first = 0;
    for (int round = 0; round < 200; round++) {
        rtmap_hmap *h = filled(t, 3);
        rtmap_hiter it;
        rtmap_mapiterinit(t, h, &it);
        if (!produced[key_at(&it)]++)
            distinct_first++;
        rtmap_mapiterstop(&it);
        rtmap_mapfree(t, h);
    }
    assert_true(distinct_first >= 2);
}

static void test_nil_and_empty_maps(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64_map();
    rtmap_hiter it;
    memset(&it, 0xff, sizeof it);
    rtmap_mapiterinit(t, NULL, &it);
    assert_null(it.key);
    rtmap_mapiternext(&it);
    assert_null(it.key);

    rtmap_hmap *h = rtmap_makemap(t, 0);
    rtmap_mapiterinit(t, h, &it);
    assert_null(it.key);
    rtmap_mapiternext(&it);
    assert_null(it.key);
    /* a map emptied by deletes after growth */
    for (uint64_t i = 0; i < 500; i++)
        *(uint64_t *)rtmap_mapassign(t, h, &i) = i;
    for (uint64_t i = 0; i < 500; i++)
        rtmap_mapdelete(t, h, &i);
    rtmap_mapiterinit(t, h, &it);
    assert_null(it.key);
    rtmap_mapfree(t, h);
}

/* NaN entries: each produced once, also when more NaNs are added during the loop. */
static void test_nan_keys_iterated(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_float64, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    double nan = NAN;
    for (uint64_t i = 0; i < 100; i++) {
        double k = i % 2 ? nan : (double)i;
        *(uint64_t *)rtmap_mapassign(t, h, &k) = i;
    }
    memset(produced, 0, sizeof produced);
    uint64_t next = 100;
    rtmap_hiter it;
    for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
        uint64_t v = *(uint64_t *)it.elem;
        double k;
        memcpy(&k, it.key, sizeof k);
        /* originals: NaN at odd values; every entry added in the loop is a NaN */
        assert_int_equal(isnan(k) != 0, v >= 100 || v % 2 == 1);
        assert_int_equal(produced[v]++, 0);
        if (next < 600) {
            *(uint64_t *)rtmap_mapassign(t, h, &nan) = next++;
            *(uint64_t *)rtmap_mapassign(t, h, &nan) = next++;
        }
    }
    for (uint64_t i = 0; i < 100; i++)
        assert_int_equal(produced[i], 1);
    assert_int_equal(rtmap_maplen(h), (intptr_t)next);
    assert_true(next > 200);            /* the map grew under the loop */
    RT_VERIFY(t, h);
    rtmap_mapfree(t, h);
}

/* NaN entries of a map caught in the middle of growth (every size up to 600 is
 * iterated right after its last insert): each produced once, without writes
 * during the loop and with updates of other keys that move growth on. */
static void test_nan_keys_mid_growth(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_float64, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_makemap(t, 0);
    double nan = NAN;
    for (uint64_t n = 1; n <= 600; n++) {
        uint64_t id = n - 1;
        double k = id % 3 ? nan : (double)id;
        *(uint64_t *)rtmap_mapassign(t, h, &k) = id;
        for (int writes = 0; writes < 2; writes++) {
            memset(produced, 0, sizeof produced);
            rtmap_hiter it;
            for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
                uint64_t v = *(uint64_t *)it.elem;
                assert_true(v < n);
                assert_int_equal(produced[v]++, 0);
                if (writes) {
                    /* rewrite a non-NaN key's elem: a write that moves growth on */
                    double upd = (double)(v / 3 * 3);
                    *(uint64_t *)rtmap_mapassign(t, h, &upd) = v / 3 * 3;
                }
            }
            for (uint64_t i = 0; i < n; i++)
                assert_int_equal(produced[i], 1);
        }
        if (n % 50 == 0)
            RT_VERIFY(t, h);
    }
    rtmap_mapfree(t, h);
}

/* Two iterators live at once, one stopped early; indirect keys and elems while
 * the map grows and shrinks under both. */
static void test_two_iterators_indirect(void **state)
{
    (void)state;
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 150, &big), RTMAP_OK);
    const rtmap_maptype *t = rt_map_of(big, big);
    uint8_t key[150] = { 0 }, *slot;
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (uint64_t i = 0; i < 600; i++) {
        memcpy(key, &i, 8);
        slot = rtmap_mapassign(t, h, key);
        memcpy(slot + 142, &i, 8);
    }
    static uint8_t seen_a[MAXKEYS], seen_b[MAXKEYS];
    memset(seen_a, 0, sizeof seen_a);
    memset(seen_b, 0, sizeof seen_b);
    rtmap_hiter a, b;
    rtmap_mapiterinit(t, h, &a);
    rtmap_mapiterinit(t, h, &b);
    uint64_t next = 600, steps = 0;
    bool b_live = true;
    while (a.key || (b_live && b.key)) {
        uint64_t k, v;
        if (a.key) {
            memcpy(&k, a.key, 8);
            memcpy(&v, (uint8_t *)a.elem + 142, 8);
            assert_int_equal(k, v);
            assert_true(k < MAXKEYS);
            assert_int_equal(seen_a[k]++, 0);
            rtmap_mapiternext(&a);
        }
        if (b_live && b.key && steps % 2 == 0) {
            memcpy(&k, b.key, 8);
            assert_true(k < MAXKEYS);
            assert_int_equal(seen_b[k]++, 0);
            rtmap_mapiternext(&b);
        }
        if (steps == 900 && b_live && b.key) {
            rtmap_mapiterstop(&b);      /* b leaves the loop early */
            b_live = false;
        }
        /* grow with new keys, and delete new keys again (originals are kept) */
        for (int j = 0; j < 3 && next < 4000; j++, next++) {
            memcpy(key, &next, 8);
            slot = rtmap_mapassign(t, h, key);
            memcpy(slot + 142, &next, 8);
        }
        if (next > 700 && steps % 3 == 0) {
            uint64_t victim = next - 50;
            memcpy(key, &victim, 8);
            rtmap_mapdelete(t, h, key);
        }
        if (++steps % 100 == 0)
            RT_VERIFY(t, h);
    }
    for (uint64_t i = 0; i < 600; i++)
        assert_int_equal(seen_a[i], 1);
    RT_VERIFY(t, h);
    rtmap_mapfree(t, h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_entry_once),
        cmocka_unit_test(test_deleted_before_reached_not_produced),
        cmocka_unit_test(test_insert_during_iteration),
        cmocka_unit_test(test_delete_replace_current),
        cmocka_unit_test(test_clear_during_iteration),
        cmocka_unit_test(test_clear_during_iteration_nan),
        cmocka_unit_test(test_clear_mid_growth_under_iteration),
        cmocka_unit_test(test_elem_is_current),
        cmocka_unit_test(test_key_is_current),
        cmocka_unit_test(test_order_varies),
        cmocka_unit_test(test_nil_and_empty_maps),
        cmocka_unit_test(test_nan_keys_iterated),
        cmocka_unit_test(test_nan_keys_mid_growth),
        cmocka_unit_test(test_two_iterators_indirect),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
