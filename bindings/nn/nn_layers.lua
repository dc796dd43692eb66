-- nn_layers.lua — the built-in layers of wick.nn, embedded in the binary: linear,
-- conv2d, conv_transpose2d, pooling, upsample, batchnorm, dropout, embedding, lstm,
-- gru, activations and flatten. Each is an nn.module whose forward calls nn.F, with
-- PyTorch's default initialisation (Kaiming-uniform weights, uniform biases from the
-- fan-in) so results compare, and shape checks that name the layer.
local wick = ...
local T, nn = wick.tensor, wick.nn
local F, raise, options, shape_str = nn.F, nn._raise, wick._options, nn._shape_str
local check = wick._check
local autograd_record, autograd_recording = wick.autograd.record, wick.autograd.recording
local INT32 = 2147483647

-- Make a layer's tensor with fn(...); a failure (a size that needs more memory than
-- the machine has) is reported as the layer's, at the sketch's line.
local function make(fname, fn, ...)
  local ok, t = pcall(fn, ...)
  if not ok then raise(("%s: %s"):format(fname, nn._strip_where(t))) end
  return t
end
nn._make = make

-- U(−bound, bound) of a shape; PyTorch's kaiming_uniform_(a = √5) gives bound = 1/√fan_in.
local function uniform(shape, bound, fname)
  return make(fname or "uniform", T.rand, shape) * (2 * bound) - bound
end
nn._uniform = uniform

-- Sizes of a layer: integers from 1 to 2^31 − 1 (lib/nn works in C ints).
local function check_positive_int(fname, name, v) return check.integer(fname, name, v, 1, INT32) end
nn._check_size = check_positive_int

-- ---- linear -----------------------------------------------------------------------------

local Linear = nn.module("linear")
function Linear:init(inputs, outputs, opts)
  check_positive_int("linear", "inputs", inputs)
  check_positive_int("linear", "outputs", outputs)
  opts = options("linear", opts, { bias = true })
  check.type("linear", "bias", opts.bias, "boolean")
  self.inputs, self.outputs = inputs, outputs
  local bound = 1 / math.sqrt(inputs)
  self:param("weight", uniform({ outputs, inputs }, bound, "linear"))   -- (out, in)
  if opts.bias then self:param("bias", uniform({ outputs }, bound, "linear")) end
end
function Linear:describe() return ("linear %d→%d"):format(self.inputs, self.outputs) end
function Linear:forward(x)
  -- the layer's name only on the failing path: formatting it every call was garbage
  -- the collector had to chase through a whole autoencoder step
  if not (T.is_tensor(x) and pcall(x.dim, x)) then check.tensor(self:describe(), "input", x) end
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
  local kh, kw = nn._int_pair(kernel, "kernel", "conv2d", 1)
  nn._conv_args(opts, "conv2d")   -- stride, padding, dilation, groups: refused here, not at the first forward
  check.type("conv2d", "bias", opts.bias, "boolean")
  if cin % opts.groups ~= 0 or cout % opts.groups ~= 0 then
    raise(("conv2d: groups %d must divide in_channels %d and out_channels %d"):format(opts.groups, cin, cout))
  end
  self.cin, self.cout, self.kh, self.kw, self.opts = cin, cout, kh, kw, opts
  local fan_in = cin // opts.groups * kh * kw
  local bound = 1 / math.sqrt(fan_in)
  self:param("weight", uniform({ cout, cin // opts.groups, kh, kw }, bound, "conv2d"))
  if opts.bias then self:param("bias", uniform({ cout }, bound, "conv2d")) end
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
  local kh, kw = nn._int_pair(kernel, "kernel", "conv_transpose2d", 1)
  nn._conv_args(opts, "conv_transpose2d")
  check.type("conv_transpose2d", "bias", opts.bias, "boolean")
  if cin % opts.groups ~= 0 or cout % opts.groups ~= 0 then
    raise(("conv_transpose2d: groups %d must divide in_channels %d and out_channels %d"):format(opts.groups, cin,
      cout))
  end
  self.cin, self.cout, self.kh, self.kw, self.opts = cin, cout, kh, kw, opts
  -- PyTorch computes the fan-in of a transposed weight (C_in, C_out/g, kH, kW) from dim 2
  local bound = 1 / math.sqrt(cout // opts.groups * kh * kw)
  self:param("weight", uniform({ cin, cout // opts.groups, kh, kw }, bound, "conv_transpose2d"))
  if opts.bias then self:param("bias", uniform({ cout }, bound, "conv_transpose2d")) end
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
  nn._int_pair(kernel, "kernel", "maxpool2d", 1)
  self.kernel = kernel
  self.opts = options("maxpool2d", opts, { stride = false, padding = 0, dilation = 1, ceil_mode = false })
  if not self.opts.stride then self.opts.stride = nil end
  nn._conv_args(self.opts, "maxpool2d")
end
function MaxPool:describe() return ("maxpool2d %s"):format(type(self.kernel) == "table" and
  table.concat(self.kernel, "x") or self.kernel) end
function MaxPool:forward(x) return F.maxpool2d(x, self.kernel, self.opts) end
nn.maxpool2d = MaxPool

local AvgPool = nn.module("avgpool2d")
function AvgPool:init(kernel, opts)
  self.kernel = kernel
  nn._int_pair(kernel, "kernel", "avgpool2d", 1)
  self.opts = options("avgpool2d", opts, { stride = false, padding = 0, ceil_mode = false,
    count_include_pad = true })
  if not self.opts.stride then self.opts.stride = nil end
  nn._conv_args({ stride = self.opts.stride, padding = self.opts.padding }, "avgpool2d")
end
function AvgPool:describe() return ("avgpool2d %s"):format(type(self.kernel) == "table" and
  table.concat(self.kernel, "x") or self.kernel) end
function AvgPool:forward(x) return F.avgpool2d(x, self.kernel, self.opts) end
nn.avgpool2d = AvgPool

local Adaptive = nn.module("adaptive_avgpool2d")
function Adaptive:init(size)
  nn._int_pair(size, "output size", "adaptive_avgpool2d", 1)
  self.size = size
end
function Adaptive:forward(x) return F.adaptive_avgpool2d(x, self.size) end
nn.adaptive_avgpool2d = Adaptive

local Upsample = nn.module("upsample")
function Upsample:init(opts)
  self.opts = options("upsample", opts, { size = false, scale = false, mode = "nearest" })
  if self.opts.size then nn._int_pair(self.opts.size, "size", "upsample", 1) end
  if self.opts.scale then
    local sh, sw = nn._pair(self.opts.scale, "scale", "upsample")
    check.positive("upsample", "scale", sh)
    check.positive("upsample", "scale", sw)
  end
  check.one_of("upsample", "mode", self.opts.mode, { "nearest", "bilinear" })
end
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
    check.positive(kind, "eps", opts.eps)
    check.number(kind, "momentum", opts.momentum, 0, 1)
    check.type(kind, "affine", opts.affine, "boolean")
    self.channels, self.eps, self.momentum = channels, opts.eps, opts.momentum
    if opts.affine then
      self:param("weight", make(kind, T.ones, channels))
      self:param("bias", make(kind, T.zeros, channels))
    end
    self:buffer("running_mean", make(kind, T.zeros, channels))
    self:buffer("running_var", make(kind, T.ones, channels))
  end
  function BN:describe() return ("%s %d"):format(kind, self.channels) end
  local function check_input(self, x)
    check.tensor(kind, "input", x)
    local ok = false
    for _, d in ipairs(dims) do ok = ok or x:dim() == d end
    if not ok then
      raise(("%s: input must be %s-D, got %d-D %s"):format(kind, table.concat(dims, " or "), x:dim(), shape_str(x)))
    end
    if x:size(2) ~= self.channels then
      raise(("%s: input has %d channels, expected %d"):format(self:describe(), x:size(2), self.channels))
    end
  end
  function BN:forward(x)
    check_input(self, x)
    return F.batchnorm(x, rawget(self, "weight"), rawget(self, "bias"), self.running_mean, self.running_var,
      self.training, self.momentum, self.eps)
  end
  -- This layer and the relu (slope 0) or leaky_relu after it in one pass over memory;
  -- nn.sequential calls it (see run_layers in nn.lua). The same values and gradients.
  function BN:forward_with_activation(x, slope)
    check_input(self, x)
    local gamma, beta = rawget(self, "weight"), rawget(self, "bias")
    local training = self.training
    local y, mean, invstd = nn._batchnorm(x, gamma, beta, self.running_mean, self.running_var, training,
      self.momentum, self.eps, slope)
    if autograd_recording(x, gamma, beta) then
      autograd_record(y, { x, gamma, beta }, function(g)
        return nn._batchnorm_backward(g, x, gamma, mean, invstd, training, T._tracks(x), T._tracks(gamma),
          T._tracks(beta), beta, slope)
      end, "batchnorm")
    end
    return y
  end
  BN.fusable_forward = BN.forward
  return BN
end
nn.batchnorm1d = batchnorm("batchnorm1d", { 2, 3 })
nn.batchnorm2d = batchnorm("batchnorm2d", { 4 })

-- ---- dropout, embedding, flatten --------------------------------------------------------

local Dropout = nn.module("dropout")
function Dropout:init(p) self.p = check.fraction("dropout", "p", p or 0.5) end
function Dropout:describe() return ("dropout %g"):format(self.p) end
function Dropout:forward(x) return F.dropout(x, self.p, self.training) end
nn.dropout = Dropout

local Embedding = nn.module("embedding")
function Embedding:init(count, dim)
  check_positive_int("embedding", "count", count)
  check_positive_int("embedding", "dim", dim)
  self.count, self.dim = count, dim
  self:param("weight", make("embedding", T.randn, count, dim))   -- N(0, 1) as PyTorch
end
function Embedding:describe() return ("embedding %d×%d"):format(self.count, self.dim) end
function Embedding:forward(ids) return F.embedding(ids, self.weight) end
nn.embedding = Embedding

local Flatten = nn.module("flatten")
function Flatten.forward(_, x)
  check.tensor("flatten", "input", x)
  if x:dim() < 1 then raise("flatten: input must have at least 1 dimension, got a 0-D tensor") end
  return x:reshape(x:size(1), -1)
end
nn.flatten = Flatten

-- ---- activations as layers --------------------------------------------------------------

local function activation_layer(name, fn, param_name, integer)
  local A = nn.module(name)
  function A:init(p)
    if p ~= nil and integer then check.integer(name, param_name, p)
    elseif p ~= nil and param_name then check.number(name, param_name, p)
    elseif p ~= nil then raise(("%s: takes no parameter, got %s"):format(name, check.show(p))) end
    self.p = p
  end
  function A:describe() return self.p and ("%s %s=%g"):format(name, param_name, self.p) or name end
  function A:forward(x) return fn(x, self.p) end
  A.fusable_forward = A.forward
  nn[name] = A
  return A
end
-- relu and leaky_relu right after a batchnorm run inside it (nn.sequential): their slope
activation_layer("relu", function(x) return check.tensor("relu", "input", x):relu() end).fused_slope =
  function() return 0 end
activation_layer("tanh", function(x) return check.tensor("tanh", "input", x):tanh() end)
activation_layer("sigmoid", function(x) return check.tensor("sigmoid", "input", x):sigmoid() end)
activation_layer("leaky_relu", F.leaky_relu, "slope").fused_slope = function(self) return self.p or 0.01 end
activation_layer("elu", F.elu, "alpha")
activation_layer("gelu", function(x) return F.gelu(x) end)
activation_layer("softmax", function(x, dim) return F.softmax(x, dim or -1) end, "dim", true)
activation_layer("log_softmax", function(x, dim) return F.log_softmax(x, dim or -1) end, "dim", true)
