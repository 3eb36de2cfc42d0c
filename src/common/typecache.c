/* reflect.MapOf, ArrayOf and StructOf: type descriptors made at run time, cached
 * so that the same parts always give the same descriptor (pointer identity is
 * type identity for `any` keys and for the cache itself).
 *
 * Descriptors come from the C heap, not the allocator hook, and are never freed:
 * maps, iterators and `any` values may refer to them at any time.
 *
 * The cache is read without a lock (an entry is published once, fully built,
 * with a release store and never changes or goes away) and written under one
 * mutex, which also makes sure two threads asking for the same new type get the
 * same descriptor. */
#define _GNU_SOURCE
#include "typecache.h"
#include "types.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORD sizeof(void *)

/* ---- descriptor checks ------------------------------------------------------ */

bool rtmap_type_well_formed(const rtmap_type *t)
{
    if (!t || t->align == 0 || (t->align & (t->align - 1)) != 0)
        return false;
    if (t->size % t->align != 0 || t->ptrbytes > t->size)
        return false;
    if (t->kind == RTMAP_KIND_STRUCT && t->nfields && !t->fields)
        return false;
    return true;
}

/* ---- type hashes (Go's fnv1 over the parts' hashes) ----------------------------- */

static uint32_t fnv1(uint32_t x, const void *bytes, size_t n)
{
    const uint8_t *b = bytes;
    for (size_t i = 0; i < n; i++)
        x = x * UINT32_C(16777619) ^ b[i];
    return x;
}

static uint32_t fnv1_u32(uint32_t x, uint32_t v)
{
    uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    return fnv1(x, be, sizeof be);
}

static uint32_t fnv1_size(uint32_t x, size_t v)
{
    for (int shift = 56; shift >= 0; shift -= 8) {
        uint8_t b = (uint8_t)((uint64_t)v >> shift);
        x = fnv1(x, &b, 1);
    }
    return x;
}

/* ---- pointer bitmaps ------------------------------------------------------------ */

static uint8_t *new_bitmap(size_t ptrbytes)
{
    size_t words = (ptrbytes + WORD - 1) / WORD;
    return calloc((words + 7) / 8 + 1, 1);
}

void rtmap_gc_mark_word(uint8_t *bits, size_t byte_offset)
{
    size_t word = byte_offset / WORD;
    bits[word / 8] |= (uint8_t)(1u << (word % 8));
}

void rtmap_gc_mark_value(uint8_t *bits, size_t at, const rtmap_type *t, bool indirect)
{
    if (indirect) {
        rtmap_gc_mark_word(bits, at);
        return;
    }
    size_t words = (t->ptrbytes + WORD - 1) / WORD;
    for (size_t w = 0; w < words; w++)
        if (!t->gcdata || (t->gcdata[w / 8] & (1u << (w % 8))))
            rtmap_gc_mark_word(bits, at + w * WORD);
}

size_t rtmap_gc_ptrbytes(const uint8_t *bits, size_t words)
{
    for (size_t w = words; w > 0; w--)
        if (bits[(w - 1) / 8] & (1u << ((w - 1) % 8)))
            return w * WORD;
    return 0;
}

/* ---- the cache ------------------------------------------------------------------ */

enum entry_kind { ENTRY_MAP, ENTRY_ARRAY, ENTRY_STRUCT };

typedef struct cache_entry {
    struct cache_entry *_Atomic next;
    uint64_t                    key_hash;
    enum entry_kind             kind;
    const rtmap_type           *type;   /* for ENTRY_MAP, the maptype's .type */
} cache_entry;

#define CACHE_BUCKETS 4096
static cache_entry *_Atomic cache[CACHE_BUCKETS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    return h ^ (h >> 31);
}

static uint64_t string_key_hash(const char *s)
{
    return s ? rtmap_type_name_hash(s) : 0x5f;
}

static bool same_name(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

typedef struct lookup_key {
    enum entry_kind     kind;
    const rtmap_type   *a;        /* map key / array elem */
    const rtmap_type   *b;        /* map elem */
    size_t              len;      /* array length / field count */
    const rtmap_field  *fields;
    uint64_t            hash;
} lookup_key;

static bool entry_matches(const cache_entry *e, const lookup_key *k)
{
    if (e->kind != k->kind || e->key_hash != k->hash)
        return false;
    const rtmap_type *t = e->type;
    switch (k->kind) {
    case ENTRY_MAP: {
        const rtmap_maptype *mt = (const rtmap_maptype *)t;
        return mt->key == k->a && mt->elem == k->b;
    }
    case ENTRY_ARRAY:
        return t->elem == k->a && t->len == k->len;
    case ENTRY_STRUCT:
        if (t->nfields != k->len)
            return false;
        for (size_t i = 0; i < k->len; i++)
            if (t->fields[i].type != k->fields[i].type ||
                !same_name(t->fields[i].name, k->fields[i].name))
                return false;
        return true;
    }
    return false;
}

static const rtmap_type *cache_find(const lookup_key *k)
{
    cache_entry *e = atomic_load_explicit(&cache[k->hash % CACHE_BUCKETS], memory_order_acquire);
    for (; e; e = atomic_load_explicit(&e->next, memory_order_acquire))
        if (entry_matches(e, k))
            return e->type;
    return NULL;
}

/* Called with cache_lock held; `e` is fully built. */
static void cache_publish(cache_entry *e)
{
    cache_entry *_Atomic *head = &cache[e->key_hash % CACHE_BUCKETS];
    atomic_store_explicit(&e->next, atomic_load_explicit(head, memory_order_relaxed),
                          memory_order_relaxed);
    atomic_store_explicit(head, e, memory_order_release);
}

typedef rtmap_err (*build_fn)(const lookup_key *k, const rtmap_type **out);

/* Finds the type for `k`, building and publishing it on a miss. */
static rtmap_err cache_get(const lookup_key *k, build_fn build, const rtmap_type **out)
{
    const rtmap_type *t = cache_find(k);
    if (t) {
        *out = t;
        return RTMAP_OK;
    }
    cache_entry *e = calloc(1, sizeof *e);
    if (!e)
        return RTMAP_ENOMEM;
    pthread_mutex_lock(&cache_lock);
    t = cache_find(k);      /* another thread may have built it meanwhile */
    rtmap_err err = RTMAP_OK;
    if (!t) {
        err = build(k, &t);
        if (err == RTMAP_OK) {
            e->key_hash = k->hash;
            e->kind = k->kind;
            e->type = t;
            cache_publish(e);
            e = NULL;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    free(e);
    if (err == RTMAP_OK)
        *out = t;
    return err;
}

/* ---- MapOf ------------------------------------------------------------------------ */

static const uint8_t map_gcdata = 1;    /* a map value is one pointer */

static rtmap_err build_map(const lookup_key *k, const rtmap_type **out)
{
    const rtmap_type *key = k->a, *elem = k->b;
    const char *ks = key->str ? key->str : "?", *es = elem->str ? elem->str : "?";
    size_t slen = strlen(ks) + strlen(es) + sizeof "map[]";
    rtmap_maptype *mt = calloc(1, sizeof *mt);
    char *str = malloc(slen);
    if (!mt || !str) {
        free(mt);
        free(str);
        return RTMAP_ENOMEM;
    }
    snprintf(str, slen, "map[%s]%s", ks, es);

    mt->type.size = sizeof(void *);
    mt->type.align = _Alignof(void *);
    mt->type.kind = RTMAP_KIND_MAP;
    mt->type.ptrbytes = sizeof(void *);
    mt->type.gcdata = &map_gcdata;
    mt->type.str = str;
    uint8_t m = 'm';
    mt->type.hash = fnv1_u32(fnv1(elem->hash, &m, 1), key->hash);
    mt->key = key;
    mt->elem = elem;
    mt->hasher = key->hasher;
    if (key->size > RTMAP_MAX_KEY_BYTES)
        mt->flags |= RTMAP_INDIRECT_KEY;
    if (elem->size > RTMAP_MAX_ELEM_BYTES)
        mt->flags |= RTMAP_INDIRECT_ELEM;
    if (rtmap_type_is_reflexive(key))
        mt->flags |= RTMAP_REFLEXIVE_KEY;
    if (rtmap_type_needs_key_update(key))
        mt->flags |= RTMAP_NEED_KEY_UPDATE;
    if (rtmap_type_hash_might_panic(key))
        mt->flags |= RTMAP_HASH_MIGHT_PANIC;

    rtmap_err err = rtmap_impl_layout(mt);
    if (err != RTMAP_OK) {
        free(mt);
        free(str);
        return err;
    }
    *out = &mt->type;
    return RTMAP_OK;
}

rtmap_err rtmap_map_of(const rtmap_type *key, const rtmap_type *elem, const rtmap_maptype **out)
{
    if (!out)
        return RTMAP_EINVAL;
    *out = NULL;
    if (!rtmap_type_well_formed(key) || !rtmap_type_well_formed(elem))
        return RTMAP_EINVAL;
    if (!key->equal || !key->hasher)
        return RTMAP_ENOKEY;
    /* Slots start 8 bytes into a bucket or group: reflect_makemap rejects more. */
    if (key->align > RTMAP_BUCKET_COUNT || elem->align > RTMAP_BUCKET_COUNT)
        return RTMAP_EINVAL;
    lookup_key k = { .kind = ENTRY_MAP, .a = key, .b = elem,
                     .hash = mix(mix(1, (uintptr_t)key), (uintptr_t)elem) };
    const rtmap_type *t;
    rtmap_err err = cache_get(&k, build_map, &t);
    if (err == RTMAP_OK)
        *out = (const rtmap_maptype *)t;
    return err;
}

/* ---- equality and hashing of derived types ------------------------------------------ */

/* The builtin hashers of 1/2/4/8-byte memory equal rtmap_memhash of the bytes,
   so they are the memory hash of a block of that size, only faster. */
static rtmap_hash_fn memhash_for_size(size_t size)
{
    switch (size) {
    case 1: return rtmap_typehash_mem8;
    case 2: return rtmap_typehash_mem16;
    case 4: return rtmap_typehash_mem32;
    case 8: return rtmap_typehash_mem64;
    default: return rtmap_memhash_typed;
    }
}

/* ---- ArrayOf -------------------------------------------------------------------------- */

static rtmap_err build_array(const lookup_key *k, const rtmap_type **out)
{
    const rtmap_type *elem = k->a;
    size_t len = k->len;
    size_t size = elem->size * len;    /* overflow was checked by the caller */

    const char *es = elem->str ? elem->str : "?";
    size_t slen = strlen(es) + 24;
    rtmap_type *t = calloc(1, sizeof *t);
    char *str = malloc(slen);
    uint8_t *bits = NULL;
    size_t ptrbytes = 0;
    if (elem->ptrbytes && len) {
        ptrbytes = (len - 1) * elem->size + elem->ptrbytes;
        bits = new_bitmap(ptrbytes);
    }
    if (!t || !str || (ptrbytes && !bits)) {
        free(t);
        free(str);
        free(bits);
        return RTMAP_ENOMEM;
    }
    for (size_t i = 0; ptrbytes && i < len; i++)
        rtmap_gc_mark_value(bits, i * elem->size, elem, false);
    snprintf(str, slen, "[%zu]%s", len, es);

    t->size = size;
    t->align = elem->align;
    t->kind = RTMAP_KIND_ARRAY;
    t->ptrbytes = ptrbytes;
    t->gcdata = bits;
    t->str = str;
    t->elem = elem;
    t->len = len;
    uint8_t open = '[';
    t->hash = fnv1_size(fnv1(elem->hash, &open, 1), len);
    if (elem->equal) {
        if (len == 0 || rtmap_type_is_mem_comparable(elem)) {
            t->equal = rtmap_memequal_typed;
            t->hasher = elem->hasher ? memhash_for_size(size) : NULL;
        } else {
            t->equal = rtmap_array_equal;
            t->hasher = elem->hasher ? rtmap_array_hash : NULL;
        }
    }
    t->tflag = rtmap_type_derived_tflag(t);
    *out = t;
    return RTMAP_OK;
}

rtmap_err rtmap_array_of(const rtmap_type *elem, size_t len, const rtmap_type **out)
{
    if (!out)
        return RTMAP_EINVAL;
    *out = NULL;
    if (!rtmap_type_well_formed(elem))
        return RTMAP_EINVAL;
    if (elem->size && len > SIZE_MAX / elem->size)
        return RTMAP_EINVAL;
    lookup_key k = { .kind = ENTRY_ARRAY, .a = elem, .len = len,
                     .hash = mix(mix(2, (uintptr_t)elem), len) };
    return cache_get(&k, build_array, out);
}

/* ---- StructOf ---------------------------------------------------------------------------- */

static size_t align_up(size_t n, size_t a)
{
    return (n + a - 1) & ~(a - 1);
}

static bool is_blank(const char *name)
{
    return name && name[0] == '_' && name[1] == 0;
}

/* C layout of the fields: offsets into `offsets`, the struct's size and align.
 * False when the size overflows. */
static bool struct_layout(const rtmap_field *fields, size_t n, size_t *offsets,
                          size_t *size_out, size_t *align_out)
{
    size_t off = 0, align = 1;
    for (size_t i = 0; i < n; i++) {
        const rtmap_type *ft = fields[i].type;
        if (ft->align > align)
            align = ft->align;
        if (off > SIZE_MAX - ft->align)
            return false;
        off = align_up(off, ft->align);
        offsets[i] = off;
        if (ft->size > SIZE_MAX - off)
            return false;
        off += ft->size;
    }
    /* Go pads a non-empty struct ending in a zero-size field by one byte, so
       that the address of that field never points past the struct (issue 9401). */
    if (n && fields[n - 1].type->size == 0 && off > 0)
        off++;
    if (off > SIZE_MAX - align)
        return false;
    *size_out = align_up(off, align);
    *align_out = align;
    return true;
}

static size_t struct_str_len(const rtmap_field *fields, size_t n)
{
    size_t len = sizeof "struct {  }";
    for (size_t i = 0; i < n; i++) {
        len += (fields[i].name ? strlen(fields[i].name) + 1 : 0);
        len += strlen(fields[i].type->str ? fields[i].type->str : "?") + 2;
    }
    return len;
}

static void struct_str(char *s, size_t cap, const rtmap_field *fields, size_t n)
{
    if (n == 0) {
        snprintf(s, cap, "struct {}");
        return;
    }
    size_t at = (size_t)snprintf(s, cap, "struct {");
    for (size_t i = 0; i < n; i++) {
        const char *ts = fields[i].type->str ? fields[i].type->str : "?";
        const char *sep = i ? ";" : "";
        if (fields[i].name)
            at += (size_t)snprintf(s + at, cap - at, "%s %s %s", sep, fields[i].name, ts);
        else
            at += (size_t)snprintf(s + at, cap - at, "%s %s", sep, ts);
    }
    snprintf(s + at, cap - at, " }");
}

static void free_struct_parts(rtmap_struct_field *sf, size_t n)
{
    if (!sf)
        return;
    for (size_t i = 0; i < n; i++)
        free((char *)sf[i].name);
    free(sf);
}

static rtmap_err build_struct(const lookup_key *k, const rtmap_type **out)
{
    const rtmap_field *fields = k->fields;
    size_t n = k->len;
    size_t size, align;
    size_t *offsets = calloc(n ? n : 1, sizeof *offsets);
    if (!offsets)
        return RTMAP_ENOMEM;
    if (!struct_layout(fields, n, offsets, &size, &align)) {
        free(offsets);
        return RTMAP_EINVAL;
    }

    rtmap_type *t = calloc(1, sizeof *t);
    rtmap_struct_field *sf = calloc(n ? n : 1, sizeof *sf);
    size_t slen = struct_str_len(fields, n);
    char *str = malloc(slen);
    bool ok = t && sf && str;
    size_t ptrbytes = 0;
    for (size_t i = 0; ok && i < n; i++) {
        sf[i].type = fields[i].type;
        sf[i].offset = offsets[i];
        if (fields[i].name) {
            sf[i].name = strdup(fields[i].name);
            ok = sf[i].name != NULL;
        }
        if (fields[i].type->ptrbytes)
            ptrbytes = offsets[i] + fields[i].type->ptrbytes;
    }
    uint8_t *bits = NULL;
    if (ok && ptrbytes) {
        bits = new_bitmap(ptrbytes);
        ok = bits != NULL;
    }
    if (!ok) {
        free(offsets);
        free(t);
        free_struct_parts(sf, n);
        free(str);
        free(bits);
        return RTMAP_ENOMEM;
    }
    for (size_t i = 0; ptrbytes && i < n; i++)
        if (fields[i].type->ptrbytes)
            rtmap_gc_mark_value(bits, offsets[i], fields[i].type, false);
    struct_str(str, slen, fields, n);

    bool comparable = true, hashable = true, plain_memory = true;
    size_t end = 0;
    for (size_t i = 0; i < n; i++) {
        const rtmap_type *ft = fields[i].type;
        comparable = comparable && ft->equal;
        hashable = hashable && ft->hasher;
        /* A struct compares as one block of memory only when each field does
           and no byte of it is padding or a blank field that Go ignores. */
        plain_memory = plain_memory && rtmap_type_is_mem_comparable(ft) &&
                       !is_blank(fields[i].name) && offsets[i] == end;
        end = offsets[i] + ft->size;
    }
    plain_memory = plain_memory && end == size;
    free(offsets);

    uint8_t s = 's';
    uint32_t h = fnv1(0, &s, 1);
    for (size_t i = 0; i < n; i++) {
        if (fields[i].name)
            h = fnv1(h, fields[i].name, strlen(fields[i].name));
        h = fnv1_u32(h, fields[i].type->hash);
    }

    t->size = size;
    t->align = (uint8_t)align;
    t->kind = RTMAP_KIND_STRUCT;
    t->ptrbytes = ptrbytes;
    t->gcdata = bits;
    t->str = str;
    t->hash = h;
    t->fields = sf;
    t->nfields = n;
    if (comparable) {
        if (plain_memory) {
            t->equal = rtmap_memequal_typed;
            t->hasher = hashable ? memhash_for_size(size) : NULL;
        } else {
            t->equal = rtmap_struct_equal;
            t->hasher = hashable ? rtmap_struct_hash : NULL;
        }
    }
    t->tflag = rtmap_type_derived_tflag(t);
    *out = t;
    return RTMAP_OK;
}

rtmap_err rtmap_struct_of(const rtmap_field *fields, size_t n, const rtmap_type **out)
{
    if (!out)
        return RTMAP_EINVAL;
    *out = NULL;
    if (n && !fields)
        return RTMAP_EINVAL;
    uint64_t h = mix(3, n);
    for (size_t i = 0; i < n; i++) {
        if (!rtmap_type_well_formed(fields[i].type))
            return RTMAP_EINVAL;
        h = mix(mix(h, (uintptr_t)fields[i].type), string_key_hash(fields[i].name));
    }
    lookup_key k = { .kind = ENTRY_STRUCT, .len = n, .fields = fields, .hash = h };
    return cache_get(&k, build_struct, out);
}
