/* lap.h — linear assignment (Jonker-Volgenant, "LAPJV") in float64: the one-to-one
 * assignment of n rows to m >= n columns of least total cost. Used to snap a 2-D layout
 * to a grid (wick.embed.grid). */
#ifndef WK_EMBED_LAP_H
#define WK_EMBED_LAP_H

#include <stdint.h>

#include "../core/error.h"

/* assign (n): the column of each row, 0-based; total: the summed cost (may be NULL).
 * cost (n, m) row-major, finite; n <= m. Ties break deterministically (lowest index). */
int wk_lap_dense(int64_t *assign, double *total, const double *cost, int64_t n, int64_t m);

/* Points (n, 2) to a cols x rows grid whose cell k = r*cols + c (0-based, row-major)
 * sits at (c/(cols-1), r/(rows-1)) (0 when that axis has one cell); cost is the squared
 * distance, computed on the fly in float64, so memory is O(n + cells), not O(n * cells).
 * cell (n) receives each point's cell; needs n <= cols*rows. Optimal (exact LAPJV). */
int wk_lap_grid(int64_t *cell, double *total, const float *points, int64_t n, int64_t cols,
                int64_t rows);

/* The fast path for big layouts: the grid is halved along its longer side (points
 * split in proportion by that coordinate) until blocks hold at most `leaf` cells, and
 * each block is solved exactly. Not optimal across block borders. Measured on 8,100
 * uniform points (tests/bench/bench_lap.c, loaded machine): leaf 1,024 gives a total
 * squared distance 30% above the optimum (RMS move 0.016 instead of 0.014 of the
 * square) in 2.8 s against 121 s exact; leaf 2,048, 24% above in 6.7 s. Time is about
 * (n / leaf) exact solves of `leaf` cells; memory O(n + cells). */
int wk_lap_grid_split(int64_t *cell, double *total, const float *points, int64_t n, int64_t cols,
                      int64_t rows, int64_t leaf);

#endif
