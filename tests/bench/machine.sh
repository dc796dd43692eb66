#!/bin/sh
# machine.sh — the one line every benchmark prints first, so its ratios can be read
# against the machine that made them: the CPU (model name, family/model, cores, the
# vector features that decide OpenBLAS's kernels), the BLAS and kernel set wick runs on
# and its thread count (from `wick -v`), and the load average. E.g.
#   machine: AMD EPYC family 25 model 1, 2 cores, avx2 fma; BLAS OpenBLAS 0.3.21 kernels Zen; threads 2; load 0.31 0.40 0.52
# Never fails (a missing wick shows as "BLAS ?"). Usage: sh tests/bench/machine.sh   (WICK=path/to/wick)
root=$(cd "$(dirname "$0")/../.." && pwd)
wick=${WICK:-$root/wick}

field() {  # the first /proc/cpuinfo value named $1
    sed -n "s/^$1[[:space:]]*: *//p" /proc/cpuinfo 2>/dev/null | head -n 1
}
name=$(field 'model name'); family=$(field 'cpu family'); model=$(field 'model')
cores=$(nproc 2>/dev/null || echo '?')
flags=" $(field flags) "
features=""
for f in avx512f avx2 fma; do
    case $flags in *" $f "*) features="$features $f" ;; esac
done
if [ -z "$features" ]; then
    case $flags in *" avx "*) features=" avx" ;; *) features=" no avx" ;; esac
fi

blas=$("$wick" -v 2>/dev/null | sed -n 's/^BLAS: //p')
if [ -n "$blas" ]; then   # "OpenBLAS 0.3.21, kernels Zen (chosen by OpenBLAS), threads 2"
    lib=${blas%%,*}
    kernels=$(echo "$blas" | sed -n 's/.*, kernels \([^ ]*\).*/\1/p')
    threads=$(echo "$blas" | sed -n 's/.*, threads \([0-9]*\)$/\1/p')
    blas="$lib kernels ${kernels:-?}; threads ${threads:-?}"
else
    blas="? (no $wick -v); threads ?"
fi
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)

echo "machine: ${name:-unknown CPU} family ${family:-?} model ${model:-?}, $cores cores,$features; BLAS $blas; load ${load:-?}"
exit 0
