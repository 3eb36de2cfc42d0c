/* SipHash building blocks shared by siphash.c (the reference-conformant entry
 * points) and hash.c (the keyed hot paths of rtmap_memhash*), plus HalfSipHash,
 * which the library does not use for maps but implements so that every section of
 * the reference vectors is checked. Private. */
#ifndef RTMAP_SIPHASH_H
#define RTMAP_SIPHASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* "somepseudorandomlygeneratedbytes", the initialisation constants of SipHash. */
#define RTMAP_SIP_C0 UINT64_C(0x736f6d6570736575)
#define RTMAP_SIP_C1 UINT64_C(0x646f72616e646f6d)
#define RTMAP_SIP_C2 UINT64_C(0x6c7967656e657261)
#define RTMAP_SIP_C3 UINT64_C(0x7465646279746573)

typedef struct rtmap_sip_state {
    uint64_t v0, v1, v2, v3;
} rtmap_sip_state;

static inline uint64_t rtmap_rotl64(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

/* Little-endian loads without alignment requirements; compilers turn these into
 * a single mov on little-endian targets. */
static inline uint64_t rtmap_load_le64(const void *p)
{
    const uint8_t *b = p;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, b, 8);
    return v;
#else
    return (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24 |
           (uint64_t)b[4] << 32 | (uint64_t)b[5] << 40 | (uint64_t)b[6] << 48 | (uint64_t)b[7] << 56;
#endif
}

static inline uint32_t rtmap_load_le32(const void *p)
{
    const uint8_t *b = p;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t v;
    memcpy(&v, b, 4);
    return v;
#else
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
#endif
}

/* 1..7 bytes, little-endian, in the low bytes of a word. Overlapping loads
 * instead of a byte loop: for 4..7 bytes the two 4-byte loads agree on the bytes
 * they share, and for 1..3 bytes the three single-byte loads do. */
static inline uint64_t rtmap_load_short(const uint8_t *p, size_t n)
{
    if (n >= 4)
        return rtmap_load_le32(p) | (uint64_t)rtmap_load_le32(p + n - 4) << (8 * (n - 4));
    return (uint64_t)p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) | (uint64_t)p[n - 1] << (8 * (n - 1));
}

static inline void rtmap_sip_round(rtmap_sip_state *s)
{
    s->v0 += s->v1; s->v1 = rtmap_rotl64(s->v1, 13); s->v1 ^= s->v0; s->v0 = rtmap_rotl64(s->v0, 32);
    s->v2 += s->v3; s->v3 = rtmap_rotl64(s->v3, 16); s->v3 ^= s->v2;
    s->v0 += s->v3; s->v3 = rtmap_rotl64(s->v3, 21); s->v3 ^= s->v0;
    s->v2 += s->v1; s->v1 = rtmap_rotl64(s->v1, 17); s->v1 ^= s->v2; s->v2 = rtmap_rotl64(s->v2, 32);
}

static inline void rtmap_sip_init(rtmap_sip_state *s, uint64_t k0, uint64_t k1)
{
    s->v0 = RTMAP_SIP_C0 ^ k0;
    s->v1 = RTMAP_SIP_C1 ^ k1;
    s->v2 = RTMAP_SIP_C2 ^ k0;
    s->v3 = RTMAP_SIP_C3 ^ k1;
}

/* n rounds, n in 1..4 and a constant at every call site: written out rather
 * than looped, because compilers keep a small loop (and its counter) otherwise. */
static inline void rtmap_sip_rounds(rtmap_sip_state *s, int n)
{
    rtmap_sip_round(s);
    if (n > 1)
        rtmap_sip_round(s);
    if (n > 2)
        rtmap_sip_round(s);
    if (n > 3)
        rtmap_sip_round(s);
}

/* One message word through `c` compression rounds. */
static inline void rtmap_sip_compress(rtmap_sip_state *s, uint64_t m, int c)
{
    s->v3 ^= m;
    rtmap_sip_rounds(s, c);
    s->v0 ^= m;
}

static inline uint64_t rtmap_sip_finish64(rtmap_sip_state *s, int d)
{
    s->v2 ^= 0xff;
    rtmap_sip_rounds(s, d);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* The whole message: full words, then the last word holding the remaining bytes
 * and the length modulo 256 in its top byte. */
static inline void rtmap_sip_absorb(rtmap_sip_state *s, const void *data, size_t len, int c)
{
    /* Index rather than advance the pointer: `data` may be NULL when len is 0. */
    const uint8_t *p = data;
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8)
        rtmap_sip_compress(s, rtmap_load_le64(p + i), c);
    uint64_t last = (uint64_t)len << 56;
    size_t rest = len & 7;
    if (rest) {
        /* With a full word before it, the tail is the top of the last 8 bytes. */
        last |= len >= 8 ? rtmap_load_le64(p + len - 8) >> (64 - 8 * rest)
                         : rtmap_load_short(p, rest);
    }
    rtmap_sip_compress(s, last, c);
}

/* HalfSipHash-2-4 with an 8-byte key: 32- and 64-bit outputs (the latter is the
 * two 32-bit words, little-endian, as the reference writes it). */
uint32_t rtmap_halfsiphash24_32(const uint8_t key[8], const void *data, size_t len);
uint64_t rtmap_halfsiphash24_64(const uint8_t key[8], const void *data, size_t len);

#endif /* RTMAP_SIPHASH_H */
