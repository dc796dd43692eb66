/* conv_reference.h — what the Winograd tests (test_winograd.c, test_winograd_s2.c) hold
 * wick's convolutions against: a direct conv2d in float64 with its two gradients,
 * written from the formula, and the comparisons they make (within a tolerance of the
 * reference's scale; the same bits on two thread counts). Static inline, as
 * tensor_fixtures.h. */
#ifndef WK_CONV_REFERENCE_H
#define WK_CONV_REFERENCE_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "tensor_fixtures.h"

/* One case's shape: x (N, Ci, H, W), a square k x k kernel at stride s, padding pad on
 * every side, y (N, Co, Ho, Wo). */
typedef struct conv_ref_shape {
    int64_t N, Ci, H, W, Co, k, s, pad, Ho, Wo;
} conv_ref_shape;

/* y = conv2d(x, w, b) and the gradients of sum(y * gy) with respect to x and w, in
 * double, directly. */
static inline void conv_reference(const conv_ref_shape *c, const float *x, const float *w, const float *b,
                                  const float *gy, double *y, double *gx, double *gw)
{
    const int64_t kk = c->k * c->k;
    memset(gx, 0, sizeof(double) * (size_t)(c->N * c->Ci * c->H * c->W));
    memset(gw, 0, sizeof(double) * (size_t)(c->Co * c->Ci * kk));
    for (int64_t n = 0; n < c->N; n++)
        for (int64_t o = 0; o < c->Co; o++)
            for (int64_t i = 0; i < c->Ho; i++)
                for (int64_t j = 0; j < c->Wo; j++) {
                    double s = b ? b[o] : 0.0, d = gy[((n * c->Co + o) * c->Ho + i) * c->Wo + j];
                    for (int64_t ci = 0; ci < c->Ci; ci++)
                        for (int64_t p = 0; p < c->k; p++)
                            for (int64_t q = 0; q < c->k; q++) {
                                int64_t ih = c->s * i - c->pad + p, iw = c->s * j - c->pad + q;
                                if (ih < 0 || ih >= c->H || iw < 0 || iw >= c->W) continue;
                                int64_t xi = ((n * c->Ci + ci) * c->H + ih) * c->W + iw;
                                int64_t wi = (o * c->Ci + ci) * kk + p * c->k + q;
                                s += (double)w[wi] * x[xi];
                                gx[xi] += d * w[wi];
                                gw[wi] += d * x[xi];
                            }
                    y[((n * c->Co + o) * c->Ho + i) * c->Wo + j] = s;
                }
}

/* t's values drawn from the standard normal (wick's generator). */
static inline void fill_normal(wk_tensor *t)
{
    float *p = wk_tensor_data(t);
    for (int64_t i = 0; i < wk_tensor_numel(t); i++) p[i] = wk_rng_normal();
}

/* max |t - ref| against a tolerance relative to the reference's scale. */
static inline void conv_ref_compare(const char *what, const wk_tensor *t, const double *ref)
{
    double md = max_diff(t, ref), mr = 0;
    for (int64_t i = 0; i < wk_tensor_numel(t); i++)
        if (fabs(ref[i]) > mr) mr = fabs(ref[i]);
    double tol = 2e-5 * (1 + mr);
    printf("    %-22s max diff %.3g (scale %.3g, tol %.3g)\n", what, md, mr, tol);
    CHECK_NEAR(md, 0.0, tol);
}

static inline int conv_ref_same_bits(const wk_tensor *a, const wk_tensor *b)
{
    return memcmp(wk_tensor_data(a), wk_tensor_data(b), sizeof(float) * (size_t)wk_tensor_numel(a)) == 0;
}

#endif
