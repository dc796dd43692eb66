-- Watching it learn — the essay's smile study, carried to Fashion-MNIST. A small CNN
-- learns "sneaker or not", then the 10-class problem; after each slice of training it
-- judges the same row of test images, and the rows stack top to bottom into one
-- picture of a network learning to see. Each image sits on a tile coloured by the
-- verdict: green when right, red when wrong, brighter when more confident.
--
-- Data: Debian's dataset-fashion-mnist (`make data`).
-- Run:  wick sketches/classify/classify.lua [--full] [seed]
--       about a minute on one core by default (12,000 training images); --full trains
--       the 10-class net on all 60,000 for one epoch, as the reference benchmark does.
-- Writes out/binary-seed<seed>.png, out/tenclass-seed<seed>.png, out/tenclass.safetensors
local wick = require "wick"
local T, nn, optim, data, image = wick.tensor, wick.nn, wick.optim, wick.data, wick.image

local full = arg[1] == "--full"
local seed = wick.seed(tonumber(arg[full and 2 or 1]) or 7)
print(("classify: seed %d%s"):format(seed, full and ", full epoch" or ""))
local out = (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/out"

local train, test = data.fashion_mnist()
if not full then   -- the first 12,000 training images are a fair, quick slice
  train = { x = train.x:narrow(1, 1, 12000), y = train.y:narrow(1, 1, 12000), classes = train.classes }
end

local function cnn(outputs)
  return nn.sequential {
    nn.conv2d(1, 32, 3), nn.relu(), nn.maxpool2d(2),
    nn.conv2d(32, 64, 3), nn.relu(), nn.maxpool2d(2),
    nn.flatten(), nn.linear(1600, 128), nn.relu(), nn.linear(128, outputs),
  }
end

-- A fixed row of 16 test images, the same at every slice.
local row_x = test.x:narrow(1, 1, 16)
local row_y = test.y:narrow(1, 1, 16)

-- One picture row: each image on a tile tinted by (right?, confidence).
local function verdict_row(right, confidence)
  local tiles = {}
  for i = 1, 16 do
    local grey = row_x[i]:expand(3, 28, 28)
    local c = confidence:get(i)
    local tint = right:get(i) == 1 and T { 0.1, 0.4 + 0.6 * c, 0.2 } or T { 0.4 + 0.6 * c, 0.1, 0.1 }
    local tile = tint:view(3, 1, 1):expand(3, 36, 36):contiguous()
    tile:narrow(2, 5, 28):narrow(3, 5, 28):copy_(grey)
    tiles[i] = tile
  end
  return image.grid(tiles, { cols = 16, pad = 1, pad_value = 0 })
end

-- Train `net` with `loss_fn`, drawing a verdict row `slices` times along the way.
local function train_and_watch(net, loss_fn, judge, slices, epochs)
  local opt = optim.adam(net:parameters(), { lr = 1e-3 })
  local per_epoch = math.ceil(train.x:size(1) / 64)
  local every = math.max(1, per_epoch * epochs // slices)
  local rows = { (function() net:eval(); local r = verdict_row(judge(net)); net:train(); return r end)() }
  for step, batch in data.batches(train, { size = 64, epochs = epochs }) do
    local loss = loss_fn(net(batch.x), batch.y)
    opt:zero_grad()
    loss:backward()
    opt:step()
    batch.loss = loss:item()
    if step % every == 0 then
      net:eval()
      rows[#rows + 1] = verdict_row(judge(net))
      net:train()
    end
  end
  net:eval()
  return T.cat(rows, 2)   -- rows stacked top to bottom
end

local function accuracy(predict)
  return wick.no_grad(function()
    local right = 0
    for i = 1, test.x:size(1), 1000 do
      local n = math.min(1000, test.x:size(1) - i + 1)
      right = right + predict(test.x:narrow(1, i, n)):eq(test.y:narrow(1, i, n)):sum():item()
    end
    return right / test.x:size(1)
  end)
end

-- ---- sneaker or not ---------------------------------------------------------------------
local SNEAKER = 8
local binary = cnn(1)
local function is_sneaker(y) return y:eq(SNEAKER) end
local picture = train_and_watch(binary,
  function(logits, y) return nn.bce_with_logits(logits:view(-1), is_sneaker(y)) end,
  function(net)
    local p = wick.no_grad(function() return net(row_x):view(-1):sigmoid() end)
    local said = p:gt(0.5)
    return said:eq(is_sneaker(row_y)), (p - 0.5):abs() * 2
  end, 12, 1)
image.save(picture, ("%s/binary-seed%d.png"):format(out, seed))
local acc = wick.no_grad(function()
  local right = 0
  for i = 1, test.x:size(1), 1000 do
    local n = math.min(1000, test.x:size(1) - i + 1)
    local said = binary(test.x:narrow(1, i, n)):view(-1):gt(0)
    right = right + said:eq(is_sneaker(test.y:narrow(1, i, n))):sum():item()
  end
  return right / test.x:size(1)
end)
print(("sneaker or not: test accuracy %.2f%%"):format(100 * acc))

-- ---- ten classes ------------------------------------------------------------------------
local net = cnn(10)
picture = train_and_watch(net, nn.cross_entropy, function(m)
  local p = wick.no_grad(function() return nn.F.softmax(m(row_x), 2) end)
  local conf, said = p:max(2)
  return said:eq(row_y), conf
end, 12, 1)
image.save(picture, ("%s/tenclass-seed%d.png"):format(out, seed))
print(("ten classes: test accuracy %.2f%%"):format(100 * accuracy(function(x) return net(x):argmax(2) end)))
wick.save(net, out .. "/tenclass.safetensors", { metadata = { sketch = "classify" } })
print("wrote " .. out .. "/binary-seed" .. seed .. ".png, tenclass-seed" .. seed .. ".png, tenclass.safetensors")
