-- bench_lda.lua — the wick side of bench_lda.sh.
--   wick bench_lda.lua corpus OUT            Austen's six novels (wick.text.corpus.austen)
--       split into paragraphs at blank lines, each normalised as the peers' make_corpus.py
--       does (lowercase, apostrophes deleted, runs of a-z: wick.text.tokenize), one a line
--   wick bench_lda.lua train DIR THREADS [ITERATIONS]   embed.lda on DIR/train.txt (20
--       topics), then document-completion perplexity on DIR/heldout.txt; one RESULT line.
--       tokens/s counts training tokens over the whole embed.lda call (vocabulary
--       building and every sweep).
local wick = require "wick"
local mode = arg[1]

if mode == "corpus" then
  local s = wick.text.corpus.austen()
  local f = assert(io.open(arg[2], "w"))
  local n = 0
  for par in (s .. "\n\n"):gmatch("(.-)\n[ \t]*\n") do
    local words = wick.text.tokenize(par)
    if #words > 0 then f:write(table.concat(words, " "), "\n"); n = n + 1 end
  end
  f:close()
  print(("# corpus: %d paragraphs of Austen's six novels"):format(n))
  return
end

local function read_docs(path)
  local docs = {}
  for line in io.lines(path) do
    local d = {}
    for w in line:gmatch("%S+") do d[#d + 1] = w end
    docs[#docs + 1] = d
  end
  return docs
end

local dir, threads, iters = arg[2], tonumber(arg[3]), tonumber(arg[4] or 100)
local train, held = read_docs(dir .. "/train.txt"), read_docs(dir .. "/heldout.txt")
wick.threads(threads)
local t0 = wick.clock()
local m, info = wick.embed.lda(train, { topics = 20, iterations = iters, seed = 1, progress = false,
  every = iters })
local wall = wick.clock() - t0
local t1 = wick.clock()
local ppl, lp, scored = m:perplexity(held, { iterations = 50, seed = 1 })
local eval_s = wick.clock() - t1
print(("RESULT peer=wick threads=%d docs=%d tokens=%d iterations=%d wall_s=%.3f tokens_per_s=%.0f "
  .. "perplexity=%.1f ll_per_word=%.4f scored=%d eval_s=%.2f alpha=%g beta=%g"):format(threads, #m, m:tokens(), iters,
  wall, m:tokens() / wall, ppl, lp, scored, eval_s, info.alpha, info.beta))
