/* video_target.h — what fuzz_gif.c and fuzz_video.c share: the bytes go through
 * wk_video_open_memory (lib/media/video.c, the custom read/seek source a file would
 * use) and every frame is read and touched. The memory limit is 64M here, below
 * fuzz.h's default, so that the readers' memory checks (canvas, decoder frames) refuse
 * what a real machine would at sizes that also decode quickly under ASan. Reading stops after FUZZ_MAX_FRAMES frames or
 * FUZZ_MAX_PIXELS pixels in all: every frame is a whole canvas (a 100-byte GIF may
 * declare a 10-megapixel canvas and then many one-pixel frames), and converting and
 * touching those under ASan would take the timeout without telling anything new. */
#ifndef WK_FUZZ_VIDEO_TARGET_H
#define WK_FUZZ_VIDEO_TARGET_H

#define WK_FUZZ_MEMORY_LIMIT "64M"
#include "../../lib/media/video.h"
#include "fuzz.h"

#define FUZZ_MAX_FRAMES 64
#define FUZZ_MAX_PIXELS ((int64_t)1 << 22)

static void wk_fuzz_video(const uint8_t *data, size_t size, const char *name)
{
    wk_video_reader *r;
    if (wk_video_open_memory(&r, data, size, name)) return;
    const wk_video_info *in = wk_video_reader_info(r);
    int64_t budget = FUZZ_MAX_PIXELS;
    for (int k = 0; k < FUZZ_MAX_FRAMES && budget > 0; k++, budget -= in->width * in->height) {
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
