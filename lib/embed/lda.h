/* lda.h — topic models: latent Dirichlet allocation (Blei, Ng & Jordan 2003) fitted by
 * collapsed Gibbs sampling (Griffiths & Steyvers 2004) with the SparseLDA sampler of
 * Yao, Mimno & McCallum (2009), and the questions asked of a fitted model: the
 * document-topic and topic-word tables, θ of a new document (sampled with the topic-word
 * counts fixed) and held-out perplexity by document completion.
 *
 * Documents come in as one token array cut by offsets (CSR): doc d is
 * words[doc_start[d] .. doc_start[d+1]), each a 0-based word id below n_words. The
 * vocabulary itself (the strings) lives with the caller.
 *
 * Sampling runs on one thread, so a seed gives the same model on any machine and any
 * thread count: a sweep is a chain of dependent draws, and the ways to share it between
 * threads (AD-LDA's stale copies of the topic-word counts) change the result with the
 * number of workers. Inference of many held-out documents is independent per document
 * and runs on wick's thread pool, each document with a generator seeded from (seed,
 * document index), so its result does not depend on the thread count either. */
#ifndef WK_LDA_H
#define WK_LDA_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"

#define WK_LDA_MAX_TOPICS 4096

typedef struct wk_lda_opts {
    int topics;         /* K >= 1 */
    double alpha;       /* symmetric document-topic prior, > 0 */
    double beta;        /* symmetric topic-word prior, > 0 */
    uint64_t seed;
} wk_lda_opts;

typedef struct wk_lda wk_lda;

/* A model with every token given a uniformly random topic (the state before the first
 * sweep). words/doc_start are copied. Fails on K out of range, priors that are not
 * finite and > 0, a word id out of range, no tokens at all, or out of memory. */
int wk_lda_new(wk_lda **out, const int32_t *words, const int64_t *doc_start, int64_t n_docs, int64_t n_words,
               const wk_lda_opts *o);
void wk_lda_free(wk_lda *m);

/* n Gibbs sweeps over every token. */
int wk_lda_sweep(wk_lda *m, int n);
int64_t wk_lda_iterations(const wk_lda *m);
int64_t wk_lda_tokens(const wk_lda *m);
int wk_lda_topics(const wk_lda *m);

/* log p(w, z) of the current state (the collapsed joint likelihood, Griffiths & Steyvers
 * eq. 2 and its document part), in nats; rises as the sampler settles. */
double wk_lda_log_likelihood(const wk_lda *m);

/* θ (n_docs, K): (n_dk + α) / (n_d + Kα) of the current state, rows summing to 1. */
void wk_lda_doc_topics(const wk_lda *m, float *theta);
/* φ (K, n_words): (n_kw + β) / (n_k + Vβ), rows summing to 1. */
void wk_lda_topic_words(const wk_lda *m, float *phi);
/* Tokens per topic (K) in the current state. */
void wk_lda_topic_counts(const wk_lda *m, int64_t *n_k);

/* θ of new documents (CSR as above; ids >= n_words are skipped) with φ of the current
 * state fixed: `iterations` sweeps of p(z = k) ∝ (n_dk + α) φ_kw, the first half burn-in,
 * θ averaged over the rest. theta: (n_docs, K). Deterministic for a seed whatever the
 * thread count. */
int wk_lda_infer(const wk_lda *m, float *theta, const int32_t *words, const int64_t *doc_start, int64_t n_docs,
                 int iterations, uint64_t seed);

/* Held-out quality by document completion (Wallach et al. 2009): each document's first
 * half of tokens infers θ (as wk_lda_infer), and its second half is scored:
 * *log_p = Σ log Σ_k θ_k φ_kw over the scored tokens, *scored = their number (documents
 * with fewer than 2 known tokens are skipped). perplexity = exp(-log_p / scored). */
int wk_lda_completion(const wk_lda *m, double *log_p, int64_t *scored, const int32_t *words,
                      const int64_t *doc_start, int64_t n_docs, int iterations, uint64_t seed);

#endif
