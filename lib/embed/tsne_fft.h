/* tsne_fft.h — 2-D t-SNE repulsion by FFT-accelerated interpolation (tsne_fft.c). */
#ifndef WK_EMBED_TSNE_FFT_H
#define WK_EMBED_TSNE_FFT_H

#include <stdint.h>

/* Plans and buffers kept between calls (opaque; created on first use). */
typedef struct wk_tsne_fft_scratch wk_tsne_fft_scratch;
void wk_tsne_fft_scratch_free(wk_tsne_fft_scratch *s);

/* rep (n, 2) and Z from y (n, 2); see tsne.h (wk_tsne_repulsion). scratch: NULL, or the
 * address of a pointer that starts NULL and is filled on the first call. */
int wk_tsne_fft_repulsion(double *rep, double *z, const double *y, int64_t n, wk_tsne_fft_scratch **scratch);

#endif
