-- Watching it learn — the essay's smile study, carried to Fashion-MNIST. A small CNN
-- learns "sneaker or not", then the 10-class problem; after each slice of training it
-- judges the same row of test images, and the rows stack top to bottom into one
-- picture of a network learning to see. Each image sits on a tile coloured by the
-- verdict: green when right, red when wrong, brighter when more confident.
--
-- Data: Debian's dataset-fashion-mnist (`make data`).
-- Run:  wick sketches/classify/classify.lua [--full] [--seed N]
--       about a minute on one core by default (12,000 training images); --full trains
--       the 10-class net on all 60,000 for one epoch, as the reference benchmark does.
--       Training and testing are cached steps (wick.cache): a second run reuses the nets,
--       and under `wick --watch sketches/classify/classify.lua` a new colour in
--       classify_watch.lua re-draws the pictures in under a second.
-- Writes out/binary-seed<seed>.png, out/tenclass-seed<seed>.png, out/tenclass.safetensors
local wick = require "wick"
local nn, optim, data, image = wick.nn, wick.optim, wick.data, wick.image

local kit = wick.sketch { seed = 7, positional = { "seed" } }   -- --full, --seed N, out/
local W = require "classify_watch"   -- beside this file: the verdict rows and the accuracy
local train, test = data.fashion_mnist()   -- under --watch: decoded once per session
if not kit.full then   -- the first 12,000 training images are a fair, quick slice
  train = { x = train.x:narrow(1, 1, 12000), y = train.y:narrow(1, 1, 12000), classes = train.classes }
end

local cnn = require("classify_net").cnn   -- beside this file: the layers, shared with visualize, cnn_codes

-- A fixed row of 16 test images, judged again after every slice of training.
local row_x, row_y = test.x:narrow(1, 1, 16), test.y:narrow(1, 1, 16)

-- Train a new cnn(outputs) for one epoch, judging the row 12 times on the way (judge(net)
-- -> right, confidence); returns the net and the verdicts. A cached step (wick.cache,
-- below): it runs again only when its code, the data or the seed change. The verdicts are
-- drawn outside it (classify_watch.lua), so a new colour does not train again.
local function train_and_judge(outputs, loss_fn, judge)
  local net = cnn(outputs)
  local opt = optim.adam(net:parameters(), { lr = 1e-3 })
  local function verdict()   -- judged in eval mode, then back to training
    local right, confidence = judge(net:eval())
    net:train()
    return { right = right, confidence = confidence }
  end
  local verdicts = { verdict() }
  local every = math.max(1, math.ceil(train.x:size(1) / 64) // 12)
  local function preview() verdicts[#verdicts + 1] = verdict() end
  for _, batch in data.batches(train, { batch = 64, every = every, on_step = preview }) do
    local loss = loss_fn(net(batch.x), batch.y)
    opt:zero_grad()
    loss:backward()
    opt:step()
    batch.loss = loss:item()
  end
  net:eval()
  return net, verdicts
end

-- ---- sneaker or not ---------------------------------------------------------------------
local function is_sneaker(y) return y:eq(8) end
local binary, binary_verdicts = wick.cache("train sneaker or not", train_and_judge, 1,
  function(logits, y) return nn.bce_with_logits(logits:view(-1), is_sneaker(y)) end,
  function(net)
    local p = wick.no_grad(function() return net(row_x):view(-1):sigmoid() end)
    return p:gt(0.5):eq(is_sneaker(row_y)), (p - 0.5):abs() * 2
  end)
image.save(W.picture(row_x, binary_verdicts), kit:path("binary-seed%d.png", kit.seed))
local binary_acc = wick.cache("test sneaker or not", W.accuracy, test,
  function(x) return binary(x):view(-1):gt(0) end, is_sneaker)
print(("sneaker or not: test accuracy %.2f%%"):format(100 * binary_acc))

-- ---- ten classes ------------------------------------------------------------------------
local net, ten_verdicts = wick.cache("train ten classes", train_and_judge, 10, nn.cross_entropy, function(m)
  local conf, said = wick.no_grad(function() return nn.F.softmax(m(row_x), 2) end):max(2)
  return said:eq(row_y), conf
end)
image.save(W.picture(row_x, ten_verdicts), kit:path("tenclass-seed%d.png", kit.seed))
local ten_acc = wick.cache("test ten classes", W.accuracy, test,
  function(x) return net(x):argmax(2) end, function(y) return y end)
print(("ten classes: test accuracy %.2f%%"):format(100 * ten_acc))
wick.save(net, kit:path("tenclass.safetensors"), { metadata = { sketch = "classify", seed = tostring(kit.seed) } })
print(("wrote %s/binary-seed%d.png, tenclass-seed%d.png, tenclass.safetensors"):format(kit.out, kit.seed, kit.seed))
