/* mapassign: the hash is computed before the writing flag is set, since a hasher
 * may panic and then no write has happened (as in Go). */
#include "chain.h"

uint8_t *ns_assign_locked(const rtmap_maptype *t, rtmap_hmap *h, const void *key, uint64_t hash)
{
    return ns_assign_tpl(t, h, key, hash, ns_generic_key_eq);
}

void *rtmap_mapassign(const rtmap_maptype *t, rtmap_hmap *h, const void *key)
{
    if (!h) {
        rtmap_panic(RTMAP_PANIC_NIL_MAP_WRITE, "assignment to entry in nil map");
        return NULL;
    }
    if (RTMAP_UNLIKELY(h->writing))
        ns_fatal_concurrent_writes();
    bool panicked;
    uint64_t hash = rtmap_hash_key(t, key, h->hash0, &panicked);
    if (panicked)
        return NULL;
    ns_begin_write(h);
    ns_collect_retired(t, h);
    uint8_t *e = ns_assign_tpl(t, h, key, hash, ns_generic_key_eq);
    if (RTMAP_UNLIKELY(!e)) {
        ns_fail_oom(h);
        return NULL;
    }
    ns_end_write(h);
    return ns_slot_elem(t, e);
}
