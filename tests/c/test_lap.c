/* test_lap.c — Jonker-Volgenant assignment: optimal against brute force (every
 * injection, n <= 8) and against a Hungarian reference (n = 100), grid snapping, ties
 * that must terminate, and bad input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/embed/lap.h"
#include "check.h"

/* Least total cost over every injection of n rows into m columns. */
static double brute(const double *c, int n, int m, int row, int *used)
{
    if (row == n) return 0;
    double best = INFINITY;
    for (int j = 0; j < m; j++) {
        if (used[j]) continue;
        used[j] = 1;
        double v = c[row * m + j] + brute(c, n, m, row + 1, used);
        used[j] = 0;
        if (v < best) best = v;
    }
    return best;
}

static int is_injection(const int64_t *a, int64_t n, int64_t m)
{
    char *seen = calloc((size_t)m, 1);
    int ok = 1;
    for (int64_t i = 0; i < n; i++) {
        if (a[i] < 0 || a[i] >= m || seen[a[i]]) ok = 0;
        else seen[a[i]] = 1;
    }
    free(seen);
    return ok;
}

TEST(brute_force_small)
{
    wk_rng_seed(11);
    int bad = 0;
    for (int trial = 0; trial < 300; trial++) {
        int n = 1 + (int)wk_rng_below(8), m = n + (int)wk_rng_below(9 - n);
        double c[64];
        int used[8] = {0};
        for (int k = 0; k < n * m; k++)
            c[k] = trial % 3 == 0 ? (double)wk_rng_below(4) : wk_rng_uniform_double();   /* ties */
        int64_t a[8];
        double total;
        CHECK(wk_lap_dense(a, &total, c, n, m) == WK_OK);
        double s = 0;
        for (int i = 0; i < n; i++) s += c[i * m + a[i]];
        if (!is_injection(a, n, m) || fabs(total - brute(c, n, m, 0, used)) > 1e-12 || fabs(s - total) > 1e-12) bad++;
    }
    CHECK(bad == 0);
}

/* O(n^3) Hungarian algorithm (potentials, shortest augmenting paths), square. */
static double hungarian(const double *a, int n)
{
    double *u = calloc(n + 1, sizeof *u), *v = calloc(n + 1, sizeof *v), *minv = malloc((n + 1) * sizeof *minv);
    int *p = calloc(n + 1, sizeof *p), *way = calloc(n + 1, sizeof *way);
    char *used = malloc(n + 1);
    for (int i = 1; i <= n; i++) {
        p[0] = i;
        int j0 = 0;
        for (int j = 0; j <= n; j++) { minv[j] = INFINITY; used[j] = 0; }
        do {
            used[j0] = 1;
            int i0 = p[j0], j1 = 0;
            double delta = INFINITY;
            for (int j = 1; j <= n; j++)
                if (!used[j]) {
                    double cur = a[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
            for (int j = 0; j <= n; j++)
                if (used[j]) { u[p[j]] += delta; v[j] -= delta; }
                else minv[j] -= delta;
            j0 = j1;
        } while (p[j0] != 0);
        do { int j1 = way[j0]; p[j0] = p[j1]; j0 = j1; } while (j0);
    }
    double s = 0;
    for (int j = 1; j <= n; j++) s += a[(p[j] - 1) * n + (j - 1)];
    free(u); free(v); free(minv); free(p); free(way); free(used);
    return s;
}

TEST(hungarian_reference)
{
    wk_rng_seed(12);
    int n = 100;
    double *c = malloc(n * n * sizeof *c);
    int64_t a[100];
    for (int trial = 0; trial < 4; trial++) {
        for (int k = 0; k < n * n; k++) c[k] = trial == 3 ? (double)wk_rng_below(10) : wk_rng_uniform_double();
        double total;
        CHECK(wk_lap_dense(a, &total, c, n, n) == WK_OK);
        CHECK(is_injection(a, n, n));
        CHECK_NEAR(total, hungarian(c, n), 1e-9);
    }
    free(c);
}

TEST(grid_snapping)
{
    /* 100 random points to a 10x10 grid: agrees with the dense solver on the same costs */
    wk_rng_seed(13);
    int n = 100, cols = 10, rows = 10;
    float pts[200];
    for (int k = 0; k < 2 * n; k++) pts[k] = wk_rng_uniform();
    double *c = malloc(n * n * sizeof *c);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            double dx = pts[2 * i] - (k % cols) / 9.0, dy = pts[2 * i + 1] - (k / cols) / 9.0;
            c[i * n + k] = dx * dx + dy * dy;
        }
    int64_t a[100];
    double t1, t2;
    CHECK(wk_lap_grid(a, &t1, pts, n, cols, rows) == WK_OK);
    CHECK(is_injection(a, n, n));
    CHECK_NEAR(t1, hungarian(c, n), 1e-9);
    CHECK(wk_lap_dense(a, &t2, c, n, n) == WK_OK);
    CHECK_NEAR(t1, t2, 1e-9);
    /* points exactly on cells land on their own cell */
    float on[6] = {0, 0, 1, 1, 0.5f, 0};
    int64_t b[3];
    CHECK(wk_lap_grid(b, &t1, on, 3, 3, 2) == WK_OK);
    CHECK(b[0] == 0 && b[1] == 5 && b[2] == 1);
    CHECK_NEAR(t1, 0, 1e-12);
    /* fewer points than cells: brute force over injections */
    float few[14];
    for (int k = 0; k < 14; k++) few[k] = wk_rng_uniform();
    double cf[7 * 9];
    for (int i = 0; i < 7; i++)
        for (int k = 0; k < 9; k++) {
            double dx = few[2 * i] - (k % 3) / 2.0, dy = few[2 * i + 1] - (k / 3) / 2.0;
            cf[i * 9 + k] = dx * dx + dy * dy;
        }
    int used[9] = {0};
    int64_t f[7];
    CHECK(wk_lap_grid(f, &t1, few, 7, 3, 3) == WK_OK);
    CHECK(is_injection(f, 7, 9));
    CHECK_NEAR(t1, brute(cf, 7, 9, 0, used), 1e-7);
    free(c);
}

TEST(ties_terminate)
{
    /* every point identical, every cost equal: terminates with a valid assignment */
    int n = 400;
    float *pts = malloc(2 * n * sizeof *pts);
    for (int k = 0; k < 2 * n; k++) pts[k] = 0.5f;
    int64_t *a = malloc(n * sizeof *a);
    double t;
    CHECK(wk_lap_grid(a, &t, pts, n, 20, 20) == WK_OK);
    CHECK(is_injection(a, n, n));
    double *c = calloc(n * n, sizeof *c);
    CHECK(wk_lap_dense(a, &t, c, n, n) == WK_OK);
    CHECK(is_injection(a, n, n));
    CHECK(t == 0);
    free(pts); free(a); free(c);
}

TEST(bad_input)
{
    float pts[8] = {0, 0, 1, 1, 0.5f, 0.5f, NAN, 0};
    int64_t a[4];
    double t;
    CHECK(wk_lap_grid(a, &t, pts, 4, 1, 3) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "do not fit") != NULL);
    CHECK(wk_lap_grid(a, &t, pts, 4, 2, 2) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "point 4") != NULL);
    double c[2] = {1, INFINITY};
    CHECK(wk_lap_dense(a, &t, c, 1, 2) == WK_ERR);
}

TEST(split_fast_path)
{
    /* a valid assignment, exact when one leaf holds the whole grid, close otherwise */
    wk_rng_seed(14);
    int n = 900, side = 30;
    float *pts = malloc(2 * n * sizeof *pts);
    for (int k = 0; k < 2 * n; k++) pts[k] = wk_rng_uniform();
    int64_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    double exact, whole, split;
    CHECK(wk_lap_grid(a, &exact, pts, n, side, side) == WK_OK);
    CHECK(wk_lap_grid_split(b, &whole, pts, n, side, side, n) == WK_OK);
    CHECK_NEAR(whole, exact, 1e-9);
    CHECK(wk_lap_grid_split(b, &split, pts, n - 17, side, side, 100) == WK_OK);
    CHECK(is_injection(b, n - 17, n));
    CHECK(wk_lap_grid_split(b, &split, pts, n, side, side, 100) == WK_OK);
    CHECK(is_injection(b, n, n));
    printf("  split (leaf 100) cost %.4f vs exact %.4f (+%.1f%%)\n", split, exact, 100 * (split / exact - 1));
    CHECK(split >= exact - 1e-9);
    CHECK(split < exact * 1.5);
    free(pts); free(a); free(b);
}

int main(void)
{
    RUN(brute_force_small);
    RUN(hungarian_reference);
    RUN(grid_snapping);
    RUN(ties_terminate);
    RUN(bad_input);
    RUN(split_fast_path);
    return check_summary("lap");
}
