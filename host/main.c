/* main.c — minimal runner (to be replaced by the full host): wick script.lua args */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>

#include "../bindings/wk_lua.h"

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    luaL_traceback(L, L, msg ? msg : "(error object is not a string)", 1);
    return 1;
}

int main(int argc, char **argv)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_wick);
    lua_setfield(L, -2, "wick");
    lua_pop(L, 1);
    int rc = 0;
    lua_createtable(L, argc, 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - 1);
    }
    lua_setglobal(L, "arg");
    lua_pushcfunction(L, traceback);
    if (argc > 2 && argv[1][0] == '-' && argv[1][1] == 'e') rc = luaL_loadstring(L, argv[2]);
    else if (argc > 1) rc = luaL_loadfile(L, argv[1]);
    if (rc == LUA_OK) rc = lua_pcall(L, 0, 0, -2);
    if (rc != LUA_OK) fprintf(stderr, "wick: %s\n", lua_tostring(L, -1));
    lua_close(L);
    return rc != LUA_OK;
}
