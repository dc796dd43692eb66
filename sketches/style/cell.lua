-- One cell of the style × content grid (grid.lua): one content picture, its middle square
-- at --size pixels, in the style of one picture, seeded. Every parameter is on the command
-- line, so a sweep can run each cell as its own call (on another machine, later) and
-- grid.lua's manifest gives the exact line that remakes each of its cells.
--
-- Data: `make data`. Run: wick sketches/style/cell.lua --content chelsea --style scream
--       [--size 128] [--steps 60] [--net inception|random] [--seed 1] [--style-scale 1]
-- Writes out/cell-<content>-<style>-<net>-<size>px-seed<seed>.png (it records the seed).
local wick = require "wick"

local kit = wick.sketch { seed = 1, content = "chelsea", style = "scream", size = 128, steps = 60, every = 60,
  net = "inception", style_scale = 1 }
local gatys = require "gatys"   -- beside this file
local started = wick.clock()
local out = gatys.cell(kit, kit.content, kit.style, kit.seed)
print(wick.image.save(out, kit:path("cell-%s-%s-%s-%dpx-seed%d.png", kit.content, kit.style, kit.net, kit.size,
  kit.seed)))
print(("done in %.1f s"):format(wick.clock() - started))
