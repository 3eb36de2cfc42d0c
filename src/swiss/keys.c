/* mapkeys / mapvalues (maps.Keys, maps.Values into a caller's array): a plain walk
 * in storage order, no iterator state and no randomness needed. */
#include "swiss.h"

typedef void (*visit_fn)(const rtmap_maptype *t, uint8_t *slot, uint8_t *dst);

static void copy_key(const rtmap_maptype *t, uint8_t *slot, uint8_t *dst)
{
    memcpy(dst, swiss_slot_key(t, slot), t->key->size);
}

static void copy_elem(const rtmap_maptype *t, uint8_t *slot, uint8_t *dst)
{
    memcpy(dst, swiss_slot_elem(t, slot), t->elem->size);
}

static size_t walk_group(const rtmap_maptype *t, uint8_t *g, uint8_t *dst, size_t stride,
                         size_t n, size_t cap, visit_fn visit)
{
    uint64_t full = group_match_full(ctrl_load(g));
    while (full && n < cap) {
        visit(t, swiss_slot(t, g, bitset_first(full)), dst + n * stride);
        full = bitset_remove_first(full);
        n++;
    }
    return n;
}

static size_t walk(const rtmap_maptype *t, rtmap_hmap *m, void *dst, size_t cap,
                   size_t stride, visit_fn visit)
{
    if (!m || m->used == 0 || cap == 0)
        return 0;
    swiss_check_not_writing(m);
    size_t n = 0;
    if (m->dir_len == 0)
        return walk_group(t, m->dir_ptr, dst, stride, 0, cap, visit);
    swiss_table *last = NULL;
    for (size_t i = 0; i < m->dir_len && n < cap; i++) {
        swiss_table *tab = swiss_dir_at(m, i);
        if (tab == last)
            continue;
        last = tab;
        for (uint64_t g = 0; g <= tab->group_mask && n < cap; g++)
            n = walk_group(t, swiss_group(t, tab, g), dst, stride, n, cap, visit);
    }
    return n;
}

size_t rtmap_mapkeys(const rtmap_maptype *t, rtmap_hmap *h, void *dst, size_t cap)
{
    return walk(t, h, dst, cap, t->key->size, copy_key);
}

size_t rtmap_mapvalues(const rtmap_maptype *t, rtmap_hmap *h, void *dst, size_t cap)
{
    return walk(t, h, dst, cap, t->elem->size, copy_elem);
}
