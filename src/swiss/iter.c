/* Iteration with Go's semantics while the map changes underneath.
 *
 * The walk covers the space of directory hash prefixes once, from a random start:
 * the position is kept as a hash prefix of fixed width (IT_PREFIX_BITS, the top
 * bits of the directory hash >> 1), so growth, splits, merges and directory doubling or halving
 * never invalidate it. At each position the walk takes the table the directory
 * names there and walks its slots from a random offset. It keeps that table even
 * after it was replaced by growth, split, shrink or merge (such a "stale" table
 * keeps its contents and local depth), so no entry is produced twice or skipped; a
 * key read from a stale table (or from the old group of a map that was small at
 * init) is looked up again in the live map, which gives its current elem and
 * drops it if it was deleted. The walk then moves past the prefixes that table
 * covered when it was taken.
 *
 * A merge can make the table at the walk position cover prefixes already walked
 * (its buddy's), or reach past the end of the walk. Such a table is walked with a
 * filter: only keys whose hash prefix lies in the part not walked yet are produced.
 * Merges while an iterator is live are skipped for key types with NaN-like keys,
 * whose hash is random (shrink.c), so the filter is exact.
 * A clear ends the iteration (nothing from before it may be produced).
 *
 * The iterator counts as live (holding retired storage alive) from init on a
 * non-empty map until it reports the end or is stopped. */
#include "swiss.h"

enum {
    IT_TYPE, IT_MAP, IT_ENTRY_OFFSET, IT_START, IT_CLEAR_SEQ, IT_STATE,
    IT_WALKED, IT_TAB, IT_ENTRY_IDX, IT_PIECE, IT_WORDS
};
#define IT_LIVE     ((uintptr_t)0x1)
#define IT_SMALL    ((uintptr_t)0x2)   /* walking the group of a map small at init */
#define IT_FILTERED ((uintptr_t)0x4)   /* the table is walked for part of its prefixes */
_Static_assert(IT_WORDS <= sizeof(((rtmap_hiter *)0)->priv) / sizeof(uintptr_t), "fits rtmap_hiter");

/* Walk positions: prefixes of IT_PREFIX_BITS bits, the whole walk IT_SPACE long
   (representable, so "walked everything" is a value). A directory never has more
   entries than an address space holds, so its depth is at most IT_PREFIX_BITS. */
#define IT_PREFIX_BITS (sizeof(uintptr_t) * 8 - 1)
#define IT_SPACE ((uintptr_t)1 << IT_PREFIX_BITS)

static uintptr_t hash_prefix(uint64_t hash)
{
    return (uintptr_t)((swiss_dir_hash(hash) >> 1) >> (63 - IT_PREFIX_BITS));
}

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
    uintptr_t start = (uintptr_t)rtmap_rand() & (IT_SPACE - 1);
    it->priv[IT_CLEAR_SEQ] = (uintptr_t)h->clear_seq;
    it->priv[IT_STATE] = IT_LIVE;
    if (h->dir_len == 0) {
        it->priv[IT_STATE] |= IT_SMALL;
        it->priv[IT_TAB] = (uintptr_t)h->dir_ptr;
    } else {
        /* Start on the first prefix of the table there, so that it is walked whole. */
        unsigned shift = (unsigned)(IT_PREFIX_BITS - h->global_depth);
        it->priv[IT_START] = (uintptr_t)swiss_dir_at(h, start >> shift)->index << shift;
    }
    atomic_fetch_add_explicit(&h->live_iters, 1, memory_order_relaxed);
    rtmap_mapiternext(it);
}

/* A key found in replaced storage: produce the live entry, or nothing if the key
   was deleted. Keys unequal to themselves (NaN) cannot be looked up, deleted or
   updated, so their old copy is still the entry. */
static bool resolve_grown(const rtmap_maptype *t, const rtmap_hmap *m, uint8_t *old_slot,
                          uint64_t hash, void **key, void **elem)
{
    uint8_t *cur = swiss_find_slot(t, m, *key, hash, NULL);
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

RTMAP_NOINLINE static void next_small(const rtmap_maptype *t, const rtmap_hmap *m, rtmap_hiter *it)
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
            if (!resolve_grown(t, m, slot, swiss_hash_stored_key(t, m, key), &key, &elem))
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

/* How many groups, from group gi on in the walk's cyclic order over a table of
   ngroups groups (a power of two), come before the first one marked in the dirty
   mask (bit g % 64 for group g); ngroups when none is. The mask of a table of
   fewer than 64 groups is repeated with that period, so that bit (gi + j) % 64
   stands for group (gi + j) % ngroups in every case. */
static uint64_t clean_groups_from(uint64_t dirty, uint64_t gi, uint64_t ngroups)
{
    for (uint64_t period = ngroups; period < 64; period *= 2)
        dirty |= dirty << period;
    unsigned r = (unsigned)(gi & 63);
    uint64_t rotated = r ? (dirty >> r) | (dirty << (64 - r)) : dirty;
    return rotated ? (uint64_t)__builtin_ctzll(rotated) : ngroups;
}

/* Out of line: inlined, its register and stack use would be paid by every call of
   the fast path in rtmap_mapiternext. */
RTMAP_NOINLINE static void next_tables(const rtmap_maptype *t, const rtmap_hmap *m, rtmap_hiter *it)
{
    uintptr_t start = it->priv[IT_START], walked = it->priv[IT_WALKED];
    uintptr_t piece = it->priv[IT_PIECE], state = it->priv[IT_STATE];
    swiss_table *tab = (swiss_table *)it->priv[IT_TAB];
    uint64_t entry_idx = it->priv[IT_ENTRY_IDX];
    uint64_t entry_offset = it->priv[IT_ENTRY_OFFSET];
    unsigned shift = (unsigned)(IT_PREFIX_BITS - m->global_depth);
    while (walked < IT_SPACE) {
        uintptr_t at = (start + walked) & (IT_SPACE - 1);
        if (!tab) {
            tab = swiss_dir_at(m, at >> shift);
            uintptr_t first = (uintptr_t)tab->index << shift;
            uintptr_t span = (uintptr_t)1 << (IT_PREFIX_BITS - tab->local_depth);
            /* The table may begin before the walk position (a merge joined it with
               prefixes already walked) or reach past the end of the walk. */
            piece = first + span - at;
            if (piece > IT_SPACE - walked)
                piece = IT_SPACE - walked;
            state = (at != first || piece != span) ? state | IT_FILTERED : state & ~IT_FILTERED;
            entry_idx = 0;
            if (tab->used == 0) {
                /* A live table with nothing in it: what is added to it from now
                   on may or may not be produced, so it need not be walked (a
                   sparse map costs its tables, not its slots). */
                walked += piece;
                tab = NULL;
                continue;
            }
        }
        uint64_t mask = tab->capacity - 1u;
        while (entry_idx <= mask) {
            uint64_t e = (entry_idx + entry_offset) & mask;
            unsigned k = (unsigned)(e & (SWISS_GROUP_SLOTS - 1));
            /* Groups never written since the last clear hold nothing: jump to the
               next one that was, without reading control words (a sparse table
               costs a few bit operations, not a cache miss per group). */
            if (!(tab->dirty_groups & swiss_dirty_bit(e / SWISS_GROUP_SLOTS))) {
                uint64_t clean = clean_groups_from(tab->dirty_groups, e / SWISS_GROUP_SLOTS,
                                                   (mask + 1) / SWISS_GROUP_SLOTS);
                entry_idx += SWISS_GROUP_SLOTS - k + (clean - 1) * SWISS_GROUP_SLOTS;
                continue;
            }
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
            void *key = swiss_slot_key(t, slot), *elem = swiss_slot_elem(t, slot);
            bool stale = tab->index == -1;
            if (stale || (state & IT_FILTERED)) {
                uint64_t hash = swiss_hash_stored_key(t, m, key);
                if (((state & IT_FILTERED) && ((hash_prefix(hash) - at) & (IT_SPACE - 1)) >= piece) ||
                    (stale && !resolve_grown(t, m, slot, hash, &key, &elem))) {
                    entry_idx++;
                    continue;
                }
            }
            it->priv[IT_ENTRY_IDX] = (uintptr_t)(entry_idx + 1);
            it->priv[IT_WALKED] = walked;
            it->priv[IT_PIECE] = piece;
            it->priv[IT_STATE] = state;
            it->priv[IT_TAB] = (uintptr_t)tab;
            it->key = key;
            it->elem = elem;
            return;
        }
        /* Past what the table covered when it was taken: for a stale table that
           skips the tables that replaced it, which hold nothing new for this walk. */
        walked += piece;
        tab = NULL;
        entry_idx = 0;
    }
    it->priv[IT_WALKED] = walked;
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
    if (it->priv[IT_STATE] & IT_SMALL) {
        next_small(t, m, it);
        return;
    }
    /* Fast path: the next slot of a live table walked whole is full. */
    swiss_table *tab = (swiss_table *)it->priv[IT_TAB];
    if (RTMAP_LIKELY(tab != NULL) && tab->index != -1 && !(it->priv[IT_STATE] & IT_FILTERED)) {
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
