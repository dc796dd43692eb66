/* run.c — running Lua code on the host's behalf: protected calls that add a traceback,
 * error reports on stderr, and the two ways running code gets stopped from outside.
 *
 * Ctrl-C: a signal handler may not touch the Lua state, except lua_sethook, which is
 * documented as safe to call from one. So the handler only sets a flag and a hook; the
 * hook then raises "interrupted!" inside the running code at the next instruction, the
 * protected call returns, and the REPL or the watcher carries on. This is lua.c's idea.
 *
 * Polling: watch.c needs to notice a save while a sketch is still running. A count
 * hook calls its poller every few thousand instructions; when the poller answers with a
 * message, the hook raises it and the sketch unwinds like an interrupted one. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

volatile sig_atomic_t wk_sigint_seen;

/* The state a signal may set a hook on: non-NULL only while wk_call runs code. */
static lua_State *volatile running;
static wk_poll_fn poller;
static void *poller_ud;
static int sigint_caught;   /* wk_catch_sigint(1) is in force */

/* Instructions between two poller calls: about 10 µs of plain Lua, so a save is seen
 * quickly; the poller itself decides how often it really looks (see watch.c). */
#define POLL_COUNT 1000

// ---------------------------------------------------------------------------- hooks

static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    /* The hook stays set: if the code catches the error with pcall and loops on, the
     * next instruction raises it again, so a stray pcall cannot swallow a Ctrl-C. */
    if (wk_sigint_seen)
        luaL_error(L, "interrupted!");
    if (poller) {
        const char *why = poller(poller_ud);
        if (why) {
            /* From now on raise at every instruction, as for Ctrl-C. */
            lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
            luaL_error(L, "%s", why);
        }
    }
}

static void on_sigint(int sig)
{
    (void)sig;
    wk_sigint_seen = 1;
    lua_State *L = running;
    if (L)
        lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

static void set_sigint(void (*handler)(int), struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a blocking read or poll should return EINTR so a waiting watcher
     * (and a sketch blocked in io.read) notices the Ctrl-C. */
    sigaction(SIGINT, &sa, old);
}

void wk_set_poller(wk_poll_fn fn, void *ud)
{
    poller = fn;
    poller_ud = ud;
}

void wk_catch_sigint(int on)
{
    sigint_caught = on;
    set_sigint(on ? on_sigint : SIG_DFL, NULL);
}

// ---------------------------------------------------------------------------- calls

/* Message handler: turn the error into text and add where it happened. */
static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;   /* an error object that knows how to print itself */
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int wk_call(lua_State *L, int narg, int nres)
{
    int base = lua_gettop(L) - narg;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    wk_sigint_seen = 0;
    struct sigaction old;
    set_sigint(on_sigint, &old);
    if (poller)
        lua_sethook(L, stop_hook, LUA_MASKCOUNT, POLL_COUNT);
    running = L;
    int status = lua_pcall(L, narg, nres, base);
    running = NULL;
    lua_sethook(L, NULL, 0, 0);
    if (!sigint_caught)
        sigaction(SIGINT, &old, NULL);
    lua_remove(L, base);
    return status;
}

// ---------------------------------------------------------------------------- reports

void wk_message(const char *msg, int prefix)
{
    fflush(stdout);
    if (prefix)
        fprintf(stderr, "%s: ", WICK_PROGNAME);
    fprintf(stderr, "%s\n", msg);
    fflush(stderr);
}

int wk_report(lua_State *L, int status, int prefix)
{
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        wk_message(msg ? msg : "(error object is not a string)", prefix);
        lua_pop(L, 1);
    }
    return status;
}

int wk_docall_report(lua_State *L, int status, int narg)
{
    if (status == LUA_OK)
        status = wk_call(L, narg, 0);
    return wk_report(L, status, 1);
}
