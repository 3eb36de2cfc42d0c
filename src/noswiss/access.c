/* Lookup: Go's mapaccess1/2/K and the _fat variants. A read of a nil or empty
 * map computes no hash, except that a key whose hasher may panic is still
 * checked, so that m[k] panics for an unhashable k whatever the map holds (Go
 * issue 23734). */
#include "chain.h"

void ns_check_hashable(const rtmap_maptype *t, const void *key)
{
    if (!(t->flags & RTMAP_HASH_MIGHT_PANIC))
        return;
    bool panicked;
    (void)rtmap_hash_key(t, key, 0, &panicked);
}

uint8_t *ns_find(const rtmap_maptype *t, const rtmap_hmap *h, const void *key, uint64_t hash,
                 uint8_t **elem_slot)
{
    return ns_find_tpl(t, h, key, hash, ns_generic_key_eq, elem_slot);
}

bool ns_access_k(const rtmap_maptype *t, const rtmap_hmap *h, const void *key,
                 void **key_out, void **elem_out)
{
    if (!h || h->count == 0)
        return false;
    uint64_t hash = t->hasher(t->key, key, h->hash0);
    uint8_t *e;
    uint8_t *k = ns_find(t, h, key, hash, &e);
    if (!k)
        return false;
    *key_out = ns_slot_key(t, k);
    *elem_out = ns_slot_elem(t, e);
    return true;
}

static void *lookup(const rtmap_maptype *t, rtmap_hmap *h, const void *key)
{
    if (!h || h->count == 0) {
        ns_check_hashable(t, key);
        return NULL;
    }
    ns_check_not_writing(h);
    bool panicked;
    uint64_t hash = rtmap_hash_key(t, key, h->hash0, &panicked);
    if (panicked)
        return NULL;
    uint8_t *e;
    return ns_find(t, h, key, hash, &e) ? ns_slot_elem(t, e) : NULL;
}

#include "access_entries.h"
