/* flow.c — motion between frames, added to the wick.image table (after image.c's
 * functions) over lib/media/flow.h:
 *
 *   image.flow(prev, next [, {levels = 5, scale = 0.5, window = 15, iterations = 3,
 *              poly_n = 5, poly_sigma = 1.1, filter = "gaussian", init = flow}])
 *                                   -> 2×H×W flow (dx, dy): prev(y, x) ≈ next(y+dy, x+dx)
 *   image.warp(img, flow)           -> img sampled at (x + dx, y + dy): warp(next, f) ≈ prev
 *   image.flow_mask(fwd, bwd)       -> H×W, 1 where fwd is reliable (Ruder et al. 2016)
 *
 * Frames are H×W, 1×H×W or 3×H×W pictures (RGB goes grey inside). Options are checked
 * by name and range before anything is allocated; lib checks shapes and values.
 * image.flow keeps its scratch memory between calls (see luaopen_wick_image_flow). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/media/flow.h"
#include "../core/wk_lua.h"

static int image_flow(lua_State *L)
{
    static const char *const known[] = {"levels", "scale", "window", "iterations", "poly_n",
                                        "poly_sigma", "filter", "init", NULL};
    wk_lua_check_tensor(L, 1);
    wk_lua_check_tensor(L, 2);
    wk_lua_check_options(L, 3, "image.flow", known);
    wk_flow_opts o = wk_flow_defaults();
    o.levels = (int)wk_lua_opt_int(L, 3, "image.flow", "levels", o.levels, 1, WK_FLOW_MAX_LEVELS);
    o.scale = wk_lua_opt_number(L, 3, "image.flow", "scale", o.scale, 0.1, 0.95);
    o.window = (int)wk_lua_opt_int(L, 3, "image.flow", "window", o.window, 1, WK_FLOW_MAX_WINDOW);
    if (o.window % 2 == 0) return luaL_error(L, "image.flow: option 'window' must be odd, got %d", o.window);
    o.iterations = (int)wk_lua_opt_int(L, 3, "image.flow", "iterations", o.iterations, 1, WK_FLOW_MAX_ITERATIONS);
    o.poly_n = (int)wk_lua_opt_int(L, 3, "image.flow", "poly_n", o.poly_n, 1, WK_FLOW_MAX_POLY_N);
    o.poly_sigma = wk_lua_opt_number(L, 3, "image.flow", "poly_sigma", o.poly_sigma, 0.0, 2.0 * o.poly_n);
    if (o.poly_sigma <= 0) return luaL_error(L, "image.flow: option 'poly_sigma' must be above 0, got %f", o.poly_sigma);
    if (wk_lua_get_option(L, 3, "filter") != LUA_TNIL) {
        const char *f = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (f && !strcmp(f, "box"))
            o.box = 1;
        else if (!f || strcmp(f, "gaussian"))
            return luaL_error(L, "image.flow: option 'filter' must be \"gaussian\" or \"box\", got %s",
                              f ? f : luaL_typename(L, -1));
    }
    lua_settop(L, 3);
    if (wk_lua_get_option(L, 3, "init") != LUA_TNIL && !wk_lua_test_tensor(L, 4))
        return luaL_error(L, "image.flow: option 'init' must be a flow tensor 2×H×W, got %s", luaL_typename(L, 4));
    const wk_tensor *prev = wk_lua_contiguous(L, 1, "image.flow");   /* 5 */
    const wk_tensor *next = wk_lua_contiguous(L, 2, "image.flow");   /* 6 */
    const wk_tensor *init = wk_lua_opt_contiguous(L, 4, "image.flow");   /* 7 */
    wk_lua_box *box = lua_touserdata(L, lua_upvalueindex(1));
    wk_tensor *t = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_flow_farneback(t, prev, next, init, &o, box->p), "image.flow");
}

static int image_warp(lua_State *L)
{
    wk_lua_check_tensor(L, 1);
    wk_lua_check_tensor(L, 2);
    lua_settop(L, 2);
    const wk_tensor *img = wk_lua_contiguous(L, 1, "image.warp");
    const wk_tensor *flow = wk_lua_contiguous(L, 2, "image.warp");
    wk_tensor *t = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_flow_warp(t, img, flow), "image.warp");
}

static int image_flow_mask(lua_State *L)
{
    wk_lua_check_tensor(L, 1);
    wk_lua_check_tensor(L, 2);
    lua_settop(L, 2);
    const wk_tensor *fwd = wk_lua_contiguous(L, 1, "image.flow_mask");
    const wk_tensor *bwd = wk_lua_contiguous(L, 2, "image.flow_mask");
    wk_tensor *t = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_flow_consistency(t, fwd, bwd), "image.flow_mask");
}

static const luaL_Reg flow_funcs[] = {
    {"flow", image_flow}, {"warp", image_warp}, {"flow_mask", image_flow_mask}, {NULL, NULL}};

static void free_workspace(void *p)
{
    wk_workspace_free(p);
    free(p);
}

/* The workspace image.flow keeps from call to call (an upvalue of the three
 * functions; only flow uses it), so a sequence of frames allocates nothing after the
 * first: it holds about 23 floats a pixel of the largest frames seen, until the Lua
 * state closes. */
int luaopen_wick_image_flow(lua_State *L)
{
    wk_lua_box *box = wk_lua_push_box(L, free_workspace);
    box->p = calloc(1, sizeof(wk_workspace));
    if (!box->p) return luaL_error(L, "image.flow: out of memory");
    luaL_setfuncs(L, flow_funcs, 1);
    return 0;
}
