/* Lookup: mapaccess1/2 and their _fat variants, and the slot search that the
 * iterator and delete share. A miss on a nil or empty map computes no hash,
 * except that a key whose hasher may panic is still checked (Go issue 23734). */
#include "find.h"

bool swiss_check_hashable(const rtmap_maptype *t, const void *key)
{
    if (!(t->flags & RTMAP_HASH_MIGHT_PANIC))
        return true;
    bool panicked;
    (void)rtmap_hash_key(t, key, 0, &panicked);
    return !panicked;
}

static inline bool generic_key_eq(const rtmap_maptype *t, const void *key, const uint8_t *slot)
{
    return t->key->equal(t->key, key, swiss_slot_key(t, (uint8_t *)slot));
}

uint8_t *swiss_find_slot(const rtmap_maptype *t, const rtmap_hmap *m, const void *key,
                         uint64_t hash, swiss_pos *pos)
{
    if (m->used == 0)
        return NULL;
    if (m->dir_len == 0)
        return swiss_small_find(t, m, key, hash, generic_key_eq, pos);
    return swiss_table_find(t, m, key, hash, generic_key_eq, pos);
}

static void *lookup(const rtmap_maptype *t, rtmap_hmap *m, const void *key)
{
    if (!m || m->used == 0) {
        swiss_check_hashable(t, key);
        return NULL;
    }
    swiss_check_not_writing(m);
    bool panicked;
    uint64_t hash = rtmap_hash_key(t, key, m->seed, &panicked);
    if (panicked)
        return NULL;
    uint8_t *slot = swiss_find_slot(t, m, key, hash, NULL);
    return slot ? swiss_slot_elem(t, slot) : NULL;
}

#include "access_entries.h"
