/* video.c — the wick.video module: moving pictures in and out, over lib/media/video.h.
 *
 *   video.open(path)              -> Reader: .width .height .fps .count (frames; nil
 *                                    when the file does not say) .codec .format .path;
 *                                    :read() -> 3×H×W frame or nil at the end,
 *                                    :frames() -> iterator over the frames left, :close()
 *   video.read(path [, {max_frames}])      -> {frame, ...}, info (the Reader's fields;
 *                                    count = the frames read)
 *   video.writer(path [, {fps = 24, quality = 70, codec}]) -> Writer: :write(frame)
 *                                    -> the writer, :close() -> path; .path .codec .count
 *   video.save(frames, path [, opts])      -> path (a list of frames or an N×C×H×W batch)
 *
 * Paths name GIF, MP4, WebM, MKV, MOV files or numbered PNGs ("out/%04d.png"); see
 * lib/media/video.h for what each does. Frames are 3×H×W, 1×H×W or H×W in [0,1]
 * (clamped, NaN as 0, as image.save). A Reader or Writer is a table of those fields
 * with its methods in the metatable (so help lists them), holding the lib object in a
 * handle userdata created closed before lib opens anything (liolib's habit): a failure
 * leaks nothing; :close(), __close and the handle's __gc release it once, and a closed
 * one raises "attempt to use a closed video reader/writer". A Writer's file appears only at :close() (or at the end of a
 * `local w <close> = ...` scope left normally); a writer collected without closing, or
 * whose scope ends in an error, is dropped and leaves no file. video.read refuses a
 * video whose frames would take more than half the machine's memory, before reading
 * it when the frame count is known, and says to use max_frames or a Reader. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/core/limits.h"
#include "../../lib/media/image.h"
#include "../../lib/media/video.h"
#include "../core/wk_lua.h"

#define READER_MT "wick.VideoReader"
#define WRITER_MT "wick.VideoWriter"
#define READER_HANDLE "wick.video.reader"   /* the lib objects inside them */
#define WRITER_HANDLE "wick.video.writer"

typedef struct lua_reader {
    wk_video_reader *r;   /* NULL once closed */
    int64_t read;         /* frames returned so far */
} lua_reader;

typedef struct lua_writer {
    wk_video_writer *w;   /* NULL once closed */
    int64_t written;
} lua_writer;

/* ---- arguments ------------------------------------------------------------------ */

/* The writer options at idx into o; codec points into the options table (kept on the
 * stack by the caller for the call). */
static void writer_options(lua_State *L, int idx, const char *fname, wk_video_write_opts *o)
{
    static const char *const known[] = {"fps", "quality", "codec", NULL};
    wk_lua_check_options(L, idx, fname, known);
    *o = (wk_video_write_opts){.fps = 24, .quality = 70, .codec = NULL};
    if (wk_lua_get_option(L, idx, "fps") != LUA_TNIL) o->fps = wk_lua_check_finite(L, -1, fname, "option 'fps'", 0.01, 1000);
    lua_pop(L, 1);
    if (wk_lua_get_option(L, idx, "quality") != LUA_TNIL)
        o->quality = (int)wk_lua_check_int(L, -1, fname, "option 'quality'", 0, 100);
    lua_pop(L, 1);
    int t = wk_lua_get_option(L, idx, "codec");
    if (t != LUA_TNIL) {
        if (t != LUA_TSTRING) luaL_error(L, "%s: option 'codec' must be a string, got %s", fname, luaL_typename(L, -1));
        o->codec = lua_tostring(L, -1);   /* the options table holds the string */
    }
    lua_pop(L, 1);
}

/* ---- handles ------------------------------------------------------------------- */

/* A Reader or Writer is a table of fields (width, path, ...) whose metatable's __index
 * holds the methods; the lib object lives in a handle userdata under the key _handle,
 * whose __gc frees it. */
static void *check_handle(lua_State *L, int idx, const char *mt, const char *fname, const char *what)
{
    void *h = NULL;
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_getfield(L, idx, "_handle");
        h = luaL_testudata(L, -1, mt);
        lua_pop(L, 1);   /* the table keeps the handle alive */
    }
    if (!h) luaL_error(L, "%s: expected a %s (call it with ':'), got %s", fname, what, luaL_typename(L, idx));
    return h;
}

/* Push a new object table of metatable mt holding a new handle of size bytes (zeroed);
 * returns the handle. */
static void *push_object(lua_State *L, const char *obj_mt, const char *handle_mt, size_t size)
{
    lua_createtable(L, 0, 8);
    luaL_setmetatable(L, obj_mt);
    void *h = lua_newuserdatauv(L, size, 0);
    memset(h, 0, size);
    luaL_setmetatable(L, handle_mt);
    lua_setfield(L, -2, "_handle");
    return h;
}

/* ---- reading -------------------------------------------------------------------- */

static lua_reader *check_reader(lua_State *L, int idx, const char *fname)
{
    lua_reader *lr = check_handle(L, idx, READER_HANDLE, fname, "video reader");
    if (!lr->r) luaL_error(L, "%s: attempt to use a closed video reader", fname);
    return lr;
}

static int handle_reader_gc(lua_State *L)
{
    lua_reader *lr = luaL_checkudata(L, 1, READER_HANDLE);
    wk_video_close(lr->r);
    lr->r = NULL;
    return 0;
}

static int reader_close(lua_State *L)
{
    lua_reader *lr = check_handle(L, 1, READER_HANDLE, "reader:close", "video reader");
    wk_video_close(lr->r);
    lr->r = NULL;
    return 0;
}

/* Push the next frame or nil. */
static int push_frame(lua_State *L, lua_reader *lr, const char *fname)
{
    wk_tensor *t = wk_lua_push_empty(L);
    int rc = wk_video_read(lr->r, t);
    if (rc < 0) return wk_lua_fail(L, fname);
    if (rc == 0) {
        lua_pop(L, 1);
        lua_pushnil(L);
        return 1;
    }
    lr->read++;
    wk_lua_account(L, t);
    return 1;
}

static int reader_read(lua_State *L)
{
    lua_reader *lr = check_reader(L, 1, "reader:read");
    return push_frame(L, lr, "reader:read");
}

static int frames_step(lua_State *L)
{
    lua_reader *lr = check_reader(L, lua_upvalueindex(1), "reader:frames");
    return push_frame(L, lr, "reader:frames");
}

static int reader_frames(lua_State *L)
{
    check_reader(L, 1, "reader:frames");
    lua_pushvalue(L, 1);
    lua_pushcclosure(L, frames_step, 1);
    return 1;
}

/* The info as fields of the table at idx (count: the file's claim, or n when n >= 0). */
static void set_info(lua_State *L, int idx, const wk_video_info *in, int64_t n)
{
    idx = lua_absindex(L, idx);
    lua_pushinteger(L, (lua_Integer)in->width);
    lua_setfield(L, idx, "width");
    lua_pushinteger(L, (lua_Integer)in->height);
    lua_setfield(L, idx, "height");
    lua_pushnumber(L, in->fps);
    lua_setfield(L, idx, "fps");
    if (n >= 0) lua_pushinteger(L, (lua_Integer)n);
    else if (in->frames >= 0) lua_pushinteger(L, (lua_Integer)in->frames);
    else lua_pushnil(L);
    lua_setfield(L, idx, "count");
    lua_pushstring(L, in->codec);
    lua_setfield(L, idx, "codec");
    lua_pushstring(L, in->format);
    lua_setfield(L, idx, "format");
}

static int reader_tostring(lua_State *L)
{
    lua_getfield(L, 1, "path");
    lua_getfield(L, 1, "width");
    lua_getfield(L, 1, "height");
    lua_getfield(L, 1, "codec");
    lua_pushfstring(L, "video reader '%s' (%sx%s %s)", luaL_optstring(L, -4, "?"), luaL_optstring(L, -3, "?"),
                    luaL_optstring(L, -2, "?"), luaL_optstring(L, -1, "?"));
    return 1;
}

/* Push a Reader for the path at path_idx and open it. */
static lua_reader *open_reader(lua_State *L, int path_idx, const char *fname)
{
    const char *path = wk_lua_check_path(L, path_idx, fname);
    lua_reader *lr = push_object(L, READER_MT, READER_HANDLE, sizeof *lr);
    lua_pushvalue(L, path_idx);
    lua_setfield(L, -2, "path");
    if (wk_video_open(&lr->r, path)) wk_lua_fail(L, fname);
    set_info(L, -1, wk_video_reader_info(lr->r), -1);
    return lr;
}

static int video_open(lua_State *L)
{
    open_reader(L, 1, "video.open");
    return 1;
}

static int video_read(lua_State *L)
{
    static const char *const known[] = {"max_frames", NULL};
    const char *fname = "video.read";
    wk_lua_check_path(L, 1, fname);
    wk_lua_check_options(L, 2, fname, known);
    lua_Integer max = LUA_MAXINTEGER;
    if (wk_lua_get_option(L, 2, "max_frames") != LUA_TNIL)
        max = wk_lua_check_int(L, -1, fname, "option 'max_frames'", 1, LUA_MAXINTEGER);
    lua_pop(L, 1);
    lua_settop(L, 2);
    lua_reader *lr = open_reader(L, 1, fname);   /* 3 */
    const wk_video_info *in = wk_video_reader_info(lr->r);
    double frame_bytes = 3.0 * (double)in->width * (double)in->height * sizeof(float);
    double budget = (double)wk_memory_total() / 2;
    int64_t expect = in->frames >= 0 && in->frames < max ? in->frames : max;
    if (in->frames >= 0 && expect * frame_bytes > budget) {
        char need[32], have[32];
        return luaL_error(L, "%s: '%s' holds %I frames of %dx%d, %s as tensors, more than half this machine's "
                          "memory (%s); pass {max_frames = N} or read it frame by frame with video.open",
                          fname, lua_tostring(L, 1), (lua_Integer)expect, (int)in->width, (int)in->height,
                          wk_bytes_str(need, sizeof need, expect * frame_bytes),
                          wk_bytes_str(have, sizeof have, budget * 2));
    }
    lua_newtable(L);   /* 4: the frames */
    while (lr->read < max) {
        if ((double)(lr->read + 1) * frame_bytes > budget) {
            char have[32];
            return luaL_error(L, "%s: '%s' has more than %I frames of %dx%d, more than half this machine's memory "
                              "(%s) as tensors; pass {max_frames = N} or read it frame by frame with video.open",
                              fname, lua_tostring(L, 1), (lua_Integer)lr->read, (int)in->width, (int)in->height,
                              wk_bytes_str(have, sizeof have, budget * 2));
        }
        push_frame(L, lr, fname);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        lua_rawseti(L, 4, (lua_Integer)lr->read);
    }
    lua_newtable(L);   /* 5: info */
    set_info(L, 5, in, lr->read);
    wk_video_close(lr->r);
    lr->r = NULL;
    return 2;
}

/* ---- writing -------------------------------------------------------------------- */

static lua_writer *check_writer(lua_State *L, int idx, const char *fname)
{
    lua_writer *lw = check_handle(L, idx, WRITER_HANDLE, fname, "video writer");
    if (!lw->w) luaL_error(L, "%s: attempt to use a closed video writer", fname);
    return lw;
}

/* Drop an unclosed writer: its temporary goes, the target is untouched. */
static int handle_writer_gc(lua_State *L)
{
    lua_writer *lw = luaL_checkudata(L, 1, WRITER_HANDLE);
    wk_video_writer_abort(lw->w);
    lw->w = NULL;
    return 0;
}

static int writer_close(lua_State *L)
{
    lua_writer *lw = check_handle(L, 1, WRITER_HANDLE, "writer:close", "video writer");
    lua_getfield(L, 1, "path");
    if (!lw->w) return 1;   /* closing twice is harmless, as for files */
    wk_video_writer *w = lw->w;
    lw->w = NULL;
    if (wk_video_writer_close(w)) return wk_lua_fail(L, "writer:close");
    return 1;
}

/* `local w <close> = video.writer(...)`: finish when the scope ends normally, drop the
 * file when it ends in an error. */
static int writer_toclose(lua_State *L)
{
    if (lua_isnil(L, 2)) {
        lua_settop(L, 1);
        return writer_close(L);
    }
    lua_writer *lw = check_handle(L, 1, WRITER_HANDLE, "writer:close", "video writer");
    wk_video_writer_abort(lw->w);
    lw->w = NULL;
    return 0;
}

static int writer_write(lua_State *L)
{
    lua_writer *lw = check_writer(L, 1, "writer:write");
    wk_tensor *t = wk_lua_test_tensor(L, 2);
    if (!t) return luaL_error(L, "writer:write: expected a frame (a 3×H×W, 1×H×W or H×W tensor), got %s",
                              luaL_typename(L, 2));
    if (wk_video_write(lw->w, t)) return wk_lua_fail(L, "writer:write");
    lw->written++;
    lua_pushinteger(L, (lua_Integer)lw->written);
    lua_setfield(L, 1, "count");
    lua_settop(L, 1);
    return 1;
}

static int writer_tostring(lua_State *L)
{
    lua_getfield(L, 1, "path");
    lua_getfield(L, 1, "count");
    lua_pushfstring(L, "video writer '%s' (%s frames)", luaL_optstring(L, -2, "?"), luaL_optstring(L, -1, "?"));
    return 1;
}

/* Push a Writer for the path at path_idx, then open it. */
static lua_writer *open_writer(lua_State *L, int path_idx, int opts_idx, const char *fname)
{
    const char *path = wk_lua_check_path(L, path_idx, fname);
    wk_video_write_opts o;
    writer_options(L, opts_idx, fname, &o);
    lua_writer *lw = push_object(L, WRITER_MT, WRITER_HANDLE, sizeof *lw);
    lua_pushvalue(L, path_idx);
    lua_setfield(L, -2, "path");
    lua_pushinteger(L, 0);
    lua_setfield(L, -2, "count");
    if (wk_video_writer_open(&lw->w, path, &o)) wk_lua_fail(L, fname);
    lua_pushstring(L, wk_video_writer_codec(lw->w));
    lua_setfield(L, -2, "codec");
    lua_pushnumber(L, o.fps);
    lua_setfield(L, -2, "fps");
    return lw;
}

static int video_writer(lua_State *L)
{
    open_writer(L, 1, 2, "video.writer");
    return 1;
}

static int video_save(lua_State *L)
{
    const char *fname = "video.save";
    char buf[160];
    wk_tensor *batch = wk_lua_test_tensor(L, 1);
    int64_t n;
    if (batch) {
        if (batch->ndim != 3 && batch->ndim != 4)
            return luaL_error(L, "%s: expected a batch N×C×H×W or N×H×W (or a list of frames), got shape %s", fname,
                              wk_tensor_shape_str(batch, buf, sizeof buf));
        n = batch->shape[0];
    } else if (lua_istable(L, 1)) {
        n = (int64_t)luaL_len(L, 1);
    } else {
        return luaL_error(L, "%s: expected a list of frames or a batch tensor, got %s", fname, luaL_typename(L, 1));
    }
    if (n < 1) return luaL_error(L, "%s: no frames to save", fname);
    lua_settop(L, 3);
    lua_writer *lw = open_writer(L, 2, 3, fname);   /* 4: its handle's __gc drops it on any error */
    for (int64_t k = 0; k < n; k++) {
        wk_tensor view, *t;
        if (batch) {
            memset(&view, 0, sizeof view);
            view.storage = batch->storage;   /* borrowed: the batch stays on the stack */
            view.offset = batch->offset + k * batch->stride[0];
            view.ndim = batch->ndim - 1;
            for (int d = 1; d < batch->ndim; d++) view.shape[d - 1] = batch->shape[d], view.stride[d - 1] = batch->stride[d];
            t = &view;
        } else {
            lua_geti(L, 1, (lua_Integer)k + 1);
            t = wk_lua_test_tensor(L, -1);
            if (!t) {
                wk_video_writer_abort(lw->w);   /* now, not when collected: no temporary lingers */
                lw->w = NULL;
                return luaL_error(L, "%s: frame %d of the list is %s, expected a tensor", fname, (int)k + 1,
                                  luaL_typename(L, -1));
            }
            lua_pop(L, 1);   /* the list keeps it alive */
        }
        if (wk_video_write(lw->w, t)) {
            wk_video_writer_abort(lw->w);
            lw->w = NULL;
            return wk_lua_fail(L, fname);
        }
    }
    wk_video_writer *w = lw->w;
    lw->w = NULL;
    if (wk_video_writer_close(w)) return wk_lua_fail(L, fname);
    lua_settop(L, 2);
    return 1;
}

/* ---- module --------------------------------------------------------------------- */

static const luaL_Reg reader_methods[] = {
    {"read", reader_read}, {"frames", reader_frames}, {"close", reader_close}, {NULL, NULL}};
static const luaL_Reg writer_methods[] = {{"write", writer_write}, {"close", writer_close}, {NULL, NULL}};
static const luaL_Reg video_funcs[] = {
    {"open", video_open}, {"read", video_read}, {"writer", video_writer}, {"save", video_save}, {NULL, NULL}};

/* The object metatable mt: methods as __index, close as __close, a __tostring. */
static void object_mt(lua_State *L, const char *mt, const luaL_Reg *methods, lua_CFunction toclose, lua_CFunction str)
{
    if (luaL_newmetatable(L, mt)) {
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, toclose);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, str);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
}

static void handle_mt(lua_State *L, const char *mt, lua_CFunction gc)
{
    if (luaL_newmetatable(L, mt)) {
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
}

int luaopen_wick_video(lua_State *L)
{
    object_mt(L, READER_MT, reader_methods, reader_close, reader_tostring);
    object_mt(L, WRITER_MT, writer_methods, writer_toclose, writer_tostring);
    handle_mt(L, READER_HANDLE, handle_reader_gc);
    handle_mt(L, WRITER_HANDLE, handle_writer_gc);
    luaL_newlib(L, video_funcs);
    return 1;
}
