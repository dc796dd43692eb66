#!/bin/sh
# mutate_charrnn.sh — fuzzes char-rnn checkpoints, which libFuzzer cannot reach (the Lua
# sugar in bindings/text/text_charrnn.lua interprets their metadata). Trains a tiny model with
# the ASan wick, writes N mutants of its checkpoint (tests/fuzz/mutate.lua) and loads each
# in a fresh process (tests/fuzz/charrnn_load.lua) under a 10 s timeout and ASan's memory
# caps. A Lua error is a pass; a crash, a sanitizer report or a hang is a finding, kept in
# build/fuzz/charrnn/findings. Saved reproducers (tests/fuzz/crashes/charrnn/*) are
# replayed first, but for pending ones (all of them with REGRESS=1).
#
#   tests/fuzz/mutate_charrnn.sh WICK [N [SEED]]
set -u
cd "$(dirname "$0")/../.."
WICK=$1
N=${2:-150}
SEED=${3:-$(date +%s)}
DIR=build/fuzz/charrnn
# A few bytes of checkpoint must not cost a gigabyte: refuse bigger single allocations
# (reported, not returned as NULL) and cap the resident size.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0:max_allocation_size_mb=1024:hard_rss_limit_mb=2048"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=tests/lsan.supp:print_suppressions=0"
export WICK_SANITIZED=1 WICK_THREADS=1
mkdir -p "$DIR/findings"

# status 0 when the file loads (or is refused) cleanly; the log is left in $DIR/last.log
check() {
    timeout -s KILL 10 "$WICK" tests/fuzz/charrnn_load.lua "$1" > "$DIR/last.log" 2>&1
    rc=$?
    if [ "$rc" -eq 137 ]; then echo "timeout -" > "$DIR/last.sig"; return 1; fi
    tests/fuzz/run.sh sig "$DIR/last.log" > "$DIR/last.sig"
    [ "$rc" -eq 0 ] && ! grep -q 'ERROR: \|runtime error' "$DIR/last.log"
}

bad=0
for f in tests/fuzz/crashes/charrnn/*; do
    [ -f "$f" ] || continue
    if [ -z "${REGRESS:-}" ] && tests/fuzz/run.sh pending-file charrnn "$(basename "$f")"; then continue; fi
    if ! check "$f"; then echo "FAIL charrnn $f: $(cat "$DIR/last.sig")"; bad=$((bad + 1)); fi
done
[ -n "${REGRESS:-}" ] && { echo "charrnn regress: $bad failed"; [ "$bad" -eq 0 ]; exit; }

rm -rf "$DIR/mutants" && mkdir -p "$DIR/mutants"
# the seed: a tiny LSTM (as tests/spec/charrnn_spec.lua trains), with GRU for odd seeds
cell=$([ $((SEED % 2)) -eq 0 ] && echo lstm || echo gru)
"$WICK" -e "local wick = require 'wick'
wick.seed(1)
local m = wick.text.char_rnn { layers = 2, hidden = 8, embed = 4, cell = '$cell' }
m:train(('the cat sat on the mat. café ☕.\n'):rep(8), { steps = 5, seq = 8, batch = 2, progress = false })
m:save('$DIR/seed.safetensors')" > "$DIR/seed.log" 2>&1 || { cat "$DIR/seed.log"; echo "charrnn: cannot train the seed model"; exit 1; }
check "$DIR/seed.safetensors" || { echo "charrnn: the unmutated checkpoint fails: $(cat "$DIR/last.sig")"; exit 1; }
lua5.4 tests/fuzz/mutate.lua "$DIR/seed.safetensors" "$DIR/mutants" "$N" "$SEED"

start=$(date +%s); refused=0; loaded=0; known=0
for f in "$DIR"/mutants/*; do
    if check "$f"; then
        if grep -q '^refused' "$DIR/last.log"; then refused=$((refused + 1)); else loaded=$((loaded + 1)); fi
        continue
    fi
    sig=$(cat "$DIR/last.sig")
    if tests/fuzz/run.sh pending charrnn $sig; then known=$((known + 1)); continue; fi
    cp "$f" "$DIR/findings/"
    cp "$DIR/last.log" "$DIR/findings/$(basename "$f").log"
    echo "FAIL charrnn: $sig (input $DIR/findings/$(basename "$f"), log beside it)"
    grep -m3 'ERROR:\|runtime error' "$DIR/last.log" | sed 's/^/    /'
    bad=$((bad + 1))
done
echo "charrnn: $N mutants (seed $SEED, $cell) in $(( $(date +%s) - start ))s: $loaded loaded, $refused refused cleanly, $known pending findings hit again, $bad new findings"
[ "$bad" -eq 0 ]
