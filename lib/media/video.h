/* video.h — moving pictures in and out of wick: animated GIF, anything FFmpeg's
 * libraries decode (MP4, WebM, MKV, MOV, AVI, ...), MP4 and WebM writing, and numbered
 * PNG frames ("out/frames/%04d.png") as one more "format".
 *
 * A frame is a float32 tensor 3×H×W in [0,1] (RGB), as lib/media/image.h's pictures.
 * Readers give frames one at a time, so a long video never has to fit in memory;
 * writers take them one at a time. What is read is chosen by the file's first bytes
 * (GIF by its signature, everything else by libavformat's probe), or by a '%' in the
 * name for numbered frames; what is written by the name's extension:
 *
 *   .gif                   animated GIF (giflib): each frame its own palette — the
 *                          exact colours when a frame has 256 or fewer, else giflib's
 *                          median cut; loops forever; delay = round(100 / fps)
 *                          hundredths of a second (at least 2: browsers slow 0 and 1)
 *   .mp4 .m4v .mov .mkv    H.264 (libx264) when this FFmpeg has it, else MPEG-4 part 2
 *   .webm                  VP9 (libvpx-vp9), else VP8
 *   a name with %d / %0Nd  numbered PNGs, counting from 1
 *
 * quality (0..100, default 70) maps linearly onto each encoder's own scale: libx264
 * crf 51..0, VP9/VP8 crf 63..0, MPEG-4 qscale 31..1; a GIF ignores it. The codec
 * option overrides the choice by FFmpeg's encoder or codec name ("mpeg4", "vp8",
 * "libx264"), refused with a message naming it when unknown or when the container
 * cannot hold it. H.264, VP9 and MPEG-4 store 4:2:0 colour, which needs even sides:
 * an odd width or height is padded by repeating the last column or row, so such a
 * file reads back one pixel larger. Writing goes to a temporary file beside the
 * target that is renamed over it only when the writer is closed successfully
 * (lib/core/file.h), so an error, or a writer dropped without closing, never leaves
 * half a video; numbered PNGs are each written that way.
 *
 * Every call returns WK_OK or WK_ERR with a reason in wk_errmsg() naming the file. */
#ifndef WK_VIDEO_H
#define WK_VIDEO_H

#include <stddef.h>
#include <stdint.h>

#include "../tensor/tensor.h"

typedef struct wk_video_info {
    int64_t width, height;
    double fps;            /* frames per second (GIF: from its first frame's delay) */
    int64_t frames;        /* frame count when the file says, else -1 */
    char codec[32];        /* "h264", "vp9", "gif", "png", ... */
    char format[32];       /* the container: "mov,mp4,...", "matroska,webm", "gif", "png frames" */
} wk_video_info;

/* ---- reading -------------------------------------------------------------------- */

typedef struct wk_video_reader wk_video_reader;

/* Open a video file, or a numbered-frame pattern such as "out/%04d.png" (the frames
 * from 1, or from 0 when there is no 1, up to the first number missing). The first
 * frame is decoded at once, so a corrupt file fails here and info is filled. */
int wk_video_open(wk_video_reader **r, const char *path);
/* The same from bytes in memory (kept by the caller until wk_video_close); name is
 * used in messages. */
int wk_video_open_memory(wk_video_reader **r, const void *data, size_t size, const char *name);
const wk_video_info *wk_video_reader_info(const wk_video_reader *r);
/* The next frame into dst (empty on entry; a new contiguous 3×H×W tensor): returns 1
 * with a frame, 0 at the end (dst stays empty), WK_ERR on a broken file. */
int wk_video_read(wk_video_reader *r, wk_tensor *dst);
/* Free everything; NULL is fine. */
void wk_video_close(wk_video_reader *r);

/* ---- writing -------------------------------------------------------------------- */

typedef struct wk_video_write_opts {
    double fps;            /* default 24 when 0; 0.01 .. 1000 */
    int quality;           /* 0..100, default 70 when < 0 (so pass -1 for "default") */
    const char *codec;     /* NULL: chosen from the extension */
} wk_video_write_opts;

typedef struct wk_video_writer wk_video_writer;

/* Check the name and options and make the temporary file (missing folders created).
 * opts may be NULL. Nothing is encoded until the first frame, which fixes the size. */
int wk_video_writer_open(wk_video_writer **w, const char *path, const wk_video_write_opts *opts);
/* Append a frame: 3×H×W, 1×H×W or H×W (grey), any strides, values clamped to [0,1]
 * (NaN as 0). Every frame must have the first frame's height and width. */
int wk_video_write(wk_video_writer *w, const wk_tensor *frame);
/* Finish the file and rename it over the target; frees w either way. A writer that
 * got no frame fails here ("no frames written") and leaves nothing behind. */
int wk_video_writer_close(wk_video_writer *w);
/* Drop the temporary and free w; the target is untouched. NULL is fine. */
void wk_video_writer_abort(wk_video_writer *w);
/* The encoder and container a writer uses ("libx264", "mp4"), for messages and docs. */
const char *wk_video_writer_codec(const wk_video_writer *w);

#endif
