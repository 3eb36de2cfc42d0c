/* The minirt driver: a scripted workload that a program of the little language
 * would run, checked against a model of what must stay reachable.
 *
 * Objects are only ever held by the runtime's roots and by maps; the driver keeps
 * object ids (plain numbers), never object pointers, across a collection. Every
 * object is given an expected state when it is made (reachable or garbage), and
 * after each collection the set of live ids must equal the reachable set exactly. */
#include "minirt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    NAMES = 100000,   /* string -> int: 2 * 10^5 objects, many tables / overflow buckets */
    BOXES = 20000,    /* any -> int, keys are boxed ints and strings */
    WIDE = 1000,      /* [17]ptr -> [17]ptr: indirect keys and elems */
    WIDE_WORDS = 17,  /* 136 bytes: over the 128-byte limit for storing inline */
    INNER = 500,      /* string -> map, each inner map any -> int with 4 entries */
    INNER_LEN = 4,
    SCRATCH = 10000,  /* a whole map that is dropped at once */
    GARBAGE = 1000,   /* objects never stored anywhere */
    LATE = 60000      /* entries added while an iterator is live: enough to grow names */
};

static int failures;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            failures++;                                                      \
            printf("  CHECK FAILED (%s:%d): %s: ", __FILE__, __LINE__, #cond); \
            printf(__VA_ARGS__);                                             \
            printf("\n");                                                    \
        }                                                                    \
    } while (0)

/* ---- the model: which object ids must be alive -------------------------------- */

static uint8_t *expected;
static size_t expected_cap;

static uint64_t expect(const rt_obj *o, bool reachable)
{
    if (o->id >= expected_cap) {
        size_t cap = expected_cap ? expected_cap * 2 : 4096;
        while (cap <= o->id)
            cap *= 2;
        uint8_t *e = realloc(expected, cap);
        if (!e)
            abort();
        memset(e + expected_cap, 0, cap - expected_cap);
        expected = e;
        expected_cap = cap;
    }
    expected[o->id] = reachable;
    return o->id;
}

static void drop(uint64_t id)
{
    expected[id] = 0;
}

static size_t heap_bytes(const rt_runtime *rt)
{
    return rt->stats.object_bytes + rt->stats.block_bytes;
}

static void print_heap(const char *when, const rt_runtime *rt)
{
    printf("  heap %-28s %7zu objects %9zu bytes, %6zu map blocks %9zu bytes\n", when,
           rt->stats.objects, rt->stats.object_bytes, rt->stats.blocks, rt->stats.block_bytes);
}

/* Collects, then compares the live ids with the model. */
static void collect_and_check(rt_runtime *rt, const char *what)
{
    rt_collect(rt);
    size_t survivors = 0, should = 0, lost = 0, kept = 0;
    for (uint64_t id = 0; id < rt->next_id; id++) {
        bool alive = rt_is_alive(rt, id);
        bool want = id < expected_cap && expected[id];
        survivors += alive;
        should += want;
        lost += want && !alive;
        kept += alive && !want;
    }
    printf("  collect #%zu (%s): %zu survivors, %zu expected; %zu reachable swept, "
           "%zu unreachable kept\n", rt->stats.collections, what, survivors, should, lost, kept);
    CHECK(lost == 0 && kept == 0, "live set differs from the reachable set");
    CHECK(survivors == rt->stats.objects, "object count %zu", rt->stats.objects);
}

/* ---- the workload's maps -------------------------------------------------------- */

typedef struct types {
    const rtmap_maptype *str_map, *any_map, *wide_map;
    const rtmap_type *wide;
} types;

typedef struct workload {
    size_t names, boxes, wide, tree, scratch;      /* root slots */
    uint64_t names_key[NAMES], names_val[NAMES];
    uint64_t boxes_key[BOXES], boxes_val[BOXES];
    uint64_t wide_key[WIDE][WIDE_WORDS], wide_val[WIDE][WIDE_WORDS];
    uint64_t inner_map[INNER], inner_name[INNER];
    uint64_t inner_key[INNER][INNER_LEN], inner_val[INNER][INNER_LEN];
} workload;

static rt_map *root_map(rt_runtime *rt, size_t slot)
{
    return (rt_map *)rt->roots[slot];
}

static rtmap_string cstr(const char *s)
{
    return (rtmap_string){ s, strlen(s) };
}

static void put_str(rt_map *m, rt_str *k, rt_obj *v)
{
    *(rt_obj **)rtmap_mapassign_faststr(m->type, m->h, k->str) = v;
}

static rtmap_eface box_int(rt_int *i)
{
    return (rtmap_eface){ &rtmap_type_int64, &i->value };
}

static rtmap_eface box_str(rt_str *s)
{
    return (rtmap_eface){ &rtmap_type_string, &s->str };
}

static void build(rt_runtime *rt, const types *ty, workload *w)
{
    char buf[64];
    rt_map *names = rt_new_map(rt, ty->str_map, 0);
    expect(&names->hdr, true);
    w->names = rt_root(rt, &names->hdr);
    for (int i = 0; i < NAMES; i++) {
        snprintf(buf, sizeof buf, "key-%06d", i);
        rt_str *k = rt_new_str(rt, buf);
        rt_int *v = rt_new_int(rt, i);
        w->names_key[i] = expect(&k->hdr, true);
        w->names_val[i] = expect(&v->hdr, true);
        put_str(names, k, &v->hdr);
    }

    rt_map *boxes = rt_new_map(rt, ty->any_map, 0);
    expect(&boxes->hdr, true);
    w->boxes = rt_root(rt, &boxes->hdr);
    for (int i = 0; i < BOXES; i++) {
        rtmap_eface key;
        if (i % 2 == 0) {
            rt_int *k = rt_new_int(rt, (int64_t)i * 7);
            w->boxes_key[i] = expect(&k->hdr, true);
            key = box_int(k);
        } else {
            snprintf(buf, sizeof buf, "box-%d", i);
            rt_str *k = rt_new_str(rt, buf);
            w->boxes_key[i] = expect(&k->hdr, true);
            key = box_str(k);
        }
        rt_int *v = rt_new_int(rt, i);
        w->boxes_val[i] = expect(&v->hdr, true);
        *(rt_obj **)rtmap_mapassign(ty->any_map, boxes->h, &key) = &v->hdr;
    }

    rt_map *wide = rt_new_map(rt, ty->wide_map, 0);
    expect(&wide->hdr, true);
    w->wide = rt_root(rt, &wide->hdr);
    for (int i = 0; i < WIDE; i++) {
        rt_obj *key[WIDE_WORDS], *elem[WIDE_WORDS];
        for (int j = 0; j < WIDE_WORDS; j++) {
            rt_int *k = rt_new_int(rt, (int64_t)i * WIDE_WORDS + j);
            snprintf(buf, sizeof buf, "w-%d-%d", i, j);
            rt_str *e = rt_new_str(rt, buf);
            w->wide_key[i][j] = expect(&k->hdr, true);
            w->wide_val[i][j] = expect(&e->hdr, true);
            key[j] = &k->hdr;
            elem[j] = &e->hdr;
        }
        memcpy(rtmap_mapassign(ty->wide_map, wide->h, key), elem, sizeof elem);
    }

    rt_map *tree = rt_new_map(rt, ty->str_map, 0);
    expect(&tree->hdr, true);
    w->tree = rt_root(rt, &tree->hdr);
    for (int i = 0; i < INNER; i++) {
        rt_map *inner = rt_new_map(rt, ty->any_map, INNER_LEN);
        w->inner_map[i] = expect(&inner->hdr, true);
        for (int j = 0; j < INNER_LEN; j++) {
            rt_int *k = rt_new_int(rt, (int64_t)i * INNER_LEN + j);
            rt_int *v = rt_new_int(rt, j);
            w->inner_key[i][j] = expect(&k->hdr, true);
            w->inner_val[i][j] = expect(&v->hdr, true);
            rtmap_eface key = box_int(k);
            *(rt_obj **)rtmap_mapassign(ty->any_map, inner->h, &key) = &v->hdr;
        }
        snprintf(buf, sizeof buf, "inner-%d", i);
        rt_str *name = rt_new_str(rt, buf);
        w->inner_name[i] = expect(&name->hdr, true);
        put_str(tree, name, &inner->hdr);
    }

    rt_map *scratch = rt_new_map(rt, ty->str_map, 0);
    expect(&scratch->hdr, true);
    w->scratch = rt_root(rt, &scratch->hdr);
    for (int i = 0; i < SCRATCH; i++) {
        snprintf(buf, sizeof buf, "scratch-%d", i);
        rt_str *k = rt_new_str(rt, buf);
        rt_int *v = rt_new_int(rt, i);
        expect(&k->hdr, true);
        expect(&v->hdr, true);
        put_str(scratch, k, &v->hdr);
    }

    for (int i = 0; i < GARBAGE; i++)
        expect(&rt_new_int(rt, i)->hdr, false);
}

/* Drops half of everything: every other entry of each map, and one whole map. */
static void drop_half(rt_runtime *rt, const types *ty, workload *w)
{
    char buf[64];
    rt_map *names = root_map(rt, w->names);
    for (int i = 0; i < NAMES; i += 2) {
        snprintf(buf, sizeof buf, "key-%06d", i);
        rtmap_mapdelete_faststr(ty->str_map, names->h, cstr(buf));
        drop(w->names_key[i]);
        drop(w->names_val[i]);
    }

    rt_map *boxes = root_map(rt, w->boxes);
    for (int i = 0; i < BOXES; i++) {
        if (i % 4 >= 2)
            continue;
        int64_t n = (int64_t)i * 7;
        rtmap_string s;
        rtmap_eface key;
        if (i % 2 == 0) {
            key = (rtmap_eface){ &rtmap_type_int64, &n };
        } else {
            snprintf(buf, sizeof buf, "box-%d", i);
            s = cstr(buf);
            key = (rtmap_eface){ &rtmap_type_string, &s };
        }
        rtmap_mapdelete(ty->any_map, boxes->h, &key);
        drop(w->boxes_key[i]);
        drop(w->boxes_val[i]);
    }

    /* Wide keys are compared by their pointers: collect the ones to delete first. */
    rt_map *wide = root_map(rt, w->wide);
    static rt_obj *doomed[WIDE][WIDE_WORDS];
    size_t ndoomed = 0;
    rtmap_hiter it;
    for (rtmap_mapiterinit(ty->wide_map, wide->h, &it); it.key; rtmap_mapiternext(&it)) {
        rt_obj *const *key = it.key;
        int64_t i = ((rt_int *)key[0])->value / WIDE_WORDS;
        if (i % 2 == 0)
            memcpy(doomed[ndoomed++], key, sizeof doomed[0]);
    }
    for (size_t d = 0; d < ndoomed; d++) {
        int64_t i = ((rt_int *)doomed[d][0])->value / WIDE_WORDS;
        rtmap_mapdelete(ty->wide_map, wide->h, doomed[d]);
        for (int j = 0; j < WIDE_WORDS; j++) {
            drop(w->wide_key[i][j]);
            drop(w->wide_val[i][j]);
        }
    }
    CHECK(ndoomed == WIDE / 2, "wide entries deleted: %zu", ndoomed);

    rt_map *tree = root_map(rt, w->tree);
    for (int i = 0; i < INNER; i += 2) {
        snprintf(buf, sizeof buf, "inner-%d", i);
        rtmap_mapdelete_faststr(ty->str_map, tree->h, cstr(buf));
        drop(w->inner_map[i]);
        drop(w->inner_name[i]);
        for (int j = 0; j < INNER_LEN; j++) {
            drop(w->inner_key[i][j]);
            drop(w->inner_val[i][j]);
        }
    }

    rt_map *scratch = root_map(rt, w->scratch);
    rtmap_hiter sit;
    for (rtmap_mapiterinit(ty->str_map, scratch->h, &sit); sit.key; rtmap_mapiternext(&sit)) {
        const rtmap_string *k = sit.key;
        drop(((const rt_str *)(k->ptr - offsetof(rt_str, bytes)))->hdr.id);
        drop((*(rt_obj **)sit.elem)->id);
    }
    drop(scratch->hdr.id);
    rt_unroot(rt, w->scratch);
}

/* ---- checks that what survived is intact ------------------------------------------ */

static const rt_str *str_of_key(const rtmap_string *k)
{
    return (const rt_str *)(k->ptr - offsetof(rt_str, bytes));
}

/* names holds the keys of the build (only the odd ones once half is dropped) plus
   `late` entries added later. */
static void check_names(const types *ty, rt_map *names, bool halved, int late)
{
    static uint8_t seen[NAMES];
    memset(seen, 0, sizeof seen);
    size_t odd = 0, added = 0, bad = 0;
    rtmap_hiter it;
    for (rtmap_mapiterinit(ty->str_map, names->h, &it); it.key; rtmap_mapiternext(&it)) {
        const rtmap_string *k = it.key;
        const rt_int *v = *(rt_int **)it.elem;
        int n;
        if (sscanf(k->ptr, "key-%d", &n) == 1 && (n % 2 == 1 || !halved) && n < NAMES &&
            v->value == n &&
            !seen[n] && k->len == 10 && str_of_key(k)->str.ptr == k->ptr) {
            seen[n] = 1;
            odd++;
        } else if (sscanf(k->ptr, "late-%d", &n) == 1 && v->value == -n) {
            added++;
        } else {
            bad++;
        }
    }
    printf("  names: %zu entries intact (%zu from the build, %zu added later), %zu wrong\n",
           odd + added, odd, added, bad);
    size_t build = halved ? NAMES / 2 : NAMES;
    CHECK(odd == build && added == (size_t)late && bad == 0, "names content");
    CHECK(rtmap_maplen(names->h) == (intptr_t)(build + (size_t)late), "names length");
}

static void check_survivors(rt_runtime *rt, const types *ty, workload *w, bool halved, int late)
{
    check_names(ty, root_map(rt, w->names), halved, late);
    size_t keep = halved ? 2 : 1;

    rt_map *boxes = root_map(rt, w->boxes);
    size_t ints = 0, strs = 0, bad = 0;
    rtmap_hiter it;
    for (rtmap_mapiterinit(ty->any_map, boxes->h, &it); it.key; rtmap_mapiternext(&it)) {
        const rtmap_eface *k = it.key;
        int64_t v = (*(rt_int **)it.elem)->value;
        int i;
        if (k->type == &rtmap_type_int64 && *(const int64_t *)k->data == v * 7 &&
            (v % 4 == 2 || (!halved && v % 2 == 0)))
            ints++;
        else if (k->type == &rtmap_type_string &&
                 sscanf(((const rtmap_string *)k->data)->ptr, "box-%d", &i) == 1 && i == v &&
                 (i % 4 == 3 || !halved))
            strs++;
        else
            bad++;
    }
    printf("  boxes: %zu int keys and %zu string keys intact, %zu wrong\n", ints, strs, bad);
    CHECK(ints == BOXES / 2 / keep && strs == BOXES / 2 / keep && bad == 0, "boxes content");

    rt_map *wide = root_map(rt, w->wide);
    size_t good = 0;
    bad = 0;
    for (rtmap_mapiterinit(ty->wide_map, wide->h, &it); it.key; rtmap_mapiternext(&it)) {
        rt_int *const *key = it.key;
        rt_str *const *elem = it.elem;
        int64_t i = key[0]->value / WIDE_WORDS;
        bool ok = i % 2 == 1 || !halved;
        for (int j = 0; j < WIDE_WORDS && ok; j++) {
            char buf[64];
            snprintf(buf, sizeof buf, "w-%d-%d", (int)i, j);
            ok = key[j]->value == i * WIDE_WORDS + j && strcmp(elem[j]->bytes, buf) == 0;
        }
        good += ok;
        bad += !ok;
    }
    printf("  wide: %zu entries with 17 key and 17 elem objects each intact, %zu wrong\n",
           good, bad);
    CHECK(good == WIDE / keep && bad == 0, "wide content");

    rt_map *tree = root_map(rt, w->tree);
    good = 0;
    bad = 0;
    for (int i = halved ? 1 : 0; i < INNER; i += (int)keep) {
        char buf[64];
        snprintf(buf, sizeof buf, "inner-%d", i);
        bool found;
        rt_map *inner = *(rt_map **)rtmap_mapaccess2_faststr(ty->str_map, tree->h, cstr(buf), &found);
        bool ok = found && rtmap_maplen(inner->h) == INNER_LEN;
        for (int j = 0; j < INNER_LEN && ok; j++) {
            int64_t n = (int64_t)i * INNER_LEN + j;
            rtmap_eface key = { &rtmap_type_int64, &n };
            rt_int *v = *(rt_int **)rtmap_mapaccess2(ty->any_map, inner->h, &key, &found);
            ok = found && v->value == j;
        }
        good += ok;
        bad += !ok;
    }
    printf("  tree: %zu inner maps reachable only as elems intact, %zu wrong\n", good, bad);
    CHECK(good == INNER / keep && bad == 0 && rtmap_maplen(tree->h) == (intptr_t)(INNER / keep),
          "tree content");
}

/* ---- iteration across a collection -------------------------------------------------
 * Growth and splits during an iteration retire tables (or old buckets) that the
 * iterator still reads; rtmap frees them only after the iteration, so until then
 * they are blocks of the map like any other and the collector scans them. */
static void iterate_while_growing(rt_runtime *rt, const types *ty, workload *w)
{
    rt_map *names = root_map(rt, w->names);
    static uint8_t seen[NAMES];
    memset(seen, 0, sizeof seen);
    size_t blocks_before = names->nblocks, produced = 0, late_seen = 0, bad = 0;
    rtmap_hiter it;
    char buf[64];
    rtmap_mapiterinit(ty->str_map, names->h, &it);
    for (int i = 0; i < LATE; i++) {
        snprintf(buf, sizeof buf, "late-%d", i);
        rt_str *k = rt_new_str(rt, buf);
        rt_int *v = rt_new_int(rt, -i);
        expect(&k->hdr, true);
        expect(&v->hdr, true);
        put_str(names, k, &v->hdr);
    }
    size_t blocks_grown = names->nblocks;
    collect_and_check(rt, "an iterator is live");
    for (; it.key; rtmap_mapiternext(&it)) {
        const rtmap_string *k = it.key;
        int n;
        if (sscanf(k->ptr, "key-%d", &n) == 1 && n % 2 == 1 && n < NAMES && !seen[n] &&
            (*(rt_int **)it.elem)->value == n) {
            seen[n] = 1;
            produced++;
        } else if (sscanf(k->ptr, "late-%d", &n) == 1) {
            late_seen++;
        } else {
            bad++;
        }
    }
    printf("  iteration across the collection: %zu of %d old entries once each, %zu of %d "
           "added ones, %zu wrong\n", produced, NAMES / 2, late_seen, LATE, bad);
    size_t blocks_ended = names->nblocks;
    /* Retired memory goes back to the allocator at a write with no iterator live:
       store an entry's own key and elem again. */
    rtmap_mapiterinit(ty->str_map, names->h, &it);
    rtmap_string key = *(const rtmap_string *)it.key;
    rt_obj *elem = *(rt_obj **)it.elem;
    rtmap_mapiterstop(&it);
    *(rt_obj **)rtmap_mapassign_faststr(ty->str_map, names->h, key) = elem;
    printf("  names map blocks: %zu before, %zu after growing under the iterator, %zu after "
           "it ended, %zu after the next write\n", blocks_before, blocks_grown, blocks_ended,
           names->nblocks);
    CHECK(produced == NAMES / 2 && bad == 0, "iteration across a collection");
    CHECK(blocks_grown > blocks_before, "names did not grow under the iterator");
}

/* ---- runtime errors ------------------------------------------------------------------ */

static void recoverable_errors(rt_runtime *rt, const types *ty, workload *w)
{
    rt_map *boxes = root_map(rt, w->boxes);
    rt_map *names = root_map(rt, w->names);
    intptr_t len = rtmap_maplen(boxes->h);

    rt_frame f;
    rt_try_begin(rt, &f);
    if (setjmp(f.jb) == 0) {
        rtmap_mapassign_faststr(ty->str_map, NULL, cstr("nowhere"));
        rt_try_end(rt, &f);
        CHECK(false, "a write to a nil map returned");
    } else {
        printf("  caught: %s\n", f.err.msg);
        CHECK(f.err.kind == RTMAP_PANIC_NIL_MAP_WRITE &&
              strstr(f.err.msg, "assignment to entry in nil map"), "%s", f.err.msg);
    }

    /* A map is not comparable, so an `any` holding one cannot be a key. */
    rtmap_eface unhashable = { &ty->str_map->type, &names->h };
    rt_frame g;
    rt_try_begin(rt, &g);
    if (setjmp(g.jb) == 0) {
        *(rt_obj **)rtmap_mapassign(ty->any_map, boxes->h, &unhashable) = &names->hdr;
        rt_try_end(rt, &g);
        CHECK(false, "an unhashable key was stored");
    } else {
        printf("  caught: %s\n", g.err.msg);
        CHECK(g.err.kind == RTMAP_PANIC_UNHASHABLE &&
              strstr(g.err.msg, "hash of unhashable type map[string]unsafe.Pointer"), "%s",
              g.err.msg);
    }
    CHECK(rtmap_maplen(boxes->h) == len, "the failed assignment changed the map");

    rt_frame h;
    rt_try_begin(rt, &h);
    if (setjmp(h.jb) == 0) {
        rtmap_mapaccess1(ty->any_map, boxes->h, &unhashable);
        rt_try_end(rt, &h);
        CHECK(false, "a lookup with an unhashable key returned");
    } else {
        printf("  caught: %s\n", h.err.msg);
        CHECK(h.err.kind == RTMAP_PANIC_UNHASHABLE, "%s", h.err.msg);
    }

    /* The program carries on with the same map. */
    rt_int *k = rt_new_int(rt, -7);
    rt_int *v = rt_new_int(rt, -1);
    expect(&k->hdr, true);
    expect(&v->hdr, true);
    rtmap_eface key = box_int(k);
    *(rt_obj **)rtmap_mapassign(ty->any_map, boxes->h, &key) = &v->hdr;
    CHECK(rtmap_maplen(boxes->h) == len + 1, "the map after the errors");
    printf("  continued: boxes has %td entries after the errors\n", rtmap_maplen(boxes->h));
    /* Take the entry out again so the content checks see the scripted map. */
    rtmap_mapdelete(ty->any_map, boxes->h, &key);
    drop(k->hdr.id);
    drop(v->hdr.id);
}

/* With a limit on map memory the allocator hook returns NULL; the map raises
   "out of memory" and is left as it was before the failed call. */
static void out_of_map_memory(rt_runtime *rt, const types *ty)
{
    enum { MAX_TRIES = 4096 };
    rt_map *m = rt_new_map(rt, ty->any_map, 0);
    size_t slot = rt_root(rt, &m->hdr);
    volatile int added = 0;
    rt->map_memory_limit = rt->stats.block_bytes + 4096;
    rt_frame f;
    rt_try_begin(rt, &f);
    if (setjmp(f.jb) == 0) {
        for (; added < MAX_TRIES; added++) {
            rt_int *k = rt_new_int(rt, added);
            expect(&k->hdr, false);          /* garbage once the map is dropped below */
            rtmap_eface key = box_int(k);
            *(rt_obj **)rtmap_mapassign(ty->any_map, m->h, &key) = (rt_obj *)NULL;
        }
        rt_try_end(rt, &f);
        CHECK(false, "%d entries fit in 4096 bytes of map memory", MAX_TRIES);
    } else {
        printf("  caught: %s (after %d entries fitted in the limit)\n", f.err.msg, added);
        CHECK(f.err.kind == RTMAP_PANIC_OUT_OF_MEMORY, "%s", f.err.msg);
    }
    rt->map_memory_limit = 0;
    bool intact = rtmap_maplen(m->h) == added;
    for (int64_t i = 0; i < added && intact; i++) {
        rtmap_eface key = { &rtmap_type_int64, &i };
        bool found;
        rtmap_mapaccess2(ty->any_map, m->h, &key, &found);
        intact = found;
    }
    CHECK(intact, "the map changed in the failed assignment");
    /* It grows once memory is there again. */
    int64_t n = -1;
    rtmap_eface key = { &rtmap_type_int64, &n };
    *(rt_obj **)rtmap_mapassign(ty->any_map, m->h, &key) = NULL;
    CHECK(rtmap_maplen(m->h) == added + 1, "no insert after the limit was lifted");
    printf("  continued: the map holds its %d entries and takes more without the limit\n", added);
    rt_unroot(rt, slot);
}

/* ---- the script ---------------------------------------------------------------------- */

int main(void)
{
    static workload w;
    static rt_runtime runtime;
    rt_runtime *rt = &runtime;
    types ty;
    bool swiss = rtmap_experiment_swissmap();
    printf("minirt on rtmap (%s build, hash %s)\n", swiss ? "swiss" : "classic",
           rtmap_hash_name());
    rt_init(rt, 0x5EED);

    if (rtmap_map_of(&rtmap_type_string, &rtmap_type_unsafe_pointer, &ty.str_map) ||
        rtmap_map_of(&rtmap_type_any, &rtmap_type_unsafe_pointer, &ty.any_map) ||
        rtmap_array_of(&rtmap_type_unsafe_pointer, WIDE_WORDS, &ty.wide) ||
        rtmap_map_of(ty.wide, ty.wide, &ty.wide_map)) {
        printf("minirt: cannot make the map types\n");
        return 1;
    }
    CHECK((ty.wide_map->flags & (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM)) ==
          (RTMAP_INDIRECT_KEY | RTMAP_INDIRECT_ELEM), "%s is not stored indirectly",
          ty.wide_map->type.str);

    printf("build: %d string keys, %d any keys, %d %s entries, %d inner maps, %d scratch "
           "entries, %d garbage objects\n", NAMES, BOXES, WIDE, ty.wide_map->type.str, INNER,
           SCRATCH, GARBAGE);
    build(rt, &ty, &w);
    print_heap("after build", rt);
    /* The acceptance case: objects reachable only from keys in a split table
       (swiss: more than one group array) or in overflow buckets (classic: 10^5
       keys in 2^14 buckets overflow many, and an overflow bucket made on demand
       is a block of one bucket). */
    rt_map *names = root_map(rt, w.names);
    rt_block_census c = rt_map_census(names, ty.str_map->bucket);
    if (swiss) {
        printf("  names: %td entries in %zu tables (%zu groups)\n", rtmap_maplen(names->h),
               c.blocks, c.elements);
        CHECK(c.blocks >= 2, "names fits one table; the split case is not exercised");
    } else {
        printf("  names: %td entries in %zu buckets, %zu of them overflow buckets made one "
               "at a time\n", rtmap_maplen(names->h), c.elements, c.singles);
        CHECK(c.singles > 0, "names has no overflow bucket of its own; the case is not exercised");
    }
    collect_and_check(rt, "garbage only");
    print_heap("after collect", rt);
    check_survivors(rt, &ty, &w, false, 0);

    printf("drop half: every other entry of each map, and the scratch map\n");
    size_t before = heap_bytes(rt), blocks_before = rt->stats.blocks;
    drop_half(rt, &ty, &w);
    collect_and_check(rt, "half dropped");
    print_heap("after collect", rt);
    printf("  heap shrank from %zu to %zu bytes (%zu to %zu map blocks)\n", before,
           heap_bytes(rt), blocks_before, rt->stats.blocks);
    CHECK(heap_bytes(rt) < before && rt->stats.blocks < blocks_before, "the heap did not shrink");
    check_survivors(rt, &ty, &w, true, 0);

    printf("iterate names while adding %d entries, collecting mid-iteration\n", LATE);
    iterate_while_growing(rt, &ty, &w);
    collect_and_check(rt, "after the iteration");
    check_survivors(rt, &ty, &w, true, LATE);

    printf("runtime errors from map panics\n");
    recoverable_errors(rt, &ty, &w);
    out_of_map_memory(rt, &ty);
    collect_and_check(rt, "after the errors");
    check_survivors(rt, &ty, &w, true, LATE);

    printf("replace names by its clone\n");
    rt_map *copy = rt_clone_map(rt, root_map(rt, w.names));
    expect(&copy->hdr, true);
    drop(root_map(rt, w.names)->hdr.id);
    rt_unroot(rt, w.names);
    w.names = rt_root(rt, &copy->hdr);
    collect_and_check(rt, "original dropped");
    check_survivors(rt, &ty, &w, true, LATE);

    printf("drop every root\n");
    for (size_t i = 0; i < rt->nroots; i++)
        rt_unroot(rt, i);
    memset(expected, 0, expected_cap);
    collect_and_check(rt, "no roots");
    print_heap("at the end", rt);
    CHECK(rt->stats.objects == 0 && rt->stats.blocks == 0 && heap_bytes(rt) == 0,
          "the heap is not empty");
    CHECK(rt->stats.layout_violations == 0, "%zu blocks not a multiple of their layout",
          rt->stats.layout_violations);
    CHECK(rt->stats.leaked_blocks == 0, "%zu blocks left after mapfree",
          rt->stats.leaked_blocks);
    printf("  %zu collections, %zu blocks with a size not a multiple of their layout, %zu left "
           "behind by mapfree\n", rt->stats.collections, rt->stats.layout_violations,
           rt->stats.leaked_blocks);

    rt_destroy(rt);
    rtmap_set_allocator(NULL);
    free(expected);
    printf("minirt: %s\n", failures ? "FAIL" : "PASS");
    return failures ? 1 : 0;
}
