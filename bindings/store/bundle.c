/* bundle.c — wick._bundle, the C half of bundles (internal; bundle.lua builds the
 * commands pack, info, unpack and run on it). Opening and unpacking a bundle someone
 * sent is done by lib/store/bundle.c, never by Lua, so the checks the fuzz target
 * exercises are the ones every command goes through.
 *
 *   b = wick._bundle.open(path)              -- checked, or an error naming the file
 *   b = wick._bundle.open_memory(s, name)    -- the same from bytes in a string
 *   t = b:info()       -- {name, version, meta = {k = v}, files = {...}, inputs = {...},
 *                      --  cache = n, cache_bytes = n}
 *   s = b:read(path)   -- one file's contents (hash checked again)
 *   n = b:unpack(dir, { kinds = "code,model", force = false })   -- files written
 *   b:close()          -- also __gc and __close; a closed bundle raises when used
 *   wick._bundle.schema, .app_id, .version; wick._bundle.check_path(p) -> true | nil, why
 *   wick._bundle.place(tmp, target, replace)  -- a finished new bundle into place
 *   wick._bundle.realpath(p) -> absolute path | nil, why;  wick._bundle.lstat(p) -> {kind,
 *   size, mode, mtime} | nil   (pack reads the sketch folder and the run's files with them) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/core/error.h"
#include "../../lib/store/bundle.h"
#include "../core/wk_lua.h"

#define BUNDLE_MT "wick.Bundle"

/* The userdata holds the wk_bundle by value, created closed (db NULL) before opening,
 * so an error midway leaves nothing to leak (liolib's way). */
static wk_bundle *check_open(lua_State *L, int idx)
{
    wk_bundle *b = luaL_checkudata(L, idx, BUNDLE_MT);
    if (!b->db) luaL_error(L, "attempt to use a closed bundle");
    return b;
}

static wk_bundle *push_closed(lua_State *L)
{
    wk_bundle *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    luaL_setmetatable(L, BUNDLE_MT);
    return b;
}

static int bundle_open(lua_State *L)
{
    const char *path = wk_lua_check_path(L, 1, "bundle");
    wk_bundle *b = push_closed(L);
    if (wk_bundle_open(b, path)) return luaL_error(L, "%s", wk_errmsg());
    return 1;
}

static int bundle_open_memory(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    const char *name = luaL_optstring(L, 2, "(bundle in memory)");
    wk_bundle *b = push_closed(L);
    if (wk_bundle_open_memory(b, s, n, name)) return luaL_error(L, "%s", wk_errmsg());
    return 1;
}

static int bundle_close(lua_State *L)
{
    wk_bundle_close(luaL_checkudata(L, 1, BUNDLE_MT));
    return 0;
}

static void set_str(lua_State *L, const char *key, const char *v)
{
    if (!v) return;
    lua_pushstring(L, v);
    lua_setfield(L, -2, key);
}

static void set_int(lua_State *L, const char *key, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, key);
}

static int bundle_info(lua_State *L)
{
    wk_bundle *b = check_open(L, 1);
    lua_createtable(L, 0, 8);
    set_str(L, "name", b->name);
    set_int(L, "version", b->version);
    set_int(L, "cache", b->ncache);
    set_int(L, "cache_bytes", b->cache_bytes);
    lua_createtable(L, 0, b->nmeta);
    for (int i = 0; i < b->nmeta; i++) set_str(L, b->meta[i].key, b->meta[i].value);
    lua_setfield(L, -2, "meta");
    lua_createtable(L, b->nfiles, 0);
    for (int i = 0; i < b->nfiles; i++) {
        const wk_bundle_file *f = &b->files[i];
        lua_createtable(L, 0, 5);
        set_str(L, "path", f->path);
        set_str(L, "kind", wk_bundle_kind_name(f->kind));
        set_int(L, "mode", f->mode);
        set_int(L, "size", f->size);
        set_str(L, "hash", f->hash);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "files");
    lua_createtable(L, b->ninputs, 0);
    for (int i = 0; i < b->ninputs; i++) {
        const wk_bundle_input *in = &b->inputs[i];
        lua_createtable(L, 0, 5);
        set_str(L, "path", in->path);
        set_str(L, "data", in->data);
        set_str(L, "package", in->package);
        set_int(L, "size", in->size);
        set_str(L, "hash", in->hash);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "inputs");
    return 1;
}

static void release_buffer(void *p) { free(p); }

static int bundle_read(lua_State *L)
{
    wk_bundle *b = check_open(L, 1);
    const char *path = luaL_checkstring(L, 2);
    int i = wk_bundle_find(b, path);
    if (i < 0) return luaL_error(L, "bundle: '%s' holds no file '%s'", b->name, path);
    wk_lua_box *box = wk_lua_push_box(L, release_buffer);
    int64_t n;
    if (wk_bundle_read(b, i, (char **)&box->p, &n)) return luaL_error(L, "%s", wk_errmsg());
    lua_pushlstring(L, box->p, (size_t)n);
    wk_lua_box_release(box);
    return 1;
}

/* kinds as "code,output,model" (any subset; "all") -> WK_BUNDLE_* bits */
static int parse_kinds(lua_State *L, const char *s)
{
    int kinds = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        char word[16];
        if (n >= sizeof word) n = sizeof word - 1;
        memcpy(word, s, n), word[n] = '\0';
        int k = strcmp(word, "all") == 0 ? WK_BUNDLE_ALL : wk_bundle_kind_code(word);
        if (!k) luaL_error(L, "unpack: unknown kind '%s' (code, output, model or all)", word);
        kinds |= k;
        s += n + (s[n] == ',');
    }
    return kinds;
}

static int bundle_unpack(lua_State *L)
{
    wk_bundle *b = check_open(L, 1);
    const char *dir = wk_lua_check_path(L, 2, "unpack");
    static const char *const known[] = {"kinds", "force", NULL};
    wk_lua_check_options(L, 3, "unpack", known);
    int kinds = WK_BUNDLE_ALL;
    if (wk_lua_get_option(L, 3, "kinds") == LUA_TSTRING) kinds = parse_kinds(L, lua_tostring(L, -1));
    lua_pop(L, 1);
    int force = wk_lua_opt_bool(L, 3, "unpack", "force", 0);
    int written = 0;
    if (wk_bundle_unpack(b, dir, kinds, force ? WK_BUNDLE_FORCE : 0, &written))
        return luaL_error(L, "unpack: %s", wk_errmsg());
    lua_pushinteger(L, written);
    return 1;
}

static int bundle_tostring(lua_State *L)
{
    wk_bundle *b = luaL_checkudata(L, 1, BUNDLE_MT);
    if (b->db) lua_pushfstring(L, "wick.Bundle (%s, %d files)", b->name, b->nfiles);
    else lua_pushliteral(L, "wick.Bundle (closed)");
    return 1;
}

static int bundle_check_path(lua_State *L)
{
    size_t n;
    const char *p = luaL_checklstring(L, 1, &n);
    if (wk_bundle_check_path(p, n) == WK_OK) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushnil(L);
    lua_pushstring(L, wk_errmsg());
    return 2;
}

static int bundle_place(lua_State *L)
{
    const char *tmp = wk_lua_check_path(L, 1, "pack");
    const char *target = wk_lua_check_path(L, 2, "pack");
    if (wk_bundle_place(tmp, target, lua_toboolean(L, 3))) return luaL_error(L, "pack: %s", wk_errmsg());
    return 0;
}

/* realpath(p) -> the absolute path with links resolved, or nil, reason */
static int bundle_realpath(lua_State *L)
{
    const char *p = wk_lua_check_path(L, 1, "bundle");
    char *r = realpath(p, NULL);
    if (!r) {
        lua_pushnil(L);
        lua_pushfstring(L, "'%s': %s", p, strerror(errno));
        return 2;
    }
    lua_pushstring(L, r);
    free(r);
    return 1;
}

/* lstat(p) -> {kind = "file" | "folder" | "link" | "other", size, mode, mtime} or nil */
static int bundle_lstat(lua_State *L)
{
    const char *p = wk_lua_check_path(L, 1, "bundle");
    struct stat st;
    if (lstat(p, &st) != 0) return 0;
    lua_createtable(L, 0, 4);
    set_str(L, "kind", S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "folder" : S_ISLNK(st.st_mode) ? "link" : "other");
    set_int(L, "size", (lua_Integer)st.st_size);
    set_int(L, "mode", (lua_Integer)(st.st_mode & 07777));
    lua_pushnumber(L, (lua_Number)st.st_mtim.tv_sec + (lua_Number)st.st_mtim.tv_nsec * 1e-9);
    lua_setfield(L, -2, "mtime");
    return 1;
}

/* private_dir(prefix) -> prefix .. uid: a folder only this user can enter, made when
 * missing (mode 0700).
 * Where bundles run when there is no sketchbook: under the shared temporary folder,
 * where another user could have made the name first to swap the code between unpacking
 * and running. A folder that is a link, someone else's, or open to others is refused. */
static int bundle_private_dir(lua_State *L)
{
    lua_pushfstring(L, "%s%d", wk_lua_check_path(L, 1, "bundle"), (int)geteuid());
    const char *p = lua_tostring(L, -1);
    if (mkdir(p, 0700) != 0 && errno != EEXIST)
        return luaL_error(L, "run: cannot make the folder '%s': %s", p, strerror(errno));
    struct stat st;
    if (lstat(p, &st) != 0) return luaL_error(L, "run: cannot use the folder '%s': %s", p, strerror(errno));
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
        return luaL_error(L, "run: '%s' is not a private folder of yours (%s); remove it or set TMPDIR", p,
                          !S_ISDIR(st.st_mode) ? "not a folder" : st.st_uid != geteuid() ? "another user's"
                                                                                         : "others may enter it");
    return 1;
}

static const luaL_Reg bundle_methods[] = {
    {"info", bundle_info},
    {"read", bundle_read},
    {"unpack", bundle_unpack},
    {"close", bundle_close},
    {NULL, NULL}};

static const luaL_Reg bundle_meta[] = {
    {"__gc", bundle_close},
    {"__close", bundle_close},
    {"__tostring", bundle_tostring},
    {NULL, NULL}};

static const luaL_Reg bundle_funcs[] = {
    {"open", bundle_open},
    {"open_memory", bundle_open_memory},
    {"check_path", bundle_check_path},
    {"place", bundle_place},
    {"realpath", bundle_realpath},
    {"lstat", bundle_lstat},
    {"private_dir", bundle_private_dir},
    {NULL, NULL}};

int luaopen_wick_bundle(lua_State *L)
{
    luaL_newmetatable(L, BUNDLE_MT);
    luaL_setfuncs(L, bundle_meta, 0);
    luaL_newlib(L, bundle_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_newlib(L, bundle_funcs);
    lua_pushstring(L, wk_bundle_schema());
    lua_setfield(L, -2, "schema");
    lua_pushinteger(L, WK_BUNDLE_APP_ID);
    lua_setfield(L, -2, "app_id");
    lua_pushinteger(L, WK_BUNDLE_VERSION);
    lua_setfield(L, -2, "version");
    return 1;
}
