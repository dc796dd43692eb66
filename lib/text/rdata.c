/* rdata.c — reading character vectors out of R's lazy-load databases (.rdb) and XDR
 * serialisation: the Jane Austen corpus ships this way. See rdata.h for the layout. */
#include "rdata.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../core/error.h"
#include "../core/limits.h"

// ---- .rdb chunks -------------------------------------------------------------------

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int wk_rdb_chunk(unsigned char **out, size_t *out_len, size_t *consumed, const unsigned char *p, size_t n)
{
    *out = NULL;
    if (n < 6) return wk_fail("rdb: truncated chunk (%zu bytes left)", n);
    size_t want = be32(p);
    /* zlib's deflate expands at most 1032-fold: a length beyond that (or beyond memory)
     * is a damaged header, refused before allocating it */
    if (want > (n - 4) * 1032 + 64)
        return wk_fail("rdb: chunk claims %zu bytes unpacked from only %zu packed bytes (damaged file?)", want, n - 4);
    if (wk_memory_check((double)want, "rdb: the chunk")) return WK_ERR;
    unsigned char *buf = malloc(want ? want : 1);
    if (!buf) return wk_fail("rdb: cannot allocate %zu bytes", want);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) {
        free(buf);
        return wk_fail("rdb: zlib init failed");
    }
    z.next_in = (unsigned char *)(uintptr_t)(p + 4);
    z.avail_in = (uInt)(n - 4 > 0xFFFFFFFFu ? 0xFFFFFFFFu : n - 4);
    z.next_out = buf;
    z.avail_out = (uInt)want;
    int rc = inflate(&z, Z_FINISH);
    size_t got = want - z.avail_out, used = (size_t)(n - 4) - z.avail_in;
    inflateEnd(&z);
    if (rc != Z_STREAM_END || got != want) {
        free(buf);
        return wk_fail("rdb: chunk is not a zlib stream of %zu bytes (zlib status %d, %zu bytes out)", want, rc, got);
    }
    *out = buf;
    *out_len = want;
    *consumed = 4 + used;
    return WK_OK;
}

// ---- XDR character vectors ---------------------------------------------------------

typedef struct reader {
    const unsigned char *p;
    size_t n, at;
} reader;

static int read_int(reader *r, int32_t *v)
{
    if (r->at + 4 > r->n) return wk_fail("rxdr: truncated at offset %zu", r->at);
    *v = (int32_t)be32(r->p + r->at);
    r->at += 4;
    return WK_OK;
}

/* Append s[0..len) to a growing buffer, converting from Latin-1 when asked. */
typedef struct growbuf {
    char *data;
    size_t len, cap;
} growbuf;

static int grow(growbuf *g, size_t extra)
{
    if (g->len + extra + 1 <= g->cap) return WK_OK;
    size_t cap = g->cap ? g->cap : 4096;
    while (cap < g->len + extra + 1) cap *= 2;
    char *d = realloc(g->data, cap);
    if (!d) return wk_fail("rxdr: cannot allocate %zu bytes", cap);
    g->data = d;
    g->cap = cap;
    return WK_OK;
}

static int append(growbuf *g, const unsigned char *s, size_t len, int latin1)
{
    if (grow(g, latin1 ? 2 * len : len) != WK_OK) return WK_ERR;
    if (!latin1) {
        memcpy(g->data + g->len, s, len);
        g->len += len;
        return WK_OK;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x80) g->data[g->len++] = (char)s[i];
        else {
            g->data[g->len++] = (char)(0xC0 | (s[i] >> 6));
            g->data[g->len++] = (char)(0x80 | (s[i] & 0x3F));
        }
    }
    return WK_OK;
}

int wk_rxdr_strings(char **text, size_t *len, int64_t *count, const unsigned char *p, size_t n)
{
    *text = NULL;
    reader r = {p, n, 0};
    if (n < 2 || p[0] != 'X' || p[1] != '\n')
        return wk_fail("rxdr: not R's XDR serialisation (expected \"X\\n\" at offset 0)");
    r.at = 2;
    int32_t version = 0, wver = 0, minver = 0;
    if (read_int(&r, &version) || read_int(&r, &wver) || read_int(&r, &minver)) return WK_ERR;
    if (version != 2 && version != 3) return wk_fail("rxdr: format version %d (expected 2 or 3)", (int)version);
    if (version == 3) {
        int32_t nelen = 0;
        if (read_int(&r, &nelen)) return WK_ERR;
        if (nelen < 0 || r.at + (size_t)nelen > n) return wk_fail("rxdr: bad encoding name at offset %zu", r.at);
        r.at += (size_t)nelen;
    }
    int32_t flags = 0, length = 0;
    size_t at = r.at;
    if (read_int(&r, &flags)) return WK_ERR;
    if ((flags & 0xFF) != 16)
        return wk_fail("rxdr: object at offset %zu has R type %d, not a character vector (16)", at, (int)(flags & 0xFF));
    if (read_int(&r, &length)) return WK_ERR;
    if (length < 0) return wk_fail("rxdr: long vectors are not supported (offset %zu)", at);
    /* each element takes at least its 8-byte header: the length must fit in what is left */
    if ((uint64_t)length * 8 > n - r.at)
        return wk_fail("rxdr: the vector at offset %zu claims %d strings but only %zu bytes remain (damaged file?)", at,
                       (int)length, n - r.at);
    growbuf g = {0};
    for (int32_t i = 0; i < length; i++) {
        int32_t cflags = 0, clen = 0;
        at = r.at;
        if (read_int(&r, &cflags) || read_int(&r, &clen)) goto fail;
        if ((cflags & 0xFF) != 9) {
            wk_fail("rxdr: element %d at offset %zu has R type %d, not a string (9)", (int)i + 1, at, (int)(cflags & 0xFF));
            goto fail;
        }
        if (clen > 0) {
            if (r.at + (size_t)clen > n) {
                wk_fail("rxdr: element %d at offset %zu runs past the end", (int)i + 1, at);
                goto fail;
            }
            int latin1 = (cflags >> 12) & (1 << 2);   /* gp bit 2: LATIN1_MASK */
            if (append(&g, p + r.at, (size_t)clen, latin1) != WK_OK) goto fail;
            r.at += (size_t)clen;
        }
        if (append(&g, (const unsigned char *)"\n", 1, 0) != WK_OK) goto fail;
    }
    if (grow(&g, 0) != WK_OK) goto fail;
    g.data[g.len] = '\0';
    *text = g.data;
    *len = g.len;
    *count = length;
    return WK_OK;
fail:
    free(g.data);
    return WK_ERR;
}
