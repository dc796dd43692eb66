/* cqt.c — Brown's constant-Q transform by Brown & Puckette's sparse spectral kernels
 * (definition in spectral.h).
 *
 * Why this method rather than the recursive-downsampling one (librosa's): each bin k is
 * a windowed cplx exponential a_k of N_k = Q·rate/f_k samples, and by Parseval
 *   X[k, t] = sum_j b_t[j] conj(a_k[j]) = (1/L) sum_m B_t[m] conj(A_k[m])
 * where b_t is the L-sample frame around t·hop (L the power of two above the longest
 * kernel) and B_t, A_k their DFTs. A_k is concentrated around f_k, so after dropping its
 * smallest weights (a share `sparsity` of its L1 mass) a row keeps a few hundred
 * coefficients at most. Per frame: one real FFT of L, then a sparse product. This is
 * the definition itself up to the dropped weights — no anti-aliasing filter whose
 * ripple would show in every octave's top bins, as the downsampling method's does —
 * and measured here it is fast enough for every use in wick (tests/bench/bench_cqt.sh).
 * Its cost is one FFT of the longest window per hop; with hops much shorter than the
 * lowest bin's window the downsampling method would do less work.
 *
 * The kernel is built once per (rate, options) — its K FFTs cost more than transforming
 * a second of sound — so the binding keeps the last one. Since b_t is real, B_t at
 * m > L/2 is conj(B_t[L - m]): each row stores its weights at m <= L/2 and those above
 * (folded onto L - m, used with B conjugated) as two runs. */
#include <kiss_fft.h>
#include <kiss_fftr.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/threads.h"
#include "spectral.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define CQT_MAX_WORKERS 64

typedef struct cqt_worker {
    kiss_fftr_cfg fft;
    float *frame;          /* (L) */
    kiss_fft_cpx *bins;    /* (L/2 + 1) */
} cqt_worker;

struct wk_cqt_kernel {
    double rate;
    wk_cqt_opts o;
    int L, K;
    int64_t *row;          /* (2K + 1): row k's weights on B are [row[2k], row[2k+1]),
                              on conj(B) [row[2k+1], row[2k+2]) */
    int32_t *idx;          /* (kept) index into B, 0..L/2 */
    float *w;              /* (kept, 2) conj(A_k[m]) / L */
    int64_t kept, total;   /* weights kept, and those of the full kernels */
    cqt_worker wk[CQT_MAX_WORKERS];
    _Atomic int failed;
};

wk_cqt_opts wk_cqt_defaults(void)
{
    return (wk_cqt_opts){.fmin = 32.70319566257483, .n_bins = 84, .bins_per_octave = 12, .hop = 512,
                         .filter_scale = 1.0, .window = WK_WINDOW_HANN, .sparsity = 1e-3};
}

int64_t wk_cqt_frames(int64_t n, int hop) { return 1 + n / hop; }

static void worker_free(cqt_worker *w)
{
    kiss_fft_free(w->fft);
    free(w->frame);
    free(w->bins);
    memset(w, 0, sizeof *w);
}

void wk_cqt_kernel_free(wk_cqt_kernel *k)
{
    if (!k) return;
    for (int i = 0; i < CQT_MAX_WORKERS; i++) worker_free(&k->wk[i]);
    free(k->row);
    free(k->idx);
    free(k->w);
    free(k);
}

static int check(double rate, const wk_cqt_opts *o, double *Q, int *L)
{
    if (!(rate > 0) || !isfinite(rate) || rate > 1e7)
        return wk_fail("cqt: rate must be a number of samples per second above 0 (at most 1e7), got %g", rate);
    if (!(o->fmin > 0) || !isfinite(o->fmin)) return wk_fail("cqt: fmin must be above 0 Hz, got %g", o->fmin);
    if (o->n_bins < 1 || o->n_bins > WK_SPECTRAL_MAX_BINS)
        return wk_fail("cqt: n_bins must be from 1 to %d, got %d", WK_SPECTRAL_MAX_BINS, o->n_bins);
    if (o->bins_per_octave < 1 || o->bins_per_octave > WK_SPECTRAL_MAX_BINS)
        return wk_fail("cqt: bins_per_octave must be from 1 to %d, got %d", WK_SPECTRAL_MAX_BINS, o->bins_per_octave);
    if (o->hop < 1 || o->hop > WK_SPECTRAL_MAX_HOP)
        return wk_fail("cqt: hop must be from 1 to %d, got %d", WK_SPECTRAL_MAX_HOP, o->hop);
    if (!(o->filter_scale > 0 && o->filter_scale <= 100))
        return wk_fail("cqt: filter_scale must be in (0, 100], got %g", o->filter_scale);
    if (!(o->sparsity >= 0 && o->sparsity <= 0.5)) return wk_fail("cqt: sparsity must be in [0, 0.5], got %g", o->sparsity);
    if (o->window < WK_WINDOW_HANN || o->window > WK_WINDOW_RECT) return wk_fail("cqt: unknown window %d", o->window);
    *Q = o->filter_scale / (pow(2.0, 1.0 / o->bins_per_octave) - 1.0);
    double top = o->fmin * pow(2.0, (o->n_bins - 1.0) / o->bins_per_octave);
    double reach = top * (1.0 + 0.75 / *Q);   /* half the Hann main lobe's width above it */
    if (reach > rate / 2)
        return wk_fail("cqt: the top bin (%.1f Hz) reaches %.1f Hz, above half the rate (%g Hz): use fewer bins, "
                       "a lower fmin or a higher rate", top, reach, rate / 2);
    double longest = ceil(*Q * rate / o->fmin);
    if (longest > WK_SPECTRAL_MAX_FFT)
        return wk_fail("cqt: fmin %g Hz at rate %g needs windows of %.0f samples (at most %d): raise fmin", o->fmin,
                       rate, longest, WK_SPECTRAL_MAX_FFT);
    for (*L = 2; *L < longest; *L *= 2) {}
    return WK_OK;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

int wk_cqt_kernel_new(wk_cqt_kernel **out, double rate, const wk_cqt_opts *o)
{
    double Q = 0;
    int L = 0;
    *out = NULL;
    if (check(rate, o, &Q, &L)) return WK_ERR;
    int K = o->n_bins;
    wk_cqt_kernel *k = calloc(1, sizeof *k);
    kiss_fft_cfg fft = kiss_fft_alloc(L, 0, NULL, NULL);
    kiss_fft_cpx *a = malloc(sizeof(kiss_fft_cpx) * (size_t)L), *A = malloc(sizeof(kiss_fft_cpx) * (size_t)L);
    float *mag = malloc(sizeof(float) * (size_t)L), *sorted = malloc(sizeof(float) * (size_t)L);
    float *keepw = NULL;
    int32_t *keepi = NULL;
    int64_t cap = 0;
    int rc = WK_OK;
    if (!k || !fft || !a || !A || !mag || !sorted || !(k->row = malloc(sizeof(int64_t) * (size_t)(2 * K + 1)))) {
        rc = wk_fail("cqt: out of memory for kernels of %d samples", L);
        goto done;
    }
    k->rate = rate, k->o = *o, k->L = L, k->K = K;
    k->row[0] = 0;
    for (int b = 0; b < K && rc == WK_OK; b++) {
        double f = o->fmin * pow(2.0, (double)b / o->bins_per_octave);
        int64_t N = (int64_t)ceil(Q * rate / f), half = N / 2;
        double wsum = 0;
        for (int64_t n = 0; n < N; n++) wsum += wk_window_value(o->window, n, N);
        memset(a, 0, sizeof(kiss_fft_cpx) * (size_t)L);
        for (int64_t n = 0; n < N; n++) {   /* offset n - N/2 lands at index (n - N/2) mod L */
            int64_t off = n - half, j = off < 0 ? off + L : off;
            double w = wk_window_value(o->window, n, N) / wsum, ph = 2.0 * M_PI * f * (double)off / rate;
            a[j].r = (float)(w * cos(ph)), a[j].i = (float)(w * sin(ph));
        }
        kiss_fft(fft, a, A);
        double total = 0;
        for (int m = 0; m < L; m++) total += mag[m] = hypotf(A[m].r, A[m].i);
        /* the smallest weights summing to at most sparsity × total are dropped */
        float thresh = 0;
        if (o->sparsity > 0) {
            memcpy(sorted, mag, sizeof(float) * (size_t)L);
            qsort(sorted, (size_t)L, sizeof(float), cmp_float);
            double acc = 0, limit = o->sparsity * total;
            for (int m = 0; m < L; m++) {
                acc += sorted[m];
                if (acc > limit) {
                    thresh = sorted[m];
                    break;
                }
            }
        }
        for (int side = 0; side < 2; side++) {   /* m <= L/2, then m > L/2 folded to L - m */
            int lo = side ? L / 2 + 1 : 0, hi = side ? L : L / 2 + 1;
            for (int m = lo; m < hi; m++) {
                if (mag[m] < thresh || mag[m] == 0) continue;
                if (k->kept == cap) {
                    cap = cap ? 2 * cap : 4096;
                    float *nw = realloc(keepw, sizeof(float) * 2 * (size_t)cap);
                    if (nw) keepw = nw;
                    int32_t *ni = realloc(keepi, sizeof(int32_t) * (size_t)cap);
                    if (ni) keepi = ni;
                    if (!nw || !ni) {
                        rc = wk_fail("cqt: out of memory for the kernels' weights");
                        break;
                    }
                }
                keepi[k->kept] = side ? L - m : m;
                keepw[2 * k->kept] = A[m].r / (float)L, keepw[2 * k->kept + 1] = -A[m].i / (float)L;
                k->kept++;
            }
            k->row[2 * b + side + 1] = k->kept;
        }
        k->total += L;
    }
done:
    kiss_fft_free(fft);
    free(a);
    free(A);
    free(mag);
    free(sorted);
    if (rc != WK_OK) {
        free(keepw);
        free(keepi);
        wk_cqt_kernel_free(k);
        return rc;
    }
    k->idx = keepi, k->w = keepw;
    *out = k;
    return WK_OK;
}

int wk_cqt_kernel_matches(const wk_cqt_kernel *k, double rate, const wk_cqt_opts *o)
{
    const wk_cqt_opts *a = &k->o;
    return k->rate == rate && a->fmin == o->fmin && a->n_bins == o->n_bins && a->bins_per_octave == o->bins_per_octave &&
           a->hop == o->hop && a->filter_scale == o->filter_scale && a->window == o->window && a->sparsity == o->sparsity;
}

void wk_cqt_kernel_info(const wk_cqt_kernel *k, int *frame, int64_t *kept, int64_t *total)
{
    if (frame) *frame = k->L;
    if (kept) *kept = k->kept;
    if (total) *total = k->total;
}

/* ---- the transform ------------------------------------------------------------------ */

typedef struct cqt_job {
    wk_cqt_kernel *k;
    const float *x;        /* (C, N) */
    int64_t N, T;
    float *out;            /* (C, K, T) or (C, K, T, 2) */
    int cplx;
} cqt_job;

static void cqt_chunk(void *ctx, int64_t begin, int64_t end, int worker)
{
    cqt_job *j = ctx;
    wk_cqt_kernel *k = j->k;
    int L = k->L, K = k->K, hop = k->o.hop;
    cqt_worker own = {0}, *w = worker < CQT_MAX_WORKERS ? &k->wk[worker] : &own;
    if (!w->fft) {
        w->fft = kiss_fftr_alloc(L, 0, NULL, NULL);
        w->frame = malloc(sizeof(float) * (size_t)L);
        w->bins = malloc(sizeof(kiss_fft_cpx) * (size_t)(L / 2 + 1));
        if (!w->fft || !w->frame || !w->bins) {
            worker_free(w);
            atomic_store(&k->failed, 1);
            return;
        }
    }
    int64_t N = j->N, T = j->T;
    for (int64_t item = begin; item < end; item++) {
        int64_t c = item / T, t = item % T, centre = t * hop;
        const float *x = j->x + c * N;
        /* b[j] = x[centre + j] for j < L/2, x[centre + j - L] above: offsets wrap */
        for (int64_t i = 0; i < L; i++) {
            int64_t s = centre + (i < L / 2 ? i : i - L);
            w->frame[i] = s >= 0 && s < N ? x[s] : 0.0f;
        }
        kiss_fftr(w->fft, w->frame, w->bins);
        const kiss_fft_cpx *B = w->bins;
        for (int b = 0; b < K; b++) {
            double re = 0, im = 0;
            int64_t p = k->row[2 * b], q = k->row[2 * b + 1], r = k->row[2 * b + 2];
            for (int64_t e = p; e < q; e++) {   /* B[m] · c */
                float br = B[k->idx[e]].r, bi = B[k->idx[e]].i, cr = k->w[2 * e], ci = k->w[2 * e + 1];
                re += br * cr - bi * ci, im += br * ci + bi * cr;
            }
            for (int64_t e = q; e < r; e++) {   /* conj(B[L - m]) · c */
                float br = B[k->idx[e]].r, bi = B[k->idx[e]].i, cr = k->w[2 * e], ci = k->w[2 * e + 1];
                re += br * cr + bi * ci, im += br * ci - bi * cr;
            }
            if (j->cplx) {
                float *o = j->out + ((c * K + b) * T + t) * 2;
                o[0] = (float)re, o[1] = (float)im;
            } else {
                j->out[(c * K + b) * T + t] = (float)sqrt(re * re + im * im);
            }
        }
    }
    if (own.fft) worker_free(&own);
}

int wk_cqt(wk_tensor *dst, const wk_tensor *x, wk_cqt_kernel *k, int cplx)
{
    int64_t C, N;
    if (!k) return wk_fail("cqt: no kernel");
    if (wk_spectral_check_signal("cqt", x, &C, &N)) return WK_ERR;
    int64_t T = wk_cqt_frames(N, k->o.hop), shape[4], *s = shape;
    int nd = 0;
    if (x->ndim == 2) s[nd++] = C;
    s[nd++] = k->K, s[nd++] = T;
    if (cplx) s[nd++] = 2;
    if (wk_tensor_new(dst, nd, shape) != WK_OK) return WK_ERR;
    cqt_job j = {k, wk_tensor_data(x), N, T, wk_tensor_data(dst), cplx};
    atomic_store(&k->failed, 0);
    double cost = (double)k->L * (log2((double)k->L) + 1.0) + 4.0 * (double)k->kept;
    wk_parallel_for(C * T, wk_parallel_grain(C * T, cost, 2e5, 256), cqt_chunk, &j);
    if (atomic_load(&k->failed)) {
        wk_tensor_release(dst);
        return wk_fail("cqt: out of memory for FFT scratch of %d", k->L);
    }
    return WK_OK;
}
