/* SipHash as its reference defines it (Aumasson & Bernstein): SipHash-2-4 with
 * 64- and 128-bit output, SipHash-1-3, and HalfSipHash-2-4. Keys and outputs are
 * byte strings; words are read little-endian on every host. */
#include "internal.h"
#include "siphash.h"

static void sip_init_key(rtmap_sip_state *s, const uint8_t key[16])
{
    rtmap_sip_init(s, rtmap_load_le64(key), rtmap_load_le64(key + 8));
}

uint64_t rtmap_siphash24(const uint8_t key[16], const void *data, size_t len)
{
    rtmap_sip_state s;
    sip_init_key(&s, key);
    rtmap_sip_absorb(&s, data, len, 2);
    return rtmap_sip_finish64(&s, 4);
}

uint64_t rtmap_siphash13(const uint8_t key[16], const void *data, size_t len)
{
    rtmap_sip_state s;
    sip_init_key(&s, key);
    rtmap_sip_absorb(&s, data, len, 1);
    return rtmap_sip_finish64(&s, 3);
}

static void store_le64(uint8_t *out, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

/* The 128-bit variant marks the state at initialisation (v1 ^= 0xee) and in the
 * finalisation (0xee instead of 0xff, then 0xdd for the second word), so that its
 * first word differs from the 64-bit output. */
void rtmap_siphash24_128(const uint8_t key[16], const void *data, size_t len, uint8_t out[16])
{
    rtmap_sip_state s;
    sip_init_key(&s, key);
    s.v1 ^= 0xee;
    rtmap_sip_absorb(&s, data, len, 2);

    s.v2 ^= 0xee;
    for (int i = 0; i < 4; i++)
        rtmap_sip_round(&s);
    store_le64(out, s.v0 ^ s.v1 ^ s.v2 ^ s.v3);

    s.v1 ^= 0xdd;
    for (int i = 0; i < 4; i++)
        rtmap_sip_round(&s);
    store_le64(out + 8, s.v0 ^ s.v1 ^ s.v2 ^ s.v3);
}

/* ---- HalfSipHash: the same construction on 32-bit words ------------------------ */

typedef struct half_state {
    uint32_t v0, v1, v2, v3;
} half_state;

static inline uint32_t rotl32(uint32_t x, unsigned b)
{
    return (x << b) | (x >> (32 - b));
}

static inline void half_round(half_state *s)
{
    s->v0 += s->v1; s->v1 = rotl32(s->v1, 5); s->v1 ^= s->v0; s->v0 = rotl32(s->v0, 16);
    s->v2 += s->v3; s->v3 = rotl32(s->v3, 8); s->v3 ^= s->v2;
    s->v0 += s->v3; s->v3 = rotl32(s->v3, 7); s->v3 ^= s->v0;
    s->v2 += s->v1; s->v1 = rotl32(s->v1, 13); s->v1 ^= s->v2; s->v2 = rotl32(s->v2, 16);
}

static inline void half_compress(half_state *s, uint32_t m)
{
    s->v3 ^= m;
    half_round(s);
    half_round(s);
    s->v0 ^= m;
}

static void half_absorb(half_state *s, const uint8_t key[8], const void *data, size_t len,
                        bool wide)
{
    uint32_t k0 = rtmap_load_le32(key), k1 = rtmap_load_le32(key + 4);
    /* HalfSipHash starts from zero words (not SipHash's constants) for v0/v1. */
    s->v0 = k0;
    s->v1 = k1;
    s->v2 = UINT32_C(0x6c796765) ^ k0;
    s->v3 = UINT32_C(0x74656462) ^ k1;
    if (wide)
        s->v1 ^= 0xee;

    const uint8_t *p = data;
    size_t full = len & ~(size_t)3;
    for (size_t i = 0; i < full; i += 4)
        half_compress(s, rtmap_load_le32(p + i));
    uint32_t last = (uint32_t)len << 24;
    switch (len & 3) {
    case 3: last |= (uint32_t)p[full + 2] << 16; /* fall through */
    case 2: last |= (uint32_t)p[full + 1] << 8;  /* fall through */
    case 1: last |= (uint32_t)p[full];           /* fall through */
    default: break;
    }
    half_compress(s, last);
}

static uint32_t half_finish(half_state *s, uint32_t mark)
{
    s->v2 ^= mark;
    for (int i = 0; i < 4; i++)
        half_round(s);
    return s->v1 ^ s->v3;
}

uint32_t rtmap_halfsiphash24_32(const uint8_t key[8], const void *data, size_t len)
{
    half_state s;
    half_absorb(&s, key, data, len, false);
    return half_finish(&s, 0xff);
}

uint64_t rtmap_halfsiphash24_64(const uint8_t key[8], const void *data, size_t len)
{
    half_state s;
    half_absorb(&s, key, data, len, true);
    uint32_t lo = half_finish(&s, 0xee);
    s.v1 ^= 0xdd;
    for (int i = 0; i < 4; i++)
        half_round(&s);
    uint32_t hi = s.v1 ^ s.v3;
    return (uint64_t)hi << 32 | lo;
}
