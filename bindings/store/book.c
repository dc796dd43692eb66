/* book.c — the run log's C side (bindings/store/book.lua is the rest): the writes a run
 * makes often, each through a statement prepared once, on a connection of its own to the
 * sketchbook.
 *
 *   wick.log{loss = 0.5, step = n}   metrics rows, gathered in memory and written by a
 *     flusher thread FLUSH_MS after the first of them, one short transaction a batch
 *   lib's file observer (lib/core/file.h): a file a loader opens becomes an input of the
 *     current run (path, size, mtime; once per run), a file a writer puts in place an
 *     output (path, size, XXH3-128 hash, time) — the moment it happens, so a run killed
 *     a second later still lists them.
 *
 * Why a connection of its own: the observer is called from deep inside lib (a PNG
 * writer's commit), where no Lua state may be touched; a sqlite3 handle and a few
 * prepared statements are all it needs. book.lua opens the file first through wick._sql
 * (which checks that it is a sketchbook and makes the schema), then attaches this side
 * to the same path. WAL lets both connections use the file, and every write is one short
 * transaction, so the file is consistent whenever the process dies.
 *
 * Why a flusher: a transaction of its own per wick.log call cost about 50 µs (locks and
 * WAL writes, and a checkpoint's fsync now and then), a tenth of a small training step;
 * appending to a buffer costs about a microsecond. Inputs wait the same way. A run
 * killed with SIGKILL loses at most the last FLUSH_MS of them; every other end (error,
 * Ctrl-C, os.exit, the end of the process) flushes first. Outputs are written at once:
 * they are few, and a picture must be listed even if the run dies the next moment.
 *
 * Also here: the few facts of the system book.lua needs and Lua lacks — a file's absolute
 * path, the host name, the pid, the CPU's name, the BLAS line, wall-clock time, and
 * whether a recorded pid still names the process that started a run. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/core/cpu.h"
#include "../../lib/core/file.h"
#include "../../lib/core/hash.h"
#include "../core/wk_lua.h"

// ---------------------------------------------------------------------------- state

#define FLUSH_MS 100         /* how long metrics wait in memory, at most */
#define MAX_PENDING 65536    /* rows; past this wick.log writes them itself */

/* A row waiting for the flusher: a metric logged, or an input read (a loop over
 * 10,000 image files would otherwise pay a transaction per file). */
typedef struct pending_row {
    sqlite3_int64 run;
    int input;          /* 1: an input (name is its path, at its mtime); 0: a metric */
    lua_Integer step;   /* metric */
    char *name;         /* the metric's name or the input's path, malloc'd */
    double value, at;   /* metric: value, time logged; input: -, mtime (NaN: unknown) */
    int64_t size;       /* input: bytes, -1 unknown */
} pending_row;

/* A set of paths (open addressing), so a loop that reads the same file 10,000 times
 * costs one row and no transactions after the first. */
typedef struct pathset {
    char **slot;
    size_t cap, n;
} pathset;

static struct {
    sqlite3 *db;
    char *path;                   /* the sketchbook, for messages */
    sqlite3_stmt *begin, *commit, *rollback;
    sqlite3_stmt *metric;         /* (run, step, name, value, at) */
    sqlite3_stmt *output;         /* (run, path, size, hash, at), one row per path */
    sqlite3_stmt *input;          /* (run, path, size, mtime) */
    sqlite3_stmt *exited;         /* (run, ended): the process left without the host's end */
    sqlite3_int64 run;            /* the current run's id; 0: none */
    lua_Integer step;             /* the last step wick.log used */
    pathset inputs;               /* inputs recorded for the current run */
    int warned;                   /* a failed observer write was reported this run */
    pending_row *pending;         /* rows waiting for the flusher */
    size_t n_pending, cap_pending;
    int flusher;                  /* the flusher thread is running */
    pthread_cond_t wake;          /* signalled when pending becomes non-empty */
    pthread_mutex_t mu;           /* the connection, the buffer and the run: the flusher
                                     thread, and loaders on other threads one day */
} book = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Add s (copied) unless present; 1 when added, 0 when it was there, -1 out of memory. */
static int pathset_add(pathset *ps, const char *s)
{
    if (2 * (ps->n + 1) > ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 64;
        char **slot = calloc(cap, sizeof *slot);
        if (!slot) return -1;
        for (size_t i = 0; i < ps->cap; i++) {
            if (!ps->slot[i]) continue;
            size_t j = fnv1a(ps->slot[i]) & (cap - 1);
            while (slot[j]) j = (j + 1) & (cap - 1);
            slot[j] = ps->slot[i];
        }
        free(ps->slot);
        ps->slot = slot, ps->cap = cap;
    }
    size_t j = fnv1a(s) & (ps->cap - 1);
    for (; ps->slot[j]; j = (j + 1) & (ps->cap - 1))
        if (strcmp(ps->slot[j], s) == 0) return 0;
    if (!(ps->slot[j] = strdup(s))) return -1;
    ps->n++;
    return 1;
}

static void pathset_clear(pathset *ps)
{
    for (size_t i = 0; i < ps->cap; i++) free(ps->slot[i]);
    free(ps->slot);
    memset(ps, 0, sizeof *ps);
}

static double now_epoch(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* path made absolute: realpath when the file exists (links resolved), else joined to the
 * working folder. malloc'd, or NULL. */
static char *absolute(const char *path)
{
    char *real = realpath(path, NULL);
    if (real || path[0] == '/') return real ? real : strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return strdup(path);
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s/%s", cwd, path[0] == '.' && path[1] == '/' ? path + 2 : path);
    return s;
}

// ---------------------------------------------------------------------------- the observer

/* Step a bound statement to its end and reset it; SQLITE_DONE or the error code. */
static int step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

/* Room for n more pending rows (book.mu held); 0 when memory ran out. */
static int pending_reserve(size_t n)
{
    if (book.n_pending + n <= book.cap_pending) return 1;
    size_t cap = book.cap_pending ? book.cap_pending * 2 : 256;
    while (cap < book.n_pending + n) cap *= 2;
    pending_row *grown = realloc(book.pending, cap * sizeof *grown);
    if (!grown) return 0;
    book.pending = grown, book.cap_pending = cap;
    return 1;
}

static int start_flusher(void);
static const char *flush_locked(void);

/* An input: queued for the flusher (book.mu held). observe() keeps it to once per run
 * by the path as the loader named it (a file read again costs no realpath); two
 * spellings of one file meet in the table's UNIQUE(run, path). */
static void record_input(const char *path)
{
    struct stat sb;
    char *copy = strdup(path);
    if (!copy || !pending_reserve(1)) {
        free(copy);
        if (!book.warned++) fprintf(stderr, "wick: the run log could not record the input '%s': out of memory\n", path);
        return;
    }
    int have = stat(path, &sb) == 0;
    book.pending[book.n_pending++] = (pending_row){
        .run = book.run, .input = 1, .name = copy, .size = have ? (int64_t)sb.st_size : -1,
        .at = have ? (double)sb.st_mtim.tv_sec + (double)sb.st_mtim.tv_nsec * 1e-9 : NAN};
    if (!start_flusher()) flush_locked();
    else pthread_cond_signal(&book.wake);
}

static void record_output(const char *path)
{
    char hex[33];
    int64_t size = -1;
    int hashed = wk_hash_file(path, hex, &size) == WK_OK;
    sqlite3_bind_int64(book.output, 1, book.run);
    sqlite3_bind_text(book.output, 2, path, -1, SQLITE_TRANSIENT);
    if (size >= 0) sqlite3_bind_int64(book.output, 3, size);
    if (hashed) sqlite3_bind_text(book.output, 4, hex, 32, SQLITE_TRANSIENT);
    sqlite3_bind_double(book.output, 5, now_epoch());
    if (step_reset(book.output) != SQLITE_DONE && !book.warned++)
        fprintf(stderr, "wick: the run log could not record the output '%s': %s\n", path, sqlite3_errmsg(book.db));
}

/* lib/core/file.h's observer: must not fail or raise; a write the log cannot make is
 * said once per run on stderr and the sketch goes on. */
static void observe(int kind, const char *path)
{
    if (!book.run) return;   /* no run: the usual case outside a sketch, one test */
    pthread_mutex_lock(&book.mu);
    int fresh = kind != WK_FILE_READ || pathset_add(&book.inputs, path) == 1;
    pthread_mutex_unlock(&book.mu);
    if (!fresh) return;   /* read before in this run */
    char *abs = absolute(path);   /* outside the lock: a few syscalls */
    if (!abs) return;
    pthread_mutex_lock(&book.mu);
    if (book.db && book.run) {
        if (kind == WK_FILE_READ) record_input(abs);
        else record_output(abs);
    }
    pthread_mutex_unlock(&book.mu);
    free(abs);
}

// ---------------------------------------------------------------------------- metrics

/* Write the pending metrics in one transaction (book.mu held). On failure the rows are
 * dropped — a full disk must not grow memory without end — and the reason is returned
 * (static or the connection's; copy it before unlocking). NULL when all went well. */
static const char *flush_locked(void)
{
    const char *err = NULL;
    if (book.n_pending == 0) return NULL;
    if (book.db) {
        int rc = step_reset(book.begin);
        for (size_t i = 0; rc == SQLITE_DONE && i < book.n_pending; i++) {
            pending_row *m = &book.pending[i];
            sqlite3_stmt *st = m->input ? book.input : book.metric;
            sqlite3_bind_int64(st, 1, m->run);
            if (m->input) {
                sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
                if (m->size >= 0) sqlite3_bind_int64(st, 3, (sqlite3_int64)m->size);
                if (m->at == m->at) sqlite3_bind_double(st, 4, m->at);
            } else {
                sqlite3_bind_int64(st, 2, (sqlite3_int64)m->step);
                sqlite3_bind_text(st, 3, m->name, -1, SQLITE_STATIC);
                sqlite3_bind_double(st, 4, m->value);
                sqlite3_bind_double(st, 5, m->at);
            }
            rc = step_reset(st);
        }
        if (rc == SQLITE_DONE) rc = step_reset(book.commit);
        if (rc != SQLITE_DONE) {
            err = sqlite3_errmsg(book.db);
            step_reset(book.rollback);
        }
    }
    for (size_t i = 0; i < book.n_pending; i++) free(book.pending[i].name);
    book.n_pending = 0;
    return err;
}

/* Flush, and say a failure once per run on stderr (no Lua here: the flusher thread). */
static void flush_and_warn(void)
{
    const char *err = flush_locked();
    if (err && !book.warned++)
        fprintf(stderr, "wick: the run log could not record metrics and inputs in '%s': %s\n", book.path, err);
}

/* The flusher: sleeps until metrics arrive, lets FLUSH_MS of them gather, writes them.
 * All signals are blocked in it (Ctrl-C belongs to the main thread, whose blocking
 * waits must see EINTR). */
static void *flusher_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&book.mu);
    for (;;) {
        while (book.n_pending == 0) pthread_cond_wait(&book.wake, &book.mu);
        pthread_mutex_unlock(&book.mu);
        struct timespec pause = {0, FLUSH_MS * 1000000L};
        nanosleep(&pause, NULL);
        pthread_mutex_lock(&book.mu);
        flush_and_warn();
    }
    return NULL;
}

/* Start the flusher once (book.mu held); 0 when it could not start (then wick.log
 * writes each call itself). */
static int start_flusher(void)
{
    if (book.flusher) return 1;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    book.flusher = pthread_create(&t, &attr, flusher_main, NULL) == 0;
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return book.flusher;
}

/* _book.flush(): write the pending metrics now (before a run's end, before queries). */
static int book_flush(lua_State *L)
{
    pthread_mutex_lock(&book.mu);
    flush_and_warn();
    pthread_mutex_unlock(&book.mu);
    return 0;
}

// ---------------------------------------------------------------------------- connection

static void detach(void)
{
    pthread_mutex_lock(&book.mu);
    flush_and_warn();
    sqlite3_stmt **sts[] = {&book.begin, &book.commit, &book.rollback, &book.metric, &book.output, &book.input, &book.exited};
    for (size_t i = 0; i < sizeof sts / sizeof *sts; i++) sqlite3_finalize(*sts[i]), *sts[i] = NULL;
    sqlite3_close_v2(book.db);
    book.db = NULL;
    free(book.path), book.path = NULL;
    book.run = 0;
    pathset_clear(&book.inputs);
    pthread_mutex_unlock(&book.mu);
}

/* At exit with a run still open: the process ended normally (exit, the end of main)
 * but the host never said how the run ended — a REPL that required wick after a
 * script, say. It ended when the process did; a crash or a kill never gets here. */
static void at_exit(void)
{
    pthread_mutex_lock(&book.mu);
    flush_and_warn();
    if (book.db && book.run && book.exited) {
        sqlite3_bind_int64(book.exited, 1, book.run);
        sqlite3_bind_double(book.exited, 2, now_epoch());
        step_reset(book.exited);
    }
    pthread_mutex_unlock(&book.mu);
    detach();
}

/* _book.attach(path): open the sketchbook book.lua has just opened and checked, and
 * prepare the statements. Raises "sketchbook: …" naming the file. */
static int book_attach(lua_State *L)
{
    const char *path = wk_lua_check_path(L, 1, "sketchbook");
    static int registered;
    if (!registered) registered = 1, atexit(at_exit);   /* and checkpoint the WAL */
    detach();
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_busy_timeout(db, 30000);
    /* As wick._sql's connection: in WAL mode NORMAL syncs at checkpoints, not at every
     * commit, and a crash still leaves the file consistent (it may lose the last rows). */
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    static const char *const sql[] = {
        "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK",
        "INSERT INTO metrics(run, step, name, value, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        "INSERT INTO outputs(run, path, size, hash, at) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT(run, path) DO UPDATE SET size = excluded.size, hash = excluded.hash, at = excluded.at",
        "INSERT OR IGNORE INTO inputs(run, path, size, mtime) VALUES (?1, ?2, ?3, ?4)",
        "UPDATE runs SET status = 'ok', ended = ?2 WHERE id = ?1 AND status = 'running'"};
    sqlite3_stmt **sts[] = {&book.begin, &book.commit, &book.rollback, &book.metric, &book.output, &book.input, &book.exited};
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof sts / sizeof *sts; i++)
        rc = sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, sts[i], NULL);
    if (rc != SQLITE_OK) {
        lua_pushfstring(L, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        book.db = db;   /* so detach finalizes what was prepared */
        detach();
        return luaL_error(L, "sketchbook: cannot open '%s' for the run log: %s", path, lua_tostring(L, -1));
    }
    book.db = db;
    book.path = strdup(path);
    wk_file_observe(observe);
    return 0;
}

static int book_detach(lua_State *L)
{
    detach();
    return 0;
}

/* _book.start(id): the run new rows belong to (nil or 0: none). Step counting and the
 * set of inputs start afresh. */
static int book_start(lua_State *L)
{
    lua_Integer id = luaL_optinteger(L, 1, 0);
    pthread_mutex_lock(&book.mu);
    flush_and_warn();   /* the last run's metrics, under its own id */
    book.run = (sqlite3_int64)id;
    book.step = 0;
    book.warned = 0;
    pathset_clear(&book.inputs);
    pthread_mutex_unlock(&book.mu);
    return 0;
}

// ---------------------------------------------------------------------------- wick.log

/* The number to log from the value at idx: a number, or a one-element tensor (a loss). */
static double metric_value(lua_State *L, int idx, const char *name)
{
    if (lua_type(L, idx) == LUA_TNUMBER) return (double)lua_tonumber(L, idx);
    wk_tensor *t = wk_lua_test_tensor(L, idx);
    if (t && wk_tensor_numel(t) == 1) {
        int64_t zero[WK_MAX_DIMS] = {0};
        return (double)*wk_tensor_at(t, zero);
    }
    if (t) luaL_error(L, "log: '%s' is a tensor of %I elements; log one number (t:mean(), t:item())", name,
                      (lua_Integer)wk_tensor_numel(t));
    luaL_error(L, "log: '%s' is %s; a metric is a number (or a one-element tensor)", name,
               lua_type(L, idx) == LUA_TNIL ? "nil" : luaL_typename(L, idx));
    return 0;
}

/* wick.log{name = number, …, step = n} -> step. Without step, the step counts up from
 * the last one logged (1 first). Outside a run (WICK_BOOK=off, the REPL) the values are
 * checked and the step counted, and nothing is written. */
static int book_log(lua_State *L)
{
    if (!lua_istable(L, 1))
        return luaL_error(L, "log: expected a table of metrics (wick.log{loss = 0.5}), got %s", luaL_typename(L, 1));
    lua_settop(L, 1);
    lua_Integer step = book.step + 1;
    if (lua_getfield(L, 1, "step") != LUA_TNIL) {
        int ok;
        step = lua_tointegerx(L, -1, &ok);
        if (!ok || step < 0)
            return luaL_error(L, "log: step must be a whole number >= 0, got %s", luaL_tolstring(L, 2, NULL));
    }
    lua_settop(L, 1);
    /* Check everything before writing anything: a bad value logs nothing. */
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            return luaL_error(L, "log: metric names must be strings, got %s", luaL_tolstring(L, -2, NULL));
        const char *name = lua_tostring(L, -2);
        if (strcmp(name, "step") != 0) metric_value(L, -1, name), n++;
        lua_pop(L, 1);
    }
    if (n == 0) return luaL_error(L, "log: nothing to log (give names and numbers: wick.log{loss = 0.5})");
    book.step = step;
    if (!book.db || !book.run) {
        lua_pushinteger(L, step);
        return 1;
    }
    double at = now_epoch();
    pthread_mutex_lock(&book.mu);
    if (!pending_reserve((size_t)n)) {
        pthread_mutex_unlock(&book.mu);
        return luaL_error(L, "log: out of memory");
    }
    int nomem = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        const char *name = lua_tostring(L, -2);
        if (strcmp(name, "step") != 0) {
            char *copy = strdup(name);
            if (!copy) nomem = 1;
            else   /* the value was checked above: metric_value cannot raise here */
                book.pending[book.n_pending++] =
                    (pending_row){.run = book.run, .step = step, .name = copy, .value = metric_value(L, -1, name), .at = at};
        }
        lua_pop(L, 1);
    }
    /* Without a flusher (it could not start) or with too much waiting, write now. */
    const char *err = NULL;
    if (nomem || !start_flusher() || book.n_pending >= MAX_PENDING) err = flush_locked();
    else pthread_cond_signal(&book.wake);
    if (err || nomem) {
        lua_pushstring(L, nomem ? "out of memory" : err);
        pthread_mutex_unlock(&book.mu);
        return luaL_error(L, "log: cannot write to the sketchbook '%s': %s", book.path, lua_tostring(L, -1));
    }
    pthread_mutex_unlock(&book.mu);
    lua_pushinteger(L, step);
    return 1;
}

// ---------------------------------------------------------------------------- files

/* _book.input(path) / _book.output(path): Lua's own readers and writers (io.open in
 * kit:write, page.lua) report through the same observer as lib's. */
static int book_input(lua_State *L)
{
    wk_file_note_read(wk_lua_check_path(L, 1, "book.input"));
    return 0;
}

static int book_output(lua_State *L)
{
    wk_file_note_written(wk_lua_check_path(L, 1, "book.output"));
    return 0;
}

// ---------------------------------------------------------------------------- the system

/* _book.realpath(path) -> the absolute path (links resolved when the file exists). */
static int book_realpath(lua_State *L)
{
    char *abs = absolute(wk_lua_check_path(L, 1, "book.realpath"));
    if (!abs) return luaL_error(L, "book.realpath: out of memory");
    lua_pushstring(L, abs);
    free(abs);
    return 1;
}

/* _book.place(tmp, path) -> true, or false when path exists already (tmp is removed
 * either way): a new sketchbook made whole beside its place appears there at once, and
 * never over one another process made meanwhile. */
static int book_place(lua_State *L)
{
    const char *tmp = wk_lua_check_path(L, 1, "book.place");
    const char *path = wk_lua_check_path(L, 2, "book.place");
    int rc = link(tmp, path), e = errno;
    unlink(tmp);
    if (rc != 0 && e != EEXIST) return luaL_error(L, "sketchbook: cannot make '%s': %s", path, strerror(e));
    lua_pushboolean(L, rc == 0);
    return 1;
}

static int book_now(lua_State *L)
{
    lua_pushnumber(L, now_epoch());
    return 1;
}

static int book_pid(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)getpid());
    return 1;
}

static int book_host(lua_State *L)
{
    char name[256] = "";
    if (gethostname(name, sizeof name - 1) != 0) strcpy(name, "?");
    lua_pushstring(L, name);
    return 1;
}

/* _book.cpu() -> "AMD EPYC 7B13 (avx2 fma)": the model /proc/cpuinfo names, and the
 * features wick's kernels choose by (lib/core/cpu.h). */
static int book_cpu(lua_State *L)
{
    char model[256] = "", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            snprintf(model, sizeof model, "%s", colon + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    }
    if (f) fclose(f);
    wk_cpu_features c;
    wk_cpu_features_read(&c);
    if (!model[0])
        snprintf(model, sizeof model, "%s family %d model %d",
                 c.vendor == WK_CPU_AMD ? "AMD" : c.vendor == WK_CPU_INTEL ? "Intel" : "CPU", c.family, c.model);
    lua_pushfstring(L, "%s (%s)", model,
                    c.avx512f && c.os_zmm ? "avx512 avx2 fma" : c.avx2 && c.fma && c.os_ymm ? "avx2 fma"
                                                                : c.avx && c.os_ymm         ? "avx"
                                                                                            : "sse");
    return 1;
}

/* _book.blas() -> "OpenBLAS 0.3.21, kernels Zen (…)": what `wick -v` prints. */
static int book_blas(lua_State *L)
{
    char buf[384];
    lua_pushstring(L, wk_cpu_kernels_describe(buf, sizeof buf));
    return 1;
}

/* When process pid started (seconds since the epoch), from /proc; -1 when unknown, -2
 * when it is a zombie (dead, not yet reaped). */
static double process_start(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');   /* the command name may hold spaces and parentheses */
    if (!p || p[1] != ' ') return -1;
    char state = p[2];
    if (state == 'Z' || state == 'X') return -2;
    p += 3;
    for (int field = 4; field < 22 && p; field++) p = strchr(p + 1, ' ');   /* to field 22: starttime */
    if (!p) return -1;
    double ticks = strtod(p + 1, NULL);
    double btime = -1;
    f = fopen("/proc/stat", "r");
    while (f && fgets(buf, sizeof buf, f))
        if (strncmp(buf, "btime ", 6) == 0) btime = strtod(buf + 6, NULL);
    if (f) fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    return btime < 0 || hz <= 0 ? -1 : btime + ticks / (double)hz;
}

/* Is process pid a wick? Its command name (/proc/pid/comm, the executable's file name)
 * holds "wick" (wick, build/asan/wick, wick-0.2); unknown counts as yes. */
static int is_wick(long pid)
{
    char path[64], comm[64] = "";
    snprintf(path, sizeof path, "/proc/%ld/comm", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 1;
    int got = fgets(comm, sizeof comm, f) != NULL;
    fclose(f);
    return !got || strstr(comm, "wick") != NULL;
}

/* _book.alive(pid, started) -> is pid a living wick that was already there when a run
 * began at `started`? A later process given the same pid is not that run's. */
static int book_alive(lua_State *L)
{
    lua_Integer pid = luaL_checkinteger(L, 1);
    double started = luaL_optnumber(L, 2, 0);
    int alive = pid > 0 && pid <= INT_MAX && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
    if (alive) {
        double t = process_start((long)pid);
        if (t == -2 || (t > 0 && started > 0 && t > started + 1) || !is_wick((long)pid)) alive = 0;
    }
    lua_pushboolean(L, alive);
    return 1;
}

static const luaL_Reg book_funcs[] = {
    {"attach", book_attach}, {"detach", book_detach}, {"start", book_start}, {"log", book_log},
    {"input", book_input},   {"output", book_output}, {"realpath", book_realpath}, {"now", book_now},
    {"pid", book_pid},       {"host", book_host},     {"cpu", book_cpu},       {"blas", book_blas},
    {"alive", book_alive},   {"flush", book_flush},   {"place", book_place},   {NULL, NULL}};

int luaopen_wick_book(lua_State *L)
{
    luaL_newlib(L, book_funcs);
    return 1;
}
