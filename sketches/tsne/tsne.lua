-- Maps of Fashion-MNIST — the essay's t-SNE studies. Ten thousand clothing images are
-- laid out in 2-D by t-SNE and each point is coloured by the same images' 3-D t-SNE
-- read as RGB, so neighbours in the high-dimensional space share a hue even when the
-- flat map tears them apart. Then the images themselves are snapped to a square grid
-- by optimal assignment (Jonker-Volgenant) and drawn as one mosaic: the Moon Drawings
-- figure, with clothes instead of moons.
--
-- Data: Debian's dataset-fashion-mnist (`make data`).
-- Run:  wick sketches/tsne/tsne.lua [--full] [--seed N]
--       default: the 10,000 test images (the issue's size, so more than the usual
--       minute): PCA to 50, two Barnes-Hut t-SNE runs of 1,000 iterations (2-D 24 s,
--       3-D 43 s; 70 s in all on two cores of a lightly loaded machine), and a
--       2,025-image mosaic (2 s); --full: all 70,000 images and a 4,096-image mosaic
--       (about ten minutes or more). Those steps are cached (wick.cache): a second run
--       reuses them, and under `wick --watch sketches/tsne/tsne.lua` an edit to the
--       pictures (a colour, a title, the mosaic) shows in under a second.
-- Writes out/map-rgb-seed<seed>.png (2-D map, 3-D colour), out/map-labels-seed<seed>.png
-- (the same map coloured by class), out/mosaic-seed<seed>.png, and the map as a page to
-- explore, out/page-seed<seed>/index.html (open it from disk: hover a point to see its
-- image, search a class; a few seconds more).
local wick = require "wick"
local T, embed, plot = wick.tensor, wick.embed, wick.plot

local kit = wick.sketch { seed = 7, positional = { "seed" } }   -- --full, --seed N, out/
local full, seed = kit.full, kit.seed

local train, test = wick.data.fashion_mnist()   -- under --watch: decoded once per session
local images, labels = test.x, test.y
if full then
  images, labels = T.cat({ train.x, test.x }), T.cat({ train.y, test.y })
end
local n = images:size(1)

-- The slow steps are cached (wick.cache): each runs once, and again only when its code,
-- its inputs or the seed change. A change below them — a colour, a title, the size of
-- the mosaic — re-draws the pictures from the stored layouts, in under a second under
-- `wick --watch`; a change in a step re-runs it and the steps that use its result.
local function timed(what, fn, ...)   -- fn(...), saying how long it took
  local clock = wick.clock()
  local results = table.pack(fn(...))
  print(("%s in %.1f s"):format(what, wick.clock() - clock))
  return table.unpack(results, 1, results.n)
end

-- PCA to 50 dimensions first: t-SNE's neighbours are found there (as every reference does).
local x50 = wick.cache("pca", function(x)
  return timed(("pca: %d images -> 50 dims"):format(x:size(1)), embed.pca, x, 50)
end, images:reshape(n, 28 * 28))

local function tsne(x, dims)
  return timed(("tsne %d-D"):format(dims), embed.tsne, x, { dims = dims, normalize = true })
end
local map = wick.cache("tsne 2-D", tsne, x50, 2)
local colour = wick.cache("tsne 3-D", tsne, x50, 3)

print((plot.scatter(map, { colors = colour, size = 1400, radius = 2, background = { 0, 0, 0 },
  path = kit:path("map-rgb-seed%d.png", seed) })))
print((plot.scatter(map, { labels = labels, size = 1400, radius = 2,
  path = kit:path("map-labels-seed%d.png", seed) })))

-- Snap a slice of the map to a square grid. The slice is renormalised so that it fills
-- the grid; the assignment is exact, so every image moves as little as it can.
local side = full and 64 or 45
local m = side * side
local cells, cost = wick.cache("grid", function(pick)
  return timed(("grid: %d images to %dx%d"):format(m, side, side), embed.grid, embed.normalize(pick),
    { cols = side, rows = side })
end, map:narrow(1, 1, m))
print(("grid: mean move %.4f of the map"):format(math.sqrt(cost / m)))
print(plot.mosaic(images:narrow(1, 1, m), cells, { cols = side, rows = side,
  path = kit:path("mosaic-seed%d.png", seed) }))

-- Last, the slowest to write (a sprite sheet of every image): the map as a page to
-- explore. It is a cached step too, so it is written again only when what it shows
-- changed, or when its folder is gone (the second argument).
local page = kit:path("page-seed%d", seed)
print(wick.cache("page", function(dir)
  return wick.page(dir, map, { image = images, label = labels, classes = test.classes,
    title = ("Fashion-MNIST: %d images by t-SNE (seed %d)"):format(n, seed) })
end, page, wick.fs.kind(page .. "/index.html") == nil))   -- re-run when the page is gone
