/* test_activation.c — unit tests of lib/nn/activation.c (pointwise nonlinearities).
 *
 * Forwards are checked at hand-picked points (gelu and elu values from PyTorch 1.13) to
 * 4 float ulps at the inputs' scale, the vectorised exp/sigmoid/tanh against libm's
 * double functions over [-20, 20] (tolerance 4 float ulps relative), and every backward
 * against central finite differences of the float64 function (eps 1e-6, tolerance
 * 1e-5), printing the max diff. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/nn/activation.h"
#include "check.h"
#include "tensor_fixtures.h"

/* The accuracy these kernels promise is a few float ulps (4, as vector_math_is_accurate
 * checks), and which code computes them depends on the build: AVX2 polynomials with
 * -march=native on an AVX2 CPU, glibc's tanhf/expf/erff otherwise. So a hand value is
 * checked to 4 ulps at the scale of the inputs (values of size ~1), not to what one
 * build happens to give: still 100x tighter than a wrong formula (the tanh form of
 * gelu is 1e-4 off at x = 2). */
#define HAND_TOL(want) (4 * FLT_EPSILON * fmax(1.0, fabs(want)))

TEST(forward_hand_values)
{
    wk_tensor x = vec(1, SHAPE(3), (double[]){-1, 0.5, 2}), y = vec(1, SHAPE(3), NULL);
    CHECK(wk_gelu_forward(&y, &x) == WK_OK);
    CHECK_NEAR(wk_tensor_data(&y)[0], -0.15865525, HAND_TOL(-0.15865525));
    CHECK_NEAR(wk_tensor_data(&y)[1], 0.34573123, HAND_TOL(0.34573123));
    CHECK_NEAR(wk_tensor_data(&y)[2], 1.95449974, HAND_TOL(1.95449974));
    CHECK(wk_elu_forward(&y, &x, 1.5f) == WK_OK);
    CHECK_NEAR(wk_tensor_data(&y)[0], -0.94818084, HAND_TOL(-0.94818084));
    CHECK_NEAR(wk_tensor_data(&y)[2], 2.0, 0);   /* x > 0 passes through exactly */
    CHECK(wk_relu_forward(&y, &x) == WK_OK);
    CHECK(wk_tensor_data(&y)[0] == 0 && wk_tensor_data(&y)[1] == 0.5f);
    CHECK(wk_leaky_relu_forward(&y, &x, 0.01f) == WK_OK);
    CHECK_NEAR(wk_tensor_data(&y)[0], -0.01, 1e-9);
    CHECK(wk_sigmoid_forward(&y, &x) == WK_OK);
    CHECK_NEAR(wk_tensor_data(&y)[0], 0.26894142, HAND_TOL(0.26894142));
    CHECK(wk_tanh_forward(&x, &x) == WK_OK);   /* in place */
    CHECK_NEAR(wk_tensor_data(&x)[2], 0.96402758, HAND_TOL(0.96402758));
    wk_tensor_release(&x), wk_tensor_release(&y);
}

/* Relative error of the vectorised functions against libm in double, over 4001 points
 * in [-20, 20] plus the tails (an array length that is not a multiple of 8). */
TEST(vector_math_is_accurate)
{
    enum { n = 4003 };
    static float x[n], y[n];
    for (int i = 0; i < n - 2; i++) x[i] = -20.0f + 40.0f * (float)i / (float)(n - 3);
    x[n - 2] = -100.0f, x[n - 1] = 1e-6f;
    double worst[3] = {0, 0, 0};
    for (int f = 0; f < 3; f++) {
        if (f == 0) wk_vec_exp(y, x, n);
        if (f == 1) wk_vec_sigmoid(y, x, n);
        if (f == 2) wk_vec_tanh(y, x, n);
        for (int i = 0; i < n; i++) {
            double v = x[i], want = f == 0 ? exp(v) : f == 1 ? 1 / (1 + exp(-v)) : tanh(v);
            double err = fabs(y[i] - want);
            double rel = err / fmax(fabs(want), 1e-30);
            if (fabs(want) < 1e-30) rel = err < 1e-30 ? 0 : 1;
            worst[f] = fmax(worst[f], rel);
        }
    }
    printf("  max relative error vs libm: exp %.2g sigmoid %.2g tanh %.2g\n", worst[0], worst[1], worst[2]);
    CHECK(worst[0] < 4 * 1.2e-7);
    CHECK(worst[1] < 4 * 1.2e-7);
    CHECK(worst[2] < 4 * 1.2e-7);
}

/* ---- backward vs finite differences -------------------------------------------------------- */

enum { RELU, LEAKY, ELU, GELU, TANH, SIGMOID };

static double f64(int kind, double v)
{
    switch (kind) {
    case RELU: return v > 0 ? v : 0;
    case LEAKY: return v > 0 ? v : 0.1 * v;
    case ELU: return v > 0 ? v : 1.3 * expm1(v);
    case GELU: return 0.5 * v * (1 + erf(v / sqrt(2.0)));
    case TANH: return tanh(v);
    default: return 1 / (1 + exp(-v));
    }
}

TEST(backward_matches_finite_differences)
{
    static const char *names[] = {"relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid"};
    enum { n = 41 };
    double xs[n], R[n];
    for (int i = 0; i < n; i++) xs[i] = -3.05 + 0.15 * i, R[i] = cos(0.7 * i);   /* never exactly 0 */
    for (int kind = RELU; kind <= SIGMOID; kind++) {
        wk_tensor x = vec(1, SHAPE(n), xs), y = vec(1, SHAPE(n), NULL), dy = vec(1, SHAPE(n), R),
                  dx = vec(1, SHAPE(n), (double[n]){0});
        wk_tensor_data(&dx)[0] = 1.0f;   /* backward overwrites what is there */
        int rc = kind == RELU      ? wk_relu_forward(&y, &x)
                 : kind == LEAKY   ? wk_leaky_relu_forward(&y, &x, 0.1f)
                 : kind == ELU     ? wk_elu_forward(&y, &x, 1.3f)
                 : kind == GELU    ? wk_gelu_forward(&y, &x)
                 : kind == TANH    ? wk_tanh_forward(&y, &x)
                                   : wk_sigmoid_forward(&y, &x);
        CHECK(rc == WK_OK);
        rc = kind == RELU      ? wk_relu_backward(&dx, &dy, &x)
             : kind == LEAKY   ? wk_leaky_relu_backward(&dx, &dy, &x, 0.1f)
             : kind == ELU     ? wk_elu_backward(&dx, &dy, &x, 1.3f)
             : kind == GELU    ? wk_gelu_backward(&dx, &dy, &x)
             : kind == TANH    ? wk_tanh_backward(&dx, &dy, &y)
                               : wk_sigmoid_backward(&dx, &dy, &y);
        CHECK(rc == WK_OK);
        double worst = 0, fwd = 0, eps = 1e-6;
        for (int i = 0; i < n; i++) {
            double v = wk_tensor_data(&x)[i];
            double num = R[i] * (f64(kind, v + eps) - f64(kind, v - eps)) / (2 * eps);
            worst = fmax(worst, fabs(num - wk_tensor_data(&dx)[i]));
            fwd = fmax(fwd, fabs(f64(kind, v) - wk_tensor_data(&y)[i]));
        }
        printf("  %s: forward max diff %.2g, backward max |analytic - numeric| %.2g\n", names[kind], fwd, worst);
        CHECK_NEAR(fwd, 0, 1e-6);
        CHECK_NEAR(worst, 0, 1e-5);
        wk_tensor_release(&x), wk_tensor_release(&y), wk_tensor_release(&dy), wk_tensor_release(&dx);
    }
}

TEST(bad_shapes_are_named)
{
    wk_tensor a = vec(1, SHAPE(3), NULL), b = vec(1, SHAPE(4), NULL), empty = {0};
    CHECK(wk_relu_forward(&b, &a) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "relu_forward: output [4] and input [3] must have the same shape") != NULL);
    CHECK(wk_tanh_backward(&a, &b, &a) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "tanh_backward: grad output [4] and output [3] must have the same shape") != NULL);
    CHECK(wk_gelu_forward(&a, &empty) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "gelu_forward: input is missing or empty") != NULL);
    wk_tensor_release(&a), wk_tensor_release(&b);
}

int main(void)
{
    RUN(forward_hand_values);
    RUN(vector_math_is_accurate);
    RUN(backward_matches_finite_differences);
    RUN(bad_shapes_are_named);
    return check_summary("activation");
}
