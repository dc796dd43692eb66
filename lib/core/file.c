/* file.c — atomic replacement of a user's file, mkdir -p, and bounded whole-file reads.
 * See file.h for the guarantees; the reasons for each step are beside it. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

/* see file.h: the run log and the cache, or nobody; set before any loader runs */
static wk_file_observer observers[WK_FILE_MAX_OBSERVERS];
static int n_observers;

void wk_file_observe(wk_file_observer fn)
{
    for (int i = 0; i < n_observers; i++)
        if (observers[i] == fn) return;
    if (fn && n_observers < WK_FILE_MAX_OBSERVERS) observers[n_observers++] = fn;
}

static void note(int kind, const char *path)
{
    if (!path) return;
    for (int i = 0; i < n_observers; i++) observers[i](kind, path);
}

void wk_file_note_read(const char *path) { note(WK_FILE_READ, path); }
void wk_file_note_written(const char *path) { note(WK_FILE_WRITTEN, path); }

/* ---- folders ---------------------------------------------------------------------- */

int wk_file_mkdirs(const char *dir)
{
    struct stat st;
    if (!dir || !dir[0]) return WK_OK;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return WK_OK;
        return wk_fail("cannot create folder '%s': a file of that name exists", dir);
    }
    char *buf = strdup(dir);
    if (!buf) return wk_fail("cannot create folder '%s': out of memory", dir);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            wk_fail("cannot create folder '%s': %s", buf, strerror(e));
            free(buf);
            return WK_ERR;
        }
        *p = c;
        if (c == '\0') break;
    }
    free(buf);
    return WK_OK;
}

int wk_file_mkdirs_for(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return WK_OK;
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir) return wk_fail("cannot write '%s': out of memory", path);
    int rc = wk_file_mkdirs(dir);
    free(dir);
    return rc;
}

/* ---- atomic replacement ----------------------------------------------------------- */

/* The file a write to `path` should replace: path itself, or, when path is a symbolic
 * link (to any depth), the file it finally names — so saving through a link updates
 * the linked file and keeps the link. malloc'd. */
static char *resolve_target(const char *path)
{
    char *cur = strdup(path);
    for (int depth = 0; cur && depth < 40; depth++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) return cur;
        char link[PATH_MAX];
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0) return cur;
        link[n] = '\0';
        char *next;
        const char *slash = strrchr(cur, '/');
        if (link[0] == '/' || !slash) {
            next = strdup(link);
        } else {   /* relative to the link's own folder */
            size_t dirlen = (size_t)(slash - cur) + 1;
            next = malloc(dirlen + (size_t)n + 1);
            if (next) memcpy(next, cur, dirlen), memcpy(next + dirlen, link, (size_t)n + 1);
        }
        free(cur);
        cur = next;
    }
    return cur;
}

int wk_file_out_open(wk_file_out *o, const char *path, int flags)
{
    static unsigned counter;
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->path = path;
    if (!path || !path[0]) return wk_fail("cannot write '': empty file name");
    if ((flags & WK_FILE_MKDIRS) && wk_file_mkdirs_for(path))
        return wk_fail("cannot write '%s': %s", path, wk_errmsg());
    o->target = resolve_target(path);
    if (!o->target) return wk_fail("cannot write '%s': out of memory", path);
    struct stat st;
    if (stat(o->target, &st) == 0 && S_ISDIR(st.st_mode)) {
        wk_file_out_abort(o);
        return wk_fail("cannot write '%s': it is a folder", path);
    }
    const char *slash = strrchr(o->target, '/');
    size_t dirlen = slash ? (size_t)(slash - o->target) + 1 : 0;
    o->tmp = malloc(dirlen + 32);
    if (!o->tmp) {
        wk_file_out_abort(o);
        return wk_fail("cannot write '%s': out of memory", path);
    }
    /* A short name of our own (not target + suffix, which a 250-byte name overflows);
     * O_EXCL so an existing file or link of that name is never followed or reused. */
    uint64_t seed = (uint64_t)getpid() * 0x9E3779B97F4A7C15ull ^ (uint64_t)time(NULL) ^ (uintptr_t)o;
    int err = EEXIST;
    for (int attempt = 0; attempt < 100 && err == EEXIST; attempt++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull + counter++;
        memcpy(o->tmp, o->target, dirlen);
        snprintf(o->tmp + dirlen, 32, ".wick-%012llx.tmp", (unsigned long long)(seed >> 16) & 0xffffffffffffull);
        o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);   /* umask applies */
        err = o->fd < 0 ? errno : 0;
    }
    if (o->fd < 0) {
        free(o->tmp), o->tmp = NULL;
        wk_file_out_abort(o);
        return wk_fail("cannot write '%s': %s", path, strerror(err));
    }
    o->f = fdopen(o->fd, "wb");
    if (!o->f) {
        int e = errno;
        wk_file_out_abort(o);
        return wk_fail("cannot write '%s': %s", path, strerror(e));
    }
    return WK_OK;
}

/* Put the temporary at the target without ever replacing a file: renameat2's
 * RENAME_NOREPLACE, or where the kernel or file system lacks it, link() (which fails on
 * an existing name) and then unlink of the temporary. 0 or an errno (EEXIST: taken). */
static int rename_new(const char *tmp, const char *target)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) return errno;
#endif
    if (link(tmp, target) != 0) return errno;
    unlink(tmp);
    return 0;
}

static int commit(wk_file_out *o, int replace)
{
    int rc = WK_OK, e = 0;
    if (fflush(o->f) != 0 || ferror(o->f)) e = errno ? errno : EIO;
    /* The data must be on disk before the rename makes it the file's only content. */
    if (!e && fsync(o->fd) != 0 && errno != EINVAL) e = errno;
    struct stat st;
    if (!e && replace && stat(o->target, &st) == 0) {   /* replacing: keep its permissions (0600 stays 0600) */
        if (fchmod(o->fd, st.st_mode & 07777) != 0) e = errno;
        if (!e && fchown(o->fd, st.st_uid, st.st_gid) != 0) { /* not ours to give away: keep ours */ }
    }
    int closed = fclose(o->f);
    o->f = NULL, o->fd = -1;
    if (!e && closed != 0) e = errno ? errno : EIO;
    if (!e && replace && rename(o->tmp, o->target) != 0) e = errno;
    if (!e && !replace) e = rename_new(o->tmp, o->target);
    if (e) {
        rc = e == EEXIST && !replace ? wk_fail("'%s' exists (it appeared while writing); nothing replaced", o->path)
                                     : wk_fail("cannot write '%s': %s", o->path, strerror(e));
        wk_file_out_abort(o);
        return rc;
    }
    /* Make the rename itself durable: fsync the folder (best effort). */
    const char *slash = strrchr(o->target, '/');
    char *dir = slash ? strndup(o->target, (size_t)(slash - o->target) + 1) : strdup(".");
    if (dir) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) fsync(dfd), close(dfd);
        free(dir);
    }
    wk_file_note_written(o->target);
    free(o->tmp), o->tmp = NULL;
    free(o->target), o->target = NULL;
    return WK_OK;
}

int wk_file_out_commit(wk_file_out *o) { return commit(o, 1); }
int wk_file_out_commit_new(wk_file_out *o) { return commit(o, 0); }

void wk_file_out_abort(wk_file_out *o)
{
    if (o->f) fclose(o->f);
    else if (o->fd >= 0) close(o->fd);
    if (o->tmp) unlink(o->tmp);
    free(o->tmp);
    free(o->target);
    o->f = NULL, o->fd = -1, o->tmp = NULL, o->target = NULL;
}

/* ---- reading ---------------------------------------------------------------------- */

int64_t wk_file_size(FILE *f)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
    return (int64_t)st.st_size;
}

int wk_file_read_all(const char *path, int64_t max_bytes, char **data, int64_t *len)
{
    char human[32];
    *data = NULL, *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return wk_fail("cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0) st.st_mode = 0;
    if (S_ISDIR(st.st_mode)) {
        fclose(f);
        return wk_fail("cannot read '%s': it is a folder", path);
    }
    /* A device (/dev/zero, /dev/urandom, a disk) is not a file to read whole: some never
     * end. Pipes are read, up to the same bound. */
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode)) {
        fclose(f);
        return wk_fail("cannot read '%s': it is a device, not a file", path);
    }
    if (S_ISREG(st.st_mode) && (int64_t)st.st_size > max_bytes) {
        fclose(f);
        return wk_fail("'%s' holds %s, more than the %s this reader accepts", path,
                       wk_bytes_str(human, sizeof human, (double)st.st_size),
                       wk_bytes_str((char[32]){0}, 32, (double)max_bytes));
    }
    /* Devices and pipes have no size: read in growing steps up to the same bound. */
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            if ((int64_t)n >= max_bytes) break;
            size_t next = cap * 2 > (size_t)max_bytes + 1 ? (size_t)max_bytes + 1 : cap * 2;
            char *grown = realloc(buf, next);
            if (!grown) { free(buf); buf = NULL; break; }
            buf = grown, cap = next;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) return wk_fail("cannot read '%s': out of memory", path);
    if (bad) {
        free(buf);
        return wk_fail("cannot read '%s': %s", path, strerror(EIO));
    }
    if ((int64_t)n > max_bytes || ((int64_t)n == max_bytes && !S_ISREG(st.st_mode))) {
        free(buf);
        return wk_fail("'%s' holds more than the %s this reader accepts", path,
                       wk_bytes_str(human, sizeof human, (double)max_bytes));
    }
    buf[n] = '\0';
    *data = buf, *len = (int64_t)n;
    wk_file_note_read(path);
    return WK_OK;
}
