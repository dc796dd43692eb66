/* conv_engine.h — the im2col + GEMM engine behind conv.c (conv_engine.c): the three
 * GEMM-shaped operations of one convolution geometry (im2col.h), run over chunks of the
 * column side on wick's pool. Internal to lib/nn. */
#ifndef WK_NN_CONV_ENGINE_H
#define WK_NN_CONV_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "im2col.h"

/* The operations, combinable in one run (FWD + WGRAD share their im2col):
 *   WK_CONV_FWD    col  = w . im2col(img)
 *   WK_CONV_DATA   img += col2im(w^T . col)
 *   WK_CONV_WGRAD  gw  += col . im2col(img)^T */
enum { WK_CONV_FWD = 1, WK_CONV_DATA = 2, WK_CONV_WGRAD = 4 };

typedef struct wk_conv_io {
    const float *img_in;   /* (N, Ci, H, W)   read by im2col (FWD, WGRAD) */
    float *img_out;        /* (N, Ci, H, W)   += by DATA */
    const float *col_in;   /* (N, Co, Ho, Wo) read by DATA and WGRAD */
    float *col_out;        /* (N, Co, Ho, Wo) written by FWD */
    const float *w;        /* (Co, K) */
    float *gw;             /* (Co, K)         += by WGRAD */
    const float *bias;     /* (Co) or NULL    added by FWD */
    int col_accumulate;    /* FWD: 1 adds into col_out, 0 overwrites it */
} wk_conv_io;

/* Floats of workspace a run of ops on g needs. */
size_t wk_conv_engine_floats(const wk_conv_geom *g, int ops);

/* Whether g has nothing to compute (an empty batch, no channels or no output). */
int wk_conv_engine_empty(const wk_conv_geom *g);

/* Runs ops (FWD, then WGRAD, then DATA, each a pass over the chunks) with buf holding
 * wk_conv_engine_floats() floats. */
void wk_conv_engine_run(const wk_conv_geom *g, const wk_conv_io *x, int ops, float *buf);

#endif
