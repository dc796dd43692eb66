-- audio_spec.lua — wick.audio: save/load round trips (WAV and FLAC, 16/24/32 bits, within
-- each format's quantisation), info, the refusals (existing files, NaN, rate 0, empty,
-- truncated and foreign files, made here in a temporary folder), resampling checked by
-- the frequency and length of a sine, mono, trim, normalize, mu-law's error bound, and
-- samples() on Debian's sample packages when they are installed (make data).
local wick = require "wick"
local helpers = require "spec_helpers"
local audio, T = wick.audio, wick.tensor

local refused, tmpdir, remove_tree = helpers.refused, helpers.tmpdir, helpers.remove_tree
local write_file, read_file = helpers.write_file, helpers.read_file

-- amp·sin(2π·freq·i/rate) for i = 0..n-1, as 1×n.
local function sine(freq, rate, n, amp)
  return T.arange(0, n - 1):mul(2 * math.pi * freq / rate):sin():mul(amp or 0.5):view(1, n)
end

-- The frequency of a 1×N tone from its rising zero crossings (first to last).
local function frequency(x, rate)
  local v = x:view(-1):table()
  local first, last, count
  for i = 2, #v do
    if v[i - 1] < 0 and v[i] >= 0 then
      local at = i - 1 + (-v[i - 1]) / (v[i] - v[i - 1])   -- interpolated crossing
      if first then count, last = count + 1, at else first, count = at, 0 end
    end
  end
  return count * rate / (last - first)
end

local function max_abs(t) return t:abs():max():item() end

describe("audio.save and audio.load", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() remove_tree(dir) end)

  local x = T.cat({ sine(440, 22050, 2000, 0.8), sine(1000, 22050, 2000, 0.3) }, 1)   -- 2×2000
  for _, case in ipairs {
    { "wav", 16, 1 / 32768 }, { "wav", 24, 2 ^ -23 }, { "wav", 32, 1e-7 },
    { "flac", 16, 1 / 32768 }, { "flac", 24, 2 ^ -23 },
  } do
    local ext, bits, tol = case[1], case[2], case[3]
    it(("round-trips a stereo sound through %s at %d bits within its quantisation"):format(ext, bits), function()
      local path = dir .. "/s." .. ext
      assert.equal(path, audio.save(path, x, 22050, { bits = bits }))
      local y, rate = audio.load(path)
      assert.equal(22050, rate)
      assert.same({ 2, 2000 }, y:shape())
      local d = max_abs(y - x)
      assert.is_true(d <= tol, ("max |loaded - saved| = %g > %g"):format(d, tol))
      local info = audio.info(path)
      assert.same({ rate = 22050, channels = 2, frames = 2000, format = ext }, {
        rate = info.rate, channels = info.channels, frames = info.frames, format = info.format })
      assert.near(2000 / 22050, info.seconds, 1e-12)
      assert.equal(bits == 32 and "float" or "pcm" .. bits, info.encoding)
    end)
  end

  it("writes a 1-D tensor as one channel, clips PCM to full scale and makes missing folders", function()
    local path = dir .. "/a/b/loud.wav"
    audio.save(path, T({ 0, 0.5, 1.5, -2, -1 }), 8000)
    local y = audio.load(path)
    assert.same({ 1, 5 }, y:shape())
    helpers.near({ { 0, 0.5, 32767 / 32768, -1, -1 } }, y, 1e-4)
  end)

  it("records the software in the file", function()
    local path = dir .. "/meta.wav"
    audio.save(path, sine(440, 8000, 100), 8000)
    assert.truthy(read_file(path):find("wick", 1, true))
  end)

  it("never replaces an existing file unless asked", function()
    local path = dir .. "/keep.wav"
    write_file(path, "precious")
    refused("'" .. path .. "' exists; pass {overwrite = true}", audio.save, path, x, 22050)
    assert.equal("precious", read_file(path))
    audio.save(path, x, 22050, { overwrite = true })
    assert.same({ 2, 2000 }, audio.load(path):shape())
  end)

  it("refuses NaN, rate 0, unknown formats and bad options, writing nothing", function()
    local path = dir .. "/bad.wav"
    local nan = x:clone()
    nan[2][7] = 0 / 0
    refused("sample 7 of channel 2 is NaN", audio.save, path, nan, 22050)
    refused("rate must be", audio.save, path, x, 0)
    refused("cannot tell the format", audio.save, dir .. "/s.mp3", x, 22050)
    refused("FLAC holds 16 or 24 bits", audio.save, dir .. "/s.flac", x, 22050, { bits = 32 })
    refused("option 'bits' must be 16, 24 or 32", audio.save, path, x, 22050, { bits = 8 })
    refused("option 'format' must be", audio.save, path, x, 22050, { format = "mp3" })
    refused("unknown option", audio.save, path, x, 22050, { overwite = true })
    refused("frames × channels", audio.save, path, T.zeros(2000, 2), 22050)
    refused("hold no sound", audio.save, path, T.zeros(2, 0), 22050)
    assert.is_nil(wick.fs.kind(path))
    audio.save(dir .. "/forced.flac.out", x, 22050, { format = "flac" })
    assert.equal("flac", audio.info(dir .. "/forced.flac.out").format)
  end)

  it("loads with a new rate, mixed to mono, or only the first seconds", function()
    local path = dir .. "/s.wav"
    audio.save(path, x, 22050)
    local y, rate = audio.load(path, { rate = 11025, mono = true })
    assert.equal(11025, rate)
    assert.same({ 1, 1000 }, y:shape())
    local z = audio.load(path, { max_seconds = 0.01 })
    assert.same({ 2, 221 }, z:shape())
    local f = audio.load(path, { rate = 8000, quality = "fast" })
    assert.same({ 2, 726 }, f:shape())
    refused("option 'quality' must be", audio.load, path, { rate = 8000, quality = "great" })
    refused("option 'rate' must be", audio.load, path, { rate = 0 })
    refused("option 'mono' must be true or false", audio.load, path, { mono = 1 })
  end)

  it("names the file and the reason for missing, empty, foreign, truncated and folder paths", function()
    refused("cannot open '" .. dir .. "/none.wav': No such file", audio.load, dir .. "/none.wav")
    write_file(dir .. "/empty.wav", "")
    refused("'" .. dir .. "/empty.wav' is empty (0 bytes)", audio.load, dir .. "/empty.wav")
    write_file(dir .. "/text.wav", "just some words, not a sound")
    refused("cannot read '" .. dir .. "/text.wav' as a sound (it starts with the bytes 6a 75 73 74", audio.load,
      dir .. "/text.wav")
    refused("it is a folder", audio.load, dir)
    -- a FIFO would block in the decoder: refused before it is opened
    if os.execute("mkfifo '" .. dir .. "/pipe.wav' 2>/dev/null") then
      refused("cannot read '" .. dir .. "/pipe.wav': it is not a regular file", audio.load, dir .. "/pipe.wav")
    end
    audio.save(dir .. "/whole.wav", x, 22050)
    audio.save(dir .. "/whole.flac", x, 22050)
    local wav, flac = read_file(dir .. "/whole.wav"), read_file(dir .. "/whole.flac")
    write_file(dir .. "/cut.wav", wav:sub(1, #wav // 2))
    refused("'" .. dir .. "/cut.wav' is truncated: its header promises 8000 bytes", audio.load, dir .. "/cut.wav")
    refused("is truncated", audio.info, dir .. "/cut.wav")
    write_file(dir .. "/head.wav", wav:sub(1, 30))
    refused("a damaged, truncated or unsupported WAV file", audio.load, dir .. "/head.wav")
    -- libsndfile 1.2.0 loops forever on a LIST entry whose size runs past the list
    -- (this 104-byte file, found by fuzz_audio): refused before libsndfile sees it
    local hang = ("524946462602000057415645666d74201000000003000100803e000000fa000004002000666163740400000064000000" ..
      "4c49535446000000494e464f5045414b1000000001000000cf00126baed8323f380000009c9e8b9df8ffffffffffffff" ..
      "feffffffffffff62"):gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)
    write_file(dir .. "/hang.wav", hang)
    refused("'" .. dir .. "/hang.wav' is damaged: an entry of its LIST chunk runs past", audio.load, dir .. "/hang.wav")
    -- and on an INFO chunk outside a LIST whose entry's size wraps its count (this 259-byte
    -- file, found by fuzz_audio in CI)
    local hang2 = (
      "524946460202000057415645666d74201000000001000100401f0000803e000002001000646174614600000000000000" ..
      "00000000000000000000000000000000000000000000000000803e000000000200100064617435614600000000000000" ..
      "000000000000000000000027000000000000494e464f4900005346ffffffffffffffffffffffffffffffffffffffffff" ..
      "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" ..
      "fffffffffffff7ffffffffffffffffffff54180000007769636b20286c6962736e6466697461d5d41500000000000000" ..
      "b7e9494433662a2b553da659b4aac2d5d4b7e9"):gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)
    write_file(dir .. "/hang2.wav", hang2)
    refused("'" .. dir .. "/hang2.wav' is damaged: an entry of its INFO chunk runs past", audio.load,
      dir .. "/hang2.wav")
    -- a sound whose LIST entries fit still loads
    local list = "LIST" .. string.pack("<I4", 4 + 8 + 6) .. "INFO" .. "INAM" .. string.pack("<I4", 5) .. "wick\0\0"
    local riff = "RIFF" .. string.pack("<I4", #wav - 8 + #list) .. wav:sub(9) .. list
    write_file(dir .. "/listed.wav", riff)
    assert.same(x:shape(), audio.load(dir .. "/listed.wav"):shape())
    -- an odd-sized samples chunk without its pad byte, then the chunks that follow it in
    -- a Hydrogen drum kit Debian ships (written by Modplug Tracker: smpl, LIST, xtra): loads
    local tail = ("736d706c240000000000000000000000935800003c00000000000000000000000000000000000000000000004c495354" ..
      "44000000494e464f494e414d200000000000000000000000000000000000000000000000000000000000000000000000" ..
      "49534654100000004d6f64706c756720547261636b657200787472611000000020000000800000014000000000000000")
      :gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end)
    local odd = "fmt " .. string.pack("<I4I2I2I4I4I2I2", 16, 1, 1, 22050, 22050, 1, 8) .. "data"
      .. string.pack("<I4", 5) .. "\x80\xff\x80\x00\x80" .. tail
    write_file(dir .. "/unpadded.wav", "RIFF" .. string.pack("<I4", 4 + #odd) .. "WAVE" .. odd)
    local u = audio.load(dir .. "/unpadded.wav")
    assert.same({ 1, 5 }, u:shape())
    assert.near(1, u[1][2], 0.01)
    write_file(dir .. "/cut.flac", flac:sub(1, #flac // 2))
    refused("'" .. dir .. "/cut.flac' is truncated or damaged", audio.load, dir .. "/cut.flac")
    write_file(dir .. "/head.flac", flac:sub(1, 20))
    refused("a damaged, truncated or unsupported FLAC file", audio.load, dir .. "/head.flac")
    -- a header that says 0 Hz
    local zero = wav:sub(1, 24) .. string.pack("<I4", 0) .. wav:sub(29)
    write_file(dir .. "/zero.wav", zero)
    refused(dir .. "/zero.wav", audio.load, dir .. "/zero.wav")
    refused("expected a file name", audio.load, 42)
  end)

  it("refuses a float WAV that holds NaN", function()
    local path = dir .. "/f.wav"
    audio.save(path, x, 22050, { bits = 32 })
    local s = read_file(path)
    local at = s:find("data", 1, true) + 8   -- first sample, little-endian float
    write_file(path, s:sub(1, at - 1) .. string.pack("<f", 0 / 0) .. s:sub(at + 4))
    refused("holds NaN or infinite samples", audio.load, path)
  end)
end)

describe("audio.resample", function()
  it("keeps a sine's frequency and gives round(N·to/from) frames", function()
    local x = sine(440, 44100, 44100)
    for _, q in ipairs { "best", "medium", "fast", "linear", "poly" } do
      local y = audio.resample(x, 44100, 16000, { quality = q })
      assert.same({ 1, 16000 }, y:shape())
      local f = frequency(y, 16000)
      assert.is_true(math.abs(f - 440) < 0.5, q .. ": frequency " .. f)
      -- amplitude kept away from the edges (the filters' start-up)
      local mid = max_abs(y:narrow(2, 1000, 14000))
      assert.is_true(math.abs(mid - 0.5) < 0.01, q .. ": amplitude " .. mid)
    end
    local up = audio.resample(sine(300, 8000, 1000), 8000, 22050)
    assert.same({ 1, 2756 }, up:shape())
    assert.is_true(math.abs(frequency(up, 22050) - 300) < 1)
  end)

  it("removes what the new rate cannot hold (best and poly)", function()
    for _, q in ipairs { "best", "poly" } do
      local y = audio.resample(sine(7000, 44100, 8820), 44100, 8000, { quality = q })   -- 7 kHz > 4 kHz Nyquist
      local mid = max_abs(y:narrow(2, 200, 1200))
      assert.is_true(mid < 1e-4, q .. ": alias left at amplitude " .. mid)
    end
  end)

  it("treats channels alike and alone, 1-D in gives 1-D out, equal rates copy", function()
    local a, b = sine(440, 22050, 3000), sine(660, 22050, 3000, 0.2)
    local both = audio.resample(T.cat({ a, b }, 1), 22050, 16000)
    assert.equal(0, max_abs(both:narrow(1, 2, 1) - audio.resample(b, 22050, 16000)))
    assert.same({ 100 }, audio.resample(T.zeros(100), 8000, 8000):shape())
    assert.same({ 50 }, audio.resample(T.zeros(100), 8000, 4000):shape())
  end)

  it("refuses rate 0, ratios beyond 256, NaN and empty sounds", function()
    local x = sine(440, 8000, 100)
    refused("from_rate must be", audio.resample, x, 0, 8000)
    refused("to_rate must be", audio.resample, x, 8000, 0 / 0)
    refused("1/256..256", audio.resample, x, 1, 1000)
    local nan = x:clone()
    nan[1][3] = 0 / 0
    refused("sample 3 of channel 1 is NaN", audio.resample, nan, 8000, 16000)
    refused("hold no sound", audio.resample, T.zeros(1, 0), 8000, 16000)
    refused("must be channels × frames", audio.resample, T.zeros(1, 2, 3), 8000, 16000)
  end)
end)

describe("audio.mono, trim and normalize", function()
  it("mono is the mean of the channels", function()
    local m = audio.mono(T({ { 1, 0, -1 }, { 0, 0.5, 1 } }))
    helpers.near({ { 0.5, 0.25, 0 } }, m)
    helpers.near({ { 1, 2 } }, audio.mono(T({ 1, 2 })))
  end)

  it("trim drops leading (and trailing) silence below the threshold", function()
    local tone = sine(440, 8000, 50)   -- starts at sin(0) = 0: the first loud frame is 102
    local x = T.cat({ T.zeros(2, 100), T.cat({ tone, tone }, 1), T.zeros(2, 30) }, 2)
    local lead = audio.trim(x)
    assert.same({ 2, 79 }, lead:shape())
    assert.same({ 2, 49 }, audio.trim(x, { trailing = true }):shape())
    local quiet = T.cat({ T.full({ 1, 10 }, 0.01), T.ones(1, 5) }, 2)   -- -40 dB, then loud
    assert.same({ 1, 15 }, audio.trim(quiet):shape())
    assert.same({ 1, 5 }, audio.trim(quiet, { threshold = -30 }):shape())
    assert.same({ 2, 0 }, audio.trim(T.zeros(2, 10)):shape())
    refused("option 'threshold' (dB below full scale) must be", audio.trim, x, { threshold = 3 })
  end)

  it("normalize scales to the peak and says by how much", function()
    local y, gain = audio.normalize(T({ { 0.1, -0.25 }, { 0.2, 0 } }))
    helpers.near({ { 0.4, -1 }, { 0.8, 0 } }, y)
    assert.near(4, gain, 1e-6)
    local h = audio.normalize(T({ 0.5, -0.1 }), 0.5)
    helpers.near({ 0.5, -0.1 }, h)
    local z, g = audio.normalize(T.zeros(1, 4))
    assert.equal(0, max_abs(z))
    assert.equal(1, g)
    refused("peak must be", audio.normalize, T.ones(1, 3), 0)
    refused("is NaN", audio.normalize, T({ 1, 0 / 0 }))
    -- a subnormal peak: the gain would overflow a float, so the sound counts as silent
    local s, sg = audio.normalize(T({ 1e-40, 0, -1e-41 }))
    assert.equal(1, sg)
    assert.equal(0, s[2])
    assert.is_true(max_abs(s) < 1e-39, "unchanged, no NaN or inf")
  end)
end)

describe("audio.mulaw_encode and mulaw_decode", function()
  it("gives integer codes in 0..levels-1 and decodes within half a step", function()
    local x = T.linspace(-1, 1, 20001)
    local c = audio.mulaw_encode(x)
    assert.equal(0, c:min():item())
    assert.equal(255, c:max():item())
    assert.equal(0, max_abs(c - c:floor()))
    local y = audio.mulaw_decode(c)
    -- half a step of the code grid near x: dx/dy · (1/mu) with dx/dy = (1 + mu|x|)·ln(1+mu)/mu
    -- (mu = 255), grown by the factor dx/dy changes over half a step, (1+mu)^(1/mu)
    local err = (y - x):abs()
    local bound = x:abs():mul(255):add(1):mul(math.log(256) / 255 / 255 * 256 ^ (1 / 255)):add(1e-6)
    assert.equal(0, (err - bound):clamp(0, math.huge):max():item())
    assert.is_true(max_abs(y - x) < 0.022)
    assert.equal(128, audio.mulaw_encode(T({ 0 })):item())
    helpers.near({ 0, 15 }, audio.mulaw_encode(T({ -3, 2 }), 16))
  end)

  it("refuses codes out of range, fractions, NaN and bad levels", function()
    refused("code 2 is 256", audio.mulaw_decode, T({ 0, 256 }))
    refused("code 1 is 1.5", audio.mulaw_decode, T({ 1.5 }))
    refused("codes are integers 0..15", audio.mulaw_decode, T({ -1 }), 16)
    refused("element 2 is NaN", audio.mulaw_encode, T({ 0, 0 / 0 }))
    refused("levels must be", audio.mulaw_encode, T.zeros(3), 1)
  end)
end)

describe("audio.samples", function()
  local have = wick.fs.kind(audio._sample_dirs["sonic-pi"]) == "folder"
      and wick.fs.kind(audio._sample_dirs.hydrogen) == "folder"
  local needs = have and it
      or function(title) pending(title .. " (needs sonic-pi-samples, hydrogen-drumkits: make data)") end

  it("does not loop forever on a symlinked folder that points back up", function()
    local dir = tmpdir()
    wick.fs.mkdir(dir .. "/Kit")
    audio.save(dir .. "/Kit/hit.wav", T.zeros(1, 10), 8000)
    assert.is_true(os.execute("ln -s .. '" .. dir .. "/Kit/up'"))
    local saved = audio._sample_dirs.hydrogen
    audio._sample_dirs.hydrogen = dir
    local ok, list = pcall(audio.samples, "hydrogen")
    audio._sample_dirs.hydrogen = saved
    os.remove(dir .. "/Kit/up")   -- first: remove_tree follows symlinks
    remove_tree(dir)
    assert.is_true(ok, tostring(list))
    assert.equal("hit", list[1].name)
  end)

  needs("lists the sonic-pi and hydrogen sounds with categories", function()
    local all, sp, hy = audio.samples(), audio.samples("sonic-pi"), audio.samples("hydrogen")
    assert.equal(#sp + #hy, #all)
    assert.is_true(#sp >= 150 and #hy >= 700, ("%d + %d sounds"):format(#sp, #hy))
    local cats = {}
    for _, s in ipairs(sp) do cats[s.category] = true end
    for _, c in ipairs { "ambi", "bd", "drum", "elec", "loop", "perc", "sn", "tabla" } do
      assert.is_true(cats[c], "no sonic-pi category " .. c)
    end
    local bd = sp[1]
    for _, s in ipairs(sp) do if s.name == "bd_haus" then bd = s end end
    assert.same({ "bd", "bd_haus", "sonic-pi-samples" }, { bd.category, bd.name, bd.package })
    local kits = {}
    for _, s in ipairs(hy) do
      kits[s.category] = true
      assert.equal("file", wick.fs.kind(s.path))
      local kit_dir = audio._sample_dirs.hydrogen .. "/" .. s.category
      assert.equal(kit_dir, s.path:sub(1, #kit_dir))
    end
    assert.is_true(kits["ElectricEmpireKit"] and kits["Audiophob"])
  end)

  needs("loads a real sample and writes it back as WAV", function()
    local dir = tmpdir()
    local s = audio.samples("sonic-pi")[1]
    local x, rate = audio.load(s.path)
    audio.save(dir .. "/copy.wav", x, rate)
    local y = audio.load(dir .. "/copy.wav")
    remove_tree(dir)
    assert.same(x:shape(), y:shape())
    assert.is_true(max_abs(y - x) <= 1 / 32768)
    local kit = audio.samples("hydrogen")
    local h = audio.load(kit[#kit].path, { rate = 16000, mono = true })
    assert.equal(1, h:size(1))
  end)

  it("names the missing package and make data", function()
    local saved = audio._sample_dirs["sonic-pi"]
    audio._sample_dirs["sonic-pi"] = "/nonexistent/sonic-pi/samples"
    local ok, e = pcall(audio.samples, "sonic-pi")
    audio._sample_dirs["sonic-pi"] = saved
    assert.is_false(ok)
    assert.truthy(tostring(e):find("install the Debian package sonic-pi-samples (sudo make data)", 1, true), e)
    refused("which must be one of sonic-pi, hydrogen", audio.samples, "lmms")
  end)
end)
