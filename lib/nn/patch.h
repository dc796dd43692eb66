/* patch.h — patch matching for Li & Wand's CNNMRF ("Combining Markov Random Fields and
 * Convolutional Neural Networks for Image Synthesis", 2016) and neural doodles.
 *
 * A patch bank is made once from a style feature map S (C, Hs, Ws): every k×k window of
 * S taken every `stride` pixels is a patch of len = C·k·k numbers. The bank keeps S and
 * each patch divided by its length. Matching a synthesis map X (C, H, W) finds, for each
 * k×k window of X (taken every `stride` pixels of X, its own stride), the style patch
 * with the highest normalised cross-correlation:
 *
 *   nn(i) = argmax_j  <x_i, s_j> / |s_j|          (|x_i| is the same for every j)
 *
 * computed as one GEMM of im2col(X) with the normalised patches, cut into tiles so the
 * (patches × positions) score matrix never exists whole. The MRF loss and its gradient
 * for those matches (held constant, as CNNMRF recomputes them every evaluation):
 *
 *   E = sum_i |x_i - s_nn(i)|^2          dE/dX = 2 · col2im(x_i - s_nn(i))
 *
 * Patches and positions are numbered row-major: patch j is the window whose top-left
 * corner is (j / cols · stride, j % cols · stride). Any C works, so doodles just append
 * their (weighted) semantic channels to both maps. All buffers are contiguous float32. */
#ifndef WK_NN_PATCH_H
#define WK_NN_PATCH_H

#include <stdint.h>

#include "../core/workspace.h"

typedef struct wk_patch_bank {
    int64_t C, H, W;      /* the style map's shape */
    int size, stride;     /* patch side k, and the step between the style's patches */
    int64_t rows, cols;   /* patches down and across the style map */
    int64_t count;        /* rows · cols patches */
    int64_t len;          /* C·k·k numbers per patch, in (c, p, q) order */
    float *style;         /* (C, H, W) a copy of S: patch j is read from it */
    float *normed;        /* (count, len) patch j / |patch j| (all zero for a zero patch) */
    float *norms;         /* (count) |patch j| */
    wk_workspace ws;      /* match's scratch (per-thread columns and scores, tile bests) */
} wk_patch_bank;

/* Windows of side `size` every `stride` pixels in an H×W map: *rows × *cols. Fails when
 * the window is larger than the map or a number is out of range. */
int wk_patch_grid(int64_t *rows, int64_t *cols, int64_t H, int64_t W, int size, int stride);

/* Build bank b from style (C, H, W): fails on a bad size, a patch larger than the map,
 * more than 2^24 patches (indices must stay exact in float32) or a non-finite value.
 * b is zeroed first and left empty on failure; free it with wk_patch_bank_free. */
int wk_patch_bank_init(wk_patch_bank *b, const float *style, int64_t C, int64_t H, int64_t W, int size,
                       int stride);
void wk_patch_bank_free(wk_patch_bank *b);

/* out (count, C, k, k) <- every patch, unnormalised (normalised = 0) or divided by its
 * length (normalised = 1). */
void wk_patch_bank_patches(const wk_patch_bank *b, float *out, int normalised);

/* nn (rows_x · cols_x) <- for each window of x (C, H, W) taken every `stride` pixels
 * (wk_patch_grid gives rows_x, cols_x), the 0-based index of its best style patch (the
 * first one on a tie); score (same size, may be NULL) <- the cosine of that match,
 * <x_i, s_j> / (|x_i| |s_j|), in [-1, 1] (0 for an all-zero window). Fails on a channel
 * count different from the bank's, a window larger than x or a non-finite value in x.
 * Threads: tiles on wick's pool; the result does not depend on the thread count. */
int wk_patch_match(wk_patch_bank *b, int32_t *nn, float *score, const float *x, int64_t C, int64_t H, int64_t W,
                   int stride);

/* *loss <- sum_i |x_i - s_nn(i)|^2 over the windows of x (C, H, W) at `stride`, and
 * grad (C, H, W, may be NULL) <- its gradient 2 · col2im(x_i - s_nn(i)) (overwritten,
 * zero where no window reaches). nn holds 0-based indices, e.g. from wk_patch_match;
 * one out of range fails. */
int wk_patch_loss(const wk_patch_bank *b, double *loss, float *grad, const float *x, int64_t C, int64_t H, int64_t W,
                  int stride, const int32_t *nn);

#endif
