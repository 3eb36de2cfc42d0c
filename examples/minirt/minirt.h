/* minirt: a tiny language runtime that embeds rtmap, as docs/embedding.md walks
 * through. Its values are objects on a garbage-collected heap; a map value is an
 * object that owns an rtmap map, and every block of map memory is registered to
 * that object, so the collector can scan it precisely by the block's layout type.
 *
 * Collection happens only at safe points the program chooses (rt_collect), never
 * inside an allocation, so no map call is ever interrupted by the collector. */
#ifndef MINIRT_H
#define MINIRT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtmap.h"

typedef enum rt_kind { RT_INT, RT_STRING, RT_MAP } rt_kind;

typedef struct rt_obj {
    struct rt_obj *next;          /* every object, for the sweep */
    uint64_t       id;            /* serial number, never reused */
    size_t         bytes;         /* size of the allocation, header included */
    uint8_t        kind;          /* rt_kind */
    bool           marked;
} rt_obj;

typedef struct rt_int {
    rt_obj  hdr;
    int64_t value;
} rt_int;

typedef struct rt_str {
    rt_obj       hdr;
    rtmap_string str;             /* points at bytes[] below: a map's string key
                                     holds an interior pointer into this object */
    char         bytes[];         /* NUL-terminated, so the pointer is never one past the end */
} rt_str;

typedef struct rt_block rt_block;
typedef struct rt_runtime rt_runtime;

typedef struct rt_map {
    rt_obj               hdr;
    rt_runtime          *rt;
    const rtmap_maptype *type;
    rtmap_hmap          *h;       /* NULL only while being made */
    rt_block            *blocks;  /* all memory rtmap allocated for this map */
    size_t               nblocks;
    size_t               block_bytes;
} rt_map;

/* A runtime error caught by rt_try: what the panic handler was told. */
typedef struct rt_error {
    rtmap_panic_kind kind;
    char             msg[160];
} rt_error;

typedef struct rt_frame {
    jmp_buf          jb;
    struct rt_frame *prev;
    rt_error         err;
} rt_frame;

typedef struct rt_stats {
    size_t objects, object_bytes;
    size_t blocks, block_bytes;
    size_t collections;
    size_t layout_violations;     /* blocks whose size is not a multiple of their layout */
    size_t unscanned_blocks;      /* blocks without a pointer layout (never scanned) */
    size_t leaked_blocks;         /* blocks rtmap_mapfree did not give back */
} rt_stats;

struct rt_runtime {
    rt_obj   *objects;
    rt_obj  **roots;              /* the program's variables; NULL slots are free */
    size_t    nroots, roots_cap;
    rt_frame *frames;             /* innermost rt_try first */
    uint64_t  next_id;
    uint8_t  *alive_by_id;        /* 1 while the object with that id exists */
    size_t    alive_cap;
    uint64_t  rand_state;
    size_t    map_memory_limit;   /* bytes of map blocks allowed; 0: no limit */
    rt_stats  stats;
};

void rt_init(rt_runtime *rt, uint64_t seed);
void rt_destroy(rt_runtime *rt);  /* frees every object, rooted or not */

rt_int *rt_new_int(rt_runtime *rt, int64_t value);
rt_str *rt_new_str(rt_runtime *rt, const char *s);
rt_map *rt_new_map(rt_runtime *rt, const rtmap_maptype *t, intptr_t hint);
rt_map *rt_clone_map(rt_runtime *rt, rt_map *src);

size_t rt_root(rt_runtime *rt, rt_obj *o);           /* returns the root's slot */
void   rt_unroot(rt_runtime *rt, size_t slot);

void rt_collect(rt_runtime *rt);
/* m's blocks that are arrays of `layout`: how many, how many elements in all, and
   how many hold a single element. */
typedef struct rt_block_census {
    size_t blocks, elements, singles;
} rt_block_census;
rt_block_census rt_map_census(const rt_map *m, const rtmap_type *layout);
bool rt_is_alive(const rt_runtime *rt, uint64_t id); /* for checking the collector */

/* Runtime errors: map panics unwind to the innermost frame.
 *   rt_frame f; rt_try_begin(rt, &f);
 *   if (setjmp(f.jb) == 0) { ...; rt_try_end(rt, &f); } else { use f.err; }
 * On the error path the frame has already been popped. */
void rt_try_begin(rt_runtime *rt, rt_frame *f);
void rt_try_end(rt_runtime *rt, rt_frame *f);
/* Unwinds to the innermost frame (aborts if there is none). */
_Noreturn void rt_raise(rt_runtime *rt, rtmap_panic_kind kind, const char *msg);

/* Internal to the runtime's files. */
rt_map *rt_new_map_object(rt_runtime *rt, const rtmap_maptype *t);
void rt_free_object(rt_runtime *rt, rt_obj *o);
void rt_map_release(rt_runtime *rt, rt_map *m);
void rt_mark_map_blocks(const rt_map *m, void (*visit)(void *cx, uintptr_t word), void *cx);
void rt_install_panic_handler(rt_runtime *rt);

#endif /* MINIRT_H */
