/* The classic build's private data structures: Go's hmap and bmap (buckets of 8
 * with tophash bytes, keys, elems and an overflow pointer), and the functions the
 * entry points share. A port of Go's runtime/map.go (map_noswiss.go); see
 * docs/noswiss.md for what C changes (memory release, allocation failure). */
#ifndef RTMAP_NOSWISS_H
#define RTMAP_NOSWISS_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

#define NS_BUCKET_SLOTS RTMAP_BUCKET_COUNT
#define NS_DATA_OFFSET  8u      /* keys start after the 8 tophash bytes */
#define NS_WORD         sizeof(void *)

/* Load factor 6.5 = 13/2, as Go. */
#define NS_LOAD_FACTOR_NUM 13u
#define NS_LOAD_FACTOR_DEN 2u

/* Bigger allocations are refused up front, as Go's maxAlloc on 64-bit targets. */
#define NS_MAX_ALLOC (UINT64_C(1) << 47)

/* tophash states. Values below NS_MIN_TOPHASH mark a slot, not a hash. */
enum {
    NS_EMPTY_REST       = 0,  /* this slot and every later one in the chain are empty */
    NS_EMPTY_ONE        = 1,
    NS_EVACUATED_X      = 2,  /* moved to the first half of the new array */
    NS_EVACUATED_Y      = 3,  /* moved to the second half */
    NS_EVACUATED_EMPTY  = 4,  /* empty, and the bucket is evacuated */
    NS_MIN_TOPHASH      = 5,
};

/* Writer-owned flags: what kind of growth is in progress (none of them: doubling). */
enum { NS_SAME_SIZE_GROW = 1, NS_SHRINK = 2 };
/* Iterator flags, set by readers with an atomic OR (several may iterate at once). */
enum { NS_ITERATOR = 1, NS_OLD_ITERATOR = 2 };

/* Memory the map stopped using while an iterator could still read it. A bucket
 * array (nmain > 0) takes the overflow buckets hanging off its chains with it. */
typedef struct ns_retired {
    void  *ptr;
    uint64_t *occupied; /* array: its occupancy bitmap (may be NULL) */
    size_t nalloc;      /* array: buckets allocated (main + preallocated overflow) */
    size_t nmain;       /* array: main buckets; 0: a single block of `size` bytes */
    size_t size;
} ns_retired;

struct rtmap_hmap {
    intptr_t  count;                 /* first member: the entry count (ABI) */
    uint8_t   flags;                 /* NS_SAME_SIZE_GROW */
    uint8_t   writing;               /* Go's hashWriting, XOR-toggled by every write */
    _Atomic(uint8_t) iter_flags;     /* NS_ITERATOR | NS_OLD_ITERATOR */
    uint8_t   B;                     /* log2 of the number of main buckets */
    uint16_t  noverflow;             /* approximate number of overflow buckets */
    uint8_t   min_B;                 /* the makemap hint's B: never shrink below it */
    uint64_t  hash0;                 /* the seed */
    uint8_t  *buckets;               /* 1 << B buckets (then preallocated overflow) */
    uint8_t  *oldbuckets;            /* non-NULL only while growing */
    uintptr_t nevacuate;             /* old buckets below this are evacuated */
    size_t    nalloc;                /* buckets allocated in `buckets` */
    size_t    old_nalloc;            /* buckets allocated in `oldbuckets` */
    uint64_t *occupied;              /* chunks of `buckets` that may hold entries */
    uint64_t *old_occupied;          /* the same for `oldbuckets` */
    uint8_t  *next_overflow;         /* Go's extra.nextOverflow */
    uint8_t  *spare;                 /* overflow buckets set aside for evacuation */
    size_t    nspare;
    ns_retired *retired;
    size_t    retired_len, retired_cap;
    _Atomic(uintptr_t) live_iters;
    rtmap_allocator alloc;           /* the allocator current at makemap */
};

/* Layout descriptors of the implementation's own blocks (precise-GC bitmaps). */
extern const rtmap_type ns_hmap_type, ns_retired_type, ns_bitmap_type;

/* ---- occupancy ------------------------------------------------------------------
 * Arrays of 2^9 buckets or more carry a bitmap with one bit per chunk of 8
 * buckets, set when an entry (or an overflow bucket) goes into the chunk and
 * cleared only by mapclear. Clearing, freeing and iterating a large map that
 * holds few entries then cost what it holds, not its capacity (Go issue 70617);
 * a NULL bitmap means every chunk may be occupied. */
#define NS_CHUNK_SHIFT      3
#define NS_OCCUPANCY_MIN_B  9
RTMAP_INLINE size_t ns_occupied_words(uintptr_t nmain)
{
    return ((nmain >> NS_CHUNK_SHIFT) + 63) / 64;
}
RTMAP_INLINE void ns_mark_occupied(uint64_t *occupied, uintptr_t bucket)
{
    if (occupied)
        occupied[bucket >> (NS_CHUNK_SHIFT + 6)] |= UINT64_C(1) << ((bucket >> NS_CHUNK_SHIFT) & 63);
}
RTMAP_INLINE bool ns_chunk_occupied(const uint64_t *occupied, uintptr_t bucket)
{
    return !occupied ||
           (occupied[bucket >> (NS_CHUNK_SHIFT + 6)] >> ((bucket >> NS_CHUNK_SHIFT) & 63)) & 1;
}
/* The first bucket at or after i (below n) whose chunk may be occupied, or n. */
uintptr_t ns_next_occupied(const uint64_t *occupied, uintptr_t i, uintptr_t n);

/* ---- bucket addressing ------------------------------------------------------- */
RTMAP_INLINE uintptr_t ns_bucket_shift(uint8_t b) { return (uintptr_t)1 << (b & 63); }
RTMAP_INLINE uintptr_t ns_bucket_mask(uint8_t b) { return ns_bucket_shift(b) - 1; }
RTMAP_INLINE uint8_t ns_tophash(uint64_t hash)
{
    uint8_t top = (uint8_t)(hash >> 56);
    if (top < NS_MIN_TOPHASH)
        top += NS_MIN_TOPHASH;
    return top;
}
RTMAP_INLINE bool ns_is_empty(uint8_t top) { return top <= NS_EMPTY_ONE; }
RTMAP_INLINE bool ns_evacuated(const uint8_t *b)
{
    return b[0] > NS_EMPTY_ONE && b[0] < NS_MIN_TOPHASH;
}
RTMAP_INLINE uint8_t *ns_bucket_at(const rtmap_maptype *t, uint8_t *base, uintptr_t i)
{
    return base + i * t->bucketsize;
}
RTMAP_INLINE uint8_t *ns_key_at(const rtmap_maptype *t, uint8_t *b, uintptr_t i)
{
    return b + NS_DATA_OFFSET + i * t->keysize;
}
RTMAP_INLINE uint8_t *ns_elem_at(const rtmap_maptype *t, uint8_t *b, uintptr_t i)
{
    return b + NS_DATA_OFFSET + NS_BUCKET_SLOTS * (uintptr_t)t->keysize + i * t->valuesize;
}
RTMAP_INLINE uint8_t *ns_overflow(const rtmap_maptype *t, const uint8_t *b)
{
    uint8_t *o;
    memcpy(&o, b + t->bucketsize - NS_WORD, sizeof o);
    return o;
}
RTMAP_INLINE void ns_set_overflow(const rtmap_maptype *t, uint8_t *b, uint8_t *o)
{
    memcpy(b + t->bucketsize - NS_WORD, &o, sizeof o);
}
/* The key or elem a slot stores (following the pointer of an indirect one). */
RTMAP_INLINE void *ns_slot_key(const rtmap_maptype *t, uint8_t *k)
{
    return (t->flags & RTMAP_INDIRECT_KEY) ? *(void **)k : k;
}
RTMAP_INLINE void *ns_slot_elem(const rtmap_maptype *t, uint8_t *e)
{
    return (t->flags & RTMAP_INDIRECT_ELEM) ? *(void **)e : e;
}

/* ---- growth state -------------------------------------------------------------- */
RTMAP_INLINE bool ns_growing(const rtmap_hmap *h) { return h->oldbuckets != NULL; }
RTMAP_INLINE bool ns_same_size_grow(const rtmap_hmap *h) { return (h->flags & NS_SAME_SIZE_GROW) != 0; }
RTMAP_INLINE bool ns_shrinking(const rtmap_hmap *h) { return (h->flags & NS_SHRINK) != 0; }
/* log2 of the number of old buckets while growing or shrinking. */
RTMAP_INLINE uint8_t ns_old_b(const rtmap_hmap *h)
{
    if (h->flags & NS_SAME_SIZE_GROW)
        return h->B;
    return (h->flags & NS_SHRINK) ? (uint8_t)(h->B + 1) : (uint8_t)(h->B - 1);
}
RTMAP_INLINE uintptr_t ns_noldbuckets(const rtmap_hmap *h)
{
    return ns_bucket_shift(ns_old_b(h));
}
RTMAP_INLINE uintptr_t ns_oldbucketmask(const rtmap_hmap *h) { return ns_noldbuckets(h) - 1; }
RTMAP_INLINE bool ns_over_load_factor(intptr_t count, uint8_t b)
{
    return count > NS_BUCKET_SLOTS &&
           (uintptr_t)count > NS_LOAD_FACTOR_NUM * (ns_bucket_shift(b) / NS_LOAD_FACTOR_DEN);
}
RTMAP_INLINE bool ns_too_many_overflow_buckets(uint16_t noverflow, uint8_t b)
{
    if (b > 15)
        b = 15;
    return noverflow >= (uint16_t)(1u << (b & 15));
}

/* The bucket a reader must search for `hash`: the old one while it is not yet
   evacuated, else the new one. */
RTMAP_INLINE uint8_t *ns_read_bucket(const rtmap_maptype *t, const rtmap_hmap *h, uint64_t hash)
{
    uint8_t *b = ns_bucket_at(t, h->buckets, hash & ns_bucket_mask(h->B));
    if (RTMAP_UNLIKELY(h->oldbuckets != NULL)) {
        uint8_t *oldb = ns_bucket_at(t, h->oldbuckets, hash & ns_oldbucketmask(h));
        if (!ns_evacuated(oldb))
            b = oldb;
    }
    return b;
}

/* ---- writing flag, failures (map.c) ---------------------------------------------- */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noreturn, cold))
#endif
void ns_fatal_concurrent_writes(void);
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noreturn, cold))
#endif
void ns_fatal_concurrent_read_write(void);
/* Restores the writing flag, then raises RTMAP_PANIC_OUT_OF_MEMORY. */
void ns_fail_oom(rtmap_hmap *h);
/* Callers check h->writing first, before hashing, as Go does (a hasher that
   panics must find the flag as it was); this only sets it. */
RTMAP_INLINE void ns_begin_write(rtmap_hmap *h)
{
    h->writing ^= 1;
}
RTMAP_INLINE void ns_end_write(rtmap_hmap *h)
{
    if (RTMAP_UNLIKELY(h->writing == 0))
        ns_fatal_concurrent_writes();
    h->writing ^= 1;
}
RTMAP_INLINE void ns_check_not_writing(const rtmap_hmap *h)
{
    if (RTMAP_UNLIKELY(h->writing))
        ns_fatal_concurrent_read_write();
}

/* makemap without the panic: NULL when an allocation failed. */
rtmap_hmap *ns_new_map(const rtmap_maptype *t, intptr_t hint);

/* ---- memory (map.c) ---------------------------------------------------------------- */
void *ns_alloc(rtmap_hmap *h, size_t size, size_t align, const rtmap_type *layout);
void  ns_free(rtmap_hmap *h, void *p, size_t size);
RTMAP_INLINE bool ns_iterators_live(const rtmap_hmap *h)
{
    return atomic_load_explicit(&((rtmap_hmap *)h)->live_iters, memory_order_relaxed) != 0;
}
/* Makes room to retire n more blocks without allocating later; false on failure. */
bool ns_retire_reserve(rtmap_hmap *h, size_t n);
/* Lets go of the old bucket array at the end of growth or in a clear: retired
   (room reserved by the caller) when an iterator may still read it, otherwise
   freed with its overflow chains; the old-array fields and growth flags reset. */
void ns_drop_old_array(const rtmap_maptype *t, rtmap_hmap *h, bool retire);
/* Frees a block now, or keeps it for later while an iterator is live (room reserved). */
void ns_retire_block(rtmap_hmap *h, void *p, size_t size);
/* Frees retired memory once no iterator is live; called at the start of writes. */
void ns_collect_retired_slow(const rtmap_maptype *t, rtmap_hmap *h);
RTMAP_INLINE void ns_collect_retired(const rtmap_maptype *t, rtmap_hmap *h)
{
    if (RTMAP_UNLIKELY(h->retired_len != 0))
        ns_collect_retired_slow(t, h);
}
void ns_free_retired_all(const rtmap_maptype *t, rtmap_hmap *h);

/* Indirect key/elem objects a new entry needs, allocated before the map changes. */
typedef rtmap_new_entry ns_new_entry;
RTMAP_INLINE bool ns_new_entry_prepare(const rtmap_maptype *t, rtmap_hmap *h, ns_new_entry *ne)
{
    return rtmap_new_entry_prepare(&h->alloc, t, ne);
}
RTMAP_INLINE void ns_new_entry_release(const rtmap_maptype *t, rtmap_hmap *h, ns_new_entry *ne)
{
    rtmap_new_entry_release(&h->alloc, t, ne);
}

/* ---- bucket arrays and overflow buckets (buckets.c) -------------------------------- */
/* Go's makeBucketArray: 1 << b buckets, plus preallocated overflow buckets for
   b >= 4. NULL on failure. */
uint8_t *ns_make_bucket_array(const rtmap_maptype *t, rtmap_hmap *h, uint8_t b,
                              size_t *nalloc, uint8_t **next_overflow, uint64_t **occupied);
void ns_free_occupied(rtmap_hmap *h, uint64_t *occupied, uintptr_t nmain);
/* Zeroes the current array for reuse (only the chunks that may hold something
   and the preallocated overflow buckets used so far) and resets its
   preallocated-overflow pointer and occupancy. */
void ns_reset_bucket_array(const rtmap_maptype *t, rtmap_hmap *h);
/* Go's newoverflow: links a fresh overflow bucket after b; NULL on failure. */
uint8_t *ns_new_overflow(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *b);
/* Makes sure n overflow buckets can be taken without allocating. */
bool ns_reserve_overflow(const rtmap_maptype *t, rtmap_hmap *h, size_t n);
/* Frees the overflow buckets of the chains of an array that were allocated one by
   one (the preallocated ones live inside the array), and unlinks them. */
void ns_free_overflow_chains(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *array,
                             size_t nmain, size_t nalloc, const uint64_t *occupied);
void ns_free_spare(const rtmap_maptype *t, rtmap_hmap *h);
/* Frees (or retires) the indirect key/elem objects of the entries a chain holds. */
void ns_release_chain_indirect(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *b);

/* ---- growth (grow.c) ----------------------------------------------------------------- */
/* Go's hashGrow; false (map unchanged) when the new array cannot be allocated. */
bool ns_hash_grow(const rtmap_maptype *t, rtmap_hmap *h);
/* Starts halving the bucket array when a delete left the map under a quarter of
   its load factor (never below min_B, never to a single bucket). A failed
   allocation just means no shrink now. */
void ns_maybe_shrink_slow(const rtmap_maptype *t, rtmap_hmap *h);
RTMAP_INLINE void ns_maybe_shrink(const rtmap_maptype *t, rtmap_hmap *h)
{
    /* count < 6.5 * 2^B / 4: after halving the map is at most half loaded, so
       insert/delete waves around one size cannot make it shrink and grow in turn. */
    if (RTMAP_UNLIKELY((uintptr_t)h->count < ((uintptr_t)NS_LOAD_FACTOR_NUM << h->B) / 8) &&
        h->B > h->min_B && h->B > 1 && !ns_growing(h))
        ns_maybe_shrink_slow(t, h);
}
/* Go's growWork; false on allocation failure (no entry moved or lost). */
bool ns_grow_work(const rtmap_maptype *t, rtmap_hmap *h, uintptr_t bucket);

/* ---- lookup (access.c) ---------------------------------------------------------------- */
/* Finds key; returns its key slot and sets *elem_slot, or NULL. */
uint8_t *ns_find(const rtmap_maptype *t, const rtmap_hmap *h, const void *key, uint64_t hash,
                 uint8_t **elem_slot);
/* Go's mapaccessK: the stored key and elem, or false. */
bool ns_access_k(const rtmap_maptype *t, const rtmap_hmap *h, const void *key,
                 void **key_out, void **elem_out);
/* Raises the unhashable panic for a read that needs no hash otherwise (Go 23734). */
void ns_check_hashable(const rtmap_maptype *t, const void *key);

/* ---- assign (assign.c) ------------------------------------------------------------------ */
/* The body of mapassign, between begin and end of a write: the elem slot (not
   followed when indirect), or NULL when an allocation failed (map unchanged). */
uint8_t *ns_assign_locked(const rtmap_maptype *t, rtmap_hmap *h, const void *key, uint64_t hash);

/* ---- delete (delete.c) ------------------------------------------------------------------ */
/* Empties slot i of bucket b (in the chain starting at b_orig) whose key and elem
   are cleared already, with Go's emptyRest back-propagation, and counts it. */
void ns_delete_slot(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *b_orig, uint8_t *b, unsigned i);
/* Clears the key and elem of a slot being deleted (frees or retires indirect
   objects: room must be reserved while iterators are live). */
void ns_clear_slot(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *k, uint8_t *e);

#endif /* RTMAP_NOSWISS_H */
