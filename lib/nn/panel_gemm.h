/* panel_gemm.h — a single-threaded SGEMM for conv_engine.c's narrow column products, whose
 * right-hand matrix is laid out in panels of 32 columns (see panel_gemm.c for why and
 * what it measured). Internal to lib/nn.
 *
 *   C (M, P) = A (M, R) . B (R, P) + beta C
 *
 * A is packed once per pass (wk_panel_pack_a); B is either gathered straight into
 * panels by the caller (wk_panel_b_put) or copied into them a panel at a time from a
 * row-major matrix (wk_panel_gemm_rows). */
#ifndef WK_NN_PANEL_GEMM_H
#define WK_NN_PANEL_GEMM_H

#include <stddef.h>
#include <stdint.h>

#define WK_PANEL_MR 8    /* rows of C a micro-tile makes */
#define WK_PANEL_NP 32   /* columns of a panel of B, and of a micro-tile */

/* 1 when the fast kernel is compiled in (AVX-512, and not built with
 * -DWK_NO_PANEL_GEMM, which benchmarks use to compare); conv_engine.c uses these
 * products only then. The functions below work on any CPU (a plain loop elsewhere), so
 * tests run everywhere. */
int wk_panel_gemm_fast(void);

/* Floats of A (M, R) packed: M rounded up to WK_PANEL_MR, times R. */
size_t wk_panel_a_floats(int64_t M, int64_t R);

/* Ap = A in tiles of WK_PANEL_MR rows, Ap[(t R + r) MR + i] = A[t MR + i, r] (0 past
 * M), from A[m, r] = a[m * sm + r * sr]: a row-major W (sm = K, sr = 1) or its
 * transpose (sm = 1, sr = K) alike. */
void wk_panel_pack_a(float *Ap, const float *a, int64_t M, int64_t R, int64_t sm, int64_t sr);

/* Floats of B (R, P) in panels: P rounded up to WK_PANEL_NP, times R. */
size_t wk_panel_b_floats(int64_t R, int64_t P);

/* B[r, p + i] = src[i] for i < n, into the panels Bp of a B with R rows. */
void wk_panel_b_put(float *Bp, int64_t R, int64_t r, int64_t p, const float *src, int64_t n);

/* Zeroes columns [P, P rounded up) of every row: the last panel's unused lanes, which
 * the kernel reads (their products are never stored, but must not be NaN to no
 * purpose: a NaN there costs nothing, yet a zero keeps tools such as valgrind quiet). */
void wk_panel_b_pad(float *Bp, int64_t R, int64_t P);

/* C (M, P) with leading dimension ldc = Ap . Bp + beta C; beta 0 writes C without
 * reading it. */
void wk_panel_gemm(float *C, int64_t ldc, const float *Ap, const float *Bp, int64_t M, int64_t R, int64_t P,
                   float beta);

/* The same, C being whole images' planes: column p of the product is pixel p % seg of
 * image p / seg, at C + (p / seg) image_stride + p % seg in row 0 (rows ldc apart).
 * Needs seg >= WK_PANEL_NP (a micro-tile then spans at most two images). B is in panels
 * when ldb is 0, else row-major as for wk_panel_gemm_rows (scratch then as there); bias
 * (M values) or NULL is added along the rows. A forward writes its NCHW output so, with
 * no gathered copy and no bias fill in between. */
void wk_panel_gemm_images(float *C, int64_t ldc, int64_t seg, int64_t image_stride, const float *Ap, const float *B,
                          int64_t ldb, int64_t M, int64_t R, int64_t P, float beta, const float *bias, float *scratch);

/* The same with B row-major (R, P) with leading dimension ldb, copied a panel at a
 * time into scratch (R * WK_PANEL_NP floats). */
void wk_panel_gemm_rows(float *C, int64_t ldc, const float *Ap, const float *B, int64_t ldb, int64_t M, int64_t R,
                        int64_t P, float beta, float *scratch);

#endif
