/* gif.c — animated GIF files to and from RGB frames, with giflib.
 *
 * Reading decodes one frame at a time onto a canvas (H×W×3) as a browser shows it: a
 * frame paints its rectangle (clipped to the canvas) from its own colour table or the
 * global one, skipping its transparent index; its disposal method then applies before
 * the next frame — 0/1 keep the canvas, 2 clears the rectangle to black (wick's frames
 * have no alpha; browsers clear to transparent), 3 restores the canvas as it was
 * before the frame. Interlaced frames arrive in four passes and are put back in row
 * order. fps comes from the first frame's delay (hundredths of a second; 0 and 1 read
 * as 10 fps, as browsers do). Sizes are checked against wick's limits and the
 * machine's memory before the canvas is allocated; a file cut short inside a frame is
 * an error, one cut short between frames ends there.
 *
 * Writing gives each frame its own colour table: its exact colours when it has 256 or
 * fewer (so flat artwork round-trips exactly), else giflib's median cut
 * (GifQuantizeBuffer). The NETSCAPE2.0 extension makes it loop forever. */
#include <errno.h>
#include <gif_lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "video_codec.h"

/* ---- reading -------------------------------------------------------------------- */

typedef struct gif_reader {
    GifFileType *gif;
    wk_video_src *src;
    wk_video_info *info;     /* fps set from the first frame */
    int64_t w, h;
    unsigned char *canvas;   /* (h, w, 3) what is on screen */
    unsigned char *saved;    /* (h, w, 3) the canvas before a dispose-to-previous frame */
    GifByteType *line;       /* (65535) one decoded row of indices */
    int dispose;             /* the last frame's disposal, applied before the next */
    int64_t dx, dy, dw, dh;  /* its rectangle, clipped to the canvas */
    int frames;
} gif_reader;

static int on_read(GifFileType *gif, GifByteType *buf, int n)
{
    gif_reader *g = gif->UserData;
    long got = wk_video_src_read(g->src, buf, (size_t)n);
    return got < 0 ? 0 : (int)got;
}

static int gif_error(gif_reader *g, const char *what)
{
    int code = g->gif ? g->gif->Error : 0;
    const char *why = GifErrorString(code);
    return wk_fail("'%s' is a corrupt or truncated GIF (%s: %s)", g->src->name, what, why ? why : "unknown error");
}

static void reader_free(void *p)
{
    gif_reader *g = p;
    if (!g) return;
    if (g->gif) DGifCloseFile(g->gif, NULL);
    free(g->canvas);
    free(g->saved);
    free(g->line);
    free(g);
}

/* Clip a frame's rectangle to the canvas (x, y, w, h out; w or h 0 when outside). */
static void clip(const gif_reader *g, const GifImageDesc *d, int64_t *x, int64_t *y, int64_t *w, int64_t *h)
{
    int64_t x0 = d->Left, y0 = d->Top, x1 = x0 + d->Width, y1 = y0 + d->Height;
    if (x1 > g->w) x1 = g->w;
    if (y1 > g->h) y1 = g->h;
    *x = x0, *y = y0;
    *w = x1 > x0 ? x1 - x0 : 0;
    *h = y1 > y0 ? y1 - y0 : 0;
}

/* Undo the last frame as its disposal method says. */
static void apply_disposal(gif_reader *g)
{
    if (g->dispose == DISPOSE_BACKGROUND) {
        for (int64_t y = g->dy; y < g->dy + g->dh; y++) memset(g->canvas + (y * g->w + g->dx) * 3, 0, (size_t)g->dw * 3);
    } else if (g->dispose == DISPOSE_PREVIOUS && g->saved) {
        memcpy(g->canvas, g->saved, (size_t)(g->w * g->h * 3));
    }
    g->dispose = DISPOSAL_UNSPECIFIED;
}

/* Decode the image whose descriptor was just read onto the canvas. */
static int decode_image(gif_reader *g, const GraphicsControlBlock *gcb)
{
    GifFileType *gif = g->gif;
    GifImageDesc *d = &gif->Image;
    const ColorMapObject *map = d->ColorMap ? d->ColorMap : gif->SColorMap;
    if (!map) return wk_fail("'%s' is a corrupt GIF: frame %d has no colour table", g->src->name, g->frames + 1);
    if (d->Width < 1 || d->Height < 1)
        return wk_fail("'%s' is a corrupt GIF: frame %d is %dx%d pixels", g->src->name, g->frames + 1, d->Width,
                       d->Height);
    int64_t x0, y0, cw, ch;
    clip(g, d, &x0, &y0, &cw, &ch);
    if (gcb->DisposalMode == DISPOSE_PREVIOUS) {
        if (!g->saved) {
            char what[96];
            snprintf(what, sizeof what, "'%s' (a %lldx%lld GIF, two canvases)", g->src->name, (long long)g->w,
                     (long long)g->h);
            if (wk_memory_check(2.0 * g->w * g->h * 3 + 12.0 * g->w * g->h, what)) return WK_ERR;
            g->saved = malloc((size_t)(g->w * g->h * 3));
            if (!g->saved) return wk_fail("out of memory reading '%s'", g->src->name);
        }
        memcpy(g->saved, g->canvas, (size_t)(g->w * g->h * 3));
    }
    /* interlaced rows come as every 8th from 0, every 8th from 4, every 4th from 2,
     * every 2nd from 1 */
    static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    int passes = d->Interlace ? 4 : 1;
    int trans = gcb->TransparentColor;
    for (int pass = 0; pass < passes; pass++) {
        int y = d->Interlace ? start[pass] : 0, dy = d->Interlace ? step[pass] : 1;
        for (; y < d->Height; y += dy) {
            if (DGifGetLine(gif, g->line, d->Width) == GIF_ERROR) return gif_error(g, "pixel data");
            int64_t cy = d->Top + y;
            if (cy >= g->h || cw == 0) continue;
            unsigned char *row = g->canvas + (cy * g->w + x0) * 3;
            for (int64_t x = 0; x < cw; x++) {
                int p = g->line[x];
                if (p == trans) continue;
                if (p < map->ColorCount) {
                    row[3 * x] = map->Colors[p].Red;
                    row[3 * x + 1] = map->Colors[p].Green;
                    row[3 * x + 2] = map->Colors[p].Blue;
                } else {
                    row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = 0;   /* index past the table */
                }
            }
        }
    }
    g->dispose = gcb->DisposalMode;
    g->dx = x0, g->dy = y0, g->dw = cw, g->dh = ch;
    if (g->frames == 0) g->info->fps = gcb->DelayTime > 1 ? 100.0 / gcb->DelayTime : 10.0;
    g->frames++;
    return WK_OK;
}

static int reader_next(void *p, const unsigned char **rgb)
{
    gif_reader *g = p;
    apply_disposal(g);
    GraphicsControlBlock gcb = {.DisposalMode = DISPOSAL_UNSPECIFIED, .TransparentColor = NO_TRANSPARENT_COLOR};
    for (;;) {
        GifRecordType type;
        if (DGifGetRecordType(g->gif, &type) == GIF_ERROR) {
            if (g->frames > 0 && g->gif->Error == D_GIF_ERR_READ_FAILED) return 0;   /* no trailer */
            return gif_error(g, "record");
        }
        if (type == TERMINATE_RECORD_TYPE) return 0;
        if (type == EXTENSION_RECORD_TYPE) {
            int code;
            GifByteType *ext;
            if (DGifGetExtension(g->gif, &code, &ext) == GIF_ERROR) return gif_error(g, "extension");
            if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] == 4)
                DGifExtensionToGCB(4, ext + 1, &gcb);
            while (ext)
                if (DGifGetExtensionNext(g->gif, &ext) == GIF_ERROR) return gif_error(g, "extension");
        } else if (type == IMAGE_DESC_RECORD_TYPE) {
            if (DGifGetImageDesc(g->gif) == GIF_ERROR) return gif_error(g, "frame header");
            if (decode_image(g, &gcb)) return WK_ERR;
            /* giflib keeps a copy of every descriptor read (and reallocates the list for
             * each): drop them so a long animation costs no more than a short one */
            GifFreeSavedImages(g->gif);
            g->gif->ImageCount = 0;
            *rgb = g->canvas;
            return 1;
        }
    }
}

int wk_gif_open_reader(wk_video_src *s, wk_video_info *info, wk_video_codec_reader *cr)
{
    gif_reader *g = calloc(1, sizeof *g);
    if (!g) return wk_fail("out of memory reading '%s'", s->name);
    g->src = s;
    g->info = info;
    int err = 0;
    g->gif = DGifOpen(g, on_read, &err);
    if (!g->gif) {
        const char *why = GifErrorString(err);
        free(g);
        return wk_fail("'%s' is a corrupt or truncated GIF (%s)", s->name, why ? why : "cannot open");
    }
    g->w = g->gif->SWidth, g->h = g->gif->SHeight;
    char what[96];
    snprintf(what, sizeof what, "'%s' (a %lldx%lld GIF)", s->name, (long long)g->w, (long long)g->h);
    /* the canvas, and the float frame the caller makes of it */
    if (wk_video_check_dims(s->name, "GIF", g->w, g->h) || wk_memory_check(15.0 * g->w * g->h, what)) {
        reader_free(g);
        return WK_ERR;
    }
    g->canvas = calloc((size_t)(g->w * g->h), 3);
    g->line = malloc(65536);
    if (!g->canvas || !g->line) {
        reader_free(g);
        return wk_fail("out of memory reading '%s'", s->name);
    }
    info->width = g->w, info->height = g->h;
    info->fps = 10;
    info->frames = -1;
    snprintf(info->codec, sizeof info->codec, "gif");
    snprintf(info->format, sizeof info->format, "gif");
    cr->state = g;
    cr->next = reader_next;
    cr->free = reader_free;
    return WK_OK;
}

/* ---- writing -------------------------------------------------------------------- */

#define HASH_SIZE 1024   /* open addressing over 24-bit colours; > 4 × 256 */

typedef struct gif_writer {
    GifFileType *gif;
    FILE *f;
    const char *path;
    int w, h, delay;
    int write_errno;
    GifByteType *index;           /* (h, w) palette indices */
    GifByteType *planes;          /* (3, h, w) R, G, B for the median cut */
    uint32_t keys[HASH_SIZE];     /* colour + 1 (0: empty) */
    GifByteType slot[HASH_SIZE];  /* its palette index */
    GifColorType colors[256];
} gif_writer;

static int on_write(GifFileType *gif, const GifByteType *buf, int n)
{
    gif_writer *g = gif->UserData;
    size_t put = fwrite(buf, 1, (size_t)n, g->f);
    if (put != (size_t)n) g->write_errno = errno ? errno : EIO;
    return (int)put;
}

static int writer_error(gif_writer *g, int code)
{
    if (g->write_errno) return wk_fail("cannot write '%s': %s", g->path, strerror(g->write_errno));
    const char *why = GifErrorString(code);
    return wk_fail("cannot write '%s': giflib: %s", g->path, why ? why : "unknown error");
}

/* The frame's exact palette into g->colors / g->index; the colour count, or 0 when
 * it has more than 256 colours. */
static int exact_palette(gif_writer *g, const unsigned char *rgb)
{
    memset(g->keys, 0, sizeof g->keys);
    int n = 0;
    int64_t npix = (int64_t)g->w * g->h;
    for (int64_t i = 0; i < npix; i++) {
        uint32_t c = (uint32_t)rgb[3 * i] << 16 | (uint32_t)rgb[3 * i + 1] << 8 | rgb[3 * i + 2];
        uint32_t k = (c * 2654435761u) >> 22;   /* 10 bits */
        while (g->keys[k] && g->keys[k] != c + 1) k = (k + 1) & (HASH_SIZE - 1);
        if (!g->keys[k]) {
            if (n == 256) return 0;
            g->keys[k] = c + 1;
            g->slot[k] = (GifByteType)n;
            g->colors[n] = (GifColorType){rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]};
            n++;
        }
        g->index[i] = g->slot[k];
    }
    return n;
}

static int writer_put(void *p, const unsigned char *rgb)
{
    gif_writer *g = p;
    int n = exact_palette(g, rgb);
    if (n == 0) {
        int64_t npix = (int64_t)g->w * g->h;
        for (int64_t i = 0; i < npix; i++)
            for (int ch = 0; ch < 3; ch++) g->planes[ch * npix + i] = rgb[3 * i + ch];
        n = 256;
        if (GifQuantizeBuffer((unsigned)g->w, (unsigned)g->h, &n, g->planes, g->planes + npix, g->planes + 2 * npix,
                              g->index, g->colors) == GIF_ERROR)
            return wk_fail("cannot write '%s': giflib could not reduce a frame to 256 colours", g->path);
    }
    int bits = GifBitSize(n);
    for (int i = n; i < 1 << bits; i++) g->colors[i] = (GifColorType){0, 0, 0};
    ColorMapObject *map = GifMakeMapObject(1 << bits, g->colors);
    if (!map) return wk_fail("out of memory writing '%s'", g->path);
    GraphicsControlBlock gcb = {.DisposalMode = DISPOSE_DO_NOT, .DelayTime = g->delay,
                                .TransparentColor = NO_TRANSPARENT_COLOR};
    GifByteType ext[4];
    EGifGCBToExtension(&gcb, ext);
    int ok = EGifPutExtension(g->gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) != GIF_ERROR &&
             EGifPutImageDesc(g->gif, 0, 0, g->w, g->h, false, map) != GIF_ERROR;
    GifFreeMapObject(map);
    for (int y = 0; ok && y < g->h; y++) ok = EGifPutLine(g->gif, g->index + (int64_t)y * g->w, g->w) != GIF_ERROR;
    return ok && !g->write_errno ? WK_OK : writer_error(g, g->gif->Error);
}

static int writer_finish(void *p)
{
    gif_writer *g = p;
    int err = 0;
    int rc = EGifCloseFile(g->gif, &err);
    g->gif = NULL;
    if (rc == GIF_ERROR || g->write_errno) return writer_error(g, err);
    return WK_OK;
}

static void writer_free(void *p)
{
    gif_writer *g = p;
    if (!g) return;
    if (g->gif) EGifCloseFile(g->gif, NULL);
    free(g->index);
    free(g->planes);
    free(g);
}

int wk_gif_open_writer(FILE *f, const char *path, int64_t w, int64_t h, const wk_video_write_opts *o,
                       wk_video_codec_writer *cw)
{
    if (w > 65535 || h > 65535) return wk_fail("'%s': a GIF is at most 65535 pixels on a side", path);
    gif_writer *g = calloc(1, sizeof *g);
    if (!g) return wk_fail("out of memory writing '%s'", path);
    g->f = f, g->path = path, g->w = (int)w, g->h = (int)h;
    double cs = round(100.0 / o->fps);
    g->delay = cs < 2 ? 2 : cs > 65535 ? 65535 : (int)cs;
    g->index = malloc((size_t)(w * h));
    g->planes = malloc((size_t)(w * h * 3));
    int err = 0;
    if (g->index && g->planes) g->gif = EGifOpen(g, on_write, &err);
    if (!g->gif) {
        writer_free(g);
        return wk_fail("cannot write '%s': %s", path, err ? GifErrorString(err) : "out of memory");
    }
    EGifSetGifVersion(g->gif, true);
    static const GifByteType loop[3] = {1, 0, 0};   /* sub-block 1: repeat count 0 = forever */
    int ok = EGifPutScreenDesc(g->gif, g->w, g->h, 8, 0, NULL) != GIF_ERROR &&
             EGifPutExtensionLeader(g->gif, APPLICATION_EXT_FUNC_CODE) != GIF_ERROR &&
             EGifPutExtensionBlock(g->gif, 11, "NETSCAPE2.0") != GIF_ERROR &&
             EGifPutExtensionBlock(g->gif, 3, loop) != GIF_ERROR && EGifPutExtensionTrailer(g->gif) != GIF_ERROR;
    if (!ok) {
        int rc = writer_error(g, g->gif->Error);
        writer_free(g);
        return rc;
    }
    cw->state = g;
    cw->put = writer_put;
    cw->finish = writer_finish;
    cw->free = writer_free;
    snprintf(cw->codec, sizeof cw->codec, "gif");
    return WK_OK;
}
