-- image.lua — wick.image's sugar for looking inside networks: the three operations every
-- Deep Dream and feature-visualisation sketch needs beside load/save/resize (image.c) —
-- a picture as three channels at a chosen size (rgb, fit),
-- a circular shift (jitter that the network's stride grid never lines up with), a
-- gaussian blur (a regulariser that keeps grown images legible) and Laplacian-pyramid
-- normalisation of a gradient (so ascent grows large shapes, not just grain). All work
-- on C×H×W or N×C×H×W tensors and are built from differentiable tensor functions.
local wick = ...
local T, image = wick.tensor, wick.image
local F = wick.nn.F
local check, raise = wick._check, wick._raise

local function image_tensor(fname, x)
  check.tensor(fname, "image", x)
  if x:dim() ~= 3 and x:dim() ~= 4 then
    raise(("%s: the image must be C×H×W or N×C×H×W, got %d-D [%s]"):format(fname, x:dim(),
      table.concat(x:shape(), ",")))
  end
end

-- image.roll(t, dy, dx): numpy.roll over the last two dims — shifted down by dy rows and
-- right by dx columns, what leaves one edge coming back at the other.
function image.roll(x, dy, dx)
  image_tensor("image.roll", x)
  dy = check.integer("image.roll", "dy", dy, -2 ^ 40, 2 ^ 40)
  dx = check.integer("image.roll", "dx", dx, -2 ^ 40, 2 ^ 40)
  local h, w = x:size(-2), x:size(-1)
  dy, dx = dy % h, dx % w
  if dy ~= 0 then x = T.cat({ x:narrow(-2, h - dy + 1, dy), x:narrow(-2, 1, h - dy) }, -2) end
  if dx ~= 0 then x = T.cat({ x:narrow(-1, w - dx + 1, dx), x:narrow(-1, 1, w - dx) }, -1) end
  return x
end

-- image.blur(t, sigma): a gaussian blur of standard deviation sigma pixels — one
-- depthwise convolution per direction, the kernel 2·⌈2σ⌉+1 wide, edges repeated so the
-- border does not darken.
function image.blur(x, sigma)
  image_tensor("image.blur", x)
  check.number("image.blur", "sigma", sigma, 0, 1e4, true)
  local single = x:dim() == 3
  if single then x = x:view(1, x:size(1), x:size(2), x:size(3)) end
  local r = math.max(1, math.ceil(2 * sigma))
  local k = T.arange(-r, r)
  k = (-(k * k) / (2 * sigma * sigma)):exp()
  k = k / k:sum()
  local c, h, w = x:size(2), x:size(3), x:size(4)
  local rows = k:view(1, 1, 2 * r + 1, 1):expand(c, 1, 2 * r + 1, 1):contiguous()
  local cols = k:view(1, 1, 1, 2 * r + 1):expand(c, 1, 1, 2 * r + 1):contiguous()
  local function edge(t, dim, at)   -- row or column `at` repeated r times
    local e = t:narrow(dim, at, 1)
    local s = e:shape()
    s[dim] = r
    return e:expand(s)
  end
  x = T.cat({ edge(x, 3, 1), x, edge(x, 3, h) }, 3)
  x = F.conv2d(x, rows, nil, { groups = c })
  x = T.cat({ edge(x, 4, 1), x, edge(x, 4, w) }, 4)
  x = F.conv2d(x, cols, nil, { groups = c })
  return single and x:select(1, 1) or x
end

-- The mean absolute value of each image of x (N×C×H×W) as an N×1×1×1 tensor.
local function size_of(x)
  local n = x:size(1)
  return x:abs():view(n, -1):mean(2, true):view(n, 1, 1, 1) + 1e-8
end

-- image.lap_normalize(g [, levels]): a gradient with each band of its Laplacian pyramid
-- (levels bands, each half the size of the last, down to 8 pixels) scaled to the same
-- mean size, per image (Mordvintsev's normalisation: plain ascent grows the finest band
-- fastest; equal bands let the larger shapes form too).
function image.lap_normalize(g, levels)
  image_tensor("image.lap_normalize", g)
  levels = check.integer("image.lap_normalize", "levels", levels or 4, 1, 32)
  local single = g:dim() == 3
  if single then g = g:view(1, g:size(1), g:size(2), g:size(3)) end
  local bands, lo = {}, g
  for k = 1, levels - 1 do
    local h, w = lo:size(3), lo:size(4)
    if math.min(h, w) < 8 then break end
    local down = image.resize(lo, (h + 1) // 2, (w + 1) // 2, { mode = "area" })
    bands[k] = lo - image.resize(down, h, w)
    lo = down
  end
  bands[#bands + 1] = lo
  local out
  for k = #bands, 1, -1 do
    local band = bands[k] / size_of(bands[k])
    out = out and image.resize(out, band:size(3), band:size(4)) + band or band
  end
  return single and out:select(1, 1) or out
end

-- image.rgb(t): a C×H×W picture as 3×H×W — grey repeated to three channels, alpha dropped.
function image.rgb(x)
  image_tensor("image.rgb", x)
  if x:dim() ~= 3 then
    raise(("image.rgb: the image must be C×H×W, got [%s]"):format(table.concat(x:shape(), ",")))
  end
  local c = x:size(1)
  if c ~= 1 and c ~= 3 and c ~= 4 then
    raise(("image.rgb: the image has %d channels (1, 3 or 4 are images)"):format(c))
  end
  if c == 1 then return x:expand(3, x:size(2), x:size(3)):contiguous() end
  return x:narrow(1, 1, 3):contiguous()
end

-- image.fit(t, side): t resized so that its longer side is `side` pixels, the aspect kept
-- (area averaging when it shrinks, bilinear when it grows).
function image.fit(x, side)
  image_tensor("image.fit", x)
  side = check.integer("image.fit", "side", side, 1, 65536)
  local h, w = x:size(-2), x:size(-1)
  local s = side / math.max(h, w)
  return image.resize(x:contiguous(), math.max(1, math.floor(h * s + 0.5)), math.max(1, math.floor(w * s + 0.5)),
    { mode = s < 1 and "area" or "bilinear" })
end
