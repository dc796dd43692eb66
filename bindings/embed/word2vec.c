/* word2vec.c — the wick.Word2Vec userdata (a table of word vectors with its vocabulary)
 * and the raw functions behind wick.embed.word2vec / load_vectors / glove, which the
 * sugar in word2vec.lua wraps with options and documentation.
 *
 * The userdata is created empty before lib fills it, so a failed training or load never
 * leaks; __gc, __close and :free() release it idempotently. Words missing from the
 * vocabulary raise an error naming every missing word. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/core/file.h"
#include "../../lib/core/rng.h"
#include "../../lib/embed/word2vec.h"
#include "../core/wk_lua.h"

#define W2V_MT "wick.Word2Vec"

typedef struct w2v_ud {
    wk_wordvec v;   /* v.vec NULL: empty or freed */
} w2v_ud;

static w2v_ud *push_empty(lua_State *L)
{
    w2v_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, W2V_MT);
    return u;
}

/* Bytes a model holds outside Lua, for the collector (wk_lua_account_bytes). */
static size_t model_bytes(const wk_wordvec *v)
{
    return (size_t)v->n * ((size_t)v->stride * sizeof(float) + sizeof(float) + sizeof(int64_t) + sizeof(char *)) +
           (size_t)v->pool_size + (size_t)v->hash_size * sizeof(int64_t);
}

static wk_wordvec *check_model(lua_State *L, int idx)
{
    w2v_ud *u = luaL_checkudata(L, idx, W2V_MT);
    if (!u->v.vec) luaL_error(L, "attempt to use a freed word2vec model");
    return &u->v;
}

static int w2v_gc(lua_State *L)
{
    w2v_ud *u = luaL_checkudata(L, 1, W2V_MT);
    wk_wordvec_free(&u->v);
    return 0;
}

/* The word at idx (a string), or raise naming fname. */
static const char *check_string(lua_State *L, int idx, const char *fname)
{
    if (lua_type(L, idx) != LUA_TSTRING) luaL_error(L, "%s: expected a word (a string), got %s", fname, luaL_typename(L, idx));
    return lua_tostring(L, idx);
}

/* Row of the word at idx, or raise "<fname>: word not in vocabulary: 'w'". */
static int64_t check_word(lua_State *L, const wk_wordvec *v, int idx, const char *fname)
{
    const char *w = check_string(L, idx, fname);
    int64_t r = wk_wordvec_find(v, w);
    if (r < 0) luaL_error(L, "%s: word not in vocabulary: '%s'", fname, w);
    return r;
}

/* Rows of a table of words; raises naming every missing word. Returns a malloc'd array
 * owned by a userdata left on the stack (so an error frees it). */
static int64_t *check_words(lua_State *L, const wk_wordvec *v, int idx, int64_t *n, const char *fname)
{
    if (!lua_istable(L, idx)) luaL_error(L, "%s: expected a list of words, got %s", fname, luaL_typename(L, idx));
    int64_t len = (int64_t)luaL_len(L, idx);
    if (len < 1) luaL_error(L, "%s: expected a non-empty list of words", fname);
    int64_t *rows = lua_newuserdatauv(L, len * sizeof *rows, 0);
    luaL_Buffer b;
    int missing = 0;
    luaL_buffinit(L, &b);   /* the buffer sits above rows on the stack */
    for (int64_t i = 0; i < len; i++) {
        lua_geti(L, idx, i + 1);
        const char *w = lua_tostring(L, -1);
        if (!w) luaL_error(L, "%s: word %I is a %s, expected a string", fname, (lua_Integer)(i + 1), luaL_typename(L, -1));
        rows[i] = wk_wordvec_find(v, w);
        if (rows[i] < 0) {
            if (missing < 20) {
                lua_pop(L, 1);
                luaL_addstring(&b, missing ? ", '" : "'");
                lua_geti(L, idx, i + 1);
                luaL_addvalue(&b);
                luaL_addstring(&b, "'");
            } else {
                lua_pop(L, 1);
            }
            missing++;
        } else {
            lua_pop(L, 1);
        }
    }
    luaL_pushresult(&b);
    if (missing) {
        luaL_error(L, "%s: %d word%s not in vocabulary: %s%s", fname, missing, missing > 1 ? "s" : "",
                   lua_tostring(L, -1), missing > 20 ? ", ..." : "");
    }
    lua_pop(L, 1);
    *n = len;
    return rows;
}

static void push_hits(lua_State *L, const wk_wordvec *v, const wk_wordvec_hit *hits, int64_t found)
{
    lua_createtable(L, (int)found, 0);
    for (int64_t i = 0; i < found; i++) {
        lua_createtable(L, 2, 0);
        lua_pushstring(L, v->words[hits[i].row]);
        lua_rawseti(L, -2, 1);
        lua_pushnumber(L, hits[i].score);
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, i + 1);
    }
}

/* A file path argument: a string without NUL bytes. */
static const char *check_path(lua_State *L, int idx, const char *fname)
{
    size_t n;
    const char *p = lua_tolstring(L, idx, &n);
    if (!p || lua_type(L, idx) != LUA_TSTRING) luaL_error(L, "%s: expected a file path, got %s", fname, luaL_typename(L, idx));
    if (strlen(p) != n || n == 0) luaL_error(L, "%s: a file path must be non-empty and hold no NUL byte", fname);
    return p;
}

/* ---- training and loading ------------------------------------------------------------- */

typedef struct progress_ctx {
    lua_State *L;
    int fn;        /* stack slot of the Lua progress function, 0 for none */
    int failed;    /* the function raised: its error is on the stack */
} progress_ctx;

static int call_progress(void *ud, int64_t done, int64_t total, double alpha)
{
    progress_ctx *c = ud;
    lua_pushvalue(c->L, c->fn);
    lua_pushinteger(c->L, (lua_Integer)done);
    lua_pushinteger(c->L, (lua_Integer)total);
    lua_pushnumber(c->L, alpha);
    if (lua_pcall(c->L, 3, 1, 0) != LUA_OK) {
        c->failed = 1;   /* keep the error on the stack; stop the workers, then rethrow */
        return 1;
    }
    int stop = lua_toboolean(c->L, -1);   /* true: the sketch's on_step asked to stop */
    lua_pop(c->L, 1);
    return stop;
}

/* An option of the table at t, range-checked before any cast: dim = 2^32 + 3 is an
 * error, not 3. Absent (nil) gives def. */
static int opt_int(lua_State *L, int t, const char *k, int def, int lo, int hi)
{
    int v = def;
    if (lua_getfield(L, t, k) != LUA_TNIL) v = (int)wk_lua_check_int(L, lua_gettop(L), "word2vec", k, lo, hi);
    lua_pop(L, 1);
    return v;
}

static double opt_num(lua_State *L, int t, const char *k, double def, double lo, double hi)
{
    double v = def;
    if (lua_getfield(L, t, k) != LUA_TNIL) v = wk_lua_check_finite(L, lua_gettop(L), "word2vec", k, lo, hi);
    lua_pop(L, 1);
    return v;
}

/* The largest corpus file word2vec reads whole (its token stream needs as much again). */
#define CORPUS_MAX_BYTES ((int64_t)16 << 30)

/* _train(text_or_path, opts [, progress_fn]) -> model, stats table. progress_fn(done,
 * total, lr) runs about 5 times a second on this thread; a true result stops training. */
static int w2v_train(lua_State *L)
{
    lua_settop(L, 3);
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    luaL_checktype(L, 2, LUA_TTABLE);
    wk_word2vec_opts o;
    wk_word2vec_defaults(&o);
    o.dim = opt_int(L, 2, "dim", o.dim, 1, 10000);
    o.window = opt_int(L, 2, "window", o.window, 1, 1000);
    o.min_count = opt_int(L, 2, "min_count", o.min_count, 1, INT32_MAX);
    o.epochs = opt_int(L, 2, "epochs", o.epochs, 1, 1000000);
    o.negative = opt_int(L, 2, "negative", o.negative, 1, 64);
    o.threads = opt_int(L, 2, "threads", o.threads, 1, 256);
    o.sample = opt_num(L, 2, "sample", o.sample, 0, 1);
    lua_getfield(L, 2, "model");
    const char *model = lua_isnil(L, -1) ? "skipgram" : lua_tostring(L, -1);
    if (model && !strcmp(model, "cbow")) o.cbow = 1;
    else if (!model || strcmp(model, "skipgram"))
        luaL_error(L, "word2vec: model must be \"skipgram\" or \"cbow\", got %s", model ? model : luaL_typename(L, -1));
    lua_pop(L, 1);
    /* lr and min_lr are word2vec.c's alpha and min_alpha (the learning rate) */
    o.alpha = opt_num(L, 2, "lr", o.cbow ? 0.05 : 0.025, 0, HUGE_VAL);
    if (!(o.alpha > 0)) luaL_error(L, "word2vec: lr must be a finite number > 0, got 0");
    o.min_alpha = opt_num(L, 2, "min_lr", -1, 0, HUGE_VAL);
    lua_getfield(L, 2, "seed");
    o.seed = lua_isnil(L, -1) ? wk_rng_next() : (uint64_t)wk_lua_check_int(L, lua_gettop(L), "word2vec", "seed", 0, LUA_MAXINTEGER);
    lua_pop(L, 1);
    if (!lua_isnoneornil(L, 3) && !lua_isfunction(L, 3)) luaL_error(L, "word2vec: progress must be a function");
    progress_ctx ctx = {L, 0, 0};
    if (lua_isfunction(L, 3)) {
        ctx.fn = 3;
        o.progress = call_progress;
        o.progress_ud = &ctx;
    }
    /* a string naming an existing file (one line, no NUL) is read as the corpus; the
     * buffer lives in a box (slot 4) so an error later frees it */
    wk_lua_box *file = wk_lua_push_box(L, free);
    struct stat st;
    if (len < 4096 && !memchr(text, '\n', len) && strlen(text) == len && stat(text, &st) == 0 && S_ISREG(st.st_mode)) {
        char *data;
        int64_t n;
        if (wk_file_read_all(text, CORPUS_MAX_BYTES, &data, &n)) return wk_lua_fail(L, "word2vec");
        file->p = data;
        text = data;
        len = (size_t)n;
    }
    w2v_ud *u = push_empty(L);   /* slot 5 */
    wk_word2vec_stats stats = {0};
    int rc = wk_word2vec_train(&u->v, text, len, &o, &stats);
    wk_lua_box_release(file);
    if (ctx.failed) {
        wk_wordvec_free(&u->v);
        return lua_error(L);   /* the progress function's error, still on top */
    }
    if (rc) return wk_lua_fail(L, "word2vec");
    wk_lua_account_bytes(L, model_bytes(&u->v));
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, (lua_Integer)stats.tokens);
    lua_setfield(L, -2, "tokens");
    lua_pushinteger(L, (lua_Integer)stats.kept_tokens);
    lua_setfield(L, -2, "kept_tokens");
    lua_pushinteger(L, (lua_Integer)stats.vocab);
    lua_setfield(L, -2, "vocab");
    lua_pushnumber(L, stats.scan_seconds);
    lua_setfield(L, -2, "scan_seconds");
    lua_pushnumber(L, stats.train_seconds);
    lua_setfield(L, -2, "train_seconds");
    lua_pushinteger(L, (lua_Integer)o.seed);
    lua_setfield(L, -2, "seed");
    lua_pushboolean(L, stats.stopped);
    lua_setfield(L, -2, "stopped");
    return 2;
}

static wk_wordvec_format check_format(lua_State *L, int idx, const char *fname)
{
    if (lua_isnoneornil(L, idx)) return WK_WV_AUTO;
    const char *f = lua_tostring(L, idx);
    if (!f) luaL_error(L, "%s: format must be a string, got %s", fname, luaL_typename(L, idx));
    if (!strcmp(f, "auto")) return WK_WV_AUTO;
    if (!strcmp(f, "text") || !strcmp(f, "word2vec")) return WK_WV_TEXT;
    if (!strcmp(f, "binary")) return WK_WV_BINARY;
    if (!strcmp(f, "glove")) return WK_WV_GLOVE;
    luaL_error(L, "%s: format must be \"auto\", \"text\", \"binary\" or \"glove\", got \"%s\"", fname, f);
    return WK_WV_AUTO;
}

/* _load(path, format, limit) -> model */
static int w2v_load(lua_State *L)
{
    lua_settop(L, 3);
    const char *path = check_path(L, 1, "load_vectors");
    wk_wordvec_format fmt = check_format(L, 2, "load_vectors");
    int64_t limit = lua_isnil(L, 3) ? 0 : (int64_t)wk_lua_check_int(L, 3, "load_vectors", "limit", 0, LUA_MAXINTEGER);
    w2v_ud *u = push_empty(L);
    if (wk_wordvec_load(&u->v, path, fmt, limit)) return wk_lua_fail(L, "load_vectors");
    wk_lua_account_bytes(L, model_bytes(&u->v));
    return 1;
}

/* _convert_wink(json_path, out_path) -> words */
static int w2v_convert_wink(lua_State *L)
{
    const char *json = check_path(L, 1, "glove"), *out = check_path(L, 2, "glove");
    int64_t words = 0;
    if (wk_wordvec_convert_wink_json(json, out, &words)) return wk_lua_fail(L, "glove");
    lua_pushinteger(L, (lua_Integer)words);
    return 1;
}

/* _writable(dir) -> whether this process may create files in dir (no probe file
 * is written: a predictable name in a shared folder could be a planted link). */
static int w2v_writable(lua_State *L)
{
    const char *dir = check_path(L, 1, "glove");
    lua_pushboolean(L, access(dir, W_OK | X_OK) == 0);
    return 1;
}

/* ---- methods -------------------------------------------------------------------------- */

static int64_t opt_restrict(lua_State *L, int idx, const char *fname)
{
    if (lua_isnoneornil(L, idx)) return 0;
    return (int64_t)wk_lua_check_int(L, idx, fname, "restrict", 0, LUA_MAXINTEGER);
}

/* m:_nearest(word_or_vector, k, restrict) */
static int w2v_nearest(lua_State *L)
{
    lua_settop(L, 4);
    wk_wordvec *v = check_model(L, 1);
    lua_Integer k = lua_isnil(L, 3) ? 10 : wk_lua_check_int(L, 3, "nearest", "k", 1, LUA_MAXINTEGER);
    int64_t restrict_n = opt_restrict(L, 4, "nearest");
    if (k > v->n) k = v->n;
    int64_t ex = -1;
    const float *q;
    wk_tensor *t = wk_lua_test_tensor(L, 2);
    if (t) {
        if (wk_tensor_numel(t) != v->dim)
            return luaL_error(L, "nearest: the query vector must have %I numbers, got %I", (lua_Integer)v->dim,
                              (lua_Integer)wk_tensor_numel(t));
        const wk_tensor *c = wk_lua_contiguous(L, 2, "nearest");
        q = wk_tensor_data(c);
        for (int64_t d = 0; d < v->dim; d++)
            if (!isfinite(q[d])) return luaL_error(L, "nearest: the query vector holds NaN or inf");
    } else {
        if (lua_type(L, 2) != LUA_TSTRING)
            return luaL_error(L, "nearest: expected a word or a vector tensor, got %s", luaL_typename(L, 2));
        ex = check_word(L, v, 2, "nearest");
        q = wk_wordvec_row(v, ex);
    }
    wk_wordvec_hit *hits = wk_lua_alloc(L, (size_t)k * sizeof *hits, "nearest");
    int64_t found;
    if (wk_wordvec_nearest(hits, k, &found, v, q, &ex, ex >= 0, restrict_n)) return wk_lua_fail(L, "nearest");
    push_hits(L, v, hits, found);
    return 1;
}

/* m:_analogy(a, b, c, k, method, restrict): each of a, b, c is checked on its own (a
 * list {a, nil, c} would have length 1 and leave b and c unread). */
static int w2v_analogy(lua_State *L)
{
    lua_settop(L, 7);
    wk_wordvec *v = check_model(L, 1);
    const char *which[3] = {"a", "b", "c"};
    int64_t r[3];
    int missing = 0;
    luaL_Buffer b;
    for (int i = 0; i < 3; i++)
        if (lua_type(L, 2 + i) != LUA_TSTRING)
            return luaL_error(L, "analogy: word %s must be a string, got %s", which[i], luaL_typename(L, 2 + i));
    lua_Integer k = lua_isnil(L, 5) ? 10 : wk_lua_check_int(L, 5, "analogy", "k", 1, LUA_MAXINTEGER);
    const char *m = lua_isnil(L, 6) ? "add" : lua_tostring(L, 6);
    wk_analogy_method method = m && !strcmp(m, "add") ? WK_ANALOGY_ADD : m && !strcmp(m, "mul") ? WK_ANALOGY_MUL : (wk_analogy_method)-1;
    if ((int)method < 0) return luaL_error(L, "analogy: method must be \"add\" or \"mul\", got %s", m ? m : luaL_typename(L, 6));
    int64_t restrict_n = opt_restrict(L, 7, "analogy");
    luaL_buffinit(L, &b);
    for (int i = 0; i < 3; i++) {
        r[i] = wk_wordvec_find(v, lua_tostring(L, 2 + i));
        if (r[i] < 0) {
            luaL_addstring(&b, missing ? ", '" : "'");
            luaL_addstring(&b, lua_tostring(L, 2 + i));
            luaL_addstring(&b, "'");
            missing++;
        }
    }
    luaL_pushresult(&b);
    if (missing)
        return luaL_error(L, "analogy: %d word%s not in vocabulary: %s", missing, missing > 1 ? "s" : "", lua_tostring(L, -1));
    lua_pop(L, 1);
    if (k > v->n) k = v->n;
    wk_wordvec_hit *hits = wk_lua_alloc(L, (size_t)k * sizeof *hits, "analogy");
    int64_t found;
    if (wk_wordvec_analogy(hits, k, &found, v, r[0], r[1], r[2], method, restrict_n)) return wk_lua_fail(L, "analogy");
    push_hits(L, v, hits, found);
    return 1;
}

/* m:similarity(words) -> (N, N) cosines */
static int w2v_similarity(lua_State *L)
{
    lua_settop(L, 2);
    wk_wordvec *v = check_model(L, 1);
    int64_t n;
    int64_t *r = check_words(L, v, 2, &n, "similarity");
    if (!v->inv_norm && wk_wordvec_norms(v)) return wk_lua_fail(L, "similarity");
    int64_t shape[2] = {n, n};
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_new(t, 2, shape)) return wk_lua_fail(L, "similarity");
    float *out = wk_tensor_data(t);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            const float *a = wk_wordvec_row(v, r[i]), *b = wk_wordvec_row(v, r[j]);
            double s = 0;
            for (int64_t d = 0; d < v->dim; d++) s += (double)a[d] * b[d];
            out[i * n + j] = (float)(s * v->inv_norm[r[i]] * v->inv_norm[r[j]]);
        }
    wk_lua_account(L, t);
    return 1;
}

static void copy_rows(float *out, const wk_wordvec *v, const int64_t *rows, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        memcpy(out + i * v->dim, wk_wordvec_row(v, rows ? rows[i] : i), v->dim * sizeof(float));
}

/* m:vector(word) -> (dim) */
static int w2v_vector(lua_State *L)
{
    lua_settop(L, 2);
    wk_wordvec *v = check_model(L, 1);
    int64_t r = check_word(L, v, 2, "vector");
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_new(t, 1, &v->dim)) return wk_lua_fail(L, "vector");
    copy_rows(wk_tensor_data(t), v, &r, 1);
    wk_lua_account(L, t);
    return 1;
}

/* m:vectors([words]) -> (N, dim); every row when words is nil */
static int w2v_vectors(lua_State *L)
{
    lua_settop(L, 2);
    wk_wordvec *v = check_model(L, 1);
    int64_t n = v->n, *r = NULL;
    if (!lua_isnil(L, 2)) r = check_words(L, v, 2, &n, "vectors");
    int64_t shape[2] = {n, v->dim};
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_new(t, 2, shape)) return wk_lua_fail(L, "vectors");
    copy_rows(wk_tensor_data(t), v, r, n);
    wk_lua_account(L, t);
    return 1;
}

/* m:_evaluate(path, restrict, method) -> {sections = {{name, correct, seen, total, accuracy}}, ...} */
static int w2v_evaluate(lua_State *L)
{
    lua_settop(L, 4);
    wk_wordvec *v = check_model(L, 1);
    const char *path = check_path(L, 2, "evaluate");
    int64_t restrict_n = opt_restrict(L, 3, "evaluate");
    const char *m = lua_isnil(L, 4) ? "add" : lua_tostring(L, 4);
    if (!m || (strcmp(m, "add") && strcmp(m, "mul")))
        return luaL_error(L, "evaluate: method must be \"add\" or \"mul\", got %s", m ? m : luaL_typename(L, 4));
    wk_analogy_result res;
    if (wk_wordvec_evaluate(&res, v, path, restrict_n, !strcmp(m, "mul") ? WK_ANALOGY_MUL : WK_ANALOGY_ADD))
        return wk_lua_fail(L, "evaluate");
#define SETN(k, x) (lua_pushinteger(L, (lua_Integer)(x)), lua_setfield(L, -2, k))
#define SETF(k, x) (lua_pushnumber(L, (x)), lua_setfield(L, -2, k))
    lua_newtable(L);
    lua_createtable(L, res.n_sections, 0);
    for (int i = 0; i < res.n_sections; i++) {
        wk_analogy_section *s = &res.sections[i];
        lua_createtable(L, 0, 5);
        lua_pushstring(L, s->name);
        lua_setfield(L, -2, "name");
        SETN("correct", s->correct);
        SETN("seen", s->seen);
        SETN("total", s->total);
        SETF("accuracy", s->seen ? (double)s->correct / s->seen : 0.0);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "sections");
    SETN("correct", res.correct);
    SETN("seen", res.seen);
    SETN("total", res.total);
    SETF("accuracy", res.seen ? (double)res.correct / res.seen : 0.0);
    SETF("coverage", res.total ? (double)res.seen / res.total : 0.0);
    SETF("semantic", res.sem_seen ? (double)res.sem_correct / res.sem_seen : 0.0);
    SETF("syntactic", res.syn_seen ? (double)res.syn_correct / res.syn_seen : 0.0);
    SETN("restrict", restrict_n);
#undef SETN
#undef SETF
    wk_analogy_result_free(&res);
    return 1;
}

/* m:_save(path, format) */
static int w2v_save(lua_State *L)
{
    lua_settop(L, 3);
    wk_wordvec *v = check_model(L, 1);
    const char *path = check_path(L, 2, "save");
    wk_wordvec_format fmt = check_format(L, 3, "save");
    if (fmt == WK_WV_AUTO) fmt = WK_WV_BINARY;
    if (wk_wordvec_save(v, path, fmt)) return wk_lua_fail(L, "save");
    return 0;
}

/* m:words([n]) -> the first n words (all by default), most frequent first */
static int w2v_words(lua_State *L)
{
    wk_wordvec *v = check_model(L, 1);
    lua_Integer n = lua_isnoneornil(L, 2) ? v->n : wk_lua_check_int(L, 2, "words", "n", 0, LUA_MAXINTEGER);
    if (n > v->n) n = v->n;
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 0; i < n; i++) {
        lua_pushstring(L, v->words[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* m:count(word) -> corpus count (0 if unknown or loaded from a file) */
static int w2v_count(lua_State *L)
{
    wk_wordvec *v = check_model(L, 1);
    int64_t r = wk_wordvec_find(v, check_string(L, 2, "count"));
    lua_pushinteger(L, r < 0 ? 0 : (lua_Integer)v->counts[r]);
    return 1;
}

/* m:has(word) -> boolean */
static int w2v_has(lua_State *L)
{
    wk_wordvec *v = check_model(L, 1);
    lua_pushboolean(L, wk_wordvec_find(v, check_string(L, 2, "has")) >= 0);
    return 1;
}

/* m:index(word) -> 1-based row (frequency rank) or nil */
static int w2v_index(lua_State *L)
{
    wk_wordvec *v = check_model(L, 1);
    int64_t r = wk_wordvec_find(v, check_string(L, 2, "index"));
    if (r < 0) lua_pushnil(L);
    else lua_pushinteger(L, (lua_Integer)r + 1);
    return 1;
}

static int w2v_dim(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)check_model(L, 1)->dim);
    return 1;
}

static int w2v_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)check_model(L, 1)->n);
    return 1;
}

static int w2v_tostring(lua_State *L)
{
    w2v_ud *u = luaL_checkudata(L, 1, W2V_MT);
    if (!u->v.vec) lua_pushstring(L, "wick.Word2Vec (freed)");
    else lua_pushfstring(L, "wick.Word2Vec: %I words x %I dims", (lua_Integer)u->v.n, (lua_Integer)u->v.dim);
    return 1;
}

static const luaL_Reg w2v_methods[] = {
    {"_nearest", w2v_nearest}, {"_analogy", w2v_analogy}, {"similarity", w2v_similarity},
    {"vector", w2v_vector}, {"vectors", w2v_vectors}, {"_evaluate", w2v_evaluate},
    {"_save", w2v_save}, {"words", w2v_words}, {"count", w2v_count}, {"has", w2v_has},
    {"index", w2v_index}, {"dim", w2v_dim}, {"free", w2v_gc}, {NULL, NULL}};

static const luaL_Reg w2v_funcs[] = {
    {"_train", w2v_train}, {"_load", w2v_load}, {"_convert_wink", w2v_convert_wink}, {"_writable", w2v_writable}, {NULL, NULL}};

int luaopen_wick_word2vec(lua_State *L)
{
    luaL_newlib(L, w2v_funcs);
    if (luaL_newmetatable(L, W2V_MT)) {   /* once per Lua state, even if wick loads twice */
        luaL_newlib(L, w2v_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, w2v_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, w2v_gc);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, w2v_len);
        lua_setfield(L, -2, "__len");
        lua_pushcfunction(L, w2v_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_getfield(L, -1, "__index");
    lua_setfield(L, -3, "methods");   /* the sugar adds option-taking wrappers here */
    lua_pop(L, 1);
    return 1;
}
