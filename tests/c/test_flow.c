/* test_flow.c — lib/media/flow.h: Farnebäck flow on a smooth synthetic texture moved
 * by a known sub-pixel translation and by a known smooth non-rigid field (both frames
 * drawn from the formula, so the ground truth is exact), zero motion, RGB input, an
 * initial flow, the warp against hand-computed samples and as the flow's inverse, the
 * consistency mask on an object moving over a background, and bad input.
 *
 * Errors are the mean endpoint error (EPE, pixels) over the interior: a margin of 12
 * pixels is left out, where content leaves or enters the frame. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/media/flow.h"
#include "check.h"
#include "tensor_fixtures.h"

#define MARGIN 12

/* A smooth texture in about [0.1, 0.9]: sinusoids of wavelengths 9 to 40 pixels in
 * several directions (rich enough to pin the motion down everywhere). */
static double texture(double x, double y)
{
    static const double w[][3] = {{0.21, 0.05, 0.3}, {-0.07, 0.19, 1.1}, {0.13, 0.16, 2.0}, {0.35, -0.22, 0.7},
                                  {0.04, 0.41, 2.9}, {-0.3, -0.11, 4.1}, {0.6, 0.2, 1.7}};
    double v = 0.5;
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) v += 0.055 * sin(w[i][0] * x + w[i][1] * y + w[i][2]);
    return v;
}

typedef void (*field_fn)(double x, double y, double *dx, double *dy);

static void shift(double x, double y, double *dx, double *dy) { (void)x, (void)y, *dx = 1.7, *dy = -2.3; }
static void far_shift(double x, double y, double *dx, double *dy) { (void)x, (void)y, *dx = 8.6, *dy = -5.2; }
static void still(double x, double y, double *dx, double *dy) { (void)x, (void)y, *dx = 0, *dy = 0; }
/* A smooth swirl and stretch, up to about 3 pixels, on a 96×128 frame. */
static void swirl(double x, double y, double *dx, double *dy)
{
    *dx = 2.0 * sin(y / 19.0) + 0.8 * cos(x / 23.0);
    *dy = 1.5 * cos(x / 17.0) - 1.0 * sin((x + y) / 29.0);
}

/* prev(y, x) = texture(x, y); next(q) = texture(p) where q = p + d(p) (p found by
 * fixed-point iteration, which converges for these gentle fields). Ground truth
 * gt = d on prev's grid, 2×h×w. channels 3: RGB frames whose luma is the texture. */
static void frames(wk_tensor *prev, wk_tensor *next, wk_tensor *gt, int h, int w, int channels, field_fn d)
{
    *prev = fixture_alloc(3, SHAPE(channels, h, w), 0);
    *next = fixture_alloc(3, SHAPE(channels, h, w), 0);
    *gt = fixture_alloc(3, SHAPE(2, h, w), 0);
    float *p = wk_tensor_data(prev), *n = wk_tensor_data(next), *g = wk_tensor_data(gt);
    int64_t plane = (int64_t)h * w;
    static const double tint[3] = {1.1, 0.95, 0.9};   /* luma weights sum: .299·1.1+.587·.95+.114·.9 ≈ 1 */
    double luma = 0.299 * tint[0] + 0.587 * tint[1] + 0.114 * tint[2];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double dx, dy, px = x, py = y;
            d(x, y, &dx, &dy);
            g[y * w + x] = (float)dx, g[plane + y * w + x] = (float)dy;
            for (int it = 0; it < 50; it++) {   /* p = q − d(p) */
                d(px, py, &dx, &dy);
                px = x - dx, py = y - dy;
            }
            for (int c = 0; c < channels; c++) {
                double k = channels == 3 ? tint[c] / luma : 1.0;
                p[c * plane + y * w + x] = (float)(k * texture(x, y));
                n[c * plane + y * w + x] = (float)(k * texture(px, py));
            }
        }
}

/* Mean |a − b| over the interior of two 2×h×w flows. */
static double epe(const wk_tensor *a, const wk_tensor *b)
{
    int64_t h = a->shape[1], w = a->shape[2], plane = h * w, n = 0;
    const float *p = wk_tensor_data(a), *q = wk_tensor_data(b);
    double s = 0;
    for (int64_t y = MARGIN; y < h - MARGIN; y++)
        for (int64_t x = MARGIN; x < w - MARGIN; x++, n++)
            s += hypot(p[y * w + x] - q[y * w + x], p[plane + y * w + x] - q[plane + y * w + x]);
    return s / (double)n;
}

static double estimate_at(int h, int w, int channels, field_fn d, const wk_flow_opts *o, int use_init)
{
    wk_tensor prev, next, gt, flow = {0};
    frames(&prev, &next, &gt, h, w, channels, d);
    int rc = wk_flow_farneback(&flow, &prev, &next, use_init ? &gt : NULL, o, NULL);
    CHECK(rc == WK_OK);
    if (rc) printf("  %s\n", wk_errmsg());
    double e = rc ? INFINITY : epe(&flow, &gt);
    if (!rc) CHECK(flow.ndim == 3 && flow.shape[0] == 2 && flow.shape[1] == h && flow.shape[2] == w);
    wk_tensor_release(&prev), wk_tensor_release(&next), wk_tensor_release(&gt), wk_tensor_release(&flow);
    return e;
}

static double estimate(int channels, field_fn d, const wk_flow_opts *o, int use_init)
{
    return estimate_at(96, 128, channels, d, o, use_init);
}

TEST(translation)
{
    wk_flow_opts o = wk_flow_defaults();
    double e = estimate(1, shift, &o, 0);
    printf("  translation (1.7, -2.3): EPE %.4f px\n", e);
    CHECK(e < 0.05);
    o.box = 1;
    e = estimate(1, shift, &o, 0);
    printf("  the same with a box window: EPE %.4f px\n", e);
    CHECK(e < 0.05);
    o.box = 0;
    e = estimate_at(93, 121, 1, shift, &o, 0);   /* widths not a multiple of 8 */
    printf("  93×121 frames: EPE %.4f px\n", e);
    CHECK(e < 0.05);
}

TEST(non_rigid)
{
    wk_flow_opts o = wk_flow_defaults();
    double e = estimate(1, swirl, &o, 0);
    printf("  smooth non-rigid field: EPE %.4f px\n", e);
    CHECK(e < 0.15);
}

TEST(rgb_and_zero_motion)
{
    wk_flow_opts o = wk_flow_defaults();
    double e = estimate(3, shift, &o, 0);
    printf("  RGB frames: EPE %.4f px\n", e);
    CHECK(e < 0.05);
    e = estimate(1, still, &o, 0);
    printf("  zero motion: EPE %.6f px\n", e);
    CHECK(e < 1e-3);
}

TEST(initial_flow)
{
    /* a single level: a 10-pixel shift is beyond one neighbourhood's reach from zero,
     * and easy from the truth */
    wk_flow_opts o = wk_flow_defaults();
    o.levels = 1;
    double from_truth = estimate(1, far_shift, &o, 1);
    double from_zero = estimate(1, far_shift, &o, 0);
    printf("  one level: EPE %.4f from the true flow, %.4f from zero\n", from_truth, from_zero);
    CHECK(from_truth < 0.1);
    CHECK(from_zero > 1.0);
}

TEST(kept_workspace)
{
    /* a workspace kept by the caller: the same flow, and no growth on the next frame */
    wk_tensor prev, next, gt, a = {0}, b = {0}, c = {0};
    frames(&prev, &next, &gt, 96, 128, 1, swirl);
    wk_workspace ws = {0};
    CHECK(wk_flow_farneback(&a, &prev, &next, NULL, NULL, NULL) == WK_OK);
    CHECK(wk_flow_farneback(&b, &prev, &next, NULL, NULL, &ws) == WK_OK);
    size_t cap = ws.capacity;
    float *data = ws.data;
    CHECK(wk_flow_farneback(&c, &next, &prev, NULL, NULL, &ws) == WK_OK);
    CHECK(cap > 0 && ws.capacity == cap && ws.data == data);
    if (a.storage && b.storage) CHECK(memcmp(wk_tensor_data(&a), wk_tensor_data(&b), sizeof(float) * 2 * 96 * 128) == 0);
    wk_workspace_free(&ws);
    wk_tensor_release(&prev), wk_tensor_release(&next), wk_tensor_release(&gt);
    wk_tensor_release(&a), wk_tensor_release(&b), wk_tensor_release(&c);
}

TEST(warp_samples)
{
    /* one channel 2×3, flow moving every sample half a pixel right and one down */
    wk_tensor img = make(3, SHAPE(1, 2, 3), VALS(0, 1, 2, 10, 11, 12));
    wk_tensor flow = make(3, SHAPE(2, 2, 3), VALS(0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, -1, -1, -1));
    wk_tensor out = {0};
    CHECK(wk_flow_warp(&out, &img, &flow) == WK_OK);
    const float *o = wk_tensor_data(&out);
    /* row 0 samples row 1 at x+0.5 (the last column clamps), row 1 samples row 0 */
    float want[6] = {10.5f, 11.5f, 12, 0.5f, 1.5f, 2};
    for (int i = 0; i < 6; i++) CHECK_NEAR(o[i], want[i], 1e-6);
    wk_tensor_release(&img), wk_tensor_release(&flow), wk_tensor_release(&out);
}

TEST(warp_inverts_flow)
{
    wk_tensor prev, next, gt, flow = {0}, back = {0};
    frames(&prev, &next, &gt, 96, 128, 3, swirl);
    CHECK(wk_flow_farneback(&flow, &prev, &next, NULL, NULL, NULL) == WK_OK);
    CHECK(wk_flow_warp(&back, &next, &flow) == WK_OK);
    int64_t plane = 96 * 128;
    double worst = 0, before = 0;
    const float *b = wk_tensor_data(&back), *p = wk_tensor_data(&prev), *n = wk_tensor_data(&next);
    for (int c = 0; c < 3; c++)
        for (int y = MARGIN; y < 96 - MARGIN; y++)
            for (int x = MARGIN; x < 128 - MARGIN; x++) {
                int64_t i = c * plane + y * 128 + x;
                worst = fmax(worst, fabs(b[i] - p[i]));
                before = fmax(before, fabs(n[i] - p[i]));
            }
    printf("  warp(next, flow) vs prev: max diff %.4f (next vs prev: %.4f)\n", worst, before);
    CHECK(worst < 0.02);
    CHECK(before > 0.1);
    wk_tensor_release(&prev), wk_tensor_release(&next), wk_tensor_release(&gt);
    wk_tensor_release(&flow), wk_tensor_release(&back);
}

/* A 64×96 still background with a 20×20 square of another texture that moves 6 pixels
 * right between the frames. */
static void occluding_frames(wk_tensor *a, wk_tensor *b)
{
    *a = fixture_alloc(2, SHAPE(64, 96), 0);
    *b = fixture_alloc(2, SHAPE(64, 96), 0);
    float *p = wk_tensor_data(a), *q = wk_tensor_data(b);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 96; x++) {
            int in_a = y >= 22 && y < 42 && x >= 30 && x < 50, in_b = y >= 22 && y < 42 && x >= 36 && x < 56;
            p[y * 96 + x] = (float)(in_a ? 1.0 - texture(2 * x + 40, 3 * y) : texture(x, y));
            q[y * 96 + x] = (float)(in_b ? 1.0 - texture(2 * (x - 6) + 40, 3 * y) : texture(x, y));
        }
}

TEST(mask_exact_flows)
{
    /* the true flows of occluding_frames: a→b is +6 on the square; b→a is −6 on the
     * moved square; the strip x in 50..55 of a is covered in b */
    wk_tensor fwd = fixture_alloc(3, SHAPE(2, 64, 96), 1), bwd = fixture_alloc(3, SHAPE(2, 64, 96), 1), m = {0};
    float *f = wk_tensor_data(&fwd), *g = wk_tensor_data(&bwd);
    for (int y = 22; y < 42; y++)
        for (int x = 0; x < 96; x++) {
            if (x >= 30 && x < 50) f[y * 96 + x] = 6;
            if (x >= 36 && x < 56) g[y * 96 + x] = -6;
        }
    CHECK(wk_flow_consistency(&m, &fwd, &bwd) == WK_OK);
    const float *k = wk_tensor_data(&m);
    int bad_strip = 0, bad_far = 0, kept_square = 0;
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 96; x++) {
            float v = k[y * 96 + x];
            CHECK(v == 0 || v == 1);
            if (y >= 24 && y < 40 && x >= 51 && x < 55) bad_strip += v != 0;
            if (y < 18 || y > 46 || x < 26 || x > 60) bad_far += v != 1;
            if (y >= 24 && y < 40 && x >= 32 && x < 48) kept_square += v == 1;
        }
    CHECK(bad_strip == 0);       /* covered background: unreliable */
    CHECK(bad_far == 0);         /* still background: reliable */
    CHECK(kept_square == 16 * 16);   /* the moving square's inside: reliable */
    wk_tensor_release(&fwd), wk_tensor_release(&bwd), wk_tensor_release(&m);
}

TEST(mask_estimated_flows)
{
    wk_tensor a, b, fwd = {0}, bwd = {0}, m = {0};
    occluding_frames(&a, &b);
    wk_flow_opts o = wk_flow_defaults();
    o.window = 9;
    CHECK(wk_flow_farneback(&fwd, &a, &b, NULL, &o, NULL) == WK_OK);
    CHECK(wk_flow_farneback(&bwd, &b, &a, NULL, &o, NULL) == WK_OK);
    CHECK(wk_flow_consistency(&m, &fwd, &bwd) == WK_OK);
    const float *k = wk_tensor_data(&m);
    double strip = 0, far = 0;
    int ns = 0, nf = 0;
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 96; x++) {
            if (y >= 25 && y < 39 && x >= 50 && x < 56) strip += k[y * 96 + x], ns++;
            if ((y < 12 || y > 52 || x < 18 || x > 68) && y >= 4 && y < 60 && x >= 4 && x < 92) far += k[y * 96 + x], nf++;
        }
    printf("  estimated flows: kept %.0f%% of the covered strip, %.0f%% of the far background\n", 100 * strip / ns,
           100 * far / nf);
    CHECK(strip / ns < 0.3);
    CHECK(far / nf > 0.95);
    wk_tensor_release(&a), wk_tensor_release(&b), wk_tensor_release(&fwd), wk_tensor_release(&bwd);
    wk_tensor_release(&m);
}

TEST(tiny_frames)
{
    /* smaller than any neighbourhood: still a finite answer */
    wk_tensor a = make(2, SHAPE(1, 2), VALS(0.2f, 0.8f)), f = {0};
    CHECK(wk_flow_farneback(&f, &a, &a, NULL, NULL, NULL) == WK_OK);
    if (f.storage) {
        const float *d = wk_tensor_data(&f);
        for (int i = 0; i < 4; i++) CHECK(isfinite(d[i]) && fabsf(d[i]) < 1e-3f);
    }
    wk_tensor_release(&a), wk_tensor_release(&f);
}

static int fails_with(int rc, const char *part)
{
    int ok = rc == WK_ERR && strstr(wk_errmsg(), part) != NULL;
    if (!ok) printf("  expected an error with '%s', got rc %d: %s\n", part, rc, rc ? wk_errmsg() : "");
    return ok;
}

TEST(bad_input)
{
    wk_tensor a = fixture_alloc(3, SHAPE(1, 8, 10), 1), b = fixture_alloc(3, SHAPE(1, 8, 11), 1);
    wk_tensor rgba = fixture_alloc(3, SHAPE(4, 8, 10), 1), f = fixture_alloc(3, SHAPE(2, 8, 10), 1);
    wk_tensor nan = fixture_alloc(3, SHAPE(1, 8, 10), 1), out = {0};
    ((float *)wk_tensor_data(&nan))[13] = NAN;
    CHECK(fails_with(wk_flow_farneback(&out, &a, &b, NULL, NULL, NULL), "differ in size"));
    CHECK(fails_with(wk_flow_farneback(&out, &rgba, &rgba, NULL, NULL, NULL), "image.rgb"));
    CHECK(fails_with(wk_flow_farneback(&out, &a, &nan, NULL, NULL, NULL), "next holds NaN"));
    CHECK(fails_with(wk_flow_farneback(&out, &a, &a, &b, NULL, NULL), "init must be a flow"));
    wk_flow_opts o = wk_flow_defaults();
    o.window = 4;
    CHECK(fails_with(wk_flow_farneback(&out, &a, &a, NULL, &o, NULL), "window must be odd"));
    o = wk_flow_defaults(), o.scale = 1.0;
    CHECK(fails_with(wk_flow_farneback(&out, &a, &a, NULL, &o, NULL), "scale"));
    o = wk_flow_defaults(), o.poly_sigma = 0;
    CHECK(fails_with(wk_flow_farneback(&out, &a, &a, NULL, &o, NULL), "poly_sigma"));
    CHECK(fails_with(wk_flow_warp(&out, &b, &f), "flow is 8×10 pixels but the picture is 8×11"));
    CHECK(fails_with(wk_flow_warp(&out, &a, &a), "must be a flow"));
    ((float *)wk_tensor_data(&f))[5] = INFINITY;
    CHECK(fails_with(wk_flow_warp(&out, &a, &f), "NaN or infinity"));
    CHECK(fails_with(wk_flow_consistency(&out, &f, &f), "fwd holds NaN"));
    CHECK(out.storage == NULL);
    wk_tensor_release(&a), wk_tensor_release(&b), wk_tensor_release(&rgba), wk_tensor_release(&f);
    wk_tensor_release(&nan);
}

int main(void)
{
    int64_t live0 = wk_tensor_live_bytes();
    RUN(translation);
    RUN(non_rigid);
    RUN(rgb_and_zero_motion);
    RUN(initial_flow);
    RUN(kept_workspace);
    RUN(warp_samples);
    RUN(warp_inverts_flow);
    RUN(mask_exact_flows);
    RUN(mask_estimated_flows);
    RUN(tiny_frames);
    RUN(bad_input);
    if (wk_tensor_live_bytes() != live0) printf("  leak: %lld bytes still live\n", (long long)(wk_tensor_live_bytes() - live0));
    return check_summary("flow");
}
