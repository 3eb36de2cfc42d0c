/* The map header: creation (with hint sizing), freeing, length, the small map's
 * single group and its promotion to a table, memory helpers and retired storage. */
#include "swiss.h"

#include <assert.h>

/* ---- memory -------------------------------------------------------------------- */

void *swiss_alloc(rtmap_hmap *m, size_t size, size_t align, const rtmap_type *layout)
{
    return rtmap_alloc_with(&m->alloc, size, align, layout);
}

void swiss_free(rtmap_hmap *m, void *p, size_t size)
{
    rtmap_free_with(&m->alloc, p, size);
}

size_t swiss_group_bytes(const rtmap_maptype *t, uint64_t groups)
{
    return (size_t)groups * t->bucketsize;
}

bool swiss_iterators_live(const rtmap_hmap *m)
{
    return atomic_load_explicit(&((rtmap_hmap *)m)->live_iters, memory_order_relaxed) != 0;
}

bool swiss_retire_reserve(rtmap_hmap *m, size_t n)
{
    if (m->retired_cap - m->retired_len >= n)
        return true;
    size_t cap = m->retired_cap ? 2 * m->retired_cap : 16;
    if (cap < m->retired_len + n)
        cap = m->retired_len + n;
    swiss_retired *r = swiss_alloc(m, cap * sizeof *r, _Alignof(swiss_retired), &swiss_retired_type);
    if (!r)
        return false;
    if (m->retired_len)
        memcpy(r, m->retired, m->retired_len * sizeof *r);
    swiss_free(m, m->retired, m->retired_cap * sizeof *r);
    m->retired = r;
    m->retired_cap = cap;
    return true;
}

void swiss_retire(rtmap_hmap *m, void *p, size_t size)
{
    if (!p)
        return;
    if (!swiss_iterators_live(m)) {
        swiss_free(m, p, size);
        return;
    }
    assert(m->retired_len < m->retired_cap);
    m->retired[m->retired_len].ptr = p;
    m->retired[m->retired_len].size = size;
    m->retired_len++;
}

static void free_retired(rtmap_hmap *m)
{
    for (size_t i = 0; i < m->retired_len; i++) {
        if (m->retired[i].size == SWISS_RETIRED_HEADER)
            swiss_table_header_put(m, m->retired[i].ptr);
        else
            swiss_free(m, m->retired[i].ptr, m->retired[i].size);
    }
    swiss_free(m, m->retired, m->retired_cap * sizeof *m->retired);
    m->retired = NULL;
    m->retired_len = m->retired_cap = 0;
}

void swiss_collect_retired_slow(rtmap_hmap *m)
{
    if (!swiss_iterators_live(m))
        free_retired(m);
}

/* ---- writing flag ---------------------------------------------------------------- */

void swiss_fatal_concurrent_writes(void)
{
    rtmap_fatal(RTMAP_FATAL_CONCURRENT_WRITES, "concurrent map writes");
}

_Thread_local const char *swiss_fail_reason;

void swiss_fail_oom(rtmap_hmap *m)
{
    m->writing ^= 1;
    const char *reason = swiss_fail_reason;
    swiss_fail_reason = NULL;
    if (reason)
        rtmap_panic(RTMAP_PANIC_OUT_OF_MEMORY, reason);
    else
        rtmap_panic_oom();
}

bool rtmap_impl_writing(const rtmap_hmap *h)
{
    return h && h->writing != 0;
}

/* ---- entries with indirect keys or elems ------------------------------------------ */

void swiss_new_entry_store(const rtmap_maptype *t, uint8_t *slot, const void *key,
                           const swiss_new_entry *ne)
{
    if (t->flags & RTMAP_INDIRECT_KEY) {
        *(void **)slot = ne->key_obj;
        memcpy(ne->key_obj, key, t->key->size);
    } else {
        memcpy(slot, key, t->key->size);
    }
    if (t->flags & RTMAP_INDIRECT_ELEM)
        *(void **)(slot + t->elemoff) = ne->elem_obj;
}

void swiss_slot_clear(const rtmap_maptype *t, rtmap_hmap *m, uint8_t *slot)
{
    if (t->flags & RTMAP_INDIRECT_KEY) {
        void *k = *(void **)slot;
        *(void **)slot = NULL;
        swiss_retire(m, k, t->key->size);
    } else if (t->key->ptrbytes) {
        /* Keys without pointers stay readable, as in Go: a caller may still hold
           the iterator's key pointer after deleting that key. */
        rtmap_memclr(slot, t->key->size);
    }
    uint8_t *e = slot + t->elemoff;
    if (t->flags & RTMAP_INDIRECT_ELEM) {
        void *p = *(void **)e;
        *(void **)e = NULL;
        swiss_retire(m, p, t->elem->size);
    } else {
        /* Always zeroed: m[k] op= v after a delete must start from zero (Go 25936). */
        rtmap_memclr(e, t->elem->size);
    }
}

static void free_indirect_of_group(const rtmap_maptype *t, rtmap_hmap *m, uint8_t *g)
{
    uint64_t full = group_match_full(ctrl_load(g));
    while (full) {
        uint8_t *slot = swiss_slot(t, g, bitset_first(full));
        full = bitset_remove_first(full);
        if (t->flags & RTMAP_INDIRECT_KEY)
            swiss_free(m, *(void **)slot, t->key->size);
        if (t->flags & RTMAP_INDIRECT_ELEM)
            swiss_free(m, *(void **)(slot + t->elemoff), t->elem->size);
    }
}

void swiss_free_storage(const rtmap_maptype *t, rtmap_hmap *m)
{
    bool indirect = (t->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM)) != 0;
    if (m->dir_len == 0 && m->dir_ptr) {
        if (indirect)
            free_indirect_of_group(t, m, m->dir_ptr);
        swiss_free(m, m->dir_ptr, t->bucketsize);
    } else if (m->dir_len) {
        swiss_table *last = NULL;
        for (size_t i = 0; i < m->dir_len; i++) {
            swiss_table *tab = swiss_dir_at(m, i);
            if (!tab || tab == last)
                continue;
            last = tab;
            if (indirect && tab->groups && tab->used)
                for (uint64_t g = 0; g <= tab->group_mask; g++)
                    free_indirect_of_group(t, m, swiss_group(t, tab, g));
            swiss_table_free(t, m, tab);
        }
        swiss_dir_free(m, m->dir_ptr, m->dir_len);
    }
    m->dir_ptr = NULL;
    m->dir_len = 0;
    m->uniform_stride = 0;
    /* A presize that failed before its first table owns the slab alone. */
    swiss_free(m, m->groups_slab, m->slab_bytes);
    m->groups_slab = NULL;
    m->slab_bytes = 0;
    m->slab_tables = 0;
    free_retired(m);
    swiss_table_headers_free(m);
}

/* ---- creation ------------------------------------------------------------------- */

static uint64_t next_pow2(uint64_t n, bool *overflow)
{
    *overflow = false;
    if (n <= 1)
        return n;
    if (n > (UINT64_C(1) << 63)) {
        *overflow = true;
        return 0;
    }
    return UINT64_C(1) << (64 - __builtin_clzll(n - 1));
}

/* Presizes for `hint` entries (hint > 8) so they fit without growth. A hint the
   address space cannot hold is ignored, as Go does; false only on a real OOM. */
static bool presize(const rtmap_maptype *t, rtmap_hmap *m, uint64_t hint)
{
    if (hint > UINT64_MAX / SWISS_GROUP_SLOTS)
        return true;
    uint64_t target = hint * SWISS_GROUP_SLOTS / SWISS_MAX_AVG_GROUP_LOAD;
    bool overflow;
    uint64_t dir_size = next_pow2((target + SWISS_MAX_TABLE_CAPACITY - 1) / SWISS_MAX_TABLE_CAPACITY,
                                  &overflow);
    if (overflow || dir_size > SIZE_MAX / sizeof(void *))
        return true;
    uint64_t groups = dir_size * (SWISS_MAX_TABLE_CAPACITY / SWISS_GROUP_SLOTS);
    if (groups / dir_size != SWISS_MAX_TABLE_CAPACITY / SWISS_GROUP_SLOTS ||
        groups > SWISS_MAX_ALLOC / t->bucketsize)
        return true;
    uint64_t per_table = target / dir_size;
    uint64_t capacity = next_pow2(per_table < SWISS_GROUP_SLOTS ? SWISS_GROUP_SLOTS : per_table,
                                  &overflow);
    if (capacity > SWISS_MAX_TABLE_CAPACITY)
        capacity = SWISS_MAX_TABLE_CAPACITY;
    uint8_t depth = (uint8_t)__builtin_ctzll(dir_size);
    /* The map was sized on purpose: shrinking stops at this size. */
    m->hint_depth = depth;
    m->hint_capacity = (uint16_t)capacity;

    void *dir = swiss_dir_alloc(m, (size_t)dir_size);
    if (!dir)
        return false;
    m->dir_ptr = dir;
    m->dir_len = (size_t)dir_size;
    /* One block for the groups of every table: one allocation instead of one per
       table, and a block large enough that the C heap maps it (and, once freed,
       keeps the next one mapped) rather than trimming and faulting its pages
       back in on every map of the same size. */
    size_t table_bytes = swiss_group_bytes(t, capacity / SWISS_GROUP_SLOTS);
    m->slab_bytes = table_bytes * (size_t)dir_size;
    m->groups_slab = swiss_alloc(m, m->slab_bytes, 8, t->bucket);
    if (!m->groups_slab) {
        m->slab_bytes = 0;
        swiss_free_storage(t, m);
        return false;
    }
    for (size_t i = 0; i < dir_size; i++) {
        swiss_table *tab = swiss_table_new_in_slab(t, m, (uint16_t)capacity, depth, (intptr_t)i,
                                                   m->groups_slab + i * table_bytes);
        if (!tab) {
            swiss_free_storage(t, m);
            return false;
        }
        swiss_dir_set(dir, (size_t)dir_size, i, tab);
    }
    m->global_depth = depth;
    m->global_shift = (uint8_t)(63 - depth);
    m->full_depth_tables = (size_t)dir_size;
    if (table_bytes <= UINT32_MAX) {
        m->uniform_stride = (uint32_t)table_bytes;
        m->uniform_group_mask = (uint16_t)(capacity / SWISS_GROUP_SLOTS - 1);
    }
    return true;
}

rtmap_hmap *rtmap_new_map_header(void)
{
    rtmap_allocator a;
    rtmap_current_allocator(&a);
    rtmap_hmap *m = rtmap_alloc_with(&a, sizeof *m, _Alignof(rtmap_hmap), &swiss_hmap_type);
    if (!m)
        return NULL;
    m->alloc = a;
    m->seed = rtmap_rand();
    m->global_shift = 63;
    atomic_init(&m->live_iters, 0);
    return m;
}

rtmap_hmap *rtmap_makemap(const rtmap_maptype *t, intptr_t hint)
{
    rtmap_hmap *m = rtmap_new_map_header();
    if (!m) {
        rtmap_panic_oom();
        return NULL;
    }
    /* A hint of at most 8 needs the single group the first insert allocates anyway. */
    if (hint > (intptr_t)SWISS_GROUP_SLOTS && !presize(t, m, (uint64_t)hint)) {
        rtmap_allocator a = m->alloc;
        rtmap_free_with(&a, m, sizeof *m);
        rtmap_panic_oom();
        return NULL;
    }
    return m;
}

void rtmap_mapfree(const rtmap_maptype *t, rtmap_hmap *m)
{
    if (!m)
        return;
    swiss_free_storage(t, m);
    rtmap_allocator a = m->alloc;
    rtmap_free_with(&a, m, sizeof *m);
}

intptr_t rtmap_maplen(const rtmap_hmap *h)
{
    return h ? h->used : 0;
}

/* ---- small map ------------------------------------------------------------------- */

uint8_t *swiss_new_small_group(const rtmap_maptype *t, rtmap_hmap *m)
{
    uint8_t *g = swiss_alloc(m, t->bucketsize, 8, t->bucket);
    if (g)
        ctrl_store(g, SWISS_CTRL_ALL_EMPTY);
    return g;
}

bool swiss_grow_to_table(const rtmap_maptype *t, rtmap_hmap *m)
{
    uint8_t *small = m->dir_ptr;
    if (swiss_iterators_live(m) && !swiss_retire_reserve(m, 1))
        return false;
    swiss_table *tab = swiss_table_new(t, m, 2 * SWISS_GROUP_SLOTS, 0, 0);
    if (!tab)
        return false;
    void *dir = swiss_dir_alloc(m, 1);
    if (!dir) {
        swiss_table_free(t, m, tab);
        return false;
    }
    uint64_t full = group_match_full(ctrl_load(small));
    while (full) {
        uint8_t *slot = swiss_slot(t, small, bitset_first(full));
        full = bitset_remove_first(full);
        swiss_table_unchecked_put(t, tab, swiss_hash_stored_key(t, m, swiss_slot_key(t, slot)), slot);
    }
    tab->shrink_below = swiss_shrink_threshold(m, tab);
    swiss_dir_set(dir, 1, 0, tab);
    m->dir_ptr = dir;
    m->dir_len = 1;
    m->global_depth = 0;
    m->global_shift = 63;
    m->full_depth_tables = 1;
    /* An iterator that started on the small map keeps reading the old group. */
    swiss_retire(m, small, t->bucketsize);
    return true;
}
