/* pca.h — principal component analysis of a dense float32 matrix.
 *
 * The covariance (D, D) is accumulated by SYRK over row blocks of the centred data and
 * handed, in float64, to LAPACK's dsyevr (OpenBLAS ships LAPACK; Debian's
 * libopenblas-dev has no lapacke.h, so the Fortran symbol is declared in pca.c). Cost:
 * N*D^2 flops for the covariance plus D^3 for the eigenproblem, so it suits D up to a
 * few thousand — pixels of small images, t-SNE inputs, word vectors. */
#ifndef WK_EMBED_PCA_H
#define WK_EMBED_PCA_H

#include <stdint.h>

#include "../core/error.h"

/* Top-k principal axes of x (n, d), n >= 2, 1 <= k <= d.
 *   proj (n, k)  the centred rows projected on the axes (may be NULL)
 *   comp (k, d)  the unit axes, largest variance first; each axis's largest-magnitude
 *                entry is positive, so results are deterministic
 *   var  (k)     variance along each axis (eigenvalues of the covariance, 1/(n-1))
 *   mean (d)     column means (may be NULL)
 * Fails on non-finite input ("pca: row 12 holds NaN or inf"). */
int wk_pca(float *proj, float *comp, float *var, float *mean,
           const float *x, int64_t n, int64_t d, int64_t k);

#endif
