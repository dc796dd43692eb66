/* charrnn.c — char-rnn sampling one character at a time: gather the precomputed
 * layer-0 gates of the character, one sgemv per layer for the recurrence, the cell's
 * arithmetic shared with training (lib/nn/cell.h), one sgemv for the output, then a
 * draw with temperature / top-k / top-p. See charrnn.h. */
#include "charrnn.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/rng.h"
#include "../nn/cell.h"

struct wk_charrnn {
    wk_cell cell;
    int layers, V, E, H, G;
    float *proj0;     // (V, G*H)  embedding @ w_ih_l0^T + b_ih_l0
    float **w_cat;    // [layers] LSTM l>0: (G*H, 2H) = [w_ih | w_hh]; else w_hh (G*H, H)
    float **w_ih;     // [layers] GRU l>0: (G*H, H); else NULL
    float **b;        // [layers] (G*H) LSTM: b_ih + b_hh (l>0) or b_hh (l=0); GRU: b_ih (l>0)
    float **b_hh;     // [layers] GRU only: (G*H)
    float *w_out;     // (V, H)
    float *b_out;     // (V)
    float *h;         // (layers, H)
    float *c;         // (layers, H) LSTM cell state
    float *xh;        // (2H) [x; h] input of an upper LSTM layer
    float *gates;     // (G*H)
    float *gh;        // (G*H) GRU's W_hh h + b_hh
    float *logits;    // (V)
    float *prob;      // (V)
    int *order;       // (V) ids by falling probability (top-k / top-p)
};

static float *dup(const float *src, size_t n)
{
    float *d = malloc(n * sizeof *d);
    if (d && src) memcpy(d, src, n * sizeof *d);
    else if (d) memset(d, 0, n * sizeof *d);
    return d;
}

void wk_charrnn_free(wk_charrnn *s)
{
    if (!s) return;
    for (int l = 0; l < s->layers; l++) {
        if (s->w_cat) free(s->w_cat[l]);
        if (s->w_ih) free(s->w_ih[l]);
        if (s->b) free(s->b[l]);
        if (s->b_hh) free(s->b_hh[l]);
    }
    free(s->w_cat); free(s->w_ih); free(s->b); free(s->b_hh);
    free(s->proj0); free(s->w_out); free(s->b_out); free(s->h); free(s->c);
    free(s->xh); free(s->gates); free(s->gh); free(s->logits); free(s->prob); free(s->order);
    free(s);
}

int wk_charrnn_new(wk_charrnn **out, const wk_charrnn_weights *w)
{
    *out = NULL;
    if (w->layers < 1 || w->vocab < 1 || w->embed < 1 || w->hidden < 1)
        return wk_fail("charrnn: bad sizes (layers %d, vocab %d, embed %d, hidden %d)", w->layers, w->vocab,
                       w->embed, w->hidden);
    wk_charrnn *s = calloc(1, sizeof *s);
    if (!s) return wk_fail("charrnn: out of memory");
    int L = w->layers, V = w->vocab, E = w->embed, H = w->hidden, G = w->cell == WK_CELL_LSTM ? 4 : 3;
    size_t GH = (size_t)G * H;
    s->cell = w->cell; s->layers = L; s->V = V; s->E = E; s->H = H; s->G = G;
    s->w_cat = calloc(L, sizeof *s->w_cat);
    s->w_ih = calloc(L, sizeof *s->w_ih);
    s->b = calloc(L, sizeof *s->b);
    s->b_hh = calloc(L, sizeof *s->b_hh);
    s->proj0 = malloc((size_t)V * GH * sizeof(float));
    s->w_out = dup(w->w_out, (size_t)V * H);
    s->b_out = dup(w->b_out, (size_t)V);
    s->h = dup(NULL, (size_t)L * H);
    s->c = dup(NULL, (size_t)L * H);
    s->xh = dup(NULL, 2 * (size_t)H);
    s->gates = dup(NULL, GH);
    s->gh = dup(NULL, GH);
    s->logits = dup(NULL, (size_t)V);
    s->prob = dup(NULL, (size_t)V);
    s->order = malloc((size_t)V * sizeof *s->order);
    if (!s->w_cat || !s->w_ih || !s->b || !s->b_hh || !s->proj0 || !s->w_out || !s->b_out || !s->h || !s->c ||
        !s->xh || !s->gates || !s->gh || !s->logits || !s->prob || !s->order)
        goto oom;
    /* Layer 0's input term for every character at once: (V, E) @ (E, GH) + b_ih. */
    for (int v = 0; v < V; v++)
        for (size_t g = 0; g < GH; g++) s->proj0[(size_t)v * GH + g] = w->b_ih[0] ? w->b_ih[0][g] : 0.0f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, V, (int)GH, E, 1.0f, w->embedding, E, w->w_ih[0], E,
                1.0f, s->proj0, (int)GH);
    for (int l = 0; l < L; l++) {
        int lstm_upper = w->cell == WK_CELL_LSTM && l > 0;
        size_t cols = lstm_upper ? 2 * (size_t)H : (size_t)H;
        s->w_cat[l] = malloc(GH * cols * sizeof(float));
        s->b[l] = dup(NULL, GH);
        if (!s->w_cat[l] || !s->b[l]) goto oom;
        for (size_t g = 0; g < GH; g++) {
            if (lstm_upper) {
                memcpy(s->w_cat[l] + g * cols, w->w_ih[l] + g * H, H * sizeof(float));
                memcpy(s->w_cat[l] + g * cols + H, w->w_hh[l] + g * H, H * sizeof(float));
            } else {
                memcpy(s->w_cat[l] + g * cols, w->w_hh[l] + g * H, H * sizeof(float));
            }
        }
        if (w->cell == WK_CELL_LSTM) {
            for (size_t g = 0; g < GH; g++)
                s->b[l][g] = (w->b_hh[l] ? w->b_hh[l][g] : 0.0f) + (l > 0 && w->b_ih[l] ? w->b_ih[l][g] : 0.0f);
        } else {
            /* GRU keeps W_hn h + b_hn apart (r multiplies it), so b_hh stays separate. */
            s->b_hh[l] = dup(w->b_hh[l], GH);
            if (!s->b_hh[l]) goto oom;
            if (l > 0) {
                s->w_ih[l] = dup(w->w_ih[l], GH * H);
                if (!s->w_ih[l]) goto oom;
                if (w->b_ih[l]) memcpy(s->b[l], w->b_ih[l], GH * sizeof(float));
            }
        }
    }
    *out = s;
    return WK_OK;
oom:
    wk_charrnn_free(s);
    return wk_fail("charrnn: out of memory for a %d-layer %d-hidden sampler over %d characters", L, H, V);
}

void wk_charrnn_reset(wk_charrnn *s)
{
    memset(s->h, 0, (size_t)s->layers * s->H * sizeof(float));
    memset(s->c, 0, (size_t)s->layers * s->H * sizeof(float));
    memset(s->logits, 0, (size_t)s->V * sizeof(float));
}

const float *wk_charrnn_logits(const wk_charrnn *s) { return s->logits; }

int wk_charrnn_feed(wk_charrnn *s, int id)
{
    if (id < 0 || id >= s->V) return wk_fail("charrnn: id %d outside the vocabulary of %d", id + 1, s->V);
    int H = s->H, GH = s->G * H;
    const float *x = NULL;   // (H) the layer below's new h
    for (int l = 0; l < s->layers; l++) {
        float *h = s->h + (size_t)l * H, *c = s->c + (size_t)l * H, *g = s->gates;
        if (s->cell == WK_CELL_LSTM) {
            // gates = [W_ih | W_hh] [x; h] + b   (layer 0: proj0[id] + W_hh h + b_hh)
            if (l == 0) {
                memcpy(g, s->proj0 + (size_t)id * GH, GH * sizeof(float));
                for (int k = 0; k < GH; k++) g[k] += s->b[0][k];
                cblas_sgemv(CblasRowMajor, CblasNoTrans, GH, H, 1.0f, s->w_cat[0], H, h, 1, 1.0f, g, 1);
            } else {
                memcpy(s->xh, x, H * sizeof(float));
                memcpy(s->xh + H, h, H * sizeof(float));
                memcpy(g, s->b[l], GH * sizeof(float));
                cblas_sgemv(CblasRowMajor, CblasNoTrans, GH, 2 * H, 1.0f, s->w_cat[l], 2 * H, s->xh, 1, 1.0f, g, 1);
            }
            wk_lstm_cell(g, c, c, s->gh, h, H);   /* (gh is free scratch in an LSTM: tanh(c)) */
        } else {
            // gi = W_ih x + b_ih (layer 0: proj0[id]);  gh = W_hh h + b_hh
            if (l == 0) memcpy(g, s->proj0 + (size_t)id * GH, GH * sizeof(float));
            else {
                memcpy(g, s->b[l], GH * sizeof(float));
                cblas_sgemv(CblasRowMajor, CblasNoTrans, GH, H, 1.0f, s->w_ih[l], H, x, 1, 1.0f, g, 1);
            }
            memcpy(s->gh, s->b_hh[l], GH * sizeof(float));
            cblas_sgemv(CblasRowMajor, CblasNoTrans, GH, H, 1.0f, s->w_cat[l], H, h, 1, 1.0f, s->gh, 1);
            wk_gru_cell(g, s->gh, h, h, s->xh, H);   /* (xh is free scratch in a GRU) */
        }
        x = h;
    }
    memcpy(s->logits, s->b_out, (size_t)s->V * sizeof(float));
    cblas_sgemv(CblasRowMajor, CblasNoTrans, s->V, H, 1.0f, s->w_out, H, x, 1, 1.0f, s->logits, 1);
    return WK_OK;
}

// ---- drawing -----------------------------------------------------------------------

static const float *sort_key;
static int by_prob_desc(const void *a, const void *b)
{
    float x = sort_key[*(const int *)a], y = sort_key[*(const int *)b];
    if (x != y) return x < y ? 1 : -1;
    return *(const int *)a - *(const int *)b;   /* ties: lower id first, deterministic */
}

int wk_charrnn_draw(wk_charrnn *s, float temperature, int top_k, float top_p)
{
    int V = s->V;
    const float *z = s->logits;
    int best = 0;
    for (int v = 1; v < V; v++)
        if (z[v] > z[best]) best = v;
    if (temperature <= 0.0f) return best;
    // p = softmax(z / T), shifted by the max for stability
    double sum = 0;
    for (int v = 0; v < V; v++) {
        s->prob[v] = expf((z[v] - z[best]) / temperature);
        sum += s->prob[v];
    }
    int n = V;
    if ((top_k > 0 && top_k < V) || top_p < 1.0f) {
        for (int v = 0; v < V; v++) s->order[v] = v;
        sort_key = s->prob;
        qsort(s->order, V, sizeof *s->order, by_prob_desc);
        if (top_k > 0 && top_k < n) n = top_k;
        if (top_p < 1.0f) {
            double acc = 0;
            int k = 0;
            while (k < n) {
                acc += s->prob[s->order[k]] / sum;
                k++;
                if (acc >= top_p) break;
            }
            n = k;
        }
        double kept = 0;
        for (int k = 0; k < n; k++) kept += s->prob[s->order[k]];
        double u = wk_rng_uniform_double() * kept, acc = 0;
        for (int k = 0; k < n; k++) {
            acc += s->prob[s->order[k]];
            if (u < acc) return s->order[k];
        }
        return s->order[n - 1];
    }
    double u = wk_rng_uniform_double() * sum, acc = 0;
    int last = best;
    for (int v = 0; v < V; v++) {
        if (s->prob[v] <= 0) continue;
        acc += s->prob[v];
        last = v;
        if (u < acc) return v;
    }
    return last;
}
