/* lda.c — latent Dirichlet allocation by collapsed Gibbs sampling with the SparseLDA
 * sampler (Yao, Mimno & McCallum, KDD 2009), θ inference for new documents, and
 * held-out perplexity by document completion. See lda.h for the contract.
 *
 * The collapsed conditional of token i (word w, document d), counts without token i:
 *
 *   p(z = k) ∝ (n_dk + α)(n_kw + β) / (n_k + Vβ)
 *            =  αβ / (n_k + Vβ)                    s: the smoothing bucket, same for all tokens
 *            +  n_dk β / (n_k + Vβ)                r: the document bucket, over d's topics
 *            +  (n_dk + α) n_kw / (n_k + Vβ)       q: the word bucket, over w's topics
 *
 * s and r are kept up to date as counts move (two topics change per token), the
 * coefficient (n_dk + α)/(n_k + Vβ) is cached per topic for the document, and q is
 * summed over the topics word w actually has. Each word keeps those topics in a list of
 * (count << 16 | topic) sorted by count, so after a few sweeps the list is short and the
 * draw usually ends in its first entries. Once the sampler settles most of the mass is
 * in q (β is small), so a draw costs a few operations, not K; s and r are walked only
 * in the rare draws that land there. 1/(n_k + Vβ) is cached per topic, so the walks
 * divide nothing.
 *
 * Why SparseLDA and not an alias method (LightLDA, WarpLDA): at the topic counts a
 * sketch uses (10–100) the word lists are a handful of entries and a SparseLDA draw is
 * exact and cheap; alias tables pay a Metropolis-Hastings acceptance step and stale
 * tables, and win only when K is in the thousands.
 *
 * Sampling is one thread (lda.h says why); inference and completion of many documents
 * go through the pool, each document with its own generator. */
#include "lda.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/rng.h"
#include "../core/threads.h"

#define TOPIC_BITS 16
#define TOPIC_MASK ((1u << TOPIC_BITS) - 1)

struct wk_lda {
    int K;
    int64_t D, V, N;
    double alpha, beta;
    int64_t iterations;
    int32_t *w;          /* (N) word ids */
    uint16_t *z;         /* (N) topics */
    int64_t *ds;         /* (D + 1) document offsets into w and z */
    int32_t *nk;         /* (K) tokens per topic */
    uint64_t *wl;        /* word lists: word v's at wl[wl_start[v] ..], (count << 16 | topic), descending */
    int64_t *wl_start;   /* (V + 1); word v has room for min(K, its count) entries */
    int32_t *wl_len;     /* (V) entries in use */
    /* sweep scratch */
    int32_t *ndk;        /* (K) counts of the document being swept */
    int32_t *dnz;        /* (K) its topics with n_dk > 0 */
    int32_t *dpos;       /* (K) position of a topic in dnz, or -1 */
    double *ck;          /* (K) (n_dk + α) / (n_k + Vβ) */
    double *qk;          /* (K) q bucket terms, by position in the word list */
    double *inv;         /* (K) 1 / (n_k + Vβ), kept in step with nk */
    wk_rng_state rng;    /* the sampler's own stream (rng.h) */
};

/* ---- building and freeing ------------------------------------------------------------ */

void wk_lda_free(wk_lda *m)
{
    if (!m) return;
    free(m->w);
    free(m->z);
    free(m->ds);
    free(m->nk);
    free(m->wl);
    free(m->wl_start);
    free(m->wl_len);
    free(m->ndk);
    free(m->dnz);
    free(m->dpos);
    free(m->ck);
    free(m->qk);
    free(m->inv);
    free(m);
}

static void word_inc(wk_lda *m, int32_t v, int k)
{
    uint64_t *l = m->wl + m->wl_start[v];
    int32_t n = m->wl_len[v], j = 0;
    while (j < n && (l[j] & TOPIC_MASK) != (uint64_t)k) j++;
    if (j == n) {
        l[j] = ((uint64_t)1 << TOPIC_BITS) | (uint64_t)k;
        m->wl_len[v] = n + 1;
    } else {
        l[j] += (uint64_t)1 << TOPIC_BITS;
    }
    while (j > 0 && l[j - 1] < l[j]) {   /* keep the list sorted by count */
        uint64_t t = l[j - 1];
        l[j - 1] = l[j];
        l[j] = t;
        j--;
    }
}

static void word_dec(wk_lda *m, int32_t v, int k)
{
    uint64_t *l = m->wl + m->wl_start[v];
    int32_t n = m->wl_len[v], j = 0;
    while (j < n - 1 && (l[j] & TOPIC_MASK) != (uint64_t)k) j++;   /* the topic is in the list */
    l[j] -= (uint64_t)1 << TOPIC_BITS;
    if (!(l[j] >> TOPIC_BITS)) {   /* count 0: the topic leaves the list */
        memmove(l + j, l + j + 1, (size_t)(n - j - 1) * sizeof *l);
        m->wl_len[v] = n - 1;
        return;
    }
    while (j + 1 < n && l[j + 1] > l[j]) {
        uint64_t t = l[j + 1];
        l[j + 1] = l[j];
        l[j] = t;
        j++;
    }
}

int wk_lda_new(wk_lda **out, const int32_t *words, const int64_t *doc_start, int64_t n_docs, int64_t n_words,
               const wk_lda_opts *o)
{
    *out = NULL;
    if (o->topics < 1 || o->topics > WK_LDA_MAX_TOPICS)
        return wk_fail("lda: topics must be an integer in [1, %d], got %d", WK_LDA_MAX_TOPICS, o->topics);
    if (!(isfinite(o->alpha) && o->alpha > 0)) return wk_fail("lda: alpha must be a finite number > 0, got %g", o->alpha);
    if (!(isfinite(o->beta) && o->beta > 0)) return wk_fail("lda: beta must be a finite number > 0, got %g", o->beta);
    if (n_docs < 1) return wk_fail("lda: no documents");
    if (n_words < 1) return wk_fail("lda: the vocabulary is empty");
    int64_t N = doc_start[n_docs];
    if (doc_start[0] != 0 || N < 1) return wk_fail("lda: the documents hold no words");
    if (N >= INT32_MAX) return wk_fail("lda: more than 2^31 tokens");
    for (int64_t d = 0; d < n_docs; d++)
        if (doc_start[d + 1] < doc_start[d]) return wk_fail("lda: document offsets must not decrease (document %lld)", (long long)d + 1);
    for (int64_t i = 0; i < N; i++)
        if (words[i] < 0 || words[i] >= n_words)
            return wk_fail("lda: word id %d out of range [0, %lld) at token %lld", words[i], (long long)n_words, (long long)i);
    wk_lda *m = calloc(1, sizeof *m);
    if (!m) return wk_fail("lda: out of memory");
    int K = o->topics;
    m->K = K;
    m->D = n_docs;
    m->V = n_words;
    m->N = N;
    m->alpha = o->alpha;
    m->beta = o->beta;
    m->w = malloc(N * sizeof *m->w);
    m->z = malloc(N * sizeof *m->z);
    m->ds = malloc((n_docs + 1) * sizeof *m->ds);
    m->nk = calloc(K, sizeof *m->nk);
    m->wl_start = calloc(n_words + 1, sizeof *m->wl_start);
    m->wl_len = calloc(n_words, sizeof *m->wl_len);
    m->ndk = calloc(K, sizeof *m->ndk);
    m->dnz = malloc(K * sizeof *m->dnz);
    m->dpos = malloc(K * sizeof *m->dpos);
    m->ck = malloc(K * sizeof *m->ck);
    m->qk = malloc(K * sizeof *m->qk);
    m->inv = malloc(K * sizeof *m->inv);
    if (!m->inv || !m->w || !m->z || !m->ds || !m->nk || !m->wl_start || !m->wl_len || !m->ndk || !m->dnz || !m->dpos || !m->ck ||
        !m->qk) {
        wk_lda_free(m);
        return wk_fail("lda: out of memory for %lld tokens", (long long)N);
    }
    memcpy(m->w, words, N * sizeof *m->w);
    memcpy(m->ds, doc_start, (n_docs + 1) * sizeof *m->ds);
    for (int k = 0; k < K; k++) m->dpos[k] = -1;
    /* word list room: min(K, count of the word), as offsets */
    for (int64_t i = 0; i < N; i++) m->wl_start[words[i] + 1]++;
    for (int64_t v = 0; v < n_words; v++) {
        int64_t c = m->wl_start[v + 1];
        m->wl_start[v + 1] = m->wl_start[v] + (c < K ? c : K);
    }
    m->wl = malloc((m->wl_start[n_words] + 1) * sizeof *m->wl);
    if (!m->wl) {
        wk_lda_free(m);
        return wk_fail("lda: out of memory for the word lists");
    }
    wk_rng_state_seed(&m->rng, o->seed);
    for (int64_t i = 0; i < N; i++) {
        int k = (int)((wk_rng_state_next(&m->rng) >> 32) * (uint64_t)K >> 32);
        m->z[i] = (uint16_t)k;
        m->nk[k]++;
        word_inc(m, m->w[i], k);
    }
    *out = m;
    return WK_OK;
}

int64_t wk_lda_iterations(const wk_lda *m) { return m->iterations; }
int64_t wk_lda_tokens(const wk_lda *m) { return m->N; }
int wk_lda_topics(const wk_lda *m) { return m->K; }

/* ---- the sweep ----------------------------------------------------------------------- */

static inline void doc_add_topic(wk_lda *m, int k, int32_t *n_nz)
{
    if (m->ndk[k]++ == 0) {
        m->dpos[k] = *n_nz;
        m->dnz[(*n_nz)++] = k;
    }
}

static inline void doc_remove_topic(wk_lda *m, int k, int32_t *n_nz)
{
    if (--m->ndk[k] == 0) {   /* swap the last nonzero topic into k's place */
        int32_t p = m->dpos[k], last = m->dnz[--(*n_nz)];
        m->dnz[p] = last;
        m->dpos[last] = p;
        m->dpos[k] = -1;
    }
}

static void sweep_once(wk_lda *m)
{
    const int K = m->K;
    const double alpha = m->alpha, beta = m->beta, vb = m->V * beta, ab = alpha * beta;
    int32_t *nk = m->nk, *ndk = m->ndk, *dnz = m->dnz;
    double *ck = m->ck, *qk = m->qk, *inv = m->inv;
    int32_t n_nz = 0;
    for (int k = 0; k < K; k++) inv[k] = 1.0 / (vb + nk[k]);
    for (int64_t d = 0; d < m->D; d++) {
        int64_t b = m->ds[d], e = m->ds[d + 1];
        if (b == e) continue;
        for (int32_t j = 0; j < n_nz; j++) {   /* clear the previous document's counts */
            ndk[dnz[j]] = 0;
            m->dpos[dnz[j]] = -1;
        }
        n_nz = 0;
        for (int64_t i = b; i < e; i++) doc_add_topic(m, m->z[i], &n_nz);
        /* s and r afresh per document, so rounding never accumulates */
        double s = 0, r = 0;
        for (int k = 0; k < K; k++) {
            s += ab * inv[k];
            ck[k] = (alpha + ndk[k]) * inv[k];
        }
        for (int32_t j = 0; j < n_nz; j++) r += ndk[dnz[j]] * beta * inv[dnz[j]];
        for (int64_t i = b; i < e; i++) {
            int32_t v = m->w[i];
            int t = m->z[i];
            /* take token i out of the counts */
            s -= ab * inv[t];
            r -= ndk[t] * beta * inv[t];
            nk[t]--;
            doc_remove_topic(m, t, &n_nz);
            inv[t] = 1.0 / (vb + nk[t]);
            s += ab * inv[t];
            r += ndk[t] * beta * inv[t];
            ck[t] = (alpha + ndk[t]) * inv[t];
            /* the word bucket over v's topics. v's list still counts token i under t
             * (one less is subtracted here): most draws keep the topic, and then the
             * list needs no change at all */
            const uint64_t *l = m->wl + m->wl_start[v];
            int32_t nl = m->wl_len[v];
            double q = 0;
            for (int32_t j = 0; j < nl; j++) {
                int k = (int)(l[j] & TOPIC_MASK);
                double x = ck[k] * (double)((int64_t)(l[j] >> TOPIC_BITS) - (k == t));
                qk[j] = x;
                q += x;
            }
            double u = wk_rng_state_uniform(&m->rng) * (s + r + q);
            int nt;
            if (u < q) {
                int32_t j = 0;
                for (; j < nl - 1; j++) {
                    u -= qk[j];
                    if (u < 0) break;
                }
                nt = (int)(l[j] & TOPIC_MASK);
            } else if ((u -= q) < r) {
                int32_t j = 0;
                for (; j < n_nz - 1; j++) {
                    u -= ndk[dnz[j]] * beta * inv[dnz[j]];
                    if (u < 0) break;
                }
                nt = dnz[j];
            } else {
                u -= r;
                int k = 0;
                for (; k < K - 1; k++) {
                    u -= ab * inv[k];
                    if (u < 0) break;
                }
                nt = k;
            }
            /* put it back under topic nt */
            s -= ab * inv[nt];
            r -= ndk[nt] * beta * inv[nt];
            nk[nt]++;
            doc_add_topic(m, nt, &n_nz);
            if (nt != t) {
                word_dec(m, v, t);
                word_inc(m, v, nt);
            }
            inv[nt] = 1.0 / (vb + nk[nt]);
            s += ab * inv[nt];
            r += ndk[nt] * beta * inv[nt];
            ck[nt] = (alpha + ndk[nt]) * inv[nt];
            m->z[i] = (uint16_t)nt;
        }
    }
    for (int32_t j = 0; j < n_nz; j++) {
        ndk[dnz[j]] = 0;
        m->dpos[dnz[j]] = -1;
    }
    m->iterations++;
}

int wk_lda_sweep(wk_lda *m, int n)
{
    if (n < 0) return wk_fail("lda: sweeps must be >= 0, got %d", n);
    for (int i = 0; i < n; i++) sweep_once(m);
    return WK_OK;
}

/* ---- the state as tables ----------------------------------------------------------- */

double wk_lda_log_likelihood(const wk_lda *m)
{
    const int K = m->K;
    const double a = m->alpha, b = m->beta, V = (double)m->V;
    double ll = 0;
    /* topic-word part: Σ_k [lgamma(Vβ) - lgamma(n_k + Vβ)] + Σ_{k,w} [lgamma(n_kw + β) - lgamma(β)] */
    for (int k = 0; k < K; k++) ll += lgamma(V * b) - lgamma(m->nk[k] + V * b);
    double lgb = lgamma(b);
    for (int64_t v = 0; v < m->V; v++) {
        const uint64_t *l = m->wl + m->wl_start[v];
        for (int32_t j = 0; j < m->wl_len[v]; j++) ll += lgamma((double)(l[j] >> TOPIC_BITS) + b) - lgb;
    }
    /* document part: Σ_d [lgamma(Kα) - lgamma(n_d + Kα)] + Σ_{d,k} [lgamma(n_dk + α) - lgamma(α)] */
    int32_t *cnt = calloc(K, sizeof *cnt);
    if (!cnt) return NAN;
    double lga = lgamma(a), lgka = lgamma(K * a);
    for (int64_t d = 0; d < m->D; d++) {
        int64_t bgn = m->ds[d], end = m->ds[d + 1];
        if (bgn == end) continue;
        for (int64_t i = bgn; i < end; i++) cnt[m->z[i]]++;
        ll += lgka - lgamma((double)(end - bgn) + K * a);
        for (int64_t i = bgn; i < end; i++) {   /* each nonzero topic once, then cleared */
            int k = m->z[i];
            if (cnt[k]) {
                ll += lgamma(cnt[k] + a) - lga;
                cnt[k] = 0;
            }
        }
    }
    free(cnt);
    return ll;
}

void wk_lda_doc_topics(const wk_lda *m, float *theta)
{
    const int K = m->K;
    for (int64_t d = 0; d < m->D; d++) {
        float *row = theta + d * K;
        int64_t b = m->ds[d], e = m->ds[d + 1];
        double norm = 1.0 / ((double)(e - b) + K * m->alpha);
        for (int k = 0; k < K; k++) row[k] = 0;
        for (int64_t i = b; i < e; i++) row[m->z[i]] += 1;
        for (int k = 0; k < K; k++) row[k] = (float)((row[k] + m->alpha) * norm);
    }
}

void wk_lda_topic_words(const wk_lda *m, float *phi)
{
    const int K = m->K;
    const int64_t V = m->V;
    for (int k = 0; k < K; k++) {
        float base = (float)(m->beta / (m->nk[k] + V * m->beta));
        for (int64_t v = 0; v < V; v++) phi[k * V + v] = base;
    }
    for (int64_t v = 0; v < V; v++) {
        const uint64_t *l = m->wl + m->wl_start[v];
        for (int32_t j = 0; j < m->wl_len[v]; j++) {
            int k = (int)(l[j] & TOPIC_MASK);
            phi[k * V + v] = (float)(((double)(l[j] >> TOPIC_BITS) + m->beta) / (m->nk[k] + V * m->beta));
        }
    }
}

void wk_lda_topic_counts(const wk_lda *m, int64_t *n_k)
{
    for (int k = 0; k < m->K; k++) n_k[k] = m->nk[k];
}

/* ---- inference with the topics fixed ----------------------------------------------- */

typedef struct infer_job {
    const wk_lda *m;
    const float *phi;          /* (V, K) word-major φ, so one token reads one row */
    const int32_t *words;
    const int64_t *ds;
    int iterations;
    uint64_t seed;
    int complete;              /* 1: infer from the first half, score the second */
    float *theta;              /* (n_docs, K) out, or NULL */
    double *log_p;             /* (n_docs) out when complete */
    int64_t *scored;           /* (n_docs) out when complete */
    char *scratch;             /* per worker: stride bytes */
    size_t stride;
    int64_t max_len;
} infer_job;

/* θ of one document's tokens tok[0..n) (known ids only) into out (K); work: scratch. */
static void infer_doc(const infer_job *j, const int32_t *tok, int64_t n, wk_rng_state *rng, double *out, char *scratch)
{
    const int K = j->m->K;
    const double alpha = j->m->alpha;
    int32_t *ndk = (int32_t *)scratch;                 /* (K) */
    double *p = (double *)(scratch + ((K * sizeof(int32_t) + 15) & ~(size_t)15));   /* (K) cumulative */
    uint16_t *z = (uint16_t *)(p + K);                /* (max_len) */
    for (int k = 0; k < K; k++) {
        ndk[k] = 0;
        out[k] = 0;
    }
    if (n == 0) {
        for (int k = 0; k < K; k++) out[k] = 1.0 / K;
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        int k = (int)((wk_rng_state_next(rng) >> 32) * (uint64_t)K >> 32);
        z[i] = (uint16_t)k;
        ndk[k]++;
    }
    int iters = j->iterations, burn = iters / 2, kept = 0;
    for (int it = 0; it < iters; it++) {
        for (int64_t i = 0; i < n; i++) {
            const float *row = j->phi + (int64_t)tok[i] * K;
            ndk[z[i]]--;
            double c = 0;
            for (int k = 0; k < K; k++) {
                c += (ndk[k] + alpha) * row[k];
                p[k] = c;
            }
            double u = wk_rng_state_uniform(rng) * c;
            int k = 0;
            while (k < K - 1 && p[k] <= u) k++;
            z[i] = (uint16_t)k;
            ndk[k]++;
        }
        if (it >= burn) {
            for (int k = 0; k < K; k++) out[k] += ndk[k];
            kept++;
        }
    }
    double norm = 1.0 / ((double)n + K * alpha);
    for (int k = 0; k < K; k++) out[k] = (out[k] / (kept ? kept : 1) + alpha) * norm;
}

static void infer_range(void *ctx, int64_t begin, int64_t end, int worker)
{
    const infer_job *j = ctx;
    const int K = j->m->K;
    const int64_t V = j->m->V;
    char *scratch = j->scratch + (size_t)worker * j->stride;
    int32_t *known = (int32_t *)(scratch + j->stride - (size_t)j->max_len * sizeof(int32_t) - (size_t)K * sizeof(double));
    double *th = (double *)(scratch + j->stride - (size_t)K * sizeof(double));
    for (int64_t d = begin; d < end; d++) {
        wk_rng_state rng;
        wk_rng_state_seed(&rng, j->seed ^ ((uint64_t)(d + 1) * 0xd1342543de82ef95ull));
        int64_t n = 0;
        for (int64_t i = j->ds[d]; i < j->ds[d + 1]; i++)
            if (j->words[i] >= 0 && j->words[i] < V) known[n++] = j->words[i];
        if (!j->complete) {
            infer_doc(j, known, n, &rng, th, scratch);
            for (int k = 0; k < K; k++) j->theta[d * K + k] = (float)th[k];
            continue;
        }
        j->log_p[d] = 0;
        j->scored[d] = 0;
        if (n < 2) continue;
        int64_t half = n / 2;
        infer_doc(j, known, half, &rng, th, scratch);
        double lp = 0;
        for (int64_t i = half; i < n; i++) {
            const float *row = j->phi + (int64_t)known[i] * K;
            double pw = 0;
            for (int k = 0; k < K; k++) pw += th[k] * row[k];
            lp += log(pw);
        }
        j->log_p[d] = lp;
        j->scored[d] = n - half;
        if (j->theta)
            for (int k = 0; k < K; k++) j->theta[d * K + k] = (float)th[k];
    }
}

static int run_infer(const wk_lda *m, float *theta, double *log_p, int64_t *scored, const int32_t *words,
                     const int64_t *ds, int64_t n_docs, int iterations, uint64_t seed)
{
    if (iterations < 1) return wk_fail("lda: inference iterations must be >= 1, got %d", iterations);
    const int K = m->K;
    int64_t max_len = 1;
    for (int64_t d = 0; d < n_docs; d++) {
        if (ds[d + 1] < ds[d]) return wk_fail("lda: document offsets must not decrease (document %lld)", (long long)d + 1);
        if (ds[d + 1] - ds[d] > max_len) max_len = ds[d + 1] - ds[d];
    }
    int workers = wk_threads_count();
    size_t head = ((K * sizeof(int32_t) + 15) & ~(size_t)15) + K * sizeof(double) + (size_t)max_len * sizeof(uint16_t);
    head = (head + 15) & ~(size_t)15;
    size_t stride = head + (size_t)max_len * sizeof(int32_t) + (size_t)K * sizeof(double);
    stride = (stride + 63) & ~(size_t)63;
    /* φ word-major and each worker's scratch: checked first, so a huge vocabulary fails
     * with the machine's memory named rather than a bare out-of-memory */
    if (wk_memory_check((double)m->V * K * sizeof(float) + (double)stride * workers, "lda: inference")) return WK_ERR;
    float *phi = malloc((size_t)m->V * K * sizeof *phi);
    char *scratch = malloc(stride * workers);
    if (!phi || !scratch) {
        free(phi);
        free(scratch);
        return wk_fail("lda: out of memory for inference");
    }
    /* φ word-major: (n_kw + β) / (n_k + Vβ) */
    for (int64_t v = 0; v < m->V; v++)
        for (int k = 0; k < K; k++) phi[v * K + k] = (float)(m->beta / (m->nk[k] + m->V * m->beta));
    for (int64_t v = 0; v < m->V; v++) {
        const uint64_t *l = m->wl + m->wl_start[v];
        for (int32_t j = 0; j < m->wl_len[v]; j++) {
            int k = (int)(l[j] & TOPIC_MASK);
            phi[v * K + k] = (float)(((double)(l[j] >> TOPIC_BITS) + m->beta) / (m->nk[k] + m->V * m->beta));
        }
    }
    infer_job j = {m, phi, words, ds, iterations, seed, log_p != NULL, theta, log_p, scored, scratch, stride, max_len};
    /* chunks of documents fixed by the problem (about 2^18 token-sweeps each), never by the thread count */
    int64_t grain = wk_parallel_grain(n_docs, (double)(ds[n_docs] - ds[0] + 1) / n_docs * iterations * K, 1 << 18, 256);
    wk_parallel_for(n_docs, grain, infer_range, &j);
    free(phi);
    free(scratch);
    return WK_OK;
}

int wk_lda_infer(const wk_lda *m, float *theta, const int32_t *words, const int64_t *doc_start, int64_t n_docs,
                 int iterations, uint64_t seed)
{
    if (n_docs < 1) return wk_fail("lda: no documents to infer");
    return run_infer(m, theta, NULL, NULL, words, doc_start, n_docs, iterations, seed);
}

int wk_lda_completion(const wk_lda *m, double *log_p, int64_t *scored, const int32_t *words,
                      const int64_t *doc_start, int64_t n_docs, int iterations, uint64_t seed)
{
    if (n_docs < 1) return wk_fail("lda: no held-out documents");
    double *lp = malloc(n_docs * sizeof *lp);
    int64_t *sc = malloc(n_docs * sizeof *sc);
    if (!lp || !sc) {
        free(lp);
        free(sc);
        return wk_fail("lda: out of memory for %lld held-out documents", (long long)n_docs);
    }
    int rc = run_infer(m, NULL, lp, sc, words, doc_start, n_docs, iterations, seed);
    *log_p = 0;
    *scored = 0;
    for (int64_t d = 0; rc == WK_OK && d < n_docs; d++) {   /* summed in document order */
        *log_p += lp[d];
        *scored += sc[d];
    }
    free(lp);
    free(sc);
    if (rc == WK_OK && *scored == 0) return wk_fail("lda: no held-out document has 2 or more known words");
    return rc;
}
