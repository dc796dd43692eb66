/* file.h — how wick writes and reads files on a user's disk.
 *
 * Writing replaces a file atomically: the data goes to a new temporary file in the
 * target's folder (created with O_EXCL under a short random name, so a 250-character
 * file name still works and nobody can plant the temporary in advance), is flushed and
 * fsync'd, takes the mode of the file it replaces, and is renamed over the target only
 * when complete. A full disk or an error leaves the old file as it was. When the target
 * is a symbolic link, the file it points to is replaced and the link stays a link.
 *
 *   wk_file_out o;
 *   if (wk_file_out_open(&o, path, WK_FILE_MKDIRS)) return WK_ERR;
 *   ... fwrite(..., o.f) ...        (or write(o.fd, ...) when o.f is not used)
 *   if (failed) { wk_file_out_abort(&o); return WK_ERR; }
 *   return wk_file_out_commit(&o);
 *
 * Reading whole files is bounded: wk_file_read_all refuses more than a given number of
 * bytes (and says so) rather than reading /dev/zero until memory runs out. Folders are
 * made with mkdir(2), never through a shell. */
#ifndef WK_FILE_H
#define WK_FILE_H

#include <stdint.h>
#include <stdio.h>

typedef struct wk_file_out {
    FILE *f;        /* the temporary file, opened "wb" */
    int fd;         /* its descriptor (fileno(f)) */
    char *target;   /* the file that will be replaced (a symlink resolved), malloc'd */
    char *tmp;      /* the temporary's name, malloc'd */
    const char *path;   /* as the caller named it, for messages */
} wk_file_out;

enum { WK_FILE_MKDIRS = 1 };   /* create missing parent folders first */

int wk_file_out_open(wk_file_out *o, const char *path, int flags);
/* Flush, fsync, give the old file's mode, rename over the target; frees o either way. */
int wk_file_out_commit(wk_file_out *o);
/* As commit, but never replaces: fails ("... exists") when the target exists by now,
 * even if it was created after a caller's own check (renameat2 RENAME_NOREPLACE, or
 * link + unlink where that is unsupported). */
int wk_file_out_commit_new(wk_file_out *o);
/* Delete the temporary and free o; the target is untouched. Idempotent. */
void wk_file_out_abort(wk_file_out *o);

/* mkdir -p: dir and every missing parent. */
int wk_file_mkdirs(const char *dir);
/* mkdir -p for the folder part of path (nothing when path has no '/'). */
int wk_file_mkdirs_for(const char *path);

/* The whole of a file (regular, or a pipe) as a malloc'd, NUL-terminated buffer; fails
 * naming the file when it cannot be read, is a device (/dev/zero never ends), or holds
 * more than max_bytes. */
int wk_file_read_all(const char *path, int64_t max_bytes, char **data, int64_t *len);

/* Size of an open file, or -1 (not a regular file). */
int64_t wk_file_size(FILE *f);

/* Who hears of the files wick reads and writes: the run log (bindings/store/book.c)
 * records them as a run's inputs and outputs, and the cache (bindings/store/cache.c) the
 * files a cached step read. Each loader calls wk_file_note_read once it has opened a
 * file; commit calls the observers itself with the file it put in place. Observers run
 * on the caller's thread (a pool thread, too) and must not fail; wk_file_observe adds one
 * (once; at most WK_FILE_MAX_OBSERVERS) and is called before any loader runs. With none,
 * a note costs one test. */
enum { WK_FILE_READ = 1, WK_FILE_WRITTEN = 2, WK_FILE_MAX_OBSERVERS = 4 };
typedef void (*wk_file_observer)(int kind, const char *path);
void wk_file_observe(wk_file_observer fn);
void wk_file_note_read(const char *path);
void wk_file_note_written(const char *path);

#endif
