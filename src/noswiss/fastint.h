/* The fast paths for 4- and 8-byte keys (Go's map_fast32/map_fast64), written
 * once over the key width. Lookups compare keys directly instead of tophash
 * bytes, and a map of one bucket is searched without hashing the key at all. */
#ifndef RTMAP_NOSWISS_FASTINT_H
#define RTMAP_NOSWISS_FASTINT_H

#include "chain.h"
#include "intkey.h"

/* The elem slot of key, or NULL. */
RTMAP_INLINE void *ns_fast_access(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                                  unsigned width)
{
    if (!h || h->count == 0)
        return NULL;
    ns_check_not_writing(h);
    uint8_t *b = h->buckets;
    if (h->B != 0)
        b = ns_read_bucket(t, h, t->hasher(t->key, key, h->hash0));
    uint64_t want = rtmap_load_intkey(key, width);
    for (; b; b = ns_overflow(t, b))
        for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++)
            if (rtmap_load_intkey(ns_key_at(t, b, i), width) == want && !ns_is_empty(b[i]))
                return ns_elem_at(t, b, i);
    return NULL;
}

RTMAP_INLINE void *ns_fast_assign(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                                  ns_key_eq_fn eq)
{
    if (!h) {
        rtmap_panic(RTMAP_PANIC_NIL_MAP_WRITE, "assignment to entry in nil map");
        return NULL;
    }
    if (RTMAP_UNLIKELY(h->writing))
        ns_fatal_concurrent_writes();
    uint64_t hash = t->hasher(t->key, key, h->hash0);
    ns_begin_write(h);
    ns_collect_retired(t, h);
    uint8_t *e = ns_assign_tpl(t, h, key, hash, eq);
    if (RTMAP_UNLIKELY(!e)) {
        ns_fail_oom(h);
        return NULL;
    }
    ns_end_write(h);
    return ns_slot_elem(t, e);
}

RTMAP_INLINE void ns_fast_delete(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                                 ns_key_eq_fn eq)
{
    if (!h || h->count == 0)
        return;
    if (RTMAP_UNLIKELY(h->writing))
        ns_fatal_concurrent_writes();
    uint64_t hash = t->hasher(t->key, key, h->hash0);
    ns_begin_write(h);
    ns_collect_retired(t, h);
    if (RTMAP_UNLIKELY(!ns_delete_tpl(t, h, key, hash, eq))) {
        ns_fail_oom(h);
        return;
    }
    ns_end_write(h);
}

#endif /* RTMAP_NOSWISS_FASTINT_H */
