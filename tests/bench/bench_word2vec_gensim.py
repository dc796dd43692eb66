#!/usr/bin/python3
"""The gensim half of bench_word2vec.sh: gensim 4.2 Word2Vec skip-gram, one epoch, the
same settings as wick and word2vec.c (dim 100, window 5, negative 5, hs 0, min_count 5,
sample 1e-3, alpha 0.025), on LineSentence(corpus) (the common iterator path; see
../shared/peers/RESULTS.md: it matches corpus_file at 1 worker and beats it at 2).
wall = build_vocab + train.  Saves the vectors in word2vec binary format for wick to
score with the same compute-accuracy rules as the other peers.
Usage: bench_word2vec_gensim.py CORPUS WORKERS OUT.bin [SEED]"""
import logging
import sys
import time

import gensim
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence

corpus, workers, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
logging.basicConfig(level=logging.WARNING)
t0 = time.perf_counter()
m = Word2Vec(vector_size=100, window=5, min_count=5, sg=1, hs=0, negative=5, sample=1e-3,
             alpha=0.025, epochs=1, workers=workers, seed=seed)
m.build_vocab(LineSentence(corpus))
m.train(LineSentence(corpus), total_examples=m.corpus_count, epochs=1)
wall = time.perf_counter() - t0
words = m.corpus_total_words
print("RESULT peer=gensim-%s threads=%d words=%d vocab=%d wall_s=%.2f words_per_s=%.0f"
      % (gensim.__version__, workers, words, len(m.wv), wall, words / wall))
m.wv.save_word2vec_format(out, binary=True)
