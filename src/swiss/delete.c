/* mapdelete, the generic entry point. */
#include "delete.h"

static inline bool generic_key_eq(const rtmap_maptype *t, const void *key, const uint8_t *slot)
{
    return t->key->equal(t->key, key, swiss_slot_key(t, (uint8_t *)slot));
}

void rtmap_mapdelete(const rtmap_maptype *t, rtmap_hmap *h, const void *key)
{
    if (!h || h->used == 0) {
        swiss_check_hashable(t, key);
        return;
    }
    if (RTMAP_UNLIKELY(h->writing))
        swiss_fatal_concurrent_writes();
    bool panicked;
    uint64_t hash = rtmap_hash_key(t, key, h->seed, &panicked);
    if (panicked)
        return;
    swiss_begin_write(h);
    swiss_collect_retired(h);
    if (!swiss_delete_locked(t, h, key, hash, generic_key_eq)) {
        swiss_fail_oom(h);
        return;
    }
    swiss_end_write(h);
}
