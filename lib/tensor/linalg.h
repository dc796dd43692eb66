/* linalg.h — products of tensors on OpenBLAS: matmul (NumPy/PyTorch semantics), dot and
 * outer.
 *
 * matmul reads its operands in place whenever BLAS can: a 2-D view with unit stride on
 * either axis (a plain matrix or a transposed one) goes to sgemm/sgemv as it is, with
 * CblasTrans for the transposed case; only a matrix with unit stride on neither axis
 * (a strided narrow, an expanded row) is copied first. Batch dimensions broadcast and are
 * walked in C, one BLAS call per matrix, or a single call when the batch folds into rows.
 * Conventions as in tensor.h: dst first and empty on entry; WK_OK or WK_ERR. */
#ifndef WK_LINALG_H
#define WK_LINALG_H

#include "tensor.h"

/* Result shape of matmul(a, b) into (ndim, shape), or fail with
 * "shapes [3,4] and [5,6] do not match". Rules, as NumPy:
 *   [k]·[k] -> []            [m,k]·[k,n] -> [m,n]
 *   [k]·[...,k,n] -> [...,n] [...,m,k]·[k] -> [...,m]
 *   [...,m,k]·[...,k,n] -> [broadcast(...),m,n] */
int wk_matmul_shape(int *ndim, int64_t *shape, const wk_tensor *a, const wk_tensor *b);

/* dst = a @ b, a new contiguous tensor. */
int wk_tensor_matmul(wk_tensor *dst, const wk_tensor *a, const wk_tensor *b);

/* The same into an existing dst of exactly the result shape (reused across steps so a
 * training loop allocates nothing). dst may be any layout and may share storage with a
 * or b: then the product goes through a temporary first. */
int wk_tensor_matmul_out(wk_tensor *dst, const wk_tensor *a, const wk_tensor *b);

/* dst = sum_i a[i] * b[i] as a 0-D tensor; a and b 1-D of one length. */
int wk_tensor_dot(wk_tensor *dst, const wk_tensor *a, const wk_tensor *b);

/* dst[i][j] = a[i] * b[j]; a [m], b [n] -> dst [m,n]. */
int wk_tensor_outer(wk_tensor *dst, const wk_tensor *a, const wk_tensor *b);

#endif
