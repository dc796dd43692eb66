/* loss.h — the softmax family and the training losses, forward and backward:
 * softmax and log_softmax along any dim; cross_entropy (fused log_softmax + NLL), nll,
 * mse, l1, bce and bce_with_logits, all with PyTorch's formulas and mean reduction.
 *
 * Tensors are contiguous float32 and allocated by the caller (outputs and gradients with
 * their input's shape). A loss forward writes a float through `loss`; its backward takes
 * dloss = dL/dloss (1 for a loss at the root) and ACCUMULATES into the gradients it is
 * given (dx += …; NULL = not wanted), as every backward kernel in lib/nn.
 *
 * Class targets are float tensors of 1-BASED class ids (as Lua indexes): for logits
 * (N, C) the target is (N) with every value an integer in 1..C; anything else fails with
 * the offending position and value. Sums run in double; log and exp are stabilised by
 * the row maximum. */
#ifndef WK_NN_LOSS_H
#define WK_NN_LOSS_H

#include "../tensor/tensor.h"

/* ---- softmax family (dim is 0-based; negative counts from the end) ------------------ */

/* y = exp(x - max) / sum exp(x - max)            along dim
 * dx += y * (dy - sum(dy * y))                   (y: the forward output) */
int wk_softmax_forward(wk_tensor *y, const wk_tensor *x, int dim);
int wk_softmax_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *y, int dim);

/* y = x - max - log sum exp(x - max)             along dim
 * dx += dy - exp(y) * sum(dy)                    (y: the forward output) */
int wk_log_softmax_forward(wk_tensor *y, const wk_tensor *x, int dim);
int wk_log_softmax_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *y, int dim);

/* ---- classification ----------------------------------------------------------------- */

/* cross_entropy: logits (N, C), target (N) of 1-based class ids.
 *   logp = log_softmax(logits, 1)   (saved for backward; (N, C))
 *   loss = -1/N sum_n logp[n, target_n]
 *   dlogits += dloss / N * (exp(logp) - onehot(target)) */
int wk_cross_entropy_forward(float *loss, wk_tensor *logp, const wk_tensor *logits, const wk_tensor *target);
int wk_cross_entropy_backward(wk_tensor *dlogits, float dloss, const wk_tensor *target, const wk_tensor *logp);

/* nll: logp (N, C) (log-probabilities), target (N) of 1-based class ids.
 *   loss = -1/N sum_n logp[n, target_n];   dlogp[n, target_n] += -dloss / N */
int wk_nll_forward(float *loss, const wk_tensor *logp, const wk_tensor *target);
int wk_nll_backward(wk_tensor *dlogp, float dloss, const wk_tensor *target);

/* ---- regression and binary (x and target of one shape, n elements) ------------------ */

/* mse: loss = 1/n sum (x - t)^2;   dx += 2 dloss (x - t) / n,  dtarget -= the same */
int wk_mse_forward(float *loss, const wk_tensor *x, const wk_tensor *target);
int wk_mse_backward(wk_tensor *dx, wk_tensor *dtarget, float dloss, const wk_tensor *x, const wk_tensor *target);

/* l1: loss = 1/n sum |x - t|;      dx += dloss sign(x - t) / n (sign 0 = 0),  dtarget -= the same */
int wk_l1_forward(float *loss, const wk_tensor *x, const wk_tensor *target);
int wk_l1_backward(wk_tensor *dx, wk_tensor *dtarget, float dloss, const wk_tensor *x, const wk_tensor *target);

/* bce: p in [0, 1] (else fails), t in [0, 1]:
 *   loss = -1/n sum (t max(log p, -100) + (1 - t) max(log(1 - p), -100))
 *   dp += dloss (p - t) / max(p (1 - p), 1e-12) / n */
int wk_bce_forward(float *loss, const wk_tensor *p, const wk_tensor *target);
int wk_bce_backward(wk_tensor *dp, float dloss, const wk_tensor *p, const wk_tensor *target);

/* bce_with_logits, the stable form of bce(sigmoid(x), t):
 *   loss = 1/n sum (max(x, 0) - x t + log(1 + exp(-|x|)))
 *   dx += dloss (sigmoid(x) - t) / n */
int wk_bce_with_logits_forward(float *loss, const wk_tensor *x, const wk_tensor *target);
int wk_bce_with_logits_backward(wk_tensor *dx, float dloss, const wk_tensor *x, const wk_tensor *target);

#endif
