#!/bin/sh
# run.sh — drives the libFuzzer targets built in build/fuzz (make fuzz, fuzz-regress).
#
#   run.sh replay T...        each saved crash of T (tests/fuzz/crashes/T/*) must now pass,
#                             but for those listed in tests/fuzz/crashes/pending
#   run.sh regress T...       every saved crash, pending ones too (are the fixes in?)
#   run.sh fuzz SECONDS T...  fuzz each target for SECONDS, one after the other, from the
#                             seeds (tests/fuzz/corpus/T) and what earlier runs found
#                             (build/fuzz/corpus/T); fails on any finding that is not pending
#   run.sh min T FILE         shrink a reproducer into build/fuzz/min-T
#   run.sh sig LOG | pending T KIND FUNCTION | pending-file T FILE   (for mutate_charrnn.sh)
#
# A finding is named "<kind> <function>": its kind (heap-buffer-overflow, leak, timeout,
# malloc-limit, ...) and the first stack frame in lib/ (or tests/fuzz/). A pending line
# is "<target> <kind> <function> <reproducer> # note"; when the fuzzer hits a pending
# finding again, the target is restarted (at most 8 times) to use the rest of its budget.
set -u
cd "$(dirname "$0")/../.."
BIN=build/fuzz
CRASHES=tests/fuzz/crashes
PENDING=$CRASHES/pending
# Every file of a few bytes must not cost a gigabyte or ten seconds.
OPTS="-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=tests/lsan.supp:print_suppressions=0}"

max_len() {   # bigger files for formats whose seeds are bigger
    case $1 in jpeg|png|safetensors|tfjs|gif|video|bundle) echo 16384 ;; *) echo 4096 ;; esac
}

# The finding in a libFuzzer log, as "<kind> <function>".
signature() {
    awk '
    kind == "" && /ERROR: AddressSanitizer: requested allocation size/ { kind = "allocation-size-too-big" }
    kind == "" && /ERROR: AddressSanitizer: allocator is out of memory/ { kind = "asan-oom" }
    kind == "" && /ERROR: AddressSanitizer: calloc parameters overflow/ { kind = "calloc-overflow" }
    kind == "" && /ERROR: AddressSanitizer: / { kind = $3 }
    kind == "" && /ERROR: LeakSanitizer: detected memory leaks/ { kind = "leak" }
    kind == "" && /ERROR: libFuzzer: out-of-memory \(malloc/ { kind = "malloc-limit" }
    kind == "" && /ERROR: libFuzzer: out-of-memory/ { kind = "rss-limit" }
    kind == "" && /ERROR: libFuzzer: timeout/ { kind = "timeout" }
    kind == "" && /runtime error: / { sub(/.*runtime error: /, ""); split($0, w, " "); kind = "ub-" w[1] "-" w[2] }
    kind == "" && /ERROR: libFuzzer: deadly signal/ { kind = "deadly-signal" }
    kind != "" && fn == "" && / in [A-Za-z_][A-Za-z_0-9]* .*(lib\/[a-z]+|tests\/fuzz)\/[A-Za-z_0-9]+\.[ch]:/ {
        for (i = 1; i < NF; i++) if ($i == "in") { fn = $(i + 1); break }
    }
    END { if (kind == "") kind = "unknown"; if (fn == "") fn = "-"; print kind, fn }' "$1"
}

is_pending() {   # target signature... -> status 0 when listed
    t=$1; shift
    [ -f "$PENDING" ] && grep -v '^#' "$PENDING" | awk -v t="$t" -v s="$*" '$1 == t && ($2 " " $3) == s { f = 1 } END { exit !f }'
}

pending_file() {   # target file -> status 0 when the reproducer is listed
    [ -f "$PENDING" ] && grep -v '^#' "$PENDING" | awk -v t="$1" -v f="$2" '$1 == t && $4 == f { m = 1 } END { exit !m }'
}

replay() {   # mode(replay|regress) targets...
    mode=$1; shift
    bad=0; n=0; skipped=0
    for t in "$@"; do
        [ -d "$CRASHES/$t" ] || continue
        for f in "$CRASHES/$t"/*; do
            [ -f "$f" ] || continue
            if [ "$mode" = replay ] && pending_file "$t" "$(basename "$f")"; then skipped=$((skipped + 1)); continue; fi
            n=$((n + 1))
            log=$BIN/replay-$t.log
            if ! "$BIN/fuzz_$t" $OPTS "$f" > "$log" 2>&1; then
                echo "FAIL $t $f: $(signature "$log")"
                grep -m3 'ERROR:\|runtime error' "$log" | sed 's/^/    /'
                bad=$((bad + 1))
            fi
        done
    done
    echo "fuzz $mode: $n saved inputs replayed, $bad failed$([ "$skipped" -gt 0 ] && echo ", $skipped pending skipped")"
    [ "$bad" -eq 0 ]
}

fuzz_one() {   # seconds target -> status 0 when nothing new was found
    secs=$1; t=$2
    mkdir -p "$BIN/corpus/$t" "$BIN/artifacts/$t"
    log=$BIN/fuzz-$t.log
    : > "$log"
    start=$(date +%s); runs=0; known=""
    while :; do
        left=$((secs - ($(date +%s) - start)))
        [ "$left" -ge 1 ] && [ "$runs" -lt 8 ] || break
        runs=$((runs + 1))
        rm -f "$BIN/artifacts/$t"/*
        if "$BIN/fuzz_$t" $OPTS -max_len="$(max_len "$t")" -max_total_time="$left" -print_final_stats=1 \
               -artifact_prefix="$BIN/artifacts/$t/" "$BIN/corpus/$t" "tests/fuzz/corpus/$t" > "$log.run" 2>&1; then
            cat "$log.run" >> "$log"
            break
        fi
        cat "$log.run" >> "$log"
        sig=$(signature "$log.run")
        art=$(ls -t "$BIN/artifacts/$t"/* 2>/dev/null | head -n 1)
        if is_pending "$t" "$sig"; then
            known="$known; $sig"
            continue
        fi
        mkdir -p "$BIN/findings/$t"
        [ -n "$art" ] && cp "$art" "$BIN/findings/$t/"
        cp "$log.run" "$BIN/findings/$t/$(basename "${art:-none}").log"
        rate=$(grep -h 'stat::average_exec_per_sec' "$log" | awk '{s += $2; n++} END {printf "%d", n ? s / n : 0}')
        echo "FAIL $t: $sig (input $BIN/findings/$t/$(basename "${art:-none}"), log beside it; $rate exec/s)"
        grep -m3 'ERROR:\|runtime error' "$log.run" | sed 's/^/    /'
        return 1
    done
    rate=$(grep -h 'stat::average_exec_per_sec' "$log" | awk '{s += $2; n++} END {printf "%d", n ? s / n : 0}')
    execs=$(grep -h 'stat::number_of_executed_units' "$log" | awk '{s += $2} END {printf "%d", s}')
    cov=$(grep -h '^#[0-9].*cov: ' "$log" | tail -n 1 | sed 's/.*cov: \([0-9]*\).*/\1/')
    echo "ok   $t: $execs runs in ${secs}s, $rate exec/s, cov ${cov:-?}, corpus $(ls "$BIN/corpus/$t" | wc -l)${known:+ (pending hit again:${known#;})}"
}

case ${1:-} in
replay|regress)
    mode=$1; shift
    replay "$mode" "$@" ;;
fuzz)
    secs=$2; shift 2
    failed=0
    for t in "$@"; do fuzz_one "$secs" "$t" || failed=$((failed + 1)); done
    echo "fuzz: $# targets, ${secs}s each, $failed with new findings"
    [ "$failed" -eq 0 ] ;;
sig)
    signature "$2" ;;
pending)
    t=$2; shift 2
    is_pending "$t" "$*" ;;
pending-file)
    pending_file "$2" "$3" ;;
min)
    t=$2; f=$3
    "$BIN/fuzz_$t" $OPTS -minimize_crash=1 -max_total_time=${MIN_SECONDS:-30} -exact_artifact_path="$BIN/min-$t" "$f" ;;
*)
    echo "usage: run.sh replay|regress TARGET... | fuzz SECONDS TARGET... | min TARGET FILE" >&2
    exit 2 ;;
esac
