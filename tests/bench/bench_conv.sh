#!/bin/sh
# bench_conv.sh — wick's conv2d forward+backward against PyTorch (Debian python3-torch,
# oneDNN on) on the same shapes in the same run, at 1 and 2 threads; prints ms per call
# (the fastest call over SECONDS of calls: the machine is shared, and the minimum is the
# least disturbed by other work) and the ratio torch ms / wick ms (> 1: wick is faster).
#
#   vgg64  1x64x224x224 -> 64, 3x3 pad 1, grads input+weight+bias  (target >= 0.8)
#   vgg3   1x3x224x224  -> 64, 3x3 pad 1, grads weight+bias        (target >= 0.8)
#   cnn1   64x1x28x28   -> 32, 3x3, grads weight+bias     (the small CNN's conv 1)
#   cnn2   64x32x13x13  -> 64, 3x3, grads input+weight+bias        (its conv 2)
#
# wick runs twice, as its two possible thread owners (see lib/nn/conv.c's top comment):
#   "wick/ob"  OpenBLAS's pthreads inside each GEMM (no OpenMP), openblas_set_num_threads(t)
#   "wick/omp" built with -fopenmp: OpenMP threads over chunks, OpenBLAS on 1 thread
# PyTorch runs with torch.set_num_threads(t) and OPENBLAS_NUM_THREADS=1 (the peers'
# best configuration, /work/shared/peers/RESULTS.md). The machine is shared and noisy:
# read the ratios of one run, and run it twice.
# Usage: tests/bench/bench_conv.sh [SECONDS] [case...]
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
SECONDS_PER=${1:-3}
[ $# -gt 0 ] && shift
CASES=${*:-vgg64 vgg3 cnn1 cnn2}
PY=/usr/bin/python3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

SRC="lib/nn/conv.c lib/core/error.c lib/core/rng.c lib/core/workspace.c lib/tensor/tensor.c tests/bench/bench_conv.c"
FLAGS="-std=c11 -D_GNU_SOURCE -O2 -march=native"
BLAS=$(pkg-config --cflags --libs openblas)
cc $FLAGS -o "$tmp/wick_ob" $SRC $BLAS -lm -lpthread
cc $FLAGS -fopenmp -o "$tmp/wick_omp" $SRC $BLAS -lm -lpthread

if ! $PY -c 'import torch' 2>/dev/null; then
    echo "bench_conv: PyTorch missing (apt-get install -y python3-torch); wick only"
    PY=""
fi

ms() { awk '{print $6}'; }   # "case NAME ms MEDIAN min MIN ..." -> MIN

printf '%-6s %-3s %10s %10s %10s %9s %9s\n' case thr torch_ms wick/ob wick/omp ratio/ob ratio/omp
for t in 1 2; do
    for c in $CASES; do
        tt=nan
        [ -n "$PY" ] && tt=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=$t $PY tests/bench/bench_conv_torch.py "$t" "$SECONDS_PER" "$c" | ms)
        wo=$("$tmp/wick_ob" "$t" "$SECONDS_PER" "$c" | ms)
        wm=$(OMP_NUM_THREADS=$t "$tmp/wick_omp" "$t" "$SECONDS_PER" "$c" | ms)
        awk -v c="$c" -v t="$t" -v a="$tt" -v b="$wo" -v m="$wm" 'BEGIN {
            ra = (a == "nan") ? "-" : sprintf("%.2f", a / b); rm = (a == "nan") ? "-" : sprintf("%.2f", a / m);
            printf "%-6s %-3s %10s %10.1f %10.1f %9s %9s\n", c, t, a, b, m, ra, rm }'
    done
done
echo "conv2d fwd+bwd: ratio = torch ms / wick ms (>= 0.8 is the target for vgg64 and vgg3)"
