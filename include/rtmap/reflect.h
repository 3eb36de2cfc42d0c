/* rtmap reflection layer: the seed's reflect_* entry points (Go semantics: errors
 * panic) and the checked API (errors are return codes; never panics or aborts on
 * bad input). See docs/api.md. */
#ifndef RTMAP_REFLECT_H
#define RTMAP_REFLECT_H

#include "rtmap/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

rtmap_hmap *rtmap_reflect_makemap(const rtmap_maptype *t, intptr_t cap); /* checks the type's invariants */
void *rtmap_reflect_mapaccess(const rtmap_maptype *t, rtmap_hmap *h, const void *key);   /* NULL if absent */
void *rtmap_reflect_mapaccess_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key);
void  rtmap_reflect_mapassign(const rtmap_maptype *t, rtmap_hmap *h, const void *key, const void *elem);
void  rtmap_reflect_mapassign_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key, const void *elem);
void  rtmap_reflect_mapdelete(const rtmap_maptype *t, rtmap_hmap *h, const void *key);
void  rtmap_reflect_mapdelete_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key);
void  rtmap_reflect_mapiterinit(const rtmap_maptype *t, rtmap_hmap *h, rtmap_hiter *it);
void  rtmap_reflect_mapiternext(rtmap_hiter *it);
void *rtmap_reflect_mapiterkey(rtmap_hiter *it);
void *rtmap_reflect_mapiterelem(rtmap_hiter *it);
intptr_t rtmap_reflect_maplen(const rtmap_hmap *h);
void  rtmap_reflect_mapclear(const rtmap_maptype *t, rtmap_hmap *h);
intptr_t rtmap_reflectlite_maplen(const rtmap_hmap *h);

typedef enum rtmap_err {
    RTMAP_OK = 0,
    RTMAP_EINVAL,       /* NULL or malformed argument, bad type descriptor */
    RTMAP_ENOKEY,       /* key type not comparable (MapOf) */
    RTMAP_EUNHASHABLE,  /* key holds an unhashable dynamic type */
    RTMAP_ENILMAP,      /* write to a nil map */
    RTMAP_ENOMEM,       /* allocation failed; the map is unchanged */
    RTMAP_EITER,        /* iterator misuse: Key/Value before Next, or after exhaustion */
    RTMAP_ECONCURRENT   /* concurrent misuse detected */
} rtmap_err;
const char *rtmap_strerror(rtmap_err err);

/* reflect.MapOf / ArrayOf / StructOf: descriptors are cached and live forever */
rtmap_err rtmap_map_of(const rtmap_type *key, const rtmap_type *elem, const rtmap_maptype **out);
rtmap_err rtmap_array_of(const rtmap_type *elem, size_t len, const rtmap_type **out);
typedef struct rtmap_field { const char *name; const rtmap_type *type; } rtmap_field;
rtmap_err rtmap_struct_of(const rtmap_field *fields, size_t n, const rtmap_type **out); /* C layout rules */

rtmap_err rtmap_make_map(const rtmap_maptype *t, size_t hint, rtmap_hmap **out);      /* MakeMapWithSize */
rtmap_err rtmap_map_index(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                          void *elem_out, bool *found);                               /* MapIndex (copies) */
rtmap_err rtmap_set_map_index(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                              const void *elem);                                      /* SetMapIndex; elem NULL deletes */
rtmap_err rtmap_map_keys(const rtmap_maptype *t, rtmap_hmap *h, void *keys_out,
                         size_t cap, size_t *n);                                      /* MapKeys */
rtmap_err rtmap_map_clear(const rtmap_maptype *t, rtmap_hmap *h);
rtmap_err rtmap_map_clone(const rtmap_maptype *t, rtmap_hmap *h, rtmap_hmap **out);

typedef struct rtmap_map_iter {          /* reflect.MapIter: reusable, no allocation */
    const rtmap_maptype *t;
    rtmap_hmap          *h;
    rtmap_hiter          hiter;
    uintptr_t            state;
} rtmap_map_iter;
void      rtmap_map_range(const rtmap_maptype *t, rtmap_hmap *h, rtmap_map_iter *it); /* MapRange */
bool      rtmap_map_iter_next(rtmap_map_iter *it);      /* false when exhausted (and after) */
rtmap_err rtmap_map_iter_key(rtmap_map_iter *it, void *key_out);    /* SetIterKey */
rtmap_err rtmap_map_iter_value(rtmap_map_iter *it, void *elem_out); /* SetIterValue */
void      rtmap_map_iter_reset(rtmap_map_iter *it, const rtmap_maptype *t, rtmap_hmap *h); /* Reset */

#ifdef __cplusplus
}
#endif
#endif /* RTMAP_REFLECT_H */
