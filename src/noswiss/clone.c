/* mapclone: Go's mapclone2. The copy is sized for the entries (not for the
 * source's capacity) and keeps the source's seed, so that source buckets can be
 * moved into destination buckets whole, tophash bytes included: each destination
 * bucket i gathers the source buckets i, i + n, i + 2n, ... Old buckets not yet
 * evacuated (a source in the middle of a growth) are added after. In C, indirect
 * keys and elems are always copied, since each map frees its own. On an
 * allocation failure the partial copy is freed whole. */
#include "noswiss.h"

/* Go's moveToBmap: appends the entries of src to the chain ending at *dst. */
static bool move_to_bmap(const rtmap_maptype *t, rtmap_hmap *h, uintptr_t dst_index, uint8_t **dst,
                         unsigned *pos, uint8_t *src)
{
    for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++) {
        if (ns_is_empty(src[i]))
            continue;
        while (*pos < NS_BUCKET_SLOTS && !ns_is_empty((*dst)[*pos]))
            (*pos)++;
        void *kobj = NULL, *eobj = NULL;
        uint8_t *sk = ns_key_at(t, src, i), *se = ns_elem_at(t, src, i);
        if (t->flags & RTMAP_INDIRECT_KEY) {
            kobj = rtmap_alloc_value(&h->alloc, t->key);
            if (!kobj)
                return false;
            memcpy(kobj, *(void **)sk, t->key->size);
        }
        if (t->flags & RTMAP_INDIRECT_ELEM) {
            eobj = rtmap_alloc_value(&h->alloc, t->elem);
            if (!eobj) {
                if (kobj)
                    ns_free(h, kobj, t->key->size);
                return false;
            }
            memcpy(eobj, *(void **)se, t->elem->size);
        }
        if (*pos == NS_BUCKET_SLOTS) {
            uint8_t *nb = ns_new_overflow(t, h, *dst);
            if (!nb) {
                if (kobj)
                    ns_free(h, kobj, t->key->size);
                if (eobj)
                    ns_free(h, eobj, t->elem->size);
                return false;
            }
            *dst = nb;
            *pos = 0;
        }
        uint8_t *dk = ns_key_at(t, *dst, *pos), *de = ns_elem_at(t, *dst, *pos);
        if (kobj)
            *(void **)dk = kobj;
        else
            memcpy(dk, sk, t->keysize);
        if (eobj)
            *(void **)de = eobj;
        else
            memcpy(de, se, t->valuesize);
        (*dst)[*pos] = src[i];
        (*pos)++;
        h->count++;
        ns_mark_occupied(h->occupied, dst_index);
    }
    return true;
}

static bool clone_into(const rtmap_maptype *t, rtmap_hmap *dst, rtmap_hmap *src)
{
    bool indirect = (t->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM)) != 0;
    if (src->B == 0 && !indirect && !ns_growing(src) && ns_overflow(t, src->buckets) == NULL) {
        /* One bucket: copied as it is. */
        dst->buckets = ns_alloc(dst, t->bucketsize, 8, t->bucket);
        if (!dst->buckets)
            return false;
        dst->nalloc = 1;
        memcpy(dst->buckets, src->buckets, t->bucketsize);
        dst->count = src->count;
        return true;
    }
    if (!dst->buckets) {
        dst->buckets = ns_alloc(dst, t->bucketsize, 8, t->bucket);
        if (!dst->buckets)
            return false;
        dst->nalloc = 1;
    }
    uintptr_t dst_n = ns_bucket_shift(dst->B), src_n = ns_bucket_shift(src->B);
    for (uintptr_t i = 0; i < dst_n; i++) {
        uint8_t *db = ns_bucket_at(t, dst->buckets, i);
        unsigned pos = 0;
        for (uintptr_t j = 0; j < src_n; j += dst_n)
            for (uint8_t *sb = ns_bucket_at(t, src->buckets, i + j); sb; sb = ns_overflow(t, sb))
                if (!move_to_bmap(t, dst, i, &db, &pos, sb))
                    return false;
    }
    if (!ns_growing(src))
        return true;

    uint8_t old_b = ns_old_b(src);
    uintptr_t old_n = ns_bucket_shift(old_b);
    for (uintptr_t i = 0; i < old_n; i++) {
        uint8_t *sb = ns_bucket_at(t, src->oldbuckets, i);
        if (ns_evacuated(sb))
            continue;
        if (old_b >= dst->B) {
            /* The destination has no more bucket bits than the old array: the
               whole chain goes to one destination chain. */
            uintptr_t di = i & ns_bucket_mask(dst->B);
            uint8_t *db = ns_bucket_at(t, dst->buckets, di);
            while (ns_overflow(t, db))
                db = ns_overflow(t, db);
            unsigned pos = 0;
            for (; sb; sb = ns_overflow(t, sb))
                if (!move_to_bmap(t, dst, di, &db, &pos, sb))
                    return false;
            continue;
        }
        /* One old bucket spreads over several destination buckets: entry by entry. */
        for (; sb; sb = ns_overflow(t, sb)) {
            for (unsigned k = 0; k < NS_BUCKET_SLOTS; k++) {
                if (ns_is_empty(sb[k]))
                    continue;
                void *key = ns_slot_key(t, ns_key_at(t, sb, k));
                uint8_t *e = ns_assign_locked(t, dst, key, t->hasher(t->key, key, dst->hash0));
                if (!e)
                    return false;
                memcpy(ns_slot_elem(t, e), ns_slot_elem(t, ns_elem_at(t, sb, k)), t->elem->size);
            }
        }
    }
    return true;
}

rtmap_hmap *rtmap_mapclone(const rtmap_maptype *t, rtmap_hmap *h)
{
    if (!h)
        return NULL;
    if (RTMAP_UNLIKELY(h->writing))
        rtmap_fatal(RTMAP_FATAL_CONCURRENT_READ_WRITE, "concurrent map clone and map write");
    rtmap_hmap *dst = ns_new_map(t, h->count);
    if (!dst) {
        rtmap_panic_oom();
        return NULL;
    }
    dst->hash0 = h->hash0;
    if (h->count != 0 && !clone_into(t, dst, h)) {
        rtmap_mapfree(t, dst);
        rtmap_panic_oom();
        return NULL;
    }
    return dst;
}
