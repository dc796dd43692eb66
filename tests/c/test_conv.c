/* test_conv.c — unit tests of lib/nn/conv.c and conv_engine.c: conv2d and
 * conv_transpose2d, forward and backward, against naive float64 loops written straight
 * from the formulas in conv.h, a finite-difference check of those loops' gradients, the
 * adjoint identity between the two convolutions, accumulation into gradients, and the
 * error messages.
 *
 * Tolerances: float32 against float64 references, relative to the size of the sums:
 * max |wick - ref| <= 3e-5 * (1 + max |ref|). Each comparison prints its max diff. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/nn/conv.h"
#include "check.h"
#include "error_checks.h"
#include "tensor_fixtures.h"

/* ---- helpers ------------------------------------------------------------------- */

static void zeros(wk_tensor *t, int ndim, const int64_t *shape) { wk_tensor_zeros(t, ndim, shape); }

/* max |a - ref| over n, and checks it against 1e-4 * (1 + max|ref|). */
static double compare(const char *what, const float *a, const double *ref, int64_t n)
{
    double md = 0, mr = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs(a[i] - ref[i]);
        if (d > md || d != d) md = d;
        if (fabs(ref[i]) > mr) mr = fabs(ref[i]);
    }
    double tol = 3e-5 * (1 + mr);
    printf("    %-28s max diff %.3g (tol %.3g)\n", what, md, tol);
    CHECK_NEAR(md, 0.0, tol);
    return md;
}

typedef struct cfg {
    int64_t N, Ci, H, W, Co, kH, kW;
    int sh, sw, ph, pw, dh, dw, oph, opw, G;
    int bias;
} cfg;

static wk_conv_opts opts_of(const cfg *c)
{
    wk_conv_opts o = {{c->sh, c->sw}, {c->ph, c->pw}, {c->dh, c->dw}, {c->oph, c->opw}, c->G};
    return o;
}

/* ---- naive float64 conv2d ------------------------------------------------------ */

/* y (N, Co, Ho, Wo) = conv2d(x (N, Ci, H, W), w (Co, Ci/G, kH, kW), b) in double */
static void ref_conv2d(double *y, const float *x, const float *w, const float *b, const cfg *c,
                       int64_t Ho, int64_t Wo)
{
    int64_t Cig = c->Ci / c->G, Cog = c->Co / c->G;
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t o = 0; o < c->Co; o++)
            for (int64_t i = 0; i < Ho; i++)
                for (int64_t j = 0; j < Wo; j++) {
                    double s = b ? b[o] : 0.0;
                    int64_t g = o / Cog;
                    for (int64_t ci = 0; ci < Cig; ci++)
                        for (int64_t p = 0; p < c->kH; p++)
                            for (int64_t q = 0; q < c->kW; q++) {
                                int64_t ih = i * c->sh - c->ph + p * c->dh, iw = j * c->sw - c->pw + q * c->dw;
                                if (ih < 0 || ih >= c->H || iw < 0 || iw >= c->W) continue;
                                s += (double)w[((o * Cig + ci) * c->kH + p) * c->kW + q] *
                                     x[((n * c->Ci + g * Cig + ci) * c->H + ih) * c->W + iw];
                            }
                    y[((n * c->Co + o) * Ho + i) * Wo + j] = s;
                }
}

/* gx, gw, gb (double, zeroed by caller) += the gradients of sum(y * gy). */
static void ref_conv2d_backward(double *gx, double *gw, double *gb, const float *gy, const float *x,
                                const float *w, const cfg *c, int64_t Ho, int64_t Wo)
{
    int64_t Cig = c->Ci / c->G, Cog = c->Co / c->G;
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t o = 0; o < c->Co; o++)
            for (int64_t i = 0; i < Ho; i++)
                for (int64_t j = 0; j < Wo; j++) {
                    double d = gy[((n * c->Co + o) * Ho + i) * Wo + j];
                    int64_t g = o / Cog;
                    gb[o] += d;
                    for (int64_t ci = 0; ci < Cig; ci++)
                        for (int64_t p = 0; p < c->kH; p++)
                            for (int64_t q = 0; q < c->kW; q++) {
                                int64_t ih = i * c->sh - c->ph + p * c->dh, iw = j * c->sw - c->pw + q * c->dw;
                                if (ih < 0 || ih >= c->H || iw < 0 || iw >= c->W) continue;
                                int64_t xi = ((n * c->Ci + g * Cig + ci) * c->H + ih) * c->W + iw;
                                int64_t wi = ((o * Cig + ci) * c->kH + p) * c->kW + q;
                                gx[xi] += d * w[wi];
                                gw[wi] += d * x[xi];
                            }
                }
}

/* ---- naive float64 conv_transpose2d -------------------------------------------- */

/* y (N, Co, Ho, Wo) = conv_transpose2d(x (N, Ci, H, W), w (Ci, Co/G, kH, kW), b) */
static void ref_convt(double *y, const float *x, const float *w, const float *b, const cfg *c, int64_t Ho,
                      int64_t Wo)
{
    int64_t Cig = c->Ci / c->G, Cog = c->Co / c->G;
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t o = 0; o < c->Co; o++)
            for (int64_t k = 0; k < Ho * Wo; k++) y[(n * c->Co + o) * Ho * Wo + k] = b ? b[o] : 0.0;
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t k = 0; k < c->Ci; k++)
            for (int64_t i = 0; i < c->H; i++)
                for (int64_t j = 0; j < c->W; j++) {
                    double v = x[((n * c->Ci + k) * c->H + i) * c->W + j];
                    int64_t g = k / Cig;
                    for (int64_t co = 0; co < Cog; co++)
                        for (int64_t p = 0; p < c->kH; p++)
                            for (int64_t q = 0; q < c->kW; q++) {
                                int64_t oh = i * c->sh - c->ph + p * c->dh, ow = j * c->sw - c->pw + q * c->dw;
                                if (oh < 0 || oh >= Ho || ow < 0 || ow >= Wo) continue;
                                y[((n * c->Co + g * Cog + co) * Ho + oh) * Wo + ow] +=
                                    v * w[((k * Cog + co) * c->kH + p) * c->kW + q];
                            }
                }
}

static void ref_convt_backward(double *gx, double *gw, double *gb, const float *gy, const float *x,
                               const float *w, const cfg *c, int64_t Ho, int64_t Wo)
{
    int64_t Cig = c->Ci / c->G, Cog = c->Co / c->G;
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t o = 0; o < c->Co; o++)
            for (int64_t k = 0; k < Ho * Wo; k++) gb[o] += gy[(n * c->Co + o) * Ho * Wo + k];
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t k = 0; k < c->Ci; k++)
            for (int64_t i = 0; i < c->H; i++)
                for (int64_t j = 0; j < c->W; j++) {
                    int64_t xi = ((n * c->Ci + k) * c->H + i) * c->W + j;
                    int64_t g = k / Cig;
                    for (int64_t co = 0; co < Cog; co++)
                        for (int64_t p = 0; p < c->kH; p++)
                            for (int64_t q = 0; q < c->kW; q++) {
                                int64_t oh = i * c->sh - c->ph + p * c->dh, ow = j * c->sw - c->pw + q * c->dw;
                                if (oh < 0 || oh >= Ho || ow < 0 || ow >= Wo) continue;
                                int64_t yi = ((n * c->Co + g * Cog + co) * Ho + oh) * Wo + ow;
                                int64_t wi = ((k * Cog + co) * c->kH + p) * c->kW + q;
                                gx[xi] += gy[yi] * w[wi];
                                gw[wi] += gy[yi] * x[xi];
                            }
                }
}

/* ---- one configuration, both directions ---------------------------------------- */

static const cfg CASES[] = {
    /*  N  Ci  H   W  Co kH kW sh sw ph pw dh dw op op G bias */
    {2, 3, 9, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1},      /* plain 3x3 pad 1 */
    {3, 4, 11, 10, 6, 3, 2, 2, 1, 1, 0, 1, 1, 1, 0, 2, 1},    /* non-square, stride, groups */
    {2, 6, 13, 12, 6, 3, 3, 2, 3, 2, 1, 2, 1, 1, 2, 3, 0},    /* dilation, uneven stride */
    {1, 4, 7, 7, 8, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1},      /* 1x1 pointwise (no im2col) */
    {2, 4, 6, 5, 4, 1, 1, 2, 2, 0, 0, 1, 1, 1, 1, 4, 1},      /* 1x1 strided, depthwise groups */
    {5, 2, 10, 10, 3, 5, 5, 1, 1, 2, 2, 1, 1, 0, 0, 1, 1},    /* 5x5, batch of 5 (one GEMM) */
    {8, 2, 36, 36, 4, 4, 4, 2, 2, 1, 1, 1, 1, 0, 0, 1, 1},    /* 18x18 / 36x36 maps, 2 a chunk: a GEMM per image */
    {1, 16, 96, 96, 8, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1},   /* big: row bands of one image */
    {1, 2, 40, 300, 3, 7, 3, 3, 2, 3, 1, 2, 3, 2, 1, 1, 1},   /* wide, big dilation */
    {1, 32, 120, 120, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1}, /* big, strided: col2im in bands */
    {6, 8, 14, 14, 16, 4, 4, 2, 2, 1, 1, 1, 1, 0, 0, 1, 0},   /* a DCGAN layer: k4 s2 p1, phase rows */
    {6, 3, 28, 28, 8, 4, 4, 2, 2, 1, 1, 1, 1, 0, 0, 1, 1},    /* with bias, 14x14: panels straight into the planes */
    {2, 3, 20, 64, 5, 4, 4, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1},    /* phase rows of 32 values */
    {2, 4, 17, 23, 4, 5, 5, 3, 3, 2, 2, 1, 1, 2, 0, 2, 1},    /* stride 3: three phases */
    {1, 2, 9, 40, 3, 2, 3, 1, 2, 0, 4, 1, 2, 0, 1, 1, 0},     /* dilated taps, pad past a phase */
};

static void run_conv2d_case(const cfg *c)
{
    wk_conv_opts o = opts_of(c);
    wk_tensor x, w, b, y = {0}, gy, gx, gw, gb;
    wk_workspace ws = {0};
    x = randn(4, (int64_t[]){c->N, c->Ci, c->H, c->W});
    w = randn(4, (int64_t[]){c->Co, c->Ci / c->G, c->kH, c->kW});
    b = randn(1, (int64_t[]){c->Co});
    int64_t os[4];
    CHECK(wk_conv2d_output_shape(os, x.shape, w.shape, &o) == WK_OK);
    CHECK(wk_conv2d_forward(&y, &x, &w, c->bias ? &b : NULL, &ws, &o) == WK_OK);
    CHECK(y.ndim == 4 && y.shape[2] == os[2] && y.shape[3] == os[3]);
    int64_t ny = wk_tensor_numel(&y), nx = wk_tensor_numel(&x), nw = wk_tensor_numel(&w);
    double *ry = calloc((size_t)ny, sizeof(double));
    ref_conv2d(ry, wk_tensor_data(&x), wk_tensor_data(&w), c->bias ? wk_tensor_data(&b) : NULL, c, os[2], os[3]);
    compare("conv2d forward", wk_tensor_data(&y), ry, ny);

    gy = randn(4, os);
    zeros(&gx, 4, x.shape);
    zeros(&gw, 4, w.shape);
    zeros(&gb, 1, b.shape);
    CHECK(wk_conv2d_backward(&gx, &gw, &gb, &gy, &x, &w, &ws, &o) == WK_OK);
    double *rgx = calloc((size_t)nx, sizeof(double)), *rgw = calloc((size_t)nw, sizeof(double));
    double *rgb = calloc((size_t)c->Co, sizeof(double));
    ref_conv2d_backward(rgx, rgw, rgb, wk_tensor_data(&gy), wk_tensor_data(&x), wk_tensor_data(&w), c, os[2], os[3]);
    compare("conv2d grad input", wk_tensor_data(&gx), rgx, nx);
    compare("conv2d grad weight", wk_tensor_data(&gw), rgw, nw);
    compare("conv2d grad bias", wk_tensor_data(&gb), rgb, c->Co);

    /* each gradient alone gives the same numbers as all three together */
    wk_tensor gw2;
    zeros(&gw2, 4, w.shape);
    CHECK(wk_conv2d_backward(NULL, &gw2, NULL, &gy, &x, &w, &ws, &o) == WK_OK);
    compare("conv2d grad weight alone", wk_tensor_data(&gw2), rgw, nw);

    wk_tensor_release(&x); wk_tensor_release(&w); wk_tensor_release(&b); wk_tensor_release(&y);
    wk_tensor_release(&gy); wk_tensor_release(&gx); wk_tensor_release(&gw); wk_tensor_release(&gb);
    wk_tensor_release(&gw2);
    free(ry); free(rgx); free(rgw); free(rgb);
    wk_workspace_free(&ws);
}

static void run_convt_case(const cfg *c)
{
    wk_conv_opts o = opts_of(c);
    /* as conv_transpose2d: input (N, Ci, H, W), weight (Ci, Co/G, kH, kW) */
    wk_tensor x, w, b, y = {0}, gy, gx, gw, gb;
    wk_workspace ws = {0};
    x = randn(4, (int64_t[]){c->N, c->Ci, c->H, c->W});
    w = randn(4, (int64_t[]){c->Ci, c->Co / c->G, c->kH, c->kW});
    b = randn(1, (int64_t[]){c->Co});
    int64_t os[4];
    CHECK(wk_conv_transpose2d_output_shape(os, x.shape, w.shape, &o) == WK_OK);
    CHECK(wk_conv_transpose2d_forward(&y, &x, &w, c->bias ? &b : NULL, &ws, &o) == WK_OK);
    int64_t ny = wk_tensor_numel(&y), nx = wk_tensor_numel(&x), nw = wk_tensor_numel(&w);
    double *ry = calloc((size_t)ny, sizeof(double));
    ref_convt(ry, wk_tensor_data(&x), wk_tensor_data(&w), c->bias ? wk_tensor_data(&b) : NULL, c, os[2], os[3]);
    compare("conv_transpose2d forward", wk_tensor_data(&y), ry, ny);

    gy = randn(4, os);
    zeros(&gx, 4, x.shape);
    zeros(&gw, 4, w.shape);
    zeros(&gb, 1, b.shape);
    CHECK(wk_conv_transpose2d_backward(&gx, &gw, &gb, &gy, &x, &w, &ws, &o) == WK_OK);
    double *rgx = calloc((size_t)nx, sizeof(double)), *rgw = calloc((size_t)nw, sizeof(double));
    double *rgb = calloc((size_t)c->Co, sizeof(double));
    ref_convt_backward(rgx, rgw, rgb, wk_tensor_data(&gy), wk_tensor_data(&x), wk_tensor_data(&w), c, os[2], os[3]);
    compare("conv_transpose2d grad input", wk_tensor_data(&gx), rgx, nx);
    compare("conv_transpose2d grad weight", wk_tensor_data(&gw), rgw, nw);
    compare("conv_transpose2d grad bias", wk_tensor_data(&gb), rgb, c->Co);

    wk_tensor_release(&x); wk_tensor_release(&w); wk_tensor_release(&b); wk_tensor_release(&y);
    wk_tensor_release(&gy); wk_tensor_release(&gx); wk_tensor_release(&gw); wk_tensor_release(&gb);
    free(ry); free(rgx); free(rgw); free(rgb);
    wk_workspace_free(&ws);
}

TEST(conv2d_matches_naive_float64)
{
    wk_rng_seed(1);
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        printf("  conv2d case %zu\n", i);
        run_conv2d_case(&CASES[i]);
    }
}

TEST(conv_transpose2d_matches_naive_float64)
{
    wk_rng_seed(2);
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        printf("  conv_transpose2d case %zu\n", i);
        run_convt_case(&CASES[i]);
    }
}

TEST(conv2d_random_shapes)
{
    wk_rng_seed(3);
    for (int t = 0; t < 40; t++) {
        cfg c;
        c.G = 1 + (int)wk_rng_below(3);
        c.N = 1 + (int64_t)wk_rng_below(3);
        c.Ci = c.G * (1 + (int64_t)wk_rng_below(3));
        c.Co = c.G * (1 + (int64_t)wk_rng_below(3));
        c.kH = 1 + (int64_t)wk_rng_below(4);
        c.kW = 1 + (int64_t)wk_rng_below(4);
        c.sh = 1 + (int)wk_rng_below(3); c.sw = 1 + (int)wk_rng_below(3);
        c.dh = 1 + (int)wk_rng_below(2); c.dw = 1 + (int)wk_rng_below(2);
        c.ph = (int)wk_rng_below(3); c.pw = (int)wk_rng_below(3);
        c.oph = 0; c.opw = 0;
        c.H = (c.kH - 1) * c.dh + 1 + (int64_t)wk_rng_below(9);
        c.W = (c.kW - 1) * c.dw + 1 + (int64_t)wk_rng_below(t % 4 ? 9 : 40);   /* some rows past 8 */
        c.bias = (int)wk_rng_below(2);
        printf("  random %d: N%lld C%lld->%lld %lldx%lld k%lldx%lld s%d,%d p%d,%d d%d,%d g%d\n", t,
               (long long)c.N, (long long)c.Ci, (long long)c.Co, (long long)c.H, (long long)c.W,
               (long long)c.kH, (long long)c.kW, c.sh, c.sw, c.ph, c.pw, c.dh, c.dw, c.G);
        run_conv2d_case(&c);
        int lim = c.sh > c.dh ? c.sh : c.dh;
        c.oph = (int)wk_rng_below((uint64_t)lim);
        lim = c.sw > c.dw ? c.sw : c.dw;
        c.opw = (int)wk_rng_below((uint64_t)lim);
        /* as a transposed conv the padding may eat the whole output: no case then */
        if ((c.H - 1) * c.sh - 2 * c.ph + c.dh * (c.kH - 1) + c.oph < 0 ||
            (c.W - 1) * c.sw - 2 * c.pw + c.dw * (c.kW - 1) + c.opw < 0)
            continue;
        run_convt_case(&c);
    }
}

/* sum(conv2d_ref(x, w, b) * r) */
static double ref_loss(double *y, int64_t ny, const float *r, const wk_tensor *x, const wk_tensor *w,
                       const wk_tensor *b, const cfg *c, const int64_t *os)
{
    ref_conv2d(y, wk_tensor_data(x), wk_tensor_data(w), wk_tensor_data(b), c, os[2], os[3]);
    double s = 0;
    for (int64_t k = 0; k < ny; k++) s += y[k] * r[k];
    return s;
}

/* The reference backward itself, against central differences of the reference forward:
 * L = sum(y * r), h = 1e-3 in float64, at every weight and a sample of inputs. */
TEST(conv2d_backward_matches_finite_differences)
{
    wk_rng_seed(4);
    cfg c = {2, 4, 7, 6, 4, 3, 2, 2, 1, 1, 1, 2, 1, 0, 0, 2, 1};
    wk_conv_opts o = opts_of(&c);
    wk_tensor x, w, b, r, gx, gw, gb;
    wk_workspace ws = {0};
    x = randn(4, (int64_t[]){c.N, c.Ci, c.H, c.W});
    w = randn(4, (int64_t[]){c.Co, c.Ci / c.G, c.kH, c.kW});
    b = randn(1, (int64_t[]){c.Co});
    int64_t os[4];
    CHECK(wk_conv2d_output_shape(os, x.shape, w.shape, &o) == WK_OK);
    r = randn(4, os);
    zeros(&gx, 4, x.shape); zeros(&gw, 4, w.shape); zeros(&gb, 1, b.shape);
    CHECK(wk_conv2d_backward(&gx, &gw, &gb, &r, &x, &w, &ws, &o) == WK_OK);
    int64_t ny = wk_tensor_numel(&r);
    double *y = malloc((size_t)ny * sizeof(double));
    const float *rd = wk_tensor_data(&r);
    double md = 0;
#define LOSS(out) (out = ref_loss(y, ny, rd, &x, &w, &b, &c, os))
    const float h = 1.0f / 64;   /* exact in float; the loss is linear in each variable */
    struct { wk_tensor *v, *g; int64_t step; } vars[] = {{&w, &gw, 1}, {&x, &gx, 7}, {&b, &gb, 1}};
    for (int k = 0; k < 3; k++) {
        float *v = wk_tensor_data(vars[k].v), *gr = wk_tensor_data(vars[k].g);
        for (int64_t i = 0; i < wk_tensor_numel(vars[k].v); i += vars[k].step) {
            double lp, lm;
            float keep = v[i];
            v[i] = keep + h; LOSS(lp);
            v[i] = keep - h; LOSS(lm);
            v[i] = keep;
            double fd = (lp - lm) / (2.0 * h), d = fabs(fd - gr[i]);
            if (d > md) md = d;
        }
    }
#undef LOSS
    printf("    finite differences: max diff %.3g (tol 1e-3)\n", md);
    CHECK_NEAR(md, 0.0, 1e-3);
    free(y);
    wk_tensor_release(&x); wk_tensor_release(&w); wk_tensor_release(&b); wk_tensor_release(&r);
    wk_tensor_release(&gx); wk_tensor_release(&gw); wk_tensor_release(&gb);
    wk_workspace_free(&ws);
}

/* <conv_transpose2d(x, w), y> == <x, conv2d(y, w)>: one is the other's adjoint. */
TEST(conv_transpose2d_is_adjoint_of_conv2d)
{
    wk_rng_seed(5);
    wk_conv_opts o = {{2, 3}, {1, 2}, {2, 1}, {1, 2}, 2};
    wk_tensor x, w, t = {0}, y, c = {0};
    wk_workspace ws = {0};
    x = randn(4, (int64_t[]){2, 4, 5, 6});   /* conv_transpose2d input, conv2d output side */
    w = randn(4, (int64_t[]){4, 3, 3, 4});
    CHECK(wk_conv_transpose2d_forward(&t, &x, &w, NULL, &ws, &o) == WK_OK);
    y = randn(4, t.shape);
    CHECK(wk_conv2d_forward(&c, &y, &w, NULL, &ws, &o) == WK_OK);
    CHECK(wk_tensor_same_shape(&c, &x));
    double a = 0, bsum = 0;
    for (int64_t i = 0; i < wk_tensor_numel(&t); i++) a += (double)wk_tensor_data(&t)[i] * wk_tensor_data(&y)[i];
    for (int64_t i = 0; i < wk_tensor_numel(&x); i++) bsum += (double)wk_tensor_data(&x)[i] * wk_tensor_data(&c)[i];
    printf("    <T x, y> = %.6f, <x, C y> = %.6f\n", a, bsum);
    CHECK_NEAR(a, bsum, 1e-4 * (1 + fabs(a)));
    wk_tensor_release(&x); wk_tensor_release(&w); wk_tensor_release(&t); wk_tensor_release(&y);
    wk_tensor_release(&c);
    wk_workspace_free(&ws);
}

TEST(backward_accumulates_and_output_is_reused)
{
    wk_rng_seed(6);
    wk_conv_opts o = wk_conv_opts_default();
    o.padding[0] = o.padding[1] = 1;
    wk_tensor x, w, b, y = {0}, gy, gx, gw, gb;
    wk_workspace ws = {0};
    x = randn(4, (int64_t[]){3, 2, 6, 6});
    w = randn(4, (int64_t[]){5, 2, 3, 3});
    b = randn(1, (int64_t[]){5});
    CHECK(wk_conv2d_forward(&y, &x, &w, &b, &ws, &o) == WK_OK);
    float *ydata = wk_tensor_data(&y), y0 = ydata[17];
    wk_tensor_fill_(&y, 99.0f);
    CHECK(wk_conv2d_forward(&y, &x, &w, &b, &ws, &o) == WK_OK);   /* overwrites, no new storage */
    CHECK(wk_tensor_data(&y) == ydata);
    CHECK_NEAR(ydata[17], y0, 0);
    gy = randn(4, y.shape);
    zeros(&gx, 4, x.shape); zeros(&gw, 4, w.shape); zeros(&gb, 1, b.shape);
    CHECK(wk_conv2d_backward(&gx, &gw, &gb, &gy, &x, &w, &ws, &o) == WK_OK);
    float gx1 = wk_tensor_data(&gx)[11], gw1 = wk_tensor_data(&gw)[7], gb1 = wk_tensor_data(&gb)[2];
    size_t cap = ws.capacity;
    CHECK(wk_conv2d_backward(&gx, &gw, &gb, &gy, &x, &w, &ws, &o) == WK_OK);
    CHECK(ws.capacity == cap);   /* steady state: the workspace does not grow */
    CHECK_NEAR(wk_tensor_data(&gx)[11], 2 * gx1, 1e-5 * (1 + fabs(gx1)));
    CHECK_NEAR(wk_tensor_data(&gw)[7], 2 * gw1, 1e-5 * (1 + fabs(gw1)));
    CHECK_NEAR(wk_tensor_data(&gb)[2], 2 * gb1, 1e-5 * (1 + fabs(gb1)));
    CHECK(gx1 != 0.0f && gw1 != 0.0f && gb1 != 0.0f);
    wk_tensor_release(&x); wk_tensor_release(&w); wk_tensor_release(&b); wk_tensor_release(&y);
    wk_tensor_release(&gy); wk_tensor_release(&gx); wk_tensor_release(&gw); wk_tensor_release(&gb);
    wk_workspace_free(&ws);
}

/* ---- errors -------------------------------------------------------------------- */

TEST(bad_shapes_fail_with_clear_messages)
{
    wk_conv_opts o = wk_conv_opts_default();
    wk_workspace ws = {0};
    wk_tensor x3, x, w1, w, b, y = {0}, gx, gy, t;
    wk_tensor_zeros(&x3, 3, (int64_t[]){3, 28, 28});
    wk_tensor_zeros(&x, 4, (int64_t[]){2, 3, 28, 28});
    wk_tensor_zeros(&w1, 4, (int64_t[]){32, 1, 3, 3});
    wk_tensor_zeros(&w, 4, (int64_t[]){8, 3, 3, 3});
    wk_tensor_zeros(&b, 1, (int64_t[]){7});
    CHECK(fails_with(wk_conv2d_forward(&y, &x3, &w1, NULL, &ws, &o),
                     "conv2d: input must be 4-D (N,C,H,W), got 3-D [3,28,28]"));
    CHECK(fails_with(wk_conv2d_forward(&y, &x, &w1, NULL, &ws, &o), "conv2d: input has 3 channels, weight expects 1"));
    CHECK(fails_with(wk_conv2d_forward(&y, &x, &w, &b, &ws, &o), "conv2d: bias must have 8 entries"));
    CHECK(fails_with(wk_conv2d_forward(&y, &x, &x3, NULL, &ws, &o), "conv2d: weight must be 4-D"));
    o.groups = 2;
    CHECK(fails_with(wk_conv2d_forward(&y, &x, &w, NULL, &ws, &o), "weight expects 6 (2 groups of 3)"));
    o = wk_conv_opts_default();
    o.stride[1] = 0;
    CHECK(fails_with(wk_conv2d_forward(&y, &x, &w, NULL, &ws, &o), "conv2d: stride must be >= 1, got 0"));
    o = wk_conv_opts_default();
    o.dilation[0] = 20;
    CHECK(fails_with(wk_conv2d_forward(&y, &x, &w, NULL, &ws, &o), "is too small for a 3x3 kernel"));
    o = wk_conv_opts_default();
    wk_tensor_zeros(&t, 4, (int64_t[]){2, 8, 26, 27});
    CHECK(fails_with(wk_conv2d_forward(&t, &x, &w, NULL, &ws, &o), "conv2d: output must be [2,8,26,26], got [2,8,26,27]"));
    wk_tensor tt;
    wk_tensor_transpose(&tt, &x, 2, 3);
    CHECK(fails_with(wk_conv2d_forward(&y, &tt, &w, NULL, &ws, &o), "must be contiguous"));
    CHECK(y.storage == NULL);   /* nothing allocated on failure */
    wk_tensor_zeros(&gy, 4, (int64_t[]){2, 8, 25, 26});
    wk_tensor_zeros(&gx, 4, (int64_t[]){2, 3, 28, 28});
    CHECK(fails_with(wk_conv2d_backward(&gx, NULL, NULL, &gy, &x, &w, &ws, &o),
                     "conv2d backward: grad_output must be [2,8,26,26], got [2,8,25,26]"));
    wk_tensor_release(&gy);
    wk_tensor_zeros(&gy, 4, (int64_t[]){2, 8, 26, 26});
    CHECK(fails_with(wk_conv2d_backward(&gx, &b, NULL, &gy, &x, &w, &ws, &o),
                     "conv2d backward: grad_weight must be [8,3,3,3], got [7]"));
    o.output_padding[0] = 1;
    CHECK(fails_with(wk_conv_transpose2d_forward(&y, &x, &w, NULL, &ws, &o),
                     "conv_transpose2d: output_padding must be in [0, max(stride, dilation)) = [0, 1), got 1"));
    o = wk_conv_opts_default();
    CHECK(fails_with(wk_conv_transpose2d_forward(&y, &x, &w, NULL, &ws, &o),
                     "conv_transpose2d: input has 3 channels, weight expects 8"));
    wk_tensor_release(&x3); wk_tensor_release(&x); wk_tensor_release(&w1); wk_tensor_release(&w);
    wk_tensor_release(&b); wk_tensor_release(&t); wk_tensor_release(&tt); wk_tensor_release(&gy);
    wk_tensor_release(&gx);
    wk_workspace_free(&ws);
}

/* Issue 10: options near INT_MAX (a sketch may pass any int) are refused before the
 * shape arithmetic, which wrapped int and int64 (UBSan) and could size a wrong GEMM. */
TEST(huge_options_are_refused_before_overflowing)
{
    wk_workspace ws = {0};
    wk_tensor x, w3, wlong, y = {0};
    wk_tensor_zeros(&x, 4, (int64_t[]){1, 1, 4, 4});
    wk_tensor_zeros(&w3, 4, (int64_t[]){1, 1, 3, 3});
    wk_tensor_zeros(&wlong, 4, (int64_t[]){1, 1, 1, 600});
    wk_conv_opts o = wk_conv_opts_default();
    o.padding[0] = o.padding[1] = INT32_MAX;   /* 2 * padding wrapped an int */
    CHECK(fails_with(wk_conv2d_forward(&y, &x, &w3, NULL, &ws, &o), "too large for BLAS"));
    o = wk_conv_opts_default();
    o.dilation[1] = INT32_MAX;   /* dilation * (kW - 1) past 2^40 */
    CHECK(fails_with(wk_conv2d_forward(&y, &x, &wlong, NULL, &ws, &o), "absurd output size"));
    CHECK(fails_with(wk_conv_transpose2d_forward(&y, &x, &wlong, NULL, &ws, &o), "absurd output size"));
    o = wk_conv_opts_default();
    o.stride[0] = o.stride[1] = INT32_MAX;   /* (H - 1) * stride: a plane beyond BLAS's int */
    CHECK(fails_with(wk_conv_transpose2d_forward(&y, &x, &w3, NULL, &ws, &o), "too large for BLAS"));
    CHECK(y.storage == NULL);
    wk_tensor_release(&x); wk_tensor_release(&w3); wk_tensor_release(&wlong);
    wk_workspace_free(&ws);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   /* lines in order with a sanitizer's report */
    RUN(conv2d_matches_naive_float64);
    RUN(conv_transpose2d_matches_naive_float64);
    RUN(conv2d_random_shapes);
    RUN(conv2d_backward_matches_finite_differences);
    RUN(conv_transpose2d_is_adjoint_of_conv2d);
    RUN(backward_accumulates_and_output_is_reused);
    RUN(bad_shapes_fail_with_clear_messages);
    RUN(huge_options_are_refused_before_overflowing);
    return check_summary("conv");
}
