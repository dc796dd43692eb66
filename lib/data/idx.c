/* idx.c — the IDX reader behind idx.h (MNIST, Fashion-MNIST).
 *
 * The file is opened once and read through zlib's gz* functions, which pass raw files
 * through unchanged and inflate gzipped ones, so one code path serves both. The header
 * is checked first (magic, type code, 1..8 dimensions); the dimensions' product goes
 * through wk_shape_numel (no overflow, at most 2^40 elements); then the data size they
 * promise is compared with what the file can hold before anything large is allocated:
 * exactly, for a raw file (wk_file_claim); for a gzipped one, against deflate's best
 * possible ratio (1032:1), and the data buffer then grows only as real bytes arrive,
 * so a tiny hostile file cannot make us allocate gigabytes. A file longer than its
 * dimensions say is refused too: it is not the file the caller thinks it is. */
#include "idx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../core/file.h"
#include "../core/limits.h"

#define DEFLATE_MAX_RATIO 1032   /* deflate never expands output beyond 1032x its input */

/* ---- element types --------------------------------------------------------------- */

static inline uint16_t be16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static inline uint64_t be64(const unsigned char *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

typedef struct idx_type {
    int code;
    const char *name;
    int size;   /* bytes per element */
} idx_type;

static const idx_type types[] = {
    {0x08, "u8", 1}, {0x09, "i8", 1}, {0x0B, "i16", 2}, {0x0C, "i32", 4}, {0x0D, "f32", 4}, {0x0E, "f64", 8},
};

static const idx_type *find_type(int code)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i].code == code) return &types[i];
    return NULL;
}

/* n big-endian elements of type t at src into floats. */
static void convert(float *dst, const unsigned char *src, int64_t n, const idx_type *t)
{
    switch (t->code) {
    case 0x08:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)src[i];
        break;
    case 0x09:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)(int8_t)src[i];
        break;
    case 0x0B:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)(int16_t)be16(src + 2 * i);
        break;
    case 0x0C:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)(int32_t)be32(src + 4 * i);
        break;
    case 0x0D:
        for (int64_t i = 0; i < n; i++) {
            uint32_t u = be32(src + 4 * i);
            memcpy(&dst[i], &u, 4);
        }
        break;
    case 0x0E:
        for (int64_t i = 0; i < n; i++) {
            uint64_t u = be64(src + 8 * i);
            double d;
            memcpy(&d, &u, 8);
            dst[i] = (float)d;
        }
        break;
    }
}

/* ---- reading through zlib --------------------------------------------------------- */

/* Read up to n bytes; returns how many were read (short at end of file), or -1 with a
 * message when zlib reports corrupt data. A gzip stream that simply stops is a short
 * read here; the caller words that as truncation. */
static int64_t read_some(gzFile gz, const char *path, unsigned char *buf, int64_t n)
{
    int64_t got = 0;
    while (got < n) {
        int64_t want = n - got;
        if (want > (1 << 30)) want = 1 << 30;
        int r = gzread(gz, buf + got, (unsigned)want);
        if (r < 0) {
            int errnum;
            const char *why = gzerror(gz, &errnum);
            if (errnum == Z_ERRNO) why = strerror(errno);
            else if (strncmp(why, "<fd:", 4) == 0 && strstr(why, ": "))   /* drop zlib's "<fd:3>: " */
                why = strstr(why, ": ") + 2;
            wk_fail("'%s' is a corrupt gzip file: %s", path, why);
            return -1;
        }
        if (r == 0) break;
        got += r;
    }
    return got;
}

/* Whether the stream stopped because the gzip data ended too soon. */
static int gz_cut_short(gzFile gz)
{
    int errnum;
    gzerror(gz, &errnum);
    return errnum == Z_BUF_ERROR;
}

/* The data section: exactly `expected` bytes into a buffer grown as they arrive. */
static int read_data(gzFile gz, const char *path, int compressed, int64_t expected, const char *what,
                     unsigned char **out)
{
    int64_t cap = compressed && expected > (1 << 20) ? (1 << 20) : expected, got = 0;
    unsigned char *buf = malloc(cap > 0 ? (size_t)cap : 1);
    if (!buf) return wk_fail("reading '%s': cannot allocate %lld bytes", path, (long long)cap);
    for (;;) {
        int64_t r = read_some(gz, path, buf + got, cap - got);
        if (r < 0) goto fail;
        got += r;
        if (got < cap) break;   /* end of the stream */
        if (cap == expected) break;
        int64_t grown = cap * 2 < expected ? cap * 2 : expected;
        unsigned char *b = realloc(buf, (size_t)grown);
        if (!b) {
            wk_fail("reading '%s': cannot allocate %lld bytes", path, (long long)grown);
            goto fail;
        }
        buf = b;
        cap = grown;
    }
    if (got < expected) {
        wk_fail("'%s' is truncated: %s need %lld bytes of data but %s after %lld", path, what, (long long)expected,
                compressed && gz_cut_short(gz) ? "the gzip stream breaks off" : "the file ends", (long long)got);
        goto fail;
    }
    unsigned char extra[64];
    int64_t more = read_some(gz, path, extra, sizeof extra);
    if (more < 0) goto fail;
    if (more > 0) {
        wk_fail("'%s' has stray bytes after the %lld bytes of data that %s describe", path, (long long)expected, what);
        goto fail;
    }
    *out = buf;
    return WK_OK;
fail:
    free(buf);
    return WK_ERR;
}

/* ---- the reader ------------------------------------------------------------------- */

int wk_idx_read(const char *path, wk_tensor *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return wk_fail("cannot open IDX file '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int err = errno;
        close(fd);
        return wk_fail("cannot read IDX file '%s': %s", path, strerror(err));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return wk_fail("cannot read IDX file '%s': it is a %s", path,
                       S_ISDIR(sb.st_mode) ? "directory" : "special file, not a regular file");
    }
    wk_file_note_read(path);   /* the run log's inputs (file.h) */
    int64_t size = (int64_t)sb.st_size;
    unsigned char sig[2] = {0, 0};
    int compressed = pread(fd, sig, 2, 0) == 2 && sig[0] == 0x1f && sig[1] == 0x8b;
    gzFile gz = gzdopen(fd, "rb");   /* owns fd from here on */
    if (!gz) {
        close(fd);
        return wk_fail("cannot read IDX file '%s': out of memory", path);
    }
    gzbuffer(gz, 1 << 17);

    int rc = WK_ERR;
    unsigned char head[4 + 4 * WK_MAX_DIMS], *data = NULL;
    int64_t got = read_some(gz, path, head, 4);
    if (got < 0) goto done;
    if (got < 4) {
        wk_fail("'%s' is not an IDX file: it holds only %lld bytes", path, (long long)got);
        goto done;
    }
    uint32_t magic = be32(head);
    const idx_type *type = find_type(head[2]);
    int ndim = head[3];
    if (head[0] != 0 || head[1] != 0) {
        wk_fail("'%s' is not an IDX file: it starts 0x%08x, not 0x0000 then a type code "
                "(MNIST images start 0x00000803, labels 0x00000801)", path, (unsigned)magic);
        goto done;
    }
    if (!type) {
        wk_fail("'%s' has IDX type code 0x%02x, which wick cannot read "
                "(it reads 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64)", path, head[2]);
        goto done;
    }
    if (ndim < 1 || ndim > WK_MAX_DIMS) {
        wk_fail("'%s' is not an IDX file wick can read: it declares %d dimensions (1 to %d)", path, ndim,
                WK_MAX_DIMS);
        goto done;
    }
    got = read_some(gz, path, head + 4, 4 * ndim);
    if (got < 0) goto done;
    if (got < 4 * ndim) {
        wk_fail("'%s' is truncated: it ends inside the sizes of its %d dimensions", path, ndim);
        goto done;
    }

    int64_t shape[WK_MAX_DIMS], numel, expected;
    for (int d = 0; d < ndim; d++) shape[d] = be32(head + 4 + 4 * d);
    char sbuf[160], what[220];
    snprintf(what, sizeof what, "dimensions %s of %s", wk_shape_str(sbuf, sizeof sbuf, ndim, shape), type->name);
    if (wk_shape_numel(ndim, shape, &numel) != WK_OK) {
        char why[400];
        snprintf(why, sizeof why, "%s", wk_errmsg());
        wk_fail("'%s' is corrupt: %s", path, why);
        goto done;
    }
    expected = numel * type->size;   /* numel <= 2^40: cannot overflow */
    int64_t header = 4 + 4 * (int64_t)ndim;
    /* Refuse sizes the file cannot hold before allocating anything for them. */
    if (!compressed && wk_file_claim(path, what, numel, type->size, size - header) != WK_OK) goto done;
    if (!compressed && expected < size - header) {
        wk_fail("'%s' has %lld stray bytes after the %lld bytes of data that %s describe", path,
                (long long)(size - header - expected), (long long)expected, what);
        goto done;
    }
    if (compressed && expected / DEFLATE_MAX_RATIO > size) {
        wk_fail("'%s' is corrupt: %s need %lld bytes, more than a %lld-byte gzip file can hold", path, what,
                (long long)expected, (long long)size);
        goto done;
    }
    if (read_data(gz, path, compressed, expected, what, &data) != WK_OK) goto done;

    wk_tensor t;
    if (wk_tensor_new(&t, ndim, shape) != WK_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", wk_errmsg());
        wk_fail("reading '%s': %s", path, why);
        goto done;
    }
    convert(wk_tensor_data(&t), data, wk_tensor_numel(&t), type);
    *out = t;
    rc = WK_OK;
done:
    free(data);
    gzclose(gz);
    return rc;
}
