-- What a unit wants to see — feature visualisation. An image starts as faint noise and
-- is changed by gradient ascent until one unit fires as hard as it can: one channel of
-- an InceptionV3 layer (the essay's "image fields"), then the first 64 channels of the
-- layer side by side, each grown over three scales with the regularisers that make them
-- legible (a random roll each step, a slight decay toward grey, a blur every few steps,
-- gradients equalised across a Laplacian pyramid). Last, every class of wick's own
-- Fashion-MNIST classifier (sketches/classify's saved net): what it would call a sneaker,
-- unregularised (noise that works) and regularised, beside the test image it is surest of.
--
-- Data: `make data` (the InceptionV3 model folder; Fashion-MNIST), and the classifier
--       saved by `wick sketches/classify/classify.lua` (missing: the class part says so).
-- Run:  wick sketches/visualize/visualize.lua [--layer mixed4] [--channel 97] [--channels 64]
--       [--side 96] [--steps 20] [--no-classes] [--no-inception] [--full]
--       default: one channel (15 s), 64 channels in batches of 8 (150 s, 0.7 GB), the ten
--       classes (8 s): about 3 minutes on two cores of an AMD EPYC (--channels 16: one
--       minute); --full: tiles from 160 px and 40 steps a scale (estimated: about 15 minutes).
-- Writes out/channel-<layer>-c<channel>-seed<seed>.png, out/channels-<layer>-1-<n>-seed<seed>.png
-- (row-major, channel 1 top left), out/classes-fashion-seed<seed>.png (columns: the ten
-- classes; rows: unregularised, regularised, the surest test image), out/preview.png.
local wick = require "wick"
local T, image = wick.tensor, wick.image

local kit = wick.sketch { seed = 7, layer = "mixed4", channel = 97, channels = 64, batch = 8, side = 96,
  octaves = 3, scale = 1.4, steps = 20, lr = 0.05, jitter = 8, decay = 0.01, blur = 0.5, blur_every = 4,
  lapnorm = 4, noise = 0.3, inception = true, classes = true, model = "models/inception_v3", classifier = "" }
if kit.full then kit.side, kit.steps = 160, 40 end
local features = require "features"   -- beside this file
local fashion = dofile(kit.here .. "/../classify/classify_net.lua")   -- classify's net
local started = wick.clock()
-- The ascent's options: the kit's (steps, lr, jitter, decay, blur, side, octaves …) unless overridden.
local function options(o) return setmetatable(o, { __index = kit }) end

-- ---- InceptionV3 channels ---------------------------------------------------------------
if kit.inception then
  local net = wick.nn.load_tfjs(kit.model)
  -- Score of image i: the mean over space of channel channels[i] of the layer.
  local function channel_score(channels)
    local idx = T(channels):view(-1, 1)
    return function(x) return net:upto(x, kit.layer):mean(4):mean(3):gather(2, idx):view(-1) end
  end
  local one = features.grow(1, channel_score { kit.channel }, options {
    lo = -1, hi = 1, side = kit.side * 4 // 3, octaves = kit.octaves + 1,
    on_octave = function(k, x)
      print(("%s channel %d: scale %d/%d, %dx%d (%.0f s)"):format(kit.layer, kit.channel, k, kit.octaves + 1,
        x:size(3), x:size(4), wick.clock() - started))
      image.save(net:deprocess(x), kit:path("preview.png"))
    end })
  print(image.save(net:deprocess(one), kit:path("channel-%s-c%d-seed%d.png", kit.layer, kit.channel, kit.seed)))

  local tiles = {}
  for first = 1, kit.channels, kit.batch do
    local list = {}
    for c = first, math.min(kit.channels, first + kit.batch - 1) do list[#list + 1] = c end
    local x = features.grow(#list, channel_score(list), options { lo = -1, hi = 1 })
    for i = 1, #list do tiles[#tiles + 1] = net:deprocess(x[i]) end
    print(("%s channels %d-%d of %d (%.0f s)"):format(kit.layer, first, list[#list], kit.channels,
      wick.clock() - started))
    image.save(image.grid(tiles, { cols = 8 }), kit:path("preview.png"))
  end
  if #tiles > 0 then
    print(image.save(image.grid(tiles, { cols = 8 }), kit:path("channels-%s-1-%d-seed%d.png", kit.layer, #tiles,
      kit.seed)))
  end
end

-- ---- Fashion-MNIST classes --------------------------------------------------------------
if kit.classes then
  local net, why = fashion.load(kit.classifier ~= "" and kit.classifier or fashion.default_path(kit.here))
  if not net then print("classes: " .. why); return end
  local _, test = wick.data.fashion_mnist()
  print(image.save(features.fashion_classes(net, test.x), kit:path("classes-fashion-seed%d.png", kit.seed)))
  print(("classes: %s … %s, plain, regularised, the surest test image (%.0f s)"):format(fashion.classes[1],
    fashion.classes[10], wick.clock() - started))
end
