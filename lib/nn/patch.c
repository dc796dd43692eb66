/* patch.c — the patch bank, patch matching and the MRF loss of CNNMRF (see patch.h).
 *
 * Matching is a GEMM of the normalised style patches (count, len) with the columns of
 * x (len, positions), followed by an argmax down each column. The product is cut into
 * tiles of at most TILE_STYLE patches × TILE_POS positions: a tile im2cols its
 * positions, runs one single-threaded SGEMM into a (patches × positions) score block
 * and keeps, per position, the best score and its index; the per-tile bests are then
 * merged in patch order. So scratch is bounded (a few MB per thread, whatever the map
 * sizes), the tiles run on wick's pool, and the tiling depends on the sizes only —
 * the result is the same on any thread count. The alternative, tiles in turn with each
 * GEMM cut over the pool by wk_sgemm, measured the same on the project VM (2 Zen 3
 * cores, OpenBLAS 0.3.21, other jobs running: best of runs 317 vs 318 ms for a 512-px
 * InceptionV3 mixed2 match on 2 threads); tiles on the pool are kept because their
 * im2col and argmax passes run in parallel too. Numbers: tests/bench/bench_mrf.sh.
 *
 * The loss needs no GEMM: each window's difference with its matched patch is read
 * straight from x and the stored style map, squared and summed, and scattered twice
 * into the gradient (col2im), one channel per task so no two threads write one plane. */
#include "patch.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/limits.h"
#include "../core/threads.h"

/* Tile sides: a 256-position tile of a 288-channel 3×3 map is 2.6 MB of columns, and a
 * 2048 × 256 score block 2 MB (larger tiles gained nothing). A small map gets narrower
 * tiles, down to 64 positions, so that it still makes about 6 tiles for the threads
 * (a 29×29 map: 6 tiles of 128 matched in 14 ms on 2 threads, 3 of 256 in 17-26 ms). */
#define TILE_POS 256
#define TILE_POS_MIN 64
#define TILE_STYLE 2048
/* Patch indices reach Lua as float32, exact up to 2^24. */
#define MAX_PATCHES (1 << 24)

/* ---- geometry and checks --------------------------------------------------------- */

int wk_patch_grid(int64_t *rows, int64_t *cols, int64_t H, int64_t W, int size, int stride)
{
    if (size < 1 || size > 64) return wk_fail("patch size must be in 1..64, got %d", size);
    if (stride < 1 || stride > 64) return wk_fail("patch stride must be in 1..64, got %d", stride);
    if (H < 1 || W < 1 || H > INT32_MAX || W > INT32_MAX)
        return wk_fail("the map must be at least 1×1, got %lld×%lld", (long long)H, (long long)W);
    if (size > H || size > W)
        return wk_fail("a %d×%d patch does not fit in a %lld×%lld map", size, size, (long long)H, (long long)W);
    *rows = (H - size) / stride + 1;
    *cols = (W - size) / stride + 1;
    return WK_OK;
}

/* WK_OK when every one of n values is finite: x·0 is 0 for a finite x and NaN for an
 * infinite or NaN one, and a sum of those vectorises. */
static int all_finite(const float *x, int64_t n)
{
    float acc = 0.0f;
    for (int64_t i = 0; i < n; i++) acc += x[i] * 0.0f;
    return acc == 0.0f;
}

/* C·H·W checked against overflow and the machine (a map that could never be allocated
 * is refused before anything is). */
static int map_numel(int64_t *numel, int64_t C, int64_t H, int64_t W, const char *fname)
{
    if (C < 1) return wk_fail("%s: the map must have at least one channel, got %lld", fname, (long long)C);
    if (wk_mul_overflows(C, H, numel) || wk_mul_overflows(*numel, W, numel) || *numel > WK_MAX_NUMEL)
        return wk_fail("%s: a %lld×%lld×%lld map is too large", fname, (long long)C, (long long)H, (long long)W);
    return WK_OK;
}

/* ---- the bank ------------------------------------------------------------------- */

int wk_patch_bank_init(wk_patch_bank *b, const float *style, int64_t C, int64_t H, int64_t W, int size,
                       int stride)
{
    memset(b, 0, sizeof *b);
    int64_t numel = 0, rows, cols, len, total;
    if (map_numel(&numel, C, H, W, "patch_bank")) return WK_ERR;
    if (wk_patch_grid(&rows, &cols, H, W, size, stride)) return wk_fail("patch_bank: %s", wk_errmsg());
    int64_t count = rows * cols;
    if (count > MAX_PATCHES)
        return wk_fail("patch_bank: %lld patches, more than the 2^24 an index can name (use a larger stride)",
                       (long long)count);
    if (wk_mul_overflows(C, (int64_t)size * size, &len) || wk_mul_overflows(count, len, &total) ||
        total > WK_MAX_NUMEL)
        return wk_fail("patch_bank: %lld patches of %lld numbers are too many", (long long)count,
                       (long long)(C * size * size));
    if (len > INT32_MAX) return wk_fail("patch_bank: patches of %lld numbers are too long for BLAS", (long long)len);
    if (!all_finite(style, numel)) return wk_fail("patch_bank: the style map holds a NaN or an infinity");
    if (wk_memory_check(((double)total + (double)numel + (double)count) * sizeof(float), "patch_bank"))
        return WK_ERR;
    b->style = malloc((size_t)numel * sizeof(float));
    b->normed = malloc((size_t)total * sizeof(float));
    b->norms = malloc((size_t)count * sizeof(float));
    if (!b->style || !b->normed || !b->norms) {
        wk_patch_bank_free(b);
        return wk_fail("patch_bank: out of memory for %lld patches", (long long)count);
    }
    b->C = C, b->H = H, b->W = W, b->size = size, b->stride = stride;
    b->rows = rows, b->cols = cols, b->count = count, b->len = len;
    memcpy(b->style, style, (size_t)numel * sizeof(float));
    wk_patch_bank_patches(b, b->normed, 0);
    for (int64_t j = 0; j < count; j++) {
        float *p = b->normed + j * len;
        double ss = 0;
        for (int64_t t = 0; t < len; t++) ss += (double)p[t] * p[t];
        double n = sqrt(ss);
        b->norms[j] = (float)n;
        float inv = (float)(1.0 / (n > 1e-12 ? n : 1e-12));   /* as F.normalize: a zero patch stays zero */
        for (int64_t t = 0; t < len; t++) p[t] *= inv;
    }
    return WK_OK;
}

void wk_patch_bank_free(wk_patch_bank *b)
{
    free(b->style);
    free(b->normed);
    free(b->norms);
    wk_workspace_free(&b->ws);
    memset(b, 0, sizeof *b);
}

void wk_patch_bank_patches(const wk_patch_bank *b, float *out, int normalised)
{
    if (normalised) {
        memcpy(out, b->normed, (size_t)(b->count * b->len) * sizeof(float));
        return;
    }
    const int64_t k = b->size, HW = b->H * b->W;
    for (int64_t j = 0; j < b->count; j++) {
        const float *corner = b->style + (j / b->cols) * b->stride * b->W + (j % b->cols) * b->stride;
        float *dst = out + j * b->len;
        for (int64_t c = 0; c < b->C; c++)
            for (int64_t p = 0; p < k; p++, dst += k) memcpy(dst, corner + c * HW + p * b->W, (size_t)k * sizeof(float));
    }
}

/* ---- matching --------------------------------------------------------------------- */

typedef struct match_job {
    const wk_patch_bank *b;
    const float *x;           /* (C, H, W) */
    int64_t H, W, Wo, P;      /* x's size, windows across, windows in all */
    int stride;
    int64_t tile_pos, tile_style, n_style;   /* tile sides; tiles along the patches */
    float *best;              /* (n_style, P) best raw score of each patch tile */
    int32_t *best_at;         /* (n_style, P) its patch index */
    float *xnorm;             /* (P) |x_i|, or NULL when no score is wanted */
    float *scratch;           /* per worker: columns (len, tile_pos), scores (tile_style, tile_pos) */
    int64_t slot;             /* floats per worker */
} match_job;

/* cols (len, ld) columns [0, p1 - p0) <- the windows p0..p1-1 of x (row-major order). */
static void im2col_range(float *cols, int64_t ld, const float *x, int64_t C, int64_t H, int64_t W, int k, int s,
                         int64_t Wo, int64_t p0, int64_t p1)
{
    for (int64_t c = 0; c < C; c++)
        for (int p = 0; p < k; p++)
            for (int q = 0; q < k; q++) {
                float *dst = cols + ((c * k + p) * k + q) * ld;
                const float *plane = x + (c * H + p) * W + q;
                for (int64_t pos = p0; pos < p1;) {
                    int64_t oh = pos / Wo, ow = pos % Wo;
                    int64_t n = Wo - ow < p1 - pos ? Wo - ow : p1 - pos;
                    const float *src = plane + oh * s * W + ow * s;
                    if (s == 1) {
                        memcpy(dst, src, (size_t)n * sizeof(float));
                    } else {
                        for (int64_t t = 0; t < n; t++) dst[t] = src[t * s];
                    }
                    dst += n;
                    pos += n;
                }
            }
}

static void match_tile(void *ctx, int64_t begin, int64_t end, int worker)
{
    const match_job *m = ctx;
    const wk_patch_bank *b = m->b;
    float *cols = m->scratch + worker * m->slot;
    float *scores = cols + b->len * m->tile_pos;
    for (int64_t t = begin; t < end; t++) {
        int64_t pt = t / m->n_style, st = t % m->n_style;
        int64_t p0 = pt * m->tile_pos, p1 = p0 + m->tile_pos < m->P ? p0 + m->tile_pos : m->P;
        int64_t j0 = st * m->tile_style, j1 = j0 + m->tile_style < b->count ? j0 + m->tile_style : b->count;
        int64_t np = p1 - p0, nj = j1 - j0, ld = np;
        im2col_range(cols, ld, m->x, b->C, m->H, m->W, b->size, m->stride, m->Wo, p0, p1);
        if (st == 0 && m->xnorm) {   /* the window norms, once per position tile */
            float *xn = m->xnorm + p0;
            for (int64_t i = 0; i < np; i++) xn[i] = 0.0f;
            for (int64_t r = 0; r < b->len; r++) {
                const float *row = cols + r * ld;
                for (int64_t i = 0; i < np; i++) xn[i] += row[i] * row[i];
            }
            for (int64_t i = 0; i < np; i++) xn[i] = sqrtf(xn[i]);
        }
        /* scores (nj, np) = normed[j0..j1) (nj, len) . cols (len, np) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nj, (int)np, (int)b->len, 1.0f,
                    b->normed + j0 * b->len, (int)b->len, cols, (int)ld, 0.0f, scores, (int)ld);
        float *best = m->best + st * m->P + p0;
        int32_t *at = m->best_at + st * m->P + p0;
        for (int64_t i = 0; i < np; i++) best[i] = scores[i], at[i] = (int32_t)j0;
        for (int64_t j = 1; j < nj; j++) {   /* strict >: the first patch wins a tie */
            const float *row = scores + j * ld;
            int32_t idx = (int32_t)(j0 + j);
            for (int64_t i = 0; i < np; i++) {
                int gt = row[i] > best[i];
                best[i] = gt ? row[i] : best[i];
                at[i] = gt ? idx : at[i];
            }
        }
    }
}

int wk_patch_match(wk_patch_bank *b, int32_t *nn, float *score, const float *x, int64_t C, int64_t H, int64_t W,
                   int stride)
{
    int64_t numel = 0, rows, cols;
    if (!b->normed) return wk_fail("patch_match: the bank is empty (freed or never built)");
    if (map_numel(&numel, C, H, W, "patch_match")) return WK_ERR;
    if (C != b->C)
        return wk_fail("patch_match: x has %lld channels, the style map %lld", (long long)C, (long long)b->C);
    if (wk_patch_grid(&rows, &cols, H, W, b->size, stride)) return wk_fail("patch_match: %s", wk_errmsg());
    if (!all_finite(x, numel)) return wk_fail("patch_match: x holds a NaN or an infinity");
    match_job m = {.b = b, .x = x, .H = H, .W = W, .Wo = cols, .P = rows * cols, .stride = stride};
    m.tile_pos = ((m.P + 5) / 6 + 15) & ~(int64_t)15;   /* from the sizes only: see the rule in threads.h */
    if (m.tile_pos > TILE_POS) m.tile_pos = TILE_POS;
    if (m.tile_pos < TILE_POS_MIN) m.tile_pos = TILE_POS_MIN;
    if (m.tile_pos > m.P) m.tile_pos = m.P;
    m.n_style = (b->count + TILE_STYLE - 1) / TILE_STYLE;
    m.tile_style = (b->count + m.n_style - 1) / m.n_style;   /* even tiles */
    int workers = wk_threads_count();
    m.slot = (b->len * m.tile_pos + m.tile_style * m.tile_pos + 15) & ~(int64_t)15;
    int64_t head = ((2 * m.n_style + 1) * m.P + 15) & ~(int64_t)15;
    double need = (double)head + (double)workers * (double)m.slot;
    if (need * sizeof(float) > (double)WK_MAX_NUMEL) return wk_fail("patch_match: scratch too large");
    float *ws = wk_workspace_get(&b->ws, (size_t)need);
    if (!ws) return wk_fail("patch_match: %s", wk_errmsg());
    m.best = ws;
    m.best_at = (int32_t *)(ws + m.n_style * m.P);
    m.xnorm = score ? ws + 2 * m.n_style * m.P : NULL;
    m.scratch = ws + head;
    int64_t tiles = ((m.P + m.tile_pos - 1) / m.tile_pos) * m.n_style;
    wk_parallel_for(tiles, 1, match_tile, &m);
    /* merge the patch tiles in order (strict >, so the lowest index wins a tie) */
    for (int64_t i = 0; i < m.P; i++) {
        float s = m.best[i];
        int32_t at = m.best_at[i];
        for (int64_t st = 1; st < m.n_style; st++)
            if (m.best[st * m.P + i] > s) s = m.best[st * m.P + i], at = m.best_at[st * m.P + i];
        nn[i] = at;
        if (score) score[i] = m.xnorm[i] > 0 ? s / m.xnorm[i] : 0.0f;
    }
    return WK_OK;
}

/* ---- the MRF loss ------------------------------------------------------------------ */

#define LOSS_TASKS 64   /* at most this many channel ranges: partial sums live on the stack */

typedef struct loss_job {
    const wk_patch_bank *b;
    const float *x;        /* (C, H, W) */
    float *grad;           /* (C, H, W) or NULL */
    const int32_t *nn;     /* (P) */
    int64_t H, W, Wo, P, grain;
    int stride;
    double partial[LOSS_TASKS];
} loss_job;

static void loss_channels(void *ctx, int64_t begin, int64_t end, int worker)
{
    loss_job *m = ctx;
    const wk_patch_bank *b = m->b;
    const int k = b->size, s = m->stride, ss = b->stride;
    const int64_t HW = m->H * m->W, SHW = b->H * b->W;
    double sum = 0;
    for (int64_t c = begin; c < end; c++) {
        const float *xc = m->x + c * HW, *sc = b->style + c * SHW;
        float *gc = m->grad ? m->grad + c * HW : NULL;
        if (gc) memset(gc, 0, (size_t)HW * sizeof(float));
        for (int64_t i = 0; i < m->P; i++) {
            int64_t j = m->nn[i];
            const float *xw = xc + (i / m->Wo) * s * m->W + (i % m->Wo) * s;
            const float *sw = sc + (j / b->cols) * ss * b->W + (j % b->cols) * ss;
            float *gw = gc ? gc + (xw - xc) : NULL;
            for (int p = 0; p < k; p++)
                for (int q = 0; q < k; q++) {
                    float d = xw[p * m->W + q] - sw[p * b->W + q];
                    sum += (double)d * d;
                    if (gw) gw[p * m->W + q] += 2.0f * d;
                }
        }
    }
    m->partial[begin / m->grain] = sum;
}

int wk_patch_loss(const wk_patch_bank *b, double *loss, float *grad, const float *x, int64_t C, int64_t H, int64_t W,
                  int stride, const int32_t *nn)
{
    int64_t numel = 0, rows, cols;
    if (!b->normed) return wk_fail("patch_loss: the bank is empty (freed or never built)");
    if (map_numel(&numel, C, H, W, "patch_loss")) return WK_ERR;
    if (C != b->C)
        return wk_fail("patch_loss: x has %lld channels, the style map %lld", (long long)C, (long long)b->C);
    if (wk_patch_grid(&rows, &cols, H, W, b->size, stride)) return wk_fail("patch_loss: %s", wk_errmsg());
    int64_t P = rows * cols;
    for (int64_t i = 0; i < P; i++)
        if (nn[i] < 0 || nn[i] >= b->count)
            return wk_fail("patch_loss: match %lld names patch %lld, the bank has %lld", (long long)i + 1,
                           (long long)nn[i] + 1, (long long)b->count);
    loss_job m = {.b = b, .x = x, .grad = grad, .nn = nn, .H = H, .W = W, .Wo = cols, .P = P, .stride = stride};
    m.grain = (C + LOSS_TASKS - 1) / LOSS_TASKS;
    wk_parallel_for(C, m.grain, loss_channels, &m);
    double sum = 0;
    for (int64_t t = 0; t * m.grain < C; t++) sum += m.partial[t];
    *loss = sum;
    return WK_OK;
}
