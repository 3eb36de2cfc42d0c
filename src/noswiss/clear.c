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

static void mark_buckets_empty(const rtmap_maptype *t, uint8_t *array, uintptr_t n)
{
    for (uintptr_t i = 0; i < n; i++)
        for (uint8_t *b = ns_bucket_at(t, array, i); b; b = ns_overflow(t, b))
            memset(b, NS_EMPTY_REST, NS_BUCKET_SLOTS);
}

static void release_indirect(const rtmap_maptype *t, rtmap_hmap *h)
{
    uintptr_t n = ns_bucket_shift(h->B);
    for (uintptr_t i = 0; i < n; i++)
        ns_release_chain_indirect(t, h, ns_bucket_at(t, h->buckets, i));
    if (h->oldbuckets) {
        uintptr_t nold = ns_noldbuckets(h);
        for (uintptr_t i = 0; i < nold; i++) {
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
        uintptr_t nold = ns_noldbuckets(h);
        if (live) {
            mark_buckets_empty(t, h->oldbuckets, nold);
            h->retired[h->retired_len++] = (ns_retired){
                .ptr = h->oldbuckets, .nalloc = h->old_nalloc, .nmain = nold,
                .size = h->old_nalloc * t->bucketsize,
            };
        } else {
            ns_free_overflow_chains(t, h, h->oldbuckets, nold, h->old_nalloc);
            ns_free(h, h->oldbuckets, h->old_nalloc * t->bucketsize);
        }
    }
    if (live) {
        mark_buckets_empty(t, h->buckets, nmain);
        /* Arrays retired earlier may still be read by the live iterator: the
           entries it would take from them directly (k != k) are gone too. */
        for (size_t r = 0; r < h->retired_len; r++)
            if (h->retired[r].nmain)
                mark_buckets_empty(t, h->retired[r].ptr, h->retired[r].nmain);
    } else {
        ns_free_overflow_chains(t, h, h->buckets, nmain, h->nalloc);
        ns_free_spare(t, h);
        h->next_overflow = ns_reset_bucket_array(t, h->buckets, h->B, h->nalloc);
        h->noverflow = 0;
    }
    h->flags &= (uint8_t)~(NS_SAME_SIZE_GROW | NS_SHRINK);
    h->oldbuckets = NULL;
    h->old_nalloc = 0;
    h->nevacuate = 0;
    h->count = 0;
    h->hash0 = rtmap_rand();
    ns_end_write(h);
}
