/* image.c — placeholder until wick.image lands. */
#include "wk_lua.h"
int luaopen_wick_image(lua_State *L) { lua_newtable(L); return 1; }
