/* test_idx.c — unit tests of lib/data/idx.c: small IDX files written here byte by byte
 * (raw, and gzipped with zlib), every element type, one test per kind of broken file,
 * and, when Debian's dataset-fashion-mnist is installed, the real training labels. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../../lib/data/idx.h"
#include "check.h"
#include "file_fixtures.h"

#define FASHION "/usr/share/datasets/fashion-mnist"

/* write_file, gzipped. */
static const char *write_gz(const char *name, const void *bytes, size_t n)
{
    const char *path = tmp_path(name);
    gzFile gz = gzopen(path, "wb9");
    if (gz) {
        gzwrite(gz, bytes, (unsigned)n);
        gzclose(gz);
    }
    return path;
}

/* Reading path must fail, leave out empty, and say each phrase. */
static int fails_with(const char *path, const char *phrase1, const char *phrase2)
{
    wk_tensor t = {0};
    int ok = wk_idx_read(path, &t) == WK_ERR && t.storage == NULL && strstr(wk_errmsg(), path) != NULL &&
             strstr(wk_errmsg(), phrase1) != NULL && (!phrase2 || strstr(wk_errmsg(), phrase2) != NULL);
    if (!ok) printf("  message was: %s\n", wk_errmsg());
    wk_tensor_release(&t);
    return ok;
}

/* Two 2x3 u8 "images", as MNIST stores them. */
static const unsigned char images[] = {
    0x00, 0x00, 0x08, 0x03,   /* magic: u8, 3 dims */
    0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3,
    0, 1, 2, 3, 4, 5,
    250, 251, 252, 253, 254, 255,
};

static int images_ok(const char *path)
{
    wk_tensor t = {0};
    if (wk_idx_read(path, &t) != WK_OK) {
        printf("  %s\n", wk_errmsg());
        return 0;
    }
    int ok = t.ndim == 3 && t.shape[0] == 2 && t.shape[1] == 2 && t.shape[2] == 3 && wk_tensor_is_contiguous(&t);
    const float *x = wk_tensor_data(&t);
    for (int i = 0; i < 6; i++) ok &= x[i] == (float)i && x[6 + i] == (float)(250 + i);
    wk_tensor_release(&t);
    return ok;
}

TEST(raw_and_gzipped_images)
{
    int64_t live = wk_tensor_live_bytes();
    CHECK(images_ok(write_file("images-idx3-ubyte", images, sizeof images)));
    CHECK(images_ok(write_gz("images-idx3-ubyte.gz", images, sizeof images)));
    CHECK(wk_tensor_live_bytes() == live);
}

TEST(labels)
{
    const unsigned char labels[] = {0, 0, 8, 1, 0, 0, 0, 5, 9, 0, 3, 3, 7};
    wk_tensor t = {0};
    CHECK(wk_idx_read(write_gz("labels.gz", labels, sizeof labels), &t) == WK_OK);
    CHECK(t.ndim == 1 && t.shape[0] == 5);
    if (t.storage) {
        const float *x = wk_tensor_data(&t);
        CHECK(x[0] == 9 && x[1] == 0 && x[2] == 3 && x[3] == 3 && x[4] == 7);
    }
    wk_tensor_release(&t);
}

TEST(every_type)
{
    /* i8: -1 127 | i16: -300 | i32: -70000 2^30 | f32: -1.5 | f64: 0.1 */
    const unsigned char i8[] = {0, 0, 0x09, 1, 0, 0, 0, 2, 0xff, 0x7f};
    const unsigned char i16[] = {0, 0, 0x0B, 1, 0, 0, 0, 1, 0xfe, 0xd4};
    const unsigned char i32[] = {0, 0, 0x0C, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xfe, 0xee, 0x90, 0x40, 0, 0, 0};
    const unsigned char f32[] = {0, 0, 0x0D, 1, 0, 0, 0, 1, 0xbf, 0xc0, 0, 0};
    const unsigned char f64[] = {0, 0, 0x0E, 1, 0, 0, 0, 1, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a};
    wk_tensor t = {0};
    CHECK(wk_idx_read(write_file("i8", i8, sizeof i8), &t) == WK_OK);
    CHECK(t.storage && wk_tensor_data(&t)[0] == -1.0f && wk_tensor_data(&t)[1] == 127.0f);
    wk_tensor_release(&t);
    CHECK(wk_idx_read(write_file("i16", i16, sizeof i16), &t) == WK_OK);
    CHECK(t.storage && wk_tensor_data(&t)[0] == -300.0f);
    wk_tensor_release(&t);
    CHECK(wk_idx_read(write_gz("i32.gz", i32, sizeof i32), &t) == WK_OK);
    CHECK(t.storage && t.ndim == 2 && t.shape[0] == 1 && t.shape[1] == 2);
    CHECK(t.storage && wk_tensor_data(&t)[0] == -70000.0f && wk_tensor_data(&t)[1] == 0x1p30f);
    wk_tensor_release(&t);
    CHECK(wk_idx_read(write_file("f32", f32, sizeof f32), &t) == WK_OK);
    CHECK(t.storage && wk_tensor_data(&t)[0] == -1.5f);
    wk_tensor_release(&t);
    CHECK(wk_idx_read(write_file("f64", f64, sizeof f64), &t) == WK_OK);
    CHECK(t.storage && wk_tensor_data(&t)[0] == 0.1f);
    wk_tensor_release(&t);
    /* no elements at all is a valid file */
    const unsigned char none[] = {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28};
    CHECK(wk_idx_read(write_file("none", none, sizeof none), &t) == WK_OK);
    CHECK(t.storage && t.shape[0] == 0 && t.shape[1] == 28 && wk_tensor_numel(&t) == 0);
    wk_tensor_release(&t);
}

TEST(broken_files_say_why)
{
    CHECK(fails_with(tmp_path("train-images-idx3-ubyte.gz"), "cannot open IDX file", "No such file"));
    CHECK(fails_with(tmp_dir, "directory", NULL));
    CHECK(fails_with(write_file("empty", "", 0), "not an IDX file", "only 0 bytes"));
    CHECK(fails_with(write_file("pgm", "P5\n28 28\n255\n", 13), "not an IDX file", "0x50350a32"));
    const unsigned char badtype[] = {0, 0, 0x0A, 1, 0, 0, 0, 1, 0};
    CHECK(fails_with(write_file("type", badtype, sizeof badtype), "type code 0x0a", "cannot read"));
    const unsigned char nodims[] = {0, 0, 8, 0, 1};
    CHECK(fails_with(write_file("ndim0", nodims, sizeof nodims), "declares 0 dimensions", NULL));
    const unsigned char ninedims[] = {0, 0, 8, 9};
    CHECK(fails_with(write_file("ndim9", ninedims, sizeof ninedims), "declares 9 dimensions", NULL));
    CHECK(fails_with(write_file("cutdims", images, 10), "truncated", "sizes of its 3 dimensions"));
    CHECK(fails_with(write_file("cutdata", images, sizeof images - 1),
                     "truncated: its dimensions [2,2,3] of u8 claims 12 B but only 11 B remain", NULL));
    unsigned char longer[sizeof images + 3];
    memcpy(longer, images, sizeof images);
    CHECK(fails_with(write_file("longer", longer, sizeof longer), "3 stray bytes after the 12 bytes", NULL));
    CHECK(fails_with(write_gz("longer.gz", longer, sizeof longer), "stray bytes after the 12 bytes", NULL));
    CHECK(fails_with(write_gz("cutdata.gz", images, sizeof images - 2), "truncated", "ends after 10"));
    const unsigned char overflow[] = {0, 0, 0x0E, 8, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
                                      255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
                                      255, 255, 255, 255, 255};
    /* dimensions whose product wraps int64, or passes 2^40 elements: refused by wk_shape_numel */
    CHECK(fails_with(write_file("overflow", overflow, sizeof overflow), "corrupt", "more than wick's limit of 2^40"));
    const unsigned char huge[] = {0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0xea, 0x60, 0, 0, 0xea, 0x60};
    CHECK(fails_with(write_gz("huge.gz", huge, sizeof huge), "[60000,60000,60000]", "limit of 2^40 elements"));
    CHECK(fails_with(write_file("huge", huge, sizeof huge), "[60000,60000,60000]", "limit of 2^40 elements"));
    /* A few gzipped bytes that claim 1 GB of images: refused before allocating. */
    const unsigned char claim[] = {0, 0, 8, 3, 0, 0, 0x03, 0xe8, 0, 0, 0x03, 0xe8, 0, 0, 0x03, 0xe8};
    CHECK(fails_with(write_gz("claim.gz", claim, sizeof claim), "more than a", "gzip file can hold"));
    CHECK(fails_with(write_file("claim", claim, sizeof claim), "damaged or truncated",
                     "dimensions [1000,1000,1000] of u8 claims 953.7 MiB but only 0 B remain"));

    /* A gzip file cut short inside the compressed stream. */
    unsigned char big[4096 + 16];
    memcpy(big, (const unsigned char[]){0, 0, 8, 1, 0, 0, 0x10, 0}, 8);
    for (int i = 8; i < 4096 + 8; i++) big[i] = (unsigned char)(i * 2654435761u >> 24);   /* incompressible */
    const char *gz = write_gz("stream.gz", big, 4096 + 8);
    size_t n = 0;
    unsigned char *bytes = read_bytes(gz, &n);
    CHECK(bytes && n > 1000);
    if (bytes) {
        CHECK(fails_with(write_file("stream-cut.gz", bytes, n / 2), "truncated", "gzip stream breaks off"));
        /* and one with its middle scrambled */
        for (size_t i = 20; i < 40; i++) bytes[i] ^= 0x5a;
        bytes[10] = 0x07;   /* an invalid deflate block type right at the start */
        CHECK(fails_with(write_file("stream-bad.gz", bytes, n), "corrupt gzip file", NULL));
        free(bytes);
    }
}

/* The real thing, when Debian's dataset-fashion-mnist is installed. */
TEST(fashion_mnist)
{
    const char *labels = FASHION "/train-labels-idx1-ubyte.gz";
    const char *images = FASHION "/t10k-images-idx3-ubyte.gz";
    if (access(labels, R_OK) != 0) {
        printf("  note: %s absent (Debian package dataset-fashion-mnist); skipping the real-data check\n", labels);
        return;
    }
    wk_tensor t = {0};
    CHECK(wk_idx_read(labels, &t) == WK_OK);
    CHECK(t.ndim == 1 && t.shape[0] == 60000);
    if (t.storage && t.shape[0] == 60000) {
        int hist[10] = {0}, other = 0;
        const float *y = wk_tensor_data(&t);
        for (int i = 0; i < 60000; i++) {
            if (y[i] >= 0 && y[i] <= 9 && y[i] == (int)y[i]) hist[(int)y[i]]++;
            else other++;
        }
        CHECK(other == 0);
        for (int c = 0; c < 10; c++) CHECK(hist[c] == 6000);
    }
    wk_tensor_release(&t);
    if (access(images, R_OK) == 0) {
        CHECK(wk_idx_read(images, &t) == WK_OK);
        CHECK(t.ndim == 3 && t.shape[0] == 10000 && t.shape[1] == 28 && t.shape[2] == 28);
        if (t.storage) {
            const float *x = wk_tensor_data(&t);
            float lo = 255, hi = 0;
            for (int64_t i = 0; i < wk_tensor_numel(&t); i++) {
                lo = x[i] < lo ? x[i] : lo;
                hi = x[i] > hi ? x[i] : hi;
            }
            CHECK(lo == 0 && hi == 255);
        }
        wk_tensor_release(&t);
    }
}

int main(void)
{
    if (tmp_dir_create("wick-idx")) return 1;
    RUN(raw_and_gzipped_images);
    RUN(labels);
    RUN(every_type);
    RUN(broken_files_say_why);
    RUN(fashion_mnist);
    tmp_dir_remove();
    return check_summary("idx");
}
