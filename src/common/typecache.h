/* The reflection layer's type-independent parts: what a key type implies for a
 * map (typeflags.c) and the checks the type cache applies to descriptors
 * (typecache.c). Private. */
#ifndef RTMAP_TYPECACHE_H
#define RTMAP_TYPECACHE_H

#include "internal.h"

/* Go's isReflexive / needKeyUpdate / hashMightPanic, through arrays and structs;
 * tflag bits answer for kinds the library cannot see into. */
bool    rtmap_type_is_reflexive(const rtmap_type *t);
bool    rtmap_type_needs_key_update(const rtmap_type *t);
bool    rtmap_type_hash_might_panic(const rtmap_type *t);
/* The three answers above as RTMAP_TFLAG_* bits, for types the library makes. */
uint8_t rtmap_type_derived_tflag(const rtmap_type *t);

/* A descriptor the type cache can build on: align a power of two, size a
 * multiple of it, ptrbytes within size. */
bool    rtmap_type_well_formed(const rtmap_type *t);

#endif /* RTMAP_TYPECACHE_H */
