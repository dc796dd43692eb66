-- Latent walks: sixteen walks at once through the latent space of the generator fashion.lua
-- trained, each from a random point through --points others and back to the first, in
-- --steps frames a leg along the arc between them (wick.tensor.slerp: the straight line
-- between two gaussian points dips into the middle of the ball, where the generator never
-- saw a vector, and its pictures fade there). A shirt becomes a coat becomes a boot, and
-- the loop closes. When paintings.lua has saved its generator, its textures walk too.
--
-- Needs: out/<data>-generator.safetensors from `wick sketches/gan/fashion.lua` (or
--        --data mnist). Run: wick sketches/gan/walk.lua [--data fashion|mnist] [--points 5]
--        [--steps 16] [--fps 12] [--mp4 (also MP4)] [--limit 0 (frames, 0 = all)]  (~10 s)
-- Writes out/walk/frame-0001.png … (out/walk-mnist/ for MNIST) and out/<data>-walk.gif
-- (+ .mp4); with the paintings generator also out/walk-paintings/frame-0001.png … and
-- out/paintings-walk.gif (+ .mp4).
local wick = require "wick"
local T, image = wick.tensor, wick.image

local kit = wick.sketch { seed = 5, data = "fashion", points = 5, steps = 16, fps = 12, mp4 = true, limit = 0,
  generator = "" }
local dcgan = require "dcgan"   -- beside this file: the generators and how to load them
if kit.points < 2 or kit.steps < 1 then error("--points must be at least 2, --steps at least 1", 0) end

-- walks × frames × zdim: legs p1→p2→…→pk→p1 on slerp's arcs, each leg's end left to the next.
local function loop(walks, zdim)
  local points = {}
  for k = 1, kit.points do points[k] = T.randn(walks, zdim) end
  points[kit.points + 1] = points[1]
  local fractions = T.arange(0, kit.steps - 1) / kit.steps
  local rows = {}
  for w = 1, walks do
    local legs = {}
    for k = 1, kit.points do legs[k] = T.slerp(points[k][w], points[k + 1][w], fractions) end
    rows[w] = T.cat(legs, 1)
  end
  return T.stack(rows)
end

-- Frames of a generator's walks as numbered PNGs in out/<folder>/, then one animation.
local function film(G, walks, cols, scale, folder, name)
  local path = loop(walks, G.zdim)
  local count = kit.limit > 0 and math.min(kit.limit, path:size(2)) or path:size(2)
  wick.fs.mkdir(kit:path(folder))
  local frames = {}
  for f = 1, count do
    local grid = image.grid(dcgan.pictures(G, path:select(2, f)), { cols = cols, pad = 2, pad_value = 0.3 })
    frames[f] = image.resize(grid, grid:size(2) * scale, grid:size(3) * scale, { mode = "nearest" })
    image.save(frames[f], kit:path("%s/frame-%04d.png", folder, f))
  end
  print(("%d frames in %s/frame-0001.png …"):format(count, kit:path(folder)))
  print(wick.video.save(frames, kit:path("%s-walk.gif", name), { fps = kit.fps }))
  if kit.mp4 then print(wick.video.save(frames, kit:path("%s-walk.mp4", name), { fps = kit.fps })) end
end

local started = wick.clock()
local G = dcgan.load(dcgan.generator28, kit.generator ~= "" and kit.generator
  or kit.here .. "/out/" .. kit.data .. "-generator.safetensors", "fashion.lua" .. (kit.data == "mnist" and
  " --data mnist" or ""))
film(G, 16, 4, 3, kit.data == "fashion" and "walk" or "walk-" .. kit.data, kit.data)

local paintings = kit.here .. "/out/paintings-generator.safetensors"
if wick.fs.kind(paintings) then
  film(dcgan.load(dcgan.generator64, paintings, "paintings.lua"), 9, 3, 2, "walk-paintings", "paintings")
else
  print("no paintings generator yet (run wick sketches/gan/paintings.lua to walk its textures too)")
end
print(("done in %.0f s"):format(wick.clock() - started))
