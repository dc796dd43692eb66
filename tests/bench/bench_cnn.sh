#!/bin/sh
# bench_cnn.sh — training speed of the reference CNN (conv 1→32, conv 32→64, linear
# 1600→128→10; Adam 1e-3; batch 64) on Fashion-MNIST: wick against PyTorch 1.13 in the
# same run at 1 and 2 threads, interleaved. Prints images/s and the ratio wick/torch.
# STEPS=300 by default; EPOCH=1 trains a full epoch each and compares test accuracy.
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
STEPS=${STEPS:-300}
extra=""; [ "${EPOCH:-0}" = 1 ] && extra="--epoch"
for t in 1 2; do
    for round in 1 2; do
        w=$(WICK_THREADS=$t "$WICK" tests/bench/bench_cnn.lua "$STEPS" $extra)
        p=$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/bench_cnn_torch.py "$t" "$STEPS" $extra)
        wr=$(echo "$w" | sed 's/.*images\/s=\([0-9.]*\).*/\1/')
        pr=$(echo "$p" | sed 's/.*images\/s=\([0-9.]*\).*/\1/')
        echo "cnn threads=$t round=$round | $w | $p | ratio wick/torch $(echo "$wr $pr" | awk '{printf "%.2f", $1/$2}')"
    done
done
