/* rnn.c — LSTM and GRU layers over a whole sequence: training forward, no-grad forward
 * and backward through time (see rnn.h for the formulas, shapes and buffer contract).
 *
 * Layout. Rows are indexed (n, t) in batch-first order, so x (N, T, I) is an (N*T, I)
 * matrix and the input projection x W_ih^T of every step is one SGEMM into the gate rows
 * of `saved`. The gate block of step t is then the strided matrix saved[:, t, :] (N rows,
 * leading dimension T * row width), which the per-step SGEMM h_{t-1} W_hh^T can read and
 * accumulate into in place; h_{t-1} itself is read in place from y[:, t-1, :]
 * (leading dimension T*H). Nothing is copied per step.
 *
 * Sections: argument checks; small BLAS helpers; LSTM forward core, forward, no-grad
 * forward, backward; the same for GRU. */
#include "../core/threads.h"
#include "rnn.h"

#include <cblas.h>
#include <limits.h>
#include <string.h>

#include "activation.h"
#include "cell.h"

#undef I   /* <cblas.h> pulls in <complex.h>; here I is the input size */

/* ---- argument checks ------------------------------------------------------------- */

typedef struct rnn_dims {
    const char *fn;    /* "lstm_forward", … for messages */
    int gates;         /* 4 (LSTM) or 3 (GRU) */
    int64_t N, T, I, H;
} rnn_dims;

static int need_shape(const rnn_dims *d, const char *name, const wk_tensor *t, int ndim, const int64_t *shape,
                      const char *dims)
{
    char want[96], got[96];
    wk_shape_str(want, sizeof want, ndim, shape);
    if (!t || !t->storage) return wk_fail("%s: %s %s %s is missing or empty", d->fn, name, dims, want);
    if (t->ndim != ndim || memcmp(t->shape, shape, (size_t)ndim * sizeof(int64_t)) != 0)
        return wk_fail("%s: %s must be %s = %s, got %s", d->fn, name, dims, want,
                       wk_tensor_shape_str(t, got, sizeof got));
    if (!wk_tensor_is_contiguous(t))
        return wk_fail("%s: %s %s must be contiguous (call :contiguous() first)", d->fn, name, want);
    return WK_OK;
}

static int need_nh(const rnn_dims *d, const char *name, const wk_tensor *t)
{
    return need_shape(d, name, t, 2, (int64_t[]){d->N, d->H}, "(N, H)");
}

static int need_nth(const rnn_dims *d, const char *name, const wk_tensor *t, int64_t width, const char *dims)
{
    return need_shape(d, name, t, 3, (int64_t[]){d->N, d->T, width}, dims);
}

/* Reads N, T, I from x and H from w_hh, then checks the weights against them. */
static int rnn_setup(rnn_dims *d, const char *fn, int gates, const wk_tensor *x, const wk_tensor *w_ih,
                     const wk_tensor *w_hh, const wk_tensor *b_ih, const wk_tensor *b_hh)
{
    char s[96];
    const char *gh = gates == 4 ? "(4H, H)" : "(3H, H)";
    d->fn = fn;
    d->gates = gates;
    if (!x || !x->storage) return wk_fail("%s: x (N, T, I) is missing or empty", fn);
    if (x->ndim != 3)
        return wk_fail("%s: x must be 3-D (N, T, I), batch first, got %d-D %s", fn, x->ndim,
                       wk_tensor_shape_str(x, s, sizeof s));
    if (!w_hh || !w_hh->storage) return wk_fail("%s: w_hh %s is missing or empty", fn, gh);
    if (w_hh->ndim != 2 || w_hh->shape[1] < 1 || w_hh->shape[0] != gates * w_hh->shape[1])
        return wk_fail("%s: w_hh must be %s with %d gates stacked in its rows, got %s", fn, gh, gates,
                       wk_tensor_shape_str(w_hh, s, sizeof s));
    d->N = x->shape[0];
    d->T = x->shape[1];
    d->I = x->shape[2];
    d->H = w_hh->shape[1];
    if (d->N < 1 || d->T < 1 || d->I < 1)
        return wk_fail("%s: x (N, T, I) must have no empty dimension, got %s", fn, wk_tensor_shape_str(x, s, sizeof s));
    /* every leading dimension handed to BLAS must fit an int */
    if (d->T * 6 * d->H > INT_MAX || d->N * d->T > INT_MAX / 8 || d->I > INT_MAX / 8)
        return wk_fail("%s: x %s with hidden size %lld is too large for BLAS", fn, wk_tensor_shape_str(x, s, sizeof s),
                       (long long)d->H);
    int64_t G = gates * d->H;
    if (need_shape(d, "w_hh", w_hh, 2, (int64_t[]){G, d->H}, gh)) return WK_ERR;
    if (need_shape(d, "w_ih", w_ih, 2, (int64_t[]){G, d->I}, gates == 4 ? "(4H, I)" : "(3H, I)")) return WK_ERR;
    if (b_ih && need_shape(d, "b_ih", b_ih, 1, (int64_t[]){G}, gates == 4 ? "(4H)" : "(3H)")) return WK_ERR;
    if (b_hh && need_shape(d, "b_hh", b_hh, 1, (int64_t[]){G}, gates == 4 ? "(4H)" : "(3H)")) return WK_ERR;
    return WK_OK;
}

static const float *data_or_null(const wk_tensor *t) { return t ? wk_tensor_data(t) : NULL; }

/* ---- BLAS helpers ------------------------------------------------------------------- */

/* C (m, n; ldc) = beta C + A (m, k; lda) B^T, B stored (n, k; ldb) — the x W^T shape. */
static void gemm_nt(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda, const float *B, int64_t ldb,
                    float beta, float *C, int64_t ldc)
{
    wk_sgemm(CblasNoTrans, CblasTrans, (blasint)m, (blasint)n, (blasint)k, 1.0f, A, (blasint)lda,
                B, (blasint)ldb, beta, C, (blasint)ldc);
}

/* C (m, n; ldc) = beta C + A (m, k; lda) B (k, n; ldb). */
static void gemm_nn(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda, const float *B, int64_t ldb,
                    float beta, float *C, int64_t ldc)
{
    wk_sgemm(CblasNoTrans, CblasNoTrans, (blasint)m, (blasint)n, (blasint)k, 1.0f, A,
                (blasint)lda, B, (blasint)ldb, beta, C, (blasint)ldc);
}

/* C (m, n) += A^T B with A stored (k, m; lda), B (k, n; ldb) — weight gradients. */
static void gemm_tn_acc(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda, const float *B, int64_t ldb,
                        float *C, int64_t ldc)
{
    wk_sgemm(CblasTrans, CblasNoTrans, (blasint)m, (blasint)n, (blasint)k, 1.0f, A, (blasint)lda,
                B, (blasint)ldb, 1.0f, C, (blasint)ldc);
}

/* db1 += colsum(G1), db2 += colsum(G2) for G1, G2 (rows, width), either db may be NULL;
 * ones (rows) and tmp (width) are scratch. Each column sum is one sgemv. */
static void colsum_acc(float *db, const float *G, int64_t rows, int64_t width, const float *ones)
{
    cblas_sgemv(CblasRowMajor, CblasTrans, (blasint)rows, (blasint)width, 1.0f, G, (blasint)width, ones, 1, 1.0f, db,
                1);
}

static void bias_grads(float *db1, float *db2, const float *G1, const float *G2, int64_t rows, int64_t width,
                       float *ones, float *tmp)
{
    if (!db1 && !db2) return;
    for (int64_t r = 0; r < rows; r++) ones[r] = 1.0f;
    if (G1 == G2 && db1 && db2) {   /* the same sums twice: compute them once */
        memset(tmp, 0, (size_t)width * sizeof(float));
        colsum_acc(tmp, G1, rows, width, ones);
        for (int64_t j = 0; j < width; j++) {
            db1[j] += tmp[j];
            db2[j] += tmp[j];
        }
        return;
    }
    if (db1) colsum_acc(db1, G1, rows, width, ones);
    if (db2) colsum_acc(db2, G2, rows, width, ones);
}

/* Hp (N, T, H): row (n, t) = h_{t-1} of sequence n, i.e. y[n, t-1] or h0[n] (or 0). */
static void shifted_states(float *Hp, const float *y, const float *h0, int64_t N, int64_t T, int64_t H)
{
    size_t row = (size_t)H * sizeof(float);
    for (int64_t n = 0; n < N; n++) {
        float *dst = Hp + n * T * H;
        if (h0) memcpy(dst, h0 + n * H, row);
        else memset(dst, 0, row);
        if (T > 1) memcpy(dst + H, y + n * T * H, (size_t)(T - 1) * row);
    }
}

/* ---- LSTM forward ------------------------------------------------------------------- */

/* The forward recurrence, shared by the training and no-grad paths. S (N, T, 6H) holds
 * per row [i f g o | c | tanh c]; bias (4H) is scratch.
 *   pre(n, t) = x W_ih^T + h_{t-1} W_hh^T + b_ih + b_hh        (4H)
 *   i, f, o = sigmoid(pre_i, pre_f, pre_o),  g = tanh(pre_g)
 *   c_t = f c_{t-1} + i g,   h_t = o tanh(c_t) */
static void lstm_run(float *y, float *S, float *bias, const float *x, const float *h0, const float *c0,
                     const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh, const rnn_dims *d)
{
    int64_t N = d->N, T = d->T, I = d->I, H = d->H, W = 6 * H;
    int have_bias = b_ih || b_hh;
    for (int64_t j = 0; j < 4 * H; j++) bias[j] = (b_ih ? b_ih[j] : 0.0f) + (b_hh ? b_hh[j] : 0.0f);

    /* S[:, :, 0:4H] = X (N*T, I) W_ih^T */
    gemm_nt(N * T, 4 * H, I, x, I, w_ih, I, 0.0f, S, W);

    for (int64_t t = 0; t < T; t++) {
        /* S[:, t, 0:4H] += h_{t-1} (N, H) W_hh^T */
        const float *hp = t == 0 ? h0 : y + (t - 1) * H;
        int64_t ldh = t == 0 ? H : T * H;
        if (hp) gemm_nt(N, 4 * H, H, hp, ldh, w_hh, H, 1.0f, S + t * W, T * W);

        for (int64_t n = 0; n < N; n++) {
            float *row = S + (n * T + t) * W;                        /* (6H): i f g o c tanh(c) */
            const float *cp = t == 0 ? (c0 ? c0 + n * H : NULL) : row - W + 4 * H;   /* c_{t-1} */
            if (have_bias)
                for (int64_t j = 0; j < 4 * H; j++) row[j] += bias[j];
            wk_lstm_cell(row, cp, row + 4 * H, row + 5 * H, y + (n * T + t) * H, H);
        }
    }
}

/* hT[n] = y[n, T-1];  cT[n] = c of row (n, T-1). */
static void lstm_final(wk_tensor *hT, wk_tensor *cT, const float *y, const float *S, const rnn_dims *d)
{
    int64_t N = d->N, T = d->T, H = d->H;
    for (int64_t n = 0; n < N; n++) {
        if (hT) memcpy(wk_tensor_data(hT) + n * H, y + (n * T + T - 1) * H, (size_t)H * sizeof(float));
        if (cT) memcpy(wk_tensor_data(cT) + n * H, S + (n * T + T - 1) * 6 * H + 4 * H, (size_t)H * sizeof(float));
    }
}

static int lstm_check_forward(rnn_dims *d, const char *fn, const wk_tensor *y, const wk_tensor *hT,
                              const wk_tensor *cT, const wk_tensor *x, const wk_tensor *h0, const wk_tensor *c0,
                              const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *b_ih,
                              const wk_tensor *b_hh)
{
    if (rnn_setup(d, fn, 4, x, w_ih, w_hh, b_ih, b_hh)) return WK_ERR;
    if (need_nth(d, "y", y, d->H, "(N, T, H)")) return WK_ERR;
    if (h0 && need_nh(d, "h0", h0)) return WK_ERR;
    if (c0 && need_nh(d, "c0", c0)) return WK_ERR;
    if (hT && need_nh(d, "hT", hT)) return WK_ERR;
    if (cT && need_nh(d, "cT", cT)) return WK_ERR;
    return WK_OK;
}

int wk_lstm_forward(wk_tensor *y, wk_tensor *hT, wk_tensor *cT, wk_tensor *saved,
                    const wk_tensor *x, const wk_tensor *h0, const wk_tensor *c0,
                    const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *b_ih, const wk_tensor *b_hh,
                    wk_workspace *ws)
{
    rnn_dims d;
    if (lstm_check_forward(&d, "lstm_forward", y, hT, cT, x, h0, c0, w_ih, w_hh, b_ih, b_hh)) return WK_ERR;
    if (need_nth(&d, "saved", saved, 6 * d.H, "(N, T, 6H)")) return WK_ERR;
    float *bias = wk_workspace_get(ws, (size_t)(4 * d.H));              /* (4H) */
    if (!bias) return WK_ERR;
    float *py = wk_tensor_data(y), *S = wk_tensor_data(saved);
    lstm_run(py, S, bias, wk_tensor_data(x), data_or_null(h0), data_or_null(c0), wk_tensor_data(w_ih),
             wk_tensor_data(w_hh), data_or_null(b_ih), data_or_null(b_hh), &d);
    lstm_final(hT, cT, py, S, &d);
    return WK_OK;
}

int wk_lstm_forward_nograd(wk_tensor *y, wk_tensor *hT, wk_tensor *cT,
                           const wk_tensor *x, const wk_tensor *h0, const wk_tensor *c0,
                           const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *b_ih,
                           const wk_tensor *b_hh, wk_workspace *ws)
{
    rnn_dims d;
    if (lstm_check_forward(&d, "lstm_forward_nograd", y, hT, cT, x, h0, c0, w_ih, w_hh, b_ih, b_hh)) return WK_ERR;
    size_t nS = (size_t)(d.N * d.T * 6 * d.H);
    float *S = wk_workspace_get(ws, nS + (size_t)(4 * d.H));   /* S (N, T, 6H), bias (4H) */
    if (!S) return WK_ERR;
    float *py = wk_tensor_data(y);
    lstm_run(py, S, S + nS, wk_tensor_data(x), data_or_null(h0), data_or_null(c0), wk_tensor_data(w_ih),
             wk_tensor_data(w_hh), data_or_null(b_ih), data_or_null(b_hh), &d);
    lstm_final(hT, cT, py, S, &d);
    return WK_OK;
}

/* ---- LSTM backward ------------------------------------------------------------------ */

/* Per step t, from T-1 down to 0, with dh = dL/dh_t (from y and from step t+1) and
 * dc = dL/dc_t (from step t+1):
 *   do = dh tanh(c_t)              dc += dh o (1 - tanh^2 c_t)
 *   di = dc g   df = dc c_{t-1}    dg = dc i          dc_{t-1} = dc f
 *   dG_t = [di i(1-i), df f(1-f), dg (1-g^2), do o(1-o)]      (N, 4H) pre-activation grads
 *   dh_{t-1} = dG_t W_hh + dy_{t-1}
 * then over all rows at once: dx += dG W_ih, dW_ih += dG^T X, dW_hh += dG^T H_prev,
 * db_ih, db_hh += colsum(dG). */
int wk_lstm_backward(wk_tensor *dx, wk_tensor *dh0, wk_tensor *dc0,
                     wk_tensor *dw_ih, wk_tensor *dw_hh, wk_tensor *db_ih, wk_tensor *db_hh,
                     const wk_tensor *dy, const wk_tensor *dhT, const wk_tensor *dcT,
                     const wk_tensor *x, const wk_tensor *h0, const wk_tensor *c0, const wk_tensor *y,
                     const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *saved,
                     wk_workspace *ws)
{
    rnn_dims d;
    if (rnn_setup(&d, "lstm_backward", 4, x, w_ih, w_hh, NULL, NULL)) return WK_ERR;
    int64_t N = d.N, T = d.T, I = d.I, H = d.H, W = 6 * H, G = 4 * H;
    if (need_nth(&d, "y", y, H, "(N, T, H)") || need_nth(&d, "dy", dy, H, "(N, T, H)") ||
        need_nth(&d, "saved", saved, W, "(N, T, 6H)"))
        return WK_ERR;
    if ((h0 && need_nh(&d, "h0", h0)) || (c0 && need_nh(&d, "c0", c0)) || (dhT && need_nh(&d, "dhT", dhT)) ||
        (dcT && need_nh(&d, "dcT", dcT)) || (dh0 && need_nh(&d, "dh0", dh0)) || (dc0 && need_nh(&d, "dc0", dc0)))
        return WK_ERR;
    if (dx && need_nth(&d, "dx", dx, I, "(N, T, I)")) return WK_ERR;
    if (dw_ih && need_shape(&d, "dw_ih", dw_ih, 2, (int64_t[]){G, I}, "(4H, I)")) return WK_ERR;
    if (dw_hh && need_shape(&d, "dw_hh", dw_hh, 2, (int64_t[]){G, H}, "(4H, H)")) return WK_ERR;
    if (db_ih && need_shape(&d, "db_ih", db_ih, 1, (int64_t[]){G}, "(4H)")) return WK_ERR;
    if (db_hh && need_shape(&d, "db_hh", db_hh, 1, (int64_t[]){G}, "(4H)")) return WK_ERR;

    size_t NT = (size_t)(N * T), nG = NT * (size_t)G, nHp = NT * (size_t)H, nNH = (size_t)(N * H);
    float *dG = wk_workspace_get(ws, nG + nHp + 2 * nNH + NT + (size_t)G);
    if (!dG) return WK_ERR;
    float *Hp = dG + nG;          /* (N, T, H)  h_{t-1} per row */
    float *dh = Hp + nHp;         /* (N, H)     dL/dh_t */
    float *dc = dh + nNH;         /* (N, H)     dL/dc_t */
    float *ones = dc + nNH;       /* (N*T) */
    float *btmp = ones + NT;      /* (4H) */

    const float *S = wk_tensor_data(saved), *pdy = wk_tensor_data(dy), *px = wk_tensor_data(x);
    const float *pc0 = data_or_null(c0), *Whh = wk_tensor_data(w_hh), *Wih = wk_tensor_data(w_ih);
    if (dhT) memcpy(dh, wk_tensor_data(dhT), nNH * sizeof(float));
    else memset(dh, 0, nNH * sizeof(float));
    if (dcT) memcpy(dc, wk_tensor_data(dcT), nNH * sizeof(float));
    else memset(dc, 0, nNH * sizeof(float));

    for (int64_t t = T - 1; t >= 0; t--) {
        for (int64_t n = 0; n < N; n++) {
            const float *row = S + (n * T + t) * W;                 /* [i f g o c tanh c] */
            const float *gi = row, *gf = row + H, *gg = row + 2 * H, *go = row + 3 * H, *tc = row + 5 * H;
            const float *cp = t == 0 ? (pc0 ? pc0 + n * H : NULL) : row - W + 4 * H;
            const float *dyr = pdy + (n * T + t) * H;
            float *dgr = dG + (n * T + t) * G;                       /* (4H) */
            float *dhn = dh + n * H, *dcn = dc + n * H;
            for (int64_t j = 0; j < H; j++) {
                float i = gi[j], f = gf[j], g = gg[j], o = go[j], th = tc[j];
                float dhj = dhn[j] + dyr[j];
                float dcj = dcn[j] + dhj * o * (1.0f - th * th);
                float cpj = cp ? cp[j] : 0.0f;
                dgr[j] = dcj * g * i * (1.0f - i);
                dgr[H + j] = dcj * cpj * f * (1.0f - f);
                dgr[2 * H + j] = dcj * i * (1.0f - g * g);
                dgr[3 * H + j] = dhj * th * o * (1.0f - o);
                dcn[j] = dcj * f;
            }
        }
        /* dh_{t-1} = dG_t (N, 4H) W_hh (4H, H); dy_{t-1} is added in the next pass */
        if (t > 0 || dh0) gemm_nn(N, H, G, dG + t * G, T * G, Whh, H, 0.0f, dh, H);
    }
    if (dh0) {
        float *p = wk_tensor_data(dh0);
        for (size_t k = 0; k < nNH; k++) p[k] += dh[k];
    }
    if (dc0) {
        float *p = wk_tensor_data(dc0);
        for (size_t k = 0; k < nNH; k++) p[k] += dc[k];
    }
    if (dx) gemm_nn(N * T, I, G, dG, G, Wih, I, 1.0f, wk_tensor_data(dx), I);   /* (N*T, I) */
    if (dw_ih) gemm_tn_acc(G, I, N * T, dG, G, px, I, wk_tensor_data(dw_ih), I);
    if (dw_hh) {
        shifted_states(Hp, wk_tensor_data(y), data_or_null(h0), N, T, H);
        gemm_tn_acc(G, H, N * T, dG, G, Hp, H, wk_tensor_data(dw_hh), H);
    }
    bias_grads(db_ih ? wk_tensor_data(db_ih) : NULL, db_hh ? wk_tensor_data(db_hh) : NULL, dG, dG, N * T, G, ones,
               btmp);
    return WK_OK;
}

/* ---- GRU forward -------------------------------------------------------------------- */

/* S (N, T, 4H) holds per row [r z n | hn], hn = W_hn h_{t-1} + b_hn; Hh (N, 3H) is
 * scratch for h_{t-1} W_hh^T.
 *   r, z = sigmoid(x W_i{r,z}^T + b_i{r,z} + h W_h{r,z}^T + b_h{r,z})
 *   n = tanh(x W_in^T + b_in + r hn),   h_t = (1 - z) n + z h_{t-1} */
static void gru_run(float *y, float *S, float *Hh, const float *x, const float *h0, const float *w_ih,
                    const float *w_hh, const float *b_ih, const float *b_hh, const rnn_dims *d)
{
    int64_t N = d->N, T = d->T, I = d->I, H = d->H, W = 4 * H;
    gemm_nt(N * T, 3 * H, I, x, I, w_ih, I, 0.0f, S, W);   /* S[:, :, 0:3H] = X W_ih^T */

    for (int64_t t = 0; t < T; t++) {
        const float *hp = t == 0 ? h0 : y + (t - 1) * H;
        int64_t ldh = t == 0 ? H : T * H;
        if (hp) gemm_nt(N, 3 * H, H, hp, ldh, w_hh, H, 0.0f, Hh, 3 * H);   /* (N, 3H) */
        for (int64_t n = 0; n < N; n++) {
            float *row = S + (n * T + t) * W;                         /* (4H): r z n hn */
            const float *hpn = hp ? (t == 0 ? hp + n * H : y + (n * T + t - 1) * H) : NULL;
            const float *gh = b_hh;                                   /* h W_hh^T + b_hh (3H) */
            if (hp) {
                float *hh = Hh + n * 3 * H;
                if (b_hh)
                    for (int64_t j = 0; j < 3 * H; j++) hh[j] += b_hh[j];
                gh = hh;
            }
            if (b_ih)
                for (int64_t j = 0; j < 3 * H; j++) row[j] += b_ih[j];
            wk_gru_cell(row, gh, hpn, y + (n * T + t) * H, row + 3 * H, H);
        }
    }
}

static int gru_check_forward(rnn_dims *d, const char *fn, const wk_tensor *y, const wk_tensor *hT,
                             const wk_tensor *x, const wk_tensor *h0, const wk_tensor *w_ih, const wk_tensor *w_hh,
                             const wk_tensor *b_ih, const wk_tensor *b_hh)
{
    if (rnn_setup(d, fn, 3, x, w_ih, w_hh, b_ih, b_hh)) return WK_ERR;
    if (need_nth(d, "y", y, d->H, "(N, T, H)")) return WK_ERR;
    if (h0 && need_nh(d, "h0", h0)) return WK_ERR;
    if (hT && need_nh(d, "hT", hT)) return WK_ERR;
    return WK_OK;
}

static void gru_final(wk_tensor *hT, const float *y, const rnn_dims *d)
{
    if (!hT) return;
    for (int64_t n = 0; n < d->N; n++)
        memcpy(wk_tensor_data(hT) + n * d->H, y + (n * d->T + d->T - 1) * d->H, (size_t)d->H * sizeof(float));
}

int wk_gru_forward(wk_tensor *y, wk_tensor *hT, wk_tensor *saved,
                   const wk_tensor *x, const wk_tensor *h0,
                   const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *b_ih, const wk_tensor *b_hh,
                   wk_workspace *ws)
{
    rnn_dims d;
    if (gru_check_forward(&d, "gru_forward", y, hT, x, h0, w_ih, w_hh, b_ih, b_hh)) return WK_ERR;
    if (need_nth(&d, "saved", saved, 4 * d.H, "(N, T, 4H)")) return WK_ERR;
    float *Hh = wk_workspace_get(ws, (size_t)(d.N * 3 * d.H));   /* (N, 3H) */
    if (!Hh) return WK_ERR;
    float *py = wk_tensor_data(y);
    gru_run(py, wk_tensor_data(saved), Hh, wk_tensor_data(x), data_or_null(h0), wk_tensor_data(w_ih),
            wk_tensor_data(w_hh), data_or_null(b_ih), data_or_null(b_hh), &d);
    gru_final(hT, py, &d);
    return WK_OK;
}

int wk_gru_forward_nograd(wk_tensor *y, wk_tensor *hT,
                          const wk_tensor *x, const wk_tensor *h0,
                          const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *b_ih,
                          const wk_tensor *b_hh, wk_workspace *ws)
{
    rnn_dims d;
    if (gru_check_forward(&d, "gru_forward_nograd", y, hT, x, h0, w_ih, w_hh, b_ih, b_hh)) return WK_ERR;
    size_t nS = (size_t)(d.N * d.T * 4 * d.H);
    float *S = wk_workspace_get(ws, nS + (size_t)(d.N * 3 * d.H));   /* S (N, T, 4H), Hh (N, 3H) */
    if (!S) return WK_ERR;
    float *py = wk_tensor_data(y);
    gru_run(py, S, S + nS, wk_tensor_data(x), data_or_null(h0), wk_tensor_data(w_ih), wk_tensor_data(w_hh),
            data_or_null(b_ih), data_or_null(b_hh), &d);
    gru_final(hT, py, &d);
    return WK_OK;
}

/* ---- GRU backward ------------------------------------------------------------------- */

/* Per step t, from T-1 down to 0, with dh = dL/dh_t:
 *   dn = dh (1 - z)      dz = dh (h_{t-1} - n)      dn' = dn (1 - n^2)
 *   dr = dn' hn          dh_{t-1} = dh z + dGh_t W_hh + dy_{t-1}
 *   input-side pre-activation grads  dGi = [dr r(1-r), dz z(1-z), dn']        (N, T, 3H)
 *   hidden-side                      dGh = [dr r(1-r), dz z(1-z), dn' r]      (N, T, 3H)
 * then dx += dGi W_ih, dW_ih += dGi^T X, dW_hh += dGh^T H_prev, db_ih += colsum(dGi),
 * db_hh += colsum(dGh). */
int wk_gru_backward(wk_tensor *dx, wk_tensor *dh0,
                    wk_tensor *dw_ih, wk_tensor *dw_hh, wk_tensor *db_ih, wk_tensor *db_hh,
                    const wk_tensor *dy, const wk_tensor *dhT,
                    const wk_tensor *x, const wk_tensor *h0, const wk_tensor *y,
                    const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *saved,
                    wk_workspace *ws)
{
    rnn_dims d;
    if (rnn_setup(&d, "gru_backward", 3, x, w_ih, w_hh, NULL, NULL)) return WK_ERR;
    int64_t N = d.N, T = d.T, I = d.I, H = d.H, W = 4 * H, G = 3 * H;
    if (need_nth(&d, "y", y, H, "(N, T, H)") || need_nth(&d, "dy", dy, H, "(N, T, H)") ||
        need_nth(&d, "saved", saved, W, "(N, T, 4H)"))
        return WK_ERR;
    if ((h0 && need_nh(&d, "h0", h0)) || (dhT && need_nh(&d, "dhT", dhT)) || (dh0 && need_nh(&d, "dh0", dh0)))
        return WK_ERR;
    if (dx && need_nth(&d, "dx", dx, I, "(N, T, I)")) return WK_ERR;
    if (dw_ih && need_shape(&d, "dw_ih", dw_ih, 2, (int64_t[]){G, I}, "(3H, I)")) return WK_ERR;
    if (dw_hh && need_shape(&d, "dw_hh", dw_hh, 2, (int64_t[]){G, H}, "(3H, H)")) return WK_ERR;
    if (db_ih && need_shape(&d, "db_ih", db_ih, 1, (int64_t[]){G}, "(3H)")) return WK_ERR;
    if (db_hh && need_shape(&d, "db_hh", db_hh, 1, (int64_t[]){G}, "(3H)")) return WK_ERR;

    size_t NT = (size_t)(N * T), nG = NT * (size_t)G, nHp = NT * (size_t)H, nNH = (size_t)(N * H);
    float *dGi = wk_workspace_get(ws, 2 * nG + nHp + nNH + NT + (size_t)G);
    if (!dGi) return WK_ERR;
    float *dGh = dGi + nG;        /* (N, T, 3H) */
    float *Hp = dGh + nG;         /* (N, T, H)  h_{t-1} per row */
    float *dh = Hp + nHp;         /* (N, H)     dL/dh_t */
    float *ones = dh + nNH;       /* (N*T) */
    float *btmp = ones + NT;      /* (3H) */

    const float *S = wk_tensor_data(saved), *pdy = wk_tensor_data(dy), *px = wk_tensor_data(x);
    const float *py = wk_tensor_data(y), *ph0 = data_or_null(h0);
    if (dhT) memcpy(dh, wk_tensor_data(dhT), nNH * sizeof(float));
    else memset(dh, 0, nNH * sizeof(float));

    for (int64_t t = T - 1; t >= 0; t--) {
        for (int64_t n = 0; n < N; n++) {
            const float *row = S + (n * T + t) * W;
            const float *r = row, *z = row + H, *nn = row + 2 * H, *hn = row + 3 * H;
            const float *hp = t == 0 ? (ph0 ? ph0 + n * H : NULL) : py + (n * T + t - 1) * H;
            const float *dyr = pdy + (n * T + t) * H;
            float *gi = dGi + (n * T + t) * G, *gh = dGh + (n * T + t) * G, *dhn = dh + n * H;
            for (int64_t j = 0; j < H; j++) {
                float dhj = dhn[j] + dyr[j];
                float hpj = hp ? hp[j] : 0.0f;
                float dnp = dhj * (1.0f - z[j]) * (1.0f - nn[j] * nn[j]);
                float drp = dnp * hn[j] * r[j] * (1.0f - r[j]);
                float dzp = dhj * (hpj - nn[j]) * z[j] * (1.0f - z[j]);
                gi[j] = gh[j] = drp;
                gi[H + j] = gh[H + j] = dzp;
                gi[2 * H + j] = dnp;
                gh[2 * H + j] = dnp * r[j];
                dhn[j] = dhj * z[j];
            }
        }
        /* dh_{t-1} = dh z + dGh_t (N, 3H) W_hh (3H, H) */
        if (t > 0 || dh0) gemm_nn(N, H, G, dGh + t * G, T * G, wk_tensor_data(w_hh), H, 1.0f, dh, H);
    }
    if (dh0) {
        float *p = wk_tensor_data(dh0);
        for (size_t k = 0; k < nNH; k++) p[k] += dh[k];
    }
    if (dx) gemm_nn(N * T, I, G, dGi, G, wk_tensor_data(w_ih), I, 1.0f, wk_tensor_data(dx), I);
    if (dw_ih) gemm_tn_acc(G, I, N * T, dGi, G, px, I, wk_tensor_data(dw_ih), I);
    if (dw_hh) {
        shifted_states(Hp, py, ph0, N, T, H);
        gemm_tn_acc(G, H, N * T, dGh, G, Hp, H, wk_tensor_data(dw_hh), H);
    }
    bias_grads(db_ih ? wk_tensor_data(db_ih) : NULL, db_hh ? wk_tensor_data(db_hh) : NULL, dGi, dGh, N * T, G, ones,
               btmp);
    return WK_OK;
}
