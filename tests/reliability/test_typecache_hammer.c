/* rtmap_map_of / rtmap_array_of / rtmap_struct_of from two threads, 10^5 calls
 * each, the two asking for the same new types at the same moments so that cache
 * inserts race with lookups. Both threads must get the very same descriptors.
 * The CI runs this one under ThreadSanitizer (-Db_sanitize=thread). */
#include "support.h"

#include <pthread.h>
#include <stdatomic.h>

#define CALLS   100000
#define LENGTHS 512           /* distinct array types, made during the run */

typedef struct results {
    const rtmap_type    *arrays[LENGTHS];
    const rtmap_maptype *maps[LENGTHS];
    const rtmap_type    *structs[LENGTHS];
    long                 errors;
} results;

static atomic_int ready;

static void *hammer(void *arg)
{
    results *r = arg;
    atomic_fetch_add(&ready, 1);
    while (atomic_load(&ready) < 2)
        ;   /* start together */
    for (long i = 0; i < CALLS; i++) {
        size_t n = (size_t)(i / 3) % LENGTHS;
        switch (i % 3) {
        case 0: {
            const rtmap_type *t = NULL;
            if (rtmap_array_of(&rtmap_type_uint32, n + 7000, &t) != RTMAP_OK || t->len != n + 7000 ||
                (r->arrays[n] && r->arrays[n] != t))
                r->errors++;
            r->arrays[n] = t;
            break;
        }
        case 1: {
            const rtmap_maptype *mt = NULL;
            if (!r->arrays[n] || rtmap_map_of(r->arrays[n], &rtmap_type_uint64, &mt) != RTMAP_OK ||
                mt->key != r->arrays[n] || (r->maps[n] && r->maps[n] != mt))
                r->errors++;
            r->maps[n] = mt;
            break;
        }
        default: {
            rtmap_field f[2] = { { "len", r->arrays[n] }, { "tag", &rtmap_type_uint8 } };
            const rtmap_type *st = NULL;
            if (rtmap_struct_of(f, 2, &st) != RTMAP_OK || st->nfields != 2 ||
                (r->structs[n] && r->structs[n] != st))
                r->errors++;
            r->structs[n] = st;
            break;
        }
        }
    }
    return NULL;
}

static void test_two_threads_get_the_same_descriptors(void **state)
{
    (void)state;
    static results a, b;
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, hammer, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, hammer, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.errors, 0);
    assert_int_equal(b.errors, 0);
    for (int i = 0; i < LENGTHS; i++) {
        assert_ptr_equal(a.arrays[i], b.arrays[i]);
        assert_ptr_equal(a.maps[i], b.maps[i]);
        assert_ptr_equal(a.structs[i], b.structs[i]);
    }
    /* and a map made from a type both threads raced on works */
    const rtmap_maptype *mt = a.maps[LENGTHS - 1];
    rtmap_hmap *h = rtmap_makemap(mt, 0);
    static uint32_t key[LENGTHS - 1 + 7000];
    key[3] = 42;
    *(uint64_t *)rtmap_mapassign(mt, h, key) = 7;
    assert_int_equal(*(uint64_t *)rtmap_mapaccess1(mt, h, key), 7);
    RT_VERIFY(mt, h);
    rtmap_mapfree(mt, h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_threads_get_the_same_descriptors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
