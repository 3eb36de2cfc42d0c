/* The insert algorithm, written once and instantiated by the generic entry point
 * and each fast path. The key comparison, key store and key update are passed as
 * functions; every caller passes static inline functions, so after always_inline
 * the compiler sees constants and no indirect call remains in a fast path.
 *
 * Order of work keeps a failed allocation harmless: the probe that looks for the
 * key also finds where it would go; only when the key is absent are its indirect
 * copies allocated, then (if the table is out of room) tombstones are pruned or the
 * table is rehashed, and only after every allocation succeeded is the entry written. */
#ifndef RTMAP_SWISS_ASSIGN_H
#define RTMAP_SWISS_ASSIGN_H

#include "find.h"

/* key_eq(t, key, slot): does the slot hold key. key_store(t, slot, key, ne): write
   a new key (ne holds indirect copies). key_hit(t, slot, key): an existing key was
   assigned again (key update). */
typedef void (*swiss_key_store_fn)(const rtmap_maptype *t, uint8_t *slot, const void *key,
                                   const swiss_new_entry *ne);
typedef void (*swiss_key_hit_fn)(const rtmap_maptype *t, uint8_t *slot, const void *key);

RTMAP_INLINE bool swiss_prepare(const rtmap_maptype *t, rtmap_hmap *m, swiss_new_entry *ne)
{
    ne->key_obj = ne->elem_obj = NULL;
    if (RTMAP_LIKELY(!(t->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM))))
        return true;
    return swiss_new_entry_prepare(t, m, ne);
}

RTMAP_INLINE void swiss_release(const rtmap_maptype *t, rtmap_hmap *m, swiss_new_entry *ne)
{
    if (RTMAP_UNLIKELY(ne->key_obj || ne->elem_obj))
        swiss_new_entry_release(t, m, ne);
}

RTMAP_INLINE uint8_t *swiss_small_assign(const rtmap_maptype *t, rtmap_hmap *m, const void *key,
                                         uint64_t hash, swiss_key_eq_fn key_eq,
                                         swiss_key_store_fn key_store, swiss_key_hit_fn key_hit)
{
    uint8_t *g = m->dir_ptr;
    uint64_t w = ctrl_load(g);
    uint64_t match = group_match_h2(w, swiss_h2(hash));
    while (match) {
        uint8_t *slot = swiss_slot(t, g, bitset_first(match));
        if (key_eq(t, key, slot)) {
            key_hit(t, slot, key);
            return slot;
        }
        match = bitset_remove_first(match);
    }
    /* A small map has no tombstones, and used < 8 guarantees a free slot. */
    uint64_t free_slots = group_match_empty_or_deleted(w);
    if (!free_slots)
        rtmap_fatal(RTMAP_FATAL_CONCURRENT_WRITES, "small map with no empty slot (concurrent map writes?)");
    swiss_new_entry ne;
    if (!swiss_prepare(t, m, &ne))
        return NULL;
    unsigned i = bitset_first(free_slots);
    uint8_t *slot = swiss_slot(t, g, i);
    key_store(t, slot, key, &ne);
    ctrl_set(g, i, swiss_h2(hash));
    m->used++;
    return slot;
}

RTMAP_INLINE uint8_t *swiss_table_assign(const rtmap_maptype *t, rtmap_hmap *m, const void *key,
                                         uint64_t hash, swiss_key_eq_fn key_eq,
                                         swiss_key_store_fn key_store, swiss_key_hit_fn key_hit)
{
    uint8_t h2 = swiss_h2(hash);
    swiss_new_entry ne = { NULL, NULL };
    bool prepared = false;
    for (;;) {
        /* The probe reads the groups through the directory entry; the table header
           is needed only to insert. In a map of thousands of tables both are cache
           misses: prefetching the header makes them overlap instead of following
           one another. */
        size_t di = swiss_dir_index(m, hash);
        swiss_table *tab = swiss_dir_at(m, di);
        bool large = swiss_map_is_large(m);
        if (large)
            __builtin_prefetch(tab, 1);
        uint8_t *del_group = NULL;
        unsigned del_slot = 0;
        uint8_t *groups;
        swiss_probe p;
        for (uint8_t *g = swiss_probe_table(t, m, di, hash, &groups, &p);;
             swiss_probe_next(&p), g = groups + p.offset * t->bucketsize) {
            if (large)
                swiss_group_prefetch(g, swiss_write_prefetch_reach(t, m));
            uint64_t w = ctrl_load(g);
            uint64_t match = group_match_h2(w, h2);
            while (match) {
                uint8_t *slot = swiss_slot(t, g, bitset_first(match));
                if (key_eq(t, key, slot)) {
                    /* Only reachable before anything was prepared: a key absent once
                       stays absent across our own rehash. */
                    swiss_release(t, m, &ne);
                    key_hit(t, slot, key);
                    return slot;
                }
                match = bitset_remove_first(match);
            }
            if (!group_match_empty_or_deleted(w))
                continue;
            uint64_t empty = group_match_empty(w);
            if (!empty) {
                /* Only tombstones here: remember the first, keep looking for the key. */
                if (!del_group) {
                    del_group = g;
                    del_slot = bitset_first(group_match_empty_or_deleted(w));
                }
                continue;
            }
            /* An empty slot ends the probe: the key is absent. */
            if (!prepared) {
                if (!swiss_prepare(t, m, &ne))
                    return NULL;
                prepared = true;
            }
            unsigned i;
            if (del_group) {
                /* Its group is marked dirty already: the tombstone was an entry. */
                g = del_group;
                i = del_slot;
                tab->growth_left++;        /* reusing a tombstone costs no growth */
            } else {
                i = bitset_first(empty);
                /* The table's first write since the last clear: list it for clear. */
                if (RTMAP_UNLIKELY(tab->dirty_groups == 0))
                    swiss_note_dirty(m, tab);
                tab->dirty_groups |= swiss_dirty_bit(p.offset);
            }
            if (tab->growth_left > 0) {
                uint8_t *slot = swiss_slot(t, g, i);
                key_store(t, slot, key, &ne);
                ctrl_set(g, i, h2);
                tab->growth_left--;
                tab->used++;
                m->used++;
                return slot;
            }
            if (!swiss_table_prune_tombstones(t, m, tab) && !swiss_table_rehash(t, m, tab)) {
                swiss_release(t, m, &ne);
                return NULL;
            }
            break;                          /* the table changed: probe again */
        }
    }
}

/* The slot of key, created if absent; NULL after an allocation failure (the map
   is unchanged). Called between begin and end of a write. */
RTMAP_INLINE uint8_t *swiss_assign_slot(const rtmap_maptype *t, rtmap_hmap *m, const void *key,
                                        uint64_t hash, swiss_key_eq_fn key_eq,
                                        swiss_key_store_fn key_store, swiss_key_hit_fn key_hit)
{
    if (RTMAP_UNLIKELY(m->dir_ptr == NULL)) {
        uint8_t *g = swiss_new_small_group(t, m);
        if (!g)
            return NULL;
        m->dir_ptr = g;
        uint8_t *slot = swiss_small_assign(t, m, key, hash, key_eq, key_store, key_hit);
        if (!slot) {
            swiss_free(m, g, t->bucketsize);
            m->dir_ptr = NULL;
        }
        return slot;
    }
    if (m->dir_len == 0) {
        if (m->used < (intptr_t)SWISS_GROUP_SLOTS)
            return swiss_small_assign(t, m, key, hash, key_eq, key_store, key_hit);
        /* Go promotes a full small map even when the key is already there. */
        if (!swiss_grow_to_table(t, m))
            return NULL;
    }
    return swiss_table_assign(t, m, key, hash, key_eq, key_store, key_hit);
}

/* A whole assign, from the entry point's checks to the end of the write: the
   slot of key, created if absent; NULL after a panic (nil map, unhashable key,
   allocation failure), with the map unchanged. checked_hash: the key's hasher
   may panic (the generic entry point); the fast paths' hashers never do. */
RTMAP_INLINE uint8_t *swiss_assign_entry(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                                         swiss_key_eq_fn key_eq, swiss_key_store_fn key_store,
                                         swiss_key_hit_fn key_hit, bool checked_hash)
{
    if (RTMAP_UNLIKELY(!h)) {
        rtmap_panic(RTMAP_PANIC_NIL_MAP_WRITE, "assignment to entry in nil map");
        return NULL;
    }
    if (RTMAP_UNLIKELY(h->writing))
        swiss_fatal_concurrent_writes();
    uint64_t hash;
    if (checked_hash) {
        bool panicked;
        hash = rtmap_hash_key(t, key, h->seed, &panicked);
        if (panicked)
            return NULL;
    } else {
        hash = t->hasher(t->key, key, h->seed);
    }
    swiss_begin_write(h);
    swiss_collect_retired(h);
    uint8_t *slot = swiss_assign_slot(t, h, key, hash, key_eq, key_store, key_hit);
    if (RTMAP_UNLIKELY(!slot)) {
        swiss_fail_oom(h);
        return NULL;
    }
    swiss_end_write(h);
    return slot;
}

#endif /* RTMAP_SWISS_ASSIGN_H */
