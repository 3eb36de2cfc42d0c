/* What a key type's equality implies for a map (Go's isReflexive, needKeyUpdate
 * and hashMightPanic in reflect/type.go), computed through arrays and structs.
 * Kinds the library cannot see into (hand-made types of any other kind, or an
 * array/struct descriptor without its parts) answer from their tflag bits. */
#include "typecache.h"

/* Kinds whose equality is equality of their bits: every value equals itself and
   equal values are identical, and hashing them cannot fail. */
static bool is_plain_scalar(uint8_t kind)
{
    switch (kind) {
    case RTMAP_KIND_BOOL: case RTMAP_KIND_INT: case RTMAP_KIND_INT8:
    case RTMAP_KIND_INT16: case RTMAP_KIND_INT32: case RTMAP_KIND_INT64:
    case RTMAP_KIND_UINT: case RTMAP_KIND_UINT8: case RTMAP_KIND_UINT16:
    case RTMAP_KIND_UINT32: case RTMAP_KIND_UINT64: case RTMAP_KIND_UINTPTR:
    case RTMAP_KIND_CHAN: case RTMAP_KIND_POINTER: case RTMAP_KIND_UNSAFE_POINTER:
        return true;
    default:
        return false;
    }
}

static bool is_float_kind(uint8_t kind)
{
    return kind == RTMAP_KIND_FLOAT32 || kind == RTMAP_KIND_FLOAT64 ||
           kind == RTMAP_KIND_COMPLEX64 || kind == RTMAP_KIND_COMPLEX128;
}

static bool has_parts(const rtmap_type *t)
{
    if (t->kind == RTMAP_KIND_ARRAY)
        return t->elem != NULL;
    if (t->kind == RTMAP_KIND_STRUCT)
        return t->nfields == 0 || t->fields != NULL;
    return false;
}

bool rtmap_type_is_reflexive(const rtmap_type *t)
{
    if (is_plain_scalar(t->kind) || t->kind == RTMAP_KIND_STRING)
        return true;
    if (is_float_kind(t->kind) || t->kind == RTMAP_KIND_INTERFACE)
        return false;
    if (!has_parts(t))
        return !(t->tflag & RTMAP_TFLAG_NOT_REFLEXIVE);
    if (t->kind == RTMAP_KIND_ARRAY)
        return rtmap_type_is_reflexive(t->elem);
    for (size_t i = 0; i < t->nfields; i++)
        if (t->fields[i].type && !rtmap_type_is_reflexive(t->fields[i].type))
            return false;
    return true;
}

bool rtmap_type_needs_key_update(const rtmap_type *t)
{
    if (is_plain_scalar(t->kind))
        return false;
    if (is_float_kind(t->kind) || t->kind == RTMAP_KIND_INTERFACE ||
        t->kind == RTMAP_KIND_STRING)
        return true;
    if (!has_parts(t))
        return (t->tflag & RTMAP_TFLAG_NEED_KEY_UPDATE) != 0;
    if (t->kind == RTMAP_KIND_ARRAY)
        return rtmap_type_needs_key_update(t->elem);
    for (size_t i = 0; i < t->nfields; i++)
        if (t->fields[i].type && rtmap_type_needs_key_update(t->fields[i].type))
            return true;
    return false;
}

bool rtmap_type_hash_might_panic(const rtmap_type *t)
{
    if (t->kind == RTMAP_KIND_INTERFACE)
        return true;
    if (is_plain_scalar(t->kind) || is_float_kind(t->kind) || t->kind == RTMAP_KIND_STRING)
        return false;
    if (!has_parts(t))
        return (t->tflag & RTMAP_TFLAG_HASH_MIGHT_PANIC) != 0;
    if (t->kind == RTMAP_KIND_ARRAY)
        return rtmap_type_hash_might_panic(t->elem);
    for (size_t i = 0; i < t->nfields; i++)
        if (t->fields[i].type && rtmap_type_hash_might_panic(t->fields[i].type))
            return true;
    return false;
}

uint8_t rtmap_type_derived_tflag(const rtmap_type *t)
{
    uint8_t f = 0;
    if (!rtmap_type_is_reflexive(t))
        f |= RTMAP_TFLAG_NOT_REFLEXIVE;
    if (rtmap_type_needs_key_update(t))
        f |= RTMAP_TFLAG_NEED_KEY_UPDATE;
    if (rtmap_type_hash_might_panic(t))
        f |= RTMAP_TFLAG_HASH_MIGHT_PANIC;
    return f;
}
