/* show.c — how the REPL prints a plain table: as Lua-like text, not as an address.
 *
 *   > t:shape()            {2, 3}
 *   > {lr = 0.01, betas = {0.9, 0.999}}
 *   {betas = {0.9, 0.999}, lr = 0.01}
 *   > net:state()          {["1.bias"] = tensor[8], ["1.weight"] = tensor[8,3,3,3], …}
 *
 * The list part comes first in order, then the other keys sorted (numbers, then strings,
 * then the rest), so the same table always prints the same way. Strings are quoted.
 * What would flood the terminal is cut and marked with "…": long strings, tables past
 * SHOW_ITEMS entries, nesting past SHOW_DEPTH, the whole line past SHOW_MAX bytes. A
 * table met again inside itself prints as <cycle>.
 *
 * Values that say how to print themselves (a __tostring) keep saying it: at the top
 * level print does it as before; inside a table only the head of their text is shown —
 * the first line, and of a text of several lines only its first word, since such a
 * text is a header over a body (a tensor's "tensor[8,3,3,3] min … max …" over its
 * values), and the header's first word names the thing. The host knows no tensors:
 * this is all it assumes about them.
 *
 * Tables are read raw (lua_next, lua_rawget): no __index, __pairs or __len runs, so
 * showing a proxy or a class never calls into it. Only __tostring can run code, as it
 * does for print; the caller runs us protected. */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define SHOW_DEPTH 3     /* tables nested deeper print as {…} */
#define SHOW_ITEMS 16    /* entries shown per table */
#define SHOW_STRING 60   /* bytes of a string or of a __tostring head */
#define SHOW_MAX 1200    /* bytes of the whole text */
#define SHOW_SORT_MAX 100000   /* more keys than this: shown in table order, not sorted */
#define ELLIPSIS "\xe2\x80\xa6"

struct show {
    lua_State *L;
    int seen;                          /* stack index of the set of tables being shown */
    size_t len;
    int full;                          /* SHOW_MAX reached: the rest is dropped */
    char buf[SHOW_MAX + sizeof ELLIPSIS];
};

// ---------------------------------------------------------------------------- text

/* How many of the first n bytes of p to keep so as not to cut a UTF-8 character. */
static size_t utf8_cut(const char *p, size_t n)
{
    while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static void put(struct show *s, const char *p, size_t n)
{
    if (s->full)
        return;
    if (s->len + n > SHOW_MAX) {
        n = utf8_cut(p, SHOW_MAX - s->len);
        s->full = 1;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

static void puts_(struct show *s, const char *p) { put(s, p, strlen(p)); }

/* A string as Lua would read it back, cut to SHOW_STRING bytes. */
static void put_quoted(struct show *s, const char *p, size_t n)
{
    int cut = n > SHOW_STRING;
    if (cut)
        n = utf8_cut(p, SHOW_STRING);
    puts_(s, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c, esc[2] = '\0';
        } else if (c == '\n') {
            strcpy(esc, "\\n");
        } else if (c < 0x20 || c == 0x7F) {
            snprintf(esc, sizeof esc, "\\%d", c);
        } else {
            put(s, (const char *)&p[i], 1);
            continue;
        }
        puts_(s, esc);
    }
    if (cut)
        puts_(s, ELLIPSIS);
    puts_(s, "\"");
}

/* The head of a value's own text (see the top of the file). */
static void put_head(struct show *s, int idx)
{
    size_t n;
    const char *p = luaL_tolstring(s->L, idx, &n);
    size_t line = strcspn(p, "\n");
    if (line < n)   /* a header over a body: its first word */
        line = strcspn(p, " \t\n");
    if (line > SHOW_STRING) {
        put(s, p, utf8_cut(p, SHOW_STRING));
        puts_(s, ELLIPSIS);
    } else {
        put(s, p, line);
    }
    lua_pop(s->L, 1);
}

static int is_identifier(const char *p, size_t n)
{
    static const char *const keywords[] = {
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto",
        "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true",
        "until", "while", NULL};
    if (n == 0 || strlen(p) != n || !(p[0] == '_' || ((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z')))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(p[i] == '_' || (p[i] >= '0' && p[i] <= '9') || ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z')))
            return 0;
    for (int i = 0; keywords[i]; i++)
        if (strcmp(p, keywords[i]) == 0)
            return 0;
    return 1;
}

// ---------------------------------------------------------------------------- keys

/* Sorting keys: qsort has no user pointer, and the keys live in a Lua table, so the
 * comparator finds both through these (set for the one sort under way; showing is not
 * re-entrant while a sort runs, as nothing is shown from inside the comparator). */
static lua_State *sort_L;
static int sort_keys;

static int key_rank(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER: return 0;
    case LUA_TSTRING: return 1;
    case LUA_TBOOLEAN: return 2;
    default: return 3;
    }
}

/* Numbers by value, strings bytewise, the rest by kind only; ties by position so
 * the order is total. Reads raw and compares only numbers and strings: nothing raises. */
static int key_compare(const void *pa, const void *pb)
{
    lua_State *L = sort_L;
    int a = *(const int *)pa, b = *(const int *)pb;
    lua_rawgeti(L, sort_keys, a);
    lua_rawgeti(L, sort_keys, b);
    int ra = key_rank(L, -2), rb = key_rank(L, -1), c = ra - rb;
    if (c == 0 && ra == 0) {
        c = lua_compare(L, -2, -1, LUA_OPLT) ? -1 : lua_compare(L, -1, -2, LUA_OPLT);
    } else if (c == 0 && ra == 1) {
        size_t na, nb;
        const char *sa = lua_tolstring(L, -2, &na), *sb = lua_tolstring(L, -1, &nb);
        c = memcmp(sa, sb, na < nb ? na : nb);
        if (c == 0)
            c = (na > nb) - (na < nb);
    }
    lua_pop(L, 2);
    return c ? c : a - b;
}

/* Push an array of the keys of the table at t that are not in its list part 1..n,
 * sorted; returns how many. */
static int sorted_keys(lua_State *L, int t, lua_Integer n)
{
    lua_newtable(L);
    int keys = lua_gettop(L), count = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= n)
            continue;
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, ++count);
    }
    if (count < 2 || count > SHOW_SORT_MAX)
        return count;
    /* The order as a userdata so an error later (a failing __tostring) cannot leak it. */
    int *order = lua_newuserdatauv(L, sizeof(int) * (size_t)count, 0);
    for (int i = 0; i < count; i++)
        order[i] = i + 1;
    sort_L = L;
    sort_keys = keys;
    qsort(order, (size_t)count, sizeof *order, key_compare);
    lua_createtable(L, count, 0);
    for (int i = 0; i < count; i++) {
        lua_rawgeti(L, keys, order[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_replace(L, keys);
    lua_pop(L, 1);   /* the order */
    return count;
}

// ---------------------------------------------------------------------------- values

static void put_value(struct show *s, int idx, int depth);

static void put_key(struct show *s, int idx, int depth)
{
    size_t n;
    if (lua_type(s->L, idx) == LUA_TSTRING) {
        const char *p = lua_tolstring(s->L, idx, &n);
        if (is_identifier(p, n)) {
            put(s, p, n);
            return;
        }
    }
    puts_(s, "[");
    put_value(s, idx, depth);
    puts_(s, "]");
}

static void put_table(struct show *s, int t, int depth)
{
    lua_State *L = s->L;
    luaL_checkstack(L, 8, "table too deep to show");
    if (lua_pushvalue(L, t), lua_rawget(L, s->seen) != LUA_TNIL) {
        lua_pop(L, 1);
        puts_(s, "<cycle>");
        return;
    }
    lua_pop(L, 1);
    lua_pushnil(L);
    if (!lua_next(L, t)) {
        puts_(s, "{}");
        return;
    }
    lua_pop(L, 2);
    if (depth >= SHOW_DEPTH) {
        puts_(s, "{" ELLIPSIS "}");
        return;
    }
    lua_pushvalue(L, t);
    lua_pushboolean(L, 1);
    lua_rawset(L, s->seen);

    lua_Integer n = 0;   /* the list part: 1..n all present */
    while (lua_rawgeti(L, t, n + 1) != LUA_TNIL) {
        lua_pop(L, 1);
        n++;
    }
    lua_pop(L, 1);
    int shown = 0;
    puts_(s, "{");
    for (lua_Integer i = 1; i <= n && shown < SHOW_ITEMS && !s->full; i++, shown++) {
        if (shown)
            puts_(s, ", ");
        lua_rawgeti(L, t, i);
        put_value(s, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
    }
    int count = sorted_keys(L, t, n), keys = lua_gettop(L);
    for (int i = 1; i <= count && shown < SHOW_ITEMS && !s->full; i++, shown++) {
        if (shown)
            puts_(s, ", ");
        lua_rawgeti(L, keys, i);
        put_key(s, lua_gettop(L), depth + 1);
        puts_(s, " = ");
        lua_rawget(L, t);   /* the key is replaced by its value */
        put_value(s, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);   /* the keys */
    if (shown < n + count)
        puts_(s, shown ? ", " ELLIPSIS : ELLIPSIS);
    puts_(s, "}");

    lua_pushvalue(L, t);
    lua_pushnil(L);
    lua_rawset(L, s->seen);
}

static void put_value(struct show *s, int idx, int depth)
{
    lua_State *L = s->L;
    size_t n;
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        const char *p = lua_tolstring(L, idx, &n);
        put_quoted(s, p, n);
        return;
    }
    case LUA_TTABLE:
        if (luaL_getmetafield(L, idx, "__tostring") == LUA_TNIL) {
            put_table(s, idx, depth);
            return;
        }
        lua_pop(L, 1);
        break;
    default:
        break;
    }
    put_head(s, idx);
}

// ---------------------------------------------------------------------------- entry

int wk_show_is_plain(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return 0;
    if (luaL_getmetafield(L, idx, "__tostring") == LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    return 0;
}

void wk_show(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    /* Static, not on the C stack: the REPL shows one value at a time, and an error
     * in a __tostring leaves nothing to free. */
    static struct show s;
    s.L = L;
    s.len = 0;
    s.full = 0;
    lua_newtable(L);
    s.seen = lua_gettop(L);
    put_value(&s, idx, 0);
    if (s.full) {
        memcpy(s.buf + s.len, ELLIPSIS, sizeof ELLIPSIS - 1);
        s.len += sizeof ELLIPSIS - 1;
    }
    lua_pop(L, 1);
    lua_pushlstring(L, s.buf, s.len);
    lua_replace(L, idx);
}
