/* A group's control word and the matchers that scan it.
 *
 * Byte i of the 64-bit control word describes slot i: 0x80 empty, 0xFE deleted,
 * 0x00..0x7F full (the low 7 hash bits, H2). The word is always handled as a
 * little-endian integer so that byte i is bits [8i, 8i+8) on every target.
 *
 * Two matcher families exist. The portable SWAR one (swar_*) works on the word
 * with integer arithmetic and returns a "byte" bitset: 0x80 in byte i when slot i
 * matches. The SSE2 one (sse2_*, x86-64 only) returns a "packed" bitset: bit i.
 * Both are always compiled where possible, so the white-box test can compare them;
 * the group_* names below pick one at compile time, and every caller goes through
 * the bitset_* helpers so it never depends on the representation. */
#ifndef RTMAP_SWISS_GROUP_H
#define RTMAP_SWISS_GROUP_H

#include <stdint.h>
#include <string.h>

#include "internal.h"

#define SWISS_GROUP_SLOTS 8u
#define SWISS_CTRL_EMPTY   ((uint8_t)0x80)
#define SWISS_CTRL_DELETED ((uint8_t)0xFE)
#define SWISS_CTRL_ALL_EMPTY UINT64_C(0x8080808080808080)
#define SWISS_LSB UINT64_C(0x0101010101010101)
#define SWISS_MSB UINT64_C(0x8080808080808080)

/* ---- control word access --------------------------------------------------- */

RTMAP_INLINE uint64_t ctrl_load(const uint8_t *group)
{
    uint64_t w;
    memcpy(&w, group, sizeof w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

RTMAP_INLINE void ctrl_store(uint8_t *group, uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    memcpy(group, &w, sizeof w);
}

/* Byte i of the little-endian word is memory byte i. */
RTMAP_INLINE uint8_t ctrl_get(const uint8_t *group, unsigned slot) { return group[slot]; }
RTMAP_INLINE void ctrl_set(uint8_t *group, unsigned slot, uint8_t c) { group[slot] = c; }

/* ---- portable SWAR matchers (byte bitsets) -----------------------------------
 * matchH2 may report a false positive in the byte just above a true match when that
 * byte equals h2 ^ 1 (the borrow of the subtraction runs into it). Callers confirm
 * every candidate with a key comparison, so that costs one compare, never a wrong
 * answer; empty and deleted bytes are never reported because bit 7 survives the XOR. */
RTMAP_INLINE uint64_t swar_match_h2(uint64_t w, uint8_t h2)
{
    uint64_t v = w ^ (SWISS_LSB * h2);
    return ((v - SWISS_LSB) & ~v) & SWISS_MSB;
}

/* Empty is the only state with bit 7 set and bit 1 clear; shifting by 6 brings
   bit 1 of each byte onto bit 7 of the same byte. */
RTMAP_INLINE uint64_t swar_match_empty(uint64_t w) { return (w & ~(w << 6)) & SWISS_MSB; }
RTMAP_INLINE uint64_t swar_match_empty_or_deleted(uint64_t w) { return w & SWISS_MSB; }
RTMAP_INLINE uint64_t swar_match_full(uint64_t w) { return ~w & SWISS_MSB; }

RTMAP_INLINE unsigned swar_bitset_first(uint64_t b) { return (unsigned)__builtin_ctzll(b) >> 3; }
RTMAP_INLINE uint64_t swar_bitset_remove_below(uint64_t b, unsigned i)
{
    /* i == 8 would shift by 64; nothing is left above slot 7 anyway. */
    return i >= 8 ? 0 : b & ~((UINT64_C(1) << (8 * i)) - 1);
}

/* ---- SSE2 matchers (packed bitsets), exact -------------------------------------- */
#if defined(__SSE2__) && (defined(__x86_64__) || defined(_M_X64))
#include <emmintrin.h>
#define SWISS_HAVE_SSE2 1

/* The byte is broadcast by a multiply (SWISS_LSB * b carries into no other byte),
   two instructions where _mm_set1_epi8 takes four for a byte known only at run
   time (H2). Both registers' upper 8 bytes are then zero and match each other:
   the mask keeps the word's 8. */
RTMAP_INLINE uint64_t sse2_match_byte(uint64_t w, uint8_t b)
{
    __m128i ctrl = _mm_cvtsi64_si128((long long)w);
    __m128i want = _mm_cvtsi64_si128((long long)(SWISS_LSB * b));
    return (uint64_t)(_mm_movemask_epi8(_mm_cmpeq_epi8(ctrl, want)) & 0xFF);
}
RTMAP_INLINE uint64_t sse2_match_h2(uint64_t w, uint8_t h2) { return sse2_match_byte(w, h2); }
RTMAP_INLINE uint64_t sse2_match_empty(uint64_t w) { return sse2_match_byte(w, SWISS_CTRL_EMPTY); }
RTMAP_INLINE uint64_t sse2_match_empty_or_deleted(uint64_t w)
{
    return (uint64_t)(_mm_movemask_epi8(_mm_cvtsi64_si128((long long)w)) & 0xFF);
}
RTMAP_INLINE uint64_t sse2_match_full(uint64_t w)
{
    return (uint64_t)(~_mm_movemask_epi8(_mm_cvtsi64_si128((long long)w)) & 0xFF);
}
RTMAP_INLINE unsigned sse2_bitset_first(uint64_t b) { return (unsigned)__builtin_ctzll(b); }
RTMAP_INLINE uint64_t sse2_bitset_remove_below(uint64_t b, unsigned i)
{
    return i >= 8 ? 0 : b & ~((UINT64_C(1) << i) - 1);
}
#else
#define SWISS_HAVE_SSE2 0
#endif

/* ---- the matchers this build uses ------------------------------------------------ */
#if SWISS_HAVE_SSE2 && !defined(RTMAP_SWISS_FORCE_SWAR)
#define SWISS_USE_SSE2 1
#define SWISS_MATCHER_NAME "sse2"
RTMAP_INLINE uint64_t group_match_h2(uint64_t w, uint8_t h2) { return sse2_match_h2(w, h2); }
RTMAP_INLINE uint64_t group_match_empty(uint64_t w) { return sse2_match_empty(w); }
RTMAP_INLINE uint64_t group_match_empty_or_deleted(uint64_t w) { return sse2_match_empty_or_deleted(w); }
RTMAP_INLINE uint64_t group_match_full(uint64_t w) { return sse2_match_full(w); }
RTMAP_INLINE unsigned bitset_first(uint64_t b) { return sse2_bitset_first(b); }
RTMAP_INLINE uint64_t bitset_remove_below(uint64_t b, unsigned i) { return sse2_bitset_remove_below(b, i); }
#else
#define SWISS_USE_SSE2 0
#define SWISS_MATCHER_NAME "swar"
RTMAP_INLINE uint64_t group_match_h2(uint64_t w, uint8_t h2) { return swar_match_h2(w, h2); }
RTMAP_INLINE uint64_t group_match_empty(uint64_t w) { return swar_match_empty(w); }
RTMAP_INLINE uint64_t group_match_empty_or_deleted(uint64_t w) { return swar_match_empty_or_deleted(w); }
RTMAP_INLINE uint64_t group_match_full(uint64_t w) { return swar_match_full(w); }
RTMAP_INLINE unsigned bitset_first(uint64_t b) { return swar_bitset_first(b); }
RTMAP_INLINE uint64_t bitset_remove_below(uint64_t b, unsigned i) { return swar_bitset_remove_below(b, i); }
#endif

/* Both representations: clearing the lowest set bit removes the lowest slot, and
   each slot contributes exactly one bit. */
RTMAP_INLINE uint64_t bitset_remove_first(uint64_t b) { return b & (b - 1); }
RTMAP_INLINE unsigned bitset_count(uint64_t b) { return (unsigned)__builtin_popcountll(b); }

#endif /* RTMAP_SWISS_GROUP_H */
