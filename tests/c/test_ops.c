/* test_ops.c — unit tests for lib/tensor/ops.c: hand-computed values for every
 * elementwise op, broadcasting corner cases (scalar, [3,1]+[1,4], [2,1,4]+[3,1], 0-D,
 * zero-size dims), in-place semantics and overlap, error messages, and a float64
 * reference over random shapes and layouts (transposed, narrowed, expanded, permuted). */
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/rng.h"
#include "../../lib/core/threads.h"
#include "../../lib/tensor/ops.h"
#include "check.h"
#include "error_checks.h"
#include "tensor_fixtures.h"

/* ---- hand-computed values ---------------------------------------------------------- */

TEST(binary_same_shape)
{
    wk_tensor a = make(2, SHAPE(2, 2), VALS(1, 2, 3, 4)), b = make(2, SHAPE(2, 2), VALS(10, 20, -3, 0.5f)), c;
    CHECK(wk_tensor_add(&c, &a, &b) == WK_OK && equals(&c, 2, SHAPE(2, 2), VALS(11, 22, 0, 4.5f)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_sub(&c, &a, &b) == WK_OK && equals(&c, 2, SHAPE(2, 2), VALS(-9, -18, 6, 3.5f)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_mul(&c, &a, &b) == WK_OK && equals(&c, 2, SHAPE(2, 2), VALS(10, 40, -9, 2)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_div(&c, &a, &b) == WK_OK && equals(&c, 2, SHAPE(2, 2), VALS(0.1f, 0.1f, -1, 8)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_pow(&c, &a, &b) == WK_OK && equals(&c, 2, SHAPE(2, 2), VALS(1, 1048576, 1.0f / 27, 2)));
    wk_tensor_release(&c);
    wk_tensor_release(&a);
    wk_tensor_release(&b);
}

TEST(comparisons)
{
    wk_tensor a = make(1, SHAPE(4), VALS(1, 2, 3, NAN)), c;
    const float want[6][4] = {{0, 1, 0, 0}, {1, 0, 1, 1}, {1, 0, 0, 0}, {1, 1, 0, 0}, {0, 0, 1, 0}, {0, 1, 1, 0}};
    for (int op = WK_EQ; op <= WK_GE; op++) {
        CHECK(wk_tensor_binary_scalar(&c, &a, 2, (wk_binop)op, 0) == WK_OK);
        CHECK(equals(&c, 1, SHAPE(4), want[op - WK_EQ]));
        wk_tensor_release(&c);
    }
    wk_tensor_release(&a);
}

TEST(scalar_either_side)
{
    wk_tensor a = make(1, SHAPE(3), VALS(1, 2, 4)), c;
    CHECK(wk_tensor_binary_scalar(&c, &a, 2, WK_SUB, 1) == WK_OK && equals(&c, 1, SHAPE(3), VALS(1, 0, -2)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_binary_scalar(&c, &a, 2, WK_SUB, 0) == WK_OK && equals(&c, 1, SHAPE(3), VALS(-1, 0, 2)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_binary_scalar(&c, &a, 1, WK_DIV, 1) == WK_OK && equals(&c, 1, SHAPE(3), VALS(1, 0.5f, 0.25f)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_binary_scalar(&c, &a, 2, WK_POW, 1) == WK_OK && equals(&c, 1, SHAPE(3), VALS(2, 4, 16)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_binary_scalar(&c, &a, 2, WK_POW, 0) == WK_OK && equals(&c, 1, SHAPE(3), VALS(1, 4, 16)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_binary_scalar(&c, &a, 0.5f, WK_POW, 0) == WK_OK);
    CHECK_NEAR(wk_tensor_data(&c)[1], sqrt(2.0), 1e-6);
    wk_tensor_release(&c);
    wk_tensor_release(&a);
}

TEST(broadcast_corners)
{
    wk_tensor col = make(2, SHAPE(3, 1), VALS(1, 2, 3)), row = make(2, SHAPE(1, 4), VALS(10, 20, 30, 40)), c;
    CHECK(wk_tensor_add(&c, &col, &row) == WK_OK);
    CHECK(equals(&c, 2, SHAPE(3, 4), VALS(11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43)));
    wk_tensor_release(&c);

    /* [2,1,4] + [3,1] -> [2,3,4] */
    wk_tensor a = make(3, SHAPE(2, 1, 4), VALS(1, 2, 3, 4, 5, 6, 7, 8)), b = make(2, SHAPE(3, 1), VALS(100, 200, 300));
    CHECK(wk_tensor_add(&c, &a, &b) == WK_OK && c.ndim == 3 && c.shape[0] == 2 && c.shape[1] == 3 && c.shape[2] == 4);
    int64_t i1[3] = {1, 2, 3}, i2[3] = {0, 1, 0};
    CHECK(*wk_tensor_at(&c, i1) == 308);
    CHECK(*wk_tensor_at(&c, i2) == 201);
    wk_tensor_release(&c);

    /* 0-D with 0-D, and 0-D with a tensor */
    wk_tensor s = make(0, NULL, VALS(5)), t = make(0, NULL, VALS(2));
    CHECK(wk_tensor_mul(&c, &s, &t) == WK_OK && c.ndim == 0 && wk_tensor_data(&c)[0] == 10);
    wk_tensor_release(&c);
    CHECK(wk_tensor_sub(&c, &s, &a) == WK_OK && equals(&c, 3, SHAPE(2, 1, 4), VALS(4, 3, 2, 1, 0, -1, -2, -3)));
    wk_tensor_release(&c);

    /* zero-size dims: [0,3] + [3] -> [0,3]; [2,0] + [2,1] -> [2,0] */
    wk_tensor e = make(2, SHAPE(0, 3), NULL), v = make(1, SHAPE(3), VALS(1, 2, 3)), e2 = make(2, SHAPE(2, 0), NULL);
    CHECK(wk_tensor_add(&c, &e, &v) == WK_OK && c.ndim == 2 && c.shape[0] == 0 && c.shape[1] == 3);
    wk_tensor_release(&c);
    CHECK(wk_tensor_add(&c, &e2, &col) == WK_ERR && has_message("shapes [2,0] and [3,1] cannot be broadcast together"));
    wk_tensor col2 = make(2, SHAPE(2, 1), VALS(1, 2));
    CHECK(wk_tensor_add(&c, &e2, &col2) == WK_OK && c.shape[0] == 2 && c.shape[1] == 0);
    wk_tensor_release(&c);
    CHECK(wk_tensor_add_(&e, &v) == WK_OK);   /* in place on an empty tensor: nothing to do */

    wk_tensor *all[] = {&col, &row, &a, &b, &s, &t, &e, &v, &e2, &col2};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) wk_tensor_release(all[k]);
}

TEST(broadcast_errors)
{
    wk_tensor a = make(2, SHAPE(3, 4), NULL), b = make(1, SHAPE(5), NULL), c = {0};
    CHECK(wk_tensor_add(&c, &a, &b) == WK_ERR);
    CHECK(has_message("shapes [3,4] and [5] cannot be broadcast together"));
    CHECK(c.storage == NULL);
    wk_tensor cond = make(1, SHAPE(2), NULL);
    CHECK(wk_tensor_where(&c, &cond, &a, &b) == WK_ERR);
    CHECK(has_message("shapes [2], [3,4] and [5] cannot be broadcast together"));
    wk_tensor_release(&a);
    wk_tensor_release(&b);
    wk_tensor_release(&cond);
}

/* Issue 10: a broadcast result obeys the 2^40-element limit before anything is
 * allocated — [2^30, 1] with [1, 2^30] (two expanded views, no memory) is 2^60. */
TEST(broadcast_beyond_the_limit)
{
    wk_tensor one = make(2, SHAPE(1, 1), VALS(1)), tall, wide, out = {0};
    wk_tensor_expand(&tall, &one, 2, SHAPE((int64_t)1 << 30, 1));
    wk_tensor_expand(&wide, &one, 2, SHAPE(1, (int64_t)1 << 30));
    int64_t live = wk_tensor_live_bytes();
    CHECK(wk_tensor_binary(&out, &tall, &wide, WK_ADD) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "shape [1073741824,1073741824] has") != NULL);
    CHECK(strstr(wk_errmsg(), "more than wick's limit of 2^40") != NULL);
    CHECK(wk_tensor_where(&out, &one, &tall, &wide) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "more than wick's limit of 2^40") != NULL);
    CHECK(out.storage == NULL && wk_tensor_live_bytes() == live);
    wk_tensor_release(&wide);
    wk_tensor_release(&tall);
    wk_tensor_release(&one);
}

TEST(unary_values)
{
    wk_tensor a = make(1, SHAPE(5), VALS(-2, -0.5f, 0, 1.5f, 4)), c;
    struct { wk_unop op; double (*ref)(double); } cases[] = {
        {WK_EXP, exp}, {WK_TANH, tanh}, {WK_SIN, sin}, {WK_COS, cos}, {WK_FLOOR, floor}, {WK_ABS, fabs},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        CHECK(wk_tensor_unary(&c, &a, cases[k].op) == WK_OK);
        for (int i = 0; i < 5; i++) {
            double x = wk_tensor_data(&a)[i];
            CHECK_NEAR(wk_tensor_data(&c)[i], cases[k].ref(x), 1e-6 * (1 + fabs(cases[k].ref(x))));
        }
        wk_tensor_release(&c);
    }
    CHECK(wk_tensor_unary(&c, &a, WK_NEG) == WK_OK && equals(&c, 1, SHAPE(5), VALS(2, 0.5f, -0.0f, -1.5f, -4)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_unary(&c, &a, WK_RELU) == WK_OK && equals(&c, 1, SHAPE(5), VALS(0, 0, 0, 1.5f, 4)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_unary(&c, &a, WK_SQRT) == WK_OK);
    CHECK(isnan(wk_tensor_data(&c)[0]) && wk_tensor_data(&c)[4] == 2);
    wk_tensor_release(&c);
    CHECK(wk_tensor_unary(&c, &a, WK_LOG) == WK_OK);
    CHECK(isnan(wk_tensor_data(&c)[0]) && isinf(wk_tensor_data(&c)[2]) && wk_tensor_data(&c)[2] < 0);
    CHECK_NEAR(wk_tensor_data(&c)[4], log(4.0), 1e-6);
    wk_tensor_release(&c);
    CHECK(wk_tensor_unary(&a, &a, (wk_unop)99) == WK_ERR && has_message("unknown unary"));
    wk_tensor_release(&a);
}

TEST(sigmoid_stable)
{
    wk_tensor a = make(1, SHAPE(6), VALS(-1000, -100, -1, 0, 1, 100)), c;
    CHECK(wk_tensor_unary(&c, &a, WK_SIGMOID) == WK_OK);
    const float *d = wk_tensor_data(&c);
    CHECK(d[0] == 0 && !isnan(d[0]));
    CHECK(d[1] > 0 && d[1] < 1e-40);   /* e^-100 ≈ 3.7e-44, a float subnormal, not 0/0 */
    CHECK_NEAR(d[2], 1 / (1 + exp(1.0)), 1e-7);
    CHECK(d[3] == 0.5f);
    CHECK_NEAR(d[4], 1 / (1 + exp(-1.0)), 1e-7);
    CHECK(d[5] == 1.0f);
    wk_tensor_release(&c);
    wk_tensor_release(&a);
}

/* Distance from want in units in the last place of a float near want. */
static double ulps(float got, double want)
{
    if (isnan(want)) return isnan(got) ? 0 : INFINITY;
    if (fabs(want) > 3.4028234663852886e38) return isinf(got) && (got > 0) == (want > 0) ? 0 : INFINITY;
    double ulp = fabs(want) < 1.1754943508222875e-38 ? ldexp(1.0, -149) : ldexp(1.0, ilogb(want) - 23);
    return fabs(got - want) / ulp;
}

/* exp is a vectorised polynomial, not glibc's expf: sweep the whole float range it
 * handles, including overflow, subnormal results and the specials. */
TEST(exp_sweep)
{
    int64_t n = 1 << 20;
    wk_tensor a = make(1, &n, NULL), c, s;
    float *x = wk_tensor_data(&a);
    for (int64_t i = 0; i < n; i++) x[i] = -110.0f + 200.0f * (float)i / (float)n;
    const float specials[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 88.72f, 88.73f, -87.33f, -103.9f, 1e-30f, -1e-30f};
    memcpy(x, specials, sizeof specials);
    CHECK(wk_tensor_unary(&c, &a, WK_EXP) == WK_OK && wk_tensor_unary(&s, &a, WK_SIGMOID) == WK_OK);
    double worst = 0, worst_sig = 0, at = 0;
    for (int64_t i = 0; i < n; i++) {
        double u = ulps(wk_tensor_data(&c)[i], exp((double)x[i]));
        if (!(u <= worst)) {
            worst = u;
            at = x[i];
        }
        double sig = 1 / (1 + exp(-(double)x[i]));
        if (!isnan(x[i])) worst_sig = fmax(worst_sig, ulps(wk_tensor_data(&s)[i], sig));
    }
    /* tanh where it is not yet ±1: [-10, 10] densely, plus the specials */
    for (int64_t i = 0; i < n; i++) x[i] = -10.0f + 20.0f * (float)i / (float)n;
    memcpy(x, specials, sizeof specials);
    wk_tensor th;
    CHECK(wk_tensor_unary(&th, &a, WK_TANH) == WK_OK);
    double worst_tanh = 0;
    for (int64_t i = 0; i < n; i++)
        if (!isnan(x[i])) worst_tanh = fmax(worst_tanh, ulps(wk_tensor_data(&th)[i], tanh((double)x[i])));
    CHECK(isnan(wk_tensor_data(&th)[0]) && wk_tensor_data(&th)[1] == 1 && wk_tensor_data(&th)[2] == -1);
    CHECK(wk_tensor_data(&th)[9] == 1e-30f && wk_tensor_data(&th)[10] == -1e-30f);
    wk_tensor_release(&th);
    printf("  exp: max %.3f ulp (at %g); sigmoid: max %.3f ulp; tanh: max %.3f ulp\n", worst, at, worst_sig,
           worst_tanh);
    CHECK(worst <= 1.5);
    CHECK(worst_sig <= 3);
    CHECK(worst_tanh <= 4);
    CHECK(isnan(wk_tensor_data(&c)[0]) && isinf(wk_tensor_data(&c)[1]) && wk_tensor_data(&c)[2] == 0);
    CHECK(wk_tensor_data(&c)[3] == 1 && wk_tensor_data(&c)[4] == 1 && isinf(wk_tensor_data(&c)[6]));
    CHECK(isnan(wk_tensor_data(&s)[0]) && wk_tensor_data(&s)[1] == 1 && wk_tensor_data(&s)[2] == 0);
    wk_tensor_release(&c);
    wk_tensor_release(&s);
    wk_tensor_release(&a);
}

TEST(nan_propagation)
{
    wk_tensor a = make(1, SHAPE(3), VALS(NAN, 1, -1)), c;
    wk_unop ops[] = {WK_EXP, WK_SQRT, WK_ABS, WK_NEG, WK_TANH, WK_SIGMOID, WK_RELU, WK_SIN, WK_FLOOR};
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
        CHECK(wk_tensor_unary(&c, &a, ops[k]) == WK_OK);
        CHECK(isnan(wk_tensor_data(&c)[0]));
        wk_tensor_release(&c);
    }
    CHECK(wk_tensor_clamp(&c, &a, 0, 0.5f) == WK_OK && isnan(wk_tensor_data(&c)[0]) && wk_tensor_data(&c)[1] == 0.5f &&
          wk_tensor_data(&c)[2] == 0);
    wk_tensor_release(&c);
    CHECK(wk_tensor_binary_scalar(&c, &a, 1, WK_ADD, 0) == WK_OK && isnan(wk_tensor_data(&c)[0]));
    wk_tensor_release(&c);
    wk_tensor_release(&a);
}

TEST(clamp_values)
{
    wk_tensor a = make(1, SHAPE(4), VALS(-3, 0, 2, 9)), c;
    CHECK(wk_tensor_clamp(&c, &a, -1, 5) == WK_OK && equals(&c, 1, SHAPE(4), VALS(-1, 0, 2, 5)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_clamp(&c, &a, -INFINITY, 1) == WK_OK && equals(&c, 1, SHAPE(4), VALS(-3, 0, 1, 1)));
    wk_tensor_release(&c);
    CHECK(wk_tensor_clamp(&c, &a, 3, 1) == WK_ERR && has_message("lower bound 3 is greater than upper bound 1"));
    CHECK(wk_tensor_clamp_(&a, 0, INFINITY) == WK_OK && equals(&a, 1, SHAPE(4), VALS(0, 0, 2, 9)));
    wk_tensor_release(&a);
}

TEST(where_values)
{
    wk_tensor cond = make(2, SHAPE(2, 1), VALS(1, 0)), a = make(1, SHAPE(3), VALS(1, 2, 3)), c;
    wk_storage st;
    wk_tensor zero;
    float z = -7;
    wk_tensor_wrap_scalar(&zero, &st, &z);
    CHECK(wk_tensor_where(&c, &cond, &a, &zero) == WK_OK && equals(&c, 2, SHAPE(2, 3), VALS(1, 2, 3, -7, -7, -7)));
    wk_tensor_release(&c);
    wk_tensor nanc = make(1, SHAPE(3), VALS(NAN, 0, -2));
    CHECK(wk_tensor_where(&c, &nanc, &zero, &a) == WK_OK && equals(&c, 1, SHAPE(3), VALS(-7, 2, -7)));
    wk_tensor_release(&c);
    wk_tensor_release(&cond);
    wk_tensor_release(&a);
    wk_tensor_release(&nanc);
}

/* ---- in-place semantics ------------------------------------------------------------ */

TEST(inplace_basic)
{
    wk_tensor a = make(2, SHAPE(2, 3), VALS(1, 2, 3, 4, 5, 6)), row = make(1, SHAPE(3), VALS(1, 0, -1));
    float *before = wk_tensor_data(&a);
    CHECK(wk_tensor_add_(&a, &row) == WK_OK && equals(&a, 2, SHAPE(2, 3), VALS(2, 2, 2, 5, 5, 5)));
    CHECK(wk_tensor_data(&a) == before);
    CHECK(wk_tensor_binary_scalar_(&a, 2, WK_MUL) == WK_OK && equals(&a, 2, SHAPE(2, 3), VALS(4, 4, 4, 10, 10, 10)));
    CHECK(wk_tensor_unary_(&a, WK_NEG) == WK_OK && equals(&a, 2, SHAPE(2, 3), VALS(-4, -4, -4, -10, -10, -10)));

    /* a view's in-place op changes the storage it shares */
    wk_tensor col;
    CHECK(wk_tensor_select(&col, &a, 1, 1) == WK_OK);
    CHECK(wk_tensor_binary_scalar_(&col, 100, WK_ADD) == WK_OK);
    CHECK(equals(&a, 2, SHAPE(2, 3), VALS(-4, 96, -4, -10, 90, -10)));
    wk_tensor_release(&col);

    /* the result shape may not differ from self's */
    wk_tensor small = make(2, SHAPE(2, 1), VALS(1, 2));
    CHECK(wk_tensor_add_(&small, &row) == WK_ERR);
    CHECK(has_message("shapes [2,1] and [3] broadcast to [2,3], which is not the in-place tensor's shape [2,1]"));
    CHECK(equals(&small, 2, SHAPE(2, 1), VALS(1, 2)));

    /* an expanded target would apply the op twice to one address */
    wk_tensor ex;
    CHECK(wk_tensor_expand(&ex, &small, 2, SHAPE(2, 3)) == WK_OK);
    CHECK(wk_tensor_unary_(&ex, WK_EXP) == WK_ERR && has_message("expanded"));
    CHECK(wk_tensor_binary_scalar_(&ex, 1, WK_ADD) == WK_ERR);
    CHECK(equals(&small, 2, SHAPE(2, 1), VALS(1, 2)));
    wk_tensor_release(&ex);

    /* self op self */
    CHECK(wk_tensor_mul_(&small, &small) == WK_OK && equals(&small, 2, SHAPE(2, 1), VALS(1, 4)));
    wk_tensor_release(&small);
    wk_tensor_release(&a);
    wk_tensor_release(&row);
}

TEST(inplace_overlap)
{
    /* x[2..6] += x[1..5] must read the old values (NumPy semantics), not a running sum */
    wk_tensor x = make(1, SHAPE(6), VALS(1, 2, 3, 4, 5, 6)), hi, lo;
    CHECK(wk_tensor_narrow(&hi, &x, 0, 1, 5) == WK_OK && wk_tensor_narrow(&lo, &x, 0, 0, 5) == WK_OK);
    CHECK(wk_tensor_add_(&hi, &lo) == WK_OK);
    CHECK(equals(&x, 1, SHAPE(6), VALS(1, 3, 5, 7, 9, 11)));
    wk_tensor_release(&hi);
    wk_tensor_release(&lo);

    /* m += m^T reads the transpose before it is overwritten */
    wk_tensor m = make(2, SHAPE(2, 2), VALS(1, 2, 3, 4)), mt;
    CHECK(wk_tensor_transpose(&mt, &m, 0, 1) == WK_OK);
    CHECK(wk_tensor_add_(&m, &mt) == WK_OK && equals(&m, 2, SHAPE(2, 2), VALS(2, 5, 5, 8)));
    wk_tensor_release(&mt);
    wk_tensor_release(&m);
    wk_tensor_release(&x);
}

/* ---- float64 reference over random shapes and layouts ------------------------------ */

/* A tensor of logical shape (ndim, shape) laid out one of several ways, its storage
 * filled with random values in [lo, hi). */
static wk_tensor random_view(int ndim, const int64_t *shape, float lo, float hi)
{
    wk_tensor v = random_layout(ndim, shape);
    float *p = v.storage->data;
    for (int64_t i = 0; i < v.storage->numel; i++) p[i] = lo + (hi - lo) * wk_rng_uniform();
    return v;
}

/* Element of t at index idx of a broadcast shape of ndim dims. */
static double bget(const wk_tensor *t, int ndim, const int64_t *idx)
{
    int64_t ti[WK_MAX_DIMS];
    for (int d = 0; d < t->ndim; d++) {
        int od = ndim - t->ndim + d;
        ti[d] = t->shape[d] == 1 ? 0 : idx[od];
    }
    return *wk_tensor_at(t, ti);
}

static int next_index(int64_t *idx, int ndim, const int64_t *shape)
{
    for (int d = ndim - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) return 1;
        idx[d] = 0;
    }
    return 0;
}

static double ref_binary(wk_binop op, double x, double y)
{
    switch (op) {
    case WK_ADD: return x + y;
    case WK_SUB: return x - y;
    case WK_MUL: return x * y;
    case WK_DIV: return x / y;
    case WK_POW: return pow(x, y);
    case WK_EQ: return x == y;
    case WK_NE: return x != y;
    case WK_LT: return x < y;
    case WK_LE: return x <= y;
    case WK_GT: return x > y;
    default: return x >= y;
    }
}

/* max |got - want| / (1 + |want|) over every element of out. */
static double compare_binary(const wk_tensor *out, const wk_tensor *a, const wk_tensor *b, wk_binop op)
{
    double worst = 0;
    int64_t idx[WK_MAX_DIMS] = {0};
    if (wk_tensor_numel(out) == 0) return 0;
    do {
        double want = ref_binary(op, (float)bget(a, out->ndim, idx), (float)bget(b, out->ndim, idx));
        double got = *wk_tensor_at(out, idx);
        double err = fabs(got - want) / (1 + fabs(want));
        if (!(err <= worst)) worst = err;   /* NaN sticks */
    } while (next_index(idx, out->ndim, out->shape));
    return worst;
}

/* Random broadcast pair: an output shape, then a and b each drop leading dims or set
 * dims to 1 at random. Sizes include 0 now and then. */
static void random_pair(int *na, int64_t *sa, int *nb, int64_t *sb)
{
    int n = (int)below(5);
    int64_t out[WK_MAX_DIMS];
    for (int d = 0; d < n; d++) out[d] = below(12) == 0 ? 0 : 1 + below(6);
    int64_t *s[2] = {sa, sb};
    int *nd[2] = {na, nb};
    for (int k = 0; k < 2; k++) {
        int drop = n ? (int)below(n + 1) : 0;
        if (below(2)) drop = 0;
        *nd[k] = n - drop;
        for (int d = 0; d < n - drop; d++) s[k][d] = below(4) == 0 ? 1 : out[d + drop];
    }
}

TEST(reference_binary)
{
    wk_rng_seed(11);
    double worst = 0;
    for (int trial = 0; trial < 400; trial++) {
        int na, nb;
        int64_t sa[WK_MAX_DIMS], sb[WK_MAX_DIMS];
        random_pair(&na, sa, &nb, sb);
        wk_binop op = (wk_binop)below(WK_BINOP_COUNT);
        /* positive bases for pow, values away from 0 for div */
        float lo = op == WK_POW ? 0.5f : -4, hi = op == WK_POW ? 2.0f : 4;
        wk_tensor a = random_view(na, sa, lo, hi), b = random_view(nb, sb, op == WK_DIV ? 0.5f : lo, hi), c;
        if (op >= WK_EQ) {   /* make some elements equal so eq/le/ge see ties */
            if (wk_tensor_numel(&b) && wk_tensor_numel(&a)) wk_tensor_data(&b)[0] = wk_tensor_data(&a)[0];
        }
        CHECK(wk_tensor_binary(&c, &a, &b, op) == WK_OK);
        double err = compare_binary(&c, &a, &b, op);
        if (!(err <= worst)) worst = err;
        wk_tensor_release(&c);

        /* in place when b broadcasts into a's shape: compare against the allocating form */
        wk_tensor ref;
        if (wk_tensor_binary(&ref, &a, &b, op) == WK_OK && wk_tensor_same_shape(&ref, &a)) {
            int expanded = 0;
            for (int d = 0; d < a.ndim; d++) expanded |= a.stride[d] == 0 && a.shape[d] > 1;
            if (!expanded) {
                CHECK(wk_tensor_binary_(&a, &b, op) == WK_OK);
                for (int64_t i = 0; i < wk_tensor_numel(&a); i++) CHECK(flat(&a, i) == flat(&ref, i));
            }
        }
        wk_tensor_release(&ref);
        wk_tensor_release(&a);
        wk_tensor_release(&b);
    }
    printf("  reference_binary: max relative diff %.3g (tolerance 1e-6)\n", worst);
    CHECK(worst <= 1e-6);
}

static double ref_unary(wk_unop op, double x)
{
    switch (op) {
    case WK_EXP: return exp(x);
    case WK_LOG: return log(x);
    case WK_SQRT: return sqrt(x);
    case WK_ABS: return fabs(x);
    case WK_NEG: return -x;
    case WK_TANH: return tanh(x);
    case WK_SIGMOID: return 1 / (1 + exp(-x));
    case WK_RELU: return x > 0 ? x : 0;
    case WK_SIN: return sin(x);
    case WK_COS: return cos(x);
    default: return floor(x);
    }
}

TEST(reference_unary)
{
    wk_rng_seed(12);
    double worst = 0;
    for (int trial = 0; trial < 300; trial++) {
        int na, nb;
        int64_t sa[WK_MAX_DIMS], sb[WK_MAX_DIMS];
        random_pair(&na, sa, &nb, sb);
        wk_unop op = (wk_unop)below(WK_UNOP_COUNT);
        float lo = (op == WK_LOG || op == WK_SQRT) ? 0.01f : -6;
        wk_tensor a = random_view(na, sa, lo, 6), c;
        CHECK(wk_tensor_unary(&c, &a, op) == WK_OK && wk_tensor_same_shape(&c, &a));
        for (int64_t i = 0; i < wk_tensor_numel(&a); i++) {
            double want = ref_unary(op, flat(&a, i)), err = fabs(flat(&c, i) - want) / (1 + fabs(want));
            if (!(err <= worst)) worst = err;
        }
        wk_tensor_release(&c);
        wk_tensor_release(&a);
    }
    printf("  reference_unary: max relative diff %.3g (tolerance 1e-6)\n", worst);
    CHECK(worst <= 1e-6);
}

TEST(reference_where)
{
    wk_rng_seed(13);
    for (int trial = 0; trial < 100; trial++) {
        int na, nb;
        int64_t sa[WK_MAX_DIMS], sb[WK_MAX_DIMS];
        random_pair(&na, sa, &nb, sb);
        wk_tensor a = random_view(na, sa, -1, 1), b = random_view(nb, sb, -1, 1), cond, c;
        CHECK(wk_tensor_binary_scalar(&cond, &a, 0, WK_GT, 0) == WK_OK);
        /* where(a > 0, a, b) */
        if (wk_tensor_where(&c, &cond, &a, &b) == WK_OK) {
            int64_t idx[WK_MAX_DIMS] = {0};
            if (wk_tensor_numel(&c))
                do {
                    double x = bget(&a, c.ndim, idx), want = x > 0 ? x : bget(&b, c.ndim, idx);
                    CHECK(*wk_tensor_at(&c, idx) == (float)want);
                } while (next_index(idx, c.ndim, c.shape));
            wk_tensor_release(&c);
        } else {
            CHECK(has_message("cannot be broadcast together"));
        }
        wk_tensor_release(&cond);
        wk_tensor_release(&a);
        wk_tensor_release(&b);
    }
}

TEST(no_leaks)
{
    /* every test above released what it made */
    CHECK(wk_tensor_live_bytes() == 0);
}

/* ---- large operations, shared through the thread pool ------------------------------ */

/* Over 2^18 elements an op is cut into chunks run on the pool's threads: every element
 * must still be right (the chunk edges included), and 1 thread and 2 give equal bits. */
TEST(large_ops_threaded)
{
    const int64_t n = ((int64_t)1 << 18) * 3 + 12345;
    wk_tensor a, b, out[2];
    CHECK(wk_tensor_new(&a, 1, SHAPE(n)) == WK_OK && wk_tensor_new(&b, 1, SHAPE(n)) == WK_OK);
    float *pa = wk_tensor_data(&a), *pb = wk_tensor_data(&b);
    for (int64_t i = 0; i < n; i++) pa[i] = (float)(i % 1000) - 500.0f, pb[i] = (float)(i % 7) * 0.5f;
    int threads = wk_threads_count();
    for (int k = 0; k < 2; k++) {
        wk_threads_set(k + 1);
        wk_tensor sum, relu;
        CHECK(wk_tensor_add(&sum, &a, &b) == WK_OK && wk_tensor_unary(&relu, &sum, WK_RELU) == WK_OK);
        CHECK(wk_tensor_clamp_(&relu, 0, 300) == WK_OK && wk_tensor_binary_scalar_(&relu, 2, WK_MUL) == WK_OK);
        out[k] = relu;
        wk_tensor_release(&sum);
    }
    wk_threads_set(threads);
    int64_t wrong = 0;
    const float *p0 = wk_tensor_data(&out[0]), *p1 = wk_tensor_data(&out[1]);
    for (int64_t i = 0; i < n; i++) {
        float v = pa[i] + pb[i];
        v = v < 0 ? 0 : v > 300 ? 300 : v;
        wrong += p0[i] != 2 * v || memcmp(&p0[i], &p1[i], sizeof(float)) != 0;
    }
    CHECK(wrong == 0);
    /* and a large copy (also shared through the pool), whole and into a narrowed view */
    wk_tensor copy, whole;
    CHECK(wk_tensor_new(&whole, 1, SHAPE(n + 10)) == WK_OK);
    copy = whole;
    copy.offset += 10, copy.shape[0] = n;
    wk_threads_set(2);
    CHECK(wk_tensor_copy_(&copy, &out[0]) == WK_OK);
    wk_threads_set(threads);
    CHECK(memcmp(wk_tensor_data(&copy), p0, (size_t)n * sizeof(float)) == 0);
    wk_tensor_release(&whole);
    for (int k = 0; k < 2; k++) wk_tensor_release(&out[k]);
    wk_tensor_release(&a);
    wk_tensor_release(&b);
}

int main(void)
{
    RUN(binary_same_shape);
    RUN(comparisons);
    RUN(scalar_either_side);
    RUN(broadcast_corners);
    RUN(broadcast_errors);
    RUN(broadcast_beyond_the_limit);
    RUN(unary_values);
    RUN(sigmoid_stable);
    RUN(exp_sweep);
    RUN(nan_propagation);
    RUN(clamp_values);
    RUN(where_values);
    RUN(inplace_basic);
    RUN(inplace_overlap);
    RUN(reference_binary);
    RUN(reference_unary);
    RUN(reference_where);
    RUN(large_ops_threaded);
    RUN(no_leaks);
    return check_summary("ops");
}
