-- bench_flow.lua — wick side of bench_flow.sh: wick.image.flow with its defaults (5
-- levels at scale 0.5, window 15 gaussian, 3 iterations, poly_n 5, poly_sigma 1.1, as
-- bench_flow.py passes OpenCV) on the frames bench_flow.py made, best of 5 timed runs
-- after a first call (timed too: it allocates the workspace later frames reuse); the
-- mean endpoint error against the true flow over the picture less a margin of SIZE/32
-- pixels. Usage: wick bench_flow.lua DIR
local wick = require "wick"
local image = wick.image

local dir = assert(arg[1], "usage: wick bench_flow.lua DIR")
local prev, next = image.load(dir .. "/prev.png"), image.load(dir .. "/next.png")
local gt = wick.load(dir .. "/gt.safetensors")
if not wick.tensor.is_tensor(gt) then gt = gt.flow end
-- the first call allocates image.flow's workspace (kept for later frames)
local t_first = wick.clock()
local flow = image.flow(prev, next)
t_first = wick.clock() - t_first
local best = math.huge
for _ = 1, 5 do
  local t0 = wick.clock()
  flow = image.flow(prev, next)
  best = math.min(best, wick.clock() - t0)
end
local h, w = gt:size(2), gt:size(3)
local m = h // 32
local d = (flow - gt):narrow(2, m + 1, h - 2 * m):narrow(3, m + 1, w - 2 * m)
local epe = (d * d):sum(1):sqrt():mean():item()
print(("wick threads=%d s=%.4f epe=%.4f first=%.4f"):format(wick.threads(), best, epe, t_first))
