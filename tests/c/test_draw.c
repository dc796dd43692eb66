/* test_draw.c — lib/media/draw: cairo loaded lazily (and a clear error when it is
 * missing), colormaps and the palette, scatter pixels (points where expected in the
 * right colour, segments, text, fit and bounds), heatmap cells in the colormap's colour,
 * mosaics placing image k in cell k, and errors on bad input. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/media/draw.h"
#include "check.h"
#include "error_checks.h"
#include "tensor_fixtures.h"

/* ---- helpers -------------------------------------------------------------------- */

/* An r×c tensor (points, colours, heatmap values) holding v row by row. */
static wk_tensor from(int64_t r, int64_t c, const float *v) { return make(2, SHAPE(r, c), v); }

/* Pixel (x, y), 0-based, channel ch of a C×H×W picture. */
static float px(const wk_tensor *img, int ch, int64_t x, int64_t y)
{
    return wk_tensor_data(img)[(ch * img->shape[1] + y) * img->shape[2] + x];
}

static int is_rgb(const wk_tensor *img, int64_t x, int64_t y, float r, float g, float b, float tol)
{
    return fabsf(px(img, 0, x, y) - r) <= tol && fabsf(px(img, 1, x, y) - g) <= tol && fabsf(px(img, 2, x, y) - b) <= tol;
}

/* Pixels in [x0,x1)×[y0,y1) that are not white. */
static int inked(const wk_tensor *img, int x0, int y0, int x1, int y1)
{
    int n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) n += !is_rgb(img, x, y, 1, 1, 1, 0.02f);
    return n;
}

static wk_scatter_opts base_opts(void)
{
    wk_scatter_opts o = {0};
    o.width = o.height = 100;
    o.radius = 3, o.alpha = 1, o.font_size = 12, o.line_width = 1, o.margin = 10;
    o.color[0] = 1;   /* red */
    o.line_color[2] = 1;   /* blue */
    for (int c = 0; c < 4; c++) o.background[c] = 1;
    return o;
}

/* ---- cairo ---------------------------------------------------------------------- */

/* Runs first: before anything has loaded cairo. */
TEST(missing_cairo_is_a_clear_error)
{
    setenv("WICK_CAIRO", "libwick-no-such-cairo.so.9", 1);
    CHECK(wk_draw_load() == WK_ERR);
    CHECK(has_message("libcairo2"));
    float pts[2] = {0, 0};
    wk_tensor p = from(1, 2, pts), img = {0};
    wk_scatter_opts o = base_opts();
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_ERR);
    CHECK(has_message("apt-get install libcairo2"));
    unsetenv("WICK_CAIRO");
    CHECK(wk_draw_load() == WK_OK);   /* a failure is not remembered */
    wk_tensor_release(&p);
}

/* ---- colours -------------------------------------------------------------------- */

TEST(colormaps)
{
    float rgb[3];
    CHECK(wk_colormap(rgb, "viridis", 0) == WK_OK);
    CHECK_NEAR(rgb[0], 68 / 255.0, 1e-6);
    CHECK_NEAR(rgb[2], 84 / 255.0, 1e-6);
    wk_colormap(rgb, "viridis", 1);
    CHECK_NEAR(rgb[1], 231 / 255.0, 1e-6);
    wk_colormap(rgb, "viridis", 7);   /* clamped */
    CHECK_NEAR(rgb[0], 253 / 255.0, 1e-6);
    wk_colormap(rgb, "viridis", 0.05);   /* halfway between the first two stops */
    CHECK_NEAR(rgb[0], 70 / 255.0, 1e-6);
    CHECK_NEAR(rgb[1], 19 / 255.0, 1e-6);
    wk_colormap(rgb, "grey", 0.25);
    CHECK_NEAR(rgb[0], 0.25, 1e-6);
    wk_colormap(rgb, "rdbu_r", 0);   /* reversed: blue at 0 */
    CHECK_NEAR(rgb[2], 97 / 255.0, 1e-6);
    CHECK(wk_colormap(rgb, "jet", 0.5) == WK_ERR);
    CHECK(has_message("unknown colormap 'jet'"));
}

TEST(palette_is_distinct)
{
    float a[3], b[3];
    wk_palette(a, 1);
    CHECK_NEAR(a[0], 31 / 255.0, 1e-6);
    CHECK_NEAR(a[2], 180 / 255.0, 1e-6);
    int clashes = 0;
    for (int i = 1; i <= 40; i++)
        for (int j = i + 1; j <= 40; j++) {
            wk_palette(a, i), wk_palette(b, j);
            clashes += fabsf(a[0] - b[0]) + fabsf(a[1] - b[1]) + fabsf(a[2] - b[2]) < 0.02f;
        }
    CHECK(clashes == 0);
}

/* ---- scatter -------------------------------------------------------------------- */

TEST(points_land_where_expected)
{
    /* (0,0) and (1,1) with a 10-pixel margin: pixel centres (10,10) and (90,90), y down */
    float pts[6] = {0, 0, 1, 1, 0, 1};
    wk_tensor p = from(3, 2, pts), img = {0};
    wk_scatter_opts o = base_opts();
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_OK);
    CHECK(img.ndim == 3 && img.shape[0] == 3 && img.shape[1] == 100 && img.shape[2] == 100);
    CHECK(is_rgb(&img, 10, 10, 1, 0, 0, 1e-3f) || is_rgb(&img, 9, 9, 1, 0, 0, 1e-3f));
    CHECK(is_rgb(&img, 89, 89, 1, 0, 0, 1e-3f));
    CHECK(is_rgb(&img, 10, 89, 1, 0, 0, 1e-3f));   /* (0,1): left, bottom */
    CHECK(is_rgb(&img, 89, 10, 1, 1, 1, 1e-3f));   /* (1,0): nothing there */
    CHECK(is_rgb(&img, 50, 50, 1, 1, 1, 1e-3f));
    CHECK(is_rgb(&img, 2, 2, 1, 1, 1, 1e-3f));
    double x, y;
    CHECK(wk_scatter_transform(&x, &y, &p, &o, 1, 1) == WK_OK);
    CHECK_NEAR(x, 90, 1e-9);
    CHECK_NEAR(y, 90, 1e-9);
    wk_tensor_release(&img);
    wk_tensor_release(&p);
}

TEST(colors_alpha_and_transparent_background)
{
    float pts[4] = {0, 0, 1, 1}, cols[6] = {0, 1, 0, 0.2f, 0.4f, 0.6f};
    wk_tensor p = from(2, 2, pts), c = from(2, 3, cols), img = {0};
    wk_scatter_opts o = base_opts();
    o.colors = &c;
    o.background[3] = 0;
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_OK);
    CHECK(img.shape[0] == 4);
    CHECK(is_rgb(&img, 10, 10, 0, 1, 0, 1e-3f) && px(&img, 3, 10, 10) == 1);
    CHECK(is_rgb(&img, 89, 89, 0.2f, 0.4f, 0.6f, 3e-3f));
    CHECK(px(&img, 3, 50, 50) == 0);
    wk_tensor_release(&img);
    /* alpha 0.5 over white: half way to the colour */
    o = base_opts();
    o.colors = &c;
    o.alpha = 0.5;
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_OK);
    CHECK(is_rgb(&img, 10, 10, 0.5f, 1, 0.5f, 3e-3f));
    wk_tensor_release(&img);
    wk_tensor_release(&p);
    wk_tensor_release(&c);
}

TEST(labels_use_the_palette)
{
    float pts[4] = {0, 0, 1, 1}, rgb[3];
    int64_t labels[2] = {3, 12};
    wk_tensor p = from(2, 2, pts), img = {0};
    wk_scatter_opts o = base_opts();
    o.labels = labels;
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_OK);
    wk_palette(rgb, 3);
    CHECK(is_rgb(&img, 10, 10, rgb[0], rgb[1], rgb[2], 3e-3f));
    wk_palette(rgb, 12);
    CHECK(is_rgb(&img, 89, 89, rgb[0], rgb[1], rgb[2], 3e-3f));
    wk_tensor_release(&img);
    wk_tensor_release(&p);
}

TEST(a_line_joins_two_points)
{
    float pts[4] = {0, 0, 1, 1};
    int64_t lines[2] = {0, 1};
    wk_tensor p = from(2, 2, pts), img = {0};
    wk_scatter_opts o = base_opts();
    o.lines = lines, o.nlines = 1, o.line_width = 3;
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_OK);
    for (int k = 20; k <= 80; k += 10) CHECK(px(&img, 2, k, k) > 0.9f && px(&img, 0, k, k) < 0.1f);
    CHECK(is_rgb(&img, 80, 20, 1, 1, 1, 1e-3f));   /* off the diagonal */
    wk_tensor_release(&img);
    wk_tensor_release(&p);
}

TEST(text_and_title_ink_their_area)
{
    float pts[4] = {0, 0, 1, 1};
    const char *text[2] = {"label", NULL};
    wk_tensor p = from(2, 2, pts), img = {0};
    wk_scatter_opts o = base_opts();
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_OK);
    CHECK(inked(&img, 15, 2, 60, 18) == 0);
    wk_tensor_release(&img);
    o.text = text;
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_OK);
    CHECK(inked(&img, 15, 2, 60, 18) > 20);   /* "label" right of point 1 */
    CHECK(inked(&img, 20, 40, 86, 100) == 0);   /* nothing else drawn */
    wk_tensor_release(&img);
    o.text = NULL, o.title = "Title";
    o.width = 200;
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_OK);
    CHECK(inked(&img, 70, 0, 130, 16) > 20);
    wk_tensor_release(&img);
    wk_tensor_release(&p);
}

/* Dark pixels (every channel below 0.5) in [x0,x1)×[y0,y1): text ink, not points or halos. */
static int dark(const wk_tensor *img, int x0, int y0, int x1, int y1)
{
    int n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) n += px(img, 0, x, y) < 0.5f && px(img, 1, x, y) < 0.5f && px(img, 2, x, y) < 0.5f;
    return n;
}

/* Two texts on one point: the second moves to a free spot near it instead of printing
 * over the first, so their ink adds up, and it stays within two lines of the point. */
TEST(texts_on_one_point_do_not_overlap)
{
    float pts[6] = {0, 0, 0, 0, 1, 1};
    wk_tensor p = from(3, 2, pts), img = {0};
    wk_scatter_opts o = base_opts();
    o.width = o.height = 200, o.margin = 50;
    const char *only_a[3] = {"AAAA", NULL, NULL}, *only_b[3] = {NULL, "BBBB", NULL}, *both[3] = {"AAAA", "BBBB", NULL};
    int ink[3];
    const char **sets[3] = {only_a, only_b, both};
    for (int k = 0; k < 3; k++) {
        o.text = sets[k];
        CHECK(wk_draw_scatter(&img, &p, &o) == WK_OK);
        ink[k] = dark(&img, 0, 0, 200, 200);
        if (k == 2) CHECK(dark(&img, 0, 0, 200, 50 - 3 * 12) == 0 && dark(&img, 0, 50 + 3 * 12, 200, 200) == 0);
        wk_tensor_release(&img);
    }
    printf("  dark pixels: AAAA %d, BBBB %d, both %d\n", ink[0], ink[1], ink[2]);
    CHECK(ink[0] > 20 && ink[1] > 20);
    CHECK(ink[2] >= 0.95 * (ink[0] + ink[1]));
    wk_tensor_release(&p);
}

TEST(fit_equal_stretch_and_bounds)
{
    float pts[4] = {0, 0, 2, 1};
    wk_tensor p = from(2, 2, pts);
    wk_scatter_opts o = base_opts();
    o.margin = 0;
    double x, y;
    wk_scatter_transform(&x, &y, &p, &o, 0, 0);   /* equal: scale 50, centred vertically */
    CHECK_NEAR(x, 0, 1e-9);
    CHECK_NEAR(y, 25, 1e-9);
    o.stretch = 1;
    wk_scatter_transform(&x, &y, &p, &o, 2, 1);
    CHECK_NEAR(x, 100, 1e-9);
    CHECK_NEAR(y, 100, 1e-9);
    double b[4] = {-1, -1, 3, 3};
    o.bounds = b, o.stretch = 0;
    wk_scatter_transform(&x, &y, &p, &o, 1, 1);
    CHECK_NEAR(x, 50, 1e-9);
    CHECK_NEAR(y, 50, 1e-9);
    double bad[4] = {0, 0, 0, 1};
    o.bounds = bad;
    CHECK(wk_scatter_transform(&x, &y, &p, &o, 1, 1) == WK_ERR && has_message("bounds"));
    wk_tensor_release(&p);
}

TEST(scatter_bad_input)
{
    float pts[6] = {0, 0, NAN, 1, 1, 1};
    wk_tensor p = from(3, 2, pts), img = {0};
    wk_scatter_opts o = base_opts();
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_ERR && has_message("point 2 is NaN"));
    wk_tensor_data(&p)[2] = INFINITY;
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_ERR && has_message("point 2 is infinite"));
    wk_tensor_data(&p)[2] = 0.5f;
    int64_t lines[2] = {0, 3};
    o.lines = lines, o.nlines = 1;
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_ERR && has_message("line 1 joins point 4, outside 1..3"));
    o = base_opts();
    int64_t labels[3] = {1, 0, 2};
    o.labels = labels;
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_ERR && has_message("label 2 is 0"));
    o = base_opts();
    float cols[6] = {0};
    wk_tensor c = from(2, 3, cols);
    o.colors = &c;
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_ERR && has_message("colors must be an N×3 tensor for 3 points"));
    o = base_opts();
    const char *text[3] = {"ok", "\xff\xfe", NULL};
    o.text = text;
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_ERR && has_message("text 2 is not valid UTF-8"));
    o = base_opts();
    o.margin = 60;
    CHECK(wk_draw_scatter(&img, &p, &o) == WK_ERR && has_message("too small"));
    wk_tensor q = from(2, 3, cols);
    o = base_opts();
    CHECK(wk_draw_scatter(&img, &q, &o) == WK_ERR && has_message("N×2"));
    CHECK(img.storage == NULL);
    wk_tensor_release(&p);
    wk_tensor_release(&q);
    wk_tensor_release(&c);
}

/* ---- heatmap -------------------------------------------------------------------- */

TEST(heatmap_cells_have_the_colormap_colour)
{
    float v[6] = {0, 1, 2, 3, 4, 5}, rgb[3];
    wk_tensor m = from(2, 3, v), img = {0};
    wk_heatmap_opts o = {0};
    o.cell = 10, o.colormap = "viridis", o.font_size = 10;
    o.background[0] = o.background[1] = o.background[2] = 1;
    int64_t org[2];
    CHECK(wk_draw_heatmap(&img, org, &m, &o) == WK_OK);
    CHECK(org[0] == 6 && org[1] == 6);
    CHECK(img.shape[2] == 6 + 30 + 6 && img.shape[1] == 6 + 20 + 6);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
            wk_colormap(rgb, "viridis", (3 * i + j) / 5.0);
            /* every pixel of the cell, corners included */
            CHECK(is_rgb(&img, org[0] + 10 * j, org[1] + 10 * i, rgb[0], rgb[1], rgb[2], 2.5e-3f));
            CHECK(is_rgb(&img, org[0] + 10 * j + 9, org[1] + 10 * i + 9, rgb[0], rgb[1], rgb[2], 2.5e-3f));
        }
    CHECK(is_rgb(&img, org[0] - 1, org[1], 1, 1, 1, 1e-3f));
    wk_tensor_release(&img);
    /* a range: 0..10 puts 5 at the middle of the map */
    o.has_range = 1, o.lo = 0, o.hi = 10;
    CHECK(wk_draw_heatmap(&img, org, &m, &o) == WK_OK);
    wk_colormap(rgb, "viridis", 0.5);
    CHECK(is_rgb(&img, org[0] + 25, org[1] + 15, rgb[0], rgb[1], rgb[2], 2.5e-3f));
    wk_tensor_release(&img);
    wk_tensor_release(&m);
}

TEST(heatmap_labels_and_values)
{
    float v[4] = {0, 1, 1, 0};
    const char *names[2] = {"monday", "tuesday"};
    wk_tensor m = from(2, 2, v), img = {0};
    wk_heatmap_opts o = {0};
    o.cell = 24, o.colormap = "grey", o.font_size = 12;
    o.background[0] = o.background[1] = o.background[2] = 1;
    o.row_names = names, o.col_names = names;
    int64_t org[2];
    CHECK(wk_draw_heatmap(&img, org, &m, &o) == WK_OK);
    CHECK(org[0] > 40 && org[1] > 40);   /* room for the names */
    CHECK(inked(&img, 0, (int)org[1], (int)org[0] - 2, (int)org[1] + 24) > 30);   /* row 1's name */
    CHECK(inked(&img, (int)org[0], 0, (int)org[0] + 24, (int)org[1] - 2) > 30);   /* column 1's, upright */
    /* values: a black cell gets white digits */
    int white_before = 0, white_after = 0;
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 24; x++) white_before += px(&img, 0, org[0] + x, org[1] + y) > 0.5f;
    wk_tensor_release(&img);
    o.values = 1;
    CHECK(wk_draw_heatmap(&img, org, &m, &o) == WK_OK);
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 24; x++) white_after += px(&img, 0, org[0] + x, org[1] + y) > 0.5f;
    CHECK(white_before == 0 && white_after > 5);
    wk_tensor_release(&img);
    wk_tensor_release(&m);
}

TEST(heatmap_bad_input)
{
    float v[4] = {0, NAN, 1, 0};
    wk_tensor m = from(2, 2, v), img = {0};
    wk_heatmap_opts o = {0};
    o.cell = 8, o.colormap = "viridis", o.font_size = 12;
    CHECK(wk_draw_heatmap(&img, NULL, &m, &o) == WK_ERR && has_message("entry (1,2) is NaN"));
    wk_tensor_data(&m)[1] = 2;
    o.colormap = "nope";
    CHECK(wk_draw_heatmap(&img, NULL, &m, &o) == WK_ERR && has_message("unknown colormap"));
    o.colormap = "viridis", o.has_range = 1, o.lo = 1, o.hi = 1;
    CHECK(wk_draw_heatmap(&img, NULL, &m, &o) == WK_ERR && has_message("lo < hi"));
    wk_tensor_release(&m);
}

/* ---- mosaic --------------------------------------------------------------------- */

TEST(mosaic_puts_image_k_in_cell_k)
{
    /* three 2×2 grey images of value k/10 into cells 5, 1, 3 of a 3×2 grid */
    wk_tensor ims[3];
    const wk_tensor *ptr[3];
    int64_t shape[3] = {1, 2, 2}, cells[3] = {5, 1, 3};
    for (int k = 0; k < 3; k++) {
        ims[k] = (wk_tensor){0};
        wk_tensor_new(&ims[k], 3, shape);
        wk_tensor_fill_(&ims[k], (k + 1) / 10.0f);
        ptr[k] = &ims[k];
    }
    wk_tensor img = {0};
    CHECK(wk_draw_mosaic(&img, ptr, 3, cells, 3, 2, 0, 0, 1) == WK_OK);
    CHECK(img.shape[0] == 1 && img.shape[1] == 4 && img.shape[2] == 6);
    float want[4][6] = {{0.2f, 0.2f, 1, 1, 0.3f, 0.3f}, {0.2f, 0.2f, 1, 1, 0.3f, 0.3f},
                        {1, 1, 0.1f, 0.1f, 1, 1},       {1, 1, 0.1f, 0.1f, 1, 1}};
    int bad = 0;
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 6; x++) bad += fabsf(px(&img, 0, x, y) - want[y][x]) > 1e-6f;
    CHECK(bad == 0);
    wk_tensor_release(&img);
    /* scaled into 4×4 cells: still the image's value, centred */
    CHECK(wk_draw_mosaic(&img, ptr, 3, cells, 3, 2, 4, 4, 0) == WK_OK);
    CHECK(img.shape[1] == 8 && img.shape[2] == 12);
    CHECK_NEAR(px(&img, 0, 4 + 1, 4 + 2), 0.1, 1e-6);
    wk_tensor_release(&img);
    /* a grey image among RGB ones broadcasts */
    int64_t rgb_shape[3] = {3, 2, 2};
    wk_tensor rgb = {0};
    wk_tensor_new(&rgb, 3, rgb_shape);
    wk_tensor_fill_(&rgb, 0.5f);
    ptr[1] = &rgb;
    CHECK(wk_draw_mosaic(&img, ptr, 3, cells, 3, 2, 0, 0, 1) == WK_OK);
    CHECK(img.shape[0] == 3 && px(&img, 2, 2, 2) == 0.1f && px(&img, 1, 0, 0) == 0.5f);
    wk_tensor_release(&img);
    wk_tensor_release(&rgb);
    for (int k = 0; k < 3; k++) wk_tensor_release(&ims[k]);
}

TEST(mosaic_bad_cells)
{
    wk_tensor im = {0}, img = {0};
    int64_t shape[2] = {2, 2};
    wk_tensor_new(&im, 2, shape);
    wk_tensor_fill_(&im, 0);
    const wk_tensor *ptr[3] = {&im, &im, &im};
    int64_t repeated[3] = {2, 4, 2}, outside[3] = {1, 7, 2}, zero[3] = {0, 1, 2};
    CHECK(wk_draw_mosaic(&img, ptr, 3, repeated, 3, 2, 0, 0, 1) == WK_ERR && has_message("cell 2 is given to images 1 and 3"));
    CHECK(wk_draw_mosaic(&img, ptr, 3, outside, 3, 2, 0, 0, 1) == WK_ERR && has_message("image 2 has cell 7, outside the 3×2 grid"));
    CHECK(wk_draw_mosaic(&img, ptr, 3, zero, 3, 2, 0, 0, 1) == WK_ERR && has_message("image 1 has cell 0"));
    CHECK(img.storage == NULL);
    wk_tensor_release(&im);
}

int main(void)
{
    RUN(missing_cairo_is_a_clear_error);
    RUN(colormaps);
    RUN(palette_is_distinct);
    RUN(points_land_where_expected);
    RUN(colors_alpha_and_transparent_background);
    RUN(labels_use_the_palette);
    RUN(a_line_joins_two_points);
    RUN(text_and_title_ink_their_area);
    RUN(texts_on_one_point_do_not_overlap);
    RUN(fit_equal_stretch_and_bounds);
    RUN(scatter_bad_input);
    RUN(heatmap_cells_have_the_colormap_colour);
    RUN(heatmap_labels_and_values);
    RUN(heatmap_bad_input);
    RUN(mosaic_puts_image_k_in_cell_k);
    RUN(mosaic_bad_cells);
    return check_summary("draw");
}
