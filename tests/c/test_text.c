/* test_text.c — lib/text: UTF-8 validation, decoding and encoding; the code-point
 * vocabulary; R data chunks (a zlib-compressed XDR character vector built here); and
 * the char-rnn sampler, whose per-character LSTM/GRU step is checked against a plain
 * reference computation of PyTorch's formulas. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../lib/core/error.h"
#include "../../lib/core/rng.h"
#include "../../lib/text/charrnn.h"
#include "../../lib/text/rdata.h"
#include "../../lib/text/utf8.h"
#include "check.h"

// ---- UTF-8 -------------------------------------------------------------------------

TEST(validate_accepts_multibyte)
{
    const char *s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";   /* a é € 😀 z */
    size_t bad = 99;
    CHECK(wk_utf8_validate(&bad, s, strlen(s)) == WK_OK);
    int32_t cps[16];
    size_t n = wk_utf8_decode(cps, s, strlen(s));
    CHECK(n == 5);
    CHECK(cps[0] == 'a' && cps[1] == 0xE9 && cps[2] == 0x20AC && cps[3] == 0x1F600 && cps[4] == 'z');
}

TEST(validate_rejects_bad_bytes)
{
    size_t bad = 0;
    CHECK(wk_utf8_validate(&bad, "ab\xFF" "c", 4) == WK_ERR);
    CHECK(bad == 2);
    CHECK(strstr(wk_errmsg(), "0xff") != NULL);
    CHECK(strstr(wk_errmsg(), "offset 2") != NULL);
    CHECK(wk_utf8_validate(&bad, "\xC0\x80", 2) == WK_ERR);          /* overlong NUL */
    CHECK(wk_utf8_validate(&bad, "\xED\xA0\x80", 3) == WK_ERR);      /* surrogate */
    CHECK(wk_utf8_validate(&bad, "x\xE2\x82", 3) == WK_ERR && bad == 1);   /* truncated */
    CHECK(wk_utf8_validate(&bad, "ab\0c", 4) == WK_ERR && bad == 2);
    CHECK(strstr(wk_errmsg(), "NUL") != NULL);
}

TEST(encode_round_trips)
{
    int32_t cps[] = {0x41, 0xE9, 0x20AC, 0x1F600, 0x7FF, 0x800, 0xFFFF, 0x10000};
    for (size_t i = 0; i < sizeof cps / sizeof *cps; i++) {
        char buf[4];
        int len = wk_utf8_encode(buf, cps[i]);
        int32_t back;
        size_t bad;
        CHECK(wk_utf8_validate(&bad, buf, (size_t)len) == WK_OK);
        CHECK(wk_utf8_decode(&back, buf, (size_t)len) == 1);
        CHECK(back == cps[i]);
    }
    char buf[4];
    CHECK(wk_utf8_encode(buf, 0xD800) == 3);   /* surrogates become U+FFFD */
    CHECK((unsigned char)buf[0] == 0xEF);
}

// ---- vocabulary --------------------------------------------------------------------

TEST(vocab_sorted_with_counts)
{
    int32_t cps[] = {'b', 0x20AC, 'a', 'b', 0xE9, 0x20AC, 'b', 0xE9, 0xE9};
    size_t n = sizeof cps / sizeof *cps, nv = 0;
    int32_t vocab[16];
    int64_t counts[16];
    CHECK(wk_vocab_build(&nv, vocab, counts, cps, n) == WK_OK);
    CHECK(nv == 4);
    CHECK(vocab[0] == 'a' && vocab[1] == 'b' && vocab[2] == 0xE9 && vocab[3] == 0x20AC);
    CHECK(counts[0] == 1 && counts[1] == 3 && counts[2] == 3 && counts[3] == 2);
    CHECK(wk_vocab_find(vocab, nv, 0xE9) == 2);
    CHECK(wk_vocab_find(vocab, nv, 'z') == -1);
    int32_t text[] = {'a', 0x20AC, 'z', 0xE9};
    float ids[4];
    size_t unknown = 0;
    wk_vocab_encode(ids, &unknown, text, 4, vocab, nv, 2.0f);
    CHECK(ids[0] == 1 && ids[1] == 4 && ids[2] == 2 && ids[3] == 3);
    CHECK(unknown == 1);
}

// ---- R data ------------------------------------------------------------------------

static size_t put32(unsigned char *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (unsigned char)(u >> 24); p[1] = (unsigned char)(u >> 16);
    p[2] = (unsigned char)(u >> 8); p[3] = (unsigned char)u;
    return 4;
}

TEST(rdata_chunk_of_strings)
{
    /* c("Emma", NA, "caf\xe9" in Latin-1) serialised as XDR v3 */
    unsigned char xdr[256];
    size_t n = 0;
    xdr[n++] = 'X'; xdr[n++] = '\n';
    n += put32(xdr + n, 3); n += put32(xdr + n, 0x40200); n += put32(xdr + n, 0x30500);
    n += put32(xdr + n, 5); memcpy(xdr + n, "UTF-8", 5); n += 5;
    n += put32(xdr + n, 16); n += put32(xdr + n, 3);
    n += put32(xdr + n, 9 | (1 << 15)); n += put32(xdr + n, 4); memcpy(xdr + n, "Emma", 4); n += 4;
    n += put32(xdr + n, 9); n += put32(xdr + n, -1);
    n += put32(xdr + n, 9 | (1 << 14)); n += put32(xdr + n, 4); memcpy(xdr + n, "caf\xe9", 4); n += 4;
    unsigned char file[512];
    uLongf zlen = sizeof file - 4;
    CHECK(compress(file + 4, &zlen, xdr, n) == Z_OK);
    put32(file, (int32_t)n);
    unsigned char *out;
    size_t out_len, used;
    CHECK(wk_rdb_chunk(&out, &out_len, &used, file, 4 + zlen + 7) == WK_OK);   /* trailing bytes: next chunk */
    CHECK(out_len == n && used == 4 + zlen);
    char *text;
    size_t len;
    int64_t count;
    CHECK(wk_rxdr_strings(&text, &len, &count, out, out_len) == WK_OK);
    CHECK(count == 3);
    CHECK(strcmp(text, "Emma\n\ncaf\xC3\xA9\n") == 0);
    free(text);
    /* issue 10: a length the bytes cannot hold is refused before the loop (3 -> 2^31-1) */
    put32(out + 2 + 12 + 4 + 5 + 4, 0x7FFFFFFF);
    CHECK(wk_rxdr_strings(&text, &len, &count, out, out_len) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "claims 2147483647 strings") != NULL);
    put32(out + 2 + 12 + 4 + 5 + 4, 3);
    out[2 + 12 + 4 + 5 + 3] = 13;   /* the vector's type byte: no longer a STRSXP */
    CHECK(wk_rxdr_strings(&text, &len, &count, out, out_len) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "not a character vector") != NULL);
    free(out);
    CHECK(wk_rdb_chunk(&out, &out_len, &used, (const unsigned char *)"\0\0\0\x10garbage!", 11) == WK_ERR);
    /* issue 10: 4 GB claimed from 4 packed bytes is refused before allocating it */
    CHECK(wk_rdb_chunk(&out, &out_len, &used, (const unsigned char *)"\xff\xff\xff\xf0" "abcd", 8) == WK_ERR);
    CHECK(strstr(wk_errmsg(), "claims 4294967280 bytes") != NULL);
}

// ---- sampler -----------------------------------------------------------------------

static float sig(float x) { return 1.0f / (1.0f + expf(-x)); }

static void fill(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = wk_rng_uniform() - 0.5f;
}

/* One reference step of a 1-layer cell on input x (E), state h, c (H). */
static void ref_step(wk_cell cell, int E, int H, const float *x, float *h, float *c, const float *w_ih,
                     const float *w_hh, const float *b_ih, const float *b_hh)
{
    int G = cell == WK_CELL_LSTM ? 4 : 3;
    float gi[64], gh[64];
    for (int r = 0; r < G * H; r++) {
        gi[r] = b_ih[r];
        gh[r] = b_hh[r];
        for (int k = 0; k < E; k++) gi[r] += w_ih[r * E + k] * x[k];
        for (int k = 0; k < H; k++) gh[r] += w_hh[r * H + k] * h[k];
    }
    for (int k = 0; k < H; k++) {
        if (cell == WK_CELL_LSTM) {
            float i = sig(gi[k] + gh[k]), f = sig(gi[H + k] + gh[H + k]);
            float g = tanhf(gi[2 * H + k] + gh[2 * H + k]), o = sig(gi[3 * H + k] + gh[3 * H + k]);
            c[k] = f * c[k] + i * g;
            h[k] = o * tanhf(c[k]);
        } else {
            float r = sig(gi[k] + gh[k]), z = sig(gi[H + k] + gh[H + k]);
            float nn = tanhf(gi[2 * H + k] + r * gh[2 * H + k]);
            h[k] = (1 - z) * nn + z * h[k];
        }
    }
}

static void check_cell(wk_cell cell)
{
    enum { V = 5, E = 3, H = 4, L = 2 };
    int G = cell == WK_CELL_LSTM ? 4 : 3;
    wk_rng_seed(3);
    float emb[V * E], w_ih0[4 * H * E], w_ih1[4 * H * H], w_hh0[4 * H * H], w_hh1[4 * H * H];
    float b_ih0[4 * H], b_ih1[4 * H], b_hh0[4 * H], b_hh1[4 * H], w_out[V * H], b_out[V];
    fill(emb, sizeof emb / 4); fill(w_ih0, sizeof w_ih0 / 4); fill(w_ih1, sizeof w_ih1 / 4);
    fill(w_hh0, sizeof w_hh0 / 4); fill(w_hh1, sizeof w_hh1 / 4); fill(b_ih0, 4 * H); fill(b_ih1, 4 * H);
    fill(b_hh0, 4 * H); fill(b_hh1, 4 * H); fill(w_out, V * H); fill(b_out, V);
    const float *wi[L] = {w_ih0, w_ih1}, *wh[L] = {w_hh0, w_hh1}, *bi[L] = {b_ih0, b_ih1}, *bh[L] = {b_hh0, b_hh1};
    wk_charrnn_weights w = {cell, L, V, E, H, emb, wi, wh, bi, bh, w_out, b_out};
    wk_charrnn *s;
    CHECK(wk_charrnn_new(&s, &w) == WK_OK);
    float h[L][H] = {{0}}, c[L][H] = {{0}};
    int seq[] = {2, 0, 4, 4, 1};
    double maxdiff = 0;
    for (int t = 0; t < 5; t++) {
        CHECK(wk_charrnn_feed(s, seq[t]) == WK_OK);
        ref_step(cell, E, H, emb + seq[t] * E, h[0], c[0], w_ih0, w_hh0, b_ih0, b_hh0);
        ref_step(cell, H, H, h[0], h[1], c[1], w_ih1, w_hh1, b_ih1, b_hh1);
        const float *z = wk_charrnn_logits(s);
        for (int v = 0; v < V; v++) {
            float ref = b_out[v];
            for (int k = 0; k < H; k++) ref += w_out[v * H + k] * h[1][k];
            maxdiff = fmax(maxdiff, fabs(ref - z[v]));
        }
    }
    printf("  %s sampler vs reference: max |diff| %.2g\n", cell == WK_CELL_LSTM ? "lstm" : "gru", maxdiff);
    CHECK(maxdiff < 1e-5);
    (void)G;
    /* temperature 0 is the argmax; top_k = 1 too, whatever the temperature */
    const float *z = wk_charrnn_logits(s);
    int best = 0;
    for (int v = 1; v < V; v++) if (z[v] > z[best]) best = v;
    CHECK(wk_charrnn_draw(s, 0.0f, 0, 1.0f) == best);
    CHECK(wk_charrnn_draw(s, 1.0f, 1, 1.0f) == best);
    CHECK(wk_charrnn_draw(s, 1.0f, 0, 1e-6f) == best);
    /* the same seed draws the same ids */
    int a[20], b[20];
    wk_rng_seed(9);
    for (int i = 0; i < 20; i++) a[i] = wk_charrnn_draw(s, 1.0f, 0, 1.0f);
    wk_rng_seed(9);
    for (int i = 0; i < 20; i++) b[i] = wk_charrnn_draw(s, 1.0f, 0, 1.0f);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(wk_charrnn_feed(s, V) == WK_ERR);
    wk_charrnn_reset(s);
    CHECK(wk_charrnn_logits(s)[0] == 0.0f);
    wk_charrnn_free(s);
}

TEST(sampler_lstm_matches_reference) { check_cell(WK_CELL_LSTM); }
TEST(sampler_gru_matches_reference) { check_cell(WK_CELL_GRU); }

int main(void)
{
    RUN(validate_accepts_multibyte);
    RUN(validate_rejects_bad_bytes);
    RUN(encode_round_trips);
    RUN(vocab_sorted_with_counts);
    RUN(rdata_chunk_of_strings);
    RUN(sampler_lstm_matches_reference);
    RUN(sampler_gru_matches_reference);
    return check_summary("text");
}
