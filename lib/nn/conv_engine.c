/* conv_engine.c — the im2col + SGEMM engine of conv2d and conv_transpose2d
 * (conv_engine.h): everything conv.c does not send to a Winograd path.
 *
 * The engine walks "chunks" of the column side: several whole images when their
 * columns are small (one GEMM across them when each image's plane is small, a DCGAN's
 * 7x7; a GEMM per image from PER_IMAGE_COLS pixels up, the small CNN's 26x26), or a band of
 * output rows of one image when they are large (a 224x224 64-channel image would need
 * 115 MB of columns; a band keeps them near 1 MB, in cache). A 1x1 stride-1 unpadded
 * conv skips im2col: the image already is its column matrix.
 *
 * Chunks of several small images (a DCGAN-28's 7x7 and 14x14 maps) run all three on
 * panel_gemm.c instead of OpenBLAS, where its AVX-512 kernel is compiled in (see there
 * for why): the weights are packed once a pass; im2col writes the forward's columns
 * straight into the kernel's panels, and the forward its product straight into the
 * output's planes; DATA gathers dY into panels; WGRAD transposes the columns into them
 * from a padded copy of each input plane. A DCGAN-28 training step at 1 thread went from
 * 8.6 to 9.7-9.8 steps/s with it (Xeon, AVX-512; tests/bench/bench_dcgan.sh).
 *
 * Threads: chunks run on wick's pool (lib/core/threads.h), each GEMM on one thread.
 * Chunks are cut from the shape alone; weight gradients are summed per slot (a run of
 * consecutive chunks) and the slots added in order; col2im bands of one image run in two
 * phases, even then odd, so neighbours never write the same rows. So the results are the
 * same bits on any thread count. */
#include "conv_engine.h"

#include <cblas.h>
#include <string.h>
#include "../core/threads.h"
#include "panel_gemm.h"

typedef wk_conv_geom geom;   /* the short names inside this file */
typedef wk_conv_io io;
enum { OP_FWD = WK_CONV_FWD, OP_DATA = WK_CONV_DATA, OP_WGRAD = WK_CONV_WGRAD };

/* Columns per chunk are kept near this many floats (1 MiB: measured best of 2^17..2^20). */
#ifndef WK_CONV_CHUNK_FLOATS
#define WK_CONV_CHUNK_FLOATS (1 << 18)
#endif

/* ---- the engine ---------------------------------------------------------------- */

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
    int panel;                          /* FWD, DATA and WGRAD multiply through panel_gemm.c */
    size_t panel_scratch;               /* floats per worker: one panel of the columns (K, 32) */
    size_t pack_fwd, pack_data;         /* floats of w packed for FWD, w^T for DATA (all groups) */
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
#ifndef WGRAD_SLOTS
#define WGRAD_SLOTS 8
#endif
#define WGRAD_SLOT_FLOATS (8 << 20)
/* ... and above MIN_CHUNKS of them, at least this many chunks a slot. */
#define WGRAD_SLOT_CHUNKS 3

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
        /* every slot is zeroed (OpenBLAS's beta 0) and read again by the sum: with few
         * chunks, fewer slots of more chunks (8 slots of DCGAN-28's 13 chunks zeroed and
         * summed 4 MB a pass for 2 threads' sake) */
        const int64_t cap = pl->nchunks / WGRAD_SLOT_CHUNKS > MIN_CHUNKS ? pl->nchunks / WGRAD_SLOT_CHUNKS : MIN_CHUNKS;
        if (s > cap) s = cap;
        if (s > pl->nchunks) s = pl->nchunks;
        pl->slots = s < 1 ? 1 : s;
    }
    pl->cols = g->pointwise ? 0 : round16(K * pl->P);
    pl->cbuf = pl->nb > 1 ? round16(g->Cog * pl->P) : 0;
    /* Several small images a chunk (a DCGAN's 7x7 maps): FWD, DATA and WGRAD on
     * panel_gemm.c, with their own layouts of the columns and dY (see the top comment). */
    pl->panel = wk_panel_gemm_fast() && !g->pointwise && pl->tiles == 1 && pl->nb > 1 && pl->mblocks == 1 &&
                g->HWo < PER_IMAGE_COLS;
    pl->panel_scratch = pl->pack_fwd = pl->pack_data = 0;
    if (pl->panel) {
        if (ops & OP_FWD) {   /* the columns im2col'd straight into panels, or copied a panel at a time */
            size_t panels = round16((int64_t)wk_panel_b_floats(K, pl->P));
            if (panels > pl->cols) pl->cols = panels;
            pl->panel_scratch = round16((int64_t)wk_panel_b_floats(K, WK_PANEL_NP));
            pl->pack_fwd = round16((int64_t)wk_panel_a_floats(g->Cog, K)) * (size_t)g->G;
        }
        if (ops & OP_DATA) {
            size_t panels = round16((int64_t)wk_panel_b_floats(g->Cog, pl->P));   /* dY gathered into panels */
            if (panels > pl->cbuf) pl->cbuf = panels;
            pl->pack_data = round16((int64_t)wk_panel_a_floats(K, g->Cog)) * (size_t)g->G;
        }
        if (ops & OP_WGRAD) {   /* the columns transposed into panels, dY packed as the left side */
            size_t panels = round16((int64_t)wk_panel_b_floats(pl->P, K));
            size_t left = round16((int64_t)wk_panel_a_floats(g->Cog, pl->P));
            if (panels > pl->cols) pl->cols = panels;
            if (left > pl->cbuf) pl->cbuf = left;
        }
    }
    pl->per_worker = pl->cols + pl->cbuf + pl->panel_scratch;
    pl->workers = wk_threads_count();
}

/* Floats of workspace a run needs: every worker's scratch, then the slots. */
static size_t plan_floats(const plan *pl, const geom *g)
{
    return pl->per_worker * (size_t)pl->workers + (size_t)pl->slots * round16(g->Co * g->K) + pl->pack_fwd +
           pl->pack_data;
}

/* A worker's scratch, and the weights packed for panel_gemm.c (NULL off that path). */
typedef struct scratch {
    float *cols, *cbuf, *panel;
    int wgrad_panels;                    /* WGRAD on panel_gemm.c */
    const float *pack_fwd, *pack_data;   /* group 0's; group grp's follow at a fixed stride */
} scratch;

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

/* The chunk's columns (K, P) in panel_gemm.h's panels, when wk_im2col_panels applies
 * to the shape (it writes nothing when it does not, and then neither does this). */
static int chunk_panels(const geom *g, const io *x, int64_t grp, chunk c, float *panels)
{
    const int64_t seg = (c.r1 - c.r0) * g->Wo;
    if (c.r0 != 0 || c.r1 != g->Ho) return 0;
    for (int64_t i = 0; i < c.nb; i++)
        if (!wk_im2col_panels(panels, i * seg, x->img_in + ((c.n0 + i) * g->Ci + grp * g->Cig) * g->HW, g)) return 0;
    wk_panel_b_pad(panels, g->K, c.nb * seg);
    return 1;
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
                                             int64_t m1, const float *B, int64_t ldb, int panels, const scratch *s)
{
    float *cbuf = s->cbuf;
    const float *pa = s->pack_fwd ? s->pack_fwd + grp * round16((int64_t)wk_panel_a_floats(g->Cog, g->K)) +
                                        m0 / WK_PANEL_MR * WK_PANEL_MR * g->K
                                  : NULL;
    const int64_t seg = (c.r1 - c.r0) * g->Wo, P = c.nb * seg, K = g->K, Cog = g->Cog, M = m1 - m0;
    const int whole = c.nb > 1 && !per_image(g, c);   /* several images as one matrix, in cbuf */
    if (pa && whole && seg == g->HWo && seg >= WK_PANEL_NP) {
        /* straight into the images' planes, bias and all, without the gathered copy in cbuf */
        wk_panel_gemm_images(x->col_out + (c.n0 * g->Co + grp * Cog + m0) * g->HWo, g->HWo, seg, g->Co * g->HWo, pa, B,
                             panels ? 0 : ldb, M, K, P, x->col_accumulate ? 1.0f : 0.0f,
                             x->bias ? x->bias + grp * Cog + m0 : NULL, s->panel);
        return;
    }
    for (int64_t i = 0; i < (whole ? 1 : c.nb); i++) {
        float *D = whole ? cbuf : x->col_out + ((c.n0 + i) * g->Co + grp * Cog + m0) * g->HWo + c.r0 * g->Wo;
        const int64_t ldd = whole ? P : g->HWo, N = whole ? P : seg;
        float beta = x->col_accumulate && !whole ? 1.0f : 0.0f;
        if (x->bias && beta == 0.0f) {
            for (int64_t o = 0; o < M; o++) wk_row_fill(D + o * ldd, x->bias[grp * Cog + m0 + o], N);
            beta = 1.0f;
        }
        if (panels)   /* B is the chunk's columns in panels: one product, i == 0 */
            wk_panel_gemm(D, ldd, pa, B, M, K, N, beta);
        else if (pa)
            wk_panel_gemm_rows(D, ldd, pa, B + i * seg, ldb, M, K, N, beta, s->panel);
        else
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
static void chunk_forward(const geom *g, const io *x, int64_t grp, chunk c, int64_t m0, int64_t m1,
                          const scratch *s)
{
    int64_t ldb;
    if (s->pack_fwd && chunk_panels(g, x, grp, c, s->cols)) {
        chunk_forward_from(g, x, grp, c, m0, m1, s->cols, 0, 1, s);
        return;
    }
    const float *B = chunk_columns(g, x, grp, c, s->cols, &ldb);
    chunk_forward_from(g, x, grp, c, m0, m1, B, ldb, 0, s);
}

/* DATA for one chunk: img += col2im(w^T (K, Cog) . Cm (Cog, P)). */
static void chunk_data(const geom *g, const io *x, int64_t grp, chunk c, const scratch *s)
{
    const int64_t seg = (c.r1 - c.r0) * g->Wo, P = c.nb * seg, K = g->K, Cog = g->Cog;
    const float *wg = x->w + grp * Cog * K;
    float *cols = s->cols, *cbuf = s->cbuf;
    if (s->pack_data) {   /* dY gathered straight into panels, cols = w^T . dY by panel_gemm.c */
        for (int64_t i = 0; i < c.nb; i++)
            for (int64_t o = 0; o < Cog; o++)
                wk_panel_b_put(cbuf, Cog, o, i * seg, image_grad(g, x, grp, c, i) + o * g->HWo, seg);
        wk_panel_b_pad(cbuf, Cog, P);
        wk_panel_gemm(cols, P, s->pack_data + grp * round16((int64_t)wk_panel_a_floats(K, Cog)), cbuf, K, Cog, P, 0.0f);
        for (int64_t i = 0; i < c.nb; i++)
            wk_col2im(x->img_out + ((c.n0 + i) * g->Ci + grp * g->Cig) * g->HW, cols + i * seg, P, g, c.r0, c.r1);
        return;
    }
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
/* WGRAD for one chunk of whole images on panel_gemm.c: gw (Cog, K) = beta gw + dY (Cog,
 * P) . cols^T (P, K), the columns transposed straight into panels (wk_im2col_tpanels)
 * and dY packed as the left side; beta 0 writes gw without reading it, so no slot is
 * zeroed first. Returns 0, having written nothing, where the transposed im2col does not
 * apply. */
static int chunk_wgrad_panels(const geom *g, const io *x, int64_t grp, chunk c, const scratch *s, float *gw,
                              float beta)
{
    const int64_t seg = g->HWo, P = c.nb * seg, K = g->K, Cog = g->Cog, MR = WK_PANEL_MR;
    float *panels = s->cols, *left = s->cbuf;
    if (c.r0 != 0 || c.r1 != g->Ho) return 0;
    for (int64_t i = 0; i < c.nb; i++)
        if (!wk_im2col_tpanels(panels, P, i * seg, x->img_in + ((c.n0 + i) * g->Ci + grp * g->Cig) * g->HW, g))
            return 0;
    if (K % WK_PANEL_NP) {   /* the last panel's lanes past K: read by the kernel, never stored */
        float *last = panels + K / WK_PANEL_NP * P * WK_PANEL_NP;
        for (int64_t p = 0; p < P; p++) memset(last + p * WK_PANEL_NP + K % WK_PANEL_NP, 0,
                                              (size_t)(WK_PANEL_NP - K % WK_PANEL_NP) * sizeof(float));
    }
    /* left (Cog, P) in tiles of MR rows: left[(t P + p) MR + r] = dY[co = t MR + r] at pixel p */
    for (int64_t t = 0; t * MR < Cog; t++)
        for (int64_t r = 0; r < MR; r++) {
            float *dst = left + t * P * MR + r;
            if (t * MR + r >= Cog) {
                for (int64_t p = 0; p < P; p++) dst[p * MR] = 0.0f;
                continue;
            }
            for (int64_t i = 0; i < c.nb; i++) {
                const float *src = image_grad(g, x, grp, c, i) + (t * MR + r) * g->HWo;
                for (int64_t q = 0; q < seg; q++) dst[(i * seg + q) * MR] = src[q];
            }
        }
    wk_panel_gemm(gw, K, left, panels, Cog, P, K, beta);
    return 1;
}

static void chunk_wgrad(const geom *g, const io *x, int64_t grp, chunk c, const scratch *s, float *gw, float beta,
                        int fwd)
{
    if (s->wgrad_panels && !fwd && chunk_wgrad_panels(g, x, grp, c, s, gw, beta)) return;
    int64_t ldb, ldm;
    float *cbuf = s->cbuf;
    const float *B = chunk_columns(g, x, grp, c, s->cols, &ldb);
    if (fwd) chunk_forward_from(g, x, grp, c, 0, g->Cog, B, ldb, 0, s);
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

static scratch pass_scratch(const pass *ps, int worker)
{
    const plan *pl = ps->pl;
    scratch s;
    s.cols = ps->buf + pl->per_worker * (size_t)worker;
    s.cbuf = s.cols + pl->cols;
    s.panel = s.cbuf + pl->cbuf;
    /* after every worker's scratch and the slots */
    float *packed = ps->buf + pl->per_worker * (size_t)pl->workers + (size_t)pl->slots * round16(ps->g->Co * ps->g->K);
    s.pack_fwd = pl->pack_fwd ? packed : NULL;
    s.pack_data = pl->pack_data ? packed + pl->pack_fwd : NULL;
    s.wgrad_panels = pl->panel;
    return s;
}

static void forward_items(void *ctx, int64_t b, int64_t e, int worker)
{
    const pass *ps = ctx;
    const scratch s = pass_scratch(ps, worker);
    const plan *pl = ps->pl;
    for (int64_t it = b; it < e; it++) {   /* it = (group, chunk, block of output channels) */
        int64_t mb = it % pl->mblocks, ch = it / pl->mblocks % pl->nchunks, grp = it / pl->mblocks / pl->nchunks;
        int64_t m0 = mb * pl->mrows, m1 = m0 + pl->mrows < ps->g->Cog ? m0 + pl->mrows : ps->g->Cog;
        chunk c = chunk_at(ps->g, pl, ch);
        if (c.r1 > c.r0 && c.nb > 0) chunk_forward(ps->g, ps->x, grp, c, m0, m1, &s);
    }
}

static void data_items(void *ctx, int64_t b, int64_t e, int worker)
{
    const pass *ps = ctx;
    const scratch s = pass_scratch(ps, worker);
    for (int64_t it = b; it < e; it++) {
        int64_t ch = it % ps->pl->nchunks;
        if (ps->phase >= 0 && (ch % ps->pl->tiles) % 2 != ps->phase) continue;
        chunk c = chunk_at(ps->g, ps->pl, ch);
        if (c.r1 > c.r0 && c.nb > 0) chunk_data(ps->g, ps->x, it / ps->pl->nchunks, c, &s);
    }
}

/* Task t = group * slots + slot: that slot's run of chunks, summed in order. */
static void wgrad_tasks(void *ctx, int64_t b, int64_t e, int worker)
{
    const pass *ps = ctx;
    const geom *g = ps->g;
    const plan *pl = ps->pl;
    const scratch sc = pass_scratch(ps, worker);
    float *slots = ps->buf + pl->per_worker * (size_t)pl->workers;
    for (int64_t t = b; t < e; t++) {
        int64_t grp = t / pl->slots, s = t % pl->slots;
        float *gw = slots + (size_t)s * round16(g->Co * g->K) + grp * g->Cog * g->K;
        int64_t c0 = pl->nchunks * s / pl->slots, c1 = pl->nchunks * (s + 1) / pl->slots;
        float beta = 0.0f;
        for (int64_t ch = c0; ch < c1; ch++) {
            chunk c = chunk_at(g, pl, ch);
            if (c.r1 <= c.r0 || c.nb <= 0) continue;
            chunk_wgrad(g, ps->x, grp, c, &sc, gw, beta, ps->fused);
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

size_t wk_conv_engine_floats(const geom *g, int ops)
{
    plan pl;
    make_plan(&pl, g, ops);
    return plan_floats(&pl, g);
}

int wk_conv_engine_empty(const geom *g) { return g->N == 0 || g->Co == 0 || g->Ci == 0 || g->HWo == 0; }

void wk_conv_engine_run(const geom *g, const io *x, int ops, float *buf)
{
    if (wk_conv_engine_empty(g)) return;
    plan pl;
    make_plan(&pl, g, ops);
    /* FWD and WGRAD share their im2col unless both run on panels (laid out differently) */
    pass ps = {g, &pl, x, buf, -1, (ops & OP_FWD) && (ops & OP_WGRAD) && !g->pointwise && pl.mblocks == 1 && !pl.panel};
    if (pl.panel) {   /* each group's w (Cog, K) for FWD, w^T (K, Cog) for DATA, packed once */
        const scratch s = pass_scratch(&ps, 0);
        const size_t fwd = round16((int64_t)wk_panel_a_floats(g->Cog, g->K)),
                     data = round16((int64_t)wk_panel_a_floats(g->K, g->Cog));
        for (int64_t grp = 0; grp < g->G; grp++) {
            const float *wg = x->w + grp * g->Cog * g->K;
            if (s.pack_fwd) wk_panel_pack_a((float *)s.pack_fwd + grp * fwd, wg, g->Cog, g->K, g->K, 1);
            if (s.pack_data) wk_panel_pack_a((float *)s.pack_data + grp * data, wg, g->K, g->Cog, 1, g->K);
        }
    }
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

