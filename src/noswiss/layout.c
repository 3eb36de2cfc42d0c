/* The bucket type of a map type (what rtmap_map_of needs from this build), and the
 * layout descriptors of the implementation's own blocks.
 *
 * A bucket is Go's bmap as reflect's bucketOf builds it:
 *   tophash [8]uint8; keys [8]K; elems [8]E; overflow *bmap
 * Keys and elems over 128 bytes are stored as pointers. Keys start at offset 8,
 * so alignment beyond 8 cannot be honoured (Go rejects it too). As in Go, the
 * bitmap marks the overflow word only when keys or elems hold pointers. */
#include "noswiss.h"

#define WORD NS_WORD
#define HMAP_WORD(f) (offsetof(rtmap_hmap, f) / WORD)
#define HMAP_BIT(f, byte) ((HMAP_WORD(f) / 8 == (byte)) ? (1u << (HMAP_WORD(f) % 8)) : 0u)
#define HMAP_PTRS(byte)                                                              \
    (uint8_t)(HMAP_BIT(buckets, byte) | HMAP_BIT(oldbuckets, byte) |                   \
              HMAP_BIT(next_overflow, byte) | HMAP_BIT(spare, byte) |                  \
              HMAP_BIT(retired, byte) | HMAP_BIT(alloc.ctx, byte) |                      \
              HMAP_BIT(occupied, byte) | HMAP_BIT(old_occupied, byte))

static const uint8_t hmap_gcdata[] = { HMAP_PTRS(0), HMAP_PTRS(1), HMAP_PTRS(2) };
_Static_assert(offsetof(rtmap_hmap, alloc.ctx) / WORD < 24, "hmap bitmap is 3 bytes");
_Static_assert(offsetof(rtmap_hmap, count) == 0, "the count comes first (ABI)");

const rtmap_type ns_hmap_type = {
    .size = sizeof(rtmap_hmap), .ptrbytes = offsetof(rtmap_hmap, alloc.ctx) + WORD,
    .align = _Alignof(rtmap_hmap), .kind = RTMAP_KIND_STRUCT,
    .gcdata = hmap_gcdata, .str = "runtime.hmap",
};

static const uint8_t retired_gcdata[] = {
    (uint8_t)((1u << (offsetof(ns_retired, ptr) / WORD)) | (1u << (offsetof(ns_retired, occupied) / WORD))),
};
const rtmap_type ns_retired_type = {
    .size = sizeof(ns_retired), .ptrbytes = offsetof(ns_retired, occupied) + WORD,
    .align = _Alignof(ns_retired), .kind = RTMAP_KIND_STRUCT, .gcdata = retired_gcdata,
    .str = "runtime.retired",
};

const rtmap_type ns_bitmap_type = {
    .size = sizeof(uint64_t), .align = _Alignof(uint64_t), .kind = RTMAP_KIND_UINT64,
    .str = "uint64",
};

static bool has_pointers(const rtmap_type *vt, bool indirect)
{
    return indirect || vt->ptrbytes != 0;
}

rtmap_err rtmap_impl_layout(rtmap_maptype *mt)
{
    rtmap_stored_kv kv;
    rtmap_err err = rtmap_stored_kv_of(mt, &kv);
    if (err != RTMAP_OK)
        return err;
    /* Every part is a multiple of 8 bytes long, so the overflow word is aligned. */
    size_t size = NS_DATA_OFFSET + NS_BUCKET_SLOTS * (kv.ksize + kv.esize) + WORD;
    size_t overflow_off = size - WORD;
    uint8_t *bits;
    rtmap_type *bt = rtmap_storage_type_new(mt, "map.bucket", size, &bits);
    if (!bt)
        return RTMAP_ENOMEM;
    if (has_pointers(mt->key, kv.ikey) || has_pointers(mt->elem, kv.ielem)) {
        for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++) {
            rtmap_gc_mark_value(bits, NS_DATA_OFFSET + i * kv.ksize, mt->key, kv.ikey);
            rtmap_gc_mark_value(bits, NS_DATA_OFFSET + NS_BUCKET_SLOTS * kv.ksize + i * kv.esize,
                                mt->elem, kv.ielem);
        }
        rtmap_gc_mark_word(bits, overflow_off);
    }
    rtmap_storage_type_install(mt, bt, &kv, 0, 0);
    return RTMAP_OK;
}
