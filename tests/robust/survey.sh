#!/bin/sh
# survey.sh WICK [filter] — runs api_calls.lua under WICK in a scratch folder, and when a
# call crashes the process, notes it, skips it and carries on from that case. Problems
# go to stdout (one line each, plus "crash" lines); progress to out/err files in $OUT.
wick=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); shift
here=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$(mktemp -d /tmp/wick-survey.XXXXXX)}
: > "$OUT/skip"; : > "$OUT/problems"
start=1
while :; do
    (cd "$OUT" && ROBUST_TRACE="$OUT/trace" ROBUST_SKIP="$OUT/skip" ROBUST_START=$start WICK="$wick" \
        "$wick" "$here/api_calls.lua" "$@" > "$OUT/out" 2> "$OUT/err")
    rc=$?
    grep -a '^PROBLEM' "$OUT/err" | sed 's/^PROBLEM //' >> "$OUT/problems"
    if [ $rc -lt 128 ]; then break; fi
    line=$(cat "$OUT/trace")
    idx=$(printf '%s' "$line" | cut -f1)
    rest=$(printf '%s' "$line" | cut -f2- | sed 's/ x200$//')
    printf '%s\n' "$rest" >> "$OUT/skip"
    reason=$(grep -a -m1 'ERROR: \|runtime error\|SUMMARY' "$OUT/err" | cut -c1-160)
    printf 'crash (rc %s)             %s   %s\n' "$rc" "$(printf '%s' "$rest" | tr '\t' ' ')" "$reason" >> "$OUT/problems"
    start=$idx
done
sort "$OUT/problems"
tail -1 "$OUT/out"
echo "(files in $OUT)"
