-- tfjs_spec.lua — nn.load_tfjs: TensorFlow.js layers models written here (model.json
-- and binary shards, in the format the tfjs converter writes) are loaded and run, and
-- their outputs compared with a plain-loop evaluation of Keras's own definitions in
-- NHWC (TensorFlow's "same" padding, depthwise channel order, Flatten's order). Then
-- quantised and multi-shard weights, the errors for broken folders, gradients to the
-- input, and — when `make data` has installed them — the real InceptionV3 and
-- MobileNetV2 against activations computed by tfjs itself (tests/tfjs/reference.js).
local wick = require "wick"
local helpers = require "spec_helpers"
local T, nn = wick.tensor, wick.nn

-- ---- writing a model folder -------------------------------------------------------------

local NULL = setmetatable({}, { __tostring = function() return "null" end })

local function json(v)
  if v == NULL or v == nil then return "null" end
  local t = type(v)
  if t == "boolean" then return tostring(v) end
  if t == "number" then
    if math.type(v) == "integer" or v == math.floor(v) and math.abs(v) < 2 ^ 53 then return ("%d"):format(v) end
    return ("%.17g"):format(v)
  end
  if t == "string" then return '"' .. v:gsub('[%c"\\]', function(c) return ("\\u%04x"):format(c:byte()) end) .. '"' end
  if #v > 0 or next(v) == nil and getmetatable(v) == nil and v.__object == nil then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = json(x) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local keys, parts = {}, {}
  for k in pairs(v) do if k ~= "__object" then keys[#keys + 1] = k end end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = json(k) .. ":" .. json(v[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end
local function obj(t) t.__object = true return t end   -- an empty table that is {} not []

-- A deterministic value stream in [-1, 1).
local function values(n, seed)
  local out, s = {}, seed
  for i = 1, n do
    s = (s * 1103515245 + 12345) % 2147483648
    out[i] = s / 1073741824 - 1
  end
  return out
end

local function numel(shape)
  local n = 1
  for _, d in ipairs(shape) do n = n * d end
  return n
end

-- x = m·2^e with m in [0.5, 1) (Lua 5.4 dropped math.frexp)
local function frexp(x)
  if x == 0 then return 0, 0 end
  local e = math.floor(math.log(math.abs(x), 2)) + 1
  local m = x / 2 ^ e
  if math.abs(m) >= 1 then m, e = m / 2, e + 1 elseif math.abs(m) < 0.5 then m, e = m * 2, e - 1 end
  return m, e
end

-- Encode one weight; returns bytes and its manifest entry. The values the model sees
-- are replaced by their dequantised ones, so the Lua reference uses exactly those.
local function encode(w)
  local v, q = w.values, w.quant
  local entry = { name = w.name, shape = w.shape, dtype = "float32" }
  local bytes = {}
  if not q then
    for i = 1, #v do bytes[i] = string.pack("<f", v[i]) end
  elseif q == "float16" then
    entry.quantization = { dtype = "float16" }
    for i = 1, #v do
      -- round to a half exactly representable (|v| < 1: 10 bits of mantissa below 2^e)
      local m, e = frexp(v[i])
      local h = v[i] == 0 and 0 or math.floor(m * 2048 + 0.5) / 2048 * 2 ^ e
      v[i] = h
      local sign = h < 0 and 0x8000 or 0
      h = math.abs(h)
      local bits
      if h == 0 then bits = 0
      else
        local hm, he = frexp(h)           -- h = hm·2^he, hm in [0.5, 1)
        local exp = he - 1 + 15
        if exp <= 0 then bits = math.floor(h / 2 ^ -24 + 0.5)
        else bits = exp << 10 | (math.floor((hm * 2 - 1) * 1024 + 0.5) & 0x3ff) end
      end
      bytes[i] = string.pack("<I2", sign | bits)
    end
  else
    local lo, hi = math.huge, -math.huge
    for i = 1, #v do lo, hi = math.min(lo, v[i]), math.max(hi, v[i]) end
    local levels = q == "uint8" and 255 or 65535
    local scale = (hi - lo) / levels
    if scale == 0 then scale = 1 end
    entry.quantization = { dtype = q, min = lo, scale = scale }
    for i = 1, #v do
      local k = math.floor((v[i] - lo) / scale + 0.5)
      v[i] = lo + scale * k
      bytes[i] = string.pack(q == "uint8" and "<I1" or "<I2", k)
    end
  end
  return table.concat(bytes), entry
end

-- write_model(dir, {class = "Model"|"Sequential", layers = {…}, outputs = {…}, weights = {…}, shards = n})
local function write_model(dir, m)
  local blobs, specs = {}, {}
  for i, w in ipairs(m.weights or {}) do blobs[i], specs[i] = encode(w) end
  local data = table.concat(blobs)
  local shards, paths = m.shards or 1, {}
  local per = math.ceil(#data / shards)
  for k = 1, shards do
    paths[k] = ("group1-shard%dof%d.bin"):format(k, shards)
    helpers.write_file(dir .. "/" .. paths[k], data:sub((k - 1) * per + 1, k * per))
  end
  local config
  if m.class == "Sequential" then config = { name = "seq", layers = m.layers }
  else config = { name = "net", layers = m.layers, input_layers = { { "input", 0, 0 } }, output_layers = m.outputs } end
  local model = { format = "layers-model", generatedBy = "tfjs_spec",
    modelTopology = { keras_version = "2.2.4", backend = "tensorflow",
      model_config = { class_name = m.class or "Model", config = config } },
    weightsManifest = { { paths = paths, weights = specs } } }
  helpers.write_file(dir .. "/model.json", json(model))
end

-- A functional layer: {class, name, config, inputs = {names}}.
local function L(class, name, config, inputs)
  config.name = name
  local nodes = {}
  if inputs then
    local refs = {}
    for i, n in ipairs(inputs) do refs[i] = { n, 0, 0, obj {} } end
    nodes = { refs }
  end
  return { class_name = class, name = name, config = config, inbound_nodes = nodes }
end

-- ---- Keras's definitions in plain loops (NHWC: x[h][w][c], 1-based) ------------------------

local function image(h, w, c, fill)
  local x = {}
  for i = 1, h do
    x[i] = {}
    for j = 1, w do
      x[i][j] = {}
      for k = 1, c do x[i][j][k] = fill and fill(i, j, k) or 0 end
    end
  end
  return x
end
local function dims(x) return #x, #x[1], #x[1][1] end

-- TensorFlow's output size and leading pad for one axis.
local function tf_axis(n, k, s, d, same)
  if same then
    local out = (n + s - 1) // s
    return out, math.max((out - 1) * s + (k - 1) * d + 1 - n, 0) // 2
  end
  return (n - (k - 1) * d - 1) // s + 1, 0
end

-- kernel flat [kh][kw][ci][co] (depthwise: [kh][kw][ci][mult])
local function ref_conv(x, K, bias, o)
  local H, W, C = dims(x)
  local kh, kw, s, d = o.k, o.k, o.s or 1, o.d or 1
  local Ho, pt = tf_axis(H, kh, s, d, o.same)
  local Wo, pl = tf_axis(W, kw, s, d, o.same)
  local co = o.depthwise and C * o.mult or o.filters
  return image(Ho, Wo, co, function(i, j, oc)
    local sum = bias and bias[oc] or 0
    for p = 1, kh do
      for q = 1, kw do
        local hi, wj = (i - 1) * s - pt + (p - 1) * d + 1, (j - 1) * s - pl + (q - 1) * d + 1
        if hi >= 1 and hi <= H and wj >= 1 and wj <= W then
          if o.depthwise then
            local c, m = (oc - 1) // o.mult + 1, (oc - 1) % o.mult + 1
            sum = sum + x[hi][wj][c] * K[(((p - 1) * kw + q - 1) * C + c - 1) * o.mult + m]
          else
            for c = 1, C do sum = sum + x[hi][wj][c] * K[(((p - 1) * kw + q - 1) * C + c - 1) * co + oc] end
          end
        end
      end
    end
    return sum
  end)
end

local function ref_pool(x, k, s, same, max)
  local H, W, C = dims(x)
  local Ho, pt = tf_axis(H, k, s, 1, same)
  local Wo, pl = tf_axis(W, k, s, 1, same)
  return image(Ho, Wo, C, function(i, j, c)
    local acc, n = max and -math.huge or 0, 0
    for p = 1, k do
      for q = 1, k do
        local hi, wj = (i - 1) * s - pt + p, (j - 1) * s - pl + q
        if hi >= 1 and hi <= H and wj >= 1 and wj <= W then
          acc = max and math.max(acc, x[hi][wj][c]) or acc + x[hi][wj][c]
          n = n + 1
        end
      end
    end
    return max and acc or acc / n
  end)
end

local function ref_map(x, f)
  local H, W, C = dims(x)
  return image(H, W, C, function(i, j, c) return f(x[i][j][c], c) end)
end

local function ref_bn(x, g, b, mean, var, eps)
  return ref_map(x, function(v, c)
    return (v - mean[c]) / math.sqrt(var[c] + eps) * (g and g[c] or 1) + (b and b[c] or 0)
  end)
end

local function ref_flatten(x)
  local out = {}
  for _, row in ipairs(x) do for _, px in ipairs(row) do for _, v in ipairs(px) do out[#out + 1] = v end end end
  return out
end

local function ref_dense(v, K, b, units)
  local out = {}
  for u = 1, units do
    local s = b and b[u] or 0
    for i = 1, #v do s = s + v[i] * K[(i - 1) * units + u] end
    out[u] = s
  end
  return out
end

local function softmax(v)
  local m, s, out = -math.huge, 0, {}
  for _, x in ipairs(v) do m = math.max(m, x) end
  for i, x in ipairs(v) do out[i] = math.exp(x - m); s = s + out[i] end
  for i = 1, #out do out[i] = out[i] / s end
  return out
end

-- wick's N×C×H×W tensor from x[h][w][c], and back
local function to_tensor(x)
  local H, W, C = dims(x)
  local t = T.zeros(1, C, H, W)
  for i = 1, H do for j = 1, W do for c = 1, C do t[1][c][i][j] = x[i][j][c] end end end
  return t
end
local function from_tensor(t)
  return image(t:size(3), t:size(4), t:size(2), function(i, j, c) return t[1][c][i][j] end)
end

local function max_diff(a, b)
  local fa, fb = helpers.flat(a), helpers.flat(b)
  assert.equal(#fa, #fb)
  local worst = 0
  for i = 1, #fa do worst = math.max(worst, math.abs(fa[i] - fb[i])) end
  return worst
end

-- ---- the models ---------------------------------------------------------------------------

local C_IN = 3

local function weight(name, shape, seed, quant)
  return { name = name, shape = shape, values = values(numel(shape), seed), quant = quant }
end
local function positive(w) for i, v in ipairs(w.values) do w.values[i] = 0.5 + math.abs(v) end return w end

-- A functional net with a branch, two batch norms (one folded, one not), asymmetric
-- "same" padding in a strided convolution and an average pool, a depthwise convolution
-- with multiplier 2, ReLU6, Add, Concatenate, Flatten and a softmax Dense.
local function branchy(quant)
  local w = {
    conv1_k = weight("conv1/kernel", { 3, 3, C_IN, 4 }, 1, quant), conv1_b = weight("conv1/bias", { 4 }, 2, quant),
    dw_k = weight("dw/depthwise_kernel", { 3, 3, 4, 2 }, 3, quant),
    bn1_g = weight("bn1/gamma", { 8 }, 4, quant), bn1_b = weight("bn1/beta", { 8 }, 5, quant),
    bn1_m = weight("bn1/moving_mean", { 8 }, 6, quant),
    bn1_v = positive(weight("bn1/moving_variance", { 8 }, 7, quant)),
    conv2_k = weight("conv2/kernel", { 3, 3, 4, 8 }, 8, quant),
    bn2_b = weight("bn2/beta", { 8 }, 9, quant), bn2_m = weight("bn2/moving_mean", { 8 }, 10, quant),
    bn2_v = positive(weight("bn2/moving_variance", { 8 }, 11, quant)),
    fc_k = weight("fc/kernel", { 2 * 2 * 16, 5 }, 12, quant), fc_b = weight("fc/bias", { 5 }, 13, quant),
  }
  local layers = {
    L("InputLayer", "input", { batch_input_shape = { NULL, 8, 8, C_IN }, dtype = "float32" }),
    L("Conv2D", "conv1", { filters = 4, kernel_size = { 3, 3 }, strides = { 2, 2 }, padding = "same",
      activation = "relu", use_bias = true, dilation_rate = { 1, 1 }, data_format = "channels_last" }, { "input" }),
    L("DepthwiseConv2D", "dw", { kernel_size = { 3, 3 }, strides = { 1, 1 }, padding = "same", depth_multiplier = 2,
      use_bias = false, activation = "linear" }, { "conv1" }),
    L("BatchNormalization", "bn1", { axis = -1, epsilon = 0.001, center = true, scale = true }, { "dw" }),
    L("ReLU", "relu6", { max_value = 6, negative_slope = 0, threshold = 0 }, { "bn1" }),
    L("Conv2D", "conv2", { filters = 8, kernel_size = 3, strides = 1, padding = "same", dilation_rate = 2,
      use_bias = false, activation = "linear" }, { "conv1" }),
    L("Add", "add", {}, { "relu6", "conv2" }),
    L("BatchNormalization", "bn2", { axis = 3, epsilon = 0.01, center = true, scale = false }, { "add" }),
    L("AveragePooling2D", "avg", { pool_size = { 3, 3 }, strides = { 2, 2 }, padding = "same" }, { "bn2" }),
    L("MaxPooling2D", "max", { pool_size = { 2, 2 }, strides = { 2, 2 }, padding = "valid" }, { "bn2" }),
    L("Concatenate", "cat", { axis = -1 }, { "avg", "max" }),
    L("Flatten", "flat", {}, { "cat" }),
    L("Dense", "fc", { units = 5, activation = "softmax", use_bias = true }, { "flat" }),
  }
  local list = {}
  for _, k in ipairs { "conv1_k", "conv1_b", "dw_k", "bn1_g", "bn1_b", "bn1_m", "bn1_v", "conv2_k", "bn2_b", "bn2_m",
    "bn2_v", "fc_k", "fc_b" } do list[#list + 1] = w[k] end
  return { layers = layers, outputs = { { "fc", 0, 0 } }, weights = list }, w
end

local function branchy_reference(x, w)
  local v = function(k) return w[k].values end
  local c1 = ref_map(ref_conv(x, v "conv1_k", v "conv1_b", { k = 3, s = 2, same = true, filters = 4 }),
    function(a) return math.max(a, 0) end)
  local dw = ref_conv(c1, v "dw_k", nil, { k = 3, same = true, depthwise = true, mult = 2 })
  local r6 = ref_map(ref_bn(dw, v "bn1_g", v "bn1_b", v "bn1_m", v "bn1_v", 0.001),
    function(a) return math.min(math.max(a, 0), 6) end)
  local c2 = ref_conv(c1, v "conv2_k", nil, { k = 3, d = 2, same = true, filters = 8 })
  local add = ref_map(r6, function(a, _) return a end)
  for i = 1, #add do for j = 1, #add[1] do for c = 1, 8 do add[i][j][c] = add[i][j][c] + c2[i][j][c] end end end
  local bn2 = ref_bn(add, nil, v "bn2_b", v "bn2_m", v "bn2_v", 0.01)
  local avg, mx = ref_pool(bn2, 3, 2, true, false), ref_pool(bn2, 2, 2, false, true)
  local cat = image(2, 2, 16, function(i, j, c) return c <= 8 and avg[i][j][c] or mx[i][j][c - 8] end)
  return softmax(ref_dense(ref_flatten(cat), v "fc_k", v "fc_b", 5)), { conv1 = c1, bn2 = bn2, cat = cat }
end

local function test_input()
  return image(8, 8, C_IN, function(i, j, c) return math.sin(i * 1.3 + j * 0.7 + c * 2.1) end)
end

-- A Sequential net (no InputLayer: the first layer declares the input) with asymmetric
-- zero padding, global average pooling, a Dense → Reshape back to an image, Dropout and
-- a tanh Activation.
local function sequential()
  local w = {
    k1 = weight("c1/kernel", { 2, 2, C_IN, 6 }, 21), b1 = weight("c1/bias", { 6 }, 22),
    k2 = weight("d1/kernel", { 6, 12 }, 23), b2 = weight("d1/bias", { 12 }, 24),
    k3 = weight("c2/kernel", { 1, 1, 3, 2 }, 25),
  }
  local function S(class, name, config)
    config.name = name
    return { class_name = class, config = config }
  end
  local layers = {
    S("ZeroPadding2D", "pad", { padding = { { 0, 1 }, { 1, 2 } }, batch_input_shape = { NULL, 5, 4, C_IN } }),
    S("Conv2D", "c1", { filters = 6, kernel_size = 2, strides = 1, padding = "valid", activation = "sigmoid" }),
    S("GlobalAveragePooling2D", "gap", {}),
    S("Dense", "d1", { units = 12, activation = "linear" }),
    S("Dropout", "drop", { rate = 0.5 }),
    S("Reshape", "shape", { target_shape = { 2, 2, 3 } }),
    S("Conv2D", "c2", { filters = 2, kernel_size = 1, use_bias = false, activation = "linear" }),
    S("Flatten", "flat", {}),
    S("Activation", "act", { activation = "tanh" }),
  }
  return { class = "Sequential", layers = layers, weights = { w.k1, w.b1, w.k2, w.b2, w.k3 } }, w
end

local function sequential_reference(x, w)
  local H, W, C = dims(x)
  local padded = image(H + 1, W + 3, C,
    function(i, j, c) return (i <= H and j >= 2 and j <= W + 1) and x[i][j - 1][c] or 0 end)
  local c1 = ref_map(ref_conv(padded, w.k1.values, w.b1.values, { k = 2, filters = 6 }),
    function(a) return 1 / (1 + math.exp(-a)) end)
  local gap = {}
  local h, ww = dims(c1)
  for c = 1, 6 do
    local s = 0
    for i = 1, h do for j = 1, ww do s = s + c1[i][j][c] end end
    gap[c] = s / (h * ww)
  end
  local d = ref_dense(gap, w.k2.values, w.b2.values, 12)
  local img = image(2, 2, 3, function(i, j, c) return d[((i - 1) * 2 + j - 1) * 3 + c] end)
  local c2 = ref_conv(img, w.k3.values, nil, { k = 1, filters = 2 })
  local out = ref_flatten(c2)
  for i, v in ipairs(out) do out[i] = 1 - 2 / (math.exp(2 * v) + 1) end   -- tanh
  return out
end

-- ---- the specs ------------------------------------------------------------------------------

-- One layer's output with gradients recorded (no layer may work in place then).
local function acts_of(net, x, name)
  return net:upto(x:clone():requires_grad(), name):detach()
end

describe("nn.load_tfjs", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() helpers.remove_tree(dir) end)

  it("runs a functional model as Keras defines it (same padding, depthwise, folded and unfolded batch norm)", function()
    local model, w = branchy()
    write_model(dir, model)
    local net = nn.load_tfjs(dir)
    local x = test_input()
    local want, inner = branchy_reference(x, w)
    local got = net(to_tensor(x))
    assert.same({ 1, 5 }, got:shape())
    assert.is_true(max_diff(want, got:table()[1]) < 1e-5)
    -- intermediate layers by name, in wick's layout
    local acts = net:activations(to_tensor(x), { "conv1", "bn2", "cat" })
    for name, ref in pairs(inner) do
      assert.is_true(max_diff(ref, from_tensor(acts[name])) < 1e-4, name)
    end
    assert.is_true(max_diff(inner.bn2, from_tensor(net:upto(to_tensor(x), "bn2"))) < 1e-4)
    -- without gradients an activation may overwrite its input, but never one asked for
    local plain = wick.no_grad(net.activations, net, to_tensor(x), { "dw", "bn1", "relu6" })
    assert.is_true(plain.dw:min():item() < 0 and plain.relu6:min():item() >= 0)
    assert.equal(0, (plain.bn1 - acts_of(net, to_tensor(x), "bn1")):abs():max():item())
  end)

  it("folds a batch norm into the convolution before it, and keeps one after an Add", function()
    write_model(dir, (branchy()))
    local byname = {}
    for _, l in ipairs(nn.load_tfjs(dir):layers()) do byname[l.name] = l end
    assert.is_true(byname.bn1.folded)
    assert.is_nil(byname.bn2.folded)
    assert.same({ 4, 4, 4 }, byname.conv1.shape)    -- (C, H, W): 8x8 at stride 2, same
    assert.same({ 16, 2, 2 }, byname.cat.shape)
    assert.same({ 5 }, byname.fc.shape)
    assert.equal(3 * 3 * C_IN * 4 + 4, byname.conv1.params)
    assert.same({ "relu6", "conv2" }, byname.add.inputs)
  end)

  it("runs a Sequential model: zero padding, global pooling, Dense → Reshape → Conv2D → Flatten", function()
    local model, w = sequential()
    write_model(dir, model)
    local net = nn.load_tfjs(dir)
    assert.same({ 3, 5, 4 }, net.input_size)
    local x = image(5, 4, C_IN, function(i, j, c) return math.cos(i + 2 * j + 3 * c) end)
    local got = net(to_tensor(x))
    assert.is_true(max_diff(sequential_reference(x, w), got:table()[1]) < 1e-5)
    -- one image without a batch dimension gives one result without one
    assert.same({ 8 }, net(to_tensor(x):select(1, 1)):shape())
  end)

  for _, q in ipairs { "uint8", "uint16", "float16" } do
    it("reads " .. q .. "-quantised weights spread over several shards", function()
      local model, w = branchy(q)
      model.shards = 3
      write_model(dir, model)
      local x = test_input()
      assert.is_true(max_diff(branchy_reference(x, w), nn.load_tfjs(dir)(to_tensor(x)):table()[1]) < 1e-5)
    end)
  end

  it("lets gradients reach the input through every kind of layer", function()
    write_model(dir, (branchy()))
    local net = nn.load_tfjs(dir)
    local x = to_tensor(test_input()):requires_grad()
    local ok, err = wick.autograd.gradcheck(function(t) return net:upto(t, "cat") end, { x },
      { eps = 1e-3, atol = 2e-2, rtol = 2e-2 })
    assert.is_true(ok, err)
    local y = net(x)
    y:select(2, 1):sum():backward()
    assert.is_true(x.grad:abs():sum():item() > 0)
  end)

  it("keeps what a convolutional net does at other input sizes, and refuses what it cannot", function()
    write_model(dir, (branchy()))
    local net = nn.load_tfjs(dir)
    local big = net:upto(T.randn(2, C_IN, 13, 11), "bn2")
    assert.same({ 2, 8, 7, 6 }, big:shape())
    helpers.refuses("tfjs net: these layers need a 3×8×8 input", function() net(T.randn(1, C_IN, 9, 9)) end)
    helpers.refuses("tfjs net: the input must be N×3×H×W", function() net(T.randn(1, 4, 8, 8)) end)
    helpers.refuses("upto: 'conv9' is not a layer of net.*similar: conv1, conv2",
      function() net:upto(T.randn(1, 3, 8, 8), "conv9") end)
    helpers.refuses("activations: give a list of layer names",
      function() net:activations(T.randn(1, 3, 8, 8), "conv1") end)
  end)

  it("preprocesses images into the model's range and back", function()
    write_model(dir, (branchy()))
    local net = nn.load_tfjs(dir)
    local img = T.rand(1, 20, 30)   -- grey, another size
    local x = net:preprocess(img)
    assert.same({ 1, 3, 8, 8 }, x:shape())
    assert.is_true(x:min():item() >= -1 and x:max():item() <= 1)
    local own = net:preprocess(T.rand(4, 6, 7), { size = false })
    assert.same({ 1, 3, 6, 7 }, own:shape())
    local back = net:deprocess(net:preprocess(img:expand(3, 20, 30), { size = false }))
    assert.is_true((back - img:expand(3, 20, 30)):abs():max():item() < 1e-6)
    helpers.refuses("preprocess: the image has 2 channels", function() net:preprocess(T.rand(2, 8, 8)) end)
  end)
end)

describe("nn.load_tfjs on broken folders", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() helpers.remove_tree(dir) end)

  local function broken(edit)
    local model = branchy()
    edit(model)
    write_model(dir, model)
    return helpers.err_of(nn.load_tfjs, dir)
  end

  it("names a missing or truncated shard", function()
    write_model(dir, (branchy()))
    local shard = dir .. "/group1-shard1of1.bin"
    local bytes = helpers.read_file(shard)
    helpers.write_file(shard, bytes:sub(1, #bytes - 7))
    assert.matches("shards hold %d+ bytes but its weights need %d+", helpers.err_of(nn.load_tfjs, dir))
    os.remove(shard)
    assert.matches("group1%-shard1of1%.bin.*cannot open", helpers.err_of(nn.load_tfjs, dir))
  end)

  it("names a layer of an unknown class", function()
    local err = broken(function(m) m.layers[7].class_name = "Conv3DTranspose" end)
    assert.matches("layer 'add': class 'Conv3DTranspose' is not supported", err)
  end)

  it("names a weight whose shape disagrees with its layer", function()
    local err = broken(function(m)
      m.weights[1].shape = { 3, 3, C_IN, 5 }
      m.weights[1].values = values(3 * 3 * C_IN * 5, 1)
    end)
    assert.matches("layer 'conv1' %(Conv2D%): its 'kernel' has shape %[3,3,3,5%].*needs %[3,3,3,4%]", err)
  end)

  it("names a weight the layers do not have, and one that is missing", function()
    assert.matches("weight 'nowhere/kernel' belongs to no layer",
      broken(function(m) m.weights[#m.weights + 1] = weight("nowhere/kernel", { 2 }, 1) end))
    assert.matches("layer 'fc' %(Dense%): its 'bias' is missing",
      broken(function(m) m.weights[#m.weights] = nil end))
  end)

  it("refuses bad JSON, a wrong input reference and a shard path outside the folder", function()
    helpers.write_file(dir .. "/model.json", '{"modelTopology": {"model_config": ')
    assert.matches("model.json is not valid JSON", helpers.err_of(nn.load_tfjs, dir))
    assert.matches("its input 'nowhere' is not a layer before it",
      broken(function(m) m.layers[3].inbound_nodes[1][1][1] = "nowhere" end))
    assert.matches("padding 'causal' is not supported", broken(function(m) m.layers[3].config.padding = "causal" end))
    local model = branchy()
    write_model(dir, model)
    local text = helpers.read_file(dir .. "/model.json"):gsub("group1%-shard1of1%.bin", "../../etc/passwd")
    helpers.write_file(dir .. "/model.json", text)
    assert.matches("must be a relative path inside the model folder", helpers.err_of(nn.load_tfjs, dir))
  end)

  it("says what is missing when the folder or the data is not there", function()
    assert.matches("load_tfjs: cannot find models/nothing_here", helpers.err_of(nn.load_tfjs, "models/nothing_here"))
    assert.matches("model.json", helpers.err_of(nn.load_tfjs, dir))
    assert.matches("dir must be a string", helpers.err_of(nn.load_tfjs, 42))
  end)
end)

-- ---- the real networks (after `make data`) ------------------------------------------------

local function find(name)
  local ok, path = pcall(wick.data.find, name)
  return ok and path or nil
end

describe("InceptionV3 and MobileNetV2 from nsfwjs", function()
  local inception = find("models/inception_v3")
  local mobilenet = find("models/mobilenet_v2")

  -- nsfwjs.json: {image: [{className, probability}, …]} as {image = {class = p}}
  local function nsfwjs_scores(file)
    local text, out = helpers.read_file(file), {}
    for photo, list in text:gmatch('"([%w_]+)"%s*:%s*(%b[])') do
      out[photo] = {}
      for name, p in list:gmatch('"className"%s*:%s*"(%w+)"%s*,%s*"probability"%s*:%s*([-%d.eE]+)') do
        out[photo][name] = tonumber(p)
      end
    end
    return out
  end
  local CLASSES = { "Drawing", "Hentai", "Neutral", "Porn", "Sexy" }   -- the head's output order

  -- reference.safetensors (tests/tfjs/reference.js): per image its pixels (the centre
  -- crop, H×W×3), the input tfjs was given (NHWC) and layer outputs (NHWC) by name.
  local function check_reference(path, layers, size)
    local ref_path = find(path:match("models/.*$") .. "/reference/reference.safetensors")
    if not ref_path then return pending("no tfjs reference (make data writes it)") end
    local net = nn.load_tfjs(path, { range = { 0, 1 } })   -- nsfwjs feeds pixels / 255
    local ref = wick.load(ref_path)
    local scores = nsfwjs_scores(ref_path:gsub("reference%.safetensors$", "nsfwjs.json"))
    local checked = 0
    for key, pixels in pairs(ref) do
      local photo = key:match("^(.-)/pixels$")
      if photo then
        -- the same crop of the same file, through wick's own decoder and preprocessing
        local img = wick.image.load(find("images/skimage/" .. photo .. ".png"))
        local top, left = (img:size(2) - size) // 2, (img:size(3) - size) // 2
        local crop = img:narrow(1, 1, 3):narrow(2, top + 1, size):narrow(3, left + 1, size)
        assert.is_true((crop * 255 - pixels:permute(3, 1, 2)):abs():max():item() < 1e-3, photo .. " crop")
        local x = net:preprocess(crop)
        local given = ref[photo .. "/input"]:permute(1, 4, 2, 3)
        assert.is_true((x - given):abs():max():item() < 1e-5, photo .. " input")
        local acts = wick.no_grad(function() return net:activations(given:contiguous(), layers) end)
        acts.output = wick.no_grad(net, given:contiguous())
        for name, got in pairs(acts) do
          local want = ref[photo .. "/" .. name]
          if got:dim() == 4 then got = got:permute(1, 3, 4, 2) end
          local range = want:max():item() - want:min():item()
          local diff = (got - want):abs():max():item()
          assert.is_true(diff <= 1e-3 * range, ("%s %s: max difference %g, range %g"):format(photo, name, diff, range))
          checked = checked + 1
        end
        -- the head's five scores are nsfwjs's own
        for k, class in ipairs(CLASSES) do
          assert.is_true(math.abs(acts.output[1][k] - scores[photo][class]) < 1e-4, photo .. " " .. class)
        end
      end
    end
    assert.is_true(checked >= 9, "the reference holds three images")
  end

  it("InceptionV3 loads with Keras's layer names and shapes", function()
    if not inception then return pending("models/inception_v3 is not installed (make data)") end
    local net = nn.load_tfjs(inception)
    assert.equal(22360869, net:num_parameters())
    local byname = {}
    for _, l in ipairs(net:layers()) do byname[l.name] = l end
    assert.same({ 768, 17, 17 }, byname.mixed5.shape)
    assert.same({ 288, 35, 35 }, byname.mixed2.shape)
    assert.same({ 2048, 8, 8 }, byname.mixed10.shape)
    assert.same({ 5 }, byname.dense_3.shape)
  end)

  it("InceptionV3 matches tfjs and nsfwjs on real images (mixed0, mixed3, mixed5, pooled codes, head)", function()
    if not inception then return pending("models/inception_v3 is not installed (make data)") end
    check_reference(inception, { "mixed0", "mixed3", "mixed5", "flatten_1" }, 299)
  end)

  it("MobileNetV2 loads and matches tfjs", function()
    if not mobilenet then return pending("models/mobilenet_v2 is not installed (make data)") end
    local net = nn.load_tfjs(mobilenet)
    assert.equal(2619461, net:num_parameters())
    check_reference(mobilenet, { "block_5_add", "block_6_depthwise_relu" }, 224)
  end)
end)
