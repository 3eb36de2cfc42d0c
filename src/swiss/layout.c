/* The group type of a map type (what rtmap_map_of needs from this build), and the
 * layout descriptors of the implementation's own blocks.
 *
 * A group is Go's struct { ctrl uint64; slots [8]struct{ key K; elem E } } laid out
 * by Go's rules: fields aligned, a struct padded to its alignment, and one extra
 * byte after a trailing zero-size field of a non-empty struct (so that a pointer
 * to that field never points past the allocation). */
#include "swiss.h"

#define WORD sizeof(void *)

/* The header's pointer words: dir_ptr, retired, the table header chunks and free
   list, and the allocator's ctx. */
#define HMAP_PTR(field) ((uint32_t)1 << (offsetof(rtmap_hmap, field) / WORD))
#define HMAP_PTR_WORDS (HMAP_PTR(dir_ptr) | HMAP_PTR(retired) | HMAP_PTR(free_tables) | \
                        HMAP_PTR(table_chunks) | HMAP_PTR(groups_slab) | HMAP_PTR(alloc.ctx))
static const uint8_t hmap_gcdata[] = {
    (uint8_t)(HMAP_PTR_WORDS & 0xFF),
    (uint8_t)((HMAP_PTR_WORDS >> 8) & 0xFF),
    (uint8_t)((HMAP_PTR_WORDS >> 16) & 0xFF),
};
_Static_assert(offsetof(rtmap_hmap, alloc.ctx) / WORD < 24, "hmap bitmap fits three bytes");
_Static_assert(offsetof(rtmap_hmap, alloc.ctx) > offsetof(rtmap_hmap, table_chunks) &&
               offsetof(rtmap_hmap, alloc.ctx) > offsetof(rtmap_hmap, free_tables) &&
               offsetof(rtmap_hmap, alloc.ctx) > offsetof(rtmap_hmap, groups_slab),
               "ptrbytes ends at alloc.ctx");
_Static_assert(offsetof(rtmap_hmap, used) == 0, "the count comes first (ABI)");

const rtmap_type swiss_hmap_type = {
    .size = sizeof(rtmap_hmap), .ptrbytes = offsetof(rtmap_hmap, alloc.ctx) + WORD,
    .align = _Alignof(rtmap_hmap), .kind = RTMAP_KIND_STRUCT,
    .gcdata = hmap_gcdata, .str = "swiss.Map",
};

static const uint8_t table_gcdata[] = { (uint8_t)(1u << (offsetof(swiss_table, groups) / WORD)) };
const rtmap_type swiss_table_type = {
    .size = sizeof(swiss_table), .ptrbytes = offsetof(swiss_table, groups) + WORD,
    .align = _Alignof(swiss_table), .kind = RTMAP_KIND_STRUCT,
    .gcdata = table_gcdata, .str = "swiss.table",
};

static const uint8_t one_pointer_gcdata[] = { 1 };
/* A directory is an array of pointer words: the groups words point up to 7 bytes
   into their group arrays (their low bits carry the group count). */
const rtmap_type swiss_directory_type = {
    .size = sizeof(uintptr_t), .ptrbytes = sizeof(uintptr_t), .align = _Alignof(uintptr_t),
    .kind = RTMAP_KIND_UNSAFE_POINTER, .gcdata = one_pointer_gcdata, .str = "swiss.dirWord",
};
const rtmap_type swiss_retired_type = {
    .size = sizeof(swiss_retired), .ptrbytes = WORD, .align = _Alignof(swiss_retired),
    .kind = RTMAP_KIND_STRUCT, .gcdata = one_pointer_gcdata, .str = "swiss.retired",
};

static size_t align_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

rtmap_err rtmap_impl_layout(rtmap_maptype *mt)
{
    rtmap_stored_kv kv;
    rtmap_err err = rtmap_stored_kv_of(mt, &kv);
    if (err != RTMAP_OK)
        return err;
    size_t slot_align = kv.kalign > kv.ealign ? kv.kalign : kv.ealign;
    size_t elemoff = align_up(kv.ksize, kv.ealign);
    size_t slot = elemoff + kv.esize;
    if (slot > 0 && kv.esize == 0)
        slot++;
    slot = align_up(slot, slot_align);
    size_t group = 8 + SWISS_GROUP_SLOTS * slot;
    if (slot == 0)
        group++;                                    /* trailing zero-size slots array */
    group = align_up(group, 8);

    uint8_t *bits;
    rtmap_type *gt = rtmap_storage_type_new(mt, "group", group, &bits);
    if (!gt)
        return RTMAP_ENOMEM;
    for (unsigned i = 0; i < SWISS_GROUP_SLOTS; i++) {
        size_t at = 8 + i * slot;
        rtmap_gc_mark_value(bits, at, mt->key, kv.ikey);
        rtmap_gc_mark_value(bits, at + elemoff, mt->elem, kv.ielem);
    }
    rtmap_storage_type_install(mt, gt, &kv, slot, elemoff);
    return RTMAP_OK;
}
