/* norm.c — batch normalisation, training and eval forward and backward (see norm.h).
 *
 * x is viewed as (N, C, S) with S = 1, L or H*W; channel c's values are N runs of S
 * contiguous floats, one per sample, at (n*C + c) * S. Every kernel walks one channel at
 * a time over those runs, so nothing needs scratch; sums are double. */
#include "norm.h"

#include <math.h>
#include <string.h>

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

static float at_or(const wk_tensor *t, int64_t c, float dflt) { return t ? wk_tensor_data(t)[c] : dflt; }

/* y[:, c] = x[:, c] * scale + shift over one channel. */
static void affine_channel(float *y, const float *x, const bn_dims *d, int64_t c, float scale, float shift)
{
    for (int64_t n = 0; n < d->N; n++) {
        const float *xs = x + (n * d->C + c) * d->S;
        float *ys = y + (n * d->C + c) * d->S;
        for (int64_t s = 0; s < d->S; s++) ys[s] = xs[s] * scale + shift;
    }
}

/* ---- forward -------------------------------------------------------------------------- */

/* mean_c = sum x / M,  var_c = sum (x - mean_c)^2 / M  (two passes, double);
 * y = (x - mean_c) invstd_c gamma_c + beta_c, as one scale and shift per channel. */
int wk_batchnorm_forward_train(wk_tensor *y, wk_tensor *save_mean, wk_tensor *save_invstd,
                               const wk_tensor *x, const wk_tensor *gamma, const wk_tensor *beta,
                               wk_tensor *running_mean, wk_tensor *running_var, float momentum, float eps)
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
    const float *px = wk_tensor_data(x);
    float *py = wk_tensor_data(y);
    for (int64_t c = 0; c < d.C; c++) {
        double sum = 0, sq = 0;
        for (int64_t n = 0; n < d.N; n++) {
            const float *xs = px + (n * d.C + c) * d.S;
            for (int64_t k = 0; k < d.S; k++) sum += xs[k];
        }
        double mean = sum / (double)M;
        for (int64_t n = 0; n < d.N; n++) {
            const float *xs = px + (n * d.C + c) * d.S;
            for (int64_t k = 0; k < d.S; k++) sq += (xs[k] - mean) * (xs[k] - mean);
        }
        double var = sq / (double)M;
        double invstd = 1.0 / sqrt(var + (double)eps);
        wk_tensor_data(save_mean)[c] = (float)mean;
        wk_tensor_data(save_invstd)[c] = (float)invstd;
        if (running_mean) {
            float *rm = wk_tensor_data(running_mean) + c;
            *rm = (float)((1.0 - momentum) * *rm + momentum * mean);
        }
        if (running_var) {
            float *rv = wk_tensor_data(running_var) + c;
            *rv = (float)((1.0 - momentum) * *rv + momentum * var * (double)M / (double)(M - 1));
        }
        double scale = invstd * at_or(gamma, c, 1.0f);
        affine_channel(py, px, &d, c, (float)scale, (float)(at_or(beta, c, 0.0f) - mean * scale));
    }
    return WK_OK;
}

/* y = (x - running_mean) / sqrt(running_var + eps) * gamma + beta */
int wk_batchnorm_forward_eval(wk_tensor *y, wk_tensor *save_mean, wk_tensor *save_invstd,
                              const wk_tensor *x, const wk_tensor *gamma, const wk_tensor *beta,
                              const wk_tensor *running_mean, const wk_tensor *running_var, float eps)
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
    for (int64_t c = 0; c < d.C; c++) {
        if (!(rv[c] + eps > 0))
            return wk_fail("batchnorm_forward_eval: running_var[%lld] = %g plus eps %g is not positive", (long long)c,
                           (double)rv[c], (double)eps);
        double invstd = 1.0 / sqrt((double)rv[c] + (double)eps);
        if (save_mean) wk_tensor_data(save_mean)[c] = rm[c];
        if (save_invstd) wk_tensor_data(save_invstd)[c] = (float)invstd;
        double scale = invstd * at_or(gamma, c, 1.0f);
        affine_channel(py, px, &d, c, (float)scale, (float)(at_or(beta, c, 0.0f) - rm[c] * scale));
    }
    return WK_OK;
}

/* ---- backward ------------------------------------------------------------------------- */

/* Per channel, with xhat = (x - mean) invstd, sdy = sum dy, sdx = sum dy xhat:
 *   dbeta += sdy,   dgamma += sdx
 *   training: dx += gamma invstd (dy - sdy / M - xhat sdx / M)
 *   eval:     dx += gamma invstd dy */
int wk_batchnorm_backward(wk_tensor *dx, wk_tensor *dgamma, wk_tensor *dbeta,
                          const wk_tensor *dy, const wk_tensor *x, const wk_tensor *gamma,
                          const wk_tensor *save_mean, const wk_tensor *save_invstd, int training)
{
    bn_dims d;
    if (bn_setup(&d, "batchnorm_backward", x)) return WK_ERR;
    if (need_like_x(&d, "grad output", dy, x) || need_channels(&d, "save_mean", save_mean) ||
        need_channels(&d, "save_invstd", save_invstd))
        return WK_ERR;
    if ((dx && need_like_x(&d, "grad input", dx, x)) || (gamma && need_channels(&d, "gamma", gamma)) ||
        (dgamma && need_channels(&d, "dgamma", dgamma)) || (dbeta && need_channels(&d, "dbeta", dbeta)))
        return WK_ERR;
    int64_t M = d.N * d.S;
    const float *px = wk_tensor_data(x), *pdy = wk_tensor_data(dy);
    for (int64_t c = 0; c < d.C; c++) {
        double mean = wk_tensor_data(save_mean)[c], invstd = wk_tensor_data(save_invstd)[c];
        double sdy = 0, sdx = 0;
        for (int64_t n = 0; n < d.N; n++) {
            const float *xs = px + (n * d.C + c) * d.S, *gs = pdy + (n * d.C + c) * d.S;
            for (int64_t k = 0; k < d.S; k++) {
                sdy += gs[k];
                sdx += gs[k] * (xs[k] - mean);
            }
        }
        sdx *= invstd;
        if (dbeta) wk_tensor_data(dbeta)[c] += (float)sdy;
        if (dgamma) wk_tensor_data(dgamma)[c] += (float)sdx;
        if (!dx) continue;
        double k1 = at_or(gamma, c, 1.0f) * invstd;
        double mdy = training ? sdy / (double)M : 0, mdx = training ? sdx / (double)M : 0;
        float *pdx = wk_tensor_data(dx);
        for (int64_t n = 0; n < d.N; n++) {
            const float *xs = px + (n * d.C + c) * d.S, *gs = pdy + (n * d.C + c) * d.S;
            float *out = pdx + (n * d.C + c) * d.S;
            for (int64_t k = 0; k < d.S; k++) {
                double xhat = (xs[k] - mean) * invstd;
                out[k] += (float)(k1 * (gs[k] - mdy - xhat * mdx));
            }
        }
    }
    return WK_OK;
}
