/* winograd_passes.h — what the two Winograd engines (winograd.c: 3x3 stride 1 by
 * F(4x4, 3x3); winograd_s2.c: 4x4 stride 2 by F(2x2, 2x2) over phase channels) share:
 * cutting the batch's tile rows into blocks, and the three passes over those blocks
 * with their SGEMMs in the transformed domain. An engine supplies its plan's shared
 * part (wk_wino_blocks, the first member of its own plan), its transformed kernel and
 * its four tile transforms; the passes own the order of the sums, so results do not
 * depend on the thread count. Internal to lib/nn. */
#ifndef WK_NN_WINOGRAD_PASSES_H
#define WK_NN_WINOGRAD_PASSES_H

#include <stddef.h>
#include <stdint.h>

#include "winograd.h"

typedef struct wk_wino_blocks {
    int nxi;              /* transformed positions of a tile: SGEMMs a block */
    int64_t K;            /* channels each product sums over: Ci, or 4 Ci phase channels */
    int64_t tH, tW;       /* tiles per image, down and across */
    int64_t rows;         /* tile rows of the whole batch: N * tH */
    int64_t rb;           /* tile rows per block */
    int64_t nblocks;
    int64_t T;            /* tiles in a full block: rb * tW (the leading dimension of V, M) */
    int64_t slots;        /* weight-gradient partial sums */
    size_t vs, ms;        /* from one xi to the next in V (nxi, K, T) and M (nxi, Co, T) */
    size_t u, v, m;       /* floats of U (nxi, Co, K), V and M */
    size_t per_worker;    /* floats of a worker's V, M and transform scratch */
    int workers;
} wk_wino_blocks;

/* Sets rb (at least 1, at most rows), nblocks, T, and slots (0 without the weight
 * gradient) and u from nxi, K, tW and rows, which the engine has set. */
void wk_wino_blocks_cut(wk_wino_blocks *b, const wk_wino_geom *g, int64_t rb, int with_wgrad);

typedef struct wk_wino_run wk_wino_run;

/* A tile transform over the tiles of tile rows [R0, R1): buf is the block's V or M
 * (nxi matrices, vs or ms apart, T tiles wide), scr the worker's scratch. */
typedef void (*wk_wino_transform)(const wk_wino_run *r, float *buf, int64_t R0, int64_t R1, float *scr);

struct wk_wino_run {
    const wk_wino_geom *g;
    const wk_wino_blocks *b;          /* the engine's plan, whose first member this is */
    wk_wino_transform input;          /* V <- B^T d B, d read from x */
    wk_wino_transform grad;           /* M <- A dy A^T */
    wk_wino_transform output;         /* y = (or += when accumulate) A^T M A, + bias */
    wk_wino_transform input_adjoint;  /* dx += B V B^T, back where d was read */
    float *y, *dx;
    const float *x, *dy, *bias;
    int accumulate;
    const float *u;                   /* (nxi, Co, K) the transformed kernel */
    float *slots;                     /* (slots, u) weight-gradient partial sums */
    float *scratch;                   /* (workers, per_worker) */
    int parity;                       /* the input gradient's blocks of this parity (-1: all) */
};

/* y from x: every block's input transform, nxi SGEMMs with U, output transform. */
void wk_wino_forward_pass(const wk_wino_run *r);

/* dx += from dy: every block's gradient transform, nxi SGEMMs with U^T, input
 * transform's adjoint; blocks that share input rows never run at once. */
void wk_wino_data_pass(wk_wino_run *r);

/* du (nxi, Co, K) = the sum over blocks of dM V^T, summed per slot and the slots in order. */
void wk_wino_wgrad_pass(const wk_wino_run *r, float *du);

#endif
