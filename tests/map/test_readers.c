/* Concurrent readers without writers are safe (docs/api.md): several threads
 * look keys up and iterate one map at the same time, also a map whose storage
 * was retired under an earlier iterator. Each reader sees every entry once and
 * the right values; no fatal "concurrent map" error is raised; afterwards the map
 * is intact, takes writes, gives retired storage back, and frees every block. */
#include "map_test.h"

#include <pthread.h>

#define READERS 4
#define ENTRIES 4000

typedef struct reader {
    const rtmap_maptype *t;
    rtmap_hmap          *h;
    int                  rounds;
    long                 errors;
    uint8_t              seen[ENTRIES];
} reader;

static void *read_map(void *arg)
{
    reader *r = arg;
    for (int round = 0; round < r->rounds; round++) {
        memset(r->seen, 0, sizeof r->seen);
        size_t count = 0;
        rtmap_hiter it;
        for (rtmap_mapiterinit(r->t, r->h, &it); it.key; rtmap_mapiternext(&it)) {
            uint64_t k = *(uint64_t *)it.key;
            if (k >= ENTRIES || r->seen[k]++ || *(uint64_t *)it.elem != k * 3)
                r->errors++;
            count++;
            /* lookups while iterating, through both paths */
            uint64_t probe = (k * 7919) % (ENTRIES + 100);
            bool ok;
            uint64_t v = *(uint64_t *)rtmap_mapaccess2(r->t, r->h, &probe, &ok);
            if (ok != (probe < ENTRIES) || v != (ok ? probe * 3 : 0))
                r->errors++;
            if (*(uint64_t *)rtmap_mapaccess1_fast64(r->t, r->h, probe) != v)
                r->errors++;
            /* some readers leave their loop early */
            if (round % 3 == 2 && count == (size_t)(round * 37 % ENTRIES)) {
                rtmap_mapiterstop(&it);
                count = ENTRIES;
                break;
            }
        }
        if (count != ENTRIES)
            r->errors++;
    }
    return NULL;
}

static void run_readers(const rtmap_maptype *t, rtmap_hmap *h, int rounds)
{
    static reader readers[READERS];
    pthread_t threads[READERS];
    for (int i = 0; i < READERS; i++) {
        readers[i] = (reader){ .t = t, .h = h, .rounds = rounds };
        assert_int_equal(pthread_create(&threads[i], NULL, read_map, &readers[i]), 0);
    }
    for (int i = 0; i < READERS; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(readers[i].errors, 0);
    }
}

static void test_concurrent_readers(void **state)
{
    (void)state;
    const rtmap_maptype *t = rt_map_of(&rtmap_type_uint64, &rtmap_type_uint64);
    rt_use_test_allocator();
    rtmap_hmap *h = rtmap_makemap(t, 0);
    for (uint64_t i = 0; i < 50; i++)
        *(uint64_t *)rtmap_mapassign(t, h, &i) = i * 3;
    /* grow under an iterator that is then abandoned: retired storage exists */
    rtmap_hiter old;
    rtmap_mapiterinit(t, h, &old);
    for (uint64_t i = 50; i < ENTRIES; i++)
        *(uint64_t *)rtmap_mapassign(t, h, &i) = i * 3;
    RT_VERIFY(t, h);
    run_readers(t, h, 12);
    RT_VERIFY(t, h);

    /* the map goes on: writes, then readers again once the old iterator is stopped */
    rtmap_mapiterstop(&old);
    size_t before = rt_alloc.live_bytes;
    uint64_t k = 7;
    *(uint64_t *)rtmap_mapassign(t, h, &k) = 21;         /* same value: a write */
    assert_true(rt_alloc.live_bytes < before);          /* retired storage given back */
    run_readers(t, h, 6);
    RT_VERIFY(t, h);
    rtmap_mapfree(t, h);
    assert_int_equal(rt_alloc.live_blocks, 0);
    assert_false(rt_alloc.bad_free);
    rt_use_heap_allocator();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_readers),
    };
    return cmocka_run_group_tests(tests, mt_setup_catcher, NULL);
}
