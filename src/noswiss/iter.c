/* Iteration, as Go's mapiterinit/mapiternext: a random start bucket and slot
 * offset; the iterator keeps the bucket array it started on. When the map grew
 * since, entries found there marked evacuated are looked up again in the live map
 * (they may have been updated or deleted); when it started during a growth, an
 * old bucket not yet evacuated is read instead of its new bucket, keeping only
 * the entries that will land in the new bucket being visited.
 *
 * C has no collector: the map counts live iterators and keeps memory they may
 * read until none is live (see docs/api.md). */
#include "noswiss.h"

#define NO_CHECK ((uintptr_t)1 << (sizeof(uintptr_t) * 8 - 1))

typedef struct ns_iter {
    void                *key;           /* NULL: iteration is over */
    void                *elem;
    const rtmap_maptype *t;
    rtmap_hmap          *h;             /* NULL: not started, ended or stopped */
    uint8_t             *buckets;       /* the array when iteration started */
    uint8_t             *bptr;          /* current bucket */
    uint8_t             *pair_next;     /* shrinking: the second old bucket to read */
    uintptr_t            start_bucket;
    uintptr_t            bucket;        /* next bucket index */
    uintptr_t            check_bucket;
    uint8_t              offset;        /* slot offset, random */
    uint8_t              wrapped;
    uint8_t              B;
    uint8_t              i;
    uint8_t              live;          /* counted in h->live_iters */
} ns_iter;
_Static_assert(sizeof(ns_iter) <= sizeof(rtmap_hiter), "iterator state fits rtmap_hiter");
_Static_assert(offsetof(ns_iter, key) == offsetof(rtmap_hiter, key) &&
               offsetof(ns_iter, elem) == offsetof(rtmap_hiter, elem), "key and elem first");

static void end_iteration(ns_iter *it)
{
    it->key = it->elem = NULL;
    if (it->live) {
        atomic_fetch_sub_explicit(&it->h->live_iters, 1, memory_order_release);
        it->live = 0;
    }
    it->h = NULL;
    it->bptr = NULL;
}

void rtmap_mapiterinit(const rtmap_maptype *t, rtmap_hmap *h, rtmap_hiter *hit)
{
    ns_iter *it = (ns_iter *)hit;
    memset(hit, 0, sizeof *hit);
    it->t = t;
    if (!h || h->count == 0)
        return;
    it->h = h;
    it->B = h->B;
    it->buckets = h->buckets;

    uint64_t r = rtmap_rand();
    it->start_bucket = (uintptr_t)r & ns_bucket_mask(h->B);
    it->offset = (uint8_t)((r >> h->B) & (NS_BUCKET_SLOTS - 1));
    it->bucket = it->start_bucket;

    /* Several readers may start iterating at once: atomic OR, and only when needed. */
    uint8_t both = NS_ITERATOR | NS_OLD_ITERATOR;
    if ((atomic_load_explicit(&h->iter_flags, memory_order_relaxed) & both) != both)
        atomic_fetch_or_explicit(&h->iter_flags, both, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->live_iters, 1, memory_order_acquire);
    it->live = 1;

    rtmap_mapiternext(hit);
}

void rtmap_mapiternext(rtmap_hiter *hit)
{
    ns_iter *it = (ns_iter *)hit;
    rtmap_hmap *h = it->h;
    if (!h) {
        it->key = it->elem = NULL;
        return;
    }
    if (RTMAP_UNLIKELY(h->writing))
        rtmap_fatal(RTMAP_FATAL_CONCURRENT_ITER_WRITE, "concurrent map iteration and map write");
    const rtmap_maptype *t = it->t;
    uintptr_t bucket = it->bucket;
    uint8_t *b = it->bptr;
    unsigned i = it->i;
    uintptr_t check_bucket = it->check_bucket;
    uint8_t *pair_next = it->pair_next;

next:
    if (b == NULL) {
        if (bucket == it->start_bucket && it->wrapped) {
            end_iteration(it);
            return;
        }
        if (ns_growing(h) && it->B == h->B && ns_shrinking(h)) {
            /* Shrinking: new bucket i gathers old buckets i and i + new size;
               until they move, read them both. */
            b = ns_bucket_at(t, h->oldbuckets, bucket);
            if (!ns_evacuated(b))
                pair_next = ns_bucket_at(t, h->oldbuckets, bucket + ns_bucket_shift(h->B));
            else
                b = ns_bucket_at(t, it->buckets, bucket);
            check_bucket = NO_CHECK;
        } else if (ns_growing(h) && it->B == h->B) {
            /* Started during this growth, which is not done: while the old
               bucket is not evacuated, its entries are still there. */
            uintptr_t oldbucket = bucket & ns_oldbucketmask(h);
            b = ns_bucket_at(t, h->oldbuckets, oldbucket);
            if (!ns_evacuated(b)) {
                check_bucket = bucket;
            } else {
                b = ns_bucket_at(t, it->buckets, bucket);
                check_bucket = NO_CHECK;
            }
        } else {
            if (it->buckets == h->buckets && h->occupied && !ns_chunk_occupied(h->occupied, bucket)) {
                /* Buckets that never held anything: skip to the next chunk that
                   did (but never past the start, where iteration ends). */
                uintptr_t next = ns_next_occupied(h->occupied, bucket, ns_bucket_shift(it->B));
                if (it->wrapped && it->start_bucket > bucket && it->start_bucket < next)
                    next = it->start_bucket;
                bucket = next;
                if (bucket == ns_bucket_shift(it->B)) {
                    bucket = 0;
                    it->wrapped = 1;
                }
                goto next;
            }
            b = ns_bucket_at(t, it->buckets, bucket);
            check_bucket = NO_CHECK;
        }
        bucket++;
        if (bucket == ns_bucket_shift(it->B)) {
            bucket = 0;
            it->wrapped = 1;
        }
        i = 0;
    }
    for (; i < NS_BUCKET_SLOTS; i++) {
        unsigned offi = (i + it->offset) & (NS_BUCKET_SLOTS - 1);
        uint8_t top = b[offi];
        if (ns_is_empty(top) || top == NS_EVACUATED_EMPTY)
            continue;
        void *k = ns_slot_key(t, ns_key_at(t, b, offi));
        uint8_t *e = ns_elem_at(t, b, offi);
        bool evacuated = top == NS_EVACUATED_X || top == NS_EVACUATED_Y;
        bool filter = check_bucket != NO_CHECK && !ns_same_size_grow(h);
        /* k == k only matters when filtering or re-looking up, as in Go: the
           common case of a live bucket calls no equal function. */
        bool reflexive = (t->flags & RTMAP_REFLEXIVE_KEY) ||
                         ((filter || evacuated) && t->key->equal(t->key, k, k));
        if (filter) {
            /* Reading an old bucket during a doubling: keep only the entries
               that go to the new bucket being visited. */
            if (reflexive) {
                uint64_t hash = t->hasher(t->key, k, h->hash0);
                if ((hash & ns_bucket_mask(it->B)) != check_bucket)
                    continue;
            } else if ((check_bucket >> (it->B - 1)) != (uintptr_t)(top & 1)) {
                /* NaN: evacuation sends it by the low tophash bit; agree with it. */
                continue;
            }
        }
        if (!evacuated || !reflexive) {
            /* The golden data, or a key that cannot be looked up anyway (k != k,
               so it can be neither updated nor deleted). */
            it->key = k;
            it->elem = ns_slot_elem(t, e);
        } else {
            /* The map has grown since the iterator started: the entry may have
               been updated or deleted since; the live map has the truth (and
               the current key bytes, which may differ: +0.0 and -0.0). */
            void *rk, *re;
            if (!ns_access_k(t, h, k, &rk, &re))
                continue;
            it->key = rk;
            it->elem = re;
        }
        it->bucket = bucket;
        it->bptr = b;
        it->i = (uint8_t)(i + 1);
        it->check_bucket = check_bucket;
        it->pair_next = pair_next;
        return;
    }
    b = ns_overflow(t, b);
    if (!b && pair_next) {
        b = pair_next;
        pair_next = NULL;
    }
    i = 0;
    goto next;
}

void rtmap_mapiterstop(rtmap_hiter *hit)
{
    ns_iter *it = (ns_iter *)hit;
    if (it->h)
        end_iteration(it);
    it->key = it->elem = NULL;
}
