/* sound.h — wick's sounds: files in and out (sound.c, over libsndfile) and the edits a
 * sketch makes before analysis or after synthesis (edit.c: resampling over libsamplerate,
 * mono mix-down, trimming silence, peak normalisation, mu-law companding).
 *
 * A sound is a C×N float tensor (channels × frames) in [-1, 1] plus a sample rate in
 * Hz, kept beside it by the caller. A 1-D tensor of N samples is accepted wherever a
 * sound is read and counts as one channel. Every call returns WK_OK or WK_ERR with the
 * reason in wk_errmsg(); a file's reason names the file. NaN or infinite samples are
 * errors everywhere (a silent NaN would become a click or a whole silent file). */
#ifndef WK_SOUND_H
#define WK_SOUND_H

#include <stddef.h>
#include <stdint.h>

#include "../tensor/tensor.h"

#define WK_SOUND_MAX_RATE 1000000   /* Hz; libsndfile's own formats stop well below */
#define WK_SOUND_MAX_CHANNELS 1024  /* as libsndfile */

/* What a file holds, read from its header without decoding the samples. */
typedef struct wk_sound_info {
    int64_t frames;       /* per channel */
    int channels;
    int rate;             /* Hz */
    char format[16];      /* "wav", "flac", "ogg", "aiff", "w64", "caf", "mp3", ... */
    char encoding[16];    /* "pcm16", "pcm24", "float", "vorbis", "ulaw", ... */
} wk_sound_info;

int wk_sound_info_read(wk_sound_info *info, const char *path);

/* Loading: max_frames > 0 reads at most that many frames (from the start); 0 reads all. */
typedef struct wk_sound_load_opts {
    int64_t max_frames;
} wk_sound_load_opts;

/* dst (empty) becomes C×N; *rate the file's rate. opts may be NULL. */
int wk_sound_load(wk_tensor *dst, int *rate, const char *path, const wk_sound_load_opts *opts);
/* The same from bytes in memory (the fuzz target's way in); name is for messages. */
int wk_sound_load_memory(wk_tensor *dst, int *rate, const void *data, size_t size, const char *name,
                         const wk_sound_load_opts *opts);

/* Saving: format from the name's extension when WK_SOUND_AUTO (.wav, .flac; anything
 * else is an error that says so). bits: 16 or 24 (PCM, values clipped to [-1, 1]) or
 * 32 (float WAV, written as they are; FLAC has no 32-bit form). The file is replaced
 * atomically (lib/core/file.h); an existing file is an error unless overwrite is set. */
enum { WK_SOUND_AUTO = 0, WK_SOUND_WAV, WK_SOUND_FLAC };
typedef struct wk_sound_save_opts {
    int format;             /* WK_SOUND_AUTO, WK_SOUND_WAV, WK_SOUND_FLAC */
    int bits;               /* 16 (default when 0), 24, 32 */
    int overwrite;          /* replace an existing file */
    const char *software;   /* metadata strings, NULL for none */
    const char *comment;
} wk_sound_save_opts;

int wk_sound_save(const char *path, const wk_tensor *samples, int rate, const wk_sound_save_opts *opts);

/* ---- checks shared by every audio kernel (edit.c) -------------------------------- */

/* Channels and frames of a sound tensor: C×N, or N as one channel; errors name fn and
 * what ("samples", "signal"). */
int wk_sound_shape(const char *fn, const char *what, const wk_tensor *t, int64_t *ch, int64_t *frames);
/* The first non-finite value of x (ch, frames) as an error naming its sample and
 * channel; WK_OK when there is none. */
int wk_sound_check_finite(const char *fn, const float *x, int64_t ch, int64_t frames);

/* ---- edits (edit.c) ---------------------------------------------------------------- */

/* libsamplerate's converters, best first. */
typedef enum wk_resample_quality {
    WK_RESAMPLE_BEST = 0,   /* band-limited sinc, 97 dB SNR */
    WK_RESAMPLE_MEDIUM,
    WK_RESAMPLE_FAST,
    WK_RESAMPLE_LINEAR,     /* no anti-aliasing: for control signals, not music */
    WK_RESAMPLE_POLY,       /* wick's polyphase Kaiser-windowed sinc (about 100 dB), for
                               whole-number rates whose ratio reduces to small numbers;
                               many times faster than the sinc converters; other rates
                               go to libsamplerate's fast sinc */
} wk_resample_quality;

/* dst (empty) = samples at to_rate: C×M with M = round(N·to/from); same rates copy.
 * Rates in 1..WK_SOUND_MAX_RATE with to/from within libsamplerate's 1/256..256. */
int wk_sound_resample(wk_tensor *dst, const wk_tensor *samples, double from_rate, double to_rate,
                      wk_resample_quality quality);
/* dst (empty) = 1×N mean of the channels. */
int wk_sound_mono(wk_tensor *dst, const wk_tensor *samples);
/* The first and one-past-last frame louder than threshold (linear amplitude, over any
 * channel) into *start, *end; *start == *end == 0 when no frame is. */
int wk_sound_loud_range(int64_t *start, int64_t *end, const wk_tensor *samples, float threshold);
/* dst (empty) = samples scaled so the largest |sample| is peak; a silent sound is copied
 * as it is. *gain receives the factor used (may be NULL). */
int wk_sound_normalize(wk_tensor *dst, const wk_tensor *samples, float peak, float *gain);
/* mu-law companding with mu = levels - 1: codes are integers 0..levels-1 held as
 * floats (same shape as the input); encode clips x to [-1, 1]; decode refuses codes
 * outside the range or not integers. levels in 2..65536. */
int wk_mulaw_encode(wk_tensor *dst, const wk_tensor *x, int levels);
int wk_mulaw_decode(wk_tensor *dst, const wk_tensor *codes, int levels);

/* I0, the zeroth-order modified Bessel function (for Kaiser windows). */
double wk_bessel_i0(double x);

#endif
