#include "swiss_test.h"
#include "types.h"

#include <stdio.h>
#include <stdlib.h>

/* Made types live for the whole process (like rtmap_map_of's); the cache also
   keeps them reachable for the leak checker. */
static struct { const rtmap_type *key, *elem; const rtmap_maptype *mt; } made_maps[64];
static size_t n_made_maps;
static struct { size_t n; const rtmap_type *t; } made_bytes[16];
static size_t n_made_bytes;

const rtmap_maptype *st_map_type(const rtmap_type *key, const rtmap_type *elem)
{
    for (size_t i = 0; i < n_made_maps; i++)
        if (made_maps[i].key == key && made_maps[i].elem == elem)
            return made_maps[i].mt;
    assert_true(n_made_maps < 64);
    rtmap_maptype *mt = calloc(1, sizeof *mt);
    char *str = malloc(strlen(key->str) + strlen(elem->str) + 8);
    assert_non_null(mt);
    assert_non_null(str);
    sprintf(str, "map[%s]%s", key->str, elem->str);
    mt->type.size = sizeof(void *);
    mt->type.align = _Alignof(void *);
    mt->type.kind = RTMAP_KIND_MAP;
    mt->type.str = str;
    mt->key = key;
    mt->elem = elem;
    mt->hasher = key->hasher;
    if (key->size > RTMAP_MAX_KEY_BYTES)
        mt->flags |= RTMAP_INDIRECT_KEY;
    if (elem->size > RTMAP_MAX_ELEM_BYTES)
        mt->flags |= RTMAP_INDIRECT_ELEM;
    if (!(key->tflag & RTMAP_TFLAG_NOT_REFLEXIVE))
        mt->flags |= RTMAP_REFLEXIVE_KEY;
    if (key->tflag & RTMAP_TFLAG_NEED_KEY_UPDATE)
        mt->flags |= RTMAP_NEED_KEY_UPDATE;
    if (key->tflag & RTMAP_TFLAG_HASH_MIGHT_PANIC)
        mt->flags |= RTMAP_HASH_MIGHT_PANIC;
    assert_int_equal(rtmap_impl_layout(mt), RTMAP_OK);
    made_maps[n_made_maps].key = key;
    made_maps[n_made_maps].elem = elem;
    made_maps[n_made_maps++].mt = mt;
    return mt;
}

const rtmap_type *st_bytes_type(size_t n)
{
    for (size_t i = 0; i < n_made_bytes; i++)
        if (made_bytes[i].n == n)
            return made_bytes[i].t;
    assert_true(n_made_bytes < 16);
    rtmap_type *t = calloc(1, sizeof *t);
    char *str = malloc(32);
    assert_non_null(t);
    assert_non_null(str);
    snprintf(str, 32, "[%zu]uint8", n);
    t->size = n;
    t->align = 1;
    t->kind = RTMAP_KIND_ARRAY;
    t->elem = &rtmap_type_uint8;
    t->len = n;
    t->equal = rtmap_memequal_typed;
    t->hasher = rtmap_memhash_typed;
    t->str = str;
    made_bytes[n_made_bytes].n = n;
    made_bytes[n_made_bytes++].t = t;
    return t;
}

size_t st_table_count(const rtmap_hmap *m)
{
    if (!m || m->dir_len == 0)
        return 0;
    size_t n = 0;
    const swiss_table *last = NULL;
    for (size_t i = 0; i < m->dir_len; i++)
        if (swiss_dir_at(m, i) != last) {
            last = swiss_dir_at(m, i);
            n++;
        }
    return n;
}

size_t st_group_count(const rtmap_hmap *m)
{
    if (!m || !m->dir_ptr)
        return 0;
    if (m->dir_len == 0)
        return 1;
    size_t n = 0;
    const swiss_table *last = NULL;
    for (size_t i = 0; i < m->dir_len; i++)
        if (swiss_dir_at(m, i) != last) {
            last = swiss_dir_at(m, i);
            n += last->group_mask + 1;
        }
    return n;
}
