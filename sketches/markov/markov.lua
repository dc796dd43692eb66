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
-- Run:  wick sketches/markov/markov.lua [--full] [--seed N]
--       default: order 2, about a minute; --full: orders 2 and 3, and 24 questions.
-- Writes out/replies-seed<seed>.txt. The questions, corpora and checkpoint search are in
-- markov_sources.lua beside this file.
local wick = require "wick"
local text = wick.text

local kit = wick.sketch { seed = 1, positional = { "seed" } }   -- --full, --seed N, out/
local seed = kit.seed
local sources = require "markov_sources"   -- beside this file (the kit puts its folder on package.path)
local questions = sources.questions(kit.full)
local corpora = sources.corpora()

local models = {}
for _, c in ipairs(corpora) do
  for _, order in ipairs(kit.full and { 2, 3 } or { 2 }) do
    local t0 = wick.clock()
    local mk = text.markov { order = order, unit = "word" }:train(c.text)
    models[#models + 1] = { name = ("%s, order %d"):format(c.name, order), mk = mk }
    print(("markov: %s — %s (%.1f s)"):format(c.name, tostring(mk), wick.clock() - t0))
  end
end
local rnn, rnn_name = sources.char_rnn(kit.here .. "/../charrnn/out", corpora[1])

-- ---- replies side by side ------------------------------------------------------------

local lines = { ("-- MegaHAL-style Markov replies and char-rnn samples, seed %d"):format(seed),
  "-- char-rnn: " .. rnn_name, "" }
local function say(s) print(s); lines[#lines + 1] = s end
for qi, q in ipairs(questions) do
  say(("Q%d: %s"):format(qi, q))
  local keyword
  for _, entry in ipairs(models) do
    local r = entry.mk:reply(q, { seed = seed * 1000 + qi })
    keyword = keyword or entry.mk:keywords(q)[1]
    say(("  markov (%s): %s"):format(entry.name, r))
  end
  -- the network, primed with the keyword the first chain chose (its characters must
  -- be in the model's vocabulary; an unknown one falls back to an empty prime)
  local prime = keyword and (keyword:sub(1, 1):upper() .. keyword:sub(2) .. " ") or ""
  local ok, sample = pcall(rnn.sample, rnn, { prime = prime, length = 160, temperature = 0.6,
    seed = seed * 1000 + qi, stop = "\n" })
  if not ok then sample = rnn:sample { length = 160, temperature = 0.6, seed = seed * 1000 + qi, stop = "\n" } end
  say(("  char-rnn: %s"):format((sample:gsub("\n", " "))))
  say("")
end
say("Forward generation (no question), 40 words each:")
for _, entry in ipairs(models) do
  say(("  %s: %s"):format(entry.name, entry.mk:generate { length = 40, seed = seed }))
end
kit:write(("replies-seed%d.txt"):format(seed), table.concat(lines, "\n") .. "\n")
