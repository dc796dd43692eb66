-- bench_cqt.lua — wick side of bench_cqt.sh: on the signal bench_cqt.py made (mono,
-- 22,050 Hz), the magnitude STFT (n_fft 2048, hop 512, hann, centred, zero padding),
-- the mel spectrogram (128 Slaney bands of the power STFT) and the CQT (84 bins from
-- C1, 12 a octave, hop 512), best of 5 timed runs after a first call (for the CQT the
-- first call also builds its kernel: printed as first=). Writes the three results to
-- DIR/wick.safetensors for bench_cqt.py to score. Usage: wick bench_cqt.lua DIR
local wick = require "wick"
local audio = wick.audio

local dir = assert(arg[1], "usage: wick bench_cqt.lua DIR")
local x = wick.load(dir .. "/signal.safetensors")
if not wick.tensor.is_tensor(x) then x = x.signal end
local rate = 22050

local function best_of(fn)
  local t0 = wick.clock()
  local out = fn()
  local first, best = wick.clock() - t0, math.huge
  for _ = 1, 5 do
    t0 = wick.clock()
    out = fn()
    best = math.min(best, wick.clock() - t0)
  end
  return out, best, first
end

local s, ts = best_of(function() return audio.stft(x, { n_fft = 2048, hop = 512 }) end)
local m, tm = best_of(function() return audio.mel(x, rate, { n_fft = 2048, hop = 512, n_mels = 128 }) end)
local c, tc, first = best_of(function() return audio.cqt(x, rate) end)
wick.save({ stft = s, mel = m, cqt = c }, dir .. "/wick.safetensors")
print(("wick threads=%d stft=%.4f mel=%.4f cqt=%.4f cqt_first=%.4f"):format(wick.threads(), ts, tm, tc, first))
