-- Stable style animation: a short clip — a slow zoom and pan through one picture —
-- stylised frame by frame three ways, side by side: each frame on its own (it flickers),
-- each started from the last stylised frame, and each started from the last frame carried
-- along the optical flow with a loss that holds it there where the flow is sure (Ruder et
-- al. 2016; wick.image.flow is Farnebäck's method, in C). Prints each way's flicker: the
-- mean change between a frame and the last one carried along the flow (motion alone ≈ 0).
-- --blend: each frame starts from that much of the last one, the rest its own content (at
-- 1 the content's detail washes out over the frames: each warp blurs a little).
--
-- Data: `make data`. Run: wick sketches/style/stable.lua [--content boats] [--style starry]
--       [--frames 20] [--size 192] [--zoom 1.5] [--steps 30] [--first-steps 100]
--       [--modes independent,previous,flow] [--temporal-weight 50] [--blend 0.7] [--fps 8]
-- Writes out/stable-<content>-<style>-seed<seed>.gif and .mp4 (the source and each mode side
-- by side) and every stylised frame as out/stable-<mode>-0001.png ….
local wick = require "wick"
local image, video = wick.image, wick.video

local kit = wick.sketch { seed = 9, content = "boats", style = "starry", frames = 20, size = 192, zoom = 1.5,
  steps = 30, first_steps = 100, modes = "independent,previous,flow", temporal_weight = 50, blend = 0.7, fps = 8,
  net = "inception" }
local gatys = require "gatys"   -- beside this file: the loop and the pictures
local animate = require "animate"
if kit.frames < 2 then error("--frames must be at least 2", 0) end
local started = wick.clock()
local h, w = math.floor(kit.size * 3 / 4 + 0.5), kit.size
local frames = animate.zoom_pan(gatys.picture(kit.content, 4 * kit.size), kit.frames, h, w, kit.zoom)
local style = gatys.picture(kit.style, kit.size)
local o = gatys.quiet_options(kit)
local net, loop = gatys.setup(o, kit.net)
gatys.big_enough(loop, kit.net, "a frame", h, w)

local motions = {}   -- the source's motion from each frame to the next, and where it holds
for k = 2, kit.frames do motions[k] = { animate.motion(frames[k - 1], frames[k]) } end
local columns, report = { frames }, {}
for mode in kit.modes:gmatch("[^,]+") do
  local t0 = wick.clock()
  local out = animate.stylise(gatys, net, loop, frames, { style }, { mode = mode, first_steps = kit.first_steps,
    temporal_weight = kit.temporal_weight, blend = kit.blend, motions = motions,
    progress = function(k) io.write(("\r  %s: frame %d/%d"):format(mode, k, kit.frames)) io.flush() end })
  kit:frames_reset("stable-" .. mode)
  local flicker, change = 0, 0
  for k, f in ipairs(out) do
    kit:frame(f)
    if k > 1 then
      flicker = flicker + animate.flicker(out[k - 1], f, motions[k][1], motions[k][2])
      change = change + (f - out[k - 1]):abs():mean():item()
    end
  end
  columns[#columns + 1] = out
  report[#report + 1] = ("  %-12s flicker %.4f   change between frames %.4f   %.0f s"):format(mode,
    flicker / (kit.frames - 1), change / (kit.frames - 1), wick.clock() - t0)
  print()
end
print("mean over consecutive frames (pixel values in [0, 1]); flicker: after carrying the last frame along the flow")
for _, line in ipairs(report) do print(line) end

local side_by_side = {}
for k = 1, kit.frames do
  local row = {}
  for i, col in ipairs(columns) do row[i] = col[k] end
  side_by_side[k] = image.grid(row, { cols = #row, pad = 4 })
end
local name = ("stable-%s-%s-seed%d"):format(kit.content, kit.style, kit.seed)
print(video.save(side_by_side, kit:path(name .. ".gif"), { fps = kit.fps }))
print(video.save(side_by_side, kit:path(name .. ".mp4"), { fps = kit.fps, quality = 80 }))
print(("done in %.0f s"):format(wick.clock() - started))
