/* test_winograd.c — the Winograd F(4x4, 3x3) path of conv2d (lib/nn/winograd.c), through
 * the public conv entry points: forward (with and without bias), input gradient (a
 * forward conv of the flipped kernel) and weight gradient against a float64 direct
 * convolution, on shapes that exercise the edges (sizes not a multiple of 4, padding 0,
 * 1 and 2, tiles spanning images, one tile); conv_transpose2d's stride-1 paths, which
 * also run through it; and the same bits on 1 and 2 threads for every result. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/core/threads.h"
#include "../../lib/nn/conv.h"
#include "../../lib/nn/winograd.h"
#include "check.h"
#include "conv_reference.h"
#include "tensor_fixtures.h"

typedef struct wcase {
    int64_t N, Ci, H, W, Co;
    int pad, bias;
} wcase;

static const wcase CASES[] = {
    /* N  Ci   H    W  Co pad bias */
    {8, 16, 8, 8, 16, 1, 1},       /* two tiles across and down (32 tiles: the least it takes) */
    {4, 24, 13, 11, 20, 0, 1},     /* 11x9 output: partial tiles, tiles spanning images */
    {6, 17, 6, 7, 33, 2, 0},       /* padding 2, odd channel counts */
    {1, 32, 37, 50, 24, 1, 1},     /* several blocks of tile rows */
    {64, 32, 13, 13, 64, 0, 1},    /* the small CNN's second conv */
    {32, 16, 4, 4, 16, 1, 0},      /* one tile per image */
};

typedef struct results {
    wk_tensor y, gx, gw, gb;
} results;

/* Forward and backward of one case on the current thread count. */
static void run_case(const wcase *c, const wk_tensor *x, const wk_tensor *w, const wk_tensor *b, const wk_tensor *gy,
                     results *r)
{
    wk_conv_opts o = wk_conv_opts_default();
    o.padding[0] = o.padding[1] = c->pad;
    wk_workspace ws = {0};
    memset(r, 0, sizeof *r);
    CHECK(wk_conv2d_forward(&r->y, x, w, c->bias ? b : NULL, &ws, &o) == WK_OK);
    wk_tensor_zeros(&r->gx, 4, x->shape);
    wk_tensor_zeros(&r->gw, 4, w->shape);
    wk_tensor_zeros(&r->gb, 1, b->shape);
    CHECK(wk_conv2d_backward(&r->gx, &r->gw, &r->gb, gy, x, w, &ws, &o) == WK_OK);
    wk_workspace_free(&ws);
}

static void release(results *r)
{
    wk_tensor_release(&r->y), wk_tensor_release(&r->gx), wk_tensor_release(&r->gw), wk_tensor_release(&r->gb);
}

TEST(winograd_matches_direct_float64_and_ignores_the_thread_count)
{
    wk_rng_seed(11);
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        const wcase *c = &CASES[k];
        int64_t Ho = c->H + 2 * c->pad - 2, Wo = c->W + 2 * c->pad - 2;
        wk_wino_geom wg = {c->N, c->Ci, c->H, c->W, c->Co, Ho, Wo, c->pad, c->pad};
        printf("  %lldx%lldx%lldx%lld -> %lld, pad %d: winograd %s\n", (long long)c->N, (long long)c->Ci,
               (long long)c->H, (long long)c->W, (long long)c->Co, c->pad, wk_winograd_applies(&wg) ? "yes" : "NO");
        CHECK(wk_winograd_applies(&wg));
        wk_tensor x, w, b, gy;
        wk_tensor_new(&x, 4, (int64_t[]){c->N, c->Ci, c->H, c->W});
        wk_tensor_new(&w, 4, (int64_t[]){c->Co, c->Ci, 3, 3});
        wk_tensor_new(&b, 1, (int64_t[]){c->Co});
        wk_tensor_new(&gy, 4, (int64_t[]){c->N, c->Co, Ho, Wo});
        fill_normal(&x);
        fill_normal(&w);
        fill_normal(&b);
        fill_normal(&gy);
        double *y = malloc(sizeof(double) * (size_t)wk_tensor_numel(&gy));
        double *gx = malloc(sizeof(double) * (size_t)wk_tensor_numel(&x));
        double *gw = malloc(sizeof(double) * (size_t)wk_tensor_numel(&w));
        const conv_ref_shape rs = {c->N, c->Ci, c->H, c->W, c->Co, 3, 1, c->pad, Ho, Wo};
        conv_reference(&rs, wk_tensor_data(&x), wk_tensor_data(&w), c->bias ? wk_tensor_data(&b) : NULL,
                       wk_tensor_data(&gy), y, gx, gw);
        results r1, r2;
        wk_threads_set(1);
        run_case(c, &x, &w, &b, &gy, &r1);
        wk_threads_set(2);
        run_case(c, &x, &w, &b, &gy, &r2);
        conv_ref_compare("forward", &r2.y, y);
        conv_ref_compare("grad input", &r2.gx, gx);
        conv_ref_compare("grad weight", &r2.gw, gw);
        int same = conv_ref_same_bits(&r1.y, &r2.y) && conv_ref_same_bits(&r1.gx, &r2.gx) && conv_ref_same_bits(&r1.gw, &r2.gw) &&
                   conv_ref_same_bits(&r1.gb, &r2.gb);
        printf("    same bits on 1 and 2 threads: %s\n", same ? "yes" : "NO");
        CHECK(same);
        release(&r1), release(&r2);
        free(y), free(gx), free(gw);
        wk_tensor_release(&x), wk_tensor_release(&w), wk_tensor_release(&b), wk_tensor_release(&gy);
    }
}

/* conv_transpose2d with a 3x3 kernel at stride 1 is a conv2d with the flipped kernel
 * (forward) and a conv2d (input gradient): both take the Winograd path. Checked as the
 * adjoint of conv2d: <conv2d(x), y> == <x, conv_transpose2d(y)>. */
TEST(conv_transpose2d_stride1_is_the_adjoint)
{
    wk_rng_seed(5);
    wk_conv_opts o = wk_conv_opts_default();
    o.padding[0] = o.padding[1] = 1;
    wk_tensor x, w, y, cx = {0}, ty = {0};
    wk_tensor_new(&x, 4, (int64_t[]){2, 24, 10, 9});
    wk_tensor_new(&w, 4, (int64_t[]){20, 24, 3, 3});   /* conv2d: 24 -> 20 */
    wk_tensor_new(&y, 4, (int64_t[]){2, 20, 10, 9});
    fill_normal(&x);
    fill_normal(&w);
    fill_normal(&y);
    wk_workspace ws = {0};
    /* the same w read as conv_transpose2d's (C_in = 20, C_out = 24) weight */
    wk_tensor wt;
    wk_tensor_new(&wt, 4, (int64_t[]){20, 24, 3, 3});
    memcpy(wk_tensor_data(&wt), wk_tensor_data(&w), sizeof(float) * (size_t)wk_tensor_numel(&w));
    CHECK(wk_conv2d_forward(&cx, &x, &w, NULL, &ws, &o) == WK_OK);
    CHECK(wk_conv_transpose2d_forward(&ty, &y, &wt, NULL, &ws, &o) == WK_OK);
    double a = 0, b = 0;
    for (int64_t i = 0; i < wk_tensor_numel(&y); i++) a += (double)wk_tensor_data(&cx)[i] * wk_tensor_data(&y)[i];
    for (int64_t i = 0; i < wk_tensor_numel(&x); i++) b += (double)wk_tensor_data(&x)[i] * wk_tensor_data(&ty)[i];
    printf("  <conv2d(x), y> = %.6f, <x, conv_transpose2d(y)> = %.6f\n", a, b);
    CHECK_NEAR(a, b, 1e-4 * (1 + fabs(a)));
    wk_tensor_release(&x), wk_tensor_release(&w), wk_tensor_release(&wt), wk_tensor_release(&y);
    wk_tensor_release(&cx), wk_tensor_release(&ty);
    wk_workspace_free(&ws);
}

TEST(applies_only_where_it_pays)
{
    wk_wino_geom few = {1, 3, 224, 224, 64, 224, 224, 1, 1};   /* a 3-channel first layer */
    wk_wino_geom tiny = {8, 32, 4, 4, 32, 2, 2, 0, 0};         /* 2x2 outputs */
    wk_wino_geom vgg = {1, 64, 224, 224, 64, 224, 224, 1, 1};
    wk_wino_geom few_tiles = {1, 448, 8, 8, 384, 8, 8, 1, 1};   /* InceptionV3's mixed9: 4 tiles */
    CHECK(!wk_winograd_applies(&few_tiles));
    CHECK(!wk_winograd_applies(&few));
    CHECK(!wk_winograd_applies(&tiny));
    CHECK(wk_winograd_applies(&vgg));
}

int main(void)
{
    RUN(winograd_matches_direct_float64_and_ignores_the_thread_count);
    RUN(conv_transpose2d_stride1_is_the_adjoint);
    RUN(applies_only_where_it_pays);
    return check_summary("winograd");
}
