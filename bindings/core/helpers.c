/* helpers.c — what every binding file shares (declared in wk_lua.h): errors raised at
 * the sketch's line and naming the public function, the wick.Tensor userdata's checks
 * and constructors, shape and dimension arguments, and the one pattern for bindings
 * that allocate (contiguous copies and results kept in userdata, boxes for other
 * resources, number checks). Moved here from tensor.c and wick.c so that each of those
 * keeps one concern. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/limits.h"
#include "wk_lua.h"

/* ---- shared helpers (declared in wk_lua.h) --------------------------------------- */

/* The public function a bad tensor argument was given to, and where its caller counts
 * that argument (self is not counted in a method call: 0 is self; -1 unknown). When the
 * C function runs for wick's sugar (x:dim() inside nn.mse, T._alias inside detach), the
 * public function is the outermost sugar frame, the one the sketch called; its own
 * argument numbers may differ, so none is given. Sugar that was tail-called has lost
 * the name the sketch used; NULL when nothing names the function at all. */
static const char *called_name(lua_State *L, int idx, int *shown)
{
    lua_Debug ar;
    *shown = idx;
    if (!lua_getstack(L, 0, &ar)) return NULL;
    lua_getinfo(L, "n", &ar);
    const char *name = ar.name;
    if (name && ar.namewhat && strcmp(ar.namewhat, "method") == 0) (*shown)--;
    int sugar = 0;
    const char *outer = NULL;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sn", &ar);
        if (strcmp(ar.what, "C") == 0) continue;
        if (strncmp(ar.source, "=[wick ", 7) != 0) break;   /* the sketch's own code */
        sugar = 1;
        outer = ar.name;   /* NULL when it was tail-called: its caller's name is lost */
    }
    /* An inner helper's name ("same_shape") would mislead: then the C function's own
     * name stands (even a private "_name": it still says where to look). */
    if (sugar && outer && outer[0] != '_') {
        *shown = -1;
        return outer;
    }
    return name;
}

/* "sum: attempt to use a freed tensor (argument 1)": which function, and which of its
 * arguments, since a sketch that freed a tensor too early can pass it anywhere. The
 * words "attempt to use a freed tensor" stay as they were (specs match them). */
static void freed_error(lua_State *L, int idx)
{
    int shown;
    const char *name = called_name(L, idx, &shown);
    char which[32] = "";
    if (shown == 0) snprintf(which, sizeof which, " (self)");
    else if (shown > 0) snprintf(which, sizeof which, " (argument %d)", shown);
    if (name) luaL_error(L, "%s: attempt to use a freed tensor%s", name, which);
    luaL_error(L, "attempt to use a freed tensor%s", which);
}

wk_tensor *wk_lua_test_tensor(lua_State *L, int idx)
{
    wk_tensor *t = luaL_testudata(L, idx, WK_TENSOR_MT);
    if (t && !t->storage) freed_error(L, idx);
    return t;
}

/* luaL_checkudata's message, but raised through wk_lua_error so it carries the
 * sketch's file:line (lauxlib's own argument errors point at the C function). */
static void tensor_arg_error(lua_State *L, int idx)
{
    int shown;
    const char *name = called_name(L, idx, &shown);
    if (!name) name = "?";
    const char *got = luaL_getmetafield(L, idx, "__name") == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, idx);
    if (shown == 0) luaL_error(L, "calling '%s' on bad self (wick.Tensor expected, got %s)", name, got);
    if (shown < 0) luaL_error(L, "%s: expected a tensor, got %s", name, got);
    luaL_error(L, "bad argument #%d to '%s' (wick.Tensor expected, got %s)", shown, name, got);
}

wk_tensor *wk_lua_check_tensor(lua_State *L, int idx)
{
    wk_tensor *t = luaL_testudata(L, idx, WK_TENSOR_MT);
    if (!t) tensor_arg_error(L, idx);
    if (!t->storage) freed_error(L, idx);
    return t;
}

wk_tensor *wk_lua_push_empty(lua_State *L)
{
    wk_lua_tensor *u = lua_newuserdatauv(L, sizeof *u, 1);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, WK_TENSOR_MT);
    return &u->t;
}

void wk_lua_account(lua_State *L, const wk_tensor *t)
{
    /* Lua cannot see malloc'd storage; adding its size to the collector's debt makes
     * garbage tensors get collected at the pace they are made (Torch7's lesson). */
    if (t->storage) wk_lua_account_bytes(L, (size_t)t->storage->numel * sizeof(float));
}

/* How much the memory in use (Lua's heap and tensors together) may grow between two
 * collection cycles: a quarter. */
#define GC_GROWTH 0.25

/* Bytes made outside Lua become collector debt, paced by the whole memory in use. Lua
 * runs a cycle per its own heap's size of debt; fed tensor bytes one for one, that
 * meant several full cycles per training step once the tensors outgrew the ~1 MB heap
 * (a sixth of the autoencoder benchmark's time at 2 threads). Scaled by heap / (growth
 * x (heap + tensors)), a cycle comes once the memory in use has grown by GC_GROWTH;
 * never more debt than bytes, so with few tensors nothing changes. Fractions of a KB
 * carry over (one Lua state per process; any error in the carry is a rounding). */
void wk_lua_account_bytes(lua_State *L, size_t bytes)
{
    static double carry_kb;
    double heap = (double)lua_gc(L, LUA_GCCOUNT) * 1024.0;
    double tensors = (double)wk_tensor_live_bytes();
    double scale = heap / (GC_GROWTH * (heap + tensors));
    if (scale > 1) scale = 1;
    carry_kb += (double)bytes * scale / 1024.0;
    if (carry_kb < 1) return;
    double kb = carry_kb < (double)(1 << 30) ? carry_kb : (double)(1 << 30);
    carry_kb -= (int)kb;
    lua_gc(L, LUA_GCSTEP, (int)kb);
}

int wk_lua_fail(lua_State *L, const char *fname)
{
    const char *msg = wk_errmsg();
    size_t n = strlen(fname);
    if (strncmp(msg, fname, n) == 0 && msg[n] == ':') return luaL_error(L, "%s", msg);   /* already named */
    return luaL_error(L, "%s: %s", fname, msg);
}

/* Push "file:line: " of the innermost frame that is neither C nor embedded sugar. */
void wk_lua_push_where(lua_State *L)
{
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline <= 0) continue;
        if (strncmp(ar.source, "=[wick ", 7) == 0) continue;
        lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
        return;
    }
    lua_pushliteral(L, "");
}

#undef luaL_error
int wk_lua_error(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wk_lua_push_where(L);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    lua_concat(L, 2);
    return lua_error(L);
}
#define luaL_error wk_lua_error

const wk_tensor *wk_lua_tensor_or_number(lua_State *L, int idx, const char *fname)
{
    if (lua_type(L, idx) == LUA_TNUMBER) {
        float v = (float)lua_tonumber(L, idx);
        wk_tensor *tmp = wk_lua_push_empty(L);   /* owned by the stack before lib allocates */
        if (wk_tensor_new(tmp, 0, NULL)) wk_lua_fail(L, fname);
        wk_tensor_data(tmp)[0] = v;
        return tmp;
    }
    wk_tensor *t = luaL_testudata(L, idx, WK_TENSOR_MT);
    if (!t)
        luaL_error(L, "%s: expected a tensor or a number, got %s", fname, luaL_typename(L, idx));
    if (!t->storage) luaL_error(L, "%s: attempt to use a freed tensor", fname);
    lua_pushnil(L);   /* one value pushed either way */
    return t;
}

int wk_lua_check_dim(lua_State *L, int idx, int ndim, int extra, const char *fname)
{
    int range = ndim + extra;
    int ok;
    lua_Integer d = lua_tointegerx(L, idx, &ok);
    if (!ok) {
        if (lua_type(L, idx) == LUA_TNUMBER)
            return luaL_error(L, "%s: dimension must be an integer, got %s", fname, lua_tostring(L, idx));
        return luaL_error(L, "%s: dimension must be an integer, got %s", fname, luaL_typename(L, idx));
    }
    lua_Integer given = d;
    if (d < 0) d += range + 1;   /* d >= LUA_MININTEGER and range + 1 > 0: cannot wrap */
    if (d < 1 || d > range)
        return luaL_error(L, "%s: dimension %I is out of range for a %d-D tensor", fname, given, ndim);
    return (int)d - 1;
}

/* One size of a shape as int64, or raise: a float is accepted only when it is a whole
 * number inside int64's range, checked before the cast (casting 1e30 is undefined). */
static int64_t shape_entry(lua_State *L, int idx, int i, const char *fname)
{
    if (lua_isinteger(L, idx)) return (int64_t)lua_tointeger(L, idx);
    int ok;
    lua_Number v = lua_tonumberx(L, idx, &ok);
    /* -2^63 <= v < 2^63: both bounds are exact doubles */
    if (!ok || v != floor(v) || !(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) {
        if (ok && v == floor(v))
            luaL_error(L, "%s: size %d must be an integer of at most 2^40, got %s", fname, i, lua_tostring(L, idx));
        if (ok) luaL_error(L, "%s: size %d must be an integer, got %s", fname, i, lua_tostring(L, idx));
        luaL_error(L, "%s: size %d must be an integer, got %s", fname, i, luaL_typename(L, idx));
    }
    return (int64_t)v;
}

int wk_lua_check_shape(lua_State *L, int idx, int64_t *shape, const char *fname)
{
    int n = 0;
    if (lua_istable(L, idx)) {
        lua_Integer len = luaL_len(L, idx);
        if (len < 0 || len > WK_MAX_DIMS)
            return luaL_error(L, "%s: a tensor has at most %d dimensions, got %I", fname, WK_MAX_DIMS, len);
        n = (int)len;
        for (int i = 1; i <= n; i++) {
            lua_geti(L, idx, i);
            shape[i - 1] = shape_entry(L, -1, i, fname);
            lua_pop(L, 1);
        }
        return n;
    }
    int top = lua_gettop(L);
    for (int i = idx; i <= top; i++) {
        if (lua_type(L, i) != LUA_TNUMBER) break;
        if (n >= WK_MAX_DIMS) return luaL_error(L, "%s: a tensor has at most %d dimensions", fname, WK_MAX_DIMS);
        shape[n] = shape_entry(L, i, n + 1, fname);
        n++;
    }
    return n;
}

/* ---- helpers every binding shares (wk_lua.h: "the one pattern") ------------------- */

#define WK_BOX_MT "wick.box"

const wk_tensor *wk_lua_contiguous(lua_State *L, int idx, const char *fname)
{
    wk_tensor *t = wk_lua_check_tensor(L, idx);
    if (wk_tensor_is_contiguous(t)) {
        lua_pushnil(L);
        return t;
    }
    wk_tensor *copy = wk_lua_push_empty(L);
    if (wk_tensor_clone(copy, t)) wk_lua_fail(L, fname);
    wk_lua_account(L, copy);
    return copy;
}

const wk_tensor *wk_lua_opt_contiguous(lua_State *L, int idx, const char *fname)
{
    if (lua_isnoneornil(L, idx)) {
        lua_pushnil(L);
        return NULL;
    }
    return wk_lua_contiguous(L, idx, fname);
}

int wk_lua_result(lua_State *L, int rc, const char *fname)
{
    if (rc) return wk_lua_fail(L, fname);
    wk_tensor *t = luaL_testudata(L, -1, WK_TENSOR_MT);
    if (t) wk_lua_account(L, t);
    return 1;
}

static int box_gc(lua_State *L)
{
    wk_lua_box_release(luaL_checkudata(L, 1, WK_BOX_MT));
    return 0;
}

wk_lua_box *wk_lua_push_box(lua_State *L, void (*release)(void *p))
{
    wk_lua_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->p = NULL;
    box->release = release;
    if (luaL_newmetatable(L, WK_BOX_MT)) {
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_setmetatable(L, -2);
    return box;
}

void wk_lua_box_release(wk_lua_box *box)
{
    void *p = box->p;
    box->p = NULL;
    if (p && box->release) box->release(p);
}

void *wk_lua_box_take(wk_lua_box *box)
{
    void *p = box->p;
    box->p = NULL;
    return p;
}

void *wk_lua_alloc(lua_State *L, size_t n, const char *fname)
{
    wk_lua_box *box = wk_lua_push_box(L, free);
    if (!(box->p = malloc(n ? n : 1))) {
        char human[32];
        luaL_error(L, "%s: cannot allocate %s", fname, wk_bytes_str(human, sizeof human, (double)n));
    }
    wk_lua_account_bytes(L, n);
    return box->p;
}

/* The value at idx as a message shows it: numbers as written, strings quoted, others
 * by type. (Pushes; only called on the way to raising.) */
static const char *describe_arg(lua_State *L, int idx)
{
    int t = lua_type(L, idx);
    if (t == LUA_TNUMBER && lua_tonumber(L, idx) != lua_tonumber(L, idx)) return "nan";   /* not "-nan" */
    if (t == LUA_TNUMBER) return luaL_tolstring(L, idx, NULL);
    if (t == LUA_TSTRING) return lua_pushfstring(L, "'%s'", lua_tostring(L, idx));
    return luaL_typename(L, idx);
}

lua_Integer wk_lua_check_int(lua_State *L, int idx, const char *fname, const char *name, lua_Integer lo, lua_Integer hi)
{
    int ok = 0;
    lua_Integer v = lua_tointegerx(L, idx, &ok);
    if (!ok || v < lo || v > hi) {
        const char *got = describe_arg(L, idx);
        if (hi == LUA_MAXINTEGER)
            luaL_error(L, "%s: %s must be an integer >= %I, got %s", fname, name, lo, got);
        luaL_error(L, "%s: %s must be an integer from %I to %I, got %s", fname, name, lo, hi, got);
    }
    return v;
}

lua_Number wk_lua_check_finite(lua_State *L, int idx, const char *fname, const char *name, lua_Number lo, lua_Number hi)
{
    int ok = 0;
    lua_Number v = lua_tonumberx(L, idx, &ok);
    if (!ok || !(v >= lo && v <= hi)) {   /* NaN fails both comparisons */
        const char *got = describe_arg(L, idx);
        if (ok && v == v && hi == HUGE_VAL)
            luaL_error(L, "%s: %s must be a finite number >= %f, got %s", fname, name, lo, got);
        if (ok && v == v)
            luaL_error(L, "%s: %s must be a number from %f to %f, got %s", fname, name, lo, hi, got);
        luaL_error(L, "%s: %s must be a finite number, got %s", fname, name, got);
    }
    if (v == HUGE_VAL || v == -HUGE_VAL) luaL_error(L, "%s: %s must be a finite number, got %f", fname, name, v);
    return v;
}

/* ---- options tables ------------------------------------------------------------ */

/* Raise on anything in the options table at idx that is not in known (NULL-ended). */
void wk_lua_check_options(lua_State *L, int idx, const char *fname, const char *const *known)
{
    if (lua_isnoneornil(L, idx)) return;
    if (!lua_istable(L, idx)) luaL_error(L, "%s: options must be a table, got %s", fname, luaL_typename(L, idx));
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        int ok = 0;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (const char *const *k = known; *k; k++) ok |= strcmp(lua_tostring(L, -1), *k) == 0;
        if (!ok) {
            char list[256] = "";
            for (const char *const *k = known; *k; k++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k == known ? "" : ", ", *k);
            if (lua_type(L, -1) == LUA_TSTRING)
                luaL_error(L, "%s: unknown option '%s' (known: %s)", fname, lua_tostring(L, -1), list);
            luaL_error(L, "%s: option names must be strings, got a %s key (known: %s)", fname,
                       luaL_typename(L, -1), list);
        }
    }
}

/* Push option key (nil when the table is absent or lacks it). */
int wk_lua_get_option(lua_State *L, int idx, const char *key)
{
    if (lua_isnoneornil(L, idx)) {
        lua_pushnil(L);
        return LUA_TNIL;
    }
    return lua_getfield(L, idx, key);
}

/* Options of the table at idx, each named "option 'key'" in errors; absent (or no table)
 * gives def. Integers and numbers are range-checked before any cast. */
lua_Integer wk_lua_opt_int(lua_State *L, int idx, const char *fname, const char *key, lua_Integer def,
                           lua_Integer lo, lua_Integer hi)
{
    lua_Integer v = def;
    if (wk_lua_get_option(L, idx, key) != LUA_TNIL) {
        char name[80];
        snprintf(name, sizeof name, "option '%s'", key);
        v = wk_lua_check_int(L, -1, fname, name, lo, hi);
    }
    lua_pop(L, 1);
    return v;
}

lua_Number wk_lua_opt_number(lua_State *L, int idx, const char *fname, const char *key, lua_Number def,
                             lua_Number lo, lua_Number hi)
{
    lua_Number v = def;
    if (wk_lua_get_option(L, idx, key) != LUA_TNIL) {
        char name[80];
        snprintf(name, sizeof name, "option '%s'", key);
        v = wk_lua_check_finite(L, -1, fname, name, lo, hi);
    }
    lua_pop(L, 1);
    return v;
}

int wk_lua_opt_bool(lua_State *L, int idx, const char *fname, const char *key, int def)
{
    int t = wk_lua_get_option(L, idx, key), v = def;
    if (t == LUA_TBOOLEAN) v = lua_toboolean(L, -1);
    else if (t != LUA_TNIL)
        return luaL_error(L, "%s: option '%s' must be true or false, got %s", fname, key, luaL_typename(L, -1));
    lua_pop(L, 1);
    return v;
}

/* A file name argument: a string without zero bytes (the OS would see only its start). */
const char *wk_lua_check_path(lua_State *L, int idx, const char *fname)
{
    size_t len;
    if (lua_type(L, idx) != LUA_TSTRING)
        luaL_error(L, "%s: expected a file name (a string), got %s", fname, luaL_typename(L, idx));
    const char *path = lua_tolstring(L, idx, &len);
    if (strlen(path) != len) luaL_error(L, "%s: the file name holds a zero byte", fname);
    return path;
}
