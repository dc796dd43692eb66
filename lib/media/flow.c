/* flow.c — dense two-frame motion estimation by polynomial expansion (Gunnar
 * Farnebäck, "Two-frame motion estimation based on polynomial expansion", SCIA 2003).
 *
 * What it estimates: for every pixel of prev, the displacement d = (dx, dy) to where
 * the same content lies in next, prev(y, x) ≈ next(y + dy, x + dx) (OpenCV's
 * convention; see flow.h).
 *
 * How. Around every pixel each grey frame is approximated by a quadratic polynomial
 *     f(p) ≈ pᵀA p + bᵀp + c      (p: offset from the pixel)
 * fitted by weighted least squares over a (2n+1)² neighbourhood with a gaussian
 * applicability (poly_n, poly_sigma). With the separable basis {1, x, y, x², y², xy}
 * the fit is six separable correlations and a closed form (expand_rows below). If next
 * is prev moved by d, then A₂ = A₁ and b₂ = b₁ − 2A₁d, so d = −½A⁻¹(b₂ − b₁). With a
 * current estimate d̃, next is expanded at p + d̃ instead and, with A = (A₁ + A₂)/2,
 *     A d = Δb,   Δb = −½(b₂(p + d̃) − b₁(p)) + A d̃.
 * One pixel's equation is noisy, so AᵀA and AᵀΔb are averaged over a window (gaussian
 * or box) and the 2×2 system solved per pixel; that is one iteration. A coarse-to-fine
 * pyramid (levels, scale) finds motions larger than the neighbourhood: each level
 * starts from the coarser level's flow, resized and scaled.
 *
 * Two choices of ours beside the paper: the averaged system gets a weak pull λ·(d − d̃)
 * towards the current estimate (λ = FLOW_LAMBDA), so a flat region (sky, a wall) keeps
 * the motion its surroundings gave on the coarser level instead of dropping to zero;
 * and equations near the border and those whose d̃ leads outside next are weighted
 * down or dropped, the expansion there being made of repeated edge pixels.
 *
 * Layout: grey planes H×W; expansions H×W×5 (bx, by, axx, ayy, axy: f ≈ axx·x² +
 * ayy·y² + axy·xy + bx·x + by·y + c); flow H×W×2 while working; the equations H×5×W
 * (g11, g12, g22, h1, h2 rows) so the vertical pass of the window is a run of
 * contiguous multiply-adds. Every pass works on rows through lib/core/threads.h, each
 * row computed whole by one thread (results do not depend on the thread count). The
 * workspace is allocated once per call. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/threads.h"
#include "flow.h"

#define MIN_LEVEL_SIDE 32       /* coarser levels than this are not worth estimating on */
#define FLOW_LAMBDA 1e-6f       /* the pull towards the current estimate (grey in [0,1]) */
#define PAR_MIN_COST 60000.0    /* a chunk of rows is at least this many operations */
#define PAR_CHUNKS 64

wk_flow_opts wk_flow_defaults(void)
{
    return (wk_flow_opts){.levels = 5, .scale = 0.5, .window = 15, .iterations = 3, .poly_n = 5, .poly_sigma = 1.1,
                          .box = 0};
}

/* ---- the workspace ---------------------------------------------------------------- */

typedef struct level {
    int w, h;
    float *prev, *next;   /* (h, w) grey */
} level;

typedef struct workspace {
    int nlev;
    level lev[WK_FLOW_MAX_LEVELS];
    float *r1, *r2;       /* (H, W, 5) expansions of prev and next on the current level */
    float *flow;          /* (H, W, 2) the estimate on the current level */
    float *coarse;        /* (H, W, 2) the coarser level's flow, while resizing it */
    float *m, *m2;        /* (H, 5, W) the equations, read and written in turn */
    float *tmp;           /* (H, W) the blurred plane while building the pyramid */
    float *scratch;       /* (workers, scratch_n) rows of one thread */
    int64_t scratch_n;
    float *block;
} workspace;

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* A symmetric 1-D kernel k[0..r] (k[i] is the weight at ±i), summing to 1. sigma <= 0:
 * a box. */
static void kernel_1d(float *k, int r, double sigma)
{
    double s = 0, w[WK_FLOW_MAX_WINDOW + 1];
    for (int i = 0; i <= r; i++) {
        w[i] = sigma > 0 ? exp(-(double)i * i / (2 * sigma * sigma)) : 1.0;
        s += i ? 2 * w[i] : w[i];
    }
    for (int i = 0; i <= r; i++) k[i] = (float)(w[i] / s);
}

/* ---- grey input --------------------------------------------------------------------- */

static int check_frame(const char *name, const wk_tensor *t, int64_t *h, int64_t *w)
{
    char buf[96];
    if (wk_tensor_require("flow", name, t)) return WK_ERR;
    int c3 = t->ndim == 3 && (t->shape[0] == 1 || t->shape[0] == 3);
    if (t->ndim != 2 && !c3)
        return wk_fail("flow: %s must be a picture H×W, 1×H×W or 3×H×W (RGB), got shape %s%s", name,
                       wk_tensor_shape_str(t, buf, sizeof buf),
                       t->ndim == 3 && t->shape[0] == 4 ? " (drop the alpha: image.rgb)" : "");
    *h = t->shape[t->ndim - 2];
    *w = t->shape[t->ndim - 1];
    if (*h < 1 || *w < 1) return wk_fail("flow: %s is empty (shape %s)", name, wk_tensor_shape_str(t, buf, sizeof buf));
    if (*h > (1 << 20) || *w > (1 << 20)) return wk_fail("flow: %s is too large (shape %s)", name, wk_tensor_shape_str(t, buf, sizeof buf));
    return WK_OK;
}

/* dst (h, w) = grey of t (Rec. 601 luma for RGB); fails on NaN or infinity. */
static int to_grey(float *dst, const wk_tensor *t, const char *name, int64_t n)
{
    const float *s = wk_tensor_data(t);
    int rgb = t->ndim == 3 && t->shape[0] == 3;
    for (int64_t i = 0; i < n; i++) {
        float v = rgb ? 0.299f * s[i] + 0.587f * s[n + i] + 0.114f * s[2 * n + i] : s[i];
        if (!isfinite(v)) {
            int64_t w = t->shape[t->ndim - 1];
            return wk_fail("flow: %s holds NaN or infinity (at row %lld, column %lld)", name, (long long)(i / w + 1),
                           (long long)(i % w + 1));
        }
        dst[i] = v;
    }
    return WK_OK;
}

/* ---- the pyramid -------------------------------------------------------------------- */

typedef struct blur_job {
    const float *src;
    float *dst;
    int w, h, r;
    const float *k;
    const workspace *ws;
} blur_job;

/* dst rows = src rows blurred by the separable kernel k (edges repeated). */
static void blur_rows(void *ctx, int64_t y0, int64_t y1, int worker)
{
    const blur_job *j = ctx;
    int w = j->w, r = j->r;
    float *row = j->ws->scratch + (int64_t)worker * j->ws->scratch_n + r;   /* (w + 2r) padded */
    for (int y = (int)y0; y < y1; y++) {
        const float *c = j->src + (int64_t)y * w;
        for (int x = 0; x < w; x++) row[x] = j->k[0] * c[x];
        for (int i = 1; i <= r; i++) {
            const float *a = j->src + (int64_t)clampi(y - i, 0, j->h - 1) * w;
            const float *b = j->src + (int64_t)clampi(y + i, 0, j->h - 1) * w;
            float ki = j->k[i];
            for (int x = 0; x < w; x++) row[x] += ki * (a[x] + b[x]);
        }
        for (int i = 1; i <= r; i++) row[-i] = row[0], row[w - 1 + i] = row[w - 1];
        float *o = j->dst + (int64_t)y * w;
        for (int x = 0; x < w; x++) o[x] = j->k[0] * row[x];
        for (int i = 1; i <= r; i++) {
            float ki = j->k[i];
            for (int x = 0; x < w; x++) o[x] += ki * (row[x - i] + row[x + i]);
        }
    }
}

/* Bilinear source taps for resampling n pixels to m (half-pixel centres, clamped). */
static void taps(int n, int m, int i, int *i0, int *i1, float *f)
{
    double s = (i + 0.5) * n / m - 0.5;
    if (s < 0) s = 0;
    int a = (int)s;
    if (a > n - 1) a = n - 1;
    *i0 = a;
    *i1 = a < n - 1 ? a + 1 : a;
    *f = *i1 == a ? 0.0f : (float)(s - a);
}

/* dst (dh, dw) = src (sh, sw) resampled bilinearly. */
static void resample(float *dst, int dw, int dh, const float *src, int sw, int sh)
{
    for (int y = 0; y < dh; y++) {
        int y0, y1;
        float fy;
        taps(sh, dh, y, &y0, &y1, &fy);
        const float *a = src + (int64_t)y0 * sw, *b = src + (int64_t)y1 * sw;
        for (int x = 0; x < dw; x++) {
            int x0, x1;
            float fx;
            taps(sw, dw, x, &x0, &x1, &fx);
            float top = a[x0] + fx * (a[x1] - a[x0]), bot = b[x0] + fx * (b[x1] - b[x0]);
            dst[(int64_t)y * dw + x] = top + fy * (bot - top);
        }
    }
}

/* Level k's planes from level k−1's: blur out what the smaller grid cannot hold (the
 * gaussian that takes a unit pixel's blur to one of 1/scale pixels), then resample. */
static void build_level(workspace *ws, int k)
{
    level *f = &ws->lev[k - 1], *c = &ws->lev[k];
    double ratio = 0.5 * ((double)c->w / f->w + (double)c->h / f->h);
    double sigma = 0.5 * sqrt(fmax(1.0 / (ratio * ratio) - 1.0, 0.0));
    int r = clampi((int)ceil(3 * sigma), 1, WK_FLOW_MAX_WINDOW / 2);
    float kern[WK_FLOW_MAX_WINDOW + 1];
    kernel_1d(kern, r, sigma);
    for (int which = 0; which < 2; which++) {
        blur_job j = {which ? f->next : f->prev, ws->tmp, f->w, f->h, r, kern, ws};
        wk_parallel_for(f->h, wk_parallel_grain(f->h, (double)f->w * 4 * r, PAR_MIN_COST, PAR_CHUNKS), blur_rows, &j);
        resample(which ? c->next : c->prev, c->w, c->h, ws->tmp, f->w, f->h);
    }
}

/* ---- polynomial expansion ----------------------------------------------------------- */

typedef struct expand_job {
    const float *src;     /* (h, w) grey */
    float *dst;           /* (h, w, 5) */
    int w, h, n;
    float g[WK_FLOW_MAX_POLY_N + 1];   /* applicability at ±i */
    float ib, ia, iaxy, m2;            /* the closed-form inverse of the normal equations */
    const workspace *ws;
} expand_job;

/* The normal equations' inverse for the basis {1, x, y, x², y², xy} under the
 * separable weight g(i)g(j) (Σg = 1, m2 = Σg·i², m4 = Σg·i⁴): by symmetry
 *   bx = Σ gg·x·f / m2,  axy = Σ gg·xy·f / m2²,  axx = (Σ gg·x²·f − m2·Σ gg·f)/(m4 − m2²). */
static void expand_setup(expand_job *j, int n, double sigma)
{
    kernel_1d(j->g, n, sigma);
    double m2 = 0, m4 = 0;
    for (int i = 1; i <= n; i++) m2 += 2.0 * j->g[i] * i * i, m4 += 2.0 * j->g[i] * i * i * i * i;
    j->n = n;
    j->m2 = (float)m2;
    j->ib = (float)(1 / m2);
    j->iaxy = (float)(1 / (m2 * m2));
    j->ia = (float)(1 / (m4 - m2 * m2));
}

/* One row at a time: the vertical correlations with g, j·g and j²·g (pairs of rows
 * ±j added or subtracted), padded by repeating the edge column, then the horizontal
 * ones that make the six moments, then the closed form. */
static void expand_rows(void *ctx, int64_t y0, int64_t y1, int worker)
{
    const expand_job *j = ctx;
    int w = j->w, n = j->n;
    int64_t pw = w + 2 * n;
    float *s0 = j->ws->scratch + (int64_t)worker * j->ws->scratch_n + n;   /* (w + 2n) padded each */
    float *s1 = s0 + pw, *s2 = s1 + pw;
    float *q1 = s2 + pw, *qx = q1 + w, *qxx = qx + w, *qy = qxx + w, *qxy = qy + w, *qyy = qxy + w;   /* (w) each */
    for (int y = (int)y0; y < y1; y++) {
        const float *c = j->src + (int64_t)y * w;
        for (int x = 0; x < w; x++) s0[x] = j->g[0] * c[x], s1[x] = 0, s2[x] = 0;
        for (int i = 1; i <= n; i++) {
            const float *a = j->src + (int64_t)clampi(y - i, 0, j->h - 1) * w;
            const float *b = j->src + (int64_t)clampi(y + i, 0, j->h - 1) * w;
            float g0 = j->g[i], g1 = g0 * i, g2 = g1 * i;
            for (int x = 0; x < w; x++) {
                float sum = b[x] + a[x], diff = b[x] - a[x];
                s0[x] += g0 * sum, s1[x] += g1 * diff, s2[x] += g2 * sum;
            }
        }
        for (int i = 1; i <= n; i++) {
            s0[-i] = s0[0], s1[-i] = s1[0], s2[-i] = s2[0];
            s0[w - 1 + i] = s0[w - 1], s1[w - 1 + i] = s1[w - 1], s2[w - 1 + i] = s2[w - 1];
        }
        float g = j->g[0];
        for (int x = 0; x < w; x++)
            q1[x] = g * s0[x], qx[x] = 0, qxx[x] = 0, qy[x] = g * s1[x], qxy[x] = 0, qyy[x] = g * s2[x];
        for (int i = 1; i <= n; i++) {
            float g0 = j->g[i], g1 = g0 * i, g2 = g1 * i;
            for (int x = 0; x < w; x++) {
                float a0 = s0[x + i] + s0[x - i], d0 = s0[x + i] - s0[x - i];
                float a1 = s1[x + i] + s1[x - i], d1 = s1[x + i] - s1[x - i];
                q1[x] += g0 * a0, qx[x] += g1 * d0, qxx[x] += g2 * a0;
                qy[x] += g0 * a1, qxy[x] += g1 * d1, qyy[x] += g0 * (s2[x + i] + s2[x - i]);
            }
        }
        float *o = j->dst + (int64_t)y * w * 5;
        for (int x = 0; x < w; x++) {
            o[5 * x + 0] = qx[x] * j->ib;
            o[5 * x + 1] = qy[x] * j->ib;
            o[5 * x + 2] = (qxx[x] - j->m2 * q1[x]) * j->ia;
            o[5 * x + 3] = (qyy[x] - j->m2 * q1[x]) * j->ia;
            o[5 * x + 4] = qxy[x] * j->iaxy;
        }
    }
}

/* ---- the flow equations --------------------------------------------------------------- */

typedef struct solve_job {
    const float *r1, *r2;   /* (h, w, 5) */
    float *flow;            /* (h, w, 2) */
    const float *m_in;      /* (h, 5, w) equations to average */
    float *m_out;           /* (h, 5, w) the next iteration's, or NULL on the last */
    int w, h, r, n;
    float k[WK_FLOW_MAX_WINDOW / 2 + 1];   /* the window at ±i */
    const workspace *ws;
} solve_job;

/* Weight of equations i pixels from the nearest border: the expansion there leans on
 * repeated edge pixels, so it counts less, rising to 1 at n pixels in. */
static float border_weight(int i, int n) { return i >= n ? 1.0f : (float)(i + 1) / (float)(n + 1); }

/* Row y of the equations (5, w) from the current flow: AᵀA and AᵀΔb of the text above. */
static void equations_row(const solve_job *j, int y, float *m)
{
    int w = j->w, h = j->h;
    int64_t wn = w;
    float wy = border_weight(y < h - 1 - y ? y : h - 1 - y, j->n);
    const float *fl = j->flow + (int64_t)y * w * 2, *p1 = j->r1 + (int64_t)y * w * 5;
    for (int x = 0; x < w; x++) {
        float dx = fl[2 * x], dy = fl[2 * x + 1];
        float fx = (float)x + dx, fy = (float)y + dy;
        float g11 = 0, g12 = 0, g22 = 0, h1 = 0, h2 = 0;
        if (fx >= 0 && fy >= 0 && fx <= (float)(w - 1) && fy <= (float)(h - 1)) {
            int x0 = (int)fx, y0 = (int)fy;
            int x1 = x0 < w - 1 ? x0 + 1 : x0, y1 = y0 < h - 1 ? y0 + 1 : y0;
            float ax = fx - (float)x0, ay = fy - (float)y0;
            float w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay;
            const float *a = j->r2 + ((int64_t)y0 * w + x0) * 5, *b = j->r2 + ((int64_t)y0 * w + x1) * 5;
            const float *c = j->r2 + ((int64_t)y1 * w + x0) * 5, *d = j->r2 + ((int64_t)y1 * w + x1) * 5;
            float q[5];
            for (int t = 0; t < 5; t++) q[t] = w00 * a[t] + w01 * b[t] + w10 * c[t] + w11 * d[t];
            const float *p = p1 + 5 * x;
            float axx = 0.5f * (p[2] + q[2]), ayy = 0.5f * (p[3] + q[3]), axy = 0.25f * (p[4] + q[4]);
            float bx = -0.5f * (q[0] - p[0]) + axx * dx + axy * dy;
            float by = -0.5f * (q[1] - p[1]) + axy * dx + ayy * dy;
            int bxd = x < w - 1 - x ? x : w - 1 - x;
            float s = wy * border_weight(bxd, j->n);
            g11 = s * (axx * axx + axy * axy);
            g12 = s * axy * (axx + ayy);
            g22 = s * (ayy * ayy + axy * axy);
            h1 = s * (axx * bx + axy * by);
            h2 = s * (axy * bx + ayy * by);
        }
        m[x] = g11, m[wn + x] = g12, m[2 * wn + x] = g22, m[3 * wn + x] = h1, m[4 * wn + x] = h2;
    }
}

static void equations_rows(void *ctx, int64_t y0, int64_t y1, int worker)
{
    const solve_job *j = ctx;
    for (int y = (int)y0; y < y1; y++) equations_row(j, y, j->m_out + (int64_t)y * 5 * j->w);
}

/* One iteration for rows y0..y1: average the equations over the window (vertical pass
 * into a padded row, then horizontal), solve the 2×2 systems into the flow, and make
 * the next iteration's equations from it. */
static void solve_rows(void *ctx, int64_t y0, int64_t y1, int worker)
{
    const solve_job *j = ctx;
    int w = j->w, r = j->r;
    int64_t pw = w + 2 * r, w5 = 5 * (int64_t)w;
    float *v = j->ws->scratch + (int64_t)worker * j->ws->scratch_n;   /* (5, w + 2r) padded */
    float *acc = v + 5 * pw;                                          /* (5, w) */
    for (int y = (int)y0; y < y1; y++) {
        const float *c = j->m_in + (int64_t)y * w5;
        for (int t = 0; t < 5; t++)
            for (int x = 0; x < w; x++) v[t * pw + r + x] = j->k[0] * c[t * w + x];
        for (int i = 1; i <= r; i++) {
            const float *a = j->m_in + (int64_t)clampi(y - i, 0, j->h - 1) * w5;
            const float *b = j->m_in + (int64_t)clampi(y + i, 0, j->h - 1) * w5;
            float ki = j->k[i];
            for (int t = 0; t < 5; t++) {
                float *vt = v + t * pw + r;
                const float *at = a + t * w, *bt = b + t * w;
                for (int x = 0; x < w; x++) vt[x] += ki * (at[x] + bt[x]);
            }
        }
        for (int t = 0; t < 5; t++) {
            float *vt = v + t * pw + r, *o = acc + t * w;
            for (int i = 1; i <= r; i++) vt[-i] = vt[0], vt[w - 1 + i] = vt[w - 1];
            for (int x = 0; x < w; x++) o[x] = j->k[0] * vt[x];
            for (int i = 1; i <= r; i++) {
                float ki = j->k[i];
                for (int x = 0; x < w; x++) o[x] += ki * (vt[x - i] + vt[x + i]);
            }
        }
        float *fl = j->flow + (int64_t)y * w * 2;
        const float *g11 = acc, *g12 = acc + w, *g22 = acc + 2 * w, *h1 = acc + 3 * w, *h2 = acc + 4 * w;
        for (int x = 0; x < w; x++) {
            /* (G + λI) d = h + λ d̃: G is positive semi-definite, so the determinant is
             * at least λ² > 0 */
            float a = g11[x] + FLOW_LAMBDA, b = g12[x], d = g22[x] + FLOW_LAMBDA;
            float u = h1[x] + FLOW_LAMBDA * fl[2 * x], vv = h2[x] + FLOW_LAMBDA * fl[2 * x + 1];
            float idet = 1.0f / (a * d - b * b);
            fl[2 * x] = (d * u - b * vv) * idet;
            fl[2 * x + 1] = (a * vv - b * u) * idet;
        }
        if (j->m_out) equations_row(j, y, j->m_out + (int64_t)y * w5);
    }
}

/* ---- coarse to fine ------------------------------------------------------------------- */

/* dst (dh, dw, 2) = the flow src (sh, sw, 2) resized, its vectors scaled to the new grid.
 * planar: src is 2×sh×sw (the caller's init) rather than interleaved. */
static void resize_flow(float *dst, int dw, int dh, const float *src, int sw, int sh, int planar)
{
    float sx = (float)dw / (float)sw, sy = (float)dh / (float)sh;
    int64_t plane = (int64_t)sw * sh;
    for (int y = 0; y < dh; y++) {
        int y0, y1;
        float fy;
        taps(sh, dh, y, &y0, &y1, &fy);
        for (int x = 0; x < dw; x++) {
            int x0, x1;
            float fx;
            taps(sw, dw, x, &x0, &x1, &fx);
            for (int t = 0; t < 2; t++) {
                float v[4];
                int64_t at[4] = {(int64_t)y0 * sw + x0, (int64_t)y0 * sw + x1, (int64_t)y1 * sw + x0,
                                 (int64_t)y1 * sw + x1};
                for (int q = 0; q < 4; q++) v[q] = planar ? src[t * plane + at[q]] : src[2 * at[q] + t];
                float top = v[0] + fx * (v[1] - v[0]), bot = v[2] + fx * (v[3] - v[2]);
                dst[((int64_t)y * dw + x) * 2 + t] = (top + fy * (bot - top)) * (t ? sy : sx);
            }
        }
    }
}

static int check_opts(const wk_flow_opts *o)
{
    if (o->levels < 1 || o->levels > WK_FLOW_MAX_LEVELS)
        return wk_fail("flow: levels must be in 1..%d, got %d", WK_FLOW_MAX_LEVELS, o->levels);
    if (!(o->scale >= 0.1 && o->scale <= 0.95)) return wk_fail("flow: scale must be in [0.1, 0.95], got %g", o->scale);
    if (o->window < 1 || o->window > WK_FLOW_MAX_WINDOW || o->window % 2 == 0)
        return wk_fail("flow: window must be odd, in 1..%d, got %d", WK_FLOW_MAX_WINDOW, o->window);
    if (o->iterations < 1 || o->iterations > WK_FLOW_MAX_ITERATIONS)
        return wk_fail("flow: iterations must be in 1..%d, got %d", WK_FLOW_MAX_ITERATIONS, o->iterations);
    if (o->poly_n < 1 || o->poly_n > WK_FLOW_MAX_POLY_N)
        return wk_fail("flow: poly_n must be in 1..%d, got %d", WK_FLOW_MAX_POLY_N, o->poly_n);
    if (!(o->poly_sigma > 0 && o->poly_sigma <= 2.0 * o->poly_n))
        return wk_fail("flow: poly_sigma must be in (0, 2·poly_n] = (0, %d], got %g", 2 * o->poly_n, o->poly_sigma);
    return WK_OK;
}

/* Sizes of the levels and one block holding every buffer. */
static int workspace_alloc(workspace *ws, int w, int h, const wk_flow_opts *o)
{
    memset(ws, 0, sizeof *ws);
    ws->lev[0] = (level){w, h, NULL, NULL};
    ws->nlev = 1;
    double s = 1;
    for (int k = 1; k < o->levels; k++) {
        s *= o->scale;
        int lw = (int)lround(w * s), lh = (int)lround(h * s);
        if (lw < MIN_LEVEL_SIDE || lh < MIN_LEVEL_SIDE) break;
        ws->lev[ws->nlev++] = (level){lw, lh, NULL, NULL};
    }
    int64_t n = (int64_t)w * h, planes = 0;
    for (int k = 0; k < ws->nlev; k++) planes += 2 * (((int64_t)ws->lev[k].w * ws->lev[k].h + 15) & ~15);
    int pad = WK_FLOW_MAX_WINDOW / 2 + 16;
    ws->scratch_n = ((int64_t)(w + 2 * pad) * 12 + 15) & ~15;
    int workers = wk_threads_count();
    int64_t n16 = (n + 15) & ~15;
    int64_t total = planes + n16 * (5 + 5 + 2 + 2 + 5 + 5 + 1) + ws->scratch_n * workers;
    if (wk_memory_check((double)total * sizeof(float), "flow's workspace")) return WK_ERR;
    ws->block = aligned_alloc(64, (size_t)total * sizeof(float));
    if (!ws->block) return wk_fail("flow: out of memory for a %dx%d workspace", w, h);
    float *p = ws->block;
    for (int k = 0; k < ws->nlev; k++) {
        int64_t ln = ((int64_t)ws->lev[k].w * ws->lev[k].h + 15) & ~15;
        ws->lev[k].prev = p, p += ln;
        ws->lev[k].next = p, p += ln;
    }
    ws->r1 = p, p += 5 * n16;
    ws->r2 = p, p += 5 * n16;
    ws->flow = p, p += 2 * n16;
    ws->coarse = p, p += 2 * n16;
    ws->m = p, p += 5 * n16;
    ws->m2 = p, p += 5 * n16;
    ws->tmp = p, p += n16;
    ws->scratch = p;
    return WK_OK;
}

int wk_flow_farneback(wk_tensor *dst, const wk_tensor *prev, const wk_tensor *next, const wk_tensor *init,
                      const wk_flow_opts *opts)
{
    wk_flow_opts o = opts ? *opts : wk_flow_defaults();
    int64_t h, w, h2, w2;
    char b1[96], b2[96];
    if (check_opts(&o) || check_frame("prev", prev, &h, &w) || check_frame("next", next, &h2, &w2)) return WK_ERR;
    if (h != h2 || w != w2)
        return wk_fail("flow: prev and next differ in size (%s and %s)", wk_tensor_shape_str(prev, b1, sizeof b1),
                       wk_tensor_shape_str(next, b2, sizeof b2));
    if (init) {
        if (wk_tensor_require("flow", "init", init)) return WK_ERR;
        if (init->ndim != 3 || init->shape[0] != 2 || init->shape[1] != h || init->shape[2] != w)
            return wk_fail("flow: init must be a flow 2×%lld×%lld like the frames, got shape %s", (long long)h,
                           (long long)w, wk_tensor_shape_str(init, b1, sizeof b1));
        const float *f = wk_tensor_data(init);
        for (int64_t i = 0; i < 2 * h * w; i++)
            if (!isfinite(f[i])) return wk_fail("flow: init holds NaN or infinity");
    }
    workspace ws;
    if (workspace_alloc(&ws, (int)w, (int)h, &o)) return WK_ERR;
    int rc = WK_ERR;
    if (to_grey(ws.lev[0].prev, prev, "prev", h * w) || to_grey(ws.lev[0].next, next, "next", h * w)) goto done;
    int64_t shape[3] = {2, h, w};
    if (wk_tensor_new(dst, 3, shape)) goto done;

    for (int k = 1; k < ws.nlev; k++) build_level(&ws, k);
    expand_job ej;
    expand_setup(&ej, o.poly_n, o.poly_sigma);
    ej.ws = &ws;
    solve_job sj = {.r1 = ws.r1, .r2 = ws.r2, .flow = ws.flow, .r = o.window / 2, .n = o.poly_n, .ws = &ws};
    kernel_1d(sj.k, sj.r, o.box ? 0.0 : 0.3 * sj.r);
    for (int k = ws.nlev - 1; k >= 0; k--) {
        level *L = &ws.lev[k];
        sj.w = L->w, sj.h = L->h;
        if (k == ws.nlev - 1) {
            if (init)
                resize_flow(ws.flow, L->w, L->h, wk_tensor_data(init), (int)w, (int)h, 1);
            else
                memset(ws.flow, 0, sizeof(float) * 2 * (size_t)L->w * (size_t)L->h);
        } else {
            level *C = &ws.lev[k + 1];
            memcpy(ws.coarse, ws.flow, sizeof(float) * 2 * (size_t)C->w * (size_t)C->h);
            resize_flow(ws.flow, L->w, L->h, ws.coarse, C->w, C->h, 0);
        }
        int64_t grain = wk_parallel_grain(L->h, (double)L->w * 80 * o.poly_n, PAR_MIN_COST, PAR_CHUNKS);
        ej.w = L->w, ej.h = L->h;
        ej.src = L->prev, ej.dst = ws.r1;
        wk_parallel_for(L->h, grain, expand_rows, &ej);
        ej.src = L->next, ej.dst = ws.r2;
        wk_parallel_for(L->h, grain, expand_rows, &ej);

        sj.m_out = ws.m;
        wk_parallel_for(L->h, wk_parallel_grain(L->h, (double)L->w * 60, PAR_MIN_COST, PAR_CHUNKS), equations_rows, &sj);
        grain = wk_parallel_grain(L->h, (double)L->w * (60 + 30 * sj.r), PAR_MIN_COST, PAR_CHUNKS);
        float *in = ws.m, *out = ws.m2;
        for (int it = 0; it < o.iterations; it++) {
            sj.m_in = in;
            sj.m_out = it + 1 < o.iterations ? out : NULL;
            wk_parallel_for(L->h, grain, solve_rows, &sj);
            float *t = in;
            in = out, out = t;
        }
    }
    float *d = wk_tensor_data(dst);
    for (int64_t i = 0; i < h * w; i++) d[i] = ws.flow[2 * i], d[h * w + i] = ws.flow[2 * i + 1];
    rc = WK_OK;
done:
    free(ws.block);
    return rc;
}
