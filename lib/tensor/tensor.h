/* tensor.h — wick's one tensor type: float32, 0 to 8 dimensions, strided views over
 * refcounted storage.
 *
 * A wk_tensor is a small value (shape, strides, offset) pointing at a wk_storage that
 * several views may share. Functions here create tensors, make views without copying,
 * and copy between layouts. Conventions:
 *   - dims and indices are 0-based here; the Lua bindings translate from 1-based;
 *   - "dst" arguments come first and must be empty (storage NULL) on entry unless the
 *     name ends in `_` (then dst is written in place);
 *   - every fallible call returns WK_OK or WK_ERR with a reason in wk_errmsg().
 * The arithmetic kernels live beside this file (ops.h, reduce.h, linalg.h). */
#ifndef WK_TENSOR_H
#define WK_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"

#define WK_MAX_DIMS 8

typedef struct wk_storage {
    float *data;      /* (numel) 64-byte aligned, owned */
    int64_t numel;
    int refcount;     /* views sharing it; freed when it reaches 0 */
} wk_storage;

typedef struct wk_tensor {
    wk_storage *storage;          /* NULL: empty or freed */
    int64_t offset;               /* first element, in floats from storage->data */
    int ndim;                     /* 0 (a scalar) .. WK_MAX_DIMS */
    int64_t shape[WK_MAX_DIMS];
    int64_t stride[WK_MAX_DIMS];  /* in floats; 0 on expanded (broadcast) dims */
} wk_tensor;

/* ---- lifecycle ------------------------------------------------------------------ */

/* A new contiguous tensor with uninitialised (new) or zeroed (zeros) contents.
 * Fails with "cannot allocate N bytes …" for absurd or impossible sizes. */
int wk_tensor_new(wk_tensor *dst, int ndim, const int64_t *shape);
int wk_tensor_zeros(wk_tensor *dst, int ndim, const int64_t *shape);
/* Same shape as like, contiguous. */
int wk_tensor_new_like(wk_tensor *dst, const wk_tensor *like);
/* Drop this view's reference; idempotent, leaves t empty. */
void wk_tensor_release(wk_tensor *t);
/* dst becomes another view of exactly src (shares storage). */
void wk_tensor_share(wk_tensor *dst, const wk_tensor *src);

/* The shape rule every tensor and view obeys (numel may be NULL): wk_shape_numel's
 * checked count of at most WK_MAX_NUMEL (2^40) elements, and for an empty shape its
 * non-zero sizes multiplying to at most 2^40 too — so any product of a tensor's sizes
 * fits in int64. Views that change sizes (view, reshape, expand, broadcasting) check
 * their result with it. */
int wk_tensor_check_shape(int ndim, const int64_t *shape, int64_t *numel);

/* ---- queries -------------------------------------------------------------------- */

int64_t wk_tensor_numel(const wk_tensor *t);
int wk_tensor_is_contiguous(const wk_tensor *t);
int wk_tensor_same_shape(const wk_tensor *a, const wk_tensor *b);
static inline float *wk_tensor_data(const wk_tensor *t) { return t->storage->data + t->offset; }
/* Address of the element at a full 0-based index (no bounds check). */
float *wk_tensor_at(const wk_tensor *t, const int64_t *index);
/* "[3,28,28]" into buf. */
char *wk_tensor_shape_str(const wk_tensor *t, char *buf, size_t size);
/* Total bytes held by storages, process-wide (for tests and the REPL). */
int64_t wk_tensor_live_bytes(void);
/* Freed blocks kept for reuse (at most 1 GiB, and an eighth of the machine's memory), and a
 * way to return them all. */
int64_t wk_tensor_cache_bytes(void);
void wk_tensor_cache_trim(void);
/* How many storage blocks came from the system rather than the cache (a training loop
 * in steady state adds none). */
int64_t wk_tensor_system_allocations(void);

/* Argument checks for kernels that need contiguous data: t present, not freed and
 * contiguous ("fn: name [3,4] must be contiguous …"); and two such tensors of one shape. */
int wk_tensor_require(const char *fn, const char *name, const wk_tensor *t);
int wk_tensor_require_same(const char *fn, const char *an, const wk_tensor *a, const char *bn, const wk_tensor *b);

/* An in-place write must not reach one address twice: fails for an expanded view
 * (a stride-0 dim of size > 1), whose writes would repeat — 2^40 times, at worst. */
int wk_tensor_require_writable(const wk_tensor *t);

/* ---- views (no copy) ------------------------------------------------------------ */

/* New shape with the same elements; one entry may be -1 (inferred). Fails when the
 * strides cannot express it (then reshape copies, view refuses). */
int wk_tensor_view(wk_tensor *dst, const wk_tensor *src, int ndim, const int64_t *shape);
int wk_tensor_reshape(wk_tensor *dst, const wk_tensor *src, int ndim, const int64_t *shape);
int wk_tensor_narrow(wk_tensor *dst, const wk_tensor *src, int dim, int64_t start, int64_t length);
int wk_tensor_select(wk_tensor *dst, const wk_tensor *src, int dim, int64_t index);
int wk_tensor_transpose(wk_tensor *dst, const wk_tensor *src, int dim0, int dim1);
int wk_tensor_permute(wk_tensor *dst, const wk_tensor *src, const int *order);
/* dim < 0: drop every size-1 dim. */
int wk_tensor_squeeze(wk_tensor *dst, const wk_tensor *src, int dim);
int wk_tensor_unsqueeze(wk_tensor *dst, const wk_tensor *src, int dim);
/* Broadcast to shape (size-1 dims stretch with stride 0; new leading dims allowed;
 * -1 keeps a size). */
int wk_tensor_expand(wk_tensor *dst, const wk_tensor *src, int ndim, const int64_t *shape);

/* ---- copies --------------------------------------------------------------------- */

/* Copy src into dst's elements; src broadcasts to dst's shape. */
int wk_tensor_copy_(wk_tensor *dst, const wk_tensor *src);
void wk_tensor_fill_(wk_tensor *t, float value);
int wk_tensor_clone(wk_tensor *dst, const wk_tensor *src);
/* dst shares src when already contiguous, else is a contiguous copy. */
int wk_tensor_contiguous(wk_tensor *dst, const wk_tensor *src);

/* ---- broadcasting --------------------------------------------------------------- */

/* NumPy rule: align on the right; sizes equal or one of them 1. On mismatch fails with
 * "shapes [a] and [b] cannot be broadcast". */
int wk_broadcast_shape(int *ndim, int64_t *shape, const wk_tensor *a, const wk_tensor *b);

/* ---- strided iteration ---------------------------------------------------------- */

/* Walks up to WK_ITER_MAX operands of one common shape (already broadcast: each
 * operand's strides are given for that shape) as a sequence of 1-D runs. Dims that are
 * contiguous in every operand are merged first, so a contiguous op is one long run.
 *
 *   wk_iter it; wk_iter_init(&it, ndim, shape, 2, (const int64_t *[]){sa, sb});
 *   float *base[2] = {pa, pb};
 *   int64_t off[2];
 *   while (wk_iter_next(&it, off))
 *       for (int64_t i = 0; i < it.run; i++) base[0][off[0] + i*it.step[0]] = ...; */
#define WK_ITER_MAX 4
typedef struct wk_iter {
    int nops, ndim;               /* ndim after merging; the last dim is the run */
    int64_t shape[WK_MAX_DIMS];
    int64_t stride[WK_ITER_MAX][WK_MAX_DIMS];
    int64_t index[WK_MAX_DIMS];
    int64_t run;                  /* length of each 1-D run */
    int64_t step[WK_ITER_MAX];    /* stride of each operand along the run */
    int64_t remaining;            /* runs still to visit */
} wk_iter;

void wk_iter_init(wk_iter *it, int ndim, const int64_t *shape, int nops, const int64_t *const *strides);
/* Fills off[k] with each operand's element offset at the start of the next run;
 * returns 0 when done. */
int wk_iter_next(wk_iter *it, int64_t *off);
/* The strides operand t would have when broadcast to (ndim, shape) (t must broadcast). */
void wk_broadcast_strides(int64_t *stride, const wk_tensor *t, int ndim, const int64_t *shape);

#endif
