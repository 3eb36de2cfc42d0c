/* rtmap_map_of / rtmap_array_of / rtmap_struct_of: caching, errors, names,
 * flags (Go's isReflexive / needKeyUpdate / hashMightPanic), layouts, and the
 * equality and hashing of derived types. Black-box: both builds. */
#include "support.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define WORD sizeof(void *)

static const rtmap_maptype *map_of(const rtmap_type *k, const rtmap_type *e)
{
    return rt_map_of(k, e);
}

static const rtmap_type *array_of(const rtmap_type *e, size_t n)
{
    const rtmap_type *t = NULL;
    assert_int_equal(rtmap_array_of(e, n, &t), RTMAP_OK);
    assert_non_null(t);
    return t;
}

static const rtmap_type *struct_of(const rtmap_field *f, size_t n)
{
    const rtmap_type *t = NULL;
    assert_int_equal(rtmap_struct_of(f, n, &t), RTMAP_OK);
    assert_non_null(t);
    return t;
}

static bool gc_bit(const rtmap_type *t, size_t word)
{
    return t->gcdata && (t->gcdata[word / 8] >> (word % 8)) & 1;
}

/* ---- map_of ------------------------------------------------------------------- */

static void test_map_of_is_cached(void **state)
{
    (void)state;
    const rtmap_maptype *a = map_of(&rtmap_type_int64, &rtmap_type_string);
    const rtmap_maptype *b = map_of(&rtmap_type_int64, &rtmap_type_string);
    const rtmap_maptype *c = map_of(&rtmap_type_string, &rtmap_type_int64);
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, c);
    assert_ptr_equal(a->key, &rtmap_type_int64);
    assert_ptr_equal(a->elem, &rtmap_type_string);
    assert_string_equal(a->type.str, "map[int64]string");
    assert_string_equal(c->type.str, "map[string]int64");
    assert_int_equal(a->type.kind, RTMAP_KIND_MAP);
    assert_int_equal(a->type.size, sizeof(void *));
    assert_int_equal(a->type.align, _Alignof(void *));
    assert_null(a->type.equal);
    assert_int_equal(a->type.ptrbytes, WORD);
    assert_true(gc_bit(&a->type, 0));
    assert_ptr_equal(a->hasher, rtmap_type_int64.hasher);
    assert_int_not_equal(a->type.hash, c->type.hash);
}

static void test_map_of_errors(void **state)
{
    (void)state;
    const rtmap_maptype *mt = (const rtmap_maptype *)1;
    assert_int_equal(rtmap_map_of(NULL, &rtmap_type_int64, &mt), RTMAP_EINVAL);
    assert_null(mt);
    assert_int_equal(rtmap_map_of(&rtmap_type_int64, NULL, &mt), RTMAP_EINVAL);
    assert_int_equal(rtmap_map_of(&rtmap_type_int64, &rtmap_type_int64, NULL), RTMAP_EINVAL);

    rtmap_type bad = rtmap_type_int64;
    bad.align = 0;
    assert_int_equal(rtmap_map_of(&bad, &rtmap_type_int64, &mt), RTMAP_EINVAL);
    assert_int_equal(rtmap_map_of(&rtmap_type_int64, &bad, &mt), RTMAP_EINVAL);
    bad.align = 3;
    bad.size = 6;
    assert_int_equal(rtmap_map_of(&bad, &rtmap_type_int64, &mt), RTMAP_EINVAL);
    bad.align = 4;
    bad.size = 6;                      /* not a multiple of its alignment */
    assert_int_equal(rtmap_map_of(&bad, &rtmap_type_int64, &mt), RTMAP_EINVAL);
    bad = rtmap_type_int64;
    bad.ptrbytes = 16;                 /* pointer prefix past the end */
    assert_int_equal(rtmap_map_of(&bad, &rtmap_type_int64, &mt), RTMAP_EINVAL);

    rtmap_type noeq = rtmap_type_int64;
    noeq.equal = NULL;
    assert_int_equal(rtmap_map_of(&noeq, &rtmap_type_int64, &mt), RTMAP_ENOKEY);
    assert_null(mt);
    rtmap_type nohash = rtmap_type_int64;
    nohash.hasher = NULL;
    assert_int_equal(rtmap_map_of(&nohash, &rtmap_type_int64, &mt), RTMAP_ENOKEY);
    /* a map is not comparable: not a key, but fine as an elem */
    const rtmap_maptype *inner = map_of(&rtmap_type_int64, &rtmap_type_int64);
    assert_int_equal(rtmap_map_of(&inner->type, &rtmap_type_int64, &mt), RTMAP_ENOKEY);
    const rtmap_maptype *outer = map_of(&rtmap_type_string, &inner->type);
    assert_string_equal(outer->type.str, "map[string]map[int64]int64");
    assert_true(outer->elem->ptrbytes == WORD);
}

static const uint32_t ALL_KEY_FLAGS = RTMAP_REFLEXIVE_KEY | RTMAP_NEED_KEY_UPDATE | RTMAP_HASH_MIGHT_PANIC;

static uint32_t key_flags(const rtmap_type *k)
{
    return map_of(k, &rtmap_type_int64)->flags & ALL_KEY_FLAGS;
}

static void test_flags_of_builtins(void **state)
{
    (void)state;
    const rtmap_type *plain[] = {
        &rtmap_type_bool, &rtmap_type_int, &rtmap_type_int8, &rtmap_type_int16,
        &rtmap_type_int32, &rtmap_type_int64, &rtmap_type_uint, &rtmap_type_uint8,
        &rtmap_type_uint16, &rtmap_type_uint32, &rtmap_type_uint64, &rtmap_type_uintptr,
        &rtmap_type_unsafe_pointer,
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        assert_int_equal(key_flags(plain[i]), RTMAP_REFLEXIVE_KEY);
    const rtmap_type *floats[] = { &rtmap_type_float32, &rtmap_type_float64,
                                   &rtmap_type_complex64, &rtmap_type_complex128 };
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(key_flags(floats[i]), RTMAP_NEED_KEY_UPDATE);
    assert_int_equal(key_flags(&rtmap_type_string), RTMAP_REFLEXIVE_KEY | RTMAP_NEED_KEY_UPDATE);
    assert_int_equal(key_flags(&rtmap_type_any), RTMAP_NEED_KEY_UPDATE | RTMAP_HASH_MIGHT_PANIC);
}

static void test_flags_of_composites(void **state)
{
    (void)state;
    assert_int_equal(key_flags(array_of(&rtmap_type_int32, 3)), RTMAP_REFLEXIVE_KEY);
    assert_int_equal(key_flags(array_of(&rtmap_type_float64, 2)), RTMAP_NEED_KEY_UPDATE);
    assert_int_equal(key_flags(array_of(&rtmap_type_string, 2)),
                     RTMAP_REFLEXIVE_KEY | RTMAP_NEED_KEY_UPDATE);
    assert_int_equal(key_flags(array_of(&rtmap_type_any, 1)),
                     RTMAP_NEED_KEY_UPDATE | RTMAP_HASH_MIGHT_PANIC);
    /* as Go: an empty array takes its flags from the element type */
    assert_int_equal(key_flags(array_of(&rtmap_type_float32, 0)), RTMAP_NEED_KEY_UPDATE);

    rtmap_field ints[] = { { "a", &rtmap_type_int64 }, { "b", &rtmap_type_int8 } };
    assert_int_equal(key_flags(struct_of(ints, 2)), RTMAP_REFLEXIVE_KEY);
    rtmap_field withf[] = { { "a", &rtmap_type_int64 }, { "f", &rtmap_type_float32 } };
    assert_int_equal(key_flags(struct_of(withf, 2)), RTMAP_NEED_KEY_UPDATE);
    rtmap_field withs[] = { { "s", &rtmap_type_string }, { "n", &rtmap_type_int } };
    assert_int_equal(key_flags(struct_of(withs, 2)), RTMAP_REFLEXIVE_KEY | RTMAP_NEED_KEY_UPDATE);
    /* nested: struct { x [2]struct{ v any } } */
    rtmap_field inner[] = { { "v", &rtmap_type_any } };
    rtmap_field outer[] = { { "x", array_of(struct_of(inner, 1), 2) } };
    assert_int_equal(key_flags(struct_of(outer, 1)), RTMAP_NEED_KEY_UPDATE | RTMAP_HASH_MIGHT_PANIC);
    assert_int_equal(key_flags(struct_of(NULL, 0)), RTMAP_REFLEXIVE_KEY);

    /* kinds the library cannot see into answer from tflag */
    rtmap_type opaque = rtmap_type_int64;
    opaque.kind = RTMAP_KIND_INVALID;
    opaque.tflag = 0;
    assert_int_equal(key_flags(&opaque), RTMAP_REFLEXIVE_KEY);
    rtmap_type opaque2 = opaque;
    opaque2.tflag = RTMAP_TFLAG_NOT_REFLEXIVE | RTMAP_TFLAG_NEED_KEY_UPDATE | RTMAP_TFLAG_HASH_MIGHT_PANIC;
    assert_int_equal(key_flags(&opaque2), RTMAP_NEED_KEY_UPDATE | RTMAP_HASH_MIGHT_PANIC);
    rtmap_type opaque3 = opaque;
    opaque3.kind = RTMAP_KIND_SLICE;
    opaque3.tflag = RTMAP_TFLAG_NEED_KEY_UPDATE;
    assert_int_equal(key_flags(&opaque3), RTMAP_REFLEXIVE_KEY | RTMAP_NEED_KEY_UPDATE);
    /* a struct of a hand-made opaque type takes that type's tflag */
    rtmap_field of_opaque[] = { { "o", &opaque2 } };
    assert_int_equal(key_flags(struct_of(of_opaque, 1)), RTMAP_NEED_KEY_UPDATE | RTMAP_HASH_MIGHT_PANIC);
}

static void test_indirect_threshold(void **state)
{
    (void)state;
    const rtmap_type *k128 = array_of(&rtmap_type_uint8, 128);
    const rtmap_type *k129 = array_of(&rtmap_type_uint8, 129);
    const rtmap_maptype *m = map_of(k128, k128);
    assert_int_equal(m->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM), 0);
    assert_int_equal(m->keysize, 128);
    assert_int_equal(m->valuesize, 128);
    m = map_of(k129, k128);
    assert_int_equal(m->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM), RTMAP_INDIRECT_KEY);
    assert_int_equal(m->keysize, WORD);
    assert_int_equal(m->valuesize, 128);
    m = map_of(k128, k129);
    assert_int_equal(m->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM), RTMAP_INDIRECT_ELEM);
    assert_int_equal(m->keysize, 128);
    assert_int_equal(m->valuesize, WORD);
    m = map_of(k129, k129);
    assert_int_equal(m->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM),
                     RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM);
    /* an indirect slot holds a pointer: the bucket must show it to a GC */
    assert_non_null(m->bucket->gcdata);
    assert_true(m->bucket->ptrbytes > 0);
}

/* Whether any pointer bit is set in the bucket at the bytes [from, to). */
static bool bucket_has_pointer_in(const rtmap_type *b, size_t from, size_t to)
{
    for (size_t off = from; off < to && off < b->ptrbytes; off += WORD)
        if (gc_bit(b, off / WORD))
            return true;
    return false;
}

static void check_layout(const rtmap_maptype *m)
{
    assert_non_null(m->bucket);
    assert_int_equal(m->bucketsize, m->bucket->size);
    assert_true(m->bucket->size >= 8 + RTMAP_BUCKET_COUNT * ((size_t)m->keysize + m->valuesize));
    assert_true(m->bucket->align >= m->key->align || (m->flags & RTMAP_INDIRECT_KEY));
    assert_int_equal(m->bucket->size % m->bucket->align, 0);
    assert_true(m->bucket->ptrbytes <= m->bucket->size);
    bool ptrs = m->key->ptrbytes || m->elem->ptrbytes ||
                (m->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM));
    if (ptrs) {
        assert_non_null(m->bucket->gcdata);
        assert_true(m->bucket->ptrbytes > 0);
        assert_true(bucket_has_pointer_in(m->bucket, 0, m->bucket->size));
    }
    if (m->slotsize) {   /* swiss: slots of key then elem */
        assert_true(m->elemoff >= m->keysize);
        assert_true(m->slotsize >= m->elemoff + m->valuesize);
    }
}

static void test_layout_consistent(void **state)
{
    (void)state;
    const rtmap_type *types[] = {
        &rtmap_type_int8, &rtmap_type_int64, &rtmap_type_string, &rtmap_type_any,
        &rtmap_type_float64, &rtmap_type_complex128, &rtmap_type_unsafe_pointer,
        array_of(&rtmap_type_uint8, 3), array_of(&rtmap_type_string, 9),
        array_of(&rtmap_type_uint8, 0),
    };
    size_t n = sizeof types / sizeof types[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            check_layout(map_of(types[i], types[j]));
}

static bool bytes_equal(const rtmap_type *t, const void *a, const void *b)
{
    return memcmp(a, b, t->size) == 0;
}

static uint64_t bytes_hash(const rtmap_type *t, const void *k, uint64_t seed)
{
    return rtmap_memhash(k, seed, t->size);
}

/* A key type that says it holds pointers but gives no bitmap is scanned
   conservatively in the bucket/group bitmap too (both builds put the first key
   slot at byte 8), as the arrays and structs made of it are. */
static void test_layout_without_bitmap_is_conservative(void **state)
{
    (void)state;
    static const rtmap_type opaque = {
        .size = 16, .ptrbytes = 16, .align = 8, .kind = RTMAP_KIND_STRUCT,
        .equal = bytes_equal, .hasher = bytes_hash, .str = "opaque",
    };
    const rtmap_maptype *mt = map_of(&opaque, &rtmap_type_uint64);
    assert_true(gc_bit(mt->bucket, 1));
    assert_true(gc_bit(mt->bucket, 2));
    assert_true(mt->bucket->ptrbytes >= 24);
    const rtmap_type *arr = array_of(&opaque, 2);
    for (size_t w = 0; w < 4; w++)
        assert_true(gc_bit(arr, w));
}

static void test_map_of_alignment_too_big_rejected(void **state)
{
    (void)state;
    rtmap_type wide = { .size = 16, .align = 16, .kind = RTMAP_KIND_INVALID,
                        .equal = rtmap_type_int64.equal, .hasher = rtmap_type_int64.hasher,
                        .str = "wide16" };
    const rtmap_maptype *mt = (const rtmap_maptype *)1;
    assert_int_equal(rtmap_map_of(&wide, &rtmap_type_int64, &mt), RTMAP_EINVAL);
    assert_null(mt);
}

/* ---- array_of --------------------------------------------------------------------- */

static void test_array_of_basics(void **state)
{
    (void)state;
    const rtmap_type *a = array_of(&rtmap_type_int32, 5);
    assert_ptr_equal(a, array_of(&rtmap_type_int32, 5));
    assert_ptr_not_equal(a, array_of(&rtmap_type_int32, 6));
    assert_int_equal(a->kind, RTMAP_KIND_ARRAY);
    assert_int_equal(a->size, 20);
    assert_int_equal(a->align, 4);
    assert_int_equal(a->len, 5);
    assert_ptr_equal(a->elem, &rtmap_type_int32);
    assert_string_equal(a->str, "[5]int32");
    assert_int_equal(a->ptrbytes, 0);
    assert_non_null(a->equal);
    assert_non_null(a->hasher);
    assert_int_not_equal(a->hash, array_of(&rtmap_type_int32, 6)->hash);

    const rtmap_type *s = array_of(&rtmap_type_string, 3);
    assert_string_equal(s->str, "[3]string");
    assert_int_equal(s->size, 3 * sizeof(rtmap_string));
    assert_int_equal(s->ptrbytes, 2 * sizeof(rtmap_string) + WORD);
    for (size_t w = 0; w < 6; w++)
        assert_int_equal(gc_bit(s, w), w % 2 == 0);

    const rtmap_type *e = array_of(&rtmap_type_float64, 0);
    assert_int_equal(e->size, 0);
    assert_non_null(e->equal);
    assert_string_equal(array_of(s, 2)->str, "[2][3]string");

    const rtmap_type *out = (const rtmap_type *)1;
    assert_int_equal(rtmap_array_of(NULL, 1, &out), RTMAP_EINVAL);
    assert_null(out);
    assert_int_equal(rtmap_array_of(&rtmap_type_int64, 1, NULL), RTMAP_EINVAL);
    assert_int_equal(rtmap_array_of(&rtmap_type_int64, SIZE_MAX / 4, &out), RTMAP_EINVAL);
    /* not comparable elem: array not comparable either */
    const rtmap_maptype *mt = map_of(&rtmap_type_int64, &rtmap_type_int64);
    const rtmap_type *am = array_of(&mt->type, 2);
    assert_null(am->equal);
    assert_null(am->hasher);
    assert_int_equal(rtmap_map_of(am, &rtmap_type_int64, &mt), RTMAP_ENOKEY);
}

static void test_array_equal_hash(void **state)
{
    (void)state;
    const rtmap_type *a = array_of(&rtmap_type_int64, 3);
    int64_t x[3] = { 1, 2, 3 }, y[3] = { 1, 2, 3 }, z[3] = { 1, 2, 4 };
    assert_true(a->equal(a, x, y));
    assert_false(a->equal(a, x, z));
    assert_int_equal(a->hasher(a, x, 7), a->hasher(a, y, 7));
    assert_int_not_equal(a->hasher(a, x, 7), a->hasher(a, z, 7));

    const rtmap_type *f = array_of(&rtmap_type_float64, 2);
    double p[2] = { 0.0, 1.5 }, m[2] = { -0.0, 1.5 }, n[2] = { NAN, 1.5 };
    assert_true(f->equal(f, p, m));
    assert_int_equal(f->hasher(f, p, 9), f->hasher(f, m, 9));
    assert_false(f->equal(f, n, n));

    const rtmap_type *s = array_of(&rtmap_type_string, 2);
    char b1[] = "hello", b2[] = "hello";
    rtmap_string s1[2] = { { b1, 5 }, { NULL, 0 } }, s2[2] = { { b2, 5 }, { "", 0 } };
    assert_true(s->equal(s, s1, s2));
    assert_int_equal(s->hasher(s, s1, 3), s->hasher(s, s2, 3));
}

/* ---- struct_of ---------------------------------------------------------------------- */

static void test_struct_of_layout(void **state)
{
    (void)state;
    rtmap_field f[] = { { "a", &rtmap_type_int8 }, { "b", &rtmap_type_int64 },
                        { "c", &rtmap_type_int16 } };
    const rtmap_type *t = struct_of(f, 3);
    assert_ptr_equal(t, struct_of(f, 3));
    rtmap_field copy[] = { { "a", &rtmap_type_int8 }, { "b", &rtmap_type_int64 },
                           { "c", &rtmap_type_int16 } };
    assert_ptr_equal(t, struct_of(copy, 3));            /* by content */
    rtmap_field renamed[] = { { "a", &rtmap_type_int8 }, { "b", &rtmap_type_int64 },
                              { "d", &rtmap_type_int16 } };
    assert_ptr_not_equal(t, struct_of(renamed, 3));
    assert_int_equal(t->kind, RTMAP_KIND_STRUCT);
    assert_int_equal(t->nfields, 3);
    assert_int_equal(t->fields[0].offset, 0);
    assert_int_equal(t->fields[1].offset, 8);
    assert_int_equal(t->fields[2].offset, 16);
    assert_int_equal(t->size, 24);
    assert_int_equal(t->align, 8);
    assert_string_equal(t->str, "struct { a int8; b int64; c int16 }");
    assert_string_equal(t->fields[2].name, "c");

    rtmap_field s[] = { { "s", &rtmap_type_string }, { "n", &rtmap_type_int32 } };
    const rtmap_type *st = struct_of(s, 2);
    assert_int_equal(st->size, sizeof(rtmap_string) + 8);
    assert_int_equal(st->ptrbytes, WORD);
    assert_true(gc_bit(st, 0));
    assert_false(gc_bit(st, 1));

    const rtmap_type *empty = struct_of(NULL, 0);
    assert_int_equal(empty->size, 0);
    assert_int_equal(empty->align, 1);
    assert_non_null(empty->equal);
    assert_non_null(empty->hasher);
    assert_string_equal(empty->str, "struct {}");
    assert_true(empty->equal(empty, "", ""));

    /* Go pads a trailing zero-size field of a non-empty struct */
    rtmap_field tz[] = { { "x", &rtmap_type_int32 }, { "z", empty } };
    const rtmap_type *tzt = struct_of(tz, 2);
    assert_int_equal(tzt->fields[1].offset, 4);
    assert_int_equal(tzt->size, 8);
    rtmap_field tz8[] = { { "x", &rtmap_type_int64 }, { "z", array_of(&rtmap_type_int64, 0) } };
    assert_int_equal(struct_of(tz8, 2)->size, 16);
    rtmap_field only_zero[] = { { "z", empty } };
    assert_int_equal(struct_of(only_zero, 1)->size, 0);
    rtmap_field lead_zero[] = { { "z", empty }, { "x", &rtmap_type_int32 } };
    assert_int_equal(struct_of(lead_zero, 2)->size, 4);

    const rtmap_type *out = (const rtmap_type *)1;
    rtmap_field nulltype[] = { { "a", &rtmap_type_int8 }, { "b", NULL } };
    assert_int_equal(rtmap_struct_of(nulltype, 2, &out), RTMAP_EINVAL);
    assert_null(out);
    assert_int_equal(rtmap_struct_of(NULL, 2, &out), RTMAP_EINVAL);
    assert_int_equal(rtmap_struct_of(f, 3, NULL), RTMAP_EINVAL);
}

typedef struct padded { int8_t a; int64_t b; int16_t c; } padded;

static void test_struct_padding_ignored(void **state)
{
    (void)state;
    rtmap_field f[] = { { "a", &rtmap_type_int8 }, { "b", &rtmap_type_int64 },
                        { "c", &rtmap_type_int16 } };
    const rtmap_type *t = struct_of(f, 3);
    assert_int_equal(t->size, sizeof(padded));
    padded x, y;
    memset(&x, 0xAA, sizeof x);
    memset(&y, 0x55, sizeof y);
    x.a = y.a = 7;
    x.b = y.b = -12345;
    x.c = y.c = 99;
    assert_true(t->equal(t, &x, &y));
    assert_int_equal(t->hasher(t, &x, 11), t->hasher(t, &y, 11));
    y.c = 98;
    assert_false(t->equal(t, &x, &y));

    /* a map keyed by it finds the key whatever the padding holds */
    const rtmap_maptype *mt = map_of(t, &rtmap_type_int64);
    rtmap_hmap *h = rtmap_makemap(mt, 0);
    y.c = 99;
    *(int64_t *)rtmap_mapassign(mt, h, &x) = 42;
    bool ok = false;
    int64_t *v = rtmap_mapaccess2(mt, h, &y, &ok);
    assert_true(ok);
    assert_int_equal(*v, 42);
    rtmap_mapfree(mt, h);
}

static void test_struct_equal_hash_by_field(void **state)
{
    (void)state;
    rtmap_field f[] = { { "f", &rtmap_type_float64 }, { "s", &rtmap_type_string } };
    const rtmap_type *t = struct_of(f, 2);
    struct { double f; rtmap_string s; } a = { 0.0, { "ab", 2 } }, b = { -0.0, { "abc", 2 } };
    assert_true(t->equal(t, &a, &b));
    assert_int_equal(t->hasher(t, &a, 5), t->hasher(t, &b, 5));
    b.s.len = 3;
    assert_false(t->equal(t, &a, &b));
    a.f = NAN;
    assert_false(t->equal(t, &a, &a));

    /* blank fields take part in neither */
    rtmap_field blank[] = { { "x", &rtmap_type_int32 }, { "_", &rtmap_type_int32 } };
    const rtmap_type *bt = struct_of(blank, 2);
    int32_t p[2] = { 1, 2 }, q[2] = { 1, 3 };
    assert_true(bt->equal(bt, p, q));
    assert_int_equal(bt->hasher(bt, p, 1), bt->hasher(bt, q, 1));

    /* a plain struct without padding: every byte counts */
    rtmap_field plain[] = { { "x", &rtmap_type_int32 }, { "y", &rtmap_type_int32 } };
    const rtmap_type *pt = struct_of(plain, 2);
    assert_false(pt->equal(pt, p, q));
    assert_int_not_equal(pt->hasher(pt, p, 1), pt->hasher(pt, q, 1));

    /* a struct with a non-comparable field is not comparable */
    const rtmap_maptype *mt = map_of(&rtmap_type_int64, &rtmap_type_int64);
    rtmap_field withmap[] = { { "m", &mt->type } };
    const rtmap_type *wm = struct_of(withmap, 1);
    assert_null(wm->equal);
    assert_null(wm->hasher);
}

static void test_struct_of_names_and_hash(void **state)
{
    (void)state;
    rtmap_field f[] = { { "a", &rtmap_type_int64 }, { "b", &rtmap_type_string } };
    const rtmap_type *t = struct_of(f, 2);
    assert_string_equal(t->str, "struct { a int64; b string }");
    rtmap_field g[] = { { "a", &rtmap_type_int64 }, { "b", &rtmap_type_int64 } };
    const rtmap_type *u = struct_of(g, 2);
    assert_int_not_equal(t->hash, u->hash);
    const rtmap_maptype *mt = map_of(t, u);
    assert_string_equal(mt->type.str,
                        "map[struct { a int64; b string }]struct { a int64; b int64 }");
}

/* ---- threads ------------------------------------------------------------------------- */

#define THREAD_CALLS 20000

static void *hammer(void *arg)
{
    const rtmap_maptype **seen = arg;
    const rtmap_type *elems[] = { &rtmap_type_int8, &rtmap_type_int16, &rtmap_type_int32,
                                  &rtmap_type_string };
    for (int i = 0; i < THREAD_CALLS; i++) {
        const rtmap_maptype *mt = NULL;
        if (rtmap_map_of(&rtmap_type_uint64, elems[i % 4], &mt) != RTMAP_OK)
            return NULL;
        if (seen[i % 4] && seen[i % 4] != mt)
            return NULL;
        seen[i % 4] = mt;
        const rtmap_type *at = NULL;
        if (rtmap_array_of(&rtmap_type_uint16, (size_t)(i % 64) + 1000, &at) != RTMAP_OK ||
            at->len != (size_t)(i % 64) + 1000)
            return NULL;
    }
    return arg;
}

static void test_cache_threads_agree(void **state)
{
    (void)state;
    const rtmap_maptype *seen_a[4] = { 0 }, *seen_b[4] = { 0 };
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, hammer, seen_a), 0);
    assert_int_equal(pthread_create(&b, NULL, hammer, seen_b), 0);
    void *ra, *rb;
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    assert_non_null(ra);
    assert_non_null(rb);
    for (int i = 0; i < 4; i++)
        assert_ptr_equal(seen_a[i], seen_b[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_of_is_cached),
        cmocka_unit_test(test_map_of_errors),
        cmocka_unit_test(test_flags_of_builtins),
        cmocka_unit_test(test_flags_of_composites),
        cmocka_unit_test(test_indirect_threshold),
        cmocka_unit_test(test_layout_consistent),
        cmocka_unit_test(test_layout_without_bitmap_is_conservative),
        cmocka_unit_test(test_map_of_alignment_too_big_rejected),
        cmocka_unit_test(test_array_of_basics),
        cmocka_unit_test(test_array_equal_hash),
        cmocka_unit_test(test_struct_of_layout),
        cmocka_unit_test(test_struct_padding_ignored),
        cmocka_unit_test(test_struct_equal_hash_by_field),
        cmocka_unit_test(test_struct_of_names_and_hash),
        cmocka_unit_test(test_cache_threads_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
