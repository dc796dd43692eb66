-- codes_map.lua — how the cnn_codes sketch draws a set of codes (one feature vector per
-- picture): PCA to 50 dimensions, a 2-D t-SNE, the map as points coloured by where
-- each picture came from, and the pictures themselves snapped to a square grid by
-- optimal assignment (wick.embed.grid) — the layout of sketches/tsne's mosaic.
local wick = require "wick"
local embed, plot = wick.embed, wick.plot

local M = {}

-- codes: N×D; pictures: a list (or N×C×H×W tensor) of the N pictures; labels: N source or
-- class ids; kit: the sketch's kit (paths, seed); name: the files' middle name; title:
-- the map's (what its colours mean); label_names: the name of each id, for the page.
-- Writes out/map-<name>-seed<seed>.png and out/mosaic-<name>-seed<seed>.png, and
-- out/preview.png every 250 t-SNE steps; and the map as a page to explore (hover a point
-- for its picture), out/page-<name>-seed<seed>/index.html. Returns the three paths.
function M.draw(kit, codes, pictures, labels, name, perplexity, title, label_names)
  local n, started = codes:size(1), wick.clock()
  local x = codes
  if codes:size(2) > 50 and n > 50 then x = embed.pca(codes, 50) end
  local map = embed.tsne(x, { dims = 2, perplexity = math.min(perplexity, (n - 1) // 3), normalize = true,
    progress = false, every = 250, on_step = function(info)
      print(("  %s t-SNE step %d: KL %.3f (%.0f s)"):format(name, info.step, info.loss, wick.clock() - started))
      plot.scatter(info.positions, { labels = labels, size = 600, radius = 3, path = kit:path("preview.png") })
    end })
  local map_path = plot.scatter(map, { labels = labels, size = 1200, radius = 4, title = title,
    path = kit:path("map-%s-seed%d.png", name, kit.seed) })
  local page_path = wick.page(kit:path("page-%s-seed%d", name, kit.seed), map, { image = pictures, label = labels,
    classes = label_names, title = title, thumb = 96 })

  -- The largest square of pictures that fits, up to 64×64 (the exact assignment grows as
  -- the cube of the count); the first side² (already in random order).
  local side = math.min(64, math.floor(math.sqrt(n)))
  local m = side * side
  local cells = embed.grid(embed.normalize(map:narrow(1, 1, m)), { cols = side, rows = side })
  local picked = {}
  for i = 1, m do picked[i] = pictures[i] end
  local mosaic_path = plot.mosaic(picked, cells, { cols = side, rows = side,
    path = kit:path("mosaic-%s-seed%d.png", name, kit.seed) })
  print(("%s: %d codes of %d dimensions mapped, %dx%d mosaic (%.0f s); page %s"):format(name, n, codes:size(2), side,
    side, wick.clock() - started, page_path))
  return map_path, mosaic_path, page_path
end

return M
