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
 *   text._gunzip(path [, max_bytes]) -> string (gzip or plain file; at most max_bytes)
 *   text._sampler(cfg)             -> wick.CharSampler (see the methods below) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "../lib/text/charrnn.h"
#include "../lib/text/rdata.h"
#include "../lib/text/utf8.h"
#include "wk_lua.h"

#define SAMPLER_MT "wick.CharSampler"

// ---- helpers -----------------------------------------------------------------------

/* A new 1-D tensor of n floats pushed on the stack; returns its data. */
static float *push_vector(lua_State *L, int64_t n, const char *fname)
{
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_new(t, 1, &n) != WK_OK) wk_lua_fail(L, fname);
    wk_lua_account(L, t);
    return wk_tensor_data(t);
}

/* Code points of the 1-D tensor at idx as int32 into a new malloc'd array. */
static int32_t *check_codes(lua_State *L, int idx, size_t *n, const char *fname)
{
    wk_tensor *t = wk_lua_check_tensor(L, idx);
    if (t->ndim != 1) luaL_error(L, "%s: the vocabulary must be a 1-D tensor of code points", fname);
    *n = (size_t)t->shape[0];
    int32_t *out = malloc((*n ? *n : 1) * sizeof *out);
    if (!out) luaL_error(L, "%s: out of memory", fname);
    const float *d = wk_tensor_data(t);
    for (size_t i = 0; i < *n; i++) out[i] = (int32_t)d[i * t->stride[0]];
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

/* Decoded code points of s into a new malloc'd array (freed by the caller). */
static int32_t *decode(lua_State *L, const char *s, size_t n, size_t *count, const char *fname)
{
    int32_t *cps = malloc((n ? n : 1) * sizeof *cps);
    if (!cps) luaL_error(L, "%s: out of memory for %I characters", fname, (lua_Integer)n);
    *count = wk_utf8_decode(cps, s, n);
    return cps;
}

static int text_codepoints(lua_State *L)
{
    size_t n, count;
    const char *s = luaL_checklstring(L, 1, &n);
    int32_t *cps = decode(L, s, n, &count, "codepoints");
    wk_tensor *t = wk_lua_push_empty(L);
    int64_t shape = (int64_t)count;
    if (wk_tensor_new(t, 1, &shape) != WK_OK) {
        free(cps);
        return wk_lua_fail(L, "codepoints");
    }
    wk_lua_account(L, t);
    float *d = wk_tensor_data(t);
    for (size_t i = 0; i < count; i++) d[i] = (float)cps[i];
    free(cps);
    return 1;
}

static int text_vocab(lua_State *L)
{
    size_t n, count, nv;
    const char *s = luaL_checklstring(L, 1, &n);
    lua_settop(L, 1);
    int32_t *cps = decode(L, s, n, &count, "vocab");
    int32_t *vocab = malloc((count ? count : 1) * sizeof *vocab);
    int64_t *counts = malloc((count ? count : 1) * sizeof *counts);
    if (!vocab || !counts || wk_vocab_build(&nv, vocab, counts, cps, count) != WK_OK) {
        free(cps); free(vocab); free(counts);
        return luaL_error(L, "vocab: out of memory for %I characters", (lua_Integer)count);
    }
    free(cps);
    wk_tensor *tv = wk_lua_push_empty(L), *tc = wk_lua_push_empty(L);
    int64_t shape = (int64_t)nv;
    if (wk_tensor_new(tv, 1, &shape) != WK_OK || wk_tensor_new(tc, 1, &shape) != WK_OK) {
        free(vocab); free(counts);
        return wk_lua_fail(L, "vocab");
    }
    wk_lua_account(L, tv);
    wk_lua_account(L, tc);
    for (size_t i = 0; i < nv; i++) {
        wk_tensor_data(tv)[i] = (float)vocab[i];
        wk_tensor_data(tc)[i] = (float)counts[i];
    }
    free(vocab); free(counts);
    return 2;
}

static int text_encode(lua_State *L)
{
    size_t n, count, nv, unknown = 0;
    const char *s = luaL_checklstring(L, 1, &n);
    lua_Number fallback = luaL_optnumber(L, 3, 0);
    lua_settop(L, 3);
    int32_t *vocab = check_codes(L, 2, &nv, "encode");
    int32_t *cps = malloc((n ? n : 1) * sizeof *cps);
    if (!cps) {
        free(vocab);
        return luaL_error(L, "encode: out of memory");
    }
    count = wk_utf8_decode(cps, s, n);
    wk_tensor *t = wk_lua_push_empty(L);
    int64_t shape = (int64_t)count;
    if (wk_tensor_new(t, 1, &shape) != WK_OK) {
        free(vocab); free(cps);
        return wk_lua_fail(L, "encode");
    }
    wk_lua_account(L, t);
    wk_vocab_encode(wk_tensor_data(t), &unknown, cps, count, vocab, nv, (float)fallback);
    free(vocab); free(cps);
    lua_pushinteger(L, (lua_Integer)unknown);
    return 2;
}

static int text_decode(lua_State *L)
{
    lua_settop(L, 2);
    wk_tensor *ids = wk_lua_check_tensor(L, 1);
    size_t nv;
    int32_t *vocab = check_codes(L, 2, &nv, "decode");
    int64_t n = wk_tensor_numel(ids);
    wk_tensor flat = {0};
    if (wk_tensor_contiguous(&flat, ids) != WK_OK) {
        free(vocab);
        return wk_lua_fail(L, "decode");
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const float *d = wk_tensor_data(&flat);
    for (int64_t i = 0; i < n; i++) {
        float f = d[i];
        if (!(f >= 1 && f <= (float)nv) || f != (float)(int64_t)f) {
            wk_tensor_release(&flat);
            free(vocab);
            char num[32];
            snprintf(num, sizeof num, "%g", f);
            return luaL_error(L, "decode: id %s at position %I is not in the vocabulary (1..%I)", num,
                              (lua_Integer)i + 1, (lua_Integer)nv);
        }
        char buf[4];
        int len = wk_utf8_encode(buf, vocab[(int64_t)f - 1]);
        luaL_addlstring(&b, buf, (size_t)len);
    }
    wk_tensor_release(&flat);
    free(vocab);
    luaL_pushresult(&b);
    return 1;
}

// ---- files -------------------------------------------------------------------------

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int text_listdir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    DIR *d = opendir(path);
    if (!d) {
        lua_pushnil(L);
        return 1;
    }
    size_t n = 0, cap = 64;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while (names && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;   /* hidden files, . and .. */
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, e->d_name);
        struct stat st;
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (n == cap) {
            char **more = realloc(names, 2 * cap * sizeof *names);
            if (!more) break;
            names = more;
            cap *= 2;
        }
        names[n] = strdup(e->d_name);
        if (names[n]) n++;
    }
    closedir(d);
    if (!names) return luaL_error(L, "listdir: out of memory");
    qsort(names, n, sizeof *names, cmp_str);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
        free(names[i]);
    }
    free(names);
    return 1;
}

/* Whole file into a malloc'd buffer; NULL (and errno-ish message) on failure. */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20, len = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len < cap) break;
        unsigned char *more = realloc(buf, cap * 2);
        if (!more) { free(buf); buf = NULL; break; }
        buf = more;
        cap *= 2;
    }
    fclose(f);
    *n = len;
    return buf;
}

static int text_rdb_strings(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t n;
    unsigned char *file = slurp(path, &n);
    if (!file) return luaL_error(L, "austen: cannot read %s", path);
    lua_newtable(L);
    size_t at = 0;
    int k = 0;
    while (at < n) {
        unsigned char *chunk;
        size_t len, used, tlen;
        char *txt;
        int64_t count;
        if (wk_rdb_chunk(&chunk, &len, &used, file + at, n - at) != WK_OK) {
            free(file);
            return luaL_error(L, "austen: %s, chunk %d at byte %I: %s", path, k + 1, (lua_Integer)at, wk_errmsg());
        }
        int rc = wk_rxdr_strings(&txt, &tlen, &count, chunk, len);
        free(chunk);
        if (rc != WK_OK) {
            free(file);
            return luaL_error(L, "austen: %s, chunk %d: %s", path, k + 1, wk_errmsg());
        }
        lua_pushlstring(L, txt, tlen);
        free(txt);
        lua_rawseti(L, -2, ++k);
        at += used;
    }
    free(file);
    return 1;
}

static int text_gunzip(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_Integer max = luaL_optinteger(L, 2, 0);   /* 0: the whole file */
    lua_settop(L, 2);
    gzFile g = gzopen(path, "rb");
    if (!g) return luaL_error(L, "gunzip: cannot open %s", path);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (;;) {
        unsigned want = 1 << 16;
        if (max > 0 && (lua_Integer)want > max - (lua_Integer)luaL_bufflen(&b)) want = (unsigned)(max - (lua_Integer)luaL_bufflen(&b));
        if (want == 0) break;
        char *p = luaL_prepbuffsize(&b, want);
        int got = gzread(g, p, want);
        if (got < 0) {
            int errnum;
            const char *msg = gzerror(g, &errnum);
            char buf[256];
            snprintf(buf, sizeof buf, "%s", msg);
            gzclose(g);
            return luaL_error(L, "gunzip: %s: %s", path, buf);
        }
        if (got == 0) break;
        luaL_addsize(&b, (size_t)got);
    }
    gzclose(g);
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

static int cfg_int(lua_State *L, int idx, const char *key)
{
    lua_getfield(L, idx, key);
    int v = (int)luaL_checkinteger(L, -1);
    lua_pop(L, 1);
    return v;
}

/* _sampler{cell =, layers =, vocab = (V) code points, embed =, hidden =, embedding =,
 *          w_ih = {…}, w_hh = {…}, b_ih = {…}, b_hh = {…}, w_out =, b_out =} */
static int text_sampler(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    sampler_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->s = NULL;
    u->vocab = NULL;
    luaL_setmetatable(L, SAMPLER_MT);
    lua_getfield(L, 1, "cell");
    const char *cell = luaL_checkstring(L, -1);
    wk_cell kind = strcmp(cell, "gru") == 0 ? WK_CELL_GRU : WK_CELL_LSTM;
    lua_pop(L, 1);
    int layers = cfg_int(L, 1, "layers"), E = cfg_int(L, 1, "embed"), H = cfg_int(L, 1, "hidden");
    if (layers < 1 || layers > 64) return luaL_error(L, "sampler: bad layer count %d", layers);
    lua_getfield(L, 1, "vocab");
    size_t nv;
    u->vocab = check_codes(L, -1, &nv, "sampler");
    lua_pop(L, 1);
    u->V = (int)nv;
    int G = kind == WK_CELL_LSTM ? 4 : 3;
    const float *w_ih[64], *w_hh[64], *b_ih[64], *b_hh[64];
    const char *names[4] = {"w_ih", "w_hh", "b_ih", "b_hh"};
    const float **dst[4] = {w_ih, w_hh, b_ih, b_hh};
    for (int k = 0; k < 4; k++) {
        lua_getfield(L, 1, names[k]);
        int list = lua_gettop(L);
        luaL_checktype(L, list, LUA_TTABLE);
        for (int l = 0; l < layers; l++) {
            int64_t want = k == 0 ? (int64_t)G * H * (l == 0 ? E : H) : k == 1 ? (int64_t)G * H * H : (int64_t)G * H;
            lua_rawgeti(L, list, l + 1);
            dst[k][l] = top_data(L, names[k], l + 1, k >= 2, want);
        }
        lua_pop(L, 1);
    }
    wk_charrnn_weights w = {
        .cell = kind, .layers = layers, .vocab = u->V, .embed = E, .hidden = H,
        .embedding = field_data(L, 1, "embedding", 0, (int64_t)u->V * E),
        .w_ih = w_ih, .w_hh = w_hh, .b_ih = b_ih, .b_hh = b_hh,
        .w_out = field_data(L, 1, "w_out", 0, (int64_t)u->V * H),
        .b_out = field_data(L, 1, "b_out", 1, u->V),
    };
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
    lua_Integer id = luaL_checkinteger(L, 2);
    if (wk_charrnn_feed(u->s, (int)id - 1) != WK_OK) return wk_lua_fail(L, "sampler");
    return 0;
}

static void check_draw_args(lua_State *L, int at, float *temp, int *top_k, float *top_p)
{
    *temp = (float)luaL_checknumber(L, at);
    *top_k = (int)luaL_checkinteger(L, at + 1);
    *top_p = (float)luaL_checknumber(L, at + 2);
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
    lua_Integer n = luaL_checkinteger(L, 2);
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
    {"_rdb_strings", text_rdb_strings}, {"_gunzip", text_gunzip}, {"_sampler", text_sampler},
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
