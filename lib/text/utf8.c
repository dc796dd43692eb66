/* utf8.c — UTF-8 validation, decoding and encoding, and the sorted code-point
 * vocabulary (build, find, encode) that wick.text and char-rnn use. See utf8.h. */
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"

// ---- decoding ----------------------------------------------------------------------

/* Decode one sequence at s (n bytes left). Returns its length and sets *cp, or 0 when
 * the sequence is invalid (overlong, surrogate, > U+10FFFF, truncated, bad byte). */
static size_t decode_one(int32_t *cp, const unsigned char *s, size_t n)
{
    unsigned b = s[0];
    if (b < 0x80) { *cp = (int32_t)b; return 1; }
    size_t len;
    int32_t v, min;
    if (b >= 0xC2 && b <= 0xDF) { len = 2; v = b & 0x1F; min = 0x80; }
    else if (b >= 0xE0 && b <= 0xEF) { len = 3; v = b & 0x0F; min = 0x800; }
    else if (b >= 0xF0 && b <= 0xF4) { len = 4; v = b & 0x07; min = 0x10000; }
    else return 0;   /* continuation byte, 0xC0/0xC1 (always overlong) or 0xF5.. */
    if (n < len) return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

int wk_utf8_validate(size_t *bad, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (u[i] == 0) {
            *bad = i;
            return wk_fail("NUL byte at offset %zu (binary data?)", i);
        }
        if (u[i] < 0x80) { i++; continue; }
        int32_t cp;
        size_t len = decode_one(&cp, u + i, n - i);
        if (len == 0) {
            *bad = i;
            return wk_fail("invalid UTF-8 byte 0x%02x at offset %zu", u[i], i);
        }
        i += len;
    }
    return WK_OK;
}

size_t wk_utf8_valid_prefix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (u[i] < 0x80) { i++; continue; }
        int32_t cp;
        size_t len = decode_one(&cp, u + i, n - i);
        if (len == 0) return i;
        i += len;
    }
    return n;
}

size_t wk_utf8_decode(int32_t *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, k = 0;
    while (i < n) {
        if (u[i] < 0x80) { out[k++] = u[i++]; continue; }
        int32_t cp;
        size_t len = decode_one(&cp, u + i, n - i);
        if (len == 0) { cp = 0xFFFD; len = 1; }
        out[k++] = cp;
        i += len;
    }
    return k;
}

int wk_utf8_encode(char *out, int32_t cp)
{
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

// ---- vocabulary --------------------------------------------------------------------

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int wk_vocab_build(size_t *nv, int32_t *vocab, int64_t *counts, const int32_t *cps, size_t n)
{
    /* ASCII is counted in a table and only the rest sorted: most corpora are mostly
     * ASCII. The rest is sorted in a scratch copy, then run-length compacted. */
    int64_t ascii[128] = {0};
    size_t nrest = 0;
    for (size_t i = 0; i < n; i++) {
        if (cps[i] >= 0 && cps[i] < 128) ascii[cps[i]]++;
        else nrest++;
    }
    int32_t *rest = malloc((nrest ? nrest : 1) * sizeof *rest);   // (nrest)
    if (!rest) return wk_fail("vocab: cannot allocate %zu bytes", nrest * sizeof *rest);
    size_t r = 0;
    for (size_t i = 0; i < n; i++)
        if (!(cps[i] >= 0 && cps[i] < 128)) rest[r++] = cps[i];
    qsort(rest, nrest, sizeof *rest, cmp_i32);
    size_t k = 0;
    for (int c = 0; c < 128; c++)
        if (ascii[c] > 0) {
            vocab[k] = c;
            if (counts) counts[k] = ascii[c];
            k++;
        }
    for (size_t i = 0; i < nrest; i++) {
        if (i > 0 && rest[i] == rest[i - 1]) {
            if (counts) counts[k - 1]++;
            continue;
        }
        vocab[k] = rest[i];
        if (counts) counts[k] = 1;
        k++;
    }
    free(rest);
    *nv = k;
    return WK_OK;
}

int64_t wk_vocab_find(const int32_t *vocab, size_t nv, int32_t cp)
{
    size_t lo = 0, hi = nv;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vocab[mid] < cp) lo = mid + 1;
        else hi = mid;
    }
    return lo < nv && vocab[lo] == cp ? (int64_t)lo : -1;
}

void wk_vocab_encode(float *ids, size_t *unknown, const int32_t *cps, size_t n,
                     const int32_t *vocab, size_t nv, float fallback)
{
    /* A direct table for ASCII keeps the common case out of the binary search. */
    int64_t ascii[128];
    for (int c = 0; c < 128; c++) ascii[c] = wk_vocab_find(vocab, nv, c);
    size_t unk = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t cp = cps[i];
        int64_t id = cp >= 0 && cp < 128 ? ascii[cp] : wk_vocab_find(vocab, nv, cp);
        if (id < 0) { unk++; ids[i] = fallback; }
        else ids[i] = (float)(id + 1);
    }
    *unknown = unk;
}
