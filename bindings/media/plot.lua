-- plot.lua — wick.plot: pictures of data as PNG files or C×H×W tensors.
--
--   plot.scatter(points, opts)          an N×2 layout as discs, coloured, labelled, joined
--   plot.mosaic(images, cells, opts)    images placed on grid cells (wick.embed.grid)
--   plot.heatmap(matrix, opts)          a matrix (e.g. similarities) as labelled cells
--   plot.line(series, opts)             loss curves: lines over axes, log_y, a legend
--   plot.colormap(name, t)              r, g, b of a colormap at t (or an N×3 tensor for a tensor t)
--   plot.palette(id)                    r, g, b of the categorical colour of class id
--   plot.rgb(y)                         an N×3 tensor scaled column by column to [0,1]
--
-- With `path`, each call writes a PNG through wick.image.save (so the file carries the
-- sketch's name and seed) and returns the path; without, it returns the picture tensor.
-- Pictures use image coordinates: x to the right, y DOWN (a layout and its mosaic face
-- the same way). Scatter, heatmap and line draw with cairo, loaded on first use (package
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
  text = false,           -- {"word", …}: text beside point i (holes allowed), moved to a
                          -- free spot near it where another text already is
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

-- plot.line(series, opts) -> path | image, to_pixel
-- series, any of:
--   a list or 1-D tensor of values             one unnamed line (m:train's losses work as is)
--   {train = values, valid = values}           named lines (legend), in the names' order
--   {{name =, y = values, x = values, color = {r, g, b}}, …, or bare value lists}
-- x values default to 1, 2, …, n (opts.x: one list for every series without its own).
-- NaN values are gaps in a line (a validation loss known every 100 steps can sit in a
-- per-step list); infinite values, empty series, x values that are not finite and, with
-- log_y, values <= 0 are refused, naming the series and the index. Colours default to
-- plot.palette(1), (2), … in series order. to_pixel(x, y) gives the 1-based pixel
-- column and row where a value lands.
local line_defaults = {
  path = false,           -- PNG to write; false: return the image tensor
  size = { 800, 500 },    -- pixels, or one number for a square
  x = false,              -- x values shared by the series that have none
  log_y = false,          -- logarithmic y axis
  title = false, x_label = false, y_label = false,
  legend = true,          -- a legend of the named series (top right)
  line_width = 2,
  font_size = 13,
  colors = false,         -- {{r, g, b}, …} per series; false: plot.palette's
  background = { 1, 1, 1 },
}
local series_keys = { name = true, x = true, y = true, color = true }

local function line_values(v, what)
  if T.is_tensor(v) then
    wick._check.tensor("plot.line", what, v)
    if v:dim() ~= 1 then
      wick._raise(("plot.line: %s must be a 1-D tensor or a list of numbers, got shape {%s}")
        :format(what, table.concat(v:shape(), ", ")))
    end
    return v:table()
  end
  if type(v) ~= "table" then
    wick._raise(("plot.line: %s must be a list or 1-D tensor of numbers, got %s"):format(what, wick._check.show(v)))
  end
  return v
end

-- Every form of input as {{name =, x =, y =, color =}, …} of plain lists.
local function line_series(data)
  local list = {}
  local function add(e, name, what)
    if type(e) == "table" and not T.is_tensor(e) and e.y ~= nil then
      if e.name ~= nil and type(e.name) ~= "string" then
        wick._raise(("plot.line: %s's name must be a string, got %s"):format(what, wick._check.show(e.name)))
      end
      name = e.name or name
      local label = name and ("series '" .. name .. "'") or what
      for k in pairs(e) do
        if not series_keys[k] then
          wick._raise(("plot.line: %s has an unknown field '%s' (expected name, x, y, color)")
            :format(label, tostring(k)))
        end
      end
      list[#list + 1] = { name = name, y = line_values(e.y, label), x = e.x and line_values(e.x, label .. "'s x"),
        color = e.color }
    else
      list[#list + 1] = { name = name, y = line_values(e, name and ("series '" .. name .. "'") or what) }
    end
  end
  if T.is_tensor(data) or (type(data) == "table" and type(data[1]) == "number") then
    add(data, nil, "the values")
  elseif type(data) == "table" and data[1] ~= nil then
    for i, e in ipairs(data) do add(e, nil, "series " .. i) end
  elseif type(data) == "table" and next(data) ~= nil then
    local names = {}
    for k in pairs(data) do
      if type(k) ~= "string" then
        wick._raise(("plot.line: expected a list of values, a list of series or a table of name = values; "
          .. "got a key %s"):format(wick._check.show(k)))
      end
      names[#names + 1] = k
    end
    table.sort(names)
    for _, k in ipairs(names) do add(data[k], k, "series '" .. k .. "'") end
  elseif type(data) == "table" then
    wick._raise("plot.line: no series to draw (an empty table)")
  else
    wick._raise("plot.line: expected a list or 1-D tensor of values, a list of series or a table of name = values, got "
      .. wick._check.show(data))
  end
  return list
end

function plot.line(data, opts)
  opts = options("plot.line", opts, line_defaults, 2)
  wick._check.type("plot.line", "log_y", opts.log_y, "boolean")
  wick._check.type("plot.line", "legend", opts.legend, "boolean")
  if opts.colors then wick._check.type("plot.line", "colors", opts.colors, "table") end
  local list = line_series(data)
  local shared_x = opts.x and line_values(opts.x, "option 'x'")
  for i, e in ipairs(list) do
    e.x = e.x or shared_x or nil
    if e.color == nil then e.color = opts.colors and opts.colors[i] or { plot.palette(i) } end
  end
  local img, left, top, w, h, x0, x1, y0, y1 = plot._line(list, opts)
  local log = opts.log_y and math.log or function(v) return v end
  local ly0, ly1 = log(y0), log(y1)
  local function to_pixel(x, y)
    return left + (x - x0) / (x1 - x0) * w + 1, top + (1 - (log(y) - ly0) / (ly1 - ly0)) * h + 1
  end
  return finish(img, opts.path), to_pixel
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
