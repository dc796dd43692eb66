/* run.c — running Lua code on the host's behalf: protected calls that add a traceback,
 * error reports on stderr, and the two ways running code gets stopped from outside.
 *
 * The message handler also keeps an error from pointing inside wick: a message located
 * in the embedded sugar ("[wick nn.lua]:52: …") or located nowhere gets the user's own
 * line instead ("sketch.lua:12: conv2d: …"). Each raise site should say that itself;
 * this is the net under the ones that do not.
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

/* A chunk of wick's embedded Lua sugar ("=[wick nn.lua]"), whose lines mean nothing
 * to the person whose code failed. */
static int is_sugar(const lua_Debug *ar)
{
    return strncmp(ar->source, "=[wick ", 7) == 0;
}

/* Where msg says it happened: the length of a leading "[wick x.lua]:N: " (sugar), 0
 * for another "where:N: " prefix ("sketch.lua:12: ", "(command line):1: ",
 * "[string \"…\"]:1: "), -1 for none at all. The prefix is what comes before the
 * first ": " of the first line, and it must end in ":<digits>". */
static int sugar_position(const char *msg)
{
    const char *colon = strstr(msg, ": ");
    const char *eol = strchr(msg, '\n');
    if (colon == NULL || colon == msg || (eol && eol < colon))
        return -1;
    const char *d = colon;
    while (d > msg && d[-1] >= '0' && d[-1] <= '9') d--;
    if (d == colon || d == msg || d[-1] != ':')
        return -1;
    return strncmp(msg, "[wick ", 6) == 0 ? (int)(colon + 2 - msg) : 0;
}

/* Is the function at stack level `level` Lua's own error()? */
static int raised_by_error(lua_State *L, int level)
{
    lua_Debug ar;
    if (!lua_getstack(L, level, &ar) || !lua_getinfo(L, "f", &ar))
        return 0;
    lua_getglobal(L, "error");
    int same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same;
}

/* The safety net for errors raised without the user's position (an internal error in
 * sugar, "[wick autograd.lua]:28: attempt to …", or a message with no position): put
 * the first frame that is neither C nor sugar in front ("sketch.lua:12: "), with the
 * name of the wick function that frame called when the message does not already say
 * it. The real fix is at each raise site; this only keeps a message from pointing
 * inside wick. Leaves the message on the stack (replacing msg when it changes it). */
static const char *user_position(lua_State *L, const char *msg)
{
    int skip = sugar_position(msg);
    if (skip == 0)
        return msg;   /* already says where, outside wick */
    lua_Debug ar;
    const char *called = NULL;   /* the name the user's frame called the frame below by */
    int below = 0;               /* that frame's level */
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sln", &ar))
            break;
        if (ar.currentline > 0 && ar.what[0] != 'C' && !is_sugar(&ar)) {
            if (below > 0 && raised_by_error(L, below))
                return msg;   /* the user's own error(msg, 0): as they asked */
            const char *body = skip > 0 ? msg + skip : msg;
            size_t n = called ? strlen(called) : 0;
            if (called == NULL || (strncmp(body, called, n) == 0 && body[n] == ':'))
                lua_pushfstring(L, "%s:%d: %s", ar.short_src, ar.currentline, body);
            else
                lua_pushfstring(L, "%s:%d: %s: %s", ar.short_src, ar.currentline, called, body);
            lua_replace(L, 1);
            return lua_tostring(L, 1);
        }
        called = ar.name && ar.namewhat[0] != '\0' ? ar.name : NULL;
        below = level;
    }
    return msg;   /* no frame of the user's own (a tail call replaced it): leave it */
}

/* Message handler: turn the error into text, point it at the user's line when it
 * points inside wick (user_position), and add the traceback. */
static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;   /* an error object that knows how to print itself */
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    } else if (lua_type(L, 1) == LUA_TSTRING) {
        msg = user_position(L, msg);
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

// ---------------------------------------------------------------------------- sketchbook hooks

/* Push hooks[name] when wick has put a hooks table in the registry and it has that
 * function; returns 1 when pushed. The host never loads wick for this: a script that
 * did not require it has no run to record. */
static int push_hook(lua_State *L, const char *name)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, WICK_HOOKS_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    int t = lua_getfield(L, -1, name);
    lua_remove(L, -2);
    if (t != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return 0;
    }
    return 1;
}

/* A hook's own failure is reported and otherwise ignored: the sketch's status stands. */
static void call_hook(lua_State *L, int narg)
{
    if (lua_pcall(L, narg, 0, 0) != LUA_OK) {
        lua_pushfstring(L, "sketchbook: %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(error object)");
        wk_message(lua_tostring(L, -1), 1);
        lua_pop(L, 2);
    }
}

void wk_hooks_run_start(lua_State *L, const char *path)
{
    if (!push_hook(L, "run_start")) return;
    lua_pushstring(L, path);
    call_hook(L, 1);
}

void wk_hooks_run_end(lua_State *L, int status, const char *kind)
{
    int msg = lua_gettop(L);   /* the error message when status is not LUA_OK */
    if (!push_hook(L, "run_end")) return;
    if (!kind) kind = status == LUA_OK ? "ok" : wk_sigint_seen ? "interrupted" : "error";
    lua_pushstring(L, kind);
    if (status != LUA_OK) lua_pushvalue(L, msg);
    else lua_pushnil(L);
    call_hook(L, 2);
}
