/* im2col.h — the geometry of one convolution and the column matrix moves between its
 * image and column sides (im2col and its adjoint col2im), shared by conv_engine.c and
 * im2col.c; plus the short-row helpers both use. Internal to lib/nn.
 *
 * Call the big NCHW side of a conv2d the "image" (N, Ci, H, W) and its output the
 * "column side" (N, Co, Ho, Wo); conv_transpose2d is the same geometry run backwards. */
#ifndef WK_NN_IM2COL_H
#define WK_NN_IM2COL_H

#include <stdint.h>
#include <string.h>

/* ---- geometry ---------------------------------------------------------------- */

typedef struct wk_conv_geom {
    int64_t N, G;
    int64_t Ci, H, W;       /* image side (N, Ci, H, W) */
    int64_t Co, Ho, Wo;     /* column side (N, Co, Ho, Wo) */
    int64_t kH, kW, sH, sW, pH, pW, dH, dW;
    int64_t Cig, Cog, K;    /* Ci/G, Co/G, Cig*kH*kW */
    int64_t HW, HWo;
    int pointwise;          /* 1x1, stride 1, no padding: im2col is the identity */
} wk_conv_geom;

static inline void wk_conv_geom_finish(wk_conv_geom *g)
{
    g->Cig = g->Ci / g->G;
    g->Cog = g->Co / g->G;
    g->K = g->Cig * g->kH * g->kW;
    g->HW = g->H * g->W;
    g->HWo = g->Ho * g->Wo;
    g->pointwise = g->kH == 1 && g->kW == 1 && g->sH == 1 && g->sW == 1 && g->pH == 0 &&
                   g->pW == 0 && g->Ho == g->H && g->Wo == g->W;
}

/* ---- short rows ------------------------------------------------------------------ */

/* Short rows (a 28x28 image's) are copied by plain loops: a libc call per row of 11
 * floats costs more than the copy, so GCC must not turn these loops back into calls. */
#if defined(__GNUC__) && !defined(__clang__)
#define WK_NO_LIBC_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define WK_NO_LIBC_LOOPS
#endif
#define WK_SHORT_ROW 64

static inline void wk_row_copy(float *dst, const float *src, int64_t n)
{
    if (n >= WK_SHORT_ROW) {
        memcpy(dst, src, (size_t)n * sizeof(float));
        return;
    }
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) memcpy(dst + i, src + i, 8 * sizeof(float));   /* one AVX move */
    for (; i < n; i++) dst[i] = src[i];
}

static inline void wk_row_zero(float *dst, int64_t n)
{
    if (n >= WK_SHORT_ROW) {
        memset(dst, 0, (size_t)n * sizeof(float));
        return;
    }
    static const float zeros[8];
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) memcpy(dst + i, zeros, 8 * sizeof(float));
    for (; i < n; i++) dst[i] = 0.0f;
}

static inline void wk_row_fill(float *dst, float v, int64_t n)
{
    const float pattern[8] = {v, v, v, v, v, v, v, v};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) memcpy(dst + i, pattern, 8 * sizeof(float));
    for (; i < n; i++) dst[i] = v;
}

/* dst += src, 8 lanes at a time (the plain loop would need an aliasing check that -O2
 * does not emit, and stay scalar). */
static inline void wk_row_add(float *restrict dst, const float *restrict src, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        float a[8], b[8];
        memcpy(a, dst + i, sizeof a);
        memcpy(b, src + i, sizeof b);
        for (int k = 0; k < 8; k++) a[k] += b[k];
        memcpy(dst + i, a, sizeof a);
    }
    for (; i < n; i++) dst[i] += src[i];
}

/* ---- the column matrix --------------------------------------------------------- */

/* cols (K, ld) columns [0, (r1-r0)*Wo) <- the patches of output rows [r0, r1) of one
 * image's group planes img (Cig, H, W); zero where the kernel hangs over the edge. */
void wk_im2col(float *cols, int64_t ld, const float *img, const wk_conv_geom *g, int64_t r0, int64_t r1);

/* img (Cig, H, W) += the patches in cols (K, ld) of output rows [r0, r1); the adjoint
 * of wk_im2col. */
void wk_col2im(float *img, const float *cols, int64_t ld, const wk_conv_geom *g, int64_t r0, int64_t r1);

/* Image img's (Cig, H, W) columns as chunk columns [p0, p0 + Ho*Wo) of a (K, P) matrix
 * laid out in panel_gemm.h's panels of WK_PANEL_NP columns: im2col without the copy into
 * panels after it. Returns 0, writing nothing, where it does not apply (no AVX-512,
 * stride 1, rows wider than a panel): the caller uses wk_im2col then. */
int wk_im2col_panels(float *panels, int64_t p0, const float *img, const wk_conv_geom *g);

/* The same columns transposed, for the weight gradient: entry (k, p) of the (K, P)
 * column matrix at row p, lane k % WK_PANEL_NP of panel k / WK_PANEL_NP (panels of P
 * rows), for the image's pixels p in [p0, p0 + Ho*Wo). Returns 0, writing nothing,
 * where it does not apply (no AVX-512, dilation, a big padded plane). Lanes past K in
 * the last panel are not written. */
int wk_im2col_tpanels(float *panels, int64_t P, int64_t p0, const float *img, const wk_conv_geom *g);

#endif
