/* The `-Dhash=fast` hashes. Both are keyed by secrets derived from the
 * per-process key and by the map seed; they are built for speed, with the flood
 * resistance of Go's aeshash/memhash (the secrets must stay unknown), not that of
 * SipHash.
 *
 * Short inputs (0..16 bytes) are read as two 64-bit words `lo`, `hi` using loads
 * that stay inside the input (overlapping where the length is not a multiple of
 * the load size); the length is mixed separately, so overlap is unambiguous. The
 * 4- and 8-byte entry points read the same words as the general one would. */
#include "internal.h"
#include "hash_fast.h"
#include "siphash.h"

void rtmap_fast_key_derive(rtmap_fast_key *fk, const uint8_t key[16])
{
    /* Independent-looking secrets from one key: SipHash of distinct labels. */
    for (uint8_t i = 0; i < 4; i++) {
        uint8_t label[2] = { 'a', i };
        rtmap_siphash24_128(key, label, sizeof label, fk->aes[i]);
        uint8_t mlabel[2] = { 'm', i };
        /* Odd multipliers keep the products from losing low bits. */
        fk->mix[i] = rtmap_siphash24(key, mlabel, sizeof mlabel) | 1;
    }
}

static inline void short_words(const uint8_t *p, size_t len, uint64_t *lo, uint64_t *hi)
{
    if (len >= 8) {
        *lo = rtmap_load_le64(p);
        *hi = rtmap_load_le64(p + len - 8);
    } else if (len >= 4) {
        *lo = rtmap_load_le32(p) | (uint64_t)rtmap_load_le32(p + len - 4) << 32;
        *hi = 0;
    } else if (len > 0) {
        *lo = (uint64_t)p[0] | (uint64_t)p[len / 2] << 8 | (uint64_t)p[len - 1] << 16;
        *hi = 0;
    } else {
        *lo = 0;
        *hi = 0;
    }
}

/* ---- multiply-fold ---------------------------------------------------------------
 * The 64x64->128 product folded to 64 bits mixes every input bit into the
 * middle of the result; two of them in sequence give full avalanche. */

static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t mix_finish(const rtmap_fast_key *fk, uint64_t state, uint64_t lo,
                                  uint64_t hi, size_t len)
{
    uint64_t x = fold_mul(lo ^ fk->mix[1], hi ^ state);
    return fold_mul(x ^ fk->mix[2] ^ (uint64_t)len, state ^ fk->mix[3]);
}

uint64_t rtmap_fast_mix(const rtmap_fast_key *fk, const void *data, uint64_t seed, size_t len)
{
    const uint8_t *p = data;
    uint64_t state = seed ^ fk->mix[0];
    uint64_t lo, hi;
    if (RTMAP_LIKELY(len <= 16)) {
        short_words(p, len, &lo, &hi);
        return mix_finish(fk, state, lo, hi, len);
    }
    size_t i = 0;
    if (len > 48) {
        /* Three independent chains keep the multiplier busy. */
        uint64_t b = state ^ fk->mix[2], c = state ^ fk->mix[3];
        for (; len - i > 48; i += 48) {
            state = fold_mul(rtmap_load_le64(p + i) ^ fk->mix[1], rtmap_load_le64(p + i + 8) ^ state);
            b = fold_mul(rtmap_load_le64(p + i + 16) ^ fk->mix[2], rtmap_load_le64(p + i + 24) ^ b);
            c = fold_mul(rtmap_load_le64(p + i + 32) ^ fk->mix[3], rtmap_load_le64(p + i + 40) ^ c);
        }
        state ^= b ^ c;
    }
    for (; len - i > 16; i += 16)
        state = fold_mul(rtmap_load_le64(p + i) ^ fk->mix[1], rtmap_load_le64(p + i + 8) ^ state);
    lo = rtmap_load_le64(p + len - 16);
    hi = rtmap_load_le64(p + len - 8);
    return mix_finish(fk, state, lo, hi, len);
}

uint64_t rtmap_fast_mix32(const rtmap_fast_key *fk, const void *p, uint64_t seed)
{
    uint64_t v = rtmap_load_le32(p);
    return mix_finish(fk, seed ^ fk->mix[0], v | v << 32, 0, 4);
}

uint64_t rtmap_fast_mix64(const rtmap_fast_key *fk, const void *p, uint64_t seed)
{
    uint64_t v = rtmap_load_le64(p);
    return mix_finish(fk, seed ^ fk->mix[0], v, v, 8);
}

/* ---- AES rounds -------------------------------------------------------------------
 * One AES round spreads each byte over a column; after two rounds every input
 * byte affects every output byte. Compiled for AES-NI only inside these
 * functions, so the rest of the library runs on any x86. */

#if RTMAP_HAVE_AES_HASH
#include <cpuid.h>
#include <immintrin.h>

bool rtmap_cpu_has_aes(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    return (c & bit_AES) && (c & bit_SSE4_1);
}

#define AES_TARGET __attribute__((target("aes,sse4.1")))

AES_TARGET static inline __m128i round_key(const rtmap_fast_key *fk, int i)
{
    return _mm_load_si128((const __m128i *)fk->aes[i]);
}

/* The seed and the length, scrambled so that neither enters the data path linearly. */
AES_TARGET static inline __m128i aes_seed(const rtmap_fast_key *fk, uint64_t seed, size_t len)
{
    __m128i s = _mm_set_epi64x((long long)(uint64_t)len, (long long)seed);
    return _mm_aesenc_si128(_mm_xor_si128(s, round_key(fk, 0)), round_key(fk, 1));
}

AES_TARGET static inline uint64_t aes_fold(__m128i x)
{
    uint64_t w[2];
    _mm_storeu_si128((__m128i *)w, x);
    return w[0] ^ w[1];
}

AES_TARGET static inline uint64_t aes_short(const rtmap_fast_key *fk, uint64_t lo, uint64_t hi,
                                            uint64_t seed, size_t len)
{
    __m128i s = aes_seed(fk, seed, len);
    __m128i x = _mm_xor_si128(_mm_set_epi64x((long long)hi, (long long)lo), s);
    x = _mm_aesenc_si128(x, round_key(fk, 2));
    x = _mm_aesenc_si128(x, s);
    x = _mm_aesenc_si128(x, round_key(fk, 3));
    return aes_fold(x);
}

AES_TARGET static inline __m128i load16(const uint8_t *p)
{
    return _mm_loadu_si128((const __m128i *)p);
}

AES_TARGET static uint64_t aes_long(const rtmap_fast_key *fk, const uint8_t *p, uint64_t seed,
                                    size_t len)
{
    __m128i k2 = round_key(fk, 2), k3 = round_key(fk, 3);
    __m128i s = aes_seed(fk, seed, len);
    /* Distinct lane states, so that swapping blocks between lanes changes the hash. */
    __m128i l0 = s, l1 = _mm_aesenc_si128(s, k2);
    if (len <= 32) {
        l0 = _mm_aesenc_si128(_mm_aesenc_si128(_mm_xor_si128(l0, load16(p)), k3), k2);
        l1 = _mm_aesenc_si128(_mm_aesenc_si128(_mm_xor_si128(l1, load16(p + len - 16)), k3), k2);
        return aes_fold(_mm_aesenc_si128(_mm_aesenc_si128(_mm_xor_si128(l0, l1), s), k3));
    }
    __m128i l2 = _mm_aesenc_si128(s, k3), l3 = _mm_aesenc_si128(l1, k3);
    size_t i = 0;
    for (; len - i > 64; i += 64) {
        l0 = _mm_aesenc_si128(_mm_xor_si128(l0, load16(p + i)), k2);
        l1 = _mm_aesenc_si128(_mm_xor_si128(l1, load16(p + i + 16)), k2);
        l2 = _mm_aesenc_si128(_mm_xor_si128(l2, load16(p + i + 32)), k2);
        l3 = _mm_aesenc_si128(_mm_xor_si128(l3, load16(p + i + 48)), k2);
    }
    /* The last 64 bytes (or, for 33..64 bytes, the first 32 and the last 32),
       overlapping what the loop already took. */
    const uint8_t *tail = len > 64 ? p + len - 64 : p;
    l0 = _mm_aesenc_si128(_mm_aesenc_si128(_mm_xor_si128(l0, load16(tail)), k3), k2);
    l1 = _mm_aesenc_si128(_mm_aesenc_si128(_mm_xor_si128(l1, load16(tail + 16)), k3), k2);
    l2 = _mm_aesenc_si128(_mm_aesenc_si128(_mm_xor_si128(l2, load16(p + len - 32)), k3), k2);
    l3 = _mm_aesenc_si128(_mm_aesenc_si128(_mm_xor_si128(l3, load16(p + len - 16)), k3), k2);
    __m128i x = _mm_xor_si128(_mm_aesenc_si128(_mm_xor_si128(l0, l1), k3),
                              _mm_aesenc_si128(_mm_xor_si128(l2, l3), k2));
    return aes_fold(_mm_aesenc_si128(_mm_aesenc_si128(x, s), k3));
}

AES_TARGET uint64_t rtmap_fast_aes(const rtmap_fast_key *fk, const void *data, uint64_t seed,
                                   size_t len)
{
    const uint8_t *p = data;
    if (RTMAP_LIKELY(len <= 16)) {
        uint64_t lo, hi;
        short_words(p, len, &lo, &hi);
        return aes_short(fk, lo, hi, seed, len);
    }
    return aes_long(fk, p, seed, len);
}

AES_TARGET uint64_t rtmap_fast_aes32(const rtmap_fast_key *fk, const void *p, uint64_t seed)
{
    uint64_t v = rtmap_load_le32(p);
    return aes_short(fk, v | v << 32, 0, seed, 4);
}

AES_TARGET uint64_t rtmap_fast_aes64(const rtmap_fast_key *fk, const void *p, uint64_t seed)
{
    uint64_t v = rtmap_load_le64(p);
    return aes_short(fk, v, v, seed, 8);
}

#else

bool rtmap_cpu_has_aes(void)
{
    return false;
}

#endif
