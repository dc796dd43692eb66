-- Drum loops that play themselves — GRUV, small. The essay trained recurrent nets on raw
-- audio (Nayebi & Vitelli's GRUV); here a two-layer GRU reads a few drum loops one 8-bit
-- mu-law sample at a time (256 classes: char-rnn, with samples for characters) and
-- learns to continue them. Primed with a quarter second of a real loop it plays on by
-- itself, one WAV per temperature. After the default few minutes it has the kick's
-- slow swell and the snare's hiss but not yet the beat; the curve shows the held-out
-- loss (each loop's last 5%) bottoming out while the training loss keeps falling: with
-- seconds of audio, it memorises. --reverse trains on each loop followed by itself
-- backwards, as the essay's runs did; --dropout, more loops or --full fight memorising.
--
-- Data: Debian's sonic-pi-samples (loop_amen, loop_breakbeat, loop_industrial; `make data`).
-- Run:  wick sketches/gruv/gruv.lua [steps] [--full] [--seed N] [--reverse] [--rate HZ] [--dropout P]
--       [--temperatures 0.9,1] [--seconds S] [--cell lstm] [--loops amen,tabla] [--loop-seconds S]
--       default: 8 kHz, 2×256 GRU, 300 steps of 32×128 samples, a few minutes on two cores;
--       --full: nine loops at 16 kHz, 3,000 steps (half an hour or more).
-- Writes out/input-seed<seed>.wav (the loops as the model hears them), out/sample-t<T>-seed
--        <seed>.wav per temperature, out/curve-seed<seed>.png (loss in nats per sample)
--        and out/gruv-seed<seed>.safetensors (load it with wick.text.char_rnn.load).
local wick = require "wick"
local audio = wick.audio

local kit = wick.sketch { seed = 7, rate = 8000, steps = 300, hidden = 256, layers = 2, seq = 128, batch = 32,
  lr = 2e-3, dropout = 0, cell = "gru", reverse = false, seconds = 4, temperatures = "0.9,1", loops = "",
  loop_seconds = 0, every = 25, positional = { "steps" } }
local gruv = require "gruv_model"   -- beside this file: loops, model, sampling, curve
if kit.full then kit.rate, kit.steps = kit.rate == 8000 and 16000 or kit.rate, math.max(kit.steps, 3000) end
local temperatures = gruv.check(kit)

-- 1. The loops as mu-law sample ids (each followed by itself reversed with --reverse).
local names = kit.full and gruv.FULL_LOOPS or gruv.LOOPS
if kit.loops ~= "" then
  names = {}
  for n in kit.loops:gmatch("[^,%s]+") do names[#names + 1] = n:match("^loop_") and n or "loop_" .. n end
end
local ids, held, parts = gruv.load(gruv.find(names), { rate = kit.rate, reverse = kit.reverse,
  seconds = kit.loop_seconds > 0 and kit.loop_seconds })
for _, p in ipairs(parts) do io.write(("%s %.2f s  "):format(p.name, p.seconds)) end
print(("\ngruv: %d samples at %d Hz (%.1f s%s) as 256 mu-law levels, the last %d of the loops held out")
  :format(ids:numel(), kit.rate, ids:numel() / kit.rate, kit.reverse and ", each loop then itself reversed" or "",
    held and held:numel() or 0))
audio.save(kit:path("input-seed%d.wav", kit.seed), gruv.to_sound(ids), kit.rate, { overwrite = true })

-- 2. Train: truncated back-propagation through time over `batch` streams of the audio;
-- the held-out loss every `every` steps makes the curve.
local m = gruv.new { cell = kit.cell, hidden = kit.hidden, layers = kit.layers, dropout = kit.dropout }
print(("gruv: %s, %d parameters, %d steps"):format(tostring(m), m:num_parameters(), kit.steps))
local losses = gruv.train(m, ids, held, { steps = kit.steps, seq = kit.seq, batch = kit.batch, lr = kit.lr,
  every = kit.every, streams = #parts })
print(("gruv: %.0f s of training, %.0f samples/s; held-out loss %.3f nats per sample (%.2f bits; 8 is knowing nothing)")
  :format(losses.seconds, losses.chars / losses.seconds, losses.valid_nats or 0 / 0,
    (losses.valid_nats or 0 / 0) / math.log(2)))
local curve = gruv.curve(losses, kit:path("curve-seed%d.png", kit.seed),
  ("gruv: %s %d×%d on %d loops at %d Hz%s, seed %d"):format(kit.cell, kit.layers, kit.hidden, #parts, kit.rate,
    kit.reverse and ", reversed too" or "", kit.seed), kit.every)
print("gruv: wrote " .. curve)

-- 3. Listen: a quarter second of the first loop primes the model, then it plays alone.
local prime = ids:narrow(1, 1, math.min(ids:numel(), math.floor(kit.rate / 4)))
for _, t in ipairs(temperatures) do
  local sound = gruv.sample(m, prime, { frames = math.floor(kit.seconds * kit.rate), temperature = t, seed = kit.seed })
  local path = audio.save(kit:path("sample-t%g-seed%d.wav", t, kit.seed), sound, kit.rate, { overwrite = true })
  print(("gruv: temperature %g -> %s (peak %.2f)"):format(t, path, sound:abs():max():item()))
end
print("gruv: wrote " .. m:save(kit:path("gruv-seed%d.safetensors", kit.seed)))
