-- Neural doodles (Champandard 2016): paint a rough map, get a painting. The painting's
-- regions come from k-means on its colours (--regions of them, blurred first so they are
-- coarse) and are written as a map in flat palette colours; the doodle is a map in the
-- same colours — the first run writes one (the painting's own map, mirrored) for you to
-- repaint in any paint program, then `--map your.png` renders yours. The maps ride along
-- as extra channels of the features in CNNMRF's patch matching (cnnmrf.lua), so sky
-- patches are only taken where the doodle says sky. No content picture: patches only,
-- from the doodle painted in its regions' colours.
--
-- Data: `make data`. Run: wick sketches/mrf/doodle.lua [--style starry] [--map doodle.png]
--       [--regions 4] [--size 256] [--levels 2] [--steps 60] [--map-weight 3] [--stride 2]
-- Writes out/<style>-map.png (the painting's regions), out/<style>-doodle.png (the example
-- doodle, when no --map is given), out/doodle-<style>-seed<seed>.png and a sheet beside it.
local wick = require "wick"
local T, image = wick.tensor, wick.image

local kit = wick.sketch { seed = 4, style = "starry", map = "", regions = 4, size = 256, levels = 2, steps = 60,
  map_weight = 3, stride = 2, mrf_weight = 10, tv_weight = 0.05, model = "models/inception_v3" }
local mrf = require "cnnmrf"   -- beside this file
local gatys = dofile(kit.here .. "/../style/gatys.lua")   -- the pictures by name
local started = wick.clock()
local net = wick.nn.load_tfjs(kit.model)
local sizes = mrf.level_sizes(kit.size, kit.levels)

local style = gatys.picture(kit.style, kit.size)
local style_map, colors = mrf.kmeans(image.blur(style, 3), kit.regions, 20)
print(image.save(mrf.map_image(style_map), kit:path("%s-map.png", kit.style)))
local map
if kit.map ~= "" then
  map = mrf.read_map(kit.map, kit.regions)
else   -- the example doodle: the painting's map, mirrored left to right
  map = style_map:index_select(2, T.arange(style_map:size(2), 1, -1))
  print(image.save(mrf.map_image(map), kit:path("%s-doodle.png", kit.style)) .. "  (repaint it, then --map it)")
end

local o = { steps = kit.steps, stride = kit.stride, content_weight = 0, mrf_weight = kit.mrf_weight,
  tv_weight = kit.tv_weight, map_weight = kit.map_weight, regions = kit.regions, style_map = style_map, map = map }
local x
for i, side in ipairs(sizes) do
  local s = net:preprocess(image.fit(style, side), { size = false })
  local scale = side / math.max(map:size(1), map:size(2))   -- the doodle's shape, longer side `side`
  local h, w = math.floor(map:size(1) * scale + 0.5), math.floor(map:size(2) * scale + 0.5)
  -- from the doodle in its regions' colours, with noise; then the last level, enlarged
  x = x and image.resize(x, h, w) or net:preprocess(image.resize(mrf.map_image(map, colors), h, w)
    + T.randn(3, h, w) * 0.1, { size = false })
  local loss
  x, loss = mrf.level(net, x, s, nil, o)
  print(("  level %d/%d, %d px: loss %.4g, %.0f s"):format(i, #sizes, side, loss, wick.clock() - started))
end
local out = net:deprocess(x):squeeze(1)
print(image.save(out, kit:path("doodle-%s-seed%d.png", kit.style, kit.seed)))
local h, w = out:size(2), out:size(3)
local sheet = { image.resize(style, h, w), image.resize(mrf.map_image(style_map), h, w, { mode = "nearest" }),
  image.resize(mrf.map_image(map), h, w, { mode = "nearest" }), out }
print(image.save(image.grid(sheet, { cols = 4, pad = 4 }), kit:path("doodle-sheet-%s-seed%d.png", kit.style, kit.seed)))
print(("done in %.0f s"):format(wick.clock() - started))
