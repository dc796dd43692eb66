-- optim_spec.lua — the optimizers against PyTorch's update formulas worked by hand,
-- their convergence on a small least-squares problem, schedules, clipping, and option
-- checking.
local wick = require "wick"
local helpers = require "spec_helpers"
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

  it("lbfgs bounds each step's evaluations, not all steps' together (as PyTorch)", function()
    local a = T.rand(200) * 10 + 0.1
    local x = T.randn(200):requires_grad()
    local opt = optim.lbfgs({ x }, { max_iter = 10, tolerance_grad = 0, tolerance_change = 0 })
    local calls = 0
    local function closure()
      calls = calls + 1
      opt:zero_grad()
      local loss = (a * x * x):sum()
      loss:backward()
      return loss
    end
    opt:step(closure)
    local first = calls
    opt:step(closure)   -- a second step (a sketch's preview every N iterations) runs as long
    assert.equal(10, first)
    assert.equal(20, calls)
  end)

  it("lbfgs's direction (the fused C two-loop) is the textbook recursion, on any thread count", function()
    wick.seed(11)
    local n, m = 70000, 7   -- several chunks of the C loop
    local g, steps, dirs, ro = T.randn(n), {}, {}, {}
    for i = 1, m do
      steps[i], dirs[i] = T.randn(n), T.randn(n)
      ro[i] = 1 / (dirs[i]:dot(steps[i]):item() + 3 * n)
    end
    local q, al = -g, {}   -- the recursion as written in Nocedal & Wright, on tensors
    for i = m, 1, -1 do
      al[i] = steps[i]:dot(q):item() * ro[i]
      q = q - dirs[i] * al[i]
    end
    local want = q * 0.37
    for i = 1, m do want = want + steps[i] * (al[i] - dirs[i]:dot(want):item() * ro[i]) end
    local threads = wick.threads()
    local d1, d2 = T.empty(n), T.empty(n)
    wick.threads(1)
    optim._lbfgs_direction(d1, g, steps, dirs, ro, 0.37)
    wick.threads(2)
    optim._lbfgs_direction(d2, g, steps, dirs, ro, 0.37)
    wick.threads(threads)
    assert.is_true(((d1 - want):abs():max() / want:abs():max()):item() < 1e-4)
    assert.equal(0, (d1 - d2):abs():max():item())
    local empty = T.empty(n)   -- no history: the scaled steepest descent
    optim._lbfgs_direction(empty, g, {}, {}, {}, 2)
    helpers.near((g * -2):table(), empty, 1e-6)
  end)

  it("adam on a big parameter (several pieces through the pool) is Adam, the same bits on 1 and 2 threads", function()
    wick.seed(12)
    local n = 200000
    local p0, g = T.randn(n), T.randn(n)
    local threads = wick.threads()
    local function run(t)
      wick.threads(t)
      local p = p0:clone():requires_grad()
      local opt = optim.adam({ p }, { lr = 0.01 })
      for _ = 1, 3 do
        p.grad = g:clone()
        opt:step()
      end
      return p
    end
    local a, b = run(1), run(2)
    wick.threads(threads)
    assert.equal(0, (a - b):abs():max():item())
    -- the same gradient three times: m/sqrt(v) stays sign(g) after bias correction, so each
    -- step moves every value by lr against its gradient's sign (eps aside)
    local want = p0 - T.where(g:gt(0), 0.03, -0.03)
    assert.is_true((a:detach() - want):abs():max():item() < 1e-4)
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

-- Issue 10: a hyper-parameter that would turn the weights into NaN is refused, by name,
-- at the sketch's line — when the optimizer is made, and again at the step when a
-- sketch sets it later.
describe("optim refuses bad hyper-parameters", function()
  local refuses = helpers.refuses
  local bad = { 0 / 0, -1, math.huge, -math.huge }

  it("lr, eps, weight_decay, betas, momentum and alpha", function()
    local p = param({ 1, 2 }, { 1, 1 })
    for _, v in ipairs(bad) do
      for _, fname in ipairs { "sgd", "adam", "adamw", "rmsprop", "lbfgs" } do
        refuses(fname .. ": lr must be a finite number >= 0", function() local _ = optim[fname]({ p }, { lr = v }) end)
      end
      for _, fname in ipairs { "adam", "adamw", "rmsprop" } do
        refuses(fname .. ": eps must be a finite number > 0", function() local _ = optim[fname]({ p }, { eps = v }) end)
        refuses(fname .. ": weight_decay must be a finite number >= 0", function()
          local _ = optim[fname]({ p }, { weight_decay = v })
        end)
      end
      refuses("adam: betas%[1%] must be a number from 0 up to", function()
        local _ = optim.adam({ p }, { betas = { v, 0.9 } })
      end)
      refuses("adamw: betas%[2%] must be a number from 0 up to", function()
        local _ = optim.adamw({ p }, { betas = { 0.9, v } })
      end)
      refuses("sgd: momentum must be a number from 0 to 1", function() local _ = optim.sgd({ p }, { momentum = v }) end)
      refuses("sgd: weight_decay must be a finite number >= 0", function()
        local _ = optim.sgd({ p }, { weight_decay = v })
      end)
      refuses("rmsprop: momentum must be a number from 0 to 1", function()
        local _ = optim.rmsprop({ p }, { momentum = v })
      end)
      refuses("rmsprop: alpha must be a number from 0 to 1", function()
        local _ = optim.rmsprop({ p }, { alpha = v })
      end)
    end
    refuses("adam: betas%[1%] must be a number from 0 up to %(not including%) 1, got 1", function()
      local _ = optim.adam({ p }, { betas = { 1, 0.999 } })   -- 1 − beta^t = 0 divides the step by zero
    end)
    refuses("adam: betas must be a pair", function() local _ = optim.adam({ p }, { betas = 0.9 }) end)
    refuses("adam: eps must be a finite number > 0, got 0", function() local _ = optim.adam({ p }, { eps = 0 }) end)
    refuses("lbfgs: max_iter must be an integer >= 1, got 1.5", function()
      local _ = optim.lbfgs({ p }, { max_iter = 1.5 })
    end)
    refuses("lbfgs: history_size must be an integer >= 1, got 0", function()
      local _ = optim.lbfgs({ p }, { history_size = 0 })
    end)
    refuses("sgd: expected a non%-empty list of parameters", function() local _ = optim.sgd(nil) end)
  end)

  it("a value set after the optimizer was made is refused at the step, leaving the weights alone", function()
    for _, fname in ipairs { "sgd", "adam", "adamw", "rmsprop" } do
      local p = param({ 1, 2 }, { 1, 1 })
      local opt = optim[fname]({ p })
      opt.lr = 0 / 0
      refuses(fname .. ": lr must be a finite number", function() opt:step() end)
      assert.same({ 1, 2 }, p:table())
    end
    local p = param({ 1, 2 }, { 1, 1 })
    local opt = optim.adam({ p })
    opt.eps = -1
    refuses("adam: eps must be", function() opt:step() end)
    assert.same({ 1, 2 }, p:table())
  end)

  it("step refuses a closure that is not a function, and lbfgs one that returns no loss", function()
    for _, fname in ipairs { "sgd", "adam", "rmsprop" } do
      local p = param({ 1, 2 }, { 1, 1 })
      local opt = optim[fname]({ p })
      refuses("step: closure must be a function or nil, got 'x'", function() opt:step("x") end)
      refuses("step: closure must be a function or nil, got table", function() opt:step({}) end)
      assert.same({ 1, 2 }, p:table())
    end
    local p = param({ 1, 2 }, { 1, 1 })
    local opt = optim.lbfgs({ p })
    refuses("lbfgs: step needs a closure that returns the loss, got 5", function() opt:step(5) end)
    refuses("lbfgs: the closure must return the loss %(a number or a one%-element tensor%), got nil", function()
      opt:step(function() end)
    end)
  end)

  it("schedules and clipping check their arguments", function()
    local opt = optim.sgd({ param({ 0 }, { 0 }) })
    refuses("cosine: t_max must be an integer >= 1, got 'x'", function()
      local _ = optim.cosine(opt, { t_max = "x" })
    end)
    refuses("cosine: t_max must be an integer >= 1, got 0", function() local _ = optim.cosine(opt, { t_max = 0 }) end)
    refuses("cosine: eta_min must be a finite number >= 0, got nan", function()
      local _ = optim.cosine(opt, { eta_min = 0 / 0 })
    end)
    refuses("step_lr: step_size must be an integer >= 1, got 0", function()
      local _ = optim.step_lr(opt, { step_size = 0 })
    end)
    refuses("step_lr: gamma must be a finite number >= 0, got nan", function()
      local _ = optim.step_lr(opt, { gamma = 0 / 0 })
    end)
    refuses("step_lr: expected an optimizer", function() local _ = optim.step_lr(nil) end)
    refuses("clip_grad_norm: params must be a table, got nil", function() local _ = optim.clip_grad_norm(nil) end)
    refuses("clip_grad_norm: max_norm must be a finite number > 0, got nan", function()
      local _ = optim.clip_grad_norm({ param({ 0 }, { 1 }) }, 0 / 0)
    end)
    refuses("clip_grad_norm: parameter 1 is a number", function() local _ = optim.clip_grad_norm({ 3 }, 1) end)
  end)

  it("300 failing steps leave tensor memory where it started", function()
    local p = param({ 1, 2 }, { 1, 1 })
    local m, v = T.zeros(2), T.zeros(2)
    local calls = {
      function() optim._adam_step(p, p.grad, m, v, 0 / 0, 0.9, 0.999, 1e-8, 0, false, 1) end,
      function() optim._adam_step(p, T.ones(3), m, v, 1e-3, 0.9, 0.999, 1e-8, 0, false, 1) end,
      function() optim._sgd_step(p, p.grad, nil, 0.1, 0.9, 0, 0, false, true) end,
      function() optim._rmsprop_step(p, p.grad, m, nil, 0.1, 0.99, -1, 0, 0) end,
      function() optim._sum_squares(nil) end,
    }
    collectgarbage()
    local start = wick.memory().live
    for _, fn in ipairs(calls) do
      for _ = 1, 300 do assert.is_false(pcall(fn)) end
    end
    collectgarbage()
    assert.equal(start, wick.memory().live)
    assert.same({ 1, 2 }, p:table())
  end)
end)
