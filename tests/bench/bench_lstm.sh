#!/bin/sh
# bench_lstm.sh — forward + backward of a 2-layer LSTM (hidden 256, batch 32, 64 steps,
# input 64: the char-rnn shape) with wick's kernels (lib/nn/rnn.c, driven by
# bench_lstm.c) against PyTorch's nn.LSTM on the same shapes (bench_lstm.py), in the same
# run, at 1 and 2 threads. Prints ms per iteration for both and the ratio torch / wick
# (target >= 1.0).
#   wick at t threads: WICK_THREADS=t (wick's thread pool: wk_sgemm cuts the GEMMs into
#   fixed blocks; OpenBLAS is pinned to one thread).
#   torch at t threads: torch.set_num_threads(t) with OPENBLAS_NUM_THREADS=t. At 2
#   threads torch is also timed in its two other set-ups (its default of 1 intra-op
#   thread over a 2-thread OpenBLAS, and 2 intra-op threads over a 1-thread OpenBLAS;
#   see the peers' RESULTS.md) and the ratio is taken against torch's best.
# The machine is shared and noisy, so wick and torch alternate for ROUNDS rounds and each
# reports the median of its rounds (each round itself the median iteration).
# Usage: tests/bench/bench_lstm.sh [seconds per measurement, default 4]   (ROUNDS=3)
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
secs=${1:-4}
rounds=${ROUNDS:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
make -s build/libwick.a
cc -std=c11 -D_GNU_SOURCE -O3 -march=native -o "$tmp/bench_lstm" tests/bench/bench_lstm.c build/libwick.a \
   $(pkg-config --cflags --libs openblas) -lm -lpthread -ldl
PY=/usr/bin/python3
if ! $PY -c 'import torch' 2>/dev/null; then
    echo "lstm: PyTorch not importable by $PY (apt-get install python3-torch); timing wick only"
    PY=
fi
field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'; }
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "lstm: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cpus; $rounds rounds of ${secs}s each"
for t in 1 2; do
    : > "$tmp/w"; : > "$tmp/p"; : > "$tmp/d"; : > "$tmp/o"
    r=0
    while [ $r -lt "$rounds" ]; do
        WICK_THREADS=$t "$tmp/bench_lstm" "$secs" | field wick_ms >> "$tmp/w"
        if [ -n "$PY" ]; then
            OPENBLAS_NUM_THREADS=$t $PY tests/bench/bench_lstm.py "$t" "$secs" | field torch_ms >> "$tmp/p"
            if [ "$t" = 2 ]; then
                OPENBLAS_NUM_THREADS=2 $PY tests/bench/bench_lstm.py 1 "$secs" | field torch_ms >> "$tmp/d"
                OPENBLAS_NUM_THREADS=1 $PY tests/bench/bench_lstm.py 2 "$secs" | field torch_ms >> "$tmp/o"
            fi
        fi
        r=$((r + 1))
    done
    w=$(median < "$tmp/w")
    if [ -z "$PY" ]; then echo "lstm 2x256 b32 t64 i64 fwd+bwd, $t thread(s): wick $w ms"; continue; fi
    p=$(median < "$tmp/p"); best=$p; extra=""
    if [ "$t" = 2 ]; then
        d=$(median < "$tmp/d"); o=$(median < "$tmp/o")
        extra=" [torch 1 intra-op + OpenBLAS 2: $d ms; torch 2 + OpenBLAS 1: $o ms]"
        best=$(printf '%s\n%s\n%s\n' "$p" "$d" "$o" | sort -g | head -1)
    fi
    ratio=$(awk -v a="$best" -v b="$w" 'BEGIN {printf "%.2f", a / b}')
    echo "lstm 2x256 b32 t64 i64 fwd+bwd, $t thread(s): torch $p ms$extra | wick $w ms | torch(best)/wick $ratio (target >= 1.0)"
done
