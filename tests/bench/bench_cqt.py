"""bench_cqt.py — the peers of bench_cqt.sh, its signal, and the float64 references.

  python3 bench_cqt.py make DIR SECONDS     writes DIR/signal.safetensors: SECONDS of mono
                                            sound at 22,050 Hz (seeded: notes of several
                                            harmonics gliding and decaying, plus noise)
  python3 bench_cqt.py run DIR THREADS      times torch.stft (+ the mel matrix product) and
                                            scipy.signal.stft on it, then scores them and
                                            DIR/wick.safetensors against float64 references

Quality is the max relative error max|a - ref| / max|ref| against a float64 evaluation of
each definition: the STFT frame by frame with numpy's float64 rfft; mel as the Slaney
filter bank (librosa's formula, written out below) times that power spectrogram, all in
float64; the CQT by its defining sum (spectral.h) in float64 on every 8th frame, which
is also timed and scaled to all frames as the "direct" figure (there is no Debian CQT).
torch runs with torch.set_num_threads(THREADS); scipy is single-threaded.
"""
import json
import struct
import sys
import time

import numpy as np

from peer_safetensors import write_safetensors

RATE, N_FFT, HOP, N_MELS = 22050, 2048, 512, 128
FMIN, N_BINS, BPO = 32.70319566257483, 84, 12
REPEATS = 5


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        out[k] = np.frombuffer(data[a:b], dtype="<f4").reshape(v["shape"])
    return out


def make(d, seconds):
    rng = np.random.default_rng(7)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    x = 0.01 * rng.standard_normal(n)
    for _ in range(int(seconds * 4)):   # four notes a second
        start, f0 = rng.uniform(0, seconds), 40 * 2 ** rng.uniform(0, 6.5)
        env = np.where(t >= start, np.exp(-(t - start) * rng.uniform(2, 8)), 0)
        for h in range(1, 5):
            if f0 * h < RATE / 2.2:
                x += env * (0.3 / h) * np.sin(2 * np.pi * f0 * h * (t - start) * (1 + 0.01 * (t - start)))
    write_safetensors(d + "/signal.safetensors", "signal", x / np.abs(x).max() * 0.9)


def hann(n):
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def stft64(x):
    """|X| in float64: centred frames, zero padding, periodic hann."""
    xp = np.pad(x.astype(np.float64), N_FFT // 2)
    T = 1 + len(x) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(xp, N_FFT)[::HOP][:T]
    return np.abs(np.fft.rfft(frames * hann(N_FFT), axis=1)).T


def hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    return np.where(f < 1000, f * 3 / 200, 15 + np.log(np.maximum(f, 1e-9) / 1000) / (np.log(6.4) / 27))


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    return np.where(m < 15, m * 200 / 3, 1000 * np.exp(np.log(6.4) / 27 * (m - 15)))


def mel_filters():
    """librosa.filters.mel(sr, n_fft, n_mels, htk=False, norm="slaney")."""
    fft = np.arange(N_FFT // 2 + 1) * RATE / N_FFT
    pts = mel_to_hz(np.linspace(hz_to_mel(0), hz_to_mel(RATE / 2), N_MELS + 2))
    lo, mid, hi = pts[:-2, None], pts[1:-1, None], pts[2:, None]
    w = np.maximum(0, np.minimum((fft - lo) / (mid - lo), (hi - fft) / (hi - mid)))
    return w * (2 / (hi - lo))


def cqt64(x, frames):
    """The defining sum of spectral.h in float64, for the given frame indices."""
    Q = 1 / (2 ** (1 / BPO) - 1)
    x = x.astype(np.float64)
    out = np.zeros((N_BINS, len(frames)), dtype=np.complex128)
    for k in range(N_BINS):
        f = FMIN * 2 ** (k / BPO)
        N = int(np.ceil(Q * RATE / f))
        half = N // 2
        n = np.arange(N)
        w = 0.5 - 0.5 * np.cos(2 * np.pi * n / N)
        kern = w * np.exp(-2j * np.pi * f * (n - half) / RATE) / w.sum()
        idx = frames[:, None] * HOP + n[None, :] - half
        seg = np.where((idx >= 0) & (idx < len(x)), x[np.clip(idx, 0, len(x) - 1)], 0)
        out[k] = seg @ kern
    return out


def rel(a, ref):
    return float(np.abs(np.asarray(a, dtype=np.float64) - ref).max() / np.abs(ref).max())


def best_of(fn):
    fn()
    best = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def run(d, threads):
    import scipy.signal
    import torch
    torch.set_num_threads(threads)
    x = read_safetensors(d + "/signal.safetensors")["signal"]
    xt = torch.from_numpy(x.copy())
    win = torch.hann_window(N_FFT)
    fb = torch.from_numpy(mel_filters().astype(np.float32))

    def t_stft():
        return torch.stft(xt, N_FFT, HOP, window=win, center=True, pad_mode="constant", return_complex=True).abs()

    def t_mel():
        s = torch.stft(xt, N_FFT, HOP, window=win, center=True, pad_mode="constant", return_complex=True).abs()
        return fb @ (s * s)

    def s_stft():
        # scipy scales by 1/sum(window); boundary zeros = centred frames with zero padding
        _, _, z = scipy.signal.stft(x, nperseg=N_FFT, noverlap=N_FFT - HOP, window="hann", boundary="zeros",
                                    padded=True)
        return np.abs(z) * hann(N_FFT).sum()

    ts, tst = best_of(t_stft)
    tm, tmt = best_of(t_mel)
    ss, sst = best_of(s_stft)
    ref = stft64(x)
    mref = mel_filters() @ (ref * ref)
    w = read_safetensors(d + "/wick.safetensors")
    T = ref.shape[1]
    frames = np.arange(0, T, 8)
    t0 = time.perf_counter()
    cref = cqt64(x, frames)
    direct = (time.perf_counter() - t0) * T / len(frames)
    # frames whose longest window crosses the signal's ends (there the downsampled CQT
    # differs most from the full-rate sum: see cqt.c)
    edge = int(np.ceil(1 / (2 ** (1 / BPO) - 1) * RATE / FMIN / 2 / HOP)) + 1
    inner = (frames >= edge) & (frames < T - edge)
    print(("peers threads=%d torch_stft=%.4f torch_mel=%.4f scipy_stft=%.4f direct_cqt=%.2f | max rel error vs "
           "float64: stft wick %.1e torch %.1e scipy %.1e; mel wick %.1e torch %.1e; cqt wick %.1e, away from the "
           "ends %.1e (%d frames)")
          % (threads, tst, tmt, sst, direct, rel(w["stft"], ref), rel(ts.numpy(), ref), rel(ss[:, :T], ref),
             rel(w["mel"], mref), rel(tm.numpy(), mref), rel(w["cqt"][:, frames], np.abs(cref)),
             rel(w["cqt"][:, frames[inner]], np.abs(cref[:, inner])), len(frames)))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], float(sys.argv[3]))
    else:
        run(sys.argv[2], int(sys.argv[3]))
