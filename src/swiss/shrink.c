/* Giving memory back: after a delete leaves a table below its shrink threshold
 * (swiss_shrink_threshold), the table is merged with its buddy (the table whose
 * directory run differs only in the last of its local-depth bits) when their
 * entries fit one table at 7/16 load, or else rebuilt smaller; after a merge the
 * directory halves while no table needs its full depth.
 *
 * Each step rebuilds like growth does: new storage is allocated first, entries are
 * rehashed into it, the directory is pointed at it, and the replaced tables become
 * stale (index -1) and are retired, so an iterator walking one keeps going. A failed
 * allocation only postpones the step: the delete that triggered it has happened and
 * the map stays as it was. Work is bounded by one table (at most 448 entries move)
 * plus the directory entries of the run, as for a split.
 *
 * Hysteresis: a rebuilt table is at most half full at max load, so it grows again
 * only after its entries doubled, and it shrinks again only after they halved. The
 * sizes presize chose for a hint are floors (hint_capacity, hint_depth). */
#include "swiss.h"

/* The smallest capacity (a power of two, at least the floor) holding n entries at
   half the max load. */
static uint16_t capacity_for(const rtmap_hmap *m, unsigned n)
{
    uint16_t capacity = swiss_capacity_floor(m);
    while (capacity < SWISS_MAX_TABLE_CAPACITY && 2u * n > swiss_max_growth(capacity))
        capacity = (uint16_t)(2u * capacity);
    return capacity;
}

static bool merge_with_buddy(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab)
{
    uint8_t depth = tab->local_depth;
    if (depth <= m->hint_depth)
        return false;
    /* An iterator tells which entries of a merged table it has produced by their
       hash; a NaN key's hash is random, so such maps merge only when none is live. */
    bool iterating = swiss_iterators_live(m);
    if (iterating && !(t->flags & RTMAP_REFLEXIVE_KEY))
        return false;
    size_t span = (size_t)1 << (m->global_depth - depth);
    swiss_table *buddy = swiss_dir_at(m, (size_t)tab->index ^ span);
    if (buddy->local_depth != depth)
        return false;
    unsigned total = (unsigned)tab->used + buddy->used;
    if (2u * total > swiss_max_growth(SWISS_MAX_TABLE_CAPACITY))
        return false;
    if (iterating && !swiss_retire_reserve(m, 4))
        return false;
    swiss_table *merged = swiss_table_new(t, m, capacity_for(m, total), (uint8_t)(depth - 1),
                                          tab->index & ~(intptr_t)span);
    if (!merged)
        return false;
    swiss_rehash_into(t, m, tab, merged, merged, 0);
    swiss_rehash_into(t, m, buddy, merged, merged, 0);
    merged->shrink_below = swiss_shrink_threshold(m, merged);
    swiss_dir_install(m, merged);
    if (depth == m->global_depth)
        m->full_depth_tables -= 2;
    tab->index = -1;
    buddy->index = -1;
    swiss_table_retire(t, m, tab);
    swiss_table_retire(t, m, buddy);
    return true;
}

static void rebuild_smaller(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab)
{
    uint16_t capacity = capacity_for(m, tab->used);
    if (capacity >= tab->capacity)
        return;
    if (swiss_iterators_live(m) && !swiss_retire_reserve(m, 2))
        return;
    swiss_table *smaller = swiss_table_new(t, m, capacity, tab->local_depth, tab->index);
    if (!smaller)
        return;
    swiss_rehash_into(t, m, tab, smaller, smaller, 0);
    smaller->shrink_below = swiss_shrink_threshold(m, smaller);
    swiss_dir_install(m, smaller);
    tab->index = -1;
    swiss_table_retire(t, m, tab);
}

/* Old directories are never read by iterators (they keep hash prefixes, not
   directory indexes), so halving is safe under a live one and frees at once. */
static void halve_directory(rtmap_hmap *m)
{
    while (m->full_depth_tables == 0 && m->global_depth > m->hint_depth) {
        void *dir = swiss_dir_alloc(m, m->dir_len / 2);
        if (!dir)
            return;
        swiss_dir_halve(m, dir);
    }
}

void swiss_table_shrink(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab)
{
    if (!merge_with_buddy(t, m, tab))
        rebuild_smaller(t, m, tab);
    /* Also after other steps: a halving that failed to allocate is retried. */
    halve_directory(m);
}
