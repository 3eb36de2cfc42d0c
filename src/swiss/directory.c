/* The extendible-hashing directory: 2^global_depth entries indexed by the top hash
 * bits. A table of local depth d owns the 2^(global_depth - d) consecutive entries
 * starting at its index. The directory doubles when a table of full depth splits and
 * halves when merges leave no table at full depth; an old directory is never read by
 * iterators (they look tables up afresh), so it is freed at once. */
#include "swiss.h"

/* Two words per entry, one in each plane (swiss.h). */
#define DIR_ENTRY_BYTES (2 * sizeof(uintptr_t))

void *swiss_dir_alloc(rtmap_hmap *m, size_t len)
{
    if (len > SIZE_MAX / DIR_ENTRY_BYTES)
        return NULL;
    return swiss_alloc(m, len * DIR_ENTRY_BYTES, _Alignof(uintptr_t), &swiss_directory_type);
}

void swiss_dir_free(rtmap_hmap *m, void *dir, size_t len)
{
    swiss_free(m, dir, len * DIR_ENTRY_BYTES);
}

void swiss_dir_install(rtmap_hmap *m, swiss_table *tab)
{
    m->uniform_stride = 0;          /* the entries no longer follow the slab */
    size_t span = (size_t)1 << (m->global_depth - tab->local_depth);
    for (size_t i = 0; i < span; i++)
        swiss_dir_set(m->dir_ptr, m->dir_len, (size_t)tab->index + i, tab);
}

void swiss_dir_double(rtmap_hmap *m, void *new_dir)
{
    void *old = m->dir_ptr;
    size_t len = m->dir_len;
    swiss_table **old_tables = swiss_dir_tables(old, len);
    for (size_t i = 0; i < len; i++) {
        swiss_table *tab = old_tables[i];
        /* A table spans several entries: renumber it once, at its first one. Its
           new index 2i lies beyond the rest of its old run, so no later entry of
           the run can match again. */
        if (tab->index == (intptr_t)i)
            tab->index = 2 * (intptr_t)i;
        swiss_dir_set(new_dir, 2 * len, 2 * i, tab);
        swiss_dir_set(new_dir, 2 * len, 2 * i + 1, tab);
    }
    m->dir_ptr = new_dir;
    m->dir_len = 2 * len;
    m->uniform_stride = 0;
    swiss_forget_dirty_list(m);     /* it names tables by index */
    m->global_depth++;
    m->global_shift--;
    swiss_dir_free(m, old, len);
}

void swiss_dir_halve(rtmap_hmap *m, void *new_dir)
{
    void *old = m->dir_ptr;
    size_t len = m->dir_len / 2;
    swiss_table **old_tables = swiss_dir_tables(old, 2 * len);
    size_t full_depth = 0;
    uint8_t depth = (uint8_t)(m->global_depth - 1);
    for (size_t i = 0; i < len; i++) {
        swiss_table *tab = old_tables[2 * i];
        /* Every run is even-aligned and at least two entries long. Renumbered at
           its first entry; the new index i is below every later old index 2j of
           the run, so it cannot match again. */
        if (tab->index == 2 * (intptr_t)i) {
            tab->index = (intptr_t)i;
            if (tab->local_depth == depth)
                full_depth++;
        }
        swiss_dir_set(new_dir, len, i, tab);
    }
    m->dir_ptr = new_dir;
    m->dir_len = len;
    m->uniform_stride = 0;
    swiss_forget_dirty_list(m);     /* it names tables by index */
    m->global_depth = depth;
    m->global_shift++;
    m->full_depth_tables = full_depth;
    swiss_dir_free(m, old, 2 * len);
}
