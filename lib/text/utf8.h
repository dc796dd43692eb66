/* utf8.h — UTF-8 checking, decoding and encoding, and the code-point vocabulary that
 * char-rnn reads text through.
 *
 * A corpus is a byte string that must be valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) and must not hold NUL bytes (a NUL almost always
 * means a binary file was passed by mistake). Text is then decoded to code points, so
 * a multi-byte character is one symbol and a stray byte can never split one.
 *
 * A vocabulary is a sorted array of distinct code points; id k (0-based here, 1-based
 * in Lua) is vocab[k]. Encoding looks each code point up by binary search. */
#ifndef WK_TEXT_UTF8_H
#define WK_TEXT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* WK_OK when s[0..n) is valid UTF-8 without NUL bytes; else WK_ERR with the reason
 * ("invalid UTF-8 byte 0xff at offset 123", "NUL byte at offset 7 (binary data?)")
 * and the offending byte offset in *bad. */
int wk_utf8_validate(size_t *bad, const char *s, size_t n);

/* Length of the longest valid UTF-8 prefix of s[0..n): n when all of it is valid. NUL
 * bytes count as valid here (wk_utf8_validate refuses them). The one UTF-8 check of lib:
 * safetensors headers and names and the text cairo draws use it too. */
size_t wk_utf8_valid_prefix(const char *s, size_t n);

/* Code points of valid UTF-8 s[0..n) into out (room for n entries always suffices);
 * returns how many. Invalid sequences decode as U+FFFD, one byte at a time. */
size_t wk_utf8_decode(int32_t *out, const char *s, size_t n);

/* Bytes of cp (1..4) written to out (room for 4); an invalid cp writes U+FFFD. */
int wk_utf8_encode(char *out, int32_t cp);

/* Distinct code points of cps[0..n) in increasing order into vocab (room for n) and,
 * when counts is not NULL, how often each occurs; the vocabulary size into *nv. */
int wk_vocab_build(size_t *nv, int32_t *vocab, int64_t *counts, const int32_t *cps, size_t n);

/* Index of cp in the sorted vocab[0..nv), or -1. */
int64_t wk_vocab_find(const int32_t *vocab, size_t nv, int32_t cp);

/* ids[i] = 1-based id of cps[i] in vocab (a float, as wick's tensors hold ids); a code
 * point not in the vocabulary gets fallback (1-based) and is counted in *unknown. */
void wk_vocab_encode(float *ids, size_t *unknown, const int32_t *cps, size_t n,
                     const int32_t *vocab, size_t nv, float fallback);

#endif
