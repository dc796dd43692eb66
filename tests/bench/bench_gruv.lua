-- bench_gruv.lua — wick's side of bench_gruv.sh: the gruv sketch's model (its own
-- gruv_model.new: text.char_rnn over 256 mu-law levels, embedding -> GRU -> linear)
-- trained STEPS steps on a synthetic 30 s loop at 8 kHz that bench_gruv_torch.py builds
-- by the same float64 formula (two tones, a decaying 55 Hz kick every quarter second, a
-- ticking hat every eighth), the last 5% held out; Adam 2e-3, clip 5, BATCH streams of
-- SEQ samples with the state carried, seed 0. Every step is timed (wall clock); then the
-- held-out loss in nats per sample (not timed).
-- Usage: wick bench_gruv.lua STEPS [SEQ BATCH HIDDEN LAYERS EMBED]   (from the repo root)
-- Prints: wick steps=… s=… samples_s=… cpu_s=… samples_per_cpu_s=… last_train=… valid_nats=… threads=…
-- (cpu: this process's CPU seconds over the training call, os.clock)
local wick = require "wick"
local T = wick.tensor
package.path = "sketches/gruv/?.lua;" .. package.path
local gruv = require "gruv_model"

local steps = tonumber(arg[1]) or 100
local seq, batch, hidden, layers, embed = tonumber(arg[2]) or 128, tonumber(arg[3]) or 32,
  tonumber(arg[4]) or 256, tonumber(arg[5]) or 2, tonumber(arg[6]) or 64
local RATE, LENGTH = 8000, 240000

local function synthetic(n)
  local out, mu, log1p_mu = {}, 255.0, math.log(256)
  for t = 0, n - 1 do
    local k, h = t % 2000, t % 1000
    local x = 0.25 * math.sin(2 * math.pi * 110 * t / RATE) + 0.12 * math.sin(2 * math.pi * 277 * t / RATE)
    x = x + 0.5 * math.exp(-k / 300) * math.sin(2 * math.pi * 55 * k / RATE)
    x = x + 0.1 * math.exp(-h / 40) * math.sin(1.7 * h * h)
    local y = math.log(1 + mu * math.abs(x)) / log1p_mu
    if x < 0 then y = -y end
    out[t + 1] = math.min(255, math.max(0, math.floor((y + 1) / 2 * mu + 0.5))) + 1
  end
  return T(out)
end

local ids = synthetic(LENGTH)
local nv = LENGTH // 20
local train, valid = ids:narrow(1, 1, LENGTH - nv), ids:narrow(1, LENGTH - nv + 1, nv)
wick.seed(0)
local m = gruv.new { hidden = hidden, layers = layers, embed = embed }
local c0 = os.clock()
local l = m:train(train, { steps = steps, seq = seq, batch = batch, lr = 2e-3, clip = 5, valid = 0,
  progress = false, every = steps })
local cpu = os.clock() - c0
local last = 0
local first = math.max(1, #l - 9)
for i = first, #l do last = last + l[i] / (#l - first + 1) end
print(("wick steps=%d s=%.2f samples_s=%.0f cpu_s=%.2f samples_per_cpu_s=%.0f last_train=%.4f valid_nats=%.4f"
  .. " threads=%d"):format(#l, l.seconds, l.chars / l.seconds, cpu, l.chars / cpu, last, m:loss(valid, { batch = 32 }),
  wick.threads()))
