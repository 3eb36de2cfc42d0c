/* The bucket type of a map type (what rtmap_map_of needs from this build), and the
 * layout descriptors of the implementation's own blocks.
 *
 * A bucket is Go's bmap as reflect's bucketOf builds it:
 *   tophash [8]uint8; keys [8]K; elems [8]E; overflow *bmap
 * Keys and elems over 128 bytes are stored as pointers. Keys start at offset 8,
 * so alignment beyond 8 cannot be honoured (Go rejects it too). As in Go, the
 * bitmap marks the overflow word only when keys or elems hold pointers. */
#include "noswiss.h"

#include <stdio.h>
#include <stdlib.h>

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
    if (!mt || !mt->key || !mt->elem)
        return RTMAP_EINVAL;
    bool ikey = (mt->flags & RTMAP_INDIRECT_KEY) != 0;
    bool ielem = (mt->flags & RTMAP_INDIRECT_ELEM) != 0;
    size_t ksize = ikey ? WORD : mt->key->size;
    size_t esize = ielem ? WORD : mt->elem->size;
    size_t kalign = ikey ? _Alignof(void *) : (mt->key->align ? mt->key->align : 1);
    size_t ealign = ielem ? _Alignof(void *) : (mt->elem->align ? mt->elem->align : 1);
    if (ksize > RTMAP_MAX_KEY_BYTES || esize > RTMAP_MAX_ELEM_BYTES)
        return RTMAP_EINVAL;
    if (kalign > 8 || ealign > 8 || (kalign & (kalign - 1)) || (ealign & (ealign - 1)))
        return RTMAP_EINVAL;

    /* Every part is a multiple of 8 bytes long, so the overflow word is aligned. */
    size_t size = NS_DATA_OFFSET + NS_BUCKET_SLOTS * (ksize + esize) + WORD;
    size_t overflow_off = size - WORD;

    size_t words = size / WORD;
    uint8_t *bits = calloc((words + 7) / 8 + 1, 1);
    const char *ks = mt->key->str ? mt->key->str : "?";
    const char *es = mt->elem->str ? mt->elem->str : "?";
    char *str = malloc(strlen(ks) + strlen(es) + 16);
    rtmap_type *bt = calloc(1, sizeof *bt);
    if (!bits || !str || !bt) {
        free(bits);
        free(str);
        free(bt);
        return RTMAP_ENOMEM;
    }
    if (has_pointers(mt->key, ikey) || has_pointers(mt->elem, ielem)) {
        for (unsigned i = 0; i < NS_BUCKET_SLOTS; i++) {
            rtmap_gc_mark_value(bits, NS_DATA_OFFSET + i * ksize, mt->key, ikey);
            rtmap_gc_mark_value(bits, NS_DATA_OFFSET + NS_BUCKET_SLOTS * ksize + i * esize,
                                mt->elem, ielem);
        }
        rtmap_gc_mark_word(bits, overflow_off);
        bt->ptrbytes = size;
    }
    sprintf(str, "map.bucket[%s]%s", ks, es);
    bt->size = size;
    bt->align = 8;
    bt->kind = RTMAP_KIND_STRUCT;
    bt->gcdata = bits;
    bt->str = str;

    mt->bucket = bt;
    mt->bucketsize = (uint16_t)size;
    mt->keysize = (uint8_t)ksize;
    mt->valuesize = (uint8_t)esize;
    mt->slotsize = 0;
    mt->elemoff = 0;
    return RTMAP_OK;
}
