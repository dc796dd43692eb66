-- paintings_spec.lua — the paintings `make data` reassembles from GCompris's puzzle pieces
-- (host/unpack_paintings.js, into images/paintings under the data folder): CREDITS lists
-- every painting with a short name, its size, painter and title, and the licence the
-- package states, whose copyright file lies beside it; each PNG is whole (the size CREDITS
-- gives, about the 702×515 canvas the boards use), has real content, and does not end in
-- a line of frame or gap that stands out from the picture. Pending when the paintings are
-- not installed (CI has no data).
local wick = require "wick"
local helpers = require "spec_helpers"

local ok, credits_path = pcall(wick.data.find, "images/paintings/CREDITS")
local needs = ok and it or function(title) pending(title .. " (needs images/paintings: make data)") end
local folder = ok and credits_path:gsub("/CREDITS$", "") or nil

-- CREDITS' rows: {name, width, height, painter, title, year}, in the file's order.
local function credits()
  local rows = {}
  for line in helpers.read_file(credits_path):gmatch("[^\n]+") do
    if line:sub(1, 1) ~= "#" then
      local f = {}
      for field in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
      assert.equal(5, #f, "CREDITS row: " .. line)
      local w, h = f[2]:match("^(%d+)x(%d+)$")
      assert.truthy(w, "CREDITS size: " .. line)
      rows[#rows + 1] = { name = f[1], width = tonumber(w), height = tonumber(h), painter = f[3], title = f[4],
        year = f[5] }
    end
  end
  return rows
end

-- Mean brightness (Rec. 601 luma) of row (dim 2) or column (dim 3) i of a 3×H×W image.
local function luma(img, dim, i)
  local line = img:narrow(dim, i, 1)
  return 0.299 * line[1]:mean():item() + 0.587 * line[2]:mean():item() + 0.114 * line[3]:mean():item()
end

describe("paintings from gcompris-qt-data", function()
  needs("CREDITS names 22 paintings an artist can type, with painter, title and the package's licence", function()
    local rows, seen = credits(), {}
    assert.is_true(#rows >= 22, #rows .. " paintings")
    for _, r in ipairs(rows) do
      assert.matches("^[a-z][a-z0-9_]*$", r.name)
      assert.is_nil(seen[r.name], "two paintings named " .. r.name)
      seen[r.name] = r
      assert.is_true(#r.painter > 0 and #r.title > 0, r.name .. " has a painter and a title")
    end
    assert.equal("Katsushika Hokusai", seen.great_wave.painter)
    assert.equal("Mona Lisa", seen.mona_lisa.title)
    assert.equal("Composition VIII", seen.kandinsky_8.title)
    local text = helpers.read_file(credits_path)
    assert.truthy(text:find("License: GPL-3+", 1, true), "CREDITS states the package's licence")
    assert.truthy(helpers.read_file(folder .. "/copyright"):find("src/activities/paintings/resource/image/*", 1, true),
      "the package's copyright file lies beside CREDITS")
  end)

  needs("each painting is whole, has real content and no edge line that stands out", function()
    for _, r in ipairs(credits()) do
      local img = wick.image.load(folder .. "/" .. r.name .. ".png")
      assert.same({ 3, r.height, r.width }, img:shape(), r.name)
      -- The boards' canvas is 702×515 and a painting fills most of it one way or the other.
      assert.is_true(r.width >= 290 and r.width <= 760 and r.height >= 340 and r.height <= 520,
        ("%s is %d×%d"):format(r.name, r.width, r.height))
      assert.is_true(img:std():item() > 0.1, r.name .. " is nearly flat")
      local mean = img:mean():item()
      assert.is_true(mean > 0.1 and mean < 0.9, r.name .. " mean " .. mean)
      -- A gap left along the edge, or a line of scanned frame, stands out from the lines
      -- just inside it (the build trims frame lines that differ by over 15/255).
      for _, side in ipairs { { 2, 1, 1 }, { 2, r.height, -1 }, { 3, 1, 1 }, { 3, r.width, -1 } } do
        local dim, edge, dir = side[1], side[2], side[3]
        local inside = 0
        for k = 1, 4 do inside = inside + luma(img, dim, edge + dir * k) / 4 end
        local step = math.abs(luma(img, dim, edge) - inside)
        assert.is_true(step < 20 / 255,
          ("%s: its edge line (dim %d, %d) differs by %.3f"):format(r.name, dim, edge, step))
      end
    end
  end)

  needs("no piece is missing: no block of the picture is one flat colour", function()
    -- A piece left out (or a gap filled in) would leave a patch with no texture; in the
    -- paintings every 24×24 block varies, even in the skies and margins of the prints.
    for _, r in ipairs(credits()) do
      local img = wick.image.load(folder .. "/" .. r.name .. ".png")
      for y = 1, r.height - 23, 24 do
        for x = 1, r.width - 23, 24 do
          local block = img:narrow(2, y, 24):narrow(3, x, 24)
          assert.is_true(block:std():item() > 0.002, ("%s: the block at %d,%d is flat"):format(r.name, x, y))
        end
      end
    end
  end)
end)
