/* optim.c — the fused update loops behind wick.optim (formulas in optim.h). One pass
 * per parameter, no allocation: a training step's optimizer cost is a memory sweep. */
#include "optim.h"

#include <math.h>

#include "../core/threads.h"

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

/* Adam's sqrt and division per value make it compute-bound (0.5 ms a step for the
 * autoencoder's 435k weights on one Xeon core), so it runs through the pool from
 * ADAM_PAR_MIN values, in ADAM_CHUNK pieces; each value is updated alone, so the cut
 * never changes a result. */
#define ADAM_PAR_MIN ((int64_t)1 << 16)
#define ADAM_CHUNK ((int64_t)1 << 15)

typedef struct adam_job {
    float *p, *m, *v;
    const float *g;
    float beta1, beta2, eps, step, inv_sqrt_bc2, decay, l2;
} adam_job;

static void adam_range(void *ctx, int64_t b, int64_t e, int worker)
{
    const adam_job *j = ctx;
    float *restrict p = j->p, *restrict m = j->m, *restrict v = j->v;
    const float *restrict g = j->g;
    const float beta1 = j->beta1, beta2 = j->beta2, eps = j->eps, step = j->step, inv_sqrt_bc2 = j->inv_sqrt_bc2,
                decay = j->decay, l2 = j->l2;
    for (int64_t i = b; i < e; i++) {
        float pi = p[i] * decay;
        float gi = g[i] + l2 * pi;
        float mi = beta1 * m[i] + (1.0f - beta1) * gi;
        float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - step * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
    }
}

void wk_adam_step(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, int64_t n, float lr,
                  float beta1, float beta2, float eps, float weight_decay, int decoupled, int64_t t)
{
    double bc1 = 1.0 - pow(beta1, (double)t), bc2 = 1.0 - pow(beta2, (double)t);
    adam_job j = {p, m, v, g, beta1, beta2, eps, (float)(lr / bc1), (float)(1.0 / sqrt(bc2)),
                  decoupled ? 1.0f - lr * weight_decay : 1.0f, decoupled ? 0.0f : weight_decay};
    if (n >= ADAM_PAR_MIN) wk_parallel_for(n, ADAM_CHUNK, adam_range, &j);
    else adam_range(&j, 0, n, 0);
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

/* ---- L-BFGS two-loop recursion --------------------------------------------------------
 * The direction costs 2m dot products and 2m axpys over vectors as large as the image
 * being optimised (786k floats at 512², with m = 100 pairs 600 MB of history): pure
 * memory traffic. Each pass below does one axpy and the dot product the next step
 * needs in the same sweep, threaded over fixed chunks whose partial sums are added in
 * chunk order, so the result does not depend on the thread count. */
#define LBFGS_MAX_CHUNKS 256

typedef struct lbfgs_pass {
    float *q;               /* n: the vector being updated */
    const float *x;         /* n or NULL: q += a·x (a = 0 skips) */
    float a, scale;         /* q = scale·q + a·x  (scale 1 when only adding) */
    const float *src;       /* n or NULL: q = scale·src instead of scaling q */
    const float *dot_with;  /* n or NULL: partial[k] = Σ dot_with·q_new over chunk k */
    int64_t n, grain;
    double partial[LBFGS_MAX_CHUNKS];
} lbfgs_pass;

static void lbfgs_pass_chunk(void *ctx, int64_t begin, int64_t end, int worker)
{
    lbfgs_pass *p = ctx;
    for (int64_t k = begin; k < end; k++) {
        int64_t lo = k * p->grain, hi = lo + p->grain < p->n ? lo + p->grain : p->n;
        float *q = p->q;
        const float *src = p->src ? p->src : p->q;
        double s = 0;
        for (int64_t i = lo; i < hi; i++) {
            float v = p->scale * src[i];
            if (p->x) v += p->a * p->x[i];
            q[i] = v;
            if (p->dot_with) s += (double)p->dot_with[i] * v;
        }
        p->partial[k] = s;
    }
}

static double lbfgs_sweep(lbfgs_pass *p)
{
    int64_t chunks = (p->n + p->grain - 1) / p->grain;
    wk_parallel_for(chunks, 1, lbfgs_pass_chunk, p);
    double s = 0;
    for (int64_t k = 0; k < chunks; k++) s += p->partial[k];
    return s;
}

void wk_lbfgs_direction(float *d, const float *g, const float *const *steps, const float *const *dirs,
                        const double *ro, int m, int64_t n, double h_diag, double *alpha)
{
    lbfgs_pass p = { .q = d, .n = n };
    p.grain = (n + LBFGS_MAX_CHUNKS - 1) / LBFGS_MAX_CHUNKS;
    if (p.grain < 16384) p.grain = 16384;
    /* first loop, newest pair first: q = −g; a_i = ro_i·s_i·q; q −= a_i·y_i */
    p.src = g, p.scale = -1, p.dot_with = m ? steps[m - 1] : NULL;
    double dot = lbfgs_sweep(&p);
    p.src = NULL, p.scale = 1;
    for (int i = m - 1; i >= 0; i--) {
        alpha[i] = ro[i] * dot;
        p.x = dirs[i], p.a = (float)-alpha[i], p.dot_with = i ? steps[i - 1] : NULL;
        dot = lbfgs_sweep(&p);
    }
    /* d = h_diag·q; then oldest pair first: b_i = ro_i·y_i·d; d += (a_i − b_i)·s_i */
    p.x = NULL, p.scale = (float)h_diag, p.dot_with = m ? dirs[0] : NULL;
    dot = lbfgs_sweep(&p);
    p.scale = 1;
    for (int i = 0; i < m; i++) {
        double beta = ro[i] * dot;
        p.x = steps[i], p.a = (float)(alpha[i] - beta), p.dot_with = i + 1 < m ? dirs[i + 1] : NULL;
        dot = lbfgs_sweep(&p);
    }
}
