#!/bin/sh
# bench_autoencoder.sh — training of the autoencoder sketch's bottleneck autoencoder
# (784 → 256 → 64 → 2 → 64 → 256 → 784, ReLU, BCE on logits; Adam 1e-3; batch 128;
# shuffled) on MNIST (`make data`): wick against PyTorch 1.13 on the same model, batch and
# optimiser, in the same run, at 1 and 2 threads. Prints the seconds for EPOCHS epochs
# (2 by default), images/s, the test BCE per pixel after them (the quality figure: each
# side from its own random start) and the ratio wick/torch in images/s (above 1: wick
# is faster).
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
EPOCHS=${EPOCHS:-2}
rate() { echo "$1" | sed 's/.*images\/s=\([0-9.]*\).*/\1/'; }
for t in 1 2; do
    w=$(WICK_THREADS=$t "$WICK" tests/bench/bench_autoencoder.lua "$EPOCHS")
    p=$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/bench_autoencoder_torch.py "$t" "$EPOCHS")
    echo "autoencoder threads=$t | $w | $p | ratio wick/torch $(echo "$(rate "$w") $(rate "$p")" | awk '{printf "%.2f", $1/$2}')"
done
