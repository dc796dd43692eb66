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
 * workspace (about 23 floats a pixel) is one block, allocated once per call or kept by
 * the caller from frame to frame. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/threads.h"
#include "../core/workspace.h"
#include "flow.h"

#define MIN_LEVEL_SIDE 32       /* coarser levels than this are not worth estimating on */
#define FLOW_LAMBDA 1e-7f       /* the pull towards the current estimate (grey in [0,1]) */
#define PAR_MIN_COST 60000.0    /* a chunk of rows is at least this many operations */
#define PAR_CHUNKS 64

/* Eight floats as one value (GCC/Clang vector extension: one AVX register, or two SSE
 * ones where AVX is missing). v8 is 32-byte aligned (next's expansion at a pixel, for
 * the bilinear lookup); LD/ST move eight floats at any address. */
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));
#define LD(p) ((v8)(*(const v8u *)(p)))
#define ST(p, v) (*(v8u *)(p) = (v8u)(v))

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
    float *r1;            /* (H, W, 5) the expansion of prev on the current level */
    float *r2;            /* (H, W, 8) next's, padded to 8 so a pixel is one vector load */
    float *flow;          /* (H, W, 2) the estimate on the current level */
    float *coarse;        /* (H/2, W/2, 2) the coarser level's flow, while resizing it */
    float *m;             /* (H, 5, W) the equations */
    float *tmp;           /* (H, W) the blurred plane while building the pyramid (m's room) */
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
        return wk_fail("%s must be a picture H×W, 1×H×W or 3×H×W (RGB), got shape %s%s", name,
                       wk_tensor_shape_str(t, buf, sizeof buf),
                       t->ndim == 3 && t->shape[0] == 4 ? " (drop the alpha: image.rgb)" : "");
    *h = t->shape[t->ndim - 2];
    *w = t->shape[t->ndim - 1];
    if (*h < 1 || *w < 1) return wk_fail("%s is empty (shape %s)", name, wk_tensor_shape_str(t, buf, sizeof buf));
    if (*h > (1 << 20) || *w > (1 << 20)) return wk_fail("%s is too large (shape %s)", name, wk_tensor_shape_str(t, buf, sizeof buf));
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
            return wk_fail("%s holds NaN or infinity (at row %lld, column %lld)", name, (long long)(i / w + 1),
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
    float *dst;           /* (h, w, stride) */
    int w, h, n, stride;  /* stride 5 or 8 (the padding is left alone) */
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
 * ones that make the six moments, then the closed form. Eight columns at a time with
 * the sums in registers across the taps (vcols, below). */
static void expand_rows(void *ctx, int64_t y0, int64_t y1, int worker)
{
    const expand_job *j = ctx;
    int w = j->w, n = j->n, wr = (w + 7) & ~7;
    int64_t pw = wr + 2 * n + 8;
    float *s0 = j->ws->scratch + (int64_t)worker * j->ws->scratch_n + n;   /* (wr + 2n + 8) padded each */
    float *s1 = s0 + pw, *s2 = s1 + pw;
    const float *rows[2 * WK_FLOW_MAX_POLY_N + 1];
    for (int y = (int)y0; y < y1; y++) {
        for (int i = -n; i <= n; i++) rows[n + i] = j->src + (int64_t)clampi(y + i, 0, j->h - 1) * w;
        int x = 0;
        for (; x + 8 <= w; x += 8) {
            v8 c = LD(rows[n] + x);
            v8 a0 = j->g[0] * c, a1 = {0}, a2 = {0};
            for (int i = 1; i <= n; i++) {
                v8 lo = LD(rows[n - i] + x), hi = LD(rows[n + i] + x);
                float g0 = j->g[i], g1 = g0 * i, g2 = g1 * i;
                v8 sum = hi + lo;
                a0 += g0 * sum, a1 += g1 * (hi - lo), a2 += g2 * sum;
            }
            ST(s0 + x, a0), ST(s1 + x, a1), ST(s2 + x, a2);
        }
        for (; x < w; x++) {
            float a0 = j->g[0] * rows[n][x], a1 = 0, a2 = 0;
            for (int i = 1; i <= n; i++) {
                float lo = rows[n - i][x], hi = rows[n + i][x], g0 = j->g[i], g1 = g0 * i, g2 = g1 * i;
                a0 += g0 * (hi + lo), a1 += g1 * (hi - lo), a2 += g2 * (hi + lo);
            }
            s0[x] = a0, s1[x] = a1, s2[x] = a2;
        }
        for (int i = 1; i <= n; i++) s0[-i] = s0[0], s1[-i] = s1[0], s2[-i] = s2[0];
        for (int i = w; i < wr + n + 8; i++) s0[i] = s0[w - 1], s1[i] = s1[w - 1], s2[i] = s2[w - 1];
        int st = j->stride;
        float *o = j->dst + (int64_t)y * w * st;
        float g = j->g[0];
        for (x = 0; x < w; x += 8) {
            v8 c0 = LD(s0 + x), c1 = LD(s1 + x), c2 = LD(s2 + x);
            v8 q1 = g * c0, qx = {0}, qxx = {0}, qy = g * c1, qxy = {0}, qyy = g * c2;
            for (int i = 1; i <= n; i++) {
                float g0 = j->g[i], g1 = g0 * i, g2 = g1 * i;
                v8 p0 = LD(s0 + x + i), m0 = LD(s0 + x - i), p1 = LD(s1 + x + i), m1 = LD(s1 + x - i);
                v8 a0 = p0 + m0, a1 = p1 + m1;
                q1 += g0 * a0, qx += g1 * (p0 - m0), qxx += g2 * a0;
                qy += g0 * a1, qxy += g1 * (p1 - m1), qyy += g0 * (LD(s2 + x + i) + LD(s2 + x - i));
            }
            v8 bx = qx * j->ib, by = qy * j->ib, axx = (qxx - j->m2 * q1) * j->ia, ayy = (qyy - j->m2 * q1) * j->ia;
            v8 axy = qxy * j->iaxy;
            for (int k = 0; k < 8 && x + k < w; k++) {
                float *q = o + (int64_t)st * (x + k);
                q[0] = bx[k], q[1] = by[k], q[2] = axx[k], q[3] = ayy[k], q[4] = axy[k];
            }
        }
    }
}

/* ---- the flow equations --------------------------------------------------------------- */

typedef struct solve_job {
    const float *r1;        /* (h, w, 5) */
    const v8 *r2;           /* (h, w) of 8 */
    float *flow;            /* (h, w, 2) */
    float *m;               /* (h, 5, w) the equations */
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
            const v8 *r0 = j->r2 + (int64_t)y0 * w, *r1 = j->r2 + (int64_t)y1 * w;
            v8 top = r0[x0] + ax * (r0[x1] - r0[x0]), bot = r1[x0] + ax * (r1[x1] - r1[x0]);
            v8 q = top + ay * (bot - top);
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
    for (int y = (int)y0; y < y1; y++) equations_row(j, y, j->m + (int64_t)y * 5 * j->w);
}

/* One iteration for rows y0..y1: average the equations over the window (vertical pass
 * into a padded row, then horizontal; eight columns at a time, the sums in registers)
 * and solve the 2×2 systems into the flow. */
static void solve_rows(void *ctx, int64_t y0, int64_t y1, int worker)
{
    const solve_job *j = ctx;
    int w = j->w, r = j->r, wr = (w + 7) & ~7;
    int64_t pw = wr + 2 * r + 8, w5 = 5 * (int64_t)w;
    float *v = j->ws->scratch + (int64_t)worker * j->ws->scratch_n;   /* (5, wr + 2r + 8) padded */
    float *acc = v + 5 * pw;                                          /* (5, wr) */
    const float *rows[WK_FLOW_MAX_WINDOW];
    for (int y = (int)y0; y < y1; y++) {
        for (int i = -r; i <= r; i++) rows[r + i] = j->m + (int64_t)clampi(y + i, 0, j->h - 1) * w5;
        for (int t = 0; t < 5; t++) {
            float *vt = v + t * pw + r;
            int64_t off = (int64_t)t * w;
            int x = 0;
            for (; x + 8 <= w; x += 8) {
                v8 s = j->k[0] * LD(rows[r] + off + x);
                for (int i = 1; i <= r; i++) s += j->k[i] * (LD(rows[r - i] + off + x) + LD(rows[r + i] + off + x));
                ST(vt + x, s);
            }
            for (; x < w; x++) {
                float s = j->k[0] * rows[r][off + x];
                for (int i = 1; i <= r; i++) s += j->k[i] * (rows[r - i][off + x] + rows[r + i][off + x]);
                vt[x] = s;
            }
            for (int i = 1; i <= r; i++) vt[-i] = vt[0];
            for (int i = w; i < wr + r + 8; i++) vt[i] = vt[w - 1];
            float *o = acc + t * wr;
            for (x = 0; x < w; x += 8) {
                v8 s = j->k[0] * LD(vt + x);
                for (int i = 1; i <= r; i++) s += j->k[i] * (LD(vt + x - i) + LD(vt + x + i));
                ST(o + x, s);
            }
        }
        float *fl = j->flow + (int64_t)y * w * 2;
        const float *g11 = acc, *g12 = acc + wr, *g22 = acc + 2 * wr, *h1 = acc + 3 * wr, *h2 = acc + 4 * wr;
        for (int x = 0; x < w; x++) {
            /* (G + λI) d = h + λ d̃: G is positive semi-definite, so in exact arithmetic
             * the determinant is at least λ² > 0; in float, λ vanishes beside a large G
             * and a window of one straight edge (rank 1) can round to 0 or below. So the
             * 2×2 solve is in double, and a window that still gives no determinant keeps
             * the current estimate (what the λ pull alone would give). */
            double a = (double)g11[x] + FLOW_LAMBDA, b = g12[x], d = (double)g22[x] + FLOW_LAMBDA;
            double u = h1[x] + FLOW_LAMBDA * (double)fl[2 * x], vv = h2[x] + FLOW_LAMBDA * (double)fl[2 * x + 1];
            double det = a * d - b * b;
            if (!(det > 1e-300)) continue;
            fl[2 * x] = (float)((d * u - b * vv) / det);
            fl[2 * x + 1] = (float)((a * vv - b * u) / det);
        }
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
        return wk_fail("levels must be in 1..%d, got %d", WK_FLOW_MAX_LEVELS, o->levels);
    if (!(o->scale >= 0.1 && o->scale <= 0.95)) return wk_fail("scale must be in [0.1, 0.95], got %g", o->scale);
    if (o->window < 1 || o->window > WK_FLOW_MAX_WINDOW || o->window % 2 == 0)
        return wk_fail("window must be odd, in 1..%d, got %d", WK_FLOW_MAX_WINDOW, o->window);
    if (o->iterations < 1 || o->iterations > WK_FLOW_MAX_ITERATIONS)
        return wk_fail("iterations must be in 1..%d, got %d", WK_FLOW_MAX_ITERATIONS, o->iterations);
    if (o->poly_n < 1 || o->poly_n > WK_FLOW_MAX_POLY_N)
        return wk_fail("poly_n must be in 1..%d, got %d", WK_FLOW_MAX_POLY_N, o->poly_n);
    if (!(o->poly_sigma > 0 && o->poly_sigma <= 2.0 * o->poly_n))
        return wk_fail("poly_sigma must be in (0, 2·poly_n] = (0, %d], got %g", 2 * o->poly_n, o->poly_sigma);
    return WK_OK;
}

/* Sizes of the levels and one block holding every buffer. */
static int workspace_alloc(workspace *ws, int w, int h, const wk_flow_opts *o, wk_workspace *own)
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
    ws->scratch_n = ((int64_t)(w + 8 + 2 * pad) * 12 + 15) & ~15;
    int workers = wk_threads_count();
    int64_t n16 = (n + 15) & ~15;
    int64_t nc = ws->nlev > 1 ? (((int64_t)ws->lev[1].w * ws->lev[1].h + 15) & ~15) : 16;
    int64_t total = planes + n16 * (5 + 8 + 2 + 5) + 2 * nc + ws->scratch_n * workers;
    if (wk_memory_check((double)total * sizeof(float), "flow's workspace")) return WK_ERR;
    ws->block = own ? wk_workspace_get(own, (size_t)total) : aligned_alloc(64, (size_t)total * sizeof(float));
    if (!ws->block) return wk_fail("out of memory for the flow workspace of a %dx%d picture", w, h);
    float *p = ws->block;
    for (int k = 0; k < ws->nlev; k++) {
        int64_t ln = ((int64_t)ws->lev[k].w * ws->lev[k].h + 15) & ~15;
        ws->lev[k].prev = p, p += ln;
        ws->lev[k].next = p, p += ln;
    }
    ws->r1 = p, p += 5 * n16;
    ws->r2 = p, p += 8 * n16;
    ws->flow = p, p += 2 * n16;
    ws->coarse = p, p += 2 * nc;
    ws->m = p, p += 5 * n16;
    ws->tmp = ws->m;   /* the pyramid is built before the equations need it */
    ws->scratch = p;
    return WK_OK;
}

int wk_flow_farneback(wk_tensor *dst, const wk_tensor *prev, const wk_tensor *next, const wk_tensor *init,
                      const wk_flow_opts *opts, wk_workspace *own)
{
    wk_flow_opts o = opts ? *opts : wk_flow_defaults();
    int64_t h, w, h2, w2;
    char b1[96], b2[96];
    if (check_opts(&o) || check_frame("prev", prev, &h, &w) || check_frame("next", next, &h2, &w2)) return WK_ERR;
    if (h != h2 || w != w2)
        return wk_fail("prev and next differ in size (%s and %s)", wk_tensor_shape_str(prev, b1, sizeof b1),
                       wk_tensor_shape_str(next, b2, sizeof b2));
    if (init) {
        if (wk_tensor_require("flow", "init", init)) return WK_ERR;
        if (init->ndim != 3 || init->shape[0] != 2 || init->shape[1] != h || init->shape[2] != w)
            return wk_fail("init must be a flow 2×%lld×%lld like the frames, got shape %s", (long long)h,
                           (long long)w, wk_tensor_shape_str(init, b1, sizeof b1));
        const float *f = wk_tensor_data(init);
        for (int64_t i = 0; i < 2 * h * w; i++)
            if (!isfinite(f[i])) return wk_fail("init holds NaN or infinity");
    }
    workspace ws;
    if (workspace_alloc(&ws, (int)w, (int)h, &o, own)) return WK_ERR;
    int rc = WK_ERR;
    if (to_grey(ws.lev[0].prev, prev, "prev", h * w) || to_grey(ws.lev[0].next, next, "next", h * w)) goto done;
    int64_t shape[3] = {2, h, w};
    if (wk_tensor_new(dst, 3, shape)) goto done;

    for (int k = 1; k < ws.nlev; k++) build_level(&ws, k);
    expand_job ej;
    expand_setup(&ej, o.poly_n, o.poly_sigma);
    ej.ws = &ws;
    solve_job sj = {.r1 = ws.r1, .r2 = (const v8 *)ws.r2, .flow = ws.flow, .r = o.window / 2, .n = o.poly_n, .ws = &ws};
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
        ej.src = L->prev, ej.dst = ws.r1, ej.stride = 5;
        wk_parallel_for(L->h, grain, expand_rows, &ej);
        ej.src = L->next, ej.dst = ws.r2, ej.stride = 8;
        wk_parallel_for(L->h, grain, expand_rows, &ej);

        sj.m = ws.m;
        int64_t eq_grain = wk_parallel_grain(L->h, (double)L->w * 60, PAR_MIN_COST, PAR_CHUNKS);
        grain = wk_parallel_grain(L->h, (double)L->w * 30 * sj.r, PAR_MIN_COST, PAR_CHUNKS);
        for (int it = 0; it < o.iterations; it++) {
            wk_parallel_for(L->h, eq_grain, equations_rows, &sj);
            wk_parallel_for(L->h, grain, solve_rows, &sj);
        }
    }
    float *d = wk_tensor_data(dst);
    for (int64_t i = 0; i < h * w; i++) d[i] = ws.flow[2 * i], d[h * w + i] = ws.flow[2 * i + 1];
    rc = WK_OK;
done:
    if (!own) free(ws.block);
    return rc;
}
