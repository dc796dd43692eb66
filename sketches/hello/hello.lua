-- Ripples — waves spread from a few random points and add up into an interference
-- pattern, coloured with a cosine palette. Pure tensor maths: no data needed.
--
-- Run:  wick sketches/hello/hello.lua [size] [seed] [frames]
-- Writes sketches/hello/out/ripples-seed<seed>.png (512×512, about a second), and with
-- frames > 1 an animation as out/frame-0001.png … (the waves travel outward).
local wick = require "wick"
local T, image = wick.tensor, wick.image

local size = tonumber(arg[1]) or 512
local seed = wick.seed(tonumber(arg[2]) or 7)
local frames = tonumber(arg[3]) or 1
print(("ripples: %d×%d, seed %d"):format(size, size, seed))

local out = arg[0]:match("^(.*)/[^/]*$") or "."
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

if frames <= 1 then
  local path = image.save(colour(field(0)), ("%s/out/ripples-seed%d.png"):format(out, seed))
  print("wrote " .. path)
else
  for i = 1, frames do
    image.save(colour(field(2 * math.pi * (i - 1) / frames)), ("%s/out/frame-%04d.png"):format(out, i))
  end
  print(("wrote %d frames to %s/out/"):format(frames, out))
end
