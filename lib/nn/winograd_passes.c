/* winograd_passes.c — the block loops both Winograd engines run (winograd_passes.h).
 *
 * The batch's tile rows (N * tH of them, possibly spanning images) are cut into blocks
 * of rb rows, from the shape alone. In each block an engine's transforms fill V (the
 * input tiles, transformed) or M (the output or gradient tiles), and the products
 * between them run as one SGEMM per transformed position xi:
 *     forward          M[xi] (Co, T)  = U[xi] (Co, K) . V[xi] (K, T)
 *     input gradient   V[xi] (K, T)   = U[xi]^T . dM[xi] (Co, T)
 *     weight gradient  dU[xi] (Co, K) += dM[xi] . V[xi]^T
 * The weight gradient is summed per slot (a run of consecutive blocks, in block order)
 * and the slots are added in order; the input gradient runs even blocks, then odd ones,
 * since neighbouring blocks of one image add into the same input rows (blocks of whole
 * images share none and all run at once). So no sum's order depends on which thread
 * ran what, and results are the same bits on any thread count (lib/core/threads.h). */
#include "winograd_passes.h"

#include <cblas.h>
#include <string.h>

#include "../core/threads.h"

/* At most this many weight-gradient slots, each of at most this many floats' worth of
 * partial sums (more slots: more threads kept busy, more to add up at the end). */
#define WGRAD_SLOTS 8
#define WGRAD_SLOT_FLOATS (8 << 20)

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

void wk_wino_blocks_cut(wk_wino_blocks *b, const wk_wino_geom *g, int64_t rb, int with_wgrad)
{
    if (rb > b->rows) rb = b->rows;
    if (rb < 1) rb = 1;
    b->rb = rb;
    b->nblocks = cdiv(b->rows, rb);
    b->T = rb * b->tW;
    b->slots = 0;
    if (with_wgrad) {
        int64_t s = WGRAD_SLOT_FLOATS / (b->nxi * g->Co * b->K);
        if (s > WGRAD_SLOTS) s = WGRAD_SLOTS;
        if (s > b->nblocks) s = b->nblocks;
        b->slots = s < 1 ? 1 : s;
    }
    b->u = ((size_t)(b->nxi * g->Co * b->K) + 15) & ~(size_t)15;
    b->workers = wk_threads_count();
}

static void worker_buffers(const wk_wino_run *r, int worker, float **V, float **M, float **scr)
{
    *V = r->scratch + r->b->per_worker * (size_t)worker;
    *M = *V + r->b->v;
    *scr = *M + r->b->m;
}

static void block_rows(const wk_wino_blocks *b, int64_t k, int64_t *R0, int64_t *R1)
{
    *R0 = k * b->rb;
    *R1 = *R0 + b->rb < b->rows ? *R0 + b->rb : b->rows;
}

static void forward_blocks(void *ctx, int64_t k0, int64_t k1, int worker)
{
    const wk_wino_run *r = ctx;
    const wk_wino_blocks *b = r->b;
    const int Co = (int)r->g->Co, K = (int)b->K, T = (int)b->T;
    float *V, *M, *scr;
    worker_buffers(r, worker, &V, &M, &scr);
    for (int64_t k = k0; k < k1; k++) {
        int64_t R0, R1;
        block_rows(b, k, &R0, &R1);
        const int tiles = (int)((R1 - R0) * b->tW);
        r->input(r, V, R0, R1, scr);
        for (int xi = 0; xi < b->nxi; xi++)   /* M[xi] (Co, tiles) = U[xi] (Co, K) . V[xi] (K, tiles) */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Co, tiles, K, 1.0f, r->u + (size_t)xi * Co * K, K,
                        V + xi * b->vs, T, 0.0f, M + xi * b->ms, T);
        r->output(r, M, R0, R1, scr);
    }
}

void wk_wino_forward_pass(const wk_wino_run *r)
{
    wk_parallel_for(r->b->nblocks, 1, forward_blocks, (void *)r);
}

/* Task h: block 2h + parity (or block h when parity is -1). */
static void data_blocks(void *ctx, int64_t h0, int64_t h1, int worker)
{
    const wk_wino_run *r = ctx;
    const wk_wino_blocks *b = r->b;
    const int Co = (int)r->g->Co, K = (int)b->K, T = (int)b->T;
    float *V, *M, *scr;
    worker_buffers(r, worker, &V, &M, &scr);
    for (int64_t h = h0; h < h1; h++) {
        int64_t k = r->parity < 0 ? h : 2 * h + r->parity, R0, R1;
        if (k >= b->nblocks) break;
        block_rows(b, k, &R0, &R1);
        const int tiles = (int)((R1 - R0) * b->tW);
        r->grad(r, M, R0, R1, scr);
        for (int xi = 0; xi < b->nxi; xi++)   /* dV[xi] (K, tiles) = U[xi]^T (K, Co) . dM[xi] (Co, tiles) */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, tiles, Co, 1.0f, r->u + (size_t)xi * Co * K, K,
                        M + xi * b->ms, T, 0.0f, V + xi * b->vs, T);
        r->input_adjoint(r, V, R0, R1, scr);
    }
}

void wk_wino_data_pass(wk_wino_run *r)
{
    const wk_wino_blocks *b = r->b;
    if (b->rb % b->tH == 0) {   /* blocks of whole images */
        r->parity = -1;
        wk_parallel_for(b->nblocks, 1, data_blocks, r);
        return;
    }
    for (r->parity = 0; r->parity < 2; r->parity++) wk_parallel_for((b->nblocks + 1 - r->parity) / 2, 1, data_blocks, r);
}

/* Task s: slot s's run of blocks, summed in block order into its partial dU. */
static void wgrad_slots(void *ctx, int64_t s0, int64_t s1, int worker)
{
    const wk_wino_run *r = ctx;
    const wk_wino_blocks *b = r->b;
    const int Co = (int)r->g->Co, K = (int)b->K, T = (int)b->T;
    float *V, *M, *scr;
    worker_buffers(r, worker, &V, &M, &scr);
    for (int64_t s = s0; s < s1; s++) {
        float *du = r->slots + b->u * (size_t)s;   /* (nxi, Co, K) */
        int64_t k0 = b->nblocks * s / b->slots, k1 = b->nblocks * (s + 1) / b->slots;
        float beta = 0.0f;
        for (int64_t k = k0; k < k1; k++) {
            int64_t R0, R1;
            block_rows(b, k, &R0, &R1);
            const int tiles = (int)((R1 - R0) * b->tW);
            r->input(r, V, R0, R1, scr);
            r->grad(r, M, R0, R1, scr);
            for (int xi = 0; xi < b->nxi; xi++)   /* dU[xi] (Co, K) += dM[xi] (Co, tiles) . V[xi]^T */
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Co, K, tiles, 1.0f, M + xi * b->ms, T,
                            V + xi * b->vs, T, beta, du + (size_t)xi * Co * K, K);
            beta = 1.0f;
        }
        if (beta == 0.0f) memset(du, 0, b->u * sizeof(float));
    }
}

void wk_wino_wgrad_pass(const wk_wino_run *r, float *du)
{
    const wk_wino_blocks *b = r->b;
    wk_parallel_for(b->slots, 1, wgrad_slots, (void *)r);
    wk_sum_in_order(du, r->slots, b->slots, b->u, b->nxi * r->g->Co * b->K);
}
