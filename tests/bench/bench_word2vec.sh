#!/bin/sh
# bench_word2vec.sh [WICK] — word2vec skip-gram, one epoch (dim 100, window 5, negative 5,
# min_count 5, sample 1e-3), words/s of wick vs the original word2vec.c and gensim 4.2 at
# 1 and 2 threads on the same 12.7 MB corpus, then analogy accuracy of each (scored by
# wick's compute-accuracy, restrict 30000) on questions-words.txt (from the word2vec.c
# sources) and on the shipped-data set from sketches/word2vec/make_analogies.lua, and the
# quality figure that tells a run that learned less: the overlap of each frequent word's
# ten nearest neighbours with gensim's at 1 worker (a second gensim seed is the noise floor).
#
# Needs: /usr/bin/python3 with python3-gensim; the corpus packages of
# ../shared/peers/make_corpus.py (fortunes, fortune-anarchism, fortunes-bofh-excuses,
# bible-kjv, dict-devil, dict-jargon, dict-foldoc); word2vec.c built under /tmp by
# ../shared/peers/build_peers.sh (WORD2VEC_SRC=<checkout of tmikolov/word2vec>) with
# its makefile flags. Runs are interleaved (wick, C, gensim) REPS times; the best wall
# time counts; the load average is printed because the machine is shared.
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${1:-${WICK:-./wick}}
REPS=${REPS:-2}
PEERS=${PEERS:-$(cd ../shared/peers && pwd)}
B=${PEERS_BUILD:-${TMPDIR:-/tmp}/peers-build}
W=${PEERS_WORK:-${TMPDIR:-/tmp}/peers-work}
C="$B/word2vec/word2vec"
here=tests/bench
mkdir -p "$W"
[ -f "$W/corpus.txt" ] || (cd "$PEERS" && /usr/bin/python3 make_corpus.py "$W/corpus.txt")
[ -x "$C" ] || { echo "bench_word2vec: note: $C missing (fetch tmikolov/word2vec, WORD2VEC_SRC=... $PEERS/build_peers.sh); skipping the C peer"; C=""; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$WICK" sketches/word2vec/make_analogies.lua "$tmp/analogies.txt" > /dev/null
Q="$tmp/analogies.txt"
[ -f "$B/word2vec/questions-words.txt" ] && Q="$B/word2vec/questions-words.txt $Q"
log="$tmp/log"; : > "$log"
for rep in $(seq 1 "$REPS"); do
  for t in 1 2; do
    echo "# rep $rep threads $t  load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$WICK" "$here/bench_word2vec.lua" train "$W/corpus.txt" "$t" "$tmp/wick-$t.bin" | tee -a "$log"
    if [ -n "$C" ]; then
      s=$(date +%s.%N)
      "$C" -train "$W/corpus.txt" -output "$tmp/c-$t.bin" -cbow 0 -size 100 -window 5 -negative 5 -hs 0 \
        -sample 1e-3 -threads "$t" -binary 1 -iter 1 -min-count 5 -alpha 0.025 > /dev/null
      e=$(date +%s.%N)
      words=$(grep -m1 -o 'words=[0-9]*' "$log" | cut -d= -f2)
      echo "$s $e $t $words" | awk '{w=$2-$1; printf "RESULT peer=word2vec-c threads=%d words=%d wall_s=%.2f words_per_s=%.0f\n", $3, $4, w, $4/w}' | tee -a "$log"
    fi
    /usr/bin/python3 "$here/bench_word2vec_gensim.py" "$W/corpus.txt" "$t" "$tmp/gensim-$t.bin" | tee -a "$log"
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# best wall per peer and thread count, and wick's ratio (words/s over the peer's):"
awk '/^RESULT/ { split($0, f, " "); p=""; t=""; w=0;
  for (i in f) { split(f[i], kv, "="); if (kv[1]=="peer") p=kv[2]; if (kv[1]=="threads") t=kv[2]; if (kv[1]=="words_per_s") w=kv[2] }
  k=p" "t; if (w > best[k]) best[k]=w; if (p=="wick") wk[t]=(w > wk[t] ? w : wk[t]) }
  END { for (k in best) { split(k, a, " "); printf "BEST peer=%s threads=%s words_per_s=%.0f wick_ratio=%.2f\n", a[1], a[2], best[k], wk[a[2]]/best[k] } }' "$log" | sort
for t in 1 2; do
  for p in wick c gensim; do
    if [ -f "$tmp/$p-$t.bin" ]; then "$WICK" "$here/bench_word2vec.lua" eval "$p-$t" "$tmp/$p-$t.bin" $Q; fi
  done
done
/usr/bin/python3 "$here/bench_word2vec_gensim.py" "$W/corpus.txt" 1 "$tmp/gensim-seed2.bin" 2 > /dev/null
others="gensim-seed2=$tmp/gensim-seed2.bin"
for t in 1 2; do for p in wick c gensim; do
  [ -f "$tmp/$p-$t.bin" ] && others="$others $p-$t=$tmp/$p-$t.bin"
done; done
echo "# ten-nearest-neighbour overlap with gensim at 1 worker (words ranked 51..1050):"
"$WICK" "$here/bench_word2vec.lua" overlap "$tmp/gensim-1.bin" $others
