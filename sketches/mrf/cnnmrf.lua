-- cnnmrf.lua — the loop of the patch-style sketches: Li and Wand's CNNMRF (2016) on
-- InceptionV3's features, and the semantic maps of Champandard's neural doodles (2016).
--
-- Where Gatys matches Gram matrices (which features fire together, anywhere), CNNMRF
-- matches patches: every 3×3 window of the synthesis's features is pulled towards the
-- style window it correlates with best (nn.patch_bank: a GEMM + argmax in C, matched
-- afresh at every evaluation), so brush strokes keep their shape. It runs coarse to fine:
-- each level starts from the last one's result, enlarged. A doodle adds semantic maps —
-- one channel per colour region, weighted — to the features of both the painting and the
-- synthesis before matching, so a patch of sky is only taken where the map says sky.
local wick = require "wick"
local T, image, F = wick.tensor, wick.image, wick.nn.F

local M = {}

-- Layers: patches on activation_3 (1/2 of the picture, 64 channels: colour and grain),
-- activation_5 (1/4, 192) and mixed2 (1/8, 288: shapes), the content on mixed3 (1/16).
-- Chosen and weighted by looking: on mixed2 and mixed4 alone the strokes came out as
-- speckle.
M.layers = { mrf = { "activation_3", "activation_5", "mixed2" }, content = "mixed3", min_side = 43 }

-- The sizes of the levels, coarse to fine: size/2^(levels-1) … size (each at least
-- min_side, or an error saying so).
function M.level_sizes(size, levels)
  local sizes = {}
  for i = levels, 1, -1 do sizes[#sizes + 1] = math.floor(size / 2 ^ (i - 1) + 0.5) end
  if sizes[1] < M.layers.min_side then
    error(("--size %d with --levels %d starts at %d px; InceptionV3 needs at least %d (fewer levels, or larger)")
      :format(size, levels, sizes[1], M.layers.min_side), 0)
  end
  return sizes
end

-- ---- semantic maps -----------------------------------------------------------------

-- The colours a map is painted in (one per region; a doodle's PNG uses exactly these).
M.palette = T { { 0.90, 0.10, 0.10 }, { 0.10, 0.60, 0.10 }, { 0.15, 0.25, 0.90 }, { 0.95, 0.85, 0.10 },
  { 0.80, 0.20, 0.80 }, { 0.10, 0.80, 0.85 }, { 0.95, 0.55, 0.10 }, { 0.50, 0.50, 0.50 } }

-- k-means on the colours of img (3×H×W in [0, 1]): the regions, H×W labels 1..k. Seeds
-- by farthest points from the first pixel wick's generator picks; `iters` Lloyd steps.
function M.kmeans(img, k, iters)
  if k < 2 or k > M.palette:size(1) then error(("--regions must be 2..%d, got %d"):format(M.palette:size(1), k), 0) end
  local h, w = img:size(2), img:size(3)
  local p = img:reshape(3, h * w):t():contiguous()                      -- N×3
  local centres = { p:select(1, math.floor(T.rand(1):item() * h * w) + 1):clone() }
  local near = ((p - centres[1]) ^ 2):sum(2, true)                              -- N×1
  for i = 2, k do
    centres[i] = p:select(1, near:view(-1):argmax():item()):clone()
    local d = ((p - centres[i]) ^ 2):sum(2, true)
    near = T.where(d:lt(near), d, near)
  end
  local c = T.stack(centres)                                              -- k×3
  local labels
  for _ = 1, iters do
    local d = (p ^ 2):sum(2, true) - p:matmul(c:t()) * 2 + (c ^ 2):sum(2, true):t()   -- N×k
    labels = d:argmin(2)                                                  -- N, 1-based
    local onehot = labels:view(-1, 1):eq(T.arange(k))              -- N×k
    local counts = onehot:sum(1, true):t()                                      -- k×1
    c = (onehot:t():matmul(p) + c * 1e-6) / (counts + 1e-6)               -- an empty region keeps its centre
  end
  return labels:view(h, w), c
end

-- Labels (H×W, 1..k) as a picture in the palette's colours, and back: each pixel of a
-- painted map takes the nearest palette colour, so antialiased edges still read right.
-- colors (k×3, default the palette) picks other colours: kmeans's centres paint each
-- region in its mean colour in the painting.
function M.map_image(labels, colors)
  local h, w = labels:size(1), labels:size(2)
  return (colors or M.palette):index_select(1, labels:reshape(h * w)):t():reshape(3, h, w)
end
function M.read_map(path, k)
  local img = image.rgb(image.load(path))
  local h, w = img:size(2), img:size(3)
  local p = img:reshape(3, h * w):t()
  local pal = M.palette:narrow(1, 1, k)
  local d = (p ^ 2):sum(2, true) - p:matmul(pal:t()) * 2 + (pal ^ 2):sum(2, true):t()
  return d:argmin(2):view(h, w)
end

-- The map's channels at a layer's size: k×h×w, the fraction of each region per cell.
function M.channels(labels, k, h, w)
  local onehot = labels:view(-1, 1):eq(T.arange(k))                -- HW×k
  local planes = onehot:t():reshape(k, labels:size(1), labels:size(2))
  return image.resize(planes, h, w, { mode = "area" })
end

-- img (3×H×W) with each channel's mean and spread moved to those of ref's: the palette
-- of the painting before any patch is matched (the deep layers match shapes and strokes
-- far more readily than flat colour).
function M.match_colors(img, ref)
  local function stats(t)
    local f = t:reshape(3, t:size(2) * t:size(3))
    local mean = f:mean(2, true)
    return f, mean, ((f - mean) ^ 2):mean(2, true):sqrt() + 1e-6
  end
  local f, m, sd = stats(img)
  local _, rm, rsd = stats(ref)
  return (((f - m) / sd) * rsd + rm):reshape(3, img:size(2), img:size(3)):clamp(0, 1)
end

-- ---- the loop ----------------------------------------------------------------------

-- Features of x at the patch layers `layers`, each with the map's channels appended
-- (weighted so a map channel weighs like `map_weight` times an average feature channel).
local function with_map(acts, layers, maps, rms, o)
  if not maps then return acts end
  local out = {}
  for l, a in pairs(acts) do out[l] = a end
  for _, l in ipairs(layers) do
    local a = acts[l]
    local ch = M.channels(maps, o.regions, a:size(3), a:size(4)):unsqueeze(1) * (o.map_weight * rms[l])
    out[l] = T.cat({ a, ch }, 2)
  end
  return out
end

-- One level: the banks from the style's features, then `o.steps` L-BFGS iterations on x
-- (1×3×h×w in the net's range) against the patch, content and TV losses. Patch layers
-- smaller than 3×3 at this size (mixed2 of a small picture) sit the level out. Returns x
-- and the last loss.
function M.level(net, x, style, content, o)
  local banks, scale, rms, layers, target, target_scale = {}, {}, {}, {}, nil, nil
  wick.no_grad(function()
    local s = net:activations(style, M.layers.mrf)
    local xs = net:activations(x, M.layers.mrf)
    for _, l in ipairs(M.layers.mrf) do
      if math.min(s[l]:size(3), s[l]:size(4), xs[l]:size(3), xs[l]:size(4)) >= 3 then layers[#layers + 1] = l end
      rms[l] = math.sqrt((s[l] ^ 2):mean():item()) + 1e-6
    end
    if #layers == 0 then error(("the picture is too small for 3×3 patches on %s"):format(M.layers.mrf[1]), 0) end
    s = with_map(s, layers, o.style_map, rms, o)
    for _, l in ipairs(layers) do
      banks[l] = wick.nn.patch_bank(s[l], { size = 3, stride = o.stride })
      scale[l] = (s[l] ^ 2):mean():item() * 9 * s[l]:size(2) + 1e-12   -- a window's sum of squares
    end
    if content then
      target = net:activations(content, { M.layers.content })[M.layers.content]
      target_scale = (target ^ 2):mean():item() + 1e-12
    end
  end)
  local names = { table.unpack(layers) }
  names[#names + 1] = M.layers.content
  x = x:detach():clone():contiguous():requires_grad()
  local opt = wick.optim.lbfgs({ x }, { max_iter = o.steps, history_size = 50 })
  local last
  opt:step(function()
    x.grad = nil
    local acts = with_map(net:activations(x, names), layers, o.map, rms, o)
    local loss = F.total_variation(x) * (o.tv_weight * 100)
    for _, l in ipairs(layers) do
      local a = acts[l]
      local windows = (a:size(3) - 2) * (a:size(4) - 2)
      loss = loss + banks[l]:loss(a) * (o.mrf_weight / (windows * scale[l] * #layers))
    end
    if target then loss = loss + F.mse(acts[M.layers.content], target) * (o.content_weight / target_scale) end
    loss:backward()
    last = loss:item()
    if o.trace then o.trace(last) end
    return loss
  end)
  for _, b in pairs(banks) do b:free() end
  return x:detach():clamp(-1, 1), last
end

return M
