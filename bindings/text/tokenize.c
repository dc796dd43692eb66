/* tokenize.c — the C half of wick.text.tokenize: text to a list of words through lib's
 * one tokenizer (lib/text/tokenize.h), with the stop-word and length filters applied
 * while the list is built. tokenize.lua checks the options and holds the English
 * stop-word list.
 *
 *   _tokenize(text, lower, stop_set_or_nil, min_length) -> {word, …}
 *
 * stop_set is a Lua table whose keys are the (already lowercased when lower) words to
 * drop; a lookup is one interned-string probe. */
#include <string.h>

#include "../../lib/text/tokenize.h"
#include "../core/wk_lua.h"

static int tok_tokenize(lua_State *L)
{
    lua_settop(L, 4);
    size_t len;
    if (lua_type(L, 1) != LUA_TSTRING) return luaL_error(L, "tokenize: text must be a string, got %s", luaL_typename(L, 1));
    const char *s = lua_tolstring(L, 1, &len);
    int lower = lua_toboolean(L, 2);
    int stop = lua_istable(L, 3) ? 3 : 0;
    lua_Integer min_length = wk_lua_check_int(L, 4, "tokenize", "min_length", 1, WK_TOKEN_MAX);
    lua_newtable(L);   /* 5: the words */
    char buf[WK_TOKEN_MAX + 1];
    wk_tokenizer t;
    wk_tokenizer_init(&t, s, len, lower);
    lua_Integer n = 0;
    size_t tl;
    while ((tl = wk_tokenizer_next(&t, buf))) {
        if ((lua_Integer)tl < min_length) continue;
        lua_pushlstring(L, buf, tl);
        if (stop) {
            lua_pushvalue(L, -1);
            int hit = lua_rawget(L, stop) != LUA_TNIL;
            lua_pop(L, 1);
            if (hit) {
                lua_pop(L, 1);
                continue;
            }
        }
        lua_rawseti(L, 5, ++n);
    }
    return 1;
}

static const luaL_Reg tok_funcs[] = {{"_tokenize", tok_tokenize}, {NULL, NULL}};

int luaopen_wick_tokenize(lua_State *L)
{
    luaL_newlib(L, tok_funcs);
    return 1;
}
