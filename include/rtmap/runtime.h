/* rtmap runtime entry points: Go's runtime map API with an rtmap_ prefix.
 * Go semantics: errors go to the panic hook (see hooks.h, docs/api.md). */
#ifndef RTMAP_RUNTIME_H
#define RTMAP_RUNTIME_H

#include "rtmap/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A nil map (NULL) reads as empty; writing to it panics
   ("assignment to entry in nil map"). */
rtmap_hmap *rtmap_makemap(const rtmap_maptype *t, intptr_t hint);
rtmap_hmap *rtmap_makemap64(const rtmap_maptype *t, int64_t hint);
rtmap_hmap *rtmap_makemap_small(const rtmap_maptype *t);
void        rtmap_mapfree(const rtmap_maptype *t, rtmap_hmap *h); /* C only: release all memory */
intptr_t    rtmap_maplen(const rtmap_hmap *h);

void *rtmap_mapaccess1(const rtmap_maptype *t, rtmap_hmap *h, const void *key);        /* never NULL */
void *rtmap_mapaccess2(const rtmap_maptype *t, rtmap_hmap *h, const void *key, bool *ok);
void *rtmap_mapaccess1_fat(const rtmap_maptype *t, rtmap_hmap *h, const void *key, const void *zero);
void *rtmap_mapaccess2_fat(const rtmap_maptype *t, rtmap_hmap *h, const void *key, const void *zero, bool *ok);
void *rtmap_mapassign(const rtmap_maptype *t, rtmap_hmap *h, const void *key);          /* elem slot */
void  rtmap_mapdelete(const rtmap_maptype *t, rtmap_hmap *h, const void *key);
void  rtmap_mapclear(const rtmap_maptype *t, rtmap_hmap *h);
rtmap_hmap *rtmap_mapclone(const rtmap_maptype *t, rtmap_hmap *h);
size_t rtmap_mapkeys(const rtmap_maptype *t, rtmap_hmap *h, void *dst, size_t cap);     /* maps.Keys */
size_t rtmap_mapvalues(const rtmap_maptype *t, rtmap_hmap *h, void *dst, size_t cap);   /* maps.Values */

void rtmap_mapiterinit(const rtmap_maptype *t, rtmap_hmap *h, rtmap_hiter *it);
void rtmap_mapiternext(rtmap_hiter *it);
void rtmap_mapiterstop(rtmap_hiter *it);   /* C only: leaving a loop before its end; optional */

/* fast paths: key types of 4 bytes, 8 bytes, and string, elem <= 128 bytes */
void *rtmap_mapaccess1_fast32(const rtmap_maptype *t, rtmap_hmap *h, uint32_t key);
void *rtmap_mapaccess2_fast32(const rtmap_maptype *t, rtmap_hmap *h, uint32_t key, bool *ok);
void *rtmap_mapassign_fast32(const rtmap_maptype *t, rtmap_hmap *h, uint32_t key);
void *rtmap_mapassign_fast32ptr(const rtmap_maptype *t, rtmap_hmap *h, void *key);
void  rtmap_mapdelete_fast32(const rtmap_maptype *t, rtmap_hmap *h, uint32_t key);
void *rtmap_mapaccess1_fast64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key);
void *rtmap_mapaccess2_fast64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key, bool *ok);
void *rtmap_mapassign_fast64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key);
void *rtmap_mapassign_fast64ptr(const rtmap_maptype *t, rtmap_hmap *h, void *key); /* key: a pointer value */
void  rtmap_mapdelete_fast64(const rtmap_maptype *t, rtmap_hmap *h, uint64_t key);
void *rtmap_mapaccess1_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key);
void *rtmap_mapaccess2_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key, bool *ok);
void *rtmap_mapassign_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key);
void  rtmap_mapdelete_faststr(const rtmap_maptype *t, rtmap_hmap *h, rtmap_string key);

bool rtmap_experiment_swissmap(void);   /* which implementation this library holds */

#ifdef __cplusplus
}
#endif
#endif /* RTMAP_RUNTIME_H */
