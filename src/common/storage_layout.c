/* What the two builds' layouts share: the key and elem as a slot stores them,
 * with the limits both enforce, and the type descriptor of a bucket or group,
 * whose pointer bitmap each build marks for its own arrangement of slots. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

#define WORD sizeof(void *)

static size_t stored_align(const rtmap_type *t, bool indirect)
{
    return indirect ? _Alignof(void *) : (t->align ? t->align : 1);
}

/* Slots start 8 bytes into a bucket or group (after the tophash or control
   word): an alignment beyond 8 would need padding the ABI has no field for (Go
   rejects it as well). */
static bool storable_align(size_t align)
{
    return align <= 8 && (align & (align - 1)) == 0;
}

rtmap_err rtmap_stored_kv_of(const rtmap_maptype *mt, rtmap_stored_kv *kv)
{
    if (!mt || !mt->key || !mt->elem)
        return RTMAP_EINVAL;
    kv->ikey = (mt->flags & RTMAP_INDIRECT_KEY) != 0;
    kv->ielem = (mt->flags & RTMAP_INDIRECT_ELEM) != 0;
    kv->ksize = kv->ikey ? WORD : mt->key->size;
    kv->esize = kv->ielem ? WORD : mt->elem->size;
    kv->kalign = stored_align(mt->key, kv->ikey);
    kv->ealign = stored_align(mt->elem, kv->ielem);
    if (kv->ksize > RTMAP_MAX_KEY_BYTES || kv->esize > RTMAP_MAX_ELEM_BYTES)
        return RTMAP_EINVAL;
    if (!storable_align(kv->kalign) || !storable_align(kv->ealign))
        return RTMAP_EINVAL;
    return RTMAP_OK;
}

rtmap_type *rtmap_storage_type_new(const rtmap_maptype *mt, const char *prefix, size_t size,
                                   uint8_t **bits)
{
    size_t words = size / WORD;
    const char *ks = mt->key->str ? mt->key->str : "?";
    const char *es = mt->elem->str ? mt->elem->str : "?";
    size_t len = strlen(prefix) + strlen(ks) + strlen(es) + 3;
    uint8_t *b = calloc((words + 7) / 8 + 1, 1);
    char *str = malloc(len);
    rtmap_type *st = calloc(1, sizeof *st);
    if (!b || !str || !st) {
        free(b);
        free(str);
        free(st);
        return NULL;
    }
    snprintf(str, len, "%s[%s]%s", prefix, ks, es);
    st->size = size;
    st->align = 8;
    st->kind = RTMAP_KIND_STRUCT;
    st->gcdata = b;
    st->str = str;
    *bits = b;
    return st;
}

void rtmap_storage_type_install(rtmap_maptype *mt, rtmap_type *st, const rtmap_stored_kv *kv,
                                size_t slotsize, size_t elemoff)
{
    st->ptrbytes = rtmap_gc_ptrbytes(st->gcdata, st->size / WORD);
    mt->bucket = st;
    mt->bucketsize = (uint16_t)st->size;
    mt->keysize = (uint8_t)kv->ksize;
    mt->valuesize = (uint8_t)kv->esize;
    mt->slotsize = (uint16_t)slotsize;
    mt->elemoff = (uint16_t)elemoff;
}
