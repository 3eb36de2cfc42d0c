/* The builtin type descriptors: layout facts, and equal/hash with Go's
 * semantics (floats, complex, strings, any), including the panics of `any`. */
#include "support.h"
#include "types.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* This suite needs only the builtin types and the hooks, so it does not link
 * tests/support (whose object also pulls in the map implementation and the
 * checked API). It defines here the few support symbols RT_TRY uses, with the
 * same behaviour: a handler that records the panic and longjmps to RT_TRY. */
jmp_buf *rt_panic_jmp;
char rt_last_panic_msg[512];
int rt_last_panic_kind = -1;

static void catching_handler(void *ctx, rtmap_panic_kind kind, const char *msg)
{
    (void)ctx;
    snprintf(rt_last_panic_msg, sizeof rt_last_panic_msg, "%s", msg);
    rt_last_panic_kind = (int)kind;
    if (kind >= RTMAP_FATAL_CONCURRENT_WRITES || !rt_panic_jmp) {
        fprintf(stderr, "unexpected rtmap panic: %s\n", msg);
        abort();
    }
    jmp_buf *jb = rt_panic_jmp;
    rt_panic_jmp = NULL;
    longjmp(*jb, 1000 + (int)kind);
}

void rt_install_panic_catcher(void)
{
    rtmap_set_panic_handler(catching_handler, NULL);
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

typedef struct expected_type {
    const rtmap_type *t;
    const char       *str;
    size_t            size, align;
    rtmap_kind        kind;
    size_t            ptrwords;   /* leading pointer words; all of them are marked */
    uint8_t           tflag;
} expected_type;

#define FLOATY (RTMAP_TFLAG_NOT_REFLEXIVE | RTMAP_TFLAG_NEED_KEY_UPDATE)
#define PTRSZ sizeof(void *)

static const expected_type builtins[] = {
    { &rtmap_type_bool,    "bool",    1, 1, RTMAP_KIND_BOOL, 0, 0 },
    { &rtmap_type_int,     "int",     PTRSZ, PTRSZ, RTMAP_KIND_INT, 0, 0 },
    { &rtmap_type_int8,    "int8",    1, 1, RTMAP_KIND_INT8, 0, 0 },
    { &rtmap_type_int16,   "int16",   2, 2, RTMAP_KIND_INT16, 0, 0 },
    { &rtmap_type_int32,   "int32",   4, 4, RTMAP_KIND_INT32, 0, 0 },
    { &rtmap_type_int64,   "int64",   8, _Alignof(int64_t), RTMAP_KIND_INT64, 0, 0 },
    { &rtmap_type_uint,    "uint",    PTRSZ, PTRSZ, RTMAP_KIND_UINT, 0, 0 },
    { &rtmap_type_uint8,   "uint8",   1, 1, RTMAP_KIND_UINT8, 0, 0 },
    { &rtmap_type_uint16,  "uint16",  2, 2, RTMAP_KIND_UINT16, 0, 0 },
    { &rtmap_type_uint32,  "uint32",  4, 4, RTMAP_KIND_UINT32, 0, 0 },
    { &rtmap_type_uint64,  "uint64",  8, _Alignof(uint64_t), RTMAP_KIND_UINT64, 0, 0 },
    { &rtmap_type_uintptr, "uintptr", PTRSZ, PTRSZ, RTMAP_KIND_UINTPTR, 0, 0 },
    { &rtmap_type_float32, "float32", 4, 4, RTMAP_KIND_FLOAT32, 0, FLOATY },
    { &rtmap_type_float64, "float64", 8, _Alignof(double), RTMAP_KIND_FLOAT64, 0, FLOATY },
    { &rtmap_type_complex64,  "complex64",  8, 4, RTMAP_KIND_COMPLEX64, 0, FLOATY },
    { &rtmap_type_complex128, "complex128", 16, _Alignof(double), RTMAP_KIND_COMPLEX128, 0, FLOATY },
    { &rtmap_type_string,  "string",  2 * PTRSZ, PTRSZ, RTMAP_KIND_STRING, 1, RTMAP_TFLAG_NEED_KEY_UPDATE },
    { &rtmap_type_unsafe_pointer, "unsafe.Pointer", PTRSZ, PTRSZ, RTMAP_KIND_UNSAFE_POINTER, 1, 0 },
    { &rtmap_type_any,     "any",     2 * PTRSZ, PTRSZ, RTMAP_KIND_INTERFACE, 2,
      FLOATY | RTMAP_TFLAG_HASH_MIGHT_PANIC },
};
#define NBUILTINS (sizeof builtins / sizeof builtins[0])

static void test_builtin_descriptors(void **state)
{
    (void)state;
    for (size_t i = 0; i < NBUILTINS; i++) {
        const expected_type *e = &builtins[i];
        const rtmap_type *t = e->t;
        assert_non_null(t->str);
        assert_string_equal(t->str, e->str);
        assert_int_equal(t->size, e->size);
        assert_int_equal(t->align, e->align);
        assert_int_equal(t->kind, e->kind);
        assert_int_equal(t->tflag, e->tflag);
        assert_non_null(t->equal);
        assert_non_null(t->hasher);
        assert_int_equal(t->ptrbytes, e->ptrwords * PTRSZ);
        if (e->ptrwords) {
            assert_non_null(t->gcdata);
            for (size_t w = 0; w < e->ptrwords; w++)
                assert_true(t->gcdata[w / 8] >> (w % 8) & 1);
        }
        assert_null(t->elem);
        assert_int_equal(t->len, 0);
        assert_null(t->fields);
        assert_int_equal(t->nfields, 0);
    }
}

/* `hash` is the FNV-1a hash of the name: stable, and distinct per builtin. */
static void test_type_hashes(void **state)
{
    (void)state;
    assert_int_equal(rtmap_type_name_hash(""), 0x811c9dc5u);
    assert_int_equal(rtmap_type_name_hash("a"), 0xe40c292cu);
    for (size_t i = 0; i < NBUILTINS; i++) {
        const rtmap_type *t = builtins[i].t;
        assert_int_equal(t->hash, rtmap_type_name_hash(t->str));
        for (size_t j = 0; j < i; j++)
            assert_int_not_equal(t->hash, builtins[j].t->hash);
    }
}

static bool eq(const rtmap_type *t, const void *a, const void *b)
{
    return t->equal(t, a, b);
}

static uint64_t hash(const rtmap_type *t, const void *p, uint64_t seed)
{
    return t->hasher(t, p, seed);
}

/* ---- memory-equality types -------------------------------------------------------- */

static void test_integer_types(void **state)
{
    (void)state;
    const rtmap_type *types[] = { &rtmap_type_bool, &rtmap_type_int, &rtmap_type_int8,
        &rtmap_type_int16, &rtmap_type_int32, &rtmap_type_int64, &rtmap_type_uint,
        &rtmap_type_uint8, &rtmap_type_uint16, &rtmap_type_uint32, &rtmap_type_uint64,
        &rtmap_type_uintptr, &rtmap_type_unsafe_pointer };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const rtmap_type *t = types[i];
        uint8_t a[8] = { 0 }, b[8] = { 0 }, c[8] = { 0 };
        a[0] = b[0] = 1;
        c[t->size - 1] = 1;            /* differs in its last byte (or first, for bools) */
        if (t->size == 1)
            c[0] = 0;
        assert_true(eq(t, a, b));
        assert_false(eq(t, a, c));
        assert_int_equal(hash(t, a, 5), hash(t, b, 5));
        assert_int_not_equal(hash(t, a, 5), hash(t, c, 5));
        assert_int_not_equal(hash(t, a, 5), hash(t, a, 6));
        /* the builtin hashers are memhash of their bytes */
        assert_int_equal(hash(t, a, 5), rtmap_memhash(a, 5, t->size));
        assert_true(rtmap_type_is_mem_comparable(t));
    }
    const rtmap_type *not_mem[] = { &rtmap_type_float32, &rtmap_type_float64,
        &rtmap_type_complex64, &rtmap_type_complex128, &rtmap_type_string, &rtmap_type_any };
    for (size_t i = 0; i < sizeof not_mem / sizeof not_mem[0]; i++)
        assert_false(rtmap_type_is_mem_comparable(not_mem[i]));
}

/* The generic helpers the type cache gives to ArrayOf/StructOf types. */
static void test_memhash_typed_helpers(void **state)
{
    (void)state;
    rtmap_type arr = { .size = 12, .align = 4, .kind = RTMAP_KIND_ARRAY, .elem = &rtmap_type_int32,
                       .len = 3, .equal = rtmap_memequal_typed, .hasher = rtmap_memhash_typed,
                       .str = "[3]int32" };
    int32_t a[3] = { 1, 2, 3 }, b[3] = { 1, 2, 3 }, c[3] = { 1, 2, 4 };
    assert_true(eq(&arr, a, b));
    assert_false(eq(&arr, a, c));
    assert_int_equal(hash(&arr, a, 1), hash(&arr, b, 1));
    assert_int_equal(hash(&arr, a, 1), rtmap_memhash(a, 1, 12));
    assert_int_not_equal(hash(&arr, a, 1), hash(&arr, c, 1));
    assert_true(rtmap_type_is_mem_comparable(&arr));
    rtmap_type empty = { .size = 0, .align = 1, .kind = RTMAP_KIND_STRUCT,
                         .equal = rtmap_memequal_typed, .hasher = rtmap_memhash_typed, .str = "struct {}" };
    assert_true(eq(&empty, NULL, NULL));
    assert_int_equal(hash(&empty, NULL, 3), rtmap_memhash(NULL, 3, 0));
}

/* The typed hashers types.h offers to derived types are memhash of the bytes. */
static void test_exported_typed_hashers(void **state)
{
    (void)state;
    uint64_t rng = 17;
    for (int i = 0; i < 200; i++) {
        uint64_t v = splitmix64(&rng), seed = splitmix64(&rng);
        assert_int_equal(rtmap_typehash_mem8(NULL, &v, seed), rtmap_memhash(&v, seed, 1));
        assert_int_equal(rtmap_typehash_mem16(NULL, &v, seed), rtmap_memhash(&v, seed, 2));
        assert_int_equal(rtmap_typehash_mem32(NULL, &v, seed), rtmap_memhash(&v, seed, 4));
        assert_int_equal(rtmap_typehash_mem64(NULL, &v, seed), rtmap_memhash(&v, seed, 8));
        rtmap_string s = { (const char *)&v, (size_t)(i % 9) };
        assert_int_equal(rtmap_typehash_str(NULL, &s, seed), rtmap_strhash(&s, seed));
        rtmap_type sized = { .size = (size_t)(i % 9) };
        assert_int_equal(rtmap_memhash_typed(&sized, &v, seed), rtmap_memhash(&v, seed, sized.size));
    }
}

/* ---- floats ------------------------------------------------------------------------- */

static void test_float64_semantics(void **state)
{
    (void)state;
    const rtmap_type *t = &rtmap_type_float64;
    double pz = 0.0, nz = -0.0, one = 1.0, one2 = 1.0, nan = NAN, nan2 = -NAN;
    assert_true(signbit(nz));
    assert_true(eq(t, &pz, &nz));
    assert_int_equal(hash(t, &pz, 7), hash(t, &nz, 7));
    assert_int_not_equal(hash(t, &pz, 7), hash(t, &pz, 8));
    assert_true(eq(t, &one, &one2));
    assert_int_equal(hash(t, &one, 7), hash(t, &one2, 7));
    assert_false(eq(t, &one, &pz));
    assert_int_not_equal(hash(t, &one, 7), hash(t, &pz, 7));
    /* NaN equals nothing, itself included, and hashes anew every time */
    assert_false(eq(t, &nan, &nan));
    assert_false(eq(t, &nan, &nan2));
    assert_false(eq(t, &nan, &one));
    uint64_t h[16];
    for (int i = 0; i < 16; i++) {
        h[i] = hash(t, &nan, 7);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(h[i], h[j]);
    }
}

static void test_float32_semantics(void **state)
{
    (void)state;
    const rtmap_type *t = &rtmap_type_float32;
    float pz = 0.0f, nz = -0.0f, x = 2.5f, y = 2.5f, z = -2.5f, nan = NAN;
    assert_true(eq(t, &pz, &nz));
    assert_int_equal(hash(t, &pz, 1), hash(t, &nz, 1));
    assert_true(eq(t, &x, &y));
    assert_int_equal(hash(t, &x, 1), hash(t, &y, 1));
    assert_false(eq(t, &x, &z));
    assert_int_not_equal(hash(t, &x, 1), hash(t, &z, 1));
    assert_false(eq(t, &nan, &nan));
    assert_int_not_equal(hash(t, &nan, 1), hash(t, &nan, 1));
}

static void test_complex_semantics(void **state)
{
    (void)state;
    const rtmap_type *t128 = &rtmap_type_complex128;
    double a[2] = { 0.0, -0.0 }, b[2] = { -0.0, 0.0 }, c[2] = { 1, 2 }, d[2] = { 2, 1 };
    double n1[2] = { NAN, 1 }, n2[2] = { 1, NAN };
    assert_true(eq(t128, a, b));
    assert_int_equal(hash(t128, a, 3), hash(t128, b, 3));
    assert_false(eq(t128, c, d));
    assert_int_not_equal(hash(t128, c, 3), hash(t128, d, 3));
    assert_false(eq(t128, n1, n1));
    assert_false(eq(t128, n2, n2));
    assert_int_not_equal(hash(t128, n1, 3), hash(t128, n1, 3));
    assert_int_not_equal(hash(t128, n2, 3), hash(t128, n2, 3));

    const rtmap_type *t64 = &rtmap_type_complex64;
    float fa[2] = { 0.0f, -0.0f }, fb[2] = { -0.0f, 0.0f }, fc[2] = { 1, 2 }, fd[2] = { 2, 1 };
    float fn[2] = { 3, NAN };
    assert_true(eq(t64, fa, fb));
    assert_int_equal(hash(t64, fa, 3), hash(t64, fb, 3));
    assert_false(eq(t64, fc, fd));
    assert_int_not_equal(hash(t64, fc, 3), hash(t64, fd, 3));
    assert_false(eq(t64, fn, fn));
    assert_int_not_equal(hash(t64, fn, 3), hash(t64, fn, 3));
}

/* ---- strings ------------------------------------------------------------------------- */

static void test_string_semantics(void **state)
{
    (void)state;
    const rtmap_type *t = &rtmap_type_string;
    char buf1[] = "hello, world", buf2[] = "hello, world";
    rtmap_string a = { buf1, 12 }, b = { buf2, 12 }, prefix = { buf1, 5 };
    assert_true(a.ptr != b.ptr);
    assert_true(eq(t, &a, &b));
    assert_int_equal(hash(t, &a, 9), hash(t, &b, 9));
    assert_false(eq(t, &a, &prefix));
    assert_int_not_equal(hash(t, &a, 9), hash(t, &prefix, 9));
    assert_int_equal(hash(t, &a, 9), rtmap_memhash(buf1, 9, 12));

    /* bytes, not C strings: embedded NULs count */
    rtmap_string n1 = { "a\0b", 3 }, n2 = { "a\0c", 3 }, n3 = { "a\0b", 3 };
    assert_false(eq(t, &n1, &n2));
    assert_int_not_equal(hash(t, &n1, 9), hash(t, &n2, 9));
    assert_true(eq(t, &n1, &n3));

    /* {NULL, 0} is the empty string */
    rtmap_string null_empty = { NULL, 0 }, empty = { buf1, 0 };
    assert_true(eq(t, &null_empty, &empty));
    assert_true(eq(t, &null_empty, &null_empty));
    assert_int_equal(hash(t, &null_empty, 9), hash(t, &empty, 9));
    assert_false(eq(t, &null_empty, &prefix));
}

/* ---- any ------------------------------------------------------------------------------ */

static const rtmap_type map_type = {   /* a map type: not comparable */
    .size = sizeof(void *), .align = _Alignof(void *), .kind = RTMAP_KIND_MAP,
    .str = "map[string]int",
};

static void test_any_semantics(void **state)
{
    (void)state;
    const rtmap_type *t = &rtmap_type_any;
    int64_t i1 = 1, i1b = 1, i2 = 2;
    uint64_t u1 = 1;
    rtmap_eface nil1 = { NULL, NULL }, nil2 = { NULL, NULL };
    rtmap_eface ai1 = { &rtmap_type_int64, &i1 }, ai1b = { &rtmap_type_int64, &i1b };
    rtmap_eface ai2 = { &rtmap_type_int64, &i2 }, au1 = { &rtmap_type_uint64, &u1 };

    assert_true(eq(t, &nil1, &nil2));
    assert_int_equal(hash(t, &nil1, 4), hash(t, &nil2, 4));
    assert_false(eq(t, &nil1, &ai1));
    assert_false(eq(t, &ai1, &nil1));

    /* same dynamic type, equal values at different addresses */
    assert_true(eq(t, &ai1, &ai1b));
    assert_int_equal(hash(t, &ai1, 4), hash(t, &ai1b, 4));
    assert_false(eq(t, &ai1, &ai2));
    assert_int_not_equal(hash(t, &ai1, 4), hash(t, &ai2, 4));
    assert_int_not_equal(hash(t, &ai1, 4), hash(t, &ai1, 5));

    /* same bytes, different dynamic types: not equal, hashed apart */
    assert_false(eq(t, &ai1, &au1));
    assert_int_not_equal(hash(t, &ai1, 4), hash(t, &au1, 4));

    /* the dynamic type's semantics apply: floats, strings */
    double pz = 0.0, nz = -0.0, nan = NAN;
    rtmap_eface apz = { &rtmap_type_float64, &pz }, anz = { &rtmap_type_float64, &nz };
    rtmap_eface anan = { &rtmap_type_float64, &nan };
    assert_true(eq(t, &apz, &anz));
    assert_int_equal(hash(t, &apz, 4), hash(t, &anz, 4));
    assert_false(eq(t, &anan, &anan));
    assert_int_not_equal(hash(t, &anan, 4), hash(t, &anan, 4));

    char s1[] = "key", s2[] = "key";
    rtmap_string str1 = { s1, 3 }, str2 = { s2, 3 };
    rtmap_eface as1 = { &rtmap_type_string, &str1 }, as2 = { &rtmap_type_string, &str2 };
    assert_true(eq(t, &as1, &as2));
    assert_int_equal(hash(t, &as1, 4), hash(t, &as2, 4));

    /* an any holding an any compares and hashes through both levels */
    rtmap_eface outer1 = { &rtmap_type_any, &ai1 }, outer2 = { &rtmap_type_any, &ai1b };
    rtmap_eface outer3 = { &rtmap_type_any, &ai2 };
    assert_true(eq(t, &outer1, &outer2));
    assert_int_equal(hash(t, &outer1, 4), hash(t, &outer2, 4));
    assert_false(eq(t, &outer1, &outer3));
    assert_false(eq(t, &outer1, &ai1));
}

/* The dynamic type's own functions are used, with the type passed along. */
static int custom_hash_calls;
static const rtmap_type *custom_seen_type;

static uint64_t custom_hasher(const rtmap_type *t, const void *p, uint64_t seed)
{
    custom_hash_calls++;
    custom_seen_type = t;
    return rtmap_memhash(p, seed, 2);   /* only the first two bytes matter */
}

static bool custom_equal(const rtmap_type *t, const void *a, const void *b)
{
    return memcmp(a, b, 2) == 0;
}

static void test_any_uses_dynamic_type_functions(void **state)
{
    (void)state;
    static const rtmap_type custom = { .size = 4, .align = 1, .kind = RTMAP_KIND_ARRAY,
                                       .equal = custom_equal, .hasher = custom_hasher,
                                       .str = "custom", .hash = 0x1234 };
    uint8_t a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 2, 9, 9 };
    rtmap_eface ea = { &custom, a }, eb = { &custom, b };
    custom_hash_calls = 0;
    assert_true(eq(&rtmap_type_any, &ea, &eb));
    assert_int_equal(hash(&rtmap_type_any, &ea, 1), hash(&rtmap_type_any, &eb, 1));
    assert_int_equal(custom_hash_calls, 2);
    assert_ptr_equal(custom_seen_type, &custom);
}

static void test_any_unhashable_panics(void **state)
{
    (void)state;
    void *m = NULL;
    rtmap_eface am = { &map_type, &m };
    int kind;
    volatile bool reached = false;
    RT_TRY(kind) {
        (void)hash(&rtmap_type_any, &am, 1);
        reached = true;
    }
    assert_false(reached);
    assert_int_equal(kind, RTMAP_PANIC_UNHASHABLE);
    assert_string_equal(rt_last_panic_msg, "hash of unhashable type map[string]int");

    /* nested: the innermost dynamic type is named */
    rtmap_eface outer = { &rtmap_type_any, &am };
    RT_TRY(kind) {
        (void)hash(&rtmap_type_any, &outer, 1);
    }
    assert_int_equal(kind, RTMAP_PANIC_UNHASHABLE);
    assert_string_equal(rt_last_panic_msg, "hash of unhashable type map[string]int");

    /* a type with equal but no hasher is unhashable too */
    static const rtmap_type eq_only = { .size = 1, .align = 1, .kind = RTMAP_KIND_STRUCT,
                                        .equal = rtmap_memequal_typed, .str = "eqonly" };
    uint8_t v = 0;
    rtmap_eface ae = { &eq_only, &v };
    RT_TRY(kind) {
        (void)hash(&rtmap_type_any, &ae, 1);
    }
    assert_int_equal(kind, RTMAP_PANIC_UNHASHABLE);
    assert_string_equal(rt_last_panic_msg, "hash of unhashable type eqonly");
}

static void test_any_uncomparable_equal_panics(void **state)
{
    (void)state;
    void *m1 = NULL, *m2 = NULL;
    rtmap_eface a = { &map_type, &m1 }, b = { &map_type, &m2 };
    int kind;
    volatile bool reached = false;
    RT_TRY(kind) {
        (void)eq(&rtmap_type_any, &a, &b);
        reached = true;
    }
    assert_false(reached);
    assert_int_equal(kind, RTMAP_PANIC_UNHASHABLE);
    assert_string_equal(rt_last_panic_msg, "comparing uncomparable type map[string]int");

    /* different dynamic types are simply unequal, as in Go: no panic */
    int64_t i = 0;
    rtmap_eface ai = { &rtmap_type_int64, &i };
    RT_TRY(kind) {
        assert_false(eq(&rtmap_type_any, &a, &ai));
    }
    assert_int_equal(kind, -1);
}

/* A handler that returns: the hasher returns 0, the equal false, and the panic
 * is counted in rtmap_tls_panics (how map operations notice it). */
static int returning_calls;
static char returning_msg[256];

static void returning_handler(void *ctx, rtmap_panic_kind kind, const char *msg)
{
    (void)ctx;
    assert_int_equal(kind, RTMAP_PANIC_UNHASHABLE);
    returning_calls++;
    snprintf(returning_msg, sizeof returning_msg, "%s", msg);
}

static void test_any_panic_with_returning_handler(void **state)
{
    (void)state;
    void *m = NULL;
    rtmap_eface am = { &map_type, &m };
    rtmap_set_panic_handler(returning_handler, NULL);
    returning_calls = 0;

    unsigned before = rtmap_tls_panics;
    assert_int_equal(hash(&rtmap_type_any, &am, 1), 0);
    assert_int_equal(rtmap_tls_panics, before + 1);
    assert_int_equal(returning_calls, 1);
    assert_string_equal(returning_msg, "hash of unhashable type map[string]int");

    assert_false(eq(&rtmap_type_any, &am, &am));
    assert_int_equal(rtmap_tls_panics, before + 2);
    assert_string_equal(returning_msg, "comparing uncomparable type map[string]int");

    /* hashable values raise nothing */
    int64_t v = 3;
    rtmap_eface av = { &rtmap_type_int64, &v };
    (void)hash(&rtmap_type_any, &av, 1);
    assert_true(eq(&rtmap_type_any, &av, &av));
    assert_int_equal(rtmap_tls_panics, before + 2);

    rt_install_panic_catcher();
}

/* ---- arrays and structs through their parts ------------------------------------------ */

static void test_array_through_elements(void **state)
{
    (void)state;
    rtmap_type arr = { .size = 24, .align = 8, .kind = RTMAP_KIND_ARRAY, .elem = &rtmap_type_float64,
                       .len = 3, .equal = rtmap_array_equal, .hasher = rtmap_array_hash,
                       .str = "[3]float64" };
    double a[3] = { 0.0, -0.0, 1 }, b[3] = { -0.0, 0.0, 1 }, c[3] = { 0.0, 1, -0.0 };
    double n[3] = { 1, NAN, 2 };
    assert_true(eq(&arr, a, b));
    assert_int_equal(hash(&arr, a, 2), hash(&arr, b, 2));
    assert_false(eq(&arr, a, c));
    assert_int_not_equal(hash(&arr, a, 2), hash(&arr, c, 2));
    assert_false(eq(&arr, n, n));
    assert_int_not_equal(hash(&arr, n, 2), hash(&arr, n, 2));

    rtmap_type strs = { .size = 2 * sizeof(rtmap_string), .align = _Alignof(rtmap_string),
                        .kind = RTMAP_KIND_ARRAY, .elem = &rtmap_type_string, .len = 2,
                        .equal = rtmap_array_equal, .hasher = rtmap_array_hash, .str = "[2]string" };
    char x1[] = "ab", x2[] = "ab";
    rtmap_string s1[2] = { { x1, 2 }, { x1, 1 } }, s2[2] = { { x2, 2 }, { x2, 1 } };
    rtmap_string s3[2] = { { x1, 1 }, { x1, 2 } };
    assert_true(eq(&strs, s1, s2));
    assert_int_equal(hash(&strs, s1, 2), hash(&strs, s2, 2));
    assert_false(eq(&strs, s1, s3));
    assert_int_not_equal(hash(&strs, s1, 2), hash(&strs, s3, 2));

    rtmap_type empty = { .size = 0, .align = 8, .kind = RTMAP_KIND_ARRAY, .elem = &rtmap_type_float64,
                         .len = 0, .equal = rtmap_array_equal, .hasher = rtmap_array_hash, .str = "[0]float64" };
    assert_true(eq(&empty, a, c));
    assert_int_equal(hash(&empty, a, 2), hash(&empty, c, 2));
}

typedef struct sample_struct {
    int8_t       small;      /* followed by padding */
    int64_t      big;
    int32_t      blank;      /* named "_": ignored */
    rtmap_string name;
    rtmap_eface  any;
} sample_struct;

static const rtmap_struct_field sample_fields[] = {
    { "small", &rtmap_type_int8, offsetof(sample_struct, small) },
    { "big", &rtmap_type_int64, offsetof(sample_struct, big) },
    { "_", &rtmap_type_int32, offsetof(sample_struct, blank) },
    { "name", &rtmap_type_string, offsetof(sample_struct, name) },
    { "any", &rtmap_type_any, offsetof(sample_struct, any) },
};

static const rtmap_type sample_type = {
    .size = sizeof(sample_struct), .align = _Alignof(sample_struct), .kind = RTMAP_KIND_STRUCT,
    .fields = sample_fields, .nfields = 5, .equal = rtmap_struct_equal,
    .hasher = rtmap_struct_hash, .str = "struct { small int8; big int64; _ int32; name string; any any }",
};

static void test_struct_through_fields(void **state)
{
    (void)state;
    sample_struct a, b;
    memset(&a, 0x11, sizeof a);      /* different padding bytes */
    memset(&b, 0x22, sizeof b);
    char t1[] = "name", t2[] = "name";
    int64_t v1 = 5, v2 = 5;
    a.small = b.small = 3;
    a.big = b.big = -7;
    a.blank = 1;
    b.blank = 2;
    a.name = (rtmap_string){ t1, 4 };
    b.name = (rtmap_string){ t2, 4 };
    a.any = (rtmap_eface){ &rtmap_type_int64, &v1 };
    b.any = (rtmap_eface){ &rtmap_type_int64, &v2 };
    assert_true(eq(&sample_type, &a, &b));
    assert_int_equal(hash(&sample_type, &a, 4), hash(&sample_type, &b, 4));
    b.big = 8;
    assert_false(eq(&sample_type, &a, &b));
    assert_int_not_equal(hash(&sample_type, &a, 4), hash(&sample_type, &b, 4));
    b.big = -7;
    b.name.len = 3;
    assert_false(eq(&sample_type, &a, &b));
    assert_int_not_equal(hash(&sample_type, &a, 4), hash(&sample_type, &b, 4));
}

static void test_struct_with_unhashable_any(void **state)
{
    (void)state;
    void *m = NULL;
    sample_struct a;
    memset(&a, 0, sizeof a);
    a.any = (rtmap_eface){ &map_type, &m };
    int kind;
    RT_TRY(kind) {
        (void)hash(&sample_type, &a, 1);
    }
    assert_int_equal(kind, RTMAP_PANIC_UNHASHABLE);
    assert_string_equal(rt_last_panic_msg, "hash of unhashable type map[string]int");

    /* with a returning handler: one panic per call, hash 0, equal false */
    rtmap_type pair = { .size = 2 * sizeof(rtmap_eface), .align = _Alignof(rtmap_eface),
                        .kind = RTMAP_KIND_ARRAY, .elem = &rtmap_type_any, .len = 2,
                        .equal = rtmap_array_equal, .hasher = rtmap_array_hash, .str = "[2]any" };
    rtmap_eface two[2] = { { &map_type, &m }, { &map_type, &m } };
    rtmap_set_panic_handler(returning_handler, NULL);
    returning_calls = 0;
    unsigned before = rtmap_tls_panics;
    assert_int_equal(hash(&pair, two, 1), 0);
    assert_int_equal(rtmap_tls_panics, before + 1);
    assert_int_equal(hash(&sample_type, &a, 1), 0);
    assert_int_equal(rtmap_tls_panics, before + 2);
    assert_false(eq(&pair, two, two));
    assert_int_equal(rtmap_tls_panics, before + 3);
    assert_false(eq(&sample_type, &a, &a));
    assert_int_equal(rtmap_tls_panics, before + 4);
    assert_int_equal(returning_calls, 4);
    rt_install_panic_catcher();
}

int main(void)
{
    rt_install_panic_catcher();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_descriptors),
        cmocka_unit_test(test_type_hashes),
        cmocka_unit_test(test_integer_types),
        cmocka_unit_test(test_memhash_typed_helpers),
        cmocka_unit_test(test_exported_typed_hashers),
        cmocka_unit_test(test_float64_semantics),
        cmocka_unit_test(test_float32_semantics),
        cmocka_unit_test(test_complex_semantics),
        cmocka_unit_test(test_string_semantics),
        cmocka_unit_test(test_any_semantics),
        cmocka_unit_test(test_any_uses_dynamic_type_functions),
        cmocka_unit_test(test_any_unhashable_panics),
        cmocka_unit_test(test_any_uncomparable_equal_panics),
        cmocka_unit_test(test_any_panic_with_returning_handler),
        cmocka_unit_test(test_array_through_elements),
        cmocka_unit_test(test_struct_through_fields),
        cmocka_unit_test(test_struct_with_unhashable_any),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
