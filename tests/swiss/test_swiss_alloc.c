/* Allocation failure at every allocation of scripted workloads that cover small ->
 * table promotion, growth, split, directory doubling, retiring storage under a
 * live iterator, clone and clear: after each failure the map holds exactly its
 * previous entries, the invariants hold, the writing flag is clear, and the same
 * operation then succeeds. Nothing leaks and every free has the right size. */
#include "swiss_test.h"
#include "types.h"

#include <stdlib.h>

#define KEYS 5000

typedef struct model {
    bool     present[KEYS];
    uint64_t value[KEYS];
    size_t   count;
} model;

static model md;
static int failures_seen;

/* The key and elem bytes of key i for either map type. */
typedef struct workload {
    const rtmap_maptype *t;
    bool big;              /* [200]byte keys and elems (indirect) */
} workload;

static void make_key(const workload *w, uint64_t i, uint8_t *buf)
{
    memset(buf, 0, w->big ? 200 : 8);
    memcpy(buf, &i, sizeof i);
}

static void check_same(const workload *w, rtmap_hmap *m)
{
    RT_VERIFY(w->t, m);
    assert_false(rtmap_impl_writing(m));
    assert_int_equal(rtmap_maplen(m), md.count);
    uint8_t key[200];
    for (uint64_t i = 0; i < KEYS; i++) {
        make_key(w, i, key);
        bool ok;
        uint8_t *e = rtmap_mapaccess2(w->t, m, key, &ok);
        assert_int_equal(ok, md.present[i]);
        if (ok) {
            uint64_t v;
            memcpy(&v, e, sizeof v);
            assert_int_equal(v, md.value[i]);
        }
    }
}

/* Runs op until it succeeds; a failed attempt must leave m as the model says. */
#define ATTEMPT(w, m, op)                                                    \
    do {                                                                     \
        for (;;) {                                                           \
            volatile int kind_;                                              \
            RT_TRY(kind_) { op; }                                            \
            if (kind_ == -1)                                                 \
                break;                                                       \
            assert_int_equal(kind_, RTMAP_PANIC_OUT_OF_MEMORY);              \
            failures_seen++;                                                 \
            if (m)                                                           \
                check_same(w, m);                                            \
        }                                                                    \
    } while (0)

static void put(const workload *w, rtmap_hmap *m, uint64_t i, uint64_t v)
{
    uint8_t key[200];
    make_key(w, i, key);
    ATTEMPT(w, m, {
        uint8_t *e = rtmap_mapassign(w->t, m, key);
        memcpy(e, &v, sizeof v);
    });
    if (!md.present[i])
        md.count++;
    md.present[i] = true;
    md.value[i] = v;
}

static void del(const workload *w, rtmap_hmap *m, uint64_t i)
{
    uint8_t key[200];
    make_key(w, i, key);
    ATTEMPT(w, m, rtmap_mapdelete(w->t, m, key));
    if (md.present[i])
        md.count--;
    md.present[i] = false;
}

static void run(const workload *w, uint64_t n)
{
    memset(&md, 0, sizeof md);
    rtmap_hmap *volatile mv = NULL;
    ATTEMPT(w, (rtmap_hmap *)NULL, mv = rtmap_makemap(w->t, 0));
    rtmap_hmap *m = mv;
    for (uint64_t i = 0; i < n; i++)
        put(w, m, i, i * 7);
    /* Writes under a live iterator retire storage: reserving room may fail too. */
    rtmap_hiter it;
    rtmap_mapiterinit(w->t, m, &it);
    for (uint64_t i = n; i < n + n / 2; i++)
        put(w, m, i, i);
    for (uint64_t i = 0; i < n; i += 3)
        del(w, m, i);
    rtmap_mapiternext(&it);
    /* Clone: a failure frees the partial copy and leaves the source alone. */
    rtmap_hmap *volatile cv = NULL;
    ATTEMPT(w, m, cv = rtmap_mapclone(w->t, m));
    rtmap_hmap *c = cv;
    check_same(w, c);
    rtmap_mapfree(w->t, c);
    /* Clear under the live iterator. */
    ATTEMPT(w, m, rtmap_mapclear(w->t, m));
    memset(&md, 0, sizeof md);
    check_same(w, m);
    rtmap_mapiternext(&it);
    assert_null(it.key);
    for (uint64_t i = 0; i < 20; i++)
        put(w, m, i, i + 1);
    check_same(w, m);
    rtmap_mapfree(w->t, m);
    /* A presized map: its tables are allocated up front. */
    ATTEMPT(w, (rtmap_hmap *)NULL, mv = rtmap_makemap(w->t, (intptr_t)n));
    rtmap_mapfree(w->t, mv);
}

static void fail_everywhere(const workload *w, uint64_t n, long min_points)
{
    rt_use_test_allocator();
    long k;
    for (k = 1;; k++) {
        failures_seen = 0;
        rt_fail_allocation_after(k);
        run(w, n);
        assert_int_equal(rt_alloc.live_blocks, 0);
        assert_false(rt_alloc.bad_free);
        if (failures_seen == 0)
            break;                      /* k is past the last allocation */
        assert_int_equal(failures_seen, 1);
    }
    if (k < min_points)
        fail_msg("only %ld allocation points", k);
    rt_fail_allocation_after(0);
    rt_use_heap_allocator();
}

static void test_fail_uint64(void **state)
{
    (void)state;
    workload w = { st_map_type(&rtmap_type_uint64, &rtmap_type_uint64), false };
    /* 3000 + 1500 keys: promotion, every growth to 1024, splits, doublings. */
    fail_everywhere(&w, 3000, 40);
}

static void test_fail_indirect(void **state)
{
    (void)state;
    const rtmap_type *big = st_bytes_type(200);
    workload w = { st_map_type(big, big), true };
    assert_true(w.t->flags & RTMAP_INDIRECT_KEY);
    fail_everywhere(&w, 40, 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_uint64),
        cmocka_unit_test(test_fail_indirect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
