/* mapclear: every bucket (and the old array's, while growing) is marked empty so
 * that running iterators stop producing entries (Go issue 59411); the seed
 * changes; the bucket array is kept for reuse. Without a live iterator the
 * overflow buckets and the old array are freed and the array is zeroed, as Go's
 * makeBucketArray(dirtyalloc) does; with one, memory it may still read is kept
 * (overflow chains stay linked and empty, the old array is retired). */
#include "noswiss.h"

static bool has_indirect(const rtmap_maptype *t)
{
    return (t->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM)) != 0;
}

static void mark_buckets_empty(const rtmap_maptype *t, uint8_t *array, uintptr_t n,
                               const uint64_t *occupied)
{
    for (uintptr_t i = ns_next_occupied(occupied, 0, n); i < n; i = ns_next_occupied(occupied, i + 1, n))
        for (uint8_t *b = ns_bucket_at(t, array, i); b; b = ns_overflow(t, b))
            memset(b, NS_EMPTY_REST, NS_BUCKET_SLOTS);
}

static void release_indirect(const rtmap_maptype *t, rtmap_hmap *h)
{
    uintptr_t n = ns_bucket_shift(h->B);
    for (uintptr_t i = ns_next_occupied(h->occupied, 0, n); i < n;
         i = ns_next_occupied(h->occupied, i + 1, n))
        ns_release_chain_indirect(t, h, ns_bucket_at(t, h->buckets, i));
    if (h->oldbuckets) {
        uintptr_t nold = ns_noldbuckets(h);
        const uint64_t *occ = h->old_occupied;
        for (uintptr_t i = ns_next_occupied(occ, 0, nold); i < nold; i = ns_next_occupied(occ, i + 1, nold)) {
            uint8_t *b = ns_bucket_at(t, h->oldbuckets, i);
            if (!ns_evacuated(b))
                ns_release_chain_indirect(t, h, b);
        }
    }
}

void rtmap_mapclear(const rtmap_maptype *t, rtmap_hmap *h)
{
    if (!h || h->count == 0)
        return;
    if (RTMAP_UNLIKELY(h->writing))
        ns_fatal_concurrent_writes();
    ns_begin_write(h);
    ns_collect_retired(t, h);
    bool live = ns_iterators_live(h);
    if (live) {
        size_t need = (h->oldbuckets ? 1 : 0) + (has_indirect(t) ? 2 * (size_t)h->count : 0);
        if (!ns_retire_reserve(h, need)) {
            ns_fail_oom(h);
            return;
        }
    }
    if (has_indirect(t))
        release_indirect(t, h);

    uintptr_t nmain = ns_bucket_shift(h->B);
    if (h->oldbuckets) {
        if (live)
            mark_buckets_empty(t, h->oldbuckets, ns_noldbuckets(h), h->old_occupied);
        ns_drop_old_array(t, h, live);
    }
    if (live) {
        mark_buckets_empty(t, h->buckets, nmain, h->occupied);
        /* Arrays retired earlier may still be read by the live iterator: the
           entries it would take from them directly (k != k) are gone too. */
        for (size_t r = 0; r < h->retired_len; r++)
            if (h->retired[r].nmain)
                mark_buckets_empty(t, h->retired[r].ptr, h->retired[r].nmain, h->retired[r].occupied);
    } else {
        ns_free_overflow_chains(t, h, h->buckets, nmain, h->nalloc, h->occupied);
        ns_free_spare(t, h);
        ns_reset_bucket_array(t, h);
        h->noverflow = 0;
    }
    h->nevacuate = 0;
    h->count = 0;
    h->hash0 = rtmap_rand();
    ns_end_write(h);
}
