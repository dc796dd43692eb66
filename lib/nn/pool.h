/* pool.h — 2-D pooling and resampling on float32 NCHW tensors: max and average pooling,
 * adaptive average pooling, and nearest / bilinear upsampling, forward and backward.
 *
 * Same conventions as conv.h: contiguous NCHW tensors, shapes checked with messages
 * naming the function and the shapes; a forward `output` is empty (allocated here) or
 * exactly the output shape (overwritten); backward kernels ACCUMULATE (+=) into
 * grad_input, which the caller allocates with the input's shape and zeroes. Results
 * follow PyTorch 1.13's CPU kernels (max_pool2d, avg_pool2d, adaptive_avg_pool2d,
 * interpolate 'nearest' and 'bilinear' with align_corners=False). */
#ifndef WK_NN_POOL_H
#define WK_NN_POOL_H

#include <stdint.h>

#include "../tensor/tensor.h"

/* Every pair is (h, w). */
typedef struct wk_pool_opts {
    int kernel[2];          /* >= 1 */
    int stride[2];          /* >= 1 (PyTorch's default is the kernel size) */
    int padding[2];         /* 0 <= padding <= kernel/2 (max: effective kernel/2) */
    int dilation[2];        /* >= 1; maxpool2d only (avgpool2d needs 1) */
    int ceil_mode;          /* 1: round the output size up (a last partial window) */
    int count_include_pad;  /* avgpool2d: 1 (PyTorch's default) divides by the window
                               including padding, 0 by the in-image part only */
} wk_pool_opts;

/* kernel kh x kw, stride = kernel, no padding, dilation 1, floor, count_include_pad. */
static inline wk_pool_opts wk_pool_opts_make(int kh, int kw)
{
    wk_pool_opts o = {{kh, kw}, {kh, kw}, {0, 0}, {1, 1}, 0, 1};
    return o;
}

/* out = (N, C, H_out, W_out) for max/avg pooling an input (N, C, H, W):
 * H_out = floor_or_ceil((H + 2p - d(k-1) - 1) / s) + 1, and with ceil_mode the last
 * window must start inside the image or its left padding. */
int wk_pool2d_output_shape(int64_t out[4], const int64_t in[4], const wk_pool_opts *o);

/* ---- max pooling ----------------------------------------------------------------

   y[n,c,i,j] = max over the window of x (padding never wins; NaN propagates).
   indices (N, C, H_out, W_out) int32: the argmax's flat index ih*W + iw in its plane
   (as PyTorch's return_indices), written by forward and read by backward. A
   wk_workspace of numel(output) floats is a fine home for it (same size). */
int wk_maxpool2d_forward(wk_tensor *output, int32_t *indices, const wk_tensor *input,
                         const wk_pool_opts *o);
/* grad_input[n,c,indices[n,c,i,j]] += grad_output[n,c,i,j] */
int wk_maxpool2d_backward(wk_tensor *grad_input, const wk_tensor *grad_output,
                          const int32_t *indices, const wk_pool_opts *o);

/* ---- average pooling ------------------------------------------------------------

   y[n,c,i,j] = sum of x over the window's in-image part / divisor, the divisor being
   the window clipped to the padded image (count_include_pad) or to the image. */
int wk_avgpool2d_forward(wk_tensor *output, const wk_tensor *input, const wk_pool_opts *o);
/* grad_input[window] += grad_output[n,c,i,j] / divisor */
int wk_avgpool2d_backward(wk_tensor *grad_input, const wk_tensor *grad_output, const wk_pool_opts *o);

/* ---- adaptive average pooling ----------------------------------------------------

   Output (N, C, out_h, out_w); window i covers rows [floor(i*H/out_h), ceil((i+1)*H/out_h)). */
int wk_adaptive_avgpool2d_forward(wk_tensor *output, const wk_tensor *input, int64_t out_h, int64_t out_w);
/* grad_input's shape gives the input size. */
int wk_adaptive_avgpool2d_backward(wk_tensor *grad_input, const wk_tensor *grad_output);

/* ---- upsampling -----------------------------------------------------------------

   nearest:  y[i] = x[min(floor(i * r), H-1)]
   bilinear: src = max(r * (i + 0.5) - 0.5, 0), y = lerp of x[floor(src)], x[floor(src)+1]
             (align_corners = false)
   with r = 1/scale when a scale is given, else H/H_out (per axis). */
enum { WK_UPSAMPLE_NEAREST = 0, WK_UPSAMPLE_BILINEAR = 1 };

typedef struct wk_upsample_opts {
    int mode;          /* WK_UPSAMPLE_NEAREST or WK_UPSAMPLE_BILINEAR */
    int64_t size[2];   /* output (H_out, W_out); 0: floor(H * scale) */
    double scale[2];   /* scale factor; 0: taken from the sizes */
} wk_upsample_opts;

int wk_upsample2d_output_shape(int64_t out[4], const int64_t in[4], const wk_upsample_opts *o);
int wk_upsample2d_forward(wk_tensor *output, const wk_tensor *input, const wk_upsample_opts *o);
/* The adjoint: grad_input += upsample^T(grad_output); grad_input's shape gives the input. */
int wk_upsample2d_backward(wk_tensor *grad_input, const wk_tensor *grad_output, const wk_upsample_opts *o);

#endif
