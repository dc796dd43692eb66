/* draw.h — pictures of data: scatter plots, heatmaps, line plots and image mosaics as
 * tensors.
 *
 * Scatter plots, heatmaps and line plots are drawn with cairo, which is NOT linked into wick:
 * linking it pulls in ~40 shared libraries and ~25 ms of start-up. Instead draw.c opens
 * libcairo.so.2 with dlopen the first time a picture is drawn and resolves the few
 * functions it needs; when the library is missing, the call fails with a reason that
 * names the Debian package (libcairo2). Text uses cairo's "toy" font API (sans-serif
 * through fontconfig), so no pango.
 *
 * Coordinates follow images: x grows to the right, y grows DOWNWARD, so a layout and the
 * mosaic made from its grid cells (row 1 at the top) look the same way up. Results are
 * new contiguous C×H×W tensors in [0,1] (C = 3, or 4 when the background has alpha),
 * ready for wk_image_save. Every call returns WK_OK or WK_ERR with a reason in
 * wk_errmsg() that names the bad input ("point 5 is NaN", "cell 7 is given to images
 * 2 and 9"); the bindings prefix the Lua function's name. */
#ifndef WK_DRAW_H
#define WK_DRAW_H

#include <stdint.h>

#include "../tensor/tensor.h"

/* Largest picture side drawn (cairo's own limit is 32767). */
#define WK_DRAW_MAX_SIDE 16384

/* ---- cairo ---------------------------------------------------------------------- */

/* Load cairo now (every drawing call does this itself). A failure is not remembered,
 * so a later call retries. The environment variable WICK_CAIRO, when set, names the
 * library to open instead of libcairo.so.2 (for tests of the missing-library path). */
int wk_draw_load(void);

/* ---- colours -------------------------------------------------------------------- */

/* rgb = the named colormap at t in [0,1] (clamped; NaN gives t = 0): "viridis",
 * "magma", "grey", "rdbu" (red at 0, white in the middle, blue at 1) and "rdbu_r".
 * Fails on an unknown name, listing the known ones. */
int wk_colormap(float *rgb, const char *name, double t);
/* rgb = the categorical colour of class id (1-based): the ten Tableau colours, then
 * golden-angle hues for ids above 10 (distinct and stable). */
void wk_palette(float *rgb, int64_t id);

/* ---- scatter -------------------------------------------------------------------- */

typedef struct wk_scatter_opts {
    int width, height;            /* picture size in pixels */
    double radius;                /* point radius in pixels (> 0) */
    double alpha;                 /* point opacity in [0,1] */
    const wk_tensor *colors;      /* (N, 3) RGB in [0,1] (clamped), or NULL */
    const int64_t *labels;        /* (N) 1-based class ids coloured by wk_palette, or NULL */
    float color[3];               /* every point's colour when neither is given */
    const char *const *text;      /* (N) label beside each point (NULL entries skipped), or NULL;
                                     one that would overlap an earlier one moves near its point */
    double font_size;             /* text size in pixels */
    float text_color[3];
    int text_point_color;         /* 1: each text in its point's colour, not text_color */
    const int64_t *lines;         /* (nlines, 2) 0-based point pairs joined by segments */
    int64_t nlines;
    float line_color[3];
    double line_width;
    float background[4];          /* RGBA; alpha < 1 gives a 4-channel picture */
    const char *title;            /* drawn centred at the top, or NULL */
    const double *bounds;         /* {x0, y0, x1, y1} mapped to the drawing area, or NULL
                                     for the points' own extent */
    double margin;                /* pixels around the drawing area; < 0 picks one */
    int stretch;                  /* 0: equal scale on x and y (centred); 1: fill both */
} wk_scatter_opts;

/* dst = the N points (a (N, 2) tensor, any strides, finite) drawn as discs: segments
 * first, then points in order (later ones on top), then text, then the title. */
int wk_draw_scatter(wk_tensor *dst, const wk_tensor *points, const wk_scatter_opts *o);

/* The pixel position (px, py) where wk_draw_scatter puts data point (x, y) under the same
 * options (for tests and for drawing on top of a scatter). */
int wk_scatter_transform(double *px, double *py, const wk_tensor *points, const wk_scatter_opts *o,
                         double x, double y);

/* ---- heatmap -------------------------------------------------------------------- */

typedef struct wk_heatmap_opts {
    const char *const *row_names; /* (R) labels left of the rows, or NULL */
    const char *const *col_names; /* (C) labels above the columns (read upward), or NULL */
    int cell;                     /* cell side in pixels */
    const char *colormap;         /* a wk_colormap name */
    double lo, hi;                /* value range mapped to the colormap ... */
    int has_range;                /* ... when set; else the matrix's min and max */
    int values;                   /* print each value ("%.2f") in its cell */
    double font_size;
    float background[3];
    const char *title;            /* or NULL */
} wk_heatmap_opts;

/* dst = the (R, C) matrix (finite) as coloured cells with labels. Cell (i, j) (0-based)
 * covers pixels [x0 + j·cell, x0 + (j+1)·cell) × [y0 + i·cell, …) exactly, where
 * (x0, y0) is the grid's top-left corner, returned through origin when not NULL. */
int wk_draw_heatmap(wk_tensor *dst, int64_t *origin, const wk_tensor *matrix, const wk_heatmap_opts *o);

/* ---- line plot ------------------------------------------------------------------ */

typedef struct wk_line_series {
    const char *name;             /* legend text, or NULL (left out of the legend) */
    const double *x;              /* (n) x values (finite), or NULL for 1, 2, …, n */
    const double *y;              /* (n) values; NaN leaves a gap in the line */
    int64_t n;
    float color[3];
} wk_line_series;

typedef struct wk_line_opts {
    int width, height;            /* picture size in pixels */
    int log_y;                    /* logarithmic y axis (every value must be > 0) */
    double line_width;            /* pixels */
    double font_size;             /* tick labels and legend; the title is 1.4 times it */
    float background[3];
    const char *title, *x_label, *y_label;   /* or NULL */
    int legend;                   /* draw a legend of the named series */
} wk_line_opts;

/* Where the data went: the plot area (pixels, 0-based, y down) and the data window it
 * shows. A value (x, y) lands at px = left + (x - x0) / (x1 - x0) · width,
 * py = top + (1 - (f(y) - f(y0)) / (f(y1) - f(y0))) · height, f = log10 with log_y. */
typedef struct wk_line_frame {
    double left, top, width, height;
    double x0, x1, y0, y1;
} wk_line_frame;

/* dst = the series as lines over one pair of axes (ticks, labels, light grid lines),
 * with a legend and title: a loss curve. Infinite values, an empty series, a series of
 * NaN only and (with log_y) values <= 0 are refused, naming the series and the index;
 * NaN values are gaps. frame may be NULL. */
int wk_draw_lines(wk_tensor *dst, wk_line_frame *frame, const wk_line_series *series, int64_t nseries,
                  const wk_line_opts *o);

/* ---- mosaic --------------------------------------------------------------------- */

/* dst = a C×(rows·ch)×(cols·cw) picture of background with image k (C×H×W, or H×W as
 * grey; all with the same C) drawn into grid cell cells[k] (1-based, row-major, each
 * used at most once). cell_h, cell_w <= 0: the largest image's size. An image of
 * another size than its cell is scaled to fit (area resampling down, bilinear up),
 * keeping its aspect, and centred. Needs no cairo. */
int wk_draw_mosaic(wk_tensor *dst, const wk_tensor *const *images, int64_t n, const int64_t *cells, int cols,
                   int rows, int cell_h, int cell_w, float background);

#endif
