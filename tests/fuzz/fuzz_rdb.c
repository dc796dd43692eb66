/* fuzz_rdb.c — libFuzzer target for R's lazy-load database (lib/text/rdata.c) read as
 * wick.text's austen loader does (bindings/text/text.c): chunk after chunk, each inflated
 * with wk_rdb_chunk and parsed with wk_rxdr_strings. Chunks declaring more than 16 MB
 * are not passed on: wk_rdb_chunk allocates the declared size up front (pending in
 * crashes/pending), and hitting that on every other input would stall the fuzzer. */
#include "fuzz.h"
#include "../../lib/text/rdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t at = 0;
    while (at < size) {
        if (size - at >= 4 && (data[at] || data[at + 1] > 0)) break;   /* > 16 MB declared */
        unsigned char *chunk;
        size_t len, used, tlen;
        char *text;
        int64_t count;
        if (wk_rdb_chunk(&chunk, &len, &used, data + at, size - at) != WK_OK) break;
        if (used == 0 || used > size - at) abort();   /* must advance, within the input */
        int rc = wk_rxdr_strings(&text, &tlen, &count, chunk, len);
        free(chunk);
        if (rc != WK_OK) break;
        if (text[tlen] != 0) abort();
        free(text);
        at += used;
    }
    return 0;
}
