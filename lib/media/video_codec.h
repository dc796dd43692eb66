/* video_codec.h — what video.c shares with the video codecs gif.c and av.c (private to
 * lib/media). video.c owns the plumbing: where the bytes come from (a file or memory,
 * behind one read/seek source so the fuzz targets feed bytes), the temporary file a
 * writer fills, frame size checks, and the conversion between float 3×H×W tensors
 * and the 8-bit interleaved RGB rows (H×W×3) the codecs speak. A codec only turns
 * bytes into RGB frames and back. Errors use wk_fail() in the words
 * "'<name>' <what was wrong>". */
#ifndef WK_MEDIA_VIDEO_CODEC_H
#define WK_MEDIA_VIDEO_CODEC_H

#include <stdio.h>

#include "../core/file.h"
#include "image.h"
#include "video.h"

/* ---- sources -------------------------------------------------------------------- */

typedef struct wk_video_src {
    FILE *f;                     /* a file, or NULL for memory */
    const unsigned char *data;   /* memory: size bytes, read from pos */
    size_t size, pos;
    const char *name;            /* for messages */
} wk_video_src;

/* Up to n bytes into buf: the count read (0 at the end), or -1 on a read error. */
long wk_video_src_read(wk_video_src *s, void *buf, size_t n);
/* fseek's contract (SEEK_SET, SEEK_CUR, SEEK_END): the new position, or -1. */
int64_t wk_video_src_seek(wk_video_src *s, int64_t off, int whence);
/* Total bytes, or -1 when unknown. */
int64_t wk_video_src_size(wk_video_src *s);

/* ---- readers -------------------------------------------------------------------- */

/* A codec's reader: next() points *rgb at the next frame (info.height × info.width × 3
 * bytes, valid until the next call) and returns 1, or returns 0 at the end, WK_ERR on
 * a broken file. free() releases state (may be NULL). */
typedef struct wk_video_codec_reader {
    void *state;
    int (*next)(void *state, const unsigned char **rgb);
    void (*free)(void *state);
} wk_video_codec_reader;

/* Open s as a GIF / as anything libavformat reads; fill info (frames -1 when unknown)
 * and cr. On failure nothing is left to free. */
int wk_gif_open_reader(wk_video_src *s, wk_video_info *info, wk_video_codec_reader *cr);
int wk_av_open_reader(wk_video_src *s, wk_video_info *info, wk_video_codec_reader *cr);

/* WK_OK when a w×h frame is within lib/media/image.h's limits, else a message naming
 * the file and the format. */
int wk_video_check_dims(const char *name, const char *format, int64_t w, int64_t h);

/* ---- writers -------------------------------------------------------------------- */

/* A codec's writer, opened at the first frame (when the size is known) on the
 * temporary file f. put() takes one H×W×3 frame of the size begin() was given; finish()
 * completes the file (trailer, palette, ...); free() releases state after either. */
typedef struct wk_video_codec_writer {
    void *state;
    int (*put)(void *state, const unsigned char *rgb);
    int (*finish)(void *state);
    void (*free)(void *state);
    char codec[32];              /* the encoder's name, for messages */
} wk_video_codec_writer;

/* Check that the options suit the container (the codec exists, the container can
 * hold it) before any frame, so a typo fails at open. codec gets the encoder's name. */
int wk_av_check_writer(const char *path, const wk_video_write_opts *o, char *codec, size_t size);
/* Start writing a w×h video to f (path names it in messages). */
int wk_av_open_writer(FILE *f, const char *path, int64_t w, int64_t h, const wk_video_write_opts *o,
                      wk_video_codec_writer *cw);
int wk_gif_open_writer(FILE *f, const char *path, int64_t w, int64_t h, const wk_video_write_opts *o,
                       wk_video_codec_writer *cw);

#endif
