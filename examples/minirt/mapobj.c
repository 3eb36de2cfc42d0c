/* Map objects and the allocator hook: every block rtmap allocates for a map is
 * registered to the map object that owns it, with its layout type, so that the
 * collector can scan it precisely when that object is marked.
 *
 * The owner travels as the allocator's ctx. rtmap copies the allocator that is
 * current at makemap (and mapclone) into the new map and uses that copy for all
 * of the map's blocks, so setting the allocator right before making a map is
 * enough; it is reset right after, so that no other map lands on this owner. */
#include "minirt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rt_block {
    rt_block          *prev, *next;   /* in the owner's list */
    rt_map            *owner;
    const rtmap_type  *layout;        /* what the block is an array of; NULL: no pointers */
    size_t             size;
    void              *raw;           /* what malloc returned */
};

static rt_block *block_of(void *payload)
{
    return (rt_block *)((char *)payload - sizeof(rt_block));
}

static void *block_alloc(void *ctx, size_t size, size_t align, const rtmap_type *layout)
{
    rt_map *owner = ctx;
    rt_runtime *rt = owner->rt;
    if (align < _Alignof(rt_block))
        align = _Alignof(rt_block);
    if (size > SIZE_MAX / 2 || align > SIZE_MAX / 4)
        return NULL;
    if (rt->map_memory_limit && rt->stats.block_bytes + size > rt->map_memory_limit)
        return NULL;                  /* rtmap raises an out-of-memory panic */
    /* Header right before the payload; the payload is aligned as asked. */
    char *raw = calloc(1, sizeof(rt_block) + size + align);
    if (!raw)
        return NULL;
    uintptr_t at = ((uintptr_t)raw + sizeof(rt_block) + align - 1) & ~(uintptr_t)(align - 1);
    void *payload = (void *)at;
    rt_block *b = block_of(payload);
    b->raw = raw;
    b->owner = owner;
    b->layout = layout;
    b->size = size;
    b->next = owner->blocks;
    if (owner->blocks)
        owner->blocks->prev = b;
    owner->blocks = b;
    owner->nblocks++;
    owner->block_bytes += size;
    rt->stats.blocks++;
    rt->stats.block_bytes += size;
    if (layout && layout->size && size % layout->size != 0)
        rt->stats.layout_violations++;
    if (!layout || !layout->ptrbytes)
        rt->stats.unscanned_blocks++;
    return payload;
}

/* rtmap frees a block only when no iterator of the map can still reach it
   (docs/api.md), so the block can go back to the C heap at once. */
static void block_free(void *ctx, void *ptr, size_t size)
{
    rt_map *owner = ctx;
    rt_runtime *rt = owner->rt;
    rt_block *b = block_of(ptr);
    if (b->owner != owner || b->size != size) {
        fprintf(stderr, "minirt: map block %p freed with owner %p size %zu, allocated "
                "for %p size %zu\n", ptr, ctx, size, (void *)b->owner, b->size);
        abort();
    }
    if (b->prev)
        b->prev->next = b->next;
    else
        owner->blocks = b->next;
    if (b->next)
        b->next->prev = b->prev;
    owner->nblocks--;
    owner->block_bytes -= size;
    rt->stats.blocks--;
    rt->stats.block_bytes -= size;
    if (!b->layout || !b->layout->ptrbytes)
        rt->stats.unscanned_blocks--;
    free(b->raw);
}

static void use_owner(rt_map *owner)
{
    rtmap_allocator a = { block_alloc, block_free, owner };
    rtmap_set_allocator(&a);
}

rt_map *rt_new_map(rt_runtime *rt, const rtmap_maptype *t, intptr_t hint)
{
    rt_map *m = rt_new_map_object(rt, t);
    rt_frame f;
    rt_try_begin(rt, &f);
    if (setjmp(f.jb) == 0) {
        use_owner(m);
        m->h = rtmap_makemap(t, hint);
        rtmap_set_allocator(NULL);
        rt_try_end(rt, &f);
    } else {
        rtmap_set_allocator(NULL);
        rt_raise(rt, f.err.kind, f.err.msg);
    }
    return m;
}

rt_map *rt_clone_map(rt_runtime *rt, rt_map *src)
{
    rt_map *m = rt_new_map_object(rt, src->type);
    rt_frame f;
    rt_try_begin(rt, &f);
    if (setjmp(f.jb) == 0) {
        use_owner(m);
        m->h = rtmap_mapclone(src->type, src->h);
        rtmap_set_allocator(NULL);
        rt_try_end(rt, &f);
    } else {
        rtmap_set_allocator(NULL);
        rt_raise(rt, f.err.kind, f.err.msg);
    }
    return m;
}

void rt_map_release(rt_runtime *rt, rt_map *m)
{
    if (m->h)
        rtmap_mapfree(m->type, m->h);   /* frees through the map's own allocator copy */
    m->h = NULL;
    while (m->blocks) {                 /* rtmap promises none are left */
        rt->stats.leaked_blocks++;
        block_free(m, (char *)m->blocks + sizeof(rt_block), m->blocks->size);
    }
}

/* The precise scan: each block is an array of `layout` values, and only the words
   that layout's gcdata marks as pointers are looked at. */
void rt_mark_map_blocks(const rt_map *m, void (*visit)(void *cx, uintptr_t word), void *cx)
{
    const size_t word = sizeof(void *);
    for (rt_block *b = m->blocks; b; b = b->next) {
        const rtmap_type *lt = b->layout;
        if (!lt || !lt->ptrbytes || !lt->gcdata || !lt->size)
            continue;
        const char *base = (const char *)b + sizeof(rt_block);
        size_t words = (lt->ptrbytes + word - 1) / word;
        for (size_t at = 0; at + lt->size <= b->size; at += lt->size) {
            for (size_t w = 0; w < words; w++) {
                if (!(lt->gcdata[w / 8] & (1u << (w % 8))))
                    continue;
                uintptr_t p;
                memcpy(&p, base + at + w * word, sizeof p);
                if (p)
                    visit(cx, p);
            }
        }
    }
}

rt_block_census rt_map_census(const rt_map *m, const rtmap_type *layout)
{
    rt_block_census c = { 0, 0, 0 };
    for (const rt_block *b = m->blocks; b; b = b->next) {
        if (b->layout == layout) {
            size_t n = b->size / layout->size;
            c.blocks++;
            c.elements += n;
            c.singles += n == 1;
        }
    }
    return c;
}
