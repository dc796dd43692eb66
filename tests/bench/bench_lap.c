/* bench_lap.c — wick's grid snapping (wk_lap_grid, exact LAPJV, float64) on the points
 * that bench_lap.sh writes (the same uniform points, seed 0, as SciPy's run in
 * ../shared/peers/bench_lap.py). Usage: bench_lap POINTS.f64 N [LEAF]: with LEAF, the
 * fast path (wk_lap_grid_split) instead of the exact solve. Prints wall seconds and the
 * total squared distance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../lib/embed/lap.h"

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: bench_lap POINTS.f64 N\n"); return 2; }
    long n = atol(argv[2]);
    long s = lround(sqrt((double)n));
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    double *p = malloc(2 * n * sizeof *p);
    float *pf = malloc(2 * n * sizeof *pf);
    if (fread(p, sizeof *p, 2 * n, f) != (size_t)(2 * n)) { fprintf(stderr, "short read\n"); return 1; }
    fclose(f);
    for (long i = 0; i < 2 * n; i++) pf[i] = (float)p[i];
    int64_t *cell = malloc(n * sizeof *cell);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double total;
    long leaf = argc > 3 ? atol(argv[3]) : 0;
    int st = leaf ? wk_lap_grid_split(cell, &total, pf, n, s, s, leaf) : wk_lap_grid(cell, &total, pf, n, s, s);
    if (st) { fprintf(stderr, "%s\n", wk_errmsg()); return 1; }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* recompute the cost from the float64 points, as the peer does */
    double tot = 0;
    for (long i = 0; i < n; i++) {
        double dx = p[2 * i] - (double)(cell[i] % s) / (s - 1), dy = p[2 * i + 1] - (double)(cell[i] / s) / (s - 1);
        tot += dx * dx + dy * dy;
    }
    printf("RESULT lap_grid_snap wick%s n%ld threads=1 wall_s=%.3f total_cost=%.6f\n", leaf ? "-split" : "", n,
           (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec), tot);
    return 0;
}
