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
# distance on its features; see bench_dcgan_torch.py). QUALITY=0 skips it. SEEDS=n (1)
# trains each side n times, from seeds 1..n, one after another, all scored by the same
# classifier, then prints the means: one seed's Frechet distance moves by tens of percent.
# Each step figure is ROUNDS (3) alternating runs of wick and torch, one line each, then
# the median of the rounds' ratios: on a shared VM either side's speed drifts by tens of
# percent between runs, and alternating gives both sides the same drift.
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
STEPS=${STEPS:-40}
WARM=${WARM:-5}
STEPS64=${STEPS64:-6}
EPOCHS=${EPOCHS:-1}
QUALITY=${QUALITY:-1}
SEEDS=${SEEDS:-1}
PY=/usr/bin/python3
rate() { echo "$1" | sed 's/.*steps\/s=\([0-9.]*\).*/\1/'; }
cpu() { echo "$1" | sed 's/.*cpu_s=\([0-9.]*\).*/\1/'; }
ratio() { echo "$(rate "$1") $(rate "$2")" | awk '{printf "%.2f", $1/$2}'; }
cpu_ratio() { echo "$(cpu "$2") $(cpu "$1")" | awk '{printf "%.2f", $1/$2}'; }
ROUNDS=${ROUNDS:-3}
median() { sort -n | awk '{v[NR] = $1} END {printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# step NAME STEPS WARM: ROUNDS alternating runs at 1 and at 2 threads, then the medians
step() {
    for t in 1 2; do
        ratios=""
        for r in $(seq "$ROUNDS"); do
            w=$(WICK_THREADS=$t "$WICK" tests/bench/bench_dcgan.lua "$1" "$2" "$3")
            p=$(OMP_NUM_THREADS=$t $PY tests/bench/bench_dcgan_torch.py "$1" "$t" "$2" "$3")
            echo "$1 threads=$t round $r | $w | $p | ratio wick/torch $(ratio "$w" "$p") (by CPU time $(cpu_ratio "$w" "$p"))"
            ratios="$ratios $(ratio "$w" "$p")"
        done
        echo "$1 threads=$t: median ratio wick/torch over $ROUNDS rounds $(printf "%s\n" $ratios | median)"
    done
}
step step28 "$STEPS" "$WARM"
step step64 "$STEPS64" 2
if [ "$QUALITY" != 0 ]; then
    # the two trainings side by side, one thread each (the figure does not depend on the
    # thread count, and on a shared machine a 2-thread OpenMP torch can crawl); the torch
    # script waits for wick's samples before scoring them
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    files=""
    for s in $(seq "$SEEDS"); do files="$files $tmp/wick_samples_$s.safetensors"; done
    (   # a sample file appears when its run is done: the torch script waits for it
        for s in $(seq "$SEEDS"); do
            WICK_THREADS=1 "$WICK" tests/bench/bench_dcgan.lua train "$EPOCHS" "$tmp/part_$s.safetensors" "$s" \
                >> "$tmp/wick.txt" && mv "$tmp/part_$s.safetensors" "$tmp/wick_samples_$s.safetensors"
        done
    ) &
    # shellcheck disable=SC2086
    OMP_NUM_THREADS=1 $PY tests/bench/bench_dcgan_torch.py quality 1 "$EPOCHS" $files
    wait
    cat "$tmp/wick.txt"
fi
echo "load average at the end: $(cut -d" " -f1-3 /proc/loadavg)"
