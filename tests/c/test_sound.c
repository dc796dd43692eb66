/* test_sound.c — unit tests of lib/audio: sound files (save then load from a file and
 * from memory, the refusals), resampling against a float64 evaluation of the ideal
 * result (a sine at the new rate; libsamplerate's converters and wick's polyphase
 * filter), the same result at 1 and 2 threads, mono, the loud
 * range, normalisation and mu-law against the float64 formulas. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/audio/sound.h"
#include "../../lib/core/threads.h"
#include "check.h"
#include "file_fixtures.h"

/* A C×n sound: channel c is amp·sin(2π·freq·(c+1)·i/rate). */
static void make_sine(wk_tensor *t, int ch, int64_t n, double freq, double rate, double amp)
{
    int64_t shape[2] = {ch, n};
    if (wk_tensor_new(t, 2, shape)) return;
    float *x = wk_tensor_data(t);
    for (int c = 0; c < ch; c++)
        for (int64_t i = 0; i < n; i++) x[c * n + i] = (float)(amp * sin(2 * M_PI * freq * (c + 1) * (double)i / rate));
}

static double max_diff(const wk_tensor *a, const wk_tensor *b)
{
    int64_t n = wk_tensor_numel(a);
    if (n != wk_tensor_numel(b)) return INFINITY;
    double m = 0;
    for (int64_t i = 0; i < n; i++) m = fmax(m, fabs((double)wk_tensor_data(a)[i] - wk_tensor_data(b)[i]));
    return m;
}

TEST(round_trip_file_and_memory)
{
    wk_tensor x = {0}, y = {0}, z = {0};
    make_sine(&x, 2, 3000, 440, 22050, 0.7);
    const char *path = tmp_path("s.flac");
    wk_sound_save_opts o = {.bits = 24};
    CHECK(wk_sound_save(path, &x, 22050, &o) == WK_OK);
    CHECK(wk_sound_save(path, &x, 22050, &o) == WK_ERR && strstr(wk_errmsg(), "exists"));
    o.overwrite = 1;
    CHECK(wk_sound_save(path, &x, 22050, &o) == WK_OK);
    int rate = 0;
    CHECK(wk_sound_load(&y, &rate, path, NULL) == WK_OK && rate == 22050);
    CHECK(y.ndim == 2 && y.shape[0] == 2 && y.shape[1] == 3000);
    double d = max_diff(&x, &y);
    CHECK(d <= 1.0 / (1 << 23));
    printf("  flac 24-bit round trip: max diff %.3g\n", d);
    size_t n = 0;
    unsigned char *bytes = read_bytes(path, &n);
    rate = 0;
    CHECK(bytes && wk_sound_load_memory(&z, &rate, bytes, n, "mem.flac", NULL) == WK_OK && rate == 22050);
    CHECK(max_diff(&y, &z) == 0);
    wk_tensor_release(&z);
    wk_sound_load_opts lo = {.max_frames = 100};
    CHECK(bytes && wk_sound_load_memory(&z, &rate, bytes, n, "mem.flac", &lo) == WK_OK && z.shape[1] == 100);
    wk_tensor_release(&z);
    CHECK(bytes && wk_sound_load_memory(&z, &rate, bytes, n / 2, "half.flac", NULL) == WK_ERR && z.storage == NULL &&
          strstr(wk_errmsg(), "half.flac"));
    free(bytes);
    wk_sound_info in;
    CHECK(wk_sound_info_read(&in, path) == WK_OK && in.frames == 3000 && in.channels == 2 && in.rate == 22050 &&
          !strcmp(in.format, "flac") && !strcmp(in.encoding, "pcm24"));
    wk_tensor_release(&x);
    wk_tensor_release(&y);
}

TEST(refusals_name_the_file)
{
    wk_tensor x = {0}, y = {0};
    int rate;
    make_sine(&x, 1, 10, 100, 8000, 0.5);
    wk_tensor_data(&x)[3] = NAN;
    const char *path = tmp_path("nan.wav");
    CHECK(wk_sound_save(path, &x, 8000, NULL) == WK_ERR && strstr(wk_errmsg(), "sample 4 of channel 1 is NaN"));
    CHECK(wk_sound_load(&y, &rate, path, NULL) == WK_ERR && strstr(wk_errmsg(), path));   /* nothing was written */
    wk_tensor_data(&x)[3] = 0;
    CHECK(wk_sound_save(tmp_path("r0.wav"), &x, 0, NULL) == WK_ERR && strstr(wk_errmsg(), "rate"));
    const char *empty = write_file("empty.wav", "", 0);
    CHECK(wk_sound_load(&y, &rate, empty, NULL) == WK_ERR && strstr(wk_errmsg(), "empty") && strstr(wk_errmsg(), empty));
    const char *junk = write_file("junk.flac", "not a sound at all", 18);
    CHECK(wk_sound_load(&y, &rate, junk, NULL) == WK_ERR && strstr(wk_errmsg(), junk));
    CHECK(y.storage == NULL);
    wk_tensor_release(&x);
}

/* Resampling a 0.5-amplitude sine must give the sine sampled at the new rate, as a
 * float64 evaluation of its definition gives it, away from the ends (the filter's
 * run-in), within the converters' stated accuracy. */
TEST(resample_matches_the_ideal_sine)
{
    static const struct { double from, to, tol; wk_resample_quality q; } cases[] = {
        {44100, 16000, 2e-5, WK_RESAMPLE_BEST}, {8000, 22050, 2e-5, WK_RESAMPLE_BEST},
        {44100, 16000, 1e-4, WK_RESAMPLE_FAST}, {48000, 44100, 2e-5, WK_RESAMPLE_MEDIUM},
        {44100, 16000, 2e-5, WK_RESAMPLE_POLY}, {8000, 22050, 2e-5, WK_RESAMPLE_POLY},
        {48000, 44100, 2e-5, WK_RESAMPLE_POLY}, {44100, 22050, 2e-5, WK_RESAMPLE_POLY},
        {16000.5, 8000, 1e-4, WK_RESAMPLE_POLY},   /* not whole numbers: libsamplerate's fast sinc */
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        wk_tensor x = {0}, y = {0};
        int64_t n = (int64_t)cases[k].from;   /* one second */
        make_sine(&x, 2, n, 330, cases[k].from, 0.5);
        CHECK(wk_sound_resample(&y, &x, cases[k].from, cases[k].to, cases[k].q) == WK_OK);
        int64_t m = (int64_t)floor(n * cases[k].to / cases[k].from + 0.5);
        CHECK(y.ndim == 2 && y.shape[0] == 2 && y.shape[1] == m);
        double worst = 0;
        for (int c = 0; c < 2 && y.storage; c++)
            for (int64_t j = m / 10; j < m - m / 10; j++) {
                double want = 0.5 * sin(2 * M_PI * 330 * (c + 1) * (double)j / cases[k].to);
                worst = fmax(worst, fabs(wk_tensor_data(&y)[c * m + j] - want));
            }
        printf("  %g -> %g Hz (quality %d): max |y - ideal| %.3g\n", cases[k].from, cases[k].to, (int)cases[k].q, worst);
        CHECK(worst < cases[k].tol);
        wk_tensor_release(&x);
        wk_tensor_release(&y);
    }
}

TEST(resample_does_not_depend_on_threads)
{
    wk_tensor x = {0}, a = {0}, b = {0};
    make_sine(&x, 4, 20000, 500, 44100, 0.4);
    int before = wk_threads_count();
    for (int q = WK_RESAMPLE_BEST; q <= WK_RESAMPLE_POLY; q += WK_RESAMPLE_POLY - WK_RESAMPLE_BEST) {
        wk_threads_set(1);
        CHECK(wk_sound_resample(&a, &x, 44100, 22050, (wk_resample_quality)q) == WK_OK);
        wk_threads_set(2);
        CHECK(wk_sound_resample(&b, &x, 44100, 22050, (wk_resample_quality)q) == WK_OK);
        CHECK(max_diff(&a, &b) == 0);
        wk_tensor_release(&a);
        wk_tensor_release(&b);
    }
    wk_threads_set(before);
    wk_tensor_release(&x);
    wk_tensor_release(&a);
    wk_tensor_release(&b);
}

TEST(mono_range_normalize)
{
    wk_tensor x = {0}, m = {0}, y = {0};
    int64_t shape[2] = {2, 6};
    wk_tensor_zeros(&x, 2, shape);
    float *p = wk_tensor_data(&x);   /* (2, 6) */
    p[2] = 0.25f, p[6 + 3] = -0.5f, p[4] = 0.001f;
    CHECK(wk_sound_mono(&m, &x) == WK_OK && m.shape[0] == 1 && m.shape[1] == 6);
    CHECK_NEAR(wk_tensor_data(&m)[3], -0.25, 1e-7);
    int64_t s, e;
    CHECK(wk_sound_loud_range(&s, &e, &x, 0.01f) == WK_OK && s == 2 && e == 4);
    CHECK(wk_sound_loud_range(&s, &e, &x, 0.0001f) == WK_OK && s == 2 && e == 5);
    CHECK(wk_sound_loud_range(&s, &e, &x, 1.0f) == WK_OK && s == 0 && e == 0);
    float g = 0;
    CHECK(wk_sound_normalize(&y, &x, 0.8f, &g) == WK_OK);
    CHECK_NEAR(g, 1.6, 1e-6);
    CHECK_NEAR(wk_tensor_data(&y)[9], -0.8, 1e-6);
    wk_tensor_release(&x);
    wk_tensor_release(&m);
    wk_tensor_release(&y);
}

/* mu-law against the float64 formulas, every level count from 2 to 65536 in steps. */
TEST(mulaw_matches_the_formula)
{
    static const int levels[] = {2, 16, 256, 1024, 65536};
    for (size_t k = 0; k < sizeof levels / sizeof *levels; k++) {
        int64_t n = 4001;
        wk_tensor x = {0}, c = {0}, y = {0};
        wk_tensor_new(&x, 1, &n);
        for (int64_t i = 0; i < n; i++) wk_tensor_data(&x)[i] = (float)(-1.2 + 2.4 * (double)i / (double)(n - 1));
        CHECK(wk_mulaw_encode(&c, &x, levels[k]) == WK_OK);
        CHECK(wk_mulaw_decode(&y, &c, levels[k]) == WK_OK);
        double mu = levels[k] - 1, bad = 0;
        for (int64_t i = 0; i < n && y.storage; i++) {
            double v = fmax(-1, fmin(1, wk_tensor_data(&x)[i]));
            double code = floor((copysign(log1p(mu * fabs(v)) / log1p(mu), v) + 1) / 2 * mu + 0.5);
            double yy = 2 * code / mu - 1;
            double back = copysign((pow(1 + mu, fabs(yy)) - 1) / mu, yy);
            if (wk_tensor_data(&c)[i] != code) bad = fmax(bad, 1);
            bad = fmax(bad, fabs(wk_tensor_data(&y)[i] - back) / (1e-6 + fabs(back)) > 1e-5 ? 1 : 0);
        }
        CHECK(bad == 0);
        wk_tensor_release(&x);
        wk_tensor_release(&c);
        wk_tensor_release(&y);
    }
    int64_t one = 1;
    wk_tensor c = {0}, y = {0};
    wk_tensor_new(&c, 1, &one);
    wk_tensor_data(&c)[0] = 256;
    CHECK(wk_mulaw_decode(&y, &c, 256) == WK_ERR && y.storage == NULL && strstr(wk_errmsg(), "0..255"));
    wk_tensor_release(&c);
}

int main(void)
{
    if (tmp_dir_create("wick-sound")) return 1;
    RUN(round_trip_file_and_memory);
    RUN(refusals_name_the_file);
    RUN(resample_matches_the_ideal_sine);
    RUN(resample_does_not_depend_on_threads);
    RUN(mono_range_normalize);
    RUN(mulaw_matches_the_formula);
    tmp_dir_remove();
    return check_summary("sound");
}
