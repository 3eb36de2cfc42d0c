/* Fast paths for string keys: compare length then bytes, the elem sits at key + 16,
 * an overwrite always rewrites the stored header (the bytes may live elsewhere).
 * A small map is searched without hashing, as the classic map's single bucket is:
 * a short key (< 32 bytes) is compared with every stored key of its length, a
 * long one is first filtered on its length and first and last 8 bytes, and hashed
 * only when two stored keys pass the filter. */
#include "assign.h"
#include "delete.h"

#define STR_ELEM_OFFSET (sizeof(rtmap_string))
#define LONG_KEY 32

static inline const rtmap_string *slot_str(const uint8_t *slot)
{
    return (const rtmap_string *)(const void *)slot;
}

static inline bool str_equal(const rtmap_string *a, const rtmap_string *b)
{
    return a->len == b->len && (a->ptr == b->ptr || a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

static inline bool keystr_eq(const rtmap_maptype *t, const void *key, const uint8_t *slot)
{
    return str_equal(key, slot_str(slot));
}

static inline void keystr_store(const rtmap_maptype *t, uint8_t *slot, const void *key,
                                const swiss_new_entry *ne)
{
    memcpy(slot, key, sizeof(rtmap_string));
}

static inline void keystr_hit(const rtmap_maptype *t, uint8_t *slot, const void *key)
{
    memcpy(slot, key, sizeof(rtmap_string));
}

/* Might a and b be equal? Both at least 8 bytes long. */
static inline bool long_quick_equal(const rtmap_string *a, const rtmap_string *b)
{
    return a->len == b->len && memcmp(a->ptr, b->ptr, 8) == 0 &&
           memcmp(a->ptr + a->len - 8, b->ptr + b->len - 8, 8) == 0;
}

/* From slot `first`, the first of the key's length: filter on the first and last
   8 bytes, hash when two slots pass. */
static inline uint8_t *small_find_long_from(const rtmap_maptype *t, const rtmap_hmap *m,
                                                    const rtmap_string *key, unsigned first)
{
    uint8_t *g = m->dir_ptr;
    uint8_t *slot = swiss_slot(t, g, first);
    uint8_t *candidate = NULL;
    for (unsigned i = first; i < SWISS_GROUP_SLOTS; i++, slot += t->slotsize) {
        if (slot_str(slot)->len != key->len || (ctrl_get(g, i) & 0x80))
            continue;
        /* The same bytes (a key looked up with the string it was stored with):
           equal without reading them. */
        if (slot_str(slot)->ptr == key->ptr)
            return slot;
        if (!long_quick_equal(key, slot_str(slot)))
            continue;
        if (candidate)      /* two candidates: hashing is cheaper than two compares */
            return swiss_small_find(t, m, key, t->hasher(t->key, key, m->seed), keystr_eq, NULL);
        candidate = slot;
    }
    return candidate && str_equal(key, slot_str(candidate)) ? candidate : NULL;
}

/* The common case, a key whose length no stored key has, stays a tight loop over
   the lengths (every slot in order with a running pointer, see
   swiss_small_find_nohash; a free slot's key is zeroed, so its length never
   matches a long key) before the filter starts. */
RTMAP_INLINE uint8_t *small_find_long(const rtmap_maptype *t, const rtmap_hmap *m,
                                      const rtmap_string *key)
{
    const uint8_t *slot = swiss_slot(t, m->dir_ptr, 0);
    for (unsigned i = 0; i < SWISS_GROUP_SLOTS; i++, slot += t->slotsize)
        if (slot_str(slot)->len == key->len)
            return small_find_long_from(t, m, key, i);
    return NULL;
}

static uint8_t *findstr(const rtmap_maptype *t, const rtmap_hmap *m, const rtmap_string *key)
{
    if (m->dir_len == 0) {
        if (key->len >= LONG_KEY)
            return small_find_long(t, m, key);
        return swiss_small_find_nohash(t, m, key, keystr_eq, NULL);
    }
    return swiss_table_find(t, m, key, t->hasher(t->key, key, m->seed), keystr_eq, NULL);
}

static uint8_t *lookup(const rtmap_maptype *t, rtmap_hmap *h, const rtmap_string *key)
{
    if (!h || h->used == 0)
        return NULL;
    swiss_check_not_writing(h);
    return findstr(t, h, key);
}

void *rtmap_mapaccess1_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key)
{
    uint8_t *slot = lookup(t, h, &key);
    return slot ? slot + STR_ELEM_OFFSET : (void *)rtmap_zero_val;
}

void *rtmap_mapaccess2_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key, bool *ok)
{
    uint8_t *slot = lookup(t, h, &key);
    *ok = slot != NULL;
    return slot ? slot + STR_ELEM_OFFSET : (void *)rtmap_zero_val;
}

void *rtmap_mapassign_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key)
{
    uint8_t *slot = swiss_assign_entry(t, h, &key, keystr_eq, keystr_store, keystr_hit, false);
    return slot ? slot + STR_ELEM_OFFSET : NULL;
}

void rtmap_mapdelete_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key)
{
    swiss_delete_entry(t, h, &key, keystr_eq, key.len < LONG_KEY, false);
}
