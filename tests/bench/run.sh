#!/bin/sh
# run.sh — runs every benchmark in tests/bench (bench_*.sh), each printing its own
# side-by-side lines and ratios. Not part of `make test`: benchmarks take minutes and
# want a quiet machine. Usage: tests/bench/run.sh [name-filter]
set -u
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
export WICK
status=0
for b in tests/bench/bench_*.sh; do
    case "$b" in *"${1:-}"*) ;; *) continue ;; esac
    echo "== $b"
    sh "$b" || status=1
done
exit $status
