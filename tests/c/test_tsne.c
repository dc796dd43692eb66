/* test_tsne.c — t-SNE pieces: kNN, perplexity calibration, the three repulsion methods
 * against each other, the optimiser (KL goes down, same seed same result) and bad input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/embed/tsne.h"
#include "check.h"

/* n points in d dims: `clusters` Gaussian blobs. */
static float *blobs(int64_t n, int64_t d, int clusters, float spread)
{
    float *x = malloc((size_t)n * d * sizeof *x);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            x[i * d + j] = (float)((i % clusters) == j % clusters ? 5.0 : 0.0) + spread * wk_rng_normal();
    return x;
}

TEST(knn_is_exact)
{
    wk_rng_seed(1);
    int64_t n = 300, d = 7;
    int k = 10;
    float *x = blobs(n, d, 3, 1.0f);
    int64_t *idx = malloc(n * k * sizeof *idx);
    float *dist = malloc(n * k * sizeof *dist);
    CHECK(wk_tsne_knn(idx, dist, x, n, d, k) == WK_OK);
    int bad = 0;
    for (int64_t i = 0; i < n; i++) {
        /* the k-th distance must be <= the distance to every point not kept */
        double kth = dist[i * k + k - 1];
        for (int q = 1; q < k; q++) if (dist[i * k + q] < dist[i * k + q - 1]) bad++;
        for (int64_t j = 0; j < n; j++) {
            if (j == i) continue;
            int kept = 0;
            for (int q = 0; q < k; q++) if (idx[i * k + q] == j) kept = 1;
            if (i == j) bad++;
            if (kept) continue;
            double s = 0;
            for (int64_t c = 0; c < d; c++) s += (double)(x[i * d + c] - x[j * d + c]) * (x[i * d + c] - x[j * d + c]);
            if (s < kth - 1e-4) bad++;
        }
        for (int q = 0; q < k; q++) if (idx[i * k + q] == i) bad++;
    }
    CHECK(bad == 0);
    free(x); free(idx); free(dist);
}

TEST(calibration_hits_entropy)
{
    wk_rng_seed(2);
    int k = 90;
    float dist[90];
    double p[90];
    for (int q = 0; q < k; q++) dist[q] = 0.5f + 10.0f * wk_rng_uniform();
    double h = wk_tsne_calibrate(p, dist, k, 30.0);
    double hh = 0, s = 0;
    for (int q = 0; q < k; q++) { s += p[q]; if (p[q] > 0) hh -= p[q] * log(p[q]); }
    CHECK_NEAR(h, log(30.0), 1e-4);
    CHECK_NEAR(hh, log(30.0), 1e-4);   /* the entropy of the returned p itself */
    CHECK_NEAR(s, 1.0, 1e-12);
    /* all distances equal: terminates with a uniform row */
    for (int q = 0; q < k; q++) dist[q] = 3.0f;
    wk_tsne_calibrate(p, dist, k, 30.0);
    CHECK_NEAR(p[0], 1.0 / k, 1e-12);
    CHECK_NEAR(p[k - 1], 1.0 / k, 1e-12);
}

/* max |approx - exact| over forces, relative to the largest exact force; and Z. */
static void compare(int64_t n, int dims, int method, double theta, double scale, double ftol, double ztol)
{
    wk_rng_seed(3);
    double *y = malloc(n * dims * sizeof *y), *re = malloc(n * dims * sizeof *re), *ra = malloc(n * dims * sizeof *ra);
    for (int64_t i = 0; i < n * dims; i++) y[i] = scale * wk_rng_normal() + (i % 3 == 0 ? 2 * scale : 0);
    double ze, za;
    CHECK(wk_tsne_repulsion(re, &ze, y, n, dims, WK_TSNE_EXACT, 0, NULL) == WK_OK);
    CHECK(wk_tsne_repulsion(ra, &za, y, n, dims, method, theta, NULL) == WK_OK);
    double fmax = 0, err = 0;
    for (int64_t i = 0; i < n * dims; i++) {
        if (fabs(re[i]) > fmax) fmax = fabs(re[i]);
        if (fabs(ra[i] - re[i]) > err) err = fabs(ra[i] - re[i]);
    }
    printf("  %s dims %d theta %.2f: max force err %.3g of %.3g (rel %.2g), Z %.6g vs %.6g (rel %.2g)\n",
           method == WK_TSNE_BH ? "bh" : "fft", dims, theta, err, fmax, err / fmax, za, ze, fabs(za - ze) / ze);
    CHECK(err / fmax < ftol);
    CHECK(fabs(za - ze) / ze < ztol);
    free(y); free(re); free(ra);
}

TEST(bh_matches_exact)
{
    compare(600, 2, WK_TSNE_BH, 0.0, 10, 1e-10, 1e-12);   /* theta 0: every pair opened */
    compare(600, 2, WK_TSNE_BH, 0.5, 10, 5e-2, 2e-2);
    compare(600, 3, WK_TSNE_BH, 0.0, 10, 1e-10, 1e-12);
    compare(600, 3, WK_TSNE_BH, 0.5, 10, 5e-2, 2e-2);
}

TEST(fft_matches_exact)
{
    /* FIt-SNE's grid (>= 50 boxes, about one per unit, 3 nodes each): the error grows
     * with the box width — ~1e-3 when the layout spans 12 units (boxes 0.25 wide),
     * a few percent at boxes 1 unit wide, as in FIt-SNE itself. */
    compare(800, 2, WK_TSNE_FFT, 0, 2, 5e-3, 1e-4);
    compare(800, 2, WK_TSNE_FFT, 0, 10, 0.15, 2e-2);
}

/* A scratch kept across calls (as a step keeps it) gives what a fresh call gives, while
 * the point count, dimension and FFT grid size change under it, duplicates included. */
TEST(bh_scratch_reuse)
{
    wk_tsne_scratch s = {0};
    int64_t sizes[] = {300, 2000, 50, 2000};
    for (int r = 0; r < 4; r++) {
        int64_t n = sizes[r];
        int dims = r % 2 ? 3 : 2;
        wk_rng_seed(10 + r);
        double *y = malloc(n * dims * sizeof *y), *a = malloc(n * dims * sizeof *a), *b = malloc(n * dims * sizeof *b);
        double scale = r == 2 ? 40 : 5;   /* round 3 spans ~200 units: a bigger FFT grid, then smaller */
        for (int64_t i = 0; i < n * dims; i++) y[i] = scale * wk_rng_normal();
        for (int c = 0; c < dims; c++) y[dims + c] = y[c];   /* rows 1 and 2 coincide */
        /* rows 3 and 4 are 1e-12 apart: ~47 levels down, still apart (not merged) */
        for (int c = 0; c < dims; c++) y[3 * dims + c] = y[2 * dims + c] + (c == 0 ? 1e-12 : 0);
        double za, zb;
        CHECK(wk_tsne_repulsion(a, &za, y, n, dims, WK_TSNE_BH, 0.35, &s) == WK_OK);
        CHECK(wk_tsne_repulsion(b, &zb, y, n, dims, WK_TSNE_BH, 0.35, NULL) == WK_OK);
        CHECK(za == zb);
        int same = 1;
        for (int64_t i = 0; i < n * dims; i++) same &= a[i] == b[i];
        CHECK(same);
        if (dims == 2) {   /* the FFT path keeps its plans and grids in the same scratch */
            CHECK(wk_tsne_repulsion(a, &za, y, n, 2, WK_TSNE_FFT, 0, &s) == WK_OK);
            CHECK(wk_tsne_repulsion(b, &zb, y, n, 2, WK_TSNE_FFT, 0, NULL) == WK_OK);
            CHECK(za == zb);
            for (int64_t i = 0; i < n * 2; i++) same &= a[i] == b[i];
            CHECK(same);
        }
        /* theta 0 opens every cell: the duplicate pair must count as w = 1, as exactly */
        CHECK(wk_tsne_repulsion(a, &za, y, n, dims, WK_TSNE_BH, 0, &s) == WK_OK);
        CHECK(wk_tsne_repulsion(b, &zb, y, n, dims, WK_TSNE_EXACT, 0, &s) == WK_OK);
        CHECK(fabs(za - zb) < 1e-12 * zb);
        double err = 0;
        for (int64_t i = 0; i < n * dims; i++) err = fmax(err, fabs(a[i] - b[i]));
        CHECK(err < 1e-12);
        free(y); free(a); free(b);
    }
    CHECK(s.fft != NULL);
    wk_tsne_scratch_free(&s);
    CHECK(s.node == NULL && s.cell == NULL && s.zi == NULL && s.fft == NULL);
}

static wk_tsne *make(int64_t n, const float *x, int64_t d, int dims, int method)
{
    wk_tsne_opts o;
    wk_tsne_default_opts(&o);
    o.dims = dims;
    o.method = method;
    o.perplexity = 10;
    o.exaggeration_iters = 60;
    wk_tsne *t = NULL;
    CHECK(wk_tsne_new(&t, x, n, d, &o) == WK_OK);
    return t;
}

TEST(kl_decreases_and_deterministic)
{
    wk_rng_seed(4);
    int64_t n = 300, d = 10;
    float *x = blobs(n, d, 4, 1.0f);
    int methods[3] = {WK_TSNE_EXACT, WK_TSNE_BH, WK_TSNE_FFT};
    for (int mi = 0; mi < 3; mi++) {
        wk_tsne *t = make(n, x, d, 2, methods[mi]), *u = make(n, x, d, 2, methods[mi]);
        if (!t || !u) { wk_tsne_free(t); wk_tsne_free(u); continue; }
        double kl0 = wk_tsne_kl(t, 1);
        int iters = 150;
        for (int it = 0; it < iters; it++) { wk_tsne_step(t); wk_tsne_step(u); }
        double kl1 = wk_tsne_kl(t, 1), kl1_fast = wk_tsne_kl(t, 0);
        printf("  method %d: KL %.4f -> %.4f (by the method's own Z: %.4f)\n", methods[mi], kl0, kl1, kl1_fast);
        CHECK(kl1 < kl0 * 0.5);
        CHECK(fabs(kl1_fast - kl1) < 0.01 * kl1);   /* the reported KL tracks the exact one */
        float *a = malloc(n * 2 * sizeof *a), *b = malloc(n * 2 * sizeof *b);
        wk_tsne_positions(a, t);
        wk_tsne_positions(b, u);
        CHECK(memcmp(a, b, n * 2 * sizeof *a) == 0);
        free(a); free(b);
        wk_tsne_free(t); wk_tsne_free(u);
    }
    /* 3-D BH */
    wk_tsne *t = make(n, x, d, 3, WK_TSNE_BH);
    double kl0 = wk_tsne_kl(t, 1);
    for (int it = 0; it < 150; it++) wk_tsne_step(t);
    CHECK(wk_tsne_kl(t, 1) < kl0 * 0.5);
    wk_tsne_free(t);
    free(x);
}

TEST(bad_input)
{
    wk_tsne_opts o;
    wk_tsne_default_opts(&o);
    wk_tsne *t = NULL;
    float x[200 * 3];
    for (int i = 0; i < 600; i++) x[i] = (float)(i % 7);
    CHECK(wk_tsne_new(&t, x, 50, 3, &o) == WK_ERR);   /* perplexity 30 needs more than 91 points */
    CHECK(strstr(wk_errmsg(), "at least 92 points") != NULL);
    x[4] = NAN;
    CHECK(wk_tsne_new(&t, x, 200, 3, &o) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "row 2") != NULL);
    o.dims = 4;
    CHECK(wk_tsne_new(&t, x, 200, 3, &o) == WK_ERR);
    /* every point identical: builds, steps, stays finite */
    wk_tsne_default_opts(&o);
    for (int i = 0; i < 600; i++) x[i] = 1.0f;
    int methods[3] = {WK_TSNE_EXACT, WK_TSNE_BH, WK_TSNE_FFT};
    for (int mi = 0; mi < 3; mi++) {
        o.method = methods[mi];
        t = NULL;
        CHECK(wk_tsne_new(&t, x, 200, 3, &o) == WK_OK);
        if (!t) continue;
        for (int it = 0; it < 20; it++) CHECK(wk_tsne_step(t) == WK_OK);
        float y[400];
        wk_tsne_positions(y, t);
        int finite = 1;
        for (int i = 0; i < 400; i++) finite &= isfinite(y[i]) != 0;
        CHECK(finite);
        CHECK(isfinite(wk_tsne_kl(t, 1)));
        wk_tsne_free(t);
    }
}

int main(void)
{
    RUN(knn_is_exact);
    RUN(calibration_hits_entropy);
    RUN(bh_matches_exact);
    RUN(fft_matches_exact);
    RUN(bh_scratch_reuse);
    RUN(kl_decreases_and_deterministic);
    RUN(bad_input);
    return check_summary("tsne");
}
