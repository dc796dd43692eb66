/* test_loss.c — unit tests of lib/nn/loss.c (softmax family and losses).
 *
 * Forward values are checked against numbers worked out by hand (confirmed with
 * PyTorch 1.13 in float64), tolerance 1e-6 relative to values of size ~1. Backward
 * kernels are checked against the hand-derived gradients, or for softmax/log_softmax
 * against central finite differences of a float64 reference (eps 1e-6, tolerance 1e-6),
 * printing the max diff. Bad targets and shapes must fail with a message naming them. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/nn/loss.h"
#include "check.h"
#include "error_checks.h"
#include "tensor_fixtures.h"

/* ---- softmax family ------------------------------------------------------------------- */

/* softmax(1, 2, 3) = (0.09003057, 0.24472847, 0.66524096); log_softmax = x - 3.40760596.
 * Shifting by 1000 changes nothing (the max is subtracted first). */
TEST(softmax_hand_values_and_stability)
{
    wk_tensor x = vec(2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 1001, 1002, 1003}), y = vec(2, (int64_t[]){2, 3}, NULL);
    static const double sm[] = {0.09003057, 0.24472847, 0.66524096, 0.09003057, 0.24472847, 0.66524096};
    static const double lsm[] = {-2.40760596, -1.40760596, -0.40760596, -2.40760596, -1.40760596, -0.40760596};
    CHECK(wk_softmax_forward(&y, &x, 1) == WK_OK);
    printf("  softmax: max diff %.2g\n", max_diff(&y, sm));
    CHECK_NEAR(max_diff(&y, sm), 0, 1e-6);
    CHECK(wk_log_softmax_forward(&y, &x, -1) == WK_OK);
    printf("  log_softmax: max diff %.2g\n", max_diff(&y, lsm));
    CHECK_NEAR(max_diff(&y, lsm), 0, 2e-6);
    CHECK(wk_softmax_forward(&x, &x, 1) == WK_OK);   /* in place */
    CHECK_NEAR(max_diff(&x, sm), 0, 1e-6);
    release_all((wk_tensor *[]){&x, &y}, 2);
}

/* softmax over dim 0 of (3, 2) and over the middle dim of (2, 3, 2): each lane sums to 1
 * and matches exp(x) / sum exp(x) computed here in double. */
TEST(softmax_along_any_dim)
{
    double xs[12];
    for (int i = 0; i < 12; i++) xs[i] = sin(1.7 * i) * 3;
    wk_tensor x = vec(3, (int64_t[]){2, 3, 2}, xs), y = vec(3, (int64_t[]){2, 3, 2}, NULL);
    CHECK(wk_softmax_forward(&y, &x, 1) == WK_OK);
    double worst = 0;
    for (int o = 0; o < 2; o++)
        for (int i = 0; i < 2; i++) {
            double s = 0;
            for (int j = 0; j < 3; j++) s += exp((float)xs[(o * 3 + j) * 2 + i]);
            for (int j = 0; j < 3; j++) {
                int k = (o * 3 + j) * 2 + i;
                worst = fmax(worst, fabs(wk_tensor_data(&y)[k] - exp((float)xs[k]) / s));
            }
        }
    printf("  softmax dim 1 of [2,3,2]: max diff %.2g\n", worst);
    CHECK_NEAR(worst, 0, 1e-6);
    CHECK(fails_with(wk_softmax_forward(&y, &x, 3), "softmax_forward: dim 3 is out of range for 3-D input [2,3,2]"));
    wk_tensor y2 = vec(2, (int64_t[]){3, 4}, NULL);
    CHECK(fails_with(wk_log_softmax_forward(&y2, &x, 0), "output [3,4] and input [2,3,2] must have the same shape"));
    release_all((wk_tensor *[]){&x, &y, &y2}, 3);
}

/* L = sum(R * softmax(x)) (or log_softmax) in double, for finite differences. */
static double sm_loss(const double *x, const double *R, int64_t outer, int64_t D, int64_t inner, int log_out)
{
    double L = 0;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            double mx = -INFINITY, s = 0;
            for (int64_t j = 0; j < D; j++) mx = fmax(mx, x[(o * D + j) * inner + i]);
            for (int64_t j = 0; j < D; j++) s += exp(x[(o * D + j) * inner + i] - mx);
            for (int64_t j = 0; j < D; j++) {
                int64_t k = (o * D + j) * inner + i;
                double v = x[k] - mx - log(s);
                L += R[k] * (log_out ? v : exp(v));
            }
        }
    return L;
}

static void check_softmax_backward(int log_out, int dim)
{
    int64_t shape[3] = {2, 5, 3}, n = 30;
    int64_t outer = dim == 0 ? 1 : dim == 1 ? 2 : 10, D = shape[dim], inner = dim == 0 ? 15 : dim == 1 ? 3 : 1;
    double x[30], R[30];
    for (int i = 0; i < n; i++) x[i] = (float)(2 * sin(0.9 * i + 0.3)), R[i] = cos(1.3 * i);
    wk_tensor tx = vec(3, shape, x), ty = vec(3, shape, NULL), tR = vec(3, shape, R), tdx = vec(3, shape, NULL);
    CHECK((log_out ? wk_log_softmax_forward(&ty, &tx, dim) : wk_softmax_forward(&ty, &tx, dim)) == WK_OK);
    CHECK((log_out ? wk_log_softmax_backward(&tdx, &tR, &ty, dim) : wk_softmax_backward(&tdx, &tR, &ty, dim)) == WK_OK);
    double worst = 0, eps = 1e-6;
    for (int k = 0; k < n; k++) {
        double keep = x[k];
        x[k] = keep + eps;
        double Lp = sm_loss(x, R, outer, D, inner, log_out);
        x[k] = keep - eps;
        double Lm = sm_loss(x, R, outer, D, inner, log_out);
        x[k] = keep;
        worst = fmax(worst, fabs((Lp - Lm) / (2 * eps) - wk_tensor_data(&tdx)[k]));
    }
    printf("  %s backward dim %d: max |analytic - numeric| %.2g\n", log_out ? "log_softmax" : "softmax", dim, worst);
    CHECK_NEAR(worst, 0, 1e-6);
    release_all((wk_tensor *[]){&tx, &ty, &tR, &tdx}, 4);
}

TEST(softmax_backward_matches_finite_differences)
{
    for (int dim = 0; dim < 3; dim++) {
        check_softmax_backward(0, dim);
        check_softmax_backward(1, dim);
    }
}

/* ---- cross_entropy and nll --------------------------------------------------------------- */

/* logits (1, 2, 3) with class 3 and (1, 1, 1) with class 1:
 *   loss = (0.40760596 + log 3) / 2 = 0.75310913
 *   dlogits = (softmax - onehot) / 2 = (0.0450153, 0.1223642, -0.1673795), (1/6 - 1/2, 1/6, 1/6) */
TEST(cross_entropy_hand_values)
{
    wk_tensor x = vec(2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 1, 1, 1}), t = vec(1, (int64_t[]){2}, (double[]){3, 1}),
              lp = vec(2, (int64_t[]){2, 3}, NULL), g = vec(2, (int64_t[]){2, 3}, NULL);
    float loss = 0;
    CHECK(wk_cross_entropy_forward(&loss, &lp, &x, &t) == WK_OK);
    CHECK_NEAR(loss, 0.75310913, 1e-6);
    CHECK(wk_cross_entropy_backward(&g, 1.0f, &t, &lp) == WK_OK);
    static const double want[] = {0.04501529, 0.12236424, -0.16737952, 1.0 / 6 - 0.5, 1.0 / 6, 1.0 / 6};
    printf("  cross_entropy: loss %.8f, grad max diff %.2g\n", loss, max_diff(&g, want));
    CHECK_NEAR(max_diff(&g, want), 0, 1e-6);
    CHECK(wk_cross_entropy_backward(&g, 2.0f, &t, &lp) == WK_OK);   /* accumulates, scaled by dloss */
    CHECK_NEAR(wk_tensor_data(&g)[2], -0.16737952 * 3, 3e-6);
    /* nll on the saved log-probabilities gives the same loss */
    float l2 = 0;
    CHECK(wk_nll_forward(&l2, &lp, &t) == WK_OK);
    CHECK_NEAR(l2, loss, 1e-7);
    release_all((wk_tensor *[]){&x, &t, &lp, &g}, 4);
}

/* logp rows (-0.1, -2, -3) and (-1, -0.5, -4), classes 2 and 3: loss = (2 + 4) / 2 = 3;
 * dlogp = -1/2 at (1, 2) and (2, 3). */
TEST(nll_hand_values)
{
    wk_tensor lp = vec(2, (int64_t[]){2, 3}, (double[]){-0.1, -2, -3, -1, -0.5, -4}),
              t = vec(1, (int64_t[]){2}, (double[]){2, 3}), g = vec(2, (int64_t[]){2, 3}, NULL);
    float loss = 0;
    CHECK(wk_nll_forward(&loss, &lp, &t) == WK_OK);
    CHECK_NEAR(loss, 3.0, 1e-7);
    CHECK(wk_nll_backward(&g, 1.0f, &t) == WK_OK);
    CHECK(max_diff(&g, (double[]){0, -0.5, 0, 0, 0, -0.5}) == 0);
    release_all((wk_tensor *[]){&lp, &t, &g}, 3);
}

TEST(bad_class_targets_are_named)
{
    wk_tensor x = vec(2, (int64_t[]){2, 3}, NULL), lp = vec(2, (int64_t[]){2, 3}, NULL),
              t0 = vec(1, (int64_t[]){2}, (double[]){1, 0}), t4 = vec(1, (int64_t[]){2}, (double[]){4, 1}),
              th = vec(1, (int64_t[]){2}, (double[]){1.5, 1}), t3 = vec(1, (int64_t[]){3}, (double[]){1, 1, 1}),
              x3 = vec(3, (int64_t[]){2, 3, 4}, NULL);
    float loss;
    CHECK(fails_with(wk_cross_entropy_forward(&loss, &lp, &x, &t0),
                     "cross_entropy_forward: target[2] = 0 is not a class id in 1..3 (class ids are 1-based)"));
    CHECK(fails_with(wk_cross_entropy_forward(&loss, &lp, &x, &t4), "target[1] = 4 is not a class id in 1..3"));
    CHECK(fails_with(wk_nll_forward(&loss, &lp, &th), "nll_forward: target[1] = 1.5 is not a class id"));
    CHECK(fails_with(wk_cross_entropy_forward(&loss, &lp, &x, &t3),
                     "target must be (N) = [2] class ids for logits [2,3], got [3]"));
    CHECK(fails_with(wk_cross_entropy_forward(&loss, &lp, &x3, &t3),
                     "logits must be 2-D (N, C) with N, C >= 1 (reshape a sequence to (N*T, C)), got [2,3,4]"));
    release_all((wk_tensor *[]){&x, &lp, &t0, &t4, &th, &t3, &x3}, 7);
}

/* ---- elementwise losses -------------------------------------------------------------------- */

/* x (1, 2, 3, 4), t (0, 2, 5, 4): mse = (1 + 0 + 4 + 0) / 4 = 1.25, dx = 2 (x - t) / 4;
 * l1 = (1 + 0 + 2 + 0) / 4 = 0.75, dx = sign(x - t) / 4. */
TEST(mse_and_l1_hand_values)
{
    wk_tensor x = vec(1, (int64_t[]){4}, (double[]){1, 2, 3, 4}), t = vec(1, (int64_t[]){4}, (double[]){0, 2, 5, 4}),
              gx = vec(1, (int64_t[]){4}, NULL), gt = vec(1, (int64_t[]){4}, NULL), bad = vec(1, (int64_t[]){3}, NULL);
    float loss = 0;
    CHECK(wk_mse_forward(&loss, &x, &t) == WK_OK);
    CHECK_NEAR(loss, 1.25, 1e-7);
    CHECK(wk_mse_backward(&gx, &gt, 1.0f, &x, &t) == WK_OK);
    CHECK(max_diff(&gx, (double[]){0.5, 0, -1, 0}) < 1e-7);
    CHECK(max_diff(&gt, (double[]){-0.5, 0, 1, 0}) < 1e-7);
    CHECK(wk_l1_forward(&loss, &x, &t) == WK_OK);
    CHECK_NEAR(loss, 0.75, 1e-7);
    CHECK(wk_l1_backward(&gx, NULL, 2.0f, &x, &t) == WK_OK);   /* accumulates onto the mse grads */
    CHECK(max_diff(&gx, (double[]){1.0, 0, -1.5, 0}) < 1e-7);
    CHECK(fails_with(wk_mse_forward(&loss, &x, &bad), "mse_forward: input [4] and target [3] must have the same shape"));
    release_all((wk_tensor *[]){&x, &t, &gx, &gt, &bad}, 5);
}

/* p (0.9, 0.2, 0, 1), t (1, 0, 0, 1): bce = -(log 0.9 + log 0.8) / 4 = 0.08212602;
 * p = 0 with t = 1 hits the clamp: -max(log 0, -100) = 100.
 * dp = (p - t) / max(p (1 - p), 1e-12) / n. */
TEST(bce_hand_values)
{
    wk_tensor p = vec(1, (int64_t[]){4}, (double[]){0.9, 0.2, 0, 1}), t = vec(1, (int64_t[]){4}, (double[]){1, 0, 0, 1}),
              g = vec(1, (int64_t[]){4}, NULL), p1 = vec(1, (int64_t[]){1}, (double[]){0}),
              t1 = vec(1, (int64_t[]){1}, (double[]){1}), pbad = vec(1, (int64_t[]){4}, (double[]){0.5, 1.5, 0, 0});
    float loss = 0;
    CHECK(wk_bce_forward(&loss, &p, &t) == WK_OK);
    CHECK_NEAR(loss, 0.08212602, 1e-7);
    CHECK(wk_bce_forward(&loss, &p1, &t1) == WK_OK);
    CHECK_NEAR(loss, 100.0, 1e-5);
    CHECK(wk_bce_backward(&g, 1.0f, &p, &t) == WK_OK);
    double want[] = {(0.9f - 1.0) / (0.9f * (1 - 0.9f)) / 4, 0.2f / (0.2f * (1 - 0.2f)) / 4, 0, 0};
    printf("  bce: grad max diff %.2g\n", max_diff(&g, want));
    CHECK_NEAR(max_diff(&g, want), 0, 1e-6);
    CHECK(fails_with(wk_bce_forward(&loss, &pbad, &t), "bce_forward: input[2] (flat, 1-based) = 1.5; bce wants probabilities"));
    release_all((wk_tensor *[]){&p, &t, &g, &p1, &t1, &pbad}, 6);
}

/* x (0, 2, -3, 50), t (1, 0, 1, 0.5):
 *   terms log 2 = 0.69314718, 2 + log1p(e^-2) = 2.12692801, 3 + log1p(e^-3) = 3.04858735,
 *   50 - 25 + log1p(e^-50) = 25 -> mean 7.71716564 (no overflow at x = 50)
 *   dx = (sigmoid(x) - t) / 4 */
TEST(bce_with_logits_hand_values)
{
    wk_tensor x = vec(1, (int64_t[]){4}, (double[]){0, 2, -3, 50}), t = vec(1, (int64_t[]){4}, (double[]){1, 0, 1, 0.5}),
              g = vec(1, (int64_t[]){4}, NULL);
    float loss = 0;
    CHECK(wk_bce_with_logits_forward(&loss, &x, &t) == WK_OK);
    CHECK_NEAR(loss, 7.71716564, 1e-6);
    CHECK(wk_bce_with_logits_backward(&g, 1.0f, &x, &t) == WK_OK);
    double want[] = {(0.5 - 1) / 4, (1 / (1 + exp(-2.0))) / 4, (1 / (1 + exp(3.0)) - 1) / 4, 0.5 / 4};
    printf("  bce_with_logits: loss %.8f, grad max diff %.2g\n", loss, max_diff(&g, want));
    CHECK_NEAR(max_diff(&g, want), 0, 1e-7);
    release_all((wk_tensor *[]){&x, &t, &g}, 3);
}

int main(void)
{
    RUN(softmax_hand_values_and_stability);
    RUN(softmax_along_any_dim);
    RUN(softmax_backward_matches_finite_differences);
    RUN(cross_entropy_hand_values);
    RUN(nll_hand_values);
    RUN(bad_class_targets_are_named);
    RUN(mse_and_l1_hand_values);
    RUN(bce_hand_values);
    RUN(bce_with_logits_hand_values);
    return check_summary("loss");
}
