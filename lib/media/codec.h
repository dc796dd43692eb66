/* codec.h — what image.c shares with the codecs png.c and jpeg.c (private to
 * lib/media). image.c opens the file, recognises the format from its first bytes and
 * hands the open FILE (rewound) to a reader; for saving it checks the tensor, makes
 * a temporary file and hands it to a writer. Readers and writers report errors with
 * wk_fail() in the words "<what> '<path>': <why>". */
#ifndef WK_MEDIA_CODEC_H
#define WK_MEDIA_CODEC_H

#include <math.h>
#include <stdio.h>

#include "image.h"

/* Readers fill dst (empty on entry) with a new C×H×W tensor. */
int wk_png_read(wk_tensor *dst, FILE *f, const char *path);
int wk_jpeg_read(wk_tensor *dst, FILE *f, const char *path);

/* Writers take a 3-D C×H×W view (any strides) and write the whole file to f. */
int wk_png_write(FILE *f, const char *path, const wk_tensor *img, const wk_image_save_opts *opts);
int wk_jpeg_write(FILE *f, const char *path, const wk_tensor *img, const wk_image_save_opts *opts);

/* Quantise row y of img (C×H×W, any strides) into interleaved 8-bit or 16-bit
 * big-endian samples (png.c). */
void wk_image_pack_row(unsigned char *row, const wk_tensor *img, int64_t y, int depth);

/* WK_OK when a w×h picture is within the limits, else a message naming path. */
int wk_image_check_dims(const char *path, const char *format, int64_t w, int64_t h);

/* [0,1] float to integer code 0..maxv, clamped and rounded; NaN gives 0. */
static inline unsigned wk_image_quantise(float v, float maxv)
{
    if (!(v > 0.0f)) return 0;          /* also catches NaN */
    if (v >= 1.0f) return (unsigned)maxv;
    return (unsigned)(v * maxv + 0.5f);
}

#endif
