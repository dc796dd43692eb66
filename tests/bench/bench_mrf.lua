-- bench_mrf.lua — wick side of bench_mrf.sh: CNNMRF patch matching (nn.patch_bank) on
-- real InceptionV3 features. Two modes:
--   wick bench_mrf.lua prepare FEATS      InceptionV3's mixed2 of Starry Night (style) and
--                                          the astronaut (synthesis), both fitted to 128,
--                                          256 and 512 px, written to FEATS (safetensors)
--                                          for both sides to read
--   wick bench_mrf.lua run FEATS OUT       per size: the bank (3×3 patches, stride 1), the
--                                          match, and match + loss + gradient; the fastest
--                                          of several calls; indices and losses to OUT
-- Prints one line per size: patches, windows, GEMM size, milliseconds, the loss.
local wick = require "wick"
local nn, image = wick.nn, wick.image

local SIZES = { 128, 256, 512 }
local LAYER = "mixed2"
local mode, feats_path, out_path = arg[1], arg[2], arg[3]

if mode == "prepare" then
  local net = nn.load_tfjs("models/inception_v3")
  local root = "/usr/local/share/wick/images/"
  local style = image.rgb(image.load(root .. "opencv/starry_night.jpg"))
  local photo = image.rgb(image.load(root .. "skimage/astronaut.png"))
  local feats = {}
  wick.no_grad(function()
    for _, size in ipairs(SIZES) do
      feats["style_" .. size] = net:upto(net:preprocess(image.fit(style, size), { size = false }), LAYER):contiguous()
      feats["x_" .. size] = net:upto(net:preprocess(image.fit(photo, size), { size = false }), LAYER):contiguous()
    end
  end)
  wick.save(feats, feats_path)
  return
end
assert(mode == "run" and feats_path and out_path, "usage: wick bench_mrf.lua prepare FEATS | run FEATS OUT")

-- the fastest of calls to fn, repeated for about `budget` seconds (at least 3 times)
local function fastest(fn, budget)
  local best, spent, n = math.huge, 0, 0
  while n < 3 or spent < budget do
    local t0 = wick.clock()
    fn()
    local dt = wick.clock() - t0
    best, spent, n = math.min(best, dt), spent + dt, n + 1
  end
  return best
end

local feats = wick.load(feats_path)
local out = {}
for _, size in ipairs(SIZES) do
  local s, x = feats["style_" .. size], feats["x_" .. size]
  local bank
  local t_bank = fastest(function()
    if bank then bank:free() end
    bank = nn.patch_bank(s)
  end, 0.5)
  local idx
  local t_match = fastest(function() idx = bank:match(x) end, 2)
  local xg = x:clone():requires_grad()
  local loss
  local t_loss = fastest(function()
    xg.grad = nil
    loss = bank:loss(xg)
    loss:backward()
  end, 2)
  local C, H, W = x:size(2), x:size(3), x:size(4)
  out["idx_" .. size] = idx
  out["loss_" .. size] = loss:detach()
  print(("wick size=%d C=%d style=%dx%d x=%dx%d patches=%d windows=%d gflop=%.2f bank_ms=%.1f match_ms=%.2f "
    .. "match_loss_grad_ms=%.2f loss=%.6g grad_sum=%.6g"):format(size, C, s:size(3), s:size(4), H, W, bank:size(),
    idx:numel(), 2 * bank:size() * idx:numel() * C * 9 / 1e9, t_bank * 1e3, t_match * 1e3, t_loss * 1e3, loss:item(),
    xg.grad:abs():sum():item()))
  bank:free()
end
wick.save(out, out_path)
