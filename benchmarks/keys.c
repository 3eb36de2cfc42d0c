/* The benchmark keys: a fixed function of the key number, the same in every run,
 * build and language (benchmarks/peers uses the same functions). */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>

#define SEED_INT64 UINT64_C(0x5eed0000000000a5)   /* int64 and string keys */
#define SEED_INT32 UINT32_C(0x5eed0a55)

/* splitmix64's output for step i + 1 from SEED_INT64: a bijection of i, so
   distinct key numbers give distinct keys. */
static uint64_t int64_key(uint64_t i)
{
    uint64_t z = SEED_INT64 + (i + 1) * UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* The 32-bit counterpart (murmur3's finalizer of an odd multiple): truncating
   64-bit keys would collide about once per 2^16 keys and turn misses into hits. */
static uint32_t int32_key(uint64_t i)
{
    uint32_t z = SEED_INT32 + (uint32_t)(i + 1) * UINT32_C(0x9e3779b1);
    z = (z ^ (z >> 16)) * UINT32_C(0x85ebca6b);
    z = (z ^ (z >> 13)) * UINT32_C(0xc2b2ae35);
    return z ^ (z >> 16);
}

static key_set cache[3];

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "rtmap_bench: out of memory for %zu keys\n", n);
        exit(2);
    }
    return p;
}

static void key_set_free(key_set *k)
{
    free(k->i32);
    free(k->i64);
    free(k->str);
    free(k->chars);
    *k = (key_set){ .kind = k->kind };
}

const key_set *keys_get(key_kind kind, size_t count)
{
    key_set *k = &cache[kind];
    if (k->count >= count && k->count > 0)
        return k;
    key_set_free(k);
    k->kind = kind;
    k->count = count;
    static const char hex[] = "0123456789abcdef";
    switch (kind) {
    case KEY_INT32:
        k->i32 = xcalloc(count, sizeof *k->i32);
        for (size_t i = 0; i < count; i++)
            k->i32[i] = int32_key(i);
        break;
    case KEY_INT64:
        k->i64 = xcalloc(count, sizeof *k->i64);
        for (size_t i = 0; i < count; i++)
            k->i64[i] = int64_key(i);
        break;
    case KEY_STRING:
        k->str = xcalloc(count, sizeof *k->str);
        k->chars = xcalloc(count, 16);
        for (size_t i = 0; i < count; i++) {
            uint64_t x = int64_key(i);
            char *p = k->chars + 16 * i;
            for (int d = 15; d >= 0; d--, x >>= 4)
                p[d] = hex[x & 15];
            k->str[i] = (rtmap_string){ p, 16 };
        }
        break;
    }
    return k;
}

void keys_release_all(void)
{
    for (int i = 0; i < 3; i++)
        key_set_free(&cache[i]);
}
