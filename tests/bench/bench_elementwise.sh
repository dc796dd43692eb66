#!/bin/sh
# bench_elementwise.sh — wick's elementwise add, mul and exp over 16 M floats against
# a plain C loop of the same kind (allocating: fresh malloc per call; in place:
# a[i] op= b[i]) built with the Makefile's flags, and NumPy for context. Best of REPS,
# process CPU time (single thread). One line per case: times and ratio = C / wick
# (>= 0.9 is the target; > 1 means wick is faster).
# The three programs run in turn ROUNDS times and each case keeps its best, so a burst
# of load on a shared machine does not land on one side only.
# Usage: tests/bench/bench_elementwise.sh [N] [REPS] [ROUNDS]   (WICK=path/to/wick)
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
N=${1:-16777216}
REPS=${2:-10}
ROUNDS=${3:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cc -std=c11 -D_GNU_SOURCE -O3 -march=native -o "$tmp/bench_c" tests/bench/bench_elementwise.c -lm
have_numpy=0
/usr/bin/python3 -c 'import numpy' 2>/dev/null && have_numpy=1
[ $have_numpy = 1 ] || echo "(numpy not installed: apt-get install python3-numpy for the context column)"
cat > "$tmp/np.py" <<'PY'
import sys, time
import numpy as np
n, reps = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(1)
orig = rng.random(n, dtype=np.float32)
b = rng.random(n, dtype=np.float32) + np.float32(0.5)
a = orig.copy()
def best(fn, reset=None):
    t_best = 1e30
    for _ in range(reps):
        if reset: reset()
        t0 = time.process_time(); fn(); t = time.process_time() - t0
        t_best = min(t_best, t)
    return t_best
def reset(): np.copyto(a, orig)
cases = [("add", "alloc", lambda: np.add(orig, b)), ("add", "operator", lambda: orig + b),
         ("add", "inplace", lambda: np.add(a, b, out=a), reset),
         ("mul", "alloc", lambda: np.multiply(orig, b)), ("mul", "operator", lambda: orig * b),
         ("mul", "inplace", lambda: np.multiply(a, b, out=a), reset),
         ("exp", "alloc", lambda: np.exp(orig)), ("exp", "inplace", lambda: np.exp(a, out=a), reset)]
for c in cases:
    print(c[0], c[1], "%.6f" % best(c[2], c[3] if len(c) > 3 else None))
PY
: > "$tmp/c.txt"; : > "$tmp/wick.txt"; : > "$tmp/np.txt"
r=0
while [ $r -lt "$ROUNDS" ]; do
    "$tmp/bench_c" "$N" "$REPS" >> "$tmp/c.txt"
    "$WICK" tests/bench/bench_elementwise.lua "$N" "$REPS" >> "$tmp/wick.txt"
    [ $have_numpy = 0 ] || /usr/bin/python3 "$tmp/np.py" "$N" "$REPS" >> "$tmp/np.txt"
    r=$((r + 1))
done
echo "elementwise over $N floats, best of $REPS x $ROUNDS rounds, CPU time; ratio = C / wick (target >= 0.9)"
# best per "op form"; the operator form (a + b) is compared with the allocating C loop
awk -v cfile="$tmp/c.txt" -v npfile="$tmp/np.txt" '
    function keep(arr, k, v) { if (!(k in arr) || v + 0 < arr[k] + 0) arr[k] = v }
    BEGIN {
        while ((getline l < cfile) > 0) { split(l, f, " "); keep(c, f[1] " " f[2], f[3]) }
        while ((getline l < npfile) > 0) { split(l, f, " "); keep(np, f[1] " " f[2], f[3]) }
    }
    { keep(w, $1 " " $2, $3); if (!($1 " " $2 in seen)) { seen[$1 " " $2] = 1; order[++n] = $1 " " $2 } }
    END {
        for (i = 1; i <= n; i++) {
            split(order[i], f, " "); key = order[i]
            ckey = f[1] " " (f[2] == "operator" ? "alloc" : f[2])
            npt = (key in np) ? sprintf("  numpy %7.2f ms", np[key] * 1000) : ""
            printf "%-4s %-8s  C %7.2f ms  wick %7.2f ms  ratio %5.2f%s\n", f[1], f[2], c[ckey] * 1000,
                   w[key] * 1000, c[ckey] / w[key], npt
        }
    }' "$tmp/wick.txt"
