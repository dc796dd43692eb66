/* video.c — the plumbing of wick's video files: which codec reads or writes a file,
 * where the bytes come from, temporary files, frame sizes, and numbered PNG frames.
 *
 * Reading recognises a GIF by its signature and hands everything else to libavformat
 * (av.c), through one read/seek source over a FILE or a memory buffer, so a fuzz
 * target feeds bytes exactly as a file would be read. A name holding a %d-style
 * conversion is a numbered-frame pattern, read with lib/media/image.c. The codecs
 * speak 8-bit interleaved RGB (H×W×3); the conversion to and from float 3×H×W tensors
 * (clamp, round, NaN as 0; grey repeated into three channels; odd sides padded for
 * 4:2:0 codecs) lives here once. Writers put the whole video in a temporary file
 * beside the target (lib/core/file.h) that becomes the target only at a successful
 * close. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../core/file.h"
#include "../core/limits.h"
#include "codec.h"
#include "video_codec.h"

#define MAX_PATTERN_FRAMES 10000000   /* numbered frames a pattern may count */

/* ---- sources -------------------------------------------------------------------- */

long wk_video_src_read(wk_video_src *s, void *buf, size_t n)
{
    if (s->f) {
        size_t got = fread(buf, 1, n, s->f);
        if (got < n && ferror(s->f)) return -1;
        return (long)got;
    }
    size_t left = s->pos < s->size ? s->size - s->pos : 0;
    if (n > left) n = left;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return (long)n;
}

int64_t wk_video_src_seek(wk_video_src *s, int64_t off, int whence)
{
    if (s->f) {
        if (fseeko(s->f, (off_t)off, whence)) return -1;
        return (int64_t)ftello(s->f);
    }
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)s->pos : (int64_t)s->size;
    int64_t to;
    if (wk_add_overflows(base, off, &to) || to < 0) return -1;
    s->pos = (size_t)(to > (int64_t)s->size ? (int64_t)s->size : to);
    return to;
}

int64_t wk_video_src_size(wk_video_src *s)
{
    return s->f ? wk_file_size(s->f) : (int64_t)s->size;
}

int wk_video_check_dims(const char *name, const char *format, int64_t w, int64_t h)
{
    return wk_image_check_dims(name, format, w, h);
}

/* ---- numbered frames ------------------------------------------------------------ */

/* A pattern holds exactly one %d, %Nd or %0Nd (N one digit) and no other '%' but
 * "%%"; returns 1 for such a name, 0 for a plain name, -1 (with a message) for a
 * name that has a '%' but is not a usable pattern. */
static int frame_pattern(const char *path)
{
    int convs = 0;
    for (const char *p = path; *p; p++) {
        if (*p != '%') continue;
        if (p[1] == '%') { p++; continue; }
        const char *q = p + 1;
        if (*q == '0') q++;
        if (*q >= '1' && *q <= '9') q++;
        if (*q != 'd') {
            wk_fail("'%s': a frame pattern takes one %%d, %%4d or %%04d (and %%%% for a percent sign)", path);
            return -1;
        }
        convs++;
        p = q;
    }
    if (convs > 1) {
        wk_fail("'%s': a frame pattern takes one %%d, not %d", path, convs);
        return -1;
    }
    return convs;
}

static void frame_name(char *buf, size_t size, const char *pattern, int64_t k)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(buf, size, pattern, (int)k);   /* checked by frame_pattern */
#pragma GCC diagnostic pop
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- reading -------------------------------------------------------------------- */

struct wk_video_reader {
    wk_video_info info;
    wk_video_src src;
    char *name;                  /* malloc'd copy, for messages */
    wk_video_codec_reader cr;    /* a codec's reader, or state NULL for patterns */
    const unsigned char *first;  /* the first frame, decoded at open, not yet returned */
    int ended;
    int64_t next_index, last_index;   /* numbered frames: next to read, last present */
};

void wk_video_close(wk_video_reader *r)
{
    if (!r) return;
    if (r->cr.free) r->cr.free(r->cr.state);
    if (r->src.f) fclose(r->src.f);
    free(r->name);
    free(r);
}

const wk_video_info *wk_video_reader_info(const wk_video_reader *r) { return &r->info; }

/* An RGB frame (H×W×3 bytes) into a new 3×H×W tensor. */
static int rgb_to_tensor(wk_tensor *dst, const unsigned char *rgb, int64_t h, int64_t w)
{
    float lut[256];   /* per call: a shared table filled lazily would race between threads */
    for (int i = 0; i < 256; i++) lut[i] = (float)i / 255.0f;
    int64_t shape[3] = {3, h, w};
    if (wk_tensor_new(dst, 3, shape)) return WK_ERR;
    float *o = wk_tensor_data(dst);
    int64_t plane = h * w;
    for (int64_t i = 0; i < plane; i++) {
        o[i] = lut[rgb[3 * i]];
        o[plane + i] = lut[rgb[3 * i + 1]];
        o[2 * plane + i] = lut[rgb[3 * i + 2]];
    }
    return WK_OK;
}

/* Open the codec reader for r->src and decode the first frame. */
static int open_codec(wk_video_reader *r)
{
    unsigned char magic[6];
    long n = wk_video_src_read(&r->src, magic, sizeof magic);
    if (n < 0) return wk_fail("cannot read '%s': %s", r->name, strerror(errno ? errno : EIO));
    if (n == 0) return wk_fail("'%s' is empty, not a video", r->name);
    if (wk_video_src_seek(&r->src, 0, SEEK_SET) != 0) return wk_fail("cannot rewind '%s'", r->name);
    int gif = n == 6 && (!memcmp(magic, "GIF87a", 6) || !memcmp(magic, "GIF89a", 6));
    if ((gif ? wk_gif_open_reader : wk_av_open_reader)(&r->src, &r->info, &r->cr)) return WK_ERR;
    int rc = r->cr.next(r->cr.state, &r->first);
    if (rc == 0) return wk_fail("'%s' holds no video frames", r->name);
    return rc < 0 ? WK_ERR : WK_OK;
}

static int reader_new(wk_video_reader **out, const char *name)
{
    *out = NULL;
    wk_video_reader *r = calloc(1, sizeof *r);
    if (r) r->name = strdup(name);
    if (!r || !r->name) {
        free(r);
        return wk_fail("out of memory opening '%s'", name);
    }
    r->src.name = r->name;
    *out = r;
    return WK_OK;
}

static int open_pattern(wk_video_reader *r)
{
    char name[4096];
    if (strlen(r->name) > sizeof name - 32) return wk_fail("'%s': the name is too long", r->name);
    int64_t k = 1;
    frame_name(name, sizeof name, r->name, 1);
    if (!file_exists(name)) {
        frame_name(name, sizeof name, r->name, 0);
        if (!file_exists(name)) {
            frame_name(name, sizeof name, r->name, 1);
            return wk_fail("no frames match '%s' (looked for '%s')", r->name, name);
        }
        k = 0;
    }
    r->next_index = k;
    while (k < MAX_PATTERN_FRAMES) {
        frame_name(name, sizeof name, r->name, k + 1);
        if (!file_exists(name)) break;
        k++;
    }
    r->last_index = k;
    wk_tensor first = {0};
    frame_name(name, sizeof name, r->name, r->next_index);
    if (wk_image_load(&first, name)) return WK_ERR;
    r->info.width = first.shape[2];
    r->info.height = first.shape[1];
    wk_tensor_release(&first);
    r->info.fps = 24;
    r->info.frames = r->last_index - r->next_index + 1;
    snprintf(r->info.codec, sizeof r->info.codec, "png");
    snprintf(r->info.format, sizeof r->info.format, "numbered frames");
    return WK_OK;
}

int wk_video_open(wk_video_reader **out, const char *path)
{
    int pat = frame_pattern(path);
    if (pat < 0) return WK_ERR;
    if (reader_new(out, path)) return WK_ERR;
    wk_video_reader *r = *out;
    int rc;
    if (pat) {
        rc = open_pattern(r);
    } else {
        struct stat st;
        r->src.f = fopen(path, "rb");
        if (!r->src.f) rc = wk_fail("cannot open '%s': %s", path, strerror(errno));
        else if (fstat(fileno(r->src.f), &st) == 0 && S_ISDIR(st.st_mode))
            rc = wk_fail("cannot read '%s': it is a folder", path);
        else {
            wk_file_note_read(path);   /* the run log's inputs (file.h) */
            rc = open_codec(r);
        }
    }
    if (rc) {
        wk_video_close(r);
        *out = NULL;
    }
    return rc;
}

int wk_video_open_memory(wk_video_reader **out, const void *data, size_t size, const char *name)
{
    if (reader_new(out, name)) return WK_ERR;
    wk_video_reader *r = *out;
    r->src.data = data;
    r->src.size = size;
    if (open_codec(r)) {
        wk_video_close(r);
        *out = NULL;
        return WK_ERR;
    }
    return WK_OK;
}

/* A loaded picture (C×H×W, C in 1..4) as a new 3×H×W frame: grey repeated, alpha
 * dropped. */
static int frame_from_image(wk_tensor *dst, const wk_tensor *img)
{
    int64_t c = img->shape[0], h = img->shape[1], w = img->shape[2], plane = h * w;
    int64_t shape[3] = {3, h, w};
    if (wk_tensor_new(dst, 3, shape)) return WK_ERR;
    const float *s = wk_tensor_data(img);
    float *o = wk_tensor_data(dst);
    for (int ch = 0; ch < 3; ch++) memcpy(o + ch * plane, s + (c >= 3 ? ch : 0) * plane, (size_t)plane * sizeof *o);
    return WK_OK;
}

static int read_numbered(wk_video_reader *r, wk_tensor *dst)
{
    if (r->next_index > r->last_index) return 0;
    char name[4096];
    frame_name(name, sizeof name, r->name, r->next_index);
    wk_tensor img = {0};
    if (wk_image_load(&img, name)) return WK_ERR;
    int rc = WK_OK;
    if (img.shape[1] != r->info.height || img.shape[2] != r->info.width)
        rc = wk_fail("'%s' is %lldx%lld pixels but the first frame was %lldx%lld; frames must all be one size", name,
                     (long long)img.shape[2], (long long)img.shape[1], (long long)r->info.width,
                     (long long)r->info.height);
    else rc = frame_from_image(dst, &img);
    wk_tensor_release(&img);
    if (rc) return WK_ERR;
    r->next_index++;
    return 1;
}

int wk_video_read(wk_video_reader *r, wk_tensor *dst)
{
    if (r->ended) return 0;
    if (!r->cr.next) return read_numbered(r, dst);
    const unsigned char *rgb = r->first;
    r->first = NULL;
    if (!rgb) {
        int rc = r->cr.next(r->cr.state, &rgb);
        if (rc <= 0) {
            r->ended = 1;
            return rc;
        }
    }
    return rgb_to_tensor(dst, rgb, r->info.height, r->info.width) ? WK_ERR : 1;
}

/* ---- writing -------------------------------------------------------------------- */

enum { KIND_GIF, KIND_AV, KIND_FRAMES };

struct wk_video_writer {
    char *path;                  /* malloc'd */
    int kind;
    wk_video_write_opts o;
    char codec_opt[64];          /* o.codec points here */
    wk_file_out out;
    int out_open;
    wk_video_codec_writer cw;    /* opened at the first frame */
    int cw_open;
    int64_t w, h, pw, ph;        /* the frames' size, and padded for the codec */
    int64_t nframes;
    unsigned char *rgb;          /* (ph, pw, 3) the frame being written */
    int failed;                  /* an earlier write failed: the file is lost */
    char codec[32];
};

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

const char *wk_video_writer_codec(const wk_video_writer *w) { return w->codec; }

void wk_video_writer_abort(wk_video_writer *w)
{
    if (!w) return;
    if (w->cw_open && w->cw.free) w->cw.free(w->cw.state);
    if (w->out_open) wk_file_out_abort(&w->out);
    free(w->rgb);
    free(w->path);
    free(w);
}

int wk_video_writer_open(wk_video_writer **out, const char *path, const wk_video_write_opts *opts)
{
    *out = NULL;
    wk_video_write_opts o = {.fps = 24, .quality = 70};
    if (opts) {
        o = *opts;
        if (o.fps == 0) o.fps = 24;
        if (o.quality < 0) o.quality = 70;
    }
    if (!(o.fps >= 0.01 && o.fps <= 1000)) return wk_fail("fps must be 0.01 to 1000, got %g", o.fps);
    if (o.quality > 100) return wk_fail("quality must be 0 to 100, got %d", o.quality);
    if (!path[0]) return wk_fail("cannot write '': empty file name");
    int pat = frame_pattern(path);
    if (pat < 0) return WK_ERR;
    if (o.codec && strlen(o.codec) >= 64) return wk_fail("codec name too long");

    wk_video_writer *w = calloc(1, sizeof *w);
    if (w) w->path = strdup(path);
    if (!w || !w->path) {
        free(w);
        return wk_fail("out of memory opening '%s'", path);
    }
    if (o.codec) o.codec = strcpy(w->codec_opt, o.codec);
    w->o = o;
    int rc = WK_OK;
    if (pat) {
        w->kind = KIND_FRAMES;
        snprintf(w->codec, sizeof w->codec, "png");
        if (o.codec && strcasecmp(o.codec, "png"))
            rc = wk_fail("'%s' is a numbered-frame pattern: frames are PNG, codec '%s' does not apply", path, o.codec);
    } else if (ends_with_ci(path, ".gif")) {
        w->kind = KIND_GIF;
        snprintf(w->codec, sizeof w->codec, "gif");
        if (o.codec && strcasecmp(o.codec, "gif"))
            rc = wk_fail("'%s' is a GIF: codec '%s' does not apply (name the file .mp4 or .webm)", path, o.codec);
    } else {
        w->kind = KIND_AV;
        rc = wk_av_check_writer(path, &w->o, w->codec, sizeof w->codec);
    }
    if (!rc && w->kind != KIND_FRAMES) {
        rc = wk_file_out_open(&w->out, path, WK_FILE_MKDIRS);
        w->out_open = !rc;
    }
    if (rc) {
        wk_video_writer_abort(w);
        return WK_ERR;
    }
    *out = w;
    return WK_OK;
}

/* Frame t (3×H×W, 1×H×W or H×W) into w->rgb, padding by edge repetition to pw×ph. */
static void tensor_to_rgb(wk_video_writer *w, const wk_tensor *t)
{
    int grey = t->ndim == 2 || t->shape[0] == 1;
    int64_t sc = t->ndim == 3 ? t->stride[0] : 0, sy = t->stride[t->ndim - 2], sx = t->stride[t->ndim - 1];
    const float *base = wk_tensor_data(t);
    for (int64_t y = 0; y < w->ph; y++) {
        int64_t yy = y < w->h ? y : w->h - 1;
        unsigned char *row = w->rgb + y * w->pw * 3;
        for (int64_t x = 0; x < w->pw; x++) {
            int64_t xx = x < w->w ? x : w->w - 1;
            const float *p = base + yy * sy + xx * sx;
            for (int ch = 0; ch < 3; ch++) row[3 * x + ch] = (unsigned char)wk_image_quantise(p[grey ? 0 : ch * sc], 255.0f);
        }
    }
}

int wk_video_write(wk_video_writer *w, const wk_tensor *t)
{
    char buf[160];
    if (w->failed) return wk_fail("'%s': an earlier frame failed to write, so the video is lost", w->path);
    int ok = (t->ndim == 2) || (t->ndim == 3 && (t->shape[0] == 1 || t->shape[0] == 3));
    if (!ok)
        return wk_fail("'%s': a frame must be 3×H×W, 1×H×W or H×W, got shape %s", w->path,
                       wk_tensor_shape_str(t, buf, sizeof buf));
    int64_t h = t->shape[t->ndim - 2], wd = t->shape[t->ndim - 1];
    if (h < 1 || wd < 1) return wk_fail("'%s': empty frame of shape %s", w->path, wk_tensor_shape_str(t, buf, sizeof buf));
    if (w->nframes == 0) {
        if (h > WK_IMAGE_MAX_SIDE || wd > WK_IMAGE_MAX_SIDE || h * wd > WK_IMAGE_MAX_PIXELS)
            return wk_fail("'%s': a frame of shape %s is bigger than wick writes (%lld pixels, %d on a side)", w->path,
                           wk_tensor_shape_str(t, buf, sizeof buf), (long long)WK_IMAGE_MAX_PIXELS, WK_IMAGE_MAX_SIDE);
        w->w = wd, w->h = h, w->pw = wd, w->ph = h;
        if (w->kind == KIND_AV) w->pw += wd & 1, w->ph += h & 1;
        if (w->kind != KIND_FRAMES) {
            w->rgb = malloc((size_t)(w->pw * w->ph * 3));
            if (!w->rgb) return wk_fail("out of memory for a %lldx%lld frame", (long long)wd, (long long)h);
            int rc = (w->kind == KIND_GIF ? wk_gif_open_writer : wk_av_open_writer)(w->out.f, w->path, w->pw, w->ph,
                                                                                  &w->o, &w->cw);
            if (rc) {
                w->failed = 1;
                return WK_ERR;
            }
            w->cw_open = 1;
        }
    } else if (h != w->h || wd != w->w) {
        return wk_fail("'%s': frame %lld is %lldx%lld but the first frame was %lldx%lld; all frames must be one size",
                       w->path, (long long)w->nframes + 1, (long long)wd, (long long)h, (long long)w->w,
                       (long long)w->h);
    }
    if (w->kind == KIND_FRAMES) {
        char name[4096];
        if (strlen(w->path) > sizeof name - 32) return wk_fail("'%s': the name is too long", w->path);
        frame_name(name, sizeof name, w->path, w->nframes + 1);
        if (wk_image_save(t, name, NULL)) return WK_ERR;
        w->nframes++;
        return WK_OK;
    }
    tensor_to_rgb(w, t);
    if (w->cw.put(w->cw.state, w->rgb)) {
        w->failed = 1;
        return WK_ERR;
    }
    w->nframes++;
    return WK_OK;
}

int wk_video_writer_close(wk_video_writer *w)
{
    int rc = WK_OK;
    if (w->failed) rc = wk_fail("'%s': an earlier frame failed to write, so nothing was saved", w->path);
    else if (w->nframes == 0) rc = wk_fail("'%s': no frames written, so nothing was saved", w->path);
    else if (w->cw_open) rc = w->cw.finish(w->cw.state);
    if (w->cw_open && w->cw.free) w->cw.free(w->cw.state);
    w->cw_open = 0;
    if (w->out_open) {
        w->out_open = 0;
        if (rc) wk_file_out_abort(&w->out);
        else rc = wk_file_out_commit(&w->out);
    }
    free(w->rgb);
    free(w->path);
    free(w);
    return rc;
}
