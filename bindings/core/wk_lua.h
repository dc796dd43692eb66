/* wk_lua.h — what every binding file shares: the wick.Tensor userdata, how lib errors
 * become Lua errors, and how tensor memory is reported to Lua's collector.
 *
 * A wick.Tensor userdata holds a wk_tensor by value. It is created empty (storage
 * NULL) and filled only after lib succeeds, so a failure never leaks; __gc, __close and
 * :free() all release it idempotently, and a released tensor raises
 * "attempt to use a freed tensor" when touched. */
#ifndef WK_LUA_H
#define WK_LUA_H

#include <lauxlib.h>
#include <lua.h>

#include "../../lib/tensor/tensor.h"
#include "../wick.h"

#define WK_TENSOR_MT "wick.Tensor"

/* The userdata: the lib tensor first (so a wk_lua_tensor* is a wk_tensor*), then the
 * autograd flag that every differentiable op checks, kept in C so the check is cheap.
 * Autograd's other state (grad, graph node) lives in the userdata's user value table. */
typedef struct wk_lua_tensor {
    wk_tensor t;
    int tracks_grad;   /* a leaf that requires grad, or a result computed from one */
} wk_lua_tensor;

/* luaL_error with the position of the sketch's line rather than of wick's embedded
 * Lua sugar: it skips C functions and sugar chunks when finding "file:line:". Every
 * binding's luaL_error goes through it (the #define below). */
int wk_lua_error(lua_State *L, const char *fmt, ...);
#define luaL_error wk_lua_error
/* Push that "file:line: " prefix (empty when no sketch frame is on the stack). */
void wk_lua_push_where(lua_State *L);

/* The tensor at idx, or a Lua error (wrong type, or freed). */
wk_tensor *wk_lua_check_tensor(lua_State *L, int idx);
/* The tensor at idx or NULL if it is not a wick.Tensor (freed still raises). */
wk_tensor *wk_lua_test_tensor(lua_State *L, int idx);
/* Push a new, empty wick.Tensor userdata and return its slot to fill. */
wk_tensor *wk_lua_push_empty(lua_State *L);
/* Call after filling a pushed tensor that owns new storage: tells the collector how
 * many bytes it now holds, so loops of temporaries are collected in time. */
void wk_lua_account(lua_State *L, const wk_tensor *t);
/* The same for memory held by other userdata (word-vector models, t-SNE states). */
void wk_lua_account_bytes(lua_State *L, size_t bytes);
/* Raise "<fname>: <wk_errmsg()>" at the caller's file:line. Never returns. */
int wk_lua_fail(lua_State *L, const char *fname);
/* A file name argument: a string without zero bytes (the OS would see only its start),
 * or "<fname>: expected a file name (a string), got …". */
const char *wk_lua_check_path(lua_State *L, int idx, const char *fname);
/* Raise "<fname>: unknown option 'k' (known: a, b)" on anything in the options table at
 * idx (nil allowed) that is not in known (NULL-ended), so a typo is an error. */
void wk_lua_check_options(lua_State *L, int idx, const char *fname, const char *const *known);
/* Push option key of the table at idx (nil when the table is absent or lacks it); returns
 * its Lua type. */
int wk_lua_get_option(lua_State *L, int idx, const char *key);
/* Option key of the table at idx, checked ("option 'key'" in errors); def when absent. */
lua_Integer wk_lua_opt_int(lua_State *L, int idx, const char *fname, const char *key, lua_Integer def,
                           lua_Integer lo, lua_Integer hi);
lua_Number wk_lua_opt_number(lua_State *L, int idx, const char *fname, const char *key, lua_Number def,
                             lua_Number lo, lua_Number hi);
int wk_lua_opt_bool(lua_State *L, int idx, const char *fname, const char *key, int def);
/* Read a tensor argument that may also be a number. Always pushes one value, as
 * wk_lua_contiguous does: a new 0-D wick.Tensor holding the number (returned; the
 * collector frees it, even when a later call raises), or nil for a tensor argument
 * (the argument itself is returned). */
const wk_tensor *wk_lua_tensor_or_number(lua_State *L, int idx, const char *fname);
/* Dimension argument: 1-based, negative counts from the end (-1 = last). Returns it
 * 0-based for a tensor of ndim dims (ndim + extra positions allowed), or raises. */
int wk_lua_check_dim(lua_State *L, int idx, int ndim, int extra, const char *fname);
/* A shape given either as a table {2,3} or as numbers from idx onward. */
int wk_lua_check_shape(lua_State *L, int idx, int64_t *shape, const char *fname);

/* ---- the one pattern for a binding that allocates (Lua's own rule, as in lauxlib) ----
 * 1. Check every argument before allocating anything.
 * 2. Anything that must be freed lives in a userdata on the Lua stack before anything
 *    that can raise is called: tensors — results and temporaries alike — in a pushed
 *    wick.Tensor (wk_lua_push_empty, wk_lua_contiguous), any other resource (a malloc'd
 *    buffer, a FILE*, a gzFile, a lib object) in a wk_lua_box. An error then unwinds
 *    past them and the collector frees them; nothing is released by hand on error.
 * 3. End with wk_lua_result: raise lib's error, or account for and return the result.
 *
 *   const wk_tensor *x = wk_lua_contiguous(L, 1, "conv2d");   // may push a copy
 *   int64_t k = luaL_checkinteger(L, 2);                       // may raise: nothing leaks
 *   wk_tensor *y = wk_lua_push_empty(L);
 *   return wk_lua_result(L, wk_some_kernel(y, x, k), "conv2d");
 */

/* The tensor at idx as contiguous data. Always pushes one value: a contiguous copy
 * owned by a new wick.Tensor (returned), or nil when the argument is contiguous already
 * (the argument itself is returned). Stack positions stay predictable either way. */
const wk_tensor *wk_lua_contiguous(lua_State *L, int idx, const char *fname);
/* The same for an optional argument: NULL (and a nil pushed) when idx is nil/none. */
const wk_tensor *wk_lua_opt_contiguous(lua_State *L, int idx, const char *fname);

/* Finish a binding whose result is the wick.Tensor on top of the stack: raise
 * "<fname>: <reason>" when rc is an error, else tell the collector the result's bytes
 * and return 1. */
int wk_lua_result(lua_State *L, int rc, const char *fname);

/* A userdata that owns one non-tensor resource: its __gc and __close call
 * release(p) once when p is non-NULL. Push the box, then allocate into box->p. */
typedef struct wk_lua_box {
    void *p;
    void (*release)(void *p);
} wk_lua_box;
wk_lua_box *wk_lua_push_box(lua_State *L, void (*release)(void *p));
/* Release now (when the resource is no longer needed, or to close a file promptly). */
void wk_lua_box_release(wk_lua_box *box);
/* Hand the resource over (the box no longer frees it); returns it. */
void *wk_lua_box_take(wk_lua_box *box);
/* A malloc'd buffer of n bytes owned by a pushed box (raises when memory is short). */
void *wk_lua_alloc(lua_State *L, size_t n, const char *fname);

/* Number checks for C bindings, raising "<fname>: <name> must be …, got …" at the
 * caller's line (luaL_check* errors carry no position and no public name). */
lua_Integer wk_lua_check_int(lua_State *L, int idx, const char *fname, const char *name, lua_Integer lo, lua_Integer hi);
lua_Number wk_lua_check_finite(lua_State *L, int idx, const char *fname, const char *name, lua_Number lo, lua_Number hi);

/* Method tables that each tensor binding file contributes; tensor.c registers them
 * all into the one wick.Tensor metatable and the wick.tensor module. */
extern const luaL_Reg wk_tensor_core_methods[];
extern const luaL_Reg wk_tensor_math_methods[];    /* tensor_math.c: elementwise, compare */
extern const luaL_Reg wk_tensor_math_meta[];       /* __add, __sub, __mul, __div, __pow, __unm */
extern const luaL_Reg wk_tensor_reduce_methods[];  /* tensor_reduce.c */
extern const luaL_Reg wk_tensor_linalg_methods[];  /* tensor_linalg.c: matmul, cat, sort… */

int luaopen_wick_tensor(lua_State *L);
int luaopen_wick_image(lua_State *L);
int luaopen_wick_image_flow(lua_State *L);   /* media/flow.c: into the table on top */
int luaopen_wick_audio_spectral(lua_State *L);   /* audio/spectral.c: into the table on top */
int luaopen_wick_video(lua_State *L);
int luaopen_wick_optim(lua_State *L);
int luaopen_wick_autograd(lua_State *L);
int luaopen_wick_store(lua_State *L);
int luaopen_wick_cache(lua_State *L);   /* store/cache.c: wick._cache, filled in by cache.lua */
int luaopen_wick_sql(lua_State *L);    /* store/sql.c: wick._sql */
int luaopen_wick_hash(lua_State *L);   /* store/hash.c: wick._hash */
int luaopen_wick_book(lua_State *L);   /* store/book.c: wick._book, the run log's C side */
int luaopen_wick_data(lua_State *L);
int luaopen_wick_text(lua_State *L);
int luaopen_wick_embed(lua_State *L);
int luaopen_wick_plot(lua_State *L);
int luaopen_wick_chess(lua_State *L);
int luaopen_wick_svg(lua_State *L);
int luaopen_wick_fs(lua_State *L);
int luaopen_wick_word2vec(lua_State *L);
int luaopen_wick_lda(lua_State *L);        /* embed/lda.c: wick._lda, wrapped by lda.lua */
int luaopen_wick_tokenize(lua_State *L);   /* text/tokenize.c: wick._tokenize, wrapped by tokenize.lua */
int luaopen_wick_nn(lua_State *L);
int luaopen_wick_tfjs(lua_State *L);
int luaopen_wick_patch(lua_State *L);
int luaopen_wick_audio(lua_State *L);
#endif
