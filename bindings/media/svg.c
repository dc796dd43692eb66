/* svg.c — the `wick.svg` module: SVG text to an RGBA image tensor through librsvg
 * (lib/media/svg.c, loaded on first use), for the emoji sketch.
 *
 *   wick.svg.render(svg_text [, {size = 72}])      -> 4×size×size RGBA tensor in [0,1]
 *   wick.svg.render(svg_text, {width = w, height = h})
 *   wick.svg.parses(svg_text)                      -> true, or false + reason
 * Bad SVG raises "svg.render: cannot read the SVG: …"; a missing librsvg names the
 * Debian package (librsvg2-2). */
#include <stdio.h>
#include <string.h>

#include "../../lib/media/svg.h"
#include "../core/wk_lua.h"

int luaopen_wick_svg(lua_State *L);

static lua_Integer opt_int(lua_State *L, int idx, const char *key, lua_Integer def)
{
    if (lua_getfield(L, idx, key) == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }
    char name[32];
    snprintf(name, sizeof name, "option '%s'", key);
    lua_Integer v = wk_lua_check_int(L, -1, "svg.render", name, 1, 16384);
    lua_pop(L, 1);
    return v;
}

/* The SVG text argument (a string; zero bytes and all, librsvg takes a length). */
static const char *check_text(lua_State *L, size_t *len, const char *fname)
{
    if (lua_type(L, 1) != LUA_TSTRING) luaL_error(L, "%s: expected SVG text (a string), got %s", fname, luaL_typename(L, 1));
    return lua_tolstring(L, 1, len);
}

static int svg_render(lua_State *L)
{
    lua_settop(L, 2);
    size_t len;
    const char *text = check_text(L, &len, "svg.render");
    lua_Integer size = 72, w, h;
    if (!lua_isnil(L, 2)) {
        if (!lua_istable(L, 2)) return luaL_error(L, "svg.render: options must be a table, got %s", luaL_typename(L, 2));
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            lua_pop(L, 1);
            const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
            if (strcmp(k, "size") && strcmp(k, "width") && strcmp(k, "height"))
                return luaL_error(L, "svg.render: unknown option '%s' (expected size, width, height)", k);
        }
        size = opt_int(L, 2, "size", 72);
    }
    w = lua_isnil(L, 2) ? size : opt_int(L, 2, "width", size);
    h = lua_isnil(L, 2) ? size : opt_int(L, 2, "height", size);
    if (w < 1 || h < 1 || w > 16384 || h > 16384)
        return luaL_error(L, "svg.render: size must be 1..16384 pixels a side, got %Ix%I", w, h);
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_svg_render(t, text, len, (int)w, (int)h) != WK_OK) {
        const char *msg = wk_errmsg();
        if (!strncmp(msg, "svg: ", 5)) msg += 5;
        return luaL_error(L, "svg.render: %s", msg);
    }
    wk_lua_account(L, t);
    return 1;
}

static int svg_parses(lua_State *L)
{
    size_t len;
    const char *text = check_text(L, &len, "svg.parses");
    int r = wk_svg_parses(text, len);
    if (r == WK_ERR) {
        const char *msg = wk_errmsg();
        return luaL_error(L, "svg.parses: %s", strncmp(msg, "svg: ", 5) ? msg : msg + 5);
    }
    lua_pushboolean(L, r);
    if (r) return 1;
    lua_pushstring(L, wk_errmsg());
    return 2;
}

static const luaL_Reg svg_funcs[] = {{"render", svg_render}, {"parses", svg_parses}, {NULL, NULL}};

int luaopen_wick_svg(lua_State *L)
{
    luaL_newlib(L, svg_funcs);
    return 1;
}
