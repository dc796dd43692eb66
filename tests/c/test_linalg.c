/* test_linalg.c — matmul, dot and outer against a float64 reference.
 *
 * The reference is written from NumPy's rules directly (not from linalg.c's promotion to
 * batches of matrices): for every output element it sums a·b in double over the shared
 * axis, reading both operands through their strides with broadcast batch indices.
 * Tolerance: |wick - ref| <= 1e-5 * sum_p |a_p * b_p| for each element (float32
 * accumulation over k terms: k * 2^-24 stays below 1e-5 for the k < 160 used here).
 * Each test prints the largest such relative difference it saw. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/tensor/linalg.h"
#include "check.h"
#include "tensor_fixtures.h"

#define REL_TOL 1e-5

/* ---- helpers -------------------------------------------------------------------- */

static int64_t rnd(int64_t lo, int64_t hi) { return lo + (int64_t)wk_rng_below((uint64_t)(hi - lo + 1)); }

static double max_rel_seen;

/* Compare c = a @ b with the float64 reference; returns the number of bad elements. */
static int check_product(const wk_tensor *c, const wk_tensor *a, const wk_tensor *b)
{
    int nd = c->ndim;
    /* batch dims of the output: all but the matrix dims each operand contributes */
    int nb = nd - (a->ndim >= 2) - (b->ndim >= 2);
    int64_t k = a->shape[a->ndim - 1];
    int64_t at[WK_MAX_DIMS] = {0};
    int bad = 0;
    for (int64_t e = 0; e < wk_tensor_numel(c); e++) {
        int64_t ia[WK_MAX_DIMS] = {0}, ib[WK_MAX_DIMS] = {0};
        int64_t i = a->ndim >= 2 ? at[nb] : 0, j = b->ndim >= 2 ? at[nd - 1] : 0;
        for (int d = 0; d < a->ndim - 2; d++) {
            int od = nb - (a->ndim - 2) + d;
            ia[d] = a->shape[d] == 1 ? 0 : at[od];
        }
        for (int d = 0; d < b->ndim - 2; d++) {
            int od = nb - (b->ndim - 2) + d;
            ib[d] = b->shape[d] == 1 ? 0 : at[od];
        }
        double sum = 0, mag = 0;
        for (int64_t p = 0; p < k; p++) {
            if (a->ndim >= 2) ia[a->ndim - 2] = i, ia[a->ndim - 1] = p;
            else ia[0] = p;
            if (b->ndim >= 2) ib[b->ndim - 2] = p, ib[b->ndim - 1] = j;
            else ib[0] = p;
            double x = *wk_tensor_at(a, ia), y = *wk_tensor_at(b, ib);
            sum += x * y;
            mag += fabs(x * y);
        }
        double got = *wk_tensor_at(c, at);
        double rel = fabs(got - sum) / (mag > 0 ? mag : 1);
        if (!(rel <= REL_TOL)) {
            if (bad < 3) printf("  element %lld: got %.9g, reference %.9g\n", (long long)e, got, sum);
            bad++;
        }
        if (rel > max_rel_seen) max_rel_seen = rel;
        for (int d = nd - 1; d >= 0; d--) {
            if (++at[d] < c->shape[d]) break;
            at[d] = 0;
        }
    }
    return bad;
}

/* c = a @ b through both entry points (allocating, and _out into a NaN-filled buffer),
 * checked against the reference; releases nothing it was given. */
static int check_matmul(const wk_tensor *a, const wk_tensor *b)
{
    wk_tensor c;
    if (wk_tensor_matmul(&c, a, b)) {
        printf("  matmul failed: %s\n", wk_errmsg());
        return 1;
    }
    int bad = check_product(&c, a, b);
    wk_tensor out;
    wk_tensor_new_like(&out, &c);
    wk_tensor_fill_(&out, NAN);   /* BLAS with beta = 0 must not read it */
    if (wk_tensor_matmul_out(&out, a, b)) {
        printf("  matmul_out failed: %s\n", wk_errmsg());
        bad++;
    } else {
        bad += check_product(&out, a, b);
    }
    wk_tensor_release(&out);
    wk_tensor_release(&c);
    return bad;
}

static void report(const char *name)
{
    printf("  %-28s max |wick - ref| / sum|a*b| = %.3g (tolerance %.0e)\n", name, max_rel_seen, REL_TOL);
    max_rel_seen = 0;
}

/* ---- 2-D ------------------------------------------------------------------------ */

TEST(matmul_2d_random)
{
    for (int trial = 0; trial < 40; trial++) {
        int64_t m = rnd(1, 70), k = rnd(1, 150), n = rnd(1, 70);
        wk_tensor a = randn(2, (int64_t[]){m, k}), b = randn(2, (int64_t[]){k, n});
        CHECK(check_matmul(&a, &b) == 0);
        wk_tensor_release(&a);
        wk_tensor_release(&b);
    }
    report("2-D random shapes");
}

TEST(matmul_2d_transposed_and_narrowed)
{
    for (int trial = 0; trial < 30; trial++) {
        int64_t m = rnd(1, 40), k = rnd(1, 60), n = rnd(1, 40);
        /* at, bt: stored transposed, read through transpose views (BLAS CblasTrans) */
        wk_tensor at_ = randn(2, (int64_t[]){k, m}), bt_ = randn(2, (int64_t[]){n, k});
        wk_tensor a, b;
        wk_tensor_transpose(&a, &at_, 0, 1);
        wk_tensor_transpose(&b, &bt_, 0, 1);
        /* narrowed: a wider matrix cut to [m, k] (row stride > k) */
        wk_tensor wide = randn(2, (int64_t[]){m + 3, k + 5}), an;
        wk_tensor_narrow(&an, &wide, 1, 2, k);
        wk_tensor nar;
        wk_tensor_narrow(&nar, &an, 0, 1, m);
        /* strided on both axes (every other column of a [k, 2n] matrix): must be copied */
        wk_tensor pairs = randn(3, (int64_t[]){k, n, 2}), bs;
        wk_tensor_select(&bs, &pairs, 2, 1);
        wk_tensor bplain = randn(2, (int64_t[]){k, n}), aplain = randn(2, (int64_t[]){m, k});

        CHECK(check_matmul(&a, &bplain) == 0);
        CHECK(check_matmul(&aplain, &b) == 0);
        CHECK(check_matmul(&a, &b) == 0);
        CHECK(check_matmul(&nar, &b) == 0);
        CHECK(check_matmul(&a, &bs) == 0);
        CHECK(check_matmul(&nar, &bs) == 0);
        wk_tensor *all[] = {&at_, &bt_, &a, &b, &wide, &an, &nar, &pairs, &bs, &bplain, &aplain};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) wk_tensor_release(all[i]);
    }
    report("2-D transposed / narrowed");
}

TEST(matmul_expanded_operand)
{
    /* a row expanded to m rows (stride 0 on the row axis) and a column expanded along n */
    int64_t m = 5, k = 7, n = 4;
    wk_tensor row = randn(2, (int64_t[]){1, k}), col = randn(2, (int64_t[]){k, 1}), a, b;
    wk_tensor_expand(&a, &row, 2, (int64_t[]){m, k});
    wk_tensor_expand(&b, &col, 2, (int64_t[]){k, n});
    CHECK(check_matmul(&a, &b) == 0);
    wk_tensor *all[] = {&row, &col, &a, &b};
    for (size_t i = 0; i < 4; i++) wk_tensor_release(all[i]);
    report("expanded rows / columns");
}

/* ---- 1-D ------------------------------------------------------------------------ */

TEST(matmul_1d_cases)
{
    int64_t k = 37, m = 9, n = 11;
    wk_tensor v = randn(1, &k), w = randn(1, &k), A = randn(2, (int64_t[]){m, k}), B = randn(2, (int64_t[]){k, n});
    wk_tensor B3 = randn(3, (int64_t[]){3, k, n}), A3 = randn(3, (int64_t[]){3, m, k});
    wk_tensor c;
    CHECK(wk_tensor_matmul(&c, &v, &w) == WK_OK);
    CHECK(c.ndim == 0);
    CHECK(check_product(&c, &v, &w) == 0);
    wk_tensor_release(&c);

    CHECK(wk_tensor_matmul(&c, &v, &B) == WK_OK);   /* [k]·[k,n] -> [n] */
    CHECK(c.ndim == 1 && c.shape[0] == n);
    wk_tensor_release(&c);
    CHECK(wk_tensor_matmul(&c, &A, &v) == WK_OK);   /* [m,k]·[k] -> [m] */
    CHECK(c.ndim == 1 && c.shape[0] == m);
    wk_tensor_release(&c);
    CHECK(wk_tensor_matmul(&c, &v, &B3) == WK_OK);  /* [k]·[3,k,n] -> [3,n] */
    CHECK(c.ndim == 2 && c.shape[0] == 3 && c.shape[1] == n);
    wk_tensor_release(&c);
    CHECK(wk_tensor_matmul(&c, &A3, &v) == WK_OK);  /* [3,m,k]·[k] -> [3,m] */
    CHECK(c.ndim == 2 && c.shape[0] == 3 && c.shape[1] == m);
    wk_tensor_release(&c);

    CHECK(check_matmul(&v, &w) == 0);
    CHECK(check_matmul(&v, &B) == 0);
    CHECK(check_matmul(&A, &v) == 0);
    CHECK(check_matmul(&v, &B3) == 0);
    CHECK(check_matmul(&A3, &v) == 0);

    /* strided and expanded vectors: a column of A (stride k), a broadcast scalar */
    wk_tensor colA, one = randn(1, (int64_t[]){1}), ex;
    wk_tensor_select(&colA, &A, 1, 3);   /* [m] with stride k */
    wk_tensor_expand(&ex, &one, 1, &k);  /* [k] with stride 0 */
    CHECK(check_matmul(&colA, &A) == 0);
    CHECK(check_matmul(&ex, &B) == 0);
    CHECK(check_matmul(&A, &ex) == 0);
    CHECK(check_matmul(&ex, &v) == 0);
    wk_tensor Bt;
    wk_tensor_transpose(&Bt, &B, 0, 1);  /* [n,k] transposed view */
    CHECK(check_matmul(&Bt, &v) == 0);

    wk_tensor *all[] = {&v, &w, &A, &B, &B3, &A3, &colA, &one, &ex, &Bt};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) wk_tensor_release(all[i]);
    report("1-D with 1-D, 2-D, 3-D");
}

/* ---- batched -------------------------------------------------------------------- */

TEST(matmul_batched)
{
    for (int trial = 0; trial < 10; trial++) {
        int64_t m = rnd(1, 12), k = rnd(1, 20), n = rnd(1, 12), B = rnd(2, 5);
        wk_tensor x = randn(4, (int64_t[]){2, B, m, k}), W = randn(2, (int64_t[]){k, n});
        CHECK(check_matmul(&x, &W) == 0);   /* batch folds into rows: one sgemm */
        wk_tensor y = randn(3, (int64_t[]){B, k, n});
        CHECK(check_matmul(&x, &y) == 0);   /* [2,B,m,k]·[B,k,n] */
        wk_tensor z = randn(4, (int64_t[]){2, 1, k, n}), x1 = randn(3, (int64_t[]){B, m, k});
        CHECK(check_matmul(&x1, &z) == 0);  /* [B,m,k]·[2,1,k,n] -> [2,B,m,n] */
        wk_tensor Wm = randn(2, (int64_t[]){m, k});
        CHECK(check_matmul(&Wm, &y) == 0);  /* [m,k]·[B,k,n] */

        /* expanded batch (stride 0), permuted batch matrices (transposed inside a batch) */
        wk_tensor one = randn(3, (int64_t[]){1, m, k}), xe;
        wk_tensor_expand(&xe, &one, 3, (int64_t[]){B, m, k});
        CHECK(check_matmul(&xe, &y) == 0);
        wk_tensor yt_store = randn(3, (int64_t[]){B, n, k}), yt;
        wk_tensor_transpose(&yt, &yt_store, 1, 2);   /* [B,k,n], rows unit-stride */
        CHECK(check_matmul(&x1, &yt) == 0);
        wk_tensor perm_store = randn(3, (int64_t[]){m, B, k}), xp;
        wk_tensor_permute(&xp, &perm_store, (int[]){1, 0, 2});   /* [B,m,k], batch stride k */
        CHECK(check_matmul(&xp, &W) == 0);
        /* a non-BLAS matrix with an expanded batch: copied without materialising the batch */
        wk_tensor pairs = randn(4, (int64_t[]){1, m, k, 2}), sel, sele;
        wk_tensor_select(&sel, &pairs, 3, 0);
        wk_tensor_expand(&sele, &sel, 3, (int64_t[]){B, m, k});
        CHECK(check_matmul(&sele, &y) == 0);

        wk_tensor *all[] = {&x, &W, &y, &z, &x1, &Wm, &one, &xe, &yt_store, &yt, &perm_store, &xp, &pairs, &sel, &sele};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) wk_tensor_release(all[i]);
    }
    report("batched, broadcast batch");
}

TEST(matmul_many_small)
{
    /* 4096 products of 4×4 matrices (the loop-over-sgemm path) */
    wk_tensor a = randn(3, (int64_t[]){4096, 4, 4}), b = randn(3, (int64_t[]){4096, 4, 4});
    CHECK(check_matmul(&a, &b) == 0);
    wk_tensor_release(&a);
    wk_tensor_release(&b);
    report("4096 × (4×4)·(4×4)");
}

/* ---- out form, empties, errors -------------------------------------------------- */

TEST(matmul_out_layouts)
{
    int64_t m = 6, k = 5, n = 7;
    wk_tensor a = randn(2, (int64_t[]){m, k}), b = randn(2, (int64_t[]){k, n});
    /* out is a transposed view: written through a temporary */
    wk_tensor store = randn(2, (int64_t[]){n, m}), out;
    wk_tensor_transpose(&out, &store, 0, 1);
    CHECK(wk_tensor_matmul_out(&out, &a, &b) == WK_OK);
    CHECK(check_product(&out, &a, &b) == 0);
    /* out aliasing an input: a square a = a @ s */
    wk_tensor sq = randn(2, (int64_t[]){k, k}), acopy;
    wk_tensor_clone(&acopy, &a);
    CHECK(wk_tensor_matmul_out(&a, &a, &sq) == WK_OK);
    CHECK(check_product(&a, &acopy, &sq) == 0);
    /* wrong out shape */
    wk_tensor bad = randn(2, (int64_t[]){m, n + 1});
    CHECK(wk_tensor_matmul_out(&bad, &acopy, &b) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "out has shape [6,8] but the product has shape [6,7]") == 0);
    wk_tensor *all[] = {&a, &b, &store, &out, &sq, &acopy, &bad};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) wk_tensor_release(all[i]);
    report("out: transposed, aliased");
}

TEST(matmul_empty)
{
    wk_tensor a = randn(2, (int64_t[]){3, 0}), b = randn(2, (int64_t[]){0, 2}), c;
    CHECK(wk_tensor_matmul(&c, &a, &b) == WK_OK);
    CHECK(c.ndim == 2 && c.shape[0] == 3 && c.shape[1] == 2);
    for (int i = 0; i < 6; i++) CHECK(wk_tensor_data(&c)[i] == 0.0f);
    wk_tensor_release(&c);
    wk_tensor z = randn(2, (int64_t[]){0, 4}), w = randn(2, (int64_t[]){4, 2});
    CHECK(wk_tensor_matmul(&c, &z, &w) == WK_OK);
    CHECK(c.shape[0] == 0 && c.shape[1] == 2);
    wk_tensor_release(&c);
    wk_tensor *all[] = {&a, &b, &z, &w};
    for (size_t i = 0; i < 4; i++) wk_tensor_release(all[i]);
}

TEST(matmul_hand_values)
{
    /* [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]] */
    wk_tensor a = make(2, (int64_t[]){2, 2}, (float[]){1, 2, 3, 4}), b = make(2, (int64_t[]){2, 2}, (float[]){5, 6, 7, 8});
    wk_tensor c;
    CHECK(wk_tensor_matmul(&c, &a, &b) == WK_OK);
    const float want[] = {19, 22, 43, 50};
    for (int i = 0; i < 4; i++) CHECK(wk_tensor_data(&c)[i] == want[i]);
    wk_tensor_release(&c);
    /* a^T @ b = [[1,3],[2,4]] @ [[5,6],[7,8]] = [[26,30],[38,44]] */
    wk_tensor at;
    wk_tensor_transpose(&at, &a, 0, 1);
    CHECK(wk_tensor_matmul(&c, &at, &b) == WK_OK);
    const float want_t[] = {26, 30, 38, 44};
    for (int i = 0; i < 4; i++) CHECK(wk_tensor_data(&c)[i] == want_t[i]);
    wk_tensor_release(&c);
    wk_tensor *all[] = {&a, &b, &at};
    for (size_t i = 0; i < 3; i++) wk_tensor_release(all[i]);
}

TEST(matmul_errors)
{
    wk_tensor a = randn(2, (int64_t[]){3, 4}), b = randn(2, (int64_t[]){5, 6}), c = {0};
    CHECK(wk_tensor_matmul(&c, &a, &b) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "shapes [3,4] and [5,6] do not match") == 0);
    CHECK(c.storage == NULL);
    wk_tensor s = randn(0, NULL);
    CHECK(wk_tensor_matmul(&c, &s, &a) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "at least 1-D") != NULL);
    wk_tensor x = randn(3, (int64_t[]){2, 3, 4}), y = randn(3, (int64_t[]){3, 4, 5});
    CHECK(wk_tensor_matmul(&c, &x, &y) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "shapes [2,3,4] and [3,4,5] do not match (batch dimensions cannot be broadcast)") == 0);
    wk_tensor v = randn(1, (int64_t[]){3});
    CHECK(wk_tensor_matmul(&c, &v, &a) == WK_OK);   /* [3]·[3,4] fine */
    wk_tensor_release(&c);
    CHECK(wk_tensor_matmul(&c, &a, &v) == WK_ERR);  /* [3,4]·[3] not */
    CHECK(strcmp(wk_errmsg(), "shapes [3,4] and [3] do not match") == 0);
    wk_tensor *all[] = {&a, &b, &s, &x, &y, &v};
    for (size_t i = 0; i < 6; i++) wk_tensor_release(all[i]);
}

/* Issue 10: BLAS takes int sizes. A matrix side above INT_MAX (here from expanded
 * views, which cost no memory) is refused before the result is allocated, never
 * truncated to a small int. */
TEST(matmul_refuses_sides_above_int_max)
{
    int64_t big = (int64_t)INT_MAX + 2;   /* (int) of it would be -2147483647 */
    wk_tensor one = make(2, (int64_t[]){1, 1}, (float[]){1}), tall, wide, c = {0};
    CHECK(wk_tensor_expand(&tall, &one, 2, (int64_t[]){big, 1}) == WK_OK);
    CHECK(wk_tensor_expand(&wide, &one, 2, (int64_t[]){1, big}) == WK_OK);
    wk_tensor out = make(2, (int64_t[]){1, 1}, (float[]){0});
    int64_t live = wk_tensor_live_bytes();
    /* m > INT_MAX: the [big, 1] result (8 GiB) must not even be allocated */
    CHECK(wk_tensor_matmul(&c, &tall, &one) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "too large for BLAS (a matrix side above 2147483647)") != NULL);
    CHECK(c.storage == NULL && wk_tensor_live_bytes() == live);
    /* k > INT_MAX, result [1, 1] */
    CHECK(wk_tensor_matmul(&c, &wide, &tall) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "too large for BLAS") != NULL);
    /* n > INT_MAX */
    CHECK(wk_tensor_matmul(&c, &one, &wide) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "too large for BLAS") != NULL);
    /* into an out tensor too */
    CHECK(wk_tensor_matmul_out(&out, &wide, &tall) == WK_ERR);
    CHECK(c.storage == NULL && wk_tensor_live_bytes() == live);
    wk_tensor_release(&out);
    wk_tensor_release(&wide);
    wk_tensor_release(&tall);
    wk_tensor_release(&one);
}

/* ---- dot and outer -------------------------------------------------------------- */

TEST(dot_and_outer)
{
    wk_tensor a = make(1, (int64_t[]){3}, (float[]){1, 2, 3}), b = make(1, (int64_t[]){3}, (float[]){4, -5, 6});
    wk_tensor c;
    CHECK(wk_tensor_dot(&c, &a, &b) == WK_OK);
    CHECK(c.ndim == 0 && wk_tensor_data(&c)[0] == 12.0f);   /* 4 - 10 + 18 */
    wk_tensor_release(&c);
    /* expanded (stride 0) operand: 2 * (1 + 2 + 3) */
    wk_tensor two = make(1, (int64_t[]){1}, (float[]){2}), twos;
    wk_tensor_expand(&twos, &two, 1, (int64_t[]){3});
    CHECK(wk_tensor_dot(&c, &a, &twos) == WK_OK);
    CHECK(wk_tensor_data(&c)[0] == 12.0f);
    wk_tensor_release(&c);
    wk_tensor m = randn(2, (int64_t[]){2, 3});
    CHECK(wk_tensor_dot(&c, &a, &m) == WK_ERR);
    CHECK(strcmp(wk_errmsg(), "expected two 1-D tensors of one length, got shapes [3] and [2,3]") == 0);

    wk_tensor d = make(1, (int64_t[]){2}, (float[]){10, 20});
    CHECK(wk_tensor_outer(&c, &a, &d) == WK_OK);
    CHECK(c.ndim == 2 && c.shape[0] == 3 && c.shape[1] == 2);
    const float want[] = {10, 20, 20, 40, 30, 60};
    for (int i = 0; i < 6; i++) CHECK(wk_tensor_data(&c)[i] == want[i]);
    wk_tensor_release(&c);
    CHECK(wk_tensor_outer(&c, &m, &d) == WK_ERR);
    wk_tensor *all[] = {&a, &b, &two, &twos, &m, &d};
    for (size_t i = 0; i < 6; i++) wk_tensor_release(all[i]);
}

TEST(no_leaks)
{
    CHECK(wk_tensor_live_bytes() == 0);
}

int main(void)
{
    wk_rng_seed(42);
    RUN(matmul_2d_random);
    RUN(matmul_2d_transposed_and_narrowed);
    RUN(matmul_expanded_operand);
    RUN(matmul_1d_cases);
    RUN(matmul_batched);
    RUN(matmul_many_small);
    RUN(matmul_out_layouts);
    RUN(matmul_empty);
    RUN(matmul_hand_values);
    RUN(matmul_errors);
    RUN(matmul_refuses_sides_above_int_max);
    RUN(dot_and_outer);
    RUN(no_leaks);
    return check_summary("linalg");
}
