/* Helpers for type descriptors made inside the library (the type cache's
 * ArrayOf/StructOf) that reuse what the builtin types are made of. Private. */
#ifndef RTMAP_TYPES_H
#define RTMAP_TYPES_H

#include "internal.h"

/* Hash and equality of the t->size bytes at p: for types whose equality is
 * exactly equality of all their bytes (no padding, no floats, no strings, no
 * interfaces), e.g. arrays of integers or structs of integers without padding. */
uint64_t rtmap_memhash_typed(const rtmap_type *t, const void *p, uint64_t seed);
bool     rtmap_memequal_typed(const rtmap_type *t, const void *a, const void *b);

/* The builtin hashers of 1-, 2-, 4-, 8-byte and string types, for derived
 * types that have the same representation (a struct of one int64, [1]uint32, ...).
 * Each equals rtmap_memhash of the same bytes. */
uint64_t rtmap_typehash_mem8(const rtmap_type *t, const void *p, uint64_t seed);
uint64_t rtmap_typehash_mem16(const rtmap_type *t, const void *p, uint64_t seed);
uint64_t rtmap_typehash_mem32(const rtmap_type *t, const void *p, uint64_t seed);
uint64_t rtmap_typehash_mem64(const rtmap_type *t, const void *p, uint64_t seed);
uint64_t rtmap_typehash_str(const rtmap_type *t, const void *p, uint64_t seed);

/* True when t's equality is equality of all t->size bytes: the builtin integer,
 * bool and pointer types, and types whose equal is rtmap_memequal_typed. */
bool     rtmap_type_is_mem_comparable(const rtmap_type *t);

/* Hash and equality of composite types through their parts, as Go's typehash
 * and generated equality do: ARRAY element by element (t->elem, t->len), STRUCT
 * field by field (t->fields, t->nfields; fields named "_" are skipped, padding
 * is never looked at). Elements and fields must have hasher/equal. The first
 * panic raised by a part (an unhashable `any` inside) ends the walk: the hash
 * then returns 0 and the equality false. */
uint64_t rtmap_array_hash(const rtmap_type *t, const void *p, uint64_t seed);
bool     rtmap_array_equal(const rtmap_type *t, const void *a, const void *b);
uint64_t rtmap_struct_hash(const rtmap_type *t, const void *p, uint64_t seed);
bool     rtmap_struct_equal(const rtmap_type *t, const void *a, const void *b);

/* The `hash` field of every builtin type is the 32-bit FNV-1a hash of its `str`;
 * types made by the library may use the same rule. */
uint32_t rtmap_type_name_hash(const char *str);

/* "comparing uncomparable type T", raised with RTMAP_PANIC_UNHASHABLE as Go's
 * interface comparison does. */
void     rtmap_panic_uncomparable(const rtmap_type *t);

#endif /* RTMAP_TYPES_H */
