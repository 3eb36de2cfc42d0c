/* The delete algorithm, written once and instantiated by the generic entry point
 * and the fast paths (see assign.h for the pattern).
 *
 * A slot whose group still has an empty slot becomes empty again (no probe
 * sequence can run through such a group); in a full group it becomes a tombstone,
 * since some other key's probe may pass through. A table left below a quarter of
 * its max growth is merged or rebuilt smaller (shrink.c). The map is reseeded when
 * it becomes empty, as Go does (issue 25237). */
#ifndef RTMAP_SWISS_DELETE_H
#define RTMAP_SWISS_DELETE_H

#include "find.h"

/* Removes the entry at slot (pos says where it lives). Called between begin and
   end of a write; false when reserving room for retired indirect copies failed
   (nothing changed). */
RTMAP_INLINE bool swiss_delete_found(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *slot,
                                     swiss_pos pos)
{
    if (RTMAP_UNLIKELY(t->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM))) {
        /* Indirect copies go to the retired list while an iterator may read them. */
        if (swiss_iterators_live(h) && !swiss_retire_reserve(h, 2))
            return false;
        swiss_slot_clear(t, h, slot);
    } else {
        if (t->key->ptrbytes)
            rtmap_memclr(slot, t->key->size);
        /* Always zeroed: m[k] op= v after a delete must start from zero (Go 25936). */
        rtmap_memclr(slot + t->elemoff, t->valuesize);   /* == elem->size when direct */
    }
    if (!pos.tab) {
        /* One group, no probe sequences: never a tombstone. */
        ctrl_set(pos.group, pos.index, SWISS_CTRL_EMPTY);
    } else {
        if (group_match_empty(ctrl_load(pos.group))) {
            ctrl_set(pos.group, pos.index, SWISS_CTRL_EMPTY);
            pos.tab->growth_left++;
        } else {
            ctrl_set(pos.group, pos.index, SWISS_CTRL_DELETED);
            h->tombstone_possible = true;
        }
        pos.tab->used--;
        /* The one cost shrinking adds to a delete: a compare with the table's threshold. */
        if (RTMAP_UNLIKELY(pos.tab->used < pos.tab->shrink_below))
            swiss_table_shrink(t, h, pos.tab);
    }
    h->used--;
    if (h->used == 0)
        h->seed = rtmap_rand();
    return true;
}

/* The delete of a map with tables (dir_len != 0), called between begin and end
   of a write; false when reserving room for retired indirect copies failed
   (nothing changed). */
RTMAP_INLINE bool swiss_delete_in_table(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                                        uint64_t hash, swiss_key_eq_fn key_eq)
{
    swiss_pos pos;
    uint8_t *slot = swiss_table_find(t, h, key, hash, key_eq, &pos);
    return !slot || swiss_delete_found(t, h, slot, pos);
}

/* As swiss_delete_in_table, for a map of either shape. */
RTMAP_INLINE bool swiss_delete_locked(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                                      uint64_t hash, swiss_key_eq_fn key_eq)
{
    if (h->dir_len != 0)
        return swiss_delete_in_table(t, h, key, hash, key_eq);
    swiss_pos pos;
    uint8_t *slot = swiss_small_find(t, h, key, hash, key_eq, &pos);
    return !slot || swiss_delete_found(t, h, slot, pos);
}

/* A small map's delete for keys that compare cheaply (the fast paths): found
   without a hash, as the lookup does (a single
   group has no probe sequence and no tombstone, so nothing needs the hash). */
RTMAP_INLINE void swiss_delete_small_nohash(const rtmap_maptype *t, rtmap_hmap *h,
                                            const void *key, swiss_key_eq_fn key_eq)
{
    unsigned index;
    uint8_t *slot = swiss_small_find_nohash(t, h, key, key_eq, &index);
    if (slot)
        swiss_delete_found(t, h, slot, (swiss_pos){ NULL, h->dir_ptr, index });
}

/* A whole delete, from the entry point's checks to the end of the write.
   small_nohash: the key compares cheaply enough to search a small map without
   hashing. generic: the generic entry point, whose hasher may panic (an absent
   map still checks that the key is hashable) and whose entries may have
   indirect copies, so that the delete itself may fail; the fast paths have
   neither. */
RTMAP_INLINE void swiss_delete_entry(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                                     swiss_key_eq_fn key_eq, bool small_nohash, bool generic)
{
    if (!h || h->used == 0) {
        if (generic)
            swiss_check_hashable(t, key);
        return;
    }
    if (RTMAP_UNLIKELY(h->writing))
        swiss_fatal_concurrent_writes();
    if (small_nohash && h->dir_len == 0) {
        swiss_begin_write(h);
        swiss_collect_retired(h);
        swiss_delete_small_nohash(t, h, key, key_eq);
        swiss_end_write(h);
        return;
    }
    uint64_t hash;
    if (generic) {
        bool panicked;
        hash = rtmap_hash_key(t, key, h->seed, &panicked);
        if (panicked)
            return;
    } else {
        hash = t->hasher(t->key, key, h->seed);
    }
    swiss_begin_write(h);
    swiss_collect_retired(h);
    /* With small_nohash, a table, as the test above found: swiss_delete_locked
       would test again, as the compiler cannot know that the hasher left
       dir_len alone. */
    bool deleted = small_nohash ? swiss_delete_in_table(t, h, key, hash, key_eq)
                                : swiss_delete_locked(t, h, key, hash, key_eq);
    if (generic && RTMAP_UNLIKELY(!deleted)) {
        swiss_fail_oom(h);
        return;
    }
    swiss_end_write(h);
}

#endif /* RTMAP_SWISS_DELETE_H */
