/* flow.h — dense optical flow between two frames (Farnebäck 2003), warping a picture
 * along a flow, and the forward-backward consistency mask of Ruder, Dosovitskiy and
 * Brox (2016) that tells where a warped frame can be trusted.
 *
 * The convention is OpenCV's: a flow is a 2×H×W tensor (dx, dy), in pixels, with
 *     prev(y, x) ≈ next(y + dy, x + dx),
 * so wk_flow_warp(next, flow) ≈ prev. To carry a stylised frame t−1 into frame t (what
 * stable style-transfer animations do), compute the flow from frame t to frame t−1:
 *     f = flow(frame_t, frame_t-1); warped = warp(stylised_t-1, f);
 *     mask = consistency(f, flow(frame_t-1, frame_t))   -- 1 where warped is reliable.
 * The estimator is in flow.c, warp and mask in warp.c. Every call returns WK_OK, or
 * WK_ERR with the reason in wk_errmsg() ("prev and next differ in size …"; the
 * caller names the function). */
#ifndef WK_FLOW_H
#define WK_FLOW_H

#include "../core/workspace.h"
#include "../tensor/tensor.h"

#define WK_FLOW_MAX_LEVELS 12
#define WK_FLOW_MAX_WINDOW 255
#define WK_FLOW_MAX_POLY_N 15
#define WK_FLOW_MAX_ITERATIONS 100

typedef struct wk_flow_opts {
    int levels;         /* pyramid levels, 1..12 (levels below 32 pixels a side are skipped) */
    double scale;       /* each level's size over the finer one's, in [0.1, 0.95] */
    int window;         /* side of the window averaging the flow equations, odd, 1..255 */
    int iterations;     /* solves per level, 1..100 */
    int poly_n;         /* polynomial expansion radius: a (2n+1)² neighbourhood, 1..15 */
    double poly_sigma;  /* its gaussian applicability's sigma, in (0, 2·poly_n] */
    int box;            /* 1: box window; 0: gaussian window, sigma 0.3·(window/2) */
} wk_flow_opts;

/* OpenCV's usual settings: 5 levels at scale 0.5, window 15 (gaussian), 3 iterations,
 * poly_n 5, poly_sigma 1.1. */
wk_flow_opts wk_flow_defaults(void);

/* dst (new, 2×H×W) = the flow from prev to next. prev and next are contiguous H×W,
 * 1×H×W or 3×H×W (RGB, turned grey with Rec. 601 luma) of one size, finite. init
 * (NULL, or a contiguous 2×H×W finite flow) is the starting estimate, resized onto
 * the coarsest level (as OpenCV does); without it that level starts from zero motion. opts NULL: the
 * defaults. ws (NULL: allocate and free within the call) is scratch the caller keeps,
 * so a sequence of frames allocates nothing after the first (about 23 floats a pixel). */
int wk_flow_farneback(wk_tensor *dst, const wk_tensor *prev, const wk_tensor *next, const wk_tensor *init,
                      const wk_flow_opts *opts, wk_workspace *ws);

/* dst (new, shaped as img) = img sampled along flow: dst(c, y, x) = img(c, y + dy,
 * x + dx), bilinear, positions clamped to the picture. img is contiguous H×W or
 * C×H×W, flow a contiguous, finite 2×H×W of the same H and W. */
int wk_flow_warp(wk_tensor *dst, const wk_tensor *img, const wk_tensor *flow);

/* dst (new, H×W) = 1 where the flow fwd (2×H×W, from frame a to frame b) is reliable,
 * 0 where it is not (Ruder et al. 2016): with b̃ = bwd (from b to a) sampled at
 * x + fwd(x),
 *   disoccluded   |fwd + b̃|² > 0.01·(|fwd|² + |b̃|²) + 0.5
 *   motion edge   |∇fwd_x|² + |∇fwd_y|² > 0.01·|fwd|² + 0.002
 * and a pixel whose fwd leads outside the picture is unreliable too. */
int wk_flow_consistency(wk_tensor *dst, const wk_tensor *fwd, const wk_tensor *bwd);

#endif
