/* conv.c — conv2d and conv_transpose2d, forward and backward: the shape checks and the
 * choice of path.
 *
 * 3x3 stride-1 convolutions with 16 or more channels each way go to Winograd's
 * F(4x4, 3x3) (winograd.c): forward, input gradient (its adjoint) and weight gradient;
 * 4x4 stride-2 ones (a DCGAN's), and conv_transpose2d's of that shape, to F(2x2, 2x2)
 * over the input's four phases (winograd_s2.c), when their outputs are big and even
 * enough. Everything else runs on the im2col + GEMM engine (conv_engine.c). Both
 * convolutions are three GEMM-shaped operations on one geometry (im2col.h). Call the big
 * NCHW side of a conv2d the "image" (N, Ci, H, W) and its output the "column side"
 * (N, Co, Ho, Wo); with the weight w (Co, Ci/G, kH, kW) seen per group as a (Co/G, K)
 * matrix, K = Ci/G*kH*kW:
 *   FWD    col  = w . im2col(img)          conv2d forward,   conv_transpose2d grad input
 *   DATA   img += col2im(w^T . col)        conv2d grad input, conv_transpose2d forward
 *   WGRAD  gw  += col . im2col(img)^T      the weight gradient of both
 * With stride 1, DATA is usually run as FWD of a conv with the kernel flipped (see "the
 * input gradient as a forward conv"), a gather instead of a scatter; not for small
 * unpadded images, nor when there are many more output than input channels (flip_geom
 * says why). Every path gives the same bits on any thread count. Measured on the project
 * VM (2 Zen 3 cores, OpenBLAS 0.3.21 Zen kernels, PyTorch 1.13 oneDNN in the same run,
 * load about 1; tests/bench/bench_conv.sh, fastest call of 3 s; fwd+bwd ms per call):
 *
 *                              1 thread                    2 threads
 *                       torch  wick  (im2col only)  torch  wick  (im2col only)
 *   vgg64 1x64x224² 64->64  199   76.4   (160)        86.7   50.3   (88)
 *   vgg3  1x3x224² 3->64    9.1   7.6    (7.6)         4.3    4.2   (3.9)
 *   cnn1  64x1x28² 1->32    5.4   2.3    (2.4)         5.1    1.1   (1.3)
 *   cnn2  64x32x13² 32->64 14.9  10.9    (20.2)       10.0    7.4   (11.2) */
#include "conv.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "../core/limits.h"
#include "../core/threads.h"
#include "conv_engine.h"
#include "im2col.h"
#include "winograd.h"
#include "winograd_s2.h"

typedef wk_conv_geom geom;   /* the short names inside this file (im2col.h, conv_engine.h) */
typedef wk_conv_io io;
enum { OP_FWD = WK_CONV_FWD, OP_DATA = WK_CONV_DATA, OP_WGRAD = WK_CONV_WGRAD };

static size_t round16(int64_t n) { return ((size_t)n + 15) & ~(size_t)15; }

/* ---- the input gradient as a forward conv (stride 1) ---------------------------

   With stride 1, DATA (img += col2im(w^T . col)) is itself a conv2d of the column side
   with the kernel flipped, the channel roles swapped and padding (k-1)*d - p:
     dx[n, g*Cig + c, a, b] = sum_{o,p,q} wf[g*Cig + c, o, p, q] * dy[n, g*Cog + o, a - p' + p*dh, b - q' + q*dw]
     wf[g*Cig + c, o, p, q] = w[g*Cog + o, c, kH-1-p, kW-1-q]
   That trades GEMM (K x P, inner size Cog) + a col2im scatter for im2col + a GEMM of
   the forward's better shape (inner size K), and needs no zeroing of the columns. */

/* f = the flipped geometry of g; 0 when it does not apply (stride > 1, big padding)
 * or does not pay. */
static int flip_geom(geom *f, const geom *g)
{
    /* unpadded convs of small images: the flipped conv's columns would be much bigger
     * (11x11 -> 13x13 is 1.4x) and GEMM + col2im measured faster (19 vs 23 ms) */
    if ((double)g->HW > 1.15 * (double)g->HWo) return 0;
    /* many more outputs than inputs: the flipped conv's columns (Co·k² a pixel) dwarf
     * the direct path's (Ci·k²); 3 -> 128 channels through 23x23 random filters took
     * 11 s a backward pass flipped, 0.4 s by GEMM + col2im */
    if (g->Co > 4 * g->Ci) return 0;
    int64_t ph = (g->kH - 1) * g->dH - g->pH, pw = (g->kW - 1) * g->dW - g->pW;
    if (g->sH != 1 || g->sW != 1 || ph < 0 || pw < 0) return 0;
    *f = *g;
    f->Ci = g->Co; f->H = g->Ho; f->W = g->Wo;
    f->Co = g->Ci; f->Ho = g->H; f->Wo = g->W;
    f->pH = ph; f->pW = pw;
    wk_conv_geom_finish(f);
    return 1;
}

/* ---- Winograd for 3x3 stride 1 (winograd.c) -------------------------------------- */

/* The Winograd geometry of g, when F(4x4, 3x3) applies to it. */
static int wino_geom(wk_wino_geom *wg, const geom *g)
{
#ifdef WK_CONV_NO_WINOGRAD   /* benchmarks build with it to compare the two paths */
    return 0;
#endif
    if (g->kH != 3 || g->kW != 3 || g->sH != 1 || g->sW != 1 || g->dH != 1 || g->dW != 1 || g->G != 1) return 0;
    *wg = (wk_wino_geom){g->N, g->Ci, g->H, g->W, g->Co, g->Ho, g->Wo, g->pH, g->pW};
    return wk_winograd_applies(wg);
}

/* The F(2x2, 2x2) geometry of g, when that path (4x4 stride 2, winograd_s2.c) applies. */
static int wino_s2_geom(wk_wino_geom *wg, const geom *g)
{
#ifdef WK_CONV_NO_WINOGRAD
    return 0;
#endif
    if (g->kH != 4 || g->kW != 4 || g->sH != 2 || g->sW != 2 || g->dH != 1 || g->dW != 1 || g->G != 1) return 0;
    *wg = (wk_wino_geom){g->N, g->Ci, g->H, g->W, g->Co, g->Ho, g->Wo, g->pH, g->pW};
    return wk_wino_s2_applies(wg);
}

/* Floats of workspace for one pass of g, OP_FWD (col_out = conv(img_in)), OP_WGRAD or
 * OP_DATA (img_out += the adjoint), by whichever path path_run takes. */
static size_t path_floats(const geom *g, int op)
{
    wk_wino_geom wg;
    if (op != OP_DATA && wino_geom(&wg, g)) return wk_winograd_floats(&wg, op == OP_WGRAD);
    if (wino_s2_geom(&wg, g)) return wk_wino_s2_floats(&wg, op == OP_WGRAD);
    return wk_conv_engine_floats(g, op);
}

static void path_run(const geom *g, const io *x, int op, float *buf)
{
    wk_wino_geom wg;
    if (wk_conv_engine_empty(g)) return;
    if (op != OP_DATA && wino_geom(&wg, g)) {
        if (op == OP_FWD) wk_winograd_forward(x->col_out, x->img_in, x->w, x->bias, x->col_accumulate, &wg, buf);
        else wk_winograd_wgrad(x->gw, x->col_in, x->img_in, &wg, buf);
    } else if (wino_s2_geom(&wg, g)) {
        if (op == OP_FWD) wk_wino_s2_forward(x->col_out, x->img_in, x->w, x->bias, x->col_accumulate, &wg, buf);
        else if (op == OP_WGRAD) wk_wino_s2_wgrad(x->gw, x->col_in, x->img_in, &wg, buf);
        else wk_wino_s2_data(x->img_out, x->col_in, x->w, &wg, buf);
    } else {
        wk_conv_engine_run(g, x, op, buf);
    }
}

/* wf (Ci, Cog, kH, kW) from w (Co, Cig, kH, kW) as above. */
static void flip_weight(float *wf, const float *w, const geom *g)
{
    const int64_t kk = g->kH * g->kW;
    for (int64_t grp = 0; grp < g->G; grp++)
        for (int64_t o = 0; o < g->Cog; o++)
            for (int64_t c = 0; c < g->Cig; c++) {
                const float *src = w + ((grp * g->Cog + o) * g->Cig + c) * kk;
                float *dst = wf + ((grp * g->Cig + c) * g->Cog + o) * kk;
                for (int64_t k = 0; k < kk; k++) dst[k] = src[kk - 1 - k];
            }
}

/* ---- per-channel sums and bias ------------------------------------------------- */

typedef struct plane_args {
    float *t;           /* (N, C, HW) */
    float *gb;          /* (C) */
    const float *src;   /* (N, C, HW) */
    const float *b;     /* (C) */
    int64_t N, C, HW;
} plane_args;

/* gb[c] += sum over n and the plane of src, for channels [c0, c1). */
static void channel_sum_range(void *ctx, int64_t c0, int64_t c1, int worker)
{
    const plane_args *a = ctx;
    for (int64_t c = c0; c < c1; c++) {
        double s = 0.0;
        for (int64_t n = 0; n < a->N; n++) {
            const float *p = a->src + (n * a->C + c) * a->HW;
            float acc[16] = {0};   /* 16 lanes, so the sum vectorises without -ffast-math */
            int64_t i = 0;
            for (; i + 16 <= a->HW; i += 16)
                for (int k = 0; k < 16; k++) acc[k] += p[i + k];
            float part = 0.0f;
            for (; i < a->HW; i++) part += p[i];
            for (int k = 0; k < 16; k++) part += acc[k];
            s += part;
        }
        a->gb[c] += (float)s;
    }
}

/* gb[c] += sum over n and the plane of t (N, C, HW); one chunk per run of channels. */
static void channel_sums(float *gb, const float *t, int64_t N, int64_t C, int64_t HW)
{
    plane_args a = {.gb = gb, .src = t, .N = N, .C = C, .HW = HW};
    wk_parallel_for(C, wk_parallel_grain(C, (double)(N * HW), 65536.0, 16), channel_sum_range, &a);
}

/* t (N*C planes of HW) += b[plane % C], for planes [p0, p1). */
static void bias_range(void *ctx, int64_t p0, int64_t p1, int worker)
{
    const plane_args *a = ctx;
    for (int64_t nc = p0; nc < p1; nc++) {
        float v = a->b[nc % a->C], *p = a->t + nc * a->HW;
        for (int64_t i = 0; i < a->HW; i++) p[i] += v;
    }
}

static void add_bias(float *t, const float *b, int64_t N, int64_t C, int64_t HW)
{
    plane_args a = {.t = t, .b = b, .N = N, .C = C, .HW = HW};
    wk_parallel_for(N * C, wk_parallel_grain(N * C, (double)HW, 65536.0, 16), bias_range, &a);
}

/* ---- argument checks ----------------------------------------------------------- */

static int check_tensor(const char *fn, const char *what, const wk_tensor *t, int ndim, const char *dims)
{
    char s[96];
    if (!t || !t->storage) return wk_fail("%s: %s is empty (expected a %d-D tensor %s)", fn, what, ndim, dims);
    if (t->ndim != ndim)
        return wk_fail("%s: %s must be %d-D %s, got %d-D %s", fn, what, ndim, dims, t->ndim,
                       wk_tensor_shape_str(t, s, sizeof s));
    if (!wk_tensor_is_contiguous(t))
        return wk_fail("%s: %s %s must be contiguous (copy it with :contiguous())", fn, what,
                       wk_tensor_shape_str(t, s, sizeof s));
    return WK_OK;
}

static int check_opts(const char *fn, const wk_conv_opts *o, int transposed)
{
    if (!o) return wk_fail("%s: options are missing", fn);
    for (int i = 0; i < 2; i++) {
        if (o->stride[i] < 1) return wk_fail("%s: stride must be >= 1, got %d", fn, o->stride[i]);
        if (o->padding[i] < 0) return wk_fail("%s: padding must be >= 0, got %d", fn, o->padding[i]);
        if (o->dilation[i] < 1) return wk_fail("%s: dilation must be >= 1, got %d", fn, o->dilation[i]);
        if (transposed) {
            int lim = o->stride[i] > o->dilation[i] ? o->stride[i] : o->dilation[i];
            if (o->output_padding[i] < 0 || o->output_padding[i] >= lim)
                return wk_fail("%s: output_padding must be in [0, max(stride, dilation)) = [0, %d), got %d",
                               fn, lim, o->output_padding[i]);
        }
    }
    if (o->groups < 1) return wk_fail("%s: groups must be >= 1, got %d", fn, o->groups);
    return WK_OK;
}

/* The output's shape: an empty output is allocated, a given one must match. */
static int prepare_output(const char *fn, wk_tensor *out, const int64_t shape[4])
{
    if (!out) return wk_fail("%s: output is NULL", fn);
    if (!out->storage) return wk_tensor_new(out, 4, shape);
    char a[96], b[96];
    int same = out->ndim == 4;
    for (int i = 0; same && i < 4; i++) same = out->shape[i] == shape[i];
    if (!same)
        return wk_fail("%s: output must be %s, got %s", fn, wk_shape_str(a, sizeof a, 4, shape),
                       wk_tensor_shape_str(out, b, sizeof b));
    if (!wk_tensor_is_contiguous(out)) return wk_fail("%s: output %s must be contiguous", fn, b);
    return WK_OK;
}

/* A gradient must be contiguous and have its variable's shape. */
static int check_grad(const char *fn, const char *what, const wk_tensor *gt, int ndim, const int64_t *shape)
{
    char a[96], b[96];
    if (!gt->storage) return wk_fail("%s: %s is empty (the caller allocates and zeroes it)", fn, what);
    int same = gt->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = gt->shape[i] == shape[i];
    if (!same)
        return wk_fail("%s: %s must be %s, got %s", fn, what, wk_shape_str(a, sizeof a, ndim, shape),
                       wk_tensor_shape_str(gt, b, sizeof b));
    if (!wk_tensor_is_contiguous(gt)) return wk_fail("%s: %s %s must be contiguous", fn, what, b);
    return WK_OK;
}

/* Shapes of a conv2d (transposed = 0) or conv_transpose2d (1): fills the geometry,
 * with the conv2d "image" side being the input of conv2d and the output of
 * conv_transpose2d. */
static int conv_shapes(geom *g, int64_t out_shape[4], const char *fn, const int64_t in[4],
                       const int64_t ws[4], const wk_conv_opts *o, int transposed)
{
    char a[96], b[96];
    if (check_opts(fn, o, transposed)) return WK_ERR;
    int64_t G = o->groups;
    for (int i = 0; i < 4; i++)
        if (in[i] < 0 || ws[i] < 0) return wk_fail("%s: negative size", fn);
    if (ws[2] < 1 || ws[3] < 1)
        return wk_fail("%s: weight %s has an empty kernel", fn, wk_shape_str(a, sizeof a, 4, ws));
    int64_t kH = ws[2], kW = ws[3];
    int64_t C_in, C_out;
    if (wk_mul_overflows(ws[1], G, transposed ? &C_out : &C_in))
        return wk_fail("%s: weight %s times groups %lld overflows", fn, wk_shape_str(a, sizeof a, 4, ws), (long long)G);
    if (!transposed) {
        C_out = ws[0];
        if (in[1] != C_in) {
            if (G == 1) return wk_fail("%s: input has %lld channels, weight expects %lld", fn, (long long)in[1], (long long)C_in);
            return wk_fail("%s: input has %lld channels, weight expects %lld (%lld groups of %lld)", fn,
                           (long long)in[1], (long long)C_in, (long long)G, (long long)ws[1]);
        }
        if (C_out % G)
            return wk_fail("%s: weight %s has %lld output channels, not divisible by groups %lld", fn,
                           wk_shape_str(a, sizeof a, 4, ws), (long long)C_out, (long long)G);
    } else {
        C_in = ws[0];
        if (in[1] != C_in)
            return wk_fail("%s: input has %lld channels, weight expects %lld", fn, (long long)in[1], (long long)C_in);
        if (C_in % G)
            return wk_fail("%s: weight %s has %lld input channels, not divisible by groups %lld", fn,
                           wk_shape_str(a, sizeof a, 4, ws), (long long)C_in, (long long)G);
    }
    /* The kernel's extent and a transposed output multiply sizes up to 2^40 by options
     * up to 2^31: bound them in double first, so the int64 arithmetic below cannot wrap. */
    for (int i = 0; i < 2; i++) {
        double ext = (double)o->dilation[i] * (double)(ws[2 + i] - 1) + 1;
        double span = transposed ? (double)(in[2 + i] - 1) * o->stride[i] + ext + o->output_padding[i] : 0;
        if (ext > (double)WK_MAX_NUMEL || span > (double)WK_MAX_NUMEL)
            return wk_fail("%s: a %lldx%lld kernel with dilation %d and stride %d gives an absurd output size for "
                           "input %s", fn, (long long)kH, (long long)kW, o->dilation[i], o->stride[i],
                           wk_shape_str(b, sizeof b, 4, in));
    }
    int64_t eh = (int64_t)o->dilation[0] * (kH - 1) + 1, ew = (int64_t)o->dilation[1] * (kW - 1) + 1;
    int64_t ph2 = 2 * (int64_t)o->padding[0], pw2 = 2 * (int64_t)o->padding[1];
    int64_t Ho, Wo;
    if (!transposed) {
        Ho = (in[2] + ph2 - eh) / o->stride[0] + 1;
        Wo = (in[3] + pw2 - ew) / o->stride[1] + 1;
        if (in[2] + ph2 < eh || in[3] + pw2 < ew)
            Ho = Wo = 0;
    } else {
        Ho = (in[2] - 1) * o->stride[0] - ph2 + eh + o->output_padding[0];
        Wo = (in[3] - 1) * o->stride[1] - pw2 + ew + o->output_padding[1];
    }
    if (Ho < 1 || Wo < 1)
        return wk_fail("%s: input %s is too small for a %lldx%lld kernel (stride %d, padding %d, dilation %d): "
                       "output would be %lldx%lld", fn, wk_shape_str(b, sizeof b, 4, in), (long long)kH,
                       (long long)kW, o->stride[0], o->padding[0], o->dilation[0], (long long)Ho, (long long)Wo);
    /* BLAS takes int sizes: a plane, a kernel column or a channel count beyond INT_MAX
     * would be truncated into a wrong (and out-of-bounds) GEMM. */
    if ((double)Ho * (double)Wo > INT_MAX || (double)in[2] * (double)in[3] > INT_MAX ||
        (double)ws[1] * (double)kH * (double)kW > INT_MAX || ws[0] > INT_MAX)
        return wk_fail("%s: input %s with weight %s is too large for BLAS (planes and kernels of at most 2^31 "
                       "values)", fn, wk_shape_str(b, sizeof b, 4, in), wk_shape_str(a, sizeof a, 4, ws));
    out_shape[0] = in[0];
    out_shape[1] = C_out;
    out_shape[2] = Ho;
    out_shape[3] = Wo;
    if (g) {
        memset(g, 0, sizeof *g);
        g->N = in[0];
        g->G = G;
        g->kH = kH; g->kW = kW;
        g->sH = o->stride[0]; g->sW = o->stride[1];
        g->pH = o->padding[0]; g->pW = o->padding[1];
        g->dH = o->dilation[0]; g->dW = o->dilation[1];
        if (!transposed) {   /* image = input, column side = output */
            g->Ci = in[1]; g->H = in[2]; g->W = in[3];
            g->Co = C_out; g->Ho = Ho; g->Wo = Wo;
        } else {             /* image = output, column side = input */
            g->Ci = C_out; g->H = Ho; g->W = Wo;
            g->Co = C_in; g->Ho = in[2]; g->Wo = in[3];
        }
        wk_conv_geom_finish(g);
    }
    return WK_OK;
}

static int check_bias(const char *fn, const char *what, const wk_tensor *b, int64_t C)
{
    char s[96];
    if (!b) return WK_OK;
    if (check_tensor(fn, what, b, 1, "(C_out)")) return WK_ERR;
    if (b->shape[0] != C)
        return wk_fail("%s: %s must have %lld entries (one per output channel), got %s", fn, what,
                       (long long)C, wk_tensor_shape_str(b, s, sizeof s));
    return WK_OK;
}

/* ---- conv2d -------------------------------------------------------------------- */

int wk_conv2d_output_shape(int64_t out_shape[4], const int64_t in_shape[4], const int64_t w_shape[4],
                           const wk_conv_opts *o)
{
    return conv_shapes(NULL, out_shape, "conv2d", in_shape, w_shape, o, 0);
}

/* The checks every entry point makes first: tensor ranks, then the geometry (g) and the
 * output shape. transposed picks the weight layout. */
static int check_operands(geom *g, int64_t oshape[4], const char *fn, int transposed, const wk_tensor *input,
                          const wk_tensor *weight, const wk_conv_opts *o)
{
    const char *w_layout = transposed ? "(C_in,C_out/groups,kH,kW)" : "(C_out,C_in/groups,kH,kW)";
    return check_tensor(fn, "input", input, 4, "(N,C,H,W)") || check_tensor(fn, "weight", weight, 4, w_layout) ||
                   conv_shapes(g, oshape, fn, input->shape, weight->shape, o, transposed)
               ? WK_ERR
               : WK_OK;
}

/* Forward passes: then the bias, and the output shaped (or reshaped) to fit. */
static int check_forward(geom *g, const char *fn, int transposed, wk_tensor *output, const wk_tensor *input,
                         const wk_tensor *weight, const wk_tensor *bias, const wk_conv_opts *o)
{
    int64_t oshape[4];
    return check_operands(g, oshape, fn, transposed, input, weight, o) || check_bias(fn, "bias", bias, oshape[1]) ||
                   prepare_output(fn, output, oshape)
               ? WK_ERR
               : WK_OK;
}

/* Backward passes: then every gradient given must match its tensor. */
static int check_backward(geom *g, const char *fn, int transposed, const wk_tensor *grad_input,
                          const wk_tensor *grad_weight, const wk_tensor *grad_bias, const wk_tensor *grad_output,
                          const wk_tensor *input, const wk_tensor *weight, const wk_conv_opts *o)
{
    int64_t oshape[4];
    return check_operands(g, oshape, fn, transposed, input, weight, o) ||
                   check_tensor(fn, "grad_output", grad_output, 4, "(N,C_out,H_out,W_out)") ||
                   check_grad(fn, "grad_output", grad_output, 4, oshape) ||
                   (grad_input && check_grad(fn, "grad_input", grad_input, 4, input->shape)) ||
                   (grad_weight && check_grad(fn, "grad_weight", grad_weight, 4, weight->shape)) ||
                   (grad_bias && check_grad(fn, "grad_bias", grad_bias, 1, &oshape[1]))
               ? WK_ERR
               : WK_OK;
}

int wk_conv2d_forward(wk_tensor *output, const wk_tensor *input, const wk_tensor *weight,
                      const wk_tensor *bias, wk_workspace *ws, const wk_conv_opts *o)
{
    geom g;
    if (check_forward(&g, "conv2d", 0, output, input, weight, bias, o)) return WK_ERR;
    io x = {0};
    x.img_in = wk_tensor_data(input);
    x.col_out = wk_tensor_data(output);
    x.w = wk_tensor_data(weight);
    x.bias = bias ? wk_tensor_data(bias) : NULL;
    size_t n = path_floats(&g, OP_FWD);
    float *buf = n ? wk_workspace_get(ws, n) : NULL;
    if (n && !buf) return WK_ERR;
    path_run(&g, &x, OP_FWD, buf);
    return WK_OK;
}

int wk_conv2d_backward(wk_tensor *grad_input, wk_tensor *grad_weight, wk_tensor *grad_bias,
                       const wk_tensor *grad_output, const wk_tensor *input, const wk_tensor *weight,
                       wk_workspace *ws, const wk_conv_opts *o)
{
    geom g;
    if (check_backward(&g, "conv2d backward", 0, grad_input, grad_weight, grad_bias, grad_output, input, weight, o))
        return WK_ERR;
    io x = {0};
    x.img_in = wk_tensor_data(input);
    x.col_in = wk_tensor_data(grad_output);
    x.w = wk_tensor_data(weight);
    if (grad_bias) channel_sums(wk_tensor_data(grad_bias), x.col_in, g.N, g.Co, g.HWo);
    if (grad_weight) x.gw = wk_tensor_data(grad_weight);
    if (grad_input) x.img_out = wk_tensor_data(grad_input);
    if (wk_conv_engine_empty(&g) || (!grad_input && !grad_weight)) return WK_OK;
    /* grad_input: for 3x3 convs on the Winograd path, its adjoint; else with stride 1
     * conv2d(grad_output, flipped w); else the engine's GEMM + col2im */
    geom f;
    wk_wino_geom wg;
    int wino = grad_input && wino_geom(&wg, &g);   /* the adjoint of the Winograd forward */
    int flipped = grad_input && !wino && flip_geom(&f, &g);
    size_t nflip = flipped ? round16(g.Co * g.K) : 0;
    size_t nd = flipped ? path_floats(&f, OP_FWD) : wino ? wk_winograd_floats(&wg, 0) : 0;
    size_t nw = grad_weight ? path_floats(&g, OP_WGRAD) : 0;
    size_t ne = grad_input && !flipped && !wino ? path_floats(&g, OP_DATA) : 0;
    size_t most = nd > nw ? nd : nw;
    if (ne > most) most = ne;
    float *buf = wk_workspace_get(ws, nflip + most);
    if (!buf) return WK_ERR;
    if (grad_weight) path_run(&g, &x, OP_WGRAD, buf + nflip);
    if (wino) {
        wk_winograd_data(x.img_out, x.col_in, x.w, &wg, buf);
    } else if (flipped) {
        flip_weight(buf, x.w, &g);   /* (Ci, Cog, kH, kW) */
        io xf = {0};
        xf.img_in = x.col_in;
        xf.col_out = wk_tensor_data(grad_input);
        xf.w = buf;
        xf.col_accumulate = 1;
        path_run(&f, &xf, OP_FWD, buf + nflip);
    } else if (grad_input) {
        path_run(&g, &x, OP_DATA, buf + nflip);
    }
    return WK_OK;
}

/* ---- conv_transpose2d ---------------------------------------------------------- */

int wk_conv_transpose2d_output_shape(int64_t out_shape[4], const int64_t in_shape[4],
                                     const int64_t w_shape[4], const wk_conv_opts *o)
{
    return conv_shapes(NULL, out_shape, "conv_transpose2d", in_shape, w_shape, o, 1);
}

int wk_conv_transpose2d_forward(wk_tensor *output, const wk_tensor *input, const wk_tensor *weight,
                                const wk_tensor *bias, wk_workspace *ws, const wk_conv_opts *o)
{
    geom g;
    if (check_forward(&g, "conv_transpose2d", 1, output, input, weight, bias, o)) return WK_ERR;
    float *y = wk_tensor_data(output);
    geom f;
    if (flip_geom(&f, &g) && !wk_conv_engine_empty(&g)) {   /* stride 1: a conv2d with flipped w */
        size_t nflip = round16(g.Co * g.K);
        float *buf = wk_workspace_get(ws, nflip + path_floats(&f, OP_FWD));
        if (!buf) return WK_ERR;
        flip_weight(buf, wk_tensor_data(weight), &g);   /* (C_out, C_in/groups, kH, kW) */
        io xf = {0};
        xf.img_in = wk_tensor_data(input);
        xf.col_out = y;
        xf.w = buf;
        xf.bias = bias ? wk_tensor_data(bias) : NULL;
        path_run(&f, &xf, OP_FWD, buf + nflip);
        return WK_OK;
    }
    memset(y, 0, (size_t)wk_tensor_numel(output) * sizeof(float));
    io x = {0};
    x.col_in = wk_tensor_data(input);
    x.img_out = y;
    x.w = wk_tensor_data(weight);
    size_t n = path_floats(&g, OP_DATA);
    float *buf = n ? wk_workspace_get(ws, n) : NULL;
    if (n && !buf) return WK_ERR;
    path_run(&g, &x, OP_DATA, buf);
    if (bias) add_bias(y, wk_tensor_data(bias), g.N, g.Ci, g.HW);
    return WK_OK;
}

int wk_conv_transpose2d_backward(wk_tensor *grad_input, wk_tensor *grad_weight, wk_tensor *grad_bias,
                                 const wk_tensor *grad_output, const wk_tensor *input,
                                 const wk_tensor *weight, wk_workspace *ws, const wk_conv_opts *o)
{
    geom g;
    if (check_backward(&g, "conv_transpose2d backward", 1, grad_input, grad_weight, grad_bias, grad_output, input,
                       weight, o))
        return WK_ERR;
    io x = {0};
    x.img_in = wk_tensor_data(grad_output);
    x.col_in = wk_tensor_data(input);
    x.w = wk_tensor_data(weight);
    x.col_accumulate = 1;
    int ops = 0;
    if (grad_input) {
        ops |= OP_FWD;
        x.col_out = wk_tensor_data(grad_input);
    }
    if (grad_weight) {
        ops |= OP_WGRAD;
        x.gw = wk_tensor_data(grad_weight);
    }
    if (grad_bias) channel_sums(wk_tensor_data(grad_bias), x.img_in, g.N, g.Ci, g.HW);
    if (!ops || wk_conv_engine_empty(&g)) return WK_OK;
    size_t nf = (ops & OP_FWD) ? path_floats(&g, OP_FWD) : 0, nw = (ops & OP_WGRAD) ? path_floats(&g, OP_WGRAD) : 0;
    float *buf = wk_workspace_get(ws, nf > nw ? nf : nw);
    if (!buf) return WK_ERR;
    wk_wino_geom wg;
    if (ops == (OP_FWD | OP_WGRAD) && !wino_geom(&wg, &g) && !wino_s2_geom(&wg, &g)) {   /* im2col once for both */
        size_t n = wk_conv_engine_floats(&g, ops);
        if (n > nf && n > nw && !(buf = wk_workspace_get(ws, n))) return WK_ERR;
        wk_conv_engine_run(&g, &x, ops, buf);
        return WK_OK;
    }
    if (ops & OP_FWD) path_run(&g, &x, OP_FWD, buf);
    if (ops & OP_WGRAD) path_run(&g, &x, OP_WGRAD, buf);
    return WK_OK;
}
