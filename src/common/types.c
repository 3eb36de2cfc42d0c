/* The builtin type descriptors and their equal/hash functions, with Go's
 * semantics (runtime/alg.go): integers, bools and pointers compare by memory;
 * floats compare as numbers (+0 == -0, NaN != NaN); strings by bytes; `any` by
 * dynamic type, then value. */
#include "types.h"

#include <stdio.h>
#include <string.h>

/* Odd constants for mixing an interface's dynamic type into its value hash. */
#define IFACE_MIX_ADD UINT64_C(0x9e3779b97f4a7c15)
#define IFACE_MIX_MUL UINT64_C(0xbf58476d1ce4e5b9)

uint32_t rtmap_type_name_hash(const char *str)
{
    uint32_t h = UINT32_C(0x811c9dc5);
    for (const unsigned char *c = (const unsigned char *)str; *c; c++)
        h = (h ^ *c) * UINT32_C(0x01000193);
    return h;
}

void rtmap_panic_uncomparable(const rtmap_type *t)
{
    char msg[256];
    snprintf(msg, sizeof msg, "comparing uncomparable type %s", t && t->str ? t->str : "?");
    rtmap_panic(RTMAP_PANIC_UNHASHABLE, msg);
}

/* ---- memory equality --------------------------------------------------------- */

/* rtmap_memhash_typed and the hashers of 1-, 2-, 4- and 8-byte types and of
   strings live in hash.c, where the hash body inlines into them. */

bool rtmap_memequal_typed(const rtmap_type *t, const void *a, const void *b)
{
    return t->size == 0 || memcmp(a, b, t->size) == 0;
}

static bool memequal8(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    return *(const uint8_t *)a == *(const uint8_t *)b;
}

static bool memequal16(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    uint16_t x, y;
    memcpy(&x, a, 2);
    memcpy(&y, b, 2);
    return x == y;
}

static bool memequal32(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    uint32_t x, y;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    return x == y;
}

static bool memequal64(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return x == y;
}

/* Pointer-sized builtins (int, uint, uintptr, unsafe.Pointer). */
#if UINTPTR_MAX == UINT64_MAX
#define memhashptr  rtmap_typehash_mem64
#define memequalptr memequal64
#else
#define memhashptr  rtmap_typehash_mem32
#define memequalptr memequal32
#endif

bool rtmap_type_is_mem_comparable(const rtmap_type *t)
{
    rtmap_equal_fn eq = t->equal;
    return eq == rtmap_memequal_typed || eq == memequal8 || eq == memequal16 ||
           eq == memequal32 || eq == memequal64;
}

/* ---- floats -------------------------------------------------------------------
 * Both zeros hash as +0 so that equal keys hash equal; a NaN hashes to a fresh
 * random value each time, because it equals nothing, not even itself: spreading
 * NaN keys keeps a map full of them from degenerating into one long chain. */

static uint64_t f32hash_value(float f, uint64_t seed)
{
    if (f == 0) {
        uint32_t zero = 0;
        return rtmap_memhash32(&zero, seed);
    }
    if (f != f) {
        uint64_t r = rtmap_rand();
        return rtmap_memhash64(&r, seed);
    }
    return rtmap_memhash32(&f, seed);
}

static uint64_t f64hash_value(double f, uint64_t seed)
{
    if (f == 0) {
        uint64_t zero = 0;
        return rtmap_memhash64(&zero, seed);
    }
    if (f != f) {
        uint64_t r = rtmap_rand();
        return rtmap_memhash64(&r, seed);
    }
    return rtmap_memhash64(&f, seed);
}

static float load_f32(const void *p)
{
    float f;
    memcpy(&f, p, sizeof f);
    return f;
}

static double load_f64(const void *p)
{
    double f;
    memcpy(&f, p, sizeof f);
    return f;
}

static uint64_t f32hash(const rtmap_type *t, const void *p, uint64_t seed)
{
    (void)t;
    return f32hash_value(load_f32(p), seed);
}

static uint64_t f64hash(const rtmap_type *t, const void *p, uint64_t seed)
{
    (void)t;
    return f64hash_value(load_f64(p), seed);
}

/* Complex: the imaginary part hashed with the real part's hash as seed. */
static uint64_t c64hash(const rtmap_type *t, const void *p, uint64_t seed)
{
    (void)t;
    const uint8_t *b = p;
    return f32hash_value(load_f32(b + 4), f32hash_value(load_f32(b), seed));
}

static uint64_t c128hash(const rtmap_type *t, const void *p, uint64_t seed)
{
    (void)t;
    const uint8_t *b = p;
    return f64hash_value(load_f64(b + 8), f64hash_value(load_f64(b), seed));
}

static bool f32equal(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    return load_f32(a) == load_f32(b);
}

static bool f64equal(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    return load_f64(a) == load_f64(b);
}

static bool c64equal(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    const uint8_t *x = a, *y = b;
    return load_f32(x) == load_f32(y) && load_f32(x + 4) == load_f32(y + 4);
}

static bool c128equal(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    const uint8_t *x = a, *y = b;
    return load_f64(x) == load_f64(y) && load_f64(x + 8) == load_f64(y + 8);
}

/* ---- strings ------------------------------------------------------------------- */

static bool strequal(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    const rtmap_string *x = a, *y = b;
    if (x->len != y->len)
        return false;
    /* {NULL, 0} is a valid empty string; memcmp must not see a NULL pointer. */
    return x->len == 0 || x->ptr == y->ptr || memcmp(x->ptr, y->ptr, x->len) == 0;
}

/* ---- any ------------------------------------------------------------------------
 * Two dynamic types are the same type when they are the same descriptor: the
 * library and its embedder make one descriptor per type (rtmap_map_of and friends
 * cache by content), so pointer identity is type identity. */

static uint64_t nilinterhash(const rtmap_type *t, const void *p, uint64_t seed)
{
    (void)t;
    const rtmap_eface *e = p;
    const rtmap_type *dt = e->type;
    if (!dt)
        return seed;
    if (!dt->equal || !dt->hasher) {
        rtmap_panic_unhashable(dt);
        return 0;
    }
    /* The type's own hash goes into the seed, so that equal bytes of different
       dynamic types (int64(1) and uint64(1)) land apart. */
    return dt->hasher(dt, e->data, (seed ^ dt->hash) + IFACE_MIX_ADD) * IFACE_MIX_MUL;
}

static bool nilinterequal(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    const rtmap_eface *x = a, *y = b;
    if (x->type != y->type)
        return false;
    const rtmap_type *dt = x->type;
    if (!dt)
        return true;
    if (!dt->equal) {
        rtmap_panic_uncomparable(dt);
        return false;
    }
    /* No shortcut on x->data == y->data: a NaN is not equal to itself. */
    return dt->equal(dt, x->data, y->data);
}

/* ---- arrays and structs, through their parts ------------------------------------
 * A part may raise a panic whose handler returns (an `any` holding a map): the
 * walk stops there, so the handler hears of one panic per call, as with a single
 * Go panic. */

uint64_t rtmap_array_hash(const rtmap_type *t, const void *p, uint64_t seed)
{
    const rtmap_type *et = t->elem;
    const uint8_t *b = p;
    unsigned before = rtmap_tls_panics;
    for (size_t i = 0; i < t->len; i++) {
        seed = et->hasher(et, b + i * et->size, seed);
        if (RTMAP_UNLIKELY(rtmap_tls_panics != before))
            return 0;
    }
    return seed;
}

bool rtmap_array_equal(const rtmap_type *t, const void *a, const void *b)
{
    const rtmap_type *et = t->elem;
    const uint8_t *x = a, *y = b;
    unsigned before = rtmap_tls_panics;
    for (size_t i = 0; i < t->len; i++) {
        if (!et->equal(et, x + i * et->size, y + i * et->size))
            return false;
        if (RTMAP_UNLIKELY(rtmap_tls_panics != before))
            return false;
    }
    return true;
}

static bool blank_field(const rtmap_struct_field *f)
{
    return f->name && f->name[0] == '_' && f->name[1] == 0;
}

uint64_t rtmap_struct_hash(const rtmap_type *t, const void *p, uint64_t seed)
{
    const uint8_t *b = p;
    unsigned before = rtmap_tls_panics;
    for (size_t i = 0; i < t->nfields; i++) {
        const rtmap_struct_field *f = &t->fields[i];
        if (blank_field(f))
            continue;
        seed = f->type->hasher(f->type, b + f->offset, seed);
        if (RTMAP_UNLIKELY(rtmap_tls_panics != before))
            return 0;
    }
    return seed;
}

bool rtmap_struct_equal(const rtmap_type *t, const void *a, const void *b)
{
    const uint8_t *x = a, *y = b;
    unsigned before = rtmap_tls_panics;
    for (size_t i = 0; i < t->nfields; i++) {
        const rtmap_struct_field *f = &t->fields[i];
        if (blank_field(f))
            continue;
        if (!f->type->equal(f->type, x + f->offset, y + f->offset))
            return false;
        if (RTMAP_UNLIKELY(rtmap_tls_panics != before))
            return false;
    }
    return true;
}

/* ---- descriptors ------------------------------------------------------------------ */

static const uint8_t gc_one_pointer = 0x1;   /* word 0 */
static const uint8_t gc_two_pointers = 0x3;  /* words 0 and 1 */

/* `hash` is rtmap_type_name_hash(str), precomputed (a test checks each). */
#define SCALAR(name_, ctype_, kind_, str_, namehash_, tflag_, eq_, h_)                    \
    const rtmap_type name_ = {                                                             \
        .size = sizeof(ctype_), .align = _Alignof(ctype_), .kind = (kind_),                \
        .hash = (namehash_), .tflag = (tflag_), .equal = (eq_), .hasher = (h_),            \
        .str = (str_) }

#define FLOAT_TFLAG (RTMAP_TFLAG_NOT_REFLEXIVE | RTMAP_TFLAG_NEED_KEY_UPDATE)

typedef struct { float re, im; } complex64_repr;
typedef struct { double re, im; } complex128_repr;

SCALAR(rtmap_type_bool,    bool,      RTMAP_KIND_BOOL,    "bool",    0xc894953dU, 0, memequal8, rtmap_typehash_mem8);
SCALAR(rtmap_type_int,     intptr_t,  RTMAP_KIND_INT,     "int",     0x95e97e5eU, 0, memequalptr, memhashptr);
SCALAR(rtmap_type_int8,    int8_t,    RTMAP_KIND_INT8,    "int8",    0x6491fa92U, 0, memequal8, rtmap_typehash_mem8);
SCALAR(rtmap_type_int16,   int16_t,   RTMAP_KIND_INT16,   "int16",   0x07e372d1U, 0, memequal16, rtmap_typehash_mem16);
SCALAR(rtmap_type_int32,   int32_t,   RTMAP_KIND_INT32,   "int32",   0xfbdee2bfU, 0, memequal32, rtmap_typehash_mem32);
SCALAR(rtmap_type_int64,   int64_t,   RTMAP_KIND_INT64,   "int64",   0x03d22364U, 0, memequal64, rtmap_typehash_mem64);
SCALAR(rtmap_type_uint,    uintptr_t, RTMAP_KIND_UINT,    "uint",    0xcb9836a1U, 0, memequalptr, memhashptr);
SCALAR(rtmap_type_uint8,   uint8_t,   RTMAP_KIND_UINT8,   "uint8",   0x199df2dbU, 0, memequal8, rtmap_typehash_mem8);
SCALAR(rtmap_type_uint16,  uint16_t,  RTMAP_KIND_UINT16,  "uint16",  0xae8ebef2U, 0, memequal16, rtmap_typehash_mem16);
SCALAR(rtmap_type_uint32,  uint32_t,  RTMAP_KIND_UINT32,  "uint32",  0x32940becU, 0, memequal32, rtmap_typehash_mem32);
SCALAR(rtmap_type_uint64,  uint64_t,  RTMAP_KIND_UINT64,  "uint64",  0xaea00813U, 0, memequal64, rtmap_typehash_mem64);
SCALAR(rtmap_type_uintptr, uintptr_t, RTMAP_KIND_UINTPTR, "uintptr", 0xfcd16165U, 0, memequalptr, memhashptr);
SCALAR(rtmap_type_float32, float,     RTMAP_KIND_FLOAT32, "float32", 0xe89f7410U, FLOAT_TFLAG, f32equal, f32hash);
SCALAR(rtmap_type_float64, double,    RTMAP_KIND_FLOAT64, "float64", 0x7c980e47U, FLOAT_TFLAG, f64equal, f64hash);
SCALAR(rtmap_type_complex64,  complex64_repr,  RTMAP_KIND_COMPLEX64,  "complex64",  0xe1067665U,
       FLOAT_TFLAG, c64equal, c64hash);
SCALAR(rtmap_type_complex128, complex128_repr, RTMAP_KIND_COMPLEX128, "complex128", 0xb000c0e8U,
       FLOAT_TFLAG, c128equal, c128hash);

const rtmap_type rtmap_type_string = {
    .size = sizeof(rtmap_string), .align = _Alignof(rtmap_string), .kind = RTMAP_KIND_STRING,
    .ptrbytes = sizeof(void *), .gcdata = &gc_one_pointer,
    .hash = 0x17c16538U, .tflag = RTMAP_TFLAG_NEED_KEY_UPDATE,
    .equal = strequal, .hasher = rtmap_typehash_str, .str = "string",
};

const rtmap_type rtmap_type_unsafe_pointer = {
    .size = sizeof(void *), .align = _Alignof(void *), .kind = RTMAP_KIND_UNSAFE_POINTER,
    .ptrbytes = sizeof(void *), .gcdata = &gc_one_pointer,
    .hash = 0xb24f7ca0U, .equal = memequalptr, .hasher = memhashptr, .str = "unsafe.Pointer",
};

const rtmap_type rtmap_type_any = {
    .size = sizeof(rtmap_eface), .align = _Alignof(rtmap_eface), .kind = RTMAP_KIND_INTERFACE,
    .ptrbytes = 2 * sizeof(void *), .gcdata = &gc_two_pointers,
    .hash = 0x2c29f04dU,
    .tflag = RTMAP_TFLAG_NOT_REFLEXIVE | RTMAP_TFLAG_NEED_KEY_UPDATE | RTMAP_TFLAG_HASH_MIGHT_PANIC,
    .equal = nilinterequal, .hasher = nilinterhash, .str = "any",
};
