#!/bin/sh
# bench_busy.sh — wick's threads on a machine that is not wick's alone. Each kernel runs
# at 1 and 2 threads, first on a quiet machine, then with one competing busy process (a
# shell loop that keeps one core at 100 %, as an editor, a browser or a second sketch
# might), and prints all four figures and the busy 2-thread / 1-thread time: wick's
# promise is that it stays <= 1.00 (two threads are never slower than one). Each figure
# is the median of ROUNDS runs (default 3), 1 and 2 threads alternating, because a busy
# machine is a noisy one. Then two
# CNN trainings at 2 threads each are started together, and each one's speed is printed
# against the same training alone.
#
#   lstm   2-layer LSTM 256, batch 32, 64 steps, fwd+bwd (bench_lstm.c): many small GEMMs
#   conv   conv2d fwd+bwd, the small CNN's conv 2 and a VGG first layer (bench_conv.c)
#   cnn    100 training steps of the reference CNN on Fashion-MNIST (bench_cnn.lua)
#   tsne   Barnes-Hut t-SNE of 3,000 points, 300 iterations
# Needs: a built ./wick, Debian's dataset-fashion-mnist for cnn (make data).
# Usage: tests/bench/bench_busy.sh [seconds per measurement, default 4]
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
secs=${1:-4}
rounds=${ROUNDS:-3}
tmp=$(mktemp -d)
busy_pid=""
stop_busy() { [ -n "$busy_pid" ] && kill "$busy_pid" 2>/dev/null; wait "$busy_pid" 2>/dev/null || true; busy_pid=""; }
trap 'stop_busy; rm -rf "$tmp"' EXIT
start_busy() { sh -c 'while :; do :; done' & busy_pid=$!; sleep 0.5; }

LIBS="$(pkg-config --cflags --libs openblas) -lm -lpthread -ldl"
cc -std=c11 -D_GNU_SOURCE -O3 -march=native -o "$tmp/bench_lstm" tests/bench/bench_lstm.c build/libwick.a $LIBS
cc -std=c11 -D_GNU_SOURCE -O3 -march=native -o "$tmp/bench_conv" tests/bench/bench_conv.c build/libwick.a $LIBS
cat > "$tmp/tsne.lua" <<'EOF'
local wick = require "wick"
local T = wick.tensor
wick.seed(3)
local n = 3000
local x = T.randn(n, 30)
for i = 1, n do x[i]:add_(T.full({30}, (i % 6) * 2.0)) end
local t0 = wick.clock()
wick.embed.tsne(x, { method = "bh", iterations = 300, verbose = false })
print(("tsne_ms %.1f"):format((wick.clock() - t0) * 1e3))
EOF

field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}'; }
# one measurement of kernel $1 at $2 threads, in ms (lower is better)
measure() {
    case $1 in
        lstm) WICK_THREADS=$2 "$tmp/bench_lstm" "$secs" | field wick_ms ;;
        conv) "$tmp/bench_conv" "$2" "$secs" cnn2 vgg3 | awk '{s += $6} END {printf "%.2f\n", s}' ;;
        cnn) WICK_THREADS=$2 "$WICK" tests/bench/bench_cnn.lua 100 | sed 's/.*images\/s=\([0-9.]*\).*/\1/' |
                 awk '{printf "%.1f\n", 95 * 64 / $1 * 1000}' ;;
        tsne) WICK_THREADS=$2 "$WICK" "$tmp/tsne.lua" | field tsne_ms ;;
    esac
}

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# medians of `rounds` alternating runs at 1 and 2 threads -> "m1 m2"
pair() {
    : > "$tmp/m1"; : > "$tmp/m2"
    r=0
    while [ $r -lt "$rounds" ]; do
        measure "$1" 1 >> "$tmp/m1"; measure "$1" 2 >> "$tmp/m2"
        r=$((r + 1))
    done
    echo "$(median < "$tmp/m1") $(median < "$tmp/m2")"
}

printf '%-6s %12s %12s %12s %12s %16s\n' kernel "quiet 1T ms" "quiet 2T ms" "busy 1T ms" "busy 2T ms" "busy 2T/1T"
for k in lstm conv cnn tsne; do
    set -- $(pair $k); q1=$1; q2=$2
    start_busy
    set -- $(pair $k); b1=$1; b2=$2
    stop_busy
    r=$(awk -v a="$b2" -v b="$b1" 'BEGIN {printf "%.2f", a / b}')
    printf '%-6s %12s %12s %12s %12s %16s\n' "$k" "$q1" "$q2" "$b1" "$b2" "$r"
done
echo "(conv: cnn2 + vgg3 fastest calls; cnn: ms per 95 training steps)"

# two trainings at once, each at 2 threads, against one alone
alone=$(WICK_THREADS=2 "$WICK" tests/bench/bench_cnn.lua 100 | sed 's/.*images\/s=\([0-9.]*\).*/\1/')
WICK_THREADS=2 "$WICK" tests/bench/bench_cnn.lua 100 > "$tmp/a" &
pa=$!
WICK_THREADS=2 "$WICK" tests/bench/bench_cnn.lua 100 > "$tmp/b" &
pb=$!
wait $pa $pb
a=$(sed 's/.*images\/s=\([0-9.]*\).*/\1/' "$tmp/a"); b=$(sed 's/.*images\/s=\([0-9.]*\).*/\1/' "$tmp/b")
awk -v x="$alone" -v a="$a" -v b="$b" 'BEGIN {
    printf "two cnn trainings at once, 2 threads each: %.0f and %.0f images/s, alone %.0f: each %.2fx and %.2fx slower (2.0 is a fair share of 2 cores)\n",
        a, b, x, x / a, x / b }'
