/* White-box tests of the classic map: the invariant checker after every step of
 * random sequences against a model, and the states Go's algorithm goes through
 * (incremental evacuation, same-size growth, overflow buckets, preallocated
 * overflow buckets, the evacuation marks an iterator relies on), and the C rules
 * for memory an iterator may still read. */
#include "support.h"
#include "noswiss.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define KEYS 6000

typedef struct model {
    bool     present[KEYS];
    uint64_t value[KEYS];
    size_t   count;
} model;

static const rtmap_maptype *u64map(void)
{
    return rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
}

static void put(const rtmap_maptype *t, rtmap_hmap *h, model *md, uint64_t k, uint64_t v, bool fast)
{
    uint64_t *e = fast ? rtmap_mapassign_fast64(t, h, k) : rtmap_mapassign(t, h, &k);
    assert_non_null(e);
    *e = v;
    md->count += !md->present[k];
    md->present[k] = true;
    md->value[k] = v;
}

static void del(const rtmap_maptype *t, rtmap_hmap *h, model *md, uint64_t k, bool fast)
{
    if (fast)
        rtmap_mapdelete_fast64(t, h, k);
    else
        rtmap_mapdelete(t, h, &k);
    md->count -= md->present[k];
    md->present[k] = false;
}

static void check_all(const rtmap_maptype *t, rtmap_hmap *h, const model *md)
{
    RT_VERIFY(t, h);
    assert_int_equal(rtmap_maplen(h), md->count);
    for (uint64_t k = 0; k < KEYS; k++) {
        bool ok, ok2;
        uint64_t *e = rtmap_mapaccess2_fast64(t, h, k, &ok);
        uint64_t *e2 = rtmap_mapaccess2(t, h, &k, &ok2);
        assert_int_equal(ok, md->present[k]);
        assert_int_equal(ok2, md->present[k]);
        if (ok) {
            assert_int_equal(*e, md->value[k]);
            assert_ptr_equal(e, e2);
        }
    }
}

/* Random assigns and deletes through both entry points, across many growths,
   checking the whole structure after every step. */
static void test_random_sequences(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    uint64_t seed = 42;
    static model md;
    for (int round = 0; round < 4; round++) {
        memset(&md, 0, sizeof md);
        rtmap_hmap *h = round & 1 ? rtmap_makemap(t, 100 * round) : rtmap_makemap_small(t);
        size_t range = round < 2 ? 200 : KEYS;
        for (int step = 0; step < 12000; step++) {
            uint64_t r = rt_splitmix64(&seed);
            uint64_t k = (r >> 8) % range;
            bool fast = r & 1;
            if ((r >> 1) % 4 != 0)
                put(t, h, &md, k, r, fast);
            else
                del(t, h, &md, k, fast);
            /* Every step while small; a full walk of a large map every step
               would make the sanitizer run slow. */
            if (range <= 200 || step % 64 == 0)
                RT_VERIFY(t, h);
            if (step % 3000 == 0)
                check_all(t, h, &md);
        }
        check_all(t, h, &md);
        rtmap_mapfree(t, h);
    }
}

/* Growth is incremental: right after the insert that starts it, the old array is
   still there, and each later write evacuates at most two old buckets. */
static void test_incremental_evacuation(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rtmap_hmap *h = rtmap_makemap_small(t);
    uint64_t k = 0;
    bool seen_growth = false;
    for (; k < 5000; k++) {
        uint8_t before_b = h->B;
        *(uint64_t *)rtmap_mapassign_fast64(t, h, k) = k;
        RT_VERIFY(t, h);
        if (h->B != before_b && h->B >= 5) {
            assert_non_null(h->oldbuckets);
            assert_false(ns_same_size_grow(h));
            uintptr_t done = h->nevacuate;
            assert_true(done <= 2);
            /* Drive it to the end write by write. */
            uint64_t j = 100000;
            while (h->oldbuckets) {
                uintptr_t prev = h->nevacuate;
                *(uint64_t *)rtmap_mapassign_fast64(t, h, j) = j;
                rtmap_mapdelete_fast64(t, h, j);
                j++;
                RT_VERIFY(t, h);
                if (h->oldbuckets)
                    assert_true(h->nevacuate >= prev);
            }
            seen_growth = true;
            break;
        }
    }
    assert_true(seen_growth);
    for (uint64_t i = 0; i <= k; i++) {
        bool ok;
        assert_int_equal(*(uint64_t *)rtmap_mapaccess2_fast64(t, h, i, &ok), i);
        assert_true(ok);
    }
    rtmap_mapfree(t, h);
}

/* Many overflow buckets without reaching the load factor: inserting and deleting
   keys of one bucket grows chains, and a same-size growth packs them again. */
static void test_same_size_growth(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rtmap_hmap *h = rtmap_makemap(t, 8 * 13);   /* B = 4 */
    assert_int_equal(h->B, 4);
    bool same_size_seen = false;
    uint64_t next = 0;
    /* Keep only a few entries per bucket alive while allocating overflow
       buckets: fill bucket 0's chain with keys of bucket 0, delete most. */
    for (int wave = 0; wave < 400 && !same_size_seen; wave++) {
        uint64_t batch[24];
        int n = 0;
        while (n < 24) {
            uint64_t k = next++;
            uint64_t hash = t->hasher(t->key, &k, h->hash0);
            if ((hash & ns_bucket_mask(h->B)) == (uint64_t)(wave % 16))
                batch[n++] = k;
        }
        for (int i = 0; i < n; i++)
            *(uint64_t *)rtmap_mapassign(t, h, &batch[i]) = batch[i];
        for (int i = 0; i < n; i++) {
            if (ns_growing(h) && ns_same_size_grow(h))
                same_size_seen = true;
            rtmap_mapdelete(t, h, &batch[i]);
            RT_VERIFY(t, h);
        }
        assert_int_equal(h->B, 4);
    }
    assert_true(same_size_seen);
    rtmap_mapfree(t, h);
}

/* B >= 4 arrays carry preallocated overflow buckets, used before any allocation. */
static void test_preallocated_overflow(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_makemap(t, 1000);
    assert_true(h->B >= 4);
    assert_int_equal(h->nalloc, ns_bucket_shift(h->B) + ns_bucket_shift(h->B - 4));
    assert_non_null(h->next_overflow);
    long allocs = rt_alloc.allocs;
    /* 40 keys of bucket 0: its chain needs 4 overflow buckets, fewer than the
       array set aside, so none is allocated. */
    int n = 0;
    for (uint64_t k = 0; n < 40; k++) {
        if ((t->hasher(t->key, &k, h->hash0) & ns_bucket_mask(h->B)) != 0)
            continue;
        *(uint64_t *)rtmap_mapassign_fast64(t, h, k) = k;
        n++;
    }
    RT_VERIFY(t, h);
    assert_int_equal(h->noverflow, 4);
    assert_true(4 <= ns_bucket_shift(h->B - 4));
    assert_int_equal(rt_alloc.allocs, allocs);
    rtmap_mapfree(t, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

/* An iterator started before a growth reads the array it started on; memory it
   may read is retired, not freed, and freed at the first write after it ends. */
static void test_iteration_across_growth_retires(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_makemap_small(t);
    for (uint64_t k = 0; k < 200; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, h, k) = k;
    while (h->oldbuckets) {   /* finish any growth in progress */
        *(uint64_t *)rtmap_mapassign_fast64(t, h, 1000) = 0;
        rtmap_mapdelete_fast64(t, h, 1000);
    }
    static uint8_t seen[100000];
    memset(seen, 0, sizeof seen);
    rtmap_hiter it;
    rtmap_mapiterinit(t, h, &it);
    uint8_t *start_array = h->buckets;
    uint64_t added = 200;
    size_t produced = 0;
    for (; it.key; rtmap_mapiternext(&it)) {
        uint64_t k = *(uint64_t *)it.key;
        assert_true(k < 100000);
        assert_int_equal(*(uint64_t *)it.elem, k);
        assert_int_equal(seen[k], 0);
        seen[k] = 1;
        produced++;
        /* Grow the map a lot while iterating. */
        for (int j = 0; j < 20; j++, added++)
            *(uint64_t *)rtmap_mapassign_fast64(t, h, added) = added;
        RT_VERIFY(t, h);
    }
    for (uint64_t k = 0; k < 200; k++)
        assert_int_equal(seen[k], 1);
    assert_true(h->buckets != start_array);
    assert_true(h->retired_len > 0);   /* the first array, retired while we read it */
    *(uint64_t *)rtmap_mapassign_fast64(t, h, 5) = 5;
    assert_int_equal(h->retired_len, 0);
    rtmap_mapfree(t, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

/* Starting during a growth: old buckets not yet evacuated are read with the X/Y
   filter; every entry is produced once, deleted ones never. */
static void test_iteration_started_during_growth(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    for (int trial = 0; trial < 40; trial++) {
        rtmap_hmap *h = rtmap_makemap_small(t);
        uint64_t n = 0;
        while (!(h->oldbuckets && h->B >= 4 && h->nevacuate < 2))
            *(uint64_t *)rtmap_mapassign_fast64(t, h, n) = n, n++;
        static uint8_t seen[4096];
        memset(seen, 0, sizeof seen);
        rtmap_hiter it;
        rtmap_mapiterinit(t, h, &it);
        uint64_t victim = 0;
        size_t got = 0;
        for (; it.key; rtmap_mapiternext(&it)) {
            uint64_t k = *(uint64_t *)it.key;
            assert_true(k < n);
            assert_int_equal(seen[k], 0);
            seen[k] = 1;
            got++;
            /* Deletes move the growth on, and remove entries not yet seen. */
            while (victim < n && seen[victim])
                victim++;
            if (victim < n && (trial & 1)) {
                rtmap_mapdelete_fast64(t, h, victim);
                seen[victim] = 2;
            }
            RT_VERIFY(t, h);
        }
        for (uint64_t k = 0; k < n; k++)
            assert_true(seen[k] != 0);
        rtmap_mapfree(t, h);
    }
}

/* NaN keys during a growth with an iterator: each produced exactly once. */
static void test_nan_keys_through_growth(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_float64, &rtmap_type_int64);
    rtmap_hmap *h = rtmap_makemap_small(t);
    double nan = NAN;
    for (int i = 0; i < 50; i++)
        *(int64_t *)rtmap_mapassign(t, h, &nan) = i;
    rtmap_hiter it;
    rtmap_mapiterinit(t, h, &it);
    uint64_t seen = 0;
    int produced = 0;
    double x = 1;
    for (; it.key; rtmap_mapiternext(&it)) {
        double k = *(double *)it.key;
        if (isnan(k)) {
            int64_t v = *(int64_t *)it.elem;
            assert_true(v >= 0 && v < 50);
            assert_false(seen & (UINT64_C(1) << v));
            seen |= UINT64_C(1) << v;
            produced++;
        }
        for (int j = 0; j < 30; j++, x++)
            *(int64_t *)rtmap_mapassign(t, h, &x) = -1;
        RT_VERIFY(t, h);
    }
    assert_int_equal(produced, 50);
    rtmap_mapfree(t, h);
}

/* clear with a live iterator: the iterator stops producing old entries; the old
   array and indirect objects are retired, and nothing leaks. */
static void test_clear_with_live_iterator(void **state)
{
    (void)state;
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 200, &big), RTMAP_OK);
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, big);
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_makemap_small(t);
    for (uint64_t k = 0; k < 500; k++)
        memset(rtmap_mapassign(t, h, &k), (int)k, 200);
    rtmap_hiter it;
    rtmap_mapiterinit(t, h, &it);
    assert_non_null(it.key);
    rtmap_mapclear(t, h);
    RT_VERIFY(t, h);
    assert_int_equal(rtmap_maplen(h), 0);
    uint64_t k = 7;
    memset(rtmap_mapassign(t, h, &k), 1, 200);
    rtmap_mapiternext(&it);
    for (; it.key; rtmap_mapiternext(&it))
        assert_int_equal(*(uint64_t *)it.key, 7);   /* only what came after the clear */
    rtmap_mapdelete(t, h, &k);
    RT_VERIFY(t, h);
    rtmap_mapfree(t, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

/* Allocation failure at every allocation of a workload that grows, evacuates,
   overflows, clones and clears: the failing call changes nothing. */
static void test_alloc_failure_everywhere(void **state)
{
    (void)state;
    const rtmap_type *big = NULL;
    assert_int_equal(rtmap_array_of(&rtmap_type_uint8, 200, &big), RTMAP_OK);
    const rtmap_maptype *types[2] = { u64map(), rt_map_of(big, &rtmap_type_uint64) };
    for (int ti = 0; ti < 2; ti++) {
        const rtmap_maptype *t = types[ti];
        for (long fail_at = 1;; fail_at++) {
            rt_use_test_allocator();
            static model md;
            memset(&md, 0, sizeof md);
            rtmap_hmap *h = rtmap_makemap_small(t);
            rt_fail_allocation_after(fail_at);
            bool failed = false;
            uint8_t key[200];
            for (uint64_t k = 0; k < 300 && !failed; k++) {
                memset(key, 0, sizeof key);
                memcpy(key, &k, 8);
                int kind;
                RT_TRY(kind) {
                    uint64_t *e = rtmap_mapassign(t, h, ti ? (void *)key : (void *)&k);
                    *e = k;
                }
                if (kind >= 0) {
                    assert_int_equal(kind, RTMAP_PANIC_OUT_OF_MEMORY);
                    failed = true;
                    break;
                }
                md.present[k] = true;
                md.value[k] = k;
                md.count++;
                if (k % 3 == 0) {
                    RT_TRY(kind) { rtmap_mapdelete(t, h, ti ? (void *)key : (void *)&k); }
                    if (kind >= 0) {
                        failed = true;
                        break;
                    }
                    md.present[k] = false;
                    md.count--;
                }
            }
            rt_fail_allocation_after(0);
            RT_VERIFY(t, h);
            assert_int_equal(rtmap_maplen(h), md.count);
            for (uint64_t k = 0; k < 300; k++) {
                memset(key, 0, sizeof key);
                memcpy(key, &k, 8);
                bool ok;
                uint64_t *e = rtmap_mapaccess2(t, h, ti ? (void *)key : (void *)&k, &ok);
                assert_int_equal(ok, md.present[k]);
                if (ok)
                    assert_int_equal(*e, k);
            }
            rtmap_mapfree(t, h);
            assert_int_equal(rt_alloc.live_blocks, 0);
            assert_false(rt_alloc.bad_free);
            rt_use_heap_allocator();
            if (!failed)
                break;
        }
    }
}

/* The panic kind an assign raised, or -1. */
static int try_put(const rtmap_maptype *t, rtmap_hmap *h, uint64_t k)
{
    int kind;
    RT_TRY(kind) { *(uint64_t *)rtmap_mapassign_fast64(t, h, k) = k; }
    return kind;
}

/* Building a 10^4-entry map with the k-th allocation failing, for every k the
   build reaches: the failing insert adds nothing, every earlier entry is there,
   and the build then completes. */
static void test_alloc_failure_building_10k(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    long allocations = 0;
    for (long fail_at = 1;; fail_at++) {
        rt_use_test_allocator();
        rtmap_hmap *h = rtmap_makemap_small(t);
        rt_fail_allocation_after(fail_at);
        uint64_t failed_at_key = UINT64_MAX;
        for (uint64_t k = 0; k < 10000; k++) {
            if (try_put(t, h, k) >= 0) {
                assert_int_equal(rt_last_panic_kind, RTMAP_PANIC_OUT_OF_MEMORY);
                failed_at_key = k;
                break;
            }
        }
        rt_fail_allocation_after(0);
        RT_VERIFY(t, h);
        uint64_t have = failed_at_key == UINT64_MAX ? 10000 : failed_at_key;
        assert_int_equal(rtmap_maplen(h), have);
        for (uint64_t k = 0; k < 10000; k++) {
            bool ok;
            uint64_t *e = rtmap_mapaccess2_fast64(t, h, k, &ok);
            assert_int_equal(ok, k < have);
            if (ok)
                assert_int_equal(*e, k);
        }
        /* Later writes work (checked for some k: the whole build each time
           would make the sanitizer run slow). */
        for (uint64_t k = have; k < (fail_at % 16 == 0 ? 10000 : have + 100); k++)
            assert_int_equal(try_put(t, h, k), -1);
        RT_VERIFY(t, h);
        rtmap_mapfree(t, h);
        assert_int_equal(rt_alloc.live_blocks, 0);
        assert_false(rt_alloc.bad_free);
        rt_use_heap_allocator();
        if (failed_at_key == UINT64_MAX) {
            allocations = fail_at - 1;
            break;
        }
    }
    printf("# building 10^4 entries: failed each of its %ld allocations in turn\n", allocations);
    assert_true(allocations > 10);
}

/* A clone taken in the middle of a growth holds every entry. */
static void test_clone_during_growth(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    int clones_mid_growth = 0;
    rtmap_hmap *h = rtmap_makemap_small(t);
    for (uint64_t n = 1; n < 3000; n++) {
        *(uint64_t *)rtmap_mapassign_fast64(t, h, n) = n * 3;
        if (!h->oldbuckets || n % 7)
            continue;
        clones_mid_growth++;
        rtmap_hmap *c = rtmap_mapclone(t, h);
        RT_VERIFY(t, c);
        assert_int_equal(rtmap_maplen(c), n);
        for (uint64_t k = 1; k <= n; k++) {
            bool ok;
            assert_int_equal(*(uint64_t *)rtmap_mapaccess2_fast64(t, c, k, &ok), k * 3);
            assert_true(ok);
        }
        rtmap_mapfree(t, c);
    }
    assert_true(clones_mid_growth > 10);
    rtmap_mapfree(t, h);
}

/* The checker notices a broken structure. */
static void test_verify_catches_corruption(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rtmap_hmap *h = rtmap_makemap_small(t);
    for (uint64_t k = 0; k < 5; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, h, k) = k;
    char why[200];
    assert_true(rtmap_verify(t, h, why, sizeof why));
    uint8_t saved = h->buckets[0];
    h->buckets[0] ^= 0x40;
    if (h->buckets[0] < NS_MIN_TOPHASH)
        h->buckets[0] = 0xff;
    assert_false(rtmap_verify(t, h, why, sizeof why));
    h->buckets[0] = saved;
    h->count++;
    assert_false(rtmap_verify(t, h, why, sizeof why));
    assert_string_equal(why, "count 6 but 5 entries found");
    h->count--;
    assert_true(rtmap_verify(t, h, why, sizeof why));
    rtmap_mapfree(t, h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_sequences),
        cmocka_unit_test(test_incremental_evacuation),
        cmocka_unit_test(test_same_size_growth),
        cmocka_unit_test(test_preallocated_overflow),
        cmocka_unit_test(test_iteration_across_growth_retires),
        cmocka_unit_test(test_iteration_started_during_growth),
        cmocka_unit_test(test_nan_keys_through_growth),
        cmocka_unit_test(test_clear_with_live_iterator),
        cmocka_unit_test(test_alloc_failure_everywhere),
        cmocka_unit_test(test_alloc_failure_building_10k),
        cmocka_unit_test(test_clone_during_growth),
        cmocka_unit_test(test_verify_catches_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
