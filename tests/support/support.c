#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

jmp_buf *rt_panic_jmp;
char rt_last_panic_msg[512];
int rt_last_panic_kind = -1;

/* What both handlers do first: a fatal error ends the test process, as it ends
   the program in Go. */
static void record_panic(rtmap_panic_kind kind, const char *msg)
{
    snprintf(rt_last_panic_msg, sizeof rt_last_panic_msg, "%s", msg);
    rt_last_panic_kind = (int)kind;
    if (kind >= RTMAP_FATAL_CONCURRENT_WRITES) {
        fprintf(stderr, "rtmap: fatal error: %s\n", msg);
        abort();
    }
}

static void catching_handler(void *ctx, rtmap_panic_kind kind, const char *msg)
{
    (void)ctx;
    record_panic(kind, msg);
    if (rt_panic_jmp) {
        jmp_buf *jb = rt_panic_jmp;
        rt_panic_jmp = NULL;
        longjmp(*jb, 1000 + (int)kind);
    }
    fprintf(stderr, "unexpected rtmap panic outside RT_TRY: %s\n", msg);
    abort();
}

void rt_install_panic_catcher(void)
{
    rtmap_set_panic_handler(catching_handler, NULL);
}

int rt_returned_panics;

static void returning_handler(void *ctx, rtmap_panic_kind kind, const char *msg)
{
    (void)ctx;
    record_panic(kind, msg);
    rt_returned_panics++;
}

void rt_install_returning_handler(void)
{
    rt_returned_panics = 0;
    rt_last_panic_kind = -1;
    rtmap_set_panic_handler(returning_handler, NULL);
}

/* ---- allocator ---------------------------------------------------------------- */

rt_alloc_stats rt_alloc = { .fail_at = -1 };

/* Every block carries a header with its size so that frees can be checked. */
typedef struct block_header { size_t size; size_t magic; size_t offset; size_t pad; } block_header;
#define BLOCK_MAGIC ((size_t)0x5274416c6c6f63ULL)

static void *test_alloc(void *ctx, size_t size, size_t align, const rtmap_type *layout)
{
    (void)ctx;
    long index = ++rt_alloc.allocs;
    if (rt_alloc.fail_at >= 0 && index == rt_alloc.fail_at) {
        rt_alloc.allocs--;
        rt_alloc.fail_at = -1;
        rt_alloc.failures++;
        return NULL;
    }
    if (align < _Alignof(max_align_t))
        align = _Alignof(max_align_t);
    if (layout && layout->size && size % layout->size != 0) {
        fprintf(stderr, "allocation of %zu bytes is not a multiple of layout %s (%zu)\n",
                size, layout->str ? layout->str : "?", layout->size);
        rt_alloc.bad_free = true;
    }
    unsigned char *raw = malloc(sizeof(block_header) + align + size);
    if (!raw)
        return NULL;
    uintptr_t user = ((uintptr_t)raw + sizeof(block_header) + align - 1) & ~(uintptr_t)(align - 1);
    memset((void *)user, 0, size);
    block_header *hdr = (block_header *)(user - sizeof(block_header));
    hdr->size = size;
    hdr->magic = BLOCK_MAGIC;
    hdr->offset = user - (uintptr_t)raw;
    rt_alloc.live_blocks++;
    rt_alloc.live_bytes += size;
    if (rt_alloc.live_bytes > rt_alloc.peak_bytes)
        rt_alloc.peak_bytes = rt_alloc.live_bytes;
    return (void *)user;
}

static void rt_counting_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    if (!p)
        return;
    block_header *hdr = (block_header *)((uintptr_t)p - sizeof(block_header));
    if (hdr->magic != BLOCK_MAGIC || hdr->size != size) {
        fprintf(stderr, "bad free of %p: size %zu, allocated %zu\n", p, size,
                hdr->magic == BLOCK_MAGIC ? hdr->size : 0);
        rt_alloc.bad_free = true;
        return;
    }
    hdr->magic = 0;
    rt_alloc.frees++;
    rt_alloc.live_blocks--;
    rt_alloc.live_bytes -= size;
    free((unsigned char *)p - hdr->offset);
}

void rt_use_test_allocator(void)
{
    memset(&rt_alloc, 0, sizeof rt_alloc);
    rt_alloc.fail_at = -1;
    rtmap_allocator a = { test_alloc, rt_counting_free, NULL };
    rtmap_set_allocator(&a);
}

void rt_use_heap_allocator(void)
{
    rtmap_set_allocator(NULL);
}

void rt_fail_allocation_after(long n)
{
    rt_alloc.fail_at = n > 0 ? rt_alloc.allocs + n : -1;
}

/* ---- invariants ------------------------------------------------------------------ */

void rt_verify_at(const rtmap_maptype *t, const rtmap_hmap *h, const char *file, int line)
{
    char why[512] = "";
    if (!rtmap_verify(t, h, why, sizeof why)) {
        print_error("invariant violated: %s\n", why);
        _fail(file, line);
    }
}

uint64_t rt_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

const rtmap_maptype *rt_map_of(const rtmap_type *k, const rtmap_type *e)
{
    const rtmap_maptype *mt = NULL;
    rtmap_err err = rtmap_map_of(k, e, &mt);
    if (err != RTMAP_OK || !mt)
        fail_msg("rtmap_map_of(%s, %s) failed: %s", k->str, e->str, rtmap_strerror(err));
    return mt;
}
