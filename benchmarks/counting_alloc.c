/* The allocator the benchmark installs: the library's heap allocator (calloc, or
 * aligned_alloc + memset for large alignments) plus counters, so that B/op,
 * allocs/op and bytes per entry come from the map's own requests. */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

static alloc_counts counts;

static void *counting_alloc(void *ctx, size_t size, size_t align, const rtmap_type *layout)
{
    (void)ctx;
    (void)layout;
    void *p;
    size_t asked = size ? size : 1;
    if (align <= _Alignof(max_align_t)) {
        p = calloc(1, asked);
    } else {
        size_t rounded = (asked + align - 1) & ~(align - 1);
        if (rounded < asked)
            return NULL;
        p = aligned_alloc(align, rounded);
        if (p)
            memset(p, 0, rounded);
    }
    if (p) {
        counts.allocs++;
        counts.bytes += size;
        counts.live_bytes += (int64_t)size;
    }
    return p;
}

static void counting_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    counts.live_bytes -= (int64_t)size;
    free(p);
}

void counting_allocator_install(void)
{
    static const rtmap_allocator a = { counting_alloc, counting_free, NULL };
    rtmap_set_allocator(&a);
}

void alloc_counts_read(alloc_counts *out)
{
    *out = counts;
}
