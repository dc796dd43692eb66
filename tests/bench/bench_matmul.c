/* bench_matmul.c — the C side of bench_matmul.sh: square cblas_sgemm, C = A·B, on the
 * same sizes, repetitions and inner-loop counts as bench_matmul.lua. Timed twice over:
 * wall-clock (what a user waits for when OpenBLAS runs several threads) and process
 * CPU time (steadier on a shared machine: time spent preempted does not count).
 * Prints "<n> <median wall s> <median cpu s>" per product.
 * Usage: bench_matmul REPS N...   (OPENBLAS_NUM_THREADS picks the threads) */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "../../lib/core/cpu.h"

static double seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* Products per timed repetition: about 2048^3 / 4 multiply-adds, so small sizes are
 * timed over many calls (the same rule as the Lua side). */
static int inner_count(long n)
{
    long k = (2048L * 2048 * 2048 / 4) / (n * n * n);
    return k < 1 ? 1 : (int)k;
}

int main(int argc, char **argv)
{
    wk_cpu_kernels_setup(argv);   /* OpenBLAS on the kernels the CPU's features allow, as in wick */
    if (argc < 3) {
        fprintf(stderr, "usage: %s REPS N...\n", argv[0]);
        return 2;
    }
    int reps = atoi(argv[1]);
    for (int s = 2; s < argc; s++) {
        long n = atol(argv[s]);
        size_t bytes = (sizeof(float) * (size_t)(n * n) + 63) & ~(size_t)63;   /* 64-byte aligned, as wick storage */
        float *a = aligned_alloc(64, bytes); /* (n, n) */
        float *b = aligned_alloc(64, bytes); /* (n, n) */
        float *c = aligned_alloc(64, bytes); /* (n, n) */
        if (!a || !b || !c) return 1;
        srand(1);
        for (long i = 0; i < n * n; i++) {
            a[i] = (float)rand() / (float)RAND_MAX - 0.5f;
            b[i] = (float)rand() / (float)RAND_MAX - 0.5f;
        }
        int inner = inner_count(n);
        double *t = malloc(sizeof(double) * (size_t)reps), *u = malloc(sizeof(double) * (size_t)reps);
        /* one untimed call: thread pool start-up and first touch of c */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, a, (int)n, b, (int)n,
                    0.0f, c, (int)n);
        for (int r = 0; r < reps; r++) {
            double t0 = seconds(CLOCK_MONOTONIC), u0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < inner; i++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, a, (int)n, b,
                            (int)n, 0.0f, c, (int)n);
            t[r] = (seconds(CLOCK_MONOTONIC) - t0) / inner;
            u[r] = (seconds(CLOCK_PROCESS_CPUTIME_ID) - u0) / inner;
        }
        qsort(t, (size_t)reps, sizeof *t, cmp);
        qsort(u, (size_t)reps, sizeof *u, cmp);
        printf("%ld %.6e %.6e\n", n, t[reps / 2], u[reps / 2]);
        fflush(stdout);
        free(a);
        free(b);
        free(c);
        free(t);
        free(u);
    }
    return 0;
}
