/* The lookup probe, written once and instantiated with a key comparison per key
 * kind (generic equal, 32/64-bit integers, strings); see assign.h for why the
 * comparison is a parameter. */
#ifndef RTMAP_SWISS_FIND_H
#define RTMAP_SWISS_FIND_H

#include "swiss.h"

typedef bool (*swiss_key_eq_fn)(const rtmap_maptype *t, const void *key, const uint8_t *slot);

/* The table path: m has a directory. */
RTMAP_INLINE uint8_t *swiss_table_find(const rtmap_maptype *t, const rtmap_hmap *m,
                                       const void *key, uint64_t hash, swiss_key_eq_fn key_eq,
                                       swiss_pos *pos)
{
    uint8_t h2 = swiss_h2(hash);
    size_t di = swiss_dir_index(m, hash);
    uint8_t *groups;
    swiss_probe p;
    /* A caller that wants the position (delete) writes the slot next: fetch the
       group's lines while the control word is being fetched (without, 1M deletes
       were 7% slower: ab --lockstep, 16 pairs, p = 0.04). The table header it
       also writes is not prefetched: headers sit together in a few chunks that
       stay in cache, and prefetching one made 1M deletes 7-8% slower (16 and 20
       pairs, p < 0.04). A lookup fetches only the group's second line: slots fill
       from the first, so the slot a hit finds is usually in the first two lines.
       The third line too made 8M hits 13-15% slower (20 pairs, p < 0.001); the
       second alone made 1M and 8M hits 5% faster and misses 6% and 11% (40
       pairs, p < 0.001), for 1K misses 3% slower (p = 0.01). Unlike the
       delete's, it does not wait for a large map: the test would cost small
       maps more than the prefetch does. The control word is loaded first, as
       the probe waits on it (8M hits 2% faster, 20 pairs, p = 0.02). */
    bool large = swiss_map_is_large(m);
    for (uint8_t *g = swiss_probe_table(t, m, di, hash, &groups, &p);;
         swiss_probe_next(&p), g = groups + p.offset * t->bucketsize) {
        uint64_t w = ctrl_load(g);
        if (pos && large)
            swiss_group_prefetch(g, swiss_write_prefetch_reach(t, m));
        else if (!pos)
            swiss_group_prefetch_second_line(g);
        uint64_t match = group_match_h2(w, h2);
        while (match) {
            unsigned i = bitset_first(match);
            uint8_t *slot = swiss_slot(t, g, i);
            if (RTMAP_LIKELY(key_eq(t, key, slot))) {
                if (pos)
                    *pos = (swiss_pos){ swiss_dir_at(m, di), g, i };
                return slot;
            }
            match = bitset_remove_first(match);
        }
        if (RTMAP_LIKELY(group_match_empty(w)))
            return NULL;
    }
}

/* The small path: one group, matched by H2. */
RTMAP_INLINE uint8_t *swiss_small_find(const rtmap_maptype *t, const rtmap_hmap *m,
                                       const void *key, uint64_t hash, swiss_key_eq_fn key_eq,
                                       swiss_pos *pos)
{
    uint8_t *g = m->dir_ptr;
    uint64_t match = group_match_h2(ctrl_load(g), swiss_h2(hash));
    while (match) {
        unsigned i = bitset_first(match);
        uint8_t *slot = swiss_slot(t, g, i);
        if (key_eq(t, key, slot)) {
            if (pos)
                *pos = (swiss_pos){ NULL, g, i };
            return slot;
        }
        match = bitset_remove_first(match);
    }
    return NULL;
}

/* The small path without a hash, for cheap comparisons: every slot in order,
   keys compared first and the control byte checked on a match (a free slot may
   hold stale key bytes). Walking the slots with a running pointer keeps each
   comparison independent of the previous one, unlike a walk over the bits of a
   match mask. */
RTMAP_INLINE uint8_t *swiss_small_find_nohash(const rtmap_maptype *t, const rtmap_hmap *m,
                                              const void *key, swiss_key_eq_fn key_eq,
                                              unsigned *index)
{
    uint8_t *g = m->dir_ptr;
    uint8_t *slot = swiss_slot(t, g, 0);
    for (unsigned i = 0; i < SWISS_GROUP_SLOTS; i++, slot += t->slotsize)
        if (key_eq(t, key, slot) && !(ctrl_get(g, i) & 0x80)) {
            if (index)
                *index = i;
            return slot;
        }
    return NULL;
}

#endif /* RTMAP_SWISS_FIND_H */
