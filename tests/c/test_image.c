/* test_image.c — unit tests for lib/media: PNG files of every colour type and bit depth
 * written here with libpng directly (so the reader is checked against files it did not
 * write), JPEG grey/RGB/CMYK written with libjpeg, save/load round trips, corrupt and
 * absurd files, resize against hand-computed values, and the contact sheet. Files go
 * to a fresh folder under /tmp. */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <zlib.h>

#include "../../lib/core/limits.h"
#include "../../lib/media/image.h"
#include "check.h"
#include "file_fixtures.h"
#include "tensor_fixtures.h"

static int64_t live0;

/* ---- writing test files ------------------------------------------------------------ */

/* The integer stored for sample c of pixel (y, x) at a bit depth (the palette index for
 * palette images). */
static unsigned sample(int depth, int c, int y, int x)
{
    if (depth < 8) return (unsigned)(x + 2 * y + c) % (1u << depth);
    if (depth == 8) return (unsigned)(x * 37 + y * 91 + c * 53 + 11) % 256;
    return (unsigned)(x * 9973 + y * 30011 + c * 7919 + 123) % 65536;
}

static void on_png_error(png_structp png, png_const_charp msg)
{
    printf("  test writer: libpng: %s\n", msg);
    longjmp(png_jmpbuf(png), 1);
}

/* Write a w×h PNG of colour type `color` and bit depth `depth` from sample(); for a
 * palette, npal entries pal_rgb(i) and optional alpha trns[0..ntrns). */
static int write_test_png(const char *path, int w, int h, int color, int depth, int npal, const unsigned char *trns,
                          int ntrns, int interlace)
{
    static const int stored_of[7] = {1, 0, 3, 1, 2, 0, 4};
    int stored = stored_of[color];
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, on_png_error, NULL);
    png_infop info = png_create_info_struct(png);
    size_t rowbytes = ((size_t)w * stored * depth + 7) / 8;
    unsigned char *volatile row = calloc(rowbytes, 1);
    unsigned char *volatile image = calloc(rowbytes * h, 1);
    png_bytep *volatile rows = calloc(h, sizeof *rows);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        free(row), free(image), free(rows);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, depth, color, interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[256];
        for (int i = 0; i < npal; i++)
            pal[i].red = (png_byte)(i * 73 % 256), pal[i].green = (png_byte)((i * 151 + 40) % 256),
            pal[i].blue = (png_byte)((i * 211 + 90) % 256);
        png_set_PLTE(png, info, pal, npal);
        if (ntrns) png_set_tRNS(png, info, trns, ntrns, NULL);
    }
    png_write_info(png, info);
    for (int y = 0; y < h; y++) {
        unsigned char *r = image + (size_t)y * rowbytes;
        rows[y] = r;
        int bit = 0;
        for (int x = 0; x < w; x++)
            for (int c = 0; c < stored; c++) {
                unsigned s = color == PNG_COLOR_TYPE_PALETTE ? (unsigned)(x + y * w) % (unsigned)npal : sample(depth, c, y, x);
                if (depth == 16) {
                    r[bit / 8] = (unsigned char)(s >> 8), r[bit / 8 + 1] = (unsigned char)s;
                } else if (depth == 8) {
                    r[bit / 8] = (unsigned char)s;
                } else {
                    r[bit / 8] |= (unsigned char)(s << (8 - depth - bit % 8));
                }
                bit += depth;
            }
    }
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    fclose(f);
    free(row), free(image), free(rows);
    return 0;
}

static float at(const wk_tensor *t, int c, int y, int x)
{
    return wk_tensor_data(t)[((int64_t)c * t->shape[1] + y) * t->shape[2] + x];
}

/* Largest difference between a loaded grey/GA/RGB/RGBA PNG and sample()/maxv. */
static double png_max_diff(const wk_tensor *t, int depth)
{
    double m = 0, maxv = (double)((1u << depth) - 1);
    for (int c = 0; c < t->shape[0]; c++)
        for (int y = 0; y < t->shape[1]; y++)
            for (int x = 0; x < t->shape[2]; x++) {
                double d = fabs(at(t, c, y, x) - sample(depth, c, y, x) / maxv);
                if (d > m) m = d;
            }
    return m;
}

static void check_png_kind(int color, int depth, int channels, int interlace)
{
    char name[64];
    snprintf(name, sizeof name, "t%d_%d_%d.png", color, depth, interlace);
    const char *path = tmp_path(name);
    CHECK(write_test_png(path, 7, 5, color, depth, 0, NULL, 0, interlace) == 0);
    wk_tensor t = {0};
    int rc = wk_image_load(&t, path);
    CHECK(rc == WK_OK);
    if (rc != WK_OK) {
        printf("  %s: %s\n", name, wk_errmsg());
        return;
    }
    CHECK(t.ndim == 3 && t.shape[0] == channels && t.shape[1] == 5 && t.shape[2] == 7);
    double d = png_max_diff(&t, depth);
    if (d > 1e-6) printf("  %s: max diff %g\n", name, d);
    CHECK(d <= 1e-6);
    wk_tensor_release(&t);
}

/* ---- PNG loading --------------------------------------------------------------------- */

TEST(png_grey_every_depth)
{
    int depths[] = {1, 2, 4, 8, 16};
    for (int i = 0; i < 5; i++) check_png_kind(PNG_COLOR_TYPE_GRAY, depths[i], 1, 0);
}

TEST(png_grey_alpha_rgb_rgba_8_and_16)
{
    for (int depth = 8; depth <= 16; depth += 8) {
        check_png_kind(PNG_COLOR_TYPE_GRAY_ALPHA, depth, 2, 0);
        check_png_kind(PNG_COLOR_TYPE_RGB, depth, 3, 0);
        check_png_kind(PNG_COLOR_TYPE_RGB_ALPHA, depth, 4, 0);
    }
}

TEST(png_interlaced)
{
    check_png_kind(PNG_COLOR_TYPE_RGB, 8, 3, 1);
    check_png_kind(PNG_COLOR_TYPE_GRAY, 2, 1, 1);
    check_png_kind(PNG_COLOR_TYPE_RGB_ALPHA, 16, 4, 1);
}

TEST(png_palette_every_depth_with_and_without_trns)
{
    int depths[] = {1, 2, 4, 8};
    unsigned char trns[2] = {0, 100};
    for (int i = 0; i < 4; i++)
        for (int with_trns = 0; with_trns <= 1; with_trns++) {
            int depth = depths[i], npal = depth == 1 ? 2 : 3;
            char name[64];
            snprintf(name, sizeof name, "pal%d_%d.png", depth, with_trns);
            const char *path = tmp_path(name);
            CHECK(write_test_png(path, 6, 4, PNG_COLOR_TYPE_PALETTE, depth, npal, trns, with_trns ? 2 : 0, 0) == 0);
            wk_tensor t = {0};
            CHECK(wk_image_load(&t, path) == WK_OK);
            if (!t.storage) continue;
            CHECK(t.shape[0] == (with_trns ? 4 : 3) && t.shape[1] == 4 && t.shape[2] == 6);
            double m = 0;
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 6; x++) {
                    int idx = (x + y * 6) % npal;
                    float want[4] = {(float)(idx * 73 % 256), (float)((idx * 151 + 40) % 256),
                                     (float)((idx * 211 + 90) % 256), idx < 2 ? trns[idx] : 255.0f};
                    for (int c = 0; c < t.shape[0]; c++) m = fmax(m, fabs(at(&t, c, y, x) - want[c] / 255.0f));
                }
            CHECK(m <= 1e-6);
            wk_tensor_release(&t);
        }
}

/* ---- save / load round trips ------------------------------------------------------ */

TEST(save_round_trips_every_channel_count_and_depth)
{
    for (int bits = 8; bits <= 16; bits += 8)
        for (int64_t c = 1; c <= 4; c++) {
            int64_t shape[3] = {c, 6, 9};
            wk_tensor t = {0}, u = {0};
            CHECK(wk_tensor_new(&t, 3, shape) == WK_OK);
            float *d = wk_tensor_data(&t);
            for (int64_t i = 0; i < wk_tensor_numel(&t); i++) d[i] = (float)((i * 7919) % 1000) / 999.0f;
            char name[64];
            snprintf(name, sizeof name, "rt%lld_%d.png", (long long)c, bits);
            wk_image_save_opts o = {.bits = bits};
            CHECK(wk_image_save(&t, tmp_path(name), &o) == WK_OK);
            CHECK(wk_image_load(&u, tmp_path(name)) == WK_OK);
            if (!u.storage) continue;
            CHECK(wk_tensor_same_shape(&t, &u));
            double m = 0, tol = bits == 8 ? 0.5 / 255 + 1e-6 : 0.5 / 65535 + 1e-7;
            for (int64_t i = 0; i < wk_tensor_numel(&t); i++) m = fmax(m, fabs(d[i] - wk_tensor_data(&u)[i]));
            CHECK_NEAR(m, 0, tol);
            wk_tensor_release(&t);
            wk_tensor_release(&u);
        }
}

TEST(save_clamps_rounds_nan_and_strides)
{
    /* a 1×1×5 row stored reversed through a negative-free strided view: every other
     * element of a 1×1×10 tensor */
    int64_t shape[3] = {1, 1, 10};
    wk_tensor t = {0}, v = {0}, u = {0};
    CHECK(wk_tensor_new(&t, 3, shape) == WK_OK);
    float vals[10] = {-1, 9, 2, 9, NAN, 9, 0.5f, 9, 0.2f, 9};
    memcpy(wk_tensor_data(&t), vals, sizeof vals);
    v = t;   /* borrowed view: elements 0, 2, 4, 6, 8 */
    v.shape[2] = 5, v.stride[2] = 2;
    CHECK(wk_image_save(&v, tmp_path("clamp.png"), NULL) == WK_OK);
    CHECK(wk_image_load(&u, tmp_path("clamp.png")) == WK_OK);
    if (u.storage) {
        CHECK(u.shape[2] == 5);
        float want[5] = {0, 1, 0, 128 / 255.0f, 51 / 255.0f};
        for (int i = 0; i < 5; i++) CHECK_NEAR(wk_tensor_data(&u)[i], want[i], 1e-7);
    }
    wk_tensor_release(&t);
    wk_tensor_release(&u);
}

TEST(save_writes_text_and_makes_folders)
{
    int64_t shape[2] = {2, 3};
    wk_tensor t = {0};
    CHECK(wk_tensor_zeros(&t, 2, shape) == WK_OK);
    wk_image_text text[2] = {{"Software", "wick"}, {"Seed", "77"}};
    wk_image_save_opts o = {.text = text, .ntext = 2};
    const char *path = tmp_path("deep/er/meta.png");
    CHECK(wk_image_save(&t, path, &o) == WK_OK);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f) {
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        CHECK(memmem(buf, n, "tEXtSoftware\0wick", 17) != NULL);
        CHECK(memmem(buf, n, "tEXtSeed\0" "77", 11) != NULL);
    }
    wk_tensor u = {0};
    CHECK(wk_image_load(&u, path) == WK_OK);
    CHECK(u.ndim == 3 && u.shape[0] == 1 && u.shape[1] == 2 && u.shape[2] == 3);
    wk_tensor_release(&u);
    wk_tensor_release(&t);
}

TEST(save_errors)
{
    int64_t s5[3] = {5, 2, 2}, s4d[4] = {1, 1, 2, 2};
    wk_tensor a = {0}, b = {0};
    CHECK(wk_tensor_zeros(&a, 3, s5) == WK_OK);
    CHECK(wk_tensor_zeros(&b, 4, s4d) == WK_OK);
    CHECK(wk_image_save(&a, tmp_path("five.png"), NULL) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "[5,2,2]") != NULL);
    CHECK(wk_image_save(&b, tmp_path("four.png"), NULL) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "[1,1,2,2]") != NULL);
    CHECK(access(tmp_path("five.png"), F_OK) != 0);
    CHECK(wk_image_save(&b, "/proc/x.png", NULL) == WK_ERR);   /* shape checked first */
    int64_t s3[3] = {3, 2, 2};
    wk_tensor c = {0};
    CHECK(wk_tensor_zeros(&c, 3, s3) == WK_OK);
    CHECK(wk_image_save(&c, "/proc/x.png", NULL) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "cannot write '/proc/x.png': ") == wk_errmsg());
    wk_tensor_release(&a);
    wk_tensor_release(&b);
    wk_tensor_release(&c);
}

/* ---- JPEG ---------------------------------------------------------------------------- */

/* 16×16, four flat 8×8 blocks; comps 1, 3 or 4 (CMYK, stored inverted like Photoshop). */
static int write_test_jpeg(const char *path, int comps, const unsigned char blocks[4][4])
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr err;
    ci.err = jpeg_std_error(&err);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = 16, ci.image_height = 16, ci.input_components = comps;
    ci.in_color_space = comps == 1 ? JCS_GRAYSCALE : comps == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 98, TRUE);
    for (int i = 0; i < ci.num_components; i++) ci.comp_info[i].h_samp_factor = ci.comp_info[i].v_samp_factor = 1;
    jpeg_start_compress(&ci, TRUE);
    unsigned char row[16 * 4];
    for (int y = 0; y < 16; y++) {
        for (int x = 0; x < 16; x++)
            for (int c = 0; c < comps; c++) row[x * comps + c] = blocks[(y / 8) * 2 + x / 8][c];
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    fclose(f);
    return 0;
}

static double jpeg_max_diff(const wk_tensor *t, const float want[4][3])
{
    double m = 0;
    for (int c = 0; c < t->shape[0]; c++)
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++) m = fmax(m, fabs(at(t, c, y, x) - want[(y / 8) * 2 + x / 8][c]));
    return m;
}

TEST(jpeg_grey_rgb_cmyk)
{
    const unsigned char grey[4][4] = {{50}, {100}, {150}, {200}};
    const unsigned char rgb[4][4] = {{230, 25, 25}, {25, 200, 50}, {50, 75, 230}, {230, 230, 50}};
    /* stored CMYK bytes (inverted ink): R = C·K/255² etc. */
    const unsigned char cmyk[4][4] = {{255, 128, 0, 255}, {200, 200, 200, 128}, {0, 255, 255, 255}, {255, 255, 255, 255}};
    float want_grey[4][3], want_rgb[4][3], want_cmyk[4][3];
    for (int b = 0; b < 4; b++)
        for (int c = 0; c < 3; c++) {
            want_grey[b][c] = grey[b][0] / 255.0f;
            want_rgb[b][c] = rgb[b][c] / 255.0f;
            want_cmyk[b][c] = cmyk[b][c] * cmyk[b][3] / (255.0f * 255.0f);
        }
    struct { int comps, channels; const unsigned char (*blocks)[4]; float (*want)[3]; const char *name; } cases[3] = {
        {1, 1, grey, want_grey, "grey.jpg"}, {3, 3, rgb, want_rgb, "rgb.jpg"}, {4, 3, cmyk, want_cmyk, "cmyk.jpg"}};
    for (int k = 0; k < 3; k++) {
        const char *path = tmp_path(cases[k].name);
        CHECK(write_test_jpeg(path, cases[k].comps, cases[k].blocks) == 0);
        wk_tensor t = {0};
        CHECK(wk_image_load(&t, path) == WK_OK);
        if (!t.storage) {
            printf("  %s: %s\n", cases[k].name, wk_errmsg());
            continue;
        }
        CHECK(t.shape[0] == cases[k].channels && t.shape[1] == 16 && t.shape[2] == 16);
        double d = jpeg_max_diff(&t, (const float(*)[3])cases[k].want);
        if (d > 3.0 / 255) printf("  %s: max diff %g\n", cases[k].name, d);
        CHECK(d <= 3.0 / 255);
        wk_tensor_release(&t);
    }
}

TEST(jpeg_save_round_trip)
{
    int64_t shape[3] = {3, 16, 16};
    wk_tensor t = {0}, u = {0};
    CHECK(wk_tensor_new(&t, 3, shape) == WK_OK);
    wk_tensor_fill_(&t, 0.6f);
    CHECK(wk_image_save(&t, tmp_path("s.jpeg"), NULL) == WK_OK);
    CHECK(wk_image_load(&u, tmp_path("s.jpeg")) == WK_OK);
    if (u.storage) {
        CHECK(u.shape[0] == 3);
        CHECK_NEAR(wk_tensor_data(&u)[100], 0.6, 2.0 / 255);
    }
    wk_tensor_release(&t);
    wk_tensor_release(&u);
}

/* ---- bad files ------------------------------------------------------------------------ */

static void expect_load_error(const char *path, const char *fragment)
{
    wk_tensor t = {0};
    int rc = wk_image_load(&t, path);
    CHECK(rc == WK_ERR);
    CHECK(t.storage == NULL);
    CHECK(strstr(wk_errmsg(), fragment) != NULL);
    if (rc != WK_ERR || !strstr(wk_errmsg(), fragment)) printf("  %s: got \"%s\"\n", path, wk_errmsg());
    wk_tensor_release(&t);
}

TEST(load_errors)
{
    expect_load_error(tmp_path("missing.png"), "cannot open '");
    expect_load_error(tmp_path("missing.png"), "No such file or directory");

    CHECK(write_test_png(tmp_path("whole.png"), 40, 30, PNG_COLOR_TYPE_RGB, 8, 0, NULL, 0, 0) == 0);
    size_t n = 0;
    unsigned char *png = read_bytes(tmp_path("whole.png"), &n);
    CHECK(png && n > 100);
    if (!png) return;
    write_bytes(tmp_path("cut.png"), png, n / 2);
    expect_load_error(tmp_path("cut.png"), "is a truncated PNG");
    write_bytes(tmp_path("sig.png"), png, 8);
    expect_load_error(tmp_path("sig.png"), "is a truncated PNG");
    png[20] ^= 0x40;   /* inside IHDR: CRC mismatch */
    write_bytes(tmp_path("crc.png"), png, n);
    expect_load_error(tmp_path("crc.png"), "is a corrupt PNG: IHDR: CRC error");
    png[20] ^= 0x40;
    /* an IHDR claiming 100000×100000, with a correct CRC */
    unsigned char ihdr[17] = "IHDR";
    memcpy(ihdr + 4, png + 16, 13);
    ihdr[4] = 0, ihdr[5] = 0x01, ihdr[6] = 0x86, ihdr[7] = 0xA0;
    ihdr[8] = 0, ihdr[9] = 0x01, ihdr[10] = 0x86, ihdr[11] = 0xA0;
    uLong crc = crc32(0, ihdr, 17);
    memcpy(png + 12, ihdr, 17);
    png[29] = (unsigned char)(crc >> 24), png[30] = (unsigned char)(crc >> 16), png[31] = (unsigned char)(crc >> 8),
    png[32] = (unsigned char)crc;
    write_bytes(tmp_path("huge.png"), png, n);
    int64_t before = wk_tensor_live_bytes();
    expect_load_error(tmp_path("huge.png"), "claims to be 100000x100000 pixels");
    CHECK(wk_tensor_live_bytes() == before);
    free(png);

    const unsigned char rgb[4][4] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10, 11, 12}};
    CHECK(write_test_jpeg(tmp_path("whole.jpg"), 3, rgb) == 0);
    unsigned char *jpg = read_bytes(tmp_path("whole.jpg"), &n);
    if (jpg) {
        write_bytes(tmp_path("cut.jpg"), jpg, n / 2);
        expect_load_error(tmp_path("cut.jpg"), "is a truncated JPEG");
        free(jpg);
    }
    /* a start-of-frame whose length (2) cannot hold a frame header, then zeros */
    unsigned char bogus[64] = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x02};
    write_bytes(tmp_path("bogus.jpg"), bogus, sizeof bogus);
    expect_load_error(tmp_path("bogus.jpg"), "is a corrupt JPEG: ");

    write_bytes(tmp_path("text.png"), "just text", 9);
    expect_load_error(tmp_path("text.png"), "is not a PNG or JPEG file (it starts with the bytes 6a 75 73 74)");
    write_bytes(tmp_path("a.bmp"), "BM\0\0\0\0", 6);
    expect_load_error(tmp_path("a.bmp"), "is a BMP image");
    write_bytes(tmp_path("empty.png"), "", 0);
    expect_load_error(tmp_path("empty.png"), "is empty");
}

/* ---- resize --------------------------------------------------------------------------- */

static double max_diff_values(const wk_tensor *t, const float *want)
{
    double m = 0;
    for (int64_t i = 0; i < wk_tensor_numel(t); i++) m = fmax(m, fabs(wk_tensor_data(t)[i] - want[i]));
    return m;
}

TEST(resize_bilinear_matches_pytorch)
{
    int64_t s[3] = {1, 2, 2};
    float v[4] = {0, 1, 2, 3};
    wk_tensor t = make(3, s, v), r = {0};
    /* torch.nn.functional.interpolate(x, size=(4,4), mode="bilinear", align_corners=False) */
    float want[16] = {0, 0.25f, 0.75f, 1, 0.5f, 0.75f, 1.25f, 1.5f, 1.5f, 1.75f, 2.25f, 2.5f, 2, 2.25f, 2.75f, 3};
    CHECK(wk_image_resize(&r, &t, 4, 4, WK_RESIZE_BILINEAR) == WK_OK);
    CHECK(r.shape[0] == 1 && r.shape[1] == 4 && r.shape[2] == 4);
    CHECK_NEAR(max_diff_values(&r, want), 0, 1e-6);
    wk_tensor_release(&r);
    /* 3 -> 2 columns: sources at 0.25 and 1.75 */
    int64_t s2[2] = {1, 3};
    float v2[3] = {0, 10, 20}, want2[2] = {2.5f, 17.5f};
    wk_tensor u = make(2, s2, v2);
    CHECK(wk_image_resize(&r, &u, 1, 2, WK_RESIZE_BILINEAR) == WK_OK);
    CHECK_NEAR(max_diff_values(&r, want2), 0, 1e-5);
    wk_tensor_release(&r);
    wk_tensor_release(&u);
    wk_tensor_release(&t);
}

TEST(resize_area_is_exact_box_average)
{
    int64_t s[3] = {1, 1, 3};
    float v[3] = {3, 6, 9}, want[2] = {(3 + 0.5f * 6) / 1.5f, (0.5f * 6 + 9) / 1.5f};
    wk_tensor t = make(3, s, v), r = {0};
    CHECK(wk_image_resize(&r, &t, 1, 2, WK_RESIZE_AREA) == WK_OK);
    CHECK_NEAR(max_diff_values(&r, want), 0, 1e-5);
    wk_tensor_release(&r);
    wk_tensor_release(&t);

    /* any ratio keeps the mean: 2×13×17 -> 5×7 */
    int64_t s2[3] = {2, 13, 17};
    wk_tensor a = {0};
    CHECK(wk_tensor_new(&a, 3, s2) == WK_OK);
    double sum = 0;
    for (int64_t i = 0; i < wk_tensor_numel(&a); i++) sum += wk_tensor_data(&a)[i] = (float)((i * 37) % 101) / 100.0f;
    CHECK(wk_image_resize(&r, &a, 5, 7, WK_RESIZE_AREA) == WK_OK);
    double rsum = 0;
    for (int64_t i = 0; i < wk_tensor_numel(&r); i++) rsum += wk_tensor_data(&r)[i];
    CHECK_NEAR(rsum / wk_tensor_numel(&r), sum / wk_tensor_numel(&a), 1e-5);
    wk_tensor_release(&r);
    wk_tensor_release(&a);
}

TEST(resize_nearest_and_batches)
{
    int64_t s[4] = {2, 1, 1, 4};
    float v[8] = {0, 1, 2, 3, 10, 11, 12, 13}, want[4] = {1, 3, 11, 13};
    wk_tensor t = make(4, s, v), r = {0};
    CHECK(wk_image_resize(&r, &t, 1, 2, WK_RESIZE_NEAREST) == WK_OK);
    CHECK(r.ndim == 4 && r.shape[0] == 2 && r.shape[3] == 2);
    CHECK_NEAR(max_diff_values(&r, want), 0, 0);
    wk_tensor_release(&r);
    CHECK(wk_image_resize(&r, &t, 0, 2, WK_RESIZE_NEAREST) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "size must be positive") != NULL);
    wk_tensor_release(&t);
}

/* ---- grid ----------------------------------------------------------------------------- */

TEST(grid_layout_and_centring)
{
    int64_t big[3] = {1, 4, 4}, small[3] = {1, 2, 2};
    wk_tensor a = {0}, b = {0}, g = {0};
    CHECK(wk_tensor_new(&a, 3, big) == WK_OK);
    CHECK(wk_tensor_new(&b, 3, small) == WK_OK);
    wk_tensor_fill_(&a, 0.25f);
    wk_tensor_fill_(&b, 0.75f);
    const wk_tensor *imgs[3] = {&a, &b, &a};
    CHECK(wk_image_grid(&g, imgs, 3, 0, 1, 1.0f) == WK_OK);
    /* ceil(sqrt(3)) = 2 columns, 2 rows of 4×4 cells, pad 1 */
    CHECK(g.shape[0] == 1 && g.shape[1] == 2 * 5 + 1 && g.shape[2] == 2 * 5 + 1);
    CHECK_NEAR(at(&g, 0, 0, 0), 1, 0);
    CHECK_NEAR(at(&g, 0, 1, 1), 0.25, 0);
    CHECK_NEAR(at(&g, 0, 1, 6), 1, 0);      /* small image's cell corner: padding */
    CHECK_NEAR(at(&g, 0, 2, 7), 0.75, 0);   /* centred: offset (4-2)/2 = 1 */
    CHECK_NEAR(at(&g, 0, 6, 1), 0.25, 0);
    CHECK_NEAR(at(&g, 0, 6, 6), 1, 0);      /* empty fourth cell */
    wk_tensor_release(&g);
    int64_t rgb[3] = {3, 2, 2};
    wk_tensor c = {0};
    CHECK(wk_tensor_zeros(&c, 3, rgb) == WK_OK);
    const wk_tensor *mixed[2] = {&a, &c};
    CHECK(wk_image_grid(&g, mixed, 2, 0, 2, 1.0f) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "same number of channels") != NULL);
    CHECK(g.storage == NULL);
    wk_tensor_release(&a);
    wk_tensor_release(&b);
    wk_tensor_release(&c);
}

/* ---- what a few bytes may cost --------------------------------------------------------- */

static long peak_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* 48 bytes: a 1×1 IHDR, then a tEXt chunk whose length field says 2^31 - 1. libpng
 * allocated the whole claim (2.1 GB, 16 s) before finding the file ends. */
TEST(png_chunk_claiming_2gb_costs_nothing)
{
    unsigned char f[48] = "\x89PNG\r\n\x1a\n";
    unsigned char ihdr[17] = {'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0};
    memcpy(f + 8, "\0\0\0\x0d", 4);
    memcpy(f + 12, ihdr, 17);
    uLong crc = crc32(0, ihdr, 17);
    f[29] = (unsigned char)(crc >> 24), f[30] = (unsigned char)(crc >> 16), f[31] = (unsigned char)(crc >> 8), f[32] = (unsigned char)crc;
    memcpy(f + 33, "\x7f\xff\xff\xff" "tEXt" "Comment", 15);
    const char *path = write_file("bigtext.png", f, sizeof f);
    long before = peak_kb();
    expect_load_error(path, "is a truncated PNG");
    CHECK(strstr(wk_errmsg(), "bigtext.png") != NULL);
    long grew = peak_kb() - before;
    if (grew > 65536) printf("  peak memory grew by %ld KB\n", grew);
    CHECK(grew < 65536);
}

/* A picture needing more memory than the machine has (here WICK_MEMORY_LIMIT) is
 * refused from its header, by both readers. */
TEST(pictures_bigger_than_memory_are_refused)
{
    const unsigned char rgb[4][4] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10, 11, 12}};
    CHECK(write_test_png(tmp_path("mem.png"), 100, 100, PNG_COLOR_TYPE_RGB, 8, 0, NULL, 0, 0) == 0);
    CHECK(write_test_jpeg(tmp_path("mem.jpg"), 3, rgb) == 0);
    setenv("WICK_MEMORY_LIMIT", "64K", 1);
    expect_load_error(tmp_path("mem.png"), "(100x100 PNG, 3 channels) needs");
    expect_load_error(tmp_path("mem.jpg"), "(16x16 JPEG) needs");
    CHECK(strstr(wk_errmsg(), "mem.jpg") != NULL);
    unsetenv("WICK_MEMORY_LIMIT");
    wk_tensor t = {0};
    CHECK(wk_image_load(&t, tmp_path("mem.png")) == WK_OK);
    wk_tensor_release(&t);
}

/* A JPEG frame header claiming 60000×60000 is refused before decoding. */
TEST(jpeg_absurd_size_is_refused)
{
    const unsigned char grey[4][4] = {{50}, {100}, {150}, {200}};
    CHECK(write_test_jpeg(tmp_path("size.jpg"), 1, grey) == 0);
    size_t n = 0;
    unsigned char *b = read_bytes(tmp_path("size.jpg"), &n);
    if (!b) return;
    for (size_t i = 0; i + 9 < n; i++)
        if (b[i] == 0xFF && b[i + 1] == 0xC0) {   /* SOF0: length(2) precision(1) height(2) width(2) */
            b[i + 5] = 0xEA, b[i + 6] = 0x60, b[i + 7] = 0xEA, b[i + 8] = 0x60;
            break;
        }
    write_bytes(tmp_path("size.jpg"), b, n);
    free(b);
    int64_t live = wk_tensor_live_bytes();
    expect_load_error(tmp_path("size.jpg"), "claims to be 60000x60000 pixels");
    CHECK(wk_tensor_live_bytes() == live);
}

/* A 16×16 JPEG whose header is changed to claim 16000×16000 (within wick's limits):
 * on this machine the picture is allocated, its data found to stop after the first
 * blocks, and freed (libjpeg would fill the rest grey; before this was an error, that
 * took 9 s and 3 GB); on a machine whose memory cannot hold it (WICK_MEMORY_LIMIT) it
 * is refused from the header. The CI fuzzer found such a file; it runs as on a 256M
 * machine (tests/fuzz/fuzz.h). */
TEST(jpeg_huge_claim_in_a_small_file)
{
    const unsigned char rgb[4][4] = {{10, 20, 30}, {40, 50, 60}, {70, 80, 90}, {100, 110, 120}};
    CHECK(write_test_jpeg(tmp_path("claim.jpg"), 3, rgb) == 0);
    size_t n = 0;
    unsigned char *b = read_bytes(tmp_path("claim.jpg"), &n);
    if (!b) return;
    for (size_t i = 0; i + 9 < n; i++)
        if (b[i] == 0xFF && b[i + 1] == 0xC0) {   /* 16000 = 0x3E80 */
            b[i + 5] = 0x3E, b[i + 6] = 0x80, b[i + 7] = 0x3E, b[i + 8] = 0x80;
            break;
        }
    write_bytes(tmp_path("claim.jpg"), b, n);
    free(b);
    int64_t live = wk_tensor_live_bytes();
    if (wk_memory_total() > ((int64_t)4 << 30)) {
        expect_load_error(tmp_path("claim.jpg"), "is a corrupt JPEG: its image data stops before");
        CHECK(wk_tensor_live_bytes() == live);
    }
    setenv("WICK_MEMORY_LIMIT", "256M", 1);
    expect_load_error(tmp_path("claim.jpg"), "(16000x16000 JPEG) needs");
    unsetenv("WICK_MEMORY_LIMIT");
    CHECK(wk_tensor_live_bytes() == live);
}

/* Every byte of a small JPEG and PNG flipped in turn: each load succeeds or fails with
 * a message naming the file — no crash, and (under ASan) nothing leaked. */
TEST(corrupt_bytes_fail_cleanly)
{
    const unsigned char rgb[4][4] = {{230, 25, 25}, {25, 200, 50}, {50, 75, 230}, {230, 230, 50}};
    CHECK(write_test_jpeg(tmp_path("flip.jpg"), 3, rgb) == 0);
    CHECK(write_test_png(tmp_path("flip.png"), 9, 7, PNG_COLOR_TYPE_RGB_ALPHA, 16, 0, NULL, 0, 1) == 0);
    const char *names[2] = {"flip.jpg", "flip.png"};
    int64_t live = wk_tensor_live_bytes();
    for (int k = 0; k < 2; k++) {
        size_t n = 0;
        unsigned char *b = read_bytes(tmp_path(names[k]), &n);
        if (!b) continue;
        int unnamed = 0;
        for (size_t i = 0; i < n; i++) {
            b[i] ^= 0xA5;
            write_bytes(tmp_path("mutant"), b, n);
            b[i] ^= 0xA5;
            wk_tensor t = {0};
            if (wk_image_load(&t, tmp_path("mutant")) == WK_OK) wk_tensor_release(&t);
            else unnamed += strstr(wk_errmsg(), "mutant'") == NULL;
        }
        CHECK(unnamed == 0);
        free(b);
    }
    CHECK(wk_tensor_live_bytes() == live);
}

/* A progressive JPEG whose first scan (DC, decoded the same whatever came before) is
 * repeated 600 times: refused, not decoded for ever (each repeat is a pass over the
 * whole picture). A repeated refinement scan would be refused sooner, its data
 * stopping short. */
TEST(jpeg_endless_scans_are_refused)
{
    const char *path = tmp_path("prog.jpg");
    FILE *f = fopen(path, "wb");
    if (!f) return;
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr err;
    ci.err = jpeg_std_error(&err);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = 16, ci.image_height = 16, ci.input_components = 1, ci.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&ci);
    jpeg_simple_progression(&ci);
    jpeg_start_compress(&ci, TRUE);
    unsigned char row[16];
    for (int y = 0; y < 16; y++) {
        for (int x = 0; x < 16; x++) row[x] = (unsigned char)(x * y);
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    fclose(f);
    wk_tensor t = {0};
    CHECK(wk_image_load(&t, path) == WK_OK);   /* the honest file loads */
    wk_tensor_release(&t);

    size_t n = 0;
    unsigned char *b = read_bytes(path, &n);
    if (!b) return;
    size_t first = 0, end = 0;
    for (size_t i = 0; i + 1 < n && !first; i++)
        if (b[i] == 0xFF && b[i + 1] == 0xDA) first = i;
    for (size_t i = first + 2; i + 1 < n && !end; i++)   /* the next marker: not a stuffed 0, not RSTn */
        if (b[i] == 0xFF && b[i + 1] != 0 && b[i + 1] != 0xFF && (b[i + 1] < 0xD0 || b[i + 1] > 0xD7)) end = i;
    CHECK(first > 0 && end > first);
    size_t scan = end - first, m = first + 600 * scan + 2;
    unsigned char *evil = malloc(m);
    memcpy(evil, b, first);
    for (int k = 0; k < 600; k++) memcpy(evil + first + k * scan, b + first, scan);
    memcpy(evil + m - 2, "\xFF\xD9", 2);
    write_bytes(path, evil, m);
    expect_load_error(path, "more than 500 scans");
    free(evil);
    free(b);
}

TEST(no_leaks)
{
    CHECK(wk_tensor_live_bytes() == live0);
}

int main(void)
{
    if (tmp_dir_create("wick-test-image")) return 1;
    live0 = wk_tensor_live_bytes();
    RUN(png_grey_every_depth);
    RUN(png_grey_alpha_rgb_rgba_8_and_16);
    RUN(png_interlaced);
    RUN(png_palette_every_depth_with_and_without_trns);
    RUN(save_round_trips_every_channel_count_and_depth);
    RUN(save_clamps_rounds_nan_and_strides);
    RUN(save_writes_text_and_makes_folders);
    RUN(save_errors);
    RUN(jpeg_grey_rgb_cmyk);
    RUN(jpeg_save_round_trip);
    RUN(load_errors);
    RUN(resize_bilinear_matches_pytorch);
    RUN(resize_area_is_exact_box_average);
    RUN(resize_nearest_and_batches);
    RUN(grid_layout_and_centring);
    RUN(png_chunk_claiming_2gb_costs_nothing);
    RUN(pictures_bigger_than_memory_are_refused);
    RUN(jpeg_absurd_size_is_refused);
    RUN(jpeg_huge_claim_in_a_small_file);
    RUN(corrupt_bytes_fail_cleanly);
    RUN(jpeg_endless_scans_are_refused);
    RUN(no_leaks);
    tmp_dir_remove();
    return check_summary("image");
}
