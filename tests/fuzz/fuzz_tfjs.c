/* fuzz_tfjs.c — libFuzzer target for the TensorFlow.js layers-model reader (lib/nn/tfjs.c).
 * An input is model.json's text, a NUL byte, then the weight bytes: the manifest's first
 * shard path reads them all, any later one reads nothing (so sizes that disagree, shapes
 * that lie and broken JSON all get tried).
 * A model either loads — every weight readable, every layer's inputs earlier layers — or
 * fails with WK_ERR, with nothing leaked. */
#include <string.h>

#include "fuzz.h"
#include "../../lib/nn/tfjs.h"

typedef struct shard_bytes {
    const uint8_t *data;
    size_t size;
    int reads;
} shard_bytes;

static int read_shard(void *ctx, const char *path, char **data, int64_t *len)
{
    shard_bytes *s = ctx;
    size_t n = s->reads++ ? 0 : s->size;
    (void)path;
    *data = malloc(n ? n : 1);
    if (!*data) return wk_fail("out of memory");
    if (n) memcpy(*data, s->data, n);
    *len = (int64_t)n;
    return WK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t json_len = nul ? (size_t)(nul - data) : size;
    shard_bytes shard = {nul ? nul + 1 : data + size, nul ? size - json_len - 1 : 0, 0};
    wk_tfjs_model m;
    if (wk_tfjs_parse("fuzz", (const char *)data, (int64_t)json_len, read_shard, &shard, &m) == WK_OK) {
        for (int i = 0; i < m.n_layers; i++) {
            const wk_tfjs_layer *l = &m.layers[i];
            for (int k = 0; k < l->n_inputs; k++)
                if (l->inputs[k] < 0 || l->inputs[k] >= i) abort();   /* inputs come first */
            wk_fuzz_touch(&l->weight);
            wk_fuzz_touch(&l->bias);
        }
        for (int k = 0; k < m.n_outputs; k++)
            if (m.outputs[k] < 0 || m.outputs[k] >= m.n_layers) abort();
        wk_tfjs_free(&m);
    }
    return 0;
}
