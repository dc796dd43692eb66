/* reduce.h — reductions over a whole tensor or along one dimension: sum, mean, var,
 * std, norm, max/min (with their indices), argmax/argmin.
 *
 * `dim` is 0-based, or WK_ALL_DIMS to reduce every element into a 0-D tensor. With a
 * dim the result has that dimension removed, or kept with size 1 when keepdim is set.
 * The result (and indices) are new contiguous tensors written to dst, which must be
 * empty on entry. Sums accumulate in double, so 16 M floats add up to within float
 * rounding of the exact value. Inputs may be any strided view.
 *
 * Indices are 0-based here and stored as floats (the one tensor type), exact up to
 * 2^24; the Lua binding adds 1. A full-tensor argmax gives the flat row-major index.
 *
 * Empty inputs: sum and norm give 0, mean/var/std give NaN, and max, min, argmax and
 * argmin fail with "cannot take max of an empty tensor of shape [0,3]". NaN propagates:
 * max/min/argmax/argmin pick the first NaN, as NumPy and PyTorch do. */
#ifndef WK_REDUCE_H
#define WK_REDUCE_H

#include "tensor.h"

#define WK_ALL_DIMS (-1)

int wk_tensor_sum(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim);
int wk_tensor_mean(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim);
/* Variance Σ(x-mean)²/(n-1) when unbiased (PyTorch's default), else /n. */
int wk_tensor_var(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim, int unbiased);
int wk_tensor_std(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim, int unbiased);
/* (Σ|x|^p)^(1/p); p = INFINITY is max|x|, -INFINITY min|x|, 0 counts nonzeros. */
int wk_tensor_norm(wk_tensor *dst, const wk_tensor *src, double p, int dim, int keepdim);
/* values and (if indices is not NULL) the 0-based position of each max/min. */
int wk_tensor_max(wk_tensor *values, wk_tensor *indices, const wk_tensor *src, int dim, int keepdim);
int wk_tensor_min(wk_tensor *values, wk_tensor *indices, const wk_tensor *src, int dim, int keepdim);
int wk_tensor_argmax(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim);
int wk_tensor_argmin(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim);

/* Sum of every element in double, for C callers that want a number (losses, tests). */
double wk_tensor_sum_all(const wk_tensor *src);

#endif
