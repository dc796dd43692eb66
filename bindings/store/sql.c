/* sql.c — wick._sql: the small SQLite binding under the sketchbook (run log and cached
 * steps, bindings/store/book.lua and cache.lua), bundles (bundle.lua) and sweeps.
 * Internal: sketches use those, not this.
 *
 *   db = wick._sql.open(path, { create = true, app_id = 0x5769636b, version = 1,
 *                              schema = "CREATE TABLE …", what = "sketchbook", wal = true })
 *   db:run("INSERT INTO t VALUES (?1, ?2)", 3, wick._sql.blob(bytes))  --> changes, rowid
 *   for _, r in ipairs(db:rows("SELECT a, b FROM t WHERE a > ?1", 2)) do print(r.a, r.b) end
 *   db:transaction(function() … end)       -- commits, or rolls back and raises again
 *
 * Opening checks that the file is what the caller expects before anything reads it: an
 * SQLite file (its 16-byte header), with the caller's application_id, and a format
 * (user_version) no newer than the caller reads; a new file gets the schema, the id and
 * the version in one transaction. Each error names the file. A file that turns out
 * damaged later (SQLITE_CORRUPT, SQLITE_NOTADB from any statement) raises naming it
 * too: a sketch never gets silently wrong rows. { untrusted = true } (bundles someone
 * sent) opens read-only with SQLite's defensive settings (no trusted schema, cell size
 * checks, no memory mapping).
 *
 * Statements are prepared once per connection and kept (a small cache keyed by the SQL
 * text), so wick.log in a training loop does not parse SQL each step. Binds: nil,
 * boolean (0/1), integer, float, string (TEXT), wick._sql.blob(s) (BLOB), a tensor (BLOB
 * of its float32 elements in row-major order). BLOB columns come back as strings. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/wk_lua.h"

#define DB_MT "wick.sql.db"
#define BLOB_MT "wick.sql.blob"
#define STMT_CACHE 24
#define SQLITE_HEADER "SQLite format 3"   /* and a NUL: the first 16 bytes of every db */

typedef struct cached_stmt {
    char *sql;            /* malloc'd copy of the text */
    sqlite3_stmt *stmt;
    unsigned long used;   /* for least-recently-used replacement */
} cached_stmt;

typedef struct sql_db {
    sqlite3 *db;          /* NULL once closed */
    char *path;           /* for messages */
    char what[48];        /* "sketchbook", "bundle", … */
    unsigned long tick;
    cached_stmt cache[STMT_CACHE];
} sql_db;

// ---------------------------------------------------------------------------- errors

/* Raise for an SQLite failure on db: damage names the file as damaged; the rest says
 * what SQLite said, with the file. */
static int db_raise(lua_State *L, sql_db *d, int rc, const char *doing)
{
    const char *msg = d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc);
    int prim = rc & 0xff;
    if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
        return luaL_error(L, "'%s' is damaged: not a readable wick %s (SQLite: %s)", d->path, d->what, msg);
    if (prim == SQLITE_FULL) return luaL_error(L, "cannot write '%s': the disk is full (SQLite: %s)", d->path, msg);
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return luaL_error(L, "'%s' is busy: another wick kept it locked for 30 s (SQLite: %s)", d->path, msg);
    if (prim == SQLITE_READONLY) return luaL_error(L, "cannot write '%s': read-only (SQLite: %s)", d->path, msg);
    return luaL_error(L, "%s '%s': %s", doing, d->path, msg);
}

static sql_db *check_db(lua_State *L, int idx)
{
    sql_db *d = luaL_checkudata(L, idx, DB_MT);
    if (!d->db) luaL_error(L, "sql: the database '%s' is closed", d->path ? d->path : "?");
    return d;
}

static void db_close(sql_db *d)
{
    for (int i = 0; i < STMT_CACHE; i++) {
        if (d->cache[i].stmt) sqlite3_finalize(d->cache[i].stmt);
        free(d->cache[i].sql);
        d->cache[i] = (cached_stmt){0};
    }
    if (d->db) sqlite3_close_v2(d->db);
    d->db = NULL;
}

static int db_gc(lua_State *L)
{
    sql_db *d = luaL_checkudata(L, 1, DB_MT);
    db_close(d);
    free(d->path);
    d->path = NULL;
    return 0;
}

static int db_close_method(lua_State *L)
{
    sql_db *d = luaL_checkudata(L, 1, DB_MT);
    db_close(d);
    return 0;
}

// ---------------------------------------------------------------------------- statements

/* The prepared statement for sql (kept in the cache), reset and with no bindings. */
static sqlite3_stmt *prepare(lua_State *L, sql_db *d, const char *sql)
{
    int lru = 0;
    for (int i = 0; i < STMT_CACHE; i++) {
        if (d->cache[i].sql && strcmp(d->cache[i].sql, sql) == 0) {
            d->cache[i].used = ++d->tick;
            /* a call that raised half-way may have left it stepped or with values bound
             * (SQLITE_STATIC: strings the collector may since have freed) */
            sqlite3_reset(d->cache[i].stmt);
            sqlite3_clear_bindings(d->cache[i].stmt);
            return d->cache[i].stmt;
        }
        if (d->cache[i].used < d->cache[lru].used) lru = i;
    }
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, &tail);
    if (rc != SQLITE_OK) db_raise(L, d, rc, "sql: cannot prepare a statement for");
    if (!st) luaL_error(L, "sql: empty statement for '%s'", d->path);
    if (tail && strspn(tail, " \t\r\n;") != strlen(tail)) {
        sqlite3_finalize(st);
        luaL_error(L, "sql: one statement per call (use db:exec for several): %s", sql);
    }
    char *copy = strdup(sql);
    if (!copy) {
        sqlite3_finalize(st);
        luaL_error(L, "sql: out of memory");
    }
    cached_stmt *c = &d->cache[lru];
    if (c->stmt) sqlite3_finalize(c->stmt);
    free(c->sql);
    *c = (cached_stmt){copy, st, ++d->tick};
    return st;
}

/* Bind arguments first..top to st's ?1, ?2, …. Tensors are bound in place
 * (SQLITE_STATIC): the caller resets the statement before returning, while they are
 * still on the stack. */
static void bind_args(lua_State *L, sql_db *d, sqlite3_stmt *st, int first)
{
    int top = lua_gettop(L), n = top - first + 1;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (n > sqlite3_bind_parameter_count(st))
        luaL_error(L, "sql: %d values for %d parameters", n, sqlite3_bind_parameter_count(st));
    for (int i = 0; i < n; i++) {
        int idx = first + i, rc = SQLITE_OK;
        switch (lua_type(L, idx)) {
        case LUA_TNIL: rc = sqlite3_bind_null(st, i + 1); break;
        case LUA_TBOOLEAN: rc = sqlite3_bind_int(st, i + 1, lua_toboolean(L, idx)); break;
        case LUA_TNUMBER:
            if (lua_isinteger(L, idx)) rc = sqlite3_bind_int64(st, i + 1, lua_tointeger(L, idx));
            else rc = sqlite3_bind_double(st, i + 1, lua_tonumber(L, idx));
            break;
        case LUA_TSTRING: {
            size_t len;
            const char *s = lua_tolstring(L, idx, &len);
            rc = sqlite3_bind_text64(st, i + 1, s, len, SQLITE_STATIC, SQLITE_UTF8);
            break;
        }
        case LUA_TUSERDATA: {
            void *blob = luaL_testudata(L, idx, BLOB_MT);
            if (blob) {
                lua_getiuservalue(L, idx, 1);
                size_t len;
                const char *s = lua_tolstring(L, -1, &len);
                lua_pop(L, 1);   /* the blob userdata keeps the string alive */
                rc = sqlite3_bind_blob64(st, i + 1, s, len, SQLITE_STATIC);
                break;
            }
            wk_tensor *t = wk_lua_test_tensor(L, idx);
            if (t) {
                if (!wk_tensor_is_contiguous(t)) {
                    sqlite3_clear_bindings(st);
                    luaL_error(L, "sql: value %d is a tensor that is not contiguous (call :contiguous())", i + 1);
                }
                int64_t numel = wk_tensor_numel(t);
                rc = numel ? sqlite3_bind_blob64(st, i + 1, wk_tensor_data(t), (sqlite3_uint64)numel * sizeof(float),
                                                 SQLITE_STATIC)
                           : sqlite3_bind_zeroblob(st, i + 1, 0);
                break;
            }
        }
        /* fall through */
        default:
            sqlite3_clear_bindings(st);   /* nothing bound so far may outlive this call */
            luaL_error(L, "sql: cannot store a %s (value %d)", luaL_typename(L, idx), i + 1);
        }
        if (rc != SQLITE_OK) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            db_raise(L, d, rc, "sql: cannot bind a value for");
        }
    }
}

static void push_column(lua_State *L, sqlite3_stmt *st, int c)
{
    switch (sqlite3_column_type(st, c)) {
    case SQLITE_INTEGER: lua_pushinteger(L, sqlite3_column_int64(st, c)); break;
    case SQLITE_FLOAT: lua_pushnumber(L, sqlite3_column_double(st, c)); break;
    case SQLITE_TEXT:
        lua_pushlstring(L, (const char *)sqlite3_column_text(st, c), (size_t)sqlite3_column_bytes(st, c));
        break;
    case SQLITE_BLOB: {
        const void *p = sqlite3_column_blob(st, c);
        lua_pushlstring(L, p ? p : "", (size_t)sqlite3_column_bytes(st, c));
        break;
    }
    default: lua_pushnil(L);
    }
}

/* Step st to the end, collecting up to max rows (as tables) into a new list on the
 * stack; mode 'v' collects the first column of the first row instead. */
static int step_all(lua_State *L, sql_db *d, sqlite3_stmt *st, int max, char mode)
{
    if (mode == 'v') lua_pushnil(L);
    else lua_newtable(L);
    int out = lua_gettop(L), n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n >= max) continue;   /* run to the end: the statement may write */
        if (mode == 'v') {
            push_column(L, st, 0);
            lua_replace(L, out);
        } else {
            int cols = sqlite3_column_count(st);
            lua_createtable(L, 0, cols);
            for (int c = 0; c < cols; c++) {
                push_column(L, st, c);
                lua_setfield(L, -2, sqlite3_column_name(st, c));
            }
            lua_rawseti(L, out, n + 1);
        }
        n++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) db_raise(L, d, rc, "sql: a statement failed on");
    return n;
}

/* db:rows(sql, ...) -> list of rows */
static int db_rows(lua_State *L)
{
    sql_db *d = check_db(L, 1);
    sqlite3_stmt *st = prepare(L, d, luaL_checkstring(L, 2));
    bind_args(L, d, st, 3);
    step_all(L, d, st, 0x7fffffff, 'r');
    return 1;
}

/* db:row(sql, ...) -> the first row or nil */
static int db_row(lua_State *L)
{
    sql_db *d = check_db(L, 1);
    sqlite3_stmt *st = prepare(L, d, luaL_checkstring(L, 2));
    bind_args(L, d, st, 3);
    step_all(L, d, st, 1, 'r');
    lua_rawgeti(L, -1, 1);
    return 1;
}

/* db:value(sql, ...) -> the first column of the first row, or nil */
static int db_value(lua_State *L)
{
    sql_db *d = check_db(L, 1);
    sqlite3_stmt *st = prepare(L, d, luaL_checkstring(L, 2));
    bind_args(L, d, st, 3);
    step_all(L, d, st, 1, 'v');
    return 1;
}

/* db:run(sql, ...) -> changes, last_insert_rowid */
static int db_run(lua_State *L)
{
    sql_db *d = check_db(L, 1);
    sqlite3_stmt *st = prepare(L, d, luaL_checkstring(L, 2));
    bind_args(L, d, st, 3);
    step_all(L, d, st, 0, 'r');
    lua_pushinteger(L, sqlite3_changes64(d->db));
    lua_pushinteger(L, sqlite3_last_insert_rowid(d->db));
    return 2;
}

/* db:exec(sql): one or more statements without arguments or results */
static int db_exec(lua_State *L)
{
    sql_db *d = check_db(L, 1);
    const char *sql = luaL_checkstring(L, 2);
    int rc = sqlite3_exec(d->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) db_raise(L, d, rc, "sql: statements failed on");
    return 0;
}

/* db:transaction(fn, ...): fn(...) inside BEGIN IMMEDIATE … COMMIT (a savepoint when a
 * transaction is already open); an error rolls back and is raised again. Returns fn's
 * results. IMMEDIATE takes the write lock at once, so two processes never deadlock
 * upgrading read locks (the busy timeout waits instead). */
static int db_transaction(lua_State *L)
{
    sql_db *d = check_db(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    int outer = sqlite3_get_autocommit(d->db);
    int rc = sqlite3_exec(d->db, outer ? "BEGIN IMMEDIATE" : "SAVEPOINT wk_tx", NULL, NULL, NULL);
    if (rc != SQLITE_OK) db_raise(L, d, rc, "sql: cannot begin a transaction on");
    int base = 1;
    int status = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0);
    if (status != LUA_OK) {
        if (d->db) {
            if (outer) { if (!sqlite3_get_autocommit(d->db)) sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL); }
            else sqlite3_exec(d->db, "ROLLBACK TO wk_tx; RELEASE wk_tx", NULL, NULL, NULL);
        }
        return lua_error(L);
    }
    if (!d->db) return luaL_error(L, "sql: the database '%s' was closed inside a transaction", d->path);
    rc = sqlite3_exec(d->db, outer ? "COMMIT" : "RELEASE wk_tx", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        if (outer && !sqlite3_get_autocommit(d->db)) sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
        db_raise(L, d, rc, "sql: cannot commit to");
    }
    return lua_gettop(L) - base;
}

static int db_index(lua_State *L)
{
    sql_db *d = luaL_checkudata(L, 1, DB_MT);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "path") == 0) {
        lua_pushstring(L, d->path);
        return 1;
    }
    if (strcmp(k, "is_open") == 0) {
        lua_pushboolean(L, d->db != NULL);
        return 1;
    }
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__methods");
    lua_getfield(L, -1, k);
    return 1;
}

static int db_tostring(lua_State *L)
{
    sql_db *d = luaL_checkudata(L, 1, DB_MT);
    lua_pushfstring(L, "wick %s '%s'%s", d->what, d->path ? d->path : "?", d->db ? "" : " (closed)");
    return 1;
}

// ---------------------------------------------------------------------------- opening

/* Apply options that every connection wants, then check or create the file's identity. */
static void configure(lua_State *L, sql_db *d, int untrusted, int wal, int create, int fresh,
                      lua_Integer app_id, lua_Integer version, const char *schema)
{
    sqlite3_busy_timeout(d->db, 30000);
    sqlite3_extended_result_codes(d->db, 1);
    if (untrusted) {
        sqlite3_db_config(d->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
        sqlite3_db_config(d->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
        sqlite3_db_config(d->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
        sqlite3_db_config(d->db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
        sqlite3_exec(d->db, "PRAGMA cell_size_check = ON; PRAGMA mmap_size = 0", NULL, NULL, NULL);
    }
    /* Reading the identity is the first read of the file: a file that is not a database
     * fails here (SQLITE_NOTADB), before any caller's statement. */
    sqlite3_stmt *st = NULL;
    lua_Integer id = 0, ver = 0;
    int rc = sqlite3_prepare_v2(d->db, "PRAGMA application_id", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) id = sqlite3_column_int64(st, 0), rc = SQLITE_OK;
    sqlite3_finalize(st);
    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(d->db, "PRAGMA user_version", -1, &st, NULL);
        if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) ver = sqlite3_column_int64(st, 0), rc = SQLITE_OK;
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_OK)
        luaL_error(L, "'%s' is not a wick %s (SQLite: %s)", d->path, d->what, sqlite3_errmsg(d->db));
    if (fresh && id == 0 && ver == 0) {
        if (!create) luaL_error(L, "'%s' is an empty database, not a wick %s", d->path, d->what);
        if (wal) sqlite3_exec(d->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        char pragmas[128];
        snprintf(pragmas, sizeof pragmas, "PRAGMA application_id = %lld; PRAGMA user_version = %lld;", (long long)app_id,
                 (long long)version);
        if ((rc = sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK ||
            (rc = sqlite3_exec(d->db, schema ? schema : "", NULL, NULL, NULL)) != SQLITE_OK ||
            (rc = sqlite3_exec(d->db, pragmas, NULL, NULL, NULL)) != SQLITE_OK ||
            (rc = sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
            const char *msg = lua_pushstring(L, sqlite3_errmsg(d->db));
            sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
            luaL_error(L, "cannot create the wick %s '%s': %s", d->what, d->path, msg);
        }
        return;
    }
    if (app_id && id != app_id) {
        char ids[64];   /* lua_pushfstring has no %x */
        snprintf(ids, sizeof ids, "application_id 0x%08x, expected 0x%08x", (unsigned)id, (unsigned)app_id);
        luaL_error(L, "'%s' is not a wick %s: a foreign SQLite database (%s)", d->path, d->what, ids);
    }
    if (version && ver > version)
        luaL_error(L, "'%s' was written by a newer wick (%s format %d; this wick reads up to %d)", d->path, d->what,
                   (int)ver, (int)version);
    if (wal && !untrusted) sqlite3_exec(d->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    if (!untrusted) sqlite3_exec(d->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
}

/* Is path missing (-1) or there (0)? stat(2) only: opening and closing a descriptor of
 * an SQLite file this process already has open would drop every POSIX lock the process
 * holds on it (fcntl locks belong to the process, not the descriptor), and another
 * process could then delete the WAL index under the open connection. */
static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? 0 : -1;
}

/* The first bytes of the file SQLite just opened, read through SQLite's own descriptor
 * (for the reason above): 1 when it is empty, 0 when it starts like an SQLite file;
 * raises for anything else (a foreign or cut-short file). */
static int file_state(lua_State *L, sql_db *d)
{
    sqlite3_file *f = NULL;
    sqlite3_int64 size = 0;
    if (sqlite3_file_control(d->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f || !f->pMethods)
        return 1;   /* not opened yet: SQLite creates it */
    if (f->pMethods->xFileSize(f, &size) != SQLITE_OK) size = 0;
    if (size == 0) return 1;
    char head[16];
    if (size < 16 || f->pMethods->xRead(f, head, 16, 0) != SQLITE_OK || memcmp(head, SQLITE_HEADER, 16) != 0) {
        const char *why = size < 16 ? "too short to be an SQLite file: truncated?" : "not an SQLite file";
        luaL_error(L, "'%s' is not a wick %s (%s)", d->path, d->what, why);
    }
    return 0;
}

static sql_db *push_db(lua_State *L, const char *path, const char *what)
{
    sql_db *d = lua_newuserdatauv(L, sizeof *d, 0);
    memset(d, 0, sizeof *d);
    luaL_setmetatable(L, DB_MT);
    d->path = strdup(path);
    if (!d->path) luaL_error(L, "sql: out of memory");
    snprintf(d->what, sizeof d->what, "%s", what);
    return d;
}

/* wick._sql.open(path, opts) */
static int sql_open(lua_State *L)
{
    const char *path = wk_lua_check_path(L, 1, "sql.open");
    static const char *const known[] = {"readonly", "create", "app_id", "version", "schema", "what", "wal", "untrusted", NULL};
    wk_lua_check_options(L, 2, "sql.open", known);
    int untrusted = wk_lua_opt_bool(L, 2, "sql.open", "untrusted", 0);
    int readonly = untrusted || wk_lua_opt_bool(L, 2, "sql.open", "readonly", 0);
    int create = !readonly && wk_lua_opt_bool(L, 2, "sql.open", "create", 0);
    int wal = wk_lua_opt_bool(L, 2, "sql.open", "wal", 0);
    lua_Integer app_id = wk_lua_opt_int(L, 2, "sql.open", "app_id", 0, 0, 0x7fffffff);
    lua_Integer version = wk_lua_opt_int(L, 2, "sql.open", "version", 0, 0, 1 << 30);
    const char *what = "database", *schema = NULL;
    if (wk_lua_get_option(L, 2, "what") == LUA_TSTRING) what = lua_tostring(L, -1);
    if (wk_lua_get_option(L, 2, "schema") == LUA_TSTRING) schema = lua_tostring(L, -1);
    if (file_exists(path) < 0 && !create) return luaL_error(L, "cannot open the wick %s '%s': no such file", what, path);
    sql_db *d = push_db(L, path, what);
    int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)) |
                SQLITE_OPEN_EXRESCODE;
    int rc = sqlite3_open_v2(path, &d->db, flags, NULL);
    if (rc != SQLITE_OK) {
        const char *msg = d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc);
        lua_pushstring(L, msg);
        db_close(d);
        return luaL_error(L, "cannot open the wick %s '%s': %s", what, path, lua_tostring(L, -1));
    }
    int state = file_state(L, d);   /* the db userdata closes the file if this raises */
    configure(L, d, untrusted, wal, create, state != 0, app_id, version, schema);
    return 1;
}

/* wick._sql.open_memory(bytes, opts): a read-only, untrusted copy of a database held in
 * a string (opts: app_id, version, what, name for messages). */
static int sql_open_memory(lua_State *L)
{
    size_t len;
    const char *bytes = luaL_checklstring(L, 1, &len);
    static const char *const known[] = {"app_id", "version", "what", "name", NULL};
    wk_lua_check_options(L, 2, "sql.open_memory", known);
    lua_Integer app_id = wk_lua_opt_int(L, 2, "sql.open_memory", "app_id", 0, 0, 0x7fffffff);
    lua_Integer version = wk_lua_opt_int(L, 2, "sql.open_memory", "version", 0, 0, 1 << 30);
    const char *what = "database", *name = "(memory)";
    if (wk_lua_get_option(L, 2, "what") == LUA_TSTRING) what = lua_tostring(L, -1);
    if (wk_lua_get_option(L, 2, "name") == LUA_TSTRING) name = lua_tostring(L, -1);
    if (len < 16 || memcmp(bytes, SQLITE_HEADER, 16) != 0)
        return luaL_error(L, "'%s' is not a wick %s (not an SQLite file)", name, what);
    sql_db *d = push_db(L, name, what);
    int rc = sqlite3_open_v2(":memory:", &d->db, SQLITE_OPEN_READWRITE, NULL);
    unsigned char *copy = rc == SQLITE_OK ? sqlite3_malloc64(len) : NULL;
    if (!copy) {
        db_close(d);
        return luaL_error(L, "sql.open_memory: out of memory for '%s'", name);
    }
    memcpy(copy, bytes, len);
    rc = sqlite3_deserialize(d->db, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
                             SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
    if (rc != SQLITE_OK) {
        db_close(d);
        return luaL_error(L, "'%s' is not a wick %s (SQLite: %s)", name, what, sqlite3_errstr(rc));
    }
    configure(L, d, 1, 0, 0, 0, app_id, version, NULL);
    return 1;
}

// ---------------------------------------------------------------------------- values

/* wick._sql.blob(s): mark a string to be stored as a BLOB */
static int sql_blob(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TSTRING);
    lua_newuserdatauv(L, 0, 1);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    luaL_setmetatable(L, BLOB_MT);
    return 1;
}

/* wick._sql.tensor_from_blob(s, shape) -> a new tensor holding the float32 elements of s */
static int sql_tensor_from_blob(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    int64_t shape[WK_MAX_DIMS];
    int ndim = wk_lua_check_shape(L, 2, shape, "sql.tensor_from_blob");
    int64_t numel = 1;
    for (int i = 0; i < ndim; i++) numel *= shape[i];
    if ((uint64_t)numel * sizeof(float) != len)
        return luaL_error(L, "sql.tensor_from_blob: %d bytes do not hold the %d elements of the shape", (int)len,
                          (int)numel);
    wk_tensor *t = wk_lua_push_empty(L);
    int rc = wk_tensor_new(t, ndim, shape);
    if (rc == WK_OK && len) memcpy(wk_tensor_data(t), s, len);
    return wk_lua_result(L, rc, "sql.tensor_from_blob");
}

static const luaL_Reg db_methods[] = {
    {"rows", db_rows}, {"row", db_row}, {"value", db_value}, {"run", db_run},
    {"exec", db_exec}, {"transaction", db_transaction}, {"close", db_close_method}, {NULL, NULL}};

static const luaL_Reg sql_funcs[] = {
    {"open", sql_open}, {"open_memory", sql_open_memory}, {"blob", sql_blob},
    {"tensor_from_blob", sql_tensor_from_blob}, {NULL, NULL}};

int luaopen_wick_sql(lua_State *L)
{
    if (luaL_newmetatable(L, DB_MT)) {
        lua_pushcfunction(L, db_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, db_gc);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, db_index);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, db_tostring);
        lua_setfield(L, -2, "__tostring");
        luaL_newlib(L, db_methods);
        lua_setfield(L, -2, "__methods");
        lua_pushliteral(L, "wick.sql.db");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    luaL_newmetatable(L, BLOB_MT);
    lua_pop(L, 1);
    luaL_newlib(L, sql_funcs);
    return 1;
}
