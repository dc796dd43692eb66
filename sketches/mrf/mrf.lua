-- Patch style (Li and Wand 2016, "Combining Markov Random Fields and Convolutional Neural
-- Networks for Image Synthesis"): a photograph repainted from the painting's own patches.
-- Each 3×3 window of the picture's InceptionV3 features (activation_3, activation_5,
-- mixed2) is pulled towards the painting's window it correlates with best —
-- nn.patch_bank, a GEMM + argmax in C, matched afresh at every step — with mixed3 keeping
-- the photograph's content, coarse to fine over --levels sizes, from the photograph in the
-- painting's colours. Where Gatys's Gram matrices scatter a painting's statistics, this
-- keeps its strokes whole. The sheet shows content, style, and each level's result.
--
-- Data: `make data`. Run: wick sketches/mrf/mrf.lua [--content astronaut] [--style starry]
--       [--size 256] [--levels 3] [--steps 60] [--stride 2] [--content-weight 1]
--       [--mrf-weight 10] [--tv-weight 0.05]      (--stride: between the painting's patches)
-- Writes out/mrf-<content>-<style>-seed<seed>.png and out/mrf-sheet-<content>-<style>-seed<seed>.png.
local wick = require "wick"
local image = wick.image

local kit = wick.sketch { seed = 3, content = "astronaut", style = "starry", size = 256, levels = 3, steps = 60,
  stride = 2, content_weight = 1, mrf_weight = 10, tv_weight = 0.05, model = "models/inception_v3" }
local mrf = require "cnnmrf"   -- beside this file
local gatys = dofile(kit.here .. "/../style/gatys.lua")   -- the pictures by name
local started = wick.clock()
local net = wick.nn.load_tfjs(kit.model)
local sizes = mrf.level_sizes(kit.size, kit.levels)
local content, style = gatys.picture(kit.content, kit.size), gatys.picture(kit.style, kit.size)
local o = { steps = kit.steps, stride = kit.stride, content_weight = kit.content_weight, mrf_weight = kit.mrf_weight,
  tv_weight = kit.tv_weight }

local x
local sheet = { content, image.resize(style, content:size(2), content:size(3)) }
for i, side in ipairs(sizes) do
  local c = net:preprocess(image.fit(content, side), { size = false })
  local s = net:preprocess(image.fit(style, side), { size = false })
  -- the first level starts from the photograph in the painting's colours; the others from
  -- the last level's result, enlarged
  x = x and image.resize(x, c:size(3), c:size(4))
    or net:preprocess(mrf.match_colors(image.fit(content, side), style), { size = false })
  local loss
  x, loss = mrf.level(net, x, s, c, o)
  local result = net:deprocess(x):squeeze(1)
  sheet[#sheet + 1] = image.resize(result, content:size(2), content:size(3))
  print(("  level %d/%d, %d px: loss %.4g, %.0f s"):format(i, #sizes, side, loss, wick.clock() - started))
end
local final = net:deprocess(x):squeeze(1)
print(image.save(final, kit:path("mrf-%s-%s-seed%d.png", kit.content, kit.style, kit.seed)))
print(image.save(image.grid(sheet, { cols = #sheet, pad = 4 }), kit:path("mrf-sheet-%s-%s-seed%d.png", kit.content,
  kit.style, kit.seed)))
print(("done in %.0f s"):format(wick.clock() - started))
