/* warp.c — what a flow is used for: moving a picture along it (a bilinear backward
 * warp), and telling where that moved picture can be trusted (the forward-backward
 * consistency check of Ruder, Dosovitskiy and Brox, "Artistic style transfer for
 * videos", 2016).
 *
 * Both follow flow.h's convention, flow(y, x) = (dx, dy) with a(y, x) ≈ b(y + dy,
 * x + dx): warp(b, flow) samples b at the displaced positions and so rebuilds a. The
 * consistency check compares the flow a→b with the flow b→a looked up where the
 * first one points: where both see the same content they cancel; where a's content is
 * hidden in b (or was hidden in a and appears in b) they disagree. Motion boundaries —
 * where the flow field itself jumps — are unreliable as well, since the window of the
 * estimator straddles two motions there. Rows run through lib/core/threads.h. */
#include <math.h>
#include <string.h>

#include "../core/threads.h"
#include "flow.h"

#define PAR_MIN_COST 60000.0
#define PAR_CHUNKS 64

/* Ruder et al.'s thresholds (pixels², and relative) */
#define OCC_REL 0.01f
#define OCC_ABS 0.5f
#define EDGE_REL 0.01f
#define EDGE_ABS 0.002f

static int check_flow(const char *fn, const char *name, const wk_tensor *f, int64_t h, int64_t w)
{
    char buf[96];
    if (wk_tensor_require(fn, name, f)) return WK_ERR;
    if (f->ndim != 3 || f->shape[0] != 2)
        return wk_fail("%s must be a flow 2×H×W (dx, dy), got shape %s", name,
                       wk_tensor_shape_str(f, buf, sizeof buf));
    if (h >= 0 && (f->shape[1] != h || f->shape[2] != w))
        return wk_fail("%s is %lld×%lld pixels but the picture is %lld×%lld", name, (long long)f->shape[1],
                       (long long)f->shape[2], (long long)h, (long long)w);
    if (f->shape[1] < 1 || f->shape[2] < 1) return wk_fail("%s is empty", name);
    const float *d = wk_tensor_data(f);
    int64_t n = wk_tensor_numel(f);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(d[i]))
            return wk_fail("%s holds NaN or infinity (%s at row %lld, column %lld)", name, i < n / 2 ? "dx" : "dy",
                           (long long)(i % (n / 2) / f->shape[2] + 1), (long long)(i % f->shape[2] + 1));
    return WK_OK;
}

/* ---- warp --------------------------------------------------------------------------- */

typedef struct warp_job {
    const float *img;   /* (c, h, w) */
    const float *flow;  /* (2, h, w) */
    float *out;         /* (c, h, w) */
    int64_t c, h, w;
} warp_job;

static void warp_rows(void *ctx, int64_t y0, int64_t y1, int worker)
{
    const warp_job *j = ctx;
    int64_t w = j->w, h = j->h, plane = h * w;
    for (int64_t y = y0; y < y1; y++) {
        for (int64_t x = 0; x < w; x++) {
            int64_t i = y * w + x;
            float fx = fminf(fmaxf((float)x + j->flow[i], 0.0f), (float)(w - 1));
            float fy = fminf(fmaxf((float)y + j->flow[plane + i], 0.0f), (float)(h - 1));
            int64_t x0 = (int64_t)fx, yy0 = (int64_t)fy;
            int64_t x1 = x0 < w - 1 ? x0 + 1 : x0, yy1 = yy0 < h - 1 ? yy0 + 1 : yy0;
            float ax = fx - (float)x0, ay = fy - (float)yy0;
            for (int64_t c = 0; c < j->c; c++) {
                const float *p = j->img + c * plane;
                float top = p[yy0 * w + x0] + ax * (p[yy0 * w + x1] - p[yy0 * w + x0]);
                float bot = p[yy1 * w + x0] + ax * (p[yy1 * w + x1] - p[yy1 * w + x0]);
                j->out[c * plane + i] = top + ay * (bot - top);
            }
        }
    }
}

int wk_flow_warp(wk_tensor *dst, const wk_tensor *img, const wk_tensor *flow)
{
    char buf[96];
    if (wk_tensor_require("warp", "img", img)) return WK_ERR;
    if (img->ndim != 2 && img->ndim != 3)
        return wk_fail("img must be a picture H×W or C×H×W, got shape %s", wk_tensor_shape_str(img, buf, sizeof buf));
    int64_t h = img->shape[img->ndim - 2], w = img->shape[img->ndim - 1];
    int64_t c = img->ndim == 3 ? img->shape[0] : 1;
    if (h < 1 || w < 1 || c < 1) return wk_fail("img is empty (shape %s)", wk_tensor_shape_str(img, buf, sizeof buf));
    if (check_flow("warp", "flow", flow, h, w)) return WK_ERR;
    if (wk_tensor_new(dst, img->ndim, img->shape)) return WK_ERR;
    warp_job j = {wk_tensor_data(img), wk_tensor_data(flow), wk_tensor_data(dst), c, h, w};
    wk_parallel_for(h, wk_parallel_grain(h, (double)w * (10 + 8 * c), PAR_MIN_COST, PAR_CHUNKS), warp_rows, &j);
    return WK_OK;
}

/* ---- consistency ---------------------------------------------------------------------- */

typedef struct mask_job {
    const float *fwd, *bwd;   /* (2, h, w) */
    float *out;               /* (h, w) */
    int64_t h, w;
} mask_job;

static void mask_rows(void *ctx, int64_t y0, int64_t y1, int worker)
{
    const mask_job *j = ctx;
    int64_t w = j->w, h = j->h, plane = h * w;
    const float *u = j->fwd, *v = j->fwd + plane;
    for (int64_t y = y0; y < y1; y++) {
        for (int64_t x = 0; x < w; x++) {
            int64_t i = y * w + x;
            float dx = u[i], dy = v[i];
            float fx = (float)x + dx, fy = (float)y + dy;
            float keep = 0;
            if (fx >= 0 && fy >= 0 && fx <= (float)(w - 1) && fy <= (float)(h - 1)) {
                int64_t x0 = (int64_t)fx, yy0 = (int64_t)fy;
                int64_t x1 = x0 < w - 1 ? x0 + 1 : x0, yy1 = yy0 < h - 1 ? yy0 + 1 : yy0;
                float ax = fx - (float)x0, ay = fy - (float)yy0, b[2];
                for (int t = 0; t < 2; t++) {
                    const float *p = j->bwd + t * plane;
                    float top = p[yy0 * w + x0] + ax * (p[yy0 * w + x1] - p[yy0 * w + x0]);
                    float bot = p[yy1 * w + x0] + ax * (p[yy1 * w + x1] - p[yy1 * w + x0]);
                    b[t] = top + ay * (bot - top);
                }
                float sx = dx + b[0], sy = dy + b[1];
                float n2 = dx * dx + dy * dy;
                int occluded = sx * sx + sy * sy > OCC_REL * (n2 + b[0] * b[0] + b[1] * b[1]) + OCC_ABS;
                /* the flow's gradient by central differences (one-sided at the edges) */
                int64_t xl = x > 0 ? x - 1 : x, xr = x < w - 1 ? x + 1 : x;
                int64_t yu = y > 0 ? y - 1 : y, yd = y < h - 1 ? y + 1 : y;
                float gx = xr > xl ? 1.0f / (float)(xr - xl) : 0, gy = yd > yu ? 1.0f / (float)(yd - yu) : 0;
                float ux = (u[y * w + xr] - u[y * w + xl]) * gx, uy = (u[yd * w + x] - u[yu * w + x]) * gy;
                float vx = (v[y * w + xr] - v[y * w + xl]) * gx, vy = (v[yd * w + x] - v[yu * w + x]) * gy;
                int edge = ux * ux + uy * uy + vx * vx + vy * vy > EDGE_REL * n2 + EDGE_ABS;
                keep = !occluded && !edge;
            }
            j->out[i] = keep;
        }
    }
}

int wk_flow_consistency(wk_tensor *dst, const wk_tensor *fwd, const wk_tensor *bwd)
{
    if (check_flow("flow_mask", "fwd", fwd, -1, -1)) return WK_ERR;
    if (check_flow("flow_mask", "bwd", bwd, fwd->shape[1], fwd->shape[2])) return WK_ERR;
    int64_t h = fwd->shape[1], w = fwd->shape[2], shape[2] = {h, w};
    if (wk_tensor_new(dst, 2, shape)) return WK_ERR;
    mask_job j = {wk_tensor_data(fwd), wk_tensor_data(bwd), wk_tensor_data(dst), h, w};
    wk_parallel_for(h, wk_parallel_grain(h, (double)w * 40, PAR_MIN_COST, PAR_CHUNKS), mask_rows, &j);
    return WK_OK;
}
