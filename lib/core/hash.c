/* hash.c — XXH3-128 content hashes as hex (hash.h says why this hash). Files are read
 * in 1 MiB pieces through one buffer, so hashing a gigabyte of word vectors takes no
 * more memory than hashing a PNG. */
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "error.h"

#define FILE_CHUNK (1 << 20)

static void to_hex(XXH128_hash_t v, char hex[WK_HASH_HEX])
{
    /* canonical (big-endian) order, as xxhsum --tag -H2 prints it */
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, v);
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = digits[c.digest[i] >> 4];
        hex[2 * i + 1] = digits[c.digest[i] & 15];
    }
    hex[32] = '\0';
}

int wk_hash_init(wk_hash_state *h)
{
    h->xxh = XXH3_createState();
    if (!h->xxh) return wk_fail("hash: out of memory");
    XXH3_128bits_reset(h->xxh);
    return WK_OK;
}

void wk_hash_update(wk_hash_state *h, const void *data, size_t n)
{
    if (n) XXH3_128bits_update(h->xxh, data, n);
}

void wk_hash_final(wk_hash_state *h, char hex[WK_HASH_HEX])
{
    to_hex(XXH3_128bits_digest(h->xxh), hex);
    wk_hash_abort(h);
}

void wk_hash_abort(wk_hash_state *h)
{
    if (h->xxh) XXH3_freeState(h->xxh);
    h->xxh = NULL;
}

void wk_hash_bytes(const void *data, size_t n, char hex[WK_HASH_HEX])
{
    to_hex(XXH3_128bits(data, n), hex);
}

int wk_hash_file(const char *path, char hex[WK_HASH_HEX], int64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return wk_fail("cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return wk_fail("'%s' is not a regular file", path);
    }
    unsigned char *buf = malloc(FILE_CHUNK);
    wk_hash_state h = {0};
    if (!buf || wk_hash_init(&h) != WK_OK) {
        free(buf);
        close(fd);
        return wk_fail("hash: out of memory for '%s'", path);
    }
    int64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, FILE_CHUNK);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            wk_hash_abort(&h);
            free(buf);
            close(fd);
            return wk_fail("cannot read '%s': %s", path, strerror(e));
        }
        if (n == 0) break;
        wk_hash_update(&h, buf, (size_t)n);
        total += n;
    }
    wk_hash_final(&h, hex);
    free(buf);
    close(fd);
    if (size) *size = total;
    return WK_OK;
}
