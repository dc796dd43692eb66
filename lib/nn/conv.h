/* conv.h — 2-D convolution and transposed convolution on float32 NCHW tensors.
 *
 * Kernels in the THNN manner: stateless, fixed argument order (outputs, inputs,
 * weights, workspace, hyper-parameters), scratch from a caller-owned wk_workspace so
 * a training step allocates nothing once the workspace has grown. Conventions:
 *   - every tensor must be contiguous float32 NCHW; shapes are checked and a bad one
 *     fails with a message naming the function and the shapes;
 *   - a forward `output` is either empty (storage NULL: allocated here with the right
 *     shape) or a contiguous tensor of exactly the output shape (overwritten);
 *   - backward kernels ACCUMULATE (+=) into every gradient they are given, as THNN's
 *     accGradParameters does; the caller zeroes them. NULL means "not wanted";
 *   - bias may be NULL (no bias).
 * Weights follow PyTorch: conv2d (C_out, C_in/groups, kH, kW); conv_transpose2d
 * (C_in, C_out/groups, kH, kW). */
#ifndef WK_NN_CONV_H
#define WK_NN_CONV_H

#include <stdint.h>

#include "../core/workspace.h"
#include "../tensor/tensor.h"

/* Hyper-parameters; every pair is (h, w). */
typedef struct wk_conv_opts {
    int stride[2];          /* >= 1 */
    int padding[2];         /* >= 0 (zero padding) */
    int dilation[2];        /* >= 1 */
    int output_padding[2];  /* conv_transpose2d only: 0 <= op < max(stride, dilation) */
    int groups;             /* >= 1, divides both channel counts */
} wk_conv_opts;

/* stride 1, padding 0, dilation 1, output_padding 0, groups 1. */
static inline wk_conv_opts wk_conv_opts_default(void)
{
    wk_conv_opts o = {{1, 1}, {0, 0}, {1, 1}, {0, 0}, 1};
    return o;
}

/* ---- conv2d ---------------------------------------------------------------------

   y[n,o,i,j] = b[o] + sum_{c,p,q} w[o,c,p,q] * x[n, g*Cg + c, i*sh - ph + p*dh, j*sw - pw + q*dw]
   where g = o / (C_out/groups), Cg = C_in/groups, and x is 0 outside the image.
   H_out = floor((H + 2*ph - dh*(kH-1) - 1) / sh) + 1, likewise W_out. */

/* out_shape = (N, C_out, H_out, W_out) for an input of in_shape (N, C_in, H, W) and a
 * weight of w_shape (C_out, C_in/groups, kH, kW); checks everything forward checks
 * about shapes. */
int wk_conv2d_output_shape(int64_t out_shape[4], const int64_t in_shape[4],
                           const int64_t w_shape[4], const wk_conv_opts *o);

/* output (N, C_out, H_out, W_out) = conv2d(input (N, C_in, H, W), weight, bias (C_out)). */
int wk_conv2d_forward(wk_tensor *output, const wk_tensor *input, const wk_tensor *weight,
                      const wk_tensor *bias, wk_workspace *ws, const wk_conv_opts *o);

/* grad_input  (N, C_in, H, W)        += dL/dx = col2im(w^T . dy)
 * grad_weight (C_out, C_in/g, kH, kW) += dL/dw = sum_n dy . im2col(x)^T
 * grad_bias   (C_out)                 += dL/db = sum_{n,i,j} dy[n,o,i,j]
 * Any of the three may be NULL. input is needed only for grad_weight, weight only for
 * grad_input, but both are always checked. */
int wk_conv2d_backward(wk_tensor *grad_input, wk_tensor *grad_weight, wk_tensor *grad_bias,
                       const wk_tensor *grad_output, const wk_tensor *input,
                       const wk_tensor *weight, wk_workspace *ws, const wk_conv_opts *o);

/* ---- conv_transpose2d -----------------------------------------------------------

   The adjoint of conv2d with respect to its input (PyTorch's ConvTranspose2d):
   y[n, g*Cg_out + c, i*sh - ph + p*dh, j*sw - pw + q*dw] += w[k, c, p, q] * x[n, k, i, j]
   summed over k in group g; then y += b. Weight (C_in, C_out/groups, kH, kW).
   H_out = (H - 1)*sh - 2*ph + dh*(kH-1) + oph + 1, likewise W_out. */

int wk_conv_transpose2d_output_shape(int64_t out_shape[4], const int64_t in_shape[4],
                                     const int64_t w_shape[4], const wk_conv_opts *o);

/* output (N, C_out, H_out, W_out) = conv_transpose2d(input (N, C_in, H, W), weight, bias). */
int wk_conv_transpose2d_forward(wk_tensor *output, const wk_tensor *input, const wk_tensor *weight,
                                const wk_tensor *bias, wk_workspace *ws, const wk_conv_opts *o);

/* grad_input  (N, C_in, H, W)         += conv2d(dy, w)  (w read as a conv2d weight)
 * grad_weight (C_in, C_out/g, kH, kW) += sum_n x . im2col(dy)^T
 * grad_bias   (C_out)                 += sum_{n,i,j} dy[n,o,i,j]        (any may be NULL) */
int wk_conv_transpose2d_backward(wk_tensor *grad_input, wk_tensor *grad_weight,
                                 wk_tensor *grad_bias, const wk_tensor *grad_output,
                                 const wk_tensor *input, const wk_tensor *weight,
                                 wk_workspace *ws, const wk_conv_opts *o);


#endif
