/* Fast paths for 8-byte memory-comparable keys (int64, uint64, pointers): keys
 * compare as uint64_t, the elem sits at key + 8, and a small map is searched with
 * no hash at all. Deletes share the generic algorithm with
 * the key comparison inlined (Go calls the generic delete). */
#include "assign.h"
#include "delete.h"

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline bool key64_eq(const rtmap_maptype *t, const void *key, const uint8_t *slot)
{
    return load64(slot) == *(const uint64_t *)key;
}

static inline void key64_store(const rtmap_maptype *t, uint8_t *slot, const void *key,
                               const swiss_new_entry *ne)
{
    memcpy(slot, key, sizeof(uint64_t));
}

static inline void key64_hit(const rtmap_maptype *t, uint8_t *slot, const void *key) {}

RTMAP_INLINE uint8_t *find64(const rtmap_maptype *t, const rtmap_hmap *m, uint64_t key)
{
    if (m->dir_len == 0)
        return swiss_small_find_nohash(t, m, &key, key64_eq, NULL);
    uint64_t hash = t->hasher(t->key, &key, m->seed);
    return swiss_table_find(t, m, &key, hash, key64_eq, NULL);
}

void *rtmap_mapaccess1_fast64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key)
{
    if (!h || h->used == 0)
        return (void *)rtmap_zero_val;
    if (RTMAP_UNLIKELY(h->writing))
        rtmap_fatal(RTMAP_FATAL_CONCURRENT_READ_WRITE, "concurrent map read and map write");
    uint8_t *slot = find64(t, h, key);
    return slot ? slot + 8 : (void *)rtmap_zero_val;
}

void *rtmap_mapaccess2_fast64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key, bool *ok)
{
    if (!h || h->used == 0) {
        *ok = false;
        return (void *)rtmap_zero_val;
    }
    if (RTMAP_UNLIKELY(h->writing))
        rtmap_fatal(RTMAP_FATAL_CONCURRENT_READ_WRITE, "concurrent map read and map write");
    uint8_t *slot = find64(t, h, key);
    *ok = slot != NULL;
    return slot ? slot + 8 : (void *)rtmap_zero_val;
}

RTMAP_INLINE void *assign64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key)
{
    if (RTMAP_UNLIKELY(!h)) {
        rtmap_panic(RTMAP_PANIC_NIL_MAP_WRITE, "assignment to entry in nil map");
        return NULL;
    }
    if (RTMAP_UNLIKELY(h->writing))
        swiss_fatal_concurrent_writes();
    uint64_t hash = t->hasher(t->key, &key, h->seed);
    swiss_begin_write(h);
    swiss_collect_retired(h);
    uint8_t *slot = swiss_assign_slot(t, h, &key, hash, key64_eq, key64_store, key64_hit);
    if (RTMAP_UNLIKELY(!slot)) {
        swiss_fail_oom(h);
        return NULL;
    }
    swiss_end_write(h);
    return slot + 8;
}

void *rtmap_mapassign_fast64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key)
{
    return assign64(t, h, key);
}

void *rtmap_mapassign_fast64ptr(const rtmap_maptype *t, rtmap_hmap *h, void *key)
{
    return assign64(t, h, (uint64_t)(uintptr_t)key);
}

void rtmap_mapdelete_fast64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key)
{
    swiss_delete_fast(t, h, &key, key64_eq, true);
}
