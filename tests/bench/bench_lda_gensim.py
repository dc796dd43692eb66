#!/usr/bin/python3
"""bench_lda_gensim.py — the gensim 4.2 side of bench_lda.sh, with the corpus
preparation of ../shared/peers/bench_lda.py, so wick and gensim learn from the same
documents and are scored the same way.

  prepare CORPUS DIR   CORPUS: one paragraph per line, tokens separated by spaces
                       (written by bench_lda.lua). Drops gensim's STOPWORDS, builds a
                       Dictionary with filter_extremes(no_below=5, no_above=0.5,
                       keep_n=100000), drops paragraphs with < 5 remaining tokens;
                       paragraph i is held out when i % 20 == 19. Held-out words never
                       seen in training are dropped. Writes DIR/train.txt and
                       DIR/heldout.txt (tokens in their order, one document a line).
  run DIR PEER [WORKERS]   PEER ldamodel | ldamulticore: LdaModel(num_topics=20,
                       passes=1, chunksize=2000, alpha='symmetric', iterations=50,
                       eval_every=None, random_state=0) as the peers' script runs it.
                       tokens/s = training tokens / wall (model construction).
                       Perplexity by document completion, computed as wick computes
                       it: each held-out document's first half (in word order) gives
                       theta (gensim's inference()), the second half is scored,
                       perplexity = exp(-mean log(theta . beta[:, w])).
Prints one RESULT line.
"""
import math
import os
import sys
import time

import numpy as np


def prepare(corpus, out):
    from gensim.corpora import Dictionary
    from gensim.parsing.preprocessing import STOPWORDS
    with open(corpus) as f:
        docs = [[w for w in line.split() if w not in STOPWORDS] for line in f]
    dct = Dictionary(docs)
    dct.filter_extremes(no_below=5, no_above=0.5, keep_n=100000)
    docs = [[w for w in d if w in dct.token2id] for d in docs]
    docs = [d for d in docs if len(d) >= 5]
    train = [d for i, d in enumerate(docs) if i % 20 != 19]
    held = [d for i, d in enumerate(docs) if i % 20 == 19]
    seen = {w for d in train for w in d}
    held = [[w for w in d if w in seen] for d in held]
    for name, ds in (("train.txt", train), ("heldout.txt", held)):
        with open(os.path.join(out, name), "w") as f:
            for d in ds:
                f.write(" ".join(d) + "\n")
    print("# prepared: %d training documents, %d tokens, vocabulary %d; %d held-out documents"
          % (len(train), sum(map(len, train)), len(seen), len(held)))


def read_docs(path):
    with open(path) as f:
        return [line.split() for line in f]


def run(d, peer, workers):
    import gensim
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel, LdaMulticore
    train, held = read_docs(os.path.join(d, "train.txt")), read_docs(os.path.join(d, "heldout.txt"))
    dct = Dictionary(train)
    bows = [dct.doc2bow(x) for x in train]
    tokens = sum(c for b in bows for _, c in b)
    kw = dict(corpus=bows, id2word=dct, num_topics=20, passes=1, chunksize=2000,
              alpha="symmetric", iterations=50, eval_every=None, random_state=0)
    t0 = time.perf_counter()
    if peer == "ldamodel":
        lda = LdaModel(update_every=1, **kw)
        threads = 1
    else:
        lda = LdaMulticore(workers=workers, **kw)
        threads = workers
    wall = time.perf_counter() - t0
    beta = lda.get_topics()   # (K, V), rows sum to 1
    firsts = [dct.doc2bow(x[:len(x) // 2]) for x in held if len(x) >= 2]
    seconds = [x[len(x) // 2:] for x in held if len(x) >= 2]
    gamma, _ = lda.inference(firsts)
    theta = gamma / gamma.sum(1, keepdims=True)
    ll = words = 0.0
    for t, s in zip(theta, seconds):
        ids = np.array([dct.token2id[w] for w in s])
        ll += float(np.log(t @ beta[:, ids]).sum())
        words += len(ids)
    print("RESULT peer=gensim-%s-%s threads=%d docs=%d tokens=%d wall_s=%.3f tokens_per_s=%.0f "
          "perplexity=%.1f ll_per_word=%.4f scored=%d" % (gensim.__version__, peer, threads, len(train), tokens,
                                                         wall, tokens / wall, math.exp(-ll / words), ll / words,
                                                         words), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    else:
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 2)
