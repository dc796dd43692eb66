/* fuzz_jpeg.c — libFuzzer target for the JPEG reader (lib/media/jpeg.c, wk_jpeg_read):
 * any bytes give a C×H×W tensor or WK_ERR, never a crash, a leak or a huge allocation. */
#include "fuzz.h"
#include "../../lib/media/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;              /* fmemopen refuses an empty buffer */
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f) return 0;
    wk_tensor t = {0};
    if (wk_jpeg_read(&t, f, "fuzz.jpg") == WK_OK) wk_fuzz_touch(&t);
    wk_tensor_release(&t);
    fclose(f);
    return 0;
}
