/* The group matchers: the portable SWAR ones exhaustively against a byte-by-byte
 * reference (with the one documented imprecision of matchH2), and the SSE2 ones,
 * where compiled, exactly against the same reference. */
#include "support.h"
#include "group.h"

#include <stdlib.h>

/* Reference: bit i set when slot i matches. */
static unsigned ref_match_byte(uint64_t w, uint8_t b)
{
    unsigned r = 0;
    for (unsigned i = 0; i < 8; i++)
        if ((uint8_t)(w >> (8 * i)) == b)
            r |= 1u << i;
    return r;
}
static unsigned ref_match_full(uint64_t w)
{
    unsigned r = 0;
    for (unsigned i = 0; i < 8; i++)
        if (!((w >> (8 * i)) & 0x80))
            r |= 1u << i;
    return r;
}
static unsigned ref_match_empty_or_deleted(uint64_t w)
{
    return ref_match_byte(w, SWISS_CTRL_EMPTY) | ref_match_byte(w, SWISS_CTRL_DELETED);
}

/* A SWAR bitset must hold only 0x80 bits; converts it to one bit per slot. */
static unsigned swar_to_bits(uint64_t b)
{
    assert_int_equal(b & ~SWISS_MSB, 0);
    unsigned r = 0;
    for (unsigned i = 0; i < 8; i++)
        if (b & (UINT64_C(0x80) << (8 * i)))
            r |= 1u << i;
    return r;
}

static uint8_t byte_at(uint64_t w, unsigned i) { return (uint8_t)(w >> (8 * i)); }

/* matchH2 of SWAR: every true match reported; an extra slot only directly above a
   reported slot and only when its byte is h2 ^ 1; empty/deleted never reported. */
static void check_swar_h2(uint64_t w, uint8_t h2)
{
    unsigned got = swar_to_bits(swar_match_h2(w, h2));
    unsigned want = ref_match_byte(w, h2);
    if ((got & want) != want)
        fail_msg("w=%016llx h2=%02x: missed true matches (got %02x want %02x)",
                 (unsigned long long)w, h2, got, want);
    unsigned extra = got & ~want;
    for (unsigned i = 0; i < 8; i++) {
        if (!(extra & (1u << i)))
            continue;
        uint8_t c = byte_at(w, i);
        if (i == 0 || !(got & (1u << (i - 1))) || c != (uint8_t)(h2 ^ 1) ||
            c == SWISS_CTRL_EMPTY || c == SWISS_CTRL_DELETED)
            fail_msg("w=%016llx h2=%02x: bad false positive at slot %u", (unsigned long long)w, h2, i);
    }
}

static bool valid_ctrl_word(uint64_t w)
{
    for (unsigned i = 0; i < 8; i++) {
        uint8_t c = byte_at(w, i);
        if ((c & 0x80) && c != SWISS_CTRL_EMPTY && c != SWISS_CTRL_DELETED)
            return false;
    }
    return true;
}

static void check_word(uint64_t w, uint8_t h2)
{
    check_swar_h2(w, h2);
    if (valid_ctrl_word(w)) {
        assert_int_equal(swar_to_bits(swar_match_empty(w)), ref_match_byte(w, SWISS_CTRL_EMPTY));
        assert_int_equal(swar_to_bits(swar_match_empty_or_deleted(w)), ref_match_empty_or_deleted(w));
        assert_int_equal(swar_to_bits(swar_match_full(w)), ref_match_full(w));
    }
#if SWISS_HAVE_SSE2
    assert_int_equal(sse2_match_h2(w, h2), ref_match_byte(w, h2));
    if (valid_ctrl_word(w)) {
        assert_int_equal(sse2_match_empty(w), ref_match_byte(w, SWISS_CTRL_EMPTY));
        assert_int_equal(sse2_match_empty_or_deleted(w), ref_match_empty_or_deleted(w));
        assert_int_equal(sse2_match_full(w), ref_match_full(w));
    }
#endif
}

static uint8_t random_ctrl(uint64_t *s)
{
    uint64_t r = rt_splitmix64(s);
    switch (r % 4) {
    case 0: return SWISS_CTRL_EMPTY;
    case 1: return SWISS_CTRL_DELETED;
    default: return (uint8_t)((r >> 8) & 0x7F);
    }
}

static uint64_t random_word(uint64_t *s)
{
    uint64_t w = 0;
    for (unsigned i = 0; i < 8; i++)
        w |= (uint64_t)random_ctrl(s) << (8 * i);
    return w;
}

/* Every value of every byte position, for every h2, over several backgrounds:
   all empty, all deleted, all h2, all h2^1 (the borrow chain), and random mixes. */
static void test_every_byte_value(void **state)
{
    (void)state;
    uint64_t s = 42;
    for (unsigned h2 = 0; h2 < 128; h2++) {
        uint64_t backgrounds[6] = {
            SWISS_CTRL_ALL_EMPTY, SWISS_LSB * SWISS_CTRL_DELETED, SWISS_LSB * h2,
            SWISS_LSB * (h2 ^ 1), random_word(&s), random_word(&s),
        };
        for (unsigned b = 0; b < 6; b++)
            for (unsigned pos = 0; pos < 8; pos++)
                for (unsigned v = 0; v < 256; v++) {
                    uint64_t w = (backgrounds[b] & ~(UINT64_C(0xFF) << (8 * pos))) | ((uint64_t)v << (8 * pos));
                    check_word(w, (uint8_t)h2);
                }
    }
}

static void test_random_mixes(void **state)
{
    (void)state;
    uint64_t s = 7;
    for (int n = 0; n < 1000000; n++) {
        uint64_t w = random_word(&s);
        check_word(w, (uint8_t)(rt_splitmix64(&s) & 0x7F));
        /* h2 taken from a full slot of the word itself: guaranteed true matches */
        check_word(w, byte_at(w, (unsigned)(n & 7)) & 0x7F);
    }
}

/* The documented imprecision really happens: ctrl bytes ..03 02 with h2 = 2. */
static void test_swar_false_positive_case(void **state)
{
    (void)state;
    uint64_t w = SWISS_CTRL_ALL_EMPTY;
    w = (w & ~UINT64_C(0xFFFF)) | 0x0302;
    assert_int_equal(ref_match_byte(w, 2), 0x1);
    assert_int_equal(swar_to_bits(swar_match_h2(w, 2)), 0x3);
    /* The chain continues through more h2^1 bytes, and stops at anything else. */
    w = (SWISS_CTRL_ALL_EMPTY & ~UINT64_C(0xFFFFFFFF)) | 0x05030302;
    assert_int_equal(swar_to_bits(swar_match_h2(w, 2)), 0x7);
    /* No true match, no false positive. */
    w = SWISS_LSB * 3;
    assert_int_equal(swar_match_h2(w, 2), 0);
    /* Empty and deleted bytes are never reported, whatever lies below them. */
    for (unsigned h2 = 0; h2 < 128; h2++) {
        assert_int_equal(swar_to_bits(swar_match_h2((SWISS_CTRL_ALL_EMPTY << 8) | h2, (uint8_t)h2)), 1);
        assert_int_equal(swar_to_bits(swar_match_h2(((SWISS_LSB * SWISS_CTRL_DELETED) << 8) | h2, (uint8_t)h2)), 1);
    }
#if SWISS_HAVE_SSE2
    assert_int_equal(sse2_match_h2((SWISS_CTRL_ALL_EMPTY & ~UINT64_C(0xFFFF)) | 0x0302, 2), 0x1);
    /* Upper register bytes are zero: h2 = 0 must not report slots beyond 7. */
    assert_int_equal(sse2_match_h2(SWISS_CTRL_ALL_EMPTY, 0), 0);
#endif
}

static void test_bitset_helpers(void **state)
{
    (void)state;
    for (unsigned bits = 0; bits < 256; bits++) {
        uint64_t swar = 0;
        for (unsigned i = 0; i < 8; i++)
            if (bits & (1u << i))
                swar |= UINT64_C(0x80) << (8 * i);
        if (bits) {
            assert_int_equal(swar_bitset_first(swar), (unsigned)__builtin_ctz(bits));
            assert_int_equal(swar_to_bits(bitset_remove_first(swar)), bits & (bits - 1));
        }
        assert_int_equal(bitset_count(swar), (unsigned)__builtin_popcount(bits));
        for (unsigned i = 0; i <= 8; i++) {
            unsigned want = i >= 8 ? 0 : bits & ~((1u << i) - 1);
            assert_int_equal(swar_to_bits(swar_bitset_remove_below(swar, i)), want);
#if SWISS_HAVE_SSE2
            assert_int_equal(sse2_bitset_remove_below(bits, i), want);
#endif
        }
#if SWISS_HAVE_SSE2
        if (bits)
            assert_int_equal(sse2_bitset_first(bits), (unsigned)__builtin_ctz(bits));
        assert_int_equal(bitset_count(bits), (unsigned)__builtin_popcount(bits));
#endif
    }
}

/* The matcher the build uses is the one the option asked for. */
static void test_selected_matcher(void **state)
{
    (void)state;
#ifdef RTMAP_SWISS_FORCE_SWAR
    assert_int_equal(SWISS_USE_SSE2, 0);
#else
    assert_int_equal(SWISS_USE_SSE2, SWISS_HAVE_SSE2);
#endif
    /* Control word: 8 bytes, one per slot. */
    assert_int_equal(SWISS_GROUP_SLOTS, 8);
    uint8_t g[8];
    ctrl_store(g, SWISS_CTRL_ALL_EMPTY);
    ctrl_set(g, 3, 0x15);
    assert_int_equal(byte_at(ctrl_load(g), 3), 0x15);
    assert_int_equal(ctrl_get(g, 3), 0x15);
    assert_int_equal(bitset_first(group_match_h2(ctrl_load(g), 0x15)), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_byte_value),
        cmocka_unit_test(test_random_mixes),
        cmocka_unit_test(test_swar_false_positive_case),
        cmocka_unit_test(test_bitset_helpers),
        cmocka_unit_test(test_selected_matcher),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
