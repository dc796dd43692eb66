-- bench_dcgan.lua — wick side of bench_dcgan.sh: the shared DCGAN-28 (issue 14's brief)
-- on Fashion-MNIST and the DCGAN-64 on random colour batches, batch 64, Adam 2e-4
-- β (0.5, 0.999), weights N(0, 0.02), batchnorm γ N(1, 0.02). One step = a D step
-- (real, then G's output detached) and a G step (D run again on G's output).
--   wick bench_dcgan.lua step28 STEPS WARM   -- steps/s on a few cycled real batches
--   wick bench_dcgan.lua step64 STEPS WARM   -- the same for DCGAN-64 on random data
--   wick bench_dcgan.lua train EPOCHS PATH [SEED]  -- EPOCHS shuffled epochs from seed SEED
--                                   (1), then 10,000 samples of G saved to PATH (safetensors)
local wick = require "wick"
local T, nn, F = wick.tensor, wick.nn, wick.nn.F

local mode, a1, a2 = arg[1], arg[2], arg[3]
wick.seed(1)

-- Radford et al.'s initialisation for every conv, linear and batchnorm below.
local function init(net)
  wick.no_grad(function()
    local function visit(m)
      for _, key in ipairs(m._order) do
        local v = rawget(m, key)
        if nn.is_module(v) then visit(v) end
      end
      local kind = m.kind or ""
      if kind:find("^batchnorm") then
        m.weight:copy_(T.randn(m.weight:shape()) * 0.02 + 1)
        m.bias:zero_()
      elseif kind == "conv2d" or kind == "conv_transpose2d" or kind == "linear" then
        m.weight:copy_(T.randn(m.weight:shape()) * 0.02)
        if rawget(m, "bias") then m.bias:zero_() end
      end
    end
    visit(net)
  end)
  return net
end

local Reshape = nn.module("reshape")
function Reshape:init(...) self.shape = { ... } end
function Reshape:forward(x) return x:view(x:size(1), table.unpack(self.shape)) end

local function dcgan28()
  local s2 = { stride = 2, padding = 1 }
  local G = nn.sequential { nn.linear(100, 128 * 7 * 7, { bias = false }), nn.batchnorm1d(128 * 7 * 7), nn.relu(),
    Reshape(128, 7, 7),
    nn.conv_transpose2d(128, 64, 4, { stride = 2, padding = 1, bias = false }), nn.batchnorm2d(64), nn.relu(),
    nn.conv_transpose2d(64, 1, 4, s2), nn.tanh() }
  local D = nn.sequential { nn.conv2d(1, 64, 4, s2), nn.leaky_relu(0.2),
    nn.conv2d(64, 128, 4, { stride = 2, padding = 1, bias = false }), nn.batchnorm2d(128), nn.leaky_relu(0.2),
    nn.flatten(), nn.linear(128 * 7 * 7, 1) }
  return init(G), init(D)
end

local function dcgan64()
  local function up(cin, cout, first)
    return nn.conv_transpose2d(cin, cout, 4, first and { stride = 1, padding = 0, bias = false }
      or { stride = 2, padding = 1, bias = false })
  end
  local function down(cin, cout) return nn.conv2d(cin, cout, 4, { stride = 2, padding = 1, bias = false }) end
  local G = nn.sequential { Reshape(100, 1, 1),
    up(100, 256, true), nn.batchnorm2d(256), nn.relu(), up(256, 128), nn.batchnorm2d(128), nn.relu(),
    up(128, 64), nn.batchnorm2d(64), nn.relu(), up(64, 32), nn.batchnorm2d(32), nn.relu(),
    nn.conv_transpose2d(32, 3, 4, { stride = 2, padding = 1 }), nn.tanh() }
  local D = nn.sequential { nn.conv2d(3, 32, 4, { stride = 2, padding = 1 }), nn.leaky_relu(0.2),
    down(32, 64), nn.batchnorm2d(64), nn.leaky_relu(0.2), down(64, 128), nn.batchnorm2d(128), nn.leaky_relu(0.2),
    down(128, 256), nn.batchnorm2d(256), nn.leaky_relu(0.2), nn.conv2d(256, 1, 4, { bias = true }), nn.flatten() }
  return init(G), init(D)
end

-- A trainer: step(x) runs one D step and one G step on the real batch x.
local function trainer(G, D)
  local adam = { lr = 2e-4, betas = { 0.5, 0.999 } }
  local opt_g, opt_d = wick.optim.adam(G:parameters(), adam), wick.optim.adam(D:parameters(), adam)
  local ones, zeros = {}, {}
  local function const(cache, n, v)
    cache[n] = cache[n] or T.full({ n, 1 }, v)
    return cache[n]
  end
  return function(x)
    local n = x:size(1)
    local fake = G(T.randn(n, 100))
    opt_d:zero_grad()
    local real_logits = D(x)
    local fake_logits = D(fake:detach())
    local loss_d = F.bce_with_logits(real_logits, const(ones, n, 1))
      + F.bce_with_logits(fake_logits, const(zeros, n, 0))
    loss_d:backward()
    opt_d:step()
    opt_g:zero_grad()
    local loss_g = F.bce_with_logits(D(fake), const(ones, n, 1))
    loss_g:backward()
    opt_g:step()
    return loss_d, loss_g
  end
end

local function time_steps(step, batches, steps, warm)
  for k = 1, warm do step(batches[(k - 1) % #batches + 1]) end
  local t0, c0 = wick.clock(), os.clock()
  local ld, lg
  for k = 1, steps do ld, lg = step(batches[(k - 1) % #batches + 1]) end
  local dt, cpu = wick.clock() - t0, os.clock() - c0
  -- cpu_s: the process's CPU seconds (all threads), a steadier figure on a shared machine
  return ("wick steps=%d s=%.2f cpu_s=%.2f steps/s=%.2f loss_d=%.3f loss_g=%.3f"):format(steps, dt, cpu, steps / dt,
    ld:item(), lg:item())
end

if mode == "step28" then
  local train = wick.data.fashion_mnist()
  local G, D = dcgan28()
  local batches = {}
  for k = 1, 8 do batches[k] = train.x:narrow(1, (k - 1) * 64 + 1, 64):contiguous() * 2 - 1 end
  print(time_steps(trainer(G, D), batches, tonumber(a1) or 50, tonumber(a2) or 5))
elseif mode == "step64" then
  local G, D = dcgan64()
  local batches = {}
  for k = 1, 4 do batches[k] = T.rand(64, 3, 64, 64) * 2 - 1 end
  print(time_steps(trainer(G, D), batches, tonumber(a1) or 10, tonumber(a2) or 2))
elseif mode == "train" then
  local epochs, path = tonumber(a1) or 1, assert(a2, "train needs an output path")
  wick.seed(tonumber(arg[4]) or 1)
  local train = wick.data.fashion_mnist()
  local G, D = dcgan28()
  local step = trainer(G, D)
  local t0, steps, ld, lg = wick.clock(), 0, nil, nil
  for _, batch in wick.data.batches(train, { batch = 64, shuffle = true, epochs = epochs, drop_last = true,
    progress = false }) do
    ld, lg = step(batch.x * 2 - 1)
    steps = steps + 1
  end
  local dt = wick.clock() - t0
  -- samples in training mode (batch statistics over 1,000 at a time), as torch's side
  local samples = wick.no_grad(function()
    local parts = {}
    for k = 1, 10 do parts[k] = G(T.randn(1000, 100)) end
    return T.cat(parts, 1)
  end)
  wick.save(samples, path)
  print(("wick train seed=%d epochs=%d steps=%d s=%.1f loss_d=%.3f loss_g=%.3f"):format(tonumber(arg[4]) or 1,
    epochs, steps, dt, ld:item(), lg:item()))
else
  error("usage: wick bench_dcgan.lua step28|step64|train …")
end
