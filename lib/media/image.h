/* image.h — pictures in and out of wick tensors: PNG and JPEG files, resizing, and
 * contact sheets.
 *
 * An image is a float32 tensor C×H×W with values in [0,1] (C = 1 grey, 2 grey+alpha,
 * 3 RGB, 4 RGBA); a 2-D H×W tensor is accepted wherever one grey image is. Files are
 * recognised by their first bytes, never by their name. Every call returns WK_OK or
 * WK_ERR with a reason in wk_errmsg() that names the file and what was wrong, e.g.
 * "cannot open 'x.png': No such file or directory". The codecs live in png.c and
 * jpeg.c, the file plumbing (format sniffing, mkdir -p, write-then-rename) and the
 * contact sheet in image.c, resampling in resize.c. */
#ifndef WK_IMAGE_H
#define WK_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../tensor/tensor.h"

/* Refuse files claiming more pixels than this (checked from the header, before any
 * allocation): 2^28 pixels is 16384×16384, 3 GiB as float RGB. */
#define WK_IMAGE_MAX_PIXELS ((int64_t)1 << 28)
#define WK_IMAGE_MAX_SIDE 65535

/* ---- files ---------------------------------------------------------------------- */

/* Read a PNG (grey, grey+alpha, RGB, RGBA, palette with or without tRNS; 1, 2, 4, 8 or
 * 16 bits) or a JPEG (grey, RGB, CMYK — CMYK comes back as RGB) into dst, a new
 * C×H×W tensor in [0,1]. C is the number of channels stored: palette images give 3,
 * or 4 when they carry transparency; grey or RGB with a tRNS colour key gain alpha. */
int wk_image_load(wk_tensor *dst, const char *path);

typedef struct wk_image_text {
    const char *key, *value;      /* a PNG tEXt chunk (JPEG: one comment "key=value") */
} wk_image_text;

typedef struct wk_image_save_opts {
    int bits;                     /* PNG: 8 (default when 0) or 16 */
    int quality;                  /* JPEG: 1..100, default 90 when 0 */
    const wk_image_text *text;    /* ntext entries written as metadata */
    int ntext;
} wk_image_save_opts;

/* Write t (C×H×W with C in 1..4, or H×W) to path: JPEG when the name ends in .jpg or
 * .jpeg (grey or RGB only; alpha refused), PNG otherwise. Values are clamped to [0,1]
 * and rounded; NaN is written as 0. Any strides work. Missing parent folders are
 * created; the picture is written to a temporary file beside the target, fsync'd and
 * renamed over it only when complete (lib/core/file.h: the old file's mode and a
 * symlink are kept), so a failure never leaves a half-written file. opts may be NULL. */
int wk_image_save(const wk_tensor *t, const char *path, const wk_image_save_opts *opts);

/* ---- resampling ----------------------------------------------------------------- */

typedef enum wk_resize_mode {
    WK_RESIZE_BILINEAR,   /* half-pixel centres, edge clamp (PyTorch bilinear,
                             align_corners=false, no antialias) */
    WK_RESIZE_AREA,       /* exact box average with fractional coverage */
    WK_RESIZE_NEAREST,    /* the source pixel under the output pixel's centre
                             (PyTorch "nearest-exact", PIL NEAREST) */
} wk_resize_mode;

/* dst = src resampled to h×w over its last two dims; src is H×W, C×H×W or N×C×H×W
 * (any strides). dst is new and contiguous with src's leading dims. */
int wk_image_resize(wk_tensor *dst, const wk_tensor *src, int64_t h, int64_t w, wk_resize_mode mode);

/* ---- contact sheets ------------------------------------------------------------- */

/* dst = the n images (each C×H×W with the same C, or H×W as grey) laid out in rows of
 * cols cells (cols <= 0: ceil(sqrt(n)); at most n). Every cell is as big as the
 * largest image, which is centred in it; pad pixels of pad_value separate the cells
 * and frame the sheet (as torchvision's make_grid). dst is C×H'×W' with
 * H' = rows·(cellH + pad) + pad and W' likewise. */
int wk_image_grid(wk_tensor *dst, const wk_tensor *const *images, int64_t n, int cols, int pad, float pad_value);

#endif
