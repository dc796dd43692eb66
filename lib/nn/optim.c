/* optim.c — the fused update loops behind wick.optim (formulas in optim.h). One pass
 * per parameter, no allocation: a training step's optimizer cost is a memory sweep. */
#include "optim.h"

#include <math.h>

void wk_sgd_step(float *restrict p, const float *restrict g, float *restrict buf, int64_t n, float lr, float momentum,
                 float dampening, float weight_decay, int nesterov, int first_step)
{
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i] + weight_decay * p[i];
        if (momentum != 0.0f) {
            float b = first_step ? gi : momentum * buf[i] + (1.0f - dampening) * gi;
            buf[i] = b;
            gi = nesterov ? gi + momentum * b : b;
        }
        p[i] -= lr * gi;
    }
}

void wk_adam_step(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, int64_t n, float lr,
                  float beta1, float beta2, float eps, float weight_decay, int decoupled, int64_t t)
{
    double bc1 = 1.0 - pow(beta1, (double)t), bc2 = 1.0 - pow(beta2, (double)t);
    float step = (float)(lr / bc1), inv_sqrt_bc2 = (float)(1.0 / sqrt(bc2));
    float decay = decoupled ? 1.0f - lr * weight_decay : 1.0f, l2 = decoupled ? 0.0f : weight_decay;
    for (int64_t i = 0; i < n; i++) {
        float pi = p[i] * decay;
        float gi = g[i] + l2 * pi;
        float mi = beta1 * m[i] + (1.0f - beta1) * gi;
        float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - step * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
    }
}

void wk_rmsprop_step(float *restrict p, const float *restrict g, float *restrict sq, float *restrict buf, int64_t n,
                     float lr, float alpha, float eps, float weight_decay, float momentum)
{
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i] + weight_decay * p[i];
        float s = alpha * sq[i] + (1.0f - alpha) * gi * gi;
        sq[i] = s;
        float scaled = gi / (sqrtf(s) + eps);
        if (momentum > 0.0f) {
            buf[i] = momentum * buf[i] + scaled;
            p[i] -= lr * buf[i];
        } else {
            p[i] -= lr * scaled;
        }
    }
}

double wk_sum_squares(const float *x, int64_t n)
{
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return s;
}
