/* test_spectral.c — lib/audio/spectral.h against float64 evaluations of each definition
 * on synthetic tones: the STFT against a direct DFT (centred with both paddings, not
 * centred, several windows), Parseval's identity, istft(stft(x)) = x, Griffin-Lim's
 * spectral convergence falling, Slaney's mel scale and filters and a mel spectrogram,
 * the CQT against its defining sum (with all kernel weights, and with the default
 * sparsity), a sine landing in its own CQT bin and mel band, the same numbers on 1 and
 * 2 threads, and bad input.
 *
 * Errors are reported relative to the largest reference magnitude (transforms of
 * float32 signals carry ~1e-7 of it per operation; kissfft is float32). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/audio/spectral.h"
#include "../../lib/core/threads.h"
#include "check.h"
#include "error_checks.h"
#include "tensor_fixtures.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* C channels of n samples: a few sines (amplitude, Hz) plus a little deterministic noise. */
static wk_tensor tones(int64_t C, int64_t n, double rate, int count, const double *amp, const double *hz, double noise)
{
    wk_tensor x = fixture_alloc(C == 1 ? 1 : 2, C == 1 ? SHAPE(n) : SHAPE(C, n), 0);
    float *p = wk_tensor_data(&x);
    uint64_t s = 12345;
    for (int64_t c = 0; c < C; c++)
        for (int64_t i = 0; i < n; i++) {
            double v = 0;
            for (int k = 0; k < count; k++) v += amp[k] * sin(2 * M_PI * hz[k] * (c + 1) * i / rate + 0.3 * k);
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            v += noise * ((double)(s >> 11) / 9007199254740992.0 - 0.5);
            p[c * n + i] = (float)v;
        }
    return x;
}

/* ---- STFT ---------------------------------------------------------------------------- */

/* The direct DFT of frame t of channel c, bin f, in double (the definition in spectral.h). */
static void dft_ref(const float *x, int64_t N, const wk_stft_opts *o, int64_t t, int f, double *re, double *im)
{
    int64_t pad = o->center ? o->n_fft / 2 : 0, left = (o->n_fft - o->win_length) / 2;
    *re = *im = 0;
    for (int n = 0; n < o->n_fft; n++) {
        int64_t i = t * o->hop + n - pad;
        double v;
        if (i >= 0 && i < N) v = x[i];
        else if (o->pad_mode == WK_PAD_REFLECT) v = x[i < 0 ? -i : 2 * (N - 1) - i];
        else v = 0;
        double w = n >= left && n < left + o->win_length ? wk_window_value(o->window, n - left, o->win_length) : 0;
        double a = -2 * M_PI * (double)f * n / o->n_fft;
        *re += w * v * cos(a), *im += w * v * sin(a);
    }
}

static double stft_error(const wk_tensor *x, const wk_stft_opts *o, int cplx)
{
    wk_tensor X = {0};
    if (wk_stft(&X, x, o, cplx, 1.0) != WK_OK) {
        printf("  stft failed: %s\n", wk_errmsg());
        return 1e9;
    }
    int64_t C = x->ndim == 2 ? x->shape[0] : 1, N = x->shape[x->ndim - 1], F = o->n_fft / 2 + 1, T;
    wk_stft_frames(&T, N, o);
    int nd = X.ndim - cplx;
    if (X.shape[nd - 2] != F || X.shape[nd - 1] != T) return 1e9;
    double worst = 0, top = 0;
    for (int64_t c = 0; c < C; c++)
        for (int64_t t = 0; t < T; t++)
            for (int f = 0; f < F; f++) {
                double re, im;
                dft_ref(wk_tensor_data(x) + c * N, N, o, t, f, &re, &im);
                const float *g = wk_tensor_data(&X) + ((c * F + f) * T + t) * (cplx ? 2 : 1);
                double d = cplx ? hypot(g[0] - re, g[1] - im) : fabs(g[0] - hypot(re, im));
                if (d > worst) worst = d;
                if (hypot(re, im) > top) top = hypot(re, im);
            }
    wk_tensor_release(&X);
    printf("  stft n_fft %d hop %d win %d/%d center %d pad %d cplx %d: max error %.2e of %.3g\n", o->n_fft, o->hop,
           o->window, o->win_length, o->center, o->pad_mode, cplx, worst / top, top);
    return worst / top;
}

TEST(stft_matches_dft)
{
    double amp[] = {0.7, 0.2, 0.05}, hz[] = {440, 1234.5, 5000};
    wk_tensor x = tones(2, 3001, 16000, 3, amp, hz, 0.01);
    wk_stft_opts o = wk_stft_defaults();
    o.n_fft = 256, o.hop = 64, o.win_length = 256;
    CHECK(stft_error(&x, &o, 1) < 2e-6);
    o.pad_mode = WK_PAD_REFLECT;
    CHECK(stft_error(&x, &o, 0) < 2e-6);
    o.center = 0, o.window = WK_WINDOW_HAMMING, o.hop = 100;
    CHECK(stft_error(&x, &o, 1) < 2e-6);
    o.center = 1, o.window = WK_WINDOW_RECT, o.win_length = 200, o.n_fft = 250, o.pad_mode = WK_PAD_CONSTANT;
    CHECK(stft_error(&x, &o, 1) < 2e-6);
    wk_tensor mono = tones(1, 777, 8000, 2, amp, hz, 0.0);
    o = wk_stft_defaults();
    o.n_fft = 128, o.hop = 32, o.win_length = 96;
    CHECK(stft_error(&mono, &o, 0) < 2e-6);
    wk_tensor_release(&x);
    wk_tensor_release(&mono);
}

/* Rectangular frames side by side: sum over frequencies of |X|² (counting the bins that
 * stand for two) / n_fft = the frame's energy, and all frames = the signal's. */
TEST(stft_parseval)
{
    double amp[] = {0.5, 0.3}, hz[] = {300, 2100};
    int n_fft = 512;
    wk_tensor x = tones(1, 8 * n_fft, 11025, 2, amp, hz, 0.2);
    wk_stft_opts o = wk_stft_defaults();
    o.n_fft = n_fft, o.hop = n_fft, o.win_length = n_fft, o.window = WK_WINDOW_RECT, o.center = 0;
    wk_tensor P = {0};
    CHECK(wk_stft(&P, &x, &o, 0, 2.0) == WK_OK);
    int64_t F = P.shape[0], T = P.shape[1];
    CHECK(T == 8);
    double spec = 0, energy = 0;
    for (int64_t f = 0; f < F; f++)
        for (int64_t t = 0; t < T; t++) spec += (f == 0 || f == F - 1 ? 1 : 2) * wk_tensor_data(&P)[f * T + t];
    spec /= n_fft;
    for (int64_t i = 0; i < 8 * n_fft; i++) energy += (double)wk_tensor_data(&x)[i] * wk_tensor_data(&x)[i];
    printf("  parseval: spectrum %.6f, signal %.6f\n", spec, energy);
    CHECK_NEAR(spec / energy, 1.0, 1e-5);
    wk_tensor_release(&P);
    wk_tensor_release(&x);
}

TEST(istft_inverts_stft)
{
    double amp[] = {0.6, 0.25}, hz[] = {220, 3300};
    wk_tensor x = tones(2, 5000, 22050, 2, amp, hz, 0.05);
    int pads[] = {WK_PAD_CONSTANT, WK_PAD_REFLECT}, hops[] = {128, 256}, centers[] = {1, 0};
    for (int v = 0; v < 2; v++) {
        wk_stft_opts o = wk_stft_defaults();
        o.n_fft = 512, o.win_length = 512, o.hop = hops[v], o.pad_mode = pads[v], o.center = centers[v];
        wk_tensor X = {0}, y = {0};
        CHECK(wk_stft(&X, &x, &o, 1, 1.0) == WK_OK);
        CHECK(wk_istft(&y, &X, &o, 5000) == WK_OK);
        CHECK(y.ndim == 2 && y.shape[0] == 2 && y.shape[1] == 5000);
        /* not centred, the first and last half-windows have (almost) no weight */
        int64_t lo = o.center ? 0 : o.n_fft, hi = o.center ? 5000 : 5000 - o.n_fft;
        double worst = 0;
        for (int64_t c = 0; c < 2; c++)
            for (int64_t i = lo; i < hi; i++) {
                double d = fabs(wk_tensor_data(&y)[c * 5000 + i] - wk_tensor_data(&x)[c * 5000 + i]);
                if (d > worst) worst = d;
            }
        printf("  istft(stft(x)) hop %d center %d: max |error| %.2e\n", o.hop, o.center, worst);
        CHECK(worst < 1e-5);
        wk_tensor_release(&X);
        wk_tensor_release(&y);
    }
    wk_tensor_release(&x);
}

TEST(griffin_lim_converges)
{
    double amp[] = {0.5, 0.3, 0.2}, hz[] = {330, 660, 1500};
    wk_tensor x = tones(1, 8000, 8000, 3, amp, hz, 0.0);
    wk_stft_opts o = wk_stft_defaults();
    o.n_fft = 256, o.win_length = 256, o.hop = 64;
    wk_tensor M = {0}, y = {0}, M2 = {0};
    CHECK(wk_stft(&M, &x, &o, 0, 1.0) == WK_OK);
    wk_griffin_lim_opts g = wk_griffin_lim_defaults();
    g.iters = 40;
    double err[40];
    wk_rng_seed(3);
    CHECK(wk_griffin_lim(&y, &M, &o, &g, err) == WK_OK);
    printf("  griffin-lim spectral convergence: %.4f (1) %.4f (10) %.4f (40)\n", err[0], err[9], err[39]);
    CHECK(err[39] < 0.5 * err[0]);
    CHECK(err[39] < 0.15);
    CHECK(y.ndim == 1 && y.shape[0] == 8000);
    /* the result's own spectrogram is what the last error measured, within float */
    CHECK(wk_stft(&M2, &y, &o, 0, 1.0) == WK_OK);
    double num = 0, den = 0;
    for (int64_t i = 0; i < wk_tensor_numel(&M); i++) {
        double d = wk_tensor_data(&M2)[i] - wk_tensor_data(&M)[i];
        num += d * d, den += (double)wk_tensor_data(&M)[i] * wk_tensor_data(&M)[i];
    }
    CHECK(sqrt(num / den) < err[39] * 1.05 + 1e-3);
    /* plain Griffin-Lim (no momentum) decreases monotonically (Griffin & Lim 1984) */
    g.momentum = 0, g.iters = 12;
    wk_tensor_release(&y);
    CHECK(wk_griffin_lim(&y, &M, &o, &g, err) == WK_OK);
    int mono = 1;
    for (int i = 1; i < 12; i++) mono &= err[i] <= err[i - 1] * (1 + 1e-4);
    CHECK(mono);
    wk_tensor_release(&y);
    wk_tensor_release(&M);
    wk_tensor_release(&M2);
    wk_tensor_release(&x);
}

/* ---- mel ------------------------------------------------------------------------------- */

TEST(mel_scale_and_filters)
{
    CHECK_NEAR(wk_hz_to_mel(1000), 15.0, 1e-12);
    CHECK_NEAR(wk_hz_to_mel(500), 7.5, 1e-12);
    CHECK_NEAR(wk_hz_to_mel(6400), 15.0 + 27.0, 1e-9);
    CHECK_NEAR(wk_mel_to_hz(wk_hz_to_mel(4321.0)), 4321.0, 1e-9);
    wk_tensor fb = {0};
    double rate = 22050;
    int n_fft = 2048, M = 128, F = n_fft / 2 + 1;
    CHECK(wk_mel_filters(&fb, rate, n_fft, M, 0, rate / 2) == WK_OK);
    CHECK(fb.shape[0] == M && fb.shape[1] == F);
    /* each triangle: peak near its centre frequency, area ~ 1 in Hz·(2/width)·width/2 = 1 */
    double m1 = wk_hz_to_mel(rate / 2), worst = 0;
    for (int m = 0; m < M; m++) {
        double lo = wk_mel_to_hz(m1 * m / (M + 1)), mid = wk_mel_to_hz(m1 * (m + 1) / (M + 1)),
               hi = wk_mel_to_hz(m1 * (m + 2) / (M + 1));
        for (int f = 0; f < F; f++) {
            double fr = f * rate / n_fft, v = fmin((fr - lo) / (mid - lo), (hi - fr) / (hi - mid));
            double want = v > 0 ? v * 2 / (hi - lo) : 0;
            worst = fmax(worst, fabs(want - wk_tensor_data(&fb)[m * F + f]) / (2 / (hi - lo)));
        }
    }
    printf("  mel filters: max error %.2e of each triangle's peak\n", worst);
    CHECK(worst < 1e-6);
    wk_tensor_release(&fb);
}

TEST(mel_of_a_sine)
{
    double rate = 22050, amp[] = {0.8}, hz[] = {1000};
    wk_tensor x = tones(1, 22050, rate, 1, amp, hz, 0.0), S = {0}, P = {0}, fb = {0};
    wk_stft_opts o = wk_stft_defaults();
    CHECK(wk_mel(&S, &x, rate, &o, 64, 0, rate / 2, 2.0) == WK_OK);
    CHECK(wk_stft(&P, &x, &o, 0, 2.0) == WK_OK);
    CHECK(wk_mel_filters(&fb, rate, o.n_fft, 64, 0, rate / 2) == WK_OK);
    int64_t T = S.shape[1], F = P.shape[0], t = T / 2, best = 0;
    CHECK(S.ndim == 2 && S.shape[0] == 64 && T == 1 + 22050 / 512);
    double worst = 0, top = 0;
    for (int m = 0; m < 64; m++) {
        double ref = 0;
        for (int64_t f = 0; f < F; f++) ref += (double)wk_tensor_data(&fb)[m * F + f] * wk_tensor_data(&P)[f * T + t];
        worst = fmax(worst, fabs(ref - wk_tensor_data(&S)[m * T + t]));
        top = fmax(top, ref);
        if (wk_tensor_data(&S)[m * T + t] > wk_tensor_data(&S)[best * T + t]) best = m;
    }
    /* the band whose centre is nearest 1 kHz */
    double m1 = wk_hz_to_mel(rate / 2), want = 0, gap = 1e9;
    for (int m = 0; m < 64; m++) {
        double c = wk_mel_to_hz(m1 * (m + 1) / 65);
        if (fabs(c - 1000) < gap) gap = fabs(c - 1000), want = m;
    }
    printf("  mel: 1 kHz sine in band %lld (centre nearest: %.0f); product error %.2e\n", (long long)best, want,
           worst / top);
    CHECK(best == want);
    CHECK(worst / top < 1e-5);
    wk_tensor_release(&S);
    wk_tensor_release(&P);
    wk_tensor_release(&fb);
    wk_tensor_release(&x);
}

/* ---- CQT --------------------------------------------------------------------------------- */

/* X[k, t] by its defining sum, in double. */
static void cqt_ref(const float *x, int64_t N, double rate, const wk_cqt_opts *o, int k, int64_t t, double *re,
                    double *im)
{
    double Q = o->filter_scale / (pow(2.0, 1.0 / o->bins_per_octave) - 1), f = o->fmin * pow(2.0, (double)k / o->bins_per_octave);
    int64_t Nk = (int64_t)ceil(Q * rate / f), half = Nk / 2;
    double ws = 0;
    *re = *im = 0;
    for (int64_t n = 0; n < Nk; n++) {
        double w = wk_window_value(o->window, n, Nk);
        ws += w;
        int64_t i = t * o->hop + n - half;
        if (i < 0 || i >= N) continue;
        double a = -2 * M_PI * f * (double)(n - half) / rate;
        *re += w * x[i] * cos(a), *im += w * x[i] * sin(a);
    }
    *re /= ws, *im /= ws;
}

static double cqt_error(const wk_tensor *x, double rate, const wk_cqt_opts *o)
{
    wk_cqt_kernel *k = NULL;
    wk_tensor X = {0};
    if (wk_cqt_kernel_new(&k, rate, o) != WK_OK || wk_cqt(&X, x, k, 1) != WK_OK) {
        printf("  cqt failed: %s\n", wk_errmsg());
        wk_cqt_kernel_free(k);
        return 1e9;
    }
    int64_t N = x->shape[x->ndim - 1], T = wk_cqt_frames(N, o->hop), kept, total;
    int L;
    wk_cqt_kernel_info(k, &L, &kept, &total);
    double worst = 0, top = 0, Q = o->filter_scale / (pow(2.0, 1.0 / o->bins_per_octave) - 1);
    /* downsampled, frames whose windows cross the signal's ends are left out: the step
     * there is broadband, and the decimating low-pass (rightly) keeps it from the bins */
    int64_t edge = o->downsample ? (int64_t)ceil(Q * rate / o->fmin / 2 / o->hop) + 1 : 0;
    for (int b = 0; b < o->n_bins; b++)
        for (int64_t t = edge; t < T - edge; t++) {
            double re, im;
            cqt_ref(wk_tensor_data(x), N, rate, o, b, t, &re, &im);
            const float *g = wk_tensor_data(&X) + (b * T + t) * 2;
            worst = fmax(worst, hypot(g[0] - re, g[1] - im));
            top = fmax(top, hypot(re, im));
        }
    printf("  cqt %d bins from %.1f Hz, sparsity %g: frame %d, %lld of %lld weights kept; max error %.2e of %.3g\n",
           o->n_bins, o->fmin, o->sparsity, L, (long long)kept, (long long)total, worst / top, top);
    wk_tensor_release(&X);
    wk_cqt_kernel_free(k);
    return worst / top;
}

TEST(cqt_matches_definition)
{
    double rate = 8000, amp[] = {0.5, 0.3, 0.2}, hz[] = {110, 466.16, 1318.5};
    wk_tensor x = tones(1, 6000, rate, 3, amp, hz, 0.05);
    wk_cqt_opts o = wk_cqt_defaults();
    o.fmin = 55, o.n_bins = 60, o.hop = 700, o.sparsity = 0, o.downsample = 0;   /* the sum itself */
    CHECK(cqt_error(&x, rate, &o) < 1e-5);
    o.downsample = 1;   /* three levels: 700 halves twice */
    CHECK(cqt_error(&x, rate, &o) < 2e-5);
    o.sparsity = wk_cqt_defaults().sparsity;
    CHECK(cqt_error(&x, rate, &o) < 2e-3);
    o.hop = 512;   /* five levels, one an octave */
    CHECK(cqt_error(&x, rate, &o) < 2e-3);
    o.bins_per_octave = 24, o.n_bins = 100, o.filter_scale = 0.8, o.window = WK_WINDOW_HAMMING, o.sparsity = 0.01;
    CHECK(cqt_error(&x, rate, &o) < 1e-2);
    wk_tensor_release(&x);
}

/* A sine at bin k's frequency peaks in bin k, at half its amplitude, in every frame
 * away from the ends; the same on 1 and 2 threads, bit for bit. */
TEST(cqt_sine_lands_in_its_bin)
{
    double rate = 22050;
    wk_cqt_opts o = wk_cqt_defaults();
    wk_cqt_kernel *k = NULL;
    CHECK(wk_cqt_kernel_new(&k, rate, &o) == WK_OK);
    CHECK(wk_cqt_kernel_levels(k) == 7);   /* seven octaves, hop 512 halves six times */
    int bins[] = {0, 13, 40, 57, 83}, ok = 1;
    for (int i = 0; i < 5; i++) {
        double hz[] = {o.fmin * pow(2.0, bins[i] / 12.0)}, amp[] = {0.6};
        wk_tensor x = tones(1, 2 * 22050, rate, 1, amp, hz, 0.0), X = {0};
        CHECK(wk_cqt(&X, &x, k, 0) == WK_OK);
        int64_t T = X.shape[1], t = T / 2;
        int best = 0;
        for (int b = 0; b < o.n_bins; b++)
            if (wk_tensor_data(&X)[b * T + t] > wk_tensor_data(&X)[best * T + t]) best = b;
        double peak = wk_tensor_data(&X)[best * T + t];
        printf("  cqt: sine at %.1f Hz (bin %d) peaks in bin %d at %.4f\n", hz[0], bins[i], best, peak);
        ok &= best == bins[i] && fabs(peak - 0.3) < 3e-3;
        wk_tensor_release(&X);
        wk_tensor_release(&x);
    }
    CHECK(ok);
    /* thread count: same bits */
    double amp[] = {0.5, 0.5}, hz[] = {98, 1760};
    wk_tensor x = tones(2, 30000, rate, 2, amp, hz, 0.1), a = {0}, b = {0};
    int was = wk_threads_count();
    wk_threads_set(1);
    CHECK(wk_cqt(&a, &x, k, 1) == WK_OK);
    wk_threads_set(2);
    CHECK(wk_cqt(&b, &x, k, 1) == WK_OK);
    wk_threads_set(was);
    CHECK(a.ndim == 4 && a.shape[0] == 2 && a.shape[1] == 84 && a.shape[3] == 2);
    CHECK(!memcmp(wk_tensor_data(&a), wk_tensor_data(&b), sizeof(float) * (size_t)wk_tensor_numel(&a)));
    wk_tensor_release(&a);
    wk_tensor_release(&b);
    wk_tensor_release(&x);
    wk_cqt_kernel_free(k);
}

TEST(bad_input)
{
    double amp[] = {0.5}, hz[] = {440};
    wk_tensor x = tones(1, 1000, 8000, 1, amp, hz, 0.0), X = {0};
    wk_stft_opts o = wk_stft_defaults();
    o.n_fft = 511;
    CHECK(fails_with(wk_stft(&X, &x, &o, 0, 1), "n_fft must be even"));
    o = wk_stft_defaults();
    o.center = 0;
    CHECK(fails_with(wk_stft(&X, &x, &o, 0, 1), "shorter than n_fft"));
    o.center = 1, o.pad_mode = WK_PAD_REFLECT;
    CHECK(fails_with(wk_stft(&X, &x, &o, 0, 1), "too short"));
    o = wk_stft_defaults();
    o.hop = 0;
    CHECK(fails_with(wk_stft(&X, &x, &o, 0, 1), "hop"));
    o = wk_stft_defaults();
    CHECK(fails_with(wk_stft(&X, &x, &o, 0, -1), "power"));
    wk_tensor_data(&x)[17] = NAN;
    CHECK(fails_with(wk_stft(&X, &x, &o, 0, 1), "sample 18 of channel 1 is NaN"));
    CHECK(fails_with(wk_mel(&X, &x, 8000, &o, 40, 0, 4000, 2), "NaN"));
    wk_tensor_data(&x)[17] = 0;
    CHECK(fails_with(wk_mel(&X, &x, 0, &o, 40, 0, 4000, 2), "rate must be"));
    CHECK(fails_with(wk_mel(&X, &x, 8000, &o, 40, 0, 5000, 2), "fmax"));
    CHECK(fails_with(wk_mel(&X, &x, 8000, &o, 0, 0, 4000, 2), "n_mels"));
    wk_cqt_kernel *k = NULL;
    wk_cqt_opts c = wk_cqt_defaults();
    CHECK(fails_with(wk_cqt_kernel_new(&k, 8000, &c), "above half the rate"));
    CHECK(fails_with(wk_cqt_kernel_new(&k, NAN, &c), "rate must be"));
    c.fmin = 1e-3;
    CHECK(fails_with(wk_cqt_kernel_new(&k, 22050, &c), "raise fmin"));
    c = wk_cqt_defaults();
    c.hop = -5;
    CHECK(fails_with(wk_cqt_kernel_new(&k, 22050, &c), "hop"));
    CHECK(k == NULL);
    wk_tensor M = fixture_alloc(2, SHAPE(100, 10), 1);
    o = wk_stft_defaults();
    wk_griffin_lim_opts g = wk_griffin_lim_defaults();
    CHECK(fails_with(wk_griffin_lim(&X, &M, &o, &g, NULL), "do not fit n_fft"));
    wk_tensor_data(&M)[3] = -1;
    o.n_fft = 198, o.win_length = 198;
    CHECK(fails_with(wk_griffin_lim(&X, &M, &o, &g, NULL), "negative"));
    wk_tensor Z = fixture_alloc(3, SHAPE(100, 10, 3), 1);
    CHECK(fails_with(wk_istft(&X, &Z, &o, -1), "last dim must be 2"));
    CHECK(X.storage == NULL);
    wk_tensor_release(&Z);
    wk_tensor_release(&M);
    wk_tensor_release(&x);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    RUN(stft_matches_dft);
    RUN(stft_parseval);
    RUN(istft_inverts_stft);
    RUN(griffin_lim_converges);
    RUN(mel_scale_and_filters);
    RUN(mel_of_a_sine);
    RUN(cqt_matches_definition);
    RUN(cqt_sine_lands_in_its_bin);
    RUN(bad_input);
    return check_summary("spectral");
}
