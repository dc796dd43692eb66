/* cqt.c — Brown's constant-Q transform (definition in spectral.h) by Brown & Puckette's
 * sparse spectral kernels, one octave at a time on a signal halved in rate per octave
 * (the recursive-downsampling speed-up).
 *
 * Kernels: each bin k is a windowed complex exponential a_k of N_k = Q·rate/f_k samples,
 * and by Parseval
 *   X[k, t] = sum_j b_t[j] conj(a_k[j]) = (1/L) sum_m B_t[m] conj(A_k[m])
 * where b_t is the L-sample frame around t·hop (L the power of two above the longest
 * kernel) and B_t, A_k their DFTs. A_k is concentrated around f_k, so after dropping its
 * smallest weights (a share `sparsity` of its L1 mass) a row keeps a few dozen
 * coefficients. Since b_t is real, B_t at m > L/2 is conj(B_t[L - m]): each row stores
 * its weights at m <= L/2 and those above (folded onto L - m, used with B conjugated)
 * as two runs.
 *
 * Octaves: done at the full rate, the lowest bin's window (11,340 samples for C1 at
 * 22,050 Hz) makes every frame a 16,384-point FFT. The top octave is done at the full
 * rate; then the signal is low-passed and decimated by 2 and the next octave down is
 * done on it with the same kernels' shape (a 256-point FFT per frame per octave at the
 * defaults). The low-pass is a Kaiser-windowed sinc with cutoff at a quarter of the
 * rate, long enough for 110 dB of stopband over the band that would alias onto the
 * bins (the bins reach at most a fraction r of the rate, so the transition is
 * (0.5 - r)·rate wide); its passband ripple (~1e-5) is far below the sparsity's error.
 * The hop must halve exactly at every level; octaves that cannot be reached so (or
 * `downsample` off, or bins too near half the rate) are done at the last level's rate.
 * With downsample off and sparsity 0 the result is the defining sum itself; with it on,
 * the sum of the low-passed signal: the same to ~1e-5 of the largest value, except in
 * frames whose windows cross the signal's ends, where the step into the zeros outside
 * is broadband and the low-pass keeps its top from the lower octaves (~3e-3 there). */
#include <kiss_fft.h>
#include <kiss_fftr.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/limits.h"
#include "../core/threads.h"
#include "sound.h"
#include "spectral.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define CQT_MAX_WORKERS 64
#define CQT_MAX_LEVELS 24
#define CQT_MAX_TAPS 255
#define CQT_MAX_KERNEL (1 << 24)   /* full-rate kernel samples (12 minutes at 22050 Hz) */
#define CQT_STOP_DB 110.0

typedef struct cqt_level {
    double rate;           /* this level's sample rate: rate / 2^level */
    int hop, L;            /* hop in this level's samples; its FFT frame */
    int k0, nk;            /* bins [k0, k0 + nk) */
    int64_t *row;          /* (2nk + 1): bin k0+b's weights on B are [row[2b], row[2b+1]),
                              on conj(B) [row[2b+1], row[2b+2]) */
    int32_t *idx;          /* (kept) index into B, 0..L/2 */
    float *w;              /* (kept, 2) conj(A_k[m]) / L */
} cqt_level;

typedef struct cqt_worker {
    kiss_fftr_cfg fft[CQT_MAX_LEVELS];
    float *frame;          /* (Lmax) */
    kiss_fft_cpx *bins;    /* (Lmax/2 + 1) */
} cqt_worker;

struct wk_cqt_kernel {
    double rate;
    wk_cqt_opts o;
    int K, Lmax, nlev, taps;
    cqt_level lev[CQT_MAX_LEVELS];
    double fir[CQT_MAX_TAPS];   /* (taps) the decimation low-pass, centred */
    int64_t kept, total;   /* weights kept, and those of the full kernels */
    cqt_worker wk[CQT_MAX_WORKERS];
    _Atomic int failed;
};

wk_cqt_opts wk_cqt_defaults(void)
{
    return (wk_cqt_opts){.fmin = 32.70319566257483, .n_bins = 84, .bins_per_octave = 12, .hop = 512,
                         .filter_scale = 1.0, .window = WK_WINDOW_HANN, .sparsity = 1e-3, .downsample = 1};
}

int64_t wk_cqt_frames(int64_t n, int hop) { return 1 + n / hop; }

static void worker_free(cqt_worker *w)
{
    for (int l = 0; l < CQT_MAX_LEVELS; l++) kiss_fft_free(w->fft[l]);
    free(w->frame);
    free(w->bins);
    memset(w, 0, sizeof *w);
}

void wk_cqt_kernel_free(wk_cqt_kernel *k)
{
    if (!k) return;
    for (int i = 0; i < CQT_MAX_WORKERS; i++) worker_free(&k->wk[i]);
    for (int l = 0; l < CQT_MAX_LEVELS; l++) {
        free(k->lev[l].row);
        free(k->lev[l].idx);
        free(k->lev[l].w);
    }
    free(k);
}

static int check(double rate, const wk_cqt_opts *o, double *Q, double *reach)
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
    *reach = top * (1.0 + 0.75 / *Q);   /* half the Hann main lobe's width above it */
    if (*reach > rate / 2)
        return wk_fail("cqt: the top bin (%.1f Hz) reaches %.1f Hz, above half the rate (%g Hz): use fewer bins, "
                       "a lower fmin or a higher rate", top, *reach, rate / 2);
    return WK_OK;
}

/* The half-band-centred low-pass for bins reaching r·rate: cutoff rate/4, transition
 * (0.5 - r)·rate, CQT_STOP_DB of stopband (Kaiser's formulas); 0 taps when too long. */
static int design_fir(double *h, double r)
{
    double width = 2 * M_PI * (0.5 - r), beta = 0.1102 * (CQT_STOP_DB - 8.7);
    int taps = (int)ceil((CQT_STOP_DB - 8.0) / (2.285 * width)) + 1;
    taps |= 1;
    if (taps > CQT_MAX_TAPS) return 0;
    int M = taps / 2;
    double sum = 0;
    for (int j = 0; j < taps; j++) {
        double d = j - M, x = d == 0 ? 0.5 : sin(M_PI * 0.5 * d) / (M_PI * d), u = d / M;
        h[j] = x * wk_bessel_i0(beta * sqrt(1 - u * u)) / wk_bessel_i0(beta);
        sum += h[j];
    }
    for (int j = 0; j < taps; j++) h[j] /= sum;   /* gain 1 at 0 Hz */
    return taps;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The sparse kernels of one level. a, A: (L) complex; mag, sorted: (L). */
static int build_level(wk_cqt_kernel *k, cqt_level *lv, double Q, kiss_fft_cpx *a, kiss_fft_cpx *A, float *mag,
                       float *sorted)
{
    const wk_cqt_opts *o = &k->o;
    int L = lv->L;
    kiss_fft_cfg fft = kiss_fft_alloc(L, 0, NULL, NULL);
    lv->row = malloc(sizeof(int64_t) * (size_t)(2 * lv->nk + 1));
    if (!fft || !lv->row) {
        kiss_fft_free(fft);
        return wk_fail("cqt: out of memory for kernels of %d samples", L);
    }
    int64_t cap = 0, kept = 0;
    lv->row[0] = 0;
    int F = (int)llround(k->rate / lv->rate);   /* full-rate samples per sample here */
    for (int b = 0; b < lv->nk; b++) {
        /* The full-rate kernel (spectral.h's definition) taken at every F-th sample and
         * scaled by F: for a signal and kernel band-limited below this level's half rate
         * the sum over these samples equals the full-rate sum. Offset (n - N/2)/F lands
         * at index offset mod L. */
        double f = o->fmin * pow(2.0, (double)(lv->k0 + b) / o->bins_per_octave);
        int64_t N = (int64_t)ceil(Q * k->rate / f), half = N / 2;
        /* the window's sum in closed form (a loop over N costs billions of cos for a low
           fmin): the periodic windows' cosine sums to 0 over a whole period when N >= 2 */
        double wsum = N < 2 ? wk_window_value(o->window, 0, N) * N
                    : o->window == WK_WINDOW_HANN ? 0.5 * (double)N
                    : o->window == WK_WINDOW_HAMMING ? 0.54 * (double)N : (double)N;
        memset(a, 0, sizeof(kiss_fft_cpx) * (size_t)L);
        for (int64_t n = half % F; n < N; n += F) {
            int64_t off = (n - half) / F, j = off < 0 ? off + L : off;
            double w = F * wk_window_value(o->window, n, N) / wsum, ph = 2.0 * M_PI * f * (double)(n - half) / k->rate;
            a[j].r = (float)(w * cos(ph)), a[j].i = (float)(w * sin(ph));
        }
        kiss_fft(fft, a, A);
        double total = 0;
        for (int m = 0; m < L; m++) total += mag[m] = hypotf(A[m].r, A[m].i);
        float thresh = 0;   /* the smallest weights summing to at most sparsity × total are dropped */
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
                if (kept == cap) {
                    cap = cap ? 2 * cap : 1024;
                    float *nw = realloc(lv->w, sizeof(float) * 2 * (size_t)cap);
                    if (nw) lv->w = nw;
                    int32_t *ni = realloc(lv->idx, sizeof(int32_t) * (size_t)cap);
                    if (ni) lv->idx = ni;
                    if (!nw || !ni) {
                        kiss_fft_free(fft);
                        return wk_fail("cqt: out of memory for the kernels' weights");
                    }
                }
                lv->idx[kept] = side ? L - m : m;
                lv->w[2 * kept] = A[m].r / (float)L, lv->w[2 * kept + 1] = -A[m].i / (float)L;
                kept++;
            }
            lv->row[2 * b + side + 1] = kept;
        }
        k->total += L;
    }
    k->kept += kept;
    kiss_fft_free(fft);
    return WK_OK;
}

int wk_cqt_kernel_new(wk_cqt_kernel **out, double rate, const wk_cqt_opts *o)
{
    double Q = 0, reach = 0;
    *out = NULL;
    if (check(rate, o, &Q, &reach)) return WK_ERR;
    wk_cqt_kernel *k = calloc(1, sizeof *k);
    if (!k) return wk_fail("cqt: out of memory");
    k->rate = rate, k->o = *o, k->K = o->n_bins;
    /* octaves from the top, each at half the rate of the one above, while the hop halves
     * exactly; what is left goes to the last level */
    int bpo = o->bins_per_octave, top = o->n_bins, down = o->downsample && reach / rate <= 0.4;
    if (down) k->taps = design_fir(k->fir, reach / rate);
    if (!k->taps) down = 0;
    while (top > 0) {
        int l = k->nlev;
        if (l > 0 && (!down || l >= CQT_MAX_LEVELS || o->hop % (1 << l))) {
            cqt_level *last = &k->lev[l - 1];
            last->nk += last->k0, last->k0 = 0;
            break;
        }
        int k0 = top - bpo < 0 || !down ? 0 : top - bpo;
        k->lev[l] = (cqt_level){.rate = rate / (1 << l), .hop = o->hop >> l, .k0 = k0, .nk = top - k0};
        top = k0;
        k->nlev++;
    }
    for (int l = 0; l < k->nlev; l++) {
        cqt_level *lv = &k->lev[l];
        double full = ceil(Q * rate / (o->fmin * pow(2.0, (double)lv->k0 / bpo))), longest = ceil(full / (1 << l)) + 2;
        if (full > CQT_MAX_KERNEL) {
            wk_cqt_kernel_free(k);
            return wk_fail("cqt: fmin %g Hz at rate %g needs full-rate kernels of %.0f samples (at most %d): raise fmin",
                           o->fmin, rate, full, CQT_MAX_KERNEL);
        }
        if (longest > WK_SPECTRAL_MAX_FFT) {
            wk_cqt_kernel_free(k);
            return wk_fail("cqt: fmin %g Hz at rate %g needs windows of %.0f samples (at most %d): raise fmin", o->fmin,
                           rate, full, WK_SPECTRAL_MAX_FFT);
        }
        for (lv->L = 2; lv->L < longest; lv->L *= 2) {}
        if (lv->L > k->Lmax) k->Lmax = lv->L;
    }
    int L = k->Lmax, rc = WK_OK;
    kiss_fft_cpx *a = malloc(sizeof(kiss_fft_cpx) * (size_t)L), *A = malloc(sizeof(kiss_fft_cpx) * (size_t)L);
    float *mag = malloc(sizeof(float) * (size_t)L), *sorted = malloc(sizeof(float) * (size_t)L);
    if (!a || !A || !mag || !sorted) rc = wk_fail("cqt: out of memory for kernels of %d samples", L);
    for (int l = 0; l < k->nlev && rc == WK_OK; l++) rc = build_level(k, &k->lev[l], Q, a, A, mag, sorted);
    free(a);
    free(A);
    free(mag);
    free(sorted);
    if (rc != WK_OK) {
        wk_cqt_kernel_free(k);
        return rc;
    }
    *out = k;
    return WK_OK;
}

int wk_cqt_kernel_matches(const wk_cqt_kernel *k, double rate, const wk_cqt_opts *o)
{
    const wk_cqt_opts *a = &k->o;
    return k->rate == rate && a->fmin == o->fmin && a->n_bins == o->n_bins && a->bins_per_octave == o->bins_per_octave &&
           a->hop == o->hop && a->filter_scale == o->filter_scale && a->window == o->window &&
           a->sparsity == o->sparsity && a->downsample == o->downsample;
}

void wk_cqt_kernel_info(const wk_cqt_kernel *k, int *frame, int64_t *kept, int64_t *total)
{
    if (frame) *frame = k->Lmax;
    if (kept) *kept = k->kept;
    if (total) *total = k->total;
}

int wk_cqt_kernel_levels(const wk_cqt_kernel *k) { return k->nlev; }

/* ---- the transform ------------------------------------------------------------------ */

typedef struct dec_job {
    const double *h;
    int taps;
    const float *in;       /* (n_in) */
    float *out;            /* ((n_in + 1) / 2) */
    int64_t n_in;
} dec_job;

/* out[i] = sum_j h[j] in[2i + j - taps/2], zeros outside: centred, so no delay. */
static void dec_chunk(void *ctx, int64_t begin, int64_t end, int worker)
{
    dec_job *j = ctx;
    int M = j->taps / 2;
    for (int64_t i = begin; i < end; i++) {
        int64_t s = 2 * i - M;
        int a = s < 0 ? (int)-s : 0, b = s + j->taps > j->n_in ? (int)(j->n_in - s) : j->taps;
        double acc = 0;
        for (int t = a; t < b; t++) acc += j->h[t] * j->in[s + t];
        j->out[i] = (float)acc;
    }
}

typedef struct cqt_job {
    wk_cqt_kernel *k;
    float *const *sig;     /* [level] (C, n[level]) signals, level 0 the input */
    const int64_t *n;      /* (nlev) samples per channel at each level */
    int64_t T;
    float *out;            /* (C, K, T) or (C, K, T, 2) */
    int cplx;
} cqt_job;

static void cqt_chunk(void *ctx, int64_t begin, int64_t end, int worker)
{
    cqt_job *j = ctx;
    wk_cqt_kernel *k = j->k;
    int K = k->K;
    cqt_worker own = {0}, *w = worker < CQT_MAX_WORKERS ? &k->wk[worker] : &own;
    if (!w->frame) {
        w->frame = malloc(sizeof(float) * (size_t)k->Lmax);
        w->bins = malloc(sizeof(kiss_fft_cpx) * (size_t)(k->Lmax / 2 + 1));
    }
    for (int l = 0; l < k->nlev && w->frame && w->bins; l++)
        if (!w->fft[l] && !(w->fft[l] = kiss_fftr_alloc(k->lev[l].L, 0, NULL, NULL))) break;
    if (!w->frame || !w->bins || !w->fft[k->nlev - 1]) {
        worker_free(w);
        atomic_store(&k->failed, 1);
        return;
    }
    int64_t T = j->T;
    for (int64_t item = begin; item < end; item++) {
        int64_t c = item / T, t = item % T;
        for (int l = 0; l < k->nlev; l++) {
            const cqt_level *lv = &k->lev[l];
            int64_t N = j->n[l], centre = t * lv->hop;
            int L = lv->L;
            const float *x = j->sig[l] + c * N;
            /* b[i] = x[centre + i] for i < L/2, x[centre + i - L] above: offsets wrap */
            for (int64_t i = 0; i < L; i++) {
                int64_t s = centre + (i < L / 2 ? i : i - L);
                w->frame[i] = s >= 0 && s < N ? x[s] : 0.0f;
            }
            kiss_fftr(w->fft[l], w->frame, w->bins);
            const kiss_fft_cpx *B = w->bins;
            for (int b = 0; b < lv->nk; b++) {
                double re = 0, im = 0;
                int64_t p = lv->row[2 * b], q = lv->row[2 * b + 1], r = lv->row[2 * b + 2];
                for (int64_t e = p; e < q; e++) {   /* B[m] · c */
                    float br = B[lv->idx[e]].r, bi = B[lv->idx[e]].i, cr = lv->w[2 * e], ci = lv->w[2 * e + 1];
                    re += br * cr - bi * ci, im += br * ci + bi * cr;
                }
                for (int64_t e = q; e < r; e++) {   /* conj(B[L - m]) · c */
                    float br = B[lv->idx[e]].r, bi = B[lv->idx[e]].i, cr = lv->w[2 * e], ci = lv->w[2 * e + 1];
                    re += br * cr + bi * ci, im += br * ci - bi * cr;
                }
                int64_t kk = lv->k0 + b;
                if (j->cplx) {
                    float *o = j->out + ((c * K + kk) * T + t) * 2;
                    o[0] = (float)re, o[1] = (float)im;
                } else {
                    j->out[(c * K + kk) * T + t] = (float)sqrt(re * re + im * im);
                }
            }
        }
    }
    if (own.frame) worker_free(&own);
}

int wk_cqt(wk_tensor *dst, const wk_tensor *x, wk_cqt_kernel *k, int cplx)
{
    int64_t C, N;
    if (!k) return wk_fail("cqt: no kernel");
    if (wk_spectral_check_signal("cqt", x, &C, &N)) return WK_ERR;
    int64_t T = wk_cqt_frames(N, k->o.hop), shape[4], *s = shape, n[CQT_MAX_LEVELS], total = 0;
    int nd = 0;
    if (x->ndim == 2) s[nd++] = C;
    s[nd++] = k->K, s[nd++] = T;
    if (cplx) s[nd++] = 2;
    n[0] = N;
    for (int l = 1; l < k->nlev; l++) total += n[l] = (n[l - 1] + 1) / 2;
    if (wk_memory_check(4.0 * (double)C * (double)total, "cqt")) return WK_ERR;
    float *sig[CQT_MAX_LEVELS] = {wk_tensor_data(x)}, *buf = NULL;
    if (total && !(buf = malloc(sizeof(float) * (size_t)(C * total))))
        return wk_fail("cqt: out of memory for the decimated signals");
    int64_t off = 0;
    for (int l = 1; l < k->nlev; off += n[l], l++) {   /* level l at buf + C·(n[1] + … + n[l-1]) */
        sig[l] = buf + C * off;
        for (int64_t c = 0; c < C; c++) {
            dec_job d = {k->fir, k->taps, sig[l - 1] + c * n[l - 1], sig[l] + c * n[l], n[l - 1]};
            wk_parallel_for(n[l], 1 << 14, dec_chunk, &d);
        }
    }
    if (wk_tensor_new(dst, nd, shape) != WK_OK) {
        free(buf);
        return WK_ERR;
    }
    cqt_job j = {k, sig, n, T, wk_tensor_data(dst), cplx};
    atomic_store(&k->failed, 0);
    double cost = 0;
    for (int l = 0; l < k->nlev; l++) cost += (double)k->lev[l].L * (log2((double)k->lev[l].L) + 1.0);
    cost += 4.0 * (double)k->kept;
    wk_parallel_for(C * T, wk_parallel_grain(C * T, cost, 2e5, 256), cqt_chunk, &j);
    free(buf);
    if (atomic_load(&k->failed)) {
        wk_tensor_release(dst);
        return wk_fail("cqt: out of memory for FFT scratch of %d", k->Lmax);
    }
    return WK_OK;
}
