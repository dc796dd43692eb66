/* winograd_s2.h — 4x4 stride-2 convolutions (a DCGAN's every layer but its first and
 * last) by space-to-depth and Winograd's F(2x2, 2x2): 9 multiplications per 2x2 output
 * tile and input phase channel where im2col's GEMM does 16 (see winograd_s2.c).
 *
 * Internal to lib/nn: conv.c checks shapes and options, then calls these on raw NCHW
 * float buffers, with the geometry of winograd.h (Ho = (H + 2*pH - 4) / 2 + 1). */
#ifndef WK_NN_WINOGRAD_S2_H
#define WK_NN_WINOGRAD_S2_H

#include <stddef.h>
#include <stdint.h>

#include "winograd.h"

/* Whether F(2x2, 2x2) pays for this conv (decided from the shape alone). The caller has
 * already checked: 4x4 kernel, stride 2, dilation 1, one group. */
int wk_wino_s2_applies(const wk_wino_geom *g);

/* Floats of workspace the forward pass or the input gradient (with_wgrad = 0) or the
 * weight gradient (1) needs, for all threads. */
size_t wk_wino_s2_floats(const wk_wino_geom *g, int with_wgrad);

/* y (N, Co, Ho, Wo) = bias + conv(x (N, Ci, H, W), w (Co, Ci, 4, 4)); accumulate = 1
 * adds into y instead (then bias must be NULL). buf: wk_wino_s2_floats(g, 0) floats. */
void wk_wino_s2_forward(float *y, const float *x, const float *w, const float *bias, int accumulate,
                        const wk_wino_geom *g, float *buf);

/* gx (N, Ci, H, W) += dL/dx for output gradient dy (N, Co, Ho, Wo): the adjoint of the
 * forward. buf: wk_wino_s2_floats(g, 0) floats. */
void wk_wino_s2_data(float *gx, const float *dy, const float *w, const wk_wino_geom *g, float *buf);

/* gw (Co, Ci, 4, 4) += dL/dw for output gradient dy (N, Co, Ho, Wo) and input x.
 * buf: wk_wino_s2_floats(g, 1) floats. */
void wk_wino_s2_wgrad(float *gw, const float *dy, const float *x, const wk_wino_geom *g, float *buf);

#endif
