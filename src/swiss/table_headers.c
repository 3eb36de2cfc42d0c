/* Table headers: allocated from chunks the map owns rather than one by one.
 *
 * Every insert and delete in a map of thousands of tables writes its table's
 * header. Allocated one by one, each header sits beside its own 17 KB group array,
 * alone on its cache line and its page, so the header write costs a cache miss and
 * a TLB miss of its own. Packed into chunks, the headers of an 8M-entry map take
 * 640 KB and stay in the L2 cache and the TLB.
 *
 * A chunk is an array of headers allocated with the header's layout. Its first
 * element describes the chunk: `groups` links to the next chunk and `index` holds
 * the chunk's length. Free headers are linked through `groups` and carry
 * SWISS_TABLE_FREE in `index`, so a precise GC scanning a chunk only ever sees
 * NULL, a group array or another header of the same map in a pointer word.
 * Chunks double from 4 to 128 headers, so a map of one table wastes little and a
 * large map allocates few chunks. A header is reused only when free: a replaced
 * table's header is retired with its groups while an iterator is live (see
 * swiss_table_retire). Chunks are freed with the map. */
#include "swiss.h"

#define FIRST_CHUNK_LEN 4
#define MAX_CHUNK_LEN   128

static swiss_table *next_of(const swiss_table *tab) { return (swiss_table *)(void *)tab->groups; }
static void set_next(swiss_table *tab, swiss_table *next) { tab->groups = (uint8_t *)(void *)next; }

static bool add_chunk(rtmap_hmap *m)
{
    intptr_t len = m->table_chunks ? 2 * m->table_chunks->index : FIRST_CHUNK_LEN;
    if (len > MAX_CHUNK_LEN)
        len = MAX_CHUNK_LEN;
    swiss_table *chunk = swiss_alloc(m, (size_t)len * sizeof *chunk, _Alignof(swiss_table),
                                     &swiss_table_type);
    if (!chunk)
        return false;
    chunk->index = len;
    set_next(chunk, m->table_chunks);
    m->table_chunks = chunk;
    /* Pushed in reverse so that headers are handed out in address order. */
    for (intptr_t i = len - 1; i >= 1; i--)
        swiss_table_header_put(m, &chunk[i]);
    return true;
}

swiss_table *swiss_table_header_get(rtmap_hmap *m)
{
    if (!m->free_tables && !add_chunk(m))
        return NULL;
    swiss_table *tab = m->free_tables;
    m->free_tables = next_of(tab);
    memset(tab, 0, sizeof *tab);
    return tab;
}

void swiss_table_header_put(rtmap_hmap *m, swiss_table *tab)
{
    memset(tab, 0, sizeof *tab);
    tab->index = SWISS_TABLE_FREE;
    set_next(tab, m->free_tables);
    m->free_tables = tab;
}

void swiss_table_headers_free(rtmap_hmap *m)
{
    swiss_table *chunk = m->table_chunks;
    while (chunk) {
        swiss_table *next = next_of(chunk);
        swiss_free(m, chunk, (size_t)chunk->index * sizeof *chunk);
        chunk = next;
    }
    m->table_chunks = NULL;
    m->free_tables = NULL;
}

size_t swiss_table_headers_capacity(const rtmap_hmap *m)
{
    size_t n = 0;
    for (const swiss_table *chunk = m->table_chunks; chunk; chunk = next_of(chunk))
        n += (size_t)chunk->index - 1;
    return n;
}
