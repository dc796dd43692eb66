#!/bin/sh
# bench_audio.sh — resampling: wick.audio.resample
# against SciPy's resample_poly (Debian python3-scipy, a benchmark-only dependency, not in
# DEB_PKGS) on 60 s of stereo 44.1 kHz tones to 16 kHz with each of wick's qualities (the
# libsamplerate converters and its own polyphase "poly"), at 1 and 2 threads (wick converts
# the two channels on two threads; SciPy uses one). The quality figure is each side's
# error against the ideal 16 kHz signal, in dB (lower is better; the 9 kHz tone must be
# removed, not folded to 7 kHz). Prints best-of-3 seconds and the ratio scipy/wick
# (above 1: wick is faster).
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
PY=/usr/bin/python3
secs() { echo "$1" | sed 's/.* s=\([0-9.]*\).*/\1/'; }
for t in 1 2; do
    p=$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 "$PY" tests/bench/bench_audio_scipy.py)
    for q in best medium fast poly; do
        w=$(WICK_THREADS=$t "$WICK" tests/bench/bench_audio.lua $q)
        echo "resample 60 s stereo 44.1k->16k threads=$t | $w | $p | ratio scipy/wick $(echo "$(secs "$p") $(secs "$w")" | awk '{printf "%.2f", $1/$2}')"
    done
done
