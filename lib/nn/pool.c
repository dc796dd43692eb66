/* pool.c — max / average / adaptive-average pooling and nearest / bilinear upsampling,
 * forward and backward, on contiguous float32 NCHW tensors (see pool.h).
 *
 * Every kernel works plane by plane: a plane (n, c) of the output depends only on the
 * same plane of the input, so chunks of whole planes run on the thread pool
 * (core/threads.h), backward passes, which scatter into grad_input, never race, and
 * every output is computed by one thread the same way whatever the thread count. Index
 * and rounding rules copy PyTorch 1.13's CPU kernels so results match it to the last bit
 * where it can. */
#include "pool.h"

#include <math.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/threads.h"

/* A chunk of planes is at least this much work (loads or adds), so a small tensor is one
 * chunk and runs on the calling thread at no cost; at most PAR_CHUNKS chunks, enough for
 * a thread whose core is busy elsewhere to take fewer of them. */
#define PAR_MIN 32768
#define PAR_CHUNKS 64

static int64_t plane_grain(int64_t planes, double cost_per_plane)
{
    return wk_parallel_grain(planes, cost_per_plane, PAR_MIN, PAR_CHUNKS);
}

/* What a chunk of planes needs; each kernel reads the fields it uses. */
typedef struct planes_args {
    float *x;                     /* (planes, H, W) input, or grad_input in backward */
    float *y;                     /* (planes, Ho, Wo) output, or grad_output in backward */
    int32_t *indices;             /* (planes, Ho, Wo) maxpool: argmax within the plane */
    int64_t H, W, Ho, Wo;
    const wk_pool_opts *pool;
    const wk_upsample_opts *up;
    float rh, rw;                 /* upsample: input/output coordinate ratios */
} planes_args;

/* ---- checks -------------------------------------------------------------------- */

static int check4(const char *fn, const char *what, const wk_tensor *t)
{
    char s[96];
    if (!t || !t->storage) return wk_fail("%s: %s is empty (expected a 4-D tensor (N,C,H,W))", fn, what);
    if (t->ndim != 4)
        return wk_fail("%s: %s must be 4-D (N,C,H,W), got %d-D %s", fn, what, t->ndim,
                       wk_tensor_shape_str(t, s, sizeof s));
    if (!wk_tensor_is_contiguous(t))
        return wk_fail("%s: %s %s must be contiguous (copy it with :contiguous())", fn, what,
                       wk_tensor_shape_str(t, s, sizeof s));
    return WK_OK;
}

/* An empty output is allocated; a given one must have the shape and be contiguous. */
static int prepare_output(const char *fn, wk_tensor *out, const int64_t shape[4])
{
    char a[96], b[96];
    if (!out) return wk_fail("%s: output is NULL", fn);
    if (!out->storage) return wk_tensor_new(out, 4, shape);
    int same = out->ndim == 4;
    for (int i = 0; same && i < 4; i++) same = out->shape[i] == shape[i];
    if (!same)
        return wk_fail("%s: output must be %s, got %s", fn, wk_shape_str(a, sizeof a, 4, shape),
                       wk_tensor_shape_str(out, b, sizeof b));
    if (!wk_tensor_is_contiguous(out)) return wk_fail("%s: output %s must be contiguous", fn, b);
    return WK_OK;
}

/* grad_output must have the shape the forward would give for grad_input's shape. */
static int check_grad_output(const char *fn, const wk_tensor *go, const int64_t shape[4])
{
    char a[96], b[96];
    if (check4(fn, "grad_output", go)) return WK_ERR;
    for (int i = 0; i < 4; i++)
        if (go->shape[i] != shape[i])
            return wk_fail("%s: grad_output must be %s for this grad_input, got %s", fn,
                           wk_shape_str(a, sizeof a, 4, shape), wk_tensor_shape_str(go, b, sizeof b));
    return WK_OK;
}

/* PyTorch's pooling_output_shape. */
static int64_t pool_out(int64_t in, int64_t k, int64_t pad, int64_t s, int64_t d, int ceil_mode)
{
    int64_t num = in + 2 * pad - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
    int64_t out = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
    if (ceil_mode && (out - 1) * s >= in + pad) out--;
    return out;
}

static int pool_shape(const char *fn, int64_t out[4], const int64_t in[4], const wk_pool_opts *o, int is_max)
{
    char s[96];
    if (!o) return wk_fail("%s: options are missing", fn);
    for (int i = 0; i < 2; i++) {
        if (o->kernel[i] < 1) return wk_fail("%s: kernel size must be >= 1, got %d", fn, o->kernel[i]);
        if (o->stride[i] < 1) return wk_fail("%s: stride must be >= 1, got %d", fn, o->stride[i]);
        if (o->dilation[i] < 1) return wk_fail("%s: dilation must be >= 1, got %d", fn, o->dilation[i]);
        if (!is_max && o->dilation[i] != 1) return wk_fail("%s: dilation must be 1, got %d", fn, o->dilation[i]);
        /* int64: a kernel and dilation near 2^31 each would overflow an int */
        int64_t eff = is_max ? (int64_t)(o->kernel[i] - 1) * o->dilation[i] + 1 : o->kernel[i];
        if (o->padding[i] < 0 || o->padding[i] > eff / 2)
            return wk_fail("%s: padding must be between 0 and half the kernel (%lld), got %d", fn,
                           (long long)(eff / 2), o->padding[i]);
    }
    out[0] = in[0];
    out[1] = in[1];
    out[2] = pool_out(in[2], o->kernel[0], o->padding[0], o->stride[0], o->dilation[0], o->ceil_mode);
    out[3] = pool_out(in[3], o->kernel[1], o->padding[1], o->stride[1], o->dilation[1], o->ceil_mode);
    if (out[2] < 1 || out[3] < 1)
        return wk_fail("%s: input %s is too small for a %dx%d window: output would be %lldx%lld", fn,
                       wk_shape_str(s, sizeof s, 4, in), o->kernel[0], o->kernel[1], (long long)out[2],
                       (long long)out[3]);
    return WK_OK;
}

int wk_pool2d_output_shape(int64_t out[4], const int64_t in[4], const wk_pool_opts *o)
{
    return pool_shape("pool2d", out, in, o, 1);
}

/* ---- max pooling --------------------------------------------------------------- */

/* The CNN case (2x2, stride 2): no window bookkeeping, four loads per output. Same rule
 * as the general loop: the first maximum wins, and a NaN wins over everything (the last
 * NaN). */
static void maxpool2x2_planes(void *ctx, int64_t begin, int64_t end, int worker)
{
    const planes_args *a = ctx;
    const int64_t H = a->H, W = a->W, Ho = a->Ho, Wo = a->Wo;
    const float *x = a->x;
    float *y = a->y;
    int32_t *indices = a->indices;
    for (int64_t pl = begin; pl < end; pl++) {
        const float *xp = x + pl * H * W;
        float *yp = y + pl * Ho * Wo;
        int32_t *ip = indices + pl * Ho * Wo;
        for (int64_t i = 0; i < Ho; i++) {
            const float *r0 = xp + 2 * i * W, *r1 = r0 + W;
            float *yr = yp + i * Wo;
            int32_t *ir = ip + i * Wo;
            const int32_t base = (int32_t)(2 * i * W), down = (int32_t)W;
            /* branch-free (selects, not jumps) so the compiler vectorises it; v != v is NaN */
            for (int64_t j = 0; j < Wo; j++) {
                float a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
                int32_t at = base + 2 * (int32_t)j;
                float m = a;
                int32_t k = at;
                int tb = b > m || b != b;
                m = tb ? b : m;
                k = tb ? at + 1 : k;
                int tc = c > m || c != c;
                m = tc ? c : m;
                k = tc ? at + down : k;
                int td = d > m || d != d;
                m = td ? d : m;
                k = td ? at + down + 1 : k;
                yr[j] = m;
                ir[j] = k;
            }
        }
    }
}

/* Output rows up to this long are pooled a row at a time (stack buffers). */
#define MAX_ROW_OUT 4096

static void maxpool_planes(void *ctx, int64_t begin, int64_t end, int worker)
{
    const planes_args *a = ctx;
    const int64_t H = a->H, W = a->W, Ho = a->Ho, Wo = a->Wo;
    const wk_pool_opts *o = a->pool;
    const int kH = o->kernel[0], kW = o->kernel[1], sH = o->stride[0], sW = o->stride[1];
    const int pH = o->padding[0], pW = o->padding[1], dH = o->dilation[0], dW = o->dilation[1];
    const float *x = a->x;
    float *y = a->y;
    int32_t *indices = a->indices;
    if (Wo >= 8 && Wo <= MAX_ROW_OUT) {   /* narrower rows: the loop setup costs more */
        /* A whole output row at a time: for each window row h and column offset q in the
         * order the scalar loop below visits them, one pass over the outputs j (which the
         * compiler vectorises), so each output still sees its candidates in row-major
         * order and keeps the same winner (the first maximum; the last NaN). */
        float m[MAX_ROW_OUT];
        int32_t best[MAX_ROW_OUT];
        for (int64_t pl = begin; pl < end; pl++) {
            const float *xp = x + pl * H * W;
            for (int64_t i = 0; i < Ho; i++) {
                int64_t h0 = i * sH - pH, h1 = h0 + (int64_t)(kH - 1) * dH + 1;
                if (h1 > H) h1 = H;
                while (h0 < 0) h0 += dH;
                for (int64_t j = 0; j < Wo; j++) {   /* the scalar loop's start: its first tap */
                    int64_t w0 = j * sW - pW;
                    while (w0 < 0) w0 += dW;
                    m[j] = -INFINITY;
                    best[j] = (int32_t)(h0 * W + w0);
                }
                for (int64_t h = h0; h < h1; h += dH) {
                    const float *row = xp + h * W;
                    for (int q = 0; q < kW; q++) {
                        const int64_t off = (int64_t)q * dW - pW;   /* column j*sW + off */
                        int64_t jlo = off < 0 ? (-off + sW - 1) / sW : 0, jhi = Wo;
                        if ((jhi - 1) * sW + off >= W) jhi = W - 1 - off < 0 ? 0 : (W - 1 - off) / sW + 1;
                        const int32_t base = (int32_t)(h * W + off);
                        for (int64_t j = jlo; j < jhi; j++) {
                            float v = row[j * sW + off];
                            int take = v > m[j] || v != v;
                            m[j] = take ? v : m[j];
                            best[j] = take ? base + (int32_t)(j * sW) : best[j];
                        }
                    }
                }
                memcpy(y + (pl * Ho + i) * Wo, m, (size_t)Wo * sizeof *m);
                memcpy(indices + (pl * Ho + i) * Wo, best, (size_t)Wo * sizeof *best);
            }
        }
        return;
    }
    for (int64_t pl = begin; pl < end; pl++) {
        const float *xp = x + pl * H * W;
        for (int64_t i = 0; i < Ho; i++) {
            int64_t h0 = i * sH - pH, h1 = h0 + (int64_t)(kH - 1) * dH + 1;
            if (h1 > H) h1 = H;
            while (h0 < 0) h0 += dH;
            for (int64_t j = 0; j < Wo; j++) {
                int64_t w0 = j * sW - pW, w1 = w0 + (int64_t)(kW - 1) * dW + 1;
                if (w1 > W) w1 = W;
                while (w0 < 0) w0 += dW;
                int64_t best = h0 * W + w0;
                float m = -INFINITY;
                for (int64_t h = h0; h < h1; h += dH)
                    for (int64_t w = w0; w < w1; w += dW) {
                        float v = xp[h * W + w];
                        if (v > m || isnan(v)) {   /* PyTorch's rule: the last NaN wins */
                            m = v;
                            best = h * W + w;
                        }
                    }
                y[(pl * Ho + i) * Wo + j] = m;
                indices[(pl * Ho + i) * Wo + j] = (int32_t)best;
            }
        }
    }
}

int wk_maxpool2d_forward(wk_tensor *output, int32_t *indices, const wk_tensor *input, const wk_pool_opts *o)
{
    const char *fn = "maxpool2d";
    int64_t os[4];
    if (check4(fn, "input", input) || pool_shape(fn, os, input->shape, o, 1)) return WK_ERR;
    if (input->shape[2] * input->shape[3] > INT32_MAX)
        return wk_fail("%s: planes of more than 2^31 pixels cannot be indexed", fn);
    if (!indices) return wk_fail("%s: indices buffer is NULL (numel(output) int32 entries)", fn);
    if (prepare_output(fn, output, os)) return WK_ERR;
    const int64_t planes = os[0] * os[1];
    planes_args a = {.x = wk_tensor_data(input), .y = wk_tensor_data(output), .indices = indices,
                     .H = input->shape[2], .W = input->shape[3], .Ho = os[2], .Wo = os[3], .pool = o};
    double outs = (double)os[2] * os[3];
    if (o->kernel[0] == 2 && o->kernel[1] == 2 && o->stride[0] == 2 && o->stride[1] == 2 && o->padding[0] == 0 &&
        o->padding[1] == 0 && o->dilation[0] == 1 && o->dilation[1] == 1)
        wk_parallel_for(planes, plane_grain(planes, outs * 4), maxpool2x2_planes, &a);
    else
        wk_parallel_for(planes, plane_grain(planes, outs * o->kernel[0] * o->kernel[1]), maxpool_planes, &a);
    return WK_OK;
}

static void maxpool_backward_planes(void *ctx, int64_t begin, int64_t end, int worker)
{
    const planes_args *a = ctx;
    const int64_t HW = a->H * a->W, HWo = a->Ho * a->Wo;
    float *gx = a->x;
    const float *gy = a->y;
    const int32_t *indices = a->indices;
    for (int64_t pl = begin; pl < end; pl++) {
        float *g = gx + pl * HW;
        const int32_t *ix = indices + pl * HWo;
        const float *d = gy + pl * HWo;
        for (int64_t k = 0; k < HWo; k++)
            if (ix[k] >= 0 && ix[k] < HW) g[ix[k]] += d[k];
    }
}

int wk_maxpool2d_backward(wk_tensor *grad_input, const wk_tensor *grad_output, const int32_t *indices,
                          const wk_pool_opts *o)
{
    const char *fn = "maxpool2d backward";
    int64_t os[4];
    if (check4(fn, "grad_input", grad_input) || pool_shape(fn, os, grad_input->shape, o, 1) ||
        check_grad_output(fn, grad_output, os))
        return WK_ERR;
    if (!indices) return wk_fail("%s: indices buffer is NULL", fn);
    const int64_t planes = os[0] * os[1];
    planes_args a = {.x = wk_tensor_data(grad_input), .y = wk_tensor_data(grad_output), .indices = (int32_t *)indices,
                     .H = grad_input->shape[2], .W = grad_input->shape[3], .Ho = os[2], .Wo = os[3], .pool = o};
    wk_parallel_for(planes, plane_grain(planes, (double)os[2] * os[3]), maxpool_backward_planes, &a);
    return WK_OK;
}

/* ---- average pooling ----------------------------------------------------------- */

/* The window of output (i, j), clipped to the image, and its divisor. Returns 0 for
 * a window with nothing inside the image. */
static int avg_window(int64_t *h0, int64_t *h1, int64_t *w0, int64_t *w1, float *div, int64_t i, int64_t j,
                      int64_t H, int64_t W, const wk_pool_opts *o)
{
    int64_t a = i * o->stride[0] - o->padding[0], b = j * o->stride[1] - o->padding[1];
    int64_t ae = a + o->kernel[0], be = b + o->kernel[1];
    if (ae > H + o->padding[0]) ae = H + o->padding[0];
    if (be > W + o->padding[1]) be = W + o->padding[1];
    int64_t pool = (ae - a) * (be - b);
    if (a < 0) a = 0;
    if (b < 0) b = 0;
    if (ae > H) ae = H;
    if (be > W) be = W;
    *h0 = a; *h1 = ae; *w0 = b; *w1 = be;
    if (a >= ae || b >= be) return 0;
    *div = (float)(o->count_include_pad ? pool : (ae - a) * (be - b));
    return 1;
}

/* Along one axis, what output i's window counts toward its divisor (avg_window's rule:
 * the window clipped to the padded image, or to the image), 0 when it covers no input. */
static int64_t avg_count(int64_t i, int64_t n, int k, int s, int p, int include_pad)
{
    int64_t a = i * s - p, ae = a + k;
    if (ae > n + p) ae = n + p;
    int64_t pool = ae - a;
    if (a < 0) a = 0;
    if (ae > n) ae = n;
    if (a >= ae) return 0;
    return include_pad ? pool : ae - a;
}

/* Rows of up to this many columns are summed a window of rows at a time first. */
#define AVG_ROW_MAX 2048
/* The forward's padded row and per-output sums live on the stack up to this size. */
#define AVG_SPAN_MAX 4096

static void avgpool_planes(void *ctx, int64_t begin, int64_t end, int worker)
{
    const planes_args *a = ctx;
    const int64_t H = a->H, W = a->W, Ho = a->Ho, Wo = a->Wo;
    const wk_pool_opts *o = a->pool;
    const float *x = a->x;
    float *y = a->y;
    const int kW = o->kernel[1], sW = o->stride[1], pW = o->padding[1];
    const int64_t span = (Wo - 1) * sW + kW > pW + W ? (Wo - 1) * sW + kW : pW + W;
    if (span <= AVG_SPAN_MAX && Wo <= AVG_SPAN_MAX) {
        /* Separable: each output row's window rows are added column-wise once (a
         * vectorised pass) into a zero-padded row, then each output sums kernel[1] of
         * those column sums, a pass per window column, and divides by its count — which
         * is (rows counted) x (columns counted) either way count_include_pad goes. */
        float padded[AVG_SPAN_MAX], acc[AVG_SPAN_MAX];
        int32_t cols[AVG_SPAN_MAX];
        for (int64_t j = 0; j < Wo; j++) cols[j] = (int32_t)avg_count(j, W, kW, sW, pW, o->count_include_pad);
        memset(padded, 0, (size_t)span * sizeof *padded);
        float *colsum = padded + pW;
        for (int64_t pl = begin; pl < end; pl++) {
            const float *xp = x + pl * H * W;
            for (int64_t i = 0; i < Ho; i++) {
                float *yr = y + (pl * Ho + i) * Wo;
                const int64_t rows = avg_count(i, H, o->kernel[0], o->stride[0], o->padding[0], o->count_include_pad);
                int64_t h0 = i * o->stride[0] - o->padding[0], h1 = h0 + o->kernel[0];
                if (h0 < 0) h0 = 0;
                if (h1 > H) h1 = H;
                if (h0 >= h1) {
                    memset(yr, 0, (size_t)Wo * sizeof *yr);
                    continue;
                }
                memcpy(colsum, xp + h0 * W, (size_t)W * sizeof *colsum);
                for (int64_t h = h0 + 1; h < h1; h++) {
                    const float *xr = xp + h * W;
                    for (int64_t w = 0; w < W; w++) colsum[w] += xr[w];
                }
                for (int64_t j = 0; j < Wo; j++) acc[j] = 0.0f;
                for (int q = 0; q < kW; q++) {
                    const float *from = padded + q;
                    if (sW == 1)
                        for (int64_t j = 0; j < Wo; j++) acc[j] += from[j];
                    else
                        for (int64_t j = 0; j < Wo; j++) acc[j] += from[j * sW];
                }
                for (int64_t j = 0; j < Wo; j++) yr[j] = cols[j] ? acc[j] / (float)(rows * cols[j]) : 0.0f;
            }
        }
        return;
    }
    for (int64_t pl = begin; pl < end; pl++) {
        const float *xp = x + pl * H * W;
        for (int64_t i = 0; i < Ho; i++)
            for (int64_t j = 0; j < Wo; j++) {
                int64_t h0, h1, w0, w1;
                float div, s = 0.0f;
                if (avg_window(&h0, &h1, &w0, &w1, &div, i, j, H, W, o)) {
                    for (int64_t h = h0; h < h1; h++)
                        for (int64_t w = w0; w < w1; w++) s += xp[h * W + w];
                    s /= div;
                }
                y[(pl * Ho + i) * Wo + j] = s;
            }
    }
}

int wk_avgpool2d_forward(wk_tensor *output, const wk_tensor *input, const wk_pool_opts *o)
{
    const char *fn = "avgpool2d";
    int64_t os[4];
    if (check4(fn, "input", input) || pool_shape(fn, os, input->shape, o, 0) ||
        prepare_output(fn, output, os))
        return WK_ERR;
    const int64_t planes = os[0] * os[1];
    planes_args a = {.x = wk_tensor_data(input), .y = wk_tensor_data(output), .H = input->shape[2],
                     .W = input->shape[3], .Ho = os[2], .Wo = os[3], .pool = o};
    double cost = (double)os[2] * os[3] * o->kernel[0] * o->kernel[1];
    wk_parallel_for(planes, plane_grain(planes, cost), avgpool_planes, &a);
    return WK_OK;
}

static void avgpool_backward_planes(void *ctx, int64_t begin, int64_t end, int worker)
{
    const planes_args *a = ctx;
    const int64_t H = a->H, W = a->W, Ho = a->Ho, Wo = a->Wo;
    const wk_pool_opts *o = a->pool;
    float *gx = a->x;
    const float *gy = a->y;
    if (W <= AVG_ROW_MAX) {
        /* The adjoint of the forward's two passes: an output row's share of each column
         * is gathered once, then added to every row of its window (a vectorised pass). */
        float share[AVG_ROW_MAX];
        for (int64_t pl = begin; pl < end; pl++) {
            float *g = gx + pl * H * W;
            for (int64_t i = 0; i < Ho; i++) {
                int64_t h0, h1, w0, w1, r0, r1;
                float div;
                avg_window(&r0, &r1, &w0, &w1, &div, i, 0, H, W, o);
                if (r0 >= r1) continue;
                memset(share, 0, (size_t)W * sizeof *share);
                for (int64_t j = 0; j < Wo; j++) {
                    if (!avg_window(&h0, &h1, &w0, &w1, &div, i, j, H, W, o)) continue;
                    float d = gy[(pl * Ho + i) * Wo + j] / div;
                    for (int64_t w = w0; w < w1; w++) share[w] += d;
                }
                for (int64_t h = r0; h < r1; h++) {
                    float *gr = g + h * W;
                    for (int64_t w = 0; w < W; w++) gr[w] += share[w];
                }
            }
        }
        return;
    }
    for (int64_t pl = begin; pl < end; pl++) {
        float *g = gx + pl * H * W;
        for (int64_t i = 0; i < Ho; i++)
            for (int64_t j = 0; j < Wo; j++) {
                int64_t h0, h1, w0, w1;
                float div;
                if (!avg_window(&h0, &h1, &w0, &w1, &div, i, j, H, W, o)) continue;
                float d = gy[(pl * Ho + i) * Wo + j] / div;
                for (int64_t h = h0; h < h1; h++)
                    for (int64_t w = w0; w < w1; w++) g[h * W + w] += d;
            }
    }
}

int wk_avgpool2d_backward(wk_tensor *grad_input, const wk_tensor *grad_output, const wk_pool_opts *o)
{
    const char *fn = "avgpool2d backward";
    int64_t os[4];
    if (check4(fn, "grad_input", grad_input) || pool_shape(fn, os, grad_input->shape, o, 0) ||
        check_grad_output(fn, grad_output, os))
        return WK_ERR;
    const int64_t planes = os[0] * os[1];
    planes_args a = {.x = wk_tensor_data(grad_input), .y = wk_tensor_data(grad_output), .H = grad_input->shape[2],
                     .W = grad_input->shape[3], .Ho = os[2], .Wo = os[3], .pool = o};
    double cost = (double)os[2] * os[3] * o->kernel[0] * o->kernel[1];
    wk_parallel_for(planes, plane_grain(planes, cost), avgpool_backward_planes, &a);
    return WK_OK;
}

/* ---- adaptive average pooling -------------------------------------------------- */

static int64_t ad_start(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
static int64_t ad_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

static int adaptive_check(const char *fn, const int64_t in[4], int64_t oh, int64_t ow)
{
    char s[96];
    if (oh < 1 || ow < 1)
        return wk_fail("%s: output size must be >= 1, got %lldx%lld", fn, (long long)oh, (long long)ow);
    if (in[2] < 1 || in[3] < 1)
        return wk_fail("%s: input %s has an empty plane", fn, wk_shape_str(s, sizeof s, 4, in));
    /* the window bounds multiply an output index by an input size in int64 */
    if ((double)oh * (double)in[2] > 0x1p62 || (double)ow * (double)in[3] > 0x1p62)
        return wk_fail("%s: output size %lldx%lld is too large for input %s", fn, (long long)oh, (long long)ow,
                       wk_shape_str(s, sizeof s, 4, in));
    return WK_OK;
}

static void adaptive_avgpool_planes(void *ctx, int64_t begin, int64_t end, int worker)
{
    const planes_args *a = ctx;
    const int64_t H = a->H, W = a->W, out_h = a->Ho, out_w = a->Wo;
    const float *x = a->x;
    float *y = a->y;
    for (int64_t pl = begin; pl < end; pl++) {
        const float *xp = x + pl * H * W;
        for (int64_t i = 0; i < out_h; i++) {
            int64_t h0 = ad_start(i, H, out_h), h1 = ad_end(i, H, out_h);
            for (int64_t j = 0; j < out_w; j++) {
                int64_t w0 = ad_start(j, W, out_w), w1 = ad_end(j, W, out_w);
                float s = 0.0f;
                for (int64_t h = h0; h < h1; h++)
                    for (int64_t w = w0; w < w1; w++) s += xp[h * W + w];
                y[(pl * out_h + i) * out_w + j] = s / (float)((h1 - h0) * (w1 - w0));
            }
        }
    }
}

int wk_adaptive_avgpool2d_forward(wk_tensor *output, const wk_tensor *input, int64_t out_h, int64_t out_w)
{
    const char *fn = "adaptive_avgpool2d";
    if (check4(fn, "input", input) || adaptive_check(fn, input->shape, out_h, out_w)) return WK_ERR;
    int64_t os[4] = {input->shape[0], input->shape[1], out_h, out_w};
    if (prepare_output(fn, output, os)) return WK_ERR;
    const int64_t H = input->shape[2], W = input->shape[3], planes = os[0] * os[1];
    planes_args a = {.x = wk_tensor_data(input), .y = wk_tensor_data(output), .H = H, .W = W, .Ho = out_h,
                     .Wo = out_w};
    wk_parallel_for(planes, plane_grain(planes, (double)H * W), adaptive_avgpool_planes, &a);
    return WK_OK;
}

static void adaptive_avgpool_backward_planes(void *ctx, int64_t begin, int64_t end, int worker)
{
    const planes_args *a = ctx;
    const int64_t H = a->H, W = a->W, oh = a->Ho, ow = a->Wo;
    float *gx = a->x;
    const float *gy = a->y;
    for (int64_t pl = begin; pl < end; pl++) {
        float *g = gx + pl * H * W;
        for (int64_t i = 0; i < oh; i++) {
            int64_t h0 = ad_start(i, H, oh), h1 = ad_end(i, H, oh);
            for (int64_t j = 0; j < ow; j++) {
                int64_t w0 = ad_start(j, W, ow), w1 = ad_end(j, W, ow);
                float d = gy[(pl * oh + i) * ow + j] / (float)((h1 - h0) * (w1 - w0));
                for (int64_t h = h0; h < h1; h++)
                    for (int64_t w = w0; w < w1; w++) g[h * W + w] += d;
            }
        }
    }
}

int wk_adaptive_avgpool2d_backward(wk_tensor *grad_input, const wk_tensor *grad_output)
{
    const char *fn = "adaptive_avgpool2d backward";
    if (check4(fn, "grad_input", grad_input) || check4(fn, "grad_output", grad_output)) return WK_ERR;
    int64_t oh = grad_output->shape[2], ow = grad_output->shape[3];
    int64_t os[4] = {grad_input->shape[0], grad_input->shape[1], oh, ow};
    if (adaptive_check(fn, grad_input->shape, oh, ow) || check_grad_output(fn, grad_output, os)) return WK_ERR;
    const int64_t H = grad_input->shape[2], W = grad_input->shape[3], planes = os[0] * os[1];
    planes_args a = {.x = wk_tensor_data(grad_input), .y = wk_tensor_data(grad_output), .H = H, .W = W, .Ho = oh,
                     .Wo = ow};
    wk_parallel_for(planes, plane_grain(planes, (double)H * W), adaptive_avgpool_backward_planes, &a);
    return WK_OK;
}

/* ---- upsampling ---------------------------------------------------------------- */

int wk_upsample2d_output_shape(int64_t out[4], const int64_t in[4], const wk_upsample_opts *o)
{
    const char *fn = "upsample";
    char s[96];
    if (!o) return wk_fail("%s: options are missing", fn);
    if (o->mode != WK_UPSAMPLE_NEAREST && o->mode != WK_UPSAMPLE_BILINEAR)
        return wk_fail("%s: mode must be nearest or bilinear, got %d", fn, o->mode);
    out[0] = in[0];
    out[1] = in[1];
    for (int i = 0; i < 2; i++) {
        if (o->size[i] < 0 || !(o->scale[i] >= 0 && o->scale[i] <= 0x1p40))   /* NaN and inf fail too */
            return wk_fail("%s: size and scale must be positive and finite", fn);
        if (o->size[i] == 0 && o->scale[i] == 0)
            return wk_fail("%s: give an output size or a scale factor", fn);
        double want = o->size[i] ? (double)o->size[i] : floor((double)in[2 + i] * o->scale[i]);
        if (want > (double)WK_MAX_NUMEL)   /* checked before the cast, which would be undefined */
            return wk_fail("%s: input %s with scale %g gives an output of %.3g rows", fn,
                           wk_shape_str(s, sizeof s, 4, in), o->scale[i], want);
        out[2 + i] = (int64_t)want;
        if (out[2 + i] < 1 || in[2 + i] < 1)
            return wk_fail("%s: input %s would give an empty output (%lldx%lld)", fn,
                           wk_shape_str(s, sizeof s, 4, in), (long long)out[2], (long long)out[3]);
    }
    return WK_OK;
}

/* The ratio input/output coordinates are mapped by (PyTorch's compute_scales_value). */
static float up_ratio(int64_t in, int64_t out, double scale)
{
    return scale > 0 ? (float)(1.0 / scale) : (float)in / (float)out;
}

/* Nearest source index (PyTorch's nearest_idx). */
static int64_t near_idx(int64_t i, int64_t in, int64_t out, float r)
{
    if (out == in) return i;
    if (out == 2 * in) return i >> 1;
    int64_t s = (int64_t)floorf((float)i * r);
    return s < in - 1 ? s : in - 1;
}

/* Bilinear source: lower index, step to the upper one (0 or 1), and the upper weight. */
static void lin_idx(int64_t i, int64_t in, float r, int64_t *i0, int64_t *step, float *lam)
{
    float src = r * ((float)i + 0.5f) - 0.5f;
    if (src < 0) src = 0;
    *i0 = (int64_t)src;
    if (*i0 > in - 1) *i0 = in - 1;
    *step = *i0 < in - 1 ? 1 : 0;
    *lam = src - (float)*i0;
}

/* Planes [begin, end): forward y = upsample(x); backward x += upsample^T(y). */
static inline __attribute__((always_inline)) void upsample_run(const planes_args *p, int64_t begin, int64_t end,
                                                               int backward)
{
    const int64_t H = p->H, W = p->W, Ho = p->Ho, Wo = p->Wo;
    const float rh = p->rh, rw = p->rw;
    const int nearest = p->up->mode == WK_UPSAMPLE_NEAREST;
    float *x = p->x, *y = p->y;
    for (int64_t pl = begin; pl < end; pl++) {
        float *xp = x + pl * H * W, *yp = y + pl * Ho * Wo;
        for (int64_t i = 0; i < Ho; i++) {
            if (nearest) {
                float *xr = xp + near_idx(i, H, Ho, rh) * W;
                for (int64_t j = 0; j < Wo; j++) {
                    int64_t sj = near_idx(j, W, Wo, rw);
                    if (backward) xr[sj] += yp[i * Wo + j];
                    else yp[i * Wo + j] = xr[sj];
                }
            } else {
                int64_t h0, hs, w0, ws;
                float lh, lw;
                lin_idx(i, H, rh, &h0, &hs, &lh);
                float *r0 = xp + h0 * W, *r1 = r0 + hs * W;
                for (int64_t j = 0; j < Wo; j++) {
                    lin_idx(j, W, rw, &w0, &ws, &lw);
                    float a = (1 - lh) * (1 - lw), b = (1 - lh) * lw, c = lh * (1 - lw), d = lh * lw;
                    if (backward) {
                        float g = yp[i * Wo + j];
                        r0[w0] += a * g;
                        r0[w0 + ws] += b * g;
                        r1[w0] += c * g;
                        r1[w0 + ws] += d * g;
                    } else {
                        yp[i * Wo + j] = (1 - lh) * ((1 - lw) * r0[w0] + lw * r0[w0 + ws]) +
                                         lh * ((1 - lw) * r1[w0] + lw * r1[w0 + ws]);
                    }
                }
            }
        }
    }
}

static void upsample_planes(void *ctx, int64_t begin, int64_t end, int worker)
{
    upsample_run(ctx, begin, end, 0);
}

static void upsample_backward_planes(void *ctx, int64_t begin, int64_t end, int worker)
{
    upsample_run(ctx, begin, end, 1);
}

/* x (planes, H, W), y (planes, Ho, Wo): forward y = upsample(x), backward x += upsample^T(y). */
static void upsample_all(float *x, float *y, int64_t planes, int64_t H, int64_t W, int64_t Ho, int64_t Wo,
                         const wk_upsample_opts *o, int backward)
{
    planes_args a = {.x = x, .y = y, .H = H, .W = W, .Ho = Ho, .Wo = Wo, .up = o,
                     .rh = up_ratio(H, Ho, o->scale[0]), .rw = up_ratio(W, Wo, o->scale[1])};
    wk_parallel_for(planes, plane_grain(planes, (double)Ho * Wo), backward ? upsample_backward_planes : upsample_planes,
                    &a);
}

int wk_upsample2d_forward(wk_tensor *output, const wk_tensor *input, const wk_upsample_opts *o)
{
    const char *fn = "upsample";
    int64_t os[4];
    if (check4(fn, "input", input) || wk_upsample2d_output_shape(os, input->shape, o) ||
        prepare_output(fn, output, os))
        return WK_ERR;
    upsample_all(wk_tensor_data(input), wk_tensor_data(output), os[0] * os[1], input->shape[2],
                 input->shape[3], os[2], os[3], o, 0);
    return WK_OK;
}

int wk_upsample2d_backward(wk_tensor *grad_input, const wk_tensor *grad_output, const wk_upsample_opts *o)
{
    const char *fn = "upsample backward";
    int64_t os[4];
    if (check4(fn, "grad_input", grad_input) || wk_upsample2d_output_shape(os, grad_input->shape, o) ||
        check_grad_output(fn, grad_output, os))
        return WK_ERR;
    upsample_all(wk_tensor_data(grad_input), wk_tensor_data(grad_output), os[0] * os[1],
                 grad_input->shape[2], grad_input->shape[3], os[2], os[3], o, 1);
    return WK_OK;
}
