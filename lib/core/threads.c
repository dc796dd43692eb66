/* threads.c — the thread pool, the thread count, in-order sums of partial results, and
 * the block-splitting SGEMM (see threads.h for the contract).
 *
 * Why a pool of our own rather than OpenMP: libgomp's fork-join waits at the end of
 * every parallel region for every thread of the team, including one the machine has
 * descheduled, and its idle threads spin for milliseconds. With another program busy on
 * the second core, an LSTM step (hundreds of small regions) ran 10x slower on 2 threads
 * than on 1, and two trainings started together each ran 4.7-10x slower than alone.
 * Here the caller claims chunks like any worker and waits only for chunks already
 * claimed; a job whose helpers cost more waiting than they saved makes the pool run the
 * next jobs alone for a while; and when other programs keep CPUs busy (the machine's
 * runnable threads, from /proc/loadavg), only the free CPUs get helpers, since a helper
 * that shares a core is preempted mid-chunk and costs the caller more than it gives.
 * Results do not change either way (the rule in threads.h). Measured on 2 Zen 3 cores
 * beside one busy process (tests/bench/bench_busy.sh, medians of 3): 2 threads took
 * 0.98-1.04x the time of 1 on LSTM, conv, CNN training and t-SNE (was up to 1.11 with
 * throttling alone); two CNN trainings at once each ran 1.22-1.27x slower than alone.
 *
 * Jobs live in two slots used alternately. A worker announces itself in a slot (refs),
 * then checks the slot still holds the job it was woken for; the caller refills a slot
 * only when nobody is announced in it. So a worker that wakes late never runs chunks of
 * a job it was not meant for, and the caller never waits for one that has not started. */
#include "threads.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cpu.h"

#define MAX_THREADS 64
/* Idle workers spin this long for the next job before sleeping (a training step's jobs
 * come tens of microseconds apart; a futex wake costs a few microseconds more). */
#define IDLE_SPIN_NS 100000
/* The caller spins this long for the last chunks before sleeping on them. */
#define FINISH_SPIN_NS 20000
/* Throttling: after a job whose helpers were a net loss, run alone this long (doubling
 * on each new loss up to the maximum, back to the minimum after a good job). */
#define THROTTLE_MIN_NS 2000000
#define THROTTLE_MAX_NS 256000000
/* How often the caller looks at how many threads the whole machine has runnable. */
#define LOAD_CHECK_NS 20000000

/* ---- futex and time ------------------------------------------------------------- */

static void futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *addr)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* ---- the thread count ------------------------------------------------------------ */

static pthread_once_t count_once = PTHREAD_ONCE_INIT;
static int n_cpus = 1;
static _Atomic int n_threads = 1;

static int parse_count(const char *s)
{
    if (!s || !*s) return 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 1) return 0;
    return v > INT_MAX ? INT_MAX : (int)v;
}

static void count_init(void)
{
    cpu_set_t set;
    int c = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0) c = CPU_COUNT(&set);
    if (c < 1) c = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (c < 1) c = 1;
    if (c > MAX_THREADS) c = MAX_THREADS;
    n_cpus = c;
    int want = parse_count(getenv("WICK_THREADS"));
    if (!want) want = parse_count(getenv("OMP_NUM_THREADS"));
    if (!want || want > c) want = c;   /* more threads than CPUs only fight each other */
    atomic_store(&n_threads, want);
}

int wk_threads_cpus(void)
{
    pthread_once(&count_once, count_init);
    return n_cpus;
}

int wk_threads_count(void)
{
    pthread_once(&count_once, count_init);
    return atomic_load_explicit(&n_threads, memory_order_relaxed);
}

int wk_threads_set(int n)
{
    pthread_once(&count_once, count_init);
    if (n < 1) n = 1;
    if (n > n_cpus) n = n_cpus;
    atomic_store(&n_threads, n);
    return n;
}

void wk_threads_init(void)
{
    static _Atomic int done;
    if (atomic_load_explicit(&done, memory_order_acquire)) return;
    openblas_set_num_threads(1);   /* every GEMM runs inside one chunk, on one thread */
    atomic_store_explicit(&done, 1, memory_order_release);
}

/* ---- the pool -------------------------------------------------------------------- */

typedef struct job {
    _Alignas(64) wk_range_fn fn;
    void *ctx;
    int64_t n, grain, nchunks;
    int helpers;                     /* workers 1..helpers may take part */
    _Alignas(64) _Atomic int64_t next;          /* next chunk to claim */
    _Alignas(64) _Atomic uint32_t finished;     /* chunks done (futex word of the caller) */
    _Atomic int caller_sleeping;
    _Atomic int64_t helper_chunks;   /* chunks run by workers */
    _Alignas(64) _Atomic uint32_t gen;          /* the job this slot holds; written last */
    _Atomic int refs;                /* workers announced in this slot */
} job;

static struct {
    pthread_mutex_t caller;          /* one caller at a time */
    pthread_mutex_t start;           /* starting workers */
    int started;                     /* workers 1..started exist */
    uint32_t last_gen;               /* the caller's job counter */
    int64_t throttle_until, throttle_ns;
    int64_t load_checked;            /* when free_cpus was last read */
    int free_cpus;                   /* CPUs not busy with other programs, then */
    int loadavg_fd;                  /* /proc/loadavg, open; -1 when it cannot be read */
    _Alignas(64) _Atomic uint32_t gen;          /* latest job (futex word of idle workers) */
    _Atomic int sleeping;            /* workers in futex_wait on gen */
    job slot[2];
    _Atomic int64_t jobs, inline_jobs, worker_chunks, throttled, busy_machine;
} pool = {.caller = PTHREAD_MUTEX_INITIALIZER, .start = PTHREAD_MUTEX_INITIALIZER, .throttle_ns = THROTTLE_MIN_NS,
        .free_cpus = MAX_THREADS, .loadavg_fd = -2};

/* CPUs that other programs leave free: the CPUs minus the runnable threads that are not
 * ours (the 4th field of /proc/loadavg counts the runnable threads of the whole machine
 * right now; ours are the caller and the workers not asleep). Read at most every
 * LOAD_CHECK_NS; called with the caller lock held. */
static int free_cpus(int64_t now)
{
    if (now - pool.load_checked < LOAD_CHECK_NS) return pool.free_cpus;
    pool.load_checked = now;
    if (pool.loadavg_fd == -2) pool.loadavg_fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    char buf[128];
    ssize_t got = pool.loadavg_fd >= 0 ? pread(pool.loadavg_fd, buf, sizeof buf - 1, 0) : -1;
    int running = 0;
    if (got > 0) {
        buf[got] = 0;
        const char *slash = strchr(buf, '/');
        const char *p = slash;
        while (p && p > buf && p[-1] != ' ') p--;
        if (p) running = atoi(p);
    }
    if (running <= 0) return pool.free_cpus = MAX_THREADS;   /* unknown: assume free */
    int ours = 1 + pool.started - atomic_load(&pool.sleeping);
    int others = running - ours;
    /* the count is the whole machine's: when this process may use only some of the CPUs,
     * assume the others' programs fill the rest first */
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (online > n_cpus) others -= (int)(online - n_cpus);
    if (others < 0) others = 0;
    return pool.free_cpus = n_cpus - others;
}

static _Thread_local int in_pool;   /* this thread is running a chunk */

static void run_chunk(job *j, int64_t c, int worker)
{
    int64_t b = c * j->grain, e = b + j->grain;
    if (e > j->n) e = j->n;
    j->fn(j->ctx, b, e, worker);
}

/* Claim and run chunks of j until none is left; returns how many this thread ran. */
static int64_t claim_all(job *j, int worker)
{
    int64_t ran = 0, c;
    while ((c = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed)) < j->nchunks) {
        run_chunk(j, c, worker);
        ran++;
        uint32_t f = atomic_fetch_add(&j->finished, 1) + 1;   /* seq_cst: pairs with caller_sleeping */
        if (f == (uint32_t)j->nchunks && atomic_load(&j->caller_sleeping)) futex_wake_all(&j->finished);
    }
    return ran;
}

static void *worker_main(void *arg)
{
    int id = (int)(intptr_t)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);   /* signals (Ctrl-C) belong to the main thread */
    in_pool = 1;
    wk_cpu_flush_subnormals();   /* as the thread that started the pool does */
    uint32_t seen = atomic_load(&pool.gen);
    for (;;) {
        /* wait for a new job: spin a little, then sleep */
        uint32_t g = atomic_load_explicit(&pool.gen, memory_order_acquire);
        if (g == seen) {
            int64_t until = now_ns() + IDLE_SPIN_NS;
            for (int i = 1; (g = atomic_load_explicit(&pool.gen, memory_order_acquire)) == seen; i++) {
                cpu_relax();
                if ((i & 63) == 0 && now_ns() > until) {
                    atomic_fetch_add(&pool.sleeping, 1);
                    if (atomic_load(&pool.gen) == seen) futex_wait(&pool.gen, seen);
                    atomic_fetch_sub(&pool.sleeping, 1);
                    until = now_ns() + IDLE_SPIN_NS;
                }
            }
        }
        seen = g;
        job *j = &pool.slot[g & 1];
        atomic_fetch_add(&j->refs, 1);
        if (atomic_load_explicit(&j->gen, memory_order_acquire) == g && id <= j->helpers) {
            int64_t ran = claim_all(j, id);
            if (ran) atomic_fetch_add_explicit(&j->helper_chunks, ran, memory_order_relaxed);
        }
        atomic_fetch_sub(&j->refs, 1);
    }
    return NULL;
}

/* Start workers up to want-1 (the caller is worker 0); returns how many exist. */
static int ensure_workers(int want)
{
    if (pool.started >= want - 1) return pool.started;
    pthread_mutex_lock(&pool.start);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    while (pool.started < want - 1) {
        pthread_t t;
        if (pthread_create(&t, &attr, worker_main, (void *)(intptr_t)(pool.started + 1))) break;
        pool.started++;
    }
    pthread_attr_destroy(&attr);
    pthread_mutex_unlock(&pool.start);
    return pool.started;
}

static void run_inline(int64_t n, int64_t grain, wk_range_fn fn, void *ctx)
{
    int was = in_pool;
    in_pool = 1;
    for (int64_t b = 0; b < n; b += grain) fn(ctx, b, b + grain < n ? b + grain : n, 0);
    in_pool = was;
}

void wk_parallel_for(int64_t n, int64_t grain, wk_range_fn fn, void *ctx)
{
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    wk_threads_init();
    int64_t nchunks = (n + grain - 1) / grain;
    int threads = wk_threads_count();
    if (threads == 1 || nchunks == 1 || in_pool || pthread_mutex_trylock(&pool.caller)) {
        atomic_fetch_add_explicit(&pool.inline_jobs, 1, memory_order_relaxed);
        run_inline(n, grain, fn, ctx);
        return;
    }
    int64_t t0 = now_ns();
    if (t0 < pool.throttle_until) {   /* the workers were a loss lately: run alone */
        atomic_fetch_add_explicit(&pool.throttled, 1, memory_order_relaxed);
        pthread_mutex_unlock(&pool.caller);
        run_inline(n, grain, fn, ctx);
        return;
    }
    int helpers = ensure_workers(threads);
    if (helpers > threads - 1) helpers = threads - 1;
    /* Fewer helpers when other programs keep CPUs busy: a helper sharing a core with them
     * is preempted in the middle of its chunks, and the caller then waits for it (and
     * loses its own core's share to it). The results do not change. */
    int free = free_cpus(t0) - 1;
    if (helpers > free) {
        helpers = free;
        atomic_fetch_add_explicit(&pool.busy_machine, 1, memory_order_relaxed);
    }
    if (helpers < 1 || nchunks > UINT32_MAX / 2) {
        pthread_mutex_unlock(&pool.caller);
        run_inline(n, grain, fn, ctx);
        return;
    }
    atomic_fetch_add_explicit(&pool.jobs, 1, memory_order_relaxed);

    /* Fill a slot nobody is looking at, then publish it. The slot's old job is withdrawn
     * first (gen 0): a worker that announces itself after the wait below then sees 0 or
     * the new job, never the old one, and leaves. */
    uint32_t g = ++pool.last_gen;
    if (g == 0) g = ++pool.last_gen;   /* 0 means "no job" */
    job *j = &pool.slot[g & 1];
    atomic_store(&j->gen, 0);
    while (atomic_load(&j->refs)) cpu_relax();   /* a late worker leaving an old job */
    j->fn = fn;
    j->ctx = ctx;
    j->n = n;
    j->grain = grain;
    j->nchunks = nchunks;
    j->helpers = helpers;
    atomic_store_explicit(&j->next, 0, memory_order_relaxed);
    atomic_store_explicit(&j->finished, 0, memory_order_relaxed);
    atomic_store_explicit(&j->helper_chunks, 0, memory_order_relaxed);
    atomic_store_explicit(&j->caller_sleeping, 0, memory_order_relaxed);
    atomic_store_explicit(&j->gen, g, memory_order_release);
    atomic_store(&pool.gen, g);
    if (atomic_load(&pool.sleeping)) futex_wake_all(&pool.gen);

    /* work like a worker, then wait for the chunks others still run */
    in_pool = 1;
    int64_t mine = claim_all(j, 0);
    in_pool = 0;
    int64_t t1 = now_ns();
    uint32_t f;
    int64_t until = t1 + FINISH_SPIN_NS;
    for (int i = 1; (f = atomic_load_explicit(&j->finished, memory_order_acquire)) < (uint32_t)nchunks; i++) {
        cpu_relax();
        if ((i & 63) == 0 && now_ns() > until) {
            atomic_store(&j->caller_sleeping, 1);
            f = atomic_load(&j->finished);
            if (f < (uint32_t)nchunks) futex_wait(&j->finished, f);
        }
    }
    int64_t t2 = now_ns();

    /* Were the helpers worth it? Without them the caller would also have run their
     * chunks, at its own pace: (t1 - t0) / mine per chunk. */
    int64_t theirs = atomic_load_explicit(&j->helper_chunks, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool.worker_chunks, theirs, memory_order_relaxed);
    double saved = mine ? (double)(t1 - t0) / (double)mine * (double)theirs : 0.0;
    if ((double)(t2 - t1) > saved + 20000.0) {
        pool.throttle_until = t2 + pool.throttle_ns;
        if (pool.throttle_ns < THROTTLE_MAX_NS) pool.throttle_ns *= 2;
    } else if (theirs && pool.throttle_ns > THROTTLE_MIN_NS) {
        pool.throttle_ns /= 2;   /* one good job does not mean the machine is quiet again */
    }
    pthread_mutex_unlock(&pool.caller);
}

int64_t wk_parallel_grain(int64_t n, double cost, double min_cost, int64_t max_chunks)
{
    if (n <= 1) return n < 1 ? 1 : n;
    double total = (double)n * cost;
    int64_t chunks = min_cost > 0 ? (int64_t)(total / min_cost) : n;
    if (chunks > max_chunks) chunks = max_chunks;
    if (chunks > n) chunks = n;
    if (chunks < 1) chunks = 1;
    return (n + chunks - 1) / chunks;
}

typedef struct sum_args {
    float *dst;
    const float *src;
    int64_t nsrc;
    size_t stride;
} sum_args;

static void sum_range(void *ctx, int64_t i0, int64_t i1, int worker)
{
    const sum_args *a = ctx;
    for (int64_t i = i0; i < i1; i++) {
        float s = 0.0f;
        for (int64_t k = 0; k < a->nsrc; k++) s += a->src[(size_t)k * a->stride + i];
        a->dst[i] = s;
    }
}

void wk_sum_in_order(float *dst, const float *src, int64_t nsrc, size_t stride, int64_t n)
{
    sum_args a = {dst, src, nsrc, stride};
    wk_parallel_for(n, wk_parallel_grain(n, (double)nsrc, 65536.0, 8), sum_range, &a);
}

void wk_threads_stats(wk_pool_stats *out)
{
    out->jobs = atomic_load(&pool.jobs);
    out->inline_jobs = atomic_load(&pool.inline_jobs);
    out->worker_chunks = atomic_load(&pool.worker_chunks);
    out->throttled = atomic_load(&pool.throttled);
    out->busy_machine = atomic_load(&pool.busy_machine);
}

/* ---- SGEMM in blocks ------------------------------------------------------------------ */

/* A block is at least this many multiply-adds (a 128^3 product gains nothing from a
 * second thread) and this many rows or columns (each block repacks the other operand:
 * at 128 rows that costs a few percent), and a product has at most SGEMM_MAX_BLOCKS. */
#define SGEMM_BLOCK_MACS (1 << 22)
#define SGEMM_BLOCK_MIN_LEN 128
#define SGEMM_MAX_BLOCKS 8

typedef struct sgemm_args {
    CBLAS_TRANSPOSE ta, tb;
    int m, n, k, lda, ldb, ldc, by_rows;
    float alpha, beta;
    const float *a, *b;
    float *c;
} sgemm_args;

static void sgemm_block(void *ctx, int64_t start, int64_t stop, int worker)
{
    const sgemm_args *s = ctx;
    int len = (int)(stop - start);
    if (s->by_rows) {   /* rows of op(A) and C */
        const float *ab = s->ta == CblasNoTrans ? s->a + start * s->lda : s->a + start;
        cblas_sgemm(CblasRowMajor, s->ta, s->tb, len, s->n, s->k, s->alpha, ab, s->lda, s->b, s->ldb, s->beta,
                    s->c + start * s->ldc, s->ldc);
    } else {            /* columns of op(B) and C */
        const float *bb = s->tb == CblasNoTrans ? s->b + start : s->b + start * s->ldb;
        cblas_sgemm(CblasRowMajor, s->ta, s->tb, s->m, len, s->k, s->alpha, s->a, s->lda, bb, s->ldb, s->beta,
                    s->c + start, s->ldc);
    }
}

void wk_sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc)
{
    wk_threads_init();
    sgemm_args s = {ta, tb, m, n, k, lda, ldb, ldc, m >= n, alpha, beta, a, b, c};
    int len = s.by_rows ? m : n;
    double macs = (double)m * n * k;
    int64_t blocks = (int64_t)(macs / SGEMM_BLOCK_MACS);
    if (blocks > len / SGEMM_BLOCK_MIN_LEN) blocks = len / SGEMM_BLOCK_MIN_LEN;
    if (blocks > SGEMM_MAX_BLOCKS) blocks = SGEMM_MAX_BLOCKS;
    if (blocks <= 1) {
        cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    wk_parallel_for(len, (len + blocks - 1) / blocks, sgemm_block, &s);
}
