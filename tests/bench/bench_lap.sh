#!/bin/sh
# bench_lap.sh — grid snapping: wick's exact LAPJV (wk_lap_grid, float64, costs computed
# on the fly) against scipy.optimize.linear_sum_assignment (float64, dense matrix) on
# the same points — N uniform random points (numpy default_rng(0)) to the sqrt(N) x
# sqrt(N) grid on [0,1]^2, ../shared/peers/bench_lap.py — one thread each, in one run,
# interleaved. Both are exact, so the total costs must agree; prints the time ratios.
# LAYOUT="uniform tsne" (the default runs both): tsne snaps a t-SNE layout (the issue's
# case, a harder problem — clusters compete for cells): wick's 2-D t-SNE of the
# first N Fashion-MNIST training images scaled to [0,1] (bench_lap_layout.lua), solved by
# both on the same points (SciPy through bench_lap_scipy.py, same cost construction).
#   tests/bench/bench_lap.sh [BUILD] [SIZES]   (default build, "1024 4096 8100")
set -e
sh "$(dirname "$0")/machine.sh"
BUILD=${1:-build}
SIZES=${2:-"1024 4096 8100"}
PEERS=${PEERS_DIR:-$(cd "$(dirname "$0")/../../../shared/peers" && pwd)}
WORK=${TMPDIR:-/tmp}/wick-bench-lap
HERE=$(dirname "$0")
mkdir -p "$WORK"
make -s BUILD="$BUILD" "$BUILD/libwick.a"
${CC:-cc} -O2 -march=native -fopenmp -o "$WORK/bench_lap" "$HERE/bench_lap.c" "$BUILD/libwick.a" -lm
for layout in ${LAYOUT:-uniform tsne}; do
echo "bench_lap: $layout points, 1 thread each, load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $SIZES; do
  if [ "$layout" = tsne ]; then
    "${WICK:-./wick}" "$HERE/bench_lap_layout.lua" "$n" "$WORK/t$n.f64"
    WICK_THREADS=1 "$WORK/bench_lap" "$WORK/t$n.f64" "$n" | tee "$WORK/w$n.txt"
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$HERE/bench_lap_scipy.py" "$WORK/t$n.f64" "$n" | tee "$WORK/s$n.txt"
  else
    /usr/bin/python3 -c "import numpy as np; np.random.default_rng(0).random(($n, 2)).tofile('$WORK/p$n.f64')"
    WICK_THREADS=1 "$WORK/bench_lap" "$WORK/p$n.f64" "$n" | tee "$WORK/w$n.txt"
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$PEERS/bench_lap.py" --peer scipy --n "$n" | tee "$WORK/s$n.txt"
  fi
  /usr/bin/python3 - "$WORK/w$n.txt" "$WORK/s$n.txt" "$n" "$layout" <<'PY'
import re, sys
w, s = open(sys.argv[1]).read(), open(sys.argv[2]).read()
tw = float(re.search(r"wall_s=([0-9.]+)", w).group(1)); ts = float(re.search(r"wall_s=([0-9.]+)", s).group(1))
cw = float(re.search(r"total_cost=([0-9.]+)", w).group(1)); cs = float(re.search(r"quality=([0-9.e+-]+)", s).group(1))
print("ratio %s n=%s: scipy/wick time = %.2f   cost wick %.6f scipy %.6f %s" % (sys.argv[4],
    sys.argv[3], ts / tw, cw, cs, "same (to the peer's 6 digits)" if abs(cw - cs) <= 1e-5 * cs else "DIFFERENT"))
PY
done
done
