-- plot_spec.lua — wick.plot: scatter, heatmap and mosaic from Lua (pixels where expected,
-- PNG files with metadata, option checking, clear errors) and cairo's lazy loading
-- (not mapped at start-up, mapped after the first drawing; start-up stays fast).
-- The pixel-level drawing is tested in tests/c/test_draw.c.
local wick = require "wick"
local helpers = require "spec_helpers"
local plot, T = wick.plot, wick.tensor

local error_containing = helpers.error_containing
local read_file = helpers.read_file
local tmpdir = helpers.tmpdir

-- Removes a folder and everything in it, without a shell.
local remove_tree = helpers.remove_tree

local WICK = os.getenv("WICK") or "./wick"

-- ---- helpers -----------------------------------------------------------------------
-- RGB of pixel (x, y), 1-based, of a C×H×W picture.
local function pixel(img, x, y)
  return img:get(1, y, x), img:get(2, y, x), img:get(3, y, x)
end

local function near(a, b, tol) return math.abs(a - b) <= (tol or 3e-3) end

local function is_rgb(img, x, y, r, g, b, tol)
  local pr, pg, pb = pixel(img, x, y)
  return near(pr, r, tol) and near(pg, g, tol) and near(pb, b, tol)
end

local function cairo_mapped()
  local maps = read_file("/proc/self/maps")
  return maps:find("libcairo", 1, true) ~= nil
end

-- ---- scatter -------------------------------------------------------------------------
describe("plot.scatter", function()
  it("puts each point where to_pixel says, in its colour", function()
    local pts = T { { 0, 0 }, { 1, 1 }, { 0, 1 } }
    local img, at = plot.scatter(pts, { size = 100, margin = 10, radius = 3, alpha = 1, color = { 1, 0, 0 } })
    assert.are.same({ 3, 100, 100 }, img:shape())
    local x, y = at(1, 1)
    assert.are.equal(91, x)
    assert.are.equal(91, y)
    assert.is_true(is_rgb(img, 90, 90, 1, 0, 0))
    assert.is_true(is_rgb(img, 11, 90, 1, 0, 0))   -- (0, 1): left, and y grows down
    assert.is_true(is_rgb(img, 90, 11, 1, 1, 1))
    assert.is_true(is_rgb(img, 50, 50, 1, 1, 1))
  end)

  it("colours by an RGB tensor, a nested list, or class labels", function()
    local pts = { { 0, 0 }, { 1, 1 } }
    local img = plot.scatter(pts, { size = 100, margin = 10, alpha = 1, colors = { { 0, 1, 0 }, { 0.2, 0.4, 0.6 } } })
    assert.is_true(is_rgb(img, 11, 11, 0, 1, 0))
    assert.is_true(is_rgb(img, 90, 90, 0.2, 0.4, 0.6))
    img = plot.scatter(pts, { size = 100, margin = 10, alpha = 1, labels = T { 2, 7 } })
    local r, g, b = plot.palette(7)
    assert.is_true(is_rgb(img, 90, 90, r, g, b))
    r, g, b = plot.palette(2)
    assert.is_true(is_rgb(img, 11, 11, r, g, b))
  end)

  it("joins pairs with lines and writes text beside points", function()
    local pts = T { { 0, 0 }, { 1, 1 }, { 1, 0 } }
    local base = { size = 100, margin = 10, alpha = 1, line_color = { 0, 0, 1 }, line_width = 3 }
    local plain = plot.scatter(pts, base)
    base.lines = { { 1, 2 } }
    local img = plot.scatter(pts, base)
    assert.is_true(is_rgb(plain, 51, 51, 1, 1, 1))
    local lr, _, lb = pixel(img, 51, 51)
    assert.is_true(lb > 0.9 and lr < 0.1)
    base.lines = nil
    base.text = { "word" }
    img = plot.scatter(pts, base)
    local changed = 0
    for y = 4, 18 do
      for x = 16, 50 do
        if not is_rgb(img, x, y, 1, 1, 1, 0.02) then changed = changed + 1 end
      end
    end
    assert.is_true(changed > 20, "text inked " .. changed .. " pixels")
    -- text_color = "point": the word in its point's colour (green here)
    base.text_color, base.colors = "point", { { 0, 0.8, 0 }, { 1, 0, 0 }, { 1, 0, 0 } }
    img = plot.scatter(pts, base)
    local green, red = 0, 0
    for y = 4, 18 do
      for x = 16, 50 do
        local r, g = pixel(img, x, y)
        if r > g + 0.3 then red = red + 1 end
        if r < 0.5 and g > r + 0.2 then green = green + 1 end
      end
    end
    assert.is_true(green > 10 and red == 0, ("text pixels: %d green, %d red"):format(green, red))
  end)

  it("writes a PNG with the seed and sketch metadata and returns its path", function()
    local dir = tmpdir()
    wick.seed(777)
    local path = plot.scatter(T.randn(50, 2), { path = dir .. "/sub/s.png", size = { 64, 48 }, title = "t" })
    assert.are.equal(dir .. "/sub/s.png", path)
    local bytes = read_file(path)
    assert.are.equal("\137PNG", bytes:sub(1, 4))
    assert.is_truthy(bytes:find("tEXtSeed\0" .. "777", 1, true))
    local back = wick.image.load(path)
    assert.are.same({ 3, 48, 64 }, back:shape())
    remove_tree(dir)
  end)

  it("draws 70,000 points quickly", function()
    local y = T.randn(70000, 2)
    local t0 = wick.clock()
    plot.scatter(y, { size = 512, colors = plot.rgb(T.randn(70000, 3)) })
    local dt = wick.clock() - t0
    print(("  70,000 points at 512×512: %.0f ms"):format(dt * 1000))
    assert.is_true(dt < 2)
  end)

  it("rejects bad input with clear errors", function()
    local pts = T { { 0, 0 }, { 0 / 0, 1 }, { 1, 1 } }
    error_containing("plot.scatter: point 2 is NaN", plot.scatter, pts)
    pts = T { { 0, 0 }, { 1, 1 }, { 1, 0 } }
    error_containing("plot.scatter: unknown option 'colour'", plot.scatter, pts, { colour = { 1, 0, 0 } })
    error_containing("plot.scatter: 2 labels for 3 points", plot.scatter, pts, { labels = { 1, 2 } })
    error_containing("plot.scatter: labels entry 2 is 1.5, not a whole number", plot.scatter, pts,
      { labels = { 1, 1.5, 2 } })
    error_containing("colors must be an N×3 tensor for 3 points", plot.scatter, pts, { colors = T.rand(2, 3) })
    error_containing("option 'text' has an entry at 4, outside the 3 points", plot.scatter, pts,
      { text = { "a", "b", "c", "d" } })
    error_containing("text 2 is number, not a string", plot.scatter, pts, { text = { "a", 5 } })
    error_containing("line 1 joins point 9, outside 1..3", plot.scatter, pts, { lines = { { 1, 9 } } })
    error_containing("line 1 must have 2 numbers", plot.scatter, pts, { lines = { { 1 } } })
    error_containing("points must be an N×2 tensor, got shape [3,3]", plot.scatter, T.rand(3, 3))
    error_containing("option 'color' must have 3 numbers", plot.scatter, pts, { color = { 1, 0 } })
    error_containing("option 'fit' must be", plot.scatter, pts, { fit = "fill" })
    error_containing("option 'size' must be", plot.scatter, pts, { size = 0 })
    error_containing("give colors or labels, not both", plot.scatter, pts,
      { colors = T.rand(3, 3), labels = { 1, 2, 3 } })
  end)
end)

-- ---- heatmap -----------------------------------------------------------------------
describe("plot.heatmap", function()
  it("colours each cell by the colormap and reports the grid's corner", function()
    local m = T { { 0, 1, 2 }, { 3, 4, 5 } }
    local img, origin = plot.heatmap(m, { cell = 10 })
    for i = 1, 2 do
      for j = 1, 3 do
        local r, g, b = plot.colormap("viridis", ((i - 1) * 3 + j - 1) / 5)
        local x, y = origin.x + (j - 1) * 10, origin.y + (i - 1) * 10
        assert.is_true(is_rgb(img, x, y, r, g, b) and is_rgb(img, x + 9, y + 9, r, g, b), ("cell %d,%d"):format(i, j))
      end
    end
    local r, g, b = plot.colormap("magma", 0.5)
    img, origin = plot.heatmap(m, { cell = 10, colormap = "magma", range = { -5, 15 } })
    assert.is_true(is_rgb(img, origin.x + 25, origin.y + 15, r, g, b))   -- 5 is the middle of -5..15
  end)

  it("labels rows and columns and writes a file", function()
    local names = { "monday", "tuesday", "wednesday" }
    local plain, o1 = plot.heatmap(T.eye(3), { cell = 20 })
    local img, o2 = plot.heatmap(T.eye(3), { cell = 20, rows = names, cols = names, title = "days", values = true })
    assert.is_true(o2.x > o1.x + 30 and o2.y > o1.y + 30)
    assert.is_true(img:size(3) > plain:size(3))
    local changed = 0
    for y = o2.y, o2.y + 19 do
      for x = 1, o2.x - 2 do
        if not is_rgb(img, x, y, 1, 1, 1, 0.02) then changed = changed + 1 end
      end
    end
    assert.is_true(changed > 20)
    local dir = tmpdir()
    local path = plot.heatmap(T.eye(2), { path = dir .. "/h.png", rows = { 0, 1 }, cols = { "a", "b" } })
    assert.are.equal(dir .. "/h.png", path)
    assert.are.equal("\137PNG", read_file(dir .. "/h.png"):sub(1, 4))
    remove_tree(dir)
  end)

  it("rejects bad input with clear errors", function()
    error_containing("plot.heatmap: 2 row names for 3 rows", plot.heatmap, T.eye(3), { rows = { "a", "b" } })
    error_containing("plot.heatmap: 4 column names for 3 columns", plot.heatmap, T.eye(3),
      { cols = { "a", "b", "c", "d" } })
    error_containing("plot.heatmap: entry (2,1) is NaN", plot.heatmap, T { { 1, 2 }, { 0 / 0, 1 } })
    error_containing("plot.heatmap: unknown colormap 'jet'", plot.heatmap, T.eye(2), { colormap = "jet" })
    error_containing("plot.heatmap: unknown option 'cmap'", plot.heatmap, T.eye(2), { cmap = "jet" })
    error_containing("plot.heatmap: expected a matrix R×C with 1 to 16384 rows and columns (a cell is at" ..
      " least a pixel), got shape [4]", plot.heatmap, T.ones(4))
  end)
end)

-- ---- mosaic ------------------------------------------------------------------------
describe("plot.mosaic", function()
  it("puts image k in cell k", function()
    local n, cols, rows = 6, 4, 3
    local imgs = T.zeros(n, 1, 3, 2)
    for k = 1, n do imgs[k]:fill_(k / 10) end
    local cells = { 12, 1, 6, 7, 3, 10 }
    local m = plot.mosaic(imgs, cells, { cols = cols, rows = rows, background = 1 })
    assert.are.same({ 1, 9, 8 }, m:shape())
    local used = {}
    for k, c in ipairs(cells) do
      used[c] = true
      local r, col = (c - 1) // cols, (c - 1) % cols
      local block = m[1]:narrow(1, r * 3 + 1, 3):narrow(2, col * 2 + 1, 2)
      assert.is_true(near(block:min():item(), k / 10, 1e-6) and near(block:max():item(), k / 10, 1e-6), "image " .. k)
    end
    for c = 1, cols * rows do
      if not used[c] then
        local r, col = (c - 1) // cols, (c - 1) % cols
        assert.are.equal(1, m:get(1, r * 3 + 1, col * 2 + 1))
      end
    end
    -- a list of images, cells as a tensor, rows inferred, and a PNG
    local list = { T.full({ 3, 2, 2 }, 0.25), T.full({ 3, 2, 2 }, 0.75) }
    local dir = tmpdir()
    local path = plot.mosaic(list, T { 2, 3 }, { cols = 2, path = dir .. "/m.png" })
    local back = wick.image.load(path)
    assert.are.same({ 3, 4, 4 }, back:shape())
    assert.is_true(near(back:get(1, 1, 3), 0.25, 0.003) and near(back:get(1, 3, 1), 0.75, 0.003))
    remove_tree(dir)
  end)

  it("scales images to cell_size", function()
    local m = plot.mosaic(T.full({ 2, 1, 8, 8 }, 0.5), { 1, 2 }, { cols = 2, cell_size = 4 })
    assert.are.same({ 1, 4, 8 }, m:shape())
    assert.is_true(near(m:min():item(), 0.5, 1e-6))
  end)

  it("rejects bad cells and options with clear errors", function()
    local imgs = T.zeros(3, 1, 2, 2)
    local grid = { cols = 2, rows = 2 }
    error_containing("plot.mosaic: cell 2 is given to images 1 and 3", plot.mosaic, imgs, { 2, 4, 2 }, grid)
    error_containing("plot.mosaic: image 2 has cell 5, outside the 2×2 grid", plot.mosaic, imgs, { 1, 5, 2 }, grid)
    error_containing("plot.mosaic: 2 cells for 3 images", plot.mosaic, imgs, { 1, 2 }, { cols = 2 })
    error_containing("plot.mosaic: option 'cols' is required", plot.mosaic, imgs, { 1, 2, 3 })
    error_containing("plot.mosaic: unknown option 'columns'", plot.mosaic, imgs, { 1, 2, 3 }, { cols = 2, columns = 2 })
    error_containing("plot.mosaic: cells entry 3 is 2.5, not a whole number", plot.mosaic, imgs, { 1, 2, 2.5 }, grid)
    error_containing("image 2 of the list is number", plot.mosaic, { T.zeros(2, 2), 5 }, { 1, 2 }, { cols = 2 })
  end)
end)

-- ---- colours and cairo loading -----------------------------------------------------
describe("plot colours", function()
  it("maps values through colormaps and scales layouts to RGB", function()
    local r, g, b = plot.colormap("viridis", 0)
    assert.is_true(near(r, 68 / 255, 1e-6) and near(g, 1 / 255, 1e-6) and near(b, 84 / 255, 1e-6))
    local c = plot.colormap("grey", T { 0, 0.5, 1 })
    assert.are.same({ 3, 3 }, c:shape())
    assert.is_true(near(c:get(2, 2), 0.5, 1e-6))
    local rgb = plot.rgb(T { { 1, 10, 5 }, { 3, 20, 5 }, { 2, 15, 5 } })
    assert.is_true(near(rgb:get(1, 1), 0, 1e-6) and near(rgb:get(2, 2), 1, 1e-6) and near(rgb:get(3, 1), 0.5, 1e-6))
    assert.are.equal(0, rgb:get(3, 3))   -- a constant column becomes 0
    error_containing("plot.colormap: unknown colormap 'jet'", plot.colormap, "jet", 0.5)
  end)
end)

describe("cairo loading", function()
  local function run(code)
    return wick.fs.read_command({ WICK, "-e", code })
  end

  it("is not linked and is mapped only once a picture is drawn", function()
    local ldd = wick.fs.read_command({ "ldd", WICK }, { quiet = true })
    assert.is_falsy(ldd:find("libcairo", 1, true))
    local code = 'local w = require "wick"; local function m() return io.open("/proc/self/maps"):read("a")'
      .. ':find("libcairo", 1, true) ~= nil end; local a = m(); w.plot.palette(1); local b = m(); '
      .. 'w.plot.scatter(w.tensor{{0,0}}, {size = 8}); print(a, b, m())'
    assert.are.equal("false\tfalse\ttrue\n", run(code))
    plot.scatter(T { { 0, 0 } }, { size = 8 })
    assert.is_true(cairo_mapped())   -- and in this process, which has drawn
  end)

  it("keeps start-up fast with and without touching wick.plot", function()
    local function best(code)
      local m = math.huge
      for _ = 1, 5 do
        local t0 = wick.clock()
        run(code)
        m = math.min(m, wick.clock() - t0)
      end
      return m
    end
    local plain = best("")
    local loaded = best('require "wick"')
    local touched = best('local w = require "wick"; w.plot.palette(1)')
    print(("  start-up (best of 5, machine shared): -e '' %.1f ms, require \"wick\" %.1f ms, "
      .. "touching wick.plot %.1f ms")
      :format(plain * 1000, loaded * 1000, touched * 1000))
    -- loose: the machine is shared; the maps test above is the exact check
    assert.is_true(touched < loaded * 1.25 + 0.015, "touching wick.plot should not load cairo")
    assert.is_true(plain < 0.25 and loaded < 0.5)
  end)
end)

-- Issue 10: every user value is checked before anything is sized from it, and no
-- failing call leaks.
describe("wick.plot on bad input", function()
  local function no_growth(what, fn)
    for _ = 1, 20 do pcall(fn) end
    collectgarbage(); collectgarbage()
    local live, heap = wick.memory().live, collectgarbage("count")
    for _ = 1, 300 do assert.is_false((pcall(fn)), what .. " should fail") end
    collectgarbage(); collectgarbage()
    assert.are.equal(live, wick.memory().live, what .. ": tensor bytes grew")
    assert.is_true(collectgarbage("count") - heap < 256, what .. ": the Lua heap grew")
  end

  it("names bad sizes, counts and numbers", function()
    local pts = T.rand(10, 2)
    error_containing("plot.scatter: at most 16777216 points fit a picture, got 549755813888", plot.scatter,
      T.ones(1, 2):expand(2 ^ 39, 2), { size = 64 })
    error_containing("plot.scatter: option 'size' must be a number or {w, h} in 1..16384", plot.scatter, pts,
      { size = 0 / 0 })
    helpers.error_matching("plot.scatter: radius must be positive, got %-?nan", plot.scatter, pts, { size = 64,
      radius = 0 / 0 })
    error_containing("plot.mosaic: option 'cols' must be an integer from 1 to 1048576, got 2.5", plot.mosaic,
      T.zeros(2, 1, 4, 4), { 1, 2 }, { cols = 2.5 })
    error_containing("plot.mosaic: option 'cols' must be an integer from 1 to 1048576, got 'x'", plot.mosaic,
      T.zeros(2, 1, 4, 4), { 1, 2 }, { cols = "x" })
    helpers.error_matching("plot.mosaic: option 'background' must be a finite number, got %-?nan", plot.mosaic,
      T.zeros(2, 1, 4, 4), { 1, 2 }, { cols = 2, background = 0 / 0 })
    error_containing("plot.heatmap: expected a matrix R×C with 1 to 16384 rows and columns", plot.heatmap,
      T.ones(1, 1):expand(2 ^ 40, 1))
    helpers.error_matching("plot.colormap: t must be a finite number, got %-?nan", plot.colormap, "viridis", 0 / 0)
    error_containing("plot.colormap: expected a colormap name, got nil", plot.colormap)
    error_containing("plot.palette: class id must be an integer >= 1, got 1.5", plot.palette, 1.5)
  end)

  it("failing calls leak nothing (300 of each)", function()
    local pts, imgs = T.rand(50, 2), T.rand(4, 3, 8, 8)
    no_growth("plot.scatter with a bad line", function()
      return plot.scatter(pts, { size = 64, lines = { { 1, 2 }, { 3, "x" } } })
    end)
    no_growth("plot.scatter with a bad label", function()
      return plot.scatter(pts, { size = 64, labels = T.zeros(50) })
    end)
    no_growth("plot.mosaic with a repeated cell", function()
      return plot.mosaic(imgs, { 1, 1, 2, 3 }, { cols = 2 })
    end)
    no_growth("plot.heatmap with too few names", function()
      return plot.heatmap(T.rand(3, 3), { rows = { "a", "b" } })
    end)
    no_growth("plot.colormap of an unknown map", function() return plot.colormap("nope", T.rand(100)) end)
  end)
end)

-- ---- line ----------------------------------------------------------------------------
-- Issue 11: loss curves. Pixels are checked where to_pixel says the values land.
describe("plot.line", function()
  local red, blue = { 1, 0, 0 }, { 0, 0, 1 }

  -- Is there a pixel of colour rgb within 2 pixels of (x, y)?
  local function has(img, rgb, x, y)
    local r = 2
    x, y = math.floor(x + 0.5), math.floor(y + 0.5)
    for dy = -r, r do
      for dx = -r, r do
        local px, py = x + dx, y + dy
        local inside = px >= 1 and py >= 1 and px <= img:size(3) and py <= img:size(2)
        if inside and is_rgb(img, px, py, rgb[1], rgb[2], rgb[3], 0.02) then return true end
      end
    end
    return false
  end

  -- How many pixels of column x have colour rgb.
  local function in_column(img, x, rgb)
    local n = 0
    for y = 1, img:size(2) do
      if is_rgb(img, math.floor(x + 0.5), y, rgb[1], rgb[2], rgb[3], 0.02) then n = n + 1 end
    end
    return n
  end

  it("draws a falling series from top left to bottom right and a rising one the other way, in their colours", function()
    local down, up = {}, {}
    for i = 1, 50 do down[i], up[i] = 10 - i * 0.15, 1 + i * 0.1 end
    local img, at = plot.line({ { name = "down", y = down, color = red }, { name = "up", y = up, color = blue } },
      { size = { 400, 300 }, legend = false })
    assert.same({ 3, 300, 400 }, img:shape())
    local x1, y1 = at(1, down[1])
    local x50, y50 = at(50, down[50])
    assert.is_true(x1 < 100 and y1 < 100, ("first value at %.0f, %.0f"):format(x1, y1))
    assert.is_true(x50 > 300 and y50 > 200, ("last value at %.0f, %.0f"):format(x50, y50))
    for _, i in ipairs { 5, 25, 45 } do
      assert.is_true(has(img, red, at(i, down[i])), "the falling line at x = " .. i)
      assert.is_true(has(img, blue, at(i, up[i])), "the rising line at x = " .. i)
    end
    local bx, by = at(1, up[1])
    assert.is_true(by > 200 and bx < 100)
    -- the lines run inside the plot area only
    assert.equal(0, in_column(img, 3, red))
  end)

  it("log_y makes an exponential decay a straight line", function()
    local y = {}
    for i = 1, 60 do y[i] = 10 ^ (-i / 10) end
    local opts = { size = { 400, 300 }, colors = { red } }
    local log, at = plot.line(y, { size = opts.size, colors = opts.colors, log_y = true })
    local lin, at_lin = plot.line(y, opts)
    local xa, ya = at(1, y[1])
    local xb, yb = at(60, y[60])
    local xm, ym = at(30.5, 10 ^ (-3.05))
    assert.near((ya + yb) / 2, ym, 0.5)   -- halfway in log space is halfway on screen
    assert.near((xa + xb) / 2, xm, 0.5)
    assert.is_true(has(log, red, xm, ym), "the log line passes through the middle")
    -- on a linear axis the same values hug the bottom: the middle of the picture is empty
    local lxa, lya = at_lin(1, y[1])
    local lxb, lyb = at_lin(60, y[60])
    assert.is_false(has(lin, red, (lxa + lxb) / 2, (lya + lyb) / 2))
    assert.is_true(has(lin, red, at_lin(30, y[30])))
    -- log ticks are powers of ten: the labels' pixels differ from a linear plot's
    assert.is_true((log - lin):abs():sum():item() > 100)
  end)

  it("takes a tensor, a table of name = values, a shared x, and m:train's losses as they are", function()
    local a = plot.line(T { 3, 2, 1 }, { size = 200 })
    local b = plot.line({ 3, 2, 1, valid = { { step = 1 } }, seconds = 5 }, { size = 200 })
    assert.equal(0, (a - b):abs():max():item())
    local img, at = plot.line({ valid = { 2, 1.5, 1 }, train = { 3, 2, 1 } }, { x = { 100, 200, 300 }, size = 300 })
    local p1, p2 = { plot.palette(1) }, { plot.palette(2) }
    -- names in order: train is colour 1, valid colour 2, and both are in the legend
    assert.is_true(has(img, p1, at(200, 2)))
    assert.is_true(has(img, p2, at(200, 1.5)))
    local x1, x3 = at(100, 3), at(300, 1)
    assert.is_true(x1 < 60 and x3 > 240, ("x from %.0f to %.0f"):format(x1, x3))
    local legend = 0
    for yy = 1, 80 do
      for xx = 150, 300 do
        if is_rgb(img, xx, yy, p2[1], p2[2], p2[3], 0.02) then legend = legend + 1 end
      end
    end
    assert.is_true(legend > 10, "the legend shows valid's colour")
    local quiet = plot.line({ valid = { 2, 1.5, 1 }, train = { 3, 2, 1 } }, { x = { 100, 200, 300 }, size = 300,
      legend = false })
    assert.is_true((img - quiet):abs():sum():item() > 0)
  end)

  it("leaves a gap at NaN values and draws a lone value as a dot", function()
    local img, at = plot.line({ 1, 2, 0 / 0, 4, 5, 0 / 0, 3 }, { size = { 400, 300 }, colors = { red } })
    assert.is_true(has(img, red, at(1.5, 1.5)))
    assert.equal(0, in_column(img, at(3, 3), red))   -- no segment across the gap
    assert.is_true(has(img, red, at(7, 3)), "the lone last value is a dot")
  end)

  it("writes a PNG to path", function()
    local dir = tmpdir()
    local path = plot.line({ 1, 2, 3 }, { path = dir .. "/loss.png", title = "loss" })
    assert.equal(dir .. "/loss.png", path)
    assert.equal("\137PNG", read_file(path):sub(1, 4))
    remove_tree(dir)
  end)

  it("refuses bad input with errors naming plot.line, at the caller's line", function()
    local refused = helpers.refused
    refused("plot.line: no series to draw", plot.line, {})
    refused("plot.line: series 'train' is empty", plot.line, { train = {} })
    refused("plot.line: series 2 is empty", plot.line, { { 1, 2 }, {} })
    refused("plot.line: series 1 value 2 is infinite", plot.line, { 1, 1 / 0 })
    refused("plot.line: series 'a' has no values to draw (all NaN)", plot.line, { a = { 0 / 0, 0 / 0 } })
    refused("plot.line: log_y needs values > 0, but series 'b' value 3 is 0", plot.line, { b = { 2, 1, 0 } },
      { log_y = true })
    refused("plot.line: log_y needs values > 0, but series 1 value 1 is -1", plot.line, { -1, 1 }, { log_y = true })
    refused("plot.line: series 1 has 3 values but 2 x values", plot.line, { 1, 2, 3 }, { x = { 1, 2 } })
    refused("plot.line: series 1 has x value 2 = NaN", plot.line, { { y = { 1, 2 }, x = { 1, 0 / 0 } } })
    refused("plot.line: series 1 value 2 is string, not a number", plot.line, { { 1, "x" } })
    refused("plot.line: series 'n' has an unknown field 'colour'", plot.line,
      { { name = "n", y = { 1 }, colour = red } })
    refused("plot.line: the values must be a 1-D tensor", plot.line, T.ones(2, 2))
    refused("plot.line: expected a list or 1-D tensor of values", plot.line, 5)
    refused("plot.line: unknown option 'logy'", plot.line, { 1, 2 }, { logy = true })
    refused("plot.line: log_y must be a boolean", plot.line, { 1, 2 }, { log_y = 1 })
    refused("plot.line: option 'size' must be a number or {w, h}", plot.line, { 1, 2 }, { size = 0 })
    refused("plot.line: picture 40×40 is too small", plot.line, { 1, 2 }, { size = 40 })
  end)
end)
