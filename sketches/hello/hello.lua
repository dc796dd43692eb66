-- Ripples — waves spread from a few random points and add up into an interference
-- pattern, coloured with a cosine palette. Pure tensor maths: no data needed.
--
-- Run:  wick sketches/hello/hello.lua [size] [seed] [--frames N]
-- Writes sketches/hello/out/ripples-seed<seed>.png (512×512, about a second), and with
-- --frames N an animation as out/frame-0001.png … (the waves travel outward).
local wick = require "wick"
local T, image = wick.tensor, wick.image

-- The kit reads the arguments, seeds wick's generator, prints the seed and makes out/.
local kit = wick.sketch { size = 512, seed = 7, frames = 1, positional = { "size", "seed", "frames" } }
local size = kit.size
print(("ripples: %d×%d"):format(size, size))

local ys = T.linspace(-1, 1, size):view(size, 1)   -- (size, 1): one coordinate per row
local xs = T.linspace(-1, 1, size):view(1, size)   -- (1, size): one per column

-- Each source: a position in [-1,1]², a wave number and a phase.
local sources = {}
for i = 1, 5 do
  local r = T.rand(4):table()
  sources[i] = { x = r[1] * 2 - 1, y = r[2] * 2 - 1, k = 12 + 30 * r[3], phase = r[4] * 2 * math.pi }
end

-- field(t) = mean over sources of sin(k·distance − t + phase), in [-1, 1]
local function field(t)
  local sum = T.zeros(size, size)
  for _, s in ipairs(sources) do
    local d = ((xs - s.x) ^ 2 + (ys - s.y) ^ 2):sqrt()   -- broadcasts to (size, size)
    sum:add_((d * s.k + (s.phase - t)):sin())
  end
  return sum / #sources
end

-- Cosine palette (a + b·cos(2π(c·v + d))) per channel: v in [0,1] to warm/cool colours.
local function colour(f)
  local v = f * 0.5 + 0.5
  local channels = {}
  for c, d in ipairs { 0.00, 0.33, 0.67 } do
    channels[c] = ((v * 1.0 + d) * (2 * math.pi)):cos() * 0.5 + 0.5
  end
  return T.stack(channels, 1)   -- (3, size, size)
end

if kit.frames <= 1 then
  print("wrote " .. image.save(colour(field(0)), kit:path("ripples-seed%d.png", kit.seed)))
else
  for i = 1, kit.frames do kit:frame(colour(field(2 * math.pi * (i - 1) / kit.frames))) end
  print(("wrote %d frames to %s/"):format(kit.frames, kit.out))
end
