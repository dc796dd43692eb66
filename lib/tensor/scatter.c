/* scatter.c — index_add_ and scatter_add_ (see scatter.h). Both walk the index once and
 * add whole rows or single elements; indices are checked before anything is written,
 * so a bad index leaves dst untouched. */
#include "scatter.h"

#include <math.h>
#include <string.h>

/* Read index value k as a 0-based position in [0, size), or fail naming it. */
static int index_value(float v, int base, int64_t size, int dim, int64_t *out, const char *fname)
{
    double d = (double)v - base;
    if (!(d == floor(d)) || d < 0 || d >= (double)size)
        return wk_fail("%s: index %g is out of range for dimension %d of size %lld", fname, (double)v, dim + 1,
                       (long long)size);
    *out = (int64_t)d;
    return WK_OK;
}

int wk_tensor_index_add_(wk_tensor *dst, int dim, const wk_tensor *index, const wk_tensor *src, int base)
{
    char a[160], b[160];
    if (dim < 0 || dim >= dst->ndim) return wk_fail("index_add: dimension %d out of range", dim + 1);
    if (index->ndim != 1) return wk_fail("index_add: index must be 1-D, got %s", wk_tensor_shape_str(index, a, sizeof a));
    int64_t n = index->shape[0];
    int ok = src->ndim == dst->ndim && src->shape[dim] == n;
    for (int d = 0; ok && d < dst->ndim; d++)
        if (d != dim && src->shape[d] != dst->shape[d]) ok = 0;
    if (!ok)
        return wk_fail("index_add: source of shape %s does not fit %s with %lld indices on dimension %d",
                       wk_tensor_shape_str(src, a, sizeof a), wk_tensor_shape_str(dst, b, sizeof b), (long long)n,
                       dim + 1);
    const float *idx = wk_tensor_data(index);
    for (int64_t i = 0; i < n; i++) {
        int64_t pos;
        if (index_value(idx[i * index->stride[0]], base, dst->shape[dim], dim, &pos, "index_add")) return WK_ERR;
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t pos = (int64_t)idx[i * index->stride[0]] - base;
        wk_tensor drow, srow;
        wk_tensor_select(&drow, dst, dim, pos);
        wk_tensor_select(&srow, src, dim, i);
        float *dp = wk_tensor_data(&drow);
        const float *sp = wk_tensor_data(&srow);
        int64_t sstride[WK_MAX_DIMS];
        memcpy(sstride, srow.stride, sizeof sstride);
        wk_iter it;
        wk_iter_init(&it, drow.ndim, drow.shape, 2, (const int64_t *[]){drow.stride, sstride});
        int64_t off[2];
        while (wk_iter_next(&it, off))
            for (int64_t k = 0; k < it.run; k++) dp[off[0] + k * it.step[0]] += sp[off[1] + k * it.step[1]];
        wk_tensor_release(&drow);
        wk_tensor_release(&srow);
    }
    return WK_OK;
}

int wk_tensor_scatter_add_(wk_tensor *dst, int dim, const wk_tensor *index, const wk_tensor *src, int base)
{
    char a[160], b[160];
    if (dim < 0 || dim >= dst->ndim) return wk_fail("scatter_add: dimension %d out of range", dim + 1);
    if (!wk_tensor_same_shape(index, src) || index->ndim != dst->ndim)
        return wk_fail("scatter_add: index %s and source %s must have one shape with %d dimensions",
                       wk_tensor_shape_str(index, a, sizeof a), wk_tensor_shape_str(src, b, sizeof b), dst->ndim);
    for (int d = 0; d < dst->ndim; d++)
        if (d != dim && index->shape[d] > dst->shape[d])
            return wk_fail("scatter_add: index %s is larger than destination %s outside dimension %d",
                           wk_tensor_shape_str(index, a, sizeof a), wk_tensor_shape_str(dst, b, sizeof b), dim + 1);
    int64_t numel = wk_tensor_numel(index), pos[WK_MAX_DIMS] = {0};
    /* two passes: validate everything, then write */
    for (int pass = 0; pass < 2; pass++) {
        memset(pos, 0, sizeof pos);
        for (int64_t e = 0; e < numel; e++) {
            int64_t target = 0;
            if (index_value(*wk_tensor_at(index, pos), base, dst->shape[dim], dim, &target, "scatter_add"))
                return WK_ERR;
            if (pass == 1) {
                int64_t dpos[WK_MAX_DIMS];
                memcpy(dpos, pos, sizeof dpos);
                dpos[dim] = target;
                *wk_tensor_at(dst, dpos) += *wk_tensor_at(src, pos);
            }
            for (int d = index->ndim - 1; d >= 0; d--) {
                if (++pos[d] < index->shape[d]) break;
                pos[d] = 0;
            }
        }
    }
    return WK_OK;
}
