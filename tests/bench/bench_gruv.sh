#!/bin/sh
# bench_gruv.sh — training of the gruv sketch's raw-audio model against PyTorch 1.13 on
# the same model, data, batch, sequence length and optimiser, in the same run, at 1 and
# 2 threads: 8-bit mu-law samples (256 classes) -> embedding 64 -> 2-layer GRU 256 ->
# linear 256 -> cross-entropy; 32 streams x 128 steps with the state carried; Adam 2e-3,
# clip 5. The audio is a synthetic 30 s loop at 8 kHz (two tones, a kick, a hat), built by
# the same float64 formula on both sides, so the benchmark needs no sound files; the
# last 5% is held out. Each side trains STEPS steps (80 by default) from its own random
# start; the speed is training samples per second of wall clock (every step timed), the
# quality figure the held-out loss after those steps in nats per sample (and the mean
# training loss of the last 10 steps). Ratio: wick/torch in samples/s of wall clock
# (above 1: wick is faster), and in samples per CPU-second of each process (steadier on a
# shared machine; at 2 threads it counts both threads' time, so it rewards not spinning).
#   wick at t threads: WICK_THREADS=t (its pool; OpenBLAS pinned to one thread).
#   torch at t threads: torch.set_num_threads(t), OPENBLAS_NUM_THREADS=t,
#   OMP_WAIT_POLICY=PASSIVE (as bench_charrnn.sh: spinning OpenMP threads collapse both
#   programs on a shared machine; WAIT=active to change it).
# The machine is shared: the sides alternate and the load average is printed before
# and after. Usage: tests/bench/bench_gruv.sh [STEPS]   (SEQ, BATCH, HIDDEN, LAYERS,
# EMBED override the sizes on both sides)
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
steps=${1:-80}
sizes="${SEQ:-128} ${BATCH:-32} ${HIDDEN:-256} ${LAYERS:-2} ${EMBED:-64}"
export OMP_WAIT_POLICY=${WAIT:-PASSIVE}
PY=/usr/bin/python3
if ! $PY -c 'import torch' 2>/dev/null; then
    echo "gruv: PyTorch not importable by $PY (apt-get install python3-torch); timing wick only"; PY=
fi
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
set -- $sizes
echo "gruv: GRU ${4}x${3}, embed $5, seq $1, batch $2, $steps steps; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cpus"
for t in 1 2; do
    w=$(WICK_THREADS=$t "$WICK" tests/bench/bench_gruv.lua "$steps" $sizes)
    if [ -z "$PY" ]; then echo "gruv threads=$t | $w"; continue; fi
    p=$(OPENBLAS_NUM_THREADS=$t $PY tests/bench/bench_gruv_torch.py "$t" "$steps" $sizes)
    ratio=$(awk -v a="$(field "$w" samples_s)" -v b="$(field "$p" samples_s)" 'BEGIN {printf "%.2f", a / b}')
    cpu=$(awk -v a="$(field "$w" samples_per_cpu_s)" -v b="$(field "$p" samples_per_cpu_s)" 'BEGIN {printf "%.2f", a / b}')
    echo "gruv threads=$t | $w | $p | wick/torch ${ratio}x wall, ${cpu}x per CPU-second (target >= 1.0)"
done
echo "gruv: load average after $(cut -d' ' -f1-3 /proc/loadavg)"
