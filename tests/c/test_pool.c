/* test_pool.c — unit tests of lib/nn/pool.c: max / average / adaptive pooling and
 * nearest / bilinear upsampling, forward against values PyTorch 1.13 printed for the
 * same input (pasted below) and against naive float64 loops on random shapes, backward
 * through the adjoint identity <f(x), g> == <x, f^T(g)> (which holds exactly for these
 * linear-in-x maps; for max pooling at fixed argmax), accumulation, and the messages.
 * Tolerances: 1e-5 on hand values, 1e-5 * (1 + |ref|) on references and adjoints. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/nn/pool.h"
#include "check.h"
#include "error_checks.h"
#include "tensor_fixtures.h"

/* The 6x7 plane torch printed for ((arange(42) * 7) % 11).reshape(1,1,6,7). */
static void plane67(wk_tensor *x)
{
    wk_tensor_new(x, 4, (int64_t[]){1, 1, 6, 7});
    for (int i = 0; i < 42; i++) wk_tensor_data(x)[i] = (float)((i * 7) % 11);
}

/* max |t - want| over n values, printed and checked against tol */
static void expect(const char *what, const wk_tensor *t, const double *want, int64_t n, double tol)
{
    double md = 0;
    CHECK(wk_tensor_numel(t) == n);
    for (int64_t i = 0; i < n && i < wk_tensor_numel(t); i++) {
        double d = fabs(wk_tensor_data(t)[i] - want[i]);
        if (d > md || d != d) md = d;
    }
    printf("    %-34s max diff %.3g (tol %.3g)\n", what, md, tol);
    CHECK_NEAR(md, 0.0, tol);
}

static double dot(const wk_tensor *a, const wk_tensor *b)
{
    double s = 0;
    for (int64_t i = 0; i < wk_tensor_numel(a); i++) s += (double)wk_tensor_data(a)[i] * wk_tensor_data(b)[i];
    return s;
}

static void check_adjoint(const char *what, double fx_g, double x_ftg)
{
    printf("    %-34s <f(x),g> %.6f  <x,f^T(g)> %.6f\n", what, fx_g, x_ftg);
    CHECK_NEAR(fx_g, x_ftg, 1e-5 * (1 + fabs(fx_g)));
}

/* ---- max pooling --------------------------------------------------------------- */

TEST(maxpool_matches_torch_values)
{
    wk_tensor x, y = {0};
    plane67(&x);
    wk_pool_opts o = {{3, 2}, {2, 3}, {1, 1}, {1, 2}, 1, 1};
    int32_t idx[12];
    CHECK(wk_maxpool2d_forward(&y, idx, &x, &o) == WK_OK);
    CHECK(y.shape[2] == 4 && y.shape[3] == 3);
    static const double want[12] = {7, 8, 7, 6, 10, 7, 10, 10, 6, 10, 9, 5};
    static const int32_t want_idx[12] = {1, 9, 12, 15, 25, 12, 36, 25, 26, 36, 39, 40};
    expect("maxpool2d dilated ceil_mode", &y, want, 12, 0);
    int same = 1;
    for (int i = 0; i < 12; i++) same &= idx[i] == want_idx[i];
    CHECK(same);
    /* backward: gradients go to the argmax, accumulating where windows share one */
    wk_tensor gy, gx;
    wk_tensor_new(&gy, 4, y.shape);
    wk_tensor_fill_(&gy, 1.0f);
    wk_tensor_zeros(&gx, 4, x.shape);
    CHECK(wk_maxpool2d_backward(&gx, &gy, idx, &o) == WK_OK);
    CHECK(wk_tensor_data(&gx)[12] == 2.0f && wk_tensor_data(&gx)[25] == 2.0f && wk_tensor_data(&gx)[36] == 2.0f);
    CHECK(wk_tensor_data(&gx)[1] == 1.0f && wk_tensor_data(&gx)[0] == 0.0f);
    CHECK(wk_maxpool2d_backward(&gx, &gy, idx, &o) == WK_OK);
    CHECK(wk_tensor_data(&gx)[12] == 4.0f);   /* += */
    wk_tensor_release(&x); wk_tensor_release(&y); wk_tensor_release(&gy); wk_tensor_release(&gx);
}

TEST(maxpool_random_against_naive)
{
    wk_rng_seed(11);
    for (int t = 0; t < 24; t++) {
        wk_pool_opts o;
        for (int i = 0; i < 2; i++) {
            o.kernel[i] = 1 + (int)wk_rng_below(4);
            o.stride[i] = 1 + (int)wk_rng_below(3);
            o.dilation[i] = 1 + (int)wk_rng_below(2);
            o.padding[i] = (int)wk_rng_below((uint64_t)(((o.kernel[i] - 1) * o.dilation[i] + 1) / 2 + 1));
        }
        o.ceil_mode = (int)wk_rng_below(2);
        o.count_include_pad = 1;
        int64_t N = 1 + (int64_t)wk_rng_below(3), C = 1 + (int64_t)wk_rng_below(3);
        /* widths from 5 (rows of a few outputs: the scalar loop) to 44 (the row-at-a-time one) */
        int64_t H = 5 + (int64_t)wk_rng_below(8), W = 5 + (int64_t)wk_rng_below(40);
        wk_tensor x, y = {0}, gy, gx;
        x = randn(4, (int64_t[]){N, C, H, W});
        /* ties (small integers, as after a ReLU) and, in every third case, NaNs */
        for (int64_t k = 0; k < wk_tensor_numel(&x); k++) {
            float *v = &wk_tensor_data(&x)[k];
            *v = t % 2 ? floorf(*v * 1.5f) : *v;
            if (t % 3 == 0 && wk_rng_below(17) == 0) *v = NAN;
        }
        int64_t os[4];
        CHECK(wk_pool2d_output_shape(os, x.shape, &o) == WK_OK);
        int32_t *idx = malloc((size_t)(os[0] * os[1] * os[2] * os[3]) * sizeof(int32_t));
        CHECK(wk_maxpool2d_forward(&y, idx, &x, &o) == WK_OK);
        int64_t wrong_value = 0, wrong_index = 0;
        /* PyTorch's rule, scanned in row-major window order: the first maximum wins, a NaN
           beats everything and the last NaN wins */
        for (int64_t pl = 0; pl < N * C; pl++)
            for (int64_t i = 0; i < os[2]; i++)
                for (int64_t j = 0; j < os[3]; j++) {
                    float m = -INFINITY;
                    int64_t at = -1;
                    for (int p = 0; p < o.kernel[0]; p++)
                        for (int q = 0; q < o.kernel[1]; q++) {
                            int64_t h = i * o.stride[0] - o.padding[0] + p * o.dilation[0];
                            int64_t w = j * o.stride[1] - o.padding[1] + q * o.dilation[1];
                            if (h < 0 || h >= H || w < 0 || w >= W) continue;
                            float v = wk_tensor_data(&x)[pl * H * W + h * W + w];
                            if (at < 0 || v > m || v != v) m = v, at = h * W + w;
                        }
                    int64_t k = (pl * os[2] + i) * os[3] + j;
                    float got = wk_tensor_data(&y)[k];
                    wrong_value += !(got == m || (got != got && m != m));
                    wrong_index += idx[k] != at;
                }
        printf("    maxpool random %2d (%lldx%lld, k %dx%d s %dx%d)  wrong values %lld, indices %lld\n", t,
               (long long)H, (long long)W, o.kernel[0], o.kernel[1], o.stride[0], o.stride[1],
               (long long)wrong_value, (long long)wrong_index);
        CHECK(wrong_value == 0 && wrong_index == 0);
        if (t % 3 != 0) {   /* the adjoint needs finite values */
            gy = randn(4, os);
            wk_tensor_zeros(&gx, 4, x.shape);
            CHECK(wk_maxpool2d_backward(&gx, &gy, idx, &o) == WK_OK);
            check_adjoint("  maxpool adjoint (fixed argmax)", dot(&y, &gy), dot(&x, &gx));
            wk_tensor_release(&gy); wk_tensor_release(&gx);
        }
        free(idx);
        wk_tensor_release(&x); wk_tensor_release(&y);
    }
}

/* ---- average pooling ----------------------------------------------------------- */

TEST(avgpool_matches_torch_values)
{
    wk_tensor x, y = {0}, y2 = {0};
    plane67(&x);
    wk_pool_opts o = {{3, 2}, {2, 2}, {1, 1}, {1, 1}, 1, 0};
    CHECK(wk_avgpool2d_forward(&y, &x, &o) == WK_OK);
    static const double want[16] = {2.5, 4.75, 5.0, 5.25, 6.333333, 4.0, 5.166667, 4.5,
                                    5.333333, 4.833333, 6.0, 3.5, 3.0, 8.0, 5.5, 3.0};
    expect("avgpool2d ceil, exclude pad", &y, want, 16, 1e-5);
    wk_tensor a;   /* 5x5 arange, k3 s2 p1 ceil, count_include_pad (torch above) */
    wk_tensor_new(&a, 4, (int64_t[]){1, 1, 5, 5});
    for (int i = 0; i < 25; i++) wk_tensor_data(&a)[i] = (float)i;
    wk_pool_opts o2 = {{3, 3}, {2, 2}, {1, 1}, {1, 1}, 1, 1};
    CHECK(wk_avgpool2d_forward(&y2, &a, &o2) == WK_OK);
    static const double want2[9] = {1.333333, 3, 2.666667, 7, 12, 9, 8, 13, 9.333333};
    expect("avgpool2d ceil, include pad", &y2, want2, 9, 1e-5);
    wk_tensor_release(&x); wk_tensor_release(&y); wk_tensor_release(&a); wk_tensor_release(&y2);
}

TEST(avgpool_backward_is_adjoint)
{
    wk_rng_seed(12);
    for (int t = 0; t < 8; t++) {
        wk_pool_opts o;
        for (int i = 0; i < 2; i++) {
            o.kernel[i] = 1 + (int)wk_rng_below(4);
            o.stride[i] = 1 + (int)wk_rng_below(3);
            o.dilation[i] = 1;
            o.padding[i] = (int)wk_rng_below((uint64_t)(o.kernel[i] / 2 + 1));
        }
        o.ceil_mode = t & 1;
        o.count_include_pad = (t >> 1) & 1;
        wk_tensor x, y = {0}, gy, gx;
        x = randn(4, (int64_t[]){2, 3, 5 + t, 9 - t / 2});
        CHECK(wk_avgpool2d_forward(&y, &x, &o) == WK_OK);
        gy = randn(4, y.shape);
        wk_tensor_zeros(&gx, 4, x.shape);
        CHECK(wk_avgpool2d_backward(&gx, &gy, &o) == WK_OK);
        check_adjoint("avgpool adjoint", dot(&y, &gy), dot(&x, &gx));
        wk_tensor_release(&x); wk_tensor_release(&y); wk_tensor_release(&gy); wk_tensor_release(&gx);
    }
}

/* ---- adaptive average pooling -------------------------------------------------- */

TEST(adaptive_avgpool_values_and_adjoint)
{
    wk_tensor x, y = {0}, gy, gx;
    plane67(&x);
    CHECK(wk_adaptive_avgpool2d_forward(&y, &x, 4, 3) == WK_OK);
    static const double want[12] = {4.0, 5.166667, 4.5, 5.333333, 4.666667, 4.0,
                                    4.333333, 5.5, 4.833333, 5.666667, 5.0, 4.333333};
    expect("adaptive_avgpool2d 6x7 -> 4x3", &y, want, 12, 1e-5);
    wk_tensor_release(&x);
    wk_tensor_release(&y);
    wk_rng_seed(13);
    int64_t sizes[][4] = {{5, 5, 3, 2}, {7, 4, 7, 4}, {3, 8, 5, 3}, {9, 11, 1, 1}};
    for (int t = 0; t < 4; t++) {
        x = randn(4, (int64_t[]){2, 2, sizes[t][0], sizes[t][1]});
        y = (wk_tensor){0};
        CHECK(wk_adaptive_avgpool2d_forward(&y, &x, sizes[t][2], sizes[t][3]) == WK_OK);
        gy = randn(4, y.shape);
        wk_tensor_zeros(&gx, 4, x.shape);
        CHECK(wk_adaptive_avgpool2d_backward(&gx, &gy) == WK_OK);
        check_adjoint("adaptive adjoint", dot(&y, &gy), dot(&x, &gx));
        wk_tensor_release(&x); wk_tensor_release(&y); wk_tensor_release(&gy); wk_tensor_release(&gx);
    }
}

/* ---- upsampling ---------------------------------------------------------------- */

TEST(upsample_matches_torch_values)
{
    wk_tensor x, y = {0};
    plane67(&x);
    wk_upsample_opts bl = {WK_UPSAMPLE_BILINEAR, {4, 10}, {0, 0}};
    CHECK(wk_upsample2d_forward(&y, &x, &bl) == WK_OK);
    static const double want[40] = {
        1.25, 3.5875, 5.1875, 4.3125, 7.0125, 7.1, 4.4375, 3.5625, 5.162499, 7.5,
        8.75, 6.55, 4.4375, 3.5625, 6.2625, 6.35, 3.6875, 2.8125, 4.412499, 6.75,
        5.25, 3.05, 2.3125, 5.2875, 4.6875, 5.7375, 8.3, 5.5, 3.9375, 3.25,
        4.5, 6.8375, 7.75, 4.95, 3.9375, 4.9875, 7.55, 4.75, 3.1875, 2.5};
    expect("bilinear 6x7 -> 4x10", &y, want, 40, 1e-5);
    wk_tensor_release(&y);
    y = (wk_tensor){0};
    wk_upsample_opts nn = {WK_UPSAMPLE_NEAREST, {0, 0}, {0.7, 0.7}};
    CHECK(wk_upsample2d_forward(&y, &x, &nn) == WK_OK);
    static const double want2[16] = {0, 7, 3, 6, 5, 1, 8, 0, 10, 6, 2, 5, 9, 5, 1, 4};
    expect("nearest scale 0.7", &y, want2, 16, 0);
    wk_tensor_release(&y);
    wk_tensor s, y3 = {0};   /* 2x3 arange: bilinear x1.5 and nearest to 3x5 (torch above) */
    wk_tensor_new(&s, 4, (int64_t[]){1, 1, 2, 3});
    for (int i = 0; i < 6; i++) wk_tensor_data(&s)[i] = (float)i;
    wk_upsample_opts b15 = {WK_UPSAMPLE_BILINEAR, {0, 0}, {1.5, 1.5}};
    CHECK(wk_upsample2d_forward(&y3, &s, &b15) == WK_OK);
    static const double want3[12] = {0, 0.5, 1.166667, 1.833333, 1.5, 2, 2.666667, 3.333333, 3, 3.5, 4.166667, 4.833333};
    expect("bilinear scale 1.5", &y3, want3, 12, 1e-5);
    wk_tensor_release(&y3);
    y3 = (wk_tensor){0};
    wk_upsample_opts n35 = {WK_UPSAMPLE_NEAREST, {3, 5}, {0, 0}};
    CHECK(wk_upsample2d_forward(&y3, &s, &n35) == WK_OK);
    static const double want4[15] = {0, 0, 1, 1, 2, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5};
    expect("nearest size 3x5", &y3, want4, 15, 0);
    wk_tensor_release(&x); wk_tensor_release(&s); wk_tensor_release(&y3);
}

TEST(upsample_backward_is_adjoint)
{
    wk_rng_seed(14);
    wk_upsample_opts cases[] = {
        {WK_UPSAMPLE_NEAREST, {0, 0}, {2, 2}},   {WK_UPSAMPLE_NEAREST, {7, 3}, {0, 0}},
        {WK_UPSAMPLE_BILINEAR, {0, 0}, {2, 3}},  {WK_UPSAMPLE_BILINEAR, {4, 13}, {0, 0}},
        {WK_UPSAMPLE_BILINEAR, {0, 0}, {0.5, 1.7}},
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        wk_tensor x, y = {0}, gy, gx;
        x = randn(4, (int64_t[]){2, 3, 5, 6});
        CHECK(wk_upsample2d_forward(&y, &x, &cases[t]) == WK_OK);
        gy = randn(4, y.shape);
        wk_tensor_zeros(&gx, 4, x.shape);
        CHECK(wk_upsample2d_backward(&gx, &gy, &cases[t]) == WK_OK);
        check_adjoint(cases[t].mode ? "bilinear adjoint" : "nearest adjoint", dot(&y, &gy), dot(&x, &gx));
        wk_tensor_release(&x); wk_tensor_release(&y); wk_tensor_release(&gy); wk_tensor_release(&gx);
    }
}

/* ---- errors -------------------------------------------------------------------- */

TEST(bad_shapes_fail_with_clear_messages)
{
    wk_tensor x3, x, y = {0}, gx, gy;
    int32_t idx[1024];
    wk_tensor_zeros(&x3, 3, (int64_t[]){3, 28, 28});
    wk_tensor_zeros(&x, 4, (int64_t[]){1, 3, 4, 4});
    wk_pool_opts o = wk_pool_opts_make(2, 2);
    CHECK(fails_with(wk_maxpool2d_forward(&y, idx, &x3, &o), "maxpool2d: input must be 4-D (N,C,H,W), got 3-D [3,28,28]"));
    o.padding[0] = 2;
    CHECK(fails_with(wk_maxpool2d_forward(&y, idx, &x, &o), "maxpool2d: padding must be between 0 and half the kernel (1), got 2"));
    o = wk_pool_opts_make(5, 5);
    CHECK(fails_with(wk_avgpool2d_forward(&y, &x, &o), "avgpool2d: input [1,3,4,4] is too small for a 5x5 window"));
    o = wk_pool_opts_make(2, 2);
    o.dilation[1] = 2;
    CHECK(fails_with(wk_avgpool2d_forward(&y, &x, &o), "avgpool2d: dilation must be 1, got 2"));
    o = wk_pool_opts_make(2, 2);
    wk_tensor_zeros(&gx, 4, (int64_t[]){1, 3, 4, 4});
    wk_tensor_zeros(&gy, 4, (int64_t[]){1, 3, 3, 2});
    CHECK(fails_with(wk_maxpool2d_backward(&gx, &gy, idx, &o),
                     "maxpool2d backward: grad_output must be [1,3,2,2] for this grad_input, got [1,3,3,2]"));
    CHECK(fails_with(wk_adaptive_avgpool2d_forward(&y, &x, 0, 2), "adaptive_avgpool2d: output size must be >= 1, got 0x2"));
    wk_upsample_opts u = {WK_UPSAMPLE_BILINEAR, {0, 0}, {0, 0}};
    CHECK(fails_with(wk_upsample2d_forward(&y, &x, &u), "upsample: give an output size or a scale factor"));
    u.mode = 7;
    CHECK(fails_with(wk_upsample2d_forward(&y, &x, &u), "upsample: mode must be nearest or bilinear"));
    /* Issue 10: values a sketch may pass, refused before undefined arithmetic */
    u.mode = WK_UPSAMPLE_NEAREST;
    u.scale[0] = u.scale[1] = 1.0 / 0.0;   /* floor(H * inf) cast to int64 */
    CHECK(fails_with(wk_upsample2d_forward(&y, &x, &u), "upsample: size and scale must be positive and finite"));
    u.scale[0] = u.scale[1] = 1e300;
    CHECK(fails_with(wk_upsample2d_forward(&y, &x, &u), "upsample: size and scale must be positive and finite"));
    u.scale[0] = u.scale[1] = 0x1p39;
    CHECK(fails_with(wk_upsample2d_forward(&y, &x, &u), "gives an output of"));
    o = wk_pool_opts_make(INT32_MAX, 2);
    o.dilation[0] = 2;   /* (kernel - 1) * dilation wrapped an int */
    CHECK(fails_with(wk_maxpool2d_forward(&y, idx, &x, &o), "too small for a"));
    CHECK(fails_with(wk_adaptive_avgpool2d_forward(&y, &x, (int64_t)1 << 61, 1), "is too large for input"));
    CHECK(y.storage == NULL);
    wk_tensor_release(&x3); wk_tensor_release(&x); wk_tensor_release(&gx); wk_tensor_release(&gy);
}

int main(void)
{
    RUN(maxpool_matches_torch_values);
    RUN(maxpool_random_against_naive);
    RUN(avgpool_matches_torch_values);
    RUN(avgpool_backward_is_adjoint);
    RUN(adaptive_avgpool_values_and_adjoint);
    RUN(upsample_matches_torch_values);
    RUN(upsample_backward_is_adjoint);
    RUN(bad_shapes_fail_with_clear_messages);
    return check_summary("pool");
}
