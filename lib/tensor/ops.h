/* ops.h — elementwise kernels: arithmetic and comparisons with NumPy broadcasting,
 * unary maths, clamp and where.
 *
 * Every operation has an allocating form (dst first, empty on entry, filled with a new
 * contiguous tensor of the broadcast shape) and an in-place form ending in `_` that
 * writes into its first argument (the other operand broadcasts into it; the result may
 * not change its shape). Scalar variants take a plain float so `t * 2` costs no
 * allocation. Inputs may be any strided view (transposed, narrowed, expanded); the
 * contiguous same-shape case runs as one vectorised loop.
 *
 * Shape errors read "shapes [3,4] and [5] cannot be broadcast together"; the bindings
 * put the Lua function name in front. */
#ifndef WK_OPS_H
#define WK_OPS_H

#include "tensor.h"

/* ---- binary: arithmetic and comparison ---------------------------------------------- */

typedef enum wk_binop {
    WK_ADD, WK_SUB, WK_MUL, WK_DIV, WK_POW,   /* a+b a-b a*b a/b a^b (powf) */
    WK_EQ, WK_NE, WK_LT, WK_LE, WK_GT, WK_GE, /* 1.0f where the comparison holds, else 0 */
    WK_BINOP_COUNT
} wk_binop;

/* dst = a op b, dst of the broadcast shape of a and b. */
int wk_tensor_binary(wk_tensor *dst, const wk_tensor *a, const wk_tensor *b, wk_binop op);
/* self = self op b; b broadcasts to self's shape. b may share self's storage (it is
 * copied first when the two overlap in any way other than element for element). */
int wk_tensor_binary_(wk_tensor *self, const wk_tensor *b, wk_binop op);
/* dst = a op s, or s op a when scalar_first (for `2 - t`, `1 / t`, `2 ^ t`). */
int wk_tensor_binary_scalar(wk_tensor *dst, const wk_tensor *a, float s, wk_binop op, int scalar_first);
/* self = self op s. */
int wk_tensor_binary_scalar_(wk_tensor *self, float s, wk_binop op);

/* Named forms for C callers (lib/nn and friends). */
static inline int wk_tensor_add(wk_tensor *d, const wk_tensor *a, const wk_tensor *b) { return wk_tensor_binary(d, a, b, WK_ADD); }
static inline int wk_tensor_sub(wk_tensor *d, const wk_tensor *a, const wk_tensor *b) { return wk_tensor_binary(d, a, b, WK_SUB); }
static inline int wk_tensor_mul(wk_tensor *d, const wk_tensor *a, const wk_tensor *b) { return wk_tensor_binary(d, a, b, WK_MUL); }
static inline int wk_tensor_div(wk_tensor *d, const wk_tensor *a, const wk_tensor *b) { return wk_tensor_binary(d, a, b, WK_DIV); }
static inline int wk_tensor_pow(wk_tensor *d, const wk_tensor *a, const wk_tensor *b) { return wk_tensor_binary(d, a, b, WK_POW); }
static inline int wk_tensor_add_(wk_tensor *t, const wk_tensor *b) { return wk_tensor_binary_(t, b, WK_ADD); }
static inline int wk_tensor_sub_(wk_tensor *t, const wk_tensor *b) { return wk_tensor_binary_(t, b, WK_SUB); }
static inline int wk_tensor_mul_(wk_tensor *t, const wk_tensor *b) { return wk_tensor_binary_(t, b, WK_MUL); }
static inline int wk_tensor_div_(wk_tensor *t, const wk_tensor *b) { return wk_tensor_binary_(t, b, WK_DIV); }

/* ---- unary ------------------------------------------------------------------------- */

typedef enum wk_unop {
    WK_EXP,       /* vectorised polynomial, within 1 ulp (glibc expf: 0.5) and ~4x faster */
    WK_LOG, WK_SQRT, WK_ABS, WK_NEG,
    WK_TANH,      /* vectorised, within ~1.3 ulp */
    WK_SIGMOID,   /* 1/(1+e^-x), computed without overflow for large |x|; within ~2.3 ulp */
    WK_RELU,      /* max(x, 0); NaN stays NaN */
    WK_SIN, WK_COS, WK_FLOOR,
    WK_UNOP_COUNT
} wk_unop;

/* dst = op(src), dst new and contiguous. */
int wk_tensor_unary(wk_tensor *dst, const wk_tensor *src, wk_unop op);
/* t = op(t). Fails on an expanded t (stride-0 dims would be written twice). */
int wk_tensor_unary_(wk_tensor *t, wk_unop op);

/* Clamp into [lo, hi]; pass -INFINITY / INFINITY for an open side. NaN stays NaN.
 * Fails when lo > hi. */
int wk_tensor_clamp(wk_tensor *dst, const wk_tensor *src, float lo, float hi);
int wk_tensor_clamp_(wk_tensor *t, float lo, float hi);

/* ---- selection --------------------------------------------------------------------- */

/* dst = cond != 0 ? a : b, all three broadcast together (a NaN cond counts as nonzero,
 * as in C). */
int wk_tensor_where(wk_tensor *dst, const wk_tensor *cond, const wk_tensor *a, const wk_tensor *b);

/* A 0-D tensor viewing *value without owning it — for passing a number where a tensor
 * is expected. Never release it; it lives as long as *value and *storage do. */
void wk_tensor_wrap_scalar(wk_tensor *t, wk_storage *storage, float *value);

/* The broadcast shape of n tensors (NumPy rule), failing with
 * "shapes [2,3], [4] and [3] cannot be broadcast together". */
int wk_broadcast_shape_n(int *ndim, int64_t *shape, int n, const wk_tensor *const *ts);

#endif
