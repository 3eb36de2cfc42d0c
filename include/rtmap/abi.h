/* rtmap ABI: type descriptors, the map type descriptor, and the iterator.
 * Shared by both builds; see docs/api.md. */
#ifndef RTMAP_ABI_H
#define RTMAP_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rtmap_kind {               /* same order as Go's reflect.Kind */
    RTMAP_KIND_INVALID, RTMAP_KIND_BOOL, RTMAP_KIND_INT, RTMAP_KIND_INT8,
    RTMAP_KIND_INT16, RTMAP_KIND_INT32, RTMAP_KIND_INT64, RTMAP_KIND_UINT,
    RTMAP_KIND_UINT8, RTMAP_KIND_UINT16, RTMAP_KIND_UINT32, RTMAP_KIND_UINT64,
    RTMAP_KIND_UINTPTR, RTMAP_KIND_FLOAT32, RTMAP_KIND_FLOAT64,
    RTMAP_KIND_COMPLEX64, RTMAP_KIND_COMPLEX128, RTMAP_KIND_ARRAY,
    RTMAP_KIND_CHAN, RTMAP_KIND_FUNC, RTMAP_KIND_INTERFACE, RTMAP_KIND_MAP,
    RTMAP_KIND_POINTER, RTMAP_KIND_SLICE, RTMAP_KIND_STRING, RTMAP_KIND_STRUCT,
    RTMAP_KIND_UNSAFE_POINTER
} rtmap_kind;

struct rtmap_type;
/* Both take the type they belong to, so that derived types (ArrayOf, StructOf,
   types an embedder makes) share one function instead of needing closures. */
typedef uint64_t (*rtmap_hash_fn)(const struct rtmap_type *t, const void *key, uint64_t seed);
typedef bool     (*rtmap_equal_fn)(const struct rtmap_type *t, const void *a, const void *b);

typedef struct rtmap_struct_field {
    const char               *name;
    const struct rtmap_type  *type;
    size_t                    offset;
} rtmap_struct_field;

typedef struct rtmap_type {             /* abi.Type */
    size_t          size;
    size_t          ptrbytes;   /* prefix that can hold pointers; 0: none */
    uint32_t        hash;       /* hash of the type itself (type caches) */
    uint8_t         tflag;
    uint8_t         align;
    uint8_t         kind;       /* rtmap_kind */
    rtmap_equal_fn  equal;      /* NULL: not comparable, not a valid key */
    rtmap_hash_fn   hasher;     /* NULL: not hashable */
    const uint8_t  *gcdata;     /* 1 bit per pointer-sized word of [0, ptrbytes) */
    const char     *str;        /* "int64", "string", "map[string]int64", ... */
    const struct rtmap_type *elem; /* ARRAY, POINTER, SLICE: element type */
    size_t          len;        /* ARRAY: length */
    const rtmap_struct_field *fields; /* STRUCT: fields in offset order */
    size_t          nfields;
} rtmap_type;

enum {                                   /* rtmap_type.tflag, for types the library did not make */
    RTMAP_TFLAG_NOT_REFLEXIVE    = 1,    /* some value is not equal to itself */
    RTMAP_TFLAG_NEED_KEY_UPDATE  = 2,    /* equal values may differ in bytes that matter */
    RTMAP_TFLAG_HASH_MIGHT_PANIC = 4     /* the hasher may raise RTMAP_PANIC_UNHASHABLE */
};

typedef struct rtmap_maptype {          /* abi.MapType */
    rtmap_type        type;     /* kind RTMAP_KIND_MAP */
    const rtmap_type *key;
    const rtmap_type *elem;
    const rtmap_type *bucket;   /* layout of one bucket (classic) or one group (swiss),
                                   with its pointer bitmap, for an embedding GC */
    rtmap_hash_fn     hasher;   /* hashes a key with a seed; called as hasher(key, k, seed) */
    uint16_t          bucketsize; /* == bucket->size */
    uint8_t           keysize;    /* bytes a key takes in a slot (pointer size if indirect) */
    uint8_t           valuesize;  /* bytes an elem takes in a slot */
    uint16_t          slotsize;   /* swiss: bytes of one key+elem slot; classic: 0 */
    uint16_t          elemoff;    /* swiss: offset of elem inside a slot; classic: 0 */
    uint32_t          flags;
} rtmap_maptype;

enum {                                   /* rtmap_maptype.flags, bit values as in Go */
    RTMAP_INDIRECT_KEY     = 1,
    RTMAP_INDIRECT_ELEM    = 2,
    RTMAP_REFLEXIVE_KEY    = 4,          /* k == k for every k (false for floats: NaN) */
    RTMAP_NEED_KEY_UPDATE  = 8,          /* overwrite key on assign (+0.0/-0.0, strings) */
    RTMAP_HASH_MIGHT_PANIC = 16          /* interface keys: dynamic type may be unhashable */
};

#define RTMAP_BUCKET_COUNT   8           /* slots per bucket / per group */
#define RTMAP_MAX_KEY_BYTES  128         /* larger keys are stored indirectly */
#define RTMAP_MAX_ELEM_BYTES 128         /* larger elems are stored indirectly */
#define RTMAP_ZERO_VAL_SIZE  1024        /* mapaccess1 zero value; larger elems use _fat */

typedef struct rtmap_string { const char *ptr; size_t len; } rtmap_string;
typedef struct rtmap_eface  { const rtmap_type *type; const void *data; } rtmap_eface;
                                         /* an `any`: data points at a value of *type */

extern const rtmap_type rtmap_type_bool, rtmap_type_int, rtmap_type_int8,
    rtmap_type_int16, rtmap_type_int32, rtmap_type_int64, rtmap_type_uint,
    rtmap_type_uint8, rtmap_type_uint16, rtmap_type_uint32, rtmap_type_uint64,
    rtmap_type_uintptr, rtmap_type_float32, rtmap_type_float64,
    rtmap_type_complex64, rtmap_type_complex128, rtmap_type_string,
    rtmap_type_unsafe_pointer, rtmap_type_any;

typedef struct rtmap_hmap rtmap_hmap;   /* opaque; its first member is the entry
                                           count, an intptr_t, so len() may be inlined */

typedef struct rtmap_hiter {            /* 12 pointer-sized words in both builds */
    void      *key;                     /* NULL: iteration is over */
    void      *elem;
    uintptr_t  priv[10];                /* implementation state */
} rtmap_hiter;

#ifdef __cplusplus
}
#endif
#endif /* RTMAP_ABI_H */
