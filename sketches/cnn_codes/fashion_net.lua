-- fashion_net.lua — the Fashion-MNIST classifier that sketches/classify trains and saves
-- (out/tenclass.safetensors), rebuilt and loaded for looking inside. The layers must be
-- classify.lua's cnn(10); load_state's strict check says so if they ever drift apart.
local wick = require "wick"
local nn = wick.nn

local M = {}

M.classes = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
  "Ankle boot" }
M.penultimate = 9   -- the relu after linear(1600→128): the 128-d code before the class scores

-- The path classify writes, seen from a sketch folder beside it (`here`).
function M.default_path(here) return here .. "/../classify/out/tenclass.safetensors" end

-- The trained net in eval mode, or nil and a message saying how to make it.
function M.load(path)
  if not wick.fs.kind(path) then
    return nil, ("no Fashion-MNIST classifier at %s: run `wick sketches/classify/classify.lua` first "
      .. "(about a minute; --full trains on all 60,000 images)"):format(path)
  end
  local net = nn.sequential {
    nn.conv2d(1, 32, 3), nn.relu(), nn.maxpool2d(2),
    nn.conv2d(32, 64, 3), nn.relu(), nn.maxpool2d(2),
    nn.flatten(), nn.linear(1600, 128), nn.relu(), nn.linear(128, 10),
  }
  net:load(path)
  net:eval()
  for _, p in ipairs(net:parameters()) do p:requires_grad(false) end   -- only the image learns
  return net
end

return M
