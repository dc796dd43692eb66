/* bundle.h — open, check and unpack a wick bundle: one SQLite file holding a sketch's
 * code, its outputs and trained models, its arguments and seed, the cached steps and run
 * log of the run it came from, and a manifest of the data that run read.
 *
 * A bundle is a file someone else sent you, so opening one checks everything before a
 * caller sees a single entry: the SQLite header (magic, application_id 0x5769636e,
 * user_version = the bundle format), the whole file against the size its header
 * promises (a truncated download says so), PRAGMA quick_check, the tables and columns
 * this wick reads and the type of every value, and for every file: a safe relative path
 * (no '..', '.', empty or absolute part, no backslash or control character, UTF-8,
 * bounded length, unique, never both a file and a folder), size = length of its data
 * and hash = the XXH3-128 of its data. lib/store/bundle.c uses sqlite3 only (no Lua).
 *
 *   wk_bundle b;
 *   if (wk_bundle_open(&b, "tsne.wick") != WK_OK) ... wk_errmsg() ...
 *   for (int i = 0; i < b.nfiles; i++) puts(b.files[i].path);
 *   if (wk_bundle_unpack(&b, "tsne", WK_BUNDLE_ALL, 0) != WK_OK) ... wk_errmsg() ...
 *   wk_bundle_close(&b);
 *
 * Unpacking never writes outside the target folder: it walks each path one folder at
 * a time with openat(O_NOFOLLOW | O_DIRECTORY), so a symbolic link already in the
 * target cannot redirect a write, writes each file to a temporary beside its final name
 * and moves it there without replacing anything (renameat2 RENAME_NOREPLACE) unless
 * forced, in which case the old file is replaced atomically (a link is replaced, never
 * followed). Every existing name is checked before the first byte is written, so a
 * refused unpack leaves the target as it was. */
#ifndef WK_BUNDLE_H
#define WK_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#define WK_BUNDLE_APP_ID 0x5769636e   /* 'Wicn' */
#define WK_BUNDLE_VERSION 1           /* the newest bundle format this wick reads and writes */
#define WK_BUNDLE_MAX_FILES 100000
#define WK_BUNDLE_MAX_PATH 1024       /* bytes in a stored path; 255 in one part of it */

enum { WK_BUNDLE_CODE = 1, WK_BUNDLE_OUTPUT = 2, WK_BUNDLE_MODEL = 4, WK_BUNDLE_ALL = 7 };
enum { WK_BUNDLE_FORCE = 1 };   /* unpack: replace existing files */

typedef struct wk_bundle_file {
    char *path;        /* relative, checked safe (see above) */
    int kind;          /* WK_BUNDLE_CODE, _OUTPUT or _MODEL */
    int mode;          /* permission bits as packed (0..07777) */
    int64_t size;      /* bytes = length of its data */
    char hash[33];     /* XXH3-128, 32 lowercase hex */
    int64_t rowid;     /* where its data lives (internal) */
} wk_bundle_file;

typedef struct wk_bundle_input {
    char *path;        /* where the packing machine read it (absolute) */
    char *data;        /* the same path inside a wick data folder ("mnist/t10k..."), or NULL */
    char *package;     /* what provides it ("Debian dataset-fashion-mnist", "make data"), or NULL */
    int64_t size;
    char hash[33];
} wk_bundle_input;

typedef struct wk_bundle_meta {
    char *key, *value;
} wk_bundle_meta;

typedef struct wk_bundle {
    struct sqlite3 *db;     /* open read-only for the bundle's lifetime */
    char *name;             /* the file's name, for messages */
    int version;            /* the bundle format (user_version) */
    int nfiles;             /* (nfiles) sorted by path */
    wk_bundle_file *files;
    int ninputs;
    wk_bundle_input *inputs;
    int nmeta;              /* every meta row, sorted by key */
    wk_bundle_meta *meta;
    int64_t ncache;         /* rows in the cache table */
    int64_t cache_bytes;    /* bytes of cached values */
} wk_bundle;

/* The schema a new bundle gets (CREATE TABLE statements), for writers. */
const char *wk_bundle_schema(void);

/* Open and check the bundle at path (see the top of this file). On failure b is left
 * closed (all zero) and the reason names the file. */
int wk_bundle_open(wk_bundle *b, const char *path);
/* The same for a bundle held in memory (the bytes are copied); name is for messages. */
int wk_bundle_open_memory(wk_bundle *b, const void *data, size_t size, const char *name);
/* Close and free everything; idempotent. */
void wk_bundle_close(wk_bundle *b);

/* The meta value stored under key, or NULL. */
const char *wk_bundle_meta_get(const wk_bundle *b, const char *key);
/* Index of the file at path, or -1. */
int wk_bundle_find(const wk_bundle *b, const char *path);
/* File i's contents as a malloc'd buffer (*size bytes; NUL-terminated), its hash
 * checked again on the way. */
int wk_bundle_read(const wk_bundle *b, int i, char **data, int64_t *size);

/* Write the files whose kind is in kinds (WK_BUNDLE_CODE | ...) under dir (created,
 * with its parents, when missing). flags: WK_BUNDLE_FORCE replaces existing files.
 * *written (may be NULL) gets the number of files written. */
int wk_bundle_unpack(const wk_bundle *b, const char *dir, int kinds, int flags, int *written);

/* Check a relative path the way every file path of a bundle is checked: WK_OK, or
 * WK_ERR with the reason ("'a/../b' has a '..' part"). */
int wk_bundle_check_path(const char *path, size_t len);

/* Move the finished file tmp to target: never over an existing file unless replace,
 * then atomically (rename). For writers of a new bundle. */
int wk_bundle_place(const char *tmp, const char *target, int replace);

/* Name of a kind ("code", "output", "model") and back (0 when unknown). */
const char *wk_bundle_kind_name(int kind);
int wk_bundle_kind_code(const char *name);

#endif
