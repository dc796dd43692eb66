#!/bin/sh
# run_tests.sh WICK CTEST... — runs the C unit tests, then the busted specs inside WICK,
# then wick.page's browser test (tests/browser/run.sh), and ends with one line "N passed,
# M failed" summing them (", K skipped" after it when a suite skipped some).
wick=$1; shift
passed=0; failed=0; skipped=0; log=$(mktemp); marker=$(mktemp); book=$(mktemp -d)
trap 'rm -f "$log" "$marker"; rm -rf "$book"' EXIT
# Every run of a script is recorded in the sketchbook (bindings/store/book.lua): the
# tests' runs go to a throw-away one, never to the user's.
export WICK_BOOK="$book/sketchbook.db"
tally() {  # add up every "<suite>: N passed, M failed[, K skipped]" line in $log
    while read -r p f s; do passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0})); done <<EOF2
$(sed -n 's/^[a-z0-9_ -]*: \([0-9]*\) passed, \([0-9]*\) failed\(, \([0-9]*\) skipped\)\{0,1\}.*$/\1 \2 \4/p' "$log")
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
: > "$log"
tests/browser/run.sh "$wick" 2>&1 | tee "$log"
grep -q '^browser: ' "$log" || echo "browser: 0 passed, 1 failed (the browser test did not finish)" | tee "$log"
tally
# Tests write only under temporary folders: no new file in the repo (outside build/) and
# nothing in the data folders may date from this run.
: > "$log"
strays=$( { git ls-files --others 2>/dev/null | grep -v '^build/' | while read -r f; do [ "$f" -nt "$marker" ] && echo "$f"; done
            for d in /usr/local/share/wick "$HOME/.local/share/wick" "$HOME/.cache/wick"; do
                [ -d "$d" ] && find "$d" -newer "$marker" -type f 2>/dev/null; done; } | head -n 20)
if [ -n "$strays" ]; then
    echo "tests wrote outside a temporary folder:"; echo "$strays" | sed 's/^/  /'
    echo "writes: 0 passed, 1 failed" | tee "$log"
else
    echo "writes: 1 passed, 0 failed" > "$log"; cat "$log"
fi
tally
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"
else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
