/* Private plumbing shared by src/common and the map implementation of a build.
 * Nothing here is part of the ABI; tests may use it (they link the static library). */
#ifndef RTMAP_INTERNAL_H
#define RTMAP_INTERNAL_H

#include "rtmap.h"

#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define RTMAP_LIKELY(x)   __builtin_expect(!!(x), 1)
#define RTMAP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RTMAP_NOINLINE    __attribute__((noinline))
#define RTMAP_INLINE      static inline __attribute__((always_inline))
#else
#define RTMAP_LIKELY(x)   (x)
#define RTMAP_UNLIKELY(x) (x)
#define RTMAP_NOINLINE
#define RTMAP_INLINE      static inline
#endif

/* Zeroes a key or elem of n bytes. Deletes zero one per call, of a size known
   only at run time, for which a compiler calls memset (through the PLT, then a
   dispatch on the size); the common sizes become plain stores here (a 64-bit
   elem's delete at 1K entries: 5% faster in the swiss build). Go clears them
   with memclrNoHeapPointers, whose small sizes are also straight-line stores. */
RTMAP_INLINE void rtmap_memclr(void *p, size_t n)
{
    switch (n) {
    case 4:  memset(p, 0, 4);  break;
    case 8:  memset(p, 0, 8);  break;
    case 16: memset(p, 0, 16); break;
    default: memset(p, 0, n);  break;
    }
}

/* ---- memory (hooks.c) ------------------------------------------------------
 * A map copies the allocator that is current when it is made and uses that copy
 * until it is freed, so changing the hook never sends a block to the wrong free. */
void  rtmap_current_allocator(rtmap_allocator *out);
/* Zeroed, aligned to `align` (a power of two); NULL on failure, never panics. */
void *rtmap_alloc_with(const rtmap_allocator *a, size_t size, size_t align, const rtmap_type *layout);
void  rtmap_free_with(const rtmap_allocator *a, void *p, size_t size);

/* An object for one value of type vt (an indirect key or elem), zeroed, from
   allocator a; NULL on failure. */
void *rtmap_alloc_value(const rtmap_allocator *a, const rtmap_type *vt);

/* The indirect key/elem objects a new entry of a map type needs, allocated before
   the map changes so that a failure leaves it as it was. */
typedef struct rtmap_new_entry {
    void *key_obj;
    void *elem_obj;
} rtmap_new_entry;
bool rtmap_new_entry_prepare(const rtmap_allocator *a, const rtmap_maptype *t, rtmap_new_entry *ne);
void rtmap_new_entry_release(const rtmap_allocator *a, const rtmap_maptype *t, rtmap_new_entry *ne);

/* ---- map headers (each build's map.c) ------------------------------------------
 * An empty map's header from the current allocator, with a fresh seed; NULL when
 * the allocation fails (nothing raised). makemap_small is this plus the panic. */
rtmap_hmap *rtmap_new_map_header(void);

/* ---- panics (hooks.c) ------------------------------------------------------
 * rtmap_panic returns only when the embedder's handler returned (or a checked-API
 * call is collecting the error); the caller must then return as if nothing
 * happened, leaving the map unchanged. Implementations must restore every flag
 * (hashWriting included) before raising, because a handler may longjmp. */
void rtmap_panic(rtmap_panic_kind kind, const char *msg);
/* "hash of unhashable type T": raised by hashers of `any` and of types holding one. */
void rtmap_panic_unhashable(const rtmap_type *t);
/* Raised with RTMAP_PANIC_OUT_OF_MEMORY. */
void rtmap_panic_oom(void);
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noreturn, cold))
#endif
void rtmap_fatal(rtmap_panic_kind kind, const char *msg);

/* Non-fatal panics raised on this thread so far. A map operation that calls a
 * hasher which may panic (RTMAP_HASH_MIGHT_PANIC) compares it before and after
 * the call to notice a panic whose handler returned. */
extern _Thread_local unsigned rtmap_tls_panics;

/* The checked API collects panics instead of delivering them: while a collector
 * is active on a thread, rtmap_panic records the first kind and returns. */
typedef struct rtmap_panic_collector {
    struct rtmap_panic_collector *outer;
    bool                          raised;
    rtmap_panic_kind              kind;
} rtmap_panic_collector;
void rtmap_collect_panics_begin(rtmap_panic_collector *c);
void rtmap_collect_panics_end(rtmap_panic_collector *c);

/* ---- randomness (hooks.c) -------------------------------------------------- */
uint64_t rtmap_rand(void);

/* ---- shared zero value (hooks.c): mapaccess1 on a miss returns this -------- */
extern const uint8_t rtmap_zero_val[RTMAP_ZERO_VAL_SIZE];

/* ---- hashing internals (hash.c) ---------------------------------------------
 * Hash of a key through its map type; `*panicked` becomes true when the hasher
 * raised a panic whose handler returned. Only maps with RTMAP_HASH_MIGHT_PANIC
 * need the check; the others may call t->hasher directly. */
RTMAP_INLINE uint64_t rtmap_hash_key(const rtmap_maptype *t, const void *key,
                                     uint64_t seed, bool *panicked)
{
    if (RTMAP_LIKELY(!(t->flags & RTMAP_HASH_MIGHT_PANIC))) {
        *panicked = false;
        return t->hasher(t->key, key, seed);
    }
    unsigned before = rtmap_tls_panics;
    uint64_t h = t->hasher(t->key, key, seed);
    *panicked = rtmap_tls_panics != before;
    return h;
}

/* ---- pointer bitmaps (typecache.c) --------------------------------------------
 * One bit per pointer-sized word. Shared by the type cache (arrays, structs) and
 * each build's bucket/group layout, so that every bitmap follows one rule. */
void rtmap_gc_mark_word(uint8_t *bits, size_t byte_offset);
/* Marks the pointer words of a value of type t stored at byte offset `at` (one
   word when it is stored indirectly). A descriptor with a pointer prefix but no
   bitmap is taken as all pointers (scanned conservatively). */
void rtmap_gc_mark_value(uint8_t *bits, size_t at, const rtmap_type *t, bool indirect);
/* Bytes up to the end of the last marked word of a bitmap of `words` words. */
size_t rtmap_gc_ptrbytes(const uint8_t *bits, size_t words);

/* ---- storage layout (storage_layout.c), for each build's rtmap_impl_layout ----- */

/* The key and elem as a bucket or group stores them: a pointer when indirect. */
typedef struct rtmap_stored_kv {
    bool   ikey, ielem;
    size_t ksize, kalign, esize, ealign;
} rtmap_stored_kv;
/* RTMAP_EINVAL when mt lacks a key or elem type, when a stored part is larger
   than the ABI allows, or when an alignment is not a power of two up to 8. */
rtmap_err rtmap_stored_kv_of(const rtmap_maptype *mt, rtmap_stored_kv *kv);
/* A new struct type of `size` bytes (a multiple of 8, aligned to 8) named
   "<prefix>[K]E", from the C heap, with an empty pointer bitmap in *bits for the
   caller to mark; NULL, with nothing allocated, when the heap is exhausted. */
rtmap_type *rtmap_storage_type_new(const rtmap_maptype *mt, const char *prefix, size_t size,
                                   uint8_t **bits);
/* Completes st from its marked bitmap (ptrbytes) and records it in mt as the
   bucket or group type, with the stored sizes and the slot geometry. */
void rtmap_storage_type_install(rtmap_maptype *mt, rtmap_type *st, const rtmap_stored_kv *kv,
                                size_t slotsize, size_t elemoff);

/* ---- what each implementation (src/noswiss or src/swiss) provides ---------- */

/* Fills the layout fields of `mt` for this build's bucket or group: `bucket`
 * (a new type from the C heap, with `gcdata` marking the pointer words of one
 * bucket/group), `bucketsize`, `keysize`, `valuesize`, `slotsize`, `elemoff`.
 * `mt->key`, `mt->elem` and the RTMAP_INDIRECT_* bits of `mt->flags` are set on
 * entry. Returns RTMAP_ENOMEM or RTMAP_EINVAL (layout too large) on failure. */
rtmap_err rtmap_impl_layout(rtmap_maptype *mt);

/* True while a write to `h` is in progress (the hashWriting / writing flag). */
bool rtmap_impl_writing(const rtmap_hmap *h);

/* Walks the whole structure of `h` and checks every invariant of the build.
 * Returns true when all hold; otherwise false, with a description in `why`. */
bool rtmap_verify(const rtmap_maptype *t, const rtmap_hmap *h, char *why, size_t whylen);

/* How a build's rtmap_verify reports a broken invariant: formats the description
 * into `why` (when there is room) and returns false, for `return fail(...)`. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
bool rtmap_verify_fail(char *why, size_t whylen, const char *fmt, ...);

#endif /* RTMAP_INTERNAL_H */
