/* The report of a broken invariant, shared by both builds' rtmap_verify. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

bool rtmap_verify_fail(char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return false;
}
