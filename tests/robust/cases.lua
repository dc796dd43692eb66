-- cases.lua — the public functions of wick with a good argument list each, the wrong
-- values to put in their place one at a time, and the calls that must be refused.
-- Shared by the survey driver (tests/robust/api_calls.lua) and the spec
-- (tests/spec/robust_spec.lua). Data here is small and made on the spot.
--
--   local cases = require("robust.cases")(wick, tmp)   -- tmp: a folder for files
--   cases.list   { {name, fn, good = {args…}, aliases, skip = {pos|key = true}}, … }
--   cases.bad    { {label, value}, … }   (value may be a function making it fresh)
--   cases.reject { {name, fn, args, why}, … }   calls that must raise, not succeed
return function(wick, tmp)
  local T, nn, F, optim = wick.tensor, wick.nn, wick.nn.F, wick.optim
  local embed, text, data, image, plot = wick.embed, wick.text, wick.data, wick.image, wick.plot

  local function pack(...) return table.pack(...) end
  local list = {}

  -- add(name, fn, {good args…}, extra): extra.aliases are other names an error may use;
  -- extra.skip[pos] / extra.skip[key] keeps a position or option key out of mutation
  -- (paths: a wrong string there would write a file); extra.self: fn is a method, args[1]
  -- is made fresh by extra.self() before each call.
  local function add(name, fn, good, extra)
    extra = extra or {}
    local short = name:match("([%w_]+)$") or name
    local c = { name = name, short = short, fn = fn, good = good, aliases = extra.aliases or {},
      skip = extra.skip or {}, self = extra.self, expr = extra.expr,
      good_fails = extra.good_fails, good_may_fail = extra.good_may_fail, survey_only = extra.survey_only }
    table.insert(c.aliases, 1, short)
    list[#list + 1] = c
    return c
  end

  local function img() return T.rand(3, 8, 8) end
  -- data.batches is an iterator: the call site runs the loop
  local BATCHES = "(function(s, o) local n = 0; for _ in wick.data.batches(s, o) do n = n + 1 end return n end)"
    .. "(table.unpack(a, 1, a.n))"
  local function x4() return T.randn(2, 3, 8, 8) end

  -- ---- wick ---------------------------------------------------------------------------
  add("wick.seed", wick.seed, pack(7))
  add("wick.clock", wick.clock, pack())
  add("wick.memory", wick.memory, pack())
  add("wick.threads", wick.threads, pack(1))
  add("wick.no_grad", wick.no_grad, pack(function(a) return a end, 1))
  add("wick.save", wick.save, pack(T.ones(2), tmp .. "/t.safetensors"), { skip = { [2] = true } })
  add("wick.load", wick.load, pack(tmp .. "/t.safetensors"), { skip = { [1] = true } })
  add("wick.log", wick.log, pack({ loss = 0.5, step = 1 }))
  add("wick.runs", wick.runs, pack({ limit = 2 }))
  add("wick.run", wick.run, pack(1))
  add("wick.book", wick.book, pack())

  -- ---- wick.tensor: module functions ------------------------------------------------
  add("wick.tensor", function(...) return T(...) end, pack({ { 1, 2 }, { 3, 4 } }), { aliases = { "tensor" } })
  for _, f in ipairs({ "zeros", "ones", "empty", "rand", "randn" }) do
    add("wick.tensor." .. f, T[f], pack(2, 3))
    add("wick.tensor." .. f, T[f], pack({ 2, 3 }))
  end
  add("wick.tensor.full", T.full, pack({ 2, 3 }, 1.5))
  add("wick.tensor.arange", T.arange, pack(1, 5, 2))
  add("wick.tensor.linspace", T.linspace, pack(0, 1, 5))
  add("wick.tensor.eye", T.eye, pack(3, 2))
  add("wick.tensor.cat", T.cat, pack({ T.ones(2, 2), T.zeros(1, 2) }, 1))
  add("wick.tensor.stack", T.stack, pack({ T.ones(2), T.zeros(2) }, 1))
  add("wick.tensor.where", T.where, pack(T { 1, 0 }, T { 1, 2 }, T { 3, 4 }))
  add("wick.tensor.is_tensor", T.is_tensor, pack(1))
  add("wick.tensor.slerp", T.slerp, pack(T { 1, 0, 0 }, T { 0, 1, 0 }, 0.5))
  add("wick.tensor.slerp", T.slerp, pack(T.randn(2, 3), T.randn(2, 3), T { 0, 0.5, 1 }))

  -- ---- tensor methods (called as t:name(…)) ------------------------------------------
  local function m(name, good, mk, extra)
    extra = extra or {}
    extra.self = mk or function() return T.randn(2, 3) end
    return add("tensor:" .. name, T[name], pack(nil, table.unpack(good, 1, good.n)), extra)
  end
  for _, f in ipairs({ "table", "item", "clone", "contiguous", "zero_", "shape", "dim", "numel",
    "is_contiguous", "t", "detach", "tracks_grad", "is_leaf", "exp", "sqrt", "abs", "neg", "tanh",
    "sigmoid", "relu", "sin", "cos", "floor", "exp_", "abs_", "neg_", "tanh_", "sigmoid_", "relu_",
    "sin_", "cos_", "floor_", "free", "requires_grad" }) do
    if f == "item" then m(f, pack(), function() return T { 2 } end)
    else m(f, pack()) end
  end
  m("log", pack(), function() return T.rand(2, 3) + 0.5 end)
  m("log_", pack(), function() return T.rand(2, 3) + 0.5 end)
  m("sqrt_", pack(), function() return T.rand(2, 3) end)
  m("copy_", pack(T.ones(2, 3)))
  m("fill_", pack(2))
  m("size", pack(1))
  m("reshape", pack(3, 2))
  m("view", pack({ 6 }))
  m("narrow", pack(2, 1, 2))
  m("select", pack(1, 2))
  m("transpose", pack(1, 2))
  m("permute", pack(2, 1))
  m("squeeze", pack(1), function() return T.ones(1, 3) end)
  m("unsqueeze", pack(1))
  m("expand", pack(4, 3), function() return T.ones(1, 3) end)
  m("get", pack(1, 2))
  m("set", pack(1, 2, 5))
  for _, f in ipairs({ "add", "sub", "mul", "div", "pow", "add_", "sub_", "mul_", "div_", "pow_",
    "eq", "ne", "lt", "le", "gt", "ge" }) do
    m(f, pack(T.ones(2, 3)))
  end
  m("clamp", pack(-1, 1))
  m("clamp_", pack(-1, 1))
  for _, f in ipairs({ "sum", "mean", "argmax", "argmin" }) do m(f, pack(1, true)) end
  m("max", pack(2))
  m("min", pack(2))
  m("std", pack(1, true, true))
  m("var", pack(1, true, false))
  m("norm", pack(2, 1, false))
  m("matmul", pack(T.ones(3, 4)))
  m("dot", pack(T.ones(3)), function() return T.ones(3) end)
  m("outer", pack(T.ones(2)), function() return T.ones(3) end)
  m("index_select", pack(2, T { 1, 3 }))
  m("gather", pack(2, T { { 1 }, { 2 } }))
  m("masked_fill", pack(T.ones(2, 3), 0))
  m("masked_fill_", pack(T.ones(2, 3), 0))
  m("sort", pack(2, true))
  m("topk", pack(2, 2, true))
  m("backward", pack(), function() local x = T.ones(2):requires_grad(); return (x * 2):sum() end)
  for _, f in ipairs({ "index_add", "index_add_", "scatter", "scatter_", "scatter_add", "scatter_add_" }) do
    if T[f] then m(f, pack(2, T { { 1 }, { 2 } }, T.ones(2, 1))) end
  end

  -- ---- tensor operators and metamethods (t + u, t[i], #t, …): the expression is the call --
  -- (where the operand itself is wrong and not a tensor, Lua never calls wick: left out)
  local function op(name, expr, good, aliases, unary)
    return add("tensor " .. name, nil, good, { expr = expr, aliases = aliases, skip = unary and { [1] = true } or nil })
  end
  local two = function() return pack(T.ones(2, 3), T.ones(2, 3)) end
  op("+", "a[1] + a[2]", two(), { "add" })
  op("-", "a[1] - a[2]", two(), { "sub" })
  op("*", "a[1] * a[2]", two(), { "mul" })
  op("/", "a[1] / a[2]", two(), { "div" })
  op("^", "a[1] ^ a[2]", two(), { "pow" })
  op("unary -", "-a[1]", pack(T.ones(2)), { "neg", "unm" }, true)
  op("<", "a[1] < a[2]", pack(T { 1 }, T { 2 }), { "cannot compare", "lt" })
  op("<=", "a[1] <= a[2]", pack(T { 1 }, T { 2 }), { "cannot compare", "le" })
  op("#", "#a[1]", pack(T.ones(2)), { "len", "#" }, true)
  op("t[i]", "a[1][a[2]]", pack(T.ones(2, 3), 2), { "index" }, true)
  op("t[i] = v", "(function(t, i, v) t[i] = v end)(a[1], a[2], a[3])", pack(T.ones(2, 3), 2, T.zeros(3)),
    { "index", "cannot set field" }, true)
  op("tostring", "tostring(a[1])", pack(T.ones(2)), { "tostring" }, true)

  -- ---- wick.autograd -------------------------------------------------------------------
  local ag = wick.autograd
  add("wick.autograd.enabled", ag.enabled, pack())
  add("wick.autograd.no_grad", ag.no_grad, pack(function() return 1 end))
  add("wick.autograd.with_grad", ag.with_grad, pack(function() return 1 end))
  add("wick.autograd.recording", ag.recording, pack(T.ones(2)))
  add("wick.autograd.unbroadcast", ag.unbroadcast, pack(T.ones(2, 3), { 3 }))
  add("wick.autograd.record", ag.record, pack(T.ones(2), { T.ones(2):requires_grad() }, function(g) return g end))
  add("wick.autograd.record_multi", ag.record_multi,
    pack({ T.ones(2) }, { T.ones(2):requires_grad(), n = 1 }, function(g) return g end))
  add("wick.autograd.gradcheck", ag.gradcheck,
    pack(function(x) return (x * x):sum() end, { T.randn(3):requires_grad() }, { eps = 1e-3, atol = 1e-2,
        rtol = 1e-2 }))

  -- ---- wick.nn: layers (constructors, then forward on an instance) ---------------------
  local layers = {
    { "linear", pack(4, 3, { bias = true }), function() return T.randn(2, 4) end },
    { "embedding", pack(10, 4), function() return T { { 1, 2 }, { 3, 4 } } end },
    { "flatten", pack(), x4 },
    { "conv2d", pack(3, 4, 3, { stride = 1, padding = 1, dilation = 1, groups = 1, bias = true }), x4 },
    { "conv_transpose2d", pack(3, 4, 3, { stride = 2, padding = 1, output_padding = 1 }), x4 },
    { "maxpool2d", pack(2, { stride = 2, padding = 0, dilation = 1, ceil_mode = false }), x4 },
    { "avgpool2d", pack(2, { stride = 2, padding = 0, ceil_mode = false, count_include_pad = true }), x4 },
    { "adaptive_avgpool2d", pack(2), x4 },
    { "upsample", pack({ scale = 2, mode = "nearest" }), x4 },
    { "batchnorm1d", pack(4, { eps = 1e-5, momentum = 0.1, affine = true }), function() return T.randn(3, 4) end },
    { "batchnorm2d", pack(3, { eps = 1e-5, momentum = 0.1 }), x4 },
    { "dropout", pack(0.5), function() return T.ones(4, 4) end },
    { "lstm", pack(4, 5, { layers = 2, dropout = 0.1, bias = true }), function() return T.randn(2, 3, 4) end },
    { "gru", pack(4, 5, { layers = 1 }), function() return T.randn(2, 3, 4) end },
    { "relu", pack(), x4 }, { "tanh", pack(), x4 }, { "sigmoid", pack(), x4 }, { "gelu", pack(), x4 },
    { "leaky_relu", pack(0.1), x4 }, { "elu", pack(1.0), x4 },
    { "softmax", pack(2), function() return T.randn(2, 5) end },
    { "log_softmax", pack(2), function() return T.randn(2, 5) end },
  }
  for _, l in ipairs(layers) do
    local kind, args, input = l[1], l[2], l[3]
    add("wick.nn." .. kind, function(...) return nn[kind](...) end, args)
    add("wick.nn." .. kind .. ":forward", function(self, x, ...) return self(x, ...) end, pack(nil, input()),
      { self = function() return nn[kind](table.unpack(args, 1, args.n)) end, aliases = { kind, kind .. " " } })
  end
  local function small_net()
    return nn.sequential { nn.linear(4, 8), nn.relu(), nn.linear(8, 3) }
  end
  add("wick.nn.sequential", nn.sequential, pack({ nn.linear(4, 8), nn.relu() }))
  add("wick.nn.module", nn.module, pack("mine"))
  add("wick.nn.is_module", nn.is_module, pack(1))
  local net_methods = {
    { "parameters", pack() }, { "named_parameters", pack() }, { "train", pack() }, { "eval", pack() },
    { "zero_grad", pack() }, { "state", pack() }, { "num_parameters", pack() }, { "children", pack() },
    { "describe", pack() },
    { "load_state", pack(false) },   -- replaced below with the net's own state
    { "upto", pack(T.randn(2, 4), 2) }, { "activations", pack(T.randn(2, 4)) },
    { "add", pack(nn.linear(3, 3)) },
  }
  for _, nm in ipairs(net_methods) do
    local good = nm[2]
    if nm[1] == "load_state" then good = pack(small_net():state()) end
    add("sequential:" .. nm[1], function(self, ...) return self[nm[1]](self, ...) end, pack(nil, table.unpack(good, 1,
        good.n)),
      { self = small_net, aliases = { "sequential", nm[1], "layer 1 (", "layer 2 (", "layer 3 (" } })
  end

  -- a TensorFlow.js model folder (tests/spec_helpers.lua writes a tiny one)
  wick.fs.mkdir(tmp .. "/tfjs")
  local tfjs_dir = require("spec_helpers").tiny_tfjs(tmp .. "/tfjs")
  add("wick.nn.load_tfjs", nn.load_tfjs, pack(tfjs_dir, { range = { -1, 1 } }))
  local function x_tfjs() return T.rand(1, 3, 4, 4) end
  local tfjs_methods = {
    { "forward", pack(x_tfjs()) }, { "upto", pack(x_tfjs(), "conv") }, { "activations", pack(x_tfjs(), { "conv" }) },
    { "layers", pack() }, { "preprocess", pack(T.rand(3, 6, 6), { size = true }) }, { "deprocess", pack(x_tfjs()) },
  }
  for _, nm in ipairs(tfjs_methods) do
    add("tfjsnet:" .. nm[1], function(self, ...) return self[nm[1]](self, ...) end, pack(nil, table.unpack(nm[2], 1,
        nm[2].n)), { self = function() return nn.load_tfjs(tfjs_dir) end, aliases = { "tfjs net", nm[1] } })
  end

  add("wick.nn.random_filters", nn.random_filters,
    pack({ sizes = { 3, 5 }, channels = 4, seed = 2, range = { -1, 1 } }))
  local rf_methods = {
    { "forward", pack(x_tfjs()) }, { "upto", pack(x_tfjs(), "conv3") }, { "activations", pack(x_tfjs(), { "conv5" }) },
    { "layers", pack() }, { "preprocess", pack(T.rand(3, 6, 6), { size = true }) }, { "deprocess", pack(x_tfjs()) },
  }
  for _, nm in ipairs(rf_methods) do
    local method = function(self, ...) return self[nm[1]](self, ...) end
    add("random_filters:" .. nm[1], method, pack(nil, table.unpack(nm[2], 1, nm[2].n)),
      { self = function() return nn.random_filters { sizes = { 3, 5 }, channels = 4 } end,
        aliases = { "random_filters", nm[1] } })
  end
  add("wick.nn.F.gram", F.gram, pack(T.randn(2, 3, 4, 5)))
  add("wick.nn.F.total_variation", F.total_variation, pack(T.randn(2, 3, 4, 5)))
  add("wick.nn.patch_bank", nn.patch_bank, pack(T.randn(3, 6, 6), { size = 3, stride = 1, synthesis_stride = 1 }))
  local patch_methods = {
    { "match", pack(T.randn(3, 5, 7)) }, { "loss", pack(T.randn(1, 3, 5, 7), T.ones(3, 5)) }, { "size", pack() },
    { "patches", pack({ normalize = true }) }, { "free", pack() },
  }
  for _, nm in ipairs(patch_methods) do
    add("patchbank:" .. nm[1], function(self, ...) return self[nm[1]](self, ...) end, pack(nil, table.unpack(nm[2], 1,
      nm[2].n)), { self = function() return nn.patch_bank(T.randn(3, 6, 6)) end, aliases = { "patch bank", nm[1] } })
  end

  -- ---- wick.nn losses and nn.F ---------------------------------------------------------
  local logits, ids = T.randn(4, 3), T { 1, 2, 3, 1 }
  local p = T.rand(4, 3) * 0.8 + 0.1
  for _, f in ipairs({ "cross_entropy", "nll" }) do
    add("wick.nn." .. f, nn[f], pack(logits, ids))
    add("wick.nn.F." .. f, F[f], pack(logits, ids))
  end
  for _, f in ipairs({ "mse", "l1", "bce", "bce_with_logits" }) do
    add("wick.nn." .. f, nn[f], pack(p, T.rand(4, 3)))
    add("wick.nn.F." .. f, F[f], pack(p, T.rand(4, 3)))
  end
  add("wick.nn.F.kl_normal", F.kl_normal, pack(T.randn(4, 2), T.randn(4, 2), "sum"))
  add("wick.nn.F.linear", F.linear, pack(T.randn(2, 4), T.randn(3, 4), T.randn(3)))
  add("wick.nn.F.conv2d", F.conv2d, pack(x4(), T.randn(4, 3, 3, 3), T.randn(4), { stride = 1, padding = 1 }))
  add("wick.nn.F.conv_transpose2d", F.conv_transpose2d, pack(x4(), T.randn(3, 4, 3, 3), T.randn(4), { stride = 2 }))
  add("wick.nn.F.maxpool2d", F.maxpool2d, pack(x4(), 2, { stride = 2 }))
  add("wick.nn.F.avgpool2d", F.avgpool2d, pack(x4(), 2, { stride = 2 }))
  add("wick.nn.F.adaptive_avgpool2d", F.adaptive_avgpool2d, pack(x4(), 2))
  add("wick.nn.F.upsample", F.upsample, pack(x4(), { scale = 2, mode = "bilinear" }))
  add("wick.nn.F.batchnorm", F.batchnorm, pack(x4(), T.ones(3), T.zeros(3), T.zeros(3), T.ones(3), true, 0.1, 1e-5))
  add("wick.nn.F.dropout", F.dropout, pack(T.ones(4), 0.5, true))
  add("wick.nn.F.embedding", F.embedding, pack(T { { 1, 3 } }, T.randn(4, 3)))
  for _, f in ipairs({ "relu", "tanh", "sigmoid", "gelu" }) do add("wick.nn.F." .. f, F[f], pack(x4())) end
  add("wick.nn.F.leaky_relu", F.leaky_relu, pack(x4(), 0.1))
  add("wick.nn.F.elu", F.elu, pack(x4(), 1))
  add("wick.nn.F.softmax", F.softmax, pack(T.randn(2, 5), 2))
  add("wick.nn.F.log_softmax", F.log_softmax, pack(T.randn(2, 5), 2))
  add("wick.nn.F.rnn_layer", F.rnn_layer, pack("gru", T.randn(2, 3, 4), T.zeros(2, 5), nil,
    T.randn(15, 4), T.randn(15, 5), T.randn(15), T.randn(15)))

  -- ---- wick.optim ----------------------------------------------------------------------
  local function params() local n = small_net(); return n:parameters() end
  local function trained_params()
    local n = small_net()
    nn.mse(n(T.randn(2, 4)), T.zeros(2, 3)):backward()
    return n:parameters()
  end
  add("wick.optim.sgd", optim.sgd, pack(params(), { lr = 0.1, momentum = 0.9, dampening = 0, weight_decay = 0,
      nesterov = true }))
  add("wick.optim.adam", optim.adam, pack(params(), { lr = 1e-3, betas = { 0.9, 0.999 }, eps = 1e-8,
      weight_decay = 0 }))
  add("wick.optim.adamw", optim.adamw, pack(params(), { lr = 1e-3, betas = { 0.9, 0.999 }, eps = 1e-8,
      weight_decay = 0.01 }))
  add("wick.optim.rmsprop", optim.rmsprop, pack(params(), { lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0,
      momentum = 0 }))
  add("wick.optim.lbfgs", optim.lbfgs, pack(params(), { lr = 1, max_iter = 5, history_size = 10 }))
  add("wick.optim.clip_grad_norm", optim.clip_grad_norm, pack(trained_params(), 1.0))
  add("wick.optim.step_lr", optim.step_lr, pack(optim.sgd(params(), { lr = 0.1 }), { step_size = 2, gamma = 0.5 }))
  add("wick.optim.cosine", optim.cosine, pack(optim.sgd(params(), { lr = 0.1 }), { t_max = 10, eta_min = 0 }))
  for _, kind in ipairs({ "sgd", "adam", "rmsprop" }) do
    add(kind .. ":step", function(self, ...) return self:step(...) end, pack(nil),
      { self = function() return optim[kind](trained_params(), { lr = 0.01 }) end, aliases = { kind, "step" } })
    add(kind .. ":zero_grad", function(self, ...) return self:zero_grad(...) end, pack(nil),
      { self = function() return optim[kind](trained_params(), { lr = 0.01 }) end, aliases = { kind, "zero_grad" } })
  end

  -- schedules and L-BFGS: their step methods
  local function sched(kind, o) return function() return optim[kind](optim.sgd(params(), { lr = 0.1 }), o) end end
  add("step_lr:step", nil, pack(nil), { self = sched("step_lr", { step_size = 2 }), aliases = { "step", "step_lr" } })
  add("cosine:step", nil, pack(nil), { self = sched("cosine", { t_max = 10 }), aliases = { "step", "cosine" } })
  add("lbfgs:step", nil, pack(nil, function() return T.ones(1) end), {
    self = function() return optim.lbfgs(trained_params(), { max_iter = 2 }) end, aliases = { "step", "lbfgs" } })

  -- a module written in Lua: nn.module, :param and :buffer
  local Mine = nn.module("mine")
  function Mine:init() self:param("w", T.ones(2)) end
  function Mine:forward(x) return x * self.w end
  local function mine() return Mine() end
  add("module:param", nil, pack(nil, "v", T.ones(2)), { self = mine, aliases = { "param", "mine" } })
  add("module:buffer", nil, pack(nil, "b", T.ones(2)), { self = mine, aliases = { "buffer", "mine" } })

  -- ---- wick.data -----------------------------------------------------------------------
  local set = { x = T.rand(10, 1, 4, 4), y = T { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, n = 10 }
  add("wick.data.batches", nil,
    pack(set, { batch = 4, shuffle = false, epochs = 1, drop_last = false, progress = false }), { expr = BATCHES })
  add("wick.data.progress", data.progress, pack(10, "items"))
  -- no data in the test folder: the good call is a clean "cannot find" error
  add("wick.data.mnist", data.mnist, pack(tmp), { good_fails = true })
  add("wick.data.fashion_mnist", data.fashion_mnist, pack(tmp), { good_fails = true })

  -- ---- wick.image ----------------------------------------------------------------------
  image.save(img(), tmp .. "/a.png")
  add("wick.image.save", image.save, pack(img(), tmp .. "/b.png", { bits = 8, quality = 90 }),
      { skip = { [2] = true } })
  add("wick.image.load", image.load, pack(tmp .. "/a.png"), { skip = { [1] = true } })
  add("wick.image.resize", image.resize, pack(img(), 4, 6, { mode = "bilinear" }))
  add("wick.image.grid", image.grid, pack({ img(), img() }, { cols = 2, pad = 2, pad_value = 1 }))
  add("wick.image.rgb", image.rgb, pack(T.rand(4, 6, 5)))
  add("wick.image.fit", image.fit, pack(img(), 12))
  add("wick.image.roll", image.roll, pack(img(), 2, -3))
  add("wick.image.blur", image.blur, pack(img(), 0.8))
  add("wick.image.lap_normalize", image.lap_normalize, pack(T.randn(2, 3, 16, 16), 3))
  add("wick.image.flow", image.flow, pack(img(), img(), { levels = 2, scale = 0.5, window = 5, iterations = 2,
    poly_n = 3, poly_sigma = 1.0, filter = "box", init = T.zeros(2, 8, 8) }))
  add("wick.image.warp", image.warp, pack(img(), T.randn(2, 8, 8)))
  add("wick.image.flow_mask", image.flow_mask, pack(T.randn(2, 8, 8), T.randn(2, 8, 8)))

  -- ---- wick.audio: spectral transforms (small frames, so each call is cheap) --------------
  local audio = wick.audio
  local function sig() return T.randn(2, 600) end
  local so = { n_fft = 64, hop = 16, win_length = 48, window = "hamming", center = true, pad_mode = "reflect" }
  add("wick.audio.stft", audio.stft, pack(sig(), { n_fft = 64, hop = 16, win_length = 48, window = "hamming",
    center = true, pad_mode = "reflect", power = 2, complex = false }))
  add("wick.audio.istft", audio.istft, pack(audio.stft(sig(), { n_fft = 64, hop = 16, complex = true }),
    { n_fft = 64, hop = 16, win_length = 64, window = "hann", center = true, length = 600 }))
  add("wick.audio.griffin_lim", audio.griffin_lim, pack(audio.stft(sig(), so), { n_fft = 64, hop = 16, win_length = 48,
    window = "hamming", center = true, pad_mode = "reflect", iters = 3, momentum = 0.5, init = "zeros", length = 600 }))
  add("wick.audio.mel", audio.mel, pack(sig(), 8000, { n_fft = 64, hop = 16, win_length = 64, window = "hann",
    center = false, pad_mode = "constant", n_mels = 8, fmin = 50, fmax = 3000, power = 1 }))
  add("wick.audio.mel_filters", audio.mel_filters, pack(8000, { n_fft = 64, n_mels = 8, fmin = 0, fmax = 4000 }))
  add("wick.audio.cqt", audio.cqt, pack(sig(), 8000, { fmin = 200, n_bins = 24, bins_per_octave = 12, hop = 64,
    filter_scale = 1, window = "hann", sparsity = 0.01, downsample = false, complex = true }))
  add("wick.audio.cqt_frequencies", audio.cqt_frequencies, pack({ fmin = 55, n_bins = 12, bins_per_octave = 12 }))

  -- ---- wick.video ----------------------------------------------------------------------
  wick.video.save({ img(), img() }, tmp .. "/v.gif", { fps = 10 })
  add("wick.video.save", wick.video.save, pack({ img(), img() }, tmp .. "/w.gif", { fps = 10, quality = 70 }),
      { skip = { [2] = true, codec = true } })
  add("wick.video.read", wick.video.read, pack(tmp .. "/v.gif", { max_frames = 2 }), { skip = { [1] = true } })
  add("wick.video.open", wick.video.open, pack(tmp .. "/v.gif"), { skip = { [1] = true } })
  add("wick.video.writer", wick.video.writer, pack(tmp .. "/x.gif", { fps = 12, quality = 50 }),
      { skip = { [1] = true, codec = true } })
  add("VideoWriter:write", function(self, ...) return self:write(...) end, pack(nil, img()),
      { self = function() return wick.video.writer(tmp .. "/y.gif") end, aliases = { "writer:write", "write" } })
  add("VideoReader:read", function(self, ...) return self:read(...) end, pack(nil),
      { self = function() return wick.video.open(tmp .. "/v.gif") end, aliases = { "reader:read", "read" } })

  -- ---- wick.audio ----------------------------------------------------------------------
  local function snd() return T.rand(2, 64):mul(2):sub(1) end
  audio.save(tmp .. "/a.wav", snd(), 8000, { overwrite = true })
  add("wick.audio.save", audio.save,
      pack(tmp .. "/b.wav", snd(), 8000, { format = "wav", bits = 16, overwrite = true }),
      { skip = { [1] = true, overwrite = true } })
  add("wick.audio.load", audio.load, pack(tmp .. "/a.wav", { rate = 4000, mono = true, quality = "fast",
    max_seconds = 1 }), { skip = { [1] = true } })
  add("wick.audio.info", audio.info, pack(tmp .. "/a.wav"), { skip = { [1] = true } })
  add("wick.audio.resample", audio.resample, pack(snd(), 8000, 16000, { quality = "best" }))
  add("wick.audio.mono", audio.mono, pack(snd()))
  add("wick.audio.trim", audio.trim, pack(snd(), { threshold = -40, trailing = true }))
  add("wick.audio.normalize", audio.normalize, pack(snd(), 0.9))
  add("wick.audio.mulaw_encode", audio.mulaw_encode, pack(snd(), 256))
  add("wick.audio.mulaw_decode", audio.mulaw_decode, pack(T { 0, 128, 255 }, 256))
  add("wick.audio.samples", audio.samples, pack("sonic-pi"), { good_may_fail = true })

  -- ---- wick.plot -----------------------------------------------------------------------
  add("wick.plot.scatter", plot.scatter, pack(T.rand(5, 2), { size = 32, radius = 2, alpha = 0.8, labels = T { 1, 2,
      1, 2, 1 } }))
  add("wick.plot.mosaic", plot.mosaic, pack({ img(), img() }, { 1, 2 }, { cols = 2, rows = 1, cell_size = 8 }))
  add("wick.plot.heatmap", plot.heatmap, pack(T.rand(2, 3), { cell = 8, colormap = "viridis" }))
  add("wick.plot.colormap", plot.colormap, pack("viridis", 0.5))
  add("wick.plot.palette", plot.palette, pack(3))
  add("wick.plot.rgb", plot.rgb, pack(T.rand(5, 3)))
  add("wick.page", wick.page, pack(tmp .. "/page", T.rand(5, 2), { label = { "a", "b", "a", "c", "b" },
    text = { "one", "two", "three", "four", "five" }, image = T.rand(5, 1, 4, 4), title = "robust", thumb = 16 }),
    { skip = { [1] = true } })

  -- ---- wick.text -----------------------------------------------------------------------
  local f = io.open(tmp .. "/c.txt", "w"); f:write("the cat sat on the mat\nthe dog sat on the log\n"); f:close()
  add("wick.text.read", text.read, pack(tmp .. "/c.txt"), { skip = { [1] = true } })
  add("wick.text.vocab", text.vocab, pack("hello world"))
  local v = text.vocab("hello world")
  local vids = v:encode("hello world hello world hello world hello world")
  add("vocab:encode", function(self, ...) return self:encode(...) end, pack(nil, "hello", { fallback = "h" }),
    { self = function() return text.vocab("hello world") end, aliases = { "encode" } })
  add("vocab:decode", function(self, ...) return self:decode(...) end, pack(nil, vids),
    { self = function() return text.vocab("hello world") end, aliases = { "decode" } })
  for _, nm in ipairs({ { "char", pack(1) }, { "id", pack("h") }, { "chars", pack() } }) do
    add("vocab:" .. nm[1], function(self, ...) return self[nm[1]](self, ...) end, pack(nil, table.unpack(nm[2], 1,
        nm[2].n)),
      { self = function() return text.vocab("hello world") end, aliases = { nm[1], "vocab" } })
  end
  add("vocab:unseen", function(self, ...) return self:unseen(...) end, pack(nil, "hex"),
    { self = function() return text.vocab("hello world") end, aliases = { "unseen" } })
  add("wick.text.split", text.split, pack(vids, { valid = 0.1 }))
  add("wick.text.batches", text.batches, pack(vids, { batch = 2, seq = 4 }))
  add("stream:next", function(self, ...) return self:next(...) end, pack(nil),
    { self = function() return text.batches(vids, { batch = 2, seq = 4 }) end, aliases = { "next", "batches" } })
  add("wick.text.markov", text.markov, pack({ order = 2, unit = "word" }))
  local function mk()
    local k = text.markov { order = 1 }
    k:train("the cat sat on the mat. the dog sat on the log.")
    return k
  end
  add("markov:train", function(self, ...) return self:train(...) end, pack(nil, "a b c. b c d."),
    { self = function() return text.markov { order = 1 } end, aliases = { "train", "markov" } })
  add("markov:generate", function(self, ...) return self:generate(...) end, pack(nil, { length = 5, seed = 1 }),
    { self = mk, aliases = { "generate", "markov" } })
  add("markov:reply", function(self, ...) return self:reply(...) end, pack(nil, "the cat", { seed = 1, tries = 2 }),
    { self = mk, aliases = { "reply", "markov" } })
  add("wick.text.char_rnn", text.char_rnn, pack({ layers = 1, hidden = 8, embed = 4, dropout = 0, cell = "gru" }))
  local function crnn()
    local r = text.char_rnn { layers = 1, hidden = 8, embed = 4, cell = "gru" }
    r:train("abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc",
      { steps = 2, seq = 4, batch = 2, every = 100, progress = false, valid = 0.1 })
    return r
  end
  add("char_rnn:train", function(self, ...) return self:train(...) end,
    pack(nil, "abcabcabcabcabcabcabcabcabcabcabcabcabcabc", { steps = 1, seq = 4, batch = 2, lr = 0.01, clip = 5,
        valid = 0.1, progress = false }),
    { self = function() return text.char_rnn { layers = 1, hidden = 8, embed = 4 } end, aliases = { "train",
        "char_rnn" },
      skip = { progress = true } })
  add("char_rnn:sample", function(self, ...) return self:sample(...) end,
    pack(nil, { prime = "a", length = 5, temperature = 0.8, top_k = 2, seed = 1 }),
    { self = crnn, aliases = { "sample", "char_rnn" } })
  add("char_rnn:save", function(self, ...) return self:save(...) end, pack(nil, tmp .. "/r.safetensors"),
    { self = crnn, aliases = { "save", "char_rnn" }, skip = { [2] = true } })
  crnn():save(tmp .. "/r.safetensors")
  add("wick.text.char_rnn.load", text.char_rnn.load, pack(tmp .. "/r.safetensors"), { skip = { [1] = true },
      aliases = { "char_rnn" } })

  -- ---- wick.embed ----------------------------------------------------------------------
  add("wick.embed.pca", embed.pca, pack(T.randn(10, 4), 2))
  add("wick.embed.normalize", embed.normalize, pack(T.randn(10, 2)))
  add("wick.embed.grid", embed.grid, pack(T.rand(6, 2), { cols = 3, rows = 2, method = "exact" }))
  add("wick.embed.tsne", function(...) return embed.tsne(...) end,
    pack(T.randn(30, 4), { dims = 2, perplexity = 5, steps = 20, method = "exact", progress = false }),
    { aliases = { "tsne" } })
  add("wick.embed.tsne.new", embed.tsne.new, pack(T.randn(30, 4), { perplexity = 5, method = "exact" }),
      { aliases = { "tsne" } })
  local function ts() return embed.tsne.new(T.randn(30, 4), { perplexity = 5, method = "exact" }) end
  for _, nm in ipairs({ { "step", pack(2) }, { "positions", pack() }, { "kl", pack() }, { "iteration", pack() },
      { "method", pack() } }) do
    add("tsne:" .. nm[1], function(self, ...) return self[nm[1]](self, ...) end, pack(nil, table.unpack(nm[2], 1,
        nm[2].n)),
      { self = ts, aliases = { nm[1], "tsne" } })
  end
  local lines = {}
  local words = { "cat", "dog", "cow", "sun", "moon", "star" }
  for i = 1, 60 do lines[i] = words[i % 6 + 1] .. " " .. words[(i * 7) % 6 + 1] .. " " .. words[(i * 5) % 6 + 1] end
  local w2v_opts = { dim = 8, window = 2, min_count = 1, epochs = 1, negative = 2, threads = 1, seed = 1,
      progress = false }
  add("wick.embed.word2vec", embed.word2vec, pack(lines, w2v_opts), { skip = { progress = true } })
  local function w2v() return embed.word2vec(lines, w2v_opts) end
  w2v():save(tmp .. "/v.bin", { format = "binary" })
  add("wick.embed.load_vectors", embed.load_vectors, pack(tmp .. "/v.bin", { format = "binary", limit = 0 }),
    { skip = { [1] = true } })
  local qf = io.open(tmp .. "/q.txt", "w"); qf:write(": g\ncat dog sun moon\n"); qf:close()
  for _, nm in ipairs({
    { "nearest", pack("cat", 3) }, { "analogy", pack("cat", "dog", "sun", { method = "add", k = 2 }) },
    { "similarity", pack({ "cat", "dog" }) }, { "vector", pack("cat") }, { "vectors", pack({ "cat", "dog" }) },
    { "evaluate", pack(tmp .. "/q.txt", { restrict = 100 }) }, { "save", pack(tmp .. "/v2.txt", { format = "text" }) },
    { "words", pack(3) }, { "count", pack("cat") }, { "has", pack("cat") }, { "index", pack("cat") }, { "dim", pack() },
    { "free", pack() } }) do
    add("word2vec:" .. nm[1], function(self, ...) return self[nm[1]](self, ...) end, pack(nil, table.unpack(nm[2], 1,
        nm[2].n)),
      { self = w2v, aliases = { nm[1], "word2vec" }, skip = { [2] = (nm[1] == "save" or nm[1] == "evaluate") or nil } })
  end

  -- ---- topic models and the tokenizer ---------------------------------------------------
  add("wick.text.tokenize", text.tokenize,
    pack("Call me Ishmael, don't", { lower = true, stop_words = true, min_length = 2 }))
  local lda_docs = {}
  for i = 1, 12 do lda_docs[i] = { words[i % 6 + 1], words[(i * 5) % 6 + 1], words[(i * 7) % 6 + 1], "sea" } end
  local lda_opts = { topics = 2, iterations = 2, alpha = 0.1, beta = 0.01, seed = 1, min_count = 1, every = 1,
    progress = false }
  add("wick.embed.lda", embed.lda, pack(lda_docs, lda_opts), { skip = { progress = true } })
  local function lda() return (embed.lda(lda_docs, lda_opts)) end
  for _, nm in ipairs({ { "doc_topics", pack() }, { "topic_words", pack() }, { "top_words", pack(1, 3) },
    { "vocab", pack() }, { "infer", pack({ "cat", "sea" }, { iterations = 5, seed = 1 }) },
    { "perplexity", pack({ { "cat", "sea", "dog" } }, { iterations = 5, seed = 1 }) }, { "step", pack(1) },
    { "log_likelihood", pack() }, { "iteration", pack() }, { "topics", pack() }, { "tokens", pack() },
    { "free", pack() } }) do
    add("lda:" .. nm[1], function(self, ...) return self[nm[1]](self, ...) end, pack(nil, table.unpack(nm[2], 1,
        nm[2].n)), { self = lda, aliases = { nm[1], "lda" } })
  end

  -- ---- wick.text.corpus (shipped data, if installed: the survey only, too slow for the spec) ----
  for _, nm in ipairs({ { "kjv", pack({ references = false }) }, { "austen", pack({}) }, { "devil", pack() },
    { "fortunes", pack({ files = false }) }, { "sotu", pack({}) }, { "wordnet_glosses", pack({ all_words = false }) },
    { "gcide", pack({ max_bytes = 1000 }) } }) do
    add("wick.text.corpus." .. nm[1], text.corpus[nm[1]], nm[2],
      { aliases = { "corpus." .. nm[1] }, survey_only = true, good_may_fail = true })
  end

  -- ---- wick.fs -------------------------------------------------------------------------
  if wick.fs then
    local fs = wick.fs
    add("wick.fs.mkdir", fs.mkdir, pack(tmp .. "/made/here"), { skip = { [1] = true } })
    add("wick.fs.list", fs.list, pack(tmp))
    add("wick.fs.kind", fs.kind, pack(tmp))
    add("wick.fs.read_command", fs.read_command, pack({ "echo", "hi" }, { max_bytes = 100, quiet = true }))
    add("wick.fs.spawn", nil, pack({ "cat" }, {}), { expr =
      "(function(...) local p = wick.fs.spawn(...); p:close(); return true end)(table.unpack(a, 1, a.n))" })
    local function cat() return fs.spawn({ "cat" }) end
    add("process:send", nil, pack(nil, "hello"), { self = cat, aliases = { "send" } })
    add("process:close", nil, pack(nil), { self = cat, aliases = { "close" } })
  end

  -- ---- wick.chess, wick.svg ------------------------------------------------------------
  local chess, svg = wick.chess, wick.svg
  add("wick.chess.new", chess.new, pack())
  add("wick.chess.check_game", chess.check_game, pack("1. e4 e5 2. Nf3 *"))
  for _, nm in ipairs({ { "moves", pack() }, { "play", pack("e4") }, { "fen", pack() }, { "turn", pack() },
    { "status", pack() }, { "in_check", pack() }, { "copy", pack() }, { "perft", pack(2) } }) do
    add("board:" .. nm[1], function(self, ...) return self[nm[1]](self, ...) end, pack(nil, table.unpack(nm[2], 1,
        nm[2].n)),
      { self = function() return chess.new() end, aliases = { nm[1] } })
  end
  local svgtext = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'
  add("wick.svg.parses", svg.parses, pack(svgtext))
  add("wick.svg.render", svg.render, pack(svgtext, { size = 8 }))

  -- ---- cached steps -------------------------------------------------------------------
  add("wick.cache", wick.cache, pack("robust", function(a) return a end, 1))
  add("wick.cache_limit", wick.cache_limit, pack(2 * 1024 ^ 3))

  -- ---- wrong values ---------------------------------------------------------------------
  local bad = {
    { "nil", nil }, { "string", "x" }, { "empty table", {} }, { "true", true }, { "function", { function() end } },
    { "tensor", function() return T.ones(2, 2) end }, { "NaN", 0 / 0 }, { "inf", math.huge }, { "-inf", -math.huge },
    { "-1", -1 }, { "0", 0 }, { "1.5", 1.5 }, { "2^31", 2 ^ 31 }, { "2^53", 2 ^ 53 }, { "2^62", 1 << 62 },
    { "mininteger", math.mininteger },
    { "freed tensor", function() local t = T.ones(2, 2); t:free(); return t end },
    { "huge shape", { 1 << 40, 1 << 40 } },
  }
  -- (values given as functions are made fresh for each call; a function value itself is
  -- wrapped in a table, unwrapped by engine.fresh)

  -- ---- values that must be refused, not accepted ----------------------------------------
  local reject = {}
  local function must(name, fn, args, why, alias, expr)
    local short = name:match("([%w_]+)$")
    reject[#reject + 1] = { name = name, short = short, fn = fn, args = args, why = why, aliases = { alias or short,
        short }, expr = expr }
  end
  for _, kind in ipairs({ "sgd", "adam", "adamw", "rmsprop" }) do
    must("wick.optim." .. kind, optim[kind], pack(params(), { lr = 0 / 0 }), "NaN learning rate")
    must("wick.optim." .. kind, optim[kind], pack(params(), { lr = -1 }), "negative learning rate")
    must("wick.optim." .. kind, optim[kind], pack(params(), { lr = math.huge }), "infinite learning rate")
    must("wick.optim." .. kind, optim[kind], pack(params(), { lr = 0.1, weight_decay = 0 / 0 }), "NaN weight_decay")
    if kind ~= "sgd" then
      must("wick.optim." .. kind, optim[kind], pack(params(), { eps = 0 / 0 }), "NaN eps")
      must("wick.optim." .. kind, optim[kind], pack(params(), { eps = -1 }), "negative eps")
    end
  end
  must("wick.optim.sgd", optim.sgd, pack(params(), { lr = 0.1, momentum = -1 }), "negative momentum")
  must("wick.tensor.slerp", T.slerp, pack(T { 1, 0 }, T { 1, 0, 0 }, 0.5), "shapes differ")
  must("wick.tensor.slerp", T.slerp, pack(T { 1, 0 }, T { 0, 0 }, 0.5), "zero vector")
  must("wick.tensor.slerp", T.slerp, pack(T { 1, 0 / 0 }, T { 0, 1 }, 0.5), "NaN in a")
  must("wick.tensor.slerp", T.slerp, pack(T { 1, 0 }, T { math.huge, 1 }, 0.5), "infinity in b")
  must("wick.tensor.slerp", T.slerp, pack(T { 1, 0 }, T { 0, 1 }, 0 / 0), "NaN t")
  must("wick.tensor.slerp", T.slerp, pack(T { 1, 0 }, T { 0, 1 }, T { { 0.5 } }), "2-D t")
  must("wick.optim.adam", optim.adam, pack(params(), { betas = { 1.5, 0.999 } }), "beta1 >= 1")
  must("wick.optim.adam", optim.adam, pack(params(), { betas = { 0.9, 0 / 0 } }), "NaN beta2")
  must("wick.optim.rmsprop", optim.rmsprop, pack(params(), { alpha = 2 }), "alpha > 1")
  must("wick.optim.lbfgs", optim.lbfgs, pack(params(), { lr = 0 / 0 }), "NaN learning rate")
  must("wick.optim.lbfgs", optim.lbfgs, pack(params(), { max_iter = 1.5 }), "non-integer max_iter")
  must("wick.optim.lbfgs", optim.lbfgs, pack(params(), { history_size = 0 }), "history_size 0")
  must("wick.optim.step_lr", optim.step_lr, pack(optim.sgd(params(), { lr = 0.1 }), { step_size = 0, gamma = 0.5 }),
      "step_size 0")
  must("wick.optim.step_lr", optim.step_lr, pack(optim.sgd(params(), { lr = 0.1 }), { step_size = 2, gamma = 0 / 0 }),
      "NaN gamma")
  must("wick.optim.cosine", optim.cosine, pack(optim.sgd(params(), { lr = 0.1 }), { t_max = 0 }), "t_max 0")
  must("wick.optim.cosine", optim.cosine, pack(optim.sgd(params(), { lr = 0.1 }), { t_max = 0 / 0 }), "NaN t_max")
  must("wick.optim.clip_grad_norm", optim.clip_grad_norm, pack(trained_params(), 0 / 0), "NaN max_norm")
  must("wick.optim.clip_grad_norm", optim.clip_grad_norm, pack(trained_params(), -1), "negative max_norm")
  for _, pv in ipairs({ -0.1, 1, 1.5, 0 / 0 }) do
    must("wick.nn.dropout", nn.dropout, pack(pv), "dropout p = " .. tostring(pv))
    must("wick.nn.F.dropout", F.dropout, pack(T.ones(4), pv, true), "dropout p = " .. tostring(pv))
  end
  must("wick.nn.F.kl_normal", F.kl_normal, pack(T.randn(4, 2), T.randn(4, 3)), "mu and logvar of two shapes")
  must("wick.nn.F.kl_normal", F.kl_normal, pack(T.randn(4, 2), T.full({ 4, 2 }, 0 / 0)), "NaN logvar")
  must("wick.nn.F.kl_normal", F.kl_normal, pack(T.randn(2, 2, 2), T.randn(2, 2, 2)), "a 3-D mu")
  must("wick.nn.lstm", nn.lstm, pack(4, 5, { layers = 1.5 }), "non-integer layers")
  must("wick.nn.lstm", nn.lstm, pack(4, 5, { layers = 0 }), "zero layers")
  must("wick.nn.lstm", nn.lstm, pack(4, 5, { layers = 2, dropout = 1.5 }), "dropout > 1")
  must("wick.nn.gru", nn.gru, pack(4, 5, { layers = 2, dropout = 0 / 0 }), "NaN dropout")
  must("wick.nn.linear", nn.linear, pack(4.5, 3), "non-integer in features")
  must("wick.nn.linear", nn.linear, pack(0, 3), "zero in features")
  must("wick.nn.linear", nn.linear, pack(4, -3), "negative out features")
  must("wick.nn.conv2d", nn.conv2d, pack(3, 8, 3, { groups = 0 }), "groups 0")
  must("wick.nn.conv2d", nn.conv2d, pack(3, 8, 3, { groups = 2 }), "groups not dividing in channels")
  must("wick.nn.conv2d", nn.conv2d, pack(3, 8, 0), "kernel 0")
  must("wick.nn.conv2d", nn.conv2d, pack(3, 8, 3, { stride = 0 }), "stride 0")
  must("wick.nn.conv2d", nn.conv2d, pack(3, 8, 3, { padding = -1 }), "negative padding")
  must("wick.nn.conv2d", nn.conv2d, pack(3, 8, 2.5), "non-integer kernel")
  must("wick.nn.maxpool2d", nn.maxpool2d, pack(0), "kernel 0")
  must("wick.nn.avgpool2d", nn.avgpool2d, pack(2, { stride = 0 }), "stride 0")
  must("wick.nn.batchnorm2d", nn.batchnorm2d, pack(3, { eps = 0 / 0 }), "NaN eps")
  must("wick.nn.batchnorm2d", nn.batchnorm2d, pack(3, { eps = -1 }), "negative eps")
  must("wick.nn.batchnorm1d", nn.batchnorm1d, pack(3, { momentum = 0 / 0 }), "NaN momentum")
  must("wick.nn.embedding", nn.embedding, pack(0, 4), "zero count")
  must("wick.nn.embedding", nn.embedding, pack(10.5, 4), "non-integer count")
  must("wick.nn.leaky_relu", nn.leaky_relu, pack(0 / 0), "NaN slope")
  must("wick.nn.softmax", nn.softmax, pack(1.5), "non-integer dim")
  must("wick.nn.upsample", nn.upsample, pack({ scale = 0 / 0 }), "NaN scale")
  must("wick.nn.upsample", nn.upsample, pack({ scale = -2 }), "negative scale")
  must("wick.data.batches", nil, pack(set, { batch = 0, progress = false }), "batch size 0", "batches", BATCHES)
  must("wick.data.batches", nil, pack(set, { batch = 4, epochs = 0 / 0, progress = false }), "NaN epochs", "batches",
      BATCHES)
  must("wick.data.batches", nil, pack(set, { batch = 4, epochs = 1.5, progress = false }), "non-integer epochs",
      "batches", BATCHES)
  must("wick.text.split", text.split, pack(vids, { valid = 0 / 0 }), "NaN valid fraction")
  must("wick.text.split", text.split, pack(vids, { valid = 1.5 }), "valid fraction > 1")
  must("wick.text.batches", text.batches, pack(vids, { batch = 0, seq = 4 }), "batch 0")
  must("wick.text.batches", text.batches, pack(vids, { batch = 2, seq = 1.5 }), "non-integer seq")
  must("wick.text.char_rnn", text.char_rnn, pack({ layers = 1.5 }), "non-integer layers", "char_rnn")
  must("wick.text.char_rnn", text.char_rnn, pack({ dropout = 0 / 0 }), "NaN dropout", "char_rnn")
  must("wick.text.char_rnn", text.char_rnn, pack({ hidden = 0 }), "hidden 0", "char_rnn")
  must("char_rnn:train", nil, pack(text.char_rnn { layers = 1, hidden = 8, embed = 4 }, "abcabcabcabcabcabcabc",
      { steps = 1, seq = 4, batch = 2, lr = 0 / 0, progress = false }), "NaN lr", "train")
  must("char_rnn:train", nil, pack(text.char_rnn { layers = 1, hidden = 8, embed = 4 }, "abcabcabcabcabcabcabc",
      { steps = 1.5, seq = 4, batch = 2, progress = false }), "non-integer steps", "train")
  must("char_rnn:sample", nil, pack(crnn(), { length = 5, temperature = 0 / 0 }), "NaN temperature", "sample")
  must("char_rnn:sample", nil, pack(crnn(), { length = 5, temperature = -1 }), "negative temperature", "sample")
  must("char_rnn:sample", nil, pack(crnn(), { length = -5 }), "negative length", "sample")
  must("char_rnn:sample", nil, pack(crnn(), { length = 5, top_p = 1.5 }), "top_p > 1", "sample")
  must("wick.embed.word2vec", embed.word2vec, pack(lines, { dim = 8, min_count = 1, threads = 1, epochs = 0 / 0,
      progress = false }), "NaN epochs")
  must("wick.embed.word2vec", embed.word2vec, pack(lines, { dim = 8, min_count = 1, threads = 1, lr = -1,
      progress = false }), "negative lr")
  must("wick.embed.word2vec", embed.word2vec, pack(lines, { dim = 8, min_count = 1, threads = 1, sample = 0 / 0,
      progress = false }), "NaN sample")
  must("wick.embed.word2vec", embed.word2vec, pack(lines, { dim = 8.5, min_count = 1, threads = 1,
      progress = false }), "non-integer dim")
  must("wick.embed.word2vec", embed.word2vec, pack(lines, { dim = 8, min_count = 1, threads = 0, progress = false }),
      "threads 0")
  must("wick.embed.lda", embed.lda, pack({}, { topics = 2, progress = false }), "no documents")
  must("wick.embed.lda", embed.lda, pack({ {}, {} }, { topics = 2, progress = false }), "empty documents")
  must("wick.embed.lda", embed.lda, pack(lda_docs, { topics = 0, progress = false }), "topics 0")
  must("wick.embed.lda", embed.lda, pack(lda_docs, { topics = 2, alpha = 0 / 0, progress = false }), "NaN alpha")
  must("wick.embed.lda", embed.lda, pack({ { "a", 3 } }, { topics = 2, progress = false }), "a non-string token")
  must("wick.text.tokenize", text.tokenize, pack("a b", { stop_words = "yes" }), "stop_words a string")
  must("wick.embed.tsne", nil, pack(T.randn(30, 4), { perplexity = 0 / 0, steps = 5, progress = false }),
      "NaN perplexity", "tsne")
  must("wick.embed.tsne", nil, pack(T.randn(30, 4), { perplexity = 5, theta = -1, method = "bh", steps = 5,
      progress = false }), "negative theta", "tsne")
  must("wick.embed.tsne", nil, pack(T.randn(30, 4), { perplexity = 5, lr = 0 / 0, steps = 5,
      progress = false }), "NaN lr", "tsne")
  must("wick.embed.tsne", nil, pack(T.randn(30, 4), { perplexity = 5, steps = 1.5, progress = false }),
      "non-integer steps", "tsne")
  must("wick.embed.pca", embed.pca, pack(T.randn(10, 4), 1.5), "non-integer k")
  must("wick.embed.pca", embed.pca, pack(T.randn(10, 4), 0), "k 0")
  must("wick.image.resize", image.resize, pack(img(), 0, 4), "height 0")
  must("wick.image.resize", image.resize, pack(img(), 4.5, 4), "non-integer height")
  must("wick.image.save", image.save, pack(img(), tmp .. "/q.jpg", { quality = 0 / 0 }), "NaN quality", "save")
  must("wick.image.save", image.save, pack(img(), tmp .. "/q.png", { bits = 7 }), "7 bits", "save")
  must("wick.image.grid", image.grid, pack({ img(), img() }, { cols = 0 }), "cols 0", "grid")
  must("wick.image.flow", image.flow, pack(img(), T.rand(3, 8, 9)), "frames of two sizes", "flow")
  must("wick.image.flow", image.flow, pack(T.rand(4, 8, 8), T.rand(4, 8, 8)), "RGBA frames", "flow")
  must("wick.image.flow", image.flow, pack(img(), img(), { window = 4 }), "even window", "flow")
  must("wick.image.flow", image.flow, pack(img(), img(), { scale = 1 }), "scale 1", "flow")
  must("wick.image.flow", image.flow, pack(img(), img(), { filter = "median" }), "unknown filter", "flow")
  must("wick.image.flow", image.flow, pack(img(), img(), { init = T.zeros(2, 4, 4) }), "init of another size", "flow")
  must("wick.image.warp", image.warp, pack(img(), T.zeros(2, 8, 9)), "flow of another size", "warp")
  must("wick.image.flow_mask", image.flow_mask, pack(T.zeros(2, 8, 8), T.zeros(2, 4, 8)), "flows of two sizes",
    "flow_mask")
  local nan_sig = T.randn(300); nan_sig[7] = 0 / 0
  must("wick.audio.stft", audio.stft, pack(nan_sig, { n_fft = 64 }), "NaN sample", "stft")
  must("wick.audio.stft", audio.stft, pack(T.randn(100), { n_fft = 63 }), "odd n_fft", "stft")
  must("wick.audio.stft", audio.stft, pack(T.randn(100), { center = false }), "signal shorter than n_fft", "stft")
  must("wick.audio.stft", audio.stft, pack(T.randn(100), { pad_mode = "reflect" }), "too short to reflect", "stft")
  must("wick.audio.stft", audio.stft, pack(T.randn(2, 2, 100)), "3-D signal", "stft")
  must("wick.audio.istft", audio.istft, pack(T.randn(33, 5)), "magnitudes, not complex", "istft")
  must("wick.audio.istft", audio.istft, pack(T.randn(33, 5, 2), { n_fft = 128 }), "n_fft that does not fit", "istft")
  must("wick.audio.griffin_lim", audio.griffin_lim, pack(T.rand(33, 5), { iters = -1 }), "negative iters",
    "griffin_lim")
  must("wick.audio.griffin_lim", audio.griffin_lim, pack(T.rand(33, 5), { momentum = 1 }), "momentum 1",
    "griffin_lim")
  must("wick.audio.griffin_lim", audio.griffin_lim, pack(T.rand(33, 5) - 1), "negative magnitudes", "griffin_lim")
  must("wick.audio.mel", audio.mel, pack(T.randn(3000), 0), "rate 0", "mel")
  must("wick.audio.mel", audio.mel, pack(T.randn(3000), 0 / 0), "NaN rate", "mel")
  must("wick.audio.mel", audio.mel, pack(T.randn(3000), 8000, { fmax = 6000 }), "fmax above Nyquist", "mel")
  must("wick.audio.mel", audio.mel, pack(nan_sig, 8000, { n_fft = 64 }), "NaN sample", "mel")
  must("wick.audio.mel_filters", audio.mel_filters, pack(-1), "negative rate", "mel_filters")
  must("wick.audio.mel_filters", audio.mel_filters, pack(8000, { n_mels = 0 }), "no bands", "mel_filters")
  must("wick.audio.cqt", audio.cqt, pack(T.randn(3000), 8000), "84 bins above Nyquist at 8 kHz", "cqt")
  must("wick.audio.cqt", audio.cqt, pack(T.randn(3000), -22050), "negative rate", "cqt")
  must("wick.audio.cqt", audio.cqt, pack(T.randn(3000), 22050, { fmin = 0.001 }), "window too long", "cqt")
  must("wick.audio.cqt", audio.cqt, pack(T.randn(3000), 22050, { hop = 0 }), "hop 0", "cqt")
  must("wick.audio.cqt", audio.cqt, pack(nan_sig, 22050), "NaN sample", "cqt")
  must("wick.audio.cqt_frequencies", audio.cqt_frequencies, pack({ n_bins = 0 }), "no bins", "cqt_frequencies")
  must("wick.video.writer", wick.video.writer, pack(tmp .. "/z.mp4", { fps = 0 / 0 }), "NaN fps", "writer")
  must("wick.video.writer", wick.video.writer, pack(tmp .. "/z.mp4", { codec = "nosuchcodec" }), "unknown codec",
      "writer")
  must("wick.video.save", wick.video.save, pack({ img(), T.rand(3, 6, 8) }, tmp .. "/z.gif"), "mismatched frames",
      "save")
  must("wick.audio.save", wick.audio.save, pack(tmp .. "/n.wav", T { { 0, 0 / 0 } }, 8000), "NaN sample", "save")
  must("wick.audio.save", wick.audio.save, pack(tmp .. "/n.wav", T { { 0, 0.5 } }, 0), "rate 0", "save")
  must("wick.audio.save", wick.audio.save, pack(tmp .. "/a.wav", T { { 0, 0.5 } }, 8000), "an existing file", "save")
  must("wick.audio.load", wick.audio.load, pack(tmp .. "/a.png"), "a PNG as a sound", "load")
  must("wick.audio.resample", wick.audio.resample, pack(T { { 0, 0.5 } }, 8000, 0), "rate 0", "resample")
  must("wick.audio.resample", wick.audio.resample, pack(T { { 0, 0 / 0 } }, 8000, 16000), "NaN sample", "resample")
  must("wick.audio.mono", wick.audio.mono, pack(T.zeros(2, 0)), "no frames", "mono")
  must("wick.audio.trim", wick.audio.trim, pack(T { { 0, 0 / 0 } }), "NaN sample", "trim")
  must("wick.audio.normalize", wick.audio.normalize, pack(T { { 0, 0 / 0 } }), "NaN sample", "normalize")
  must("wick.audio.mulaw_encode", wick.audio.mulaw_encode, pack(T { 0 / 0 }), "NaN sample", "mulaw_encode")
  must("wick.audio.mulaw_decode", wick.audio.mulaw_decode, pack(T { 256 }), "code out of range", "mulaw_decode")
  must("wick.audio.samples", wick.audio.samples, pack("lmms"), "unknown package", "samples")
  must("wick.audio.info", wick.audio.info, pack(tmp .. "/none.wav"), "a missing file", "info")
  must("wick.plot.scatter", plot.scatter, pack(T.rand(5, 2), { size = 0 }), "size 0", "scatter")
  must("wick.plot.scatter", plot.scatter, pack(T.rand(5, 2), { size = 32, radius = 0 / 0 }), "NaN radius", "scatter")
  must("wick.plot.heatmap", plot.heatmap, pack(T.rand(2, 3), { cell = 0 }), "cell 0", "heatmap")
  must("wick.page", wick.page, pack(tmp .. "/page-shape", T.rand(4, 3)), "points not N×2")
  must("wick.page", wick.page, pack(tmp .. "/page-len", T.rand(3, 2), { label = { "a", "b" } }), "2 labels, 3 points")
  must("wick.page", wick.page, pack(tmp .. "/page-len", T.rand(3, 2), { image = T.rand(4, 3, 2, 2) }),
    "4 images, 3 points")
  local not_folder = tmp .. "/page-file"
  io.open(not_folder, "w"):close()
  must("wick.page", wick.page, pack(not_folder, T.rand(3, 2)), "a file, not a folder")
  wick.fs.mkdir(tmp .. "/page-user")
  io.open(tmp .. "/page-user/mine.txt", "w"):close()
  must("wick.page", wick.page, pack(tmp .. "/page-user", T.rand(3, 2)), "a folder of the user's files")
  must("wick.tensor.linspace", T.linspace, pack(0, 1, 0 / 0), "NaN count", "linspace")
  must("wick.tensor.arange", T.arange, pack(1, 5, 0), "step 0", "arange")
  must("wick.tensor.arange", T.arange, pack(1, 0 / 0), "NaN end", "arange")
  must("wick.tensor.zeros", T.zeros, pack(2.5), "non-integer size", "zeros")
  must("wick.tensor.zeros", T.zeros, pack(-1), "negative size", "zeros")
  must("wick.tensor.eye", T.eye, pack(-2), "negative size", "eye")
  must("tensor:topk", nil, pack(T.randn(5), 1.5), "non-integer k", "topk")
  must("tensor:narrow", nil, pack(T.randn(5), 1, 1, 2.5), "non-integer length", "narrow")
  must("tensor:std", nil, pack(T.randn(5), 1, false, 7), "unbiased not a boolean", "std")
  must("wick.autograd.gradcheck", ag.gradcheck, pack(function(x) return x:sum() end, { T.randn(3):requires_grad() },
      { eps = 0 / 0 }), "NaN eps", "gradcheck")
  must("wick.seed", wick.seed, pack(0 / 0), "NaN seed", "seed")
  must("wick.seed", wick.seed, pack(1.5), "non-integer seed", "seed")
  must("wick.log", wick.log, pack({ loss = "low" }), "a metric that is not a number", "log")
  must("wick.log", wick.log, pack({ loss = 1, step = -1 }), "negative step", "log")
  must("wick.runs", wick.runs, pack({ status = "fine" }), "unknown status", "runs")
  must("wick.run", wick.run, pack(0), "run id 0", "run")
  must("wick.threads", wick.threads, pack(0 / 0), "NaN threads", "threads")
  must("wick.threads", wick.threads, pack(1.5), "non-integer threads", "threads")
  must("markov:generate", nil, pack(mk(), { length = 0 / 0 }), "NaN length", "generate")
  must("wick.text.markov", text.markov, pack({ order = 0 }), "order 0", "markov")
  must("wick.text.markov", text.markov, pack({ order = 1.5 }), "non-integer order", "markov")
  must("wick.svg.render", svg.render, pack(svgtext, { size = 0 / 0 }), "NaN size", "render")
  must("board:perft", nil, pack(chess.new(), -1), "negative depth", "perft")

  return { list = list, bad = bad, reject = reject }
end
