/* jpeg.c — JPEG files to and from C×H×W float tensors, with libjpeg(-turbo).
 *
 * Reading gives 1 channel for greyscale files and 3 (RGB) for colour ones; CMYK and
 * YCCK files (Photoshop's print JPEGs) are converted to RGB here, undoing the
 * inverted storage Adobe writes. libjpeg's error_exit is replaced by a longjmp that
 * keeps its message; of its warnings, "Premature end of JPEG file" and "premature end
 * of data segment" (a scan's data stops at a marker) are made errors, since either
 * would decode silently with grey rows where the data is missing, and the rest are
 * ignored, as image viewers do. Nothing is printed. Before decoding, the
 * picture's size is checked against wick's limits and the machine's memory, libjpeg's
 * own allocations are held to what such a picture needs, and a file with endless scans
 * is stopped. Writing produces a
 * baseline JPEG (quality 90 by default, no chroma subsampling from 90 up) with the
 * metadata as one comment marker. As in png.c, the setjmp lives in a small function
 * whose resources belong to a struct in the caller's frame. */
#include <setjmp.h>
#include <stdio.h>     /* before jpeglib.h, which needs FILE and size_t */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "../core/limits.h"
#include "codec.h"

typedef struct jpeg_err {
    struct jpeg_error_mgr pub;    /* first: libjpeg sees only this */
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
    int truncated;        /* 1: the file ends early, 2: a scan's data does */
} jpeg_err;

static void on_error_exit(j_common_ptr cinfo)
{
    jpeg_err *err = (jpeg_err *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->msg);
    longjmp(err->jump, 1);
}

static void on_emit_message(j_common_ptr cinfo, int level)
{
    jpeg_err *err = (jpeg_err *)cinfo->err;
    if (level < 0) cinfo->err->num_warnings++;
    if (level < 0 && (cinfo->err->msg_code == JWRN_JPEG_EOF || cinfo->err->msg_code == JWRN_HIT_MARKER)) {
        err->truncated = cinfo->err->msg_code == JWRN_JPEG_EOF ? 1 : 2;
        on_error_exit(cinfo);
    }
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void init_err(jpeg_err *err)
{
    jpeg_std_error(&err->pub);
    err->pub.error_exit = on_error_exit;
    err->pub.emit_message = on_emit_message;
    err->pub.output_message = on_output_message;
}

/* ---- reading -------------------------------------------------------------------- */

/* A file may repeat scans without end, each one a pass over the whole picture (the
 * known way to make libjpeg decode for minutes): more than MAX_SCANS is refused, as
 * libjpeg-turbo's djpeg -maxscan does. */
#define MAX_SCANS 500

static void on_progress(j_common_ptr cinfo)
{
    if (cinfo->is_decompressor && ((j_decompress_ptr)cinfo)->input_scan_number > MAX_SCANS) {
        jpeg_err *err = (jpeg_err *)cinfo->err;
        snprintf(err->msg, sizeof err->msg, "more than %d scans (a real JPEG has a few dozen at most)", MAX_SCANS);
        longjmp(err->jump, 1);
    }
}

typedef struct jpeg_read_ctx {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_progress_mgr progress;
    jpeg_err err;
    const char *path;
    int dims_refused;
    unsigned char *row;   /* (W * components) one decoded scanline */
} jpeg_read_ctx;

/* One decoded scanline into row y of dst's planes. */
static void unpack_row(wk_tensor *dst, int64_t y, const unsigned char *row, int comps, int adobe, const float *lut8)
{
    int64_t h = dst->shape[1], w = dst->shape[2], plane = h * w;
    float *o = wk_tensor_data(dst) + y * w;
    if (comps == 1) {
        for (int64_t x = 0; x < w; x++) o[x] = lut8[row[x]];
    } else if (comps == 3) {
        for (int ch = 0; ch < 3; ch++)
            for (int64_t x = 0; x < w; x++) o[ch * plane + x] = lut8[row[3 * x + ch]];
    } else {   /* CMYK: Adobe stores 255 - value, so c·k/255 is already (1-C)(1-K) */
        for (int64_t x = 0; x < w; x++) {
            const unsigned char *p = row + 4 * x;
            unsigned k = adobe ? p[3] : 255u - p[3];
            for (int ch = 0; ch < 3; ch++) {
                unsigned v = adobe ? p[ch] : 255u - p[ch];
                o[ch * plane + x] = (float)(v * k) / (255.0f * 255.0f);
            }
        }
    }
}

static int read_body(jpeg_read_ctx *ctx, FILE *f, wk_tensor *dst)
{
    struct jpeg_decompress_struct *cinfo = &ctx->cinfo;
    if (setjmp(ctx->err.jump)) return WK_ERR;
    jpeg_create_decompress(cinfo);
    cinfo->progress = &ctx->progress;
    jpeg_stdio_src(cinfo, f);
    jpeg_read_header(cinfo, TRUE);
    int64_t iw = cinfo->image_width, ih = cinfo->image_height;
    if (wk_image_check_dims(ctx->path, "JPEG", iw, ih)) {
        ctx->dims_refused = 1;
        return WK_ERR;
    }
    /* What decoding may cost, checked before libjpeg or we allocate: our floats (3
     * channels at most) and libjpeg's whole-image coefficient buffers (progressive and
     * multi-scan files: 2 bytes a sample per component, padded to whole MCUs) plus
     * its row buffers. libjpeg is held to that budget, so a header that lies about its
     * components cannot make it take more (it has no backing store: it fails). */
    double samples = (double)(iw + 32) * (double)(ih + 32) * cinfo->num_components;
    double budget = samples * sizeof(JCOEF) + (16 << 20);
    char what[96];
    snprintf(what, sizeof what, "'%s' (%lldx%lld JPEG)", ctx->path, (long long)iw, (long long)ih);
    if (wk_memory_check((double)iw * (double)ih * 3 * sizeof(float) + budget, what)) {
        ctx->dims_refused = 1;
        return WK_ERR;
    }
    cinfo->mem->max_memory_to_use = (long)budget;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo->out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo->out_color_space = JCS_CMYK; break;
    default: cinfo->out_color_space = JCS_RGB; break;
    }
    jpeg_start_decompress(cinfo);
    int comps = cinfo->output_components;
    int64_t w = cinfo->output_width, h = cinfo->output_height;
    if (comps != 1 && comps != 3 && comps != 4) {
        snprintf(ctx->err.msg, sizeof ctx->err.msg, "unsupported number of components %d", comps);
        return WK_ERR;
    }
    int64_t shape[3] = {comps == 1 ? 1 : 3, h, w};
    if (wk_tensor_new(dst, 3, shape)) {
        snprintf(ctx->err.msg, sizeof ctx->err.msg, "%s", wk_errmsg());
        return WK_ERR;
    }
    ctx->row = malloc((size_t)w * (size_t)comps);
    if (!ctx->row) {
        snprintf(ctx->err.msg, sizeof ctx->err.msg, "out of memory");
        return WK_ERR;
    }
    float lut8[256];
    for (int i = 0; i < 256; i++) lut8[i] = (float)i / 255.0f;
    int adobe = cinfo->saw_Adobe_marker;
    JSAMPROW rows[1] = {ctx->row};
    while (cinfo->output_scanline < cinfo->output_height) {
        int64_t y = cinfo->output_scanline;
        if (jpeg_read_scanlines(cinfo, rows, 1) != 1) {
            snprintf(ctx->err.msg, sizeof ctx->err.msg, "decoder stopped at row %lld", (long long)y);
            return WK_ERR;
        }
        unpack_row(dst, y, ctx->row, comps, adobe, lut8);
    }
    /* Like png.c, anything after the last pixel row (even a missing end marker) is
     * not worth refusing a complete picture for: no jpeg_finish_decompress. */
    return WK_OK;
}

int wk_jpeg_read(wk_tensor *dst, FILE *f, const char *path)
{
    jpeg_read_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.path = path;
    init_err(&ctx.err);
    ctx.cinfo.err = &ctx.err.pub;
    ctx.progress.progress_monitor = on_progress;
    int rc = read_body(&ctx, f, dst);
    jpeg_destroy_decompress(&ctx.cinfo);
    free(ctx.row);
    if (rc == WK_OK) return WK_OK;
    wk_tensor_release(dst);
    if (ctx.dims_refused) return WK_ERR;
    if (ctx.err.truncated == 1)
        return wk_fail("'%s' is a truncated JPEG: the file ends before the picture is complete", path);
    if (ctx.err.truncated == 2)
        return wk_fail("'%s' is a corrupt JPEG: its image data stops before the picture is complete", path);
    return wk_fail("'%s' is a corrupt JPEG: %s", path, ctx.err.msg);
}

/* ---- writing -------------------------------------------------------------------- */

typedef struct jpeg_write_ctx {
    struct jpeg_compress_struct cinfo;
    jpeg_err err;
    unsigned char *row;   /* (W * C) one scanline */
    char *comment;
} jpeg_write_ctx;

static int write_body(jpeg_write_ctx *ctx, FILE *f, const wk_tensor *img, const wk_image_save_opts *o)
{
    struct jpeg_compress_struct *cinfo = &ctx->cinfo;
    if (setjmp(ctx->err.jump)) return WK_ERR;
    jpeg_create_compress(cinfo);
    jpeg_stdio_dest(cinfo, f);
    int c = (int)img->shape[0];
    cinfo->image_width = (JDIMENSION)img->shape[2];
    cinfo->image_height = (JDIMENSION)img->shape[1];
    cinfo->input_components = c;
    cinfo->in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, o->quality, TRUE);
    if (o->quality >= 90 && c == 3) cinfo->comp_info[0].h_samp_factor = cinfo->comp_info[0].v_samp_factor = 1;
    jpeg_start_compress(cinfo, TRUE);
    if (o->ntext > 0) {
        size_t len = 1;
        for (int i = 0; i < o->ntext; i++) len += strlen(o->text[i].key) + strlen(o->text[i].value) + 2;
        ctx->comment = malloc(len);
        if (!ctx->comment) {
            snprintf(ctx->err.msg, sizeof ctx->err.msg, "out of memory");
            return WK_ERR;
        }
        size_t used = 0;
        for (int i = 0; i < o->ntext; i++)
            used += (size_t)snprintf(ctx->comment + used, len - used, "%s%s=%s", i ? "\n" : "", o->text[i].key,
                                     o->text[i].value);
        if (used > 65000) used = 65000;
        jpeg_write_marker(cinfo, JPEG_COM, (const JOCTET *)ctx->comment, (unsigned)used);
    }
    ctx->row = malloc((size_t)img->shape[2] * (size_t)c);
    if (!ctx->row) {
        snprintf(ctx->err.msg, sizeof ctx->err.msg, "out of memory");
        return WK_ERR;
    }
    JSAMPROW rows[1] = {ctx->row};
    for (int64_t y = 0; y < img->shape[1]; y++) {
        wk_image_pack_row(ctx->row, img, y, 8);
        jpeg_write_scanlines(cinfo, rows, 1);
    }
    jpeg_finish_compress(cinfo);
    return WK_OK;
}

int wk_jpeg_write(FILE *f, const char *path, const wk_tensor *img, const wk_image_save_opts *opts)
{
    jpeg_write_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    init_err(&ctx.err);
    ctx.cinfo.err = &ctx.err.pub;
    int rc = write_body(&ctx, f, img, opts);
    jpeg_destroy_compress(&ctx.cinfo);
    free(ctx.row);
    free(ctx.comment);
    if (rc == WK_OK) return WK_OK;
    return wk_fail("cannot write '%s': %s", path, ctx.err.msg);
}
