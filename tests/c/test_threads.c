/* test_threads.c — wk_sgemm, the splitting GEMM: every transpose combination, split by
 * rows and by columns, against a float64 reference, with 1 and 2 OpenMP threads. */
#include <stdlib.h>

#include "../../lib/core/rng.h"
#include "../../lib/core/threads.h"
#include "check.h"
#ifdef _OPENMP
#include <omp.h>
#endif

static double max_error(int m, int n, int k, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb)
{
    float *a = malloc(sizeof(float) * (size_t)m * k), *b = malloc(sizeof(float) * (size_t)k * n);
    float *c = malloc(sizeof(float) * (size_t)m * n);
    for (int i = 0; i < m * k; i++) a[i] = wk_rng_normal();
    for (int i = 0; i < k * n; i++) b[i] = wk_rng_normal();
    for (int i = 0; i < m * n; i++) c[i] = 1.0f;   /* beta = 0.5 keeps half of it */
    int lda = ta == CblasNoTrans ? k : m, ldb = tb == CblasNoTrans ? n : k;
    wk_sgemm(ta, tb, m, n, k, 2.0f, a, lda, b, ldb, 0.5f, c, n);
    double worst = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++) {
                double av = ta == CblasNoTrans ? a[i * lda + p] : a[p * lda + i];
                double bv = tb == CblasNoTrans ? b[p * ldb + j] : b[j * ldb + p];
                s += av * bv;
            }
            double e = fabs(2 * s + 0.5 - c[i * n + j]);
            if (e > worst) worst = e;
        }
    free(a), free(b), free(c);
    return worst;
}

TEST(sgemm_matches_reference_when_split)
{
    wk_rng_seed(3);
    CBLAS_TRANSPOSE ts[2] = {CblasNoTrans, CblasTrans};
    for (int threads = 1; threads <= 2; threads++) {
#ifdef _OPENMP
        omp_set_num_threads(threads);
#endif
        for (int x = 0; x < 2; x++)
            for (int y = 0; y < 2; y++) {
                double e1 = max_error(301, 97, 150, ts[x], ts[y]);    /* split by rows */
                double e2 = max_error(97, 301, 150, ts[x], ts[y]);    /* split by columns */
                printf("  threads %d trans %d%d: max diff %.2g, %.2g\n", threads, x, y, e1, e2);
                CHECK(e1 < 1e-3 && e2 < 1e-3);
            }
    }
}

int main(void)
{
    RUN(sgemm_matches_reference_when_split);
    return check_summary("threads");
}
