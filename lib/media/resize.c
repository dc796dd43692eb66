/* resize.c — resampling images over their last two dims (bilinear, area, nearest).
 *
 * All three modes are separable, so each is written once as a pair of 1-D "tap
 * lists" (for every output column or row: which source pixels, with which weights)
 * and applied by one routine: a horizontal pass over each source row into a
 * scratch plane H×w, then a vertical pass that adds weighted scratch rows into each
 * output row. Both passes run along contiguous rows, so the inner loops are plain
 * multiply-adds the compiler vectorises; no per-pixel calls.
 *
 *   bilinear  src = (dst + 0.5)·in/out − 0.5, clamped at 0; taps floor(src) and the
 *             next pixel (clamped at the edge) with weights 1−f, f. This is PyTorch's
 *             F.interpolate(mode="bilinear", align_corners=False, antialias=False).
 *   area      output pixel o covers the source interval [o·s, (o+1)·s), s = in/out;
 *             each source pixel is weighted by the length it overlaps, over s, so
 *             downscaling averages exactly (fractional coverage at the edges).
 *   nearest   the source pixel under the output centre: floor((dst + 0.5)·in/out)
 *             (PyTorch "nearest-exact", PIL NEAREST). */
#include <stdlib.h>
#include <string.h>

#include "image.h"

typedef struct taps {
    int64_t *start;   /* (out + 1) tap k of output o is in [start[o], start[o+1]) */
    int64_t *index;   /* (ntaps) source pixel */
    float *weight;    /* (ntaps) its weight; each output's weights sum to 1 */
} taps;

static void free_taps(taps *t)
{
    free(t->start);
    free(t->index);
    free(t->weight);
}

static int build_taps(taps *t, int64_t in, int64_t out, wk_resize_mode mode)
{
    int64_t cap = in + 2 * out + 2;
    t->start = malloc(sizeof *t->start * (size_t)(out + 1));
    t->index = malloc(sizeof *t->index * (size_t)cap);
    t->weight = malloc(sizeof *t->weight * (size_t)cap);
    if (!t->start || !t->index || !t->weight) return wk_fail("out of memory for resize tables");
    double s = (double)in / (double)out;
    int64_t n = 0;
    for (int64_t o = 0; o < out; o++) {
        t->start[o] = n;
        if (mode == WK_RESIZE_BILINEAR) {
            double src = (o + 0.5) * s - 0.5;
            if (src < 0) src = 0;
            int64_t i0 = (int64_t)src;
            if (i0 > in - 1) i0 = in - 1;
            int64_t i1 = i0 < in - 1 ? i0 + 1 : i0;
            double f = src - (double)i0;
            if (i1 == i0 || f == 0) {
                t->index[n] = i0, t->weight[n++] = 1.0f;
            } else {
                t->index[n] = i0, t->weight[n++] = (float)(1 - f);
                t->index[n] = i1, t->weight[n++] = (float)f;
            }
        } else if (mode == WK_RESIZE_NEAREST) {
            int64_t i = (int64_t)((o + 0.5) * s);
            t->index[n] = i < in ? i : in - 1, t->weight[n++] = 1.0f;
        } else {
            double a = o * s, b = (o + 1) * s;
            if (b > in) b = in;
            for (int64_t i = (int64_t)a; i < in && (double)i < b; i++) {
                double lo = a > i ? a : (double)i, hi = b < i + 1 ? b : (double)(i + 1);
                if (hi - lo <= 1e-12 * s) continue;
                if (n >= cap) return wk_fail("resize: internal tap overflow");
                t->index[n] = i, t->weight[n++] = (float)((hi - lo) / s);
            }
        }
    }
    t->start[out] = n;
    return WK_OK;
}

/* One plane: src (H×W) -> dst (h×w), scratch (H×w). */
static void resample_plane(float *dst, const float *src, float *scratch, int64_t H, int64_t W, int64_t h, int64_t w,
                           const taps *tx, const taps *ty)
{
    for (int64_t y = 0; y < H; y++) {
        const float *s = src + y * W;
        float *o = scratch + y * w;
        for (int64_t x = 0; x < w; x++) {
            float acc = 0;
            for (int64_t k = tx->start[x]; k < tx->start[x + 1]; k++) acc += tx->weight[k] * s[tx->index[k]];
            o[x] = acc;
        }
    }
    for (int64_t y = 0; y < h; y++) {
        float *o = dst + y * w;
        int64_t k = ty->start[y];
        const float *s = scratch + ty->index[k] * w;
        float wk = ty->weight[k];
        for (int64_t x = 0; x < w; x++) o[x] = wk * s[x];
        for (k++; k < ty->start[y + 1]; k++) {
            s = scratch + ty->index[k] * w;
            wk = ty->weight[k];
            for (int64_t x = 0; x < w; x++) o[x] += wk * s[x];
        }
    }
}

int wk_image_resize(wk_tensor *dst, const wk_tensor *src, int64_t h, int64_t w, wk_resize_mode mode)
{
    char buf[160];
    if (src->ndim < 2 || src->ndim > 4)
        return wk_fail("expected an image H×W, C×H×W or a batch N×C×H×W, got shape %s",
                       wk_tensor_shape_str(src, buf, sizeof buf));
    if (h < 1 || w < 1) return wk_fail("size must be positive, got %lldx%lld", (long long)h, (long long)w);
    if (mode != WK_RESIZE_BILINEAR && mode != WK_RESIZE_AREA && mode != WK_RESIZE_NEAREST)
        return wk_fail("unknown resize mode %d", (int)mode);
    int nd = src->ndim;
    int64_t H = src->shape[nd - 2], W = src->shape[nd - 1];
    if (H < 1 || W < 1) return wk_fail("cannot resize an empty image of shape %s", wk_tensor_shape_str(src, buf, sizeof buf));
    if (h > (int64_t)1 << 20 || w > (int64_t)1 << 20)
        return wk_fail("size %lldx%lld is too big", (long long)h, (long long)w);

    int64_t shape[WK_MAX_DIMS];
    memcpy(shape, src->shape, sizeof shape);
    shape[nd - 2] = h, shape[nd - 1] = w;
    int64_t planes = 1;
    for (int d = 0; d < nd - 2; d++) planes *= src->shape[d];

    wk_tensor in = {0}, out = {0};
    taps tx = {0}, ty = {0};
    float *scratch = NULL;
    int rc = WK_ERR;
    if (wk_tensor_contiguous(&in, src)) goto done;
    if (wk_tensor_new(&out, nd, shape)) goto done;
    if (build_taps(&tx, W, w, mode) || build_taps(&ty, H, h, mode)) goto done;
    scratch = malloc(sizeof *scratch * (size_t)(H * w));
    if (!scratch) {
        wk_fail("out of memory for a %lldx%lld scratch plane", (long long)H, (long long)w);
        goto done;
    }
    const float *s = wk_tensor_data(&in);
    float *o = wk_tensor_data(&out);
    for (int64_t p = 0; p < planes; p++) resample_plane(o + p * h * w, s + p * H * W, scratch, H, W, h, w, &tx, &ty);
    *dst = out;
    out.storage = NULL;
    rc = WK_OK;
done:
    wk_tensor_release(&in);
    wk_tensor_release(&out);
    free_taps(&tx);
    free_taps(&ty);
    free(scratch);
    return rc;
}
