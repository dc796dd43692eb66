/* optim.c — Lua glue for the fused optimizer updates in lib/nn/optim.c. The optimizer
 * objects themselves (state, schedules, L-BFGS) are Lua sugar in optim.lua; these
 * private functions only check buffers and run one update loop. */
#include "../lib/nn/optim.h"
#include "wk_lua.h"

/* A contiguous tensor argument with n elements (n < 0: any), or a Lua error. */
static float *check_buffer(lua_State *L, int idx, int64_t n, const char *fname, const char *what)
{
    wk_tensor *t = wk_lua_check_tensor(L, idx);
    if (!wk_tensor_is_contiguous(t))
        luaL_error(L, "%s: %s must be contiguous", fname, what);
    if (n >= 0 && wk_tensor_numel(t) != n)
        luaL_error(L, "%s: %s has %I elements, expected %I", fname, what, (lua_Integer)wk_tensor_numel(t),
                   (lua_Integer)n);
    return wk_tensor_data(t);
}

static int64_t numel_of(lua_State *L, int idx) { return wk_tensor_numel(wk_lua_check_tensor(L, idx)); }

/* _sgd_step(p, g, buf|nil, lr, momentum, dampening, weight_decay, nesterov, first_step) */
static int optim_sgd_step(lua_State *L)
{
    int64_t n = numel_of(L, 1);
    float *p = check_buffer(L, 1, n, "sgd", "parameter");
    const float *g = check_buffer(L, 2, n, "sgd", "gradient");
    float *buf = lua_isnil(L, 3) ? NULL : check_buffer(L, 3, n, "sgd", "momentum buffer");
    float momentum = (float)luaL_checknumber(L, 5);
    if (momentum != 0.0f && !buf) return luaL_error(L, "sgd: momentum needs a buffer");
    wk_sgd_step(p, g, buf, n, (float)luaL_checknumber(L, 4), momentum, (float)luaL_checknumber(L, 6),
                (float)luaL_checknumber(L, 7), lua_toboolean(L, 8), lua_toboolean(L, 9));
    return 0;
}

/* _adam_step(p, g, m, v, lr, beta1, beta2, eps, weight_decay, decoupled, t) */
static int optim_adam_step(lua_State *L)
{
    int64_t n = numel_of(L, 1);
    float *p = check_buffer(L, 1, n, "adam", "parameter");
    const float *g = check_buffer(L, 2, n, "adam", "gradient");
    float *m = check_buffer(L, 3, n, "adam", "first moment");
    float *v = check_buffer(L, 4, n, "adam", "second moment");
    wk_adam_step(p, g, m, v, n, (float)luaL_checknumber(L, 5), (float)luaL_checknumber(L, 6),
                 (float)luaL_checknumber(L, 7), (float)luaL_checknumber(L, 8), (float)luaL_checknumber(L, 9),
                 lua_toboolean(L, 10), (int64_t)luaL_checkinteger(L, 11));
    return 0;
}

/* _rmsprop_step(p, g, sq, buf|nil, lr, alpha, eps, weight_decay, momentum) */
static int optim_rmsprop_step(lua_State *L)
{
    int64_t n = numel_of(L, 1);
    float *p = check_buffer(L, 1, n, "rmsprop", "parameter");
    const float *g = check_buffer(L, 2, n, "rmsprop", "gradient");
    float *sq = check_buffer(L, 3, n, "rmsprop", "square average");
    float *buf = lua_isnil(L, 4) ? NULL : check_buffer(L, 4, n, "rmsprop", "momentum buffer");
    float momentum = (float)luaL_checknumber(L, 9);
    if (momentum > 0.0f && !buf) return luaL_error(L, "rmsprop: momentum needs a buffer");
    wk_rmsprop_step(p, g, sq, buf, n, (float)luaL_checknumber(L, 5), (float)luaL_checknumber(L, 6),
                    (float)luaL_checknumber(L, 7), (float)luaL_checknumber(L, 8), momentum);
    return 0;
}

/* _sum_squares(t) -> number (double accumulation) */
static int optim_sum_squares(lua_State *L)
{
    int64_t n = numel_of(L, 1);
    lua_pushnumber(L, wk_sum_squares(check_buffer(L, 1, n, "clip_grad_norm", "gradient"), n));
    return 1;
}

static const luaL_Reg optim_funcs[] = {
    {"_sgd_step", optim_sgd_step},
    {"_adam_step", optim_adam_step},
    {"_rmsprop_step", optim_rmsprop_step},
    {"_sum_squares", optim_sum_squares},
    {NULL, NULL}};

int luaopen_wick_optim(lua_State *L)
{
    luaL_newlib(L, optim_funcs);
    return 1;
}
