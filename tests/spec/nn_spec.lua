-- nn_spec.lua — wick.nn: every layer and functional op gradchecked (inputs and weights,
-- including non-contiguous inputs), the module system (names, train/eval, upto,
-- activations, plain-Lua modules, state), PyTorch-style initialisation, and the errors
-- that name the layer and the shapes.
local wick = require "wick"
local helpers = require "spec_helpers"
local T, nn, A = wick.tensor, wick.nn, wick.autograd
local F = nn.F

local function leaf(...) return T.randn(...):requires_grad() end

local function check(fn, inputs)
  local ok, worst, msg = A.gradcheck(fn, inputs)
  assert.is_true(ok, ("gradcheck failed, worst relative error %.3g at %s"):format(worst, msg))
end

local err_of = helpers.err_of

describe("bce_with_logits values", function()
  it("match a float64 evaluation of the definition over logits from -30 to 30", function()
    wick.seed(12)
    local x, t = (T.rand(20000) * 60 - 30), T.rand(20000)
    local xs, ts, want = x:table(), t:table(), 0
    for i = 1, #xs do
      local v = xs[i]
      want = want + math.max(v, 0) - v * ts[i] + math.log(1 + math.exp(-math.abs(v)))
    end
    want = want / #xs
    assert.is_true(math.abs(nn.bce_with_logits(x, t):item() - want) <= 1e-6 * want)
    local small = T { -1e-3, 0, 1e-3 }   -- near 0 every term is about log 2
    assert.is_true(math.abs(nn.bce_with_logits(small, T { 0.5, 0.5, 0.5 }):item() - math.log(2)) < 1e-6)
  end)
end)

describe("nn gradients", function()
  before_each(function() wick.seed(21) end)

  it("linear and embedding", function()
    local lin = nn.linear(4, 3)
    check(function(x, w, b) return F.linear(x, w, b) end, { leaf(2, 5, 4), lin.weight, lin.bias })
    check(function(w) return F.embedding(T { { 1, 3 }, { 3, 2 } }, w) end, { leaf(4, 3) })
    check(function(x, w) return F.linear(x, w) end, { leaf(4), leaf(3, 4) })
  end)

  it("linear's fused kernel gives matmul + add's values and gradients (1-D, 2-D, 3-D, a transposed input)", function()
    local w, b = T.randn(3, 4), T.randn(3)
    for _, x in ipairs { T.randn(4), T.randn(5, 4), T.randn(2, 5, 4), T.randn(4, 5):transpose() } do
      local xa, wa, ba = x:clone():requires_grad(), w:clone():requires_grad(), b:clone():requires_grad()
      local xb, wb, bb = x:clone():requires_grad(), w:clone():requires_grad(), b:clone():requires_grad()
      local ya, yb = F.linear(xa, wa, ba), xb:matmul(wb:transpose()) + bb
      assert.are.same(yb:shape(), ya:shape())
      assert.is_true((ya - yb):abs():max():item() < 1e-5)
      local r = T.randn(ya:shape())
      ;(ya * r):sum():backward()
      ;(yb * r):sum():backward()
      for _, pair in ipairs { { xa, xb }, { wa, wb }, { ba, bb } } do
        assert.are.same(pair[2].grad:shape(), pair[1].grad:shape())
        assert.is_true((pair[1].grad - pair[2].grad):abs():max():item() < 1e-4)
      end
    end
  end)

  it("conv2d with stride, padding, dilation, groups, and conv_transpose2d", function()
    check(function(x, w, b) return F.conv2d(x, w, b, { stride = 2, padding = 1 }) end,
      { leaf(2, 2, 5, 5), leaf(3, 2, 3, 3), leaf(3) })
    check(function(x, w) return F.conv2d(x, w, nil, { groups = 2, dilation = 2, padding = { 2, 1 } }) end,
      { leaf(1, 4, 6, 5), leaf(4, 2, 3, 2) })
    check(function(x) return F.conv2d(x:transpose(3, 4), T.ones(1, 1, 2, 2)) end, { leaf(1, 1, 4, 3) })
    check(function(x, w, b) return F.conv_transpose2d(x, w, b, { stride = 2, padding = 1, output_padding = 1 }) end,
      { leaf(1, 2, 3, 3), leaf(2, 3, 3, 3), leaf(3) })
  end)

  it("pooling and upsampling", function()
    check(function(x) return F.maxpool2d(x, 2) end, { leaf(2, 3, 6, 6) })
    check(function(x) return F.maxpool2d(x, 3, { stride = 2, padding = 1 }) end, { leaf(1, 2, 7, 7) })
    check(function(x) return F.avgpool2d(x, 3, { stride = 2, padding = 1 }) end, { leaf(2, 3, 7, 7) })
    check(function(x) return F.adaptive_avgpool2d(x, { 2, 3 }) end, { leaf(1, 2, 5, 7) })
    check(function(x) return F.upsample(x, { scale = 2, mode = "bilinear" }) end, { leaf(1, 2, 3, 4) })
    check(function(x) return F.upsample(x, { size = { 5, 7 } }) end, { leaf(1, 2, 3, 4) })
  end)

  it("batchnorm in training and evaluation", function()
    check(function(x, g, b) return F.batchnorm(x, g, b, T.zeros(3), T.ones(3), true, 0.1, 1e-5) end,
      { leaf(4, 3, 2, 2), leaf(3), leaf(3) })
    local mean, var = T.rand(3), T.rand(3) + 0.5
    check(function(x, g, b) return F.batchnorm(x, g, b, mean, var, false, 0.1, 1e-5) end,
      { leaf(4, 3), leaf(3), leaf(3) })
  end)

  it("activations, softmax family and losses", function()
    for _, name in ipairs { "gelu", "elu", "leaky_relu", "softmax", "log_softmax" } do
      check(function(x) return F[name](x) end, { leaf(3, 4) })
    end
    check(function(x) return nn.cross_entropy(x, T { 1, 3, 2 }) end, { leaf(3, 4) })
    check(function(x) return nn.nll(F.log_softmax(x), { 2, 2, 4 }) end, { leaf(3, 4) })
    check(function(x) return nn.mse(x, T.zeros(3, 2)) end, { leaf(3, 2) })
    check(function(x) return nn.l1(x, T.ones(4)) end, { T { 0.2, 0.5, 2, 3 }:requires_grad() })
    check(function(p) return nn.bce(p, T { 0, 1, 0.5 }) end, { (T.rand(3) * 0.8 + 0.1):requires_grad() })
    check(function(x) return nn.bce_with_logits(x, T { 0, 1, 0.5 }) end, { leaf(3) })
  end)

  it("lstm and gru: inputs, initial states and weights", function()
    local lstm = nn.lstm(3, 4, { layers = 2 })
    check(function(x, h, c)
      local y, s = lstm(x, { h = h, c = c })
      return y:sum() + s.h:sum() * 2 + s.c:sum()
    end, { leaf(2, 5, 3), leaf(2, 2, 4), leaf(2, 2, 4) })
    check(function(w) lstm.weight_hh_l1 = w; return (lstm(T.ones(2, 3, 3) * 0.5)) end, { lstm.weight_hh_l1 })
    local gru = nn.gru(3, 4, { layers = 2 })
    check(function(x, h)
      local y, s = gru(x, { h = h })
      return y:sum() + s.h:sum() * 2
    end, { leaf(2, 5, 3), leaf(2, 2, 4) })
  end)
end)

describe("nn modules", function()
  before_each(function() wick.seed(22) end)

  it("names parameters stably and counts them", function()
    local net = nn.sequential { nn.conv2d(1, 4, 3), nn.relu(), nn.flatten(), nn.linear(4, 2) }
    local names = {}
    for i, p in ipairs(net:named_parameters()) do names[i] = p[1] end
    assert.same({ "1.weight", "1.bias", "4.weight", "4.bias" }, names)
    assert.equal(4 * 9 + 4 + 8 + 2, net:num_parameters())
    local lstm = nn.lstm(2, 3)
    assert.equal("weight_ih_l0", lstm:named_parameters()[1][1])
  end)

  it("initialises like PyTorch: uniform within 1/sqrt(fan_in)", function()
    local lin = nn.linear(100, 50)
    local bound = 1 / math.sqrt(100)
    assert.is_true(lin.weight:abs():max():item() <= bound)
    assert.is_true(lin.weight:abs():max():item() > 0.9 * bound)
    assert.is_true(math.abs(lin.weight:mean():item()) < 0.01)
    local conv = nn.conv2d(8, 4, 3)
    assert.is_true(conv.weight:abs():max():item() <= 1 / math.sqrt(72))
  end)

  it("reads intermediate activations with upto and activations", function()
    local net = nn.sequential { nn.linear(3, 4), nn.relu(), nn.linear(4, 2) }
    local x = T.randn(5, 3)
    local h = net:upto(x, 2)
    assert.same({ 5, 4 }, h:shape())
    assert.is_true(h:min():item() >= 0)
    local acts = net:activations(x)
    assert.equal(3, #acts)
    assert.same(net(x):table(), acts[3]:table())
    assert.same(h:table(), net:activations(x, { [2] = true })[2]:table())
  end)

  it("runs batchnorm + relu / leaky_relu as one pass with the layers' own values and gradients", function()
    wick.seed(21)
    local function make()
      wick.seed(22)
      return nn.sequential { nn.conv2d(2, 6, 3, { padding = 1 }), nn.batchnorm2d(6), nn.leaky_relu(0.2),
        nn.flatten(), nn.linear(6 * 5 * 5, 8), nn.batchnorm1d(8), nn.relu(), nn.linear(8, 1) }
    end
    local fused, plain = make(), make()
    -- plain: the same layers called one by one (nn.sequential fuses only inside its own loop)
    local function by_hand(x)
      for i = 1, plain.n do x = plain[i](x) end
      return x
    end
    for _, mode in ipairs({ "train", "eval" }) do
      fused[mode](fused)
      plain[mode](plain)
      local x1 = T.randn(4, 2, 5, 5)
      local x2 = x1:clone():requires_grad()
      x1:requires_grad()
      local y1, y2 = fused(x1), by_hand(x2)
      assert.is_true((y1 - y2):abs():max():item() < 1e-5)
      y1:sum():backward()
      y2:sum():backward()
      assert.is_true((x1.grad - x2.grad):abs():max():item() < 1e-5, mode)
      local p1, p2 = fused:named_parameters(), plain:named_parameters()
      for k, pair in ipairs(p1) do
        local a, b = pair[2], p2[k][2]
        assert.equal(pair[1], p2[k][1])
        assert.is_true((a.grad - b.grad):abs():max():item() < 1e-5, pair[1])
        a.grad, b.grad = nil, nil
      end
      assert.is_true((fused[2].running_mean - plain[2].running_mean):abs():max():item() < 1e-6)
    end
    -- upto a batchnorm stops before its activation: negative values remain
    fused:train()
    assert.is_true(fused:upto(T.randn(4, 2, 5, 5), 2):min():item() < 0)
  end)

  it("switches dropout and batchnorm between train and eval", function()
    local net = nn.sequential { nn.dropout(0.5), nn.batchnorm1d(4) }
    local x = T.ones(8, 4)
    net:eval()
    assert.is_true((net(x) - x):abs():max():item() < 1e-4)   -- running stats 0/1, no dropout
    net:train()
    local y = net[1](x)
    local zeros = y:eq(0):sum():item()
    assert.is_true(zeros > 4 and zeros < 28)
    assert.same({ 2 }, y:max():mul(1):reshape(1):table())   -- kept values scaled by 1/(1−p)
  end)

  it("composes plain Lua modules with the built-ins", function()
    local Residual = nn.module("residual")
    function Residual:init(n) self.inner = nn.linear(n, n) end
    function Residual:forward(x) return self.inner(x):relu() + x end
    local net = nn.sequential { Residual(3), nn.linear(3, 1) }
    local names = {}
    for i, p in ipairs(net:named_parameters()) do names[i] = p[1] end
    assert.same({ "1.inner.weight", "1.inner.bias", "2.weight", "2.bias" }, names)
    local x = T.randn(4, 3)
    local loss = (net(x) ^ 2):mean()
    loss:backward()
    assert.is_not_nil(net[1].inner.weight.grad)
    net:zero_grad()
    assert.equal(0, net[1].inner.weight.grad:abs():sum():item())
  end)

  it("names the layer and the shapes when input does not fit", function()
    local net = nn.sequential { nn.conv2d(1, 32, 3), nn.relu(), nn.maxpool2d(2), nn.conv2d(32, 64, 3), nn.relu(),
      nn.maxpool2d(2), nn.flatten(), nn.linear(1600, 128), nn.relu(), nn.linear(128, 10) }
    -- not a tail call, so the error carries this line
    local e = err_of(function() local y = net(T.zeros(2, 1, 24, 24)); return y end)
    assert.matches("nn_spec.lua:%d+: layer 8 %(linear 1600→128%): input has 1024 features", e)
    e = err_of(function() return net(T.zeros(1, 28, 28)) end)
    assert.matches("layer 1 %(conv2d 1→32 3x3%): conv2d: input must be 4%-D %(N,C,H,W%), got 3%-D %[1,28,28%]", e)
    e = err_of(function() return net(T.zeros(2, 3, 28, 28)) end)
    assert.matches("layer 1 %(conv2d 1→32 3x3%): .*3 channels", e)
  end)

  it("rejects wrong option names and bad sizes", function()
    assert.matches("conv2d: unknown option 'paddin'", err_of(function() return nn.conv2d(1, 2, 3, { paddin = 1 }) end))
    assert.matches("lstm: unknown option 'layer'", err_of(function() return nn.lstm(1, 2, { layer = 2 }) end))
    assert.matches("linear: outputs must be an integer from 1 to %d+, got 0",
      err_of(function() return nn.linear(3, 0) end))
    assert.matches("sequential: entry 2 is a number", err_of(function() return nn.sequential { nn.relu(), 3 } end))
    local lstm = nn.lstm(3, 4)
    assert.matches("lstm 3→4×1: input has 2 features, expected 3", err_of(function() return lstm(T.zeros(1, 2, 2)) end))
    assert.matches("state.h must be %[1,1,4%]",
      err_of(function() return lstm(T.zeros(1, 2, 3), { h = T.zeros(4) }) end))
  end)

  it("a training step takes no tensor memory from the system in steady state", function()
    -- In a fresh process: how soon the collector returns a step's tensors to the block
    -- cache depends on the size of the Lua heap, and earlier specs (robust_spec's cases)
    -- leave a large one, which made this fail in make test's full run and never alone.
    local dir = helpers.tmpdir()
    local script = helpers.write_file(dir .. "/step.lua", [[
      local wick = require "wick"
      local nn, T = wick.nn, wick.tensor
      local net = nn.sequential { nn.conv2d(1, 8, 3), nn.relu(), nn.maxpool2d(2), nn.flatten(),
        nn.linear(8 * 13 * 13, 10) }
      local opt = wick.optim.adam(net:parameters(), { lr = 1e-3 })
      local x, y = T.rand(16, 1, 28, 28), (T.arange(16) - 1):div(1.6):floor():add(1)
      local function step()
        local loss = nn.cross_entropy(net(x), y)
        opt:zero_grad()
        loss:backward()
        opt:step()
      end
      for _ = 1, 10 do step() end
      local before = wick.memory().system_allocations
      for _ = 1, 30 do step() end
      print("new blocks " .. (wick.memory().system_allocations - before))
    ]])
    local out, rc = helpers.run(helpers.quote(helpers.WICK) .. " " .. helpers.quote(script))
    helpers.remove_tree(dir)
    assert.equal(0, rc, out)
    assert.equal("new blocks 0\n", out)
  end)

  it("lstm sampling without a graph gives the same numbers as training mode", function()
    local lstm = nn.lstm(3, 5)
    local x = T.randn(2, 4, 3)
    local y1 = lstm(x)
    local y2 = wick.no_grad(function() return (lstm(x)) end)
    assert.is_true((y1 - y2):abs():max():item() < 1e-6)
    assert.is_true(y1:tracks_grad())
    assert.is_false(y2:tracks_grad())
  end)
end)

-- Issue 10: every value a sketch passes is checked where it enters wick, with a message
-- that names the public function at the sketch's own line; a failing call leaks nothing.
describe("nn refuses bad values at the public entry", function()
  local here = "nn_spec%.lua:%d+: "

  -- fn must raise at this file's line (no tail call in fn, so the frame is there)
  local function refuses(pattern, fn)
    local err = err_of(fn)
    assert.matches(here .. pattern, err)
    assert.is_nil(err:find("[wick ", 1, true), "the position points into wick's sugar: " .. err)
  end

  it("conv and pooling sizes, strides, paddings, dilations and groups", function()
    refuses("conv2d: groups must be an integer from 1 to %d+, got 0", function()
      local _ = nn.conv2d(3, 8, 3, { groups = 0 })
    end)
    refuses("conv_transpose2d: groups must be an integer", function()
      local _ = nn.conv_transpose2d(4, 8, 3, { groups = 0 })
    end)
    refuses("conv_transpose2d: groups 3 must divide", function()
      local _ = nn.conv_transpose2d(4, 8, 3, { groups = 3 })
    end)
    refuses("conv2d: kernel must be an integer from 1", function() local _ = nn.conv2d(3, 8, 0) end)
    refuses("conv2d: kernel must be an integer from 1 .*got %-3", function() local _ = nn.conv2d(3, 8, { 3, -3 }) end)
    refuses("conv2d: stride must be an integer from 1 .*got 1.5", function()
      local _ = nn.conv2d(3, 8, 3, { stride = 1.5 })
    end)
    refuses("conv2d: stride must be an integer from 1 .*got 0", function()
      local _ = nn.conv2d(3, 8, 3, { stride = 0 })
    end)
    refuses("conv2d: padding must be an integer from 0 .*got %-1", function()
      local _ = nn.conv2d(3, 8, 3, { padding = -1 })
    end)
    refuses("conv2d: dilation must be an integer from 1 .*got nan", function()
      local _ = nn.conv2d(3, 8, 3, { dilation = 0 / 0 })
    end)
    refuses("conv2d: stride must be a number or a pair {h, w}, got 'x'", function()
      local _ = nn.conv2d(3, 8, 3, { stride = "x" })
    end)
    refuses("conv2d: in_channels must be an integer from 1", function() local _ = nn.conv2d(0, 8, 3) end)
    refuses("conv2d: groups must be an integer", function()
      local _ = F.conv2d(T.zeros(1, 1, 4, 4), T.zeros(1, 1, 3, 3), nil, { groups = 0 })
    end)
    refuses("conv2d: weight must be a tensor, got nil", function() local _ = F.conv2d(T.zeros(1, 1, 4, 4), nil) end)
    refuses("maxpool2d: kernel must be an integer from 1", function() local _ = nn.maxpool2d(0) end)
    refuses("avgpool2d: stride must be an integer from 1", function() local _ = nn.avgpool2d(2, { stride = -2 }) end)
    refuses("adaptive_avgpool2d: output size must be an integer", function() local _ = nn.adaptive_avgpool2d(0.5) end)
    refuses("upsample: scale must be a finite number > 0, got nan", function()
      local _ = nn.upsample { scale = 0 / 0 }
    end)
    refuses("upsample: mode must be one of", function() local _ = nn.upsample { mode = "cubic" } end)
    -- the C kernels bound huge options before their int64 arithmetic
    local big = { stride = 2 ^ 31 - 1, dilation = 2 ^ 31 - 1 }
    refuses("conv_transpose2d: .*too large for BLAS", function()
      local _ = F.conv_transpose2d(T.zeros(1, 1, 4, 4), T.zeros(1, 1, 3, 3), nil, big)
    end)
    refuses("conv_transpose2d: .*absurd output size", function()
      local _ = F.conv_transpose2d(T.zeros(1, 1, 4, 4), T.zeros(1, 1, 1, 600), nil, big)
    end)
    refuses("conv2d: .*absurd output size", function()
      local _ = F.conv2d(T.zeros(1, 1, 4, 4), T.zeros(1, 1, 1, 600), nil, { dilation = 2 ^ 31 - 1 })
    end)
    -- private functions called with a wrong option name it too (was "bad argument #-1 to '_conv2d'")
    refuses("conv2d: groups must be an integer .*got 'x'", function()
      local opts = { 1, 1, 0, 0, 1, 1, "x", 0, 0 }
      local _ = nn._conv2d(T.zeros(1, 1, 4, 4), T.zeros(1, 1, 3, 3), nil, nn._workspace(), opts)
    end)
  end)

  it("normalisation, dropout, recurrent layers and module sizes", function()
    refuses("batchnorm2d: eps must be a finite number > 0, got %-1", function()
      local _ = nn.batchnorm2d(3, { eps = -1 })
    end)
    refuses("batchnorm1d: momentum must be a number from 0 to 1, got nan", function()
      local _ = nn.batchnorm1d(3, { momentum = 0 / 0 })
    end)
    refuses("batchnorm: eps must be a finite number > 0", function()
      local _ = F.batchnorm(T.zeros(2, 3), nil, nil, T.zeros(3), T.ones(3), true, 0.1, 0)
    end)
    for _, p in ipairs { 0 / 0, -1, 1.5, 1 } do
      refuses("lstm: dropout must be a number from 0 up to", function() local _ = nn.lstm(3, 4, { dropout = p }) end)
      refuses("dropout: p must be a number from 0 up to", function() local _ = nn.dropout(p) end)
      refuses("dropout: p must be a number from 0 up to", function() local _ = F.dropout(T.zeros(2), p, false) end)
    end
    refuses("gru: layers must be an integer from 1 to 1024, got 1.5", function()
      local _ = nn.gru(3, 4, { layers = 1.5 })
    end)
    refuses("lstm: hidden must be an integer from 1", function() local _ = nn.lstm(3, 0) end)
    refuses("linear: inputs must be an integer from 1 to %d+, got", function() local _ = nn.linear(2 ^ 40, 2) end)
    refuses("embedding: dim must be an integer from 1", function() local _ = nn.embedding(10, 0 / 0) end)
    refuses("leaky_relu: slope must be a finite number", function() local _ = nn.leaky_relu("x") end)
    refuses("leaky_relu: parameter must be a finite number", function() local _ = F.leaky_relu(T.zeros(2), 0 / 0) end)
    refuses("mse: input must be a tensor, got nil", function() local _ = nn.mse(nil, T.zeros(2)) end)
  end)

  it("activation layers, linear, embedding, upto, activations, param and buffer", function()
    for _, kind in ipairs { "relu", "tanh", "sigmoid" } do
      local layer = nn[kind]()
      refuses(kind .. ": input must be a tensor, got nil", function() local _ = layer(nil) end)
    end
    local freed = T.ones(2, 4)
    freed:free()
    local lin = nn.linear(4, 3)
    refuses("linear 4→3: attempt to use a freed tensor %(input%)", function() local _ = lin(freed) end)
    refuses("linear: input has 2 features, weight has 4", function()
      local _ = F.linear(T.randn(2, 2), T.randn(3, 4), T.randn(3))
    end)
    refuses("linear: bias must have shape %[3%], got %[4%]", function()
      local _ = F.linear(T.randn(2, 4), T.randn(3, 4), T.randn(4))
    end)
    refuses("embedding: id 3 is out of range 1..2", function() local _ = F.embedding(T { 1, 3 }, T.randn(2, 4)) end)
    refuses("embedding: id 0 is out of range 1..2", function() local _ = F.embedding(T { 0, 1 }, T.randn(2, 4)) end)
    local net = nn.sequential { nn.linear(4, 8), nn.relu(), nn.linear(8, 3) }
    local x = T.randn(2, 4)
    for _, k in ipairs { "x", {}, true, math.huge, 1.5, T.ones(1) } do
      refuses("upto: k must be an integer from 1 to 3 %(or %-3 to %-1 from the end%)", function()
        local _ = net:upto(x, k)
      end)
    end
    refuses("upto: layer 4 is out of range", function() local _ = net:upto(x, 4) end)
    assert.same({ 2, 8 }, net:upto(x, -2):shape())
    for _, w in ipairs { "x", 2, true, T.ones(1), { 5 }, { [0] = true }, { "a" } } do
      refuses("activations: wanted must be a list of layer numbers from 1 to 3", function()
        local _ = net:activations(x, w)
      end)
    end
    local by_list, by_set = net:activations(x, { 2 }), net:activations(x, { [2] = true, [3] = false })
    assert.same(by_set[2]:table(), by_list[2]:table())
    assert.is_nil(by_list[1])
    assert.is_nil(by_set[3])
    local Mine = nn.module("mine")
    function Mine:init(name, t) self:param(name, t) end
    local unnamed = "param: name must be a string not starting with '_', got "
    refuses(unnamed .. "nil", function() local _ = Mine(nil, T.ones(2)) end)
    refuses(unnamed .. "nan", function() local _ = Mine(0 / 0, T.ones(2)) end)
    refuses("param: t must be a tensor, got 5", function() local _ = Mine("w", 5) end)
    local m = Mine("w", T.ones(2))
    refuses("buffer: name must be a string not starting with '_', got nil", function() m:buffer(nil, T.ones(2)) end)
    refuses("buffer: t must be a tensor, got 'x'", function() m:buffer("b", "x") end)
  end)

  it("F.rnn_layer makes its own workspace and reports errors as rnn_layer's", function()
    local w_ih, w_hh = T.randn(15, 4):requires_grad(), T.randn(15, 5)
    local y = F.rnn_layer("gru", T.randn(2, 3, 4), T.zeros(2, 5), nil, w_ih, w_hh, T.randn(15), T.randn(15))
    assert.same({ 2, 3, 5 }, y:shape())
    y:sum():backward()
    assert.same({ 15, 4 }, w_ih.grad:shape())
    refuses("rnn_layer: w_ih must be %(3H, I%) = %[15,4%], got %[15,3%]", function()
      local _ = F.rnn_layer("gru", T.randn(2, 3, 4), nil, nil, T.randn(15, 3), w_hh)
    end)
    refuses("rnn_layer: w_ih must be a tensor, got nil", function()
      local _ = F.rnn_layer("lstm", T.randn(2, 3, 4))
    end)
    refuses("rnn_layer: cell must be one of lstm, gru, got 'rnn'", function()
      local _ = F.rnn_layer("rnn", T.randn(2, 3, 4), nil, nil, T.randn(15, 4), w_hh)
    end)
    refuses("rnn_layer: ws must be nil", function()
      local _ = F.rnn_layer("gru", T.randn(2, 3, 4), nil, nil, T.randn(15, 4), w_hh, nil, nil, 5)
    end)
  end)

  it("an error at the REPL is never located inside wick's sugar", function()
    -- both an expression line and a statement keep the line's own frame (host/repl.c), so
    -- both read "stdin:1:", never "[wick autograd.lua]:28:"
    local lines = "'wick.nn.conv2d(3, 8, 3, {groups = 0})' 'x = wick.nn.conv2d(3, 8, 3, {groups = 0})'"
    local out = helpers.run(("printf '%%s\\n' %s | %s -i"):format(lines, helpers.quote(helpers.WICK)))
    assert.is_nil(out:find("> [wick", 1, true), out)
    local _, n = out:gsub("> stdin:1: conv2d: groups must be", "")
    assert.equal(2, n, out)
  end)
end)

describe("nn bindings leak nothing when a call fails", function()
  -- 300 failing calls, each after an input was copied to make it contiguous (or a number
  -- was checked after it), must leave wick.memory().live where it started.
  local leaks_nothing = helpers.no_growth

  it("in every private kernel function", function()
    local x = T.randn(2, 3, 6, 6):transpose(3, 4)        -- not contiguous: every binding copies it
    local seq = T.randn(5, 2, 3):transpose(1, 2)         -- (2, 5, 3), not contiguous
    local w, ws, a = T.randn(4, 3, 3, 3), nn._workspace(), nn._conv_args({}, "conv2d")
    local pa = nn._conv_args({ stride = 2 }, "maxpool2d")
    pa.kh, pa.kw = 2, 2
    local calls = {
      conv2d = function() return nn._conv2d(x, nil, nil, ws, a) end,
      conv2d_bad_groups = function() return nn._conv2d(x, w, nil, ws, { 1, 1, 0, 0, 1, 1, 0, 0, 0 }) end,
      conv2d_backward = function() return nn._conv2d_backward(x, x, nil, ws, a, true, true, true) end,
      conv_transpose2d = function() return nn._conv_transpose2d(x, w, "b", ws, a) end,
      act = function() return nn._act("leaky_relu", x, "slope") end,
      act_backward = function() return nn._act_backward("relu", x, nil) end,
      maxpool2d = function() return nn._maxpool2d(x, { 1, 1, 0, 0, 1, 1, 1, 0, 0, kh = "x" }) end,
      maxpool2d_backward = function() return nn._maxpool2d_backward(x, x, nil, pa) end,
      avgpool2d_backward = function() return nn._avgpool2d_backward(x, nil, pa) end,
      adaptive = function() return nn._adaptive_avgpool2d(x, "x", 1) end,
      adaptive_backward = function() return nn._adaptive_avgpool2d_backward(x, nil) end,
      upsample = function() return nn._upsample(x, "x", 2, "nearest") end,
      upsample_backward = function() return nn._upsample_backward(x, nil, "nearest") end,
      batchnorm = function() return nn._batchnorm(x, nil, nil, nil, T.ones(3), true, 0.1, 1e-5) end,
      batchnorm_backward = function() return nn._batchnorm_backward(x, x, nil, nil, nil, true, true, true, true) end,
      softmax = function() return nn._softmax(x, 9, false) end,
      softmax_backward = function() return nn._softmax_backward(x, nil, 1, true) end,
      cross_entropy = function() return nn._cross_entropy(x, nil) end,
      bce = function() return nn._bce(x, nil) end,
      bce_backward = function() return nn._bce_backward(T.ones(1), x, nil) end,
      nll_backward = function() return nn._nll_backward(T.zeros(0), x, x) end,
      rnn = function() return nn._rnn("lstm", seq, nil, nil, nil, T.zeros(16, 4), nil, nil, ws, true) end,
      rnn_backward = function()
        return nn._rnn_backward("gru", seq, nil, nil, seq, nil, nil, seq, T.zeros(12, 3), T.zeros(12, 4), nil, ws,
          true)
      end,
      -- public forms: the kernel fails after the copy was made
      conv2d_layer = function() return nn.conv2d(2, 4, 3)(x) end,
      lstm_layer = function() return nn.lstm(4, 4)(seq) end,
    }
    for name, fn in pairs(calls) do leaks_nothing(name, fn) end
  end)
end)
