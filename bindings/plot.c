/* plot.c — placeholder for wick.plot until its module lands. */
#include "wk_lua.h"
int luaopen_wick_plot(lua_State *L)
{
    lua_newtable(L);
    return 1;
}
