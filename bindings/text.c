/* text.c — placeholder for wick.text until its module lands. */
#include "wk_lua.h"
int luaopen_wick_text(lua_State *L)
{
    lua_newtable(L);
    return 1;
}
