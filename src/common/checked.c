/* The checked API: reflect.Value's map methods for C callers and FFI. Bad input
 * gives an error code, never a panic or an abort; every call that fails leaves
 * the map exactly as it was.
 *
 * Each runtime entry point runs inside a panic collector, so a panic it raises
 * (out of memory, an unhashable key) comes back here as a code instead of going
 * to the embedder's handler; the runtime has already restored the map by then. */
#include "internal.h"

#include <string.h>

const char *rtmap_strerror(rtmap_err err)
{
    switch (err) {
    case RTMAP_OK:          return "success";
    case RTMAP_EINVAL:      return "invalid argument";
    case RTMAP_ENOKEY:      return "key type is not comparable";
    case RTMAP_EUNHASHABLE: return "key holds an unhashable type";
    case RTMAP_ENILMAP:     return "assignment to entry in nil map";
    case RTMAP_ENOMEM:      return "out of memory";
    case RTMAP_EITER:       return "iterator used before Next or after its end";
    case RTMAP_ECONCURRENT: return "concurrent map misuse";
    }
    return "unknown error";
}

/* What a caller may pass as a map type: the runtime would crash on less. */
static bool looks_like_maptype(const rtmap_maptype *t)
{
    return t && t->type.kind == RTMAP_KIND_MAP && t->key && t->elem && t->bucket &&
           t->key->equal && t->hasher;
}

/* Ends the collection begun before one call and says how that call ended. */
static rtmap_err collected_end(rtmap_panic_collector *c)
{
    rtmap_collect_panics_end(c);
    if (!c->raised)
        return RTMAP_OK;
    switch (c->kind) {
    case RTMAP_PANIC_OUT_OF_MEMORY: return RTMAP_ENOMEM;
    case RTMAP_PANIC_UNHASHABLE:    return RTMAP_EUNHASHABLE;
    case RTMAP_PANIC_NIL_MAP_WRITE: return RTMAP_ENILMAP;
    default:                        return RTMAP_EINVAL;
    }
}

/* How a call that makes a map ended: the panic it raised, or RTMAP_ENOMEM when
   it returned no map (under a handler that returns). */
static rtmap_err made_map(rtmap_panic_collector *c, rtmap_hmap *made, rtmap_hmap **out)
{
    rtmap_err err = collected_end(c);
    if (err != RTMAP_OK)
        return err;
    if (!made)
        return RTMAP_ENOMEM;
    *out = made;
    return RTMAP_OK;
}

static bool write_in_progress(const rtmap_hmap *h)
{
    return h && rtmap_impl_writing(h);
}

/* Whether hashing `key` panics. The runtime finds out by itself on a map with
 * entries; a nil or empty map may never hash the key, yet Go reports an
 * unhashable key there too (issue 23734), and that error wins over the others. */
static rtmap_err check_hashable(const rtmap_maptype *t, const rtmap_hmap *h, const void *key)
{
    if (!(t->flags & RTMAP_HASH_MIGHT_PANIC) || (h && rtmap_maplen(h) != 0))
        return RTMAP_OK;
    rtmap_panic_collector c;
    rtmap_collect_panics_begin(&c);
    (void)t->hasher(t->key, key, 0);
    return collected_end(&c);
}

rtmap_err rtmap_make_map(const rtmap_maptype *t, size_t hint, rtmap_hmap **out)
{
    if (!out)
        return RTMAP_EINVAL;
    *out = NULL;
    if (!looks_like_maptype(t))
        return RTMAP_EINVAL;
    /* A hint beyond intptr_t is absurd; Go ignores hints it cannot honour. */
    intptr_t cap = hint > (size_t)INTPTR_MAX ? 0 : (intptr_t)hint;
    rtmap_panic_collector c;
    rtmap_collect_panics_begin(&c);
    rtmap_hmap *h = rtmap_reflect_makemap(t, cap);   /* checks the type's invariants */
    return made_map(&c, h, out);
}

rtmap_err rtmap_map_index(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                          void *elem_out, bool *found)
{
    if (found)
        *found = false;
    if (!looks_like_maptype(t) || !key || !elem_out)
        return RTMAP_EINVAL;
    memset(elem_out, 0, t->elem->size);
    if (write_in_progress(h))
        return RTMAP_ECONCURRENT;
    rtmap_err err = check_hashable(t, h, key);
    if (err != RTMAP_OK)
        return err;
    bool ok = false;
    rtmap_panic_collector c;
    rtmap_collect_panics_begin(&c);
    void *elem = rtmap_mapaccess2(t, h, key, &ok);
    err = collected_end(&c);
    if (err != RTMAP_OK)
        return err;
    if (ok) {
        if (t->elem->size)
            memcpy(elem_out, elem, t->elem->size);
        if (found)
            *found = true;
    }
    return RTMAP_OK;
}

static rtmap_err delete_key(const rtmap_maptype *t, rtmap_hmap *h, const void *key)
{
    rtmap_err err = check_hashable(t, h, key);
    if (err != RTMAP_OK || !h)
        return err;      /* deleting from a nil map is a no-op, as in Go */
    rtmap_panic_collector c;
    rtmap_collect_panics_begin(&c);
    rtmap_mapdelete(t, h, key);
    return collected_end(&c);
}

rtmap_err rtmap_set_map_index(const rtmap_maptype *t, rtmap_hmap *h, const void *key,
                              const void *elem)
{
    if (!looks_like_maptype(t) || !key)
        return RTMAP_EINVAL;
    if (write_in_progress(h))
        return RTMAP_ECONCURRENT;
    if (!elem)
        return delete_key(t, h, key);
    rtmap_err err = check_hashable(t, h, key);
    if (err != RTMAP_OK)
        return err;
    if (!h)
        return RTMAP_ENILMAP;
    rtmap_panic_collector c;
    rtmap_collect_panics_begin(&c);
    void *slot = rtmap_mapassign(t, h, key);
    err = collected_end(&c);
    if (err != RTMAP_OK)
        return err;
    if (!slot)
        return RTMAP_ENOMEM;
    if (t->elem->size)
        memmove(slot, elem, t->elem->size);
    return RTMAP_OK;
}

rtmap_err rtmap_map_keys(const rtmap_maptype *t, rtmap_hmap *h, void *keys_out,
                         size_t cap, size_t *n)
{
    if (n)
        *n = 0;
    if (!looks_like_maptype(t) || !n || (cap && !keys_out))
        return RTMAP_EINVAL;
    if (write_in_progress(h))
        return RTMAP_ECONCURRENT;
    size_t len = (size_t)rtmap_reflect_maplen(h);
    rtmap_panic_collector c;
    rtmap_collect_panics_begin(&c);
    size_t written = cap ? rtmap_mapkeys(t, h, keys_out, cap) : 0;
    rtmap_err err = collected_end(&c);
    if (err != RTMAP_OK)
        return err;
    /* Too small a buffer: the caller learns the length it needs. */
    if (cap < len) {
        *n = len;
        return RTMAP_EINVAL;
    }
    *n = written;
    return RTMAP_OK;
}

rtmap_err rtmap_map_clear(const rtmap_maptype *t, rtmap_hmap *h)
{
    if (!looks_like_maptype(t))
        return RTMAP_EINVAL;
    if (!h)
        return RTMAP_OK;
    if (write_in_progress(h))
        return RTMAP_ECONCURRENT;
    rtmap_panic_collector c;
    rtmap_collect_panics_begin(&c);
    rtmap_mapclear(t, h);
    return collected_end(&c);
}

rtmap_err rtmap_map_clone(const rtmap_maptype *t, rtmap_hmap *h, rtmap_hmap **out)
{
    if (!out)
        return RTMAP_EINVAL;
    *out = NULL;
    if (!looks_like_maptype(t))
        return RTMAP_EINVAL;
    if (!h)
        return RTMAP_OK;
    if (write_in_progress(h))
        return RTMAP_ECONCURRENT;
    rtmap_panic_collector c;
    rtmap_collect_panics_begin(&c);
    rtmap_hmap *clone = rtmap_mapclone(t, h);
    return made_map(&c, clone, out);
}

/* ---- MapIter ------------------------------------------------------------------------
 * The state word holds distinct non-zero magic values, so that a zeroed iterator
 * reads as one without a map (Next returns false) and stray values are never
 * mistaken for a running iterator that must be stopped. */

enum {
    ITER_NO_MAP      = 0,
    ITER_NOT_STARTED = 0x6e657731,   /* lazily started by the first Next */
    ITER_RUNNING     = 0x72756e31,
    ITER_DONE        = 0x646f6e31
};

static void iter_release(rtmap_map_iter *it)
{
    if (it->state == ITER_RUNNING)
        rtmap_mapiterstop(&it->hiter);
}

static void iter_setup(rtmap_map_iter *it, const rtmap_maptype *t, rtmap_hmap *h)
{
    it->t = t;
    it->h = h;
    memset(&it->hiter, 0, sizeof it->hiter);
    it->state = t ? ITER_NOT_STARTED : ITER_NO_MAP;
}

void rtmap_map_range(const rtmap_maptype *t, rtmap_hmap *h, rtmap_map_iter *it)
{
    if (it)
        iter_setup(it, t, h);
}

void rtmap_map_iter_reset(rtmap_map_iter *it, const rtmap_maptype *t, rtmap_hmap *h)
{
    if (!it)
        return;
    iter_release(it);
    iter_setup(it, t, h);
}

bool rtmap_map_iter_next(rtmap_map_iter *it)
{
    if (!it)
        return false;
    switch (it->state) {
    case ITER_NOT_STARTED:
        /* Next has no error code: a bad type or a write in progress ends the
           iteration instead of crashing or aborting. */
        if (!looks_like_maptype(it->t) || write_in_progress(it->h)) {
            it->state = ITER_DONE;
            return false;
        }
        rtmap_mapiterinit(it->t, it->h, &it->hiter);
        break;
    case ITER_RUNNING:
        if (write_in_progress(it->h)) {
            rtmap_mapiterstop(&it->hiter);
            it->state = ITER_DONE;
            return false;
        }
        rtmap_mapiternext(&it->hiter);
        break;
    default:
        return false;
    }
    it->state = it->hiter.key ? ITER_RUNNING : ITER_DONE;
    return it->state == ITER_RUNNING;
}

/* SetIterKey and SetIterValue: a copy of the current entry's key or elem. */
static rtmap_err iter_copy(rtmap_map_iter *it, bool key, void *out)
{
    if (!it || !out)
        return RTMAP_EINVAL;
    if (it->state != ITER_RUNNING || !it->hiter.key)
        return RTMAP_EITER;
    size_t size = key ? it->t->key->size : it->t->elem->size;
    if (size)
        memcpy(out, key ? it->hiter.key : it->hiter.elem, size);
    return RTMAP_OK;
}

rtmap_err rtmap_map_iter_key(rtmap_map_iter *it, void *key_out)
{
    return iter_copy(it, true, key_out);
}

rtmap_err rtmap_map_iter_value(rtmap_map_iter *it, void *elem_out)
{
    return iter_copy(it, false, elem_out);
}
