/* spectral.c — time-frequency transforms, added to the wick.audio table (after audio.c's
 * loading and saving) over lib/audio/spectral.h:
 *
 *   audio.stft(x [, {n_fft = 2048, hop = n_fft/4, win_length = n_fft, window = "hann",
 *              center = true, pad_mode = "constant", power = 1, complex = false}])
 *                                   -> (C,) F × T magnitudes, or (C,) F × T × 2
 *   audio.istft(spec [, {n_fft = 2(F-1), hop, win_length, window, center, length}])
 *   audio.griffin_lim(mag [, {iters = 32, momentum = 0.99, init = "random", length, …}])
 *                                   -> signal, {spectral convergence per iteration}
 *   audio.mel(x, rate [, {n_mels = 128, fmin = 0, fmax = rate/2, power = 2, …stft's}])
 *   audio.mel_filters(rate [, {n_fft = 2048, n_mels = 128, fmin = 0, fmax = rate/2}])
 *   audio.cqt(x, rate [, {fmin = 32.70, n_bins = 84, bins_per_octave = 12, hop = 512,
 *             filter_scale = 1, window = "hann", sparsity = 0.001, downsample = true,
 *             complex = false}])
 *   audio.cqt_frequencies([{fmin, n_bins, bins_per_octave}]) -> the bins' centres, Hz
 *
 * x is a signal: N samples or C × N (channels first, as audio.load gives). Options are
 * checked by name and range before anything is allocated; lib checks the signal. The
 * last CQT kernel made is kept (an upvalue), so a loop over many sounds at one rate
 * builds it once. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/audio/spectral.h"
#include "../core/wk_lua.h"

/* A string option among names (NULL-ended): its index, or def when absent. */
static int opt_choice(lua_State *L, int idx, const char *fname, const char *key, const char *const *names, int def)
{
    int v = def;
    if (wk_lua_get_option(L, idx, key) != LUA_TNIL) {
        const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        v = -1;
        for (int i = 0; s && names[i]; i++)
            if (!strcmp(s, names[i])) v = i;
        if (v < 0) {
            char list[128] = "";
            for (int i = 0; names[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "", names[i]);
            return luaL_error(L, "%s: option '%s' must be one of %s, got %s", fname, key, list,
                              s ? s : luaL_typename(L, -1));
        }
    }
    lua_pop(L, 1);
    return v;
}

/* lib names its functions ("cqt: …"); the error says "audio.cqt: …" once. */
static int fail(lua_State *L, const char *fname)
{
    const char *msg = wk_errmsg(), *dot = strchr(fname, '.');
    const char *bare = dot ? dot + 1 : fname;
    size_t n = strlen(bare);
    if (!strncmp(msg, bare, n) && msg[n] == ':') return luaL_error(L, "%s:%s", fname, msg + n + 1);
    return wk_lua_fail(L, fname);
}

static int result(lua_State *L, int rc, const char *fname)
{
    if (rc != WK_OK) return fail(L, fname);
    return wk_lua_result(L, rc, fname);
}

static const char *const window_names[] = {"hann", "hamming", "rect", NULL};
static const char *const pad_names[] = {"constant", "reflect", NULL};

/* The STFT options every function here shares; n_fft defaults to def_fft. */
static wk_stft_opts stft_opts(lua_State *L, int idx, const char *fname, int def_fft)
{
    wk_stft_opts o = wk_stft_defaults();
    o.n_fft = (int)wk_lua_opt_int(L, idx, fname, "n_fft", def_fft, 2, WK_SPECTRAL_MAX_FFT);
    if (o.n_fft % 2) luaL_error(L, "%s: option 'n_fft' must be even, got %d", fname, o.n_fft);
    o.hop = (int)wk_lua_opt_int(L, idx, fname, "hop", o.n_fft / 4 > 0 ? o.n_fft / 4 : 1, 1, WK_SPECTRAL_MAX_HOP);
    o.win_length = (int)wk_lua_opt_int(L, idx, fname, "win_length", o.n_fft, 1, o.n_fft);
    o.window = opt_choice(L, idx, fname, "window", window_names, WK_WINDOW_HANN);
    o.center = wk_lua_opt_bool(L, idx, fname, "center", 1);
    o.pad_mode = opt_choice(L, idx, fname, "pad_mode", pad_names, WK_PAD_CONSTANT) == 1 ? WK_PAD_REFLECT : WK_PAD_CONSTANT;
    return o;
}

static double check_rate(lua_State *L, int idx, const char *fname)
{
    if (lua_type(L, idx) != LUA_TNUMBER)
        return luaL_error(L, "%s: rate (argument %d) must be samples per second, got %s", fname, idx, luaL_typename(L, idx));
    double r = lua_tonumber(L, idx);
    if (!(r > 0) || !isfinite(r) || r > 1e7)
        return luaL_error(L, "%s: rate must be a number of samples per second above 0 (at most 1e7), got %s", fname,
                          lua_tostring(L, idx));
    return r;
}

/* F of a spectrogram (.., F, T[, 2]) for the default n_fft = 2(F - 1). */
static int spec_fft(lua_State *L, const wk_tensor *s, int cplx, const char *fname)
{
    int nd = s->ndim - cplx;
    if (nd < 2) return luaL_error(L, "%s: expected a spectrogram (.., F, T%s), got %d-D", fname, cplx ? ", 2" : "", s->ndim);
    int64_t F = s->shape[nd - 2];
    if (F < 2 || F > WK_SPECTRAL_MAX_FFT / 2 + 1) return luaL_error(L, "%s: %I frequencies is not a spectrogram", fname, (lua_Integer)F);
    return (int)(2 * (F - 1));
}

static int audio_stft(lua_State *L)
{
    static const char *const known[] = {"n_fft", "hop", "win_length", "window", "center", "pad_mode", "power", "complex", NULL};
    wk_lua_check_tensor(L, 1);
    wk_lua_check_options(L, 2, "audio.stft", known);
    wk_stft_opts o = stft_opts(L, 2, "audio.stft", 2048);
    double power = wk_lua_opt_number(L, 2, "audio.stft", "power", 1.0, 1e-6, 16);
    int cplx = wk_lua_opt_bool(L, 2, "audio.stft", "complex", 0);
    lua_settop(L, 2);
    const wk_tensor *x = wk_lua_contiguous(L, 1, "audio.stft");
    wk_tensor *t = wk_lua_push_empty(L);
    return result(L, wk_stft(t, x, &o, cplx, power), "audio.stft");
}

static int audio_istft(lua_State *L)
{
    static const char *const known[] = {"n_fft", "hop", "win_length", "window", "center", "length", NULL};
    const wk_tensor *s = wk_lua_check_tensor(L, 1);
    wk_lua_check_options(L, 2, "audio.istft", known);
    wk_stft_opts o = stft_opts(L, 2, "audio.istft", spec_fft(L, s, 1, "audio.istft"));
    lua_Integer length = -1;
    if (wk_lua_get_option(L, 2, "length") != LUA_TNIL)
        length = wk_lua_check_int(L, -1, "audio.istft", "option 'length'", 1, (lua_Integer)1 << 30);
    lua_settop(L, 2);
    const wk_tensor *spec = wk_lua_contiguous(L, 1, "audio.istft");
    wk_tensor *t = wk_lua_push_empty(L);
    return result(L, wk_istft(t, spec, &o, length), "audio.istft");
}

static int audio_griffin_lim(lua_State *L)
{
    static const char *const known[] = {"n_fft", "hop", "win_length", "window", "center", "pad_mode", "length",
                                        "iters", "momentum", "init", NULL};
    static const char *const inits[] = {"random", "zeros", NULL};
    const char *fn = "audio.griffin_lim";
    const wk_tensor *s = wk_lua_check_tensor(L, 1);
    wk_lua_check_options(L, 2, fn, known);
    wk_stft_opts o = stft_opts(L, 2, fn, spec_fft(L, s, 0, fn));
    wk_griffin_lim_opts g = wk_griffin_lim_defaults();
    g.iters = (int)wk_lua_opt_int(L, 2, fn, "iters", g.iters, 0, WK_SPECTRAL_MAX_ITERS);
    g.momentum = wk_lua_opt_number(L, 2, fn, "momentum", g.momentum, 0, 0.999999);
    g.random_init = opt_choice(L, 2, fn, "init", inits, 0) == 0;
    if (wk_lua_get_option(L, 2, "length") != LUA_TNIL)
        g.length = wk_lua_check_int(L, -1, fn, "option 'length'", 1, (lua_Integer)1 << 30);
    lua_settop(L, 2);
    const wk_tensor *mag = wk_lua_contiguous(L, 1, fn);   /* 3 */
    double *errors = wk_lua_alloc(L, sizeof(double) * (size_t)(g.iters + 1), fn);   /* 4 */
    wk_tensor *t = wk_lua_push_empty(L);   /* 5 */
    result(L, wk_griffin_lim(t, mag, &o, &g, errors), fn);
    lua_createtable(L, g.iters, 0);
    for (int i = 0; i < g.iters; i++) {
        lua_pushnumber(L, errors[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 2;
}

static void mel_range(lua_State *L, int idx, const char *fname, double rate, double *fmin, double *fmax)
{
    *fmin = wk_lua_opt_number(L, idx, fname, "fmin", 0.0, 0.0, rate / 2);
    *fmax = wk_lua_opt_number(L, idx, fname, "fmax", rate / 2, 0.0, rate / 2);
    if (!(*fmax > *fmin)) luaL_error(L, "%s: option 'fmax' (%f Hz) must be above 'fmin' (%f Hz)", fname, *fmax, *fmin);
}

static int audio_mel(lua_State *L)
{
    static const char *const known[] = {"n_fft", "hop", "win_length", "window", "center", "pad_mode",
                                        "n_mels", "fmin", "fmax", "power", NULL};
    const char *fn = "audio.mel";
    wk_lua_check_tensor(L, 1);
    double rate = check_rate(L, 2, fn), fmin, fmax;
    wk_lua_check_options(L, 3, fn, known);
    wk_stft_opts o = stft_opts(L, 3, fn, 2048);
    int n_mels = (int)wk_lua_opt_int(L, 3, fn, "n_mels", 128, 1, WK_SPECTRAL_MAX_BINS);
    mel_range(L, 3, fn, rate, &fmin, &fmax);
    double power = wk_lua_opt_number(L, 3, fn, "power", 2.0, 1e-6, 16);
    lua_settop(L, 3);
    const wk_tensor *x = wk_lua_contiguous(L, 1, fn);
    wk_tensor *t = wk_lua_push_empty(L);
    return result(L, wk_mel(t, x, rate, &o, n_mels, fmin, fmax, power), fn);
}

static int audio_mel_filters(lua_State *L)
{
    static const char *const known[] = {"n_fft", "n_mels", "fmin", "fmax", NULL};
    const char *fn = "audio.mel_filters";
    double rate = check_rate(L, 1, fn), fmin, fmax;
    wk_lua_check_options(L, 2, fn, known);
    int n_fft = (int)wk_lua_opt_int(L, 2, fn, "n_fft", 2048, 2, WK_SPECTRAL_MAX_FFT);
    int n_mels = (int)wk_lua_opt_int(L, 2, fn, "n_mels", 128, 1, WK_SPECTRAL_MAX_BINS);
    mel_range(L, 2, fn, rate, &fmin, &fmax);
    lua_settop(L, 2);
    wk_tensor *t = wk_lua_push_empty(L);
    return result(L, wk_mel_filters(t, rate, n_fft, n_mels, fmin, fmax), fn);
}

static wk_cqt_opts cqt_opts(lua_State *L, int idx, const char *fn)
{
    wk_cqt_opts o = wk_cqt_defaults();
    o.fmin = wk_lua_opt_number(L, idx, fn, "fmin", o.fmin, 1e-3, 5e6);
    o.n_bins = (int)wk_lua_opt_int(L, idx, fn, "n_bins", o.n_bins, 1, WK_SPECTRAL_MAX_BINS);
    o.bins_per_octave = (int)wk_lua_opt_int(L, idx, fn, "bins_per_octave", o.bins_per_octave, 1, WK_SPECTRAL_MAX_BINS);
    return o;
}

static int audio_cqt(lua_State *L)
{
    static const char *const known[] = {"fmin", "n_bins", "bins_per_octave", "hop", "filter_scale", "window",
                                        "sparsity", "downsample", "complex", NULL};
    const char *fn = "audio.cqt";
    wk_lua_check_tensor(L, 1);
    double rate = check_rate(L, 2, fn);
    wk_lua_check_options(L, 3, fn, known);
    wk_cqt_opts o = cqt_opts(L, 3, fn);
    o.hop = (int)wk_lua_opt_int(L, 3, fn, "hop", o.hop, 1, WK_SPECTRAL_MAX_HOP);
    o.filter_scale = wk_lua_opt_number(L, 3, fn, "filter_scale", o.filter_scale, 1e-3, 100);
    o.window = opt_choice(L, 3, fn, "window", window_names, o.window);
    o.sparsity = wk_lua_opt_number(L, 3, fn, "sparsity", o.sparsity, 0, 0.5);
    o.downsample = wk_lua_opt_bool(L, 3, fn, "downsample", o.downsample);
    int cplx = wk_lua_opt_bool(L, 3, fn, "complex", 0);
    lua_settop(L, 3);
    wk_lua_box *box = lua_touserdata(L, lua_upvalueindex(1));
    if (!box->p || !wk_cqt_kernel_matches(box->p, rate, &o)) {
        wk_lua_box_release(box);
        wk_cqt_kernel *k = NULL;
        if (wk_cqt_kernel_new(&k, rate, &o) != WK_OK) return fail(L, fn);
        box->p = k;
    }
    const wk_tensor *x = wk_lua_contiguous(L, 1, fn);
    wk_tensor *t = wk_lua_push_empty(L);
    return result(L, wk_cqt(t, x, box->p, cplx), fn);
}

static int audio_cqt_frequencies(lua_State *L)
{
    static const char *const known[] = {"fmin", "n_bins", "bins_per_octave", NULL};
    const char *fn = "audio.cqt_frequencies";
    wk_lua_check_options(L, 1, fn, known);
    wk_cqt_opts o = cqt_opts(L, 1, fn);
    lua_settop(L, 1);
    wk_tensor *t = wk_lua_push_empty(L);
    int rc = wk_tensor_new(t, 1, (int64_t[]){o.n_bins});
    if (rc == WK_OK)
        for (int k = 0; k < o.n_bins; k++) wk_tensor_data(t)[k] = (float)(o.fmin * pow(2.0, (double)k / o.bins_per_octave));
    return result(L, rc, fn);
}

static const luaL_Reg spectral_funcs[] = {
    {"stft", audio_stft}, {"istft", audio_istft}, {"griffin_lim", audio_griffin_lim}, {"mel", audio_mel},
    {"mel_filters", audio_mel_filters}, {"cqt", audio_cqt}, {"cqt_frequencies", audio_cqt_frequencies}, {NULL, NULL}};

static void free_kernel(void *p) { wk_cqt_kernel_free(p); }

/* Adds the functions above to the table on top (wick.audio). The box upvalue keeps the
 * last CQT kernel (its weights and FFT scratch: a few MB at most) until the state closes. */
int luaopen_wick_audio_spectral(lua_State *L)
{
    wk_lua_push_box(L, free_kernel);
    luaL_setfuncs(L, spectral_funcs, 1);
    return 0;
}
