/* plot.c — the C half of wick.plot: reads the options tables that bindings/media/plot.lua has
 * checked for unknown names and filled with defaults (false = none), turns them into
 * lib/media/draw.h structs, and returns the pictures as C×H×W tensors. plot.lua adds
 * the public scatter/heatmap/mosaic, which save to a path through wick.image.save (so
 * files carry the sketch name and seed) or return the tensor.
 *
 *   plot._scatter(points, opts)    -> image, sx, sy, ox, oy   (pixel = o + s·point, 0-based)
 *   plot._heatmap(matrix, opts)    -> image, x0, y0           (first cell's corner, 0-based)
 *   plot._mosaic(images, cells, opts) -> image
 *   plot._line(series, opts)       -> image, left, top, width, height, x0, x1, y0, y1 (the frame)
 *   plot.colormap(name, t)         -> r, g, b   (t a number), or an N×3 tensor (t a tensor)
 *   plot.palette(id)               -> r, g, b   (the class colour used for labels)
 *
 * Scratch arrays live in Lua userdata so that an error midway leaks nothing, and every
 * count that sizes one is bounded first. */
#include <math.h>
#include <string.h>

#include "../../lib/media/draw.h"
#include "../core/wk_lua.h"

/* Points, lines or images in one call: scratch arrays are sized from these counts, so
 * they are bounded before anything is allocated (16.7 M points is far past legible). */
#define MAX_ITEMS (1 << 24)

/* ---- reading options ------------------------------------------------------------ */

/* Push opts[key]; false counts as absent (returns 0, pushes nil). */
static int field(lua_State *L, int idx, const char *key)
{
    int t = lua_getfield(L, idx, key);
    if (t == LUA_TNIL || (t == LUA_TBOOLEAN && !lua_toboolean(L, -1))) {
        lua_pop(L, 1);
        lua_pushnil(L);
        return 0;
    }
    return 1;
}

static double num_field(lua_State *L, int idx, const char *key, const char *fname)
{
    field(L, idx, key);
    if (lua_type(L, -1) != LUA_TNUMBER)
        luaL_error(L, "%s: option '%s' must be a number, got %s", fname, key, luaL_typename(L, -1));
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

/* n numbers from the list at the top of the stack into out; what names it in errors. */
static void read_numbers(lua_State *L, double *out, int nmin, int nmax, const char *what, const char *fname)
{
    if (!lua_istable(L, -1))
        luaL_error(L, "%s: %s must be a table of %d numbers, got %s", fname, what, nmin, luaL_typename(L, -1));
    int n = (int)luaL_len(L, -1);
    if (n < nmin || n > nmax) {
        if (nmin == nmax) luaL_error(L, "%s: %s must have %d numbers, got %d", fname, what, nmin, n);
        luaL_error(L, "%s: %s must have %d to %d numbers, got %d", fname, what, nmin, nmax, n);
    }
    for (int i = 0; i < n; i++) {
        if (lua_geti(L, -1, i + 1) != LUA_TNUMBER)
            luaL_error(L, "%s: %s entry %d must be a number, got %s", fname, what, i + 1, luaL_typename(L, -1));
        out[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
}

/* An {r, g, b} (or {r, g, b, a} when alpha) option; returns how many were given. */
static int rgb_field(lua_State *L, int idx, const char *key, float *out, int alpha, const char *fname)
{
    double v[4] = {0, 0, 0, 1};
    char what[64];
    snprintf(what, sizeof what, "option '%s'", key);
    field(L, idx, key);
    read_numbers(L, v, 3, alpha ? 4 : 3, what, fname);
    int n = (int)luaL_len(L, -1);
    lua_pop(L, 1);
    for (int c = 0; c < 4; c++)
        if (!(v[c] >= 0 && v[c] <= 1))
            luaL_error(L, "%s: option '%s' must have components in [0,1], entry %d is %f", fname, key, c + 1, v[c]);
    for (int c = 0; c < (alpha ? 4 : 3); c++) out[c] = (float)v[c];
    return n;
}

/* A string option, or NULL when false; the string stays valid while opts lives. */
static const char *str_field(lua_State *L, int idx, const char *key, const char *fname)
{
    const char *s = NULL;
    if (field(L, idx, key)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "%s: option '%s' must be a string, got %s", fname, key, luaL_typename(L, -1));
        s = lua_tostring(L, -1);
    }
    lua_pop(L, 1);
    return s;
}

/* Whole numbers from a 1-D tensor or a Lua list at the top of the stack into a new
 * userdata array (left on the stack under nothing; returned). Checks the count is n
 * (n < 0: any, stored in *count). */
static int64_t *int_list(lua_State *L, int64_t n, int64_t *count, const char *what, const char *fname)
{
    int src = lua_gettop(L);
    wk_tensor *t = wk_lua_test_tensor(L, src);
    char buf[64];
    int64_t len;
    if (t) {
        if (t->ndim != 1) luaL_error(L, "%s: %s must be a 1-D tensor or a list, got shape %s", fname, what,
                                     wk_tensor_shape_str(t, buf, sizeof buf));
        len = t->shape[0];
    } else if (lua_istable(L, src)) {
        len = (int64_t)luaL_len(L, src);
    } else {
        return luaL_error(L, "%s: %s must be a tensor or a list of numbers, got %s", fname, what, luaL_typename(L, src)), NULL;
    }
    if (n >= 0 && len != n)
        luaL_error(L, "%s: %I %s for %I %s", fname, (lua_Integer)len, what, (lua_Integer)n,
                   strcmp(what, "cells") == 0 ? "images" : "points");
    int64_t *out = lua_newuserdatauv(L, sizeof *out * (size_t)(len ? len : 1), 0);
    for (int64_t i = 0; i < len; i++) {
        double v;
        if (t) {
            v = wk_tensor_data(t)[i * t->stride[0]];
        } else {
            if (lua_geti(L, src, (lua_Integer)i + 1) != LUA_TNUMBER)
                luaL_error(L, "%s: %s entry %I is %s, not a number", fname, what, (lua_Integer)i + 1, luaL_typename(L, -1));
            v = lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
        if (!(v == floor(v) && fabs(v) < 9e15))
            luaL_error(L, "%s: %s entry %I is %f, not a whole number", fname, what, (lua_Integer)i + 1, v);
        out[i] = (int64_t)v;
    }
    if (count) *count = len;
    return out;
}

/* ---- scatter -------------------------------------------------------------------- */

static void scatter_opts(lua_State *L, wk_scatter_opts *o, double *bounds, int64_t n)
{
    const char *f = "plot.scatter";
    const int opts = 2;
    memset(o, 0, sizeof *o);
    field(L, opts, "size");
    if (lua_type(L, -1) == LUA_TNUMBER) {
        double s = lua_tonumber(L, -1);
        o->width = o->height = s >= 1 && s <= WK_DRAW_MAX_SIDE ? (int)s : 0;
    } else {
        double wh[2] = {0, 0};
        read_numbers(L, wh, 2, 2, "option 'size'", f);
        o->width = wh[0] >= 1 && wh[0] <= WK_DRAW_MAX_SIDE ? (int)wh[0] : 0;
        o->height = wh[1] >= 1 && wh[1] <= WK_DRAW_MAX_SIDE ? (int)wh[1] : 0;
    }
    lua_pop(L, 1);
    if (!o->width || !o->height)
        luaL_error(L, "%s: option 'size' must be a number or {w, h} in 1..%d", f, WK_DRAW_MAX_SIDE);
    o->radius = num_field(L, opts, "radius", f);
    o->alpha = num_field(L, opts, "alpha", f);
    o->font_size = num_field(L, opts, "font_size", f);
    o->line_width = num_field(L, opts, "line_width", f);
    rgb_field(L, opts, "color", o->color, 0, f);
    field(L, opts, "text_color");
    int point = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "point") == 0;
    lua_pop(L, 1);
    if (point) o->text_point_color = 1;
    else rgb_field(L, opts, "text_color", o->text_color, 0, f);
    rgb_field(L, opts, "line_color", o->line_color, 0, f);
    o->background[3] = 1;
    rgb_field(L, opts, "background", o->background, 1, f);
    o->title = str_field(L, opts, "title", f);
    o->margin = -1;
    if (field(L, opts, "margin")) {
        if (lua_type(L, -1) != LUA_TNUMBER || !(lua_tonumber(L, -1) >= 0))
            luaL_error(L, "%s: option 'margin' must be a number of pixels >= 0, got %s", f, luaL_tolstring(L, -1, NULL));
        o->margin = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    const char *fit = str_field(L, opts, "fit", f);
    if (fit && strcmp(fit, "equal") && strcmp(fit, "stretch"))
        luaL_error(L, "%s: option 'fit' must be \"equal\" or \"stretch\", got \"%s\"", f, fit);
    o->stretch = fit && strcmp(fit, "stretch") == 0;

    if (field(L, opts, "bounds")) {
        read_numbers(L, bounds, 4, 4, "option 'bounds' {x0, y0, x1, y1}", f);
        o->bounds = bounds;
    }
    lua_pop(L, 1);
    if (field(L, opts, "colors")) {
        o->colors = wk_lua_test_tensor(L, -1);
        if (!o->colors) luaL_error(L, "%s: option 'colors' must be an N×3 tensor, got %s", f, luaL_typename(L, -1));
    }
    lua_pop(L, 1);   /* the tensor stays alive in opts */
    if (field(L, opts, "labels")) o->labels = int_list(L, n, NULL, "labels", f);
    else lua_pushnil(L);   /* keep the slot count even */
    /* lines: {{i, j}, …} or a K×2 tensor, 1-based → 0-based pairs */
    if (field(L, opts, "lines")) {
        int src = lua_gettop(L);
        wk_tensor *t = wk_lua_test_tensor(L, src);
        char buf[64];
        if (t && (t->ndim != 2 || t->shape[1] != 2))
            luaL_error(L, "%s: option 'lines' must be a K×2 tensor or a list of {i, j} pairs, got shape %s", f,
                       wk_tensor_shape_str(t, buf, sizeof buf));
        if (!t && !lua_istable(L, src))
            luaL_error(L, "%s: option 'lines' must be a list of {i, j} pairs, got %s", f, luaL_typename(L, src));
        int64_t k = t ? t->shape[0] : (int64_t)luaL_len(L, src);
        if (k < 0 || k > MAX_ITEMS) luaL_error(L, "%s: option 'lines' must hold 0 to %d pairs, got %I", f, MAX_ITEMS, (lua_Integer)k);
        int64_t *pairs = lua_newuserdatauv(L, sizeof *pairs * 2 * (size_t)(k ? k : 1), 0);
        for (int64_t i = 0; i < k; i++) {
            double v[2];
            if (t) {
                for (int e = 0; e < 2; e++) v[e] = wk_tensor_data(t)[i * t->stride[0] + e * t->stride[1]];
            } else {
                char what[48];
                snprintf(what, sizeof what, "line %lld", (long long)i + 1);
                lua_geti(L, src, (lua_Integer)i + 1);
                read_numbers(L, v, 2, 2, what, f);
                lua_pop(L, 1);
            }
            for (int e = 0; e < 2; e++) {
                if (!(v[e] == floor(v[e]) && fabs(v[e]) < 9e15))
                    luaL_error(L, "%s: line %I joins point %f, not a whole number", f, (lua_Integer)i + 1, v[e]);
                pairs[2 * i + e] = (int64_t)v[e] - 1;
            }
        }
        o->lines = pairs, o->nlines = k;
    } else {
        lua_pushnil(L);
    }
    /* text: a list of strings with entries in 1..N (holes allowed) */
    if (field(L, opts, "text")) {
        int src = lua_gettop(L);
        if (!lua_istable(L, src)) luaL_error(L, "%s: option 'text' must be a list of strings, got %s", f, luaL_typename(L, src));
        const char **text = lua_newuserdatauv(L, sizeof *text * (size_t)n, 0);
        memset(text, 0, sizeof *text * (size_t)n);
        lua_pushnil(L);
        while (lua_next(L, src)) {
            lua_Integer i = lua_isinteger(L, -2) ? lua_tointeger(L, -2) : 0;
            if (i < 1 || i > n)
                luaL_error(L, "%s: option 'text' has an entry at %s, outside the %I points", f,
                           luaL_tolstring(L, -2, NULL), (lua_Integer)n);
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "%s: text %I is %s, not a string", f, i, luaL_typename(L, -1));
            text[i - 1] = lua_tostring(L, -1);   /* kept alive by the text table */
            lua_pop(L, 1);
        }
        o->text = text;
    } else {
        lua_pushnil(L);
    }
}

static wk_tensor *check_points(lua_State *L, const char *f)
{
    wk_tensor *p = wk_lua_test_tensor(L, 1);
    char buf[64];
    if (!p) luaL_error(L, "%s: points must be an N×2 tensor, got %s", f, luaL_typename(L, 1));
    if (p->ndim != 2 || p->shape[1] != 2 || p->shape[0] < 1)
        luaL_error(L, "%s: points must be an N×2 tensor, got shape %s", f, wk_tensor_shape_str(p, buf, sizeof buf));
    if (p->shape[0] > MAX_ITEMS)   /* before any per-point scratch is sized from N */
        luaL_error(L, "%s: at most %d points fit a picture, got %I", f, MAX_ITEMS, (lua_Integer)p->shape[0]);
    return p;
}

static int plot_scatter(lua_State *L)
{
    lua_settop(L, 2);
    wk_tensor *points = check_points(L, "plot.scatter");
    luaL_checktype(L, 2, LUA_TTABLE);
    wk_scatter_opts o;
    double bounds[4];
    scatter_opts(L, &o, bounds, points->shape[0]);
    wk_tensor *img = wk_lua_push_empty(L);
    if (wk_draw_scatter(img, points, &o)) return wk_lua_fail(L, "plot.scatter");
    wk_lua_account(L, img);
    double px0, py0, px1, py1;
    if (wk_scatter_transform(&px0, &py0, points, &o, 0, 0) || wk_scatter_transform(&px1, &py1, points, &o, 1, 1))
        return wk_lua_fail(L, "plot.scatter");
    lua_pushnumber(L, px1 - px0);
    lua_pushnumber(L, py1 - py0);
    lua_pushnumber(L, px0);
    lua_pushnumber(L, py0);
    return 5;
}

/* ---- heatmap -------------------------------------------------------------------- */

/* The names list in opts[key] as a userdata array of n strings, or NULL when false. */
static const char **names_field(lua_State *L, int idx, const char *key, int64_t n, const char *what, const char *f)
{
    if (!field(L, idx, key)) return NULL;   /* leaves nil: one slot either way */
    int src = lua_gettop(L);
    if (!lua_istable(L, src)) luaL_error(L, "%s: option '%s' must be a list of names, got %s", f, key, luaL_typename(L, src));
    int64_t len = (int64_t)luaL_len(L, src);
    if (len != n) luaL_error(L, "%s: %I %s names for %I %ss", f, (lua_Integer)len, what, (lua_Integer)n, what);
    lua_createtable(L, (int)n, 0);   /* keeps the strings that numbers become */
    int keep = lua_gettop(L);
    const char **names = lua_newuserdatauv(L, sizeof *names * (size_t)n, 0);
    for (int64_t i = 0; i < n; i++) {
        int t = lua_geti(L, src, (lua_Integer)i + 1);
        if (t != LUA_TSTRING && t != LUA_TNUMBER)
            luaL_error(L, "%s: %s name %I is %s, not a string", f, what, (lua_Integer)i + 1, luaL_typename(L, -1));
        names[i] = lua_tostring(L, -1);
        lua_rawseti(L, keep, (lua_Integer)i + 1);
    }
    return names;
}

static int plot_heatmap(lua_State *L)
{
    const char *f = "plot.heatmap";
    lua_settop(L, 2);
    wk_tensor *m = wk_lua_test_tensor(L, 1);
    if (!m) return luaL_error(L, "%s: expected a matrix (R×C tensor), got %s", f, luaL_typename(L, 1));
    luaL_checktype(L, 2, LUA_TTABLE);
    char buf[64];
    if (m->ndim != 2 || m->shape[0] < 1 || m->shape[1] < 1 || m->shape[0] > WK_DRAW_MAX_SIDE || m->shape[1] > WK_DRAW_MAX_SIDE)
        return luaL_error(L, "%s: expected a matrix R×C with 1 to %d rows and columns (a cell is at least a pixel), got shape %s",
                          f, WK_DRAW_MAX_SIDE, wk_tensor_shape_str(m, buf, sizeof buf));
    wk_heatmap_opts o;
    memset(&o, 0, sizeof o);
    o.row_names = names_field(L, 2, "rows", m->shape[0], "row", f);
    o.col_names = names_field(L, 2, "cols", m->shape[1], "column", f);
    double cell = num_field(L, 2, "cell", f);
    if (!(cell >= 1 && cell <= WK_DRAW_MAX_SIDE && cell == floor(cell)))
        return luaL_error(L, "%s: option 'cell' must be a whole number of pixels in 1..%d, got %f", f, WK_DRAW_MAX_SIDE, cell);
    o.cell = (int)cell;
    o.colormap = str_field(L, 2, "colormap", f);
    if (field(L, 2, "range")) {
        double r[2];
        read_numbers(L, r, 2, 2, "option 'range' {lo, hi}", f);
        o.lo = r[0], o.hi = r[1], o.has_range = 1;
    }
    lua_pop(L, 1);
    field(L, 2, "values");
    o.values = lua_toboolean(L, -1);
    lua_pop(L, 1);
    o.font_size = num_field(L, 2, "font_size", f);
    rgb_field(L, 2, "background", o.background, 0, f);
    o.title = str_field(L, 2, "title", f);
    wk_tensor *img = wk_lua_push_empty(L);
    int64_t origin[2];
    if (wk_draw_heatmap(img, origin, m, &o)) return wk_lua_fail(L, f);
    wk_lua_account(L, img);
    lua_pushinteger(L, (lua_Integer)origin[0]);
    lua_pushinteger(L, (lua_Integer)origin[1]);
    return 3;
}

/* ---- mosaic --------------------------------------------------------------------- */

static int plot_mosaic(lua_State *L)
{
    const char *f = "plot.mosaic";
    char buf[64];
    lua_settop(L, 3);
    luaL_checktype(L, 3, LUA_TTABLE);
    wk_tensor *batch = wk_lua_test_tensor(L, 1);
    int64_t n;
    if (batch) {
        if (batch->ndim != 3 && batch->ndim != 4)
            return luaL_error(L, "%s: images must be a batch N×C×H×W or N×H×W (or a list of images), got shape %s", f,
                              wk_tensor_shape_str(batch, buf, sizeof buf));
        n = batch->shape[0];
    } else if (lua_istable(L, 1)) {
        n = (int64_t)luaL_len(L, 1);
    } else {
        return luaL_error(L, "%s: images must be a tensor batch or a list of tensors, got %s", f, luaL_typename(L, 1));
    }
    if (n < 1) return luaL_error(L, "%s: no images to place", f);
    if (n > MAX_ITEMS) return luaL_error(L, "%s: at most %d images fit a mosaic, got %I", f, MAX_ITEMS, (lua_Integer)n);
    lua_pushvalue(L, 2);
    int64_t *cells = int_list(L, n, NULL, "cells", f);
    double grid[2];
    const char *keys[2] = {"cols", "rows"};
    for (int k = 0; k < 2; k++) {
        grid[k] = num_field(L, 3, keys[k], f);
        if (!(grid[k] >= 1 && grid[k] <= 1 << 20 && grid[k] == floor(grid[k])))
            return luaL_error(L, "%s: option '%s' must be a positive whole number, got %f", f, keys[k], grid[k]);
    }
    double cs[2] = {0, 0};
    if (field(L, 3, "cell_size")) {
        if (lua_type(L, -1) == LUA_TNUMBER) cs[0] = cs[1] = lua_tonumber(L, -1);
        else read_numbers(L, cs, 2, 2, "option 'cell_size' {h, w}", f);
        for (int k = 0; k < 2; k++)
            if (!(cs[k] >= 1 && cs[k] <= WK_DRAW_MAX_SIDE && cs[k] == floor(cs[k])))
                return luaL_error(L, "%s: option 'cell_size' must be whole pixels in 1..%d, got %f", f, WK_DRAW_MAX_SIDE, cs[k]);
    }
    lua_pop(L, 1);
    double background = num_field(L, 3, "background", f);
    if (!isfinite(background)) return luaL_error(L, "%s: option 'background' must be a finite number, got %f", f, background);

    /* borrowed views of each image: the batch or the list keeps them alive */
    wk_tensor *views = lua_newuserdatauv(L, sizeof *views * (size_t)n, 0);
    const wk_tensor **ptrs = lua_newuserdatauv(L, sizeof *ptrs * (size_t)n, 0);
    for (int64_t k = 0; k < n; k++) {
        if (batch) {
            wk_tensor *v = &views[k];
            memset(v, 0, sizeof *v);
            v->storage = batch->storage;
            v->offset = batch->offset + k * batch->stride[0];
            v->ndim = batch->ndim - 1;
            for (int d = 1; d < batch->ndim; d++) v->shape[d - 1] = batch->shape[d], v->stride[d - 1] = batch->stride[d];
        } else {
            lua_geti(L, 1, (lua_Integer)k + 1);
            wk_tensor *t = wk_lua_test_tensor(L, -1);
            if (!t) return luaL_error(L, "%s: image %I of the list is %s, expected a tensor", f, (lua_Integer)k + 1, luaL_typename(L, -1));
            views[k] = *t;
            lua_pop(L, 1);
        }
        ptrs[k] = &views[k];
    }
    wk_tensor *img = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_draw_mosaic(img, ptrs, n, cells, (int)grid[0], (int)grid[1], (int)cs[0], (int)cs[1], (float)background), f);
}

/* ---- line plot ----------------------------------------------------------------- */

/* The numbers of the list at the top of the stack into a new userdata array of n
 * doubles (left on the stack). NaN passes (a gap); what names it in errors. */
static double *number_list(lua_State *L, int64_t n, const char *what, const char *f)
{
    int src = lua_gettop(L);
    double *out = lua_newuserdatauv(L, sizeof *out * (size_t)(n ? n : 1), 0);
    for (int64_t k = 0; k < n; k++) {
        if (lua_geti(L, src, (lua_Integer)k + 1) != LUA_TNUMBER)
            luaL_error(L, "%s: %s value %I is %s, not a number", f, what, (lua_Integer)k + 1, luaL_typename(L, -1));
        out[k] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    return out;
}

/* plot._line({{name =, x =, y =, color =}, …}, opts): plot.lua has turned every form
 * of input into this list of plain Lua lists. */
static int plot_line(lua_State *L)
{
    const char *f = "plot.line";
    lua_settop(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    int64_t ns = (int64_t)luaL_len(L, 1);
    if (ns < 1) return luaL_error(L, "%s: no series to draw", f);
    if (ns > 4096) return luaL_error(L, "%s: at most 4096 series fit a plot, got %I", f, (lua_Integer)ns);
    wk_line_opts o;
    memset(&o, 0, sizeof o);
    field(L, 2, "size");
    double wh[2];
    if (lua_type(L, -1) == LUA_TNUMBER) wh[0] = wh[1] = lua_tonumber(L, -1);
    else read_numbers(L, wh, 2, 2, "option 'size' {w, h}", f);
    lua_pop(L, 1);
    for (int k = 0; k < 2; k++)
        if (!(wh[k] >= 1 && wh[k] <= WK_DRAW_MAX_SIDE))
            return luaL_error(L, "%s: option 'size' must be a number or {w, h} in 1..%d", f, WK_DRAW_MAX_SIDE);
    o.width = (int)wh[0], o.height = (int)wh[1];
    field(L, 2, "log_y");
    o.log_y = lua_toboolean(L, -1);
    lua_pop(L, 1);
    field(L, 2, "legend");
    o.legend = lua_toboolean(L, -1);
    lua_pop(L, 1);
    o.line_width = num_field(L, 2, "line_width", f);
    o.font_size = num_field(L, 2, "font_size", f);
    rgb_field(L, 2, "background", o.background, 0, f);
    o.title = str_field(L, 2, "title", f);
    o.x_label = str_field(L, 2, "x_label", f);
    o.y_label = str_field(L, 2, "y_label", f);
    wk_line_series *s = lua_newuserdatauv(L, sizeof *s * (size_t)ns, 0);   /* 3 */
    for (int64_t i = 0; i < ns; i++) {
        char what[80];
        wk_line_series *e = &s[i];
        memset(e, 0, sizeof *e);
        luaL_checkstack(L, 8, "plot.line: too many series");   /* each leaves 4 slots */
        lua_geti(L, 1, (lua_Integer)i + 1);   /* stays on the stack: keeps name and arrays */
        int t = lua_gettop(L);
        if (!lua_istable(L, t)) return luaL_error(L, "%s: series %I is %s, not a table", f, (lua_Integer)i + 1, luaL_typename(L, t));
        e->name = str_field(L, t, "name", f);
        if (e->name) snprintf(what, sizeof what, "series '%.60s'", e->name);
        else snprintf(what, sizeof what, "series %lld", (long long)i + 1);
        lua_getfield(L, t, "y");
        if (!lua_istable(L, -1)) return luaL_error(L, "%s: %s has no list of values", f, what);
        e->n = (int64_t)luaL_len(L, -1);
        if (e->n > MAX_ITEMS) return luaL_error(L, "%s: %s has %I values, more than %d", f, what, (lua_Integer)e->n, MAX_ITEMS);
        e->y = number_list(L, e->n, what, f);
        if (field(L, t, "x")) {
            if (!lua_istable(L, -1)) return luaL_error(L, "%s: %s's x must be a list of numbers", f, what);
            int64_t nx = (int64_t)luaL_len(L, -1);
            if (nx != e->n) return luaL_error(L, "%s: %s has %I values but %I x values", f, what, (lua_Integer)e->n, (lua_Integer)nx);
            char xwhat[96];
            snprintf(xwhat, sizeof xwhat, "%s x", what);
            e->x = number_list(L, e->n, xwhat, f);
        }
        rgb_field(L, t, "color", e->color, 0, f);
    }
    wk_tensor *img = wk_lua_push_empty(L);
    wk_line_frame fr;
    if (wk_draw_lines(img, &fr, s, ns, &o)) return wk_lua_fail(L, f);
    wk_lua_account(L, img);
    double v[8] = {fr.left, fr.top, fr.width, fr.height, fr.x0, fr.x1, fr.y0, fr.y1};
    for (int k = 0; k < 8; k++) lua_pushnumber(L, v[k]);
    return 9;
}

/* ---- colours -------------------------------------------------------------------- */

static int plot_colormap(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "plot.colormap: expected a colormap name, got %s", luaL_typename(L, 1));
    const char *name = lua_tostring(L, 1);
    float rgb[3];
    if (wk_colormap(rgb, name, 0)) return wk_lua_fail(L, "plot.colormap");
    wk_tensor *t = wk_lua_test_tensor(L, 2);
    if (!t) {
        wk_colormap(rgb, name, (float)wk_lua_check_finite(L, 2, "plot.colormap", "t", -HUGE_VAL, HUGE_VAL));
        for (int c = 0; c < 3; c++) lua_pushnumber(L, rgb[c]);
        return 3;
    }
    char buf[64];
    if (t->ndim != 1)
        return luaL_error(L, "plot.colormap: expected a number or a 1-D tensor of values in [0,1], got shape %s",
                          wk_tensor_shape_str(t, buf, sizeof buf));
    wk_tensor *out = wk_lua_push_empty(L);
    int64_t shape[2] = {t->shape[0], 3};
    int rc = wk_tensor_new(out, 2, shape);
    float *o = rc == WK_OK ? wk_tensor_data(out) : NULL;
    for (int64_t i = 0; o && i < t->shape[0]; i++) wk_colormap(o + 3 * i, name, wk_tensor_data(t)[i * t->stride[0]]);
    return wk_lua_result(L, rc, "plot.colormap");
}

static int plot_palette(lua_State *L)
{
    lua_Integer id = wk_lua_check_int(L, 1, "plot.palette", "class id", 1, LUA_MAXINTEGER);
    float rgb[3];
    wk_palette(rgb, (int64_t)id);
    for (int c = 0; c < 3; c++) lua_pushnumber(L, rgb[c]);
    return 3;
}

static int plot_load(lua_State *L)
{
    if (wk_draw_load()) return wk_lua_fail(L, "plot");
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg plot_funcs[] = {{"_scatter", plot_scatter}, {"_heatmap", plot_heatmap}, {"_mosaic", plot_mosaic},
                                      {"_line", plot_line},
                                      {"_load", plot_load},       {"colormap", plot_colormap}, {"palette", plot_palette},
                                      {NULL, NULL}};

int luaopen_wick_plot(lua_State *L)
{
    luaL_newlib(L, plot_funcs);
    return 1;
}
