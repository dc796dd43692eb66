-- nn_functional.lua — wick.nn.F: the differentiable functions layers are made of
-- (linear, convolution, pooling, normalisation, activations, dropout, embedding) and
-- the losses, embedded in the binary. Each one runs a C kernel from lib/nn through
-- bindings/nn/nn.c and, when an input tracks gradients, records a graph node whose
-- backward calls the matching C backward kernel.
local wick = ...
local T, nn, autograd = wick.tensor, wick.nn, wick.autograd
local record, recording, unbroadcast = autograd.record, autograd.recording, autograd.unbroadcast
local raise = nn._raise
local check = wick._check
local INT32 = 2147483647   -- sizes, strides and paddings are C ints in lib/nn

local F = {}
nn.F = F

local function shape_str(t) return "[" .. table.concat(t:shape(), ",") .. "]" end
nn._shape_str = shape_str

-- ---- linear -----------------------------------------------------------------------------

-- y = x·Wᵀ + b for x (…, in), W (out, in), b (out): one C kernel each way
-- (lib/nn/linear.c; the bias rides in the GEMM) and one graph node, the leading dims
-- of x flattened into rows.
function F.linear(x, w, b)
  check.tensor("linear", "input", x)
  check.tensor("linear", "weight", w)
  if b ~= nil then check.tensor("linear", "bias", b) end
  -- shapes checked here, so a mismatch reads as linear's and not as matmul's or add's
  if w:dim() ~= 2 then raise(("linear: weight must be 2-D (out, in), got shape %s"):format(shape_str(w))) end
  if x:dim() < 1 or x:size(-1) ~= w:size(2) then
    raise(("linear: input has %d features, weight has %d (input shape %s, weight shape %s)")
      :format(x:dim() > 0 and x:size(-1) or 0, w:size(2), shape_str(x), shape_str(w)))
  end
  if b ~= nil and (b:dim() ~= 1 or b:size(1) ~= w:size(1)) then
    raise(("linear: bias must have shape [%d], got %s"):format(w:size(1), shape_str(b)))
  end
  local shape = x:shape()
  local nrows = 1
  for d = 1, #shape - 1 do nrows = nrows * shape[d] end
  local rows = x:dim() == 2 and x or x:reshape(nrows, w:size(2))
  local y = nn._linear(rows, w, b)
  if #shape ~= 2 then
    shape[#shape] = w:size(1)
    y = y:reshape(shape)
  end
  if recording(x, w, b) then
    local tracks = T._tracks
    record(y, { x, w, b }, function(g)
      local g2 = g:dim() == 2 and g or g:reshape(nrows, w:size(1))
      local gx, gw, gb = nn._linear_backward(g2, rows, w, tracks(x), tracks(w), b ~= nil and tracks(b))
      if gx and #shape ~= 2 then gx = gx:reshape(x:shape()) end
      return gx, gw, gb
    end, "linear")
  end
  return y
end

-- ---- activations ------------------------------------------------------------------------

F.relu = T.relu
F.tanh = T.tanh
F.sigmoid = T.sigmoid

-- Kernels with a parameter: leaky_relu (slope), elu (alpha), gelu.
local function activation(kind, default)
  return function(x, param)
    param = param or default
    check.tensor(kind, "input", x)
    check.number(kind, "parameter", param)
    local y = nn._act(kind, x, param)
    if recording(x) then
      record(y, { x }, function(g) return nn._act_backward(kind, g, x, param) end, kind)
    end
    return y
  end
end
F.leaky_relu = activation("leaky_relu", 0.01)
F.elu = activation("elu", 1.0)
F.gelu = activation("gelu", 0)

local function softmax_like(log)
  return function(x, dim)
    dim = dim or -1
    check.tensor(log and "log_softmax" or "softmax", "input", x)
    local y = nn._softmax(x, dim, log)
    if recording(x) then
      record(y, { x }, function(g) return nn._softmax_backward(g, y, dim, log) end, log and "log_softmax" or "softmax")
    end
    return y
  end
end
F.softmax = softmax_like(false)
F.log_softmax = softmax_like(true)

-- ---- regularisation and lookup ----------------------------------------------------------

-- Inverted dropout: in training, zero each element with probability p and scale the
-- rest by 1/(1−p); in evaluation, the identity.
function F.dropout(x, p, training)
  check.fraction("dropout", "p", p)   -- before the shortcut: a NaN p is refused in evaluation too
  if not training or p == 0 then return x end
  check.tensor("dropout", "input", x)
  local mask = T.rand(x:shape()):ge(p) / (1 - p)
  return x * mask
end

-- Rows of w (V, D) picked by 1-based ids of any shape -> (ids shape…, D).
function F.embedding(ids, w)
  check.tensor("embedding", "ids", ids)
  check.tensor("embedding", "weight", w)
  if w:dim() ~= 2 then raise(("embedding: weight must be 2-D (rows, dim), got shape %s"):format(shape_str(w))) end
  local rows_n = w:size(1)
  if ids:numel() > 0 then   -- ids out of range read as embedding's, not index_select's
    local lo, hi = ids:min():item(), ids:max():item()
    if not (lo >= 1 and hi <= rows_n) then
      local bad = (hi ~= hi or hi > rows_n) and hi or lo
      raise(("embedding: id %s is out of range 1..%d"):format(math.tointeger(bad) or check.show(bad), rows_n))
    end
  end
  local shape = ids:shape()
  local flat = ids:reshape(ids:numel())
  local rows = w:index_select(1, flat)
  shape[#shape + 1] = w:size(2)
  return rows:reshape(shape)
end

-- ---- convolution ------------------------------------------------------------------------

local function pair(v, name, fname)
  if type(v) == "number" then return v, v end
  if type(v) == "table" and #v == 2 then return v[1], v[2] end
  raise(("%s: %s must be a number or a pair {h, w}, got %s"):format(fname, name, check.show(v)))
end
nn._pair = pair

-- A pair of integers >= lo (kernel sizes 1, paddings 0, …), as C ints.
local function int_pair(v, name, fname, lo)
  local a, b = pair(v, name, fname)
  return check.integer(fname, name, a, lo, INT32), check.integer(fname, name, b, lo, INT32)
end
nn._int_pair = int_pair

-- opts: {stride, padding, dilation, groups, output_padding}, numbers or {h, w}
local function conv_args(o, fname)
  if type(o) ~= "table" then raise(("%s: options must be a table, got %s"):format(fname, check.show(o))) end
  local sh, sw = int_pair(o.stride or 1, "stride", fname, 1)
  local ph, pw = int_pair(o.padding or 0, "padding", fname, 0)
  local dh, dw = int_pair(o.dilation or 1, "dilation", fname, 1)
  local oh, ow = int_pair(o.output_padding or 0, "output_padding", fname, 0)
  local groups = check.integer(fname, "groups", o.groups or 1, 1, INT32)
  return { sh, sw, ph, pw, dh, dw, groups, oh, ow }
end
nn._conv_args = conv_args

-- The tensors of a convolution: input, weight and an optional bias.
local function conv_tensors(fname, x, w, b)
  check.tensor(fname, "input", x)
  check.tensor(fname, "weight", w)
  if b ~= nil then check.tensor(fname, "bias", b) end
end

local function conv_backward(backward, x, w, b, ws, a)
  return function(g)
    local gx, gw, gb = backward(g, x, w, ws, a, T._tracks(x), T._tracks(w), b ~= nil and T._tracks(b))
    return gx, gw, gb
  end
end

-- x (N, C_in, H, W), w (C_out, C_in/groups, kH, kW), b (C_out) or nil
function F.conv2d(x, w, b, opts, ws)
  conv_tensors("conv2d", x, w, b)
  local a = conv_args(opts or {}, "conv2d")
  ws = ws or nn._workspace()
  local y = nn._conv2d(x, w, b, ws, a)
  if recording(x, w, b) then record(y, { x, w, b }, conv_backward(nn._conv2d_backward, x, w, b, ws, a), "conv2d") end
  return y
end

-- x (N, C_in, H, W), w (C_in, C_out/groups, kH, kW), b (C_out) or nil
function F.conv_transpose2d(x, w, b, opts, ws)
  conv_tensors("conv_transpose2d", x, w, b)
  local a = conv_args(opts or {}, "conv_transpose2d")
  ws = ws or nn._workspace()
  local y = nn._conv_transpose2d(x, w, b, ws, a)
  if recording(x, w, b) then
    record(y, { x, w, b }, conv_backward(nn._conv_transpose2d_backward, x, w, b, ws, a), "conv_transpose2d")
  end
  return y
end

-- ---- pooling and resampling -------------------------------------------------------------

-- opts: {stride = kernel, padding = 0, dilation = 1, ceil_mode = false}
function F.maxpool2d(x, kernel, opts)
  opts = opts or {}
  check.tensor("maxpool2d", "input", x)
  check.type("maxpool2d", "options", opts, "table")
  local kh, kw = int_pair(kernel, "kernel", "maxpool2d", 1)
  local a = conv_args({ stride = opts.stride or { kh, kw }, padding = opts.padding, dilation = opts.dilation },
    "maxpool2d")
  a.kh, a.kw, a.ceil = kh, kw, opts.ceil_mode or false
  local y, idx = nn._maxpool2d(x, a)
  if recording(x) then
    record(y, { x }, function(g) return nn._maxpool2d_backward(g, x, idx, a) end, "maxpool2d")
  end
  return y
end

-- opts: {stride = kernel, padding = 0, ceil_mode = false, count_include_pad = true}
function F.avgpool2d(x, kernel, opts)
  opts = opts or {}
  check.tensor("avgpool2d", "input", x)
  check.type("avgpool2d", "options", opts, "table")
  local kh, kw = int_pair(kernel, "kernel", "avgpool2d", 1)
  local a = conv_args({ stride = opts.stride or { kh, kw }, padding = opts.padding }, "avgpool2d")
  a.kh, a.kw, a.ceil = kh, kw, opts.ceil_mode or false
  a.count_include_pad = opts.count_include_pad ~= false
  local y = nn._avgpool2d(x, a)
  if recording(x) then record(y, { x }, function(g) return nn._avgpool2d_backward(g, x, a) end, "avgpool2d") end
  return y
end

function F.adaptive_avgpool2d(x, size)
  check.tensor("adaptive_avgpool2d", "input", x)
  local oh, ow = int_pair(size, "output size", "adaptive_avgpool2d", 1)
  local y = nn._adaptive_avgpool2d(x, oh, ow)
  if recording(x) then
    record(y, { x }, function(g) return nn._adaptive_avgpool2d_backward(g, x) end, "adaptive_avgpool2d")
  end
  return y
end

-- opts: {size = {h, w}} or {scale = s}, mode = "nearest" | "bilinear"
function F.upsample(x, opts)
  check.tensor("upsample", "input", x)
  check.type("upsample", "options", opts, "table")
  local mode = opts.mode or "nearest"
  if mode ~= "nearest" and mode ~= "bilinear" then
    raise(("upsample: mode must be 'nearest' or 'bilinear', got '%s'"):format(tostring(mode)))
  end
  if x:dim() ~= 4 then raise(("upsample: input must be 4-D (N,C,H,W), got %d-D %s"):format(x:dim(), shape_str(x))) end
  local oh, ow
  if opts.size then oh, ow = int_pair(opts.size, "size", "upsample", 1)
  else
    local sh, sw = pair(opts.scale or 2, "scale", "upsample")
    check.positive("upsample", "scale", sh)
    check.positive("upsample", "scale", sw)
    oh, ow = math.floor(x:size(3) * sh), math.floor(x:size(4) * sw)
    if oh < 1 or ow < 1 or oh > INT32 or ow > INT32 then
      raise(("upsample: scale %s x %s makes a %s x %s output from %s"):format(sh, sw, oh, ow, shape_str(x)))
    end
  end
  local y = nn._upsample(x, oh, ow, mode)
  if recording(x) then record(y, { x }, function(g) return nn._upsample_backward(g, x, mode) end, "upsample") end
  return y
end

-- ---- normalisation ----------------------------------------------------------------------

-- x (N, C), (N, C, L) or (N, C, H, W); running stats updated in training.
function F.batchnorm(x, gamma, beta, running_mean, running_var, training, momentum, eps)
  check.tensor("batchnorm", "input", x)
  check.number("batchnorm", "momentum", momentum, 0, 1)
  check.positive("batchnorm", "eps", eps)
  local y, mean, invstd = nn._batchnorm(x, gamma, beta, running_mean, running_var, training, momentum, eps)
  if recording(x, gamma, beta) then
    record(y, { x, gamma, beta }, function(g)
      return nn._batchnorm_backward(g, x, gamma, mean, invstd, training, T._tracks(x), T._tracks(gamma),
        T._tracks(beta))
    end, "batchnorm")
  end
  return y
end

-- ---- losses (mean over the batch) -------------------------------------------------------

-- logits (N, C) or (C); target: 1-based class ids (N) as a tensor or Lua list.
function F.cross_entropy(logits, target)
  check.tensor("cross_entropy", "logits", logits)
  if type(target) == "table" then target = T(target) end
  check.tensor("cross_entropy", "target", target)
  local loss, saved = nn._cross_entropy(logits, target)
  if recording(logits) then
    record(loss, { logits }, function(g) return nn._cross_entropy_backward(g, saved, target) end, "cross_entropy")
  end
  return loss
end

-- logp (N, C) log-probabilities; target 1-based class ids.
function F.nll(logp, target)
  check.tensor("nll", "log-probabilities", logp)
  if type(target) == "table" then target = T(target) end
  check.tensor("nll", "target", target)
  local loss = nn._nll(logp, target)
  if recording(logp) then
    record(loss, { logp }, function(g) return nn._nll_backward(g, logp, target) end, "nll")
  end
  return loss
end

local function same_shape_or_raise(fname, a, b)
  check.tensor(fname, "input", a)
  check.tensor(fname, "target", b)
  if shape_str(a) ~= shape_str(b) then
    raise(("%s: input %s and target %s must have the same shape"):format(fname, shape_str(a), shape_str(b)))
  end
end

function F.mse(x, target)
  same_shape_or_raise("mse", x, target)
  return ((x - target) ^ 2):mean()
end

function F.l1(x, target)
  same_shape_or_raise("l1", x, target)
  return (x - target):abs():mean()
end

-- p in (0, 1), target in [0, 1]; log clamped at −100 as PyTorch does.
function F.bce(p, target)
  same_shape_or_raise("bce", p, target)
  local loss = nn._bce(p, target)
  if recording(p) then record(loss, { p }, function(g) return nn._bce_backward(g, p, target) end, "bce") end
  return loss
end

function F.bce_with_logits(x, target)
  same_shape_or_raise("bce_with_logits", x, target)
  local loss = nn._bce_with_logits(x, target)
  if recording(x) then
    record(loss, { x }, function(g) return nn._bce_with_logits_backward(g, x, target) end, "bce_with_logits")
  end
  return loss
end

-- ---- kl_normal (the VAE's KL term) -------------------------------------------------------

-- KL(N(mu, exp(logvar)) ‖ N(0, 1)) = ½ Σ (mu² + exp(logvar) − logvar − 1) over the latent
-- dim (the last), for mu and logvar (N, D), or (D) for one sample. reduction "mean" (the
-- default) averages the per-sample sums over the batch, as a VAE's loss wants beside a
-- reconstruction term summed per image; "sum" adds them; "none" gives the N sums. Made of
-- autograd's tensor ops, so it is differentiable in both. A NaN or infinite input is
-- refused here, since a VAE's KL is where a diverging encoder shows first.
local KL_REDUCTIONS = { "mean", "sum", "none" }
function F.kl_normal(mu, logvar, reduction)
  check.tensor("kl_normal", "mu", mu)
  check.tensor("kl_normal", "logvar", logvar)
  reduction = reduction == nil and "mean" or check.one_of("kl_normal", "reduction", reduction, KL_REDUCTIONS)
  if mu:dim() < 1 or mu:dim() > 2 then
    raise(("kl_normal: mu must be N×D (or D), got %s"):format(shape_str(mu)))
  end
  if shape_str(mu) ~= shape_str(logvar) then
    raise(("kl_normal: mu %s and logvar %s must have the same shape"):format(shape_str(mu), shape_str(logvar)))
  end
  check.finite_tensor("kl_normal", "mu", mu)
  check.finite_tensor("kl_normal", "logvar", logvar)
  local rows = mu:dim() == 2 and mu or mu:view(1, -1)
  local lv = logvar:dim() == 2 and logvar or logvar:view(1, -1)
  local per = ((rows ^ 2 + lv:exp() - lv - 1) * 0.5):sum(2)   -- N
  if reduction == "none" then return per end
  return reduction == "sum" and per:sum() or per:mean()
end

-- The losses are also nn.<name>(input, target), as the design's sketches read.
for _, name in ipairs { "cross_entropy", "nll", "mse", "l1", "bce", "bce_with_logits" } do nn[name] = F[name] end
nn._unbroadcast = unbroadcast
