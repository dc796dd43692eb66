/* conv.c — conv2d and conv_transpose2d, forward and backward, by im2col + SGEMM.
 *
 * Both convolutions are three GEMM-shaped operations on one geometry. Call the big
 * NCHW side of a conv2d the "image" (N, Ci, H, W) and its output the "column side"
 * (N, Co, Ho, Wo); with the weight w (Co, Ci/G, kH, kW) seen per group as a (Co/G, K)
 * matrix, K = Ci/G*kH*kW:
 *   FWD    col  = w . im2col(img)          conv2d forward,   conv_transpose2d grad input
 *   DATA   img += col2im(w^T . col)        conv2d grad input, conv_transpose2d forward
 *   WGRAD  gw  += col . im2col(img)^T      the weight gradient of both
 * The engine walks "chunks" of the column side: several whole images when their
 * columns are small (one big GEMM across the batch, the small-CNN case), or a band of
 * output rows of one image when they are large (a 224x224 64-channel image would need
 * 115 MB of columns; a band keeps them near 1 MB, in cache). A 1x1 stride-1 unpadded
 * conv skips im2col: the image already is its column matrix. With stride 1, DATA is
 * run as FWD of a conv with the kernel flipped (see "the input gradient as a forward
 * conv"), a gather instead of a scatter.
 *
 * Threads: ONE owner, OpenMP. Built with -fopenmp the kernels split chunks over
 * omp_get_max_threads() threads (each with its own columns; weight gradients go to
 * per-thread copies summed at the end; col2im bands of one image run in two phases,
 * even then odd, so neighbours never write the same rows) and pin OpenBLAS to one
 * thread on first use. Built without it they run one loop and leave the threads to
 * OpenBLAS inside each GEMM. Measured on the project VM (2 Zen 3 cores, OpenBLAS
 * 0.3.21 pthread, PyTorch 1.13 oneDNN in the same run; tests/bench/bench_conv.sh,
 * fastest call of 3 s, load 2-4 from other work; fwd+bwd ms per call):
 *
 *                                  1 thread              2 threads
 *                           torch  wick          torch  wick/OpenBLAS  wick/OpenMP
 *   vgg64 1x64x224² 64->64  181-213  165-176     95-147    111-138      104-107
 *   vgg3  1x3x224² 3->64     11-13    9-10        6-8      9-12         6.0-6.4
 *   cnn1  64x1x28² 1->32      6-8    2.5-3.4      4-6      4-6          1.7-3.0
 *   cnn2  64x32x13² 32->64   18-20    19-22      11-16     22-23        11-13
 *
 * OpenMP wins every case at 2 threads, most where the GEMMs are small (the small CNN:
 * 2x on both layers) and on the 3-channel first layer, where OpenBLAS cannot split a
 * K = 27 GEMM well; on the big 64->64 layer the two are close. */
#include "conv.h"

#include <cblas.h>
#include <stdio.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Columns per chunk are kept near this many floats (1 MiB: measured best of 2^17..2^20). */
#ifndef WK_CONV_CHUNK_FLOATS
#define WK_CONV_CHUNK_FLOATS (1 << 18)
#endif

int wk_nn_num_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return openblas_get_num_threads();
#endif
}

/* ---- geometry ----------------------------------------------------------------- */

typedef struct geom {
    int64_t N, G;
    int64_t Ci, H, W;       /* image side (N, Ci, H, W) */
    int64_t Co, Ho, Wo;     /* column side (N, Co, Ho, Wo) */
    int64_t kH, kW, sH, sW, pH, pW, dH, dW;
    int64_t Cig, Cog, K;    /* Ci/G, Co/G, Cig*kH*kW */
    int64_t HW, HWo;
    int pointwise;          /* 1x1, stride 1, no padding: im2col is the identity */
} geom;

static void geom_finish(geom *g)
{
    g->Cig = g->Ci / g->G;
    g->Cog = g->Co / g->G;
    g->K = g->Cig * g->kH * g->kW;
    g->HW = g->H * g->W;
    g->HWo = g->Ho * g->Wo;
    g->pointwise = g->kH == 1 && g->kW == 1 && g->sH == 1 && g->sW == 1 && g->pH == 0 &&
                   g->pW == 0 && g->Ho == g->H && g->Wo == g->W;
}

/* ---- im2col / col2im ----------------------------------------------------------- */

/* Range [lo, hi) of output columns ow whose input column ow*s + off falls in [0, W). */
static void valid_range(int64_t *lo, int64_t *hi, int64_t off, int64_t s, int64_t W, int64_t Wo)
{
    int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t b = W - off > 0 ? (W - off + s - 1) / s : 0;
    if (a > Wo) a = Wo;
    if (b > Wo) b = Wo;
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

/* Short rows (a 28x28 image's) are copied by plain loops: a libc call per row of 11
 * floats costs more than the copy, so GCC must not turn these loops back into calls. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_LIBC_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LIBC_LOOPS
#endif
#define SHORT_ROW 64

static inline void copy_row(float *dst, const float *src, int64_t n)
{
    if (n >= SHORT_ROW) {
        memcpy(dst, src, (size_t)n * sizeof(float));
        return;
    }
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) memcpy(dst + i, src + i, 8 * sizeof(float));   /* one AVX move */
    for (; i < n; i++) dst[i] = src[i];
}

static inline void zero_row(float *dst, int64_t n)
{
    if (n >= SHORT_ROW) {
        memset(dst, 0, (size_t)n * sizeof(float));
        return;
    }
    static const float zeros[8];
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) memcpy(dst + i, zeros, 8 * sizeof(float));
    for (; i < n; i++) dst[i] = 0.0f;
}

static inline void fill_row(float *dst, float v, int64_t n)
{
    const float pattern[8] = {v, v, v, v, v, v, v, v};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) memcpy(dst + i, pattern, 8 * sizeof(float));
    for (; i < n; i++) dst[i] = v;
}

/* dst += src, 8 lanes at a time (the plain loop would need an aliasing check that -O2
 * does not emit, and stay scalar). */
static inline void add_row(float *restrict dst, const float *restrict src, int64_t n)
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

/* cols (K, ld) columns [0, (r1-r0)*Wo) <- the patches of output rows [r0, r1) of one
 * image's group planes img (Cig, H, W); zero where the kernel hangs over the edge. */
static NO_LIBC_LOOPS void im2col(float *cols, int64_t ld, const float *img, const geom *g, int64_t r0, int64_t r1)
{
    const int64_t Wo = g->Wo, sW = g->sW;
    for (int64_t c = 0; c < g->Cig; c++) {
        const float *plane = img + c * g->HW;
        for (int64_t p = 0; p < g->kH; p++) {
            for (int64_t q = 0; q < g->kW; q++) {
                float *dst = cols + ((c * g->kH + p) * g->kW + q) * ld;
                int64_t off = q * g->dW - g->pW, lo, hi;
                valid_range(&lo, &hi, off, sW, g->W, Wo);
                for (int64_t oh = r0; oh < r1; oh++, dst += Wo) {
                    int64_t ih = oh * g->sH - g->pH + p * g->dH;
                    if (ih < 0 || ih >= g->H) {
                        zero_row(dst, Wo);
                        continue;
                    }
                    const float *src = plane + ih * g->W + off;
                    zero_row(dst, lo);
                    if (sW == 1) {
                        copy_row(dst + lo, src + lo, hi - lo);
                    } else {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow] = src[ow * sW];
                    }
                    zero_row(dst + hi, Wo - hi);
                }
            }
        }
    }
}

/* img (Cig, H, W) += the patches in cols (K, ld) of output rows [r0, r1); the adjoint
 * of im2col. */
static NO_LIBC_LOOPS void col2im(float *img, const float *cols, int64_t ld, const geom *g, int64_t r0, int64_t r1)
{
    const int64_t Wo = g->Wo, sW = g->sW;
    for (int64_t c = 0; c < g->Cig; c++) {
        float *plane = img + c * g->HW;
        for (int64_t p = 0; p < g->kH; p++) {
            for (int64_t q = 0; q < g->kW; q++) {
                const float *src = cols + ((c * g->kH + p) * g->kW + q) * ld;
                int64_t off = q * g->dW - g->pW, lo, hi;
                valid_range(&lo, &hi, off, sW, g->W, Wo);
                for (int64_t oh = r0; oh < r1; oh++, src += Wo) {
                    int64_t ih = oh * g->sH - g->pH + p * g->dH;
                    if (ih < 0 || ih >= g->H) continue;
                    float *dst = plane + ih * g->W + off;
                    if (sW == 1) {
                        add_row(dst + lo, src + lo, hi - lo);
                    } else {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow * sW] += src[ow];
                    }
                }
            }
        }
    }
}

/* ---- the engine ---------------------------------------------------------------- */

enum { OP_FWD = 1, OP_DATA = 2, OP_WGRAD = 4 };

typedef struct io {
    const float *img_in;   /* (N, Ci, H, W)   read by im2col (FWD, WGRAD) */
    float *img_out;        /* (N, Ci, H, W)   += by DATA */
    const float *col_in;   /* (N, Co, Ho, Wo) read by DATA and WGRAD */
    float *col_out;        /* (N, Co, Ho, Wo) written by FWD */
    const float *w;        /* (Co, K) */
    float *gw;             /* (Co, K)         += by WGRAD */
    const float *bias;     /* (Co) or NULL    added by FWD */
    int col_accumulate;    /* FWD: 1 adds into col_out, 0 overwrites it */
} io;

/* How the column side is cut: nb whole images per chunk (rows == Ho), or one image per
 * chunk cut into `tiles` bands of `rows` output rows. */
typedef struct plan {
    int64_t nb, rows, tiles, nchunks, P;  /* P: most columns in a chunk */
    int nthr, phased;
} plan;

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

static void make_plan(plan *pl, const geom *g, int ops, int nthr)
{
    int64_t budget = WK_CONV_CHUNK_FLOATS;
    int64_t K = g->K > 0 ? g->K : 1;
    int64_t per_image = K * g->HWo;
    pl->nthr = nthr;
    pl->phased = 0;
    if (!g->pointwise && per_image <= budget) {
        int64_t nb = budget / per_image;
        if (nb > g->N) nb = g->N;
        if (nb < 1) nb = 1;
        int64_t nchunks = cdiv(g->N, nb);
        /* at least one chunk per thread (groups also spread work), a multiple when possible */
        int64_t want = nchunks * g->G < nthr ? cdiv(nthr, g->G) : nchunks;
        want = cdiv(want, nthr) * nthr;
        if (want > g->N) want = g->N;
        if (want > nchunks) nchunks = want;
        pl->nb = cdiv(g->N, nchunks);
        pl->nchunks = cdiv(g->N, pl->nb);
        pl->rows = g->Ho;
        pl->tiles = 1;
    } else {
        int64_t rows = budget / (K * (g->Wo > 0 ? g->Wo : 1));
        if (rows < 1) rows = 1;
        int64_t tiles = cdiv(g->Ho, rows);
        if (tiles * g->N * g->G < 2 * nthr) tiles = cdiv(2 * nthr, g->N * g->G);
        if (nthr > 1 && tiles > 1 && (ops & OP_DATA)) tiles = cdiv(tiles, 2) * 2;
        if (tiles > g->Ho) tiles = g->Ho;
        if (tiles < 1) tiles = 1;
        rows = cdiv(g->Ho, tiles);
        /* two bands apart never share input rows when rows >= (kH-1)*dH */
        int64_t halo = (g->kH - 1) * g->dH;
        if ((ops & OP_DATA) && !g->pointwise && rows < halo) rows = halo;
        pl->rows = rows;
        pl->tiles = cdiv(g->Ho, rows);
        pl->nb = 1;
        pl->nchunks = g->N * pl->tiles;
        pl->phased = nthr > 1 && pl->tiles > 1 && (ops & OP_DATA) && !g->pointwise;
    }
    pl->P = pl->nb * pl->rows * g->Wo;
}

/* Floats of workspace one thread needs: columns (K, P), a column-side gather buffer
 * (Cog, P) and, with threads, a private weight gradient (Co, K); each rounded to 16. */
static void thread_sizes(const geom *g, const plan *pl, int ops, size_t *cols, size_t *cbuf, size_t *gwp)
{
    *cols = g->pointwise ? 0 : (size_t)(g->K * pl->P + 15) & ~(size_t)15;
    *cbuf = pl->nb > 1 ? (size_t)(g->Cog * pl->P + 15) & ~(size_t)15 : 0;
    *gwp = (pl->nthr > 1 && (ops & OP_WGRAD)) ? (size_t)(g->Co * g->K + 15) & ~(size_t)15 : 0;
}

/* One chunk of one group: images [n0, n0+nb), column-side rows [r0, r1). */
static NO_LIBC_LOOPS void run_chunk(const geom *g, const io *x, int ops, int64_t grp, int64_t n0, int64_t nb,
                      int64_t r0, int64_t r1, float *cols, float *cbuf, float *gw)
{
    const int64_t seg = (r1 - r0) * g->Wo;   /* columns per image in this chunk */
    const int64_t P = nb * seg;
    const int64_t K = g->K, Cog = g->Cog;
    const float *wg = x->w + grp * Cog * K;  /* (Cog, K) */

    /* B: the chunk's columns (K, P) with leading dimension ldb */
    const float *B = NULL;
    int64_t ldb = P;
    if ((ops & (OP_FWD | OP_WGRAD))) {
        if (g->pointwise) {
            B = x->img_in + (n0 * g->Ci + grp * g->Cig) * g->HW + r0 * g->W;
            ldb = g->HW;
        } else {
            for (int64_t i = 0; i < nb; i++)
                im2col(cols + i * seg, P, x->img_in + ((n0 + i) * g->Ci + grp * g->Cig) * g->HW, g, r0, r1);
            B = cols;
        }
    }

    if (ops & (OP_WGRAD | OP_DATA)) {
        /* Cm: the chunk's column-side gradient (Cog, P) with leading dimension ldm */
        const float *Cm;
        int64_t ldm;
        if (nb == 1) {
            Cm = x->col_in + (n0 * g->Co + grp * Cog) * g->HWo + r0 * g->Wo;
            ldm = g->HWo;
        } else {
            for (int64_t i = 0; i < nb; i++)
                for (int64_t c = 0; c < Cog; c++)
                    copy_row(cbuf + c * P + i * seg, x->col_in + ((n0 + i) * g->Co + grp * Cog + c) * g->HWo, seg);
            Cm = cbuf;
            ldm = P;
        }
        if (ops & OP_WGRAD)   /* gw (Cog, K) += Cm (Cog, P) . B^T (P, K) */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)Cog, (int)K, (int)P, 1.0f, Cm,
                        (int)ldm, B, (int)ldb, 1.0f, gw + grp * Cog * K, (int)K);
        if (ops & OP_DATA) {
            if (g->pointwise) {   /* img (Cig, P) += w^T (Cig, Cog) . Cm (Cog, P) */
                float *dst = x->img_out + (n0 * g->Ci + grp * g->Cig) * g->HW + r0 * g->W;
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)P, (int)Cog, 1.0f, wg,
                            (int)K, Cm, (int)ldm, 1.0f, dst, (int)g->HW);
            } else {              /* cols (K, P) = w^T (K, Cog) . Cm (Cog, P); img += col2im(cols) */
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)P, (int)Cog, 1.0f, wg,
                            (int)K, Cm, (int)ldm, 0.0f, cols, (int)P);
                for (int64_t i = 0; i < nb; i++)
                    col2im(x->img_out + ((n0 + i) * g->Ci + grp * g->Cig) * g->HW, cols + i * seg, P, g, r0, r1);
            }
        }
    }

    if (ops & OP_FWD) {
        /* D (Cog, P) = bias + w (Cog, K) . B (K, P), straight into col_out when nb == 1 */
        float *D;
        int64_t ldd;
        float beta = x->col_accumulate ? 1.0f : 0.0f;
        if (nb == 1) {
            D = x->col_out + (n0 * g->Co + grp * Cog) * g->HWo + r0 * g->Wo;
            ldd = g->HWo;
        } else {
            D = cbuf;
            ldd = P;
            beta = 0.0f;
        }
        if (x->bias && beta == 0.0f) {
            for (int64_t c = 0; c < Cog; c++) {
                fill_row(D + c * ldd, x->bias[grp * Cog + c], P);
            }
            beta = 1.0f;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Cog, (int)P, (int)K, 1.0f, wg, (int)K,
                    B, (int)ldb, beta, D, (int)ldd);
        if (nb > 1) {
            for (int64_t i = 0; i < nb; i++)
                for (int64_t c = 0; c < Cog; c++) {
                    float *dst = x->col_out + ((n0 + i) * g->Co + grp * Cog + c) * g->HWo;
                    const float *src = cbuf + c * P + i * seg;
                    if (x->col_accumulate) {
                        add_row(dst, src, seg);
                    } else {
                        copy_row(dst, src, seg);
                    }
                }
        }
    }
}

/* Work item `it` = group * nchunks + chunk. */
static void run_item(const geom *g, const plan *pl, const io *x, int ops, int64_t it, float *cols,
                     float *cbuf, float *gw)
{
    int64_t grp = it / pl->nchunks, ch = it % pl->nchunks;
    int64_t n0, nb, r0, r1;
    if (pl->tiles == 1) {
        n0 = ch * pl->nb;
        nb = g->N - n0 < pl->nb ? g->N - n0 : pl->nb;
        r0 = 0;
        r1 = g->Ho;
    } else {
        n0 = ch / pl->tiles;
        nb = 1;
        r0 = (ch % pl->tiles) * pl->rows;
        r1 = r0 + pl->rows < g->Ho ? r0 + pl->rows : g->Ho;
    }
    if (r1 > r0 && nb > 0) run_chunk(g, x, ops, grp, n0, nb, r0, r1, cols, cbuf, gw);
}

/* The plan for a run and the floats of workspace it needs (all threads). */
static size_t engine_floats(const geom *g, int ops, plan *pl, size_t sizes[3])
{
    int nthr = 1;
#ifdef _OPENMP
    nthr = omp_get_max_threads();
#endif
    make_plan(pl, g, ops, nthr);
    if (nthr > g->G * pl->nchunks) make_plan(pl, g, ops, (int)(g->G * pl->nchunks));
    thread_sizes(g, pl, ops, &sizes[0], &sizes[1], &sizes[2]);
    return (sizes[0] + sizes[1] + sizes[2]) * (size_t)pl->nthr;
}

static int64_t engine_empty(const geom *g) { return g->N == 0 || g->Co == 0 || g->Ci == 0 || g->HWo == 0; }

/* Runs ops over every chunk with buf holding engine_floats() floats. */
static void engine_run(const geom *g, const io *x, int ops, float *buf)
{
    if (engine_empty(g)) return;
#ifdef _OPENMP
    static int blas_pinned;
    if (!blas_pinned) {   /* OpenMP owns the threads: each GEMM runs on one */
        openblas_set_num_threads(1);
        blas_pinned = 1;
    }
#endif
    plan pl;
    size_t sz[3];
    engine_floats(g, ops, &pl, sz);
    const size_t ncols = sz[0];
    const int nthr = pl.nthr;
    const int64_t items = g->G * pl.nchunks;
    if (nthr == 1) {
        for (int64_t it = 0; it < items; it++) run_item(g, &pl, x, ops, it, buf, buf + ncols, x->gw);
        return;
    }
#ifdef _OPENMP
    const size_t ncbuf = sz[1], per = sz[0] + sz[1] + sz[2];
    const int64_t wsize = g->Co * g->K;
#pragma omp parallel num_threads(nthr)
    {
        int tid = omp_get_thread_num();
        float *cols = buf + per * (size_t)tid;           /* (K, P) */
        float *cbuf = cols + ncols;                       /* (Cog, P) */
        float *gwp = (ops & OP_WGRAD) ? cbuf + ncbuf : NULL;   /* (Co, K) */
        if (gwp) memset(gwp, 0, (size_t)wsize * sizeof(float));
        for (int phase = 0; phase < (pl.phased ? 2 : 1); phase++) {
#pragma omp for schedule(dynamic, 1)
            for (int64_t it = 0; it < items; it++) {
                if (pl.phased && ((it % pl.nchunks) % pl.tiles) % 2 != phase) continue;
                run_item(g, &pl, x, ops, it, cols, cbuf, gwp);
            }
        }
        if (gwp) {
#pragma omp barrier
#pragma omp for schedule(static)
            for (int64_t j = 0; j < wsize; j++) {
                float s = 0.0f;
                for (int t = 0; t < nthr; t++) s += buf[per * (size_t)t + ncols + ncbuf + (size_t)j];
                x->gw[j] += s;
            }
        }
    }
#endif
}

/* engine_run with the workspace it needs. */
static int engine(const geom *g, const io *x, int ops, wk_workspace *ws)
{
    if (engine_empty(g)) return WK_OK;
    plan pl;
    size_t sz[3], n = engine_floats(g, ops, &pl, sz);
    float *buf = n ? wk_workspace_get(ws, n) : NULL;
    if (n && !buf) return WK_ERR;
    engine_run(g, x, ops, buf);
    return WK_OK;
}

/* ---- the input gradient as a forward conv (stride 1) ---------------------------

   With stride 1, DATA (img += col2im(w^T . col)) is itself a conv2d of the column side
   with the kernel flipped, the channel roles swapped and padding (k-1)*d - p:
     dx[n, g*Cig + c, a, b] = sum_{o,p,q} wf[g*Cig + c, o, p, q] * dy[n, g*Cog + o, a - p' + p*dh, b - q' + q*dw]
     wf[g*Cig + c, o, p, q] = w[g*Cog + o, c, kH-1-p, kW-1-q]
   That trades GEMM (K x P, inner size Cog) + a col2im scatter for im2col + a GEMM of
   the forward's better shape (inner size K), and needs no zeroing of the columns. */

/* f = the flipped geometry of g; 0 when it does not apply (stride > 1, big padding)
 * or does not pay. */
static int flip_geom(geom *f, const geom *g)
{
    int64_t ph = (g->kH - 1) * g->dH - g->pH, pw = (g->kW - 1) * g->dW - g->pW;
    if (g->sH != 1 || g->sW != 1 || ph < 0 || pw < 0) return 0;
    /* unpadded convs of small images: the flipped conv's columns would be much bigger
     * (11x11 -> 13x13 is 1.4x) and GEMM + col2im measured faster (19 vs 23 ms) */
    if ((double)g->HW > 1.15 * (double)g->HWo) return 0;
    *f = *g;
    f->Ci = g->Co; f->H = g->Ho; f->W = g->Wo;
    f->Co = g->Ci; f->Ho = g->H; f->Wo = g->W;
    f->pH = ph; f->pW = pw;
    geom_finish(f);
    return 1;
}

/* wf (Ci, Cog, kH, kW) from w (Co, Cig, kH, kW) as above. */
static void flip_weight(float *wf, const float *w, const geom *g)
{
    const int64_t kk = g->kH * g->kW;
    for (int64_t grp = 0; grp < g->G; grp++)
        for (int64_t o = 0; o < g->Cog; o++)
            for (int64_t c = 0; c < g->Cig; c++) {
                const float *src = w + ((grp * g->Cog + o) * g->Cig + c) * kk;
                float *dst = wf + ((grp * g->Cig + c) * g->Cog + o) * kk;
                for (int64_t k = 0; k < kk; k++) dst[k] = src[kk - 1 - k];
            }
}

/* ---- per-channel sums and bias ------------------------------------------------- */

/* gb[c] += sum over n and the plane of t (N, C, HW). */
static void channel_sums(float *gb, const float *t, int64_t N, int64_t C, int64_t HW)
{
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (N * C * HW > 65536)
#endif
    for (int64_t c = 0; c < C; c++) {
        double s = 0.0;
        for (int64_t n = 0; n < N; n++) {
            const float *p = t + (n * C + c) * HW;
            float acc[16] = {0};   /* 16 lanes, so the sum vectorises without -ffast-math */
            int64_t i = 0;
            for (; i + 16 <= HW; i += 16)
                for (int k = 0; k < 16; k++) acc[k] += p[i + k];
            float part = 0.0f;
            for (; i < HW; i++) part += p[i];
            for (int k = 0; k < 16; k++) part += acc[k];
            s += part;
        }
        gb[c] += (float)s;
    }
}

/* t (N, C, HW) += b[c]. */
static void add_bias(float *t, const float *b, int64_t N, int64_t C, int64_t HW)
{
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (N * C * HW > 65536)
#endif
    for (int64_t nc = 0; nc < N * C; nc++) {
        float v = b[nc % C], *p = t + nc * HW;
        for (int64_t i = 0; i < HW; i++) p[i] += v;
    }
}

/* ---- argument checks ----------------------------------------------------------- */

static int check_tensor(const char *fn, const char *what, const wk_tensor *t, int ndim, const char *dims)
{
    char s[96];
    if (!t || !t->storage) return wk_fail("%s: %s is empty (expected a %d-D tensor %s)", fn, what, ndim, dims);
    if (t->ndim != ndim)
        return wk_fail("%s: %s must be %d-D %s, got %d-D %s", fn, what, ndim, dims, t->ndim,
                       wk_tensor_shape_str(t, s, sizeof s));
    if (!wk_tensor_is_contiguous(t))
        return wk_fail("%s: %s %s must be contiguous (copy it with :contiguous())", fn, what,
                       wk_tensor_shape_str(t, s, sizeof s));
    return WK_OK;
}

static int check_opts(const char *fn, const wk_conv_opts *o, int transposed)
{
    if (!o) return wk_fail("%s: options are missing", fn);
    for (int i = 0; i < 2; i++) {
        if (o->stride[i] < 1) return wk_fail("%s: stride must be >= 1, got %d", fn, o->stride[i]);
        if (o->padding[i] < 0) return wk_fail("%s: padding must be >= 0, got %d", fn, o->padding[i]);
        if (o->dilation[i] < 1) return wk_fail("%s: dilation must be >= 1, got %d", fn, o->dilation[i]);
        if (transposed) {
            int lim = o->stride[i] > o->dilation[i] ? o->stride[i] : o->dilation[i];
            if (o->output_padding[i] < 0 || o->output_padding[i] >= lim)
                return wk_fail("%s: output_padding must be in [0, max(stride, dilation)) = [0, %d), got %d",
                               fn, lim, o->output_padding[i]);
        }
    }
    if (o->groups < 1) return wk_fail("%s: groups must be >= 1, got %d", fn, o->groups);
    return WK_OK;
}

/* The output's shape: an empty output is allocated, a given one must match. */
static int prepare_output(const char *fn, wk_tensor *out, const int64_t shape[4])
{
    if (!out) return wk_fail("%s: output is NULL", fn);
    if (!out->storage) return wk_tensor_new(out, 4, shape);
    char a[96], b[96];
    int same = out->ndim == 4;
    for (int i = 0; same && i < 4; i++) same = out->shape[i] == shape[i];
    if (!same)
        return wk_fail("%s: output must be %s, got %s", fn, wk_shape_str(a, sizeof a, 4, shape),
                       wk_tensor_shape_str(out, b, sizeof b));
    if (!wk_tensor_is_contiguous(out)) return wk_fail("%s: output %s must be contiguous", fn, b);
    return WK_OK;
}

/* A gradient must be contiguous and have its variable's shape. */
static int check_grad(const char *fn, const char *what, const wk_tensor *gt, int ndim, const int64_t *shape)
{
    char a[96], b[96];
    if (!gt->storage) return wk_fail("%s: %s is empty (the caller allocates and zeroes it)", fn, what);
    int same = gt->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = gt->shape[i] == shape[i];
    if (!same)
        return wk_fail("%s: %s must be %s, got %s", fn, what, wk_shape_str(a, sizeof a, ndim, shape),
                       wk_tensor_shape_str(gt, b, sizeof b));
    if (!wk_tensor_is_contiguous(gt)) return wk_fail("%s: %s %s must be contiguous", fn, what, b);
    return WK_OK;
}

/* Shapes of a conv2d (transposed = 0) or conv_transpose2d (1): fills the geometry,
 * with the conv2d "image" side being the input of conv2d and the output of
 * conv_transpose2d. */
static int conv_shapes(geom *g, int64_t out_shape[4], const char *fn, const int64_t in[4],
                       const int64_t ws[4], const wk_conv_opts *o, int transposed)
{
    char a[96], b[96];
    if (check_opts(fn, o, transposed)) return WK_ERR;
    int64_t G = o->groups;
    for (int i = 0; i < 4; i++)
        if (in[i] < 0 || ws[i] < 0) return wk_fail("%s: negative size", fn);
    if (ws[2] < 1 || ws[3] < 1)
        return wk_fail("%s: weight %s has an empty kernel", fn, wk_shape_str(a, sizeof a, 4, ws));
    int64_t kH = ws[2], kW = ws[3];
    int64_t C_in, C_out;
    if (!transposed) {
        C_in = ws[1] * G;
        C_out = ws[0];
        if (in[1] != C_in) {
            if (G == 1) return wk_fail("%s: input has %lld channels, weight expects %lld", fn, (long long)in[1], (long long)C_in);
            return wk_fail("%s: input has %lld channels, weight expects %lld (%lld groups of %lld)", fn,
                           (long long)in[1], (long long)C_in, (long long)G, (long long)ws[1]);
        }
        if (C_out % G)
            return wk_fail("%s: weight %s has %lld output channels, not divisible by groups %lld", fn,
                           wk_shape_str(a, sizeof a, 4, ws), (long long)C_out, (long long)G);
    } else {
        C_in = ws[0];
        C_out = ws[1] * G;
        if (in[1] != C_in)
            return wk_fail("%s: input has %lld channels, weight expects %lld", fn, (long long)in[1], (long long)C_in);
        if (C_in % G)
            return wk_fail("%s: weight %s has %lld input channels, not divisible by groups %lld", fn,
                           wk_shape_str(a, sizeof a, 4, ws), (long long)C_in, (long long)G);
    }
    int64_t eh = (int64_t)o->dilation[0] * (kH - 1) + 1, ew = (int64_t)o->dilation[1] * (kW - 1) + 1;
    int64_t Ho, Wo;
    if (!transposed) {
        Ho = (in[2] + 2 * o->padding[0] - eh) / o->stride[0] + 1;
        Wo = (in[3] + 2 * o->padding[1] - ew) / o->stride[1] + 1;
        if (in[2] + 2 * o->padding[0] < eh || in[3] + 2 * o->padding[1] < ew)
            Ho = Wo = 0;
    } else {
        Ho = (in[2] - 1) * o->stride[0] - 2 * o->padding[0] + eh + o->output_padding[0];
        Wo = (in[3] - 1) * o->stride[1] - 2 * o->padding[1] + ew + o->output_padding[1];
    }
    if (Ho < 1 || Wo < 1)
        return wk_fail("%s: input %s is too small for a %lldx%lld kernel (stride %d, padding %d, dilation %d): "
                       "output would be %lldx%lld", fn, wk_shape_str(b, sizeof b, 4, in), (long long)kH,
                       (long long)kW, o->stride[0], o->padding[0], o->dilation[0], (long long)Ho, (long long)Wo);
    out_shape[0] = in[0];
    out_shape[1] = C_out;
    out_shape[2] = Ho;
    out_shape[3] = Wo;
    if (g) {
        memset(g, 0, sizeof *g);
        g->N = in[0];
        g->G = G;
        g->kH = kH; g->kW = kW;
        g->sH = o->stride[0]; g->sW = o->stride[1];
        g->pH = o->padding[0]; g->pW = o->padding[1];
        g->dH = o->dilation[0]; g->dW = o->dilation[1];
        if (!transposed) {   /* image = input, column side = output */
            g->Ci = in[1]; g->H = in[2]; g->W = in[3];
            g->Co = C_out; g->Ho = Ho; g->Wo = Wo;
        } else {             /* image = output, column side = input */
            g->Ci = C_out; g->H = Ho; g->W = Wo;
            g->Co = C_in; g->Ho = in[2]; g->Wo = in[3];
        }
        geom_finish(g);
    }
    return WK_OK;
}

static int check_bias(const char *fn, const char *what, const wk_tensor *b, int64_t C)
{
    char s[96];
    if (!b) return WK_OK;
    if (check_tensor(fn, what, b, 1, "(C_out)")) return WK_ERR;
    if (b->shape[0] != C)
        return wk_fail("%s: %s must have %lld entries (one per output channel), got %s", fn, what,
                       (long long)C, wk_tensor_shape_str(b, s, sizeof s));
    return WK_OK;
}

/* ---- conv2d -------------------------------------------------------------------- */

int wk_conv2d_output_shape(int64_t out_shape[4], const int64_t in_shape[4], const int64_t w_shape[4],
                           const wk_conv_opts *o)
{
    return conv_shapes(NULL, out_shape, "conv2d", in_shape, w_shape, o, 0);
}

/* The checks every entry point makes first: tensor ranks, then the geometry (g) and the
 * output shape. transposed picks the weight layout. */
static int check_operands(geom *g, int64_t oshape[4], const char *fn, int transposed, const wk_tensor *input,
                          const wk_tensor *weight, const wk_conv_opts *o)
{
    const char *w_layout = transposed ? "(C_in,C_out/groups,kH,kW)" : "(C_out,C_in/groups,kH,kW)";
    return check_tensor(fn, "input", input, 4, "(N,C,H,W)") || check_tensor(fn, "weight", weight, 4, w_layout) ||
                   conv_shapes(g, oshape, fn, input->shape, weight->shape, o, transposed)
               ? WK_ERR
               : WK_OK;
}

/* Forward passes: then the bias, and the output shaped (or reshaped) to fit. */
static int check_forward(geom *g, const char *fn, int transposed, wk_tensor *output, const wk_tensor *input,
                         const wk_tensor *weight, const wk_tensor *bias, const wk_conv_opts *o)
{
    int64_t oshape[4];
    return check_operands(g, oshape, fn, transposed, input, weight, o) || check_bias(fn, "bias", bias, oshape[1]) ||
                   prepare_output(fn, output, oshape)
               ? WK_ERR
               : WK_OK;
}

/* Backward passes: then every gradient given must match its tensor. */
static int check_backward(geom *g, const char *fn, int transposed, const wk_tensor *grad_input,
                          const wk_tensor *grad_weight, const wk_tensor *grad_bias, const wk_tensor *grad_output,
                          const wk_tensor *input, const wk_tensor *weight, const wk_conv_opts *o)
{
    int64_t oshape[4];
    return check_operands(g, oshape, fn, transposed, input, weight, o) ||
                   check_tensor(fn, "grad_output", grad_output, 4, "(N,C_out,H_out,W_out)") ||
                   check_grad(fn, "grad_output", grad_output, 4, oshape) ||
                   (grad_input && check_grad(fn, "grad_input", grad_input, 4, input->shape)) ||
                   (grad_weight && check_grad(fn, "grad_weight", grad_weight, 4, weight->shape)) ||
                   (grad_bias && check_grad(fn, "grad_bias", grad_bias, 1, &oshape[1]))
               ? WK_ERR
               : WK_OK;
}

int wk_conv2d_forward(wk_tensor *output, const wk_tensor *input, const wk_tensor *weight,
                      const wk_tensor *bias, wk_workspace *ws, const wk_conv_opts *o)
{
    geom g;
    if (check_forward(&g, "conv2d", 0, output, input, weight, bias, o)) return WK_ERR;
    io x = {0};
    x.img_in = wk_tensor_data(input);
    x.col_out = wk_tensor_data(output);
    x.w = wk_tensor_data(weight);
    x.bias = bias ? wk_tensor_data(bias) : NULL;
    return engine(&g, &x, OP_FWD, ws);
}

int wk_conv2d_backward(wk_tensor *grad_input, wk_tensor *grad_weight, wk_tensor *grad_bias,
                       const wk_tensor *grad_output, const wk_tensor *input, const wk_tensor *weight,
                       wk_workspace *ws, const wk_conv_opts *o)
{
    geom g;
    if (check_backward(&g, "conv2d backward", 0, grad_input, grad_weight, grad_bias, grad_output, input, weight, o))
        return WK_ERR;
    io x = {0};
    x.img_in = wk_tensor_data(input);
    x.col_in = wk_tensor_data(grad_output);
    x.w = wk_tensor_data(weight);
    if (grad_bias) channel_sums(wk_tensor_data(grad_bias), x.col_in, g.N, g.Co, g.HWo);
    if (grad_weight) x.gw = wk_tensor_data(grad_weight);
    if (grad_input) x.img_out = wk_tensor_data(grad_input);
    geom f;
    if (!grad_input || !flip_geom(&f, &g) || engine_empty(&g))
        return (grad_input || grad_weight) ? engine(&g, &x, (grad_input ? OP_DATA : 0) | (grad_weight ? OP_WGRAD : 0), ws)
                                           : WK_OK;
    /* stride 1: grad_input += conv2d(grad_output, flipped w), then the weight gradient */
    plan pl;
    size_t sz[3], nflip = (size_t)(g.Co * g.K + 15) & ~(size_t)15;
    size_t nd = engine_floats(&f, OP_FWD, &pl, sz), nw = grad_weight ? engine_floats(&g, OP_WGRAD, &pl, sz) : 0;
    float *buf = wk_workspace_get(ws, nflip + (nd > nw ? nd : nw));
    if (!buf) return WK_ERR;
    flip_weight(buf, x.w, &g);   /* (Ci, Cog, kH, kW) */
    io xf = {0};
    xf.img_in = x.col_in;
    xf.col_out = wk_tensor_data(grad_input);
    xf.w = buf;
    xf.col_accumulate = 1;
    engine_run(&f, &xf, OP_FWD, buf + nflip);
    if (grad_weight) engine_run(&g, &x, OP_WGRAD, buf + nflip);
    return WK_OK;
}

/* ---- conv_transpose2d ---------------------------------------------------------- */

int wk_conv_transpose2d_output_shape(int64_t out_shape[4], const int64_t in_shape[4],
                                     const int64_t w_shape[4], const wk_conv_opts *o)
{
    return conv_shapes(NULL, out_shape, "conv_transpose2d", in_shape, w_shape, o, 1);
}

int wk_conv_transpose2d_forward(wk_tensor *output, const wk_tensor *input, const wk_tensor *weight,
                                const wk_tensor *bias, wk_workspace *ws, const wk_conv_opts *o)
{
    geom g;
    if (check_forward(&g, "conv_transpose2d", 1, output, input, weight, bias, o)) return WK_ERR;
    float *y = wk_tensor_data(output);
    geom f;
    if (flip_geom(&f, &g) && !engine_empty(&g)) {   /* stride 1: a conv2d with flipped w */
        plan pl;
        size_t sz[3], nflip = (size_t)(g.Co * g.K + 15) & ~(size_t)15;
        float *buf = wk_workspace_get(ws, nflip + engine_floats(&f, OP_FWD, &pl, sz));
        if (!buf) return WK_ERR;
        flip_weight(buf, wk_tensor_data(weight), &g);   /* (C_out, C_in/groups, kH, kW) */
        io xf = {0};
        xf.img_in = wk_tensor_data(input);
        xf.col_out = y;
        xf.w = buf;
        xf.bias = bias ? wk_tensor_data(bias) : NULL;
        engine_run(&f, &xf, OP_FWD, buf + nflip);
        return WK_OK;
    }
    memset(y, 0, (size_t)wk_tensor_numel(output) * sizeof(float));
    io x = {0};
    x.col_in = wk_tensor_data(input);
    x.img_out = y;
    x.w = wk_tensor_data(weight);
    if (engine(&g, &x, OP_DATA, ws)) return WK_ERR;
    if (bias) add_bias(y, wk_tensor_data(bias), g.N, g.Ci, g.HW);
    return WK_OK;
}

int wk_conv_transpose2d_backward(wk_tensor *grad_input, wk_tensor *grad_weight, wk_tensor *grad_bias,
                                 const wk_tensor *grad_output, const wk_tensor *input,
                                 const wk_tensor *weight, wk_workspace *ws, const wk_conv_opts *o)
{
    geom g;
    if (check_backward(&g, "conv_transpose2d backward", 1, grad_input, grad_weight, grad_bias, grad_output, input,
                       weight, o))
        return WK_ERR;
    io x = {0};
    x.img_in = wk_tensor_data(grad_output);
    x.col_in = wk_tensor_data(input);
    x.w = wk_tensor_data(weight);
    x.col_accumulate = 1;
    int ops = 0;
    if (grad_input) {
        ops |= OP_FWD;
        x.col_out = wk_tensor_data(grad_input);
    }
    if (grad_weight) {
        ops |= OP_WGRAD;
        x.gw = wk_tensor_data(grad_weight);
    }
    if (grad_bias) channel_sums(wk_tensor_data(grad_bias), x.img_in, g.N, g.Ci, g.HW);
    return ops ? engine(&g, &x, ops, ws) : WK_OK;
}
