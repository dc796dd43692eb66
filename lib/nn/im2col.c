/* im2col.c — the column matrix of a convolution and its adjoint (see im2col.h): the
 * patches of a band of output rows laid out as a (K, columns) matrix for one GEMM, and
 * their sums scattered back into the image. Three ways, chosen from the shape alone:
 * phase rows for strided convolutions, a per-tap offset table for short stride-1 rows,
 * and plain row copies for the rest. Any of them gives the same bits on any thread
 * count: the engine in conv_engine.c cuts the work by shape only. */
#include "im2col.h"
#include "panel_gemm.h"

#ifdef __AVX2__
#include <immintrin.h>
#endif

/* Range [lo, hi) of output columns ow whose input column ow*s + off falls in [0, W). */
static void valid_range(int64_t *lo, int64_t *hi, int64_t off, int64_t s, int64_t W, int64_t Wo)
{
    int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t b = W - off > 0 ? (W - off + s - 1) / s : 0;
    if (a > Wo) a = Wo;
    if (b > Wo) b = Wo;
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

/* Small or strided output planes go through a table per kernel tap instead, when the
 * phase rows below do not fit: row by row, a 7-wide stride-2 plane (a DCGAN's 14x14 ->
 * 7x7) spent more on each row's bounds and zero fills than on its 7 values (im2col was
 * 30% of such a conv's forward). The table holds, for each of the band's output pixels,
 * the offset of the input pixel this tap reads and whether it lies inside the image (-1
 * or 0); every channel then reuses it. */
#define TAP_TABLE 4096

static int use_tap_table(const wk_conv_geom *g, int64_t r0, int64_t r1)
{
    return (g->sW != 1 || g->Wo < WK_SHORT_ROW) && (r1 - r0) * g->Wo <= TAP_TABLE;
}

/* off[k], ok[k] for the band's pixels k = (oh - r0) * Wo + ow and tap (p, q); an
 * outside pixel gets offset 0 (a valid read whose value is then dropped). */
static void tap_table(int32_t *off, int32_t *ok, const wk_conv_geom *g, int64_t r0, int64_t r1, int64_t p, int64_t q)
{
    int64_t k = 0;
    for (int64_t oh = r0; oh < r1; oh++) {
        int64_t ih = oh * g->sH - g->pH + p * g->dH;
        for (int64_t ow = 0; ow < g->Wo; ow++, k++) {
            int64_t iw = ow * g->sW - g->pW + q * g->dW;
            int inside = ih >= 0 && ih < g->H && iw >= 0 && iw < g->W;
            off[k] = inside ? (int32_t)(ih * g->W + iw) : 0;
            ok[k] = inside ? -1 : 0;   /* all bits set: an AVX2 gather mask */
        }
    }
}

static void im2col_table(float *cols, int64_t ld, const float *img, const wk_conv_geom *g, int64_t r0, int64_t r1)
{
    int32_t off[TAP_TABLE], ok[TAP_TABLE];
    const int64_t n = (r1 - r0) * g->Wo;
    for (int64_t p = 0; p < g->kH; p++)
        for (int64_t q = 0; q < g->kW; q++) {
            tap_table(off, ok, g, r0, r1, p, q);
            for (int64_t c = 0; c < g->Cig; c++) {
                const float *restrict plane = img + c * g->HW;
                float *restrict dst = cols + ((c * g->kH + p) * g->kW + q) * ld;
                int64_t k = 0;
#ifdef __AVX2__   /* GCC leaves this loop scalar (1.3 ns a value); a masked gather reads 8 */
                for (; k + 8 <= n; k += 8) {
                    __m256i idx = _mm256_loadu_si256((const __m256i *)(off + k));
                    __m256 mask = _mm256_castsi256_ps(_mm256_loadu_si256((const __m256i *)(ok + k)));
                    _mm256_storeu_ps(dst + k, _mm256_mask_i32gather_ps(_mm256_setzero_ps(), plane, idx, mask, 4));
                }
#endif
                for (; k < n; k++) dst[k] = ok[k] ? plane[off[k]] : 0.0f;
            }
        }
}

/* The adjoint. Within one tap distinct pixels read distinct input pixels, and each
 * input pixel receives its taps in the same (p, q) order as col2im's rows, so the sums
 * are the same bits. */
static void col2im_table(float *img, const float *cols, int64_t ld, const wk_conv_geom *g, int64_t r0, int64_t r1)
{
    int32_t off[TAP_TABLE], ok[TAP_TABLE];
    const int64_t n = (r1 - r0) * g->Wo;
    for (int64_t p = 0; p < g->kH; p++)
        for (int64_t q = 0; q < g->kW; q++) {
            tap_table(off, ok, g, r0, r1, p, q);
            for (int64_t c = 0; c < g->Cig; c++) {
                float *restrict plane = img + c * g->HW;
                const float *restrict src = cols + ((c * g->kH + p) * g->kW + q) * ld;
                for (int64_t k = 0; k < n; k++)
                    if (ok[k]) plane[off[k]] += src[k];
            }
        }
}

/* Strided convolutions go through "phase rows" instead: input row ih split into its
 * sW interleaved phases, phase r holding x[ih][sW*(j - J0) + r] for j in [0, Wp) with
 * zeros past the edges. Tap q reads input column ow*sW + off, off = q*dW - pW =
 * sW*a + r, which is phase r at j = ow + a + J0: so every row of columns is one
 * contiguous copy of Wo values, and col2im one contiguous add. On the DCGAN's
 * 64x14x14 <-> 128x7x7, k4 s2 conv (1 Zen 3 thread, under perf) im2col went from 3.6 ms
 * of the forward's 17.8 (masked gathers of the tap table) to 2.3 of 13.7. A band's phase
 * rows live on the stack: bands whose rows need more than PHASE_FLOATS take the other
 * paths. */
#define PHASE_FLOATS 8192
#define PHASE_ZERO 1024   /* room for the zero row after them: Wo + 8 floats */

typedef struct phases {
    int64_t ih0, rows;   /* input rows [ih0, ih0 + rows) */
    int64_t J0, Wp;      /* left zero padding and length of a phase row */
} phases;

static inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* Where each tap's rows start in the band's phase buffer: src[t * nr + i] is the offset
 * of output row r0 + i of tap t = p * kW + q, or `zero_at` (a zero row past the phase
 * rows) where the kernel hangs over the top or bottom edge. Worked out once per band,
 * not once per channel. Bands with more than TAP_ROWS (tap, row) pairs take the
 * other paths. */
#define TAP_ROWS 2048

static int phase_rows_fit(const wk_conv_geom *g, int64_t r0, int64_t r1)
{
    return g->kH * g->kW * (r1 - r0) <= TAP_ROWS;
}

static int phase_plan(phases *ph, const wk_conv_geom *g, int64_t r0, int64_t r1)
{
    if (g->sW < 2) return 0;
    int64_t lo = r0 * g->sH - g->pH, hi = (r1 - 1) * g->sH - g->pH + (g->kH - 1) * g->dH + 1;
    if (lo < 0) lo = 0;
    if (hi > g->H) hi = g->H;
    ph->ih0 = lo;
    ph->rows = hi > lo ? hi - lo : 0;
    ph->J0 = -floor_div(-g->pW, g->sW);
    int64_t a_max = floor_div((g->kW - 1) * g->dW - g->pW, g->sW);
    ph->Wp = a_max + ph->J0 + g->Wo + 8;   /* + 8: an 8-wide read never leaves the row */
    return ph->rows * g->sW * ph->Wp <= PHASE_FLOATS && g->Wo + 8 <= PHASE_ZERO && phase_rows_fit(g, r0, r1);
}

/* The j of phase r whose input column s*(j - J0) + r lies in [0, W): [lo, hi). */
static inline void phase_valid(const phases *ph, const wk_conv_geom *g, int64_t r, int64_t *lo, int64_t *hi)
{
    int64_t a = ph->J0 - floor_div(r, g->sW), b = ph->J0 + floor_div(g->W - 1 - r, g->sW) + 1;
    if (a < 0) a = 0;
    if (b > ph->Wp) b = ph->Wp;
    *lo = a;
    *hi = b > a ? b : a;
}

/* Phase row (row, r) of the band, and where tap q's values start in it (its r and a). */
static inline int64_t phase_start(const phases *ph, const wk_conv_geom *g, int64_t q, int64_t *r)
{
    int64_t off = q * g->dW - g->pW, a = floor_div(off, g->sW);
    *r = off - a * g->sW;
    return a + ph->J0;
}

/* dst[0, n) = src[0, n); for n < 8, `spill` allows one 8-wide store whose tail lands
 * on values written later (the next output rows of the same column row: there must be
 * at least 8 - n of them). */
static inline void copy_short(float *restrict dst, const float *restrict src, int64_t n, int spill)
{
#ifdef __AVX2__
    if (n < 8 && spill) {
        _mm256_storeu_ps(dst, _mm256_loadu_ps(src));
        return;
    }
    if (n >= 8) {
        int64_t i = 0;
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_loadu_ps(src + i));
        if (i < n) _mm256_storeu_ps(dst + n - 8, _mm256_loadu_ps(src + n - 8));
        return;
    }
#endif
    (void)spill;
    for (int64_t i = 0; i < n; i++) dst[i] = src[i];
}

static void phase_sources(int32_t *src, const wk_conv_geom *g, const phases *ph, int64_t r0, int64_t r1,
                          int32_t zero_at)
{
    const int64_t s = g->sW, Wp = ph->Wp, nr = r1 - r0;
    for (int64_t p = 0; p < g->kH; p++)
        for (int64_t q = 0; q < g->kW; q++) {
            int64_t r, j0 = phase_start(ph, g, q, &r);
            int32_t *at = src + (p * g->kW + q) * nr;
            for (int64_t i = 0; i < nr; i++) {
                int64_t ih = (r0 + i) * g->sH - g->pH + p * g->dH;
                at[i] = ih < 0 || ih >= g->H ? zero_at : (int32_t)(((ih - ph->ih0) * s + r) * Wp + j0);
            }
        }
}

#ifdef __AVX512F__
/* The first n lanes (n clamped to [0, 16]). */
static inline __mmask16 first_lanes(int64_t n)
{
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

/* Stride 2: the values in phase 0 and in phase 1 of a row, as phase_valid bounds them. */
static inline void phase_counts(const phases *ph, const wk_conv_geom *g, int64_t *n0, int64_t *n1)
{
    const int64_t room = ph->Wp - ph->J0;
    *n0 = (g->W + 1) / 2 < room ? (g->W + 1) / 2 : room;
    *n1 = g->W / 2 < room ? g->W / 2 : room;
}
#endif

/* buf (rows, sW, Wp) <- the phase rows of plane (H, W); the padding is not touched. */
static void phase_fill(float *buf, const float *plane, const wk_conv_geom *g, const phases *ph)
{
    const int64_t s = g->sW, Wp = ph->Wp;
#ifdef __AVX512F__
    if (s == 2) {   /* each input row split into its even and odd values, 32 at a time */
        const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        int64_t n0, n1;
        phase_counts(ph, g, &n0, &n1);
        for (int64_t i = 0; i < ph->rows; i++) {
            const float *row = plane + (ph->ih0 + i) * g->W;
            float *d0 = buf + i * 2 * Wp + ph->J0, *d1 = d0 + Wp;
            for (int64_t m = 0; 2 * m < g->W; m += 16) {
                __m512 a = _mm512_maskz_loadu_ps(first_lanes(g->W - 2 * m), row + 2 * m);
                __m512 b = _mm512_maskz_loadu_ps(first_lanes(g->W - 2 * m - 16), row + 2 * m + 16);
                _mm512_mask_storeu_ps(d0 + m, first_lanes(n0 - m), _mm512_permutex2var_ps(a, even, b));
                _mm512_mask_storeu_ps(d1 + m, first_lanes(n1 - m), _mm512_permutex2var_ps(a, odd, b));
            }
        }
        return;
    }
#endif
    for (int64_t r = 0; r < s; r++) {
        int64_t lo, hi;
        phase_valid(ph, g, r, &lo, &hi);
        for (int64_t i = 0; i < ph->rows; i++) {
            const float *row = plane + (ph->ih0 + i) * g->W;
            float *dst = buf + (i * s + r) * Wp;
            for (int64_t j = lo; j < hi; j++) dst[j] = row[s * (j - ph->J0) + r];
        }
    }
}

static void im2col_phases(float *cols, int64_t ld, const float *img, const wk_conv_geom *g, const phases *ph,
                          int64_t r0, int64_t r1)
{
    float buf[PHASE_FLOATS + PHASE_ZERO];   /* (rows, sW, Wp), then a zero row */
    int32_t src[TAP_ROWS];                  /* (taps, nr) */
    const int64_t s = g->sW, Wo = g->Wo, nr = r1 - r0, taps = g->kH * g->kW;
    const int32_t zero_at = (int32_t)(ph->rows * s * ph->Wp);
    phase_sources(src, g, ph, r0, r1, zero_at);
    memset(buf, 0, (size_t)(zero_at + Wo + 8) * sizeof(float));   /* the padding and the zero row, once */
    /* rows before the last of a tap may spill an 8-wide store into the next row */
    const int64_t spill_rows = Wo >= 8 ? nr : nr - (8 + Wo - 1) / Wo + 1;
    for (int64_t c = 0; c < g->Cig; c++) {
        phase_fill(buf, img + c * g->HW, g, ph);
        for (int64_t t = 0; t < taps; t++) {
            float *dst = cols + (c * taps + t) * ld;
            const int32_t *at = src + t * nr;
            int64_t i = 0;
            for (; i < spill_rows; i++, dst += Wo) copy_short(dst, buf + at[i], Wo, 1);
            for (; i < nr; i++, dst += Wo) copy_short(dst, buf + at[i], Wo, 0);
        }
    }
}

#ifdef __AVX512F__
/* dst[0, n) = src[0, n) for n <= 32, through masks: nothing read or written past n. */
static inline void copy_masked(float *dst, const float *src, int64_t n)
{
    const __mmask16 a = first_lanes(n), b = first_lanes(n - 16);
    _mm512_mask_storeu_ps(dst, a, _mm512_maskz_loadu_ps(a, src));
    if (b) _mm512_mask_storeu_ps(dst + 16, b, _mm512_maskz_loadu_ps(b, src + 16));
}

/* The phase rows' copies, each output row sent to its place in the panels: output row
 * i of the image is chunk columns [p0 + i Wo, p0 + (i+1) Wo), which may straddle two
 * panels (Wo <= WK_PANEL_NP). */
#define PANEL_IMAGE_ROWS 256

int wk_im2col_panels(float *panels, int64_t p0, const float *img, const wk_conv_geom *g)
{
    phases ph;
    const int64_t Wo = g->Wo, nr = g->Ho, K = g->K, taps = g->kH * g->kW, NP = WK_PANEL_NP;
    if (Wo > NP || nr > PANEL_IMAGE_ROWS || !phase_plan(&ph, g, 0, nr)) return 0;
    int64_t first[PANEL_IMAGE_ROWS], second[PANEL_IMAGE_ROWS], n1[PANEL_IMAGE_ROWS];
    for (int64_t i = 0; i < nr; i++) {
        const int64_t p = p0 + i * Wo, lane = p % NP;
        first[i] = p / NP * K * NP + lane;
        second[i] = (p / NP + 1) * K * NP;
        n1[i] = NP - lane < Wo ? NP - lane : Wo;
    }
    float buf[PHASE_FLOATS + PHASE_ZERO];
    int32_t src[TAP_ROWS];
    const int32_t zero_at = (int32_t)(ph.rows * g->sW * ph.Wp);
    phase_sources(src, g, &ph, 0, nr, zero_at);
    memset(buf, 0, (size_t)(zero_at + Wo + 8) * sizeof(float));
    for (int64_t c = 0; c < g->Cig; c++) {
        phase_fill(buf, img + c * g->HW, g, &ph);
        for (int64_t t = 0; t < taps; t++) {
            float *row = panels + (c * taps + t) * NP;   /* row k of panel 0; panel j is j K NP further */
            const int32_t *at = src + t * nr;
            for (int64_t i = 0; i < nr; i++) {
                const float *v = buf + at[i];
                copy_masked(row + first[i], v, n1[i]);
                if (n1[i] < Wo) copy_masked(row + second[i], v + n1[i], Wo - n1[i]);
            }
        }
    }
    return 1;
}

/* The weight gradient's columns, transposed: pixel p's patch is row p of the panels, and
 * each tap row of a patch is kW neighbouring values of a zero-padded copy of the input
 * plane (dilation 1), one masked move, sent to lanes (c kH + kh) kW of its panel (two
 * moves where it straddles panels). */
#define TPANEL_PLANE 8192

WK_NO_LIBC_LOOPS int wk_im2col_tpanels(float *panels, int64_t P, int64_t p0, const float *img, const wk_conv_geom *g)
{
    const int64_t NP = WK_PANEL_NP, Wp = g->W + 2 * g->pW, Hp = g->H + 2 * g->pH;
    if (g->dH != 1 || g->dW != 1 || g->kW > NP || Hp * Wp > TPANEL_PLANE) return 0;
    /* sizes in locals: with -fno-strict-aliasing every store into the panels would
     * otherwise reload them from g */
    const int64_t Ho = g->Ho, Wo = g->Wo, sH = g->sH, sW = g->sW, kW = g->kW;
    float plane[TPANEL_PLANE];   /* (Hp, Wp): the borders stay zero, the inside is each channel's */
    memset(plane, 0, (size_t)(Hp * Wp) * sizeof(float));
    if (g->kH == 4 && kW == 4 && 2 * Hp * Wp <= TPANEL_PLANE) {
        /* a DCGAN's 4x4 kernels: a panel row is two channels' 16 taps, written in order,
         * 16 bytes at a time (a tap row at a time over all pixels wrote 16 bytes into
         * each of 245 lines and took 1.4 ns a move) */
        float *plane2 = plane + Hp * Wp;
        memset(plane2, 0, (size_t)(Hp * Wp) * sizeof(float));
        for (int64_t c = 0; c < g->Cig; c += 2) {
            const int64_t nc = g->Cig - c < 2 ? 1 : 2;
            for (int64_t y = 0; y < g->H; y++)
                for (int64_t k = 0; k < nc; k++)
                    wk_row_copy((k ? plane2 : plane) + (g->pH + y) * Wp + g->pW, img + (c + k) * g->HW + y * g->W,
                                g->W);
            float *dst = panels + (c / 2) * P * NP + p0 * NP;
            for (int64_t oh = 0; oh < Ho; oh++)
                for (int64_t ow = 0; ow < Wo; ow++, dst += NP) {
                    const float *v = plane + oh * sH * Wp + ow * sW, *v2 = plane2 + oh * sH * Wp + ow * sW;
                    for (int64_t kh = 0; kh < 4; kh++) _mm_storeu_ps(dst + 4 * kh, _mm_loadu_ps(v + kh * Wp));
                    if (nc == 2)
                        for (int64_t kh = 0; kh < 4; kh++) _mm_storeu_ps(dst + 16 + 4 * kh, _mm_loadu_ps(v2 + kh * Wp));
                }
        }
        return 1;
    }
    for (int64_t c = 0; c < g->Cig; c++) {
        for (int64_t y = 0; y < g->H; y++)
            wk_row_copy(plane + (g->pH + y) * Wp + g->pW, img + c * g->HW + y * g->W, g->W);
        for (int64_t kh = 0; kh < g->kH; kh++) {
            const int64_t k0 = (c * g->kH + kh) * kW, lane = k0 % NP, n1 = NP - lane < kW ? NP - lane : kW;
            float *first = panels + (k0 / NP) * P * NP + lane, *second = panels + (k0 / NP + 1) * P * NP;
            for (int64_t oh = 0; oh < Ho; oh++) {
                const float *row = plane + (oh * sH + kh) * Wp;
                float *a = first + (p0 + oh * Wo) * NP, *b = second + (p0 + oh * Wo) * NP;
                if (kW == 4) {   /* a DCGAN's 4x4 kernels: one 16-byte move, never straddling */
                    for (int64_t ow = 0; ow < Wo; ow++) _mm_storeu_ps(a + ow * NP, _mm_loadu_ps(row + ow * sW));
                    continue;
                }
                for (int64_t ow = 0; ow < Wo; ow++) {
                    copy_masked(a + ow * NP, row + ow * sW, n1);
                    if (n1 < kW) copy_masked(b + ow * NP, row + ow * sW + n1, kW - n1);
                }
            }
        }
    }
    return 1;
}
#else
int wk_im2col_panels(float *panels, int64_t p0, const float *img, const wk_conv_geom *g)
{
    (void)panels, (void)p0, (void)img, (void)g;
    return 0;
}

int wk_im2col_tpanels(float *panels, int64_t P, int64_t p0, const float *img, const wk_conv_geom *g)
{
    (void)panels, (void)P, (void)p0, (void)img, (void)g;
    return 0;
}
#endif

/* plane (H, W) += the phase rows in buf (rows, sW, Wp): the inverse of phase_fill. */
static void phase_scatter(float *plane, const float *buf, const wk_conv_geom *g, const phases *ph)
{
    const int64_t s = g->sW, Wp = ph->Wp;
#ifdef __AVX512F__
    if (s == 2) {   /* each image row's even and odd values interleaved from two phase rows */
        const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        int64_t n0, n1;
        phase_counts(ph, g, &n0, &n1);
        for (int64_t i = 0; i < ph->rows; i++) {
            float *row = plane + (ph->ih0 + i) * g->W;
            const float *e = buf + i * 2 * Wp + ph->J0, *o = e + Wp;
            for (int64_t m = 0; 2 * m < g->W; m += 16) {
                __m512 ev = _mm512_maskz_loadu_ps(first_lanes(n0 - m), e + m);
                __m512 od = _mm512_maskz_loadu_ps(first_lanes(n1 - m), o + m);
                __mmask16 ma = first_lanes(g->W - 2 * m), mb = first_lanes(g->W - 2 * m - 16);
                __m512 x = _mm512_permutex2var_ps(ev, lo, od), y = _mm512_permutex2var_ps(ev, hi, od);
                _mm512_mask_storeu_ps(row + 2 * m, ma, _mm512_add_ps(_mm512_maskz_loadu_ps(ma, row + 2 * m), x));
                _mm512_mask_storeu_ps(row + 2 * m + 16, mb,
                                      _mm512_add_ps(_mm512_maskz_loadu_ps(mb, row + 2 * m + 16), y));
            }
        }
        return;
    }
#endif
    for (int64_t r = 0; r < s; r++) {
        int64_t lo, hi;
        phase_valid(ph, g, r, &lo, &hi);
        for (int64_t i = 0; i < ph->rows; i++) {
            const float *src = buf + (i * s + r) * Wp;
            float *row = plane + (ph->ih0 + i) * g->W;
            for (int64_t j = lo; j < hi; j++) row[s * (j - ph->J0) + r] += src[j];
        }
    }
}

/* The adjoint: each channel's taps are summed into phase rows, then interleaved back
 * into the image. The order of the sums depends on the shape alone. Taps go column by
 * column (q outer): two taps whose unaligned 8-wide adds overlap by all but one value
 * (q and q + sW) are then a whole column of taps apart, so the second one's load does
 * not wait on the first one's store still in flight. (Summing each phase row in
 * registers from the taps landing on it measured slower on Zen 3: it reads four rows
 * of columns at once.) */
static void col2im_phases(float *img, const float *cols, int64_t ld, const wk_conv_geom *g, const phases *ph,
                          int64_t r0, int64_t r1)
{
    float buf[PHASE_FLOATS + PHASE_ZERO];   /* (rows, sW, Wp), then a row that sinks edge taps */
    int32_t src[TAP_ROWS];                  /* (taps, nr) */
    const int64_t s = g->sW, Wo = g->Wo, Wp = ph->Wp, nr = r1 - r0, taps = g->kH * g->kW;
    const int32_t sink = (int32_t)(ph->rows * s * Wp);
    phase_sources(src, g, ph, r0, r1, sink);
#ifdef __AVX2__
    int32_t lanes[8];
    for (int k = 0; k < 8; k++) lanes[k] = k < Wo % 8 ? -1 : 0;
    const __m256i tail = _mm256_loadu_si256((const __m256i *)lanes);
#endif
    for (int64_t c = 0; c < g->Cig; c++) {
        memset(buf, 0, (size_t)(sink + Wo + 8) * sizeof(float));
        for (int64_t q = 0; q < g->kW; q++)
            for (int64_t p = 0; p < g->kH; p++) {
                const int64_t t = p * g->kW + q;
                const float *srow = cols + (c * taps + t) * ld;
                const int32_t *at = src + t * nr;
                for (int64_t i = 0; i < nr; i++, srow += Wo) {
                    float *dst = buf + at[i];
                    int64_t k = 0;
#ifdef __AVX2__   /* the row's tail through a masked load: the phase row has room past it */
                    for (; k + 8 <= Wo; k += 8)
                        _mm256_storeu_ps(dst + k, _mm256_add_ps(_mm256_loadu_ps(dst + k), _mm256_loadu_ps(srow + k)));
                    if (k < Wo) {
                        __m256 v = _mm256_maskload_ps(srow + k, tail);
                        _mm256_storeu_ps(dst + k, _mm256_add_ps(_mm256_loadu_ps(dst + k), v));
                        k = Wo;
                    }
#endif
                    for (; k < Wo; k++) dst[k] += srow[k];
                }
            }
        phase_scatter(img + c * g->HW, buf, g, ph);
    }
}

/* cols (K, ld) columns [0, (r1-r0)*Wo) <- the patches of output rows [r0, r1) of one
 * image's group planes img (Cig, H, W); zero where the kernel hangs over the edge. */
WK_NO_LIBC_LOOPS void wk_im2col(float *cols, int64_t ld, const float *img, const wk_conv_geom *g, int64_t r0,
                                int64_t r1)
{
    phases ph;
    if (phase_plan(&ph, g, r0, r1)) {
        im2col_phases(cols, ld, img, g, &ph, r0, r1);
        return;
    }
    if (use_tap_table(g, r0, r1)) {
        im2col_table(cols, ld, img, g, r0, r1);
        return;
    }
    const int64_t Wo = g->Wo, sW = g->sW;
    for (int64_t c = 0; c < g->Cig; c++) {
        const float *plane = img + c * g->HW;
        for (int64_t p = 0; p < g->kH; p++) {
            for (int64_t q = 0; q < g->kW; q++) {
                float *dst = cols + ((c * g->kH + p) * g->kW + q) * ld;
                int64_t off = q * g->dW - g->pW, lo, hi;
                valid_range(&lo, &hi, off, sW, g->W, Wo);
                for (int64_t oh = r0; oh < r1; oh++, dst += Wo) {
                    int64_t ih = oh * g->sH - g->pH + p * g->dH;
                    if (ih < 0 || ih >= g->H) {
                        wk_row_zero(dst, Wo);
                        continue;
                    }
                    const float *src = plane + ih * g->W + off;
                    wk_row_zero(dst, lo);
                    if (sW == 1) {
                        wk_row_copy(dst + lo, src + lo, hi - lo);
                    } else {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow] = src[ow * sW];
                    }
                    wk_row_zero(dst + hi, Wo - hi);
                }
            }
        }
    }
}

/* img (Cig, H, W) += the patches in cols (K, ld) of output rows [r0, r1); the adjoint
 * of im2col. */
WK_NO_LIBC_LOOPS void wk_col2im(float *img, const float *cols, int64_t ld, const wk_conv_geom *g, int64_t r0,
                                int64_t r1)
{
    phases ph;
    if (phase_plan(&ph, g, r0, r1)) {
        col2im_phases(img, cols, ld, g, &ph, r0, r1);
        return;
    }
    if (use_tap_table(g, r0, r1)) {
        col2im_table(img, cols, ld, g, r0, r1);
        return;
    }
    const int64_t Wo = g->Wo, sW = g->sW;
    for (int64_t c = 0; c < g->Cig; c++) {
        float *plane = img + c * g->HW;
        for (int64_t p = 0; p < g->kH; p++) {
            for (int64_t q = 0; q < g->kW; q++) {
                const float *src = cols + ((c * g->kH + p) * g->kW + q) * ld;
                int64_t off = q * g->dW - g->pW, lo, hi;
                valid_range(&lo, &hi, off, sW, g->W, Wo);
                for (int64_t oh = r0; oh < r1; oh++, src += Wo) {
                    int64_t ih = oh * g->sH - g->pH + p * g->dH;
                    if (ih < 0 || ih >= g->H) continue;
                    float *dst = plane + ih * g->W + off;
                    if (sW == 1) {
                        wk_row_add(dst + lo, src + lo, hi - lo);
                    } else {
                        for (int64_t ow = lo; ow < hi; ow++) dst[ow * sW] += src[ow];
                    }
                }
            }
        }
    }
}
