/* Tables: allocation, the insert that never compares keys (used while rebuilding),
 * rehash by growth (double capacity, up to 1024 slots) or split (two tables of 1024
 * by the next hash bit), and Go 1.25's pruning of tombstones no probe needs.
 * Shrinking and merging (shrink.c) rebuild tables the same way.
 *
 * A table is never rebuilt in place: growth and split make new tables and leave the
 * old one (index -1) to the iterators that started on it. Every step allocates all
 * it needs before it changes anything, so a failed allocation leaves the map as it
 * was. The work of one rehash is bounded by one table (at most 896 entries). */
#include "swiss.h"

static void table_init(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab,
                       uint16_t capacity, uint8_t local_depth, intptr_t index)
{
    uint64_t groups = capacity / SWISS_GROUP_SLOTS;
    for (uint64_t i = 0; i < groups; i++)
        ctrl_store(tab->groups + i * t->bucketsize, SWISS_CTRL_ALL_EMPTY);
    tab->capacity = capacity;
    tab->growth_left = swiss_max_growth(capacity);
    tab->local_depth = local_depth;
    tab->index = index;
    tab->group_mask = (uint16_t)(groups - 1);
    tab->shrink_below = 0;          /* set by whoever fills it */
    tab->dirty_groups = 0;
    swiss_forget_dirty_list(m);     /* a rebuild fills it without noting it dirty */
}

swiss_table *swiss_table_new(const rtmap_maptype *t, rtmap_hmap *m, uint16_t capacity,
                             uint8_t local_depth, intptr_t index)
{
    swiss_table *tab = swiss_table_header_get(m);
    if (!tab)
        return NULL;
    tab->groups = swiss_alloc(m, swiss_group_bytes(t, capacity / SWISS_GROUP_SLOTS), 8, t->bucket);
    if (!tab->groups) {
        swiss_table_header_put(m, tab);
        return NULL;
    }
    table_init(t, m, tab, capacity, local_depth, index);
    return tab;
}

swiss_table *swiss_table_new_in_slab(const rtmap_maptype *t, rtmap_hmap *m, uint16_t capacity,
                                     uint8_t local_depth, intptr_t index, uint8_t *groups)
{
    swiss_table *tab = swiss_table_header_get(m);
    if (!tab)
        return NULL;
    tab->groups = groups;
    tab->in_slab = true;
    m->slab_tables++;
    table_init(t, m, tab, capacity, local_depth, index);
    return tab;
}

/* The slab goes when its last table does (retired instead while an iterator may
   still read a replaced table in it). */
static void release_groups(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab, bool retire)
{
    if (!tab->in_slab) {
        size_t bytes = swiss_group_bytes(t, tab->group_mask + 1u);
        if (retire)
            swiss_retire(m, tab->groups, bytes);
        else
            swiss_free(m, tab->groups, bytes);
        return;
    }
    if (--m->slab_tables > 0)
        return;
    if (retire)
        swiss_retire(m, m->groups_slab, m->slab_bytes);
    else
        swiss_free(m, m->groups_slab, m->slab_bytes);
    m->groups_slab = NULL;
    m->slab_bytes = 0;
}

void swiss_table_free(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab)
{
    release_groups(t, m, tab, false);
    swiss_table_header_put(m, tab);
}

void swiss_table_retire(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab)
{
    release_groups(t, m, tab, true);
    if (swiss_iterators_live(m))
        swiss_retire(m, tab, SWISS_RETIRED_HEADER);
    else
        swiss_table_header_put(m, tab);
}

uint64_t swiss_hash_stored_key(const rtmap_maptype *t, const rtmap_hmap *m, const void *key)
{
    /* A stored key was hashed once already, so its hasher cannot panic now. */
    return t->hasher(t->key, key, m->seed);
}

void swiss_table_unchecked_put(const rtmap_maptype *t, swiss_table *tab, uint64_t hash,
                               const uint8_t *src_slot)
{
    swiss_probe p = swiss_probe_start(hash, tab->group_mask);
    for (;;) {
        uint8_t *g = swiss_group(t, tab, p.offset);
        uint64_t free_slots = group_match_empty_or_deleted(ctrl_load(g));
        if (free_slots) {
            unsigned i = bitset_first(free_slots);
            /* Whole slot: indirect keys/elems move as pointers, not as copies. */
            memcpy(swiss_slot(t, g, i), src_slot, t->slotsize);
            ctrl_set(g, i, swiss_h2(hash));
            tab->growth_left--;
            tab->used++;
            tab->dirty_groups |= swiss_dirty_bit(p.offset);
            return;
        }
        swiss_probe_next(&p);
    }
}

void swiss_rehash_into(const rtmap_maptype *t, const rtmap_hmap *m, const swiss_table *tab,
                       swiss_table *low, swiss_table *high, uint64_t split_bit)
{
    for (uint64_t gi = 0; gi <= tab->group_mask; gi++) {
        uint8_t *g = swiss_group(t, tab, gi);
        uint64_t full = group_match_full(ctrl_load(g));
        while (full) {
            uint8_t *slot = swiss_slot(t, g, bitset_first(full));
            full = bitset_remove_first(full);
            uint64_t hash = swiss_hash_stored_key(t, m, swiss_slot_key(t, slot));
            swiss_table_unchecked_put(t, (swiss_dir_hash(hash) & split_bit) ? high : low, hash, slot);
        }
    }
}

static bool grow(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab, uint16_t capacity)
{
    if (swiss_iterators_live(m) && !swiss_retire_reserve(m, 2))
        return false;
    swiss_table *nt = swiss_table_new(t, m, capacity, tab->local_depth, tab->index);
    if (!nt)
        return false;
    swiss_rehash_into(t, m, tab, nt, nt, 0);
    nt->shrink_below = swiss_shrink_threshold(m, nt);
    swiss_dir_install(m, nt);
    tab->index = -1;
    swiss_table_retire(t, m, tab);
    return true;
}

/* Does every key of tab have the same hash? Then no split can ever divide them. */
static bool one_hash(const rtmap_maptype *t, const rtmap_hmap *m, const swiss_table *tab)
{
    bool first = true;
    uint64_t hash0 = 0;
    for (uint64_t gi = 0; gi <= tab->group_mask; gi++) {
        uint8_t *g = swiss_group(t, tab, gi);
        for (uint64_t full = group_match_full(ctrl_load(g)); full; full = bitset_remove_first(full)) {
            uint64_t hash = swiss_hash_stored_key(t, m, swiss_slot_key(t, swiss_slot(t, g, bitset_first(full))));
            if (first)
                hash0 = hash;
            else if (hash != hash0)
                return false;
            first = false;
        }
    }
    return true;
}

static bool split(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab)
{
    bool doubling = tab->local_depth == m->global_depth;
    if (swiss_iterators_live(m) && !swiss_retire_reserve(m, 2))
        return false;
    uint8_t depth = (uint8_t)(tab->local_depth + 1);
    swiss_table *left = swiss_table_new(t, m, SWISS_MAX_TABLE_CAPACITY, depth, -1);
    swiss_table *right = left ? swiss_table_new(t, m, SWISS_MAX_TABLE_CAPACITY, depth, -1) : NULL;
    void *new_dir = NULL;
    if (right && doubling)
        new_dir = swiss_dir_alloc(m, 2 * m->dir_len);
    if (!right || (doubling && !new_dir)) {
        if (right)
            swiss_table_free(t, m, right);
        if (left)
            swiss_table_free(t, m, left);
        return false;
    }
    swiss_rehash_into(t, m, tab, left, right, UINT64_C(1) << (63 - tab->local_depth));
    if ((left->used == 0 || right->used == 0) && one_hash(t, m, tab)) {
        /* A full table of keys with one hash (an embedder's degenerate hasher):
           splitting again and again would only double the directory until it
           could not be allocated. Fail now, the map unchanged, and say why. */
        if (new_dir)
            swiss_dir_free(m, new_dir, 2 * m->dir_len);
        swiss_table_free(t, m, right);
        swiss_table_free(t, m, left);
        swiss_fail_reason = "out of memory: more than 896 keys share one hash value, "
                            "which no swiss table split can divide (a degenerate hasher)";
        return false;
    }
    left->shrink_below = swiss_shrink_threshold(m, left);
    right->shrink_below = swiss_shrink_threshold(m, right);
    if (doubling) {
        swiss_dir_double(m, new_dir);
        m->full_depth_tables = 0;   /* every older table is now below the new depth */
    }
    if (depth == m->global_depth)
        m->full_depth_tables += 2;
    left->index = tab->index;
    right->index = left->index + ((intptr_t)1 << (m->global_depth - depth));
    swiss_dir_install(m, left);
    swiss_dir_install(m, right);
    tab->index = -1;
    swiss_table_retire(t, m, tab);
    return true;
}

bool swiss_table_rehash(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab)
{
    uint32_t capacity = 2u * tab->capacity;
    if (capacity <= SWISS_MAX_TABLE_CAPACITY)
        return grow(t, m, tab, (uint16_t)capacity);
    return split(t, m, tab);
}

bool swiss_table_prune_tombstones(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab)
{
    if (swiss_tombstones(tab) * 10 < tab->capacity)
        return false;
    /* A tombstone is needed when some key's probe sequence passes its group before
       reaching the key: turning it empty would end that lookup early. Groups that
       hold an empty slot hold no tombstone (invariant) and are left alone too. */
    uint64_t needed[SWISS_MAX_TABLE_CAPACITY / SWISS_GROUP_SLOTS / 64] = { 0 };
    bool reflexive = (t->flags & RTMAP_REFLEXIVE_KEY) != 0;
    for (uint64_t gi = 0; gi <= tab->group_mask; gi++) {
        uint8_t *g = swiss_group(t, tab, gi);
        uint64_t w = ctrl_load(g);
        uint64_t full = group_match_full(w);
        while (full) {
            uint8_t *slot = swiss_slot(t, g, bitset_first(full));
            full = bitset_remove_first(full);
            const void *key = swiss_slot_key(t, slot);
            /* Keys unequal to themselves (NaN) are never looked up. */
            if (!reflexive && !t->key->equal(t->key, key, key))
                continue;
            uint64_t hash = swiss_hash_stored_key(t, m, key);
            for (swiss_probe p = swiss_probe_start(hash, tab->group_mask); p.offset != gi;
                 swiss_probe_next(&p)) {
                if (group_match_empty_or_deleted(ctrl_load(swiss_group(t, tab, p.offset))))
                    needed[p.offset / 64] |= UINT64_C(1) << (p.offset % 64);
            }
        }
        if (group_match_empty(w))
            needed[gi / 64] |= UINT64_C(1) << (gi % 64);
    }
    unsigned reclaimable = 0;
    for (uint64_t gi = 0; gi <= tab->group_mask; gi++)
        if (!(needed[gi / 64] >> (gi % 64) & 1))
            reclaimable += bitset_count(group_match_empty_or_deleted(ctrl_load(swiss_group(t, tab, gi))));
    /* The scan is O(capacity): only worth it when it wins back a good share. */
    if (reclaimable * 10 < tab->capacity)
        return false;
    for (uint64_t gi = 0; gi <= tab->group_mask; gi++) {
        if (needed[gi / 64] >> (gi % 64) & 1)
            continue;
        uint8_t *g = swiss_group(t, tab, gi);
        uint64_t del = group_match_empty_or_deleted(ctrl_load(g));
        while (del) {
            ctrl_set(g, bitset_first(del), SWISS_CTRL_EMPTY);
            del = bitset_remove_first(del);
            tab->growth_left++;
        }
    }
    return tab->growth_left > 0;
}
