/* autograd.c — the C half of wick.autograd: grad mode, and the trampolines that let
 * C tensor functions record graph nodes without losing their names and positions.
 *
 * autograd.lua gives each differentiable function a Lua hook that records a node.
 * Wrapping the C function in a Lua closure would make every error read "bad argument
 * to 'raw'" at a line inside the sugar; instead a trampoline C closure calls the raw
 * lua_CFunction directly on the same call frame (so argument errors still name `add`
 * and point at the sketch's line), then calls the hook only when grad mode is on and
 * an argument tracks gradients. In-place functions get a guard instead of a hook. */
#include <string.h>

#include "../core/wk_lua.h"

static int grad_mode = 1;

/* Does any argument 1..n (or element of a list argument) track gradients? */
static int any_tracked(lua_State *L, int n)
{
    for (int i = 1; i <= n; i++) {
        int type = lua_type(L, i);
        if (type == LUA_TUSERDATA) {
            wk_lua_tensor *u = luaL_testudata(L, i, WK_TENSOR_MT);
            if (u && u->tracks_grad) return 1;
        } else if (type == LUA_TTABLE) {   /* cat/stack take a list */
            lua_Integer len = (lua_Integer)lua_rawlen(L, i);
            for (lua_Integer k = 1; k <= len; k++) {
                lua_rawgeti(L, i, k);
                wk_lua_tensor *u = luaL_testudata(L, -1, WK_TENSOR_MT);
                lua_pop(L, 1);
                if (u && u->tracks_grad) return 1;
            }
        }
    }
    return 0;
}

/* upvalues: raw function, hook(out, args…), name */
static int record_trampoline(lua_State *L)
{
    lua_CFunction raw = lua_tocfunction(L, lua_upvalueindex(1));
    int nargs = lua_gettop(L);
    int tracked = grad_mode && any_tracked(L, nargs);
    int nres = raw(L);
    /* results are the top nres values, above the untouched arguments (and any scratch
     * the function left between); a function that returned its own argument
     * (contiguous on a contiguous tensor) has nothing to record */
    int first = lua_gettop(L) - nres + 1;
    if (!tracked || nres < 1) return nres;
    for (int i = 2; i <= nargs; i++)   /* wrote into an `out` argument: no graph can say how */
        if (lua_type(L, i) == LUA_TUSERDATA && lua_rawequal(L, i, first))
            return luaL_error(L, "%s: an out tensor cannot be used when an input requires grad",
                              lua_tostring(L, lua_upvalueindex(3)));
    if (first <= nargs) return nres;
    if (nargs >= 1 && lua_rawequal(L, 1, first)) return nres;
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushvalue(L, first);
    for (int i = 1; i <= nargs; i++) lua_pushvalue(L, i);
    lua_call(L, nargs + 1, 0);
    return nres;
}

/* upvalues: raw function, name */
static int guard_trampoline(lua_State *L)
{
    if (grad_mode) {
        wk_lua_tensor *u = luaL_testudata(L, 1, WK_TENSOR_MT);
        if (u && u->tracks_grad) {
            const char *name = lua_tostring(L, lua_upvalueindex(2));
            return luaL_error(L, "%s: in-place operation on a tensor that requires grad (use the pure form, or "
                                 "wick.no_grad)", name);
        }
    }
    return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

/* _wrap(tbl, key, hook): tbl[key] (a C function) becomes a recording trampoline. */
static int autograd_wrap(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checktype(L, 3, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_gettable(L, 1);
    if (!lua_iscfunction(L, -1))
        return luaL_error(L, "autograd: '%s' is not a C function", luaL_tolstring(L, 2, NULL));
    lua_pushvalue(L, 3);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, record_trampoline, 3);
    lua_pushvalue(L, 2);
    lua_insert(L, -2);
    lua_settable(L, 1);
    return 0;
}

/* _guard(tbl, key): tbl[key] refuses to run in place on a tracked tensor. */
static int autograd_guard(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *key = luaL_checkstring(L, 2);
    lua_getfield(L, 1, key);
    if (!lua_iscfunction(L, -1)) return 0;   /* absent: nothing to guard */
    lua_pushstring(L, key);
    lua_pushcclosure(L, guard_trampoline, 2);
    lua_setfield(L, 1, key);
    return 0;
}

/* _mode([flag]) -> the mode before the call */
static int autograd_mode(lua_State *L)
{
    lua_pushboolean(L, grad_mode);
    if (!lua_isnone(L, 1)) grad_mode = lua_toboolean(L, 1);
    return 1;
}

/* _recording(…): grad mode on and some argument tracks gradients */
static int autograd_recording(lua_State *L)
{
    lua_pushboolean(L, grad_mode && any_tracked(L, lua_gettop(L)));
    return 1;
}

static const luaL_Reg autograd_funcs[] = {
    {"_wrap", autograd_wrap},   {"_guard", autograd_guard},
    {"_mode", autograd_mode},   {"_recording", autograd_recording},
    {NULL, NULL}};

int luaopen_wick_autograd(lua_State *L)
{
    luaL_newlib(L, autograd_funcs);
    return 1;
}
