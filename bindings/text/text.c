/* text.c — the C half of wick.text: UTF-8 checks, code-point vocabularies, reading
 * R data and gzip files for the corpus loaders, folder listings, and the char-rnn
 * sampler userdata. The public API (wick.text.read, vocab, split, batches, corpus.*,
 * char_rnn) is Lua sugar in text.lua over these underscore functions:
 *
 *   text._validate(s)              -> true | false, reason, byte offset (1-based)
 *   text._codepoints(s)            -> (n) tensor of code points (s must be valid UTF-8)
 *   text._vocab(s)                 -> (V) sorted distinct code points, (V) counts
 *   text._encode(s, vocab [, fallback]) -> (n) 1-based ids, number of unknown chars
 *   text._decode(ids, vocab)       -> string
 *   text._listdir(path)            -> sorted names of regular files, or nil (not a dir)
 *   text._rdb_strings(path)        -> {text of chunk 1, …} (R lazy-load database)
 *   text._read(path [, fname])     -> the whole file (at most 1 GiB: /dev/zero is refused)
 *   text._gunzip(path [, max_bytes]) -> string (gzip or plain file; at most max_bytes, and
 *                                    never more than 1 GiB)
 *   text._sampler(cfg)             -> wick.CharSampler (see the methods below) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "../../lib/core/file.h"
#include "../../lib/text/charrnn.h"
#include "../../lib/text/rdata.h"
#include "../../lib/text/utf8.h"
#include "../core/wk_lua.h"

#define SAMPLER_MT "wick.CharSampler"

// ---- helpers -----------------------------------------------------------------------

/* Every function here follows wk_lua.h's one pattern: buffers live in boxes (or
 * tensors) on the Lua stack before anything that can raise runs, so a bad argument or
 * a damaged file never leaks what was allocated before it. */

/* A new 1-D tensor of n floats pushed on the stack; returns its data. */
static float *push_vector(lua_State *L, int64_t n, const char *fname)
{
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_new(t, 1, &n) != WK_OK) wk_lua_fail(L, fname);
    wk_lua_account(L, t);
    return wk_tensor_data(t);
}

/* Code points of the 1-D tensor at idx as int32 into a buffer owned by a box pushed on
 * the stack. Each must be a whole number from 0 to 0x10FFFF (a checkpoint or a sketch
 * may hold anything: NaN, -1, 2^40), or this raises naming it. */
static int32_t *check_codes(lua_State *L, int idx, size_t *n, const char *fname)
{
    idx = lua_absindex(L, idx);
    wk_tensor *t = wk_lua_test_tensor(L, idx);
    if (!t || t->ndim != 1)
        luaL_error(L, "%s: the vocabulary must be a 1-D tensor of code points, got %s", fname,
                   t ? "a tensor of another shape" : luaL_typename(L, idx));
    *n = (size_t)t->shape[0];
    int32_t *out = wk_lua_alloc(L, *n * sizeof *out, fname);
    const float *d = wk_tensor_data(t);
    for (size_t i = 0; i < *n; i++) {
        float f = d[(int64_t)i * t->stride[0]];
        if (!(f >= 0 && f <= 0x10FFFF) || f != (float)(int32_t)f) {
            char num[32];
            snprintf(num, sizeof num, "%g", f);
            if (f != f) snprintf(num, sizeof num, "NaN");
            luaL_error(L, "%s: vocabulary entry %I is %s, not a Unicode code point (0 to 0x10FFFF)", fname,
                       (lua_Integer)i + 1, num);
        }
        out[i] = (int32_t)f;
    }
    return out;
}

// ---- UTF-8 and vocabularies --------------------------------------------------------

static int text_validate(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    size_t bad = 0;
    if (wk_utf8_validate(&bad, s, n) == WK_OK) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushboolean(L, 0);
    lua_pushstring(L, wk_errmsg());
    lua_pushinteger(L, (lua_Integer)bad + 1);
    return 3;
}

/* Decoded code points of s into a boxed buffer pushed on the stack. */
static int32_t *decode(lua_State *L, const char *s, size_t n, size_t *count, const char *fname)
{
    int32_t *cps = wk_lua_alloc(L, n * sizeof *cps, fname);
    *count = wk_utf8_decode(cps, s, n);
    return cps;
}

static int text_codepoints(lua_State *L)
{
    size_t n, count;
    const char *s = luaL_checklstring(L, 1, &n);
    lua_settop(L, 1);
    int32_t *cps = decode(L, s, n, &count, "codepoints");
    float *d = push_vector(L, (int64_t)count, "codepoints");
    for (size_t i = 0; i < count; i++) d[i] = (float)cps[i];
    return 1;
}

static int text_vocab(lua_State *L)
{
    size_t n, count, nv;
    const char *s = luaL_checklstring(L, 1, &n);
    lua_settop(L, 1);
    int32_t *cps = decode(L, s, n, &count, "vocab");
    int32_t *vocab = wk_lua_alloc(L, count * sizeof *vocab, "vocab");
    int64_t *counts = wk_lua_alloc(L, count * sizeof *counts, "vocab");
    if (wk_vocab_build(&nv, vocab, counts, cps, count) != WK_OK) return wk_lua_fail(L, "vocab");
    float *dv = push_vector(L, (int64_t)nv, "vocab");
    float *dc = push_vector(L, (int64_t)nv, "vocab");
    for (size_t i = 0; i < nv; i++) {
        dv[i] = (float)vocab[i];
        dc[i] = (float)counts[i];
    }
    return 2;
}

static int text_encode(lua_State *L)
{
    size_t n, count, nv, unknown = 0;
    const char *s = luaL_checklstring(L, 1, &n);
    lua_settop(L, 3);
    lua_Number fallback = lua_isnil(L, 3) ? 0 : (lua_Number)wk_lua_check_int(L, 3, "encode", "fallback", 0, INT32_MAX);
    int32_t *vocab = check_codes(L, 2, &nv, "encode");
    if (fallback > (lua_Number)nv) luaL_error(L, "encode: fallback id %d is outside the vocabulary (1..%I)", (int)fallback, (lua_Integer)nv);
    int32_t *cps = decode(L, s, n, &count, "encode");
    float *ids = push_vector(L, (int64_t)count, "encode");
    wk_vocab_encode(ids, &unknown, cps, count, vocab, nv, (float)fallback);
    lua_pushinteger(L, (lua_Integer)unknown);
    return 2;
}

static int text_decode(lua_State *L)
{
    lua_settop(L, 2);
    const wk_tensor *flat = wk_lua_contiguous(L, 1, "decode");   /* slot 3 */
    size_t nv;
    int32_t *vocab = check_codes(L, 2, &nv, "decode");           /* slot 4 */
    int64_t n = wk_tensor_numel(flat);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const float *d = wk_tensor_data(flat);
    for (int64_t i = 0; i < n; i++) {
        float f = d[i];
        if (!(f >= 1 && f <= (float)nv) || f != (float)(int64_t)f) {
            char num[32];
            snprintf(num, sizeof num, "%g", f);
            return luaL_error(L, "decode: id %s at position %I is not in the vocabulary (1..%I)", num,
                              (lua_Integer)i + 1, (lua_Integer)nv);
        }
        char buf[4];
        int len = wk_utf8_encode(buf, vocab[(int64_t)f - 1]);
        luaL_addlstring(&b, buf, (size_t)len);
    }
    luaL_pushresult(&b);
    return 1;
}

// ---- files -------------------------------------------------------------------------

/* The largest file text.read and the corpus readers take whole: far more than any
 * corpus wick ships (the largest, GCIDE, is 36 MB), and a bound that /dev/zero or a
 * runaway pipe reaches instead of exhausting memory. */
#define TEXT_MAX_BYTES ((int64_t)1 << 30)

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* A folder listing being built: the open DIR and the names so far, freed by the box. */
typedef struct listing {
    DIR *d;
    char **names;
    size_t n, cap;
} listing;

static void listing_free(void *p)
{
    listing *l = p;
    if (l->d) closedir(l->d);
    for (size_t i = 0; i < l->n; i++) free(l->names[i]);
    free(l->names);
    free(l);
}

static int text_listdir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    wk_lua_box *box = wk_lua_push_box(L, listing_free);
    listing *l = calloc(1, sizeof *l);
    if (!l) return luaL_error(L, "listdir: out of memory");
    box->p = l;
    if (!(l->d = opendir(path))) {
        lua_pushnil(L);
        return 1;
    }
    struct dirent *e;
    while ((e = readdir(l->d))) {
        if (e->d_name[0] == '.') continue;   /* hidden files, . and .. */
        struct stat st;
        if (fstatat(dirfd(l->d), e->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode)) continue;
        if (l->n == l->cap) {
            size_t cap = l->cap ? 2 * l->cap : 64;
            char **more = realloc(l->names, cap * sizeof *more);
            if (!more) return luaL_error(L, "listdir: out of memory");
            l->names = more;
            l->cap = cap;
        }
        if (!(l->names[l->n] = strdup(e->d_name))) return luaL_error(L, "listdir: out of memory");
        l->n++;
    }
    qsort(l->names, l->n, sizeof *l->names, cmp_str);
    lua_createtable(L, (int)(l->n < INT32_MAX ? l->n : 0), 0);
    for (size_t i = 0; i < l->n; i++) {
        lua_pushstring(L, l->names[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* The whole file into a boxed buffer pushed on the stack; raises "<fname>: …" when it
 * cannot be read or is larger than max bytes. */
static char *read_boxed(lua_State *L, const char *path, int64_t max, int64_t *n, const char *fname)
{
    wk_lua_box *box = wk_lua_push_box(L, free);
    char *data;
    if (wk_file_read_all(path, max, &data, n) != WK_OK) wk_lua_fail(L, fname);
    box->p = data;
    return data;
}

/* _read(path, fname) -> the whole file as a string (at most TEXT_MAX_BYTES). */
static int text_read(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    const char *fname = luaL_optstring(L, 2, "text.read");
    lua_settop(L, 2);
    int64_t n;
    char *data = read_boxed(L, path, TEXT_MAX_BYTES, &n, fname);
    lua_pushlstring(L, data, (size_t)n);
    return 1;
}

static int text_rdb_strings(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    int64_t n64;
    const unsigned char *file = (const unsigned char *)read_boxed(L, path, TEXT_MAX_BYTES, &n64, "austen");   /* 2 */
    size_t n = (size_t)n64;
    wk_lua_box *chunk_box = wk_lua_push_box(L, free);   /* 3: the inflated chunk */
    wk_lua_box *text_box = wk_lua_push_box(L, free);    /* 4: its strings */
    lua_newtable(L);
    size_t at = 0;
    int k = 0;
    while (at < n) {
        unsigned char *chunk;
        size_t len, used, tlen;
        char *txt;
        int64_t count;
        if (wk_rdb_chunk(&chunk, &len, &used, file + at, n - at) != WK_OK)
            return luaL_error(L, "austen: %s, chunk %d at byte %I: %s", path, k + 1, (lua_Integer)at, wk_errmsg());
        chunk_box->p = chunk;
        int rc = wk_rxdr_strings(&txt, &tlen, &count, chunk, len);
        wk_lua_box_release(chunk_box);
        if (rc != WK_OK) return luaL_error(L, "austen: %s, chunk %d: %s", path, k + 1, wk_errmsg());
        text_box->p = txt;
        lua_pushlstring(L, txt, tlen);
        wk_lua_box_release(text_box);
        lua_rawseti(L, -2, ++k);
        at += used;
    }
    return 1;
}

static void gz_release(void *g) { gzclose((gzFile)g); }

static int text_gunzip(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_settop(L, 2);
    /* 0: the whole file, up to the readers' bound */
    lua_Integer max = lua_isnil(L, 2) ? 0 : wk_lua_check_int(L, 2, "gunzip", "max_bytes", 0, TEXT_MAX_BYTES);
    if (max == 0) max = TEXT_MAX_BYTES;
    wk_lua_box *box = wk_lua_push_box(L, gz_release);   /* the gzFile closes on any error */
    gzFile g = gzopen(path, "rb");
    if (!g) return luaL_error(L, "gunzip: cannot open %s", path);
    box->p = g;
    wk_file_note_read(path);   /* the run log's inputs (lib/core/file.h) */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    int full = 0;
    for (;;) {
        unsigned want = 1 << 16;
        lua_Integer room = max - (lua_Integer)luaL_bufflen(&b);
        if ((lua_Integer)want > room) want = (unsigned)room;
        if (want == 0) {
            full = 1;
            break;
        }
        char *p = luaL_prepbuffsize(&b, want);   /* may raise: the box still owns g */
        int got = gzread(g, p, want);
        if (got < 0) {
            int errnum;
            return luaL_error(L, "gunzip: %s: %s", path, gzerror(g, &errnum));
        }
        if (got == 0) break;
        luaL_addsize(&b, (size_t)got);
    }
    /* a whole-file read that filled the bound and still has data is refused, not cut */
    if (full && lua_isnil(L, 2)) {
        char c;
        if (gzread(g, &c, 1) == 1)
            return luaL_error(L, "gunzip: %s unpacks to more than %I bytes, more than wick reads whole", path,
                              (lua_Integer)TEXT_MAX_BYTES);
    }
    wk_lua_box_release(box);
    luaL_pushresult(&b);
    return 1;
}

// ---- the char-rnn sampler ----------------------------------------------------------

typedef struct sampler_ud {
    wk_charrnn *s;
    int32_t *vocab;   // (V) code points, to decode ids
    int V;
} sampler_ud;

static sampler_ud *check_sampler(lua_State *L)
{
    sampler_ud *u = luaL_checkudata(L, 1, SAMPLER_MT);
    if (!u->s) luaL_error(L, "sampler: attempt to use a freed sampler");
    return u;
}

static int sampler_gc(lua_State *L)
{
    sampler_ud *u = luaL_checkudata(L, 1, SAMPLER_MT);
    wk_charrnn_free(u->s);
    free(u->vocab);
    u->s = NULL;
    u->vocab = NULL;
    return 0;
}

/* The data of the tensor on top of the stack (popped; the tensor stays referenced by
 * the cfg table until the sampler has copied it), or NULL when it is nil and optional. */
static const float *top_data(lua_State *L, const char *what, int layer, int optional, int64_t want)
{
    if (lua_isnil(L, -1) && optional) {
        lua_pop(L, 1);
        return NULL;
    }
    wk_tensor *t = wk_lua_check_tensor(L, -1);
    if (!wk_tensor_is_contiguous(t) || wk_tensor_numel(t) != want)
        luaL_error(L, "sampler: %s %d must be contiguous with %I elements", what, layer, (lua_Integer)want);
    lua_pop(L, 1);
    return wk_tensor_data(t);
}

static const float *field_data(lua_State *L, int idx, const char *key, int optional, int64_t want)
{
    lua_getfield(L, idx, key);
    return top_data(L, key, 0, optional, want);
}

/* Sizes a sampler accepts: bounds that keep every product below 2^40 (the tensors it
 * copies are checked against them element for element anyway). */
#define SAMPLER_MAX_SIZE (1 << 20)
#define SAMPLER_MAX_LAYERS 64

static int cfg_int(lua_State *L, int idx, const char *key, int hi)
{
    lua_getfield(L, idx, key);
    int v = (int)wk_lua_check_int(L, -1, "sampler", key, 1, hi);
    lua_pop(L, 1);
    return v;
}

/* _sampler{cell =, layers =, vocab = (V) code points, embed =, hidden =, embedding =,
 *          w_ih = {…}, w_hh = {…}, b_ih = {…}, b_hh = {…}, w_out =, b_out =} */
static int text_sampler(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    /* every size and weight is checked before the sampler allocates anything */
    lua_getfield(L, 1, "cell");
    const char *cell = lua_tostring(L, -1);
    if (!cell || (strcmp(cell, "gru") && strcmp(cell, "lstm")))
        return luaL_error(L, "sampler: cell must be \"lstm\" or \"gru\"");
    wk_cell kind = strcmp(cell, "gru") == 0 ? WK_CELL_GRU : WK_CELL_LSTM;
    lua_pop(L, 1);
    int layers = cfg_int(L, 1, "layers", SAMPLER_MAX_LAYERS);
    int E = cfg_int(L, 1, "embed", SAMPLER_MAX_SIZE), H = cfg_int(L, 1, "hidden", SAMPLER_MAX_SIZE);
    lua_getfield(L, 1, "vocab");   /* 2 */
    size_t nv;
    int32_t *codes = check_codes(L, 2, &nv, "sampler");   /* 3: its box */
    wk_lua_box *codes_box = lua_touserdata(L, 3);
    if (nv < 1 || nv > SAMPLER_MAX_SIZE) return luaL_error(L, "sampler: the vocabulary holds %I characters", (lua_Integer)nv);
    int V = (int)nv;
    int G = kind == WK_CELL_LSTM ? 4 : 3;
    const float *w_ih[SAMPLER_MAX_LAYERS], *w_hh[SAMPLER_MAX_LAYERS], *b_ih[SAMPLER_MAX_LAYERS], *b_hh[SAMPLER_MAX_LAYERS];
    const char *names[4] = {"w_ih", "w_hh", "b_ih", "b_hh"};
    const float **dst[4] = {w_ih, w_hh, b_ih, b_hh};
    for (int k = 0; k < 4; k++) {
        lua_getfield(L, 1, names[k]);
        int list = lua_gettop(L);
        if (!lua_istable(L, list)) return luaL_error(L, "sampler: %s must be a list of tensors", names[k]);
        for (int l = 0; l < layers; l++) {
            int64_t want = k == 0 ? (int64_t)G * H * (l == 0 ? E : H) : k == 1 ? (int64_t)G * H * H : (int64_t)G * H;
            lua_rawgeti(L, list, l + 1);
            dst[k][l] = top_data(L, names[k], l + 1, k >= 2, want);
        }
        lua_pop(L, 1);
    }
    wk_charrnn_weights w = {
        .cell = kind, .layers = layers, .vocab = V, .embed = E, .hidden = H,
        .embedding = field_data(L, 1, "embedding", 0, (int64_t)V * E),
        .w_ih = w_ih, .w_hh = w_hh, .b_ih = b_ih, .b_hh = b_hh,
        .w_out = field_data(L, 1, "w_out", 0, (int64_t)V * H),
        .b_out = field_data(L, 1, "b_out", 1, V),
    };
    sampler_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->s = NULL;
    u->vocab = NULL;
    u->V = V;
    luaL_setmetatable(L, SAMPLER_MT);
    u->vocab = wk_lua_box_take(codes_box);   /* the sampler owns the code points now */
    (void)codes;
    if (wk_charrnn_new(&u->s, &w) != WK_OK) return wk_lua_fail(L, "sampler");
    return 1;
}

static int sampler_reset(lua_State *L)
{
    wk_charrnn_reset(check_sampler(L)->s);
    return 0;
}

/* :feed(id) — 1-based id */
static int sampler_feed(lua_State *L)
{
    sampler_ud *u = check_sampler(L);
    int id = (int)wk_lua_check_int(L, 2, "sampler:feed", "id", 1, u->V);
    if (wk_charrnn_feed(u->s, id - 1) != WK_OK) return wk_lua_fail(L, "sampler");
    return 0;
}

static void check_draw_args(lua_State *L, int at, float *temp, int *top_k, float *top_p)
{
    *temp = (float)wk_lua_check_finite(L, at, "sampler", "temperature", 0, 100);
    *top_k = (int)wk_lua_check_int(L, at + 1, "sampler", "top_k", 0, INT32_MAX);
    *top_p = (float)wk_lua_check_finite(L, at + 2, "sampler", "top_p", 0, 1);
}

/* :step(temperature, top_k, top_p) -> id, character: draw, then feed it. */
static int sampler_step(lua_State *L)
{
    sampler_ud *u = check_sampler(L);
    float temp, top_p;
    int top_k;
    check_draw_args(L, 2, &temp, &top_k, &top_p);
    int id = wk_charrnn_draw(u->s, temp, top_k, top_p);
    if (wk_charrnn_feed(u->s, id) != WK_OK) return wk_lua_fail(L, "sampler");
    char buf[4];
    int len = wk_utf8_encode(buf, u->vocab[id]);
    lua_pushinteger(L, id + 1);
    lua_pushlstring(L, buf, (size_t)len);
    return 2;
}

/* :generate(n, temperature, top_k, top_p) -> string of n characters */
static int sampler_generate(lua_State *L)
{
    sampler_ud *u = check_sampler(L);
    lua_Integer n = wk_lua_check_int(L, 2, "sampler:generate", "length", 0, 100000000);
    float temp, top_p;
    int top_k;
    check_draw_args(L, 3, &temp, &top_k, &top_p);
    lua_settop(L, 5);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (lua_Integer i = 0; i < n; i++) {
        int id = wk_charrnn_draw(u->s, temp, top_k, top_p);
        if (wk_charrnn_feed(u->s, id) != WK_OK) return wk_lua_fail(L, "sampler");
        char buf[4];
        int len = wk_utf8_encode(buf, u->vocab[id]);
        luaL_addlstring(&b, buf, (size_t)len);
    }
    luaL_pushresult(&b);
    return 1;
}

/* :logits() -> (V) tensor, a copy */
static int sampler_logits(lua_State *L)
{
    sampler_ud *u = check_sampler(L);
    float *d = push_vector(L, u->V, "sampler");
    memcpy(d, wk_charrnn_logits(u->s), (size_t)u->V * sizeof(float));
    return 1;
}

static const luaL_Reg sampler_methods[] = {
    {"reset", sampler_reset}, {"feed", sampler_feed}, {"step", sampler_step},
    {"generate", sampler_generate}, {"logits", sampler_logits}, {"free", sampler_gc}, {NULL, NULL}};

static const luaL_Reg text_funcs[] = {
    {"_validate", text_validate}, {"_codepoints", text_codepoints}, {"_vocab", text_vocab},
    {"_encode", text_encode}, {"_decode", text_decode}, {"_listdir", text_listdir},
    {"_rdb_strings", text_rdb_strings}, {"_read", text_read}, {"_gunzip", text_gunzip}, {"_sampler", text_sampler},
    {NULL, NULL}};

int luaopen_wick_text(lua_State *L)
{
    if (luaL_newmetatable(L, SAMPLER_MT)) {
        luaL_newlib(L, sampler_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, sampler_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, sampler_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
    luaL_newlib(L, text_funcs);
    return 1;
}
