/* embed.c — placeholder for wick.embed until its module lands. */
#include "wk_lua.h"
int luaopen_wick_embed(lua_State *L)
{
    lua_newtable(L);
    return 1;
}
