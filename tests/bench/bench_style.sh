#!/bin/sh
# bench_style.sh — Gatys style transfer at 512² on InceptionV3 features (content mixed3;
# Gram losses on activation_3, activation_5, mixed0, mixed2, mixed4; total variation),
# 100 L-BFGS iterations: wick (nn.load_tfjs, `make data`) against PyTorch 1.13 with
# torchvision's inception_v3 and torch.optim.LBFGS, in the same run, at 1 and 2 threads.
# Prints seconds, peak memory, the loss before and after (each side on its own weights),
# and the ratio torch/wick (above 1: wick is faster). SIZE and ITERS override 512 and 100.
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
SIZE=${SIZE:-512}
ITERS=${ITERS:-100}
secs() { echo "$1" | sed 's/.* s=\([0-9.]*\).*/\1/'; }
for t in 1 2; do
    w=$(WICK_THREADS=$t "$WICK" tests/bench/bench_style.lua "$SIZE" "$ITERS")
    p=$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/bench_style_torch.py "$t" "$SIZE" "$ITERS")
    echo "style threads=$t | $w | $p | ratio torch/wick $(echo "$(secs "$p") $(secs "$w")" | awk '{printf "%.2f", $1/$2}')"
done
