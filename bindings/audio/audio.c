/* audio.c — the wick.audio module: sounds in and out and the edits around them, over
 * lib/audio/sound.h. A sound is a C×N tensor (channels × frames) in [-1, 1] and a rate
 * in Hz, returned side by side.
 *
 *   audio.load(path [, {rate, mono = false, quality = "best", max_seconds}]) -> samples, rate
 *   audio.save(path, samples, rate [, {format, bits = 16, overwrite = false}]) -> path
 *   audio.info(path)                   -> {rate, channels, frames, seconds, format, encoding}
 *   audio.resample(samples, from, to [, {quality = "best"}]) -> samples
 *   audio.mono(samples)                -> 1×N
 *   audio.trim(samples [, {threshold = -60, trailing = false}]) -> a view without the silence
 *   audio.normalize(samples [, peak = 1]) -> samples, gain
 *   audio.mulaw_encode(x [, levels = 256]) / audio.mulaw_decode(codes [, levels = 256])
 *
 * (audio.samples, the Debian sample packages, is Lua: audio.lua.) Saved files carry
 * Software = wick and a comment with the sketch's name and the seed, as image.save's
 * PNGs do. Saving never replaces an existing file unless {overwrite = true} says so:
 * a sound is often a recording someone cannot make again. Options tables are checked
 * for unknown keys, numbers for range, before anything is allocated. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/audio/sound.h"
#include "../../lib/core/rng.h"
#include "../core/wk_lua.h"

/* ---- options ---------------------------------------------------------------------- */

static const char *const qualities[] = {"best", "medium", "fast", "linear", "poly", NULL};

/* Option "quality" of the table at idx, as a libsamplerate converter. */
static wk_resample_quality opt_quality(lua_State *L, int idx, const char *fname)
{
    int q = 0;
    if (wk_lua_get_option(L, idx, "quality") != LUA_TNIL) {
        const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        for (q = 0; s && qualities[q] && strcmp(s, qualities[q]); q++) {}
        if (!s || !qualities[q])
            luaL_error(L, "%s: option 'quality' must be \"best\", \"medium\", \"fast\", \"linear\" or \"poly\", got %s", fname,
                       s ? s : luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return (wk_resample_quality)q;
}

/* Push the result of a lib call that filled the empty tensor on top, or raise. */
static void finish(lua_State *L, int rc, const char *fname)
{
    if (rc) wk_lua_fail(L, fname);
    wk_lua_account(L, luaL_checkudata(L, -1, WK_TENSOR_MT));
}

/* ---- load, info --------------------------------------------------------------------- */

static int audio_load(lua_State *L)
{
    static const char *const known[] = {"rate", "mono", "quality", "max_seconds", NULL};
    const char *fname = "audio.load";
    const char *path = wk_lua_check_path(L, 1, fname);
    wk_lua_check_options(L, 2, fname, known);
    lua_Integer to = 0;
    if (wk_lua_get_option(L, 2, "rate") != LUA_TNIL) to = wk_lua_check_int(L, -1, fname, "option 'rate'", 1, WK_SOUND_MAX_RATE);
    lua_pop(L, 1);
    int mono = wk_lua_opt_bool(L, 2, fname, "mono", 0);
    wk_resample_quality q = opt_quality(L, 2, fname);
    lua_Number max_seconds = 0;
    if (wk_lua_get_option(L, 2, "max_seconds") != LUA_TNIL)
        max_seconds = wk_lua_check_finite(L, -1, fname, "option 'max_seconds'", 1e-6, 1e9);
    lua_pop(L, 1);
    lua_settop(L, 2);

    wk_sound_load_opts o = {0};
    if (max_seconds > 0) {   /* the rate is known only from the header: read it first */
        wk_sound_info in;
        if (wk_sound_info_read(&in, path)) return wk_lua_fail(L, fname);
        o.max_frames = (int64_t)ceil(max_seconds * in.rate);
        if (o.max_frames < 1) o.max_frames = 1;
    }
    int rate = 0;
    wk_tensor *t = wk_lua_push_empty(L);   /* 3 */
    finish(L, wk_sound_load(t, &rate, path, &o), fname);
    if (mono && t->shape[0] > 1) {
        wk_tensor *m = wk_lua_push_empty(L);
        finish(L, wk_sound_mono(m, t), fname);
        lua_replace(L, 3);
        t = m;
    }
    if (to && to != rate) {
        wk_tensor *r = wk_lua_push_empty(L);
        finish(L, wk_sound_resample(r, t, rate, (double)to, q), fname);
        lua_replace(L, 3);
        rate = (int)to;
    }
    lua_settop(L, 3);
    lua_pushinteger(L, rate);
    return 2;
}

static int audio_info(lua_State *L)
{
    const char *path = wk_lua_check_path(L, 1, "audio.info");
    wk_sound_info in;
    if (wk_sound_info_read(&in, path)) return wk_lua_fail(L, "audio.info");
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, in.rate);
    lua_setfield(L, -2, "rate");
    lua_pushinteger(L, in.channels);
    lua_setfield(L, -2, "channels");
    if (in.frames >= 0) {   /* a stream that does not say leaves frames and seconds nil */
        lua_pushinteger(L, (lua_Integer)in.frames);
        lua_setfield(L, -2, "frames");
        lua_pushnumber(L, (lua_Number)in.frames / in.rate);
        lua_setfield(L, -2, "seconds");
    }
    lua_pushstring(L, in.format);
    lua_setfield(L, -2, "format");
    lua_pushstring(L, in.encoding);
    lua_setfield(L, -2, "encoding");
    return 1;
}

/* ---- save --------------------------------------------------------------------------- */

/* "sketch hello, seed 7" (the sketch from the registry field the host sets). */
static void run_comment(lua_State *L, char *buf, size_t size)
{
    char seed[32];
    snprintf(seed, sizeof seed, "seed %llu", (unsigned long long)wk_rng_get_seed());
    if (lua_getfield(L, LUA_REGISTRYINDEX, "wick.script") == LUA_TSTRING) {
        const char *path = lua_tostring(L, -1);
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        int n = (int)strlen(base);
        if (n > 4 && strcmp(base + n - 4, ".lua") == 0) n -= 4;
        if (n > 200) n = 200;
        snprintf(buf, size, "sketch %.*s, %s", n, base, seed);
    } else {
        snprintf(buf, size, "%s", seed);
    }
    lua_pop(L, 1);
}

static int audio_save(lua_State *L)
{
    static const char *const known[] = {"format", "bits", "overwrite", NULL};
    const char *fname = "audio.save";
    const char *path = wk_lua_check_path(L, 1, fname);
    wk_lua_check_tensor(L, 2);
    lua_Integer rate = wk_lua_check_int(L, 3, fname, "rate", 1, WK_SOUND_MAX_RATE);
    wk_lua_check_options(L, 4, fname, known);
    wk_sound_save_opts o = {0};
    int t = wk_lua_get_option(L, 4, "format");
    if (t != LUA_TNIL) {
        const char *f = t == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (f && !strcmp(f, "wav")) o.format = WK_SOUND_WAV;
        else if (f && !strcmp(f, "flac")) o.format = WK_SOUND_FLAC;
        else return luaL_error(L, "%s: option 'format' must be \"wav\" or \"flac\", got %s", fname, f ? f : luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    if (wk_lua_get_option(L, 4, "bits") != LUA_TNIL) {
        o.bits = (int)wk_lua_check_int(L, -1, fname, "option 'bits'", 1, 64);
        if (o.bits != 16 && o.bits != 24 && o.bits != 32)
            return luaL_error(L, "%s: option 'bits' must be 16, 24 or 32, got %d", fname, o.bits);
    }
    lua_pop(L, 1);
    o.overwrite = wk_lua_opt_bool(L, 4, fname, "overwrite", 0);
    lua_settop(L, 4);
    const wk_tensor *x = wk_lua_contiguous(L, 2, fname);   /* 5 */
    char comment[256];
    run_comment(L, comment, sizeof comment);
    o.software = "wick";
    o.comment = comment;
    if (wk_sound_save(path, x, (int)rate, &o)) return wk_lua_fail(L, fname);
    lua_settop(L, 1);
    return 1;
}

/* ---- edits -------------------------------------------------------------------------- */

static int audio_resample(lua_State *L)
{
    static const char *const known[] = {"quality", NULL};
    const char *fname = "audio.resample";
    wk_lua_check_tensor(L, 1);
    lua_Number from = wk_lua_check_finite(L, 2, fname, "from_rate", 1, WK_SOUND_MAX_RATE);
    lua_Number to = wk_lua_check_finite(L, 3, fname, "to_rate", 1, WK_SOUND_MAX_RATE);
    wk_lua_check_options(L, 4, fname, known);
    wk_resample_quality q = opt_quality(L, 4, fname);
    lua_settop(L, 4);
    const wk_tensor *x = wk_lua_contiguous(L, 1, fname);
    wk_tensor *y = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_sound_resample(y, x, from, to, q), fname);
}

static int audio_mono(lua_State *L)
{
    wk_lua_check_tensor(L, 1);
    lua_settop(L, 1);
    const wk_tensor *x = wk_lua_contiguous(L, 1, "audio.mono");
    wk_tensor *y = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_sound_mono(y, x), "audio.mono");
}

static int audio_trim(lua_State *L)
{
    static const char *const known[] = {"threshold", "trailing", NULL};
    const char *fname = "audio.trim";
    wk_tensor *src = wk_lua_check_tensor(L, 1);
    wk_lua_check_options(L, 2, fname, known);
    lua_Number db = -60;
    if (wk_lua_get_option(L, 2, "threshold") != LUA_TNIL)
        db = wk_lua_check_finite(L, -1, fname, "option 'threshold' (dB below full scale)", -400, 0);
    lua_pop(L, 1);
    int trailing = wk_lua_opt_bool(L, 2, fname, "trailing", 0);
    lua_settop(L, 2);
    const wk_tensor *x = wk_lua_contiguous(L, 1, fname);
    int64_t start, end;
    if (wk_sound_loud_range(&start, &end, x, (float)pow(10.0, db / 20.0))) return wk_lua_fail(L, fname);
    int dim = src->ndim - 1;
    if (!trailing) end = start < end ? src->shape[dim] : 0;   /* all silent: nothing left */
    wk_tensor *y = wk_lua_push_empty(L);
    return wk_lua_result(L, wk_tensor_narrow(y, src, dim, start, end - start), fname);
}

static int audio_normalize(lua_State *L)
{
    const char *fname = "audio.normalize";
    wk_lua_check_tensor(L, 1);
    lua_Number peak = 1;
    if (!lua_isnoneornil(L, 2)) peak = wk_lua_check_finite(L, 2, fname, "peak", 1e-30, 1e6);
    lua_settop(L, 2);
    const wk_tensor *x = wk_lua_contiguous(L, 1, fname);
    wk_tensor *y = wk_lua_push_empty(L);
    float gain = 1;
    wk_lua_result(L, wk_sound_normalize(y, x, (float)peak, &gain), fname);
    lua_pushnumber(L, gain);
    return 2;
}

static int mulaw(lua_State *L, int decode)
{
    const char *fname = decode ? "audio.mulaw_decode" : "audio.mulaw_encode";
    wk_lua_check_tensor(L, 1);
    lua_Integer levels = 256;
    if (!lua_isnoneornil(L, 2)) levels = wk_lua_check_int(L, 2, fname, "levels", 2, 65536);
    lua_settop(L, 2);
    const wk_tensor *x = wk_lua_contiguous(L, 1, fname);
    wk_tensor *y = wk_lua_push_empty(L);
    int rc = decode ? wk_mulaw_decode(y, x, (int)levels) : wk_mulaw_encode(y, x, (int)levels);
    return wk_lua_result(L, rc, fname);
}

static int audio_mulaw_encode(lua_State *L) { return mulaw(L, 0); }
static int audio_mulaw_decode(lua_State *L) { return mulaw(L, 1); }

static const luaL_Reg audio_funcs[] = {
    {"load", audio_load},           {"save", audio_save},
    {"info", audio_info},           {"resample", audio_resample},
    {"mono", audio_mono},           {"trim", audio_trim},
    {"normalize", audio_normalize}, {"mulaw_encode", audio_mulaw_encode},
    {"mulaw_decode", audio_mulaw_decode}, {NULL, NULL}};

int luaopen_wick_audio(lua_State *L)
{
    luaL_newlib(L, audio_funcs);
    return 1;
}
