/* The generic lookup entry points (Go's mapaccess1/2 and their _fat forms),
 * written once for both builds. Each build's access.c defines
 *     static void *lookup(const rtmap_maptype *t, rtmap_hmap *h, const void *key);
 * (the elem of key; NULL when key is absent or hashing it panicked) and then
 * includes this file, so that every entry point inlines its lookup. */
#ifndef RTMAP_ACCESS_ENTRIES_H
#define RTMAP_ACCESS_ENTRIES_H

void *rtmap_mapaccess1(const rtmap_maptype *t, rtmap_hmap *h, const void *key)
{
    void *e = lookup(t, h, key);
    return e ? e : (void *)rtmap_zero_val;
}

void *rtmap_mapaccess2(const rtmap_maptype *t, rtmap_hmap *h, const void *key, bool *ok)
{
    void *e = lookup(t, h, key);
    *ok = e != NULL;
    return e ? e : (void *)rtmap_zero_val;
}

void *rtmap_mapaccess1_fat(const rtmap_maptype *t, rtmap_hmap *h, const void *key, const void *zero)
{
    void *e = lookup(t, h, key);
    return e ? e : (void *)zero;
}

void *rtmap_mapaccess2_fat(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                           const void *zero, bool *ok)
{
    void *e = lookup(t, h, key);
    *ok = e != NULL;
    return e ? e : (void *)zero;
}

#endif /* RTMAP_ACCESS_ENTRIES_H */
