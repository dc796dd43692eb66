-- ae.lua — what the autoencoder sketches beside it share: the data by name (cut short by
-- --limit for quick runs), the fully connected encoders and decoders, the option checks,
-- the training loop (Adam on mini-batches, a line per epoch), the test error, contact
-- sheets of 28×28 tiles, and spherical interpolation for walks. Decoders give logits;
-- the losses take them as they are and the pictures through a sigmoid.
local wick = require "wick"
local nn, image, F = wick.nn, wick.image, wick.nn.F

local M = {}

-- MNIST or Fashion-MNIST, the training set cut to its first `limit` items (0: all).
function M.data(name, limit)
  local load = name == "mnist" and wick.data.mnist or name == "fashion" and wick.data.fashion_mnist
    or error(("--data must be mnist or fashion, got '%s'"):format(name), 0)
  local train, test = load()
  if limit > 0 and limit < train.n then
    train = { x = train.x:narrow(1, 1, limit), y = train.y:narrow(1, 1, limit), classes = train.classes, n = limit }
  end
  return train, test
end

-- Each option named in `mins` must be a whole number at least its minimum: a sketch's
-- bad option is refused before the data loads, in the sketch's own words.
function M.check(kit, mins)
  for name, lo in pairs(mins) do
    local v = kit[name]
    if v ~= math.floor(v) or v < lo then
      error(("--%s must be a whole number >= %d, got %s"):format(name:gsub("_", "-"), lo, tostring(v)), 0)
    end
  end
  if not (kit.lr > 0 and kit.lr < 1) then error(("--lr must be between 0 and 1, got %s"):format(kit.lr), 0) end
end

-- Linear layers of the given sizes with ReLU between them (none after the last).
function M.mlp(sizes, first)
  local layers = { first }
  for i = 1, #sizes - 1 do
    layers[#layers + 1] = nn.linear(sizes[i], sizes[i + 1])
    if i < #sizes - 1 then layers[#layers + 1] = nn.relu() end
  end
  return nn.sequential(layers)
end
-- autoencoder.lua's shapes: 784 → 256 → 64 → code and back (the decoder gives logits)
function M.encoder(code) return M.mlp({ 784, 256, 64, code }, nn.flatten()) end
function M.decoder(code) return M.mlp({ code, 64, 256, 784 }) end

function M.params(...)
  local all = {}
  for _, m in ipairs { ... } do
    for _, p in ipairs(m:parameters()) do all[#all + 1] = p end
  end
  return all
end

-- Trains kit.epochs epochs of Adam (kit.decay its weight decay, when given) on
-- loss_of(x, epoch, done) (x: a batch N×784; done: the fraction of training behind, 0 to
-- 1), printing "epoch e/E: <report(epoch)>, <seconds> s" after each; returns the seconds.
function M.fit(kit, set, params, loss_of, report)
  local opt = wick.optim.adam(params, { lr = kit.lr, weight_decay = kit.decay or 0 })
  local started, steps = wick.clock(), math.ceil(set.n / kit.batch)
  for epoch = 1, kit.epochs do
    for step, batch in wick.data.batches(set, { batch = kit.batch, shuffle = true }) do
      local loss = loss_of(batch.x:view(-1, 784), epoch, ((epoch - 1) * steps + step - 1) / (kit.epochs * steps))
      opt:zero_grad()
      loss:backward()
      opt:step()
      batch.loss = loss:item()
    end
    print(("epoch %d/%d: %s, %.0f s"):format(epoch, kit.epochs, report(epoch), wick.clock() - started))
  end
  return wick.clock() - started
end

-- Mean BCE per pixel of decoded logits against the images they should be (N×784).
function M.bce(logits, x) return F.bce_with_logits(logits, x:reshape(-1, 784)) end

-- N×784 logits (or N×1×28×28 probabilities) as a list of 1×28×28 tiles.
function M.tiles(t, logits)
  if logits ~= false then t = t:sigmoid() end
  local list = {}
  for i = 1, t:size(1) do list[i] = t:select(1, i):reshape(1, 28, 28) end
  return list
end

-- A contact sheet of tiles, saved under out/ and its path printed.
function M.sheet(kit, tiles, cols, name, ...)
  local path = image.save(image.grid(tiles, { cols = cols, pad = 1, pad_value = 0.5 }), kit:path(name, ...))
  print(path)
  return path
end

return M
