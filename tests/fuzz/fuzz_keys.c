/* Key domains of the map fuzzer (see fuzz_keys.h). Every key of a domain is a
 * bijection of its number, so a key read back from a map (iteration, mapkeys)
 * tells the model which entry it is; variants live at fixed addresses so that
 * the representation a map kept can be compared exactly. */
#include "fuzz_keys.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUL32 0x9E3779B1u
#define MUL64 0x9E3779B97F4A7C15ull

static uint32_t inv32;   /* multiplicative inverses: decode = multiply back */
static uint64_t inv64;

static uint64_t inverse64(uint64_t a)   /* a odd: Newton's iteration mod 2^64 */
{
    uint64_t x = a;
    for (int i = 0; i < 6; i++)
        x *= 2 - a * x;
    return x;
}

static long decode_product(uint64_t k, uint64_t inverse, uint64_t mask)
{
    uint64_t idx = (k * inverse) & mask;
    return idx < FZ_DOMAIN ? (long)idx : -1;
}

/* ---- uint32, uint64 ---------------------------------------------------------- */

static void u32_make(unsigned idx, unsigned variant, void *out)
{
    (void)variant;
    uint32_t k = (uint32_t)idx * MUL32;
    memcpy(out, &k, 4);
}

static long u32_decode(const void *key)
{
    uint32_t k;
    memcpy(&k, key, 4);
    return decode_product(k, inv32, 0xffffffffu);
}

static void u64_make(unsigned idx, unsigned variant, void *out)
{
    (void)variant;
    uint64_t k = (uint64_t)idx * MUL64;
    memcpy(out, &k, 8);
}

static long u64_decode(const void *key)
{
    uint64_t k;
    memcpy(&k, key, 8);
    return decode_product(k, inv64, ~0ull);
}

static bool never_irreflexive(unsigned idx) { (void)idx; return false; }
static bool same_4(const void *a, const void *b) { return memcmp(a, b, 4) == 0; }
static bool same_8(const void *a, const void *b) { return memcmp(a, b, 8) == 0; }

/* ---- string: padding letters g..z, then the number in hex --------------------- */

static char str_bytes[FZ_VARIANTS][FZ_DOMAIN][48];
static rtmap_string strs[FZ_VARIANTS][FZ_DOMAIN];

static void build_strings(void)
{
    for (unsigned v = 0; v < FZ_VARIANTS; v++)
        for (unsigned idx = 0; idx < FZ_DOMAIN; idx++) {
            char *b = str_bytes[v][idx];
            if (idx == 0) {   /* "" as {NULL, 0} and as an empty slice of a buffer */
                strs[v][idx] = (rtmap_string){ v == 0 ? NULL : b, 0 };
                continue;
            }
            size_t pad = idx % 41, n = 0;
            for (size_t i = 0; i < pad; i++)
                b[n++] = (char)('g' + (idx + i) % 20);
            n += (size_t)snprintf(b + n, sizeof str_bytes[v][idx] - n, "%x", idx);
            strs[v][idx] = (rtmap_string){ b, n };
        }
}

static long string_number(rtmap_string s)
{
    if (s.len == 0)
        return 0;
    if (!s.ptr || s.len > 47)
        return -1;
    size_t i = 0;
    while (i < s.len && s.ptr[i] >= 'g' && s.ptr[i] <= 'z')
        i++;
    if (i == s.len)
        return -1;
    long idx = 0;
    for (; i < s.len; i++) {
        char c = s.ptr[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0 || idx >= FZ_DOMAIN)
            return -1;
        idx = idx * 16 + d;
    }
    return idx > 0 && idx < FZ_DOMAIN ? idx : -1;
}

static void str_make(unsigned idx, unsigned variant, void *out)
{
    memcpy(out, &strs[variant][idx], sizeof(rtmap_string));
}

static long str_decode(const void *key)
{
    rtmap_string s;
    memcpy(&s, key, sizeof s);
    return string_number(s);
}

static bool same_string(const void *a, const void *b)
{
    rtmap_string x, y;
    memcpy(&x, a, sizeof x);
    memcpy(&y, b, sizeof y);
    return x.ptr == y.ptr && x.len == y.len;
}

/* ---- float64: ±0 (one key, two variants), NaNs, infinities, extremes -------- */

static double f64_value(unsigned idx, unsigned variant)
{
    uint64_t bits;
    double d;
    switch (idx) {
    case 0: return variant ? -0.0 : 0.0;
    case 1:
        bits = variant ? 0xfff8000000000123ull : 0x7ff8000000000000ull;
        memcpy(&d, &bits, 8);
        return d;
    case 2: return INFINITY;
    case 3: return -INFINITY;
    case 4: return DBL_MIN / 4;        /* subnormal */
    case 5: return DBL_MAX;
    default: return (idx & 1 ? -1.0 : 1.0) * ((double)idx + 0.25);
    }
}

static long f64_number(double d)
{
    if (d == 0)
        return 0;
    if (d != d)
        return 1;
    for (unsigned idx = 2; idx <= 5; idx++)
        if (d == f64_value(idx, 0))
            return idx;
    double a = fabs(d) - 0.25;
    if (!(a >= 6 && a < FZ_DOMAIN))
        return -1;
    long idx = (long)a;
    return f64_value((unsigned)idx, 0) == d ? idx : -1;
}

static void f64_make(unsigned idx, unsigned variant, void *out)
{
    double d = f64_value(idx, variant);
    memcpy(out, &d, 8);
}

static long f64_decode(const void *key)
{
    double d;
    memcpy(&d, key, 8);
    return f64_number(d);
}

static bool f64_irreflexive(unsigned idx) { return idx == 1; }

/* ---- any: uint64, string, float64 or int32 by idx % 4 ----------------------- */

static uint64_t any_u64[FZ_VARIANTS][FZ_DOMAIN];
static rtmap_string any_str[FZ_VARIANTS][FZ_DOMAIN];
static double any_f64[FZ_VARIANTS][FZ_DOMAIN];
static int32_t any_i32[FZ_VARIANTS][FZ_DOMAIN];

static void any_make(unsigned idx, unsigned variant, void *out)
{
    rtmap_eface e;
    switch (idx % 4) {
    case 0:
        any_u64[variant][idx] = (uint64_t)idx * MUL64;
        e = (rtmap_eface){ &rtmap_type_uint64, &any_u64[variant][idx] };
        break;
    case 1:
        any_str[variant][idx] = strs[variant][idx];
        e = (rtmap_eface){ &rtmap_type_string, &any_str[variant][idx] };
        break;
    case 2:
        any_f64[variant][idx] = f64_value(idx / 4, variant);
        e = (rtmap_eface){ &rtmap_type_float64, &any_f64[variant][idx] };
        break;
    default:
        any_i32[variant][idx] = (int32_t)idx;
        e = (rtmap_eface){ &rtmap_type_int32, &any_i32[variant][idx] };
        break;
    }
    memcpy(out, &e, sizeof e);
}

static long any_decode(const void *key)
{
    rtmap_eface e;
    memcpy(&e, key, sizeof e);
    if (!e.data)
        return -1;
    long idx = -1;
    if (e.type == &rtmap_type_uint64) {
        idx = u64_decode(e.data);
        return idx >= 0 && idx % 4 == 0 ? idx : -1;
    }
    if (e.type == &rtmap_type_string) {
        idx = str_decode(e.data);
        return idx >= 0 && idx % 4 == 1 ? idx : -1;
    }
    if (e.type == &rtmap_type_float64) {
        idx = f64_decode(e.data);
        return idx >= 0 && idx * 4 + 2 < FZ_DOMAIN ? idx * 4 + 2 : -1;
    }
    if (e.type == &rtmap_type_int32) {
        int32_t i;
        memcpy(&i, e.data, 4);
        return i >= 0 && i < FZ_DOMAIN && i % 4 == 3 ? i : -1;
    }
    return -1;
}

static bool any_irreflexive(unsigned idx) { return idx % 4 == 2 && idx / 4 == 1; }

static bool same_any(const void *a, const void *b)
{
    rtmap_eface x, y;
    memcpy(&x, a, sizeof x);
    memcpy(&y, b, sizeof y);
    return x.type == y.type && x.data == y.data;
}

static const rtmap_maptype *unhashable_map_type;
static const uint64_t unhashable_payload;

rtmap_eface fz_unhashable_any(void)
{
    return (rtmap_eface){ &unhashable_map_type->type, &unhashable_payload };
}

const char *fz_unhashable_type_name(void)
{
    return unhashable_map_type->type.str;
}

/* ---- [200]uint8: indirect; keys differ only near the end -------------------- */

static void array_make(unsigned idx, unsigned variant, void *out)
{
    (void)variant;
    uint8_t *b = out;
    for (unsigned i = 0; i < 198; i++)
        b[i] = (uint8_t)(i * 31 + 7);
    b[(idx * 13) % 198] ^= 0x5a;
    b[198] = (uint8_t)idx;
    b[199] = (uint8_t)(idx >> 8);
}

static long array_decode(const void *key)
{
    const uint8_t *b = key;
    long idx = b[198] | (long)b[199] << 8;
    return idx < FZ_DOMAIN ? idx : -1;
}

static bool same_array(const void *a, const void *b) { return memcmp(a, b, 200) == 0; }

/* ---- struct { uint8 tag; uint64 n; float64 f; string s }: padding after tag -- */

static const rtmap_type *struct_type;
static size_t off_tag, off_n, off_f, off_s;

static double struct_float(unsigned idx, unsigned variant)
{
    if (idx % 61 == 0)
        return variant ? -0.0 : 0.0;
    return idx % 61 == 1 ? f64_value(1, variant) : (double)idx + 0.5;
}

static void struct_make(unsigned idx, unsigned variant, void *out)
{
    /* padding bytes differ between variants: equality must not look at them */
    memset(out, variant ? 0xa5 : 0x00, struct_type->size);
    uint8_t tag = (uint8_t)(idx & 3);
    uint64_t n = (uint64_t)idx * MUL64;
    double f = struct_float(idx, variant);
    memcpy((uint8_t *)out + off_tag, &tag, 1);
    memcpy((uint8_t *)out + off_n, &n, 8);
    memcpy((uint8_t *)out + off_f, &f, 8);
    memcpy((uint8_t *)out + off_s, &strs[variant][idx], sizeof(rtmap_string));
}

static long struct_decode(const void *key)
{
    return u64_decode((const uint8_t *)key + off_n);
}

static bool struct_irreflexive(unsigned idx) { return idx % 61 == 1; }

static bool same_struct(const void *a, const void *b)
{
    const uint8_t *x = a, *y = b;
    return x[off_tag] == y[off_tag] && memcmp(x + off_n, y + off_n, 8) == 0 &&
           memcmp(x + off_f, y + off_f, 8) == 0 && same_string(x + off_s, y + off_s);
}

/* ---- uint64 under a weak hasher: 32 hash values per seed, long collision chains */

static uint64_t weak_hash(const rtmap_type *t, const void *key, uint64_t seed)
{
    (void)t;
    uint64_t k;
    memcpy(&k, key, 8);
    uint64_t z = seed ^ ((k & 31) * 0xbf58476d1ce4e5b9ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static bool weak_equal(const rtmap_type *t, const void *a, const void *b)
{
    (void)t;
    return memcmp(a, b, 8) == 0;
}

static const rtmap_type weak_u64_type = {
    .size = 8, .align = 8, .kind = RTMAP_KIND_UINT64, .hash = 0x5eed0001u,
    .equal = weak_equal, .hasher = weak_hash, .str = "fuzz.weak64",
};

/* ---- the table ------------------------------------------------------------------ */

static fz_keytype keytypes[FZ_KEYTYPES];
static bool initialised;

static void need(rtmap_err err, const char *what)
{
    if (err != RTMAP_OK) {
        fprintf(stderr, "fuzz: %s failed: %s\n", what, rtmap_strerror(err));
        abort();
    }
}

void fz_keys_init(void)
{
    if (initialised)
        return;
    inv32 = (uint32_t)inverse64(MUL32);
    inv64 = inverse64(MUL64);
    build_strings();

    const rtmap_type *array200;
    need(rtmap_array_of(&rtmap_type_uint8, 200, &array200), "rtmap_array_of(uint8, 200)");
    rtmap_field fields[] = {
        { "tag", &rtmap_type_uint8 }, { "n", &rtmap_type_uint64 },
        { "f", &rtmap_type_float64 }, { "s", &rtmap_type_string },
    };
    need(rtmap_struct_of(fields, 4, &struct_type), "rtmap_struct_of");
    off_tag = struct_type->fields[0].offset;
    off_n = struct_type->fields[1].offset;
    off_f = struct_type->fields[2].offset;
    off_s = struct_type->fields[3].offset;
    need(rtmap_map_of(&rtmap_type_uint64, &rtmap_type_uint64, &unhashable_map_type), "rtmap_map_of");

    keytypes[FZ_KEY_U32] = (fz_keytype){ "uint32", &rtmap_type_uint32, .fast32 = true,
        .make = u32_make, .decode = u32_decode, .irreflexive = never_irreflexive, .identical = same_4 };
    keytypes[FZ_KEY_U64] = (fz_keytype){ "uint64", &rtmap_type_uint64, .fast64 = true,
        .make = u64_make, .decode = u64_decode, .irreflexive = never_irreflexive, .identical = same_8 };
    keytypes[FZ_KEY_STRING] = (fz_keytype){ "string", &rtmap_type_string, .faststr = true,
        .key_update = true, .make = str_make, .decode = str_decode,
        .irreflexive = never_irreflexive, .identical = same_string };
    keytypes[FZ_KEY_F64] = (fz_keytype){ "float64", &rtmap_type_float64, .key_update = true,
        .make = f64_make, .decode = f64_decode, .irreflexive = f64_irreflexive, .identical = same_8 };
    keytypes[FZ_KEY_ANY] = (fz_keytype){ "any", &rtmap_type_any, .key_update = true,
        .may_panic = true, .make = any_make, .decode = any_decode,
        .irreflexive = any_irreflexive, .identical = same_any };
    keytypes[FZ_KEY_ARRAY200] = (fz_keytype){ "[200]uint8", array200,
        .make = array_make, .decode = array_decode, .irreflexive = never_irreflexive,
        .identical = same_array };
    keytypes[FZ_KEY_STRUCT] = (fz_keytype){ "struct", struct_type, .key_update = true,
        .make = struct_make, .decode = struct_decode, .irreflexive = struct_irreflexive,
        .identical = same_struct };
    keytypes[FZ_KEY_WEAKHASH] = (fz_keytype){ "weak64", &weak_u64_type, .fast64 = true,
        .make = u64_make, .decode = u64_decode, .irreflexive = never_irreflexive, .identical = same_8 };
    for (unsigned i = 0; i < FZ_KEYTYPES; i++)
        if (keytypes[i].type->size > FZ_MAX_KEY) {
            fprintf(stderr, "fuzz: key type %s larger than FZ_MAX_KEY\n", keytypes[i].name);
            abort();
        }
    initialised = true;
}

const fz_keytype *fz_keytype_at(unsigned which)
{
    return &keytypes[which % FZ_KEYTYPES];
}
