/* bench_lstm.c — times forward + backward of a 2-layer LSTM through wick's kernels
 * (lib/nn/rnn.c), the char-rnn shape: batch 32, 64 steps, input 64 (embedding width),
 * hidden 256. One iteration = zero the grads, layer 1 and 2 forward, layer 2 and 1
 * backward (dx of layer 1 included, as an embedding below needs it). Prints
 * "wick_ms <median ms per iteration>" after warm-up; threads come from WICK_THREADS
 * (the pool of lib/core/threads.h). Built by bench_lstm.sh. Usage: bench_lstm [seconds] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lib/core/threads.h"
#include "../../lib/nn/rnn.h"
#include "../../lib/core/cpu.h"

enum { N = 32, T = 64, IN = 64, H = 256, L = 2 };

static wk_tensor mk(int ndim, const int64_t *shape, float scale)
{
    wk_tensor t;
    if (wk_tensor_new(&t, ndim, shape) != WK_OK) {
        fprintf(stderr, "bench_lstm: %s\n", wk_errmsg());
        exit(1);
    }
    float *p = wk_tensor_data(&t);
    for (int64_t i = 0; i < wk_tensor_numel(&t); i++) p[i] = scale * ((float)rand() / (float)RAND_MAX * 2.0f - 1.0f);
    return t;
}

static void zero(wk_tensor *t) { memset(wk_tensor_data(t), 0, (size_t)wk_tensor_numel(t) * sizeof(float)); }

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define OK(call)                                                      \
    do {                                                              \
        if ((call) != WK_OK) {                                        \
            fprintf(stderr, "bench_lstm: %s\n", wk_errmsg());         \
            exit(1);                                                  \
        }                                                             \
    } while (0)

int main(int argc, char **argv)
{
    wk_cpu_kernels_setup(argv);   /* OpenBLAS on the kernels the CPU's features allow, as in wick */
    double budget = argc > 1 ? atof(argv[1]) : 5.0;
    srand(0);
    float k = 0.0625f;   /* 1/sqrt(H), PyTorch's init range */
    wk_tensor x = mk(3, (int64_t[]){N, T, IN}, 1.0f), dyL = mk(3, (int64_t[]){N, T, H}, 0.01f);
    wk_tensor w_ih[L], w_hh[L], b_ih[L], b_hh[L], dw_ih[L], dw_hh[L], db_ih[L], db_hh[L];
    wk_tensor y[L], saved[L], h0[L], c0[L], hT[L], cT[L], dx[L];
    wk_workspace ws = {0};
    for (int l = 0; l < L; l++) {
        int64_t in = l == 0 ? IN : H;
        w_ih[l] = mk(2, (int64_t[]){4 * H, in}, k), w_hh[l] = mk(2, (int64_t[]){4 * H, H}, k);
        b_ih[l] = mk(1, (int64_t[]){4 * H}, k), b_hh[l] = mk(1, (int64_t[]){4 * H}, k);
        dw_ih[l] = mk(2, (int64_t[]){4 * H, in}, 0), dw_hh[l] = mk(2, (int64_t[]){4 * H, H}, 0);
        db_ih[l] = mk(1, (int64_t[]){4 * H}, 0), db_hh[l] = mk(1, (int64_t[]){4 * H}, 0);
        y[l] = mk(3, (int64_t[]){N, T, H}, 0), saved[l] = mk(3, (int64_t[]){N, T, 6 * H}, 0);
        h0[l] = mk(2, (int64_t[]){N, H}, 0.5f), c0[l] = mk(2, (int64_t[]){N, H}, 0.5f);
        hT[l] = mk(2, (int64_t[]){N, H}, 0), cT[l] = mk(2, (int64_t[]){N, H}, 0);
        dx[l] = mk(3, (int64_t[]){N, T, in}, 0);
    }
    double times[10000];
    int n = 0;
    double start = now_ms();
    for (int it = 0; n < 10000; it++) {
        double t0 = now_ms();
        for (int l = 0; l < L; l++) {
            zero(&dw_ih[l]), zero(&dw_hh[l]), zero(&db_ih[l]), zero(&db_hh[l]), zero(&dx[l]);
        }
        for (int l = 0; l < L; l++)
            OK(wk_lstm_forward(&y[l], &hT[l], &cT[l], &saved[l], l == 0 ? &x : &y[l - 1], &h0[l], &c0[l], &w_ih[l],
                               &w_hh[l], &b_ih[l], &b_hh[l], &ws));
        for (int l = L - 1; l >= 0; l--)
            OK(wk_lstm_backward(&dx[l], NULL, NULL, &dw_ih[l], &dw_hh[l], &db_ih[l], &db_hh[l],
                                l == L - 1 ? &dyL : &dx[l + 1], NULL, NULL, l == 0 ? &x : &y[l - 1], &h0[l], &c0[l],
                                &y[l], &w_ih[l], &w_hh[l], &saved[l], &ws));
        double t1 = now_ms();
        if (it >= 3) times[n++] = t1 - t0;   /* 3 warm-up iterations */
        if (it >= 3 && n >= 5 && t1 - start > budget * 1e3) break;
    }
    qsort(times, (size_t)n, sizeof *times, cmp);
    wk_pool_stats ps;
    wk_threads_stats(&ps);
    printf("wick_ms %.2f iters %d checksum %.6g pool_jobs %lld inline %lld helper_chunks %lld throttled %lld\n",
           times[n / 2], n, (double)wk_tensor_data(&dw_hh[0])[7], (long long)ps.jobs, (long long)ps.inline_jobs,
           (long long)ps.worker_chunks, (long long)ps.throttled);
    return 0;
}
