/* The nil map (NULL): every read sees an empty map, delete and clear do
 * nothing, iteration ends at once, clone is nil, and every assign entry point
 * panics with Go's "assignment to entry in nil map" (or returns NULL when the
 * handler returns). */
#include "map_test.h"

static const rtmap_maptype *u64_map(void)  { return rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64); }
static const rtmap_maptype *u32_map(void)  { return rt_map_of(&rtmap_type_uint32, &rtmap_type_uint64); }
static const rtmap_maptype *str_map(void)  { return rt_map_of(&rtmap_type_string, &rtmap_type_uint64); }
static const rtmap_maptype *ptr_map(void)  { return rt_map_of(&rtmap_type_unsafe_pointer, &rtmap_type_uint64); }

static void test_nil_reads(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64_map(), *t32 = u32_map(), *ts = str_map();
    uint64_t k = 1;
    bool ok = true;
    assert_int_equal(rtmap_maplen(NULL), 0);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, NULL, &k), 0);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess2(t, NULL, &k, &ok), 0);
    assert_false(ok);
    ok = true;
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast64(t, NULL, 1), 0);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess2_fast64(t, NULL, 1, &ok), 0);
    assert_false(ok);
    ok = true;
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast32(t32, NULL, 1), 0);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess2_fast32(t32, NULL, 1, &ok), 0);
    assert_false(ok);
    ok = true;
    rtmap_string s = { "key", 3 };
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1_faststr(ts, NULL, s), 0);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess2_faststr(ts, NULL, s, &ok), 0);
    assert_false(ok);
    ok = true;
    static const uint8_t zero[4096];
    assert_ptr_equal(rtmap_mapaccess1_fat(t, NULL, &k, zero), zero);
    assert_ptr_equal(rtmap_mapaccess2_fat(t, NULL, &k, zero, &ok), zero);
    assert_false(ok);

    uint64_t out[4] = { 9, 9, 9, 9 };
    assert_int_equal(rtmap_mapkeys(t, NULL, out, 4), 0);
    assert_int_equal(rtmap_mapvalues(t, NULL, out, 4), 0);
    assert_int_equal(out[0], 9);
    assert_null(rtmap_mapclone(t, NULL));

    rtmap_hiter it;
    rtmap_mapiterinit(t, NULL, &it);
    assert_null(it.key);
    rtmap_mapiternext(&it);
    assert_null(it.key);
    rtmap_mapiterstop(&it);
}

static void test_nil_delete_and_clear_do_nothing(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64_map();
    uint64_t k = 1;
    rtmap_mapdelete(t, NULL, &k);
    rtmap_mapdelete_fast64(t, NULL, 1);
    rtmap_mapdelete_fast32(u32_map(), NULL, 1);
    rtmap_mapdelete_faststr(str_map(), NULL, (rtmap_string){ "k", 1 });
    rtmap_mapclear(t, NULL);
    assert_int_equal(rtmap_maplen(NULL), 0);
}

static void *assign_nil(int which)
{
    uint64_t k = 1;
    switch (which) {
    case 0: return rtmap_mapassign(u64_map(), NULL, &k);
    case 1: return rtmap_mapassign_fast64(u64_map(), NULL, 1);
    case 2: return rtmap_mapassign_fast64ptr(ptr_map(), NULL, &k);
    case 3: return rtmap_mapassign_fast32(u32_map(), NULL, 1);
    case 4: return rtmap_mapassign_fast32ptr(u32_map(), NULL, (void *)(uintptr_t)1);
    default: return rtmap_mapassign_faststr(str_map(), NULL, (rtmap_string){ "k", 1 });
    }
}

/* The panic kind (or -1) that assign entry point `which` raises on a nil map. */
static int nil_assign(int which)
{
    int kind;
    RT_TRY(kind) {
        assign_nil(which);
    }
    return kind;
}

static void test_nil_assign_panics(void **state)
{
    (void)state;
    for (int which = 0; which < 6; which++) {
        rt_last_panic_msg[0] = 0;
        assert_int_equal(nil_assign(which), RTMAP_PANIC_NIL_MAP_WRITE);
        assert_non_null(strstr(rt_last_panic_msg, "assignment to entry in nil map"));
    }
}

/* Lookup and delete hash the key before they look at the map, so an unhashable
 * key panics even on a nil map (Go issue 23734); assign reports the nil map first,
 * as Go's mapassign does. */
static int op_on_nil(int op, const rtmap_maptype *t, const void *key)
{
    int kind;
    RT_TRY(kind) {
        bool ok;
        switch (op) {
        case 0: rtmap_mapaccess1(t, NULL, key); break;
        case 1: rtmap_mapaccess2(t, NULL, key, &ok); break;
        case 2: rtmap_mapdelete(t, NULL, key); break;
        default: rtmap_mapassign(t, NULL, key); break;
        }
    }
    return kind;
}

static void test_nil_map_unhashable_key(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_any, &rtmap_type_uint64);
    const rtmap_maptype *unhashable = rt_map_of(&rtmap_type_int64, &rtmap_type_uint64);
    rtmap_eface bad = { &unhashable->type, NULL };
    for (int op = 0; op < 3; op++) {
        rt_last_panic_msg[0] = 0;
        assert_int_equal(op_on_nil(op, t, &bad), RTMAP_PANIC_UNHASHABLE);
        assert_non_null(strstr(rt_last_panic_msg, "hash of unhashable type map[int64]uint64"));
    }
    assert_int_equal(op_on_nil(3, t, &bad), RTMAP_PANIC_NIL_MAP_WRITE);
    /* a hashable any key on a nil map reads as missing */
    static const int64_t five = 5;
    rtmap_eface good = { &rtmap_type_int64, &five };
    for (int op = 0; op < 3; op++)
        assert_int_equal(op_on_nil(op, t, &good), -1);
}

/* A handler that returns: the assign returns NULL (no slot to write to). */
static void test_nil_assign_handler_returns(void **state)
{
    (void)state;
    /* types first: making them must not run under the returning handler */
    (void)u64_map(); (void)u32_map(); (void)str_map(); (void)ptr_map();
    for (int which = 0; which < 6; which++) {
        rt_install_returning_handler();
        void *slot = assign_nil(which);
        rt_install_panic_catcher();
        assert_int_equal(rt_returned_panics, 1);
        assert_int_equal(rt_last_panic_kind, RTMAP_PANIC_NIL_MAP_WRITE);
        assert_null(slot);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nil_reads),
        cmocka_unit_test(test_nil_delete_and_clear_do_nothing),
        cmocka_unit_test(test_nil_assign_panics),
        cmocka_unit_test(test_nil_map_unhashable_key),
        cmocka_unit_test(test_nil_assign_handler_returns),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
