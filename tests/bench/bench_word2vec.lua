-- bench_word2vec.lua — the wick half of bench_word2vec.sh.
--   wick bench_word2vec.lua train CORPUS THREADS OUT.bin   skip-gram 1 epoch, prints RESULT
--   wick bench_word2vec.lua eval NAME VECTORS QUESTIONS... analogy accuracy, prints RESULT
--   wick bench_word2vec.lua overlap REF NAME=VECTORS...   neighbour overlap with REF, prints OVERLAP
-- Settings match the peers: dim 100, window 5, negative 5, min_count 5, sample 1e-3,
-- alpha 0.025, one epoch; wall = vocabulary scan + training (inside the process).
local wick = require "wick"
local mode = arg[1]
if mode == "train" then
  local corpus, threads, out = arg[2], tonumber(arg[3]), arg[4]
  local t0 = wick.clock()
  local m, st = wick.embed.word2vec(corpus, { dim = 100, window = 5, negative = 5, min_count = 5,
    sample = 1e-3, alpha = 0.025, epochs = 1, threads = threads, seed = 1, progress = false })
  local wall = wick.clock() - t0
  print(("RESULT peer=wick threads=%d words=%d vocab=%d wall_s=%.2f scan_s=%.2f words_per_s=%.0f")
    :format(threads, st.tokens, st.vocab, wall, st.scan_seconds, st.tokens / wall))
  m:save(out, { format = "binary" })
elseif mode == "eval" then
  local name, path = arg[2], arg[3]
  local v = wick.embed.load_vectors(path)
  for i = 4, #arg do
    local r = v:evaluate(arg[i], { restrict = 30000 })
    local per = {}
    for _, s in ipairs(r.sections) do
      per[#per + 1] = ("%s=%.2f%%(%d)"):format(s.name, 100 * s.accuracy, s.seen)
    end
    print(("ACCURACY peer=%s questions=%s acc=%.2f%% seen=%d/%d coverage=%.1f%% %s")
      :format(name, arg[i]:match("[^/]*$"), 100 * r.accuracy, r.seen, r.total, 100 * r.coverage,
        table.concat(per, " ")))
  end
elseif mode == "overlap" then
  -- For the words ranked 51..1,050 by frequency in REF (frequent, past the stop words):
  -- the mean share of each word's ten nearest neighbours in REF that are also among its
  -- ten nearest in the other vectors. Two gensim runs with different seeds give the
  -- noise floor of this figure; a run that learns less than its peer scores lower.
  local ref = wick.embed.load_vectors(arg[2])
  local words = ref:words(1050)
  local function nn(m, w)
    local set = {}
    for _, h in ipairs(m:nearest(w, 10)) do set[h[1]] = true end
    return set
  end
  local ref_nn = {}
  for i = 51, #words do ref_nn[words[i]] = nn(ref, words[i]) end
  for i = 3, #arg do
    local name, path = arg[i]:match("^([^=]+)=(.+)$")
    local m = wick.embed.load_vectors(path)
    local sum, n = 0, 0
    for w, set in pairs(ref_nn) do
      if m:has(w) then
        local hit = 0
        for x in pairs(nn(m, w)) do if set[x] then hit = hit + 1 end end
        sum, n = sum + hit / 10, n + 1
      end
    end
    print(("OVERLAP peer=%s ref=%s words=%d overlap=%.3f"):format(name, arg[2]:match("[^/]*$"), n, sum / n))
  end
else
  error("usage: bench_word2vec.lua train|eval|overlap ...")
end
