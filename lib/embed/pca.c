/* pca.c — PCA by the eigen-decomposition of the covariance matrix (see pca.h).
 *
 * The data is centred a block of rows at a time into a small buffer, so a 70,000 x 784
 * matrix never needs a second full copy; a GEMM accumulates the block's X^T X into the
 * float covariance. The (d, d) covariance is then solved in
 * float64 by dsyevr for only the k largest eigenpairs. */
#include "pca.h"

#include "../core/threads.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK (Fortran ABI, in libopenblas): eigenpairs il..iu of a symmetric matrix. */
extern void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n,
                    double *a, const int *lda, const double *vl, const double *vu,
                    const int *il, const int *iu, const double *abstol, int *m, double *w,
                    double *z, const int *ldz, int *isuppz, double *work, const int *lwork,
                    int *iwork, const int *liwork, int *info);

#define PCA_BLOCK 2048   /* rows centred at a time */

int wk_pca(float *proj, float *comp, float *var, float *mean_out,
           const float *x, int64_t n, int64_t d, int64_t k)
{
    if (n < 2) return wk_fail("pca: needs at least 2 rows, got %lld", (long long)n);
    if (d < 1 || k < 1 || k > d)
        return wk_fail("pca: k must be in 1..%lld (the number of columns), got %lld", (long long)d, (long long)k);
    if (d > 46340) return wk_fail("pca: %lld columns is too many for a dense covariance", (long long)d);
    int status = WK_ERR;
    double *mean = calloc((size_t)d, sizeof *mean);          /* (d) */
    float *blk = malloc((size_t)PCA_BLOCK * d * sizeof *blk);  /* (PCA_BLOCK, d) centred rows */
    float *cov = calloc((size_t)d * d, sizeof *cov);          /* (d, d) */
    double *a = malloc((size_t)d * d * sizeof *a);            /* (d, d) float64 copy for LAPACK */
    double *w = malloc((size_t)d * sizeof *w);                /* (d) eigenvalues, ascending */
    double *z = malloc((size_t)d * k * sizeof *z);            /* (k, d) eigenvectors, column-major */
    int *isuppz = malloc((size_t)2 * k * sizeof *isuppz);
    float *compf = malloc((size_t)k * d * sizeof *compf);     /* (k, d) */
    double *work = NULL;
    int *iwork = NULL;
    if (!mean || !blk || !cov || !a || !w || !z || !isuppz || !compf) {
        wk_fail("pca: out of memory for a %lldx%lld covariance", (long long)d, (long long)d);
        goto done;
    }
    for (int64_t i = 0; i < n; i++) {
        const float *r = x + i * d;
        for (int64_t j = 0; j < d; j++) {
            if (!isfinite(r[j])) {
                wk_fail("pca: row %lld holds NaN or inf", (long long)i + 1);
                goto done;
            }
            mean[j] += r[j];
        }
    }
    for (int64_t j = 0; j < d; j++) mean[j] /= (double)n;
    for (int64_t i0 = 0; i0 < n; i0 += PCA_BLOCK) {
        int64_t b = n - i0 < PCA_BLOCK ? n - i0 : PCA_BLOCK;
        for (int64_t i = 0; i < b; i++)
            for (int64_t j = 0; j < d; j++) blk[i * d + j] = (float)(x[(i0 + i) * d + j] - mean[j]);
        /* cov += blk^T blk (a full GEMM rather than SYRK: wk_sgemm cuts it into blocks for
         * the thread pool, which owns the cores — lib/core/threads.h) */
        wk_sgemm(CblasTrans, CblasNoTrans, (int)d, (int)d, (int)b, 1.0f, blk, (int)d, blk, (int)d,
                 1.0f, cov, (int)d);
    }
    for (int64_t i = 0; i < d * d; i++) a[i] = cov[i] / (double)(n - 1);
    {
        int nn = (int)d, il = (int)(d - k + 1), iu = (int)d, m = 0, info = 0, lwork = -1, liwork = -1, iw;
        double vl = 0, vu = 0, abstol = 0, wq;
        dsyevr_("V", "I", "L", &nn, a, &nn, &vl, &vu, &il, &iu, &abstol, &m, w, z, &nn, isuppz,
                &wq, &lwork, &iw, &liwork, &info);
        lwork = (int)wq;
        liwork = iw;
        work = malloc((size_t)lwork * sizeof *work);
        iwork = malloc((size_t)liwork * sizeof *iwork);
        if (!work || !iwork) {
            wk_fail("pca: out of memory for LAPACK workspace");
            goto done;
        }
        dsyevr_("V", "I", "L", &nn, a, &nn, &vl, &vu, &il, &iu, &abstol, &m, w, z, &nn, isuppz,
                work, &lwork, iwork, &liwork, &info);
        if (info != 0 || m != (int)k) {
            wk_fail("pca: LAPACK dsyevr failed (info %d, %d of %lld eigenpairs)", info, m, (long long)k);
            goto done;
        }
    }
    /* z column c holds the c-th smallest of the k; reverse to largest first, fix signs. */
    for (int64_t c = 0; c < k; c++) {
        const double *v = z + (k - 1 - c) * d;
        int64_t big = 0;
        for (int64_t j = 1; j < d; j++)
            if (fabs(v[j]) > fabs(v[big])) big = j;
        double s = v[big] < 0 ? -1.0 : 1.0;
        for (int64_t j = 0; j < d; j++) compf[c * d + j] = (float)(s * v[j]);
        if (var) var[c] = (float)(w[k - 1 - c] > 0 ? w[k - 1 - c] : 0);
    }
    if (comp) memcpy(comp, compf, (size_t)k * d * sizeof *comp);
    if (mean_out)
        for (int64_t j = 0; j < d; j++) mean_out[j] = (float)mean[j];
    if (proj) {
        for (int64_t i0 = 0; i0 < n; i0 += PCA_BLOCK) {
            int64_t b = n - i0 < PCA_BLOCK ? n - i0 : PCA_BLOCK;
            for (int64_t i = 0; i < b; i++)
                for (int64_t j = 0; j < d; j++) blk[i * d + j] = (float)(x[(i0 + i) * d + j] - mean[j]);
            /* proj[i0:i0+b] (b, k) = blk (b, d) . comp^T (d, k) */
            wk_sgemm(CblasNoTrans, CblasTrans, (int)b, (int)k, (int)d, 1.0f, blk, (int)d, compf, (int)d,
                     0.0f, proj + i0 * k, (int)k);
        }
    }
    status = WK_OK;
done:
    free(mean); free(blk); free(cov); free(a); free(w); free(z); free(isuppz); free(compf);
    free(work); free(iwork);
    return status;
}
