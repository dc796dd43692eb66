-- features.lua — feature visualisation for the visualize sketch: images grown from noise
-- by gradient ascent until one unit of a network fires hard — a channel of an
-- InceptionV3 layer, or a class of the Fashion-MNIST classifier. Left alone, ascent finds
-- high-frequency noise that excites the unit; the regularisers here make the result
-- legible: a random roll before each step (jitter), a slight pull toward grey (decay), a
-- gaussian blur every few steps, and growing the picture over several scales so large
-- structure forms at the small ones.
-- (wick.image.roll, blur and lap_normalize do the image work.)
local wick = require "wick"
local T, image = wick.tensor, wick.image

local M = {}

-- Per image, the mean absolute value of x (N×…) as an N×1×1×1 tensor, for normalising.
local function size_of(x)
  local n = x:size(1)
  return x:abs():view(n, -1):mean(2, true):view(n, 1, 1, 1) + 1e-8
end

-- A random offset in −j..j for each of two axes, from wick's seeded generator.
local function jitter(j)
  local r = T.rand(2):table()
  return math.floor(r[1] * (2 * j + 1)) - j, math.floor(r[2] * (2 * j + 1)) - j
end

-- Gradient ascent on a batch x (N×C×H×W) for score(x) → one number per image (a 1-D
-- tensor of N): every image climbs its own score, with its step normalised by its own
-- gradient's mean size (so a quiet unit gets as far as a loud one). o: steps, lr, jitter,
-- lapnorm (Laplacian bands, 0 for none), decay (toward `rest`, by default the middle of
-- the range), blur (sigma), blur_every, lo, hi (the valid range), on_step(i, x, scores).
function M.ascend(x, score, o)
  for i = 1, o.steps do
    local dy, dx = jitter(o.jitter)
    local leaf = image.roll(x, dy, dx):detach():requires_grad()
    local scores = score(leaf)
    scores:sum():backward()
    local g = image.roll(leaf.grad, -dy, -dx)
    if (o.lapnorm or 0) > 1 then g = image.lap_normalize(g, o.lapnorm) end
    x = x + g * o.lr / size_of(g)
    if o.decay > 0 then x = x * (1 - o.decay) + (o.rest or (o.lo + o.hi) / 2) * o.decay end
    if o.blur > 0 and i % o.blur_every == 0 then x = image.blur(x, o.blur) end
    x = x:clamp(o.lo, o.hi)
    if o.on_step then o.on_step(i, x, scores) end
  end
  return x
end

-- Multi-scale: start at `side` pixels, ascend, grow by `scale`, ascend again … `octaves`
-- times. o as for ascend, plus side, octaves, scale, colours (3 or 1), noise (the start's
-- spread, a share of the range), on_octave(k, x).
function M.grow(n, score, o)
  local rest = o.rest or (o.lo + o.hi) / 2
  local x = T.randn(n, o.colours or 3, o.side, o.side) * (o.noise or 0.1) * (o.hi - o.lo) + rest
  for k = 1, o.octaves do
    if k > 1 then
      local side = math.floor(x:size(3) * o.scale + 0.5)
      x = image.resize(x, side, side)
    end
    x = M.ascend(x, score, o)
    if o.on_octave then o.on_octave(k, x) end
  end
  return x
end

-- Every class of a Fashion-MNIST classifier `net` (10 logits) as a picture: row 1 plain
-- ascent on the class score from faint noise (it works, and looks like noise), row 2 the
-- same with jitter, decay toward black (the dataset's background) and blur, row 3 the
-- test image (of test_x) the net gives the highest probability for that class. Each
-- picture is scaled ×3 (nearest) for viewing. → one sheet, 10 columns.
function M.fashion_classes(net, test_x)
  local idx = T.arange(10):view(10, 1)
  local function class_score(x) return net(x):gather(2, idx):view(-1) end
  local o = { side = 28, octaves = 1, colours = 1, steps = 200, lr = 0.01, lo = 0, hi = 1, rest = 0, noise = 0.3,
    jitter = 0, decay = 0, blur = 0 }
  local plain = M.grow(10, class_score, o)
  o.jitter, o.decay, o.blur, o.blur_every = 1, 0.01, 0.5, 4
  local legible = M.grow(10, class_score, o)
  local p = wick.no_grad(function() return wick.nn.F.softmax(net(test_x), 2) end)
  local surest = test_x:index_select(1, p:argmax(1):view(-1))
  local rows = image.resize(T.cat({ plain, legible, surest }, 1), 84, 84, { mode = "nearest" })
  return image.grid(rows, { cols = 10 })
end

return M
