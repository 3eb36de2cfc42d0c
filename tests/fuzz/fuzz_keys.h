/* Key domains of the map fuzzer: for each key type, a family of keys numbered
 * 0..FZ_DOMAIN-1, each in FZ_VARIANTS representations that compare equal (a
 * string at another address, -0.0 for +0.0, other padding bytes), so the model
 * can predict which representation a map keeps (Go's key update). */
#ifndef RTMAP_FUZZ_KEYS_H
#define RTMAP_FUZZ_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtmap.h"

#define FZ_DOMAIN   4096
#define FZ_VARIANTS 2
#define FZ_MAX_KEY  200          /* bytes of the largest key type */

typedef struct fz_keytype {
    const char       *name;
    const rtmap_type *type;
    bool fast32, fast64, faststr;      /* which fast paths Go would use for it */
    bool key_update;                   /* equal keys may differ in representation */
    bool may_panic;                    /* `any`: a dynamic type may be unhashable */
    /* Writes key number idx in representation variant. */
    void (*make)(unsigned idx, unsigned variant, void *out);
    /* Number of a key this domain made, or -1 when it is none of them. */
    long (*decode)(const void *key);
    /* The key never equals itself (holds a NaN): every assignment adds an entry. */
    bool (*irreflexive)(unsigned idx);
    /* Same representation wherever a reader can see it (padding excluded). */
    bool (*identical)(const void *a, const void *b);
} fz_keytype;

enum { FZ_KEY_U32, FZ_KEY_U64, FZ_KEY_STRING, FZ_KEY_F64, FZ_KEY_ANY, FZ_KEY_ARRAY200,
       FZ_KEY_STRUCT, FZ_KEY_WEAKHASH, FZ_KEYTYPES };

/* Builds the domains (array and struct types come from rtmap_array_of and
 * rtmap_struct_of); aborts if the library refuses them. Idempotent. */
void fz_keys_init(void);
const fz_keytype *fz_keytype_at(unsigned which);

/* An `any` whose dynamic type cannot be hashed (a map type), for panic checks. */
rtmap_eface fz_unhashable_any(void);
const char *fz_unhashable_type_name(void);

#endif
