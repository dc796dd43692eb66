/* rnn.h — recurrent layers: one LSTM or GRU layer run over a whole sequence, forward,
 * no-grad forward (sampling) and backward through time.
 *
 * The formulas, gate order and weight shapes are PyTorch's (nn.LSTM / nn.GRU), so a
 * layer's weights load straight from a PyTorch checkpoint (weight_ih_l0 -> w_ih, ...):
 *
 *   LSTM, gates i, f, g, o stacked in rows of w_ih (4H, I), w_hh (4H, H), b_ih, b_hh (4H):
 *     i = s(W_ii x + b_ii + W_hi h + b_hi)      f = s(W_if x + b_if + W_hf h + b_hf)
 *     g = tanh(W_ig x + b_ig + W_hg h + b_hg)   o = s(W_io x + b_io + W_ho h + b_ho)
 *     c' = f * c + i * g                        h' = o * tanh(c')
 *   GRU, gates r, z, n stacked in rows of w_ih (3H, I), w_hh (3H, H), b_ih, b_hh (3H):
 *     r = s(W_ir x + b_ir + W_hr h + b_hr)      z = s(W_iz x + b_iz + W_hz h + b_hz)
 *     n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
 *     h' = (1 - z) * n + z * h
 *
 * Shapes (all contiguous float32; x is batch-first as nn.LSTM(batch_first=True)):
 *   x (N, T, I)   y (N, T, H) = h_1..h_T   h0, c0, hT, cT (N, H)
 * Stacking layers, dropout between them and bidirectional runs are the caller's (Lua's).
 *
 * Kernels are stateless. Memory is the caller's:
 *   - every output tensor is allocated by the caller with exactly its shape, and no
 *     output may share memory with an input;
 *   - `saved` is what forward keeps for backward, one row per (n, t):
 *       LSTM saved (N, T, 6H) = [i f g o | c_t | tanh c_t]   (activated gates)
 *       GRU  saved (N, T, 4H) = [r z n | W_hn h_{t-1} + b_hn]
 *     The same tensor goes to backward untouched (with the same x, h0, c0, y);
 *   - `ws` is scratch: it grows on the first call and is reused after, so a training
 *     loop allocates nothing in steady state. It peaks at about N*T*(5H + 1) floats
 *     (LSTM backward), N*T*(7H + 1) (GRU backward), N*T*6H (LSTM no-grad forward).
 * Optional arguments may be NULL: h0/c0 (zeros), hT/cT (not wanted), b_ih/b_hh (no
 * bias), dhT/dcT (no gradient flows into the final states), and every gradient output
 * (not wanted). Backward ACCUMULATES into every gradient output it is given (dx += …,
 * dw_ih += …), as THNN's accGradParameters: the caller zeroes them.
 *
 * Work: the input projection x W_ih^T for all T steps is one SGEMM up front; each step is
 * one SGEMM h W_hh^T for all gates, accumulated in place into that step's gate rows,
 * then one fused C pass for the nonlinearities and the state update. Backward keeps the
 * per-step GEMM dG_t W_hh and leaves dx, dW_ih, dW_hh and the biases to single GEMMs
 * (or sums) over all N*T rows at the end. */
#ifndef WK_NN_RNN_H
#define WK_NN_RNN_H

#include <stddef.h>

#include "../core/workspace.h"
#include "../tensor/tensor.h"

/* ---- LSTM --------------------------------------------------------------------------- */

/* Training forward: fills y, hT, cT and saved (N, T, 6H). */
int wk_lstm_forward(wk_tensor *y, wk_tensor *hT, wk_tensor *cT, wk_tensor *saved,
                    const wk_tensor *x, const wk_tensor *h0, const wk_tensor *c0,
                    const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *b_ih, const wk_tensor *b_hh,
                    wk_workspace *ws);

/* No-grad forward (sampling, evaluation): the same results, nothing saved; uses ws
 * for its gate rows. */
int wk_lstm_forward_nograd(wk_tensor *y, wk_tensor *hT, wk_tensor *cT,
                           const wk_tensor *x, const wk_tensor *h0, const wk_tensor *c0,
                           const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *b_ih,
                           const wk_tensor *b_hh, wk_workspace *ws);

/* Backward through time. dy (N, T, H) is the gradient of the loss w.r.t. y (required);
 * dhT, dcT (N, H) w.r.t. the final states (optional). Accumulates into dx (N, T, I),
 * dh0, dc0 (N, H), dw_ih (4H, I), dw_hh (4H, H), db_ih, db_hh (4H). */
int wk_lstm_backward(wk_tensor *dx, wk_tensor *dh0, wk_tensor *dc0,
                     wk_tensor *dw_ih, wk_tensor *dw_hh, wk_tensor *db_ih, wk_tensor *db_hh,
                     const wk_tensor *dy, const wk_tensor *dhT, const wk_tensor *dcT,
                     const wk_tensor *x, const wk_tensor *h0, const wk_tensor *c0, const wk_tensor *y,
                     const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *saved,
                     wk_workspace *ws);

/* ---- GRU ---------------------------------------------------------------------------- */

/* Training forward: fills y, hT and saved (N, T, 4H). */
int wk_gru_forward(wk_tensor *y, wk_tensor *hT, wk_tensor *saved,
                   const wk_tensor *x, const wk_tensor *h0,
                   const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *b_ih, const wk_tensor *b_hh,
                   wk_workspace *ws);

int wk_gru_forward_nograd(wk_tensor *y, wk_tensor *hT,
                          const wk_tensor *x, const wk_tensor *h0,
                          const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *b_ih,
                          const wk_tensor *b_hh, wk_workspace *ws);

/* Accumulates into dx (N, T, I), dh0 (N, H), dw_ih (3H, I), dw_hh (3H, H), db_ih, db_hh (3H). */
int wk_gru_backward(wk_tensor *dx, wk_tensor *dh0,
                    wk_tensor *dw_ih, wk_tensor *dw_hh, wk_tensor *db_ih, wk_tensor *db_hh,
                    const wk_tensor *dy, const wk_tensor *dhT,
                    const wk_tensor *x, const wk_tensor *h0, const wk_tensor *y,
                    const wk_tensor *w_ih, const wk_tensor *w_hh, const wk_tensor *saved,
                    wk_workspace *ws);

#endif
