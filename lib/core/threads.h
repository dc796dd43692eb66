/* threads.h — the one owner of threads in wick: a small pool that every kernel shares,
 * the rule that keeps results independent of the thread count, and the SGEMM everyone
 * calls.
 *
 * wk_parallel_for(n, grain, fn, ctx) cuts the items [0, n) into chunks of `grain` and
 * runs fn on each chunk, on up to wk_threads_count() threads with the caller among them.
 * Threads claim chunks one at a time, so a thread the machine does not schedule (an
 * editor, a browser or a second sketch has its core) simply claims fewer: the caller
 * never waits for a thread that has not started, only for chunks already under way, and
 * a pool that keeps waiting for a slow thread stops inviting it for a while. When other
 * programs keep CPUs busy, only the free CPUs get threads. Waiting threads spin briefly,
 * then sleep.
 *
 * The rule for callers, which makes the same seed give the same numbers on 1 thread or
 * 8: how the work is cut into chunks, and in which order chunk results are combined,
 * depend on the problem only — never on the thread count or on which thread ran what.
 * `worker` (in [0, wk_threads_count())) is only for picking per-thread scratch memory.
 *
 * OpenBLAS runs single-threaded inside the pool's chunks (wk_threads_init pins it), so
 * the two never oversubscribe the cores; wk_sgemm cuts a large product into fixed row or
 * column blocks and runs them through the pool. */
#ifndef WK_THREADS_H
#define WK_THREADS_H

#include <cblas.h>
#include <stdint.h>

/* Pin OpenBLAS to one thread. Idempotent and cheap; the pool and wk_sgemm call it. */
void wk_threads_init(void);

/* Threads kernels use: WICK_THREADS, else OMP_NUM_THREADS, else the CPUs this process
 * may run on; always clamped to [1, those CPUs]. */
int wk_threads_count(void);
/* CPUs this process may run on (its affinity mask). */
int wk_threads_cpus(void);
/* Set the thread count (clamped as above); returns the count now in force. */
int wk_threads_set(int n);

/* fn(ctx, begin, end, worker) for each chunk [k*grain, min(n, (k+1)*grain)).
 * Returns when every chunk has run. A call made from inside a chunk runs its chunks
 * inline on the calling thread; so does one made while another thread uses the pool. */
typedef void (*wk_range_fn)(void *ctx, int64_t begin, int64_t end, int worker);
void wk_parallel_for(int64_t n, int64_t grain, wk_range_fn fn, void *ctx);

/* Element-by-element work (arithmetic, activations, copies) over at least WK_PAR_MIN
 * floats is cut into WK_PAR_CHUNK-float pieces run through the pool: one core does not
 * saturate memory bandwidth (L-BFGS's sweeps over 600 MB of history, pure memory
 * traffic, ran 2.5x faster on two cores of the project's AMD VM), and such ops would
 * otherwise be the serial part of a threaded network step. Each element is computed
 * alone, so the cut never changes a result. */
#define WK_PAR_MIN ((int64_t)1 << 18)
#define WK_PAR_CHUNK ((int64_t)1 << 16)

/* Chunks of `grain` items such that a range of n items, each costing about `cost`
 * (any unit, e.g. multiply-adds), falls into pieces of at least `min_cost` and at most
 * `max_chunks` pieces. Depends on the problem only (see the rule above). */
int64_t wk_parallel_grain(int64_t n, double cost, double min_cost, int64_t max_chunks);

/* dst[i] = src[0][i] + src[1][i] + ... + src[nsrc-1][i], the rows `stride` floats apart,
 * added in row order, for i in [0, n), threaded over i: partial sums of a fixed split
 * (weight-gradient slots) put together the same way on any thread count. */
void wk_sum_in_order(float *dst, const float *src, int64_t nsrc, size_t stride, int64_t n);

/* Statistics of the pool since start (for benchmarks and tests). */
typedef struct wk_pool_stats {
    int64_t jobs;          /* wk_parallel_for calls that used the pool */
    int64_t inline_jobs;   /* calls that ran on the caller alone */
    int64_t worker_chunks; /* chunks run by threads other than the caller */
    int64_t throttled;     /* jobs run without inviting the workers (they had been slow) */
    int64_t busy_machine;  /* jobs that invited fewer workers: other programs had the CPUs */
} wk_pool_stats;
void wk_threads_stats(wk_pool_stats *out);

/* cblas_sgemm, row-major, cut into fixed blocks run through the pool when it is large
 * enough to pay (the blocks depend on the sizes only, so the result does not depend on
 * the thread count). */
void wk_sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);

#endif
