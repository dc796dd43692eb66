/* fuzz_idx.c — libFuzzer target for wk_idx_read (lib/data/idx.c), raw and gzipped IDX
 * files (MNIST images and labels): a tensor of the stated shape, or WK_ERR. */
#include "fuzz.h"
#include "../../lib/data/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wk_tensor t = {0};
    if (wk_idx_read(wk_fuzz_file(data, size), &t) == WK_OK) wk_fuzz_touch(&t);
    wk_tensor_release(&t);
    return 0;
}
