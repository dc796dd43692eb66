/* linear.c — y = x w^T + b forward and backward in one call each (see linear.h). The
 * autoencoder's batch of 128 through 784-256-64-2 layers spent as long in recording
 * and replaying a transpose, a matmul, a broadcast add and the bias gradient's
 * reduction as in its GEMMs. */
#include "linear.h"

#include <limits.h>
#include <string.h>
#include "../core/threads.h"

static int check2(const char *fn, const char *what, const wk_tensor *t)
{
    char s[96];
    if (!t || !t->storage) return wk_fail("%s: %s is missing or empty", fn, what);
    if (t->ndim != 2 || !wk_tensor_is_contiguous(t))
        return wk_fail("%s: %s must be a contiguous 2-D tensor, got %s", fn, what, wk_tensor_shape_str(t, s, sizeof s));
    return WK_OK;
}

/* x (R, in) and w (out, in) agree; b is (out) when given. */
static int check_operands(const char *fn, const wk_tensor *x, const wk_tensor *w, const wk_tensor *b)
{
    char s[96], t[96];
    if (check2(fn, "input", x) || check2(fn, "weight", w)) return WK_ERR;
    if (x->shape[1] != w->shape[1])
        return wk_fail("%s: input %s has %lld features, weight %s expects %lld", fn,
                       wk_tensor_shape_str(x, s, sizeof s), (long long)x->shape[1], wk_tensor_shape_str(w, t, sizeof t),
                       (long long)w->shape[1]);
    if (x->shape[0] > INT_MAX || x->shape[1] > INT_MAX || w->shape[0] > INT_MAX)
        return wk_fail("%s: sizes beyond 2^31-1 (BLAS counts in int)", fn);
    if (b && (!b->storage || b->ndim != 1 || b->shape[0] != w->shape[0] || !wk_tensor_is_contiguous(b)))
        return wk_fail("%s: bias must be a contiguous (%lld) vector", fn, (long long)w->shape[0]);
    return WK_OK;
}

int wk_linear_forward(wk_tensor *y, const wk_tensor *x, const wk_tensor *w, const wk_tensor *b)
{
    const char *fn = "linear";
    if (check_operands(fn, x, w, b)) return WK_ERR;
    const int64_t R = x->shape[0], in = x->shape[1], out = w->shape[0];
    const int64_t shape[2] = {R, out};
    if (!y) return wk_fail("%s: output is NULL", fn);
    if (!y->storage) {
        if (wk_tensor_new(y, 2, shape)) return WK_ERR;
    } else if (y->ndim != 2 || y->shape[0] != R || y->shape[1] != out || !wk_tensor_is_contiguous(y)) {
        return wk_fail("%s: output must be a contiguous (%lld, %lld) tensor", fn, (long long)R, (long long)out);
    }
    float *py = wk_tensor_data(y);
    if (R == 0 || out == 0) return WK_OK;
    if (in == 0) {   /* an empty product: y = b (or 0) */
        for (int64_t r = 0; r < R; r++)
            if (b) memcpy(py + r * out, wk_tensor_data(b), (size_t)out * sizeof(float));
            else memset(py + r * out, 0, (size_t)out * sizeof(float));
        return WK_OK;
    }
    if (b) {
        const float *pb = wk_tensor_data(b);
        for (int64_t r = 0; r < R; r++) memcpy(py + r * out, pb, (size_t)out * sizeof(float));
    }
    wk_sgemm(CblasNoTrans, CblasTrans, (int)R, (int)out, (int)in, 1.0f, wk_tensor_data(x), (int)in, wk_tensor_data(w),
             (int)in, b ? 1.0f : 0.0f, py, (int)out);
    return WK_OK;
}

int wk_linear_backward(wk_tensor *gx, wk_tensor *gw, wk_tensor *gb, const wk_tensor *g, const wk_tensor *x,
                       const wk_tensor *w)
{
    const char *fn = "linear backward";
    char s[96];
    if (check_operands(fn, x, w, NULL) || check2(fn, "gradient", g)) return WK_ERR;
    const int64_t R = x->shape[0], in = x->shape[1], out = w->shape[0];
    if (g->shape[0] != R || g->shape[1] != out)
        return wk_fail("%s: gradient must be (%lld, %lld), got %s", fn, (long long)R, (long long)out,
                       wk_tensor_shape_str(g, s, sizeof s));
    const float *pg = wk_tensor_data(g);
    /* the GEMMs overwrite (beta 0), so only an empty product needs zeros */
    const int empty = !(R && in && out);
    if (gx) {   /* (R, in) = g (R, out) . w (out, in) */
        if (empty ? wk_tensor_zeros(gx, 2, x->shape) : wk_tensor_new(gx, 2, x->shape)) return WK_ERR;
        if (!empty)
            wk_sgemm(CblasNoTrans, CblasNoTrans, (int)R, (int)in, (int)out, 1.0f, pg, (int)out, wk_tensor_data(w),
                     (int)in, 0.0f, wk_tensor_data(gx), (int)in);
    }
    if (gw) {   /* (out, in) = g^T (out, R) . x (R, in) */
        if (empty ? wk_tensor_zeros(gw, 2, w->shape) : wk_tensor_new(gw, 2, w->shape)) return WK_ERR;
        if (!empty)
            wk_sgemm(CblasTrans, CblasNoTrans, (int)out, (int)in, (int)R, 1.0f, pg, (int)out, wk_tensor_data(x),
                     (int)in, 0.0f, wk_tensor_data(gw), (int)in);
    }
    if (gb) {   /* column sums, row by row (vectorised across the columns) */
        const int64_t n = out;
        if (wk_tensor_zeros(gb, 1, &n)) return WK_ERR;
        float *pb = wk_tensor_data(gb);
        for (int64_t r = 0; r < R; r++) {
            const float *row = pg + r * out;
            for (int64_t o = 0; o < out; o++) pb[o] += row[o];
        }
    }
    return WK_OK;
}
