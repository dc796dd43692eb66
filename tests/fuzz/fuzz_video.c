/* fuzz_video.c — libFuzzer target for wick's video reading (lib/media/video.c and av.c
 * over FFmpeg's demuxers and decoders, and gif.c): any bytes give 3×H×W frames or
 * WK_ERR, never a crash in wick's code, a leak or a huge allocation. FFmpeg itself is
 * not instrumented; a crash inside it still shows as a deadly signal. */
#include "video_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wk_fuzz_video(data, size, "fuzz.video");
    return 0;
}
