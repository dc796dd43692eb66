/* tensor.c — the wick.Tensor Lua type: its metatable, lifecycle (gc, close, free),
 * constructors, conversion to and from Lua tables, views, 1-based indexing and
 * printing. Arithmetic, reductions and linear algebra are registered from
 * tensor_math.c, tensor_reduce.c and tensor_linalg.c into the same metatable, so the
 * type stays one Lua type while each file keeps one concern. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/core/limits.h"
#include "../../lib/core/rng.h"
#include "../../lib/tensor/scatter.h"
#include "../core/wk_lua.h"

/* Push a new tensor of shape; returns it (uninitialised or zeroed). */
static wk_tensor *push_new(lua_State *L, int ndim, const int64_t *shape, int zero, const char *fname)
{
    wk_tensor *t = wk_lua_push_empty(L);
    if ((zero ? wk_tensor_zeros : wk_tensor_new)(t, ndim, shape)) wk_lua_fail(L, fname);
    wk_lua_account(L, t);
    return t;
}

/* ---- lifecycle ------------------------------------------------------------------ */

static int tensor_gc(lua_State *L)
{
    wk_tensor *t = luaL_checkudata(L, 1, WK_TENSOR_MT);
    wk_tensor_release(t);
    return 0;
}

static int tensor_free(lua_State *L)
{
    wk_tensor *t = luaL_checkudata(L, 1, WK_TENSOR_MT);
    wk_tensor_release(t);
    return 0;
}

/* ---- constructors --------------------------------------------------------------- */

static int filled(lua_State *L, float value, const char *fname)
{
    int64_t shape[WK_MAX_DIMS];
    int n = wk_lua_check_shape(L, 1, shape, fname);
    wk_tensor *t = push_new(L, n, shape, value == 0.0f, fname);
    if (value != 0.0f) wk_tensor_fill_(t, value);
    return 1;
}

static int tensor_zeros(lua_State *L) { return filled(L, 0.0f, "zeros"); }
static int tensor_ones(lua_State *L) { return filled(L, 1.0f, "ones"); }

static int tensor_full(lua_State *L)
{
    int64_t shape[WK_MAX_DIMS];
    if (!lua_istable(L, 1)) return luaL_error(L, "full: shape must be a table, got %s", luaL_typename(L, 1));
    if (lua_type(L, 2) != LUA_TNUMBER) return luaL_error(L, "full: value must be a number, got %s", luaL_typename(L, 2));
    float value = (float)lua_tonumber(L, 2);
    int n = wk_lua_check_shape(L, 1, shape, "full");
    wk_tensor *t = push_new(L, n, shape, 0, "full");
    wk_tensor_fill_(t, value);
    return 1;
}

static int tensor_empty(lua_State *L)
{
    int64_t shape[WK_MAX_DIMS];
    int n = wk_lua_check_shape(L, 1, shape, "empty");
    push_new(L, n, shape, 0, "empty");
    return 1;
}

/* arange(stop) = 1..stop; arange(start, stop[, step]) counts like Lua's numeric for:
 * stop is included when the steps land on it. */
static int tensor_arange(lua_State *L)
{
    double start = 1, stop, step = 1;
    if (lua_isnoneornil(L, 2)) stop = wk_lua_check_finite(L, 1, "arange", "stop", -HUGE_VAL, HUGE_VAL);
    else {
        start = wk_lua_check_finite(L, 1, "arange", "start", -HUGE_VAL, HUGE_VAL);
        stop = wk_lua_check_finite(L, 2, "arange", "stop", -HUGE_VAL, HUGE_VAL);
        if (!lua_isnoneornil(L, 3)) step = wk_lua_check_finite(L, 3, "arange", "step", -HUGE_VAL, HUGE_VAL);
    }
    if (step == 0) return luaL_error(L, "arange: step must be non-zero");
    double count = floor((stop - start) / step + 1e-9) + 1;   /* may be inf: 1e308 / 1e-308 */
    if (!(count >= 0)) count = 0;
    /* refused before the cast to int64, which is undefined beyond its range */
    if (count > (double)WK_MAX_NUMEL)
        return luaL_error(L, "arange: %f elements are more than wick's limit of 2^40", (lua_Number)count);
    int64_t n = (int64_t)count;
    wk_tensor *t = push_new(L, 1, &n, 0, "arange");
    float *d = wk_tensor_data(t);
    for (int64_t i = 0; i < n; i++) d[i] = (float)(start + (double)i * step);
    return 1;
}

static int tensor_linspace(lua_State *L)
{
    double a = wk_lua_check_finite(L, 1, "linspace", "start", -HUGE_VAL, HUGE_VAL);
    double b = wk_lua_check_finite(L, 2, "linspace", "stop", -HUGE_VAL, HUGE_VAL);
    lua_Integer n = wk_lua_check_int(L, 3, "linspace", "count", 0, LUA_MAXINTEGER);
    int64_t shape = n;
    wk_tensor *t = push_new(L, 1, &shape, 0, "linspace");
    float *d = wk_tensor_data(t);
    for (int64_t i = 0; i < n; i++) d[i] = (float)(n == 1 ? a : a + (b - a) * (double)i / (double)(n - 1));
    return 1;
}

static int tensor_eye(lua_State *L)
{
    lua_Integer n = wk_lua_check_int(L, 1, "eye", "rows", 0, LUA_MAXINTEGER);
    lua_Integer m = lua_isnoneornil(L, 2) ? n : wk_lua_check_int(L, 2, "eye", "columns", 0, LUA_MAXINTEGER);
    int64_t shape[2] = {n, m};
    wk_tensor *t = push_new(L, 2, shape, 1, "eye");
    float *d = wk_tensor_data(t);
    for (int64_t i = 0; i < n && i < m; i++) d[i * m + i] = 1.0f;
    return 1;
}

static int random_fill(lua_State *L, int normal, const char *fname)
{
    int64_t shape[WK_MAX_DIMS];
    int n = wk_lua_check_shape(L, 1, shape, fname);
    wk_tensor *t = push_new(L, n, shape, 0, fname);
    float *d = wk_tensor_data(t);
    int64_t numel = wk_tensor_numel(t);
    for (int64_t i = 0; i < numel; i++) d[i] = normal ? wk_rng_normal() : wk_rng_uniform();
    return 1;
}

static int tensor_rand(lua_State *L) { return random_fill(L, 0, "rand"); }
static int tensor_randn(lua_State *L) { return random_fill(L, 1, "randn"); }

/* ---- Lua tables in and out ------------------------------------------------------ */

/* Find the shape of a nested table by following first elements. */
static int table_shape(lua_State *L, int idx, int64_t *shape)
{
    int n = 0;
    lua_pushvalue(L, idx);
    while (lua_istable(L, -1)) {
        if (n >= WK_MAX_DIMS) return luaL_error(L, "tensor: nested table is deeper than %d levels", WK_MAX_DIMS);
        shape[n++] = (int64_t)luaL_len(L, -1);
        if (shape[n - 1] == 0) break;
        lua_geti(L, -1, 1);
        lua_remove(L, -2);
    }
    lua_pop(L, 1);
    return n;
}

static void fill_from_table(lua_State *L, int idx, int depth, int ndim, const int64_t *shape, float **out, char *path)
{
    int64_t len = (int64_t)luaL_len(L, idx);
    if (len != shape[depth])
        luaL_error(L, "tensor: ragged nested table at %s: expected %I elements, got %I", path[0] ? path : "top level",
                   (lua_Integer)shape[depth], (lua_Integer)len);
    size_t plen = strlen(path);
    for (int64_t i = 1; i <= len; i++) {
        lua_geti(L, idx, i);
        snprintf(path + plen, 200 - plen, "[%lld]", (long long)i);
        if (depth == ndim - 1) {
            int ok;
            lua_Number v = lua_tonumberx(L, -1, &ok);
            if (!ok) luaL_error(L, "tensor: element %s is %s, expected a number", path, luaL_typename(L, -1));
            *(*out)++ = (float)v;
        } else {
            if (!lua_istable(L, -1))
                luaL_error(L, "tensor: ragged nested table at %s: expected a table, got %s", path, luaL_typename(L, -1));
            fill_from_table(L, lua_gettop(L), depth + 1, ndim, shape, out, path);
        }
        lua_pop(L, 1);
        path[plen] = '\0';
    }
}

/* wick.tensor(2, 3) reads like PyTorch's torch.Tensor(2, 3) but would make a 0-D tensor
 * holding 2 and drop the 3: refuse more than one value, and point at the constructor
 * that was meant. (lua_gettop counts the module table as argument 1.) */
static int refuse_extra_values(lua_State *L)
{
    int top = lua_gettop(L), numbers = 1, sizes = 1;
    while (top > 2 && lua_isnil(L, top)) top--;   /* T(x, nil) is still one value */
    if (top <= 2) return 0;
    char list[160] = "", shape[160] = "";
    for (int i = 2; i <= top; i++) {
        if (lua_type(L, i) != LUA_TNUMBER) numbers = 0;
        else if (!lua_isinteger(L, i) || lua_tointeger(L, i) < 0) sizes = 0;
        if (numbers && strlen(list) < sizeof list - 40) {
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i > 2 ? ", " : "", lua_tostring(L, i));
            snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%s", i > 2 ? "x" : "", lua_tostring(L, i));
        }
    }
    if (!numbers)
        return luaL_error(L, "tensor: takes one value (a number, a nested table or a tensor), got %d arguments",
                          top - 1);
    if (!sizes) return luaL_error(L, "tensor: takes one value, got %d numbers (%s): for a tensor holding them, T{%s}",
                                  top - 1, list, list);
    return luaL_error(L, "tensor: takes one value, got %d numbers (%s): for a %s tensor use T.zeros(%s) or "
                      "T.zeros{%s} (or T.ones, T.rand, T.randn); for a tensor holding these numbers, T{%s}",
                      top - 1, list, shape, list, list, list);
}

/* wick.tensor(x): x a number (0-D), a nested table, or a tensor (copied). */
static int tensor_call(lua_State *L)
{
    /* called as module(x): argument 1 is the module table */
    refuse_extra_values(L);
    if (lua_type(L, 2) == LUA_TNUMBER) {
        float v = (float)lua_tonumber(L, 2);
        wk_tensor *t = push_new(L, 0, NULL, 0, "tensor");
        wk_tensor_data(t)[0] = v;
        return 1;
    }
    wk_tensor *src = wk_lua_test_tensor(L, 2);
    if (src) {
        wk_tensor *t = wk_lua_push_empty(L);
        if (wk_tensor_clone(t, src)) return wk_lua_fail(L, "tensor");
        wk_lua_account(L, t);
        return 1;
    }
    if (!lua_istable(L, 2))
        return luaL_error(L, "tensor: expected a number, a nested table or a tensor, got %s", luaL_typename(L, 2));
    int64_t shape[WK_MAX_DIMS];
    int ndim = table_shape(L, 2, shape);
    wk_tensor *t = push_new(L, ndim, shape, 0, "tensor");
    if (wk_tensor_numel(t) > 0) {
        float *out = wk_tensor_data(t);
        char path[200] = "";
        fill_from_table(L, 2, 0, ndim, shape, &out, path);
    }
    return 1;
}

static void push_table(lua_State *L, const wk_tensor *t, int dim, int64_t off)
{
    const float *base = t->storage->data;
    lua_createtable(L, t->shape[dim] <= INT_MAX ? (int)t->shape[dim] : 0, 0);
    for (int64_t i = 0; i < t->shape[dim]; i++) {
        int64_t o = off + i * t->stride[dim];
        if (dim == t->ndim - 1) lua_pushnumber(L, base[o]);
        else push_table(L, t, dim + 1, o);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static int tensor_table(lua_State *L)
{
    wk_tensor *t = wk_lua_check_tensor(L, 1);
    /* a Lua number in a table takes at least 16 bytes; an expanded view may have 2^40 */
    char shape[160], what[200];
    snprintf(what, sizeof what, "table: a Lua table of a tensor of shape %s", wk_tensor_shape_str(t, shape, sizeof shape));
    if (wk_memory_check((double)wk_tensor_numel(t) * 16.0, what)) return luaL_error(L, "%s", wk_errmsg());
    if (t->ndim == 0) lua_pushnumber(L, wk_tensor_data(t)[0]);
    else push_table(L, t, 0, t->offset);
    return 1;
}

static int tensor_item(lua_State *L)
{
    wk_tensor *t = wk_lua_check_tensor(L, 1);
    char buf[160];
    if (wk_tensor_numel(t) != 1)
        return luaL_error(L, "item: tensor of shape %s has %I elements, expected exactly one",
                          wk_tensor_shape_str(t, buf, sizeof buf), (lua_Integer)wk_tensor_numel(t));
    int64_t zero[WK_MAX_DIMS] = {0};
    lua_pushnumber(L, *wk_tensor_at(t, zero));
    return 1;
}

static int tensor_clone(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_clone(t, src)) return wk_lua_fail(L, "clone");
    wk_lua_account(L, t);
    return 1;
}

static int tensor_contiguous(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    if (wk_tensor_is_contiguous(src)) {
        lua_settop(L, 1);
        return 1;
    }
    return tensor_clone(L);
}

static int tensor_copy_(lua_State *L)
{
    wk_tensor *dst = wk_lua_check_tensor(L, 1);
    const wk_tensor *src = wk_lua_tensor_or_number(L, 2, "copy_");
    if (wk_tensor_require_writable(dst) || wk_tensor_copy_(dst, src)) return wk_lua_fail(L, "copy_");
    lua_settop(L, 1);
    return 1;
}

static int tensor_fill_(lua_State *L)
{
    wk_tensor *t = wk_lua_check_tensor(L, 1);
    if (lua_type(L, 2) != LUA_TNUMBER) return luaL_error(L, "fill_: value must be a number, got %s", luaL_typename(L, 2));
    if (wk_tensor_require_writable(t)) return wk_lua_fail(L, "fill_");
    wk_tensor_fill_(t, (float)lua_tonumber(L, 2));
    lua_settop(L, 1);
    return 1;
}

static int tensor_zero_(lua_State *L)
{
    wk_tensor *t = wk_lua_check_tensor(L, 1);
    if (wk_tensor_require_writable(t)) return wk_lua_fail(L, "zero_");
    wk_tensor_fill_(t, 0.0f);
    lua_settop(L, 1);
    return 1;
}

/* An integer argument at idx, or raise "<fname>: <name> must be an integer, got …". */
static lua_Integer check_integer(lua_State *L, int idx, const char *name, const char *fname)
{
    int ok;
    lua_Integer i = lua_tointegerx(L, idx, &ok);
    if (!ok) {
        if (lua_type(L, idx) == LUA_TNUMBER)
            luaL_error(L, "%s: %s must be an integer, got %s", fname, name, lua_tostring(L, idx));
        luaL_error(L, "%s: %s must be an integer, got %s", fname, name, luaL_typename(L, idx));
    }
    return i;
}

/* The 1-based (negative: from the end) index at stack slot idx for dim, 0-based. */
static int64_t check_index(lua_State *L, const wk_tensor *t, int dim, int idx, const char *fname)
{
    lua_Integer i = check_integer(L, idx, "index", fname), given = i;
    int64_t size = t->shape[dim];
    if (i < 0) i += size + 1;   /* size + 1 > 0: cannot wrap */
    if (i < 1 || i > size)
        luaL_error(L, "%s: index %I is out of range for dimension %d of size %I", fname, given, dim + 1,
                   (lua_Integer)size);
    return (int64_t)i - 1;
}

/* ---- views ---------------------------------------------------------------------- */

static int view_like(lua_State *L, int copy_allowed, const char *fname)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int64_t shape[WK_MAX_DIMS];
    int n = wk_lua_check_shape(L, 2, shape, fname);
    wk_tensor *t = wk_lua_push_empty(L);
    if ((copy_allowed ? wk_tensor_reshape : wk_tensor_view)(t, src, n, shape)) return wk_lua_fail(L, fname);
    if (t->storage != src->storage) wk_lua_account(L, t);
    return 1;
}

static int tensor_reshape(lua_State *L) { return view_like(L, 1, "reshape"); }
static int tensor_view(lua_State *L) { return view_like(L, 0, "view"); }

static int tensor_narrow(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int dim = wk_lua_check_dim(L, 2, src->ndim, 0, "narrow");
    lua_Integer start = wk_lua_check_int(L, 3, "narrow", "start", 1, LUA_MAXINTEGER);
    lua_Integer length = wk_lua_check_int(L, 4, "narrow", "length", 0, LUA_MAXINTEGER);
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_narrow(t, src, dim, start - 1, length)) return wk_lua_fail(L, "narrow");
    return 1;
}

static int tensor_select(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int dim = wk_lua_check_dim(L, 2, src->ndim, 0, "select");
    int64_t index = check_index(L, src, dim, 3, "select");
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_select(t, src, dim, index)) return wk_lua_fail(L, "select");
    return 1;
}

static int tensor_transpose(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int d0, d1;
    if (lua_isnoneornil(L, 2)) {
        if (src->ndim != 2) return luaL_error(L, "transpose: give two dimensions for a %d-D tensor", src->ndim);
        d0 = 0, d1 = 1;
    } else {
        d0 = wk_lua_check_dim(L, 2, src->ndim, 0, "transpose");
        d1 = wk_lua_check_dim(L, 3, src->ndim, 0, "transpose");
    }
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_transpose(t, src, d0, d1)) return wk_lua_fail(L, "transpose");
    return 1;
}

static int tensor_permute(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int64_t order64[WK_MAX_DIMS];
    int n = wk_lua_check_shape(L, 2, order64, "permute");
    if (n != src->ndim) return luaL_error(L, "permute: expected %d dimensions, got %d", src->ndim, n);
    int order[WK_MAX_DIMS];
    for (int i = 0; i < n; i++) {
        /* range first: (int) of 2^32 + 1 would silently become dimension 1 */
        if (order64[i] == 0 || order64[i] < -n || order64[i] > n)
            return luaL_error(L, "permute: dimension %I is out of range for a %d-D tensor", (lua_Integer)order64[i], n);
        order[i] = (int)(order64[i] < 0 ? order64[i] + n : order64[i] - 1);
    }
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_permute(t, src, order)) return wk_lua_fail(L, "permute");
    return 1;
}

static int tensor_squeeze(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int dim = lua_isnoneornil(L, 2) ? -1 : wk_lua_check_dim(L, 2, src->ndim, 0, "squeeze");
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_squeeze(t, src, dim)) return wk_lua_fail(L, "squeeze");
    return 1;
}

static int tensor_unsqueeze(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int dim = wk_lua_check_dim(L, 2, src->ndim, 1, "unsqueeze");
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_unsqueeze(t, src, dim)) return wk_lua_fail(L, "unsqueeze");
    return 1;
}

static int tensor_expand(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int64_t shape[WK_MAX_DIMS];
    int n = wk_lua_check_shape(L, 2, shape, "expand");
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_expand(t, src, n, shape)) return wk_lua_fail(L, "expand");
    return 1;
}

/* ---- autograd state ------------------------------------------------------------- */

/* Push the user value table holding t's autograd state, creating it if absent. */
static void autograd_state(lua_State *L, int idx)
{
    if (lua_getiuservalue(L, idx, 1) == LUA_TTABLE) return;
    lua_pop(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, idx, 1);
}

/* T._ag(t [, create]): t's autograd state table, or nil when it has none and create
 * is false. Used by the autograd sugar only. */
static int tensor_ag(lua_State *L)
{
    luaL_checkudata(L, 1, WK_TENSOR_MT);
    if (lua_toboolean(L, 2)) autograd_state(L, 1);
    else if (lua_getiuservalue(L, 1, 1) != LUA_TTABLE) lua_pushnil(L);
    return 1;
}

/* T._set_tracks(t, flag) */
static int tensor_set_tracks(lua_State *L)
{
    wk_lua_tensor *u = luaL_checkudata(L, 1, WK_TENSOR_MT);
    u->tracks_grad = lua_toboolean(L, 2);
    lua_settop(L, 1);
    return 1;
}

/* T._tracks(a, b, …): true if any argument is a tensor that tracks gradients. */
static int tensor_tracks(lua_State *L)
{
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        wk_lua_tensor *u = lua_type(L, i) == LUA_TUSERDATA ? luaL_testudata(L, i, WK_TENSOR_MT) : NULL;
        if (u && u->tracks_grad) {
            lua_pushboolean(L, 1);
            return 1;
        }
    }
    lua_pushboolean(L, 0);
    return 1;
}

/* T._alias(t): a new userdata sharing t's storage and layout, without its autograd
 * state (detach). */
static int tensor_alias(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    wk_tensor *t = wk_lua_push_empty(L);
    wk_tensor_share(t, src);
    return 1;
}

/* T._index_add_(dst, dim, index, src) and T._scatter_add_(dst, dim, index, src):
 * the adjoints of index_select and gather, for autograd. */
static int scatter_like(lua_State *L, int gather_form, const char *fname)
{
    wk_tensor *dst = wk_lua_check_tensor(L, 1);
    int dim = wk_lua_check_dim(L, 2, dst->ndim, 0, fname);
    wk_tensor *index = wk_lua_check_tensor(L, 3);
    wk_tensor *src = wk_lua_check_tensor(L, 4);
    int rc = gather_form ? wk_tensor_scatter_add_(dst, dim, index, src, 1) : wk_tensor_index_add_(dst, dim, index, src, 1);
    if (rc) return wk_lua_fail(L, fname);
    lua_settop(L, 1);
    return 1;
}
static int tensor_index_add_(lua_State *L) { return scatter_like(L, 0, "index_add"); }
static int tensor_scatter_add_(lua_State *L) { return scatter_like(L, 1, "scatter_add"); }

/* ---- indexing ------------------------------------------------------------------- */

static float *element_at(lua_State *L, const wk_tensor *t, int first, const char *fname)
{
    int nidx = lua_gettop(L) - first + 1;
    if (nidx != t->ndim) luaL_error(L, "%s: a %d-D tensor needs %d indices, got %d", fname, t->ndim, t->ndim, nidx);
    int64_t index[WK_MAX_DIMS];
    for (int d = 0; d < t->ndim; d++)
        index[d] = check_index(L, t, d, first + d, fname);
    return wk_tensor_at(t, index);
}

static int tensor_get(lua_State *L)
{
    wk_tensor *t = wk_lua_check_tensor(L, 1);
    lua_pushnumber(L, *element_at(L, t, 2, "get"));
    return 1;
}

/* t:set(i, j, …, value) */
static int tensor_set(lua_State *L)
{
    wk_tensor *t = wk_lua_check_tensor(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) return luaL_error(L, "set: value must be a number, got %s", luaL_typename(L, -1));
    float v = (float)lua_tonumber(L, -1);
    lua_pop(L, 1);
    *element_at(L, t, 2, "set") = v;
    lua_settop(L, 1);
    return 1;
}

/* Iterating. A tensor iterates like a Lua list of its rows: `for i, row in ipairs(t)`
 * and `pairs(t)` visit t[1] .. t[#t] and stop, so ipairs's step past the end (t[#t + 1])
 * must give nil, as a table's does. Everywhere else an out-of-range index stays an
 * error, because a tensor cannot grow and t[#t + 1] in a sketch is a mistake worth
 * naming. The two are told apart by the caller of __index: ipairs's own iterator
 * function (taken from the real ipairs once, at load time; upvalue 2 of __index). */
static int called_by_ipairs(lua_State *L)
{
    lua_Debug ar;
    if (lua_isnil(L, lua_upvalueindex(2)) || !lua_getstack(L, 1, &ar) || !lua_getinfo(L, "f", &ar)) return 0;
    int yes = lua_rawequal(L, -1, lua_upvalueindex(2));
    lua_pop(L, 1);
    return yes;
}

/* pairs(t): the same (i, row) walk as ipairs (upvalue 1: ipairs's iterator). */
static int tensor_pairs(lua_State *L)
{
    wk_tensor *t = wk_lua_check_tensor(L, 1);
    if (t->ndim == 0) return luaL_error(L, "pairs: cannot iterate over a 0-D tensor (it holds one number: use :item())");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    return 3;
}

/* t[i]: a number for a 1-D tensor, else the sub-tensor along dimension 1; nil for
 * ipairs's step past the end (see called_by_ipairs). t.name: a method. */
static int tensor_index(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TNUMBER) {
        wk_tensor *t = wk_lua_check_tensor(L, 1);
        /* (who called is asked only off the fast path: a stack walk per t[i] adds up) */
        if (t->ndim == 0)
            return luaL_error(L, called_by_ipairs(L)
                                     ? "ipairs: cannot iterate over a 0-D tensor (it holds one number: use :item())"
                                     : "index: cannot index a 0-D tensor (use :item())");
        if (lua_isinteger(L, 2) && lua_tointeger(L, 2) > t->shape[0] && called_by_ipairs(L)) {
            lua_pushnil(L);
            return 1;
        }
        int64_t i = check_index(L, t, 0, 2, "index");
        if (t->ndim == 1) {
            lua_pushnumber(L, wk_tensor_data(t)[i * t->stride[0]]);
            return 1;
        }
        if (((wk_lua_tensor *)t)->tracks_grad) {   /* go through select so autograd sees it */
            lua_getfield(L, lua_upvalueindex(1), "select");
            lua_pushvalue(L, 1);
            lua_pushinteger(L, 1);
            lua_pushinteger(L, (lua_Integer)i + 1);
            lua_call(L, 3, 1);
            return 1;
        }
        wk_tensor *sub = wk_lua_push_empty(L);
        if (wk_tensor_select(sub, t, 0, i)) return wk_lua_fail(L, "index");
        return 1;
    }
    lua_pushvalue(L, 2);
    if (lua_gettable(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    /* not a method: a field of the autograd state (t.grad), if any */
    if (lua_getiuservalue(L, 1, 1) != LUA_TTABLE) return 1;   /* nil */
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

static int tensor_newindex(lua_State *L)
{
    wk_tensor *t = wk_lua_check_tensor(L, 1);
    if (lua_type(L, 2) == LUA_TSTRING && strcmp(lua_tostring(L, 2), "grad") == 0) {
        if (!lua_isnil(L, 3)) wk_lua_check_tensor(L, 3);
        autograd_state(L, 1);
        lua_pushvalue(L, 3);
        lua_setfield(L, -2, "grad");
        return 0;
    }
    if (lua_type(L, 2) != LUA_TNUMBER)
        return luaL_error(L, "cannot set field '%s' of a tensor", lua_tostring(L, 2) ? lua_tostring(L, 2) : "?");
    if (t->ndim == 0) return luaL_error(L, "index: cannot index a 0-D tensor (use :fill_())");
    int64_t i = check_index(L, t, 0, 2, "index assignment");
    /* The value is read (and any temporary pushed) before the row view exists, and the
     * view lives in a pushed userdata: an error at any point leaves nothing to free. */
    const wk_tensor *src = wk_lua_tensor_or_number(L, 3, "index assignment");
    wk_tensor *sub = wk_lua_push_empty(L);
    wk_tensor_select(sub, t, 0, i);   /* i is in range: cannot fail */
    int rc = wk_tensor_require_writable(sub) || wk_tensor_copy_(sub, src);
    wk_tensor_release(sub);
    if (rc) return wk_lua_fail(L, "index assignment");
    return 0;
}

/* ---- size queries --------------------------------------------------------------- */

static void push_shape(lua_State *L, const wk_tensor *t)
{
    lua_createtable(L, t->ndim, 0);
    for (int d = 0; d < t->ndim; d++) {
        lua_pushinteger(L, (lua_Integer)t->shape[d]);
        lua_rawseti(L, -2, d + 1);
    }
}

static int tensor_shape(lua_State *L)
{
    push_shape(L, wk_lua_check_tensor(L, 1));
    return 1;
}

static int tensor_size(lua_State *L)
{
    wk_tensor *t = wk_lua_check_tensor(L, 1);
    if (lua_isnoneornil(L, 2)) {
        push_shape(L, t);
        return 1;
    }
    int d = wk_lua_check_dim(L, 2, t->ndim, 0, "size");
    lua_pushinteger(L, (lua_Integer)t->shape[d]);
    return 1;
}

static int tensor_len(lua_State *L)
{
    wk_tensor *t = wk_lua_check_tensor(L, 1);
    lua_pushinteger(L, t->ndim ? (lua_Integer)t->shape[0] : 0);
    return 1;
}

static int tensor_dim(lua_State *L)
{
    lua_pushinteger(L, wk_lua_check_tensor(L, 1)->ndim);
    return 1;
}

static int tensor_numel(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)wk_tensor_numel(wk_lua_check_tensor(L, 1)));
    return 1;
}

static int tensor_is_contiguous(lua_State *L)
{
    lua_pushboolean(L, wk_tensor_is_contiguous(wk_lua_check_tensor(L, 1)));
    return 1;
}

static int tensor_is_tensor(lua_State *L)
{
    lua_pushboolean(L, luaL_testudata(L, 1, WK_TENSOR_MT) != NULL);
    return 1;
}

/* ---- printing ------------------------------------------------------------------- */

/* Up to PRINT_MAX_ELEMENTS a tensor prints in full. A bigger one prints as PyTorch
 * does: the first and last few entries of each dimension around a "...", so printing
 * reads at most a few hundred elements whatever the size (an expanded view may have
 * 2^40). Min, max and mean head the summary when the tensor is small enough to scan
 * in a blink. */
#define PRINT_MAX_ELEMENTS 64
#define PRINT_MAX_SHOWN 1000            /* elements a summary may show */
#define PRINT_STATS_ELEMENTS (1 << 24)  /* scanned for min/max/mean: ~10 ms */

/* edge = 0: every entry of every dim; else the first and last `edge` of a longer dim. */
static void add_values(luaL_Buffer *b, const wk_tensor *t, int dim, int64_t off, int indent, int64_t edge)
{
    const float *base = t->storage->data;
    char num[48];
    int64_t n = t->shape[dim];
    int elide = edge > 0 && n > 2 * edge;
    luaL_addchar(b, '{');
    for (int64_t i = 0; i < n; i++) {
        if (elide && i == edge) i = n - edge;   /* skip the middle */
        int64_t o = off + i * t->stride[dim];
        if (i) {
            luaL_addchar(b, ',');
            if (dim < t->ndim - 1) {
                luaL_addchar(b, '\n');
                for (int k = 0; k <= indent; k++) luaL_addchar(b, ' ');
            } else {
                luaL_addchar(b, ' ');
            }
            if (elide && i == n - edge) {   /* the "..." stands where the skipped entries were */
                luaL_addstring(b, "...,");
                if (dim < t->ndim - 1) {
                    luaL_addchar(b, '\n');
                    for (int k = 0; k <= indent; k++) luaL_addchar(b, ' ');
                } else {
                    luaL_addchar(b, ' ');
                }
            }
        }
        if (dim == t->ndim - 1) {
            snprintf(num, sizeof num, "%.6g", (double)base[o]);
            luaL_addstring(b, num);
        } else {
            add_values(b, t, dim + 1, o, indent + 1, edge);
        }
    }
    luaL_addchar(b, '}');
}

/* The most entries per end of each dim (3, 2 or 1) that keeps a summary within
 * PRINT_MAX_SHOWN elements. */
static int64_t summary_edge(const wk_tensor *t)
{
    for (int64_t edge = 3; edge > 1; edge--) {
        double shown = 1;
        for (int d = 0; d < t->ndim; d++) shown *= (double)(t->shape[d] < 2 * edge ? t->shape[d] : 2 * edge);
        if (shown <= PRINT_MAX_SHOWN) return edge;
    }
    return 1;   /* at most 2^8 elements */
}

/* Min, max, mean, and how many are not finite. */
static void add_stats(luaL_Buffer *b, const wk_tensor *t)
{
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    int64_t n = 0, nonfinite = 0;
    const float *d = wk_tensor_data(t);
    wk_iter it;
    wk_iter_init(&it, t->ndim, t->shape, 1, (const int64_t *[]){t->stride});
    int64_t off[1];
    while (wk_iter_next(&it, off))
        for (int64_t i = 0; i < it.run; i++) {
            float v = d[off[0] + i * it.step[0]];
            if (!isfinite(v)) {
                nonfinite++;
                continue;
            }
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            sum += v;
            n++;
        }
    char line[200];
    if (n) snprintf(line, sizeof line, " min %.4g max %.4g mean %.4g", lo, hi, sum / (double)n);
    else line[0] = '\0';
    luaL_addstring(b, line);
    if (nonfinite) {
        snprintf(line, sizeof line, " (%lld not finite)", (long long)nonfinite);
        luaL_addstring(b, line);
    }
}

static int tensor_tostring(lua_State *L)
{
    wk_tensor *t = luaL_checkudata(L, 1, WK_TENSOR_MT);
    if (!t->storage) {
        lua_pushstring(L, "wick.Tensor (freed)");
        return 1;
    }
    char shape[160];
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "tensor");
    luaL_addstring(&b, wk_tensor_shape_str(t, shape, sizeof shape));
    int64_t numel = wk_tensor_numel(t);
    if (t->ndim == 0) {
        snprintf(shape, sizeof shape, " %.6g", (double)wk_tensor_data(t)[0]);
        luaL_addstring(&b, shape);
    } else if (numel > 0) {
        int64_t edge = numel <= PRINT_MAX_ELEMENTS ? 0 : summary_edge(t);
        if (edge && numel <= PRINT_STATS_ELEMENTS) add_stats(&b, t);
        luaL_addchar(&b, '\n');
        add_values(&b, t, 0, t->offset, 0, edge);
    }
    luaL_pushresult(&b);
    return 1;
}

/* ---- registration --------------------------------------------------------------- */

const luaL_Reg wk_tensor_core_methods[] = {
    {"free", tensor_free},         {"table", tensor_table},
    {"item", tensor_item},         {"clone", tensor_clone},
    {"contiguous", tensor_contiguous}, {"copy_", tensor_copy_},
    {"fill_", tensor_fill_},       {"zero_", tensor_zero_},
    {"reshape", tensor_reshape},   {"view", tensor_view},
    {"narrow", tensor_narrow},     {"select", tensor_select},
    {"transpose", tensor_transpose}, {"permute", tensor_permute},
    {"squeeze", tensor_squeeze},   {"unsqueeze", tensor_unsqueeze},
    {"expand", tensor_expand},     {"get", tensor_get},
    {"set", tensor_set},           {"shape", tensor_shape},
    {"size", tensor_size},         {"dim", tensor_dim},
    {"numel", tensor_numel},       {"is_contiguous", tensor_is_contiguous},
    {NULL, NULL}};

static const luaL_Reg tensor_constructors[] = {
    {"zeros", tensor_zeros}, {"ones", tensor_ones},     {"full", tensor_full},
    {"empty", tensor_empty}, {"arange", tensor_arange}, {"linspace", tensor_linspace},
    {"eye", tensor_eye},     {"rand", tensor_rand},     {"randn", tensor_randn},
    {"is_tensor", tensor_is_tensor}, {"_ag", tensor_ag},
    {"_set_tracks", tensor_set_tracks}, {"_tracks", tensor_tracks},
    {"_alias", tensor_alias}, {"_index_add_", tensor_index_add_},
    {"_scatter_add_", tensor_scatter_add_},
    {NULL, NULL}};

/* The module table doubles as the method table: wick.tensor.add(a, b) and a:add(b)
 * are the same function, and Lua sugar that adds to wick.tensor adds methods. */
int luaopen_wick_tensor(lua_State *L)
{
    lua_newtable(L);
    int module = lua_gettop(L);
    luaL_setfuncs(L, wk_tensor_core_methods, 0);
    luaL_setfuncs(L, wk_tensor_math_methods, 0);
    luaL_setfuncs(L, wk_tensor_reduce_methods, 0);
    luaL_setfuncs(L, wk_tensor_linalg_methods, 0);
    luaL_setfuncs(L, tensor_constructors, 0);

    luaL_newmetatable(L, WK_TENSOR_MT);         /* sets __name */
    int meta = lua_gettop(L);
    /* ipairs's iterator function, for __index and __pairs (nil if ipairs is missing) */
    if (lua_getglobal(L, "ipairs") == LUA_TFUNCTION) {
        lua_newtable(L);
        if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
            lua_pop(L, 1);
            lua_pushnil(L);
        }
    } else {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
    int ipairs_iter = lua_gettop(L);
    lua_pushvalue(L, module);
    lua_pushvalue(L, ipairs_iter);
    lua_pushcclosure(L, tensor_index, 2);
    lua_setfield(L, meta, "__index");
    if (!lua_isnil(L, ipairs_iter)) {
        lua_pushvalue(L, ipairs_iter);
        lua_pushcclosure(L, tensor_pairs, 1);
        lua_setfield(L, meta, "__pairs");
    }
    lua_remove(L, ipairs_iter);
    lua_pushcfunction(L, tensor_newindex);
    lua_setfield(L, meta, "__newindex");
    lua_pushcfunction(L, tensor_gc);
    lua_setfield(L, meta, "__gc");
    lua_pushcfunction(L, tensor_gc);
    lua_setfield(L, meta, "__close");
    lua_pushcfunction(L, tensor_tostring);
    lua_setfield(L, meta, "__tostring");
    lua_pushcfunction(L, tensor_len);
    lua_setfield(L, meta, "__len");
    luaL_setfuncs(L, wk_tensor_math_meta, 0);
    lua_pop(L, 1);

    /* the module is callable: wick.tensor{{1,2},{3,4}} */
    lua_newtable(L);
    lua_pushcfunction(L, tensor_call);
    lua_setfield(L, -2, "__call");
    lua_setmetatable(L, module);
    return 1;
}
