/* test_patch.c — unit tests of lib/nn/patch.c (CNNMRF patch matching): the bank's
 * patches against the windows of the style map, matching against a brute-force float64
 * search over every (window, patch) pair, a map matched against itself, the MRF loss
 * and its gradient against explicit float64 sums and central differences, results
 * that do not depend on the thread count, and the error messages.
 *
 * Tolerances: an index must equal the reference's wherever the best score beats the
 * second best by more than 1e-4 (float32 GEMM rounding is far below that); cosines
 * within 1e-5; the loss within 1e-6 relative; gradients within 1e-4 (1 + |ref|). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/core/threads.h"
#include "../../lib/nn/patch.h"
#include "check.h"
#include "error_checks.h"

static float *randn(int64_t n)
{
    float *p = malloc((size_t)n * sizeof(float));
    for (int64_t i = 0; i < n; i++) p[i] = wk_rng_normal();
    return p;
}

/* window (y, x) of map m (C, H, W), k×k, as (c, p, q) doubles into out */
static void window(double *out, const float *m, int64_t C, int64_t H, int64_t W, int k, int64_t y, int64_t x)
{
    for (int64_t c = 0; c < C; c++)
        for (int p = 0; p < k; p++)
            for (int q = 0; q < k; q++) *out++ = m[(c * H + y + p) * W + x + q];
}

typedef struct cfg {
    int64_t C, Hs, Ws, H, W;
    int k, sstride, xstride;
} cfg;

/* Match x against s with the kernel and by brute force; checks indices where the margin
 * allows and every cosine. Returns the number of windows compared strictly. */
static int64_t check_match(const cfg *g, const float *s, const float *x)
{
    wk_patch_bank b;
    CHECK(wk_patch_bank_init(&b, s, g->C, g->Hs, g->Ws, g->k, g->sstride) == WK_OK);
    int64_t rows, cols;
    CHECK(wk_patch_grid(&rows, &cols, g->H, g->W, g->k, g->xstride) == WK_OK);
    int64_t P = rows * cols, len = g->C * g->k * g->k;
    int32_t *nn = malloc((size_t)P * sizeof *nn);
    float *score = malloc((size_t)P * sizeof *score);
    CHECK(wk_patch_match(&b, nn, score, x, g->C, g->H, g->W, g->xstride) == WK_OK);
    double *xw = malloc((size_t)len * sizeof(double)), *sw = malloc((size_t)len * sizeof(double));
    int64_t strict = 0, wrong = 0;
    double max_cos_diff = 0;
    for (int64_t i = 0; i < P; i++) {
        window(xw, x, g->C, g->H, g->W, g->k, (i / cols) * g->xstride, (i % cols) * g->xstride);
        double xn = 0;
        for (int64_t t = 0; t < len; t++) xn += xw[t] * xw[t];
        double best = -1e300, second = -1e300;
        int64_t at = -1;
        for (int64_t j = 0; j < b.count; j++) {
            window(sw, s, g->C, g->Hs, g->Ws, g->k, (j / b.cols) * g->sstride, (j % b.cols) * g->sstride);
            double dot = 0, sn = 0;
            for (int64_t t = 0; t < len; t++) dot += xw[t] * sw[t], sn += sw[t] * sw[t];
            double v = dot / sqrt(sn);
            if (v > best) second = best, best = v, at = j;
            else if (v > second) second = v;
        }
        if (best - second > 1e-4) {
            strict++;
            if (nn[i] != at) wrong++;
        }
        double cos = best / sqrt(xn);
        double d = fabs(score[i] - cos);
        if (d > max_cos_diff) max_cos_diff = d;
    }
    printf("    C=%lld %lldx%lld vs %lldx%lld k=%d strides %d/%d: %lld patches, %lld windows, %lld strict, %lld "
           "wrong, max cosine diff %.3g\n",
           (long long)g->C, (long long)g->H, (long long)g->W, (long long)g->Hs, (long long)g->Ws, g->k, g->sstride,
           g->xstride, (long long)b.count, (long long)P, (long long)strict, (long long)wrong, max_cos_diff);
    CHECK(wrong == 0);
    CHECK(strict >= P * 9 / 10);   /* random maps: near-ties are rare, so the check has teeth */
    CHECK_NEAR(max_cos_diff, 0.0, 1e-5);
    free(xw), free(sw), free(nn), free(score);
    wk_patch_bank_free(&b);
    return strict;
}

TEST(match_brute_force)
{
    wk_rng_seed(1);
    const cfg cases[] = {
        {5, 9, 8, 7, 10, 3, 1, 1},      /* small, odd sizes */
        {5, 11, 12, 9, 9, 3, 2, 1},     /* style stride 2 */
        {4, 10, 10, 11, 13, 3, 1, 2},   /* synthesis stride 2 */
        {3, 8, 9, 6, 7, 2, 1, 1},       /* even patch */
        {2, 6, 6, 5, 5, 1, 1, 1},       /* 1×1 patches */
        {1, 56, 50, 21, 30, 3, 1, 1},   /* 2592 patches: two patch tiles; 532 windows: three position tiles */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const cfg *g = &cases[c];
        float *s = randn(g->C * g->Hs * g->Ws), *x = randn(g->C * g->H * g->W);
        check_match(g, s, x);
        free(s), free(x);
    }
}

TEST(match_finds_itself)
{
    wk_rng_seed(2);
    int64_t C = 6, H = 17, W = 15;
    float *s = randn(C * H * W);
    for (int stride = 1; stride <= 2; stride++) {
        wk_patch_bank b;
        CHECK(wk_patch_bank_init(&b, s, C, H, W, 3, stride) == WK_OK);
        int32_t *nn = malloc((size_t)b.count * sizeof *nn);
        float *score = malloc((size_t)b.count * sizeof *score);
        CHECK(wk_patch_match(&b, nn, score, s, C, H, W, stride) == WK_OK);
        int64_t wrong = 0;
        double worst = 1;
        for (int64_t i = 0; i < b.count; i++) {
            if (nn[i] != i) wrong++;
            if (score[i] < worst) worst = score[i];
        }
        printf("    stride %d: %lld of %lld windows not matched to themselves, lowest cosine %.7f\n", stride,
               (long long)wrong, (long long)b.count, worst);
        CHECK(wrong == 0);
        CHECK_NEAR(worst, 1.0, 1e-5);
        free(nn), free(score);
        wk_patch_bank_free(&b);
    }
    free(s);
}

TEST(bank_patches)
{
    wk_rng_seed(3);
    int64_t C = 3, H = 7, W = 9;
    float *s = randn(C * H * W);
    memset(s, 0, 3 * sizeof(float));   /* a zero row: no patch is zero, but fine */
    wk_patch_bank b;
    CHECK(wk_patch_bank_init(&b, s, C, H, W, 3, 2) == WK_OK);
    CHECK(b.rows == 3 && b.cols == 4 && b.count == 12 && b.len == 27);
    float *raw = malloc((size_t)(b.count * b.len) * sizeof(float));
    float *unit = malloc((size_t)(b.count * b.len) * sizeof(float));
    wk_patch_bank_patches(&b, raw, 0);
    wk_patch_bank_patches(&b, unit, 1);
    double ref[27], worst = 0, worst_norm = 0;
    for (int64_t j = 0; j < b.count; j++) {
        window(ref, s, C, H, W, 3, (j / b.cols) * 2, (j % b.cols) * 2);
        double n = 0;
        for (int t = 0; t < 27; t++) {
            worst = fmax(worst, fabs(raw[j * 27 + t] - ref[t]));
            n += (double)unit[j * 27 + t] * unit[j * 27 + t];
        }
        worst_norm = fmax(worst_norm, fabs(sqrt(n) - 1));
        CHECK_NEAR(b.norms[j] * unit[j * 27 + 5], raw[j * 27 + 5], 1e-5);
    }
    CHECK(worst == 0);
    CHECK_NEAR(worst_norm, 0.0, 1e-6);
    free(raw), free(unit), free(s);
    wk_patch_bank_free(&b);

    /* an all-zero style map: normalised patches stay zero (no NaN), matching still works */
    float zero[2 * 4 * 4] = {0};
    CHECK(wk_patch_bank_init(&b, zero, 2, 4, 4, 3, 1) == WK_OK);
    CHECK(b.normed[0] == 0.0f && b.norms[3] == 0.0f);
    int32_t nn[4];
    float score[4];
    CHECK(wk_patch_match(&b, nn, score, zero, 2, 4, 4, 1) == WK_OK);
    CHECK(nn[0] == 0 && nn[3] == 0 && score[2] == 0.0f);
    wk_patch_bank_free(&b);
}

/* loss in double over the windows of x at stride xs, for given matches */
static double ref_loss(double *grad, const wk_patch_bank *b, const float *x, int64_t H, int64_t W, int xs,
                       const int32_t *nn)
{
    int64_t rows, cols;
    wk_patch_grid(&rows, &cols, H, W, b->size, xs);
    int k = b->size;
    double sum = 0;
    if (grad) memset(grad, 0, (size_t)(b->C * H * W) * sizeof(double));
    for (int64_t i = 0; i < rows * cols; i++) {
        int64_t y = (i / cols) * xs, xx = (i % cols) * xs;
        int64_t sy = (nn[i] / b->cols) * b->stride, sx = (nn[i] % b->cols) * b->stride;
        for (int64_t c = 0; c < b->C; c++)
            for (int p = 0; p < k; p++)
                for (int q = 0; q < k; q++) {
                    double d = (double)x[(c * H + y + p) * W + xx + q] - b->style[(c * b->H + sy + p) * b->W + sx + q];
                    sum += d * d;
                    if (grad) grad[(c * H + y + p) * W + xx + q] += 2 * d;
                }
    }
    return sum;
}

TEST(loss_and_gradient)
{
    wk_rng_seed(4);
    const cfg cases[] = {{4, 9, 10, 8, 11, 3, 1, 1}, {3, 10, 9, 9, 12, 3, 2, 2}, {70, 6, 6, 5, 6, 2, 1, 1}};
    for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
        const cfg *g = &cases[ci];
        int64_t n = g->C * g->H * g->W;
        float *s = randn(g->C * g->Hs * g->Ws), *x = randn(n), *grad = malloc((size_t)n * sizeof(float));
        double *gref = malloc((size_t)n * sizeof(double));
        wk_patch_bank b;
        CHECK(wk_patch_bank_init(&b, s, g->C, g->Hs, g->Ws, g->k, g->sstride) == WK_OK);
        int64_t rows, cols;
        wk_patch_grid(&rows, &cols, g->H, g->W, g->k, g->xstride);
        int32_t *nn = malloc((size_t)(rows * cols) * sizeof *nn);
        CHECK(wk_patch_match(&b, nn, NULL, x, g->C, g->H, g->W, g->xstride) == WK_OK);
        for (int64_t i = 0; i < n; i++) grad[i] = 123.0f;   /* overwritten, not accumulated */
        double loss = -1, loss2 = -1;
        CHECK(wk_patch_loss(&b, &loss, grad, x, g->C, g->H, g->W, g->xstride, nn) == WK_OK);
        CHECK(wk_patch_loss(&b, &loss2, NULL, x, g->C, g->H, g->W, g->xstride, nn) == WK_OK);
        double lref = ref_loss(gref, &b, x, g->H, g->W, g->xstride, nn);
        double gd = 0, gmax = 0;
        for (int64_t i = 0; i < n; i++) gd = fmax(gd, fabs(grad[i] - gref[i])), gmax = fmax(gmax, fabs(gref[i]));
        /* central differences of the (quadratic) loss with the matches held fixed */
        double fd = 0;
        for (int t = 0; t < 12; t++) {
            int64_t i = (int64_t)wk_rng_below((uint64_t)n);
            float keep = x[i], e = 0.01f;
            x[i] = keep + e;
            double up = ref_loss(NULL, &b, x, g->H, g->W, g->xstride, nn);
            x[i] = keep - e;
            double down = ref_loss(NULL, &b, x, g->H, g->W, g->xstride, nn);
            x[i] = keep;
            double h = ((double)(keep + e) - (double)(keep - e));
            fd = fmax(fd, fabs((up - down) / h - grad[i]));
        }
        printf("    case %zu: loss %.6g (ref %.6g), grad max diff %.3g, finite-difference max diff %.3g\n", ci, loss,
               lref, gd, fd);
        CHECK_NEAR(loss, lref, 1e-6 * lref);
        CHECK(loss2 == loss);
        CHECK_NEAR(gd, 0.0, 1e-4 * (1 + gmax));
        CHECK_NEAR(fd, 0.0, 1e-3 * (1 + gmax));
        free(s), free(x), free(grad), free(gref), free(nn);
        wk_patch_bank_free(&b);
    }
}

TEST(same_on_any_thread_count)
{
    wk_rng_seed(5);
    int64_t C = 8, H = 40, W = 44;
    float *s = randn(C * H * W), *x = randn(C * 30 * 34), *g1 = malloc(C * 30 * 34 * sizeof(float)),
          *g2 = malloc(C * 30 * 34 * sizeof(float));
    wk_patch_bank b;
    CHECK(wk_patch_bank_init(&b, s, C, H, W, 3, 1) == WK_OK);
    int64_t P = 28 * 32;
    int32_t *n1 = malloc(P * sizeof *n1), *n2 = malloc(P * sizeof *n2);
    float *c1 = malloc(P * sizeof *c1), *c2 = malloc(P * sizeof *c2);
    int before = wk_threads_count();
    double l1, l2;
    wk_threads_set(1);
    CHECK(wk_patch_match(&b, n1, c1, x, C, 30, 34, 1) == WK_OK);
    CHECK(wk_patch_loss(&b, &l1, g1, x, C, 30, 34, 1, n1) == WK_OK);
    wk_threads_set(2);
    CHECK(wk_patch_match(&b, n2, c2, x, C, 30, 34, 1) == WK_OK);
    CHECK(wk_patch_loss(&b, &l2, g2, x, C, 30, 34, 1, n2) == WK_OK);
    wk_threads_set(before);
    CHECK(memcmp(n1, n2, P * sizeof *n1) == 0);
    CHECK(memcmp(c1, c2, P * sizeof *c1) == 0);
    CHECK(l1 == l2);
    CHECK(memcmp(g1, g2, C * 30 * 34 * sizeof(float)) == 0);
    free(s), free(x), free(g1), free(g2), free(n1), free(n2), free(c1), free(c2);
    wk_patch_bank_free(&b);
}

TEST(errors)
{
    float m[2 * 5 * 5] = {0};
    wk_patch_bank b;
    CHECK(fails_with(wk_patch_bank_init(&b, m, 2, 5, 5, 6, 1), "does not fit in a 5×5 map"));
    CHECK(b.normed == NULL);
    CHECK(fails_with(wk_patch_bank_init(&b, m, 2, 5, 5, 3, 0), "stride must be"));
    CHECK(fails_with(wk_patch_bank_init(&b, m, 0, 5, 5, 3, 1), "at least one channel"));
    m[7] = NAN;
    CHECK(fails_with(wk_patch_bank_init(&b, m, 2, 5, 5, 3, 1), "NaN or an infinity"));
    m[7] = 0;
    CHECK(wk_patch_bank_init(&b, m, 2, 5, 5, 3, 1) == WK_OK);
    int32_t nn[9] = {0};
    float x[3 * 5 * 5] = {0};
    CHECK(fails_with(wk_patch_match(&b, nn, NULL, x, 3, 5, 5, 1), "x has 3 channels, the style map 2"));
    CHECK(fails_with(wk_patch_match(&b, nn, NULL, x, 2, 2, 5, 1), "does not fit in a 2×5 map"));
    x[4] = INFINITY;
    CHECK(fails_with(wk_patch_match(&b, nn, NULL, x, 2, 5, 5, 1), "x holds a NaN"));
    x[4] = 0;
    double loss;
    nn[8] = 9;
    CHECK(fails_with(wk_patch_loss(&b, &loss, NULL, x, 2, 5, 5, 1, nn), "match 9 names patch 10, the bank has 9"));
    nn[8] = -1;
    CHECK(fails_with(wk_patch_loss(&b, &loss, NULL, x, 2, 5, 5, 1, nn), "names patch 0"));
    wk_patch_bank_free(&b);
    CHECK(fails_with(wk_patch_match(&b, nn, NULL, x, 2, 5, 5, 1), "the bank is empty"));
    wk_patch_bank_free(&b);   /* twice is fine */
}

int main(void)
{
    RUN(match_brute_force);
    RUN(match_finds_itself);
    RUN(bank_patches);
    RUN(loss_and_gradient);
    RUN(same_on_any_thread_count);
    RUN(errors);
    return check_summary("patch");
}
