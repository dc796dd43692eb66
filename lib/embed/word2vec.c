/* word2vec.c — training word vectors: the corpus scan (tokens, vocabulary, the token
 * stream), and skip-gram / CBOW with negative sampling run Hogwild on POSIX threads.
 *
 * The method is Mikolov et al. 2013 as the original word2vec.c and gensim implement it:
 *   - the vocabulary keeps words seen at least min_count times, most frequent first;
 *   - frequent words are dropped at random before windowing, keeping word w with
 *     probability (sqrt(f/t) + 1)·t/f, f = count(w), t = sample·(kept tokens);
 *   - each position takes a window of random size 1..window on each side;
 *   - skip-gram: for every (centre, context) pair the context's input vector is pushed
 *     toward the centre's output vector and away from `negative` words drawn from the
 *     unigram distribution raised to 0.75; CBOW does the same with the mean of the
 *     context's input vectors;
 *   - the learning rate falls linearly from alpha to min_alpha over all epochs.
 * Differences that only make it faster: negatives come from an alias table (O(1), fits
 * in cache) instead of a 10^8-entry table; rows are padded to 64 bytes and the inner
 * products use GCC vector extensions; each thread has its own xorshift generator seeded
 * from opts.seed; the corpus is scanned once into an int32 token stream.
 *
 * Two things make several threads learn what one thread learns (both measured on a
 * 20,000-word corpus of two 4-word groups, and on make_corpus.py's 2.29 M words):
 *   - threads take the corpus in order, a chunk at a time, as gensim's job queue does.
 *     One slice per thread (word2vec.c's way) has each thread learn its own part of the
 *     corpus and end it at a low learning rate: the ten nearest neighbours of frequent
 *     words overlapped gensim's by 0.27 at 2 threads against 0.36 at 1 thread; in
 *     chunks, 0.37;
 *   - the rows that take a large share of all updates (every word of a small vocabulary,
 *     the commonest words of a big one) are updated under a per-row spin lock. Hogwild
 *     assumes two threads rarely write one row at once; on an 8-word vocabulary they do
 *     all the time, the updates lost to the race push training to a different and worse
 *     solution (group margin 0.24-0.90 over 8 seeds at 2 threads, 0.88-0.90 at 1), and
 *     with the locks the margins match one thread's. On a big vocabulary a handful of
 *     rows is locked and the cost is small (bench_word2vec.sh). */
#include "word2vec.h"

#include "../text/tokenize.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SENTENCE 10000
#define EXP_TABLE 1024
#define MAX_EXP 6.0f
#define END_OF_SENTENCE (-1)

void wk_word2vec_defaults(wk_word2vec_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dim = 100;
    o->window = 5;
    o->min_count = 5;
    o->epochs = 1;
    o->negative = 5;
    o->threads = 2;
    o->sample = 1e-3;
    o->alpha = 0.025;
    o->min_alpha = -1;   /* alpha * 1e-4 */
    o->seed = 1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- the corpus scan ------------------------------------------------------------------ */

/* Provisional vocabulary while scanning: words in order of first appearance. */
typedef struct scan_vocab {
    char *pool;
    int64_t pool_used, pool_cap;
    int64_t *word_off;   /* (cap) offset of each word in pool */
    int64_t *count;      /* (cap) */
    int64_t n, cap;
    int32_t *hash;       /* (hash_size) word index or -1 */
    int64_t hash_size;
} scan_vocab;

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int scan_grow_hash(scan_vocab *sv)
{
    int64_t size = sv->hash_size ? sv->hash_size * 2 : 1 << 16;
    int32_t *h = malloc(size * sizeof *h);
    if (!h) return wk_fail("word2vec: out of memory for the vocabulary");
    memset(h, 0xff, size * sizeof *h);
    for (int64_t i = 0; i < sv->n; i++) {
        const char *w = sv->pool + sv->word_off[i];
        uint64_t k = hash_bytes(w, strlen(w)) & (size - 1);
        while (h[k] >= 0) k = (k + 1) & (size - 1);
        h[k] = (int32_t)i;
    }
    free(sv->hash);
    sv->hash = h;
    sv->hash_size = size;
    return WK_OK;
}

/* Index of the token (adding it if new), or -1 with a reason on failure. */
static int64_t scan_add(scan_vocab *sv, const char *tok, size_t len)
{
    if (sv->n * 2 >= sv->hash_size && scan_grow_hash(sv)) return -1;
    uint64_t k = hash_bytes(tok, len) & (sv->hash_size - 1);
    for (;;) {
        int32_t i = sv->hash[k];
        if (i < 0) break;
        const char *w = sv->pool + sv->word_off[i];
        if (strncmp(w, tok, len) == 0 && w[len] == 0) {
            sv->count[i]++;
            return i;
        }
        k = (k + 1) & (sv->hash_size - 1);
    }
    if (sv->n >= INT32_MAX - 1) return wk_fail("word2vec: more than 2^31 distinct words"), -1;
    if (sv->n == sv->cap) {
        int64_t cap = sv->cap ? sv->cap * 2 : 4096;
        int64_t *off = realloc(sv->word_off, cap * sizeof *off);
        if (off) sv->word_off = off;
        int64_t *cnt = off ? realloc(sv->count, cap * sizeof *cnt) : NULL;
        if (!cnt) return wk_fail("word2vec: out of memory for the vocabulary"), -1;
        sv->count = cnt;
        sv->cap = cap;
    }
    if (sv->pool_used + (int64_t)len + 1 > sv->pool_cap) {
        int64_t cap = sv->pool_cap ? sv->pool_cap * 2 : 1 << 16;
        while (cap < sv->pool_used + (int64_t)len + 1) cap *= 2;
        char *p = realloc(sv->pool, cap);
        if (!p) return wk_fail("word2vec: out of memory for the vocabulary"), -1;
        sv->pool = p;
        sv->pool_cap = cap;
    }
    memcpy(sv->pool + sv->pool_used, tok, len);
    sv->pool[sv->pool_used + len] = 0;
    sv->word_off[sv->n] = sv->pool_used;
    sv->count[sv->n] = 1;
    sv->pool_used += len + 1;
    sv->hash[k] = (int32_t)sv->n;
    return sv->n++;
}

static void scan_free(scan_vocab *sv)
{
    free(sv->pool);
    free(sv->word_off);
    free(sv->count);
    free(sv->hash);
}

/* Tokenise text into stream (provisional ids, END_OF_SENTENCE at newlines and every
 * MAX_SENTENCE tokens) with the shared tokenizer (lib/text/tokenize.h). stream is grown
 * as needed. */
static int scan_text(scan_vocab *sv, int32_t **stream, int64_t *n_stream, const char *text, size_t len)
{
    int64_t cap = (int64_t)(len / 4) + 16, n = 0, in_sentence = 0;
    int32_t *s = malloc(cap * sizeof *s);
    if (!s) return wk_fail("word2vec: out of memory for a corpus of %zu bytes", len);
    char tok[WK_TOKEN_MAX + 1];
    size_t tl;
    wk_tokenizer tz;
    wk_tokenizer_init(&tz, text, len, 1);
    for (;;) {
        tl = wk_tokenizer_next(&tz, tok);
        if (n + 3 > cap) {   /* room for an end of sentence, the token and another end */
            cap *= 2;
            int32_t *t = realloc(s, cap * sizeof *t);
            if (!t) { free(s); return wk_fail("word2vec: out of memory for the token stream"); }
            s = t;
        }
        if (tz.newline && in_sentence) {   /* a newline ends the sentence */
            s[n++] = END_OF_SENTENCE;
            in_sentence = 0;
        }
        if (!tl) break;
        int64_t id = scan_add(sv, tok, tl);
        if (id < 0) { free(s); return WK_ERR; }
        s[n++] = (int32_t)id;
        if (++in_sentence == MAX_SENTENCE) { s[n++] = END_OF_SENTENCE; in_sentence = 0; }
    }
    if (in_sentence) s[n++] = END_OF_SENTENCE;   /* the text's end ends a sentence */
    *stream = s;
    *n_stream = n;
    return WK_OK;
}

static int by_count_desc(const void *a, const void *b, void *counts)
{
    const int64_t *sort_counts = counts;
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    if (sort_counts[x] != sort_counts[y]) return sort_counts[x] > sort_counts[y] ? -1 : 1;
    return x < y ? -1 : x > y;   /* ties: first appearance first, so the order is fixed */
}

/* ---- the training threads ------------------------------------------------------------- */

typedef float v8sf __attribute__((vector_size(32)));

/* Rows are 64-byte aligned and padded with zeros to a multiple of 16 floats, so these
 * run whole vectors; padding stays zero because every update adds multiples of rows. */
static inline float dot16(const float *restrict a, const float *restrict b, int64_t n)
{
    v8sf s0 = {0}, s1 = {0};
    for (int64_t i = 0; i < n; i += 16) {
        s0 += *(const v8sf *)(a + i) * *(const v8sf *)(b + i);
        s1 += *(const v8sf *)(a + i + 8) * *(const v8sf *)(b + i + 8);
    }
    s0 += s1;
    return (s0[0] + s0[4]) + (s0[1] + s0[5]) + (s0[2] + s0[6]) + (s0[3] + s0[7]);
}

static inline void axpy16(float *restrict y, float a, const float *restrict x, int64_t n)
{
    v8sf av = {a, a, a, a, a, a, a, a};
    for (int64_t i = 0; i < n; i += 16) {
        *(v8sf *)(y + i) += av * *(const v8sf *)(x + i);
        *(v8sf *)(y + i + 8) += av * *(const v8sf *)(x + i + 8);
    }
}

/* A spin lock on a cache line of its own. Held for one axpy over one row. */
typedef struct row_lock {
    _Alignas(64) _Atomic int held;
} row_lock;

static inline void lock_row(row_lock *l)
{
    int spins = 0;
    while (atomic_exchange_explicit(&l->held, 1, memory_order_acquire)) {
        while (atomic_load_explicit(&l->held, memory_order_relaxed)) {
            __builtin_ia32_pause();
            if (++spins == 4096) {   /* the holder was descheduled: let it run */
                sched_yield();
                spins = 0;
            }
        }
    }
}

static inline void unlock_row(row_lock *l)
{
    atomic_store_explicit(&l->held, 0, memory_order_release);
}

typedef struct trainer {
    const wk_word2vec_opts *o;
    int64_t vocab, stride;
    float *syn0;               /* (vocab, stride) input vectors: the result */
    float *syn1;               /* (vocab, stride) output vectors for negative sampling */
    const int32_t *stream;     /* (n_stream) word ids, END_OF_SENTENCE between sentences */
    int64_t n_stream;
    uint32_t *keep;            /* (vocab) subsampling: keep when rand32 < keep[w] */
    uint32_t *alias_prob;      /* (vocab) alias table for unigram^0.75 */
    int32_t *alias;            /* (vocab) */
    float exp_table[EXP_TABLE + 1];   /* sigmoid over [-MAX_EXP, MAX_EXP] */
    int64_t total_words;       /* kept tokens x epochs: the learning-rate schedule */
    int64_t n_chunks;          /* chunks of the stream per epoch (see next_chunk) */
    int64_t n_hot;             /* rows [0, n_hot) update under a lock (several threads only) */
    row_lock *lock0, *lock1;   /* (n_hot) locks of syn0 and syn1 rows */
    double min_alpha;
    /* written while training: each on its own cache line */
    _Alignas(64) _Atomic int64_t done;   /* tokens processed, all threads */
    _Alignas(64) _Atomic int64_t next_chunk;   /* next chunk to claim, over all epochs */
    _Alignas(64) _Atomic int stop;
} trainer;

/* One thread's state, a cache line of its own (its generator is written on every draw). */
typedef struct worker {
    _Alignas(64) trainer *tr;
    uint64_t rng;
} worker;

/* The stream is handed out in chunks of about this many positions, moved forward to
 * sentence starts so that consecutive chunks tile it. Small enough that the threads stay
 * close together in the corpus, large enough that claiming one costs nothing. */
#define CHUNK_TOKENS 4096

/* A row is "hot" when it takes at least 1/HOT_SHARE of the input-row updates (the kept
 * tokens) or of the output-row updates (targets and negatives). At most HOT_SHARE rows
 * can be; on make_corpus.py's corpus 4 are. */
#define HOT_SHARE 128

static inline uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static inline int32_t draw_negative(const trainer *tr, uint64_t *rng)
{
    uint64_t r = xorshift(rng);
    int64_t i = (int64_t)(((r >> 32) * (uint64_t)tr->vocab) >> 32);
    return (uint32_t)r < tr->alias_prob[i] ? (int32_t)i : tr->alias[i];
}

/* Why training stopped early (trainer.stop). */
enum { STOP_ASKED = 1, STOP_NO_MEMORY = 2, STOP_DIVERGED = 3 };

/* g = (label - sigmoid(f)) · alpha, with word2vec's clipping outside ±MAX_EXP. A NaN
 * product means the vectors diverged (too large a learning rate): it stops training
 * instead of becoming an index ((int)NaN is INT_MIN, far outside the table). */
static inline float gradient(trainer *tr, float f, float label, float alpha)
{
    if (f >= MAX_EXP) return (label - 1) * alpha;
    if (f <= -MAX_EXP) return label * alpha;
    if (f != f) {
        atomic_store_explicit(&tr->stop, STOP_DIVERGED, memory_order_relaxed);
        return 0;
    }
    return (label - tr->exp_table[(int)((f + MAX_EXP) * (EXP_TABLE / MAX_EXP / 2))]) * alpha;
}

/* One input row l1 against the target word and `negative` noise words; the summed
 * input gradient goes to neu1e. */
static inline void train_pair(trainer *tr, float *restrict neu1e, const float *restrict l1, int32_t target,
                              float alpha, uint64_t *rng)
{
    const int64_t st = tr->stride;
    int32_t tg[1 + 64];
    int nt = 1;
    tg[0] = target;
    for (int d = 0; d < tr->o->negative; d++) {
        int32_t w = draw_negative(tr, rng);
        if (w == target) continue;
        tg[nt++] = w;
        __builtin_prefetch(tr->syn1 + (int64_t)w * st);
    }
    memset(neu1e, 0, st * sizeof(float));
    for (int d = 0; d < nt; d++) {
        float *l2 = tr->syn1 + (int64_t)tg[d] * st;
        float g = gradient(tr, dot16(l1, l2, st), d == 0 ? 1.0f : 0.0f, alpha);
        axpy16(neu1e, g, l2, st);
        if (tg[d] < tr->n_hot) {
            lock_row(&tr->lock1[tg[d]]);
            axpy16(l2, g, l1, st);
            unlock_row(&tr->lock1[tg[d]]);
        } else {
            axpy16(l2, g, l1, st);
        }
    }
}

/* syn0[w] += neu1e, under w's lock when w is hot. */
static inline void update_input(const trainer *tr, int32_t w, const float *restrict neu1e)
{
    float *row = tr->syn0 + (int64_t)w * tr->stride;
    if (w < tr->n_hot) {
        lock_row(&tr->lock0[w]);
        axpy16(row, 1.0f, neu1e, tr->stride);
        unlock_row(&tr->lock0[w]);
    } else {
        axpy16(row, 1.0f, neu1e, tr->stride);
    }
}

static void *train_thread(void *arg)
{
    worker *wk = arg;
    trainer *tr = wk->tr;
    const wk_word2vec_opts *o = tr->o;
    const int64_t st = tr->stride;
    float *neu1e = aligned_alloc(64, st * sizeof(float) * 2);
    int32_t *sen = malloc(MAX_SENTENCE * sizeof *sen);
    if (!neu1e || !sen) {
        free(neu1e);
        free(sen);
        atomic_store(&tr->stop, STOP_NO_MEMORY);
        return NULL;
    }
    float *neu1 = neu1e + st;
    int64_t pending = 0;
    float alpha = (float)o->alpha;
    uint64_t rng = wk->rng;   /* in a register, not in shared memory */
    for (;;) {
        /* the next chunk of the corpus, over all epochs in order */
        int64_t c = atomic_fetch_add_explicit(&tr->next_chunk, 1, memory_order_relaxed);
        if (c >= tr->n_chunks * o->epochs || atomic_load_explicit(&tr->stop, memory_order_relaxed)) break;
        c %= tr->n_chunks;
        int64_t pos = c * CHUNK_TOKENS, end = pos + CHUNK_TOKENS;
        if (end > tr->n_stream) end = tr->n_stream;
        while (pos > 0 && pos < tr->n_stream && tr->stream[pos - 1] != END_OF_SENTENCE) pos++;
        while (end < tr->n_stream && tr->stream[end - 1] != END_OF_SENTENCE) end++;
        while (pos < end) {
            if (atomic_load_explicit(&tr->stop, memory_order_relaxed)) break;
            /* one sentence, subsampled */
            int n = 0;
            for (; pos < end && tr->stream[pos] != END_OF_SENTENCE; pos++) {
                int32_t w = tr->stream[pos];
                pending++;
                if ((uint32_t)xorshift(&rng) < tr->keep[w]) sen[n++] = w;
            }
            pos++;   /* past the end marker */
            if (pending >= 10000) {
                int64_t done = atomic_fetch_add(&tr->done, pending) + pending;
                pending = 0;
                double a = o->alpha * (1.0 - (double)done / (double)(tr->total_words + 1));
                alpha = (float)(a < tr->min_alpha ? tr->min_alpha : a);
            }
            for (int i = 0; i < n; i++) {
                int b = (int)(xorshift(&rng) % (uint64_t)o->window);
                int lo = i - (o->window - b), hi = i + (o->window - b);
                if (lo < 0) lo = 0;
                if (hi > n - 1) hi = n - 1;
                if (!o->cbow) {
                    for (int j = lo; j <= hi; j++) {
                        if (j == i) continue;
                        train_pair(tr, neu1e, tr->syn0 + (int64_t)sen[j] * st, sen[i], alpha, &rng);
                        update_input(tr, sen[j], neu1e);
                    }
                } else {
                    int cw = 0;
                    memset(neu1, 0, st * sizeof(float));
                    for (int j = lo; j <= hi; j++) {
                        if (j == i) continue;
                        axpy16(neu1, 1.0f, tr->syn0 + (int64_t)sen[j] * st, st);
                        cw++;
                    }
                    if (!cw) continue;
                    float inv = 1.0f / cw;
                    for (int64_t d = 0; d < st; d++) neu1[d] *= inv;
                    train_pair(tr, neu1e, neu1, sen[i], alpha, &rng);
                    for (int j = lo; j <= hi; j++)
                        if (j != i) update_input(tr, sen[j], neu1e);
                }
            }
        }
    }
    atomic_fetch_add(&tr->done, pending);
    free(neu1e);
    free(sen);
    return NULL;
}

/* Vose's alias method over weights w (n), as 32-bit thresholds. */
static int build_alias(uint32_t *prob, int32_t *alias, const double *w, int64_t n)
{
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += w[i];
    double *p = malloc(n * sizeof *p);
    int64_t *small = malloc(n * sizeof *small), *large = malloc(n * sizeof *large);
    if (!p || !small || !large) {
        free(p), free(small), free(large);
        return wk_fail("word2vec: out of memory for the sampling table");
    }
    int64_t ns = 0, nl = 0;
    for (int64_t i = 0; i < n; i++) {
        p[i] = w[i] * n / sum;
        if (p[i] < 1.0) small[ns++] = i;
        else large[nl++] = i;
    }
    while (ns && nl) {
        int64_t s = small[--ns], l = large[nl - 1];
        prob[s] = (uint32_t)(p[s] * 4294967296.0 > 4294967295.0 ? 4294967295.0 : p[s] * 4294967296.0);
        alias[s] = (int32_t)l;
        p[l] -= 1.0 - p[s];
        if (p[l] < 1.0) { nl--; small[ns++] = l; }
    }
    while (nl) { int64_t l = large[--nl]; prob[l] = UINT32_MAX; alias[l] = (int32_t)l; }
    while (ns) { int64_t s = small[--ns]; prob[s] = UINT32_MAX; alias[s] = (int32_t)s; }
    free(p), free(small), free(large);
    return WK_OK;
}

/* How many rows, from the most frequent, are hot (see HOT_SHARE), and their locks. The
 * kept-token share of word w is min(1, keep[w]) · count[w] over the sum; its share of
 * output updates is at least its share of negatives, weights[w] = count^0.75 over the
 * sum. Both fall with the row index (rows are in frequency order). */
static int hot_rows(trainer *tr, const int64_t *counts, const double *weights)
{
    double kept = 0, neg = 0;
    for (int64_t i = 0; i < tr->vocab; i++) {
        kept += counts[i] * (tr->keep[i] / 4294967295.0);
        neg += weights[i];
    }
    int64_t h = 0;
    while (h < tr->vocab && h < HOT_SHARE &&
           (counts[h] * (tr->keep[h] / 4294967295.0) * HOT_SHARE >= kept || weights[h] * HOT_SHARE >= neg))
        h++;
    if (!h) return WK_OK;
    tr->lock0 = aligned_alloc(64, h * sizeof *tr->lock0);
    tr->lock1 = aligned_alloc(64, h * sizeof *tr->lock1);
    if (!tr->lock0 || !tr->lock1) return wk_fail("word2vec: out of memory");
    memset(tr->lock0, 0, h * sizeof *tr->lock0);
    memset(tr->lock1, 0, h * sizeof *tr->lock1);
    tr->n_hot = h;
    return WK_OK;
}

static int check_opts(const wk_word2vec_opts *o)
{
    if (o->dim < 1 || o->dim > 10000) return wk_fail("word2vec: dim must be in 1..10000, got %d", o->dim);
    if (o->window < 1 || o->window > 1000) return wk_fail("word2vec: window must be in 1..1000, got %d", o->window);
    if (o->min_count < 1) return wk_fail("word2vec: min_count must be at least 1, got %d", o->min_count);
    if (o->epochs < 1) return wk_fail("word2vec: epochs must be at least 1, got %d", o->epochs);
    if (o->negative < 1 || o->negative > 64)
        return wk_fail("word2vec: negative must be in 1..64, got %d", o->negative);
    if (o->threads < 1 || o->threads > 256) return wk_fail("word2vec: threads must be in 1..256, got %d", o->threads);
    if (!(o->sample >= 0)) return wk_fail("word2vec: sample must be >= 0, got %g", o->sample);
    if (!(o->alpha > 0) || !isfinite(o->alpha)) return wk_fail("word2vec: alpha must be > 0, got %g", o->alpha);
    if (!(o->sample <= 1)) return wk_fail("word2vec: sample must be <= 1, got %g", o->sample);
    if (o->min_alpha != -1 && !(o->min_alpha >= 0 && isfinite(o->min_alpha)))
        return wk_fail("word2vec: min_alpha must be a finite number >= 0, got %g", o->min_alpha);
    return WK_OK;
}

/* ---- the whole run -------------------------------------------------------------------- */

int wk_word2vec_train(wk_wordvec *dst, const char *text, size_t len, const wk_word2vec_opts *o,
                      wk_word2vec_stats *stats)
{
    if (check_opts(o)) return WK_ERR;
    double t0 = now_seconds();
    scan_vocab sv = {0};
    int32_t *stream = NULL;
    int64_t n_stream = 0, *order = NULL, *remap = NULL;
    trainer *tr = NULL;
    worker *wks = NULL;
    pthread_t *tids = NULL;
    double *weights = NULL;
    int rc = WK_ERR;
    memset(dst, 0, sizeof *dst);

    if (scan_text(&sv, &stream, &n_stream, text, len)) goto done;
    int64_t tokens = n_stream;
    /* vocabulary: min_count, most frequent first */
    order = malloc((sv.n + 1) * sizeof *order);
    remap = malloc((sv.n + 1) * sizeof *remap);
    if (!order || !remap) { wk_fail("word2vec: out of memory for the vocabulary"); goto done; }
    int64_t nv = 0, pool = 0;
    for (int64_t i = 0; i < sv.n; i++)
        if (sv.count[i] >= o->min_count) order[nv++] = i;
    if (nv == 0) {
        if (sv.n == 0) wk_fail("word2vec: the corpus has no words (tokens are runs of the letters a-z)");
        else wk_fail("word2vec: no word occurs min_count = %d times (%lld distinct words); lower min_count",
                     o->min_count, (long long)sv.n);
        goto done;
    }
    qsort_r(order, nv, sizeof *order, by_count_desc, sv.count);
    for (int64_t i = 0; i < sv.n; i++) remap[i] = -2;
    for (int64_t i = 0; i < nv; i++) {
        remap[order[i]] = i;
        pool += strlen(sv.pool + sv.word_off[order[i]]) + 1;
    }
    /* the stream, in vocabulary ids, rare words removed, empty sentences dropped */
    int64_t m = 0, kept = 0;
    for (int64_t i = 0; i < n_stream; i++) {
        int32_t t = stream[i];
        if (t == END_OF_SENTENCE) {
            if (m > 0 && stream[m - 1] != END_OF_SENTENCE) stream[m++] = END_OF_SENTENCE;
            continue;
        }
        if (remap[t] >= 0) { stream[m++] = (int32_t)remap[t]; kept++; }
    }
    tokens = 0;
    for (int64_t i = 0; i < sv.n; i++) tokens += sv.count[i];
    if (m == 0 || stream[m - 1] != END_OF_SENTENCE) stream[m++] = END_OF_SENTENCE;
    n_stream = m;

    int64_t stride = (o->dim + 15) / 16 * 16;
    if (wk_wordvec_alloc(dst, nv, o->dim, stride, pool)) goto done;
    int64_t used = 0;
    for (int64_t i = 0; i < nv; i++) {
        const char *w = sv.pool + sv.word_off[order[i]];
        if (wk_wordvec_set_word(dst, i, w, strlen(w), &used)) goto done;
        dst->counts[i] = sv.count[order[i]];
    }
    if (wk_wordvec_index(dst)) goto done;

    tr = aligned_alloc(64, (sizeof *tr + 63) / 64 * 64);
    if (!tr) { wk_fail("word2vec: out of memory"); goto done; }
    memset(tr, 0, sizeof *tr);
    tr->o = o;
    tr->vocab = nv;
    tr->stride = stride;
    tr->syn0 = dst->vec;
    size_t rows_bytes = (size_t)nv * stride * sizeof(float);
    tr->syn1 = aligned_alloc(64, (rows_bytes + 63) / 64 * 64);
    tr->keep = malloc(nv * sizeof *tr->keep);
    tr->alias_prob = malloc(nv * sizeof *tr->alias_prob);
    tr->alias = malloc(nv * sizeof *tr->alias);
    weights = malloc(nv * sizeof *weights);
    if (!tr->syn1 || !tr->keep || !tr->alias_prob || !tr->alias || !weights) {
        char b[32];
        wk_fail("word2vec: cannot allocate the training tables (%s)", wk_bytes_str(b, sizeof b, 2.0 * rows_bytes));
        goto done;
    }
    memset(tr->syn1, 0, rows_bytes);
    tr->stream = stream;
    tr->n_stream = n_stream;
    tr->total_words = kept * o->epochs;
    tr->min_alpha = o->min_alpha >= 0 ? o->min_alpha : o->alpha * 1e-4;
    for (int i = 0; i <= EXP_TABLE; i++) {
        float x = ((float)i / EXP_TABLE * 2 - 1) * MAX_EXP;
        tr->exp_table[i] = 1.0f / (1.0f + expf(-x));
    }
    double thresh = o->sample * (double)kept;
    for (int64_t i = 0; i < nv; i++) {
        double f = (double)dst->counts[i], p = 1.0;
        if (o->sample > 0) p = (sqrt(f / thresh) + 1) * thresh / f;
        tr->keep[i] = p >= 1.0 ? UINT32_MAX : (uint32_t)(p * 4294967296.0);
        weights[i] = pow(f, 0.75);
    }
    if (build_alias(tr->alias_prob, tr->alias, weights, nv)) goto done;
    /* input vectors: uniform in [-0.5, 0.5) / dim, from the seed; padding zero */
    uint64_t init = o->seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B9E5ull;
    if (!init) init = 1;
    for (int64_t i = 0; i < nv; i++) {
        float *row = dst->vec + i * stride;
        for (int64_t d = 0; d < o->dim; d++)
            row[d] = ((float)(xorshift(&init) >> 40) / 16777216.0f - 0.5f) / o->dim;
    }
    double t1 = now_seconds();

    /* the threads claim the stream's chunks in order (see the top of the file) */
    int nt = o->threads;
    tr->n_chunks = (n_stream + CHUNK_TOKENS - 1) / CHUNK_TOKENS;
    if (nt > 1 && hot_rows(tr, dst->counts, weights)) goto done;
    wks = aligned_alloc(64, nt * sizeof *wks);
    tids = calloc(nt, sizeof *tids);
    if (!wks || !tids) { wk_fail("word2vec: out of memory"); goto done; }
    int started = 0;
    for (int t = 0; t < nt; t++) {
        wks[t].tr = tr;
        wks[t].rng = (o->seed + 1) * 0xD1B54A32D192ED03ull ^ (uint64_t)(t + 1) * 0x9E3779B97F4A7C15ull;
        if (!wks[t].rng) wks[t].rng = 1;
    }
    for (int t = 0; t < nt; t++) {
        if (pthread_create(&tids[t], NULL, train_thread, &wks[t])) {
            atomic_store(&tr->stop, STOP_NO_MEMORY);
            break;
        }
        started++;
    }
    int stopped = 0;
    if (o->progress && started == nt) {
        struct timespec nap = {0, 200000000};
        int64_t total = tr->total_words;
        for (;;) {
            nanosleep(&nap, NULL);
            int64_t d = atomic_load(&tr->done);
            if (d >= total || atomic_load(&tr->stop)) break;
            double a = o->alpha * (1.0 - (double)d / (double)(total + 1));
            if (o->progress(o->progress_ud, d, total, a)) {
                stopped = 1;
                atomic_store(&tr->stop, STOP_ASKED);
                break;
            }
        }
    }
    for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
    if (started < nt) { wk_fail("word2vec: cannot start %d threads", nt); goto done; }
    if (atomic_load(&tr->stop) == STOP_NO_MEMORY) { wk_fail("word2vec: out of memory in a training thread"); goto done; }
    /* divergence: a NaN seen while training, or vectors that overflowed to inf or NaN
     * after the last dot product was taken */
    int diverged = atomic_load(&tr->stop) == STOP_DIVERGED;
    for (int64_t i = 0; i < nv * stride && !diverged; i++) diverged = !isfinite(dst->vec[i]);
    if (diverged) {
        wk_fail("word2vec: training diverged (the vectors became NaN or infinite): lr = %g is too large; "
                "the usual values are 0.025 (skip-gram) and 0.05 (CBOW)", o->alpha);
        goto done;
    }
    if (stats) {
        stats->tokens = tokens;
        stats->kept_tokens = kept;
        stats->vocab = nv;
        stats->scan_seconds = t1 - t0;
        stats->train_seconds = now_seconds() - t1;
        stats->stopped = stopped;
    }
    rc = WK_OK;
done:
    if (rc != WK_OK) wk_wordvec_free(dst);
    if (tr) {
        free(tr->lock0);
        free(tr->lock1);
        free(tr->syn1);
        free(tr->keep);
        free(tr->alias_prob);
        free(tr->alias);
        free(tr);
    }
    free(weights);
    free(wks);
    free(tids);
    free(order);
    free(remap);
    free(stream);
    scan_free(&sv);
    return rc;
}
