-- The style × content grid: every content picture re-rendered in every style, as one
-- contact sheet — the styles across the top, the contents down the side. Paintings sit
-- among the contents and photographs among the styles, so the sheet also shows the
-- reverse direction: a painting in the style of a photograph. Each cell is gatys.cell,
-- exactly what `wick cell.lua` makes from the same arguments, and its own seed: the
-- manifest (grid-…tsv) gives the command that remakes any cell alone, so a sweep can share
-- a large grid out over machines and the sheet be assembled from their cells.
--
-- Data: `make data`. Run: wick sketches/style/grid.lua [--contents astronaut,chelsea,...]
--       [--styles starry,scream,...] [--size 128] [--steps 60] [--net inception|random]
-- Default: 6 × 6 cells of 128 px, 60 L-BFGS steps each.
-- Writes out/grid-<net>-<size>px-seed<seed>.png, out/grid-<net>-<size>px-seed<seed>.tsv and
-- each cell as out/cells/cell-<content>-<style>-<net>-<size>px-seed<cell seed>.png.
local wick = require "wick"
local image = wick.image

local kit = wick.sketch { seed = 1, contents = "astronaut,chelsea,coffee,boats,starry,great_wave",
  styles = "starry,scream,great_wave,kandinsky_8,arcimboldo_spring,canyon", size = 128, steps = 60, every = 60,
  net = "inception",
  style_scale = 1 }
local gatys = require "gatys"   -- beside this file
local started = wick.clock()
local function list(s)
  local t = {}
  for name in s:gmatch("[^,]+") do t[#t + 1] = name end
  return t
end
local contents, styles = list(kit.contents), list(kit.styles)
if #contents == 0 or #styles == 0 then error("grid: name at least one content and one style", 0) end

local blank = wick.tensor.ones(3, kit.size, kit.size)
local cells = { blank }   -- the sheet, row by row: the header row first
for _, s in ipairs(styles) do cells[#cells + 1] = gatys.picture(s, kit.size, true) end
local lines = { "content\tstyle\tseed\tseconds\tcell\tcommand" }
for i, c in ipairs(contents) do
  cells[#cells + 1] = gatys.picture(c, kit.size, true)
  for j, s in ipairs(styles) do
    local seed = kit.seed * 10000 + (i - 1) * #styles + j   -- one per cell, recorded
    local t0 = wick.clock()
    local out = gatys.cell(kit, c, s, seed)
    local path = image.save(out, kit:path("cells/cell-%s-%s-%s-%dpx-seed%d.png", c, s, kit.net, kit.size, seed))
    cells[#cells + 1] = out
    local command = ("wick sketches/style/cell.lua --content %s --style %s --size %d --steps %d --every %d --net %s"
      .. " --style-scale %g --seed %d"):format(c, s, kit.size, kit.steps, kit.every, kit.net, kit.style_scale, seed)
    lines[#lines + 1] = table.concat({ c, s, seed, ("%.1f"):format(wick.clock() - t0), path, command }, "\t")
    print(("  %s × %s: %.1f s (%d of %d)"):format(c, s, wick.clock() - t0, (i - 1) * #styles + j, #contents * #styles))
  end
end
wick.seed(kit.seed)   -- the sheet records the grid's seed
local name = ("grid-%s-%dpx-seed%d"):format(kit.net, kit.size, kit.seed)
print(image.save(image.grid(cells, { cols = #styles + 1, pad = 4 }), kit:path(name .. ".png")))
kit:write(name .. ".tsv", table.concat(lines, "\n") .. "\n")
print(("done in %.0f s"):format(wick.clock() - started))
