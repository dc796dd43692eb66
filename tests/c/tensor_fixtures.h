/* tensor_fixtures.h — small tensors for the C unit tests of lib/: built from literal
 * values (SHAPE, VALS), from doubles or from random normals, laid out at random (views
 * that are not contiguous), compared element by element with expected values, and
 * released in batches.
 *
 *   wk_tensor a = make(2, SHAPE(2, 2), VALS(1, 2, 3, 4));
 *   CHECK(equals(&a, 2, SHAPE(2, 2), VALS(1, 2, 3, 4)));
 *
 * Everything is static inline so a test uses what it needs without unused warnings. */
#ifndef WK_TENSOR_FIXTURES_H
#define WK_TENSOR_FIXTURES_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/tensor/tensor.h"

#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define VALS(...) ((const float[]){__VA_ARGS__})

/* A new contiguous tensor (zeroed or not). A test cannot go on without it, so a failed
 * allocation ends the run with the reason. */
static inline wk_tensor fixture_alloc(int ndim, const int64_t *shape, int zeroed)
{
    wk_tensor t;
    if ((zeroed ? wk_tensor_zeros(&t, ndim, shape) : wk_tensor_new(&t, ndim, shape)) != WK_OK) {
        printf("  cannot allocate: %s\n", wk_errmsg());
        exit(1);
    }
    return t;
}

/* A contiguous tensor of shape with the given values (row-major); uninitialised when
 * values is NULL. */
static inline wk_tensor make(int ndim, const int64_t *shape, const float *values)
{
    wk_tensor t = fixture_alloc(ndim, shape, 0);
    if (values) memcpy(wk_tensor_data(&t), values, sizeof(float) * (size_t)wk_tensor_numel(&t));
    return t;
}

/* A tensor holding the doubles src, rounded to float (zeros when src is NULL). */
static inline wk_tensor vec(int ndim, const int64_t *shape, const double *src)
{
    wk_tensor t = fixture_alloc(ndim, shape, 1);
    if (src)
        for (int64_t i = 0; i < wk_tensor_numel(&t); i++) wk_tensor_data(&t)[i] = (float)src[i];
    return t;
}

/* A tensor of standard normals drawn from wk_rng in row-major order. */
static inline wk_tensor randn(int ndim, const int64_t *shape)
{
    wk_tensor t = fixture_alloc(ndim, shape, 0);
    float *d = wk_tensor_data(&t);
    for (int64_t i = 0; i < wk_tensor_numel(&t); i++) d[i] = wk_rng_normal();
    return t;
}

/* An integer in [0, n) from wk_rng. */
static inline int64_t below(int64_t n) { return (int64_t)wk_rng_below((uint64_t)n); }

/* A view of logical shape laid out one of five ways, chosen with wk_rng: contiguous,
 * transposed, narrowed, expanded (broadcast) or permuted. Its storage is left
 * uninitialised for the caller to fill: v.storage->data[0 .. v.storage->numel). */
static inline wk_tensor random_layout(int ndim, const int64_t *shape)
{
    int64_t base[WK_MAX_DIMS];
    memcpy(base, shape, sizeof(int64_t) * (size_t)ndim);
    int kind = (int)below(5);
    int d0 = ndim ? (int)below(ndim) : 0, d1 = ndim ? (int)below(ndim) : 0;
    if (kind == 1 && ndim >= 2) { base[d0] = shape[d1]; base[d1] = shape[d0]; }
    if (kind == 2 && ndim >= 1) base[d0] = shape[d0] + 3;
    if (kind == 3 && ndim >= 1) base[d0] = 1;
    int order[WK_MAX_DIMS];
    for (int d = 0; d < ndim; d++) order[d] = ndim - 1 - d;
    if (kind == 4)
        for (int d = 0; d < ndim; d++) base[d] = shape[order[d]];
    wk_tensor b = fixture_alloc(ndim, base, 0), v;
    int rc = WK_OK;
    if (kind == 1 && ndim >= 2) rc = wk_tensor_transpose(&v, &b, d0, d1);
    else if (kind == 2 && ndim >= 1) rc = wk_tensor_narrow(&v, &b, d0, 2, shape[d0]);
    else if (kind == 3 && ndim >= 1) rc = wk_tensor_expand(&v, &b, ndim, shape);
    else if (kind == 4) rc = wk_tensor_permute(&v, &b, order);
    else wk_tensor_share(&v, &b);
    if (rc) { printf("  random_layout: %s\n", wk_errmsg()); abort(); }
    wk_tensor_release(&b);
    return v;
}

/* Value at a row-major flat position of any layout. */
static inline float flat(const wk_tensor *t, int64_t i)
{
    int64_t idx[WK_MAX_DIMS];
    for (int d = t->ndim - 1; d >= 0; d--) {
        idx[d] = i % t->shape[d];
        i /= t->shape[d];
    }
    return *wk_tensor_at(t, idx);
}

/* t (any layout) has exactly this shape, and its values match within tol (NaN matches
 * NaN, an infinity matches itself). Prints the first difference. */
static inline int near(const wk_tensor *t, int ndim, const int64_t *shape, const float *values, double tol)
{
    if (t->ndim != ndim) {
        printf("  got %d-D, expected %d-D\n", t->ndim, ndim);
        return 0;
    }
    for (int d = 0; d < ndim; d++)
        if (t->shape[d] != shape[d]) {
            printf("  dimension %d has size %lld, expected %lld\n", d, (long long)t->shape[d], (long long)shape[d]);
            return 0;
        }
    for (int64_t i = 0; i < wk_tensor_numel(t); i++) {
        float v = flat(t, i);
        if (!(v == values[i] || fabs(v - values[i]) <= tol || (isnan(v) && isnan(values[i])))) {
            printf("  element %lld: got %.9g, expected %.9g\n", (long long)i, (double)v, (double)values[i]);
            return 0;
        }
    }
    return 1;
}

/* t has exactly this shape and exactly these values. */
static inline int equals(const wk_tensor *t, int ndim, const int64_t *shape, const float *values)
{
    return near(t, ndim, shape, values, 0);
}

/* max |t - want| over a contiguous t; NaN when any difference is NaN. */
static inline double max_diff(const wk_tensor *t, const double *want)
{
    double m = 0;
    for (int64_t i = 0; i < wk_tensor_numel(t); i++) {
        double d = fabs(wk_tensor_data(t)[i] - want[i]);
        if (!(d <= m)) m = d;
    }
    return m;
}

static inline void release_all(wk_tensor **ts, size_t n)
{
    for (size_t k = 0; k < n; k++) wk_tensor_release(ts[k]);
}

#endif
