/* image.c — the wick.image module: load, save, resize and grid over lib/media.
 *
 *   image.load(path)                         -> C×H×W tensor in [0,1] (PNG or JPEG)
 *   image.save(t, path [, {bits = 8, quality = 90}])   -> path
 *   image.resize(t, h, w [, {mode = "bilinear"}])      -> tensor ("area", "nearest")
 *   image.grid(batch_or_list [, {cols, pad = 2, pad_value = 1}]) -> C×H'×W'
 *
 * Saved files carry the run's metadata: Software = wick, Sketch = the running
 * sketch's name (from the registry field "wick.script" the host sets) and Seed = the
 * seed in force, as PNG tEXt chunks (a JPEG gets one comment). Options tables are
 * checked for unknown keys so a typo is an error, not a silent default, and every
 * number is range-checked before it is cast or anything is allocated. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/media/image.h"
#include "../core/wk_lua.h"

#define MAX_RESIZE (1 << 20)   /* pixels a side, as lib/media/resize.c allows */
#define MAX_GRID (1 << 20)     /* images on one sheet, and columns */

/* ---- options -------------------------------------------------------------------- */

/* ---- load and save -------------------------------------------------------------- */

static int image_load(lua_State *L)
{
    const char *path = wk_lua_check_path(L, 1, "image.load");
    wk_tensor *t = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_image_load(t, path), "image.load");
}

/* The running sketch's name ("hello" for sketches/hello/hello.lua) into buf, or 0. */
static int sketch_name(lua_State *L, char *buf, size_t size)
{
    int found = 0;
    if (lua_getfield(L, LUA_REGISTRYINDEX, "wick.script") == LUA_TSTRING) {
        const char *path = lua_tostring(L, -1);
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t n = strlen(base);
        if (n > 4 && strcmp(base + n - 4, ".lua") == 0) n -= 4;
        if (n > 0) {
            if (n >= size) n = size - 1;
            memcpy(buf, base, n);
            buf[n] = '\0';
            found = 1;
        }
    }
    lua_pop(L, 1);
    return found;
}

static int image_save(lua_State *L)
{
    static const char *const known[] = {"bits", "quality", NULL};
    wk_tensor *t = wk_lua_check_tensor(L, 1);
    const char *path = wk_lua_check_path(L, 2, "image.save");
    wk_lua_check_options(L, 3, "image.save", known);
    wk_image_save_opts o = {0};
    o.bits = (int)wk_lua_opt_int(L, 3, "image.save", "bits", 8, 8, 16);
    o.quality = (int)wk_lua_opt_int(L, 3, "image.save", "quality", 90, 1, 100);
    if (o.bits != 8 && o.bits != 16) return luaL_error(L, "image.save: option 'bits' must be 8 or 16, got %d", o.bits);

    char sketch[256], seed[32];
    wk_image_text text[3];
    int n = 0;
    text[n++] = (wk_image_text){"Software", "wick"};
    if (sketch_name(L, sketch, sizeof sketch)) text[n++] = (wk_image_text){"Sketch", sketch};
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)wk_rng_get_seed());
    text[n++] = (wk_image_text){"Seed", seed};
    o.text = text;
    o.ntext = n;
    if (wk_image_save(t, path, &o)) return wk_lua_fail(L, "image.save");
    lua_settop(L, 2);
    return 1;
}

/* ---- resize --------------------------------------------------------------------- */

static int image_resize(lua_State *L)
{
    static const char *const known[] = {"mode", NULL};
    static const char *const modes[] = {"bilinear", "area", "nearest", NULL};
    static const wk_resize_mode mode_ids[] = {WK_RESIZE_BILINEAR, WK_RESIZE_AREA, WK_RESIZE_NEAREST};
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    lua_Integer h = wk_lua_check_int(L, 2, "image.resize", "height", 1, MAX_RESIZE);
    lua_Integer w = wk_lua_check_int(L, 3, "image.resize", "width", 1, MAX_RESIZE);
    wk_lua_check_options(L, 4, "image.resize", known);
    int mode = 0;
    if (wk_lua_get_option(L, 4, "mode") != LUA_TNIL) {
        const char *m = lua_tostring(L, -1);
        if (lua_type(L, -1) != LUA_TSTRING) m = NULL;
        for (mode = 0; m && modes[mode] && strcmp(m, modes[mode]); mode++) {}
        if (!m || !modes[mode])
            return luaL_error(L, "image.resize: mode must be \"bilinear\", \"area\" or \"nearest\", got %s",
                              m ? m : luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    wk_tensor *t = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_image_resize(t, src, h, w, mode_ids[mode]), "image.resize");
}

/* ---- grid ----------------------------------------------------------------------- */

/* Image k of a batch (N×C×H×W or N×H×W) as a view that borrows the batch's storage
 * without a reference: the batch stays on the Lua stack for the whole call. */
static void batch_item(wk_tensor *v, const wk_tensor *b, int64_t k)
{
    memset(v, 0, sizeof *v);
    v->storage = b->storage;
    v->offset = b->offset + k * b->stride[0];
    v->ndim = b->ndim - 1;
    for (int d = 1; d < b->ndim; d++) v->shape[d - 1] = b->shape[d], v->stride[d - 1] = b->stride[d];
}

static int image_grid(lua_State *L)
{
    static const char *const known[] = {"cols", "pad", "pad_value", NULL};
    char buf[160];
    wk_lua_check_options(L, 2, "image.grid", known);
    lua_Integer cols = wk_lua_opt_int(L, 2, "image.grid", "cols", 0, 1, MAX_GRID);   /* absent (0): about square */
    lua_Integer pad = wk_lua_opt_int(L, 2, "image.grid", "pad", 2, 0, 1 << 16);
    lua_Number pad_value = wk_lua_opt_number(L, 2, "image.grid", "pad_value", 1.0, -HUGE_VAL, HUGE_VAL);

    wk_tensor *batch = wk_lua_test_tensor(L, 1);
    int64_t n;
    if (batch) {
        if (batch->ndim != 3 && batch->ndim != 4)
            return luaL_error(L, "image.grid: expected a batch N×C×H×W or N×H×W (or a list of images), got shape %s",
                              wk_tensor_shape_str(batch, buf, sizeof buf));
        n = batch->shape[0];
    } else if (lua_istable(L, 1)) {
        n = (int64_t)luaL_len(L, 1);
    } else {
        return luaL_error(L, "image.grid: expected a tensor batch or a list of tensors, got %s", luaL_typename(L, 1));
    }
    if (n < 1) return luaL_error(L, "image.grid: no images to lay out");
    if (n > MAX_GRID) return luaL_error(L, "image.grid: at most %d images fit a sheet, got %I", MAX_GRID, (lua_Integer)n);
    /* scratch owned by Lua, so an error below frees it */
    wk_tensor *views = lua_newuserdatauv(L, sizeof *views * (size_t)n, 0);
    const wk_tensor **ptrs = lua_newuserdatauv(L, sizeof *ptrs * (size_t)n, 0);
    for (int64_t k = 0; k < n; k++) {
        if (batch) {
            batch_item(&views[k], batch, k);
        } else {
            lua_geti(L, 1, (lua_Integer)k + 1);
            wk_tensor *t = wk_lua_test_tensor(L, -1);
            if (!t)
                return luaL_error(L, "image.grid: item %d of the list is %s, expected a tensor", (int)k + 1,
                                  luaL_typename(L, -1));
            views[k] = *t;   /* borrowed: the list keeps it alive */
            lua_pop(L, 1);
        }
        ptrs[k] = &views[k];
    }
    wk_tensor *t = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_image_grid(t, ptrs, n, (int)cols, (int)pad, (float)pad_value), "image.grid");
}

static const luaL_Reg image_funcs[] = {
    {"load", image_load}, {"save", image_save}, {"resize", image_resize}, {"grid", image_grid}, {NULL, NULL}};

int luaopen_wick_image(lua_State *L)
{
    luaL_newlib(L, image_funcs);
    return 1;
}
