/* svg.h — SVG pictures into wick tensors, through librsvg and cairo.
 *
 * The libraries are loaded with dlopen on first use ("librsvg-2.so.2", "libcairo.so.2",
 * "libgobject-2.0.so.0"), not linked: linking them costs ~25 ms at every start of wick,
 * and only the emoji sketch needs them. A missing library is reported with the Debian
 * package that brings it (librsvg2-2). Malformed SVG is an error, never a crash. */
#ifndef WK_SVG_H
#define WK_SVG_H

#include <stddef.h>

#include "../tensor/tensor.h"

/* Render svg (len bytes, need not be NUL-terminated) into dst, a new 4×height×width
 * RGBA tensor in [0,1] (not premultiplied; transparent where nothing is drawn). The
 * picture is scaled to fit the box, keeping its aspect ratio, and centred. */
int wk_svg_render(wk_tensor *dst, const char *svg, size_t len, int width, int height);

/* 1 when librsvg reads svg without error, 0 when it does not (the reason is then in
 * wk_errmsg()), WK_ERR when librsvg cannot be loaded. */
int wk_svg_parses(const char *svg, size_t len);

#endif
