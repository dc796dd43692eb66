/* complete.c — Tab at the REPL prompt completes the name being typed:
 *
 *   wi<Tab>             → wick                 (globals, and Lua's keywords)
 *   wick.te<Tab>        → wick.tensor          (fields of a table)
 *   wick.tensor.ze<Tab> → wick.tensor.zeros
 *   t:su<Tab>           → t:sum                (methods of the value, after ':')
 *
 * The word is the text before the cursor back to a space or an operator; '.' and ':'
 * are part of it. Everything before its last '.' or ':' is a path of names from the
 * globals; the part after it is what gets completed. Names beginning with '_' are
 * left out unless the user typed the '_' (wick's internals, metamethods).
 *
 * Completing must never run the user's code: a Tab that trains a network, or prints,
 * because a __index function was called, would be a trap. So tables are only read raw
 * (lua_next, lua_rawget), and where a value's fields come from is found without
 * calling anything: the value itself if it is a table, then its metatable's __index
 * when that is a table (followed a few levels: a class, its base class…), or, when
 * __index is a C function, the tables among its upvalues — a C __index conventionally
 * keeps the method table it looks in as an upvalue (wick's tensors do), and reading an
 * upvalue runs nothing. A Lua __index function is not looked into. The collector
 * stops the garbage collector while it runs, so no finalizer runs on its account
 * either, and runs protected, since an error must not jump out of libedit. */
#include <editline/readline.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define INDEX_DEPTH 8   /* __index tables followed from one value */

static lua_State *complete_L;

/* The completions of the word being completed, handed to libedit one by one. */
static char **found;
static int n_found, next_found;

// ---------------------------------------------------------------------------- lookup

static int is_name_char(char c)
{
    return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Push the tables whose keys the value at idx shows (see the top of the file) and
 * return how many; the value itself first. */
static int push_sources(lua_State *L, int idx, int depth)
{
    idx = lua_absindex(L, idx);
    int n = 0;
    luaL_checkstack(L, 4, "completion");
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_pushvalue(L, idx);
        n++;
    }
    if (depth >= INDEX_DEPTH || !lua_getmetatable(L, idx))
        return n;
    lua_pushliteral(L, "__index");
    int kind = lua_rawget(L, -2);
    lua_remove(L, -2);   /* the metatable */
    if (kind == LUA_TTABLE) {
        int top = lua_gettop(L);
        n += push_sources(L, top, depth + 1);
        lua_remove(L, top);
    } else if (kind == LUA_TFUNCTION && lua_iscfunction(L, -1)) {
        int fn = lua_gettop(L), added = 0;
        for (int i = 1; lua_getupvalue(L, fn, i) != NULL; i++) {
            if (lua_type(L, -1) == LUA_TTABLE) {
                luaL_checkstack(L, 2, "completion");
                added++;
            } else {
                lua_pop(L, 1);
            }
        }
        lua_remove(L, fn);
        n += added;
    } else {
        lua_pop(L, 1);
    }
    return n;
}

/* Replace the value on top by its field `name` (nil when none), looking where
 * push_sources says, raw. */
static void get_field(lua_State *L, const char *name, size_t len)
{
    int v = lua_gettop(L);
    int n = push_sources(L, v, 0);
    lua_pushnil(L);
    for (int i = 0; i < n; i++) {
        lua_pop(L, 1);
        lua_pushlstring(L, name, len);
        if (lua_rawget(L, v + 1 + i) != LUA_TNIL)
            break;
    }
    lua_replace(L, v);
    lua_settop(L, v);
}

// ---------------------------------------------------------------------------- collecting

/* Add to the set at `set` the names of the table at t that start with the partial
 * word p (n bytes); methods only (function values) when `methods`. */
static void add_names(lua_State *L, int set, int t, const char *p, size_t n, int methods)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        size_t len;
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &len) : NULL;
        int ok = k && len >= n && memcmp(k, p, n) == 0 && ((n > 0 && p[0] == '_') || k[0] != '_') &&
                 (!methods || lua_type(L, -1) == LUA_TFUNCTION);
        for (size_t i = 0; ok && i < len; i++)
            ok = is_name_char(k[i]) && !(i == 0 && k[0] >= '0' && k[0] <= '9');
        lua_pop(L, 1);
        if (ok) {
            lua_pushvalue(L, -1);
            lua_pushboolean(L, 1);
            lua_rawset(L, set);
        }
    }
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Protected: word as argument 1; leaves the completions (whole words) as an array. */
static int collect(lua_State *L)
{
    static const char *const keywords[] = {
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto",
        "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true",
        "until", "while", NULL};
    size_t wlen;
    const char *word = luaL_checklstring(L, 1, &wlen);
    const char *sep = NULL;   /* the last '.' or ':' */
    for (const char *c = word; *c; c++)
        if (*c == '.' || *c == ':')
            sep = c;
    const char *part = sep ? sep + 1 : word;
    size_t plen = wlen - (size_t)(part - word);

    lua_newtable(L);   /* the set of names: 2 */
    int set = lua_gettop(L);
    lua_pushglobaltable(L);
    if (sep) {   /* walk the path: names separated by '.', no ':' inside */
        for (const char *c = word; c < sep;) {
            const char *end = c;
            while (end < sep && *end != '.')
                end++;
            if (end == c || lua_isnil(L, -1))
                return 0;
            for (const char *d = c; d < end; d++)
                if (!is_name_char(*d) || *d == ':')
                    return 0;
            get_field(L, c, (size_t)(end - c));
            c = end < sep ? end + 1 : end;
        }
    }
    int v = lua_gettop(L);
    int n = push_sources(L, v, 0);
    for (int i = 0; i < n; i++)
        add_names(L, set, v + 1 + i, part, plen, sep && *sep == ':');
    if (!sep)
        for (int i = 0; keywords[i]; i++)
            if (strncmp(keywords[i], part, plen) == 0) {
                lua_pushboolean(L, 1);
                lua_setfield(L, set, keywords[i]);
            }
    lua_settop(L, set);
    lua_newtable(L);
    int out = lua_gettop(L), count = 0;
    lua_pushnil(L);
    while (lua_next(L, set)) {
        lua_pop(L, 1);
        lua_pushlstring(L, word, (size_t)(part - word));
        lua_pushvalue(L, -2);
        lua_concat(L, 2);
        lua_rawseti(L, out, ++count);
    }
    return 1;
}

// ---------------------------------------------------------------------------- libedit

static void forget_found(void)
{
    for (int i = next_found; i < n_found; i++)
        free(found[i]);
    free(found);
    found = NULL;
    n_found = next_found = 0;
}

/* Fill `found` for word, sorted; on any failure it is left empty. */
static void find(const char *word)
{
    lua_State *L = complete_L;
    forget_found();
    int top = lua_gettop(L);
    int gc_was_on = lua_gc(L, LUA_GCISRUNNING);
    lua_gc(L, LUA_GCSTOP);
    lua_pushcfunction(L, collect);
    lua_pushstring(L, word);
    if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_istable(L, -1)) {
        int n = (int)lua_rawlen(L, -1);
        found = n ? calloc((size_t)n, sizeof *found) : NULL;
        for (int i = 0; found && i < n; i++) {
            lua_rawgeti(L, -1, i + 1);
            const char *s = lua_tostring(L, -1);
            if (s && (found[n_found] = strdup(s)) != NULL)
                n_found++;
            lua_pop(L, 1);
        }
        if (n_found > 1)
            qsort(found, (size_t)n_found, sizeof *found, compare_names);
    }
    lua_settop(L, top);
    if (gc_was_on)
        lua_gc(L, LUA_GCRESTART);
}

/* libedit's generator: state 0 starts a new word; then one match per call, which
 * libedit frees; NULL when done. */
static char *generate(const char *text, int state)
{
    if (state == 0)
        find(text);
    if (next_found < n_found)
        return found[next_found++];
    forget_found();
    return NULL;
}

static char **attempt(const char *text, int start, int end)
{
    (void)start;
    (void)end;
    rl_attempted_completion_over = 1;   /* no file names when nothing matches */
    return rl_completion_matches(text, generate);
}

void wk_complete_setup(lua_State *L)
{
    /* Everything that ends a Lua name except '.' and ':', which are part of the path. */
    static char breaks[] = " \t\n\"\\'`@$><=;|&{}()[],+-*/%^~#";
    complete_L = L;
    rl_attempted_completion_function = attempt;
    rl_basic_word_break_characters = breaks;
    rl_completer_word_break_characters = breaks;
    rl_completion_append_character = '\0';   /* "wick.tensor" may go on with '.', '(' or ':' */
}
