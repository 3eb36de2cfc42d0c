/* mapdelete, the generic entry point. */
#include "delete.h"

static inline bool generic_key_eq(const rtmap_maptype *t, const void *key, const uint8_t *slot)
{
    return t->key->equal(t->key, key, swiss_slot_key(t, (uint8_t *)slot));
}

void rtmap_mapdelete(const rtmap_maptype *t, rtmap_hmap *h, const void *key)
{
    swiss_delete_entry(t, h, key, generic_key_eq, false, true);
}
