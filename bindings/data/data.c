/* data.c — the C half of wick.data: reading IDX files (MNIST, Fashion-MNIST) through
 * lib/data/idx.c, and whether a stream is a terminal (progress lines show only there).
 * Dataset loaders and the batch iterator are Lua sugar in data.lua. */
#include <stdio.h>
#include <unistd.h>

#include "../../lib/data/idx.h"
#include "../core/wk_lua.h"

/* _idx(path [, fname]) -> tensor of the stored shape with raw values; errors are named
 * fname (the public loader). The result is pushed empty before reading, so a failure
 * leaves nothing to free (the reader releases its own buffers). */
static int data_idx(lua_State *L)
{
    const char *fname = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "data";
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "%s: the IDX file's path must be a string, got %s", fname, luaL_typename(L, 1));
    const char *path = lua_tostring(L, 1);
    wk_tensor *t = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_idx_read(path, t), fname);
}

/* _isatty(fd) */
static int data_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty((int)wk_lua_check_int(L, 1, "isatty", "fd", 0, 1 << 20)));
    return 1;
}

static const luaL_Reg data_funcs[] = {{"_idx", data_idx}, {"_isatty", data_isatty}, {NULL, NULL}};

int luaopen_wick_data(lua_State *L)
{
    luaL_newlib(L, data_funcs);
    return 1;
}
