#!/bin/sh
# bench_dcgan.sh — a DCGAN training step (issue 14's shared DCGAN-28 on Fashion-MNIST,
# `make data`; batch 64, Adam 2e-4 β (0.5, 0.999)) in wick against PyTorch 1.13 on the
# same model, batch and optimiser, in the same run, at 1 and 2 threads: steps/s over
# STEPS steps after WARM warm-up steps and the ratio wick/torch (above 1: wick is
# faster); cpu_s is each side's CPU seconds over the timed steps (at 1 thread, a figure
# less disturbed by other programs than the wall clock). Then a DCGAN-64 step line
# (random 64×64×3 batches), and the quality figure: each side trains EPOCHS epochs (1 by
# default), both at once on one thread each, and one classifier trained by the torch
# script scores 10,000 samples of each generator (confidence, class spread, Fréchet
# distance on its features; see bench_dcgan_torch.py). QUALITY=0 skips it.
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
STEPS=${STEPS:-40}
WARM=${WARM:-5}
STEPS64=${STEPS64:-6}
EPOCHS=${EPOCHS:-1}
QUALITY=${QUALITY:-1}
PY=/usr/bin/python3
rate() { echo "$1" | sed 's/.*steps\/s=\([0-9.]*\).*/\1/'; }
cpu() { echo "$1" | sed 's/.*cpu_s=\([0-9.]*\).*/\1/'; }
ratio() { echo "$(rate "$1") $(rate "$2")" | awk '{printf "%.2f", $1/$2}'; }
cpu_ratio() { echo "$(cpu "$2") $(cpu "$1")" | awk '{printf "%.2f", $1/$2}'; }
for t in 1 2; do
    w=$(WICK_THREADS=$t "$WICK" tests/bench/bench_dcgan.lua step28 "$STEPS" "$WARM")
    p=$(OMP_NUM_THREADS=$t $PY tests/bench/bench_dcgan_torch.py step28 "$t" "$STEPS" "$WARM")
    echo "dcgan28 threads=$t | $w | $p | ratio wick/torch $(ratio "$w" "$p") (by CPU time $(cpu_ratio "$w" "$p"))"
done
for t in 1 2; do
    w=$(WICK_THREADS=$t "$WICK" tests/bench/bench_dcgan.lua step64 "$STEPS64" 2)
    p=$(OMP_NUM_THREADS=$t $PY tests/bench/bench_dcgan_torch.py step64 "$t" "$STEPS64" 2)
    echo "dcgan64 threads=$t | $w | $p | ratio wick/torch $(ratio "$w" "$p") (by CPU time $(cpu_ratio "$w" "$p"))"
done
if [ "$QUALITY" != 0 ]; then
    # the two trainings side by side, one thread each (the figure does not depend on the
    # thread count, and on a shared machine a 2-thread OpenMP torch can crawl); the torch
    # script waits for wick's samples before scoring them
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    WICK_THREADS=1 "$WICK" tests/bench/bench_dcgan.lua train "$EPOCHS" "$tmp/wick_samples.safetensors" \
        > "$tmp/wick.txt" &
    OMP_NUM_THREADS=1 $PY tests/bench/bench_dcgan_torch.py quality 1 "$EPOCHS" "$tmp/wick_samples.safetensors"
    wait
    cat "$tmp/wick.txt"
fi
echo "load average at the end: $(cut -d" " -f1-3 /proc/loadavg)"
