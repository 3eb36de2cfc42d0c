/* Nil maps, Go's fatal errors for concurrent misuse (detected through the writing
 * flag), unhashable keys, and handlers that return instead of leaving. */
#include "swiss_test.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

static jmp_buf jump;
static int last_kind = -1;
static char last_msg[256];
static bool leave;        /* longjmp out of the handler (else return) */

static void handler(void *ctx, rtmap_panic_kind kind, const char *msg)
{
    (void)ctx;
    last_kind = (int)kind;
    snprintf(last_msg, sizeof last_msg, "%s", msg);
    if (leave)
        longjmp(jump, 1);
}

#define EXPECT_PANIC(kind, text, code)                                \
    do {                                                              \
        leave = true;                                                 \
        last_kind = -1;                                               \
        if (setjmp(jump) == 0) {                                      \
            code;                                                     \
            fail_msg("no panic from %s", #code);                      \
        }                                                             \
        assert_int_equal(last_kind, (kind));                          \
        assert_non_null(strstr(last_msg, (text)));                    \
    } while (0)

static int setup(void **state)
{
    (void)state;
    rtmap_set_panic_handler(handler, NULL);
    return 0;
}

static const rtmap_maptype *u64(void)
{
    return st_map_type(&rtmap_type_uint64, &rtmap_type_uint64);
}

static void test_nil_map(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64();
    const rtmap_maptype *ts = st_map_type(&rtmap_type_string, &rtmap_type_uint64);
    const rtmap_maptype *t32 = st_map_type(&rtmap_type_uint32, &rtmap_type_uint64);
    uint64_t k = 1;
    bool ok = true;
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, NULL, &k), 0);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess2(t, NULL, &k, &ok), 0);
    assert_false(ok);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast64(t, NULL, 1), 0);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast32(t32, NULL, 1), 0);
    rtmap_string s = { "a", 1 };
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1_faststr(ts, NULL, s), 0);
    static const uint8_t zero[2000];
    assert_ptr_equal(rtmap_mapaccess1_fat(t, NULL, &k, zero), zero);
    assert_int_equal(rtmap_maplen(NULL), 0);
    rtmap_mapdelete(t, NULL, &k);
    rtmap_mapdelete_fast64(t, NULL, 1);
    rtmap_mapclear(t, NULL);
    assert_null(rtmap_mapclone(t, NULL));
    rtmap_hiter it;
    rtmap_mapiterinit(t, NULL, &it);
    assert_null(it.key);
    rtmap_mapiternext(&it);
    assert_null(it.key);
    uint64_t out[4];
    assert_int_equal(rtmap_mapkeys(t, NULL, out, 4), 0);
    EXPECT_PANIC(RTMAP_PANIC_NIL_MAP_WRITE, "assignment to entry in nil map", rtmap_mapassign(t, NULL, &k));
    EXPECT_PANIC(RTMAP_PANIC_NIL_MAP_WRITE, "assignment to entry in nil map", rtmap_mapassign_fast64(t, NULL, 1));
    EXPECT_PANIC(RTMAP_PANIC_NIL_MAP_WRITE, "assignment to entry in nil map", rtmap_mapassign_fast32(t32, NULL, 1));
    EXPECT_PANIC(RTMAP_PANIC_NIL_MAP_WRITE, "assignment to entry in nil map", rtmap_mapassign_faststr(ts, NULL, s));
    /* A handler that returns: the call returns NULL. */
    leave = false;
    assert_null(rtmap_mapassign(t, NULL, &k));
    assert_int_equal(last_kind, RTMAP_PANIC_NIL_MAP_WRITE);
}

static void test_concurrent_misuse_is_fatal(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64();
    for (int n = 1; n <= 100; n += 99) {          /* small map and a table map */
        rtmap_hmap *m = rtmap_makemap(t, 0);
        for (uint64_t k = 0; k < (uint64_t)n; k++)
            *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
        uint64_t k = 0;
        rtmap_hiter it;
        rtmap_mapiterinit(t, m, &it);
        m->writing = 1;                            /* as if another thread were writing */
        EXPECT_PANIC(RTMAP_FATAL_CONCURRENT_WRITES, "concurrent map writes", rtmap_mapassign(t, m, &k));
        EXPECT_PANIC(RTMAP_FATAL_CONCURRENT_WRITES, "concurrent map writes", rtmap_mapassign_fast64(t, m, 5));
        EXPECT_PANIC(RTMAP_FATAL_CONCURRENT_WRITES, "concurrent map writes", rtmap_mapdelete(t, m, &k));
        EXPECT_PANIC(RTMAP_FATAL_CONCURRENT_WRITES, "concurrent map writes", rtmap_mapdelete_fast64(t, m, 0));
        EXPECT_PANIC(RTMAP_FATAL_CONCURRENT_WRITES, "concurrent map writes", rtmap_mapclear(t, m));
        EXPECT_PANIC(RTMAP_FATAL_CONCURRENT_READ_WRITE, "concurrent map read and map write",
                     rtmap_mapaccess1(t, m, &k));
        EXPECT_PANIC(RTMAP_FATAL_CONCURRENT_READ_WRITE, "concurrent map read and map write",
                     rtmap_mapaccess1_fast64(t, m, 0));
        EXPECT_PANIC(RTMAP_FATAL_CONCURRENT_READ_WRITE, "concurrent map clone and map write",
                     rtmap_mapclone(t, m));
        EXPECT_PANIC(RTMAP_FATAL_CONCURRENT_ITER_WRITE, "concurrent map iteration and map write",
                     rtmap_mapiternext(&it));
        assert_true(rtmap_impl_writing(m));
        m->writing = 0;
        assert_false(rtmap_impl_writing(m));
        rtmap_mapiterstop(&it);
        RT_VERIFY(t, m);
        rtmap_mapfree(t, m);
    }
}

/* An `any` key holding a type without a hasher. */
static void test_unhashable_keys(void **state)
{
    (void)state;
    const rtmap_maptype *t = st_map_type(&rtmap_type_any, &rtmap_type_uint64);
    assert_true(t->flags & RTMAP_HASH_MIGHT_PANIC);
    static const rtmap_type func_type = { .size = sizeof(void *), .align = _Alignof(void *),
                                          .kind = RTMAP_KIND_FUNC, .str = "func()" };
    static int dummy;
    rtmap_eface bad = { &func_type, &dummy };
    EXPECT_PANIC(RTMAP_PANIC_UNHASHABLE, "hash of unhashable type func()", rtmap_mapaccess1(t, NULL, &bad));
    rtmap_hmap *m = rtmap_makemap(t, 0);
    EXPECT_PANIC(RTMAP_PANIC_UNHASHABLE, "hash of unhashable type func()", rtmap_mapdelete(t, m, &bad));
    int64_t one = 1;
    rtmap_eface good = { &rtmap_type_int64, &one };
    *(uint64_t *)rtmap_mapassign(t, m, &good) = 7;
    EXPECT_PANIC(RTMAP_PANIC_UNHASHABLE, "hash of unhashable type func()", rtmap_mapassign(t, m, &bad));
    assert_false(rtmap_impl_writing(m));
    assert_int_equal(rtmap_maplen(m), 1);
    /* Returning handler: the calls return as if not made. */
    leave = false;
    assert_null(rtmap_mapassign(t, m, &bad));
    bool ok = true;
    assert_int_equal(*(uint64_t *)rtmap_mapaccess2(t, m, &bad, &ok), 0);
    assert_false(ok);
    rtmap_mapdelete(t, m, &bad);
    assert_int_equal(rtmap_maplen(m), 1);
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1(t, m, &good), 7);
    RT_VERIFY(t, m);
    rtmap_mapfree(t, m);
}

/* Out of memory with a handler that returns: NULL, map unchanged. */
static void test_oom_returning_handler(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64();
    rt_use_test_allocator();
    rtmap_set_panic_handler(handler, NULL);
    leave = false;
    rtmap_hmap *m = rtmap_makemap(t, 0);
    for (uint64_t k = 0; k < 8; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    rt_fail_allocation_after(1);
    last_kind = -1;
    assert_null(rtmap_mapassign_fast64(t, m, 100));      /* promotion needs a table */
    assert_int_equal(last_kind, RTMAP_PANIC_OUT_OF_MEMORY);
    assert_int_equal(rtmap_maplen(m), 8);
    assert_false(rtmap_impl_writing(m));
    RT_VERIFY(t, m);
    *(uint64_t *)rtmap_mapassign_fast64(t, m, 100) = 100;
    assert_int_equal(rtmap_maplen(m), 9);
    rt_fail_allocation_after(1);
    assert_null(rtmap_makemap(t, 1000));
    assert_int_equal(last_kind, RTMAP_PANIC_OUT_OF_MEMORY);
    rtmap_mapfree(t, m);
    assert_int_equal(rt_alloc.live_blocks, 0);
    rt_use_heap_allocator();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nil_map),
        cmocka_unit_test(test_concurrent_misuse_is_fatal),
        cmocka_unit_test(test_unhashable_keys),
        cmocka_unit_test(test_oom_returning_handler),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
