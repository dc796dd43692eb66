/* draw.c — scatter plots, heatmaps, line plots and image mosaics (see draw.h).
 *
 * cairo is opened with dlopen on first use, never linked: wick starts in ~15 ms and
 * libcairo's dependency tree alone costs more than that. The functions used are listed
 * once in CAIRO_FUNCS and resolved into one table of pointers, typed from <cairo.h>.
 * Drawing goes to an ARGB32 image surface (premultiplied, native-endian 0xAARRGGBB),
 * which is converted to a float C×H×W tensor at the end. Inputs are checked before any
 * drawing so that errors name the point, label or cell at fault. */
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo/cairo.h>

#include "draw.h"
#include "image.h"
#include "../text/utf8.h"

/* ---- cairo, loaded on first use ------------------------------------------------- */

#define CAIRO_FUNCS(X)                                                                           \
    X(image_surface_create) X(image_surface_get_data) X(image_surface_get_stride)                \
    X(surface_flush) X(surface_mark_dirty) X(surface_status) X(surface_destroy) X(create) X(destroy) X(status)         \
    X(status_to_string) X(set_source_rgba) X(set_operator) X(paint) X(arc) X(fill) X(stroke)     \
    X(move_to) X(line_to) X(rectangle) X(new_path) X(set_line_width) X(set_line_cap) X(set_line_join)             \
    X(set_antialias) X(save) X(restore) X(translate) X(rotate) X(select_font_face)               \
    X(set_font_size) X(text_extents) X(font_extents) X(show_text) X(text_path)

static struct {
#define X(name) __typeof__(cairo_##name) *name;
    CAIRO_FUNCS(X)
#undef X
} cr;
static void *cairo_handle;
static pthread_mutex_t cairo_lock = PTHREAD_MUTEX_INITIALIZER;

int wk_draw_load(void)
{
    int status = WK_OK;
    pthread_mutex_lock(&cairo_lock);
    if (!cairo_handle) {
        const char *name = getenv("WICK_CAIRO");
        if (!name || !*name) name = "libcairo.so.2";
        void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        const char *missing = NULL;
        if (h) {
#define X(fn)                                                                                    \
    if (!missing && !(cr.fn = (__typeof__(cr.fn))dlsym(h, "cairo_" #fn))) missing = "cairo_" #fn;
            CAIRO_FUNCS(X)
#undef X
        }
        if (!h)
            status = wk_fail("cannot load cairo (%s); pictures need the Debian package libcairo2 "
                             "(sudo apt-get install libcairo2)", dlerror());
        else if (missing) {
            dlclose(h);
            status = wk_fail("cairo library '%s' lacks %s; install the Debian package libcairo2 "
                             "(sudo apt-get install libcairo2)", name, missing);
        } else {
            cairo_handle = h;
        }
    }
    pthread_mutex_unlock(&cairo_lock);
    return status;
}

/* ---- colours -------------------------------------------------------------------- */

/* Eleven evenly spaced stops of each map (matplotlib's viridis and magma, ColorBrewer's
 * RdBu), interpolated linearly: within 1/255 of the full 256-entry tables. */
static const unsigned char viridis[11][3] = {
    {68, 1, 84},    {72, 37, 118},  {65, 68, 135},  {53, 96, 141},  {42, 120, 142}, {33, 144, 140},
    {34, 168, 132}, {67, 191, 113}, {122, 209, 81}, {187, 223, 39}, {253, 231, 37}};
static const unsigned char magma[11][3] = {
    {0, 0, 4},       {20, 14, 54},    {59, 15, 112},   {100, 26, 128},  {140, 41, 129}, {183, 55, 121},
    {222, 73, 104},  {247, 112, 92},  {254, 159, 109}, {254, 207, 146}, {252, 253, 191}};
static const unsigned char rdbu[11][3] = {
    {103, 0, 31},    {178, 24, 43},   {214, 96, 77},   {244, 165, 130}, {253, 219, 199}, {247, 247, 247},
    {209, 229, 240}, {146, 197, 222}, {67, 147, 195},  {33, 102, 172},  {5, 48, 97}};
static const unsigned char grey[2][3] = {{0, 0, 0}, {255, 255, 255}};

static const struct {
    const char *name;
    const unsigned char (*stops)[3];
    int n, reversed;
} colormaps[] = {{"viridis", viridis, 11, 0}, {"magma", magma, 11, 0}, {"grey", grey, 2, 0},
                 {"rdbu", rdbu, 11, 0},       {"rdbu_r", rdbu, 11, 1}};

int wk_colormap(float *rgb, const char *name, double t)
{
    size_t k, nmaps = sizeof colormaps / sizeof colormaps[0];
    for (k = 0; k < nmaps && strcmp(colormaps[k].name, name ? name : ""); k++) {}
    if (k == nmaps)
        return wk_fail("unknown colormap '%s' (known: viridis, magma, grey, rdbu, rdbu_r)", name ? name : "(null)");
    if (!(t >= 0)) t = 0;   /* also NaN */
    if (t > 1) t = 1;
    if (colormaps[k].reversed) t = 1 - t;
    double pos = t * (colormaps[k].n - 1);
    int i = (int)pos;
    if (i >= colormaps[k].n - 1) i = colormaps[k].n - 2;
    double f = pos - i;
    for (int c = 0; c < 3; c++)
        rgb[c] = (float)(((1 - f) * colormaps[k].stops[i][c] + f * colormaps[k].stops[i + 1][c]) / 255.0);
    return WK_OK;
}

static const unsigned char tableau[10][3] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},
                                             {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
                                             {188, 189, 34},  {23, 190, 207}};

void wk_palette(float *rgb, int64_t id)
{
    if (id >= 1 && id <= 10) {
        for (int c = 0; c < 3; c++) rgb[c] = tableau[id - 1][c] / 255.0f;
        return;
    }
    /* golden-angle hue steps keep neighbouring ids far apart; HSV with s 0.65, v 0.85 */
    double h = fmod((double)(id < 0 ? -id : id) * 0.618033988749895, 1.0) * 6, s = 0.65, v = 0.85;
    int i = (int)h % 6;
    double f = h - floor(h), p = v * (1 - s), q = v * (1 - s * f), u = v * (1 - s * (1 - f));
    double r[6] = {v, q, p, p, u, v}, g[6] = {u, v, v, q, p, p}, b[6] = {p, p, u, v, v, q};
    rgb[0] = (float)r[i], rgb[1] = (float)g[i], rgb[2] = (float)b[i];
}

/* ---- canvas: a cairo image surface and its context ------------------------------ */

typedef struct canvas {
    cairo_surface_t *surface;
    cairo_t *c;
    int w, h;
} canvas;

static int canvas_open(canvas *cv, int w, int h, const float *bg)
{
    memset(cv, 0, sizeof *cv);
    if (wk_draw_load()) return WK_ERR;
    if (w < 1 || h < 1 || w > WK_DRAW_MAX_SIDE || h > WK_DRAW_MAX_SIDE)
        return wk_fail("picture size %d×%d is outside 1..%d", w, h, WK_DRAW_MAX_SIDE);
    cv->w = w, cv->h = h;
    cv->surface = cr.image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cr.surface_status(cv->surface) != CAIRO_STATUS_SUCCESS) {
        int st = cr.surface_status(cv->surface);
        cr.surface_destroy(cv->surface);
        cv->surface = NULL;
        return wk_fail("cannot make a %d×%d picture: %s", w, h, cr.status_to_string(st));
    }
    cv->c = cr.create(cv->surface);
    cr.set_operator(cv->c, CAIRO_OPERATOR_SOURCE);
    cr.set_source_rgba(cv->c, bg[0], bg[1], bg[2], bg[3]);
    cr.paint(cv->c);
    cr.set_operator(cv->c, CAIRO_OPERATOR_OVER);
    return WK_OK;
}

static void canvas_close(canvas *cv)
{
    if (cv->c) cr.destroy(cv->c);
    if (cv->surface) cr.surface_destroy(cv->surface);
    memset(cv, 0, sizeof *cv);
}

/* dst = the canvas as a channels×H×W tensor (3: RGB, 4: RGBA un-premultiplied). */
static int canvas_finish(wk_tensor *dst, canvas *cv, int channels)
{
    if (cr.status(cv->c) != CAIRO_STATUS_SUCCESS)
        return wk_fail("cairo failed while drawing: %s", cr.status_to_string(cr.status(cv->c)));
    cr.surface_flush(cv->surface);
    const unsigned char *data = cr.image_surface_get_data(cv->surface);
    int stride = cr.image_surface_get_stride(cv->surface);
    int64_t shape[3] = {channels, cv->h, cv->w}, plane = (int64_t)cv->h * cv->w;
    if (wk_tensor_new(dst, 3, shape)) return WK_ERR;
    float *out = wk_tensor_data(dst);   // (channels, H, W)
    for (int y = 0; y < cv->h; y++) {
        const uint32_t *row = (const uint32_t *)(data + (size_t)y * stride);
        for (int x = 0; x < cv->w; x++) {
            uint32_t p = row[x];
            float a = (float)(p >> 24), rgb[3] = {(float)((p >> 16) & 255), (float)((p >> 8) & 255), (float)(p & 255)};
            int64_t at = (int64_t)y * cv->w + x;
            for (int c = 0; c < 3; c++) {
                float v = channels == 4 ? (a > 0 ? rgb[c] / a : 0) : rgb[c] / 255.0f;
                out[c * plane + at] = v > 1 ? 1 : v;
            }
            if (channels == 4) out[3 * plane + at] = a / 255.0f;
        }
    }
    return WK_OK;
}

/* Text checks: cairo puts its context in an error state on invalid UTF-8, after which
 * nothing more is drawn, so strings are validated first. */
static int utf8_valid(const char *s)
{
    size_t n = strlen(s);
    return wk_utf8_valid_prefix(s, n) == n;   /* strict: no overlongs, surrogates or > U+10FFFF */
}

static void set_font(cairo_t *c, double size, int bold)
{
    cr.select_font_face(c, "sans-serif", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cr.set_font_size(c, size);
}

static double text_width(cairo_t *c, const char *s)
{
    cairo_text_extents_t e;
    cr.text_extents(c, s, &e);
    return e.x_advance;
}

/* Draw s with its anchor at (x, y): ax is the fraction of its width left of the anchor
 * (0 left, 0.5 centre, 1 right), ay places the anchor between the font's top (0) and
 * bottom (1); angle turns the text about the anchor (radians, clockwise on screen). */
static void show_text(cairo_t *c, double x, double y, const char *s, double ax, double ay, double angle)
{
    cairo_font_extents_t f;
    cr.font_extents(c, &f);
    double w = text_width(c, s);
    cr.save(c);
    cr.translate(c, x, y);
    if (angle != 0) cr.rotate(c, angle);
    cr.move_to(c, -ax * w, f.ascent - ay * (f.ascent + f.descent));
    cr.show_text(c, s);
    cr.new_path(c);
    cr.restore(c);
}

/* The outline of s, placed as show_text places it (ay 0), stroked in the background's
 * colour: a halo that keeps a text readable over the points and lines under it. */
static void text_halo(cairo_t *c, double x, double y, const char *s, double ax, const float *bg, double width)
{
    cairo_font_extents_t f;
    cr.font_extents(c, &f);
    cr.save(c);
    cr.move_to(c, x - ax * text_width(c, s), y + f.ascent);
    cr.text_path(c, s);
    cr.set_source_rgba(c, bg[0], bg[1], bg[2], 0.8 * bg[3]);
    cr.set_line_width(c, width);
    cr.set_line_join(c, CAIRO_LINE_JOIN_ROUND);
    cr.stroke(c);
    cr.restore(c);
}

static int check_rgb(const float *rgb, const char *what)
{
    for (int c = 0; c < 3; c++)
        if (!(rgb[c] >= 0 && rgb[c] <= 1)) return wk_fail("%s must have components in [0,1]", what);
    return WK_OK;
}

/* ---- scatter -------------------------------------------------------------------- */

/* Blend a disc into the surface's pixels directly (OVER, premultiplied): cairo's
 * arc-and-fill costs ~8 µs a point, which makes a 70,000-point frame take half a second;
 * this takes ~0.1 µs for a small disc. Coverage is the distance from the pixel centre to
 * the rim, clamped to [0,1] — a one-pixel antialiased edge. */
static void blend_disc(unsigned char *data, int stride, int w, int h, double cx, double cy, double r,
                       const float *rgb, double alpha)
{
    int x0 = (int)fmax(0, floor(cx - r - 0.5)), x1 = (int)fmin(w - 1, ceil(cx + r + 0.5));
    int y0 = (int)fmax(0, floor(cy - r - 0.5)), y1 = (int)fmin(h - 1, ceil(cy + r + 0.5));
    double src[3] = {rgb[0] * 255.0, rgb[1] * 255.0, rgb[2] * 255.0};
    for (int y = y0; y <= y1; y++) {
        uint32_t *row = (uint32_t *)(data + (size_t)y * stride);
        double dy = y + 0.5 - cy;
        for (int x = x0; x <= x1; x++) {
            double dx = x + 0.5 - cx, cov = r + 0.5 - sqrt(dx * dx + dy * dy);
            if (cov <= 0) continue;
            double a = alpha * (cov < 1 ? cov : 1), keep = 1 - a;
            uint32_t p = row[x];
            double da = (double)(p >> 24), dr = (double)((p >> 16) & 255), dg = (double)((p >> 8) & 255),
                   db = (double)(p & 255);
            uint32_t na = (uint32_t)(255.0 * a + da * keep + 0.5), nr = (uint32_t)(src[0] * a + dr * keep + 0.5),
                     ng = (uint32_t)(src[1] * a + dg * keep + 0.5), nb = (uint32_t)(src[2] * a + db * keep + 0.5);
            row[x] = na << 24 | nr << 16 | ng << 8 | nb;
        }
    }
}

typedef struct xform {
    double sx, sy, ox, oy;   /* pixel = o + s·data */
} xform;

/* Read the (N, 2) points into xy (N·2 doubles, caller frees), checking finiteness. */
static int read_points(double **xy, const wk_tensor *points)
{
    char buf[64];
    *xy = NULL;
    if (points->ndim != 2 || points->shape[1] != 2)
        return wk_fail("points must be an N×2 tensor, got shape %s", wk_tensor_shape_str(points, buf, sizeof buf));
    int64_t n = points->shape[0];
    if (n < 1) return wk_fail("no points to draw");
    double *p = malloc(sizeof *p * 2 * (size_t)n);
    if (!p) return wk_fail("cannot allocate %lld points", (long long)n);
    const float *base = wk_tensor_data(points);
    for (int64_t i = 0; i < n; i++)
        for (int d = 0; d < 2; d++) {
            float v = base[i * points->stride[0] + d * points->stride[1]];
            if (!isfinite(v)) {
                free(p);
                return wk_fail("point %lld is %s (coordinate %d)", (long long)i + 1, isnan(v) ? "NaN" : "infinite", d + 1);
            }
            p[2 * i + d] = v;
        }
    *xy = p;
    return WK_OK;
}

static double title_size(const wk_scatter_opts *o) { return o->font_size * 1.4; }

static int scatter_xform(xform *t, const double *xy, int64_t n, const wk_scatter_opts *o)
{
    if (o->width < 1 || o->height < 1 || o->width > WK_DRAW_MAX_SIDE || o->height > WK_DRAW_MAX_SIDE)
        return wk_fail("picture size %d×%d is outside 1..%d", o->width, o->height, WK_DRAW_MAX_SIDE);
    double m = o->margin;
    if (m < 0) {   /* room for a disc at the edge, 4% of the short side, less than half of it */
        int side = o->width < o->height ? o->width : o->height;
        m = fmin(fmax(o->radius + 2, round(0.04 * side)), floor((side - 1) / 2.0));
    }
    double top = m + (o->title ? title_size(o) * 1.6 : 0);
    double aw = o->width - 2 * m, ah = o->height - m - top;
    if (aw <= 0 || ah <= 0)
        return wk_fail("picture %d×%d is too small for a margin of %g pixels", o->width, o->height, m);
    double x0, y0, x1, y1;
    if (o->bounds) {
        x0 = o->bounds[0], y0 = o->bounds[1], x1 = o->bounds[2], y1 = o->bounds[3];
        if (!(x1 > x0 && y1 > y0) || !isfinite(x1 - x0) || !isfinite(y1 - y0))
            return wk_fail("bounds {%g, %g, %g, %g} must be finite with x0 < x1 and y0 < y1", x0, y0, x1, y1);
    } else {
        x0 = x1 = xy[0], y0 = y1 = xy[1];
        for (int64_t i = 1; i < n; i++) {
            x0 = fmin(x0, xy[2 * i]), x1 = fmax(x1, xy[2 * i]);
            y0 = fmin(y0, xy[2 * i + 1]), y1 = fmax(y1, xy[2 * i + 1]);
        }
        /* a single point, or all on one line: a unit-wide extent centres them */
        if (x1 - x0 <= 0) x0 -= 0.5, x1 += 0.5;
        if (y1 - y0 <= 0) y0 -= 0.5, y1 += 0.5;
    }
    t->sx = aw / (x1 - x0), t->sy = ah / (y1 - y0);
    if (!o->stretch) t->sx = t->sy = fmin(t->sx, t->sy);
    t->ox = m + (aw - t->sx * (x1 - x0)) / 2 - t->sx * x0;
    t->oy = top + (ah - t->sy * (y1 - y0)) / 2 - t->sy * y0;
    return WK_OK;
}

int wk_scatter_transform(double *px, double *py, const wk_tensor *points, const wk_scatter_opts *o, double x,
                         double y)
{
    double *xy;
    xform t;
    if (read_points(&xy, points)) return WK_ERR;
    int st = scatter_xform(&t, xy, points->shape[0], o);
    free(xy);
    if (st) return WK_ERR;
    *px = t.ox + t.sx * x, *py = t.oy + t.sy * y;
    return WK_OK;
}

/* Every check on the options that does not need cairo. */
static int scatter_check(const wk_scatter_opts *o, int64_t n)
{
    char buf[64];
    if (!(o->radius > 0 && o->radius <= WK_DRAW_MAX_SIDE)) return wk_fail("radius must be positive, got %g", o->radius);
    if (!(o->alpha >= 0 && o->alpha <= 1)) return wk_fail("alpha must be in [0,1], got %g", o->alpha);
    if (!(o->font_size > 0 && o->font_size <= 1000)) return wk_fail("font_size must be in (0, 1000], got %g", o->font_size);
    if (!(o->line_width > 0 && o->line_width <= 1000)) return wk_fail("line_width must be positive, got %g", o->line_width);
    if (check_rgb(o->color, "color") || check_rgb(o->text_color, "text_color") ||
        check_rgb(o->line_color, "line_color") || check_rgb(o->background, "background"))
        return WK_ERR;
    if (!(o->background[3] >= 0 && o->background[3] <= 1)) return wk_fail("background alpha must be in [0,1]");
    if (o->colors && (o->colors->ndim != 2 || o->colors->shape[0] != n || o->colors->shape[1] != 3))
        return wk_fail("colors must be an N×3 tensor for %lld points, got shape %s", (long long)n,
                       wk_tensor_shape_str(o->colors, buf, sizeof buf));
    if (o->colors && o->labels) return wk_fail("give colors or labels, not both");
    if (o->labels)
        for (int64_t i = 0; i < n; i++)
            if (o->labels[i] < 1) return wk_fail("label %lld is %lld; class ids start at 1", (long long)i + 1, (long long)o->labels[i]);
    for (int64_t k = 0; k < o->nlines; k++)
        for (int e = 0; e < 2; e++) {
            int64_t p = o->lines[2 * k + e];
            if (p < 0 || p >= n)
                return wk_fail("line %lld joins point %lld, outside 1..%lld", (long long)k + 1, (long long)p + 1, (long long)n);
        }
    if (o->text)
        for (int64_t i = 0; i < n; i++)
            if (o->text[i] && !utf8_valid(o->text[i])) return wk_fail("text %lld is not valid UTF-8", (long long)i + 1);
    if (o->title && !utf8_valid(o->title)) return wk_fail("title is not valid UTF-8");
    return WK_OK;
}

/* Point i's colour: its row of colors, its label's palette colour, or o->color. */
static void point_color(float *rgb, const wk_scatter_opts *o, int64_t i)
{
    if (o->colors) {
        const float *col = wk_tensor_data(o->colors);
        for (int k = 0; k < 3; k++) {
            float v = col[i * o->colors->stride[0] + k * o->colors->stride[1]];
            rgb[k] = v > 1 ? 1 : v >= 0 ? v : 0;   /* NaN → 0 */
        }
    } else if (o->labels) {
        wk_palette(rgb, o->labels[i]);
    } else {
        memcpy(rgb, o->color, 3 * sizeof *rgb);
    }
}

/* Where the texts go. Each sits right of its point, as long as its box overlaps no text
 * placed before it; otherwise at the first free one of a few spots around the point
 * (left, a little above or below on either side, centred above or below, then a line
 * further up or down), so a text never strays more than about two lines from its point
 * and needs no leader line; spots that would leave the picture are passed over. When
 * every spot is taken it keeps the right-hand one. Checking every pair costs n^2: past LABEL_AVOID_MAX texts
 * (a map of thousands of words) all keep the right-hand spot. */
#define LABEL_AVOID_MAX 4000

typedef struct label_box {
    double x0, y0, x1, y1;
} label_box;

static int boxes_meet(const label_box *a, const label_box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

/* The spots a text may take: its anchor's offset from the point in units of the gap g
 * (radius + 2 pixels) across and down and of the text's height h down, and the share of
 * its width left of the anchor (show_text's ax). The first is the usual one. */
static const double label_spots[][4] = {
    {1, 0, -0.5, 0}, {-1, 0, -0.5, 1}, {1, 0, -1.25, 0}, {1, 0, 0.25, 0}, {-1, 0, -1.25, 1}, {-1, 0, 0.25, 1},
    {0, -1, -1, 0.5}, {0, 1, 0, 0.5},   {1, 0, -2, 0},    {1, 0, 1, 0},    {-1, 0, -2, 1},    {-1, 0, 1, 1},
};
#define LABEL_SPOTS ((int)(sizeof label_spots / sizeof label_spots[0]))

/* The box of a w-wide, h-high text at spot k of point (px, py). */
static label_box spot_box(int k, double px, double py, double g, double h, double w)
{
    const double *s = label_spots[k];
    const double x = px + s[0] * g - s[3] * w, y = py + s[1] * g + s[2] * h;
    return (label_box){x, y, x + w, y + h};
}

/* at (n, 3): x, y, ax of each text's anchor for show_text (ay 0: the box's top). */
static int place_labels(cairo_t *c, const wk_scatter_opts *o, const double *xy, const xform *t, int64_t n,
                        double *at)
{
    cairo_font_extents_t f;
    cr.font_extents(c, &f);
    const double h = f.ascent + f.descent, g = o->radius + 2;
    int64_t count = 0, np = 0;
    for (int64_t i = 0; i < n; i++) count += o->text[i] && *o->text[i];
    label_box *placed = NULL;   /* (np) the boxes taken so far */
    if (count <= LABEL_AVOID_MAX && !(placed = malloc(sizeof *placed * (size_t)(count ? count : 1))))
        return wk_fail("out of memory placing %lld texts", (long long)count);
    for (int64_t i = 0; i < n; i++) {
        if (!o->text[i] || !*o->text[i]) continue;
        const double px = t->ox + t->sx * xy[2 * i], py = t->oy + t->sy * xy[2 * i + 1], w = text_width(c, o->text[i]);
        int pick = 0;
        for (int k = 0; placed && k < LABEL_SPOTS; k++) {
            const label_box b = spot_box(k, px, py, g, h, w);
            if (k > 0 && (b.x0 < 0 || b.y0 < 0 || b.x1 > o->width || b.y1 > o->height)) continue;
            int64_t j = 0;
            while (j < np && !boxes_meet(&b, placed + j)) j++;
            if (j == np) {
                pick = k;
                break;
            }
        }
        if (placed) placed[np++] = spot_box(pick, px, py, g, h, w);
        const double *s = label_spots[pick];
        at[3 * i] = px + s[0] * g;
        at[3 * i + 1] = py + s[1] * g + s[2] * h;
        at[3 * i + 2] = s[3];
    }
    free(placed);
    return WK_OK;
}

int wk_draw_scatter(wk_tensor *dst, const wk_tensor *points, const wk_scatter_opts *o)
{
    double *xy;
    xform t;
    canvas cv;
    if (read_points(&xy, points)) return WK_ERR;
    int64_t n = points->shape[0];
    if (scatter_check(o, n) || scatter_xform(&t, xy, n, o) ||
        canvas_open(&cv, o->width, o->height, o->background)) {
        free(xy);
        return WK_ERR;
    }
    cairo_t *c = cv.c;
    /* segments under the points */
    cr.set_line_width(c, o->line_width);
    cr.set_line_cap(c, CAIRO_LINE_CAP_ROUND);
    cr.set_source_rgba(c, o->line_color[0], o->line_color[1], o->line_color[2], 1);
    for (int64_t k = 0; k < o->nlines; k++) {
        const double *a = xy + 2 * o->lines[2 * k], *b = xy + 2 * o->lines[2 * k + 1];
        cr.move_to(c, t.ox + t.sx * a[0], t.oy + t.sy * a[1]);
        cr.line_to(c, t.ox + t.sx * b[0], t.oy + t.sy * b[1]);
        cr.stroke(c);
    }
    cr.surface_flush(cv.surface);
    unsigned char *pixels = cr.image_surface_get_data(cv.surface);
    int stride = cr.image_surface_get_stride(cv.surface);
    for (int64_t i = 0; i < n; i++) {
        float rgb[3];
        point_color(rgb, o, i);
        blend_disc(pixels, stride, cv.w, cv.h, t.ox + t.sx * xy[2 * i], t.oy + t.sy * xy[2 * i + 1], o->radius, rgb,
                   o->alpha);
    }
    cr.surface_mark_dirty(cv.surface);
    if (o->text) {
        set_font(c, o->font_size, 0);
        double *at = malloc(sizeof *at * 3 * (size_t)(n ? n : 1));   /* (n, 3) where each text goes */
        if (!at || place_labels(c, o, xy, &t, n, at)) {
            if (!at) wk_fail("out of memory placing %lld texts", (long long)n);
            free(at);
            free(xy);
            canvas_close(&cv);
            return WK_ERR;
        }
        for (int64_t i = 0; i < n; i++)   /* every halo first, so none covers a text */
            if (o->text[i] && *o->text[i])
                text_halo(c, at[3 * i], at[3 * i + 1], o->text[i], at[3 * i + 2], o->background, o->font_size / 5);
        cr.set_source_rgba(c, o->text_color[0], o->text_color[1], o->text_color[2], 1);
        for (int64_t i = 0; i < n; i++)
            if (o->text[i] && *o->text[i]) {
                if (o->text_point_color) {
                    float rgb[3];
                    point_color(rgb, o, i);
                    cr.set_source_rgba(c, rgb[0], rgb[1], rgb[2], 1);
                }
                show_text(c, at[3 * i], at[3 * i + 1], o->text[i], at[3 * i + 2], 0, 0);
            }
        free(at);
    }
    if (o->title) {
        set_font(c, title_size(o), 1);
        cr.set_source_rgba(c, o->text_color[0], o->text_color[1], o->text_color[2], 1);
        double m = o->margin < 0 ? 8 : o->margin;
        show_text(c, o->width / 2.0, fmax(2, m * 0.5), o->title, 0.5, 0, 0);
    }
    free(xy);
    int st = canvas_finish(dst, &cv, o->background[3] < 1 ? 4 : 3);
    canvas_close(&cv);
    return st;
}

/* ---- heatmap -------------------------------------------------------------------- */

int wk_draw_heatmap(wk_tensor *dst, int64_t *origin, const wk_tensor *m, const wk_heatmap_opts *o)
{
    char buf[64];
    float rgb[3];
    if (m->ndim != 2 || m->shape[0] < 1 || m->shape[1] < 1)
        return wk_fail("expected a non-empty matrix R×C, got shape %s", wk_tensor_shape_str(m, buf, sizeof buf));
    int64_t rows = m->shape[0], cols = m->shape[1];
    if (o->cell < 1 || o->cell > WK_DRAW_MAX_SIDE) return wk_fail("cell must be 1..%d pixels, got %d", WK_DRAW_MAX_SIDE, o->cell);
    if (!(o->font_size > 0 && o->font_size <= 1000)) return wk_fail("font_size must be in (0, 1000], got %g", o->font_size);
    if (wk_colormap(rgb, o->colormap, 0) || check_rgb(o->background, "background")) return WK_ERR;
    if (rows * o->cell > WK_DRAW_MAX_SIDE || cols * o->cell > WK_DRAW_MAX_SIDE)
        return wk_fail("a %lld×%lld matrix at %d pixels a cell exceeds %d pixels; use a smaller cell", (long long)rows,
                       (long long)cols, o->cell, WK_DRAW_MAX_SIDE);
    const float *a = wk_tensor_data(m);
#define AT(i, j) a[(i) * m->stride[0] + (j) * m->stride[1]]
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) {
            float v = AT(i, j);
            if (!isfinite(v))
                return wk_fail("entry (%lld,%lld) is %s", (long long)i + 1, (long long)j + 1, isnan(v) ? "NaN" : "infinite");
            lo = fmin(lo, v), hi = fmax(hi, v);
        }
    if (o->has_range) {
        if (!(o->lo < o->hi) || !isfinite(o->hi - o->lo))
            return wk_fail("range {%g, %g} must be finite with lo < hi", o->lo, o->hi);
        lo = o->lo, hi = o->hi;
    }
    const char *const *names[2] = {o->row_names, o->col_names};
    for (int k = 0; k < 2; k++)
        for (int64_t i = 0; names[k] && i < (k ? cols : rows); i++)
            if (!names[k][i] || !utf8_valid(names[k][i]))
                return wk_fail("%s name %lld is %s", k ? "column" : "row", (long long)i + 1, names[k][i] ? "not valid UTF-8" : "missing");
    if (o->title && !utf8_valid(o->title)) return wk_fail("title is not valid UTF-8");

    /* measure the labels on a scratch canvas, then lay out: labels, pad, grid, pad */
    canvas cv;
    const float clear[4] = {1, 1, 1, 1};
    if (canvas_open(&cv, 1, 1, clear)) return WK_ERR;
    double pad = 6, row_w = 0, col_h = 0, tsize = o->font_size * 1.4;
    set_font(cv.c, o->font_size, 0);
    for (int64_t i = 0; o->row_names && i < rows; i++) row_w = fmax(row_w, text_width(cv.c, o->row_names[i]));
    for (int64_t j = 0; o->col_names && j < cols; j++) col_h = fmax(col_h, text_width(cv.c, o->col_names[j]));
    double title_w = 0;
    if (o->title) {
        set_font(cv.c, tsize, 1);
        title_w = text_width(cv.c, o->title);
    }
    canvas_close(&cv);
    int64_t x0 = (int64_t)ceil(pad + (o->row_names ? row_w + pad : 0));
    int64_t y0 = (int64_t)ceil(pad + (o->title ? tsize * 1.5 : 0) + (o->col_names ? col_h + pad : 0));
    int64_t w = x0 + cols * o->cell + (int64_t)pad, h = y0 + rows * o->cell + (int64_t)pad;
    if (w < (int64_t)(title_w + 2 * pad)) w = (int64_t)ceil(title_w + 2 * pad);
    if (w > WK_DRAW_MAX_SIDE || h > WK_DRAW_MAX_SIDE)
        return wk_fail("the heatmap would be %lld×%lld pixels, more than %d; use a smaller cell or font_size", (long long)w,
                       (long long)h, WK_DRAW_MAX_SIDE);
    const float bg[4] = {o->background[0], o->background[1], o->background[2], 1};
    if (canvas_open(&cv, (int)w, (int)h, bg)) return WK_ERR;
    cairo_t *c = cv.c;

    /* cells on whole pixels, without antialiasing, so each is exactly its colour */
    cr.set_antialias(c, CAIRO_ANTIALIAS_NONE);
    double vsize = fmin(o->font_size, o->cell * 0.4);
    set_font(c, vsize, 0);
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) {
            double v = AT(i, j);
            wk_colormap(rgb, o->colormap, hi > lo ? (v - lo) / (hi - lo) : 0.5);
            cr.set_source_rgba(c, rgb[0], rgb[1], rgb[2], 1);
            cr.rectangle(c, (double)(x0 + j * o->cell), (double)(y0 + i * o->cell), o->cell, o->cell);
            cr.fill(c);
        }
    cr.set_antialias(c, CAIRO_ANTIALIAS_DEFAULT);
    if (o->values)
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++) {
                double v = AT(i, j);
                char s[32];
                snprintf(s, sizeof s, fabs(v) < 10 ? "%.2f" : "%.3g", v);
                wk_colormap(rgb, o->colormap, hi > lo ? (v - lo) / (hi - lo) : 0.5);
                double light = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 0.5 ? 0 : 1;
                cr.set_source_rgba(c, light, light, light, 1);
                show_text(c, x0 + (j + 0.5) * o->cell, y0 + (i + 0.5) * o->cell, s, 0.5, 0.5, 0);
            }
#undef AT
    /* labels in the text colour that contrasts with the background */
    double ink = 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2] > 0.5 ? 0.1 : 0.9;
    cr.set_source_rgba(c, ink, ink, ink, 1);
    set_font(c, o->font_size, 0);
    for (int64_t i = 0; o->row_names && i < rows; i++)
        show_text(c, x0 - pad, y0 + (i + 0.5) * o->cell, o->row_names[i], 1, 0.5, 0);
    for (int64_t j = 0; o->col_names && j < cols; j++)
        show_text(c, x0 + (j + 0.5) * o->cell, y0 - pad, o->col_names[j], 0, 0.5, -M_PI / 2);
    if (o->title) {
        set_font(c, tsize, 1);
        show_text(c, w / 2.0, pad, o->title, 0.5, 0, 0);
    }
    int st = canvas_finish(dst, &cv, 3);
    canvas_close(&cv);
    if (!st && origin) origin[0] = x0, origin[1] = y0;
    return st;
}

/* ---- line plot ------------------------------------------------------------------ */

/* "'train'" or "3": how an error names a series. */
static const char *series_name(char *buf, size_t size, const wk_line_series *s, int64_t i)
{
    if (s->name) snprintf(buf, size, "'%s'", s->name);
    else snprintf(buf, size, "%lld", (long long)i + 1);
    return buf;
}

/* A step of 1, 2 or 5 × 10^k giving about `target` intervals over span. */
static double nice_step(double span, int target)
{
    double raw = span / target, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

#define MAX_TICKS 64

/* Linear ticks: the multiples of a nice step inside [lo, hi], with their labels. */
static int linear_ticks(double *at, char (*label)[24], double lo, double hi, int target)
{
    double step = nice_step(hi - lo, target);
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    int n = 0;
    for (double k = ceil(lo / step); k * step <= hi * (1 + 1e-12) && n < MAX_TICKS; k++) {
        double v = k * step;
        if (fabs(v) < step * 1e-9) v = 0;   /* no "-0" */
        at[n] = v;
        if (fabs(v) >= 1e6 || dec > 6) snprintf(label[n], 24, "%.3g", v);
        else snprintf(label[n], 24, "%.*f", dec, v);
        n++;
    }
    return n;
}

/* Log ticks over [lo, hi] given as log10 values: powers of ten (every k-th decade when
 * there are many), or 1-2-5 (then 1..9) within a narrow window. at holds log10 values. */
static int log_ticks(double *at, char (*label)[24], double lo, double hi)
{
    int n = 0, first = (int)ceil(lo - 1e-9), last = (int)floor(hi + 1e-9);
    if (last - first >= 2) {
        int every = (last - first) / 8 + 1;
        for (int e = first; e <= last && n < MAX_TICKS; e++)
            if ((e - first) % every == 0) {
                at[n] = e;
                snprintf(label[n++], 24, "%g", pow(10, e));
            }
        return n;
    }
    static const int sets[2][9] = {{1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    static const int sizes[2] = {3, 9};
    for (int k = 0; k < 2; k++) {
        n = 0;
        for (int e = (int)floor(lo); e <= (int)ceil(hi) && n < MAX_TICKS; e++)
            for (int m = 0; m < sizes[k] && n < MAX_TICKS; m++) {
                double v = log10(sets[k][m]) + e;
                if (v < lo - 1e-9 || v > hi + 1e-9) continue;
                at[n] = v;
                snprintf(label[n++], 24, "%g", sets[k][m] * pow(10, e));
            }
        if (n >= 2) break;
    }
    return n;
}

/* Every check, and the data window [x0, x1] × [y0, y1] (y in log10 with log_y). */
static int lines_window(double *win, const wk_line_series *s, int64_t ns, const wk_line_opts *o)
{
    char nb[96];
    if (ns < 1) return wk_fail("no series to draw");
    if (o->width < 1 || o->height < 1 || o->width > WK_DRAW_MAX_SIDE || o->height > WK_DRAW_MAX_SIDE)
        return wk_fail("picture size %d×%d is outside 1..%d", o->width, o->height, WK_DRAW_MAX_SIDE);
    if (!(o->line_width > 0 && o->line_width <= 1000)) return wk_fail("line_width must be in (0, 1000], got %g", o->line_width);
    if (!(o->font_size > 0 && o->font_size <= 1000)) return wk_fail("font_size must be in (0, 1000], got %g", o->font_size);
    if (check_rgb(o->background, "background")) return WK_ERR;
    const char *texts[3] = {o->title, o->x_label, o->y_label}, *what[3] = {"title", "x_label", "y_label"};
    for (int k = 0; k < 3; k++)
        if (texts[k] && !utf8_valid(texts[k])) return wk_fail("%s is not valid UTF-8", what[k]);
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int64_t i = 0; i < ns; i++) {
        const wk_line_series *e = &s[i];
        if (e->name && !utf8_valid(e->name)) return wk_fail("series %lld's name is not valid UTF-8", (long long)i + 1);
        if (check_rgb(e->color, "a series colour")) return WK_ERR;
        if (e->n < 1) return wk_fail("series %s is empty", series_name(nb, sizeof nb, e, i));
        int64_t finite = 0;
        for (int64_t k = 0; k < e->n; k++) {
            double x = e->x ? e->x[k] : (double)(k + 1), y = e->y[k];
            if (!isfinite(x))
                return wk_fail("series %s has x value %lld = %s; x values must be finite", series_name(nb, sizeof nb, e, i),
                               (long long)k + 1, isnan(x) ? "NaN" : "infinite");
            if (isnan(y)) continue;   /* a gap */
            if (isinf(y))
                return wk_fail("series %s value %lld is infinite (NaN values are gaps; infinite ones are refused)",
                               series_name(nb, sizeof nb, e, i), (long long)k + 1);
            if (o->log_y && !(y > 0))
                return wk_fail("log_y needs values > 0, but series %s value %lld is %g", series_name(nb, sizeof nb, e, i),
                               (long long)k + 1, y);
            double fy = o->log_y ? log10(y) : y;
            x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, fy), y1 = fmax(y1, fy);
            finite++;
        }
        if (!finite) return wk_fail("series %s has no values to draw (all NaN)", series_name(nb, sizeof nb, e, i));
    }
    if (x1 - x0 <= 0) x0 -= 0.5, x1 += 0.5;   /* one x: a unit-wide window centres it */
    if (y1 - y0 <= 0) y0 -= 0.5, y1 += 0.5;
    double pad = 0.05 * (y1 - y0);   /* room above and below the extremes */
    win[0] = x0, win[1] = x1, win[2] = y0 - pad, win[3] = y1 + pad;
    if (!isfinite(win[1] - win[0]) || !isfinite(win[3] - win[2])) return wk_fail("the values span more than a double holds");
    return WK_OK;
}

int wk_draw_lines(wk_tensor *dst, wk_line_frame *frame, const wk_line_series *s, int64_t ns, const wk_line_opts *o)
{
    double win[4] = {0, 1, 0, 1};
    if (lines_window(win, s, ns, o)) return WK_ERR;
    const float bg[4] = {o->background[0], o->background[1], o->background[2], 1};
    canvas cv;
    if (canvas_open(&cv, o->width, o->height, bg)) return WK_ERR;
    cairo_t *c = cv.c;
    double f = o->font_size, tsize = f * 1.4, pad = 10, tick = 5, W = o->width, H = o->height;
    double ink = 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2] > 0.5 ? 0.15 : 0.85;

    /* ticks first: the y labels' width sets the left margin */
    double xt[MAX_TICKS], yt[MAX_TICKS];
    char xl[MAX_TICKS][24], yl[MAX_TICKS][24];
    int target_x = (int)fmax(2, fmin(10, W / 110)), target_y = (int)fmax(2, fmin(10, H / 70));
    int nx = linear_ticks(xt, xl, win[0], win[1], target_x);
    int ny = o->log_y ? log_ticks(yt, yl, win[2], win[3]) : linear_ticks(yt, yl, win[2], win[3], target_y);
    set_font(c, f, 0);
    double ylw = 0, xlw = 0;
    for (int i = 0; i < ny; i++) ylw = fmax(ylw, text_width(c, yl[i]));
    for (int i = 0; i < nx; i++) xlw = fmax(xlw, text_width(c, xl[i]));
    double left = pad + (o->y_label ? f * 1.6 : 0) + ylw + tick + 3;
    double top = pad + (o->title ? tsize * 1.6 : f * 0.5);
    double right = pad + xlw / 2;
    double bottom = pad + f * 1.3 + tick + 3 + (o->x_label ? f * 1.6 : 0);
    double aw = W - left - right, ah = H - top - bottom;
    if (aw < 10 || ah < 10) {
        canvas_close(&cv);
        return wk_fail("picture %d×%d is too small for the axes and labels (font_size %g)", o->width, o->height, f);
    }
    double sx = aw / (win[1] - win[0]), sy = ah / (win[3] - win[2]);
#define PX(x) (left + ((x) - win[0]) * sx)
#define PY(fy) (top + ah - ((fy) - win[2]) * sy)

    /* grid lines and ticks, on whole pixels so they stay one pixel wide */
    cr.set_line_width(c, 1);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0) cr.set_source_rgba(c, 0.5 * ink + 0.5 * bg[0], 0.5 * ink + 0.5 * bg[1], 0.5 * ink + 0.5 * bg[2], 0.35);
        else cr.set_source_rgba(c, ink, ink, ink, 1);
        for (int i = 0; i < nx; i++) {
            double x = floor(PX(xt[i])) + 0.5;
            cr.move_to(c, x, pass ? top + ah : top);
            cr.line_to(c, x, top + ah + (pass ? tick : 0));
        }
        for (int i = 0; i < ny; i++) {
            double y = floor(PY(yt[i])) + 0.5;
            cr.move_to(c, pass ? left - tick : left, y);
            cr.line_to(c, pass ? left : left + aw, y);
        }
        cr.stroke(c);
    }
    cr.rectangle(c, floor(left) + 0.5, floor(top) + 0.5, floor(aw), floor(ah));
    cr.stroke(c);
    for (int i = 0; i < nx; i++) show_text(c, PX(xt[i]), top + ah + tick + 3, xl[i], 0.5, 0, 0);
    for (int i = 0; i < ny; i++) show_text(c, left - tick - 3, PY(yt[i]), yl[i], 1, 0.5, 0);
    if (o->x_label) show_text(c, left + aw / 2, H - pad - f * 1.2, o->x_label, 0.5, 0, 0);
    if (o->y_label) show_text(c, pad, top + ah / 2, o->y_label, 0.5, 0, -M_PI / 2);
    if (o->title) {
        set_font(c, tsize, 1);
        show_text(c, left + aw / 2, pad, o->title, 0.5, 0, 0);
        set_font(c, f, 0);
    }

    /* the series in order (later ones on top); a run of one value between gaps is a dot */
    cr.set_line_width(c, o->line_width);
    cr.set_line_cap(c, CAIRO_LINE_CAP_ROUND);
    cr.set_line_join(c, CAIRO_LINE_JOIN_ROUND);
    for (int64_t i = 0; i < ns; i++) {
        const wk_line_series *e = &s[i];
        cr.set_source_rgba(c, e->color[0], e->color[1], e->color[2], 1);
        int64_t run = 0;
        double px = 0, py = 0;
        for (int64_t k = 0; k <= e->n; k++) {
            double y = k < e->n ? e->y[k] : NAN;
            if (isnan(y)) {
                if (run == 1) {
                    cr.stroke(c);
                    cr.arc(c, px, py, o->line_width, 0, 2 * M_PI);
                    cr.fill(c);
                }
                run = 0;
                continue;
            }
            px = PX(e->x ? e->x[k] : (double)(k + 1)), py = PY(o->log_y ? log10(y) : y);
            if (run++ == 0) cr.move_to(c, px, py);
            else cr.line_to(c, px, py);
        }
        cr.stroke(c);
    }

    /* the legend: the named series, top-right inside the plot area */
    int64_t named = 0;
    double nw = 0;
    for (int64_t i = 0; i < ns; i++)
        if (s[i].name) named++, nw = fmax(nw, text_width(c, s[i].name));
    if (o->legend && named) {
        double row = f * 1.5, sample = 2 * f, bw = 8 + sample + 6 + nw + 8, bh = named * row + 8;
        double bx = left + aw - bw - 6, by = top + 6;
        cr.set_source_rgba(c, bg[0], bg[1], bg[2], 0.85);
        cr.rectangle(c, bx, by, bw, bh);
        cr.fill(c);
        cr.set_line_width(c, 1);
        cr.set_source_rgba(c, 0.5 * ink + 0.5 * bg[0], 0.5 * ink + 0.5 * bg[1], 0.5 * ink + 0.5 * bg[2], 1);
        cr.rectangle(c, floor(bx) + 0.5, floor(by) + 0.5, floor(bw), floor(bh));
        cr.stroke(c);
        int64_t r = 0;
        for (int64_t i = 0; i < ns; i++) {
            if (!s[i].name) continue;
            double y = by + 4 + (r++ + 0.5) * row;
            cr.set_line_width(c, fmax(2, o->line_width));
            cr.set_source_rgba(c, s[i].color[0], s[i].color[1], s[i].color[2], 1);
            cr.move_to(c, bx + 8, y);
            cr.line_to(c, bx + 8 + sample, y);
            cr.stroke(c);
            cr.set_source_rgba(c, ink, ink, ink, 1);
            show_text(c, bx + 8 + sample + 6, y, s[i].name, 0, 0.5, 0);
        }
    }
#undef PX
#undef PY
    int st = canvas_finish(dst, &cv, 3);
    canvas_close(&cv);
    if (!st && frame) {
        frame->left = left, frame->top = top, frame->width = aw, frame->height = ah;
        frame->x0 = win[0], frame->x1 = win[1];
        frame->y0 = o->log_y ? pow(10, win[2]) : win[2], frame->y1 = o->log_y ? pow(10, win[3]) : win[3];
    }
    return st;
}

/* ---- mosaic --------------------------------------------------------------------- */

/* A borrowed view (no reference taken) of t's region [c0, c0+nc) × [y, y+h) × [x, x+w);
 * t must outlive it. */
static wk_tensor region(const wk_tensor *t, int64_t c0, int64_t nc, int64_t y, int64_t x, int64_t h, int64_t w)
{
    wk_tensor v = *t;
    v.offset += c0 * t->stride[0] + y * t->stride[1] + x * t->stride[2];
    v.shape[0] = nc, v.shape[1] = h, v.shape[2] = w;
    return v;
}

/* An image as a borrowed 3-D view (an H×W image becomes 1×H×W). */
static wk_tensor as_chw(const wk_tensor *t)
{
    wk_tensor v = *t;
    if (t->ndim == 2) {
        v.ndim = 3;
        v.shape[0] = 1, v.stride[0] = 0;
        v.shape[1] = t->shape[0], v.stride[1] = t->stride[0];
        v.shape[2] = t->shape[1], v.stride[2] = t->stride[1];
    }
    return v;
}

int wk_draw_mosaic(wk_tensor *dst, const wk_tensor *const *images, int64_t n, const int64_t *cells, int cols,
                   int rows, int cell_h, int cell_w, float background)
{
    char buf[64];
    if (n < 1) return wk_fail("no images to place");
    if (cols < 1 || rows < 1) return wk_fail("the grid must have at least one column and row, got %d×%d", cols, rows);
    int64_t ncells = (int64_t)cols * rows, channels = 1, mh = 0, mw = 0;
    for (int64_t k = 0; k < n; k++) {
        const wk_tensor *t = images[k];
        if ((t->ndim != 2 && t->ndim != 3) || (t->ndim == 3 && (t->shape[0] < 1 || t->shape[0] > 4)) ||
            wk_tensor_numel(t) == 0)
            return wk_fail("image %lld has shape %s; expected C×H×W (C = 1..4) or H×W", (long long)k + 1,
                           wk_tensor_shape_str(t, buf, sizeof buf));
        int64_t c = t->ndim == 3 ? t->shape[0] : 1;
        if (c != 1 && channels != 1 && c != channels)
            return wk_fail("image %lld has %lld channels where others have %lld (grey images mix with any)",
                           (long long)k + 1, (long long)c, (long long)channels);
        if (c > channels) channels = c;
        mh = t->shape[t->ndim - 2] > mh ? t->shape[t->ndim - 2] : mh;
        mw = t->shape[t->ndim - 1] > mw ? t->shape[t->ndim - 1] : mw;
    }
    int64_t ch = cell_h > 0 ? cell_h : mh, cw = cell_w > 0 ? cell_w : mw;
    if (rows * ch > WK_IMAGE_MAX_SIDE || cols * cw > WK_IMAGE_MAX_SIDE || rows * ch * cols * cw > WK_IMAGE_MAX_PIXELS)
        return wk_fail("a %d×%d grid of %lld×%lld cells is %lld×%lld pixels, more than a picture can hold", cols, rows,
                       (long long)cw, (long long)ch, (long long)(cols * cw), (long long)(rows * ch));
    /* every cell in range and used once: owner[cell] = 1 + the image in it */
    int64_t *owner = calloc((size_t)ncells, sizeof *owner);
    if (!owner) return wk_fail("cannot allocate a %d×%d grid", cols, rows);
    for (int64_t k = 0; k < n; k++) {
        int64_t c = cells[k];
        if (c < 1 || c > ncells) {
            free(owner);
            return wk_fail("image %lld has cell %lld, outside the %d×%d grid (1..%lld)", (long long)k + 1, (long long)c,
                           cols, rows, (long long)ncells);
        }
        if (owner[c - 1]) {
            int64_t first = owner[c - 1];
            free(owner);
            return wk_fail("cell %lld is given to images %lld and %lld", (long long)c, (long long)first, (long long)k + 1);
        }
        owner[c - 1] = k + 1;
    }
    free(owner);

    int64_t shape[3] = {channels, rows * ch, cols * cw};
    if (wk_tensor_new(dst, 3, shape)) return WK_ERR;
    wk_tensor_fill_(dst, background);
    for (int64_t k = 0; k < n; k++) {
        wk_tensor src = as_chw(images[k]), scaled = {0};
        int64_t h = src.shape[1], w = src.shape[2];
        if (h != ch || w != cw) {
            double s = fmin((double)ch / h, (double)cw / w);
            int64_t nh = (int64_t)fmax(1, round(h * s)), nw = (int64_t)fmax(1, round(w * s));
            if (nh > ch) nh = ch;
            if (nw > cw) nw = cw;
            if (wk_image_resize(&scaled, &src, nh, nw, s < 1 ? WK_RESIZE_AREA : WK_RESIZE_BILINEAR)) {
                wk_tensor_release(dst);
                return WK_ERR;
            }
            src = scaled, h = nh, w = nw;
        }
        int64_t cell = cells[k] - 1, y = (cell / cols) * ch + (ch - h) / 2, x = (cell % cols) * cw + (cw - w) / 2;
        wk_tensor to = region(dst, 0, channels, y, x, h, w);
        int st = wk_tensor_copy_(&to, &src);   /* a grey image broadcasts over the channels */
        wk_tensor_release(&scaled);
        if (st) {
            wk_tensor_release(dst);
            return WK_ERR;
        }
    }
    return WK_OK;
}
