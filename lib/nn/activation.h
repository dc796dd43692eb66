/* activation.h — pointwise nonlinearities of neural nets, forward and backward:
 * relu, leaky_relu, elu, gelu (exact erf form), tanh and sigmoid.
 *
 * Every kernel works on contiguous float32 tensors the caller has already allocated:
 * the output has exactly the input's shape (it may be the input itself, for an in-place
 * forward). Argument order is the kernels' fixed order: outputs, then inputs, then
 * hyper-parameters. Backward kernels WRITE dx = dy * f'(·), whatever dx held: autograd
 * hands each one a fresh tensor and sums the branches of a graph itself, so zeroing dx
 * first and adding into it would only be two more passes over memory. tanh and sigmoid differentiate from their forward
 * output y (cheaper, and what autograd keeps); the others from their input x.
 * All return WK_OK, or WK_ERR with a reason in wk_errmsg().
 *
 * The array kernels wk_vec_sigmoid / wk_vec_tanh are the vectorised (AVX2 + FMA when the
 * build targets it) exp-based approximations, accurate to a few float ulps, that the
 * recurrent layers (rnn.c) call on their gate rows. */
#ifndef WK_NN_ACTIVATION_H
#define WK_NN_ACTIVATION_H

#include <stdint.h>

#include "../tensor/tensor.h"

/* ---- tensor kernels -------------------------------------------------------------- */

/* y = max(x, 0);                         dx = dy * (x > 0) */
int wk_relu_forward(wk_tensor *y, const wk_tensor *x);
int wk_relu_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *x);

/* y = x > 0 ? x : slope * x;             dx = dy * (x > 0 ? 1 : slope) */
int wk_leaky_relu_forward(wk_tensor *y, const wk_tensor *x, float slope);
int wk_leaky_relu_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *x, float slope);

/* y = x > 0 ? x : alpha * (exp(x) - 1);  dx = dy * (x > 0 ? 1 : alpha * exp(x)) */
int wk_elu_forward(wk_tensor *y, const wk_tensor *x, float alpha);
int wk_elu_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *x, float alpha);

/* y = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2));
 * dx = dy * (Phi(x) + x * phi(x)), phi(x) = exp(-x^2/2) / sqrt(2 pi)   (PyTorch's default) */
int wk_gelu_forward(wk_tensor *y, const wk_tensor *x);
int wk_gelu_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *x);

/* y = tanh(x);                           dx = dy * (1 - y^2)     (y: the forward output) */
int wk_tanh_forward(wk_tensor *y, const wk_tensor *x);
int wk_tanh_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *y);

/* y = 1 / (1 + exp(-x));                 dx = dy * y * (1 - y)   (y: the forward output) */
int wk_sigmoid_forward(wk_tensor *y, const wk_tensor *x);
int wk_sigmoid_backward(wk_tensor *dx, const wk_tensor *dy, const wk_tensor *y);

/* ---- array kernels (no checks; y may equal x) ------------------------------------ */

void wk_vec_sigmoid(float *y, const float *x, int64_t n);
void wk_vec_tanh(float *y, const float *x, int64_t n);
void wk_vec_exp(float *y, const float *x, int64_t n);

#endif
