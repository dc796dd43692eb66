/* test_video.c — unit tests for lib/media's video files (video.c, gif.c, av.c): round
 * trips of a moving synthetic pattern through GIF, MP4, WebM and numbered PNGs (frame
 * count, size, fps, and the mean error: near-exact for a GIF of few colours, within a
 * tolerance for lossy codecs), odd sizes padded, GIF disposal and transparency on a
 * hand-made file, reading from memory, and refusals: truncated and corrupt files,
 * absurd sizes, unknown codecs, mismatched frames, a writer with no frames. Files go
 * to a fresh folder under /tmp. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../lib/core/error.h"
#include "../../lib/media/video.h"
#include "check.h"
#include "file_fixtures.h"

/* Frame k of a moving pattern, h×w: a smooth gradient sliding right with a bright
 * square crossing it (levels: any value), or in `few` colours (multiples of 1/255 from a
 * palette of four). */
static void pattern(wk_tensor *t, int64_t h, int64_t w, int k, int few)
{
    int64_t shape[3] = {3, h, w};
    wk_tensor_new(t, 3, shape);
    float *p = wk_tensor_data(t);
    static const float pal[4][3] = {{0, 0, 0}, {1, 1, 1}, {51 / 255.0f, 102 / 255.0f, 204 / 255.0f}, {1, 0, 0}};
    for (int64_t y = 0; y < h; y++)
        for (int64_t x = 0; x < w; x++) {
            int in_square = x >= 2 * k && x < 2 * k + w / 4 && y >= h / 4 && y < h / 2;
            for (int c = 0; c < 3; c++) {
                float v;
                if (few) v = pal[in_square ? 1 : (int)(((x + k) / 8 + y / 8) % 2) * (c == 0 ? 3 : 2)][c];
                else v = in_square ? 0.95f : 0.5f + 0.4f * sinf(0.15f * (float)(x - 3 * k) + 0.5f * c) * cosf(0.1f * (float)y);
                p[(c * h + y) * w + x] = v;
            }
        }
}

/* Writes n frames to path; WK_OK or the writer's error. */
static int write_video(const char *path, int n, int64_t h, int64_t w, int few, double fps, const char *codec)
{
    wk_video_write_opts o = {.fps = fps, .quality = -1, .codec = codec};
    wk_video_writer *wr;
    if (wk_video_writer_open(&wr, path, &o)) return WK_ERR;
    for (int k = 0; k < n; k++) {
        wk_tensor t = {0};
        pattern(&t, h, w, k, few);
        int rc = wk_video_write(wr, &t);
        wk_tensor_release(&t);
        if (rc) {
            wk_video_writer_abort(wr);
            return WK_ERR;
        }
    }
    return wk_video_writer_close(wr);
}

/* Reads path back: the frame count and the mean absolute error against the pattern
 * (over the pattern's h×w corner of each frame); info copied out. */
static int read_back(const char *path, int64_t h, int64_t w, int few, wk_video_info *info, int *nframes, double *mae)
{
    wk_video_reader *r;
    if (wk_video_open(&r, path)) return WK_ERR;
    *info = *wk_video_reader_info(r);
    double err = 0;
    int n = 0, rc;
    for (;;) {
        wk_tensor t = {0}, ref = {0};
        rc = wk_video_read(r, &t);
        if (rc <= 0) break;
        pattern(&ref, h, w, n, few);
        const float *a = wk_tensor_data(&t), *b = wk_tensor_data(&ref);
        int64_t H = t.shape[1], W = t.shape[2];
        for (int c = 0; c < 3; c++)
            for (int64_t y = 0; y < h; y++)
                for (int64_t x = 0; x < w; x++) err += fabs(a[(c * H + y) * W + x] - b[(c * h + y) * w + x]);
        wk_tensor_release(&t);
        wk_tensor_release(&ref);
        n++;
    }
    wk_video_close(r);
    *nframes = n;
    *mae = n ? err / (n * 3.0 * h * w) : 1;
    return rc < 0 ? WK_ERR : WK_OK;
}

TEST(gif_few_colours_exact)
{
    const char *path = tmp_path("few.gif");
    CHECK(write_video(path, 8, 30, 40, 1, 25, NULL) == WK_OK);
    wk_video_info info;
    int n = 0;
    double mae = 1;
    CHECK(read_back(path, 30, 40, 1, &info, &n, &mae) == WK_OK);
    CHECK(n == 8);
    CHECK(info.width == 40 && info.height == 30);
    CHECK_NEAR(info.fps, 25, 1e-9);
    CHECK(strcmp(info.codec, "gif") == 0);
    CHECK_NEAR(mae, 0, 1e-6);
}

TEST(gif_many_colours_quantised)
{
    const char *path = tmp_path("many.gif");
    CHECK(write_video(path, 5, 48, 64, 0, 10, NULL) == WK_OK);
    wk_video_info info;
    int n = 0;
    double mae = 1;
    CHECK(read_back(path, 48, 64, 0, &info, &n, &mae) == WK_OK);
    CHECK(n == 5);
    CHECK_NEAR(info.fps, 10, 1e-9);
    printf("  gif, median cut: mean abs error %.4f\n", mae);
    CHECK(mae < 0.03);
    CHECK(mae > 0);   /* more than 256 colours: some are merged */
}

static void lossy_round_trip(const char *name, const char *codec, const char *expect_codec)
{
    const char *path = tmp_path(name);
    int rc = write_video(path, 12, 48, 64, 0, 24, codec);
    if (rc) printf("  %s: %s\n", name, wk_errmsg());
    CHECK(rc == WK_OK);
    wk_video_info info;
    int n = 0;
    double mae = 1;
    CHECK(read_back(path, 48, 64, 0, &info, &n, &mae) == WK_OK);
    printf("  %s (%s in %s): %d frames, %.3f fps, mean abs error %.4f\n", name, info.codec, info.format, n, info.fps,
           mae);
    CHECK(n == 12);
    CHECK(info.width == 64 && info.height == 48);
    CHECK_NEAR(info.fps, 24, 0.01);
    CHECK(mae < 0.04);
    if (expect_codec) CHECK(strcmp(info.codec, expect_codec) == 0);
}

TEST(mp4_round_trip) { lossy_round_trip("moving.mp4", NULL, NULL); }
TEST(webm_round_trip) { lossy_round_trip("moving.webm", NULL, NULL); }
TEST(mp4_mpeg4_override) { lossy_round_trip("mpeg4.mp4", "mpeg4", "mpeg4"); }
TEST(webm_vp8_override) { lossy_round_trip("vp8.webm", "vp8", "vp8"); }

TEST(odd_size_is_padded)
{
    const char *path = tmp_path("odd.mp4");
    CHECK(write_video(path, 3, 25, 33, 0, 24, NULL) == WK_OK);
    wk_video_info info;
    int n = 0;
    double mae = 1;
    CHECK(read_back(path, 25, 33, 0, &info, &n, &mae) == WK_OK);
    CHECK(info.width == 34 && info.height == 26);
    CHECK(n == 3);
    CHECK(mae < 0.05);
}

TEST(numbered_frames)
{
    char pat[300];
    snprintf(pat, sizeof pat, "%s/frames/f%%04d.png", tmp_dir);
    CHECK(write_video(pat, 4, 20, 24, 0, 24, NULL) == WK_OK);   /* the folder is made */
    struct stat st;
    CHECK(stat(tmp_path("frames/f0001.png"), &st) == 0);
    CHECK(stat(tmp_path("frames/f0004.png"), &st) == 0);
    CHECK(stat(tmp_path("frames/f0005.png"), &st) != 0);
    wk_video_info info;
    int n = 0;
    double mae = 1;
    CHECK(read_back(pat, 20, 24, 0, &info, &n, &mae) == WK_OK);
    CHECK(n == 4 && info.frames == 4);
    CHECK(mae < 0.5 / 255 + 1e-6);
    wk_video_reader *r;
    CHECK(wk_video_open(&r, tmp_path("frames/f%d%d.png")) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "one %d") != NULL);
    snprintf(pat, sizeof pat, "%s/none/%%03d.png", tmp_dir);
    CHECK(wk_video_open(&r, pat) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "no frames match") != NULL);
}

/* A 4×2 GIF by hand (its LZW data a clear code before every second index, so codes
 * stay 3 bits): frame 1 paints everything colour 1 and is disposed to the
 * background; frame 2 paints only its left 2×2 (its index 0 transparent over the
 * first pixel) and is restored to previous; frame 3 paints nothing visible. */
static const unsigned char hand_gif[] = {
    'G', 'I', 'F', '8', '9', 'a', 4, 0, 2, 0, 0x81, 0, 0,   /* 4×2, global table of 4 */
    0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255,                /* black red green blue */
    /* GCE: dispose 2 (background), delay 5 */
    0x21, 0xF9, 4, 2 << 2, 5, 0, 0, 0,
    0x2C, 0, 0, 0, 0, 4, 0, 2, 0, 0,                         /* 4×2 at 0,0 */
    0x02, 0x05, 0x4C, 0x98, 0x30, 0x61, 0x52, 0x00,          /* LZW: eight 1s */
    /* GCE: dispose 3 (previous), transparent index 0 */
    0x21, 0xF9, 4, (3 << 2) | 1, 5, 0, 0, 0,
    0x2C, 0, 0, 0, 0, 2, 0, 2, 0, 0,                         /* 2×2 at 0,0 */
    0x02, 0x03, 0x84, 0x28, 0x15, 0x00,                      /* 0 2 2 2 */
    0x21, 0xF9, 4, (1 << 2) | 1, 5, 0, 1, 0,                 /* transparent 1 */
    0x2C, 3, 0, 1, 0, 1, 0, 1, 0, 0,                         /* 1×1 at 3,1 */
    0x02, 0x02, 0x4C, 0x01, 0x00,                            /* 1 */
    0x3B};

TEST(gif_disposal_and_transparency)
{
    wk_video_reader *r;
    int rc = wk_video_open_memory(&r, hand_gif, sizeof hand_gif, "hand.gif");
    if (rc) printf("  %s\n", wk_errmsg());
    CHECK(rc == WK_OK);
    if (rc) return;
    CHECK(wk_video_reader_info(r)->width == 4 && wk_video_reader_info(r)->height == 2);
    CHECK_NEAR(wk_video_reader_info(r)->fps, 20, 1e-9);
    wk_tensor f[4] = {{0}};
    int n = 0;
    while (n < 4 && (rc = wk_video_read(r, &f[n])) == 1) n++;
    if (rc < 0) printf("  %s\n", wk_errmsg());
    CHECK(n == 3);
    if (n == 3) {
        const float *a = wk_tensor_data(&f[0]), *b = wk_tensor_data(&f[1]), *c = wk_tensor_data(&f[2]);
        /* frame 1: all red */
        for (int i = 0; i < 8; i++) CHECK(a[i] == 1 && a[8 + i] == 0 && a[16 + i] == 0);
        /* frame 2: canvas cleared to black, then (0,0) transparent, others of its 2×2 green */
        CHECK(b[0] == 0 && b[8] == 0);
        CHECK(b[8 + 1] == 1 && b[8 + 4] == 1 && b[8 + 5] == 1);
        CHECK(b[2] == 0 && b[8 + 2] == 0);
        /* frame 3: frame 2 restored to previous (black), its one pixel transparent */
        for (int i = 0; i < 24; i++) CHECK(c[i] == 0);
    }
    for (int i = 0; i < n; i++) wk_tensor_release(&f[i]);
    wk_video_close(r);
}

/* LZW data for indices (min code size 2) with a clear code before every second index,
 * so codes stay 3 bits; returns the bytes written at out (sub-blocks and terminator). */
static size_t lzw_blocks(unsigned char *out, const unsigned char *idx, int n)
{
    unsigned char data[256];
    size_t len = 0;
    unsigned acc = 0;
    int bits = 0;
    for (int i = 0; i <= n; i++) {
        int codes[2] = {4, i < n ? idx[i] : 5}, k0 = i % 2 == 0 && i < n ? 0 : 1;
        for (int k = k0; k < 2; k++) {
            acc |= (unsigned)codes[k] << bits;
            bits += 3;
            while (bits >= 8) data[len++] = (unsigned char)acc, acc >>= 8, bits -= 8;
        }
    }
    if (bits) data[len++] = (unsigned char)acc;
    out[0] = 2, out[1] = (unsigned char)len;
    memcpy(out + 2, data, len);
    out[2 + len] = 0;
    return len + 3;
}

/* A one-frame 3×10 GIF of indices idx (row order), stored interlaced or not. */
static size_t one_frame_gif(unsigned char *out, const unsigned char *idx, int interlace)
{
    static const unsigned char head[] = {'G', 'I', 'F', '8', '9', 'a', 3, 0, 10, 0, 0x81, 0, 0,
                                         0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255};
    size_t n = sizeof head;
    memcpy(out, head, n);
    unsigned char desc[] = {0x2C, 0, 0, 0, 0, 3, 0, 10, 0, interlace ? 0x40 : 0};
    memcpy(out + n, desc, sizeof desc);
    n += sizeof desc;
    unsigned char stored[30];
    static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    int r = 0;
    for (int pass = 0; pass < (interlace ? 4 : 1); pass++)
        for (int y = interlace ? start[pass] : 0; y < 10; y += interlace ? step[pass] : 1, r++)
            memcpy(stored + 3 * r, idx + 3 * y, 3);
    n += lzw_blocks(out + n, stored, 30);
    out[n++] = 0x3B;
    return n;
}

TEST(gif_interlaced_rows_in_order)
{
    unsigned char idx[30], a[128], b[128];
    for (int i = 0; i < 30; i++) idx[i] = (unsigned char)((i / 3 * 7 + i) % 4);
    size_t na = one_frame_gif(a, idx, 0), nb = one_frame_gif(b, idx, 1);
    wk_video_reader *ra, *rb;
    CHECK(wk_video_open_memory(&ra, a, na, "plain.gif") == WK_OK);
    CHECK(wk_video_open_memory(&rb, b, nb, "interlaced.gif") == WK_OK);
    wk_tensor fa = {0}, fb = {0};
    CHECK(wk_video_read(ra, &fa) == 1);
    CHECK(wk_video_read(rb, &fb) == 1);
    if (fa.storage && fb.storage) {
        const float *pa = wk_tensor_data(&fa), *pb = wk_tensor_data(&fb);
        int same = 1;
        for (int i = 0; i < 90; i++) same &= pa[i] == pb[i];
        CHECK(same);
        /* and the rows are not all alike, so order matters: pixel (y=1, x=0) is index 2, green */
        CHECK(pa[30 + 3] == 1 && pa[3] == 0 && pa[60 + 3] == 0);
    }
    wk_tensor_release(&fa);
    wk_tensor_release(&fb);
    wk_video_close(ra);
    wk_video_close(rb);
}

TEST(reads_from_memory)
{
    const char *path = tmp_path("mem.webm");
    CHECK(write_video(path, 4, 16, 16, 0, 24, NULL) == WK_OK);
    size_t size = 0;
    unsigned char *bytes = read_bytes(path, &size);
    CHECK(bytes && size > 100);
    wk_video_reader *r;
    CHECK(wk_video_open_memory(&r, bytes, size, "mem") == WK_OK);
    int n = 0;
    wk_tensor t = {0};
    while (wk_video_read(r, &t) == 1) {
        CHECK(t.shape[0] == 3 && t.shape[1] == 16 && t.shape[2] == 16);
        wk_tensor_release(&t);
        n++;
    }
    CHECK(n == 4);
    wk_video_close(r);
    free(bytes);
}

/* Opening or reading the whole of path fails with a message holding want. */
static void refused(const char *path, const char *want)
{
    wk_video_reader *r;
    int rc = wk_video_open(&r, path);
    if (rc == WK_OK) {
        wk_tensor t = {0};
        while ((rc = wk_video_read(r, &t)) == 1) wk_tensor_release(&t);
        wk_video_close(r);
    }
    CHECK(rc == WK_ERR);
    if (!strstr(wk_errmsg(), want)) printf("  '%s' not in: %s\n", want, wk_errmsg());
    CHECK(strstr(wk_errmsg(), want) != NULL);
}

TEST(corrupt_and_truncated_refused)
{
    refused(tmp_path("missing.mp4"), "No such file");
    refused(write_file("empty.mp4", "", 0), "empty");
    refused(write_file("text.mp4", "hello, this is only text\n", 25), "text.mp4");
    const char *names[] = {"few.gif", "moving.mp4", "moving.webm"};
    for (int i = 0; i < 3; i++) {
        size_t size = 0;
        unsigned char *bytes = read_bytes(tmp_path(names[i]), &size);
        CHECK(bytes != NULL);
        if (!bytes) continue;
        char cut[64];
        snprintf(cut, sizeof cut, "cut-%s", names[i]);
        /* MP4 keeps its index at the end, WebM and GIF keep frames in order: a file cut
         * to a third is refused at open or at the frame it breaks in */
        refused(write_file(cut, bytes, size / 3), cut);
        free(bytes);
    }
    /* a GIF whose header claims 60000×60000 pixels is refused before any allocation */
    unsigned char big[] = {'G', 'I', 'F', '8', '9', 'a', 0x60, 0xEA, 0x60, 0xEA, 0, 0, 0, 0x3B};
    refused(write_file("big.gif", big, sizeof big), "claims to be 60000x60000");
}

TEST(writer_refusals)
{
    wk_video_writer *w;
    wk_video_write_opts o = {.fps = 24, .quality = -1, .codec = "nosuchcodec"};
    CHECK(wk_video_writer_open(&w, tmp_path("x.mp4"), &o) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "nosuchcodec") != NULL);
    o.codec = "aac";
    CHECK(wk_video_writer_open(&w, tmp_path("x.mp4"), &o) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "not a video codec") != NULL);
    o.codec = NULL;
    CHECK(wk_video_writer_open(&w, tmp_path("x.xyz"), &o) == WK_ERR);
    CHECK(strstr(wk_errmsg(), ".xyz") != NULL);
    o.fps = -3;
    CHECK(wk_video_writer_open(&w, tmp_path("x.mp4"), &o) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "fps") != NULL);

    /* mismatched sizes; no frames; abort: nothing is left behind */
    CHECK(wk_video_writer_open(&w, tmp_path("mismatch.webm"), NULL) == WK_OK);
    wk_tensor a = {0}, b = {0};
    pattern(&a, 16, 16, 0, 0);
    pattern(&b, 16, 18, 0, 0);
    CHECK(wk_video_write(w, &a) == WK_OK);
    CHECK(wk_video_write(w, &b) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "frame 2 is 18x16") != NULL);
    wk_video_writer_abort(w);
    struct stat st;
    CHECK(stat(tmp_path("mismatch.webm"), &st) != 0);
    CHECK(wk_video_writer_open(&w, tmp_path("none.gif"), NULL) == WK_OK);
    CHECK(wk_video_writer_close(w) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "no frames") != NULL);
    CHECK(stat(tmp_path("none.gif"), &st) != 0);
    wk_tensor_release(&a);
    wk_tensor_release(&b);

    /* a frame past the image limits is refused before anything is allocated for it (a
     * stride-0 view: 70000 rows cost one float) */
    wk_tensor one = {0};
    int64_t s1[1] = {1};
    CHECK(wk_tensor_new(&one, 1, s1) == WK_OK);
    wk_tensor tall = one;
    tall.ndim = 3;
    tall.shape[0] = 3, tall.shape[1] = 70000, tall.shape[2] = 2;
    tall.stride[0] = tall.stride[1] = tall.stride[2] = 0;
    CHECK(wk_video_writer_open(&w, tmp_path("tall.mp4"), NULL) == WK_OK);
    CHECK(wk_video_write(w, &tall) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "bigger than wick writes") != NULL);
    wk_video_writer_abort(w);
    wk_tensor_release(&one);
}

int main(void)
{
    if (tmp_dir_create("wick-video")) return 1;
    int64_t live = wk_tensor_live_bytes();
    RUN(gif_few_colours_exact);
    RUN(gif_many_colours_quantised);
    RUN(mp4_round_trip);
    RUN(webm_round_trip);
    RUN(mp4_mpeg4_override);
    RUN(webm_vp8_override);
    RUN(odd_size_is_padded);
    RUN(numbered_frames);
    RUN(gif_disposal_and_transparency);
    RUN(gif_interlaced_rows_in_order);
    RUN(reads_from_memory);
    RUN(corrupt_and_truncated_refused);
    RUN(writer_refusals);
    if (wk_tensor_live_bytes() != live) {
        printf("  FAIL: %lld tensor bytes still live\n", (long long)(wk_tensor_live_bytes() - live));
        check_tests_failed++;
    }
    tmp_dir_remove();
    return check_summary("video");
}
