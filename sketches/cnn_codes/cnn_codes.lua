-- CNN codes — what a trained network thinks is alike. Every photograph and painting in
-- the data folder is cut into tiles (whole, 2×2, 3×3), and InceptionV3 turns each into
-- a 2,048-number code: the global average of its last block, mixed10 (the layer before
-- the head). t-SNE lays the codes out in 2-D and the tiles are snapped to a square grid
-- by optimal assignment: skies find skies, faces find faces, brushwork finds brushwork,
-- whatever picture they were cut from (the essay's "CNN codes" map). Then the same for
-- wick's own Fashion-MNIST classifier (sketches/classify's saved net): the 128-number
-- code of its penultimate layer for test images, clothes sorted by what the net learned.
--
-- Data: `make data` (the InceptionV3 model folder and images/), Fashion-MNIST, and the
--       classifier saved by `wick sketches/classify/classify.lua` (missing: that part says so).
-- Run:  wick sketches/cnn_codes/cnn_codes.lua [--tiles 400] [--fashion-count 2025] [--no-fashion] [--full]
--       default: 400 of the 756 tiles (codes 45 s), 2,025 Fashion-MNIST test images (6 s):
--       about a minute on two cores of an AMD EPYC; --full: every tile and all 10,000 test
--       images, their mosaic 64×64 (126 s).
-- Writes out/map-inception-mixed10-seed<seed>.png (the t-SNE map coloured by source folder),
-- out/mosaic-inception-mixed10-seed<seed>.png, out/map-fashion-penultimate-seed<seed>.png
-- (coloured by class), out/mosaic-fashion-penultimate-seed<seed>.png; out/preview.png; and
-- each map as a page to explore (hover a point for its picture), out/page-<map>-seed<seed>/.
local wick = require "wick"
local T, image = wick.tensor, wick.image

local kit = wick.sketch { seed = 7, tiles = 400, batch = 8, cell = 72, perplexity = 30, fashion_count = 2025,
  inception = true, fashion = true, model = "models/inception_v3", classifier = "" }
if kit.full then kit.tiles, kit.fashion_count = 100000, 10000 end
local tiles, codes_map = require "tiles", require "codes_map"   -- beside this file
local fashion = dofile(kit.here .. "/../classify/classify_net.lua")   -- classify's net
local started = wick.clock()

-- ---- InceptionV3 codes of photo tiles ----------------------------------------------------
if kit.inception then
  local net = wick.nn.load_tfjs(kit.model)
  local crops, from, pictures = tiles.collect(kit.tiles, function(list) return kit:shuffle(list) end)
  print(("%d tiles from %d pictures (%s)"):format(#crops, pictures, table.concat(tiles.sources, ", ")))
  local codes, thumbs, bar = {}, {}, wick.data.progress(#crops, "tiles")
  for first = 1, #crops, kit.batch do
    local batch = {}
    for i = first, math.min(#crops, first + kit.batch - 1) do
      batch[#batch + 1] = net:preprocess(crops[i]:contiguous())
      thumbs[i] = image.resize(crops[i]:contiguous(), kit.cell, kit.cell, { mode = "area" })
    end
    -- mixed10 is N×2048×8×8 at 299²: its mean over space is the pooled code the head reads
    codes[#codes + 1] = wick.no_grad(function() return net:upto(T.cat(batch, 1), "mixed10"):mean(4):mean(3) end)
    bar.update(first + #batch - 1, first + #batch - 1)
    if (first - 1) % (kit.batch * 10) == 0 then
      print(("  codes %d/%d (%.0f s)"):format(first + #batch - 1, #crops, wick.clock() - started))
    end
  end
  bar.finish()
  print(codes_map.draw(kit, T.cat(codes, 1), thumbs, T(from), "inception-mixed10", kit.perplexity,
    "InceptionV3 mixed10 codes: blue skimage, orange opencv, green darknet, red Getty", tiles.sources))
end

-- ---- the Fashion-MNIST classifier's penultimate layer ------------------------------------
if kit.fashion then
  local net, why = fashion.load(kit.classifier ~= "" and kit.classifier or fashion.default_path(kit.here))
  if not net then print("fashion: " .. why); return end
  local _, test = wick.data.fashion_mnist()
  local n = math.min(kit.fashion_count, test.n)
  local x, y = test.x:narrow(1, 1, n), test.y:narrow(1, 1, n)
  local codes = wick.no_grad(function() return net:upto(x, fashion.penultimate) end)
  print(codes_map.draw(kit, codes, x, y, "fashion-penultimate", kit.perplexity,
    "Fashion-MNIST penultimate codes, coloured by class", test.classes))
end
print(("done in %.0f s; pictures in %s"):format(wick.clock() - started, kit.out))
