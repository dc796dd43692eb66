/* tensor.c — storage lifecycle, views, copies, broadcasting and the strided iterator
 * that every elementwise kernel walks with. See tensor.h for the conventions. */
#include "tensor.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../core/limits.h"
#include "../core/threads.h"

static int64_t live_bytes;

int64_t wk_tensor_live_bytes(void) { return live_bytes; }

/* ---- block cache ------------------------------------------------------------------
 * A training step makes the same temporaries every step. Freed data blocks wait here,
 * keyed by their rounded size, and the next storage of that size takes one back, so a
 * steady-state step makes no system allocation and touches no fresh pages. Blocks of
 * 2 MiB or more are 2 MiB-aligned and advised as huge pages (faulting a 64 MB output in
 * 2 MiB pages instead of 4 KiB ones made an allocating add about 3x faster here). */
/* A Deep Dream step through InceptionV3 at 512x512 frees some 120 blocks and 400 MB
 * between its passes: with 64 slots and 256 MB, 77 of them went back to the system each
 * step and came back as fresh pages for the kernel to zero (15% of the step's time);
 * with 1024 slots and 1 GiB none did and the step took 8% less. The bound is also at
 * most an eighth of the machine's memory. */
#ifndef CACHE_SLOTS
#define CACHE_SLOTS 1024
#endif
#ifndef CACHE_MAX_MB
#define CACHE_MAX_MB 1024
#endif
static size_t cache_max_bytes(void)
{
    static size_t max;
    if (!max) {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        double eighth = pages > 0 && page > 0 ? (double)pages * (double)page / 8 : 0;
        max = (size_t)CACHE_MAX_MB << 20;
        if (eighth > 0 && eighth < (double)max) max = (size_t)eighth;
        if (max < ((size_t)64 << 20)) max = (size_t)64 << 20;
    }
    return max;
}
#define CACHE_MAX_BYTES cache_max_bytes()
#define HUGE_PAGE ((size_t)2 << 20)

static struct cache_slot {
    void *block;
    size_t bytes;
} cache[CACHE_SLOTS];
static int cache_count;
static size_t cache_bytes;
static int64_t system_allocations;   /* blocks the cache could not supply */

static size_t block_size(size_t bytes)
{
    if (bytes >= HUGE_PAGE) return (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    return bytes ? (bytes + 63) & ~(size_t)63 : 64;
}

static void *block_alloc(size_t size)
{
    for (int i = cache_count - 1; i >= 0; i--) {
        if (cache[i].bytes != size) continue;
        void *p = cache[i].block;
        cache[i] = cache[--cache_count];
        cache_bytes -= size;
        return p;
    }
    system_allocations++;
    void *p = aligned_alloc(size >= HUGE_PAGE ? HUGE_PAGE : 64, size);
    if (!p && cache_count) {   /* memory is short: give the cache back and try once more */
        wk_tensor_cache_trim();
        p = aligned_alloc(size >= HUGE_PAGE ? HUGE_PAGE : 64, size);
    }
#ifdef MADV_HUGEPAGE
    if (p && size >= HUGE_PAGE) madvise(p, size, MADV_HUGEPAGE);
#endif
    return p;
}

static void block_free(void *p, size_t size)
{
    if (size > CACHE_MAX_BYTES / 4) {   /* a giant block would crowd out the rest */
        free(p);
        return;
    }
    while (cache_count > 0 && (cache_count == CACHE_SLOTS || cache_bytes + size > CACHE_MAX_BYTES)) {
        cache_bytes -= cache[0].bytes;   /* evict the oldest */
        free(cache[0].block);
        memmove(cache, cache + 1, sizeof cache[0] * (size_t)--cache_count);
    }
    cache[cache_count].block = p;
    cache[cache_count].bytes = size;
    cache_count++;
    cache_bytes += size;
}

void wk_tensor_cache_trim(void)
{
    for (int i = 0; i < cache_count; i++) free(cache[i].block);
    cache_count = 0;
    cache_bytes = 0;
}

int64_t wk_tensor_cache_bytes(void) { return (int64_t)cache_bytes; }

int64_t wk_tensor_system_allocations(void) { return system_allocations; }

/* ---- lifecycle ------------------------------------------------------------------ */

/* Every shape a tensor or a view takes goes through here: wk_shape_numel's checked
 * count (at most WK_MAX_NUMEL elements), and one rule more for empty shapes — their
 * non-zero sizes multiply to at most WK_MAX_NUMEL too. With both, any product of any
 * of a tensor's sizes (a stride, a run length, a loop bound) fits in int64, so no
 * kernel needs to check its own arithmetic on sizes. */
int wk_tensor_check_shape(int ndim, const int64_t *shape, int64_t *numel)
{
    int64_t n, span = 1;
    char buf[200];
    if (wk_shape_numel(ndim, shape, &n)) return WK_ERR;
    if (n == 0)
        for (int d = 0; d < ndim; d++)
            if (shape[d] > 0 && (wk_mul_overflows(span, shape[d], &span) || span > WK_MAX_NUMEL))
                return wk_fail("shape %s is empty, but its other sizes multiply to more than wick's limit of 2^40",
                               wk_shape_str(buf, sizeof buf, ndim, shape));
    if (numel) *numel = n;
    return WK_OK;
}

#define check_shape wk_tensor_check_shape

/* Allocations at least this big first ask whether the machine could hold them (a
 * system call, so not on every small temporary). */
#define MEMORY_CHECK_BYTES ((size_t)16 << 20)

static int alloc_storage(wk_tensor *dst, int ndim, const int64_t *shape, int zero)
{
    int64_t numel = 0;
    char buf[160];
    memset(dst, 0, sizeof *dst);
    if (check_shape(ndim, shape, &numel)) return WK_ERR;
    size_t bytes = (size_t)numel * sizeof(float);   /* numel <= 2^40: cannot wrap */
    if (bytes >= MEMORY_CHECK_BYTES) {
        char what[200] = "a tensor of shape ";
        wk_shape_str(what + strlen(what), sizeof what - strlen(what), ndim, shape);
        if (wk_memory_check((double)bytes, what)) return WK_ERR;
    }
    wk_storage *s = malloc(sizeof *s);
    if (!s) return wk_fail("cannot allocate tensor storage");
    s->data = block_alloc(block_size(bytes));
    if (!s->data) {
        char human[32];
        free(s);
        return wk_fail("cannot allocate %s for a tensor of shape %s", wk_bytes_str(human, sizeof human, (double)bytes),
                       wk_shape_str(buf, sizeof buf, ndim, shape));
    }
    if (zero) memset(s->data, 0, bytes);
    s->numel = numel;
    s->refcount = 1;
    live_bytes += (int64_t)bytes;
    dst->storage = s;
    dst->offset = 0;
    dst->ndim = ndim;
    int64_t stride = 1;   /* products of non-zero sizes: at most 2^40 (check_shape) */
    for (int d = ndim - 1; d >= 0; d--) {
        dst->shape[d] = shape[d];
        dst->stride[d] = stride;
        stride *= shape[d] ? shape[d] : 1;
    }
    return WK_OK;
}

int wk_tensor_new(wk_tensor *dst, int ndim, const int64_t *shape) { return alloc_storage(dst, ndim, shape, 0); }

int wk_tensor_zeros(wk_tensor *dst, int ndim, const int64_t *shape) { return alloc_storage(dst, ndim, shape, 1); }

int wk_tensor_new_like(wk_tensor *dst, const wk_tensor *like)
{
    int64_t shape[WK_MAX_DIMS];
    memcpy(shape, like->shape, sizeof shape);   /* like may alias dst */
    return alloc_storage(dst, like->ndim, shape, 0);
}

void wk_tensor_release(wk_tensor *t)
{
    wk_storage *s = t->storage;
    t->storage = NULL;
    if (!s) return;
    if (--s->refcount == 0) {
        live_bytes -= s->numel * (int64_t)sizeof(float);
        block_free(s->data, block_size((size_t)s->numel * sizeof(float)));
        free(s);
    }
}

void wk_tensor_share(wk_tensor *dst, const wk_tensor *src)
{
    if (dst == src) return;
    *dst = *src;
    if (dst->storage) dst->storage->refcount++;
}

/* ---- queries -------------------------------------------------------------------- */

int64_t wk_tensor_numel(const wk_tensor *t)
{
    int64_t n = 1;
    for (int d = 0; d < t->ndim; d++) n *= t->shape[d];   /* bounded by check_shape */
    return n;
}

int wk_tensor_is_contiguous(const wk_tensor *t)
{
    int64_t expect = 1;   /* a product of sizes: bounded by check_shape */
    for (int d = 0; d < t->ndim; d++)
        if (t->shape[d] == 0) return 1;   /* nothing to lay out: empty tensors are contiguous */
    for (int d = t->ndim - 1; d >= 0; d--) {
        if (t->shape[d] == 1) continue;
        if (t->stride[d] != expect) return 0;
        expect *= t->shape[d];
    }
    return 1;
}

int wk_tensor_same_shape(const wk_tensor *a, const wk_tensor *b)
{
    if (a->ndim != b->ndim) return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return 0;
    return 1;
}

float *wk_tensor_at(const wk_tensor *t, const int64_t *index)
{
    int64_t off = t->offset;
    for (int d = 0; d < t->ndim; d++) off += index[d] * t->stride[d];
    return t->storage->data + off;
}

char *wk_tensor_shape_str(const wk_tensor *t, char *buf, size_t size)
{
    return wk_shape_str(buf, size, t->ndim, t->shape);
}

int wk_tensor_require(const char *fn, const char *name, const wk_tensor *t)
{
    char s[160];
    if (!t || !t->storage) return wk_fail("%s: %s is missing or empty", fn, name);
    if (!wk_tensor_is_contiguous(t))
        return wk_fail("%s: %s %s must be contiguous (call :contiguous() first)", fn, name,
                       wk_tensor_shape_str(t, s, sizeof s));
    return WK_OK;
}

int wk_tensor_require_same(const char *fn, const char *an, const wk_tensor *a, const char *bn, const wk_tensor *b)
{
    char sa[160], sb[160];
    if (wk_tensor_require(fn, an, a) || wk_tensor_require(fn, bn, b)) return WK_ERR;
    if (!wk_tensor_same_shape(a, b))
        return wk_fail("%s: %s %s and %s %s must have the same shape", fn, an, wk_tensor_shape_str(a, sa, sizeof sa),
                       bn, wk_tensor_shape_str(b, sb, sizeof sb));
    return WK_OK;
}

int wk_tensor_require_writable(const wk_tensor *t)
{
    char buf[160];
    for (int d = 0; d < t->ndim; d++)
        if (t->stride[d] == 0 && t->shape[d] > 1)
            return wk_fail("cannot write in place into an expanded tensor of shape %s (dimension %d has stride 0); "
                           "clone it first", wk_tensor_shape_str(t, buf, sizeof buf), d + 1);
    return WK_OK;
}

/* ---- views ---------------------------------------------------------------------- */

static int check_dim(const wk_tensor *t, int dim, int extra)
{
    if (dim < 0 || dim >= t->ndim + extra)
        return wk_fail("dimension %d out of range for a %d-D tensor", dim + 1, t->ndim);
    return WK_OK;
}

/* Resolve a -1 entry and check the element count matches. The product of the given
 * sizes is checked as it goes: a shape like [2^62+1024, 4] wraps around to 4,096 in
 * plain int64 arithmetic and would pass as a view of 4,096 elements. */
static int infer_shape(const wk_tensor *src, int ndim, const int64_t *in, int64_t *out)
{
    char a[160], b[160];
    if (ndim < 0 || ndim > WK_MAX_DIMS)
        return wk_fail("a tensor has 0 to %d dimensions, got %d", WK_MAX_DIMS, ndim);
    int64_t numel = wk_tensor_numel(src), known = 1;
    int infer = -1, too_big = 0;
    for (int d = 0; d < ndim; d++) {
        if (in[d] == -1) {
            if (infer >= 0) return wk_fail("only one size may be -1, got %s", wk_shape_str(a, sizeof a, ndim, in));
            infer = d;
        } else if (in[d] < 0) {
            return wk_fail("size %lld in shape %s is negative", (long long)in[d], wk_shape_str(a, sizeof a, ndim, in));
        } else if (wk_mul_overflows(known, in[d], &known)) {
            too_big = 1;
        }
        out[d] = in[d];
    }
    if (too_big) known = -1;   /* matches no element count */
    if (infer >= 0) {
        if (known <= 0 || numel % known)
            return wk_fail("shape %s is invalid for %lld elements", wk_shape_str(a, sizeof a, ndim, in), (long long)numel);
        out[infer] = numel / known;
        known *= out[infer];
    }
    if (known != numel)
        return wk_fail("shape %s is invalid for a tensor of shape %s (%lld elements)",
                       wk_shape_str(a, sizeof a, ndim, in), wk_tensor_shape_str(src, b, sizeof b), (long long)numel);
    return check_shape(ndim, out, NULL);   /* an empty view's other sizes are bounded too */
}

/* Strides for viewing src's elements with a new shape, or fail if the memory layout
 * cannot express it (split/merge only within contiguous chunks — PyTorch's rule). */
static int view_strides(const wk_tensor *src, int ndim, const int64_t *shape, int64_t *stride)
{
    int64_t numel = wk_tensor_numel(src);
    if (numel == 0 || wk_tensor_is_contiguous(src)) {
        int64_t s = 1;
        for (int d = ndim - 1; d >= 0; d--) {
            stride[d] = s;
            s *= shape[d] ? shape[d] : 1;
        }
        return 1;
    }
    int view_d = ndim - 1;
    int64_t chunk_base_stride = src->ndim ? src->stride[src->ndim - 1] : 1;
    int64_t tensor_numel = 1, view_numel = 1;
    for (int d = src->ndim - 1; d >= 0; d--) {
        tensor_numel *= src->shape[d];
        if (d == 0 || (src->shape[d - 1] != 1 && src->stride[d - 1] != tensor_numel * chunk_base_stride)) {
            while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
                stride[view_d] = view_numel * chunk_base_stride;
                view_numel *= shape[view_d];
                view_d--;
            }
            if (view_numel != tensor_numel) return 0;
            if (d > 0) {
                chunk_base_stride = src->stride[d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    return view_d == -1;
}

int wk_tensor_view(wk_tensor *dst, const wk_tensor *src, int ndim, const int64_t *shape)
{
    int64_t full[WK_MAX_DIMS], stride[WK_MAX_DIMS];
    char a[160], b[160];
    if (infer_shape(src, ndim, shape, full)) return WK_ERR;
    if (!view_strides(src, ndim, full, stride))
        return wk_fail("cannot view a non-contiguous tensor of shape %s as %s (use reshape, or contiguous first)",
                       wk_tensor_shape_str(src, a, sizeof a), wk_shape_str(b, sizeof b, ndim, full));
    wk_tensor_share(dst, src);
    dst->ndim = ndim;
    memcpy(dst->shape, full, sizeof(int64_t) * (size_t)ndim);
    memcpy(dst->stride, stride, sizeof(int64_t) * (size_t)ndim);
    return WK_OK;
}

int wk_tensor_reshape(wk_tensor *dst, const wk_tensor *src, int ndim, const int64_t *shape)
{
    int64_t full[WK_MAX_DIMS], stride[WK_MAX_DIMS];
    if (infer_shape(src, ndim, shape, full)) return WK_ERR;
    if (view_strides(src, ndim, full, stride)) return wk_tensor_view(dst, src, ndim, full);
    wk_tensor tmp;
    if (wk_tensor_clone(&tmp, src)) return WK_ERR;
    int rc = wk_tensor_view(dst, &tmp, ndim, full);
    wk_tensor_release(&tmp);
    return rc;
}

int wk_tensor_narrow(wk_tensor *dst, const wk_tensor *src, int dim, int64_t start, int64_t length)
{
    if (check_dim(src, dim, 0)) return WK_ERR;
    /* length > size - start, not start + length > size: the sum can wrap past INT64_MAX */
    int64_t size = src->shape[dim];
    if (start < 0 || length < 0 || start > size || length > size - start) {
        if (start >= 0 && length > 0 && start < INT64_MAX - length)
            return wk_fail("range %lld..%lld is outside dimension %d of size %lld", (long long)start + 1,
                           (long long)(start + length), dim + 1, (long long)size);
        return wk_fail("start %.0f and length %lld are outside dimension %d of size %lld", (double)start + 1,
                       (long long)length, dim + 1, (long long)size);   /* start + 1 may not fit int64 */
    }
    wk_tensor_share(dst, src);
    dst->offset += start * src->stride[dim];
    dst->shape[dim] = length;
    return WK_OK;
}

int wk_tensor_select(wk_tensor *dst, const wk_tensor *src, int dim, int64_t index)
{
    if (check_dim(src, dim, 0)) return WK_ERR;
    if (index < 0 || index >= src->shape[dim])
        return wk_fail("index %lld is out of range for dimension %d of size %lld", (long long)index + 1, dim + 1,
                       (long long)src->shape[dim]);
    wk_tensor_share(dst, src);
    dst->offset += index * src->stride[dim];
    for (int d = dim; d < src->ndim - 1; d++) {
        dst->shape[d] = src->shape[d + 1];
        dst->stride[d] = src->stride[d + 1];
    }
    dst->ndim--;
    return WK_OK;
}

int wk_tensor_transpose(wk_tensor *dst, const wk_tensor *src, int dim0, int dim1)
{
    if (check_dim(src, dim0, 0) || check_dim(src, dim1, 0)) return WK_ERR;
    wk_tensor_share(dst, src);
    int64_t s = dst->shape[dim0], st = dst->stride[dim0];
    dst->shape[dim0] = dst->shape[dim1];
    dst->stride[dim0] = dst->stride[dim1];
    dst->shape[dim1] = s;
    dst->stride[dim1] = st;
    return WK_OK;
}

int wk_tensor_permute(wk_tensor *dst, const wk_tensor *src, const int *order)
{
    int seen[WK_MAX_DIMS] = {0};
    for (int d = 0; d < src->ndim; d++) {
        if (order[d] < 0 || order[d] >= src->ndim || seen[order[d]])
            return wk_fail("permutation must name each of the %d dimensions once", src->ndim);
        seen[order[d]] = 1;
    }
    wk_tensor tmp = *src;
    wk_tensor_share(dst, src);
    for (int d = 0; d < src->ndim; d++) {
        dst->shape[d] = tmp.shape[order[d]];
        dst->stride[d] = tmp.stride[order[d]];
    }
    return WK_OK;
}

int wk_tensor_squeeze(wk_tensor *dst, const wk_tensor *src, int dim)
{
    if (dim >= 0 && check_dim(src, dim, 0)) return WK_ERR;
    wk_tensor tmp = *src;
    wk_tensor_share(dst, src);
    int n = 0;
    for (int d = 0; d < tmp.ndim; d++) {
        if (tmp.shape[d] == 1 && (dim < 0 || d == dim)) continue;
        dst->shape[n] = tmp.shape[d];
        dst->stride[n] = tmp.stride[d];
        n++;
    }
    dst->ndim = n;
    return WK_OK;
}

int wk_tensor_unsqueeze(wk_tensor *dst, const wk_tensor *src, int dim)
{
    if (check_dim(src, dim, 1)) return WK_ERR;
    if (src->ndim >= WK_MAX_DIMS) return wk_fail("a tensor has at most %d dimensions", WK_MAX_DIMS);
    wk_tensor tmp = *src;
    wk_tensor_share(dst, src);
    for (int d = tmp.ndim; d > dim; d--) {
        dst->shape[d] = tmp.shape[d - 1];
        dst->stride[d] = tmp.stride[d - 1];
    }
    dst->shape[dim] = 1;
    /* A size-1 dim's stride is never used to step; keep the contiguous value when it
     * fits (so is_contiguous reads naturally), else 1. */
    int64_t st = 1;
    if (dim < tmp.ndim && wk_mul_overflows(tmp.shape[dim], tmp.stride[dim], &st)) st = 1;
    dst->stride[dim] = st;
    dst->ndim = tmp.ndim + 1;
    return WK_OK;
}

int wk_tensor_expand(wk_tensor *dst, const wk_tensor *src, int ndim, const int64_t *shape)
{
    char a[160], b[160];
    if (ndim < src->ndim || ndim > WK_MAX_DIMS)
        return wk_fail("cannot expand shape %s to %s", wk_tensor_shape_str(src, a, sizeof a),
                       wk_shape_str(b, sizeof b, ndim, shape));
    wk_tensor tmp = *src;
    int64_t nshape[WK_MAX_DIMS], nstride[WK_MAX_DIMS];
    int lead = ndim - tmp.ndim;
    for (int d = 0; d < ndim; d++) {
        int sd = d - lead;
        int64_t want = shape[d];
        if (sd < 0) {
            if (want < 0) return wk_fail("size -1 is only allowed for existing dimensions in expand");
            nshape[d] = want;
            nstride[d] = 0;
        } else if (want == -1 || want == tmp.shape[sd]) {
            nshape[d] = tmp.shape[sd];
            nstride[d] = tmp.stride[sd];
        } else if (tmp.shape[sd] == 1 && want >= 0) {
            nshape[d] = want;
            nstride[d] = 0;
        } else {
            return wk_fail("cannot expand shape %s to %s", wk_tensor_shape_str(&tmp, a, sizeof a),
                           wk_shape_str(b, sizeof b, ndim, shape));
        }
    }
    /* A view allocates nothing, but what reads it walks every element: it obeys the
     * same 2^40 limit as a tensor. */
    if (check_shape(ndim, nshape, NULL)) return WK_ERR;
    wk_tensor_share(dst, src);
    dst->ndim = ndim;
    memcpy(dst->shape, nshape, sizeof(int64_t) * (size_t)ndim);
    memcpy(dst->stride, nstride, sizeof(int64_t) * (size_t)ndim);
    return WK_OK;
}

/* ---- broadcasting and iteration --------------------------------------------------- */

int wk_broadcast_shape(int *ndim, int64_t *shape, const wk_tensor *a, const wk_tensor *b)
{
    char sa[160], sb[160];
    int n = a->ndim > b->ndim ? a->ndim : b->ndim;
    int64_t out[WK_MAX_DIMS];
    for (int i = 0; i < n; i++) {
        int da = a->ndim - n + i, db = b->ndim - n + i;
        int64_t x = da >= 0 ? a->shape[da] : 1, y = db >= 0 ? b->shape[db] : 1;
        if (x != y && x != 1 && y != 1)
            return wk_fail("shapes %s and %s cannot be broadcast together", wk_tensor_shape_str(a, sa, sizeof sa),
                           wk_tensor_shape_str(b, sb, sizeof sb));
        out[i] = x == 1 ? y : x;
    }
    if (check_shape(n, out, NULL)) return WK_ERR;   /* [2^30,1] with [1,2^30] is 2^60 */
    *ndim = n;
    memcpy(shape, out, sizeof(int64_t) * (size_t)n);
    return WK_OK;
}

void wk_broadcast_strides(int64_t *stride, const wk_tensor *t, int ndim, const int64_t *shape)
{
    (void)shape;
    int lead = ndim - t->ndim;
    for (int d = 0; d < ndim; d++) {
        int sd = d - lead;
        stride[d] = (sd < 0 || t->shape[sd] == 1) ? 0 : t->stride[sd];
    }
}

void wk_iter_init(wk_iter *it, int ndim, const int64_t *shape, int nops, const int64_t *const *strides)
{
    it->nops = nops;
    int n = 0;
    int64_t total = 1;
    /* Drop size-1 dims, then merge neighbours that are contiguous in every operand. */
    for (int d = 0; d < ndim; d++) {
        total *= shape[d];
        if (shape[d] == 1) continue;
        int merge = n > 0;
        for (int k = 0; k < nops && merge; k++)
            if (it->stride[k][n - 1] != strides[k][d] * shape[d]) merge = 0;
        if (merge) {
            it->shape[n - 1] *= shape[d];
            for (int k = 0; k < nops; k++) it->stride[k][n - 1] = strides[k][d];
        } else {
            it->shape[n] = shape[d];
            for (int k = 0; k < nops; k++) it->stride[k][n] = strides[k][d];
            n++;
        }
    }
    if (n == 0) {   /* a scalar, or all size-1 dims: one run of one */
        it->shape[0] = 1;
        for (int k = 0; k < nops; k++) it->stride[k][0] = 0;
        n = 1;
    }
    it->ndim = n;
    it->run = it->shape[n - 1];
    for (int k = 0; k < nops; k++) it->step[k] = it->stride[k][n - 1];
    memset(it->index, 0, sizeof it->index);
    it->remaining = total == 0 ? 0 : total / it->run;
}

int wk_iter_next(wk_iter *it, int64_t *off)
{
    if (it->remaining <= 0) return 0;
    for (int k = 0; k < it->nops; k++) {
        int64_t o = 0;
        for (int d = 0; d < it->ndim - 1; d++) o += it->index[d] * it->stride[k][d];
        off[k] = o;
    }
    /* advance the outer index (all dims but the run) */
    for (int d = it->ndim - 2; d >= 0; d--) {
        if (++it->index[d] < it->shape[d]) break;
        it->index[d] = 0;
    }
    it->remaining--;
    return 1;
}

/* ---- copies --------------------------------------------------------------------- */

/* A large copy between disjoint buffers is shared through the pool in fixed pieces
 * (threads.h: WK_PAR_MIN); overlapping ones stay a memmove. */

typedef struct copy_job {
    float *d;
    const float *s;
} copy_job;

static void copy_chunk(void *ctx, int64_t begin, int64_t end, int worker)
{
    const copy_job *j = ctx;
    memcpy(j->d + begin, j->s + begin, (size_t)(end - begin) * sizeof(float));
}

static void copy_floats(float *d, const float *s, int64_t n)
{
    if (n >= WK_PAR_MIN && (d + n <= s || s + n <= d)) {
        copy_job j = {d, s};
        wk_parallel_for(n, WK_PAR_CHUNK, copy_chunk, &j);
    } else {
        memmove(d, s, (size_t)n * sizeof(float));
    }
}

int wk_tensor_copy_(wk_tensor *dst, const wk_tensor *src)
{
    char a[160], b[160];
    int64_t sstride[WK_MAX_DIMS];
    int n;
    int64_t shape[WK_MAX_DIMS];
    if (wk_broadcast_shape(&n, shape, dst, src) || n != dst->ndim ||
        memcmp(shape, dst->shape, sizeof(int64_t) * (size_t)n) != 0)
        return wk_fail("cannot copy a tensor of shape %s into one of shape %s", wk_tensor_shape_str(src, a, sizeof a),
                       wk_tensor_shape_str(dst, b, sizeof b));
    wk_broadcast_strides(sstride, src, dst->ndim, dst->shape);
    float *d = wk_tensor_data(dst);
    const float *s = wk_tensor_data(src);
    if (wk_tensor_is_contiguous(dst) && wk_tensor_is_contiguous(src) && wk_tensor_same_shape(dst, src)) {
        copy_floats(d, s, wk_tensor_numel(dst));
        return WK_OK;
    }
    wk_iter it;
    wk_iter_init(&it, dst->ndim, dst->shape, 2, (const int64_t *[]){dst->stride, sstride});
    int64_t off[2];
    while (wk_iter_next(&it, off)) {
        float *dp = d + off[0];
        const float *sp = s + off[1];
        int64_t ds = it.step[0], ss = it.step[1];
        if (ds == 1 && ss == 1) copy_floats(dp, sp, it.run);
        else
            for (int64_t i = 0; i < it.run; i++) dp[i * ds] = sp[i * ss];
    }
    return WK_OK;
}

void wk_tensor_fill_(wk_tensor *t, float value)
{
    float *d = wk_tensor_data(t);
    wk_iter it;
    wk_iter_init(&it, t->ndim, t->shape, 1, (const int64_t *[]){t->stride});
    int64_t off[1];
    while (wk_iter_next(&it, off))
        for (int64_t i = 0; i < it.run; i++) d[off[0] + i * it.step[0]] = value;
}

int wk_tensor_clone(wk_tensor *dst, const wk_tensor *src)
{
    wk_tensor out;
    if (wk_tensor_new_like(&out, src)) return WK_ERR;
    wk_tensor_copy_(&out, src);
    *dst = out;
    return WK_OK;
}

int wk_tensor_contiguous(wk_tensor *dst, const wk_tensor *src)
{
    if (wk_tensor_is_contiguous(src)) {
        wk_tensor_share(dst, src);
        return WK_OK;
    }
    return wk_tensor_clone(dst, src);
}
