/* rtmap_verify for the classic build: walks every bucket of the current and old
 * arrays and checks the invariants the algorithm relies on. Slow by design; for
 * tests. */
#include "noswiss.h"

/* The short name keeps each check's report on its line. */
#define fail(...) rtmap_verify_fail(__VA_ARGS__)

typedef struct walk_state {
    const rtmap_maptype *t;
    const rtmap_hmap    *h;
    char                *why;
    size_t               len;
    size_t               entries;
    size_t               overflow_buckets;
} walk_state;

/* A chain of the current array (old == false) or of a not yet evacuated old
   bucket (old == true): slot states, emptyRest order, where each key belongs. */
static bool check_live_chain(walk_state *s, uint8_t *array, size_t nalloc, uintptr_t index,
                             uintptr_t mask, bool old)
{
    const rtmap_maptype *t = s->t;
    uint8_t *lo = array, *hi = ns_bucket_at(t, array, nalloc);
    uint8_t *prealloc = ns_bucket_at(t, array, mask + 1);
    bool rest = false;
    size_t chain = 0;
    const uint64_t *occ = old ? s->h->old_occupied : s->h->occupied;
    if (!ns_chunk_occupied(occ, index)) {
        uint8_t *b = ns_bucket_at(t, array, index);
        for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++)
            if (b[i] != NS_EMPTY_REST)
                return fail(s->why, s->len, "bucket %zu of an unoccupied chunk is not empty", (size_t)index);
        if (ns_overflow(t, b))
            return fail(s->why, s->len, "bucket %zu of an unoccupied chunk has overflow", (size_t)index);
    }
    for (uint8_t *b = ns_bucket_at(t, array, index); b; b = ns_overflow(t, b), chain++) {
        if (chain > 0) {
            s->overflow_buckets += !old;
            if (b >= lo && b < hi && b < prealloc)
                return fail(s->why, s->len, "bucket %zu: overflow points at a main bucket", (size_t)index);
            if (chain > nalloc + (size_t)s->h->count + 16)
                return fail(s->why, s->len, "bucket %zu: overflow chain has a cycle", (size_t)index);
        }
        for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++) {
            uint8_t top = b[i];
            uint8_t *k = ns_key_at(t, b, i);
            if (rest && top != NS_EMPTY_REST)
                return fail(s->why, s->len, "bucket %zu: slot %u (chain %zu) follows emptyRest but is 0x%02x",
                            (size_t)index, i, chain, top);
            if (top == NS_EMPTY_REST)
                rest = true;
            if (ns_is_empty(top)) {
                if ((t->flags & RTMAP_INDIRECT_KEY) && *(void **)k)
                    return fail(s->why, s->len, "bucket %zu: empty slot keeps an indirect key", (size_t)index);
                if ((t->flags & RTMAP_INDIRECT_ELEM) && *(void **)ns_elem_at(t, b, i))
                    return fail(s->why, s->len, "bucket %zu: empty slot keeps an indirect elem", (size_t)index);
                continue;
            }
            if (top < NS_MIN_TOPHASH)
                return fail(s->why, s->len, "%s bucket %zu: evacuation mark 0x%02x in a live bucket",
                            old ? "old" : "new", (size_t)index, top);
            if ((t->flags & RTMAP_INDIRECT_KEY) && !*(void **)k)
                return fail(s->why, s->len, "bucket %zu: full slot without key object", (size_t)index);
            if ((t->flags & RTMAP_INDIRECT_ELEM) && !*(void **)ns_elem_at(t, b, i))
                return fail(s->why, s->len, "bucket %zu: full slot without elem object", (size_t)index);
            s->entries++;
            void *key = ns_slot_key(t, k);
            if (!t->key->equal(t->key, key, key))
                continue;   /* NaN: tophash and bucket are random */
            uint64_t hash = t->hasher(t->key, key, s->h->hash0);
            if (ns_tophash(hash) != top)
                return fail(s->why, s->len, "bucket %zu slot %u: tophash 0x%02x, key hashes to 0x%02x",
                            (size_t)index, i, top, ns_tophash(hash));
            if ((hash & mask) != index)
                return fail(s->why, s->len, "key in bucket %zu belongs in bucket %zu",
                            (size_t)index, (size_t)(hash & mask));
        }
    }
    return true;
}

static bool bucket_is_empty(const rtmap_maptype *t, uint8_t *b)
{
    for (; b; b = ns_overflow(t, b))
        for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++)
            if (!ns_is_empty(b[i]))
                return false;
    return true;
}

static bool check_old(walk_state *s)
{
    const rtmap_maptype *t = s->t;
    const rtmap_hmap *h = s->h;
    bool shrink = ns_shrinking(h), same = ns_same_size_grow(h);
    if (shrink && same)
        return fail(s->why, s->len, "shrinking and same-size growth at once");
    if (!same && !shrink && h->B == 0)
        return fail(s->why, s->len, "doubling growth with B == 0");
    if (shrink && (h->B < 1 || h->B < h->min_B))
        return fail(s->why, s->len, "shrunk to B = %u (hint's B %u)", h->B, h->min_B);
    uintptr_t nold = ns_noldbuckets(h), nnew = ns_bucket_shift(h->B);
    uintptr_t units = shrink ? nnew : nold;
    if (h->nevacuate > units)
        return fail(s->why, s->len, "nevacuate %zu beyond %zu units", (size_t)h->nevacuate, (size_t)units);
    if (h->old_nalloc < nold)
        return fail(s->why, s->len, "old array smaller than its buckets");
    for (uintptr_t j = 0; j < nold; j++) {
        uint8_t *b = ns_bucket_at(t, h->oldbuckets, j);
        uintptr_t unit = shrink ? (j & (nnew - 1)) : j;
        if (shrink && ns_evacuated(b) != ns_evacuated(ns_bucket_at(t, h->oldbuckets, j ^ nnew)))
            return fail(s->why, s->len, "old buckets %zu and %zu merge but only one moved",
                        (size_t)j, (size_t)(j ^ nnew));
        if (ns_evacuated(b)) {
            for (uint8_t *c = b; c; c = ns_overflow(t, c))
                for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++)
                    if (c[i] < NS_EVACUATED_X || c[i] > NS_EVACUATED_EMPTY)
                        return fail(s->why, s->len, "old bucket %zu: evacuated, but slot %u is 0x%02x",
                                    (size_t)j, i, c[i]);
            continue;
        }
        if (unit < h->nevacuate)
            return fail(s->why, s->len, "old bucket %zu below nevacuate %zu is not evacuated",
                        (size_t)j, (size_t)h->nevacuate);
        if (!check_live_chain(s, h->oldbuckets, h->old_nalloc, j, nold - 1, true))
            return false;
        /* Its destinations fill only when it is evacuated. */
        bool dest_empty = bucket_is_empty(t, ns_bucket_at(t, h->buckets, j & (nnew - 1)));
        if (!same && !shrink)
            dest_empty = dest_empty && bucket_is_empty(t, ns_bucket_at(t, h->buckets, j + nold));
        if (!dest_empty)
            return fail(s->why, s->len, "old bucket %zu is not evacuated but its new bucket holds entries",
                        (size_t)j);
    }
    return true;
}

bool rtmap_verify(const rtmap_maptype *t, const rtmap_hmap *h, char *why, size_t whylen)
{
    if (!h)
        return true;
    if (h->writing)
        return fail(why, whylen, "writing flag set outside a write");
    if (h->count < 0)
        return fail(why, whylen, "negative count");
    if (!h->buckets) {
        if (h->count || h->B || h->oldbuckets)
            return fail(why, whylen, "no buckets but count %lld, B %u", (long long)h->count, h->B);
        return true;
    }
    if (h->nalloc < ns_bucket_shift(h->B))
        return fail(why, whylen, "array of %zu buckets for B = %u", h->nalloc, h->B);
    if (!ns_growing(h) && (h->flags & (NS_SAME_SIZE_GROW | NS_SHRINK)))
        return fail(why, whylen, "growth flags while not growing");
    if (h->B < h->min_B)
        return fail(why, whylen, "B = %u below the hint's %u", h->B, h->min_B);
    walk_state s = { t, h, why, whylen, 0, 0 };
    uintptr_t n = ns_bucket_shift(h->B);
    for (uintptr_t i = 0; i < n; i++)
        if (!check_live_chain(&s, h->buckets, h->nalloc, i, n - 1, false))
            return false;
    if (ns_growing(h) && !check_old(&s))
        return false;
    if (s.entries != (size_t)h->count)
        return fail(why, whylen, "count %lld but %zu entries found", (long long)h->count, s.entries);
    if (h->B < 16 && s.overflow_buckets < UINT16_MAX && h->noverflow != s.overflow_buckets)
        return fail(why, whylen, "noverflow %u but %zu overflow buckets", h->noverflow, s.overflow_buckets);
    if (h->next_overflow) {
        uint8_t *first = ns_bucket_at(t, h->buckets, n), *end = ns_bucket_at(t, h->buckets, h->nalloc);
        if (h->next_overflow < first || h->next_overflow >= end ||
            (size_t)(h->next_overflow - first) % t->bucketsize)
            return fail(why, whylen, "nextOverflow outside the preallocated buckets");
    }
    size_t spare = 0;
    for (uint8_t *b = h->spare; b; b = ns_overflow(t, b))
        if (++spare > h->nspare)
            break;
    if (spare != h->nspare)
        return fail(why, whylen, "%zu spare overflow buckets, %zu counted", spare, h->nspare);
    if (h->retired_len > h->retired_cap)
        return fail(why, whylen, "retired list overflows");
    return true;
}
