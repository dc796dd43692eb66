/* store.c — wick.save and wick.load: tensors, tables of tensors and module states in
 * the safetensors format (lib/store/safetensors.c), so weights travel to and from
 * PyTorch and other tools. Lua sugar in store.lua turns modules and nested tables into
 * the flat name -> tensor tables these functions take. The bundle of a call lives in a
 * box on the Lua stack (bindings/core/wk_lua.h's one pattern), so an error frees it. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/store/safetensors.h"
#include "../core/wk_lua.h"

/* A wk_safetensors lives in a box on the Lua stack for the whole call, so any error
 * (a bad name, a memory error from Lua itself) frees it with the box. */
static void bundle_release(void *p)
{
    wk_safetensors_free(p);
    free(p);
}

static wk_lua_box *push_bundle(lua_State *L, const char *fname)
{
    wk_lua_box *box = wk_lua_push_box(L, bundle_release);
    box->p = calloc(1, sizeof(wk_safetensors));
    if (!box->p) luaL_error(L, "%s: out of memory", fname);
    return box;
}

/* _save(path, {name = tensor}, {key = "value"}) */
static int store_save(lua_State *L)
{
    size_t len;
    const char *path = luaL_checklstring(L, 1, &len);
    if (strlen(path) != len) return luaL_error(L, "save: the file name holds a zero byte");
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 3);
    wk_lua_box *box = push_bundle(L, "save");
    wk_safetensors *st = box->p;
    int rc = WK_OK;
    lua_pushnil(L);
    while (rc == WK_OK && lua_next(L, 2)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            return luaL_error(L, "save: tensor names must be strings, got %s", luaL_typename(L, -2));
        wk_tensor *t = luaL_testudata(L, -1, WK_TENSOR_MT);
        if (!t || !t->storage)
            return luaL_error(L, "save: '%s' is %s, not a tensor", lua_tostring(L, -2),
                              t ? "a freed tensor" : luaL_typename(L, -1));
        rc = wk_safetensors_add(st, lua_tostring(L, -2), t);
        lua_pop(L, 1);
    }
    if (rc == WK_OK && lua_istable(L, 3)) {
        lua_pushnil(L);
        while (rc == WK_OK && lua_next(L, 3)) {
            if (lua_type(L, -2) == LUA_TSTRING && (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER))
                rc = wk_safetensors_set_meta(st, lua_tostring(L, -2), lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    if (rc == WK_OK) rc = wk_safetensors_write(path, st);
    if (rc) return wk_lua_fail(L, "save");
    wk_lua_box_release(box);   /* drop the shared references now, not at the next collection */
    lua_pushvalue(L, 1);
    return 1;
}

/* _load(path) -> {name = tensor}, {key = "value"}, {names in file order} */
static int store_load(lua_State *L)
{
    size_t len;
    const char *path = luaL_checklstring(L, 1, &len);
    if (strlen(path) != len) return luaL_error(L, "load: the file name holds a zero byte");
    lua_settop(L, 1);
    wk_lua_box *box = push_bundle(L, "load");
    wk_safetensors *st = box->p;
    if (wk_safetensors_read(path, st)) return wk_lua_fail(L, "load");
    lua_createtable(L, 0, st->count);
    lua_createtable(L, 0, st->meta_count);
    lua_createtable(L, st->count, 0);
    for (int i = 0; i < st->count; i++) {
        wk_tensor *t = wk_lua_push_empty(L);
        wk_tensor_share(t, &st->tensors[i]);
        wk_lua_account(L, t);
        lua_setfield(L, -4, st->names[i]);
        lua_pushstring(L, st->names[i]);
        lua_rawseti(L, -2, i + 1);
    }
    for (int i = 0; i < st->meta_count; i++) {
        lua_pushstring(L, st->meta_values[i]);
        lua_setfield(L, -3, st->meta_keys[i]);
    }
    wk_lua_box_release(box);   /* the tensors are shared by the results */
    return 3;
}

static const luaL_Reg store_funcs[] = {{"_save", store_save}, {"_load", store_load}, {NULL, NULL}};

int luaopen_wick_store(lua_State *L)
{
    luaL_newlib(L, store_funcs);
    return 1;
}
