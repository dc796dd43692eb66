/* embed.c — the C half of wick.embed: PCA, the t-SNE object and grid snapping.
 * bindings/embed/embed.lua adds the public functions (options checked and defaulted there,
 * so this file reads tables whose keys are known to be present):
 *
 *   embed._pca(x, k)            -> projection (N,k), components (k,D), variance (k), mean (D)
 *   embed._tsne_new(x, opts)    -> a wick.TSNE: t:step([n]), t:positions(), t:kl([exact]),
 *                                  t:iteration(), t:method(), t:free()
 *   embed._grid(points, cols, rows [, leaf]) -> cells (N, 1-based), total squared distance
 *                                  (leaf: the split fast path, lap.h)
 *
 * The t-SNE userdata is created empty before its C object exists, so an error while
 * building P leaks nothing; __gc, __close and :free() release it idempotently. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/embed/lap.h"
#include "../../lib/embed/pca.h"
#include "../../lib/embed/tsne.h"
#include "../core/wk_lua.h"

#define TSNE_MT "wick.TSNE"

typedef struct lua_tsne {
    wk_tsne *t;
} lua_tsne;

/* Every function follows wk_lua.h's one pattern: arguments and options are checked
 * first, contiguous copies are tensors on the stack (wk_lua_contiguous), scratch is a
 * boxed buffer, so a bad option or a failed kernel leaks nothing. */

/* The tensor at idx, which must be 2-D (N, D). */
static wk_tensor *check_matrix(lua_State *L, int idx, const char *fname, const char *what)
{
    wk_tensor *x = wk_lua_test_tensor(L, idx);
    if (!x) luaL_error(L, "%s: %s must be a tensor, got %s", fname, what, luaL_typename(L, idx));
    if (x->ndim != 2) {
        char buf[96];
        wk_tensor_shape_str(x, buf, sizeof buf);
        luaL_error(L, "%s: %s must be 2-D (N, D), got %s", fname, what, buf);
    }
    return x;
}

/* ---- PCA ------------------------------------------------------------------------- */

static int embed_pca(lua_State *L)
{
    lua_settop(L, 2);
    wk_tensor *xin = check_matrix(L, 1, "pca", "input");
    int64_t n = xin->shape[0], d = xin->shape[1];
    lua_Integer k = wk_lua_check_int(L, 2, "pca", "k", 1, d > 0 ? d : 1);
    const wk_tensor *x = wk_lua_contiguous(L, 1, "pca");   /* 3 */
    wk_tensor *proj = wk_lua_push_empty(L), *comp = wk_lua_push_empty(L);
    wk_tensor *var = wk_lua_push_empty(L), *mean = wk_lua_push_empty(L);
    int st = wk_tensor_new(proj, 2, (int64_t[]){n, k}) || wk_tensor_new(comp, 2, (int64_t[]){k, d}) ||
             wk_tensor_new(var, 1, (int64_t[]){k}) || wk_tensor_new(mean, 1, (int64_t[]){d});
    if (!st)
        st = wk_pca(wk_tensor_data(proj), wk_tensor_data(comp), wk_tensor_data(var), wk_tensor_data(mean),
                    wk_tensor_data(x), n, d, k);
    if (st) return wk_lua_fail(L, "pca");
    wk_lua_account(L, proj);
    wk_lua_account(L, comp);
    return 4;
}

/* ---- t-SNE ----------------------------------------------------------------------- */

static wk_tsne *check_tsne(lua_State *L, int idx)
{
    lua_tsne *u = luaL_checkudata(L, idx, TSNE_MT);
    if (!u->t) luaL_error(L, "attempt to use a freed t-SNE");
    return u->t;
}

/* A finite number option in [lo, hi] ("tsne: perplexity must be …, got …"). */
static double num_field(lua_State *L, int idx, const char *key, double lo, double hi)
{
    lua_getfield(L, idx, key);
    double v = wk_lua_check_finite(L, lua_gettop(L), "tsne", key, lo, hi);
    lua_pop(L, 1);
    return v;
}

static int int_field(lua_State *L, int idx, const char *key, int lo, int hi)
{
    lua_getfield(L, idx, key);
    int v = (int)wk_lua_check_int(L, lua_gettop(L), "tsne", key, lo, hi);
    lua_pop(L, 1);
    return v;
}

static int embed_tsne_new(lua_State *L)
{
    lua_settop(L, 2);
    if (!lua_istable(L, 2)) return luaL_error(L, "tsne: options must be a table, got %s", luaL_typename(L, 2));
    wk_tensor *xin = check_matrix(L, 1, "tsne", "input");
    wk_tsne_opts o;
    wk_tsne_default_opts(&o);
    o.dims = int_field(L, 2, "dims", 2, 3);
    o.perplexity = num_field(L, 2, "perplexity", 1, 1e6);
    o.theta = num_field(L, 2, "theta", 0, 1e6);
    o.early_exaggeration = num_field(L, 2, "early_exaggeration", 1e-6, 1e6);
    o.exaggeration_iters = int_field(L, 2, "exaggeration_steps", 0, INT32_MAX);
    lua_getfield(L, 2, "lr");   /* the learning rate (wk_tsne_opts.learning_rate) */
    if (lua_type(L, -1) == LUA_TNUMBER) {
        o.learning_rate = wk_lua_check_finite(L, lua_gettop(L), "tsne", "lr", 0, HUGE_VAL);
        if (!(o.learning_rate > 0)) return luaL_error(L, "tsne: lr must be > 0 or \"auto\", got 0");
    } else if (!(lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "auto") == 0))
        return luaL_error(L, "tsne: lr must be a number or \"auto\"");
    lua_pop(L, 1);
    lua_getfield(L, 2, "method");
    const char *m = lua_isnil(L, -1) ? "auto" : lua_tostring(L, -1);
    if (m && strcmp(m, "auto") == 0) o.method = WK_TSNE_AUTO;
    else if (m && strcmp(m, "exact") == 0) o.method = WK_TSNE_EXACT;
    else if (m && strcmp(m, "bh") == 0) o.method = WK_TSNE_BH;
    else if (m && strcmp(m, "fft") == 0) o.method = WK_TSNE_FFT;
    else return luaL_error(L, "tsne: method must be \"auto\", \"exact\", \"bh\" or \"fft\", got %s", m ? m : luaL_typename(L, -1));
    lua_pop(L, 1);
    lua_getfield(L, 2, "init");   /* slot 3 */
    if (lua_type(L, 3) == LUA_TSTRING) {
        const char *s = lua_tostring(L, 3);
        if (strcmp(s, "pca") == 0) o.init_pca = 1;
        else if (strcmp(s, "random") == 0) o.init_pca = 0;
        else return luaL_error(L, "tsne: init must be \"pca\", \"random\" or an (N, dims) tensor, got \"%s\"", s);
        lua_pushnil(L);   /* slot 4: no init tensor */
    } else {
        wk_tensor *it = wk_lua_test_tensor(L, 3);
        if (!it) return luaL_error(L, "tsne: init must be \"pca\", \"random\" or an (N, dims) tensor");
        if (it->ndim != 2 || it->shape[0] != xin->shape[0] || it->shape[1] != o.dims) {
            char buf[96];
            wk_tensor_shape_str(it, buf, sizeof buf);
            return luaL_error(L, "tsne: init must be (%I, %d), got %s", (lua_Integer)xin->shape[0], o.dims, buf);
        }
        o.init = wk_tensor_data(wk_lua_contiguous(L, 3, "tsne"));   /* slot 4 */
    }
    const wk_tensor *x = wk_lua_contiguous(L, 1, "tsne");   /* slot 5 */
    lua_tsne *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->t = NULL;
    luaL_setmetatable(L, TSNE_MT);
    if (wk_tsne_new(&u->t, wk_tensor_data(x), x->shape[0], x->shape[1], &o)) return wk_lua_fail(L, "tsne");
    wk_lua_account_bytes(L, wk_tsne_bytes(u->t));
    return 1;
}

static int tsne_step(lua_State *L)
{
    wk_tsne *t = check_tsne(L, 1);
    lua_Integer n = lua_isnoneornil(L, 2) ? 1 : wk_lua_check_int(L, 2, "tsne:step", "n", 0, INT32_MAX);
    for (lua_Integer i = 0; i < n; i++)
        if (wk_tsne_step(t)) return wk_lua_fail(L, "tsne");
    return 0;
}

static int tsne_positions(lua_State *L)
{
    wk_tsne *t = check_tsne(L, 1);
    wk_tensor *y = wk_lua_push_empty(L);
    if (wk_tensor_new(y, 2, (int64_t[]){wk_tsne_n(t), wk_tsne_dims(t)})) return wk_lua_fail(L, "tsne");
    wk_tsne_positions(wk_tensor_data(y), t);
    wk_lua_account(L, y);
    return 1;
}

static int tsne_kl(lua_State *L)
{
    wk_tsne *t = check_tsne(L, 1);
    lua_pushnumber(L, wk_tsne_kl(t, lua_toboolean(L, 2)));
    return 1;
}

static int tsne_iteration(lua_State *L)
{
    lua_pushinteger(L, wk_tsne_iteration(check_tsne(L, 1)));
    return 1;
}

static int tsne_method(lua_State *L)
{
    static const char *names[] = {"auto", "exact", "bh", "fft"};
    lua_pushstring(L, names[wk_tsne_method(check_tsne(L, 1))]);
    return 1;
}

static int tsne_free(lua_State *L)
{
    lua_tsne *u = luaL_checkudata(L, 1, TSNE_MT);
    wk_tsne_free(u->t);
    u->t = NULL;
    return 0;
}

static int tsne_tostring(lua_State *L)
{
    lua_tsne *u = luaL_checkudata(L, 1, TSNE_MT);
    if (!u->t) lua_pushliteral(L, "wick.TSNE (freed)");
    else
        lua_pushfstring(L, "wick.TSNE (%I points, %d-D, iteration %d)", (lua_Integer)wk_tsne_n(u->t),
                        wk_tsne_dims(u->t), wk_tsne_iteration(u->t));
    return 1;
}

/* ---- grid ------------------------------------------------------------------------- */

static int embed_grid(lua_State *L)
{
    lua_settop(L, 4);
    wk_tensor *p = wk_lua_test_tensor(L, 1);
    if (!p) return luaL_error(L, "grid: points must be an (N, 2) tensor, got %s", luaL_typename(L, 1));
    if (p->ndim != 2 || p->shape[1] != 2) {
        char buf[96];
        wk_tensor_shape_str(p, buf, sizeof buf);
        return luaL_error(L, "grid: points must be (N, 2), got %s", buf);
    }
    lua_Integer cols = wk_lua_check_int(L, 2, "grid", "cols", 1, INT32_MAX);
    lua_Integer rows = wk_lua_check_int(L, 3, "grid", "rows", 1, INT32_MAX);
    lua_Integer leaf = lua_isnil(L, 4) ? 0 : wk_lua_check_int(L, 4, "grid", "leaf", 0, INT32_MAX);
    int64_t n = p->shape[0];
    if (n > cols * rows)
        return luaL_error(L, "grid: %I points do not fit %I x %I = %I cells", (lua_Integer)n, cols, rows, cols * rows);
    const wk_tensor *x = wk_lua_contiguous(L, 1, "grid");                        /* 5 */
    int64_t *cell = wk_lua_alloc(L, (size_t)n * sizeof *cell, "grid");          /* 6: scratch */
    wk_tensor *out = wk_lua_push_empty(L);                                        /* 7 */
    if (wk_tensor_new(out, 1, (int64_t[]){n})) return wk_lua_fail(L, "grid");
    double total = 0;
    int st = leaf > 0 ? wk_lap_grid_split(cell, &total, wk_tensor_data(x), n, cols, rows, leaf)
                      : wk_lap_grid(cell, &total, wk_tensor_data(x), n, cols, rows);
    if (st) return wk_lua_fail(L, "grid");
    float *o = wk_tensor_data(out);
    for (int64_t i = 0; i < n; i++) o[i] = (float)(cell[i] + 1);
    wk_lua_account(L, out);
    lua_pushnumber(L, total);
    return 2;
}

static const luaL_Reg tsne_methods[] = {
    {"step", tsne_step}, {"positions", tsne_positions}, {"kl", tsne_kl}, {"iteration", tsne_iteration},
    {"method", tsne_method}, {"free", tsne_free}, {NULL, NULL}};

static const luaL_Reg embed_funcs[] = {
    {"_pca", embed_pca}, {"_tsne_new", embed_tsne_new}, {"_grid", embed_grid}, {NULL, NULL}};

int luaopen_wick_embed(lua_State *L)
{
    luaL_newmetatable(L, TSNE_MT);
    luaL_newlib(L, tsne_methods);
    lua_pushvalue(L, -1);   /* embed.lua wraps step (see there), then drops this field */
    lua_insert(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, tsne_free);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, tsne_free);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, tsne_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    luaL_newlib(L, embed_funcs);
    lua_insert(L, -2);
    lua_setfield(L, -2, "_tsne_methods");
    return 1;
}
