/* host.h — what the files of the `wick` program share.
 *
 * The host is split by concern: main.c reads the command line and runs scripts the way
 * lua5.4 does, run.c makes protected calls (traceback, error report, interruption by
 * Ctrl-C or by a poll hook), repl.c is the interactive prompt (show.c prints its plain
 * tables, complete.c completes names on Tab), watch.c re-runs a sketch whenever its
 * file or a module it required from its folder is saved. The host knows Lua and luaopen_wick, never tensors. */
#ifndef WK_HOST_H
#define WK_HOST_H

#include <lua.h>
#include <signal.h>

#define WICK_PROGNAME "wick"

/* Registry key under which the running script's path is kept; bindings read it (the
 * image binding tags PNGs with the sketch's name). */
#define WICK_SCRIPT_KEY "wick.script"

/* Registry key of the sketchbook's hooks: a table {run_start = f(path), run_end =
 * f(kind, message)} that bindings/store/book.lua puts there when wick loads. The host
 * calls them around each run of a script (not -e, not the REPL), so the run log records
 * how the run ended; kind is "ok", "error" or "interrupted" (Ctrl-C, or a save under
 * --watch), message the error's text. */
#define WICK_HOOKS_KEY "wick.host_hooks"

// ---------------------------------------------------------------------------- run.c

/* Set by the SIGINT handler that wk_call installs; watch.c reads it to leave. */
extern volatile sig_atomic_t wk_sigint_seen;

/* A poller that the running code checks every few thousand VM instructions. It
 * returns NULL to go on, or a message to raise inside the running code (watch.c uses
 * it to stop a sketch whose file was just saved). */
typedef const char *(*wk_poll_fn)(void *ud);
void wk_set_poller(wk_poll_fn fn, void *ud);

/* Call the function below narg arguments with a traceback handler; Ctrl-C during
 * the call raises "interrupted!" inside it. Returns a Lua status; on error the message
 * (with traceback) is left on the stack in place of the function. */
int wk_call(lua_State *L, int narg, int nres);

/* Keep SIGINT on the host's handler outside calls too (on = 1), or give it back to
 * the default (on = 0). Watch mode uses this so Ctrl-C while waiting is seen. */
void wk_catch_sigint(int on);

/* Print "wick: msg" (or just msg when prefix is 0) to stderr, after flushing stdout
 * so the two streams interleave in order on one terminal or file. */
void wk_message(const char *msg, int prefix);

/* If status is an error, print the message on top of the stack and pop it. */
int wk_report(lua_State *L, int status, int prefix);

/* Load status handling shared by -e, LUA_INIT and scripts: if loading went well,
 * call the chunk (with narg arguments already above it), then report. */
int wk_docall_report(lua_State *L, int status, int narg);

/* Call the sketchbook's hooks (WICK_HOOKS_KEY) when wick is loaded; nothing otherwise.
 * run_end: status is the run's Lua status; when it is an error the message is on top of
 * the stack (left there). kind NULL: "ok", "interrupted" after Ctrl-C, else "error". */
void wk_hooks_run_start(lua_State *L, const char *path);
void wk_hooks_run_end(lua_State *L, int status, const char *kind);

// ---------------------------------------------------------------------------- repl.c

/* The interactive prompt on stdin; returns when the user ends it (Ctrl-D). */
void wk_repl(lua_State *L);

// ---------------------------------------------------------------------------- show.c

/* Is the value at idx a table without a __tostring, which print would show as an
 * address? Reads the metatable raw: runs nothing. */
int wk_show_is_plain(lua_State *L, int idx);

/* Replace the value at idx by a readable text of it ({2, 3}, {lr = 0.01}, …). A
 * __tostring met inside may run and raise: call it protected. */
void wk_show(lua_State *L, int idx);

// ---------------------------------------------------------------------------- complete.c

/* Make Tab complete globals, fields and methods of the values in L (libedit must be
 * in use). Completion only reads tables raw: it never runs the user's code. */
void wk_complete_setup(lua_State *L);

// ---------------------------------------------------------------------------- watch.c

/* Run argv[script] again every time its file is saved, with argv[script+1..argc-1] as
 * its arguments, until Ctrl-C or until its folder disappears. Returns the exit status. */
int wk_watch(lua_State *L, char **argv, int argc, int script);

#endif
