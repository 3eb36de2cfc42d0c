/* The group type of a map type (what rtmap_map_of needs from this build), and the
 * layout descriptors of the implementation's own blocks.
 *
 * A group is Go's struct { ctrl uint64; slots [8]struct{ key K; elem E } } laid out
 * by Go's rules: fields aligned, a struct padded to its alignment, and one extra
 * byte after a trailing zero-size field of a non-empty struct (so that a pointer
 * to that field never points past the allocation). */
#include "swiss.h"

#include <stdio.h>
#include <stdlib.h>

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
    if (!mt || !mt->key || !mt->elem)
        return RTMAP_EINVAL;
    bool ikey = (mt->flags & RTMAP_INDIRECT_KEY) != 0;
    bool ielem = (mt->flags & RTMAP_INDIRECT_ELEM) != 0;
    size_t ksize = ikey ? WORD : mt->key->size;
    size_t kalign = ikey ? _Alignof(void *) : (mt->key->align ? mt->key->align : 1);
    size_t esize = ielem ? WORD : mt->elem->size;
    size_t ealign = ielem ? _Alignof(void *) : (mt->elem->align ? mt->elem->align : 1);
    if (ksize > RTMAP_MAX_KEY_BYTES || esize > RTMAP_MAX_ELEM_BYTES)
        return RTMAP_EINVAL;
    /* Slots follow the 8-byte control word directly: alignment beyond 8 would
       need padding the ABI has no field for (Go rejects it as well). */
    if (kalign > 8 || ealign > 8 || (kalign & (kalign - 1)) || (ealign & (ealign - 1)))
        return RTMAP_EINVAL;

    size_t slot_align = kalign > ealign ? kalign : ealign;
    size_t elemoff = align_up(ksize, ealign);
    size_t slot = elemoff + esize;
    if (slot > 0 && esize == 0)
        slot++;
    slot = align_up(slot, slot_align);
    size_t group = 8 + SWISS_GROUP_SLOTS * slot;
    if (slot == 0)
        group++;                                    /* trailing zero-size slots array */
    group = align_up(group, 8);

    size_t words = group / WORD;
    uint8_t *bits = calloc((words + 7) / 8 + 1, 1);
    char *str = malloc(strlen(mt->key->str ? mt->key->str : "?") +
                       strlen(mt->elem->str ? mt->elem->str : "?") + 16);
    rtmap_type *gt = calloc(1, sizeof *gt);
    if (!bits || !str || !gt) {
        free(bits);
        free(str);
        free(gt);
        return RTMAP_ENOMEM;
    }
    for (unsigned i = 0; i < SWISS_GROUP_SLOTS; i++) {
        size_t at = 8 + i * slot;
        rtmap_gc_mark_value(bits, at, mt->key, ikey);
        rtmap_gc_mark_value(bits, at + elemoff, mt->elem, ielem);
    }
    sprintf(str, "group[%s]%s", mt->key->str ? mt->key->str : "?",
            mt->elem->str ? mt->elem->str : "?");
    gt->size = group;
    gt->ptrbytes = rtmap_gc_ptrbytes(bits, words);
    gt->align = 8;
    gt->kind = RTMAP_KIND_STRUCT;
    gt->gcdata = bits;
    gt->str = str;

    mt->bucket = gt;
    mt->bucketsize = (uint16_t)group;
    mt->keysize = (uint8_t)ksize;
    mt->valuesize = (uint8_t)esize;
    mt->slotsize = (uint16_t)slot;
    mt->elemoff = (uint16_t)elemoff;
    return RTMAP_OK;
}
