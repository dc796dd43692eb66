/* tokenize.h — the one word tokenizer of wick: word2vec's corpus scan, LDA's documents
 * and wick.text.tokenize all read text through it, so "a word" means the same thing in
 * every model.
 *
 * A token is a maximal run of ASCII letters; apostrophes are deleted inside and around
 * it ("don't" -> "dont", "whale's" -> "whales"); every other byte — digits, punctuation,
 * spaces, non-ASCII bytes — separates tokens. With lower set, letters are lowercased
 * (the normalisation of the peers' make_corpus.py, so a corpus it wrote tokenises to
 * exactly its words). Tokens longer than WK_TOKEN_MAX bytes are skipped whole. */
#ifndef WK_TEXT_TOKENIZE_H
#define WK_TEXT_TOKENIZE_H

#include <stddef.h>

#define WK_TOKEN_MAX 100   /* bytes per token, without the NUL */

typedef struct wk_tokenizer {
    const char *text;
    size_t len, pos;
    int lower;      /* lowercase ASCII letters */
    int newline;    /* set by wk_tokenizer_next: a '\n' lies between the previous token and this one */
} wk_tokenizer;

void wk_tokenizer_init(wk_tokenizer *t, const char *text, size_t len, int lower);

/* The next token into buf (WK_TOKEN_MAX + 1 bytes, NUL-terminated); returns its length,
 * or 0 at the end of the text (then t->newline tells whether a newline followed the
 * last token). */
size_t wk_tokenizer_next(wk_tokenizer *t, char *buf);

#endif
