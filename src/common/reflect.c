/* The seed's reflect_* entry points: what Go's reflect package calls in the
 * runtime. They have Go semantics (errors panic through the panic hook); the
 * checked API (checked.c) is the error-code variant. */
#include "internal.h"

#include <string.h>

/* Bytes before the first key slot of a bucket (classic: the tophash array) or of
 * a group (swiss: the control word); Go's dataOffset. */
#define BUCKET_DATA_OFFSET 8

static bool slot_size_wrong(const rtmap_type *vt, bool indirect, uint8_t slot_size, size_t max_direct)
{
    if (vt->size > max_direct)
        return !indirect || slot_size != sizeof(void *);
    return indirect || slot_size != vt->size;
}

/* Go's reflect_makemap invariants, in Go's order. A C descriptor can also be
 * missing its parts or have a zero alignment; those are reported first, as a
 * malformed type, instead of crashing. */
static const char *maptype_invariant_broken(const rtmap_maptype *t)
{
    if (!t || !t->key || !t->elem || !t->bucket)
        return "runtime.reflect_makemap: malformed map type";
    const rtmap_type *k = t->key, *e = t->elem;
    if (!k->equal || !t->hasher)
        return "runtime.reflect_makemap: unsupported map key type";
    if (slot_size_wrong(k, t->flags & RTMAP_INDIRECT_KEY, t->keysize, RTMAP_MAX_KEY_BYTES))
        return "key size wrong";
    if (slot_size_wrong(e, t->flags & RTMAP_INDIRECT_ELEM, t->valuesize, RTMAP_MAX_ELEM_BYTES))
        return "elem size wrong";
    if (k->align > RTMAP_BUCKET_COUNT)
        return "key align too big";
    if (e->align > RTMAP_BUCKET_COUNT)
        return "elem align too big";
    if (k->align == 0 || k->size % k->align != 0)
        return "key size not a multiple of key align";
    if (e->align == 0 || e->size % e->align != 0)
        return "elem size not a multiple of elem align";
    /* Go checks a constant here; in C the bucket descriptor is data, so check
       that it can hold RTMAP_BUCKET_COUNT key and elem slots after the header. */
    if (t->bucketsize != t->bucket->size ||
        t->bucketsize < BUCKET_DATA_OFFSET + RTMAP_BUCKET_COUNT * ((size_t)t->keysize + t->valuesize))
        return "bucketsize too small for proper alignment";
    if (BUCKET_DATA_OFFSET % k->align != 0)
        return "need padding in bucket (key)";
    if (BUCKET_DATA_OFFSET % e->align != 0)
        return "need padding in bucket (elem)";
    return NULL;
}

rtmap_hmap *rtmap_reflect_makemap(const rtmap_maptype *t, intptr_t cap)
{
    const char *broken = maptype_invariant_broken(t);
    if (broken) {
        rtmap_panic(RTMAP_PANIC_BAD_TYPE, broken);
        return NULL;
    }
    return rtmap_makemap(t, cap);
}

void *rtmap_reflect_mapaccess(const rtmap_maptype *t, rtmap_hmap *h, const void *key)
{
    bool ok;
    void *elem = rtmap_mapaccess2(t, h, key, &ok);
    return ok ? elem : NULL;   /* reflect wants NULL for a missing element */
}

/* The runtime's string fast paths take elems of at most 128 bytes; as Go's
   reflect does, a map of bigger (indirect) elems goes through the generic path. */
static bool faststr_usable(const rtmap_maptype *t)
{
    return !(t->flags & RTMAP_INDIRECT_ELEM);
}

void *rtmap_reflect_mapaccess_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key)
{
    if (!faststr_usable(t))
        return rtmap_reflect_mapaccess(t, h, &key);
    bool ok;
    void *elem = rtmap_mapaccess2_faststr(t, h, key, &ok);
    return ok ? elem : NULL;
}

/* mapassign returns NULL after a panic whose handler returned: nothing to copy. */
void rtmap_reflect_mapassign(const rtmap_maptype *t, rtmap_hmap *h, const void *key, const void *elem)
{
    void *slot = rtmap_mapassign(t, h, key);
    if (slot && elem)
        memmove(slot, elem, t->elem->size);
}

void rtmap_reflect_mapassign_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key,
                                     const void *elem)
{
    if (!faststr_usable(t)) {
        rtmap_reflect_mapassign(t, h, &key, elem);
        return;
    }
    void *slot = rtmap_mapassign_faststr(t, h, key);
    if (slot && elem)
        memmove(slot, elem, t->elem->size);
}

void rtmap_reflect_mapdelete(const rtmap_maptype *t, rtmap_hmap *h, const void *key)
{
    rtmap_mapdelete(t, h, key);
}

void rtmap_reflect_mapdelete_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key)
{
    if (!faststr_usable(t)) {
        rtmap_mapdelete(t, h, &key);
        return;
    }
    rtmap_mapdelete_faststr(t, h, key);
}

void rtmap_reflect_mapiterinit(const rtmap_maptype *t, rtmap_hmap *h, rtmap_hiter *it)
{
    rtmap_mapiterinit(t, h, it);
}

void rtmap_reflect_mapiternext(rtmap_hiter *it)
{
    rtmap_mapiternext(it);
}

void *rtmap_reflect_mapiterkey(rtmap_hiter *it)
{
    return it->key;
}

void *rtmap_reflect_mapiterelem(rtmap_hiter *it)
{
    return it->elem;
}

intptr_t rtmap_reflect_maplen(const rtmap_hmap *h)
{
    return h ? rtmap_maplen(h) : 0;
}

void rtmap_reflect_mapclear(const rtmap_maptype *t, rtmap_hmap *h)
{
    rtmap_mapclear(t, h);
}

intptr_t rtmap_reflectlite_maplen(const rtmap_hmap *h)
{
    return h ? rtmap_maplen(h) : 0;
}
