/* The map header: creation with Go's hint handling, freeing, length, the writing
 * flag, and the memory rules C needs in place of a garbage collector: blocks the
 * map stops using are freed at once unless an iterator is live, in which case
 * they are retired and freed at the first write that finds no live iterator. */
#include "noswiss.h"

#include <assert.h>

/* ---- memory ------------------------------------------------------------------- */

void *ns_alloc(rtmap_hmap *h, size_t size, size_t align, const rtmap_type *layout)
{
    return rtmap_alloc_with(&h->alloc, size, align, layout);
}

void ns_free(rtmap_hmap *h, void *p, size_t size)
{
    rtmap_free_with(&h->alloc, p, size);
}

bool ns_retire_reserve(rtmap_hmap *h, size_t n)
{
    if (h->retired_cap - h->retired_len >= n)
        return true;
    size_t cap = h->retired_cap ? 2 * h->retired_cap : 8;
    if (cap < h->retired_len + n)
        cap = h->retired_len + n;
    ns_retired *r = ns_alloc(h, cap * sizeof *r, _Alignof(ns_retired), &ns_retired_type);
    if (!r)
        return false;
    if (h->retired_len)
        memcpy(r, h->retired, h->retired_len * sizeof *r);
    if (h->retired)
        ns_free(h, h->retired, h->retired_cap * sizeof *r);
    h->retired = r;
    h->retired_cap = cap;
    return true;
}

void ns_retire_block(rtmap_hmap *h, void *p, size_t size)
{
    if (!p)
        return;
    if (!ns_iterators_live(h)) {
        ns_free(h, p, size);
        return;
    }
    assert(h->retired_len < h->retired_cap);
    h->retired[h->retired_len++] = (ns_retired){ .ptr = p, .size = size };
}

void ns_free_retired_all(const rtmap_maptype *t, rtmap_hmap *h)
{
    for (size_t i = 0; i < h->retired_len; i++) {
        ns_retired *r = &h->retired[i];
        if (r->nmain) {
            ns_free_overflow_chains(t, h, r->ptr, r->nmain, r->nalloc, r->occupied);
            ns_free_occupied(h, r->occupied, r->nmain);
        }
        ns_free(h, r->ptr, r->size);
    }
    if (h->retired)
        ns_free(h, h->retired, h->retired_cap * sizeof *h->retired);
    h->retired = NULL;
    h->retired_len = h->retired_cap = 0;
}

void ns_collect_retired_slow(const rtmap_maptype *t, rtmap_hmap *h)
{
    if (!ns_iterators_live(h))
        ns_free_retired_all(t, h);
}

/* ---- writing flag and failures ------------------------------------------------- */

void ns_fatal_concurrent_writes(void)
{
    rtmap_fatal(RTMAP_FATAL_CONCURRENT_WRITES, "concurrent map writes");
}

void ns_fatal_concurrent_read_write(void)
{
    rtmap_fatal(RTMAP_FATAL_CONCURRENT_READ_WRITE, "concurrent map read and map write");
}

void ns_fail_oom(rtmap_hmap *h)
{
    h->writing ^= 1;
    rtmap_panic_oom();
}

bool rtmap_impl_writing(const rtmap_hmap *h)
{
    return h && h->writing != 0;
}

/* ---- creation ------------------------------------------------------------------- */

rtmap_hmap *rtmap_new_map_header(void)
{
    rtmap_allocator a;
    rtmap_current_allocator(&a);
    rtmap_hmap *h = rtmap_alloc_with(&a, sizeof *h, _Alignof(rtmap_hmap), &ns_hmap_type);
    if (!h)
        return NULL;
    h->alloc = a;
    h->hash0 = rtmap_rand();
    atomic_init(&h->iter_flags, 0);
    atomic_init(&h->live_iters, 0);
    return h;
}

rtmap_hmap *ns_new_map(const rtmap_maptype *t, intptr_t hint)
{
    /* A hint the address space cannot hold is ignored, as Go does. */
    if (hint < 0 || (uint64_t)hint > NS_MAX_ALLOC / t->bucketsize)
        hint = 0;
    rtmap_hmap *h = rtmap_new_map_header();
    if (!h)
        return NULL;
    uint8_t b = 0;
    while (ns_over_load_factor(hint, b))
        b++;
    h->B = b;
    h->min_B = b;
    /* With B == 0 the single bucket is allocated by the first assign. */
    if (b != 0) {
        h->buckets = ns_make_bucket_array(t, h, b, &h->nalloc, &h->next_overflow, &h->occupied);
        if (!h->buckets) {
            rtmap_allocator a = h->alloc;
            rtmap_free_with(&a, h, sizeof *h);
            return NULL;
        }
    }
    return h;
}

rtmap_hmap *rtmap_makemap(const rtmap_maptype *t, intptr_t hint)
{
    rtmap_hmap *h = ns_new_map(t, hint);
    if (!h)
        rtmap_panic_oom();
    return h;
}

/* ---- freeing --------------------------------------------------------------------- */

static void release_array_indirect(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *array,
                                   uintptr_t nmain, const uint64_t *occupied, bool skip_evacuated)
{
    for (uintptr_t i = ns_next_occupied(occupied, 0, nmain); i < nmain;
         i = ns_next_occupied(occupied, i + 1, nmain)) {
        uint8_t *b = ns_bucket_at(t, array, i);
        if (skip_evacuated && ns_evacuated(b))
            continue;
        ns_release_chain_indirect(t, h, b);
    }
}

void rtmap_mapfree(const rtmap_maptype *t, rtmap_hmap *h)
{
    if (!h)
        return;
    /* Nothing may be retired from here on: the map goes away with its iterators. */
    atomic_store_explicit(&h->live_iters, 0, memory_order_relaxed);
    bool indirect = (t->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM)) != 0;
    if (h->buckets) {
        uintptr_t n = ns_bucket_shift(h->B);
        if (indirect)
            release_array_indirect(t, h, h->buckets, n, h->occupied, false);
        ns_free_overflow_chains(t, h, h->buckets, n, h->nalloc, h->occupied);
        ns_free(h, h->buckets, h->nalloc * t->bucketsize);
        ns_free_occupied(h, h->occupied, n);
    }
    if (h->oldbuckets) {
        uintptr_t nold = ns_noldbuckets(h);
        if (indirect)
            release_array_indirect(t, h, h->oldbuckets, nold, h->old_occupied, true);
        ns_free_overflow_chains(t, h, h->oldbuckets, nold, h->old_nalloc, h->old_occupied);
        ns_free(h, h->oldbuckets, h->old_nalloc * t->bucketsize);
        ns_free_occupied(h, h->old_occupied, nold);
    }
    ns_free_spare(t, h);
    ns_free_retired_all(t, h);
    rtmap_allocator a = h->alloc;
    rtmap_free_with(&a, h, sizeof *h);
}

intptr_t rtmap_maplen(const rtmap_hmap *h)
{
    return h ? h->count : 0;
}
