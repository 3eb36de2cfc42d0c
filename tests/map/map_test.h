/* Shared pieces of the black-box map suite: a universe of distinct keys of each
 * builtin key type made from an index, and a reference model that knows, per
 * index, whether the key is in the map and which value it has. Only the public
 * API and RT_VERIFY are used, so both builds run this suite unchanged. */
#ifndef RTMAP_MAP_TEST_H
#define RTMAP_MAP_TEST_H

#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum mt_kind { MT_U32, MT_U64, MT_STR, MT_F64, MT_KIND_COUNT } mt_kind;

static inline const rtmap_type *mt_key_type(mt_kind kind)
{
    switch (kind) {
    case MT_U32: return &rtmap_type_uint32;
    case MT_U64: return &rtmap_type_uint64;
    case MT_STR: return &rtmap_type_string;
    default:     return &rtmap_type_float64;
    }
}

/* Room for the largest key of the universe (a string header is 16 bytes). */
typedef union mt_key {
    uint32_t     u32;
    uint64_t     u64;
    double       f64;
    rtmap_string str;
    unsigned char bytes[16];
} mt_key;

#define MT_UNIVERSE 8192

/* Text of string key i. The lengths vary from 0 (index 0 is the empty string)
 * to past 32 bytes, and many keys share long prefixes or suffixes, so both short
 * and long comparisons are exercised. Kept alive for the whole process because
 * maps store string headers, not bytes. */
static inline rtmap_string mt_string_of(size_t i)
{
    static char text[MT_UNIVERSE][72];
    static bool made[MT_UNIVERSE];
    if (!made[i]) {
        made[i] = true;
        if (i == 0)
            text[i][0] = 0;
        else if (i % 3 == 0)
            snprintf(text[i], sizeof text[i], "%zu", i);
        else if (i % 3 == 1)
            snprintf(text[i], sizeof text[i], "a-fairly-long-common-prefix/%zu", i);
        else
            snprintf(text[i], sizeof text[i], "%zu/and-a-long-common-suffix-too", i);
    }
    return (rtmap_string){ text[i], strlen(text[i]) };
}

/* Key i of the universe of `kind`; distinct indices give unequal keys. The float
 * universe holds +0.0, the infinities and values of both signs, never NaN or -0.0
 * (those have their own tests). */
static inline mt_key mt_key_of(mt_kind kind, size_t i)
{
    mt_key k;
    memset(&k, 0, sizeof k);
    switch (kind) {
    case MT_U32: k.u32 = (uint32_t)(i * 2654435761u); break; /* spread over all bits */
    case MT_U64: k.u64 = (uint64_t)i << 33 | (uint64_t)i; break;
    case MT_STR: k.str = mt_string_of(i); break;
    default:
        if (i == 0)
            k.f64 = 0.0;
        else if (i == 1)
            k.f64 = INFINITY;
        else if (i == 2)
            k.f64 = -INFINITY;
        else
            k.f64 = (i % 2 ? -1.0 : 1.0) * (double)i * 0.375;
        break;
    }
    return k;
}

/* ---- the reference model ------------------------------------------------------ */

typedef struct mt_model {
    bool     present[MT_UNIVERSE];
    uint64_t value[MT_UNIVERSE];
    intptr_t len;
} mt_model;

static inline void mt_model_reset(mt_model *m)
{
    memset(m, 0, sizeof *m);
}

static inline void mt_model_set(mt_model *m, size_t i, uint64_t v)
{
    if (!m->present[i])
        m->len++;
    m->present[i] = true;
    m->value[i] = v;
}

static inline void mt_model_del(mt_model *m, size_t i)
{
    if (m->present[i])
        m->len--;
    m->present[i] = false;
    m->value[i] = 0;
}

/* The map (elem uint64, keys of the universe of `kind`) holds exactly what the
 * model holds: every present key with its value, every other one of the first
 * `universe` keys absent through both access entry points. */
static inline void mt_check_model(const rtmap_maptype *t, rtmap_hmap *h, mt_kind kind,
                                  const mt_model *m, size_t universe)
{
    assert_int_equal(rtmap_maplen(h), m->len);
    for (size_t i = 0; i < universe; i++) {
        mt_key k = mt_key_of(kind, i);
        bool ok = !m->present[i];
        uint64_t *v2 = rtmap_mapaccess2(t, h, &k, &ok);
        uint64_t *v1 = rtmap_mapaccess1(t, h, &k);
        assert_non_null(v1);
        assert_non_null(v2);
        assert_int_equal(ok, m->present[i]);
        assert_int_equal(*v1, m->value[i]);
        assert_int_equal(*v2, m->value[i]);
    }
}

static inline int mt_setup_catcher(void **state)
{
    (void)state;
    rt_install_panic_catcher();
    return 0;
}

#endif
