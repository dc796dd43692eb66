/* test_winograd_s2.c — the F(2x2, 2x2) path of 4x4 stride-2 convolutions
 * (lib/nn/winograd_s2.c), through the public conv entry points: conv2d forward (with and
 * without bias), input gradient and weight gradient, and conv_transpose2d forward, input
 * gradient and weight gradient (the same three maps with the roles swapped), against a
 * float64 direct convolution, on shapes that exercise the edges (odd outputs with a
 * half-empty last tile, an input row or column no output reads, padding 0 to 3, tile rows
 * of several images in one block, blocks of whole images and blocks of part of one, whose
 * input gradients overlap); and the same bits on 1 and 2 threads. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/core/threads.h"
#include "../../lib/nn/conv.h"
#include "../../lib/nn/winograd_s2.h"
#include "check.h"
#include "conv_reference.h"
#include "tensor_fixtures.h"

typedef struct scase {
    int64_t N, Ci, H, W, Co;
    int pad, bias;
} scase;

static const scase CASES[] = {
    /* N  Ci   H   W  Co pad bias */
    {8, 16, 16, 16, 32, 1, 1},     /* 8x8 output: whole tiles */
    {4, 12, 26, 26, 20, 1, 0},     /* 13x13: half-empty last tiles */
    {3, 9, 21, 18, 17, 2, 1},      /* 11x10: odd down, the last input row unread; padding 2 */
    {16, 16, 10, 10, 16, 0, 1},    /* padding 0: 4x4 */
    {8, 8, 9, 9, 16, 3, 0},        /* padding 3 */
    {2, 32, 64, 64, 24, 1, 1},     /* 32x32: a block an image */
    {1, 16, 128, 128, 16, 1, 0},   /* 64x64: blocks of part of an image (even, then odd) */
};

typedef struct results {
    wk_tensor y, gx, gw, gb;      /* conv2d */
    wk_tensor ty, tgx, tgw;       /* conv_transpose2d of gy, backward with x as its gradient */
} results;

static void run_case(const scase *c, const wk_tensor *x, const wk_tensor *w, const wk_tensor *b, const wk_tensor *gy,
                     results *r)
{
    wk_conv_opts o = wk_conv_opts_default();
    o.stride[0] = o.stride[1] = 2;
    o.padding[0] = o.padding[1] = c->pad;
    if (c->H + 2 * c->pad - 4 != 2 * (gy->shape[2] - 1)) o.output_padding[0] = 1;   /* the unread row */
    if (c->W + 2 * c->pad - 4 != 2 * (gy->shape[3] - 1)) o.output_padding[1] = 1;
    wk_workspace ws = {0};
    memset(r, 0, sizeof *r);
    CHECK(wk_conv2d_forward(&r->y, x, w, c->bias ? b : NULL, &ws, &o) == WK_OK);
    wk_tensor_zeros(&r->gx, 4, x->shape);
    wk_tensor_zeros(&r->gw, 4, w->shape);
    wk_tensor_zeros(&r->gb, 1, b->shape);
    CHECK(wk_conv2d_backward(&r->gx, &r->gw, &r->gb, gy, x, w, &ws, &o) == WK_OK);
    /* conv_transpose2d with w read as its (C_in = Co, C_out = Ci) weight: its forward is
     * conv2d's input gradient, its input gradient conv2d's forward, its weight gradient
     * conv2d's (with the roles of x and gy swapped) */
    CHECK(wk_conv_transpose2d_forward(&r->ty, gy, w, NULL, &ws, &o) == WK_OK);
    CHECK(r->ty.shape[2] == c->H && r->ty.shape[3] == c->W);
    wk_tensor_zeros(&r->tgx, 4, gy->shape);
    wk_tensor_zeros(&r->tgw, 4, w->shape);
    CHECK(wk_conv_transpose2d_backward(&r->tgx, &r->tgw, NULL, x, gy, w, &ws, &o) == WK_OK);
    wk_workspace_free(&ws);
}

static void release(results *r)
{
    wk_tensor *all[] = {&r->y, &r->gx, &r->gw, &r->gb, &r->ty, &r->tgx, &r->tgw};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) wk_tensor_release(all[i]);
}

TEST(stride2_winograd_matches_direct_float64_and_ignores_the_thread_count)
{
    wk_rng_seed(13);
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        const scase *c = &CASES[k];
        int64_t Ho = (c->H + 2 * c->pad - 4) / 2 + 1, Wo = (c->W + 2 * c->pad - 4) / 2 + 1;
        wk_wino_geom wg = {c->N, c->Ci, c->H, c->W, c->Co, Ho, Wo, c->pad, c->pad};
        printf("  %lldx%lldx%lldx%lld -> %lld (%lldx%lld), pad %d: F(2x2, 2x2) %s\n", (long long)c->N,
               (long long)c->Ci, (long long)c->H, (long long)c->W, (long long)c->Co, (long long)Ho, (long long)Wo,
               c->pad, wk_wino_s2_applies(&wg) ? "yes" : "NO");
        CHECK(wk_wino_s2_applies(&wg));
        wk_tensor x, w, b, gy;
        wk_tensor_new(&x, 4, (int64_t[]){c->N, c->Ci, c->H, c->W});
        wk_tensor_new(&w, 4, (int64_t[]){c->Co, c->Ci, 4, 4});
        wk_tensor_new(&b, 1, (int64_t[]){c->Co});
        wk_tensor_new(&gy, 4, (int64_t[]){c->N, c->Co, Ho, Wo});
        fill_normal(&x);
        fill_normal(&w);
        fill_normal(&b);
        fill_normal(&gy);
        double *y = malloc(sizeof(double) * (size_t)wk_tensor_numel(&gy));
        double *gx = malloc(sizeof(double) * (size_t)wk_tensor_numel(&x));
        double *gw = malloc(sizeof(double) * (size_t)wk_tensor_numel(&w));
        double *ty = malloc(sizeof(double) * (size_t)wk_tensor_numel(&x));
        double *tgx = malloc(sizeof(double) * (size_t)wk_tensor_numel(&gy));
        double *tgw = malloc(sizeof(double) * (size_t)wk_tensor_numel(&w));
        const conv_ref_shape rs = {c->N, c->Ci, c->H, c->W, c->Co, 4, 2, c->pad, Ho, Wo};
        conv_reference(&rs, wk_tensor_data(&x), wk_tensor_data(&w), c->bias ? wk_tensor_data(&b) : NULL,
                       wk_tensor_data(&gy), y, gx, gw);
        /* conv_transpose2d(gy) is the input gradient above; its backward with x as the
         * gradient: input gradient conv2d(x) without bias, weight gradient as gw */
        memcpy(ty, gx, sizeof(double) * (size_t)wk_tensor_numel(&x));
        memcpy(tgw, gw, sizeof(double) * (size_t)wk_tensor_numel(&w));
        for (int64_t i = 0; i < wk_tensor_numel(&gy); i++)
            tgx[i] = y[i] - (c->bias ? wk_tensor_data(&b)[i / (Ho * Wo) % c->Co] : 0.0);
        results r1, r2;
        wk_threads_set(1);
        run_case(c, &x, &w, &b, &gy, &r1);
        wk_threads_set(2);
        run_case(c, &x, &w, &b, &gy, &r2);
        conv_ref_compare("forward", &r2.y, y);
        conv_ref_compare("grad input", &r2.gx, gx);
        conv_ref_compare("grad weight", &r2.gw, gw);
        conv_ref_compare("transposed forward", &r2.ty, ty);
        conv_ref_compare("transposed grad input", &r2.tgx, tgx);
        conv_ref_compare("transposed grad weight", &r2.tgw, tgw);
        int same = conv_ref_same_bits(&r1.y, &r2.y) && conv_ref_same_bits(&r1.gx, &r2.gx) && conv_ref_same_bits(&r1.gw, &r2.gw) &&
                   conv_ref_same_bits(&r1.ty, &r2.ty) && conv_ref_same_bits(&r1.tgx, &r2.tgx) && conv_ref_same_bits(&r1.tgw, &r2.tgw);
        printf("    same bits on 1 and 2 threads: %s\n", same ? "yes" : "NO");
        CHECK(same);
        release(&r1), release(&r2);
        free(y), free(gx), free(gw), free(ty), free(tgx), free(tgw);
        wk_tensor_release(&x), wk_tensor_release(&w), wk_tensor_release(&b), wk_tensor_release(&gy);
    }
}

TEST(applies_only_where_it_pays)
{
    wk_wino_geom first = {64, 3, 64, 64, 32, 32, 32, 1, 1};     /* a 3-channel first layer: im2col */
    wk_wino_geom few = {1, 64, 8, 8, 128, 4, 4, 1, 1};          /* 4 tiles */
    wk_wino_geom odd = {64, 64, 14, 14, 128, 7, 7, 1, 1};        /* 7x7: 1.36x fewer products */
    wk_wino_geom five = {64, 64, 10, 10, 128, 5, 5, 1, 1};       /* 5x5: 1.23x, tiles too empty */
    wk_wino_geom dcgan = {64, 64, 16, 16, 128, 8, 8, 1, 1};
    wk_wino_geom wrong = {64, 64, 16, 16, 128, 7, 8, 1, 1};      /* not this conv's output */
    CHECK(!wk_wino_s2_applies(&first));
    CHECK(!wk_wino_s2_applies(&few));
    CHECK(!wk_wino_s2_applies(&five));
#if defined(__AVX512F__)   /* im2col on AVX-512 kernels wins at 7x7; on AVX2, Winograd */
    CHECK(!wk_wino_s2_applies(&odd));
#else
    CHECK(wk_wino_s2_applies(&odd));
#endif
    CHECK(!wk_wino_s2_applies(&wrong));
    CHECK(wk_wino_s2_applies(&dcgan));
}

int main(void)
{
    RUN(stride2_winograd_matches_direct_float64_and_ignores_the_thread_count);
    RUN(applies_only_where_it_pays);
    return check_summary("winograd_s2");
}
