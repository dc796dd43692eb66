/* reduce.c — sum, mean, var, std, norm, max/min and argmax/argmin, over everything or
 * along one dimension (see reduce.h for the contract).
 *
 * A reduction along a dimension is a set of "lanes": one lane per output element, R
 * input elements apart by the reduced dimension's stride. The driver walks the output
 * with wk_iter and hands the kernels runs of lanes. Two loop orders serve the two common
 * layouts:
 *   - lane by lane, when each lane is contiguous (reducing the last dimension, e.g. a
 *     row sum): a vectorised double-accumulator loop over the lane;
 *   - row by row across a block of lanes, when lanes sit next to each other and the
 *     reduced dimension is the outer one (a column sum): each step adds one contiguous
 *     row into a block of accumulators, so memory is read in order instead of jumping
 *     by the row length at every element.
 * Everything accumulates in double; var/std use two passes (mean, then squared
 * deviations), which stays accurate when the mean is large against the spread. */
#include "reduce.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HOT __attribute__((optimize("O3", "no-trapping-math")))   /* see ops.c */

/* Lanes handled per block in the row-by-row order. Wide blocks matter more than L1:
 * each row step reads BLOCK contiguous floats, so 4096 lanes read 16 KiB per row where
 * 256 lanes would touch a new page every 1 KiB (measured on [4096,4096] column sums:
 * 256 → 42 ms, 1024 → 20 ms, 4096 → 11 ms, the same as row sums). The accumulators
 * (32 KiB of doubles) stay in L2. */
#define BLOCK 4096

/* Per-call scratch for one block of lanes (~112 KiB, so on the heap, not the stack). */
typedef struct scratch {
    double res[BLOCK];      /* result per lane */
    double center[BLOCK];   /* per-lane mean for var/std */
    int64_t idx[BLOCK];     /* position of the max/min per lane */
    float best[BLOCK];      /* running max/min per lane */
} scratch;

/* ---- accumulating kernels (sum, squared deviations, norms) --------------------------- */

typedef enum { ACC_SUM, ACC_SQDEV, ACC_ABS, ACC_POWABS, ACC_ABSMAX, ACC_ABSMIN, ACC_NONZERO } acc_mode;

/* Σ x over n elements at stride s. The contiguous case keeps eight independent double
 * sums so the loop vectorises and is not bound by the latency of one add chain. */
HOT static double lane_sum(const float *x, int64_t n, int64_t s)
{
    double total = 0;
    int64_t i = 0;
    if (s == 1) {
        double acc[8] = {0};
        for (; i + 8 <= n; i += 8)
            for (int j = 0; j < 8; j++) acc[j] += (double)x[i + j];
        for (int j = 0; j < 8; j++) total += acc[j];
        for (; i < n; i++) total += (double)x[i];
        return total;
    }
    for (; i < n; i++) total += (double)x[i * s];
    return total;
}

/* Σ (x - c)² — the second pass of var/std, and the 2-norm with c = 0. */
HOT static double lane_sqdev(const float *x, int64_t n, int64_t s, double c)
{
    double total = 0;
    int64_t i = 0;
    if (s == 1) {
        double acc[8] = {0};
        for (; i + 8 <= n; i += 8)
            for (int j = 0; j < 8; j++) {
                double d = (double)x[i + j] - c;
                acc[j] += d * d;
            }
        for (int j = 0; j < 8; j++) total += acc[j];
        for (; i < n; i++) total += ((double)x[i] - c) * ((double)x[i] - c);
        return total;
    }
    for (; i < n; i++) total += ((double)x[i * s] - c) * ((double)x[i * s] - c);
    return total;
}

/* The rarer norms, one element at a time. A NaN makes max|x| and min|x| NaN. */
static double lane_other(acc_mode mode, const float *x, int64_t n, int64_t s, double p)
{
    double t = mode == ACC_ABSMIN ? INFINITY : 0;
    for (int64_t i = 0; i < n; i++) {
        double v = fabs((double)x[i * s]);
        switch (mode) {
        case ACC_ABS: t += v; break;
        case ACC_POWABS: t += pow(v, p); break;
        case ACC_NONZERO: t += v != 0; break;
        case ACC_ABSMAX:
        case ACC_ABSMIN:
            if (isnan(v)) return v;
            if (mode == ACC_ABSMAX ? v > t : v < t) t = v;
            break;
        default: break;
        }
    }
    return t;
}

static double lane_acc(acc_mode mode, const float *x, int64_t n, int64_t s, double c, double p)
{
    if (mode == ACC_SUM) return lane_sum(x, n, s);
    if (mode == ACC_SQDEV) return lane_sqdev(x, n, s, c);
    return lane_other(mode, x, n, s, p);
}

/* Row-by-row over nl contiguous lanes: out[j] = Σ_k f(x[k*rs + j]) for ACC_SUM and
 * ACC_SQDEV (center c[j]). */
HOT static void block_acc(acc_mode mode, const float *x, int64_t nl, int64_t R, int64_t rs, const double *c, double *out)
{
    for (int64_t j = 0; j < nl; j++) out[j] = 0;
    if (mode == ACC_SUM) {
        for (int64_t k = 0; k < R; k++) {
            const float *row = x + k * rs;
            for (int64_t j = 0; j < nl; j++) out[j] += (double)row[j];
        }
    } else {
        for (int64_t k = 0; k < R; k++) {
            const float *row = x + k * rs;
            for (int64_t j = 0; j < nl; j++) {
                double d = (double)row[j] - c[j];
                out[j] += d * d;
            }
        }
    }
}

/* ---- max/min kernels --------------------------------------------------------------- */

/* Whether v should replace best: strictly better (so ties keep the first), or the first
 * NaN (which then sticks, because nothing compares better than NaN). */
static inline int better(int want_max, float v, float best)
{
    if (want_max ? v > best : v < best) return 1;
    return isnan(v) && !isnan(best);
}

/* The contiguous case in two passes: the extreme value with eight running maxima (which
 * vectorises, unlike a loop that also tracks an index), and whether any element is NaN;
 * then the first position holding that value (or the first NaN). */
HOT static int64_t lane_arg_contiguous(int want_max, const float *x, int64_t n, float *best)
{
    float acc[8];
    int32_t nan[8] = {0};
    for (int j = 0; j < 8; j++) acc[j] = x[0];
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) {
            float v = x[i + j];
            acc[j] = (want_max ? v > acc[j] : v < acc[j]) ? v : acc[j];
            nan[j] |= v != v;
        }
    float m = acc[0];
    int any_nan = 0;
    for (int j = 0; j < 8; j++) {
        m = (want_max ? acc[j] > m : acc[j] < m) ? acc[j] : m;
        any_nan |= nan[j];
    }
    for (; i < n; i++) {
        m = (want_max ? x[i] > m : x[i] < m) ? x[i] : m;
        any_nan |= x[i] != x[i];
    }
    for (i = 0; i < n; i++)
        if (any_nan ? x[i] != x[i] : x[i] == m) break;
    *best = x[i];
    return i;
}

/* Position of the max (or min) of n >= 1 elements at stride s; its value in *best. */
static int64_t lane_arg(int want_max, const float *x, int64_t n, int64_t s, float *best)
{
    if (s == 1 && n >= 64) return lane_arg_contiguous(want_max, x, n, best);
    float b = x[0];
    int64_t bi = 0;
    for (int64_t i = 1; i < n && !isnan(b); i++) {
        float v = x[i * s];
        if (better(want_max, v, b)) {
            b = v;
            bi = i;
        }
    }
    *best = b;
    return bi;
}

static void block_arg(int want_max, const float *x, int64_t nl, int64_t R, int64_t rs, float *best, int64_t *idx)
{
    for (int64_t j = 0; j < nl; j++) {
        best[j] = x[j];
        idx[j] = 0;
    }
    for (int64_t k = 1; k < R; k++) {
        const float *row = x + k * rs;
        for (int64_t j = 0; j < nl; j++)
            if (better(want_max, row[j], best[j])) {
                best[j] = row[j];
                idx[j] = k;
            }
    }
}

/* ---- what each reduction is -------------------------------------------------------- */

typedef enum { K_SUM, K_MEAN, K_VAR, K_STD, K_NORM, K_MAX, K_MIN } kind;

typedef struct spec {
    kind kind;
    const char *name;   /* for messages: "max", "argmax" */
    double p;           /* norm */
    int unbiased;       /* var, std */
} spec;

static acc_mode norm_mode(double p)
{
    if (p == 2) return ACC_SQDEV;
    if (p == 1) return ACC_ABS;
    if (p == 0) return ACC_NONZERO;
    if (isinf(p)) return p > 0 ? ACC_ABSMAX : ACC_ABSMIN;
    return ACC_POWABS;
}

/* The accumulated value of one lane of n elements turned into the result. */
static double finish(const spec *r, double acc, int64_t n)
{
    switch (r->kind) {
    case K_MEAN: return acc / (double)n;   /* NaN for n = 0, on purpose */
    case K_VAR:
    case K_STD: {
        double dof = (double)n - (r->unbiased ? 1 : 0);
        double v = dof > 0 ? acc / dof : NAN;
        return r->kind == K_STD ? sqrt(v) : v;
    }
    case K_NORM:
        if (r->p == 2) return sqrt(acc);
        if (norm_mode(r->p) == ACC_POWABS) return pow(acc, 1.0 / r->p);
        return acc;
    default: return acc;
    }
}

/* ---- drivers --------------------------------------------------------------------- */

/* Results for nl lanes starting at x (lane j at x + j*ls, R elements rs apart) into
 * w->res (and w->idx for max/min). */
static void reduce_lanes(const spec *r, const float *x, int64_t nl, int64_t ls, int64_t R, int64_t rs, scratch *w)
{
    double *res = w->res, *center = w->center;
    int rows = ls == 1 && rs != 1 && nl > 1;   /* row-by-row order pays off */
    if (r->kind == K_MAX || r->kind == K_MIN) {
        int want_max = r->kind == K_MAX;
        if (rows) {
            block_arg(want_max, x, nl, R, rs, w->best, w->idx);
            for (int64_t j = 0; j < nl; j++) res[j] = w->best[j];
        } else {
            for (int64_t j = 0; j < nl; j++) {
                float best;
                w->idx[j] = lane_arg(want_max, x + j * ls, R, rs, &best);
                res[j] = best;
            }
        }
        return;
    }
    acc_mode mode = r->kind == K_NORM ? norm_mode(r->p) : ACC_SUM;
    for (int64_t j = 0; j < nl; j++) center[j] = 0;
    if (r->kind == K_VAR || r->kind == K_STD) {   /* two passes: means, then deviations */
        if (rows) block_acc(ACC_SUM, x, nl, R, rs, NULL, center);
        else
            for (int64_t j = 0; j < nl; j++) center[j] = lane_sum(x + j * ls, R, rs);
        for (int64_t j = 0; j < nl; j++) center[j] /= (double)R;
        mode = ACC_SQDEV;
    }
    if (rows && (mode == ACC_SUM || mode == ACC_SQDEV)) block_acc(mode, x, nl, R, rs, center, res);
    else
        for (int64_t j = 0; j < nl; j++) res[j] = lane_acc(mode, x + j * ls, R, rs, center[j], r->p);
    for (int64_t j = 0; j < nl; j++) res[j] = finish(r, res[j], R);
}

static int reduce_along(const spec *r, wk_tensor *out, wk_tensor *idx, const wk_tensor *src, int dim)
{
    scratch *w = malloc(sizeof *w);
    if (!w) return wk_fail("cannot allocate %zu bytes of scratch for %s", sizeof *w, r->name);
    /* The output walked without the reduced dimension: (ndim-1) dims, contiguous. */
    int n = 0;
    int64_t shape[WK_MAX_DIMS], ostride[WK_MAX_DIMS], sstride[WK_MAX_DIMS];
    for (int d = 0; d < src->ndim; d++)
        if (d != dim) {
            shape[n] = src->shape[d];
            sstride[n] = src->stride[d];
            n++;
        }
    int64_t s = 1;
    for (int d = n - 1; d >= 0; d--) {
        ostride[d] = s;
        s *= shape[d];
    }
    int64_t R = src->shape[dim], rs = src->stride[dim];
    const float *x = wk_tensor_data(src);
    float *po = wk_tensor_data(out), *pi = idx ? wk_tensor_data(idx) : NULL;
    wk_iter it;
    wk_iter_init(&it, n, shape, 2, (const int64_t *[]){ostride, sstride});
    int64_t off[2];
    while (wk_iter_next(&it, off))
        for (int64_t j0 = 0; j0 < it.run; j0 += BLOCK) {
            int64_t nl = it.run - j0 < BLOCK ? it.run - j0 : BLOCK;
            reduce_lanes(r, x + off[1] + j0 * it.step[1], nl, it.step[1], R, rs, w);
            int64_t o = off[0] + j0 * it.step[0];
            for (int64_t j = 0; j < nl; j++) po[o + j * it.step[0]] = (float)w->res[j];
            if (pi)
                for (int64_t j = 0; j < nl; j++) pi[o + j * it.step[0]] = (float)w->idx[j];
        }
    free(w);
    return WK_OK;
}

/* Every element into *value (and *index, the flat row-major position, for max/min). */
static void reduce_all(const spec *r, const wk_tensor *src, double *value, int64_t *index)
{
    const float *x = wk_tensor_data(src);
    int64_t numel = wk_tensor_numel(src), off[1];
    wk_iter it;
    if (r->kind == K_MAX || r->kind == K_MIN) {
        int want_max = r->kind == K_MAX;
        float best = 0;
        int64_t bi = -1, run = 0;
        wk_iter_init(&it, src->ndim, src->shape, 1, (const int64_t *[]){src->stride});
        while (wk_iter_next(&it, off) && !(bi >= 0 && isnan(best))) {
            float v;
            int64_t i = lane_arg(want_max, x + off[0], it.run, it.step[0], &v);
            if (bi < 0 || better(want_max, v, best)) {
                best = v;
                bi = run * it.run + i;   /* runs come in row-major order */
            }
            run++;
        }
        *value = best;
        *index = bi;
        return;
    }
    acc_mode mode = r->kind == K_NORM ? norm_mode(r->p) : ACC_SUM;
    double center = 0;
    if (r->kind == K_VAR || r->kind == K_STD) {
        center = wk_tensor_sum_all(src) / (double)numel;
        mode = ACC_SQDEV;
    }
    double total = mode == ACC_ABSMIN ? INFINITY : 0;
    wk_iter_init(&it, src->ndim, src->shape, 1, (const int64_t *[]){src->stride});
    while (wk_iter_next(&it, off)) {
        double t = lane_acc(mode, x + off[0], it.run, it.step[0], center, r->p);
        if (mode == ACC_ABSMAX || mode == ACC_ABSMIN) {
            if (isnan(t) || (mode == ACC_ABSMAX ? t > total : t < total)) total = t;
            if (isnan(total)) break;
        } else {
            total += t;
        }
    }
    *value = finish(r, total, numel);
}

double wk_tensor_sum_all(const wk_tensor *src)
{
    const float *x = wk_tensor_data(src);
    double total = 0;
    int64_t off[1];
    wk_iter it;
    wk_iter_init(&it, src->ndim, src->shape, 1, (const int64_t *[]){src->stride});
    while (wk_iter_next(&it, off)) total += lane_sum(x + off[0], it.run, it.step[0]);
    return total;
}

/* Check arguments, allocate outputs, run. values/indices are written only on success. */
static int reduce(const spec *r, wk_tensor *values, wk_tensor *indices, const wk_tensor *src, int dim, int keepdim)
{
    char buf[160];
    if (dim != WK_ALL_DIMS && (dim < 0 || dim >= src->ndim))
        return wk_fail("dimension %d is out of range for a %d-D tensor", dim + 1, src->ndim);
    int want_index = r->kind == K_MAX || r->kind == K_MIN;
    if (want_index) {
        if (dim == WK_ALL_DIMS ? wk_tensor_numel(src) == 0 : src->shape[dim] == 0)
            return wk_fail(dim == WK_ALL_DIMS ? "cannot take %s of an empty tensor of shape %s"
                                              : "cannot take %s over an empty dimension of a tensor of shape %s",
                           r->name, wk_tensor_shape_str(src, buf, sizeof buf));
    }
    if (r->kind == K_NORM && isnan(r->p)) return wk_fail("p must be a number, got nan");

    /* output shape */
    int n = 0;
    int64_t shape[WK_MAX_DIMS];
    for (int d = 0; d < src->ndim; d++) {
        if (dim == WK_ALL_DIMS || d == dim) {
            if (keepdim) shape[n++] = 1;
        } else {
            shape[n++] = src->shape[d];
        }
    }
    wk_tensor out, idx;
    memset(&idx, 0, sizeof idx);
    if (wk_tensor_new(&out, n, shape)) return WK_ERR;
    if (want_index && indices && wk_tensor_new(&idx, n, shape)) {
        wk_tensor_release(&out);
        return WK_ERR;
    }
    if (dim == WK_ALL_DIMS) {
        double v;
        int64_t i = 0;
        reduce_all(r, src, &v, &i);
        wk_tensor_data(&out)[0] = (float)v;
        if (idx.storage) wk_tensor_data(&idx)[0] = (float)i;
    } else if (reduce_along(r, &out, idx.storage ? &idx : NULL, src, dim)) {
        wk_tensor_release(&out);
        wk_tensor_release(&idx);
        return WK_ERR;
    }
    *values = out;
    if (idx.storage) *indices = idx;
    return WK_OK;
}

/* ---- public entry points ----------------------------------------------------------- */

int wk_tensor_sum(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim)
{
    return reduce(&(spec){.kind = K_SUM, .name = "sum"}, dst, NULL, src, dim, keepdim);
}

int wk_tensor_mean(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim)
{
    return reduce(&(spec){.kind = K_MEAN, .name = "mean"}, dst, NULL, src, dim, keepdim);
}

int wk_tensor_var(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim, int unbiased)
{
    return reduce(&(spec){.kind = K_VAR, .name = "var", .unbiased = unbiased}, dst, NULL, src, dim, keepdim);
}

int wk_tensor_std(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim, int unbiased)
{
    return reduce(&(spec){.kind = K_STD, .name = "std", .unbiased = unbiased}, dst, NULL, src, dim, keepdim);
}

int wk_tensor_norm(wk_tensor *dst, const wk_tensor *src, double p, int dim, int keepdim)
{
    return reduce(&(spec){.kind = K_NORM, .name = "norm", .p = p}, dst, NULL, src, dim, keepdim);
}

int wk_tensor_max(wk_tensor *values, wk_tensor *indices, const wk_tensor *src, int dim, int keepdim)
{
    return reduce(&(spec){.kind = K_MAX, .name = "max"}, values, indices, src, dim, keepdim);
}

int wk_tensor_min(wk_tensor *values, wk_tensor *indices, const wk_tensor *src, int dim, int keepdim)
{
    return reduce(&(spec){.kind = K_MIN, .name = "min"}, values, indices, src, dim, keepdim);
}

/* argmax/argmin: the index tensor alone (the values are made and dropped). */
static int arg(kind k, const char *name, wk_tensor *dst, const wk_tensor *src, int dim, int keepdim)
{
    wk_tensor values;
    if (reduce(&(spec){.kind = k, .name = name}, &values, dst, src, dim, keepdim)) return WK_ERR;
    wk_tensor_release(&values);
    return WK_OK;
}

int wk_tensor_argmax(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim)
{
    return arg(K_MAX, "argmax", dst, src, dim, keepdim);
}

int wk_tensor_argmin(wk_tensor *dst, const wk_tensor *src, int dim, int keepdim)
{
    return arg(K_MIN, "argmin", dst, src, dim, keepdim);
}
