/* The object heap: allocation of objects, the root set, and the runtime's hooks
 * into rtmap (randomness here; allocator in mapobj.c; panics in errors.c). */
#include "minirt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Map seeds and iteration starts come from the runtime's generator, so a run is
   reproducible from its seed. */
static uint64_t runtime_rand(void *ctx)
{
    return splitmix64(&((rt_runtime *)ctx)->rand_state);
}

static void out_of_memory(void)
{
    fprintf(stderr, "minirt: out of memory\n");
    abort();
}

void rt_init(rt_runtime *rt, uint64_t seed)
{
    memset(rt, 0, sizeof *rt);
    rt->rand_state = seed;
    rtmap_set_rand(runtime_rand, rt);
    rt_install_panic_handler(rt);
}

static void record_alive(rt_runtime *rt, uint64_t id, uint8_t alive)
{
    if (id >= rt->alive_cap) {
        size_t cap = rt->alive_cap ? rt->alive_cap * 2 : 1024;
        while (cap <= id)
            cap *= 2;
        uint8_t *a = realloc(rt->alive_by_id, cap);
        if (!a)
            out_of_memory();
        memset(a + rt->alive_cap, 0, cap - rt->alive_cap);
        rt->alive_by_id = a;
        rt->alive_cap = cap;
    }
    rt->alive_by_id[id] = alive;
}

bool rt_is_alive(const rt_runtime *rt, uint64_t id)
{
    return id < rt->alive_cap && rt->alive_by_id[id];
}

static rt_obj *new_object(rt_runtime *rt, rt_kind kind, size_t bytes)
{
    rt_obj *o = calloc(1, bytes);
    if (!o)
        out_of_memory();
    o->kind = (uint8_t)kind;
    o->bytes = bytes;
    o->id = rt->next_id++;
    o->next = rt->objects;
    rt->objects = o;
    record_alive(rt, o->id, 1);
    rt->stats.objects++;
    rt->stats.object_bytes += bytes;
    return o;
}

rt_int *rt_new_int(rt_runtime *rt, int64_t value)
{
    rt_int *i = (rt_int *)new_object(rt, RT_INT, sizeof(rt_int));
    i->value = value;
    return i;
}

rt_str *rt_new_str(rt_runtime *rt, const char *s)
{
    size_t len = strlen(s);
    rt_str *o = (rt_str *)new_object(rt, RT_STRING, sizeof(rt_str) + len + 1);
    memcpy(o->bytes, s, len + 1);
    o->str.ptr = o->bytes;
    o->str.len = len;
    return o;
}

rt_map *rt_new_map_object(rt_runtime *rt, const rtmap_maptype *t)
{
    rt_map *m = (rt_map *)new_object(rt, RT_MAP, sizeof(rt_map));
    m->rt = rt;
    m->type = t;
    return m;
}

/* Frees one unreachable object; a map first gives all its blocks back. */
void rt_free_object(rt_runtime *rt, rt_obj *o)
{
    if (o->kind == RT_MAP)
        rt_map_release(rt, (rt_map *)o);
    record_alive(rt, o->id, 0);
    rt->stats.objects--;
    rt->stats.object_bytes -= o->bytes;
    free(o);
}

size_t rt_root(rt_runtime *rt, rt_obj *o)
{
    for (size_t i = 0; i < rt->nroots; i++) {
        if (!rt->roots[i]) {
            rt->roots[i] = o;
            return i;
        }
    }
    if (rt->nroots == rt->roots_cap) {
        size_t cap = rt->roots_cap ? rt->roots_cap * 2 : 16;
        rt_obj **r = realloc(rt->roots, cap * sizeof *r);
        if (!r)
            out_of_memory();
        rt->roots = r;
        rt->roots_cap = cap;
    }
    rt->roots[rt->nroots] = o;
    return rt->nroots++;
}

void rt_unroot(rt_runtime *rt, size_t slot)
{
    if (slot < rt->nroots)
        rt->roots[slot] = NULL;
}

void rt_destroy(rt_runtime *rt)
{
    /* Maps first: releasing a map never reads its keys, but this order makes
       that independent of rtmap's internals. */
    for (rt_obj **p = &rt->objects; *p;) {
        rt_obj *o = *p;
        if (o->kind == RT_MAP) {
            *p = o->next;
            rt_free_object(rt, o);
        } else {
            p = &o->next;
        }
    }
    while (rt->objects) {
        rt_obj *o = rt->objects;
        rt->objects = o->next;
        rt_free_object(rt, o);
    }
    free(rt->roots);
    free(rt->alive_by_id);
    rtmap_set_rand(NULL, NULL);
    rtmap_set_panic_handler(NULL, NULL);
    memset(rt, 0, sizeof *rt);
}
