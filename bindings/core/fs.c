/* fs.c — the `wick.fs` module: folders, listings and other programs, without a shell.
 *
 * A sketch that builds a command line out of a path (`os.execute("mkdir -p '" .. out ..
 * "'")`) runs whatever that path contains — a folder or HOME with a quote in its name is
 * enough. wick's own code and sketches use these instead, and no text reaches a shell:
 *
 *   wick.fs.mkdir(path)                 mkdir -p; returns path
 *   wick.fs.list(dir)                   sorted names in dir (no "." or "..")
 *   wick.fs.kind(path)                  "file", "folder", "other" or nil when absent
 *   wick.fs.read_command(argv [, opts]) run argv[1] with the other entries as its
 *                                       arguments, return everything it writes to stdout
 *                                       (opts: max_bytes, quiet = stderr to /dev/null)
 *   wick.fs.spawn(argv [, opts])        a running program to talk to: p:send(line),
 *                                       p:read_line(), p:lines(), p:close() -> exit code
 *
 * Programs start through posix_spawnp with an argument vector, so an argument is one
 * argument whatever characters it holds. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/core/file.h"
#include "wk_lua.h"

extern char **environ;

#define WK_PROCESS_MT "wick.fs.process"
#define DEFAULT_MAX_BYTES ((lua_Integer)1 << 30)   /* read_command: 1 GiB */
#define MAX_LINE_BYTES (1 << 24)                    /* spawn: one line of 16 MiB at most */

static int fs_mkdir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    if (wk_file_mkdirs(path)) return wk_lua_fail(L, "fs.mkdir");
    lua_settop(L, 1);
    return 1;
}

static int fs_kind(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    struct stat st;
    if (stat(path, &st) != 0) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "folder" : "other");
    return 1;
}

static void close_dir(void *p) { closedir(p); }

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int fs_list(lua_State *L)
{
    const char *dir = luaL_checkstring(L, 1);
    wk_lua_box *box = wk_lua_push_box(L, close_dir);   /* closed even if the table growth raises */
    if (!(box->p = opendir(dir))) return luaL_error(L, "fs.list: cannot open folder '%s': %s", dir, strerror(errno));
    lua_newtable(L);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(box->p))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        lua_pushstring(L, e->d_name);
        lua_rawseti(L, -2, ++n);
    }
    wk_lua_box_release(box);
    /* Sort through a C array of the (Lua-owned, still referenced) strings. */
    const char **names = wk_lua_alloc(L, sizeof(char *) * (size_t)(n ? n : 1), "fs.list");
    lua_pushvalue(L, -2);   /* the table, above the buffer's box */
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, -1, i + 1);
        names[i] = lua_tostring(L, -1);
        lua_pop(L, 1);   /* the table keeps the string alive */
    }
    qsort(names, (size_t)n, sizeof *names, compare_names);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* ---- programs --------------------------------------------------------------------- */

typedef struct wk_process {
    pid_t pid;        /* 0 once waited for */
    int to_child;     /* its stdin, or -1 */
    FILE *from_child; /* its stdout, or NULL */
    int status;       /* exit status once waited for */
} wk_process;

/* argv table at idx -> NULL-terminated vector of its strings, kept alive by the table;
 * the vector lives in a box pushed on the stack. */
static char **check_argv(lua_State *L, int idx, const char *fname)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_Integer n = luaL_len(L, idx);
    if (n < 1 || n > 4096) luaL_error(L, "%s: expected a list {program, arg, ...} of 1 to 4096 strings", fname);
    char **argv = wk_lua_alloc(L, sizeof(char *) * (size_t)(n + 1), fname);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, idx, i) != LUA_TSTRING)
            luaL_error(L, "%s: argument %d of the command is a %s, not a string", fname, (int)i, luaL_typename(L, -1));
        argv[i - 1] = (char *)lua_tostring(L, -1);
        lua_pop(L, 1);   /* the table keeps the string alive */
    }
    argv[n] = NULL;
    return argv;
}

static int opt_bool(lua_State *L, int idx, const char *key)
{
    if (!lua_istable(L, idx)) return 0;
    lua_getfield(L, idx, key);
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* Start argv with pipes to its stdin (when want_stdin) and from its stdout. */
static int start(wk_process *p, char **argv, int want_stdin, int quiet)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err = 0;
    posix_spawn_file_actions_t fa;
    if (pipe2(out, O_CLOEXEC) != 0) return errno;
    if (want_stdin && pipe2(in, O_CLOEXEC) != 0) {
        err = errno;
        close(out[0]), close(out[1]);
        return err;
    }
    posix_spawn_file_actions_init(&fa);
    if (want_stdin) posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    if (quiet) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    err = posix_spawnp(&p->pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (want_stdin) close(in[0]);
    if (err) {
        p->pid = 0;
        close(out[0]);
        if (want_stdin) close(in[1]);
        return err;
    }
    p->to_child = want_stdin ? in[1] : -1;
    p->from_child = fdopen(out[0], "r");
    if (!p->from_child) close(out[0]);
    return 0;
}

/* Close the pipes and wait for the program; returns its exit code (128+signal). */
static int finish(wk_process *p)
{
    if (p->to_child >= 0) close(p->to_child), p->to_child = -1;
    if (p->from_child) fclose(p->from_child), p->from_child = NULL;
    if (p->pid > 0) {
        int st = 0;
        while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR) {}
        p->status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
        p->pid = 0;
    }
    return p->status;
}

static wk_process *push_process(lua_State *L)
{
    wk_process *p = lua_newuserdatauv(L, sizeof *p, 0);
    memset(p, 0, sizeof *p);
    p->to_child = -1;
    luaL_setmetatable(L, WK_PROCESS_MT);
    return p;
}

static int fs_read_command(lua_State *L)
{
    char **argv = check_argv(L, 1, "fs.read_command");
    lua_Integer max = DEFAULT_MAX_BYTES;
    int quiet = opt_bool(L, 2, "quiet");
    if (lua_istable(L, 2)) {
        lua_getfield(L, 2, "max_bytes");
        if (!lua_isnil(L, -1)) max = wk_lua_check_int(L, -1, "fs.read_command", "max_bytes", 1, (lua_Integer)1 << 40);
        lua_pop(L, 1);
    }
    wk_process *p = push_process(L);   /* its __gc waits for the program if we raise */
    int err = start(p, argv, 0, quiet);
    if (err) return luaL_error(L, "fs.read_command: cannot run '%s': %s", argv[0], strerror(err));
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char chunk[65536];
    size_t got, total = 0;
    while (p->from_child && (got = fread(chunk, 1, sizeof chunk, p->from_child)) > 0) {
        total += got;
        if ((lua_Integer)total > max) {
            kill(p->pid, SIGTERM);
            return luaL_error(L, "fs.read_command: '%s' wrote more than %I bytes", argv[0], max);
        }
        luaL_addlstring(&b, chunk, got);
    }
    luaL_pushresult(&b);
    lua_pushinteger(L, finish(p));
    return 2;   /* output, exit code */
}

static int fs_spawn(lua_State *L)
{
    char **argv = check_argv(L, 1, "fs.spawn");
    int quiet = opt_bool(L, 2, "quiet");
    wk_process *p = push_process(L);
    int err = start(p, argv, 1, quiet);
    if (err) return luaL_error(L, "fs.spawn: cannot run '%s': %s", argv[0], strerror(err));
    /* A program that exits early must give us EPIPE on the next send, not kill wick. */
    signal(SIGPIPE, SIG_IGN);
    return 1;
}

static wk_process *check_process(lua_State *L) { return luaL_checkudata(L, 1, WK_PROCESS_MT); }

static int process_send(lua_State *L)
{
    wk_process *p = check_process(L);
    size_t n;
    const char *s = luaL_checklstring(L, 2, &n);
    if (p->to_child < 0) return luaL_error(L, "process:send: the program's input is closed");
    const char nl = '\n';
    for (int part = 0; part < 2; part++) {
        const char *at = part ? &nl : s;
        size_t left = part ? 1 : n;
        while (left > 0) {
            ssize_t w = write(p->to_child, at, left);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return luaL_error(L, "process:send: cannot write to the program: %s", strerror(errno));
            at += w, left -= (size_t)w;
        }
    }
    return 0;
}

/* The next line of the program's output without its newline, or nil at its end. */
static int process_read_line(lua_State *L)
{
    wk_process *p = check_process(L);
    if (!p->from_child) return 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    size_t total = 0;
    int c = EOF;
    while ((c = getc(p->from_child)) != EOF && c != '\n') {
        if (++total > MAX_LINE_BYTES) return luaL_error(L, "process:read_line: a line longer than 16 MiB");
        luaL_addchar(&b, (char)c);
    }
    if (c == EOF && total == 0) return 0;
    luaL_pushresult(&b);
    return 1;
}

static int lines_step(lua_State *L)
{
    lua_settop(L, 0);
    lua_pushvalue(L, lua_upvalueindex(1));
    return process_read_line(L);
}

static int process_lines(lua_State *L)
{
    check_process(L);
    lua_settop(L, 1);
    lua_pushcclosure(L, lines_step, 1);
    return 1;
}

static int process_close(lua_State *L)
{
    lua_pushinteger(L, finish(check_process(L)));
    return 1;
}

static int process_gc(lua_State *L)
{
    wk_process *p = check_process(L);
    /* Abandoned (an error, or never closed): do not wait on a program that may never
     * end by itself. */
    if (p->pid > 0) kill(p->pid, SIGTERM);
    finish(p);
    return 0;
}

static const luaL_Reg process_methods[] = {
    {"send", process_send}, {"read_line", process_read_line}, {"lines", process_lines},
    {"close", process_close}, {NULL, NULL}};

static const luaL_Reg fs_funcs[] = {
    {"mkdir", fs_mkdir}, {"kind", fs_kind}, {"list", fs_list},
    {"read_command", fs_read_command}, {"spawn", fs_spawn}, {NULL, NULL}};

int luaopen_wick_fs(lua_State *L)
{
    luaL_newmetatable(L, WK_PROCESS_MT);
    luaL_newlib(L, process_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, process_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, process_gc);
    lua_setfield(L, -2, "__close");
    lua_pop(L, 1);
    luaL_newlib(L, fs_funcs);
    return 1;
}
