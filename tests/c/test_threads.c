/* test_threads.c — the thread pool and wk_sgemm: every chunk runs exactly once whatever
 * the thread count, worker ids stay in range, nested and concurrent calls run inline
 * and finish, the thread count is clamped, a thousand tiny jobs in a row do not stall,
 * and wk_sgemm (every transpose combination, split by rows and by columns) matches a
 * float64 reference and gives the same bits on 1 and 2 threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lib/core/rng.h"
#include "../../lib/core/threads.h"
#include "check.h"

/* ---- the pool ----------------------------------------------------------------------- */

typedef struct count_ctx {
    int64_t n, grain;
    _Atomic int *hits;       /* (n) times each item ran */
    _Atomic int bad_range;   /* a chunk that was not [k*grain, min(n, (k+1)*grain)) */
    _Atomic int bad_worker;  /* a worker id outside [0, threads) */
    int threads;
} count_ctx;

static void count_items(void *p, int64_t b, int64_t e, int worker)
{
    count_ctx *c = p;
    if (b % c->grain || (e != b + c->grain && e != c->n) || e > c->n || b >= e) atomic_store(&c->bad_range, 1);
    if (worker < 0 || worker >= c->threads) atomic_store(&c->bad_worker, 1);
    for (int64_t i = b; i < e; i++) atomic_fetch_add(&c->hits[i], 1);
}

/* Every item once, chunks as promised, for a few shapes of n and grain. */
static int every_item_once(int64_t n, int64_t grain)
{
    count_ctx c = {n, grain, calloc((size_t)n + 1, sizeof(_Atomic int)), 0, 0, wk_threads_count()};
    wk_parallel_for(n, grain, count_items, &c);
    int ok = !c.bad_range && !c.bad_worker;
    for (int64_t i = 0; i < n; i++) ok &= c.hits[i] == 1;
    free((void *)c.hits);
    return ok;
}

TEST(pool_runs_every_chunk_once)
{
    int cpus = wk_threads_cpus();
    for (int t = 1; t <= 2; t++) {
        wk_threads_set(t);
        int ok = 1;
        ok &= every_item_once(1, 1);
        ok &= every_item_once(1000, 1);
        ok &= every_item_once(1000, 7);     /* a short last chunk */
        ok &= every_item_once(1000, 1000);  /* one chunk: inline */
        ok &= every_item_once(100000, 64);
        printf("  threads %d (of %d CPUs): %s\n", wk_threads_count(), cpus, ok ? "ok" : "WRONG");
        CHECK(ok);
    }
}

/* A call from inside a chunk runs inline and completes. */
typedef struct nest_ctx {
    _Atomic int64_t inner;
} nest_ctx;

static void inner_chunk(void *p, int64_t b, int64_t e, int worker)
{
    nest_ctx *c = p;
    atomic_fetch_add(&c->inner, e - b);
}

static void outer_chunk(void *p, int64_t b, int64_t e, int worker)
{
    for (int64_t i = b; i < e; i++) wk_parallel_for(100, 10, inner_chunk, p);
}

TEST(nested_calls_run_inline)
{
    wk_threads_set(2);
    nest_ctx c = {0};
    wk_parallel_for(50, 5, outer_chunk, &c);
    CHECK(c.inner == 50 * 100);
}

/* Two threads of the program's own (word2vec has some) calling the pool at once. */
static void *caller_thread(void *arg)
{
    int *ok = arg;
    for (int r = 0; r < 200; r++) *ok &= every_item_once(5000, 50);
    return NULL;
}

TEST(concurrent_callers_both_finish)
{
    wk_threads_set(2);
    int ok1 = 1, ok2 = 1;
    pthread_t a, b;
    pthread_create(&a, NULL, caller_thread, &ok1);
    pthread_create(&b, NULL, caller_thread, &ok2);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    CHECK(ok1 && ok2);
}

TEST(thread_count_is_clamped)
{
    int cpus = wk_threads_cpus();
    CHECK(cpus >= 1);
    CHECK(wk_threads_set(1000) == cpus);
    CHECK(wk_threads_count() == cpus);
    CHECK(wk_threads_set(0) == 1);
    CHECK(wk_threads_set(-5) == 1);
    wk_threads_set(2);
}

static void tiny(void *p, int64_t b, int64_t e, int worker)
{
    _Atomic int64_t *sum = p;
    atomic_fetch_add(sum, e - b);
}

/* 20,000 jobs of 4 tiny chunks (an LSTM's rhythm, exaggerated): all complete, and the
 * whole takes well under a second (a pool that waited on sleeping workers for each job
 * would take tens of seconds). */
TEST(many_small_jobs_do_not_stall)
{
    wk_threads_set(2);
    _Atomic int64_t sum = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < 20000; r++) wk_parallel_for(4, 1, tiny, (void *)&sum);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    wk_pool_stats st;
    wk_threads_stats(&st);
    printf("  20,000 jobs in %.3f s; pool jobs %lld, inline %lld, worker chunks %lld, throttled %lld\n", s,
           (long long)st.jobs, (long long)st.inline_jobs, (long long)st.worker_chunks, (long long)st.throttled);
    CHECK(sum == 80000);
    CHECK(s < 5.0);
}

TEST(grain_depends_on_the_problem_only)
{
    CHECK(wk_parallel_grain(1000, 1.0, 100.0, 8) == 125);    /* 8 chunks at most */
    CHECK(wk_parallel_grain(1000, 1.0, 500.0, 8) == 500);    /* 2 chunks of >= 500 */
    CHECK(wk_parallel_grain(1000, 1.0, 5000.0, 8) == 1000);  /* too little work: one chunk */
    CHECK(wk_parallel_grain(3, 1e9, 1.0, 8) == 1);           /* never more chunks than items */
    CHECK(wk_parallel_grain(0, 1.0, 1.0, 8) == 1);
}

/* ---- wk_sgemm ------------------------------------------------------------------------ */

static double max_error(int m, int n, int k, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, float *out)
{
    float *a = malloc(sizeof(float) * (size_t)m * k), *b = malloc(sizeof(float) * (size_t)k * n);
    float *c = malloc(sizeof(float) * (size_t)m * n);
    wk_rng_seed(17);
    for (int i = 0; i < m * k; i++) a[i] = wk_rng_normal();
    for (int i = 0; i < k * n; i++) b[i] = wk_rng_normal();
    for (int i = 0; i < m * n; i++) c[i] = 1.0f;   /* beta = 0.5 keeps half of it */
    int lda = ta == CblasNoTrans ? k : m, ldb = tb == CblasNoTrans ? n : k;
    wk_sgemm(ta, tb, m, n, k, 2.0f, a, lda, b, ldb, 0.5f, c, n);
    double worst = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++) {
                double av = ta == CblasNoTrans ? a[i * lda + p] : a[p * lda + i];
                double bv = tb == CblasNoTrans ? b[p * ldb + j] : b[j * ldb + p];
                s += av * bv;
            }
            double e = fabs(2 * s + 0.5 - c[i * n + j]) / (1 + fabs(2 * s));
            if (e > worst) worst = e;
        }
    if (out) memcpy(out, c, sizeof(float) * (size_t)m * n);
    free(a), free(b), free(c);
    return worst;
}

TEST(sgemm_matches_reference_and_ignores_the_thread_count)
{
    CBLAS_TRANSPOSE ts[2] = {CblasNoTrans, CblasTrans};
    /* big enough to be cut into blocks: 1100 x 256 x 300 is 84 M multiply-adds */
    int shapes[2][3] = {{1100, 256, 300}, {256, 1100, 300}};
    for (int s = 0; s < 2; s++)
        for (int x = 0; x < 2; x++)
            for (int y = 0; y < 2; y++) {
                int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
                float *c1 = malloc(sizeof(float) * (size_t)m * n), *c2 = malloc(sizeof(float) * (size_t)m * n);
                wk_threads_set(1);
                double e1 = max_error(m, n, k, ts[x], ts[y], c1);
                wk_threads_set(2);
                double e2 = max_error(m, n, k, ts[x], ts[y], c2);
                int same = memcmp(c1, c2, sizeof(float) * (size_t)m * n) == 0;
                printf("  %dx%dx%d trans %d%d: max rel diff %.2g (1 thread), %.2g (2); same bits: %s\n", m, n, k,
                       x, y, e1, e2, same ? "yes" : "NO");
                CHECK(e1 < 1e-4 && e2 < 1e-4);
                CHECK(same);
                free(c1), free(c2);
            }
}

int main(void)
{
    RUN(pool_runs_every_chunk_once);
    RUN(nested_calls_run_inline);
    RUN(concurrent_callers_both_finish);
    RUN(thread_count_is_clamped);
    RUN(many_small_jobs_do_not_stall);
    RUN(grain_depends_on_the_problem_only);
    RUN(sgemm_matches_reference_and_ignores_the_thread_count);
    return check_summary("threads");
}
