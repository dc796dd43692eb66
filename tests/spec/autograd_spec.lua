-- autograd_spec.lua — gradients of every differentiable tensor op, checked against
-- finite differences (wick.autograd.gradcheck) on random shapes, with broadcasting and
-- non-contiguous inputs; plus the graph's bookkeeping: accumulation, no_grad, detach,
-- in-place refusal, freeing after backward.
local wick = require "wick"
local T, A = wick.tensor, wick.autograd

local function leaf(...) return T.randn(...):requires_grad() end
-- inputs away from kinks (relu, abs) and poles (log, div, sqrt)
local function positive(...) return (T.rand(...) + 0.5):requires_grad() end

local function check(fn, inputs, opts)
  local ok, worst, msg = A.gradcheck(fn, inputs, opts)
  assert.is_true(ok, ("gradcheck failed, worst relative error %.3g at %s"):format(worst, msg))
end

describe("autograd", function()
  before_each(function() wick.seed(11) end)

  it("accumulates into leaves and frees the graph", function()
    local x = T { 1, 2, 3 }:requires_grad()
    local y = (x * x):sum()
    y:backward()
    assert.same({ 2, 4, 6 }, x.grad:table())
    local z = (x * 3):sum()
    z:backward()
    assert.same({ 5, 7, 9 }, x.grad:table())   -- accumulated
    assert.has_error(function() y:backward() end)   -- graph already freed
    x.grad = nil
    assert.is_nil(x.grad)
  end)

  it("gradients flow to inputs, not only weights (Deep Dream needs it)", function()
    local img = T.rand(1, 4, 4):requires_grad()
    local w = T.randn(4, 4)
    local score = (img:matmul(w)):sum()
    score:backward()
    local expect = T.ones(1, 4, 4):matmul(w:transpose())
    assert.is_true((img.grad - expect):abs():max():item() < 1e-5)
  end)

  it("no_grad records nothing and detach cuts the graph", function()
    local x = leaf(3)
    local y = wick.no_grad(function() return x * 2 end)
    assert.is_false(y:tracks_grad())
    local d = (x * 2):detach()
    assert.is_false(d:tracks_grad())
    assert.is_true((x * 2):tracks_grad())
  end)

  it("refuses in-place ops on tensors that require grad", function()
    local x = leaf(3)
    assert.has_error(function() x:add_(1) end,
      nil)
    local ok, err = pcall(function() x:mul_(2) end)
    assert.is_false(ok)
    assert.matches("mul_: in%-place operation on a tensor that requires grad", err)
    wick.no_grad(function() x:add_(1) end)   -- allowed without recording
  end)

  it("backward needs a scalar or an explicit gradient", function()
    local x = leaf(3)
    local ok, err = pcall(function() (x * 2):backward() end)
    assert.is_false(ok)
    assert.matches("give a gradient for a tensor of shape %[3%]", err)
    ;(x * 2):backward(T.ones(3))
    assert.same({ 2, 2, 2 }, x.grad:table())
    assert.has_error(function() T.ones(2):backward() end)
  end)

  describe("gradcheck", function()
    it("binary arithmetic with broadcasting", function()
      check(function(a, b) return a + b end, { leaf(3, 1), leaf(1, 4) })
      check(function(a, b) return a - b end, { leaf(2, 3, 4), leaf(4) })
      check(function(a, b) return a * b end, { leaf(3, 4), leaf(3, 1) })
      check(function(a, b) return a / b end, { leaf(2, 3), positive(3) })
      check(function(a, b) return a ^ b end, { positive(2, 3), leaf(3) })
      check(function(a) return 2 - a * 3 + 1 / (a * a + 1) end, { leaf(5) })
      check(function(a) return -a end, { leaf(2, 2) })
    end)

    it("unary maths", function()
      for _, name in ipairs { "exp", "tanh", "sigmoid", "sin", "cos" } do
        check(function(a) return a[name](a) end, { leaf(3, 4) })
      end
      for _, name in ipairs { "log", "sqrt", "relu", "abs" } do
        check(function(a) return a[name](a) end, { positive(3, 4) })
      end
      check(function(a) return a:clamp(-0.5, 0.5) end, { T { -1, -0.2, 0.3, 0.9 }:requires_grad() })
    end)

    it("non-contiguous inputs", function()
      local base = leaf(4, 6)
      check(function(b) return b:transpose():tanh() end, { base })
      check(function(b) return b:narrow(2, 2, 3) * 2 end, { base })
      check(function(b) return b:select(1, 3):exp() end, { base })
      check(function(b) return b:permute(2, 1):reshape(24):sin() end, { base })
      check(function(b) return b:unsqueeze(1):expand(3, 4, 6):sum(1) end, { base })
      check(function(b) return b:view(2, 12):squeeze() end, { base })
      check(function(b) return b[2] * b[3] end, { base })
    end)

    it("reductions over everything and one dimension", function()
      check(function(a) return a:sum() end, { leaf(3, 4) })
      check(function(a) return a:sum(2) end, { leaf(3, 4) })
      check(function(a) return a:sum(1, true) end, { leaf(3, 4) })
      check(function(a) return a:mean(-1) end, { leaf(3, 4) })
      check(function(a) return a:var(1) end, { leaf(5, 3) })
      check(function(a) return a:std() end, { leaf(6) })
      check(function(a) return a:norm() end, { leaf(3, 3) })
      check(function(a) return a:norm(2, 2) end, { leaf(3, 3) })
      check(function(a) return (a:max(2)) end, { T { { 1, 5, 2 }, { 7, 3, 4 } }:requires_grad() })
      check(function(a) return a:min() end, { T { 3, 1, 2 }:requires_grad() })
    end)

    it("matmul in 1-D, 2-D and batched forms", function()
      check(function(a, b) return a:matmul(b) end, { leaf(3, 4), leaf(4, 2) })
      check(function(a, b) return a:matmul(b) end, { leaf(4), leaf(4, 2) })
      check(function(a, b) return a:matmul(b) end, { leaf(3, 4), leaf(4) })
      check(function(a, b) return a:matmul(b) end, { leaf(4), leaf(4) })
      check(function(a, b) return a:matmul(b) end, { leaf(2, 3, 4), leaf(4, 5) })
      check(function(a, b) return a:matmul(b) end, { leaf(2, 1, 3, 4), leaf(3, 4, 2) })
      check(function(a, b) return a:matmul(b:transpose()) end, { leaf(3, 4), leaf(2, 4) })
    end)

    it("joining and picking", function()
      check(function(a, b) return T.cat({ a, b }, 2) end, { leaf(2, 3), leaf(2, 2) })
      check(function(a, b) return T.stack({ a, b }, 1) end, { leaf(2, 3), leaf(2, 3) })
      check(function(a) return a:index_select(1, T { 3, 1, 3 }) end, { leaf(4, 2) })
      check(function(a) return a:gather(2, T { { 1, 1 }, { 3, 2 } }) end, { leaf(2, 3) })
      check(function(a) return a:masked_fill(T { 1, 0, 1 }, 0) end, { leaf(2, 3) })
      check(function(a, b) return T.where(T { 1, 0, 1 }, a, b) end, { leaf(2, 3), leaf(3) })
    end)
  end)
end)

-- Issue 10: autograd's own checks name the function and point at the sketch's line.
describe("autograd refuses bad arguments", function()
  local function refuses(pattern, fn)
    local ok, err = pcall(fn)
    assert.is_false(ok)
    assert.matches("autograd_spec%.lua:%d+: " .. pattern, tostring(err))
  end

  it("in backward, requires_grad and gradcheck", function()
    local x = leaf(3)
    local y = x * 2
    refuses("backward: the gradient must be a tensor, got number", function() y:backward(1) end)
    refuses("backward: the gradient's shape %[2%] is not the tensor's %[3%]", function() y:backward(T.ones(2)) end)
    refuses("backward: expected a tensor", function() T.backward(nil) end)
    refuses("requires_grad: only leaf tensors", function() y:requires_grad() end)
    refuses("gradcheck: eps must be a finite number > 0, got nan", function()
      local _ = A.gradcheck(function(a) return a * 2 end, { x }, { eps = 0 / 0 })
    end)
    refuses("gradcheck: samples must be an integer >= 1, got 0", function()
      local _ = A.gradcheck(function(a) return a * 2 end, { x }, { samples = 0 })
    end)
    refuses("gradcheck: unknown option 'step'", function()
      local _ = A.gradcheck(function(a) return a * 2 end, { x }, { step = 1 })
    end)
  end)

  it("in no_grad, with_grad, is_leaf, detach, record, record_multi, unbroadcast and gradcheck", function()
    refuses("no_grad: fn must be a function, got nil", function() wick.no_grad(nil) end)
    refuses("no_grad: fn must be a function, got table", function() A.no_grad({}) end)
    refuses("with_grad: fn must be a function, got 'x'", function() A.with_grad("x") end)
    assert.equal(3, A.no_grad(setmetatable({}, { __call = function(_, a) return a end }), 3))   -- callable table
    refuses("is_leaf: x must be a tensor, got 1", function() T.is_leaf(1) end)
    refuses("detach: x must be a tensor, got nil", function() T.detach(nil) end)
    refuses("t: x must be a tensor, got 5", function() T.t(5) end)
    local id = function(g) return g end
    refuses("record: out must be a tensor, got 1", function() A.record(1, { leaf(2) }, id) end)
    refuses("record: backward must be a function, got nil", function() A.record(T.ones(2), { leaf(2) }) end)
    for _, outs in ipairs({ 5, {}, { 2 ^ 40 }, T.ones(3) }) do
      refuses("record_multi: outs must be a list of tensors", function() A.record_multi(outs, { leaf(2) }, id) end)
    end
    refuses("unbroadcast: a gradient of shape %[2,3%] does not sum to shape %[2,2%]", function()
      A.unbroadcast(T.ones(2, 3), T.ones(2, 2))
    end)
    assert.same({ 2, 2, 2 }, A.unbroadcast(T.ones(2, 3), T.ones(3)):table())
    local freed = T.ones(3)
    freed:free()
    refuses("unbroadcast: attempt to use a freed tensor %(x%)", function() A.unbroadcast(T.ones(2, 3), freed) end)
    refuses("gradcheck: the result of fn must be a tensor, got nil", function()
      A.gradcheck(function() end, { leaf(2) })
    end)
    refuses("gradcheck: inputs must be a non%-empty list of tensors", function()
      A.gradcheck(function(a) return a end, {})
    end)
    refuses("gradcheck: inputs%[1%] must be a tensor, got 1", function()
      A.gradcheck(function(a) return a end, { 1, 2 })
    end)
  end)

  it("wick._raise never locates an error inside wick's sugar", function()
    -- a tail call from the sketch leaves no frame of its own: no position, not "[wick …]"
    local ok, err = pcall(function() return wick.nn.sequential(5) end)
    assert.is_false(ok)
    assert.is_nil(tostring(err):find("[wick ", 1, true), err)
    -- a coroutine whose only Lua frame is "sugar": there is no sketch line to point at
    local sugar = coroutine.wrap(load("local raise = ...; raise('boom')", "=[wick fake.lua]"))
    ok, err = pcall(sugar, wick._raise)
    assert.is_false(ok)
    assert.equal("boom", err)
  end)
end)
