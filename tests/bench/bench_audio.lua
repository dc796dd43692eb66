-- bench_audio.lua — wick's side of bench_audio.sh: 60 s of stereo 44.1 kHz (440 + 3000 +
-- 9000 Hz, 0.3 each) resampled to 16 kHz (best sinc converter by default); prints the best
-- of 3 seconds and the error against the ideal result (440 + 3000 Hz at 16 kHz: 9000 Hz
-- is above the new Nyquist and must go) over one second from the middle, in dB below
-- the signal.  Usage: wick bench_audio.lua [quality]
local wick = require "wick"
local T, audio = wick.tensor, wick.audio
local quality = arg[1] or "best"
local SECONDS, FROM, TO = 60, 44100, 16000

-- one second of the tones at rate, double-precision phases (integer Hz: periodic in 1 s)
local function second(rate, freqs)
  local v = {}
  for i = 0, rate - 1 do
    local s = 0
    for _, f in ipairs(freqs) do s = s + 0.3 * math.sin(2 * math.pi * ((f * i) % rate) / rate) end
    v[i + 1] = s
  end
  local one = T(v):view(1, rate)
  return T.cat({ one, one }, 1)
end

local clip = second(FROM, { 440, 3000, 9000 })
local parts = {}
for k = 1, SECONDS do parts[k] = clip end
local x = T.cat(parts, 2)
local ideal = second(TO, { 440, 3000 })

local best, y = math.huge, nil
for _ = 1, 3 do
  local t0 = wick.clock()
  y = audio.resample(x, FROM, TO, { quality = quality })
  best = math.min(best, wick.clock() - t0)
end
local mid = y:narrow(2, 30 * TO + 1, TO)
local err = ((mid - ideal) ^ 2):mean():item()
local sig = (ideal ^ 2):mean():item()
io.write(("wick %s s=%.3f err_db=%.1f"):format(quality, best, 10 * math.log(err / sig, 10)))
