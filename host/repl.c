/* repl.c — the interactive prompt: `wick` on a terminal, or `wick -i`.
 *
 * It reads like lua.c's: a line is first tried as `return <line>`, so an expression
 * prints its values (tab-separated, through the global print, hence tostring and the
 * tensors' readable summaries); otherwise it is a statement, and while the parser's
 * complaint ends in "<eof>" the statement is incomplete and the next line (">> ") is
 * appended. Errors print with a traceback and the prompt comes back. A plain table
 * prints as its contents ({2, 3}), not its address (show.c); Tab completes names
 * (complete.c).
 *
 * Lines come from libedit (editing, history in ~/.wick_history) on a terminal, and
 * from plain stdio otherwise. Ctrl-C while code runs is run.c's business; Ctrl-C at
 * the prompt ends the line being typed and throws it away: libedit's own signal
 * handling is off (rl_catch_signals = 0), our handler only sets a flag, and the
 * character reader below sees the interrupted read() and answers with a newline.
 * (Jumping out of readline with siglongjmp instead left libedit's state on a dead
 * stack frame and crashed with "stack smashing detected".) */
#include <editline/readline.h>
#include <errno.h>
#include <locale.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

#define PROMPT1 "> "
#define PROMPT2 ">> "
#define HISTORY_NAME ".wick_history"
#define HISTORY_MAX 1000

/* What read_line may answer besides a line. */
static char cancelled_line[] = "";   /* Ctrl-C at the prompt: drop the input so far */

static int use_editline;             /* stdin is a terminal */
static char *history_path;           /* NULL: no history (no HOME, or not writable) */

static volatile sig_atomic_t prompt_interrupted;

// ---------------------------------------------------------------------------- reading

static void prompt_sigint(int sig)
{
    (void)sig;
    prompt_interrupted = 1;
}

/* libedit's character reader: one UTF-8 character as a code point (libedit stores
 * what this returns as a wide character). An interrupted read after Ctrl-C ends the
 * line with a newline; read_line then drops it. */
static int repl_getc(FILE *in)
{
    unsigned char b[4];
    int need = 1;
    for (int got = 0; got < need;) {
        if (prompt_interrupted) return '\n';
        ssize_t n = read(fileno(in), &b[got], 1);
        if (n == 0) return EOF;
        if (n < 0) {
            if (errno == EINTR) continue;
            return EOF;
        }
        if (got == 0) need = b[0] < 0x80 ? 1 : b[0] >= 0xF0 ? 4 : b[0] >= 0xE0 ? 3 : b[0] >= 0xC0 ? 2 : 1;
        got++;
    }
    switch (need) {
    case 2: return ((b[0] & 0x1F) << 6) | (b[1] & 0x3F);
    case 3: return ((b[0] & 0x0F) << 12) | ((b[1] & 0x3F) << 6) | (b[2] & 0x3F);
    case 4: return ((b[0] & 0x07) << 18) | ((b[1] & 0x3F) << 12) | ((b[2] & 0x3F) << 6) | (b[3] & 0x3F);
    default: return b[0];
    }
}

/* One line without its newline, malloc'd; NULL at end of input; cancelled_line
 * after Ctrl-C. */
static char *read_line(const char *prompt)
{
    if (!use_editline) {
        char *buf = NULL;
        size_t size = 0;
        fputs(prompt, stdout);
        fflush(stdout);
        if (getline(&buf, &size, stdin) < 0) {
            free(buf);
            return NULL;
        }
        buf[strcspn(buf, "\n")] = '\0';
        return buf;
    }
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = prompt_sigint;   /* no SA_RESTART: read() must see EINTR */
    sigemptyset(&sa.sa_mask);
    prompt_interrupted = 0;
    sigaction(SIGINT, &sa, &old);
    char *line = readline(prompt);
    sigaction(SIGINT, &old, NULL);
    if (prompt_interrupted) {
        free(line);
        line = cancelled_line;
    }
    return line;
}

static void free_line(char *line)
{
    if (line != cancelled_line)
        free(line);
}

/* The prompt to show: _PROMPT / _PROMPT2 if the user set them, as in lua.c. */
static const char *get_prompt(lua_State *L, int first)
{
    lua_getglobal(L, first ? "_PROMPT" : "_PROMPT2");
    const char *p = lua_tostring(L, -1);
    if (p == NULL)
        p = first ? PROMPT1 : PROMPT2;
    lua_pop(L, 1);   /* a string global stays alive in _G, so p stays valid */
    return p;
}

// ---------------------------------------------------------------------------- history

static void history_open(void)
{
    const char *home = getenv("HOME");
    if (home == NULL || *home == '\0' || access(home, W_OK) != 0)
        return;   /* nowhere to keep it: the REPL works without */
    size_t n = strlen(home) + sizeof HISTORY_NAME + 1;
    history_path = malloc(n);
    if (history_path == NULL)
        return;
    snprintf(history_path, n, "%s/%s", home, HISTORY_NAME);
    stifle_history(HISTORY_MAX);
    read_history(history_path);   /* absent on first use: fine */
}

static void history_add(const char *chunk)
{
    if (!use_editline || chunk[0] == '\0')
        return;
    add_history(chunk);
    /* Written at once, so a session that ends by a kill still keeps its lines. */
    if (history_path && write_history(history_path) != 0) {
        free(history_path);   /* became unwritable: stop trying */
        history_path = NULL;
    }
}

// ---------------------------------------------------------------------------- parsing

/* A syntax error whose message ends in "<eof>": the chunk just is not finished. */
static int incomplete(lua_State *L, int status)
{
    static const char mark[] = "<eof>";
    const size_t lmark = sizeof mark - 1;
    if (status != LUA_ERRSYNTAX)
        return 0;
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    return msg && len >= lmark && strcmp(msg + len - lmark, mark) == 0;
}

/* Try the line as `return <line>`; on success the compiled chunk is on the stack.
 * What runs is `return (function(...) return ... end)(<line>)`: the values are the
 * same, but <line> is evaluated in the chunk's own frame rather than tail-called, so a
 * failing call keeps "stdin:1" on the stack for the error handler (run.c) and the
 * traceback. (A line that is an expression only in `return` form runs as it is.) */
static int load_as_expression(lua_State *L, const char *line)
{
    size_t len;
    const char *code = lua_pushfstring(L, "return %s", line);
    len = lua_rawlen(L, -1);
    int status = luaL_loadbuffer(L, code, len, "=stdin");
    lua_remove(L, -2);   /* the source */
    if (status != LUA_OK) {
        lua_pop(L, 1);
        return status;
    }
    code = lua_pushfstring(L, "return (function(...) return ... end)(%s\n)", line);
    len = lua_rawlen(L, -1);
    if (luaL_loadbuffer(L, code, len, "=stdin") == LUA_OK) {
        lua_remove(L, -2);   /* the source */
        lua_remove(L, -2);   /* the plain `return <line>` chunk */
    } else {
        lua_pop(L, 2);       /* message and source: keep the plain chunk */
    }
    return LUA_OK;
}

/* Read one whole input (one or more lines) and compile it. Returns the load status
 * with the chunk or the error message on the stack, -1 at end of input, or -2 when
 * Ctrl-C cancelled it (nothing on the stack). */
static int load_input(lua_State *L)
{
    char *line = read_line(get_prompt(L, 1));
    if (line == NULL)
        return -1;
    if (line == cancelled_line)
        return -2;
    if (load_as_expression(L, line) == LUA_OK) {
        history_add(line);
        free_line(line);
        return LUA_OK;
    }
    lua_pushstring(L, line);   /* lines so far, joined by newlines */
    free_line(line);
    for (;;) {
        size_t len;
        const char *code = lua_tolstring(L, -1, &len);
        int status = luaL_loadbuffer(L, code, len, "=stdin");
        if (!incomplete(L, status)) {
            history_add(code);
            lua_remove(L, -2);   /* the source; leaves chunk or message */
            return status;
        }
        lua_pop(L, 1);   /* the "<eof>" message */
        char *more = read_line(get_prompt(L, 0));
        if (more == NULL || more == cancelled_line) {
            lua_pop(L, 1);
            return more == NULL ? -1 : -2;
        }
        lua_pushliteral(L, "\n");
        lua_pushstring(L, more);
        free_line(more);
        lua_concat(L, 3);
    }
}

// ---------------------------------------------------------------------------- the loop

/* The REPL's print: plain tables become their readable text (show.c), then the global
 * print gets everything, so tostring and __tostring (tensors' summaries) apply as
 * before. Run protected: a __tostring met inside a table may fail. */
static int show_and_print(lua_State *L)
{
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++)
        if (wk_show_is_plain(L, i))
            wk_show(L, i);
    lua_getglobal(L, "print");
    lua_insert(L, 1);
    lua_call(L, n, 0);
    return 0;
}

/* Print the values left by a call. */
static void print_results(lua_State *L, int base)
{
    int n = lua_gettop(L) - base;
    if (n <= 0)
        return;
    luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
    lua_pushcfunction(L, show_and_print);
    lua_insert(L, base + 1);
    if (lua_pcall(L, n, 0, 0) != LUA_OK) {
        wk_message(lua_pushfstring(L, "error calling 'print' (%s)", lua_tostring(L, -1)), 0);
        lua_pop(L, 2);
    }
}

/* `wick` and `help` (wick.help) as globals, so the REPL needs no require; a failure is
 * reported, not fatal. An existing global `help` (from -l or a script run with -i) is
 * left alone. */
static void load_wick_global(lua_State *L)
{
    lua_getglobal(L, "require");
    lua_pushliteral(L, "wick");
    int status = wk_call(L, 1, 1);
    if (status != LUA_OK) {
        wk_report(L, status, 1);
        return;
    }
    if (lua_getglobal(L, "help") == LUA_TNIL) {
        lua_getfield(L, -2, "help");
        lua_setglobal(L, "help");
    }
    lua_pop(L, 1);
    lua_setglobal(L, "wick");
}

void wk_repl(lua_State *L)
{
    use_editline = isatty(STDIN_FILENO);
    if (use_editline) {
        rl_readline_name = WICK_PROGNAME;   /* "wick:" lines in ~/.editrc apply */
        rl_catch_signals = 0;               /* Ctrl-C is ours (see read_line) */
        /* libedit edits wide characters: it needs a UTF-8 character type to take
         * "é" or "→" from repl_getc (LC_CTYPE only: numbers keep Lua's C format) */
        const char *ctype = setlocale(LC_CTYPE, "");
        if (ctype == NULL || strstr(ctype, "UTF-8") == NULL) setlocale(LC_CTYPE, "C.UTF-8");
        rl_getc_function = repl_getc;
        wk_complete_setup(L);
        history_open();
    }
    load_wick_global(L);
    int base = lua_gettop(L);
    int status;
    while ((status = load_input(L)) != -1) {
        if (status == -2)
            continue;
        if (status == LUA_OK)
            status = wk_call(L, 0, LUA_MULTRET);
        if (status == LUA_OK)
            print_results(L, base);
        else
            wk_report(L, status, 0);
        lua_settop(L, base);
    }
    fputs("\n", stdout);
    fflush(stdout);
    free(history_path);
    history_path = NULL;
}
