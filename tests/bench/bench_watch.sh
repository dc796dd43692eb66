#!/bin/sh
# bench_watch.sh — how fast a cosmetic edit shows under `wick --watch`, with the sketch's
# slow steps cached (wick.cache). For each of sketches/tsne and sketches/classify: copy the
# sketch to a temporary folder, start `wick --watch` on the copy, wait for the first full
# run (it trains and lays out for real: minutes), then ROUNDS times edit a colour in the
# copy (sed -i: a write-and-rename, as editors save) and time, from the save, until the
# picture that colour is in is written again, and until the run ends. Prints one line a
# round and the worst. Usage: tests/bench/bench_watch.sh [tsne|classify]; ROUNDS=3.
# The sketchbook is a temporary one (WICK_BOOK), so the first run starts cold.
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=$(realpath "${WICK:-./wick}")
ROUNDS=${ROUNDS:-3}
only=${1:-}
tmp=$(mktemp -d /tmp/wick-bench-watch.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
export WICK_BOOK="$tmp/sketchbook.db"

now() { date +%s.%N; }
since() { echo "$1 $(now)" | awk '{printf "%.3f", $2 - $1}'; }

# wait_until LIMIT TEST...: poll every 10 ms until the shell test holds (at most LIMIT s)
wait_until() {
    limit=$1; shift
    waited_from=$(now)
    while ! "$@"; do
        if [ "$(since "$waited_from" | cut -d. -f1)" -ge "$limit" ]; then echo "timed out: $*" >&2; return 1; fi
        sleep 0.01
    done
}
log_has() { grep -q "$1" "$tmp/log" 2>/dev/null; }
log_count() { grep -c "$1" "$tmp/log" 2>/dev/null || true; }
newer() { [ -f "$1" ] && [ "$1" -nt "$tmp/marker" ]; }
ends_more() { [ "$(log_count "$1")" -gt "$2" ]; }

# bench NAME SKETCH_FILE EDITED_FILE PICTURE END_LINE SED_A SED_B
bench() {
    name=$1; file=$2; edited=$3; picture=$4; end_line=$5; to_b=$6; to_a=$7
    dir="$tmp/$name"
    rm -rf "$dir"; cp -r "sketches/$name" "$dir"; rm -rf "$dir/out"
    : > "$tmp/log"
    "$WICK" --watch "$dir/$file" > "$tmp/log" 2>&1 &
    pid=$!
    start=$(now)
    wait_until 3600 log_has "$end_line"
    echo "$name: first run (cold: trains and lays out) $(since "$start") s"
    worst_pic=0; worst_end=0
    for round in $(seq 1 "$ROUNDS"); do
        if [ $((round % 2)) = 1 ]; then expr=$to_b; else expr=$to_a; fi
        ends=$(log_count "$end_line")
        touch "$tmp/marker"; sleep 0.02   # mtimes after the marker are the new run's
        start=$(now)
        sed -i "$expr" "$dir/$edited"
        wait_until 60 newer "$dir/out/$picture"
        pic=$(since "$start")
        wait_until 60 ends_more "$end_line" "$ends"
        end=$(since "$start")
        echo "$name: round $round: new $picture after $pic s, run ended after $end s (from the save)"
        worst_pic=$(echo "$worst_pic $pic" | awk '{print ($2 > $1) ? $2 : $1}')
        worst_end=$(echo "$worst_end $end" | awk '{print ($2 > $1) ? $2 : $1}')
    done
    echo "$name: worst of $ROUNDS: picture $worst_pic s, whole run $worst_end s (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

if [ -z "$only" ] || [ "$only" = tsne ]; then
    bench tsne tsne.lua tsne.lua map-rgb-seed7.png "page-seed7/index.html" \
        's/background = { 0, 0, 0 }/background = { 0.1, 0.1, 0.2 }/' \
        's/background = { 0.1, 0.1, 0.2 }/background = { 0, 0, 0 }/'
fi
if [ -z "$only" ] || [ "$only" = classify ]; then
    bench classify classify.lua classify_watch.lua tenclass-seed7.png "wrote .*tenclass.safetensors" \
        's/T { 0.1, 0.4 + 0.6 \* c, 0.2 }/T { 0.1, 0.3 + 0.7 * c, 0.6 }/' \
        's/T { 0.1, 0.3 + 0.7 \* c, 0.6 }/T { 0.1, 0.4 + 0.6 * c, 0.2 }/'
fi
