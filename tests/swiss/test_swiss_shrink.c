/* White-box tests of shrinking in the swiss map: tables rebuilt smaller after
 * deletes (never below the hint's size, never oscillating), buddies merged and the
 * directory halved (also under a paused iterator; not for NaN keys while
 * iterating), memory after deleting 99% of a large map, the invariant checker
 * after every operation of random insert/delete waves, iteration while nearly
 * every entry is deleted, and allocation failure at every allocation of a
 * shrinking workload. */
#include "swiss_test.h"
#include "types.h"

#include <stdio.h>
#include <stdlib.h>

static const rtmap_maptype *u64map(void)
{
    static const rtmap_maptype *t;
    if (!t)
        t = st_map_type(&rtmap_type_uint64, &rtmap_type_uint64);
    return t;
}

/* A reference model over keys 0..n-1 (elem: the value last assigned). */
typedef struct model {
    size_t    n, count;
    bool     *present;
    uint64_t *value;
} model;

static model model_new(size_t n)
{
    model md = { n, 0, calloc(n, sizeof(bool)), calloc(n, sizeof(uint64_t)) };
    assert_non_null(md.present);
    assert_non_null(md.value);
    return md;
}

static void model_free(model *md)
{
    free(md->present);
    free(md->value);
}

/* Keys and elems are uint64, or [200]byte (stored indirectly) holding the uint64
   in their first bytes. */
static bool is_big(const rtmap_maptype *t)
{
    return t->key->size > sizeof(uint64_t);
}

static void make_key(const rtmap_maptype *t, uint64_t k, uint8_t *buf)
{
    memset(buf, 0, t->key->size);
    memcpy(buf, &k, sizeof k);
}

static void put(const rtmap_maptype *t, rtmap_hmap *m, model *md, uint64_t k, uint64_t v)
{
    if (is_big(t)) {
        uint8_t key[200];
        make_key(t, k, key);
        memcpy(rtmap_mapassign(t, m, key), &v, sizeof v);
    } else {
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = v;
    }
    md->count += !md->present[k];
    md->present[k] = true;
    md->value[k] = v;
}

static void del(const rtmap_maptype *t, rtmap_hmap *m, model *md, uint64_t k)
{
    uint8_t key[200];
    make_key(t, k, key);
    if ((k & 1) && !is_big(t))
        rtmap_mapdelete_fast64(t, m, k);
    else
        rtmap_mapdelete(t, m, key);
    md->count -= md->present[k];
    md->present[k] = false;
}

static void check_model(const rtmap_maptype *t, rtmap_hmap *m, const model *md)
{
    RT_VERIFY(t, m);
    assert_int_equal(rtmap_maplen(m), md->count);
    uint8_t key[200];
    for (uint64_t k = 0; k < md->n; k++) {
        bool ok;
        make_key(t, k, key);
        const uint8_t *e = rtmap_mapaccess2(t, m, key, &ok);
        assert_int_equal(ok, md->present[k]);
        if (ok) {
            uint64_t v;
            memcpy(&v, e, sizeof v);
            assert_int_equal(v, md->value[k]);
        }
    }
}

/* Slots of all live tables. */
static size_t total_capacity(const rtmap_hmap *m)
{
    if (!m->dir_len)
        return 0;
    size_t n = 0;
    const swiss_table *last = NULL;
    for (size_t i = 0; i < m->dir_len; i++)
        if (swiss_dir_at(m, i) != last) {
            last = swiss_dir_at(m, i);
            n += last->capacity;
        }
    return n;
}

/* One table grown to 1024 slots shrinks step by step as its entries go, each new
   table at most half full, down to a single group. */
static void test_table_shrinks_by_halves(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    model md = model_new(896);
    rtmap_hmap *m = rtmap_makemap(t, 0);
    for (uint64_t k = 0; k < 896; k++)
        put(t, m, &md, k, k + 1);
    assert_int_equal(st_table_count(m), 1);
    assert_int_equal(swiss_dir_at(m, 0)->capacity, 1024);
    unsigned shrinks = 0;
    size_t capacity = 1024;
    for (uint64_t k = 0; k < 896; k++) {
        del(t, m, &md, k);
        RT_VERIFY(t, m);
        const swiss_table *tab = swiss_dir_at(m, 0);
        if (tab->capacity != capacity) {
            assert_int_equal(tab->capacity, capacity / 2);   /* one halving per delete */
            assert_true(2u * tab->used <= swiss_max_growth(tab->capacity));
            capacity = tab->capacity;
            shrinks++;
        }
        /* The delete that crosses the threshold rebuilds the table at once. */
        assert_true(tab->used >= tab->shrink_below);
    }
    assert_int_equal(swiss_dir_at(m, 0)->capacity, SWISS_MIN_TABLE_CAPACITY);
    assert_int_equal(shrinks, 7);                            /* 1024 -> 8 */
    check_model(t, m, &md);
    /* It still grows back. */
    for (uint64_t k = 0; k < 896; k++)
        put(t, m, &md, k, k);
    check_model(t, m, &md);
    rtmap_mapfree(t, m);
    model_free(&md);
}

/* The size a hint asked for is a floor: deleting everything keeps it. */
static void test_hint_is_a_floor(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    static const intptr_t hints[] = { 9, 100, 500, 896, 5000 };
    for (size_t h = 0; h < sizeof hints / sizeof *hints; h++) {
        model md = model_new(4 * (size_t)hints[h] + 2000);
        rtmap_hmap *m = rtmap_makemap(t, hints[h]);
        size_t hinted = total_capacity(m), tables = st_table_count(m), dir_len = m->dir_len;
        uint16_t table_capacity = swiss_dir_at(m, 0)->capacity;
        for (uint64_t k = 0; k < md.n; k++)
            put(t, m, &md, k, k);
        for (uint64_t k = 0; k < md.n; k++)
            if (md.present[k])
                del(t, m, &md, k);
        RT_VERIFY(t, m);
        assert_true(total_capacity(m) >= hinted);
        assert_true(st_table_count(m) >= tables);
        assert_true(m->dir_len >= dir_len);
        const swiss_table *last = NULL;
        for (size_t i = 0; i < m->dir_len; i++) {
            const swiss_table *tab = swiss_dir_at(m, i);
            if (tab != last)
                assert_true(tab->capacity >= table_capacity);
            last = tab;
        }
        rtmap_mapfree(t, m);
        model_free(&md);
    }
}

/* Waves of inserts and deletes around one size rebuild nothing once the map has
   settled: the allocator sees no allocation at all. */
static void test_waves_do_not_oscillate(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    static const unsigned sizes[] = { 6, 12, 50, 200, 448, 449, 896, 3000, 20000 };
    rt_use_test_allocator();
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        unsigned n = sizes[s], amplitude = n / 8 + 1;
        model md = model_new(n + amplitude + 1);
        rtmap_hmap *m = rtmap_makemap(t, 0);
        for (uint64_t k = 0; k < n; k++)
            put(t, m, &md, k, k);
        /* Settle: a few waves may rebuild (growth left tombstones or slack). */
        for (int wave = 0; wave < 4; wave++) {
            for (uint64_t k = 0; k < amplitude; k++)
                del(t, m, &md, k);
            for (uint64_t k = 0; k < amplitude; k++)
                put(t, m, &md, k, k);
        }
        long allocs = rt_alloc.allocs;
        for (int wave = 0; wave < 50; wave++) {
            for (uint64_t k = 0; k < amplitude; k++)
                del(t, m, &md, k);
            for (uint64_t k = 0; k < amplitude; k++)
                put(t, m, &md, k, k + (uint64_t)wave);
        }
        if (rt_alloc.allocs != allocs)
            fail_msg("size %u: %ld allocations in 50 waves of +-%u", n, rt_alloc.allocs - allocs,
                     amplitude);
        check_model(t, m, &md);
        rtmap_mapfree(t, m);
        model_free(&md);
    }
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

/* Random waves between a large and a small size, the checker after every
   operation, on maps made with and without a hint. */
static void test_random_waves_checked(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    uint64_t rng = 0x5EEDull;
    for (int round = 0; round < 3; round++) {
        model md = model_new(6000);
        rtmap_hmap *m = rtmap_makemap(t, round == 1 ? 1500 : 0);
        size_t peak_capacity = 0;
        for (int wave = 0; wave < 3; wave++) {
            size_t high = 600 + rt_splitmix64(&rng) % 1400, low = rt_splitmix64(&rng) % 40;
            for (unsigned op = 0; md.count < high; op++) {
                uint64_t k = rt_splitmix64(&rng) % md.n;
                put(t, m, &md, k, rng);
                if (op % 7 == 0)            /* some deletes on the way up too */
                    del(t, m, &md, rt_splitmix64(&rng) % md.n);
                RT_VERIFY(t, m);
            }
            if (total_capacity(m) > peak_capacity)
                peak_capacity = total_capacity(m);
            while (md.count > low) {
                uint64_t k = rt_splitmix64(&rng) % md.n;
                while (!md.present[k])      /* the next present key */
                    k = (k + 1) % md.n;
                del(t, m, &md, k);
                if (k % 11 == 0)
                    put(t, m, &md, rt_splitmix64(&rng) % md.n, k);
                RT_VERIFY(t, m);
            }
            check_model(t, m, &md);
            if (round != 1)
                assert_true(total_capacity(m) * 8 < peak_capacity);
        }
        rtmap_mapfree(t, m);
        model_free(&md);
    }
}

/* Go's guarantees while tables are rebuilt under the iterator: deleting 99% of
   10^5 entries during one iteration and putting some back, every surviving
   original entry is produced exactly once, with its current elem, and no deleted
   one is produced. */
static void test_iterate_while_deleting_99_percent(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    enum { N = 100000 };
    model md = model_new(N);
    rtmap_hmap *m = rtmap_makemap(t, 0);
    for (uint64_t k = 0; k < N; k++)
        put(t, m, &md, k, k * 7);
    uint64_t *order = malloc(N * sizeof *order);
    uint8_t *produced = calloc(N, 1);
    bool *original = malloc(N);
    assert_non_null(order);
    assert_non_null(produced);
    assert_non_null(original);
    for (uint64_t k = 0; k < N; k++) {
        order[k] = k;
        original[k] = true;
    }
    uint64_t rng = 99;
    for (uint64_t k = N - 1; k > 0; k--) {
        uint64_t j = rt_splitmix64(&rng) % (k + 1), x = order[k];
        order[k] = order[j];
        order[j] = x;
    }
    size_t start_capacity = total_capacity(m), next_delete = 0, steps = 0;
    const size_t to_delete = N - N / 100;
    rtmap_hiter it;
    for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it), steps++) {
        uint64_t k = *(uint64_t *)it.key;
        assert_true(k < N);
        assert_true(md.present[k]);
        assert_int_equal(*(uint64_t *)it.elem, md.value[k]);
        assert_int_equal(++produced[k], 1);
        /* Delete ahead of the walk (and sometimes the current key) ... */
        for (int i = 0; i < 150 && next_delete < to_delete; i++) {
            uint64_t d = order[next_delete++];
            del(t, m, &md, d);
            original[d] = false;
            produced[d] = 0;    /* a key put back is a new entry */
        }
        /* ... and put some deleted keys back with new elems. */
        if (steps % 5 == 0 && next_delete > 0) {
            uint64_t a = order[rt_splitmix64(&rng) % next_delete];
            if (!md.present[a])
                put(t, m, &md, a, a + steps);
        }
        if (steps % 4096 == 0)
            RT_VERIFY(t, m);
    }
    assert_true(next_delete == to_delete);
    size_t survivors = 0;
    for (uint64_t k = 0; k < N; k++)
        if (original[k]) {
            assert_int_equal(produced[k], 1);
            survivors++;
        }
    assert_int_equal(survivors, N / 100);
    check_model(t, m, &md);
    /* Tables were rebuilt smaller while the iterator held the old ones. */
    assert_true(total_capacity(m) * 4 < start_capacity);
    rtmap_mapfree(t, m);
    free(order);
    free(produced);
    free(original);
    model_free(&md);
}

static swiss_table *table_of(const rtmap_maptype *t, const rtmap_hmap *m, uint64_t k)
{
    return swiss_dir_lookup(m, t->hasher(t->key, &k, m->seed));
}

/* Two buddies merge once a delete leaves one below its threshold and their entries
   fit one table at 7/16 load; before that, the emptier one shrinks on its own. */
static void test_buddies_merge_when_they_fit(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    model md = model_new(1000);
    rtmap_hmap *m = rtmap_makemap(t, 0);
    for (uint64_t k = 0; k < 1000; k++)
        put(t, m, &md, k, k);
    assert_int_equal(st_table_count(m), 2);
    swiss_table *a = swiss_dir_at(m, 0), *b = swiss_dir_at(m, 1);
    assert_int_equal(a->local_depth, 1);
    assert_int_equal(b->local_depth, 1);
    /* Empty the first table but for 10 entries: its buddy is too full to merge. */
    for (uint64_t k = 0; k < 1000 && swiss_dir_at(m, 0)->used > 10; k++)
        if (md.present[k] && table_of(t, m, k) == swiss_dir_at(m, 0)) {
            del(t, m, &md, k);
            RT_VERIFY(t, m);
        }
    assert_int_equal(st_table_count(m), 2);
    assert_true(swiss_dir_at(m, 0)->capacity < 1024);          /* it shrank instead */
    /* Now the second: they merge as soon as it is below its threshold. */
    uint8_t threshold = swiss_dir_at(m, 1)->shrink_below;
    assert_int_equal(threshold, swiss_max_growth(1024) / 4);
    for (uint64_t k = 0; k < 1000 && st_table_count(m) == 2; k++)
        if (md.present[k] && table_of(t, m, k) == swiss_dir_at(m, 1)) {
            unsigned before = swiss_dir_at(m, 1)->used;
            del(t, m, &md, k);
            RT_VERIFY(t, m);
            if (st_table_count(m) == 1)
                assert_true(before - 1 < threshold && 2 * (md.count) <= swiss_max_growth(1024));
        }
    assert_int_equal(st_table_count(m), 1);
    const swiss_table *merged = swiss_dir_at(m, 0);
    assert_int_equal(merged->local_depth, 0);
    assert_true(2u * merged->used <= swiss_max_growth(merged->capacity));
    check_model(t, m, &md);
    rtmap_mapfree(t, m);
    model_free(&md);
}

/* Emptying a map of many tables merges them back into one. */
static void test_emptied_map_merges_to_one_table(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    model md = model_new(20000);
    rtmap_hmap *m = rtmap_makemap(t, 0);
    for (uint64_t k = 0; k < md.n; k++)
        put(t, m, &md, k, k);
    assert_true(st_table_count(m) >= 16);
    uint64_t rng = 3;
    for (uint64_t k = 0; k < md.n; k++) {
        uint64_t d = (k * 7919 + rt_splitmix64(&rng) % 2) % md.n;
        if (md.present[d])
            del(t, m, &md, d);
    }
    for (uint64_t k = 0; k < md.n; k++)
        if (md.present[k])
            del(t, m, &md, k);
    RT_VERIFY(t, m);
    assert_int_equal(st_table_count(m), 1);
    assert_int_equal(swiss_dir_at(m, 0)->local_depth, 0);
    assert_int_equal(swiss_dir_at(m, 0)->capacity, SWISS_MIN_TABLE_CAPACITY);
    assert_int_equal(m->global_depth, 0);                   /* the directory halved back */
    assert_int_equal(m->dir_len, 1);
    rtmap_mapfree(t, m);
    model_free(&md);
}

/* An iterator paused anywhere while nearly everything is deleted (tables merge
   under it, joining walked and unwalked parts) still produces every survivor once
   and nothing twice. */
static void test_merges_under_a_paused_iterator(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    uint64_t rng = 11;
    for (int trial = 0; trial < 60; trial++) {
        size_t n = trial % 3 == 0 ? 1000 : trial % 3 == 1 ? 2000 : 7000;
        model md = model_new(n);
        rtmap_hmap *m = rtmap_makemap(t, 0);
        for (uint64_t k = 0; k < n; k++)
            put(t, m, &md, k, k);
        size_t tables = st_table_count(m), dir_len = m->dir_len;
        uint8_t *produced = calloc(n, 1);
        assert_non_null(produced);
        size_t stop = rt_splitmix64(&rng) % n;
        rtmap_hiter it;
        rtmap_mapiterinit(t, m, &it);
        for (size_t i = 0; i < stop; i++, rtmap_mapiternext(&it)) {
            assert_non_null(it.key);
            assert_int_equal(++produced[*(uint64_t *)it.key], 1);
        }
        /* The entry the iterator stands on was produced before the deletes. */
        assert_int_equal(++produced[*(uint64_t *)it.key], 1);
        for (uint64_t k = 0; k < n; k++)
            if (k % 50 != 0)
                del(t, m, &md, k);
        RT_VERIFY(t, m);
        assert_true(st_table_count(m) < tables);
        assert_true(m->dir_len < dir_len);        /* the directory halved under it */
        for (rtmap_mapiternext(&it); it.key; rtmap_mapiternext(&it)) {
            uint64_t k = *(uint64_t *)it.key;
            assert_true(md.present[k]);
            assert_int_equal(++produced[k], 1);
        }
        for (uint64_t k = 0; k < n; k += 50)
            assert_int_equal(produced[k], 1);
        free(produced);
        rtmap_mapfree(t, m);
        model_free(&md);
    }
}

/* Keys with random hashes (NaN) cannot be filtered by hash: such maps do not
   merge while an iterator is live, and merge once it ends. Every NaN is produced
   once. */
static void test_nan_keys_merge_only_without_iterators(void **state)
{
    (void)state;
    const rtmap_maptype *t = st_map_type(&rtmap_type_float64, &rtmap_type_uint64);
    rtmap_hmap *m = rtmap_makemap(t, 0);
    enum { N = 3000, NANS = 40 };
    for (unsigned i = 0; i < N; i++) {
        double k = i;
        *(uint64_t *)rtmap_mapassign(t, m, &k) = i;
    }
    double nan = __builtin_nan("");
    for (unsigned i = 0; i < NANS; i++)
        *(uint64_t *)rtmap_mapassign(t, m, &nan) = N + i;
    size_t tables = st_table_count(m);
    assert_true(tables >= 4);
    bool seen[N + NANS] = { false };
    rtmap_hiter it;
    rtmap_mapiterinit(t, m, &it);
    unsigned produced = 0;
    uint64_t first = *(uint64_t *)it.elem;        /* produced before the deletes */
    if (first >= N) {
        seen[first] = true;
        produced++;
    }
    for (unsigned i = 0; i < N; i++) {
        double k = i;
        rtmap_mapdelete(t, m, &k);
    }
    RT_VERIFY(t, m);
    assert_int_equal(st_table_count(m), tables);     /* shrunk, not merged */
    for (rtmap_mapiternext(&it); it.key; rtmap_mapiternext(&it)) {
        uint64_t v = *(uint64_t *)it.elem;
        assert_true(v >= N);                          /* only NaNs are left */
        assert_false(seen[v]);
        seen[v] = true;
        produced++;
    }
    assert_int_equal(produced, NANS);
    /* No iterator now: a delete below the threshold merges. A NaN cannot be
       deleted, so a key is put and deleted where the tables are small. */
    for (unsigned i = 0; i < 64; i++) {
        double k = N + i;
        *(uint64_t *)rtmap_mapassign(t, m, &k) = i;
        rtmap_mapdelete(t, m, &k);
    }
    RT_VERIFY(t, m);
    assert_true(st_table_count(m) < tables);
    assert_int_equal(rtmap_maplen(m), NANS);
    rtmap_mapfree(t, m);
}

/* Indirect keys and elems (blocks of their own) while tables shrink and merge
   under an iterator: the retired tables and the deleted entries' blocks stay
   readable until the iterator ends (AddressSanitizer checks the reads), and the
   walk still produces every survivor once. */
static void test_indirect_entries_under_iterator(void **state)
{
    (void)state;
    const rtmap_type *big = st_bytes_type(200);
    const rtmap_maptype *t = st_map_type(big, big);
    assert_true(t->flags & RTMAP_INDIRECT_KEY);
    assert_true(t->flags & RTMAP_INDIRECT_ELEM);
    enum { N = 3000 };
    rt_use_test_allocator();
    rtmap_hmap *m = rtmap_makemap(t, 0);
    uint8_t key[200] = { 0 }, *produced = calloc(N, 1);
    assert_non_null(produced);
    for (uint32_t i = 0; i < N; i++) {
        memcpy(key, &i, sizeof i);
        uint8_t *e = rtmap_mapassign(t, m, key);
        memset(e, (int)(i & 0xFF), 200);
    }
    size_t tables = st_table_count(m);
    rtmap_hiter it;
    uint32_t next_delete = 0;
    for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it)) {
        uint32_t i;
        memcpy(&i, it.key, sizeof i);
        assert_true(i < N);
        assert_true(i % 100 == 0 || i >= next_delete);   /* not deleted yet */
        assert_int_equal(((uint8_t *)it.elem)[199], i & 0xFF);
        assert_int_equal(++produced[i], 1);
        for (int d = 0; d < 40 && next_delete < N; d++, next_delete++) {
            if (next_delete % 100 == 0)
                continue;
            memcpy(key, &next_delete, sizeof next_delete);
            rtmap_mapdelete(t, m, key);
        }
    }
    RT_VERIFY(t, m);
    assert_true(st_table_count(m) < tables);
    for (uint32_t i = 0; i < N; i += 100)
        assert_int_equal(produced[i], 1);
    assert_int_equal(rtmap_maplen(m), N / 100 + (N - next_delete));
    rtmap_mapfree(t, m);
    free(produced);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

/* A large map (probes take the full-table shortcut, swiss_probe_first_group) whose
   lower half of the directory lost nearly all its entries: there the tables merge
   and shrink below full capacity while the upper half keeps the directory deep.
   Every key is found or not found as the model says, through both probe paths,
   before and after inserts into the small tables. */
static void test_large_map_with_small_tables(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    enum { N = 40000 };
    model md = model_new(2 * N);
    rtmap_hmap *m = rtmap_makemap_small(t);
    for (uint64_t k = 0; k < N; k++)
        put(t, m, &md, k, k + 1);
    for (uint64_t k = 0; k < N; k++) {
        uint64_t hash = t->hasher(t->key, &k, m->seed);
        if (swiss_dir_hash(hash) >> 63 == 0 && k % 256 != 0)
            del(t, m, &md, k);
    }
    assert_true(swiss_map_is_large(m));
    size_t small_tables = 0;
    for (size_t i = 0; i < m->dir_len; i++)
        small_tables += swiss_dir_at(m, i)->capacity < SWISS_MAX_TABLE_CAPACITY;
    assert_true(small_tables > 0);
    check_model(t, m, &md);
    for (uint64_t k = N; k < 2 * N; k += 4)
        put(t, m, &md, k, k + 1);
    check_model(t, m, &md);
    rtmap_mapfree(t, m);
    model_free(&md);
}

/* Memory comes back: after deleting all but 1% of many entries, the map holds at
   most 5% of its peak (counted by the test allocator). */
static void test_memory_after_deleting_99_percent(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    enum { N = 300000 };            /* keeps the test short under AddressSanitizer */
#else
    enum { N = 1000000 };
#endif
    const rtmap_maptype *t = u64map();
    rt_use_test_allocator();
    rtmap_hmap *m = rtmap_makemap(t, 0);
    for (uint64_t k = 0; k < N; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    size_t peak = rt_alloc.peak_bytes, tables = st_table_count(m), dir_len = m->dir_len;
    for (uint64_t k = 0; k < N; k++)
        if (k % 100 != 0)
            rtmap_mapdelete_fast64(t, m, k);
    RT_VERIFY(t, m);
    assert_int_equal(rtmap_maplen(m), N / 100);
    for (uint64_t k = 0; k < N; k += 100)
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast64(t, m, k), k);
    print_message("%d entries: peak %zu bytes in %zu tables (directory %zu); 1%% left: %zu bytes "
                  "in %zu tables (directory %zu)\n", N, peak, tables, dir_len,
                  rt_alloc.live_bytes, st_table_count(m), m->dir_len);
    assert_true(rt_alloc.live_bytes * 20 <= peak);
    rtmap_mapfree(t, m);
    assert_int_equal(rt_alloc.live_blocks, 0);
    rt_use_heap_allocator();
}

/* The checker notices broken shrink state: thresholds, the count of tables at
   full depth, and the hint's floors. */
static void test_verify_detects_broken_shrink_state(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    char why[256];
    rtmap_hmap *m = rtmap_makemap(t, 0);
    for (uint64_t k = 0; k < 3000; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    assert_true(rtmap_verify(t, m, why, sizeof why));
    swiss_table *tab = swiss_dir_at(m, 0);
    uint8_t threshold = tab->shrink_below;
    tab->shrink_below = (uint8_t)(threshold - 1);   /* a mergeable table's threshold is fixed */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    tab->shrink_below = threshold;
    m->full_depth_tables++;
    assert_false(rtmap_verify(t, m, why, sizeof why));
    m->full_depth_tables--;
    m->hint_depth = (uint8_t)(m->global_depth + 1);  /* shallower than the hint asked */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    m->hint_depth = 0;
    m->hint_capacity = 2 * SWISS_MAX_TABLE_CAPACITY;  /* tables below the floor */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    m->hint_capacity = 0;
    assert_true(rtmap_verify(t, m, why, sizeof why));
    rtmap_mapfree(t, m);
    /* A table at the floor that may not merge has no threshold. */
    m = rtmap_makemap(t, 100);
    tab = swiss_dir_at(m, 0);
    assert_int_equal(tab->shrink_below, 0);
    tab->shrink_below = 1;
    assert_false(rtmap_verify(t, m, why, sizeof why));
    tab->shrink_below = 0;
    assert_true(rtmap_verify(t, m, why, sizeof why));
    rtmap_mapfree(t, m);
}

/* ---- allocation failure ------------------------------------------------------ */

static int oom_failures;

/* Seeds and iteration starts from a counter, so every run of the workload makes
   the same allocations up to the one that fails. */
static uint64_t fixed_rand_state;
static uint64_t fixed_rand(void *ctx)
{
    (void)ctx;
    return rt_splitmix64(&fixed_rand_state);
}

/* Runs op; a failed attempt must leave the map as the model says (only an insert
   can fail, or a delete of an indirect entry under a live iterator, which needs
   room in the retired list). Then the same op is retried until it succeeds. */
#define ATTEMPT(t, m, md, op)                                                \
    do {                                                                     \
        for (;;) {                                                           \
            volatile int kind_;                                              \
            RT_TRY(kind_) { op; }                                            \
            if (kind_ == -1)                                                 \
                break;                                                       \
            assert_int_equal(kind_, RTMAP_PANIC_OUT_OF_MEMORY);              \
            oom_failures++;                                                  \
            check_model((t), (m), (md));                                     \
        }                                                                    \
    } while (0)

static void put_retrying(const rtmap_maptype *t, rtmap_hmap *m, model *md, uint64_t k, uint64_t v)
{
    ATTEMPT(t, m, md, put(t, m, md, k, v));
}

static void del_retrying(const rtmap_maptype *t, rtmap_hmap *m, model *md, uint64_t k)
{
    ATTEMPT(t, m, md, del(t, m, md, k));
}

static rtmap_hmap *make_retrying(const rtmap_maptype *t)
{
    for (;;) {
        rtmap_hmap *volatile m = NULL;
        volatile int kind;
        RT_TRY(kind) { m = rtmap_makemap(t, 0); }
        if (kind == -1)
            return m;
        assert_int_equal(kind, RTMAP_PANIC_OUT_OF_MEMORY);
    }
}

/* Grows to md->n entries, shrinks to 1% of that, grows to a quarter and shrinks
   to nothing, with an iterator live through part of it (so rebuilt tables and
   deleted indirect blocks go to the retired list). Returns the number of
   allocations it made. */
static long shrinking_workload(const rtmap_maptype *t, model *md, long fail_at)
{
    long before = rt_alloc.allocs;
    fixed_rand_state = 1;
    memset(md->present, 0, md->n);
    md->count = 0;
    if (fail_at > 0)
        rt_fail_allocation_after(fail_at);
    rtmap_hmap *m = make_retrying(t);
    for (uint64_t k = 0; k < md->n; k++)
        put_retrying(t, m, md, k, k);
    rtmap_hiter it;
    rtmap_mapiterinit(t, m, &it);
    for (uint64_t k = 0; k < md->n - md->n / 100; k++) {
        del_retrying(t, m, md, k);  /* a failed shrink waits; the delete happens */
        if (k % 3 == 0 && it.key)
            rtmap_mapiternext(&it);
        if (k == md->n / 2)
            rtmap_mapiterstop(&it);
    }
    check_model(t, m, md);
    for (uint64_t k = 0; k < md->n / 4; k++)
        put_retrying(t, m, md, k, k + 1);
    for (uint64_t k = 0; k < md->n; k++)
        if (md->present[k])
            del_retrying(t, m, md, k);
    check_model(t, m, md);
    rtmap_mapfree(t, m);
    return rt_alloc.allocs - before;
}

/* Fails allocation k of the workload for k = 1, 1 + stride, ... up to its last. */
static void allocation_failure_everywhere(const rtmap_maptype *t, size_t n, long stride)
{
    rt_use_test_allocator();
    rtmap_set_rand(fixed_rand, NULL);
    model md = model_new(n);
    long total = shrinking_workload(t, &md, 0);
    /* Tables, group arrays, header chunks, directories and retired lists: the
       3000-entry workload makes about 40 allocations, each failed in turn. */
    assert_true(total > 30);
    long absorbed = 0, runs = 0;
    for (long k = 1; k <= total; k += stride, runs++) {
        oom_failures = 0;
        long failures = rt_alloc.failures;
        shrinking_workload(t, &md, k);
        /* Either an insert (or delete) saw the failure, or a shrink did and waited. */
        assert_int_equal(rt_alloc.failures, failures + 1);
        absorbed += oom_failures == 0;
        assert_int_equal(rt_alloc.live_blocks, 0);
        assert_false(rt_alloc.bad_free);
    }
    assert_true(absorbed > 0);
    model_free(&md);
    rtmap_set_rand(NULL, NULL);
    rt_use_heap_allocator();
}

static void test_allocation_failure_everywhere(void **state)
{
    (void)state;
    allocation_failure_everywhere(u64map(), 3000, 1);
}

/* Indirect entries allocate twice each: every 5th allocation of a smaller
   workload keeps the test short while still hitting every kind of step. */
static void test_allocation_failure_indirect(void **state)
{
    (void)state;
    const rtmap_type *big = st_bytes_type(200);
    allocation_failure_everywhere(st_map_type(big, big), 1200, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_shrinks_by_halves),
        cmocka_unit_test(test_hint_is_a_floor),
        cmocka_unit_test(test_waves_do_not_oscillate),
        cmocka_unit_test(test_random_waves_checked),
        cmocka_unit_test(test_iterate_while_deleting_99_percent),
        cmocka_unit_test(test_buddies_merge_when_they_fit),
        cmocka_unit_test(test_emptied_map_merges_to_one_table),
        cmocka_unit_test(test_merges_under_a_paused_iterator),
        cmocka_unit_test(test_nan_keys_merge_only_without_iterators),
        cmocka_unit_test(test_indirect_entries_under_iterator),
        cmocka_unit_test(test_large_map_with_small_tables),
        cmocka_unit_test(test_memory_after_deleting_99_percent),
        cmocka_unit_test(test_verify_detects_broken_shrink_state),
        cmocka_unit_test(test_allocation_failure_everywhere),
        cmocka_unit_test(test_allocation_failure_indirect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
