/* tokenize.c — the word tokenizer (tokenize.h): one pass over bytes, no allocation.
 * The caller owns the buffer a token is copied into, so the text may be a Lua string,
 * a memory-mapped file or a slice of either. */
#include "tokenize.h"

void wk_tokenizer_init(wk_tokenizer *t, const char *text, size_t len, int lower)
{
    t->text = text;
    t->len = len;
    t->pos = 0;
    t->lower = lower;
    t->newline = 0;
}

size_t wk_tokenizer_next(wk_tokenizer *t, char *buf)
{
    const unsigned char *s = (const unsigned char *)t->text;
    size_t i = t->pos, n = t->len, tl = 0;
    int too_long = 0;
    t->newline = 0;
    for (; i < n; i++) {
        unsigned char ch = s[i];
        int upper = ch >= 'A' && ch <= 'Z';
        if (upper || (ch >= 'a' && ch <= 'z')) {
            if (upper && t->lower) ch += 32;
            if (tl < WK_TOKEN_MAX) buf[tl++] = (char)ch;
            else too_long = 1;
            continue;
        }
        if (ch == '\'') continue;   /* deleted, not a separator */
        if (tl) {
            if (!too_long) break;   /* s[i] is read again by the next call */
            tl = 0;                 /* a run too long to be a word: skipped whole */
            too_long = 0;
        }
        if (ch == '\n') t->newline = 1;
    }
    if (too_long) tl = 0;
    t->pos = i;
    buf[tl] = 0;
    return tl;
}
