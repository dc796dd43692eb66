/* winograd_s2.c — 4x4 stride-2 convolution by space-to-depth and Winograd's minimal
 * filtering F(2x2, 2x2): forward, input gradient and weight gradient (winograd_s2.h).
 *
 * A 4x4 kernel at stride 2 is a 2x2 kernel at stride 1 over the input's four phases.
 * With kh = 2a + ph and kw = 2b + pw,
 *     y[o][i][j] = sum over c, ph, pw, a, b of w[o][c][2a+ph][2b+pw] x'[c,ph,pw][i+a][j+b]
 *     x'[c,ph,pw][u][v] = x[c][2u + ph - pH][2v + pw - pW]   (zero outside the image)
 * so a conv of Cq = 4 Ci "phase channels". F(2x2, 2x2) makes each 2x2 tile of output
 * from a 3x3 tile d of x' and the 2x2 kernel g of one phase channel:
 *     V = B^T d B,   U = G g G^T,   M = sum over phase channels of U . V,   y = A^T M A
 *     B^T = [1 -1 0; 0 1 0; 0 -1 1]    G = [1 0; 1 1; 0 1]    A^T = [1 1 0; 0 1 1]
 * Every entry is 0 or ±1, so the transforms only add and the result rounds about as a
 * direct convolution does. Over a block of tiles that is 9 SGEMMs, one per transformed
 * position xi, of U[xi] (Co, Cq) . V[xi] (Cq, T): 9 multiply-adds per 4 outputs and phase
 * channel, where im2col + SGEMM does 16 (K = 16 Ci a pixel); an odd Ho or Wo pays for
 * a half-empty last tile. The columns V are 9/16 the size of im2col's. The input
 * gradient and the weight gradient are the adjoints, as in winograd.c:
 *     dM = A dy A^T,   dV[xi] = U[xi]^T dM[xi],   dx += B dV B^T (back where d was read)
 *     dU[xi] = sum over tiles of dM[xi] V[xi]^T,   dw = G^T dU G
 *
 * The passes (blocks of whole tile rows, weight-gradient slots added in order, even then
 * odd blocks for the input gradient) are winograd_passes.c's, shared with winograd.c, so
 * results do not depend on the thread count. The transforms compute each transformed
 * value for all the tiles of a block as one vector: the input is gathered into that
 * layout through a table of offsets into a zero-padded plane, and the gradient
 * scattered back row by row from its four column phases.
 *
 * Measured on a 2-core Xeon (AVX-512, OpenBLAS SkylakeX kernels, 1 thread), forward +
 * backward of a DCGAN-64's discriminator conv 64x64x16x16 -> 128: 23.2 ms against 29.5
 * by im2col and 22.8 in PyTorch 1.13 (oneDNN); its whole training step went from 1.06x
 * to 1.23x PyTorch's (tests/bench/bench_dcgan.sh, bench_conv.sh). */
#include "winograd_s2.h"

#include <string.h>

#include "../core/threads.h"
#include "winograd_passes.h"

#define NXI 9   /* transformed positions of a 3x3 tile */

#if defined(__clang__)
#define NO_ALIAS _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define NO_ALIAS _Pragma("GCC ivdep")
#else
#define NO_ALIAS
#endif

/* A block's V and M together are kept near this many floats (as winograd.c). */
#define BLOCK_FLOATS (1 << 20)
#define MIN_BLOCK_TILES 256
#define MIN_BLOCKS 4
#define MIN_SHARED_TILES 64

typedef struct splan {
    wk_wino_blocks b;     /* first: the passes see only this (nxi 9, K = Cq = 4 Ci) */
    int64_t Wq;           /* tW + 1: one column phase of an input row */
    int64_t E;            /* tiles of one image: tH * tW */
    int64_t Hp, Wp;       /* an input plane with its padding, as the gather table reads it */
    size_t tab;           /* floats the gather table takes (int32s) */
    const int32_t *table; /* the gather table itself, once written */
    size_t scratch;       /* floats of a worker's transform scratch */
} splan;

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static size_t round16(int64_t n) { return ((size_t)n + 15) & ~(size_t)15; }

static void make_plan(splan *p, const wk_wino_geom *g, int with_wgrad)
{
    wk_wino_blocks *b = &p->b;
    b->nxi = NXI;
    b->K = 4 * g->Ci;
    b->tH = cdiv(g->Ho, 2);
    b->tW = cdiv(g->Wo, 2);
    b->rows = g->N * b->tH;
    int64_t T = BLOCK_FLOATS / (NXI * (b->K + g->Co));
    if (T < MIN_BLOCK_TILES) T = MIN_BLOCK_TILES;
    int64_t rb = T / b->tW;
    if (rb < 1) rb = 1;
    /* enough blocks to share between threads: MIN_BLOCKS of MIN_BLOCK_TILES tiles, or
     * fewer (at least two, of MIN_SHARED_TILES) when there are not that many tiles */
    for (int64_t want = MIN_BLOCKS; want > 1; want /= 2) {   /* even counts share evenly */
        int64_t most = cdiv(b->rows, want);
        if (most * b->tW < (want == MIN_BLOCKS ? MIN_BLOCK_TILES : MIN_SHARED_TILES)) continue;
        if (rb > most) rb = most;
        break;
    }
    wk_wino_blocks_cut(b, g, rb, with_wgrad);
    /* The 9 matrices of V (and of M) lie a cache line apart modulo 4 KiB, so the
     * transforms' 9 write streams never map to one L1 set (Cq T floats is often a
     * multiple of 4 KiB). */
    b->vs = round16(b->K * b->T) + 16;
    b->ms = round16(g->Co * b->T) + 16;
    b->v = NXI * b->vs;
    b->m = NXI * b->ms;
    p->Wq = b->tW + 1;
    p->E = b->tH * b->tW;
    p->Hp = 4 * b->tH + 2;
    p->Wp = 4 * b->tW + 2;
    p->tab = round16(36 * p->E);
    p->table = NULL;
    /* transforms: 6 input rows in 6 column phases, (36, T), and a padded plane; 4 output
     * half-rows, (4, T); the adjoint's columns (36, T), a row's 4 phases and the row, 8 Wq */
    int64_t in = 36 * b->T + p->Hp * p->Wp, out = 4 * b->T, back = 36 * b->T + 8 * p->Wq;
    int64_t most_scr = in > out ? in : out;
    if (back > most_scr) most_scr = back;
    p->scratch = round16(most_scr + 64);
    b->per_worker = b->v + b->m + p->scratch;
}

int wk_wino_s2_applies(const wk_wino_geom *g)
{
    /* A 3-channel first layer makes 12 phase channels: 9 thin GEMMs lose to im2col's one
     * with K = 48. With few tiles in all, the 9 GEMMs mostly stream U (2.25x the weights).
     * Odd sizes leave the last tiles half empty: a DCGAN-28's 7x7 maps need 16 tiles, 144
     * products a phase channel where im2col does 196 (36 a tile against 16 an output
     * pixel: 1.36x). With AVX-512 matrix kernels behind im2col that measured no faster
     * (forward+backward 22.9-24.0 ms against 22.2 on OpenBLAS's SkylakeX kernels; 15.1
     * now on wick's panel kernel), so there Winograd needs 1.5x. On AVX2 (Zen 3: OpenBLAS's
     * Haswell kernels) it was 12% faster at 7x7 (bench_conv dcgan14 built for x86-64-v3:
     * 23.5-23.9 ms against 26.7-27.3, 1 thread), so there 1.3x. */
#if defined(__AVX512F__)
    const double need = 1.5;
#else
    const double need = 1.3;
#endif
    int64_t tH = cdiv(g->Ho, 2), tW = cdiv(g->Wo, 2), tiles = g->N * tH * tW;
    if ((double)(4 * tH + 2) * (double)(4 * tW + 2) >= 2147483647.0) return 0;   /* gather_table's int32s */
    return g->Ci >= 8 && g->Co >= 16 && tiles >= 64 && 16.0 * g->Ho * g->Wo >= need * 36.0 * tH * tW && g->pH >= 0 &&
           g->pW >= 0 && g->pH <= 3 && g->pW <= 3 &&
           g->Ho >= 1 && g->Wo >= 1 && g->Ho == (g->H + 2 * g->pH - 4) / 2 + 1 &&
           g->Wo == (g->W + 2 * g->pW - 4) / 2 + 1;
}

size_t wk_wino_s2_floats(const wk_wino_geom *g, int with_wgrad)
{
    splan p;
    make_plan(&p, g, with_wgrad);
    return p.b.u * (1 + (size_t)p.b.slots) + p.tab + p.b.per_worker * (size_t)p.b.workers;
}

/* ---- the kernel transform ------------------------------------------------------------ */

typedef struct kernel_args {
    const wk_wino_geom *g;
    const float *w;   /* (Co, Ci, 4, 4) */
    float *u;         /* (9, Co, Cq) */
    float *gw;        /* (Co, Ci, 4, 4) += for the adjoint */
} kernel_args;

/* U[xi][o][4c + 2ph + pw] = (G g G^T)[xi], g[a][b] = w[o][c][2a+ph][2b+pw], for output
 * channels [o0, o1). A run of phase channels goes to a local block first, then out one
 * xi row at a time (U's rows lie Co*Cq floats apart: see winograd.c's kernel_transform). */
#define KT_RUN 64
static void kernel_transform(void *ctx, int64_t o0, int64_t o1, int worker)
{
    const kernel_args *a = ctx;
    const int64_t Ci = a->g->Ci, Co = a->g->Co, Cq = 4 * Ci;
    float block[NXI][KT_RUN];
    for (int64_t o = o0; o < o1; o++)
        for (int64_t q0 = 0; q0 < Cq; q0 += KT_RUN) {
            const int64_t n = Cq - q0 < KT_RUN ? Cq - q0 : KT_RUN;
            for (int64_t q = 0; q < n; q++) {
                const int64_t c = (q0 + q) / 4, ph = (q0 + q) / 2 % 2, pw = (q0 + q) % 2;
                const float *k = a->w + (o * Ci + c) * 16;
                float g[2][2], t[3][2];
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 2; j++) g[i][j] = k[(2 * i + ph) * 4 + 2 * j + pw];
                for (int j = 0; j < 2; j++) t[0][j] = g[0][j], t[1][j] = g[0][j] + g[1][j], t[2][j] = g[1][j];
                for (int r = 0; r < 3; r++) {
                    block[3 * r + 0][q] = t[r][0];
                    block[3 * r + 1][q] = t[r][0] + t[r][1];
                    block[3 * r + 2][q] = t[r][1];
                }
            }
            for (int xi = 0; xi < NXI; xi++) memcpy(a->u + (xi * Co + o) * Cq + q0, block[xi], (size_t)n * sizeof(float));
        }
}

/* gw[o][c][2a+ph][2b+pw] += (G^T dU G)[a][b] of phase channel 4c + 2ph + pw, for output
 * channels [o0, o1); dU in a->u. */
static void kernel_adjoint(void *ctx, int64_t o0, int64_t o1, int worker)
{
    const kernel_args *a = ctx;
    const int64_t Ci = a->g->Ci, Co = a->g->Co, Cq = 4 * Ci;
    for (int64_t o = o0; o < o1; o++)
        for (int64_t q = 0; q < Cq; q++) {
            const int64_t c = q / 4, ph = q / 2 % 2, pw = q % 2;
            float d[3][3], t[2][3];
            for (int xi = 0; xi < NXI; xi++) d[xi / 3][xi % 3] = a->u[(xi * Co + o) * Cq + q];
            for (int s = 0; s < 3; s++) t[0][s] = d[0][s] + d[1][s], t[1][s] = d[1][s] + d[2][s];
            float *k = a->gw + (o * Ci + c) * 16;
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) k[(2 * i + ph) * 4 + 2 * j + pw] += t[i][j] + t[i][j + 1];
        }
}

static void transform_kernel(float *u, const float *w, const wk_wino_geom *g)
{
    kernel_args a = {g, w, u, NULL};
    wk_parallel_for(g->Co, wk_parallel_grain(g->Co, (double)g->Ci * 200, 200000.0, 16), kernel_transform, &a);
}

/* ---- the tile transforms --------------------------------------------------------------
 * Each works on all the tiles of a block at once, t = (tile row - R0) * tW + j, so its
 * arithmetic runs as long vectors even where a tile row is 2 tiles wide (a 4x4 output).
 * Only the gather from the image (a plane at a time, through a table) and the scatter
 * back into it (a row at a time) follow the image's layout. */

/* tab (36, E): where in a padded input plane (Hp, Wp) transform_input finds input row
 * 4tr + k - pH, column 4j + f - pW, for f in [0, 6) (the four column phases, then the
 * first two a tile on) at [6k + f][tr tW + j]. */
static void gather_table(int32_t *tab, const splan *p)
{
    for (int k = 0; k < 6; k++)
        for (int f = 0; f < 6; f++)
            for (int64_t tr = 0; tr < p->b.tH; tr++)
                for (int64_t j = 0; j < p->b.tW; j++)
                    tab[(6 * k + f) * p->E + tr * p->b.tW + j] = (int32_t)((4 * tr + k) * p->Wp + 4 * j + f);
}

/* V (9, Cq, T) <- B^T d B for every tile of tile rows [R0, R1). */
static void transform_input(const wk_wino_run *r, float *V, int64_t R0, int64_t R1, float *scr)
{
    const wk_wino_geom *g = r->g;
    const splan *p = (const splan *)r->b;
    const float *x = r->x;
    const int32_t *tab = p->table;
    const int64_t H = g->H, W = g->W, Ci = g->Ci, T = p->b.T, tW = p->b.tW, nt = (R1 - R0) * tW, Wp = p->Wp;
    /* (6 rows k, 6 f, T): input row 4tr - pH + k at columns 4j + f - pW: for f = 0..3 x'
     * columns 2j and 2j+1 of phases pw = 0, 1; f = 4, 5 are f = 0, 1 a tile on (2j + 2) */
    float *ph = scr;
    float *pp = ph + 36 * T;   /* (Hp, Wp): one input plane inside its zero padding */
    const int64_t rows = H + g->pH < p->Hp ? H : p->Hp - g->pH, cols = W + g->pW < Wp ? W : Wp - g->pW;
    const size_t xs = p->b.vs;   /* from one xi to the next in V */
    for (int64_t c = 0; c < Ci; c++) {
        for (int64_t R = R0; R < R1;) {   /* the block's tile rows of one image at a time */
            const int64_t n = R / p->b.tH, tr0 = R % p->b.tH, tr1 = tr0 + (R1 - R) < p->b.tH ? tr0 + (R1 - R) : p->b.tH;
            const float *plane = x + (n * Ci + c) * H * W;
            memset(pp, 0, (size_t)(p->Hp * Wp) * sizeof(float));
            for (int64_t ih = 0; ih < rows; ih++)
                memcpy(pp + (ih + g->pH) * Wp + g->pW, plane + ih * W, (size_t)cols * sizeof(float));
            const int64_t e0 = tr0 * tW, ne = (tr1 - tr0) * tW, t0 = (R - R0) * tW;
            for (int kf = 0; kf < 36; kf++) {
                const int32_t *ix = tab + kf * p->E + e0;
                float *d = ph + kf * T + t0;
                for (int64_t e = 0; e < ne; e++) d[e] = pp[ix[e]];
            }
            R += tr1 - tr0;
        }
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++) {
                /* x' row r of a tile is input row k = 2r + a; its columns 2j, 2j+1, 2j+2
                 * are phases b, b + 2, and b of the next tile (f = 4 + b) */
                const float *e0 = ph + (a * 6 + b) * T, *m0 = e0 + 2 * T, *n0 = e0 + 4 * T;
                const float *e1 = ph + ((2 + a) * 6 + b) * T, *m1 = e1 + 2 * T, *n1 = e1 + 4 * T;
                const float *e2 = ph + ((4 + a) * 6 + b) * T, *m2 = e2 + 2 * T, *n2 = e2 + 4 * T;
                float *v = V + (4 * c + 2 * a + b) * T;
                NO_ALIAS
                for (int64_t t = 0; t < nt; t++) {
                    /* B^T across each row, then down */
                    float c00 = e0[t] - m0[t], c01 = m0[t], c02 = n0[t] - m0[t];
                    float c10 = e1[t] - m1[t], c11 = m1[t], c12 = n1[t] - m1[t];
                    float c20 = e2[t] - m2[t], c21 = m2[t], c22 = n2[t] - m2[t];
                    v[0 * xs + t] = c00 - c10, v[1 * xs + t] = c01 - c11, v[2 * xs + t] = c02 - c12;
                    v[3 * xs + t] = c10, v[4 * xs + t] = c11, v[5 * xs + t] = c12;
                    v[6 * xs + t] = c20 - c10, v[7 * xs + t] = c21 - c11, v[8 * xs + t] = c22 - c12;
                }
            }
    }
}

/* y (+)= A^T M A (+ bias) for every tile of tile rows [R0, R1); M (9, Co, T). */
static void transform_output(const wk_wino_run *r, float *M, int64_t R0, int64_t R1, float *scr)
{
    const wk_wino_geom *g = r->g;
    const splan *p = (const splan *)r->b;
    float *y = r->y;
    const float *bias = r->bias;
    const int accumulate = r->accumulate;
    const int64_t Ho = g->Ho, Wo = g->Wo, Co = g->Co, tW = p->b.tW, T = p->b.T, full = Wo / 2, nt = (R1 - R0) * tW;
    float *out = scr;   /* (4, T): output rows 2tr + i, columns 2j + k, as 2i + k */
    const size_t xs = p->b.ms;
    for (int64_t o = 0; o < Co; o++) {
        const float bo = bias ? bias[o] : 0.0f;
        const float *m = M + o * T;
        NO_ALIAS
        for (int64_t t = 0; t < nt; t++) {
            /* A^T down, then across */
            float q00 = m[0 * xs + t] + m[3 * xs + t], q01 = m[1 * xs + t] + m[4 * xs + t],
                  q02 = m[2 * xs + t] + m[5 * xs + t];
            float q10 = m[3 * xs + t] + m[6 * xs + t], q11 = m[4 * xs + t] + m[7 * xs + t],
                  q12 = m[5 * xs + t] + m[8 * xs + t];
            out[0 * T + t] = q00 + q01 + bo, out[1 * T + t] = q01 + q02 + bo;
            out[2 * T + t] = q10 + q11 + bo, out[3 * T + t] = q11 + q12 + bo;
        }
        for (int64_t R = R0; R < R1; R++) {
            const int64_t n = R / p->b.tH, tr = R % p->b.tH, t0 = (R - R0) * tW;
            for (int i = 0; i < 2; i++) {
                const int64_t oh = 2 * tr + i;
                if (oh >= Ho) break;
                float *row = y + ((n * Co + o) * Ho + oh) * Wo;
                const float *ev = out + 2 * i * T + t0, *od = ev + T;
                if (accumulate) {
                    for (int64_t j = 0; j < full; j++) row[2 * j] += ev[j], row[2 * j + 1] += od[j];
                    if (Wo & 1) row[Wo - 1] += ev[full];
                } else {
                    for (int64_t j = 0; j < full; j++) row[2 * j] = ev[j], row[2 * j + 1] = od[j];
                    if (Wo & 1) row[Wo - 1] = ev[full];
                }
            }
        }
    }
}

/* dM (9, Co, T) <- A dy A^T for every output-gradient tile of tile rows [R0, R1). */
static void transform_grad(const wk_wino_run *r, float *dM, int64_t R0, int64_t R1, float *scr)
{
    const wk_wino_geom *g = r->g;
    const splan *p = (const splan *)r->b;
    const float *dy = r->dy;
    const int64_t Ho = g->Ho, Wo = g->Wo, Co = g->Co, tW = p->b.tW, T = p->b.T, full = Wo / 2, nt = (R1 - R0) * tW;
    float *half = scr;   /* (4, T): dy rows 2tr + i, columns 2j + k, as 2i + k; zero past the image */
    const size_t xs = p->b.ms;
    for (int64_t o = 0; o < Co; o++) {
        for (int64_t R = R0; R < R1; R++) {
            const int64_t n = R / p->b.tH, tr = R % p->b.tH, t0 = (R - R0) * tW;
            for (int i = 0; i < 2; i++) {
                float *ev = half + 2 * i * T + t0, *od = ev + T;
                const int64_t oh = 2 * tr + i;
                if (oh >= Ho) {
                    memset(ev, 0, (size_t)tW * sizeof(float));
                    memset(od, 0, (size_t)tW * sizeof(float));
                    continue;
                }
                const float *row = dy + ((n * Co + o) * Ho + oh) * Wo;
                for (int64_t j = 0; j < full; j++) ev[j] = row[2 * j], od[j] = row[2 * j + 1];
                if (Wo & 1) ev[full] = row[Wo - 1], od[full] = 0.0f;
            }
        }
        const float *d00 = half, *d01 = half + T, *d10 = half + 2 * T, *d11 = half + 3 * T;
        float *m = dM + o * T;
        NO_ALIAS
        for (int64_t t = 0; t < nt; t++) {
            /* A down (rows 0, 0+1, 1), then across */
            float z00 = d00[t], z01 = d01[t], z10 = d00[t] + d10[t], z11 = d01[t] + d11[t], z20 = d10[t],
                  z21 = d11[t];
            m[0 * xs + t] = z00, m[1 * xs + t] = z00 + z01, m[2 * xs + t] = z01;
            m[3 * xs + t] = z10, m[4 * xs + t] = z10 + z11, m[5 * xs + t] = z11;
            m[6 * xs + t] = z20, m[7 * xs + t] = z20 + z21, m[8 * xs + t] = z21;
        }
    }
}

/* dx += B dV B^T for every tile of tile rows [R0, R1): the adjoint of transform_input,
 * each 3x3 tile of x' added back where it was read. dV (9, Cq, T). */
static void transform_input_adjoint(const wk_wino_run *r, float *dV, int64_t R0, int64_t R1, float *scr)
{
    const wk_wino_geom *g = r->g;
    const splan *p = (const splan *)r->b;
    float *dx = r->dx;
    const int64_t H = g->H, W = g->W, Ci = g->Ci, tW = p->b.tW, T = p->b.T, Wq = p->Wq, Ws = 4 * Wq;
    const int64_t nt = (R1 - R0) * tW;
    float *cols = scr;               /* (2, 2, 3 rows, 3, T): B done, per phase (a, b), row r, column s */
    float *phase = cols + 36 * T;    /* (4, Wq): one input row's gradient by column mod 4 */
    float *strip = phase + 4 * Wq;   /* (Ws): the row, at columns iw + pW */
    const size_t xs = p->b.vs;
    const int64_t lo = g->pW, hi = g->pW + W < Ws ? g->pW + W : Ws;
    for (int64_t c = 0; c < Ci; c++) {
        for (int ab = 0; ab < 4; ab++) {
            const float *v = dV + (4 * c + ab) * T;
            float *q = cols + ab * 9 * T;
            NO_ALIAS
            for (int64_t t = 0; t < nt; t++) {
                /* B down: rows 0, -0 + 1 - 2, 2 */
                float r00 = v[0 * xs + t], r01 = v[1 * xs + t], r02 = v[2 * xs + t];
                float r20 = v[6 * xs + t], r21 = v[7 * xs + t], r22 = v[8 * xs + t];
                float r10 = v[3 * xs + t] - r00 - r20, r11 = v[4 * xs + t] - r01 - r21, r12 = v[5 * xs + t] - r02 - r22;
                /* B across: x' columns 2j, 2j+1, 2j+2 get c0, c1 - c0 - c2, c2 */
                q[0 * T + t] = r00, q[1 * T + t] = r01 - r00 - r02, q[2 * T + t] = r02;
                q[3 * T + t] = r10, q[4 * T + t] = r11 - r10 - r12, q[5 * T + t] = r12;
                q[6 * T + t] = r20, q[7 * T + t] = r21 - r20 - r22, q[8 * T + t] = r22;
            }
        }
        for (int64_t R = R0; R < R1; R++) {
            const int64_t n = R / p->b.tH, tr = R % p->b.tH, t0 = (R - R0) * tW;
            float *plane = dx + (n * Ci + c) * H * W;
            for (int k = 0; k < 6; k++) {   /* input row k = 2r + a of the tile row */
                int64_t ih = 4 * tr + k - g->pH;
                if (ih < 0 || ih >= H) continue;
                const int r = k / 2, a = k % 2;
                /* strip column 4j + f: for f = b, x' column 2j (this tile's s = 0 and the
                 * previous one's s = 2); for f = b + 2, x' column 2j + 1 */
                for (int b = 0; b < 2; b++) {
                    const float *q = cols + ((2 * a + b) * 9 + 3 * r) * T + t0;
                    float *even = phase + b * Wq, *odd = phase + (b + 2) * Wq;
                    even[0] = q[0];
                    NO_ALIAS
                    for (int64_t j = 1; j < tW; j++) even[j] = q[j] + q[2 * T + j - 1];
                    even[tW] = q[2 * T + tW - 1];
                    NO_ALIAS
                    for (int64_t j = 0; j < tW; j++) odd[j] = q[T + j];
                    odd[tW] = 0.0f;
                }
                const float *p0 = phase, *p1 = phase + Wq, *p2 = phase + 2 * Wq, *p3 = phase + 3 * Wq;
                NO_ALIAS
                for (int64_t j = 0; j < Wq; j++)
                    strip[4 * j] = p0[j], strip[4 * j + 1] = p1[j], strip[4 * j + 2] = p2[j], strip[4 * j + 3] = p3[j];
                float *dst = plane + ih * W - lo;
                NO_ALIAS
                for (int64_t col = lo; col < hi; col++) dst[col] += strip[col];
            }
        }
    }
}

/* ---- the passes (winograd_passes.c) ------------------------------------------------------ */

static wk_wino_run engine_run(const splan *p, const wk_wino_geom *g, float *u, float *slots, float *scratch)
{
    return (wk_wino_run){.g = g, .b = &p->b, .input = transform_input, .grad = transform_grad,
                         .output = transform_output, .input_adjoint = transform_input_adjoint,
                         .u = u, .slots = slots, .scratch = scratch};
}

/* buf: U (u), the gather table (tab), then the passes' slots and scratch. */
void wk_wino_s2_forward(float *y, const float *x, const float *w, const float *bias, int accumulate,
                        const wk_wino_geom *g, float *buf)
{
    splan p;
    make_plan(&p, g, 0);
    int32_t *tab = (int32_t *)(buf + p.b.u);
    gather_table(tab, &p);
    p.table = tab;
    transform_kernel(buf, w, g);
    wk_wino_run r = engine_run(&p, g, buf, NULL, buf + p.b.u + p.tab);
    r.y = y, r.x = x, r.bias = accumulate ? NULL : bias, r.accumulate = accumulate;
    wk_wino_forward_pass(&r);
}

void wk_wino_s2_data(float *gx, const float *dy, const float *w, const wk_wino_geom *g, float *buf)
{
    splan p;
    make_plan(&p, g, 0);
    transform_kernel(buf, w, g);
    wk_wino_run r = engine_run(&p, g, buf, NULL, buf + p.b.u + p.tab);
    r.dx = gx, r.dy = dy;
    wk_wino_data_pass(&r);
}

void wk_wino_s2_wgrad(float *gw, const float *dy, const float *x, const wk_wino_geom *g, float *buf)
{
    splan p;
    make_plan(&p, g, 1);
    float *du = buf, *slots = buf + p.b.u + p.tab;
    int32_t *tab = (int32_t *)(buf + p.b.u);
    gather_table(tab, &p);
    p.table = tab;
    wk_wino_run r = engine_run(&p, g, NULL, slots, slots + p.b.u * (size_t)p.b.slots);
    r.x = x, r.dy = dy;
    wk_wino_wgrad_pass(&r, du);
    kernel_args a = {g, NULL, du, gw};
    wk_parallel_for(g->Co, wk_parallel_grain(g->Co, (double)g->Ci * 100, 200000.0, 16), kernel_adjoint, &a);
}
