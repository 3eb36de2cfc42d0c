/* rtmap_memhash*, rtmap_strhash: the hash every builtin key type uses.
 *
 * Keyed by a per-process random key (drawn once from getrandom) combined with the
 * map's 64-bit seed, so that colliding keys cannot be computed offline. The
 * algorithm is fixed at build time (-Dhash=sip13|sip24|fast, passed in as
 * RTMAP_HASH_ALGORITHM = 1|2|3).
 *
 * The SipHash builds key the hash with (k0 ^ seed, k1): the SipHash state after keying
 * with (k0, k1) is computed once, and the seed is XORed into v0 and v2 per call,
 * which is exactly SipHash keyed with (k0 ^ seed, k1). */
#define _GNU_SOURCE
#include "internal.h"
#include "hash_fast.h"
#include "siphash.h"
#include "types.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#ifndef RTMAP_HASH_ALGORITHM
#define RTMAP_HASH_ALGORITHM 1
#endif

#if RTMAP_HASH_ALGORITHM == 1
#define SIP_C 1
#define SIP_D 3
#elif RTMAP_HASH_ALGORITHM == 2
#define SIP_C 2
#define SIP_D 4
#elif RTMAP_HASH_ALGORITHM == 3
#define FAST_HASH 1
#else
#error "RTMAP_HASH_ALGORITHM must be 1 (sip13), 2 (sip24) or 3 (fast)"
#endif

typedef struct process_key {
    rtmap_sip_state keyed;   /* SipHash state after keying, before any seed */
    rtmap_fast_key  fast;
    bool            aes;     /* fast build: the CPU has AES-NI */
} process_key;

static process_key pkey;
static atomic_bool pkey_ready;
static pthread_once_t pkey_once = PTHREAD_ONCE_INIT;

static void draw_key(uint8_t key[16])
{
    size_t got = 0;
    while (got < 16) {
        ssize_t n = getrandom(key + got, 16 - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got == 16)
        return;
    /* No entropy source (very old kernel, seccomp): the clock, the pid and
       addresses still differ from process to process; SipHash spreads them. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t material[4] = { (uint64_t)ts.tv_nsec, (uint64_t)ts.tv_sec, (uint64_t)getpid(),
                             (uint64_t)(uintptr_t)&ts ^ (uint64_t)(uintptr_t)&pkey };
    static const uint8_t zero_key[16];
    uint8_t out[16];
    rtmap_siphash24_128(zero_key, material, sizeof material, out);
    for (int i = 0; i < 16; i++)
        key[i] ^= out[i];
}

static void init_process_key(void)
{
    uint8_t key[16] = { 0 };
    draw_key(key);
    rtmap_sip_init(&pkey.keyed, rtmap_load_le64(key), rtmap_load_le64(key + 8));
    rtmap_fast_key_derive(&pkey.fast, key);
    pkey.aes = rtmap_cpu_has_aes();
    atomic_store_explicit(&pkey_ready, true, memory_order_release);
}

static bool process_key_ready(void)
{
    return atomic_load_explicit(&pkey_ready, memory_order_acquire);
}

#if defined(__GNUC__) || defined(__clang__)
#define COLD __attribute__((noinline, cold))
#else
#define COLD
#endif

/* Every entry point checks the key and, the first time only, jumps to one of
 * these, which initialise it and call the entry point again. Being tail calls,
 * they leave the hot path without a stack frame: this hash runs on every map
 * operation. */
typedef uint64_t (*mem_hash_fn)(const void *p, uint64_t seed, size_t len);
typedef uint64_t (*word_hash_fn)(const void *p, uint64_t seed);

COLD static uint64_t first_use_mem(mem_hash_fn f, const void *p, uint64_t seed, size_t len)
{
    pthread_once(&pkey_once, init_process_key);
    return f(p, seed, len);
}

COLD static uint64_t first_use_word(word_hash_fn f, const void *p, uint64_t seed)
{
    pthread_once(&pkey_once, init_process_key);
    return f(p, seed);
}

COLD static uint64_t first_use_typed(rtmap_hash_fn f, const rtmap_type *t, const void *p, uint64_t seed)
{
    pthread_once(&pkey_once, init_process_key);
    return f(t, p, seed);
}

#ifdef FAST_HASH
COLD static void first_use(void)
{
    pthread_once(&pkey_once, init_process_key);
}
#endif

/* The bodies, valid once the key is ready; each public function and each type
 * hasher (types.h) is a check of the key plus one of these, inlined, so that a
 * map's call through t->hasher reaches the hash without a second call. */
#ifdef FAST_HASH

RTMAP_INLINE uint64_t hash_mem(const void *p, uint64_t seed, size_t len)
{
#if RTMAP_HAVE_AES_HASH
    if (RTMAP_LIKELY(pkey.aes))
        return rtmap_fast_aes(&pkey.fast, p, seed, len);
#endif
    return rtmap_fast_mix(&pkey.fast, p, seed, len);
}

RTMAP_INLINE uint64_t hash_32(const void *p, uint64_t seed)
{
#if RTMAP_HAVE_AES_HASH
    if (RTMAP_LIKELY(pkey.aes))
        return rtmap_fast_aes32(&pkey.fast, p, seed);
#endif
    return rtmap_fast_mix32(&pkey.fast, p, seed);
}

RTMAP_INLINE uint64_t hash_64(const void *p, uint64_t seed)
{
#if RTMAP_HAVE_AES_HASH
    if (RTMAP_LIKELY(pkey.aes))
        return rtmap_fast_aes64(&pkey.fast, p, seed);
#endif
    return rtmap_fast_mix64(&pkey.fast, p, seed);
}

const char *rtmap_hash_name(void)
{
    if (RTMAP_UNLIKELY(!process_key_ready()))
        first_use();
    return pkey.aes ? "fast-aes" : "fast-mix";
}

#else /* SipHash-c-d */

RTMAP_INLINE rtmap_sip_state seeded_state(uint64_t seed)
{
    rtmap_sip_state s = pkey.keyed;
    s.v0 ^= seed;
    s.v2 ^= seed;
    return s;
}

RTMAP_INLINE uint64_t hash_mem(const void *p, uint64_t seed, size_t len)
{
    rtmap_sip_state s = seeded_state(seed);
    rtmap_sip_absorb(&s, p, len, SIP_C);
    return rtmap_sip_finish64(&s, SIP_D);
}

/* Four bytes fit in the length block itself. */
RTMAP_INLINE uint64_t hash_32(const void *p, uint64_t seed)
{
    rtmap_sip_state s = seeded_state(seed);
    rtmap_sip_compress(&s, (uint64_t)4 << 56 | rtmap_load_le32(p), SIP_C);
    return rtmap_sip_finish64(&s, SIP_D);
}

/* One word: the message block and the length block, without the general loop. */
RTMAP_INLINE uint64_t hash_64(const void *p, uint64_t seed)
{
    rtmap_sip_state s = seeded_state(seed);
    rtmap_sip_compress(&s, rtmap_load_le64(p), SIP_C);
    rtmap_sip_compress(&s, (uint64_t)8 << 56, SIP_C);
    return rtmap_sip_finish64(&s, SIP_D);
}

const char *rtmap_hash_name(void)
{
    return SIP_C == 1 ? "sip13" : "sip24";
}

#endif

uint64_t rtmap_memhash(const void *p, uint64_t seed, size_t len)
{
    if (RTMAP_UNLIKELY(!process_key_ready()))
        return first_use_mem(rtmap_memhash, p, seed, len);
    return hash_mem(p, seed, len);
}

uint64_t rtmap_memhash32(const void *p, uint64_t seed)
{
    if (RTMAP_UNLIKELY(!process_key_ready()))
        return first_use_word(rtmap_memhash32, p, seed);
    return hash_32(p, seed);
}

uint64_t rtmap_memhash64(const void *p, uint64_t seed)
{
    if (RTMAP_UNLIKELY(!process_key_ready()))
        return first_use_word(rtmap_memhash64, p, seed);
    return hash_64(p, seed);
}

uint64_t rtmap_strhash(const void *p, uint64_t seed)
{
    if (RTMAP_UNLIKELY(!process_key_ready()))
        return first_use_word(rtmap_strhash, p, seed);
    const rtmap_string *s = p;
    return hash_mem(s->ptr, seed, s->len);
}

/* ---- type hashers (types.h) --------------------------------------------------- */

/* The general body with a constant length folds to straight-line code. */
uint64_t rtmap_typehash_mem8(const rtmap_type *t, const void *p, uint64_t seed)
{
    (void)t;
    if (RTMAP_UNLIKELY(!process_key_ready()))
        return first_use_typed(rtmap_typehash_mem8, t, p, seed);
    return hash_mem(p, seed, 1);
}

uint64_t rtmap_typehash_mem16(const rtmap_type *t, const void *p, uint64_t seed)
{
    (void)t;
    if (RTMAP_UNLIKELY(!process_key_ready()))
        return first_use_typed(rtmap_typehash_mem16, t, p, seed);
    return hash_mem(p, seed, 2);
}

uint64_t rtmap_typehash_mem32(const rtmap_type *t, const void *p, uint64_t seed)
{
    (void)t;
    if (RTMAP_UNLIKELY(!process_key_ready()))
        return first_use_typed(rtmap_typehash_mem32, t, p, seed);
    return hash_32(p, seed);
}

uint64_t rtmap_typehash_mem64(const rtmap_type *t, const void *p, uint64_t seed)
{
    (void)t;
    if (RTMAP_UNLIKELY(!process_key_ready()))
        return first_use_typed(rtmap_typehash_mem64, t, p, seed);
    return hash_64(p, seed);
}

uint64_t rtmap_typehash_str(const rtmap_type *t, const void *p, uint64_t seed)
{
    (void)t;
    if (RTMAP_UNLIKELY(!process_key_ready()))
        return first_use_typed(rtmap_typehash_str, t, p, seed);
    const rtmap_string *s = p;
    return hash_mem(s->ptr, seed, s->len);
}

uint64_t rtmap_memhash_typed(const rtmap_type *t, const void *p, uint64_t seed)
{
    if (RTMAP_UNLIKELY(!process_key_ready()))
        return first_use_typed(rtmap_memhash_typed, t, p, seed);
    return hash_mem(p, seed, t->size);
}
