/* wordvec_target.h — the body of the three word-vector targets (fuzz_wordvec_text.c,
 * _binary.c, _glove.c), which differ in the format they ask wk_wordvec_load for
 * (lib/embed/vectors.c). One input in four is read with WK_WV_AUTO instead, and odd-sized
 * ones with a limit of 3 words, so format sniffing and the limit get fuzzed too. */
#include <string.h>

#include "fuzz.h"
#include "../../lib/embed/word2vec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wk_wordvec v;
    wk_wordvec_format fmt = size % 4 == 0 ? WK_WV_AUTO : WV_FORMAT;
    int64_t limit = size % 2 ? 3 : 0;
    if (wk_wordvec_load(&v, wk_fuzz_file(data, size), fmt, limit) == WK_OK) {
        /* every word and row readable, and the first word found again */
        float s = 0;
        for (int64_t i = 0; i < v.n; i++) {
            s += (float)strlen(v.words[i]) + v.inv_norm[i];
            for (int64_t d = 0; d < v.dim; d++) s += wk_wordvec_row(&v, i)[d];
        }
        volatile float sink = s;
        (void)sink;
        if (v.n > 0 && wk_wordvec_find(&v, v.words[0]) < 0) abort();
        wk_wordvec_free(&v);
    }
    return 0;
}
