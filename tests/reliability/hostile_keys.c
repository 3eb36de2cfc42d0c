/* See hostile_keys.h. */
#include "hostile_keys.h"

#include <stdlib.h>

uint64_t hostile_last_seed;

static uint64_t recorded_u64_hash(const rtmap_type *t, const void *key, uint64_t seed)
{
    (void)t;
    hostile_last_seed = seed;
    return rtmap_type_uint64.hasher(&rtmap_type_uint64, key, seed);
}

static uint64_t recorded_string_hash(const rtmap_type *t, const void *key, uint64_t seed)
{
    (void)t;
    hostile_last_seed = seed;
    return rtmap_type_string.hasher(&rtmap_type_string, key, seed);
}

static bool u64_equal(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    return *(const uint64_t *)a == *(const uint64_t *)b;
}

static bool string_equal(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    return rtmap_type_string.equal(&rtmap_type_string, a, b);
}

static const uint8_t string_gcdata = 1;   /* the data pointer */

const rtmap_type hostile_recorded_u64 = {
    .size = 8, .align = 8, .kind = RTMAP_KIND_UINT64, .hash = 0x40571101u,
    .equal = u64_equal, .hasher = recorded_u64_hash, .str = "hostile.u64",
};

const rtmap_type hostile_recorded_string = {
    .size = sizeof(rtmap_string), .ptrbytes = sizeof(void *), .align = _Alignof(rtmap_string),
    .kind = RTMAP_KIND_STRING, .hash = 0x40571102u, .equal = string_equal,
    .hasher = recorded_string_hash, .gcdata = &string_gcdata, .str = "hostile.string",
};

static uint64_t constant_rand(void *ctx)
{
    return *(const uint64_t *)ctx;
}

uint64_t hostile_seed_for_rand(uint64_t value)
{
    const rtmap_maptype *mt;
    if (rtmap_map_of(&hostile_recorded_u64, &rtmap_type_uint64, &mt) != RTMAP_OK)
        abort();
    rtmap_set_rand(constant_rand, &value);
    rtmap_hmap *h = rtmap_makemap(mt, 0);
    rtmap_set_rand(NULL, NULL);
    uint64_t k = 1;
    *(uint64_t *)rtmap_mapassign(mt, h, &k) = 1;
    uint64_t seed = hostile_last_seed;
    rtmap_mapfree(mt, h);
    return seed;
}

uint64_t hostile_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t hostile_craft(uint64_t seed, uint64_t mask, uint64_t target, uint64_t *out,
                       size_t n, uint64_t *state)
{
    uint64_t tried = 0;
    /* splitmix64 is a bijection of its counter: candidates never repeat */
    for (size_t got = 0; got < n;) {
        uint64_t k = hostile_splitmix64(state);
        tried++;
        if ((rtmap_type_uint64.hasher(&rtmap_type_uint64, &k, seed) & mask) == (target & mask))
            out[got++] = k;
    }
    return tried;
}
