/* patch.c — the wick.PatchBank userdata: CNNMRF patch matching (lib/nn/patch.c) for
 * Lua. bindings/nn/patch.lua adds the public constructor nn.patch_bank (its options
 * checked there) and the methods written in Lua (loss, which records the autograd node,
 * and patches); this file holds what runs in C:
 *
 *   nn._patch._new(style, size, stride, synthesis_stride) -> a wick.PatchBank
 *   bank:match(x)                 -> indices (H'×W', 1-based), cosines (H'×W')
 *   nn._patch._loss(bank, x, want_grad [, indices]) -> loss (0-D tensor) [, dloss/dx]
 *   nn._patch._patches(bank, normalised)           -> (count, C, k, k)
 *   bank:size(), bank:free(), tostring(bank)
 *
 * x is C×H×W or 1×C×H×W. The userdata is created empty before the bank is built, so a
 * failure leaks nothing; __gc, __close and :free() release it idempotently. It owns the
 * int buffer that indices pass through, so matching in a loop allocates only its
 * result tensors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/nn/patch.h"
#include "../core/wk_lua.h"

#define BANK_MT "wick.PatchBank"

typedef struct lua_bank {
    wk_patch_bank *b;     /* NULL once freed */
    int xstride;          /* the step between the windows of x that are matched */
    int32_t *nn;          /* (nn_cap) 0-based matches, reused between calls */
    int64_t nn_cap;
} lua_bank;

static lua_bank *check_bank(lua_State *L, int idx)
{
    lua_bank *u = luaL_checkudata(L, idx, BANK_MT);
    if (!u->b) luaL_error(L, "attempt to use a freed patch bank");
    return u;
}

/* Raise lib's reason under the Lua name, without lib's own "patch_xxx: " prefix. */
static int bank_fail(lua_State *L, const char *fname)
{
    const char *msg = wk_errmsg();
    if (strncmp(msg, "patch_", 6) == 0 && strchr(msg, ':')) msg = strchr(msg, ':') + 2;
    return luaL_error(L, "%s: %s", fname, msg);
}

/* The map at idx as (C, H, W): a C×H×W or 1×C×H×W tensor (any strides). */
static wk_tensor *check_map(lua_State *L, int idx, const char *fname, const char *what, int64_t chw[3])
{
    wk_tensor *t = wk_lua_test_tensor(L, idx);
    if (!t) luaL_error(L, "%s: %s must be a C×H×W or 1×C×H×W tensor, got %s", fname, what, luaL_typename(L, idx));
    if (!(t->ndim == 3 || (t->ndim == 4 && t->shape[0] == 1))) {
        char buf[96];
        wk_tensor_shape_str(t, buf, sizeof buf);
        luaL_error(L, "%s: %s must be C×H×W or 1×C×H×W, got %s", fname, what, buf);
    }
    for (int d = 0; d < 3; d++) chw[d] = t->shape[t->ndim - 3 + d];
    return t;
}

/* Room for n matches in the userdata's buffer. */
static int32_t *nn_buffer(lua_State *L, lua_bank *u, int64_t n, const char *fname)
{
    if (n <= u->nn_cap) return u->nn;
    int32_t *p = realloc(u->nn, (size_t)n * sizeof *p);
    if (!p) luaL_error(L, "%s: out of memory for %I matches", fname, (lua_Integer)n);
    u->nn = p;
    u->nn_cap = n;
    return p;
}

/* ---- construction and release ------------------------------------------------------ */

static int bank_free(lua_State *L)
{
    lua_bank *u = luaL_checkudata(L, 1, BANK_MT);
    if (u->b) {
        wk_patch_bank_free(u->b);
        free(u->b);
        u->b = NULL;
    }
    free(u->nn);
    u->nn = NULL;
    u->nn_cap = 0;
    return 0;
}

/* _new(style, size, stride, synthesis_stride): the numbers are checked by patch.lua */
static int bank_new(lua_State *L)
{
    int64_t chw[3];
    check_map(L, 1, "patch_bank", "the style map", chw);
    int size = (int)wk_lua_check_int(L, 2, "patch_bank", "size", 1, 64);
    int stride = (int)wk_lua_check_int(L, 3, "patch_bank", "stride", 1, 64);
    int xstride = (int)wk_lua_check_int(L, 4, "patch_bank", "synthesis_stride", 1, 64);
    lua_settop(L, 4);
    const wk_tensor *s = wk_lua_contiguous(L, 1, "patch_bank");   /* 5 */
    lua_bank *u = lua_newuserdatauv(L, sizeof *u, 0);             /* 6 */
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, BANK_MT);
    u->xstride = xstride;
    wk_patch_bank *b = calloc(1, sizeof *b);
    if (!b) return luaL_error(L, "patch_bank: out of memory");
    if (wk_patch_bank_init(b, wk_tensor_data(s), chw[0], chw[1], chw[2], size, stride)) {
        free(b);
        return wk_lua_fail(L, "patch_bank");
    }
    u->b = b;
    wk_lua_account_bytes(L, (size_t)(b->count * (b->len + 1) + b->C * b->H * b->W) * sizeof(float));
    return 1;
}

/* ---- matching and the loss --------------------------------------------------------- */

/* Check x against the bank before anything is allocated: its channels and that a
 * window fits (lib checks again, but its message would not name the argument). */
static void check_x(lua_State *L, const lua_bank *u, const int64_t chw[3], const char *fname, int64_t *rows,
                    int64_t *cols)
{
    const wk_patch_bank *b = u->b;
    if (chw[0] != b->C)
        luaL_error(L, "%s: x has %I channels, the style map %I", fname, (lua_Integer)chw[0], (lua_Integer)b->C);
    if (wk_patch_grid(rows, cols, chw[1], chw[2], b->size, u->xstride))
        luaL_error(L, "%s: x: %s", fname, wk_errmsg());
}

static int bank_match(lua_State *L)
{
    lua_bank *u = check_bank(L, 1);
    int64_t chw[3], rows, cols;
    check_map(L, 2, "patch_bank:match", "x", chw);
    check_x(L, u, chw, "patch_bank:match", &rows, &cols);
    lua_settop(L, 2);
    const wk_tensor *x = wk_lua_contiguous(L, 2, "patch_bank:match");   /* 3 */
    int32_t *nn = nn_buffer(L, u, rows * cols, "patch_bank:match");
    wk_tensor *idx = wk_lua_push_empty(L), *score = wk_lua_push_empty(L);
    int64_t shape[2] = {rows, cols};
    if (wk_tensor_new(idx, 2, shape) || wk_tensor_new(score, 2, shape)) return wk_lua_fail(L, "patch_bank:match");
    if (wk_patch_match(u->b, nn, wk_tensor_data(score), wk_tensor_data(x), chw[0], chw[1], chw[2], u->xstride))
        return bank_fail(L, "patch_bank:match");
    float *o = wk_tensor_data(idx);
    for (int64_t i = 0; i < rows * cols; i++) o[i] = (float)(nn[i] + 1);
    wk_lua_account(L, idx);
    wk_lua_account(L, score);
    return 2;
}

/* _loss(bank, x, want_grad [, indices]): the matches are x's own (matched here) unless
 * indices (1-based, H'·W' of them, e.g. from an earlier match) are given. */
static int bank_loss(lua_State *L)
{
    lua_bank *u = check_bank(L, 1);
    int64_t chw[3], rows, cols;
    wk_tensor *xin = check_map(L, 2, "patch_bank:loss", "x", chw);
    check_x(L, u, chw, "patch_bank:loss", &rows, &cols);
    int want_grad = lua_toboolean(L, 3);
    int64_t P = rows * cols;
    wk_tensor *given = NULL;
    if (!lua_isnoneornil(L, 4)) {
        given = wk_lua_test_tensor(L, 4);
        if (!given) return luaL_error(L, "patch_bank:loss: indices must be a tensor, got %s", luaL_typename(L, 4));
        if (wk_tensor_numel(given) != P)
            return luaL_error(L, "patch_bank:loss: %I indices for the %I×%I windows of x", (lua_Integer)wk_tensor_numel(given),
                              (lua_Integer)rows, (lua_Integer)cols);
    }
    lua_settop(L, 4);
    const wk_tensor *x = wk_lua_contiguous(L, 2, "patch_bank:loss");                      /* 5 */
    const wk_tensor *gi = given ? wk_lua_contiguous(L, 4, "patch_bank:loss") : NULL;       /* 6 */
    if (!given) lua_pushnil(L);
    int32_t *nn = nn_buffer(L, u, P, "patch_bank:loss");
    if (gi) {
        const float *v = wk_tensor_data(gi);
        for (int64_t i = 0; i < P; i++) {
            if (!(v[i] >= 1 && v[i] <= (float)u->b->count && v[i] == floorf(v[i])))
                return luaL_error(L, "patch_bank:loss: indices[%I] = %f is not a patch number (1..%I)", (lua_Integer)i + 1,
                                  (lua_Number)v[i], (lua_Integer)u->b->count);
            nn[i] = (int32_t)v[i] - 1;
        }
    } else if (wk_patch_match(u->b, nn, NULL, wk_tensor_data(x), chw[0], chw[1], chw[2], u->xstride)) {
        return bank_fail(L, "patch_bank:loss");
    }
    wk_tensor *loss = wk_lua_push_empty(L);                     /* 7 */
    wk_tensor *grad = want_grad ? wk_lua_push_empty(L) : NULL;  /* 8 */
    if (wk_tensor_new(loss, 0, NULL) || (grad && wk_tensor_new(grad, xin->ndim, xin->shape)))
        return wk_lua_fail(L, "patch_bank:loss");
    double value;
    if (wk_patch_loss(u->b, &value, grad ? wk_tensor_data(grad) : NULL, wk_tensor_data(x), chw[0], chw[1], chw[2],
                      u->xstride, nn))
        return bank_fail(L, "patch_bank:loss");
    wk_tensor_data(loss)[0] = (float)value;
    if (grad) wk_lua_account(L, grad);
    return grad ? 2 : 1;
}

/* ---- what the bank holds ------------------------------------------------------------ */

static int bank_patches(lua_State *L)
{
    lua_bank *u = check_bank(L, 1);
    int normalised = lua_toboolean(L, 2);
    const wk_patch_bank *b = u->b;
    wk_tensor *out = wk_lua_push_empty(L);
    if (wk_tensor_new(out, 4, (int64_t[]){b->count, b->C, b->size, b->size})) return wk_lua_fail(L, "patch_bank:patches");
    wk_patch_bank_patches(b, wk_tensor_data(out), normalised);
    return wk_lua_result(L, WK_OK, "patch_bank:patches");
}

static int bank_size(lua_State *L)
{
    lua_pushinteger(L, check_bank(L, 1)->b->count);
    return 1;
}

static int bank_tostring(lua_State *L)
{
    lua_bank *u = luaL_checkudata(L, 1, BANK_MT);
    const wk_patch_bank *b = u->b;
    if (!b) {
        lua_pushliteral(L, "PatchBank (freed)");
        return 1;
    }
    lua_pushfstring(L, "PatchBank: %I patches of %I×%d×%d from a %I×%I map (stride %d; synthesis stride %d)",
                    (lua_Integer)b->count, (lua_Integer)b->C, b->size, b->size, (lua_Integer)b->H, (lua_Integer)b->W,
                    b->stride, u->xstride);
    return 1;
}

static const luaL_Reg bank_methods[] = {{"match", bank_match}, {"size", bank_size}, {"free", bank_free}, {NULL, NULL}};

/* _loss and _patches take the bank first, as methods do; patch.lua wraps them into the
 * methods loss and patches (they are not methods themselves, so a second load of wick
 * in the same Lua state finds them again) */
static const luaL_Reg patch_funcs[] = {
    {"_new", bank_new}, {"_loss", bank_loss}, {"_patches", bank_patches}, {NULL, NULL}};

/* nn._patch: {_new, _loss, _patches, _methods = the PatchBank method table (patch.lua
 * adds to it)} */
int luaopen_wick_patch(lua_State *L)
{
    luaL_newlib(L, patch_funcs);
    if (luaL_newmetatable(L, BANK_MT)) {   /* once per Lua state, even if wick loads twice */
        luaL_newlib(L, bank_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, bank_free);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, bank_free);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, bank_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_getfield(L, -1, "__index");
    lua_setfield(L, -3, "_methods");
    lua_pop(L, 1);
    return 1;
}
