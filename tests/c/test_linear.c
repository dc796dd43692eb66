/* test_linear.c — unit tests of lib/nn/linear.c (the fused y = x w^T + b).
 *
 * Forward and every gradient are checked against a float64 reference of the same sums
 * (tolerance 1e-4 on values of size ~1-10), with and without a bias, on sizes that are
 * not multiples of any vector width; gradients left out stay untouched; wrong shapes
 * are refused with the function's name. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/nn/linear.h"
#include "check.h"
#include "error_checks.h"
#include "tensor_fixtures.h"

static double max_diff_ref(const wk_tensor *t, const double *ref)
{
    double worst = 0;
    for (int64_t i = 0; i < wk_tensor_numel(t); i++) {
        double d = fabs((double)wk_tensor_data(t)[i] - ref[i]);
        if (d > worst) worst = d;
    }
    return worst;
}

static void run_case(int64_t R, int64_t in, int64_t out, int bias)
{
    wk_tensor x = randn(2, SHAPE(R, in)), w = randn(2, SHAPE(out, in)), b = randn(1, SHAPE(out));
    wk_tensor g = randn(2, SHAPE(R, out)), y = {0}, gx = {0}, gw = {0}, gb = {0};
    const float *px = wk_tensor_data(&x), *pw = wk_tensor_data(&w), *pb = wk_tensor_data(&b), *pg = wk_tensor_data(&g);
    double *ry = calloc((size_t)(R * out), sizeof(double)), *rgx = calloc((size_t)(R * in), sizeof(double));
    double *rgw = calloc((size_t)(out * in), sizeof(double)), *rgb = calloc((size_t)out, sizeof(double));
    for (int64_t r = 0; r < R; r++)
        for (int64_t o = 0; o < out; o++) {
            double s = bias ? pb[o] : 0;
            for (int64_t i = 0; i < in; i++) s += (double)px[r * in + i] * pw[o * in + i];
            ry[r * out + o] = s;
            rgb[o] += pg[r * out + o];
            for (int64_t i = 0; i < in; i++) {
                rgx[r * in + i] += (double)pg[r * out + o] * pw[o * in + i];
                rgw[o * in + i] += (double)pg[r * out + o] * px[r * in + i];
            }
        }
    CHECK(wk_linear_forward(&y, &x, &w, bias ? &b : NULL) == WK_OK);
    CHECK(y.ndim == 2 && y.shape[0] == R && y.shape[1] == out);
    CHECK(max_diff_ref(&y, ry) < 1e-4);
    CHECK(wk_linear_backward(&gx, &gw, &gb, &g, &x, &w) == WK_OK);
    printf("  linear %lldx%lld -> %lld bias %d: max diff y %.2g gx %.2g gw %.2g gb %.2g\n", (long long)R,
           (long long)in, (long long)out, bias, max_diff_ref(&y, ry), max_diff_ref(&gx, rgx), max_diff_ref(&gw, rgw),
           max_diff_ref(&gb, rgb));
    CHECK(max_diff_ref(&gx, rgx) < 1e-4 && max_diff_ref(&gw, rgw) < 1e-4 && max_diff_ref(&gb, rgb) < 1e-4);
    /* one gradient alone: the same numbers, the others not made */
    wk_tensor gw2 = {0};
    CHECK(wk_linear_backward(NULL, &gw2, NULL, &g, &x, &w) == WK_OK);
    CHECK(memcmp(wk_tensor_data(&gw2), wk_tensor_data(&gw), sizeof(float) * (size_t)(out * in)) == 0);
    free(ry), free(rgx), free(rgw), free(rgb);
    wk_tensor_release(&x), wk_tensor_release(&w), wk_tensor_release(&b), wk_tensor_release(&g), wk_tensor_release(&y);
    wk_tensor_release(&gx), wk_tensor_release(&gw), wk_tensor_release(&gb), wk_tensor_release(&gw2);
}

TEST(matches_float64_reference)
{
    run_case(5, 7, 3, 1);
    run_case(5, 7, 3, 0);
    run_case(130, 33, 17, 1);   /* more rows than a GEMM block */
    run_case(1, 1, 1, 1);
}

TEST(empty_inner_size_gives_the_bias)
{
    wk_tensor x = vec(2, SHAPE(3, 0), NULL), w = vec(2, SHAPE(2, 0), NULL), b = make(1, SHAPE(2), VALS(1.5f, -2)),
              y = {0};
    CHECK(wk_linear_forward(&y, &x, &w, &b) == WK_OK);
    CHECK(equals(&y, 2, SHAPE(3, 2), VALS(1.5f, -2, 1.5f, -2, 1.5f, -2)));
    wk_tensor_release(&x), wk_tensor_release(&w), wk_tensor_release(&b), wk_tensor_release(&y);
}

TEST(bad_shapes_are_named)
{
    wk_tensor x = randn(2, SHAPE(4, 3)), w = randn(2, SHAPE(2, 5)), b = randn(1, SHAPE(3)), y = {0};
    CHECK(fails_with(wk_linear_forward(&y, &x, &w, NULL), "linear: input [4,3] has 3 features"));
    wk_tensor w2 = randn(2, SHAPE(2, 3));
    CHECK(fails_with(wk_linear_forward(&y, &x, &w2, &b), "linear: bias must be"));
    wk_tensor g = randn(2, SHAPE(4, 3)), gx = {0};
    CHECK(fails_with(wk_linear_backward(&gx, NULL, NULL, &g, &x, &w2), "linear backward: gradient must be (4, 2)"));
    wk_tensor_release(&x), wk_tensor_release(&w), wk_tensor_release(&b), wk_tensor_release(&w2), wk_tensor_release(&g);
}

int main(void)
{
    RUN(matches_float64_reference);
    RUN(empty_inner_size_gives_the_bias);
    RUN(bad_shapes_are_named);
    return check_summary("linear");
}
