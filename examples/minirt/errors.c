/* Runtime errors: rtmap's panics become errors the program catches.
 *
 * rtmap calls the panic handler at the point of failure, with the map valid and
 * unchanged; leaving the handler by longjmp is allowed (docs/api.md), so the
 * handler unwinds to the innermost rt_try frame. Fatal errors (concurrent misuse)
 * are not recoverable: the handler returns and rtmap aborts the process. */
#include "minirt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rt_try_begin(rt_runtime *rt, rt_frame *f)
{
    memset(&f->err, 0, sizeof f->err);
    f->prev = rt->frames;
    rt->frames = f;
}

void rt_try_end(rt_runtime *rt, rt_frame *f)
{
    rt->frames = f->prev;
}

_Noreturn void rt_raise(rt_runtime *rt, rtmap_panic_kind kind, const char *msg)
{
    rt_frame *f = rt->frames;
    if (!f) {
        fprintf(stderr, "minirt: uncaught runtime error: %s\n", msg);
        abort();
    }
    rt->frames = f->prev;
    f->err.kind = kind;
    snprintf(f->err.msg, sizeof f->err.msg, "%s", msg);
    longjmp(f->jb, 1);
}

static void on_map_panic(void *ctx, rtmap_panic_kind kind, const char *msg)
{
    if (kind >= RTMAP_FATAL_CONCURRENT_WRITES) {
        fprintf(stderr, "minirt: fatal error: %s\n", msg);
        return;
    }
    rt_raise(ctx, kind, msg);
}

void rt_install_panic_handler(rt_runtime *rt)
{
    rtmap_set_panic_handler(on_map_panic, rt);
}
