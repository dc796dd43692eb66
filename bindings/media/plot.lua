-- plot.lua — wick.plot: pictures of data as PNG files or C×H×W tensors.
--
--   plot.scatter(points, opts)          an N×2 layout as discs, coloured, labelled, joined
--   plot.mosaic(images, cells, opts)    images placed on grid cells (wick.embed.grid)
--   plot.heatmap(matrix, opts)          a matrix (e.g. similarities) as labelled cells
--   plot.colormap(name, t)              r, g, b of a colormap at t (or an N×3 tensor for a tensor t)
--   plot.palette(id)                    r, g, b of the categorical colour of class id
--   plot.rgb(y)                         an N×3 tensor scaled column by column to [0,1]
--
-- With `path`, each call writes a PNG through wick.image.save (so the file carries the
-- sketch's name and seed) and returns the path; without, it returns the picture tensor.
-- Pictures use image coordinates: x to the right, y DOWN (a layout and its mosaic face
-- the same way). Scatter and heatmap draw with cairo, loaded on first use (package
-- libcairo2); the mosaic is plain tensor code. The C half is bindings/media/plot.c.
local wick = ...
local plot, T = wick.plot, wick.tensor
local options = wick._options

local function as_tensor(x)
  if type(x) == "table" and not T.is_tensor(x) then return T(x) end
  return x
end

local function finish(img, path)
  if path then
    if type(path) ~= "string" then wick._raise("plot: option 'path' must be a string, got " .. type(path)) end
    return wick.image.save(img, path)
  end
  return img
end

-- plot.scatter(points, opts) -> path | image, to_pixel
-- points: N×2 tensor (or list of pairs), any range; fitted into the picture with a margin
-- (same scale on both axes unless fit = "stretch"), or bounds = {x0, y0, x1, y1} mapped
-- onto the drawing area. to_pixel(x, y) gives the 1-based pixel column and row where a
-- data point lands, for drawing more on top.
local scatter_defaults = {
  path = false,           -- PNG to write; false: return the image tensor
  size = 1024,            -- pixels, or {w, h}
  radius = 2,             -- disc radius in pixels
  alpha = 0.8,            -- disc opacity
  colors = false,         -- N×3 tensor of RGB in [0,1] (see plot.rgb), or
  labels = false,         -- N class ids (1-based) in plot.palette's colours, or
  color = { 0.12, 0.47, 0.71 },   -- one colour for all
  text = false,           -- {"word", …}: text beside point i (holes allowed)
  font_size = 12,
  text_color = { 0.1, 0.1, 0.1 },  -- or "point": each text in its point's colour
  lines = false,          -- {{i, j}, …}: segments joining points i and j (drawn below)
  line_color = { 0.6, 0.6, 0.6 },
  line_width = 1,
  background = { 1, 1, 1 },       -- {r, g, b} or {r, g, b, a} (a < 1: an RGBA picture)
  title = false,
  bounds = false,         -- {x0, y0, x1, y1}: the data window; false: the points' extent
  margin = false,         -- pixels around the drawing area; false: 4% of the short side
  fit = "equal",          -- "equal" (one scale, centred) or "stretch" (fill both axes)
}

function plot.scatter(points, opts)
  opts = options("plot.scatter", opts, scatter_defaults, 2)
  points = as_tensor(points)
  if opts.colors then opts.colors = as_tensor(opts.colors) end
  local img, sx, sy, ox, oy = plot._scatter(points, opts)
  local function to_pixel(x, y) return ox + sx * x + 1, oy + sy * y + 1 end
  return finish(img, opts.path), to_pixel
end

-- plot.mosaic(images, cells, opts) -> path | image
-- images: N×C×H×W (or N×H×W) tensor, or a list of C×H×W / H×W tensors; cells: N
-- 1-based, row-major cells of a cols×rows grid (a tensor or list, e.g. from
-- wick.embed.grid), each used once. Cells are as big as the largest image unless
-- cell_size (a number or {h, w}) is given; other sizes are scaled to fit and centred.
local mosaic_defaults = { cols = false, rows = false, path = false, cell_size = false, background = 1 }

function plot.mosaic(images, cells, opts)
  opts = options("plot.mosaic", opts, mosaic_defaults, 2)
  if not opts.cols then
    wick._raise("plot.mosaic: option 'cols' is required (the grid's width, as given to wick.embed.grid)")
  end
  wick._check.integer("plot.mosaic", "option 'cols'", opts.cols, 1, 2 ^ 20)
  if opts.rows then wick._check.integer("plot.mosaic", "option 'rows'", opts.rows, 1, 2 ^ 20) end
  if not opts.rows then   -- enough rows for the largest cell
    local top = 0
    if T.is_tensor(cells) then
      top = cells:numel() > 0 and cells:max():item() or 0
      if top ~= top then top = 0 end   -- NaN: plot._mosaic names the bad cell
    elseif type(cells) == "table" then
      for _, c in ipairs(cells) do if type(c) == "number" and c > top then top = c end end
    end
    opts.rows = math.max(1, math.min(2 ^ 20, math.ceil(top / opts.cols)))
  end
  return finish(plot._mosaic(images, cells, opts), opts.path)
end

-- plot.heatmap(matrix, opts) -> path | image, origin
-- matrix: R×C tensor (or nested list). rows/cols: names drawn left of the rows and above
-- the columns (read upward). origin = {x =, y =}: the 1-based pixel of the first cell's
-- top-left corner; cell (i, j) spans `cell` pixels from origin + (j-1, i-1)·cell.
local heatmap_defaults = {
  rows = false, cols = false, path = false,
  cell = 32,                -- cell side in pixels
  colormap = "viridis",     -- viridis, magma, grey, rdbu, rdbu_r
  range = false,            -- {lo, hi} mapped to the colormap's ends; false: min and max
  values = false,           -- print each value in its cell
  title = false,
  font_size = 12,
  background = { 1, 1, 1 },
}

function plot.heatmap(matrix, opts)
  opts = options("plot.heatmap", opts, heatmap_defaults, 2)
  local img, x0, y0 = plot._heatmap(as_tensor(matrix), opts)
  return finish(img, opts.path), { x = x0 + 1, y = y0 + 1 }
end

-- plot.rgb(y) -> N×3 tensor: each column of an N×3 layout (a 3-D t-SNE, say) scaled to
-- [0,1] by its own min and max, ready for scatter's colors.
function plot.rgb(y)
  y = as_tensor(y)
  if not T.is_tensor(y) or y:dim() ~= 2 or y:size(2) ~= 3 then
    wick._raise("plot.rgb: expected an N×3 tensor")
  end
  local lo, hi = y:min(1), y:max(1)
  local span = T.where(hi:gt(lo), hi - lo, T.ones(3))
  return (y - lo) / span
end
