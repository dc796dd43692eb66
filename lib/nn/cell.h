/* cell.h — the arithmetic of one LSTM or GRU step for one row, shared by the layers that
 * train on whole sequences (rnn.c) and the char-rnn sampler that steps one character at
 * a time (lib/text/charrnn.c), so a sampled model computes exactly what it was trained
 * with: the same gate order (PyTorch's), the same vectorised sigmoid and tanh.
 *
 * The matrix products (x W_ih^T, h W_hh^T) stay with the callers: rnn.c does them for a
 * whole batch and sequence at once, the sampler with one sgemv per layer. */
#ifndef WK_CELL_H
#define WK_CELL_H

#include <stdint.h>

#include "activation.h"

/* LSTM. pre (4H): the pre-activations i, f, g, o (x W_ih^T + h W_hh^T + biases); they are
 * overwritten with the activations, which backward needs. c_prev (H) or NULL (zeros).
 * Writes c (H), tanh(c) into tc (H) and h = o tanh(c) (H). c may alias c_prev. */
static inline void wk_lstm_cell(float *pre, const float *c_prev, float *c, float *tc, float *h, int64_t H)
{
    float *gi = pre, *gf = pre + H, *gg = pre + 2 * H, *go = pre + 3 * H;
    wk_vec_sigmoid(gi, gi, 2 * H);   /* i, f */
    wk_vec_tanh(gg, gg, H);
    wk_vec_sigmoid(go, go, H);
    if (c_prev)
        for (int64_t j = 0; j < H; j++) c[j] = gf[j] * c_prev[j] + gi[j] * gg[j];
    else
        for (int64_t j = 0; j < H; j++) c[j] = gi[j] * gg[j];
    wk_vec_tanh(tc, c, H);
    for (int64_t j = 0; j < H; j++) h[j] = go[j] * tc[j];
}

/* GRU. gi (3H): x W_ih^T + b_ih for r, z, n, overwritten with the activations r, z, n.
 * gh (3H): h_prev W_hh^T + b_hh, or just b_hh (NULL: zeros) when there is no h_prev.
 * h_prev (H) or NULL (zeros). Writes h (H) = (1 - z) n + z h_prev, and into hn (H) the
 * hidden part of n's pre-activation (gh's n part), which backward needs. h may alias
 * h_prev. */
static inline void wk_gru_cell(float *gi, const float *gh, const float *h_prev, float *h, float *hn, int64_t H)
{
    float *r = gi, *z = gi + H, *n = gi + 2 * H;
    if (gh)
        for (int64_t j = 0; j < 2 * H; j++) gi[j] += gh[j];
    wk_vec_sigmoid(r, r, 2 * H);   /* r, z */
    for (int64_t j = 0; j < H; j++) {
        float v = gh ? gh[2 * H + j] : 0.0f;
        hn[j] = v;
        n[j] += r[j] * v;
    }
    wk_vec_tanh(n, n, H);
    if (h_prev)
        for (int64_t j = 0; j < H; j++) h[j] = (1.0f - z[j]) * n[j] + z[j] * h_prev[j];
    else
        for (int64_t j = 0; j < H; j++) h[j] = (1.0f - z[j]) * n[j];
}

#endif
