/* bundle.c — the bundle reader and unpacker behind bundle.h.
 *
 * Order of the checks on open: the 100-byte SQLite header first, read by hand (a
 * foreign file, another app's database, a newer format or a truncated copy each get
 * their own message before SQLite parses anything), then SQLite opened read-only with
 * the defences its authors recommend for untrusted files (defensive mode, no trusted
 * schema, no triggers or views, cell size checks), PRAGMA quick_check, the schema
 * (only ordinary tables and indexes; every column this wick reads), and then every row
 * of meta, files and inputs, with each file's data hashed in 1 MiB pieces so a large
 * model is never read into memory whole.
 *
 * Unpacking is two passes: the first walks every path without creating anything and
 * refuses links, files where folders must go and (without force) existing files; the
 * second creates folders and writes each file through openat on a folder descriptor
 * opened with O_NOFOLLOW, so nothing can lead a write outside the target. */
#include "bundle.h"

#include "../core/error.h"
#include "../core/file.h"
#include "../core/hash.h"
#include "../text/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)          /* bytes hashed or written at a time */
#define MAX_META 1000            /* rows in meta */
#define MAX_VALUE (1 << 20)      /* bytes in one meta value (args can be long) */
#define MAX_INPUT_PATH 4096
#define MAX_PACKAGE 200

static const char SCHEMA[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE files(path TEXT PRIMARY KEY, kind TEXT NOT NULL, mode INTEGER NOT NULL,\n"
    "                   size INTEGER NOT NULL, hash TEXT NOT NULL, data BLOB NOT NULL);\n"
    "CREATE TABLE inputs(path TEXT PRIMARY KEY, data TEXT, package TEXT,\n"
    "                    size INTEGER NOT NULL, hash TEXT NOT NULL);\n";

const char *wk_bundle_schema(void) { return SCHEMA; }

static const char *const KINDS[] = {NULL, "code", "output", NULL, "model"};

const char *wk_bundle_kind_name(int kind)
{
    return kind == WK_BUNDLE_CODE || kind == WK_BUNDLE_OUTPUT || kind == WK_BUNDLE_MODEL ? KINDS[kind] : "?";
}

int wk_bundle_kind_code(const char *name)
{
    for (int k = 1; k <= 4; k++)
        if (KINDS[k] && strcmp(KINDS[k], name) == 0) return k;
    return 0;
}

/* ---- paths ------------------------------------------------------------------------ */

int wk_bundle_check_path(const char *path, size_t len)
{
    if (len == 0) return wk_fail("a file path is empty");
    if (len > WK_BUNDLE_MAX_PATH) return wk_fail("a file path is %zu bytes long (at most %d)", len, WK_BUNDLE_MAX_PATH);
    if (strlen(path) != len) return wk_fail("file path '%s…' holds a zero byte", path);
    if (wk_utf8_valid_prefix(path, len) != len) return wk_fail("file path '%s' is not valid UTF-8", path);
    if (path[0] == '/') return wk_fail("file path '%s' is absolute", path);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c < 0x20 || c == 0x7f) return wk_fail("file path '%.*s…' holds a control character (0x%02x)", (int)i, path, c);
        if (c == '\\') return wk_fail("file path '%s' holds a backslash", path);
    }
    /* each part between slashes: not empty, not '.', not '..', at most 255 bytes */
    for (size_t start = 0; start <= len;) {
        const char *end = memchr(path + start, '/', len - start);
        size_t n = end ? (size_t)(end - path) - start : len - start;
        if (n == 0) return wk_fail("file path '%s' has an empty part", path);
        if (n == 1 && path[start] == '.') return wk_fail("file path '%s' has a '.' part", path);
        if (n == 2 && path[start] == '.' && path[start + 1] == '.') return wk_fail("file path '%s' has a '..' part", path);
        if (n > 255) return wk_fail("file path '%s' has a part longer than 255 bytes", path);
        start += n + 1;
    }
    return WK_OK;
}

static int is_hash(const unsigned char *s, int n)
{
    if (!s || n != 32) return 0;
    for (int i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

/* Text without control characters (tab allowed) and valid UTF-8: what info may print. */
static int plain_text(const char *s, int n, int newlines)
{
    if (wk_utf8_valid_prefix(s, (size_t)n) != (size_t)n) return 0;
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && !(newlines && c == '\n')) || c == 0x7f) return 0;
    }
    return 1;
}

/* ---- the header ------------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* The 100-byte SQLite header of a file of `size` bytes (fewer when the file is shorter). */
static int check_header(const char *name, const unsigned char *h, int64_t size)
{
    static const char magic[16] = "SQLite format 3";   /* with its NUL */
    if (size == 0) return wk_fail("'%s' is empty (not a wick bundle)", name);
    if (size < 100) {
        if (memcmp(h, magic, (size_t)size < 16 ? (size_t)size : 16) == 0)
            return wk_fail("'%s' is truncated: %lld bytes, not even a database header (an interrupted copy?)", name, (long long)size);
        return wk_fail("'%s' is not a wick bundle (not an SQLite database)", name);
    }
    if (memcmp(h, magic, 16) != 0) return wk_fail("'%s' is not a wick bundle (not an SQLite database)", name);
    uint32_t app = be32(h + 68), version = be32(h + 60);
    if (app == 0x5769636b) return wk_fail("'%s' is a wick sketchbook, not a bundle", name);
    if (app != WK_BUNDLE_APP_ID)
        return wk_fail("'%s' is not a wick bundle: a foreign SQLite database (application_id 0x%08x)", name, app);
    if (version > WK_BUNDLE_VERSION)
        return wk_fail("'%s' was written by a newer wick (bundle format %u; this wick reads up to %d)", name, version,
                       WK_BUNDLE_VERSION);
    if (version < 1) return wk_fail("'%s' has bundle format %u, which no wick writes", name, version);
    uint32_t page = (uint32_t)h[16] << 8 | h[17];
    if (page == 1) page = 65536;
    if (page < 512 || (page & (page - 1))) return wk_fail("'%s' is damaged: page size %u in its header", name, page);
    /* The page count in the header is valid when the two change counters agree. */
    uint32_t pages = be32(h + 28);
    if (pages && be32(h + 24) == be32(h + 92)) {
        int64_t want = (int64_t)pages * page;
        if (size < want)
            return wk_fail("'%s' is truncated: %lld of its %lld bytes (an interrupted download or copy?)", name,
                           (long long)size, (long long)want);
    }
    if (size % page) return wk_fail("'%s' is truncated or damaged: %lld bytes is not a whole number of %u-byte pages",
                                    name, (long long)size, page);
    if (h[18] != 1 || h[19] != 1)
        return wk_fail("'%s' is a database in write-ahead-log mode, not a finished bundle", name);
    return WK_OK;
}

/* ---- opening ---------------------------------------------------------------------- */

static int sql_fail(wk_bundle *b, const char *what)
{
    int code = sqlite3_errcode(b->db);
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
        return wk_fail("'%s' is damaged (truncated or corrupt: %s)", b->name, sqlite3_errmsg(b->db));
    if (code == SQLITE_NOMEM) return wk_fail("'%s': out of memory while %s", b->name, what);
    return wk_fail("'%s': %s while %s", b->name, sqlite3_errmsg(b->db), what);
}

/* SQLite's advice for files from elsewhere (sqlite.org/security.html). */
static void harden(sqlite3 *db)
{
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 100000);
    sqlite3_exec(db, "PRAGMA cell_size_check = ON", NULL, NULL, NULL);
}

/* The columns table has (its name must be a table we know: no quoting needed). Fails
 * naming what is missing; a generated or hidden column is refused (it would run code). */
static int check_table(wk_bundle *b, const char *table, const char *const *cols, int required, int *present)
{
    sqlite3_stmt *st;
    *present = 0;
    if (sqlite3_prepare_v2(b->db, "SELECT type, sql FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE", -1, &st, NULL))
        return sql_fail(b, "reading its schema");
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 0), *sql = (const char *)sqlite3_column_text(st, 1);
        *present = 1;
        if (!type || strcmp(type, "table") != 0 || !sql || strncasecmp(sql, "CREATE TABLE", 12) != 0) {
            sqlite3_finalize(st);
            return wk_fail("'%s' is not a wick bundle: '%s' is not an ordinary table", b->name, table);
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sql_fail(b, "reading its schema");
    if (!*present)
        return required ? wk_fail("'%s' is not a complete wick bundle: it has no '%s' table", b->name, table) : WK_OK;
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT name, hidden FROM pragma_table_xinfo('%s')", table);
    if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL)) return sql_fail(b, "reading its schema");
    unsigned found = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (sqlite3_column_int(st, 1) != 0) {
            sqlite3_finalize(st);
            return wk_fail("'%s' is not a wick bundle: table '%s' has a generated or hidden column", b->name, table);
        }
        for (int i = 0; name && cols[i]; i++)
            if (strcmp(name, cols[i]) == 0) found |= 1u << i;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return sql_fail(b, "reading its schema");
    for (int i = 0; cols[i]; i++)
        if (!(found & 1u << i))
            return wk_fail("'%s' is not a complete wick bundle: table '%s' has no column '%s'", b->name, table, cols[i]);
    return WK_OK;
}

/* Only ordinary tables and indexes: a trigger or view would be code from the sender. */
static int check_schema(wk_bundle *b)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(b->db, "SELECT type, name, sql FROM sqlite_schema", -1, &st, NULL))
        return sql_fail(b, "reading its schema");
    int rc, bad = 0;
    while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 0), *sql = (const char *)sqlite3_column_text(st, 2);
        if (!type || (strcmp(type, "table") != 0 && strcmp(type, "index") != 0) ||
            (strcmp(type, "table") == 0 && (!sql || strncasecmp(sql, "CREATE TABLE", 12) != 0))) {
            const char *name = (const char *)sqlite3_column_text(st, 1);
            wk_fail("'%s' is not a wick bundle: it holds a %s ('%.80s'), which bundles never do", b->name,
                    type && strcmp(type, "table") == 0 ? "virtual table" : type ? type : "schema entry", name ? name : "");
            bad = 1;
        }
    }
    sqlite3_finalize(st);
    if (bad) return WK_ERR;
    if (rc != SQLITE_DONE) return sql_fail(b, "reading its schema");
    static const char *const meta[] = {"key", "value", NULL};
    static const char *const files[] = {"path", "kind", "mode", "size", "hash", "data", NULL};
    static const char *const inputs[] = {"path", "data", "package", "size", "hash", NULL};
    static const char *const cache[] = {"key", "value", NULL};
    int present;
    if (check_table(b, "meta", meta, 1, &present) || check_table(b, "files", files, 1, &present) ||
        check_table(b, "inputs", inputs, 1, &present) || check_table(b, "cache", cache, 0, &present))
        return WK_ERR;
    if (present) {
        if (sqlite3_prepare_v2(b->db, "SELECT count(*), coalesce(sum(length(value)), 0) FROM cache", -1, &st, NULL))
            return sql_fail(b, "counting its cached steps");
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) b->ncache = sqlite3_column_int64(st, 0), b->cache_bytes = sqlite3_column_int64(st, 1);
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW) return sql_fail(b, "counting its cached steps");
    }
    return WK_OK;
}

static int quick_check(wk_bundle *b)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(b->db, "PRAGMA quick_check(1)", -1, &st, NULL)) return sql_fail(b, "checking it");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        if (!r || strcmp(r, "ok") != 0) {
            wk_fail("'%s' is damaged (truncated or corrupt: %.200s)", b->name, r ? r : "?");
            sqlite3_finalize(st);
            return WK_ERR;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? WK_OK : sql_fail(b, "checking it");
}

/* ---- rows ------------------------------------------------------------------------- */

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);
    char *d = s ? malloc((size_t)n + 1) : NULL;
    if (d) memcpy(d, s, (size_t)n), d[n] = '\0';
    return d;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const wk_bundle_file *)a)->path, ((const wk_bundle_file *)b)->path);
}

static int cmp_meta(const void *a, const void *b)
{
    return strcmp(((const wk_bundle_meta *)a)->key, ((const wk_bundle_meta *)b)->key);
}

static int read_meta(wk_bundle *b)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(b->db, "SELECT key, value FROM meta", -1, &st, NULL)) return sql_fail(b, "reading meta");
    int rc, err = 0;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (b->nmeta >= MAX_META) { err = wk_fail("'%s' has more than %d meta rows", b->name, MAX_META); break; }
        if (sqlite3_column_type(st, 0) != SQLITE_TEXT || sqlite3_column_type(st, 1) != SQLITE_TEXT) {
            err = wk_fail("'%s' is damaged: a meta row is not text", b->name);
            break;
        }
        const char *k = (const char *)sqlite3_column_text(st, 0), *v = (const char *)sqlite3_column_text(st, 1);
        int kn = sqlite3_column_bytes(st, 0), vn = sqlite3_column_bytes(st, 1);
        int key_ok = kn > 0 && kn <= 64;
        for (int i = 0; key_ok && i < kn; i++) key_ok = (k[i] >= 'a' && k[i] <= 'z') || k[i] == '_';
        if (!key_ok) { err = wk_fail("'%s' is damaged: meta key '%.64s' is not a lowercase name", b->name, k); break; }
        if (vn > MAX_VALUE || !plain_text(v, vn, 1)) {
            err = wk_fail("'%s' is damaged: meta '%s' is not plain text of at most %d bytes", b->name, k, MAX_VALUE);
            break;
        }
        if (b->nmeta % 16 == 0) {
            wk_bundle_meta *m = realloc(b->meta, (size_t)(b->nmeta + 16) * sizeof *m);
            if (!m) { err = wk_fail("'%s': out of memory", b->name); break; }
            b->meta = m;
        }
        wk_bundle_meta *m = &b->meta[b->nmeta];
        m->key = dup_col(st, 0), m->value = dup_col(st, 1);
        b->nmeta++;
        if (!m->key || !m->value) err = wk_fail("'%s': out of memory", b->name);
    }
    sqlite3_finalize(st);
    if (err) return WK_ERR;
    if (rc != SQLITE_DONE) return sql_fail(b, "reading meta");
    qsort(b->meta, (size_t)b->nmeta, sizeof *b->meta, cmp_meta);
    for (int i = 1; i < b->nmeta; i++)
        if (strcmp(b->meta[i - 1].key, b->meta[i].key) == 0)
            return wk_fail("'%s' is damaged: meta '%s' appears twice", b->name, b->meta[i].key);
    static const char *const need[] = {"format", "wick_version", "name", "entry", "args", "seed", "created", NULL};
    for (int i = 0; need[i]; i++)
        if (!wk_bundle_meta_get(b, need[i]))
            return wk_fail("'%s' is not a complete wick bundle: meta has no '%s'", b->name, need[i]);
    if (strcmp(wk_bundle_meta_get(b, "format"), "wick bundle") != 0)
        return wk_fail("'%s' is not a wick bundle: meta format is '%.40s'", b->name, wk_bundle_meta_get(b, "format"));
    return WK_OK;
}

/* The XXH3-128 of file f's data, read from the database in pieces. */
static int hash_blob(const wk_bundle *b, const wk_bundle_file *f, char hex[33], int fd)
{
    sqlite3_blob *blob;
    if (sqlite3_blob_open(b->db, "main", "files", "data", f->rowid, 0, &blob) != SQLITE_OK)
        return sql_fail((wk_bundle *)b, "reading a file's data");
    int64_t n = sqlite3_blob_bytes(blob);
    if (n != f->size) {
        sqlite3_blob_close(blob);
        return wk_fail("'%s' is damaged: '%s' holds %lld bytes, not the %lld its size says", b->name, f->path,
                       (long long)n, (long long)f->size);
    }
    char *buf = malloc(n < CHUNK ? (size_t)n + 1 : CHUNK);
    wk_hash_state h;
    if (!buf || wk_hash_init(&h)) {
        free(buf);
        sqlite3_blob_close(blob);
        return wk_fail("'%s': out of memory", b->name);
    }
    int err = 0;
    for (int64_t at = 0; at < n && !err;) {
        int len = n - at < CHUNK ? (int)(n - at) : CHUNK;
        if (sqlite3_blob_read(blob, buf, len, (int)at) != SQLITE_OK) { err = sql_fail((wk_bundle *)b, "reading a file's data"); break; }
        wk_hash_update(&h, buf, (size_t)len);
        for (int done = 0; fd >= 0 && done < len && !err;) {
            ssize_t w = write(fd, buf + done, (size_t)(len - done));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) err = wk_fail("cannot write '%s': %s", f->path, strerror(w < 0 ? errno : EIO));
            else done += (int)w;
        }
        at += len;
    }
    wk_hash_final(&h, hex);
    free(buf);
    sqlite3_blob_close(blob);
    if (!err && strcmp(hex, f->hash) != 0)
        err = wk_fail("'%s' is damaged: the data of '%s' does not match its hash", b->name, f->path);
    return err ? WK_ERR : WK_OK;
}

static int read_files(wk_bundle *b)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(b->db, "SELECT rowid, path, kind, mode, size, hash, typeof(data), length(data) FROM files",
                           -1, &st, NULL))
        return sql_fail(b, "listing its files");
    int rc, err = 0;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (b->nfiles >= WK_BUNDLE_MAX_FILES) { err = wk_fail("'%s' holds more than %d files", b->name, WK_BUNDLE_MAX_FILES); break; }
        const char *path = (const char *)sqlite3_column_text(st, 1);
        int plen = sqlite3_column_bytes(st, 1);
        if (sqlite3_column_type(st, 1) != SQLITE_TEXT || !path) { err = wk_fail("'%s' is damaged: a file path is not text", b->name); break; }
        if (wk_bundle_check_path(path, (size_t)plen)) {
            err = wk_fail("'%s' is unsafe: %s", b->name, wk_errmsg());
            break;
        }
        const char *kind = (const char *)sqlite3_column_text(st, 2), *hash = (const char *)sqlite3_column_text(st, 5),
                   *type = (const char *)sqlite3_column_text(st, 6);
        int k = sqlite3_column_type(st, 2) == SQLITE_TEXT && kind ? wk_bundle_kind_code(kind) : 0;
        if (!k) { err = wk_fail("'%s' is damaged: '%s' has an unknown kind", b->name, path); break; }
        if (sqlite3_column_type(st, 3) != SQLITE_INTEGER || sqlite3_column_int64(st, 3) < 0 || sqlite3_column_int64(st, 3) > 07777) {
            err = wk_fail("'%s' is damaged: '%s' has a bad mode", b->name, path);
            break;
        }
        int64_t size = sqlite3_column_int64(st, 4);
        if (sqlite3_column_type(st, 4) != SQLITE_INTEGER || size < 0) { err = wk_fail("'%s' is damaged: '%s' has a bad size", b->name, path); break; }
        if (sqlite3_column_type(st, 5) != SQLITE_TEXT || !is_hash((const unsigned char *)hash, sqlite3_column_bytes(st, 5))) {
            err = wk_fail("'%s' is damaged: '%s' has a bad hash", b->name, path);
            break;
        }
        if (!type || strcmp(type, "blob") != 0) { err = wk_fail("'%s' is damaged: the data of '%s' is not a blob", b->name, path); break; }
        if (sqlite3_column_int64(st, 7) != size) {
            err = wk_fail("'%s' is damaged: '%s' holds %lld bytes, not the %lld its size says", b->name, path,
                          (long long)sqlite3_column_int64(st, 7), (long long)size);
            break;
        }
        if (b->nfiles % 64 == 0) {
            wk_bundle_file *fs = realloc(b->files, (size_t)(b->nfiles + 64) * sizeof *fs);
            if (!fs) { err = wk_fail("'%s': out of memory", b->name); break; }
            b->files = fs;
        }
        wk_bundle_file *f = &b->files[b->nfiles];
        memset(f, 0, sizeof *f);
        f->path = dup_col(st, 1);
        b->nfiles++;
        if (!f->path) { err = wk_fail("'%s': out of memory", b->name); break; }
        f->rowid = sqlite3_column_int64(st, 0);
        f->kind = k;
        f->mode = sqlite3_column_int(st, 3);
        f->size = size;
        memcpy(f->hash, hash, 33);
    }
    sqlite3_finalize(st);
    if (err) return WK_ERR;
    if (rc != SQLITE_DONE) return sql_fail(b, "listing its files");
    qsort(b->files, (size_t)b->nfiles, sizeof *b->files, cmp_file);
    for (int i = 0; i < b->nfiles; i++) {
        const char *p = b->files[i].path;
        if (i > 0 && strcmp(b->files[i - 1].path, p) == 0)
            return wk_fail("'%s' is unsafe: file path '%s' appears twice", b->name, p);
        /* a file may not also be a folder of another: "a" and "a/b" */
        for (const char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
            char prefix[WK_BUNDLE_MAX_PATH + 1];
            memcpy(prefix, p, (size_t)(s - p)), prefix[s - p] = '\0';
            if (wk_bundle_find(b, prefix) >= 0)
                return wk_fail("'%s' is unsafe: '%s' is both a file and the folder of '%s'", b->name, prefix, p);
        }
    }
    char hex[33];
    for (int i = 0; i < b->nfiles; i++)
        if (hash_blob(b, &b->files[i], hex, -1)) return WK_ERR;
    const char *entry = wk_bundle_meta_get(b, "entry");
    int e = wk_bundle_find(b, entry);
    if (e < 0 || b->files[e].kind != WK_BUNDLE_CODE)
        return wk_fail("'%s' is damaged: its entry script '%.200s' is not one of its code files", b->name, entry);
    return WK_OK;
}

static int read_inputs(wk_bundle *b)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(b->db, "SELECT path, data, package, size, hash FROM inputs ORDER BY path", -1, &st, NULL))
        return sql_fail(b, "reading its data manifest");
    int rc, err = 0;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (b->ninputs >= WK_BUNDLE_MAX_FILES) { err = wk_fail("'%s' lists more than %d data files", b->name, WK_BUNDLE_MAX_FILES); break; }
        const char *path = (const char *)sqlite3_column_text(st, 0), *hash = (const char *)sqlite3_column_text(st, 4);
        int plen = sqlite3_column_bytes(st, 0);
        if (sqlite3_column_type(st, 0) != SQLITE_TEXT || plen < 2 || plen > MAX_INPUT_PATH || path[0] != '/' ||
            (int)strlen(path) != plen || !plain_text(path, plen, 0)) {
            err = wk_fail("'%s' is damaged: a data path is not an absolute path", b->name);
            break;
        }
        int dt = sqlite3_column_type(st, 1), pt = sqlite3_column_type(st, 2);
        if (dt != SQLITE_NULL && (dt != SQLITE_TEXT || wk_bundle_check_path((const char *)sqlite3_column_text(st, 1),
                                                                           (size_t)sqlite3_column_bytes(st, 1)))) {
            err = wk_fail("'%s' is damaged: the data folder path of '%s' is not a safe relative path", b->name, path);
            break;
        }
        if (pt != SQLITE_NULL && (pt != SQLITE_TEXT || sqlite3_column_bytes(st, 2) > MAX_PACKAGE ||
                                  !plain_text((const char *)sqlite3_column_text(st, 2), sqlite3_column_bytes(st, 2), 0))) {
            err = wk_fail("'%s' is damaged: the package of '%s' is not a short name", b->name, path);
            break;
        }
        if (sqlite3_column_type(st, 3) != SQLITE_INTEGER || sqlite3_column_int64(st, 3) < 0 ||
            sqlite3_column_type(st, 4) != SQLITE_TEXT || !is_hash((const unsigned char *)hash, sqlite3_column_bytes(st, 4))) {
            err = wk_fail("'%s' is damaged: '%s' has a bad size or hash", b->name, path);
            break;
        }
        if (b->ninputs % 64 == 0) {
            wk_bundle_input *in = realloc(b->inputs, (size_t)(b->ninputs + 64) * sizeof *in);
            if (!in) { err = wk_fail("'%s': out of memory", b->name); break; }
            b->inputs = in;
        }
        wk_bundle_input *in = &b->inputs[b->ninputs++];
        memset(in, 0, sizeof *in);
        in->path = dup_col(st, 0);
        in->data = dt == SQLITE_NULL ? NULL : dup_col(st, 1);
        in->package = pt == SQLITE_NULL ? NULL : dup_col(st, 2);
        in->size = sqlite3_column_int64(st, 3);
        memcpy(in->hash, hash, 33);
        if (!in->path || (dt != SQLITE_NULL && !in->data) || (pt != SQLITE_NULL && !in->package))
            err = wk_fail("'%s': out of memory", b->name);
    }
    sqlite3_finalize(st);
    if (err) return WK_ERR;
    return rc == SQLITE_DONE ? WK_OK : sql_fail(b, "reading its data manifest");
}

/* Everything after sqlite3_open: the checks in order; closes b on failure. */
static int validate(wk_bundle *b)
{
    b->version = WK_BUNDLE_VERSION;
    harden(b->db);
    if (quick_check(b) || check_schema(b) || read_meta(b) || read_files(b) || read_inputs(b)) {
        char *msg = strdup(wk_errmsg());
        wk_bundle_close(b);
        wk_fail("%s", msg ? msg : "bundle: out of memory");
        free(msg);
        return WK_ERR;
    }
    return WK_OK;
}

/* "file:" URI of path with immutable=1: no locks, no journal looked for beside it. */
static char *file_uri(const char *path)
{
    size_t n = strlen(path);
    char *uri = malloc(3 * n + 32), *o = uri;
    if (!uri) return NULL;
    o += sprintf(o, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/-._~", *p))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    strcpy(o, "?immutable=1");
    return uri;
}

int wk_bundle_open(wk_bundle *b, const char *path)
{
    memset(b, 0, sizeof *b);
    if (!path || !path[0]) return wk_fail("bundle: empty file name");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return wk_fail("cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    unsigned char h[100] = {0};
    ssize_t got = 0;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        close(fd);
        return wk_fail("cannot read '%s': %s", path, S_ISDIR(st.st_mode) ? "it is a folder" : strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return wk_fail("cannot read '%s': not a regular file", path);
    }
    while (got < 100) {
        ssize_t r = pread(fd, h + got, (size_t)(100 - got), got);
        if (r <= 0) break;
        got += r;
    }
    close(fd);
    if (check_header(path, h, st.st_size < got ? got : st.st_size)) return WK_ERR;
    b->name = strdup(path);
    char *uri = file_uri(path);
    if (!b->name || !uri) {
        free(uri);
        wk_bundle_close(b);
        return wk_fail("'%s': out of memory", path);
    }
    int rc = sqlite3_open_v2(uri, &b->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        wk_fail("cannot open '%s': %s", path, b->db ? sqlite3_errmsg(b->db) : sqlite3_errstr(rc));
        wk_bundle_close(b);
        return WK_ERR;
    }
    return validate(b);
}

int wk_bundle_open_memory(wk_bundle *b, const void *data, size_t size, const char *name)
{
    memset(b, 0, sizeof *b);
    if (!name) name = "(bundle in memory)";
    unsigned char h[100] = {0};
    memcpy(h, data, size < 100 ? size : 100);
    if (check_header(name, h, (int64_t)size)) return WK_ERR;
    b->name = strdup(name);
    unsigned char *copy = sqlite3_malloc64(size);
    if (!b->name || !copy || sqlite3_open_v2(":memory:", &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL)) {
        sqlite3_free(copy);
        wk_bundle_close(b);
        return wk_fail("'%s': out of memory", name);
    }
    memcpy(copy, data, size);
    if (sqlite3_deserialize(b->db, "main", copy, (sqlite3_int64)size, (sqlite3_int64)size,
                            SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) != SQLITE_OK) {
        wk_fail("'%s' cannot be opened: %s", name, sqlite3_errmsg(b->db));
        wk_bundle_close(b);
        return WK_ERR;
    }
    return validate(b);
}

void wk_bundle_close(wk_bundle *b)
{
    if (b->db) sqlite3_close_v2(b->db);
    for (int i = 0; i < b->nfiles; i++) free(b->files[i].path);
    for (int i = 0; i < b->ninputs; i++) free(b->inputs[i].path), free(b->inputs[i].data), free(b->inputs[i].package);
    for (int i = 0; i < b->nmeta; i++) free(b->meta[i].key), free(b->meta[i].value);
    free(b->files), free(b->inputs), free(b->meta), free(b->name);
    memset(b, 0, sizeof *b);
}

const char *wk_bundle_meta_get(const wk_bundle *b, const char *key)
{
    for (int i = 0; i < b->nmeta; i++)
        if (strcmp(b->meta[i].key, key) == 0) return b->meta[i].value;
    return NULL;
}

int wk_bundle_find(const wk_bundle *b, const char *path)
{
    int lo = 0, hi = b->nfiles - 1;   /* files are sorted by path */
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(b->files[mid].path, path);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

int wk_bundle_read(const wk_bundle *b, int i, char **data, int64_t *size)
{
    *data = NULL, *size = 0;
    if (!b->db || i < 0 || i >= b->nfiles) return wk_fail("bundle: no file %d", i);
    const wk_bundle_file *f = &b->files[i];
    char *buf = malloc((size_t)f->size + 1);
    if (!buf) return wk_fail("'%s': out of memory reading '%s'", b->name, f->path);
    sqlite3_blob *blob;
    if (sqlite3_blob_open(b->db, "main", "files", "data", f->rowid, 0, &blob) != SQLITE_OK) {
        free(buf);
        return sql_fail((wk_bundle *)b, "reading a file's data");
    }
    int rc = sqlite3_blob_bytes(blob) == f->size ? sqlite3_blob_read(blob, buf, (int)f->size, 0) : SQLITE_CORRUPT;
    sqlite3_blob_close(blob);
    char hex[33];
    if (rc == SQLITE_OK) wk_hash_bytes(buf, (size_t)f->size, hex);
    if (rc != SQLITE_OK || strcmp(hex, f->hash) != 0) {
        free(buf);
        return wk_fail("'%s' is damaged: the data of '%s' changed or does not match its hash", b->name, f->path);
    }
    buf[f->size] = '\0';
    *data = buf, *size = f->size;
    return WK_OK;
}

/* ---- unpacking -------------------------------------------------------------------- */

/* Open the folder that will hold path's last part, starting at root: each folder part
 * with O_NOFOLLOW | O_DIRECTORY (and, when create, mkdirat first). Returns the folder
 * descriptor (root itself for a path with no '/'), -2 when a folder is missing and
 * create is 0 (nothing there can be in the way), or -1 with the reason. *leaf gets
 * the last part. */
static int walk(int root, const char *dir, const char *path, int create, const char **leaf)
{
    int fd = root;
    const char *p = path;
    for (const char *s; (s = strchr(p, '/'));) {
        char part[256];
        memcpy(part, p, (size_t)(s - p)), part[s - p] = '\0';
        if (create && mkdirat(fd, part, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            if (fd != root) close(fd);
            return wk_fail("cannot create folder '%s/%.*s': %s", dir, (int)(s - path), path, strerror(e));
        }
        int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        struct stat st;
        int lst = next < 0 ? fstatat(fd, part, &st, AT_SYMLINK_NOFOLLOW) : 0;
        if (fd != root) close(fd);
        if (next < 0) {
            if (e == ENOENT && !create) return -2;
            if (lst == 0 && S_ISLNK(st.st_mode))
                return wk_fail("'%s/%.*s' is a symbolic link; unpack never writes through a link", dir, (int)(s - path), path);
            if (lst == 0 && !S_ISDIR(st.st_mode))
                return wk_fail("'%s/%.*s' is a file where the bundle has a folder", dir, (int)(s - path), path);
            return wk_fail("cannot open folder '%s/%.*s': %s", dir, (int)(s - path), path, strerror(e));
        }
        fd = next;
        p = s + 1;
    }
    *leaf = p;
    return fd;
}

/* Pass 1: nothing in the way (links, files for folders, folders for files, existing
 * files without force). */
static int check_target(int root, const char *dir, const wk_bundle_file *f, int force)
{
    const char *leaf;
    int fd = walk(root, dir, f->path, 0, &leaf);
    if (fd == -2) return WK_OK;
    if (fd < 0) return WK_ERR;
    struct stat st;
    int exists = fstatat(fd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (fd != root) close(fd);
    if (!exists) return WK_OK;
    if (S_ISDIR(st.st_mode)) return wk_fail("'%s/%s' is a folder where the bundle has a file", dir, f->path);
    if (!force) return wk_fail("'%s/%s' exists; pass --force to replace it (nothing was written)", dir, f->path);
    return WK_OK;
}

/* rename without replacing: renameat2's RENAME_NOREPLACE, or link + unlink. 0 or errno. */
static int rename_new_at(int dfd, const char *from, int tfd, const char *to)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(dfd, from, tfd, to, RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) return errno;
#endif
    if (linkat(dfd, from, tfd, to, 0) != 0) return errno;
    unlinkat(dfd, from, 0);
    return 0;
}

/* Pass 2: one file, through a temporary beside it. */
static int write_one(const wk_bundle *b, int root, const char *dir, const wk_bundle_file *f, int force)
{
    const char *leaf;
    int fd = walk(root, dir, f->path, 1, &leaf);
    if (fd < 0) return WK_ERR;
    char tmp[40];
    int out = -1;
    static unsigned counter;
    for (int attempt = 0; attempt < 100 && out < 0; attempt++) {
        unsigned long long r = (unsigned long long)getpid() * 0x9E3779B97F4A7C15ull ^ (unsigned long long)time(NULL) ^
                               (unsigned long long)(++counter) * 0xBF58476D1CE4E5B9ull;
        snprintf(tmp, sizeof tmp, ".wick-%012llx.tmp", (r >> 12) & 0xffffffffffffull);
        out = openat(fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (f->mode & 0100) ? 0777 : 0666);
        if (out < 0 && errno != EEXIST) break;
    }
    if (out < 0) {
        int e = errno;
        if (fd != root) close(fd);
        return wk_fail("cannot write '%s/%s': %s", dir, f->path, strerror(e));
    }
    char hex[33];
    int rc = hash_blob(b, f, hex, out);
    if (close(out) != 0 && rc == WK_OK) rc = wk_fail("cannot write '%s/%s': %s", dir, f->path, strerror(errno));
    if (rc == WK_OK) {
        int e = force ? (renameat(fd, tmp, fd, leaf) == 0 ? 0 : errno) : rename_new_at(fd, tmp, fd, leaf);
        if (e == EEXIST) rc = wk_fail("'%s/%s' exists; pass --force to replace it", dir, f->path);
        else if (e) rc = wk_fail("cannot write '%s/%s': %s", dir, f->path, strerror(e));
    }
    if (rc != WK_OK) unlinkat(fd, tmp, 0);
    if (fd != root) close(fd);
    return rc;
}

int wk_bundle_unpack(const wk_bundle *b, const char *dir, int kinds, int flags, int *written)
{
    if (written) *written = 0;
    if (!b->db) return wk_fail("bundle: unpack of a closed bundle");
    if (!dir || !dir[0]) return wk_fail("unpack: empty folder name");
    if (wk_file_mkdirs(dir)) return WK_ERR;
    int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return wk_fail("cannot open folder '%s': %s", dir, strerror(errno));
    int force = flags & WK_BUNDLE_FORCE, rc = WK_OK, n = 0;
    for (int i = 0; i < b->nfiles && rc == WK_OK; i++)
        if (b->files[i].kind & kinds) rc = check_target(root, dir, &b->files[i], force);
    for (int i = 0; i < b->nfiles && rc == WK_OK; i++)
        if (b->files[i].kind & kinds) {
            rc = write_one(b, root, dir, &b->files[i], force);
            n += rc == WK_OK;
        }
    close(root);
    if (written) *written = n;
    return rc;
}

int wk_bundle_place(const char *tmp, const char *target, int replace)
{
    int e = replace ? (rename(tmp, target) == 0 ? 0 : errno) : rename_new_at(AT_FDCWD, tmp, AT_FDCWD, target);
    if (e == EEXIST) return wk_fail("'%s' exists; pass --force to replace it", target);
    if (e) return wk_fail("cannot write '%s': %s", target, strerror(e));
    return WK_OK;
}
