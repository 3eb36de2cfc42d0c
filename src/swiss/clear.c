/* mapclear: empties the map in place, keeping every table and the directory at
 * their size for reuse. Go 1.25's refinements keep it cheap when there is nothing
 * to do: a map with no entries and no possible tombstone returns at once, and a
 * table with neither entries nor tombstones is skipped, so clearing an already
 * empty map with a huge directory does no per-slot work. Iterators notice the
 * clear through clear_seq and end.
 *
 * A map that grew large and is then used with few entries between clears (Go's
 * BenchmarkMapClear) would still pay for a walk over every table. So the map
 * remembers, by directory index, the first few tables written since the last
 * clear: a table whose dirty-group mask is empty has not been written since, and
 * the insert that sets its first bit (one predictable branch on a header it
 * already writes) adds it to the list.
 * While the list is valid, a clear visits only the tables on it. It becomes
 * invalid when it overflows, when a table is made (rebuilt tables are filled
 * without inserts) and when the directory is resized (the indexes move); the
 * next clear then visits every table and starts a new list. */
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

static void clear_table(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab)
{
    uint16_t max_growth = swiss_max_growth(tab->capacity);
    if (tab->used != 0 || tab->growth_left != max_growth) {
        /* Only the groups ever written since the last clear; a bit stands for
           groups g and g + 64 of a table of 128 groups. */
        for (uint64_t dirty = tab->dirty_groups; dirty; dirty &= dirty - 1) {
            uint64_t g = (uint64_t)__builtin_ctzll(dirty);
            for (; g <= tab->group_mask; g += 64)
                clear_group(t, m, swiss_group(t, tab, g));
        }
        tab->used = 0;
        tab->growth_left = max_growth;
    }
    tab->dirty_groups = 0;
}

void swiss_note_dirty(rtmap_hmap *m, swiss_table *tab)
{
    if (m->dirty_len < SWISS_DIRTY_LIST_LEN && (uintptr_t)tab->index <= UINT32_MAX)
        m->dirty_tables[m->dirty_len++] = (uint32_t)tab->index;
    else
        m->dirty_list_valid = false;
}

void swiss_clear_locked(const rtmap_maptype *t, rtmap_hmap *m)
{
    if (m->dir_len == 0) {
        clear_group(t, m, m->dir_ptr);
    } else if (m->dirty_list_valid) {
        for (unsigned k = 0; k < m->dirty_len; k++)
            clear_table(t, m, swiss_dir_at(m, m->dirty_tables[k]));
    } else {
        swiss_table *last = NULL;
        for (size_t i = 0; i < m->dir_len; i++) {
            swiss_table *tab = swiss_dir_at(m, i);
            if (tab != last)
                clear_table(t, m, tab);
            last = tab;
        }
    }
    m->dirty_len = 0;
    m->dirty_list_valid = true;
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
