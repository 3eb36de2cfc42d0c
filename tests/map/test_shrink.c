/* Maps give memory back (both builds): deletes that leave a map far below its
 * load shrink it through the same incremental machinery as growth, with Go's
 * iteration guarantees intact, without resizing back and forth around one size,
 * and with the allocation-failure guarantee. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static const rtmap_maptype *u64map(void)
{
    return rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
}

static void put(const rtmap_maptype *t, rtmap_hmap *h, uint64_t k, uint64_t v)
{
    uint64_t *e = rtmap_mapassign_fast64(t, h, k);
    assert_non_null(e);
    *e = v;
}

/* A write that changes nothing, to let incremental work finish. */
static void touch(const rtmap_maptype *t, rtmap_hmap *h, int times)
{
    for (int i = 0; i < times; i++) {
        put(t, h, UINT64_MAX, 0);
        rtmap_mapdelete_fast64(t, h, UINT64_MAX);
    }
}

/* After deleting all but 1% of 10^6 entries the map holds at most 5% of its
   peak memory (3 * 10^5 entries under the sanitizers, to stay quick). */
static void test_memory_comes_back(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    const uint64_t n = SANITIZED ? 300000 : 1000000;
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_makemap_small(t);
    for (uint64_t k = 0; k < n; k++)
        put(t, h, k, k);
    size_t peak = rt_alloc.peak_bytes;
    for (uint64_t k = 0; k < n; k++)
        if (k % 100 != 0)
            rtmap_mapdelete_fast64(t, h, k);
    touch(t, h, 5000);
    RT_VERIFY(t, h);
    assert_int_equal(rtmap_maplen(h), n / 100);
    for (uint64_t k = 0; k < n; k += 100) {
        bool ok;
        assert_int_equal(*(uint64_t *)rtmap_mapaccess2_fast64(t, h, k, &ok), k);
        assert_true(ok);
    }
    printf("# %s: %llu entries: peak %zu bytes; after deleting 99%%: %zu bytes (%.1f%%)\n",
           rtmap_experiment_swissmap() ? "swiss" : "noswiss", (unsigned long long)n, peak,
           rt_alloc.live_bytes, 100.0 * (double)rt_alloc.live_bytes / (double)peak);
    assert_true(rt_alloc.live_bytes * 20 <= peak);
    rtmap_mapfree(t, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

/* A map presized on purpose keeps its size: emptying it by deletes frees
   nothing. */
static void test_hint_is_a_floor(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_makemap(t, 50000);
    size_t presized = rt_alloc.live_bytes;
    for (uint64_t k = 0; k < 50000; k++)
        put(t, h, k, k);
    for (uint64_t k = 0; k < 50000; k++)
        rtmap_mapdelete_fast64(t, h, k);
    touch(t, h, 1000);
    RT_VERIFY(t, h);
    assert_true(rt_alloc.live_bytes >= presized);
    rtmap_mapfree(t, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    rt_use_heap_allocator();
}

/* Waves of deletes and inserts around one size: once settled, the map neither
   shrinks nor grows again (no allocation at all). */
static void test_waves_do_not_resize(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_makemap_small(t);
    const uint64_t n = 40000;
    for (uint64_t k = 0; k < n; k++)
        put(t, h, k, k);
    long settled = 0;
    for (int wave = 0; wave < 40; wave++) {
        if (wave == 4)
            settled = rt_alloc.allocs;
        /* Delete a third of the keys, then put the same keys back. */
        for (uint64_t k = 0; k < n; k++)
            if (k % 3 == 0)
                rtmap_mapdelete_fast64(t, h, k);
        for (uint64_t k = 0; k < n; k++)
            if (k % 3 == 0)
                put(t, h, k, k + (uint64_t)wave);
    }
    RT_VERIFY(t, h);
    long after = rt_alloc.allocs - settled;
    printf("# %s: 36 waves of -33%%/+33%% around %llu entries: %ld allocations\n",
           rtmap_experiment_swissmap() ? "swiss" : "noswiss", (unsigned long long)n, after);
    assert_int_equal(after, 0);
    rtmap_mapfree(t, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    rt_use_heap_allocator();
}

/* Iterating while 99% of a 10^5-entry map is deleted and some keys come back:
   every surviving original entry exactly once, no deleted one, a re-added one at
   most once. */
static void test_iterate_while_shrinking(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    enum { N = 100000 };
    static uint8_t seen[N];      /* 0 not produced, 1 produced, 2 re-added, 3 re-added and produced */
    static bool deleted[N];
    for (int trial = 0; trial < 2; trial++) {
        rtmap_hmap *h = rtmap_makemap_small(t);
        for (uint64_t k = 0; k < N; k++)
            put(t, h, k, k);
        memset(seen, 0, sizeof seen);
        memset(deleted, 0, sizeof deleted);
        uint64_t rng = 99 + (uint64_t)trial, cursor = 0;
        rtmap_hiter it;
        size_t produced = 0;
        for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
            uint64_t k = *(uint64_t *)it.key;
            assert_true(k < N);
            assert_false(deleted[k]);
            assert_true(seen[k] == 0 || seen[k] == 2);
            seen[k] = seen[k] == 0 ? 1 : 3;
            assert_int_equal(*(uint64_t *)it.elem, k);
            produced++;
            for (int d = 0; d < 99 && cursor < N; d++, cursor++) {
                if (cursor % 100 == 0 || seen[cursor])
                    continue;
                rtmap_mapdelete_fast64(t, h, cursor);
                deleted[cursor] = true;
            }
            uint64_t back = rt_splitmix64(&rng) % N;
            if (deleted[back]) {
                put(t, h, back, back);
                deleted[back] = false;
                seen[back] = 2;
            }
            if (produced % 64 == 0)
                RT_VERIFY(t, h);
        }
        RT_VERIFY(t, h);
        size_t live = 0;
        for (uint64_t k = 0; k < N; k++) {
            if (!deleted[k] && seen[k] < 2)
                assert_int_equal(seen[k], 1);
            live += !deleted[k];
        }
        assert_int_equal(rtmap_maplen(h), live);
        rtmap_mapfree(t, h);
    }
}

/* The panic kind a delete raised, or -1. */
static int try_delete(const rtmap_maptype *t, rtmap_hmap *h, uint64_t k)
{
    int kind;
    RT_TRY(kind) { rtmap_mapdelete_fast64(t, h, k); }
    return kind;
}

/* The k-th allocation fails while a map is emptied: a delete either completes
   or raises OUT_OF_MEMORY having changed nothing; the map stays valid. */
static void test_alloc_failure_while_shrinking(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    enum { N = 4000 };
    static bool present[N];
    int runs = 0, failures_seen = 0;
    for (long fail_at = 1; fail_at < 400; fail_at++, runs++) {
        rt_use_test_allocator();
        rtmap_hmap *h = rtmap_makemap_small(t);
        for (uint64_t k = 0; k < N; k++) {
            put(t, h, k, k);
            present[k] = true;
        }
        long before = rt_alloc.failures;
        rt_fail_allocation_after(fail_at);
        for (uint64_t k = 0; k < N; k++) {
            if (k % 40 == 0)
                continue;
            int kind = try_delete(t, h, k);
            if (kind >= 0)
                assert_int_equal(kind, RTMAP_PANIC_OUT_OF_MEMORY);
            else
                present[k] = false;
        }
        rt_fail_allocation_after(0);
        failures_seen += rt_alloc.failures > before;
        RT_VERIFY(t, h);
        size_t live = 0;
        for (uint64_t k = 0; k < N; k++) {
            bool ok;
            rtmap_mapaccess2_fast64(t, h, k, &ok);
            assert_int_equal(ok, present[k]);
            live += present[k];
        }
        assert_int_equal(rtmap_maplen(h), live);
        rtmap_mapfree(t, h);
        assert_int_equal(rt_alloc.live_blocks, 0);
        assert_false(rt_alloc.bad_free);
        rt_use_heap_allocator();
        if (rt_alloc.failures == before)
            break;   /* emptying the map makes fewer allocations than fail_at */
    }
    printf("# %s: %d runs, an allocation failed in %d of them\n",
           rtmap_experiment_swissmap() ? "swiss" : "noswiss", runs, failures_seen);
    assert_true(failures_seen > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_comes_back),
        cmocka_unit_test(test_hint_is_a_floor),
        cmocka_unit_test(test_waves_do_not_resize),
        cmocka_unit_test(test_iterate_while_shrinking),
        cmocka_unit_test(test_alloc_failure_while_shrinking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
