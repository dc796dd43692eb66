/* tsne.h — t-distributed stochastic neighbour embedding (van der Maaten 2008, 2014;
 * Linderman et al. 2019) in 2 or 3 dimensions.
 *
 * A wk_tsne holds one optimisation: the sparse symmetric affinities P of the input
 * (exact k = 3*perplexity+1 nearest neighbours, perplexity calibrated per point by
 * bisection), the positions Y, and the optimiser state (momentum, gains). Each step
 * computes one gradient — exactly over all pairs, by Barnes-Hut (2-D and 3-D), or by
 * FFT-accelerated interpolation (2-D) — and moves Y. Randomness (random init only) comes
 * from wick's seeded generator. Threads: wick's pool (lib/core/threads.h); loops
 * over points split across threads from ~4,000 points up (below that a step takes
 * about a millisecond and the barriers cost more than they save, worst on a busy
 * machine), and every sum is reduced in a fixed order, so one seed gives one result on
 * any thread count. */
#ifndef WK_EMBED_TSNE_H
#define WK_EMBED_TSNE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"

enum { WK_TSNE_AUTO = 0, WK_TSNE_EXACT, WK_TSNE_BH, WK_TSNE_FFT };

typedef struct wk_tsne_opts {
    int dims;                 /* 2 or 3 */
    double perplexity;        /* 30; needs n > 3*perplexity + 1 */
    int method;               /* WK_TSNE_*; auto: exact below 1,000 points, FFT for 2-D from
                               * 25,000 points, else Barnes-Hut */
    double theta;             /* Barnes-Hut opening angle, 0.35 (see tsne.c) */
    double learning_rate;     /* <= 0: auto = max(n / early_exaggeration, 50) */
    double early_exaggeration;     /* 12 */
    int exaggeration_iters;        /* 250: also when momentum goes 0.5 -> 0.8 */
    int init_pca;             /* 1: PCA of x scaled to std 1e-4 (openTSNE); 0: N(0, 1e-4) */
    const float *init;        /* (n, dims) or NULL: start here instead */
} wk_tsne_opts;

typedef struct wk_tsne wk_tsne;

/* Fills the defaults above. */
void wk_tsne_default_opts(wk_tsne_opts *o);

/* Builds P from x (n, d) and the initial positions. Fails with a reason on non-finite
 * rows, too few points for the perplexity, bad options, or out of memory. */
int wk_tsne_new(wk_tsne **out, const float *x, int64_t n, int64_t d, const wk_tsne_opts *o);
void wk_tsne_free(wk_tsne *t);

/* One gradient-descent iteration. */
int wk_tsne_step(wk_tsne *t);
/* Positions after the last step, copied to y (n, dims) as float32. */
void wk_tsne_positions(float *y, const wk_tsne *t);
/* KL(P || Q) at the current positions: exact (O(n^2)) when exact is set, else with Z
 * from the step's own method (Barnes-Hut or FFT) at these positions — one more gradient
 * evaluation's worth of work. NAN if memory runs out. */
double wk_tsne_kl(wk_tsne *t, int exact);
int wk_tsne_iteration(const wk_tsne *t);
int64_t wk_tsne_n(const wk_tsne *t);
/* Bytes held for P and the optimiser state (the step's scratch comes on top). */
size_t wk_tsne_bytes(const wk_tsne *t);
int wk_tsne_dims(const wk_tsne *t);
int wk_tsne_method(const wk_tsne *t);

/* ---- pieces, public for tests ---------------------------------------------------- */

/* Exact k nearest neighbours of every row of x (n, d) by blocked SGEMM distances:
 * idx (n, k) and squared distances dist (n, k), nearest first, self excluded. */
int wk_tsne_knn(int64_t *idx, float *dist, const float *x, int64_t n, int64_t d, int k);
/* Conditional p_{j|i} for one row of k squared distances, by bisection on the
 * precision until the entropy is log(perplexity) (nats). Returns the entropy reached. */
double wk_tsne_calibrate(double *p, const float *dist, int k, double perplexity);

/* Memory the repulsion keeps from call to call, so that a step allocates nothing once
 * warm: the Barnes-Hut tree (built, then flattened), the per-point Z terms, the FFT
 * path's plans and grids. Start it
 * zeroed; wk_tsne_scratch_free releases it. */
typedef struct wk_tsne_scratch {
    struct bh_node *node;   /* (node_cap) tree with child links, `nodes` in use */
    struct bh_cell *cell;   /* (cell_cap) the same tree depth-first, `cells` in use */
    int64_t nodes, node_cap, cells, cell_cap;
    double *zi;             /* (zi_cap) per-point Z terms */
    int64_t zi_cap;
    struct wk_tsne_fft_scratch *fft;   /* FFT plans and grids (tsne_fft.c), or NULL */
} wk_tsne_scratch;
void wk_tsne_scratch_free(wk_tsne_scratch *s);

/* Gradient pieces on positions y (n, dims), double: the repulsive forces
 * rep (n, dims) = sum_j w_ij^2 (y_i - y_j) with w = 1/(1+|y_i-y_j|^2), and returns
 * Z = sum_{i != j} w_ij. method picks exact, Barnes-Hut (theta) or FFT (2-D).
 * scratch may be NULL (memory is then taken and released within the call). */
int wk_tsne_repulsion(double *rep, double *z, const double *y, int64_t n, int dims,
                      int method, double theta, wk_tsne_scratch *scratch);

#endif
