/* Helpers shared by rtmap's cmocka tests: catching panics, failing and counting
 * allocators, the invariant checker, keys and a simple reference model. */
#ifndef RTMAP_TEST_SUPPORT_H
#define RTMAP_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rtmap.h"
#include "internal.h"

/* ---- panics --------------------------------------------------------------
 * RT_CATCH(kind_var) { code } runs code with a handler that longjmps out of a
 * non-fatal panic; kind_var is -1 when nothing was raised. The message of the
 * last panic is in rt_last_panic_msg. */
extern jmp_buf *rt_panic_jmp;
extern char rt_last_panic_msg[512];
extern int rt_last_panic_kind;
void rt_install_panic_catcher(void);   /* idempotent; call in setup or main */

/* A handler that returns from a non-fatal panic (a fatal one aborts the test),
 * as an embedder's may: it counts panics in rt_returned_panics and keeps the
 * last one's kind and message in rt_last_panic_kind and rt_last_panic_msg.
 * Installing it resets the count and the kind (-1); rt_install_panic_catcher
 * goes back to catching. */
extern int rt_returned_panics;
void rt_install_returning_handler(void);

#define RT_TRY(kind_var)                                                   \
    for (int rt_once_ = (rt_install_panic_catcher(), 1); rt_once_;)        \
        for (jmp_buf rt_jb_, *rt_prev_ = rt_panic_jmp; rt_once_;           \
             rt_panic_jmp = rt_prev_, rt_once_ = 0)                        \
            if (((kind_var) = setjmp(rt_jb_)) == 0                         \
                    ? (rt_panic_jmp = &rt_jb_, (kind_var) = -1, 1)         \
                    : ((kind_var) = rt_last_panic_kind, 0))

/* ---- allocators ------------------------------------------------------------
 * The test allocator counts blocks and bytes live, checks that every free gets
 * the size that was allocated, and can fail the k-th allocation from now. */
typedef struct rt_alloc_stats {
    long   allocs, frees, live_blocks;
    size_t live_bytes, peak_bytes;
    long   fail_at;       /* fail the allocation with this index (allocs count); -1: never */
    long   failures;
    bool   bad_free;      /* a free with a wrong size or unknown pointer was seen */
} rt_alloc_stats;
extern rt_alloc_stats rt_alloc;
void rt_use_test_allocator(void);      /* resets the stats and installs it */
void rt_use_heap_allocator(void);      /* back to the library default */
void rt_fail_allocation_after(long n); /* the n-th allocation from now fails (n >= 1); 0: never */

/* ---- invariants ------------------------------------------------------------ */
#define RT_VERIFY(t, h) rt_verify_at((t), (h), __FILE__, __LINE__)
void rt_verify_at(const rtmap_maptype *t, const rtmap_hmap *h, const char *file, int line);

/* ---- randomness for tests (deterministic, independent of the library's) ---- */
uint64_t rt_splitmix64(uint64_t *state);

/* ---- common map types ------------------------------------------------------- */
const rtmap_maptype *rt_map_of(const rtmap_type *k, const rtmap_type *e); /* fails the test on error */

#endif
