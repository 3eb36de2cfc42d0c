/* Go's map_faststr: string keys. In a map of one bucket a lookup does not hash:
 * a short key (< 32 bytes) is compared with every stored key of its length; a
 * long one is first filtered on its length, identity and first and last 4 bytes,
 * and hashed only when two stored keys pass that filter. */
#include "fastint.h"

#define SHORT_KEY 32

static inline const rtmap_string *slot_str(const uint8_t *k)
{
    return (const rtmap_string *)(const void *)k;
}

RTMAP_INLINE bool str_eq(const rtmap_maptype *t, const void *key, const uint8_t *slot)
{
    (void)t;
    const rtmap_string *a = key, *b = slot_str(slot);
    return a->len == b->len &&
           (a->ptr == b->ptr || a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

/* The one-bucket search; *need_hash is set when the filter cannot decide. */
static uint8_t *single_bucket_find(const rtmap_maptype *t, uint8_t *b, const rtmap_string *key,
                                   bool *need_hash)
{
    *need_hash = false;
    unsigned maybe = NS_BUCKET_SLOTS;
    for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++) {
        const rtmap_string *k = slot_str(ns_key_at(t, b, i));
        if (k->len != key->len || ns_is_empty(b[i])) {
            if (b[i] == NS_EMPTY_REST)
                break;
            continue;
        }
        if (k->ptr == key->ptr)
            return ns_elem_at(t, b, i);
        if (key->len < SHORT_KEY) {
            if (key->len == 0 || memcmp(k->ptr, key->ptr, key->len) == 0)
                return ns_elem_at(t, b, i);
            continue;
        }
        if (memcmp(k->ptr, key->ptr, 4) != 0 ||
            memcmp(k->ptr + key->len - 4, key->ptr + key->len - 4, 4) != 0)
            continue;
        if (maybe != NS_BUCKET_SLOTS) {
            /* Two candidates: let the hash tell them apart. */
            *need_hash = true;
            return NULL;
        }
        maybe = i;
    }
    if (maybe != NS_BUCKET_SLOTS &&
        memcmp(slot_str(ns_key_at(t, b, maybe))->ptr, key->ptr, key->len) == 0)
        return ns_elem_at(t, b, maybe);
    return NULL;
}

static void *access_str(const rtmap_maptype *t, rtmap_hmap *h, const rtmap_string *key)
{
    if (!h || h->count == 0)
        return NULL;
    ns_check_not_writing(h);
    if (h->B == 0) {
        bool need_hash;
        uint8_t *e = single_bucket_find(t, h->buckets, key, &need_hash);
        if (!need_hash)
            return e;
    }
    uint64_t hash = t->hasher(t->key, key, h->hash0);
    uint8_t top = ns_tophash(hash);
    for (uint8_t *b = ns_read_bucket(t, h, hash); b; b = ns_overflow(t, b))
        for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++)
            if (b[i] == top && str_eq(t, key, ns_key_at(t, b, i)))
                return ns_elem_at(t, b, i);
    return NULL;
}

void *rtmap_mapaccess1_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key)
{
    void *e = access_str(t, h, &key);
    return e ? ns_slot_elem(t, e) : (void *)rtmap_zero_val;
}

void *rtmap_mapaccess2_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key, bool *ok)
{
    void *e = access_str(t, h, &key);
    *ok = e != NULL;
    return e ? ns_slot_elem(t, e) : (void *)rtmap_zero_val;
}

void *rtmap_mapassign_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key)
{
    return ns_fast_assign(t, h, &key, str_eq);
}

void rtmap_mapdelete_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key)
{
    ns_fast_delete(t, h, &key, str_eq);
}
