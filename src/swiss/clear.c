/* mapclear: empties the map in place, keeping every table and the directory at
 * their size for reuse. Go 1.25's refinements keep it cheap when there is nothing
 * to do: a map with no entries and no possible tombstone returns at once, and a
 * table with neither entries nor tombstones is skipped, so clearing an already
 * empty map with a huge directory does no per-slot work. Iterators notice the
 * clear through clear_seq and end. */
#include "swiss.h"

static bool has_indirect(const rtmap_maptype *t)
{
    return (t->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM)) != 0;
}

static void clear_group(const rtmap_maptype *t, rtmap_hmap *m, uint8_t *g)
{
    uint64_t w = ctrl_load(g);
    uint64_t full = group_match_full(w);
    if (full) {
        if (has_indirect(t))
            while (full) {
                swiss_slot_clear(t, m, swiss_slot(t, g, bitset_first(full)));
                full = bitset_remove_first(full);
            }
        memset(g, 0, t->bucketsize);
    }
    ctrl_store(g, SWISS_CTRL_ALL_EMPTY);
}

void swiss_clear_locked(const rtmap_maptype *t, rtmap_hmap *m)
{
    if (m->dir_len == 0) {
        clear_group(t, m, m->dir_ptr);
    } else {
        swiss_table *last = NULL;
        for (size_t i = 0; i < m->dir_len; i++) {
            swiss_table *tab = swiss_dir_at(m, i);
            if (tab == last)
                continue;
            last = tab;
            uint16_t max_growth = swiss_max_growth(tab->capacity);
            if (tab->used == 0 && tab->growth_left == max_growth)
                continue;
            for (uint64_t g = 0; g <= tab->group_mask; g++)
                clear_group(t, m, swiss_group(t, tab, g));
            tab->used = 0;
            tab->growth_left = max_growth;
        }
    }
    m->used = 0;
    m->tombstone_possible = false;
    m->clear_seq++;
    m->seed = rtmap_rand();
}

void rtmap_mapclear(const rtmap_maptype *t, rtmap_hmap *h)
{
    if (!h || (h->used == 0 && !h->tombstone_possible))
        return;
    if (RTMAP_UNLIKELY(h->writing))
        swiss_fatal_concurrent_writes();
    swiss_begin_write(h);
    swiss_collect_retired(h);
    if (has_indirect(t) && swiss_iterators_live(h) &&
        !swiss_retire_reserve(h, 2 * (size_t)h->used)) {
        swiss_fail_oom(h);
        return;
    }
    swiss_clear_locked(t, h);
    swiss_end_write(h);
}
