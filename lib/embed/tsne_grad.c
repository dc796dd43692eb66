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
 * Both split the points over threads and add the per-point Z terms in index order, so
 * the result does not depend on the thread count. 2-D FFT interpolation: tsne_fft.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsne.h"
#include "tsne_fft.h"

#ifdef _OPENMP
#define WK_OMP(x) _Pragma(x)
#else
#define WK_OMP(x)
#endif

/* ---- exact -------------------------------------------------------------------------- */

static void repulsion_exact(double *rep, double *zi, const double *y, int64_t n, int dims)
{
    WK_OMP("omp parallel for schedule(dynamic, 32) if(n >= 1024)")
    for (int64_t i = 0; i < n; i++) {
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
        for (int c = 0; c < dims; c++) rep[i * dims + c] = f[c];
        zi[i] = z;
    }
}

/* ---- Barnes-Hut tree ---------------------------------------------------------------- */

typedef struct bh_node {
    double center[3];   /* cell centre */
    double com[3];      /* centre of mass of its points */
    double half;        /* half the cell width */
    int64_t count;      /* points below */
    int64_t child;      /* first of 2^dims children, or -1 for a leaf */
} bh_node;

typedef struct bh_tree {
    bh_node *node;      /* (cap) */
    int64_t len, cap;
    int dims;
} bh_tree;

static int64_t bh_alloc_children(bh_tree *t, int64_t parent)
{
    int nc = 1 << t->dims;
    if (t->len + nc > t->cap) {
        int64_t cap = t->cap * 2 + nc;
        bh_node *p = realloc(t->node, (size_t)cap * sizeof *p);
        if (!p) return -1;
        t->node = p;
        t->cap = cap;
    }
    int64_t first = t->len;
    t->len += nc;
    const bh_node *pa = &t->node[parent];
    double h = pa->half / 2;
    for (int q = 0; q < nc; q++) {
        bh_node *c = &t->node[first + q];
        memset(c, 0, sizeof *c);
        c->child = -1;
        c->half = h;
        for (int k = 0; k < t->dims; k++) c->center[k] = pa->center[k] + ((q >> k) & 1 ? h : -h);
    }
    return first;
}

static int bh_octant(const bh_node *nd, const double *p, int dims)
{
    int q = 0;
    for (int k = 0; k < dims; k++) if (p[k] >= nd->center[k]) q |= 1 << k;
    return q;
}

static int bh_insert(bh_tree *t, const double *p)
{
    int dims = t->dims;
    int64_t cur = 0;
    for (int depth = 0;; depth++) {
        bh_node *nd = &t->node[cur];
        int64_t old = nd->count;
        for (int k = 0; k < dims; k++) nd->com[k] = (nd->com[k] * old + p[k]) / (old + 1);
        nd->count = old + 1;
        if (nd->child >= 0) {
            cur = nd->child + bh_octant(nd, p, dims);
            continue;
        }
        if (old == 0) return 0;
        /* A leaf that already holds points (all at one position: its old com). */
        double prev[3];
        int same = 1;
        for (int k = 0; k < dims; k++) {
            prev[k] = (nd->com[k] * (old + 1) - p[k]) / old;
            if (prev[k] != p[k]) same = 0;
        }
        if (same || depth > 60) return 0;   /* duplicates share the leaf */
        int64_t first = bh_alloc_children(t, cur);
        if (first < 0) return -1;
        nd = &t->node[cur];
        nd->child = first;
        bh_node *c = &t->node[first + bh_octant(nd, prev, dims)];
        for (int k = 0; k < dims; k++) c->com[k] = prev[k];
        c->count = old;
        cur = first + bh_octant(nd, p, dims);
    }
}

static int bh_build(bh_tree *t, const double *y, int64_t n, int dims)
{
    t->dims = dims;
    t->len = 1;
    double lo[3], hi[3];
    for (int k = 0; k < dims; k++) { lo[k] = INFINITY; hi[k] = -INFINITY; }
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < dims; k++) {
            if (y[i * dims + k] < lo[k]) lo[k] = y[i * dims + k];
            if (y[i * dims + k] > hi[k]) hi[k] = y[i * dims + k];
        }
    bh_node *r = &t->node[0];
    memset(r, 0, sizeof *r);
    r->child = -1;
    double half = 0;
    for (int k = 0; k < dims; k++) {
        r->center[k] = (lo[k] + hi[k]) / 2;
        if ((hi[k] - lo[k]) / 2 > half) half = (hi[k] - lo[k]) / 2;
    }
    r->half = half * (1 + 1e-9) + 1e-12;
    for (int64_t i = 0; i < n; i++)
        if (bh_insert(t, y + i * dims)) return -1;
    return 0;
}

static void bh_force(const bh_tree *t, const double *yi, double theta2, double *f, double *z)
{
    int dims = t->dims, nc = 1 << dims;
    int64_t stack[64 * 8 + 8];
    int sp = 0;
    if (t->node[0].count) stack[sp++] = 0;
    while (sp > 0) {
        const bh_node *nd = &t->node[stack[--sp]];
        double diff[3], d2 = 0;
        for (int k = 0; k < dims; k++) { diff[k] = yi[k] - nd->com[k]; d2 += diff[k] * diff[k]; }
        double width = 2 * nd->half;
        if (nd->child < 0 || width * width < theta2 * d2) {
            if (d2 == 0) { *z += (double)(nd->count - 1); continue; }   /* itself and duplicates */
            double w = 1.0 / (1.0 + d2), cw = nd->count * w;
            *z += cw;
            for (int k = 0; k < dims; k++) f[k] += cw * w * diff[k];
        } else {
            for (int q = 0; q < nc; q++)
                if (t->node[nd->child + q].count) stack[sp++] = nd->child + q;
        }
    }
}

static int repulsion_bh(double *rep, double *zi, const double *y, int64_t n, int dims, double theta)
{
    bh_tree t = {0};
    t.cap = 2 * n + 16;
    t.node = malloc((size_t)t.cap * sizeof *t.node);
    if (!t.node || bh_build(&t, y, n, dims)) {
        free(t.node);
        return wk_fail("tsne: out of memory for the Barnes-Hut tree of %lld points", (long long)n);
    }
    double theta2 = theta * theta;
    WK_OMP("omp parallel for schedule(dynamic, 64) if(n >= 4096)")
    for (int64_t i = 0; i < n; i++) {
        double f[3] = {0, 0, 0}, z = 0;
        bh_force(&t, y + i * dims, theta2, f, &z);
        for (int k = 0; k < dims; k++) rep[i * dims + k] = f[k];
        zi[i] = z;
    }
    free(t.node);
    return WK_OK;
}

/* ---- dispatch ----------------------------------------------------------------------- */

int wk_tsne_repulsion(double *rep, double *z, const double *y, int64_t n, int dims, int method,
                      double theta)
{
    if (method == WK_TSNE_FFT) {
        if (dims != 2) return wk_fail("tsne: FFT interpolation is 2-D only");
        return wk_tsne_fft_repulsion(rep, z, y, n);
    }
    double *zi = malloc((size_t)n * sizeof *zi);   /* (n) per-point Z terms */
    if (!zi) return wk_fail("tsne: out of memory");
    int st = WK_OK;
    if (method == WK_TSNE_EXACT) repulsion_exact(rep, zi, y, n, dims);
    else st = repulsion_bh(rep, zi, y, n, dims, theta);
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += zi[i];
    *z = s;
    free(zi);
    return st;
}
