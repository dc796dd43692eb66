#!/bin/sh
# bench_lda.sh [WICK] — topic models: wick.embed.lda (collapsed Gibbs, SparseLDA, ITERS
# sweeps, default "25 50": one run each) against gensim 4.2's LdaModel (one process) and LdaMulticore (2
# workers), 20 topics, on the paragraphs of Jane Austen's six novels (make data:
# r-cran-janeaustenr), prepared as ../shared/peers/bench_lda.py prepares its corpus
# (gensim's STOPWORDS, filter_extremes(no_below=5, no_above=0.5), >= 5 tokens, every
# 20th paragraph held out; tests/bench/bench_lda_gensim.py). Both learn from the same
# documents; quality is held-out perplexity by document completion computed the same way
# for both (first half of each held-out document infers theta, the second half is
# scored; lower is better). Prints tokens/s (training tokens / wall), perplexity, and
# wick's ratio over gensim's LdaModel at 1 and 2 threads; runs are interleaved REPS
# times and the best wall counts. The load average is printed: the machine is shared.
# CORPUS=FILE (one paragraph per line, e.g. ../shared/peers/make_corpus.py's corpus.txt)
# replaces Austen.
#
# Needs: /usr/bin/python3 with python3-gensim; make data (Austen).
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${1:-${WICK:-./wick}}
REPS=${REPS:-2}
ITERS=${ITERS:-25 50}
here=tests/bench
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ -n "${CORPUS:-}" ]; then cp "$CORPUS" "$tmp/corpus.txt"; else "$WICK" "$here/bench_lda.lua" corpus "$tmp/corpus.txt"; fi
/usr/bin/python3 "$here/bench_lda_gensim.py" prepare "$tmp/corpus.txt" "$tmp"
log="$tmp/log"; : > "$log"
for rep in $(seq 1 "$REPS"); do
  for t in 1 2; do
    echo "# rep $rep threads $t  load $(cut -d' ' -f1-3 /proc/loadavg)"
    for it in $ITERS; do "$WICK" "$here/bench_lda.lua" train "$tmp" "$t" "$it" | tee -a "$log"; done
    if [ "$t" = 1 ]; then
      /usr/bin/python3 "$here/bench_lda_gensim.py" run "$tmp" ldamodel | tee -a "$log"
    else
      /usr/bin/python3 "$here/bench_lda_gensim.py" run "$tmp" ldamulticore "$t" | tee -a "$log"
    fi
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# best tokens/s per peer and threads; wick's ratio over gensim LdaModel (1 process) and over the same thread count:"
awk '/^RESULT/ { p=""; t=""; r=0; q=0;
  for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1]=="peer") p=kv[2]; if (kv[1]=="threads") t=kv[2];
    if (kv[1]=="iterations") p=p"-"kv[2]"sweeps";
    if (kv[1]=="tokens_per_s") r=kv[2]+0; if (kv[1]=="perplexity") q=kv[2] }
  k=p" "t; if (r > best[k]) { best[k]=r; ppl[k]=q } }
  END { for (k in best) { split(k, a, " "); if (a[1] ~ /ldamodel/) base=best[k]; if (a[1] !~ /^wick/) peer[a[2]]=best[k] }
    for (k in best) { split(k, a, " ");
      printf "BEST peer=%s threads=%s tokens_per_s=%.0f perplexity=%s", a[1], a[2], best[k], ppl[k];
      if (a[1] ~ /^wick/) printf " ratio_vs_ldamodel=%.2f ratio_vs_same_threads=%.2f", best[k]/base, best[k]/peer[a[2]];
      printf "\n" } }' "$log" | sort
