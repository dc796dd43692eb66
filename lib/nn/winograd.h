/* winograd.h — 3x3 stride-1 convolutions by Winograd's minimal filtering F(4x4, 3x3),
 * the path conv.c takes for the 3x3 layers that dominate VGG-style nets, Deep Dream and
 * style transfer (see winograd.c for the method and the measurements).
 *
 * Internal to lib/nn: conv.c checks shapes and options, then calls these on raw NCHW
 * float buffers. */
#ifndef WK_NN_WINOGRAD_H
#define WK_NN_WINOGRAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct wk_wino_geom {
    int64_t N, Ci, H, W;     /* input (N, Ci, H, W) */
    int64_t Co, Ho, Wo;      /* output (N, Co, Ho, Wo), Ho = H + 2*pH - 2 */
    int64_t pH, pW;          /* zero padding, 0 <= p <= 2 */
} wk_wino_geom;

/* Whether F(4x4, 3x3) pays for this conv (enough channels and output; decided from the
 * shape alone). The caller has already checked: 3x3 kernel, stride 1, dilation 1, one
 * group. */
int wk_winograd_applies(const wk_wino_geom *g);

/* Floats of workspace the forward pass (with_wgrad = 0) or the weight gradient (1) needs,
 * for all threads. */
size_t wk_winograd_floats(const wk_wino_geom *g, int with_wgrad);

/* y (N, Co, Ho, Wo) = bias + conv(x (N, Ci, H, W), w (Co, Ci, 3, 3)); accumulate = 1
 * adds into y instead (then bias must be NULL). buf: wk_winograd_floats(g, 0) floats. */
void wk_winograd_forward(float *y, const float *x, const float *w, const float *bias, int accumulate,
                         const wk_wino_geom *g, float *buf);

/* gx (N, Ci, H, W) += dL/dx for output gradient dy (N, Co, Ho, Wo): the adjoint of the
 * forward, tile by tile. buf: wk_winograd_floats(g, 0) floats. */
void wk_winograd_data(float *gx, const float *dy, const float *w, const wk_wino_geom *g, float *buf);

/* gw (Co, Ci, 3, 3) += dL/dw for output gradient dy (N, Co, Ho, Wo) and input x.
 * buf: wk_winograd_floats(g, 1) floats. */
void wk_winograd_wgrad(float *gw, const float *dy, const float *x, const wk_wino_geom *g, float *buf);

#endif
