/* Go's map_fast32: maps whose key is 4 bytes compared as an integer (int32, uint32,
 * 32-bit pointers). */
#include "fastint.h"

void *rtmap_mapaccess1_fast32(const rtmap_maptype *t, rtmap_hmap *h, uint32_t key)
{
    void *e = swiss_fast_access(t, h, &key, 4);
    return e ? e : (void *)rtmap_zero_val;
}

void *rtmap_mapaccess2_fast32(const rtmap_maptype *t, rtmap_hmap *h, uint32_t key, bool *ok)
{
    void *e = swiss_fast_access(t, h, &key, 4);
    *ok = e != NULL;
    return e ? e : (void *)rtmap_zero_val;
}

void *rtmap_mapassign_fast32(const rtmap_maptype *t, rtmap_hmap *h, uint32_t key)
{
    return swiss_fast_assign(t, h, &key, 4);
}

void *rtmap_mapassign_fast32ptr(const rtmap_maptype *t, rtmap_hmap *h, void *key)
{
    uint32_t k = (uint32_t)(uintptr_t)key;
    return swiss_fast_assign(t, h, &k, 4);
}

void rtmap_mapdelete_fast32(const rtmap_maptype *t, rtmap_hmap *h, uint32_t key)
{
    swiss_fast_delete(t, h, &key, 4);
}
