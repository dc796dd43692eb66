/* edit.c — what a sketch does to a sound between loading and analysing it, or between
 * synthesising and saving it: resampling (libsamplerate), mono mix-down, finding the
 * loud part (for trimming silence), peak normalisation, and mu-law companding (8-bit
 * codes for raw-audio sequence models).
 *
 * Sounds are C×N contiguous tensors (or N, one channel); see sound.h. Each channel
 * of a resampling is converted on its own through the thread pool (the polyphase path
 * cuts channels into blocks of output frames too); a frame's value does not depend on
 * which thread computed it. */
#include <float.h>
#include <math.h>
#include <samplerate.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/threads.h"
#include "sound.h"

int wk_sound_shape(const char *fn, const char *what, const wk_tensor *t, int64_t *ch, int64_t *frames)
{
    char buf[96];
    if (wk_tensor_require(fn, what, t)) return WK_ERR;
    if (t->ndim == 1) *ch = 1, *frames = t->shape[0];
    else if (t->ndim == 2) *ch = t->shape[0], *frames = t->shape[1];
    else
        return wk_fail("%s: %s must be channels × frames (2-D) or frames (1-D), got %d-D %s", fn, what, t->ndim,
                       wk_tensor_shape_str(t, buf, sizeof buf));
    if (*ch < 1 || *frames < 1)
        return wk_fail("%s: %s %s hold no sound", fn, what, wk_tensor_shape_str(t, buf, sizeof buf));
    return WK_OK;
}

int wk_sound_check_finite(const char *fn, const float *x, int64_t ch, int64_t frames)
{
    for (int64_t i = 0; i < ch * frames; i++)
        if (!isfinite(x[i]))
            return wk_fail("%s: sample %lld of channel %lld is %s", fn, (long long)(i % frames) + 1,
                           (long long)(i / frames) + 1, isnan(x[i]) ? "NaN" : "infinite");
    return WK_OK;
}

/* ---- resampling ------------------------------------------------------------------- */

typedef struct resample_job {
    const float *in;    /* (ch, n) */
    float *out;         /* (ch, m) */
    float *scratch;     /* (ch, cap): what the converter writes, then trimmed into out */
    int64_t n, m, cap;
    double ratio;
    int converter;
    int *status;        /* (ch) libsamplerate's error per channel, 0 for none */
} resample_job;

static void resample_range(void *ctx, int64_t begin, int64_t end, int worker)
{
    resample_job *j = ctx;
    for (int64_t c = begin; c < end; c++) {
        float *s = j->scratch + c * j->cap;
        SRC_DATA d = {.data_in = j->in + c * j->n, .data_out = s, .input_frames = (long)j->n,
                      .output_frames = (long)j->cap, .src_ratio = j->ratio};
        j->status[c] = src_simple(&d, j->converter, 1);
        int64_t got = j->status[c] ? 0 : d.output_frames_gen;
        /* the converter may stop a frame or two short of n·ratio: pad with silence */
        int64_t keep = got < j->m ? got : j->m;
        memcpy(j->out + c * j->m, s, (size_t)keep * sizeof *s);
        memset(j->out + c * j->m + keep, 0, (size_t)(j->m - keep) * sizeof *s);
    }
}


/* ---- polyphase resampling ----------------------------------------------------------
 * For rates from and to with up/down = to/from in lowest terms, the sound is (in
 * principle) zero-stuffed by up, low-pass filtered and kept every down-th sample. The
 * filter h (L = 2·HALF·M + 1 taps, M = max(up, down), centred on c = HALF·M, so the
 * output has no delay) is a Kaiser-windowed sinc on that common grid:
 *   h[k] = up · 2fc · sinc(2fc·(k - c)) · I0(β·sqrt(1 - ((k - c)/c)²)) / I0(β)
 * with fc the cut-off over the common rate: ROLL of the lower Nyquist, so the transition
 * band (about 6.4/HALF of Nyquist wide for β ≈ 10) ends at Nyquist and what lies above
 * it is removed, not folded back. Output j reads only the taps of one phase:
 *   y[j] = Σ_m h[r + m·up] · x[n₀ - m],  s = j·down + c,  n₀ = ⌊s/up⌋,  r = s mod up;
 * each phase's taps are stored reversed and padded to T ≥ ⌈L/up⌉, so y[j] is one
 * contiguous dot product with x[n₀-T+1 .. n₀]. */
#define POLY_HALF 64                  /* zero crossings of the sinc on each side */
#define POLY_BETA 10.0                /* Kaiser β: ~100 dB stopband */
#define POLY_ROLL (1.0 - 3.2 / POLY_HALF)   /* cut-off in the transition's middle */
#define POLY_MAX_TAPS ((int64_t)1 << 22)
#define POLY_BLOCK 8192               /* output frames per pool chunk */

/* Zeroth-order modified Bessel function of the first kind (Kaiser's window), by its
 * series; shared with cqt.c's decimation filter. */
double wk_bessel_i0(double x)
{
    double sum = 1, term = 1, q = x * x / 4;
    for (int k = 1; k < 200 && term > 1e-17 * sum; k++) {
        term *= q / ((double)k * k);
        sum += term;
    }
    return sum;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b, b = t;
    }
    return a;
}

typedef struct poly_job {
    const float *in;     /* (ch, n) */
    float *out;          /* (ch, m) */
    const float *bank;   /* (up, T): phase r's taps, reversed, zero-padded in front */
    int64_t n, m, up, down, c, T, blocks;
} poly_job;

static void poly_range(void *ctx, int64_t begin, int64_t end, int worker)
{
    const poly_job *p = ctx;
    for (int64_t item = begin; item < end; item++) {
        int64_t ch = item / p->blocks, j0 = (item % p->blocks) * POLY_BLOCK;
        int64_t j1 = j0 + POLY_BLOCK < p->m ? j0 + POLY_BLOCK : p->m;
        const float *x = p->in + ch * p->n;
        float *y = p->out + ch * p->m;
        for (int64_t j = j0; j < j1; j++) {
            int64_t s = j * p->down + p->c, n0 = s / p->up, r = s % p->up;
            int64_t first = n0 - p->T + 1;   /* x index of tap 0 */
            const float *g = p->bank + r * p->T;
            float acc = 0;
            if (first >= 0 && n0 < p->n) {
                float part[8] = {0};   /* 8 running sums in a fixed order: vectorised, same on any thread */
                const float *xs = x + first;
                for (int64_t t = 0; t < p->T; t += 8)
                    for (int k = 0; k < 8; k++) part[k] += g[t + k] * xs[t + k];
                acc = ((part[0] + part[4]) + (part[1] + part[5])) + ((part[2] + part[6]) + (part[3] + part[7]));
            } else {   /* near the ends: the sound is silent outside */
                int64_t t0 = first < 0 ? -first : 0, t1 = n0 < p->n ? p->T : p->n - first;
                for (int64_t t = t0; t < t1; t++) acc += g[t] * x[first + t];
            }
            y[j] = acc;
        }
    }
}

/* dst (ch, m) already allocated. 1 when the rates do not suit the polyphase path. */
static int poly_resample(float *dst, const float *x, int64_t ch, int64_t n, int64_t m, double from, double to)
{
    if (from != floor(from) || to != floor(to)) return 1;
    int64_t g = gcd64((int64_t)from, (int64_t)to), up = (int64_t)to / g, down = (int64_t)from / g;
    int64_t M = up > down ? up : down, L = 2 * POLY_HALF * M + 1, c = POLY_HALF * M;
    if (L > POLY_MAX_TAPS) return 1;
    int64_t T = ((L + up - 1) / up + 7) / 8 * 8;   /* taps a phase, padded to whole 8s */
    float *bank = calloc((size_t)(up * T), sizeof *bank);
    if (!bank) return 1;
    double fc = POLY_ROLL * 0.5 / (double)M, i0b = wk_bessel_i0(POLY_BETA);   /* cycles per common-grid sample */
    for (int64_t k = 0; k < L; k++) {
        double d = (double)(k - c), u = d / (double)c;
        double sinc = d == 0 ? 1 : sin(2 * M_PI * fc * d) / (2 * M_PI * fc * d);
        double w = wk_bessel_i0(POLY_BETA * sqrt(fmax(0, 1 - u * u))) / i0b;
        int64_t r = k % up, mm = k / up, count = (L - 1 - r) / up + 1;
        bank[r * T + (T - count) + (count - 1 - mm)] = (float)(up * 2 * fc * sinc * w);
    }
    poly_job p = {.in = x, .out = dst, .bank = bank, .n = n, .m = m, .up = up, .down = down, .c = c, .T = T,
                  .blocks = (m + POLY_BLOCK - 1) / POLY_BLOCK};
    wk_parallel_for(ch * p.blocks, 1, poly_range, &p);
    free(bank);
    return 0;
}

int wk_sound_resample(wk_tensor *dst, const wk_tensor *t, double from, double to, wk_resample_quality quality)
{
    static const int converters[] = {SRC_SINC_BEST_QUALITY, SRC_SINC_MEDIUM_QUALITY, SRC_SINC_FASTEST, SRC_LINEAR,
                                     SRC_SINC_FASTEST};
    const char *fn = "audio.resample";
    int64_t ch, n;
    if (wk_sound_shape(fn, "samples", t, &ch, &n)) return WK_ERR;
    if (!(from >= 1 && from <= WK_SOUND_MAX_RATE) || !(to >= 1 && to <= WK_SOUND_MAX_RATE))
        return wk_fail("%s: rates must be 1..%d Hz, got %g and %g", fn, WK_SOUND_MAX_RATE, from, to);
    if ((int)quality < 0 || (int)quality > WK_RESAMPLE_POLY) return wk_fail("%s: unknown quality %d", fn, (int)quality);
    double ratio = to / from;
    if (!src_is_valid_ratio(ratio))
        return wk_fail("%s: %g Hz to %g Hz is a ratio of %g; libsamplerate converts within 1/256..256 (resample in two steps)",
                       fn, from, to, ratio);
    const float *x = wk_tensor_data(t);
    if (wk_sound_check_finite(fn, x, ch, n)) return WK_ERR;
    double mf = floor((double)n * ratio + 0.5);
    if (mf < 1) mf = 1;
    if (mf > (double)WK_MAX_NUMEL / (double)ch) return wk_fail("%s: %lld frames at ratio %g is too many", fn, (long long)n, ratio);
    int64_t m = (int64_t)mf;
    int64_t shape[2] = {ch, m};
    if (wk_tensor_new(dst, t->ndim, t->ndim == 1 ? shape + 1 : shape)) return WK_ERR;
    if (from == to) {
        memcpy(wk_tensor_data(dst), x, (size_t)(ch * n) * sizeof *x);
        return WK_OK;
    }
    if (quality == WK_RESAMPLE_POLY && poly_resample(wk_tensor_data(dst), x, ch, n, m, from, to) == 0) return WK_OK;
    int64_t cap = m + 64, bytes;
    if (wk_mul_overflows(cap * ch, (int64_t)sizeof(float), &bytes) || wk_memory_check((double)bytes, "resampling")) {
        wk_tensor_release(dst);
        return wk_fail("%s: %s", fn, wk_errmsg());
    }
    resample_job j = {.in = x, .out = wk_tensor_data(dst), .n = n, .m = m, .cap = cap, .ratio = ratio,
                      .converter = converters[quality]};
    j.scratch = malloc((size_t)bytes);
    j.status = calloc((size_t)ch, sizeof *j.status);
    int rc = WK_OK;
    if (!j.scratch || !j.status) {
        rc = wk_fail("%s: out of memory", fn);
    } else {
        wk_parallel_for(ch, 1, resample_range, &j);
        for (int64_t c = 0; c < ch && rc == WK_OK; c++)
            if (j.status[c]) rc = wk_fail("%s: libsamplerate: %s", fn, src_strerror(j.status[c]));
    }
    free(j.scratch);
    free(j.status);
    if (rc) wk_tensor_release(dst);
    return rc;
}

/* ---- mix-down, loudness, normalisation -------------------------------------------- */

int wk_sound_mono(wk_tensor *dst, const wk_tensor *t)
{
    int64_t ch, n;
    if (wk_sound_shape("audio.mono", "samples", t, &ch, &n)) return WK_ERR;
    int64_t shape[2] = {1, n};
    if (wk_tensor_new(dst, 2, shape)) return WK_ERR;
    const float *x = wk_tensor_data(t);   /* (ch, n) */
    float *y = wk_tensor_data(dst);       /* (1, n) */
    memcpy(y, x, (size_t)n * sizeof *y);
    for (int64_t c = 1; c < ch; c++)
        for (int64_t i = 0; i < n; i++) y[i] += x[c * n + i];
    if (ch > 1) {
        float s = 1.0f / (float)ch;
        for (int64_t i = 0; i < n; i++) y[i] *= s;
    }
    return WK_OK;
}

int wk_sound_loud_range(int64_t *start, int64_t *end, const wk_tensor *t, float threshold)
{
    int64_t ch, n;
    *start = *end = 0;
    if (wk_sound_shape("audio.trim", "samples", t, &ch, &n)) return WK_ERR;
    if (!(threshold >= 0)) return wk_fail("audio.trim: threshold must be a non-negative amplitude, got %g", threshold);
    const float *x = wk_tensor_data(t);
    if (wk_sound_check_finite("audio.trim", x, ch, n)) return WK_ERR;
    int64_t first = n, last = -1;
    for (int64_t c = 0; c < ch; c++) {
        const float *r = x + c * n;
        for (int64_t i = 0; i < first; i++)
            if (fabsf(r[i]) > threshold) {
                first = i;
                break;
            }
        for (int64_t i = n - 1; i > last; i--)
            if (fabsf(r[i]) > threshold) {
                last = i;
                break;
            }
    }
    if (last >= first) *start = first, *end = last + 1;
    return WK_OK;
}

int wk_sound_normalize(wk_tensor *dst, const wk_tensor *t, float peak, float *gain)
{
    int64_t ch, n;
    if (wk_sound_shape("audio.normalize", "samples", t, &ch, &n)) return WK_ERR;
    if (!(peak > 0 && peak <= 1e6f)) return wk_fail("audio.normalize: peak must be in (0, 1e6], got %g", peak);
    const float *x = wk_tensor_data(t);
    if (wk_sound_check_finite("audio.normalize", x, ch, n)) return WK_ERR;
    float top = 0;
    for (int64_t i = 0; i < ch * n; i++) top = fmaxf(top, fabsf(x[i]));
    /* in double: peak / a subnormal top overflows a float to inf and turns zeros into NaN;
       a gain too large for a float means the sound is silent for every purpose, so it is
       returned unchanged with gain 1, as an all-zero sound is */
    double gd = top > 0 ? (double)peak / top : 1.0;
    float g = gd <= FLT_MAX ? (float)gd : 1.0f;
    if (wk_tensor_new_like(dst, t)) return WK_ERR;
    float *y = wk_tensor_data(dst);
    for (int64_t i = 0; i < ch * n; i++) y[i] = x[i] * g;
    if (gain) *gain = g;
    return WK_OK;
}

/* ---- mu-law ------------------------------------------------------------------------ */

/* encode: y = sign(x)·ln(1 + mu|x|)/ln(1 + mu), code = round((y + 1)/2 · mu)
 * decode: y = 2·code/mu - 1, x = sign(y)·((1 + mu)^|y| - 1)/mu
 * (ITU G.711's continuous form; WaveNet's 256 levels are mu = 255.) */
static int mulaw_args(const char *fn, const wk_tensor *t, int levels)
{
    if (wk_tensor_require(fn, "x", t)) return WK_ERR;
    if (levels < 2 || levels > 65536) return wk_fail("%s: levels must be 2..65536, got %d", fn, levels);
    return WK_OK;
}

int wk_mulaw_encode(wk_tensor *dst, const wk_tensor *t, int levels)
{
    if (mulaw_args("audio.mulaw_encode", t, levels)) return WK_ERR;
    int64_t n = wk_tensor_numel(t);
    const float *x = wk_tensor_data(t);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return wk_fail("audio.mulaw_encode: element %lld is %s", (long long)i + 1, isnan(x[i]) ? "NaN" : "infinite");
    if (wk_tensor_new_like(dst, t)) return WK_ERR;
    float *y = wk_tensor_data(dst);
    const double mu = levels - 1, inv_log = 1.0 / log1p(mu);
    for (int64_t i = 0; i < n; i++) {
        double v = x[i] > 1 ? 1 : x[i] < -1 ? -1 : x[i];
        double c = copysign(log1p(mu * fabs(v)) * inv_log, v);
        y[i] = (float)floor((c + 1) * 0.5 * mu + 0.5);
    }
    return WK_OK;
}

int wk_mulaw_decode(wk_tensor *dst, const wk_tensor *t, int levels)
{
    if (mulaw_args("audio.mulaw_decode", t, levels)) return WK_ERR;
    int64_t n = wk_tensor_numel(t);
    const float *x = wk_tensor_data(t);
    const double mu = levels - 1;
    for (int64_t i = 0; i < n; i++)
        if (!(x[i] >= 0 && x[i] <= mu) || x[i] != floorf(x[i]))
            return wk_fail("audio.mulaw_decode: code %lld is %g; codes are integers 0..%d", (long long)i + 1, x[i], levels - 1);
    if (wk_tensor_new_like(dst, t)) return WK_ERR;
    float *y = wk_tensor_data(dst);
    for (int64_t i = 0; i < n; i++) {
        double v = 2.0 * x[i] / mu - 1;
        y[i] = (float)copysign(expm1(fabs(v) * log1p(mu)) / mu, v);
    }
    return WK_OK;
}
