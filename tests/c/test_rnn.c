/* test_rnn.c — unit tests of lib/nn/rnn.c (LSTM and GRU layers).
 *
 * Forward passes are checked against a naive float64 step-by-step reference written
 * here from PyTorch's formulas (tolerance 1e-6 on outputs of size ~1), and against a
 * few numbers baked from PyTorch 1.13 itself for the gate order. Every backward output
 * is checked against central finite differences of the float64 reference (eps 1e-6) of
 * the loss L = sum(y*Ry) + sum(hT*Rh) + sum(cT*Rc) for random R (tolerance 1e-5 on
 * gradients of size ~1; the float32 kernels land near 1e-7). The max diffs are printed. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/nn/rnn.h"
#include "check.h"
#include "error_checks.h"
#include "tensor_fixtures.h"

/* ---- helpers ------------------------------------------------------------------------ */

static uint64_t lcg_state = 12345;
static double urand(void)   /* uniform in [-1, 1) */
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) / (double)(1ULL << 53) * 2.0 - 1.0;
}

static double *drand_array(int64_t n, double scale)
{
    double *p = malloc((size_t)n * sizeof(double));
    for (int64_t i = 0; i < n; i++) p[i] = scale * urand();
    return p;
}

static double max_abs_diff(const float *a, const double *b, int64_t n)
{
    double m = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d;   /* NaN propagates */
    }
    return m;
}

static double sigm(double v) { return 1.0 / (1.0 + exp(-v)); }

/* One problem: sizes, float64 masters of every input and weight. */
typedef struct prob {
    int gates;             /* 4 LSTM, 3 GRU */
    int64_t N, T, I, H;
    double *x;             /* (N, T, I) */
    double *h0, *c0;       /* (N, H); c0 unused by GRU */
    double *wih, *whh;     /* (G*H, I), (G*H, H) */
    double *bih, *bhh;     /* (G*H) */
} prob;

static prob make_prob(int gates, int64_t N, int64_t T, int64_t I, int64_t H)
{
    prob p = {gates, N, T, I, H, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    int64_t G = gates * H;
    p.x = drand_array(N * T * I, 1.0);
    p.h0 = drand_array(N * H, 0.8);
    p.c0 = drand_array(N * H, 0.8);
    p.wih = drand_array(G * I, 0.6);
    p.whh = drand_array(G * H, 0.6);
    p.bih = drand_array(G, 0.4);
    p.bhh = drand_array(G, 0.4);
    return p;
}

static void free_prob(prob *p)
{
    free(p->x), free(p->h0), free(p->c0), free(p->wih), free(p->whh), free(p->bih), free(p->bhh);
}

/* ---- float64 references ------------------------------------------------------------- */

/* LSTM, PyTorch's formulas, step by step: y (N, T, H), hT, cT (N, H). Any of h0, c0,
 * biases may be NULL (zeros). */
static void ref_lstm(const prob *p, const double *h0, const double *c0, const double *bih, const double *bhh,
                     double *y, double *hT, double *cT)
{
    int64_t N = p->N, T = p->T, I = p->I, H = p->H;
    double *h = calloc((size_t)H, sizeof(double)), *c = calloc((size_t)H, sizeof(double));
    double *a = malloc((size_t)(4 * H) * sizeof(double));
    for (int64_t n = 0; n < N; n++) {
        for (int64_t j = 0; j < H; j++) h[j] = h0 ? h0[n * H + j] : 0, c[j] = c0 ? c0[n * H + j] : 0;
        for (int64_t t = 0; t < T; t++) {
            const double *xt = p->x + (n * T + t) * I;
            for (int64_t k = 0; k < 4 * H; k++) {
                double s = (bih ? bih[k] : 0) + (bhh ? bhh[k] : 0);
                for (int64_t q = 0; q < I; q++) s += p->wih[k * I + q] * xt[q];
                for (int64_t q = 0; q < H; q++) s += p->whh[k * H + q] * h[q];
                a[k] = s;
            }
            for (int64_t j = 0; j < H; j++) {
                double i = sigm(a[j]), f = sigm(a[H + j]), g = tanh(a[2 * H + j]), o = sigm(a[3 * H + j]);
                c[j] = f * c[j] + i * g;
                h[j] = o * tanh(c[j]);
                y[(n * T + t) * H + j] = h[j];
            }
        }
        for (int64_t j = 0; j < H; j++) {
            if (hT) hT[n * H + j] = h[j];
            if (cT) cT[n * H + j] = c[j];
        }
    }
    free(h), free(c), free(a);
}

/* GRU, PyTorch's formulas: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)). */
static void ref_gru(const prob *p, const double *h0, const double *bih, const double *bhh, double *y, double *hT)
{
    int64_t N = p->N, T = p->T, I = p->I, H = p->H;
    double *h = calloc((size_t)H, sizeof(double)), *ai = malloc((size_t)(3 * H) * sizeof(double)),
           *ah = malloc((size_t)(3 * H) * sizeof(double));
    for (int64_t n = 0; n < N; n++) {
        for (int64_t j = 0; j < H; j++) h[j] = h0 ? h0[n * H + j] : 0;
        for (int64_t t = 0; t < T; t++) {
            const double *xt = p->x + (n * T + t) * I;
            for (int64_t k = 0; k < 3 * H; k++) {
                double si = bih ? bih[k] : 0, sh = bhh ? bhh[k] : 0;
                for (int64_t q = 0; q < I; q++) si += p->wih[k * I + q] * xt[q];
                for (int64_t q = 0; q < H; q++) sh += p->whh[k * H + q] * h[q];
                ai[k] = si, ah[k] = sh;
            }
            for (int64_t j = 0; j < H; j++) {
                double r = sigm(ai[j] + ah[j]), z = sigm(ai[H + j] + ah[H + j]);
                double nn = tanh(ai[2 * H + j] + r * ah[2 * H + j]);
                h[j] = (1 - z) * nn + z * h[j];
                y[(n * T + t) * H + j] = h[j];
            }
        }
        if (hT)
            for (int64_t j = 0; j < H; j++) hT[n * H + j] = h[j];
    }
    free(h), free(ai), free(ah);
}

/* ---- forward -------------------------------------------------------------------------- */

/* Runs the float32 LSTM forward (training or no-grad) with or without initial state and
 * bias, and compares y, hT, cT with the float64 reference. */
static void check_lstm_forward(int64_t N, int64_t T, int64_t I, int64_t H, int with_state, int with_bias, int nograd)
{
    prob p = make_prob(4, N, T, I, H);
    wk_tensor x = vec(3, (int64_t[]){N, T, I}, p.x), h0 = vec(2, (int64_t[]){N, H}, p.h0),
              c0 = vec(2, (int64_t[]){N, H}, p.c0), wih = vec(2, (int64_t[]){4 * H, I}, p.wih),
              whh = vec(2, (int64_t[]){4 * H, H}, p.whh), bih = vec(1, (int64_t[]){4 * H}, p.bih),
              bhh = vec(1, (int64_t[]){4 * H}, p.bhh), y = vec(3, (int64_t[]){N, T, H}, NULL),
              hT = vec(2, (int64_t[]){N, H}, NULL), cT = vec(2, (int64_t[]){N, H}, NULL),
              saved = vec(3, (int64_t[]){N, T, 6 * H}, NULL);
    wk_workspace ws = {0};
    int rc = nograd ? wk_lstm_forward_nograd(&y, &hT, &cT, &x, with_state ? &h0 : NULL, with_state ? &c0 : NULL,
                                             &wih, &whh, with_bias ? &bih : NULL, with_bias ? &bhh : NULL, &ws)
                    : wk_lstm_forward(&y, &hT, &cT, &saved, &x, with_state ? &h0 : NULL, with_state ? &c0 : NULL,
                                      &wih, &whh, with_bias ? &bih : NULL, with_bias ? &bhh : NULL, &ws);
    CHECK(rc == WK_OK);
    double *ry = malloc((size_t)(N * T * H) * sizeof(double)), *rh = malloc((size_t)(N * H) * sizeof(double)),
           *rc_ = malloc((size_t)(N * H) * sizeof(double));
    ref_lstm(&p, with_state ? p.h0 : NULL, with_state ? p.c0 : NULL, with_bias ? p.bih : NULL,
             with_bias ? p.bhh : NULL, ry, rh, rc_);
    double dy = max_abs_diff(wk_tensor_data(&y), ry, N * T * H), dh = max_abs_diff(wk_tensor_data(&hT), rh, N * H),
           dc = max_abs_diff(wk_tensor_data(&cT), rc_, N * H);
    printf("  lstm forward N%lld T%lld I%lld H%lld state %d bias %d nograd %d: max diff y %.2g hT %.2g cT %.2g\n",
           (long long)N, (long long)T, (long long)I, (long long)H, with_state, with_bias, nograd, dy, dh, dc);
    CHECK_NEAR(dy, 0, 1e-6);
    CHECK_NEAR(dh, 0, 1e-6);
    CHECK_NEAR(dc, 0, 1e-6);
    free(ry), free(rh), free(rc_);
    wk_tensor *all[] = {&x, &h0, &c0, &wih, &whh, &bih, &bhh, &y, &hT, &cT, &saved};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) wk_tensor_release(all[k]);
    wk_workspace_free(&ws);
    free_prob(&p);
}

TEST(lstm_forward_matches_reference)
{
    check_lstm_forward(3, 5, 4, 11, 1, 1, 0);   /* H = 11: vector body and tail */
    check_lstm_forward(2, 4, 9, 16, 1, 1, 0);
    check_lstm_forward(1, 1, 1, 1, 1, 1, 0);
}

TEST(lstm_forward_without_state_or_bias)
{
    check_lstm_forward(3, 4, 5, 7, 0, 1, 0);
    check_lstm_forward(3, 4, 5, 7, 1, 0, 0);
    check_lstm_forward(2, 3, 2, 5, 0, 0, 0);
}

TEST(lstm_nograd_matches_reference)
{
    check_lstm_forward(3, 5, 4, 11, 1, 1, 1);
    check_lstm_forward(2, 6, 3, 9, 0, 0, 1);
}

static void check_gru_forward(int64_t N, int64_t T, int64_t I, int64_t H, int with_state, int with_bias, int nograd)
{
    prob p = make_prob(3, N, T, I, H);
    wk_tensor x = vec(3, (int64_t[]){N, T, I}, p.x), h0 = vec(2, (int64_t[]){N, H}, p.h0),
              wih = vec(2, (int64_t[]){3 * H, I}, p.wih), whh = vec(2, (int64_t[]){3 * H, H}, p.whh),
              bih = vec(1, (int64_t[]){3 * H}, p.bih), bhh = vec(1, (int64_t[]){3 * H}, p.bhh),
              y = vec(3, (int64_t[]){N, T, H}, NULL), hT = vec(2, (int64_t[]){N, H}, NULL),
              saved = vec(3, (int64_t[]){N, T, 4 * H}, NULL);
    wk_workspace ws = {0};
    const wk_tensor *h0p = with_state ? &h0 : NULL, *bi = with_bias ? &bih : NULL, *bh = with_bias ? &bhh : NULL;
    int rc = nograd ? wk_gru_forward_nograd(&y, &hT, &x, h0p, &wih, &whh, bi, bh, &ws)
                    : wk_gru_forward(&y, &hT, &saved, &x, h0p, &wih, &whh, bi, bh, &ws);
    CHECK(rc == WK_OK);
    double *ry = malloc((size_t)(N * T * H) * sizeof(double)), *rh = malloc((size_t)(N * H) * sizeof(double));
    ref_gru(&p, with_state ? p.h0 : NULL, with_bias ? p.bih : NULL, with_bias ? p.bhh : NULL, ry, rh);
    double dy = max_abs_diff(wk_tensor_data(&y), ry, N * T * H), dh = max_abs_diff(wk_tensor_data(&hT), rh, N * H);
    printf("  gru forward N%lld T%lld I%lld H%lld state %d bias %d nograd %d: max diff y %.2g hT %.2g\n",
           (long long)N, (long long)T, (long long)I, (long long)H, with_state, with_bias, nograd, dy, dh);
    CHECK_NEAR(dy, 0, 1e-6);
    CHECK_NEAR(dh, 0, 1e-6);
    free(ry), free(rh);
    wk_tensor *all[] = {&x, &h0, &wih, &whh, &bih, &bhh, &y, &hT, &saved};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) wk_tensor_release(all[k]);
    wk_workspace_free(&ws);
    free_prob(&p);
}

TEST(gru_forward_matches_reference)
{
    check_gru_forward(3, 5, 4, 11, 1, 1, 0);
    check_gru_forward(2, 4, 9, 16, 1, 1, 0);
    check_gru_forward(3, 4, 5, 7, 0, 1, 0);
    check_gru_forward(2, 3, 2, 5, 0, 0, 0);
    check_gru_forward(3, 5, 4, 11, 1, 1, 1);
}

/* ---- PyTorch gate order ----------------------------------------------------------------- */

/* Values from PyTorch 1.13 (float64) for N=2, T=3, I=3, H=2 with every tensor filled as
 * flat[k] = s * sin(a*k + b):  w_ih (0.7, 0.1, 0.6)  w_hh (1.3, 0.2, 0.6)
 * b_ih (0.9, 0.3, 0.4)  b_hh (1.7, 0.4, 0.4)  x (0.37, 0.5, 1)  h0 (0.5, 0.6, 0.5)
 * c0 (0.8, 0.7, 0.5), run through nn.LSTM / nn.GRU(3, 2, batch_first=True). */
static wk_tensor sin_tensor(int ndim, const int64_t *shape, double a, double b, double s)
{
    wk_tensor t = vec(ndim, shape, NULL);
    for (int64_t k = 0; k < wk_tensor_numel(&t); k++) wk_tensor_data(&t)[k] = (float)(s * sin(a * (double)k + b));
    return t;
}

static void check_against_torch(int gates, const double *want_y, const double *want_c)
{
    int64_t N = 2, T = 3, I = 3, H = 2, G = gates * H;
    wk_tensor wih = sin_tensor(2, (int64_t[]){G, I}, 0.7, 0.1, 0.6), whh = sin_tensor(2, (int64_t[]){G, H}, 1.3, 0.2, 0.6),
              bih = sin_tensor(1, (int64_t[]){G}, 0.9, 0.3, 0.4), bhh = sin_tensor(1, (int64_t[]){G}, 1.7, 0.4, 0.4),
              x = sin_tensor(3, (int64_t[]){N, T, I}, 0.37, 0.5, 1.0), h0 = sin_tensor(2, (int64_t[]){N, H}, 0.5, 0.6, 0.5),
              c0 = sin_tensor(2, (int64_t[]){N, H}, 0.8, 0.7, 0.5), y = vec(3, (int64_t[]){N, T, H}, NULL),
              cT = vec(2, (int64_t[]){N, H}, NULL);
    wk_workspace ws = {0};
    int rc = gates == 4 ? wk_lstm_forward_nograd(&y, NULL, &cT, &x, &h0, &c0, &wih, &whh, &bih, &bhh, &ws)
                        : wk_gru_forward_nograd(&y, NULL, &x, &h0, &wih, &whh, &bih, &bhh, &ws);
    CHECK(rc == WK_OK);
    double dy = max_abs_diff(wk_tensor_data(&y), want_y, N * T * H);
    double dc = want_c ? max_abs_diff(wk_tensor_data(&cT), want_c, N * H) : 0;
    printf("  %s vs PyTorch 1.13: max diff y %.2g cT %.2g\n", gates == 4 ? "lstm" : "gru", dy, dc);
    CHECK_NEAR(dy, 0, 1e-6);
    CHECK_NEAR(dc, 0, 1e-6);
    wk_tensor *all[] = {&wih, &whh, &bih, &bhh, &x, &h0, &c0, &y, &cT};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) wk_tensor_release(all[k]);
    wk_workspace_free(&ws);
}

TEST(lstm_matches_pytorch)
{
    static const double y[] = {-0.039460079, -0.054713847, 0.184930947, -0.382867943, 0.114671383, -0.311017178,
                               0.011127732,  0.241953869,  -0.020808544, 0.227997093, -0.091176824, 0.094894772};
    static const double c[] = {0.314797251, -0.687054455, -0.229763013, 0.202756930};
    check_against_torch(4, y, c);
}

TEST(gru_matches_pytorch)
{
    static const double y[] = {-0.066702281, 0.093849778, 0.257920187, -0.253348571, 0.196530052, -0.342128793,
                               0.274107101,  0.706765347, 0.086688469, 0.780888124,  -0.174557715, 0.367239827};
    check_against_torch(3, y, NULL);
}

/* ---- backward vs finite differences ----------------------------------------------------- */

/* L = sum(y Ry) + sum(hT Rh) + sum(cT Rc) from the float64 reference. */
typedef struct fd_ctx {
    prob *p;
    const double *Ry, *Rh, *Rc;
    int with_state, with_bias;
} fd_ctx;

static double ref_loss(const fd_ctx *c)
{
    const prob *p = c->p;
    int64_t N = p->N, T = p->T, H = p->H;
    double *y = malloc((size_t)(N * T * H) * sizeof(double)), *hT = malloc((size_t)(N * H) * sizeof(double)),
           *cT = calloc((size_t)(N * H), sizeof(double));
    const double *h0 = c->with_state ? p->h0 : NULL, *bi = c->with_bias ? p->bih : NULL,
                 *bh = c->with_bias ? p->bhh : NULL;
    if (p->gates == 4) ref_lstm(p, h0, c->with_state ? p->c0 : NULL, bi, bh, y, hT, cT);
    else ref_gru(p, h0, bi, bh, y, hT);
    double L = 0;
    for (int64_t k = 0; k < N * T * H; k++) L += y[k] * c->Ry[k];
    for (int64_t k = 0; k < N * H; k++) L += hT[k] * c->Rh[k] + (p->gates == 4 ? cT[k] * c->Rc[k] : 0);
    free(y), free(hT), free(cT);
    return L;
}

/* Max |analytic - numeric| over one parameter array; also tracks the largest gradient. */
static double fd_compare(const fd_ctx *c, double *param, int64_t n, const float *grad, double *gmax)
{
    const double eps = 1e-6;
    double worst = 0;
    for (int64_t k = 0; k < n; k++) {
        double keep = param[k];
        param[k] = keep + eps;
        double Lp = ref_loss(c);
        param[k] = keep - eps;
        double Lm = ref_loss(c);
        param[k] = keep;
        double num = (Lp - Lm) / (2 * eps);
        double d = fabs(num - (double)grad[k]);
        if (!(d <= worst)) worst = d;
        if (fabs(num) > *gmax) *gmax = fabs(num);
    }
    return worst;
}

/* Forward + backward in float32 (backward run `repeats` times into zeroed grads, so
 * the accumulated result is repeats x the gradient), then every grad vs finite
 * differences. */
static void check_backward(int gates, int64_t N, int64_t T, int64_t I, int64_t H, int with_state, int with_bias,
                           int repeats)
{
    prob p = make_prob(gates, N, T, I, H);
    int64_t G = gates * H, S = gates == 4 ? 6 * H : 4 * H;
    double *Ry = drand_array(N * T * H, 1.0), *Rh = drand_array(N * H, 1.0), *Rc = drand_array(N * H, 1.0);
    wk_tensor x = vec(3, (int64_t[]){N, T, I}, p.x), h0 = vec(2, (int64_t[]){N, H}, p.h0),
              c0 = vec(2, (int64_t[]){N, H}, p.c0), wih = vec(2, (int64_t[]){G, I}, p.wih),
              whh = vec(2, (int64_t[]){G, H}, p.whh), bih = vec(1, (int64_t[]){G}, p.bih),
              bhh = vec(1, (int64_t[]){G}, p.bhh), y = vec(3, (int64_t[]){N, T, H}, NULL),
              hT = vec(2, (int64_t[]){N, H}, NULL), cT = vec(2, (int64_t[]){N, H}, NULL),
              saved = vec(3, (int64_t[]){N, T, S}, NULL), dy = vec(3, (int64_t[]){N, T, H}, Ry),
              dhT = vec(2, (int64_t[]){N, H}, Rh), dcT = vec(2, (int64_t[]){N, H}, Rc),
              dx = vec(3, (int64_t[]){N, T, I}, NULL), dh0 = vec(2, (int64_t[]){N, H}, NULL),
              dc0 = vec(2, (int64_t[]){N, H}, NULL), dwih = vec(2, (int64_t[]){G, I}, NULL),
              dwhh = vec(2, (int64_t[]){G, H}, NULL), dbih = vec(1, (int64_t[]){G}, NULL),
              dbhh = vec(1, (int64_t[]){G}, NULL);
    wk_workspace ws = {0};
    const wk_tensor *h0p = with_state ? &h0 : NULL, *c0p = with_state ? &c0 : NULL;
    const wk_tensor *bi = with_bias ? &bih : NULL, *bh = with_bias ? &bhh : NULL;
    int rc = gates == 4 ? wk_lstm_forward(&y, &hT, &cT, &saved, &x, h0p, c0p, &wih, &whh, bi, bh, &ws)
                        : wk_gru_forward(&y, &hT, &saved, &x, h0p, &wih, &whh, bi, bh, &ws);
    CHECK(rc == WK_OK);
    for (int r = 0; r < repeats; r++) {
        rc = gates == 4 ? wk_lstm_backward(&dx, with_state ? &dh0 : NULL, with_state ? &dc0 : NULL, &dwih, &dwhh,
                                           with_bias ? &dbih : NULL, with_bias ? &dbhh : NULL, &dy, &dhT, &dcT, &x,
                                           h0p, c0p, &y, &wih, &whh, &saved, &ws)
                        : wk_gru_backward(&dx, with_state ? &dh0 : NULL, &dwih, &dwhh, with_bias ? &dbih : NULL,
                                          with_bias ? &dbhh : NULL, &dy, &dhT, &x, h0p, &y, &wih, &whh, &saved, &ws);
        CHECK(rc == WK_OK);
        if (rc != WK_OK) printf("  %s\n", wk_errmsg());
    }
    wk_tensor *grads[] = {&dx, &dh0, &dc0, &dwih, &dwhh, &dbih, &dbhh};
    for (size_t k = 0; k < sizeof grads / sizeof *grads; k++)
        for (int64_t i = 0; i < wk_tensor_numel(grads[k]); i++) wk_tensor_data(grads[k])[i] /= (float)repeats;

    fd_ctx c = {&p, Ry, Rh, Rc, with_state, with_bias};
    double gmax = 0, worst = 0, d;
    const char *names[] = {"dx", "dh0", "dc0", "dw_ih", "dw_hh", "db_ih", "db_hh"};
    double *params[] = {p.x, p.h0, p.c0, p.wih, p.whh, p.bih, p.bhh};
    printf("  %s backward N%lld T%lld I%lld H%lld state %d bias %d x%d: max |analytic - numeric|",
           gates == 4 ? "lstm" : "gru", (long long)N, (long long)T, (long long)I, (long long)H, with_state, with_bias,
           repeats);
    for (int k = 0; k < 7; k++) {
        if ((k == 1 || k == 2) && !with_state) continue;
        if (k == 2 && gates == 3) continue;
        if (k >= 5 && !with_bias) continue;
        d = fd_compare(&c, params[k], wk_tensor_numel(grads[k]), wk_tensor_data(grads[k]), &gmax);
        printf(" %s %.2g", names[k], d);
        if (d > worst || d != d) worst = d;
    }
    printf(" (largest grad %.2g)\n", gmax);
    CHECK_NEAR(worst, 0, 1e-5);
    CHECK(gmax > 0.1);   /* the check saw real gradients */

    wk_tensor *all[] = {&x, &h0, &c0, &wih, &whh, &bih, &bhh, &y, &hT, &cT, &saved, &dy, &dhT, &dcT,
                        &dx, &dh0, &dc0, &dwih, &dwhh, &dbih, &dbhh};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) wk_tensor_release(all[k]);
    wk_workspace_free(&ws);
    free(Ry), free(Rh), free(Rc);
    free_prob(&p);
}

TEST(lstm_backward_matches_finite_differences)
{
    check_backward(4, 3, 5, 4, 11, 1, 1, 1);
    check_backward(4, 2, 1, 3, 4, 1, 1, 1);
}

TEST(lstm_backward_without_state_or_bias)
{
    check_backward(4, 3, 4, 5, 6, 0, 1, 1);
    check_backward(4, 2, 3, 2, 5, 1, 0, 1);
}

TEST(lstm_backward_accumulates)
{
    check_backward(4, 2, 4, 3, 9, 1, 1, 3);   /* 3 calls into zeroed grads = 3x the gradient */
}

TEST(gru_backward_matches_finite_differences)
{
    check_backward(3, 3, 5, 4, 11, 1, 1, 1);
    check_backward(3, 2, 1, 3, 4, 1, 1, 1);
    check_backward(3, 3, 4, 5, 6, 0, 0, 1);
    check_backward(3, 2, 4, 3, 9, 1, 1, 2);
}

/* ---- steady state and bad arguments ------------------------------------------------------ */

TEST(workspace_reused_after_first_step)
{
    int64_t N = 4, T = 6, I = 5, H = 8;
    prob p = make_prob(4, N, T, I, H);
    wk_tensor x = vec(3, (int64_t[]){N, T, I}, p.x), wih = vec(2, (int64_t[]){4 * H, I}, p.wih),
              whh = vec(2, (int64_t[]){4 * H, H}, p.whh), y = vec(3, (int64_t[]){N, T, H}, NULL),
              saved = vec(3, (int64_t[]){N, T, 6 * H}, NULL), dx = vec(3, (int64_t[]){N, T, I}, NULL),
              dwih = vec(2, (int64_t[]){4 * H, I}, NULL), dwhh = vec(2, (int64_t[]){4 * H, H}, NULL);
    wk_workspace ws = {0};
    CHECK(wk_lstm_forward(&y, NULL, NULL, &saved, &x, NULL, NULL, &wih, &whh, NULL, NULL, &ws) == WK_OK);
    CHECK(wk_lstm_backward(&dx, NULL, NULL, &dwih, &dwhh, NULL, NULL, &y, NULL, NULL, &x, NULL, NULL, &y, &wih, &whh,
                           &saved, &ws) == WK_OK);
    float *data = ws.data;
    size_t cap = ws.capacity;
    int64_t live = wk_tensor_live_bytes();
    for (int k = 0; k < 3; k++) {
        CHECK(wk_lstm_forward(&y, NULL, NULL, &saved, &x, NULL, NULL, &wih, &whh, NULL, NULL, &ws) == WK_OK);
        CHECK(wk_lstm_backward(&dx, NULL, NULL, &dwih, &dwhh, NULL, NULL, &y, NULL, NULL, &x, NULL, NULL, &y, &wih,
                               &whh, &saved, &ws) == WK_OK);
    }
    CHECK(ws.data == data && ws.capacity == cap);
    CHECK(wk_tensor_live_bytes() == live);
    wk_tensor *all[] = {&x, &wih, &whh, &y, &saved, &dx, &dwih, &dwhh};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) wk_tensor_release(all[k]);
    wk_workspace_free(&ws);
    free_prob(&p);
}

TEST(bad_shapes_are_named)
{
    int64_t N = 2, T = 3, I = 4, H = 5;
    wk_tensor x = vec(3, (int64_t[]){N, T, I}, NULL), x2 = vec(2, (int64_t[]){T, I}, NULL),
              wih = vec(2, (int64_t[]){4 * H, I}, NULL), whh = vec(2, (int64_t[]){4 * H, H}, NULL),
              whh_bad = vec(2, (int64_t[]){4 * H, H + 1}, NULL), wih_bad = vec(2, (int64_t[]){4 * H, I + 1}, NULL),
              b_bad = vec(1, (int64_t[]){3 * H}, NULL), y = vec(3, (int64_t[]){N, T, H}, NULL),
              saved = vec(3, (int64_t[]){N, T, 4 * H}, NULL), h_bad = vec(2, (int64_t[]){N + 1, H}, NULL),
              gsaved = vec(3, (int64_t[]){N, T, 4 * H}, NULL), gw = vec(2, (int64_t[]){3 * H, I}, NULL);
    wk_workspace ws = {0};
    CHECK(fails_with(wk_lstm_forward(&y, NULL, NULL, &saved, &x2, NULL, NULL, &wih, &whh, NULL, NULL, &ws),
                     "lstm_forward: x must be 3-D (N, T, I)") && has_message("[3,4]"));
    CHECK(fails_with(wk_lstm_forward(&y, NULL, NULL, &saved, &x, NULL, NULL, &wih, &whh_bad, NULL, NULL, &ws),
                     "w_hh must be (4H, H)") && has_message("[20,6]"));
    CHECK(fails_with(wk_lstm_forward(&y, NULL, NULL, &saved, &x, NULL, NULL, &wih_bad, &whh, NULL, NULL, &ws),
                     "w_ih must be (4H, I) = [20,4], got [20,5]"));
    CHECK(fails_with(wk_lstm_forward(&y, NULL, NULL, &saved, &x, NULL, NULL, &wih, &whh, &b_bad, NULL, &ws),
                     "b_ih must be (4H) = [20], got [15]"));
    CHECK(fails_with(wk_lstm_forward(&y, NULL, NULL, &saved, &x, NULL, NULL, &wih, &whh, NULL, NULL, &ws),
                     "saved must be (N, T, 6H) = [2,3,30], got [2,3,20]"));
    CHECK(fails_with(wk_lstm_forward(&y, NULL, NULL, &saved, &x, &h_bad, NULL, &wih, &whh, NULL, NULL, &ws),
                     "h0 must be (N, H) = [2,5], got [3,5]"));
    CHECK(fails_with(wk_lstm_forward(&y, NULL, NULL, NULL, &x, NULL, NULL, &wih, &whh, NULL, NULL, &ws),
                     "saved (N, T, 6H) [2,3,30] is missing"));
    CHECK(fails_with(wk_gru_forward(&y, NULL, &gsaved, &x, NULL, &wih, &whh, NULL, NULL, &ws),
                     "gru_forward: w_hh must be (3H, H)") && has_message("[20,5]"));
    CHECK(fails_with(wk_lstm_backward(NULL, NULL, NULL, NULL, NULL, NULL, NULL, &y, NULL, NULL, &x, NULL, NULL, &y,
                                      &wih, &whh, &saved, &ws),
                     "lstm_backward: saved must be (N, T, 6H)"));
    CHECK(fails_with(wk_gru_backward(NULL, NULL, &gw, NULL, NULL, NULL, &y, NULL, &x, NULL, &y, &wih, &whh, &gsaved,
                                     &ws),
                     "gru_backward: w_hh must be (3H, H)"));
    CHECK(ws.data == NULL);   /* nothing allocated on a failed call */
    wk_tensor *all[] = {&x, &x2, &wih, &whh, &whh_bad, &wih_bad, &b_bad, &y, &saved, &h_bad, &gsaved, &gw};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) wk_tensor_release(all[k]);
}

int main(void)
{
    RUN(lstm_forward_matches_reference);
    RUN(lstm_forward_without_state_or_bias);
    RUN(lstm_nograd_matches_reference);
    RUN(gru_forward_matches_reference);
    RUN(lstm_matches_pytorch);
    RUN(gru_matches_pytorch);
    RUN(lstm_backward_matches_finite_differences);
    RUN(lstm_backward_without_state_or_bias);
    RUN(lstm_backward_accumulates);
    RUN(gru_backward_matches_finite_differences);
    RUN(workspace_reused_after_first_step);
    RUN(bad_shapes_are_named);
    return check_summary("rnn");
}
