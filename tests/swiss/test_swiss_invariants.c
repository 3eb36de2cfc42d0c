/* White-box tests of the swiss map: the invariant checker (rtmap_verify) after
 * every operation of random sequences against a reference model, for uint64,
 * string and float64 keys; growth, split and directory doubling; Go's table and
 * group counts; tombstone churn and pruning; iteration while the map changes. */
#include "swiss_test.h"
#include "types.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define U64_KEYS 4096

typedef struct model64 {
    bool     present[U64_KEYS];
    uint64_t value[U64_KEYS];
    size_t   count;
} model64;

static const rtmap_maptype *u64map(void)
{
    static const rtmap_maptype *t;
    if (!t)
        t = st_map_type(&rtmap_type_uint64, &rtmap_type_uint64);
    return t;
}

static void m64_put(const rtmap_maptype *t, rtmap_hmap *m, model64 *md, uint64_t k, uint64_t v, bool fast)
{
    uint64_t *e = fast ? rtmap_mapassign_fast64(t, m, k) : rtmap_mapassign(t, m, &k);
    assert_non_null(e);
    *e = v;
    if (!md->present[k])
        md->count++;
    md->present[k] = true;
    md->value[k] = v;
}

static void m64_del(const rtmap_maptype *t, rtmap_hmap *m, model64 *md, uint64_t k, bool fast)
{
    if (fast)
        rtmap_mapdelete_fast64(t, m, k);
    else
        rtmap_mapdelete(t, m, &k);
    if (md->present[k])
        md->count--;
    md->present[k] = false;
}

static void m64_check_all(const rtmap_maptype *t, rtmap_hmap *m, const model64 *md)
{
    RT_VERIFY(t, m);
    assert_int_equal(rtmap_maplen(m), md->count);
    for (uint64_t k = 0; k < U64_KEYS; k++) {
        bool ok;
        uint64_t *e = rtmap_mapaccess2_fast64(t, m, k, &ok);
        assert_int_equal(ok, md->present[k]);
        if (ok)
            assert_int_equal(*e, md->value[k]);
        else
            assert_int_equal(*e, 0);
        uint64_t *g = rtmap_mapaccess1(t, m, &k);
        assert_int_equal(*g, ok ? md->value[k] : 0);
    }
}

/* Iterates while mutating at random; checks Go's guarantees against the model. */
static void m64_iterate_mutating(const rtmap_maptype *t, rtmap_hmap *m, model64 *md, uint64_t *rng,
                                 unsigned grow_burst)
{
    static bool at_start[U64_KEYS], deleted[U64_KEYS];
    static unsigned produced[U64_KEYS];
    for (uint64_t k = 0; k < U64_KEYS; k++) {
        at_start[k] = md->present[k];
        deleted[k] = false;
        produced[k] = 0;
    }
    rtmap_hiter it;
    unsigned step = 0;
    for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it), step++) {
        uint64_t k = *(uint64_t *)it.key;
        assert_true(k < U64_KEYS);
        assert_true(md->present[k]);                     /* deleted entries are not produced */
        assert_int_equal(*(uint64_t *)it.elem, md->value[k]); /* the current value */
        assert_int_equal(++produced[k], 1);              /* never twice */
        uint64_t r = rt_splitmix64(rng);
        switch (r % 8) {
        case 0: case 1: {                                /* delete some key */
            uint64_t d = (r >> 8) % U64_KEYS;
            if (md->present[d]) {
                deleted[d] = true;
                produced[d] = 0;
            }
            m64_del(t, m, md, d, r & 0x100);
            break;
        }
        case 2:                                          /* delete the current key */
            m64_del(t, m, md, k, false);
            produced[k] = 0;        /* a re-added key is a new entry: may appear again */
            deleted[k] = true;
            break;
        case 3: case 4: {                                /* update or add */
            uint64_t a = (r >> 8) % U64_KEYS;
            if (!md->present[a])
                deleted[a] = true;                       /* added: may or may not appear */
            m64_put(t, m, md, a, r >> 20, r & 0x100);
            break;
        }
        case 5:                                          /* a burst that grows/splits */
            if (step % 16 == 0)
                for (unsigned i = 0; i < grow_burst; i++) {
                    uint64_t a = rt_splitmix64(rng) % U64_KEYS;
                    if (!md->present[a])
                        deleted[a] = true;
                    m64_put(t, m, md, a, a * 3, true);
                }
            break;
        default:
            break;
        }
        if (md->count < 200 || step % 97 == 0)
            RT_VERIFY(t, m);
    }
    for (uint64_t k = 0; k < U64_KEYS; k++)
        if (at_start[k] && !deleted[k] && md->present[k])
            assert_int_equal(produced[k], 1);
}

static void random_u64_sequence(uint64_t seed, unsigned ops, unsigned key_space, intptr_t hint)
{
    const rtmap_maptype *t = u64map();
    static model64 md;
    memset(&md, 0, sizeof md);
    uint64_t rng = seed;
    rtmap_hmap *m = rtmap_makemap(t, hint);
    for (unsigned i = 0; i < ops; i++) {
        uint64_t r = rt_splitmix64(&rng);
        uint64_t k = (r >> 8) % key_space;
        switch (r % 100) {
        default:
            m64_put(t, m, &md, k, r >> 16, r & 0x1000000);
            break;
        case 55: case 56: case 57: case 58: case 59: case 60: case 61: case 62: case 63: case 64:
        case 65: case 66: case 67: case 68: case 69: case 70: case 71: case 72: case 73: case 74:
        case 75: case 76: case 77: case 78: case 79: case 80: case 81: case 82: case 83: case 84:
            m64_del(t, m, &md, k, r & 0x1000000);
            break;
        case 85:
            if ((r >> 32) % 8 == 0) {
                rtmap_mapclear(t, m);
                memset(&md, 0, sizeof md);
            }
            break;
        case 86:
            m64_iterate_mutating(t, m, &md, &rng, 40);
            break;
        case 88: {
            rtmap_hmap *c = rtmap_mapclone(t, m);
            m64_check_all(t, c, &md);
            uint64_t x = U64_KEYS - 1;
            *(uint64_t *)rtmap_mapassign(t, c, &x) = 1;   /* independent of m */
            rtmap_mapfree(t, c);
            break;
        }
        }
        if (md.count < 300 || i % 16 == 0)
            RT_VERIFY(t, m);
        assert_int_equal(rtmap_maplen(m), md.count);
        if (i % 512 == 0)
            m64_check_all(t, m, &md);
    }
    m64_check_all(t, m, &md);
    rtmap_mapfree(t, m);
}

static void test_random_u64(void **state)
{
    (void)state;
    rt_use_test_allocator();
    random_u64_sequence(1, 6000, 64, 0);      /* mostly small map and first tables */
    random_u64_sequence(2, 6000, 1500, 0);    /* grows to a split */
    random_u64_sequence(3, 4000, U64_KEYS, 3000); /* presized, several tables */
    random_u64_sequence(4, 3000, 12, 0);      /* churn around the small/table boundary */
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

/* ---- string keys ------------------------------------------------------------------ */

#define STR_KEYS 300
static char str_buf[STR_KEYS][160];
static rtmap_string str_key[STR_KEYS];

static void make_strings(void)
{
    for (int i = 0; i < STR_KEYS; i++) {
        size_t len;
        switch (i % 4) {
        case 0: len = (size_t)snprintf(str_buf[i], sizeof str_buf[i], "%d", i); break;
        case 1: len = 0; break;
        default:
            /* long keys with equal length, prefix and suffix: defeat the quick filter */
            memset(str_buf[i], 'a', 100);
            len = 100 + (size_t)(i % 3);
            snprintf(str_buf[i] + 40, 20, "%08d", i);
            str_buf[i][48] = 'a';
            memset(str_buf[i] + 100, 'z', 3);
            break;
        }
        str_key[i].ptr = i % 4 == 1 ? NULL : str_buf[i];
        str_key[i].len = len;
        if (i % 4 == 1 && i != 1) {   /* only one empty string; others short */
            str_key[i].len = (size_t)snprintf(str_buf[i], sizeof str_buf[i], "s%d", i);
            str_key[i].ptr = str_buf[i];
        }
    }
}

static void test_random_strings(void **state)
{
    (void)state;
    make_strings();
    const rtmap_maptype *t = st_map_type(&rtmap_type_string, &rtmap_type_int64);
    bool present[STR_KEYS] = { false };
    int64_t value[STR_KEYS] = { 0 };
    size_t count = 0;
    uint64_t rng = 99;
    for (int round = 0; round < 3; round++) {
        rtmap_hmap *m = rtmap_makemap(t, round == 2 ? 200 : 0);
        memset(present, 0, sizeof present);
        count = 0;
        unsigned space = round == 0 ? 10 : STR_KEYS;
        for (int i = 0; i < 5000; i++) {
            uint64_t r = rt_splitmix64(&rng);
            unsigned k = (unsigned)((r >> 8) % space);
            if (r % 3 != 0) {
                /* a copy of the key at another address: key update must store it */
                static char copy[160];
                memcpy(copy, str_key[k].ptr ? str_key[k].ptr : "", str_key[k].len);
                rtmap_string key = str_key[k];
                int64_t *e = (r & 16) ? rtmap_mapassign_faststr(t, m, key) : rtmap_mapassign(t, m, &key);
                *e = (int64_t)r;
                if (!present[k])
                    count++;
                present[k] = true;
                value[k] = (int64_t)r;
            } else {
                if (r & 16)
                    rtmap_mapdelete_faststr(t, m, str_key[k]);
                else
                    rtmap_mapdelete(t, m, &str_key[k]);
                if (present[k])
                    count--;
                present[k] = false;
            }
            RT_VERIFY(t, m);
            assert_int_equal(rtmap_maplen(m), count);
            if (i % 250 == 0)
                for (unsigned j = 0; j < STR_KEYS; j++) {
                    bool ok;
                    int64_t *e = rtmap_mapaccess2_faststr(t, m, str_key[j], &ok);
                    assert_int_equal(ok, present[j] && j < STR_KEYS);
                    if (ok)
                        assert_int_equal(*e, value[j]);
                    int64_t *g = rtmap_mapaccess1(t, m, &str_key[j]);
                    assert_int_equal(*g, ok ? value[j] : 0);
                }
        }
        /* A long absent key that passes the quick filter of every long key. */
        char probe[200];
        memcpy(probe, str_buf[2], str_key[2].len);
        probe[45] = '#';
        rtmap_string pk = { probe, str_key[2].len };
        assert_int_equal(*(int64_t *)rtmap_mapaccess1_faststr(t, m, pk), 0);
        rtmap_mapfree(t, m);
    }
}

/* Small maps: the long-key filter with zero, one and several candidates. */
static void test_faststr_small_filter(void **state)
{
    (void)state;
    const rtmap_maptype *t = st_map_type(&rtmap_type_string, &rtmap_type_int64);
    static char a[100], b[100], c[100];
    memset(a, 'x', sizeof a);
    memcpy(b, a, sizeof b);
    memcpy(c, a, sizeof c);
    b[50] = 'b';
    c[50] = 'c';
    rtmap_string ka = { a, 100 }, kb = { b, 100 }, kc = { c, 100 };
    rtmap_hmap *m = rtmap_makemap_small(t);
    *(int64_t *)rtmap_mapassign_faststr(t, m, ka) = 1;
    assert_int_equal(*(int64_t *)rtmap_mapaccess1_faststr(t, m, ka), 1);   /* one candidate */
    assert_int_equal(*(int64_t *)rtmap_mapaccess1_faststr(t, m, kb), 0);   /* one, unequal */
    *(int64_t *)rtmap_mapassign_faststr(t, m, kb) = 2;
    assert_int_equal(*(int64_t *)rtmap_mapaccess1_faststr(t, m, kb), 2);   /* two: hash */
    assert_int_equal(*(int64_t *)rtmap_mapaccess1_faststr(t, m, kc), 0);
    rtmap_string other = { "short", 5 };
    assert_int_equal(*(int64_t *)rtmap_mapaccess1_faststr(t, m, other), 0);
    rtmap_string len99 = { a, 99 };
    assert_int_equal(*(int64_t *)rtmap_mapaccess1_faststr(t, m, len99), 0); /* no candidate */
    RT_VERIFY(t, m);
    rtmap_mapfree(t, m);
}

/* ---- float64 keys: NaN, +0/-0 -------------------------------------------------------- */

static void test_random_float64(void **state)
{
    (void)state;
    const rtmap_maptype *t = st_map_type(&rtmap_type_float64, &rtmap_type_int64);
    uint64_t rng = 5;
    rtmap_hmap *m = rtmap_makemap(t, 0);
    /* model: keys are small integers, +0/-0, and NaNs (each NaN insert is new) */
    int64_t value[64];
    bool present[64] = { false };
    size_t nans = 0, count = 0;
    double zero_sign = 0.0;
    for (int i = 0; i < 6000; i++) {
        uint64_t r = rt_splitmix64(&rng);
        int k = (int)((r >> 8) % 64);
        double key = k == 0 ? ((r & 0x10000) ? -0.0 : 0.0) : (double)k;
        if (r % 50 == 0) {
            double nan = NAN;
            *(int64_t *)rtmap_mapassign(t, m, &nan) = 7;
            nans++;
            count++;
        } else if (r % 50 == 1 && nans) {
            double nan = NAN;
            rtmap_mapdelete(t, m, &nan);                 /* never found */
        } else if (r % 3) {
            *(int64_t *)rtmap_mapassign(t, m, &key) = (int64_t)r;
            if (!present[k])
                count++;
            present[k] = true;
            value[k] = (int64_t)r;
            if (k == 0)
                zero_sign = key;
        } else {
            rtmap_mapdelete(t, m, &key);
            if (present[k])
                count--;
            present[k] = false;
        }
        RT_VERIFY(t, m);
        assert_int_equal(rtmap_maplen(m), count);
        if (i % 300 == 299) {
            size_t seen_nans = 0, seen = 0;
            rtmap_hiter it;
            for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it)) {
                double kk = *(double *)it.key;
                seen++;
                if (isnan(kk)) {
                    seen_nans++;
                    assert_int_equal(*(int64_t *)it.elem, 7);
                    continue;
                }
                int idx = (int)kk;
                assert_true(present[idx]);
                assert_int_equal(*(int64_t *)it.elem, value[idx]);
                if (idx == 0)
                    assert_int_equal(signbit(kk), signbit(zero_sign)); /* last sign written wins */
            }
            assert_int_equal(seen_nans, nans);
            assert_int_equal(seen, count);
        }
        if (i == 3000) {
            rtmap_mapclear(t, m);
            memset(present, 0, sizeof present);
            count = nans = 0;
        }
    }
    rtmap_mapfree(t, m);
}

/* NaN entries are each produced once while the map grows under the iterator. */
static void test_nan_grow_iterator(void **state)
{
    (void)state;
    const rtmap_maptype *t = st_map_type(&rtmap_type_float64, &rtmap_type_int64);
    rtmap_hmap *m = rtmap_makemap(t, 0);
    double nan = NAN;
    for (int i = 0; i < 8; i++)
        *(int64_t *)rtmap_mapassign(t, m, &nan) = i;
    bool seen[8] = { false };
    int n = 0;
    rtmap_hiter it;
    for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it)) {
        int64_t v = *(int64_t *)it.elem;
        if (isnan(*(double *)it.key)) {
            assert_true(v >= 0 && v < 8);
            assert_false(seen[v]);
            seen[v] = true;
        }
        if (n++ == 0)
            for (int j = 0; j < 2000; j++) {          /* small -> table -> split */
                double k = j + 1;
                *(int64_t *)rtmap_mapassign(t, m, &k) = 100;
            }
    }
    for (int i = 0; i < 8; i++)
        assert_true(seen[i]);
    RT_VERIFY(t, m);
    rtmap_mapfree(t, m);
}

/* ---- structure ------------------------------------------------------------------------ */

static void test_table_group_count(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    for (int n = 0; n <= 40; n++) {
        size_t want_tables, want_groups;
        if (n <= 0) { want_tables = 0; want_groups = 0; }
        else if (n <= 8) { want_tables = 0; want_groups = 1; }
        else if (n <= 14) { want_tables = 1; want_groups = 2; }
        else if (n <= 28) { want_tables = 1; want_groups = 4; }
        else if (n <= 56) { want_tables = 1; want_groups = 8; }
        else { want_tables = 0; want_groups = 0; }
        for (int mode = 0; mode < 3; mode++) {
            rtmap_hmap *m = mode == 0 ? rtmap_makemap(t, 0)
                          : mode == 1 ? rtmap_makemap(t, n) : rtmap_makemap64(t, n);
            for (uint64_t k = 0; k < (uint64_t)n; k++)
                *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
            RT_VERIFY(t, m);
            if (n <= 29) {
                assert_int_equal(st_table_count(m), want_tables);
                assert_int_equal(st_group_count(m), want_groups);
            }
            rtmap_mapfree(t, m);
        }
    }
    /* Hints allocate up front; bogus hints are ignored. */
    rtmap_hmap *m = rtmap_makemap(t, 9);
    assert_int_equal(st_group_count(m), 2);
    rtmap_mapfree(t, m);
    m = rtmap_makemap(t, 896);
    assert_int_equal(st_table_count(m), 1);
    assert_int_equal(st_group_count(m), 128);
    rtmap_mapfree(t, m);
    m = rtmap_makemap(t, 897);
    assert_int_equal(st_table_count(m), 2);
    assert_int_equal(st_group_count(m), 128);
    rtmap_mapfree(t, m);
    intptr_t bogus[] = { -1, INTPTR_MIN, INTPTR_MAX, (intptr_t)1 << 62, (intptr_t)1 << 50 };
    for (size_t i = 0; i < sizeof bogus / sizeof bogus[0]; i++) {
        m = rtmap_makemap(t, bogus[i]);
        assert_non_null(m);
        assert_int_equal(st_group_count(m), 0);
        *(uint64_t *)rtmap_mapassign_fast64(t, m, 1) = 1;
        RT_VERIFY(t, m);
        rtmap_mapfree(t, m);
    }
    m = rtmap_makemap64(t, INT64_MAX);
    assert_int_equal(st_group_count(m), 0);
    rtmap_mapfree(t, m);
}

static void test_small_promotion(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rtmap_hmap *m = rtmap_makemap_small(t);
    assert_null(m->dir_ptr);
    for (uint64_t k = 0; k < 8; k++) {
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k + 1;
        assert_int_equal(m->dir_len, 0);
        RT_VERIFY(t, m);
    }
    *(uint64_t *)rtmap_mapassign_fast64(t, m, 8) = 9;
    assert_int_equal(m->dir_len, 1);
    assert_int_equal(swiss_dir_at(m, 0)->capacity, 16);
    RT_VERIFY(t, m);
    for (uint64_t k = 0; k < 9; k++)
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast64(t, m, k), k + 1);
    rtmap_mapfree(t, m);
}

/* >= 10^5 entries: many splits and directory doublings, then deletes, with the
   iteration guarantees checked across all of it. */
static void test_split_and_doubling(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rtmap_hmap *m = rtmap_makemap(t, 0);
    const uint64_t n = 120000;
    uint8_t last_depth = 0;
    for (uint64_t k = 0; k < n; k++) {
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k * 0x9E3779B97F4A7C15ULL) = k;
        if (m->dir_len && m->global_depth != last_depth) {
            last_depth = m->global_depth;
            RT_VERIFY(t, m);                  /* right after each directory doubling */
        }
    }
    RT_VERIFY(t, m);
    assert_true(m->global_depth >= 7);
    assert_true(st_table_count(m) >= 128);
    for (uint64_t k = 0; k < n; k++)
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast64(t, m, k * 0x9E3779B97F4A7C15ULL), k);
    bool ok;
    rtmap_mapaccess2_fast64(t, m, 12345, &ok);
    assert_false(ok);

    /* Iterate while the map doubles in size: every original entry exactly once. */
    uint8_t *seen = calloc(n, 1);
    uint64_t added = 0;
    rtmap_hiter it;
    for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it)) {
        uint64_t v = *(uint64_t *)it.elem;
        if (v < n) {
            assert_int_equal(*(uint64_t *)it.key, v * 0x9E3779B97F4A7C15ULL);
            assert_int_equal(seen[v]++, 0);
        }
        for (int j = 0; j < 2 && added < n; j++, added++)
            *(uint64_t *)rtmap_mapassign_fast64(t, m, (n + added) * 0x9E3779B97F4A7C15ULL) = n + added;
    }
    for (uint64_t k = 0; k < n; k++)
        assert_int_equal(seen[k], 1);
    assert_int_equal(rtmap_maplen(m), n + added);
    RT_VERIFY(t, m);
    /* Delete everything odd while iterating; nothing odd is produced afterwards. */
    memset(seen, 0, n);
    bool first = true;
    for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it)) {
        uint64_t v = *(uint64_t *)it.elem;
        if (first) {
            for (uint64_t k = 1; k < n; k += 2)
                rtmap_mapdelete_fast64(t, m, k * 0x9E3779B97F4A7C15ULL);
            first = false;
        } else if (v < n) {
            assert_int_equal(v % 2, 0);
        }
    }
    RT_VERIFY(t, m);
    free(seen);
    rtmap_mapfree(t, m);
}

/* Churn at constant size (delete one key found by iteration, insert a new one)
   does not grow a table: pruneTombstones reclaims what growth_left lost. */
static void test_tombstone_churn(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rt_use_test_allocator();
    for (unsigned cap = 16; cap <= 256; cap *= 2) {
        for (int load = 0; load < 3; load++) {
            unsigned max = cap / 8 * 7;
            unsigned n = load == 0 ? max / 8 : load == 1 ? max / 2 : max;
            rtmap_hmap *m = rtmap_makemap(t, (intptr_t)max);
            assert_int_equal(swiss_dir_at(m, 0)->capacity, cap);
            uint64_t next = 0;
            for (; next < n; next++)
                *(uint64_t *)rtmap_mapassign_fast64(t, m, next) = next;
            long allocs = rt_alloc.allocs;
            unsigned rounds = cap == 16 ? 100000 : 20000;
            for (unsigned r = 0; r < rounds; r++) {
                rtmap_hiter it;
                rtmap_mapiterinit(t, m, &it);
                uint64_t victim = *(uint64_t *)it.key;
                rtmap_mapiterstop(&it);
                rtmap_mapdelete_fast64(t, m, victim);
                *(uint64_t *)rtmap_mapassign_fast64(t, m, next) = next;
                next++;
            }
            RT_VERIFY(t, m);
            assert_int_equal(rtmap_maplen(m), n);
            /* Go's budget: one growth (2 blocks), two if the table started full
               (a few tombstones in a full table are not worth a prune). */
            long budget = n == max ? 4 : 2;
            if (rt_alloc.allocs - allocs > budget)
                fail_msg("cap %u load %u: %ld allocations during churn", cap, n, rt_alloc.allocs - allocs);
            assert_int_equal(st_table_count(m), 1);
            rtmap_mapfree(t, m);
        }
    }
    assert_int_equal(rt_alloc.live_blocks, 0);
    rt_use_heap_allocator();
}

/* A full table of 1024 with many tombstones: inserts prune instead of splitting. */
static void test_prune_tombstones(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rtmap_hmap *m = rtmap_makemap(t, 896);
    for (uint64_t k = 0; k < 896; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    swiss_table *tab = swiss_dir_at(m, 0);
    assert_int_equal(tab->growth_left, 0);
    unsigned deleted = 0;
    for (uint64_t k = 0; k < 896; k++)
        if (k % 3) {
            rtmap_mapdelete_fast64(t, m, k);
            deleted++;
        }
    RT_VERIFY(t, m);
    unsigned tombstones = swiss_tombstones(tab);
    assert_true(tombstones > 103);
    /* Churn at about 300 entries: without pruning, growth_left (which counts
       tombstones as used) would run out and split the table. */
    /* FIFO: the survivors (multiples of 3) first, then the new keys in order. */
    uint64_t next = 1000, oldest_original = 0, oldest_new = 1000;
    for (unsigned r = 0; r < 20000; r++) {
        *(uint64_t *)rtmap_mapassign_fast64(t, m, next) = next;
        next++;
        if (oldest_original < 896) {
            rtmap_mapdelete_fast64(t, m, oldest_original);
            oldest_original += 3;
        } else {
            rtmap_mapdelete_fast64(t, m, oldest_new++);
        }
        if (r % 1000 == 0)
            RT_VERIFY(t, m);
    }
    RT_VERIFY(t, m);
    assert_int_equal(rtmap_maplen(m), 896 - deleted);
    assert_int_equal(st_table_count(m), 1);
    assert_ptr_equal(swiss_dir_at(m, 0), tab);          /* never grown or split */
    for (uint64_t k = oldest_new; k < next; k++)
        assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast64(t, m, k), k);
    rtmap_mapfree(t, m);
}

/* Deleting in a full group leaves a tombstone; re-putting reuses it for free. */
static void test_put_delete_tombstone(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rtmap_hmap *m = rtmap_makemap(t, 896);
    for (uint64_t k = 0; k < 896; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    swiss_table *tab = swiss_dir_at(m, 0);
    /* find a key in a full group */
    uint64_t victim = UINT64_MAX;
    for (uint64_t k = 0; k < 896 && victim == UINT64_MAX; k++) {
        swiss_pos pos;
        uint64_t hash = t->hasher(t->key, &k, m->seed);
        assert_non_null(swiss_find_slot(t, m, &k, hash, &pos));
        if (!group_match_empty_or_deleted(ctrl_load(pos.group)))
            victim = k;
    }
    assert_true(victim != UINT64_MAX);
    uint16_t gl = tab->growth_left;
    rtmap_mapdelete_fast64(t, m, victim);
    assert_int_equal(swiss_tombstones(tab), 1);
    assert_true(m->tombstone_possible);
    *(uint64_t *)rtmap_mapassign_fast64(t, m, victim) = 5;
    assert_int_equal(tab->growth_left, gl);
    assert_ptr_equal(swiss_dir_at(m, 0), tab);
    RT_VERIFY(t, m);
    rtmap_mapfree(t, m);
}

/* ---- clear, clone, iteration edge cases ------------------------------------------------- */

static void test_clear_reuses_and_ends_iteration(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rt_use_test_allocator();
    rtmap_hmap *m = rtmap_makemap(t, 0);
    for (uint64_t k = 0; k < 5000; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    size_t groups = st_group_count(m);
    uint64_t seed = m->seed;
    rtmap_hiter it;
    rtmap_mapiterinit(t, m, &it);
    assert_non_null(it.key);
    long allocs = rt_alloc.allocs;
    rtmap_mapclear(t, m);
    assert_int_equal(rt_alloc.allocs, allocs);            /* memory reused */
    assert_int_equal(st_group_count(m), groups);
    assert_true(m->seed != seed);                         /* reseeded */
    RT_VERIFY(t, m);
    for (uint64_t k = 10000; k < 10100; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    rtmap_mapiternext(&it);
    assert_null(it.key);                                  /* nothing after the clear */
    assert_int_equal(atomic_load(&m->live_iters), 0);
    /* Clear of an empty map with a big directory: nothing to do, no tombstones. */
    rtmap_mapclear(t, m);
    uint64_t seq = m->clear_seq;
    rtmap_mapclear(t, m);
    assert_int_equal(m->clear_seq, seq);                  /* returned at once */
    /* Emptied by deletes, with tombstones left: clear still runs and flushes them. */
    for (uint64_t k = 0; k < 3000; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    for (uint64_t k = 0; k < 3000; k++)
        rtmap_mapdelete_fast64(t, m, k);
    assert_int_equal(rtmap_maplen(m), 0);
    assert_true(m->tombstone_possible);
    seq = m->clear_seq;
    rtmap_mapclear(t, m);
    assert_int_equal(m->clear_seq, seq + 1);
    assert_false(m->tombstone_possible);
    RT_VERIFY(t, m);                 /* checks no tombstone is left anywhere */
    for (size_t i = 0; i < m->dir_len; i++)
        assert_int_equal(swiss_tombstones(swiss_dir_at(m, i)), 0);
    /* A delete that empties the map reseeds it. */
    *(uint64_t *)rtmap_mapassign_fast64(t, m, 1) = 1;
    seed = m->seed;
    rtmap_mapdelete_fast64(t, m, 1);
    assert_true(m->seed != seed);
    RT_VERIFY(t, m);
    rtmap_mapfree(t, m);
    assert_int_equal(rt_alloc.live_blocks, 0);
    rt_use_heap_allocator();
}

/* A clear after a few inserts visits only the tables those inserts dirtied (the
   map's dirty list), and still leaves no entry anywhere: with 1..6 new keys the
   list holds up to 4 tables, then overflows and the clear walks every table. A
   split in between invalidates the list. */
static void test_clear_visits_dirty_tables(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rtmap_hmap *m = rtmap_makemap(t, 0);
    for (uint64_t k = 0; k < 20000; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    rtmap_mapclear(t, m);
    RT_VERIFY(t, m);
    assert_true(m->dirty_list_valid);
    assert_int_equal(m->dirty_len, 0);
    assert_true(st_table_count(m) > 8);
    uint64_t next = 1000000;
    for (unsigned round = 0; round < 40; round++) {
        unsigned n = 1 + round % 6;
        const swiss_table *seen[6];
        unsigned distinct = 0;
        for (unsigned i = 0; i < n; i++) {
            uint64_t k = next++;
            const swiss_table *tab = swiss_dir_lookup(m, t->hasher(t->key, &k, m->seed));
            bool dup = false;
            for (unsigned j = 0; j < distinct; j++)
                dup |= seen[j] == tab;
            if (!dup)
                seen[distinct++] = tab;
            *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
            RT_VERIFY(t, m);
        }
        assert_int_equal(m->dirty_list_valid, distinct <= SWISS_DIRTY_LIST_LEN);
        if (m->dirty_list_valid)
            assert_int_equal(m->dirty_len, distinct);
        rtmap_mapclear(t, m);
        RT_VERIFY(t, m);
        assert_int_equal(rtmap_maplen(m), 0);
        for (size_t i = 0; i < m->dir_len; i++)
            assert_int_equal(swiss_dir_at(m, i)->used, 0);
        for (uint64_t k = next - n; k < next; k++) {
            bool ok;
            rtmap_mapaccess2_fast64(t, m, k, &ok);
            assert_false(ok);
        }
    }
    /* Growth past the tables' size splits them: the list no longer holds. */
    size_t tables = st_table_count(m);
    for (uint64_t k = 0; k < 60000; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    assert_true(st_table_count(m) > tables);
    assert_false(m->dirty_list_valid);
    rtmap_mapclear(t, m);
    RT_VERIFY(t, m);
    for (size_t i = 0; i < m->dir_len; i++)
        assert_int_equal(swiss_dir_at(m, i)->used, 0);
    rtmap_mapfree(t, m);
}

/* Every key below n is found with its value, and the next n keys are not. */
static void expect_keys_below(const rtmap_maptype *t, rtmap_hmap *m, uint64_t n)
{
    for (uint64_t k = 0; k < 2 * n; k++) {
        bool ok;
        const uint64_t *v = rtmap_mapaccess2_fast64(t, m, k, &ok);
        assert_int_equal(ok, k < n);
        assert_int_equal(*v, k < n ? k : 0);
    }
}

/* A presized map's tables share one block of groups, and probes compute a
   table's groups from the hash while the directory is as presize built it.
   Growing past the hint replaces the tables one by one, which ends that; the
   block goes with the last of them, or is retired when an iterator is live, and
   the iterator still sees every key once. */
static void test_presized_slab(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    for (int with_iter = 0; with_iter < 2; with_iter++) {
        rt_use_test_allocator();
        rtmap_hmap *m = rtmap_makemap(t, 4000);
        assert_non_null(m->groups_slab);
        size_t tables = st_table_count(m);
        assert_int_equal(m->slab_tables, tables);
        assert_true(tables > 1);
        assert_int_not_equal(m->uniform_stride, 0);
        long allocs_before = rt_alloc.allocs;
        for (uint64_t k = 0; k < 4000; k++)
            *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
        assert_int_equal(rt_alloc.allocs, allocs_before);   /* no growth below the hint */
        RT_VERIFY(t, m);
        assert_int_not_equal(m->uniform_stride, 0);
        expect_keys_below(t, m, 4000);
        rtmap_hiter it;
        unsigned char seen[4000] = { 0 };
        if (with_iter) {
            rtmap_mapiterinit(t, m, &it);
            for (int i = 0; i < 100 && it.key; i++) {
                seen[*(uint64_t *)it.key]++;
                rtmap_mapiternext(&it);
            }
        }
        for (uint64_t k = 4000; k < 40000; k++) {
            *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
            if (k % 1000 == 0)
                RT_VERIFY(t, m);
        }
        RT_VERIFY(t, m);
        assert_null(m->groups_slab);        /* every slab table was replaced */
        assert_int_equal(m->slab_tables, 0);
        assert_int_equal(m->uniform_stride, 0);
        expect_keys_below(t, m, 40000);
        if (with_iter) {
            bool slab_retired = false;
            for (size_t i = 0; i < m->retired_len; i++)
                slab_retired |= m->retired[i].size >= 4000 * 8;
            assert_true(slab_retired);
            for (; it.key; rtmap_mapiternext(&it)) {
                uint64_t k = *(uint64_t *)it.key;
                if (k < 4000)
                    seen[k]++;
            }
            for (uint64_t k = 0; k < 4000; k++)
                assert_int_equal(seen[k], 1);
        }
        rtmap_mapfree(t, m);
        assert_int_equal(rt_alloc.live_blocks, 0);
        rt_use_heap_allocator();
    }
}

/* Iteration jumps over groups not marked dirty. Sparse maps with tables of 2 to
   128 groups (masks shorter than, equal to and folded over 64 bits), walked from
   many random starts, still produce every key exactly once. */
static void test_iterate_sparse_tables(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    const intptr_t hints[] = { 12, 100, 400, 800, 3000, 20000 };
    for (size_t h = 0; h < sizeof hints / sizeof hints[0]; h++) {
        for (uint64_t n = 1; n <= 40; n += 13) {
            rtmap_hmap *m = rtmap_makemap(t, hints[h]);
            for (uint64_t k = 0; k < n; k++)
                *(uint64_t *)rtmap_mapassign_fast64(t, m, k * 7919) = k;
            RT_VERIFY(t, m);
            for (int walk = 0; walk < 30; walk++) {
                unsigned seen[40] = { 0 };
                rtmap_hiter it;
                for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it)) {
                    uint64_t k = *(uint64_t *)it.key / 7919;
                    assert_true(k < n);
                    assert_int_equal(*(uint64_t *)it.elem, k);
                    seen[k]++;
                }
                for (uint64_t k = 0; k < n; k++)
                    assert_int_equal(seen[k], 1);
            }
            rtmap_mapfree(t, m);
        }
    }
}

static uint64_t constant_hash(const rtmap_type *t, const void *key, uint64_t seed)
{
    (void)t;
    (void)key;
    (void)seed;
    return 0x123456789abcdef0ULL;
}

/* A hasher that returns one value for every key: past one table's 896 entries
   no split can divide them. The insert that needs it panics at once with
   out-of-memory and says why (rather than doubling the directory until it
   cannot be allocated), and leaves the map as it was. */
static void test_one_hash_value_fails_clearly(void **state)
{
    (void)state;
    static const rtmap_type key = {
        .size = 8, .align = 8, .kind = RTMAP_KIND_UINT64,
        .equal = rtmap_memequal_typed, .hasher = constant_hash, .str = "main.constantHashKey",
    };
    const rtmap_maptype *t = st_map_type(&key, &rtmap_type_uint64);
    rt_use_test_allocator();
    rtmap_hmap *m = rtmap_makemap(t, 0);
    uint64_t k = 0;
    volatile int kind = -1;
    for (; k < 2000; k++) {
        RT_TRY(kind) { *(uint64_t *)rtmap_mapassign(t, m, &k) = k + 1; }
        if (kind != -1)
            break;
    }
    assert_int_equal(kind, RTMAP_PANIC_OUT_OF_MEMORY);
    assert_non_null(strstr(rt_last_panic_msg, "share one hash"));
    assert_int_equal(k, 896);                       /* one full table of 1024 */
    assert_int_equal(rtmap_maplen(m), 896);
    assert_int_equal(m->dir_len, 1);                /* the directory never grew */
    RT_VERIFY(t, m);
    for (uint64_t i = 0; i < 896; i++) {
        bool ok;
        uint64_t *e = rtmap_mapaccess2(t, m, &i, &ok);
        assert_true(ok);
        assert_int_equal(*e, i + 1);
    }
    bool ok;
    rtmap_mapaccess2(t, m, &k, &ok);
    assert_false(ok);
    rtmap_mapfree(t, m);
    assert_int_equal(rt_alloc.live_blocks, 0);
    rt_use_heap_allocator();
}

static void test_clone_deep_copies_indirect(void **state)
{
    (void)state;
    const rtmap_type *big = st_bytes_type(200);
    const rtmap_maptype *t = st_map_type(big, big);
    assert_true(t->flags & RTMAP_INDIRECT_KEY);
    assert_true(t->flags & RTMAP_INDIRECT_ELEM);
    rt_use_test_allocator();
    for (int n = 0; n < 3; n++) {
        int count = n == 0 ? 5 : n == 1 ? 100 : 2000;
        rtmap_hmap *m = rtmap_makemap(t, 0);
        uint8_t key[200], val[200];
        for (int i = 0; i < count; i++) {
            memset(key, 0, sizeof key);
            memcpy(key, &i, sizeof i);
            memset(val, i & 0xFF, sizeof val);
            memcpy(rtmap_mapassign(t, m, key), val, sizeof val);
        }
        for (int i = 0; i < count; i += 3) {               /* tombstones in the copy */
            memset(key, 0, sizeof key);
            memcpy(key, &i, sizeof i);
            rtmap_mapdelete(t, m, key);
        }
        rtmap_hmap *c = rtmap_mapclone(t, m);
        RT_VERIFY(t, c);
        assert_int_equal(rtmap_maplen(c), rtmap_maplen(m));
        rtmap_mapclear(t, m);
        rtmap_mapfree(t, m);                               /* the clone outlives it */
        for (int i = 0; i < count; i++) {
            memset(key, 0, sizeof key);
            memcpy(key, &i, sizeof i);
            bool ok;
            uint8_t *e = rtmap_mapaccess2(t, c, key, &ok);
            assert_int_equal(ok, i % 3 != 0);
            if (ok)
                assert_int_equal(e[199], i & 0xFF);
        }
        rtmap_mapfree(t, c);
    }
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

/* Retired storage stays while an iterator is live and is freed after. */
static void test_retired_storage(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    rt_use_test_allocator();
    rtmap_hmap *m = rtmap_makemap(t, 0);
    for (uint64_t k = 0; k < 5; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    rtmap_hiter it;
    rtmap_mapiterinit(t, m, &it);
    for (uint64_t k = 5; k < 3000; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    assert_true(m->retired_len > 0);                       /* old group and tables */
    size_t produced = 0;
    for (; it.key; rtmap_mapiternext(&it))
        produced++;
    assert_true(produced >= 5);
    assert_int_equal(atomic_load(&m->live_iters), 0);
    *(uint64_t *)rtmap_mapassign_fast64(t, m, 1) = 1;      /* next write frees them */
    assert_int_equal(m->retired_len, 0);
    /* stop is idempotent, also after the end */
    rtmap_mapiterinit(t, m, &it);
    rtmap_mapiterstop(&it);
    rtmap_mapiterstop(&it);
    rtmap_mapiternext(&it);
    assert_null(it.key);
    assert_int_equal(atomic_load(&m->live_iters), 0);
    /* an abandoned iterator keeps retired memory until mapfree */
    rtmap_mapiterinit(t, m, &it);
    for (uint64_t k = 3000; k < 9000; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    assert_true(m->retired_len > 0);
    rtmap_mapfree(t, m);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

static void test_iteration_order_varies(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    int sizes[] = { 3, 7, 9, 15, 1000 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        rtmap_hmap *m = rtmap_makemap(t, 0);
        for (int k = 0; k < sizes[s]; k++)
            *(uint64_t *)rtmap_mapassign_fast64(t, m, (uint64_t)k) = 0;
        uint64_t first_order[16];
        bool differs = false;
        for (int tries = 0; tries < 100 && !differs; tries++) {
            rtmap_hiter it;
            int i = 0;
            for (rtmap_mapiterinit(t, m, &it); it.key && i < 16; rtmap_mapiternext(&it), i++) {
                uint64_t k = *(uint64_t *)it.key;
                if (tries == 0)
                    first_order[i] = k;
                else if (first_order[i] != k)
                    differs = true;
            }
            rtmap_mapiterstop(&it);
        }
        assert_true(differs);
        rtmap_mapfree(t, m);
    }
}

/* Zero-size keys and elems: pointers stay inside the group. */
static void test_zero_size_slots(void **state)
{
    (void)state;
    static const rtmap_type empty_struct = {
        .size = 0, .align = 1, .kind = RTMAP_KIND_STRUCT,
        .equal = rtmap_memequal_typed, .hasher = rtmap_memhash_typed, .str = "struct {}",
    };
    const rtmap_maptype *t = st_map_type(&empty_struct, &empty_struct);
    assert_int_equal(t->bucketsize, 16);
    assert_int_equal(t->slotsize, 0);
    rtmap_hmap *m = rtmap_makemap(t, 0);
    char k = 0;
    uint8_t *e = rtmap_mapassign(t, m, &k);
    uint8_t *g = m->dir_ptr;
    assert_true(e >= g && e < g + t->bucketsize);
    assert_int_equal(rtmap_maplen(m), 1);
    rtmap_mapassign(t, m, &k);
    assert_int_equal(rtmap_maplen(m), 1);
    RT_VERIFY(t, m);
    rtmap_mapdelete(t, m, &k);
    assert_int_equal(rtmap_maplen(m), 0);
    RT_VERIFY(t, m);
    rtmap_mapfree(t, m);

    const rtmap_maptype *t2 = st_map_type(&rtmap_type_int64, &empty_struct);
    assert_int_equal(t2->slotsize, 16);       /* trailing zero-size field is padded */
    assert_int_equal(t2->bucketsize, 8 + 8 * 16);
}

/* Group layouts and pointer bitmaps for the design's table of types. */
static void test_group_layout(void **state)
{
    (void)state;
    const rtmap_maptype *t = st_map_type(&rtmap_type_int32, &rtmap_type_int32);
    assert_int_equal(t->slotsize, 8);
    assert_int_equal(t->bucketsize, 72);
    assert_int_equal(t->bucket->ptrbytes, 0);
    t = st_map_type(&rtmap_type_uint8, &rtmap_type_uint64);
    assert_int_equal(t->slotsize, 16);
    assert_int_equal(t->elemoff, 8);
    assert_int_equal(t->bucketsize, 136);
    t = st_map_type(&rtmap_type_string, &rtmap_type_int64);
    assert_int_equal(t->slotsize, 24);
    assert_int_equal(t->bucketsize, 200);
    /* string key: word 1 + 3i is a pointer (ctrl is word 0) */
    for (unsigned w = 0; w < 25; w++) {
        bool want = w >= 1 && (w - 1) % 3 == 0;
        assert_int_equal((t->bucket->gcdata[w / 8] >> (w % 8)) & 1, want);
    }
    assert_int_equal(t->bucket->ptrbytes, (1 + 7 * 3 + 1) * 8);
    t = st_map_type(&rtmap_type_string, &rtmap_type_string);
    assert_int_equal(t->bucketsize, 264);
    const rtmap_type *big = st_bytes_type(256);
    t = st_map_type(big, big);
    assert_int_equal(t->slotsize, 16);
    assert_int_equal(t->keysize, 8);
    assert_int_equal(t->valuesize, 8);
    assert_int_equal(t->bucketsize, 136);
    for (unsigned w = 0; w < 17; w++)
        assert_int_equal((t->bucket->gcdata[w / 8] >> (w % 8)) & 1, w >= 1);
    assert_string_equal(t->bucket->str, "group[[256]uint8][256]uint8");
}

/* Indirect keys and elems while the map grows and splits under an iterator and
   entries are deleted: each original entry exactly once, deleted ones never,
   and nothing read through a stale table has been freed (ASan/valgrind). */
static void test_iterate_indirect_while_growing(void **state)
{
    (void)state;
    const rtmap_type *big = st_bytes_type(200);
    const rtmap_maptype *t = st_map_type(big, big);
    rt_use_test_allocator();
    rtmap_hmap *m = rtmap_makemap(t, 0);
    uint8_t key[200], val[200];
    enum { N = 600, MORE = 3000 };
    static unsigned seen[N];
    memset(seen, 0, sizeof seen);
    for (uint32_t i = 0; i < N; i++) {
        memset(key, 0, sizeof key);
        memcpy(key, &i, sizeof i);
        memset(val, (int)(i & 0x7F), sizeof val);
        memcpy(rtmap_mapassign(t, m, key), val, sizeof val);
    }
    rtmap_hiter it;
    uint32_t added = N, steps = 0;
    for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it), steps++) {
        uint32_t k;
        memcpy(&k, it.key, sizeof k);
        if (k < N) {
            assert_int_equal(((uint8_t *)it.elem)[199], k & 0x7F);
            assert_int_equal(seen[k]++, 0);
            assert_true(k % 7 != 3 || steps == 0);           /* deleted: never produced */
        }
        if (steps == 0)
            for (uint32_t d = 3; d < N; d += 7) {
                memset(key, 0, sizeof key);
                memcpy(key, &d, sizeof d);
                if (seen[d] == 0)
                    rtmap_mapdelete(t, m, key);
                else
                    seen[d] = 1;   /* already produced before the delete */
            }
        for (int j = 0; j < 8 && added < N + MORE; j++, added++) {
            memset(key, 0, sizeof key);
            memcpy(key, &added, sizeof added);
            memset(rtmap_mapassign(t, m, key), 1, 200);
        }
        if (steps % 50 == 0)
            RT_VERIFY(t, m);
    }
    for (uint32_t k = 0; k < N; k++)
        if (k % 7 != 3)
            assert_int_equal(seen[k], 1);
    RT_VERIFY(t, m);
    rtmap_mapfree(t, m);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

/* The checker itself notices broken invariants. */
/* A header lost from the chunks' accounting (neither live, retired nor free). */
static void free_tables_corrupt_check(const rtmap_maptype *t, rtmap_hmap *m)
{
    char why[256];
    swiss_table *lost = swiss_table_header_get(m);
    assert_non_null(lost);
    assert_false(rtmap_verify(t, m, why, sizeof why));
    swiss_table_header_put(m, lost);
}

static void test_verify_detects_corruption(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    char why[256];
    rtmap_hmap *m = rtmap_makemap(t, 0);
    for (uint64_t k = 0; k < 5; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    assert_true(rtmap_verify(t, m, why, sizeof why));
    m->used++;
    assert_false(rtmap_verify(t, m, why, sizeof why));
    assert_string_equal(why, "small map: used 6 but 5 full slots");
    m->used--;
    uint8_t *g = m->dir_ptr;
    uint64_t full = group_match_full(ctrl_load(g));
    unsigned i = bitset_first(full);
    uint8_t saved = ctrl_get(g, i);
    ctrl_set(g, i, (uint8_t)(saved ^ 1));           /* wrong H2 */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    ctrl_set(g, i, SWISS_CTRL_DELETED);             /* tombstone in a small map */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    ctrl_set(g, i, saved);
    assert_true(rtmap_verify(t, m, why, sizeof why));
    m->uniform_stride = (uint32_t)t->bucketsize;    /* a small map has no slab */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    m->uniform_stride = 0;
    for (uint64_t k = 5; k < 3000; k++)
        *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = k;
    assert_true(rtmap_verify(t, m, why, sizeof why));
    swiss_table *tab = swiss_dir_at(m, 0);
    tab->growth_left++;                             /* accounting off by one */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    tab->growth_left--;
    tab->local_depth++;                             /* run no longer matches */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    tab->local_depth--;
    m->global_shift++;                              /* directory sends keys elsewhere */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    m->global_shift--;
    uint64_t dirty = tab->dirty_groups;
    assert_true(dirty != 0);
    tab->dirty_groups &= dirty - 1;                 /* a written group a clear would skip */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    tab->dirty_groups = dirty;
    bool list_valid = m->dirty_list_valid;
    uint8_t list_len = m->dirty_len;
    m->dirty_list_valid = true;                     /* a list that says nothing was written, */
    m->dirty_len = 0;                               /* yet tables hold entries */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    m->dirty_list_valid = list_valid;
    m->dirty_len = list_len;
    free_tables_corrupt_check(t, m);
    assert_true(rtmap_verify(t, m, why, sizeof why));
    /* A grown map's tables are not a slab's: probes must read the directory. */
    m->uniform_stride = (uint32_t)swiss_group_bytes(t, swiss_dir_at(m, 0)->group_mask + 1u);
    assert_false(rtmap_verify(t, m, why, sizeof why));
    m->uniform_stride = 0;
    rtmap_mapfree(t, m);

    m = rtmap_makemap(t, 3000);
    assert_true(rtmap_verify(t, m, why, sizeof why));
    m->uniform_stride += 8;                         /* probes would read between tables */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    m->uniform_stride -= 8;
    m->uniform_group_mask /= 2;                     /* and only part of each table */
    assert_false(rtmap_verify(t, m, why, sizeof why));
    m->uniform_group_mask = (uint16_t)(m->uniform_group_mask * 2 + 1);
    assert_true(rtmap_verify(t, m, why, sizeof why));
    rtmap_mapfree(t, m);
}

/* Go's TestMapIterDeleteReplace: deleting and re-inserting the current key during
   iteration loses nothing, at every size around promotion and growth. */
static void test_iter_delete_replace(void **state)
{
    (void)state;
    const rtmap_maptype *t = u64map();
    for (uint64_t n = 0; n < 2100; n = n < 40 ? n + 1 : n * 5 / 4) {
        rtmap_hmap *m = rtmap_makemap(t, 0);
        for (uint64_t k = 0; k < n; k++)
            *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = 0;
        rtmap_hiter it;
        for (rtmap_mapiterinit(t, m, &it); it.key; rtmap_mapiternext(&it)) {
            uint64_t k = *(uint64_t *)it.key;
            rtmap_mapdelete_fast64(t, m, k);
            *(uint64_t *)rtmap_mapassign_fast64(t, m, k) = 1;
        }
        RT_VERIFY(t, m);
        assert_int_equal(rtmap_maplen(m), n);
        for (uint64_t k = 0; k < n; k++)
            assert_int_equal(*(uint64_t *)rtmap_mapaccess1_fast64(t, m, k), 1);
        rtmap_mapfree(t, m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_layout),
        cmocka_unit_test(test_verify_detects_corruption),
        cmocka_unit_test(test_zero_size_slots),
        cmocka_unit_test(test_small_promotion),
        cmocka_unit_test(test_table_group_count),
        cmocka_unit_test(test_random_u64),
        cmocka_unit_test(test_random_strings),
        cmocka_unit_test(test_faststr_small_filter),
        cmocka_unit_test(test_random_float64),
        cmocka_unit_test(test_nan_grow_iterator),
        cmocka_unit_test(test_split_and_doubling),
        cmocka_unit_test(test_tombstone_churn),
        cmocka_unit_test(test_prune_tombstones),
        cmocka_unit_test(test_put_delete_tombstone),
        cmocka_unit_test(test_clear_reuses_and_ends_iteration),
        cmocka_unit_test(test_clear_visits_dirty_tables),
        cmocka_unit_test(test_presized_slab),
        cmocka_unit_test(test_iterate_sparse_tables),
        cmocka_unit_test(test_one_hash_value_fails_clearly),
        cmocka_unit_test(test_clone_deep_copies_indirect),
        cmocka_unit_test(test_retired_storage),
        cmocka_unit_test(test_iteration_order_varies),
        cmocka_unit_test(test_iterate_indirect_while_growing),
        cmocka_unit_test(test_iter_delete_replace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
