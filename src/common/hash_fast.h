/* The `-Dhash=fast` hashes: an AES-round hash for CPUs with AES-NI and a
 * multiply-fold hash for the others. Both are compiled into every build so that
 * the tests can exercise both on any machine; only the fast build routes
 * rtmap_memhash* through them. Private. */
#ifndef RTMAP_HASH_FAST_H
#define RTMAP_HASH_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Secrets derived from the per-process key: four 128-bit round keys for the AES
 * hash and four 64-bit multipliers for the multiply-fold hash. */
typedef struct rtmap_fast_key {
    _Alignas(16) uint8_t aes[4][16];
    uint64_t mix[4];
} rtmap_fast_key;

void rtmap_fast_key_derive(rtmap_fast_key *fk, const uint8_t key[16]);

/* Multiply-fold hash: portable. The 4- and 8-byte entry points equal the general
 * one for those lengths. */
uint64_t rtmap_fast_mix(const rtmap_fast_key *fk, const void *p, uint64_t seed, size_t len);
uint64_t rtmap_fast_mix32(const rtmap_fast_key *fk, const void *p, uint64_t seed);
uint64_t rtmap_fast_mix64(const rtmap_fast_key *fk, const void *p, uint64_t seed);

/* AES-round hash: callable only when rtmap_cpu_has_aes() is true. */
bool     rtmap_cpu_has_aes(void);
#if defined(__x86_64__) || defined(__i386__)
#define RTMAP_HAVE_AES_HASH 1
uint64_t rtmap_fast_aes(const rtmap_fast_key *fk, const void *p, uint64_t seed, size_t len);
uint64_t rtmap_fast_aes32(const rtmap_fast_key *fk, const void *p, uint64_t seed);
uint64_t rtmap_fast_aes64(const rtmap_fast_key *fk, const void *p, uint64_t seed);
#else
#define RTMAP_HAVE_AES_HASH 0
#endif

#endif /* RTMAP_HASH_FAST_H */
