-- nn_layers.lua — the built-in layers of wick.nn, embedded in the binary: linear,
-- conv2d, conv_transpose2d, pooling, upsample, batchnorm, dropout, embedding, lstm,
-- gru, activations and flatten. Each is an nn.module whose forward calls nn.F, with
-- PyTorch's default initialisation (Kaiming-uniform weights, uniform biases from the
-- fan-in) so results compare, and shape checks that name the layer.
local wick = ...
local T, nn = wick.tensor, wick.nn
local F, raise, options, shape_str = nn.F, nn._raise, wick._options, nn._shape_str

-- U(−bound, bound) of a shape; PyTorch's kaiming_uniform_(a = √5) gives bound = 1/√fan_in.
local function uniform(shape, bound) return T.rand(shape) * (2 * bound) - bound end
nn._uniform = uniform

local function check_positive_int(fname, name, v)
  if type(v) ~= "number" or v < 1 or v ~= math.floor(v) then
    raise(("%s: %s must be a positive integer, got %s"):format(fname, name, tostring(v)))
  end
end

-- ---- linear -----------------------------------------------------------------------------

local Linear = nn.module("linear")
function Linear:init(inputs, outputs, opts)
  check_positive_int("linear", "inputs", inputs)
  check_positive_int("linear", "outputs", outputs)
  opts = options("linear", opts, { bias = true })
  self.inputs, self.outputs = inputs, outputs
  local bound = 1 / math.sqrt(inputs)
  self:param("weight", uniform({ outputs, inputs }, bound))   -- (out, in)
  if opts.bias then self:param("bias", uniform({ outputs }, bound)) end
end
function Linear:describe() return ("linear %d→%d"):format(self.inputs, self.outputs) end
function Linear:forward(x)
  if not T.is_tensor(x) then raise(("%s: expected a tensor, got %s"):format(self:describe(), type(x))) end
  if x:dim() < 1 or x:size(-1) ~= self.inputs then
    raise(("%s: input has %d features"):format(self:describe(), x:dim() > 0 and x:size(-1) or 0)
      .. (x:dim() > 0 and (" (shape " .. shape_str(x) .. ")") or ""))
  end
  return F.linear(x, self.weight, rawget(self, "bias"))
end
nn.linear = Linear

-- ---- convolution ------------------------------------------------------------------------

local conv_defaults = { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true }

local Conv2d = nn.module("conv2d")
function Conv2d:init(cin, cout, kernel, opts)
  check_positive_int("conv2d", "in_channels", cin)
  check_positive_int("conv2d", "out_channels", cout)
  opts = options("conv2d", opts, conv_defaults, 4)
  local kh, kw = nn._pair(kernel, "kernel", "conv2d")
  if cin % opts.groups ~= 0 or cout % opts.groups ~= 0 then
    raise(("conv2d: groups %d must divide in_channels %d and out_channels %d"):format(opts.groups, cin, cout))
  end
  self.cin, self.cout, self.kh, self.kw, self.opts = cin, cout, kh, kw, opts
  local fan_in = cin // opts.groups * kh * kw
  local bound = 1 / math.sqrt(fan_in)
  self:param("weight", uniform({ cout, cin // opts.groups, kh, kw }, bound))
  if opts.bias then self:param("bias", uniform({ cout }, bound)) end
  self.ws = nn._workspace()
end
function Conv2d:describe()
  return ("conv2d %d→%d %dx%d"):format(self.cin, self.cout, self.kh, self.kw)
end
function Conv2d:forward(x) return F.conv2d(x, self.weight, rawget(self, "bias"), self.opts, self.ws) end
nn.conv2d = Conv2d

local ConvT = nn.module("conv_transpose2d")
function ConvT:init(cin, cout, kernel, opts)
  check_positive_int("conv_transpose2d", "in_channels", cin)
  check_positive_int("conv_transpose2d", "out_channels", cout)
  local defaults = { output_padding = 0 }
  for k, v in pairs(conv_defaults) do defaults[k] = v end
  opts = options("conv_transpose2d", opts, defaults, 4)
  local kh, kw = nn._pair(kernel, "kernel", "conv_transpose2d")
  self.cin, self.cout, self.kh, self.kw, self.opts = cin, cout, kh, kw, opts
  -- PyTorch computes the fan-in of a transposed weight (C_in, C_out/g, kH, kW) from dim 2
  local bound = 1 / math.sqrt(cout // opts.groups * kh * kw)
  self:param("weight", uniform({ cin, cout // opts.groups, kh, kw }, bound))
  if opts.bias then self:param("bias", uniform({ cout }, bound)) end
  self.ws = nn._workspace()
end
function ConvT:describe()
  return ("conv_transpose2d %d→%d %dx%d"):format(self.cin, self.cout, self.kh, self.kw)
end
function ConvT:forward(x) return F.conv_transpose2d(x, self.weight, rawget(self, "bias"), self.opts, self.ws) end
nn.conv_transpose2d = ConvT

-- ---- pooling and resampling -------------------------------------------------------------

local MaxPool = nn.module("maxpool2d")
function MaxPool:init(kernel, opts)
  self.kernel = kernel
  self.opts = options("maxpool2d", opts, { stride = false, padding = 0, dilation = 1, ceil_mode = false })
  if not self.opts.stride then self.opts.stride = nil end
end
function MaxPool:describe() return ("maxpool2d %s"):format(type(self.kernel) == "table" and
  table.concat(self.kernel, "x") or self.kernel) end
function MaxPool:forward(x) return F.maxpool2d(x, self.kernel, self.opts) end
nn.maxpool2d = MaxPool

local AvgPool = nn.module("avgpool2d")
function AvgPool:init(kernel, opts)
  self.kernel = kernel
  self.opts = options("avgpool2d", opts, { stride = false, padding = 0, ceil_mode = false,
    count_include_pad = true })
  if not self.opts.stride then self.opts.stride = nil end
end
function AvgPool:describe() return ("avgpool2d %s"):format(type(self.kernel) == "table" and
  table.concat(self.kernel, "x") or self.kernel) end
function AvgPool:forward(x) return F.avgpool2d(x, self.kernel, self.opts) end
nn.avgpool2d = AvgPool

local Adaptive = nn.module("adaptive_avgpool2d")
function Adaptive:init(size) self.size = size end
function Adaptive:forward(x) return F.adaptive_avgpool2d(x, self.size) end
nn.adaptive_avgpool2d = Adaptive

local Upsample = nn.module("upsample")
function Upsample:init(opts) self.opts = options("upsample", opts, { size = false, scale = false,
  mode = "nearest" }) end
function Upsample:forward(x)
  return F.upsample(x, { size = self.opts.size or nil, scale = self.opts.scale or nil, mode = self.opts.mode })
end
nn.upsample = Upsample

-- ---- normalisation ----------------------------------------------------------------------

local function batchnorm(kind, dims)
  local BN = nn.module(kind)
  function BN:init(channels, opts)
    check_positive_int(kind, "channels", channels)
    opts = options(kind, opts, { eps = 1e-5, momentum = 0.1, affine = true })
    self.channels, self.eps, self.momentum = channels, opts.eps, opts.momentum
    if opts.affine then
      self:param("weight", T.ones(channels))
      self:param("bias", T.zeros(channels))
    end
    self:buffer("running_mean", T.zeros(channels))
    self:buffer("running_var", T.ones(channels))
  end
  function BN:describe() return ("%s %d"):format(kind, self.channels) end
  function BN:forward(x)
    local ok = false
    for _, d in ipairs(dims) do ok = ok or x:dim() == d end
    if not ok then
      raise(("%s: input must be %s-D, got %d-D %s"):format(kind, table.concat(dims, " or "), x:dim(), shape_str(x)))
    end
    if x:size(2) ~= self.channels then
      raise(("%s: input has %d channels, expected %d"):format(self:describe(), x:size(2), self.channels))
    end
    return F.batchnorm(x, rawget(self, "weight"), rawget(self, "bias"), self.running_mean, self.running_var,
      self.training, self.momentum, self.eps)
  end
  return BN
end
nn.batchnorm1d = batchnorm("batchnorm1d", { 2, 3 })
nn.batchnorm2d = batchnorm("batchnorm2d", { 4 })

-- ---- dropout, embedding, flatten --------------------------------------------------------

local Dropout = nn.module("dropout")
function Dropout:init(p) self.p = p or 0.5 end
function Dropout:describe() return ("dropout %g"):format(self.p) end
function Dropout:forward(x) return F.dropout(x, self.p, self.training) end
nn.dropout = Dropout

local Embedding = nn.module("embedding")
function Embedding:init(count, dim)
  check_positive_int("embedding", "count", count)
  check_positive_int("embedding", "dim", dim)
  self.count, self.dim = count, dim
  self:param("weight", T.randn(count, dim))   -- N(0, 1) as PyTorch
end
function Embedding:describe() return ("embedding %d×%d"):format(self.count, self.dim) end
function Embedding:forward(ids) return F.embedding(ids, self.weight) end
nn.embedding = Embedding

local Flatten = nn.module("flatten")
function Flatten.forward(_, x) return x:reshape(x:size(1), -1) end
nn.flatten = Flatten

-- ---- activations as layers --------------------------------------------------------------

local function activation_layer(name, fn, param_name)
  local A = nn.module(name)
  function A:init(p) self.p = p end
  function A:describe() return self.p and ("%s %s=%g"):format(name, param_name, self.p) or name end
  function A:forward(x) return fn(x, self.p) end
  nn[name] = A
end
activation_layer("relu", function(x) return x:relu() end)
activation_layer("tanh", function(x) return x:tanh() end)
activation_layer("sigmoid", function(x) return x:sigmoid() end)
activation_layer("leaky_relu", F.leaky_relu, "slope")
activation_layer("elu", F.elu, "alpha")
activation_layer("gelu", function(x) return F.gelu(x) end)
activation_layer("softmax", function(x, dim) return F.softmax(x, dim or -1) end, "dim")
activation_layer("log_softmax", function(x, dim) return F.log_softmax(x, dim or -1) end, "dim")
