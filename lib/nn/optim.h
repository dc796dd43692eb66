/* optim.h — fused parameter updates for the optimizers in wick.optim.
 *
 * Each step updates one parameter buffer in place from its gradient and the
 * optimizer's state buffers, in a single pass with no allocation, following PyTorch's
 * formulas (torch.optim, 1.13) so that training curves compare. All buffers are
 * contiguous float arrays of n elements. */
#ifndef WK_OPTIM_H
#define WK_OPTIM_H

#include <stdint.h>

/* SGD:  g' = g + wd·p;  buf = momentum·buf + (1 − dampening)·g'  (buf = g' on the first step);
 *       update = nesterov ? g' + momentum·buf : buf  (g' when momentum is 0);  p −= lr·update.
 * buf may be NULL when momentum is 0. */
void wk_sgd_step(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float dampening,
                 float weight_decay, int nesterov, int first_step);

/* Adam / AdamW (decoupled = 1):  step t ≥ 1;
 *   AdamW: p −= lr·wd·p;   Adam: g' = g + wd·p
 *   m = β1·m + (1 − β1)·g';  v = β2·v + (1 − β2)·g'²
 *   p −= lr/(1 − β1ᵗ) · m / (sqrt(v/(1 − β2ᵗ)) + eps) */
void wk_adam_step(float *p, const float *g, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, int decoupled, int64_t t);

/* RMSprop:  g' = g + wd·p;  sq = α·sq + (1 − α)·g'²;  avg = sqrt(sq) + eps;
 *   momentum > 0: buf = momentum·buf + g'/avg, p −= lr·buf;  else p −= lr·g'/avg. */
void wk_rmsprop_step(float *p, const float *g, float *sq, float *buf, int64_t n, float lr, float alpha, float eps,
                     float weight_decay, float momentum);

/* Σ x², accumulated in double (clip_grad_norm). */
double wk_sum_squares(const float *x, int64_t n);

/* The L-BFGS search direction d = −H·g by the two-loop recursion over m pairs, oldest
 * first: steps[i] = s_i (x change), dirs[i] = y_i (gradient change), ro[i] = 1/(y_i·s_i);
 * h_diag scales the initial Hessian. alpha: m doubles of scratch. d may not alias g.
 * Dot products accumulate in double; threaded, with results independent of the count. */
void wk_lbfgs_direction(float *d, const float *g, const float *const *steps, const float *const *dirs,
                        const double *ro, int m, int64_t n, double h_diag, double *alpha);

#endif
