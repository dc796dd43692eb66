-- style.lua — what style transfer and texture synthesis need beside a feature network:
-- Gram matrices of feature maps (the statistics Gatys et al. match), total variation
-- (the smoothness prior), and a network with no training at all — a single layer of
-- random filters at several scales (Ustyuzhaninov, Brendel, Gatys and Bethge 2016,
-- "Texture synthesis using shallow convolutional networks with random filters") — with
-- the same API as a loaded InceptionV3 (net:activations(x, names), net:upto, layers,
-- preprocess), so a sketch can swap one for the other.
local wick = ...
local T, nn = wick.tensor, wick.nn
local F = nn.F
local check, raise = wick._check, wick._raise

local function shape_str(t) return "[" .. table.concat(t:shape(), ",") .. "]" end

-- F.gram(x): x (N, C, H, W) → (N, C, C), or (C, H, W) → (C, C): the channels' inner
-- products over positions, divided by C·H·W (so layers of any size weigh alike).
function F.gram(x)
  check.tensor("gram", "input", x)
  local single = x:dim() == 3
  if single then x = x:view(1, x:size(1), x:size(2), x:size(3)) end
  if x:dim() ~= 4 then raise("gram: the input must be N×C×H×W or C×H×W, got " .. shape_str(x)) end
  local n, c, hw = x:size(1), x:size(2), x:size(3) * x:size(4)
  local f = x:reshape(n, c, hw)
  local g = f:matmul(f:transpose(2, 3)) / (c * hw)
  return single and g:select(1, 1) or g
end

-- F.total_variation(x): the mean squared difference between neighbouring pixels of
-- x (N, C, H, W) or (C, H, W), down and across, summed over the two directions.
function F.total_variation(x)
  check.tensor("total_variation", "input", x)
  if x:dim() ~= 3 and x:dim() ~= 4 then
    raise("total_variation: the input must be N×C×H×W or C×H×W, got " .. shape_str(x))
  end
  local h, w = x:size(-2), x:size(-1)
  if h < 2 or w < 2 then raise("total_variation: the image must be at least 2×2, got " .. shape_str(x)) end
  local dy = x:narrow(-2, 2, h - 1) - x:narrow(-2, 1, h - 1)
  local dx = x:narrow(-1, 2, w - 1) - x:narrow(-1, 1, w - 1)
  return (dy * dy):mean() + (dx * dx):mean()
end

-- ---- random filters ---------------------------------------------------------------------

local Random = nn.module("random_filters")

-- nn.random_filters{sizes = {3, 5, 7, 11, 15, 23}, channels = 128, seed = 1, range = {-1, 1}}:
-- one convolution per size, `channels` filters each, weights drawn from a normal
-- distribution scaled by 1/sqrt(fan-in) from their own generator (the same net for the
-- same seed, whatever the sketch's seed), "same" padding and a ReLU. Layers are named "conv3",
-- "conv5", …; net(x) gives every layer's output in a table.
function nn.random_filters(opts)
  opts = wick._options("random_filters", opts, { sizes = { 3, 5, 7, 11, 15, 23 }, channels = 128, seed = 1,
    range = { -1, 1 } })
  check.type("random_filters", "sizes", opts.sizes, "table")
  if #opts.sizes == 0 then raise("random_filters: sizes must list at least one kernel size") end
  local channels = check.integer("random_filters", "channels", opts.channels, 1, 4096)
  local seed = check.integer("random_filters", "seed", opts.seed, 0, 2 ^ 53)
  local sizes = {}
  for i, k in ipairs(opts.sizes) do
    sizes[i] = check.integer("random_filters", "sizes[" .. i .. "]", k, 1, 255)
    if sizes[i] % 2 == 0 then raise(("random_filters: sizes must be odd (a centred kernel), got %d"):format(k)) end
  end
  local range = opts.range
  if type(range) ~= "table" or type(range[1]) ~= "number" or type(range[2]) ~= "number" or range[2] <= range[1] then
    raise("random_filters: range must be {low, high} with low < high, got " .. check.show(range))
  end
  return Random(sizes, channels, seed, range)
end

-- n normal numbers from their own generator (a 64-bit LCG's top bits, Box-Muller), so
-- making the net neither uses nor disturbs wick's seeded stream.
local function normals(n, seed)
  local out, state = {}, (seed * 2 + 1) * 0x9E3779B97F4A7C15
  local function uniform()
    state = state * 6364136223846793005 + 1442695040888963407
    return ((state >> 11) + 0.5) / 9007199254740992   -- (0, 1)
  end
  for i = 1, n, 2 do
    local r, a = math.sqrt(-2 * math.log(uniform())), 2 * math.pi * uniform()
    out[i] = r * math.cos(a)
    if i < n then out[i + 1] = r * math.sin(a) end
  end
  return T(out)
end

function Random:init(sizes, channels, seed, range)
  local layers = {}
  for i, k in ipairs(sizes) do
    local w = normals(channels * 3 * k * k, seed * 1000 + k):view(channels, 3, k, k) / math.sqrt(3 * k * k)
    layers[i] = { name = "conv" .. k, kernel = k, weight = w, bias = T.zeros(channels) }
  end
  rawset(self, "_layers", layers)
  self.name = "random_filters"
  self.range = range
  self.input_size = { 3, 0, 0 }
  self.training = false
end

function Random:describe()
  local names = {}
  for i, l in ipairs(self._layers) do names[i] = l.name end
  return ("random_filters (%s, %d channels each)"):format(table.concat(names, ", "), self._layers[1].weight:size(1))
end

function Random:train() return self end

local function input(fname, x)
  check.tensor(fname, "input", x)
  if x:dim() == 3 then x = x:view(1, x:size(1), x:size(2), x:size(3)) end
  if x:dim() ~= 4 or x:size(2) ~= 3 then
    raise(("%s: the input must be N×3×H×W (or 3×H×W), got %s"):format(fname, shape_str(x)))
  end
  return x
end

local function run(l, x)
  return F.relu(F.conv2d(x, l.weight, l.bias, { padding = (l.kernel - 1) // 2 }))
end

function Random:_layer(fname, name)
  for _, l in ipairs(self._layers) do if l.name == name then return l end end
  local names = {}
  for i, l in ipairs(self._layers) do names[i] = l.name end
  raise(("%s: '%s' is not a layer of random_filters (%s)"):format(fname, tostring(name), table.concat(names, ", ")))
end

function Random:forward(x)
  x = input("random_filters", x)
  local out = {}
  for _, l in ipairs(self._layers) do out[l.name] = run(l, x) end
  return out
end

function Random:upto(x, name)
  local l = self:_layer("upto", name)
  return run(l, input("upto", x))
end

function Random:activations(x, names)
  if type(names) ~= "table" or #names == 0 then
    raise("activations: give a list of layer names ({\"conv3\", \"conv7\"}), got " .. check.show(names))
  end
  x = input("activations", x)
  local out = {}
  for _, name in ipairs(names) do out[name] = run(self:_layer("activations", name), x) end
  return out
end

function Random:layers()
  local out = {}
  for i, l in ipairs(self._layers) do
    out[i] = { name = l.name, class = "Conv2D", shape = { l.weight:size(1), -1, -1 }, params = l.weight:numel()
      + l.bias:numel(), inputs = { "input" }, activation = "relu" }
  end
  return out
end

function Random:num_parameters()
  local n = 0
  for _, l in ipairs(self._layers) do n = n + l.weight:numel() + l.bias:numel() end
  return n
end

Random.preprocess = nn._image_methods.preprocess
Random.deprocess = nn._image_methods.deprocess
