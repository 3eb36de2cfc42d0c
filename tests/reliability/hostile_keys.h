/* Keys crafted to collide in a map whose seed is known, and a way to learn the
 * seed a map uses: a key type that records the seed it is hashed with (an
 * embedder-made type, so this stays black-box). Shared by the hostile-key test
 * and benchmark. */
#ifndef RTMAP_HOSTILE_KEYS_H
#define RTMAP_HOSTILE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "rtmap.h"

/* uint64 and string keys hashed exactly as the builtin types, recording the seed
   of the last hash in hostile_last_seed. */
extern const rtmap_type hostile_recorded_u64, hostile_recorded_string;
extern uint64_t hostile_last_seed;

/* The seed a map of t gets when the rand hook returns `value` every time. */
uint64_t hostile_seed_for_rand(uint64_t value);

/* Fills out[0..n) with distinct uint64 keys whose builtin hash under `seed`
   satisfies (hash & mask) == (target & mask); returns the number of candidates
   hashed. Candidates are drawn from *state (splitmix64). */
uint64_t hostile_craft(uint64_t seed, uint64_t mask, uint64_t target, uint64_t *out,
                       size_t n, uint64_t *state);

/* Bits the attack aims at: the low 10 bits of the hash (swiss: H2 and the probe
   start within a group of groups; classic: the bucket while B <= 10) and its top
   byte (classic: tophash; swiss: the directory index). */
#define HOSTILE_LOW_BITS  0x3ffull
#define HOSTILE_TOP_BYTE  0xff00000000000000ull

uint64_t hostile_splitmix64(uint64_t *state);

#endif
