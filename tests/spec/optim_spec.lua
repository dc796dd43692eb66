-- optim_spec.lua — the optimizers against PyTorch's update formulas worked by hand,
-- their convergence on a small least-squares problem, schedules, clipping, and option
-- checking.
local wick = require "wick"
local T, optim = wick.tensor, wick.optim

local function param(values, grad)
  local p = T(values):requires_grad()
  p.grad = T(grad)
  return p
end

local function near(expected, actual, tol)
  for i = 1, #expected do
    assert.is_true(math.abs(expected[i] - actual[i]) <= (tol or 1e-6),
      ("element %d: expected %.9g, got %.9g"):format(i, expected[i], actual[i]))
  end
end

describe("optim", function()
  it("plain sgd (no momentum, the default) steps p -= lr * g", function()
    local p = param({ 1, -2 }, { 0.5, 1 })
    local opt = optim.sgd({ p }, { lr = 0.1 })
    opt:step()
    opt:step()
    near({ 1 - 2 * 0.05, -2 - 2 * 0.1 }, p:table())
  end)

  it("sgd with momentum, nesterov and weight decay follows PyTorch's formulas", function()
    local p = param({ 1, -2 }, { 0.5, 1 })
    local opt = optim.sgd({ p }, { lr = 0.1, momentum = 0.9, weight_decay = 0.01 })
    opt:step()   -- g' = g + 0.01 p = {0.51, 0.98}; buf = g'; p -= 0.1 buf
    near({ 1 - 0.051, -2 - 0.098 }, p:table())
    opt:step()   -- g'' = g + 0.01 p; buf = 0.9 buf + g''
    local g2 = { 0.5 + 0.01 * 0.949, 1 + 0.01 * -2.098 }
    local b2 = { 0.9 * 0.51 + g2[1], 0.9 * 0.98 + g2[2] }
    near({ 0.949 - 0.1 * b2[1], -2.098 - 0.1 * b2[2] }, p:table(), 1e-5)

    local q = param({ 1 }, { 1 })
    local nag = optim.sgd({ q }, { lr = 0.1, momentum = 0.5, nesterov = true })
    nag:step()   -- buf = 1; update = g + 0.5 buf = 1.5
    near({ 0.85 }, q:table())
  end)

  it("adam and adamw take the bias-corrected first step of size lr", function()
    local p = param({ 1, 1 }, { 0.3, -2 })
    optim.adam({ p }, { lr = 0.01 }):step()
    near({ 0.99, 1.01 }, p:table(), 1e-6)
    local q = param({ 1 }, { 0.5 })
    optim.adamw({ q }, { lr = 0.1, weight_decay = 0.5 }):step()   -- p·(1 − 0.05) − 0.1
    near({ 0.95 - 0.1 }, q:table(), 1e-6)
  end)

  it("rmsprop scales by the running root mean square", function()
    local p = param({ 0 }, { 2 })
    optim.rmsprop({ p }, { lr = 0.01, alpha = 0.9 }):step()   -- sq = 0.1·4; step = 0.01·2/√0.4
    near({ -0.01 * 2 / (math.sqrt(0.4) + 1e-8) }, p:table(), 1e-6)
  end)

  it("each optimizer fits a least-squares problem", function()
    wick.seed(5)
    local x = T.randn(64, 3)
    local y = x:matmul(T { { 1 }, { -2 }, { 0.5 } })
    for name, opts in pairs { sgd = { lr = 0.1, momentum = 0.9 }, adam = { lr = 0.05 }, adamw = { lr = 0.05,
      weight_decay = 0 }, rmsprop = { lr = 0.01 } } do
      local w = T.zeros(3, 1):requires_grad()
      local opt = optim[name]({ w }, opts)
      local loss
      for _ = 1, 300 do
        opt:zero_grad()
        loss = ((x:matmul(w) - y) ^ 2):mean()
        loss:backward()
        opt:step()
      end
      assert.is_true(loss:item() < 1e-3, ("%s: loss %.3g after 300 steps"):format(name, loss:item()))
    end
  end)

  it("lbfgs solves a quadratic with a closure", function()
    wick.seed(6)
    local x = T.randn(50, 4)
    local y = x:matmul(T { { 2 }, { 0 }, { -1 }, { 3 } })
    local w = T.zeros(4, 1):requires_grad()
    local opt = optim.lbfgs({ w }, { max_iter = 50 })
    opt:step(function()
      opt:zero_grad()
      local loss = ((x:matmul(w) - y) ^ 2):mean()
      loss:backward()
      return loss
    end)
    near({ 2, 0, -1, 3 }, w:reshape(4):table(), 1e-3)
  end)

  it("schedules change the learning rate", function()
    local opt = optim.sgd({ param({ 0 }, { 0 }) }, { lr = 1 })
    local s = optim.step_lr(opt, { step_size = 2, gamma = 0.5 })
    s:step(); assert.equal(1, opt.lr)
    s:step(); assert.equal(0.5, opt.lr)
    local c = optim.cosine(opt, { t_max = 4 })
    c:step(); c:step()
    assert.is_true(math.abs(opt.lr - 0.25) < 1e-12)   -- half way from 0.5 to 0
  end)

  it("clip_grad_norm scales all gradients to the limit and returns the old norm", function()
    local a, b = param({ 0, 0 }, { 3, 0 }), param({ 0 }, { 4 })
    local norm = optim.clip_grad_norm({ a, b }, 1)
    assert.is_true(math.abs(norm - 5) < 1e-6)
    near({ 0.6, 0 }, a.grad:table(), 1e-5)
    near({ 0.8 }, b.grad:table(), 1e-5)
  end)

  it("rejects unknown options and bad parameter lists", function()
    local p = param({ 0 }, { 0 })
    local ok, err = pcall(function() return optim.adam({ p }, { lr = 1, beta = 0.9 }) end)
    assert.is_false(ok)
    assert.matches("adam: unknown option 'beta'", err)
    ok, err = pcall(function() return optim.sgd({}, {}) end)
    assert.is_false(ok)
    assert.matches("sgd: expected a non%-empty list of parameters", err)
    ok, err = pcall(function() return optim.sgd({ 3 }) end)
    assert.is_false(ok)
    assert.matches("parameter 1 is a number, not a tensor", err)
  end)
end)
