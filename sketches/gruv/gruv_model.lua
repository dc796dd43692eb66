-- gruv_model.lua — the gruv sketch's pieces: drum loops from Debian's sonic-pi-samples
-- turned into 8-bit mu-law sample ids (optionally each loop followed by itself
-- reversed, as the essay's GRUV runs were), the model (wick's char-rnn over 256 sample
-- values instead of characters: embedding -> GRU -> linear -> cross-entropy), sampling
-- it back into sound, and the training curve as a picture.
--
-- A sample value is one "character": mu-law code c (0..255) is vocabulary id c + 1,
-- spelled as the Braille cell U+2800 + c, so the model, its C sampler and its
-- checkpoints are char_rnn's own and a stretch of audio prints as a line of Braille.
local wick = require "wick"
local T, text, audio, plot = wick.tensor, wick.text, wick.audio, wick.plot

local M = {}

-- The drum loops: three short breaks by default, nine loops with --full.
M.LOOPS = { "loop_amen", "loop_breakbeat", "loop_industrial" }
M.FULL_LOOPS = { "loop_amen", "loop_amen_full", "loop_breakbeat", "loop_industrial", "loop_compus", "loop_perc1",
  "loop_perc2", "loop_tabla", "loop_mika" }
M.LEVELS = 256

local cells = {}
for c = 0, M.LEVELS - 1 do cells[#cells + 1] = utf8.char(0x2800 + c) end
M.vocab = text.vocab(table.concat(cells))   -- id = code + 1, in code order

local function fail(msg) error("gruv: " .. msg, 0) end

-- The sketch's options, checked before any sound is read.
function M.check(kit)
  local function whole(name, lo, hi)
    local v = kit[name]
    if v ~= math.floor(v) or v < lo or (hi and v > hi) then
      fail(("--%s must be a whole number from %d%s, got %s"):format(name, lo, hi and (" to " .. hi) or " up",
        tostring(v)))
    end
  end
  whole("rate", 4000, 16000)
  for _, k in ipairs { "steps", "hidden", "layers", "seq", "batch" } do whole(k, 1) end
  for _, k in ipairs { "seconds", "loop_seconds" } do
    if not (kit[k] >= 0 and kit[k] <= 600) or (k == "seconds" and kit[k] == 0) then
      fail(("--%s must be %s 0 and at most 600, got %s"):format(k:gsub("_", "-"),
        k == "seconds" and "more than" or "from", tostring(kit[k])))
    end
  end
  if kit.cell ~= "gru" and kit.cell ~= "lstm" then fail("--cell must be gru or lstm, got " .. kit.cell) end
  if not (kit.dropout >= 0 and kit.dropout < 1) then
    fail(("--dropout must be from 0 up to 1, got %s"):format(tostring(kit.dropout)))
  end
  if not (kit.lr > 0 and kit.lr < 1) then fail(("--lr must be between 0 and 1, got %s"):format(tostring(kit.lr))) end
  local temps = {}
  for s in kit.temperatures:gmatch("[^,%s]+") do
    local t = tonumber(s)
    if not t or t < 0 or t > 10 then fail(("--temperatures must be numbers from 0 to 10, got %q"):format(s)) end
    temps[#temps + 1] = t
  end
  if #temps == 0 then fail("--temperatures needs at least one number, e.g. 0.9,1") end
  return temps
end

-- The paths of the named loops among sonic-pi-samples' sounds (audio.samples names the
-- package when it is missing); an unknown name lists the loops there are.
function M.find(names)
  local paths, have, loops = {}, {}, {}
  for _, s in ipairs(audio.samples("sonic-pi")) do
    have[s.name] = s.path
    if s.category == "loop" then loops[#loops + 1] = s.name:sub(6) end
  end
  for i, name in ipairs(names) do
    paths[i] = have[name] or fail(("no sound %s in sonic-pi-samples; its loops are %s"):format(name,
      table.concat(loops, ", ")))
  end
  return paths
end

-- A 1-D tensor's values in reverse order.
local function reversed(x)
  local n = x:numel()
  return x:index_select(1, T.arange(n, 1, -1))
end

-- load(paths, {rate, reverse = false, seconds = false, held = 0.05}) -> training ids
-- (1-D, 1..256), held-out ids, and a list of {name, seconds} per loop. Each loop: mono
-- at `rate`, at most `seconds` long, peak-normalised to 0.95, mu-law coded; its last
-- `held` fraction is held out (so every loop is tested, not only the last one), and
-- with reverse the rest is followed by itself played backwards.
function M.load(paths, o)
  local parts, held, info = {}, {}, {}
  for _, path in ipairs(paths) do
    local x = audio.load(path, { rate = o.rate, mono = true, max_seconds = o.seconds or nil })
    local n = x:size(2)
    local codes = audio.mulaw_encode(audio.normalize(x, 0.95), M.LEVELS):reshape(n) + 1
    local nh = math.floor(n * (o.held or 0.05))
    if n - nh < 2 then fail(("%s is too short (%d samples at %d Hz)"):format(path, n, o.rate)) end
    local keep = codes:narrow(1, 1, n - nh)
    parts[#parts + 1] = keep
    if o.reverse then parts[#parts + 1] = reversed(keep) end
    if nh > 0 then held[#held + 1] = codes:narrow(1, n - nh + 1, nh) end
    info[#info + 1] = { name = path:match("([^/]+)%.%w+$"), seconds = n / o.rate }
  end
  return T.cat(parts), #held > 0 and T.cat(held) or nil, info
end

-- train(m, ids, held, {steps, seq, batch, lr, every}) -> char_rnn's losses, with
-- losses.valid = {{step, nats}, …}: the held-out loss every `every` steps, one stream
-- per loop, printed with the mean training loss since the last line.
function M.train(m, ids, held, o)
  local valid = {}
  local losses = m:train(ids, { steps = o.steps, seq = o.seq, batch = o.batch, lr = o.lr, clip = 5, valid = 0,
    every = o.every, on_step = function(info)
      local nats = held and m:loss(held, { batch = o.streams or 1 }) or 0 / 0
      valid[#valid + 1] = { step = info.step, nats = nats }
      print(("gruv: step %d/%d  training %.3f  held out %.3f nats per sample"):format(info.step, info.steps,
        info.loss, nats))
    end })
  losses.valid = held and valid or {}
  losses.valid_nats = held and valid[#valid].nats or nil
  return losses
end

-- ids (1-D, 1..256) -> a 1×N sound in [-1, 1].
function M.to_sound(ids)
  return audio.mulaw_decode(ids - 1, M.LEVELS):reshape(1, ids:numel())
end

-- The model: text.char_rnn over the 256 sample values (embed 64, GRU or LSTM; dropout
-- between layers).
function M.new(o)
  return text.char_rnn { cell = o.cell or "gru", layers = o.layers or 2, hidden = o.hidden or 256,
    embed = o.embed or 64, dropout = o.dropout or 0, vocab = M.vocab }
end

-- sample(m, prime_ids, {frames, temperature, seed}) -> 1×frames sound: the model run
-- on the prime (real audio), then free for `frames` samples.
function M.sample(m, prime, o)
  local s = m:sample { prime = M.vocab:decode(prime), length = o.frames, temperature = o.temperature, seed = o.seed }
  local ids = M.vocab:encode(s)
  return M.to_sound(ids:narrow(1, prime:numel() + 1, o.frames))
end

-- The training curve: the training loss (mean of every `every` steps) and the held-out
-- loss, in nats per sample (log 256 = 5.55 is knowing nothing), to `path`.
function M.curve(losses, path, title, every)
  every = math.max(1, math.min(every, #losses))
  local xs, ys = {}, {}
  for i = every, #losses, every do
    local sum = 0
    for j = i - every + 1, i do sum = sum + losses[j] end
    xs[#xs + 1], ys[#ys + 1] = i, sum / every
  end
  local series = { { name = "training", x = xs, y = ys } }
  if #losses.valid > 0 then
    local vx, vy = {}, {}
    for i, v in ipairs(losses.valid) do vx[i], vy[i] = v.step, v.nats end
    series[2] = { name = "held out", x = vx, y = vy }
  end
  return plot.line(series, { path = path, title = title, x_label = "step", y_label = "nats per sample" })
end

return M
