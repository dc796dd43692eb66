/* tensor_reduce.c — reductions as wick.Tensor methods: sum mean var std norm max min
 * argmax argmin.
 *
 *   t:sum()                 → 0-D tensor (also mean, max, min, var, std, norm)
 *   t:sum(dim [, keepdim])  → that dimension reduced (removed, or kept as size 1)
 *   t:max(dim [, keepdim])  → values, indices (two tensors; indices 1-based, as floats)
 *   t:argmax([dim [, keepdim]]) → 1-based indices; with no dim, the flat index (0-D)
 *   t:var([dim [, keepdim [, unbiased=true]]]), t:var(false) for the biased variance
 *   t:norm([p=2 [, dim [, keepdim]]]), p = math.huge for max|x|
 *
 * dim is 1-based, negative counts from the end (-1 = last). lib works 0-based; the
 * translation of dims and indices happens here and nowhere else. */
#include "../../lib/tensor/ops.h"
#include "../../lib/tensor/reduce.h"
#include "../core/wk_lua.h"

/* dim at idx, or WK_ALL_DIMS when it is absent or nil. */
static int opt_dim(lua_State *L, int idx, const wk_tensor *t, const char *fname)
{
    if (lua_isnoneornil(L, idx)) return WK_ALL_DIMS;
    if (lua_type(L, idx) != LUA_TNUMBER)
        return luaL_error(L, "%s: dimension must be a number, got %s", fname, luaL_typename(L, idx));
    return wk_lua_check_dim(L, idx, t->ndim, 0, fname);
}

/* A true/false flag at idx (keepdim, unbiased), or dflt when absent or nil. Anything
 * else is refused: lua_toboolean would read 7 or "no" as true. */
static int opt_flag(lua_State *L, int idx, int dflt, const char *fname, const char *name)
{
    if (lua_isnoneornil(L, idx)) return dflt;
    if (lua_type(L, idx) != LUA_TBOOLEAN)
        return luaL_error(L, "%s: %s must be a boolean, got %s", fname, name, luaL_typename(L, idx));
    return lua_toboolean(L, idx);
}

/* Shift 0-based indices in place to Lua's 1-based. */
static void one_based(wk_tensor *indices) { wk_tensor_binary_scalar_(indices, 1.0f, WK_ADD); }

/* ---- sum, mean ------------------------------------------------------------------- */

typedef int (*simple_reduce)(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim);

static int reduce_simple(lua_State *L, simple_reduce fn, const char *fname)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int dim = opt_dim(L, 2, src, fname);
    int keepdim = opt_flag(L, 3, 0, fname, "keepdim");
    wk_tensor *out = wk_lua_push_empty(L);
    if (fn(out, src, dim, keepdim)) return wk_lua_fail(L, fname);
    wk_lua_account(L, out);
    return 1;
}

static int tensor_sum(lua_State *L) { return reduce_simple(L, wk_tensor_sum, "sum"); }
static int tensor_mean(lua_State *L) { return reduce_simple(L, wk_tensor_mean, "mean"); }

/* ---- var, std -------------------------------------------------------------------- */

typedef int (*spread_reduce)(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim, int unbiased);

static int reduce_spread(lua_State *L, spread_reduce fn, const char *fname)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int dim, keepdim, unbiased;
    if (lua_type(L, 2) == LUA_TBOOLEAN) {   /* t:var(false): whole tensor, biased */
        dim = WK_ALL_DIMS;
        keepdim = 0;
        unbiased = lua_toboolean(L, 2);
    } else {
        dim = opt_dim(L, 2, src, fname);
        keepdim = opt_flag(L, 3, 0, fname, "keepdim");
        unbiased = opt_flag(L, 4, 1, fname, "unbiased");
    }
    wk_tensor *out = wk_lua_push_empty(L);
    if (fn(out, src, dim, keepdim, unbiased)) return wk_lua_fail(L, fname);
    wk_lua_account(L, out);
    return 1;
}

static int tensor_var(lua_State *L) { return reduce_spread(L, wk_tensor_var, "var"); }
static int tensor_std(lua_State *L) { return reduce_spread(L, wk_tensor_std, "std"); }

/* ---- norm ------------------------------------------------------------------------ */

static int tensor_norm(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    double p = 2;
    if (!lua_isnoneornil(L, 2)) {
        if (lua_type(L, 2) != LUA_TNUMBER)
            return luaL_error(L, "norm: p must be a number (math.huge for the max norm), got %s", luaL_typename(L, 2));
        p = lua_tonumber(L, 2);
    }
    int dim = opt_dim(L, 3, src, "norm");
    int keepdim = opt_flag(L, 4, 0, "norm", "keepdim");
    wk_tensor *out = wk_lua_push_empty(L);
    if (wk_tensor_norm(out, src, p, dim, keepdim)) return wk_lua_fail(L, "norm");
    wk_lua_account(L, out);
    return 1;
}

/* ---- max, min, argmax, argmin ------------------------------------------------------ */

typedef int (*extreme_reduce)(wk_tensor *values, wk_tensor *indices, const wk_tensor *src, int dim, int keepdim);

/* max()/min(): 0-D value; max(dim)/min(dim): values and 1-based indices. */
static int reduce_extreme(lua_State *L, extreme_reduce fn, const char *fname)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int dim = opt_dim(L, 2, src, fname);
    int keepdim = opt_flag(L, 3, 0, fname, "keepdim");
    wk_tensor *values = wk_lua_push_empty(L);
    if (dim == WK_ALL_DIMS) {
        if (fn(values, NULL, src, dim, keepdim)) return wk_lua_fail(L, fname);
        wk_lua_account(L, values);
        return 1;
    }
    wk_tensor *indices = wk_lua_push_empty(L);
    if (fn(values, indices, src, dim, keepdim)) return wk_lua_fail(L, fname);
    one_based(indices);
    wk_lua_account(L, values);
    wk_lua_account(L, indices);
    return 2;
}

static int tensor_max(lua_State *L) { return reduce_extreme(L, wk_tensor_max, "max"); }
static int tensor_min(lua_State *L) { return reduce_extreme(L, wk_tensor_min, "min"); }

static int reduce_arg(lua_State *L, simple_reduce fn, const char *fname)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int dim = opt_dim(L, 2, src, fname);
    int keepdim = opt_flag(L, 3, 0, fname, "keepdim");
    wk_tensor *out = wk_lua_push_empty(L);
    if (fn(out, src, dim, keepdim)) return wk_lua_fail(L, fname);
    one_based(out);
    wk_lua_account(L, out);
    return 1;
}

static int tensor_argmax(lua_State *L) { return reduce_arg(L, wk_tensor_argmax, "argmax"); }
static int tensor_argmin(lua_State *L) { return reduce_arg(L, wk_tensor_argmin, "argmin"); }

/* ---- registration ------------------------------------------------------------------ */

const luaL_Reg wk_tensor_reduce_methods[] = {
    {"sum", tensor_sum},       {"mean", tensor_mean},     {"var", tensor_var},
    {"std", tensor_std},       {"norm", tensor_norm},     {"max", tensor_max},
    {"min", tensor_min},       {"argmax", tensor_argmax}, {"argmin", tensor_argmin},
    {NULL, NULL}};
