/* White-box tests of shrinking in the classic map: a delete that leaves the map
 * under a quarter of its load factor starts halving the bucket array, and the
 * same incremental evacuation that grows it merges pairs of old buckets. */
#include "support.h"
#include "noswiss.h"

#include <stdio.h>
#include <stdlib.h>

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

/* Deleting 99% of the entries shrinks the array step by step, through the
   shrink state, and gives the memory back. */
static void test_shrinks_and_gives_memory_back(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_makemap_small(t);
    const uint64_t n = 100000;
    for (uint64_t k = 0; k < n; k++)
        put(t, h, k, k);
    uint8_t peak_b = h->B;
    size_t peak = rt_alloc.peak_bytes;
    bool shrink_seen = false;
    for (uint64_t k = 0; k < n; k++) {
        if (k % 100 == 0)
            continue;
        rtmap_mapdelete_fast64(t, h, k);
        shrink_seen |= ns_shrinking(h);
        if (k % 1000 == 1)
            RT_VERIFY(t, h);
    }
    /* Let a shrink in progress finish. */
    for (uint64_t i = 0; h->oldbuckets && i < 100000; i++) {
        put(t, h, n + 1, 0);
        rtmap_mapdelete_fast64(t, h, n + 1);
    }
    RT_VERIFY(t, h);
    assert_true(shrink_seen);
    assert_true(h->B < peak_b - 4);
    assert_int_equal(rtmap_maplen(h), n / 100);
    for (uint64_t k = 0; k < n; k += 100) {
        bool ok;
        assert_int_equal(*(uint64_t *)rtmap_mapaccess2_fast64(t, h, k, &ok), k);
        assert_true(ok);
    }
    printf("# peak %zu bytes (B=%u), after deleting 99%%: %zu bytes (B=%u)\n", peak, peak_b,
           rt_alloc.live_bytes, h->B);
    assert_true(rt_alloc.live_bytes * 20 <= peak);
    rtmap_mapfree(t, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

/* A map sized by a hint keeps that size. */
static void test_never_below_hint(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rtmap_hmap *h = rtmap_makemap(t, 10000);
    uint8_t b = h->B;
    for (uint64_t k = 0; k < 10000; k++)
        put(t, h, k, k);
    for (uint64_t k = 0; k < 10000; k++)
        rtmap_mapdelete_fast64(t, h, k);
    RT_VERIFY(t, h);
    assert_int_equal(h->B, b);
    assert_false(ns_growing(h));
    rtmap_mapfree(t, h);
}

/* Insert/delete waves around one size: after the first settling no more
   rebuilds, so no wave pays for a resize. */
static void test_waves_do_not_oscillate(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rtmap_hmap *h = rtmap_makemap_small(t);
    uint64_t next = 0, oldest = 0;
    for (; next < 20000; next++)
        put(t, h, next, next);
    int resizes = 0;
    uint8_t last_b = h->B;
    bool was_growing = ns_growing(h);
    for (int wave = 0; wave < 60; wave++) {
        for (int i = 0; i < 4000; i++, oldest++) {
            rtmap_mapdelete_fast64(t, h, oldest);
            if (ns_growing(h) && !was_growing)
                resizes++;
            was_growing = ns_growing(h);
        }
        for (int i = 0; i < 4000; i++, next++) {
            put(t, h, next, next);
            if (ns_growing(h) && !was_growing)
                resizes++;
            was_growing = ns_growing(h);
        }
        RT_VERIFY(t, h);
    }
    printf("# 60 waves of +-20%% around 20000 entries: %d resizes, B %u -> %u\n", resizes, last_b, h->B);
    assert_true(resizes <= 2);
    rtmap_mapfree(t, h);
}

/* Iterating while 99% of the map is deleted (and some keys come back): every
   surviving original entry exactly once, no deleted one. */
static void test_iterate_while_shrinking(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    const uint64_t n = 100000;
    static uint8_t seen[100000 + 64];
    static bool deleted[100000];
    for (int trial = 0; trial < 2; trial++) {
        rtmap_hmap *h = rtmap_makemap_small(t);
        for (uint64_t k = 0; k < n; k++)
            put(t, h, k, k);
        memset(seen, 0, sizeof seen);
        memset(deleted, 0, sizeof deleted);
        uint64_t seed = 7 + (uint64_t)trial;
        uint64_t cursor = 0;
        bool shrink_seen = false, started_in_shrink = false;
        rtmap_hiter it;
        rtmap_mapiterinit(t, h, &it);
        for (; it.key; rtmap_mapiternext(&it)) {
            uint64_t k = *(uint64_t *)it.key;
            assert_true(k < n);
            assert_false(deleted[k]);
            /* 0: not produced yet; 2: deleted and added back, not produced
               since; 1 and 3: produced (a second time would be a bug). */
            assert_true(seen[k] == 0 || seen[k] == 2);
            seen[k] = seen[k] == 0 ? 1 : 3;
            assert_int_equal(*(uint64_t *)it.elem, k);
            /* Delete about 99 keys per produced one, mostly not produced yet. */
            for (int d = 0; d < 99 && cursor < n; d++, cursor++) {
                if (cursor % 100 == 0 || seen[cursor])
                    continue;
                rtmap_mapdelete_fast64(t, h, cursor);
                deleted[cursor] = true;
                shrink_seen |= ns_shrinking(h);
            }
            /* Some deleted keys come back: they may or may not be produced. */
            uint64_t back = rt_splitmix64(&seed) % n;
            if (deleted[back] && back < cursor) {
                put(t, h, back, back);
                deleted[back] = false;
                seen[back] = 2;   /* produced at most once from here on */
            }
            if (trial == 1 && !started_in_shrink && ns_shrinking(h)) {
                /* A second iterator, started during the shrink, sees each once. */
                started_in_shrink = true;
                static uint8_t seen2[100000];
                memset(seen2, 0, sizeof seen2);
                size_t got = 0;
                rtmap_hiter it2;
                for (rtmap_mapiterinit(t, h, &it2); it2.key; rtmap_mapiternext(&it2)) {
                    uint64_t k2 = *(uint64_t *)it2.key;
                    assert_int_equal(seen2[k2], 0);
                    seen2[k2] = 1;
                    got++;
                }
                assert_int_equal(got, rtmap_maplen(h));
            }
        }
        RT_VERIFY(t, h);
        assert_true(shrink_seen);
        assert_true(trial != 1 || started_in_shrink);
        for (uint64_t k = 0; k < n; k++)
            if (!deleted[k] && seen[k] < 2)
                assert_int_equal(seen[k], 1);
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

/* Allocation failure at every allocation of a shrinking workload: a failed
   write changes nothing, and the map keeps working. */
static void test_alloc_failure_while_shrinking(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    static bool present[3000];
    for (long fail_at = 1;; fail_at++) {
        rt_use_test_allocator();
        rtmap_hmap *h = rtmap_makemap_small(t);
        for (uint64_t k = 0; k < 3000; k++) {
            put(t, h, k, k);
            present[k] = true;
        }
        rt_fail_allocation_after(fail_at);
        bool failed = false;
        for (uint64_t k = 0; k < 3000 && !failed; k++) {
            if (k % 50 == 0)
                continue;
            int kind = try_delete(t, h, k);
            if (kind >= 0) {
                assert_int_equal(kind, RTMAP_PANIC_OUT_OF_MEMORY);
                failed = true;
            } else {
                present[k] = false;
            }
        }
        rt_fail_allocation_after(0);
        RT_VERIFY(t, h);
        for (uint64_t k = 0; k < 3000; k++) {
            bool ok;
            rtmap_mapaccess2_fast64(t, h, k, &ok);
            assert_int_equal(ok, present[k]);
        }
        /* Later writes work. */
        for (uint64_t k = 0; k < 3000; k++)
            rtmap_mapdelete_fast64(t, h, k);
        RT_VERIFY(t, h);
        assert_int_equal(rtmap_maplen(h), 0);
        rtmap_mapfree(t, h);
        assert_int_equal(rt_alloc.live_blocks, 0);
        assert_false(rt_alloc.bad_free);
        rt_use_heap_allocator();
        if (!failed)
            break;
    }
}

/* A clone taken while shrinking holds every entry. */
static void test_clone_while_shrinking(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rtmap_hmap *h = rtmap_makemap_small(t);
    for (uint64_t k = 0; k < 20000; k++)
        put(t, h, k, k);
    int clones = 0;
    for (uint64_t k = 0; k < 20000; k++) {
        rtmap_mapdelete_fast64(t, h, k);
        if (!ns_shrinking(h) || k % 11)
            continue;
        clones++;
        rtmap_hmap *c = rtmap_mapclone(t, h);
        RT_VERIFY(t, c);
        assert_int_equal(rtmap_maplen(c), rtmap_maplen(h));
        for (uint64_t j = k + 1; j < 20000; j += 37) {
            bool ok;
            assert_int_equal(*(uint64_t *)rtmap_mapaccess2_fast64(t, c, j, &ok), j);
            assert_true(ok);
        }
        rtmap_mapfree(t, c);
    }
    assert_true(clones > 0);
    rtmap_mapfree(t, h);
}

static size_t occupied_chunks(const rtmap_hmap *h)
{
    size_t n = 0;
    for (size_t w = 0; h->occupied && w < ns_occupied_words(ns_bucket_shift(h->B)); w++)
        n += (size_t)__builtin_popcountll(h->occupied[w]);
    return n;
}

/* A map presized for 10^6 entries that holds a few: clear, iteration, keys and
   free only visit the chunks that were ever occupied. */
static void test_sparse_large_map(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_makemap(t, 1000000);
    assert_non_null(h->occupied);
    assert_int_equal(occupied_chunks(h), 0);
    for (int round = 0; round < 50; round++) {
        for (uint64_t k = 0; k < 20; k++)
            put(t, h, k * 7919 + (uint64_t)round, k);
        assert_true(occupied_chunks(h) <= 20);
        RT_VERIFY(t, h);
        /* Iteration from random starts: each entry once, ends. */
        uint64_t seen = 0;
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, h, &it); it.key; rtmap_mapiternext(&it)) {
            uint64_t idx = (*(uint64_t *)it.key - (uint64_t)round) / 7919;
            assert_true(idx < 20);
            assert_false(seen & (UINT64_C(1) << idx));
            seen |= UINT64_C(1) << idx;
        }
        assert_int_equal(seen, (UINT64_C(1) << 20) - 1);
        uint64_t keys[32];
        assert_int_equal(rtmap_mapkeys(t, h, keys, 32), 20);
        rtmap_mapclear(t, h);
        RT_VERIFY(t, h);
        assert_int_equal(occupied_chunks(h), 0);
        assert_int_equal(rtmap_maplen(h), 0);
    }
    rtmap_mapfree(t, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shrinks_and_gives_memory_back),
        cmocka_unit_test(test_never_below_hint),
        cmocka_unit_test(test_waves_do_not_oscillate),
        cmocka_unit_test(test_iterate_while_shrinking),
        cmocka_unit_test(test_alloc_failure_while_shrinking),
        cmocka_unit_test(test_clone_while_shrinking),
        cmocka_unit_test(test_sparse_large_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
