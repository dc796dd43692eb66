/* test_panel_gemm.c — lib/nn/panel_gemm.c, the SGEMM with B in panels of 32 columns
 * behind conv_engine.c's products on small maps, and im2col.c's wk_im2col_panels and
 * wk_im2col_tpanels that feed it: every product against a float64 reference, on sizes
 * with ragged edges (M not a multiple of 8, P not a multiple of 32, a single column, a
 * single row), A packed from a row-major matrix and from its transpose, B gathered into
 * panels and B copied from a row-major matrix, beta 0 (C only written: NaN already in C
 * must not leak in), 1 and 0.5; that nothing past M rows or P columns of C is touched;
 * products written into per-image planes (wk_panel_gemm_images, micro-tiles straddling
 * two images, with and without a bias); and that both im2cols into panels put each value
 * where wk_im2col puts it. Runs on any CPU (the plain loop where AVX-512 is missing). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/nn/im2col.h"
#include "../../lib/nn/panel_gemm.h"
#include "check.h"

static float *randn_floats(int64_t n)
{
    float *p = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    for (int64_t i = 0; i < n; i++) p[i] = wk_rng_normal();
    return p;
}

/* One product C = A B + beta C0 with A (M, R) row-major (or given transposed) and B (R,
 * P), C with leading dimension ldc > P and guard values around it. */
static void check_product(int64_t M, int64_t R, int64_t P, float beta, int a_transposed, int b_rows)
{
    const int64_t ldc = P + 5, rows_c = M + 2;
    float *A = randn_floats(M * R), *B = randn_floats(R * P), *C0 = randn_floats(rows_c * ldc);
    float *C = malloc(sizeof(float) * (size_t)(rows_c * ldc));
    memcpy(C, C0, sizeof(float) * (size_t)(rows_c * ldc));
    if (beta == 0.0f)   /* beta 0 must not read C: a NaN there would otherwise come out */
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < P; j++) C[i * ldc + j] = NAN;
    float *At = malloc(sizeof(float) * (size_t)(M * R > 0 ? M * R : 1));   /* A^T (R, M) */
    for (int64_t m = 0; m < M; m++)
        for (int64_t r = 0; r < R; r++) At[r * M + m] = A[m * R + r];
    float *Ap = malloc(sizeof(float) * wk_panel_a_floats(M, R));
    if (a_transposed) wk_panel_pack_a(Ap, At, M, R, 1, M);
    else wk_panel_pack_a(Ap, A, M, R, R, 1);
    if (b_rows) {
        float *scratch = malloc(sizeof(float) * wk_panel_b_floats(R, WK_PANEL_NP));
        wk_panel_gemm_rows(C, ldc, Ap, B, P, M, R, P, beta, scratch);
        free(scratch);
    } else {
        float *Bp = malloc(sizeof(float) * wk_panel_b_floats(R, P));
        for (int64_t r = 0; r < R; r++) {   /* row r in two runs: the put may split anywhere */
            const int64_t half = P / 3;
            wk_panel_b_put(Bp, R, r, 0, B + r * P, half);
            wk_panel_b_put(Bp, R, r, half, B + r * P + half, P - half);
        }
        wk_panel_b_pad(Bp, R, P);
        wk_panel_gemm(C, ldc, Ap, Bp, M, R, P, beta);
        free(Bp);
    }
    double worst = 0, scale = 0;
    int untouched = 1;
    for (int64_t i = 0; i < rows_c; i++)
        for (int64_t j = 0; j < ldc; j++) {
            const float got = C[i * ldc + j];
            if (i >= M || j >= P) {   /* outside the product: exactly as it was */
                if (memcmp(&got, &C0[i * ldc + j], sizeof got)) untouched = 0;
                continue;
            }
            double want = beta * (double)C0[i * ldc + j];
            for (int64_t r = 0; r < R; r++) want += (double)A[i * R + r] * B[r * P + j];
            if (fabs(want - got) > worst || isnan(got)) worst = isnan(got) ? INFINITY : fabs(want - got);
            if (fabs(want) > scale) scale = fabs(want);
        }
    const double tol = 2e-6 * (double)(R + 1) * (scale > 1 ? scale : 1);   /* one term missed: about 1 */
    printf("    M=%lld R=%lld P=%lld beta=%g A%s B%s: max diff %.3g (tol %.3g)\n", (long long)M, (long long)R,
           (long long)P, (double)beta, a_transposed ? "^T" : "", b_rows ? " rows" : " panels", worst, tol);
    CHECK(worst <= tol);
    CHECK(untouched);
    free(A), free(B), free(C0), free(C), free(At), free(Ap);
}

TEST(products_match_float64)
{
    static const int64_t SIZES[][3] = {
        /* M    R    P */
        {8, 16, 32},      /* one whole tile */
        {13, 7, 45},      /* ragged M and P */
        {1, 1, 1},        /* one value */
        {3, 300, 1},      /* one column, a long inner dimension */
        {128, 128, 245},  /* a DCGAN-28 input gradient's chunk: 5 images of 7x7 */
        {33, 64, 97},     /* a panel of one column at the end */
    };
    for (size_t k = 0; k < sizeof SIZES / sizeof SIZES[0]; k++) {
        const int64_t M = SIZES[k][0], R = SIZES[k][1], P = SIZES[k][2];
        check_product(M, R, P, 0.0f, 0, 0);
        check_product(M, R, P, 1.0f, 1, 0);
        check_product(M, R, P, 0.5f, 0, 1);
        check_product(M, R, P, 0.0f, 1, 1);
    }
}

/* wk_panel_gemm_images: the product's columns land in per-image planes (NCHW), tiles
 * that straddle two images included, and nothing between the planes is touched. */
TEST(products_into_image_planes)
{
    static const int64_t SIZES[][4] = {
        /* M   R  seg images */
        {13, 20, 45, 3},   /* tiles straddle images */
        {16, 9, 32, 4},    /* one tile an image */
        {5, 33, 49, 5},    /* a DCGAN-28's 7x7, five images */
    };
    for (size_t k = 0; k < sizeof SIZES / sizeof SIZES[0]; k++)
        for (int with_beta = 0; with_beta < 2; with_beta++) {
            const int64_t M = SIZES[k][0], R = SIZES[k][1], seg = SIZES[k][2], n = SIZES[k][3], P = n * seg;
            const int64_t Mtot = M + 3, stride = Mtot * seg;   /* planes of Mtot channels: rows past M untouched */
            float *A = randn_floats(M * R), *B = randn_floats(R * P), *C0 = randn_floats(n * stride);
            float *C = malloc(sizeof(float) * (size_t)(n * stride));
            memcpy(C, C0, sizeof(float) * (size_t)(n * stride));
            float *Ap = malloc(sizeof(float) * wk_panel_a_floats(M, R));
            float *Bp = malloc(sizeof(float) * wk_panel_b_floats(R, P));
            wk_panel_pack_a(Ap, A, M, R, R, 1);
            for (int64_t r = 0; r < R; r++) wk_panel_b_put(Bp, R, r, 0, B + r * P, P);
            wk_panel_b_pad(Bp, R, P);
            const float beta = with_beta ? 1.0f : 0.0f;
            float *bias = k == 1 ? NULL : randn_floats(M);   /* a bias along the rows, or none */
            if (k % 2) {   /* B row-major, copied a panel at a time */
                float *scratch = malloc(sizeof(float) * wk_panel_b_floats(R, WK_PANEL_NP));
                wk_panel_gemm_images(C, seg, seg, stride, Ap, B, P, M, R, P, beta, bias, scratch);
                free(scratch);
            } else {
                wk_panel_gemm_images(C, seg, seg, stride, Ap, Bp, 0, M, R, P, beta, bias, NULL);
            }
            double worst = 0;
            int untouched = 1;
            for (int64_t im = 0; im < n; im++)
                for (int64_t o = 0; o < Mtot; o++)
                    for (int64_t q = 0; q < seg; q++) {
                        const int64_t at = im * stride + o * seg + q;
                        if (o >= M) {
                            untouched &= memcmp(&C[at], &C0[at], sizeof(float)) == 0;
                            continue;
                        }
                        double want = beta * (double)C0[at] + (bias ? bias[o] : 0.0);
                        for (int64_t r = 0; r < R; r++) want += (double)A[o * R + r] * B[r * P + im * seg + q];
                        if (fabs(want - C[at]) > worst) worst = fabs(want - C[at]);
                    }
            printf("    M=%lld R=%lld %lld images of %lld, beta %g%s: max diff %.3g\n", (long long)M, (long long)R,
                   (long long)n, (long long)seg, (double)beta, bias ? ", bias" : "", worst);
            CHECK(worst < 1e-4);
            CHECK(untouched);
            free(A), free(B), free(C0), free(C), free(Ap), free(Bp), free(bias);
        }
}

/* wk_im2col_panels and wk_im2col_tpanels (the transposed panels of the weight gradient)
 * against wk_im2col, on a DCGAN-like 4x4 stride-2 conv (7x7 outputs, images starting
 * mid-panel, an odd channel count: a last panel of one channel) and a 3x3 stride-2 one
 * with 13-wide rows (9 taps a channel: tap rows straddle panels). */
TEST(im2col_into_panels_matches_im2col)
{
    static const int64_t GEOMS[][7] = {
        /* Ci  H   W  k  s  p  images */
        {3, 14, 14, 4, 2, 1, 5},
        {2, 26, 25, 3, 2, 1, 3},
    };
    for (size_t k = 0; k < sizeof GEOMS / sizeof GEOMS[0]; k++) {
        wk_conv_geom g = {0};
        g.N = GEOMS[k][6], g.G = 1, g.Ci = GEOMS[k][0], g.H = GEOMS[k][1], g.W = GEOMS[k][2];
        g.kH = g.kW = GEOMS[k][3], g.sH = g.sW = GEOMS[k][4], g.pH = g.pW = GEOMS[k][5], g.dH = g.dW = 1;
        g.Ho = (g.H + 2 * g.pH - g.kH) / g.sH + 1, g.Wo = (g.W + 2 * g.pW - g.kW) / g.sW + 1;
        g.Co = 1;
        wk_conv_geom_finish(&g);
        const int64_t seg = g.HWo, P = g.N * seg;
        float *img = randn_floats(g.N * g.Ci * g.HW), *cols = malloc(sizeof(float) * (size_t)(g.K * P));
        float *panels = malloc(sizeof(float) * wk_panel_b_floats(g.K, P));
        float *tpanels = malloc(sizeof(float) * wk_panel_b_floats(P, g.K));   /* (P, K) in panels */
        for (int64_t i = 0; i < g.N; i++) wk_im2col(cols + i * seg, P, img + i * g.Ci * g.HW, &g, 0, g.Ho);
        int applied = 1, tapplied = 1;
        for (int64_t i = 0; i < g.N; i++) applied &= wk_im2col_panels(panels, i * seg, img + i * g.Ci * g.HW, &g);
        for (int64_t i = 0; i < g.N; i++)
            tapplied &= wk_im2col_tpanels(tpanels, P, i * seg, img + i * g.Ci * g.HW, &g);
        if (!wk_panel_gemm_fast()) {   /* only compiled in with AVX-512 */
            printf("    no AVX-512: wk_im2col_panels and _tpanels decline (%d, %d)\n", applied, tapplied);
            CHECK(!applied && !tapplied);
        } else {
            CHECK(applied && tapplied);
            int64_t wrong = 0, twrong = 0;
            for (int64_t r = 0; r < g.K; r++)
                for (int64_t p = 0; p < P; p++) {
                    const float a = cols[r * P + p], b = panels[(p / WK_PANEL_NP) * g.K * WK_PANEL_NP +
                                                                r * WK_PANEL_NP + p % WK_PANEL_NP];
                    const float t = tpanels[(r / WK_PANEL_NP) * P * WK_PANEL_NP + p * WK_PANEL_NP + r % WK_PANEL_NP];
                    wrong += memcmp(&a, &b, sizeof a) != 0;
                    twrong += memcmp(&a, &t, sizeof a) != 0;
                }
            printf("    %lldx%lld k%lld s%lld -> %lldx%lld, %lld images: %lld values differ, %lld transposed\n",
                   (long long)g.H, (long long)g.W, (long long)g.kH, (long long)g.sH, (long long)g.Ho, (long long)g.Wo,
                   (long long)g.N, (long long)wrong, (long long)twrong);
            CHECK(wrong == 0);
            CHECK(twrong == 0);
        }
        free(img), free(cols), free(panels), free(tpanels);
    }
}

int main(void)
{
    wk_rng_seed(7);
    RUN(products_match_float64);
    RUN(products_into_image_planes);
    RUN(im2col_into_panels_matches_im2col);
    return check_summary("panel_gemm");
}
