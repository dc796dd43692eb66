#!/bin/sh
# bench_flow.sh — dense optical flow: wick.image.flow against OpenCV's
# calcOpticalFlowFarneback (Debian python3-opencv, a benchmark-only dependency, not in
# DEB_PKGS) on the same pair of frames, at 512² and 1024², at 1 and 2 threads, with the
# same parameters (5 pyramid levels at 0.5, gaussian window 15, 3 iterations, poly_n 5,
# poly_sigma 1.1). The frames are a real photograph (aloeL.jpg, `make data`) and the
# same photograph moved by a known smooth non-rigid flow (bench_flow.py make), so each
# side gets a mean endpoint error (EPE, pixels) against the truth — the quality figure.
# Prints best-of-5 seconds, both EPEs and the ratio opencv/wick (above 1: wick is
# faster). SIZES overrides "512 1024".
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
secs() { echo "$1" | sed 's/.* s=\([0-9.]*\).*/\1/'; }
for size in ${SIZES:-512 1024}; do
    "$PY" tests/bench/bench_flow.py make "$tmp/$size" "$size"
    for t in 1 2; do
        w=$(WICK_THREADS=$t "$WICK" tests/bench/bench_flow.lua "$tmp/$size")
        p=$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 "$PY" tests/bench/bench_flow.py run "$tmp/$size" "$t")
        echo "flow ${size}² threads=$t | $w | $p | ratio opencv/wick $(echo "$(secs "$p") $(secs "$w")" | awk '{printf "%.2f", $1/$2}')"
    done
done
