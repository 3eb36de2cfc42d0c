/* Giving memory back: after a delete leaves a table below a quarter of its max
 * growth, the table is rebuilt smaller.
 *
 * Each step rebuilds like growth does: new storage is allocated first, entries are
 * rehashed into it, the directory is pointed at it, and the replaced tables become
 * stale (index -1) and are retired, so an iterator walking one keeps going. A failed
 * allocation only postpones the step: the delete that triggered it has happened and
 * the map stays as it was. Work is bounded by one table (at most 224 entries move)
 * plus the directory entries of its run, as for growth.
 *
 * Hysteresis: a rebuilt table is at most half full at max load, so it grows again
 * only after its entries doubled, and it shrinks again only after they halved
 * (swiss_shrink_threshold). The sizes
 * presize chose for a hint are floors (hint_capacity). */
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

void swiss_table_shrink(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab)
{
    rebuild_smaller(t, m, tab);
}
