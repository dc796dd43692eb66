-- A dictionary that defines words nobody has invented yet. A two-layer LSTM reads
-- "word<TAB>definition" lines — WordNet's glosses, or the GNU Collaborative
-- International Dictionary of English — and learns what a definition sounds like.
-- Primed with a made-up word and a tab ("blorpt\t"), it writes that word's
-- definition; primed with a newline it invents both the word and its meaning.
--
-- Data: Debian's wordnet-base (usr/share/wordnet/data.*) or dict-gcide; `make data`
--       installs them.
-- Run:  wick sketches/dictionary/dictionary.lua [--full] [--gcide] [--seed N]
--       default: WordNet, a 2×128 LSTM trained for 90 s (about two minutes);
--       --full: 2×256, 5,000 steps on the whole dictionary (hours on one core).
-- Writes out/definitions-seed<seed>.txt and out/dictionary-seed<seed>.safetensors.
local wick = require "wick"
local text = wick.text

local kit = wick.sketch { seed = 3, gcide = false, positional = { "seed" } }   -- --full, --gcide, out/
local full, seed = kit.full, kit.seed

-- The word<TAB>definition lines: WordNet by default (or when GCIDE is missing).
local lines, source
if kit.gcide then
  local ok, s = pcall(text.corpus.gcide, full and {} or {max_bytes = 8000000})
  if ok then lines, source = s, "GCIDE (dict-gcide)" else print("dictionary: note: " .. tostring(s)) end
end
if not lines then
  lines, source = text.corpus.wordnet_glosses(), "WordNet glosses (wordnet-base)"
end
-- Shuffled with wick's generator, so training and validation text both span the
-- alphabet and every part of speech.
local list = {}
for line in lines:gmatch("[^\n]+") do list[#list + 1] = line end
kit:shuffle(list)
local corpus = table.concat(list, "\n") .. "\n"
print(("dictionary: %d definitions from %s, %d characters"):format(#list, source, #corpus))

local cfg = full and {hidden = 256, embed = 64, steps = 5000, seconds = false}
  or {hidden = 128, embed = 48, steps = 3000, seconds = 90}
local m = text.char_rnn{layers = 2, hidden = cfg.hidden, embed = cfg.embed}
print(("dictionary: training a 2×%d LSTM for %s"):format(cfg.hidden,
  cfg.seconds and cfg.seconds .. " s" or cfg.steps .. " steps"))
local losses = m:train(corpus, {steps = cfg.steps, seconds = cfg.seconds, seq = 64, batch = 32, lr = 3e-3,
  every = full and 500 or 100})
m:save(kit:path("dictionary-seed%d.safetensors", seed))
local last = losses.valid[#losses.valid]

-- Invented words (none is in WordNet) and a few real ones to compare with the truth.
local invented = {"blorpt", "snarkle", "quibbet", "frumious", "glimmerous", "tweeple", "zanderine",
  "mollygrub", "plinth-wort", "overfloof", "crumbleton", "vexillate", "bamboozlement", "sprocketry"}
local known = {"moon", "love", "chess", "emoji"}
local report = {("-- invented definitions, seed %d, %s, 2x%d LSTM, validation loss %s nats/char"):format(
  seed, source, cfg.hidden, last and ("%.3f"):format(last.nats) or "?"), ""}
local function say(s) print(s); report[#report + 1] = s end
for _, temp in ipairs {0.5, 0.8} do
  say(("temperature %.1f:"):format(temp))
  for i, w in ipairs(invented) do
    local s = m:sample{prime = w .. "\t", length = 200, temperature = temp, seed = seed * 100 + i, stop = "\n"}
    say("  " .. s:gsub("\n$", ""):gsub("\t", "  —  "))
  end
  say("")
end
say("real words (the truth is in the corpus):")
for i, w in ipairs(known) do
  local s = m:sample{prime = w .. "\t", length = 200, temperature = 0.5, seed = seed * 100 + 50 + i, stop = "\n"}
  local truth = corpus:match("\n" .. w:gsub("%p", "%%%0") .. "\t([^\n]*)")
  say("  " .. s:gsub("\n$", ""):gsub("\t", "  —  "))
  if truth then say("      (WordNet/GCIDE: " .. truth .. ")") end
end
say("")
say("words and definitions both invented (primed with a newline):")
for i = 1, 8 do
  local s = m:sample{prime = "\n", length = 200, temperature = 0.8, seed = seed * 100 + 80 + i, stop = "\n"}
  say("  " .. s:gsub("^\n", ""):gsub("\n$", ""):gsub("\t", "  —  "))
end
kit:write(("definitions-seed%d.txt"):format(seed), table.concat(report, "\n") .. "\n")
