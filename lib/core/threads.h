/* threads.h — the one owner of threads in wick, and the SGEMM everyone calls.
 *
 * OpenMP owns the threads (lib/nn/conv.c's top comment has the measurements behind the
 * choice): kernels split their own work with `#pragma omp parallel`, and OpenBLAS is
 * pinned to one thread so the two never oversubscribe the cores. A plain GEMM outside
 * any parallel region (matmul, linear layers, LSTM gates) would then use one core, so
 * wk_sgemm splits a large product into row or column blocks across the OpenMP threads,
 * each a single-threaded OpenBLAS call. OMP_NUM_THREADS sets the thread count. */
#ifndef WK_THREADS_H
#define WK_THREADS_H

#include <cblas.h>

/* Pin OpenBLAS to one thread (when built with OpenMP). Idempotent; wk_sgemm calls it. */
void wk_threads_init(void);
/* Threads kernels may use (OMP_NUM_THREADS, or the cores). */
int wk_threads_count(void);

/* cblas_sgemm, row-major, split across threads when it is worth it. */
void wk_sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);

#endif
