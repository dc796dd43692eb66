/* lda.c — the wick.LDA userdata (a topic model with its vocabulary) and the raw
 * functions behind wick.embed.lda, which the sugar in lda.lua wraps with options,
 * tokenizing, progress and documentation:
 *
 *   lda._new(docs, topics, alpha, beta, seed, min_count) -> model   (docs: lists of strings)
 *   m:_step(n), m:log_likelihood(), m:doc_topics(), m:topic_words(), m:vocab(),
 *   m:_infer(docs, iterations, seed) -> (D, K), m:_completion(docs, iterations, seed)
 *   -> log_p, scored, m:iteration(), m:topics(), m:tokens(), #m (documents), m:free()
 *
 * Documents arrive as Lua lists of words. The vocabulary is built here through a Lua
 * table (word -> id; Lua has interned every string already), in order of first
 * appearance, and kept in the userdata's user value: 1 = the list of words, 2 = the
 * word -> 0-based id table. The userdata is created empty before lib builds the model,
 * so an error never leaks; __gc, __close and :free() release it idempotently. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/embed/lda.h"
#include "../core/wk_lua.h"

#define LDA_MT "wick.LDA"

typedef struct lda_ud {
    wk_lda *m;
    int64_t docs;
} lda_ud;

static wk_lda *check_lda(lua_State *L, int idx)
{
    lda_ud *u = luaL_checkudata(L, idx, LDA_MT);
    if (!u->m) luaL_error(L, "attempt to use a freed LDA model");
    return u->m;
}

static int lda_gc(lua_State *L)
{
    lda_ud *u = luaL_checkudata(L, 1, LDA_MT);
    wk_lda_free(u->m);
    u->m = NULL;
    return 0;
}

/* Token arrays of a list of documents, boxed on the stack (two boxes: words, offsets).
 * index_slot: the word -> id table; with grow set, new words get new ids and are
 * appended to the list at list_slot (only words whose count in count_slot reaches
 * min_count; others are dropped). Without grow, unknown words become -1 (skipped by
 * lib). A token that is not a string is an error naming the document and position. */
static void gather_docs(lua_State *L, int docs_slot, int index_slot, int list_slot, int count_slot, lua_Integer min_count,
                        int grow, const char *fname, int32_t **words_out, int64_t **ds_out, int64_t *n_docs)
{
    if (!lua_istable(L, docs_slot)) luaL_error(L, "%s: documents must be a list, got %s", fname, luaL_typename(L, docs_slot));
    /* raw lengths and reads: the first pass sizes the buffers the second fills, so
     * both must see the same lists (a __len or __index could answer differently) */
    int64_t D = (int64_t)lua_rawlen(L, docs_slot), N = 0;
    if (D < 1) luaL_error(L, "%s: no documents (an empty list)", fname);
    for (int64_t d = 1; d <= D; d++) {
        if (lua_rawgeti(L, docs_slot, d) != LUA_TTABLE)
            luaL_error(L, "%s: document %I must be a list of words, got %s", fname, (lua_Integer)d, luaL_typename(L, -1));
        N += (int64_t)lua_rawlen(L, -1);
        lua_pop(L, 1);
    }
    int64_t *ds = wk_lua_alloc(L, (size_t)(D + 1) * sizeof *ds, fname);
    int32_t *w = wk_lua_alloc(L, (size_t)(N ? N : 1) * sizeof *w, fname);
    int64_t n = 0, next_id = grow ? (int64_t)luaL_len(L, list_slot) : 0;
    ds[0] = 0;
    for (int64_t d = 1; d <= D; d++) {
        lua_rawgeti(L, docs_slot, d);
        int64_t len = (int64_t)lua_rawlen(L, -1);
        for (int64_t i = 1; i <= len; i++) {
            if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
                luaL_error(L, "%s: document %I, word %I is a %s, expected a string", fname, (lua_Integer)d,
                           (lua_Integer)i, luaL_typename(L, -1));
            lua_pushvalue(L, -1);
            int id_type = lua_rawget(L, index_slot);
            int64_t id = -1;
            if (id_type == LUA_TNUMBER) {
                id = (int64_t)lua_tointeger(L, -1);
            } else if (grow) {
                int keep = 1;
                if (count_slot) {
                    lua_pushvalue(L, -2);
                    lua_rawget(L, count_slot);
                    keep = lua_tointeger(L, -1) >= min_count;
                    lua_pop(L, 1);
                }
                if (keep) {
                    if (next_id >= INT32_MAX) luaL_error(L, "%s: more than 2^31 distinct words", fname);
                    id = next_id++;
                    lua_pushvalue(L, -2);
                    lua_pushinteger(L, (lua_Integer)id);
                    lua_rawset(L, index_slot);
                    lua_pushvalue(L, -2);
                    lua_rawseti(L, list_slot, (lua_Integer)id + 1);
                }
            }
            lua_pop(L, 2);
            if (id >= 0 || !grow) {
                if (n >= N) luaL_error(L, "%s: the documents changed while being read", fname);   /* never, with raw reads */
                w[n++] = (int32_t)id;
            }
        }
        lua_pop(L, 1);
        ds[d] = n;
    }
    *words_out = w;
    *ds_out = ds;
    *n_docs = D;
}

/* Word counts over all documents into a new table (pushed). */
static void count_words(lua_State *L, int docs_slot)
{
    lua_newtable(L);
    int t = lua_gettop(L);
    int64_t D = (int64_t)luaL_len(L, docs_slot);
    for (int64_t d = 1; d <= D; d++) {
        lua_geti(L, docs_slot, d);
        int64_t len = lua_istable(L, -1) ? (int64_t)luaL_len(L, -1) : 0;
        for (int64_t i = 1; i <= len; i++) {
            lua_geti(L, -1, i);
            if (lua_type(L, -1) == LUA_TSTRING) {
                lua_pushvalue(L, -1);
                lua_rawget(L, t);
                lua_Integer c = lua_tointeger(L, -1);
                lua_pop(L, 1);
                lua_pushinteger(L, c + 1);
                lua_rawset(L, t);
            } else {
                lua_pop(L, 1);   /* gather_docs names it */
            }
        }
        lua_pop(L, 1);
    }
}

/* _new(docs, topics, alpha, beta, seed, min_count) -> model */
static int lda_new(lua_State *L)
{
    lua_settop(L, 6);
    int topics = (int)wk_lua_check_int(L, 2, "lda", "topics", 1, WK_LDA_MAX_TOPICS);
    double alpha = wk_lua_check_finite(L, 3, "lda", "alpha", 0, HUGE_VAL);
    double beta = wk_lua_check_finite(L, 4, "lda", "beta", 0, HUGE_VAL);
    if (!(alpha > 0)) return luaL_error(L, "lda: alpha must be a finite number > 0, got 0");
    if (!(beta > 0)) return luaL_error(L, "lda: beta must be a finite number > 0, got 0");
    uint64_t seed = (uint64_t)wk_lua_check_int(L, 5, "lda", "seed", 0, LUA_MAXINTEGER);
    lua_Integer min_count = wk_lua_check_int(L, 6, "lda", "min_count", 1, LUA_MAXINTEGER);
    lua_newtable(L);   /* 7: word list */
    lua_newtable(L);   /* 8: word -> id */
    int count_slot = 0;
    if (min_count > 1) {
        if (!lua_istable(L, 1)) return luaL_error(L, "lda: documents must be a list, got %s", luaL_typename(L, 1));
        count_words(L, 1);   /* 9 */
        count_slot = 9;
    } else {
        lua_pushnil(L);
    }
    int32_t *w;
    int64_t *ds, D;
    gather_docs(L, 1, 8, 7, count_slot, min_count, 1, "lda", &w, &ds, &D);   /* boxes at 10, 11 */
    int64_t V = (int64_t)luaL_len(L, 7);
    if (ds[D] == 0)
        return luaL_error(L, "lda: the documents hold no words%s", min_count > 1 ? " seen min_count times" : "");
    lda_ud *u = lua_newuserdatauv(L, sizeof *u, 2);
    u->m = NULL;
    u->docs = D;
    luaL_setmetatable(L, LDA_MT);
    wk_lda_opts o = {topics, alpha, beta, seed};
    if (wk_lda_new(&u->m, w, ds, D, V, &o)) return wk_lua_fail(L, "lda");
    lua_pushvalue(L, 7);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, 8);
    lua_setiuservalue(L, -2, 2);
    wk_lua_account_bytes(L, (size_t)ds[D] * 6 + (size_t)V * (16 + 8 * (size_t)topics));
    return 1;
}

/* m:_step(n) */
static int lda_step(lua_State *L)
{
    wk_lda *m = check_lda(L, 1);
    int n = lua_isnoneornil(L, 2) ? 1 : (int)wk_lua_check_int(L, 2, "step", "n", 0, INT32_MAX);
    if (wk_lda_sweep(m, n)) return wk_lua_fail(L, "step");
    return 0;
}

static int lda_log_likelihood(lua_State *L)
{
    double ll = wk_lda_log_likelihood(check_lda(L, 1));
    if (isnan(ll)) return luaL_error(L, "log_likelihood: out of memory");
    lua_pushnumber(L, ll);
    return 1;
}

static int lda_doc_topics(lua_State *L)
{
    wk_lda *m = check_lda(L, 1);
    lda_ud *u = lua_touserdata(L, 1);
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_new(t, 2, (int64_t[]){u->docs, wk_lda_topics(m)})) return wk_lua_fail(L, "doc_topics");
    wk_lda_doc_topics(m, wk_tensor_data(t));
    wk_lua_account(L, t);
    return 1;
}

static int lda_topic_words(lua_State *L)
{
    wk_lda *m = check_lda(L, 1);
    lua_getiuservalue(L, 1, 1);
    int64_t V = (int64_t)luaL_len(L, -1);
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_new(t, 2, (int64_t[]){wk_lda_topics(m), V})) return wk_lua_fail(L, "topic_words");
    wk_lda_topic_words(m, wk_tensor_data(t));
    wk_lua_account(L, t);
    return 1;
}

/* m:vocab() -> a fresh list of the words (id order) */
static int lda_vocab(lua_State *L)
{
    check_lda(L, 1);
    lua_getiuservalue(L, 1, 1);
    int64_t V = (int64_t)luaL_len(L, -1);
    lua_createtable(L, (int)V, 0);
    for (int64_t i = 1; i <= V; i++) {
        lua_geti(L, -2, i);
        lua_rawseti(L, -2, i);
    }
    return 1;
}

/* m:_infer(docs, iterations, seed) -> (D, K) */
static int lda_infer(lua_State *L)
{
    lua_settop(L, 4);
    wk_lda *m = check_lda(L, 1);
    int iters = (int)wk_lua_check_int(L, 3, "infer", "iterations", 1, INT32_MAX);
    uint64_t seed = (uint64_t)wk_lua_check_int(L, 4, "infer", "seed", 0, LUA_MAXINTEGER);
    lua_getiuservalue(L, 1, 2);   /* 5 */
    int32_t *w;
    int64_t *ds, D;
    gather_docs(L, 2, 5, 0, 0, 1, 0, "infer", &w, &ds, &D);
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_new(t, 2, (int64_t[]){D, wk_lda_topics(m)})) return wk_lua_fail(L, "infer");
    if (wk_lda_infer(m, wk_tensor_data(t), w, ds, D, iters, seed)) return wk_lua_fail(L, "infer");
    wk_lua_account(L, t);
    return 1;
}

/* m:_completion(docs, iterations, seed) -> log_p, scored */
static int lda_completion(lua_State *L)
{
    lua_settop(L, 4);
    wk_lda *m = check_lda(L, 1);
    int iters = (int)wk_lua_check_int(L, 3, "perplexity", "iterations", 1, INT32_MAX);
    uint64_t seed = (uint64_t)wk_lua_check_int(L, 4, "perplexity", "seed", 0, LUA_MAXINTEGER);
    lua_getiuservalue(L, 1, 2);
    int32_t *w;
    int64_t *ds, D, scored;
    double lp;
    gather_docs(L, 2, 5, 0, 0, 1, 0, "perplexity", &w, &ds, &D);
    if (wk_lda_completion(m, &lp, &scored, w, ds, D, iters, seed)) return wk_lua_fail(L, "perplexity");
    lua_pushnumber(L, lp);
    lua_pushinteger(L, (lua_Integer)scored);
    return 2;
}

static int lda_iteration(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)wk_lda_iterations(check_lda(L, 1)));
    return 1;
}

static int lda_topics(lua_State *L)
{
    lua_pushinteger(L, wk_lda_topics(check_lda(L, 1)));
    return 1;
}

static int lda_tokens(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)wk_lda_tokens(check_lda(L, 1)));
    return 1;
}

static int lda_len(lua_State *L)
{
    check_lda(L, 1);
    lua_pushinteger(L, (lua_Integer)((lda_ud *)lua_touserdata(L, 1))->docs);
    return 1;
}

static int lda_tostring(lua_State *L)
{
    lda_ud *u = luaL_checkudata(L, 1, LDA_MT);
    if (!u->m) {
        lua_pushstring(L, "wick.LDA (freed)");
        return 1;
    }
    lua_getiuservalue(L, 1, 1);
    lua_pushfstring(L, "wick.LDA: %d topics, %I documents, %I words, %I tokens, %I sweeps", wk_lda_topics(u->m),
                    (lua_Integer)u->docs, (lua_Integer)luaL_len(L, -1), (lua_Integer)wk_lda_tokens(u->m),
                    (lua_Integer)wk_lda_iterations(u->m));
    return 1;
}

static const luaL_Reg lda_methods[] = {
    {"_step", lda_step}, {"log_likelihood", lda_log_likelihood}, {"doc_topics", lda_doc_topics},
    {"topic_words", lda_topic_words}, {"vocab", lda_vocab}, {"_infer", lda_infer}, {"_completion", lda_completion},
    {"iteration", lda_iteration}, {"topics", lda_topics}, {"tokens", lda_tokens}, {"free", lda_gc}, {NULL, NULL}};

static const luaL_Reg lda_funcs[] = {{"_new", lda_new}, {NULL, NULL}};

int luaopen_wick_lda(lua_State *L)
{
    luaL_newlib(L, lda_funcs);
    if (luaL_newmetatable(L, LDA_MT)) {
        luaL_newlib(L, lda_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, lda_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, lda_gc);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, lda_len);
        lua_setfield(L, -2, "__len");
        lua_pushcfunction(L, lda_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_getfield(L, -1, "__index");
    lua_setfield(L, -3, "methods");   /* the sugar adds option-taking wrappers here */
    lua_pop(L, 1);
    return 1;
}
