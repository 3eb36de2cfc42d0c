/* The collector: mark from the roots, sweep what was not reached.
 *
 * Marking is precise: the only words looked at are the ones a layout's gcdata
 * marks as pointers (see rt_mark_map_blocks). Such a word may point at the start
 * of an object, inside one (a string key points at its bytes, an `any` key's data
 * word at the value inside a boxed object), into map memory, at a type
 * descriptor, or nowhere the heap knows; only the first two are references. The
 * object that contains an address is found by binary search in the objects
 * sorted by address, built once per collection. */
#include "minirt.h"

#include <stdlib.h>

typedef struct marker {
    rt_obj **by_addr;
    size_t   n;
    rt_obj **stack;               /* marked objects whose contents are not scanned yet */
    size_t   depth, cap;
} marker;

static int compare_addr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(rt_obj *const *)a, y = (uintptr_t)*(rt_obj *const *)b;
    return x < y ? -1 : x > y;
}

static rt_obj *object_containing(const marker *mk, uintptr_t p)
{
    size_t lo = 0, hi = mk->n;            /* first object starting after p */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)mk->by_addr[mid] <= p)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    rt_obj *o = mk->by_addr[lo - 1];
    return p < (uintptr_t)o + o->bytes ? o : NULL;
}

static void push(marker *mk, rt_obj *o)
{
    if (o->marked)
        return;
    o->marked = true;
    if (mk->depth == mk->cap) {
        mk->cap = mk->cap ? mk->cap * 2 : 256;
        rt_obj **s = realloc(mk->stack, mk->cap * sizeof *s);
        if (!s)
            abort();
        mk->stack = s;
    }
    mk->stack[mk->depth++] = o;
}

static void visit_word(void *cx, uintptr_t word)
{
    marker *mk = cx;
    rt_obj *o = object_containing(mk, word);
    if (o)
        push(mk, o);
}

static void mark(rt_runtime *rt, marker *mk)
{
    for (size_t i = 0; i < rt->nroots; i++)
        if (rt->roots[i])
            push(mk, rt->roots[i]);
    while (mk->depth) {
        rt_obj *o = mk->stack[--mk->depth];
        if (o->kind == RT_MAP)        /* ints and strings hold no references */
            rt_mark_map_blocks((rt_map *)o, visit_word, mk);
    }
}

/* Dead maps are released before other dead objects, so that giving a map's
   memory back never runs after its keys' bytes are gone. */
static void sweep(rt_runtime *rt)
{
    rt_obj *dead = NULL;
    for (rt_obj **p = &rt->objects; *p;) {
        rt_obj *o = *p;
        if (o->marked) {
            o->marked = false;
            p = &o->next;
        } else {
            *p = o->next;
            o->next = dead;
            dead = o;
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        for (rt_obj **p = &dead; *p;) {
            rt_obj *o = *p;
            if (pass == 0 && o->kind != RT_MAP) {
                p = &o->next;
                continue;
            }
            *p = o->next;
            rt_free_object(rt, o);
        }
    }
}

void rt_collect(rt_runtime *rt)
{
    marker mk = { 0 };
    mk.by_addr = malloc((rt->stats.objects ? rt->stats.objects : 1) * sizeof *mk.by_addr);
    if (!mk.by_addr)
        abort();
    for (rt_obj *o = rt->objects; o; o = o->next)
        mk.by_addr[mk.n++] = o;
    qsort(mk.by_addr, mk.n, sizeof *mk.by_addr, compare_addr);
    mark(rt, &mk);
    free(mk.by_addr);
    free(mk.stack);
    sweep(rt);
    rt->stats.collections++;
}
