-- A style morph: one photograph whose style slides from one painting to another across
-- the frames of an animation. Frame k matches the Gram matrices (1 − t)·G(from) + t·G(to),
-- t = (k − 1)/(frames − 1), and starts from frame k − 1's result, so each frame moves a
-- little from the last instead of being drawn anew (which would flicker). Prints the mean
-- change between consecutive frames.
--
-- Data: `make data`. Run: wick sketches/style/morph.lua [--content astronaut] [--from starry]
--       [--to scream] [--frames 24] [--size 256] [--first-steps 100] [--steps 20]
-- Writes out/morph-<content>-<from>-<to>-0001.png … (one per frame, each records the seed),
-- out/morph-<content>-<from>-<to>-seed<seed>.png, a sheet of eight frames, and the same
-- name .gif, the animation going there and back.
local wick = require "wick"
local image, video = wick.image, wick.video

local kit = wick.sketch { seed = 5, content = "astronaut", from = "starry", to = "scream", frames = 24, size = 256,
  first_steps = 100, steps = 20, net = "inception" }
local gatys = require "gatys"   -- beside this file
if kit.frames < 2 then error("morph: --frames must be at least 2", 0) end
local started = wick.clock()
local o = gatys.quiet_options(kit)
local net, loop = gatys.setup(o, kit.net)
local content = gatys.picture(kit.content, kit.size)
gatys.big_enough(loop, kit.net, "the picture", content:size(2), content:size(3))
local c = net:preprocess(content, { size = false })
local s = gatys.style_grams(net, loop, { net:preprocess(gatys.picture(kit.from, kit.size), { size = false }),
  net:preprocess(gatys.picture(kit.to, kit.size), { size = false }) })   -- once: each frame reblends them
local name = ("morph-%s-%s-%s"):format(kit.content, kit.from, kit.to)
kit:frames_reset(name)

local x, prev, sheet, change, frames = c, nil, {}, 0, {}
for k = 1, kit.frames do
  local t = (k - 1) / (kit.frames - 1)
  local targets = gatys.targets(net, loop, c, s, { 1 - t, t })
  loop.steps, loop.every = k == 1 and kit.first_steps or kit.steps, k == 1 and kit.first_steps or kit.steps
  x = gatys.transfer(net, x, targets, loop)
  local frame = net:deprocess(x):squeeze(1)
  kit:frame(frame)
  frames[k] = frame
  if prev then change = change + (frame - prev):abs():mean():item() end
  prev = frame
  if (k - 1) % math.max(1, (kit.frames - 1) // 7) == 0 and #sheet < 8 then sheet[#sheet + 1] = frame end
  print(("  frame %d/%d (t = %.2f): %.0f s"):format(k, kit.frames, t, wick.clock() - started))
end
print(("mean change between consecutive frames: %.4f (pixel values in [0, 1])"):format(change / (kit.frames - 1)))
print(image.save(image.grid(sheet, { cols = 4, pad = 4 }), kit:path("%s-seed%d.png", name, kit.seed)))
for k = kit.frames - 1, 2, -1 do frames[#frames + 1] = frames[k] end   -- and back again
print(video.save(frames, kit:path("%s-seed%d.gif", name, kit.seed), { fps = 8 }))
print(("done in %.0f s"):format(wick.clock() - started))
