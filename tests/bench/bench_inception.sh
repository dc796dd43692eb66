#!/bin/sh
# bench_inception.sh — InceptionV3 in wick (nn.load_tfjs on nsfwjs's Keras model, `make
# data`) against torchvision's inception_v3 in PyTorch 1.13, in the same run, at 1 and 2
# threads: forward at 299² for batch 1 and batch 16, and one Deep Dream step (forward to
# mixed4 and backward to the image) at 512²; then the peak memory of a Deep Dream step at
# 1024² (one process each). Prints ms (best of REPS), the ratio torch/wick (above 1: wick
# is faster), and beside it mixed5's distance from TensorFlow.js on real images (wick) and
# the loss (both).
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
REPS=${REPS:-5}
ms() { echo "$1" | sed 's/.* ms=\([0-9.]*\).*/\1/'; }
# Two rounds, the two programs interleaved: a virtual machine's neighbours come and go.
for t in 1 2; do
    for round in 1 2; do
        for job in "forward 1" "forward 16" "dream 512"; do
            set -- $job
            reps=$REPS; [ "$2" = 16 ] && reps=2
            w=$(WICK_THREADS=$t "$WICK" tests/bench/bench_inception.lua "$1" "$2" "$reps")
            p=$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/bench_inception_torch.py "$t" "$1" "$2" "$reps")
            echo "inception threads=$t round=$round $1 $2 | $w | $p | ratio torch/wick $(echo "$(ms "$p") $(ms "$w")" | awk '{printf "%.2f", $1/$2}')"
        done
    done
done
w=$(WICK_THREADS=2 "$WICK" tests/bench/bench_inception.lua dream 1024 1)
p=$(OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/bench_inception_torch.py 2 dream 1024 1)
echo "inception memory threads=2 dream 1024 | $w | $p"
