-- dream.lua — the Deep Dream loop of the deepdream sketch: gradient ascent on the image
-- for the mean activation of one InceptionV3 layer (or one channel of it), with the
-- tricks that made the original work — octaves (dream small, carry the detail up to the
-- next scale), a random roll of the image before each step (jitter), steps normalised
-- by the gradient's mean size, and clipping to the valid range — plus the zoom used for
-- the feedback animation, and the pictures by name.
--
-- The jitter and the gradient's Laplacian normalisation are wick.image.roll and
-- wick.image.lap_normalize; the centre crop-and-zoom is here.
local wick = require "wick"
local T, image = wick.tensor, wick.image

local M = {}

-- Per image, the mean absolute value of x (N×…) as an N×1×1×1 tensor, for normalising.
local function size_of(x)
  local n = x:size(1)
  return x:abs():view(n, -1):mean(2, true):view(n, 1, 1, 1) + 1e-8
end

-- The pictures the sketch knows by name (any other name is read as a path or a data name).
M.pictures = {
  astronaut = "images/skimage/astronaut.png", chelsea = "images/skimage/chelsea.png",
  coffee = "images/skimage/coffee.png", starry = "images/opencv/starry_night.jpg",
  scream = "images/darknet/scream.jpg",
}

-- The first of the Getty photographs (images/getty/img-*/image.jpg), or the one named.
local function getty(which)
  local root = wick.data.find("images/getty")
  for _, name in ipairs(wick.fs.list(root)) do
    if name:find(which or "", 1, true) and wick.fs.kind(root .. "/" .. name .. "/image.jpg") then
      return root .. "/" .. name .. "/image.jpg"
    end
  end
  error("no Getty photograph matching '" .. tostring(which) .. "' in " .. root, 0)
end

-- A picture by name, as 3×H×W in [0,1] with its long side `size` pixels.
function M.picture(name, size)
  local path = M.pictures[name] and wick.data.find(M.pictures[name])
    or name:match("^getty") and getty(name:match("^getty%-?(.*)$"))
    or wick.data.find(name)
  return image.fit(image.rgb(image.load(path)), size)
end

-- InceptionV3's input scale (pixel / 127.5 − 1, so [0,1] → [−1,1]) without net:preprocess's
-- resize to 299²: the convolutional trunk takes any size, and Deep Dream works at the
-- picture's own. 3×H×W → 1×3×H×W.
function M.to_net(img) return (img * 2 - 1):unsqueeze(1) end

-- The centre 1/factor of x (N×C×H×W) blown back up to H×W: one step into the picture.
function M.zoom(x, factor)
  local h, w = x:size(3), x:size(4)
  local ch, cw = math.floor(h / factor + 0.5), math.floor(w / factor + 0.5)
  local crop = x:narrow(3, (h - ch) // 2 + 1, ch):narrow(4, (w - cw) // 2 + 1, cw)
  return image.resize(crop:contiguous(), h, w)
end

-- The gradient of the score (the mean of `layer`, or of its channel `channel` when > 0)
-- with respect to the image x, and the score.
function M.gradient(net, x, layer, channel)
  local leaf = x:detach():requires_grad()
  local a = net:upto(leaf, layer)
  if channel and channel > 0 then a = a:narrow(2, channel, 1) end
  local score = a:mean()
  score:backward()
  return leaf.grad, score:item()
end

-- `steps` steps of gradient ascent at one scale. Each step rolls the image by a random
-- offset up to `jitter` pixels first (and the gradient back after), so the network's
-- fixed grid of strides never lines up with the same pixels twice; the step is scaled
-- by the gradient's mean magnitude, so `lr` means "how far in pixel values" at any layer.
function M.ascend(net, x, o)
  local score
  for _ = 1, o.steps do
    local r = T.rand(2):table()
    local dy, dx = math.floor(r[1] * (2 * o.jitter + 1)) - o.jitter, math.floor(r[2] * (2 * o.jitter + 1)) - o.jitter
    local g
    g, score = M.gradient(net, image.roll(x, dy, dx), o.layer, o.channel)
    g = image.roll(g, -dy, -dx)
    if (o.lapnorm or 0) > 1 then g = image.lap_normalize(g, o.lapnorm) end
    x = (x + g * o.lr / size_of(g)):clamp(-1, 1)
  end
  return x, score
end

-- Deep Dream with octaves: x (1×3×H×W in [−1,1]) is shrunk `octaves − 1` times by
-- `scale` (never below `min_side` pixels, InceptionV3's smallest input), dreamed on at the
-- smallest first; what the dream added at one scale (its detail) is resized up and laid
-- over the next, so patterns grow at every scale. on_octave(k, n, x, score) after each.
-- o: layer, channel, steps, lr, jitter, octaves, scale, min_side, on_octave.
function M.dream(net, x, o)
  local bases = { x }
  for k = 2, o.octaves do
    local h, w = bases[k - 1]:size(3) / o.scale, bases[k - 1]:size(4) / o.scale
    if math.min(h, w) < (o.min_side or 80) then break end
    bases[k] = image.resize(bases[k - 1], math.floor(h + 0.5), math.floor(w + 0.5))
  end
  local detail, out, score = T.zeros(bases[#bases]:shape()), nil, nil
  for k = #bases, 1, -1 do
    local base = bases[k]
    detail = image.resize(detail, base:size(3), base:size(4))
    out, score = M.ascend(net, (base + detail):clamp(-1, 1), o)
    detail = out - base
    if o.on_octave then o.on_octave(#bases - k + 1, #bases, out, score) end
  end
  return out, score
end

return M
