/* tsne_fft.h — 2-D t-SNE repulsion by FFT-accelerated interpolation (tsne_fft.c). */
#ifndef WK_EMBED_TSNE_FFT_H
#define WK_EMBED_TSNE_FFT_H

#include <stdint.h>

/* rep (n, 2) and Z from y (n, 2); see tsne.h (wk_tsne_repulsion). */
int wk_tsne_fft_repulsion(double *rep, double *z, const double *y, int64_t n);

#endif
