/* The reflect_* entry points: Go semantics, and reflect_makemap's invariant
 * checks with Go's messages on hand-broken copies of a good map type. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void setup_catcher(void)
{
    rt_install_panic_catcher();
}

/* ---- reflect_makemap invariants --------------------------------------------- */

/* Runs reflect_makemap(t) expecting a BAD_TYPE panic whose message contains `msg`. */
static void expect_bad_type(const rtmap_maptype *t, const char *msg)
{
    int kind;
    rtmap_hmap *volatile h = NULL;
    RT_TRY(kind) {
        h = rtmap_reflect_makemap(t, 0);
    }
    if (kind != RTMAP_PANIC_BAD_TYPE)
        fail_msg("expected BAD_TYPE panic \"%s\", got kind %d (map %p)", msg, kind, (void *)h);
    assert_int_equal(rt_last_panic_kind, RTMAP_PANIC_BAD_TYPE);
    if (!strstr(rt_last_panic_msg, msg))
        fail_msg("panic message \"%s\" does not contain \"%s\"", rt_last_panic_msg, msg);
}

static void test_makemap_valid(void **state)
{
    (void)state;
    setup_catcher();
    const rtmap_maptype *mt = rt_map_of(&rtmap_type_int64, &rtmap_type_int64);
    int kind;
    rtmap_hmap *volatile h = NULL;
    RT_TRY(kind) {
        h = rtmap_reflect_makemap(mt, 100);
    }
    assert_int_equal(kind, -1);
    assert_non_null(h);
    assert_int_equal(rtmap_reflect_maplen(h), 0);
    RT_VERIFY(mt, h);
    rtmap_mapfree(mt, h);

    /* indirect key and elem pass the checks too */
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 200, &big), RTMAP_OK);
    const rtmap_maptype *bm = rt_map_of(big, big);
    RT_TRY(kind) {
        h = rtmap_reflect_makemap(bm, 0);
    }
    assert_int_equal(kind, -1);
    rtmap_mapfree(bm, h);
}

static void test_makemap_invariants(void **state)
{
    (void)state;
    setup_catcher();
    const rtmap_maptype *good = rt_map_of(&rtmap_type_int64, &rtmap_type_int32);
    rtmap_maptype t;
    rtmap_type k, e;

    t = *good;
    k = *good->key;
    k.equal = NULL;
    t.key = &k;
    expect_bad_type(&t, "unsupported map key type");

    t = *good;
    t.keysize = 4;
    expect_bad_type(&t, "key size wrong");
    t = *good;
    t.flags |= RTMAP_INDIRECT_KEY;
    expect_bad_type(&t, "key size wrong");
    t = *good;
    t.valuesize = 8;
    expect_bad_type(&t, "elem size wrong");
    t = *good;
    t.flags |= RTMAP_INDIRECT_ELEM;
    expect_bad_type(&t, "elem size wrong");

    /* a big key stored directly */
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 129, &big), RTMAP_OK);
    const rtmap_maptype *bigmap = rt_map_of(big, big);
    t = *bigmap;
    t.flags &= ~(uint32_t)RTMAP_INDIRECT_KEY;
    expect_bad_type(&t, "key size wrong");
    t = *bigmap;
    t.keysize = 4;
    expect_bad_type(&t, "key size wrong");
    t = *bigmap;
    t.flags &= ~(uint32_t)RTMAP_INDIRECT_ELEM;
    expect_bad_type(&t, "elem size wrong");

    t = *good;
    k = *good->key;
    k.align = 16;
    k.size = 16;
    t.key = &k;
    t.keysize = 16;
    expect_bad_type(&t, "key align too big");
    t = *good;
    e = *good->elem;
    e.align = 16;
    e.size = 16;
    t.elem = &e;
    t.valuesize = 16;
    expect_bad_type(&t, "elem align too big");

    t = *good;
    k = *good->key;
    k.size = 6;
    k.align = 4;
    t.key = &k;
    t.keysize = 6;
    expect_bad_type(&t, "key size not a multiple of key align");
    t = *good;
    e = *good->elem;
    e.size = 6;
    e.align = 4;
    t.elem = &e;
    t.valuesize = 6;
    expect_bad_type(&t, "elem size not a multiple of elem align");
    t = *good;
    k = *good->key;
    k.align = 0;
    t.key = &k;
    expect_bad_type(&t, "key size not a multiple of key align");

    t = *good;
    t.bucketsize = 8;
    expect_bad_type(&t, "bucketsize too small for proper alignment");

    /* an alignment that does not divide the 8-byte bucket header */
    t = *good;
    k = *good->key;
    k.size = 3;
    k.align = 3;
    t.key = &k;
    t.keysize = 3;
    expect_bad_type(&t, "need padding in bucket (key)");
    t = *good;
    e = *good->elem;
    e.size = 3;
    e.align = 3;
    t.elem = &e;
    t.valuesize = 3;
    expect_bad_type(&t, "need padding in bucket (elem)");

    t = *good;
    t.key = NULL;
    expect_bad_type(&t, "malformed map type");
    expect_bad_type(NULL, "malformed map type");
}

static void test_makemap_handler_returns(void **state)
{
    (void)state;
    const rtmap_maptype *good = rt_map_of(&rtmap_type_int64, &rtmap_type_int32);
    rtmap_maptype t = *good;
    t.valuesize = 1;
    rt_install_returning_handler();
    assert_null(rtmap_reflect_makemap(&t, 10));
    rtmap_set_panic_handler(NULL, NULL);
    assert_int_equal(rt_returned_panics, 1);
    assert_string_equal(rt_last_panic_msg, "elem size wrong");
}

/* ---- access, assign, delete --------------------------------------------------- */

static void test_access_assign_delete(void **state)
{
    (void)state;
    setup_catcher();
    const rtmap_maptype *mt = rt_map_of(&rtmap_type_int64, &rtmap_type_int64);
    rtmap_hmap *h = rtmap_reflect_makemap(mt, 0);
    for (int64_t i = 0; i < 100; i++) {
        int64_t v = i * 3;
        rtmap_reflect_mapassign(mt, h, &i, &v);
    }
    assert_int_equal(rtmap_reflect_maplen(h), 100);
    assert_int_equal(rtmap_reflectlite_maplen(h), 100);
    for (int64_t i = 0; i < 100; i++) {
        int64_t *p = rtmap_reflect_mapaccess(mt, h, &i);
        assert_non_null(p);
        assert_int_equal(*p, i * 3);
    }
    int64_t missing = 1000;
    assert_null(rtmap_reflect_mapaccess(mt, h, &missing));
    /* overwrite */
    int64_t k = 5, v = -1;
    rtmap_reflect_mapassign(mt, h, &k, &v);
    assert_int_equal(*(int64_t *)rtmap_reflect_mapaccess(mt, h, &k), -1);
    assert_int_equal(rtmap_reflect_maplen(h), 100);
    for (int64_t i = 0; i < 100; i += 2)
        rtmap_reflect_mapdelete(mt, h, &i);
    assert_int_equal(rtmap_reflect_maplen(h), 50);
    for (int64_t i = 0; i < 100; i++)
        assert_int_equal(rtmap_reflect_mapaccess(mt, h, &i) != NULL, i % 2 == 1);
    RT_VERIFY(mt, h);
    rtmap_reflect_mapclear(mt, h);
    assert_int_equal(rtmap_reflect_maplen(h), 0);
    assert_null(rtmap_reflect_mapaccess(mt, h, &k));
    RT_VERIFY(mt, h);
    rtmap_mapfree(mt, h);

    /* nil map: reads empty, len 0, delete is a no-op */
    assert_null(rtmap_reflect_mapaccess(mt, NULL, &k));
    assert_int_equal(rtmap_reflect_maplen(NULL), 0);
    assert_int_equal(rtmap_reflectlite_maplen(NULL), 0);
    rtmap_reflect_mapdelete(mt, NULL, &k);
    rtmap_reflect_mapclear(mt, NULL);
}

static void test_faststr(void **state)
{
    (void)state;
    setup_catcher();
    const rtmap_maptype *mt = rt_map_of(&rtmap_type_string, &rtmap_type_int32);
    rtmap_hmap *h = rtmap_reflect_makemap(mt, 0);
    static const char *words[] = { "alpha", "beta", "gamma", "", "delta" };
    for (int32_t i = 0; i < 5; i++) {
        rtmap_string s = { words[i], strlen(words[i]) };
        rtmap_reflect_mapassign_faststr(mt, h, s, &i);
    }
    assert_int_equal(rtmap_reflect_maplen(h), 5);
    for (int32_t i = 0; i < 5; i++) {
        char copy[16];
        snprintf(copy, sizeof copy, "%s", words[i]);
        rtmap_string s = { copy, strlen(copy) };
        int32_t *p = rtmap_reflect_mapaccess_faststr(mt, h, s);
        assert_non_null(p);
        assert_int_equal(*p, i);
        /* the generic entry points agree */
        assert_ptr_equal(rtmap_reflect_mapaccess(mt, h, &s), p);
    }
    rtmap_string nope = { "epsilon", 7 };
    assert_null(rtmap_reflect_mapaccess_faststr(mt, h, nope));
    rtmap_string beta = { "beta", 4 };
    rtmap_reflect_mapdelete_faststr(mt, h, beta);
    assert_null(rtmap_reflect_mapaccess_faststr(mt, h, beta));
    assert_int_equal(rtmap_reflect_maplen(h), 4);
    RT_VERIFY(mt, h);
    rtmap_mapfree(mt, h);
    assert_null(rtmap_reflect_mapaccess_faststr(mt, NULL, beta));
    rtmap_reflect_mapdelete_faststr(mt, NULL, beta);
}

/* Elems over 128 bytes are stored indirectly; the string entry points of the
   reflection layer take them through the generic path, as Go's reflect does. */
static void test_faststr_big_elems(void **state)
{
    (void)state;
    setup_catcher();
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 144, &big), RTMAP_OK);
    const rtmap_maptype *mt = rt_map_of(&rtmap_type_string, big);
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_reflect_makemap(mt, 0);
    uint8_t elem[144];
    static const char *words[] = { "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9" };
    for (int i = 0; i < 10; i++) {
        memset(elem, i + 1, sizeof elem);
        rtmap_reflect_mapassign_faststr(mt, h, (rtmap_string){ words[i], 2 }, elem);
    }
    for (int i = 0; i < 10; i++) {
        uint8_t *p = rtmap_reflect_mapaccess_faststr(mt, h, (rtmap_string){ words[i], 2 });
        assert_non_null(p);
        assert_int_equal(p[0], i + 1);
        assert_int_equal(p[143], i + 1);
        assert_ptr_equal(rtmap_reflect_mapaccess(mt, h, &(rtmap_string){ words[i], 2 }), p);
    }
    rtmap_reflect_mapdelete_faststr(mt, h, (rtmap_string){ "k3", 2 });
    assert_null(rtmap_reflect_mapaccess_faststr(mt, h, (rtmap_string){ "k3", 2 }));
    assert_int_equal(rtmap_reflect_maplen(h), 9);
    RT_VERIFY(mt, h);
    rtmap_mapfree(mt, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

static void test_iteration(void **state)
{
    (void)state;
    setup_catcher();
    const rtmap_maptype *mt = rt_map_of(&rtmap_type_uint32, &rtmap_type_uint64);
    rtmap_hmap *h = rtmap_reflect_makemap(mt, 0);
    enum { N = 300 };
    for (uint32_t i = 0; i < N; i++) {
        uint64_t v = (uint64_t)i * i;
        rtmap_reflect_mapassign(mt, h, &i, &v);
    }
    unsigned char seen[N] = { 0 };
    rtmap_hiter it;
    size_t count = 0;
    for (rtmap_reflect_mapiterinit(mt, h, &it); rtmap_reflect_mapiterkey(&it);
         rtmap_reflect_mapiternext(&it)) {
        uint32_t k = *(uint32_t *)rtmap_reflect_mapiterkey(&it);
        uint64_t v = *(uint64_t *)rtmap_reflect_mapiterelem(&it);
        assert_true(k < N);
        assert_int_equal(v, (uint64_t)k * k);
        assert_int_equal(seen[k], 0);
        seen[k] = 1;
        count++;
    }
    assert_int_equal(count, N);
    assert_null(rtmap_reflect_mapiterkey(&it));
    rtmap_mapfree(mt, h);

    rtmap_reflect_mapiterinit(mt, NULL, &it);
    assert_null(rtmap_reflect_mapiterkey(&it));
}

static void test_assign_nil_map_and_unhashable(void **state)
{
    (void)state;
    setup_catcher();
    const rtmap_maptype *mt = rt_map_of(&rtmap_type_int64, &rtmap_type_int64);
    int64_t k = 1, v = 2;
    int kind;
    RT_TRY(kind) {
        rtmap_reflect_mapassign(mt, NULL, &k, &v);
    }
    assert_int_equal(rt_last_panic_kind, RTMAP_PANIC_NIL_MAP_WRITE);
    assert_true(kind != -1);
    assert_non_null(strstr(rt_last_panic_msg, "assignment to entry in nil map"));

    /* a handler that returns: nothing is written, nothing crashes */
    rt_install_returning_handler();
    rtmap_reflect_mapassign(mt, NULL, &k, &v);
    assert_int_equal(rt_returned_panics, 1);

    const rtmap_maptype *am = rt_map_of(&rtmap_type_any, &rtmap_type_int64);
    rtmap_hmap *h = rtmap_reflect_makemap(am, 0);
    int64_t one = 1;
    rtmap_eface good = { &rtmap_type_int64, &one };
    rtmap_reflect_mapassign(am, h, &good, &v);
    rtmap_eface bad = { &mt->type, NULL };    /* a map is not hashable */
    rtmap_reflect_mapassign(am, h, &bad, &v);
    assert_int_equal(rt_returned_panics, 2);
    assert_non_null(strstr(rt_last_panic_msg, "hash of unhashable type map[int64]int64"));
    assert_int_equal(rtmap_reflect_maplen(h), 1);
    assert_int_equal(*(int64_t *)rtmap_reflect_mapaccess(am, h, &good), 2);
    RT_VERIFY(am, h);
    rtmap_set_panic_handler(NULL, NULL);
    rtmap_mapfree(am, h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_makemap_valid),
        cmocka_unit_test(test_makemap_invariants),
        cmocka_unit_test(test_makemap_handler_returns),
        cmocka_unit_test(test_access_assign_delete),
        cmocka_unit_test(test_faststr),
        cmocka_unit_test(test_faststr_big_elems),
        cmocka_unit_test(test_iteration),
        cmocka_unit_test(test_assign_nil_map_and_unhashable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
