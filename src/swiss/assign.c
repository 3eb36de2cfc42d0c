/* mapassign, the generic entry point: any key type, indirect keys and elems. */
#include "assign.h"

static inline bool generic_key_eq(const rtmap_maptype *t, const void *key, const uint8_t *slot)
{
    return t->key->equal(t->key, key, swiss_slot_key(t, (uint8_t *)slot));
}

static inline void generic_key_store(const rtmap_maptype *t, uint8_t *slot, const void *key,
                              const swiss_new_entry *ne)
{
    swiss_new_entry_store(t, slot, key, ne);
}

/* Keys whose equal values may differ in bytes (+0.0/-0.0, strings) are rewritten. */
static inline void generic_key_hit(const rtmap_maptype *t, uint8_t *slot, const void *key)
{
    if (t->flags & RTMAP_NEED_KEY_UPDATE)
        memcpy(swiss_slot_key(t, slot), key, t->key->size);
}

void *rtmap_mapassign(const rtmap_maptype *t, rtmap_hmap *h, const void *key)
{
    uint8_t *slot = swiss_assign_entry(t, h, key, generic_key_eq, generic_key_store,
                                       generic_key_hit, true);
    return slot ? swiss_slot_elem(t, slot) : NULL;
}
