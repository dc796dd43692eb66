-- classify_net.lua — the Fashion-MNIST classifier of the classify sketch: its layers
-- (cnn(outputs): two conv-relu-pool blocks, then 1600 → 128 → outputs), the class names,
-- and loading the ten-class net that classify.lua saves (out/tenclass.safetensors) for the
-- sketches that look inside it (visualize, cnn_codes), which load this file from here.
local wick = require "wick"
local nn = wick.nn

local M = {}

M.classes = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
  "Ankle boot" }
M.penultimate = 9   -- the relu after linear(1600→128): the 128-d code before the class scores

function M.cnn(outputs)
  return nn.sequential {
    nn.conv2d(1, 32, 3), nn.relu(), nn.maxpool2d(2),
    nn.conv2d(32, 64, 3), nn.relu(), nn.maxpool2d(2),
    nn.flatten(), nn.linear(1600, 128), nn.relu(), nn.linear(128, outputs),
  }
end

-- Where classify.lua saves the ten-class net, seen from a sketch folder beside it (`here`).
function M.default_path(here) return here .. "/../classify/out/tenclass.safetensors" end

-- The trained ten-class net in eval mode with frozen weights, or nil and a message saying
-- how to make it.
function M.load(path)
  if not wick.fs.kind(path) then
    return nil, ("no Fashion-MNIST classifier at %s: run `wick sketches/classify/classify.lua` first "
      .. "(about a minute; --full trains on all 60,000 images)"):format(path)
  end
  local net = M.cnn(10)
  net:load(path)
  net:eval()
  for _, p in ipairs(net:parameters()) do p:requires_grad(false) end   -- only the image learns
  return net
end

return M
