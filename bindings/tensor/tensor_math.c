/* tensor_math.c — elementwise wick.Tensor methods: arithmetic (add sub mul div pow and
 * their in-place `_` forms), the operators + - * / ^ and unary minus, unary maths (exp
 * log sqrt abs neg tanh sigmoid relu sin cos floor clamp, each with `_`), comparisons
 * (eq ne lt le gt ge → 0/1 tensors), wick.tensor.where, and < <= on one-element tensors.
 *
 * Every function takes a tensor or a plain number wherever a second operand goes; a
 * number is wrapped as a 0-D view of a C float on the stack (no allocation), which
 * lib broadcasts with stride 0. Errors are "<method>: <lib's reason>", e.g.
 * "add: shapes [3,4] and [5] cannot be broadcast together"; the operators report the
 * method they stand for ("add" for +). */
#include <math.h>

#include "../../lib/tensor/ops.h"
#include "../core/wk_lua.h"

/* ---- operands ---------------------------------------------------------------------- */

/* A number operand lives here while the call runs. */
typedef struct scalar_box {
    float value;
    wk_storage storage;
    wk_tensor tensor;
} scalar_box;

/* The tensor at idx, or the number at idx wrapped in box; anything else raises
 * "<fname>: expected a tensor or a number, got <type>". */
static const wk_tensor *operand(lua_State *L, int idx, scalar_box *box, const char *fname)
{
    if (lua_type(L, idx) == LUA_TNUMBER) {
        box->value = (float)lua_tonumber(L, idx);
        wk_tensor_wrap_scalar(&box->tensor, &box->storage, &box->value);
        return &box->tensor;
    }
    wk_tensor *t = wk_lua_test_tensor(L, idx);
    if (!t) luaL_error(L, "%s: expected a tensor or a number, got %s", fname, luaL_typename(L, idx));
    return t;
}

/* ---- binary ------------------------------------------------------------------------ */

/* a op b into a new tensor pushed on the stack; a and b at stack slots ia, ib. */
static int push_binary(lua_State *L, int ia, int ib, wk_binop op, const char *fname)
{
    scalar_box ba, bb;
    const wk_tensor *a = operand(L, ia, &ba, fname), *b = operand(L, ib, &bb, fname);
    wk_tensor *out = wk_lua_push_empty(L);
    if (wk_tensor_binary(out, a, b, op)) return wk_lua_fail(L, fname);
    wk_lua_account(L, out);
    return 1;
}

/* t:op(x) */
static int binary(lua_State *L, wk_binop op, const char *fname)
{
    wk_lua_check_tensor(L, 1);
    return push_binary(L, 1, 2, op, fname);
}

/* t:op_(x): t = t op x, returns t */
static int binary_(lua_State *L, wk_binop op, const char *fname)
{
    wk_tensor *self = wk_lua_check_tensor(L, 1);
    scalar_box box;
    const wk_tensor *b = operand(L, 2, &box, fname);
    if (wk_tensor_binary_(self, b, op)) return wk_lua_fail(L, fname);
    lua_settop(L, 1);
    return 1;
}

/* a <op> b from an operator: either side may be the number (`2 - t`, `1 / t`). */
static int meta_binary(lua_State *L, wk_binop op, const char *fname)
{
    return push_binary(L, 1, 2, op, fname);
}

#define BINARY_METHODS(NAME, OP)                                                        \
    static int tensor_##NAME(lua_State *L) { return binary(L, OP, #NAME); }             \
    static int tensor_##NAME##_(lua_State *L) { return binary_(L, OP, #NAME "_"); }     \
    static int meta_##NAME(lua_State *L) { return meta_binary(L, OP, #NAME); }

BINARY_METHODS(add, WK_ADD)
BINARY_METHODS(sub, WK_SUB)
BINARY_METHODS(mul, WK_MUL)
BINARY_METHODS(div, WK_DIV)
BINARY_METHODS(pow, WK_POW)

#define COMPARE_METHOD(NAME, OP) \
    static int tensor_##NAME(lua_State *L) { return binary(L, OP, #NAME); }

COMPARE_METHOD(eq, WK_EQ)
COMPARE_METHOD(ne, WK_NE)
COMPARE_METHOD(lt, WK_LT)
COMPARE_METHOD(le, WK_LE)
COMPARE_METHOD(gt, WK_GT)
COMPARE_METHOD(ge, WK_GE)

/* ---- unary ------------------------------------------------------------------------- */

static int unary(lua_State *L, wk_unop op, const char *fname)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    wk_tensor *out = wk_lua_push_empty(L);
    if (wk_tensor_unary(out, src, op)) return wk_lua_fail(L, fname);
    wk_lua_account(L, out);
    return 1;
}

static int unary_(lua_State *L, wk_unop op, const char *fname)
{
    if (wk_tensor_unary_(wk_lua_check_tensor(L, 1), op)) return wk_lua_fail(L, fname);
    lua_settop(L, 1);
    return 1;
}

#define UNARY_METHODS(NAME, OP)                                                     \
    static int tensor_##NAME(lua_State *L) { return unary(L, OP, #NAME); }          \
    static int tensor_##NAME##_(lua_State *L) { return unary_(L, OP, #NAME "_"); }

UNARY_METHODS(exp, WK_EXP)
UNARY_METHODS(log, WK_LOG)
UNARY_METHODS(sqrt, WK_SQRT)
UNARY_METHODS(abs, WK_ABS)
UNARY_METHODS(neg, WK_NEG)
UNARY_METHODS(tanh, WK_TANH)
UNARY_METHODS(sigmoid, WK_SIGMOID)
UNARY_METHODS(relu, WK_RELU)
UNARY_METHODS(sin, WK_SIN)
UNARY_METHODS(cos, WK_COS)
UNARY_METHODS(floor, WK_FLOOR)

/* -t: Lua passes the operand twice. */
static int meta_unm(lua_State *L) { return unary(L, WK_NEG, "neg"); }

/* t:clamp(lo, hi), either bound nil for none. */
static void clamp_bounds(lua_State *L, float *lo, float *hi, const char *fname)
{
    for (int k = 0; k < 2; k++) {
        int idx = 2 + k;
        float *bound = k ? hi : lo;
        if (lua_isnoneornil(L, idx)) *bound = k ? INFINITY : -INFINITY;
        else if (lua_type(L, idx) == LUA_TNUMBER) *bound = (float)lua_tonumber(L, idx);
        else luaL_error(L, "%s: %s bound must be a number or nil, got %s", fname, k ? "upper" : "lower", luaL_typename(L, idx));
    }
}

static int tensor_clamp(lua_State *L)
{
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    float lo, hi;
    clamp_bounds(L, &lo, &hi, "clamp");
    wk_tensor *out = wk_lua_push_empty(L);
    if (wk_tensor_clamp(out, src, lo, hi)) return wk_lua_fail(L, "clamp");
    wk_lua_account(L, out);
    return 1;
}

static int tensor_clamp_(lua_State *L)
{
    wk_tensor *t = wk_lua_check_tensor(L, 1);
    float lo, hi;
    clamp_bounds(L, &lo, &hi, "clamp_");
    if (wk_tensor_clamp_(t, lo, hi)) return wk_lua_fail(L, "clamp_");
    lua_settop(L, 1);
    return 1;
}

/* ---- where ------------------------------------------------------------------------- */

/* wick.tensor.where(cond, a, b): a where cond is nonzero, else b; a and b may be numbers. */
static int tensor_where(lua_State *L)
{
    wk_tensor *cond = wk_lua_check_tensor(L, 1);
    scalar_box ba, bb;
    const wk_tensor *a = operand(L, 2, &ba, "where"), *b = operand(L, 3, &bb, "where");
    wk_tensor *out = wk_lua_push_empty(L);
    if (wk_tensor_where(out, cond, a, b)) return wk_lua_fail(L, "where");
    wk_lua_account(L, out);
    return 1;
}

/* ---- < and <= on one-element tensors ----------------------------------------------- */

/* The value of a number or one-element tensor operand of < / <=, so that
 * `if t:sum() > 0 then` reads as it should; a bigger tensor raises, because Lua
 * operators must return one boolean and an elementwise answer needs :lt(). */
static lua_Number compare_value(lua_State *L, int idx, const char *method, const char *ops)
{
    if (lua_type(L, idx) == LUA_TNUMBER) return lua_tonumber(L, idx);
    wk_tensor *t = wk_lua_test_tensor(L, idx);
    if (!t)
        luaL_error(L, "cannot compare a tensor with a %s value by %s (only with a number or a one-element tensor)",
                   luaL_typename(L, idx), ops);
    if (wk_tensor_numel(t) != 1) {
        char buf[160];
        luaL_error(L, "cannot compare a tensor of shape %s by %s (only one-element tensors compare as numbers); "
                   "use :%s() for elementwise comparison", wk_tensor_shape_str(t, buf, sizeof buf), ops, method);
    }
    int64_t zero[WK_MAX_DIMS] = {0};
    return *wk_tensor_at(t, zero);
}

static int meta_lt(lua_State *L)
{
    lua_Number a = compare_value(L, 1, "lt", "< or >"), b = compare_value(L, 2, "lt", "< or >");
    lua_pushboolean(L, a < b);
    return 1;
}

static int meta_le(lua_State *L)
{
    lua_Number a = compare_value(L, 1, "le", "<= or >="), b = compare_value(L, 2, "le", "<= or >=");
    lua_pushboolean(L, a <= b);
    return 1;
}

/* ---- registration ------------------------------------------------------------------ */

const luaL_Reg wk_tensor_math_methods[] = {
    {"add", tensor_add},         {"add_", tensor_add_},         {"sub", tensor_sub},
    {"sub_", tensor_sub_},       {"mul", tensor_mul},           {"mul_", tensor_mul_},
    {"div", tensor_div},         {"div_", tensor_div_},         {"pow", tensor_pow},
    {"pow_", tensor_pow_},
    {"exp", tensor_exp},         {"exp_", tensor_exp_},         {"log", tensor_log},
    {"log_", tensor_log_},       {"sqrt", tensor_sqrt},         {"sqrt_", tensor_sqrt_},
    {"abs", tensor_abs},         {"abs_", tensor_abs_},         {"neg", tensor_neg},
    {"neg_", tensor_neg_},       {"tanh", tensor_tanh},         {"tanh_", tensor_tanh_},
    {"sigmoid", tensor_sigmoid}, {"sigmoid_", tensor_sigmoid_}, {"relu", tensor_relu},
    {"relu_", tensor_relu_},     {"sin", tensor_sin},           {"sin_", tensor_sin_},
    {"cos", tensor_cos},         {"cos_", tensor_cos_},         {"floor", tensor_floor},
    {"floor_", tensor_floor_},   {"clamp", tensor_clamp},       {"clamp_", tensor_clamp_},
    {"eq", tensor_eq},           {"ne", tensor_ne},             {"lt", tensor_lt},
    {"le", tensor_le},           {"gt", tensor_gt},             {"ge", tensor_ge},
    {"where", tensor_where},
    {NULL, NULL}};

const luaL_Reg wk_tensor_math_meta[] = {
    {"__add", meta_add}, {"__sub", meta_sub}, {"__mul", meta_mul}, {"__div", meta_div},
    {"__pow", meta_pow}, {"__unm", meta_unm}, {"__lt", meta_lt},   {"__le", meta_le},
    {NULL, NULL}};
