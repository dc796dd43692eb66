#!/bin/sh
# bench_tsne.sh — wick's t-SNE against scikit-learn 1.2 (and FIt-SNE when built), side by
# side in one run on the same input: the first N Fashion-MNIST training images, PCA to 50
# (the peers' own preprocessing, ../shared/peers/bench_tsne.py), perplexity 30, 1,000
# iterations, PCA init, learning rate auto. Quality: the exact KL of every output under
# one common P (the peers' script). Prints each run and the time ratios.
#   tests/bench/bench_tsne.sh [WICK] [SIZES]     (default ./wick, "5000 10000")
# Env: THREADS (2), DIMS3 (1: also 3-D at 10,000 vs sklearn BH), FITSNE (1: FIt-SNE at
# N = FITSNE_N too, default 70,000 = all of Fashion-MNIST, training then test images;
# needs FIt-SNE built under $PEERS_BUILD by ../shared/peers/build_peers.sh).
# wick runs on WICK_THREADS=THREADS; the peers (OpenMP) get OMP_WAIT_POLICY=passive: on a
# loaded machine spinning OpenMP threads lose whole time slices at every barrier.
set -e
sh "$(dirname "$0")/machine.sh"
WICK=${1:-./wick}
SIZES=${2:-"5000 10000"}
THREADS=${THREADS:-2}
PEERS=${PEERS_DIR:-$(cd "$(dirname "$0")/../../../shared/peers" && pwd)}
WORK=${TMPDIR:-/tmp}/wick-bench-tsne
HERE=$(dirname "$0")
mkdir -p "$WORK"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} OMP_NUM_THREADS=$THREADS WICK_THREADS=$THREADS
echo "bench_tsne: $THREADS threads, load $(cut -d' ' -f1-3 /proc/loadavg)"

ratio() { /usr/bin/python3 -c "print('ratio %s: peer/wick time = %.2f' % ('$1', $2 / $3))"; }
wall() { sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' | head -1; }

run_wick() {   # N DIMS
  "$WICK" "$HERE/bench_tsne.lua" "$WORK/x$1.safetensors" "$WORK/y$1_$2.safetensors" "$2" | tee "$WORK/wick$1_$2.txt"
  /usr/bin/python3 "$HERE/bench_tsne.py" kl "$1" "$WORK/y$1_$2.safetensors"
}

for n in $SIZES; do
  /usr/bin/python3 "$HERE/bench_tsne.py" prep "$n" "$WORK/x$n.safetensors"
  run_wick "$n" 2
  /usr/bin/python3 "$PEERS/bench_tsne.py" --peer sklearn --n "$n" --threads "$THREADS" | tee "$WORK/sk$n.txt"
  ratio "2-D n=$n sklearn" "$(wall < "$WORK/sk$n.txt")" "$(wall < "$WORK/wick${n}_2.txt")"
done
if [ "${DIMS3:-1}" = 1 ]; then
  n=10000
  /usr/bin/python3 "$HERE/bench_tsne.py" prep "$n" "$WORK/x$n.safetensors"
  run_wick "$n" 3
  /usr/bin/python3 "$HERE/bench_tsne.py" sklearn3d "$n" "$THREADS" | tee "$WORK/sk3d.txt"
  ratio "3-D n=$n sklearn" "$(wall < "$WORK/sk3d.txt")" "$(wall < "$WORK/wick${n}_3.txt")"
fi
if [ "${FITSNE:-0}" = 1 ]; then
  n=${FITSNE_N:-70000}
  /usr/bin/python3 "$HERE/bench_tsne.py" prep "$n" "$WORK/x$n.safetensors"
  run_wick "$n" 2
  /usr/bin/python3 "$HERE/bench_tsne.py" fitsne "$n" "$THREADS" | tee "$WORK/fit$n.txt"
  ratio "2-D n=$n FIt-SNE" "$(wall < "$WORK/fit$n.txt")" "$(wall < "$WORK/wick${n}_2.txt")"
fi
