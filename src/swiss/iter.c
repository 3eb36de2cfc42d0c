/* Iteration with Go's semantics while the map changes underneath.
 *
 * The walk starts at a random directory offset and a random slot offset. It keeps
 * the table it is walking even after that table was replaced by growth or split
 * (such a "stale" table keeps its contents and local depth), so no entry is
 * produced twice or skipped; a key read from a stale table (or from the old group
 * of a map that was small at init) is looked up again in the live map, which
 * gives its current elem and drops it if it was deleted. When the directory
 * doubles, the walk position is rescaled, because doubling keeps entry order.
 * A clear ends the iteration (nothing from before it may be produced).
 *
 * The iterator counts as live (holding retired storage alive) from init on a
 * non-empty map until it reports the end or is stopped. */
#include "swiss.h"

enum {
    IT_TYPE, IT_MAP, IT_ENTRY_OFFSET, IT_DIR_OFFSET, IT_CLEAR_SEQ, IT_STATE,
    IT_DIR_IDX, IT_TAB, IT_ENTRY_IDX, IT_UNUSED
};
#define IT_DEPTH_MASK ((uintptr_t)0xFF)
#define IT_LIVE ((uintptr_t)0x100)
_Static_assert(IT_UNUSED < sizeof(((rtmap_hiter *)0)->priv) / sizeof(uintptr_t), "fits rtmap_hiter");

static void finish(rtmap_hiter *it)
{
    it->key = it->elem = NULL;
    rtmap_hmap *m = (rtmap_hmap *)it->priv[IT_MAP];
    if (m && (it->priv[IT_STATE] & IT_LIVE))
        atomic_fetch_sub_explicit(&m->live_iters, 1, memory_order_relaxed);
    it->priv[IT_STATE] &= ~IT_LIVE;
    it->priv[IT_MAP] = 0;
}

void rtmap_mapiterstop(rtmap_hiter *it)
{
    if (it)
        finish(it);
}

void rtmap_mapiterinit(const rtmap_maptype *t, rtmap_hmap *h, rtmap_hiter *it)
{
    memset(it, 0, sizeof *it);
    it->priv[IT_TYPE] = (uintptr_t)t;
    if (!h || h->used == 0)
        return;
    it->priv[IT_MAP] = (uintptr_t)h;
    it->priv[IT_ENTRY_OFFSET] = (uintptr_t)rtmap_rand();
    it->priv[IT_DIR_OFFSET] = (uintptr_t)rtmap_rand();
    it->priv[IT_CLEAR_SEQ] = (uintptr_t)h->clear_seq;
    it->priv[IT_STATE] = h->global_depth | IT_LIVE;
    if (h->dir_len == 0) {
        it->priv[IT_DIR_IDX] = (uintptr_t)(intptr_t)-1;
        it->priv[IT_TAB] = (uintptr_t)h->dir_ptr;
    }
    atomic_fetch_add_explicit(&h->live_iters, 1, memory_order_relaxed);
    rtmap_mapiternext(it);
}

/* A key found in replaced storage: produce the live entry, or nothing if the key
   was deleted. Keys unequal to themselves (NaN) cannot be looked up, deleted or
   updated, so their old copy is still the entry. */
static bool resolve_grown(const rtmap_maptype *t, const rtmap_hmap *m, uint8_t *old_slot,
                          void **key, void **elem)
{
    uint8_t *cur = swiss_find_slot(t, m, *key, swiss_hash_stored_key(t, m, *key), NULL);
    if (cur) {
        *key = swiss_slot_key(t, cur);
        *elem = swiss_slot_elem(t, cur);
        return true;
    }
    if (!(t->flags & RTMAP_REFLEXIVE_KEY) && !t->key->equal(t->key, *key, *key)) {
        *elem = swiss_slot_elem(t, old_slot);
        return true;
    }
    return false;
}

static void next_small(const rtmap_maptype *t, const rtmap_hmap *m, rtmap_hiter *it)
{
    uint8_t *g = (uint8_t *)it->priv[IT_TAB];
    uintptr_t offset = it->priv[IT_ENTRY_OFFSET];
    for (uintptr_t e = it->priv[IT_ENTRY_IDX]; e < SWISS_GROUP_SLOTS; e++) {
        unsigned k = (unsigned)((e + offset) & (SWISS_GROUP_SLOTS - 1));
        if (ctrl_get(g, k) & SWISS_CTRL_EMPTY)
            continue;
        uint8_t *slot = swiss_slot(t, g, k);
        void *key = swiss_slot_key(t, slot), *elem;
        if (m->dir_len > 0) {
            if (!resolve_grown(t, m, slot, &key, &elem))
                continue;
        } else {
            elem = swiss_slot_elem(t, slot);
        }
        it->priv[IT_ENTRY_IDX] = e + 1;
        it->key = key;
        it->elem = elem;
        return;
    }
    finish(it);
}

static void next_tables(const rtmap_maptype *t, const rtmap_hmap *m, rtmap_hiter *it)
{
    uintptr_t seen_depth = it->priv[IT_STATE] & IT_DEPTH_MASK;
    uintptr_t dir_idx = it->priv[IT_DIR_IDX];
    uintptr_t dir_offset = it->priv[IT_DIR_OFFSET];
    if (seen_depth != m->global_depth) {
        unsigned orders = (unsigned)(m->global_depth - seen_depth);
        dir_idx <<= orders;
        dir_offset <<= orders;
        it->priv[IT_STATE] = (it->priv[IT_STATE] & ~IT_DEPTH_MASK) | m->global_depth;
    }
    swiss_table *tab = (swiss_table *)it->priv[IT_TAB];
    uint64_t entry_idx = it->priv[IT_ENTRY_IDX];
    uint64_t entry_offset = it->priv[IT_ENTRY_OFFSET];
    while (dir_idx < m->dir_len) {
        if (!tab) {
            size_t d = (dir_idx + dir_offset) & (m->dir_len - 1);
            tab = swiss_dir_at(m, d);
            /* The random start may fall inside a table's run: move the offset so
               the walk starts on the run's first entry (later runs are aligned). */
            if ((size_t)tab->index != d)
                dir_offset -= d - (size_t)tab->index;
        }
        uint64_t mask = tab->capacity - 1u;
        while (entry_idx <= mask) {
            uint64_t e = (entry_idx + entry_offset) & mask;
            unsigned k = (unsigned)(e & (SWISS_GROUP_SLOTS - 1));
            uint8_t *g = swiss_group(t, tab, e / SWISS_GROUP_SLOTS);
            uint64_t full = bitset_remove_below(group_match_full(ctrl_load(g)), k);
            if (!full) {
                entry_idx += SWISS_GROUP_SLOTS - k;
                continue;
            }
            unsigned j = bitset_first(full);
            entry_idx += j - k;
            if (entry_idx > mask)
                break;          /* wrapped into the part of the first group already seen */
            uint8_t *slot = swiss_slot(t, g, j);
            void *key = swiss_slot_key(t, slot), *elem;
            if (tab->index == -1) {
                if (!resolve_grown(t, m, slot, &key, &elem)) {
                    entry_idx++;
                    continue;
                }
            } else {
                elem = swiss_slot_elem(t, slot);
            }
            it->priv[IT_ENTRY_IDX] = (uintptr_t)(entry_idx + 1);
            it->priv[IT_DIR_IDX] = dir_idx;
            it->priv[IT_DIR_OFFSET] = dir_offset;
            it->priv[IT_TAB] = (uintptr_t)tab;
            it->key = key;
            it->elem = elem;
            return;
        }
        /* The stale table's own depth: skips its duplicates, or both halves of a
           table that was split after the walk started on it. */
        dir_idx += (uintptr_t)1 << (m->global_depth - tab->local_depth);
        tab = NULL;
        entry_idx = 0;
    }
    it->priv[IT_DIR_IDX] = dir_idx;
    finish(it);
}

void rtmap_mapiternext(rtmap_hiter *it)
{
    rtmap_hmap *m = (rtmap_hmap *)it->priv[IT_MAP];
    if (!m) {
        it->key = it->elem = NULL;
        return;
    }
    if (RTMAP_UNLIKELY(m->writing))
        rtmap_fatal(RTMAP_FATAL_CONCURRENT_ITER_WRITE, "concurrent map iteration and map write");
    if ((uintptr_t)m->clear_seq != it->priv[IT_CLEAR_SEQ]) {
        finish(it);
        return;
    }
    const rtmap_maptype *t = (const rtmap_maptype *)it->priv[IT_TYPE];
    if ((intptr_t)it->priv[IT_DIR_IDX] < 0) {
        next_small(t, m, it);
        return;
    }
    /* Fast path: the next slot of a live table, unchanged depth, is full. */
    swiss_table *tab = (swiss_table *)it->priv[IT_TAB];
    if (RTMAP_LIKELY(tab != NULL) && tab->index != -1 &&
        (it->priv[IT_STATE] & IT_DEPTH_MASK) == m->global_depth) {
        uint64_t entry_idx = it->priv[IT_ENTRY_IDX];
        uint64_t mask = tab->capacity - 1u;
        if (entry_idx <= mask) {
            uint64_t e = (entry_idx + it->priv[IT_ENTRY_OFFSET]) & mask;
            uint8_t *g = swiss_group(t, tab, e / SWISS_GROUP_SLOTS);
            unsigned k = (unsigned)(e & (SWISS_GROUP_SLOTS - 1));
            if (!(ctrl_get(g, k) & SWISS_CTRL_EMPTY)) {
                uint8_t *slot = swiss_slot(t, g, k);
                it->priv[IT_ENTRY_IDX] = (uintptr_t)(entry_idx + 1);
                it->key = swiss_slot_key(t, slot);
                it->elem = swiss_slot_elem(t, slot);
                return;
            }
        }
    }
    next_tables(t, m, it);
}
