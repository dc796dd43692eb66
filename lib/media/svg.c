/* svg.c — SVG rendering through librsvg + cairo, loaded with dlopen on first use
 * (see svg.h for why). The few types and entry points used are declared here by hand,
 * so building wick needs neither library's headers, and a machine without them still
 * runs every sketch that draws no SVG. */
#include "svg.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "../core/error.h"
#include "../core/limits.h"

// ---- the borrowed ABI ------------------------------------------------------------

/* GLib's GError and librsvg's RsvgRectangle, laid out as in their headers. */
typedef struct svg_gerror {
    uint32_t domain;
    int code;
    char *message;
} svg_gerror;

typedef struct svg_rect {
    double x, y, width, height;
} svg_rect;

enum { CAIRO_FORMAT_ARGB32 = 0, CAIRO_STATUS_SUCCESS = 0 };

static struct {
    int tried, ok;
    char why[256];
    void *(*handle_new_from_data)(const uint8_t *data, size_t len, svg_gerror **err);
    int (*render_document)(void *handle, void *cr, const svg_rect *viewport, svg_gerror **err);
    void (*object_unref)(void *obj);
    void (*error_free)(svg_gerror *err);
    void *(*surface_create)(int format, int width, int height);
    int (*surface_status)(void *surface);
    void (*surface_flush)(void *surface);
    unsigned char *(*surface_data)(void *surface);
    int (*surface_stride)(void *surface);
    void (*surface_destroy)(void *surface);
    void *(*cairo_create)(void *surface);
    void (*cairo_destroy)(void *cr);
} lib;

static void *open_lib(const char *name)
{
    void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!h && !lib.why[0]) {
        const char *e = dlerror();
        snprintf(lib.why, sizeof lib.why, "svg: cannot load %s (%s); install Debian package librsvg2-2",
                 name, e ? e : "not found");
    }
    return h;
}

static void *sym(void *h, const char *name)
{
    void *p = h ? dlsym(h, name) : NULL;
    if (h && !p && !lib.why[0])
        snprintf(lib.why, sizeof lib.why, "svg: %s lacks %s (librsvg 2.46 or newer is needed)", "librsvg", name);
    return p;
}

/* Load the three libraries once; WK_OK or WK_ERR naming the missing package. */
static int load(void)
{
    if (!lib.tried) {
        lib.tried = 1;
        void *gobj = open_lib("libgobject-2.0.so.0");
        void *cairo = open_lib("libcairo.so.2");
        void *rsvg = open_lib("librsvg-2.so.2");
        *(void **)&lib.handle_new_from_data = sym(rsvg, "rsvg_handle_new_from_data");
        *(void **)&lib.render_document = sym(rsvg, "rsvg_handle_render_document");
        *(void **)&lib.object_unref = sym(gobj, "g_object_unref");
        *(void **)&lib.error_free = sym(gobj, "g_error_free");   /* from libglib, a dependency */
        *(void **)&lib.surface_create = sym(cairo, "cairo_image_surface_create");
        *(void **)&lib.surface_status = sym(cairo, "cairo_surface_status");
        *(void **)&lib.surface_flush = sym(cairo, "cairo_surface_flush");
        *(void **)&lib.surface_data = sym(cairo, "cairo_image_surface_get_data");
        *(void **)&lib.surface_stride = sym(cairo, "cairo_image_surface_get_stride");
        *(void **)&lib.surface_destroy = sym(cairo, "cairo_surface_destroy");
        *(void **)&lib.cairo_create = sym(cairo, "cairo_create");
        *(void **)&lib.cairo_destroy = sym(cairo, "cairo_destroy");
        lib.ok = !lib.why[0];
    }
    if (!lib.ok) return wk_fail("%s", lib.why);
    return WK_OK;
}

// ---- parsing and rendering -------------------------------------------------------

/* A handle for svg, or NULL with the reason stored by wk_fail. */
/* GLib messages may end in a newline; fold them into one line. */
static const char *one_line(const svg_gerror *err, char *buf, size_t size)
{
    snprintf(buf, size, "%s", err && err->message ? err->message : "unknown error");
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) buf[--n] = 0;
    for (char *p = buf; *p; p++)
        if (*p == '\n') *p = ' ';
    return buf;
}

static void *open_svg(const char *svg, size_t len)
{
    if (!len) {
        wk_fail("svg: empty input");
        return NULL;
    }
    svg_gerror *err = NULL;
    void *h = lib.handle_new_from_data((const uint8_t *)svg, len, &err);
    if (!h) {
        char msg[200];
        wk_fail("svg: cannot read the SVG: %s", one_line(err, msg, sizeof msg));
        if (err) lib.error_free(err);
        return NULL;
    }
    if (err) lib.error_free(err);
    return h;
}

int wk_svg_parses(const char *svg, size_t len)
{
    if (load() != WK_OK) return WK_ERR;
    void *h = open_svg(svg, len);
    if (!h) return 0;
    /* some errors (bad references, bad paths in strict builds) only show when drawing */
    wk_tensor t = {0};
    lib.object_unref(h);
    int ok = wk_svg_render(&t, svg, len, 8, 8) == WK_OK;
    wk_tensor_release(&t);
    return ok;
}

int wk_svg_render(wk_tensor *dst, const char *svg, size_t len, int width, int height)
{
    if (width < 1 || height < 1 || width > 16384 || height > 16384)
        return wk_fail("svg: size must be 1..16384 pixels a side, got %dx%d", width, height);
    /* cairo's 4 bytes a pixel and our 16, checked before either is allocated */
    char what[64];
    snprintf(what, sizeof what, "svg: a %dx%d picture", width, height);
    if (wk_memory_check((double)width * height * 20, what) != WK_OK) return WK_ERR;
    if (load() != WK_OK) return WK_ERR;
    void *h = open_svg(svg, len);
    if (!h) return WK_ERR;
    void *surface = lib.surface_create(CAIRO_FORMAT_ARGB32, width, height);
    if (lib.surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        lib.surface_destroy(surface);
        lib.object_unref(h);
        return wk_fail("svg: cannot make a %dx%d cairo surface", width, height);
    }
    void *cr = lib.cairo_create(surface);
    svg_rect box = {0, 0, width, height};
    svg_gerror *err = NULL;
    int drew = lib.render_document(h, cr, &box, &err);
    lib.cairo_destroy(cr);
    lib.object_unref(h);
    if (!drew) {
        char msg[200];
        wk_fail("svg: cannot draw the SVG: %s", one_line(err, msg, sizeof msg));
        if (err) lib.error_free(err);
        lib.surface_destroy(surface);
        return WK_ERR;
    }
    if (err) lib.error_free(err);
    lib.surface_flush(surface);
    int64_t shape[3] = {4, height, width};
    if (wk_tensor_new(dst, 3, shape) != WK_OK) {
        lib.surface_destroy(surface);
        return WK_ERR;
    }
    /* cairo ARGB32: one native-endian uint32 per pixel, colour premultiplied by alpha */
    const unsigned char *px = lib.surface_data(surface);
    int stride = lib.surface_stride(surface);
    float *out = wk_tensor_data(dst);   // (4, H, W)
    int64_t plane = (int64_t)width * height;
    for (int y = 0; y < height; y++) {
        const uint32_t *row = (const uint32_t *)(px + (size_t)y * (size_t)stride);
        for (int x = 0; x < width; x++) {
            uint32_t v = row[x];
            float a = (float)(v >> 24) / 255.0f;
            float r = (float)((v >> 16) & 255) / 255.0f, g = (float)((v >> 8) & 255) / 255.0f,
                  b = (float)(v & 255) / 255.0f;
            if (a > 0) r /= a, g /= a, b /= a;
            int64_t i = (int64_t)y * width + x;
            out[i] = r > 1 ? 1 : r;
            out[plane + i] = g > 1 ? 1 : g;
            out[2 * plane + i] = b > 1 ? 1 : b;
            out[3 * plane + i] = a;
        }
    }
    lib.surface_destroy(surface);
    return WK_OK;
}
