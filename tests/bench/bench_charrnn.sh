#!/bin/sh
# bench_charrnn.sh — char-rnn training speed and quality against PyTorch 1.13 on the
# same work in the same run: embedding 64, 2-layer LSTM 256, seq 64, batch 32, Adam
# 2e-3, clip 5, on the Debian fortunes text (every 20th fortune held out), under the
# same wall-clock budget, at 1 and 2 threads. Reports training characters/s, the
# validation loss (nats/char) reached in the budget, and wick's sampling speed
# (characters/s, one core). The peer is ../shared/peers/bench_torch_lstm.py.
#   wick at t threads: WICK_THREADS=t (wick's thread pool; OpenBLAS is pinned to 1).
#   torch at t threads: torch.set_num_threads(t) (its default intra-op set-up).
#   torch runs with OMP_WAIT_POLICY=PASSIVE (override with WAIT=active): on a shared,
#   overloaded machine spinning OpenMP threads collapse both programs at 2 threads
#   (wick 1,686 -> 6,768 chars/s with PASSIVE at load 5; torch likewise, see the
#   peers' RESULTS.md).
# The peer's vocabulary is the 256 bytes; wick's is the text's code points plus
# U+0001..U+00FF (≥ 256 outputs), so the losses are per character of nearly the same
# text (the fortunes are ASCII but for a few dozen characters).
# The machine is shared: wick and torch alternate, and the load average is printed.
# Usage: tests/bench/bench_charrnn.sh [budget seconds, default 60]   (needs Debian fortunes)
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
budget=${1:-60}
WICK=${WICK:-./wick}
PEERS=${PEERS:-$(cd ../shared/peers && pwd)}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ ! -f /usr/share/games/fortunes/fortunes ]; then
    echo "charrnn: Debian's fortunes is not installed (make data)"; exit 1
fi
PY=/usr/bin/python3
if ! $PY -c 'import torch' 2>/dev/null || [ ! -f "$PEERS/bench_torch_lstm.py" ]; then
    echo "charrnn: PyTorch or $PEERS/bench_torch_lstm.py missing; timing wick only"; PY=
fi
# The peer's file list: the plain files the fortunes package installed (no symlinks).
if [ -n "$PY" ]; then
    PYTHONPATH="$PEERS" $PY -c 'import os, peercommon as pc
print("\n".join(os.path.basename(p) for p in pc.fortune_files(package="fortunes")))' > "$tmp/files"
else
    for f in $(grep '^/usr/share/games/fortunes/[^/.]*$' /var/lib/dpkg/info/fortunes.list); do
        [ -f "$f" ] && [ ! -L "$f" ] && basename "$f"
    done > "$tmp/files"
fi
WAIT=${WAIT:-PASSIVE}
export OMP_WAIT_POLICY=$WAIT
field() { awk -v k="$1" '{for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] }}'; }
echo "charrnn: budget ${budget}s per run, OMP_WAIT_POLICY=$WAIT; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cpus"
for t in 1 2; do
    WICK_THREADS=$t "$WICK" tests/bench/bench_charrnn.lua "$budget" "$tmp/files" > "$tmp/w$t"
    w_rate=$(grep RESULT "$tmp/w$t" | field wick_train_chars_s); w_val=$(grep RESULT "$tmp/w$t" | field valid_nats)
    w_samp=$(grep RESULT "$tmp/w$t" | field sample_chars_s); w_steps=$(grep RESULT "$tmp/w$t" | field steps)
    w_cpu=$(grep RESULT "$tmp/w$t" | field sample_chars_per_cpu_s)
    if [ -n "$PY" ]; then
        (cd "$PEERS" && $PY bench_torch_lstm.py --threads "$t" --budget "$budget") > "$tmp/p$t"
        p_rate=$(grep RESULT "$tmp/p$t" | field throughput); p_val=$(grep RESULT "$tmp/p$t" | field quality)
        p_steps=$(grep RESULT "$tmp/p$t" | field steps)
        ratio=$(awk -v a="$w_rate" -v b="$p_rate" 'BEGIN {printf "%.2f", a / b}')
        echo "charrnn train, $t thread(s): wick $w_rate chars/s ($w_steps steps, val $w_val nats/char);" \
             "torch $p_rate chars/s ($p_steps steps, val $p_val nats/char); wick/torch = ${ratio}x (target >= 1.0)"
    else
        echo "charrnn train, $t thread(s): wick $w_rate chars/s ($w_steps steps, val $w_val nats/char)"
    fi
    echo "charrnn sample, $t thread(s): wick $w_samp chars/s wall, $w_cpu chars per CPU-second (target >= 5000)"
done
echo "charrnn: load average after $(cut -d' ' -f1-3 /proc/loadavg)"
