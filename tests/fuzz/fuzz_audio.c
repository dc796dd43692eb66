/* fuzz_audio.c — libFuzzer target for the sound loader (lib/audio/sound.c,
 * wk_sound_load_memory: libsndfile's virtual I/O, the truncation check and the decode
 * loop that sketches' wick.audio.load runs): any bytes give a C×N tensor or WK_ERR,
 * never a crash, a leak or a huge allocation. Decoding stops at 2^20 frames, as a
 * sketch's max_seconds would, so a tiny FLAC of a long silence is not a finding.
 * Seeds (corpus/audio, not from make_seeds.py): a few hundred frames each as WAV (PCM
 * 16/24, float, mu-law, IMA ADPCM), FLAC (16/24), AIFF (8/16) and OGG Vorbis, written
 * by wick.audio.save and, for the formats it does not write, by libsndfile's sf_open. */
#include "fuzz.h"
#include "../../lib/audio/sound.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wk_tensor t = {0};
    int rate = 0;
    wk_sound_load_opts o = {.max_frames = (int64_t)1 << 20};
    if (wk_sound_load_memory(&t, &rate, data, size, "fuzz.wav", &o) == WK_OK) {
        if (t.ndim != 2 || t.shape[0] < 1 || t.shape[1] < 1 || rate < 1) abort();
        wk_fuzz_touch(&t);
    }
    wk_tensor_release(&t);
    return 0;
}
