/* Incremental growth, as Go does it: hashGrow allocates the new array and makes
 * the current one "old"; every write then evacuates the old bucket it is about
 * to use plus one more (growWork), each old bucket's entries going to the X
 * (same index) or Y (index + old size) half of a doubled array.
 *
 * What C adds: an evacuation first reserves the overflow buckets it may need, so
 * it either happens whole or not at all; an evacuated old chain is freed at once
 * when no iterator is live (an iterator may still read it otherwise); the old
 * array is freed, or retired, when the last bucket is evacuated. */
#include "noswiss.h"

#include <assert.h>

/* Makes the current array the old one and `array` the current one, with nothing
 * evacuated yet; the caller has set B and the kind of growth. An iterator running
 * now keeps reading the array it started on (the old one from here on). */
static void start_evacuation(rtmap_hmap *h, uint8_t *array, size_t nalloc, uint64_t *occupied,
                             uint8_t *next_overflow)
{
    uint8_t iflags = atomic_load_explicit(&h->iter_flags, memory_order_relaxed);
    uint8_t nflags = iflags & (uint8_t)~(NS_ITERATOR | NS_OLD_ITERATOR);
    if (iflags & NS_ITERATOR)
        nflags |= NS_OLD_ITERATOR;
    atomic_store_explicit(&h->iter_flags, nflags, memory_order_relaxed);
    h->oldbuckets = h->buckets;
    h->old_nalloc = h->nalloc;
    h->old_occupied = h->occupied;
    h->buckets = array;
    h->nalloc = nalloc;
    h->occupied = occupied;
    h->nevacuate = 0;
    h->noverflow = 0;
    /* The old array's preallocated buckets are not used any more: overflow
       buckets of the new array must live in (or be freed with) the new one. */
    h->next_overflow = next_overflow;
}

bool ns_hash_grow(const rtmap_maptype *t, rtmap_hmap *h)
{
    /* At the load factor, grow bigger; otherwise there are too many overflow
       buckets, so grow "sideways" to the same size, which packs them. */
    bool bigger = ns_over_load_factor(h->count + 1, h->B);
    uint8_t new_b = (uint8_t)(h->B + (bigger ? 1 : 0));
    size_t nalloc;
    uint8_t *next_overflow;
    uint64_t *occupied;
    uint8_t *array = ns_make_bucket_array(t, h, new_b, &nalloc, &next_overflow, &occupied);
    if (!array)
        return false;

    if (!bigger)
        h->flags |= NS_SAME_SIZE_GROW;
    h->B = new_b;
    start_evacuation(h, array, nalloc, occupied, next_overflow);
    return true;
}

void ns_drop_old_array(const rtmap_maptype *t, rtmap_hmap *h, bool retire)
{
    uintptr_t nold = ns_noldbuckets(h);
    if (retire) {
        h->retired[h->retired_len++] = (ns_retired){
            .ptr = h->oldbuckets, .occupied = h->old_occupied, .nalloc = h->old_nalloc,
            .nmain = nold, .size = h->old_nalloc * t->bucketsize,
        };
    } else {
        ns_free_overflow_chains(t, h, h->oldbuckets, nold, h->old_nalloc, h->old_occupied);
        ns_free(h, h->oldbuckets, h->old_nalloc * t->bucketsize);
        ns_free_occupied(h, h->old_occupied, nold);
    }
    h->oldbuckets = NULL;
    h->old_occupied = NULL;
    h->old_nalloc = 0;
    h->flags &= (uint8_t)~(NS_SAME_SIZE_GROW | NS_SHRINK);
}

/* Growth is done: the old array goes. An iterator that started before the growth
   may still be reading it, and then it is retired instead; when there is no room
   to retire it the end of growth is simply postponed to a later write. */
static void finish_growth(const rtmap_maptype *t, rtmap_hmap *h)
{
    bool live = ns_iterators_live(h);
    if (live && !ns_retire_reserve(h, 1))
        return;
    ns_drop_old_array(t, h, live);
}

/* Units of evacuation: one per old bucket, except when shrinking, where the two
   old buckets that merge into one new bucket (i and i + new size) move together,
   one unit per new bucket. */
static uintptr_t evacuation_units(const rtmap_hmap *h)
{
    return ns_shrinking(h) ? ns_bucket_shift(h->B) : ns_noldbuckets(h);
}

static bool bucket_evacuated(const rtmap_maptype *t, const rtmap_hmap *h, uintptr_t bucket)
{
    return ns_evacuated(ns_bucket_at(t, h->oldbuckets, bucket));
}

static void advance_evacuation_mark(const rtmap_maptype *t, rtmap_hmap *h)
{
    uintptr_t newbit = evacuation_units(h);
    h->nevacuate++;
    /* Bounded, so that one write never scans more than this many buckets. */
    uintptr_t stop = h->nevacuate + 1024;
    if (stop > newbit)
        stop = newbit;
    while (h->nevacuate != stop && bucket_evacuated(t, h, h->nevacuate))
        h->nevacuate++;
    if (h->nevacuate == newbit)
        finish_growth(t, h);
}

typedef struct evac_dst {
    uint8_t *b;     /* current destination bucket */
    unsigned i;     /* next slot in b */
} evac_dst;

static size_t chain_entries(const uint8_t *b, const rtmap_maptype *t)
{
    size_t n = 0;
    for (; b; b = ns_overflow(t, b))
        for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++)
            n += b[i] >= NS_MIN_TOPHASH;
    return n;
}

/* Without a live iterator nobody reads an evacuated chain again: its overflow
   buckets are freed and the main bucket cleared (except the tophash bytes, which
   hold the evacuation state) so that no stale pointer survives. */
static void release_evacuated_chain(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *b0)
{
    uint8_t *ovf = ns_overflow(t, b0);
    uint8_t *lo = h->oldbuckets, *hi = ns_bucket_at(t, h->oldbuckets, h->old_nalloc);
    while (ovf) {
        uint8_t *next = ns_overflow(t, ovf);
        if (ovf < lo || ovf >= hi)
            ns_free(h, ovf, t->bucketsize);
        ovf = next;
    }
    memset(b0 + NS_DATA_OFFSET, 0, t->bucketsize - NS_DATA_OFFSET);
}

static bool evacuate(const rtmap_maptype *t, rtmap_hmap *h, uintptr_t oldbucket)
{
    uint8_t *b0 = ns_bucket_at(t, h->oldbuckets, oldbucket);
    uintptr_t newbit = ns_noldbuckets(h);
    if (!ns_evacuated(b0)) {
        /* n entries fill at most ceil(n/8) buckets in X and Y together beyond
           their two main buckets, minus one: reserve that many up front. */
        size_t n = chain_entries(b0, t);
        if (n > NS_BUCKET_SLOTS && !ns_reserve_overflow(t, h, (n + 7) / 8 - 1))
            return false;

        bool same_size = ns_same_size_grow(h);
        bool nan_by_tophash = (atomic_load_explicit(&h->iter_flags, memory_order_relaxed) &
                               NS_ITERATOR) != 0 && !(t->flags & RTMAP_REFLEXIVE_KEY);
        evac_dst xy[2] = {
            { ns_bucket_at(t, h->buckets, oldbucket), 0 },
            { same_size ? NULL : ns_bucket_at(t, h->buckets, oldbucket + newbit), 0 },
        };
        for (uint8_t *b = b0; b; b = ns_overflow(t, b)) {
            for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++) {
                uint8_t top = b[i];
                if (ns_is_empty(top)) {
                    b[i] = NS_EVACUATED_EMPTY;
                    continue;
                }
                assert(top >= NS_MIN_TOPHASH);
                uint8_t *k = ns_key_at(t, b, i);
                void *key = ns_slot_key(t, k);
                unsigned use_y = 0;
                if (!same_size) {
                    uint64_t hash = t->hasher(t->key, key, h->hash0);
                    if (nan_by_tophash && !t->key->equal(t->key, key, key)) {
                        /* k != k (NaN): the hash is not repeatable, but an
                           iterator must agree with this choice, so the low bit
                           of tophash decides; a new random tophash spreads
                           such keys over later growths. */
                        use_y = top & 1;
                        top = ns_tophash(hash);
                    } else if (hash & newbit) {
                        use_y = 1;
                    }
                }
                b[i] = (uint8_t)(NS_EVACUATED_X + use_y);
                evac_dst *dst = &xy[use_y];
                ns_mark_occupied(h->occupied, oldbucket + (use_y ? newbit : 0));
                if (dst->i == NS_BUCKET_SLOTS) {
                    dst->b = ns_new_overflow(t, h, dst->b);
                    assert(dst->b != NULL);   /* reserved above */
                    dst->i = 0;
                }
                dst->b[dst->i] = top;
                memcpy(ns_key_at(t, dst->b, dst->i), k, t->keysize);
                memcpy(ns_elem_at(t, dst->b, dst->i), ns_elem_at(t, b, i), t->valuesize);
                dst->i++;
            }
        }
        if (!ns_iterators_live(h))
            release_evacuated_chain(t, h, b0);
    }
    if (oldbucket == h->nevacuate)
        advance_evacuation_mark(t, h);
    return true;
}

/* Shrinking: old buckets `unit` and `unit + new size` merge into new bucket
   `unit`, which is empty until they do. */
static bool evacuate_pair(const rtmap_maptype *t, rtmap_hmap *h, uintptr_t unit)
{
    uintptr_t nnew = ns_bucket_shift(h->B);
    uint8_t *src[2] = { ns_bucket_at(t, h->oldbuckets, unit),
                        ns_bucket_at(t, h->oldbuckets, unit + nnew) };
    if (!ns_evacuated(src[0])) {
        size_t n = chain_entries(src[0], t) + chain_entries(src[1], t);
        if (n > NS_BUCKET_SLOTS && !ns_reserve_overflow(t, h, (n + 7) / 8 - 1))
            return false;
        evac_dst dst = { ns_bucket_at(t, h->buckets, unit), 0 };
        if (n)
            ns_mark_occupied(h->occupied, unit);
        for (int s = 0; s < 2; s++) {
            for (uint8_t *b = src[s]; b; b = ns_overflow(t, b)) {
                for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++) {
                    uint8_t top = b[i];
                    if (ns_is_empty(top)) {
                        b[i] = NS_EVACUATED_EMPTY;
                        continue;
                    }
                    assert(top >= NS_MIN_TOPHASH);
                    /* Both halves land in X; the mark only tells "moved". */
                    b[i] = NS_EVACUATED_X;
                    if (dst.i == NS_BUCKET_SLOTS) {
                        dst.b = ns_new_overflow(t, h, dst.b);
                        assert(dst.b != NULL);   /* reserved above */
                        dst.i = 0;
                    }
                    dst.b[dst.i] = top;
                    memcpy(ns_key_at(t, dst.b, dst.i), ns_key_at(t, b, i), t->keysize);
                    memcpy(ns_elem_at(t, dst.b, dst.i), ns_elem_at(t, b, i), t->valuesize);
                    dst.i++;
                }
            }
        }
        if (!ns_iterators_live(h))
            for (int s = 0; s < 2; s++)
                release_evacuated_chain(t, h, src[s]);
    }
    if (unit == h->nevacuate)
        advance_evacuation_mark(t, h);
    return true;
}

void ns_maybe_shrink_slow(const rtmap_maptype *t, rtmap_hmap *h)
{
    size_t nalloc;
    uint8_t *next_overflow;
    uint64_t *occupied;
    uint8_t *array = ns_make_bucket_array(t, h, (uint8_t)(h->B - 1), &nalloc, &next_overflow, &occupied);
    if (!array)
        return;
    h->flags |= NS_SHRINK;
    h->B--;
    start_evacuation(h, array, nalloc, occupied, next_overflow);
}

bool ns_grow_work(const rtmap_maptype *t, rtmap_hmap *h, uintptr_t bucket)
{
    if (ns_shrinking(h)) {
        if (!evacuate_pair(t, h, bucket))
            return false;
        if (ns_growing(h)) {
            if (h->nevacuate < evacuation_units(h))
                return evacuate_pair(t, h, h->nevacuate);
            finish_growth(t, h);
        }
        return true;
    }
    /* First the old bucket the caller is about to use, then one more for progress. */
    if (!evacuate(t, h, bucket & ns_oldbucketmask(h)))
        return false;
    if (ns_growing(h)) {
        if (h->nevacuate < ns_noldbuckets(h))
            return evacuate(t, h, h->nevacuate);
        finish_growth(t, h);   /* postponed earlier */
    }
    return true;
}
