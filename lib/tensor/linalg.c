/* linalg.c — matmul, dot and outer on OpenBLAS.
 *
 * Every matmul is reduced to one shape: a batch of (m×k)·(k×n) products written into a
 * contiguous C of shape (batch..., m, n). A 1-D left operand is a 1×k matrix, a 1-D right
 * operand a k×1 one; their unit dims are dropped from the result shape only, so the
 * memory layout of C is the same in every case. Each operand matrix is described to BLAS
 * as it lies in memory (no transpose, or CblasTrans when its rows are the unit-stride
 * axis); an operand BLAS cannot read is copied once, with broadcast batch dims kept at
 * size 1 so an expanded batch is never materialised. The batch is walked with an
 * odometer in C (one sgemm per matrix) unless it folds into the rows of a single sgemm:
 * x[B,T,k] @ W[k,n] is one (B*T×k)·(k×n) call. n == 1 or m == 1 go to sgemv. */
#include "../core/threads.h"
#include "linalg.h"

#include <cblas.h>
#include <limits.h>
#include <string.h>

/* ---- BLAS layout of one matrix ------------------------------------------------- */

/* A rows×cols matrix as row-major BLAS reads it: NoTrans puts element (i,j) at
 * i*ld + j, CblasTrans at j*ld + i (the matrix is stored as its transpose). */
typedef struct blas_mat {
    CBLAS_TRANSPOSE trans;
    blasint ld;
} blas_mat;

static int64_t max1(int64_t x) { return x > 1 ? x : 1; }

/* Can BLAS read the matrix with strides (rs, cs) as it is? Fills m and returns 1 if so.
 * Strides of a size-1 axis never matter, so they are replaced by the smallest legal ld:
 * a single row or column of any unit-stride layout reads directly. */
static int blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs, blas_mat *m)
{
    if (cs == 1 || cols == 1) {
        int64_t ld = rows == 1 ? max1(cols) : rs;
        if (ld >= max1(cols) && ld <= INT_MAX) {
            m->trans = CblasNoTrans;
            m->ld = (blasint)ld;
            return 1;
        }
    }
    if (rs == 1 || rows == 1) {
        int64_t ld = cols == 1 ? max1(rows) : cs;
        if (ld >= max1(rows) && ld <= INT_MAX) {
            m->trans = CblasTrans;
            m->ld = (blasint)ld;
            return 1;
        }
    }
    return 0;
}

/* Increment between consecutive elements of a single row (the 1×k left operand) or a
 * single column (the k×1 right operand) under layout m — what sgemv calls incx. */
static blasint row_inc(const blas_mat *m) { return m->trans == CblasNoTrans ? 1 : m->ld; }
static blasint col_inc(const blas_mat *m) { return m->trans == CblasNoTrans ? m->ld : 1; }

/* C (m×n, row stride ldc) = A (m×k) · B (k×n). C need not be initialised. */
static void gemm_one(const float *A, const blas_mat *am, const float *B, const blas_mat *bm, float *C, int64_t m,
                     int64_t n, int64_t k, int64_t ldc)
{
    if (m == 0 || n == 0) return;
    if (k == 0) {   /* an empty sum; BLAS implementations differ on whether k = 0 writes C */
        for (int64_t i = 0; i < m; i++) memset(C + i * ldc, 0, (size_t)n * sizeof(float));
        return;
    }
    if (n == 1) {
        /* y(m) = A x, x = B's one column. beta = 0 may still scale garbage in y by 0 in
         * some OpenBLAS versions (NaN * 0 = NaN), so y starts at zero. */
        for (int64_t i = 0; i < m; i++) C[i * ldc] = 0.0f;
        blasint M = (blasint)(am->trans == CblasNoTrans ? m : k), N = (blasint)(am->trans == CblasNoTrans ? k : m);
        cblas_sgemv(CblasRowMajor, am->trans, M, N, 1.0f, A, am->ld, B, col_inc(bm), 0.0f, C, (blasint)ldc);
    } else if (m == 1) {
        /* y(n) = B^T x, x = A's one row: the opposite transpose of B's layout. */
        memset(C, 0, (size_t)n * sizeof(float));
        CBLAS_TRANSPOSE t = bm->trans == CblasNoTrans ? CblasTrans : CblasNoTrans;
        blasint M = (blasint)(bm->trans == CblasNoTrans ? k : n), N = (blasint)(bm->trans == CblasNoTrans ? n : k);
        cblas_sgemv(CblasRowMajor, t, M, N, 1.0f, B, bm->ld, A, row_inc(am), 0.0f, C, 1);
    } else {
        wk_sgemm(am->trans, bm->trans, (blasint)m, (blasint)n, (blasint)k, 1.0f, A, am->ld, B,
                    bm->ld, 0.0f, C, (blasint)ldc);
    }
}

/* ---- operands ------------------------------------------------------------------- */

/* One side of the product, promoted to a batch of matrices. */
typedef struct operand {
    wk_tensor t;                   /* what is read: a shared view, or a contiguous copy */
    int nbatch;                    /* leading dims of t that are batch dims */
    int64_t rows, cols, rs, cs;    /* the matrix (a 1-D vector made 1×k or k×1) */
    blas_mat m;
    int64_t bstride[WK_MAX_DIMS];  /* (out batch dims) 0 where this side broadcasts */
} operand;

/* Describe t (left: a 1-D t is a row; right: a column) and pick its BLAS layout. */
static void operand_describe(operand *op, int left)
{
    const wk_tensor *t = &op->t;
    if (t->ndim == 1) {
        op->nbatch = 0;
        op->rows = left ? 1 : t->shape[0];
        op->cols = left ? t->shape[0] : 1;
        op->rs = left ? 0 : t->stride[0];
        op->cs = left ? t->stride[0] : 0;
    } else {
        op->nbatch = t->ndim - 2;
        op->rows = t->shape[t->ndim - 2];
        op->cols = t->shape[t->ndim - 1];
        op->rs = t->stride[t->ndim - 2];
        op->cs = t->stride[t->ndim - 1];
    }
}

/* Take src as an operand, copying it only when BLAS cannot read its matrices. The copy
 * keeps each broadcast (stride 0) batch dim at size 1: the product broadcasts it again. */
static int operand_init(operand *op, const wk_tensor *src, int left)
{
    wk_tensor_share(&op->t, src);
    operand_describe(op, left);
    if (op->rows > INT_MAX || op->cols > INT_MAX) {
        char s[160];
        wk_tensor_release(&op->t);
        return wk_fail("shape %s is too large for BLAS (a matrix side above %d)", wk_tensor_shape_str(src, s, sizeof s),
                       INT_MAX);
    }
    if (blas_layout(op->rows, op->cols, op->rs, op->cs, &op->m)) return WK_OK;
    wk_tensor squashed = op->t;    /* a plain struct copy: no new reference */
    for (int d = 0; d < op->nbatch; d++)
        if (squashed.stride[d] == 0) squashed.shape[d] = 1;
    wk_tensor copy;
    int rc = wk_tensor_clone(&copy, &squashed);
    wk_tensor_release(&op->t);
    if (rc) return WK_ERR;
    op->t = copy;
    operand_describe(op, left);
    blas_layout(op->rows, op->cols, op->rs, op->cs, &op->m);   /* contiguous: always BLAS-able */
    return WK_OK;
}

/* Strides of the operand's batch dims against the output batch shape (right-aligned). */
static void operand_batch_strides(operand *op, int nb, const int64_t *bshape)
{
    for (int d = 0; d < nb; d++) {
        int sd = d - (nb - op->nbatch);
        op->bstride[d] = (sd < 0 || op->t.shape[sd] == 1 || bshape[d] == 1) ? 0 : op->t.stride[sd];
    }
}

/* ---- shapes --------------------------------------------------------------------- */

/* Batch shape of the product (before the matrix dims), and the result shape. */
static int product_shape(int *nb, int64_t *bshape, int *ndim, int64_t *shape, const wk_tensor *a, const wk_tensor *b)
{
    char sa[160], sb[160];
    if (a->ndim == 0 || b->ndim == 0)
        return wk_fail("both arguments must be at least 1-D, got shapes %s and %s", wk_tensor_shape_str(a, sa, sizeof sa),
                       wk_tensor_shape_str(b, sb, sizeof sb));
    int64_t ka = a->shape[a->ndim - 1];
    int64_t kb = b->ndim == 1 ? b->shape[0] : b->shape[b->ndim - 2];
    if (ka != kb)
        return wk_fail("shapes %s and %s do not match", wk_tensor_shape_str(a, sa, sizeof sa),
                       wk_tensor_shape_str(b, sb, sizeof sb));
    int na = a->ndim > 2 ? a->ndim - 2 : 0, nbb = b->ndim > 2 ? b->ndim - 2 : 0;
    int n = na > nbb ? na : nbb;
    for (int d = 0; d < n; d++) {
        int da = d - (n - na), db = d - (n - nbb);
        int64_t x = da >= 0 ? a->shape[da] : 1, y = db >= 0 ? b->shape[db] : 1;
        if (x != y && x != 1 && y != 1)
            return wk_fail("shapes %s and %s do not match (batch dimensions cannot be broadcast)",
                           wk_tensor_shape_str(a, sa, sizeof sa), wk_tensor_shape_str(b, sb, sizeof sb));
        bshape[d] = x == 1 ? y : x;
    }
    /* BLAS takes int sizes: refuse a matrix side above INT_MAX here, before the result
     * is allocated, rather than truncate it (a batch may be any size: it is walked in
     * C). 1-D · 1-D is a plain loop beyond INT_MAX. */
    int64_t m = a->ndim >= 2 ? a->shape[a->ndim - 2] : 1, nn = b->ndim >= 2 ? b->shape[b->ndim - 1] : 1;
    if ((a->ndim > 1 || b->ndim > 1) && (m > INT_MAX || ka > INT_MAX || nn > INT_MAX))
        return wk_fail("shapes %s and %s are too large for BLAS (a matrix side above %d)",
                       wk_tensor_shape_str(a, sa, sizeof sa), wk_tensor_shape_str(b, sb, sizeof sb), INT_MAX);
    *nb = n;
    int nd = n;
    memcpy(shape, bshape, sizeof(int64_t) * (size_t)n);
    if (a->ndim >= 2) shape[nd++] = a->shape[a->ndim - 2];
    if (b->ndim >= 2) shape[nd++] = b->shape[b->ndim - 1];
    *ndim = nd;
    return WK_OK;
}

int wk_matmul_shape(int *ndim, int64_t *shape, const wk_tensor *a, const wk_tensor *b)
{
    int nb;
    int64_t bshape[WK_MAX_DIMS];
    return product_shape(&nb, bshape, ndim, shape, a, b);
}

/* ---- the product ---------------------------------------------------------------- */

/* 1-D · 1-D. sdot wants non-zero increments; an expanded vector takes the plain loop. */
static float dot_f32(int64_t n, const float *x, int64_t incx, const float *y, int64_t incy)
{
    if (incx != 0 && incy != 0 && n <= INT_MAX && incx <= INT_MAX && incy <= INT_MAX)
        return cblas_sdot((blasint)n, x, (blasint)incx, y, (blasint)incy);
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (double)x[i * incx] * (double)y[i * incy];
    return (float)s;
}

/* Does the left operand's batch fold into its rows? True when the right side is the
 * same matrix for every batch entry and the left's rows continue evenly across batch
 * dims (a contiguous x[B,T,k], or any view whose batch strides step by whole matrices). */
static int folds_into_rows(const operand *A, const operand *B, int nb, const int64_t *bshape)
{
    if (A->m.trans != CblasNoTrans) return 0;
    int64_t expect = (int64_t)A->m.ld * A->rows;
    for (int d = nb - 1; d >= 0; d--) {
        if (bshape[d] == 1) continue;
        if (B->bstride[d] != 0 || A->bstride[d] != expect) return 0;
        expect *= bshape[d];
    }
    return expect / max1(A->m.ld) <= INT_MAX;
}

/* C (contiguous, the product's shape) = a @ b. */
static int matmul_into(float *C, const wk_tensor *a, const wk_tensor *b)
{
    int nb, ndim;
    int64_t bshape[WK_MAX_DIMS], shape[WK_MAX_DIMS];
    if (product_shape(&nb, bshape, &ndim, shape, a, b)) return WK_ERR;
    if (a->ndim == 1 && b->ndim == 1) {
        C[0] = dot_f32(a->shape[0], wk_tensor_data(a), a->stride[0], wk_tensor_data(b), b->stride[0]);
        return WK_OK;
    }
    operand A, B;
    if (operand_init(&A, a, 1)) return WK_ERR;
    if (operand_init(&B, b, 0)) {
        wk_tensor_release(&A.t);
        return WK_ERR;
    }
    int rc = WK_OK;
    int64_t m = A.rows, k = A.cols, n = B.cols;
    if (k > INT_MAX || n > INT_MAX) {
        rc = wk_fail("a matrix side above %d is too large for BLAS", INT_MAX);
        goto done;
    }
    operand_batch_strides(&A, nb, bshape);
    operand_batch_strides(&B, nb, bshape);
    int64_t batches = 1;
    for (int d = 0; d < nb; d++) batches *= bshape[d];
    const float *pa = wk_tensor_data(&A.t), *pb = wk_tensor_data(&B.t);

    if (batches > 1 && folds_into_rows(&A, &B, nb, bshape)) {
        gemm_one(pa, &A.m, pb, &B.m, C, m * batches, n, k, n);
        goto done;
    }
    if (m > INT_MAX) {
        rc = wk_fail("a matrix side above %d is too large for BLAS", INT_MAX);
        goto done;
    }
    /* Odometer over the batch: index[] counts in bshape, oa/ob follow the strides. */
    int64_t index[WK_MAX_DIMS] = {0}, oa = 0, ob = 0;
    for (int64_t i = 0; i < batches; i++) {
        gemm_one(pa + oa, &A.m, pb + ob, &B.m, C + i * m * n, m, n, k, n);
        for (int d = nb - 1; d >= 0; d--) {
            oa += A.bstride[d];
            ob += B.bstride[d];
            if (++index[d] < bshape[d]) break;
            oa -= A.bstride[d] * bshape[d];
            ob -= B.bstride[d] * bshape[d];
            index[d] = 0;
        }
    }
done:
    wk_tensor_release(&A.t);
    wk_tensor_release(&B.t);
    return rc;
}

int wk_tensor_matmul(wk_tensor *dst, const wk_tensor *a, const wk_tensor *b)
{
    int ndim;
    int64_t shape[WK_MAX_DIMS];
    if (wk_matmul_shape(&ndim, shape, a, b)) return WK_ERR;
    wk_tensor out;
    if (wk_tensor_new(&out, ndim, shape)) return WK_ERR;
    if (matmul_into(wk_tensor_data(&out), a, b)) {
        wk_tensor_release(&out);
        return WK_ERR;
    }
    *dst = out;
    return WK_OK;
}

int wk_tensor_matmul_out(wk_tensor *dst, const wk_tensor *a, const wk_tensor *b)
{
    int ndim;
    int64_t shape[WK_MAX_DIMS];
    char sd[160], sr[160];
    if (wk_matmul_shape(&ndim, shape, a, b)) return WK_ERR;
    if (ndim != dst->ndim || memcmp(shape, dst->shape, sizeof(int64_t) * (size_t)ndim) != 0)
        return wk_fail("out has shape %s but the product has shape %s", wk_tensor_shape_str(dst, sd, sizeof sd),
                       wk_shape_str(sr, sizeof sr, ndim, shape));
    /* BLAS must not write into memory it is still reading: an out that shares a or b's
     * storage, or is not contiguous, takes the product through a temporary. */
    if (wk_tensor_is_contiguous(dst) && dst->storage != a->storage && dst->storage != b->storage)
        return matmul_into(wk_tensor_data(dst), a, b);
    wk_tensor tmp;
    if (wk_tensor_matmul(&tmp, a, b)) return WK_ERR;
    int rc = wk_tensor_copy_(dst, &tmp);
    wk_tensor_release(&tmp);
    return rc;
}

/* ---- dot and outer -------------------------------------------------------------- */

int wk_tensor_dot(wk_tensor *dst, const wk_tensor *a, const wk_tensor *b)
{
    char sa[160], sb[160];
    if (a->ndim != 1 || b->ndim != 1 || a->shape[0] != b->shape[0])
        return wk_fail("expected two 1-D tensors of one length, got shapes %s and %s",
                       wk_tensor_shape_str(a, sa, sizeof sa), wk_tensor_shape_str(b, sb, sizeof sb));
    wk_tensor out;
    if (wk_tensor_new(&out, 0, NULL)) return WK_ERR;
    wk_tensor_data(&out)[0] = dot_f32(a->shape[0], wk_tensor_data(a), a->stride[0], wk_tensor_data(b), b->stride[0]);
    *dst = out;
    return WK_OK;
}

int wk_tensor_outer(wk_tensor *dst, const wk_tensor *a, const wk_tensor *b)
{
    char sa[160], sb[160];
    if (a->ndim != 1 || b->ndim != 1)
        return wk_fail("expected two 1-D tensors, got shapes %s and %s", wk_tensor_shape_str(a, sa, sizeof sa),
                       wk_tensor_shape_str(b, sb, sizeof sb));
    int64_t m = a->shape[0], n = b->shape[0];
    wk_tensor out;
    if (wk_tensor_new(&out, 2, (int64_t[]){m, n})) return WK_ERR;
    /* out: (m, n). A plain loop rather than sger: one multiply per element either way,
     * and sger would need out zeroed first. */
    float *o = wk_tensor_data(&out);
    const float *x = wk_tensor_data(a), *y = wk_tensor_data(b);
    int64_t sx = a->stride[0], sy = b->stride[0];
    for (int64_t i = 0; i < m; i++) {
        float xi = x[i * sx];
        for (int64_t j = 0; j < n; j++) o[i * n + j] = xi * y[j * sy];
    }
    *dst = out;
    return WK_OK;
}
