/* spectral.h — time-frequency transforms of sampled sound, on kissfft: the short-time
 * Fourier transform and its inverse, Griffin-Lim phase recovery, mel spectrograms and
 * the constant-Q transform (cqt.c).
 *
 * Signals are float tensors, 1-D (N) or 2-D (C, N): C channels of N samples. Results
 * keep the channel dim when the input had one, and put frames last:
 *   stft        (C, F, T) magnitudes (|X|^power), or (C, F, T, 2) real/imaginary pairs
 *   mel         (C, M, T)
 *   cqt         (C, K, T), or (C, K, T, 2)
 * with F = n_fft/2 + 1 frequencies, M mel bands, K constant-Q bins and T frames. Frame t
 * is centred on sample t*hop (center) or starts there. Samples must be finite.
 *
 * Threads (core/threads.h): frames are cut into chunks by the problem's size only and
 * every output value is computed by one chunk, so results do not depend on the thread
 * count. kissfft real plans carry scratch, so each pool worker gets its own. */
#ifndef WK_SPECTRAL_H
#define WK_SPECTRAL_H

#include <stdint.h>

#include "../tensor/tensor.h"

enum { WK_WINDOW_HANN, WK_WINDOW_HAMMING, WK_WINDOW_RECT };
enum { WK_PAD_CONSTANT, WK_PAD_REFLECT };

/* Limits that refuse absurd options before anything is allocated. */
#define WK_SPECTRAL_MAX_FFT (1 << 22)     /* n_fft, and the CQT's frame */
#define WK_SPECTRAL_MAX_HOP (1 << 24)
#define WK_SPECTRAL_MAX_BINS 4096         /* mel bands, CQT bins */
#define WK_SPECTRAL_MAX_ITERS 100000      /* Griffin-Lim */

typedef struct wk_stft_opts {
    int n_fft;        /* FFT size, even */
    int hop;          /* samples between frames */
    int win_length;   /* the window's length, centred in n_fft (<= n_fft) */
    int window;       /* WK_WINDOW_* (periodic, as torch and scipy make them) */
    int center;       /* frame t centred on sample t*hop, the signal padded by n_fft/2 */
    int pad_mode;     /* WK_PAD_CONSTANT (zeros) or WK_PAD_REFLECT (numpy's "reflect") */
} wk_stft_opts;

/* n_fft 2048, hop 512, win_length 2048, hann, centred, constant padding. */
wk_stft_opts wk_stft_defaults(void);
/* Frames of a signal of n samples (fails on options that cannot frame it). */
int wk_stft_frames(int64_t *frames, int64_t n, const wk_stft_opts *o);

/* STFT: X[f, t] = sum_n w[n] x[t*hop + n - pad] e^{-2 pi i f n / n_fft} (pad = n_fft/2
 * when centred, else 0), unnormalised as torch.stft. cplx: dst (.., F, T, 2); else
 * |X|^power (power > 0; 1 magnitude, 2 power). */
int wk_stft(wk_tensor *dst, const wk_tensor *x, const wk_stft_opts *o, int cplx, double power);

/* Inverse STFT by weighted overlap-add (as torch.istft): spec (.., F, T, 2) with
 * F = n_fft/2 + 1; length < 0: hop*(T-1) when centred, else n_fft + hop*(T-1).
 * istft(stft(x)) = x wherever the squared windows overlap. */
int wk_istft(wk_tensor *dst, const wk_tensor *spec, const wk_stft_opts *o, int64_t length);

typedef struct wk_griffin_lim_opts {
    int iters;          /* 32 */
    double momentum;    /* 0.99: the "fast" Griffin-Lim of Perraudin et al. 2013; 0: plain */
    int random_init;    /* 1: phases drawn from wk_rng; 0: all phases zero */
    int64_t length;     /* samples out, < 0: as wk_istft */
} wk_griffin_lim_opts;
wk_griffin_lim_opts wk_griffin_lim_defaults(void);

/* A signal whose STFT magnitude approaches mag (.., F, T): alternate projections
 * (Griffin & Lim 1984) with momentum. errors, when not NULL, gets each iteration's
 * spectral convergence || |STFT(x_i)| - mag ||_F / ||mag||_F (iters values). Draws
 * from wk_rng (random_init) on the calling thread only. */
int wk_griffin_lim(wk_tensor *dst, const wk_tensor *mag, const wk_stft_opts *o, const wk_griffin_lim_opts *g,
                   double *errors);

/* Slaney's mel filter bank, as librosa.filters.mel(htk=False, norm="slaney"): (M, F)
 * triangles evenly spaced on Slaney's mel scale (linear below 1 kHz, logarithmic
 * above) from fmin to fmax, each scaled by 2 / its width in Hz. */
int wk_mel_filters(wk_tensor *dst, double rate, int n_fft, int n_mels, double fmin, double fmax);
/* Mel spectrogram: mel_filters · |STFT(x)|^power, (.., M, T) (the filters' zeros skipped). */
int wk_mel(wk_tensor *dst, const wk_tensor *x, double rate, const wk_stft_opts *o, int n_mels, double fmin,
           double fmax, double power);
/* Slaney's mel scale and its inverse. */
double wk_hz_to_mel(double hz);
double wk_mel_to_hz(double mel);

/* ---- constant-Q (cqt.c) ---------------------------------------------------------- */

typedef struct wk_cqt_opts {
    double fmin;          /* centre of bin 0, Hz (32.70: C1) */
    int n_bins;           /* 84: seven octaves */
    int bins_per_octave;  /* 12 */
    int hop;              /* 512 */
    double filter_scale;  /* 1: Q = filter_scale / (2^(1/bins_per_octave) - 1) */
    int window;           /* WK_WINDOW_HANN */
    double sparsity;      /* each kernel drops its smallest spectral weights summing to at
                             most this share of its total (0.001); 0 keeps them all */
    int downsample;       /* 1: each octave below the top on the signal decimated by 2
                             once more (cqt.c); 0: every bin at the full rate */
} wk_cqt_opts;
wk_cqt_opts wk_cqt_defaults(void);

/* The kernel of one rate and set of options, made once and applied to many signals. */
typedef struct wk_cqt_kernel wk_cqt_kernel;
int wk_cqt_kernel_new(wk_cqt_kernel **out, double rate, const wk_cqt_opts *o);
void wk_cqt_kernel_free(wk_cqt_kernel *k);
/* Does k serve this rate and these options? */
int wk_cqt_kernel_matches(const wk_cqt_kernel *k, double rate, const wk_cqt_opts *o);
/* The longest FFT frame, nonzero weights kept, and those of the full kernels. */
void wk_cqt_kernel_info(const wk_cqt_kernel *k, int *frame, int64_t *kept, int64_t *total);
/* Rates the kernel works at (1 without downsampling). */
int wk_cqt_kernel_levels(const wk_cqt_kernel *k);

/* Brown's constant-Q transform, frames centred on t*hop, zeros outside the signal:
 *   X[k, t] = sum_n w_k[n] x[t*hop + n - N_k/2] e^{-2 pi i f_k (n - N_k/2) / rate} / sum_n w_k[n]
 * with f_k = fmin 2^(k / bins_per_octave), N_k = ceil(Q rate / f_k) and w_k a periodic
 * window of N_k samples: a sine of amplitude A at f_k reads A/2 in bin k. Computed by
 * Brown & Puckette's (1992) sparse spectral kernels, one octave per level of a signal
 * halved in rate each time (downsample). cplx: dst (.., K, T, 2); else |X|. */
int wk_cqt(wk_tensor *dst, const wk_tensor *x, wk_cqt_kernel *k, int cplx);
/* Frames the CQT gives for n samples at this hop: 1 + n / hop. */
int64_t wk_cqt_frames(int64_t n, int hop);

/* ---- shared by spectral.c and cqt.c ---------------------------------------------- */

/* x must be a contiguous 1-D or 2-D tensor of finite samples: channels and length. */
int wk_spectral_check_signal(const char *fn, const wk_tensor *x, int64_t *channels, int64_t *length);
/* The periodic window of length n, sample i (hann, hamming or rect). */
double wk_window_value(int window, int64_t i, int64_t n);

#endif
