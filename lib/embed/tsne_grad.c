/* tsne_grad.c — the repulsive half of the t-SNE gradient, exactly or by Barnes-Hut.
 *
 *   rep_i = sum_{j != i} w_ij^2 (y_i - y_j),   Z = sum_{i != j} w_ij,   w = 1/(1+d^2)
 *
 * Exact: every pair, O(n^2) — the reference, and the fastest below ~1,000 points.
 * Barnes-Hut (van der Maaten 2014): a 2^dims-ary space-partitioning tree (quadtree in
 * 2-D, octree in 3-D) holding each cell's point count and centre of mass; a cell whose
 * width / distance < theta stands in for all its points. Identical points share a leaf
 * (they are counted, never split), so duplicates cannot recurse forever; a leaf at
 * distance 0 from the query contributes count-1 pairs of w = 1 and no force.
 * Both split the points into fixed chunks on the thread pool (core/threads.h), each point
 * written by one chunk, and add the per-point Z terms in index order, so the result does
 * not depend on the thread count. 2-D FFT interpolation: tsne_fft.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/threads.h"
#include "tsne.h"
#include "tsne_fft.h"

/* ---- exact -------------------------------------------------------------------------- */

/* What a chunk of query points needs (exact and Barnes-Hut). */
typedef struct repulsion_args {
    double *rep;            /* (n, dims) */
    double *zi;             /* (n) per-point Z terms */
    const double *y;        /* (n, dims) */
    int64_t n;
    int dims;
    const struct bh_cell *cell;   /* Barnes-Hut: the flat tree */
    int64_t ncell;
    double theta2;
} repulsion_args;

static void repulsion_exact_rows(void *ctx, int64_t begin, int64_t end, int worker)
{
    const repulsion_args *a = ctx;
    const double *y = a->y;
    const int64_t n = a->n;
    const int dims = a->dims;
    for (int64_t i = begin; i < end; i++) {
        const double *yi = y + i * dims;
        double f[3] = {0, 0, 0}, z = 0;
        for (int64_t j = 0; j < n; j++) {
            if (j == i) continue;
            const double *yj = y + j * dims;
            double diff[3], d2 = 0;
            for (int c = 0; c < dims; c++) { diff[c] = yi[c] - yj[c]; d2 += diff[c] * diff[c]; }
            double w = 1.0 / (1.0 + d2);
            z += w;
            for (int c = 0; c < dims; c++) f[c] += w * w * diff[c];
        }
        for (int c = 0; c < dims; c++) a->rep[i * dims + c] = f[c];
        a->zi[i] = z;
    }
}

/* A point costs n pairs: chunks of 32 points from 1,024 points on. */
static void repulsion_exact(double *rep, double *zi, const double *y, int64_t n, int dims)
{
    repulsion_args a = {.rep = rep, .zi = zi, .y = y, .n = n, .dims = dims};
    wk_parallel_for(n, n >= 1024 ? 32 : n, repulsion_exact_rows, &a);
}

/* ---- Barnes-Hut tree ---------------------------------------------------------------- */

/* The tree is built with explicit child links, then flattened depth-first into cells that
 * carry a skip index (the cell after their subtree): a query walks the flat array front
 * to back, jumping over every subtree it summarises, with no stack and in memory order.
 * Measured on Fashion-MNIST, 5,000 points, 1,000 iterations, theta 0.5, 2 threads: the
 * whole run went from 8.98 s (stack of child links; the walk was 78 % of a step) to
 * 7.29 s. The tree memory lives in a wk_tsne_scratch kept by the caller. */
typedef struct bh_node {
    double center[3];   /* cell centre */
    double com[3];      /* centre of mass of its points */
    double half;        /* half the cell width */
    int64_t count;      /* points below */
    int64_t child;      /* first of 2^dims children, or -1 for a leaf */
    int64_t point;      /* a leaf's point (row of y); its copies share the leaf */
} bh_node;

typedef struct bh_cell {
    double com[3];      /* centre of mass */
    double w2;          /* squared cell width; -1 on leaves, so a leaf is always accepted */
    double count;       /* points below */
    int64_t skip;       /* index of the first cell after this subtree */
} bh_cell;

static int64_t bh_alloc_children(wk_tsne_scratch *s, int dims, int64_t parent)
{
    int nc = 1 << dims;
    if (s->nodes + nc > s->node_cap) {
        int64_t cap = s->node_cap * 2 + nc;
        bh_node *p = realloc(s->node, (size_t)cap * sizeof *p);
        if (!p) return -1;
        s->node = p;
        s->node_cap = cap;
    }
    int64_t first = s->nodes;
    s->nodes += nc;
    const bh_node *pa = &s->node[parent];
    double h = pa->half / 2;
    for (int q = 0; q < nc; q++) {
        bh_node *c = &s->node[first + q];
        memset(c, 0, sizeof *c);
        c->child = -1;
        c->half = h;
        for (int k = 0; k < dims; k++) c->center[k] = pa->center[k] + ((q >> k) & 1 ? h : -h);
    }
    return first;
}

static int bh_octant(const bh_node *nd, const double *p, int dims)
{
    int q = 0;
    for (int k = 0; k < dims; k++) if (p[k] >= nd->center[k]) q |= 1 << k;
    return q;
}

/* Inserts row i of y. A leaf keeps the exact position of its point (not a running
 * mean), so a query finds its own leaf at distance exactly 0 and leaves itself out of Z;
 * recovering the position from the mean when a leaf splits used to be off by rounding,
 * and every such point then counted itself once in Z (3 % of Z at 300 points). */
static int bh_insert(wk_tsne_scratch *s, int dims, const double *y, int64_t i)
{
    const double *p = y + i * dims;
    int64_t cur = 0;
    for (int depth = 0;;) {
        bh_node *nd = &s->node[cur];
        int64_t old = nd->count;
        if (nd->child >= 0) {
            for (int k = 0; k < dims; k++) nd->com[k] = (nd->com[k] * old + p[k]) / (old + 1);
            nd->count = old + 1;
            cur = nd->child + bh_octant(nd, p, dims);
            depth++;
            continue;
        }
        if (old == 0) {
            for (int k = 0; k < dims; k++) nd->com[k] = p[k];
            nd->count = 1;
            nd->point = i;
            return 0;
        }
        const double *q = y + nd->point * dims;   /* the leaf's point, `old` copies of it */
        int same = 1;
        for (int k = 0; k < dims; k++) same &= q[k] == p[k];
        if (same || depth > 60) {   /* duplicates share the leaf (as do points 2^-60 apart) */
            nd->count = old + 1;
            return 0;
        }
        int64_t first = bh_alloc_children(s, dims, cur);
        if (first < 0) return -1;
        nd = &s->node[cur];
        nd->child = first;
        bh_node *c = &s->node[first + bh_octant(nd, q, dims)];
        for (int k = 0; k < dims; k++) c->com[k] = q[k];
        c->count = old;
        c->point = nd->point;
        /* cur is inner now, holding the old copies; the next pass adds p and descends
         * (depth counts levels, not passes) */
    }
}

/* Copies the subtree under node into s->cell depth-first, empty cells left out. */
static void bh_flatten(wk_tsne_scratch *s, int dims, int64_t node)
{
    const bh_node *nd = &s->node[node];
    int64_t me = s->cells++;
    bh_cell *c = &s->cell[me];
    for (int k = 0; k < 3; k++) c->com[k] = k < dims ? nd->com[k] : 0;
    c->w2 = nd->child < 0 ? -1 : 4 * nd->half * nd->half;
    c->count = (double)nd->count;
    if (nd->child >= 0)
        for (int q = 0; q < 1 << dims; q++)
            if (s->node[nd->child + q].count) bh_flatten(s, dims, nd->child + q);
    s->cell[me].skip = s->cells;
}

static int bh_build(wk_tsne_scratch *s, const double *y, int64_t n, int dims)
{
    if (s->node_cap < 2 * n + 16) {
        free(s->node);
        s->node_cap = 2 * n + 16;
        s->node = malloc((size_t)s->node_cap * sizeof *s->node);
        if (!s->node) { s->node_cap = 0; return -1; }
    }
    s->nodes = 1;
    double lo[3], hi[3];
    for (int k = 0; k < dims; k++) { lo[k] = INFINITY; hi[k] = -INFINITY; }
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < dims; k++) {
            if (y[i * dims + k] < lo[k]) lo[k] = y[i * dims + k];
            if (y[i * dims + k] > hi[k]) hi[k] = y[i * dims + k];
        }
    bh_node *r = &s->node[0];
    memset(r, 0, sizeof *r);
    r->child = -1;
    double half = 0;
    for (int k = 0; k < dims; k++) {
        r->center[k] = (lo[k] + hi[k]) / 2;
        if ((hi[k] - lo[k]) / 2 > half) half = (hi[k] - lo[k]) / 2;
    }
    r->half = half * (1 + 1e-9) + 1e-12;
    for (int64_t i = 0; i < n; i++)
        if (bh_insert(s, dims, y, i)) return -1;
    if (s->cell_cap < s->nodes) {
        free(s->cell);
        s->cell_cap = s->node_cap;
        s->cell = malloc((size_t)s->cell_cap * sizeof *s->cell);
        if (!s->cell) { s->cell_cap = 0; return -1; }
    }
    s->cells = 0;
    bh_flatten(s, dims, 0);
    return 0;
}

/* One query against the flat tree; dims is a constant at each call site, so the inner
 * loops unroll. A leaf at distance 0 holds the query itself (and its duplicates): it adds
 * count - 1 pairs of w = 1 to Z and no force. */
static inline __attribute__((always_inline)) void bh_query(const bh_cell *cell, int64_t ncell, const double *yi,
                                                           double theta2, int dims, double *f, double *z)
{
    double fs[3] = {0, 0, 0}, zs = 0;
    int64_t i = 0;
    while (i < ncell) {
        const bh_cell *c = &cell[i];
        double diff[3], d2 = 0;
        for (int k = 0; k < dims; k++) { diff[k] = yi[k] - c->com[k]; d2 += diff[k] * diff[k]; }
        if (c->w2 < theta2 * d2) {   /* leaves too: w2 = -1 */
            double w = 1.0 / (1.0 + d2), cw = c->count * w;
            zs += d2 > 0 ? cw : cw - 1;
            for (int k = 0; k < dims; k++) fs[k] += cw * w * diff[k];
            i = c->skip;
        } else {
            i++;
        }
    }
    for (int k = 0; k < dims; k++) f[k] = fs[k];
    *z = zs;
}

static void repulsion_bh_rows(void *ctx, int64_t begin, int64_t end, int worker)
{
    const repulsion_args *a = ctx;
    const bh_cell *cell = a->cell;
    const int64_t ncell = a->ncell;
    const double *y = a->y, theta2 = a->theta2;
    double *rep = a->rep, *zi = a->zi;
    if (a->dims == 2)
        for (int64_t i = begin; i < end; i++) bh_query(cell, ncell, y + i * 2, theta2, 2, rep + i * 2, zi + i);
    else
        for (int64_t i = begin; i < end; i++) bh_query(cell, ncell, y + i * 3, theta2, 3, rep + i * 3, zi + i);
}

static int repulsion_bh(double *rep, double *zi, const double *y, int64_t n, int dims, double theta,
                        wk_tsne_scratch *s)
{
    if (bh_build(s, y, n, dims))
        return wk_fail("tsne: out of memory for the Barnes-Hut tree of %lld points", (long long)n);
    /* Queries cost unevenly (dense clusters open more cells): chunks of 64 points, claimed
     * one at a time, balance the threads (one chunk below 4,096 points). */
    repulsion_args a = {.rep = rep, .zi = zi, .y = y, .n = n, .dims = dims, .cell = s->cell, .ncell = s->cells,
                        .theta2 = theta * theta};
    wk_parallel_for(n, n >= 4096 ? 64 : n, repulsion_bh_rows, &a);
    return WK_OK;
}

/* ---- dispatch ----------------------------------------------------------------------- */

void wk_tsne_scratch_free(wk_tsne_scratch *s)
{
    free(s->node);
    free(s->cell);
    free(s->zi);
    wk_tsne_fft_scratch_free(s->fft);
    memset(s, 0, sizeof *s);
}

int wk_tsne_repulsion(double *rep, double *z, const double *y, int64_t n, int dims, int method,
                      double theta, wk_tsne_scratch *scratch)
{
    if (method == WK_TSNE_FFT) {
        if (dims != 2) return wk_fail("tsne: FFT interpolation is 2-D only");
        return wk_tsne_fft_repulsion(rep, z, y, n, scratch ? &scratch->fft : NULL);
    }
    wk_tsne_scratch own = {0}, *s = scratch ? scratch : &own;
    if (s->zi_cap < n) {
        free(s->zi);
        s->zi = malloc((size_t)n * sizeof *s->zi);   /* (n) per-point Z terms */
        s->zi_cap = s->zi ? n : 0;
        if (!s->zi) return wk_fail("tsne: out of memory");
    }
    int st = WK_OK;
    if (method == WK_TSNE_EXACT) repulsion_exact(rep, s->zi, y, n, dims);
    else st = repulsion_bh(rep, s->zi, y, n, dims, theta, s);
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += s->zi[i];
    *z = sum;
    if (s == &own) wk_tsne_scratch_free(&own);
    return st;
}
