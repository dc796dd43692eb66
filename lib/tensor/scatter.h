/* scatter.h — accumulating writes by index: the adjoints of index_select and gather,
 * which autograd's backward pass needs (embedding lookups, class picks).
 * Index values count from `base` (1 from Lua), as in index.h. */
#ifndef WK_SCATTER_H
#define WK_SCATTER_H

#include "tensor.h"

/* dst.select(dim, index[i] - base) += src.select(dim, i), for each i of the 1-D index.
 * src has dst's shape except size len(index) on dim. */
int wk_tensor_index_add_(wk_tensor *dst, int dim, const wk_tensor *index, const wk_tensor *src, int base);

/* PyTorch scatter_add_: for a 3-D dst and dim = 1,
 *   dst[i][index[i][j][k] - base][k] += src[i][j][k]; index and src share one shape. */
int wk_tensor_scatter_add_(wk_tensor *dst, int dim, const wk_tensor *index, const wk_tensor *src, int base);

#endif
