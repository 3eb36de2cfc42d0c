/* The two makemap entry points that are the same in both builds: each build's
 * map.c has rtmap_makemap and the header allocation they share. */
#include "internal.h"

/* Go's makemap64: a hint that intptr_t cannot hold is ignored, not truncated. */
rtmap_hmap *rtmap_makemap64(const rtmap_maptype *t, int64_t hint)
{
    if (hint != (int64_t)(intptr_t)hint)
        hint = 0;
    return rtmap_makemap(t, (intptr_t)hint);
}

/* Go's makemap_small: no storage until the first insert, which needs the type;
 * the type is taken for symmetry with makemap and is not read (NULL is fine). */
rtmap_hmap *rtmap_makemap_small(const rtmap_maptype *t)
{
    (void)t;
    rtmap_hmap *h = rtmap_new_map_header();
    if (!h)
        rtmap_panic_oom();
    return h;
}
