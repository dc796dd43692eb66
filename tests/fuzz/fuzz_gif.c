/* fuzz_gif.c — libFuzzer target for the animated GIF reader (lib/media/gif.c through
 * wk_video_open_memory): any bytes starting "GIF" give frames composed on the canvas or
 * WK_ERR, never a crash, a leak or a huge allocation. Other bytes are left to
 * fuzz_video (they would go to FFmpeg). */
#include <string.h>

#include "video_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6 || memcmp(data, "GIF", 3) != 0) return 0;
    wk_fuzz_video(data, size, "fuzz.gif");
    return 0;
}
