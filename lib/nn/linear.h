/* linear.h — the fully connected layer y = x w^T + b as one kernel each way, so a
 * layer is one graph node (not a transpose, a matmul and a broadcast add) and the
 * bias rides in the GEMM (rows of y start as b, beta = 1).
 *
 *   x (R, in), w (out, in), b (out) or NULL, y (R, out); all contiguous float32.
 *   backward: gx (R, in) = g w,  gw (out, in) = g^T x,  gb (out) = column sums of g;
 *   each may be NULL (not wanted) and each is OVERWRITTEN (the caller accumulates).
 *
 * The GEMMs go through wk_sgemm (fixed blocks), the bias sums run row by row in a fixed
 * order: the same bits on any thread count. */
#ifndef WK_NN_LINEAR_H
#define WK_NN_LINEAR_H

#include "../tensor/tensor.h"

/* y must be empty (allocated here) or (R, out). */
int wk_linear_forward(wk_tensor *y, const wk_tensor *x, const wk_tensor *w, const wk_tensor *b);

/* gx, gw, gb: empty tensors to allocate, or NULL. */
int wk_linear_backward(wk_tensor *gx, wk_tensor *gw, wk_tensor *gb, const wk_tensor *g, const wk_tensor *x,
                       const wk_tensor *w);

#endif
