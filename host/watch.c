/* watch.c — `wick --watch sketch.lua [args]`: run the sketch again each time it, or a
 * module it required from its own folder, is saved.
 *
 * Editors rarely write a file in place: most write a temporary file and rename it over
 * the old one, so a watch on the file itself would be lost after the first save. We
 * watch its folder instead and look for the file's name in close-after-write, moved-in
 * and created events. Saves come in bursts (create, write, rename…), so a run starts
 * only once the folder has been quiet for DEBOUNCE_MS.
 *
 * One Lua state lives for the whole session. Each run gets a fresh _ENV whose __index
 * is _G, so globals a run sets vanish with it, while the global `keep` table — one
 * table for the session — is what a sketch uses to carry state across reloads. A run
 * that fails (syntax or runtime error) is reported and the watcher waits for the next
 * save; whatever the last good run left behind (files, `keep`) stays.
 *
 * A sketch that grows splits into modules beside it (`require "palette"` finding
 * palette.lua in its folder, or in a folder below). Those are watched and reloaded too:
 * Lua's file searcher (package.searchers[2]) is wrapped for the session, and each module
 * it finds inside the sketch's folder is remembered, its folder watched, and its name
 * cleared from package.loaded before every run, so the next `require` reads the file
 * again. A module from elsewhere (wick's own, an installed library) stays loaded.
 *
 * The session is also what keeps cached steps warm (bindings/store/cache.lua): wick.cache
 * holds the steps' results in the Lua state, and with wick._cache.watching set it also
 * keeps the data files a sketch read. Each run starts from the seed in force, as the
 * first did, so that a sketch that sets no seed of its own draws the same numbers on
 * every save — its picture changes with its code, not with the save count — and its
 * cached steps, whose keys include the generator's state, are found again.
 *
 * A save while the sketch is still running interrupts it: run.c calls our poller from
 * a count hook, the poller reads the inotify descriptor without blocking, and a save
 * raises an error that unwinds the sketch; the new version then starts. Ctrl-C ends
 * the session; so does the folder disappearing. */
#include <errno.h>
#include <lauxlib.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "host.h"

#define DEBOUNCE_MS 100
#define DEBOUNCE_MAX_MS 2000
#define POLL_EVERY_MS 20   /* how often a running sketch looks for a save */
#define FILE_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)
#define GONE_EVENTS (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT | IN_IGNORED)
#define RELOAD_MSG "reloading: the sketch was saved while it ran"
#define MODULES_KEY "wick.watch.modules"   /* registry: module name -> its file's path */
#define WICK_KEY "wick.watch.wick"         /* registry: the wick module, once required */

/* A module of the sketch's: a file to watch for, and where. */
struct module_file {
    char *path;          /* resolved (realpath), malloc'd */
    const char *name;    /* its file name, inside path */
    int wd;              /* the watch on its folder */
};

struct watch {
    int fd;              /* inotify descriptor, non-blocking */
    char *dir;           /* folder holding the sketch (malloc'd) */
    const char *name;    /* the sketch's file name inside dir */
    const char *path;    /* as given on the command line */
    char *real_dir;      /* dir resolved (realpath): modules inside it are the sketch's */
    int wd;              /* the watch on dir */
    struct module_file *modules;
    int n_modules;
    char saved_name[256];   /* the file whose save is pending, for the message */
    int saved;           /* a save was seen and not yet acted on */
    int gone;            /* the folder went away */
    long last_poll_ms;   /* when the running sketch last looked */
};

// ---------------------------------------------------------------------------- events

static long now_ms(void)
{
    struct timespec ts;
    /* The coarse clock is a plain memory read (vDSO): cheap enough for the hook. */
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Is the file `name` in the folder watched as wd the sketch or one of its modules? */
static int is_watched(const struct watch *w, int wd, const char *name)
{
    if (wd == w->wd && strcmp(name, w->name) == 0)
        return 1;
    for (int i = 0; i < w->n_modules; i++)
        if (w->modules[i].wd == wd && strcmp(w->modules[i].name, name) == 0)
            return 1;
    return 0;
}

/* Read all pending events; sets w->saved and w->gone. Returns how many were about
 * the sketch or its folder: other files coming and going (a sketch's own outputs,
 * an editor's swap files) do not count. */
static int drain_events(struct watch *w)
{
    /* Aligned as inotify(7) asks, and big enough for many events at once. */
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    int count = 0;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n <= 0)
            return count;   /* EAGAIN: nothing more; EINTR: the caller looks at Ctrl-C */
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->wd == w->wd && (ev->mask & GONE_EVENTS)) {
                w->gone = 1;
                count++;
            } else if ((ev->mask & FILE_EVENTS) && ev->len > 0 && is_watched(w, ev->wd, ev->name)) {
                w->saved = 1;
                snprintf(w->saved_name, sizeof w->saved_name, "%s", ev->name);
                count++;
            }
            p += sizeof *ev + ev->len;
        }
    }
}

/* Block until an event arrives or ms pass (-1: no limit). Returns 1 when events about
 * the sketch came, 0 otherwise (time-out, other files), -1 when a signal (Ctrl-C)
 * interrupted the wait. */
static int wait_events(struct watch *w, int ms)
{
    struct pollfd p = {.fd = w->fd, .events = POLLIN};
    int r = poll(&p, 1, ms);
    if (r < 0)
        return errno == EINTR ? -1 : 0;
    return r > 0 && drain_events(w) > 0;
}

/* After a save, wait until the sketch has been left alone for DEBOUNCE_MS, so the run
 * sees the finished file rather than half of an editor's write-then-rename. An editor
 * that never stops writing gets a run after DEBOUNCE_MAX_MS anyway. */
static void debounce(struct watch *w)
{
    long start = now_ms(), quiet_at = start + DEBOUNCE_MS;
    for (long t = start; t < quiet_at && t - start < DEBOUNCE_MAX_MS; t = now_ms()) {
        int r = wait_events(w, (int)(quiet_at - t));
        if (r < 0 || w->gone || wk_sigint_seen)
            return;
        if (r == 1)
            quiet_at = now_ms() + DEBOUNCE_MS;
    }
}

/* Called by run.c's hook while the sketch runs. */
static const char *poll_save(void *ud)
{
    struct watch *w = ud;
    long t = now_ms();
    /* Once stopping, answer at once every time: a sketch that catches the error with
     * pcall and goes on gets it again at its next instruction. */
    if (!w->saved && !w->gone && t - w->last_poll_ms < POLL_EVERY_MS)
        return NULL;
    w->last_poll_ms = t;
    drain_events(w);
    if (w->saved)
        return RELOAD_MSG;
    if (w->gone)
        return "stopping: the sketch's folder is gone";
    return NULL;
}

// ---------------------------------------------------------------------------- modules

/* The searcher found `file` for module `modname`: if it lies in the sketch's folder,
 * remember the name (to unload it before each run) and watch the file. A file that
 * cannot be resolved or watched is simply not followed. */
static void note_module(lua_State *L, struct watch *w, const char *modname, const char *file)
{
    char *real = realpath(file, NULL);
    size_t n = strlen(w->real_dir);
    if (real == NULL || strncmp(real, w->real_dir, n) != 0 || real[n] != '/') {
        free(real);
        return;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, MODULES_KEY);
    lua_pushstring(L, real);
    lua_setfield(L, -2, modname);
    lua_pop(L, 1);
    for (int i = 0; i < w->n_modules; i++)
        if (strcmp(w->modules[i].path, real) == 0) {
            free(real);
            return;
        }
    char *slash = strrchr(real, '/');
    *slash = '\0';   /* real is now the module's folder, for a moment */
    /* IN_MASK_ADD: the sketch's own folder keeps the events it was watched for. */
    int wd = inotify_add_watch(w->fd, real, FILE_EVENTS | IN_ONLYDIR | IN_MASK_ADD);
    *slash = '/';
    struct module_file *more = wd < 0 ? NULL : realloc(w->modules, sizeof *more * (size_t)(w->n_modules + 1));
    if (more == NULL) {
        free(real);
        return;
    }
    w->modules = more;
    w->modules[w->n_modules++] = (struct module_file){.path = real, .name = slash + 1, .wd = wd};
}

/* package.searchers[2] while watching: Lua's own file searcher (upvalue 1), after
 * noting the file it will load. The file is found first, with package.searchpath (as
 * the searcher itself does), so that a module whose first load fails — a syntax error
 * in a new helper — is watched as well, and its fix re-runs the sketch. */
static int watching_searcher(lua_State *L)
{
    struct watch *w = lua_touserdata(L, lua_upvalueindex(2));
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, "package") == LUA_TTABLE) {
        lua_getfield(L, -1, "searchpath");
        lua_getfield(L, -2, "path");
        /* Only Lua's own searchpath: calling a replacement could run anything. */
        if (lua_iscfunction(L, -2) && lua_type(L, -1) == LUA_TSTRING) {
            lua_pushvalue(L, 1);
            lua_insert(L, -2);
            lua_call(L, 2, 1);
            if (lua_type(L, -1) == LUA_TSTRING)
                note_module(L, w, name, lua_tostring(L, -1));
        }
    }
    lua_settop(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* Wrap Lua's file searcher for the session (on = 1), or put it back (on = 0).
 * package.searchers is found through the registry, so a sketch's `package = nil`
 * cannot hide it. */
static void follow_modules(lua_State *L, struct watch *w, int on)
{
    int top = lua_gettop(L);
    if (on) {
        lua_newtable(L);
        lua_setfield(L, LUA_REGISTRYINDEX, MODULES_KEY);
    }
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, "package") == LUA_TTABLE && lua_getfield(L, -1, "searchers") == LUA_TTABLE) {
        int searchers = lua_gettop(L);
        lua_rawgeti(L, searchers, 2);
        if (on && lua_isfunction(L, -1)) {
            lua_pushlightuserdata(L, w);
            lua_pushcclosure(L, watching_searcher, 2);
            lua_rawseti(L, searchers, 2);
        } else if (!on && lua_tocfunction(L, -1) == watching_searcher) {
            lua_getupvalue(L, -1, 1);
            lua_rawseti(L, searchers, 2);
        }
    }
    lua_settop(L, top);
}

/* Before a run: forget the sketch's modules, so its `require`s read them afresh. */
static void unload_modules(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, MODULES_KEY);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_istable(L, -1) && lua_istable(L, -2)) {
        lua_pushnil(L);
        while (lua_next(L, -3)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, -4);
        }
    }
    lua_pop(L, 2);
}

// ---------------------------------------------------------------------------- running

/* Require wick once for the session and tell its cache that runs will follow each other
 * in this state. A failure here is left for the sketch's own `require` to report. */
static void open_wick(lua_State *L)
{
    int top = lua_gettop(L);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "wick");
    if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_istable(L, -1)) {
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, WICK_KEY);
        if (lua_getfield(L, -1, "_cache") == LUA_TTABLE) {
            lua_pushboolean(L, 1);
            lua_setfield(L, -2, "watching");
        }
    }
    lua_settop(L, top);
}

/* Before a run: seed wick's generator again with the seed in force (wick.seed(wick.seed())). */
static void reseed(lua_State *L)
{
    int top = lua_gettop(L);
    if (lua_getfield(L, LUA_REGISTRYINDEX, WICK_KEY) == LUA_TTABLE && lua_getfield(L, -1, "seed") == LUA_TFUNCTION) {
        lua_pushvalue(L, -1);
        if (lua_pcall(L, 0, 1, 0) == LUA_OK)
            lua_pcall(L, 1, 0, 0);
    }
    lua_settop(L, top);
}

/* The global `keep`, created once for the session. */
static void ensure_keep(lua_State *L)
{
    if (lua_getglobal(L, "keep") != LUA_TTABLE) {
        lua_newtable(L);
        lua_setglobal(L, "keep");
    }
    lua_pop(L, 1);
}

/* Push a fresh environment for one run: empty, reading through to _G. */
static void push_run_env(lua_State *L)
{
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushglobaltable(L);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    ensure_keep(L);   /* in case a sketch did `_G.keep = nil` last time */
    lua_getglobal(L, "keep");
    lua_setfield(L, -2, "keep");   /* so even rawget(_ENV, "keep") finds it */
}

/* One run of the sketch: load, give it its own _ENV, call with args. */
static void run_once(lua_State *L, struct watch *w, char **argv, int argc, int script)
{
    int base = lua_gettop(L);
    lua_pushstring(L, w->path);
    lua_setfield(L, LUA_REGISTRYINDEX, WICK_SCRIPT_KEY);
    unload_modules(L);
    reseed(L);
    int status = luaL_loadfile(L, w->path);
    if (status == LUA_OK) {
        push_run_env(L);
        if (lua_setupvalue(L, -2, 1) == NULL)   /* a chunk without _ENV (binary, stripped) */
            lua_pop(L, 1);
        int narg = argc - script - 1;
        luaL_checkstack(L, narg, "too many arguments to script");
        for (int i = script + 1; i < argc; i++)
            lua_pushstring(L, argv[i]);
        w->last_poll_ms = now_ms();
        wk_hooks_run_start(L, w->path);   /* wick stays loaded: each run is recorded */
        wk_set_poller(poll_save, w);
        status = wk_call(L, narg, 0);
        wk_set_poller(NULL, NULL);
        wk_hooks_run_end(L, status, status != LUA_OK && (w->saved || wk_sigint_seen) ? "interrupted" : NULL);
    }
    /* An interrupted run is no error to show: the loop says what happens next. */
    if (status != LUA_OK && w->saved)
        wk_message("the sketch was saved while running; restarting it", 1);
    else if (status != LUA_OK && !w->gone && !wk_sigint_seen)
        wk_report(L, status, 1);
    lua_settop(L, base);
    fflush(stdout);   /* a piped stdout would otherwise hold the run's output back */
    /* Collect the run's garbage now (its tensors may be large) rather than mid-next-run. */
    lua_gc(L, LUA_GCCOLLECT);
}

// ---------------------------------------------------------------------------- session

static int watch_open(struct watch *w, const char *path)
{
    memset(w, 0, sizeof *w);
    w->path = path;
    char *d = strdup(path);
    const char *slash = strrchr(path, '/');
    w->name = slash ? slash + 1 : path;
    if (d == NULL || w->name[0] == '\0') {
        free(d);
        wk_message("--watch: give the path of a file, not a folder", 1);
        return -1;
    }
    w->dir = strdup(dirname(d));
    free(d);
    if (w->dir == NULL)
        return -1;
    w->real_dir = realpath(w->dir, NULL);
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0 || w->real_dir == NULL ||
        (w->wd = inotify_add_watch(w->fd, w->dir, FILE_EVENTS | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)) < 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "--watch: cannot watch folder '%s': %s", w->dir, strerror(errno));
        wk_message(msg, 1);
        if (w->fd >= 0)
            close(w->fd);
        free(w->dir);
        free(w->real_dir);
        return -1;
    }
    return 0;
}

static void watch_close(struct watch *w)
{
    close(w->fd);
    for (int i = 0; i < w->n_modules; i++)
        free(w->modules[i].path);
    free(w->modules);
    free(w->dir);
    free(w->real_dir);
}

int wk_watch(lua_State *L, char **argv, int argc, int script)
{
    struct watch w;
    if (watch_open(&w, argv[script]) != 0)
        return 1;
    ensure_keep(L);
    open_wick(L);
    follow_modules(L, &w, 1);
    wk_catch_sigint(1);
    char msg[512];
    snprintf(msg, sizeof msg, "watching %s (save it to run it again, Ctrl-C to stop)", w.path);
    wk_message(msg, 1);
    run_once(L, &w, argv, argc, script);
    while (!wk_sigint_seen && !w.gone) {
        if (!w.saved && wait_events(&w, -1) != 1)
            continue;   /* Ctrl-C, or events about other files */
        debounce(&w);
        if (wk_sigint_seen || w.gone)
            break;
        w.saved = 0;
        if (strcmp(w.saved_name, w.name) == 0)
            snprintf(msg, sizeof msg, "reloaded %s", w.name);
        else
            snprintf(msg, sizeof msg, "reloaded %s (%s was saved)", w.name, w.saved_name);
        wk_message(msg, 1);
        run_once(L, &w, argv, argc, script);
    }
    if (w.gone) {
        snprintf(msg, sizeof msg, "the folder '%s' is gone; stopped watching", w.dir);
        wk_message(msg, 1);
    } else {
        fputs("\n", stderr);   /* after the terminal's ^C */
        wk_message("stopped watching", 1);
    }
    wk_catch_sigint(0);
    follow_modules(L, &w, 0);
    watch_close(&w);
    return 0;
}
