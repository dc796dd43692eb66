/* norm.h — batch normalisation over (N, C), (N, C, L) and (N, C, H, W) inputs, as
 * PyTorch's BatchNorm1d / BatchNorm2d: statistics per channel C over every other axis.
 *
 *   training:  mean_c, var_c = mean and BIASED variance of x[:, c, ...] over M = N * L (or N*H*W)
 *              y = (x - mean_c) / sqrt(var_c + eps) * gamma_c + beta_c
 *              running_mean = (1 - momentum) running_mean + momentum mean_c
 *              running_var  = (1 - momentum) running_var  + momentum var_c * M / (M - 1)  (unbiased)
 *   eval:      the same with running_mean / running_var in place of the batch statistics
 *
 * All tensors are contiguous float32 and allocated by the caller: y and dx have x's
 * shape; gamma, beta, running stats, save_mean, save_invstd and their gradients are (C).
 * gamma/beta may be NULL (affine=False: gamma 1, beta 0). Argument order: outputs, inputs,
 * weights, buffers (running stats), hyper-parameters. Backward WRITES dx (autograd hands
 * it a fresh tensor: no zeroing pass) and ACCUMULATES into dgamma, dbeta (each may be
 * NULL). Sums run in double. */
#ifndef WK_NN_NORM_H
#define WK_NN_NORM_H

#include "../tensor/tensor.h"

/* An activation applied to the normalised value z in the same pass (wick fuses
 * nn.sequential's batchnorm followed by relu or leaky_relu, saving the passes over
 * memory of a separate activation): y = z > 0 ? z : slope z, relu being slope 0 (it
 * writes 0, never -0). on = 0: none. The _act_ functions below take one; the plain ones
 * are them with none. */
typedef struct wk_bn_act {
    int on;
    float slope;
} wk_bn_act;

/* Training forward: batch statistics. Writes y, save_mean (C) = mean_c and save_invstd
 * (C) = 1/sqrt(var_c + eps), which backward needs; updates running_mean/running_var when
 * given (NULL: track_running_stats=False). Fails for M = 1 (one value per channel), as
 * PyTorch does. */
int wk_batchnorm_forward_train(wk_tensor *y, wk_tensor *save_mean, wk_tensor *save_invstd,
                               const wk_tensor *x, const wk_tensor *gamma, const wk_tensor *beta,
                               wk_tensor *running_mean, wk_tensor *running_var, float momentum, float eps);

/* Eval forward: running statistics. save_mean/save_invstd (may be NULL) receive
 * running_mean and 1/sqrt(running_var + eps), for a backward with training = 0. */
int wk_batchnorm_forward_eval(wk_tensor *y, wk_tensor *save_mean, wk_tensor *save_invstd,
                              const wk_tensor *x, const wk_tensor *gamma, const wk_tensor *beta,
                              const wk_tensor *running_mean, const wk_tensor *running_var, float eps);

/* Backward, with xhat = (x - save_mean) * save_invstd:
 *   dbeta_c  += sum dy                     dgamma_c += sum dy * xhat
 *   training:  dx = gamma invstd / M * (M dy - sum dy - xhat sum(dy xhat))
 *   eval:      dx = gamma invstd dy        (the statistics are constants) */
int wk_batchnorm_backward(wk_tensor *dx, wk_tensor *dgamma, wk_tensor *dbeta,
                          const wk_tensor *dy, const wk_tensor *x, const wk_tensor *gamma,
                          const wk_tensor *save_mean, const wk_tensor *save_invstd, int training);

/* The same three with an activation after the normalisation. The backward takes dy as
 * the gradient of the activation's output and works z out again from x, gamma and beta
 * (so it needs beta too) exactly as the forward did. */
int wk_batchnorm_act_forward_train(wk_tensor *y, wk_tensor *save_mean, wk_tensor *save_invstd,
                                   const wk_tensor *x, const wk_tensor *gamma, const wk_tensor *beta,
                                   wk_tensor *running_mean, wk_tensor *running_var, float momentum, float eps,
                                   wk_bn_act act);
int wk_batchnorm_act_forward_eval(wk_tensor *y, wk_tensor *save_mean, wk_tensor *save_invstd,
                                  const wk_tensor *x, const wk_tensor *gamma, const wk_tensor *beta,
                                  const wk_tensor *running_mean, const wk_tensor *running_var, float eps,
                                  wk_bn_act act);
int wk_batchnorm_act_backward(wk_tensor *dx, wk_tensor *dgamma, wk_tensor *dbeta, const wk_tensor *dy,
                              const wk_tensor *x, const wk_tensor *gamma, const wk_tensor *beta,
                              const wk_tensor *save_mean, const wk_tensor *save_invstd, int training, wk_bn_act act);

#endif
