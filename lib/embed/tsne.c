/* tsne.c — t-SNE: affinities, initialisation and the optimiser (see tsne.h).
 *
 * Affinities: the exact k = 3*perplexity + 1 nearest neighbours of each point by
 * brute force on SGEMM (in 50-D PCA space this beats a vantage-point tree — VP trees
 * prune badly in 50 dimensions — and needs no tree at all: 10,000 points take a quarter
 * of a second), a bisection on the Gaussian precision per point to the target entropy,
 * then P = (P_{j|i} + P_{i|j}) / 2n as a CSR matrix summing to 1.
 * Optimiser: gradient descent with momentum 0.5 then 0.8 and per-coordinate gains
 * (+0.2 / x0.8, floor 0.01), early exaggeration of P for the first iterations, and the
 * embedding recentred at every step — the schedule of bhtsne, scikit-learn and FIt-SNE.
 * The gradient (without the customary factor 4, as FIt-SNE and bhtsne write it) is
 *   g_i = exag * sum_j p_ij w_ij (y_i - y_j)  -  (1/Z) sum_j w_ij^2 (y_i - y_j)
 * with w_ij = 1/(1+|y_i-y_j|^2), Z = sum_{i!=j} w_ij; the repulsive half lives in
 * tsne_grad.c (exact, Barnes-Hut) and tsne_fft.c (interpolation).
 * Threads (core/threads.h): loops over points run in chunks of a fixed number of points
 * (one chunk below a size where threads do not pay), each point written by one chunk, so
 * the layout is the same bits on any number of threads. */
#include "tsne.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/rng.h"
#include "../core/threads.h"
#include "pca.h"

struct wk_tsne {
    int64_t n;
    int dims, method, exag_iters, iter;
    double theta, lr, exag;
    int64_t *row;     /* (n+1) CSR row starts of P */
    int64_t *col;     /* (nnz) */
    double *val;      /* (nnz) symmetric P, sums to 1 */
    double *y;        /* (n, dims) positions */
    double *grad;     /* (n, dims) */
    double *upd;      /* (n, dims) momentum buffer */
    double *gains;    /* (n, dims) */
    double *rep;      /* (n, dims) repulsive forces */
    double z;         /* Z of the last gradient */
    wk_tsne_scratch scratch;   /* the repulsion's tree and sums, kept between steps */
};

void wk_tsne_default_opts(wk_tsne_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dims = 2;
    o->perplexity = 30;
    o->method = WK_TSNE_AUTO;
    /* 0.35, not the customary 0.5: the final KL follows the accuracy of the late
     * gradient (Fashion-MNIST, 5,000 points, PCA-50, 2 threads: theta 0.55 / 0.5 / 0.45 /
     * 0.4 / 0.35 / 0.25 give KL 1.232 / 1.222 / 1.213 / 1.207 / 1.203 / 1.199 in 6.0 /
     * 7.1 / 7.2 / 8.2 / 9.5 / 13.1 s; scikit-learn reaches 1.219 in 28 s). Only the late
     * phase matters: a coarse tree under exaggeration changed nothing. */
    o->theta = 0.35;
    o->learning_rate = 0;
    o->early_exaggeration = 12;
    o->exaggeration_iters = 250;
    o->init_pca = 1;
}

/* ---- exact kNN -------------------------------------------------------------------- */

#define KNN_BLOCK 512   /* query rows per SGEMM, at most */
#define KNN_CHUNK 16    /* query rows per thread-pool chunk (from 2,048 points) */

/* Insert (d, j) into a max-heap of size k keyed on distance (ties: larger index on top,
 * so among equal distances the smaller index is kept — deterministic). */
static void heap_push(float *hd, int64_t *hi, int k, float d, int64_t j)
{
    int c = 0;
    hd[0] = d;
    hi[0] = j;
    for (;;) {
        int l = 2 * c + 1, r = l + 1, m = c;
        if (l < k && (hd[l] > hd[m] || (hd[l] == hd[m] && hi[l] > hi[m]))) m = l;
        if (r < k && (hd[r] > hd[m] || (hd[r] == hd[m] && hi[r] > hi[m]))) m = r;
        if (m == c) break;
        float td = hd[c]; hd[c] = hd[m]; hd[m] = td;
        int64_t ti = hi[c]; hi[c] = hi[m]; hi[m] = ti;
        c = m;
    }
}

/* The neighbours of query rows [begin, end) of a block starting at row i0, from the
 * block's dot products with every point. */
typedef struct knn_args {
    int64_t *idx;           /* (n, k) */
    float *dist;            /* (n, k) */
    const float *x;         /* (n, d) */
    const float *sq;        /* (n) squared norms */
    const float *dot;       /* (rows of the block, n) */
    int64_t n, d, i0;
    int k;
} knn_args;

static void knn_rows(void *ctx, int64_t begin, int64_t end, int worker)
{
    const knn_args *a = ctx;
    const int64_t n = a->n, d = a->d, i0 = a->i0;
    const int k = a->k;
    const float *x = a->x, *sq = a->sq, *dot = a->dot;
    float *dist = a->dist;
    int64_t *idx = a->idx;
    for (int64_t r = begin; r < end; r++) {
        int64_t i = i0 + r;
        float *hd = dist + i * k;
        int64_t *hi = idx + i * k;
        for (int q = 0; q < k; q++) { hd[q] = FLT_MAX; hi[q] = INT64_MAX; }
        const float *dr = dot + r * n;
        float si = sq[i];
        for (int64_t j = 0; j < n; j++) {
            float dd = si + sq[j] - 2.0f * dr[j];
            if (dd < 0) dd = 0;
            if (dd < hd[0] && j != i) heap_push(hd, hi, k, dd, j);
        }
        /* heap sort ascending: pop the max to the end */
        for (int m = k - 1; m > 0; m--) {
            float td = hd[0]; int64_t ti = hi[0];
            float ld = hd[m]; int64_t li = hi[m];
            heap_push(hd, hi, m, ld, li);
            hd[m] = td; hi[m] = ti;
        }
        /* Refine the kept distances exactly (the SGEMM form loses digits). */
        for (int q = 0; q < k; q++) {
            const float *u = x + i * d, *v = x + hi[q] * d;
            double s = 0;
            for (int64_t j = 0; j < d; j++) { double t = (double)u[j] - v[j]; s += t * t; }
            hd[q] = (float)s;
        }
    }
}

int wk_tsne_knn(int64_t *idx, float *dist, const float *x, int64_t n, int64_t d, int k)
{
    if (k < 1 || k >= n) return wk_fail("tsne: k = %d neighbours needs more than %d points, got %lld", k, k, (long long)n);
    float *sq = malloc((size_t)n * sizeof *sq);                    /* (n) squared norms */
    int64_t blk = ((int64_t)1 << 24) / n;                         /* rows per GEMM: <= 64 MB of dots */
    if (blk > KNN_BLOCK) blk = KNN_BLOCK;
    if (blk < 16) blk = 16;
    float *dot = malloc((size_t)blk * n * sizeof *dot);            /* (blk, n) */
    if (!sq || !dot) {
        free(sq); free(dot);
        return wk_fail("tsne: out of memory for nearest neighbours of %lld points", (long long)n);
    }
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t j = 0; j < d; j++) s += (double)x[i * d + j] * x[i * d + j];
        sq[i] = (float)s;
    }
    for (int64_t i0 = 0; i0 < n; i0 += blk) {
        int64_t b = n - i0 < blk ? n - i0 : blk;
        wk_sgemm(CblasNoTrans, CblasTrans, (int)b, (int)n, (int)d, 1.0f, x + i0 * d, (int)d, x, (int)d,
                 0.0f, dot, (int)n);
        knn_args a = {idx, dist, x, sq, dot, n, d, i0, k};
        wk_parallel_for(b, n >= 2048 ? KNN_CHUNK : b, knn_rows, &a);
    }
    free(sq);
    free(dot);
    return WK_OK;
}

/* ---- perplexity calibration -------------------------------------------------------- */

double wk_tsne_calibrate(double *p, const float *dist, int k, double perplexity)
{
    double target = log(perplexity), beta = 1.0, lo = 0.0, hi = INFINITY, h = 0.0;
    double dmin = dist[0];
    for (int q = 1; q < k; q++) if (dist[q] < dmin) dmin = dist[q];
    for (int it = 0; it < 200; it++) {
        double sum = 0, sdp = 0;
        for (int q = 0; q < k; q++) {
            double dd = dist[q] - dmin;   /* shifted so the nearest weighs 1: no underflow */
            double v = dd > 0 ? exp(-beta * dd) : 1.0;
            p[q] = v;
            sum += v;
            sdp += dd * v;
        }
        h = log(sum) + beta * sdp / sum;
        for (int q = 0; q < k; q++) p[q] /= sum;
        if (fabs(h - target) < 1e-5) break;
        if (h > target) {   /* too flat: sharpen */
            lo = beta;
            beta = isinf(hi) ? beta * 2 : (beta + hi) / 2;
        } else {
            hi = beta;
            beta = (beta + lo) / 2;
        }
        if (!(beta < 1e300)) break;   /* all distances equal: P stays uniform */
    }
    return h;
}

typedef struct calibrate_args {
    double *cond;           /* (n, k) conditional P_{j|i} */
    const float *dist;      /* (n, k) squared neighbour distances */
    int k;
    double perplexity;
} calibrate_args;

static void calibrate_rows(void *ctx, int64_t begin, int64_t end, int worker)
{
    const calibrate_args *a = ctx;
    for (int64_t i = begin; i < end; i++)
        wk_tsne_calibrate(a->cond + i * a->k, a->dist + i * a->k, a->k, a->perplexity);
}

/* ---- P ------------------------------------------------------------------------------ */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* CSR of (C + C^T) / 2n from the (n, k) conditional matrix C. */
static int build_p(wk_tsne *t, const int64_t *idx, const double *cond, int k)
{
    int64_t n = t->n;
    int64_t *cnt = calloc((size_t)n + 1, sizeof *cnt);
    int64_t *tcol = malloc((size_t)2 * n * k * sizeof *tcol);      /* (2nk) unsorted rows */
    double *tval = malloc((size_t)2 * n * k * sizeof *tval);       /* (2nk) */
    int64_t *pair = NULL;                                          /* (longest row, 2) */
    if (!cnt || !tcol || !tval) {
        free(cnt); free(pair); free(tcol); free(tval);
        return wk_fail("tsne: out of memory for the affinities");
    }
    for (int64_t i = 0; i < n; i++)
        for (int q = 0; q < k; q++) { cnt[i + 1]++; cnt[idx[i * k + q] + 1]++; }
    int64_t longest = 0;
    for (int64_t i = 0; i < n; i++) if (cnt[i + 1] > longest) longest = cnt[i + 1];
    for (int64_t i = 0; i < n; i++) cnt[i + 1] += cnt[i];
    pair = malloc((size_t)longest * 2 * sizeof *pair);
    if (!pair) {
        free(cnt); free(tcol); free(tval);
        return wk_fail("tsne: out of memory for the affinities");
    }
    int64_t *fill = malloc((size_t)n * sizeof *fill);
    if (!fill) {
        free(cnt); free(pair); free(tcol); free(tval);
        return wk_fail("tsne: out of memory for the affinities");
    }
    memcpy(fill, cnt, (size_t)n * sizeof *fill);
    double scale = 1.0 / (2.0 * (double)n);
    for (int64_t i = 0; i < n; i++)
        for (int q = 0; q < k; q++) {
            int64_t j = idx[i * k + q];
            double v = cond[i * k + q] * scale;
            tcol[fill[i]] = j; tval[fill[i]++] = v;
            tcol[fill[j]] = i; tval[fill[j]++] = v;
        }
    /* Sort each row by column (through (col, position) pairs) and merge duplicates. */
    t->row = calloc((size_t)n + 1, sizeof *t->row);
    t->col = malloc((size_t)cnt[n] * sizeof *t->col);
    t->val = malloc((size_t)cnt[n] * sizeof *t->val);
    if (!t->row || !t->col || !t->val) {
        free(cnt); free(pair); free(tcol); free(tval); free(fill);
        return wk_fail("tsne: out of memory for the affinities");
    }
    int64_t nnz = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t a = cnt[i], b = cnt[i + 1], m = b - a;
        for (int64_t e = 0; e < m; e++) { pair[2 * e] = tcol[a + e]; pair[2 * e + 1] = a + e; }
        qsort(pair, (size_t)m, 2 * sizeof *pair, cmp_i64);
        t->row[i] = nnz;
        for (int64_t e = 0; e < m; e++) {
            int64_t c = pair[2 * e];
            double v = tval[pair[2 * e + 1]];
            if (nnz > t->row[i] && t->col[nnz - 1] == c) t->val[nnz - 1] += v;
            else { t->col[nnz] = c; t->val[nnz++] = v; }
        }
    }
    t->row[n] = nnz;
    free(cnt); free(pair); free(tcol); free(tval); free(fill);
    return WK_OK;
}

/* ---- lifecycle ---------------------------------------------------------------------- */

void wk_tsne_free(wk_tsne *t)
{
    if (!t) return;
    free(t->row); free(t->col); free(t->val);
    free(t->y); free(t->grad); free(t->upd); free(t->gains); free(t->rep);
    wk_tsne_scratch_free(&t->scratch);
    free(t);
}

int wk_tsne_new(wk_tsne **out, const float *x, int64_t n, int64_t d, const wk_tsne_opts *o)
{
    *out = NULL;
    if (o->dims != 2 && o->dims != 3) return wk_fail("tsne: dims must be 2 or 3, got %d", o->dims);
    if (!(o->perplexity >= 1)) return wk_fail("tsne: perplexity must be at least 1, got %g", o->perplexity);
    int k = (int)floor(3 * o->perplexity + 1);   /* as scikit-learn: 91 at perplexity 30 */
    if (n < 2 || n <= k)
        return wk_fail("tsne: perplexity %g needs at least %d points, got %lld", o->perplexity, k + 1, (long long)n);
    if (d < 1) return wk_fail("tsne: input has no columns");
    if (!(o->theta >= 0)) return wk_fail("tsne: theta must be >= 0, got %g", o->theta);
    if (o->method == WK_TSNE_FFT && o->dims != 2) return wk_fail("tsne: method 'fft' is 2-D only (dims = %d); use 'bh'", o->dims);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            if (!isfinite(x[i * d + j])) return wk_fail("tsne: row %lld holds NaN or inf", (long long)i + 1);
    if (o->init)
        for (int64_t i = 0; i < n * o->dims; i++)
            if (!isfinite(o->init[i])) return wk_fail("tsne: init holds NaN or inf");
    wk_tsne *t = calloc(1, sizeof *t);
    if (!t) return wk_fail("tsne: out of memory");
    t->n = n;
    t->dims = o->dims;
    t->method = o->method;
    if (t->method == WK_TSNE_AUTO)
        /* Measured (Fashion-MNIST PCA-50, 1,000 iterations, 2 threads, load ~1): at
         * 20,000 points BH 66.1 s, exact KL 1.820 against FFT 68.9 s, KL 1.862; at
         * 40,000 BH 172.7 s, KL 2.177 against FFT 113.5 s, KL 2.205. FFT's grid has a
         * floor of 50 boxes a side whatever n, and its interpolation costs a little KL,
         * so it takes over once it is clearly faster. */
        t->method = n < 1000 ? WK_TSNE_EXACT : (o->dims == 2 && n >= 25000) ? WK_TSNE_FFT : WK_TSNE_BH;
    t->theta = o->theta;
    t->exag = o->early_exaggeration > 0 ? o->early_exaggeration : 1;
    t->exag_iters = o->exaggeration_iters;
    t->lr = o->learning_rate > 0 ? o->learning_rate : fmax((double)n / t->exag, 50.0);
    size_t nd = (size_t)n * o->dims;
    t->y = malloc(nd * sizeof *t->y);
    t->grad = calloc(nd, sizeof *t->grad);
    t->upd = calloc(nd, sizeof *t->upd);
    t->gains = malloc(nd * sizeof *t->gains);
    t->rep = calloc(nd, sizeof *t->rep);
    int64_t *idx = malloc((size_t)n * k * sizeof *idx);   /* (n, k) */
    float *dist = malloc((size_t)n * k * sizeof *dist);   /* (n, k) */
    double *cond = malloc((size_t)n * k * sizeof *cond);  /* (n, k) */
    float *proj = NULL;
    int status = WK_ERR;
    if (!t->y || !t->grad || !t->upd || !t->gains || !t->rep || !idx || !dist || !cond) {
        wk_fail("tsne: out of memory for %lld points", (long long)n);
        goto done;
    }
    for (size_t i = 0; i < nd; i++) t->gains[i] = 1.0;
    if (wk_tsne_knn(idx, dist, x, n, d, k)) goto done;
    calibrate_args ca = {cond, dist, k, o->perplexity};
    wk_parallel_for(n, n >= 4096 ? 256 : n, calibrate_rows, &ca);   /* a point: a bisection over k */
    if (build_p(t, idx, cond, k)) goto done;
    if (o->init) {
        for (size_t i = 0; i < nd; i++) t->y[i] = o->init[i];
    } else if (o->init_pca && d >= o->dims) {
        proj = malloc(nd * sizeof *proj);
        if (!proj) { wk_fail("tsne: out of memory"); goto done; }
        if (wk_pca(proj, NULL, NULL, NULL, x, n, d, o->dims)) goto done;
        double s = 0, m = 0;
        for (int64_t i = 0; i < n; i++) m += proj[i * o->dims];
        m /= (double)n;
        for (int64_t i = 0; i < n; i++) s += (proj[i * o->dims] - m) * (proj[i * o->dims] - m);
        s = sqrt(s / (double)n);
        double scale = s > 0 ? 1e-4 / s : 1.0;
        for (size_t i = 0; i < nd; i++) t->y[i] = proj[i] * scale;
    } else {
        for (size_t i = 0; i < nd; i++) t->y[i] = 1e-4 * wk_rng_normal();
    }
    status = WK_OK;
done:
    free(idx); free(dist); free(cond); free(proj);
    if (status) wk_tsne_free(t);
    else *out = t;
    return status;
}

/* ---- gradient and step ---------------------------------------------------------------- */

/* grad = exag * attraction - rep / Z for point i; dims is a constant at each call site. */
static inline __attribute__((always_inline)) void attraction_row(wk_tsne *t, int64_t i, int dims, double exag,
                                                                 double inv_z)
{
    const double *yi = t->y + i * dims;
    double f[3] = {0, 0, 0};
    for (int64_t e = t->row[i]; e < t->row[i + 1]; e++) {
        const double *yj = t->y + t->col[e] * dims;
        double d2 = 0, diff[3];
        for (int c = 0; c < dims; c++) { diff[c] = yi[c] - yj[c]; d2 += diff[c] * diff[c]; }
        double w = t->val[e] / (1.0 + d2);
        for (int c = 0; c < dims; c++) f[c] += w * diff[c];
    }
    for (int c = 0; c < dims; c++) t->grad[i * dims + c] = exag * f[c] - t->rep[i * dims + c] * inv_z;
}

typedef struct attraction_args {
    wk_tsne *t;
    double exag, inv_z;
} attraction_args;

static void attraction_rows(void *ctx, int64_t begin, int64_t end, int worker)
{
    const attraction_args *a = ctx;
    if (a->t->dims == 2)
        for (int64_t i = begin; i < end; i++) attraction_row(a->t, i, 2, a->exag, a->inv_z);
    else
        for (int64_t i = begin; i < end; i++) attraction_row(a->t, i, 3, a->exag, a->inv_z);
}

/* A point costs one pass over its row of P (~3 * perplexity to twice that entries), so
 * chunks take 512 points. */
static void attraction(wk_tsne *t, double exag)
{
    attraction_args a = {t, exag, 1.0 / t->z};
    wk_parallel_for(t->n, t->n >= 4096 ? 512 : t->n, attraction_rows, &a);
}

int wk_tsne_step(wk_tsne *t)
{
    int dims = t->dims;
    int64_t nd = t->n * dims;
    if (wk_tsne_repulsion(t->rep, &t->z, t->y, t->n, dims, t->method, t->theta, &t->scratch)) return WK_ERR;
    if (!(t->z > 0)) t->z = DBL_MIN;
    double exag = t->iter < t->exag_iters ? t->exag : 1.0;
    attraction(t, exag);
    double mom = t->iter < t->exag_iters ? 0.5 : 0.8;
    double lr = t->lr;
    if (t->iter == t->exag_iters)
        /* A fresh start for the second phase, as scikit-learn does: the gains and
         * momentum built up under exaggeration point the wrong way once it is lifted
         * (KL 1.232 -> 1.229 at 5,000 points, theta 0.5). */
        for (int64_t i = 0; i < nd; i++) { t->gains[i] = 1; t->upd[i] = 0; }
    for (int64_t i = 0; i < nd; i++) {
        double g = t->grad[i];
        double gain = t->gains[i];
        gain = t->upd[i] * g < 0 ? gain + 0.2 : gain * 0.8;   /* grow while the sign holds */
        if (gain < 0.01) gain = 0.01;
        t->gains[i] = gain;
        t->upd[i] = mom * t->upd[i] - lr * gain * g;
        t->y[i] += t->upd[i];
    }
    /* Recentre (the gradient is translation invariant; this keeps the grid small). */
    for (int c = 0; c < dims; c++) {
        double m = 0;
        for (int64_t i = 0; i < t->n; i++) m += t->y[i * dims + c];
        m /= (double)t->n;
        for (int64_t i = 0; i < t->n; i++) t->y[i * dims + c] -= m;
    }
    t->iter++;
    return WK_OK;
}

/* zs[i] = sum_{j != i} 1/(1+|y_i-y_j|^2) for points [begin, end). */
typedef struct exact_z_args {
    double *zs;             /* (n) */
    const double *y;        /* (n, dims) */
    int64_t n;
    int dims;
} exact_z_args;

static void exact_z_rows(void *ctx, int64_t begin, int64_t end, int worker)
{
    const exact_z_args *a = ctx;
    const int64_t n = a->n;
    const int dims = a->dims;
    const double *y = a->y;
    double *zs = a->zs;
    for (int64_t i = begin; i < end; i++) {
        double s = 0;
        const double *yi = y + i * dims;
        for (int64_t j = 0; j < n; j++) {
            if (j == i) continue;
            const double *yj = y + j * dims;
            double d2 = 0;
            for (int c = 0; c < dims; c++) d2 += (yi[c] - yj[c]) * (yi[c] - yj[c]);
            s += 1.0 / (1.0 + d2);
        }
        zs[i] = s;
    }
}

double wk_tsne_kl(wk_tsne *t, int exact)
{
    int dims = t->dims;
    double z = 0;
    /* The approximate Z is taken afresh at the current positions: the last step's Z
     * belongs to the positions before its move, which matters while the layout still
     * moves (300 points after 150 exact steps: 1.032 with it against 1.022; 5,000
     * after 1,000: 1.2006 against 1.2034). One more repulsion per report; rep is the
     * step's scratch. */
    if (!exact && wk_tsne_repulsion(t->rep, &z, t->y, t->n, dims, t->method, t->theta, &t->scratch))
        return NAN;
    if (exact || !(z > 0)) {
        double *zs = malloc((size_t)t->n * sizeof *zs);
        if (!zs) return NAN;
        exact_z_args a = {zs, t->y, t->n, dims};
        wk_parallel_for(t->n, t->n >= 1024 ? 64 : t->n, exact_z_rows, &a);
        z = 0;
        for (int64_t i = 0; i < t->n; i++) z += zs[i];
        free(zs);
    }
    double kl = 0;
    for (int64_t i = 0; i < t->n; i++) {
        const double *yi = t->y + i * dims;
        for (int64_t e = t->row[i]; e < t->row[i + 1]; e++) {
            double p = t->val[e];
            if (p <= 0) continue;
            const double *yj = t->y + t->col[e] * dims;
            double d2 = 0;
            for (int c = 0; c < dims; c++) d2 += (yi[c] - yj[c]) * (yi[c] - yj[c]);
            double q = 1.0 / ((1.0 + d2) * z);
            kl += p * log(p / fmax(q, DBL_MIN));
        }
    }
    return kl;
}

void wk_tsne_positions(float *y, const wk_tsne *t)
{
    for (int64_t i = 0; i < t->n * t->dims; i++) y[i] = (float)t->y[i];
}

int wk_tsne_iteration(const wk_tsne *t) { return t->iter; }
int64_t wk_tsne_n(const wk_tsne *t) { return t->n; }

size_t wk_tsne_bytes(const wk_tsne *t)
{
    size_t nnz = (size_t)t->row[t->n], nd = (size_t)t->n * t->dims;
    return (size_t)(t->n + 1) * sizeof *t->row + nnz * (sizeof *t->col + sizeof *t->val) + 5 * nd * sizeof(double);
}
int wk_tsne_dims(const wk_tsne *t) { return t->dims; }
int wk_tsne_method(const wk_tsne *t) { return t->method; }
