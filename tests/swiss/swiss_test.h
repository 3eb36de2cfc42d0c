/* Helpers of the swiss white-box tests: map types built without the type cache,
 * and counters over the private structure. */
#ifndef RTMAP_SWISS_TEST_H
#define RTMAP_SWISS_TEST_H

#include "support.h"
#include "swiss.h"

/* A map type made the way reflect.MapOf makes one, laid out by this build. */
const rtmap_maptype *st_map_type(const rtmap_type *key, const rtmap_type *elem);
/* [n]byte, compared and hashed as memory (n > 128 makes it indirect in a slot). */
const rtmap_type *st_bytes_type(size_t n);

size_t st_table_count(const rtmap_hmap *m);   /* distinct live tables */
size_t st_group_count(const rtmap_hmap *m);   /* groups of live tables, or 1 for a small map */

#endif
