/* file_fixtures.h — files for the C unit tests of lib/'s readers and writers: a fresh
 * temporary directory per run, paths in it, and whole files written and read as bytes.
 *
 *   int main(void) { if (tmp_dir_create("wick-idx")) return 1; RUN(...); tmp_dir_remove(); ... }
 *
 * Everything is static inline so a test uses what it needs without unused warnings. */
#ifndef WK_FILE_FIXTURES_H
#define WK_FILE_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>

static char tmp_dir[64];   /* this run's directory, made by tmp_dir_create */

/* Makes /tmp/<prefix>-XXXXXX as tmp_dir; nonzero (after a note) when it cannot. */
static inline int tmp_dir_create(const char *prefix)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/%s-XXXXXX", prefix);
    if (mkdtemp(tmp_dir)) return 0;
    printf("cannot create a temporary directory\n");
    return 1;
}

/* Removes tmp_dir and all in it; nonzero (after a note) when that fails. */
static inline int tmp_dir_remove(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) == 0) return 0;
    printf("note: could not remove %s\n", tmp_dir);
    return 1;
}

/* tmp_dir/name, in one of 8 rotating buffers so that a few paths can be held at once. */
static inline const char *tmp_path(const char *name)
{
    static char buf[8][256];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 256, "%s/%s", tmp_dir, name);
    return p;
}

static inline void write_bytes(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(bytes, 1, n, f);
    fclose(f);
}

/* Writes n bytes to tmp_dir/name and returns that path. */
static inline const char *write_file(const char *name, const void *bytes, size_t n)
{
    const char *path = tmp_path(name);
    write_bytes(path, bytes, n);
    return path;
}

/* The whole file (malloc'd, *n bytes long), or NULL when it cannot be opened. */
static inline unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)size + 1);
    *n = fread(b, 1, (size_t)size, f);
    fclose(f);
    return b;
}

#endif
