/* threads.c — OpenMP as the single owner of threads, and the splitting SGEMM (see
 * threads.h for why). */
#include "threads.h"

#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Below this many multiply-adds a split costs more than it saves (measured: a 128³
 * product gains nothing from a second thread here). */
#define SPLIT_MIN_MACS (1 << 22)

void wk_threads_init(void)
{
#ifdef _OPENMP
    static int done;
    if (done) return;
    done = 1;
    openblas_set_num_threads(1);
    /* OpenMP's workers spin while they wait. On a machine already busier than its cores
     * that spinning fights the other programs and a two-thread run measured 4x slower
     * than one thread; so unless OMP_NUM_THREADS asks for threads, a busy machine gets
     * one. (OMP_WAIT_POLICY=PASSIVE is the other cure, but libgomp reads it before
     * main runs.) */
    double load;
    if (!getenv("OMP_NUM_THREADS") && getloadavg(&load, 1) == 1 && load >= omp_get_num_procs())
        omp_set_num_threads(1);
#endif
}

int wk_threads_count(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

void wk_sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc)
{
    wk_threads_init();
#ifdef _OPENMP
    int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
    if (threads > 1 && (double)m * n * k >= SPLIT_MIN_MACS && (m >= 2 * threads || n >= 2 * threads)) {
        int by_rows = m >= n;
        int len = by_rows ? m : n;
#pragma omp parallel num_threads(threads)
        {
            int t = omp_get_thread_num(), nt = omp_get_num_threads();
            int start = (int)((long long)len * t / nt), stop = (int)((long long)len * (t + 1) / nt);
            if (stop > start) {
                if (by_rows) {   /* rows of op(A) and C */
                    const float *ab = ta == CblasNoTrans ? a + (long long)start * lda : a + start;
                    cblas_sgemm(CblasRowMajor, ta, tb, stop - start, n, k, alpha, ab, lda, b, ldb, beta,
                                c + (long long)start * ldc, ldc);
                } else {         /* columns of op(B) and C */
                    const float *bb = tb == CblasNoTrans ? b + start : b + (long long)start * ldb;
                    cblas_sgemm(CblasRowMajor, ta, tb, m, stop - start, k, alpha, a, lda, bb, ldb, beta, c + start,
                                ldc);
                }
            }
        }
        return;
    }
#endif
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
