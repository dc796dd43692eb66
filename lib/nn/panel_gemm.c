/* panel_gemm.c — C (M, P) = A (M, R) . B (R, P) + beta C for conv_engine.c's products on
 * small maps, where OpenBLAS's per-call work cost as much as its kernel saved
 * (panel_gemm.h).
 *
 * A DCGAN-28's 64 -> 128 conv on 14x14 -> 7x7 multiplies in chunks of 5 images, each
 * product as narrow as (128, 1024) . (1024, 245). OpenBLAS packs both sides again for
 * every call (the weights 13 times a pass), zeroes C for beta = 0 and then adds into it,
 * and ran those products at about 150 GFLOP/s on 1 thread of a Xeon whose kernel runs
 * large ones at 185; on top of that, im2col wrote columns that OpenBLAS then copied
 * again into its own layout. Here:
 *   - A is packed once per pass, by the caller: tiles of WK_PANEL_MR rows, each a
 *     column of 8 values per step of the inner dimension.
 *   - B lives in panels of 32 columns (R rows of 32 contiguous floats), written there by
 *     its producer: im2col straight into panels (the forward), dY gathered into them
 *     (the input gradient), the columns transposed into them (the weight gradient).
 *   - The micro-tile is 8 rows x 32 columns: 16 AVX-512 accumulators, per step of the
 *     inner dimension 2 loads of B, 8 broadcasts of A and 16 FMAs. The tile is stored
 *     with masks, so P and M need no padding in C, and beta = 0 never reads C. It can
 *     store into whole images' NCHW planes (a tile straddling two images at two bases)
 *     and add a bias as it stores.
 * A prototype ran the input gradient's product at about 210 GFLOP/s (panels in cache)
 * against OpenBLAS's 150, 1 thread of a Xeon family 6 model 167. A row-major B is copied
 * a panel at a time into scratch first (160 against 147 for the forward's shape). Each C
 * value is one sum over the inner dimension in order, so the result is the same on any
 * thread count.
 *
 * Without AVX-512 the same functions run a plain loop (correct, slow): conv_engine.c
 * asks wk_panel_gemm_fast() and keeps OpenBLAS there; the tests run the functions
 * anyway. */
#include "panel_gemm.h"

#include <string.h>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#define MR WK_PANEL_MR
#define NP WK_PANEL_NP

int wk_panel_gemm_fast(void)
{
#if defined(__AVX512F__) && !defined(WK_NO_PANEL_GEMM)
    return 1;
#else
    return 0;
#endif
}

static int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

size_t wk_panel_a_floats(int64_t M, int64_t R) { return (size_t)(round_up(M, MR) * R); }

void wk_panel_pack_a(float *Ap, const float *a, int64_t M, int64_t R, int64_t sm, int64_t sr)
{
    for (int64_t t = 0; t * MR < M; t++) {
        float *dst = Ap + t * R * MR;
        const int64_t rows = M - t * MR < MR ? M - t * MR : MR;
        /* dst is written in order; the 8 rows (or one column's 8 values) are read side by side */
        for (int64_t r = 0; r < R; r++)
            for (int64_t i = 0; i < rows; i++) dst[r * MR + i] = a[(t * MR + i) * sm + r * sr];
        for (int64_t i = rows; i < MR; i++)
            for (int64_t r = 0; r < R; r++) dst[r * MR + i] = 0.0f;
    }
}

size_t wk_panel_b_floats(int64_t R, int64_t P) { return (size_t)(round_up(P, NP) * R); }

#ifdef __AVX512F__
static inline __mmask16 lanes(int64_t n)
{
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}
#endif

/* dst[0, n) = src[0, n), n <= 32: two masked moves where libc's memcpy, called for
 * each short run, cost more than the copy (a 7x7 image's row of 49 floats is 2 or 3
 * runs). */
static inline void copy_run(float *restrict dst, const float *restrict src, int64_t n)
{
#ifdef __AVX512F__
    const __mmask16 a = lanes(n), b = lanes(n - 16);
    _mm512_mask_storeu_ps(dst, a, _mm512_maskz_loadu_ps(a, src));
    _mm512_mask_storeu_ps(dst + 16, b, _mm512_maskz_loadu_ps(b, src + 16));
#else
    memcpy(dst, src, (size_t)n * sizeof(float));
#endif
}

void wk_panel_b_put(float *Bp, int64_t R, int64_t r, int64_t p, const float *src, int64_t n)
{
    while (n > 0) {   /* a run crosses at most n / 32 + 1 panels */
        const int64_t lane = p % NP, take = NP - lane < n ? NP - lane : n;
        copy_run(Bp + (p / NP) * R * NP + r * NP + lane, src, take);
        p += take;
        src += take;
        n -= take;
    }
}

void wk_panel_b_pad(float *Bp, int64_t R, int64_t P)
{
    const int64_t lane = P % NP;
    if (!lane) return;
    float *panel = Bp + (P / NP) * R * NP;
    for (int64_t r = 0; r < R; r++) memset(panel + r * NP + lane, 0, (size_t)(NP - lane) * sizeof(float));
}

#ifdef __AVX512F__
/* C[0, rows) x [0, nv) of one micro-tile = a (R, 8) . b (R, 32) + beta C (+ bias[i]
 * along row i when bias is given), where
 * columns from `split` on live `jump` floats further on (the next image's plane: see
 * wk_panel_gemm_images). The accumulators are named one by one: as an array GCC kept
 * them in memory. */
static void tile(float *C, int64_t ldc, const float *restrict a, const float *restrict b, int64_t R, int64_t rows,
                 int64_t nv, float beta, int64_t split, int64_t jump, const float *bias)
{
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00,
           c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
    for (int64_t r = 0; r < R; r++, a += MR, b += NP) {
        const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        __m512 x;
        x = _mm512_set1_ps(a[0]); c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01);
        x = _mm512_set1_ps(a[1]); c10 = _mm512_fmadd_ps(x, b0, c10); c11 = _mm512_fmadd_ps(x, b1, c11);
        x = _mm512_set1_ps(a[2]); c20 = _mm512_fmadd_ps(x, b0, c20); c21 = _mm512_fmadd_ps(x, b1, c21);
        x = _mm512_set1_ps(a[3]); c30 = _mm512_fmadd_ps(x, b0, c30); c31 = _mm512_fmadd_ps(x, b1, c31);
        x = _mm512_set1_ps(a[4]); c40 = _mm512_fmadd_ps(x, b0, c40); c41 = _mm512_fmadd_ps(x, b1, c41);
        x = _mm512_set1_ps(a[5]); c50 = _mm512_fmadd_ps(x, b0, c50); c51 = _mm512_fmadd_ps(x, b1, c51);
        x = _mm512_set1_ps(a[6]); c60 = _mm512_fmadd_ps(x, b0, c60); c61 = _mm512_fmadd_ps(x, b1, c61);
        x = _mm512_set1_ps(a[7]); c70 = _mm512_fmadd_ps(x, b0, c70); c71 = _mm512_fmadd_ps(x, b1, c71);
    }
    const __m512 acc[2 * MR] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71};
    const int64_t na = split < nv ? split : nv;   /* lanes [0, na) at C, [na, nv) at C + jump */
    const __mmask16 a0 = lanes(na), a1 = lanes(na - 16);
    const __mmask16 b0 = (__mmask16)(lanes(nv) & ~a0), b1 = (__mmask16)(lanes(nv - 16) & ~a1);
    const __m512 vb = _mm512_set1_ps(beta);
    for (int64_t i = 0; i < rows; i++) {
        float *ci = C + i * ldc, *cj = ci + jump;
        __m512 v0 = acc[2 * i], v1 = acc[2 * i + 1];
        if (bias) {
            const __m512 vbias = _mm512_set1_ps(bias[i]);
            v0 = _mm512_add_ps(v0, vbias);
            v1 = _mm512_add_ps(v1, vbias);
        }
        if (beta != 0.0f) {
            __m512 o0 = _mm512_maskz_loadu_ps(a0, ci), o1 = _mm512_maskz_loadu_ps(a1, ci + 16);
            if (na < nv) {
                o0 = _mm512_mask_loadu_ps(o0, b0, cj);
                o1 = _mm512_mask_loadu_ps(o1, b1, cj + 16);
            }
            v0 = _mm512_fmadd_ps(vb, o0, v0);
            v1 = _mm512_fmadd_ps(vb, o1, v1);
        }
        _mm512_mask_storeu_ps(ci, a0, v0);
        _mm512_mask_storeu_ps(ci + 16, a1, v1);
        if (na < nv) {
            _mm512_mask_storeu_ps(cj, b0, v0);
            _mm512_mask_storeu_ps(cj + 16, b1, v1);
        }
    }
}
#else
static void tile(float *C, int64_t ldc, const float *restrict a, const float *restrict b, int64_t R, int64_t rows,
                 int64_t nv, float beta, int64_t split, int64_t jump, const float *bias)
{
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < nv; j++) {
            float s = 0.0f, *c = C + i * ldc + j + (j >= split ? jump : 0);
            for (int64_t r = 0; r < R; r++) s += a[r * MR + i] * b[r * NP + j];
            if (bias) s += bias[i];
            *c = beta != 0.0f ? s + beta * *c : s;
        }
}
#endif

/* One panel of B against every tile of A: the panel stays in L1 while A streams. */
static void panel_times_a(float *C, int64_t ldc, const float *Ap, const float *panel, int64_t M, int64_t R, int64_t nv,
                          float beta, int64_t split, int64_t jump, const float *bias)
{
    for (int64_t t = 0; t * MR < M; t++)
        tile(C + t * MR * ldc, ldc, Ap + t * R * MR, panel, R, M - t * MR < MR ? M - t * MR : MR, nv, beta, split,
             jump, bias ? bias + t * MR : NULL);
}

/* Every product here: B in panels (ldb 0) or row-major (copied a panel at a time into
 * scratch), C plain (seg 0) or in image planes. */
static void gemm(float *C, int64_t ldc, int64_t seg, int64_t image_stride, const float *Ap, const float *B, int64_t ldb,
                 int64_t M, int64_t R, int64_t P, float beta, const float *bias, float *scratch)
{
    for (int64_t j = 0; j < P; j += NP) {
        const int64_t nv = P - j < NP ? P - j : NP;
        const float *panel = B + (j / NP) * R * NP;
        if (ldb) {
            for (int64_t r = 0; r < R; r++) {
                copy_run(scratch + r * NP, B + r * ldb + j, nv);
                if (nv < NP) memset(scratch + r * NP + nv, 0, (size_t)(NP - nv) * sizeof(float));
            }
            panel = scratch;
        }
        if (seg) {   /* column j is pixel j % seg of image j / seg */
            const int64_t s0 = j % seg;
            panel_times_a(C + j / seg * image_stride + s0, ldc, Ap, panel, M, R, nv, beta, seg - s0, image_stride - seg,
                          bias);
        } else {
            panel_times_a(C + j, ldc, Ap, panel, M, R, nv, beta, NP, 0, bias);
        }
    }
}

void wk_panel_gemm(float *C, int64_t ldc, const float *Ap, const float *Bp, int64_t M, int64_t R, int64_t P,
                   float beta)
{
    gemm(C, ldc, 0, 0, Ap, Bp, 0, M, R, P, beta, NULL, NULL);
}

void wk_panel_gemm_rows(float *C, int64_t ldc, const float *Ap, const float *B, int64_t ldb, int64_t M, int64_t R,
                        int64_t P, float beta, float *scratch)
{
    gemm(C, ldc, 0, 0, Ap, B, ldb, M, R, P, beta, NULL, scratch);
}

void wk_panel_gemm_images(float *C, int64_t ldc, int64_t seg, int64_t image_stride, const float *Ap, const float *B,
                          int64_t ldb, int64_t M, int64_t R, int64_t P, float beta, const float *bias, float *scratch)
{
    gemm(C, ldc, seg, image_stride, Ap, B, ldb, M, R, P, beta, bias, scratch);
}
