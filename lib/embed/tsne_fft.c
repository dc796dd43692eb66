/* tsne_fft.c — the 2-D t-SNE repulsion by FFT-accelerated interpolation (the method of
 * Linderman, Rachh, Hoskins, Steinerberger and Kluger 2019, "FIt-SNE"), on kissfft.
 *
 * All the repulsive sums are convolutions of one kernel, K(d) = 1/(1+|d|^2)^2, with
 * four charges per point, q = (1, y0, y1, |y|^2):
 *   phi_c(i) = sum_j K(y_i - y_j) q_c(j)
 *   rep_i    = y_i phi_0(i) - (phi_1(i), phi_2(i))
 *   Z        = sum_i [(1+|y_i|^2) phi_0 - 2 y_i.(phi_1, phi_2) + phi_3] - n
 * (the last because w^2 (1+d^2) = w). The bounding square of the points is cut into
 * B x B boxes (B >= 50, about one box per unit of embedding, rounded up to a 2,3,5-smooth
 * size for the FFT) with 3 equispaced interpolation nodes per box and axis. Charges are
 * spread to the (3B)^2 nodes with the Lagrange polynomials of each point's box, the
 * node-to-node kernel sums are one circular convolution on a (6B)^2 grid (zero-padded,
 * so it is not periodic), and the potentials are interpolated back with the same
 * weights. Cost per step: O(n) + O(B^2 log B), independent of n^2.
 * Precision: kissfft is float32 here, so potentials carry ~1e-6 relative error of the
 * largest grid value; tests/c/test_tsne.c bounds the difference from the exact forces.
 * Memory: the plans and grids persist in a wk_tsne_fft_scratch between steps; plans are
 * re-made only when the layout's extent changes the grid size, buffers only grow.
 * Threads (core/threads.h): the per-point loops and, on grids from 2048 a side, the row
 * and column transforms run in chunks of a fixed size; every point, row and column is
 * computed by one chunk, so the result is the same bits on any number of threads. */
#include "tsne_fft.h"

#include <kiss_fft.h>
#include <kiss_fftr.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/threads.h"

#define NINTERP 3
#define MIN_BOXES 50

static int smooth235(int m)
{
    for (;; m++) {
        int r = m;
        while (r % 2 == 0) r /= 2;
        while (r % 3 == 0) r /= 3;
        while (r % 5 == 0) r /= 5;
        if (r == 1) return m;
    }
}

/* Lagrange basis on nodes t_k = (k + 0.5)/NINTERP at u in [0, 1]. */
static void lagrange(double *L, double u)
{
    double t[NINTERP];
    for (int k = 0; k < NINTERP; k++) t[k] = (k + 0.5) / NINTERP;
    for (int k = 0; k < NINTERP; k++) {
        double v = 1;
        for (int l = 0; l < NINTERP; l++)
            if (l != k) v *= (u - t[l]) / (t[k] - t[l]);
        L[k] = v;
    }
}

/* ---- 2-D real FFT from 1-D kissfft ----------------------------------------------- *
 * (Debian's kissfft 131.1.0 cannot allocate kiss_fftndr plans for sizes that are not
 * powers of two, so rows go through kiss_fftr and columns through kiss_fft.) Spectra
 * are kept transposed, (gc, g): each column's transform is then one contiguous row, and
 * the kernel and charge spectra share the layout, so nothing is transposed back until
 * the inverse. Only the first `rows` input rows may be nonzero (the zero padding), and
 * only the first `rows` output rows are wanted, which halves the row transforms. */

/* kiss_fftr plans keep a scratch buffer inside, so each pool worker gets its own, made
 * the first time a grid of this size is transformed with that many threads and kept with
 * the grid's plans (a few tens of kB each); complex kiss_fft plans are read-only when
 * input and output differ, so one is shared. */
#define FFT_MAX_THREADS 64
#define FFT_CHUNK 8   /* rows or columns per chunk */

typedef struct fft2 {
    int g, gc;
    int par;                /* split transforms over threads (big grids only) */
    int nplans;             /* workers 0..nplans-1 have row plans */
    kiss_fftr_cfg rf[FFT_MAX_THREADS], ri[FFT_MAX_THREADS];   /* real rows, per worker */
    kiss_fft_cfg cf, ci;    /* complex columns */
} fft2;

static void fft2_free(fft2 *p)
{
    for (int t = 0; t < p->nplans; t++) { kiss_fft_free(p->rf[t]); kiss_fft_free(p->ri[t]); }
    kiss_fft_free(p->cf);
    kiss_fft_free(p->ci);
}

/* Row plans for workers 0..want-1 (kept; never shrinks). */
static int fft2_row_plans(fft2 *p, int want)
{
    if (want > FFT_MAX_THREADS) want = FFT_MAX_THREADS;
    for (; p->nplans < want; p->nplans++) {
        int t = p->nplans;
        p->rf[t] = kiss_fftr_alloc(p->g, 0, NULL, NULL);
        p->ri[t] = kiss_fftr_alloc(p->g, 1, NULL, NULL);
        if (!p->rf[t] || !p->ri[t]) {
            kiss_fft_free(p->rf[t]);
            kiss_fft_free(p->ri[t]);
            return -1;
        }
    }
    return 0;
}

static int fft2_init(fft2 *p, int g, int par)
{
    memset(p, 0, sizeof *p);
    p->g = g;
    p->gc = g / 2 + 1;
    p->par = par;
    p->cf = kiss_fft_alloc(g, 0, NULL, NULL);
    p->ci = kiss_fft_alloc(g, 1, NULL, NULL);
    return p->cf && p->ci && !fft2_row_plans(p, 1) ? 0 : -1;
}

/* One pass of 1-D transforms: real rows (forward or inverse) or complex columns. */
typedef struct fft_pass {
    const fft2 *p;
    int inverse;
    const float *rin;  kiss_fft_cpx *rspec;        /* forward rows: (rows, g) -> (rows, gc) */
    const kiss_fft_cpx *rspec_in;  float *rout;    /* inverse rows: (rows, gc) -> (rows, g) */
    const kiss_fft_cpx *cin;  kiss_fft_cpx *cout;  /* columns: (gc, g) -> (gc, g) */
    _Atomic int failed;     /* a worker had no plan and none could be made */
} fft_pass;

static void fft_rows(void *ctx, int64_t begin, int64_t end, int worker)
{
    fft_pass *a = ctx;
    const fft2 *p = a->p;
    int g = p->g, gc = p->gc;
    kiss_fftr_cfg cfg = NULL, own = NULL;
    if (worker < p->nplans) cfg = a->inverse ? p->ri[worker] : p->rf[worker];
    else cfg = own = kiss_fftr_alloc(g, a->inverse, NULL, NULL);   /* threads were added meanwhile */
    if (!cfg) {
        atomic_store(&a->failed, 1);
        return;
    }
    for (int64_t r = begin; r < end; r++) {
        if (a->inverse) kiss_fftri(cfg, a->rspec_in + r * gc, a->rout + r * g);
        else kiss_fftr(cfg, a->rin + r * g, a->rspec + r * gc);
    }
    kiss_fft_free(own);
}

static void fft_columns(void *ctx, int64_t begin, int64_t end, int worker)
{
    const fft_pass *a = ctx;
    const fft2 *p = a->p;
    for (int64_t b = begin; b < end; b++)
        kiss_fft(a->inverse ? p->ci : p->cf, a->cin + b * p->g, a->cout + b * p->g);
}

/* in (g, g) real, rows >= `rows` zero -> out (gc, g) spectrum; tmp (g, gc), col (gc, g).
 * Returns -1 when out of memory for a plan. */
static int fft2_forward(const fft2 *p, kiss_fft_cpx *out, const float *in, int rows,
                        kiss_fft_cpx *tmp, kiss_fft_cpx *col)
{
    int g = p->g, gc = p->gc;
    fft_pass a = {.p = p, .rin = in, .rspec = tmp};
    wk_parallel_for(rows, p->par ? FFT_CHUNK : rows, fft_rows, &a);
    for (int b = 0; b < gc; b++) {
        kiss_fft_cpx *c = col + (size_t)b * g;
        for (int r = 0; r < rows; r++) c[r] = tmp[(size_t)r * gc + b];
        for (int r = rows; r < g; r++) c[r].r = c[r].i = 0;
    }
    a.cin = col;
    a.cout = out;
    wk_parallel_for(gc, p->par ? FFT_CHUNK : gc, fft_columns, &a);
    return atomic_load(&a.failed) ? -1 : 0;
}

/* spectrum (gc, g) -> out rows 0..rows-1 of the (g, g) real inverse (unnormalised). */
static int fft2_inverse(const fft2 *p, float *out, const kiss_fft_cpx *spec, int rows,
                        kiss_fft_cpx *tmp, kiss_fft_cpx *col)
{
    int g = p->g, gc = p->gc;
    fft_pass a = {.p = p, .inverse = 1, .cin = spec, .cout = col, .rspec_in = tmp, .rout = out};
    wk_parallel_for(gc, p->par ? FFT_CHUNK : gc, fft_columns, &a);
    for (int r = 0; r < rows; r++)
        for (int b = 0; b < gc; b++) tmp[(size_t)r * gc + b] = col[(size_t)b * g + r];
    wk_parallel_for(rows, p->par ? FFT_CHUNK : rows, fft_rows, &a);
    return atomic_load(&a.failed) ? -1 : 0;
}

/* What one step needs, kept from step to step: the plans for the current grid size
 * (re-made only when the layout's extent changes the size) and buffers that only grow. */
struct wk_tsne_fft_scratch {
    fft2 plan;
    int planned_g;          /* grid size the plans are for; 0 = none */
    int cap_g;              /* grid size the buffers below fit */
    int64_t cap_n;          /* points the per-point buffers fit */
    kiss_fft_cpx *tmp;      /* (g, gc) row spectra */
    kiss_fft_cpx *col;      /* (gc, g) column work */
    kiss_fft_cpx *kf;       /* (gc, g) kernel spectrum */
    kiss_fft_cpx *cf;       /* (gc, g) charge spectrum */
    float *grid;            /* (g, g) real work grid */
    double *wq;             /* (4, m, m) charges on nodes */
    double *pot;            /* (4, m, m) potentials on nodes */
    int32_t *box;           /* (n, 2) first node per axis */
    double *lw;             /* (n, 2, NINTERP) Lagrange weights */
    double *zi;             /* (n) per-point Z terms */
};

static void free_grid_buffers(wk_tsne_fft_scratch *s);
static void free_point_buffers(wk_tsne_fft_scratch *s);

void wk_tsne_fft_scratch_free(wk_tsne_fft_scratch *s)
{
    if (!s) return;
    if (s->planned_g) fft2_free(&s->plan);
    free_grid_buffers(s);
    free_point_buffers(s);
    free(s);
}

static void free_grid_buffers(wk_tsne_fft_scratch *s)
{
    free(s->tmp); free(s->col); free(s->kf); free(s->cf); free(s->grid); free(s->wq); free(s->pot);
    s->tmp = s->col = s->kf = s->cf = NULL;
    s->grid = NULL;
    s->wq = s->pot = NULL;
    s->cap_g = 0;
}

static void free_point_buffers(wk_tsne_fft_scratch *s)
{
    free(s->box); free(s->lw); free(s->zi);
    s->box = NULL;
    s->lw = s->zi = NULL;
    s->cap_n = 0;
}

/* Plans for grid size g (g = 2m) and buffers for at least g and n. */
static int scratch_fit(wk_tsne_fft_scratch *s, int g, int m, int64_t n)
{
    if (s->planned_g != g) {
        if (s->planned_g) fft2_free(&s->plan);
        s->planned_g = 0;
        /* rows of < 2048: threads cost more than they save */
        if (fft2_init(&s->plan, g, g >= 2048)) { fft2_free(&s->plan); return -1; }
        s->planned_g = g;
    }
    if (s->plan.par && fft2_row_plans(&s->plan, wk_threads_count())) return -1;
    if (g > s->cap_g) {
        free_grid_buffers(s);
        size_t gcc = (size_t)g * (g / 2 + 1), mm = (size_t)4 * m * m;
        s->tmp = malloc(gcc * sizeof *s->tmp);
        s->col = malloc(gcc * sizeof *s->col);
        s->kf = malloc(gcc * sizeof *s->kf);
        s->cf = malloc(gcc * sizeof *s->cf);
        s->grid = malloc((size_t)g * g * sizeof *s->grid);
        s->wq = malloc(mm * sizeof *s->wq);
        s->pot = malloc(mm * sizeof *s->pot);
        if (!s->tmp || !s->col || !s->kf || !s->cf || !s->grid || !s->wq || !s->pot) {
            free_grid_buffers(s);
            return -1;
        }
        s->cap_g = g;
    }
    if (n > s->cap_n) {
        free_point_buffers(s);
        s->box = malloc((size_t)n * 2 * sizeof *s->box);
        s->lw = malloc((size_t)n * 2 * NINTERP * sizeof *s->lw);
        s->zi = malloc((size_t)n * sizeof *s->zi);
        if (!s->box || !s->lw || !s->zi) {
            free_point_buffers(s);
            return -1;
        }
        s->cap_n = n;
    }
    return 0;
}

/* ---- per-point work ------------------------------------------------------------- */

/* Points per chunk from 4,096 points on (a point is a few dozen flops each way). */
#define POINT_CHUNK 2048

typedef struct points_args {
    const double *y;        /* (n, 2) */
    double *rep;            /* (n, 2) */
    double *zi;             /* (n) per-point Z terms */
    int32_t *box;           /* (n, 2) first node per axis */
    double *lw;             /* (n, 2, NINTERP) Lagrange weights */
    const double *pot;      /* (4, m, m) potentials on nodes */
    double lo, bw;          /* grid origin and box width */
    int boxes, m;
} points_args;

/* Boxes and Lagrange weights of points [begin, end). */
static void point_weights(void *ctx, int64_t begin, int64_t end, int worker)
{
    const points_args *a = ctx;
    const double *y = a->y, lo = a->lo, bw = a->bw;
    const int boxes = a->boxes;
    int32_t *box = a->box;
    double *lw = a->lw;
    for (int64_t i = begin; i < end; i++)
        for (int c = 0; c < 2; c++) {
            double u = (y[i * 2 + c] - lo) / bw;
            int bi = (int)u;
            if (bi >= boxes) bi = boxes - 1;
            if (bi < 0) bi = 0;
            box[i * 2 + c] = bi * NINTERP;
            lagrange(lw + (i * 2 + c) * NINTERP, u - bi);
        }
}

/* Potentials interpolated back to points [begin, end), their forces and Z terms. */
static void point_forces(void *ctx, int64_t begin, int64_t end, int worker)
{
    const points_args *a = ctx;
    const int m = a->m;
    const double *y = a->y, *lw = a->lw, *pot = a->pot;
    const int32_t *box = a->box;
    double *rep = a->rep, *zi = a->zi;
    for (int64_t i = begin; i < end; i++) {
        const double *l0 = lw + i * 2 * NINTERP, *l1 = l0 + NINTERP;
        int r0 = box[i * 2], c0 = box[i * 2 + 1];
        double phi[4] = {0, 0, 0, 0};
        for (int u = 0; u < NINTERP; u++)
            for (int v = 0; v < NINTERP; v++) {
                double w = l0[u] * l1[v];
                size_t at = (size_t)(r0 + u) * m + (c0 + v);
                for (int c = 0; c < 4; c++) phi[c] += w * pot[(size_t)c * m * m + at];
            }
        double y0 = y[i * 2], y1 = y[i * 2 + 1];
        rep[i * 2] = y0 * phi[0] - phi[1];
        rep[i * 2 + 1] = y1 * phi[0] - phi[2];
        zi[i] = (1 + y0 * y0 + y1 * y1) * phi[0] - 2 * (y0 * phi[1] + y1 * phi[2]) + phi[3];
    }
}

/* ---- the repulsion ------------------------------------------------------------------ */

int wk_tsne_fft_repulsion(double *rep, double *z, const double *y, int64_t n, wk_tsne_fft_scratch **scratch)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < 2 * n; i++) {
        if (y[i] < lo) lo = y[i];
        if (y[i] > hi) hi = y[i];
    }
    double span = hi - lo;
    if (!(span > 0)) span = 1e-12;
    int boxes = (int)span;
    if (boxes < MIN_BOXES) boxes = MIN_BOXES;
    boxes = smooth235(boxes);
    int m = boxes * NINTERP;      /* interpolation nodes per axis */
    int g = 2 * m;                /* padded FFT size per axis */
    int gc = g / 2 + 1;           /* complex columns of the real FFT */
    double bw = span / boxes;     /* box width */
    double h = bw / NINTERP;      /* node spacing */
    size_t gg = (size_t)g * g, gcc = (size_t)g * gc;

    wk_tsne_fft_scratch *own = NULL, *s;
    if (scratch && *scratch) s = *scratch;
    else {
        s = calloc(1, sizeof *s);
        if (!s) return wk_fail("tsne: out of memory");
        if (scratch) *scratch = s;
        else own = s;
    }
    int status = WK_ERR;
    if (scratch_fit(s, g, m, n)) {
        wk_fail("tsne: out of memory for a %dx%d FFT grid", g, g);
        goto done;
    }
    fft2 *plan = &s->plan;
    kiss_fft_cpx *tmp = s->tmp, *col = s->col, *kf = s->kf, *cf = s->cf;
    float *grid = s->grid;
    double *wq = s->wq, *pot = s->pot, *lw = s->lw, *zi = s->zi;
    int32_t *box = s->box;
    memset(wq, 0, (size_t)4 * m * m * sizeof *wq);
    /* Kernel on node offsets, circularly embedded: index a <-> offset a or a - g. */
    for (int a = 0; a < g; a++) {
        int da = a < m ? a : a - g;
        for (int b = 0; b < g; b++) {
            int db = b < m ? b : b - g;
            double d2 = (da * h) * (da * h) + (db * h) * (db * h);
            double w = 1.0 / (1.0 + d2);
            grid[(size_t)a * g + b] = (a == m || b == m) ? 0.0f : (float)(w * w);
        }
    }
    if (fft2_forward(plan, kf, grid, g, tmp, col)) goto oom;
    /* Boxes and Lagrange weights of each point. */
    points_args pa = {.y = y, .rep = rep, .zi = zi, .box = box, .lw = lw, .pot = pot, .lo = lo, .bw = bw,
                      .boxes = boxes, .m = m};
    int64_t point_grain = n >= 4096 ? POINT_CHUNK : n;
    wk_parallel_for(n, point_grain, point_weights, &pa);
    /* Spread the charges (serial: points of one box write the same nodes). */
    for (int64_t i = 0; i < n; i++) {
        double q[4] = {1.0, y[i * 2], y[i * 2 + 1], y[i * 2] * y[i * 2] + y[i * 2 + 1] * y[i * 2 + 1]};
        const double *l0 = lw + i * 2 * NINTERP, *l1 = l0 + NINTERP;
        int r0 = box[i * 2], c0 = box[i * 2 + 1];
        for (int a = 0; a < NINTERP; a++)
            for (int b = 0; b < NINTERP; b++) {
                double w = l0[a] * l1[b];
                size_t at = (size_t)(r0 + a) * m + (c0 + b);
                for (int c = 0; c < 4; c++) wq[(size_t)c * m * m + at] += w * q[c];
            }
    }
    /* Convolve each charge grid with the kernel. */
    double norm = 1.0 / (double)gg;
    for (int c = 0; c < 4; c++) {
        for (int a = 0; a < m; a++) memset(grid + (size_t)a * g + m, 0, (size_t)(g - m) * sizeof *grid);
        for (int a = 0; a < m; a++)
            for (int b = 0; b < m; b++) grid[(size_t)a * g + b] = (float)wq[(size_t)c * m * m + (size_t)a * m + b];
        if (fft2_forward(plan, cf, grid, m, tmp, col)) goto oom;
        for (size_t e = 0; e < gcc; e++) {
            kiss_fft_cpx u = cf[e], v = kf[e];
            cf[e].r = u.r * v.r - u.i * v.i;
            cf[e].i = u.r * v.i + u.i * v.r;
        }
        if (fft2_inverse(plan, grid, cf, m, tmp, col)) goto oom;
        for (int a = 0; a < m; a++)
            for (int b = 0; b < m; b++) pot[(size_t)c * m * m + (size_t)a * m + b] = grid[(size_t)a * g + b] * norm;
    }
    /* Interpolate back and assemble forces and Z. */
    wk_parallel_for(n, point_grain, point_forces, &pa);
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += zi[i];
    *z = sum - (double)n;
    status = WK_OK;
    goto done;
oom:
    wk_fail("tsne: out of memory for FFT plans of size %d", g);
done:
    wk_tsne_fft_scratch_free(own);
    return status;
}
