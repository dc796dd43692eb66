-- bench_style.lua — wick side of bench_style.sh: Gatys style transfer at SIZE² with
-- InceptionV3's features (nn.load_tfjs, `make data`): content loss on mixed3, Gram
-- losses on activation_3, activation_5, mixed0, mixed2 and mixed4, total variation;
-- ITERS L-BFGS iterations from the content image (max_iter = ITERS in one step, as
-- bench_style_torch.py does). Inputs are made here from a fixed seed so both sides see
-- the same pixels. Prints the time, the peak memory and the loss before and after.
-- Usage: wick bench_style.lua SIZE ITERS
local wick = require "wick"
local T, nn = wick.tensor, wick.nn
local F = nn.F

local size, iters = tonumber(arg[1]) or 512, tonumber(arg[2]) or 100
local net = nn.load_tfjs("models/inception_v3")
wick.seed(0)
-- smooth random pictures (the peer has no image decoder of ours): blurred noise
local content = wick.image.blur(T.rand(1, 3, size, size), 4) * 2 - 1
local style = wick.image.blur(T.rand(1, 3, size, size), 2) * 2 - 1
local STYLE = { "activation_3", "activation_5", "mixed0", "mixed2", "mixed4" }
local CONTENT = "mixed3"
local names = { CONTENT }
for _, n in ipairs(STYLE) do names[#names + 1] = n end

local targets = wick.no_grad(function()
  local c = net:activations(content, { CONTENT })[CONTENT]
  local s = net:activations(style, STYLE)
  local grams = {}
  for _, n in ipairs(STYLE) do grams[n] = F.gram(s[n]) end
  return { content = c, grams = grams }
end)

local x = content:clone():requires_grad()
local function loss_fn()
  local acts = net:activations(x, names)
  local loss = F.mse(acts[CONTENT], targets.content)
  for _, n in ipairs(STYLE) do loss = loss + F.mse(F.gram(acts[n]), targets.grams[n]) * 1e3 end
  return loss + F.total_variation(x) * 1e-2
end

local opt = wick.optim.lbfgs({ x }, { max_iter = iters, tolerance_grad = 0, tolerance_change = 0 })
local first = wick.no_grad(loss_fn):item()
local evals = 0
local t0 = wick.clock()
opt:step(function()
  opt:zero_grad()
  local loss = loss_fn()
  loss:backward()
  evals = evals + 1
  return loss
end)
local dt = wick.clock() - t0
local last = wick.no_grad(loss_fn):item()
local f = io.open("/proc/self/status")
local peak = tonumber(f:read("a"):match("VmHWM:%s*(%d+)")) / 1024
f:close()
print(("wick style size=%d iters=%d evals=%d s=%.2f peak_mb=%.0f loss=%.4g->%.4g (x%.3f)"):format(size, iters, evals,
  dt, peak, first, last, last / first))
