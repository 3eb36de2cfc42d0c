/* The swiss build's private data structures: map header, tables, directory,
 * probe sequence, slot addressing, and the functions the entry points share.
 * See docs/swiss.md for the design. */
#ifndef RTMAP_SWISS_H
#define RTMAP_SWISS_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "group.h"

#define SWISS_MAX_AVG_GROUP_LOAD 7u
#define SWISS_MAX_TABLE_CAPACITY 1024u
#define SWISS_MIN_TABLE_CAPACITY SWISS_GROUP_SLOTS
#define SWISS_MAX_ALLOC (UINT64_C(1) << 47)   /* hints asking for more are ignored */

/* One table: open addressing over `capacity / 8` groups. A table is replaced (never
 * changed in place) by growth, split, shrink or merge; the replaced one keeps
 * `index == -1` and its contents so that iterators which started on it can finish. */
typedef struct swiss_table {
    uint16_t used;
    uint16_t capacity;
    uint16_t growth_left;     /* inserts into empty slots left before a rehash */
    uint8_t  local_depth;
    uint8_t  shrink_below;    /* a delete leaving used below this tries to shrink/merge */
    bool     in_slab;         /* groups are part of the map's groups_slab (presize) */
    uint16_t group_mask;      /* capacity / 8 - 1 */
    intptr_t index;           /* first directory entry pointing here; -1: stale;
                                 SWISS_TABLE_FREE: unused header (table_headers.c) */
    uint8_t *groups;
    /* Bit g % 64: group g may hold an entry or a tombstone (set when a slot is
       filled, reset by clear), so that a clear skips the groups never written.
       Empty: the table was not written since the last clear; a valid dirty list
       (clear.c) names exactly the tables whose mask is not empty. */
    uint64_t dirty_groups;
} swiss_table;

RTMAP_INLINE uint64_t swiss_dirty_bit(uint64_t group) { return (uint64_t)1 << (group & 63); }

#define SWISS_TABLE_FREE ((intptr_t)-2)
#define SWISS_DIRTY_LIST_LEN 4

/* Storage the map no longer uses but an iterator may still read. */
typedef struct swiss_retired {
    void  *ptr;
    size_t size;              /* SWISS_RETIRED_HEADER: ptr is a table header */
} swiss_retired;
#define SWISS_RETIRED_HEADER ((size_t)0)

struct rtmap_hmap {
    intptr_t  used;               /* first member: the entry count (ABI) */
    uint64_t  seed;
    void     *dir_ptr;            /* NULL, the small map's one group, or the directory */
    size_t    dir_len;            /* 0: small or unallocated; else 1 << global_depth */
    uint8_t   global_depth;
    uint8_t   global_shift;       /* 63 - global_depth: index = (dir hash >> 1) >> shift */
    uint8_t   writing;            /* XOR-toggled by every write (misuse tripwire) */
    bool      tombstone_possible; /* false: no table holds a deleted slot */
    uint8_t   hint_depth;         /* presize's floors: no merge or halving below this */
    uint16_t  hint_capacity;      /* depth, no table shrinks below this capacity */
    uint8_t  *groups_slab;        /* presize's one block for the groups of all its tables */
    /* While the directory is as presize built it (each entry its own table of
       uniform_group_mask + 1 groups, table i at groups_slab + i * uniform_stride),
       a probe computes its table's groups from the hash (swiss_probe_table);
       0: read them from the directory. Any change to the directory resets it. */
    uint32_t  uniform_stride;
    uint16_t  uniform_group_mask;
    /* Tables written since the last clear, by directory index (clear.c); only
       while dirty_list_valid, otherwise a clear visits every table. */
    uint8_t   dirty_len;
    bool      dirty_list_valid;
    size_t    full_depth_tables;  /* tables whose local depth is global_depth */
    uint64_t  clear_seq;          /* bumped by every effective clear */
    swiss_retired *retired;       /* freed when no iterator is live */
    size_t    retired_len, retired_cap;
    swiss_table *free_tables;     /* unused table headers (table_headers.c) */
    swiss_table *table_chunks;    /* the chunks table headers come from */
    _Atomic(uintptr_t) live_iters;
    rtmap_allocator alloc;        /* the allocator current at makemap */
    uint32_t  dirty_tables[SWISS_DIRTY_LIST_LEN];   /* see dirty_len */
    size_t    slab_tables;        /* live tables whose groups are in groups_slab */
    size_t    slab_bytes;
};

/* Layout descriptors of the implementation's own blocks (precise-GC bitmaps). */
extern const rtmap_type swiss_hmap_type, swiss_table_type, swiss_directory_type,
    swiss_retired_type;

/* ---- hash bits ---------------------------------------------------------------- */
RTMAP_INLINE uint64_t swiss_h1(uint64_t hash) { return hash >> 7; }
RTMAP_INLINE uint8_t  swiss_h2(uint64_t hash) { return (uint8_t)(hash & 0x7F); }

/* ---- slots and groups ------------------------------------------------------------ */
RTMAP_INLINE uint8_t *swiss_group(const rtmap_maptype *t, const swiss_table *tab, uint64_t i)
{
    return tab->groups + i * t->bucketsize;
}
RTMAP_INLINE uint8_t *swiss_slot(const rtmap_maptype *t, uint8_t *group, unsigned slot)
{
    return group + 8 + (size_t)slot * t->slotsize;
}
/* A lookup's prefetch (find.h says why only this line). In a group smaller than
   64 bytes the line is a neighbour's; fetching it costs an issue slot, no more. */
RTMAP_INLINE void swiss_group_prefetch_second_line(const uint8_t *group)
{
    __builtin_prefetch(group + 64);
}
/* The slot a probe reads or writes is usually on another cache line than the
   control word (a group of 64-bit keys and elems spans three). Fetching the rest of
   the group with the control word overlaps those misses instead of starting them
   after the match; in a map larger than the cache that is most of a lookup's time.
   A prefetch never faults, even past the end of the block. */
RTMAP_INLINE void swiss_group_prefetch(const uint8_t *group, size_t reach)
{
    swiss_group_prefetch_second_line(group);
    __builtin_prefetch(group + reach);
}
/* Whether inserts and deletes prefetch the group: only in a map of 32 tables or
   more (about 1 MB of 64-bit groups, the size of an L2 cache); in a smaller one
   the groups stay in cache and the prefetches would only take issue slots. */
#define SWISS_PREFETCH_MIN_DEPTH 5
RTMAP_INLINE bool swiss_map_is_large(const rtmap_hmap *m)
{
    return m->global_shift <= 63 - SWISS_PREFETCH_MIN_DEPTH;
}
/* The byte up to which inserts and deletes prefetch the group: its last, except
   in a map of 4096 tables or more (about 70 MB of 64-bit groups, twice this
   CPU's L3), where every line comes from DRAM and the third line, which only
   the last slots use, takes a miss buffer that other probes' lines need more:
   there the prefetch stops at the second line. Stopping there in maps of any
   size made 8M deletes 12% and 15% faster (20 lockstep pairs, p = 0.004, 0.04),
   but once made 64K deletes 6% slower (p = 0.001); with this threshold, 8M
   deletes were 4% faster (not significant) and nothing else changed. */
#define SWISS_PREFETCH_DRAM_DEPTH 12
RTMAP_INLINE size_t swiss_write_prefetch_reach(const rtmap_maptype *t, const rtmap_hmap *m)
{
    return m->global_shift <= 63 - SWISS_PREFETCH_DRAM_DEPTH ? 64 : (size_t)t->bucketsize - 1;
}
RTMAP_INLINE void *swiss_slot_key(const rtmap_maptype *t, uint8_t *slot)
{
    return (t->flags & RTMAP_INDIRECT_KEY) ? *(void **)slot : slot;
}
RTMAP_INLINE void *swiss_slot_elem(const rtmap_maptype *t, uint8_t *slot)
{
    uint8_t *e = slot + t->elemoff;
    return (t->flags & RTMAP_INDIRECT_ELEM) ? *(void **)e : e;
}

/* ---- directory -------------------------------------------------------------------
 * 2^global_depth entries, stored as two planes of one block: first every entry's
 * groups word, then every entry's table pointer. The groups word is the table's
 * groups pointer with 7 - log2(group count) in its low 3 bits (group arrays are
 * 8-byte aligned and hold at most 128 groups); both are fixed for a table's life,
 * as tables are replaced, never resized in place. A lookup goes from the groups
 * word straight to the group, without loading the table header, which in a map of
 * thousands of tables is a cache miss of its own; and it reads only the first
 * plane, 8 bytes per entry (128 KB for a map of 8M entries), which stays in L2
 * while the groups stream through it. Writes, which need the header, read the
 * second plane at the same index. */
#define SWISS_DIR_LOG2_BITS ((uintptr_t)7)
_Static_assert(SWISS_MAX_TABLE_CAPACITY / SWISS_GROUP_SLOTS <= 128,
               "a table's log2(group count) fits the low 3 bits of its groups pointer");

RTMAP_INLINE uint8_t *swiss_dir_groups(uintptr_t groups_word)
{
    return (uint8_t *)(groups_word & ~SWISS_DIR_LOG2_BITS);
}
/* 0x7F >> (7 - log2) is the group mask in two instructions (and, shift) on the
   path from the directory to the group, where 1 << log2, minus 1, takes three. */
RTMAP_INLINE uint64_t swiss_dir_group_mask(uintptr_t groups_word)
{
    return (uint64_t)0x7F >> (groups_word & SWISS_DIR_LOG2_BITS);
}
RTMAP_INLINE uintptr_t swiss_dir_groups_word_at(const rtmap_hmap *m, size_t i)
{
    return ((const uintptr_t *)m->dir_ptr)[i];
}
/* The second plane of a directory block of len entries. */
RTMAP_INLINE swiss_table **swiss_dir_tables(void *dir, size_t len)
{
    return (swiss_table **)((uintptr_t *)dir + len);
}
RTMAP_INLINE swiss_table *swiss_dir_at(const rtmap_hmap *m, size_t i)
{
    return swiss_dir_tables(m->dir_ptr, m->dir_len)[i];
}
RTMAP_INLINE void swiss_dir_set(void *dir, size_t len, size_t i, swiss_table *tab)
{
    ((uintptr_t *)dir)[i] =
        tab ? (uintptr_t)tab->groups | (uintptr_t)(7 - __builtin_ctzll(tab->group_mask + 1)) : 0;
    swiss_dir_tables(dir, len)[i] = tab;
}
/* The bits that place a key in the directory: the hash multiplied by an odd
   constant (a bijection), whose top bits depend on every bit of the hash. Go
   uses the hash's own top bits, which its hashers fill; an embedder's hasher that
   leaves them constant (a 32-bit hash, an identity hash of small integers) would
   put every key in one table, which no split can divide. Slots are still chosen
   by the hash's low bits (H1, H2). */
#define SWISS_DIR_MIX UINT64_C(0x9E3779B97F4A7C15)
RTMAP_INLINE uint64_t swiss_dir_hash(uint64_t hash) { return hash * SWISS_DIR_MIX; }

/* The top global_depth bits of the directory hash, without a branch for depth 0
   (a shift by 64 is undefined in C): the first shift leaves the top bit clear. */
RTMAP_INLINE size_t swiss_dir_index(const rtmap_hmap *m, uint64_t hash)
{
    return (size_t)((swiss_dir_hash(hash) >> 1) >> m->global_shift);
}
RTMAP_INLINE swiss_table *swiss_dir_lookup(const rtmap_hmap *m, uint64_t hash)
{
    return swiss_dir_at(m, swiss_dir_index(m, hash));
}

/* ---- probe sequence: triangular offsets over a power-of-two group count ---------- */
typedef struct swiss_probe {
    uint64_t mask, offset, step;
} swiss_probe;
RTMAP_INLINE swiss_probe swiss_probe_start(uint64_t hash, uint64_t mask)
{
    swiss_probe p = { mask, swiss_h1(hash) & mask, 0 };
    return p;
}
RTMAP_INLINE void swiss_probe_next(swiss_probe *p)
{
    p->step++;
    p->offset = (p->offset + p->step) & p->mask;
}

/* The group probe p of the table behind groups_word visits first (at p.offset).
   In a large map nearly every table has the largest capacity, the one with no
   log2 bits in its groups word; for it the offset comes from the hash alone, so
   the control word's load waits only for the groups pointer, not for the mask
   and the multiply that p.offset waits on (a predicted branch instead of four
   dependent instructions). 60 lockstep pairs: 1M and 8M hits 9% faster, 8M
   misses 11% (p <= 0.001). Only in large maps: in a map of one small table the
   branch and its out-of-line path made 64-entry hits 3% and misses 6% slower
   (40 pairs, p < 0.003), and 1K maps gained nothing. */
#define SWISS_FULL_TABLE_GROUP_MASK ((uint64_t)(SWISS_MAX_TABLE_CAPACITY / SWISS_GROUP_SLOTS - 1))
RTMAP_INLINE uint8_t *swiss_probe_first_group(const rtmap_maptype *t, uintptr_t groups_word,
                                              uint64_t hash, const swiss_probe *p, bool large)
{
    uint8_t *groups = swiss_dir_groups(groups_word);
    if (large && RTMAP_LIKELY((groups_word & SWISS_DIR_LOG2_BITS) == 0))
        return groups + (swiss_h1(hash) & SWISS_FULL_TABLE_GROUP_MASK) * t->bucketsize;
    return groups + p->offset * t->bucketsize;
}

/* Starts a probe of the table at directory index di: sets its groups and p, and
   returns the first group. In a map still as presize built it, the groups come
   from the hash and the map header alone, so the control word's load does not
   wait for a directory entry's (L1 in a map of 64K entries, L2 at 8M). */
RTMAP_INLINE uint8_t *swiss_probe_table(const rtmap_maptype *t, const rtmap_hmap *m, size_t di,
                                        uint64_t hash, uint8_t **groups, swiss_probe *p)
{
    if (m->uniform_stride) {
        *groups = m->groups_slab + di * m->uniform_stride;
        *p = swiss_probe_start(hash, m->uniform_group_mask);
        return *groups + p->offset * t->bucketsize;
    }
    uintptr_t groups_word = swiss_dir_groups_word_at(m, di);
    *groups = swiss_dir_groups(groups_word);
    *p = swiss_probe_start(hash, swiss_dir_group_mask(groups_word));
    return swiss_probe_first_group(t, groups_word, hash, p, swiss_map_is_large(m));
}

/* ---- capacity accounting ------------------------------------------------------------ */
RTMAP_INLINE uint16_t swiss_max_growth(uint16_t capacity)
{
    /* A table always keeps an empty slot so that every probe terminates. */
    return capacity <= SWISS_GROUP_SLOTS ? (uint16_t)(capacity - 1)
                                         : (uint16_t)(capacity / 8 * SWISS_MAX_AVG_GROUP_LOAD);
}
RTMAP_INLINE unsigned swiss_tombstones(const swiss_table *tab)
{
    return (unsigned)swiss_max_growth(tab->capacity) - tab->used - tab->growth_left;
}

/* The smallest capacity a table may have: the hint's, at least one group. */
RTMAP_INLINE uint16_t swiss_capacity_floor(const rtmap_hmap *m)
{
    return m->hint_capacity > SWISS_MIN_TABLE_CAPACITY ? m->hint_capacity
                                                       : (uint16_t)SWISS_MIN_TABLE_CAPACITY;
}
/* The shrink threshold of a table just filled by a rebuild: below it a delete tries
   to merge or shrink the table (0: it may do neither, so no delete leaves the fast
   path). A table that may merge tries below half of what a full table holds at
   7/16 load: two buddies that fit one table together cannot both be above it, so a
   delete in the smaller one merges them. A table that may only shrink tries below a
   quarter of its max growth and below half of what it was built with; the second
   bound keeps a table that grew because of tombstones (sparse from the start) from
   shrinking at once, so every rebuild is paid for by deletes. */
#define SWISS_MERGE_THRESHOLD (SWISS_MAX_TABLE_CAPACITY / 8u * SWISS_MAX_AVG_GROUP_LOAD / 4u)
_Static_assert(SWISS_MERGE_THRESHOLD <= UINT8_MAX, "fits swiss_table.shrink_below");
RTMAP_INLINE uint8_t swiss_shrink_threshold(const rtmap_hmap *m, const swiss_table *tab)
{
    if (tab->local_depth > m->hint_depth)
        return (uint8_t)SWISS_MERGE_THRESHOLD;
    if (tab->capacity <= swiss_capacity_floor(m))
        return 0;
    unsigned quarter = swiss_max_growth(tab->capacity) / 4u, half_built = tab->used / 2u;
    return (uint8_t)(half_built < quarter ? half_built : quarter);
}

/* ---- writing flag and failures ------------------------------------------------------ */
void swiss_fatal_concurrent_writes(void);
/* Restores the writing flag, then raises RTMAP_PANIC_OUT_OF_MEMORY, with
   swiss_fail_reason as the message when a step set one (then cleared). */
void swiss_fail_oom(rtmap_hmap *m);
extern _Thread_local const char *swiss_fail_reason;
/* A read (lookup, keys) must not run while a write is in progress. */
RTMAP_INLINE void swiss_check_not_writing(const rtmap_hmap *m)
{
    if (RTMAP_UNLIKELY(m->writing))
        rtmap_fatal(RTMAP_FATAL_CONCURRENT_READ_WRITE, "concurrent map read and map write");
}
RTMAP_INLINE void swiss_begin_write(rtmap_hmap *m) { m->writing ^= 1; }
RTMAP_INLINE void swiss_end_write(rtmap_hmap *m)
{
    if (RTMAP_UNLIKELY(m->writing == 0))
        swiss_fatal_concurrent_writes();
    m->writing ^= 1;
}

/* ---- memory (map.c) -------------------------------------------------------------------- */
void *swiss_alloc(rtmap_hmap *m, size_t size, size_t align, const rtmap_type *layout);
void  swiss_free(rtmap_hmap *m, void *p, size_t size);
bool  swiss_iterators_live(const rtmap_hmap *m);
/* Makes room to retire n more blocks without allocating later; false on failure.
   Needed only while an iterator is live (otherwise retiring frees at once). */
bool  swiss_retire_reserve(rtmap_hmap *m, size_t n);
void  swiss_retire(rtmap_hmap *m, void *p, size_t size);
/* Frees retired blocks when no iterator is live; called at the start of writes. */
void  swiss_collect_retired_slow(rtmap_hmap *m);
RTMAP_INLINE void swiss_collect_retired(rtmap_hmap *m)
{
    if (RTMAP_UNLIKELY(m->retired != NULL))
        swiss_collect_retired_slow(m);
}
size_t swiss_group_bytes(const rtmap_maptype *t, uint64_t groups);

/* Indirect key/elem copies a new entry needs, allocated before the map changes. */
typedef rtmap_new_entry swiss_new_entry;
RTMAP_INLINE bool swiss_new_entry_prepare(const rtmap_maptype *t, rtmap_hmap *m, swiss_new_entry *ne)
{
    return rtmap_new_entry_prepare(&m->alloc, t, ne);
}
RTMAP_INLINE void swiss_new_entry_release(const rtmap_maptype *t, rtmap_hmap *m, swiss_new_entry *ne)
{
    rtmap_new_entry_release(&m->alloc, t, ne);
}
/* Writes key (and the indirect objects of ne) into a free slot. */
void swiss_new_entry_store(const rtmap_maptype *t, uint8_t *slot, const void *key,
                           const swiss_new_entry *ne);
/* Releases the indirect objects of a slot and zeroes what must read as zero. */
void swiss_slot_clear(const rtmap_maptype *t, rtmap_hmap *m, uint8_t *slot);
/* Frees every block of m except the header (tables, groups, indirect objects,
   directory, retired storage). Tolerates a partially built map (clone). */
void swiss_free_storage(const rtmap_maptype *t, rtmap_hmap *m);

/* ---- small map (map.c) --------------------------------------------------------------- */
/* Allocates the single group of a small map; NULL on failure. */
uint8_t *swiss_new_small_group(const rtmap_maptype *t, rtmap_hmap *m);
/* Moves the 8 entries of the small group into a table of 16 slots behind a
   directory of one entry. False (map unchanged) when an allocation fails. */
bool swiss_grow_to_table(const rtmap_maptype *t, rtmap_hmap *m);

/* ---- table headers (table_headers.c) ------------------------------------------------- */
/* A zeroed header from the map's chunks; NULL when a new chunk cannot be allocated. */
swiss_table *swiss_table_header_get(rtmap_hmap *m);
void swiss_table_header_put(rtmap_hmap *m, swiss_table *tab);
/* Frees every chunk; the map must hold no table any more. */
void swiss_table_headers_free(rtmap_hmap *m);
/* For the invariant checker: the headers the chunks hold in all. */
size_t swiss_table_headers_capacity(const rtmap_hmap *m);

/* ---- tables (table.c) ---------------------------------------------------------------- */
swiss_table *swiss_table_new(const rtmap_maptype *t, rtmap_hmap *m, uint16_t capacity,
                             uint8_t local_depth, intptr_t index);
/* A table whose groups are the given part of m->groups_slab (presize). */
swiss_table *swiss_table_new_in_slab(const rtmap_maptype *t, rtmap_hmap *m, uint16_t capacity,
                                     uint8_t local_depth, intptr_t index, uint8_t *groups);
void swiss_table_free(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab);
/* Retires a replaced table (struct and groups); room was reserved beforehand. */
void swiss_table_retire(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab);
void swiss_table_unchecked_put(const rtmap_maptype *t, swiss_table *tab, uint64_t hash,
                               const uint8_t *src_slot);
/* Grows (capacity < 1024) or splits the table; false (map unchanged) on OOM. */
bool swiss_table_rehash(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab);
/* Reinserts every full slot of tab into low, or into high when its directory
   hash (swiss_dir_hash) has split_bit set (0: everything into low). */
void swiss_rehash_into(const rtmap_maptype *t, const rtmap_hmap *m, const swiss_table *tab,
                       swiss_table *low, swiss_table *high, uint64_t split_bit);
/* Go 1.25: turns tombstones no probe sequence needs into empty slots. True when
   growth_left became positive. */
bool swiss_table_prune_tombstones(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab);
uint64_t swiss_hash_stored_key(const rtmap_maptype *t, const rtmap_hmap *m, const void *key);

/* ---- shrinking (shrink.c) ------------------------------------------------------------- */
/* A delete left tab->used below tab->shrink_below: merges tab with its buddy or
   rebuilds it smaller, then halves the directory while no table needs its depth.
   Never fails: when an allocation fails the step is simply not taken. */
RTMAP_NOINLINE __attribute__((cold))
void swiss_table_shrink(const rtmap_maptype *t, rtmap_hmap *m, swiss_table *tab);

/* ---- directory (directory.c) ---------------------------------------------------------- */
/* Points the directory entries of tab's run at tab (tab->index, local depth set). */
void swiss_dir_install(rtmap_hmap *m, swiss_table *tab);
/* Doubles the directory into new_dir (2 * dir_len entries, already allocated). */
void swiss_dir_double(rtmap_hmap *m, void *new_dir);
/* Halves the directory into new_dir (dir_len / 2 entries, already allocated); every
   local depth must be below the global depth. */
void swiss_dir_halve(rtmap_hmap *m, void *new_dir);
void swiss_dir_free(rtmap_hmap *m, void *dir, size_t len);
void *swiss_dir_alloc(rtmap_hmap *m, size_t len);

/* ---- lookup (access.c) -------------------------------------------------------------------- */
/* Where a slot lives (a zero-size slot's address alone does not tell). */
typedef struct swiss_pos {
    swiss_table *tab;           /* NULL in a small map */
    uint8_t     *group;
    unsigned     index;
} swiss_pos;
/* The slot holding key, or NULL; fills *pos when pos is not NULL. */
uint8_t *swiss_find_slot(const rtmap_maptype *t, const rtmap_hmap *m, const void *key,
                         uint64_t hash, swiss_pos *pos);
/* Raises the unhashable panic for a lookup/delete that needs no hash otherwise. */
bool swiss_check_hashable(const rtmap_maptype *t, const void *key);

/* ---- clear (clear.c) ---------------------------------------------------------------------- */
void swiss_clear_locked(const rtmap_maptype *t, rtmap_hmap *m);
/* A clean table receives its first entry since the last clear. */
RTMAP_NOINLINE void swiss_note_dirty(rtmap_hmap *m, swiss_table *tab);
/* The set of tables changed (a table was made): the next clear visits them all. */
RTMAP_INLINE void swiss_forget_dirty_list(rtmap_hmap *m) { m->dirty_list_valid = false; }

#endif /* RTMAP_SWISS_H */
