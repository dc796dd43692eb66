/* nn.c — the C half of wick.nn: private functions (nn._conv2d, nn._lstm, …) that run
 * the lib/nn kernels on tensors, plus the wick.Workspace userdata that layers own so
 * their scratch memory is reused from step to step. The layers, the module system
 * and autograd's recording are Lua sugar (nn.lua, nn_functional.lua, nn_layers.lua);
 * each function here checks its arguments, makes inputs contiguous where a kernel
 * needs it, allocates the outputs and reports their memory to the collector. */
#include <string.h>

#include "../lib/core/workspace.h"
#include "../lib/nn/activation.h"
#include "../lib/nn/conv.h"
#include "../lib/nn/loss.h"
#include "../lib/nn/norm.h"
#include "../lib/nn/pool.h"
#include "../lib/nn/rnn.h"
#include "wk_lua.h"

#define WK_WORKSPACE_MT "wick.Workspace"

/* ---- helpers ---------------------------------------------------------------------- */

/* A contiguous view of the tensor at idx: the tensor itself, or a copy held in tmp
 * (release tmp after). */
static const wk_tensor *contiguous_arg(lua_State *L, int idx, wk_tensor *tmp, const char *fname)
{
    wk_tensor *t = wk_lua_check_tensor(L, idx);
    memset(tmp, 0, sizeof *tmp);
    if (wk_tensor_is_contiguous(t)) return t;
    if (wk_tensor_clone(tmp, t)) wk_lua_fail(L, fname);
    return tmp;
}

static const wk_tensor *optional_contiguous(lua_State *L, int idx, wk_tensor *tmp, const char *fname)
{
    memset(tmp, 0, sizeof *tmp);
    if (lua_isnoneornil(L, idx)) return NULL;
    return contiguous_arg(L, idx, tmp, fname);
}

/* Push a new zeroed tensor shaped like `like` (for accumulating gradients). */
static wk_tensor *push_zeros_like(lua_State *L, const wk_tensor *like, const char *fname)
{
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_zeros(t, like->ndim, like->shape)) wk_lua_fail(L, fname);
    wk_lua_account(L, t);
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

static int table_int(lua_State *L, int idx, int i)
{
    lua_geti(L, idx, i);
    int v = (int)luaL_checkinteger(L, -1);
    lua_pop(L, 1);
    return v;
}

/* a = {sh, sw, ph, pw, dh, dw, groups, oph, opw} from nn_functional.lua */
static wk_conv_opts conv_opts_arg(lua_State *L, int idx)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    wk_conv_opts o = wk_conv_opts_default();
    o.stride[0] = table_int(L, idx, 1), o.stride[1] = table_int(L, idx, 2);
    o.padding[0] = table_int(L, idx, 3), o.padding[1] = table_int(L, idx, 4);
    o.dilation[0] = table_int(L, idx, 5), o.dilation[1] = table_int(L, idx, 6);
    o.groups = table_int(L, idx, 7);
    o.output_padding[0] = table_int(L, idx, 8), o.output_padding[1] = table_int(L, idx, 9);
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
    wk_tensor tx, tw, tb;
    const wk_tensor *x = contiguous_arg(L, 1, &tx, fname);
    const wk_tensor *w = contiguous_arg(L, 2, &tw, fname);
    const wk_tensor *b = optional_contiguous(L, 3, &tb, fname);
    wk_workspace *ws = check_workspace(L, 4);
    wk_conv_opts o = conv_opts_arg(L, 5);
    wk_tensor *y = wk_lua_push_empty(L);
    int rc = fn(y, x, w, b, ws, &o);
    wk_tensor_release(&tx), wk_tensor_release(&tw), wk_tensor_release(&tb);
    if (rc) return wk_lua_fail(L, fname);
    wk_lua_account(L, y);
    return 1;
}

/* (g, x, w, ws, a, want_x, want_w, want_b) -> gx|nil, gw|nil, gb|nil */
static int conv_backward(lua_State *L, conv_backward_fn fn, const char *fname)
{
    wk_tensor tg, tx, tw;
    const wk_tensor *g = contiguous_arg(L, 1, &tg, fname);
    const wk_tensor *x = contiguous_arg(L, 2, &tx, fname);
    const wk_tensor *w = contiguous_arg(L, 3, &tw, fname);
    wk_workspace *ws = check_workspace(L, 4);
    wk_conv_opts o = conv_opts_arg(L, 5);
    wk_tensor *gx = NULL, *gw = NULL, *gb = NULL;
    int64_t cout = fn == wk_conv2d_backward ? w->shape[0] : w->shape[1] * o.groups;
    if (lua_toboolean(L, 6)) gx = push_zeros_like(L, x, fname); else lua_pushnil(L);
    if (lua_toboolean(L, 7)) gw = push_zeros_like(L, w, fname); else lua_pushnil(L);
    if (lua_toboolean(L, 8)) {
        gb = wk_lua_push_empty(L);
        if (wk_tensor_zeros(gb, 1, &cout)) return wk_lua_fail(L, fname);
    } else {
        lua_pushnil(L);
    }
    int rc = fn(gx, gw, gb, g, x, w, ws, &o);
    wk_tensor_release(&tg), wk_tensor_release(&tx), wk_tensor_release(&tw);
    if (rc) return wk_lua_fail(L, fname);
    return 3;
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

/* ---- activations ------------------------------------------------------------------ */

/* (kind, x, param) -> y */
static int nn_act(lua_State *L)
{
    const char *kind = luaL_checkstring(L, 1);
    wk_tensor tx;
    const wk_tensor *x = contiguous_arg(L, 2, &tx, kind);
    float p = (float)luaL_optnumber(L, 3, 0);
    wk_tensor *y = wk_lua_push_empty(L);
    int rc = wk_tensor_new_like(y, x);
    if (!rc) {
        if (strcmp(kind, "leaky_relu") == 0) rc = wk_leaky_relu_forward(y, x, p);
        else if (strcmp(kind, "relu") == 0) rc = wk_relu_forward(y, x);
        else if (strcmp(kind, "elu") == 0) rc = wk_elu_forward(y, x, p);
        else if (strcmp(kind, "gelu") == 0) rc = wk_gelu_forward(y, x);
        else rc = wk_fail("unknown activation");
    }
    wk_tensor_release(&tx);
    if (rc) return wk_lua_fail(L, kind);
    wk_lua_account(L, y);
    return 1;
}

/* (kind, g, x, param) -> gx; for tanh and sigmoid pass the forward output y as x */
static int nn_act_backward(lua_State *L)
{
    const char *kind = luaL_checkstring(L, 1);
    wk_tensor tg, tx;
    const wk_tensor *g = contiguous_arg(L, 2, &tg, kind);
    const wk_tensor *x = contiguous_arg(L, 3, &tx, kind);
    float p = (float)luaL_optnumber(L, 4, 0);
    wk_tensor *gx = push_zeros_like(L, x, kind);
    int rc;
    if (strcmp(kind, "leaky_relu") == 0) rc = wk_leaky_relu_backward(gx, g, x, p);
    else if (strcmp(kind, "relu") == 0) rc = wk_relu_backward(gx, g, x);
    else if (strcmp(kind, "tanh") == 0) rc = wk_tanh_backward(gx, g, x);
    else if (strcmp(kind, "sigmoid") == 0) rc = wk_sigmoid_backward(gx, g, x);
    else if (strcmp(kind, "elu") == 0) rc = wk_elu_backward(gx, g, x, p);
    else if (strcmp(kind, "gelu") == 0) rc = wk_gelu_backward(gx, g, x);
    else rc = wk_fail("unknown activation");
    wk_tensor_release(&tg), wk_tensor_release(&tx);
    if (rc) return wk_lua_fail(L, kind);
    return 1;
}

/* ---- pooling and resampling ---------------------------------------------------------- */

static int field_int(lua_State *L, int idx, const char *key, int fallback)
{
    lua_getfield(L, idx, key);
    int v = lua_isnil(L, -1) ? fallback : (lua_isboolean(L, -1) ? lua_toboolean(L, -1) : (int)luaL_checkinteger(L, -1));
    lua_pop(L, 1);
    return v;
}

/* a = {sh, sw, ph, pw, dh, dw, …, kh = , kw = , ceil = , count_include_pad = } */
static wk_pool_opts pool_opts_arg(lua_State *L, int idx)
{
    wk_conv_opts c = conv_opts_arg(L, idx);
    wk_pool_opts o = wk_pool_opts_make(field_int(L, idx, "kh", 1), field_int(L, idx, "kw", 1));
    memcpy(o.stride, c.stride, sizeof o.stride);
    memcpy(o.padding, c.padding, sizeof o.padding);
    memcpy(o.dilation, c.dilation, sizeof o.dilation);
    o.ceil_mode = field_int(L, idx, "ceil", 0);
    o.count_include_pad = field_int(L, idx, "count_include_pad", 1);
    return o;
}

/* (x, a) -> y, indices (a float tensor whose storage holds the int32 argmax indices) */
static int nn_maxpool2d(lua_State *L)
{
    wk_tensor tx;
    const wk_tensor *x = contiguous_arg(L, 1, &tx, "maxpool2d");
    wk_pool_opts o = pool_opts_arg(L, 2);
    int64_t shape[4];
    if (x->ndim != 4 || wk_pool2d_output_shape(shape, x->shape, &o)) {
        if (x->ndim != 4) {
            char buf[160];
            wk_fail("input must be 4-D (N,C,H,W), got %d-D %s", x->ndim, wk_tensor_shape_str(x, buf, sizeof buf));
        }
        wk_tensor_release(&tx);
        return wk_lua_fail(L, "maxpool2d");
    }
    wk_tensor *y = wk_lua_push_empty(L);
    wk_tensor *idx = wk_lua_push_empty(L);
    int rc = wk_tensor_new(y, 4, shape) || wk_tensor_new(idx, 4, shape) ||
             wk_maxpool2d_forward(y, (int32_t *)wk_tensor_data(idx), x, &o);
    wk_tensor_release(&tx);
    if (rc) return wk_lua_fail(L, "maxpool2d");
    wk_lua_account(L, y);
    return 2;
}

/* (g, x, indices, a) -> gx */
static int nn_maxpool2d_backward(lua_State *L)
{
    wk_tensor tg;
    const wk_tensor *g = contiguous_arg(L, 1, &tg, "maxpool2d");
    wk_tensor *x = wk_lua_check_tensor(L, 2);
    wk_tensor *idx = wk_lua_check_tensor(L, 3);
    wk_pool_opts o = pool_opts_arg(L, 4);
    wk_tensor *gx = push_zeros_like(L, x, "maxpool2d");
    int rc = wk_maxpool2d_backward(gx, g, (const int32_t *)wk_tensor_data(idx), &o);
    wk_tensor_release(&tg);
    if (rc) return wk_lua_fail(L, "maxpool2d");
    return 1;
}

static int nn_avgpool2d(lua_State *L)
{
    wk_tensor tx;
    const wk_tensor *x = contiguous_arg(L, 1, &tx, "avgpool2d");
    wk_pool_opts o = pool_opts_arg(L, 2);
    wk_tensor *y = wk_lua_push_empty(L);
    int rc = wk_avgpool2d_forward(y, x, &o);
    wk_tensor_release(&tx);
    if (rc) return wk_lua_fail(L, "avgpool2d");
    wk_lua_account(L, y);
    return 1;
}

static int nn_avgpool2d_backward(lua_State *L)
{
    wk_tensor tg;
    const wk_tensor *g = contiguous_arg(L, 1, &tg, "avgpool2d");
    wk_tensor *x = wk_lua_check_tensor(L, 2);
    wk_pool_opts o = pool_opts_arg(L, 3);
    wk_tensor *gx = push_zeros_like(L, x, "avgpool2d");
    int rc = wk_avgpool2d_backward(gx, g, &o);
    wk_tensor_release(&tg);
    if (rc) return wk_lua_fail(L, "avgpool2d");
    return 1;
}

static int nn_adaptive_avgpool2d(lua_State *L)
{
    wk_tensor tx;
    const wk_tensor *x = contiguous_arg(L, 1, &tx, "adaptive_avgpool2d");
    lua_Integer oh = luaL_checkinteger(L, 2), ow = luaL_checkinteger(L, 3);
    wk_tensor *y = wk_lua_push_empty(L);
    int rc = wk_adaptive_avgpool2d_forward(y, x, oh, ow);
    wk_tensor_release(&tx);
    if (rc) return wk_lua_fail(L, "adaptive_avgpool2d");
    wk_lua_account(L, y);
    return 1;
}

static int nn_adaptive_avgpool2d_backward(lua_State *L)
{
    wk_tensor tg;
    const wk_tensor *g = contiguous_arg(L, 1, &tg, "adaptive_avgpool2d");
    wk_tensor *gx = push_zeros_like(L, wk_lua_check_tensor(L, 2), "adaptive_avgpool2d");
    int rc = wk_adaptive_avgpool2d_backward(gx, g);
    wk_tensor_release(&tg);
    if (rc) return wk_lua_fail(L, "adaptive_avgpool2d");
    return 1;
}

static wk_upsample_opts upsample_opts(lua_State *L, int h_idx, int w_idx, int mode_idx)
{
    wk_upsample_opts o;
    memset(&o, 0, sizeof o);
    const char *mode = luaL_checkstring(L, mode_idx);
    o.mode = strcmp(mode, "bilinear") == 0 ? WK_UPSAMPLE_BILINEAR : WK_UPSAMPLE_NEAREST;
    if (h_idx) {
        o.size[0] = luaL_checkinteger(L, h_idx);
        o.size[1] = luaL_checkinteger(L, w_idx);
    }
    return o;
}

/* (x, out_h, out_w, mode) -> y */
static int nn_upsample(lua_State *L)
{
    wk_tensor tx;
    const wk_tensor *x = contiguous_arg(L, 1, &tx, "upsample");
    wk_upsample_opts o = upsample_opts(L, 2, 3, 4);
    wk_tensor *y = wk_lua_push_empty(L);
    int rc = wk_upsample2d_forward(y, x, &o);
    wk_tensor_release(&tx);
    if (rc) return wk_lua_fail(L, "upsample");
    wk_lua_account(L, y);
    return 1;
}

/* (g, x, mode) -> gx; the output size is g's */
static int nn_upsample_backward(lua_State *L)
{
    wk_tensor tg;
    const wk_tensor *g = contiguous_arg(L, 1, &tg, "upsample");
    wk_tensor *x = wk_lua_check_tensor(L, 2);
    wk_upsample_opts o = upsample_opts(L, 0, 0, 3);
    o.size[0] = g->shape[2], o.size[1] = g->shape[3];
    wk_tensor *gx = push_zeros_like(L, x, "upsample");
    int rc = wk_upsample2d_backward(gx, g, &o);
    wk_tensor_release(&tg);
    if (rc) return wk_lua_fail(L, "upsample");
    return 1;
}

/* ---- batchnorm ------------------------------------------------------------------------ */

/* (x, gamma|nil, beta|nil, running_mean, running_var, training, momentum, eps)
 * -> y, save_mean, save_invstd */
static int nn_batchnorm(lua_State *L)
{
    wk_tensor tx;
    const wk_tensor *x = contiguous_arg(L, 1, &tx, "batchnorm");
    wk_tensor *gamma = lua_isnil(L, 2) ? NULL : wk_lua_check_tensor(L, 2);
    wk_tensor *beta = lua_isnil(L, 3) ? NULL : wk_lua_check_tensor(L, 3);
    wk_tensor *rmean = wk_lua_check_tensor(L, 4), *rvar = wk_lua_check_tensor(L, 5);
    int training = lua_toboolean(L, 6);
    float momentum = (float)luaL_checknumber(L, 7), eps = (float)luaL_checknumber(L, 8);
    int64_t c = x->ndim >= 2 ? x->shape[1] : 0;
    wk_tensor *y = wk_lua_push_empty(L);
    wk_tensor *mean = wk_lua_push_empty(L);
    wk_tensor *invstd = wk_lua_push_empty(L);
    int rc = wk_tensor_new_like(y, x) || wk_tensor_new(mean, 1, &c) || wk_tensor_new(invstd, 1, &c);
    if (!rc)
        rc = training ? wk_batchnorm_forward_train(y, mean, invstd, x, gamma, beta, rmean, rvar, momentum, eps)
                      : wk_batchnorm_forward_eval(y, mean, invstd, x, gamma, beta, rmean, rvar, eps);
    wk_tensor_release(&tx);
    if (rc) return wk_lua_fail(L, "batchnorm");
    wk_lua_account(L, y);
    return 3;
}

/* (g, x, gamma|nil, save_mean, save_invstd, training, want_x, want_gamma, want_beta)
 * -> gx, ggamma, gbeta */
static int nn_batchnorm_backward(lua_State *L)
{
    wk_tensor tg, tx;
    const wk_tensor *g = contiguous_arg(L, 1, &tg, "batchnorm");
    const wk_tensor *x = contiguous_arg(L, 2, &tx, "batchnorm");
    wk_tensor *gamma = lua_isnil(L, 3) ? NULL : wk_lua_check_tensor(L, 3);
    wk_tensor *mean = wk_lua_check_tensor(L, 4), *invstd = wk_lua_check_tensor(L, 5);
    int training = lua_toboolean(L, 6);
    wk_tensor *gx = NULL, *ggamma = NULL, *gbeta = NULL;
    if (lua_toboolean(L, 7)) gx = push_zeros_like(L, x, "batchnorm"); else lua_pushnil(L);
    if (lua_toboolean(L, 8)) ggamma = push_zeros_like(L, mean, "batchnorm"); else lua_pushnil(L);
    if (lua_toboolean(L, 9)) gbeta = push_zeros_like(L, mean, "batchnorm"); else lua_pushnil(L);
    int rc = wk_batchnorm_backward(gx, ggamma, gbeta, g, x, gamma, mean, invstd, training);
    wk_tensor_release(&tg), wk_tensor_release(&tx);
    if (rc) return wk_lua_fail(L, "batchnorm");
    return 3;
}

/* ---- softmax and losses ----------------------------------------------------------------- */

/* (x, dim, log) -> y */
static int nn_softmax(lua_State *L)
{
    int log = lua_toboolean(L, 3);
    const char *fname = log ? "log_softmax" : "softmax";
    wk_tensor tx;
    const wk_tensor *x = contiguous_arg(L, 1, &tx, fname);
    int dim = wk_lua_check_dim(L, 2, x->ndim, 0, fname);
    wk_tensor *y = wk_lua_push_empty(L);
    int rc = wk_tensor_new_like(y, x) || (log ? wk_log_softmax_forward(y, x, dim) : wk_softmax_forward(y, x, dim));
    wk_tensor_release(&tx);
    if (rc) return wk_lua_fail(L, fname);
    wk_lua_account(L, y);
    return 1;
}

/* (g, y, dim, log) -> gx */
static int nn_softmax_backward(lua_State *L)
{
    int log = lua_toboolean(L, 4);
    const char *fname = log ? "log_softmax" : "softmax";
    wk_tensor tg;
    const wk_tensor *g = contiguous_arg(L, 1, &tg, fname);
    wk_tensor *y = wk_lua_check_tensor(L, 2);
    int dim = wk_lua_check_dim(L, 3, y->ndim, 0, fname);
    wk_tensor *gx = push_zeros_like(L, y, fname);
    int rc = log ? wk_log_softmax_backward(gx, g, y, dim) : wk_softmax_backward(gx, g, y, dim);
    wk_tensor_release(&tg);
    if (rc) return wk_lua_fail(L, fname);
    return 1;
}

/* A 0-D tensor holding v. */
static void push_scalar(lua_State *L, float v, const char *fname)
{
    wk_tensor *t = wk_lua_push_empty(L);
    if (wk_tensor_new(t, 0, NULL)) wk_lua_fail(L, fname);
    wk_tensor_data(t)[0] = v;
}

/* The upstream gradient of a scalar loss (a 0-D or one-element tensor). */
static float loss_grad(lua_State *L, int idx)
{
    wk_tensor *g = wk_lua_check_tensor(L, idx);
    int64_t zero[WK_MAX_DIMS] = {0};
    return *wk_tensor_at(g, zero);
}

/* (logits, target) -> loss, logp (saved for backward) */
static int nn_cross_entropy(lua_State *L)
{
    wk_tensor tx, tt;
    const wk_tensor *x = contiguous_arg(L, 1, &tx, "cross_entropy");
    const wk_tensor *target = contiguous_arg(L, 2, &tt, "cross_entropy");
    float loss = 0;
    push_scalar(L, 0, "cross_entropy");
    wk_tensor *logp = wk_lua_push_empty(L);
    int rc = wk_tensor_new_like(logp, x) || wk_cross_entropy_forward(&loss, logp, x, target);
    wk_tensor_release(&tx), wk_tensor_release(&tt);
    if (rc) return wk_lua_fail(L, "cross_entropy");
    wk_tensor_data(wk_lua_check_tensor(L, -2))[0] = loss;
    return 2;
}

/* (g, logp, target) -> glogits */
static int nn_cross_entropy_backward(lua_State *L)
{
    float g = loss_grad(L, 1);
    wk_tensor *logp = wk_lua_check_tensor(L, 2);
    wk_tensor tt;
    const wk_tensor *target = contiguous_arg(L, 3, &tt, "cross_entropy");
    wk_tensor *gx = push_zeros_like(L, logp, "cross_entropy");
    int rc = wk_cross_entropy_backward(gx, g, target, logp);
    wk_tensor_release(&tt);
    if (rc) return wk_lua_fail(L, "cross_entropy");
    return 1;
}

typedef int (*loss_forward_fn)(float *, const wk_tensor *, const wk_tensor *);
typedef int (*loss_backward_fn)(wk_tensor *, float, const wk_tensor *, const wk_tensor *);

/* (x, target) -> loss */
static int loss_forward(lua_State *L, loss_forward_fn fn, const char *fname)
{
    wk_tensor tx, tt;
    const wk_tensor *x = contiguous_arg(L, 1, &tx, fname);
    const wk_tensor *target = contiguous_arg(L, 2, &tt, fname);
    float loss = 0;
    int rc = fn(&loss, x, target);
    wk_tensor_release(&tx), wk_tensor_release(&tt);
    if (rc) return wk_lua_fail(L, fname);
    push_scalar(L, loss, fname);
    return 1;
}

/* (g, x, target) -> gx */
static int loss_backward(lua_State *L, loss_backward_fn fn, const char *fname)
{
    float g = loss_grad(L, 1);
    wk_tensor tx, tt;
    const wk_tensor *x = contiguous_arg(L, 2, &tx, fname);
    const wk_tensor *target = contiguous_arg(L, 3, &tt, fname);
    wk_tensor *gx = push_zeros_like(L, x, fname);
    int rc = fn(gx, g, x, target);
    wk_tensor_release(&tx), wk_tensor_release(&tt);
    if (rc) return wk_lua_fail(L, fname);
    return 1;
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

static wk_tensor *optional_tensor(lua_State *L, int idx)
{
    return lua_isnoneornil(L, idx) ? NULL : wk_lua_check_tensor(L, idx);
}

/* (cell, x, h0|nil, c0|nil, w_ih, w_hh, b_ih|nil, b_hh|nil, ws, save) -> y, hT, cT|nil, saved|nil
 * cell is "lstm" or "gru"; save = false runs the no-grad path. */
static int nn_rnn(lua_State *L)
{
    const char *cell = luaL_checkstring(L, 1);
    int lstm = strcmp(cell, "lstm") == 0;
    wk_tensor tx;
    const wk_tensor *x = contiguous_arg(L, 2, &tx, cell);
    wk_tensor *h0 = optional_tensor(L, 3), *c0 = optional_tensor(L, 4);
    wk_tensor *w_ih = wk_lua_check_tensor(L, 5), *w_hh = wk_lua_check_tensor(L, 6);
    wk_tensor *b_ih = optional_tensor(L, 7), *b_hh = optional_tensor(L, 8);
    wk_workspace *ws = check_workspace(L, 9);
    int save = lua_toboolean(L, 10);
    if (x->ndim != 3) {
        char buf[160];
        wk_tensor_release(&tx);
        return luaL_error(L, "%s: input must be 3-D (N,T,I), got %d-D %s", cell, x->ndim,
                          wk_tensor_shape_str(x, buf, sizeof buf));
    }
    int64_t n = x->shape[0], t = x->shape[1], h = w_hh->ndim == 2 ? w_hh->shape[1] : 0;
    int64_t yshape[3] = {n, t, h}, hshape[2] = {n, h}, sshape[3] = {n, t, (lstm ? 6 : 4) * h};
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
    wk_tensor_release(&tx);
    if (rc) return wk_lua_fail(L, cell);
    wk_lua_account(L, y);
    if (saved) wk_lua_account(L, saved);
    return 4;
}

/* (cell, dy|nil, dhT|nil, dcT|nil, x, h0|nil, c0|nil, y, w_ih, w_hh, saved, ws, has_bias)
 * -> dx, dh0, dc0|nil, dw_ih, dw_hh, db_ih|nil, db_hh|nil */
static int nn_rnn_backward(lua_State *L)
{
    const char *cell = luaL_checkstring(L, 1);
    int lstm = strcmp(cell, "lstm") == 0;
    wk_tensor tdy, tdh, tdc, tx;
    memset(&tdy, 0, sizeof tdy);
    const wk_tensor *x = contiguous_arg(L, 5, &tx, cell);
    wk_tensor *y = wk_lua_check_tensor(L, 8);
    const wk_tensor *dy = lua_isnil(L, 2) ? NULL : contiguous_arg(L, 2, &tdy, cell);
    const wk_tensor *dhT = optional_contiguous(L, 3, &tdh, cell);
    const wk_tensor *dcT = optional_contiguous(L, 4, &tdc, cell);
    wk_tensor *h0 = optional_tensor(L, 6), *c0 = optional_tensor(L, 7);
    wk_tensor *w_ih = wk_lua_check_tensor(L, 9), *w_hh = wk_lua_check_tensor(L, 10);
    wk_tensor *saved = wk_lua_check_tensor(L, 11);
    wk_workspace *ws = check_workspace(L, 12);
    int has_bias = lua_toboolean(L, 13);
    wk_tensor zeros_dy;
    memset(&zeros_dy, 0, sizeof zeros_dy);
    if (!dy) {   /* only the final state got a gradient */
        if (wk_tensor_zeros(&zeros_dy, y->ndim, y->shape)) return wk_lua_fail(L, cell);
        dy = &zeros_dy;
    }
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
    wk_tensor *dw_ih = push_zeros_like(L, w_ih, cell), *dw_hh = push_zeros_like(L, w_hh, cell);
    wk_tensor *db_ih = NULL, *db_hh = NULL;
    if (has_bias) {
        db_ih = wk_lua_push_empty(L);
        db_hh = wk_lua_push_empty(L);
        rc = rc || wk_tensor_zeros(db_ih, 1, &bshape) || wk_tensor_zeros(db_hh, 1, &bshape);
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
    wk_tensor_release(&tdy), wk_tensor_release(&tdh), wk_tensor_release(&tdc), wk_tensor_release(&tx);
    wk_tensor_release(&zeros_dy);
    if (rc) return wk_lua_fail(L, cell);
    return 7;
}

/* ---- registration ----------------------------------------------------------------- */

static const luaL_Reg nn_funcs[] = {
    {"_workspace", workspace_new},
    {"_conv2d", nn_conv2d},
    {"_conv2d_backward", nn_conv2d_backward},
    {"_conv_transpose2d", nn_conv_transpose2d},
    {"_conv_transpose2d_backward", nn_conv_transpose2d_backward},
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
