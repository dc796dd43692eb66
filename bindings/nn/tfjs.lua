-- tfjs.lua — wick.nn.load_tfjs: a TensorFlow.js layers model (model.json and its weight
-- shards, read and checked by lib/nn/tfjs.c) as a wick module. Calling it runs the
-- layers in graph order with nn.F's differentiable kernels, so gradients reach the
-- input (Deep Dream, feature visualisation); the weights are constants. Keras computes
-- in NHWC, wick in NCHW: weights were converted once at load, and the few layers whose
-- meaning depends on the layout (Flatten, Reshape, the axis of Concatenate and
-- Softmax) are mapped here. TensorFlow's "same" padding may put one more row below
-- than above; when it does, the input is padded explicitly first.
--
--   local net = wick.nn.load_tfjs("models/inception_v3")
--   local x = net:preprocess(wick.image.load("photo.jpg"))    -- 1×3×299×299 in [-1, 1]
--   local acts = net:activations(x, {"mixed3", "mixed5"})
local wick = ...
local T, nn = wick.tensor, wick.nn
local F = nn.F
local check, raise = wick._check, wick._raise
local record, recording = wick.autograd.record, wick.autograd.recording
local tfjs_c = nn._tfjs   -- the C half (bindings/nn/tfjs.c)

local Net = nn.module("tfjs")

local function shape_str(s) return "[" .. table.concat(s, ",") .. "]" end

-- ---- layer kernels ----------------------------------------------------------------------

-- x (N, C, H, W) padded by top, bottom, left, right rows/columns of `value`.
local function pad(x, top, bottom, left, right, value)
  local n, c, h, w = x:size(1), x:size(2), x:size(3), x:size(4)
  local y = T.full({ n, c, h + top + bottom, w + left + right }, value or 0)
  y:narrow(3, top + 1, h):narrow(4, left + 1, w):copy_(x)
  if recording(x) then
    record(y, { x }, function(g) return g:narrow(3, top + 1, h):narrow(4, left + 1, w) end, "pad")
  end
  return y
end

-- TensorFlow's "same": the output is ceil(in / stride), the padding it takes split
-- with the odd row or column at the bottom/right. Returns before, after for one axis.
local function same_pads(size, kernel, stride, dilation)
  local out = (size + stride - 1) // stride
  local total = math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
  return total // 2, total - total // 2
end

-- inplace: x is a fresh result nothing else will read and no gradient is recorded (an
-- inference pass then makes no new tensor for an activation).
local function activate(x, act, channel_dim, inplace)
  if act == "linear" then return x
  elseif act == "relu" then return inplace and x:relu_() or F.relu(x)
  elseif act == "relu6" then return inplace and x:clamp_(0, 6) or x:clamp(0, 6)
  elseif act == "sigmoid" then return inplace and x:sigmoid_() or F.sigmoid(x)
  elseif act == "tanh" then return inplace and x:tanh_() or F.tanh(x)
  else return F.softmax(x, channel_dim) end
end

-- Keras's axis (counting the batch; -1 the last) as wick's dim for an x of x:dim()
-- dims: channels move from last to second, height and width move one along.
local function wick_dim(axis, ndim)
  if axis < 0 then axis = ndim + axis end
  if ndim == 4 then return ({ [0] = 1, 3, 4, 2 })[axis] end
  return axis + 1
end

local function conv(l, x)
  local a = { stride = l.strides, dilation = l.dilation, groups = l.class == "DepthwiseConv2D" and x:size(2) or 1 }
  if l.same then
    local t, b = same_pads(x:size(3), l.kernel[1], l.strides[1], l.dilation[1])
    local le, r = same_pads(x:size(4), l.kernel[2], l.strides[2], l.dilation[2])
    if t == b and le == r then a.padding = { t, le }
    else x = pad(x, t, b, le, r, 0) end
  end
  local y = F.conv2d(x, l.weight, l.bias, a)
  return activate(y, l.activation, 2, not recording(y))
end

local function pool(l, x)
  local opts = { stride = l.strides }
  local max = l.class == "MaxPooling2D"
  if l.same then
    local t, b = same_pads(x:size(3), l.kernel[1], l.strides[1], 1)
    local le, r = same_pads(x:size(4), l.kernel[2], l.strides[2], 1)
    if t == b and le == r then
      opts.padding, opts.count_include_pad = { t, le }, false   -- padding never counts in TF
    elseif max then
      x = pad(x, t, b, le, r, -math.huge)
    else
      -- the mean of the in-image part: window sums over a zero-padded input, divided by
      -- the number of in-image cells each window covers
      local ones = pad(T.ones({ 1, 1, x:size(3), x:size(4) }), t, b, le, r, 0)
      local count = F.avgpool2d(ones, l.kernel, opts)
      return F.avgpool2d(pad(x, t, b, le, r, 0), l.kernel, opts) / count
    end
  end
  if max then return F.maxpool2d(x, l.kernel, opts) end
  return F.avgpool2d(x, l.kernel, opts)
end

-- Keras order (N, H, W, C) ↔ wick's (N, C, H, W), for the layers that see the layout.
local function to_keras(x) return x:dim() == 4 and x:permute(1, 3, 4, 2):contiguous() or x end
local function from_keras(x) return x:dim() == 4 and x:permute(1, 4, 2, 3):contiguous() or x end

local run = {}
function run.Conv2D(l, x) return conv(l, x[1]) end
run.DepthwiseConv2D = run.Conv2D
function run.BatchNormalization(l, x)
  x = x[1]
  if l.folded then return x end   -- its convolution already normalises
  local shape = { 1, l.weight:numel() }
  for _ = 3, x:dim() do shape[#shape + 1] = 1 end
  return x * l.weight:view(shape) + l.bias:view(shape)
end
function run.Activation(l, x, own) return activate(x[1], l.activation, 2, own) end
function run.ReLU(l, x, own)
  x = x[1]
  if l.negative_slope ~= 0 then return F.leaky_relu(x, l.negative_slope) end
  if l.max_value > 0 then return own and x:clamp_(0, l.max_value) or x:clamp(0, l.max_value) end
  return own and x:relu_() or F.relu(x)
end
function run.Softmax(l, x) return F.softmax(x[1], wick_dim(l.axis, x[1]:dim())) end
run.MaxPooling2D = function(l, x) return pool(l, x[1]) end
run.AveragePooling2D = run.MaxPooling2D
function run.GlobalAveragePooling2D(_, x)
  x = x[1]
  return F.adaptive_avgpool2d(x, 1):reshape(x:size(1), x:size(2))
end
function run.GlobalMaxPooling2D(_, x)
  x = x[1]
  return F.maxpool2d(x, { x:size(3), x:size(4) }):reshape(x:size(1), x:size(2))
end
function run.ZeroPadding2D(l, x) return pad(x[1], l.pad[1], l.pad[2], l.pad[3], l.pad[4], 0) end
function run.Concatenate(l, x) return T.cat(x, wick_dim(l.axis, x[1]:dim())) end
function run.Add(_, x)
  local y = x[1] + x[2]
  for k = 3, #x do y = y + x[k] end
  return y
end
function run.Dense(l, x)
  local y = F.linear(x[1], l.weight, l.bias)
  return activate(y, l.activation, 2, not recording(y))
end
function run.Flatten(_, x)
  x = to_keras(x[1])
  return x:reshape(x:size(1), x:numel() // x:size(1))
end
function run.Reshape(l, x)
  x = to_keras(x[1])
  local shape = { x:size(1) }
  for k, v in ipairs(l.target) do shape[k + 1] = v end
  return from_keras(x:reshape(shape))
end
function run.Dropout(_, x) return x[1] end   -- inference

-- ---- the module -------------------------------------------------------------------------

-- nn.load_tfjs(dir [, opts]): dir is a folder or a data name ("models/inception_v3").
-- opts.range: the input range the model was trained on ({-1, 1}: Keras applications'
-- InceptionV3, MobileNet; {0, 1}; {0, 255}).
function nn.load_tfjs(dir, opts)
  check.type("load_tfjs", "dir", dir, "string")
  opts = wick._options("load_tfjs", opts, { range = { -1, 1 } })
  if type(opts.range) ~= "table" or type(opts.range[1]) ~= "number" or type(opts.range[2]) ~= "number"
      or opts.range[2] <= opts.range[1] then
    raise("load_tfjs: range must be {low, high} with low < high, got " .. check.show(opts.range))
  end
  local path = dir
  if wick.fs.kind(dir) ~= "folder" then path = wick.data._find("load_tfjs", dir) end
  if wick.fs.kind(path) ~= "folder" then
    raise(("load_tfjs: %s is not a folder (it should hold model.json)"):format(path))
  end
  local ok, desc = pcall(tfjs_c._load_tfjs, path)
  if not ok then raise(nn._strip_where(desc)) end
  return Net(desc, path, opts.range)
end

function Net:init(desc, path, range)
  rawset(self, "_desc", desc)
  rawset(self, "_by_name", {})
  for i, l in ipairs(desc.layers) do self._by_name[l.name] = i end
  self.name = desc.name
  self.path = path
  self.range = range
  local input = desc.layers[desc.input]
  self.input_size = input.shape
  self.training = false
end

function Net:describe()
  local d = self._desc
  return ("tfjs %s (%d layers, %d parameters, input %s)"):format(d.name, #d.layers, d.params,
    shape_str(self.input_size))
end

-- Layers are frozen inference layers: training mode changes nothing.
function Net:train() return self end

-- The layer index for a name, or an error that helps find the right one.
function Net:_index(fname, name)
  if type(name) ~= "string" then
    raise(("%s: a layer is named by a string (see net:layers()), got %s"):format(fname, check.show(name)))
  end
  local i = self._by_name[name]
  if not i then
    local near = {}
    for _, l in ipairs(self._desc.layers) do
      if #near < 6 and l.name:sub(1, 3) == name:sub(1, 3) then near[#near + 1] = l.name end
    end
    raise(("%s: '%s' is not a layer of %s%s (net:layers() lists them)"):format(fname, name, self._desc.name,
      #near > 0 and ("; similar: " .. table.concat(near, ", ")) or ""))
  end
  return i
end

-- Run the layers the targets need; returns values by layer index for the targets.
function Net:_run(fname, x, targets)
  local desc = self._desc
  local layers = desc.layers
  check.tensor(fname, "input", x)
  local batched = x:dim() == 4
  if x:dim() == 3 then x = x:view(1, x:size(1), x:size(2), x:size(3)) end
  local want = self.input_size
  if #want == 3 then
    if x:dim() ~= 4 or x:size(2) ~= want[1] then
      raise(("%s: the input must be N×%d×H×W (or %d×H×W), got %s"):format(fname, want[1], want[1],
        shape_str(x:shape())))
    end
  elseif x:dim() ~= 2 or x:size(2) ~= want[1] then
    raise(("%s: the input must be N×%d, got %s"):format(fname, want[1], shape_str(x:shape())))
  end
  -- which layers are needed, and how many of them read each value
  local needed, readers = {}, {}
  local stack = {}
  for _, t in ipairs(targets) do stack[#stack + 1] = t end
  while #stack > 0 do
    local i = table.remove(stack)
    if not needed[i] then
      needed[i] = true
      for _, j in ipairs(layers[i].inputs) do stack[#stack + 1] = j end
    end
  end
  local fixed = false
  for i in pairs(needed) do
    for _, j in ipairs(layers[i].inputs) do readers[j] = (readers[j] or 0) + 1 end
    local cls = layers[i].class
    fixed = fixed or cls == "Flatten" or cls == "Reshape"
  end
  if fixed and #want == 3 and want[2] > 0 and (x:size(3) ~= want[2] or x:size(4) ~= want[3]) then
    raise(("%s: these layers need a %d×%d×%d input (the convolutional layers take any size), got %s")
      :format(fname, want[1], want[2], want[3], shape_str(x:shape())))
  end
  local keep = {}
  for _, t in ipairs(targets) do keep[t] = true end
  -- Per tensor (a folded batch norm or a Dropout passes its input on as its output, so
  -- several layers may hold one tensor): the reads still to come, and whether a layer
  -- made it and nobody outside may see it — then the last reader may overwrite it.
  local pending, fresh, seen = {}, {}, {}
  local values = {}
  for i, l in ipairs(layers) do
    if needed[i] then
      local y
      if i == desc.input then
        y = x
      else
        local ins, own = {}, false
        for k, j in ipairs(l.inputs) do ins[k] = values[j] end
        if #ins == 1 and (l.class == "Activation" or l.class == "ReLU") then
          local v = ins[1]
          own = fresh[v] and pending[v] == 1 and not seen[v] and not recording(v)
        end
        local ok
        ok, y = pcall(run[l.class], l, ins, own)
        if not ok then raise(("%s: layer '%s' (%s): %s"):format(fname, l.name, l.class, nn._strip_where(y))) end
        -- a value nobody else reads can go now (the graph keeps what backward needs)
        for _, j in ipairs(l.inputs) do
          local v = values[j]
          pending[v] = pending[v] - 1
          readers[j] = readers[j] - 1
          if readers[j] == 0 and not keep[j] then values[j] = nil end
        end
        if y ~= ins[1] then fresh[y] = not (l.class == "Flatten" or l.class == "Reshape") end   -- views
      end
      values[i] = y
      pending[y] = (pending[y] or 0) + (readers[i] or 0)
      if keep[i] then seen[y] = true end
    end
  end
  return values, batched
end

local function unbatch(y, batched)
  if batched or y:dim() < 1 then return y end
  return y:select(1, 1)
end

function Net:forward(x)
  local outs = self._desc.outputs
  local values, batched = self:_run("tfjs net", x, outs)
  local res = {}
  for k, i in ipairs(outs) do res[k] = unbatch(values[i], batched) end
  return table.unpack(res)
end

-- net:upto(x, "mixed4") → the output of that layer (only the layers it needs run).
function Net:upto(x, name)
  local i = self:_index("upto", name)
  local values, batched = self:_run("upto", x, { i })
  return unbatch(values[i], batched)
end

-- net:activations(x, {"mixed3", "mixed5"}) → {mixed3 = …, mixed5 = …}
function Net:activations(x, names)
  if type(names) ~= "table" or #names == 0 then
    raise("activations: give a list of layer names ({\"mixed3\", \"mixed5\"}; net:layers() lists them), got "
      .. check.show(names))
  end
  local idx = {}
  for k, name in ipairs(names) do idx[k] = self:_index("activations", name) end
  local values, batched = self:_run("activations", x, idx)
  local out = {}
  for k, name in ipairs(names) do out[name] = unbatch(values[idx[k]], batched) end
  return out
end

-- net:layers() → { {name, class, shape = {C, H, W} or {F}, params, inputs = {names}, activation}, … }
function Net:layers()
  local out = {}
  for i, l in ipairs(self._desc.layers) do
    local inputs = {}
    for k, j in ipairs(l.inputs) do inputs[k] = self._desc.layers[j].name end
    out[i] = { name = l.name, class = l.class, shape = { table.unpack(l.shape) }, params = l.params, inputs = inputs,
      activation = l.activation ~= "linear" and l.activation or nil, folded = l.folded or nil }
  end
  return out
end

function Net:num_parameters() return self._desc.params end

-- net:preprocess(img [, {size = …}]): a C×H×W (or N×C×H×W) image in [0, 1] → N×3×S×S in
-- the model's range, resized to the model's input size (size = false keeps the image's
-- own size: convolutional layers take any). Grey images are repeated to RGB, alpha dropped.
function Net:preprocess(img, opts)
  opts = wick._options("preprocess", opts, { size = true })
  check.tensor("preprocess", "image", img)
  if img:dim() == 3 then img = img:view(1, img:size(1), img:size(2), img:size(3)) end
  if img:dim() ~= 4 then
    raise("preprocess: the image must be C×H×W or N×C×H×W, got " .. shape_str(img:shape()))
  end
  local c = img:size(2)
  if c == 1 then img = img:expand(img:size(1), 3, img:size(3), img:size(4))
  elseif c == 4 then img = img:narrow(2, 1, 3)
  elseif c ~= 3 then raise(("preprocess: the image has %d channels (1, 3 or 4 are images)"):format(c)) end
  local h, w = self.input_size[2], self.input_size[3]
  local size = opts.size
  if type(size) == "number" then size = { size, size } end
  if type(size) == "table" then
    h = check.integer("preprocess", "size", size[1], 1, 65536)
    w = check.integer("preprocess", "size", size[2], 1, 65536)
  elseif type(size) ~= "boolean" then
    raise("preprocess: size must be true, false, a number or {h, w}, got " .. check.show(size))
  end
  if opts.size ~= false and h and h > 0 and (img:size(3) ~= h or img:size(4) ~= w) then
    img = wick.image.resize(img:contiguous(), h, w)
  end
  local lo, hi = self.range[1], self.range[2]
  return img:contiguous():clamp(0, 1) * (hi - lo) + lo
end

-- net:deprocess(x): the model's range back to an image in [0, 1] (C×H×W for one image).
function Net:deprocess(x)
  check.tensor("deprocess", "input", x)
  if x:dim() == 4 and x:size(1) == 1 then x = x:select(1, 1) end
  local lo, hi = self.range[1], self.range[2]
  return ((x:detach() - lo) / (hi - lo)):clamp(0, 1)
end

-- Other feature networks (nn.random_filters) take images the same way.
nn._image_methods = { preprocess = Net.preprocess, deprocess = Net.deprocess }
