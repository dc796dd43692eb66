-- Deep Dream — InceptionV3, trained on ImageNet, is asked what it sees in a photograph,
-- and the photograph is changed, step by step, so that it sees more of it: gradient
-- ascent on the image for the mean activation of one layer (or of one channel with
-- --channel N). Octaves (4 scales, 1.4 apart, the detail carried up), a random roll
-- before every step, steps normalised by the gradient's size and clipping to the valid
-- range, as in the original. Then a contact sheet of mixed3, mixed4 and mixed5 on the
-- astronaut, Starry Night and a Getty photograph, and a zoom-feedback animation: crop a
-- little into the dream, dream again, frame after frame (--blend mixes in the last frame).
--
-- Data: `make data` (the InceptionV3 model folder, skimage, opencv and Getty pictures).
-- Run:  wick sketches/deepdream/deepdream.lua [--image starry] [--layer mixed5] [--channel 97]
--       [--size 512] [--frames 30] [--blend 0.3] [--sheet 0] [--full]
--       default: a 512-px dream (10 s), the sheet at 320 px (30 s), 20 frames at 384 px
--       (60 s): under 2 minutes on two cores of an AMD EPYC; --full sets 1024 px, the
--       sheet at 512, 120 frames at 512 (dream 41 s, frames 9 min, 1.8 GB: about 12 minutes).
-- Writes out/dream-<image>-<layer>[-c<channel>]-seed<seed>.png, out/sheet-mixed3-mixed4-mixed5-
-- seed<seed>.png (rows: the three pictures; columns: the photo, mixed3, mixed4, mixed5),
-- out/zoom-<image>-<layer>-0001.png … and out/preview.png while it works. Every PNG
-- records the sketch and the seed; the layer and channel are in the file names.
local wick = require "wick"
local image = wick.image

local kit = wick.sketch { seed = 7, image = "astronaut", layer = "mixed4", channel = 0, size = 512,
  octaves = 4, scale = 1.4, steps = 10, lr = 0.012, jitter = 32, lapnorm = 4, sheet = 320, frames = 20,
  frame_size = 384, zoom = 1.05, blend = 0, model = "models/inception_v3" }
if kit.full then kit.size, kit.sheet, kit.frame_size, kit.frames = 1024, 512, 512, 120 end
local dream = require "dream"   -- beside this file: octaves, roll, zoom, pictures by name
local net = wick.nn.load_tfjs(kit.model)
local started = wick.clock()

-- The dream's options are the kit's (channel, steps, lr, jitter, octaves, scale, lapnorm)
-- unless given; `progress`: a line after every octave and the picture in out/preview.png.
local function options(o, progress)
  o.on_octave = progress and function(k, n, x, score)
    print(("  %s octave %d/%d at %dx%d: mean activation %.3f (%.0f s)"):format(o.layer, k, n, x:size(3), x:size(4),
      score, wick.clock() - started))
    image.save(net:deprocess(x), kit:path("preview.png"))
  end
  return setmetatable(o, { __index = kit })
end

local name = kit.image:match("([^/]+)%.%w+$") or kit.image   -- a path's file name, for out/
local channel = kit.channel > 0 and ("-c%d"):format(kit.channel) or ""

-- ---- one dream --------------------------------------------------------------------------
print(("dreaming %s at %s%s, %d px"):format(kit.image, kit.layer, channel, kit.size))
local x = dream.dream(net, dream.to_net(dream.picture(kit.image, kit.size)), options({ layer = kit.layer }, true))
print(image.save(net:deprocess(x), kit:path("dream-%s-%s%s-seed%d.png", name, kit.layer, channel, kit.seed)))

-- ---- the contact sheet: three pictures × mixed3, mixed4, mixed5 --------------------------
if kit.sheet > 0 then
  local cells = {}
  for _, picture in ipairs { "astronaut", "starry", "getty" } do
    local photo = dream.picture(picture, kit.sheet)
    cells[#cells + 1] = photo
    for _, layer in ipairs { "mixed3", "mixed4", "mixed5" } do
      print(("sheet: %s at %s (%.0f s)"):format(picture, layer, wick.clock() - started))
      cells[#cells + 1] = net:deprocess(dream.dream(net, dream.to_net(photo), options { layer = layer }))
    end
  end
  print(image.save(image.grid(cells, { cols = 4, pad = 4 }), kit:path("sheet-mixed3-mixed4-mixed5%s-seed%d.png",
    channel, kit.seed)))
end

-- ---- zoom feedback: crop into the dream, dream again --------------------------------------
-- Each frame starts from the last one zoomed by `zoom` and gets a short dream at two
-- scales, so new things grow out of the old ones while the picture falls inward.
kit:frames_reset(("zoom-%s-%s%s"):format(name, kit.layer, channel))
local frame_options = options { octaves = 2, steps = math.max(1, kit.steps // 2) }
x = wick.image.resize(x, x:size(3) * kit.frame_size // kit.size, x:size(4) * kit.frame_size // kit.size)
for f = 1, kit.frames do
  local zoomed = dream.zoom(x, kit.zoom)
  x = dream.dream(net, zoomed, frame_options)
  if kit.blend > 0 then x = x * (1 - kit.blend) + zoomed * kit.blend end
  kit:frame(net:deprocess(x))
  if f % 5 == 0 or f == kit.frames then
    print(("zoom: frame %d/%d (%.0f s)"):format(f, kit.frames, wick.clock() - started))
  end
end
print(("done in %.0f s; pictures in %s"):format(wick.clock() - started, kit.out))
