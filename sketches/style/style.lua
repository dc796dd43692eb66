-- Style transfer (Gatys, Ecker and Bethge 2015) — a photograph re-rendered in a painting's
-- style: the picture is optimised so that one deep layer sees the photograph's content and
-- the Gram matrices (which features fire together, wherever they are) of several layers
-- match the painting's, with a total-variation prior against grain. Two feature networks
-- through one API: InceptionV3's trunk, trained on ImageNet, and one layer of random,
-- untrained filters at six scales (Ustyuzhaninov et al. 2016). --compare runs the same pair
-- through both; --texture grows a texture from noise with the Gram matrices alone.
--
-- Data: `make data` (the InceptionV3 model folder, skimage, opencv and darknet pictures).
-- Run:  wick sketches/style/style.lua [--content astronaut] [--style starry[,scream]]
--       [--style-weights 0.7,0.3] [--style-scale 1] [--size 512] [--net inception|random]
--       [--optimizer lbfgs|adam] [--lr 1] [--steps 200] [--every 50] [--init content|style|noise]
--       [--original-colors] [--content-weight 1] [--style-weight 30] [--tv-weight 2]
--       [--compare] [--texture brick,grass,gravel,sky]
--       default: astronaut in Starry Night's style, 512 px, 200 L-BFGS iterations on
--       InceptionV3: 169 s and 1.27 GB peak (/usr/bin/time -v) on two cores of an AMD EPYC.
--       The random filters (23×23 kernels at full resolution) are slower: --compare at
--       192 px with 100 steps takes 143 s, 122 of them on the random net.
-- Writes out/style-<content>-<styles>-<net>-seed<seed>.png, out/compare-<content>-<style>-
-- seed<seed>.png (the photo, the painting, InceptionV3's, the random filters'), out/texture-
-- <names>-<net>-seed<seed>.png (each source above its texture), and out/preview.png every
-- --every iterations. Every PNG records the sketch and the seed.
local wick = require "wick"
local image = wick.image

local kit = wick.sketch { seed = 7, content = "astronaut", style = "starry", style_weights = "", style_scale = 1,
  size = 512, net = "inception", optimizer = "lbfgs", lr = 1, steps = 200, every = 50, init = "content",
  original_colors = false, content_weight = -1, style_weight = -1, tv_weight = -1, compare = false, texture = "",
  model = "models/inception_v3" }
local gatys = require "gatys"   -- beside this file: losses, the loop, pictures by name
local started = wick.clock()
local styles, weights = gatys.styles(kit.style, kit.style_weights)

local function run(net_name, content, style_pics, size)   -- one result, 3×H×W (gatys.run)
  return gatys.run(kit, net_name, content, style_pics, size, weights, started)
end
local function style_pictures(size)   -- the styles, resized by --style-scale
  local list = {}
  for i, name in ipairs(styles) do list[i] = gatys.picture(name, math.floor(size * kit.style_scale + 0.5)) end
  return list
end

if kit.texture ~= "" then   -- ---- textures from noise: Gram matrices only -----------------
  local cells, names = {}, {}
  weights = { 1 }
  for name in kit.texture:gmatch("[^,]+") do
    local src = gatys.picture(name, kit.size)
    print(("texture: %s on %s, %d px"):format(name, kit.net, kit.size))
    local h, w = src:size(2), src:size(3)
    cells[#cells + 1] = src
    cells[#cells + 1] = run(kit.net, nil, { src }, { h = h, w = w })
    names[#names + 1] = name
  end
  print(image.save(image.grid(cells, { cols = 2, pad = 4 }), kit:path("texture-%s-%s-seed%d.png",
    table.concat(names, "-"), kit.net, kit.seed)))
else   -- ---- style transfer, on one net or (--compare) both ---------------------------
  local content = gatys.picture(kit.content, kit.size)
  local size = { h = content:size(2), w = content:size(3) }
  local tag = table.concat(styles, "-")
  print(("%s in the style of %s, %dx%d"):format(kit.content, table.concat(styles, " + "), size.w, size.h))
  if kit.compare then
    local cells = { content, image.resize(gatys.picture(styles[1], kit.size), size.h, size.w) }
    for _, net in ipairs { "inception", "random" } do
      cells[#cells + 1] = run(net, content, style_pictures(kit.size), size)
    end
    print(image.save(image.grid(cells, { cols = 4, pad = 4 }), kit:path("compare-%s-%s-seed%d.png", kit.content, tag,
      kit.seed)))
  else
    local out = run(kit.net, content, style_pictures(kit.size), size)
    print(image.save(out, kit:path("style-%s-%s-%s%s-seed%d.png", kit.content, tag, kit.net,
      kit.original_colors and "-colors" or "", kit.seed)))
  end
end
print(("done in %.0f s; pictures in %s"):format(wick.clock() - started, kit.out))
