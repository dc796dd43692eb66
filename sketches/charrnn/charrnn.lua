-- Text that writes itself — char-rnn. A two-layer LSTM reads a big corpus (the King
-- James Bible, or Jane Austen's six novels) one character at a time and learns to
-- continue it; samples at temperatures 0.2, 0.5 and 1.0 show the trade between safe
-- repetition and inventive nonsense. Then the essay's transfer trick: the pretrained
-- model is fine-tuned on a small corpus (Ambrose Bierce's Devil's Dictionary, or one
-- fortunes file), and a table compares its validation loss with a model trained on
-- the small corpus alone for the same number of steps.
--
-- Data: Debian's bible-kjv (or r-cran-janeaustenr's Rdata.rdb), and dict-devil (or
--       fortunes) — `make data` installs them.
-- Run:  wick sketches/charrnn/charrnn.lua [--full] [--seed N]
--       default: a 2×128 LSTM, 250 pretraining steps and 120 steps on the small
--       corpus, about two minutes on one core; --full: the essay's 2×256 model, 5,000
--       pretraining steps and 1,000 fine-tuning steps (hours).
-- Writes out/samples-seed<seed>.txt, out/transfer-seed<seed>.txt and
--        out/<corpus>-seed<seed>.safetensors (load it with wick.text.char_rnn.load).
local wick = require "wick"
local text = wick.text

local kit = wick.sketch { seed = 42, positional = { "seed" } }   -- --full, --seed N, out/
local full, seed = kit.full, kit.seed
local corpora = require "charrnn_corpora"   -- beside this file: the corpora, their primes, the table

local steps = full and { pretrain = 5000, small = 1000 } or { pretrain = 250, small = 120 }
local function opts(n) return { steps = n, seq = 64, batch = 32, lr = 2e-3, every = full and 500 or 125 } end

-- The corpora: whichever of each pair is installed (kjv or austen; devil or fortunes).
local big_name, big, small_name, small = corpora.pick()

-- One vocabulary for both corpora, so the fine-tuned model meets no unseen character
-- and both models' losses count the same symbols (torch-rnn issue #147's lesson).
local vocab = text.vocab(big .. small)
local function new_model()   -- a two-layer LSTM: 2×128 by default, the essay's 2×256 with --full
  return text.char_rnn { layers = 2, hidden = full and 256 or 128, embed = full and 64 or 48, vocab = vocab }
end

-- 1. Pretrain on the big corpus.
local m = new_model()
print(("charrnn: %s, %d parameters, %d steps on %s"):format(tostring(m), m:num_parameters(), steps.pretrain, big_name))
local t0 = wick.clock()
local pre = m:train(big, opts(steps.pretrain))
local secs = wick.clock() - t0
print(("charrnn: pretraining took %.0f s (%.0f characters/s), validation %.3f nats/char (%.3f bits/char)")
  :format(secs, steps.pretrain * 64 * 32 / secs, pre.valid_nats, pre.valid_bpc))
local ckpt = kit:path("%s-seed%d.safetensors", big_name, seed)
m:save(ckpt)

-- 2. Samples at temperatures 0.2, 0.5 and 1.0, streamed to the terminal as they come.
local samples = { ("char-rnn on %s, seed %d, %d steps, %s\n"):format(big_name, seed, steps.pretrain, tostring(m)),
  corpora.temperatures(m, corpora.PRIMES[big_name], seed) }

-- 3. The transfer trick: fine-tune the pretrained model on the small corpus, against a
-- fresh model trained on the small corpus alone for the same number of steps. Both
-- hold out the same last 5% of the small corpus for validation.
local _, valid_ids = text.split(vocab:encode(small), { valid = 0.05 })
local before = m:loss(valid_ids)
local loaded = text.char_rnn.load(ckpt)   -- fine-tune the checkpoint, as an artist would
wick.seed(seed)
local ft = loaded:train(small, opts(steps.small))
wick.seed(seed)
local scratch_model = new_model()
local scratch = scratch_model:train(small, opts(steps.small))

local table_text = corpora.transfer_table(("transfer: validation loss on the last 5%% of %s (%d characters), seed %d")
  :format(small_name, valid_ids:numel(), seed), {
  { "pretrained on " .. big_name .. ", not fine-tuned", 0, before },
  { "pretrained on " .. big_name .. ", fine-tuned", steps.small, ft.valid_nats },
  { "trained on " .. small_name .. " alone", steps.small, scratch.valid_nats } })
print("\n" .. table_text)

-- 4. What each small-corpus model writes, from the same prime.
for _, it in ipairs { { "fine-tuned on " .. small_name, loaded }, { small_name .. " alone", scratch_model } } do
  local s = it[2]:sample { prime = corpora.PRIMES[small_name], length = 400, temperature = 0.5, seed = seed }
  samples[#samples + 1] = ("\n--- %s, temperature 0.5 ---\n%s\n"):format(it[1], s)
  print(samples[#samples])
end

kit:write(("samples-seed%d.txt"):format(seed), table.concat(samples))
kit:write(("transfer-seed%d.txt"):format(seed), table_text)
print("charrnn: wrote " .. ckpt)
