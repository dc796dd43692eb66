#!/bin/sh
# run_tests.sh WICK CTEST... — runs the C unit tests, then the busted specs inside WICK,
# and ends with one line "N passed, M failed" summing both.
wick=$1; shift
passed=0; failed=0; log=$(mktemp); trap 'rm -f "$log"' EXIT
tally() {  # add up every "<suite>: N passed, M failed" line in $log
    while read -r p f; do passed=$((passed + p)); failed=$((failed + f)); done <<EOF2
$(sed -n 's/^[a-z0-9_ -]*: \([0-9]*\) passed, \([0-9]*\) failed.*$/\1 \2/p' "$log")
EOF2
}
for t in "$@"; do
    : > "$log"
    if ! "$t" > "$log" 2>&1; then
        grep -q ' passed, ' "$log" || echo "$(basename "$t"): 0 passed, 1 failed" >> "$log"
    fi
    grep -v '^$' "$log"; tally
done
: > "$log"
WICK="$wick" "$wick" tests/busted_runner.lua tests/spec 2>&1 | tee "$log"
grep -q '^specs: ' "$log" || { echo "specs: 0 passed, 1 failed (the spec run did not finish)"; echo "specs: 0 passed, 1 failed" > "$log"; }
tally
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
