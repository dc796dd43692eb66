/* norm.c — batch normalisation, training and eval forward and backward (see norm.h).
 *
 * x is viewed as (N, C, S) with S = 1, L or H*W; channel c's values are N runs of S
 * contiguous floats, one per sample, at (n*C + c) * S. The training kernels work on
 * blocks of channels shared through the pool (lib/core/threads.h; blocks cut from the
 * shape alone, each channel's sums made the same way on any thread count), walking the
 * runs sample by sample so a (N, C) input is read row by row, not down its columns
 * (batchnorm1d over 6272 features was 5x torch's time); sums are double, in 4 lanes per
 * run so they vectorise. */
#include "norm.h"

#include <math.h>
#include <string.h>
#include "../core/threads.h"

/* ---- argument checks ------------------------------------------------------------- */

typedef struct bn_dims {
    const char *fn;
    int64_t N, C, S;
} bn_dims;

static int bn_setup(bn_dims *d, const char *fn, const wk_tensor *x)
{
    char s[96];
    d->fn = fn;
    if (!x || !x->storage) return wk_fail("%s: input is missing or empty", fn);
    if (x->ndim < 2 || x->ndim > 4)
        return wk_fail("%s: input must be 2-D (N, C), 3-D (N, C, L) or 4-D (N, C, H, W), got %d-D %s", fn, x->ndim,
                       wk_tensor_shape_str(x, s, sizeof s));
    if (!wk_tensor_is_contiguous(x))
        return wk_fail("%s: input %s must be contiguous (call :contiguous() first)", fn,
                       wk_tensor_shape_str(x, s, sizeof s));
    d->N = x->shape[0];
    d->C = x->shape[1];
    d->S = 1;
    for (int k = 2; k < x->ndim; k++) d->S *= x->shape[k];
    return WK_OK;
}

/* t must be a contiguous (C) vector. */
static int need_channels(const bn_dims *d, const char *name, const wk_tensor *t)
{
    char s[96];
    if (!t || !t->storage) return wk_fail("%s: %s (C) = [%lld] is missing or empty", d->fn, name, (long long)d->C);
    if (t->ndim != 1 || t->shape[0] != d->C || !wk_tensor_is_contiguous(t))
        return wk_fail("%s: %s must be (C) = [%lld] for input with %lld channels, got %s", d->fn, name,
                       (long long)d->C, (long long)d->C, wk_tensor_shape_str(t, s, sizeof s));
    return WK_OK;
}

/* t must be contiguous with x's shape. */
static int need_like_x(const bn_dims *d, const char *name, const wk_tensor *t, const wk_tensor *x)
{
    char s[96], sx[96];
    if (!t || !t->storage) return wk_fail("%s: %s is missing or empty", d->fn, name);
    if (!wk_tensor_same_shape(t, x) || !wk_tensor_is_contiguous(t))
        return wk_fail("%s: %s must be contiguous with the input's shape %s, got %s", d->fn, name,
                       wk_tensor_shape_str(x, sx, sizeof sx), wk_tensor_shape_str(t, s, sizeof s));
    return WK_OK;
}

/* ---- forward -------------------------------------------------------------------------- */

/* Runs of S floats are summed in 8 float lanes (GCC's vector types: AVX2 and AVX-512
 * alike) over blocks of at most SUM_BLOCK values, the blocks' totals in double: no float
 * sum runs over more than SUM_BLOCK / 8 values. (Double lanes throughout were half the
 * speed; the backward's loops left to GCC vectorised for some variants only.) */
#define SUM_BLOCK 512

/* Built without AVX (a portable -O2), compilers warn that passing these by value changes
 * the ABI; every function taking them here is static, so no ABI is at stake. */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

static inline v8f load8(const float *p)
{
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store8(float *p, v8f v) { memcpy(p, &v, sizeof v); }

/* act_dz on 8 lanes: dy where x a + b > 0, else slope dy (+0 for relu, as act_dz) */
static inline v8f act_dz8(v8f dy, v8f x, float a, float b, float slope)
{
    const v8i pos = (x * a + b) > 0.0f;
    const v8f other = slope == 0.0f ? (v8f){0} : dy * slope;
    return (v8f)(((v8i)dy & pos) | ((v8i)other & ~pos));
}

static inline float sum8(v8f v) { return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])); }

/* Sum over a run of S floats of v (square 0) or of (v - mean)^2 (square 1). */
static inline __attribute__((always_inline)) double run_moment(const float *v, int64_t S, float mean, int square)
{
    double t = 0;
    for (int64_t k0 = 0; k0 < S; k0 += SUM_BLOCK) {
        const int64_t k1 = S - k0 < SUM_BLOCK ? S : k0 + SUM_BLOCK;
        v8f a = {0};
        float r = 0;
        int64_t k = k0;
        for (; k + 8 <= k1; k += 8) {
            const v8f d = load8(v + k) - mean;
            a += square ? d * d : d;
        }
        for (; k < k1; k++) r += square ? (v[k] - mean) * (v[k] - mean) : v[k] - mean;
        t += (double)(r + sum8(a));
    }
    return t;
}

static double run_sum(const float *v, int64_t S) { return run_moment(v, S, 0.0f, 0); }
static double run_sq(const float *v, int64_t S, double mean) { return run_moment(v, S, (float)mean, 1); }

/* Channels per block: at most BN_BLOCK (the per-channel scratch lives on the stack). */
#define BN_BLOCK 256

static int64_t bn_grain(const bn_dims *d)
{
    int64_t g = wk_parallel_grain(d->C, (double)(d->N * d->S), 65536.0, 64);
    return g < BN_BLOCK ? g : BN_BLOCK;
}

typedef struct bn_job {
    const bn_dims *d;
    float *y;          /* forward: output; backward: dx (NULL: none) */
    const float *x, *dy, *gamma, *beta;
    float *mean, *invstd, *rm, *rv, *dgamma, *dbeta;
    double momentum, eps;
    int training;
    wk_bn_act act;     /* an activation after the normalisation (forward and backward) */
} bn_job;

/* The normalisation as one scale and shift per channel, from the statistics as float32
 * keeps them (save_mean, save_invstd): the forward and a fused backward work out the
 * same z = x scale + shift to the bit, so they agree on its sign. */
static void bn_scale_shift(float mean, float invstd, const float *gamma, const float *beta, int64_t c, float *scale,
                           float *shift)
{
    double sc = (double)invstd * (gamma ? gamma[c] : 1.0f);
    *scale = (float)sc;
    *shift = (float)((beta ? beta[c] : 0.0f) - (double)mean * sc);
}

/* y[n, c] = act(x[n, c] * scale[c] + shift[c]) for channels [c0, c1), sample by sample.
 * relu writes z > 0 ? z : 0 (never -0, as relu_chunk), leaky_relu z > 0 ? z : slope z;
 * both vectorise (-fno-trapping-math, see activation.c). */
static void affine_block(float *y, const float *x, const bn_dims *d, int64_t c0, int64_t c1, const float *scale,
                         const float *shift, wk_bn_act act)
{
    const int64_t S = d->S;
    const float slope = act.slope;
    for (int64_t n = 0; n < d->N; n++) {
        if (S == 1) {   /* an (N, C) input: the channels of a row side by side */
            const float *restrict xs = x + n * d->C + c0;
            float *restrict ys = y + n * d->C + c0;
            const int64_t nc = c1 - c0;
            if (!act.on) {
                for (int64_t c = 0; c < nc; c++) ys[c] = xs[c] * scale[c] + shift[c];
            } else if (slope == 0.0f) {
                for (int64_t c = 0; c < nc; c++) {
                    float z = xs[c] * scale[c] + shift[c];
                    ys[c] = z > 0.0f ? z : 0.0f;
                }
            } else {
                for (int64_t c = 0; c < nc; c++) {
                    float z = xs[c] * scale[c] + shift[c];
                    ys[c] = z > 0.0f ? z : slope * z;
                }
            }
            continue;
        }
        for (int64_t c = c0; c < c1; c++) {
            const float *restrict xs = x + (n * d->C + c) * S;
            float *restrict ys = y + (n * d->C + c) * S;
            const float a = scale[c - c0], b = shift[c - c0];
            if (!act.on) {
                for (int64_t k = 0; k < S; k++) ys[k] = xs[k] * a + b;
            } else if (slope == 0.0f) {
                for (int64_t k = 0; k < S; k++) {
                    float z = xs[k] * a + b;
                    ys[k] = z > 0.0f ? z : 0.0f;
                }
            } else {
                for (int64_t k = 0; k < S; k++) {
                    float z = xs[k] * a + b;
                    ys[k] = z > 0.0f ? z : slope * z;
                }
            }
        }
    }
}

/* For channels [c0, c1): mean_c = sum x / M,  var_c = sum (x - mean_c)^2 / M  (two passes, double);
 * y = (x - mean_c) invstd_c gamma_c + beta_c, as one scale and shift per channel. */
static void forward_train_block(void *ctx, int64_t c0, int64_t c1, int worker)
{
    const bn_job *j = ctx;
    const bn_dims *d = j->d;
    const int64_t nc = c1 - c0, M = d->N * d->S;
    double sum[BN_BLOCK], sq[BN_BLOCK];
    float scale[BN_BLOCK], shift[BN_BLOCK];
    for (int64_t c = 0; c < nc; c++) sum[c] = sq[c] = 0;
    for (int64_t n = 0; n < d->N; n++) {
        const float *row = j->x + (n * d->C + c0) * d->S;
        if (d->S == 1)
            for (int64_t c = 0; c < nc; c++) sum[c] += row[c];
        else
            for (int64_t c = 0; c < nc; c++) sum[c] += run_sum(row + c * d->S, d->S);
    }
    for (int64_t c = 0; c < nc; c++) sum[c] /= (double)M;   /* now the mean */
    for (int64_t n = 0; n < d->N; n++) {
        const float *row = j->x + (n * d->C + c0) * d->S;
        if (d->S == 1)
            for (int64_t c = 0; c < nc; c++) sq[c] += (row[c] - sum[c]) * (row[c] - sum[c]);
        else
            for (int64_t c = 0; c < nc; c++) sq[c] += run_sq(row + c * d->S, d->S, sum[c]);
    }
    for (int64_t c = 0; c < nc; c++) {
        double mean = sum[c], var = sq[c] / (double)M;
        double invstd = 1.0 / sqrt(var + j->eps);
        j->mean[c0 + c] = (float)mean;
        j->invstd[c0 + c] = (float)invstd;
        if (j->rm) j->rm[c0 + c] = (float)((1.0 - j->momentum) * j->rm[c0 + c] + j->momentum * mean);
        if (j->rv)
            j->rv[c0 + c] =
                (float)((1.0 - j->momentum) * j->rv[c0 + c] + j->momentum * var * (double)M / (double)(M - 1));
        bn_scale_shift(j->mean[c0 + c], j->invstd[c0 + c], j->gamma, j->beta, c0 + c, &scale[c], &shift[c]);
    }
    affine_block(j->y, j->x, d, c0, c1, scale, shift, j->act);
}

int wk_batchnorm_act_forward_train(wk_tensor *y, wk_tensor *save_mean, wk_tensor *save_invstd,
                                   const wk_tensor *x, const wk_tensor *gamma, const wk_tensor *beta,
                                   wk_tensor *running_mean, wk_tensor *running_var, float momentum, float eps,
                                   wk_bn_act act)
{
    bn_dims d;
    char s[96];
    if (bn_setup(&d, "batchnorm_forward_train", x)) return WK_ERR;
    if (need_like_x(&d, "output", y, x) || need_channels(&d, "save_mean", save_mean) ||
        need_channels(&d, "save_invstd", save_invstd))
        return WK_ERR;
    if ((gamma && need_channels(&d, "gamma", gamma)) || (beta && need_channels(&d, "beta", beta)) ||
        (running_mean && need_channels(&d, "running_mean", running_mean)) ||
        (running_var && need_channels(&d, "running_var", running_var)))
        return WK_ERR;
    int64_t M = d.N * d.S;
    if (M < 2)
        return wk_fail("batchnorm_forward_train: expected more than 1 value per channel when training, got input %s",
                       wk_tensor_shape_str(x, s, sizeof s));
    bn_job j = {.d = &d, .y = wk_tensor_data(y), .x = wk_tensor_data(x),
                .gamma = gamma ? wk_tensor_data(gamma) : NULL, .beta = beta ? wk_tensor_data(beta) : NULL,
                .mean = wk_tensor_data(save_mean), .invstd = wk_tensor_data(save_invstd),
                .rm = running_mean ? wk_tensor_data(running_mean) : NULL,
                .rv = running_var ? wk_tensor_data(running_var) : NULL, .momentum = momentum, .eps = eps,
                .act = act};
    wk_parallel_for(d.C, bn_grain(&d), forward_train_block, &j);
    return WK_OK;
}

int wk_batchnorm_forward_train(wk_tensor *y, wk_tensor *save_mean, wk_tensor *save_invstd,
                               const wk_tensor *x, const wk_tensor *gamma, const wk_tensor *beta,
                               wk_tensor *running_mean, wk_tensor *running_var, float momentum, float eps)
{
    return wk_batchnorm_act_forward_train(y, save_mean, save_invstd, x, gamma, beta, running_mean, running_var,
                                          momentum, eps, (wk_bn_act){0, 0.0f});
}

/* y = act((x - running_mean) / sqrt(running_var + eps) * gamma + beta) */
int wk_batchnorm_act_forward_eval(wk_tensor *y, wk_tensor *save_mean, wk_tensor *save_invstd,
                                  const wk_tensor *x, const wk_tensor *gamma, const wk_tensor *beta,
                                  const wk_tensor *running_mean, const wk_tensor *running_var, float eps,
                                  wk_bn_act act)
{
    bn_dims d;
    if (bn_setup(&d, "batchnorm_forward_eval", x)) return WK_ERR;
    if (need_like_x(&d, "output", y, x) || need_channels(&d, "running_mean", running_mean) ||
        need_channels(&d, "running_var", running_var))
        return WK_ERR;
    if ((gamma && need_channels(&d, "gamma", gamma)) || (beta && need_channels(&d, "beta", beta)) ||
        (save_mean && need_channels(&d, "save_mean", save_mean)) ||
        (save_invstd && need_channels(&d, "save_invstd", save_invstd)))
        return WK_ERR;
    const float *px = wk_tensor_data(x), *rm = wk_tensor_data(running_mean), *rv = wk_tensor_data(running_var);
    float *py = wk_tensor_data(y);
    float scale[BN_BLOCK], shift[BN_BLOCK];
    for (int64_t c0 = 0; c0 < d.C; c0 += BN_BLOCK) {   /* row by row, as in training */
        const int64_t c1 = d.C - c0 < BN_BLOCK ? d.C : c0 + BN_BLOCK;
        for (int64_t c = c0; c < c1; c++) {
            if (!(rv[c] + eps > 0))
                return wk_fail("batchnorm_forward_eval: running_var[%lld] = %g plus eps %g is not positive",
                               (long long)c, (double)rv[c], (double)eps);
            float invstd = (float)(1.0 / sqrt((double)rv[c] + (double)eps));
            if (save_mean) wk_tensor_data(save_mean)[c] = rm[c];
            if (save_invstd) wk_tensor_data(save_invstd)[c] = invstd;
            bn_scale_shift(rm[c], invstd, gamma ? wk_tensor_data(gamma) : NULL, beta ? wk_tensor_data(beta) : NULL, c,
                           &scale[c - c0], &shift[c - c0]);
        }
        affine_block(py, px, &d, c0, c1, scale, shift, act);
    }
    return WK_OK;
}

int wk_batchnorm_forward_eval(wk_tensor *y, wk_tensor *save_mean, wk_tensor *save_invstd,
                              const wk_tensor *x, const wk_tensor *gamma, const wk_tensor *beta,
                              const wk_tensor *running_mean, const wk_tensor *running_var, float eps)
{
    return wk_batchnorm_act_forward_eval(y, save_mean, save_invstd, x, gamma, beta, running_mean, running_var, eps,
                                         (wk_bn_act){0, 0.0f});
}

/* ---- backward ------------------------------------------------------------------------- */

/* dy * (z > 0 ? 1 : slope), z = x * a + b: the fused activation's gradient, the value
 * relu_chunk's backward gives (relu, slope 0: +0 where z <= 0). */
static inline float act_dz(float dy, float x, float a, float b, float slope)
{
    return x * a + b > 0.0f ? dy : slope == 0.0f ? 0.0f : slope * dy;
}

/* Sums of dz and dz (x - mean) over a run of S floats, dz = dy through the activation
 * when `act`. Written with GCC's vector types, 8 floats wide (AVX2 and AVX-512 alike):
 * left to itself, GCC vectorised the plain loops for some variants and not others (the
 * fused relu's backward went 2x slower between two builds). The 8 lanes run over blocks
 * of at most SUM_BLOCK values whose totals are added in double, so no float sum runs
 * over more than SUM_BLOCK / 8 values. */
static inline __attribute__((always_inline)) void run_grad_sums(const float *gs, const float *xs, int64_t S, float mean,
                                                                float za, float zb, float slope, int act, double *sdy,
                                                                double *sdx)
{
    double ty = 0, tx = 0;
    for (int64_t k0 = 0; k0 < S; k0 += SUM_BLOCK) {
        const int64_t k1 = S - k0 < SUM_BLOCK ? S : k0 + SUM_BLOCK;
        v8f a = {0}, b = {0};
        float ra = 0, rb = 0;
        int64_t k = k0;
        for (; k + 8 <= k1; k += 8) {
            const v8f x = load8(xs + k), g = act ? act_dz8(load8(gs + k), x, za, zb, slope) : load8(gs + k);
            a += g;
            b += g * (x - mean);
        }
        for (; k < k1; k++) {
            const float g = act ? act_dz(gs[k], xs[k], za, zb, slope) : gs[k];
            ra += g;
            rb += g * (xs[k] - mean);
        }
        ty += (double)(ra + sum8(a));
        tx += (double)(rb + sum8(b));
    }
    *sdy += ty;
    *sdx += tx;
}

/* Per channel, with dz = dy through the fused activation (dz = dy without one),
 * xhat = (x - mean) invstd, sdy = sum dz, sdx = sum dz xhat:
 *   dbeta += sdy,   dgamma += sdx
 *   training: dx = gamma invstd (dz - sdy / M - xhat sdx / M)
 *   eval:     dx = gamma invstd dz
 * dz is worked out again in the second pass rather than stored: one pass over memory
 * fewer. */
static void backward_block(void *ctx, int64_t c0, int64_t c1, int worker)
{
    const bn_job *j = ctx;
    const bn_dims *d = j->d;
    const int64_t nc = c1 - c0, M = d->N * d->S, S = d->S;
    const int act = j->act.on;
    const float slope = j->act.slope;
    double sdy[BN_BLOCK], sdx[BN_BLOCK];
    float k1[BN_BLOCK], k2[BN_BLOCK], k3[BN_BLOCK], mu[BN_BLOCK], zs[BN_BLOCK], zb[BN_BLOCK];
    for (int64_t c = 0; c < nc; c++) {
        sdy[c] = sdx[c] = 0;
        mu[c] = j->mean[c0 + c];
        zs[c] = 1.0f, zb[c] = 0.0f;
        if (act) bn_scale_shift(j->mean[c0 + c], j->invstd[c0 + c], j->gamma, j->beta, c0 + c, &zs[c], &zb[c]);
    }
    for (int64_t n = 0; n < d->N; n++) {
        const float *xr = j->x + (n * d->C + c0) * S, *gr = j->dy + (n * d->C + c0) * S;
        if (S == 1) {   /* an (N, C) input: the channels of a row side by side, as vectors */
            for (int64_t c = 0; c < nc; c++) {
                const float g = act ? act_dz(gr[c], xr[c], zs[c], zb[c], slope) : gr[c];
                sdy[c] += g;
                sdx[c] += (double)g * (double)(xr[c] - mu[c]);
            }
            continue;
        }
        for (int64_t c = 0; c < nc; c++) {
            if (act) run_grad_sums(gr + c * S, xr + c * S, S, mu[c], zs[c], zb[c], slope, 1, &sdy[c], &sdx[c]);
            else run_grad_sums(gr + c * S, xr + c * S, S, mu[c], 0.0f, 0.0f, 0.0f, 0, &sdy[c], &sdx[c]);
        }
    }
    for (int64_t c = 0; c < nc; c++) {
        double invstd = j->invstd[c0 + c];
        sdx[c] *= invstd;
        if (j->dbeta) j->dbeta[c0 + c] += (float)sdy[c];
        if (j->dgamma) j->dgamma[c0 + c] += (float)sdx[c];
        /* dx = k1 (dz - mdy - xhat mdx) = k1 dz + k2 (x - mean) + k3, xhat = (x - mean) invstd
         * (x - mean first: a channel far from 0 would otherwise cancel in k2 x + k3) */
        double g1 = (j->gamma ? j->gamma[c0 + c] : 1.0f) * invstd;
        double mdy = j->training ? sdy[c] / (double)M : 0, mdx = j->training ? sdx[c] / (double)M : 0;
        k1[c] = (float)g1;
        k2[c] = (float)(-g1 * invstd * mdx);
        k3[c] = (float)(-g1 * mdy);
    }
    if (!j->y) return;
    for (int64_t n = 0; n < d->N; n++) {
        const float *xr = j->x + (n * d->C + c0) * S, *gr = j->dy + (n * d->C + c0) * S;
        float *out = j->y + (n * d->C + c0) * S;
        if (S == 1) {
            for (int64_t c = 0; c < nc; c++) {
                const float g = act ? act_dz(gr[c], xr[c], zs[c], zb[c], slope) : gr[c];
                out[c] = k1[c] * g + k2[c] * (xr[c] - mu[c]) + k3[c];
            }
            continue;
        }
        for (int64_t c = 0; c < nc; c++) {
            const float a = k1[c], b = k2[c], e = k3[c], m = mu[c], sa = zs[c], sb = zb[c];
            const float *xs = xr + c * S, *gs = gr + c * S;   /* dx may be dy: no restrict */
            float *os = out + c * S;
            int64_t k = 0;
            for (; k + 8 <= S; k += 8) {
                const v8f x = load8(xs + k), g = act ? act_dz8(load8(gs + k), x, sa, sb, slope) : load8(gs + k);
                store8(os + k, a * g + b * (x - m) + e);
            }
            for (; k < S; k++) os[k] = a * (act ? act_dz(gs[k], xs[k], sa, sb, slope) : gs[k]) + b * (xs[k] - m) + e;
        }
    }
}

int wk_batchnorm_act_backward(wk_tensor *dx, wk_tensor *dgamma, wk_tensor *dbeta, const wk_tensor *dy,
                              const wk_tensor *x, const wk_tensor *gamma, const wk_tensor *beta,
                              const wk_tensor *save_mean, const wk_tensor *save_invstd, int training, wk_bn_act act)
{
    bn_dims d;
    if (bn_setup(&d, "batchnorm_backward", x)) return WK_ERR;
    if (need_like_x(&d, "grad output", dy, x) || need_channels(&d, "save_mean", save_mean) ||
        need_channels(&d, "save_invstd", save_invstd))
        return WK_ERR;
    if ((dx && need_like_x(&d, "grad input", dx, x)) || (gamma && need_channels(&d, "gamma", gamma)) ||
        (dgamma && need_channels(&d, "dgamma", dgamma)) || (dbeta && need_channels(&d, "dbeta", dbeta)) ||
        (beta && need_channels(&d, "beta", beta)))
        return WK_ERR;
    bn_job j = {.d = &d, .y = dx ? wk_tensor_data(dx) : NULL, .x = wk_tensor_data(x), .dy = wk_tensor_data(dy),
                .gamma = gamma ? wk_tensor_data(gamma) : NULL, .beta = beta ? wk_tensor_data(beta) : NULL,
                .mean = wk_tensor_data(save_mean), .invstd = wk_tensor_data(save_invstd),
                .dgamma = dgamma ? wk_tensor_data(dgamma) : NULL, .dbeta = dbeta ? wk_tensor_data(dbeta) : NULL,
                .training = training, .act = act};
    wk_parallel_for(d.C, bn_grain(&d), backward_block, &j);   /* the activation inside */
    return WK_OK;
}

int wk_batchnorm_backward(wk_tensor *dx, wk_tensor *dgamma, wk_tensor *dbeta, const wk_tensor *dy, const wk_tensor *x,
                          const wk_tensor *gamma, const wk_tensor *save_mean, const wk_tensor *save_invstd,
                          int training)
{
    return wk_batchnorm_act_backward(dx, dgamma, dbeta, dy, x, gamma, NULL, save_mean, save_invstd, training,
                                     (wk_bn_act){0, 0.0f});
}
