#!/bin/sh
# bench_autoencoder.sh — training of the autoencoder sketch's bottleneck autoencoder
# (784 → 256 → 64 → 2 → 64 → 256 → 784, ReLU, BCE on logits; Adam 1e-3; batch 128;
# shuffled) on MNIST (`make data`): wick against PyTorch 1.13 on the same model, batch and
# optimiser, in the same run, at 1 and 2 threads. Prints the seconds for EPOCHS epochs
# (2 by default), images/s, the test BCE per pixel after them (the quality figure: each
# side from its own random start) and the ratio wick/torch in images/s (above 1: wick
# is faster). ROUNDS (3) alternating runs of each side per thread count, one line each,
# then the median of the rounds' ratios (speeds on a shared VM drift between runs).
# wick flushes subnormal numbers to zero (lib/core/cpu.h); PyTorch by default does not,
# and this training's later epochs slow down by up to half from them. So each round also
# runs torch with torch.set_flush_denormal(True), and its ratio is printed beside.
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
EPOCHS=${EPOCHS:-2}
rate() { echo "$1" | sed 's/.*images\/s=\([0-9.]*\).*/\1/'; }
ROUNDS=${ROUNDS:-3}
median() { sort -n | awk '{v[NR] = $1} END {printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for t in 1 2; do
    ratios="" flushed=""
    for r in $(seq "$ROUNDS"); do
        w=$(WICK_THREADS=$t "$WICK" tests/bench/bench_autoencoder.lua "$EPOCHS")
        p=$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/bench_autoencoder_torch.py "$t" "$EPOCHS")
        f=$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/bench_autoencoder_torch.py "$t" "$EPOCHS" flush)
        q=$(echo "$(rate "$w") $(rate "$p")" | awk '{printf "%.2f", $1/$2}')
        qf=$(echo "$(rate "$w") $(rate "$f")" | awk '{printf "%.2f", $1/$2}')
        echo "autoencoder threads=$t round $r | $w | $p | $f | ratio wick/torch $q, wick/torch+flush $qf"
        ratios="$ratios $q" flushed="$flushed $qf"
    done
    echo "autoencoder threads=$t: median ratio over $ROUNDS rounds wick/torch $(printf "%s\n" $ratios | median), wick/torch+flush $(printf "%s\n" $flushed | median)"
done
