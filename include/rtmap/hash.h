/* rtmap hashing: reference-conformant SipHash and the hashers of builtin types. */
#ifndef RTMAP_HASH_H
#define RTMAP_HASH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

uint64_t rtmap_siphash24(const uint8_t key[16], const void *data, size_t len);
void     rtmap_siphash24_128(const uint8_t key[16], const void *data, size_t len, uint8_t out[16]);
uint64_t rtmap_siphash13(const uint8_t key[16], const void *data, size_t len);
uint64_t rtmap_memhash(const void *p, uint64_t seed, size_t len);  /* the hash builtin types use */
uint64_t rtmap_memhash32(const void *p, uint64_t seed);
uint64_t rtmap_memhash64(const void *p, uint64_t seed);
uint64_t rtmap_strhash(const void *p /* rtmap_string */, uint64_t seed);
const char *rtmap_hash_name(void);   /* "sip13", "sip24", "fast-aes" or "fast-mix" */

#ifdef __cplusplus
}
#endif
#endif /* RTMAP_HASH_H */
