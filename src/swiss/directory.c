/* The extendible-hashing directory: 2^global_depth entries indexed by the top hash
 * bits. A table of local depth d owns the 2^(global_depth - d) consecutive entries
 * starting at its index. The directory doubles when a table of full depth splits and
 * halves when merges leave no table at full depth; an old directory is never read by
 * iterators (they look tables up afresh), so it is freed at once. */
#include "swiss.h"

swiss_dir_entry *swiss_dir_alloc(rtmap_hmap *m, size_t len)
{
    if (len > SIZE_MAX / sizeof(swiss_dir_entry))
        return NULL;
    return swiss_alloc(m, len * sizeof(swiss_dir_entry), _Alignof(swiss_dir_entry),
                       &swiss_directory_type);
}

void swiss_dir_free(rtmap_hmap *m, void *dir, size_t len)
{
    swiss_free(m, dir, len * sizeof(swiss_dir_entry));
}

void swiss_dir_install(rtmap_hmap *m, swiss_table *tab)
{
    swiss_dir_entry *dir = m->dir_ptr;
    size_t span = (size_t)1 << (m->global_depth - tab->local_depth);
    for (size_t i = 0; i < span; i++)
        swiss_dir_set(dir, (size_t)tab->index + i, tab);
}

void swiss_dir_double(rtmap_hmap *m, swiss_dir_entry *new_dir)
{
    swiss_dir_entry *old = m->dir_ptr;
    size_t len = m->dir_len;
    for (size_t i = 0; i < len; i++) {
        swiss_table *tab = old[i].tab;
        /* A table spans several entries: renumber it once, at its first one. Its
           new index 2i lies beyond the rest of its old run, so no later entry of
           the run can match again. */
        if (tab->index == (intptr_t)i)
            tab->index = 2 * (intptr_t)i;
        new_dir[2 * i] = old[i];
        new_dir[2 * i + 1] = old[i];
    }
    m->dir_ptr = new_dir;
    m->dir_len = 2 * len;
    swiss_forget_dirty_list(m);     /* it names tables by index */
    m->global_depth++;
    m->global_shift--;
    swiss_dir_free(m, old, len);
}

void swiss_dir_halve(rtmap_hmap *m, swiss_dir_entry *new_dir)
{
    swiss_dir_entry *old = m->dir_ptr;
    size_t len = m->dir_len / 2;
    size_t full_depth = 0;
    uint8_t depth = (uint8_t)(m->global_depth - 1);
    for (size_t i = 0; i < len; i++) {
        swiss_table *tab = old[2 * i].tab;
        /* Every run is even-aligned and at least two entries long. Renumbered at
           its first entry; the new index i is below every later old index 2j of
           the run, so it cannot match again. */
        if (tab->index == 2 * (intptr_t)i) {
            tab->index = (intptr_t)i;
            if (tab->local_depth == depth)
                full_depth++;
        }
        new_dir[i] = old[2 * i];
    }
    m->dir_ptr = new_dir;
    m->dir_len = len;
    swiss_forget_dirty_list(m);     /* it names tables by index */
    m->global_depth = depth;
    m->global_shift++;
    m->full_depth_tables = full_depth;
    swiss_dir_free(m, old, 2 * len);
}
