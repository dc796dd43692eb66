-- spectral_spec.lua — wick.audio's time-frequency transforms from Lua: stft against a
-- direct DFT evaluated here in double precision, its shapes and options, istft as its
-- inverse, Griffin-Lim's falling error, mel as filters times the power spectrogram,
-- a sine landing in its CQT bin at half its amplitude, the same numbers on 1 and 2
-- threads, errors at the caller's line, and the soundmap sketch on a few sounds when
-- Debian's sample packages are installed (pending otherwise). The float64 comparisons
-- of every transform over many sizes are tests/c/test_spectral.c's.
local wick = require "wick"
local helpers = require "spec_helpers"
local T, audio = wick.tensor, wick.audio

local WICK = os.getenv("WICK") or "./wick"

-- n samples of a few sines (amplitude, Hz) at rate, as a 1-D tensor
local function tones(n, rate, parts)
  local t = T.arange(0, n - 1) / rate
  local x = T.zeros(n)
  for k, p in ipairs(parts) do x = x + (t * (2 * math.pi * p[2]) + 0.4 * k):sin() * p[1] end
  return x
end

local function max_abs(a) return a:abs():max():item() end

describe("audio.stft", function()
  local x = tones(300, 8000, { { 0.6, 440 }, { 0.3, 1750 } })

  it("matches a direct DFT of each centred, zero-padded hann frame", function()
    local n_fft, hop = 32, 8
    local s = audio.stft(x, { n_fft = n_fft, hop = hop, complex = true })
    assert.same({ n_fft / 2 + 1, 1 + 300 // hop, 2 }, s:shape())
    local xs, worst = x:table(), 0
    for _, t in ipairs { 1, 2, 17, 38 } do
      for f = 0, n_fft // 2 do
        local re, im = 0, 0
        for n = 0, n_fft - 1 do
          local i = (t - 1) * hop + n - n_fft // 2
          local v = (i >= 0 and i < 300) and xs[i + 1] or 0
          local w = 0.5 - 0.5 * math.cos(2 * math.pi * n / n_fft)
          re = re + w * v * math.cos(-2 * math.pi * f * n / n_fft)
          im = im + w * v * math.sin(-2 * math.pi * f * n / n_fft)
        end
        worst = math.max(worst, math.abs(s:get(f + 1, t, 1) - re), math.abs(s:get(f + 1, t, 2) - im))
      end
    end
    assert.is_true(worst < 1e-5, "max error " .. worst)
  end)

  it("gives magnitudes, powers, channels first and frames last", function()
    local c = audio.stft(x, { n_fft = 64, complex = true })
    local m = audio.stft(x, { n_fft = 64 })
    local p = audio.stft(x, { n_fft = 64, power = 2 })
    local re, im = c:select(3, 1), c:select(3, 2)
    assert.is_true(max_abs(m - (re * re + im * im):sqrt()) < 1e-4)
    assert.is_true(max_abs(p - m * m) < 1e-3 * max_abs(p))
    local two = audio.stft(T.stack({ x, x * 0.5 }), { n_fft = 64 })
    assert.same({ 2, 33, 1 + 300 // 16 }, two:shape())
    assert.is_true(max_abs(two[2] - m * 0.5) < 1e-4)
    local nc = audio.stft(x, { n_fft = 64, hop = 10, center = false })
    assert.same({ 33, 1 + (300 - 64) // 10 }, nc:shape())
  end)

  it("is undone by istft", function()
    local two = T.stack({ x, tones(300, 8000, { { 0.2, 3000 } }) })
    local y = audio.istft(audio.stft(two, { n_fft = 64, hop = 16, complex = true }), { hop = 16, length = 300 })
    assert.same({ 2, 300 }, y:shape())
    assert.is_true(max_abs(y - two) < 1e-5, "max error " .. max_abs(y - two))
  end)
end)

describe("audio.griffin_lim", function()
  it("finds a sound whose spectrogram approaches the target, the error falling", function()
    wick.seed(11)
    local x = tones(4000, 8000, { { 0.5, 300 }, { 0.3, 900 }, { 0.2, 2200 } })
    local mag = audio.stft(x, { n_fft = 256, hop = 64 })
    local y, errors = audio.griffin_lim(mag, { hop = 64, iters = 30, length = 4000 })
    assert.same({ 4000 }, y:shape())
    assert.equal(30, #errors)
    assert.is_true(errors[30] < 0.5 * errors[1], ("%.3f -> %.3f"):format(errors[1], errors[30]))
    local again = audio.stft(y, { n_fft = 256, hop = 64 })
    local sc = (again - mag):norm():item() / mag:norm():item()
    assert.is_true(sc < errors[30] * 1.1 + 1e-3, "spectral convergence " .. sc)
  end)
end)

describe("audio.mel", function()
  it("is the mel filters times the power spectrogram, a 1 kHz sine in the band around 1 kHz", function()
    local rate = 16000
    local x = tones(8000, rate, { { 0.8, 1000 } })
    local m = audio.mel(x, rate, { n_mels = 40, n_fft = 512, hop = 128 })
    local fb = audio.mel_filters(rate, { n_fft = 512, n_mels = 40 })
    local p = audio.stft(x, { n_fft = 512, hop = 128, power = 2 })
    assert.same({ 40, 257 }, fb:shape())
    local want = fb:matmul(p)
    assert.is_true(max_abs(m - want) < 1e-4 * max_abs(want))
    local _, band = m:select(2, 30):max(1)
    -- the band whose Slaney centre is nearest 1 kHz: 1 kHz is mel 15, the top (8 kHz) 45.6
    local centre = math.floor(15 / (15 + 27 * math.log(8) / math.log(6.4)) * 41 + 0.5)
    assert.is_true(math.abs(band:item() - centre) <= 1, ("band %d, centre %d"):format(band:item(), centre))
  end)
end)

describe("audio.cqt", function()
  it("puts a sine in its own bin at half its amplitude", function()
    local f = audio.cqt_frequencies()
    assert.same({ 84 }, f:shape())
    assert.is_true(math.abs(f[58] - 880) < 1e-2)   -- A5 is 4 octaves and 9 semitones above C1
    for _, bin in ipairs { 10, 58, 80 } do
      local c = audio.cqt(tones(22050, 22050, { { 0.5, f[bin] } }), 22050)
      assert.same({ 84, 1 + 22050 // 512 }, c:shape())
      local v, k = c:select(2, 20):max(1)
      assert.equal(bin, k:item())
      assert.is_true(math.abs(v:item() - 0.25) < 3e-3, "peak " .. v:item())
    end
  end)

  it("gives the same numbers on 1 and 2 threads, complex values as a last dim of 2", function()
    local x = T.stack({ tones(9000, 22050, { { 0.4, 98 } }), tones(9000, 22050, { { 0.4, 2093 } }) })
    local before = wick.threads()
    wick.threads(1)
    local a = audio.cqt(x, 22050, { complex = true })
    wick.threads(2)
    local b = audio.cqt(x, 22050, { complex = true })
    wick.threads(before)
    assert.same({ 2, 84, 1 + 9000 // 512, 2 }, a:shape())
    assert.equal(0, max_abs(a - b))
    local m = audio.cqt(x, 22050)
    local re, im = a:select(4, 1), a:select(4, 2)
    assert.is_true(max_abs(m - (re * re + im * im):sqrt()) < 1e-5)
  end)

  it("octave by octave on a downsampled signal matches the full-rate sum away from the ends", function()
    local x = tones(30000, 22050, { { 0.4, 61.7 }, { 0.3, 440 }, { 0.2, 2900 } })
    local fast = audio.cqt(x, 22050, { sparsity = 0 })
    local exact = audio.cqt(x, 22050, { sparsity = 0, downsample = false })
    local inner = 1 + 12   -- frames whose longest window (11,340 samples) lies inside the signal
    local n = exact:size(2) - 2 * 12
    local d = max_abs(fast:narrow(2, inner, n) - exact:narrow(2, inner, n)) / max_abs(exact)
    assert.is_true(d < 2e-5, "relative difference " .. d)
  end)

  it("refuses what makes no sense with the function's name at the caller's line", function()
    helpers.refused("audio.cqt: the top bin", audio.cqt, T.randn(1000), 8000)
    helpers.refused("audio.cqt: rate must be", audio.cqt, T.randn(1000), 0)
    helpers.refused("audio.mel: rate must be", audio.mel, T.randn(1000), 0 / 0)
    helpers.refused("audio.istft: 1 frequencies is not a spectrogram", audio.istft, T.zeros(1, 4, 2))
    -- band edges that coincide would divide by zero
    helpers.refused("audio.mel_filters: 128 mel bands do not fit", audio.mel_filters, 16000,
      { n_mels = 128, fmin = 1000, fmax = 1000 + 1e-11 })
    helpers.refused("audio.mel: 128 mel bands do not fit", audio.mel, T.randn(1000), 16000,
      { n_mels = 128, fmin = 1000, fmax = 1000 + 1e-11 })
    -- a very low fmin is refused at once, not after billions of window samples
    local t0 = os.clock()
    helpers.refused("audio.cqt: fmin 0.01 Hz at rate 22050 needs full-rate kernels", audio.cqt, T.randn(1000), 22050,
      { fmin = 0.01 })
    assert.is_true(os.clock() - t0 < 1, "refused quickly")
    local bad = T.randn(500)
    bad[100] = 0 / 0
    helpers.refused("audio.stft: sample 100 of channel 1 is NaN", audio.stft, bad, { n_fft = 64 })
    helpers.refused("too short for n_fft = 2048 with reflect", audio.stft, T.randn(500), { pad_mode = "reflect" })
    helpers.refused("shorter than n_fft", audio.stft, T.randn(500), { center = false })
    helpers.refused("option 'window' must be one of", audio.stft, T.randn(500), { window = "kaiser" })
    helpers.refused("unknown option 'nfft'", audio.stft, T.randn(500), { nfft = 64 })
  end)
end)

describe("soundmap sketch", function()
  local have = pcall(audio.samples)
  local why = " (needs sonic-pi-samples, hydrogen-drumkits: make data)"
  local test = have and it or function(title) pending(title .. why) end
  test("maps 30 sounds: a picture, a table of positions, a page", function()
    local dir = helpers.tmpdir()
    helpers.copy_lua_files("sketches/soundmap", dir .. "/soundmap")
    local out, rc = helpers.run(WICK .. " " .. helpers.quote(dir .. "/soundmap/soundmap.lua") .. " --limit 30 --seed 3")
    assert.equal(0, rc, out)
    assert.matches("fingerprints: 30 × 672", out)
    helpers.picture(dir .. "/soundmap/out/soundmap-seed3.png", 3)
    local tsv = helpers.read_file(dir .. "/soundmap/out/soundmap-seed3.tsv")
    local rows = 0
    for line in tsv:gmatch("[^\n]+") do
      rows = rows + 1
      if rows > 1 then assert.matches("^[%d.e-]+\t[%d.e-]+\t[%w -]+\t/", line) end
    end
    assert.equal(31, rows)
    -- the page, named with the seed like the picture
    assert.equal("file", wick.fs.kind(dir .. "/soundmap/out/page-seed3/data.js"))
    assert.equal("folder", wick.fs.kind(dir .. "/soundmap/out/page-seed3/sounds"))
    helpers.remove_tree(dir)
  end)
end)
