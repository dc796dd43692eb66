/* bench_conv.c — the C side of bench_conv.sh: times wick's conv2d forward+backward on
 * the peer's shapes and prints one line per case, "case <name> ms <median> min <min>".
 *
 *   vgg64   1x64x224x224 -> 64, 3x3 pad 1; grad input, weight and bias (a middle layer)
 *   vgg3    1x3x224x224  -> 64, 3x3 pad 1; grad weight and bias only (a first layer)
 *   cnn1    64x1x28x28   -> 32, 3x3;       grad weight and bias (the small CNN's conv 1)
 *   cnn2    64x32x13x13  -> 64, 3x3;       grad input, weight and bias (its conv 2)
 *   dcgan16 64x64x16x16  -> 128, 4x4 stride 2 pad 1; grad input, weight and bias (DCGAN-64's
 *           discriminator conv 3: F(2x2, 2x2))
 *   dcgan14 64x64x14x14  -> 128, the same at 14x14 (DCGAN-28's conv 2: 7x7 out, im2col)
 *
 * Usage: bench_conv THREADS SECONDS [case...]: the kernels run on wick's thread pool
 * with THREADS threads (OpenBLAS pinned to one thread inside each chunk), as in wick. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lib/core/rng.h"
#include "../../lib/core/threads.h"
#include "../../lib/nn/conv.h"
#include "../../lib/core/cpu.h"

typedef struct bcase {
    const char *name;
    int64_t N, Ci, H, W, Co;
    int pad, grad_input;
    int k, stride;
} bcase;

static const bcase CASES[] = {
    {"vgg64", 1, 64, 224, 224, 64, 1, 1, 3, 1},
    {"vgg3", 1, 3, 224, 224, 64, 1, 0, 3, 1},
    {"cnn1", 64, 1, 28, 28, 32, 0, 0, 3, 1},
    {"cnn2", 64, 32, 13, 13, 64, 0, 1, 3, 1},
    {"dcgan16", 64, 64, 16, 16, 128, 1, 1, 4, 2},
    {"dcgan14", 64, 64, 14, 14, 128, 1, 1, 4, 2},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void randn(wk_tensor *t, int ndim, const int64_t *shape)
{
    wk_tensor_new(t, ndim, shape);
    float *d = wk_tensor_data(t);
    for (int64_t i = 0; i < wk_tensor_numel(t); i++) d[i] = wk_rng_normal() * 0.1f;
}

static int run(const bcase *c, double seconds)
{
    wk_conv_opts o = wk_conv_opts_default();
    o.padding[0] = o.padding[1] = c->pad;
    o.stride[0] = o.stride[1] = c->stride;
    wk_tensor x, w, b, y = {0}, gy, gx, gw, gb;
    wk_workspace ws = {0};
    randn(&x, 4, (int64_t[]){c->N, c->Ci, c->H, c->W});
    randn(&w, 4, (int64_t[]){c->Co, c->Ci, c->k, c->k});
    randn(&b, 1, (int64_t[]){c->Co});
    int64_t os[4];
    if (wk_conv2d_output_shape(os, x.shape, w.shape, &o)) return fprintf(stderr, "%s\n", wk_errmsg()), 1;
    randn(&gy, 4, os);
    wk_tensor_zeros(&gx, 4, x.shape);
    wk_tensor_zeros(&gw, 4, w.shape);
    wk_tensor_zeros(&gb, 1, b.shape);
    double times[100000];
    int n = 0;
    double end = 0;
    for (int it = -3; n < 100000; it++) {
        double t0 = now();
        /* one training step's conv: forward, then every wanted gradient (zeroed, as a
         * caller would, inside the timing: PyTorch allocates fresh gradients) */
        if (wk_conv2d_forward(&y, &x, &w, &b, &ws, &o)) return fprintf(stderr, "%s\n", wk_errmsg()), 1;
        if (c->grad_input) wk_tensor_fill_(&gx, 0.0f);
        wk_tensor_fill_(&gw, 0.0f);
        wk_tensor_fill_(&gb, 0.0f);
        if (wk_conv2d_backward(c->grad_input ? &gx : NULL, &gw, &gb, &gy, &x, &w, &ws, &o))
            return fprintf(stderr, "%s\n", wk_errmsg()), 1;
        double t1 = now();
        if (it < 0) continue;
        if (it == 0) end = t0 + seconds;
        times[n++] = t1 - t0;
        if (t1 > end && n >= 5) break;
    }
    qsort(times, (size_t)n, sizeof times[0], cmp);
    printf("case %s ms %.3f min %.3f calls %d\n", c->name, times[n / 2] * 1e3, times[0] * 1e3, n);
    wk_tensor_release(&x); wk_tensor_release(&w); wk_tensor_release(&b); wk_tensor_release(&y);
    wk_tensor_release(&gy); wk_tensor_release(&gx); wk_tensor_release(&gw); wk_tensor_release(&gb);
    wk_workspace_free(&ws);
    return 0;
}

int main(int argc, char **argv)
{
    wk_cpu_kernels_setup(argv);   /* OpenBLAS on the kernels the CPU's features allow, as in wick */
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;
    if (wk_threads_set(threads) != threads) fprintf(stderr, "bench_conv: only %d threads here\n", wk_threads_count());
    wk_threads_init();
    wk_rng_seed(0);
    int status = 0;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        int want = argc <= 3;
        for (int a = 3; a < argc; a++) want |= strcmp(argv[a], CASES[i].name) == 0;
        if (want) status |= run(&CASES[i], seconds);
    }
    return status;
}
