/* activation.c — pointwise nonlinearities, forward and backward (see activation.h).
 *
 * Sections: argument checks; vectorised exp / sigmoid / tanh on arrays (AVX2 + FMA
 * when the compiler targets it, the libm functions otherwise); the tensor kernels, one
 * forward/backward pair per nonlinearity with its formula on top. Backward kernels
 * write dx. */
#include "activation.h"

#include <math.h>
#include <string.h>

#include "../core/threads.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define WK_ACT_AVX2 1
#endif

/* ---- argument checks ------------------------------------------------------------- */

/* A backward's three tensors: present, contiguous and of x's shape. */
static int need_three(const char *fn, const wk_tensor *dx, const wk_tensor *dy, const char *xn, const wk_tensor *x)
{
    if (wk_tensor_require_same(fn, "grad output", dy, xn, x) || wk_tensor_require_same(fn, "grad input", dx, xn, x))
        return WK_ERR;
    return WK_OK;
}

/* ---- vectorised exp, sigmoid, tanh ------------------------------------------------ */

#ifdef WK_ACT_AVX2
/* exp(x) by Cephes' expf: x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 polynomial,
 * 2^n by building the exponent bits. Inputs are clamped to [-88.38, 88.38]. */
static inline __m256 v_exp(__m256 x)
{
    x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
    x = _mm256_max_ps(x, _mm256_set1_ps(-88.3762626647949f));
    __m256 fx = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
    fx = _mm256_floor_ps(fx);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, z, _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    __m256i n = _mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127));
    n = _mm256_max_epi32(n, _mm256_setzero_si256());   /* below 2^-126: flush to 0 */
    return _mm256_mul_ps(y, _mm256_castsi256_ps(_mm256_slli_epi32(n, 23)));
}

static inline __m256 v_sigmoid(__m256 x)
{
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = v_exp(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(one, _mm256_add_ps(one, e));
}

/* tanh: Cephes' odd polynomial for |x| < 0.625, else 1 - 2 / (exp(2|x|) + 1) with
 * the sign of x (no cancellation on either side). */
static inline __m256 v_tanh(__m256 x)
{
    __m256 sign = _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u)));
    __m256 ax = _mm256_xor_ps(x, sign);
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = v_exp(_mm256_add_ps(ax, ax));
    __m256 big = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
    __m256 is_small = _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ);
    return _mm256_blendv_ps(_mm256_or_ps(big, sign), small, is_small);
}

/* Apply f to n floats, 8 at a time; the tail goes through a zero-padded block so every
 * element sees the same arithmetic. */
#define VEC_APPLY(f, y, x, n)                                                        \
    do {                                                                             \
        int64_t i_ = 0;                                                              \
        for (; i_ + 8 <= (n); i_ += 8) _mm256_storeu_ps((y) + i_, f(_mm256_loadu_ps((x) + i_))); \
        if (i_ < (n)) {                                                              \
            float buf_[8] = {0};                                                     \
            memcpy(buf_, (x) + i_, (size_t)((n) - i_) * sizeof(float));              \
            _mm256_storeu_ps(buf_, f(_mm256_loadu_ps(buf_)));                        \
            memcpy((y) + i_, buf_, (size_t)((n) - i_) * sizeof(float));              \
        }                                                                            \
    } while (0)

void wk_vec_exp(float *y, const float *x, int64_t n) { VEC_APPLY(v_exp, y, x, n); }
void wk_vec_sigmoid(float *y, const float *x, int64_t n) { VEC_APPLY(v_sigmoid, y, x, n); }
void wk_vec_tanh(float *y, const float *x, int64_t n) { VEC_APPLY(v_tanh, y, x, n); }
#else
void wk_vec_exp(float *y, const float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++) y[i] = expf(x[i]);
}
void wk_vec_sigmoid(float *y, const float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
}
void wk_vec_tanh(float *y, const float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
}
#endif

/* ---- relu, leaky_relu ------------------------------------------------------------- */

/* A network's ReLUs run over every activation, forward and back: large ones are shared
 * through the pool in fixed pieces (threads.h: WK_PAR_MIN). */

typedef struct relu_job {
    float *out;
    const float *x, *dy;   /* dy NULL: forward */
    float slope;
    int leaky;             /* 0: relu */
} relu_job;

/* leaky_relu's x > 0 ? x : slope * x vectorises only because the Makefile passes
 * -fno-trapping-math (see there); it was scalar and mispredicted on random signs before
 * (11 ns a float, 60x torch on a 64x64x14x14 batch). */
static void relu_chunk(void *ctx, int64_t begin, int64_t end, int worker)
{
    const relu_job *j = ctx;
    float *restrict o = j->out;
    const float *restrict px = j->x, *restrict d = j->dy;
    const float slope = j->slope;
    if (!j->leaky) {
        if (d)
            for (int64_t i = begin; i < end; i++) o[i] = px[i] > 0.0f ? d[i] : 0.0f;
        else
            for (int64_t i = begin; i < end; i++) o[i] = px[i] > 0.0f ? px[i] : 0.0f;
    } else if (d) {
        for (int64_t i = begin; i < end; i++) o[i] = px[i] > 0.0f ? d[i] : slope * d[i];
    } else {
        for (int64_t i = begin; i < end; i++) o[i] = px[i] > 0.0f ? px[i] : slope * px[i];
    }
}

static void relu_run(float *out, const float *x, const float *dy, int64_t n, int leaky, float slope)
{
    relu_job j = {out, x, dy, slope, leaky};
    if (n >= WK_PAR_MIN) wk_parallel_for(n, WK_PAR_CHUNK, relu_chunk, &j);
    else relu_chunk(&j, 0, n, 0);
}

/* y = max(x, 0) */
int wk_relu_forward(wk_tensor *y, const wk_tensor *x)
{
    if (wk_tensor_require_same("relu_forward", "output", y, "input", x)) return WK_ERR;
    relu_run(wk_tensor_data(y), wk_tensor_data(x), NULL, wk_tensor_numel(x), 0, 0.0f);
    return WK_OK;
}

/* dx = dy * (x > 0) */
int wk_relu_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *x)
{
    if (need_three("relu_backward", dx, dy, "input", x)) return WK_ERR;
    relu_run(wk_tensor_data(dx), wk_tensor_data(x), wk_tensor_data(dy), wk_tensor_numel(x), 0, 0.0f);
    return WK_OK;
}

/* y = x > 0 ? x : slope * x */
int wk_leaky_relu_forward(wk_tensor *y, const wk_tensor *x, float slope)
{
    if (wk_tensor_require_same("leaky_relu_forward", "output", y, "input", x)) return WK_ERR;
    relu_run(wk_tensor_data(y), wk_tensor_data(x), NULL, wk_tensor_numel(x), 1, slope);
    return WK_OK;
}

/* dx = dy * (x > 0 ? 1 : slope) */
int wk_leaky_relu_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *x, float slope)
{
    if (need_three("leaky_relu_backward", dx, dy, "input", x)) return WK_ERR;
    relu_run(wk_tensor_data(dx), wk_tensor_data(x), wk_tensor_data(dy), wk_tensor_numel(x), 1, slope);
    return WK_OK;
}

/* ---- elu ---------------------------------------------------------------------------- */

/* y = x > 0 ? x : alpha * (exp(x) - 1)   (expm1 keeps small negative x exact) */
int wk_elu_forward(wk_tensor *y, const wk_tensor *x, float alpha)
{
    if (wk_tensor_require_same("elu_forward", "output", y, "input", x)) return WK_ERR;
    float *py = wk_tensor_data(y);
    const float *px = wk_tensor_data(x);
    int64_t n = wk_tensor_numel(x);
    for (int64_t i = 0; i < n; i++) py[i] = px[i] > 0.0f ? px[i] : alpha * expm1f(px[i]);
    return WK_OK;
}

/* dx = dy * (x > 0 ? 1 : alpha * exp(x)) */
int wk_elu_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *x, float alpha)
{
    if (need_three("elu_backward", dx, dy, "input", x)) return WK_ERR;
    float *g = wk_tensor_data(dx);
    const float *d = wk_tensor_data(dy), *px = wk_tensor_data(x);
    int64_t n = wk_tensor_numel(x);
    for (int64_t i = 0; i < n; i++) g[i] = px[i] > 0.0f ? d[i] : d[i] * alpha * expf(px[i]);
    return WK_OK;
}

/* ---- gelu --------------------------------------------------------------------------- */

#define WK_SQRT1_2 0.70710678118654752440f
#define WK_INV_SQRT_2PI 0.39894228040143267794f

/* y = 0.5 x (1 + erf(x / sqrt 2)) */
int wk_gelu_forward(wk_tensor *y, const wk_tensor *x)
{
    if (wk_tensor_require_same("gelu_forward", "output", y, "input", x)) return WK_ERR;
    float *py = wk_tensor_data(y);
    const float *px = wk_tensor_data(x);
    int64_t n = wk_tensor_numel(x);
    for (int64_t i = 0; i < n; i++) py[i] = 0.5f * px[i] * (1.0f + erff(px[i] * WK_SQRT1_2));
    return WK_OK;
}

/* dx = dy * (Phi(x) + x phi(x)),  Phi(x) = (1 + erf(x/sqrt 2)) / 2,  phi(x) = exp(-x^2/2)/sqrt(2 pi) */
int wk_gelu_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *x)
{
    if (need_three("gelu_backward", dx, dy, "input", x)) return WK_ERR;
    float *g = wk_tensor_data(dx);
    const float *d = wk_tensor_data(dy), *px = wk_tensor_data(x);
    int64_t n = wk_tensor_numel(x);
    for (int64_t i = 0; i < n; i++) {
        float v = px[i];
        float cdf = 0.5f * (1.0f + erff(v * WK_SQRT1_2));
        float pdf = WK_INV_SQRT_2PI * expf(-0.5f * v * v);
        g[i] = d[i] * (cdf + v * pdf);
    }
    return WK_OK;
}

/* ---- tanh, sigmoid ------------------------------------------------------------------ */

/* y = tanh(x) */
int wk_tanh_forward(wk_tensor *y, const wk_tensor *x)
{
    if (wk_tensor_require_same("tanh_forward", "output", y, "input", x)) return WK_ERR;
    wk_vec_tanh(wk_tensor_data(y), wk_tensor_data(x), wk_tensor_numel(x));
    return WK_OK;
}

/* dx = dy * (1 - y^2) */
int wk_tanh_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *y)
{
    if (need_three("tanh_backward", dx, dy, "output", y)) return WK_ERR;
    float *g = wk_tensor_data(dx);
    const float *d = wk_tensor_data(dy), *py = wk_tensor_data(y);
    int64_t n = wk_tensor_numel(y);
    for (int64_t i = 0; i < n; i++) g[i] = d[i] * (1.0f - py[i] * py[i]);
    return WK_OK;
}

/* y = 1 / (1 + exp(-x)) */
int wk_sigmoid_forward(wk_tensor *y, const wk_tensor *x)
{
    if (wk_tensor_require_same("sigmoid_forward", "output", y, "input", x)) return WK_ERR;
    wk_vec_sigmoid(wk_tensor_data(y), wk_tensor_data(x), wk_tensor_numel(x));
    return WK_OK;
}

/* dx = dy * y (1 - y) */
int wk_sigmoid_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *y)
{
    if (need_three("sigmoid_backward", dx, dy, "output", y)) return WK_ERR;
    float *g = wk_tensor_data(dx);
    const float *d = wk_tensor_data(dy), *py = wk_tensor_data(y);
    int64_t n = wk_tensor_numel(y);
    for (int64_t i = 0; i < n; i++) g[i] = d[i] * py[i] * (1.0f - py[i]);
    return WK_OK;
}
