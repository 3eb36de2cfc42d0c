/* The fast paths for 4- and 8-byte keys (Go's map_fast32/map_fast64), written
 * once over the key width: keys compare as integers, and a small map is searched
 * with no hash at all. Deletes share the generic algorithm with the key
 * comparison inlined (Go calls the generic delete). */
#ifndef RTMAP_SWISS_FASTINT_H
#define RTMAP_SWISS_FASTINT_H

#include "assign.h"
#include "delete.h"
#include "intkey.h"

RTMAP_INLINE void swiss_key32_store(const rtmap_maptype *t, uint8_t *slot, const void *key,
                                    const swiss_new_entry *ne)
{
    memcpy(slot, key, 4);
}

RTMAP_INLINE void swiss_key64_store(const rtmap_maptype *t, uint8_t *slot, const void *key,
                                    const swiss_new_entry *ne)
{
    memcpy(slot, key, 8);
}

/* An integer key found again needs nothing rewritten. */
RTMAP_INLINE void swiss_keyint_hit(const rtmap_maptype *t, uint8_t *slot, const void *key) {}

/* Where the elem sits: an 8-byte key leaves it at 8 for any elem alignment. */
RTMAP_INLINE size_t swiss_fast_elemoff(const rtmap_maptype *t, unsigned width)
{
    return width == 8 ? 8 : t->elemoff;
}

/* The elem of key, or NULL when it is absent. */
RTMAP_INLINE void *swiss_fast_access(const rtmap_maptype *t, const rtmap_hmap *h, const void *key,
                                     unsigned width)
{
    if (!h || h->used == 0)
        return NULL;
    swiss_check_not_writing(h);
    swiss_key_eq_fn key_eq = width == 4 ? rtmap_key32_eq : rtmap_key64_eq;
    uint8_t *slot;
    if (h->dir_len == 0) {
        slot = swiss_small_find_nohash(t, h, key, key_eq, NULL);
    } else {
        uint64_t hash = t->hasher(t->key, key, h->seed);
        slot = swiss_table_find(t, h, key, hash, key_eq, NULL);
    }
    return slot ? slot + swiss_fast_elemoff(t, width) : NULL;
}

/* The elem of key, created if absent; NULL after a panic. */
RTMAP_INLINE void *swiss_fast_assign(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                                     unsigned width)
{
    uint8_t *slot = width == 4
                        ? swiss_assign_entry(t, h, key, rtmap_key32_eq, swiss_key32_store,
                                             swiss_keyint_hit, false)
                        : swiss_assign_entry(t, h, key, rtmap_key64_eq, swiss_key64_store,
                                             swiss_keyint_hit, false);
    return slot ? slot + swiss_fast_elemoff(t, width) : NULL;
}

RTMAP_INLINE void swiss_fast_delete(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                                    unsigned width)
{
    swiss_delete_entry(t, h, key, width == 4 ? rtmap_key32_eq : rtmap_key64_eq, true,
                       false);
}

#endif /* RTMAP_SWISS_FASTINT_H */
