/* lap.c — Jonker-Volgenant linear assignment (Jonker & Volgenant 1987), float64.
 *
 * The classic four phases on an m x m problem (n real rows plus m - n dummy rows of cost
 * 0, which is how a rectangular problem becomes square without changing the optimum of
 * the real rows):
 *   1. column reduction: each column's dual v_j = its least cost; a row that wins one
 *      column takes it;
 *   2. reduction transfer: rows holding one column pass their slack to that column;
 *   3. augmenting row reduction, twice: each free row takes its least reduced-cost
 *      column, lowering that column's dual, and bumps the previous owner;
 *   4. augmentation: for each row still free, a Dijkstra-like shortest path over reduced
 *      costs to an unassigned column, then the duals of the scanned columns move.
 * Ties: phase 3 is the part of JV that can cycle when reduced costs tie (or differ by
 * round-off); it is capped at a fixed number of bumps per row, after which the remaining
 * free rows go to phase 4, which always terminates and is exact. Every scan runs in
 * index order and keeps the first minimum, so results are deterministic.
 * Costs come from a small struct — a dense matrix, or points and grid cells whose
 * squared distance is computed on the fly (cheaper than reading a 500 MB matrix). */
#include "lap.h"

#include "../core/limits.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct lap_cost {
    const double *dense;       /* (n, m) or NULL */
    const double *px, *py;     /* (n) points, when dense is NULL */
    const double *cx, *cy;     /* (m) cells */
    int64_t n, m;
} lap_cost;

static inline double cost_at(const lap_cost *c, int64_t i, int64_t j)
{
    if (i >= c->n) return 0.0;                 /* dummy row */
    if (c->dense) return c->dense[i * c->m + j];
    double dx = c->px[i] - c->cx[j], dy = c->py[i] - c->cy[j];
    return dx * dx + dy * dy;
}

/* Augments along the shortest path found: walking back from the free column endofpath
 * by pred to freerow, each row on the path takes the column after it. */
static void flip_path(int64_t *rowsol, int64_t *colsol, const int64_t *pred, int64_t endofpath, int64_t freerow)
{
    int64_t i;
    do {
        i = pred[endofpath];
        colsol[endofpath] = i;
        int64_t j1 = endofpath;
        endofpath = rowsol[i];
        rowsol[i] = j1;
    } while (i != freerow);
}

#define ARR_BUMPS_PER_ROW 8   /* phase-3 cap: bumps per row before phase 4 takes over */

/* Phase 4 for point-to-cell costs, with the scan state stored by list position rather
 * than by column: the Dijkstra loop then reads its columns' coordinates, duals and path
 * lengths contiguously (the by-column version gathers four arrays at random, and on
 * 8,100 cells that was most of the time). Same algorithm and tie order as above. */
static int augment_points(int64_t *rowsol, int64_t *colsol, double *v, const lap_cost *c,
                          const int64_t *freer, int64_t numfree)
{
    int64_t dim = c->m;
    int64_t *colk = malloc((size_t)dim * sizeof *colk);   /* (m) column at list position k */
    int64_t *pred = malloc((size_t)dim * sizeof *pred);   /* (m) by column */
    double *cxk = malloc((size_t)dim * sizeof *cxk), *cyk = malloc((size_t)dim * sizeof *cyk);   /* (m) by k */
    double *vk = malloc((size_t)dim * sizeof *vk), *dk = malloc((size_t)dim * sizeof *dk);      /* (m) by k */
    if (!colk || !pred || !cxk || !cyk || !vk || !dk) {
        free(colk); free(pred); free(cxk); free(cyk); free(vk); free(dk);
        return -1;
    }
#define SWAPK(a, b)                                                                        \
    do {                                                                                   \
        int64_t tc = colk[a]; colk[a] = colk[b]; colk[b] = tc;                             \
        double t1 = cxk[a]; cxk[a] = cxk[b]; cxk[b] = t1;                                  \
        double t2 = cyk[a]; cyk[a] = cyk[b]; cyk[b] = t2;                                  \
        double t3 = vk[a]; vk[a] = vk[b]; vk[b] = t3;                                      \
        double t4 = dk[a]; dk[a] = dk[b]; dk[b] = t4;                                      \
    } while (0)
    for (int64_t f = 0; f < numfree; f++) {
        int64_t freerow = freer[f], endofpath = -1, low = 0, up = 0, last = 0;
        double min = 0;
        int real = freerow < c->n;
        double px = real ? c->px[freerow] : 0, py = real ? c->py[freerow] : 0;
        for (int64_t j = 0; j < dim; j++) {
            colk[j] = j;
            cxk[j] = c->cx[j];
            cyk[j] = c->cy[j];
            vk[j] = v[j];
            double dx = px - cxk[j], dy = py - cyk[j];
            dk[j] = (real ? dx * dx + dy * dy : 0.0) - vk[j];
            pred[j] = freerow;
        }
        int found = 0;
        do {
            if (up == low) {
                last = low - 1;
                min = dk[up++];
                for (int64_t k = up; k < dim; k++) {
                    double h = dk[k];
                    if (h <= min) {
                        if (h < min) { up = low; min = h; }
                        SWAPK(k, up);
                        up++;
                    }
                }
                for (int64_t k = low; k < up; k++)
                    if (colsol[colk[k]] < 0) { endofpath = colk[k]; found = 1; break; }
            }
            if (!found) {
                int64_t kk = low++, i = colsol[colk[kk]];
                int ri = i < c->n;
                double qx = ri ? c->px[i] : 0, qy = ri ? c->py[i] : 0;
                double dx0 = qx - cxk[kk], dy0 = qy - cyk[kk];
                double h = (ri ? dx0 * dx0 + dy0 * dy0 : 0.0) - vk[kk] - min;
                double w = ri ? 1.0 : 0.0;
                for (int64_t k = up; k < dim; k++) {
                    double dx = qx - cxk[k], dy = qy - cyk[k];
                    double v2 = w * (dx * dx + dy * dy) - vk[k] - h;
                    if (v2 < dk[k]) {
                        pred[colk[k]] = i;
                        dk[k] = v2;
                        if (v2 == min) {
                            if (colsol[colk[k]] < 0) { endofpath = colk[k]; found = 1; break; }
                            SWAPK(k, up);
                            up++;
                        }
                    }
                }
            }
        } while (!found);
        for (int64_t k = 0; k <= last; k++) v[colk[k]] += dk[k] - min;
        flip_path(rowsol, colsol, pred, endofpath, freerow);
    }
#undef SWAPK
    free(colk); free(pred); free(cxk); free(cyk); free(vk); free(dk);
    return 0;
}

static int lapjv(int64_t *rowsol, const lap_cost *c)
{
    int64_t dim = c->m;
    int64_t *colsol = malloc((size_t)dim * sizeof *colsol);   /* (m) row of each column, -1 free */
    int64_t *freer = malloc((size_t)dim * sizeof *freer);     /* (m) free rows */
    int64_t *collist = malloc((size_t)dim * sizeof *collist); /* (m) columns by phase-4 state */
    int64_t *matches = calloc((size_t)dim, sizeof *matches);  /* (m) */
    int64_t *pred = malloc((size_t)dim * sizeof *pred);       /* (m) */
    double *v = malloc((size_t)dim * sizeof *v);              /* (m) column duals */
    double *d = malloc((size_t)dim * sizeof *d);              /* (m) path lengths */
    if (!colsol || !freer || !collist || !matches || !pred || !v || !d) {
        free(colsol); free(freer); free(collist); free(matches); free(pred); free(v); free(d);
        return wk_fail("grid: out of memory for a %lld-cell assignment", (long long)dim);
    }
    for (int64_t i = 0; i < dim; i++) rowsol[i] = -1;

    /* 1. column reduction */
    for (int64_t j = dim - 1; j >= 0; j--) {
        double min = cost_at(c, 0, j);
        int64_t imin = 0;
        for (int64_t i = 1; i < dim; i++) {
            double h = cost_at(c, i, j);
            if (h < min) { min = h; imin = i; }
        }
        v[j] = min;
        if (++matches[imin] == 1) { rowsol[imin] = j; colsol[j] = imin; }
        else colsol[j] = -1;
    }
    /* 2. reduction transfer */
    int64_t numfree = 0;
    for (int64_t i = 0; i < dim; i++) {
        if (matches[i] == 0) {
            freer[numfree++] = i;
        } else if (matches[i] == 1) {
            int64_t j1 = rowsol[i];
            double min = DBL_MAX;
            for (int64_t j = 0; j < dim; j++)
                if (j != j1) {
                    double h = cost_at(c, i, j) - v[j];
                    if (h < min) min = h;
                }
            if (min < DBL_MAX) v[j1] -= min;
        }   /* a row that won several columns keeps the first; the others stay free */
    }

    /* 3. augmenting row reduction, two passes, capped against tie cycling */
    int64_t budget = ARR_BUMPS_PER_ROW * dim;
    for (int loop = 0; loop < 2; loop++) {
        int64_t k = 0, prv = numfree;
        numfree = 0;
        while (k < prv) {
            int64_t i = freer[k++];
            if (budget <= 0) { freer[numfree++] = i; continue; }
            double umin = cost_at(c, i, 0) - v[0], usubmin = DBL_MAX;
            int64_t j1 = 0, j2 = 0;
            for (int64_t j = 1; j < dim; j++) {
                double h = cost_at(c, i, j) - v[j];
                if (h < usubmin) {
                    if (h >= umin) { usubmin = h; j2 = j; }
                    else { usubmin = umin; umin = h; j2 = j1; j1 = j; }
                }
            }
            int64_t i0 = colsol[j1];
            if (umin < usubmin) v[j1] -= usubmin - umin;
            else if (i0 >= 0) { j1 = j2; i0 = colsol[j2]; }
            rowsol[i] = j1;
            colsol[j1] = i;
            if (i0 >= 0) {
                rowsol[i0] = -1;
                budget--;
                if (umin < usubmin) freer[--k] = i0;
                else freer[numfree++] = i0;
            }
        }
    }
    /* 4. augmentation */
    if (c->dense) {
        for (int64_t f = 0; f < numfree; f++) {
            int64_t freerow = freer[f], endofpath = -1, low = 0, up = 0, last = 0;
            double min = 0;
            for (int64_t j = 0; j < dim; j++) {
                d[j] = cost_at(c, freerow, j) - v[j];
                pred[j] = freerow;
                collist[j] = j;
            }
            int found = 0;
            do {
                if (up == low) {
                    last = low - 1;
                    min = d[collist[up++]];
                    for (int64_t k = up; k < dim; k++) {
                        int64_t j = collist[k];
                        double h = d[j];
                        if (h <= min) {
                            if (h < min) { up = low; min = h; }
                            collist[k] = collist[up];
                            collist[up++] = j;
                        }
                    }
                    for (int64_t k = low; k < up; k++)
                        if (colsol[collist[k]] < 0) { endofpath = collist[k]; found = 1; break; }
                }
                if (!found) {
                    int64_t j1 = collist[low++], i = colsol[j1];
                    double h = cost_at(c, i, j1) - v[j1] - min;
                    for (int64_t k = up; k < dim; k++) {
                        int64_t j = collist[k];
                        double v2 = cost_at(c, i, j) - v[j] - h;
                        if (v2 < d[j]) {
                            pred[j] = i;
                            if (v2 == min) {
                                if (colsol[j] < 0) { endofpath = j; found = 1; break; }
                                collist[k] = collist[up];
                                collist[up++] = j;
                            }
                            d[j] = v2;
                        }
                    }
                }
            } while (!found);
            for (int64_t k = 0; k <= last; k++) {
                int64_t j1 = collist[k];
                v[j1] += d[j1] - min;
            }
            flip_path(rowsol, colsol, pred, endofpath, freerow);
        }
} else if (augment_points(rowsol, colsol, v, c, freer, numfree)) {
        free(colsol); free(freer); free(collist); free(matches); free(pred); free(v); free(d);
        return wk_fail("grid: out of memory for a %lld-cell assignment", (long long)dim);
    }
    free(colsol); free(freer); free(collist); free(matches); free(pred); free(v); free(d);
    return WK_OK;
}

/* Solve and copy out the real rows. */
static int solve(int64_t *assign, double *total, const lap_cost *c)
{
    int64_t *rowsol = malloc((size_t)c->m * sizeof *rowsol);   /* (m) */
    if (!rowsol) return wk_fail("grid: out of memory");
    if (lapjv(rowsol, c)) { free(rowsol); return WK_ERR; }
    double s = 0;
    for (int64_t i = 0; i < c->n; i++) {
        assign[i] = rowsol[i];
        s += cost_at(c, i, rowsol[i]);
    }
    if (total) *total = s;
    free(rowsol);
    return WK_OK;
}

int wk_lap_dense(int64_t *assign, double *total, const double *cost, int64_t n, int64_t m)
{
    if (n < 1 || m < n) return wk_fail("lap: needs 1 <= rows <= columns, got %lld x %lld", (long long)n, (long long)m);
    for (int64_t i = 0; i < n * m; i++)
        if (!isfinite(cost[i])) return wk_fail("lap: cost (%lld, %lld) is not finite", (long long)(i / m + 1), (long long)(i % m + 1));
    lap_cost c = {.dense = cost, .n = n, .m = m};
    return solve(assign, total, &c);
}

/* cols x rows, checked: positive, no overflow, and the per-cell tables (about 80
 * bytes a cell) within the machine's memory. */
static int grid_cells(int64_t cols, int64_t rows, int64_t *m)
{
    if (cols < 1 || rows < 1) return wk_fail("grid: cols and rows must be positive, got %lld x %lld", (long long)cols, (long long)rows);
    if (wk_mul_overflows(cols, rows, m) || *m > WK_MAX_NUMEL)
        return wk_fail("grid: %lld x %lld cells is more than wick can hold", (long long)cols, (long long)rows);
    return wk_memory_check((double)*m * 80, "grid: the assignment");
}

int wk_lap_grid(int64_t *cell, double *total, const float *points, int64_t n, int64_t cols, int64_t rows)
{
    int64_t m = 0;
    if (grid_cells(cols, rows, &m)) return WK_ERR;
    if (n < 1) return wk_fail("grid: no points");
    if (n > m) return wk_fail("grid: %lld points do not fit %lld x %lld = %lld cells", (long long)n, (long long)cols, (long long)rows, (long long)m);
    for (int64_t i = 0; i < 2 * n; i++)
        if (!isfinite(points[i])) return wk_fail("grid: point %lld holds NaN or inf", (long long)(i / 2 + 1));
    double *px = malloc((size_t)n * sizeof *px), *py = malloc((size_t)n * sizeof *py);   /* (n) */
    double *cx = malloc((size_t)m * sizeof *cx), *cy = malloc((size_t)m * sizeof *cy);   /* (m) */
    int st = WK_ERR;
    if (!px || !py || !cx || !cy) { wk_fail("grid: out of memory"); goto done; }
    for (int64_t i = 0; i < n; i++) { px[i] = points[2 * i]; py[i] = points[2 * i + 1]; }
    for (int64_t k = 0; k < m; k++) {
        int64_t cc = k % cols, r = k / cols;
        cx[k] = cols > 1 ? (double)cc / (double)(cols - 1) : 0.0;
        cy[k] = rows > 1 ? (double)r / (double)(rows - 1) : 0.0;
    }
    lap_cost c = {.px = px, .py = py, .cx = cx, .cy = cy, .n = n, .m = m};
    st = solve(cell, total, &c);
done:
    free(px); free(py); free(cx); free(cy);
    return st;
}

/* ---- fast path: recursive bisection, exact LAPJV in the leaves ---------------------- *
 * For layouts too big for an exact solve (the exact solver's time grows about as
 * N^2.5: ~40 s at 8,100 points on one core), the grid is cut in two along its longer
 * side, the points are split by their coordinate along that axis in the same
 * proportion as the cells (ties by index), and each half is solved the same way until
 * a block has at most `leaf` cells, which LAPJV assigns exactly. The result is optimal
 * within each leaf but not across leaf borders. */

typedef struct split_ctx {
    const float *pts;          /* (n, 2) */
    int64_t cols, rows;
    int64_t leaf;
    int64_t *cell;             /* (n) output */
    int axis;                  /* the axis being sorted on */
} split_ctx;

static int cmp_axis(const void *a, const void *b, void *ctx)
{
    const split_ctx *s = ctx;
    int64_t i = *(const int64_t *)a, j = *(const int64_t *)b;
    float u = s->pts[2 * i + s->axis], v = s->pts[2 * j + s->axis];
    if (u != v) return u < v ? -1 : 1;
    return (i > j) - (i < j);
}

/* Points idx[0..n) into the block of cells [c0, c1) x [r0, r1). */
static int split_solve(split_ctx *s, int64_t *idx, int64_t n, int64_t c0, int64_t c1, int64_t r0, int64_t r1)
{
    int64_t bc = c1 - c0, br = r1 - r0, m = bc * br;
    if (n == 0) return WK_OK;
    if (m <= s->leaf) {
        double *px = malloc((size_t)n * sizeof *px), *py = malloc((size_t)n * sizeof *py);
        double *cx = malloc((size_t)m * sizeof *cx), *cy = malloc((size_t)m * sizeof *cy);
        int64_t *as = malloc((size_t)m * sizeof *as);
        int st = WK_ERR;
        if (px && py && cx && cy && as) {
            for (int64_t k = 0; k < n; k++) { px[k] = s->pts[2 * idx[k]]; py[k] = s->pts[2 * idx[k] + 1]; }
            for (int64_t k = 0; k < m; k++) {
                int64_t cc = c0 + k % bc, r = r0 + k / bc;
                cx[k] = s->cols > 1 ? (double)cc / (double)(s->cols - 1) : 0.0;
                cy[k] = s->rows > 1 ? (double)r / (double)(s->rows - 1) : 0.0;
            }
            lap_cost c = {.px = px, .py = py, .cx = cx, .cy = cy, .n = n, .m = m};
            st = solve(as, NULL, &c);
            if (!st)
                for (int64_t k = 0; k < n; k++) {
                    int64_t cc = c0 + as[k] % bc, r = r0 + as[k] / bc;
                    s->cell[idx[k]] = r * s->cols + cc;
                }
        } else {
            wk_fail("grid: out of memory");
        }
        free(px); free(py); free(cx); free(cy); free(as);
        return st;
    }
    int axis = bc >= br ? 0 : 1;   /* cut the longer side */
    s->axis = axis;
    qsort_r(idx, (size_t)n, sizeof *idx, cmp_axis, s);
    int64_t half = axis == 0 ? bc / 2 : br / 2;
    int64_t mlo = axis == 0 ? half * br : half * bc;
    /* points to the low half in proportion to its cells, never more than fit */
    int64_t nlo = (int64_t)llround((double)n * (double)mlo / (double)m);
    if (nlo > mlo) nlo = mlo;
    if (n - nlo > m - mlo) nlo = n - (m - mlo);
    if (axis == 0) {
        if (split_solve(s, idx, nlo, c0, c0 + half, r0, r1)) return WK_ERR;
        return split_solve(s, idx + nlo, n - nlo, c0 + half, c1, r0, r1);
    }
    if (split_solve(s, idx, nlo, c0, c1, r0, r0 + half)) return WK_ERR;
    return split_solve(s, idx + nlo, n - nlo, c0, c1, r0 + half, r1);
}

int wk_lap_grid_split(int64_t *cell, double *total, const float *points, int64_t n, int64_t cols,
                      int64_t rows, int64_t leaf)
{
    int64_t m = 0;
    if (grid_cells(cols, rows, &m)) return WK_ERR;
    if (n < 1) return wk_fail("grid: no points");
    if (n > m) return wk_fail("grid: %lld points do not fit %lld x %lld = %lld cells", (long long)n, (long long)cols, (long long)rows, (long long)m);
    for (int64_t i = 0; i < 2 * n; i++)
        if (!isfinite(points[i])) return wk_fail("grid: point %lld holds NaN or inf", (long long)(i / 2 + 1));
    if (leaf < 4) leaf = 4;
    int64_t *idx = malloc((size_t)n * sizeof *idx);
    if (!idx) return wk_fail("grid: out of memory");
    for (int64_t i = 0; i < n; i++) idx[i] = i;
    split_ctx s = {.pts = points, .cols = cols, .rows = rows, .leaf = leaf, .cell = cell};
    int st = split_solve(&s, idx, n, 0, cols, 0, rows);
    free(idx);
    if (st) return st;
    if (total) {
        double t = 0;
        for (int64_t i = 0; i < n; i++) {
            double cx = cols > 1 ? (double)(cell[i] % cols) / (double)(cols - 1) : 0.0;
            double cy = rows > 1 ? (double)(cell[i] / cols) / (double)(rows - 1) : 0.0;
            double dx = points[2 * i] - cx, dy = points[2 * i + 1] - cy;
            t += dx * dx + dy * dy;
        }
        *total = t;
    }
    return WK_OK;
}
