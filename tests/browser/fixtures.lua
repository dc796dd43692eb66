-- fixtures.lua — the pages the browser test opens, shared with tests/spec/page_spec.lua
-- (require "browser.fixtures": tests/ is on package.path).
--
--   F.sine_wav(path, freq [, seconds])   a 16-bit mono 8 kHz WAV file written by hand
--   F.small(wick, dir)                   12 points on a 4 × 3 grid, each with a one-colour
--                                        image, a label, a text and (but point 5) a sound;
--                                        returns the index.html path and the expectations
--   F.big(wick, dir, n)                  n points (70,000 for the timing) in ten clusters,
--                                        labelled, with small patterned images
local F = {}

function F.sine_wav(path, freq, seconds)
  local rate = 8000
  local n = math.floor(rate * (seconds or 0.2))
  local samples = {}
  for i = 0, n - 1 do
    samples[#samples + 1] = string.pack("<i2", math.floor(9000 * math.sin(2 * math.pi * freq * i / rate)))
  end
  local pcm = table.concat(samples)
  local header = "RIFF" .. string.pack("<I4", 36 + #pcm) .. "WAVE" .. "fmt "
    .. string.pack("<I4I2I2I4I4I2I2", 16, 1, 1, rate, rate * 2, 2, 16) .. "data" .. string.pack("<I4", #pcm)
  local f = assert(io.open(path, "wb"))
  f:write(header, pcm)
  f:close()
  return path
end

F.LABELS = { "circle", "square", "triangle" }

-- Point k (1-based) of the small page: grid cell, label, text, colour (0..1) and sound.
function F.small_point(k)
  local col, row = (k - 1) % 4, (k - 1) // 4
  return {
    x = col, y = row,
    label = F.LABELS[(k - 1) % 3 + 1],
    text = ("text of point %d"):format(k),
    rgb = { (k * 20) % 256 / 255, (255 - k * 17) % 256 / 255, (k * 53) % 256 / 255 },
    sound = k ~= 5 and (k % 2 == 1 and "low" or "high") or false,
  }
end

function F.small(wick, dir, sounds_dir)
  local T = wick.tensor
  local n = 12
  local low = F.sine_wav(sounds_dir .. "/low.wav", 220)
  local high = F.sine_wav(sounds_dir .. "/high.wav", 880)
  local pts, labels, texts, sounds = {}, {}, {}, {}
  local images = T.zeros(n, 3, 8, 10)
  local expect = { n = n, points = {}, sources = { low = low, high = high } }
  for k = 1, n do
    local p = F.small_point(k)
    pts[k] = { p.x, p.y }
    labels[k], texts[k] = p.label, p.text
    sounds[k] = p.sound and (p.sound == "low" and low or high) or false
    for c = 1, 3 do images:select(1, k):select(1, c):fill_(p.rgb[c]) end
    expect.points[k] = p
  end
  local path = wick.page(dir, T(pts), { label = labels, text = texts, image = images, sound = sounds,
    title = "wick.page browser test" })
  return path, expect
end

function F.big(wick, dir, n)
  local T = wick.tensor
  local k = 10
  local ids = {}
  for i = 1, n do ids[i] = (i - 1) % k end
  local class = T(ids)   -- 0..9
  local angle = class * (2 * math.pi / k)
  local centres = T.stack({ angle:cos(), angle:sin() }, 2) * 6
  local pts = centres + T.randn(n, 2)
  local labels, texts = {}, {}
  for i = 1, n do
    labels[i] = ("class %d"):format(ids[i] + 1)
    texts[i] = ("random point %d"):format(i)
  end
  -- 28×28 images (Fashion-MNIST's size): a ramp whose slope depends on the class
  local ramp = T.linspace(0, 1, 28):view(1, 1, 1, 28) * T.linspace(0.3, 1, 28):view(1, 1, 28, 1)
  local images = ramp * ((class + 1) / k):view(n, 1, 1, 1)
  return wick.page(dir, pts, { label = labels, text = texts, image = images, title = "70,000 random points" })
end

return F
