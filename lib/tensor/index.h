/* index.h — joining, picking and ordering elements: cat, stack, index_select, gather,
 * masked_fill, sort and topk.
 *
 * Index tensors are float32 like every wick tensor and hold whole numbers. Dims are
 * 0-based (tensor.h), but the *values* in an index tensor count from `base`: the Lua
 * bindings pass 1 so Lua's 1-based indices are read and written without a conversion
 * pass, C callers pass 0 (Torch7's TH_INDEX_BASE, made an argument). Messages always
 * quote an index as the user wrote it and dims 1-based, like the rest of lib.
 * Conventions as in tensor.h: dst first and empty on entry; WK_OK or WK_ERR. */
#ifndef WK_INDEX_H
#define WK_INDEX_H

#include "tensor.h"

/* Join n tensors along an existing dim; sizes must agree on every other dim. */
int wk_tensor_cat(wk_tensor *dst, int n, const wk_tensor *const *list, int dim);

/* Join n tensors of one shape along a new dim (0 .. ndim). */
int wk_tensor_stack(wk_tensor *dst, int n, const wk_tensor *const *list, int dim);

/* dst = src with dim reduced to the entries index lists (1-D, repeats allowed):
 * dst.select(dim, i) == src.select(dim, index[i] - base). */
int wk_tensor_index_select(wk_tensor *dst, const wk_tensor *src, int dim, const wk_tensor *index, int base);

/* PyTorch gather: dst has index's shape and, for dim = 1 of a 3-D src,
 *   dst[i][j][k] = src[i][index[i][j][k] - base][k].
 * index has src's ndim and no larger sizes than src outside dim. */
int wk_tensor_gather(wk_tensor *dst, const wk_tensor *src, int dim, const wk_tensor *index, int base);

/* Where mask (broadcast to t's shape) is non-zero, set value. The pure form makes dst a
 * filled copy of src. NaN in the mask counts as non-zero. */
int wk_tensor_masked_fill_(wk_tensor *t, const wk_tensor *mask, float value);
int wk_tensor_masked_fill(wk_tensor *dst, const wk_tensor *src, const wk_tensor *mask, float value);

/* Sort every slice along dim, stable. values gets the sorted elements, indices their
 * positions in src (counting from base). NaN is treated as larger than +inf, so it
 * sorts last ascending and first descending, as in PyTorch. */
int wk_tensor_sort(wk_tensor *values, wk_tensor *indices, const wk_tensor *src, int dim, int descending, int base);

/* The k largest (or smallest) of every slice along dim, in sorted order, ties kept in
 * index order; values and indices have size k on dim. */
int wk_tensor_topk(wk_tensor *values, wk_tensor *indices, const wk_tensor *src, int64_t k, int dim, int largest,
                   int base);

#endif
