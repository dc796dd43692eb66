/* fuzz_safetensors.c — libFuzzer target for wk_safetensors_read (lib/store): any file
 * gives float32 tensors whose shapes match their data, or WK_ERR with nothing leaked. */
#include "fuzz.h"
#include "../../lib/store/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wk_safetensors st;
    if (wk_safetensors_read(wk_fuzz_file(data, size), &st) == WK_OK) {
        for (int i = 0; i < st.count; i++) wk_fuzz_touch(&st.tensors[i]);
        for (int i = 0; i < st.meta_count; i++) (void)wk_safetensors_meta(&st, st.meta_keys[i]);
        wk_safetensors_free(&st);
    }
    return 0;
}
