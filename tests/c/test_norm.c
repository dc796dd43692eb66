/* test_norm.c — unit tests of lib/nn/norm.c (batch normalisation).
 *
 * Forward outputs, saved statistics and running statistics are checked against values
 * worked out by hand (and confirmed with PyTorch 1.13's BatchNorm1d/2d in float64),
 * tolerance 1e-5. Backward (training and eval) is checked against central finite
 * differences of a float64 reference of L = sum(y * R) (eps 1e-6, tolerance 1e-5 on
 * gradients of size ~1), printing the max diff. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/nn/activation.h"
#include "../../lib/nn/norm.h"
#include "check.h"
#include "error_checks.h"
#include "tensor_fixtures.h"

/* ---- forward ---------------------------------------------------------------------------- */

/* x (4, 2): channel 0 = 1, 2, 3, 4: mean 2.5, biased var 1.25, unbiased 5/3;
 * channel 1 = 10, 20, 30, 60: mean 30, biased var 350, unbiased 1400/3.
 * gamma (2, 0.5), beta (1, -1), eps 1e-5, momentum 0.1, running stats from (0, 1):
 *   running_mean = 0.1 mean = (0.25, 3);  running_var = 0.9 + 0.1 unbiased = (1.0666667, 47.566667)
 *   y[0][0] = (1 - 2.5) / sqrt(1.25 + 1e-5) * 2 + 1 = -1.68327084 ... */
TEST(train_forward_and_running_stats_1d)
{
    wk_tensor x = vec(2, (int64_t[]){4, 2}, (double[]){1, 10, 2, 20, 3, 30, 4, 60}),
              y = vec(2, (int64_t[]){4, 2}, NULL), g = vec(1, (int64_t[]){2}, (double[]){2, 0.5}),
              b = vec(1, (int64_t[]){2}, (double[]){1, -1}), sm = vec(1, (int64_t[]){2}, NULL),
              si = vec(1, (int64_t[]){2}, NULL), rm = vec(1, (int64_t[]){2}, (double[]){0, 0}),
              rv = vec(1, (int64_t[]){2}, (double[]){1, 1});
    CHECK(wk_batchnorm_forward_train(&y, &sm, &si, &x, &g, &b, &rm, &rv, 0.1f, 1e-5f) == WK_OK);
    static const double want_y[] = {-1.68327084, -1.53452248, 0.10557639, -1.26726124,
                                    1.89442361,  -1.0,        3.68327084, -0.19821629};
    printf("  batchnorm1d train: max diff y %.2g\n", max_diff(&y, want_y));
    CHECK_NEAR(max_diff(&y, want_y), 0, 1e-5);
    CHECK_NEAR(wk_tensor_data(&sm)[0], 2.5, 1e-6);
    CHECK_NEAR(wk_tensor_data(&sm)[1], 30.0, 1e-5);
    CHECK_NEAR(wk_tensor_data(&si)[0], 1.0 / sqrt(1.25 + 1e-5), 1e-6);
    CHECK_NEAR(wk_tensor_data(&si)[1], 1.0 / sqrt(350 + 1e-5), 1e-7);
    CHECK_NEAR(wk_tensor_data(&rm)[0], 0.25, 1e-6);
    CHECK_NEAR(wk_tensor_data(&rm)[1], 3.0, 1e-6);
    CHECK_NEAR(wk_tensor_data(&rv)[0], 1.0666667, 1e-6);
    CHECK_NEAR(wk_tensor_data(&rv)[1], 47.566667, 1e-5);
    /* a second step moves the running stats again: 0.9 * 0.25 + 0.1 * 2.5 = 0.475 */
    CHECK(wk_batchnorm_forward_train(&y, &sm, &si, &x, &g, &b, &rm, &rv, 0.1f, 1e-5f) == WK_OK);
    CHECK_NEAR(wk_tensor_data(&rm)[0], 0.475, 1e-6);
    /* affine off, no running stats */
    CHECK(wk_batchnorm_forward_train(&y, &sm, &si, &x, NULL, NULL, NULL, NULL, 0.1f, 1e-5f) == WK_OK);
    CHECK_NEAR(wk_tensor_data(&y)[0], -1.5 / sqrt(1.25 + 1e-5), 1e-6);
    release_all((wk_tensor *[]){&x, &y, &g, &b, &sm, &si, &rm, &rv}, 8);
}

/* x (2, 2, 1, 2): channel 0 = {1, 2} and {3, 6} -> mean 3, var 3.5;
 * channel 1 = {5, 5} and {7, 9} -> mean 6.5, var 2.75. No affine, eps 1e-5.
 * running_var = 0.9 + 0.1 * var * 4/3 = (1.3666667, 1.2666667). */
TEST(train_forward_2d_mixes_batch_and_space)
{
    wk_tensor x = vec(4, (int64_t[]){2, 2, 1, 2}, (double[]){1, 2, 5, 5, 3, 6, 7, 9}),
              y = vec(4, (int64_t[]){2, 2, 1, 2}, NULL), sm = vec(1, (int64_t[]){2}, NULL),
              si = vec(1, (int64_t[]){2}, NULL), rm = vec(1, (int64_t[]){2}, NULL),
              rv = vec(1, (int64_t[]){2}, (double[]){1, 1});
    CHECK(wk_batchnorm_forward_train(&y, &sm, &si, &x, NULL, NULL, &rm, &rv, 0.1f, 1e-5f) == WK_OK);
    static const double want_y[] = {-1.06904344, -0.53452172, -0.90453239, -0.90453239,
                                    0.0,         1.60356516,  0.30151080,  1.50755398};
    printf("  batchnorm2d train: max diff y %.2g\n", max_diff(&y, want_y));
    CHECK_NEAR(max_diff(&y, want_y), 0, 1e-5);
    CHECK_NEAR(wk_tensor_data(&sm)[0], 3.0, 1e-6);
    CHECK_NEAR(wk_tensor_data(&sm)[1], 6.5, 1e-6);
    CHECK_NEAR(wk_tensor_data(&rv)[0], 1.3666667, 1e-6);
    CHECK_NEAR(wk_tensor_data(&rv)[1], 1.2666667, 1e-6);
    CHECK_NEAR(wk_tensor_data(&rm)[1], 0.65, 1e-6);
    release_all((wk_tensor *[]){&x, &y, &sm, &si, &rm, &rv}, 6);
}

/* running (0.25, 3) / (1.0666667, 47.566667), gamma (2, 0.5), beta (1, -1):
 *   y[0][0] = (0.5 - 0.25) / sqrt(1.0666667 + 1e-5) * 2 + 1 = 1.48412065 */
TEST(eval_forward_uses_running_stats)
{
    wk_tensor x = vec(2, (int64_t[]){2, 2}, (double[]){0.5, 4, 1.5, -2}), y = vec(2, (int64_t[]){2, 2}, NULL),
              g = vec(1, (int64_t[]){2}, (double[]){2, 0.5}), b = vec(1, (int64_t[]){2}, (double[]){1, -1}),
              rm = vec(1, (int64_t[]){2}, (double[]){0.25, 3}),
              rv = vec(1, (int64_t[]){2}, (double[]){1.0666666666666667, 47.56666666666667}),
              sm = vec(1, (int64_t[]){2}, NULL), si = vec(1, (int64_t[]){2}, NULL);
    CHECK(wk_batchnorm_forward_eval(&y, &sm, &si, &x, &g, &b, &rm, &rv, 1e-5f) == WK_OK);
    static const double want_y[] = {1.48412065, -0.92750324, 3.42060324, -1.36248380};
    printf("  batchnorm eval: max diff y %.2g\n", max_diff(&y, want_y));
    CHECK_NEAR(max_diff(&y, want_y), 0, 1e-5);
    CHECK_NEAR(wk_tensor_data(&sm)[1], 3.0, 0);
    CHECK_NEAR(wk_tensor_data(&si)[0], 1.0 / sqrt(1.0666667 + 1e-5), 1e-6);
    CHECK(wk_batchnorm_forward_eval(&y, NULL, NULL, &x, NULL, NULL, &rm, &rv, 1e-5f) == WK_OK);
    CHECK_NEAR(wk_tensor_data(&y)[0], 0.25 / sqrt(1.0666667 + 1e-5), 1e-6);
    release_all((wk_tensor *[]){&x, &y, &g, &b, &rm, &rv, &sm, &si}, 8);
}

/* ---- backward vs finite differences ------------------------------------------------------- */

typedef struct bn_ref {
    int64_t N, C, S;
    double *x, *g, *b, *R, *rm, *rv;
    int training;
} bn_ref;

/* L = sum(y R) of batchnorm in float64 (batch stats when training, else running). */
static double bn_loss(const bn_ref *r)
{
    double L = 0;
    for (int64_t c = 0; c < r->C; c++) {
        double mean = 0, var = 0, M = (double)(r->N * r->S);
        if (r->training) {
            for (int64_t n = 0; n < r->N; n++)
                for (int64_t s = 0; s < r->S; s++) mean += r->x[(n * r->C + c) * r->S + s];
            mean /= M;
            for (int64_t n = 0; n < r->N; n++)
                for (int64_t s = 0; s < r->S; s++) {
                    double d = r->x[(n * r->C + c) * r->S + s] - mean;
                    var += d * d;
                }
            var /= M;
        } else {
            mean = r->rm[c], var = r->rv[c];
        }
        double inv = 1.0 / sqrt(var + 1e-5);
        for (int64_t n = 0; n < r->N; n++)
            for (int64_t s = 0; s < r->S; s++) {
                int64_t i = (n * r->C + c) * r->S + s;
                L += ((r->x[i] - mean) * inv * r->g[c] + r->b[c]) * r->R[i];
            }
    }
    return L;
}

static double fd_worst(const bn_ref *r, double *p, int64_t n, const float *grad)
{
    double worst = 0, eps = 1e-6;
    for (int64_t k = 0; k < n; k++) {
        double keep = p[k];
        p[k] = keep + eps;
        double Lp = bn_loss(r);
        p[k] = keep - eps;
        double Lm = bn_loss(r);
        p[k] = keep;
        double d = fabs((Lp - Lm) / (2 * eps) - grad[k]);
        if (!(d <= worst)) worst = d;
    }
    return worst;
}

static double urand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / (double)(1ULL << 53) * 2.0 - 1.0;
}

static void check_backward(int ndim, const int64_t *shape, int training, int repeats)
{
    uint64_t seed = 99;
    int64_t N = shape[0], C = shape[1], S = 1;
    for (int k = 2; k < ndim; k++) S *= shape[k];
    int64_t n = N * C * S;
    double *x = malloc((size_t)n * sizeof(double)), *R = malloc((size_t)n * sizeof(double));
    double *g = malloc((size_t)C * sizeof(double)), *b = malloc((size_t)C * sizeof(double)),
           *rm = malloc((size_t)C * sizeof(double)), *rv = malloc((size_t)C * sizeof(double));
    for (int64_t i = 0; i < n; i++) x[i] = 2 * urand(&seed) + 0.5, R[i] = urand(&seed);
    for (int64_t c = 0; c < C; c++)
        g[c] = 1 + 0.5 * urand(&seed), b[c] = urand(&seed), rm[c] = urand(&seed), rv[c] = 1 + 0.5 * urand(&seed);
    wk_tensor tx = vec(ndim, shape, x), ty = vec(ndim, shape, NULL), tR = vec(ndim, shape, R),
              tdx = vec(ndim, shape, NULL), tg = vec(1, &C, g), tb = vec(1, &C, b), trm = vec(1, &C, rm),
              trv = vec(1, &C, rv), tsm = vec(1, &C, NULL), tsi = vec(1, &C, NULL), tdg = vec(1, &C, NULL),
              tdb = vec(1, &C, NULL);
    /* the running stats as float32 sees them, so the reference matches */
    for (int64_t c = 0; c < C; c++) rm[c] = wk_tensor_data(&trm)[c], rv[c] = wk_tensor_data(&trv)[c];
    int rc = training ? wk_batchnorm_forward_train(&ty, &tsm, &tsi, &tx, &tg, &tb, NULL, NULL, 0.1f, 1e-5f)
                      : wk_batchnorm_forward_eval(&ty, &tsm, &tsi, &tx, &tg, &tb, &trm, &trv, 1e-5f);
    CHECK(rc == WK_OK);
    for (int k = 0; k < repeats; k++)
        CHECK(wk_batchnorm_backward(&tdx, &tdg, &tdb, &tR, &tx, &tg, &tsm, &tsi, training) == WK_OK);
    wk_tensor *grads[] = {&tdg, &tdb};   /* they accumulate; dx is written afresh each time */
    for (int k = 0; k < 2; k++)
        for (int64_t i = 0; i < wk_tensor_numel(grads[k]); i++) wk_tensor_data(grads[k])[i] /= (float)repeats;
    bn_ref r = {N, C, S, x, g, b, R, rm, rv, training};
    double dx = fd_worst(&r, x, n, wk_tensor_data(&tdx)), dg = fd_worst(&r, g, C, wk_tensor_data(&tdg)),
           db = fd_worst(&r, b, C, wk_tensor_data(&tdb));
    printf("  batchnorm backward %d-D train %d x%d: max |analytic - numeric| dx %.2g dgamma %.2g dbeta %.2g\n", ndim,
           training, repeats, dx, dg, db);
    CHECK_NEAR(dx, 0, 1e-5);
    CHECK_NEAR(dg, 0, 1e-5);
    CHECK_NEAR(db, 0, 1e-5);
    release_all((wk_tensor *[]){&tx, &ty, &tR, &tdx, &tg, &tb, &trm, &trv, &tsm, &tsi, &tdg, &tdb}, 12);
    free(x), free(R), free(g), free(b), free(rm), free(rv);
}

TEST(backward_training_matches_finite_differences)
{
    check_backward(2, (int64_t[]){5, 3}, 1, 1);
    check_backward(3, (int64_t[]){3, 2, 4}, 1, 1);
    check_backward(4, (int64_t[]){2, 3, 2, 3}, 1, 1);
}

TEST(backward_eval_matches_finite_differences)
{
    check_backward(2, (int64_t[]){4, 3}, 0, 1);
    check_backward(4, (int64_t[]){2, 2, 3, 2}, 0, 1);
}

TEST(backward_accumulates_parameter_grads)
{
    check_backward(3, (int64_t[]){3, 2, 4}, 1, 3);
}

/* ---- a fused activation ------------------------------------------------------------------ */

/* max |a - b| over a tensor */
static double tensor_diff(const wk_tensor *a, const wk_tensor *b)
{
    double worst = 0;
    for (int64_t i = 0; i < wk_tensor_numel(a); i++)
        worst = fmax(worst, fabs((double)wk_tensor_data(a)[i] - wk_tensor_data(b)[i]));
    return worst;
}

/* batchnorm + relu / leaky_relu in one pass: the same forward (train and eval, running
 * stats too) and the same gradients as batchnorm followed by the activation's kernels,
 * on a 4-D input whose planes (63 values) end in a tail of 3 and a 2-D (N, C) one. */
static void check_fused(int ndim, const int64_t *shape, int training, float slope)
{
    uint64_t seed = 99 + (uint64_t)ndim * 7 + (uint64_t)training;
    const int64_t C = shape[1];
    int64_t n = 1;
    for (int d = 0; d < ndim; d++) n *= shape[d];
    double *x = malloc((size_t)n * sizeof(double)), *R = malloc((size_t)n * sizeof(double));
    double g[8], b[8], rv[8];
    for (int64_t i = 0; i < n; i++) x[i] = urand(&seed), R[i] = urand(&seed);   /* urand: [-1, 1) */
    for (int64_t c = 0; c < C; c++) g[c] = 1 + 0.5 * urand(&seed), b[c] = 0.15 * urand(&seed), rv[c] = 0.5;
    wk_tensor tx = vec(ndim, shape, x), tR = vec(ndim, shape, R), z = vec(ndim, shape, NULL),
              y1 = vec(ndim, shape, NULL), y2 = vec(ndim, shape, NULL), dz = vec(ndim, shape, NULL),
              dx1 = vec(ndim, shape, NULL), dx2 = vec(ndim, shape, NULL), tg = vec(1, &C, g), tb = vec(1, &C, b),
              rm1 = vec(1, &C, NULL), rv1 = vec(1, &C, rv), rm2 = vec(1, &C, NULL), rv2 = vec(1, &C, rv),
              sm1 = vec(1, &C, NULL), si1 = vec(1, &C, NULL), sm2 = vec(1, &C, NULL), si2 = vec(1, &C, NULL),
              dg1 = vec(1, &C, NULL), db1 = vec(1, &C, NULL), dg2 = vec(1, &C, NULL), db2 = vec(1, &C, NULL);
    wk_bn_act act = {1, slope};
    if (training) {
        CHECK(wk_batchnorm_forward_train(&z, &sm1, &si1, &tx, &tg, &tb, &rm1, &rv1, 0.1f, 1e-5f) == WK_OK);
        CHECK(wk_batchnorm_act_forward_train(&y2, &sm2, &si2, &tx, &tg, &tb, &rm2, &rv2, 0.1f, 1e-5f, act) == WK_OK);
    } else {
        CHECK(wk_batchnorm_forward_eval(&z, &sm1, &si1, &tx, &tg, &tb, &rm1, &rv1, 1e-5f) == WK_OK);
        CHECK(wk_batchnorm_act_forward_eval(&y2, &sm2, &si2, &tx, &tg, &tb, &rm2, &rv2, 1e-5f, act) == WK_OK);
    }
    CHECK((slope == 0 ? wk_relu_forward(&y1, &z) : wk_leaky_relu_forward(&y1, &z, slope)) == WK_OK);
    CHECK((slope == 0 ? wk_relu_backward(&dz, &tR, &z) : wk_leaky_relu_backward(&dz, &tR, &z, slope)) == WK_OK);
    CHECK(wk_batchnorm_backward(&dx1, &dg1, &db1, &dz, &tx, &tg, &sm1, &si1, training) == WK_OK);
    CHECK(wk_batchnorm_act_backward(&dx2, &dg2, &db2, &tR, &tx, &tg, &tb, &sm2, &si2, training, act) == WK_OK);
    int64_t negatives = 0;
    for (int64_t i = 0; i < n; i++) negatives += wk_tensor_data(&z)[i] < 0;
    printf("  fused %d-D train %d slope %g: %lld of %lld below 0; max diff y %.2g dx %.2g dgamma %.2g dbeta %.2g\n",
           ndim, training, (double)slope, (long long)negatives, (long long)n, tensor_diff(&y1, &y2),
           tensor_diff(&dx1, &dx2), tensor_diff(&dg1, &dg2), tensor_diff(&db1, &db2));
    CHECK(negatives > n / 4 && negatives < 3 * n / 4);   /* both sides of the activation's knee */
    CHECK_NEAR(tensor_diff(&y1, &y2), 0, 1e-6);
    CHECK_NEAR(tensor_diff(&rm1, &rm2) + tensor_diff(&rv1, &rv2) + tensor_diff(&sm1, &sm2) + tensor_diff(&si1, &si2), 0, 1e-6);
    CHECK_NEAR(tensor_diff(&dx1, &dx2), 0, 1e-5);
    CHECK_NEAR(tensor_diff(&dg1, &dg2), 0, 1e-5);
    CHECK_NEAR(tensor_diff(&db1, &db2), 0, 1e-5);
    release_all((wk_tensor *[]){&tx, &tR, &z, &y1, &y2, &dz, &dx1, &dx2, &tg, &tb, &rm1, &rv1, &rm2, &rv2, &sm1, &si1,
                                &sm2, &si2, &dg1, &db1, &dg2, &db2},
                22);
    free(x), free(R);
}

TEST(fused_activation_is_batchnorm_then_activation)
{
    for (int training = 0; training <= 1; training++)
        for (int k = 0; k < 2; k++) {
            float slope = k ? 0.2f : 0.0f;
            check_fused(4, (int64_t[]){3, 5, 7, 9}, training, slope);
            check_fused(2, (int64_t[]){40, 6}, training, slope);
        }
}

/* ---- bad arguments ---------------------------------------------------------------------- */

TEST(bad_shapes_are_named)
{
    wk_tensor x1 = vec(1, (int64_t[]){4}, NULL), x = vec(3, (int64_t[]){2, 3, 4}, NULL),
              y = vec(3, (int64_t[]){2, 3, 4}, NULL), ybad = vec(3, (int64_t[]){2, 3, 5}, NULL),
              c3 = vec(1, (int64_t[]){3}, NULL), c4 = vec(1, (int64_t[]){4}, NULL),
              one = vec(2, (int64_t[]){1, 3}, NULL), yone = vec(2, (int64_t[]){1, 3}, NULL);
    CHECK(fails_with(wk_batchnorm_forward_train(&y, &c3, &c3, &x1, NULL, NULL, NULL, NULL, 0.1f, 1e-5f),
                     "batchnorm_forward_train: input must be 2-D (N, C), 3-D (N, C, L) or 4-D (N, C, H, W), got 1-D [4]"));
    CHECK(fails_with(wk_batchnorm_forward_train(&y, &c3, &c3, &x, &c4, NULL, NULL, NULL, 0.1f, 1e-5f),
                     "gamma must be (C) = [3] for input with 3 channels, got [4]"));
    CHECK(fails_with(wk_batchnorm_forward_train(&ybad, &c3, &c3, &x, NULL, NULL, NULL, NULL, 0.1f, 1e-5f),
                     "output must be contiguous with the input's shape [2,3,4], got [2,3,5]"));
    CHECK(fails_with(wk_batchnorm_forward_train(&yone, &c3, &c3, &one, NULL, NULL, NULL, NULL, 0.1f, 1e-5f),
                     "expected more than 1 value per channel when training, got input [1,3]"));
    CHECK(fails_with(wk_batchnorm_forward_eval(&y, NULL, NULL, &x, NULL, NULL, &c4, &c3, 1e-5f),
                     "batchnorm_forward_eval: running_mean must be (C) = [3]"));
    CHECK(fails_with(wk_batchnorm_backward(&y, NULL, NULL, &ybad, &x, NULL, &c3, &c3, 1),
                     "batchnorm_backward: grad output must be contiguous with the input's shape [2,3,4], got [2,3,5]"));
    release_all((wk_tensor *[]){&x1, &x, &y, &ybad, &c3, &c4, &one, &yone}, 8);
}

int main(void)
{
    RUN(train_forward_and_running_stats_1d);
    RUN(train_forward_2d_mixes_batch_and_space);
    RUN(eval_forward_uses_running_stats);
    RUN(backward_training_matches_finite_differences);
    RUN(backward_eval_matches_finite_differences);
    RUN(backward_accumulates_parameter_grads);
    RUN(fused_activation_is_batchnorm_then_activation);
    RUN(bad_shapes_are_named);
    return check_summary("norm");
}
