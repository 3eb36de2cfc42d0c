/* The three walks of a bucket chain (find, assign, delete), written once and
 * instantiated by the generic entry points and the fast paths with their own key
 * comparison, which the compiler inlines. Callers hold the writing flag for
 * assign and delete. */
#ifndef RTMAP_NOSWISS_CHAIN_H
#define RTMAP_NOSWISS_CHAIN_H

#include "noswiss.h"

/* Compares a key with the key stored in a slot (the slot itself, not followed). */
typedef bool (*ns_key_eq_fn)(const rtmap_maptype *t, const void *key, const uint8_t *slot);

RTMAP_INLINE bool ns_generic_key_eq(const rtmap_maptype *t, const void *key, const uint8_t *slot)
{
    return t->key->equal(t->key, key, ns_slot_key(t, (uint8_t *)slot));
}

RTMAP_INLINE uint8_t *ns_find_tpl(const rtmap_maptype *t, const rtmap_hmap *h, const void *key,
                                  uint64_t hash, ns_key_eq_fn eq, uint8_t **elem_slot)
{
    uint8_t top = ns_tophash(hash);
    for (uint8_t *b = ns_read_bucket(t, h, hash); b; b = ns_overflow(t, b)) {
        for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++) {
            if (b[i] != top) {
                if (b[i] == NS_EMPTY_REST)
                    return NULL;
                continue;
            }
            uint8_t *k = ns_key_at(t, b, i);
            if (eq(t, key, k)) {
                *elem_slot = ns_elem_at(t, b, i);
                return k;
            }
        }
    }
    return NULL;
}

/* Go's mapassign after the hash: the elem slot of key (not followed when
   indirect), inserting it when absent; NULL when an allocation failed, with the
   map's entries unchanged. */
RTMAP_INLINE uint8_t *ns_assign_tpl(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                                    uint64_t hash, ns_key_eq_fn eq)
{
    if (RTMAP_UNLIKELY(h->buckets == NULL)) {
        h->buckets = ns_alloc(h, t->bucketsize, 8, t->bucket);
        if (!h->buckets)
            return NULL;
        h->nalloc = 1;
    }
again:;
    uintptr_t bucket = hash & ns_bucket_mask(h->B);
    if (RTMAP_UNLIKELY(ns_growing(h)) && !ns_grow_work(t, h, bucket))
        return NULL;
    uint8_t *b = ns_bucket_at(t, h->buckets, bucket);
    uint8_t top = ns_tophash(hash);
    uint8_t *insert_b = NULL;
    unsigned insert_i = 0;
    for (;;) {
        for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++) {
            if (b[i] != top) {
                if (ns_is_empty(b[i]) && !insert_b) {
                    insert_b = b;
                    insert_i = i;
                }
                if (b[i] == NS_EMPTY_REST)
                    goto absent;
                continue;
            }
            uint8_t *k = ns_key_at(t, b, i);
            if (!eq(t, key, k))
                continue;
            /* Equal but maybe not identical (+0.0 and -0.0, strings): the
               stored key becomes the new one, as in Go. */
            if (t->flags & RTMAP_NEED_KEY_UPDATE)
                memcpy(ns_slot_key(t, k), key, t->key->size);
            return ns_elem_at(t, b, i);
        }
        uint8_t *ovf = ns_overflow(t, b);
        if (!ovf)
            break;
        b = ovf;
    }
absent:
    /* At the load factor, or with too many overflow buckets, start growing
       (unless already growing); growth moves everything, so start over. */
    if (!ns_growing(h) &&
        (ns_over_load_factor(h->count + 1, h->B) || ns_too_many_overflow_buckets(h->noverflow, h->B))) {
        if (!ns_hash_grow(t, h))
            return NULL;
        goto again;
    }
    ns_new_entry ne;
    if (RTMAP_UNLIKELY(t->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM)) &&
        !ns_new_entry_prepare(t, h, &ne))
        return NULL;
    if (!insert_b) {
        /* The bucket and its whole chain are full. */
        insert_b = ns_new_overflow(t, h, b);
        if (!insert_b) {
            if (t->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM))
                ns_new_entry_release(t, h, &ne);
            return NULL;
        }
        insert_i = 0;
    }
    ns_mark_occupied(h->occupied, bucket);
    uint8_t *k = ns_key_at(t, insert_b, insert_i);
    uint8_t *e = ns_elem_at(t, insert_b, insert_i);
    if (t->flags & RTMAP_INDIRECT_KEY) {
        *(void **)k = ne.key_obj;
        memcpy(ne.key_obj, key, t->key->size);
    } else {
        memcpy(k, key, t->key->size);
    }
    if (t->flags & RTMAP_INDIRECT_ELEM)
        *(void **)e = ne.elem_obj;
    insert_b[insert_i] = top;
    h->count++;
    return e;
}

/* Go's mapdelete after the hash. False when room to retire indirect objects
   could not be found (nothing deleted). */
RTMAP_INLINE bool ns_delete_tpl(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                                uint64_t hash, ns_key_eq_fn eq)
{
    uintptr_t bucket = hash & ns_bucket_mask(h->B);
    if (RTMAP_UNLIKELY(ns_growing(h)) && !ns_grow_work(t, h, bucket))
        return false;
    uint8_t *b_orig = ns_bucket_at(t, h->buckets, bucket);
    uint8_t top = ns_tophash(hash);
    for (uint8_t *b = b_orig; b; b = ns_overflow(t, b)) {
        for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++) {
            if (b[i] != top) {
                if (b[i] == NS_EMPTY_REST)
                    return true;
                continue;
            }
            uint8_t *k = ns_key_at(t, b, i);
            if (!eq(t, key, k))
                continue;
            if (RTMAP_UNLIKELY(t->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM)) &&
                ns_iterators_live(h) && !ns_retire_reserve(h, 2))
                return false;
            ns_clear_slot(t, h, k, ns_elem_at(t, b, i));
            ns_delete_slot(t, h, b_orig, b, i);
            ns_maybe_shrink(t, h);
            return true;
        }
    }
    return true;
}

#endif /* RTMAP_NOSWISS_CHAIN_H */
