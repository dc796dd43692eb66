#!/bin/sh
# bench_cqt.sh — wick.audio's spectral kernels against the peers Debian has: the
# magnitude STFT against torch.stft and scipy.signal.stft, the mel spectrogram against
# torch.stft plus the Slaney mel matrix product (python3-torch, python3-scipy; benchmark
# only, not in DEB_PKGS), and the CQT, which no Debian package computes, against a
# float64 numpy evaluation of its defining sum (timed on every 8th frame and scaled).
# Same signal for all (SOUND_SECONDS of seeded notes and noise at 22,050 Hz, mono), n_fft 2048,
# hop 512, 128 mel bands, 84 CQT bins from C1; 1 and 2 threads. Prints best-of-5
# seconds, ratios peer/wick (above 1: wick is faster) and the max relative error of each
# result against the float64 reference. SOUND_SECONDS overrides 60.
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sec=${SOUND_SECONDS:-60}
"$PY" tests/bench/bench_cqt.py make "$tmp" "$sec"
val() { echo "$1" | sed "s/.* $2=\([0-9.e-]*\).*/\1/"; }
for t in 1 2; do
    w=$(WICK_THREADS=$t "$WICK" tests/bench/bench_cqt.lua "$tmp")
    p=$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 "$PY" tests/bench/bench_cqt.py run "$tmp" "$t")
    echo "spectral ${sec} s of sound, threads=$t | $w | $p"
    echo "$(val "$w" stft) $(val "$p" torch_stft) $(val "$p" scipy_stft) $(val "$w" mel) $(val "$p" torch_mel) $(val "$w" cqt) $(val "$p" direct_cqt) $sec" |
        awk '{printf "  ratios peer/wick: stft torch %.2f scipy %.2f; mel torch %.2f; cqt direct-float64 %.0f; wick cqt %.2f ms per second of sound\n", $2/$1, $3/$1, $5/$4, $7/$6, 1000*$6/$8}'
done
