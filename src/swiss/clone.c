/* mapclone: an independent copy with the same seed, hence the same layout: the
 * small group or every table is copied byte for byte (tombstones included), and
 * indirect keys and elems get copies of their own. Everything is allocated into
 * the new map as it is built; on a failure the partial copy is freed whole. */
#include "swiss.h"

/* Replaces the indirect pointers of a copied group by fresh copies. The pointers
   of the whole group are cleared first so that a partial copy never owns (and
   never frees) an object of the source. */
static void clear_indirect_pointers(const rtmap_maptype *t, uint8_t *g)
{
    for (unsigned i = 0; i < SWISS_GROUP_SLOTS; i++) {
        uint8_t *slot = swiss_slot(t, g, i);
        if (t->flags & RTMAP_INDIRECT_KEY)
            *(void **)slot = NULL;
        if (t->flags & RTMAP_INDIRECT_ELEM)
            *(void **)(slot + t->elemoff) = NULL;
    }
}

static bool copy_indirect(const rtmap_maptype *t, rtmap_hmap *dst, uint8_t *dg, uint8_t *sg)
{
    clear_indirect_pointers(t, dg);
    uint64_t full = group_match_full(ctrl_load(sg));
    while (full) {
        unsigned i = bitset_first(full);
        full = bitset_remove_first(full);
        uint8_t *ss = swiss_slot(t, sg, i), *ds = swiss_slot(t, dg, i);
        if (t->flags & RTMAP_INDIRECT_KEY) {
            void *k = rtmap_alloc_value(&dst->alloc, t->key);
            if (!k)
                return false;
            memcpy(k, *(void **)ss, t->key->size);
            *(void **)ds = k;
        }
        if (t->flags & RTMAP_INDIRECT_ELEM) {
            void *e = rtmap_alloc_value(&dst->alloc, t->elem);
            if (!e)
                return false;
            memcpy(e, *(void **)(ss + t->elemoff), t->elem->size);
            *(void **)(ds + t->elemoff) = e;
        }
    }
    return true;
}

static swiss_table *clone_table(const rtmap_maptype *t, rtmap_hmap *dst, const swiss_table *src)
{
    swiss_table *tab = swiss_table_new(t, dst, src->capacity, src->local_depth, src->index);
    if (!tab)
        return NULL;
    uint8_t *groups = tab->groups;
    *tab = *src;
    tab->groups = groups;
    tab->in_slab = false;           /* the clone's groups are its own block */
    memcpy(groups, src->groups, swiss_group_bytes(t, src->group_mask + 1));
    return tab;
}

static bool clone_into(const rtmap_maptype *t, rtmap_hmap *dst, const rtmap_hmap *src)
{
    bool indirect = (t->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM)) != 0;
    if (src->dir_len == 0) {
        uint8_t *g = swiss_alloc(dst, t->bucketsize, 8, t->bucket);
        if (!g)
            return false;
        memcpy(g, src->dir_ptr, t->bucketsize);
        dst->dir_ptr = g;
        return !indirect || copy_indirect(t, dst, g, src->dir_ptr);
    }
    void *dir = swiss_dir_alloc(dst, src->dir_len);
    if (!dir)
        return false;
    dst->dir_ptr = dir;
    dst->dir_len = src->dir_len;
    for (size_t i = 0; i < src->dir_len; i++) {
        swiss_table *s = swiss_dir_at(src, i);
        if (i > 0 && s == swiss_dir_at(src, i - 1)) {
            swiss_dir_set(dir, src->dir_len, i, swiss_dir_at(dst, i - 1));
            continue;
        }
        swiss_table *tab = clone_table(t, dst, s);
        if (!tab)
            return false;
        swiss_dir_set(dir, src->dir_len, i, tab);
        if (indirect) {
            for (uint64_t g = 0; g <= tab->group_mask; g++)
                clear_indirect_pointers(t, swiss_group(t, tab, g));
            for (uint64_t g = 0; g <= tab->group_mask; g++)
                if (!copy_indirect(t, dst, swiss_group(t, tab, g), swiss_group(t, s, g)))
                    return false;
        }
    }
    return true;
}

rtmap_hmap *rtmap_mapclone(const rtmap_maptype *t, rtmap_hmap *h)
{
    if (!h)
        return NULL;
    if (RTMAP_UNLIKELY(h->writing))
        rtmap_fatal(RTMAP_FATAL_CONCURRENT_READ_WRITE, "concurrent map clone and map write");
    rtmap_allocator a;
    rtmap_current_allocator(&a);
    rtmap_hmap *m = rtmap_alloc_with(&a, sizeof *m, _Alignof(rtmap_hmap), &swiss_hmap_type);
    if (!m) {
        rtmap_panic_oom();
        return NULL;
    }
    m->alloc = a;
    m->seed = h->seed;
    m->global_depth = h->global_depth;
    m->global_shift = h->global_shift;
    m->tombstone_possible = h->tombstone_possible;
    m->hint_depth = h->hint_depth;
    m->hint_capacity = h->hint_capacity;
    m->full_depth_tables = h->full_depth_tables;
    atomic_init(&m->live_iters, 0);
    if (h->dir_ptr && !clone_into(t, m, h)) {
        swiss_free_storage(t, m);
        rtmap_free_with(&a, m, sizeof *m);
        rtmap_panic_oom();
        return NULL;
    }
    m->used = h->used;
    return m;
}
