-- A sparse autoencoder: one wide hidden layer of sigmoid units (more units than a
-- bottleneck would have), kept mostly silent by a penalty, so each unit learns to answer
-- to one small part of a digit — a stroke, a curve, a blob. Its learned features are its
-- units' incoming weights, drawn as 28×28 pictures. Two penalties (--penalty): "kl" pulls
-- each unit's mean activation over a batch towards a target rate --rho (the KL divergence
-- of Bernoulli(rho) from Bernoulli(mean), weighed by --beta; Ng's sparse autoencoder
-- notes); "l1" adds the units' activations, summed per image, weighed by --l1. Weight
-- decay (--decay, Adam's L2) and small first weights (--init scales them) matter as much:
-- without them the pixels at the edges, which are always 0 in MNIST, keep their random
-- weights and every feature sits in a square of static (seen).
--
-- Data: `make data` (MNIST; --data fashion for Fashion-MNIST). Run: wick
--       sketches/autoencoder/sparse.lua [--penalty kl|l1] [--hidden 196] [--rho 0.1]
--       [--beta 50] [--l1 0.3] [--decay 0.03] [--epochs 5] [--limit 0] [--seed 3]
--       (5 epochs: 20-30 s on 2 cores shared with other runs; kl: test BCE 0.192, mean
--       activation 0.104, features like parts of digits; l1: BCE 0.129, mean 0.350, dots and strokes)
-- Writes out/features-<penalty>-seed<seed>.png: each hidden unit's weights as a tile,
-- stretched to its own range (dark: the pixels that silence it, light: those that drive
-- it), and prints the test BCE and the mean hidden activation.
local wick = require "wick"
local nn = wick.nn
local kit = wick.sketch { seed = 3, epochs = 5, hidden = 196, penalty = "kl", rho = 0.1, beta = 50, l1 = 0.3,
  decay = 0.03, init = 0.1, batch = 128, lr = 3e-3, limit = 0, data = "mnist" }
local ae = require "ae"   -- beside this file
ae.check(kit, { epochs = 1, hidden = 1, batch = 1, limit = 0 })
if kit.penalty ~= "kl" and kit.penalty ~= "l1" then error("--penalty must be kl or l1, got " .. kit.penalty, 0) end
if not (kit.rho > 0 and kit.rho < 1) then error("--rho must be between 0 and 1, got " .. kit.rho, 0) end
if not (kit.beta >= 0 and kit.l1 >= 0 and kit.decay >= 0 and kit.init > 0) then
  error("--beta, --l1 and --decay must be at least 0, --init above 0", 0)
end
local train, test = ae.data(kit.data, kit.limit)
local enc, dec = nn.linear(784, kit.hidden), nn.linear(kit.hidden, 784)
wick.no_grad(function() enc.weight:mul_(kit.init) end)
local function hidden(x) return enc(x:reshape(-1, 784)):sigmoid() end

-- the penalty per image, beside a reconstruction error summed over its 784 pixels
local function penalty(h)
  if kit.penalty == "l1" then return h:sum(2):mean() * kit.l1 end
  local rate = h:mean(1):clamp(1e-6, 1 - 1e-6)   -- each unit's mean activation over the batch
  local rho = kit.rho
  return ((rate:log() * -rho + math.log(rho) * rho) + ((1 - rate):log() * (rho - 1) + math.log(1 - rho) * (1 - rho)))
    :sum() * kit.beta
end
local function report()
  return wick.no_grad(function()
    local h = hidden(test.x)
    return ("test BCE %.4f, mean hidden activation %.4f, %.1f %% of activations above 0.5"):format(
      ae.bce(dec(h), test.x):item(), h:mean():item(), 100 * h:gt(0.5):mean():item())
  end)
end
ae.fit(kit, train, ae.params(enc, dec), function(x)
  local h = hidden(x)
  return ae.bce(dec(h), x) * 784 + penalty(h)
end, report)

wick.no_grad(function()
  local tiles, w = {}, enc.weight
  for i = 1, kit.hidden do
    local t = w:select(1, i)
    local lo, hi = t:min():item(), t:max():item()
    tiles[i] = ((t - lo) / math.max(hi - lo, 1e-12)):reshape(1, 28, 28)
  end
  ae.sheet(kit, tiles, math.ceil(math.sqrt(kit.hidden)), "features-%s-seed%d.png", kit.penalty, kit.seed)
end)
