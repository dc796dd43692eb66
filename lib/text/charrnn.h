/* charrnn.h — the per-character sampling loop of a char-rnn: embedding, a stack of
 * LSTM or GRU layers and an output projection, stepped one character at a time with
 * matrix-vector products (cblas_sgemv) and no allocation after creation.
 *
 * Weights are PyTorch's layout (see lib/nn/rnn.h): per layer w_ih (G*H, I), w_hh
 * (G*H, H), b_ih, b_hh (G*H) with G = 4 (LSTM: i f g o) or 3 (GRU: r z n); embedding
 * (V, E); output w_out (V, H), b_out (V). The sampler copies them, so it stays valid
 * whatever happens to the model's tensors afterwards. Two savings over the training
 * path: layer 0's input projection is precomputed per character (V, G*H), and the
 * LSTM's upper layers multiply [x; h] by one concatenated (4H, 2H) matrix.
 *
 * Draws use wick's seeded generator (lib/core/rng.h). */
#ifndef WK_TEXT_CHARRNN_H
#define WK_TEXT_CHARRNN_H

#include <stddef.h>
#include <stdint.h>

typedef enum { WK_CELL_LSTM = 0, WK_CELL_GRU = 1 } wk_cell;

typedef struct wk_charrnn_weights {
    wk_cell cell;
    int layers, vocab, embed, hidden;
    const float *embedding;         /* (V, E) */
    const float *const *w_ih;       /* [layers] (G*H, E or H) */
    const float *const *w_hh;       /* [layers] (G*H, H) */
    const float *const *b_ih;       /* [layers] (G*H) or NULL entries */
    const float *const *b_hh;       /* [layers] (G*H) or NULL entries */
    const float *w_out;             /* (V, H) */
    const float *b_out;             /* (V) or NULL */
} wk_charrnn_weights;

typedef struct wk_charrnn wk_charrnn;

/* A new sampler holding copies of the weights, state zeroed. */
int wk_charrnn_new(wk_charrnn **out, const wk_charrnn_weights *w);
void wk_charrnn_free(wk_charrnn *s);
/* Zero the recurrent state. */
void wk_charrnn_reset(wk_charrnn *s);
/* Feed one character (0-based id): advance the state and compute the next logits. */
int wk_charrnn_feed(wk_charrnn *s, int id);
/* The logits after the last feed (V floats; zeros before any feed). */
const float *wk_charrnn_logits(const wk_charrnn *s);
/* Draw the next id (0-based) from the current logits: temperature 0 is argmax;
 * top_k > 0 keeps the k likeliest; top_p < 1 keeps the smallest set of likeliest ids
 * whose probability reaches top_p. Does not feed it. */
int wk_charrnn_draw(wk_charrnn *s, float temperature, int top_k, float top_p);

#endif
