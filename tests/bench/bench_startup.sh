#!/bin/sh
# bench_startup.sh — wall time of `wick -e ''` against `lua5.4 -e ''` and a C program
# that only links OpenBLAS (the floor wick cannot go under), median of 200 runs each.
# Target: wick ≤ 15 ms.
set -eu
sh "$(dirname "$0")/machine.sh"
WICK=${WICK:-./wick}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/blas_only.c" <<'C'
#include <cblas.h>
int main(void) { float x = 1, y = 2; return (int)cblas_sdot(1, &x, 1, &y, 1) - 2; }
C
cc -O2 -o "$tmp/blas_only" "$tmp/blas_only.c" $(pkg-config --cflags --libs openblas)
median_ms() {  # median wall time of 200 runs of "$@", in ms
    i=0
    while [ $i -lt 200 ]; do
        s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
        echo $(( (e - s) / 1000 )); i=$((i + 1))
    done | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int(NR/2)+1]/1000}'
}
w=$(median_ms "$WICK" -e '')
l=$(median_ms lua5.4 -e '')
b=$(median_ms "$tmp/blas_only")
echo "startup: wick -e '' $w ms | lua5.4 -e '' $l ms | C + OpenBLAS only $b ms (target wick <= 15 ms)"
