/* rtmap hooks: where map memory comes from, where panics go, where randomness
 * comes from. See docs/api.md. */
#ifndef RTMAP_HOOKS_H
#define RTMAP_HOOKS_H

#include "rtmap/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rtmap_allocator {
    void *(*alloc)(void *ctx, size_t size, size_t align, const rtmap_type *layout); /* zeroed; NULL on failure */
    void  (*free)(void *ctx, void *ptr, size_t size);
    void  *ctx;
} rtmap_allocator;                       /* layout: the element type of the block
                                            (bucket/group type, key or elem type), so a
                                            precise GC can scan it; may be NULL */
void rtmap_set_allocator(const rtmap_allocator *a);   /* NULL: back to the C heap */

typedef enum rtmap_panic_kind {
    RTMAP_PANIC_NIL_MAP_WRITE,           /* "assignment to entry in nil map" */
    RTMAP_PANIC_UNHASHABLE,              /* "hash of unhashable type T" */
    RTMAP_PANIC_OUT_OF_MEMORY,           /* the map is unchanged */
    RTMAP_PANIC_BAD_TYPE,                /* reflect_makemap invariant failed ("key size wrong", ...) */
    RTMAP_FATAL_CONCURRENT_WRITES,       /* fatal kinds: the process aborts if the handler returns */
    RTMAP_FATAL_CONCURRENT_READ_WRITE,
    RTMAP_FATAL_CONCURRENT_ITER_WRITE
} rtmap_panic_kind;
typedef void (*rtmap_panic_handler)(void *ctx, rtmap_panic_kind kind, const char *msg);
void rtmap_set_panic_handler(rtmap_panic_handler fn, void *ctx); /* NULL: print to stderr and abort */

void rtmap_set_rand(uint64_t (*fn)(void *ctx), void *ctx);       /* seeds, iteration starts; NULL: built-in */

#ifdef __cplusplus
}
#endif
#endif /* RTMAP_HOOKS_H */
