/* fuzz_wink_json.c — libFuzzer target for wk_wordvec_convert_wink_json (lib/embed/
 * vectors.c), which turns npm's wink-embeddings JSON into a word2vec binary file: the
 * JSON comes from a file, the output goes to a per-process temporary file, and when the
 * conversion succeeds the result must load back with wk_wordvec_load. */
#include <string.h>

#include "fuzz.h"
#include "../../lib/embed/word2vec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char out[64];
    if (!out[0]) snprintf(out, sizeof out, "/tmp/wick-fuzz-wink-%d.bin", (int)getpid());
    int64_t words = 0;
    if (wk_wordvec_convert_wink_json(wk_fuzz_file(data, size), out, &words) == WK_OK) {
        wk_wordvec v;
        if (wk_wordvec_load(&v, out, WK_WV_BINARY, 0) != WK_OK) abort();   /* we wrote it */
        if (v.n != words) abort();
        wk_wordvec_free(&v);
    }
    unlink(out);
    return 0;
}
