/* safetensors.c — the safetensors reader and writer behind safetensors.h.
 *
 * Reading maps the file, checks the header in full (length, UTF-8, JSON, each entry's
 * dtype/shape/offsets, unique names, offsets that tile the data exactly) and only then
 * allocates float32 tensors and converts each dtype into them, so a hostile or broken
 * file costs at most a parse of its own header before it is refused, and the floats
 * allocated never exceed four times the file's data. The rules follow the reference
 * implementation (huggingface/safetensors, tensor.rs): header at most 100 MB, starting
 * with '{', offsets sorted by begin must run 0..data size with no hole or overlap.
 *
 * JSON is parsed with cJSON (Debian libcjson-dev): it keeps keys in file order and
 * duplicates (which we refuse), stores numbers as doubles (exact up to 2^53, far past
 * any real offset or dimension) and does not check UTF-8 (done here first).
 *
 * Writing builds the header by hand, byte for byte as the reference writer does for
 * F32 tensors (see wk_safetensors_write in the header), then writes header and data
 * through lib/core/file.h's atomic replacement (temporary beside the target, fsync,
 * rename; the old file's mode and a symlink are kept). */
#include "safetensors.h"

#include "../core/file.h"
#include "../core/limits.h"
#include "../text/utf8.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_HEADER 100000000ull          /* the reference refuses larger headers */
#define MAX_EXACT ((uint64_t)1 << 53)    /* largest integer a JSON double holds exactly */

/* ---- the bundle ------------------------------------------------------------------ */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF); otherwise 0 with *bad set to the offending byte's index. The header must
 * be UTF-8 by the spec, and names we write end up in it. */
static int utf8_valid(const unsigned char *s, size_t n, size_t *bad)
{
    size_t ok = wk_utf8_valid_prefix((const char *)s, n);
    if (bad) *bad = ok;   /* the first bad byte (n when there is none) */
    return ok == n;
}

static int check_name(const char *what, const char *s)
{
    if (!s) return wk_fail("safetensors: %s is NULL", what);
    if (!utf8_valid((const unsigned char *)s, strlen(s), NULL))
        return wk_fail("safetensors: %s '%s' is not valid UTF-8", what, s);
    return WK_OK;
}

int wk_safetensors_find(const wk_safetensors *st, const char *name)
{
    for (int i = 0; i < st->count; i++)
        if (strcmp(st->names[i], name) == 0) return i;
    return -1;
}

const char *wk_safetensors_meta(const wk_safetensors *st, const char *key)
{
    for (int i = 0; i < st->meta_count; i++)
        if (strcmp(st->meta_keys[i], key) == 0) return st->meta_values[i];
    return NULL;
}

/* Grow the tensor arrays to hold at least want entries. */
static int reserve_tensors(wk_safetensors *st, int want)
{
    if (want <= st->capacity) return WK_OK;
    int cap = st->capacity ? st->capacity : 8;
    while (cap < want) cap *= 2;
    char **names = realloc(st->names, (size_t)cap * sizeof *names);
    if (!names) return wk_fail("safetensors: cannot allocate room for %d tensors", cap);
    st->names = names;
    wk_tensor *tensors = realloc(st->tensors, (size_t)cap * sizeof *tensors);
    if (!tensors) return wk_fail("safetensors: cannot allocate room for %d tensors", cap);
    st->tensors = tensors;
    st->capacity = cap;
    return WK_OK;
}

static int reserve_meta(wk_safetensors *st, int want)
{
    if (want <= st->meta_capacity) return WK_OK;
    int cap = st->meta_capacity ? st->meta_capacity : 4;
    while (cap < want) cap *= 2;
    char **keys = realloc(st->meta_keys, (size_t)cap * sizeof *keys);
    if (!keys) return wk_fail("safetensors: cannot allocate room for %d metadata entries", cap);
    st->meta_keys = keys;
    char **values = realloc(st->meta_values, (size_t)cap * sizeof *values);
    if (!values) return wk_fail("safetensors: cannot allocate room for %d metadata entries", cap);
    st->meta_values = values;
    st->meta_capacity = cap;
    return WK_OK;
}

int wk_safetensors_add(wk_safetensors *st, const char *name, const wk_tensor *t)
{
    if (check_name("tensor name", name) != WK_OK) return WK_ERR;
    if (strcmp(name, "__metadata__") == 0)
        return wk_fail("safetensors: '__metadata__' is reserved and cannot name a tensor");
    if (!t || !t->storage) return wk_fail("safetensors: tensor '%s' is empty (released or never created)", name);
    if (wk_safetensors_find(st, name) >= 0) return wk_fail("safetensors: tensor name '%s' is already taken", name);
    if (reserve_tensors(st, st->count + 1) != WK_OK) return WK_ERR;
    char *copy = dup_str(name);
    if (!copy) return wk_fail("safetensors: cannot allocate a tensor name");
    st->names[st->count] = copy;
    wk_tensor_share(&st->tensors[st->count], t);
    st->count++;
    return WK_OK;
}

int wk_safetensors_set_meta(wk_safetensors *st, const char *key, const char *value)
{
    if (check_name("metadata key", key) != WK_OK || check_name("metadata value", value) != WK_OK) return WK_ERR;
    char *v = dup_str(value);
    if (!v) return wk_fail("safetensors: cannot allocate a metadata value");
    for (int i = 0; i < st->meta_count; i++) {
        if (strcmp(st->meta_keys[i], key) == 0) {
            free(st->meta_values[i]);
            st->meta_values[i] = v;
            return WK_OK;
        }
    }
    char *k = dup_str(key);
    if (!k || reserve_meta(st, st->meta_count + 1) != WK_OK) {
        free(k);
        free(v);
        return wk_fail("safetensors: cannot allocate a metadata entry");
    }
    st->meta_keys[st->meta_count] = k;
    st->meta_values[st->meta_count] = v;
    st->meta_count++;
    return WK_OK;
}

void wk_safetensors_free(wk_safetensors *st)
{
    for (int i = 0; i < st->count; i++) {
        free(st->names[i]);
        wk_tensor_release(&st->tensors[i]);
    }
    for (int i = 0; i < st->meta_count; i++) {
        free(st->meta_keys[i]);
        free(st->meta_values[i]);
    }
    free(st->names);
    free(st->tensors);
    free(st->meta_keys);
    free(st->meta_values);
    memset(st, 0, sizeof *st);
}

/* ---- dtypes: little-endian bytes to float32 --------------------------------------- */

/* Loads assemble bytes explicitly, so they hold on any host; compilers turn them into
 * plain (vectorised) loads on little-endian machines. */
static inline uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static inline float bits_to_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline double bits_to_double(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* IEEE binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    if (exp == 0) {   /* zero or subnormal: man * 2^-24 */
        float f = (float)man * 0x1p-24f;
        return sign ? -f : f;
    }
    if (exp == 31) return bits_to_float(sign | 0x7f800000u | man << 13);   /* inf, nan */
    return bits_to_float(sign | (exp + 127 - 15) << 23 | man << 13);
}

/* float8 e4m3fn (PyTorch's float8_e4m3fn): bias 7, no infinities, S.1111.111 is NaN. */
static float e4m3_to_float(unsigned char b)
{
    int exp = (b >> 3) & 0xf, man = b & 7;
    float f;
    if (exp == 15 && man == 7) f = NAN;
    else if (exp == 0) f = ldexpf((float)man, -9);
    else f = ldexpf((float)(8 + man), exp - 10);
    return (b & 0x80) ? -f : f;
}

typedef void convert_fn(float *dst, const unsigned char *src, int64_t n);

#define CONVERT(name, size, expr)                                                     \
    static void name(float *dst, const unsigned char *src, int64_t n)                 \
    {                                                                                 \
        for (int64_t i = 0; i < n; i++) {                                             \
            const unsigned char *p = src + i * (size);                                \
            dst[i] = (expr);                                                          \
        }                                                                             \
    }
CONVERT(from_f32, 4, bits_to_float(le32(p)))
CONVERT(from_f64, 8, (float)bits_to_double(le64(p)))
CONVERT(from_f16, 2, half_to_float(le16(p)))
CONVERT(from_bf16, 2, bits_to_float((uint32_t)le16(p) << 16))
CONVERT(from_e4m3, 1, e4m3_to_float(p[0]))
CONVERT(from_e5m2, 1, half_to_float((uint16_t)(p[0] << 8)))   /* the top byte of a half */
CONVERT(from_i64, 8, (float)(int64_t)le64(p))
CONVERT(from_i32, 4, (float)(int32_t)le32(p))
CONVERT(from_i16, 2, (float)(int16_t)le16(p))
CONVERT(from_i8, 1, (float)(int8_t)p[0])
CONVERT(from_u64, 8, (float)le64(p))
CONVERT(from_u32, 4, (float)le32(p))
CONVERT(from_u16, 2, (float)le16(p))
CONVERT(from_u8, 1, (float)p[0])
CONVERT(from_bool, 1, p[0] ? 1.0f : 0.0f)

typedef struct dtype_info {
    const char *name;
    int size;            /* bytes per element */
    convert_fn *convert;
} dtype_info;

static const dtype_info dtypes[] = {
    {"F32", 4, from_f32},  {"F16", 2, from_f16},     {"BF16", 2, from_bf16},    {"F64", 8, from_f64},
    {"I64", 8, from_i64},  {"I32", 4, from_i32},     {"I16", 2, from_i16},      {"I8", 1, from_i8},
    {"U64", 8, from_u64},  {"U32", 4, from_u32},     {"U16", 2, from_u16},      {"U8", 1, from_u8},
    {"BOOL", 1, from_bool}, {"F8_E4M3", 1, from_e4m3}, {"F8_E5M2", 1, from_e5m2},
};
#define DTYPE_LIST "F32, F16, BF16, F64, I64, I32, I16, I8, U64, U32, U16, U8, BOOL, F8_E4M3, F8_E5M2"

static const dtype_info *find_dtype(const char *name)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strcmp(dtypes[i].name, name) == 0) return &dtypes[i];
    return NULL;
}

/* ---- reading: header validation --------------------------------------------------- */

/* One tensor entry of the header, checked: shape and byte range agree with the dtype. */
typedef struct entry {
    const char *name;          /* points into the cJSON tree */
    const dtype_info *dtype;
    int ndim;
    int64_t shape[WK_MAX_DIMS];
    uint64_t begin, end;       /* relative to the data section */
    int order;                 /* position in the header, to keep sorts stable */
} entry;

/* The "not a safetensors file" message every structural problem uses. */
static int bad(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const char *path, const char *fmt, ...)
{
    char why[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return wk_fail("'%s' is not a safetensors file: %s", path, why);
}

/* A JSON number that is a non-negative integer small enough to be exact. */
static int json_uint(const cJSON *v, uint64_t *out)
{
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!(d >= 0) || d > (double)MAX_EXACT || d != floor(d)) return 0;
    *out = (uint64_t)d;
    return 1;
}

/* Up to 24 bytes of header around a JSON error, with unprintable bytes as '?'. */
static const char *excerpt(char *buf, const char *at, const char *end)
{
    size_t n = 0;
    while (n < 24 && at + n < end) {
        unsigned char c = (unsigned char)at[n];
        buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    buf[n] = '\0';
    return buf;
}

static int parse_entry(const char *path, const cJSON *item, uint64_t data_size, entry *e)
{
    const char *name = item->string;
    char sbuf[200];
    if (!cJSON_IsObject(item)) return bad(path, "the entry for tensor '%s' is not a JSON object", name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
    const cJSON *offsets = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    /* Other keys are ignored, as the reference reader ignores them. */
    if (!dtype || !shape || !offsets)
        return bad(path, "tensor '%s' lacks \"%s\"", name, !dtype ? "dtype" : !shape ? "shape" : "data_offsets");
    if (!cJSON_IsString(dtype)) return bad(path, "the dtype of tensor '%s' is not a string", name);
    e->name = name;
    e->dtype = find_dtype(dtype->valuestring);
    if (!e->dtype)
        return bad(path, "tensor '%s' has dtype '%s', which wick cannot read (it reads " DTYPE_LIST ")", name,
                   dtype->valuestring);

    if (!cJSON_IsArray(shape)) return bad(path, "the shape of tensor '%s' is not a JSON array", name);
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > WK_MAX_DIMS)
        return bad(path, "tensor '%s' has %d dimensions; wick tensors have at most %d", name, ndim, WK_MAX_DIMS);
    e->ndim = 0;
    const cJSON *d;
    cJSON_ArrayForEach(d, shape) {
        uint64_t v;
        if (!json_uint(d, &v))
            return bad(path, "the shape of tensor '%s' must list whole numbers from 0 to 2^53", name);
        e->shape[e->ndim++] = (int64_t)v;
    }

    uint64_t b, en;
    if (!cJSON_IsArray(offsets) || cJSON_GetArraySize(offsets) != 2 || !json_uint(offsets->child, &b) ||
        !json_uint(offsets->child->next, &en))
        return bad(path, "the data_offsets of tensor '%s' are not two byte offsets [begin, end]", name);
    e->begin = b;
    e->end = en;
    if (b > en) return bad(path, "tensor '%s' has data_offsets [%llu, %llu] that run backwards", name,
                           (unsigned long long)b, (unsigned long long)en);
    if (en > data_size)
        return bad(path, "tensor '%s' has data_offsets [%llu, %llu] beyond the %llu bytes of data (truncated file?)",
                   name, (unsigned long long)b, (unsigned long long)en, (unsigned long long)data_size);

    /* The shape obeys every tensor's rules (at most 2^40 elements, and as many for the
     * non-zero sizes of an empty one), so numel * size cannot overflow; it must equal
     * the byte range. */
    int64_t numel, nbytes;
    if (wk_tensor_check_shape(e->ndim, e->shape, &numel) != WK_OK) {
        char why[300];
        snprintf(why, sizeof why, "%s", wk_errmsg());
        return bad(path, "tensor '%s': %s", name, why);
    }
    if (wk_mul_overflows(numel, e->dtype->size, &nbytes))   /* cannot happen after the check */
        return bad(path, "tensor '%s' has an absurd shape %s", name, wk_shape_str(sbuf, sizeof sbuf, e->ndim, e->shape));
    uint64_t bytes = (uint64_t)nbytes;
    if (bytes != en - b)
        return bad(path, "tensor '%s' is %s of shape %s (%llu bytes) but its data_offsets [%llu, %llu] span %llu bytes",
                   name, e->dtype->name, wk_shape_str(sbuf, sizeof sbuf, e->ndim, e->shape),
                   (unsigned long long)bytes, (unsigned long long)b, (unsigned long long)en,
                   (unsigned long long)(en - b));
    return WK_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

static int by_offset(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return x->order - y->order;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The JSON's shape, checked before cJSON builds a tree of it (a node of some 64 bytes
 * for every 2 bytes of "[0,0,0,…"): no array longer than MAX_ARRAY, no nesting deeper
 * than MAX_DEPTH, and the tree's size against the machine's memory. Strings are
 * skipped (escapes included); cJSON still checks the syntax. */
#define MAX_DEPTH 8
#define MAX_ARRAY 64   /* entries; a shape needs WK_MAX_DIMS (a longer one is named below) */

static int check_json_shape(const char *path, const char *h, uint64_t n)
{
    int64_t count[MAX_DEPTH + 1] = {0};   /* entries so far of the array open at each depth, or -1 */
    int depth = 0;
    uint64_t nodes = 1;
    for (uint64_t i = 0; i < n; i++) {
        char c = h[i];
        if (c == '"') {
            for (i++; i < n && h[i] != '"'; i++)
                if (h[i] == '\\') i++;
            continue;
        }
        if (c == '[' || c == '{') {
            if (++depth > MAX_DEPTH)
                return bad(path, "its header is nested more than %d levels deep (a safetensors header needs 3)",
                           MAX_DEPTH);
            count[depth] = c == '[' ? 0 : -1;
            nodes++;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        } else if (c == ',') {
            nodes++;
            if (depth > 0 && count[depth] >= 0 && ++count[depth] >= MAX_ARRAY)
                return bad(path, "its header holds an array of more than %d entries (shapes have at most %d "
                           "dimensions, offsets 2)", MAX_ARRAY, WK_MAX_DIMS);
        }
    }
    char what[300];
    snprintf(what, sizeof what, "the header of '%s' (%llu JSON values)", path, (unsigned long long)nodes);
    return wk_memory_check((double)nodes * sizeof(cJSON) + (double)n, what);
}

/* Parse and check the whole header. On success *entries (count n, sorted by offset)
 * and *meta (the "__metadata__" object or NULL) point into *root, which the caller
 * deletes. */
static int parse_header(const char *path, const char *h, uint64_t n, uint64_t data_size, cJSON **root,
                        entry **entries, int *count, const cJSON **meta)
{
    char buf[32];
    size_t badbyte;
    *root = NULL;
    *entries = NULL;
    *count = 0;
    *meta = NULL;
    if (!utf8_valid((const unsigned char *)h, n, &badbyte))
        return bad(path, "its header is not valid UTF-8 (byte %zu of the header)", badbyte);
    if (h[0] != '{') return bad(path, "its header does not start with '{' (it starts '%s')", excerpt(buf, h, h + n));
    if (check_json_shape(path, h, n) != WK_OK) return WK_ERR;
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithLengthOpts(h, n, &end, 0);
    if (!json) {
        if (!end || end < h || end > h + n) end = h + n;
        return bad(path, "its header is not valid JSON (at byte %td of the header: '%s')", end - h,
                   excerpt(buf, end, h + n));
    }
    *root = json;
    for (const char *p = end; p < h + n; p++)   /* padding: only whitespace may follow */
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return bad(path, "unexpected bytes after the JSON header (at byte %td of the header: '%s')", p - h,
                       excerpt(buf, p, h + n));
    if (!cJSON_IsObject(json)) return bad(path, "its header is not a JSON object");

    int items = cJSON_GetArraySize(json);
    entry *es = calloc((size_t)items + 1, sizeof *es);
    if (!es) return wk_fail("'%s': cannot allocate the index of %d tensors", path, items);
    *entries = es;
    int k = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, json) {
        if (strcmp(item->string, "__metadata__") == 0) {
            if (*meta) return bad(path, "\"__metadata__\" appears twice in the header");
            if (!cJSON_IsObject(item)) return bad(path, "\"__metadata__\" is not a JSON object");
            const cJSON *kv;
            cJSON_ArrayForEach(kv, item)
                if (!cJSON_IsString(kv))
                    return bad(path, "the __metadata__ value for '%s' is not a string", kv->string);
            *meta = item;
            continue;
        }
        es[k].order = k;
        if (parse_entry(path, item, data_size, &es[k]) != WK_OK) return WK_ERR;
        k++;
    }
    *count = k;

    /* Unique names: JSON allows repeated keys, the format does not. */
    qsort(es, (size_t)k, sizeof *es, by_name);
    for (int i = 1; i < k; i++)
        if (strcmp(es[i - 1].name, es[i].name) == 0)
            return bad(path, "tensor name '%s' appears twice in the header", es[i].name);
    if (*meta) {
        int m = cJSON_GetArraySize(*meta), j = 0;
        const char **keys = malloc(((size_t)m + 1) * sizeof *keys);
        if (!keys) return wk_fail("'%s': cannot allocate the metadata index", path);
        const cJSON *kv;
        cJSON_ArrayForEach(kv, *meta) keys[j++] = kv->string;
        qsort(keys, (size_t)m, sizeof *keys, by_string);
        for (j = 1; j < m; j++) {
            if (strcmp(keys[j - 1], keys[j]) == 0) {
                int r = bad(path, "metadata key '%s' appears twice in the header", keys[j]);
                free(keys);
                return r;
            }
        }
        free(keys);
    }

    /* Offsets, taken in order, must tile the data section exactly. */
    qsort(es, (size_t)k, sizeof *es, by_offset);
    uint64_t at = 0;
    for (int i = 0; i < k; i++) {
        if (es[i].begin < at)
            return bad(path, "tensors '%s' [%llu, %llu] and '%s' [%llu, %llu] overlap", es[i - 1].name,
                       (unsigned long long)es[i - 1].begin, (unsigned long long)es[i - 1].end, es[i].name,
                       (unsigned long long)es[i].begin, (unsigned long long)es[i].end);
        if (es[i].begin > at)
            return bad(path, "bytes %llu..%llu of the data belong to no tensor (a hole before '%s')",
                       (unsigned long long)at, (unsigned long long)es[i].begin, es[i].name);
        at = es[i].end;
    }
    if (at != data_size)
        return bad(path, "its data section is %llu bytes but the tensors cover only %llu (%llu stray bytes at the end)",
                   (unsigned long long)data_size, (unsigned long long)at, (unsigned long long)(data_size - at));
    return WK_OK;
}

/* ---- reading ---------------------------------------------------------------------- */

/* Turn the checked entries into tensors in out. */
static int load_tensors(const char *path, const unsigned char *data, const entry *es, int count,
                        const cJSON *meta, wk_safetensors *out)
{
    /* Every tensor's floats, against the machine, before the first is allocated (a U8
     * file becomes four times its size). Each is at most 2^40 elements: no overflow. */
    double floats = 0;
    for (int i = 0; i < count; i++) floats += (double)(es[i].end - es[i].begin) / es[i].dtype->size * sizeof(float);
    char what[300];
    snprintf(what, sizeof what, "'%s' (%d tensors as float32)", path, count);
    if (wk_memory_check(floats, what) != WK_OK) return WK_ERR;
    if (reserve_tensors(out, count) != WK_OK) return WK_ERR;
    for (int i = 0; i < count; i++) {
        const entry *e = &es[i];
        wk_tensor t;
        if (wk_tensor_new(&t, e->ndim, e->shape) != WK_OK) {
            char why[512];
            snprintf(why, sizeof why, "%s", wk_errmsg());
            return wk_fail("reading tensor '%s' of '%s': %s", e->name, path, why);
        }
        char *name = dup_str(e->name);
        if (!name) {
            wk_tensor_release(&t);
            return wk_fail("reading '%s': cannot allocate a tensor name", path);
        }
        e->dtype->convert(wk_tensor_data(&t), data + e->begin, wk_tensor_numel(&t));
        out->names[out->count] = name;
        out->tensors[out->count] = t;
        out->count++;
    }
    const cJSON *kv;
    if (meta) cJSON_ArrayForEach(kv, meta) {
        if (wk_safetensors_set_meta(out, kv->string, kv->valuestring) != WK_OK) return WK_ERR;
    }
    return WK_OK;
}

int wk_safetensors_read(const char *path, wk_safetensors *out)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return wk_fail("cannot open safetensors file '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int err = errno;
        close(fd);
        return wk_fail("cannot read safetensors file '%s': %s", path, strerror(err));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return bad(path, "it is a %s, not a regular file", S_ISDIR(sb.st_mode) ? "directory" : "special file");
    }
    wk_file_note_read(path);   /* the run log's inputs (file.h) */
    uint64_t size = (uint64_t)sb.st_size;
    if (size < 8) {
        close(fd);
        return bad(path, "it is only %llu bytes long (the header length alone takes 8)", (unsigned long long)size);
    }
    /* A private read-only map: the data is copied out into tensors, never aliased. */
    const unsigned char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int err = errno;
    close(fd);
    if (map == MAP_FAILED) return wk_fail("cannot map safetensors file '%s': %s", path, strerror(err));

    int rc = WK_ERR;
    cJSON *root = NULL;
    entry *es = NULL;
    int count = 0;
    const cJSON *meta = NULL;
    uint64_t n = le64(map);
    if (n > size - 8) {
        bad(path, "header length %llu exceeds file size %llu", (unsigned long long)n, (unsigned long long)size);
    } else if (n > MAX_HEADER) {
        bad(path, "header length %llu exceeds the 100 MB limit of the format", (unsigned long long)n);
    } else if (n < 2) {
        bad(path, "header length %llu is too short for a JSON object", (unsigned long long)n);
    } else if (parse_header(path, (const char *)map + 8, n, size - 8 - n, &root, &es, &count, &meta) == WK_OK) {
        rc = load_tensors(path, map + 8 + n, es, count, meta, out);
    }
    free(es);
    cJSON_Delete(root);
    munmap((void *)map, size);
    if (rc != WK_OK) wk_safetensors_free(out);
    return rc;
}

/* ---- writing: the header ---------------------------------------------------------- */

/* A growable byte string; after an allocation failure it stays failed (oom set). */
typedef struct strbuf {
    char *p;
    size_t len, cap;
    int oom;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void sb_puts(strbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A JSON string escaped as serde_json (the reference writer) escapes it: '"', '\\',
 * \b \t \n \f \r, other control bytes as \u00XX; everything else (UTF-8 too) raw. */
static void sb_json_string(strbuf *b, const char *s)
{
    sb_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        switch (c) {
        case '"': sb_put(b, "\\\"", 2); break;
        case '\\': sb_put(b, "\\\\", 2); break;
        case '\b': sb_put(b, "\\b", 2); break;
        case '\t': sb_put(b, "\\t", 2); break;
        case '\n': sb_put(b, "\\n", 2); break;
        case '\f': sb_put(b, "\\f", 2); break;
        case '\r': sb_put(b, "\\r", 2); break;
        default:
            if (c < 0x20) sb_printf(b, "\\u%04x", c);
            else sb_put(b, (const char *)p, 1);
        }
    }
    sb_put(b, "\"", 1);
}

/* Index of an entry sorted by its string. */
typedef struct keyed {
    const char *key;
    int index;
} keyed;

static int by_key(const void *a, const void *b) { return strcmp(((const keyed *)a)->key, ((const keyed *)b)->key); }

/* Sort indexes of strs by string; fails (naming what) on a repeated string. */
static int sorted_unique(keyed **out, char *const *strs, int n, const char *what)
{
    keyed *k = malloc(((size_t)n + 1) * sizeof *k);
    if (!k) return wk_fail("safetensors: cannot allocate an index of %d %ss", n, what);
    for (int i = 0; i < n; i++) k[i] = (keyed){strs[i], i};
    qsort(k, (size_t)n, sizeof *k, by_key);
    for (int i = 1; i < n; i++) {
        if (strcmp(k[i - 1].key, k[i].key) == 0) {
            wk_fail("safetensors: %s '%s' appears twice", what, k[i].key);
            free(k);
            return WK_ERR;
        }
    }
    *out = k;
    return WK_OK;
}

/* The padded header for the tensors in order, metadata keys in mkeys order. */
static int build_header(strbuf *b, const wk_safetensors *st, const keyed *order, const keyed *mkeys)
{
    sb_puts(b, "{");
    if (st->meta_count > 0) {
        sb_puts(b, "\"__metadata__\":{");
        for (int i = 0; i < st->meta_count; i++) {
            if (i) sb_puts(b, ",");
            sb_json_string(b, st->meta_keys[mkeys[i].index]);
            sb_puts(b, ":");
            sb_json_string(b, st->meta_values[mkeys[i].index]);
        }
        sb_puts(b, "}");
    }
    uint64_t at = 0;
    for (int i = 0; i < st->count; i++) {
        const wk_tensor *t = &st->tensors[order[i].index];
        if (i || st->meta_count > 0) sb_puts(b, ",");
        sb_json_string(b, order[i].key);
        sb_puts(b, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < t->ndim; d++) sb_printf(b, d ? ",%lld" : "%lld", (long long)t->shape[d]);
        uint64_t bytes = (uint64_t)wk_tensor_numel(t) * 4;
        sb_printf(b, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)at, (unsigned long long)(at + bytes));
        at += bytes;
    }
    sb_puts(b, "}");
    while (b->len % 8) sb_puts(b, " ");   /* so the data starts 8-aligned, as the reference pads */
    if (b->oom) return wk_fail("safetensors: cannot allocate the header");
    return WK_OK;
}

/* ---- writing: the file ------------------------------------------------------------ */

/* Write one tensor's floats as little-endian bytes, through a small buffer so that no
 * host byte order or extra full-size copy is assumed. */
static int write_floats(FILE *f, const float *x, int64_t n)
{
    unsigned char buf[1 << 16];
    int64_t per = (int64_t)sizeof buf / 4;
    for (int64_t i = 0; i < n; i += per) {
        int64_t m = n - i < per ? n - i : per;
        for (int64_t j = 0; j < m; j++) {
            uint32_t u;
            memcpy(&u, &x[i + j], 4);
            buf[4 * j] = (unsigned char)u;
            buf[4 * j + 1] = (unsigned char)(u >> 8);
            buf[4 * j + 2] = (unsigned char)(u >> 16);
            buf[4 * j + 3] = (unsigned char)(u >> 24);
        }
        if (fwrite(buf, 1, (size_t)m * 4, f) != (size_t)m * 4) return -1;
    }
    return 0;
}

int wk_safetensors_write(const char *path, const wk_safetensors *st)
{
    keyed *order = NULL, *mkeys = NULL;
    strbuf hdr = {0};
    wk_file_out out;
    int opened = 0, rc = WK_ERR;

    for (int i = 0; i < st->count; i++)
        if (!st->tensors[i].storage)
            return wk_fail("cannot write '%s': tensor '%s' is empty (released)", path, st->names[i]);
    if (sorted_unique(&order, st->names, st->count, "tensor name") != WK_OK) return WK_ERR;
    if (sorted_unique(&mkeys, st->meta_keys, st->meta_count, "metadata key") != WK_OK) goto done;
    if (build_header(&hdr, st, order, mkeys) != WK_OK) goto done;

    if (wk_file_out_open(&out, path, 0) != WK_OK) goto done;
    opened = 1;
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)hdr.len >> (8 * i));
    if (fwrite(len8, 1, 8, out.f) != 8 || fwrite(hdr.p, 1, hdr.len, out.f) != hdr.len) goto io_error;
    for (int i = 0; i < st->count; i++) {
        wk_tensor c;
        if (wk_tensor_contiguous(&c, &st->tensors[order[i].index]) != WK_OK) {
            char why[512];
            snprintf(why, sizeof why, "%s", wk_errmsg());
            wk_fail("cannot write '%s': tensor '%s': %s", path, order[i].key, why);
            goto done;
        }
        int w = write_floats(out.f, wk_tensor_data(&c), wk_tensor_numel(&c));
        wk_tensor_release(&c);
        if (w != 0) goto io_error;
    }
    opened = 0;
    rc = wk_file_out_commit(&out);   /* fsync, keep the old mode, rename into place */
    goto done;

io_error:
    wk_fail("cannot write '%s': %s", path, strerror(errno ? errno : EIO));
done:
    if (opened) wk_file_out_abort(&out);
    free(hdr.p);
    free(order);
    free(mkeys);
    return rc;
}
