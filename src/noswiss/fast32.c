/* Go's map_fast32: maps whose key is 4 bytes compared as an integer. */
#include "fastint.h"

void *rtmap_mapaccess1_fast32(const rtmap_maptype *t, rtmap_hmap *h, uint32_t key)
{
    void *e = ns_fast_access(t, h, &key, 4);
    return e ? ns_slot_elem(t, e) : (void *)rtmap_zero_val;
}

void *rtmap_mapaccess2_fast32(const rtmap_maptype *t, rtmap_hmap *h, uint32_t key, bool *ok)
{
    void *e = ns_fast_access(t, h, &key, 4);
    *ok = e != NULL;
    return e ? ns_slot_elem(t, e) : (void *)rtmap_zero_val;
}

void *rtmap_mapassign_fast32(const rtmap_maptype *t, rtmap_hmap *h, uint32_t key)
{
    return ns_fast_assign(t, h, &key, rtmap_key32_eq);
}

void *rtmap_mapassign_fast32ptr(const rtmap_maptype *t, rtmap_hmap *h, void *key)
{
    uint32_t k = (uint32_t)(uintptr_t)key;
    return ns_fast_assign(t, h, &k, rtmap_key32_eq);
}

void rtmap_mapdelete_fast32(const rtmap_maptype *t, rtmap_hmap *h, uint32_t key)
{
    ns_fast_delete(t, h, &key, rtmap_key32_eq);
}
