-- bench_charrnn.lua — wick's side of bench_charrnn.sh: char-rnn training on the Debian
-- fortunes text under a wall-clock budget, then validation loss and sampling speed.
-- The work mirrors ../shared/peers/bench_torch_lstm.py: the files of the fortunes
-- package (names passed in FILES, one per line, as the peer picks them), split into
-- fortunes, every 20th held out; embedding 64, 2-layer LSTM 256, linear; 32 streams
-- × 64 steps with the state carried; Adam 2e-3, clip 5, seed 0; validation is the whole
-- held-out text as 32 streams (not timed). The vocabulary is the code points of the
-- text plus U+0001..U+00FF, so the output layer is at least as wide as the peer's 256
-- bytes.
-- Usage: wick bench_charrnn.lua BUDGET_SECONDS FILES_LIST
-- Prints: RESULT wick_train_chars_s=… steps=… valid_nats=… sample_chars_s=… (wall) and
-- sample_chars_per_cpu_s=… (per second of this process's CPU time: the fair figure on
-- a shared, overloaded machine, since sampling is single-threaded)
local wick = require "wick"
local text = wick.text

local budget = tonumber(arg[1]) or 60
local names = {}
for line in io.lines(arg[2]) do if line ~= "" then names[#names + 1] = line end end

local _, fortunes = text.corpus.fortunes { files = names }
local train, valid = {}, {}
for i, f in ipairs(fortunes) do
  local t = i % 20 == 0 and valid or train
  t[#t + 1] = f .. "\n"
end
train, valid = table.concat(train), table.concat(valid)

local extra = {}
for cp = 1, 255 do extra[#extra + 1] = utf8.char(cp) end
wick.seed(0)
local m = text.char_rnn { layers = 2, hidden = 256, embed = 64, vocab = table.concat(extra) .. train .. valid }
local l = m:train(train, { steps = 1000000, seq = 64, batch = 32, lr = 2e-3, clip = 5, valid = 0,
  seconds = budget, progress = false })
local nats = m:loss(valid, { batch = 32 })
local t0, c0 = wick.clock(), os.clock()
local n = 20000
m:sample { prime = "The ", length = n, temperature = 0.8, seed = 1 }
local sample_rate, sample_cpu = n / (wick.clock() - t0), n / (os.clock() - c0)
print(("RESULT wick_train_chars_s=%.1f steps=%d seconds=%.1f train_chars=%d valid_chars=%d vocab=%d valid_nats=%.4f"
  .. " sample_chars_s=%.0f sample_chars_per_cpu_s=%.0f last_train_loss=%.4f"):format(l.chars / l.seconds, #l,
  l.seconds, utf8.len(train), utf8.len(valid), m.vocab.size, nats, sample_rate, sample_cpu, l[#l]))
