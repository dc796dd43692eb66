/* tensor_linalg.c — the Lua side of lib/tensor/linalg.h and lib/tensor/index.h:
 * matmul, dot, outer, cat, stack, index_select, gather, masked_fill, sort and topk.
 *
 * Each function reads its arguments, pushes empty result tensors, and lets lib fill
 * them, so a failure (a Lua error carrying lib's message) leaves nothing to free. Index
 * tensors are passed to lib with base 1: Lua's 1-based indices are read and written as
 * they are. Dims are 1-based, negative from the end (wk_lua_check_dim). All functions are
 * registered in the one method table, so a:matmul(b) == wick.tensor.matmul(a, b). */
#include "../../lib/tensor/index.h"
#include "../../lib/tensor/linalg.h"
#include "../core/wk_lua.h"

#define LUA_INDEX_BASE 1

/* A value's type for messages: the metatable's __name ("wick.Tensor") when it has one,
 * since "userdata" tells an artist nothing. */
static const char *type_name(lua_State *L, int idx)
{
    if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING) {
        const char *name = lua_tostring(L, -1);   /* kept alive by the metatable */
        lua_pop(L, 1);
        return name;
    }
    return luaL_typename(L, idx);
}

/* ---- products ------------------------------------------------------------------- */

/* a:matmul(b [, out]) — NumPy matmul. With out (a tensor of the result shape) the
 * product is written there and out is returned: a training loop can reuse one buffer. */
static int tensor_matmul(lua_State *L)
{
    wk_tensor *a = wk_lua_check_tensor(L, 1), *b = wk_lua_check_tensor(L, 2);
    if (!lua_isnoneornil(L, 3)) {
        wk_tensor *out = wk_lua_check_tensor(L, 3);
        if (wk_tensor_matmul_out(out, a, b)) return wk_lua_fail(L, "matmul");
        lua_settop(L, 3);
        return 1;
    }
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_matmul(t, a, b)) return wk_lua_fail(L, "matmul");
    wk_lua_account(L, t);
    return 1;
}

static int binary(lua_State *L, int (*fn)(wk_tensor *, const wk_tensor *, const wk_tensor *), const char *fname)
{
    wk_tensor *a = wk_lua_check_tensor(L, 1), *b = wk_lua_check_tensor(L, 2);
    wk_tensor *t = wk_lua_push_empty(L);
    if (fn(t, a, b)) return wk_lua_fail(L, fname);
    wk_lua_account(L, t);
    return 1;
}

static int tensor_dot(lua_State *L) { return binary(L, wk_tensor_dot, "dot"); }
static int tensor_outer(lua_State *L) { return binary(L, wk_tensor_outer, "outer"); }

/* ---- cat and stack -------------------------------------------------------------- */

/* The tensors of the list at idx, in a Lua-owned array pushed on the stack (collected
 * even if a later argument raises). */
static const wk_tensor **check_list(lua_State *L, int idx, int *n, const char *fname)
{
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: expected a list of tensors, got %s", fname, type_name(L, idx));
    lua_Integer len = luaL_len(L, idx);
    if (len < 1) luaL_error(L, "%s: expected a non-empty list of tensors", fname);
    if (len > 1 << 24) luaL_error(L, "%s: too many tensors (%d)", fname, (int)len);
    const wk_tensor **list = lua_newuserdatauv(L, (size_t)len * sizeof *list, 0);
    for (lua_Integer i = 1; i <= len; i++) {
        lua_geti(L, idx, i);
        wk_tensor *t = wk_lua_test_tensor(L, -1);
        if (!t)
            luaL_error(L, "%s: list entry %d is a %s, expected a tensor", fname, (int)i, type_name(L, -1));
        list[i - 1] = t;   /* still referenced by the list table */
        lua_pop(L, 1);
    }
    *n = (int)len;
    return list;
}

static int join(lua_State *L, int stack)
{
    const char *fname = stack ? "stack" : "cat";
    int n;
    lua_settop(L, 2);   /* check_list pushes scratch: keep slot 2 the dim (or nil) */
    const wk_tensor **list = check_list(L, 1, &n, fname);
    int dim = lua_isnoneornil(L, 2) ? 0 : wk_lua_check_dim(L, 2, list[0]->ndim, stack, fname);
    wk_tensor *t = wk_lua_push_empty(L);
    if ((stack ? wk_tensor_stack : wk_tensor_cat)(t, n, (const wk_tensor *const *)list, dim))
        return wk_lua_fail(L, fname);
    wk_lua_account(L, t);
    return 1;
}

/* wick.tensor.cat({a, b, …} [, dim = 1]) */
static int tensor_cat(lua_State *L) { return join(L, 0); }
/* wick.tensor.stack({a, b, …} [, dim = 1]) — a new dim */
static int tensor_stack(lua_State *L) { return join(L, 1); }

/* ---- picking elements ----------------------------------------------------------- */

/* An index argument: a tensor, or a Lua list of numbers made into a 1-D tensor that
 * stays on the stack. lib checks the values (whole numbers, in range). */
static const wk_tensor *check_index(lua_State *L, int idx, const char *fname)
{
    wk_tensor *t = wk_lua_test_tensor(L, idx);
    if (t) return t;
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: index must be a tensor or a list of indices, got %s", fname, type_name(L, idx));
    int64_t n = (int64_t)luaL_len(L, idx);
    t = wk_lua_push_empty(L);
    if (wk_tensor_new(t, 1, &n)) wk_lua_fail(L, fname);
    float *d = wk_tensor_data(t);
    for (int64_t i = 0; i < n; i++) {
        lua_geti(L, idx, (lua_Integer)i + 1);
        int ok;
        lua_Number v = lua_tonumberx(L, -1, &ok);
        if (!ok)
            luaL_error(L, "%s: index list entry %d is a %s, expected a number", fname, (int)i + 1,
                       type_name(L, -1));
        d[i] = (float)v;
        lua_pop(L, 1);
    }
    return t;
}

/* t:index_select(dim, idx) — idx a 1-D tensor or a list of 1-based indices. */
static int tensor_index_select(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int dim = wk_lua_check_dim(L, 2, src->ndim, 0, "index_select");
    const wk_tensor *index = check_index(L, 3, "index_select");
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_index_select(t, src, dim, index, LUA_INDEX_BASE)) return wk_lua_fail(L, "index_select");
    wk_lua_account(L, t);
    return 1;
}

/* t:gather(dim, idx) — PyTorch gather with a 1-based index tensor. */
static int tensor_gather(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int dim = wk_lua_check_dim(L, 2, src->ndim, 0, "gather");
    const wk_tensor *index = check_index(L, 3, "gather");
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_gather(t, src, dim, index, LUA_INDEX_BASE)) return wk_lua_fail(L, "gather");
    wk_lua_account(L, t);
    return 1;
}

static float check_value(lua_State *L, int idx, const char *fname)
{
    if (lua_type(L, idx) != LUA_TNUMBER)
        luaL_error(L, "%s: value must be a number, got %s", fname, type_name(L, idx));
    return (float)lua_tonumber(L, idx);
}

/* t:masked_fill(mask, value) — a copy of t with value where mask is non-zero. */
static int tensor_masked_fill(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1), *mask = wk_lua_check_tensor(L, 2);
    float value = check_value(L, 3, "masked_fill");
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_masked_fill(t, src, mask, value)) return wk_lua_fail(L, "masked_fill");
    wk_lua_account(L, t);
    return 1;
}

static int tensor_masked_fill_(lua_State *L)
{
    wk_tensor *t = wk_lua_check_tensor(L, 1), *mask = wk_lua_check_tensor(L, 2);
    float value = check_value(L, 3, "masked_fill_");
    if (wk_tensor_masked_fill_(t, mask, value)) return wk_lua_fail(L, "masked_fill_");
    lua_settop(L, 1);
    return 1;
}

/* ---- ordering ------------------------------------------------------------------- */

static int check_flag(lua_State *L, int idx, int dflt, const char *what, const char *fname)
{
    if (lua_isnoneornil(L, idx)) return dflt;
    if (!lua_isboolean(L, idx))
        return luaL_error(L, "%s: %s must be a boolean, got %s", fname, what, type_name(L, idx));
    return lua_toboolean(L, idx);
}

/* t:sort([dim = -1 [, descending = false]]) -> values, indices (1-based), stable. */
static int tensor_sort(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    int dim = lua_isnoneornil(L, 2) ? src->ndim - 1 : wk_lua_check_dim(L, 2, src->ndim, 0, "sort");
    int descending = check_flag(L, 3, 0, "descending", "sort");
    wk_tensor *values = wk_lua_push_empty(L), *indices = wk_lua_push_empty(L);
    if (wk_tensor_sort(values, indices, src, dim, descending, LUA_INDEX_BASE)) return wk_lua_fail(L, "sort");
    wk_lua_account(L, values);
    wk_lua_account(L, indices);
    return 2;
}

/* t:topk(k [, dim = -1 [, largest = true]]) -> values, indices (1-based), sorted. */
static int tensor_topk(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    lua_Integer k = wk_lua_check_int(L, 2, "topk", "k", 0, LUA_MAXINTEGER);
    int dim = lua_isnoneornil(L, 3) ? src->ndim - 1 : wk_lua_check_dim(L, 3, src->ndim, 0, "topk");
    int largest = check_flag(L, 4, 1, "largest", "topk");
    wk_tensor *values = wk_lua_push_empty(L), *indices = wk_lua_push_empty(L);
    if (wk_tensor_topk(values, indices, src, (int64_t)k, dim, largest, LUA_INDEX_BASE)) return wk_lua_fail(L, "topk");
    wk_lua_account(L, values);
    wk_lua_account(L, indices);
    return 2;
}

/* ---- registration --------------------------------------------------------------- */

const luaL_Reg wk_tensor_linalg_methods[] = {
    {"matmul", tensor_matmul},
    {"dot", tensor_dot},
    {"outer", tensor_outer},
    {"cat", tensor_cat},
    {"stack", tensor_stack},
    {"index_select", tensor_index_select},
    {"gather", tensor_gather},
    {"masked_fill", tensor_masked_fill},
    {"masked_fill_", tensor_masked_fill_},
    {"sort", tensor_sort},
    {"topk", tensor_topk},
    {NULL, NULL}};
