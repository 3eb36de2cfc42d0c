/* Bucket arrays and overflow buckets: Go's makeBucketArray, newoverflow and
 * incrnoverflow, plus what C needs without a collector: freeing the overflow
 * buckets of a chain, and a small set of spare overflow buckets reserved before
 * an evacuation so that moving entries can never fail halfway. */
#include "noswiss.h"

uintptr_t ns_next_occupied(const uint64_t *occupied, uintptr_t i, uintptr_t n)
{
    if (!occupied || i >= n)
        return i < n ? i : n;
    uintptr_t chunk = i >> NS_CHUNK_SHIFT, nchunks = n >> NS_CHUNK_SHIFT;
    uint64_t word = occupied[chunk / 64] & (~UINT64_C(0) << (chunk % 64));
    for (;;) {
        if (word) {
            uintptr_t found = (chunk & ~(uintptr_t)63) + (uintptr_t)__builtin_ctzll(word);
            if (found >= nchunks)
                return n;
            uintptr_t first = found << NS_CHUNK_SHIFT;
            return first > i ? first : i;
        }
        chunk = (chunk & ~(uintptr_t)63) + 64;
        if (chunk >= nchunks)
            return n;
        word = occupied[chunk / 64];
    }
}

void ns_free_occupied(rtmap_hmap *h, uint64_t *occupied, uintptr_t nmain)
{
    if (occupied)
        ns_free(h, occupied, ns_occupied_words(nmain) * sizeof(uint64_t));
}

/* Go's convention: a preallocated overflow bucket whose overflow pointer is NULL
   has more after it; the last one points at a non-NULL sentinel (the array). */
static uint8_t *arm_preallocated(const rtmap_maptype *t, uint8_t *array, size_t base, size_t nalloc)
{
    if (base == nalloc)
        return NULL;
    ns_set_overflow(t, ns_bucket_at(t, array, nalloc - 1), array);
    return ns_bucket_at(t, array, base);
}

void ns_reset_bucket_array(const rtmap_maptype *t, rtmap_hmap *h)
{
    uintptr_t n = ns_bucket_shift(h->B);
    for (uintptr_t i = ns_next_occupied(h->occupied, 0, n); i < n;) {
        /* A run of occupied chunks at once. */
        uintptr_t end = i;
        while (end < n && ns_chunk_occupied(h->occupied, end))
            end = (end | ((1u << NS_CHUNK_SHIFT) - 1)) + 1;
        if (end > n)
            end = n;
        memset(ns_bucket_at(t, h->buckets, i), 0, (end - i) * t->bucketsize);
        i = ns_next_occupied(h->occupied, end, n);
    }
    /* Preallocated overflow buckets: only those handed out so far are dirty. */
    uint8_t *used_end = h->next_overflow ? h->next_overflow : ns_bucket_at(t, h->buckets, h->nalloc);
    uint8_t *pre = ns_bucket_at(t, h->buckets, n);
    if (used_end > pre)
        memset(pre, 0, (size_t)(used_end - pre));
    if (h->next_overflow)
        ns_set_overflow(t, ns_bucket_at(t, h->buckets, h->nalloc - 1), NULL);
    if (h->occupied)
        memset(h->occupied, 0, ns_occupied_words(n) * sizeof(uint64_t));
    h->next_overflow = arm_preallocated(t, h->buckets, n, h->nalloc);
}

uint8_t *ns_make_bucket_array(const rtmap_maptype *t, rtmap_hmap *h, uint8_t b,
                              size_t *nalloc, uint8_t **next_overflow, uint64_t **occupied)
{
    uint64_t base = ns_bucket_shift(b);
    uint64_t n = base;
    /* For small b overflow buckets are unlikely; for larger ones add the number
       needed to insert the median number of elements for this b (Go's estimate).
       C has no size classes, so there is no rounding up to one. */
    if (b >= 4)
        n += ns_bucket_shift((uint8_t)(b - 4));
    if (b >= 63 || n > NS_MAX_ALLOC / t->bucketsize)
        return NULL;
    uint64_t *occ = NULL;
    if (b >= NS_OCCUPANCY_MIN_B) {
        occ = ns_alloc(h, ns_occupied_words((uintptr_t)base) * sizeof(uint64_t), 8, &ns_bitmap_type);
        if (!occ)
            return NULL;
    }
    uint8_t *array = ns_alloc(h, (size_t)n * t->bucketsize, 8, t->bucket);
    if (!array) {
        ns_free_occupied(h, occ, (uintptr_t)base);
        return NULL;
    }
    *nalloc = (size_t)n;
    *occupied = occ;
    *next_overflow = arm_preallocated(t, array, (size_t)base, (size_t)n);
    return array;
}

/* Go's incrnoverflow: exact below B = 16, then counted with probability
   1/(1 << (B - 15)) so that 1 << 15 still means "about as many as buckets". */
static void incr_noverflow(rtmap_hmap *h)
{
    if (h->B < 16) {
        h->noverflow++;
        return;
    }
    uint32_t mask = ((uint32_t)1 << (h->B - 15)) - 1;
    if (((uint32_t)rtmap_rand() & mask) == 0)
        h->noverflow++;
}

static size_t preallocated_left(const rtmap_maptype *t, const rtmap_hmap *h)
{
    if (!h->next_overflow)
        return 0;
    uint8_t *end = ns_bucket_at(t, h->buckets, h->nalloc);
    return (size_t)(end - h->next_overflow) / t->bucketsize;
}

static uint8_t *take_overflow(const rtmap_maptype *t, rtmap_hmap *h)
{
    uint8_t *ovf = h->next_overflow;
    if (ovf) {
        if (ns_overflow(t, ovf) == NULL) {
            h->next_overflow = ovf + t->bucketsize;
        } else {
            /* The last preallocated bucket: drop the sentinel. */
            ns_set_overflow(t, ovf, NULL);
            h->next_overflow = NULL;
        }
        return ovf;
    }
    ovf = h->spare;
    if (ovf) {
        h->spare = ns_overflow(t, ovf);
        h->nspare--;
        ns_set_overflow(t, ovf, NULL);
        return ovf;
    }
    return ns_alloc(h, t->bucketsize, 8, t->bucket);
}

uint8_t *ns_new_overflow(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *b)
{
    uint8_t *ovf = take_overflow(t, h);
    if (!ovf)
        return NULL;
    incr_noverflow(h);
    ns_set_overflow(t, b, ovf);
    return ovf;
}

bool ns_reserve_overflow(const rtmap_maptype *t, rtmap_hmap *h, size_t n)
{
    size_t have = preallocated_left(t, h) + h->nspare;
    while (have < n) {
        uint8_t *ovf = ns_alloc(h, t->bucketsize, 8, t->bucket);
        if (!ovf)
            return false;
        ns_set_overflow(t, ovf, h->spare);
        h->spare = ovf;
        h->nspare++;
        have++;
    }
    return true;
}

void ns_free_spare(const rtmap_maptype *t, rtmap_hmap *h)
{
    while (h->spare) {
        uint8_t *next = ns_overflow(t, h->spare);
        ns_free(h, h->spare, t->bucketsize);
        h->spare = next;
    }
    h->nspare = 0;
}

void ns_free_overflow_chains(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *array,
                             size_t nmain, size_t nalloc, const uint64_t *occupied)
{
    uint8_t *lo = array, *hi = ns_bucket_at(t, array, nalloc);
    for (size_t i = ns_next_occupied(occupied, 0, nmain); i < nmain;
         i = ns_next_occupied(occupied, i + 1, nmain)) {
        uint8_t *b = ns_bucket_at(t, array, i);
        uint8_t *ovf = ns_overflow(t, b);
        ns_set_overflow(t, b, NULL);
        while (ovf) {
            uint8_t *next = ns_overflow(t, ovf);
            if (ovf >= lo && ovf < hi)
                ns_set_overflow(t, ovf, NULL);
            else
                ns_free(h, ovf, t->bucketsize);
            ovf = next;
        }
    }
}

void ns_release_chain_indirect(const rtmap_maptype *t, rtmap_hmap *h, uint8_t *b)
{
    for (; b; b = ns_overflow(t, b)) {
        for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++) {
            if (b[i] < NS_MIN_TOPHASH)
                continue;
            if (t->flags & RTMAP_INDIRECT_KEY) {
                uint8_t *k = ns_key_at(t, b, i);
                ns_retire_block(h, *(void **)k, t->key->size);
                *(void **)k = NULL;
            }
            if (t->flags & RTMAP_INDIRECT_ELEM) {
                uint8_t *e = ns_elem_at(t, b, i);
                ns_retire_block(h, *(void **)e, t->elem->size);
                *(void **)e = NULL;
            }
        }
    }
}
