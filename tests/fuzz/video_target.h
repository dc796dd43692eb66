/* video_target.h — what fuzz_gif.c and fuzz_video.c share: the bytes go through
 * wk_video_open_memory (lib/media/video.c, the custom read/seek source a file would
 * use) and every frame is read and touched. WICK_MEMORY_LIMIT is lowered so that the
 * readers' memory checks (canvas, decoder frames) refuse what a real machine would,
 * at sizes under libFuzzer's malloc limit; frames are capped so a long valid stream
 * costs milliseconds, not the timeout. */
#ifndef WK_FUZZ_VIDEO_TARGET_H
#define WK_FUZZ_VIDEO_TARGET_H

#include "../../lib/media/video.h"
#include "fuzz.h"

#define FUZZ_MAX_FRAMES 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("WICK_MEMORY_LIMIT", "256M", 1);
    return 0;
}

static void wk_fuzz_video(const uint8_t *data, size_t size, const char *name)
{
    wk_video_reader *r;
    if (wk_video_open_memory(&r, data, size, name)) return;
    const wk_video_info *in = wk_video_reader_info(r);
    for (int k = 0; k < FUZZ_MAX_FRAMES; k++) {
        wk_tensor t = {0};
        int rc = wk_video_read(r, &t);
        if (rc == 1) {
            if (t.ndim != 3 || t.shape[0] != 3 || t.shape[1] != in->height || t.shape[2] != in->width) abort();
            wk_fuzz_touch(&t);
        }
        wk_tensor_release(&t);
        if (rc != 1) break;
    }
    wk_video_close(r);
}

#endif
