"""bench_audio_scipy.py — the peer side of bench_audio.sh: the same 60 s of stereo
44.1 kHz tones resampled to 16 kHz by SciPy's polyphase resampler
(scipy.signal.resample_poly, Kaiser window: what librosa uses for res_type="polyphase"),
float32 in as wick's; best of 3 seconds and the error against the ideal result over one
second from the middle, in dB below the signal."""
import time

import numpy as np
from scipy.signal import resample_poly

SECONDS, FROM, TO = 60, 44100, 16000


def second(rate, freqs):
    i = np.arange(rate)
    s = sum(0.3 * np.sin(2 * np.pi * ((f * i) % rate) / rate) for f in freqs)
    return np.stack([s, s]).astype(np.float32)


x = np.tile(second(FROM, [440, 3000, 9000]), (1, SECONDS))
ideal = second(TO, [440, 3000]).astype(np.float64)
best = float("inf")
for _ in range(3):
    t0 = time.perf_counter()
    y = resample_poly(x, 160, 441, axis=1)
    best = min(best, time.perf_counter() - t0)
mid = y[:, 30 * TO:31 * TO].astype(np.float64)
err = np.mean((mid - ideal) ** 2) / np.mean(ideal ** 2)
print("scipy resample_poly s=%.3f err_db=%.1f" % (best, 10 * np.log10(err)), end="")
