/* image.c — the file side of wick's images and the contact sheet.
 *
 * Loading opens the file, recognises PNG or JPEG by its first bytes (and names the
 * common formats it cannot read, so "not an image" says what the file is) and hands
 * the rewound FILE to png.c or jpeg.c. Saving checks the tensor's shape, picks the
 * format from the name (.jpg/.jpeg, else PNG) and writes through lib/core/file.h's
 * atomic replacement (missing folders made, a temporary renamed over the target only
 * once complete and fsync'd, the old file's mode and any symlink kept), so an error or
 * a full disk never leaves half a picture where a user's file was. wk_image_grid lays
 * images out in a padded sheet. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/file.h"
#include "codec.h"

/* ---- loading -------------------------------------------------------------------- */

int wk_image_check_dims(const char *path, const char *format, int64_t w, int64_t h)
{
    if (w <= 0 || h <= 0)
        return wk_fail("'%s' is a corrupt %s: its header gives a size of %lldx%lld pixels", path, format,
                       (long long)w, (long long)h);
    if (w > WK_IMAGE_MAX_SIDE || h > WK_IMAGE_MAX_SIDE || w * h > WK_IMAGE_MAX_PIXELS)
        return wk_fail("'%s' claims to be %lldx%lld pixels, more than wick will load (%lld pixels, "
                       "%d on a side); is the file corrupt?",
                       path, (long long)w, (long long)h, (long long)WK_IMAGE_MAX_PIXELS, WK_IMAGE_MAX_SIDE);
    return WK_OK;
}

/* A short name for a format we recognise but do not read, or NULL. */
static const char *other_format(const unsigned char *b, size_t n)
{
    if (n >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6))) return "a GIF image";
    if (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4)) return "a WebP image";
    if (n >= 4 && (!memcmp(b, "II*\0", 4) || !memcmp(b, "MM\0*", 4))) return "a TIFF image";
    if (n >= 2 && b[0] == 'B' && b[1] == 'M') return "a BMP image";
    if (n >= 12 && !memcmp(b + 4, "ftyp", 4)) return "an HEIF/AVIF or MP4 file";
    if (n >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') return "a PNM (PPM/PGM/PBM) image";
    if (n >= 5 && (!memcmp(b, "<?xml", 5) || !memcmp(b, "<svg", 4))) return "an SVG or XML file";
    return NULL;
}

int wk_image_load(wk_tensor *dst, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return wk_fail("cannot open '%s': %s", path, strerror(errno));
    wk_file_note_read(path);   /* the run log's inputs (file.h) */
    unsigned char magic[12];
    size_t n = fread(magic, 1, sizeof magic, f);
    int rc;
    if (n == 0 && ferror(f)) {
        rc = wk_fail("cannot read '%s': %s", path, strerror(errno));
    } else if (n == 0) {
        rc = wk_fail("'%s' is empty, not an image", path);
    } else if (n >= 8 && !memcmp(magic, "\x89PNG\r\n\x1a\n", 8)) {
        rewind(f);
        rc = wk_png_read(dst, f, path);
    } else if (n >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) {
        rewind(f);
        rc = wk_jpeg_read(dst, f, path);
    } else {
        const char *what = other_format(magic, n);
        if (what) {
            rc = wk_fail("'%s' is %s; wick reads PNG and JPEG", path, what);
        } else {
            char hex[40] = "";
            for (size_t i = 0; i < n && i < 4; i++) snprintf(hex + (i ? 3 * i - 1 : 0), 4, i ? " %02x" : "%02x", magic[i]);
            rc = wk_fail("'%s' is not a PNG or JPEG file (it starts with the bytes %s)", path, hex);
        }
    }
    fclose(f);
    return rc;
}

/* ---- saving --------------------------------------------------------------------- */

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

int wk_image_save(const wk_tensor *t, const char *path, const wk_image_save_opts *opts)
{
    char buf[160];
    wk_image_save_opts o = {0};
    if (opts) o = *opts;
    if (!o.bits) o.bits = 8;
    if (!o.quality) o.quality = 90;
    if (o.bits != 8 && o.bits != 16) return wk_fail("bits must be 8 or 16, got %d", o.bits);
    if (o.quality < 1 || o.quality > 100) return wk_fail("quality must be 1 to 100, got %d", o.quality);

    /* a C×H×W view of t */
    wk_tensor img = *t;
    img.storage = t->storage;
    if (t->ndim == 2) {
        img.ndim = 3;
        img.shape[0] = 1, img.shape[1] = t->shape[0], img.shape[2] = t->shape[1];
        img.stride[0] = 0, img.stride[1] = t->stride[0], img.stride[2] = t->stride[1];
    } else if (t->ndim != 3 || t->shape[0] < 1 || t->shape[0] > 4) {
        return wk_fail("expected an image C×H×W with 1 to 4 channels (or H×W), got shape %s",
                       wk_tensor_shape_str(t, buf, sizeof buf));
    }
    if (img.shape[1] < 1 || img.shape[2] < 1)
        return wk_fail("cannot save an empty image of shape %s", wk_tensor_shape_str(t, buf, sizeof buf));
    if (img.shape[1] > WK_IMAGE_MAX_SIDE || img.shape[2] > WK_IMAGE_MAX_SIDE)
        return wk_fail("image of shape %s is too big to save (at most %d pixels on a side)",
                       wk_tensor_shape_str(t, buf, sizeof buf), WK_IMAGE_MAX_SIDE);
    int jpeg = ends_with_ci(path, ".jpg") || ends_with_ci(path, ".jpeg");
    if (jpeg && (img.shape[0] == 2 || img.shape[0] == 4))
        return wk_fail("JPEG has no alpha channel; cannot save shape %s as '%s' (save a .png, or drop "
                       "the alpha channel)", wk_tensor_shape_str(t, buf, sizeof buf), path);
    if (!path[0]) return wk_fail("cannot write '': empty file name");

    wk_file_out out;
    if (wk_file_out_open(&out, path, WK_FILE_MKDIRS)) return WK_ERR;
    if ((jpeg ? wk_jpeg_write : wk_png_write)(out.f, path, &img, &o)) {
        wk_file_out_abort(&out);
        return WK_ERR;
    }
    return wk_file_out_commit(&out);
}

/* ---- contact sheet -------------------------------------------------------------- */

/* Image k as C×H×W (H×W gets C = 1). */
static void as_chw(wk_tensor *v, const wk_tensor *t)
{
    *v = *t;
    if (t->ndim == 2) {
        v->ndim = 3;
        v->shape[0] = 1, v->shape[1] = t->shape[0], v->shape[2] = t->shape[1];
        v->stride[0] = 0, v->stride[1] = t->stride[0], v->stride[2] = t->stride[1];
    }
}

int wk_image_grid(wk_tensor *dst, const wk_tensor *const *images, int64_t n, int cols, int pad, float pad_value)
{
    char buf[160], buf2[160];
    if (n <= 0) return wk_fail("no images to lay out");
    if (pad < 0) return wk_fail("pad must be >= 0, got %d", pad);
    int64_t c = 0, cell_h = 0, cell_w = 0;
    for (int64_t k = 0; k < n; k++) {
        const wk_tensor *t = images[k];
        if (t->ndim != 2 && t->ndim != 3)
            return wk_fail("image %lld must be C×H×W or H×W, got shape %s", (long long)k + 1,
                           wk_tensor_shape_str(t, buf, sizeof buf));
        wk_tensor v;
        as_chw(&v, t);
        if (k == 0) c = v.shape[0];
        else if (v.shape[0] != c)
            return wk_fail("all images need the same number of channels: image 1 has shape %s, image %lld has %s",
                           wk_tensor_shape_str(images[0], buf, sizeof buf), (long long)k + 1,
                           wk_tensor_shape_str(t, buf2, sizeof buf2));
        if (v.shape[1] > cell_h) cell_h = v.shape[1];
        if (v.shape[2] > cell_w) cell_w = v.shape[2];
    }
    int64_t ncols = cols > 0 ? cols : (int64_t)ceil(sqrt((double)n));
    while (cols <= 0 && ncols * ncols < n) ncols++;   /* guard sqrt rounding */
    if (ncols > n) ncols = n;
    int64_t nrows = (n + ncols - 1) / ncols;
    int64_t shape[3] = {c, nrows * (cell_h + pad) + pad, ncols * (cell_w + pad) + pad};
    if (shape[1] > (int64_t)1 << 31 || shape[2] > (int64_t)1 << 31)
        return wk_fail("the sheet would be %lldx%lld pixels; too big", (long long)shape[1], (long long)shape[2]);
    if (wk_tensor_new(dst, 3, shape)) return WK_ERR;
    wk_tensor_fill_(dst, pad_value);
    float *out = wk_tensor_data(dst);
    for (int64_t k = 0; k < n; k++) {
        wk_tensor v;
        as_chw(&v, images[k]);
        int64_t h = v.shape[1], w = v.shape[2];
        int64_t y0 = pad + (k / ncols) * (cell_h + pad) + (cell_h - h) / 2;
        int64_t x0 = pad + (k % ncols) * (cell_w + pad) + (cell_w - w) / 2;
        const float *src = wk_tensor_data(&v);
        for (int64_t ch = 0; ch < c; ch++)
            for (int64_t y = 0; y < h; y++) {
                float *o = out + (ch * shape[1] + y0 + y) * shape[2] + x0;
                const float *s = src + ch * v.stride[0] + y * v.stride[1];
                int64_t sx = v.stride[2];
                if (sx == 1) memcpy(o, s, (size_t)w * sizeof *o);
                else
                    for (int64_t x = 0; x < w; x++) o[x] = s[x * sx];
            }
    }
    return WK_OK;
}
