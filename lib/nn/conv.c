/* conv.c — conv2d and conv_transpose2d, forward and backward: the shape checks, the
 * choice of path, and the im2col + SGEMM engine.
 *
 * 3x3 stride-1 convolutions with 16 or more channels each way go to Winograd's
 * F(4x4, 3x3) (winograd.c): forward, input gradient (its adjoint) and weight gradient;
 * 4x4 stride-2 ones (a DCGAN's), and conv_transpose2d's of that shape, to F(2x2, 2x2)
 * over the input's four phases (winograd_s2.c), when their outputs are big and even
 * enough. Everything else runs here, on column matrices built by im2col.c. Both convolutions
 * are three GEMM-shaped operations on one geometry (im2col.h). Call the big NCHW side of
 * a conv2d the "image" (N, Ci, H, W) and its output the "column side" (N, Co, Ho, Wo);
 * with the weight w (Co, Ci/G, kH, kW) seen per group as a (Co/G, K) matrix,
 * K = Ci/G*kH*kW:
 *   FWD    col  = w . im2col(img)          conv2d forward,   conv_transpose2d grad input
 *   DATA   img += col2im(w^T . col)        conv2d grad input, conv_transpose2d forward
 *   WGRAD  gw  += col . im2col(img)^T      the weight gradient of both
 * The engine walks "chunks" of the column side: several whole images when their
 * columns are small (one GEMM across them when each image's plane is small, a DCGAN's
 * 7x7; a GEMM per image from PER_IMAGE_COLS pixels up, the small CNN's 26x26), or a band of
 * output rows of one image when they are large (a 224x224 64-channel image would need
 * 115 MB of columns; a band keeps them near 1 MB, in cache). A 1x1 stride-1 unpadded
 * conv skips im2col: the image already is its column matrix. With stride 1, DATA is
 * usually run as FWD of a conv with the kernel flipped (see "the input gradient as a
 * forward conv"), a gather instead of a scatter; not for small unpadded images, nor
 * when there are many more output than input channels (flip_geom says why).
 *
 * Threads: chunks run on wick's pool (lib/core/threads.h), each GEMM on one thread.
 * Chunks are cut from the shape alone; weight gradients are summed per slot (a run of
 * consecutive chunks) and the slots added in order; col2im bands of one image run in two
 * phases, even then odd, so neighbours never write the same rows. So the results are the
 * same bits on any thread count. Measured on the project VM (2 Zen 3 cores, OpenBLAS
 * 0.3.21 Zen kernels, PyTorch 1.13 oneDNN in the same run, load about 1;
 * tests/bench/bench_conv.sh, fastest call of 3 s; fwd+bwd ms per call):
 *
 *                              1 thread                    2 threads
 *                       torch  wick  (im2col only)  torch  wick  (im2col only)
 *   vgg64 1x64x224² 64->64  199   76.4   (160)        86.7   50.3   (88)
 *   vgg3  1x3x224² 3->64    9.1   7.6    (7.6)         4.3    4.2   (3.9)
 *   cnn1  64x1x28² 1->32    5.4   2.3    (2.4)         5.1    1.1   (1.3)
 *   cnn2  64x32x13² 32->64 14.9  10.9    (20.2)       10.0    7.4   (11.2) */
#include "conv.h"

#include <cblas.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "../core/limits.h"
#include "../core/threads.h"
#include "im2col.h"
#include "winograd.h"
#include "winograd_s2.h"

/* Columns per chunk are kept near this many floats (1 MiB: measured best of 2^17..2^20). */
#ifndef WK_CONV_CHUNK_FLOATS
#define WK_CONV_CHUNK_FLOATS (1 << 18)
#endif

typedef wk_conv_geom geom;   /* the short name inside this file (im2col.h) */

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

/* How the column side is cut — from the problem alone, never the thread count, so
 * every GEMM and every sum is the same on 1 thread or 8 (lib/core/threads.h): nb whole
 * images per chunk (rows == Ho), or one image per chunk cut into `tiles` bands of `rows`
 * output rows. The weight gradient is summed in `slots` partial sums, each over a run
 * of consecutive chunks, then added in slot order. */
typedef struct plan {
    int64_t nb, rows, tiles, nchunks;   /* chunks per group */
    int64_t P;                          /* most columns in a chunk */
    int64_t slots;                      /* WGRAD partial sums per group */
    int64_t mblocks, mrows;             /* FWD: output channels cut in blocks of mrows */
    size_t cols, cbuf, per_worker;      /* floats of scratch: columns (K, P), gather (Cog, P) */
    int workers;
} plan;

/* At least this many chunks, so 2-4 threads have work to share (a chunk stays ~1 MiB). */
#define MIN_CHUNKS 4
/* Bands of at least this many columns (the weights are packed once per band). */
#ifndef MIN_CHUNK_COLS
#define MIN_CHUNK_COLS 256
#endif
/* Whole images of at least this many column-side pixels get a product each, straight
 * into (or out of) their own NCHW planes: gathering several into one wide matrix, for
 * one product over all, copied every value once more (a 64x64x3 -> 32x32x32 layer spent
 * 20% of its time in those copies). Smaller images are still gathered: a product per
 * 7x7 plane would be too narrow. */
#define PER_IMAGE_COLS 256
/* A forward pass with at least this many output channels per group may split them. */
#define SPLIT_MIN_COG 64
/* Weight-gradient partial sums: at most this many, and at most this many floats. */
#define WGRAD_SLOTS 8
#define WGRAD_SLOT_FLOATS (8 << 20)

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static size_t round16(int64_t n) { return ((size_t)n + 15) & ~(size_t)15; }

static void make_plan(plan *pl, const geom *g, int ops)
{
    int64_t budget = WK_CONV_CHUNK_FLOATS;
    int64_t K = g->K > 0 ? g->K : 1;
    int64_t per_image = K * g->HWo;
    if (!g->pointwise && per_image <= budget) {
        int64_t nb = budget / per_image;
        if (nb > g->N) nb = g->N;
        if (nb < 1) nb = 1;
        int64_t nchunks = cdiv(g->N, nb);
        if (nchunks * g->G < MIN_CHUNKS) nchunks = cdiv(MIN_CHUNKS, g->G);
        if (nchunks > g->N) nchunks = g->N;
        pl->nb = cdiv(g->N, nchunks);
        pl->nchunks = cdiv(g->N, pl->nb);
        pl->rows = g->Ho;
        pl->tiles = 1;
    } else {
        int64_t rows = budget / (K * (g->Wo > 0 ? g->Wo : 1));
        /* but not so few columns that packing the weights for each band costs more than
         * the band's product (a 288->384 3x3 layer at 17x17: 85-column bands) */
        if (rows * g->Wo < MIN_CHUNK_COLS) rows = cdiv(MIN_CHUNK_COLS, g->Wo > 0 ? g->Wo : 1);
        if (rows < 1) rows = 1;
        int64_t tiles = cdiv(g->Ho, rows);
        /* a forward pass with many output channels shares them out instead (below) */
        if (tiles * g->N * g->G < MIN_CHUNKS && !(ops == OP_FWD && g->Cog >= SPLIT_MIN_COG))
            tiles = cdiv(MIN_CHUNKS, g->N * g->G);
        if (tiles > 1 && (ops & OP_DATA)) tiles = cdiv(tiles, 2) * 2;   /* two even phases */
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
    }
    pl->P = pl->nb * pl->rows * g->Wo;
    /* Few chunks of a forward pass with many output channels (one small image: a late
     * InceptionV3 layer's 8x8 or 17x17 map) are shared out by blocks of output channels:
     * thin bands of columns instead would pack the whole weight matrix once per band. */
    pl->mblocks = 1;
    pl->mrows = g->Cog;
    int64_t chunks = pl->nchunks * g->G;
    if (ops == OP_FWD && pl->nb == 1 && g->Cog >= SPLIT_MIN_COG && chunks < MIN_CHUNKS) {
        int64_t mb = cdiv(MIN_CHUNKS, chunks);
        pl->mrows = cdiv(cdiv(g->Cog, mb), 16) * 16;
        pl->mblocks = cdiv(g->Cog, pl->mrows);
    }
    pl->slots = 0;
    if (ops & OP_WGRAD) {
        int64_t s = WGRAD_SLOT_FLOATS / (g->Co * K > 0 ? g->Co * K : 1);
        if (s > WGRAD_SLOTS) s = WGRAD_SLOTS;
        if (s > pl->nchunks) s = pl->nchunks;
        pl->slots = s < 1 ? 1 : s;
    }
    pl->cols = g->pointwise ? 0 : round16(K * pl->P);
    pl->cbuf = pl->nb > 1 ? round16(g->Cog * pl->P) : 0;
    pl->per_worker = pl->cols + pl->cbuf;
    pl->workers = wk_threads_count();
}

/* Floats of workspace a run needs: every worker's scratch, then the slots. */
static size_t plan_floats(const plan *pl, const geom *g)
{
    return pl->per_worker * (size_t)pl->workers + (size_t)pl->slots * round16(g->Co * g->K);
}

/* Chunk ch of a group: images [n0, n0+nb), column-side rows [r0, r1). */
typedef struct chunk {
    int64_t n0, nb, r0, r1;
} chunk;

static chunk chunk_at(const geom *g, const plan *pl, int64_t ch)
{
    chunk c;
    if (pl->tiles == 1) {
        c.n0 = ch * pl->nb;
        c.nb = g->N - c.n0 < pl->nb ? g->N - c.n0 : pl->nb;
        c.r0 = 0;
        c.r1 = g->Ho;
    } else {
        c.n0 = ch / pl->tiles;
        c.nb = 1;
        c.r0 = (ch % pl->tiles) * pl->rows;
        c.r1 = c.r0 + pl->rows < g->Ho ? c.r0 + pl->rows : g->Ho;
    }
    return c;
}

/* The chunk's columns (K, P) with leading dimension *ldb: im2col into cols, or the
 * image itself for a pointwise conv. */
static const float *chunk_columns(const geom *g, const io *x, int64_t grp, chunk c, float *cols, int64_t *ldb)
{
    const int64_t seg = (c.r1 - c.r0) * g->Wo, P = c.nb * seg;
    if (g->pointwise) {
        *ldb = g->HW;
        return x->img_in + (c.n0 * g->Ci + grp * g->Cig) * g->HW + c.r0 * g->W;
    }
    for (int64_t i = 0; i < c.nb; i++)
        wk_im2col(cols + i * seg, P, x->img_in + ((c.n0 + i) * g->Ci + grp * g->Cig) * g->HW, g, c.r0, c.r1);
    *ldb = P;
    return cols;
}

/* Whether chunk c's images are multiplied one by one (see PER_IMAGE_COLS). */
static int per_image(const geom *g, chunk c) { return c.nb > 1 && (c.r1 - c.r0) * g->Wo >= PER_IMAGE_COLS; }

/* Image i of chunk c's column-side gradient, (Cog, seg) with leading dimension HWo. */
static const float *image_grad(const geom *g, const io *x, int64_t grp, chunk c, int64_t i)
{
    return x->col_in + ((c.n0 + i) * g->Co + grp * g->Cog) * g->HWo;
}

/* The chunk's column-side gradient (Cog, P) with leading dimension *ldm: in place for
 * one image, gathered into cbuf for several. */
static const float *chunk_grad(const geom *g, const io *x, int64_t grp, chunk c, float *cbuf, int64_t *ldm)
{
    const int64_t seg = (c.r1 - c.r0) * g->Wo, P = c.nb * seg;
    if (c.nb == 1) {
        *ldm = g->HWo;
        return x->col_in + (c.n0 * g->Co + grp * g->Cog) * g->HWo + c.r0 * g->Wo;
    }
    for (int64_t i = 0; i < c.nb; i++)
        for (int64_t o = 0; o < g->Cog; o++)
            wk_row_copy(cbuf + o * P + i * seg, x->col_in + ((c.n0 + i) * g->Co + grp * g->Cog + o) * g->HWo, seg);
    *ldm = P;
    return cbuf;
}

/* FWD for one chunk and output channels [m0, m1) of its group from its columns B (K, P)
 * (leading dimension ldb): D (m1-m0, P) = bias + w (m1-m0, K) . B, straight into
 * col_out when nb == 1 (always so when m0..m1 is not the whole group). */
static WK_NO_LIBC_LOOPS void chunk_forward_from(const geom *g, const io *x, int64_t grp, chunk c, int64_t m0,
                                             int64_t m1, const float *B, int64_t ldb, float *cbuf)
{
    const int64_t seg = (c.r1 - c.r0) * g->Wo, P = c.nb * seg, K = g->K, Cog = g->Cog, M = m1 - m0;
    const int whole = c.nb > 1 && !per_image(g, c);   /* several images as one matrix, in cbuf */
    for (int64_t i = 0; i < (whole ? 1 : c.nb); i++) {
        float *D = whole ? cbuf : x->col_out + ((c.n0 + i) * g->Co + grp * Cog + m0) * g->HWo + c.r0 * g->Wo;
        const int64_t ldd = whole ? P : g->HWo, N = whole ? P : seg;
        float beta = x->col_accumulate && !whole ? 1.0f : 0.0f;
        if (x->bias && beta == 0.0f) {
            for (int64_t o = 0; o < M; o++) wk_row_fill(D + o * ldd, x->bias[grp * Cog + m0 + o], N);
            beta = 1.0f;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M, (int)N, (int)K, 1.0f,
                    x->w + (grp * Cog + m0) * K, (int)K, B + i * seg, (int)ldb, beta, D, (int)ldd);
    }
    if (whole) {
        for (int64_t i = 0; i < c.nb; i++)
            for (int64_t o = 0; o < Cog; o++) {
                float *dst = x->col_out + ((c.n0 + i) * g->Co + grp * Cog + o) * g->HWo;
                const float *src = cbuf + o * P + i * seg;
                if (x->col_accumulate) wk_row_add(dst, src, seg);
                else wk_row_copy(dst, src, seg);
            }
    }
}

/* FWD for one chunk: its columns, then the product. */
static void chunk_forward(const geom *g, const io *x, int64_t grp, chunk c, int64_t m0, int64_t m1, float *cols,
                          float *cbuf)
{
    int64_t ldb;
    const float *B = chunk_columns(g, x, grp, c, cols, &ldb);
    chunk_forward_from(g, x, grp, c, m0, m1, B, ldb, cbuf);
}

/* DATA for one chunk: img += col2im(w^T (K, Cog) . Cm (Cog, P)). */
static void chunk_data(const geom *g, const io *x, int64_t grp, chunk c, float *cols, float *cbuf)
{
    const int64_t seg = (c.r1 - c.r0) * g->Wo, P = c.nb * seg, K = g->K, Cog = g->Cog;
    const float *wg = x->w + grp * Cog * K;
    if (per_image(g, c)) {   /* each image's columns from its own plane of the gradient */
        for (int64_t i = 0; i < c.nb; i++) {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)seg, (int)Cog, 1.0f, wg, (int)K,
                        image_grad(g, x, grp, c, i), (int)g->HWo, 0.0f, cols + i * seg, (int)P);
            wk_col2im(x->img_out + ((c.n0 + i) * g->Ci + grp * g->Cig) * g->HW, cols + i * seg, P, g, c.r0, c.r1);
        }
        return;
    }
    int64_t ldm;
    const float *Cm = chunk_grad(g, x, grp, c, cbuf, &ldm);
    if (g->pointwise) {   /* img (Cig, P) += w^T (Cig, Cog) . Cm (Cog, P) */
        float *dst = x->img_out + (c.n0 * g->Ci + grp * g->Cig) * g->HW + c.r0 * g->W;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)P, (int)Cog, 1.0f, wg, (int)K, Cm,
                    (int)ldm, 1.0f, dst, (int)g->HW);
        return;
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)P, (int)Cog, 1.0f, wg, (int)K, Cm, (int)ldm,
                0.0f, cols, (int)P);
    for (int64_t i = 0; i < c.nb; i++)
        wk_col2im(x->img_out + ((c.n0 + i) * g->Ci + grp * g->Cig) * g->HW, cols + i * seg, P, g, c.r0, c.r1);
}

/* WGRAD for one chunk: gw (Cog, K) = beta * gw + Cm (Cog, P) . B^T (P, K). With
 * `fwd`, FWD too, from the same columns (conv_transpose2d's backward wants both: one
 * im2col instead of two); it runs first, as it may use cbuf for its product. */
static void chunk_wgrad(const geom *g, const io *x, int64_t grp, chunk c, float *cols, float *cbuf, float *gw,
                        float beta, int fwd)
{
    int64_t ldb, ldm;
    const float *B = chunk_columns(g, x, grp, c, cols, &ldb);
    if (fwd) chunk_forward_from(g, x, grp, c, 0, g->Cog, B, ldb, cbuf);
    if (per_image(g, c)) {   /* image by image from the gradient's own planes, summed in order */
        const int64_t seg = (c.r1 - c.r0) * g->Wo;
        for (int64_t i = 0; i < c.nb; i++, beta = 1.0f)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)g->Cog, (int)g->K, (int)seg, 1.0f,
                        image_grad(g, x, grp, c, i), (int)g->HWo, B + i * seg, (int)ldb, beta, gw, (int)g->K);
        return;
    }
    const float *Cm = chunk_grad(g, x, grp, c, cbuf, &ldm);
    const int64_t P = c.nb * (c.r1 - c.r0) * g->Wo;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)g->Cog, (int)g->K, (int)P, 1.0f, Cm, (int)ldm, B,
                (int)ldb, beta, gw, (int)g->K);
}

/* One pass of the engine over the pool. */
typedef struct pass {
    const geom *g;
    const plan *pl;
    const io *x;
    float *buf;     /* per-worker scratch, then the slots */
    int phase;      /* DATA over bands: -1 all chunks, else the bands of this parity */
    int fused;      /* WGRAD runs FWD on each chunk's columns as well */
} pass;

static void pass_scratch(const pass *ps, int worker, float **cols, float **cbuf)
{
    *cols = ps->buf + ps->pl->per_worker * (size_t)worker;
    *cbuf = *cols + ps->pl->cols;
}

static void forward_items(void *ctx, int64_t b, int64_t e, int worker)
{
    const pass *ps = ctx;
    float *cols, *cbuf;
    pass_scratch(ps, worker, &cols, &cbuf);
    const plan *pl = ps->pl;
    for (int64_t it = b; it < e; it++) {   /* it = (group, chunk, block of output channels) */
        int64_t mb = it % pl->mblocks, ch = it / pl->mblocks % pl->nchunks, grp = it / pl->mblocks / pl->nchunks;
        int64_t m0 = mb * pl->mrows, m1 = m0 + pl->mrows < ps->g->Cog ? m0 + pl->mrows : ps->g->Cog;
        chunk c = chunk_at(ps->g, pl, ch);
        if (c.r1 > c.r0 && c.nb > 0) chunk_forward(ps->g, ps->x, grp, c, m0, m1, cols, cbuf);
    }
}

static void data_items(void *ctx, int64_t b, int64_t e, int worker)
{
    const pass *ps = ctx;
    float *cols, *cbuf;
    pass_scratch(ps, worker, &cols, &cbuf);
    for (int64_t it = b; it < e; it++) {
        int64_t ch = it % ps->pl->nchunks;
        if (ps->phase >= 0 && (ch % ps->pl->tiles) % 2 != ps->phase) continue;
        chunk c = chunk_at(ps->g, ps->pl, ch);
        if (c.r1 > c.r0 && c.nb > 0) chunk_data(ps->g, ps->x, it / ps->pl->nchunks, c, cols, cbuf);
    }
}

/* Task t = group * slots + slot: that slot's run of chunks, summed in order. */
static void wgrad_tasks(void *ctx, int64_t b, int64_t e, int worker)
{
    const pass *ps = ctx;
    const geom *g = ps->g;
    const plan *pl = ps->pl;
    float *cols, *cbuf;
    pass_scratch(ps, worker, &cols, &cbuf);
    float *slots = ps->buf + pl->per_worker * (size_t)pl->workers;
    for (int64_t t = b; t < e; t++) {
        int64_t grp = t / pl->slots, s = t % pl->slots;
        float *gw = slots + (size_t)s * round16(g->Co * g->K) + grp * g->Cog * g->K;
        int64_t c0 = pl->nchunks * s / pl->slots, c1 = pl->nchunks * (s + 1) / pl->slots;
        float beta = 0.0f;
        for (int64_t ch = c0; ch < c1; ch++) {
            chunk c = chunk_at(g, pl, ch);
            if (c.r1 <= c.r0 || c.nb <= 0) continue;
            chunk_wgrad(g, ps->x, grp, c, cols, cbuf, gw, beta, ps->fused);
            beta = 1.0f;
        }
        if (beta == 0.0f) memset(gw, 0, (size_t)(g->Cog * g->K) * sizeof(float));
    }
}

/* gw += the slots, in slot order: each value of gw summed in a register across the
 * slots (the same additions in the same order as adding one slot at a time, in one pass
 * over gw instead of one per slot), 8 values at a time. */
static void wgrad_reduce(void *ctx, int64_t b, int64_t e, int worker)
{
    const pass *ps = ctx;
    const plan *pl = ps->pl;
    const float *slots = ps->buf + pl->per_worker * (size_t)pl->workers;
    const size_t stride = round16(ps->g->Co * ps->g->K);
    const int64_t ns = pl->slots;
    float *gw = ps->x->gw;
    int64_t i = b;
    for (; i + 8 <= e; i += 8) {
        float acc[8];
        memcpy(acc, gw + i, sizeof acc);
        for (int64_t s = 0; s < ns; s++) {
            float v[8];
            memcpy(v, slots + (size_t)s * stride + i, sizeof v);
            for (int k = 0; k < 8; k++) acc[k] += v[k];
        }
        memcpy(gw + i, acc, sizeof acc);
    }
    for (; i < e; i++) {
        float acc = gw[i];
        for (int64_t s = 0; s < ns; s++) acc += slots[(size_t)s * stride + i];
        gw[i] = acc;
    }
}

/* The plan for a run and the floats of workspace it needs. */
static size_t engine_floats(const geom *g, int ops, plan *pl)
{
    make_plan(pl, g, ops);
    return plan_floats(pl, g);
}

static int64_t engine_empty(const geom *g) { return g->N == 0 || g->Co == 0 || g->Ci == 0 || g->HWo == 0; }

/* Runs ops (FWD, then WGRAD, then DATA, each a pass over the chunks) with buf holding
 * engine_floats() floats. */
static void engine_run(const geom *g, const io *x, int ops, float *buf)
{
    if (engine_empty(g)) return;
    plan pl;
    make_plan(&pl, g, ops);
    /* FWD and WGRAD of one conv share their columns (pointwise convs have none) */
    pass ps = {g, &pl, x, buf, -1, (ops & OP_FWD) && (ops & OP_WGRAD) && !g->pointwise && pl.mblocks == 1};
    const int64_t items = g->G * pl.nchunks;
    if ((ops & OP_FWD) && !ps.fused) wk_parallel_for(items * pl.mblocks, 1, forward_items, &ps);
    if (ops & OP_WGRAD) {
        wk_parallel_for(g->G * pl.slots, 1, wgrad_tasks, &ps);
        int64_t n = g->Co * g->K;
        wk_parallel_for(n, wk_parallel_grain(n, (double)pl.slots, 65536.0, 8), wgrad_reduce, &ps);
    }
    if (ops & OP_DATA) {
        if (pl.tiles > 1 && !g->pointwise) {   /* neighbouring bands share input rows */
            for (ps.phase = 0; ps.phase < 2; ps.phase++) wk_parallel_for(items, 1, data_items, &ps);
        } else {
            wk_parallel_for(items, 1, data_items, &ps);
        }
    }
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
    /* unpadded convs of small images: the flipped conv's columns would be much bigger
     * (11x11 -> 13x13 is 1.4x) and GEMM + col2im measured faster (19 vs 23 ms) */
    if ((double)g->HW > 1.15 * (double)g->HWo) return 0;
    /* many more outputs than inputs: the flipped conv's columns (Co·k² a pixel) dwarf
     * the direct path's (Ci·k²); 3 -> 128 channels through 23x23 random filters took
     * 11 s a backward pass flipped, 0.4 s by GEMM + col2im */
    if (g->Co > 4 * g->Ci) return 0;
    int64_t ph = (g->kH - 1) * g->dH - g->pH, pw = (g->kW - 1) * g->dW - g->pW;
    if (g->sH != 1 || g->sW != 1 || ph < 0 || pw < 0) return 0;
    *f = *g;
    f->Ci = g->Co; f->H = g->Ho; f->W = g->Wo;
    f->Co = g->Ci; f->Ho = g->H; f->Wo = g->W;
    f->pH = ph; f->pW = pw;
    wk_conv_geom_finish(f);
    return 1;
}

/* ---- Winograd for 3x3 stride 1 (winograd.c) -------------------------------------- */

/* The Winograd geometry of g, when F(4x4, 3x3) applies to it. */
static int wino_geom(wk_wino_geom *wg, const geom *g)
{
#ifdef WK_CONV_NO_WINOGRAD   /* benchmarks build with it to compare the two paths */
    return 0;
#endif
    if (g->kH != 3 || g->kW != 3 || g->sH != 1 || g->sW != 1 || g->dH != 1 || g->dW != 1 || g->G != 1) return 0;
    *wg = (wk_wino_geom){g->N, g->Ci, g->H, g->W, g->Co, g->Ho, g->Wo, g->pH, g->pW};
    return wk_winograd_applies(wg);
}

/* The F(2x2, 2x2) geometry of g, when that path (4x4 stride 2, winograd_s2.c) applies. */
static int wino_s2_geom(wk_wino_geom *wg, const geom *g)
{
#ifdef WK_CONV_NO_WINOGRAD
    return 0;
#endif
    if (g->kH != 4 || g->kW != 4 || g->sH != 2 || g->sW != 2 || g->dH != 1 || g->dW != 1 || g->G != 1) return 0;
    *wg = (wk_wino_geom){g->N, g->Ci, g->H, g->W, g->Co, g->Ho, g->Wo, g->pH, g->pW};
    return wk_wino_s2_applies(wg);
}

/* Floats of workspace for one pass of g, OP_FWD (col_out = conv(img_in)), OP_WGRAD or
 * OP_DATA (img_out += the adjoint), by whichever path path_run takes. */
static size_t path_floats(const geom *g, int op)
{
    wk_wino_geom wg;
    plan pl;
    if (op != OP_DATA && wino_geom(&wg, g)) return wk_winograd_floats(&wg, op == OP_WGRAD);
    if (wino_s2_geom(&wg, g)) return wk_wino_s2_floats(&wg, op == OP_WGRAD);
    return engine_floats(g, op, &pl);
}

static void path_run(const geom *g, const io *x, int op, float *buf)
{
    wk_wino_geom wg;
    if (engine_empty(g)) return;
    if (op != OP_DATA && wino_geom(&wg, g)) {
        if (op == OP_FWD) wk_winograd_forward(x->col_out, x->img_in, x->w, x->bias, x->col_accumulate, &wg, buf);
        else wk_winograd_wgrad(x->gw, x->col_in, x->img_in, &wg, buf);
    } else if (wino_s2_geom(&wg, g)) {
        if (op == OP_FWD) wk_wino_s2_forward(x->col_out, x->img_in, x->w, x->bias, x->col_accumulate, &wg, buf);
        else if (op == OP_WGRAD) wk_wino_s2_wgrad(x->gw, x->col_in, x->img_in, &wg, buf);
        else wk_wino_s2_data(x->img_out, x->col_in, x->w, &wg, buf);
    } else {
        engine_run(g, x, op, buf);
    }
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

typedef struct plane_args {
    float *t;           /* (N, C, HW) */
    float *gb;          /* (C) */
    const float *src;   /* (N, C, HW) */
    const float *b;     /* (C) */
    int64_t N, C, HW;
} plane_args;

/* gb[c] += sum over n and the plane of src, for channels [c0, c1). */
static void channel_sum_range(void *ctx, int64_t c0, int64_t c1, int worker)
{
    const plane_args *a = ctx;
    for (int64_t c = c0; c < c1; c++) {
        double s = 0.0;
        for (int64_t n = 0; n < a->N; n++) {
            const float *p = a->src + (n * a->C + c) * a->HW;
            float acc[16] = {0};   /* 16 lanes, so the sum vectorises without -ffast-math */
            int64_t i = 0;
            for (; i + 16 <= a->HW; i += 16)
                for (int k = 0; k < 16; k++) acc[k] += p[i + k];
            float part = 0.0f;
            for (; i < a->HW; i++) part += p[i];
            for (int k = 0; k < 16; k++) part += acc[k];
            s += part;
        }
        a->gb[c] += (float)s;
    }
}

/* gb[c] += sum over n and the plane of t (N, C, HW); one chunk per run of channels. */
static void channel_sums(float *gb, const float *t, int64_t N, int64_t C, int64_t HW)
{
    plane_args a = {.gb = gb, .src = t, .N = N, .C = C, .HW = HW};
    wk_parallel_for(C, wk_parallel_grain(C, (double)(N * HW), 65536.0, 16), channel_sum_range, &a);
}

/* t (N*C planes of HW) += b[plane % C], for planes [p0, p1). */
static void bias_range(void *ctx, int64_t p0, int64_t p1, int worker)
{
    const plane_args *a = ctx;
    for (int64_t nc = p0; nc < p1; nc++) {
        float v = a->b[nc % a->C], *p = a->t + nc * a->HW;
        for (int64_t i = 0; i < a->HW; i++) p[i] += v;
    }
}

static void add_bias(float *t, const float *b, int64_t N, int64_t C, int64_t HW)
{
    plane_args a = {.t = t, .b = b, .N = N, .C = C, .HW = HW};
    wk_parallel_for(N * C, wk_parallel_grain(N * C, (double)HW, 65536.0, 16), bias_range, &a);
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
    if (wk_mul_overflows(ws[1], G, transposed ? &C_out : &C_in))
        return wk_fail("%s: weight %s times groups %lld overflows", fn, wk_shape_str(a, sizeof a, 4, ws), (long long)G);
    if (!transposed) {
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
        if (in[1] != C_in)
            return wk_fail("%s: input has %lld channels, weight expects %lld", fn, (long long)in[1], (long long)C_in);
        if (C_in % G)
            return wk_fail("%s: weight %s has %lld input channels, not divisible by groups %lld", fn,
                           wk_shape_str(a, sizeof a, 4, ws), (long long)C_in, (long long)G);
    }
    /* The kernel's extent and a transposed output multiply sizes up to 2^40 by options
     * up to 2^31: bound them in double first, so the int64 arithmetic below cannot wrap. */
    for (int i = 0; i < 2; i++) {
        double ext = (double)o->dilation[i] * (double)(ws[2 + i] - 1) + 1;
        double span = transposed ? (double)(in[2 + i] - 1) * o->stride[i] + ext + o->output_padding[i] : 0;
        if (ext > (double)WK_MAX_NUMEL || span > (double)WK_MAX_NUMEL)
            return wk_fail("%s: a %lldx%lld kernel with dilation %d and stride %d gives an absurd output size for "
                           "input %s", fn, (long long)kH, (long long)kW, o->dilation[i], o->stride[i],
                           wk_shape_str(b, sizeof b, 4, in));
    }
    int64_t eh = (int64_t)o->dilation[0] * (kH - 1) + 1, ew = (int64_t)o->dilation[1] * (kW - 1) + 1;
    int64_t ph2 = 2 * (int64_t)o->padding[0], pw2 = 2 * (int64_t)o->padding[1];
    int64_t Ho, Wo;
    if (!transposed) {
        Ho = (in[2] + ph2 - eh) / o->stride[0] + 1;
        Wo = (in[3] + pw2 - ew) / o->stride[1] + 1;
        if (in[2] + ph2 < eh || in[3] + pw2 < ew)
            Ho = Wo = 0;
    } else {
        Ho = (in[2] - 1) * o->stride[0] - ph2 + eh + o->output_padding[0];
        Wo = (in[3] - 1) * o->stride[1] - pw2 + ew + o->output_padding[1];
    }
    if (Ho < 1 || Wo < 1)
        return wk_fail("%s: input %s is too small for a %lldx%lld kernel (stride %d, padding %d, dilation %d): "
                       "output would be %lldx%lld", fn, wk_shape_str(b, sizeof b, 4, in), (long long)kH,
                       (long long)kW, o->stride[0], o->padding[0], o->dilation[0], (long long)Ho, (long long)Wo);
    /* BLAS takes int sizes: a plane, a kernel column or a channel count beyond INT_MAX
     * would be truncated into a wrong (and out-of-bounds) GEMM. */
    if ((double)Ho * (double)Wo > INT_MAX || (double)in[2] * (double)in[3] > INT_MAX ||
        (double)ws[1] * (double)kH * (double)kW > INT_MAX || ws[0] > INT_MAX)
        return wk_fail("%s: input %s with weight %s is too large for BLAS (planes and kernels of at most 2^31 "
                       "values)", fn, wk_shape_str(b, sizeof b, 4, in), wk_shape_str(a, sizeof a, 4, ws));
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
        wk_conv_geom_finish(g);
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
    size_t n = path_floats(&g, OP_FWD);
    float *buf = n ? wk_workspace_get(ws, n) : NULL;
    if (n && !buf) return WK_ERR;
    path_run(&g, &x, OP_FWD, buf);
    return WK_OK;
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
    if (engine_empty(&g) || (!grad_input && !grad_weight)) return WK_OK;
    /* grad_input: for 3x3 convs on the Winograd path, its adjoint; else with stride 1
     * conv2d(grad_output, flipped w); else the engine's GEMM + col2im */
    geom f;
    wk_wino_geom wg;
    int wino = grad_input && wino_geom(&wg, &g);   /* the adjoint of the Winograd forward */
    int flipped = grad_input && !wino && flip_geom(&f, &g);
    size_t nflip = flipped ? round16(g.Co * g.K) : 0;
    size_t nd = flipped ? path_floats(&f, OP_FWD) : wino ? wk_winograd_floats(&wg, 0) : 0;
    size_t nw = grad_weight ? path_floats(&g, OP_WGRAD) : 0;
    size_t ne = grad_input && !flipped && !wino ? path_floats(&g, OP_DATA) : 0;
    size_t most = nd > nw ? nd : nw;
    if (ne > most) most = ne;
    float *buf = wk_workspace_get(ws, nflip + most);
    if (!buf) return WK_ERR;
    if (grad_weight) path_run(&g, &x, OP_WGRAD, buf + nflip);
    if (wino) {
        wk_winograd_data(x.img_out, x.col_in, x.w, &wg, buf);
    } else if (flipped) {
        flip_weight(buf, x.w, &g);   /* (Ci, Cog, kH, kW) */
        io xf = {0};
        xf.img_in = x.col_in;
        xf.col_out = wk_tensor_data(grad_input);
        xf.w = buf;
        xf.col_accumulate = 1;
        path_run(&f, &xf, OP_FWD, buf + nflip);
    } else if (grad_input) {
        path_run(&g, &x, OP_DATA, buf + nflip);
    }
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
        size_t nflip = round16(g.Co * g.K);
        float *buf = wk_workspace_get(ws, nflip + path_floats(&f, OP_FWD));
        if (!buf) return WK_ERR;
        flip_weight(buf, wk_tensor_data(weight), &g);   /* (C_out, C_in/groups, kH, kW) */
        io xf = {0};
        xf.img_in = wk_tensor_data(input);
        xf.col_out = y;
        xf.w = buf;
        xf.bias = bias ? wk_tensor_data(bias) : NULL;
        path_run(&f, &xf, OP_FWD, buf + nflip);
        return WK_OK;
    }
    memset(y, 0, (size_t)wk_tensor_numel(output) * sizeof(float));
    io x = {0};
    x.col_in = wk_tensor_data(input);
    x.img_out = y;
    x.w = wk_tensor_data(weight);
    size_t n = path_floats(&g, OP_DATA);
    float *buf = n ? wk_workspace_get(ws, n) : NULL;
    if (n && !buf) return WK_ERR;
    path_run(&g, &x, OP_DATA, buf);
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
    if (!ops || engine_empty(&g)) return WK_OK;
    size_t nf = (ops & OP_FWD) ? path_floats(&g, OP_FWD) : 0, nw = (ops & OP_WGRAD) ? path_floats(&g, OP_WGRAD) : 0;
    float *buf = wk_workspace_get(ws, nf > nw ? nf : nw);
    if (!buf) return WK_ERR;
    wk_wino_geom wg;
    if (ops == (OP_FWD | OP_WGRAD) && !wino_geom(&wg, &g) && !wino_s2_geom(&wg, &g)) {   /* im2col once for both */
        plan pl;
        size_t n = engine_floats(&g, ops, &pl);
        if (n > nf && n > nw && !(buf = wk_workspace_get(ws, n))) return WK_ERR;
        engine_run(&g, &x, ops, buf);
        return WK_OK;
    }
    if (ops & OP_FWD) path_run(&g, &x, OP_FWD, buf);
    if (ops & OP_WGRAD) path_run(&g, &x, OP_WGRAD, buf);
    return WK_OK;
}
