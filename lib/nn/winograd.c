/* winograd.c — 3x3 stride-1 convolution by Winograd's minimal filtering F(4x4, 3x3)
 * (Lavin and Gray 2015), forward and weight gradient (see winograd.h).
 *
 * A 4x4 tile of output needs a 6x6 tile of input. In the transformed domain the
 * convolution of one tile is an elementwise product of 36 numbers, so summed over
 * input channels it is 36 independent matrix products — one per transformed position
 * xi — over all tiles at once:
 *     V[xi] (Ci, T)  = B^T d B          input tiles, transformed
 *     U[xi] (Co, Ci) = G g G^T          the kernel, transformed once per call
 *     M[xi] (Co, T)  = U[xi] . V[xi]    36 SGEMMs
 *     y tile (4x4)   = A^T M A          back to the image
 * That is 36 multiply-adds per 16 outputs and input channel where im2col + SGEMM does
 * 144: four times fewer. The weight gradient is the adjoint of the same map in U:
 *     dM = A dy A^T (6x6 from each 4x4 output-gradient tile)
 *     dU[xi] (Co, Ci) = sum over tiles of dM[xi] . V[xi]^T   (36 SGEMMs per block)
 *     dw = G^T dU G
 * and the input gradient its adjoint in V:
 *     dV[xi] (Ci, T) = U[xi]^T . dM[xi]   (36 SGEMMs per block)
 *     dx tile += B dV B^T                 added back where the 6x6 tile was read
 * (for the small CNN's unpadded 13x13 -> 11x11 conv this measured 10.9 ms fwd+bwd against
 * 12.8 ms when dx was a forward conv of dy with the flipped kernel: that conv's 13x13
 * output leaves half of its 4x4 tiles empty).
 *
 * Tiles are processed in blocks of whole tile rows (possibly spanning images), sized so a
 * block's V and M stay a few MB and there are enough blocks to share between threads.
 * The passes over those blocks, their SGEMMs and the order of their sums are shared with
 * winograd_s2.c (winograd_passes.c), so results do not depend on the thread count.
 * The transforms run on whole rows: B^T (or A) down
 * the 6 (or 4) rows of a tile row, vectorised along the row, then across after splitting
 * the row into its four phases (column 4j + q), again vectorised along j.
 *
 * F(4x4, 3x3) rounds a little more than a direct convolution (its transforms multiply
 * by up to 8 and divide by 24): in float32, relative errors around 1e-6 of the output's
 * scale, checked against a float64 direct convolution in tests/c/test_winograd.c. */
#include "winograd.h"

#include <string.h>

#include "../core/threads.h"
#include "winograd_passes.h"

#define NXI 36   /* transformed positions of a 6x6 tile */

/* The transforms' row loops read some rows of one scratch buffer and write others: no
 * overlap, but the compiler cannot prove it and would not vectorise them. */
#if defined(__clang__)
#define ROWS_DONT_OVERLAP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define ROWS_DONT_OVERLAP _Pragma("GCC ivdep")
#else
#define ROWS_DONT_OVERLAP
#endif

/* A block's V and M together are kept near this many floats (measured: see conv.c's table). */
#define BLOCK_FLOATS (1 << 20)
#define MIN_BLOCK_TILES 32
#define MIN_BLOCKS 8

typedef struct wplan {
    wk_wino_blocks b;     /* first: the passes see only this (nxi 36, K = Ci) */
    int64_t Wp;           /* input strip width: 4 * tW + 2 */
    size_t scratch;       /* floats of a worker's transform scratch */
} wplan;

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static size_t round16(int64_t n) { return ((size_t)n + 15) & ~(size_t)15; }

static void make_plan(wplan *p, const wk_wino_geom *g, int with_wgrad)
{
    wk_wino_blocks *b = &p->b;
    b->nxi = NXI;
    b->K = g->Ci;
    b->tH = cdiv(g->Ho, 4);
    b->tW = cdiv(g->Wo, 4);
    b->rows = g->N * b->tH;
    int64_t T = BLOCK_FLOATS / (NXI * (g->Ci + g->Co));
    if (T < MIN_BLOCK_TILES) T = MIN_BLOCK_TILES;
    int64_t rb = T / b->tW;
    if (rb < 1) rb = 1;
    int64_t most = cdiv(b->rows, MIN_BLOCKS);   /* enough blocks to share */
    if (rb > most && most * b->tW >= MIN_BLOCK_TILES) rb = most;
    wk_wino_blocks_cut(b, g, rb, with_wgrad);
    b->vs = (size_t)g->Ci * b->T;
    b->ms = (size_t)g->Co * b->T;
    b->v = round16(NXI * g->Ci * b->T);
    b->m = round16(NXI * g->Co * b->T);
    p->Wp = 4 * b->tW + 2;
    /* transforms: 6 transformed rows (Wp each), phases (36, T) and a zero row of the
     * input or output width; the output's (6, 4, T) + (4, 4, T) */
    int64_t zw = g->W > g->Wo ? g->W : g->Wo, in = 6 * p->Wp + 36 * b->T + zw, out = 40 * b->T;
    int64_t back = 6 * p->Wp + 72 * b->T;   /* the input transform's adjoint */
    if (out < back) out = back;
    p->scratch = round16((in > out ? in : out) + 64);
    b->per_worker = b->v + b->m + p->scratch;
}

int wk_winograd_applies(const wk_wino_geom *g)
{
    /* Few channels make 36 thin GEMMs (a 3-channel first layer: im2col's K = 27 is
     * better); tiny outputs waste most of each 4x4 tile; and with few tiles in all the 36
     * GEMMs only stream the transformed kernel, four times the weights, through memory
     * (InceptionV3's 448->384 layer on one 8x8 map: 20 ms so, 3 ms by im2col). */
    int64_t tiles = g->N * ((g->Ho + 3) / 4) * ((g->Wo + 3) / 4);
    return g->Ci >= 16 && g->Co >= 16 && g->Ho >= 4 && g->Wo >= 4 && tiles >= 32 && g->pH <= 2 && g->pW <= 2 &&
           g->Ho == g->H + 2 * g->pH - 2 && g->Wo == g->W + 2 * g->pW - 2;
}

size_t wk_winograd_floats(const wk_wino_geom *g, int with_wgrad)
{
    wplan p;
    make_plan(&p, g, with_wgrad);
    return p.b.u * (1 + (size_t)p.b.slots) + p.b.per_worker * (size_t)p.b.workers;
}

/* ---- the kernel transform ------------------------------------------------------------ */

typedef struct kernel_args {
    const wk_wino_geom *g;
    const float *w;   /* (Co, Ci, 3, 3) */
    float *u;         /* (36, Co, Ci) */
    float *gw;        /* (Co, Ci, 3, 3) += for the adjoint */
} kernel_args;

/* U[xi][o][c] = (G w[o][c] G^T)[xi], for output channels [o0, o1). A run of input
 * channels is transformed into a small local block first and then copied out one xi row
 * at a time: U's 36 rows lie Co*Ci floats apart, often a multiple of 4 KiB, so writing
 * one float to each of them in turn kept evicting the same L1 set (a 448->384 layer's
 * transform took 50 ms that way; whole-line copies take well under one). */
#define KT_RUN 64
static void kernel_transform(void *ctx, int64_t o0, int64_t o1, int worker)
{
    const kernel_args *a = ctx;
    const int64_t Ci = a->g->Ci, Co = a->g->Co;
    const float *const w = a->w;
    float *const u = a->u;
    float block[NXI][KT_RUN];
    for (int64_t o = o0; o < o1; o++)
        for (int64_t c0 = 0; c0 < Ci; c0 += KT_RUN) {
            const int64_t n = Ci - c0 < KT_RUN ? Ci - c0 : KT_RUN;
            for (int64_t c = 0; c < n; c++) {
                const float *k = w + (o * Ci + c0 + c) * 9;
                float t[6][3];   /* G k: rows of G (6x3) times k */
                for (int j = 0; j < 3; j++) {
                    float k0 = k[j], k1 = k[3 + j], k2 = k[6 + j];
                    t[0][j] = k0 * 0.25f;
                    t[1][j] = (k0 + k1 + k2) * (-1.0f / 6);
                    t[2][j] = (k0 - k1 + k2) * (-1.0f / 6);
                    t[3][j] = k0 * (1.0f / 24) + k1 * (1.0f / 12) + k2 * (1.0f / 6);
                    t[4][j] = k0 * (1.0f / 24) - k1 * (1.0f / 12) + k2 * (1.0f / 6);
                    t[5][j] = k2;
                }
                for (int i = 0; i < 6; i++) {   /* (G k) G^T */
                    float k0 = t[i][0], k1 = t[i][1], k2 = t[i][2];
                    block[i * 6 + 0][c] = k0 * 0.25f;
                    block[i * 6 + 1][c] = (k0 + k1 + k2) * (-1.0f / 6);
                    block[i * 6 + 2][c] = (k0 - k1 + k2) * (-1.0f / 6);
                    block[i * 6 + 3][c] = k0 * (1.0f / 24) + k1 * (1.0f / 12) + k2 * (1.0f / 6);
                    block[i * 6 + 4][c] = k0 * (1.0f / 24) - k1 * (1.0f / 12) + k2 * (1.0f / 6);
                    block[i * 6 + 5][c] = k2;
                }
            }
            for (int xi = 0; xi < NXI; xi++) memcpy(u + (xi * Co + o) * Ci + c0, block[xi], (size_t)n * sizeof(float));
        }
}

/* gw[o][c] += G^T dU[.][o][c] G, for output channels [o0, o1); dU in a->u. */
static void kernel_adjoint(void *ctx, int64_t o0, int64_t o1, int worker)
{
    const kernel_args *a = ctx;
    const int64_t Ci = a->g->Ci, Co = a->g->Co;
    static const float G[6][3] = {{0.25f, 0, 0},
                                  {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                                  {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                                  {1.0f / 24, 1.0f / 12, 1.0f / 6},
                                  {1.0f / 24, -1.0f / 12, 1.0f / 6},
                                  {0, 0, 1}};
    for (int64_t o = o0; o < o1; o++)
        for (int64_t c = 0; c < Ci; c++) {
            float d[6][6], t[3][6];
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++) d[i][j] = a->u[((i * 6 + j) * Co + o) * Ci + c];
            for (int r = 0; r < 3; r++)   /* G^T d */
                for (int j = 0; j < 6; j++) {
                    float s = 0;
                    for (int i = 0; i < 6; i++) s += G[i][r] * d[i][j];
                    t[r][j] = s;
                }
            float *k = a->gw + (o * Ci + c) * 9;
            for (int r = 0; r < 3; r++)   /* (G^T d) G */
                for (int q = 0; q < 3; q++) {
                    float s = 0;
                    for (int j = 0; j < 6; j++) s += t[r][j] * G[j][q];
                    k[r * 3 + q] += s;
                }
        }
}

static void transform_kernel(float *u, const float *w, const wk_wino_geom *g)
{
    kernel_args a = {g, w, u, NULL};
    wk_parallel_for(g->Co, wk_parallel_grain(g->Co, (double)g->Ci * 300, 200000.0, 16), kernel_transform, &a);
}

/* ---- the tile transforms ---------------------------------------------------------------- */

/* The four 1-D transforms, each applied to rows: out[i][j] = sum over r of M[i][r] in[r][j]
 * for j < n. A 2-D transform is one of them down the rows of a tile row, then across. */

/* B^T (6x6), the input transform. */
static inline void rows_bt(float *const out[6], const float *const in[6], int64_t n)
{
    const float *restrict d0 = in[0], *restrict d1 = in[1], *restrict d2 = in[2];
    const float *restrict d3 = in[3], *restrict d4 = in[4], *restrict d5 = in[5];
    float *restrict e0 = out[0], *restrict e1 = out[1], *restrict e2 = out[2];
    float *restrict e3 = out[3], *restrict e4 = out[4], *restrict e5 = out[5];
    ROWS_DONT_OVERLAP
    for (int64_t j = 0; j < n; j++) {
        e0[j] = 4 * d0[j] - 5 * d2[j] + d4[j];
        e1[j] = -4 * (d1[j] + d2[j]) + d3[j] + d4[j];
        e2[j] = 4 * (d1[j] - d2[j]) - d3[j] + d4[j];
        e3[j] = 2 * (d3[j] - d1[j]) - d2[j] + d4[j];
        e4[j] = 2 * (d1[j] - d3[j]) - d2[j] + d4[j];
        e5[j] = 4 * d1[j] - 5 * d3[j] + d5[j];
    }
}

/* B = (B^T)^T (6x6), the input transform's adjoint. */
static inline void rows_b(float *const out[6], const float *const in[6], int64_t n)
{
    const float *restrict v0 = in[0], *restrict v1 = in[1], *restrict v2 = in[2];
    const float *restrict v3 = in[3], *restrict v4 = in[4], *restrict v5 = in[5];
    float *restrict o0 = out[0], *restrict o1 = out[1], *restrict o2 = out[2];
    float *restrict o3 = out[3], *restrict o4 = out[4], *restrict o5 = out[5];
    ROWS_DONT_OVERLAP
    for (int64_t j = 0; j < n; j++) {
        o0[j] = 4 * v0[j];
        o1[j] = 4 * (v2[j] - v1[j] + v5[j]) + 2 * (v4[j] - v3[j]);
        o2[j] = -5 * v0[j] - 4 * (v1[j] + v2[j]) - v3[j] - v4[j];
        o3[j] = v1[j] - v2[j] + 2 * (v3[j] - v4[j]) - 5 * v5[j];
        o4[j] = v0[j] + v1[j] + v2[j] + v3[j] + v4[j];
        o5[j] = v5[j];
    }
}

/* A^T (4x6), the output transform, plus b. */
static inline void rows_at(float *const out[4], const float *const in[6], float b, int64_t n)
{
    const float *restrict m0 = in[0], *restrict m1 = in[1], *restrict m2 = in[2];
    const float *restrict m3 = in[3], *restrict m4 = in[4], *restrict m5 = in[5];
    float *restrict q0 = out[0], *restrict q1 = out[1], *restrict q2 = out[2], *restrict q3 = out[3];
    ROWS_DONT_OVERLAP
    for (int64_t j = 0; j < n; j++) {
        float s12 = m1[j] + m2[j], d12 = m1[j] - m2[j], s34 = m3[j] + m4[j], d34 = m3[j] - m4[j];
        q0[j] = m0[j] + s12 + s34 + b;
        q1[j] = d12 + 2 * d34 + b;
        q2[j] = s12 + 4 * s34 + b;
        q3[j] = d12 + 8 * d34 + m5[j] + b;
    }
}

/* A = (A^T)^T (6x4), the output transform's adjoint (for the output gradient). */
static inline void rows_a(float *const out[6], const float *const in[4], int64_t n)
{
    const float *restrict d0 = in[0], *restrict d1 = in[1], *restrict d2 = in[2], *restrict d3 = in[3];
    float *restrict e0 = out[0], *restrict e1 = out[1], *restrict e2 = out[2];
    float *restrict e3 = out[3], *restrict e4 = out[4], *restrict e5 = out[5];
    ROWS_DONT_OVERLAP
    for (int64_t j = 0; j < n; j++) {
        float s02 = d0[j] + d2[j], s13 = d1[j] + d3[j];
        e0[j] = d0[j];
        e1[j] = s02 + s13;
        e2[j] = s02 - s13;
        e3[j] = d0[j] + 2 * d1[j] + 4 * d2[j] + 8 * d3[j];
        e4[j] = d0[j] - 2 * d1[j] + 4 * d2[j] - 8 * d3[j];
        e5[j] = d3[j];
    }
}

/* The transforms work in two steps, so that their arithmetic runs along all the tiles of
 * a block (a 13x13 image has 3 tiles a row; a block has dozens of rows): down the tile
 * rows of the image, vectorised along each row, into `rows`; then the row of every tile
 * is split into its six (or four) phases, ph[k][j][t] = rows[k][4 * tile + j], and the
 * transform across runs over t. */

/* V (36, Ci, T) <- B^T d B for every tile of tile rows [R0, R1) and every input channel. */
static void transform_input(const wk_wino_run *r, float *V, int64_t R0, int64_t R1, float *scr)
{
    const wk_wino_geom *g = r->g;
    const wplan *p = (const wplan *)r->b;
    const float *x = r->x;
    const int64_t H = g->H, W = g->W, Wp = p->Wp, tW = p->b.tW, T = p->b.T, Ci = g->Ci, nt = (R1 - R0) * tW;
    float *tr6 = scr;                /* (6, Wp) B^T applied down one tile row, zero-padded */
    float *ph = tr6 + 6 * Wp;        /* (6, 6, T) phase j of transformed row k, per tile */
    float *zero = ph + 36 * T;       /* (W) a row above or below the image */
    /* columns [lo, hi) of a strip row come from the image; the rest is padding, and the
     * transform of zeros is zero */
    const int64_t lo = g->pW, hi = g->pW + W < Wp ? g->pW + W : Wp, ncol = hi - lo;
    memset(zero, 0, (size_t)W * sizeof(float));
    for (int k = 0; k < 6; k++) {
        memset(tr6 + k * Wp, 0, (size_t)lo * sizeof(float));
        memset(tr6 + k * Wp + hi, 0, (size_t)(Wp - hi) * sizeof(float));
    }
    for (int64_t c = 0; c < Ci; c++) {
        for (int64_t R = R0; R < R1; R++) {
            int64_t n = R / p->b.tH, tr = R % p->b.tH;
            const float *plane = x + (n * Ci + c) * H * W, *d[6];
            for (int r = 0; r < 6; r++) {
                int64_t ih = 4 * tr - g->pH + r;
                d[r] = ih < 0 || ih >= H ? zero : plane + ih * W;
            }
            float *e[6];
            for (int k = 0; k < 6; k++) e[k] = tr6 + k * Wp + lo;
            rows_bt(e, d, ncol);   /* B^T down the columns */
            const int64_t t0 = (R - R0) * tW;
            for (int k = 0; k < 6; k++) {
                const float *e = tr6 + k * Wp;
                float *q = ph + k * 6 * T + t0;
                for (int64_t j = 0; j < tW; j++)
                    for (int f = 0; f < 6; f++) q[f * T + j] = e[4 * j + f];
            }
        }
        for (int k = 0; k < 6; k++) {   /* B^T across, for row k of every tile */
            const float *a[6];
            float *v[6];
            for (int f = 0; f < 6; f++) {
                a[f] = ph + (k * 6 + f) * T;
                v[f] = V + ((k * 6 + f) * Ci + c) * T;
            }
            rows_bt(v, a, nt);
        }
    }
}

/* y tiles of tile rows [R0, R1) <- A^T M A (+ bias, or += y). */
static void transform_output(const wk_wino_run *r, float *M, int64_t R0, int64_t R1, float *scr)
{
    const wk_wino_geom *g = r->g;
    const wplan *p = (const wplan *)r->b;
    float *y = r->y;
    const float *bias = r->bias;
    const int accumulate = r->accumulate;
    const int64_t Ho = g->Ho, Wo = g->Wo, tW = p->b.tW, T = p->b.T, Co = g->Co, nt = (R1 - R0) * tW;
    float *q = scr;          /* (6, 4, T) A^T across: row k, output column c, per tile */
    float *z = q + 24 * T;   /* (4, 4, T) then A^T down: output row r, column c */
    for (int64_t o = 0; o < Co; o++) {
        float b = bias ? bias[o] : 0.0f;
        for (int k = 0; k < 6; k++) {   /* A^T across */
            const float *m[6];
            float *qk[4];
            for (int f = 0; f < 6; f++) m[f] = M + ((k * 6 + f) * Co + o) * T;
            for (int c = 0; c < 4; c++) qk[c] = q + (k * 4 + c) * T;
            rows_at(qk, m, 0.0f, nt);
        }
        for (int c = 0; c < 4; c++) {   /* A^T down, for output column c, plus the bias */
            const float *k6[6];
            float *zc[4];
            for (int k = 0; k < 6; k++) k6[k] = q + (k * 4 + c) * T;
            for (int r = 0; r < 4; r++) zc[r] = z + (r * 4 + c) * T;
            rows_at(zc, k6, b, nt);
        }
        for (int64_t R = R0; R < R1; R++) {
            int64_t n = R / p->b.tH, tr = R % p->b.tH;
            const int64_t t0 = (R - R0) * tW, full = Wo / 4;   /* tiles wholly inside the row */
            for (int r = 0; r < 4; r++) {
                int64_t oh = 4 * tr + r;
                if (oh >= Ho) break;
                float *row = y + ((n * Co + o) * Ho + oh) * Wo;
                const float *zr = z + r * 4 * T + t0;
                if (accumulate) {
                    for (int64_t j = 0; j < full; j++)
                        for (int c = 0; c < 4; c++) row[4 * j + c] += zr[c * T + j];
                    for (int64_t w = 4 * full; w < Wo; w++) row[w] += zr[(w & 3) * T + w / 4];
                } else {
                    for (int64_t j = 0; j < full; j++)
                        for (int c = 0; c < 4; c++) row[4 * j + c] = zr[c * T + j];
                    for (int64_t w = 4 * full; w < Wo; w++) row[w] = zr[(w & 3) * T + w / 4];
                }
            }
        }
    }
}

/* dM (36, Co, T) <- A dy A^T for every output-gradient tile of tile rows [R0, R1). */
static void transform_grad(const wk_wino_run *r, float *dM, int64_t R0, int64_t R1, float *scr)
{
    const wk_wino_geom *g = r->g;
    const wplan *p = (const wplan *)r->b;
    const float *dy = r->dy;
    const int64_t Ho = g->Ho, Wo = g->Wo, tW = p->b.tW, T = p->b.T, Co = g->Co, Wq = 4 * tW, nt = (R1 - R0) * tW;
    float *tr6 = scr;            /* (6, Wq) A down one tile row; zero past the image */
    float *ph = tr6 + 6 * Wq;    /* (6, 4, T) phase j of row k, per tile */
    float *zero = ph + 24 * T;   /* (Wo) a row below the image */
    memset(zero, 0, (size_t)Wo * sizeof(float));
    for (int k = 0; k < 6; k++) memset(tr6 + k * Wq + Wo, 0, (size_t)(Wq - Wo) * sizeof(float));
    for (int64_t o = 0; o < Co; o++) {
        for (int64_t R = R0; R < R1; R++) {
            int64_t n = R / p->b.tH, tr = R % p->b.tH;
            const float *d[4];
            for (int r = 0; r < 4; r++) {
                int64_t oh = 4 * tr + r;
                d[r] = oh >= Ho ? zero : dy + ((n * Co + o) * Ho + oh) * Wo;
            }
            float *e[6];
            for (int k = 0; k < 6; k++) e[k] = tr6 + k * Wq;
            rows_a(e, d, Wo);   /* A down the columns */
            const int64_t t0 = (R - R0) * tW;
            for (int k = 0; k < 6; k++) {
                const float *e = tr6 + k * Wq;
                float *q = ph + k * 4 * T + t0;
                for (int64_t j = 0; j < tW; j++)
                    for (int f = 0; f < 4; f++) q[f * T + j] = e[4 * j + f];
            }
        }
        for (int k = 0; k < 6; k++) {   /* A across */
            const float *a[4];
            float *m[6];
            for (int f = 0; f < 4; f++) a[f] = ph + (k * 4 + f) * T;
            for (int f = 0; f < 6; f++) m[f] = dM + ((k * 6 + f) * Co + o) * T;
            rows_a(m, a, nt);
        }
    }
}

/* dx += B dV B^T for every tile of tile rows [R0, R1): the adjoint of transform_input,
 * each 6x6 tile added back where it was read (neighbouring tiles overlap by two rows and
 * two columns; rows outside the image, the padding, are dropped). dV (36, Ci, T). */
static void transform_input_adjoint(const wk_wino_run *r, float *dV, int64_t R0, int64_t R1, float *scr)
{
    const wk_wino_geom *g = r->g;
    const wplan *p = (const wplan *)r->b;
    float *dx = r->dx;
    const int64_t H = g->H, W = g->W, Wp = p->Wp, tW = p->b.tW, T = p->b.T, Ci = g->Ci, nt = (R1 - R0) * tW;
    float *h = scr;             /* (6, 6, T) B^T across: row k, column c, per tile */
    float *gg = h + 36 * T;     /* (6, 6, T) then down: row r, column c */
    float *strip = gg + 36 * T; /* (6, Wp) one tile row, back in image columns */
    const int64_t lo = g->pW, hi = g->pW + W < Wp ? g->pW + W : Wp, ncol = hi - lo;
    for (int64_t c = 0; c < Ci; c++) {
        for (int k = 0; k < 6; k++) {   /* B across: columns of row k */
            const float *v[6];
            float *out[6];
            for (int f = 0; f < 6; f++) {
                v[f] = dV + ((k * 6 + f) * Ci + c) * T;
                out[f] = h + (k * 6 + f) * T;
            }
            rows_b(out, v, nt);
        }
        for (int cc = 0; cc < 6; cc++) {   /* B down: rows of column cc */
            const float *v[6];
            float *out[6];
            for (int k = 0; k < 6; k++) {
                v[k] = h + (k * 6 + cc) * T;
                out[k] = gg + (k * 6 + cc) * T;
            }
            rows_b(out, v, nt);
        }
        for (int64_t R = R0; R < R1; R++) {
            int64_t n = R / p->b.tH, tr = R % p->b.tH;
            const int64_t t0 = (R - R0) * tW;
            float *plane = dx + (n * Ci + c) * H * W;
            memset(strip, 0, (size_t)(6 * Wp) * sizeof(float));
            for (int r = 0; r < 6; r++) {   /* the tiles of the row, overlapping, in order */
                float *sr = strip + r * Wp;
                const float *gr = gg + r * 6 * T + t0;
                for (int64_t j = 0; j < tW; j++)
                    for (int cc = 0; cc < 6; cc++) sr[4 * j + cc] += gr[cc * T + j];
            }
            for (int r = 0; r < 6; r++) {
                int64_t ih = 4 * tr - g->pH + r;
                if (ih < 0 || ih >= H) continue;
                float *dst = plane + ih * W;
                const float *src = strip + r * Wp + lo;
                ROWS_DONT_OVERLAP
                for (int64_t j = 0; j < ncol; j++) dst[j] += src[j];
            }
        }
    }
}

/* ---- the passes (winograd_passes.c) ------------------------------------------------------ */

static wk_wino_run engine_run(const wplan *p, const wk_wino_geom *g, float *u, float *slots, float *scratch)
{
    return (wk_wino_run){.g = g, .b = &p->b, .input = transform_input, .grad = transform_grad,
                         .output = transform_output, .input_adjoint = transform_input_adjoint,
                         .u = u, .slots = slots, .scratch = scratch};
}

void wk_winograd_forward(float *y, const float *x, const float *w, const float *bias, int accumulate,
                         const wk_wino_geom *g, float *buf)
{
    wplan p;
    make_plan(&p, g, 0);
    transform_kernel(buf, w, g);
    wk_wino_run r = engine_run(&p, g, buf, NULL, buf + p.b.u);
    r.y = y, r.x = x, r.bias = accumulate ? NULL : bias, r.accumulate = accumulate;
    wk_wino_forward_pass(&r);
}

void wk_winograd_data(float *gx, const float *dy, const float *w, const wk_wino_geom *g, float *buf)
{
    wplan p;
    make_plan(&p, g, 0);
    transform_kernel(buf, w, g);
    wk_wino_run r = engine_run(&p, g, buf, NULL, buf + p.b.u);
    r.dx = gx, r.dy = dy;
    wk_wino_data_pass(&r);
}

void wk_winograd_wgrad(float *gw, const float *dy, const float *x, const wk_wino_geom *g, float *buf)
{
    wplan p;
    make_plan(&p, g, 1);
    float *du = buf, *slots = buf + p.b.u;
    wk_wino_run r = engine_run(&p, g, NULL, slots, slots + p.b.u * (size_t)p.b.slots);
    r.x = x, r.dy = dy;
    wk_wino_wgrad_pass(&r, du);
    kernel_args a = {g, NULL, du, gw};
    wk_parallel_for(g->Co, wk_parallel_grain(g->Co, (double)g->Ci * 400, 200000.0, 16), kernel_adjoint, &a);
}
