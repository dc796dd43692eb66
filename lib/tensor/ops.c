/* ops.c — elementwise kernels: binary arithmetic and comparison with broadcasting,
 * unary maths, clamp and where (see ops.h for the contract).
 *
 * Every operation is two layers. A "run" kernel does one 1-D stretch of work given a
 * pointer and a stride per operand; it has a branch for the cases that matter for speed
 * (all strides 1, or one operand a broadcast scalar with stride 0) written as plain
 * loops the compiler vectorises, and a strided fallback. An "apply" driver walks any
 * layout with wk_iter (tensor.h), which merges dimensions that are contiguous in every
 * operand, so a contiguous same-shape operation is a single call of the run kernel
 * over all elements, and [N,M] + [M] is N calls over M elements. */
#include "ops.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/threads.h"

/* The run kernels are the hot loops of the whole library. -O2 in GCC 12 only
 * vectorises loops that need no scalar epilogue, so ask for -O3 here. no-trapping-math
 * lets it if-convert the selects in exp and clamp (wick never reads the FP exception
 * flags; results are unchanged). `ivdep` says the output may be the same memory as an
 * input (in-place ops) element for element, which is safe, so no runtime alias checks. */
#define HOT __attribute__((optimize("O3", "no-trapping-math")))
#define IVDEP _Pragma("GCC ivdep")
#define INLINE static inline __attribute__((always_inline))

/* ---- binary run kernels -------------------------------------------------------------- */

typedef void (*binary_run)(int64_t n, float *d, int64_t sd, const float *a, int64_t sa, const float *b, int64_t sb);

/* EXPR computes the result from x (element of a) and y (element of b). */
#define BINARY_RUN(name, EXPR)                                                                      \
    HOT static void name(int64_t n, float *d, int64_t sd, const float *a, int64_t sa, const float *b, \
                         int64_t sb)                                                                \
    {                                                                                               \
        if (sd == 1 && sa == 1 && sb == 1) {                                                        \
            IVDEP for (int64_t i = 0; i < n; i++) {                                                 \
                float x = a[i], y = b[i];                                                           \
                d[i] = (EXPR);                                                                      \
            }                                                                                       \
        } else if (sd == 1 && sa == 1 && sb == 0) {                                                 \
            const float y = *b;                                                                     \
            (void)y;                                                                                \
            IVDEP for (int64_t i = 0; i < n; i++) {                                                 \
                float x = a[i];                                                                     \
                d[i] = (EXPR);                                                                      \
            }                                                                                       \
        } else if (sd == 1 && sa == 0 && sb == 1) {                                                 \
            const float x = *a;                                                                     \
            (void)x;                                                                                \
            IVDEP for (int64_t i = 0; i < n; i++) {                                                 \
                float y = b[i];                                                                     \
                d[i] = (EXPR);                                                                      \
            }                                                                                       \
        } else {                                                                                    \
            for (int64_t i = 0; i < n; i++) {                                                       \
                float x = a[i * sa], y = b[i * sb];                                                 \
                d[i * sd] = (EXPR);                                                                 \
            }                                                                                       \
        }                                                                                           \
    }

BINARY_RUN(run_add, x + y)
BINARY_RUN(run_sub, x - y)
BINARY_RUN(run_mul, x * y)
BINARY_RUN(run_div, x / y)
BINARY_RUN(run_powf, powf(x, y))
BINARY_RUN(run_square, ((void)y, x * x))   /* pow(x, 2): exact and far faster than powf */
BINARY_RUN(run_eq, (float)(x == y))
BINARY_RUN(run_ne, (float)(x != y))
BINARY_RUN(run_lt, (float)(x < y))
BINARY_RUN(run_le, (float)(x <= y))
BINARY_RUN(run_gt, (float)(x > y))
BINARY_RUN(run_ge, (float)(x >= y))

static void run_pow(int64_t n, float *d, int64_t sd, const float *a, int64_t sa, const float *b, int64_t sb)
{
    if (sb == 0 && *b == 2.0f) run_square(n, d, sd, a, sa, b, sb);
    else run_powf(n, d, sd, a, sa, b, sb);
}

static const binary_run binary_runs[WK_BINOP_COUNT] = {
    [WK_ADD] = run_add, [WK_SUB] = run_sub, [WK_MUL] = run_mul, [WK_DIV] = run_div,
    [WK_POW] = run_pow, [WK_EQ] = run_eq,   [WK_NE] = run_ne,   [WK_LT] = run_lt,
    [WK_LE] = run_le,   [WK_GT] = run_gt,   [WK_GE] = run_ge,
};

/* ---- unary run kernels --------------------------------------------------------------- */

typedef void (*unary_run)(int64_t n, float *d, int64_t sd, const float *a, int64_t sa);

#define UNARY_RUN(name, EXPR)                                                             \
    HOT static void name(int64_t n, float *d, int64_t sd, const float *a, int64_t sa)    \
    {                                                                                     \
        if (sd == 1 && sa == 1) {                                                         \
            IVDEP for (int64_t i = 0; i < n; i++) {                                       \
                float x = a[i];                                                           \
                d[i] = (EXPR);                                                            \
            }                                                                             \
        } else {                                                                          \
            for (int64_t i = 0; i < n; i++) {                                             \
                float x = a[i * sa];                                                      \
                d[i * sd] = (EXPR);                                                       \
            }                                                                             \
        }                                                                                 \
    }

/* e^x in float, written so the compiler vectorises it (glibc's expf is a call per
 * element): Cephes' expf. x = k·ln2 + r with |r| <= ln2/2 (ln2 split in two so k·ln2
 * is exact), e^r by a degree-7 polynomial, then scaled by 2^k built from exponent
 * bits. 2^k is applied as 2^(k/2)·2^(k-k/2) so results down in the subnormal range
 * and up at overflow come out right. Max error 1.01 ulp over [-110, 90] (glibc: 0.5);
 * inf → inf, -inf → 0, NaN → NaN. tests/c/test_ops.c sweeps it against exp(). */
INLINE float pow2i(int32_t k)
{
    uint32_t bits = (uint32_t)(k + 127) << 23;   /* k in [-75, 64]: a normal float */
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

INLINE float fast_expf(float x)
{
    /* Clamp so k stays in [-150, 128] (a NaN x lands on -104 and is put back at the
     * end): e^-104 is below half the smallest subnormal, e^89 above FLT_MAX. */
    float xc = x > -104.0f ? x : -104.0f;
    xc = xc < 89.0f ? xc : 89.0f;
    float k = rintf(xc * 1.44269504088896341f);
    float r = fmaf(k, -0.693359375f, xc);
    r = fmaf(k, 2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    p = fmaf(p, r * r, r) + 1.0f;
    int32_t ki = (int32_t)k, k1 = ki >> 1;
    float y = p * pow2i(k1) * pow2i(ki - k1);
    uint32_t xb;
    memcpy(&xb, &x, sizeof xb);
    return (xb & 0x7fffffffu) > 0x7f800000u ? x : y;   /* NaN in, NaN out */
}

/* tanh in float, vectorisable (glibc's tanhf is ~20 ns an element): Cephes' tanhf.
 * |x| <= 0.625: an odd polynomial (no cancellation near 0); beyond: 1 - 2/(e^2|x| + 1)
 * with the sign put back, which reaches exactly 1 once e^2|x| is huge. Max error about
 * 2 ulp (test_ops.c sweeps it); NaN stays NaN. */
INLINE float fast_tanhf(float x)
{
    float ax = fabsf(x), z = x * x;
    float p = fmaf(-5.70498872745e-3f, z, 2.06390887954e-2f);
    p = fmaf(p, z, -5.37397155531e-2f);
    p = fmaf(p, z, 1.33314422036e-1f);
    p = fmaf(p, z, -3.33332819422e-1f);
    float small = fmaf(p * z, x, x);
    float big = copysignf(1.0f - 2.0f / (fast_expf(2.0f * ax) + 1.0f), x);
    return ax > 0.625f ? big : small;
}

/* sigmoid(x) = 1 / (1 + e^-x), computed from e = e^-|x| (never overflows): 1/(1+e) for
 * x >= 0, e/(1+e) for x < 0, so very negative x gives a tiny positive number rather
 * than 1/inf and no precision is lost to 1 - (nearly 1). */
INLINE float sigmoidf(float x)
{
    float e = fast_expf(-fabsf(x));
    return (x >= 0.0f ? 1.0f : e) / (1.0f + e);
}

UNARY_RUN(run_exp, fast_expf(x))
UNARY_RUN(run_log, logf(x))
UNARY_RUN(run_sqrt, sqrtf(x))
UNARY_RUN(run_abs, fabsf(x))
UNARY_RUN(run_neg, -x)
UNARY_RUN(run_tanh, fast_tanhf(x))
UNARY_RUN(run_sigmoid, sigmoidf(x))
UNARY_RUN(run_relu, x < 0.0f ? 0.0f : x)   /* written so NaN falls through unchanged */
UNARY_RUN(run_sin, sinf(x))
UNARY_RUN(run_cos, cosf(x))
UNARY_RUN(run_floor, floorf(x))

static const unary_run unary_runs[WK_UNOP_COUNT] = {
    [WK_EXP] = run_exp,   [WK_LOG] = run_log,         [WK_SQRT] = run_sqrt, [WK_ABS] = run_abs,
    [WK_NEG] = run_neg,   [WK_TANH] = run_tanh,       [WK_SIGMOID] = run_sigmoid,
    [WK_RELU] = run_relu, [WK_SIN] = run_sin,         [WK_COS] = run_cos,   [WK_FLOOR] = run_floor,
};

/* Clamp: comparisons written so a NaN x matches neither and passes through. */
HOT static void run_clamp(int64_t n, float *d, int64_t sd, const float *a, int64_t sa, float lo, float hi)
{
    if (sd == 1 && sa == 1) {
        IVDEP for (int64_t i = 0; i < n; i++) {
            float x = a[i];
            d[i] = x < lo ? lo : x > hi ? hi : x;
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            float x = a[i * sa];
            d[i * sd] = x < lo ? lo : x > hi ? hi : x;
        }
    }
}

/* ---- broadcasting and overlap helpers ------------------------------------------------ */

int wk_broadcast_shape_n(int *ndim, int64_t *shape, int n, const wk_tensor *const *ts)
{
    int nd = 0;
    int64_t out[WK_MAX_DIMS];
    for (int k = 0; k < n; k++)
        if (ts[k]->ndim > nd) nd = ts[k]->ndim;
    for (int i = 0; i < nd; i++) {
        int64_t size = 1;
        for (int k = 0; k < n; k++) {
            int d = ts[k]->ndim - nd + i;
            int64_t s = d >= 0 ? ts[k]->shape[d] : 1;
            if (s == 1) continue;
            if (size != 1 && s != size) goto mismatch;
            size = s;
        }
        out[i] = size;
    }
    if (wk_tensor_check_shape(nd, out, NULL)) return WK_ERR;
    *ndim = nd;
    memcpy(shape, out, sizeof(int64_t) * (size_t)nd);
    return WK_OK;

mismatch:;
    /* "shapes [2] and [3]", "shapes [2], [3] and [4]" */
    char msg[600], buf[160];
    size_t used = (size_t)snprintf(msg, sizeof msg, "shapes ");
    for (int k = 0; k < n && used < sizeof msg; k++)
        used += (size_t)snprintf(msg + used, sizeof msg - used, "%s%s", k == 0 ? "" : k == n - 1 ? " and " : ", ",
                                 wk_tensor_shape_str(ts[k], buf, sizeof buf));
    return wk_fail("%s cannot be broadcast together", msg);
}

void wk_tensor_wrap_scalar(wk_tensor *t, wk_storage *storage, float *value)
{
    storage->data = value;
    storage->numel = 1;
    storage->refcount = 1;
    memset(t, 0, sizeof *t);
    t->storage = storage;
}

/* An in-place target must not have two elements on one address (an expanded view). */
static int check_writable(const wk_tensor *t) { return wk_tensor_require_writable(t); }

/* Whether b reads memory that writing self would change other than element for
 * element (then b is copied first, as NumPy does). A conservative test on address
 * ranges: any overlap of the spans that is not the identical layout counts. */
static int needs_copy(const wk_tensor *self, const wk_tensor *b)
{
    if (b->storage != self->storage) return 0;
    if (b->offset == self->offset && wk_tensor_same_shape(b, self)) {
        int same = 1;
        for (int d = 0; d < b->ndim; d++)
            if (b->shape[d] > 1 && b->stride[d] != self->stride[d]) same = 0;
        if (same) return 0;
    }
    int64_t lo[2], hi[2];
    const wk_tensor *ts[2] = {self, b};
    for (int k = 0; k < 2; k++) {
        lo[k] = hi[k] = ts[k]->offset;
        for (int d = 0; d < ts[k]->ndim; d++) {
            if (ts[k]->shape[d] == 0) return 0;   /* empty: nothing read or written */
            int64_t span = (ts[k]->shape[d] - 1) * ts[k]->stride[d];
            if (span < 0) lo[k] += span;
            else hi[k] += span;
        }
    }
    return lo[0] <= hi[1] && lo[1] <= hi[0];
}

/* ---- drivers ------------------------------------------------------------------------- */

/* An operation that is one long run (same-shape contiguous operands, or one of them a
 * scalar) is shared through the pool in fixed pieces when large (threads.h: WK_PAR_MIN). */
typedef struct par_binary {
    binary_run run;
    float *d;
    const float *a, *b;
    int64_t sd, sa, sb;
} par_binary;

static void par_binary_chunk(void *ctx, int64_t begin, int64_t end, int worker)
{
    const par_binary *j = ctx;
    j->run(end - begin, j->d + begin * j->sd, j->sd, j->a + begin * j->sa, j->sa, j->b + begin * j->sb, j->sb);
}

typedef struct par_unary {
    unary_run run;   /* NULL: clamp to [lo, hi] */
    float *d;
    const float *s;
    int64_t sd, ss;
    float lo, hi;
} par_unary;

static void par_unary_chunk(void *ctx, int64_t begin, int64_t end, int worker)
{
    const par_unary *j = ctx;
    if (j->run) j->run(end - begin, j->d + begin * j->sd, j->sd, j->s + begin * j->ss, j->ss);
    else run_clamp(end - begin, j->d + begin * j->sd, j->sd, j->s + begin * j->ss, j->ss, j->lo, j->hi);
}

/* dst (already of the broadcast shape) = a op b. */
static void apply_binary(const wk_tensor *dst, const wk_tensor *a, const wk_tensor *b, wk_binop op)
{
    int64_t sa[WK_MAX_DIMS], sb[WK_MAX_DIMS];
    wk_broadcast_strides(sa, a, dst->ndim, dst->shape);
    wk_broadcast_strides(sb, b, dst->ndim, dst->shape);
    float *pd = wk_tensor_data(dst);
    const float *pa = wk_tensor_data(a), *pb = wk_tensor_data(b);
    binary_run run = binary_runs[op];
    wk_iter it;
    wk_iter_init(&it, dst->ndim, dst->shape, 3, (const int64_t *[]){dst->stride, sa, sb});
    int64_t off[3];
    if (it.remaining == 1 && it.run >= WK_PAR_MIN) {
        par_binary j = {run, pd, pa, pb, it.step[0], it.step[1], it.step[2]};
        wk_parallel_for(it.run, WK_PAR_CHUNK, par_binary_chunk, &j);
        return;
    }
    while (wk_iter_next(&it, off))
        run(it.run, pd + off[0], it.step[0], pa + off[1], it.step[1], pb + off[2], it.step[2]);
}

static int valid_binop(wk_binop op)
{
    if ((int)op < 0 || op >= WK_BINOP_COUNT) return wk_fail("unknown binary operation %d", (int)op);
    return WK_OK;
}

int wk_tensor_binary(wk_tensor *dst, const wk_tensor *a, const wk_tensor *b, wk_binop op)
{
    int ndim;
    int64_t shape[WK_MAX_DIMS];
    if (valid_binop(op) || wk_broadcast_shape_n(&ndim, shape, 2, (const wk_tensor *[]){a, b})) return WK_ERR;
    wk_tensor out;
    if (wk_tensor_new(&out, ndim, shape)) return WK_ERR;
    apply_binary(&out, a, b, op);
    *dst = out;   /* written last, so a failure leaves dst empty */
    return WK_OK;
}

int wk_tensor_binary_(wk_tensor *self, const wk_tensor *b, wk_binop op)
{
    int ndim;
    int64_t shape[WK_MAX_DIMS];
    char sa[160], sb[160], sc[160];
    if (valid_binop(op) || wk_broadcast_shape_n(&ndim, shape, 2, (const wk_tensor *[]){self, b})) return WK_ERR;
    if (ndim != self->ndim || memcmp(shape, self->shape, sizeof(int64_t) * (size_t)ndim) != 0)
        return wk_fail("shapes %s and %s broadcast to %s, which is not the in-place tensor's shape %s",
                       wk_tensor_shape_str(self, sa, sizeof sa), wk_tensor_shape_str(b, sb, sizeof sb),
                       wk_shape_str(sc, sizeof sc, ndim, shape), wk_tensor_shape_str(self, sa, sizeof sa));
    if (check_writable(self)) return WK_ERR;
    if (needs_copy(self, b)) {
        wk_tensor copy;
        if (wk_tensor_clone(&copy, b)) return WK_ERR;
        apply_binary(self, self, &copy, op);
        wk_tensor_release(&copy);
        return WK_OK;
    }
    apply_binary(self, self, b, op);
    return WK_OK;
}

int wk_tensor_binary_scalar(wk_tensor *dst, const wk_tensor *a, float s, wk_binop op, int scalar_first)
{
    wk_storage storage;
    wk_tensor scalar;
    wk_tensor_wrap_scalar(&scalar, &storage, &s);
    return scalar_first ? wk_tensor_binary(dst, &scalar, a, op) : wk_tensor_binary(dst, a, &scalar, op);
}

int wk_tensor_binary_scalar_(wk_tensor *self, float s, wk_binop op)
{
    wk_storage storage;
    wk_tensor scalar;
    wk_tensor_wrap_scalar(&scalar, &storage, &s);
    return wk_tensor_binary_(self, &scalar, op);
}

/* dst (same shape as src) = op(src); dst may be src itself. */
static void apply_unary(const wk_tensor *dst, const wk_tensor *src, wk_unop op, float lo, float hi)
{
    float *pd = wk_tensor_data(dst);
    const float *ps = wk_tensor_data(src);
    wk_iter it;
    wk_iter_init(&it, dst->ndim, dst->shape, 2, (const int64_t *[]){dst->stride, src->stride});
    int64_t off[2];
    if (it.remaining == 1 && it.run >= WK_PAR_MIN) {
        par_unary j = {(int)op < 0 ? NULL : unary_runs[op], pd, ps, it.step[0], it.step[1], lo, hi};
        wk_parallel_for(it.run, WK_PAR_CHUNK, par_unary_chunk, &j);
        return;
    }
    if ((int)op < 0) {   /* clamp */
        while (wk_iter_next(&it, off)) run_clamp(it.run, pd + off[0], it.step[0], ps + off[1], it.step[1], lo, hi);
        return;
    }
    unary_run run = unary_runs[op];
    while (wk_iter_next(&it, off)) run(it.run, pd + off[0], it.step[0], ps + off[1], it.step[1]);
}

int wk_tensor_unary(wk_tensor *dst, const wk_tensor *src, wk_unop op)
{
    if ((int)op < 0 || op >= WK_UNOP_COUNT) return wk_fail("unknown unary operation %d", (int)op);
    wk_tensor out;
    if (wk_tensor_new_like(&out, src)) return WK_ERR;
    apply_unary(&out, src, op, 0, 0);
    *dst = out;
    return WK_OK;
}

int wk_tensor_unary_(wk_tensor *t, wk_unop op)
{
    if ((int)op < 0 || op >= WK_UNOP_COUNT) return wk_fail("unknown unary operation %d", (int)op);
    if (check_writable(t)) return WK_ERR;
    apply_unary(t, t, op, 0, 0);
    return WK_OK;
}

#define CLAMP_OP ((wk_unop)-1)

static int check_bounds(float lo, float hi)
{
    if (lo > hi) return wk_fail("lower bound %g is greater than upper bound %g", (double)lo, (double)hi);
    return WK_OK;
}

int wk_tensor_clamp(wk_tensor *dst, const wk_tensor *src, float lo, float hi)
{
    if (check_bounds(lo, hi)) return WK_ERR;
    wk_tensor out;
    if (wk_tensor_new_like(&out, src)) return WK_ERR;
    apply_unary(&out, src, CLAMP_OP, lo, hi);
    *dst = out;
    return WK_OK;
}

int wk_tensor_clamp_(wk_tensor *t, float lo, float hi)
{
    if (check_bounds(lo, hi) || check_writable(t)) return WK_ERR;
    apply_unary(t, t, CLAMP_OP, lo, hi);
    return WK_OK;
}

/* ---- where --------------------------------------------------------------------------- */

HOT static void run_where(int64_t n, float *d, int64_t sd, const float *c, int64_t sc, const float *a, int64_t sa,
                          const float *b, int64_t sb)
{
    if (sd == 1 && sc == 1 && sa == 1 && sb == 1) {
        IVDEP for (int64_t i = 0; i < n; i++) d[i] = c[i] != 0.0f ? a[i] : b[i];
    } else {
        for (int64_t i = 0; i < n; i++) d[i * sd] = c[i * sc] != 0.0f ? a[i * sa] : b[i * sb];
    }
}

int wk_tensor_where(wk_tensor *dst, const wk_tensor *cond, const wk_tensor *a, const wk_tensor *b)
{
    int ndim = 0;
    int64_t shape[WK_MAX_DIMS], sc[WK_MAX_DIMS], sa[WK_MAX_DIMS], sb[WK_MAX_DIMS];
    if (wk_broadcast_shape_n(&ndim, shape, 3, (const wk_tensor *[]){cond, a, b})) return WK_ERR;
    wk_tensor out;
    if (wk_tensor_new(&out, ndim, shape)) return WK_ERR;
    wk_broadcast_strides(sc, cond, ndim, shape);
    wk_broadcast_strides(sa, a, ndim, shape);
    wk_broadcast_strides(sb, b, ndim, shape);
    float *pd = wk_tensor_data(&out);
    const float *pc = wk_tensor_data(cond), *pa = wk_tensor_data(a), *pb = wk_tensor_data(b);
    wk_iter it;
    wk_iter_init(&it, ndim, shape, 4, (const int64_t *[]){out.stride, sc, sa, sb});
    int64_t off[4];
    while (wk_iter_next(&it, off))
        run_where(it.run, pd + off[0], it.step[0], pc + off[1], it.step[1], pa + off[2], it.step[2], pb + off[3],
                  it.step[3]);
    *dst = out;
    return WK_OK;
}
