/* index.c — cat, stack, index_select, gather, masked_fill, sort and topk.
 *
 * The joins and index_select allocate the result once and fill it slice by slice with
 * wk_tensor_copy_, which turns contiguous slices into one memmove. gather and sort walk
 * elements themselves. Every index is checked (whole number, in range) before the result
 * is allocated or touched, so a bad index leaves nothing half-written. Sorting is a
 * stable merge sort of (value, position) pairs with NaN ordered above +inf. */
#include "index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"

/* Indices come back as float32, which holds whole numbers exactly only up to 2^24. */
#define WK_INDEX_EXACT ((int64_t)1 << 24)

/* ---- helpers -------------------------------------------------------------------- */

static int check_dim(const wk_tensor *t, int dim, int extra)
{
    if (dim < 0 || dim >= t->ndim + extra)
        return wk_fail("dimension %d is out of range for a %d-D tensor", dim + 1, t->ndim);
    return WK_OK;
}

/* The slice of t at position i of dim, as a borrowed view: a struct copy that takes no
 * reference, so it must not outlive t and is never released. */
static wk_tensor slice_view(const wk_tensor *t, int dim, int64_t i)
{
    wk_tensor v = *t;
    v.offset += i * t->stride[dim];
    for (int d = dim; d < t->ndim - 1; d++) {
        v.shape[d] = t->shape[d + 1];
        v.stride[d] = t->stride[d + 1];
    }
    v.ndim--;
    return v;
}

/* An index value v, counted from base, as a 0-based position below size — or fail
 * quoting v as the caller wrote it. */
static int index_pos(float v, int base, int64_t size, int dim, int64_t *pos)
{
    if (v != floorf(v) || isinf(v))   /* NaN fails the first test */
        return wk_fail("index %.9g is not an integer", (double)v);
    double p = (double)v - base;
    if (p < 0 || p >= (double)size)
        return wk_fail("index %.9g is out of range for dimension %d of size %lld", (double)v, dim + 1, (long long)size);
    *pos = (int64_t)p;
    return WK_OK;
}

/* ---- cat and stack -------------------------------------------------------------- */

int wk_tensor_cat(wk_tensor *dst, int n, const wk_tensor *const *list, int dim)
{
    char s1[160], si[160];
    if (n <= 0) return wk_fail("expected a non-empty list of tensors");
    const wk_tensor *first = list[0];
    if (check_dim(first, dim, 0)) return WK_ERR;
    int64_t shape[WK_MAX_DIMS];
    memcpy(shape, first->shape, sizeof shape);
    shape[dim] = 0;
    for (int i = 0; i < n; i++) {
        const wk_tensor *t = list[i];
        int ok = t->ndim == first->ndim;
        for (int d = 0; ok && d < t->ndim; d++)
            if (d != dim && t->shape[d] != first->shape[d]) ok = 0;
        if (!ok)
            return wk_fail("tensor %d has shape %s but tensor 1 has shape %s (sizes must match except in dimension %d)",
                           i + 1, wk_tensor_shape_str(t, si, sizeof si), wk_tensor_shape_str(first, s1, sizeof s1),
                           dim + 1);
        /* each size is at most 2^40, but a long list of them can still wrap int64 */
        if (wk_add_overflows(shape[dim], t->shape[dim], &shape[dim]))
            return wk_fail("the tensors' sizes along dimension %d add up to more than wick's limit of 2^40", dim + 1);
    }
    wk_tensor out;
    if (wk_tensor_new(&out, first->ndim, shape)) return WK_ERR;
    int64_t at = 0;
    for (int i = 0; i < n; i++) {
        wk_tensor part = out;   /* borrowed narrow of out */
        part.offset += at * out.stride[dim];
        part.shape[dim] = list[i]->shape[dim];
        wk_tensor_copy_(&part, list[i]);   /* same shape: cannot fail */
        at += list[i]->shape[dim];
    }
    *dst = out;
    return WK_OK;
}

int wk_tensor_stack(wk_tensor *dst, int n, const wk_tensor *const *list, int dim)
{
    char s1[160], si[160];
    if (n <= 0) return wk_fail("expected a non-empty list of tensors");
    const wk_tensor *first = list[0];
    if (check_dim(first, dim, 1)) return WK_ERR;
    if (first->ndim >= WK_MAX_DIMS) return wk_fail("a tensor has at most %d dimensions", WK_MAX_DIMS);
    for (int i = 1; i < n; i++)
        if (!wk_tensor_same_shape(list[i], first))
            return wk_fail("tensor %d has shape %s but tensor 1 has shape %s (all must have one shape)", i + 1,
                           wk_tensor_shape_str(list[i], si, sizeof si), wk_tensor_shape_str(first, s1, sizeof s1));
    int64_t shape[WK_MAX_DIMS];
    for (int d = 0, s = 0; d <= first->ndim; d++) shape[d] = d == dim ? n : first->shape[s++];
    wk_tensor out;
    if (wk_tensor_new(&out, first->ndim + 1, shape)) return WK_ERR;
    for (int i = 0; i < n; i++) {
        wk_tensor part = slice_view(&out, dim, i);
        wk_tensor_copy_(&part, list[i]);
    }
    *dst = out;
    return WK_OK;
}

/* ---- index_select and gather ---------------------------------------------------- */

int wk_tensor_index_select(wk_tensor *dst, const wk_tensor *src, int dim, const wk_tensor *index, int base)
{
    char s[160];
    if (check_dim(src, dim, 0)) return WK_ERR;
    if (index->ndim > 1)
        return wk_fail("index must be 1-D, got shape %s", wk_tensor_shape_str(index, s, sizeof s));
    int64_t n = wk_tensor_numel(index), step = index->ndim ? index->stride[0] : 0;
    const float *iv = wk_tensor_data(index);
    for (int64_t i = 0; i < n; i++) {
        int64_t pos;
        if (index_pos(iv[i * step], base, src->shape[dim], dim, &pos)) return WK_ERR;
    }
    int64_t shape[WK_MAX_DIMS];
    memcpy(shape, src->shape, sizeof shape);
    shape[dim] = n;
    wk_tensor out;
    if (wk_tensor_new(&out, src->ndim, shape)) return WK_ERR;
    for (int64_t i = 0; i < n; i++) {
        int64_t pos = (int64_t)iv[i * step] - base;
        wk_tensor from = slice_view(src, dim, pos), to = slice_view(&out, dim, i);
        wk_tensor_copy_(&to, &from);
    }
    *dst = out;
    return WK_OK;
}

int wk_tensor_gather(wk_tensor *dst, const wk_tensor *src, int dim, const wk_tensor *index, int base)
{
    char ss[160], si[160];
    if (check_dim(src, dim, 0)) return WK_ERR;
    int ok = index->ndim == src->ndim;
    for (int d = 0; ok && d < src->ndim; d++)
        if (d != dim && index->shape[d] > src->shape[d]) ok = 0;
    if (!ok)
        return wk_fail("index of shape %s does not fit input of shape %s (same number of dimensions, and no larger "
                       "outside dimension %d)",
                       wk_tensor_shape_str(index, si, sizeof si), wk_tensor_shape_str(src, ss, sizeof ss), dim + 1);
    /* Walk index's shape with an odometer; os follows src on every dim but dim, whose
     * position comes from the index value. */
    int nd = index->ndim;
    int64_t numel = wk_tensor_numel(index);
    const float *ip = wk_tensor_data(index), *sp = wk_tensor_data(src);
    for (int pass = 0; pass < 2; pass++) {   /* pass 0 checks every index, pass 1 copies */
        wk_tensor out = {0};
        if (pass == 1 && wk_tensor_new(&out, nd, index->shape)) return WK_ERR;
        float *op = pass == 1 ? wk_tensor_data(&out) : NULL;
        int64_t at[WK_MAX_DIMS] = {0}, oi = 0, os = 0;
        for (int64_t e = 0; e < numel; e++) {
            int64_t pos;
            if (pass == 0) {
                if (index_pos(ip[oi], base, src->shape[dim], dim, &pos)) return WK_ERR;
            } else {
                pos = (int64_t)ip[oi] - base;
                op[e] = sp[os + pos * src->stride[dim]];
            }
            for (int d = nd - 1; d >= 0; d--) {
                oi += index->stride[d];
                if (d != dim) os += src->stride[d];
                if (++at[d] < index->shape[d]) break;
                oi -= index->stride[d] * index->shape[d];
                if (d != dim) os -= src->stride[d] * index->shape[d];
                at[d] = 0;
            }
        }
        if (pass == 1) *dst = out;
    }
    return WK_OK;
}

/* ---- masked_fill ---------------------------------------------------------------- */

static int check_mask(const wk_tensor *t, const wk_tensor *mask)
{
    char st[160], sm[160];
    int n;
    int64_t shape[WK_MAX_DIMS];
    if (wk_broadcast_shape(&n, shape, t, mask) || n != t->ndim ||
        memcmp(shape, t->shape, sizeof(int64_t) * (size_t)n) != 0)
        return wk_fail("mask of shape %s does not broadcast to shape %s", wk_tensor_shape_str(mask, sm, sizeof sm),
                       wk_tensor_shape_str(t, st, sizeof st));
    return WK_OK;
}

int wk_tensor_masked_fill_(wk_tensor *t, const wk_tensor *mask, float value)
{
    if (check_mask(t, mask)) return WK_ERR;
    int64_t ms[WK_MAX_DIMS];
    wk_broadcast_strides(ms, mask, t->ndim, t->shape);
    float *d = wk_tensor_data(t);
    const float *m = wk_tensor_data(mask);
    wk_iter it;
    wk_iter_init(&it, t->ndim, t->shape, 2, (const int64_t *[]){t->stride, ms});
    int64_t off[2];
    while (wk_iter_next(&it, off))
        for (int64_t i = 0; i < it.run; i++)
            if (m[off[1] + i * it.step[1]] != 0.0f) d[off[0] + i * it.step[0]] = value;
    return WK_OK;
}

int wk_tensor_masked_fill(wk_tensor *dst, const wk_tensor *src, const wk_tensor *mask, float value)
{
    if (check_mask(src, mask)) return WK_ERR;
    wk_tensor out;
    if (wk_tensor_clone(&out, src)) return WK_ERR;
    wk_tensor_masked_fill_(&out, mask, value);
    *dst = out;
    return WK_OK;
}

/* ---- sort and topk -------------------------------------------------------------- */

typedef struct kv {
    float v;
    int64_t i;   /* 0-based position in the slice */
} kv;

/* Must x come strictly before y? NaN is the largest value. */
static inline int before(float x, float y, int descending)
{
    if (descending) return y < x || (isnan(x) && !isnan(y));
    return x < y || (isnan(y) && !isnan(x));
}

/* Stable sort of a[0..n) using tmp[0..n): insertion sort on short runs, then bottom-up
 * merges that take from the right run only when it is strictly before the left. */
static void kv_sort(kv *a, kv *tmp, int64_t n, int descending)
{
    enum { RUN = 16 };
    for (int64_t lo = 0; lo < n; lo += RUN) {
        int64_t hi = lo + RUN < n ? lo + RUN : n;
        for (int64_t i = lo + 1; i < hi; i++) {
            kv x = a[i];
            int64_t j = i;
            while (j > lo && before(x.v, a[j - 1].v, descending)) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
    }
    kv *from = a, *to = tmp;
    for (int64_t width = RUN; width < n; width *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * width) {
            int64_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            int64_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) to[o++] = before(from[j].v, from[i].v, descending) ? from[j++] : from[i++];
            while (i < mid) to[o++] = from[i++];
            while (j < hi) to[o++] = from[j++];
        }
        kv *swap = from;
        from = to;
        to = swap;
    }
    if (from != a) memcpy(a, from, (size_t)n * sizeof *a);
}

/* Sort each slice of src along dim and write its first k entries into values and
 * indices (new tensors, src's shape with k on dim). sort is k = size. */
static int sort_slices(wk_tensor *values, wk_tensor *indices, const wk_tensor *src, int dim, int64_t k,
                       int descending, int base)
{
    int64_t n = src->shape[dim];
    if (n > WK_INDEX_EXACT)
        return wk_fail("dimension %d has %lld entries; float32 indices are exact only up to %lld", dim + 1,
                       (long long)n, (long long)WK_INDEX_EXACT);
    int64_t shape[WK_MAX_DIMS];
    memcpy(shape, src->shape, sizeof shape);
    shape[dim] = k;
    wk_tensor vo, io = {0};
    if (wk_tensor_new(&vo, src->ndim, shape) || wk_tensor_new(&io, src->ndim, shape)) {
        wk_tensor_release(&vo);
        return WK_ERR;
    }
    kv *buf = malloc(2 * (size_t)(n ? n : 1) * sizeof *buf);   /* (2, n): pairs, then merge space */
    if (!buf) {
        wk_tensor_release(&vo);
        wk_tensor_release(&io);
        return wk_fail("cannot allocate a sort buffer of %lld entries", (long long)n);
    }
    /* Iterate over every dim but dim: the slice bases of src, values and indices. */
    wk_tensor s0 = slice_view(src, dim, 0), v0 = slice_view(&vo, dim, 0), i0 = slice_view(&io, dim, 0);
    const float *sp = src->storage->data;
    float *vp = vo.storage->data, *ip = io.storage->data;
    int64_t ss = src->stride[dim], vs = vo.stride[dim], is = io.stride[dim];
    wk_iter it;
    wk_iter_init(&it, s0.ndim, s0.shape, 3, (const int64_t *[]){s0.stride, v0.stride, i0.stride});
    int64_t off[3];
    while (wk_iter_next(&it, off))
        for (int64_t r = 0; r < it.run; r++) {
            const float *s = sp + s0.offset + off[0] + r * it.step[0];
            float *v = vp + v0.offset + off[1] + r * it.step[1], *x = ip + i0.offset + off[2] + r * it.step[2];
            for (int64_t j = 0; j < n; j++) buf[j] = (kv){s[j * ss], j};
            kv_sort(buf, buf + n, n, descending);
            for (int64_t j = 0; j < k; j++) {
                v[j * vs] = buf[j].v;
                x[j * is] = (float)(buf[j].i + base);
            }
        }
    free(buf);
    *values = vo;
    *indices = io;
    return WK_OK;
}

int wk_tensor_sort(wk_tensor *values, wk_tensor *indices, const wk_tensor *src, int dim, int descending, int base)
{
    if (check_dim(src, dim, 0)) return WK_ERR;
    return sort_slices(values, indices, src, dim, src->shape[dim], descending, base);
}

int wk_tensor_topk(wk_tensor *values, wk_tensor *indices, const wk_tensor *src, int64_t k, int dim, int largest,
                   int base)
{
    if (check_dim(src, dim, 0)) return WK_ERR;
    if (k < 0 || k > src->shape[dim])
        return wk_fail("k = %lld is out of range for dimension %d of size %lld", (long long)k, dim + 1,
                       (long long)src->shape[dim]);
    return sort_slices(values, indices, src, dim, k, largest, base);
}
