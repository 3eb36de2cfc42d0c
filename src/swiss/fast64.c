/* Go's map_fast64: maps whose key is 8 bytes compared as an integer (int64, uint64, pointers). */
#include "fastint.h"

void *rtmap_mapaccess1_fast64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key)
{
    void *e = swiss_fast_access(t, h, &key, 8);
    return e ? e : (void *)rtmap_zero_val;
}

void *rtmap_mapaccess2_fast64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key, bool *ok)
{
    void *e = swiss_fast_access(t, h, &key, 8);
    *ok = e != NULL;
    return e ? e : (void *)rtmap_zero_val;
}

void *rtmap_mapassign_fast64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key)
{
    return swiss_fast_assign(t, h, &key, 8);
}

void *rtmap_mapassign_fast64ptr(const rtmap_maptype *t, rtmap_hmap *h, void *key)
{
    uint64_t k = (uint64_t)(uintptr_t)key;
    return swiss_fast_assign(t, h, &k, 8);
}

void rtmap_mapdelete_fast64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key)
{
    swiss_fast_delete(t, h, &key, 8);
}
