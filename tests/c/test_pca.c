/* test_pca.c — wk_pca against a float64 Jacobi eigen-decomposition of the covariance,
 * the projection against the centred data times the axes, signs, and bad input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/embed/pca.h"
#include "check.h"

#define D 6

/* Cyclic Jacobi: a (D, D) symmetric is diagonalised in place; v gets the eigenvectors
 * as columns. */
static void jacobi(double a[D][D], double v[D][D])
{
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++) v[i][j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0;
        for (int p = 0; p < D; p++)
            for (int q = p + 1; q < D; q++) off += a[p][q] * a[p][q];
        if (off < 1e-30) break;
        for (int p = 0; p < D; p++)
            for (int q = p + 1; q < D; q++) {
                if (fabs(a[p][q]) < 1e-300) continue;
                double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < D; k++) {
                    double akp = a[k][p], akq = a[k][q];
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for (int k = 0; k < D; k++) {
                    double apk = a[p][k], aqk = a[q][k];
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for (int k = 0; k < D; k++) {
                    double vkp = v[k][p], vkq = v[k][q];
                    v[k][p] = c * vkp - s * vkq;
                    v[k][q] = s * vkp + c * vkq;
                }
            }
    }
}

TEST(matches_jacobi)
{
    wk_rng_seed(21);
    int n = 500, k = 3;
    float *x = malloc(n * D * sizeof *x);
    double scale[D] = {4, 3, 2, 1, 0.5, 0.25};
    for (int i = 0; i < n; i++) {
        double z[D];
        for (int j = 0; j < D; j++) z[j] = scale[j] * wk_rng_normal();
        for (int j = 0; j < D; j++)   /* mix the axes so the answer is not the identity */
            x[i * D + j] = (float)(z[j] + 0.3 * z[(j + 1) % D] + 2.0);
    }
    double mean[D] = {0}, cov[D][D] = {{0}}, vec[D][D];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < D; j++) mean[j] += x[i * D + j] / (double)n;
    for (int i = 0; i < n; i++)
        for (int a = 0; a < D; a++)
            for (int b = 0; b < D; b++) cov[a][b] += (x[i * D + a] - mean[a]) * (x[i * D + b] - mean[b]) / (n - 1);
    jacobi(cov, vec);
    int order[D];
    for (int j = 0; j < D; j++) order[j] = j;
    for (int a = 0; a < D; a++)
        for (int b = a + 1; b < D; b++)
            if (cov[order[b]][order[b]] > cov[order[a]][order[a]]) { int t = order[a]; order[a] = order[b]; order[b] = t; }
    float proj[500 * 3], comp[3 * D], var[3], mu[D];
    CHECK(wk_pca(proj, comp, var, mu, x, n, D, k) == WK_OK);
    double worst_val = 0, worst_vec = 0, worst_proj = 0;
    for (int c = 0; c < k; c++) {
        double ev = cov[order[c]][order[c]], dot = 0, big = 0;
        worst_val = fmax(worst_val, fabs(var[c] - ev) / ev);
        for (int j = 0; j < D; j++) {
            dot += comp[c * D + j] * vec[j][order[c]];
            if (fabs(comp[c * D + j]) > fabs(big)) big = comp[c * D + j];
        }
        worst_vec = fmax(worst_vec, 1 - fabs(dot));
        CHECK(big > 0);   /* sign convention */
    }
    for (int i = 0; i < n; i++)
        for (int c = 0; c < k; c++) {
            double s = 0;
            for (int j = 0; j < D; j++) s += (x[i * D + j] - mean[j]) * comp[c * D + j];
            worst_proj = fmax(worst_proj, fabs(s - proj[i * k + c]));
        }
    printf("  eigenvalue rel err %.2g, 1-|cos| %.2g, projection err %.2g\n", worst_val, worst_vec, worst_proj);
    CHECK(worst_val < 1e-4);
    CHECK(worst_vec < 1e-6);
    CHECK(worst_proj < 1e-4);
    CHECK_NEAR(mu[0], mean[0], 1e-5);
    free(x);
}

TEST(bad_input)
{
    float x[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    float p[12], c[12], v[3];
    CHECK(wk_pca(p, c, v, NULL, x, 4, 3, 4) == WK_ERR);
    CHECK(wk_pca(p, c, v, NULL, x, 1, 3, 1) == WK_ERR);
    x[5] = NAN;
    CHECK(wk_pca(p, c, v, NULL, x, 4, 3, 2) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "row 2") != NULL);
    /* constant data: zero variance, still a unit axis */
    for (int i = 0; i < 12; i++) x[i] = 1;
    CHECK(wk_pca(p, c, v, NULL, x, 4, 3, 1) == WK_OK);
    CHECK_NEAR(v[0], 0, 1e-6);
    CHECK_NEAR(c[0] * c[0] + c[1] * c[1] + c[2] * c[2], 1, 1e-5);
}

int main(void)
{
    RUN(matches_jacobi);
    RUN(bad_input);
    return check_summary("pca");
}
