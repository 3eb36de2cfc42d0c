/* mapkeys / mapvalues (maps.Keys, maps.Values into a caller's array), as Go's
 * keys/values: the current buckets from a random start, then the old buckets
 * not yet evacuated. At most `cap` are written. */
#include "noswiss.h"

typedef void (*visit_fn)(const rtmap_maptype *t, uint8_t *b, unsigned i, uint8_t *dst);

static void copy_key(const rtmap_maptype *t, uint8_t *b, unsigned i, uint8_t *dst)
{
    memcpy(dst, ns_slot_key(t, ns_key_at(t, b, i)), t->key->size);
}

static void copy_elem(const rtmap_maptype *t, uint8_t *b, unsigned i, uint8_t *dst)
{
    memcpy(dst, ns_slot_elem(t, ns_elem_at(t, b, i)), t->elem->size);
}

static size_t copy_chain(const rtmap_maptype *t, uint8_t *b, unsigned offset, uint8_t *dst,
                         size_t stride, size_t n, size_t cap, visit_fn visit)
{
    for (; b && n < cap; b = ns_overflow(t, b)) {
        for (unsigned i = 0; i < NS_BUCKET_SLOTS && n < cap; i++) {
            unsigned offi = (i + offset) & (NS_BUCKET_SLOTS - 1);
            if (ns_is_empty(b[offi]))
                continue;
            visit(t, b, offi, dst + n * stride);
            n++;
        }
    }
    return n;
}

static size_t walk(const rtmap_maptype *t, rtmap_hmap *h, void *dst, size_t cap, size_t stride,
                   visit_fn visit)
{
    if (!h || h->count == 0 || cap == 0)
        return 0;
    ns_check_not_writing(h);
    uint64_t r = rtmap_rand();
    unsigned offset = (unsigned)((r >> h->B) & (NS_BUCKET_SLOTS - 1));
    size_t n = 0;
    uintptr_t size = ns_bucket_shift(h->B);
    for (uintptr_t i = 0; i < size && n < cap; i++) {
        uintptr_t bucket = (i + (uintptr_t)r) & (size - 1);
        if (!ns_chunk_occupied(h->occupied, bucket)) {
            /* Skip to the end of this empty chunk. */
            i += ((1u << NS_CHUNK_SHIFT) - 1) - (bucket & ((1u << NS_CHUNK_SHIFT) - 1));
            continue;
        }
        n = copy_chain(t, ns_bucket_at(t, h->buckets, bucket), offset, dst, stride, n, cap, visit);
    }
    if (ns_growing(h)) {
        uintptr_t old_size = ns_noldbuckets(h);
        for (uintptr_t i = 0; i < old_size && n < cap; i++) {
            uint8_t *b = ns_bucket_at(t, h->oldbuckets, (i + (uintptr_t)r) & (old_size - 1));
            if (!ns_evacuated(b))
                n = copy_chain(t, b, offset, dst, stride, n, cap, visit);
        }
    }
    return n;
}

size_t rtmap_mapkeys(const rtmap_maptype *t, rtmap_hmap *h, void *dst, size_t cap)
{
    return walk(t, h, dst, cap, t->key->size, copy_key);
}

size_t rtmap_mapvalues(const rtmap_maptype *t, rtmap_hmap *h, void *dst, size_t cap)
{
    return walk(t, h, dst, cap, t->elem->size, copy_elem);
}
