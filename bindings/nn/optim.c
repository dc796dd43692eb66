/* optim.c — Lua glue for the fused optimizer updates in lib/nn/optim.c. The optimizer
 * objects themselves (state, schedules, L-BFGS) are Lua sugar in optim.lua; these
 * private functions only check buffers and run one update loop. */
#include "../../lib/nn/optim.h"
#include "../core/wk_lua.h"

/* A contiguous tensor argument with n elements (n < 0: any), or a Lua error. These
 * functions allocate nothing, so a raised error leaks nothing. */
static float *check_buffer(lua_State *L, int idx, int64_t n, const char *fname, const char *what)
{
    wk_tensor *t = wk_lua_test_tensor(L, idx);
    if (!t) luaL_error(L, "%s: %s must be a tensor, got %s", fname, what, luaL_typename(L, idx));
    if (!wk_tensor_is_contiguous(t))
        luaL_error(L, "%s: %s must be contiguous", fname, what);
    if (n >= 0 && wk_tensor_numel(t) != n)
        luaL_error(L, "%s: %s has %I elements, expected %I", fname, what, (lua_Integer)wk_tensor_numel(t),
                   (lua_Integer)n);
    return wk_tensor_data(t);
}

static int64_t numel_of(lua_State *L, int idx, const char *fname)
{
    wk_tensor *t = wk_lua_test_tensor(L, idx);
    if (!t) luaL_error(L, "%s: parameter must be a tensor, got %s", fname, luaL_typename(L, idx));
    return wk_tensor_numel(t);
}

/* A hyper-parameter as a float: finite after the conversion, within [lo, hi]. The
 * optimizers check these when made (optim.lua); checking again at every step catches
 * a value set later (opt.lr = 0/0), which would otherwise turn every weight into NaN. */
static float hyper(lua_State *L, int idx, const char *fname, const char *name, double lo, double hi)
{
    return (float)wk_lua_check_finite(L, idx, fname, name, lo, hi);
}

#define HYPER_MAX 3.0e38   /* below FLT_MAX: the float stays finite */

/* _sgd_step(p, g, buf|nil, lr, momentum, dampening, weight_decay, nesterov, first_step) */
static int optim_sgd_step(lua_State *L)
{
    int64_t n = numel_of(L, 1, "sgd");
    float *p = check_buffer(L, 1, n, "sgd", "parameter");
    const float *g = check_buffer(L, 2, n, "sgd", "gradient");
    float *buf = lua_isnil(L, 3) ? NULL : check_buffer(L, 3, n, "sgd", "momentum buffer");
    float lr = hyper(L, 4, "sgd", "lr", 0, HYPER_MAX);
    float momentum = hyper(L, 5, "sgd", "momentum", 0, 1);
    float dampening = hyper(L, 6, "sgd", "dampening", 0, 1);
    float weight_decay = hyper(L, 7, "sgd", "weight_decay", 0, HYPER_MAX);
    if (momentum != 0.0f && !buf) return luaL_error(L, "sgd: momentum needs a buffer");
    wk_sgd_step(p, g, buf, n, lr, momentum, dampening, weight_decay, lua_toboolean(L, 8), lua_toboolean(L, 9));
    return 0;
}

/* _adam_step(p, g, m, v, lr, beta1, beta2, eps, weight_decay, decoupled, t [, fname]) */
static int optim_adam_step(lua_State *L)
{
    const char *fname = lua_type(L, 12) == LUA_TSTRING ? lua_tostring(L, 12) : "adam";
    int64_t n = numel_of(L, 1, fname);
    float *p = check_buffer(L, 1, n, fname, "parameter");
    const float *g = check_buffer(L, 2, n, fname, "gradient");
    float *m = check_buffer(L, 3, n, fname, "first moment");
    float *v = check_buffer(L, 4, n, fname, "second moment");
    float lr = hyper(L, 5, fname, "lr", 0, HYPER_MAX);
    /* beta = 1 would divide by 1 − beta^t = 0 */
    float beta1 = hyper(L, 6, fname, "beta1", 0, 0.9999999);
    float beta2 = hyper(L, 7, fname, "beta2", 0, 0.9999999);
    float eps = hyper(L, 8, fname, "eps", 1e-30, HYPER_MAX);
    float weight_decay = hyper(L, 9, fname, "weight_decay", 0, HYPER_MAX);
    int64_t t = (int64_t)wk_lua_check_int(L, 11, fname, "step", 1, LUA_MAXINTEGER);
    wk_adam_step(p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, lua_toboolean(L, 10), t);
    return 0;
}

/* _rmsprop_step(p, g, sq, buf|nil, lr, alpha, eps, weight_decay, momentum) */
static int optim_rmsprop_step(lua_State *L)
{
    int64_t n = numel_of(L, 1, "rmsprop");
    float *p = check_buffer(L, 1, n, "rmsprop", "parameter");
    const float *g = check_buffer(L, 2, n, "rmsprop", "gradient");
    float *sq = check_buffer(L, 3, n, "rmsprop", "square average");
    float *buf = lua_isnil(L, 4) ? NULL : check_buffer(L, 4, n, "rmsprop", "momentum buffer");
    float lr = hyper(L, 5, "rmsprop", "lr", 0, HYPER_MAX);
    float alpha = hyper(L, 6, "rmsprop", "alpha", 0, 1);
    float eps = hyper(L, 7, "rmsprop", "eps", 1e-30, HYPER_MAX);
    float weight_decay = hyper(L, 8, "rmsprop", "weight_decay", 0, HYPER_MAX);
    float momentum = hyper(L, 9, "rmsprop", "momentum", 0, 1);
    if (momentum > 0.0f && !buf) return luaL_error(L, "rmsprop: momentum needs a buffer");
    wk_rmsprop_step(p, g, sq, buf, n, lr, alpha, eps, weight_decay, momentum);
    return 0;
}

/* _sum_squares(t) -> number (double accumulation) */
static int optim_sum_squares(lua_State *L)
{
    int64_t n = numel_of(L, 1, "clip_grad_norm");
    lua_pushnumber(L, wk_sum_squares(check_buffer(L, 1, n, "clip_grad_norm", "gradient"), n));
    return 1;
}

/* _lbfgs_direction(d, g, steps, dirs, ro, h_diag): d = −H·g from the history lists
 * (oldest first; steps[i], dirs[i] tensors of g's size, ro[i] numbers). */
static int optim_lbfgs_direction(lua_State *L)
{
    int64_t n = numel_of(L, 2, "lbfgs");
    float *d = check_buffer(L, 1, n, "lbfgs", "direction");
    const float *g = check_buffer(L, 2, n, "lbfgs", "gradient");
    luaL_checktype(L, 3, LUA_TTABLE);
    luaL_checktype(L, 4, LUA_TTABLE);
    luaL_checktype(L, 5, LUA_TTABLE);
    lua_Integer m = luaL_len(L, 3);
    if (m < 0 || m > (1 << 20) || luaL_len(L, 4) != m || luaL_len(L, 5) != m)
        return luaL_error(L, "lbfgs: the history lists differ in length");
    double h_diag = luaL_checknumber(L, 6);
    /* pointers and scalars in one scratch userdata: freed by the collector on error */
    size_t bytes = (size_t)m * (2 * sizeof(float *) + 2 * sizeof(double));
    char *scratch = lua_newuserdatauv(L, bytes ? bytes : 1, 0);
    const float **steps = (const float **)scratch, **dirs = steps + m;
    double *ro = (double *)(dirs + m), *alpha = ro + m;
    for (lua_Integer i = 0; i < m; i++) {
        lua_geti(L, 3, i + 1);
        steps[i] = check_buffer(L, -1, n, "lbfgs", "a history step");
        lua_geti(L, 4, i + 1);
        dirs[i] = check_buffer(L, -1, n, "lbfgs", "a history gradient change");
        lua_geti(L, 5, i + 1);
        ro[i] = luaL_checknumber(L, -1);
        lua_pop(L, 3);   /* the lists keep the tensors alive */
    }
    if (d == g) return luaL_error(L, "lbfgs: the direction must not be the gradient");
    wk_lbfgs_direction(d, g, steps, dirs, ro, (int)m, n, h_diag, alpha);
    return 0;
}

static const luaL_Reg optim_funcs[] = {
    {"_sgd_step", optim_sgd_step},
    {"_adam_step", optim_adam_step},
    {"_rmsprop_step", optim_rmsprop_step},
    {"_sum_squares", optim_sum_squares},
    {"_lbfgs_direction", optim_lbfgs_direction},
    {NULL, NULL}};

int luaopen_wick_optim(lua_State *L)
{
    luaL_newlib(L, optim_funcs);
    return 1;
}
