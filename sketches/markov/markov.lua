-- Markov chains against char-rnn — the MegaHAL baseline. Word-level Markov chains of
-- order 2 learn the King James Bible, Jane Austen's six novels and the fortunes; asked
-- a question, each replies MegaHAL-style: it picks the rarest word of the question it
-- knows (not a stop word), grows a sentence forward and backward from it, and keeps
-- the most surprising of 24 candidates. Beside each reply stands a char-rnn sample
-- primed with the same keyword, so the two kinds of text can be read side by side:
-- the chain copies real phrases and stitches them at shared words; the network
-- invents words but keeps the rhythm.
--
-- Data: Debian's bible-kjv, r-cran-janeaustenr (Rdata.rdb, extracted by `make data`)
--       and fortunes; missing corpora are skipped with a note.
-- Char-rnn: the checkpoint of sketches/charrnn (out/kjv-seed*.safetensors or
--       out/austen-seed*.safetensors) when it exists, otherwise a small model is
--       trained here on the first corpus for 60 s.
-- Run:  wick sketches/markov/markov.lua [--full] [seed]
--       default: order 2, about a minute; --full: orders 2 and 3, and 24 questions.
-- Writes out/replies-seed<seed>.txt.
local wick = require "wick"
local text = wick.text

local full = arg[1] == "--full"
local seed = wick.seed(tonumber(arg[full and 2 or 1]) or 1)
print(("markov: seed %d%s"):format(seed, full and ", full scale" or ""))
local here = arg[0]:match("^(.*)/[^/]*$") or "."
local out = here .. "/out"
wick.fs.mkdir(out)

local questions = {
  "Tell me about the moon.", "What is love?", "Where have all the sheep gone?",
  "Is marriage a happy state?", "What do you think of computers?", "Why is the sea so salty?",
  "Shall we dance tonight?", "Who will inherit the earth?",
}
if full then
  for _, q in ipairs {"Can money buy happiness?", "What is the meaning of life?", "Do you believe in ghosts?",
    "How should a gentleman behave?", "What did the serpent say?", "Are cats wiser than dogs?",
    "What is the secret of a good dinner?", "Why do fools fall in love?", "Who built the tower?",
    "What is the weather like in heaven?", "Should I trust my neighbour?", "What is a fortune worth?",
    "When will the war end?", "How do I become rich?", "Is the king a good man?", "What is wisdom?"} do
    questions[#questions + 1] = q
  end
end

-- ---- the corpora ---------------------------------------------------------------------

local corpora = {}
local function try(name, load)
  local ok, s = pcall(load)
  if ok then corpora[#corpora + 1] = {name = name, text = s}
  else print(("markov: note: skipping %s: %s"):format(name, tostring(s))) end
end
try("kjv", text.corpus.kjv)
try("austen", text.corpus.austen)
try("fortunes", function() return text.corpus.fortunes() end)
if #corpora == 0 then error("markov: no corpus is installed; `make data` installs bible-kjv and fortunes", 0) end

local orders = full and {2, 3} or {2}
local models = {}
for _, c in ipairs(corpora) do
  for _, order in ipairs(orders) do
    local t0 = wick.clock()
    local mk = text.markov{order = order, unit = "word"}:train(c.text)
    models[#models + 1] = {name = ("%s, order %d"):format(c.name, order), mk = mk}
    print(("markov: %s — %s (%.1f s)"):format(c.name, tostring(mk), wick.clock() - t0))
  end
end

-- ---- the char-rnn --------------------------------------------------------------------

local rnn, rnn_name
local rnn_dir = here .. "/../charrnn/out"
for _, name in ipairs(wick.fs.kind(rnn_dir) == "folder" and wick.fs.list(rnn_dir) or {}) do
  if name:match("%.safetensors$") then
    local ok, m = pcall(text.char_rnn.load, rnn_dir .. "/" .. name)
    if ok then rnn, rnn_name = m, name; break end
  end
end
if rnn then
  print("markov: char-rnn from sketches/charrnn/out/" .. rnn_name)
else
  rnn_name = corpora[1].name .. " (trained here, 60 s)"
  print("markov: no char-rnn checkpoint in sketches/charrnn/out; training a small one on " .. corpora[1].name)
  rnn = text.char_rnn{layers = 2, hidden = 128, embed = 48}
  rnn:train(corpora[1].text, {steps = 2000, seconds = 60, seq = 64, batch = 32, lr = 3e-3, every = 200})
end

-- ---- replies side by side ------------------------------------------------------------

local lines = {("-- MegaHAL-style Markov replies and char-rnn samples, seed %d"):format(seed),
  "-- char-rnn: " .. rnn_name, ""}
local function say(s) print(s); lines[#lines + 1] = s end
for qi, q in ipairs(questions) do
  say(("Q%d: %s"):format(qi, q))
  local keyword
  for _, entry in ipairs(models) do
    local r = entry.mk:reply(q, {seed = seed * 1000 + qi})
    keyword = keyword or entry.mk:keywords(q)[1]
    say(("  markov (%s): %s"):format(entry.name, r))
  end
  -- the network, primed with the keyword the first chain chose (its characters must
  -- be in the model's vocabulary; an unknown one falls back to an empty prime)
  local prime = keyword and (keyword:sub(1, 1):upper() .. keyword:sub(2) .. " ") or ""
  local ok, sample = pcall(rnn.sample, rnn, {prime = prime, length = 160, temperature = 0.6,
    seed = seed * 1000 + qi, stop = "\n"})
  if not ok then sample = rnn:sample{length = 160, temperature = 0.6, seed = seed * 1000 + qi, stop = "\n"} end
  say(("  char-rnn: %s"):format((sample:gsub("\n", " "))))
  say("")
end
say("Forward generation (no question), 40 words each:")
for _, entry in ipairs(models) do
  say(("  %s: %s"):format(entry.name, entry.mk:generate{length = 40, seed = seed}))
end

local f = assert(io.open(("%s/replies-seed%d.txt"):format(out, seed), "w"))
f:write(table.concat(lines, "\n"), "\n")
f:close()
print(("markov: wrote out/replies-seed%d.txt"):format(seed))
