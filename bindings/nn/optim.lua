-- optim.lua — optimizers (sgd, adam, adamw, rmsprop, lbfgs), learning-rate schedules
-- and gradient clipping, embedded in the binary. The per-parameter updates are fused C
-- loops (bindings/nn/optim.c); this file keeps the state and the bookkeeping.
--
--   local opt = wick.optim.adam(net:parameters(), {lr = 1e-3})
--   opt:zero_grad(); loss:backward(); opt:step()
--
-- Every hyper-parameter is checked when the optimizer or schedule is made (a NaN or
-- negative lr, eps or weight_decay would otherwise turn every weight into NaN a step
-- later), and the C step checks the values again, since a sketch may set opt.lr later.
local wick = ...
local T, optim = wick.tensor, wick.optim
local options, check, raise = wick._options, wick._check, wick._raise

local function check_params(fname, params)
  if type(params) ~= "table" or #params == 0 then
    raise(("%s: expected a non-empty list of parameters (net:parameters()), got %s")
      :format(fname, type(params) == "table" and "an empty table" or type(params)))
  end
  for i, p in ipairs(params) do
    if not T.is_tensor(p) then raise(("%s: parameter %d is a %s, not a tensor"):format(fname, i, type(p))) end
    if not p:is_contiguous() then raise(("%s: parameter %d is not contiguous"):format(fname, i)) end
  end
  return params
end

-- lr >= 0 (0 pauses training), finite.
local function check_lr(fname, v) return check.number(fname, "lr", v, 0) end
local function check_bool(fname, name, v) return check.type(fname, name, v, "boolean") end

local Optimizer = {}
Optimizer.__index = Optimizer

function Optimizer:zero_grad()
  for _, p in ipairs(self.params) do
    local g = p.grad
    if g then wick.no_grad(g.zero_, g) end
  end
end

-- A state buffer per parameter, made on first use.
function Optimizer:buffer(i, key)
  local st = self.state[i]
  if not st then
    st = {}
    self.state[i] = st
  end
  local b = st[key]
  if not b then
    b = T.zeros(self.params[i]:shape())
    st[key] = b
  end
  return b
end

local function new_optimizer(kind, params, opts, step)
  local self = setmetatable({ kind = kind, params = params, state = {}, steps = 0, _step = step }, Optimizer)
  for k, v in pairs(opts) do self[k] = v end
  return self
end

function Optimizer:step(closure)
  if closure ~= nil and type(closure) ~= "function" then
    raise(("step: closure must be a function or nil, got %s"):format(check.show(closure)))
  end
  local loss
  if closure then loss = closure() end
  self.steps = self.steps + 1
  for i, p in ipairs(self.params) do
    local g = p.grad
    if g then self:_step(i, p, g) end
  end
  return loss
end

function optim.sgd(params, opts)
  check_params("sgd", params)
  opts = options("sgd", opts, { lr = 1e-2, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false })
  check_lr("sgd", opts.lr)
  check.number("sgd", "momentum", opts.momentum, 0, 1)
  check.number("sgd", "dampening", opts.dampening, 0, 1)
  check.number("sgd", "weight_decay", opts.weight_decay, 0)
  check_bool("sgd", "nesterov", opts.nesterov)
  if opts.nesterov and (opts.momentum <= 0 or opts.dampening ~= 0) then
    raise("sgd: nesterov momentum needs momentum > 0 and dampening 0")
  end
  return new_optimizer("sgd", params, opts, function(self, i, p, g)
    local buf = self.momentum ~= 0 and self:buffer(i, "momentum") or nil
    local st = self.state[i] or {}   -- plain SGD (momentum 0) has no buffer to make it
    self.state[i] = st
    local first = st.started == nil
    st.started = true
    optim._sgd_step(p, g, buf, self.lr, self.momentum, self.dampening, self.weight_decay, self.nesterov, first)
  end)
end

local function adam_like(fname, decoupled, default_wd)
  return function(params, opts)
    check_params(fname, params)
    opts = options(fname, opts, { lr = 1e-3, betas = { 0.9, 0.999 }, eps = 1e-8, weight_decay = default_wd })
    check_lr(fname, opts.lr)
    local betas = opts.betas
    if type(betas) ~= "table" or #betas ~= 2 then
      raise(("%s: betas must be a pair {beta1, beta2}, got %s"):format(fname, check.show(betas)))
    end
    for k = 1, 2 do   -- a beta of 1 divides by 1 - beta^t = 0
      if not (type(betas[k]) == "number" and betas[k] >= 0 and betas[k] < 1) then
        raise(("%s: betas[%d] must be a number from 0 up to (not including) 1, got %s")
          :format(fname, k, check.show(betas[k])))
      end
    end
    opts.betas = { betas[1], betas[2] }
    check.positive(fname, "eps", opts.eps)
    check.number(fname, "weight_decay", opts.weight_decay, 0)
    return new_optimizer(fname, params, opts, function(self, i, p, g)
      local m, v = self:buffer(i, "m"), self:buffer(i, "v")
      local st = self.state[i]
      st.t = (st.t or 0) + 1
      optim._adam_step(p, g, m, v, self.lr, self.betas[1], self.betas[2], self.eps, self.weight_decay, decoupled, st.t,
        fname)
    end)
  end
end
optim.adam = adam_like("adam", false, 0)
optim.adamw = adam_like("adamw", true, 1e-2)

function optim.rmsprop(params, opts)
  check_params("rmsprop", params)
  opts = options("rmsprop", opts, { lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0 })
  check_lr("rmsprop", opts.lr)
  check.number("rmsprop", "alpha", opts.alpha, 0, 1)
  check.positive("rmsprop", "eps", opts.eps)
  check.number("rmsprop", "weight_decay", opts.weight_decay, 0)
  check.number("rmsprop", "momentum", opts.momentum, 0, 1)
  return new_optimizer("rmsprop", params, opts, function(self, i, p, g)
    local buf = self.momentum > 0 and self:buffer(i, "momentum") or nil
    optim._rmsprop_step(p, g, self:buffer(i, "square_avg"), buf, self.lr, self.alpha, self.eps, self.weight_decay,
      self.momentum)
  end)
end

-- ---- gradient clipping ---------------------------------------------------------------

-- Scale all gradients so their joint L2 norm is at most max_norm; returns the norm
-- before clipping.
function optim.clip_grad_norm(params, max_norm)
  check.type("clip_grad_norm", "params", params, "table")
  check.positive("clip_grad_norm", "max_norm", max_norm)
  for i, p in ipairs(params) do
    if not T.is_tensor(p) then raise(("clip_grad_norm: parameter %d is a %s, not a tensor"):format(i, type(p))) end
  end
  local total = 0
  for _, p in ipairs(params) do
    if p.grad then total = total + optim._sum_squares(p.grad) end
  end
  total = math.sqrt(total)
  if total ~= total then return total end   -- NaN: leave it for the caller to see
  local scale = max_norm / (total + 1e-6)
  if scale < 1 then
    wick.no_grad(function()
      for _, p in ipairs(params) do if p.grad then p.grad:mul_(scale) end end
    end)
  end
  return total
end

-- ---- schedules ------------------------------------------------------------------------

local Schedule = {}
Schedule.__index = Schedule

-- The optimizer a schedule drives: one of wick.optim's, whose lr is a finite number.
local function check_optimizer(fname, opt)
  if type(opt) ~= "table" or getmetatable(opt) ~= Optimizer then
    raise(("%s: expected an optimizer (wick.optim.adam(...) etc.), got %s"):format(fname, check.show(opt)))
  end
  check.number(fname, "the optimizer's lr", opt.lr, 0)
end
function Schedule:step()
  self.epoch = self.epoch + 1
  self.optimizer.lr = self:rate(self.epoch)
  return self.optimizer.lr
end

-- lr = base · gamma^floor(epoch / step_size)
function optim.step_lr(opt, opts)
  check_optimizer("step_lr", opt)
  opts = options("step_lr", opts, { step_size = 1, gamma = 0.1 })
  check.integer("step_lr", "step_size", opts.step_size, 1)
  check.number("step_lr", "gamma", opts.gamma, 0)
  local base = opt.lr
  return setmetatable({ optimizer = opt, epoch = 0, rate = function(_, e)
    return base * opts.gamma ^ (e // opts.step_size)
  end }, Schedule)
end

-- lr = eta_min + (base − eta_min)(1 + cos(π·epoch/t_max))/2
function optim.cosine(opt, opts)
  check_optimizer("cosine", opt)
  opts = options("cosine", opts, { t_max = 100, eta_min = 0 })
  check.integer("cosine", "t_max", opts.t_max, 1)
  check.number("cosine", "eta_min", opts.eta_min, 0)
  local base = opt.lr
  return setmetatable({ optimizer = opt, epoch = 0, rate = function(_, e)
    return opts.eta_min + (base - opts.eta_min) * (1 + math.cos(math.pi * math.min(e, opts.t_max) / opts.t_max)) / 2
  end }, Schedule)
end

-- ---- L-BFGS ---------------------------------------------------------------------------

-- PyTorch's L-BFGS without line search (its default): opt:step(closure) runs up to
-- max_iter iterations; closure() must zero the gradients, compute the loss, call
-- backward and return the loss. Style transfer uses it.
function optim.lbfgs(params, opts)
  check_params("lbfgs", params)
  opts = options("lbfgs", opts, { lr = 1, max_iter = 20, max_eval = false, tolerance_grad = 1e-7,
    tolerance_change = 1e-9, history_size = 100 })
  check_lr("lbfgs", opts.lr)
  check.integer("lbfgs", "max_iter", opts.max_iter, 1)
  if opts.max_eval then check.integer("lbfgs", "max_eval", opts.max_eval, 1) end
  check.number("lbfgs", "tolerance_grad", opts.tolerance_grad, 0)
  check.number("lbfgs", "tolerance_change", opts.tolerance_change, 0)
  check.integer("lbfgs", "history_size", opts.history_size, 1)
  local self = new_optimizer("lbfgs", params, opts, nil)
  self.old_dirs, self.old_steps, self.ro = {}, {}, {}
  self.func_evals, self.n_iter = 0, 0

  local sizes = {}
  for i, p in ipairs(params) do sizes[i] = p:numel() end
  local function flat_grad()
    local parts = {}
    for i, p in ipairs(params) do parts[i] = p.grad and p.grad:reshape(sizes[i]) or T.zeros(sizes[i]) end
    return T.cat(parts, 1)
  end
  local function add_to_params(step, dir)   -- p += step · dir, dir flat
    local offset = 1
    for i, p in ipairs(params) do
      p:view(sizes[i]):add_(dir:narrow(1, offset, sizes[i]) * step)
      offset = offset + sizes[i]
    end
  end

  -- The closure's loss as a number: a number or a one-element tensor, or an error here
  -- rather than arithmetic on nil further down.
  local function loss_number(loss)
    if type(loss) == "number" then return loss end
    if T.is_tensor(loss) and loss:numel() == 1 then return loss:item() end
    raise(("lbfgs: the closure must return the loss (a number or a one-element tensor), got %s")
      :format(T.is_tensor(loss) and ("a tensor of shape [" .. table.concat(loss:shape(), ",") .. "]")
        or check.show(loss)))
  end

  function self.step(s, closure)
    if type(closure) ~= "function" then
      raise(("lbfgs: step needs a closure that returns the loss, got %s"):format(check.show(closure)))
    end
    check_lr("lbfgs", s.lr)
    local max_eval = s.max_eval or math.floor(s.max_iter * 5 / 4)
    local loss = closure()
    local orig_loss = loss
    local loss_value = loss_number(loss)
    s.func_evals = s.func_evals + 1
    local evals = 1   -- this step's: max_eval bounds each step, as PyTorch's does
    local g = wick.no_grad(flat_grad)
    if g:abs():max():item() <= s.tolerance_grad then return orig_loss end
    local d, t, prev_g, prev_loss = s.d, s.t, s.prev_flat_grad, s.prev_loss
    local iters = 0
    wick.no_grad(function()
      while iters < s.max_iter do
        iters = iters + 1
        s.n_iter = s.n_iter + 1
        if s.n_iter == 1 then
          d = -g
          s.h_diag = 1
        else
          local y = g - prev_g
          local sv = d * t
          local ys = y:dot(sv):item()
          if ys > 1e-10 then
            if #s.old_dirs == s.history_size then
              table.remove(s.old_dirs, 1); table.remove(s.old_steps, 1); table.remove(s.ro, 1)
            end
            s.old_dirs[#s.old_dirs + 1] = y
            s.old_steps[#s.old_steps + 1] = sv
            s.ro[#s.ro + 1] = 1 / ys
            s.h_diag = ys / y:dot(y):item()
          end
          d = T.empty(g:numel())   -- the two-loop recursion, fused and threaded in C
          optim._lbfgs_direction(d, g, s.old_steps, s.old_dirs, s.ro, s.h_diag)
        end
        prev_g = g:clone()
        prev_loss = loss_value
        if s.n_iter == 1 then
          t = math.min(1, 1 / g:abs():sum():item()) * s.lr
        else
          t = s.lr
        end
        local gtd = g:dot(d):item()
        if gtd > -s.tolerance_change then break end
        add_to_params(t, d)
        if iters ~= s.max_iter then
          loss = wick.autograd.with_grad(closure)   -- the closure records its own graph
          loss_value = loss_number(loss)
          g = flat_grad()
          s.func_evals = s.func_evals + 1
          evals = evals + 1
        end
        if iters == s.max_iter or evals >= max_eval then break end
        if g:abs():max():item() <= s.tolerance_grad then break end
        if d:mul(t):abs():max():item() <= s.tolerance_change then break end
        if math.abs(loss_value - prev_loss) < s.tolerance_change then break end
      end
    end)
    s.d, s.t, s.prev_flat_grad, s.prev_loss = d, t, prev_g, prev_loss
    return orig_loss
  end
  return self
end
