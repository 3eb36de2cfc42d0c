/* rtmap_memhash*, rtmap_strhash and rtmap_hash_name, and the two `fast` hashes
 * directly (so that both are exercised whatever the CPU and the build option). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rtmap.h"
#include "internal.h"
#include "hash_fast.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/* These tests need only the hashing code: they do not link tests/support, so
 * they build and run whatever state the map implementations are in. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---- the configured hash ------------------------------------------------------ */

typedef struct hash_impl {
    const char *name;
    uint64_t (*mem)(const void *p, uint64_t seed, size_t len);
    uint64_t (*mem32)(const void *p, uint64_t seed);
    uint64_t (*mem64)(const void *p, uint64_t seed);
} hash_impl;

static const hash_impl configured = { "memhash", rtmap_memhash, rtmap_memhash32, rtmap_memhash64 };

/* The fast hashes with a fixed key, reached through the same shape. */
static rtmap_fast_key test_fast_key;

static uint64_t mix_mem(const void *p, uint64_t seed, size_t len) { return rtmap_fast_mix(&test_fast_key, p, seed, len); }
static uint64_t mix_32(const void *p, uint64_t seed) { return rtmap_fast_mix32(&test_fast_key, p, seed); }
static uint64_t mix_64(const void *p, uint64_t seed) { return rtmap_fast_mix64(&test_fast_key, p, seed); }
static const hash_impl fast_mix = { "fast-mix", mix_mem, mix_32, mix_64 };

#if RTMAP_HAVE_AES_HASH
static uint64_t aes_mem(const void *p, uint64_t seed, size_t len) { return rtmap_fast_aes(&test_fast_key, p, seed, len); }
static uint64_t aes_32(const void *p, uint64_t seed) { return rtmap_fast_aes32(&test_fast_key, p, seed); }
static uint64_t aes_64(const void *p, uint64_t seed) { return rtmap_fast_aes64(&test_fast_key, p, seed); }
static const hash_impl fast_aes = { "fast-aes", aes_mem, aes_32, aes_64 };
#endif

static bool cpu_has_aes_independent(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    return (c >> 25 & 1) && (c >> 19 & 1);   /* AES, SSE4.1 */
#else
    return false;
#endif
}

/* ---- the lazily drawn process key: concurrent first use gives one key ---------- */

#define RACE_THREADS 4
static uint64_t race_results[RACE_THREADS];

static void *race_hash(void *arg)
{
    size_t i = (size_t)(uintptr_t)arg;
    static const char text[] = "first use from many threads";
    race_results[i] = rtmap_memhash(text, 42, sizeof text - 1);
    return NULL;
}

/* Must run first in the process: the key is drawn on first use. */
static void test_first_use_is_thread_safe(void **state)
{
    (void)state;
    pthread_t th[RACE_THREADS];
    for (size_t i = 0; i < RACE_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_hash, (void *)(uintptr_t)i), 0);
    for (size_t i = 0; i < RACE_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (size_t i = 1; i < RACE_THREADS; i++)
        assert_int_equal(race_results[i], race_results[0]);
    static const char text[] = "first use from many threads";
    assert_int_equal(rtmap_memhash(text, 42, sizeof text - 1), race_results[0]);
}

static void test_hash_name_matches_option(void **state)
{
    (void)state;
    const char *expect = getenv("RTMAP_EXPECT_HASH");
    assert_non_null(expect);
    const char *name = rtmap_hash_name();
    assert_non_null(name);
    if (strcmp(expect, "fast") == 0)
        assert_string_equal(name, cpu_has_aes_independent() ? "fast-aes" : "fast-mix");
    else
        assert_string_equal(name, expect);
}

/* ---- properties every implementation must have --------------------------------- */

#define MAXLEN 200

static void fill(uint8_t *buf, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)splitmix64(&seed);
}

static void check_deterministic(const hash_impl *h)
{
    uint8_t a[MAXLEN], b[MAXLEN + 8];
    fill(a, MAXLEN, 1);
    for (size_t off = 0; off < 8; off++) {
        memcpy(b + off, a, MAXLEN);
        for (size_t len = 0; len <= MAXLEN; len++) {
            uint64_t x = h->mem(a, 77, len);
            assert_int_equal(x, h->mem(a, 77, len));
            /* the same bytes elsewhere, at any alignment */
            assert_int_equal(x, h->mem(b + off, 77, len));
        }
    }
    assert_int_equal(h->mem(NULL, 5, 0), h->mem(a, 5, 0));
}

static void check_seed_dependence(const hash_impl *h)
{
    uint8_t a[MAXLEN];
    fill(a, MAXLEN, 2);
    uint64_t seeds[] = { 0, 1, 2, 0x8000000000000000ULL, 0xffffffffffffffffULL, 0x123456789abcdefULL };
    size_t ns = sizeof seeds / sizeof seeds[0];
    for (size_t len = 0; len <= MAXLEN; len++) {
        for (size_t i = 0; i < ns; i++)
            for (size_t j = i + 1; j < ns; j++)
                if (h->mem(a, seeds[i], len) == h->mem(a, seeds[j], len))
                    fail_msg("%s: len %zu: seeds %zu and %zu collide", h->name, len, i, j);
    }
    /* the one-word paths too */
    for (size_t i = 0; i < ns; i++)
        for (size_t j = i + 1; j < ns; j++) {
            assert_int_not_equal(h->mem32(a, seeds[i]), h->mem32(a, seeds[j]));
            assert_int_not_equal(h->mem64(a, seeds[i]), h->mem64(a, seeds[j]));
        }
}

/* Prefixes of one buffer, of all zero bytes and of mixed bytes: every length is
 * its own input, so no two lengths may collide. */
static void check_lengths_distinct(const hash_impl *h)
{
    static uint8_t zeros[MAXLEN];
    uint8_t mixed[MAXLEN];
    fill(mixed, MAXLEN, 3);
    const uint8_t *bufs[2] = { zeros, mixed };
    for (int b = 0; b < 2; b++) {
        uint64_t seen[MAXLEN + 1];
        for (size_t len = 0; len <= MAXLEN; len++) {
            seen[len] = h->mem(bufs[b], 9, len);
            for (size_t k = 0; k < len; k++)
                if (seen[k] == seen[len])
                    fail_msg("%s: lengths %zu and %zu collide", h->name, k, len);
        }
    }
}

static void check_every_byte_matters(const hash_impl *h)
{
    uint8_t a[MAXLEN];
    fill(a, MAXLEN, 4);
    for (size_t len = 1; len <= MAXLEN; len++) {
        uint64_t x = h->mem(a, 11, len);
        for (size_t i = 0; i < len; i++) {
            for (int bit = 0; bit < 8; bit += 7) {
                a[i] ^= (uint8_t)(1u << bit);
                if (h->mem(a, 11, len) == x)
                    fail_msg("%s: len %zu: flipping bit %d of byte %zu keeps the hash", h->name, len, bit, i);
                a[i] ^= (uint8_t)(1u << bit);
            }
        }
    }
}

/* The one-word entry points are the general hash of 4 and 8 bytes, so a type may
 * use either. */
static void check_word_paths_agree(const hash_impl *h)
{
    uint64_t rng = 5;
    for (int i = 0; i < 1000; i++) {
        uint64_t v = splitmix64(&rng), seed = splitmix64(&rng);
        uint32_t w = (uint32_t)v;
        assert_int_equal(h->mem64(&v, seed), h->mem(&v, seed, 8));
        assert_int_equal(h->mem32(&w, seed), h->mem(&w, seed, 4));
    }
}

/* Flipping one input bit of a one-word key flips about half of the output bits,
 * in the low bits (bucket index) and the top bits (tophash / H2) alike. */
static void check_avalanche(const hash_impl *h)
{
    uint64_t rng = 6;
    long flips = 0, samples = 0;
    long low_byte_changed = 0, top_byte_changed = 0;
    for (int i = 0; i < 200; i++) {
        uint64_t v = splitmix64(&rng), seed = splitmix64(&rng);
        uint64_t x = h->mem64(&v, seed);
        for (int bit = 0; bit < 64; bit++) {
            uint64_t w = v ^ (1ULL << bit);
            uint64_t y = h->mem64(&w, seed);
            flips += __builtin_popcountll(x ^ y);
            low_byte_changed += (x ^ y) & 0xff ? 1 : 0;
            top_byte_changed += (x ^ y) >> 56 ? 1 : 0;
            samples++;
        }
    }
    double mean = (double)flips / (double)samples;
    if (mean < 30.0 || mean > 34.0)
        fail_msg("%s: mean output bits flipped per input bit %.2f, expected about 32", h->name, mean);
    /* a byte stays the same by chance with probability 1/256 */
    assert_true(low_byte_changed > samples * 98 / 100);
    assert_true(top_byte_changed > samples * 98 / 100);
}

/* Sequential integers, the classic worst case for weak hashes, spread evenly
 * over 1024 buckets chosen by the low bits, and over the 128 H2 values of the
 * top 7 bits. */
static void check_sequential_keys_spread(const hash_impl *h)
{
    enum { N = 1 << 16, BUCKETS = 1024 };
    static unsigned low[BUCKETS], top[128];
    memset(low, 0, sizeof low);
    memset(top, 0, sizeof top);
    for (uint64_t k = 0; k < N; k++) {
        uint64_t x = h->mem64(&k, 0x9e3779b9);
        low[x % BUCKETS]++;
        top[x >> 57]++;
    }
    /* mean 64 per bucket, sd 8: 64 +- 48 is six standard deviations */
    for (int b = 0; b < BUCKETS; b++)
        if (low[b] < 16 || low[b] > 112)
            fail_msg("%s: bucket %d holds %u of %d sequential keys", h->name, b, low[b], N);
    /* mean 512, sd about 22.6 */
    for (int b = 0; b < 128; b++)
        if (top[b] < 380 || top[b] > 650)
            fail_msg("%s: H2 value %d taken by %u of %d sequential keys", h->name, b, top[b], N);
}

/* Inputs that end exactly where their heap block ends: under AddressSanitizer
 * any read past the last byte is reported. Also the one-word paths. */
static void check_reads_stay_inside(const hash_impl *h)
{
    for (size_t len = 0; len <= MAXLEN; len++) {
        uint8_t *buf = malloc(len ? len : 1);
        assert_non_null(buf);
        fill(buf, len, len);
        uint8_t *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        if (len)
            memcpy(copy, buf, len);
        assert_int_equal(h->mem(buf, 1, len), h->mem(copy, 1, len));
        if (len == 4)
            assert_int_equal(h->mem32(buf, 1), h->mem(copy, 1, 4));
        if (len == 8)
            assert_int_equal(h->mem64(buf, 1), h->mem(copy, 1, 8));
        free(buf);
        free(copy);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Structured key sets that weak hashes collide on: sequential words, decimal
 * strings, strings differing in one position. With 2^18 keys, a collision of
 * 64-bit values happens by chance with probability about 2^-29. */
static void check_no_collisions(const hash_impl *h)
{
    enum { N = 1 << 16 };
    uint64_t *out = malloc(4 * N * sizeof *out);
    assert_non_null(out);
    size_t n = 0;
    for (uint64_t k = 0; k < N; k++)
        out[n++] = h->mem64(&k, 1);
    for (uint32_t k = 0; k < N; k++) {
        uint32_t w = k << 16 | k;   /* differs from the words above in its length */
        out[n++] = h->mem32(&w, 1);
    }
    for (unsigned k = 0; k < N; k++) {
        char buf[32];
        int len = snprintf(buf, sizeof buf, "key:%u", k);
        out[n++] = h->mem(buf, 1, (size_t)len);
    }
    for (unsigned k = 0; k < N; k++) {
        /* two nonzero bytes at position k % 39: distinct for distinct k */
        uint8_t buf[40] = { 0 };
        unsigned v = k / 39;
        buf[k % 39] = (uint8_t)(v % 255 + 1);
        buf[k % 39 + 1] = (uint8_t)(v / 255 + 1);
        out[n++] = h->mem(buf, 1, 40);
    }
    qsort(out, n, sizeof *out, cmp_u64);
    for (size_t i = 1; i < n; i++)
        if (out[i] == out[i - 1])
            fail_msg("%s: two of %zu structured keys hash to %016llx", h->name, n,
                     (unsigned long long)out[i]);
    free(out);
}

static void check_all(const hash_impl *h)
{
    check_no_collisions(h);
    check_reads_stay_inside(h);
    check_deterministic(h);
    check_seed_dependence(h);
    check_lengths_distinct(h);
    check_every_byte_matters(h);
    check_word_paths_agree(h);
    check_avalanche(h);
    check_sequential_keys_spread(h);
}

static void test_memhash_properties(void **state)
{
    (void)state;
    check_all(&configured);
}

static void test_fast_mix_properties(void **state)
{
    (void)state;
    check_all(&fast_mix);
}

static void test_fast_aes_properties(void **state)
{
    (void)state;
#if RTMAP_HAVE_AES_HASH
    if (!rtmap_cpu_has_aes())
        skip();
    check_all(&fast_aes);
#else
    skip();
#endif
}

/* Different derived keys give different fast hashes: the secrets take part. */
static void test_fast_hashes_depend_on_key(void **state)
{
    (void)state;
    rtmap_fast_key other;
    uint8_t key[16] = { 1 };
    rtmap_fast_key_derive(&other, key);
    uint8_t buf[100];
    fill(buf, sizeof buf, 7);
    for (size_t len = 0; len <= sizeof buf; len++) {
        assert_int_not_equal(rtmap_fast_mix(&test_fast_key, buf, 3, len), rtmap_fast_mix(&other, buf, 3, len));
#if RTMAP_HAVE_AES_HASH
        if (rtmap_cpu_has_aes())
            assert_int_not_equal(rtmap_fast_aes(&test_fast_key, buf, 3, len),
                                 rtmap_fast_aes(&other, buf, 3, len));
#endif
    }
}

static void test_strhash_is_memhash_of_bytes(void **state)
{
    (void)state;
    static const char text[] = "the quick brown fox jumps over the lazy dog";
    char copy[sizeof text];
    memcpy(copy, text, sizeof text);
    for (size_t len = 0; len < sizeof text; len++) {
        rtmap_string a = { text, len }, b = { copy, len };
        assert_int_equal(rtmap_strhash(&a, 99), rtmap_memhash(text, 99, len));
        assert_int_equal(rtmap_strhash(&a, 99), rtmap_strhash(&b, 99));
    }
    rtmap_string null_empty = { NULL, 0 }, empty = { text, 0 };
    assert_int_equal(rtmap_strhash(&null_empty, 1), rtmap_strhash(&empty, 1));
    assert_int_not_equal(rtmap_strhash(&null_empty, 1), rtmap_strhash(&null_empty, 2));
}

static int setup_fast_key(void **state)
{
    (void)state;
    uint8_t key[16];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)(0xA0 + i);
    rtmap_fast_key_derive(&test_fast_key, key);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_use_is_thread_safe),
        cmocka_unit_test(test_hash_name_matches_option),
        cmocka_unit_test(test_memhash_properties),
        cmocka_unit_test(test_strhash_is_memhash_of_bytes),
        cmocka_unit_test(test_fast_mix_properties),
        cmocka_unit_test(test_fast_aes_properties),
        cmocka_unit_test(test_fast_hashes_depend_on_key),
    };
    return cmocka_run_group_tests(tests, setup_fast_key, NULL);
}
