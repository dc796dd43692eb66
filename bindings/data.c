/* data.c — the C half of wick.data: reading IDX files (MNIST, Fashion-MNIST) through
 * lib/data/idx.c, and whether a stream is a terminal (progress lines show only there).
 * Dataset loaders and the batch iterator are Lua sugar in data.lua. */
#include <stdio.h>
#include <unistd.h>

#include "../lib/data/idx.h"
#include "wk_lua.h"

/* _idx(path) -> tensor of the stored shape with raw values */
static int data_idx(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_idx_read(path, t)) return wk_lua_fail(L, "data");
    wk_lua_account(L, t);
    return 1;
}

/* _isatty(fd) */
static int data_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
    return 1;
}

static const luaL_Reg data_funcs[] = {{"_idx", data_idx}, {"_isatty", data_isatty}, {NULL, NULL}};

int luaopen_wick_data(lua_State *L)
{
    luaL_newlib(L, data_funcs);
    return 1;
}
