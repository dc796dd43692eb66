#!/bin/sh
# bench_conv.sh — wick's conv2d forward+backward against PyTorch (Debian python3-torch,
# oneDNN on: its best configuration for convolutions, torch.set_num_threads(t) over a
# single-threaded OpenBLAS) on the same shapes in the same run, at 1 and 2 threads.
# Prints ms per call (the fastest call over SECONDS of calls: the machine may be shared,
# and the minimum is the least disturbed), the ratio torch ms / wick ms (> 1: wick is
# faster; target >= 1.0), and for each side the GFLOP/s of a direct convolution doing
# the same work and that as a fraction of the cores' peak (Winograd does fewer
# multiplies than it is credited with, so wick's fraction can pass 1).
#
#   vgg64  1x64x224x224 -> 64, 3x3 pad 1, grads input+weight+bias   (Winograd)
#   vgg3   1x3x224x224  -> 64, 3x3 pad 1, grads weight+bias         (im2col: 3 channels)
#   cnn1   64x1x28x28   -> 32, 3x3,       grads weight+bias         (the small CNN's conv 1)
#   cnn2   64x32x13x13  -> 64, 3x3,       grads input+weight+bias   (its conv 2: Winograd)
#   dcgan16 64x64x16x16 -> 128, 4x4 stride 2 pad 1, grads input+weight+bias (DCGAN-64's
#          discriminator conv 3: Winograd F(2x2, 2x2) over the input's phases)
#   dcgan14 64x64x14x14 -> 128, the same at 14x14 (DCGAN-28's conv 2; 7x7 out: im2col
#          columns straight into panels for wick's own AVX-512 kernel, lib/nn/panel_gemm.c;
#          without AVX-512, Winograd F(2x2, 2x2) as dcgan16)
#
# "wick im2col" is wick built without the Winograd path (WK_CONV_NO_WINOGRAD), for
# context: what im2col + SGEMM alone does on the same shapes (on small maps with AVX-512,
# im2col + panel_gemm.c: dcgan16's 8x8 outputs measured 18.4 ms that way against 20.4 by
# Winograd in one run, but per layer in a DCGAN-64 the two were within noise).
# Usage: tests/bench/bench_conv.sh [SECONDS] [case...]
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
SECONDS_PER=${1:-3}
[ $# -gt 0 ] && shift
CASES=${*:-vgg64 vgg3 cnn1 cnn2 dcgan16 dcgan14}
PY=/usr/bin/python3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

SRC="lib/nn/conv.c lib/nn/conv_engine.c lib/nn/panel_gemm.c lib/nn/im2col.c lib/nn/winograd.c lib/nn/winograd_s2.c
     lib/nn/winograd_passes.c lib/core/cpu.c lib/core/error.c lib/core/rng.c lib/core/workspace.c
     lib/core/threads.c lib/core/limits.c lib/tensor/tensor.c tests/bench/bench_conv.c"
FLAGS="-std=c11 -D_GNU_SOURCE -O3 -march=native"
LIBS="$(pkg-config --cflags --libs openblas) -lm -lpthread -ldl"
# shellcheck disable=SC2086
cc $FLAGS -o "$tmp/wick" $SRC $LIBS
# shellcheck disable=SC2086
cc $FLAGS -DWK_CONV_NO_WINOGRAD -o "$tmp/im2col" $SRC $LIBS

if ! $PY -c 'import torch' 2>/dev/null; then
    echo "bench_conv: PyTorch missing (apt-get install -y python3-torch); wick only"
    PY=""
fi

# Peak FP32 FLOP/s of one core, estimated from the clock /proc/cpuinfo reports and the
# widest FMA the CPU has (two FMA units: 32 FLOP/cycle with AVX2, 64 with AVX-512).
mhz=$(sed -n 's/^cpu MHz[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
flops_cycle=16
grep -qw fma /proc/cpuinfo && grep -qw avx2 /proc/cpuinfo && flops_cycle=32
grep -qw avx512f /proc/cpuinfo && flops_cycle=64
peak=$(awk -v m="$mhz" -v f="$flops_cycle" 'BEGIN {printf "%.1f", m * f / 1000}')
echo "peak estimate: ${mhz} MHz x $flops_cycle FLOP/cycle = $peak GFLOP/s per core"

# direct-convolution FLOPs of one fwd+bwd call: 2 * N*Co*Ci*k*k*Ho*Wo per pass, passes =
# forward + weight gradient (+ input gradient)
gflop() {
    case $1 in
        vgg64) echo "1 64 64 224 224 3 9" ;;
        vgg3) echo "1 64 3 224 224 2 9" ;;
        cnn1) echo "64 32 1 26 26 2 9" ;;
        cnn2) echo "64 64 32 11 11 3 9" ;;
        dcgan16) echo "64 128 64 8 8 3 16" ;;
        dcgan14) echo "64 128 64 7 7 3 16" ;;
    esac | awk '{printf "%.4f", 2 * $1 * $2 * $3 * $7 * $4 * $5 * $6 / 1e9}'
}

ms() { awk '{print $6}'; }   # "case NAME ms MEDIAN min MIN ..." -> MIN

printf '%-7s %-3s %9s %9s %9s %7s | %8s %5s | %8s %5s\n' case thr torch_ms wick_ms im2col_ms ratio \
    "torch GF" "%pk" "wick GF" "%pk"
for t in 1 2; do
    for c in $CASES; do
        tt=nan
        [ -n "$PY" ] && tt=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=$t $PY tests/bench/bench_conv_torch.py "$t" "$SECONDS_PER" "$c" | ms)
        w=$("$tmp/wick" "$t" "$SECONDS_PER" "$c" | ms)
        i=$("$tmp/im2col" "$t" "$SECONDS_PER" "$c" | ms)
        awk -v c="$c" -v t="$t" -v a="$tt" -v b="$w" -v i="$i" -v g="$(gflop "$c")" -v pk="$peak" 'BEGIN {
            ra = (a == "nan") ? "-" : sprintf("%.2f", a / b);
            tg = (a == "nan") ? "-" : sprintf("%.1f", g / a * 1e3); tp = (a == "nan") ? "-" : sprintf("%.0f", 100 * g / a * 1e3 / (pk * t));
            printf "%-7s %-3s %9s %9.1f %9.1f %7s | %8s %5s | %8.1f %5.0f\n", c, t, a, b, i, ra, tg, tp, g / b * 1e3, 100 * g / b * 1e3 / (pk * t) }'
    done
done
echo "ratio = torch ms / wick ms (target >= 1.0 on every case at 1 and 2 threads); GF = direct-conv GFLOP/s; %pk = of the threads' cores' peak"
