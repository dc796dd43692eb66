/* nn.c — the C half of wick.nn: private functions (nn._conv2d, nn._lstm, …) that run
 * the lib/nn kernels on tensors, plus the wick.Workspace userdata that layers own so
 * their scratch memory is reused from step to step. The layers, the module system
 * and autograd's recording are Lua sugar (nn.lua, nn_functional.lua, nn_layers.lua);
 * each function here checks its arguments, makes inputs contiguous where a kernel
 * needs it, allocates the outputs and reports their memory to the collector. */
#include <math.h>
#include <string.h>

#include "../../lib/core/limits.h"
#include "../../lib/core/workspace.h"
#include "../../lib/nn/activation.h"
#include "../../lib/nn/conv.h"
#include "../../lib/nn/linear.h"
#include "../../lib/nn/loss.h"
#include "../../lib/nn/norm.h"
#include "../../lib/nn/pool.h"
#include "../../lib/nn/rnn.h"
#include "../core/wk_lua.h"

#define WK_WORKSPACE_MT "wick.Workspace"

/* ---- helpers ---------------------------------------------------------------------- */

/* Every function here follows the one pattern of wk_lua.h: numbers and options are
 * checked first, inputs are made contiguous with wk_lua_contiguous (a copy lives in a
 * userdata on the stack), outputs are pushed empty and filled by lib, so an error at
 * any point unwinds without leaking. The results are the top values of the stack. */

#define INT32_LIMIT 2147483647

/* The tensor at idx, or "<fname>: <what> must be a tensor, got …" at the sketch's line
 * (luaL_checkudata would say "bad argument #2 to '_conv2d'"). */
static wk_tensor *need_tensor(lua_State *L, int idx, const char *fname, const char *what)
{
    wk_tensor *t = wk_lua_test_tensor(L, idx);
    if (!t) luaL_error(L, "%s: %s must be a tensor, got %s", fname, what, luaL_typename(L, idx));
    return t;
}

static wk_tensor *optional_tensor(lua_State *L, int idx, const char *fname, const char *what)
{
    return lua_isnoneornil(L, idx) ? NULL : need_tensor(L, idx, fname, what);
}

/* need_tensor, then a contiguous view (always pushes one value, see wk_lua_contiguous). */
static const wk_tensor *contiguous_arg(lua_State *L, int idx, const char *fname, const char *what)
{
    need_tensor(L, idx, fname, what);
    return wk_lua_contiguous(L, idx, fname);
}

static const wk_tensor *optional_contiguous(lua_State *L, int idx, const char *fname, const char *what)
{
    if (!lua_isnoneornil(L, idx)) need_tensor(L, idx, fname, what);
    return wk_lua_opt_contiguous(L, idx, fname);
}

/* A shape dimension read before the kernel checks it: the tensor must have ndim dims. */
static void need_ndim(lua_State *L, const wk_tensor *t, int ndim, const char *fname, const char *what)
{
    if (t->ndim == ndim) return;
    char buf[160];
    luaL_error(L, "%s: %s must be %d-D, got %d-D %s", fname, what, ndim, t->ndim, wk_tensor_shape_str(t, buf, sizeof buf));
}

/* A finite number > 0 (epsilons). */
static float check_positive(lua_State *L, int idx, const char *fname, const char *name)
{
    lua_Number v = wk_lua_check_finite(L, idx, fname, name, 0, HUGE_VAL);
    if (v <= 0) luaL_error(L, "%s: %s must be a finite number > 0, got %f", fname, name, v);
    return (float)v;
}

/* Finish a binding whose n results are the top n values (tensors or nil): raise lib's
 * error, or tell the collector about each result's bytes and return n. */
static int results(lua_State *L, int rc, const char *fname, int n)
{
    if (rc) return wk_lua_fail(L, fname);
    for (int i = -n; i < 0; i++) {
        wk_tensor *t = luaL_testudata(L, i, WK_TENSOR_MT);
        if (t) wk_lua_account(L, t);
    }
    return n;
}

/* Push a new zeroed tensor shaped like `like` (for accumulating gradients). */
static wk_tensor *push_zeros_like(lua_State *L, const wk_tensor *like, const char *fname)
{
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_zeros(t, like->ndim, like->shape)) wk_lua_fail(L, fname);
    return t;
}

static wk_workspace *check_workspace(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, WK_WORKSPACE_MT);
}

static int workspace_new(lua_State *L)
{
    wk_workspace *ws = lua_newuserdatauv(L, sizeof *ws, 0);
    memset(ws, 0, sizeof *ws);
    luaL_setmetatable(L, WK_WORKSPACE_MT);
    return 1;
}

static int workspace_gc(lua_State *L)
{
    wk_workspace_free(check_workspace(L, 1));
    return 0;
}

/* Entry i of the options table at idx, an integer from lo to INT32_LIMIT. */
static int table_int(lua_State *L, int idx, int i, const char *fname, const char *name, int lo)
{
    lua_geti(L, idx, i);
    int v = (int)wk_lua_check_int(L, -1, fname, name, lo, INT32_LIMIT);
    lua_pop(L, 1);
    return v;
}

/* a = {sh, sw, ph, pw, dh, dw, groups, oph, opw} from nn_functional.lua */
static wk_conv_opts conv_opts_arg(lua_State *L, int idx, const char *fname)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    wk_conv_opts o = wk_conv_opts_default();
    o.stride[0] = table_int(L, idx, 1, fname, "stride", 1), o.stride[1] = table_int(L, idx, 2, fname, "stride", 1);
    o.padding[0] = table_int(L, idx, 3, fname, "padding", 0), o.padding[1] = table_int(L, idx, 4, fname, "padding", 0);
    o.dilation[0] = table_int(L, idx, 5, fname, "dilation", 1);
    o.dilation[1] = table_int(L, idx, 6, fname, "dilation", 1);
    o.groups = table_int(L, idx, 7, fname, "groups", 1);
    o.output_padding[0] = table_int(L, idx, 8, fname, "output_padding", 0);
    o.output_padding[1] = table_int(L, idx, 9, fname, "output_padding", 0);
    return o;
}

/* ---- convolution ------------------------------------------------------------------ */

typedef int (*conv_forward_fn)(wk_tensor *, const wk_tensor *, const wk_tensor *, const wk_tensor *, wk_workspace *,
                               const wk_conv_opts *);
typedef int (*conv_backward_fn)(wk_tensor *, wk_tensor *, wk_tensor *, const wk_tensor *, const wk_tensor *,
                                const wk_tensor *, wk_workspace *, const wk_conv_opts *);

/* (x, w, b|nil, ws, a) -> y */
static int conv_forward(lua_State *L, conv_forward_fn fn, const char *fname)
{
    wk_workspace *ws = check_workspace(L, 4);
    wk_conv_opts o = conv_opts_arg(L, 5, fname);
    const wk_tensor *x = contiguous_arg(L, 1, fname, "input");
    const wk_tensor *w = contiguous_arg(L, 2, fname, "weight");
    const wk_tensor *b = optional_contiguous(L, 3, fname, "bias");
    wk_tensor *y = wk_lua_push_empty(L);
    return wk_lua_result(L, fn(y, x, w, b, ws, &o), fname);
}

/* (g, x, w, ws, a, want_x, want_w, want_b) -> gx|nil, gw|nil, gb|nil */
static int conv_backward(lua_State *L, conv_backward_fn fn, const char *fname)
{
    wk_workspace *ws = check_workspace(L, 4);
    wk_conv_opts o = conv_opts_arg(L, 5, fname);
    int want_x = lua_toboolean(L, 6), want_w = lua_toboolean(L, 7), want_b = lua_toboolean(L, 8);
    const wk_tensor *g = contiguous_arg(L, 1, fname, "gradient");
    const wk_tensor *x = contiguous_arg(L, 2, fname, "input");
    const wk_tensor *w = contiguous_arg(L, 3, fname, "weight");
    need_ndim(L, w, 4, fname, "weight");
    int64_t cout = w->shape[0];
    if (fn != wk_conv2d_backward && wk_mul_overflows(w->shape[1], o.groups, &cout))
        return luaL_error(L, "%s: weight's output channels times groups overflow", fname);
    if (want_x) push_zeros_like(L, x, fname); else lua_pushnil(L);
    if (want_w) push_zeros_like(L, w, fname); else lua_pushnil(L);
    if (want_b) {
        wk_tensor *gb = wk_lua_push_empty(L);
        if (wk_tensor_zeros(gb, 1, &cout)) return wk_lua_fail(L, fname);
    } else {
        lua_pushnil(L);
    }
    wk_tensor *gx = wk_lua_test_tensor(L, -3), *gw = wk_lua_test_tensor(L, -2), *gb = wk_lua_test_tensor(L, -1);
    return results(L, fn(gx, gw, gb, g, x, w, ws, &o), fname, 3);
}

static int nn_conv2d(lua_State *L) { return conv_forward(L, wk_conv2d_forward, "conv2d"); }
static int nn_conv2d_backward(lua_State *L) { return conv_backward(L, wk_conv2d_backward, "conv2d"); }
static int nn_conv_transpose2d(lua_State *L)
{
    return conv_forward(L, wk_conv_transpose2d_forward, "conv_transpose2d");
}
static int nn_conv_transpose2d_backward(lua_State *L)
{
    return conv_backward(L, wk_conv_transpose2d_backward, "conv_transpose2d");
}

/* ---- linear ------------------------------------------------------------------------ */

/* (x (R, in), w (out, in), b (out) or nil) -> y (R, out) */
static int nn_linear(lua_State *L)
{
    const wk_tensor *x = contiguous_arg(L, 1, "linear", "input");
    const wk_tensor *w = contiguous_arg(L, 2, "linear", "weight");
    const wk_tensor *b = optional_contiguous(L, 3, "linear", "bias");
    wk_tensor *y = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_linear_forward(y, x, w, b), "linear");
}

/* (g (R, out), x, w, want_x, want_w, want_b) -> gx, gw, gb (nil where not wanted) */
static int nn_linear_backward(lua_State *L)
{
    int want_x = lua_toboolean(L, 4), want_w = lua_toboolean(L, 5), want_b = lua_toboolean(L, 6);
    const wk_tensor *g = contiguous_arg(L, 1, "linear", "gradient");
    const wk_tensor *x = contiguous_arg(L, 2, "linear", "input");
    const wk_tensor *w = contiguous_arg(L, 3, "linear", "weight");
    wk_tensor *gx = NULL, *gw = NULL, *gb = NULL;
    if (want_x) gx = wk_lua_push_empty(L); else lua_pushnil(L);
    if (want_w) gw = wk_lua_push_empty(L); else lua_pushnil(L);
    if (want_b) gb = wk_lua_push_empty(L); else lua_pushnil(L);
    return results(L, wk_linear_backward(gx, gw, gb, g, x, w), "linear", 3);
}

/* ---- activations ------------------------------------------------------------------ */

static const char *const act_kinds[] = {"leaky_relu", "relu", "elu", "gelu", "tanh", "sigmoid", NULL};

/* The activation's name (one of act_kinds; tanh and sigmoid only for the backward). */
static const char *check_kind(lua_State *L, int idx, int backward)
{
    const char *kind = lua_tostring(L, idx);
    for (int i = 0; kind && act_kinds[i]; i++)
        if (strcmp(kind, act_kinds[i]) == 0 && (backward || i < 4)) return kind;
    luaL_error(L, "activation: unknown kind %s", kind ? kind : luaL_typename(L, idx));
    return NULL;
}

/* (kind, x, param) -> y */
static int nn_act(lua_State *L)
{
    const char *kind = check_kind(L, 1, 0);
    float p = (float)(lua_isnoneornil(L, 3) ? 0 : wk_lua_check_finite(L, 3, kind, "parameter", -HUGE_VAL, HUGE_VAL));
    const wk_tensor *x = contiguous_arg(L, 2, kind, "input");
    wk_tensor *y = wk_lua_push_empty(L);
    int rc = wk_tensor_new_like(y, x);
    if (!rc) {
        if (strcmp(kind, "leaky_relu") == 0) rc = wk_leaky_relu_forward(y, x, p);
        else if (strcmp(kind, "relu") == 0) rc = wk_relu_forward(y, x);
        else if (strcmp(kind, "elu") == 0) rc = wk_elu_forward(y, x, p);
        else rc = wk_gelu_forward(y, x);
    }
    return wk_lua_result(L, rc, kind);
}

/* (kind, g, x, param) -> gx; for tanh and sigmoid pass the forward output y as x */
static int nn_act_backward(lua_State *L)
{
    const char *kind = check_kind(L, 1, 1);
    float p = (float)(lua_isnoneornil(L, 4) ? 0 : wk_lua_check_finite(L, 4, kind, "parameter", -HUGE_VAL, HUGE_VAL));
    const wk_tensor *g = contiguous_arg(L, 2, kind, "gradient");
    const wk_tensor *x = contiguous_arg(L, 3, kind, "input");
    wk_tensor *gx = wk_lua_push_empty(L);   /* written whole by the kernel: no zeroing */
    int rc = wk_tensor_new_like(gx, x);
    if (rc) return wk_lua_fail(L, kind);
    if (strcmp(kind, "leaky_relu") == 0) rc = wk_leaky_relu_backward(gx, g, x, p);
    else if (strcmp(kind, "relu") == 0) rc = wk_relu_backward(gx, g, x);
    else if (strcmp(kind, "tanh") == 0) rc = wk_tanh_backward(gx, g, x);
    else if (strcmp(kind, "sigmoid") == 0) rc = wk_sigmoid_backward(gx, g, x);
    else if (strcmp(kind, "elu") == 0) rc = wk_elu_backward(gx, g, x, p);
    else rc = wk_gelu_backward(gx, g, x);
    return wk_lua_result(L, rc, kind);
}

/* ---- pooling and resampling -------------------------------------------------------------- */

static int field_int(lua_State *L, int idx, const char *key, int fallback, const char *fname, const char *name)
{
    lua_getfield(L, idx, key);
    int v = fallback;
    if (lua_isboolean(L, -1)) v = lua_toboolean(L, -1);
    else if (!lua_isnil(L, -1)) v = (int)wk_lua_check_int(L, -1, fname, name, 0, INT32_LIMIT);
    lua_pop(L, 1);
    return v;
}

/* a = {sh, sw, ph, pw, dh, dw, …, kh = , kw = , ceil = , count_include_pad = } */
static wk_pool_opts pool_opts_arg(lua_State *L, int idx, const char *fname)
{
    wk_conv_opts c = conv_opts_arg(L, idx, fname);
    wk_pool_opts o = wk_pool_opts_make(field_int(L, idx, "kh", 1, fname, "kernel"), field_int(L, idx, "kw", 1, fname, "kernel"));
    memcpy(o.stride, c.stride, sizeof o.stride);
    memcpy(o.padding, c.padding, sizeof o.padding);
    memcpy(o.dilation, c.dilation, sizeof o.dilation);
    o.ceil_mode = field_int(L, idx, "ceil", 0, fname, "ceil_mode");
    o.count_include_pad = field_int(L, idx, "count_include_pad", 1, fname, "count_include_pad");
    return o;
}

/* (x, a) -> y, indices (a float tensor whose storage holds the int32 argmax indices) */
static int nn_maxpool2d(lua_State *L)
{
    wk_pool_opts o = pool_opts_arg(L, 2, "maxpool2d");
    const wk_tensor *x = contiguous_arg(L, 1, "maxpool2d", "input");
    need_ndim(L, x, 4, "maxpool2d", "input (N,C,H,W)");
    int64_t shape[4];
    if (wk_pool2d_output_shape(shape, x->shape, &o)) return wk_lua_fail(L, "maxpool2d");
    wk_tensor *y = wk_lua_push_empty(L);
    wk_tensor *idx = wk_lua_push_empty(L);
    int rc = wk_tensor_new(y, 4, shape) || wk_tensor_new(idx, 4, shape) ||
             wk_maxpool2d_forward(y, (int32_t *)wk_tensor_data(idx), x, &o);
    return results(L, rc, "maxpool2d", 2);
}

/* (g, x, indices, a) -> gx */
static int nn_maxpool2d_backward(lua_State *L)
{
    wk_pool_opts o = pool_opts_arg(L, 4, "maxpool2d");
    wk_tensor *x = need_tensor(L, 2, "maxpool2d", "input");
    wk_tensor *idx = need_tensor(L, 3, "maxpool2d", "indices");
    const wk_tensor *g = contiguous_arg(L, 1, "maxpool2d", "gradient");
    /* the kernel reads numel(g) int32 indices from idx's storage */
    if (!wk_tensor_is_contiguous(idx) || wk_tensor_numel(idx) != wk_tensor_numel(g))
        return luaL_error(L, "maxpool2d: indices must be the contiguous tensor the forward returned");
    wk_tensor *gx = push_zeros_like(L, x, "maxpool2d");
    return wk_lua_result(L, wk_maxpool2d_backward(gx, g, (const int32_t *)wk_tensor_data(idx), &o), "maxpool2d");
}

static int nn_avgpool2d(lua_State *L)
{
    wk_pool_opts o = pool_opts_arg(L, 2, "avgpool2d");
    const wk_tensor *x = contiguous_arg(L, 1, "avgpool2d", "input");
    wk_tensor *y = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_avgpool2d_forward(y, x, &o), "avgpool2d");
}

static int nn_avgpool2d_backward(lua_State *L)
{
    wk_pool_opts o = pool_opts_arg(L, 3, "avgpool2d");
    wk_tensor *x = need_tensor(L, 2, "avgpool2d", "input");
    const wk_tensor *g = contiguous_arg(L, 1, "avgpool2d", "gradient");
    wk_tensor *gx = push_zeros_like(L, x, "avgpool2d");
    return wk_lua_result(L, wk_avgpool2d_backward(gx, g, &o), "avgpool2d");
}

static int nn_adaptive_avgpool2d(lua_State *L)
{
    const char *fname = "adaptive_avgpool2d";
    lua_Integer oh = wk_lua_check_int(L, 2, fname, "output height", 1, INT32_LIMIT);
    lua_Integer ow = wk_lua_check_int(L, 3, fname, "output width", 1, INT32_LIMIT);
    const wk_tensor *x = contiguous_arg(L, 1, fname, "input");
    wk_tensor *y = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_adaptive_avgpool2d_forward(y, x, oh, ow), fname);
}

static int nn_adaptive_avgpool2d_backward(lua_State *L)
{
    const char *fname = "adaptive_avgpool2d";
    wk_tensor *x = need_tensor(L, 2, fname, "input");
    const wk_tensor *g = contiguous_arg(L, 1, fname, "gradient");
    wk_tensor *gx = push_zeros_like(L, x, fname);
    return wk_lua_result(L, wk_adaptive_avgpool2d_backward(gx, g), fname);
}

static wk_upsample_opts upsample_opts(lua_State *L, int h_idx, int w_idx, int mode_idx)
{
    wk_upsample_opts o;
    memset(&o, 0, sizeof o);
    const char *mode = lua_tostring(L, mode_idx);
    if (mode && strcmp(mode, "bilinear") == 0) o.mode = WK_UPSAMPLE_BILINEAR;
    else if (mode && strcmp(mode, "nearest") == 0) o.mode = WK_UPSAMPLE_NEAREST;
    else luaL_error(L, "upsample: mode must be 'nearest' or 'bilinear', got %s", mode ? mode : luaL_typename(L, mode_idx));
    if (h_idx) {
        o.size[0] = wk_lua_check_int(L, h_idx, "upsample", "output height", 1, INT32_LIMIT);
        o.size[1] = wk_lua_check_int(L, w_idx, "upsample", "output width", 1, INT32_LIMIT);
    }
    return o;
}

/* (x, out_h, out_w, mode) -> y */
static int nn_upsample(lua_State *L)
{
    wk_upsample_opts o = upsample_opts(L, 2, 3, 4);
    const wk_tensor *x = contiguous_arg(L, 1, "upsample", "input");
    wk_tensor *y = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_upsample2d_forward(y, x, &o), "upsample");
}

/* (g, x, mode) -> gx; the output size is g's */
static int nn_upsample_backward(lua_State *L)
{
    wk_upsample_opts o = upsample_opts(L, 0, 0, 3);
    wk_tensor *x = need_tensor(L, 2, "upsample", "input");
    const wk_tensor *g = contiguous_arg(L, 1, "upsample", "gradient");
    need_ndim(L, g, 4, "upsample", "gradient");
    o.size[0] = g->shape[2], o.size[1] = g->shape[3];
    wk_tensor *gx = push_zeros_like(L, x, "upsample");
    return wk_lua_result(L, wk_upsample2d_backward(gx, g, &o), "upsample");
}

/* ---- batchnorm ------------------------------------------------------------------------ */

/* Argument idx: nil, or the slope of an activation fused after the normalisation (0:
 * relu), as nn.sequential passes for batchnorm followed by relu or leaky_relu. */
static wk_bn_act bn_act_arg(lua_State *L, int idx, const char *fname)
{
    wk_bn_act act = {0, 0.0f};
    if (lua_isnoneornil(L, idx)) return act;
    act.on = 1;
    act.slope = (float)wk_lua_check_finite(L, idx, fname, "activation slope", -HUGE_VAL, HUGE_VAL);
    return act;
}

/* (x, gamma|nil, beta|nil, running_mean, running_var, training, momentum, eps [, slope])
 * -> y, save_mean, save_invstd */
static int nn_batchnorm(lua_State *L)
{
    const char *fname = "batchnorm";
    wk_tensor *gamma = optional_tensor(L, 2, fname, "weight");
    wk_tensor *beta = optional_tensor(L, 3, fname, "bias");
    wk_tensor *rmean = need_tensor(L, 4, fname, "running_mean"), *rvar = need_tensor(L, 5, fname, "running_var");
    int training = lua_toboolean(L, 6);
    float momentum = (float)wk_lua_check_finite(L, 7, fname, "momentum", 0, 1);
    float eps = check_positive(L, 8, fname, "eps");
    wk_bn_act act = bn_act_arg(L, 9, fname);
    const wk_tensor *x = contiguous_arg(L, 1, fname, "input");
    int64_t c = x->ndim >= 2 ? x->shape[1] : 0;
    wk_tensor *y = wk_lua_push_empty(L);
    wk_tensor *mean = wk_lua_push_empty(L);
    wk_tensor *invstd = wk_lua_push_empty(L);
    int rc = wk_tensor_new_like(y, x) || wk_tensor_new(mean, 1, &c) || wk_tensor_new(invstd, 1, &c);
    if (!rc)
        rc = training ? wk_batchnorm_act_forward_train(y, mean, invstd, x, gamma, beta, rmean, rvar, momentum, eps, act)
                      : wk_batchnorm_act_forward_eval(y, mean, invstd, x, gamma, beta, rmean, rvar, eps, act);
    return results(L, rc, fname, 3);
}

/* (g, x, gamma|nil, save_mean, save_invstd, training, want_x, want_gamma, want_beta
 *  [, beta|nil, slope]) -> gx, ggamma, gbeta; with a slope, g is the gradient of the
 * fused activation's output */
static int nn_batchnorm_backward(lua_State *L)
{
    const char *fname = "batchnorm";
    wk_tensor *gamma = optional_tensor(L, 3, fname, "weight");
    wk_tensor *mean = need_tensor(L, 4, fname, "saved mean"), *invstd = need_tensor(L, 5, fname, "saved invstd");
    int training = lua_toboolean(L, 6);
    int want_x = lua_toboolean(L, 7), want_gamma = lua_toboolean(L, 8), want_beta = lua_toboolean(L, 9);
    wk_tensor *beta = optional_tensor(L, 10, fname, "bias");
    wk_bn_act act = bn_act_arg(L, 11, fname);
    const wk_tensor *g = contiguous_arg(L, 1, fname, "gradient");
    const wk_tensor *x = contiguous_arg(L, 2, fname, "input");
    wk_tensor *gx = NULL, *ggamma = NULL, *gbeta = NULL;
    if (want_x) {   /* written whole by the kernel: no zeroing */
        gx = wk_lua_push_empty(L);
        if (wk_tensor_new_like(gx, x)) return wk_lua_fail(L, fname);
    } else {
        lua_pushnil(L);
    }
    if (want_gamma) ggamma = push_zeros_like(L, mean, fname); else lua_pushnil(L);
    if (want_beta) gbeta = push_zeros_like(L, mean, fname); else lua_pushnil(L);
    return results(L, wk_batchnorm_act_backward(gx, ggamma, gbeta, g, x, gamma, beta, mean, invstd, training, act),
                   fname, 3);
}

/* ---- softmax and losses ----------------------------------------------------------------- */

/* (x, dim, log) -> y */
static int nn_softmax(lua_State *L)
{
    int log = lua_toboolean(L, 3);
    const char *fname = log ? "log_softmax" : "softmax";
    int dim = wk_lua_check_dim(L, 2, need_tensor(L, 1, fname, "input")->ndim, 0, fname);
    const wk_tensor *x = wk_lua_contiguous(L, 1, fname);
    wk_tensor *y = wk_lua_push_empty(L);
    int rc = wk_tensor_new_like(y, x) || (log ? wk_log_softmax_forward(y, x, dim) : wk_softmax_forward(y, x, dim));
    return wk_lua_result(L, rc, fname);
}

/* (g, y, dim, log) -> gx */
static int nn_softmax_backward(lua_State *L)
{
    int log = lua_toboolean(L, 4);
    const char *fname = log ? "log_softmax" : "softmax";
    wk_tensor *y = need_tensor(L, 2, fname, "output");
    int dim = wk_lua_check_dim(L, 3, y->ndim, 0, fname);
    const wk_tensor *g = contiguous_arg(L, 1, fname, "gradient");
    wk_tensor *gx = push_zeros_like(L, y, fname);
    int rc = log ? wk_log_softmax_backward(gx, g, y, dim) : wk_softmax_backward(gx, g, y, dim);
    return wk_lua_result(L, rc, fname);
}

/* Push a 0-D tensor holding v. */
static wk_tensor *push_scalar(lua_State *L, float v, const char *fname)
{
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_new(t, 0, NULL)) wk_lua_fail(L, fname);
    wk_tensor_data(t)[0] = v;
    return t;
}

/* The upstream gradient of a scalar loss (a 0-D or one-element tensor). */
static float loss_grad(lua_State *L, int idx, const char *fname)
{
    wk_tensor *g = need_tensor(L, idx, fname, "gradient");
    if (wk_tensor_numel(g) != 1) luaL_error(L, "%s: the gradient of a loss must have one element", fname);
    int64_t zero[WK_MAX_DIMS] = {0};
    return *wk_tensor_at(g, zero);
}

/* (logits, target) -> loss, logp (saved for backward) */
static int nn_cross_entropy(lua_State *L)
{
    const char *fname = "cross_entropy";
    const wk_tensor *x = contiguous_arg(L, 1, fname, "logits");
    const wk_tensor *target = contiguous_arg(L, 2, fname, "target");
    float loss = 0;
    wk_tensor *out = push_scalar(L, 0, fname);
    wk_tensor *logp = wk_lua_push_empty(L);
    int rc = wk_tensor_new_like(logp, x) || wk_cross_entropy_forward(&loss, logp, x, target);
    if (!rc) wk_tensor_data(out)[0] = loss;
    return results(L, rc, fname, 2);
}

/* (g, logp, target) -> glogits */
static int nn_cross_entropy_backward(lua_State *L)
{
    const char *fname = "cross_entropy";
    float g = loss_grad(L, 1, fname);
    wk_tensor *logp = need_tensor(L, 2, fname, "log-probabilities");
    const wk_tensor *target = contiguous_arg(L, 3, fname, "target");
    wk_tensor *gx = push_zeros_like(L, logp, fname);
    return wk_lua_result(L, wk_cross_entropy_backward(gx, g, target, logp), fname);
}

typedef int (*loss_forward_fn)(float *, const wk_tensor *, const wk_tensor *);
typedef int (*loss_backward_fn)(wk_tensor *, float, const wk_tensor *, const wk_tensor *);

/* (x, target) -> loss */
static int loss_forward(lua_State *L, loss_forward_fn fn, const char *fname)
{
    const wk_tensor *x = contiguous_arg(L, 1, fname, "input");
    const wk_tensor *target = contiguous_arg(L, 2, fname, "target");
    wk_tensor *out = push_scalar(L, 0, fname);
    float loss = 0;
    int rc = fn(&loss, x, target);
    wk_tensor_data(out)[0] = loss;
    return wk_lua_result(L, rc, fname);
}

/* (g, x, target) -> gx */
static int loss_backward(lua_State *L, loss_backward_fn fn, const char *fname)
{
    float g = loss_grad(L, 1, fname);
    const wk_tensor *x = contiguous_arg(L, 2, fname, "input");
    const wk_tensor *target = contiguous_arg(L, 3, fname, "target");
    wk_tensor *gx = push_zeros_like(L, x, fname);
    return wk_lua_result(L, fn(gx, g, x, target), fname);
}

static int nll_backward_adapter(wk_tensor *gx, float g, const wk_tensor *x, const wk_tensor *target)
{
    (void)x;
    return wk_nll_backward(gx, g, target);
}

static int nn_nll(lua_State *L) { return loss_forward(L, wk_nll_forward, "nll"); }
static int nn_nll_backward(lua_State *L) { return loss_backward(L, nll_backward_adapter, "nll"); }
static int nn_bce(lua_State *L) { return loss_forward(L, wk_bce_forward, "bce"); }
static int nn_bce_backward(lua_State *L) { return loss_backward(L, wk_bce_backward, "bce"); }
static int nn_bce_logits(lua_State *L) { return loss_forward(L, wk_bce_with_logits_forward, "bce_with_logits"); }
static int nn_bce_logits_backward(lua_State *L)
{
    return loss_backward(L, wk_bce_with_logits_backward, "bce_with_logits");
}

/* ---- recurrent layers ----------------------------------------------------------------- */

static const char *check_cell(lua_State *L, int idx)
{
    const char *cell = lua_tostring(L, idx);
    if (!cell || (strcmp(cell, "lstm") != 0 && strcmp(cell, "gru") != 0))
        luaL_error(L, "rnn: cell must be 'lstm' or 'gru', got %s", cell ? cell : luaL_typename(L, idx));
    return cell;
}

/* (cell, x, h0|nil, c0|nil, w_ih, w_hh, b_ih|nil, b_hh|nil, ws, save) -> y, hT, cT|nil, saved|nil
 * cell is "lstm" or "gru"; save = false runs the no-grad path. */
static int nn_rnn(lua_State *L)
{
    const char *cell = check_cell(L, 1);
    int lstm = strcmp(cell, "lstm") == 0;
    wk_tensor *h0 = optional_tensor(L, 3, cell, "h0"), *c0 = optional_tensor(L, 4, cell, "c0");
    wk_tensor *w_ih = need_tensor(L, 5, cell, "w_ih"), *w_hh = need_tensor(L, 6, cell, "w_hh");
    wk_tensor *b_ih = optional_tensor(L, 7, cell, "b_ih"), *b_hh = optional_tensor(L, 8, cell, "b_hh");
    wk_workspace *ws = check_workspace(L, 9);
    int save = lua_toboolean(L, 10);
    need_ndim(L, need_tensor(L, 2, cell, "input (N,T,I)"), 3, cell, "input (N,T,I)");
    need_ndim(L, w_hh, 2, cell, "w_hh");
    const wk_tensor *x = wk_lua_contiguous(L, 2, cell);
    int64_t n = x->shape[0], t = x->shape[1], h = w_hh->shape[1];
    int64_t yshape[3] = {n, t, h}, hshape[2] = {n, h}, sshape[3] = {n, t, 0};
    if (wk_mul_overflows(lstm ? 6 : 4, h, &sshape[2])) return luaL_error(L, "%s: hidden size is too large", cell);
    wk_tensor *y = wk_lua_push_empty(L), *hT = wk_lua_push_empty(L);
    wk_tensor *cT = NULL, *saved = NULL;
    if (lstm) cT = wk_lua_push_empty(L); else lua_pushnil(L);
    if (save) saved = wk_lua_push_empty(L); else lua_pushnil(L);
    int rc = wk_tensor_new(y, 3, yshape) || wk_tensor_new(hT, 2, hshape) || (cT && wk_tensor_new(cT, 2, hshape)) ||
             (saved && wk_tensor_new(saved, 3, sshape));
    if (!rc) {
        if (lstm)
            rc = save ? wk_lstm_forward(y, hT, cT, saved, x, h0, c0, w_ih, w_hh, b_ih, b_hh, ws)
                      : wk_lstm_forward_nograd(y, hT, cT, x, h0, c0, w_ih, w_hh, b_ih, b_hh, ws);
        else
            rc = save ? wk_gru_forward(y, hT, saved, x, h0, w_ih, w_hh, b_ih, b_hh, ws)
                      : wk_gru_forward_nograd(y, hT, x, h0, w_ih, w_hh, b_ih, b_hh, ws);
    }
    return results(L, rc, cell, 4);
}

/* (cell, dy|nil, dhT|nil, dcT|nil, x, h0|nil, c0|nil, y, w_ih, w_hh, saved, ws, has_bias)
 * -> dx, dh0, dc0|nil, dw_ih, dw_hh, db_ih|nil, db_hh|nil */
static int nn_rnn_backward(lua_State *L)
{
    const char *cell = check_cell(L, 1);
    int lstm = strcmp(cell, "lstm") == 0;
    wk_tensor *h0 = optional_tensor(L, 6, cell, "h0"), *c0 = optional_tensor(L, 7, cell, "c0");
    wk_tensor *y = need_tensor(L, 8, cell, "output");
    wk_tensor *w_ih = need_tensor(L, 9, cell, "w_ih"), *w_hh = need_tensor(L, 10, cell, "w_hh");
    wk_tensor *saved = need_tensor(L, 11, cell, "saved state");
    wk_workspace *ws = check_workspace(L, 12);
    int has_bias = lua_toboolean(L, 13);
    need_ndim(L, need_tensor(L, 5, cell, "input (N,T,I)"), 3, cell, "input (N,T,I)");
    need_ndim(L, w_ih, 2, cell, "w_ih");
    need_ndim(L, w_hh, 2, cell, "w_hh");
    const wk_tensor *x = wk_lua_contiguous(L, 5, cell);
    const wk_tensor *dy = optional_contiguous(L, 2, cell, "output gradient");
    const wk_tensor *dhT = optional_contiguous(L, 3, cell, "final state gradient");
    const wk_tensor *dcT = optional_contiguous(L, 4, cell, "final cell gradient");
    if (!dy) dy = push_zeros_like(L, y, cell);   /* only the final state got a gradient */
    else lua_pushnil(L);
    int64_t hshape[2] = {x->shape[0], w_hh->shape[1]}, bshape = w_ih->shape[0];
    wk_tensor *dx = push_zeros_like(L, x, cell);
    wk_tensor *dh0 = wk_lua_push_empty(L);
    wk_tensor *dc0 = NULL;
    int rc = wk_tensor_zeros(dh0, 2, hshape);
    if (lstm) {
        dc0 = wk_lua_push_empty(L);
        rc = rc || wk_tensor_zeros(dc0, 2, hshape);
    } else {
        lua_pushnil(L);
    }
    if (rc) return wk_lua_fail(L, cell);
    wk_tensor *dw_ih = push_zeros_like(L, w_ih, cell), *dw_hh = push_zeros_like(L, w_hh, cell);
    wk_tensor *db_ih = NULL, *db_hh = NULL;
    if (has_bias) {
        db_ih = wk_lua_push_empty(L);
        db_hh = wk_lua_push_empty(L);
        rc = wk_tensor_zeros(db_ih, 1, &bshape) || wk_tensor_zeros(db_hh, 1, &bshape);
    } else {
        lua_pushnil(L);
        lua_pushnil(L);
    }
    if (!rc) {
        if (lstm)
            rc = wk_lstm_backward(dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dy, dhT, dcT, x, h0, c0, y, w_ih, w_hh,
                                  saved, ws);
        else
            rc = wk_gru_backward(dx, dh0, dw_ih, dw_hh, db_ih, db_hh, dy, dhT, x, h0, y, w_ih, w_hh, saved, ws);
    }
    return results(L, rc, cell, 7);
}

/* ---- registration ----------------------------------------------------------------- */

static const luaL_Reg nn_funcs[] = {
    {"_workspace", workspace_new},
    {"_conv2d", nn_conv2d},
    {"_conv2d_backward", nn_conv2d_backward},
    {"_conv_transpose2d", nn_conv_transpose2d},
    {"_conv_transpose2d_backward", nn_conv_transpose2d_backward},
    {"_linear", nn_linear},
    {"_linear_backward", nn_linear_backward},
    {"_act", nn_act},
    {"_act_backward", nn_act_backward},
    {"_maxpool2d", nn_maxpool2d},
    {"_maxpool2d_backward", nn_maxpool2d_backward},
    {"_avgpool2d", nn_avgpool2d},
    {"_avgpool2d_backward", nn_avgpool2d_backward},
    {"_adaptive_avgpool2d", nn_adaptive_avgpool2d},
    {"_adaptive_avgpool2d_backward", nn_adaptive_avgpool2d_backward},
    {"_upsample", nn_upsample},
    {"_upsample_backward", nn_upsample_backward},
    {"_batchnorm", nn_batchnorm},
    {"_batchnorm_backward", nn_batchnorm_backward},
    {"_softmax", nn_softmax},
    {"_softmax_backward", nn_softmax_backward},
    {"_cross_entropy", nn_cross_entropy},
    {"_cross_entropy_backward", nn_cross_entropy_backward},
    {"_nll", nn_nll},
    {"_nll_backward", nn_nll_backward},
    {"_bce", nn_bce},
    {"_bce_backward", nn_bce_backward},
    {"_bce_with_logits", nn_bce_logits},
    {"_bce_with_logits_backward", nn_bce_logits_backward},
    {"_rnn", nn_rnn},
    {"_rnn_backward", nn_rnn_backward},
    {NULL, NULL}};

int luaopen_wick_nn(lua_State *L)
{
    luaL_newmetatable(L, WK_WORKSPACE_MT);
    lua_pushcfunction(L, workspace_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_newlib(L, nn_funcs);
    return 1;
}
