-- bench_inception.lua — wick side of bench_inception.sh: InceptionV3 (nsfwjs's Keras
-- model, `make data`) forward at 299² for a batch, or one Deep Dream step (forward to
-- mixed4, backward to the image) at a size; prints ms per call after a warm-up, the peak
-- resident memory, and a quality figure: for the forward, how far mixed5 is from what
-- TensorFlow.js computed on a real image (reference.safetensors from `make data`); for the
-- Deep Dream step, the loss, so both sides can be seen doing the same work.
-- Usage: wick bench_inception.lua forward BATCH REPS | dream SIZE REPS
local wick = require "wick"
local T = wick.tensor

local mode, n, reps = arg[1], tonumber(arg[2]), tonumber(arg[3]) or 5
local net = wick.nn.load_tfjs("models/inception_v3")

local function peak_rss_mb()
  local f = io.open("/proc/self/status")
  local kb = f and f:read("a"):match("VmHWM:%s*(%d+)") or "0"
  if f then f:close() end
  return tonumber(kb) / 1024
end

local function time_it(fn)
  fn()   -- warm-up: workspaces, block cache
  local best = math.huge
  for _ = 1, reps do
    local t0 = wick.clock()
    fn()
    best = math.min(best, wick.clock() - t0)
  end
  return best
end

wick.seed(0)
if mode == "forward" then
  local x = T.rand(n, 3, 299, 299) * 2 - 1
  local dt = time_it(function() wick.no_grad(net, x) end)
  local quality = "reference=missing"
  local ok, path = pcall(wick.data.find, "models/inception_v3/reference/reference.safetensors")
  if ok then
    local ref = wick.load(path)
    local worst = 0
    for key, input in pairs(ref) do
      local photo = key:match("^(.-)/input$")
      if photo and ref[photo .. "/mixed5"] then
        local got = wick.no_grad(net.upto, net, input:permute(1, 4, 2, 3):contiguous(), "mixed5"):permute(1, 3, 4, 2)
        local want = ref[photo .. "/mixed5"]
        local range = want:max():item() - want:min():item()
        worst = math.max(worst, (got - want):abs():max():item() / range)
      end
    end
    quality = ("mixed5_vs_tfjs=%.2e"):format(worst)
  end
  print(("wick forward batch=%d ms=%.1f ms_per_image=%.1f peak_mb=%.0f %s"):format(n, dt * 1e3, dt * 1e3 / n,
    peak_rss_mb(), quality))
elseif mode == "dream" then
  local x0 = T.rand(1, 3, n, n) * 2 - 1
  local loss
  local dt = time_it(function()
    local x = x0:clone():requires_grad()
    local a = net:upto(x, "mixed4")
    local l = (a * a):mean()
    l:backward()
    loss = l:item()
    assert(x.grad:abs():sum():item() > 0)
  end)
  print(("wick dream size=%d ms=%.1f peak_mb=%.0f loss=%.4g"):format(n, dt * 1e3, peak_rss_mb(), loss))
else
  error("usage: wick bench_inception.lua forward BATCH REPS | dream SIZE REPS")
end
