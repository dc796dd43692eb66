/* fuzz_rxdr.c — libFuzzer target for wk_rxdr_strings (lib/text/rdata.c) on raw bytes,
 * an R character vector in XDR serialisation without the zlib layer of fuzz_rdb, so the
 * fuzzer reaches the parser directly. */
#include "fuzz.h"
#include "../../lib/text/rdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;
    size_t len;
    int64_t count;
    if (wk_rxdr_strings(&text, &len, &count, data, size) == WK_OK) {
        if (text[len] != 0 || count < 0) abort();
        free(text);
    }
    return 0;
}
