/* png.c — PNG files to and from C×H×W float tensors, with libpng.
 *
 * Reading asks libpng to expand every stored form to 8 or 16 bits per sample (palette
 * to RGB, 1/2/4-bit grey to 8 bits, a tRNS chunk to an alpha channel) and converts
 * row by row into planes, dividing by 255 or 65535; sample values are taken as stored
 * (no gamma or colour-profile conversion, as PIL and torchvision do). Writing
 * quantises each row from the tensor's strides (clamp, round, NaN as 0) and adds tEXt
 * chunks. Before anything is allocated, libpng's own limits bound what a chunk may ask
 * for and the picture's size is checked against wick's limits and the machine's
 * memory, so a few bytes cannot cost gigabytes. libpng reports errors by longjmp: each setjmp sits in a small function
 * whose resources belong to a context struct in the caller's frame, so nothing the
 * jump skips over is lost and the caller frees everything once, on every path. */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "codec.h"

#define CHUNK_MAX ((png_alloc_size_t)8 << 20)   /* bytes for one ancillary chunk */
#define CHUNK_CACHE 128                          /* ancillary chunks kept */

typedef struct png_ctx {
    const char *path;
    FILE *f;
    jmp_buf jump;
    char msg[256];        /* libpng's reason, or ours */
    int truncated;        /* the file ended early */
    int read_errno;       /* fread/fwrite failed with this */
    int dims_refused;     /* message already set by wk_image_check_dims */
    int too_big;          /* libpng refused the header's size (user limits) */
    int64_t nbytes;       /* bytes read or written so far */
    png_structp png;
    png_infop info;
    unsigned char *rows;  /* (H or 1, rowbytes) decoded or encoded samples */
    png_bytep *row_ptrs;  /* (H) into rows, for interlaced images */
    png_textp text;       /* (ntext) for writing */
} png_ctx;

static void on_error(png_structp png, png_const_charp msg)
{
    png_ctx *ctx = png_get_error_ptr(png);
    if (!ctx->msg[0]) snprintf(ctx->msg, sizeof ctx->msg, "%s", msg);
    longjmp(ctx->jump, 1);
}

/* lib never prints; the one warning we keep is png_set_user_limits' refusal of a size
 * (libpng then fails with a bare "Invalid IHDR data"). */
static void on_warning(png_structp png, png_const_charp msg)
{
    png_ctx *ctx = png_get_error_ptr(png);
    if (strstr(msg, "exceeds user limit")) ctx->too_big = 1;
}

static void on_read(png_structp png, png_bytep data, size_t len)
{
    png_ctx *ctx = png_get_io_ptr(png);
    size_t n = fread(data, 1, len, ctx->f);
    ctx->nbytes += (int64_t)n;
    if (n < len) {
        if (ferror(ctx->f)) ctx->read_errno = errno ? errno : EIO;
        else ctx->truncated = 1;
        png_error(png, "unexpected end of file");
    }
}

static void on_write(png_structp png, png_bytep data, size_t len)
{
    png_ctx *ctx = png_get_io_ptr(png);
    if (fwrite(data, 1, len, ctx->f) != len) {
        ctx->read_errno = errno ? errno : EIO;
        png_error(png, "write failed");
    }
    ctx->nbytes += (int64_t)len;
}

static void on_flush(png_structp png) { (void)png; }

/* ---- reading -------------------------------------------------------------------- */

/* Samples of row y (interleaved, 8 or 16 bits big-endian) into the planes of dst. */
static void unpack_row(wk_tensor *dst, int64_t y, const unsigned char *row, int depth, const float *lut8)
{
    int64_t c = dst->shape[0], h = dst->shape[1], w = dst->shape[2];
    float *base = wk_tensor_data(dst) + y * w;
    for (int64_t ch = 0; ch < c; ch++) {
        float *o = base + ch * h * w;
        if (depth == 8) {
            const unsigned char *s = row + ch;
            for (int64_t x = 0; x < w; x++) o[x] = lut8[s[x * c]];
        } else {
            const unsigned char *s = row + 2 * ch;
            for (int64_t x = 0; x < w; x++) {
                unsigned v = (unsigned)s[2 * x * c] << 8 | s[2 * x * c + 1];
                o[x] = (float)v / 65535.0f;
            }
        }
    }
}

/* Everything libpng may jump out of; resources go into ctx for the caller to free. */
static int read_body(png_ctx *ctx, wk_tensor *dst)
{
    if (setjmp(ctx->jump)) return WK_ERR;
    png_structp png = ctx->png;
    png_infop info = ctx->info;
    png_set_read_fn(png, ctx, on_read);
    /* No chunk may make libpng allocate what the file does not hold. libpng allocates
     * a text or profile chunk's claimed length before reading it (2 GB for a 48-byte
     * file whose tEXt says so), and this libpng (1.6.39) does not apply its chunk
     * malloc limit there; wick uses none of those chunks, so every ancillary chunk but
     * tRNS is skipped as it is read, in small pieces. libpng's limits stay set for
     * what remains: sides past ours stop it at the header. */
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_AS_DEFAULT, (png_const_bytep) "tRNS", 1);
    png_set_user_limits(png, WK_IMAGE_MAX_SIDE, WK_IMAGE_MAX_SIDE);
    png_set_chunk_cache_max(png, CHUNK_CACHE);
    png_set_chunk_malloc_max(png, CHUNK_MAX);
    png_read_info(png, info);
    png_uint_32 w, h;
    int depth, color, interlace;
    png_get_IHDR(png, info, &w, &h, &depth, &color, &interlace, NULL, NULL);
    if (wk_image_check_dims(ctx->path, "PNG", w, h)) {
        ctx->dims_refused = 1;
        return WK_ERR;
    }
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || (depth != 8 && depth != 16) || rowbytes < (size_t)w * channels * (depth / 8)) {
        snprintf(ctx->msg, sizeof ctx->msg, "unsupported layout (%d channels of %d bits)", channels, depth);
        return WK_ERR;
    }

    /* The floats and libpng's rows, checked against the machine before either is
     * allocated (w, h <= 65535 and channels <= 4: no product here overflows). */
    double need = (double)w * h * channels * sizeof(float) + (double)rowbytes * (passes > 1 ? h : 1);
    char what[96];
    snprintf(what, sizeof what, "'%s' (%ux%u PNG, %d channels)", ctx->path, (unsigned)w, (unsigned)h, channels);
    if (wk_memory_check(need, what)) {
        ctx->dims_refused = 1;
        return WK_ERR;
    }
    int64_t shape[3] = {channels, h, w};
    if (wk_tensor_new(dst, 3, shape)) {
        snprintf(ctx->msg, sizeof ctx->msg, "%s", wk_errmsg());
        return WK_ERR;
    }
    float lut8[256];
    for (int i = 0; i < 256; i++) lut8[i] = (float)i / 255.0f;
    if (passes > 1) {   /* interlaced: libpng needs the whole picture */
        ctx->rows = malloc(rowbytes * h);
        ctx->row_ptrs = malloc(sizeof *ctx->row_ptrs * h);
        if (!ctx->rows || !ctx->row_ptrs) {
            snprintf(ctx->msg, sizeof ctx->msg, "out of memory for %u rows of %zu bytes", (unsigned)h, rowbytes);
            return WK_ERR;
        }
        for (png_uint_32 y = 0; y < h; y++) ctx->row_ptrs[y] = ctx->rows + y * rowbytes;
        png_read_image(png, ctx->row_ptrs);
        for (png_uint_32 y = 0; y < h; y++) unpack_row(dst, y, ctx->row_ptrs[y], depth, lut8);
    } else {
        ctx->rows = malloc(rowbytes);
        if (!ctx->rows) {
            snprintf(ctx->msg, sizeof ctx->msg, "out of memory for a row of %zu bytes", rowbytes);
            return WK_ERR;
        }
        for (png_uint_32 y = 0; y < h; y++) {
            png_read_row(png, ctx->rows, NULL);
            unpack_row(dst, y, ctx->rows, depth, lut8);
        }
    }
    /* Trailing chunks after the pixels (and a missing IEND) are not worth refusing a
     * complete picture for, so png_read_end is not called. */
    return WK_OK;
}

int wk_png_read(wk_tensor *dst, FILE *f, const char *path)
{
    png_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.path = path;
    ctx.f = f;
    ctx.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (ctx.png) ctx.info = png_create_info_struct(ctx.png);
    if (!ctx.png || !ctx.info) {
        png_destroy_read_struct(ctx.png ? &ctx.png : NULL, NULL, NULL);
        return wk_fail("cannot read '%s': libpng could not start (out of memory?)", path);
    }
    int rc = read_body(&ctx, dst);
    png_destroy_read_struct(&ctx.png, &ctx.info, NULL);
    free(ctx.rows);
    free(ctx.row_ptrs);
    if (rc == WK_OK) return WK_OK;
    wk_tensor_release(dst);
    if (ctx.dims_refused) return WK_ERR;
    if (ctx.read_errno) return wk_fail("cannot read '%s': %s", path, strerror(ctx.read_errno));
    unsigned char ihdr[8];   /* png_set_user_limits stopped it at the header: say the size */
    if (ctx.too_big && fseek(f, 16, SEEK_SET) == 0 && fread(ihdr, 1, 8, f) == 8)
        return wk_image_check_dims(path, "PNG", (int64_t)ihdr[0] << 24 | ihdr[1] << 16 | ihdr[2] << 8 | ihdr[3],
                                   (int64_t)ihdr[4] << 24 | ihdr[5] << 16 | ihdr[6] << 8 | ihdr[7]);
    if (ctx.truncated)
        return wk_fail("'%s' is a truncated PNG: the file ends after %lld bytes, before the picture is complete",
                       path, (long long)ctx.nbytes);
    return wk_fail("'%s' is a corrupt PNG: %s", path, ctx.msg);
}

/* ---- writing -------------------------------------------------------------------- */

void wk_image_pack_row(unsigned char *row, const wk_tensor *img, int64_t y, int depth)
{
    int64_t c = img->shape[0], w = img->shape[2], sx = img->stride[2];
    for (int64_t ch = 0; ch < c; ch++) {
        const float *s = wk_tensor_data(img) + ch * img->stride[0] + y * img->stride[1];
        if (depth == 8) {
            unsigned char *o = row + ch;
            for (int64_t x = 0; x < w; x++) o[x * c] = (unsigned char)wk_image_quantise(s[x * sx], 255.0f);
        } else {
            unsigned char *o = row + 2 * ch;
            for (int64_t x = 0; x < w; x++) {
                unsigned v = wk_image_quantise(s[x * sx], 65535.0f);
                o[2 * x * c] = (unsigned char)(v >> 8);
                o[2 * x * c + 1] = (unsigned char)v;
            }
        }
    }
}

static int write_body(png_ctx *ctx, const wk_tensor *img, const wk_image_save_opts *o)
{
    if (setjmp(ctx->jump)) return WK_ERR;
    static const int types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                 PNG_COLOR_TYPE_RGB_ALPHA};
    png_structp png = ctx->png;
    png_infop info = ctx->info;
    int64_t c = img->shape[0], h = img->shape[1], w = img->shape[2];
    png_set_write_fn(png, ctx, on_write, on_flush);
    /* One filter and a light zlib level: libpng's default (every filter tried on every
     * row, level 6) made saving a 1400² picture take 4x longer for files only 2% smaller,
     * and saving is what a re-run under --watch mostly does. */
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
    png_set_compression_level(png, 3);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, o->bits, types[c], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (o->ntext > 0) {
        ctx->text = calloc((size_t)o->ntext, sizeof *ctx->text);
        if (!ctx->text) {
            snprintf(ctx->msg, sizeof ctx->msg, "out of memory");
            return WK_ERR;
        }
        for (int i = 0; i < o->ntext; i++) {
            ctx->text[i].compression = PNG_TEXT_COMPRESSION_NONE;
            ctx->text[i].key = (png_charp)o->text[i].key;
            ctx->text[i].text = (png_charp)o->text[i].value;
        }
        png_set_text(png, info, ctx->text, o->ntext);
    }
    png_write_info(png, info);
    size_t rowbytes = (size_t)w * (size_t)c * (size_t)(o->bits / 8);
    ctx->rows = malloc(rowbytes);
    if (!ctx->rows) {
        snprintf(ctx->msg, sizeof ctx->msg, "out of memory for a row of %zu bytes", rowbytes);
        return WK_ERR;
    }
    for (int64_t y = 0; y < h; y++) {
        wk_image_pack_row(ctx->rows, img, y, o->bits);
        png_write_row(png, ctx->rows);
    }
    png_write_end(png, info);
    return WK_OK;
}

int wk_png_write(FILE *f, const char *path, const wk_tensor *img, const wk_image_save_opts *opts)
{
    png_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.path = path;
    ctx.f = f;
    ctx.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (ctx.png) ctx.info = png_create_info_struct(ctx.png);
    if (!ctx.png || !ctx.info) {
        png_destroy_write_struct(ctx.png ? &ctx.png : NULL, NULL);
        return wk_fail("cannot write '%s': libpng could not start (out of memory?)", path);
    }
    int rc = write_body(&ctx, img, opts);
    png_destroy_write_struct(&ctx.png, &ctx.info);
    free(ctx.rows);
    free(ctx.text);
    if (rc == WK_OK) return WK_OK;
    if (ctx.read_errno) return wk_fail("cannot write '%s': %s", path, strerror(ctx.read_errno));
    return wk_fail("cannot write '%s': %s", path, ctx.msg);
}
