/* spectral.c — the short-time Fourier transform, its inverse by weighted overlap-add,
 * Griffin-Lim phase recovery and mel spectrograms, on kissfft (see spectral.h for the
 * definitions and shapes; the constant-Q transform is in cqt.c).
 *
 * One plan (window + per-worker FFT scratch) serves a whole call: Griffin-Lim's
 * iterations reuse it and its buffers, so they allocate nothing after the first.
 * Frames run through the pool in chunks whose size depends on the problem only; the
 * overlap-add of the inverse is done frame by frame in order on the calling thread
 * (additions cost little beside the FFTs), so sums never depend on the thread count. */
#include "spectral.h"

#include <kiss_fft.h>
#include <kiss_fftr.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/limits.h"
#include "../core/rng.h"
#include "sound.h"
#include "../core/threads.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- checks shared with cqt.c ------------------------------------------------------ */

double wk_window_value(int window, int64_t i, int64_t n)
{
    double a = 2.0 * M_PI * (double)i / (double)n;   /* periodic: the DFT-even window */
    switch (window) {
    case WK_WINDOW_HANN: return 0.5 - 0.5 * cos(a);
    case WK_WINDOW_HAMMING: return 0.54 - 0.46 * cos(a);
    default: return 1.0;
    }
}

int wk_spectral_check_signal(const char *fn, const wk_tensor *x, int64_t *channels, int64_t *length)
{
    if (wk_sound_shape(fn, "signal", x, channels, length)) return WK_ERR;
    return wk_sound_check_finite(fn, wk_tensor_data(x), *channels, *length);
}

wk_stft_opts wk_stft_defaults(void)
{
    return (wk_stft_opts){.n_fft = 2048, .hop = 512, .win_length = 2048, .window = WK_WINDOW_HANN, .center = 1,
                          .pad_mode = WK_PAD_CONSTANT};
}

static int check_opts(const char *fn, const wk_stft_opts *o)
{
    if (o->n_fft < 2 || o->n_fft > WK_SPECTRAL_MAX_FFT || o->n_fft % 2)
        return wk_fail("%s: n_fft must be even, from 2 to %d, got %d", fn, WK_SPECTRAL_MAX_FFT, o->n_fft);
    if (o->hop < 1 || o->hop > WK_SPECTRAL_MAX_HOP)
        return wk_fail("%s: hop must be from 1 to %d, got %d", fn, WK_SPECTRAL_MAX_HOP, o->hop);
    if (o->win_length < 1 || o->win_length > o->n_fft)
        return wk_fail("%s: win_length must be from 1 to n_fft = %d, got %d", fn, o->n_fft, o->win_length);
    if (o->window < WK_WINDOW_HANN || o->window > WK_WINDOW_RECT) return wk_fail("%s: unknown window %d", fn, o->window);
    if (o->pad_mode != WK_PAD_CONSTANT && o->pad_mode != WK_PAD_REFLECT)
        return wk_fail("%s: unknown pad mode %d", fn, o->pad_mode);
    return WK_OK;
}

static int frames_of(const char *fn, int64_t *frames, int64_t n, const wk_stft_opts *o)
{
    if (check_opts(fn, o) != WK_OK) return WK_ERR;
    if (o->center) {
        if (o->pad_mode == WK_PAD_REFLECT && n <= o->n_fft / 2)
            return wk_fail("%s: a signal of %lld samples is too short for n_fft = %d with reflect padding (it needs "
                           "more than n_fft/2 = %d samples; use pad_mode \"constant\" or a smaller n_fft)",
                           fn, (long long)n, o->n_fft, o->n_fft / 2);
        *frames = 1 + n / o->hop;
    } else {
        if (n < o->n_fft)
            return wk_fail("%s: a signal of %lld samples is shorter than n_fft = %d (without center every frame "
                           "must fit inside it)", fn, (long long)n, o->n_fft);
        *frames = 1 + (n - o->n_fft) / o->hop;
    }
    return WK_OK;
}

int wk_stft_frames(int64_t *frames, int64_t n, const wk_stft_opts *o) { return frames_of("stft", frames, n, o); }

/* ---- plans: the window and each worker's FFT scratch ------------------------------- */

#define SPEC_MAX_WORKERS 64

typedef struct spec_worker {
    kiss_fftr_cfg fwd, inv;
    float *frame;        /* (n_fft) */
    kiss_fft_cpx *bins;  /* (BLOCK, F): the spectra of up to BLOCK frames in a row */
} spec_worker;

/* Frames transformed before their spectra are written out: the output is (.., F, T),
 * frames last, so writing one frame touches F cache lines; a block of frames writes
 * up to BLOCK consecutive values to each (fewer for long FFTs: the block's spectra stay
 * within 64 K values). */
#define BLOCK 16
static int block_of(int F) { return F >= (1 << 16) ? 1 : (1 << 16) / F < BLOCK ? (1 << 16) / F : BLOCK; }

typedef struct spec_plan {
    int n_fft, F;
    float *window;       /* (n_fft) win_length samples centred, zeros around */
    spec_worker w[SPEC_MAX_WORKERS];
    _Atomic int failed;  /* a worker could not get its scratch */
} spec_plan;

static void worker_free(spec_worker *w)
{
    kiss_fft_free(w->fwd);
    kiss_fft_free(w->inv);
    free(w->frame);
    free(w->bins);
    memset(w, 0, sizeof *w);
}

static int worker_init(spec_worker *w, int n_fft)
{
    w->fwd = kiss_fftr_alloc(n_fft, 0, NULL, NULL);
    w->inv = kiss_fftr_alloc(n_fft, 1, NULL, NULL);
    w->frame = malloc(sizeof(float) * (size_t)n_fft);
    w->bins = malloc(sizeof(kiss_fft_cpx) * (size_t)(n_fft / 2 + 1) * (size_t)block_of(n_fft / 2 + 1));
    if (w->fwd && w->inv && w->frame && w->bins) return 0;
    worker_free(w);
    return -1;
}

static void plan_free(spec_plan *p)
{
    for (int i = 0; i < SPEC_MAX_WORKERS; i++) worker_free(&p->w[i]);
    free(p->window);
    p->window = NULL;
}

static int plan_init(const char *fn, spec_plan *p, const wk_stft_opts *o)
{
    memset(p, 0, sizeof *p);
    p->n_fft = o->n_fft;
    p->F = o->n_fft / 2 + 1;
    p->window = calloc((size_t)o->n_fft, sizeof(float));
    if (!p->window || worker_init(&p->w[0], o->n_fft)) {
        plan_free(p);
        return wk_fail("%s: out of memory for an FFT of %d", fn, o->n_fft);
    }
    int left = (o->n_fft - o->win_length) / 2;   /* torch centres a shorter window this way */
    for (int i = 0; i < o->win_length; i++) p->window[left + i] = (float)wk_window_value(o->window, i, o->win_length);
    return WK_OK;
}

/* The scratch of `worker`, made on its first chunk; a worker beyond the table (more
 * CPUs than SPEC_MAX_WORKERS) gets `own`, which the chunk frees. NULL: out of memory. */
static spec_worker *plan_worker(spec_plan *p, int worker, spec_worker *own)
{
    spec_worker *w = worker < SPEC_MAX_WORKERS ? &p->w[worker] : own;
    if (!w->fwd && worker_init(w, p->n_fft)) {
        atomic_store(&p->failed, 1);
        return NULL;
    }
    return w;
}

/* Frames per chunk: a few hundred thousand multiply-adds each, at most 256 chunks. */
static int64_t frame_grain(int64_t items, int n_fft)
{
    return wk_parallel_grain(items, (double)n_fft * (log2((double)n_fft) + 1.0), 2e5, 256);
}

/* ---- forward ------------------------------------------------------------------------ */

typedef struct fwd_job {
    spec_plan *p;
    const wk_stft_opts *o;
    const float *x;      /* (C, N) */
    int64_t N, T;
    float *out;          /* (C, F, T, 2) cplx, or (C, F, T) |X|^power */
    int cplx;
    double power;
} fwd_job;

/* Sample i of a channel with the padding rule applied (reflect needs N > pad). */
static inline float padded(const float *x, int64_t i, int64_t N, int reflect)
{
    if (i >= 0 && i < N) return x[i];
    if (!reflect) return 0.0f;
    if (i < 0) i = -i;
    if (i >= N) i = 2 * (N - 1) - i;
    return i >= 0 && i < N ? x[i] : 0.0f;   /* N == 1: nothing to mirror */
}

static void fwd_chunk(void *ctx, int64_t begin, int64_t end, int worker)
{
    fwd_job *j = ctx;
    spec_plan *p = j->p;
    spec_worker own = {0}, *w = plan_worker(p, worker, &own);
    if (!w) return;
    int n_fft = p->n_fft, F = p->F, reflect = j->o->pad_mode == WK_PAD_REFLECT;
    int64_t N = j->N, T = j->T, pad = j->o->center ? n_fft / 2 : 0;
    for (int64_t item = begin; item < end;) {
        /* frames [t0, t0 + nb) of channel c, all in this chunk */
        int64_t c = item / T, t0 = item % T, nb = end - item;
        if (nb > block_of(F)) nb = block_of(F);
        if (nb > T - t0) nb = T - t0;
        const float *x = j->x + c * N;
        for (int64_t b = 0; b < nb; b++) {
            int64_t start = (t0 + b) * j->o->hop - pad;
            if (start >= 0 && start + n_fft <= N)
                for (int n = 0; n < n_fft; n++) w->frame[n] = x[start + n] * p->window[n];
            else
                for (int n = 0; n < n_fft; n++) w->frame[n] = padded(x, start + n, N, reflect) * p->window[n];
            kiss_fftr(w->fwd, w->frame, w->bins + b * F);
        }
        for (int f = 0; f < F; f++) {
            const kiss_fft_cpx *in = w->bins + f;
            if (j->cplx) {
                float *o = j->out + ((c * F + f) * T + t0) * 2;
                for (int64_t b = 0; b < nb; b++) o[2 * b] = in[b * F].r, o[2 * b + 1] = in[b * F].i;
            } else {   /* |X|^power: the common powers without pow() */
                float *o = j->out + (c * F + f) * T + t0;
                for (int64_t b = 0; b < nb; b++) o[b] = in[b * F].r * in[b * F].r + in[b * F].i * in[b * F].i;
                if (j->power == 1.0)
                    for (int64_t b = 0; b < nb; b++) o[b] = sqrtf(o[b]);
                else if (j->power != 2.0)
                    for (int64_t b = 0; b < nb; b++) o[b] = (float)pow(o[b], 0.5 * j->power);
            }
        }
        item += nb;
    }
    if (own.fwd) worker_free(&own);
}

static int forward(spec_plan *p, const wk_stft_opts *o, const float *x, int64_t C, int64_t N, int64_t T, float *out,
                   int cplx, double power, const char *fn)
{
    fwd_job j = {p, o, x, N, T, out, cplx, power};
    wk_parallel_for(C * T, frame_grain(C * T, p->n_fft), fwd_chunk, &j);
    if (atomic_load(&p->failed)) return wk_fail("%s: out of memory for FFT scratch", fn);
    return WK_OK;
}

int wk_stft(wk_tensor *dst, const wk_tensor *x, const wk_stft_opts *o, int cplx, double power)
{
    int64_t C, N, T;
    if (wk_spectral_check_signal("stft", x, &C, &N) || frames_of("stft", &T, N, o)) return WK_ERR;
    if (!cplx && !(power > 0 && isfinite(power))) return wk_fail("stft: power must be above 0, got %g", power);
    int64_t F = o->n_fft / 2 + 1, shape[4], *s = shape;
    int nd = 0;
    if (x->ndim == 2) s[nd++] = C;
    s[nd++] = F, s[nd++] = T;
    if (cplx) s[nd++] = 2;
    spec_plan p;
    if (plan_init("stft", &p, o)) return WK_ERR;
    int rc = wk_tensor_new(dst, nd, shape);
    if (rc == WK_OK) rc = forward(&p, o, wk_tensor_data(x), C, N, T, wk_tensor_data(dst), cplx, power, "stft");
    if (rc != WK_OK) wk_tensor_release(dst);
    plan_free(&p);
    return rc;
}

/* ---- inverse -------------------------------------------------------------------------- */

typedef struct inv_job {
    spec_plan *p;
    const float *spec;   /* (C, F, T, 2) */
    int64_t T, first;    /* items [first, first + block) of the C*T frames */
    float *frames;       /* (block, n_fft) windowed inverse transforms */
} inv_job;

static void inv_chunk(void *ctx, int64_t begin, int64_t end, int worker)
{
    inv_job *j = ctx;
    spec_plan *p = j->p;
    spec_worker own = {0}, *w = plan_worker(p, worker, &own);
    if (!w) return;
    int n_fft = p->n_fft, F = p->F;
    float scale = 1.0f / (float)n_fft;   /* kissfft's inverse is unnormalised */
    for (int64_t b = begin; b < end; b++) {
        int64_t item = j->first + b, c = item / j->T, t = item % j->T;
        const float *s = j->spec + (c * F * j->T + t) * 2;
        for (int f = 0; f < F; f++, s += 2 * j->T) w->bins[f].r = s[0], w->bins[f].i = s[1];
        kiss_fftri(w->inv, w->bins, w->frame);
        float *o = j->frames + b * n_fft;
        for (int n = 0; n < n_fft; n++) o[n] = w->frame[n] * scale * p->window[n];
    }
    if (own.fwd) worker_free(&own);
}

/* sum_t w²[i - t*hop + pad] for output samples [0, L): the overlap-add's denominator. */
static void window_sums(const spec_plan *p, const wk_stft_opts *o, int64_t T, int64_t L, float *wsum)
{
    int64_t pad = o->center ? p->n_fft / 2 : 0;
    memset(wsum, 0, sizeof(float) * (size_t)L);
    for (int64_t t = 0; t < T; t++)
        for (int n = 0; n < p->n_fft; n++) {
            int64_t i = t * o->hop + n - pad;
            if (i >= 0 && i < L) wsum[i] += p->window[n] * p->window[n];
        }
}

/* y (C, L) = overlap-add of the frames of spec, divided by wsum (zero where the windows
 * leave no weight); frames_buf holds `block` frames of n_fft. */
static int inverse(spec_plan *p, const wk_stft_opts *o, const float *spec, int64_t C, int64_t T, float *y, int64_t L,
                   const float *wsum, float *frames_buf, int64_t block, const char *fn)
{
    int n_fft = p->n_fft;
    int64_t pad = o->center ? n_fft / 2 : 0;
    memset(y, 0, sizeof(float) * (size_t)(C * L));
    for (int64_t first = 0; first < C * T; first += block) {
        int64_t count = C * T - first < block ? C * T - first : block;
        inv_job j = {p, spec, T, first, frames_buf};
        wk_parallel_for(count, frame_grain(count, n_fft), inv_chunk, &j);
        if (atomic_load(&p->failed)) return wk_fail("%s: out of memory for FFT scratch", fn);
        for (int64_t b = 0; b < count; b++) {
            int64_t item = first + b, c = item / T, t = item % T, at = t * o->hop - pad;
            const float *fr = frames_buf + b * n_fft;
            float *yc = y + c * L;
            int n0 = at < 0 ? (int)-at : 0, n1 = at + n_fft > L ? (int)(L - at) : n_fft;
            for (int n = n0; n < n1; n++) yc[at + n] += fr[n];
        }
    }
    float floor_ = 1e-10f;
    for (int64_t c = 0; c < C; c++)
        for (int64_t i = 0; i < L; i++) y[c * L + i] = wsum[i] > floor_ ? y[c * L + i] / wsum[i] : 0.0f;
    return WK_OK;
}

static int64_t natural_length(const wk_stft_opts *o, int64_t T)
{
    return o->center ? (int64_t)o->hop * (T - 1) : o->n_fft + (int64_t)o->hop * (T - 1);
}

/* Frames per overlap-add block: about 2 M floats of frames (8 MB) at most. */
static int64_t inverse_block(int n_fft, int64_t items)
{
    int64_t b = ((int64_t)1 << 21) / n_fft;
    if (b < 1) b = 1;
    return b < items ? b : items;
}

static int check_spec(const char *fn, const wk_tensor *spec, int cplx, const wk_stft_opts *o, int64_t *C, int64_t *T)
{
    char s[96];
    if (wk_tensor_require(fn, cplx ? "spectrogram" : "magnitudes", spec) != WK_OK) return WK_ERR;
    int nd = spec->ndim - (cplx ? 1 : 0);
    if (nd != 2 && nd != 3)
        return wk_fail(cplx ? "%s: spectrogram must be (F, T, 2) or (C, F, T, 2), got %s"
                               : "%s: magnitudes must be (F, T) or (C, F, T), got %s",
                       fn, wk_tensor_shape_str(spec, s, sizeof s));
    if (cplx && spec->shape[spec->ndim - 1] != 2)
        return wk_fail("%s: spectrogram's last dim must be 2 (real, imaginary), got %s", fn,
                       wk_tensor_shape_str(spec, s, sizeof s));
    int64_t F = spec->shape[nd - 2];
    *T = spec->shape[nd - 1];
    *C = nd == 3 ? spec->shape[0] : 1;
    if (F != o->n_fft / 2 + 1)
        return wk_fail("%s: %lld frequencies do not fit n_fft = %d (it gives n_fft/2 + 1 = %d)", fn, (long long)F,
                       o->n_fft, o->n_fft / 2 + 1);
    if (*T < 1 || *C < 1) return wk_fail("%s: no frames in %s", fn, wk_tensor_shape_str(spec, s, sizeof s));
    const float *p = wk_tensor_data(spec);
    int64_t n = wk_tensor_numel(spec);
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(p[i])) return wk_fail("%s: the input holds %s values", fn, isnan(p[i]) ? "NaN" : "infinite");
        if (!cplx && p[i] < 0) return wk_fail("%s: magnitudes must not be negative, got %g", fn, (double)p[i]);
    }
    return WK_OK;
}

int wk_istft(wk_tensor *dst, const wk_tensor *spec, const wk_stft_opts *o, int64_t length)
{
    int64_t C, T;
    if (check_opts("istft", o) || check_spec("istft", spec, 1, o, &C, &T)) return WK_ERR;
    int64_t L = length < 0 ? natural_length(o, T) : length;
    if (L < 1) return wk_fail("istft: the result would have %lld samples (one frame, centred: give length)", (long long)L);
    int64_t shape[2] = {C, L}, block = inverse_block(o->n_fft, C * T);
    if (wk_memory_check(4.0 * ((double)(C + 1) * (double)L + (double)block * o->n_fft), "istft")) return WK_ERR;
    spec_plan p;
    if (plan_init("istft", &p, o)) return WK_ERR;
    float *wsum = malloc(sizeof(float) * (size_t)L), *buf = malloc(sizeof(float) * (size_t)(block * o->n_fft));
    int rc = wsum && buf ? wk_tensor_new(dst, spec->ndim == 4 ? 2 : 1, spec->ndim == 4 ? shape : shape + 1)
                         : wk_fail("istft: out of memory for %lld samples", (long long)L);
    if (rc == WK_OK) {
        window_sums(&p, o, T, L, wsum);
        rc = inverse(&p, o, wk_tensor_data(spec), C, T, wk_tensor_data(dst), L, wsum, buf, block, "istft");
        if (rc != WK_OK) wk_tensor_release(dst);
    }
    free(wsum);
    free(buf);
    plan_free(&p);
    return rc;
}

/* ---- Griffin-Lim ---------------------------------------------------------------------- */

wk_griffin_lim_opts wk_griffin_lim_defaults(void)
{
    return (wk_griffin_lim_opts){.iters = 32, .momentum = 0.99, .random_init = 1, .length = -1};
}

/* librosa's loop (fast Griffin-Lim, Perraudin, Balazs & Søndergaard 2013):
 *   rebuilt_0 = 0; for i: x = istft(S · angles); prev = rebuilt; rebuilt = stft(x);
 *   angles = unit(rebuilt - momentum / (1 + momentum) · prev)
 * then the result is istft(S · angles) at the requested length. */
int wk_griffin_lim(wk_tensor *dst, const wk_tensor *mag, const wk_stft_opts *o, const wk_griffin_lim_opts *g,
                   double *errors)
{
    const char *fn = "griffin_lim";
    int64_t C, T;
    if (check_opts(fn, o) || check_spec(fn, mag, 0, o, &C, &T)) return WK_ERR;
    if (g->iters < 0 || g->iters > WK_SPECTRAL_MAX_ITERS)
        return wk_fail("%s: iters must be from 0 to %d, got %d", fn, WK_SPECTRAL_MAX_ITERS, g->iters);
    if (!(g->momentum >= 0 && g->momentum < 1)) return wk_fail("%s: momentum must be in [0, 1), got %g", fn, g->momentum);
    int64_t L = natural_length(o, T), Lout = g->length < 0 ? L : g->length, T2;
    if (L < 1 || Lout < 1) return wk_fail("%s: one centred frame gives no samples (give length)", fn);
    if (frames_of(fn, &T2, L, o)) return WK_ERR;
    int64_t F = o->n_fft / 2 + 1, n = C * F * T, block = inverse_block(o->n_fft, C * T);
    int64_t shape[2] = {C, Lout};
    const float *S = wk_tensor_data(mag);
    size_t bytes = sizeof(float) * (size_t)(4 * 2 * n + C * L + L + (Lout > L ? Lout : L) + block * o->n_fft);
    if (wk_memory_check((double)bytes + 4.0 * (double)C * (double)Lout, fn)) return WK_ERR;
    spec_plan p;
    if (plan_init(fn, &p, o)) return WK_ERR;
    float *mem = malloc(bytes);
    if (!mem) {
        plan_free(&p);
        return wk_fail("%s: out of memory (%.0f MB of buffers)", fn, (double)bytes / 1e6);
    }
    /* (C, F, T, 2) each: angles, S·angles, rebuilt, previous rebuilt; then x (C, L),
     * window sums for L and for Lout, and the overlap-add block. */
    float *ang = mem, *sa = ang + 2 * n, *reb = sa + 2 * n, *prev = reb + 2 * n, *x = prev + 2 * n, *wsum = x + C * L,
          *wsum_out = wsum + L, *buf = wsum_out + (Lout > L ? Lout : L);
    for (int64_t i = 0; i < n; i++) {
        double a = g->random_init ? 2.0 * M_PI * wk_rng_uniform_double() : 0.0;
        ang[2 * i] = (float)cos(a), ang[2 * i + 1] = (float)sin(a);
    }
    memset(reb, 0, sizeof(float) * (size_t)(2 * n));
    window_sums(&p, o, T, L, wsum);
    double norm = 0;
    for (int64_t i = 0; i < n; i++) norm += (double)S[i] * S[i];
    norm = norm > 0 ? sqrt(norm) : 1.0;
    float keep = (float)(g->momentum / (1.0 + g->momentum));
    int rc = WK_OK;
    for (int it = 0; it < g->iters && rc == WK_OK; it++) {
        for (int64_t i = 0; i < n; i++) sa[2 * i] = S[i] * ang[2 * i], sa[2 * i + 1] = S[i] * ang[2 * i + 1];
        rc = inverse(&p, o, sa, C, T, x, L, wsum, buf, block, fn);
        float *t = prev;
        prev = reb, reb = t;
        if (rc == WK_OK) rc = forward(&p, o, x, C, L, T, reb, 1, 1.0, fn);
        if (rc != WK_OK) break;
        double err = 0;
        for (int64_t i = 0; i < n; i++) {
            float re = reb[2 * i], im = reb[2 * i + 1];
            double d = sqrt((double)re * re + (double)im * im) - S[i];
            err += d * d;
            re -= keep * prev[2 * i], im -= keep * prev[2 * i + 1];
            float m = sqrtf(re * re + im * im) + 1e-16f;
            ang[2 * i] = re / m, ang[2 * i + 1] = im / m;
        }
        if (errors) errors[it] = sqrt(err) / norm;
    }
    if (rc == WK_OK) {
        for (int64_t i = 0; i < n; i++) sa[2 * i] = S[i] * ang[2 * i], sa[2 * i + 1] = S[i] * ang[2 * i + 1];
        rc = wk_tensor_new(dst, mag->ndim == 3 ? 2 : 1, mag->ndim == 3 ? shape : shape + 1);
        if (rc == WK_OK) {
            window_sums(&p, o, T, Lout, wsum_out);
            rc = inverse(&p, o, sa, C, T, wk_tensor_data(dst), Lout, wsum_out, buf, block, fn);
            if (rc != WK_OK) wk_tensor_release(dst);
        }
    }
    free(mem);
    plan_free(&p);
    return rc;
}

/* ---- mel --------------------------------------------------------------------------- */

/* Slaney's scale (the Auditory Toolbox's, librosa's default): 3 mels per 200 Hz up to
 * 1 kHz (mel 15), then 27 mels per factor 6.4. */
#define MEL_F_SP (200.0 / 3.0)
#define MEL_LOG_HZ 1000.0
#define MEL_LOG_MEL (MEL_LOG_HZ / MEL_F_SP)
#define MEL_LOGSTEP (log(6.4) / 27.0)

double wk_hz_to_mel(double hz)
{
    return hz < MEL_LOG_HZ ? hz / MEL_F_SP : MEL_LOG_MEL + log(hz / MEL_LOG_HZ) / MEL_LOGSTEP;
}

double wk_mel_to_hz(double mel)
{
    return mel < MEL_LOG_MEL ? mel * MEL_F_SP : MEL_LOG_HZ * exp(MEL_LOGSTEP * (mel - MEL_LOG_MEL));
}

static int check_rate(const char *fn, double rate)
{
    if (!(rate > 0) || !isfinite(rate) || rate > 1e7)
        return wk_fail("%s: rate must be a number of samples per second above 0 (at most 1e7), got %g", fn, rate);
    return WK_OK;
}

static int check_mel(const char *fn, double rate, int n_fft, int n_mels, double fmin, double fmax)
{
    if (check_rate(fn, rate)) return WK_ERR;
    if (n_fft < 2 || n_fft > WK_SPECTRAL_MAX_FFT || n_fft % 2)
        return wk_fail("%s: n_fft must be even, from 2 to %d, got %d", fn, WK_SPECTRAL_MAX_FFT, n_fft);
    if (n_mels < 1 || n_mels > WK_SPECTRAL_MAX_BINS)
        return wk_fail("%s: n_mels must be from 1 to %d, got %d", fn, WK_SPECTRAL_MAX_BINS, n_mels);
    if (!(fmin >= 0) || !(fmax > fmin) || !(fmax <= rate / 2 * (1 + 1e-9)))
        return wk_fail("%s: need 0 <= fmin < fmax <= rate/2 = %g Hz, got fmin %g, fmax %g", fn, rate / 2, fmin, fmax);
    return WK_OK;
}

static int mel_fill(const char *fn, wk_tensor *dst, double rate, int n_fft, int n_mels, double fmin, double fmax)
{
    if (check_mel(fn, rate, n_fft, n_mels, fmin, fmax)) return WK_ERR;
    int F = n_fft / 2 + 1;
    double *hz = malloc(sizeof(double) * (size_t)(n_mels + 2));
    if (!hz) return wk_fail("%s: out of memory", fn);
    if (wk_tensor_new(dst, 2, (int64_t[]){n_mels, F}) != WK_OK) {
        free(hz);
        return WK_ERR;
    }
    double m0 = wk_hz_to_mel(fmin), m1 = wk_hz_to_mel(fmax);
    for (int i = 0; i < n_mels + 2; i++) hz[i] = wk_mel_to_hz(m0 + (m1 - m0) * i / (n_mels + 1));
    /* neighbouring points that coincide (fmax - fmin tiny for the number of mels) would divide
       by zero below and fill the bank with infinities: refuse them */
    for (int i = 0; i + 1 < n_mels + 2; i++)
        if (!(hz[i + 1] > hz[i])) {
            free(hz);
            wk_tensor_release(dst);
            return wk_fail("%s: %d mel bands do not fit between fmin %g and fmax %g Hz (neighbouring band edges "
                           "coincide); use fewer mels or a wider range", fn, n_mels, fmin, fmax);
        }
    float *w = wk_tensor_data(dst);
    for (int m = 0; m < n_mels; m++) {
        double lo = hz[m], mid = hz[m + 1], hi = hz[m + 2], enorm = 2.0 / (hi - lo);
        for (int f = 0; f < F; f++) {
            double fr = (double)f * rate / n_fft;
            double up = (fr - lo) / (mid - lo), down = (hi - fr) / (hi - mid), v = up < down ? up : down;
            w[(int64_t)m * F + f] = v > 0 ? (float)(v * enorm) : 0.0f;
        }
    }
    free(hz);
    return WK_OK;
}

int wk_mel_filters(wk_tensor *dst, double rate, int n_fft, int n_mels, double fmin, double fmax)
{
    return mel_fill("mel_filters", dst, rate, n_fft, n_mels, fmin, fmax);
}

/* Each triangle covers a few frequencies (about 2F/M), so the product skips the zeros:
 * out (C, M, T) row m = sum over f in m's support of w[m, f] · spec row f, in the order
 * of f (the same sums on any thread count). */
typedef struct mel_job {
    const float *w, *spec;   /* (M, F), (C, F, T) */
    float *out;              /* (C, M, T) */
    int64_t F, T;
    int M;
} mel_job;

static void mel_chunk(void *ctx, int64_t begin, int64_t end, int worker)
{
    mel_job *j = ctx;
    for (int64_t item = begin; item < end; item++) {
        int64_t c = item / j->M, m = item % j->M;
        const float *w = j->w + m * j->F, *S = j->spec + c * j->F * j->T;
        float *o = j->out + (c * j->M + m) * j->T;
        memset(o, 0, sizeof(float) * (size_t)j->T);
        for (int64_t f = 0; f < j->F; f++) {
            float wf = w[f];
            if (wf == 0.0f) continue;
            const float *row = S + f * j->T;
            for (int64_t t = 0; t < j->T; t++) o[t] += wf * row[t];
        }
    }
}

int wk_mel(wk_tensor *dst, const wk_tensor *x, double rate, const wk_stft_opts *o, int n_mels, double fmin, double fmax,
           double power)
{
    int64_t C, N, T;
    if (wk_spectral_check_signal("mel", x, &C, &N) || frames_of("mel", &T, N, o)) return WK_ERR;
    if (!(power > 0 && isfinite(power))) return wk_fail("mel: power must be above 0, got %g", power);
    wk_tensor fb = {0}, spec = {0};
    if (mel_fill("mel", &fb, rate, o->n_fft, n_mels, fmin, fmax)) return WK_ERR;
    int64_t F = o->n_fft / 2 + 1, shape[3] = {C, n_mels, T};
    spec_plan p;
    int rc = plan_init("mel", &p, o);
    if (rc == WK_OK) {
        rc = wk_tensor_new(&spec, 3, (int64_t[]){C, F, T});
        if (rc == WK_OK) rc = forward(&p, o, wk_tensor_data(x), C, N, T, wk_tensor_data(&spec), 0, power, "mel");
        plan_free(&p);
    }
    if (rc == WK_OK) rc = wk_tensor_new(dst, x->ndim == 2 ? 3 : 2, x->ndim == 2 ? shape : shape + 1);
    if (rc == WK_OK) {
        mel_job j = {wk_tensor_data(&fb), wk_tensor_data(&spec), wk_tensor_data(dst), F, T, n_mels};
        wk_parallel_for(C * n_mels, wk_parallel_grain(C * n_mels, 4.0 * (double)T * F / n_mels, 2e5, 256), mel_chunk,
                        &j);
    }
    wk_tensor_release(&spec);
    wk_tensor_release(&fb);
    return rc;
}
