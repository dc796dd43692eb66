/* test_reduce.c — unit tests for lib/tensor/reduce.c: hand-computed sums, means,
 * variances, norms and extremes with and without keepdim, empty tensors, NaN, the
 * accuracy of a 16 M-element sum, and a float64 reference for every reduction over
 * every dimension of random shapes in several layouts (transposed, narrowed,
 * expanded, permuted). */
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/tensor/reduce.h"
#include "check.h"
#include "error_checks.h"
#include "tensor_fixtures.h"

/* ---- hand-computed values ---------------------------------------------------------- */

/* [[1,2,3],[4,5,6]] */
static wk_tensor m23(void) { return make(2, SHAPE(2, 3), VALS(1, 2, 3, 4, 5, 6)); }

TEST(sum_mean)
{
    wk_tensor a = m23(), r;
    CHECK(wk_tensor_sum(&r, &a, WK_ALL_DIMS, 0) == WK_OK && near(&r, 0, NULL, VALS(21), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_sum(&r, &a, 0, 0) == WK_OK && near(&r, 1, SHAPE(3), VALS(5, 7, 9), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_sum(&r, &a, 1, 1) == WK_OK && near(&r, 2, SHAPE(2, 1), VALS(6, 15), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_sum(&r, &a, WK_ALL_DIMS, 1) == WK_OK && near(&r, 2, SHAPE(1, 1), VALS(21), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_mean(&r, &a, WK_ALL_DIMS, 0) == WK_OK && near(&r, 0, NULL, VALS(3.5f), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_mean(&r, &a, 0, 0) == WK_OK && near(&r, 1, SHAPE(3), VALS(2.5f, 3.5f, 4.5f), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_mean(&r, &a, 1, 0) == WK_OK && near(&r, 1, SHAPE(2), VALS(2, 5), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_sum_all(&a) == 21);
    CHECK(wk_tensor_sum(&r, &a, 2, 0) == WK_ERR && has_message("dimension 3 is out of range for a 2-D tensor"));
    wk_tensor_release(&a);
}

TEST(var_std)
{
    wk_tensor a = m23(), r;
    /* all: mean 3.5, Σ(x-m)² = 17.5 -> unbiased 3.5, biased 17.5/6 */
    CHECK(wk_tensor_var(&r, &a, WK_ALL_DIMS, 0, 1) == WK_OK && near(&r, 0, NULL, VALS(3.5f), 1e-6));
    wk_tensor_release(&r);
    CHECK(wk_tensor_var(&r, &a, WK_ALL_DIMS, 0, 0) == WK_OK && near(&r, 0, NULL, VALS(17.5f / 6), 1e-6));
    wk_tensor_release(&r);
    CHECK(wk_tensor_std(&r, &a, WK_ALL_DIMS, 0, 1) == WK_OK && near(&r, 0, NULL, VALS(1.8708287f), 1e-6));
    wk_tensor_release(&r);
    /* columns: {1,4} -> var 4.5 unbiased, 2.25 biased */
    CHECK(wk_tensor_var(&r, &a, 0, 0, 1) == WK_OK && near(&r, 1, SHAPE(3), VALS(4.5f, 4.5f, 4.5f), 1e-6));
    wk_tensor_release(&r);
    CHECK(wk_tensor_var(&r, &a, 0, 1, 0) == WK_OK && near(&r, 2, SHAPE(1, 3), VALS(2.25f, 2.25f, 2.25f), 1e-6));
    wk_tensor_release(&r);
    /* rows: {1,2,3} -> var 1, std 1 */
    CHECK(wk_tensor_std(&r, &a, 1, 0, 1) == WK_OK && near(&r, 1, SHAPE(2), VALS(1, 1), 1e-6));
    wk_tensor_release(&r);
    /* one element: unbiased variance is undefined (NaN), biased is 0 */
    wk_tensor one = make(1, SHAPE(1), VALS(5));
    CHECK(wk_tensor_var(&r, &one, WK_ALL_DIMS, 0, 1) == WK_OK && isnan(wk_tensor_data(&r)[0]));
    wk_tensor_release(&r);
    CHECK(wk_tensor_var(&r, &one, WK_ALL_DIMS, 0, 0) == WK_OK && wk_tensor_data(&r)[0] == 0);
    wk_tensor_release(&r);
    wk_tensor_release(&one);
    wk_tensor_release(&a);
}

TEST(var_large_mean)
{
    /* 1e4 + {-1, 0, 1}: a one-pass Σx² - n·m² in float would lose all of it */
    wk_tensor a = make(1, SHAPE(3), VALS(9999, 10000, 10001)), r;
    CHECK(wk_tensor_var(&r, &a, 0, 0, 1) == WK_OK && near(&r, 0, NULL, VALS(1), 1e-9));
    wk_tensor_release(&r);
    CHECK(wk_tensor_var(&r, &a, WK_ALL_DIMS, 0, 0) == WK_OK && near(&r, 0, NULL, VALS(2.0f / 3), 1e-7));
    wk_tensor_release(&r);
    wk_tensor_release(&a);
}

TEST(norms)
{
    wk_tensor a = make(2, SHAPE(2, 2), VALS(3, -4, 0, 12)), r;
    CHECK(wk_tensor_norm(&r, &a, 2, WK_ALL_DIMS, 0) == WK_OK && near(&r, 0, NULL, VALS(13), 1e-6));
    wk_tensor_release(&r);
    CHECK(wk_tensor_norm(&r, &a, 2, 1, 0) == WK_OK && near(&r, 1, SHAPE(2), VALS(5, 12), 1e-6));
    wk_tensor_release(&r);
    CHECK(wk_tensor_norm(&r, &a, 1, WK_ALL_DIMS, 0) == WK_OK && near(&r, 0, NULL, VALS(19), 1e-6));
    wk_tensor_release(&r);
    CHECK(wk_tensor_norm(&r, &a, INFINITY, 0, 1) == WK_OK && near(&r, 2, SHAPE(1, 2), VALS(3, 12), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_norm(&r, &a, -INFINITY, WK_ALL_DIMS, 0) == WK_OK && near(&r, 0, NULL, VALS(0), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_norm(&r, &a, 0, WK_ALL_DIMS, 0) == WK_OK && near(&r, 0, NULL, VALS(3), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_norm(&r, &a, 3, WK_ALL_DIMS, 0) == WK_OK);   /* (27+64+0+1728)^(1/3) */
    CHECK_NEAR(wk_tensor_data(&r)[0], cbrt(1819.0), 1e-5);
    wk_tensor_release(&r);
    CHECK(wk_tensor_norm(&r, &a, NAN, WK_ALL_DIMS, 0) == WK_ERR && has_message("p must be a number"));
    wk_tensor_release(&a);
}

TEST(extremes)
{
    wk_tensor a = make(2, SHAPE(2, 3), VALS(3, 9, 9, -1, 7, 2)), v, i;
    CHECK(wk_tensor_max(&v, NULL, &a, WK_ALL_DIMS, 0) == WK_OK && near(&v, 0, NULL, VALS(9), 0));
    wk_tensor_release(&v);
    CHECK(wk_tensor_max(&v, &i, &a, 1, 0) == WK_OK);
    CHECK(near(&v, 1, SHAPE(2), VALS(9, 7), 0) && near(&i, 1, SHAPE(2), VALS(1, 1), 0));   /* first of a tie */
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    CHECK(wk_tensor_min(&v, &i, &a, 0, 1) == WK_OK);
    CHECK(near(&v, 2, SHAPE(1, 3), VALS(-1, 7, 2), 0) && near(&i, 2, SHAPE(1, 3), VALS(1, 1, 1), 0));
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    CHECK(wk_tensor_argmax(&i, &a, WK_ALL_DIMS, 0) == WK_OK && near(&i, 0, NULL, VALS(1), 0));
    wk_tensor_release(&i);
    CHECK(wk_tensor_argmin(&i, &a, WK_ALL_DIMS, 0) == WK_OK && near(&i, 0, NULL, VALS(3), 0));
    wk_tensor_release(&i);
    CHECK(wk_tensor_argmax(&i, &a, 0, 0) == WK_OK && near(&i, 1, SHAPE(3), VALS(0, 0, 0), 0));
    wk_tensor_release(&i);
    CHECK(wk_tensor_argmin(&i, &a, 1, 1) == WK_OK && near(&i, 2, SHAPE(2, 1), VALS(0, 0), 0));
    wk_tensor_release(&i);

    /* flat argmax of a transposed view counts in the view's row-major order */
    wk_tensor t;
    CHECK(wk_tensor_transpose(&t, &a, 0, 1) == WK_OK);   /* [[3,-1],[9,7],[9,2]] */
    CHECK(wk_tensor_argmax(&i, &t, WK_ALL_DIMS, 0) == WK_OK && near(&i, 0, NULL, VALS(2), 0));
    wk_tensor_release(&i);
    CHECK(wk_tensor_argmin(&i, &t, WK_ALL_DIMS, 0) == WK_OK && near(&i, 0, NULL, VALS(1), 0));
    wk_tensor_release(&i);
    wk_tensor_release(&t);
    wk_tensor_release(&a);
}

TEST(scalar_input)
{
    wk_tensor s = make(0, NULL, VALS(-2.5f)), r;
    CHECK(wk_tensor_sum(&r, &s, WK_ALL_DIMS, 0) == WK_OK && near(&r, 0, NULL, VALS(-2.5f), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_argmax(&r, &s, WK_ALL_DIMS, 0) == WK_OK && near(&r, 0, NULL, VALS(0), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_norm(&r, &s, 2, WK_ALL_DIMS, 0) == WK_OK && near(&r, 0, NULL, VALS(2.5f), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_sum(&r, &s, 0, 0) == WK_ERR && has_message("out of range for a 0-D tensor"));
    wk_tensor_release(&s);
}

TEST(empty)
{
    wk_tensor e = make(2, SHAPE(0, 3), NULL), r, i;
    CHECK(wk_tensor_sum(&r, &e, WK_ALL_DIMS, 0) == WK_OK && near(&r, 0, NULL, VALS(0), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_sum(&r, &e, 0, 0) == WK_OK && near(&r, 1, SHAPE(3), VALS(0, 0, 0), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_sum(&r, &e, 1, 0) == WK_OK && r.ndim == 1 && r.shape[0] == 0);
    wk_tensor_release(&r);
    CHECK(wk_tensor_mean(&r, &e, WK_ALL_DIMS, 0) == WK_OK && isnan(wk_tensor_data(&r)[0]));
    wk_tensor_release(&r);
    CHECK(wk_tensor_mean(&r, &e, 0, 0) == WK_OK && near(&r, 1, SHAPE(3), VALS(NAN, NAN, NAN), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_norm(&r, &e, 2, WK_ALL_DIMS, 0) == WK_OK && near(&r, 0, NULL, VALS(0), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_max(&r, NULL, &e, WK_ALL_DIMS, 0) == WK_ERR);
    CHECK(has_message("cannot take max of an empty tensor of shape [0,3]"));
    CHECK(wk_tensor_argmax(&r, &e, WK_ALL_DIMS, 0) == WK_ERR && has_message("argmax of an empty tensor"));
    CHECK(wk_tensor_min(&r, &i, &e, 0, 0) == WK_ERR && has_message("min over an empty dimension"));
    /* max along the non-empty dim is fine: an empty result */
    CHECK(wk_tensor_max(&r, &i, &e, 1, 0) == WK_OK && r.shape[0] == 0 && i.shape[0] == 0);
    wk_tensor_release(&r);
    wk_tensor_release(&i);
    wk_tensor_release(&e);
}

TEST(nan_propagates)
{
    wk_tensor a = make(2, SHAPE(2, 3), VALS(1, NAN, 5, 2, 3, NAN)), r, i;
    CHECK(wk_tensor_max(&r, NULL, &a, WK_ALL_DIMS, 0) == WK_OK && isnan(wk_tensor_data(&r)[0]));
    wk_tensor_release(&r);
    CHECK(wk_tensor_argmin(&i, &a, WK_ALL_DIMS, 0) == WK_OK && near(&i, 0, NULL, VALS(1), 0));   /* first NaN */
    wk_tensor_release(&i);
    CHECK(wk_tensor_max(&r, &i, &a, 1, 0) == WK_OK && near(&r, 1, SHAPE(2), VALS(NAN, NAN), 0) &&
          near(&i, 1, SHAPE(2), VALS(1, 2), 0));
    wk_tensor_release(&r);
    wk_tensor_release(&i);
    CHECK(wk_tensor_min(&r, &i, &a, 0, 0) == WK_OK && near(&r, 1, SHAPE(3), VALS(1, NAN, NAN), 0) &&
          near(&i, 1, SHAPE(3), VALS(0, 0, 1), 0));
    wk_tensor_release(&r);
    wk_tensor_release(&i);
    CHECK(wk_tensor_sum(&r, &a, 0, 0) == WK_OK && near(&r, 1, SHAPE(3), VALS(3, NAN, NAN), 0));
    wk_tensor_release(&r);
    CHECK(wk_tensor_norm(&r, &a, INFINITY, WK_ALL_DIMS, 0) == WK_OK && isnan(wk_tensor_data(&r)[0]));
    wk_tensor_release(&r);
    wk_tensor_release(&a);
}

TEST(sum_16m_accurate)
{
    /* 2^24 copies of 0.1f: a float running sum stalls near 2^21 (adding 0.1 to 2^21 is
     * below half an ulp), double accumulation is exact to float rounding. */
    int64_t n = (int64_t)1 << 24;
    wk_tensor a, r;
    CHECK(wk_tensor_new(&a, 1, &n) == WK_OK);
    wk_tensor_fill_(&a, 0.1f);
    double want = (double)n * (double)0.1f;
    CHECK(wk_tensor_sum(&r, &a, WK_ALL_DIMS, 0) == WK_OK);
    double got = wk_tensor_data(&r)[0];
    printf("  sum of 2^24 x 0.1f: %.9g (exact %.9g, relative diff %.2g)\n", got, want, fabs(got - want) / want);
    CHECK(fabs(got - want) / want < 1e-7);
    wk_tensor_release(&r);
    CHECK(wk_tensor_mean(&r, &a, WK_ALL_DIMS, 0) == WK_OK && wk_tensor_data(&r)[0] == 0.1f);
    wk_tensor_release(&r);
    /* the same along a dimension, in both loop orders: [4096, 4096] over rows and columns */
    wk_tensor m;
    CHECK(wk_tensor_view(&m, &a, 2, SHAPE(4096, 4096)) == WK_OK);
    for (int dim = 0; dim < 2; dim++) {
        CHECK(wk_tensor_sum(&r, &m, dim, 0) == WK_OK);
        CHECK_NEAR(wk_tensor_data(&r)[17], 4096 * (double)0.1f, 1e-4);
        wk_tensor_release(&r);
    }
    wk_tensor_release(&m);
    wk_tensor_release(&a);
}

/* ---- float64 reference over random shapes and layouts ------------------------------ */

/* A tensor of logical shape laid out one of several ways, its storage filled with
 * normals of mean 1 and deviation 3. */
static wk_tensor random_view(int ndim, const int64_t *shape)
{
    wk_tensor v = random_layout(ndim, shape);
    float *p = v.storage->data;
    for (int64_t i = 0; i < v.storage->numel; i++) p[i] = wk_rng_normal() * 3 + 1;
    return v;
}

enum { R_SUM, R_MEAN, R_VAR, R_STD, R_NORM1, R_NORM2, R_NORM3, R_NORMINF, R_MAX, R_MIN, R_COUNT };

/* The reference value of reduction r over the elements xs[0..n). *index gets the
 * position of the max/min. */
static double ref_reduce(int r, const double *xs, int64_t n, int64_t *index)
{
    double s = 0, m = 0, best = xs[0];
    *index = 0;
    for (int64_t i = 0; i < n; i++) s += xs[i];
    m = s / (double)n;
    switch (r) {
    case R_SUM: return s;
    case R_MEAN: return m;
    case R_VAR:
    case R_STD: {
        double q = 0;
        for (int64_t i = 0; i < n; i++) q += (xs[i] - m) * (xs[i] - m);
        return r == R_VAR ? q / (double)(n - 1) : sqrt(q / (double)(n - 1));
    }
    case R_NORM1:
    case R_NORM2:
    case R_NORM3: {
        double p = r - R_NORM1 + 1, q = 0;
        for (int64_t i = 0; i < n; i++) q += pow(fabs(xs[i]), p);
        return pow(q, 1 / p);
    }
    case R_NORMINF: {
        double q = 0;
        for (int64_t i = 0; i < n; i++) q = fmax(q, fabs(xs[i]));
        return q;
    }
    default:
        for (int64_t i = 1; i < n; i++)
            if (r == R_MAX ? xs[i] > best : xs[i] < best) {
                best = xs[i];
                *index = i;
            }
        return best;
    }
}

/* Run reduction r on src over dim (or all) into *out (+ *idx for max/min). */
static int run_reduce(int r, wk_tensor *out, wk_tensor *idx, const wk_tensor *src, int dim)
{
    switch (r) {
    case R_SUM: return wk_tensor_sum(out, src, dim, 0);
    case R_MEAN: return wk_tensor_mean(out, src, dim, 0);
    case R_VAR: return wk_tensor_var(out, src, dim, 0, 1);
    case R_STD: return wk_tensor_std(out, src, dim, 0, 1);
    case R_NORM1: return wk_tensor_norm(out, src, 1, dim, 0);
    case R_NORM2: return wk_tensor_norm(out, src, 2, dim, 0);
    case R_NORM3: return wk_tensor_norm(out, src, 3, dim, 0);
    case R_NORMINF: return wk_tensor_norm(out, src, INFINITY, dim, 0);
    case R_MAX: return wk_tensor_max(out, idx, src, dim, 0);
    default: return wk_tensor_min(out, idx, src, dim, 0);
    }
}

TEST(reference_reductions)
{
    wk_rng_seed(21);
    double worst = 0;
    int checked = 0;
    double *xs = malloc(sizeof(double) * 4096);
    for (int trial = 0; trial < 300; trial++) {
        int ndim = 1 + (int)below(4);
        int64_t shape[WK_MAX_DIMS];
        for (int d = 0; d < ndim; d++) shape[d] = 2 + below(6);   /* sizes 2..7, numel <= 2401 */
        if (below(4) == 0) {   /* one long dim, for the vectorised paths: numel <= 7 * 263 */
            ndim = 1 + (int)below(2);
            shape[ndim - 1] = 64 + below(200);
        }
        wk_tensor src = random_view(ndim, shape);
        int r = (int)below(R_COUNT);
        int dim = (int)below(ndim + 1) - 1;   /* -1 = WK_ALL_DIMS */
        wk_tensor out, idx = {0};
        CHECK(run_reduce(r, &out, &idx, &src, dim) == WK_OK);
        if (dim == WK_ALL_DIMS) {
            int64_t n = wk_tensor_numel(&src), at;
            for (int64_t i = 0; i < n; i++) xs[i] = flat(&src, i);
            double want = ref_reduce(r, xs, n, &at), err = fabs(wk_tensor_data(&out)[0] - want) / (1 + fabs(want));
            worst = fmax(worst, err);
            checked++;
        } else {
            /* each output element: walk the reduced dim at the matching outer index */
            int64_t R = src.shape[dim];
            for (int64_t o = 0; o < wk_tensor_numel(&out); o++) {
                int64_t rest = o, full[WK_MAX_DIMS];
                for (int d = ndim - 1; d >= 0; d--) {
                    if (d == dim) continue;
                    full[d] = rest % src.shape[d];
                    rest /= src.shape[d];
                }
                for (int64_t k = 0; k < R; k++) {
                    full[dim] = k;
                    xs[k] = *wk_tensor_at(&src, full);
                }
                int64_t at;
                double want = ref_reduce(r, xs, R, &at), err = fabs(wk_tensor_data(&out)[o] - want) / (1 + fabs(want));
                worst = fmax(worst, err);
                if (idx.storage && wk_tensor_data(&idx)[o] != (float)at) {
                    printf("  index mismatch: reduction %d dim %d output %lld: %g vs %lld\n", r, dim, (long long)o,
                           (double)wk_tensor_data(&idx)[o], (long long)at);
                    CHECK(0);
                }
                checked++;
            }
        }
        wk_tensor_release(&out);
        wk_tensor_release(&idx);
        wk_tensor_release(&src);
    }
    free(xs);
    printf("  reference_reductions: %d values, max relative diff %.3g (tolerance 1e-6)\n", checked, worst);
    CHECK(worst <= 1e-6);
}

/* The row-by-row (column-sum) order against the lane order on a matrix whose lane
 * count is not a multiple of the block size (4096), with long contiguous lanes too. */
TEST(block_orders_agree)
{
    wk_rng_seed(22);
    wk_tensor a = make(2, SHAPE(70, 4197), NULL), t, s0, s1, v0, v1, i0, i1;
    for (int64_t i = 0; i < 70 * 4197; i++) wk_tensor_data(&a)[i] = wk_rng_normal();
    CHECK(wk_tensor_transpose(&t, &a, 0, 1) == WK_OK);
    /* a over dim 0 (rows order) == t over dim 1 (lane order, stride 4197) */
    CHECK(wk_tensor_var(&s0, &a, 0, 0, 1) == WK_OK && wk_tensor_var(&s1, &t, 1, 0, 1) == WK_OK);
    CHECK(wk_tensor_max(&v0, &i0, &a, 0, 0) == WK_OK && wk_tensor_max(&v1, &i1, &t, 1, 0) == WK_OK);
    double worst = 0;
    for (int64_t j = 0; j < 4197; j++) {
        worst = fmax(worst, fabs(wk_tensor_data(&s0)[j] - wk_tensor_data(&s1)[j]));
        CHECK(wk_tensor_data(&v0)[j] == wk_tensor_data(&v1)[j] && wk_tensor_data(&i0)[j] == wk_tensor_data(&i1)[j]);
    }
    CHECK(worst < 1e-6);
    wk_tensor *all[] = {&a, &t, &s0, &s1, &v0, &v1, &i0, &i1};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) wk_tensor_release(all[k]);
}

/* Long contiguous lanes take a two-pass vectorised path for max/min: check ties, NaN
 * and the tail against a plain scan. */
TEST(long_lanes)
{
    wk_rng_seed(23);
    int64_t n = 1003;
    wk_tensor a = make(1, &n, NULL), v, i;
    float *x = wk_tensor_data(&a);
    for (int64_t k = 0; k < n; k++) x[k] = wk_rng_normal();
    x[100] = x[900] = 50;    /* a tie for the max: the first wins */
    x[1001] = -60;           /* the min in the scalar tail */
    CHECK(wk_tensor_max(&v, &i, &a, 0, 0) == WK_OK && wk_tensor_data(&v)[0] == 50 && wk_tensor_data(&i)[0] == 100);
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    CHECK(wk_tensor_argmin(&i, &a, WK_ALL_DIMS, 0) == WK_OK && wk_tensor_data(&i)[0] == 1001);
    wk_tensor_release(&i);
    x[700] = NAN;
    x[800] = NAN;
    CHECK(wk_tensor_max(&v, &i, &a, 0, 0) == WK_OK && isnan(wk_tensor_data(&v)[0]) && wk_tensor_data(&i)[0] == 700);
    wk_tensor_release(&v);
    wk_tensor_release(&i);
    CHECK(wk_tensor_argmin(&i, &a, 0, 0) == WK_OK && wk_tensor_data(&i)[0] == 700);
    wk_tensor_release(&i);
    /* rows of a [3, 1003/...] view: each row its own lane */
    wk_tensor m;
    int64_t shape[2] = {1, n};
    CHECK(wk_tensor_view(&m, &a, 2, shape) == WK_OK);
    CHECK(wk_tensor_argmax(&i, &m, 1, 0) == WK_OK && wk_tensor_data(&i)[0] == 700);
    wk_tensor_release(&i);
    wk_tensor_release(&m);
    wk_tensor_release(&a);
}

TEST(no_leaks) { CHECK(wk_tensor_live_bytes() == 0); }

int main(void)
{
    RUN(sum_mean);
    RUN(var_std);
    RUN(var_large_mean);
    RUN(norms);
    RUN(extremes);
    RUN(scalar_input);
    RUN(empty);
    RUN(nan_propagates);
    RUN(sum_16m_accurate);
    RUN(reference_reductions);
    RUN(block_orders_agree);
    RUN(long_lanes);
    RUN(no_leaks);
    return check_summary("reduce");
}
