#!/bin/sh
# bench_matmul.sh — square matmul through wick (a:matmul(b), allocating, and
# a:matmul(b, out) into a reused buffer) against cblas_sgemm called from C, on
# n = 256, 512, 1024, 2048, at 1 and 2 threads (OPENBLAS_NUM_THREADS for C, WICK_THREADS for
# wick), in the same run; both on the kernels wick picks for the CPU (lib/core/cpu.h).
# Each program reports the median of REPS wall-clock repetitions (small sizes timed over
# many products per repetition); C and wick then alternate for ROUNDS rounds and the
# median round is printed, so a burst of load elsewhere on the machine hits both sides.
# Times are shown as wall/cpu (process CPU time: steadier when other work shares the
# machine; with 2 threads it adds both threads' time on both sides alike).
# ratio = C time / wick time (target >= 0.95; > 1 means wick is faster). NumPy's
# matmul (wall) is shown for context when python3-numpy is installed.
# Usage: tests/bench/bench_matmul.sh [REPS [ROUNDS [N...]]]   (WICK=path/to/wick)
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
REPS=${1:-5}
ROUNDS=${2:-3}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
SIZES=${*:-256 512 1024 2048}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
make -s build/libwick.a
cc -std=c11 -D_GNU_SOURCE -O2 -march=native $(pkg-config --cflags openblas) -o "$tmp/bench_c" \
   tests/bench/bench_matmul.c build/libwick.a $(pkg-config --libs openblas) -lm -lpthread -ldl
have_np=0
/usr/bin/python3 -c 'import numpy' 2>/dev/null && have_np=1
cat > "$tmp/np.py" <<'PY'
import sys, time
import numpy as np
reps = int(sys.argv[1])
for n in map(int, sys.argv[2:]):
    rng = np.random.default_rng(1)
    a = rng.random((n, n), dtype=np.float32) - 0.5
    b = rng.random((n, n), dtype=np.float32) - 0.5
    a @ b
    inner = max(1, (2048 ** 3 // 4) // n ** 3)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner): a @ b
        ts.append((time.perf_counter() - t0) / inner)
    print(n, sorted(ts)[reps // 2])
PY
echo "square matmul, median of $ROUNDS rounds x $REPS reps, times wall/cpu; ratio = C sgemm / wick"
for threads in 1 2; do
    export OPENBLAS_NUM_THREADS=$threads WICK_THREADS=$threads   # C: OpenBLAS threads; wick: its pool (OpenBLAS pinned to 1)
    : > "$tmp/c.txt"; : > "$tmp/wick.txt"; : > "$tmp/np.txt"
    r=0
    while [ $r -lt "$ROUNDS" ]; do
        "$tmp/bench_c" "$REPS" $SIZES >> "$tmp/c.txt"
        "$WICK" tests/bench/bench_matmul.lua "$REPS" $SIZES >> "$tmp/wick.txt"
        [ $have_np = 1 ] && /usr/bin/python3 "$tmp/np.py" "$REPS" $SIZES >> "$tmp/np.txt"
        r=$((r + 1))
    done
    # per size: the median over rounds of each column
    awk -v th="$threads" -v cfile="$tmp/c.txt" -v npfile="$tmp/np.txt" '
        function med(list,   v, k, i, j, t) {
            k = split(list, v, " ")
            for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
            return v[int((k + 1) / 2)]
        }
        BEGIN {
            while ((getline l < cfile) > 0) { split(l, f, " "); c[f[1]] = c[f[1]] " " f[2]; cu[f[1]] = cu[f[1]] " " f[3] }
            while ((getline l < npfile) > 0) { split(l, f, " "); np[f[1]] = np[f[1]] " " f[2] }
        }
        {
            if (!($1 in al)) order[++n] = $1
            al[$1] = al[$1] " " $2; ou[$1] = ou[$1] " " $3; alu[$1] = alu[$1] " " $4; ouu[$1] = ouu[$1] " " $5
        }
        END {
            for (i = 1; i <= n; i++) {
                s = order[i]; tc = med(c[s]); ta = med(al[s]); to = med(ou[s])
                uc = med(cu[s]); ua = med(alu[s]); uo = med(ouu[s])
                npt = (s in np) ? sprintf("  numpy %.2f", med(np[s]) * 1000) : ""
                printf "threads %d n %4d  C %7.2f/%7.2f ms  wick %7.2f/%7.2f ms ratio %.2f/%.2f  out %7.2f/%7.2f ms ratio %.2f/%.2f%s\n",
                       th, s, tc * 1000, uc * 1000, ta * 1000, ua * 1000, tc / ta, uc / ua,
                       to * 1000, uo * 1000, tc / to, uc / uo, npt
            }
        }' "$tmp/wick.txt"
done
