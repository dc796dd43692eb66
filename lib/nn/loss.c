/* loss.c — softmax, log_softmax and the losses, forward and backward (see loss.h).
 *
 * Softmax along dim views x as (outer, D, inner): each of the outer*inner lanes is D
 * floats at stride inner. A lane is worked in chunks gathered into a small stack buffer
 * so exp runs through the vectorised wk_vec_exp for any stride, and y may be x itself.
 * Sections: argument checks; softmax lanes; softmax / log_softmax; class-id targets;
 * cross_entropy and nll; elementwise losses (mse, l1, bce, bce_with_logits). */
#include "loss.h"

#include <math.h>
#include <string.h>

#include "activation.h"

/* ---- argument checks ------------------------------------------------------------- */


static int need_loss_ptr(const char *fn, const float *loss)
{
    return loss ? WK_OK : wk_fail("%s: the loss output pointer is NULL", fn);
}

/* ---- softmax lanes -------------------------------------------------------------------- */

typedef struct sm_geom {
    int64_t outer, D, inner;   /* x viewed as (outer, D, inner) */
} sm_geom;

static int sm_setup(const char *fn, const wk_tensor *x, int dim, sm_geom *g)
{
    char s[96];
    if (wk_tensor_require(fn, "input", x)) return WK_ERR;
    int nd = x->ndim;
    if (nd < 1) return wk_fail("%s: input must have at least 1 dimension, got a 0-D tensor", fn);
    int d = dim < 0 ? dim + nd : dim;
    if (d < 0 || d >= nd)
        return wk_fail("%s: dim %d is out of range for %d-D input %s", fn, dim, nd, wk_tensor_shape_str(x, s, sizeof s));
    g->outer = g->inner = 1;
    for (int k = 0; k < d; k++) g->outer *= x->shape[k];
    for (int k = d + 1; k < nd; k++) g->inner *= x->shape[k];
    g->D = x->shape[d];
    return WK_OK;
}

#define LANE_CHUNK 256

/* One lane of D floats at stride st:
 *   softmax:      y = exp(x - max) / sum exp(x - max)
 *   log_softmax:  y = x - max - log sum exp(x - max)
 * Reads each x[j] before writing y[j], so y may be x. Returns log sum exp(x - max). */
static double lane_forward(float *y, const float *x, int64_t D, int64_t st, int log_out)
{
    float mx = -INFINITY, buf[LANE_CHUNK];
    for (int64_t j = 0; j < D; j++) mx = x[j * st] > mx ? x[j * st] : mx;
    double sum = 0;
    for (int64_t j0 = 0; j0 < D; j0 += LANE_CHUNK) {
        int64_t m = D - j0 < LANE_CHUNK ? D - j0 : LANE_CHUNK;
        for (int64_t k = 0; k < m; k++) buf[k] = x[(j0 + k) * st] - mx;
        wk_vec_exp(buf, buf, m);
        for (int64_t k = 0; k < m; k++) sum += buf[k];
        if (!log_out)
            for (int64_t k = 0; k < m; k++) y[(j0 + k) * st] = buf[k];
    }
    double ls = log(sum);
    if (log_out) {
        for (int64_t j = 0; j < D; j++) y[j * st] = (float)((double)x[j * st] - (double)mx - ls);
    } else {
        float inv = (float)(1.0 / sum);
        for (int64_t j = 0; j < D; j++) y[j * st] *= inv;
    }
    return ls;
}

/* softmax:      dx += y (dy - sum dy y)
 * log_softmax:  dx += dy - exp(y) sum dy */
static void lane_backward(float *dx, const float *dy, const float *y, int64_t D, int64_t st, int log_out)
{
    double s = 0;
    if (log_out) {
        float buf[LANE_CHUNK];
        for (int64_t j = 0; j < D; j++) s += dy[j * st];
        for (int64_t j0 = 0; j0 < D; j0 += LANE_CHUNK) {
            int64_t m = D - j0 < LANE_CHUNK ? D - j0 : LANE_CHUNK;
            for (int64_t k = 0; k < m; k++) buf[k] = y[(j0 + k) * st];
            wk_vec_exp(buf, buf, m);
            for (int64_t k = 0; k < m; k++) dx[(j0 + k) * st] += dy[(j0 + k) * st] - (float)(buf[k] * s);
        }
    } else {
        for (int64_t j = 0; j < D; j++) s += (double)dy[j * st] * y[j * st];
        for (int64_t j = 0; j < D; j++) dx[j * st] += y[j * st] * (float)(dy[j * st] - s);
    }
}

/* ---- softmax / log_softmax -------------------------------------------------------------- */

static int softmax_fwd(const char *fn, wk_tensor *y, const wk_tensor *x, int dim, int log_out)
{
    sm_geom g;
    if (sm_setup(fn, x, dim, &g) || wk_tensor_require_same(fn, "output", y, "input", x)) return WK_ERR;
    float *py = wk_tensor_data(y);
    const float *px = wk_tensor_data(x);
    for (int64_t o = 0; o < g.outer; o++)
        for (int64_t i = 0; i < g.inner; i++) {
            int64_t base = o * g.D * g.inner + i;
            lane_forward(py + base, px + base, g.D, g.inner, log_out);
        }
    return WK_OK;
}

static int softmax_bwd(const char *fn, wk_tensor *dx, const wk_tensor *dy, const wk_tensor *y, int dim, int log_out)
{
    sm_geom g;
    if (sm_setup(fn, y, dim, &g) || wk_tensor_require_same(fn, "grad output", dy, "output", y) ||
        wk_tensor_require_same(fn, "grad input", dx, "output", y))
        return WK_ERR;
    float *pdx = wk_tensor_data(dx);
    const float *pdy = wk_tensor_data(dy), *py = wk_tensor_data(y);
    for (int64_t o = 0; o < g.outer; o++)
        for (int64_t i = 0; i < g.inner; i++) {
            int64_t base = o * g.D * g.inner + i;
            lane_backward(pdx + base, pdy + base, py + base, g.D, g.inner, log_out);
        }
    return WK_OK;
}

int wk_softmax_forward(wk_tensor *y, const wk_tensor *x, int dim)
{
    return softmax_fwd("softmax_forward", y, x, dim, 0);
}

int wk_softmax_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *y, int dim)
{
    return softmax_bwd("softmax_backward", dx, dy, y, dim, 0);
}

int wk_log_softmax_forward(wk_tensor *y, const wk_tensor *x, int dim)
{
    return softmax_fwd("log_softmax_forward", y, x, dim, 1);
}

int wk_log_softmax_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *y, int dim)
{
    return softmax_bwd("log_softmax_backward", dx, dy, y, dim, 1);
}

/* ---- class-id targets ------------------------------------------------------------------- */

/* scores must be (N, C) with N, C >= 1 and target (N) of integers in 1..C (1-based). */
static int need_classes(const char *fn, const char *sname, const wk_tensor *scores, const wk_tensor *target)
{
    char s[96], st[96];
    if (wk_tensor_require(fn, sname, scores) || wk_tensor_require(fn, "target", target)) return WK_ERR;
    if (scores->ndim != 2 || scores->shape[0] < 1 || scores->shape[1] < 1)
        return wk_fail("%s: %s must be 2-D (N, C) with N, C >= 1 (reshape a sequence to (N*T, C)), got %s", fn, sname,
                       wk_tensor_shape_str(scores, s, sizeof s));
    int64_t N = scores->shape[0], C = scores->shape[1];
    if (target->ndim != 1 || target->shape[0] != N)
        return wk_fail("%s: target must be (N) = [%lld] class ids for %s %s, got %s", fn, (long long)N, sname,
                       wk_tensor_shape_str(scores, s, sizeof s), wk_tensor_shape_str(target, st, sizeof st));
    const float *t = wk_tensor_data(target);
    for (int64_t n = 0; n < N; n++)
        if (!(t[n] >= 1 && t[n] <= (float)C && t[n] == floorf(t[n])))
            return wk_fail("%s: target[%lld] = %g is not a class id in 1..%lld (class ids are 1-based)", fn,
                           (long long)(n + 1), (double)t[n], (long long)C);
    return WK_OK;
}

static int64_t class_of(const float *t, int64_t n) { return (int64_t)t[n] - 1; }

/* ---- cross_entropy and nll ------------------------------------------------------------- */

/* logp = log_softmax(logits, 1);  loss = -1/N sum_n logp[n, t_n] */
int wk_cross_entropy_forward(float *loss, wk_tensor *logp, const wk_tensor *logits, const wk_tensor *target)
{
    const char *fn = "cross_entropy_forward";
    if (need_loss_ptr(fn, loss) || need_classes(fn, "logits", logits, target) ||
        wk_tensor_require_same(fn, "logp", logp, "logits", logits))
        return WK_ERR;
    int64_t N = logits->shape[0], C = logits->shape[1];
    const float *x = wk_tensor_data(logits), *t = wk_tensor_data(target);
    float *lp = wk_tensor_data(logp);
    double sum = 0;
    for (int64_t n = 0; n < N; n++) {
        lane_forward(lp + n * C, x + n * C, C, 1, 1);
        sum -= lp[n * C + class_of(t, n)];
    }
    *loss = (float)(sum / (double)N);
    return WK_OK;
}

/* dlogits += dloss / N * (exp(logp) - onehot(t)) */
int wk_cross_entropy_backward(wk_tensor *dlogits, float dloss, const wk_tensor *target, const wk_tensor *logp)
{
    const char *fn = "cross_entropy_backward";
    if (need_classes(fn, "logp", logp, target) || wk_tensor_require_same(fn, "grad logits", dlogits, "logp", logp)) return WK_ERR;
    int64_t N = logp->shape[0], C = logp->shape[1];
    const float *lp = wk_tensor_data(logp), *t = wk_tensor_data(target);
    float *g = wk_tensor_data(dlogits), scale = (float)((double)dloss / (double)N), buf[LANE_CHUNK];
    for (int64_t n = 0; n < N; n++) {
        for (int64_t j0 = 0; j0 < C; j0 += LANE_CHUNK) {
            int64_t m = C - j0 < LANE_CHUNK ? C - j0 : LANE_CHUNK;
            wk_vec_exp(buf, lp + n * C + j0, m);
            for (int64_t k = 0; k < m; k++) g[n * C + j0 + k] += scale * buf[k];
        }
        g[n * C + class_of(t, n)] -= scale;
    }
    return WK_OK;
}

/* loss = -1/N sum_n logp[n, t_n] */
int wk_nll_forward(float *loss, const wk_tensor *logp, const wk_tensor *target)
{
    const char *fn = "nll_forward";
    if (need_loss_ptr(fn, loss) || need_classes(fn, "logp", logp, target)) return WK_ERR;
    int64_t N = logp->shape[0], C = logp->shape[1];
    const float *lp = wk_tensor_data(logp), *t = wk_tensor_data(target);
    double sum = 0;
    for (int64_t n = 0; n < N; n++) sum -= lp[n * C + class_of(t, n)];
    *loss = (float)(sum / (double)N);
    return WK_OK;
}

/* dlogp[n, t_n] += -dloss / N */
int wk_nll_backward(wk_tensor *dlogp, float dloss, const wk_tensor *target)
{
    const char *fn = "nll_backward";
    if (need_classes(fn, "grad logp", dlogp, target)) return WK_ERR;
    int64_t N = dlogp->shape[0], C = dlogp->shape[1];
    const float *t = wk_tensor_data(target);
    float *g = wk_tensor_data(dlogp), scale = (float)((double)dloss / (double)N);
    for (int64_t n = 0; n < N; n++) g[n * C + class_of(t, n)] -= scale;
    return WK_OK;
}

/* ---- elementwise losses ------------------------------------------------------------------ */

/* x and target of one shape with at least one element; returns n through *n. */
static int need_pair_n(const char *fn, const char *xn, const wk_tensor *x, const wk_tensor *target, int64_t *n)
{
    char s[96];
    if (wk_tensor_require_same(fn, xn, x, "target", target)) return WK_ERR;
    *n = wk_tensor_numel(x);
    if (*n < 1) return wk_fail("%s: %s %s has no elements; the mean is undefined", fn, xn,
                               wk_tensor_shape_str(x, s, sizeof s));
    return WK_OK;
}

static int need_grad_like(const char *fn, const char *gn, const wk_tensor *g, const wk_tensor *x)
{
    return g ? wk_tensor_require_same(fn, gn, g, "input", x) : WK_OK;
}

/* loss = 1/n sum (x - t)^2 */
int wk_mse_forward(float *loss, const wk_tensor *x, const wk_tensor *target)
{
    int64_t n;
    if (need_loss_ptr("mse_forward", loss) || need_pair_n("mse_forward", "input", x, target, &n)) return WK_ERR;
    const float *a = wk_tensor_data(x), *b = wk_tensor_data(target);
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    *loss = (float)(sum / (double)n);
    return WK_OK;
}

/* dx += 2 dloss (x - t) / n;  dtarget -= 2 dloss (x - t) / n */
int wk_mse_backward(wk_tensor *dx, wk_tensor *dtarget, float dloss, const wk_tensor *x, const wk_tensor *target)
{
    const char *fn = "mse_backward";
    int64_t n;
    if (need_pair_n(fn, "input", x, target, &n) || need_grad_like(fn, "grad input", dx, x) ||
        need_grad_like(fn, "grad target", dtarget, x))
        return WK_ERR;
    const float *a = wk_tensor_data(x), *b = wk_tensor_data(target);
    float *gx = dx ? wk_tensor_data(dx) : NULL, *gt = dtarget ? wk_tensor_data(dtarget) : NULL;
    float scale = (float)(2.0 * dloss / (double)n);
    for (int64_t i = 0; i < n; i++) {
        float g = scale * (a[i] - b[i]);
        if (gx) gx[i] += g;
        if (gt) gt[i] -= g;
    }
    return WK_OK;
}

/* loss = 1/n sum |x - t| */
int wk_l1_forward(float *loss, const wk_tensor *x, const wk_tensor *target)
{
    int64_t n;
    if (need_loss_ptr("l1_forward", loss) || need_pair_n("l1_forward", "input", x, target, &n)) return WK_ERR;
    const float *a = wk_tensor_data(x), *b = wk_tensor_data(target);
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += fabs((double)a[i] - b[i]);
    *loss = (float)(sum / (double)n);
    return WK_OK;
}

/* dx += dloss sign(x - t) / n;  dtarget -= the same  (sign(0) = 0, as PyTorch) */
int wk_l1_backward(wk_tensor *dx, wk_tensor *dtarget, float dloss, const wk_tensor *x, const wk_tensor *target)
{
    const char *fn = "l1_backward";
    int64_t n;
    if (need_pair_n(fn, "input", x, target, &n) || need_grad_like(fn, "grad input", dx, x) ||
        need_grad_like(fn, "grad target", dtarget, x))
        return WK_ERR;
    const float *a = wk_tensor_data(x), *b = wk_tensor_data(target);
    float *gx = dx ? wk_tensor_data(dx) : NULL, *gt = dtarget ? wk_tensor_data(dtarget) : NULL;
    float scale = (float)((double)dloss / (double)n);
    for (int64_t i = 0; i < n; i++) {
        float d = a[i] - b[i];
        float g = d > 0 ? scale : d < 0 ? -scale : 0.0f;
        if (gx) gx[i] += g;
        if (gt) gt[i] -= g;
    }
    return WK_OK;
}

/* p must lie in [0, 1]. */
static int need_probabilities(const char *fn, const wk_tensor *p, int64_t n)
{
    const float *a = wk_tensor_data(p);
    for (int64_t i = 0; i < n; i++)
        if (!(a[i] >= 0.0f && a[i] <= 1.0f))
            return wk_fail("%s: input[%lld] (flat, 1-based) = %g; bce wants probabilities in [0, 1] "
                           "(apply sigmoid first, or use bce_with_logits)",
                           fn, (long long)(i + 1), (double)a[i]);
    return WK_OK;
}

/* loss = -1/n sum (t max(log p, -100) + (1 - t) max(log(1 - p), -100)) */
int wk_bce_forward(float *loss, const wk_tensor *p, const wk_tensor *target)
{
    const char *fn = "bce_forward";
    int64_t n;
    if (need_loss_ptr(fn, loss) || need_pair_n(fn, "input", p, target, &n) || need_probabilities(fn, p, n))
        return WK_ERR;
    const float *a = wk_tensor_data(p), *t = wk_tensor_data(target);
    double sum = 0;
    for (int64_t i = 0; i < n; i++) {
        double lp = fmax(log((double)a[i]), -100.0), lq = fmax(log(1.0 - (double)a[i]), -100.0);
        sum -= t[i] * lp + (1.0 - t[i]) * lq;
    }
    *loss = (float)(sum / (double)n);
    return WK_OK;
}

/* dp += dloss (p - t) / max(p (1 - p), 1e-12) / n */
int wk_bce_backward(wk_tensor *dp, float dloss, const wk_tensor *p, const wk_tensor *target)
{
    const char *fn = "bce_backward";
    int64_t n;
    if (need_pair_n(fn, "input", p, target, &n) || wk_tensor_require_same(fn, "grad input", dp, "input", p)) return WK_ERR;
    const float *a = wk_tensor_data(p), *t = wk_tensor_data(target);
    float *g = wk_tensor_data(dp);
    double scale = (double)dloss / (double)n;
    for (int64_t i = 0; i < n; i++) {
        double q = (double)a[i] * (1.0 - (double)a[i]);
        g[i] += (float)(scale * ((double)a[i] - t[i]) / fmax(q, 1e-12));
    }
    return WK_OK;
}

/* loss = 1/n sum (max(x, 0) - x t + log1p(exp(-|x|))). An autoencoder takes this over
 * every pixel of every batch, so the exponentials go through the vectorised wk_vec_exp
 * a block at a time (with double exp and log1p it was 14% of a training step); the sum
 * stays in double. */
#define BCE_BLOCK 256

/* log(1 + e) for e in [0, 1]: 2·atanh(s) with s = e / (2 + e) in [0, 1/3], its series to
 * s^11 (the next term is under 1e-7). Branch-free, so the loop below vectorises; libm's
 * log1pf was half of the loss's time. */
static inline float log1p_unit(float e)
{
    float s = e / (2.0f + e), s2 = s * s;
    return 2.0f * s *
           (1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9 + s2 * (1.0f / 11))))));
}
int wk_bce_with_logits_forward(float *loss, const wk_tensor *x, const wk_tensor *target)
{
    const char *fn = "bce_with_logits_forward";
    int64_t n;
    if (need_loss_ptr(fn, loss) || need_pair_n(fn, "input", x, target, &n)) return WK_ERR;
    const float *a = wk_tensor_data(x), *t = wk_tensor_data(target);
    float buf[BCE_BLOCK];
    double sum = 0;
    for (int64_t i0 = 0; i0 < n; i0 += BCE_BLOCK) {
        int m = n - i0 < BCE_BLOCK ? (int)(n - i0) : BCE_BLOCK;
        for (int j = 0; j < m; j++) buf[j] = -fabsf(a[i0 + j]);
        wk_vec_exp(buf, buf, m);
        /* the terms first (vectorised), then their sum in 8 lanes: one running float sum
         * kept the whole loop scalar (a third of an autoencoder step's non-GEMM time) */
        for (int j = 0; j < m; j++) {
            float v = a[i0 + j];
            buf[j] = (v > 0.0f ? v : 0.0f) - v * t[i0 + j] + log1p_unit(buf[j]);   /* not fmaxf: a libm call */
        }
        float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0}, part = 0;
        int j = 0;
        for (; j + 8 <= m; j += 8)
            for (int k = 0; k < 8; k++) lane[k] += buf[j + k];
        for (; j < m; j++) part += buf[j];
        sum += (double)part + (((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7])));
    }
    *loss = (float)(sum / (double)n);
    return WK_OK;
}

/* dx += dloss (sigmoid(x) - t) / n, the sigmoids vectorised a block at a time */
int wk_bce_with_logits_backward(wk_tensor *dx, float dloss, const wk_tensor *x, const wk_tensor *target)
{
    const char *fn = "bce_with_logits_backward";
    int64_t n;
    if (need_pair_n(fn, "input", x, target, &n) || wk_tensor_require_same(fn, "grad input", dx, "input", x)) return WK_ERR;
    const float *a = wk_tensor_data(x), *t = wk_tensor_data(target);
    float *g = wk_tensor_data(dx);
    float scale = (float)((double)dloss / (double)n);
    float buf[BCE_BLOCK];
    for (int64_t i0 = 0; i0 < n; i0 += BCE_BLOCK) {
        int m = n - i0 < BCE_BLOCK ? (int)(n - i0) : BCE_BLOCK;
        wk_vec_sigmoid(buf, a + i0, m);
        for (int j = 0; j < m; j++) g[i0 + j] += scale * (buf[j] - t[i0 + j]);
    }
    return WK_OK;
}
