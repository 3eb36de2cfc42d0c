/* rtmap_verify for the swiss build: walks the whole map and checks the invariants
 * the algorithm relies on. Slow by design; for tests. */
#include "find.h"

/* The short name keeps each check's report on its line. */
#define fail(...) rtmap_verify_fail(__VA_ARGS__)

static bool zero_bytes(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static bool self_equal(const rtmap_maptype *t, const void *key)
{
    return t->key->equal(t->key, key, key);
}

/* Checks the ctrl bytes of one group and the slots they describe; counts states. */
static bool check_group(const rtmap_maptype *t, const rtmap_hmap *m, const swiss_table *tab,
                        uint8_t *g, unsigned *full, unsigned *deleted, unsigned *empty,
                        char *why, size_t len)
{
    unsigned f = 0, d = 0, e = 0;
    for (unsigned i = 0; i < SWISS_GROUP_SLOTS; i++) {
        uint8_t c = ctrl_get(g, i);
        uint8_t *slot = swiss_slot(t, g, i);
        if (c == SWISS_CTRL_EMPTY || c == SWISS_CTRL_DELETED) {
            c == SWISS_CTRL_EMPTY ? e++ : d++;
            if ((t->flags & RTMAP_INDIRECT_KEY) && *(void **)slot)
                return fail(why, len, "free slot %u keeps an indirect key", i);
            if ((t->flags & RTMAP_INDIRECT_ELEM) ? *(void **)(slot + t->elemoff) != NULL
                                                 : !zero_bytes(slot + t->elemoff, t->elem->size))
                return fail(why, len, "free slot %u has a non-zero elem", i);
            continue;
        }
        if (c & 0x80)
            return fail(why, len, "bad control byte 0x%02x", c);
        f++;
        if ((t->flags & RTMAP_INDIRECT_KEY) && !*(void **)slot)
            return fail(why, len, "full slot %u has no key object", i);
        if ((t->flags & RTMAP_INDIRECT_ELEM) && !*(void **)(slot + t->elemoff))
            return fail(why, len, "full slot %u has no elem object", i);
        const void *key = swiss_slot_key(t, slot);
        if (self_equal(t, key)) {
            uint64_t hash = t->hasher(t->key, key, m->seed);
            if (swiss_h2(hash) != c)
                return fail(why, len, "slot %u: ctrl 0x%02x is not the key's H2 0x%02x", i, c,
                            swiss_h2(hash));
            if (tab && swiss_dir_lookup(m, hash) != tab)
                return fail(why, len, "a table holds a key the directory sends elsewhere");
            if (swiss_find_slot(t, m, key, hash, NULL) != slot)
                return fail(why, len, "a stored key is not found by lookup");
        }
    }
    *full += f;
    *deleted += d;
    *empty += e;
    if (d && e)
        return fail(why, len, "a group holds both empty and deleted slots");
    return true;
}

static bool check_table(const rtmap_maptype *t, const rtmap_hmap *m, const swiss_table *tab,
                        size_t at, char *why, size_t len)
{
    if (tab->capacity < SWISS_GROUP_SLOTS || tab->capacity > SWISS_MAX_TABLE_CAPACITY ||
        (tab->capacity & (tab->capacity - 1)))
        return fail(why, len, "table at %zu: bad capacity %u", at, tab->capacity);
    if (tab->capacity < swiss_capacity_floor(m))
        return fail(why, len, "table at %zu: capacity %u below the floor %u", at, tab->capacity,
                    swiss_capacity_floor(m));
    if (tab->local_depth < m->hint_depth)
        return fail(why, len, "table at %zu: local depth %u below the hint's %u", at,
                    tab->local_depth, m->hint_depth);
    bool can_merge = tab->local_depth > m->hint_depth;
    if (can_merge ? tab->shrink_below != SWISS_MERGE_THRESHOLD
                  : tab->shrink_below > swiss_max_growth(tab->capacity) / 4 ||
                        (tab->shrink_below && tab->capacity <= swiss_capacity_floor(m)))
        return fail(why, len, "table at %zu: shrink threshold %u for capacity %u (floor %u)", at,
                    tab->shrink_below, tab->capacity, swiss_capacity_floor(m));
    if (tab->group_mask != tab->capacity / SWISS_GROUP_SLOTS - 1u)
        return fail(why, len, "table at %zu: group mask %llu for capacity %u", at,
                    (unsigned long long)tab->group_mask, tab->capacity);
    unsigned full = 0, deleted = 0, empty = 0;
    for (uint64_t gi = 0; gi <= tab->group_mask; gi++) {
        uint8_t *g = swiss_group(t, tab, gi);
        unsigned used_before = full + deleted;
        if (!check_group(t, m, tab, g, &full, &deleted, &empty, why, len))
            return false;
        if (full + deleted > used_before && !(tab->dirty_groups & swiss_dirty_bit(gi)))
            return fail(why, len, "table at %zu: group %llu holds entries but is not marked dirty",
                        at, (unsigned long long)gi);
    }
    if (full != tab->used)
        return fail(why, len, "table at %zu: used %u but %u full slots", at, tab->used, full);
    if (tab->growth_left > swiss_max_growth(tab->capacity) ||
        tab->used + tab->growth_left > swiss_max_growth(tab->capacity))
        return fail(why, len, "table at %zu: used %u + growth_left %u > max %u", at, tab->used,
                    tab->growth_left, swiss_max_growth(tab->capacity));
    if (deleted != swiss_tombstones(tab))
        return fail(why, len, "table at %zu: %u deleted slots, accounting says %u", at, deleted,
                    swiss_tombstones(tab));
    if (empty == 0)
        return fail(why, len, "table at %zu has no empty slot", at);
    if (deleted && !m->tombstone_possible)
        return fail(why, len, "tombstones exist but tombstone_possible is false");
    if (m->dirty_list_valid) {
        bool listed = false;
        for (unsigned k = 0; k < m->dirty_len; k++)
            listed |= m->dirty_tables[k] == (uint32_t)at;
        if (listed != (tab->dirty_groups != 0))
            return fail(why, len, "table at %zu: %s since the last clear but %s the dirty list", at,
                        tab->dirty_groups ? "written" : "not written", listed ? "on" : "not on");
    }
    return true;
}

/* Every header of the chunks is in use by one of the live tables, retired with a
   replaced table an iterator may still read, or on the free list. */
static bool check_headers(const rtmap_hmap *m, size_t live_tables, char *why, size_t len)
{
    size_t retired = 0;
    for (size_t i = 0; i < m->retired_len; i++)
        retired += m->retired[i].size == SWISS_RETIRED_HEADER;
    size_t free_headers = 0;
    for (const swiss_table *tab = m->free_tables; tab; tab = (const swiss_table *)(const void *)tab->groups) {
        if (tab->index != SWISS_TABLE_FREE || tab->used || tab->capacity)
            return fail(why, len, "a free table header is marked in use");
        free_headers++;
    }
    size_t capacity = swiss_table_headers_capacity(m);
    if (live_tables + retired + free_headers != capacity)
        return fail(why, len, "table headers: %zu live + %zu retired + %zu free != %zu in the chunks",
                    live_tables, retired, free_headers, capacity);
    return true;
}

bool rtmap_verify(const rtmap_maptype *t, const rtmap_hmap *m, char *why, size_t len)
{
    if (!m)
        return true;
    if (m->writing)
        return fail(why, len, "writing flag set");
    if (m->used < 0)
        return fail(why, len, "negative count");
    if (m->uniform_stride && m->dir_len == 0)
        return fail(why, len, "a map without a directory is marked as presize built it");
    if (!m->dir_ptr) {
        if (m->used || m->dir_len)
            return fail(why, len, "unallocated map with used %ld dir_len %zu", (long)m->used, m->dir_len);
        return check_headers(m, 0, why, len);
    }
    if (m->dir_len == 0) {
        unsigned full = 0, deleted = 0, empty = 0;
        if (!check_group(t, m, NULL, m->dir_ptr, &full, &deleted, &empty, why, len))
            return false;
        if (deleted)
            return fail(why, len, "small map with tombstones");
        if ((intptr_t)full != m->used)
            return fail(why, len, "small map: used %ld but %u full slots", (long)m->used, full);
        return check_headers(m, 0, why, len);
    }
    if (m->global_depth > 63 || m->dir_len != (size_t)1 << m->global_depth)
        return fail(why, len, "dir_len %zu for global depth %u", m->dir_len, m->global_depth);
    if (m->global_shift != 63 - m->global_depth)
        return fail(why, len, "global shift %u for depth %u", m->global_shift, m->global_depth);
    if (m->global_depth < m->hint_depth)
        return fail(why, len, "global depth %u below the hint's %u", m->global_depth, m->hint_depth);
    if (m->dirty_len > SWISS_DIRTY_LIST_LEN)
        return fail(why, len, "dirty list of %u tables", m->dirty_len);
    for (unsigned k = 0; m->dirty_list_valid && k < m->dirty_len; k++)
        if (m->dirty_tables[k] >= m->dir_len ||
            swiss_dir_at(m, m->dirty_tables[k])->index != (intptr_t)m->dirty_tables[k])
            return fail(why, len, "dirty list entry %u names no table's first entry", k);
    intptr_t total = 0;
    size_t full_depth = 0, tables = 0, in_slab = 0;
    for (size_t i = 0; i < m->dir_len;) {
        const swiss_table *tab = swiss_dir_at(m, i);
        if (!tab)
            return fail(why, len, "directory entry %zu is NULL", i);
        if (tab->local_depth > m->global_depth)
            return fail(why, len, "entry %zu: local depth %u > global depth %u", i,
                        tab->local_depth, m->global_depth);
        size_t span = (size_t)1 << (m->global_depth - tab->local_depth);
        if (tab->index != (intptr_t)i || i % span != 0)
            return fail(why, len, "entry %zu: table index %ld (span %zu)", i, (long)tab->index, span);
        for (size_t j = i; j < i + span; j++) {
            if (j >= m->dir_len || swiss_dir_at(m, j) != tab)
                return fail(why, len, "entry %zu: table does not cover its run", j);
            uintptr_t w = swiss_dir_groups_word_at(m, j);
            if (swiss_dir_groups(w) != tab->groups || swiss_dir_group_mask(w) != tab->group_mask)
                return fail(why, len, "entry %zu: stale copy of the table's groups or mask", j);
        }
        /* What a probe computes instead of reading the entry must be the entry. */
        if (m->uniform_stride &&
            (!tab->in_slab || span != 1 || tab->group_mask != m->uniform_group_mask ||
             tab->groups != m->groups_slab + i * m->uniform_stride))
            return fail(why, len, "entry %zu: the map is marked as presize built it, but the "
                        "table is not the slab's table %zu", i, i);
        /* A table seen again past its run would fail the index check there. */
        if (!check_table(t, m, tab, i, why, len))
            return false;
        total += tab->used;
        full_depth += tab->local_depth == m->global_depth;
        tables++;
        if (tab->in_slab) {
            in_slab++;
            if (!m->groups_slab || tab->groups < m->groups_slab ||
                tab->groups + swiss_group_bytes(t, tab->group_mask + 1u) > m->groups_slab + m->slab_bytes)
                return fail(why, len, "entry %zu: table's groups lie outside the map's slab", i);
        }
        i += span;
    }
    if (total != m->used)
        return fail(why, len, "map used %ld, tables hold %ld", (long)m->used, (long)total);
    if (full_depth != m->full_depth_tables)
        return fail(why, len, "%zu tables at full depth, the count says %zu", full_depth,
                    m->full_depth_tables);
    if (in_slab != m->slab_tables)
        return fail(why, len, "%zu tables in the slab, the count says %zu", in_slab, m->slab_tables);
    return check_headers(m, tables, why, len);
}
