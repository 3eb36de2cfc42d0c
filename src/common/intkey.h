/* Keys of 4 or 8 bytes compared as integers, for both builds' fast paths
 * (Go's map_fast32 and map_fast64). */
#ifndef RTMAP_INTKEY_H
#define RTMAP_INTKEY_H

#include "internal.h"

RTMAP_INLINE uint64_t rtmap_load_intkey(const void *p, unsigned width)
{
    if (width == 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* The key comparison both builds' probe templates take. */
RTMAP_INLINE bool rtmap_key32_eq(const rtmap_maptype *t, const void *key, const uint8_t *slot)
{
    (void)t;
    return rtmap_load_intkey(slot, 4) == rtmap_load_intkey(key, 4);
}

RTMAP_INLINE bool rtmap_key64_eq(const rtmap_maptype *t, const void *key, const uint8_t *slot)
{
    (void)t;
    return rtmap_load_intkey(slot, 8) == rtmap_load_intkey(key, 8);
}

#endif /* RTMAP_INTKEY_H */
